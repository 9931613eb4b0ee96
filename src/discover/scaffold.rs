//! Writing the first `.mirage` files from a [`Discovery`]: one file for the
//! project, layers and environments, one for the services. The text is run
//! through the formatter so that `mirage fmt --check` is clean from the start.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::env::{Database, ServiceEnv, database_for, is_secret_name};
use super::{Build, Discovery, Kind, Protocol, Service};

/// What `mirage init` asks for (or takes from flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The Railway project name.
    pub project: String,
    /// GitHub repository `owner/name` the services build from.
    pub repo: String,
    /// The branch they deploy.
    pub branch: String,
    /// Names (`Service::service`) of the services to write.
    pub services: Vec<String>,
    /// Persistent environments, e.g. `production`, `staging`.
    pub environments: Vec<String>,
    /// TTL of pull-request previews (`72h`), or `None` for no previews.
    pub preview_ttl: Option<String>,
    /// What each service expects from its environment, by service name
    /// ([`super::env::analyse`]); empty when not looked at.
    pub env: BTreeMap<String, ServiceEnv>,
    /// Names of the variables written as secrets (`(secret)"env:NAME"`,
    /// read at apply time); the others are written with their example value.
    pub secrets: BTreeSet<String>,
    /// Databases to add from the standard library when a chosen service
    /// needs them.
    pub databases: BTreeSet<Database>,
}

/// Where a chosen service said it needs a database: `(service, variable, file)`.
pub type Reasons = Vec<(String, String, String)>;

impl Plan {
    /// The defaults: every app, `production` and `staging`, previews for 72 hours.
    pub fn defaults(discovery: &Discovery, project: String, repo: String) -> Plan {
        Plan {
            project,
            repo,
            branch: "main".into(),
            services: discovery
                .services
                .iter()
                .filter(|s| s.kind == Kind::App)
                .map(|s| s.service.clone())
                .collect(),
            environments: vec!["production".into(), "staging".into()],
            preview_ttl: Some("72h".into()),
            env: BTreeMap::new(),
            secrets: BTreeSet::new(),
            databases: BTreeSet::new(),
        }
    }

    /// Take what the services expect from their environment: secrets by
    /// name (`*_KEY`, `*_SECRET`, `*_TOKEN`, `*PASSWORD*`) and every
    /// database some service needs.
    pub fn with_env(mut self, env: BTreeMap<String, ServiceEnv>) -> Plan {
        self.secrets = env
            .values()
            .flat_map(|e| &e.vars)
            .filter(|v| is_secret_name(&v.name))
            .map(|v| v.name.clone())
            .collect();
        self.databases = env
            .values()
            .flat_map(|e| e.databases.keys().copied())
            .collect();
        self.env = env;
        self
    }

    /// The databases the chosen services need, with the reasons.
    pub fn needed_databases(&self) -> BTreeMap<Database, Reasons> {
        let mut out: BTreeMap<Database, Reasons> = BTreeMap::new();
        for service in &self.services {
            let Some(env) = self.env.get(service) else {
                continue;
            };
            for (db, reasons) in &env.databases {
                for (var, file) in reasons {
                    out.entry(*db)
                        .or_default()
                        .push((service.clone(), var.clone(), file.clone()));
                }
            }
        }
        out
    }

    /// Variable names of the chosen services, in order, each once.
    pub fn variable_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for service in &self.services {
            for var in self
                .env
                .get(service)
                .map(|e| e.vars.as_slice())
                .unwrap_or_default()
            {
                if !names.contains(&var.name) && !self.wired(&var.name) {
                    names.push(var.name.clone());
                }
            }
        }
        names
    }

    /// Whether `name` is wired to a database this plan adds.
    fn wired(&self, name: &str) -> bool {
        database_for(name).is_some_and(|db| self.databases.contains(&db))
    }

    /// The secrets the written files read from the environment, sorted.
    pub fn secret_sources(&self) -> Vec<String> {
        let names: BTreeSet<String> = self
            .variable_names()
            .into_iter()
            .filter(|n| self.is_secret(n))
            .collect();
        names.into_iter().collect()
    }

    /// A database URL that no database provides is a secret too: it holds
    /// a password.
    fn is_secret(&self, name: &str) -> bool {
        self.secrets.contains(name) || database_for(name).is_some()
    }

    /// Service names for the databases to add, clear of the chosen ones.
    fn database_services(&self) -> Vec<(Database, String)> {
        let needed = self.needed_databases();
        let mut taken: BTreeSet<String> = self.services.iter().cloned().collect();
        let mut out = Vec::new();
        for db in Database::ALL {
            if !self.databases.contains(&db) || !needed.contains_key(&db) {
                continue;
            }
            let name = db
                .service_names()
                .iter()
                .map(|n| n.to_string())
                .chain((2..).map(|i| format!("{}-{i}", db.service_names()[0])))
                .find(|n| !taken.contains(n))
                .unwrap_or_else(|| db.name().to_string());
            taken.insert(name.clone());
            out.push((db, name));
        }
        out
    }
}

/// The files to write: `(file name, formatted text)`.
pub fn scaffold(discovery: &Discovery, plan: &Plan) -> Vec<(String, String)> {
    let mut project = String::new();
    let _ = writeln!(
        project,
        "// Written by `mirage init` from what `mirage discover` found; edit freely.\n"
    );
    let _ = writeln!(project, "project {}\n", quote(&plan.project));
    project.push_str("// Settings every environment shares.\nlayer \"base\" {\n    vars {\n        LOG_LEVEL \"info\"\n    }\n}\n\n");
    project.push_str("// Production: nothing in it can be destroyed by Mirage.\nlayer \"prod\" extends=\"base\" {\n    protect #true\n}\n\n");
    project.push_str(
        "layer \"dev\" extends=\"base\" {\n    vars {\n        LOG_LEVEL \"debug\"\n    }\n}\n\n",
    );
    for env in &plan.environments {
        let layer = if env == "production" || env == "prod" {
            "prod"
        } else {
            "dev"
        };
        let _ = writeln!(project, "environment {} layer=\"{layer}\"", quote(env));
    }
    if let Some(ttl) = &plan.preview_ttl {
        let _ = writeln!(
            project,
            "\n// One copy per pull request (`pr-1234`), removed after {ttl} at most."
        );
        let _ = writeln!(
            project,
            "environment \"pr\" layer=\"dev\" ephemeral=#true ttl={}",
            quote(ttl)
        );
    }

    let chosen: Vec<&Service> = discovery
        .services
        .iter()
        .filter(|s| plan.services.contains(&s.service))
        .collect();
    let chosen_names: BTreeSet<&str> = chosen.iter().map(|s| s.name.as_str()).collect();
    let mut services = String::from("// The services, one per deployable package or Dockerfile.\n");
    let databases = plan.database_services();
    if !databases.is_empty() {
        services.push('\n');
        for (db, _) in &databases {
            let _ = writeln!(services, "import {}", quote(db.template()));
        }
        let needed = plan.needed_databases();
        for (db, name) in &databases {
            let why: Vec<String> = needed
                .get(db)
                .into_iter()
                .flatten()
                .map(|(service, var, file)| format!("`{service}` reads `{var}` ({file})"))
                .collect();
            let _ = writeln!(services, "\n// {}: {}.", db.title(), why.join(", "));
            let _ = writeln!(
                services,
                "service {} from={}",
                quote(name),
                quote(db.template())
            );
        }
    }
    for s in &chosen {
        services.push('\n');
        write_service(&mut services, discovery, s, plan, &chosen_names, &databases);
    }
    vec![
        ("project.mirage".into(), format(project)),
        ("services.mirage".into(), format(services)),
    ]
}

fn write_service(
    out: &mut String,
    discovery: &Discovery,
    s: &Service,
    plan: &Plan,
    chosen: &BTreeSet<&str>,
    databases: &[(Database, String)],
) {
    let _ = writeln!(out, "// {} ({}, found by {})", s.name, s.path, s.source);
    let _ = writeln!(out, "service {} {{", quote(&s.service));
    let standalone = s.source == "dockerfile" && s.path != ".";
    let mut repo = format!(
        "    repo {} branch={}",
        quote(&plan.repo),
        quote(&plan.branch)
    );
    if standalone {
        // A Dockerfile outside any workspace builds with its directory as context.
        let _ = write!(repo, " root={}", quote(&s.path));
    }
    let _ = writeln!(out, "{repo}");
    match &s.build {
        Build::Dockerfile { path, start, .. } => {
            let _ = writeln!(out, "    builder \"dockerfile\"");
            let dockerfile = if standalone {
                path.rsplit('/').next().unwrap_or(path)
            } else {
                path.as_str()
            };
            let _ = writeln!(out, "    dockerfile {}", quote(dockerfile));
            for variant in &s.variants {
                let file = if standalone {
                    variant
                        .dockerfile
                        .rsplit('/')
                        .next()
                        .unwrap_or(&variant.dockerfile)
                } else {
                    variant.dockerfile.as_str()
                };
                let _ = writeln!(
                    out,
                    "    // Variant `{}`: to build with it, write `dockerfile {}`.",
                    variant.name,
                    quote(file)
                );
            }
            if start.is_none() {
                let _ = writeln!(
                    out,
                    "    // The Dockerfile has no CMD or ENTRYPOINT: set `start \"…\"`."
                );
            }
        }
        Build::Package { manager, start } => {
            let _ = writeln!(out, "    builder \"railpack\"");
            if start.is_some()
                && let Some(command) = workspace_start(manager, &s.name, &s.path)
            {
                let _ = writeln!(out, "    start {}", quote(&command));
            }
        }
        Build::Cargo | Build::Go => {
            let _ = writeln!(out, "    builder \"railpack\"");
        }
    }
    if s.path != "." && !standalone {
        // Rebuild only when this package or what it depends on changes.
        let mut patterns = vec![format!("{}/**", s.path)];
        for dep in transitive(discovery, s) {
            patterns.push(format!("{}/**", dep.path));
        }
        patterns.sort();
        patterns.dedup();
        let list: Vec<String> = patterns.iter().map(|p| quote(p)).collect();
        let _ = writeln!(out, "    watch-patterns {}", list.join(" "));
    }
    if let Some(port) = s.ports.iter().find(|p| p.protocol == Protocol::Tcp) {
        let _ = writeln!(out, "    port {}", port.start);
    }
    let deps: Vec<String> = s
        .dependencies
        .iter()
        .filter(|d| chosen.contains(d.as_str()))
        .filter_map(|d| discovery.service(d))
        .map(|d| quote(&d.service))
        .collect();
    if !deps.is_empty() {
        let _ = writeln!(out, "    depends-on {}", deps.join(" "));
    }
    write_vars(out, s, plan, databases);
    out.push_str("}\n");
}

/// The service's variables: database URLs as references to the databases
/// added, secrets read from the environment at apply time, the rest with
/// their example value.
fn write_vars(out: &mut String, s: &Service, plan: &Plan, databases: &[(Database, String)]) {
    let Some(env) = plan.env.get(&s.service) else {
        return;
    };
    let mut lines: Vec<String> = Vec::new();
    let mut written: BTreeSet<&str> = BTreeSet::new();
    let reference = |name: &str| {
        let db = database_for(name)?;
        let (_, service) = databases.iter().find(|(d, _)| *d == db)?;
        Some(format!("${{{{{service}.{}}}}}", db.url_var()))
    };
    for var in &env.vars {
        if var.name.starts_with("RAILWAY_") || !written.insert(&var.name) {
            continue;
        }
        let value = if let Some(reference) = reference(&var.name) {
            quote(&reference)
        } else if plan.is_secret(&var.name) {
            format!("(secret){}", quote(&format!("env:{}", var.name)))
        } else if var.example.contains("${{") {
            // Not a Railway reference this project can resolve.
            quote("")
        } else {
            quote(&var.example)
        };
        lines.push(format!("        {} {value}", var.name));
    }
    // Database variables found only in the code.
    for reasons in env.databases.values() {
        for (name, _) in reasons {
            if written.contains(name.as_str()) {
                continue;
            }
            if let Some(reference) = reference(name) {
                written.insert(name);
                lines.push(format!("        {name} {}", quote(&reference)));
            }
        }
    }
    if lines.is_empty() {
        return;
    }
    let files: BTreeSet<&str> = env.vars.iter().map(|v| v.file.as_str()).collect();
    if !files.is_empty() {
        let list: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
        let _ = writeln!(out, "    // From {}.", list.join(", "));
    }
    out.push_str("    vars {\n");
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("    }\n");
}

/// The command that starts one workspace package from the repository root.
fn workspace_start(manager: &str, name: &str, path: &str) -> Option<String> {
    match manager {
        "pnpm" => Some(format!("pnpm --filter {name} start")),
        "npm" => Some(format!("npm run start --workspace {path}")),
        "yarn" | "yarn-berry" => Some(format!("yarn workspace {name} start")),
        "bun" => Some(format!("bun run --filter {name} start")),
        _ => None,
    }
}

/// Every service `s` depends on, directly or not.
fn transitive<'a>(discovery: &'a Discovery, s: &Service) -> Vec<&'a Service> {
    let mut seen: Vec<&Service> = Vec::new();
    let mut stack: Vec<&str> = s.dependencies.iter().map(String::as_str).collect();
    while let Some(name) = stack.pop() {
        if let Some(dep) = discovery.service(name)
            && !seen.iter().any(|x| x.name == dep.name)
            && dep.name != s.name
        {
            seen.push(dep);
            stack.extend(dep.dependencies.iter().map(String::as_str));
        }
    }
    seen
}

/// A KDL string literal.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // KDL forbids other control characters in strings.
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Run the formatter; the text is ours, so it always parses, but if it ever
/// did not, the unformatted text is still better than nothing.
fn format(text: String) -> String {
    crate::syntax::format(&text).unwrap_or(text)
}

/// A GitHub `owner/name` from a git remote URL
/// (`git@github.com:acme/shop.git`, `https://github.com/acme/shop`).
pub fn github_repo(url: &str) -> Option<String> {
    let rest = url.split_once("github.com").map(|(_, r)| r)?;
    let rest = rest.trim_start_matches([':', '/']).trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let mut parts = rest.split('/');
    let (owner, name) = (parts.next()?, parts.next()?);
    (!owner.is_empty() && !name.is_empty() && parts.next().is_none())
        .then(|| format!("{owner}/{name}"))
}

/// The `origin` remote's URL from `.git/config` in `dir`, if any.
pub fn origin_url(dir: &std::path::Path) -> Option<String> {
    let config = std::fs::read_to_string(dir.join(".git/config")).ok()?;
    let mut in_origin = false;
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_origin = line == "[remote \"origin\"]";
        } else if in_origin
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "url"
        {
            return Some(value.trim().to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_kdl_strings() {
        let text = format!("a {}", quote("x\"\\\n\r\t\u{1}y"));
        let parsed = crate::syntax::format(&text);
        assert!(parsed.is_ok(), "{text}: {parsed:?}");
        assert_eq!(quote("\u{1}"), "\"\\u{1}\"");
    }

    #[test]
    fn github_remotes() {
        assert_eq!(
            github_repo("git@github.com:acme/shop.git").as_deref(),
            Some("acme/shop")
        );
        assert_eq!(
            github_repo("https://github.com/acme/shop").as_deref(),
            Some("acme/shop")
        );
        assert_eq!(
            github_repo("ssh://git@github.com/acme/shop.git/").as_deref(),
            Some("acme/shop")
        );
        assert_eq!(github_repo("https://gitlab.com/acme/shop"), None);
        assert_eq!(github_repo("https://github.com/acme"), None);
    }
}
