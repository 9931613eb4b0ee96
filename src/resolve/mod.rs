//! `.mirage` trees → the desired-state [`Model`](crate::model::Project):
//! imports (project files, `std/…`), templates, layers, variable references,
//! the dependency graph, and every diagnostic about the user's mistakes.
//!
//! No network and no database here; the only IO is reading the project's
//! `.mirage` files ([`load_dir`]) and the files they import, through the
//! bounded reader [`read_source_in`] (regular files inside the project, at
//! most [`MAX_SOURCE_BYTES`] each).
//!
//! The passes: [`load`] reads and parses files and follows imports;
//! [`decl`] reads top-level declarations and [`block`] their settings,
//! validating each value where it is written; [`project`] stacks blocks in
//! precedence order ([`instance`]) for every service in every environment,
//! checks references and builds the dependency [`graph`]; [`rules`] checks
//! the result against Railway's own rules.

mod block;
mod chain;
mod decl;
mod graph;
mod instance;
mod load;
mod moved;
mod project;
mod read;
pub mod regions;
pub mod rules;
mod secrets;
mod setting;
pub mod stdlib;
pub mod suggest;
pub mod value;
mod variable;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, FileId, SourceFile, SourceFiles, Span};
use crate::model;
use crate::syntax::Document;

pub use graph::dependency_graph;
pub use load::{Input, ParseCache, read_input, read_project_input};
pub use read::{
    MAX_SOURCE_BYTES, MAX_SOURCE_SIZE, ReadError, read_source, read_source_in, read_text,
    resolve_inside,
};
pub use variable::RAILWAY_PROVIDED;
pub use variable::parse_references;

/// Everything one analysis of a project found.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Every file read: the project's, imported ones, stdlib ones.
    pub files: SourceFiles,
    /// The best model that could be built; partial when there are errors.
    pub project: model::Project,
    /// Every problem, errors and warnings, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The parsed tree of each file, indexed by `FileId` (shared with the
    /// [`ParseCache`] it was parsed through; missing for pseudo-files).
    pub documents: Vec<Arc<Document>>,
    /// With [`Keep::Names`], which keeps no instances: the names of each
    /// service's variables, in any environment (Railway's own excluded).
    /// Empty otherwise (the instances have them).
    pub variable_names: BTreeMap<String, BTreeSet<String>>,
}

/// How much of the model an analysis keeps. The instances of services in
/// environments are most of an analysis's memory (one per service per
/// environment, each holding every setting with its provenance): an editor
/// needs the diagnostics, not the instances.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Keep {
    /// Every instance of every environment (`plan`, `apply`, `config`).
    #[default]
    Everything,
    /// The diagnostics (the same as with `Everything`) and
    /// [`Analysis::variable_names`]; each environment's instances are
    /// dropped once they are checked, so that at most one environment's
    /// are in memory. Environments keep their own settings and shared
    /// variables.
    Names,
    /// Only the instance of `service` in `environment` (the other
    /// environments and instances are not built); diagnostics are
    /// incomplete. What hovering a service shows.
    Instance {
        /// The environment.
        environment: String,
        /// The service.
        service: String,
    },
}

impl Analysis {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Command-line overrides, the highest level of precedence.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--var [SERVICE.]NAME=VALUE`, in order (a later one wins).
    pub vars: Vec<VarOverride>,
}

/// One `--var` override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarOverride {
    /// The service it applies to; every service when `None`.
    pub service: Option<String>,
    /// The variable name.
    pub name: String,
    /// The value (may hold `${{…}}` references).
    pub value: String,
    /// The argument as written, for provenance.
    pub raw: String,
}

impl VarOverride {
    /// Parse `NAME=VALUE` or `SERVICE.NAME=VALUE`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let Some((target, value)) = raw.split_once('=') else {
            return Err(format!(
                "`{raw}` is not `NAME=VALUE` or `SERVICE.NAME=VALUE`"
            ));
        };
        let (service, name) = match target.split_once('.') {
            Some((s, n)) => (Some(s.to_string()), n.to_string()),
            None => (None, target.to_string()),
        };
        if !value::is_var_name(&name) {
            return Err(format!("`{name}` is not a valid variable name"));
        }
        Ok(VarOverride {
            service,
            name,
            value: value.to_string(),
            raw: raw.to_string(),
        })
    }
}

/// A location in a source file, used by every pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    pub file: FileId,
    pub span: Span,
}

/// The file being read, its syntax errors, and the diagnostics sink.
pub(crate) struct Cx<'a> {
    pub file: FileId,
    pub diags: &'a mut Vec<Diagnostic>,
    /// Spans of this file's syntax errors: where the parser dropped
    /// something, "missing" is a consequence, not a second mistake.
    pub syntax_errors: Vec<Span>,
    /// The file's text.
    pub text: std::sync::Arc<str>,
}

impl Cx<'_> {
    /// Report `d`, unless the parser already reported a syntax error at the
    /// same place: a value it could not read would only cascade.
    pub fn push(&mut self, d: Diagnostic) {
        if d.file() == Some(self.file) && self.broken(d.span()) {
            return;
        }
        self.diags.push(d);
    }

    /// Whether a syntax error lies inside `span` or later on its last line
    /// (a node's span ends before an entry the parser dropped).
    pub fn broken(&self, span: Span) -> bool {
        let end = self
            .text
            .get(span.end..)
            .and_then(|rest| rest.find('\n'))
            .map_or(self.text.len(), |i| span.end + i);
        self.syntax_errors
            .iter()
            .any(|e| e.start >= span.start && e.start <= end)
    }
}

/// Read every `*.mirage` file directly inside `dir` and resolve them as one
/// project.
pub fn load_dir(dir: &Path) -> Analysis {
    load_dir_with(dir, &Overrides::default())
}

/// [`load_dir`] with command-line overrides.
pub fn load_dir_with(dir: &Path, overrides: &Overrides) -> Analysis {
    let paths = match project_paths(dir) {
        Ok(paths) => paths,
        Err(e) => {
            return io_problem(
                dir,
                "mirage::resolve::unreadable_file",
                format!("cannot read directory `{}`: {e}", dir.display()),
            );
        }
    };
    if paths.is_empty() {
        return io_problem(
            dir,
            "mirage::resolve::no_files",
            format!("no `.mirage` files in `{}`", dir.display()),
        );
    }
    let inputs = paths
        .into_iter()
        .map(|p| load::read_project_input(dir, p))
        .collect();
    run(dir, inputs, overrides, &mut ParseCache::default())
}

/// The `*.mirage` entries directly inside `dir`, sorted: every one that is
/// not a directory. Not only regular files: a dangling link, a FIFO or a
/// device named `*.mirage` is listed so that reading it reports it (it is
/// never opened, see [`read_source_in`]).
pub fn project_paths(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "mirage") && !p.is_dir())
        .collect();
    paths.sort();
    Ok(paths)
}

fn io_problem(dir: &Path, code: &'static str, message: String) -> Analysis {
    let mut files = SourceFiles::new();
    let id = files.add(SourceFile::new(dir.to_path_buf(), ""));
    let help = if code == "mirage::resolve::no_files" {
        "create a file such as `main.mirage` with `project \"name\" { }`, or pass the project directory"
    } else {
        "check the path and its permissions"
    };
    Analysis {
        files,
        project: model::Project::default(),
        diagnostics: vec![Diagnostic::error(code, id, Span::at(0), message).with_help(help)],
        documents: Vec::new(),
        variable_names: BTreeMap::new(),
    }
}

/// Resolve a project given as in-memory texts (editor buffers, tests).
/// Paths are used for display and for resolving relative imports.
pub fn analyze(root: &Path, files: Vec<(PathBuf, String)>) -> Analysis {
    analyze_with(root, files, &Overrides::default())
}

/// [`analyze`] with command-line overrides.
pub fn analyze_with(root: &Path, files: Vec<(PathBuf, String)>, overrides: &Overrides) -> Analysis {
    let inputs = files
        .into_iter()
        .map(|(p, t)| load::Input::Text(p, t))
        .collect();
    run(root, inputs, overrides, &mut ParseCache::default())
}

/// [`analyze`] reusing the parsed trees in `cache` of files whose text did
/// not change since the last call with it (an editor re-analysing after a
/// keystroke parses one file, not the project).
pub fn analyze_cached(
    root: &Path,
    files: Vec<(PathBuf, String)>,
    cache: &mut ParseCache,
) -> Analysis {
    analyze_keeping(root, files, cache, &Keep::Everything)
}

/// [`analyze_cached`] keeping only what `keep` says of the model.
pub fn analyze_keeping(
    root: &Path,
    files: Vec<(PathBuf, String)>,
    cache: &mut ParseCache,
    keep: &Keep,
) -> Analysis {
    let inputs = files
        .into_iter()
        .map(|(p, t)| load::Input::Text(p, t))
        .collect();
    run_keeping(root, inputs, &Overrides::default(), cache, keep)
}

/// [`analyze_cached`] for texts that may have failed to read (the language
/// server reads files from disk with [`read_project_input`] and keeps the
/// result): each unreadable one is a diagnostic on its file.
pub fn analyze_inputs(
    root: &Path,
    inputs: Vec<Input>,
    cache: &mut ParseCache,
    keep: &Keep,
) -> Analysis {
    run_keeping(root, inputs, &Overrides::default(), cache, keep)
}

fn run(
    root: &Path,
    inputs: Vec<load::Input>,
    overrides: &Overrides,
    cache: &mut ParseCache,
) -> Analysis {
    run_keeping(root, inputs, overrides, cache, &Keep::Everything)
}

fn run_keeping(
    root: &Path,
    inputs: Vec<load::Input>,
    overrides: &Overrides,
    cache: &mut ParseCache,
    keep: &Keep,
) -> Analysis {
    if inputs.is_empty() {
        return io_problem(
            root,
            "mirage::resolve::no_files",
            format!("no `.mirage` files in `{}`", root.display()),
        );
    }
    let load::Loaded {
        mut files,
        documents,
        is_std,
        mut diagnostics,
    } = load::load(root, inputs, cache);
    let decls = decl::read_decls(&files, &documents, &is_std, &mut diagnostics);
    let override_vars = override_vars(&mut files, overrides, &mut diagnostics);
    // Railway's rules see each instance as it is built: the language
    // server's resolution (`Keep::Names`) does not keep them.
    let plan = decls
        .project
        .as_ref()
        .and_then(|p| p.plan.as_ref().map(|(plan, _)| *plan));
    let mut checker = rules::Checker::new(plan, &documents);
    let (project, _detached, variable_names) = project::resolve(
        &decls,
        &files,
        &override_vars,
        keep,
        &mut checker,
        &mut diagnostics,
    );
    checker.finish(&mut diagnostics);
    // The same mistake seen from several environments is one diagnostic.
    diagnostics.sort_by(|a, b| {
        (a.file(), a.span(), a.code, &a.message).cmp(&(b.file(), b.span(), b.code, &b.message))
    });
    diagnostics.dedup_by(|a, b| {
        a.file() == b.file() && a.span() == b.span() && a.code == b.code && a.message == b.message
    });
    Analysis {
        files,
        project,
        diagnostics,
        documents,
        variable_names,
    }
}

/// Overrides become assignments in a pseudo-file `<command line>`, one line
/// per `--var`, so that provenance and diagnostics point somewhere real.
fn override_vars(
    files: &mut SourceFiles,
    overrides: &Overrides,
    diags: &mut Vec<Diagnostic>,
) -> Vec<project::OverrideVar> {
    if overrides.vars.is_empty() {
        return Vec::new();
    }
    let mut text = String::new();
    let mut spans = Vec::new();
    for o in &overrides.vars {
        let start = text.len() + "--var ".len();
        text.push_str("--var ");
        text.push_str(&o.raw);
        spans.push(Span::new(start, text.len()));
        text.push('\n');
    }
    let id = files.add(SourceFile::new("<command line>", text));
    let mut out = Vec::new();
    for (o, span) in overrides.vars.iter().zip(spans) {
        let at = At { file: id, span };
        let value = if o.value.contains("${{") {
            match variable::parse_references(&o.value) {
                Ok(refs) => model::VarValue::Reference(o.value.clone(), refs),
                Err(reason) => {
                    diags.push(
                        Diagnostic::error("mirage::resolve::invalid_reference", id, span, reason)
                            .with_help("references look like `${{NAME}}`, `${{service.NAME}}` or `${{shared.NAME}}`"),
                    );
                    continue;
                }
            }
        } else {
            model::VarValue::Plain(o.value.clone())
        };
        out.push(project::OverrideVar {
            service: o.service.clone(),
            var: (
                o.name.clone(),
                block::Set {
                    val: Some(value),
                    at,
                    sealed: false,
                },
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(a: &Analysis) -> Vec<&'static str> {
        a.diagnostics.iter().map(|d| d.code).collect()
    }

    /// `Keep::Names` finds the same diagnostics without keeping instances,
    /// and `Keep::Instance` builds the one instance as `Keep::Everything`
    /// does.
    #[test]
    fn keeping_less_of_the_model_changes_no_diagnostic() {
        let root = Path::new("/p");
        let files = vec![(
            root.join("main.mirage"),
            "project \"p\"\nlayer \"base\" {\n    vars { LOG \"info\" }\n}\nenvironment \"production\" layer=\"base\" {\n    service \"api\" { vars { ONLY_PROD \"1\" } }\n}\nenvironment \"staging\"\nservice \"db\" {\n    image \"postgres:16\"\n    vars { URL \"x\" }\n}\nservice \"api\" {\n    image \"api:1\"\n    port 8080\n    vars {\n        DB \"${{db.URL}}\"\n        BAD \"${{db.NOPE}}\"\n    }\n    depends-on \"api\"\n}\n"
                .to_string(),
        )];
        let all = analyze_keeping(
            root,
            files.clone(),
            &mut ParseCache::default(),
            &Keep::Everything,
        );
        let names = analyze_keeping(
            root,
            files.clone(),
            &mut ParseCache::default(),
            &Keep::Names,
        );
        assert!(
            codes(&all).contains(&"mirage::resolve::unknown_variable"),
            "{:?}",
            codes(&all)
        );
        assert!(
            codes(&all).contains(&"mirage::resolve::dependency_cycle"),
            "{:?}",
            codes(&all)
        );
        assert_eq!(
            format!("{:?}", all.diagnostics),
            format!("{:?}", names.diagnostics)
        );
        assert!(all.variable_names.is_empty());
        assert_eq!(names.project.environments.len(), 2);
        assert!(
            names
                .project
                .environments
                .iter()
                .all(|e| e.services.is_empty())
        );
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            names.variable_names.get("api"),
            Some(&set(&["BAD", "DB", "LOG", "ONLY_PROD"]))
        );
        assert_eq!(names.variable_names.get("db"), Some(&set(&["LOG", "URL"])));

        let keep = Keep::Instance {
            environment: "production".into(),
            service: "api".into(),
        };
        let one = analyze_keeping(root, files, &mut ParseCache::default(), &keep);
        assert_eq!(one.project.environments.len(), 1);
        let env = &one.project.environments[0];
        assert_eq!(env.services.len(), 1);
        let full = all
            .project
            .environment("production")
            .and_then(|e| e.service("api"));
        assert_eq!(format!("{:?}", full), format!("{:?}", env.service("api")));
    }

    #[test]
    fn empty_directory_is_no_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(codes(&load_dir(dir.path())), ["mirage::resolve::no_files"]);
        assert_eq!(
            codes(&analyze(dir.path(), Vec::new())),
            ["mirage::resolve::no_files"]
        );
    }

    #[test]
    fn missing_directory_is_unreadable() {
        let a = load_dir(Path::new("/nonexistent/mirage/project"));
        assert_eq!(codes(&a), ["mirage::resolve::unreadable_file"]);
        assert!(
            a.diagnostics[0]
                .message
                .contains("/nonexistent/mirage/project")
        );
    }

    #[cfg(unix)]
    #[test]
    fn dangling_symlink_is_unreadable_with_its_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.mirage"), "project \"shop\"\n").expect("write");
        std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("broken.mirage"))
            .expect("symlink");
        let a = load_dir(dir.path());
        assert_eq!(codes(&a), ["mirage::resolve::unreadable_file"]);
        assert!(
            a.diagnostics[0].message.contains("broken.mirage"),
            "{}",
            a.diagnostics[0].message
        );
    }

    #[test]
    fn in_memory_files_import_each_other_and_stdlib() {
        let root = Path::new("/project");
        let a = analyze(
            root,
            vec![
                (root.join("main.mirage"), "project \"p\"\nimport \"./lib/web.mirage\"\nimport \"std/postgres\"\nservice \"db\" from=\"std/postgres\"\nservice \"api\" from=\"web\" {\n    repo \"a/b\"\n    vars {\n        DB \"${{db.DATABASE_URL}}\"\n    }\n}\nenvironment \"production\"\n".into()),
                (root.join("lib/web.mirage"), "template \"web\" {\n    port 3000\n}\n".into()),
            ],
        );
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
        let env = a.project.environment("production").expect("production");
        let api = env.service("api").expect("api");
        assert_eq!(api.port.as_ref().map(|p| p.value), Some(3000));
        assert_eq!(api.dependencies.len(), 1);
        assert!(
            env.service("db").expect("db").variables["POSTGRES_PASSWORD"]
                .value
                .is_sensitive()
        );
    }

    #[test]
    fn parse_cache_reparses_only_changed_files_and_gives_the_same_answer() {
        let root = Path::new("/project");
        let a = (
            root.join("a.mirage"),
            "project \"p\"\nservice \"api\" {\n    image \"nginx:1\"\n}\nenvironment \"production\"\n"
                .to_string(),
        );
        let b = (
            root.join("b.mirage"),
            "service \"web\" {\n    image \"nginx:1\"\n".to_string(),
        );
        let mut cache = ParseCache::default();
        let first = analyze_cached(root, vec![a.clone(), b.clone()], &mut cache);
        // b's syntax error, at b's id.
        let b_id = first.files.find(&b.0).expect("b");
        assert!(
            first
                .diagnostics
                .iter()
                .any(|d| d.code.starts_with("mirage::syntax::") && d.file() == Some(b_id))
        );

        // A file that sorts first shifts every id; b is not re-parsed, and
        // its cached syntax error follows it to its new id.
        let z = (
            root.join("0.mirage"),
            "service \"db\" {\n    image \"postgres:16\"\n}\n".to_string(),
        );
        let second = analyze_cached(root, vec![z.clone(), a.clone(), b.clone()], &mut cache);
        let (a1, a2) = (
            first.files.find(&a.0).expect("a"),
            second.files.find(&a.0).expect("a"),
        );
        assert!(Arc::ptr_eq(
            &first.documents[a1.0 as usize],
            &second.documents[a2.0 as usize]
        ));
        let uncached = analyze(root, vec![z, a.clone(), b.clone()]);
        assert_eq!(second.diagnostics, uncached.diagnostics);
        assert_eq!(
            format!("{:?}", second.project),
            format!("{:?}", uncached.project)
        );

        // A changed text is parsed again.
        let fixed = (b.0.clone(), format!("{}}}\n", b.1));
        let third = analyze_cached(root, vec![a, fixed], &mut cache);
        assert!(third.diagnostics.is_empty(), "{:?}", third.diagnostics);
    }

    #[test]
    fn imports_must_name_mirage_files_inside_the_project() {
        let root = Path::new("/project");
        let cases = [
            ("/etc/passwd", "mirage::resolve::outside_project"),
            ("/project/lib/x.mirage", "mirage::resolve::outside_project"),
            ("../../../etc/passwd", "mirage::resolve::outside_project"),
            ("../other/common.mirage", "mirage::resolve::outside_project"),
            ("./lib/../../x.mirage", "mirage::resolve::outside_project"),
            ("./notes.txt", "mirage::resolve::not_a_mirage_file"),
            ("./lib", "mirage::resolve::not_a_mirage_file"),
        ];
        for (target, code) in cases {
            let text = format!("project \"p\"\nimport \"{target}\"\nenvironment \"production\"\n");
            let a = analyze(root, vec![(root.join("main.mirage"), text.clone())]);
            assert_eq!(codes(&a), [code], "{target}");
            let d = &a.diagnostics[0];
            // Located at the import's string.
            let start = text.find(target).expect("target") - 1;
            assert_eq!(
                d.span(),
                Span::new(start, start + target.len() + 2),
                "{target}"
            );
            assert!(d.help.is_some(), "{target}");
            assert_eq!(a.files.len(), 1, "{target}: nothing else was loaded");
        }
        // `..` that stays inside the project is fine.
        let a = analyze(
            root,
            vec![
                (root.join("lib/a.mirage"), "import \"../b.mirage\"\n".into()),
                (
                    root.join("b.mirage"),
                    "project \"p\"\nenvironment \"production\"\n".into(),
                ),
            ],
        );
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    }

    #[test]
    fn overrides_parse() {
        assert_eq!(
            VarOverride::parse("api.LOG=debug=1"),
            Ok(VarOverride {
                service: Some("api".into()),
                name: "LOG".into(),
                value: "debug=1".into(),
                raw: "api.LOG=debug=1".into()
            })
        );
        assert!(VarOverride::parse("NOEQUALS").is_err());
        assert!(VarOverride::parse("api.BAD-NAME=1").is_err());
    }

    #[test]
    fn every_stdlib_module_resolves_cleanly() {
        for name in stdlib::names() {
            let text = format!(
                "project \"p\"\nimport \"std/{name}\"\nservice \"s\" from=\"std/{name}\" {{\n    repo \"acme/app\"\n}}\nenvironment \"production\"\n"
            );
            let a = analyze(
                Path::new("/p"),
                vec![(PathBuf::from("/p/main.mirage"), text)],
            );
            assert!(a.diagnostics.is_empty(), "std/{name}: {:?}", a.diagnostics);
        }
    }
}
