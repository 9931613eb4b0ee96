//! Does an image exist? The OCI distribution API: `HEAD
//! /v2/<name>/manifests/<reference>` with the manifest media types in
//! `Accept`, following the anonymous bearer-token flow (Docker Hub, GHCR) and
//! sending credentials from the environment for private registries
//! (`MIRAGE_REGISTRY_USERNAME` / `MIRAGE_REGISTRY_PASSWORD`). Credentials are
//! never printed.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, WWW_AUTHENTICATE};

use super::image::ImageRef;

/// Manifest media types a registry may answer with.
pub const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// Credentials for a registry's token endpoint or basic auth.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials {{ username: {:?}, password: \"***\" }}",
            self.username
        )
    }
}

impl Credentials {
    /// From `MIRAGE_REGISTRY_USERNAME` and `MIRAGE_REGISTRY_PASSWORD`.
    pub fn from_env() -> Option<Credentials> {
        let username = std::env::var("MIRAGE_REGISTRY_USERNAME").ok()?;
        let password = std::env::var("MIRAGE_REGISTRY_PASSWORD").ok()?;
        Some(Credentials { username, password })
    }
}

/// What the registry said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existence {
    /// The manifest exists; its digest when the registry sent one.
    Found(Option<String>),
    /// 404: no such repository, tag or digest.
    Missing,
    /// 401/403 even after authenticating.
    Denied,
}

/// Why the registry could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Network or TLS failure.
    #[error("cannot reach `{host}`: {source}")]
    Http {
        /// The registry host.
        host: String,
        /// The underlying error.
        source: reqwest::Error,
    },
    /// The registry answered something unexpected.
    #[error("`{host}` answered {status} for `{image}`")]
    Unexpected {
        /// The registry host.
        host: String,
        /// The image.
        image: String,
        /// The HTTP status.
        status: u16,
    },
}

/// Registry client with one HTTP connection pool.
pub struct Registry {
    http: reqwest::Client,
    credentials: Option<Credentials>,
}

impl Registry {
    /// A client; `credentials` are offered to registries that ask.
    pub fn new(credentials: Option<Credentials>) -> Result<Registry, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .user_agent("mirage")
            .build()?;
        Ok(Registry { http, credentials })
    }

    /// Whether credentials are offered to registries that ask.
    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// Whether `image` exists.
    pub async fn exists(&self, image: &ImageRef) -> Result<Existence, RegistryError> {
        let host = image.api_host().to_string();
        let scheme = if is_loopback(&host) { "http" } else { "https" };
        let url = format!(
            "{scheme}://{host}/v2/{}/manifests/{}",
            image.repository,
            image.manifest_reference()
        );
        let http_error = |source| RegistryError::Http {
            host: host.clone(),
            source,
        };
        let mut response = self
            .http
            .head(&url)
            .header(ACCEPT, MANIFEST_TYPES)
            .send()
            .await
            .map_err(http_error)?;
        if response.status() == StatusCode::UNAUTHORIZED {
            let challenge = response
                .headers()
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let authorization = self
                .authorize(&challenge, &image.repository)
                .await
                .map_err(http_error)?;
            if let Some(authorization) = authorization {
                response = self
                    .http
                    .head(&url)
                    .header(ACCEPT, MANIFEST_TYPES)
                    .header(AUTHORIZATION, authorization)
                    .send()
                    .await
                    .map_err(http_error)?;
            }
        }
        match response.status() {
            s if s.is_success() => Ok(Existence::Found(digest(response.headers()))),
            StatusCode::NOT_FOUND => Ok(Existence::Missing),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Ok(Existence::Denied),
            s => Err(RegistryError::Unexpected {
                host,
                image: image.to_string(),
                status: s.as_u16(),
            }),
        }
    }

    /// The `Authorization` header answering a challenge: a bearer token
    /// fetched from the realm (with basic credentials when we have them), or
    /// basic auth directly.
    async fn authorize(
        &self,
        challenge: &str,
        repository: &str,
    ) -> Result<Option<String>, reqwest::Error> {
        let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            return Ok(self.credentials.as_ref().map(basic));
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Ok(None);
        }
        let params = parse_params(params);
        let get = |k: &str| {
            params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        let Some(realm) = get("realm") else {
            return Ok(None);
        };
        let mut query = vec![(
            "scope".to_string(),
            get("scope").unwrap_or_else(|| format!("repository:{repository}:pull")),
        )];
        if let Some(service) = get("service") {
            query.push(("service".into(), service));
        }
        let encoded: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        let separator = if realm.contains('?') { '&' } else { '?' };
        let mut request = self
            .http
            .get(format!("{realm}{separator}{}", encoded.join("&")));
        if let Some(c) = &self.credentials {
            request = request.header(AUTHORIZATION, basic(c));
        }
        let response = request.send().await?;
        if !response.status().is_success() {
            return Ok(None);
        }
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let token = body["token"].as_str().or(body["access_token"].as_str());
        Ok(token.map(|t| format!("Bearer {t}")))
    }
}

fn digest(headers: &HeaderMap) -> Option<String> {
    headers
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

fn is_loopback(host: &str) -> bool {
    let name = if host.starts_with('[') {
        host.split(']').next().map(|h| &h[1..]).unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    name == "localhost" || name == "::1" || name.starts_with("127.")
}

/// `realm="…",service="…",scope="…"` → pairs.
fn parse_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => match quoted.split_once('"') {
                Some((v, n)) => (v.to_string(), n),
                None => (quoted.to_string(), ""),
            },
            None => match after.split_once(',') {
                Some((v, n)) => (v.trim().to_string(), n),
                None => (after.trim().to_string(), ""),
            },
        };
        out.push((key, value));
        rest = next.trim_start_matches(',').trim();
    }
    out
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn basic(c: &Credentials) -> String {
    format!(
        "Basic {}",
        base64(format!("{}:{}", c.username, c.password).as_bytes())
    )
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_and_encoding() {
        let p = parse_params(
            r#"realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
        );
        assert_eq!(
            p[0],
            ("realm".into(), "https://auth.docker.io/token".into())
        );
        assert_eq!(p[2].1, "repository:library/nginx:pull");
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"ab"), "YWI=");
        assert!(
            is_loopback("127.0.0.1:5000")
                && is_loopback("[::1]:5000")
                && is_loopback("localhost")
                && !is_loopback("ghcr.io")
        );
        let c = Credentials {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
