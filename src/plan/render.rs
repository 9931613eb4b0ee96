//! Plan rendering for people: text (terminal) and Markdown (a pull-request
//! comment). Sensitive values print as `(sensitive)` with a change marker.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

use super::Management;
use super::types::{Action, Change, Plan, TemplatePlan};

/// The plan as text, grouped by environment and service.
pub fn text(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.create_project {
        let _ = writeln!(out, "+ project \"{}\"", plan.project);
    }
    if plan.destroy_project {
        let _ = writeln!(
            out,
            "- project \"{}\" (scheduled for deletion: Railway deletes it, with everything in it, after its grace period)",
            plan.project
        );
    }
    for environment in &plan.environments {
        let changed = environment.action != Action::None
            || !environment.shared.is_empty()
            || environment
                .services
                .iter()
                .any(|s| s.action != Action::None);
        if !changed {
            continue;
        }
        let marker = if environment.action == Action::None {
            "~"
        } else {
            environment.action.symbol()
        };
        let protected = if environment.protected {
            " (protected)"
        } else {
            ""
        };
        let renamed = environment
            .renamed_from
            .as_ref()
            .map(|from| format!(" (renamed from \"{from}\")"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{marker} environment \"{}\"{renamed}{protected}",
            environment.name
        );
        for change in &environment.shared {
            write_change(&mut out, "    ", change);
        }
        for service in &environment.services {
            if service.action == Action::None {
                continue;
            }
            let renamed = service
                .renamed_from
                .as_ref()
                .map(|from| format!(" (renamed from \"{from}\")"))
                .unwrap_or_default();
            let mark = service
                .management
                .mark()
                .map(|m| format!(" {m}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} service \"{}\"{renamed}{mark}",
                service.action.symbol(),
                service.name
            );
            for change in &service.changes {
                write_change(&mut out, "      ", change);
            }
        }
    }
    if !plan.templates.is_empty() {
        out.push('\n');
        for template in &plan.templates {
            let _ = writeln!(out, "{}", template_line(template, '"'));
            if !template.previews.is_empty() {
                let _ = writeln!(
                    out,
                    "    live previews: {}",
                    quoted(template.previews.iter(), '"')
                );
            }
            if let Some(note) = existing_note(template, '"') {
                let _ = writeln!(out, "    {note}");
            }
        }
    }
    if !plan.unmanaged.is_empty() {
        out.push_str("\nUnmanaged (on Railway, not Mirage's; never touched):\n");
        for item in &plan.unmanaged {
            let _ = write!(out, "  {} \"{}\"", item.kind, item.name);
            if let Some(service) = &item.service {
                let _ = write!(out, " of service \"{service}\"");
            }
            if let Some(env) = &item.environment {
                let _ = write!(out, " in \"{env}\"");
            }
            out.push('\n');
        }
        out.push_str(
            "  hint: declare them in your .mirage files (and run `mirage import --all` for services) to manage them\n",
        );
    }
    let declared = declared_not_owned(plan);
    if !declared.is_empty() {
        out.push_str("\nDeclared, not Mirage's yet (never destroyed until imported):\n");
        for (environment, service) in &declared {
            let _ = writeln!(
                out,
                "  service \"{service}\" in \"{environment}\" [declared, not owned]"
            );
        }
    }
    if let Some(line) = management_line(plan) {
        let _ = writeln!(out, "\n{line}");
    }
    if !plan.has_changes() {
        out.push_str("No changes. Railway matches the configuration.\n");
    } else {
        let _ = writeln!(out, "\nPlan: {}.", plan.summary().line());
    }
    out
}

/// `(environment, service)` of the instances Railway has that the files
/// declare and the state database does not own.
pub fn declared_not_owned(plan: &Plan) -> Vec<(&str, &str)> {
    plan.environments
        .iter()
        .flat_map(|e| {
            e.services
                .iter()
                .filter(|s| s.management == Management::Declared)
                .map(move |s| (e.name.as_str(), s.name.as_str()))
        })
        .collect()
}

/// The summary of what is not Mirage's: `Unmanaged: 2 not declared in
/// the files (left alone), 1 declared and not owned; `mirage import`
/// adopts what the files declare.`; `None` when everything is Mirage's.
pub fn management_line(plan: &Plan) -> Option<String> {
    let unmanaged = plan.unmanaged.len();
    let declared = declared_not_owned(plan).len();
    if unmanaged == 0 && declared == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if unmanaged > 0 {
        parts.push(format!(
            "{unmanaged} unmanaged (on Railway, not in the files: left alone)"
        ));
    }
    if declared > 0 {
        parts.push(format!("{declared} declared and not owned"));
    }
    Some(format!(
        "Not Mirage's: {}; `mirage import --all` adopts what the files declare (`mirage import --generate` writes files for the rest).",
        parts.join(", ")
    ))
}

/// `template "pr": previews "pr-{number}" (ttl 72h, at most 10 live),
/// made by `mirage preview up``: names quoted with `quote`.
pub fn template_line(template: &TemplatePlan, quote: char) -> String {
    let q = |name: &str| format!("{quote}{name}{quote}");
    let mut details = Vec::new();
    if let Some(ttl) = template.ttl_seconds {
        details.push(format!("ttl {}", duration(ttl)));
    }
    if let Some(max) = template.max_live {
        details.push(format!("at most {max} live"));
    }
    if let Some(source) = &template.source {
        details.push(format!("copied from {}", q(source)));
    }
    if template.drafts {
        details.push("drafts too".to_owned());
    }
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join(", "))
    };
    format!(
        "template {}: previews {}{details}, made by `mirage preview up`",
        q(&template.name),
        q(&template.name_pattern)
    )
}

/// What a plan says about an environment on Railway named as a template.
fn existing_note(template: &TemplatePlan, quote: char) -> Option<String> {
    let existing = template.existing.as_ref()?;
    let name = format!("{quote}{}{quote}", template.name);
    let whose = if existing.created_by_mirage {
        "Mirage created it before it became a template"
    } else {
        "Mirage did not create it"
    };
    let services = if existing.owned_services.is_empty() {
        String::new()
    } else {
        format!(", with {}", quoted(existing.owned_services.iter(), quote))
    };
    Some(format!(
        "environment {name} exists on Railway ({whose}{services}): kept as it is, never updated nor destroyed by a plan; delete it in Railway when no longer needed"
    ))
}

fn quoted<'a>(names: impl Iterator<Item = &'a String>, quote: char) -> String {
    names
        .map(|n| format!("{quote}{n}{quote}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Seconds as a duration in the language's units: `72h`, `30m`, `45s`.
fn duration(seconds: u64) -> String {
    if seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

fn write_change(out: &mut String, indent: &str, change: &Change) {
    let path = change.display_path();
    match (&change.old, &change.new) {
        (None, Some(new)) => {
            let sealed = if change.sealed { " (sealed)" } else { "" };
            let _ = writeln!(out, "{indent}+ {path} = {}{sealed}", new.display());
        }
        (Some(old), None) => {
            let _ = writeln!(out, "{indent}- {path} (was {})", old.display());
        }
        (Some(old), Some(new)) => {
            if old.is_sensitive() || new.is_sensitive() {
                let sealed = if change.sealed { " (sealed)" } else { "" };
                let _ = writeln!(out, "{indent}~ {path} = (sensitive) (changed){sealed}");
            } else if let (Some(a), Some(b)) = (old.multiline(), new.multiline()) {
                let _ = writeln!(out, "{indent}~ {path}:");
                line_diff(out, &format!("{indent}    "), a, b);
            } else if change.replace {
                let _ = writeln!(
                    out,
                    "{indent}± {path}: {} → {} (forces replacement)",
                    old.display(),
                    new.display()
                );
            } else {
                let _ = writeln!(
                    out,
                    "{indent}~ {path}: {} → {}",
                    old.display(),
                    new.display()
                );
            }
        }
        (None, None) => {}
    }
}

fn line_diff(out: &mut String, indent: &str, old: &str, new: &str) {
    let diff = TextDiff::from_lines(old, new);
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            ChangeTag::Delete => "-",
            ChangeTag::Insert => "+",
            ChangeTag::Equal => " ",
        };
        let _ = writeln!(
            out,
            "{indent}{sign} {}",
            change.value().trim_end_matches('\n')
        );
    }
}

/// The plan as a pull-request comment: the summary first, details folded.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Mirage plan for `{}`\n", plan.project);
    if plan.has_changes() {
        let _ = writeln!(out, "**{}**\n", plan.summary().line());
    } else {
        out.push_str("**No changes.** Railway matches the configuration.\n\n");
    }
    for environment in &plan.environments {
        let count = environment
            .services
            .iter()
            .filter(|s| s.action != Action::None)
            .count()
            + usize::from(!environment.shared.is_empty());
        if environment.action == Action::None && count == 0 {
            continue;
        }
        // An environment that is only changed inside is `~`, as in the text.
        let marker = match environment.action {
            Action::None => "~",
            action => action.symbol(),
        };
        let _ = writeln!(
            out,
            "<details><summary><code>{marker}</code> environment <b>{}</b> ({count} changed)</summary>\n\n```diff",
            environment.name
        );
        let mut body = String::new();
        for change in &environment.shared {
            write_change(&mut body, "", change);
        }
        for service in &environment.services {
            if service.action == Action::None {
                continue;
            }
            let _ = writeln!(
                body,
                "{} service \"{}\"",
                service.action.symbol(),
                service.name
            );
            for change in &service.changes {
                write_change(&mut body, "    ", change);
            }
        }
        out.push_str(&body);
        out.push_str("```\n\n</details>\n\n");
    }
    if !plan.templates.is_empty() {
        for template in &plan.templates {
            let _ = writeln!(out, "- {}", template_line(template, '`'));
            if !template.previews.is_empty() {
                let _ = writeln!(
                    out,
                    "  - live previews: {}",
                    quoted(template.previews.iter(), '`')
                );
            }
            if let Some(note) = existing_note(template, '`') {
                let _ = writeln!(out, "  - {note}");
            }
        }
        out.push('\n');
    }
    if let Some(line) = management_line(plan) {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// `text` (a rendered plan, already escaped for the terminal) with its
/// change markers coloured as Terraform colours them: `+` green, `~`
/// yellow, `-` red, `±` magenta, and `Plan:` in bold. A marker is the first
/// thing on its line, followed by a space.
pub fn paint(text: &str) -> String {
    const RESET: &str = "\u{1b}[0m";
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive('\n') {
        let body = line.trim_start_matches(' ');
        let indent = &line[..line.len() - body.len()];
        let mut chars = body.chars();
        let colour = match (chars.next(), chars.next()) {
            (Some('+'), Some(' ')) => Some(("+", "\u{1b}[32m")),
            (Some('~'), Some(' ')) => Some(("~", "\u{1b}[33m")),
            (Some('-'), Some(' ')) => Some(("-", "\u{1b}[31m")),
            (Some('±'), Some(' ')) => Some(("±", "\u{1b}[35m")),
            _ => None,
        };
        match colour {
            Some((marker, code)) => {
                out.push_str(indent);
                out.push_str(code);
                out.push_str(marker);
                out.push_str(RESET);
                out.push_str(&body[marker.len()..]);
            }
            None => match line.strip_prefix("Plan:") {
                Some(rest) => {
                    out.push_str("\u{1b}[1mPlan:");
                    out.push_str(RESET);
                    out.push_str(rest);
                }
                None => out.push_str(line),
            },
        }
    }
    out
}

/// The plan as its documented JSON (see `docs/plan-format.md`).
pub fn json(plan: &Plan) -> String {
    let mut value = serde_json::to_value(plan).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert(
            "summary".into(),
            serde_json::to_value(plan.summary()).unwrap_or_default(),
        );
    }
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ExistingEnvironment;

    fn template() -> TemplatePlan {
        TemplatePlan {
            name: "pr".into(),
            name_pattern: "pr-{number}".into(),
            ttl_seconds: None,
            max_live: None,
            source: None,
            services: vec!["api".into()],
            drafts: false,
            previews: Vec::new(),
            existing: None,
        }
    }

    #[test]
    fn a_template_line_says_only_what_is_set() {
        assert_eq!(
            template_line(&template(), '"'),
            "template \"pr\": previews \"pr-{number}\", made by `mirage preview up`"
        );
        let full = TemplatePlan {
            ttl_seconds: Some(5400),
            max_live: Some(3),
            source: Some("staging".into()),
            drafts: true,
            ..template()
        };
        assert_eq!(
            template_line(&full, '`'),
            "template `pr`: previews `pr-{number}` (ttl 90m, at most 3 live, copied from `staging`, drafts too), made by `mirage preview up`"
        );
        assert_eq!(duration(259_200), "72h");
        assert_eq!(duration(45), "45s");
    }

    #[test]
    fn plans_list_templates_with_their_previews_and_a_kept_environment() {
        let plan = Plan {
            version: 1,
            project: "shop".into(),
            project_id: Some("p".into()),
            create_project: false,
            destroy_project: false,
            environments: Vec::new(),
            templates: vec![TemplatePlan {
                previews: vec!["pr-1".into(), "pr-2".into()],
                existing: Some(ExistingEnvironment {
                    id: "env-pr".into(),
                    created_by_mirage: false,
                    owned_services: Vec::new(),
                }),
                ..template()
            }],
            unmanaged: Vec::new(),
        };
        let out = text(&plan);
        assert!(
            out.contains("\n    live previews: \"pr-1\", \"pr-2\"\n"),
            "{out}"
        );
        assert!(
            out.contains(
                "environment \"pr\" exists on Railway (Mirage did not create it): kept as it is"
            ),
            "{out}"
        );
        assert!(
            out.ends_with("No changes. Railway matches the configuration.\n"),
            "{out}"
        );
        let md = markdown(&plan);
        assert!(md.contains("\n  - live previews: `pr-1`, `pr-2`\n"), "{md}");
        let parsed: serde_json::Value = serde_json::from_str(&json(&plan)).expect("json");
        assert_eq!(parsed["templates"][0]["existing"]["id"], "env-pr");
        assert_eq!(parsed["templates"][0]["previews"][1], "pr-2");
    }
}
