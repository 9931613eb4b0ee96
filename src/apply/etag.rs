//! The `configEtag` re-check made just before an apply writes anything.
//!
//! `environmentPatchCommit` takes no etag (only the experimental
//! `environmentApplyChangeSet` has `baseConfigEtag`), and a GraphQL request
//! cannot mix a query with mutations, so the check cannot ride in the
//! commit's own request: it is one aliased query for every environment the
//! apply will write, sent before the first write. It is not sent just
//! before the commit because the apply's own creations (a project-wide
//! `serviceCreate` adds an instance to every environment) change the etags
//! themselves. The window left is the apply's own few requests, against
//! the minutes between a plan and its confirmation that this closes.

use crate::plan::{Action, EnvironmentPlan, Plan};
use crate::railway::Client;
use crate::railway::ops::common::IdVariables;
use crate::railway::ops::etag::EnvironmentEtagQuery;

/// Whether applying `environment` writes to it (so its etag matters).
fn writes(environment: &EnvironmentPlan) -> bool {
    !environment.shared.is_empty()
        || environment
            .services
            .iter()
            .any(|s| s.action != Action::None)
}

/// The environments (names) whose `configEtag` on Railway differs from the
/// one the plan read. Costs one request, none when the plan writes to no
/// environment that already existed.
pub async fn stale_environments(client: &Client, plan: &Plan) -> Result<Vec<String>, String> {
    use cynic::QueryBuilder;
    let checked: Vec<(&str, &str, &str)> = plan
        .environments
        .iter()
        .filter(|e| writes(e))
        .filter_map(|e| match (&e.id, &e.config_etag) {
            (Some(id), Some(etag)) => Some((e.name.as_str(), id.as_str(), etag.as_str())),
            _ => None,
        })
        .collect();
    if checked.is_empty() {
        return Ok(Vec::new());
    }
    let operations = checked
        .iter()
        .map(|(_, id, _)| {
            EnvironmentEtagQuery::build(IdVariables {
                id: (*id).to_owned(),
            })
        })
        .collect();
    let results = client
        .batch(operations)
        .await
        .map_err(|error| error.to_string())?;
    let mut stale = Vec::new();
    for ((name, _, etag), result) in checked.iter().zip(results) {
        match result {
            Ok(now) if now.environment.config_etag == *etag => {}
            Ok(_) => stale.push((*name).to_owned()),
            Err(error) => return Err(error.error.to_string()),
        }
    }
    Ok(stale)
}
