//! Plan limits: a Trial workspace may have at most 5 services per project
//! (railwayapp/docs#703), each plan caps custom domains per service
//! (railwayapp/docs#454) and volume sizes. The emulator has none until the
//! admin API sets them (`POST /_emulator/limits`), so tests can reproduce a
//! user hitting one; volumes are always held to Railway's own maximum
//! (`super::rules`). The error text is the emulator's own: Railway's is not recorded
//! (docs/railway-assumptions.md).

use serde::{Deserialize, Serialize};

use super::ops::{ApiError, ApiResult};
use super::state::State;

/// The limits in force; `None` is unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// Services a project may hold.
    #[serde(default)]
    pub services_per_project: Option<u32>,
    /// Custom domains one service instance may have.
    #[serde(default)]
    pub custom_domains_per_service: Option<u32>,
    /// The largest volume, in MB, below Railway's own maximum (250 GB,
    /// which applies when this is absent; see `super::rules`): a Hobby
    /// workspace is `5000`.
    #[serde(default)]
    pub volume_size_mb: Option<u32>,
}

/// The refusal when `count` more would pass `limit`.
fn check(what: &str, per: &str, limit: Option<u32>, count: usize) -> ApiResult<()> {
    match limit {
        Some(n) if count >= n as usize => Err(ApiError::BadInput(format!(
            "You have reached your plan's limit of {n} {what} per {per}"
        ))),
        _ => Ok(()),
    }
}

/// Refuses a new service in a project that is at its limit.
pub fn check_new_service(st: &State, project_id: &str) -> ApiResult<()> {
    let count = st.project_services(project_id).len();
    check("services", "project", st.limits.services_per_project, count)
}

/// Refuses a new custom domain on a service instance at its limit.
pub fn check_new_custom_domain(st: &State, existing: usize) -> ApiResult<()> {
    let limit = st.limits.custom_domains_per_service;
    check("custom domains", "service", limit, existing)
}
