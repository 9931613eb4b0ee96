//! Environment-config JSON: applying patches (null deletes a key), merging
//! staged patches (null is kept, to delete on commit), masking variable
//! values, counting changes and hashing for `configEtag`.

use serde_json::{Map, Value};

/// What a masked variable value reads as when `decryptVariables` is not
/// `true` (see `docs/railway-assumptions.md`, "Masked variables").
pub const MASK: &str = "*******";

/// Applies `patch` to `target` recursively: objects merge key by key, a
/// `null` value deletes the key, anything else replaces the old value.
pub fn apply_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = strip_nulls(patch);
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target) = target else {
        return;
    };
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.shift_remove(key);
            }
            Value::Object(_) => {
                let slot = target
                    .entry(key.clone())
                    .or_insert(Value::Object(Map::new()));
                apply_patch(slot, value);
            }
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

/// Merges a newer patch into an older one, keeping `null`s so that they
/// still delete when the merged patch is committed.
pub fn merge_patches(older: &mut Value, newer: &Value) {
    match (older, newer) {
        (Value::Object(old), Value::Object(new)) => {
            for (key, value) in new {
                match (old.get_mut(key), value) {
                    (Some(slot @ Value::Object(_)), Value::Object(_)) => merge_patches(slot, value),
                    _ => {
                        old.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (old, new) => *old = new.clone(),
    }
}

/// A copy of `value` without any `null` object members.
pub fn strip_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The number of leaf values (including `null` deletions) in a patch: what
/// the emulator reports as `unmergedChangesCount` for a staged patch.
pub fn count_changes(patch: &Value) -> i32 {
    match patch {
        Value::Object(map) if map.is_empty() => 0,
        Value::Object(map) => map.values().map(count_changes_inner).sum(),
        _ => 1,
    }
}

fn count_changes_inner(value: &Value) -> i32 {
    match value {
        // An empty object in a patch still means something (`tcpProxies: {"5432": {}}`).
        Value::Object(map) if map.is_empty() => 1,
        Value::Object(map) => map.values().map(count_changes_inner).sum(),
        _ => 1,
    }
}

/// A copy of an environment config with every variable value masked.
pub fn mask_variables(config: &Value) -> Value {
    let mut out = config.clone();
    if let Some(shared) = out
        .get_mut("sharedVariables")
        .and_then(Value::as_object_mut)
    {
        mask_map(shared);
    }
    if let Some(services) = out.get_mut("services").and_then(Value::as_object_mut) {
        for service in services.values_mut() {
            if let Some(vars) = service.get_mut("variables").and_then(Value::as_object_mut) {
                mask_map(vars);
            }
        }
    }
    out
}

fn mask_map(vars: &mut Map<String, Value>) {
    for var in vars.values_mut() {
        if let Some(value) = var.get_mut("value")
            && value.is_string()
        {
            *value = Value::String(MASK.to_string());
        }
    }
}

/// Whether a config holds any sealed variable.
pub fn has_sealed(config: &Value) -> bool {
    super::rules::variable_maps(config)
        .iter()
        .any(|(_, vars)| vars.values().any(super::rules::is_sealed))
}

/// A copy of a config (or patch) without the value of any sealed variable
/// (`isSealed: true`): Railway never returns one, decrypted or not.
pub fn hide_sealed(config: &Value) -> Value {
    let mut out = config.clone();
    let hide = |vars: &mut Map<String, Value>| {
        for var in vars.values_mut() {
            if var.get("isSealed") == Some(&Value::Bool(true))
                && let Some(entry) = var.as_object_mut()
            {
                entry.shift_remove("value");
            }
        }
    };
    if let Some(shared) = out
        .get_mut("sharedVariables")
        .and_then(Value::as_object_mut)
    {
        hide(shared);
    }
    if let Some(services) = out.get_mut("services").and_then(Value::as_object_mut) {
        for service in services.values_mut() {
            if let Some(vars) = service.get_mut("variables").and_then(Value::as_object_mut) {
                hide(vars);
            }
        }
    }
    out
}

/// A copy of a config without its sealed variables: what an environment
/// created from it (`sourceEnvironmentId`) gets, since Railway does not copy
/// sealed variables into duplicated or pull-request environments.
pub fn without_sealed(config: &Value) -> Value {
    let mut out = config.clone();
    let drop = |vars: &mut Map<String, Value>| {
        vars.retain(|_, var| var.get("isSealed") != Some(&Value::Bool(true)));
    };
    if let Some(shared) = out
        .get_mut("sharedVariables")
        .and_then(Value::as_object_mut)
    {
        drop(shared);
    }
    if let Some(services) = out.get_mut("services").and_then(Value::as_object_mut) {
        for service in services.values_mut() {
            if let Some(vars) = service.get_mut("variables").and_then(Value::as_object_mut) {
                drop(vars);
            }
        }
    }
    out
}

/// The `configEtag` of a config: a hash of its canonical JSON text, so it
/// changes exactly when the config does.
pub fn etag(config: &Value) -> String {
    // Hashes the JSON text as it is written (read on every whole-project
    // read, so no intermediate string).
    let mut hash = super::clock::Fnv1a::default();
    let _ = serde_json::to_writer(&mut hash, config);
    format!("{:016x}", hash.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn etag_hashes_the_json_text() {
        let config = json!({"services": {"a": {"variables": {"X": {"value": "1"}}}}});
        let text = serde_json::to_string(&config).expect("json");
        let want = format!("{:016x}", crate::emulator::clock::fnv1a(text.as_bytes()));
        assert_eq!(etag(&config), want);
        assert_ne!(etag(&config), etag(&json!({})));
    }

    #[test]
    fn null_deletes_and_objects_merge() {
        let mut config =
            json!({"services": {"a": {"deploy": {"startCommand": "x", "numReplicas": 2}}}});
        apply_patch(
            &mut config,
            &json!({"services": {"a": {"deploy": {"startCommand": null, "healthcheckPath": "/h"}}}}),
        );
        assert_eq!(
            config,
            json!({"services": {"a": {"deploy": {"numReplicas": 2, "healthcheckPath": "/h"}}}})
        );
    }

    #[test]
    fn merged_patches_keep_nulls() {
        let mut staged = json!({"sharedVariables": {"A": {"value": "1"}}});
        merge_patches(&mut staged, &json!({"sharedVariables": {"B": null}}));
        assert_eq!(
            staged,
            json!({"sharedVariables": {"A": {"value": "1"}, "B": null}})
        );
        assert_eq!(count_changes(&staged), 2);
    }

    #[test]
    fn etag_follows_content() {
        assert_eq!(etag(&json!({"a": 1})), etag(&json!({"a": 1})));
        assert_ne!(etag(&json!({"a": 1})), etag(&json!({"a": 2})));
    }
}
