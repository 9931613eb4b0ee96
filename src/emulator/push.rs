//! A simulated `git push`: on Railway, a service instance connected to a
//! repository redeploys when its branch gets a new commit (the deployment
//! trigger). The emulator has no GitHub, so the admin API's
//! `POST /_emulator/push` stands in for the webhook.

use serde::{Deserialize, Serialize};

use super::ops::{self, ApiError, ApiResult, Tick};
use super::state::{State, service_config, str_at};

/// The branch a repo-connected instance follows when its config names none
/// (the emulator has no repository to ask for its default branch).
pub const DEFAULT_BRANCH: &str = "main";

/// What was pushed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Push {
    /// The repository, as in a service's `source.repo` (`owner/name`).
    pub repo: String,
    /// The branch pushed to; [`DEFAULT_BRANCH`] when absent.
    #[serde(default)]
    pub branch: Option<String>,
    /// The new head commit (7 to 40 hex digits); made up when absent.
    #[serde(default)]
    pub commit_sha: Option<String>,
}

/// One deployment a push started.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Triggered {
    /// The new deployment.
    pub deployment_id: String,
    /// Where it runs.
    pub environment_id: String,
    /// What it deploys.
    pub service_id: String,
}

/// Deploys `push.commit_sha` to every service instance, in every project,
/// whose `source.repo` is `push.repo` and whose `source.branch` (default
/// [`DEFAULT_BRANCH`]) is the pushed branch. Projects scheduled for deletion
/// are left alone. Nothing matching is not an error: the list is empty.
pub fn push(st: &mut State, t: &mut Tick, push: Push) -> ApiResult<Vec<Triggered>> {
    let repo = push.repo.trim();
    if repo.is_empty() {
        return Err(ApiError::BadInput("`repo` must not be empty".into()));
    }
    let branch = push.branch.as_deref().unwrap_or(DEFAULT_BRANCH);
    let commit = match push.commit_sha {
        Some(sha)
            if (7..=40).contains(&sha.len()) && sha.chars().all(|c| c.is_ascii_hexdigit()) =>
        {
            sha.to_ascii_lowercase()
        }
        Some(sha) => {
            return Err(ApiError::BadInput(format!(
                "`commitSha` `{sha}` is not 7 to 40 hexadecimal digits"
            )));
        }
        None => format!(
            "{:016x}{:016x}{:08x}",
            t.rng.next_u64(),
            t.rng.next_u64(),
            t.rng.next_u64() as u32
        ),
    };
    let mut targets: Vec<(String, String)> = Vec::new();
    for env in st.environments.values() {
        let live = st
            .projects
            .get(&env.project_id)
            .is_some_and(|p| p.deleted_at.is_none());
        if !live {
            continue;
        }
        for service_id in st.environment_service_ids(env) {
            let Some(cfg) = service_config(env, &service_id) else {
                continue;
            };
            let follows = str_at(cfg, &["source", "repo"]) == Some(repo)
                && str_at(cfg, &["source", "branch"]).unwrap_or(DEFAULT_BRANCH) == branch;
            if follows {
                targets.push((env.id.clone(), service_id));
            }
        }
    }
    targets.sort();
    let mut triggered = Vec::with_capacity(targets.len());
    for (environment_id, service_id) in targets {
        let deployment_id = ops::deploy(st, t, &environment_id, &service_id, Some(commit.clone()))?;
        triggered.push(Triggered {
            deployment_id,
            environment_id,
            service_id,
        });
    }
    Ok(triggered)
}
