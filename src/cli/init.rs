//! `mirage init [DIR]`: discover the repository's services and write the
//! first `.mirage` files, then show the plan. A wizard in three steps (the
//! Railway project, the services, the environments) on a terminal; with
//! `--yes` and flags for scripts. Never overwrites without `--force`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::context::Reach;
use super::report;
use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
use crate::discover::env::Database;
use crate::discover::scaffold::{self, Plan};
use crate::discover::{self, Discovery, Kind, service_name};
use crate::engine::{self, Context, Lock, Secrets};
use crate::plan;
use crate::railway::ops::project::ProjectSummary;
use crate::resolve::{self, value};

/// Examples shown by `mirage init --help`.
pub const AFTER_HELP: &str = "\
Examples:
  mirage init                                   answer three questions
  mirage init --yes                             every app, production + staging + previews
  mirage init --yes --services api,web --envs production,staging --out infra
  mirage init --yes --project shop --ttl 3d --local    and plan against the local emulator
  printf 'shop\\n\\n\\n' | mirage init --interactive   answers from a pipe

Step 1 lists the existing Railway projects when a token is set (`RAILWAY_API_TOKEN`,
endpoint from `MIRAGE_RAILWAY_URL`) or with `--local`; `--project` takes a name or an id.
Variables listed in `.env.example` / `.env.sample` are written into their service
(secrets by name as `(secret)\"env:NAME\"`); a service that reads `DATABASE_URL`,
`POSTGRES_URL` or `REDIS_URL` gets `std/postgres` / `std/redis` (`--databases none`
to skip) wired as `${{db.DATABASE_URL}}`.
After writing, the plan is shown: against Railway (or the emulator) when connected,
otherwise offline, with everything to create.

Exit codes: 0 files written, 1 nothing written (existing files, errors) or the
plan failed, 2 usage error.";

/// Arguments of `mirage init`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The repository to discover.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// Do not ask; take the defaults and the flags.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Ask even when standard input is not a terminal (answers from a pipe).
    #[arg(long, conflicts_with = "yes")]
    pub interactive: bool,

    /// Where to write the `.mirage` files (default: DIR).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// The Railway project: an existing project's name or id, or a new name
    /// (default: the root package's or directory's name).
    #[arg(long, value_name = "NAME|ID")]
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

    /// Environments, comma-separated; `previews` adds pull-request previews.
    #[arg(
        long,
        alias = "environments",
        value_delimiter = ',',
        default_value = "production,staging,previews"
    )]
    pub envs: Vec<String>,

    /// How long a pull-request preview lives.
    #[arg(
        long,
        alias = "preview-ttl",
        default_value = "72h",
        value_name = "DURATION"
    )]
    pub ttl: String,

    /// No pull-request previews (whatever `--envs` says).
    #[arg(long)]
    pub no_previews: bool,

    /// Databases to add from the standard library when a service needs
    /// them (`postgres`, `redis`, or `none`; default: every one needed).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub databases: Option<Vec<String>>,

    /// List projects on, and plan against, the built-in emulator (state
    /// under `OUT/.mirage/`).
    #[arg(long)]
    pub local: bool,

    /// The Railway GraphQL endpoint to list projects on and plan against;
    /// wins over `MIRAGE_RAILWAY_URL`.
    #[arg(long, value_name = "URL", conflicts_with = "local")]
    pub endpoint: Option<String>,

    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

/// The pseudo-environment that stands for pull-request previews.
const PREVIEWS: &str = "previews";

/// Run `mirage init`.
pub fn run(args: Args) -> ExitCode {
    if !args.dir.is_dir() {
        report::print_error(&format!("`{}` is not a directory", args.dir.display()));
        return ExitCode::from(EXIT_USAGE);
    }
    let interactive = !args.yes;
    if interactive && !args.interactive && !std::io::stdin().is_terminal() {
        report::print_error(
            "`mirage init` asks questions, but standard input is not a terminal\n  help: pass `--yes` with flags (`--project`, `--services`, `--envs`, `--ttl`), or `--interactive` to read answers from the pipe",
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let out = args.out.clone().unwrap_or_else(|| args.dir.clone());
    if !args.force && refuse_existing(&out) {
        return ExitCode::from(EXIT_FAILURE);
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
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            report::print_error(&format!("cannot start the async runtime: {error}"));
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let connected = args.local || crate::railway::auth::discover(false).chosen().is_some();
    let context = Reach {
        local: args.local,
        endpoint: args.endpoint.clone(),
        state: None,
    }
    .context();
    let projects = if connected {
        runtime.block_on(list_projects(&context, &out))
    } else {
        None
    };
    let env = discover::env::analyse(&discovery);
    let mut plan = match initial_plan(&args, &discovery, projects.as_deref(), env) {
        Ok(plan) => plan,
        Err(message) => {
            report::print_error(&message);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if interactive {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut output = std::io::stdout();
        let mut wizard = Wizard {
            input: &mut input,
            output: &mut output,
        };
        if let Err(message) = wizard.run(&discovery, projects.as_deref(), &mut plan) {
            report::print_error(&message);
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    if let Err(message) = validate(&discovery, &plan) {
        report::print_error(&message);
        return ExitCode::from(EXIT_USAGE);
    }
    if !write_files(&out, &scaffold::scaffold(&discovery, &plan)) {
        return ExitCode::from(EXIT_FAILURE);
    }
    let shown = if connected {
        runtime.block_on(show_plan(&context, &out))
    } else {
        show_offline_plan(&out)
    };
    report::write_stdout(&next_steps(&out, &plan, args.local, connected));
    ExitCode::from(if shown { EXIT_OK } else { EXIT_FAILURE })
}

/// Railway's page for creating an account token (docs: "Public API",
/// "Creating a Token").
const TOKENS_PAGE: &str = "https://railway.com/account/tokens";

/// What to do after `init`: the secrets to set, how to get a token when
/// none is set, and the apply command.
fn next_steps(out: &Path, plan: &Plan, local: bool, connected: bool) -> String {
    let dir = out.display();
    let mut text = String::new();
    let secrets = plan.secret_sources();
    if !secrets.is_empty() {
        let list: Vec<String> = secrets.iter().map(|s| format!("`{s}`")).collect();
        text.push_str(&format!(
            "secrets: set {} in the environment of `mirage apply`; they are read then, never written to files\n",
            list.join(", ")
        ));
    }
    if local {
        text.push_str(&format!(
            "next: `mirage check {dir}`, then `mirage apply --local {dir}`\n"
        ));
    } else if connected {
        text.push_str(&format!(
            "next: `mirage check {dir}`, then `mirage apply {dir}`\n"
        ));
    } else {
        text.push_str(&format!(
            "next: `mirage check {dir}`, then `mirage apply {dir}`, which needs a Railway token:\n  \
             create an account token at {TOKENS_PAGE} and set `RAILWAY_API_TOKEN`,\n  \
             or try it on the built-in emulator first: `mirage apply --local {dir}`\n"
        ));
    }
    text
}

/// The names `scaffold` writes.
const FILES: [&str; 2] = ["project.mirage", "services.mirage"];

/// Prints an error and returns `true` when a file would be overwritten.
fn refuse_existing(out: &Path) -> bool {
    let existing: Vec<String> = FILES
        .iter()
        .map(|n| out.join(n))
        .filter(|p| p.exists())
        .map(|p| format!("`{}`", p.display()))
        .collect();
    if existing.is_empty() {
        return false;
    }
    report::print_error(&format!(
        "{} already exist{}",
        existing.join(", "),
        if existing.len() == 1 { "s" } else { "" }
    ));
    report::write_stderr(
        "  help: pass `--force` to overwrite, or `--out DIR` to write elsewhere\n",
    );
    true
}

fn write_files(out: &Path, files: &[(String, String)]) -> bool {
    if let Err(error) = std::fs::create_dir_all(out) {
        report::print_error(&format!("cannot create `{}`: {error}", out.display()));
        return false;
    }
    for (name, text) in files {
        let path = out.join(name);
        if let Err(error) = std::fs::write(&path, text) {
            report::print_error(&format!("cannot write `{}`: {error}", path.display()));
            return false;
        }
        report::write_stdout(&format!("wrote `{}`\n", path.display()));
    }
    true
}

/// The projects the token (or the local emulator) can see; `None`, with a
/// warning, when they cannot be listed: init then only offers a new project.
async fn list_projects(context: &Context, out: &Path) -> Option<Vec<ProjectSummary>> {
    let listed = match engine::connect(context, out).await {
        Ok(connection) => connection
            .client
            .list_projects(None)
            .await
            .map_err(|e| e.to_string()),
        Err(failure) => Err(failure.messages()),
    };
    match listed {
        Ok(projects) => Some(projects),
        Err(message) => {
            report::write_stderr(&format!(
                "warning: cannot list Railway projects: {message}\n  help: init continues with a new project\n"
            ));
            None
        }
    }
}

/// The plan from the defaults and the flags, before any question.
fn initial_plan(
    args: &Args,
    discovery: &Discovery,
    projects: Option<&[ProjectSummary]>,
    env: std::collections::BTreeMap<String, discover::env::ServiceEnv>,
) -> Result<Plan, String> {
    let project = match &args.project {
        Some(given) => pick_project(given, projects.unwrap_or_default()),
        None => default_project(&args.dir),
    };
    let repo = args
        .repo
        .clone()
        .or_else(|| scaffold::origin_url(&args.dir).and_then(|u| scaffold::github_repo(&u)));
    let mut plan = Plan::defaults(discovery, project, repo.unwrap_or_default()).with_env(env);
    if let Some(list) = &args.databases {
        plan.databases =
            parse_databases(list).map_err(|e| format!("invalid `--databases`: {e}"))?;
    }
    plan.branch = args.branch.clone();
    let (environments, previews) = parse_envs(&args.envs)?;
    plan.environments = environments;
    value::parse_duration(&args.ttl).map_err(|e| format!("invalid `--ttl`: {e}"))?;
    plan.preview_ttl = (previews && !args.no_previews).then(|| args.ttl.clone());
    if let Some(services) = &args.services {
        plan.services = services.clone();
    }
    Ok(plan)
}

/// `postgres,redis`, `none` (or nothing) for none.
fn parse_databases(list: &[String]) -> Result<std::collections::BTreeSet<Database>, String> {
    let mut out = std::collections::BTreeSet::new();
    for name in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if name == "none" || name == "-" {
            continue;
        }
        match Database::parse(name) {
            Some(db) => {
                out.insert(db);
            }
            None => {
                return Err(format!(
                    "`{name}` is not a database; write `postgres`, `redis` or `none`"
                ));
            }
        }
    }
    Ok(out)
}

/// An existing project's name when `given` is one's id or name, else
/// `given` as the name of a new project.
fn pick_project(given: &str, projects: &[ProjectSummary]) -> String {
    projects
        .iter()
        .find(|p| p.id.inner() == given)
        .map_or_else(|| given.to_string(), |p| p.name.clone())
}

/// Environment names and whether `previews` was among them.
fn parse_envs(list: &[String]) -> Result<(Vec<String>, bool), String> {
    let mut environments = Vec::new();
    let mut previews = false;
    for name in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if name == PREVIEWS {
            previews = true;
            continue;
        }
        value::check_name(name, false).map_err(|e| format!("invalid environment name: {e}"))?;
        if name == "pr" {
            return Err(format!(
                "`pr` is the name of the preview environment\n  help: write `{PREVIEWS}` for pull-request previews"
            ));
        }
        if !environments.iter().any(|e| e == name) {
            environments.push(name.to_string());
        }
    }
    Ok((environments, previews))
}

fn default_project(dir: &Path) -> String {
    let root_name = std::fs::read_to_string(dir.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["name"].as_str().map(String::from));
    let dir_name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
    service_name(&root_name.or(dir_name).unwrap_or_else(|| "app".into()))
}

fn validate(discovery: &Discovery, plan: &Plan) -> Result<(), String> {
    if plan.project.trim().is_empty() {
        return Err("the project name is empty; pass `--project NAME`".into());
    }
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
    unknown_service(discovery, &plan.services)?;
    if plan.services.is_empty() {
        return Err("no services to write; `mirage discover` lists what was found".into());
    }
    if plan.environments.is_empty() && plan.preview_ttl.is_none() {
        return Err("no environments; pass `--envs production` (or more)".into());
    }
    Ok(())
}

fn unknown_service(discovery: &Discovery, services: &[String]) -> Result<(), String> {
    for s in services {
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
    Ok(())
}

/// The plan against Railway or the emulator (same path as `mirage plan`).
async fn show_plan(context: &Context, out: &Path) -> bool {
    let selection = engine::Selection::default();
    // A preview: secrets are not read (they may not be set yet; `apply`
    // reads them all before changing anything).
    match engine::prepare(context, out, &selection, Lock::None, Secrets::Skip).await {
        Ok(session) => {
            report::write_stdout("\n");
            report::write_stdout(&plan::render::text(&session.plan));
            true
        }
        Err(failure) => {
            super::context::fail(failure);
            report::write_stderr(
                "  help: the files are written; fix the problem and run `mirage plan`\n",
            );
            false
        }
    }
}

/// Without a token: the files against an empty Railway, everything to create.
fn show_offline_plan(out: &Path) -> bool {
    let analysis = resolve::load_dir(out);
    if analysis.has_errors() {
        report::print_diagnostics(&analysis.files, &analysis.diagnostics);
        return false;
    }
    let plan = plan::diff(
        &analysis.project,
        None,
        &plan::Owned::default(),
        &plan::Filter::default(),
        &plan::env_secrets,
    );
    report::write_stdout(
        "\nPlan, offline (no Railway token, so nothing was read: everything is to create):\n",
    );
    report::write_stdout(&plan::render::text(&plan));
    true
}

/// The three questions. An empty answer keeps the default shown in
/// brackets; an invalid one is asked again.
struct Wizard<'a> {
    input: &'a mut dyn BufRead,
    output: &'a mut dyn Write,
}

impl Wizard<'_> {
    fn run(
        &mut self,
        discovery: &Discovery,
        projects: Option<&[ProjectSummary]>,
        plan: &mut Plan,
    ) -> Result<(), String> {
        self.say("Discovered services:");
        for s in &discovery.services {
            let kind = if s.kind == Kind::App {
                "app"
            } else {
                "library"
            };
            let variants: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
            let variants = if variants.is_empty() {
                String::new()
            } else {
                format!(" (Dockerfile variants: {})", variants.join(", "))
            };
            self.say(&format!(
                "  {:<20} {:<30} {kind}{variants}",
                s.service, s.path
            ));
        }
        // Step 1: the project.
        match projects {
            Some(list) if !list.is_empty() => {
                self.say("1/3 Railway project: pick an existing one by number, or name a new one");
                for (i, p) in list.iter().enumerate() {
                    self.say(&format!("  {:>2}) {} ({})", i + 1, p.name, p.id.inner()));
                }
                let default = plan.project.clone();
                plan.project = self.ask("    Project", &default, |answer| {
                    Ok(match answer.parse::<usize>() {
                        Ok(n) if (1..=list.len()).contains(&n) => list[n - 1].name.clone(),
                        Ok(_) => return Err(format!("pick a number from 1 to {}", list.len())),
                        Err(_) => pick_project(answer, list),
                    })
                })?;
            }
            _ => {
                let default = plan.project.clone();
                plan.project = self.ask("1/3 New Railway project name", &default, |a| {
                    Ok(a.to_string())
                })?;
            }
        }
        if plan.repo.is_empty() {
            plan.repo = self.ask("    GitHub repository (owner/name)", "", |a| {
                if a.is_empty() {
                    return Err(
                        "the services build from a GitHub repository: write it as `owner/name`, e.g. `acme/shop`"
                            .into(),
                    );
                }
                scaffold::github_repo(&format!("github.com/{a}"))
                    .ok_or_else(|| format!("`{a}` is not `owner/name` (e.g. `acme/shop`)"))
            })?;
        }
        // Step 2: the services.
        let default = plan.services.join(",");
        plan.services = self.ask("2/3 Services (comma-separated)", &default, |a| {
            let list = split_list(a);
            unknown_service(discovery, &list)?;
            if list.is_empty() {
                return Err("choose at least one service".into());
            }
            Ok(list)
        })?;
        self.ask_databases(plan)?;
        self.ask_secrets(plan)?;
        // Step 3: the environments.
        let mut default = plan.environments.clone();
        if plan.preview_ttl.is_some() {
            default.push(PREVIEWS.into());
        }
        let (environments, previews) = self.ask(
            "3/3 Environments, `previews` for pull requests (comma-separated)",
            &default.join(","),
            |a| {
                let parsed = parse_envs(&split_list(a))?;
                if parsed.0.is_empty() && !parsed.1 {
                    return Err("choose at least one environment".into());
                }
                Ok(parsed)
            },
        )?;
        plan.environments = environments;
        plan.preview_ttl = if previews {
            let default = plan.preview_ttl.clone().unwrap_or_else(|| "72h".into());
            Some(
                self.ask("    Preview lifetime (e.g. 72h, 3d)", &default, |a| {
                    value::parse_duration(a).map(|_| a.to_string())
                })?,
            )
        } else {
            None
        };
        Ok(())
    }

    /// The databases the chosen services need, when they need any.
    fn ask_databases(&mut self, plan: &mut Plan) -> Result<(), String> {
        let needed = plan.needed_databases();
        if needed.is_empty() {
            return Ok(());
        }
        for (db, reasons) in &needed {
            let why: Vec<String> = reasons
                .iter()
                .map(|(service, var, file)| format!("`{service}` reads `{var}` ({file})"))
                .collect();
            self.say(&format!(
                "    {} ({}): {}",
                db.title(),
                db.template(),
                why.join(", ")
            ));
        }
        let default: Vec<&str> = needed
            .keys()
            .filter(|db| plan.databases.contains(db))
            .map(|db| db.name())
            .collect();
        let default = if default.is_empty() {
            "none".to_string()
        } else {
            default.join(",")
        };
        plan.databases = self.ask(
            "    Databases to add (comma-separated, `none` for none)",
            &default,
            |a| parse_databases(&split_list(a)),
        )?;
        Ok(())
    }

    /// Which variables of the example files are secrets.
    fn ask_secrets(&mut self, plan: &mut Plan) -> Result<(), String> {
        let names = plan.variable_names();
        if names.is_empty() {
            return Ok(());
        }
        self.say(&format!(
            "    Variables from the example files: {}",
            names.join(", ")
        ));
        let default: Vec<&str> = names
            .iter()
            .filter(|n| plan.secrets.contains(n.as_str()))
            .map(String::as_str)
            .collect();
        let default = if default.is_empty() {
            "none".to_string()
        } else {
            default.join(",")
        };
        plan.secrets = self.ask(
            "    Secrets, read from the environment at apply time (comma-separated, `none` for none)",
            &default,
            |a| {
                let mut chosen = std::collections::BTreeSet::new();
                for name in split_list(a) {
                    if name == "none" || name == "-" {
                        continue;
                    }
                    if !names.contains(&name) {
                        return Err(format!(
                            "`{name}` is not one of the variables: {}",
                            names.join(", ")
                        ));
                    }
                    chosen.insert(name);
                }
                Ok(chosen)
            },
        )?;
        Ok(())
    }

    fn say(&mut self, line: &str) {
        let _ = writeln!(self.output, "{line}");
    }

    /// Asks until `check` accepts the answer; the end of input is an error.
    fn ask<T>(
        &mut self,
        question: &str,
        default: &str,
        check: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, String> {
        loop {
            if default.is_empty() {
                let _ = write!(self.output, "{question}: ");
            } else {
                let _ = write!(self.output, "{question} [{default}]: ");
            }
            let _ = self.output.flush();
            let mut line = String::new();
            let read = self
                .input
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the answer: {e}"))?;
            if read == 0 {
                return Err(format!("no answer to `{}` (end of input)", question.trim()));
            }
            let answer = match line.trim() {
                "" => default,
                answer => answer,
            };
            match check(answer) {
                Ok(value) => return Ok(value),
                Err(problem) => self.say(&format!("    {problem}; try again")),
            }
        }
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_lists() {
        let list = |s: &str| parse_envs(&split_list(s));
        assert_eq!(
            list("production, staging,previews"),
            Ok((vec!["production".into(), "staging".into()], true))
        );
        assert_eq!(
            list("production,production"),
            Ok((vec!["production".into()], false))
        );
        assert!(list("pr").is_err_and(|e| e.contains("write `previews`")));
        assert!(list("prod uction").is_err());
    }
}
