//! Pull-request previews in the model: an ephemeral environment is a
//! *template*, never applied as itself; [`Project::preview`] makes the
//! concrete environment one pull request gets from it (`pr-123`).
//!
//! This is pure data: creating, updating and expiring previews on Railway
//! is the `preview` room's; the language's syntax for the template is the
//! resolver's.

use super::{Environment, Project, Source, Valued};
use crate::resolve::value::expand_domain;

/// The name pattern of previews when the template gives none:
/// `{template}-{number}`, so template `pr` makes `pr-123`.
pub const DEFAULT_NAME_PATTERN: &str = "{template}-{number}";

/// What an ephemeral environment says about the previews made from it.
/// Mirage-only concept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewSettings {
    /// The name of each preview, with `{template}` and `{number}`
    /// placeholders ([`DEFAULT_NAME_PATTERN`] by default).
    pub name_pattern: String,
    /// How many previews of this template may be live at once; `gc`
    /// evicts the oldest beyond it. `None`: no limit.
    pub max_live: Option<u32>,
    /// The environment a preview is copied from on Railway
    /// (`environmentCreate(sourceEnvironmentId:)`); `None`: built from the
    /// files alone.
    pub source: Option<String>,
    /// The services a preview gets; `None`: every service of the template.
    pub services: Option<Vec<String>>,
    /// Whether draft pull requests get a preview.
    pub drafts: bool,
}

impl Default for PreviewSettings {
    fn default() -> Self {
        PreviewSettings {
            name_pattern: DEFAULT_NAME_PATTERN.to_owned(),
            max_live: None,
            source: None,
            services: None,
            drafts: false,
        }
    }
}

impl PreviewSettings {
    /// The name of the preview of pull request `number` made from
    /// template `template`.
    pub fn environment_name(&self, template: &str, number: u64) -> String {
        self.name_pattern
            .replace("{template}", template)
            .replace("{number}", &number.to_string())
    }
}

/// The pull request a preview is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// Its head branch: what repo services in the preview deploy.
    pub branch: String,
    /// The head commit, when known.
    pub sha: Option<String>,
    /// The repository (`owner/name`) the pull request is in: only services
    /// built from it follow its branch. `None`: every repo service does.
    pub repo: Option<String>,
}

impl Environment {
    /// Whether this environment is a template for previews.
    pub fn is_template(&self) -> bool {
        self.ephemeral.as_ref().is_some_and(|e| e.value)
    }
}

impl Project {
    /// The environments that are templates for previews, in source order.
    pub fn templates(&self) -> impl Iterator<Item = &Environment> {
        self.environments.iter().filter(|e| e.is_template())
    }

    /// The project as one pull request's preview sees it: only the
    /// preview environment, named by the template's pattern, with the
    /// template's settings; repo services (of the pull request's
    /// repository) follow its head branch, and `{environment}` in custom
    /// domains becomes the preview's name. `None` if `template` is not a
    /// template of this project.
    pub fn preview(&self, template: &str, pr: &PullRequest) -> Option<Project> {
        let source = self
            .environments
            .iter()
            .find(|e| e.name == template && e.is_template())?;
        let settings = source.preview.clone().unwrap_or_default();
        let name = settings.environment_name(template, pr.number);
        let mut env = source.clone();
        env.name.clone_from(&name);
        env.ephemeral = None;
        if let Some(keep) = &settings.services {
            env.services.retain(|s| keep.contains(&s.name));
        }
        for service in &mut env.services {
            let origin = match service.source.as_ref() {
                Some(Valued {
                    value: Source::Repo(repo),
                    origin,
                }) if pr.repo.as_ref().is_none_or(|r| r == repo) => Some(
                    service
                        .branch
                        .as_ref()
                        .map_or_else(|| origin.clone(), |b| b.origin.clone()),
                ),
                _ => None,
            };
            if let Some(origin) = origin {
                service.branch = Some(Valued {
                    value: pr.branch.clone(),
                    origin,
                });
            }
            if let Some(domains) = &mut service.networking.custom_domains {
                for domain in &mut domains.value {
                    domain.domain = expand_domain(&domain.domain, &name);
                }
            }
        }
        let mut project = self.clone();
        project.environments = vec![env];
        Some(project)
    }
}
