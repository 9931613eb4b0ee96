//! Discovery: the deployable services of a repository — workspace packages
//! (npm, Yarn, pnpm, Bun, turborepo, Nx, Lerna, Rush, Cargo, Go) and
//! Dockerfiles — with how each builds, the ports it exposes and its internal
//! dependencies. `mirage discover` prints it; `mirage init` writes `.mirage`
//! files from it.
//!
//! One pass over the tree ([`walk`]) collects manifests and Dockerfiles while
//! honouring `.gitignore`; each ecosystem module turns manifests into
//! packages with resolved internal dependencies; Dockerfiles are then
//! attached to the package whose directory holds them, or become services of
//! their own.

mod assemble;
mod cargo;
pub mod dockerfile;
pub mod env;
mod glob;
mod gowork;
pub mod image;
pub mod image_check;
mod jsonc;
mod node;
mod nx;
mod reader;
pub mod registry;
pub mod render;
pub mod scaffold;
mod walk;
mod yaml;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diagnostic::{Diagnostic, SourceFiles};
pub use dockerfile::{Command, Port, Protocol};

/// Everything discovery found in a repository.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// The directory that was searched.
    pub root: PathBuf,
    /// The workspace tools recognised (`pnpm`, `turborepo`, `nx`, `cargo`, …).
    pub tools: Vec<String>,
    /// The services, sorted by path then name.
    pub services: Vec<Service>,
    /// Every manifest and Dockerfile read, for rendering diagnostics.
    pub files: SourceFiles,
    /// Problems in those files (malformed JSON, duplicate names, …).
    pub diagnostics: Vec<Diagnostic>,
    /// `.env.example`-style files (relative paths, sorted), which `init`
    /// reads for variables; see [`env`].
    pub env_files: Vec<String>,
}

impl Discovery {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The service called `name`.
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }
}

/// One deployable unit: a workspace package or a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    /// The name its tool knows it by (`@acme/api`, an Nx project name, a
    /// crate name, a Go module path, or a Dockerfile-derived name).
    pub name: String,
    /// A Railway service name derived from it (`api`).
    pub service: String,
    /// Directory relative to the root, `/`-separated; `.` for the root.
    pub path: String,
    /// App (runs) or library (is depended on).
    pub kind: Kind,
    /// The tool that defines it (`pnpm`, `nx`, `rush`, `cargo`, `go`, `dockerfile`, …).
    pub source: String,
    /// How it would build.
    pub build: Build,
    /// Ports its Dockerfile exposes.
    pub ports: Vec<Port>,
    /// Names of the services it depends on, sorted.
    pub dependencies: Vec<String>,
    /// Other Dockerfiles of the same service (`Dockerfile.debug` beside
    /// its `Dockerfile`): offered, never built by default. Left out of the
    /// JSON when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
}

/// A `Dockerfile.<variant>` beside a service's Dockerfile: another way to
/// build the same service (`debug`, `dev`, `prod`), not another service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variant {
    /// The variant's name: `debug` for `Dockerfile.debug`.
    pub name: String,
    /// The Dockerfile's path relative to the root.
    pub dockerfile: String,
}

/// Whether a service runs or is only depended on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Something to deploy.
    App,
    /// A library.
    Library,
}

/// How a service builds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "with")]
pub enum Build {
    /// With a Dockerfile; metadata from its final stage.
    Dockerfile {
        /// Path relative to the root.
        path: String,
        /// The final stage's base image (or earlier stage).
        base: Option<String>,
        /// The final stage's name, if it has one.
        stage: Option<String>,
        /// `ENTRYPOINT` and `CMD` of the final stage, as one command line.
        start: Option<String>,
        /// Whether the final stage has a `HEALTHCHECK CMD`.
        healthcheck: bool,
    },
    /// With a JavaScript package manager (Railpack/Nixpacks detect it).
    Package {
        /// `npm`, `pnpm`, `yarn`, `yarn-berry`, `bun`, or `rush`.
        manager: String,
        /// The `start` script, if any.
        start: Option<String>,
    },
    /// With Cargo.
    Cargo,
    /// With the Go toolchain.
    Go,
}

/// Why discovery could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The root is not a readable directory.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The root.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
}

/// Discover the services of the repository at `root`.
pub fn discover(root: &Path) -> Result<Discovery, Error> {
    let tree = walk::walk(root).map_err(|source| Error::Read {
        path: root.to_path_buf(),
        source,
    })?;
    let mut reader = reader::Reader::new(root);
    let mut packages = Vec::new();
    let mut tools = Vec::new();
    node::discover_node(&tree, &mut reader, &mut packages, &mut tools);
    cargo::discover_cargo(root, &tree, &mut reader, &mut packages, &mut tools);
    gowork::discover_go(&tree, &mut reader, &mut packages, &mut tools);
    let services = assemble::assemble(root, &tree, &mut reader, packages, &mut tools);
    let env_files = tree
        .files(|n| env::EXAMPLE_FILES.contains(&n))
        .map(|(dir, name)| {
            if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            }
        })
        .collect();
    let (files, mut diagnostics) = reader.finish();
    diagnostics.sort_by_key(|d| (d.file(), d.span().start));
    Ok(Discovery {
        root: root.to_path_buf(),
        tools,
        services,
        files,
        diagnostics,
        env_files,
    })
}

/// A package found by an ecosystem module, before Dockerfiles are attached.
#[derive(Debug, Clone)]
struct Package {
    name: String,
    dir: String,
    source: String,
    kind: Kind,
    build: Build,
    dependencies: Vec<String>,
}

/// A Railway-friendly service name: the last part of a scoped npm name or a
/// module path, lowercased, other characters replaced by `-`.
pub fn service_name(name: &str) -> String {
    let mut parts = name.split('/').filter(|s| !s.is_empty()).rev();
    let mut base = parts.next().unwrap_or(name);
    // Go's major-version suffix (`example.com/api/v2`) is not the name.
    if base.len() >= 2 && base.starts_with('v') && base[1..].bytes().all(|b| b.is_ascii_digit()) {
        base = parts.next().unwrap_or(base);
    }
    let mut out = String::new();
    for c in base.trim_start_matches('@').chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "service".into()
    } else {
        out
    }
}
