//! What a GitHub Actions job tells a step through its environment: the
//! credentials, the repository, the API root and the pull request the
//! workflow runs for. Read through a lookup function, so tests (and
//! `mirage serve`) can pass any variable source.
//!
//! GitHub's documentation: "Variables" (default environment variables:
//! `GITHUB_REPOSITORY`, `GITHUB_API_URL`, `GITHUB_EVENT_PATH`,
//! `GITHUB_SERVER_URL`, `GITHUB_RUN_ID`) and "Automatic token
//! authentication" (`GITHUB_TOKEN`, passed to a step by the workflow).

use std::path::Path;

use super::credentials::{App, AppKey, Auth, Token};
use super::error::GithubError;

/// The token variable (`secrets.GITHUB_TOKEN` or a personal token).
pub const TOKEN_VAR: &str = "GITHUB_TOKEN";
/// A GitHub App's client id (`Iv1.…`) or numeric App id.
pub const APP_ID_VAR: &str = "MIRAGE_GITHUB_APP_ID";
/// The App's installation id on the repository's owner.
pub const APP_INSTALLATION_VAR: &str = "MIRAGE_GITHUB_APP_INSTALLATION_ID";
/// The App's private key, the PEM text itself (a CI secret).
pub const APP_KEY_VAR: &str = "MIRAGE_GITHUB_APP_PRIVATE_KEY";
/// The App's private key, a path to its `.pem` file.
pub const APP_KEY_FILE_VAR: &str = "MIRAGE_GITHUB_APP_PRIVATE_KEY_FILE";
/// `OWNER/NAME` of the repository the workflow runs in.
pub const REPOSITORY_VAR: &str = "GITHUB_REPOSITORY";
/// The REST API root (`https://api.github.com`, or GHES's `/api/v3`).
pub const API_URL_VAR: &str = "GITHUB_API_URL";
/// The JSON payload of the event that started the workflow.
pub const EVENT_PATH_VAR: &str = "GITHUB_EVENT_PATH";
/// `https://github.com` (or the GHES host), for links to the run.
pub const SERVER_URL_VAR: &str = "GITHUB_SERVER_URL";
/// The workflow run's id, for links to the run.
pub const RUN_ID_VAR: &str = "GITHUB_RUN_ID";

/// Which credentials the environment holds, before any is used.
#[derive(Debug)]
pub enum Found {
    /// A GitHub App (its variables win over `GITHUB_TOKEN`, which Actions
    /// sets in many jobs that also configure an App).
    App(App),
    /// `GITHUB_TOKEN`.
    Token(Token),
    /// Nothing.
    None,
}

/// The credentials of the environment: a GitHub App when
/// `MIRAGE_GITHUB_APP_ID` is set (then its installation id and key must be
/// too), else `GITHUB_TOKEN`. Empty values count as unset. An error never
/// shows a secret.
pub fn credentials(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Found, GithubError> {
    let read = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    if let Some(issuer) = read(APP_ID_VAR) {
        let installation = read(APP_INSTALLATION_VAR).ok_or_else(|| GithubError::BadArgument {
            message: format!("`{APP_ID_VAR}` is set but `{APP_INSTALLATION_VAR}` is not"),
        })?;
        let installation_id =
            installation
                .trim()
                .parse::<u64>()
                .map_err(|_| GithubError::BadArgument {
                    message: format!(
                        "`{APP_INSTALLATION_VAR}` must be the installation's number, not `{}`",
                        installation.trim()
                    ),
                })?;
        let pem = match (read(APP_KEY_VAR), read(APP_KEY_FILE_VAR)) {
            (Some(pem), _) => pem.into_bytes(),
            (None, Some(path)) => {
                std::fs::read(path.trim()).map_err(|error| GithubError::BadKey {
                    reason: format!("cannot read `{}` ({error})", path.trim()),
                })?
            }
            (None, None) => {
                return Err(GithubError::BadArgument {
                    message: format!(
                        "`{APP_ID_VAR}` is set but neither `{APP_KEY_VAR}` nor `{APP_KEY_FILE_VAR}` is"
                    ),
                });
            }
        };
        let key = AppKey::from_pem(&pem)?;
        return Ok(Found::App(App {
            issuer: issuer.trim().to_owned(),
            installation_id,
            key,
        }));
    }
    Ok(match read(TOKEN_VAR) {
        Some(token) => Found::Token(Token::new(token)),
        None => Found::None,
    })
}

impl Found {
    /// The client's [`Auth`], or `None` when the environment has none.
    pub fn into_auth(self) -> Option<Auth> {
        match self {
            Found::App(app) => Some(Auth::App(app)),
            Found::Token(token) => Some(Auth::Token(token)),
            Found::None => None,
        }
    }
}

/// Why the pull request could not be read from the event payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// The file cannot be read.
    Unreadable(String),
    /// It is not JSON.
    NotJson(String),
    /// The event is not about a pull request (a `push`, a `schedule`).
    NoPullRequest,
}

/// The pull request number in an event payload: `pull_request.number`
/// (`pull_request` and `pull_request_target` events), else the issue's
/// number when the issue is a pull request (`issue_comment` on a pull
/// request).
pub fn pull_request_number(payload: &serde_json::Value) -> Option<u64> {
    if let Some(number) = payload
        .get("pull_request")
        .and_then(|pr| pr.get("number"))
        .and_then(serde_json::Value::as_u64)
    {
        return Some(number);
    }
    let issue = payload.get("issue")?;
    issue.get("pull_request")?;
    issue.get("number").and_then(serde_json::Value::as_u64)
}

/// [`pull_request_number`] of the payload file at `path`
/// (`GITHUB_EVENT_PATH`).
pub fn pull_request_number_at(path: &Path) -> Result<u64, EventError> {
    let text = std::fs::read(path).map_err(|error| EventError::Unreadable(error.to_string()))?;
    let payload: serde_json::Value =
        serde_json::from_slice(&text).map_err(|error| EventError::NotJson(error.to_string()))?;
    pull_request_number(&payload).ok_or(EventError::NoPullRequest)
}

/// The URL of the workflow run (`GITHUB_SERVER_URL/OWNER/NAME/actions/runs/ID`),
/// when the environment says.
pub fn run_url(lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let read = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    let server = read(SERVER_URL_VAR)?;
    let repository = read(REPOSITORY_VAR)?;
    let run = read(RUN_ID_VAR)?;
    if !run.trim().chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "{}/{}/actions/runs/{}",
        server.trim().trim_end_matches('/'),
        repository.trim(),
        run.trim()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn the_token_is_read_and_never_shown() {
        let found = credentials(&lookup(&[(TOKEN_VAR, "ghs_secret\n")])).unwrap();
        assert!(matches!(found, Found::Token(_)));
        assert!(!format!("{found:?}").contains("ghs_secret"));
        assert!(matches!(
            credentials(&lookup(&[(TOKEN_VAR, "  ")])).unwrap(),
            Found::None
        ));
    }

    #[test]
    fn an_incomplete_app_is_an_error_naming_what_is_missing() {
        let error = credentials(&lookup(&[(APP_ID_VAR, "Iv1.abc"), (TOKEN_VAR, "t")])).unwrap_err();
        assert!(error.to_string().contains(APP_INSTALLATION_VAR), "{error}");
        let error = credentials(&lookup(&[
            (APP_ID_VAR, "Iv1.abc"),
            (APP_INSTALLATION_VAR, "12"),
        ]))
        .unwrap_err();
        assert!(error.to_string().contains(APP_KEY_VAR), "{error}");
        let error = credentials(&lookup(&[
            (APP_ID_VAR, "Iv1.abc"),
            (APP_INSTALLATION_VAR, "twelve"),
        ]))
        .unwrap_err();
        assert!(error.to_string().contains("`twelve`"), "{error}");
        let error = credentials(&lookup(&[
            (APP_ID_VAR, "Iv1.abc"),
            (APP_INSTALLATION_VAR, "12"),
            (APP_KEY_VAR, "not a key SECRETBYTES"),
        ]))
        .unwrap_err();
        assert!(!error.to_string().contains("SECRETBYTES"), "{error}");
    }

    #[test]
    fn pull_requests_are_found_in_pull_request_and_comment_events() {
        assert_eq!(
            pull_request_number(&json!({"number": 7, "pull_request": {"number": 7}})),
            Some(7)
        );
        assert_eq!(
            pull_request_number(&json!({"issue": {"number": 9, "pull_request": {}}})),
            Some(9)
        );
        // A comment on a plain issue, a push: no pull request.
        assert_eq!(pull_request_number(&json!({"issue": {"number": 9}})), None);
        assert_eq!(
            pull_request_number(&json!({"ref": "refs/heads/main"})),
            None
        );
    }

    #[test]
    fn the_run_url_needs_every_part() {
        let vars = [
            (SERVER_URL_VAR, "https://github.com/"),
            (REPOSITORY_VAR, "octo/hello"),
            (RUN_ID_VAR, "42"),
        ];
        assert_eq!(
            run_url(&lookup(&vars)).as_deref(),
            Some("https://github.com/octo/hello/actions/runs/42")
        );
        assert_eq!(run_url(&lookup(&vars[..2])), None);
    }
}
