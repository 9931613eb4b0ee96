//! Duplicates on Railway that make Mirage's identities ambiguous: two
//! environments or two services of one name in the project, two volumes on
//! one service instance. Whoever made them, a plan refuses them (naming
//! every id) instead of silently working on one and ignoring the other.

use crate::diagnostic::{Diagnostic, FileId, Span};
use crate::model::{Origin, Project};
use crate::railway::{Duplicate, DuplicateKind, Snapshot};

use super::Filter;

/// Stable code of the refusal.
pub const CODE: &str = "mirage::plan::duplicate_on_railway";

/// One duplicate that concerns the plan, with where the files declare the
/// name (none for a name the files do not declare).
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// What Railway holds.
    pub duplicate: Duplicate,
    /// The declaration of the environment, service or volume, if any.
    pub declared: Option<(FileId, Span)>,
}

impl Conflict {
    /// The help line: what to do about it.
    pub fn help(&self) -> String {
        match self.duplicate.kind {
            DuplicateKind::Volume => "detach or delete the extra volume on Railway (keep the one that holds the data), then plan again; Mirage never picks one".to_owned(),
            kind => format!(
                "rename or delete the extra {} on Railway, then plan again; Mirage never picks one",
                kind.noun()
            ),
        }
    }

    /// A located diagnostic, when the files declare the name.
    pub fn diagnostic(&self) -> Option<Diagnostic> {
        let (file, span) = self.declared?;
        // The ids go in the label, which is not wrapped: an id split over
        // two lines could not be copied.
        Some(
            Diagnostic::error(CODE, file, span, self.duplicate.summary())
                .with_label(format!("ids on Railway: {}", self.duplicate.id_list()))
                .with_help(self.help()),
        )
    }

    /// The refusal as one line of text and a help line (for names the
    /// files do not declare, and for callers without the source files).
    pub fn message(&self) -> String {
        format!(
            "{} [{CODE}]\n  help: {}",
            self.duplicate.describe(),
            self.help()
        )
    }
}

/// The refusal of several projects called `name` (found when listing
/// projects), located at `project "…"` in the files.
pub fn duplicate_projects(model: &Project, name: &str, ids: Vec<String>) -> Conflict {
    Conflict {
        duplicate: Duplicate {
            kind: DuplicateKind::Project,
            name: name.to_owned(),
            environment: None,
            ids,
        },
        declared: model
            .name
            .as_ref()
            .and_then(|n| n.origin.effective())
            .map(|step| (step.file, step.span)),
    }
}

/// The duplicates of `snapshot` that the planned part of `model` would
/// touch: every duplicated service (services are project-wide), every
/// duplicated environment the filter selects, and doubled volumes on the
/// selected service instances.
pub fn conflicts(model: &Project, snapshot: &Snapshot, filter: &Filter) -> Vec<Conflict> {
    let environment_selected = |name: &str| {
        (filter.environments.is_empty() || filter.environments.iter().any(|e| e == name))
            && (filter.targets.is_empty() || filter.targets.iter().any(|(e, _)| e == name))
    };
    let service_selected = |environment: &str, name: &str| {
        filter.targets.is_empty()
            || filter
                .targets
                .iter()
                .any(|(e, s)| e == environment && s == name)
    };
    let at = |origin: Option<&Origin>| {
        origin
            .and_then(Origin::effective)
            .map(|step| (step.file, step.span))
    };
    let service_declared = |name: &str| {
        model
            .environments
            .iter()
            .flat_map(|e| e.services.iter())
            .find(|s| s.name == name)
            .and_then(|s| at(s.declared.as_ref()))
    };
    // Templates are never applied, and their previews are `mirage
    // preview`'s: duplicates there do not stop a plan of the project.
    let left_to_previews = |name: &str| {
        model.environment(name).is_some_and(|e| e.is_template())
            || model.templates().any(|t| {
                t.preview
                    .as_ref()
                    .is_some_and(|p| p.number_of(&t.name, name).is_some())
            })
    };
    let mut out = Vec::new();
    for duplicate in &snapshot.duplicates {
        let declared = match duplicate.kind {
            DuplicateKind::Project => model.name.as_ref().and_then(|n| at(Some(&n.origin))),
            DuplicateKind::Environment => {
                if !environment_selected(&duplicate.name) || left_to_previews(&duplicate.name) {
                    continue;
                }
                model
                    .environment(&duplicate.name)
                    .and_then(|e| at(e.declared.as_ref()))
            }
            DuplicateKind::Service => service_declared(&duplicate.name),
            DuplicateKind::Volume => {
                let environment = duplicate.environment.as_deref().unwrap_or_default();
                if left_to_previews(environment)
                    || !environment_selected(environment)
                    || !service_selected(environment, &duplicate.name)
                {
                    continue;
                }
                model
                    .environment(environment)
                    .and_then(|e| e.service(&duplicate.name))
                    .and_then(|s| at(s.declared.as_ref()))
                    .or_else(|| service_declared(&duplicate.name))
            }
        };
        out.push(Conflict {
            duplicate: duplicate.clone(),
            declared,
        });
    }
    out
}

/// Stable code of a `moved` whose old and new names both exist on Railway.
pub const MOVE_CODE: &str = "mirage::plan::move_target_exists";

/// `moved` renames that cannot be done because the new name is already
/// taken on Railway (and the old one still exists): renaming would make a
/// duplicate, and ignoring the `moved` would destroy the old one.
pub fn blocked_moves(model: &Project, snapshot: &Snapshot) -> Vec<Diagnostic> {
    use crate::model::MoveKind;
    model
        .moves
        .iter()
        .filter(|m| match m.kind {
            MoveKind::Service => {
                snapshot.service_id(&m.from).is_some() && snapshot.service_id(&m.to).is_some()
            }
            MoveKind::Environment => {
                snapshot.environment(&m.from).is_some() && snapshot.environment(&m.to).is_some()
            }
        })
        .filter_map(|m| {
            let step = m.origin.effective()?;
            let noun = m.kind.noun();
            Some(
                Diagnostic::error(
                    MOVE_CODE,
                    step.file,
                    step.span,
                    format!(
                        "cannot rename {noun} `{}` to `{}`: both exist on Railway",
                        m.from, m.to
                    ),
                )
                .with_help(format!(
                    "if the rename already happened, delete the old {noun} on Railway or remove this `moved`; Mirage never merges two {noun}s"
                )),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::railway::Duplicate;

    /// Duplicates in a template's name or in its previews are left to
    /// `mirage preview`; those of applied environments still refuse.
    #[test]
    fn duplicates_of_templates_and_previews_do_not_stop_a_plan() {
        let analysis = crate::resolve::analyze(
            std::path::Path::new("/p"),
            vec![(
                "/p/main.mirage".into(),
                "project \"p\"\nservice \"db\" {\n    image \"postgres:17\"\n    volume \"/data\"\n}\nenvironment \"staging\"\nenvironment \"pr\" ephemeral=#true\n".into(),
            )],
        );
        assert!(
            analysis.diagnostics.is_empty(),
            "{:?}",
            analysis.diagnostics
        );
        let duplicate = |kind, name: &str, environment: Option<&str>| Duplicate {
            kind,
            name: name.into(),
            environment: environment.map(str::to_owned),
            ids: vec!["a".into(), "b".into()],
        };
        let snapshot = Snapshot {
            duplicates: vec![
                duplicate(DuplicateKind::Environment, "pr", None),
                duplicate(DuplicateKind::Environment, "pr-4", None),
                duplicate(DuplicateKind::Volume, "db", Some("pr-4")),
                duplicate(DuplicateKind::Volume, "db", Some("staging")),
                duplicate(DuplicateKind::Environment, "staging", None),
            ],
            ..Snapshot::default()
        };
        let found: Vec<(DuplicateKind, String, Option<String>)> =
            conflicts(&analysis.project, &snapshot, &Filter::default())
                .into_iter()
                .map(|c| (c.duplicate.kind, c.duplicate.name, c.duplicate.environment))
                .collect();
        assert_eq!(
            found,
            [
                (
                    DuplicateKind::Volume,
                    "db".to_owned(),
                    Some("staging".to_owned())
                ),
                (DuplicateKind::Environment, "staging".to_owned(), None),
            ]
        );
    }
}
