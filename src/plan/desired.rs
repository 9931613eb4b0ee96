//! The desired `EnvironmentConfig` fragment of one service instance, built
//! from the model: what the diff compares Railway's config against.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::value::{PlanValue, Sensitive};
use crate::model::{ServiceInstance, Source, Valued, VarValue};

/// A service instance as Mirage wants it on Railway.
#[derive(Clone, Debug, Default)]
pub struct DesiredService {
    /// Settings compared one by one (only those the model sets): a path
    /// inside the service's config and the value.
    pub settings: Vec<(Vec<String>, Value)>,
    /// Every variable (the model owns the whole map of a managed service).
    pub variables: BTreeMap<String, PlanValue>,
    /// Custom domains → target port, when the model lists them.
    pub custom_domains: Option<BTreeMap<String, Option<u16>>>,
    /// A generated domain, with its target port.
    pub service_domain: Option<Option<u16>>,
    /// The TCP proxy's application port.
    pub tcp_proxy: Option<u16>,
    /// The volume: mount path and size in MB.
    pub volume: Option<(String, Option<u64>)>,
    /// `deploy.registryCredentials`: the user and where the password
    /// comes from (always a secret reference).
    pub registry_credentials: Option<(String, crate::model::SecretRef)>,
}

/// The value of a variable as a plan value.
pub fn variable_value(value: &VarValue) -> PlanValue {
    match value {
        VarValue::Plain(text) | VarValue::Reference(text, _) => {
            PlanValue::Plain(Value::String(text.clone()))
        }
        VarValue::Secret(secret) => PlanValue::Sensitive(Sensitive::Secret(secret.clone())),
        VarValue::Generated(generator) => {
            PlanValue::Sensitive(Sensitive::Generated(generator.clone()))
        }
    }
}

/// Builds the desired config of `instance`.
pub fn desired(instance: &ServiceInstance) -> DesiredService {
    let mut out = DesiredService::default();
    let mut set = |path: &[&str], value: Value| {
        out.settings
            .push((path.iter().map(|s| (*s).to_owned()).collect(), value));
    };
    fn text<T: Into<String> + Clone>(v: &Option<Valued<T>>) -> Option<Value> {
        v.as_ref().map(|v| Value::String(v.value.clone().into()))
    }
    match instance.source.as_ref().map(|s| &s.value) {
        Some(Source::Image(image)) => set(&["source", "image"], json!(image)),
        Some(Source::Repo(repo)) => set(&["source", "repo"], json!(repo)),
        None => {}
    }
    let strings: [(&[&str], &Option<Valued<String>>); 14] = [
        (&["source", "branch"], &instance.branch),
        (&["source", "rootDirectory"], &instance.root_directory),
        (&["source", "commitSha"], &instance.commit_sha),
        (&["source", "upstreamUrl"], &instance.upstream_url),
        (&["configFile"], &instance.config_file),
        (&["build", "builder"], &instance.build.builder),
        (&["build", "buildCommand"], &instance.build.build_command),
        (
            &["build", "dockerfilePath"],
            &instance.build.dockerfile_path,
        ),
        (
            &["build", "nixpacksConfigPath"],
            &instance.build.nixpacks_config_path,
        ),
        (&["build", "nixpacksPlan"], &instance.build.nixpacks_plan),
        (
            &["build", "railpackVersion"],
            &instance.build.railpack_version,
        ),
        (
            &["build", "buildEnvironment"],
            &instance.build.build_environment,
        ),
        (&["deploy", "startCommand"], &instance.deploy.start_command),
        (
            &["deploy", "healthcheckPath"],
            &instance.deploy.healthcheck_path,
        ),
    ];
    for (path, value) in strings {
        if let Some(value) = text(value) {
            set(path, value);
        }
    }
    if let Some(value) = text(&instance.deploy.cron_schedule) {
        set(&["deploy", "cronSchedule"], value);
    }
    if let Some(v) = &instance.check_suites {
        set(&["source", "checkSuites"], json!(v.value));
    }
    if let Some(v) = &instance.build.watch_patterns {
        set(&["build", "watchPatterns"], json!(v.value));
    }
    let deploy = &instance.deploy;
    if let Some(v) = &deploy.pre_deploy_command {
        set(&["deploy", "preDeployCommand"], json!(v.value));
    }
    if let Some(v) = &deploy.healthcheck_timeout {
        set(&["deploy", "healthcheckTimeout"], json!(v.value));
    }
    if let Some(v) = &deploy.num_replicas {
        set(&["deploy", "numReplicas"], json!(v.value));
    }
    if !deploy.multi_region_config.is_empty() {
        for (region, replicas) in &deploy.multi_region_config {
            set(
                &["deploy", "multiRegionConfig", region, "numReplicas"],
                json!(replicas.value),
            );
        }
    } else if let Some(region) = &deploy.region {
        let replicas = deploy.num_replicas.as_ref().map_or(1, |r| r.value);
        set(
            &["deploy", "multiRegionConfig", &region.value, "numReplicas"],
            json!(replicas),
        );
    }
    if let Some(v) = &deploy.restart_policy_type {
        set(
            &["deploy", "restartPolicyType"],
            json!(v.value.as_railway()),
        );
    }
    if let Some(v) = &deploy.restart_policy_max_retries {
        set(&["deploy", "restartPolicyMaxRetries"], json!(v.value));
    }
    if let Some(v) = &deploy.sleep_application {
        set(&["deploy", "sleepApplication"], json!(v.value));
    }
    if let Some(v) = &deploy.overlap_seconds {
        set(&["deploy", "overlapSeconds"], json!(v.value));
    }
    if let Some(v) = &deploy.draining_seconds {
        set(&["deploy", "drainingSeconds"], json!(v.value));
    }
    if let Some(v) = &deploy.ipv6_egress_enabled {
        set(&["deploy", "ipv6EgressEnabled"], json!(v.value));
    }
    let limits = &deploy.limit_override;
    if let Some(v) = &limits.cpu {
        set(
            &["deploy", "limitOverride", "containers", "cpu"],
            json!(v.value),
        );
    }
    if let Some(v) = &limits.memory_bytes {
        set(
            &["deploy", "limitOverride", "containers", "memoryBytes"],
            json!(v.value),
        );
    }
    if let Some(v) = &limits.disk_bytes {
        set(
            &["deploy", "limitOverride", "containers", "diskBytes"],
            json!(v.value),
        );
    }
    if let Some(v) = &instance.networking.private_network_endpoint {
        set(&["networking", "privateNetworkEndpoint"], json!(v.value));
    }
    out.registry_credentials = deploy
        .registry_credentials
        .as_ref()
        .map(|c| (c.value.username.clone(), c.value.password.clone()));
    let port = instance.port.as_ref().map(|p| p.value);
    out.variables = instance
        .variables
        .iter()
        .map(|(name, value)| (name.clone(), variable_value(&value.value)))
        .collect();
    out.custom_domains = instance.networking.custom_domains.as_ref().map(|domains| {
        domains
            .value
            .iter()
            .map(|d| (d.domain.clone(), d.port.or(port)))
            .collect()
    });
    out.service_domain = instance
        .networking
        .service_domain
        .as_ref()
        .map(|d| d.value.or(port));
    out.tcp_proxy = instance.networking.tcp_proxy.as_ref().map(|p| p.value);
    out.volume = instance.volume.as_ref().map(|v| {
        (
            v.mount_path.value.clone(),
            v.size_mb.as_ref().map(|s| s.value),
        )
    });
    out
}
