//! `mirage init [DIR]`: discover the repository's services and write the
//! first `.mirage` files — interactively (plain prompts on stdin/stdout), or
//! with `--yes` and flags for scripts. Never overwrites without `--force`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::report;
use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
use crate::discover::scaffold::{self, Plan};
use crate::discover::{self, Discovery, Kind, service_name};

/// Examples shown by `mirage init --help`.
pub const AFTER_HELP: &str = "\
Examples:
  mirage init                                   answer three questions
  mirage init --yes                             every app, production + staging + previews
  mirage init --yes --services api,web --no-previews --out infra
  mirage init --yes --repo acme/shop --environments production --force

Exit codes: 0 files written, 1 nothing written (existing files, errors), 2 usage error.";

/// Arguments of `mirage init`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The repository to discover.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// Do not ask; take the defaults and the flags.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Where to write the `.mirage` files (default: DIR).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// The Railway project name (default: the root package's or directory's name).
    #[arg(long)]
    pub project: Option<String>,

    /// GitHub repository `owner/name` (default: from the `origin` remote).
    #[arg(long)]
    pub repo: Option<String>,

    /// Branch to deploy.
    #[arg(long, default_value = "main")]
    pub branch: String,

    /// Services to write, comma-separated (default: every app).
    #[arg(long, value_delimiter = ',')]
    pub services: Option<Vec<String>>,

    /// Persistent environments, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "production,staging")]
    pub environments: Vec<String>,

    /// How long a pull-request preview lives.
    #[arg(long, default_value = "72h", value_name = "DURATION")]
    pub preview_ttl: String,

    /// No pull-request previews.
    #[arg(long)]
    pub no_previews: bool,

    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

/// Run `mirage init`.
pub fn run(args: Args) -> ExitCode {
    if !args.dir.is_dir() {
        report::print_error(&format!("`{}` is not a directory", args.dir.display()));
        return ExitCode::from(EXIT_USAGE);
    }
    let discovery = match discover::discover(&args.dir) {
        Ok(d) => d,
        Err(error) => {
            report::print_error(&error.to_string());
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if !discovery.diagnostics.is_empty() {
        report::print_diagnostics(&discovery.files, &discovery.diagnostics);
    }
    let project = args
        .project
        .clone()
        .unwrap_or_else(|| default_project(&args.dir, &discovery));
    let repo = args
        .repo
        .clone()
        .or_else(|| scaffold::origin_url(&args.dir).and_then(|u| scaffold::github_repo(&u)));
    let mut plan = Plan::defaults(&discovery, project, repo.unwrap_or_default());
    plan.branch = args.branch.clone();
    plan.environments = args.environments.clone();
    plan.preview_ttl = (!args.no_previews).then(|| args.preview_ttl.clone());
    if let Some(services) = &args.services {
        plan.services = services.clone();
    }
    if !args.yes {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        if let Err(message) = ask(&mut input, &mut std::io::stdout(), &discovery, &mut plan) {
            report::print_error(&message);
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    if let Err(message) = validate(&discovery, &plan) {
        report::print_error(&message);
        return ExitCode::from(EXIT_USAGE);
    }
    let out = args.out.clone().unwrap_or_else(|| args.dir.clone());
    let files = scaffold::scaffold(&discovery, &plan);
    if !args.force {
        let existing: Vec<String> = files
            .iter()
            .filter(|(n, _)| out.join(n).exists())
            .map(|(n, _)| format!("`{}`", out.join(n).display()))
            .collect();
        if !existing.is_empty() {
            report::print_error(&format!(
                "{} already exist{}",
                existing.join(", "),
                if existing.len() == 1 { "s" } else { "" }
            ));
            report::write_stderr(
                "  help: pass `--force` to overwrite, or `--out DIR` to write elsewhere\n",
            );
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    if let Err(error) = std::fs::create_dir_all(&out) {
        report::print_error(&format!("cannot create `{}`: {error}", out.display()));
        return ExitCode::from(EXIT_FAILURE);
    }
    for (name, text) in &files {
        let path = out.join(name);
        if let Err(error) = std::fs::write(&path, text) {
            report::print_error(&format!("cannot write `{}`: {error}", path.display()));
            return ExitCode::from(EXIT_FAILURE);
        }
        report::write_stdout(&format!("wrote `{}`\n", path.display()));
    }
    report::write_stdout(&format!("next: `mirage check {}`\n", out.display()));
    ExitCode::from(EXIT_OK)
}

fn default_project(dir: &Path, discovery: &Discovery) -> String {
    let root_name = std::fs::read_to_string(dir.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["name"].as_str().map(String::from));
    let dir_name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
    let _ = discovery;
    service_name(&root_name.or(dir_name).unwrap_or_else(|| "app".into()))
}

fn validate(discovery: &Discovery, plan: &Plan) -> Result<(), String> {
    if plan.repo.is_empty() {
        return Err(
            "no GitHub repository: the `origin` remote is not on GitHub; pass `--repo owner/name`"
                .into(),
        );
    }
    if scaffold::github_repo(&format!("github.com/{}", plan.repo)).as_deref()
        != Some(plan.repo.as_str())
    {
        return Err(format!(
            "`{}` is not a GitHub repository `owner/name`",
            plan.repo
        ));
    }
    for s in &plan.services {
        if !discovery.services.iter().any(|d| &d.service == s) {
            let known: Vec<&str> = discovery
                .services
                .iter()
                .map(|d| d.service.as_str())
                .collect();
            return Err(format!(
                "unknown service `{s}`; discovery found: {}",
                known.join(", ")
            ));
        }
    }
    if plan.services.is_empty() {
        return Err("no services to write; `mirage discover` lists what was found".into());
    }
    Ok(())
}

/// The three questions, on plain stdin/stdout; an empty answer keeps the default.
fn ask(
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    discovery: &Discovery,
    plan: &mut Plan,
) -> Result<(), String> {
    let _ = writeln!(output, "Discovered services:");
    for s in &discovery.services {
        let kind = if s.kind == Kind::App {
            "app"
        } else {
            "library"
        };
        let _ = writeln!(output, "  {:<20} {:<30} {kind}", s.service, s.path);
    }
    let mut prompt = |question: &str, default: &str| -> Result<String, String> {
        let _ = write!(output, "{question} [{default}]: ");
        let _ = output.flush();
        let mut line = String::new();
        input
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the answer: {e}"))?;
        let line = line.trim();
        Ok(if line.is_empty() {
            default.to_string()
        } else {
            line.to_string()
        })
    };
    plan.project = prompt("1/3 Railway project name", &plan.project)?;
    if plan.repo.is_empty() {
        plan.repo = prompt("    GitHub repository (owner/name)", "")?;
    }
    let services = prompt("2/3 Services (comma-separated)", &plan.services.join(","))?;
    plan.services = split_list(&services);
    let environments = prompt(
        "3/3 Environments (comma-separated)",
        &plan.environments.join(","),
    )?;
    plan.environments = split_list(&environments);
    let ttl = prompt(
        "    Pull-request previews: TTL, or `none`",
        plan.preview_ttl.as_deref().unwrap_or("none"),
    )?;
    plan.preview_ttl = (ttl != "none").then_some(ttl);
    Ok(())
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}
