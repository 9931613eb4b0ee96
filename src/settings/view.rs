//! A `serde::Serialize` view of the model for `mirage config --json`, hover
//! and the resolution fixtures. Settings come from the one table at their
//! `EnvironmentConfig` paths (`deploy.numReplicas`, and a region always as
//! a key of `deploy.multiRegionConfig`, as `plan` sends it). Secrets and
//! generated values are always `"(sensitive)"`.

use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::{Key, SETTINGS, railway};
use crate::model::{
    DependencyReason, Environment, Origin, Project, ServiceInstance, Step, Valued, VarValue,
};

/// What to include in a [`ConfigView`].
#[derive(Debug, Clone, Copy)]
pub struct ConfigView<'a> {
    /// The model.
    pub project: &'a Project,
    /// Only this environment, when set.
    pub environment: Option<&'a str>,
    /// Only this service, when set.
    pub service: Option<&'a str>,
    /// Whether each value carries its provenance (`{"value", "from",
    /// "chain"}`) instead of being bare.
    pub explain: bool,
}

/// One environment, serializable on its own.
pub struct EnvironmentView<'a>(pub ConfigView<'a>, pub &'a Environment);

/// One service instance, serializable on its own.
pub struct ServiceView<'a>(pub ConfigView<'a>, pub &'a ServiceInstance);

impl ConfigView<'_> {
    fn origin(&self, origin: &Origin) -> Value {
        let step = |s: &Step| {
            let path = self
                .project
                .paths
                .get(s.file.0 as usize)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            format!("{path}:{} ({})", s.line, s.level)
        };
        let chain: Vec<Value> = origin
            .chain
            .iter()
            .map(|s| Value::String(step(s)))
            .collect();
        json!({ "from": origin.effective().map(step), "chain": chain })
    }

    fn valued(&self, value: Value, origin: &Origin) -> Value {
        if !self.explain {
            return value;
        }
        let mut object = Map::new();
        object.insert("value".into(), value);
        if let Value::Object(o) = self.origin(origin) {
            object.extend(o);
        }
        Value::Object(object)
    }

    fn opt<T>(&self, v: &Option<Valued<T>>, f: impl Fn(&T) -> Value) -> Option<Value> {
        v.as_ref().map(|v| self.valued(f(&v.value), &v.origin))
    }

    fn var(&self, v: &Valued<VarValue>) -> Value {
        self.valued(Value::String(v.value.display().to_string()), &v.origin)
    }

    fn environment(&self, env: &Environment) -> Value {
        let mut o = Map::new();
        o.insert("layers".into(), json!(env.layers));
        put(&mut o, "ephemeral", self.opt(&env.ephemeral, |b| json!(b)));
        put(
            &mut o,
            "ttlSeconds",
            self.opt(&env.ttl_seconds, |t| json!(t)),
        );
        if let Some(p) = &env.preview {
            // Mirage-only: what previews made from this template get.
            let mut preview = Map::new();
            preview.insert("name".into(), json!(p.name_pattern));
            put(&mut preview, "maxLive", p.max_live.map(|n| json!(n)));
            put(&mut preview, "source", p.source.as_ref().map(|s| json!(s)));
            put(
                &mut preview,
                "services",
                p.services.as_ref().map(|s| json!(s)),
            );
            preview.insert("drafts".into(), json!(p.drafts));
            o.insert("preview".into(), Value::Object(preview));
        }
        put(&mut o, "protect", self.opt(&env.protect, |b| json!(b)));
        put(
            &mut o,
            "privateNetworkDisabled",
            self.opt(&env.private_network, |b| json!(!b)),
        );
        let shared: Map<String, Value> = env
            .shared_variables
            .iter()
            .map(|(k, v)| (k.clone(), self.var(v)))
            .collect();
        o.insert("sharedVariables".into(), Value::Object(shared));
        let mut services = Map::new();
        for s in &env.services {
            if self.service.is_none_or(|name| name == s.name) {
                services.insert(s.name.clone(), self.service(s));
            }
        }
        o.insert("services".into(), Value::Object(services));
        Value::Object(o)
    }

    fn service(&self, s: &ServiceInstance) -> Value {
        let mut o = Map::new();
        if !s.templates.is_empty() {
            o.insert("templates".into(), json!(s.templates));
        }
        // Every setting from the one table, at its `EnvironmentConfig` path
        // (the same values `plan` sends), in the table's order.
        let mut seen: Vec<(Key, &str)> = Vec::new();
        for setting in SETTINGS {
            if setting.name == "vars" {
                let vars: Map<String, Value> = s
                    .variables
                    .iter()
                    .map(|(k, v)| (k.clone(), self.var(v)))
                    .collect();
                o.insert("variables".into(), Value::Object(vars));
            }
            for field in setting.fields {
                if seen.contains(&(field.key, field.path)) {
                    continue;
                }
                seen.push((field.key, field.path));
                if field.key == Key::Region {
                    for (region, (replicas, origin)) in railway::multi_region(s) {
                        let value = self.valued(json!({ "numReplicas": replicas }), origin);
                        insert(&mut o, &["deploy", "multiRegionConfig", region], value);
                    }
                } else if let Some((value, origin)) = (field.get)(s) {
                    let path: Vec<&str> = field.path.split('.').collect();
                    insert(&mut o, &path, self.valued(value, origin));
                }
            }
        }
        if !s.dependencies.is_empty() {
            let deps: Vec<Value> = s
                .dependencies
                .iter()
                .map(|d| match &d.reason {
                    DependencyReason::DependsOn => {
                        json!({ "target": d.target, "via": "depends-on" })
                    }
                    DependencyReason::Reference {
                        variable,
                        target_variable,
                    } => json!({
                        "target": d.target,
                        "via": format!("{variable} → {}.{target_variable}", d.target),
                    }),
                })
                .collect();
            o.insert("dependencies".into(), Value::Array(deps));
        }
        Value::Object(o)
    }

    /// The whole view as JSON.
    pub fn to_json(&self) -> Value {
        let p = self.project;
        let mut o = Map::new();
        put(&mut o, "project", self.opt(&p.name, |v| json!(v)));
        put(&mut o, "workspace", self.opt(&p.workspace, |v| json!(v)));
        put(&mut o, "region", self.opt(&p.region, |v| json!(v)));
        put(&mut o, "plan", self.opt(&p.plan, |v| json!(v.as_str())));
        let mut envs = Map::new();
        for env in &p.environments {
            if self.environment.is_none_or(|name| name == env.name) {
                envs.insert(env.name.clone(), self.environment(env));
            }
        }
        o.insert("environments".into(), Value::Object(envs));
        Value::Object(o)
    }
}

/// Insert `value` at `path`, creating the objects on the way.
fn insert(map: &mut Map<String, Value>, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut map = map;
    for key in parents {
        let entry = map
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(inner) = entry else { return };
        map = inner;
    }
    map.insert(last.to_string(), value);
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.into(), v);
    }
}

impl Serialize for ConfigView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl Serialize for EnvironmentView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.environment(self.1).serialize(serializer)
    }
}

impl Serialize for ServiceView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.service(self.1).serialize(serializer)
    }
}
