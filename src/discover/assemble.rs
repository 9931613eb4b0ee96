//! Attach Dockerfiles to packages and turn everything into [`Service`]s: a
//! Dockerfile belongs to the deepest package whose directory holds it; one
//! outside every package is a service of its own, named after its file
//! (`api.Dockerfile`) or its meaningful directory (`src/cartservice/src/`
//! → `cartservice`: generic names such as `src`, `docker` or `deploy` are
//! skipped walking up). A `Dockerfile.<variant>` beside a service's
//! Dockerfile is a variant of that service, not a service of its own.

use std::collections::BTreeSet;
use std::path::Path;

use super::dockerfile::{Command, Healthcheck, parse_dockerfile};
use super::reader::Reader;
use super::walk::{Tree, is_dockerfile};
use super::{Build, Kind, Package, Service, Variant, service_name};
use crate::diagnostic::Diagnostic;

/// A parsed Dockerfile's contribution to a service.
struct Docker {
    dir: String,
    file: String,
    build: Build,
    ports: Vec<super::Port>,
    /// Other Dockerfiles of the same directory that are variants of this one.
    variants: Vec<Variant>,
}

/// Directory names that say where a Dockerfile sits, not what it builds:
/// a service is named after the nearest directory above them.
const GENERIC_DIRS: &[&str] = &[
    "src",
    "source",
    "app",
    "docker",
    "dockerfiles",
    "build",
    "deploy",
    "deployment",
    "deployments",
    "container",
    "containers",
    "image",
    "images",
    "ci",
    "infra",
    "ops",
    "dist",
    "cmd",
];

fn is_generic(component: &str) -> bool {
    let name = component.trim_start_matches('.').to_ascii_lowercase();
    GENERIC_DIRS.contains(&name.as_str())
}

/// The last component of `dir` (below `base`) that is not generic.
fn meaningful_dir<'a>(dir: &'a str, base: &str) -> Option<&'a str> {
    let below = if base.is_empty() {
        dir
    } else {
        dir.strip_prefix(base)?.trim_start_matches('/')
    };
    below
        .split('/')
        .rev()
        .find(|c| !c.is_empty() && !is_generic(c))
}

/// `Dockerfile.debug` → `debug`, `Containerfile.dev` → `dev`; `None` for
/// `Dockerfile` and `api.Dockerfile` (a named service, not a variant).
fn variant_of(file: &str) -> Option<&str> {
    let lower = file.to_ascii_lowercase();
    ["dockerfile.", "containerfile."]
        .iter()
        .find(|prefix| lower.starts_with(*prefix))
        .map(|prefix| &file[prefix.len()..])
        .filter(|variant| !variant.is_empty())
}

/// Variants for development rather than deployment, chosen last when a
/// directory has only variants.
const DEV_VARIANTS: &[&str] = &["debug", "dev", "development", "local", "test", "ci"];

/// Group each directory's Dockerfiles: a `Dockerfile.<variant>` joins the
/// directory's `Dockerfile` (or, without one, the first deployable
/// variant) instead of being a service of its own.
fn group_variants(dockers: Vec<Docker>) -> Vec<Docker> {
    let mut out: Vec<Docker> = Vec::new();
    let mut variants: Vec<Docker> = Vec::new();
    for docker in dockers {
        if variant_of(&docker.file).is_some() {
            variants.push(docker);
        } else {
            out.push(docker);
        }
    }
    variants.sort_by_key(|d| {
        let name = variant_of(&d.file).unwrap_or_default().to_ascii_lowercase();
        (d.dir.clone(), DEV_VARIANTS.contains(&name.as_str()), name)
    });
    for docker in variants {
        let main = out.iter_mut().position(|m| {
            m.dir == docker.dir
                && variant_of(&m.file).is_none()
                && dockerfile_stem(&m.file).is_none()
        });
        let main = main.or_else(|| {
            out.iter()
                .position(|m| m.dir == docker.dir && variant_of(&m.file).is_some())
        });
        match main {
            Some(i) => {
                let Build::Dockerfile { path, .. } = &docker.build else {
                    continue;
                };
                out[i].variants.push(Variant {
                    name: variant_of(&docker.file).unwrap_or_default().to_string(),
                    dockerfile: path.clone(),
                });
            }
            None => out.push(docker),
        }
    }
    out
}

pub(super) fn assemble(
    root: &Path,
    tree: &Tree,
    reader: &mut Reader,
    packages: Vec<Package>,
    tools: &mut Vec<String>,
) -> Vec<Service> {
    let dockerfiles: Vec<(String, String)> = tree
        .files(is_dockerfile)
        .map(|(d, n)| (d.to_string(), n.to_string()))
        .collect();
    let mut dockers = Vec::new();
    for (dir, name) in dockerfiles {
        let rel = if dir.is_empty() {
            name.clone()
        } else {
            format!("{dir}/{name}")
        };
        let Some((id, text)) = reader.read(&rel) else {
            continue;
        };
        let (parsed, diagnostics) = parse_dockerfile(id, &text);
        for d in diagnostics {
            reader.report(d);
        }
        let stage = parsed.final_stage();
        let start = stage.and_then(|s| start_command(s.entrypoint.as_ref(), s.cmd.as_ref()));
        dockers.push(Docker {
            dir,
            file: name,
            build: Build::Dockerfile {
                path: rel,
                base: stage.map(|s| s.base.clone()),
                stage: stage.and_then(|s| s.name.clone()),
                start,
                healthcheck: matches!(
                    stage.and_then(|s| s.healthcheck.as_ref()),
                    Some(Healthcheck::Cmd { .. })
                ),
            },
            ports: stage.map(|s| s.ports.clone()).unwrap_or_default(),
            variants: Vec::new(),
        });
    }
    let dockers = group_variants(dockers);
    if !dockers.is_empty() && packages.is_empty() {
        tools.push("dockerfile".into());
    }
    let mut services: Vec<Service> = Vec::new();
    let mut extra: Vec<(Docker, Option<usize>)> = Vec::new();
    let mut owned: Vec<Option<Docker>> = packages.iter().map(|_| None).collect();
    for docker in dockers {
        let owner = packages
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.dir.is_empty() && packages.len() == 1
                    || !p.dir.is_empty()
                        && (docker.dir == p.dir || docker.dir.starts_with(&format!("{}/", p.dir)))
            })
            .max_by_key(|(_, p)| p.dir.len())
            .map(|(i, _)| i);
        match owner {
            // The package's own `Dockerfile` wins; others become extra services.
            Some(i)
                if owned[i].is_none()
                    || (docker.file == "Dockerfile" && docker.dir == packages[i].dir) =>
            {
                if let Some(previous) = owned[i].replace(docker) {
                    extra.push((previous, Some(i)));
                }
            }
            other => extra.push((docker, other)),
        }
    }
    for (p, docker) in packages.iter().zip(owned) {
        let (build, ports, kind, variants) = match docker {
            Some(d) => (d.build, d.ports, Kind::App, d.variants),
            None => (p.build.clone(), Vec::new(), p.kind, Vec::new()),
        };
        services.push(Service {
            name: p.name.clone(),
            service: service_name(&p.name),
            path: display_dir(&p.dir),
            kind,
            source: p.source.clone(),
            build,
            ports,
            dependencies: p.dependencies.clone(),
            variants,
        });
    }
    for (docker, owner) in extra {
        let stem = dockerfile_stem(&docker.file);
        let (name, deps, source) = match owner {
            Some(i) => {
                let p = &packages[i];
                let suffix = stem.unwrap_or_else(|| {
                    service_name(meaningful_dir(&docker.dir, &p.dir).unwrap_or(&docker.dir))
                });
                (
                    format!("{}-{suffix}", service_name(&p.name)),
                    p.dependencies.clone(),
                    p.source.clone(),
                )
            }
            None => {
                let base = stem.unwrap_or_else(|| match meaningful_dir(&docker.dir, "") {
                    Some(d) => d.to_string(),
                    _ => root
                        .canonicalize()
                        .ok()
                        .and_then(|r| r.file_name().map(|n| n.to_string_lossy().into_owned()))
                        .unwrap_or_else(|| "app".into()),
                });
                (service_name(&base), Vec::new(), "dockerfile".to_string())
            }
        };
        services.push(Service {
            service: service_name(&name),
            name,
            path: display_dir(&docker.dir),
            kind: Kind::App,
            source,
            build: docker.build,
            ports: docker.ports,
            dependencies: deps,
            variants: docker.variants,
        });
    }
    disambiguate(&mut services, reader);
    services.sort_by(|a, b| (&a.path, &a.name).cmp(&(&b.path, &b.name)));
    services
}

/// Two Dockerfile-derived services with the same name get their directory as
/// a prefix; Railway service names must be unique in a project.
fn disambiguate(services: &mut [Service], reader: &mut Reader) {
    let mut seen = BTreeSet::new();
    for entry in services.iter_mut() {
        if seen.insert(entry.service.clone()) {
            continue;
        }
        let prefix = entry.path.replace('/', "-");
        let candidate = service_name(&format!("{prefix}-{}", entry.service));
        if seen.insert(candidate.clone()) {
            if entry.source == "dockerfile" {
                entry.name = candidate.clone();
            }
            entry.service = candidate;
        } else if let Build::Dockerfile { path, .. } = &entry.build
            && let Some((id, _)) = reader.read(path)
        {
            reader.report(Diagnostic::warning(
                "mirage::discover::duplicate_service",
                id,
                crate::diagnostic::Span::at(0),
                format!("another service is already called `{}`", entry.service),
            ));
        }
    }
}

fn display_dir(dir: &str) -> String {
    if dir.is_empty() {
        ".".into()
    } else {
        dir.to_string()
    }
}

/// `api.Dockerfile` → `api`; `Dockerfile` → none. (`Dockerfile.worker` is
/// a variant: it reaches here only when its directory has nothing else,
/// and is then named after the directory.)
fn dockerfile_stem(file: &str) -> Option<String> {
    let lower = file.to_ascii_lowercase();
    for suffix in [".dockerfile", ".containerfile"] {
        if lower.ends_with(suffix) {
            return Some(file[..file.len() - suffix.len()].to_string());
        }
    }
    None
}

/// `ENTRYPOINT` then `CMD`, as one shell-like line.
fn start_command(entrypoint: Option<&Command>, cmd: Option<&Command>) -> Option<String> {
    let render = |c: &Command| match c {
        Command::Exec(words) => words
            .iter()
            .map(|w| {
                if w.contains(' ') {
                    format!("\"{w}\"")
                } else {
                    w.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        Command::Shell(s) => s.clone(),
    };
    match (entrypoint, cmd) {
        (None, None) => None,
        (Some(e), None) => Some(render(e)),
        (None, Some(c)) => Some(render(c)),
        (Some(e), Some(c)) => Some(format!("{} {}", render(e), render(c))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_named_after_their_meaningful_directory() {
        assert_eq!(
            meaningful_dir("src/cartservice/src", ""),
            Some("cartservice")
        );
        assert_eq!(meaningful_dir("services/auth", ""), Some("auth"));
        assert_eq!(meaningful_dir(".docker/cron", ""), Some("cron"));
        assert_eq!(meaningful_dir("deploy/docker", ""), None);
        assert_eq!(
            meaningful_dir("apps/api/docker/worker", "apps/api"),
            Some("worker")
        );
        assert_eq!(meaningful_dir("apps/api/docker", "apps/api"), None);
    }

    #[test]
    fn dockerfile_variants() {
        assert_eq!(variant_of("Dockerfile.debug"), Some("debug"));
        assert_eq!(variant_of("containerfile.Prod"), Some("Prod"));
        assert_eq!(variant_of("Dockerfile"), None);
        assert_eq!(variant_of("Dockerfile."), None);
        assert_eq!(variant_of("api.Dockerfile"), None);
        assert_eq!(dockerfile_stem("api.Dockerfile").as_deref(), Some("api"));
        assert_eq!(dockerfile_stem("Dockerfile.worker"), None);
    }
}
