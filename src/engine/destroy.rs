//! Tearing down: the plan that removes what Mirage owns in one environment
//! (and the environment itself when Mirage created it and nothing else is
//! in it), or the whole project when Mirage created and owns all of it.
//! Applied like any plan ([`super::apply()`]).

use super::Failure;
use super::prepare::Session;
use crate::diagnostic::Diagnostic;
use crate::plan::teardown::{Scope, Teardown, teardown};

/// What to destroy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// One environment, by name.
    Environment(String),
    /// The whole project.
    Project,
}

/// The teardown plan of `target` from `session` (prepared without
/// secrets, with the environment locked), or why the project cannot be
/// deleted whole. A plan that destroys something protected is refused by
/// [`super::check_protected`], which the caller runs after showing it.
pub fn plan(session: &Session, target: &Target) -> Result<Teardown, Failure> {
    let scope = match target {
        Target::Environment(name) => Scope::Environment(name),
        Target::Project => Scope::Project,
    };
    teardown(
        &session.plan,
        &session.model,
        session.snapshot.as_ref(),
        &session.owned,
        scope,
    )
    .map_err(|refusal| {
        let lines: String = refusal.0.iter().map(|line| format!("\n  - {line}")).collect();
        Failure::failed(
            Diagnostic::general(
                "mirage::destroy::project_not_owned",
                format!(
                    "refusing to delete project `{}`: not everything in it is Mirage's{lines}",
                    session.plan.project
                ),
            )
            .with_help(
                "destroy what Mirage owns environment by environment with `mirage destroy --env ENV`; the rest is yours to remove in Railway",
            ),
        )
    })
}
