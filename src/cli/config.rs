//! `mirage config`: the effective configuration of an environment (or one
//! service in it) after all inheritance, optionally with the provenance of
//! every value.
//!
//! Exit codes: 0 shown; 1 the project has errors (printed as diagnostics);
//! 2 usage errors — a missing directory, an unknown `--env` or `--service`
//! (with a suggestion), a malformed `--var`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use super::{report, select};
use crate::model::{Environment, Project};
use crate::resolve::{self, Overrides, VarOverride};
use crate::settings::ConfigView;

/// Arguments of `mirage config`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory: every `*.mirage` file directly inside it.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// The environment to show.
    #[arg(long, short, value_name = "ENV")]
    pub env: String,

    /// Only this service.
    #[arg(long, short, value_name = "SERVICE")]
    pub service: Option<String>,

    /// Print JSON (keys as in Railway's `EnvironmentConfig`) instead of text.
    #[arg(long)]
    pub json: bool,

    /// Show where each value was set and what it overrode.
    #[arg(long)]
    pub explain: bool,

    /// Override a variable, as the highest precedence level:
    /// `NAME=VALUE` for every service, `SERVICE.NAME=VALUE` for one.
    #[arg(long = "var", value_name = "[SERVICE.]NAME=VALUE", value_parser = VarOverride::parse)]
    pub vars: Vec<VarOverride>,

    /// How problems are printed: `--max-errors`, `--message-format`.
    #[command(flatten)]
    pub limits: report::Limits,
}

/// Run `mirage config`.
pub fn run(args: Args) -> ExitCode {
    let project = match load(&args.dir, args.vars.clone()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let env = match select::environment(&project, &args.env) {
        Ok(env) => env,
        Err(code) => return code,
    };
    if let Some(service) = &args.service
        && let Err(code) = select::service(env, service)
    {
        return code;
    }
    let view = ConfigView {
        project: &project,
        environment: Some(&env.name),
        service: args.service.as_deref(),
        explain: args.explain || !args.json,
    };
    let json = view.to_json();
    if args.json {
        let out = if args.explain { json } else { strip_bare(json) };
        report::write_stdout_exact(&format!(
            "{}\n",
            serde_json::to_string_pretty(&out).unwrap_or_default()
        ));
        return ExitCode::SUCCESS;
    }
    let env_json = &json["environments"][env.name.as_str()];
    report::write_stdout(&render_text(env, env_json, args.explain));
    ExitCode::SUCCESS
}

/// Load and resolve; prints diagnostics. `Err` is the exit code to return.
pub(crate) fn load(dir: &Path, vars: Vec<VarOverride>) -> Result<Project, ExitCode> {
    select::directory(dir)?;
    let analysis = resolve::load_dir_with(dir, &Overrides { vars });
    if !analysis.diagnostics.is_empty() {
        report::print_diagnostics(&analysis.files, &analysis.diagnostics);
    }
    if analysis.has_errors() {
        return Err(ExitCode::from(1));
    }
    Ok(analysis.project)
}

/// Whether a JSON object is a value with provenance.
fn is_valued(v: &Value) -> bool {
    v.get("value").is_some() && v.get("chain").is_some()
}

/// Replace `{value, from, chain}` objects by their value.
fn strip_bare(v: Value) -> Value {
    match v {
        Value::Object(o) if o.contains_key("value") && o.contains_key("chain") => o
            .get("value")
            .cloned()
            .map(strip_bare)
            .unwrap_or(Value::Null),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, strip_bare(v))).collect()),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_bare).collect()),
        other => other,
    }
}

fn render_text(env: &Environment, json: &Value, explain: bool) -> String {
    let mut out = String::new();
    out.push_str(&format!("environment `{}`", env.name));
    if !env.layers.is_empty() {
        out.push_str(&format!(" (layers: {})", env.layers.join(" → ")));
    }
    out.push('\n');
    let mut rows = Vec::new();
    for key in ["ephemeral", "ttlSeconds", "protect"] {
        if let Some(v) = json.get(key) {
            rows.push((key.to_string(), v.clone()));
        }
    }
    if let Some(Value::Object(shared)) = json.get("sharedVariables") {
        for (k, v) in shared {
            rows.push((format!("sharedVariables.{k}"), v.clone()));
        }
    }
    write_rows(&mut out, "  ", &rows, explain);
    if let Some(Value::Object(services)) = json.get("services") {
        for (name, service) in services {
            out.push_str(&format!("\nservice `{name}`"));
            if let Some(Value::Array(t)) = service.get("templates") {
                let names: Vec<&str> = t.iter().filter_map(Value::as_str).collect();
                out.push_str(&format!(" (templates: {})", names.join(" → ")));
            }
            out.push('\n');
            let mut rows = Vec::new();
            flatten("", service, &mut rows);
            write_rows(&mut out, "  ", &rows, explain);
        }
    }
    out
}

fn flatten(prefix: &str, v: &Value, rows: &mut Vec<(String, Value)>) {
    let Value::Object(o) = v else { return };
    for (k, v) in o {
        if prefix.is_empty() && k == "templates" {
            continue;
        }
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if is_valued(v) || !v.is_object() {
            rows.push((path, v.clone()));
        } else {
            flatten(&path, v, rows);
        }
    }
}

fn write_rows(out: &mut String, indent: &str, rows: &[(String, Value)], explain: bool) {
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (key, v) in rows {
        let value = if is_valued(v) { &v["value"] } else { v };
        let shown = match value {
            Value::String(s) => s.clone(),
            Value::Array(a) if a.iter().all(Value::is_object) && key == "dependencies" => a
                .iter()
                .map(|d| {
                    format!(
                        "{} ({})",
                        d["target"].as_str().unwrap_or(""),
                        d["via"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        };
        out.push_str(&format!("{indent}{key:width$}  {shown}\n"));
        if explain && is_valued(v) {
            if let Some(from) = v["from"].as_str() {
                out.push_str(&format!("{indent}{:width$}    set at {from}\n", ""));
            }
            if let Value::Array(chain) = &v["chain"] {
                let earlier: Vec<&str> = chain
                    .iter()
                    .rev()
                    .skip(1)
                    .filter_map(Value::as_str)
                    .collect();
                if !earlier.is_empty() {
                    out.push_str(&format!(
                        "{indent}{:width$}    overrides {}\n",
                        "",
                        earlier.join(", then ")
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(dir: &str) -> Project {
        let analysis = resolve::load_dir(Path::new(dir));
        assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
        analysis.project
    }

    fn text(project: &Project, env: &str, service: Option<&str>, explain: bool) -> String {
        let view = ConfigView {
            project,
            environment: Some(env),
            service,
            explain: true,
        };
        let json = view.to_json();
        let env = project.environment(env).expect("environment");
        render_text(env, &json["environments"][env.name.as_str()], explain)
    }

    #[test]
    fn explain_shows_where_and_what_was_overridden() {
        let p = project("tests/resolve/precedence");
        let out = text(&p, "production", Some("api"), true);
        assert!(
            out.starts_with("environment `production` (layers: base → prod)\n"),
            "{out}"
        );
        assert!(
            out.contains("service `api` (templates: base-web → web)"),
            "{out}"
        );
        assert!(out.contains("deploy.numReplicas"), "{out}");
        assert!(
            out.contains(
                "set at tests/resolve/precedence/main.mirage:62 (environment service block)"
            ),
            "{out}"
        );
        assert!(
            out.contains("overrides tests/resolve/precedence/main.mirage:45 (layer `prod`), then tests/resolve/precedence/main.mirage:8 (template `base-web`)"),
            "{out}"
        );
    }

    #[test]
    fn secrets_are_sensitive_in_text_and_json() {
        let p = project("tests/resolve/secrets");
        let out = text(&p, "production", None, false);
        assert!(out.contains("variables.STRIPE_KEY"), "{out}");
        assert!(
            !out.contains("env:STRIPE_KEY") && !out.contains("secret(48)"),
            "{out}"
        );
        let view = ConfigView {
            project: &p,
            environment: None,
            service: None,
            explain: false,
        };
        let json = serde_json::to_string(&view).expect("json");
        assert!(json.contains("\"STRIPE_KEY\":\"(sensitive)\""), "{json}");
        assert!(!json.contains("REGISTRY_PASSWORD"), "{json}");
    }

    #[test]
    fn strip_bare_removes_provenance() {
        let v = serde_json::json!({"a": {"value": 1, "from": "x", "chain": []}, "b": {"c": {"value": "s", "from": "y", "chain": []}}});
        assert_eq!(strip_bare(v), serde_json::json!({"a": 1, "b": {"c": "s"}}));
    }
}
