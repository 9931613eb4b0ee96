//! `mirage import --prefer railway`: the files are edited to say Railway's
//! value of each conflict, then the resource is adopted. The node that
//! sets the value (its span, from the model's provenance) is replaced by
//! the line [`crate::adopt::nodes`] writes for Railway's config (for a
//! variable: the variable with Railway's value); every other byte of the
//! file, comments included, is kept, and the file is written through
//! [`crate::adopt::write`] (formatted).
//!
//! When the node is on a level other environments or services read too (a
//! template, a layer, the `service` block of several environments) and
//! editing it would change what they get, the value is written as an
//! override in the environment's own block instead: `environment "E" {
//! service "S" { … } }`. A secret's value is never written to a file: its
//! conflict is refused, with what to do instead.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{Conflict, Place, origin_of};
use crate::adopt::{nodes, write};
use crate::diagnostic::{FileId, Span};
use crate::model::{Level, Project};
use crate::railway::Snapshot;
use crate::syntax::{Node, parse_tree};

/// A file [`prefer_railway`] rewrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edited {
    /// The file.
    pub path: PathBuf,
    /// What now says Railway's value there, one line each:
    /// `production/web deploy.startCommand (in place)` or `(override in
    /// environment "production")`.
    pub changes: Vec<String>,
}

/// Why the files could not be made to say Railway's values (nothing was
/// written).
#[derive(Debug, thiserror::Error)]
pub enum PreferError {
    /// A conflict that cannot be resolved by editing the files.
    #[error("cannot write Railway's value of `{what}` for `{whom}` into the files: {why}")]
    Refused {
        /// `production/web`.
        whom: String,
        /// `variables.API_KEY`.
        what: String,
        /// Why (one lowercase sentence).
        why: String,
    },
    /// Reading or writing a file failed.
    #[error(transparent)]
    Write(#[from] write::WriteError),
    /// A file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
}

/// A line of an override, and what it says.
struct Line {
    text: String,
    /// A variable (written inside `vars { … }`), not a setting node.
    variable: bool,
    what: String,
}

/// One byte-range edit of one file.
struct Splice {
    span: Span,
    text: String,
}

/// Makes the files of `model` say Railway's value (from `snapshot`) for
/// every one of `conflicts` (from [`super::find`]), and writes them. All
/// or nothing: a conflict that cannot be resolved refuses before any file
/// is written.
pub fn prefer_railway(
    conflicts: &[Conflict],
    model: &Project,
    snapshot: &Snapshot,
) -> Result<Vec<Edited>, PreferError> {
    let mut in_place: BTreeMap<FileId, Vec<(Splice, String)>> = BTreeMap::new();
    // (environment, service) → lines to write in `environment "E" {
    // service "S" { … } }`, with what they say.
    let mut overrides: BTreeMap<(String, String), Vec<Line>> = BTreeMap::new();
    // A secret first: the one conflict no edit can ever settle.
    let mut ordered: Vec<&Conflict> = conflicts.iter().collect();
    ordered.sort_by_key(|c| !c.sensitive);
    for conflict in ordered {
        let whom = match &conflict.service {
            Some(service) => format!("{}/{service}", conflict.environment),
            None => conflict.environment.clone(),
        };
        let refuse = |why: &str| PreferError::Refused {
            whom: whom.clone(),
            what: conflict.what.clone(),
            why: why.to_owned(),
        };
        if conflict.sensitive {
            return Err(refuse(
                "it is a secret, and a secret's value is never written to a file; give the secret's source Railway's value, or run `mirage import --prefer files`",
            ));
        }
        let Some(at) = &conflict.at else {
            return Err(refuse(
                "the files do not say where the value comes from (a command-line override or a derived value)",
            ));
        };
        let text = railway_line(conflict, at, model, snapshot).map_err(|why| refuse(&why))?;
        if shared_elsewhere(conflict, at, model) {
            let Some(service) = &conflict.service else {
                return Err(refuse(
                    "a shared variable is set in its environment's block",
                ));
            };
            overrides
                .entry((conflict.environment.clone(), service.clone()))
                .or_default()
                .push(Line {
                    text,
                    variable: conflict.setting == Some("vars"),
                    what: format!(
                        "{whom} {} (override in environment \"{}\")",
                        conflict.what, conflict.environment
                    ),
                });
        } else {
            in_place.entry(at.file).or_default().push((
                Splice {
                    span: at.span,
                    text,
                },
                format!("{whom} {} (in place)", conflict.what),
            ));
        }
    }
    for ((environment, service), lines) in overrides {
        let (file, splices) =
            override_splices(model, &environment, &service, &lines).map_err(|why| {
                PreferError::Refused {
                    whom: format!("{environment}/{service}"),
                    what: lines
                        .iter()
                        .map(|l| l.what.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                    why,
                }
            })?;
        let said = lines.into_iter().map(|l| l.what).collect::<Vec<_>>();
        let entry = in_place.entry(file).or_default();
        for (i, splice) in splices.into_iter().enumerate() {
            // One description for the override, however many splices.
            let what = if i == 0 {
                said.join("; ")
            } else {
                String::new()
            };
            entry.push((splice, what));
        }
    }
    // Everything is known: now read, splice and format every file, then
    // write them.
    let mut out = Vec::new();
    let mut texts = Vec::new();
    for (file, mut splices) in in_place {
        let Some(path) = model.paths.get(file.0 as usize) else {
            continue;
        };
        let mut text = std::fs::read_to_string(path).map_err(|source| PreferError::Read {
            path: path.display().to_string(),
            source,
        })?;
        splices.sort_by_key(|(s, _)| std::cmp::Reverse(s.span.start));
        let mut changes = Vec::new();
        for (splice, what) in splices {
            if splice.span.end > text.len() || splice.span.start > splice.span.end {
                continue;
            }
            text.replace_range(splice.span.start..splice.span.end, &splice.text);
            if !what.is_empty() {
                changes.push(what);
            }
        }
        changes.reverse();
        let text = write::formatted(path, &text)?;
        texts.push((path.clone(), text));
        out.push(Edited {
            path: path.clone(),
            changes,
        });
    }
    for (path, text) in texts {
        write::write_file(&path, &text, write::Mode::Replace)?;
    }
    Ok(out)
}

/// The KDL that says Railway's value for `conflict`: the variable, or the
/// setting node [`nodes::settings`] writes for Railway's config.
fn railway_line(
    conflict: &Conflict,
    at: &Place,
    model: &Project,
    snapshot: &Snapshot,
) -> Result<String, String> {
    let environment = snapshot
        .environment(&conflict.environment)
        .ok_or_else(|| format!("Railway has no environment `{}`", conflict.environment))?;
    let path: Vec<&str> = conflict.path.iter().map(String::as_str).collect();
    let variable = |config: Option<&serde_json::Value>, name: &str| {
        config
            .and_then(|c| c.get(name))
            .and_then(|v| v.get("value"))
            .and_then(serde_json::Value::as_str)
            .map(|value| nodes::variable(name, &nodes::string(value)))
            .ok_or_else(|| format!("Railway has no value for `{name}`"))
    };
    match (path.as_slice(), &conflict.service) {
        (["sharedVariables", name], _) => {
            return variable(environment.config.get("sharedVariables"), name);
        }
        (["variables", name], Some(service)) => {
            let config = snapshot.service_config(&conflict.environment, service);
            return variable(config.and_then(|c| c.get("variables")), name);
        }
        _ => {}
    }
    let Some(service) = &conflict.service else {
        return Err("it is not a service's setting".to_owned());
    };
    let config = snapshot
        .service_config(&conflict.environment, service)
        .ok_or_else(|| format!("Railway has no `{service}` in `{}`", conflict.environment))?;
    let node = node_name(model, at)
        .ok_or_else(|| "the node that sets it could not be read back".to_owned())?;
    let written = nodes::settings(nodes::Input {
        service: config,
        volumes: environment.config.get("volumes"),
        project_region: model.region.as_ref().map(|r| r.value.as_str()),
    });
    let mut lines = written.lines.iter().filter(|l| l.setting == node);
    match (lines.next(), lines.next()) {
        (Some(line), None) => Ok(line.text.clone()),
        (Some(_), Some(_)) => Err(format!(
            "Railway's config gives several `{node}` nodes; edit the files by hand"
        )),
        (None, _) => Err(format!(
            "Mirage cannot write Railway's `{node}` (Railway leaves it at its default, or no setting says it); remove `{node}` from the files, or run `mirage import --prefer files`"
        )),
    }
}

/// The name of the node at `at` (`start`, `healthcheck`).
fn node_name(model: &Project, at: &Place) -> Option<String> {
    let path = model.paths.get(at.file.0 as usize)?;
    let text = std::fs::read_to_string(path).ok()?;
    let (document, _) = parse_tree(&text);
    find_node(&document.nodes, at.span).map(|n| n.name.value.to_string())
}

fn find_node(nodes: &[Node], span: Span) -> Option<&Node> {
    for node in nodes {
        if node.span == span {
            return Some(node);
        }
        if node.span.start <= span.start
            && span.end <= node.span.end
            && let Some(children) = &node.children
            && let Some(found) = find_node(&children.nodes, span)
        {
            return Some(found);
        }
    }
    None
}

/// Whether editing the node at `at` would change what another
/// environment or service gets: the same node is in effect for the same
/// value of another instance.
fn shared_elsewhere(conflict: &Conflict, at: &Place, model: &Project) -> bool {
    if matches!(
        at.precedence,
        Level::Environment | Level::EnvironmentService
    ) {
        return false;
    }
    let Some(service) = &conflict.service else {
        return false;
    };
    model.environments.iter().any(|environment| {
        environment.services.iter().any(|instance| {
            if environment.name == conflict.environment && instance.name == *service {
                return false;
            }
            origin_of(instance, &conflict.path)
                .and_then(|o| o.effective())
                .is_some_and(|step| step.file == at.file && step.span == at.span)
        })
    })
}

/// The edits that add `lines` to `environment "E" { service "S" { … } }`
/// (variables inside its `vars { … }`), creating the blocks it lacks.
fn override_splices(
    model: &Project,
    environment: &str,
    service: &str,
    lines: &[Line],
) -> Result<(FileId, Vec<Splice>), String> {
    let declared = model
        .environment(environment)
        .and_then(|e| e.declared.as_ref())
        .and_then(|o| o.effective())
        .ok_or_else(|| {
            format!(
                "the value comes from a level other environments share and the files declare no `environment \"{environment}\"` block to write an override in"
            )
        })?;
    let path = model
        .paths
        .get(declared.file.0 as usize)
        .ok_or_else(|| "the environment's file is unknown".to_owned())?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
    let (document, _) = parse_tree(&text);
    let env_node = document
        .nodes
        .iter()
        .find(|n| {
            n.name.value == "environment"
                && n.span.start <= declared.span.start
                && declared.span.start < n.span.end.max(n.span.start + 1)
        })
        .ok_or_else(|| format!("`environment \"{environment}\"` is not a top-level block"))?;
    let vars: String = lines
        .iter()
        .filter(|l| l.variable)
        .map(|l| format!("{}\n", l.text))
        .collect();
    let settings: String = lines
        .iter()
        .filter(|l| !l.variable)
        .map(|l| format!("{}\n", l.text))
        .collect();
    let vars_block = if vars.is_empty() {
        String::new()
    } else {
        format!("vars {{\n{vars}}}\n")
    };
    let block = format!(
        "service {} {{\n{settings}{vars_block}}}\n",
        nodes::string(service)
    );
    let at = |offset: usize, text: String| Splice {
        span: Span {
            start: offset,
            end: offset,
        },
        text,
    };
    // Lines added before the closing brace at `close`: at the start of
    // its line when only spaces precede it there, so no blank line
    // appears.
    let before_close = |close: usize, lines: &str| {
        let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
        if text[line_start..close].trim().is_empty() && line_start > 0 {
            at(line_start, lines.to_owned())
        } else {
            at(close, format!("\n{lines}"))
        }
    };
    let Some(children) = &env_node.children else {
        return Ok((
            declared.file,
            vec![at(env_node.span.end, format!(" {{\n{block}}}"))],
        ));
    };
    let existing = children.nodes.iter().find(|n| {
        n.name.value == "service"
            && n.entries
                .first()
                .and_then(|e| e.value.as_str())
                .is_some_and(|s| s == service)
    });
    let Some(existing) = existing else {
        return Ok((
            declared.file,
            vec![before_close(children.span.end - 1, &block)],
        ));
    };
    let Some(inner) = &existing.children else {
        return Err(format!(
            "`service \"{service}\"` in `environment \"{environment}\"` has no block to add to"
        ));
    };
    let vars_node = inner
        .nodes
        .iter()
        .find(|n| n.name.value == "vars")
        .and_then(|n| n.children.as_ref());
    let mut splices = Vec::new();
    match vars_node {
        Some(vars_children) if !vars.is_empty() => {
            splices.push(before_close(vars_children.span.end - 1, &vars));
            if !settings.is_empty() {
                splices.push(before_close(inner.span.end - 1, &settings));
            }
        }
        _ => splices.push(before_close(
            inner.span.end - 1,
            &format!("{settings}{vars_block}"),
        )),
    }
    Ok((declared.file, splices))
}
