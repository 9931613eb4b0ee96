//! Names and paths a request gives — a project directory, environments,
//! `ENV/SERVICE` targets — checked the same way for every front end: one
//! that names nothing is a usage error with a "did you mean", never a silent
//! empty result.

use std::collections::BTreeSet;
use std::path::Path;

use super::Failure;
use crate::diagnostic::Diagnostic;
use crate::model::{Environment, Project, ServiceInstance};
use crate::resolve::suggest::did_you_mean;

/// A usage error with its help line.
fn usage(code: &'static str, message: String, help: impl Into<String>) -> Failure {
    Failure::usage(Diagnostic::general(code, message).with_help(help))
}

/// `dir` must be an existing directory.
pub fn directory(dir: &Path) -> Result<(), Failure> {
    let help = "pass the directory that holds the project's `.mirage` files";
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(usage(
            "mirage::cli::not_a_directory",
            format!("`{}` is not a directory", dir.display()),
            help,
        )),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(usage(
            "mirage::cli::no_such_directory",
            format!("directory `{}` does not exist", dir.display()),
            help,
        )),
        Err(error) => Err(Failure::usage(Diagnostic::general(
            "mirage::cli::unreadable_directory",
            format!("cannot read `{}`: {error}", dir.display()),
        ))),
    }
}

/// `names` as "`a`, `b`".
pub fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The environment called `name`, or a usage error with a suggestion.
pub fn environment<'p>(project: &'p Project, name: &str) -> Result<&'p Environment, Failure> {
    if let Some(env) = project.environment(name) {
        return Ok(env);
    }
    let names = || project.environments.iter().map(|e| e.name.as_str());
    let help = did_you_mean(name, names(), || {
        if project.environments.is_empty() {
            "the project declares no environment; add `environment \"production\"`".into()
        } else {
            format!("environments: {}", list(names()))
        }
    });
    Err(usage(
        "mirage::cli::unknown_environment",
        format!("unknown environment `{name}`"),
        help,
    ))
}

/// The service instance called `name` in `env`, or a usage error with a
/// suggestion.
pub fn service<'e>(env: &'e Environment, name: &str) -> Result<&'e ServiceInstance, Failure> {
    if let Some(service) = env.service(name) {
        return Ok(service);
    }
    let names = || env.services.iter().map(|s| s.name.as_str());
    let help = did_you_mean(name, names(), || {
        if env.services.is_empty() {
            format!("environment `{}` has no service", env.name)
        } else {
            format!("services in `{}`: {}", env.name, list(names()))
        }
    });
    Err(usage(
        "mirage::cli::unknown_service",
        format!("unknown service `{name}` in environment `{}`", env.name),
        help,
    ))
}

/// Every name in `names` is an environment of the project that plans
/// apply: a template for previews is refused (it is never applied as
/// itself; `mirage preview` makes and removes its previews).
pub fn environments(project: &Project, names: &[String]) -> Result<(), Failure> {
    for name in names {
        let env = environment(project, name)?;
        if env.is_template() {
            let example = env
                .preview
                .as_ref()
                .map_or_else(|| format!("{name}-123"), |p| p.environment_name(name, 123));
            return Err(usage(
                "mirage::cli::template_environment",
                format!("`{name}` is a template for previews, never applied as an environment"),
                format!(
                    "previews are made with `mirage preview up --pr N` (pull request 123's is `{example}`) and removed with `mirage preview down --pr N`; `mirage config --env {name}` shows what they get"
                ),
            ));
        }
    }
    Ok(())
}

/// `ENV/SERVICE` targets, each naming a service instance of the project —
/// declared in the files, or Mirage's on Railway (`owned`: a service
/// removed from the files is still a target, to remove it alone):
/// `(environment, service)` pairs.
pub fn targets(
    project: &Project,
    targets: &[String],
    owned: &BTreeSet<(String, String)>,
) -> Result<Vec<(String, String)>, Failure> {
    let mut out = Vec::new();
    for target in targets {
        let Some((env, service)) = target.split_once('/') else {
            return Err(usage(
                "mirage::cli::bad_target",
                format!("`{target}` is not a target"),
                "write `--target ENV/SERVICE`, e.g. `--target production/api`",
            ));
        };
        let environment = environment(project, env)?;
        if environment.service(service).is_none()
            && !owned.contains(&(env.to_owned(), service.to_owned()))
        {
            let mut names: Vec<&str> = environment
                .services
                .iter()
                .map(|s| s.name.as_str())
                .chain(
                    owned
                        .iter()
                        .filter(|(e, _)| e == env)
                        .map(|(_, s)| s.as_str()),
                )
                .collect();
            names.sort_unstable();
            names.dedup();
            let help = did_you_mean(service, names.iter().copied(), || {
                if names.is_empty() {
                    format!("environment `{env}` has no service")
                } else {
                    format!("services in `{env}`: {}", list(names.iter().copied()))
                }
            });
            return Err(usage(
                "mirage::cli::unknown_service",
                format!("unknown service `{service}` in environment `{env}`"),
                help,
            ));
        }
        out.push((env.to_owned(), service.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_refused_and_points_at_preview_up() {
        let analysis = crate::resolve::analyze(
            std::path::Path::new("/p"),
            vec![(
                "/p/main.mirage".into(),
                "project \"p\"\nservice \"api\" {\n    image \"nginx:1\"\n}\nenvironment \"staging\"\nenvironment \"pr\" ephemeral=#true {\n    preview name=\"preview-{number}\"\n}\n".into(),
            )],
        );
        assert!(
            analysis.diagnostics.is_empty(),
            "{:?}",
            analysis.diagnostics
        );
        let project = &analysis.project;
        assert!(environments(project, &["staging".into()]).is_ok());
        let Err(failure) = environments(project, &["staging".into(), "pr".into()]) else {
            panic!("a template is refused");
        };
        let text = format!("{failure:?}");
        assert!(text.contains("mirage::cli::template_environment"), "{text}");
        assert!(text.contains("mirage preview up --pr N"), "{text}");
        assert!(text.contains("preview-123"), "{text}");
        // `config` and `graph` still find it.
        assert!(environment(project, "pr").is_ok());
    }

    #[test]
    fn lists_quote_each_name() {
        assert_eq!(list(["a", "b"].into_iter()), "`a`, `b`");
        assert_eq!(list(std::iter::empty()), "");
    }
}
