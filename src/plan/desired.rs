//! The desired `EnvironmentConfig` fragment of one service instance, built
//! from the model: what the diff compares Railway's config against.

use std::collections::BTreeMap;

use serde_json::Value;

use super::value::{PlanValue, Sensitive};
use crate::model::{ServiceInstance, VarValue};

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
    let mut out = DesiredService {
        // Every `EnvironmentConfig` key the model sets, from the one table.
        settings: crate::settings::railway::config(instance),
        ..DesiredService::default()
    };
    let deploy = &instance.deploy;
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
