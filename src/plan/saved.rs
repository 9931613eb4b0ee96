//! Saved plans (`mirage plan --out FILE`): the plan with the `configEtag` of
//! every environment it read, so `mirage apply FILE` can refuse it when
//! Railway changed since. Holds no secret: sensitive values are stored as
//! their source only, and are read again when applying. Nor a digest: the
//! keyed digests a plan compares secret values with
//! ([`super::value::Sensitive::Actual`]) serialise as `{"sensitive": true,
//! "source": "railway"}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::types::Plan;
use super::value::Sensitive;

/// The `kind` of a saved plan file.
pub const KIND: &str = "mirage-plan";

/// A plan file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    /// Always [`KIND`].
    pub kind: String,
    /// The plan format's version.
    pub version: u32,
    /// The project directory the plan was made from (absolute).
    pub dir: PathBuf,
    /// The project name.
    pub project: String,
    /// Railway's project id (absent when the plan creates the project).
    pub project_id: Option<String>,
    /// `configEtag` of every environment read (absent: did not exist).
    pub etags: BTreeMap<String, Option<String>>,
    /// Fingerprint of the plan's JSON: applying recomputes the plan and
    /// refuses when it differs.
    pub fingerprint: String,
    /// The plan itself (its JSON format), for people and tools.
    pub plan: serde_json::Value,
}

/// Why a saved plan cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    /// Unreadable or not a plan file.
    #[error("cannot read the plan file `{path}`: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl SavedPlan {
    /// A saved plan for `plan`, made from the project in `dir`.
    pub fn new(plan: &Plan, dir: &Path) -> SavedPlan {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        SavedPlan {
            kind: KIND.to_owned(),
            version: plan.version,
            dir,
            project: plan.project.clone(),
            project_id: plan.project_id.clone(),
            etags: etags(plan),
            fingerprint: fingerprint(plan),
            plan: serde_json::to_value(plan).unwrap_or_default(),
        }
    }

    /// Writes the file.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, text + "\n")
    }

    /// Reads a plan file.
    pub fn read(path: &Path) -> Result<SavedPlan, SavedPlanError> {
        let unreadable = |reason: String| SavedPlanError::Unreadable {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
        let saved: SavedPlan = serde_json::from_str(&text)
            .map_err(|e| unreadable(format!("not a Mirage plan ({e})")))?;
        if saved.kind != KIND {
            return Err(unreadable(format!(
                "`kind` is `{}`, not `{KIND}`",
                saved.kind
            )));
        }
        Ok(saved)
    }

    /// The environments whose `configEtag` differs in `now` (a fresh plan):
    /// `(name, saved etag, current etag)`.
    pub fn stale_environments(&self, now: &Plan) -> Vec<(String, Option<String>, Option<String>)> {
        let current = etags(now);
        let mut stale = Vec::new();
        for (name, saved) in &self.etags {
            let current = current.get(name).cloned().flatten();
            if *saved != current {
                stale.push((name.clone(), saved.clone(), current));
            }
        }
        stale
    }
}

fn etags(plan: &Plan) -> BTreeMap<String, Option<String>> {
    plan.environments
        .iter()
        .map(|e| (e.name.clone(), e.config_etag.clone()))
        .collect()
}

/// The fingerprint of a plan's JSON.
pub fn fingerprint(plan: &Plan) -> String {
    let text = serde_json::to_string(plan).unwrap_or_default();
    format!("{:016x}", Sensitive::fingerprint(&text))
}
