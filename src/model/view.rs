//! A `serde::Serialize` view of the model for `mirage config --json` and the
//! resolution fixtures. Keys follow Railway's `EnvironmentConfig` spelling
//! (`numReplicas`, `startCommand`, …). Secrets and generated values are
//! always `"(sensitive)"`.

use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::{Environment, Origin, Project, ServiceInstance, Source, Valued, VarValue};

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
        let step = |s: &super::Step| {
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
        let str = |s: &String| json!(s);
        let mut o = Map::new();
        if !s.templates.is_empty() {
            o.insert("templates".into(), json!(s.templates));
        }
        let mut source = Map::new();
        if let Some(src) = &s.source {
            let (key, val) = match &src.value {
                Source::Image(i) => ("image", i),
                Source::Repo(r) => ("repo", r),
            };
            source.insert(key.into(), self.valued(json!(val), &src.origin));
        }
        put(&mut source, "branch", self.opt(&s.branch, str));
        put(
            &mut source,
            "rootDirectory",
            self.opt(&s.root_directory, str),
        );
        put(&mut source, "commitSha", self.opt(&s.commit_sha, str));
        put(
            &mut source,
            "checkSuites",
            self.opt(&s.check_suites, |v| json!(v)),
        );
        put(&mut source, "upstreamUrl", self.opt(&s.upstream_url, str));
        put_map(&mut o, "source", source);
        put(&mut o, "configFile", self.opt(&s.config_file, str));

        let b = &s.build;
        let mut build = Map::new();
        put(&mut build, "builder", self.opt(&b.builder, str));
        put(&mut build, "buildCommand", self.opt(&b.build_command, str));
        put(
            &mut build,
            "dockerfilePath",
            self.opt(&b.dockerfile_path, str),
        );
        put(
            &mut build,
            "watchPatterns",
            self.opt(&b.watch_patterns, |v| json!(v)),
        );
        put(
            &mut build,
            "nixpacksConfigPath",
            self.opt(&b.nixpacks_config_path, str),
        );
        put(&mut build, "nixpacksPlan", self.opt(&b.nixpacks_plan, str));
        put(
            &mut build,
            "railpackVersion",
            self.opt(&b.railpack_version, str),
        );
        put(
            &mut build,
            "buildEnvironment",
            self.opt(&b.build_environment, str),
        );
        put_map(&mut o, "build", build);

        let d = &s.deploy;
        let mut deploy = Map::new();
        put(&mut deploy, "startCommand", self.opt(&d.start_command, str));
        put(
            &mut deploy,
            "preDeployCommand",
            self.opt(&d.pre_deploy_command, |v| json!(v)),
        );
        put(
            &mut deploy,
            "healthcheckPath",
            self.opt(&d.healthcheck_path, str),
        );
        put(
            &mut deploy,
            "healthcheckTimeout",
            self.opt(&d.healthcheck_timeout, |v| json!(v)),
        );
        put(
            &mut deploy,
            "numReplicas",
            self.opt(&d.num_replicas, |v| json!(v)),
        );
        put(&mut deploy, "region", self.opt(&d.region, str));
        if !d.multi_region_config.is_empty() {
            let m: Map<String, Value> = d
                .multi_region_config
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        self.valued(json!({ "numReplicas": v.value }), &v.origin),
                    )
                })
                .collect();
            deploy.insert("multiRegionConfig".into(), Value::Object(m));
        }
        put(&mut deploy, "cronSchedule", self.opt(&d.cron_schedule, str));
        put(
            &mut deploy,
            "restartPolicyType",
            self.opt(&d.restart_policy_type, |p| json!(p.as_railway())),
        );
        put(
            &mut deploy,
            "restartPolicyMaxRetries",
            self.opt(&d.restart_policy_max_retries, |v| json!(v)),
        );
        put(
            &mut deploy,
            "sleepApplication",
            self.opt(&d.sleep_application, |v| json!(v)),
        );
        put(
            &mut deploy,
            "registryCredentials",
            self.opt(
                &d.registry_credentials,
                |c| json!({ "username": c.username, "password": "(sensitive)" }),
            ),
        );
        let mut limits = Map::new();
        put(
            &mut limits,
            "cpu",
            self.opt(&d.limit_override.cpu, |v| json!(v)),
        );
        put(
            &mut limits,
            "memoryBytes",
            self.opt(&d.limit_override.memory_bytes, |v| json!(v)),
        );
        put(
            &mut limits,
            "diskBytes",
            self.opt(&d.limit_override.disk_bytes, |v| json!(v)),
        );
        if !limits.is_empty() {
            deploy.insert("limitOverride".into(), json!({ "containers": limits }));
        }
        put(
            &mut deploy,
            "overlapSeconds",
            self.opt(&d.overlap_seconds, |v| json!(v)),
        );
        put(
            &mut deploy,
            "drainingSeconds",
            self.opt(&d.draining_seconds, |v| json!(v)),
        );
        put(
            &mut deploy,
            "ipv6EgressEnabled",
            self.opt(&d.ipv6_egress_enabled, |v| json!(v)),
        );
        put_map(&mut o, "deploy", deploy);

        let n = &s.networking;
        let mut net = Map::new();
        put(
            &mut net,
            "serviceDomain",
            self.opt(&n.service_domain, |p| json!({ "port": p })),
        );
        put(
            &mut net,
            "customDomains",
            self.opt(&n.custom_domains, |ds| {
                Value::Object(
                    ds.iter()
                        .map(|d| (d.domain.clone(), json!({ "port": d.port })))
                        .collect(),
                )
            }),
        );
        put(&mut net, "tcpProxy", self.opt(&n.tcp_proxy, |v| json!(v)));
        put(
            &mut net,
            "privateNetworkEndpoint",
            self.opt(&n.private_network_endpoint, str),
        );
        put_map(&mut o, "networking", net);

        let vars: Map<String, Value> = s
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), self.var(v)))
            .collect();
        o.insert("variables".into(), Value::Object(vars));
        if let Some(v) = &s.volume {
            let mut vol = Map::new();
            vol.insert(
                "mountPath".into(),
                self.valued(json!(v.mount_path.value), &v.mount_path.origin),
            );
            put(&mut vol, "sizeMB", self.opt(&v.size_mb, |v| json!(v)));
            put(
                &mut vol,
                "backupSchedules",
                self.opt(&v.backup_schedules, |v| json!(v)),
            );
            o.insert("volume".into(), Value::Object(vol));
        }
        put(&mut o, "port", self.opt(&s.port, |v| json!(v)));
        put(&mut o, "protect", self.opt(&s.protect, |v| json!(v)));
        put(&mut o, "dependsOn", self.opt(&s.depends_on, |v| json!(v)));
        if !s.dependencies.is_empty() {
            let deps: Vec<Value> = s
                .dependencies
                .iter()
                .map(|d| match &d.reason {
                    super::DependencyReason::DependsOn => {
                        json!({ "target": d.target, "via": "depends-on" })
                    }
                    super::DependencyReason::Reference {
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

fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.into(), v);
    }
}

fn put_map(map: &mut Map<String, Value>, key: &str, value: Map<String, Value>) {
    if !value.is_empty() {
        map.insert(key.into(), Value::Object(value));
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
