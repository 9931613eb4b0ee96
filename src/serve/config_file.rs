//! `mirage-serve.kdl`: the service's configuration file (KDL v2, read with
//! the project's own parser so that every mistake points at its place).
//!
//! ```kdl
//! listen "0.0.0.0:8080"
//! github-webhook-secret "env:MIRAGE_GITHUB_WEBHOOK_SECRET"
//! drift-every "1h"
//! project "shop" {
//!     dir "infra"
//!     repos "acme/shop"
//!     pull-every "5m"
//! }
//! ```
//!
//! Every flag of `mirage serve` has a key here; flags and the environment
//! win over the file (`src/cli/serve.rs` merges them). Secrets are only
//! ever references — `env:NAME` or `file:PATH` — never the value itself.
//! Relative paths are relative to the file's directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::diagnostic::{Diagnostic, FileId, SourceFile, SourceFiles, Span};
use crate::syntax::{self, Entry, Node, Value};

/// The file's conventional name.
pub const FILE_NAME: &str = "mirage-serve.kdl";
/// The environment variable naming the file.
pub const CONFIG_ENV_VAR: &str = "MIRAGE_SERVE_CONFIG";

/// What a key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Any text.
    Text,
    /// A path (relative to the file's directory).
    Path,
    /// `env:NAME` or `file:PATH`, never the secret itself.
    Secret,
    /// A duration (`30s`, `5m`, `1h`; `0s` is off).
    Duration,
    /// `#true` / `#false`.
    Bool,
    /// A whole number from `.0` to `.1`.
    Int(i64, i64),
    /// `host:port`.
    Address,
    /// One or more strings.
    List,
    /// A state database: a path, a `postgres://` URL without a password,
    /// or a secret reference.
    State,
}

/// The keys at the top of the file.
pub const GLOBAL_KEYS: &[(&str, Kind)] = &[
    ("listen", Kind::Address),
    ("state", Kind::State),
    ("endpoint", Kind::Text),
    ("local", Kind::Bool),
    ("github-webhook-secret", Kind::Secret),
    ("railway-webhook-secret", Kind::Secret),
    ("github-token", Kind::Secret),
    ("github-app-id", Kind::Text),
    ("github-app-installation-id", Kind::Int(1, i64::MAX)),
    ("github-app-key-file", Kind::Path),
    ("github-api-url", Kind::Text),
    ("max-parallel", Kind::Int(1, 256)),
    ("gc-every", Kind::Duration),
    ("drafts", Kind::Bool),
    ("job-lease", Kind::Duration),
    ("max-attempts", Kind::Int(1, 100)),
    ("shutdown-grace", Kind::Duration),
    ("pull-every", Kind::Duration),
    ("drift-every", Kind::Duration),
    ("drift-webhook", Kind::Secret),
    ("oidc-issuer", Kind::Text),
    ("oidc-audience", Kind::Text),
    ("oidc-client-id", Kind::Text),
    ("oidc-client-secret", Kind::Secret),
    ("public-url", Kind::Text),
    ("session-idle", Kind::Duration),
    ("session-lifetime", Kind::Duration),
    ("metrics-token", Kind::Secret),
    ("admins", Kind::List),
    ("clerk-webhook-secret", Kind::Secret),
    ("master-key-file", Kind::Path),
    ("allow-readable-master-key-file", Kind::Bool),
];

/// The keys of a `project "name" { … }` block.
pub const PROJECT_KEYS: &[(&str, Kind)] = &[
    ("dir", Kind::Path),
    ("repos", Kind::List),
    ("drafts", Kind::Bool),
    ("pull-every", Kind::Duration),
    ("drift-every", Kind::Duration),
    ("drift-webhook", Kind::Secret),
];

/// A secret named by the file: where to read it, not what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretRef {
    /// `env:NAME`: an environment variable.
    Env(String),
    /// `file:PATH`: a file's content, trailing newline removed.
    File(PathBuf),
}

impl SecretRef {
    /// Reads the secret; the error never holds it.
    pub fn resolve(&self) -> Result<String, String> {
        match self {
            SecretRef::Env(name) => match std::env::var(name) {
                Ok(value) if !value.is_empty() => Ok(value),
                Ok(_) => Err(format!("the environment variable `{name}` is empty")),
                Err(_) => Err(format!("the environment variable `{name}` is not set")),
            },
            SecretRef::File(path) => match std::fs::read_to_string(path) {
                Ok(text) if !text.trim().is_empty() => Ok(text.trim_end().to_owned()),
                Ok(_) => Err(format!("the file `{}` is empty", path.display())),
                Err(error) => Err(format!("cannot read `{}`: {error}", path.display())),
            },
        }
    }
}

impl std::fmt::Display for SecretRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretRef::Env(name) => write!(f, "env:{name}"),
            SecretRef::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

/// A value of the file.
#[derive(Clone, Debug, PartialEq)]
pub enum Setting {
    /// Text, an address or a state database that is not a reference.
    Text(String),
    /// A path, made absolute against the file's directory.
    Path(PathBuf),
    /// A reference to a secret.
    Secret(SecretRef),
    /// A duration; zero is off.
    Duration(Duration),
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// Strings.
    List(Vec<String>),
}

/// A value and where it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    /// The value.
    pub value: Setting,
    /// The value's place in the file.
    pub span: Span,
    /// `line:column` of that place.
    pub at: String,
}

/// A `project "name" { … }` block.
#[derive(Clone, Debug, PartialEq)]
pub struct FileProject {
    /// The name it gives (checked against the files' project).
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// Its keys.
    pub settings: BTreeMap<&'static str, Located>,
}

/// A read configuration file.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its text, for diagnostics.
    pub files: SourceFiles,
    /// Its id in `files`.
    pub file: FileId,
    /// The top-level keys.
    pub settings: BTreeMap<&'static str, Located>,
    /// The projects, in order.
    pub projects: Vec<FileProject>,
}

impl ConfigFile {
    /// A top-level value.
    pub fn get(&self, key: &str) -> Option<&Located> {
        self.settings.get(key)
    }

    /// A diagnostic at `span` of the file.
    pub fn error(&self, code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(code, self.file, span, message)
    }
}

/// Reads and checks the file at `path`: the file, or every diagnostic
/// (with the file's text so they can be shown).
pub fn read(path: &Path) -> Result<ConfigFile, (SourceFiles, Vec<Diagnostic>)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            return Err((
                SourceFiles::new(),
                vec![
                    Diagnostic::general(
                        "mirage::serve::config_unreadable",
                        format!(
                            "cannot read the configuration file `{}`: {error}",
                            path.display()
                        ),
                    )
                    .with_help(format!(
                        "check `--config` / `{CONFIG_ENV_VAR}`; the file is usually `{FILE_NAME}`"
                    )),
                ],
            ));
        }
    };
    let base = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    parse(path, &text, &base)
}

/// Parses `text` (the file at `path`, relative paths against `base`).
pub fn parse(
    path: &Path,
    text: &str,
    base: &Path,
) -> Result<ConfigFile, (SourceFiles, Vec<Diagnostic>)> {
    let mut files = SourceFiles::new();
    let file = files.add(SourceFile::new(path, text));
    let parsed = syntax::parse(file, text);
    let mut diagnostics = parsed.diagnostics;
    let source = files.get(file).clone();
    let at = |span: Span| {
        let (line, column) = source.line_col(span.start);
        format!("{line}:{column}")
    };
    let mut reader = Reader {
        file,
        base,
        diagnostics: &mut diagnostics,
        at: &at,
    };
    let mut settings = BTreeMap::new();
    let mut projects: Vec<FileProject> = Vec::new();
    for node in &parsed.document.nodes {
        if node.name.value == "project" {
            if let Some(project) = reader.project(node) {
                if let Some(first) = projects.iter().find(|p| p.name == project.name) {
                    let diagnostic = Diagnostic::error(
                        "mirage::serve::duplicate_project",
                        file,
                        project.name_span,
                        format!("project `{}` is configured twice", project.name),
                    )
                    .with_related(file, first.name_span, "first configured here")
                    .with_help("merge the two `project` blocks into one");
                    reader.diagnostics.push(diagnostic);
                } else {
                    projects.push(project);
                }
            }
            continue;
        }
        reader.setting(node, GLOBAL_KEYS, &mut settings, "at the top of the file");
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err((files, diagnostics));
    }
    Ok(ConfigFile {
        path: path.to_path_buf(),
        files,
        file,
        settings,
        projects,
    })
}

struct Reader<'a> {
    file: FileId,
    base: &'a Path,
    diagnostics: &'a mut Vec<Diagnostic>,
    at: &'a dyn Fn(Span) -> String,
}

impl Reader<'_> {
    fn error(&mut self, code: &'static str, span: Span, message: String, help: String) {
        self.diagnostics
            .push(Diagnostic::error(code, self.file, span, message).with_help(help));
    }

    fn project(&mut self, node: &Node) -> Option<FileProject> {
        let Some(name) = node
            .first_arg()
            .and_then(|e| e.value.as_str().map(|s| (s, e)))
        else {
            self.error(
                "mirage::serve::config_value",
                node.name.span,
                "`project` needs the project's name".to_owned(),
                "write `project \"NAME\" { dir \"PATH\" }`, NAME as in the project's `.mirage` files"
                    .to_owned(),
            );
            return None;
        };
        let (name, entry) = name;
        let mut settings = BTreeMap::new();
        for child in node.child_nodes() {
            let scope = format!("in project `{name}`");
            self.setting(child, PROJECT_KEYS, &mut settings, &scope);
        }
        if !settings.contains_key("dir") {
            self.error(
                "mirage::serve::config_value",
                node.name.span.cover(entry.value_span),
                format!("project `{name}` has no `dir`"),
                "add `dir \"PATH\"`: the checkout of the project's `.mirage` files".to_owned(),
            );
            return None;
        }
        Some(FileProject {
            name: name.to_owned(),
            name_span: entry.value_span,
            settings,
        })
    }

    fn setting(
        &mut self,
        node: &Node,
        keys: &[(&'static str, Kind)],
        into: &mut BTreeMap<&'static str, Located>,
        scope: &str,
    ) {
        let key = node.name.value.as_str();
        let Some(&(key, kind)) = keys.iter().find(|(k, _)| *k == key) else {
            let help =
                crate::resolve::suggest::did_you_mean(key, keys.iter().map(|(k, _)| *k), || {
                    format!(
                        "the keys here are {}",
                        keys.iter()
                            .map(|(k, _)| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            self.error(
                "mirage::serve::config_unknown_key",
                node.name.span,
                format!("unknown key `{key}` {scope}"),
                help,
            );
            return;
        };
        if let Some(first) = into.get(key) {
            let first = first.span;
            self.diagnostics.push(
                Diagnostic::error(
                    "mirage::serve::config_duplicate_key",
                    self.file,
                    node.name.span,
                    format!("`{key}` is set twice {scope}"),
                )
                .with_related(self.file, first, "first set here")
                .with_help("keep one of them"),
            );
            return;
        }
        if node.children.is_some() || node.props().next().is_some() {
            self.error(
                "mirage::serve::config_value",
                node.span,
                format!("`{key}` takes only a value"),
                format!("write `{key} VALUE`"),
            );
            return;
        }
        let args: Vec<&Entry> = node.args().collect();
        let span = match (args.first(), args.last()) {
            (Some(first), Some(last)) => first.value_span.cover(last.value_span),
            _ => node.name.span,
        };
        if args.is_empty() || (kind != Kind::List && args.len() > 1) {
            self.error(
                "mirage::serve::config_value",
                span,
                format!("`{key}` takes one value"),
                format!("write `{key} {}`", example(kind)),
            );
            return;
        }
        let value = if kind == Kind::List {
            let mut list = Vec::new();
            for arg in &args {
                match arg.value.as_str() {
                    Some(text) => list.push(text.to_owned()),
                    None => {
                        self.error(
                            "mirage::serve::config_value",
                            arg.value_span,
                            format!("`{key}` takes strings, not a {}", arg.value.kind()),
                            format!("write `{key} {}`", example(kind)),
                        );
                        return;
                    }
                }
            }
            Setting::List(list)
        } else {
            match self.value(key, kind, &args[0].value) {
                Ok(value) => value,
                Err((message, help)) => {
                    let code = if message.contains("inline") {
                        "mirage::serve::config_inline_secret"
                    } else {
                        "mirage::serve::config_value"
                    };
                    self.error(code, args[0].value_span, message, help);
                    return;
                }
            }
        };
        into.insert(
            key,
            Located {
                value,
                span,
                at: (self.at)(span),
            },
        );
    }

    fn value(&self, key: &str, kind: Kind, value: &Value) -> Result<Setting, (String, String)> {
        let wrong = |what: &str| {
            (
                format!("`{key}` takes {what}, not a {}", value.kind()),
                format!("write `{key} {}`", example(kind)),
            )
        };
        match kind {
            Kind::Bool => value
                .as_bool()
                .map(Setting::Bool)
                .ok_or_else(|| wrong("`#true` or `#false`")),
            Kind::Int(min, max) => {
                let n = value.as_i64().ok_or_else(|| wrong("a whole number"))?;
                if n < min || n > max {
                    return Err((
                        format!("`{key}` must be between {min} and {max}, not {n}"),
                        format!("write `{key} {}`", example(kind)),
                    ));
                }
                Ok(Setting::Int(n))
            }
            _ => {
                let text = value.as_str().ok_or_else(|| wrong("a string"))?;
                self.text(key, kind, text)
            }
        }
    }

    fn text(&self, key: &str, kind: Kind, text: &str) -> Result<Setting, (String, String)> {
        match kind {
            Kind::Text => Ok(Setting::Text(text.to_owned())),
            Kind::Path => Ok(Setting::Path(self.base.join(text))),
            Kind::Duration => parse_duration(text).map(Setting::Duration).map_err(|message| {
                (
                    format!("`{key}`: {message}"),
                    "write a number and a unit: `30s`, `5m`, `1h` (`0s`: off)".to_owned(),
                )
            }),
            Kind::Address => text
                .parse::<std::net::SocketAddr>()
                .map(|_| Setting::Text(text.to_owned()))
                .map_err(|_| {
                    (
                        format!("`{key}` is not an address: `{text}`"),
                        "write an IP address and a port: `0.0.0.0:8080`, `[::1]:8080`".to_owned(),
                    )
                }),
            Kind::Secret => secret_ref(text, self.base).ok_or_else(|| {
                (
                    format!("`{key}` holds an inline secret"),
                    format!(
                        "name where the secret is instead: `{key} \"env:VARIABLE\"` or `{key} \"file:/run/secrets/NAME\"`; a secret written in the file ends up in backups and repositories"
                    ),
                )
            }).map(Setting::Secret),
            Kind::State => {
                if let Some(reference) = secret_ref(text, self.base) {
                    return Ok(Setting::Secret(reference));
                }
                let is_url = text.starts_with("postgres://") || text.starts_with("postgresql://");
                if is_url && url_has_password(text) {
                    return Err((
                        format!("`{key}` holds an inline secret: the URL has a password"),
                        format!(
                            "leave the password out (`PGPASSWORD`), or name where the URL is: `{key} \"env:MIRAGE_STATE\"`"
                        ),
                    ));
                }
                Ok(if is_url {
                    Setting::Text(text.to_owned())
                } else {
                    Setting::Path(self.base.join(text))
                })
            }
            Kind::Bool | Kind::Int(..) | Kind::List => Ok(Setting::Text(text.to_owned())),
        }
    }
}

fn url_has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

/// `env:NAME` / `file:PATH` (relative to `base`).
pub fn secret_ref(text: &str, base: &Path) -> Option<SecretRef> {
    if let Some(name) = text.strip_prefix("env:") {
        let valid =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        return valid.then(|| SecretRef::Env(name.to_owned()));
    }
    let path = text.strip_prefix("file:")?;
    (!path.is_empty()).then(|| SecretRef::File(base.join(path)))
}

fn example(kind: Kind) -> &'static str {
    match kind {
        Kind::Text => "\"TEXT\"",
        Kind::Path => "\"PATH\"",
        Kind::Secret => "\"env:VARIABLE\"",
        Kind::Duration => "\"5m\"",
        Kind::Bool => "#true",
        Kind::Int(..) => "4",
        Kind::Address => "\"0.0.0.0:8080\"",
        Kind::List => "\"org/app\" \"org/other\"",
        Kind::State => "\"postgres://mirage@db/mirage\"",
    }
}

/// A duration of the configuration: `0`/`0s`/`0m`… is off (zero), else
/// the language's durations (`30s`, `5m`, `1h30m`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if text.starts_with('0')
        && matches!(
            text.trim_start_matches('0'),
            "" | "s" | "m" | "h" | "d" | "w"
        )
    {
        return Ok(Duration::ZERO);
    }
    crate::resolve::value::parse_duration(text).map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> ConfigFile {
        match parse(
            Path::new("/etc/mirage/mirage-serve.kdl"),
            text,
            Path::new("/etc/mirage"),
        ) {
            Ok(file) => file,
            Err((_, diagnostics)) => panic!("{diagnostics:#?}"),
        }
    }

    fn codes(text: &str) -> Vec<&'static str> {
        match parse(Path::new("x.kdl"), text, Path::new("/")) {
            Ok(_) => Vec::new(),
            Err((_, diagnostics)) => diagnostics.iter().map(|d| d.code).collect(),
        }
    }

    #[test]
    fn keys_values_and_projects_are_read() {
        let file = parse_ok(
            "listen \"0.0.0.0:9\"\nmax-parallel 8\ndrafts #true\ngc-every \"0s\"\n\
             github-webhook-secret \"env:HOOK\"\nstate \"db/state.db\"\n\
             project \"shop\" {\n  dir \"infra\"\n  repos \"acme/shop\" \"acme/web\"\n  drift-every \"15m\"\n}\n",
        );
        assert_eq!(file.get("max-parallel").unwrap().value, Setting::Int(8));
        assert_eq!(
            file.get("gc-every").unwrap().value,
            Setting::Duration(Duration::ZERO)
        );
        assert_eq!(
            file.get("github-webhook-secret").unwrap().value,
            Setting::Secret(SecretRef::Env("HOOK".into()))
        );
        assert_eq!(
            file.get("state").unwrap().value,
            Setting::Path(PathBuf::from("/etc/mirage/db/state.db"))
        );
        assert_eq!(file.get("listen").unwrap().at, "1:8");
        let project = &file.projects[0];
        assert_eq!(project.name, "shop");
        assert_eq!(
            project.settings["dir"].value,
            Setting::Path(PathBuf::from("/etc/mirage/infra"))
        );
        assert_eq!(
            project.settings["repos"].value,
            Setting::List(vec!["acme/shop".into(), "acme/web".into()])
        );
    }

    #[test]
    fn mistakes_are_refused_with_their_codes() {
        assert_eq!(codes("lisen \"x\""), ["mirage::serve::config_unknown_key"]);
        assert_eq!(
            codes("github-token \"ghp_123\""),
            ["mirage::serve::config_inline_secret"]
        );
        assert_eq!(
            codes("state \"postgres://u:pw@db/m\""),
            ["mirage::serve::config_inline_secret"]
        );
        assert!(codes("state \"postgres://u@db/m\"").is_empty());
        assert_eq!(codes("gc-every \"5x\""), ["mirage::serve::config_value"]);
        assert_eq!(codes("max-parallel 0"), ["mirage::serve::config_value"]);
        assert_eq!(codes("listen \"nope\""), ["mirage::serve::config_value"]);
        assert_eq!(
            codes("drafts #true\ndrafts #false"),
            ["mirage::serve::config_duplicate_key"]
        );
        assert_eq!(
            codes("project \"a\" { dir \".\" }\nproject \"a\" { dir \"b\" }"),
            ["mirage::serve::duplicate_project"]
        );
        assert_eq!(codes("project \"a\" { }"), ["mirage::serve::config_value"]);
    }
}
