//! Bearer tokens from any OpenID Connect provider (Clerk, Auth0, Okta,
//! Keycloak, Google…): a JWT is accepted when it is signed by one of the
//! issuer's keys (its JWKS, found through the discovery document) with
//! RS256 or ES256, and its `iss`, `aud`, `exp` and `nbf` hold, with a
//! little clock skew allowed.
//!
//! The keys are cached. A token naming a key id (`kid`) the cache lacks
//! makes the JWKS be fetched again (the provider rotated its keys) — but
//! at most once per [`OidcConfig::refresh_floor`], so a flood of tokens
//! with made-up key ids cannot make Mirage hammer the provider.
//!
//! Refused without looking further: tokens over 16 KiB, `alg: none`, any
//! HMAC algorithm (an HS256 token "signed" with the provider's public key
//! is the classic confusion attack), an algorithm the key was not
//! published for, a missing `kid`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::state::Timestamp;

/// The largest token read, in bytes (provider tokens are 1–2 KB).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// What to accept.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// The issuer URL, exactly as the provider's `iss` claim spells it.
    pub issuer: String,
    /// The audience tokens must be for (the client id, or an API's
    /// resource indicator).
    pub audience: String,
    /// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
    pub leeway_seconds: i64,
    /// The shortest time between two fetches of the JWKS.
    pub refresh_floor: Duration,
}

impl OidcConfig {
    /// A configuration with a 60 s leeway and a 60 s refresh floor.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> OidcConfig {
        OidcConfig {
            issuer: issuer.into(),
            audience: audience.into(),
            leeway_seconds: 60,
            refresh_floor: Duration::from_secs(60),
        }
    }
}

/// Why a token or the provider was refused. Never holds the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum OidcError {
    /// The provider's discovery document or JWKS could not be read.
    #[error("the OpenID provider `{issuer}` could not be read: {reason}")]
    #[diagnostic(
        code(mirage::auth::oidc_provider),
        help(
            "check the issuer URL (its `/.well-known/openid-configuration` must answer) and the network"
        )
    )]
    Provider {
        /// The issuer.
        issuer: String,
        /// What failed.
        reason: String,
    },
    /// The token is not a JWT Mirage accepts (shape, size, algorithm).
    #[error("the bearer token is not an accepted JWT: {reason}")]
    #[diagnostic(
        code(mirage::auth::bad_token),
        help(
            "send `Authorization: Bearer <JWT>` issued by the configured provider (RS256 or ES256)"
        )
    )]
    Malformed {
        /// Why.
        reason: &'static str,
    },
    /// No key of the provider has the token's key id, even after a fetch.
    #[error("the token was signed with key `{kid}`, which the provider does not publish")]
    #[diagnostic(
        code(mirage::auth::unknown_key),
        help("the token was not issued by the configured provider, or its key was retired")
    )]
    UnknownKey {
        /// The `kid` (an identifier, not a secret).
        kid: String,
    },
    /// The signature does not verify.
    #[error("the token's signature does not verify")]
    #[diagnostic(
        code(mirage::auth::bad_signature),
        help("the token was altered, or was not issued by the configured provider")
    )]
    Signature,
    /// A claim does not hold.
    #[error("the token is {problem}")]
    #[diagnostic(
        code(mirage::auth::token_refused),
        help(
            "sign in again; if this persists, check the issuer, audience and this machine's clock"
        )
    )]
    Claims {
        /// Which (`expired`, `not valid yet`, `for another audience`,
        /// `from another issuer`, `missing its subject`).
        problem: &'static str,
    },
}

/// What Mirage reads from an accepted token.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Claims {
    /// The subject: the user (or, for client credentials, the client).
    pub sub: String,
    /// The issuer.
    pub iss: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Email, when the provider puts it in the token.
    #[serde(default)]
    pub email: Option<String>,
    /// Display name, when present.
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct TimeClaims {
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    aud: Option<serde_json::Value>,
    #[serde(default)]
    sub: Option<String>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

struct Cache {
    keys: JwkSet,
    fetched: Option<Instant>,
}

/// Verifies bearer tokens of one provider.
pub struct OidcVerifier {
    config: OidcConfig,
    http: reqwest::Client,
    jwks_uri: String,
    cache: Mutex<Cache>,
    fetches: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for OidcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcVerifier")
            .field("issuer", &self.config.issuer)
            .field("audience", &self.config.audience)
            .finish_non_exhaustive()
    }
}

impl OidcVerifier {
    /// Reads the provider's discovery document (its `issuer` must be the
    /// configured one, exactly) and its keys.
    pub async fn discover(config: OidcConfig) -> Result<OidcVerifier, OidcError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| provider(&config.issuer, e.to_string()))?;
        let url = format!(
            "{}/.well-known/openid-configuration",
            config.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = fetch_json(&http, &config.issuer, &url).await?;
        if discovery.issuer != config.issuer {
            return Err(provider(
                &config.issuer,
                format!("its discovery document names issuer `{}`", discovery.issuer),
            ));
        }
        let verifier = OidcVerifier {
            http,
            jwks_uri: discovery.jwks_uri,
            cache: Mutex::new(Cache {
                keys: JwkSet { keys: Vec::new() },
                fetched: None,
            }),
            fetches: std::sync::atomic::AtomicU64::new(0),
            config,
        };
        verifier.refresh().await?;
        Ok(verifier)
    }

    /// How many times the JWKS was fetched (for tests and metrics).
    pub fn jwks_fetches(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn refresh(&self) -> Result<(), OidcError> {
        {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if cache
                .fetched
                .is_some_and(|at| at.elapsed() < self.config.refresh_floor)
            {
                return Ok(());
            }
            // Claimed before the fetch, so concurrent unknown kids wait
            // for the floor instead of fetching beside it.
            cache.fetched = Some(Instant::now());
        }
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let keys: JwkSet = fetch_json(&self.http, &self.config.issuer, &self.jwks_uri).await?;
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).keys = keys;
        Ok(())
    }

    fn key(&self, kid: &str) -> Option<Jwk> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .keys
            .keys
            .iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid))
            .cloned()
    }

    /// Checks `token` at time `now`.
    pub async fn verify(&self, token: &str, now: Timestamp) -> Result<Claims, OidcError> {
        let token = token.trim();
        if token.len() > MAX_TOKEN_BYTES {
            return Err(OidcError::Malformed {
                reason: "over 16 KiB",
            });
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| OidcError::Malformed {
            reason: "not a JWT",
        })?;
        let algorithm = match header.alg {
            Algorithm::RS256 => Algorithm::RS256,
            Algorithm::ES256 => Algorithm::ES256,
            _ => {
                return Err(OidcError::Malformed {
                    reason: "signed with an algorithm other than RS256 or ES256",
                });
            }
        };
        let kid = header.kid.ok_or(OidcError::Malformed {
            reason: "without a key id (`kid`)",
        })?;
        let jwk = match self.key(&kid) {
            Some(jwk) => jwk,
            None => {
                self.refresh().await?;
                self.key(&kid)
                    .ok_or(OidcError::UnknownKey { kid: kid.clone() })?
            }
        };
        let fits = match (&jwk.algorithm, algorithm) {
            (AlgorithmParameters::RSA(_), Algorithm::RS256) => true,
            (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256) => {
                ec.curve == EllipticCurve::P256
            }
            _ => false,
        };
        let published = jwk
            .common
            .key_algorithm
            .is_none_or(|a| a.to_string() == format!("{algorithm:?}"));
        if !fits || !published {
            return Err(OidcError::Malformed {
                reason: "signed with an algorithm its key is not published for",
            });
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| OidcError::UnknownKey { kid })?;
        // The signature only: the times are checked below against `now`
        // (the engine's clock), not the system's.
        let mut validation = Validation::new(algorithm);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).map_err(
            |e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => OidcError::Signature,
                _ => OidcError::Malformed {
                    reason: "not a JWT with a JSON payload",
                },
            },
        )?;
        let times: TimeClaims =
            serde_json::from_value(data.claims.clone()).map_err(|_| OidcError::Malformed {
                reason: "with claims of the wrong types",
            })?;
        let now = now.0;
        let leeway = self.config.leeway_seconds;
        let refuse = |problem| Err(OidcError::Claims { problem });
        if times.iss.as_deref() != Some(self.config.issuer.as_str()) {
            return refuse("from another issuer");
        }
        let audiences: Vec<&str> = match &times.aud {
            Some(serde_json::Value::String(one)) => vec![one.as_str()],
            Some(serde_json::Value::Array(many)) => {
                many.iter().filter_map(serde_json::Value::as_str).collect()
            }
            _ => Vec::new(),
        };
        if !audiences.contains(&self.config.audience.as_str()) {
            return refuse("for another audience");
        }
        match times.exp {
            None => return refuse("without an expiry"),
            Some(exp) if now > exp.saturating_add(leeway) => return refuse("expired"),
            Some(_) => {}
        }
        if times
            .nbf
            .into_iter()
            .chain(times.iat)
            .any(|t| t > now.saturating_add(leeway))
        {
            return refuse("not valid yet");
        }
        if times.sub.as_deref().is_none_or(str::is_empty) {
            return refuse("missing its subject");
        }
        serde_json::from_value(data.claims).map_err(|_| OidcError::Malformed {
            reason: "with claims of the wrong types",
        })
    }
}

fn provider(issuer: &str, reason: impl Into<String>) -> OidcError {
    OidcError::Provider {
        issuer: issuer.to_owned(),
        reason: reason.into(),
    }
}

/// At most 1 MiB of JSON from the provider.
async fn fetch_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    issuer: &str,
    url: &str,
) -> Result<T, OidcError> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| provider(issuer, format!("GET {url}: {e}")))?;
    if !response.status().is_success() {
        return Err(provider(
            issuer,
            format!("GET {url} answered {}", response.status()),
        ));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| provider(issuer, format!("GET {url}: {e}")))?;
    if body.len() > 1 << 20 {
        return Err(provider(issuer, format!("GET {url}: over 1 MiB")));
    }
    serde_json::from_slice(&body).map_err(|e| provider(issuer, format!("GET {url}: {e}")))
}
