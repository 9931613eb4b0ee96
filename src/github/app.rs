//! GitHub App authentication: the RS256 JWT that identifies the App, and
//! the installation token it is traded for, cached until shortly before it
//! expires.
//!
//! GitHub's rules (docs: "Generating a JSON Web Token (JWT) for a GitHub
//! App", "Generating an installation access token"): `iat` 60 s in the past
//! against clock drift, `exp` no more than 10 minutes ahead, `iss` the client
//! id or App id; `POST /app/installations/{id}/access_tokens` answers `201`
//! with `{token, expires_at}`, a token that lives one hour.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::credentials::{App, Token};
use super::error::GithubError;
use crate::state::Timestamp;

/// How far `iat` is put in the past.
pub const JWT_BACKDATE: Duration = Duration::from_secs(60);
/// How far `exp` is put in the future: with the backdated `iat` the JWT
/// spans exactly GitHub's 10-minute maximum.
pub const JWT_LIFETIME: Duration = Duration::from_secs(540);
/// An installation token is renewed this long before its `expires_at`, so
/// a request never starts with a token about to lapse.
pub const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The claims GitHub reads from an App's JWT.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppClaims {
    /// Issued at (Unix seconds), backdated.
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// The App's client id or App id.
    pub iss: String,
}

/// Signs the App's JWT for time `now`.
pub fn sign_app_jwt(app: &App, now: Timestamp) -> Result<String, GithubError> {
    let seconds = |duration: Duration| i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
    let claims = AppClaims {
        iat: now.unix_seconds().saturating_sub(seconds(JWT_BACKDATE)),
        exp: now.unix_seconds().saturating_add(seconds(JWT_LIFETIME)),
        iss: app.issuer.clone(),
    };
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    jsonwebtoken::encode(&header, &claims, app.key.encoding_key()).map_err(|error| {
        GithubError::BadKey {
            reason: format!("cannot sign the App's JWT with it ({error})"),
        }
    })
}

/// An installation token and when it stops working.
#[derive(Clone, Debug)]
pub struct InstallationToken {
    /// The token.
    pub token: Token,
    /// GitHub's `expires_at`.
    pub expires_at: Timestamp,
}

impl InstallationToken {
    /// Whether the token can still be used at `now` (it does not expire
    /// within [`TOKEN_REFRESH_MARGIN`]).
    pub fn is_fresh(&self, now: Timestamp) -> bool {
        now.add(TOKEN_REFRESH_MARGIN) < self.expires_at
    }
}

/// The body of GitHub's answer to the token exchange.
#[derive(Deserialize)]
struct TokenResponse {
    token: String,
    expires_at: String,
}

/// Reads GitHub's answer to `POST /app/installations/{id}/access_tokens`.
pub fn parse_token_response(body: &[u8]) -> Result<InstallationToken, GithubError> {
    let response: TokenResponse =
        serde_json::from_slice(body).map_err(|error| GithubError::Unexpected {
            message: format!(
                "the installation token response is not `{{token, expires_at}}` ({error})"
            ),
        })?;
    let expires_at =
        parse_rfc3339(&response.expires_at).ok_or_else(|| GithubError::Unexpected {
            message: format!(
                "the installation token's `expires_at` `{}` is not an RFC 3339 time",
                response.expires_at
            ),
        })?;
    if response.token.trim().is_empty() {
        return Err(GithubError::Unexpected {
            message: "the installation token response has an empty `token`".to_owned(),
        });
    }
    Ok(InstallationToken {
        token: Token::new(response.token),
        expires_at,
    })
}

/// An RFC 3339 time (`2016-07-11T22:14:10Z`, offsets and fractions too) as
/// a [`Timestamp`].
pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let parsed =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .ok()?;
    Some(Timestamp(parsed.unix_timestamp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_from_github() {
        assert_eq!(
            parse_rfc3339("2016-07-11T22:14:10Z"),
            Some(Timestamp(1_468_275_250))
        );
        assert_eq!(
            parse_rfc3339("2016-07-11T23:14:10+01:00"),
            Some(Timestamp(1_468_275_250))
        );
        assert_eq!(parse_rfc3339("2016-07-11"), None);
        assert_eq!(parse_rfc3339(""), None);
    }

    #[test]
    fn a_token_is_renewed_five_minutes_before_it_expires() {
        let token = InstallationToken {
            token: Token::new("ghs_x"),
            expires_at: Timestamp(10_000),
        };
        assert!(token.is_fresh(Timestamp(10_000 - 301)));
        assert!(!token.is_fresh(Timestamp(10_000 - 300)));
        assert!(!token.is_fresh(Timestamp(20_000)));
    }

    #[test]
    fn token_responses_that_are_not_usable_are_errors() {
        assert!(parse_token_response(b"{}").is_err());
        assert!(
            parse_token_response(br#"{"token":"","expires_at":"2016-07-11T22:14:10Z"}"#).is_err()
        );
        assert!(parse_token_response(br#"{"token":"t","expires_at":"soon"}"#).is_err());
        let token =
            parse_token_response(br#"{"token":"ghs_abc","expires_at":"2016-07-11T22:14:10Z"}"#)
                .unwrap();
        assert_eq!(token.expires_at, Timestamp(1_468_275_250));
        assert_eq!(format!("{:?}", token.token), "Token(<redacted>)");
    }
}
