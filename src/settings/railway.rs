//! The model → Railway mapping, derived from the table once: what
//! `plan::desired` compares with Railway's `EnvironmentConfig` and what
//! `settings::ConfigView` shows are the same values at the same paths.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Field, Key, Railway, SETTINGS};
use crate::model::{Origin, ServiceInstance};

/// Every field of the table once, in table order (a key written by two
/// nodes, such as `repo`'s `branch=` and `branch`, appears once).
pub fn fields() -> impl Iterator<Item = &'static Field> {
    let mut seen: Vec<(Key, &str)> = Vec::new();
    SETTINGS
        .iter()
        .flat_map(|s| s.fields.iter())
        .filter(move |f| {
            if seen.contains(&(f.key, f.path)) {
                false
            } else {
                seen.push((f.key, f.path));
                true
            }
        })
}

/// `deploy.multiRegionConfig`: region → replicas with provenance. The
/// `regions` map when written; otherwise the single `region` (the
/// project's by default) with `replicas` (1 when unset). `EnvironmentConfig`
/// has no `deploy.region` (see `/work/shared/railway/API-NOTES.md` §3,
/// `ServiceCfg`): a region is always a key of this map.
pub fn multi_region(instance: &ServiceInstance) -> BTreeMap<&str, (u32, &Origin)> {
    let deploy = &instance.deploy;
    if !deploy.multi_region_config.is_empty() {
        return deploy
            .multi_region_config
            .iter()
            .map(|(region, n)| (region.as_str(), (n.value, &n.origin)))
            .collect();
    }
    deploy
        .region
        .iter()
        .map(|region| {
            let replicas = deploy.num_replicas.as_ref().map_or(1, |r| r.value);
            (region.value.as_str(), (replicas, &region.origin))
        })
        .collect()
}

/// The settings of `instance` that are keys of its `EnvironmentConfig`
/// ([`Railway::Config`]), as (path, value), in table order.
pub fn config(instance: &ServiceInstance) -> Vec<(Vec<String>, Value)> {
    let mut out = Vec::new();
    for field in fields().filter(|f| f.railway == Railway::Config) {
        if field.key == Key::Region {
            for (region, (replicas, _)) in multi_region(instance) {
                out.push((
                    vec![
                        "deploy".to_owned(),
                        "multiRegionConfig".to_owned(),
                        region.to_owned(),
                        "numReplicas".to_owned(),
                    ],
                    json!(replicas),
                ));
            }
            continue;
        }
        if let Some((value, _)) = (field.get)(instance) {
            out.push((field.path.split('.').map(str::to_owned).collect(), value));
        }
    }
    out
}
