//! What a service expects from its environment, for `mirage init`: the
//! variables its `.env.example` / `.env.sample` / `.env.template` lists
//! (secret or plain, by name), and the databases it obviously needs
//! (`DATABASE_URL`, `POSTGRES_URL`, `REDIS_URL` in those files or in its
//! source code).
//!
//! The example files are read with the small reader below rather than
//! `dotenvy`: `dotenvy` expands `$VAR` from the process environment, which
//! would copy a developer's real values (secrets included) into generated
//! files. Here values are taken as written, never expanded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ignore::WalkBuilder;

use super::{Discovery, Kind, Service};

/// The example files `init` reads.
pub const EXAMPLE_FILES: &[&str] = &[".env.example", ".env.sample", ".env.template"];

/// A database the standard library provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Database {
    /// `std/postgres`.
    Postgres,
    /// `std/redis`.
    Redis,
}

impl Database {
    /// Every kind, in the order they are offered.
    pub const ALL: [Database; 2] = [Database::Postgres, Database::Redis];

    /// The name users type (`postgres`, `redis`).
    pub fn name(self) -> &'static str {
        match self {
            Database::Postgres => "postgres",
            Database::Redis => "redis",
        }
    }

    /// The standard-library template.
    pub fn template(self) -> &'static str {
        match self {
            Database::Postgres => "std/postgres",
            Database::Redis => "std/redis",
        }
    }

    /// What the template calls its connection string.
    pub fn url_var(self) -> &'static str {
        match self {
            Database::Postgres => "DATABASE_URL",
            Database::Redis => "REDIS_URL",
        }
    }

    /// Service names to try, in order.
    pub fn service_names(self) -> &'static [&'static str] {
        match self {
            Database::Postgres => &["db", "postgres", "pg"],
            Database::Redis => &["redis", "cache"],
        }
    }

    /// A human name.
    pub fn title(self) -> &'static str {
        match self {
            Database::Postgres => "PostgreSQL",
            Database::Redis => "Redis",
        }
    }

    /// The kind called `name` (`postgres`, `postgresql`, `redis`).
    pub fn parse(name: &str) -> Option<Database> {
        match name.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Some(Database::Postgres),
            "redis" => Some(Database::Redis),
            _ => None,
        }
    }
}

/// The database a variable of this name connects to.
pub fn database_for(name: &str) -> Option<Database> {
    match name {
        "DATABASE_URL" | "POSTGRES_URL" | "POSTGRESQL_URL" | "PG_URL" => Some(Database::Postgres),
        "REDIS_URL" => Some(Database::Redis),
        _ => None,
    }
}

/// Whether a variable of this name should be a secret by default:
/// `*_KEY`, `*_SECRET`, `*_TOKEN`, `*PASSWORD*`.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.ends_with("_KEY")
        || upper.ends_with("_SECRET")
        || upper.ends_with("_TOKEN")
        || upper == "SECRET"
        || upper.contains("PASSWORD")
}

/// One variable an example file lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// Its name.
    pub name: String,
    /// The example value, as written (never expanded).
    pub example: String,
    /// The file it came from, relative to the root.
    pub file: String,
}

/// What one service expects from its environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceEnv {
    /// Variables from its example files, in file order, each name once.
    pub vars: Vec<EnvVar>,
    /// Databases it needs, with the variable names that say so and where
    /// they were found (`apps/api/.env.example`, `apps/api/src/db.ts`).
    pub databases: BTreeMap<Database, Vec<(String, String)>>,
}

/// `KEY=value` lines of a dotenv file: `export ` prefixes, `#` comments,
/// single or double quotes (`\n`, `\"` decoded in double quotes). Names
/// that are not variable names are skipped.
pub fn parse_env_example(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if !crate::resolve::value::is_var_name(name) {
            continue;
        }
        let value = unquote(value.trim());
        match out.iter_mut().find(|(n, _)| n == name) {
            Some(existing) => existing.1 = value,
            None => out.push((name.to_string(), value)),
        }
    }
    out
}

fn unquote(value: &str) -> String {
    if let Some(inner) = value.strip_prefix('\'') {
        return inner.split('\'').next().unwrap_or_default().to_string();
    }
    if let Some(inner) = value.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => {}
                },
                c => out.push(c),
            }
        }
        return out;
    }
    // Unquoted: a ` #` starts a comment.
    value
        .split(" #")
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Source files worth searching for database variables.
const SOURCE_EXTENSIONS: &[&str] = &[
    "js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "py", "go", "rs", "rb", "java", "kt",
    "php", "ex", "exs", "cs", "scala", "prisma", "toml", "yaml", "yml",
];

/// Files larger than this are generated or vendored, not read.
const MAX_SOURCE_BYTES: u64 = 512 * 1024;

/// What every app of `discovery` expects from its environment, by
/// service name (`Service::service`).
pub fn analyse(discovery: &Discovery) -> BTreeMap<String, ServiceEnv> {
    let apps: Vec<&Service> = discovery
        .services
        .iter()
        .filter(|s| s.kind == Kind::App)
        .collect();
    let mut out: BTreeMap<String, ServiceEnv> = BTreeMap::new();
    for file in &discovery.env_files {
        let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
        let owners: Vec<&&Service> = match deepest(&apps, dir) {
            Some(owner) => vec![owner],
            // A root example file with no root service: every app's.
            None if dir.is_empty() => apps.iter().collect(),
            None => Vec::new(),
        };
        let Ok(text) = std::fs::read_to_string(discovery.root.join(file)) else {
            continue;
        };
        let vars = parse_env_example(&text);
        for owner in owners {
            let env = out.entry(owner.service.clone()).or_default();
            for (name, example) in &vars {
                if let Some(db) = database_for(name) {
                    env.databases
                        .entry(db)
                        .or_default()
                        .push((name.clone(), file.clone()));
                }
                if !env.vars.iter().any(|v| &v.name == name) {
                    env.vars.push(EnvVar {
                        name: name.clone(),
                        example: example.clone(),
                        file: file.clone(),
                    });
                }
            }
        }
    }
    for app in &apps {
        let found = scan_code(&discovery.root, &app.path);
        if found.is_empty() {
            continue;
        }
        let env = out.entry(app.service.clone()).or_default();
        for (name, file) in found {
            if let Some(db) = database_for(&name) {
                let seen = env.databases.entry(db).or_default();
                if !seen.iter().any(|(n, _)| n == &name) {
                    seen.push((name, file));
                }
            }
        }
    }
    out
}

/// The app with the deepest path holding `dir`.
fn deepest<'a, 'b>(apps: &'a [&'b Service], dir: &str) -> Option<&'a &'b Service> {
    apps.iter()
        .filter(|s| s.path == "." || dir == s.path || dir.starts_with(&format!("{}/", s.path)))
        .max_by_key(|s| if s.path == "." { 0 } else { s.path.len() })
}

/// `(variable, file)` for each database variable named in the source
/// files under `dir` (git-ignored files, dependencies and large files
/// left out).
fn scan_code(root: &Path, dir: &str) -> BTreeSet<(String, String)> {
    const NEEDLES: &[&str] = &[
        "DATABASE_URL",
        "POSTGRES_URL",
        "POSTGRESQL_URL",
        "REDIS_URL",
    ];
    let mut found = BTreeSet::new();
    let start = if dir == "." {
        root.to_path_buf()
    } else {
        root.join(dir)
    };
    let walker = WalkBuilder::new(&start)
        .hidden(true)
        .parents(false)
        .ignore(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .filter_entry(|e| {
            !e.file_type().is_some_and(|t| t.is_dir())
                || !matches!(
                    e.file_name().to_str(),
                    Some("node_modules" | "target" | "vendor" | "dist" | "build" | ".git")
                )
        })
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| SOURCE_EXTENSIONS.contains(&e));
        if !wanted
            || entry
                .metadata()
                .map_or(true, |m| m.len() > MAX_SOURCE_BYTES)
        {
            continue;
        }
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for needle in NEEDLES {
            if contains_word(&text, needle) {
                let rel = path
                    .strip_prefix(root)
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                found.insert(((*needle).to_string(), rel));
            }
        }
    }
    found
}

/// `needle` in `text` not as part of a longer name (`DATABASE_URL`, but
/// not `SHADOW_DATABASE_URL` or `DATABASE_URL_2`).
fn contains_word(text: &str, needle: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(needle).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(word)
            && !text[at + needle.len()..].chars().next().is_some_and(word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_files() {
        let vars = parse_env_example(
            "# comment\nexport PORT=3000\nSTRIPE_KEY=\nNAME=\"a \\\"b\\\"\"\nRAW='$HOME x'\nURL=http://x # c\nnot-a-name=1\nPORT=4000\n",
        );
        assert_eq!(
            vars,
            [
                ("PORT".to_string(), "4000".to_string()),
                ("STRIPE_KEY".into(), "".into()),
                ("NAME".into(), "a \"b\"".into()),
                ("RAW".into(), "$HOME x".into()),
                ("URL".into(), "http://x".into()),
            ]
        );
    }

    #[test]
    fn secrets_by_name() {
        for name in [
            "STRIPE_KEY",
            "JWT_SECRET",
            "GITHUB_TOKEN",
            "DB_PASSWORD",
            "PASSWORD_SALT",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["PORT", "KEYBOARD", "TOKENS_PER_MINUTE", "NODE_ENV"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn whole_words_only() {
        assert!(contains_word("process.env.DATABASE_URL;", "DATABASE_URL"));
        assert!(!contains_word("SHADOW_DATABASE_URL", "DATABASE_URL"));
        assert!(!contains_word("DATABASE_URL_2", "DATABASE_URL"));
    }
}
