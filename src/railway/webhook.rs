//! Railway's project webhooks, parsed into one typed event: the current
//! `Deployment.*` shape (`type`, `details`, `resource{project, environment,
//! service, deployment}`, `severity`, `timestamp`) and the older `DEPLOY`
//! shape (`project`, `environment`, `deployment` at the top level).
//! Examples: `../shared/fixtures/railway-webhooks/` (see
//! `WEBHOOK-SOURCES.md` there); the assumptions are in
//! `docs/railway-assumptions.md`.
//!
//! Railway signs nothing: whoever knows the URL can send one. Nothing
//! here is trusted beyond "a deployment of this environment may have
//! changed": receivers read Railway's own state before saying anything.

use serde::Deserialize;

/// What kind of webhook it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RailwayEventKind {
    /// `Deployment.<what>` (`created`, `deploying`, `deployed`, `failed`,
    /// `crashed`, …): the part after the dot.
    Deployment(String),
    /// The older shape's `DEPLOY`.
    LegacyDeploy,
    /// Any other `type` (alerts, volume usage…).
    Other(String),
}

/// A name with the id Railway gave it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Named {
    /// The Railway id.
    pub id: Option<String>,
    /// The name.
    pub name: Option<String>,
}

/// One Railway webhook, in either shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RailwayEvent {
    /// What happened.
    pub kind: RailwayEventKind,
    /// The project.
    pub project: Named,
    /// The environment.
    pub environment: Named,
    /// The service (absent from the older shape).
    pub service: Option<Named>,
    /// The deployment's id.
    pub deployment_id: Option<String>,
    /// `details.status` (`SUCCESS`, `FAILED`, `BUILDING`, …).
    pub status: Option<String>,
    /// `details.branch`.
    pub branch: Option<String>,
    /// `details.commitHash`.
    pub commit: Option<String>,
    /// `details.repoSource` (`owner/name`), seen in captured payloads.
    pub repo: Option<String>,
    /// `resource.environment.isEphemeral`.
    pub ephemeral: Option<bool>,
    /// `severity` (`INFO`, `WARNING`, `ERROR`).
    pub severity: Option<String>,
    /// `timestamp` as sent (RFC 3339).
    pub timestamp: Option<String>,
}

impl RailwayEvent {
    /// Whether it is about a deployment (either shape).
    pub fn is_deployment(&self) -> bool {
        matches!(
            self.kind,
            RailwayEventKind::Deployment(_) | RailwayEventKind::LegacyDeploy
        )
    }

    /// Parses a webhook body. The error says why (serde's message: a field
    /// and a position, never a value).
    pub fn parse(body: &[u8]) -> Result<RailwayEvent, String> {
        let raw: Raw = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        let kind = match raw.kind.as_str() {
            "DEPLOY" => RailwayEventKind::LegacyDeploy,
            other => match other.strip_prefix("Deployment.") {
                Some(what) => RailwayEventKind::Deployment(what.to_owned()),
                None => RailwayEventKind::Other(other.to_owned()),
            },
        };
        let resource = raw.resource.unwrap_or_default();
        let details = raw.details.unwrap_or_default();
        let pick = |new: Option<RawNamed>, old: Option<RawNamed>| -> Named {
            new.or(old).map(Named::from).unwrap_or_default()
        };
        let ephemeral = resource.environment.as_ref().and_then(|e| e.is_ephemeral);
        Ok(RailwayEvent {
            kind,
            project: pick(resource.project, raw.project),
            environment: pick(resource.environment, raw.environment),
            service: resource.service.map(Named::from),
            deployment_id: resource
                .deployment
                .and_then(|d| d.id)
                .or(raw.deployment.and_then(|d| d.id))
                .or(details.id),
            status: details.status,
            branch: details.branch,
            commit: details.commit_hash,
            repo: details.repo_source,
            ephemeral,
            severity: raw.severity,
            timestamp: raw.timestamp,
        })
    }
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "type")]
    kind: String,
    severity: Option<String>,
    timestamp: Option<String>,
    details: Option<RawDetails>,
    resource: Option<RawResource>,
    // The older shape.
    project: Option<RawNamed>,
    environment: Option<RawNamed>,
    deployment: Option<RawNamed>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawDetails {
    id: Option<String>,
    status: Option<String>,
    branch: Option<String>,
    commit_hash: Option<String>,
    repo_source: Option<String>,
}

#[derive(Deserialize, Default)]
struct RawResource {
    project: Option<RawNamed>,
    environment: Option<RawNamed>,
    service: Option<RawNamed>,
    deployment: Option<RawNamed>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNamed {
    id: Option<String>,
    name: Option<String>,
    is_ephemeral: Option<bool>,
}

impl From<RawNamed> for Named {
    fn from(raw: RawNamed) -> Named {
        Named {
            id: raw.id,
            name: raw.name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes() {
        let current = br#"{"type":"Deployment.deployed","details":{"status":"SUCCESS","branch":"feat/x","commitHash":"abc","repoSource":"o/r"},
            "resource":{"project":{"id":"p","name":"shop"},"environment":{"id":"e","name":"pr-12","isEphemeral":false},
            "service":{"id":"s","name":"web"},"deployment":{"id":"d"}},"severity":"INFO","timestamp":"2025-11-21T23:48:42.311Z"}"#;
        let event = RailwayEvent::parse(current).unwrap();
        assert_eq!(event.kind, RailwayEventKind::Deployment("deployed".into()));
        assert_eq!(event.environment.name.as_deref(), Some("pr-12"));
        assert_eq!(event.project.name.as_deref(), Some("shop"));
        assert_eq!(event.deployment_id.as_deref(), Some("d"));
        assert_eq!(event.branch.as_deref(), Some("feat/x"));
        assert_eq!(event.ephemeral, Some(false));
        let legacy = br#"{"type":"DEPLOY","project":{"id":"p","name":"shop"},"environment":{"id":"e","name":"pr-3"},"deployment":{"id":"d","meta":{}}}"#;
        let event = RailwayEvent::parse(legacy).unwrap();
        assert_eq!(event.kind, RailwayEventKind::LegacyDeploy);
        assert!(event.is_deployment());
        assert_eq!(event.environment.name.as_deref(), Some("pr-3"));
        assert!(RailwayEvent::parse(b"{}").is_err());
        assert!(RailwayEvent::parse(b"not json").is_err());
    }
}
