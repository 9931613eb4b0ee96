//! Attach Dockerfiles to packages and turn everything into [`Service`]s: a
//! Dockerfile belongs to the deepest package whose directory holds it; one
//! outside every package is a service of its own, named after its file
//! (`api.Dockerfile`, `Dockerfile.worker`) or its directory.

use std::collections::BTreeSet;
use std::path::Path;

use super::dockerfile::{Command, Healthcheck, parse_dockerfile};
use super::reader::Reader;
use super::walk::{Tree, is_dockerfile};
use super::{Build, Kind, Package, Service, service_name};
use crate::diagnostic::Diagnostic;

/// A parsed Dockerfile's contribution to a service.
struct Docker {
    dir: String,
    file: String,
    build: Build,
    ports: Vec<super::Port>,
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
        });
    }
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
        let (build, ports, kind) = match docker {
            Some(d) => (d.build, d.ports, Kind::App),
            None => (p.build.clone(), Vec::new(), p.kind),
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
        });
    }
    for (docker, owner) in extra {
        let stem = dockerfile_stem(&docker.file);
        let (name, deps, source) = match owner {
            Some(i) => {
                let p = &packages[i];
                let suffix = stem.unwrap_or_else(|| service_name(&docker.dir));
                (
                    format!("{}-{suffix}", service_name(&p.name)),
                    p.dependencies.clone(),
                    p.source.clone(),
                )
            }
            None => {
                let base = stem.unwrap_or_else(|| match docker.dir.rsplit('/').next() {
                    Some(d) if !d.is_empty() => d.to_string(),
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

/// `api.Dockerfile` → `api`, `Dockerfile.worker` → `worker`, `Dockerfile` → none.
fn dockerfile_stem(file: &str) -> Option<String> {
    let lower = file.to_ascii_lowercase();
    for suffix in [".dockerfile", ".containerfile"] {
        if lower.ends_with(suffix) {
            return Some(file[..file.len() - suffix.len()].to_string());
        }
    }
    for prefix in ["dockerfile.", "containerfile."] {
        if lower.starts_with(prefix) {
            return Some(file[prefix.len()..].to_string());
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
