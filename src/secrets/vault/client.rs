//! Talking to Vault: where it is and how to sign in (the project's
//! `secrets { vault … }` settings, each overridden by its environment
//! variable), the token kept for the life of the process (renewed when a
//! third of its TTL is left, logged in again when renewal fails), and the
//! HTTP requests with their failures turned into [`Unreadable`]s that never
//! quote a value.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::super::SecretString;
use super::super::providers::Providers;
use super::super::redact::redact;
use super::super::source::{Place, Unreadable};

/// Where the Kubernetes service-account token is by default.
pub const K8S_TOKEN_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";
/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How Mirage signs in.
enum Auth {
    /// A token given as is (`VAULT_TOKEN` or `~/.vault-token`).
    Token { token: SecretString },
    /// `POST /v1/auth/MOUNT/login` with a role ID and secret ID.
    AppRole {
        mount: String,
        role_id: String,
        secret_id: SecretString,
    },
    /// `POST /v1/auth/MOUNT/login` with a role and the pod's service-account JWT.
    Kubernetes {
        mount: String,
        role: String,
        jwt: SecretString,
    },
}

/// A Vault to read from: its address (and what gave it), namespace and
/// the way to sign in.
pub struct Vault {
    address: String,
    address_from: String,
    namespace: Option<String>,
    auth: Auth,
    http: reqwest::Client,
}

/// A token from a login, kept for the process.
#[derive(Clone)]
struct Session {
    token: SecretString,
    /// `None`: it does not expire.
    ttl: Option<Duration>,
    renewable: bool,
    since: Instant,
}

/// The tokens of logins, by Vault and identity (never by secret).
static SESSIONS: LazyLock<tokio::sync::Mutex<HashMap<String, Session>>> =
    LazyLock::new(|| tokio::sync::Mutex::new(HashMap::new()));

/// A setting: its environment variable first, then the project's value.
fn setting(
    providers: &Providers,
    var: &str,
    project: Option<&str>,
    name: &str,
) -> Option<(String, String)> {
    match providers.var(var).filter(|v| !v.trim().is_empty()) {
        Some(v) => Some((v.trim().to_owned(), format!("`{var}`"))),
        None => project.map(|p| (p.trim().to_owned(), format!("`vault {name}=`"))),
    }
}

impl Vault {
    /// The Vault `place`'s settings and the environment describe.
    pub fn configure(providers: &Providers, place: &Place) -> Result<Vault, Unreadable> {
        let settings = &place.settings.vault;
        let Some((address, address_from)) = setting(
            providers,
            "VAULT_ADDR",
            settings.address.as_deref(),
            "address",
        ) else {
            return Err(Unreadable::new(
                "no Vault address is configured",
                "set `VAULT_ADDR` (e.g. `https://vault.internal:8200`) or write `vault address=\"…\"` in the project's `secrets` block",
            ));
        };
        let address = address.trim_end_matches('/').to_owned();
        let url = reqwest::Url::parse(&address)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if url.is_none() {
            return Err(Unreadable::new(
                format!(
                    "the Vault address `{address}` (from {address_from}) is not an http(s) URL"
                ),
                "write it as `https://HOST:8200`",
            ));
        }
        let namespace = setting(
            providers,
            "VAULT_NAMESPACE",
            settings.namespace.as_deref(),
            "namespace",
        )
        .map(|(n, _)| n.trim_matches('/').to_owned())
        .filter(|n| !n.is_empty());
        let ca = setting(
            providers,
            "VAULT_CACERT",
            settings.ca_cert.as_deref().and_then(Path::to_str),
            "ca-cert",
        );
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("mirage/", env!("CARGO_PKG_VERSION")))
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT);
        if let Some((file, from)) = ca {
            builder = builder.tls_certs_merge(ca_certificates(&place.dir, &file, &from)?);
        }
        let http = builder.build().map_err(|error| {
            Unreadable::new(
                format!("cannot set up HTTPS to Vault: {error}"),
                "check `VAULT_CACERT` / `ca-cert=`",
            )
        })?;
        let auth = auth(providers, place)?;
        Ok(Vault {
            address,
            address_from,
            namespace,
            auth,
            http,
        })
    }

    /// `the Vault at ADDR (from VAR)`, for messages.
    pub fn shown(&self) -> String {
        format!(
            "the Vault at `{}` (from {})",
            self.address, self.address_from
        )
    }

    /// A token to read with: the given one, or the process's login
    /// (renewed or redone when its TTL runs low).
    pub async fn token(&self) -> Result<SecretString, Unreadable> {
        let (mount, identity, body) = match &self.auth {
            Auth::Token { token } => return Ok(token.clone()),
            Auth::AppRole {
                mount,
                role_id,
                secret_id,
            } => (
                mount,
                format!("approle:{role_id}"),
                json!({ "role_id": role_id, "secret_id": secret_id.expose() }),
            ),
            Auth::Kubernetes { mount, role, jwt } => (
                mount,
                format!("kubernetes:{role}"),
                json!({ "role": role, "jwt": jwt.expose() }),
            ),
        };
        let key = self.session_key(mount, &identity);
        let mut sessions = SESSIONS.lock().await;
        if let Some(session) = sessions.get(&key).cloned() {
            match due(&session, Instant::now()) {
                Due::Fresh => return Ok(session.token),
                Due::Renew => {
                    if let Ok(renewed) = self.renew(&session).await {
                        let token = renewed.token.clone();
                        sessions.insert(key, renewed);
                        return Ok(token);
                    }
                }
                Due::Expired => {}
            }
            sessions.remove(&key);
        }
        let session = self.login(mount, &body).await?;
        let token = session.token.clone();
        sessions.insert(key, session);
        Ok(token)
    }

    /// Where the login of `identity` at `auth/MOUNT` is kept.
    fn session_key(&self, mount: &str, identity: &str) -> String {
        format!(
            "{}|{}|{mount}|{identity}",
            self.address,
            self.namespace.as_deref().unwrap_or_default()
        )
    }

    /// Drops the kept login (Vault refused its token: revoked, or its
    /// policy changed), so the next read signs in again.
    async fn forget(&self) {
        let key = match &self.auth {
            Auth::Token { .. } => return,
            Auth::AppRole { mount, role_id, .. } => {
                self.session_key(mount, &format!("approle:{role_id}"))
            }
            Auth::Kubernetes { mount, role, .. } => {
                self.session_key(mount, &format!("kubernetes:{role}"))
            }
        };
        SESSIONS.lock().await.remove(&key);
    }

    async fn login(&self, mount: &str, body: &Value) -> Result<Session, Unreadable> {
        let method = match self.auth {
            Auth::AppRole { .. } => "AppRole",
            _ => "Kubernetes",
        };
        let url = format!("{}/v1/auth/{mount}/login", self.address);
        let (status, reply) = self.send(self.http.post(&url).json(body)).await?;
        if !status.is_success() {
            let said = vault_errors(&reply);
            let help = match self.auth {
                Auth::AppRole { .. } => {
                    "check `VAULT_ROLE_ID` and `VAULT_SECRET_ID`, and that AppRole is enabled at `auth/".to_owned()
                        + mount
                        + "` (`auth-mount=` names another mount)"
                }
                _ => format!(
                    "check the role (`VAULT_K8S_ROLE` / `role=`), the service-account token, and that Kubernetes auth is enabled at `auth/{mount}`"
                ),
            };
            return Err(Unreadable::new(
                format!(
                    "signing in to {} with {method} failed (HTTP {}){said}",
                    self.shown(),
                    status.as_u16()
                ),
                help,
            ));
        }
        session_from(&reply).ok_or_else(|| {
            Unreadable::new(
                format!(
                    "{} answered the {method} login without a token",
                    self.shown()
                ),
                "check that the address points at Vault",
            )
        })
    }

    async fn renew(&self, session: &Session) -> Result<Session, ()> {
        let url = format!("{}/v1/auth/token/renew-self", self.address);
        let request = self
            .http
            .post(&url)
            .header("X-Vault-Token", session.token.expose())
            .json(&json!({}));
        match self.send(request).await {
            Ok((status, reply)) if status.is_success() => session_from(&reply)
                .map(|mut s| {
                    // renew-self may omit the token; it is the same one.
                    if s.token.expose().is_empty() {
                        s.token = session.token.clone();
                    }
                    s
                })
                .ok_or(()),
            _ => Err(()),
        }
    }

    /// `GET /v1/MOUNT/data/PATH[?version=N]`: the secret's data, or why it
    /// cannot be read.
    pub async fn read(
        &self,
        token: &SecretString,
        mount: &str,
        path: &str,
        version: Option<u64>,
    ) -> Result<serde_json::Map<String, Value>, Unreadable> {
        let mut url = format!("{}/v1/{mount}/data/{path}", self.address);
        if let Some(v) = version {
            url.push_str(&format!("?version={v}"));
        }
        let request = self.http.get(&url).header("X-Vault-Token", token.expose());
        let (status, mut reply) = self.send(request).await?;
        let what = match version {
            Some(v) => format!("version {v} of `{mount}/{path}`"),
            None => format!("`{mount}/{path}`"),
        };
        // Taken out of the reply, not copied: the caller scrubs it.
        let data = reply
            .pointer_mut("/data/data")
            .map(Value::take)
            .unwrap_or_default();
        let metadata = &reply["data"]["metadata"];
        match status {
            s if s.is_success() => match data {
                Value::Object(data) => Ok(data),
                _ => Err(Unreadable::new(
                    format!(
                        "{} answered for {what} without KV version 2 data",
                        self.shown()
                    ),
                    format!(
                        "check that `{mount}` is a KV version 2 mount (`vault secrets list -detailed`)"
                    ),
                )),
            },
            StatusCode::NOT_FOUND if metadata.is_object() => {
                let n = metadata["version"].as_u64().or(version).unwrap_or(0);
                if metadata["destroyed"].as_bool() == Some(true) {
                    Err(Unreadable::new(
                        format!("version {n} of `{mount}/{path}` was destroyed in Vault"),
                        "its data is gone: write the secret again, or reference a live version with `?version=N`",
                    ))
                } else {
                    let when = metadata["deletion_time"].as_str().unwrap_or_default();
                    Err(Unreadable::new(
                        format!("version {n} of `{mount}/{path}` was deleted in Vault ({when})"),
                        format!(
                            "restore it with `vault kv undelete -mount={mount} -versions={n} {path}`, or reference another version with `?version=N`"
                        ),
                    ))
                }
            }
            StatusCode::NOT_FOUND => Err(Unreadable::new(
                format!("{what} does not exist in {}", self.shown()),
                format!(
                    "check the mount and the path (`vault kv get -mount={mount} {path}`){}",
                    self.namespace
                        .as_ref()
                        .map(|n| format!(", in namespace `{n}`"))
                        .unwrap_or_default()
                ),
            )),
            StatusCode::FORBIDDEN => {
                self.forget().await;
                Err(Unreadable::new(
                    format!(
                        "{} refused to read {what}{}",
                        self.shown(),
                        vault_errors(&reply)
                    ),
                    format!(
                        "the token needs a policy with `read` on `{mount}/data/{path}`{}; check the token is valid (`vault token lookup`)",
                        self.namespace
                            .as_ref()
                            .map(|n| format!(" in namespace `{n}`"))
                            .unwrap_or_default()
                    ),
                ))
            }
            other => Err(Unreadable::new(
                format!(
                    "{} answered HTTP {} for {what}{}",
                    self.shown(),
                    other.as_u16(),
                    vault_errors(&reply)
                ),
                "check Vault's status (`vault status`) and its logs",
            )),
        }
    }

    /// Sends a request with the namespace header; a transport failure or
    /// a sealed Vault is an [`Unreadable`].
    async fn send(
        &self,
        mut request: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, Value), Unreadable> {
        if let Some(namespace) = &self.namespace {
            request = request.header("X-Vault-Namespace", namespace);
        }
        let response = request.send().await.map_err(|error| {
            // The innermost cause says what failed (refused, a name
            // that does not resolve, a certificate not trusted).
            let mut cause: &dyn std::error::Error = &error;
            while let Some(inner) = cause.source() {
                cause = inner;
            }
            let cause = redact(&cause.to_string()).into_owned();
            let why = if error.is_timeout() {
                "did not answer in time".to_owned()
            } else if error.is_connect() {
                format!("cannot be reached (connection failed: {cause})")
            } else {
                format!("cannot be reached ({cause})")
            };
            let help = if cause.to_lowercase().contains("certificate") {
                "if Vault's certificate is signed by a private CA, point `VAULT_CACERT` or `ca-cert=` at that CA's PEM file".to_owned()
            } else {
                format!(
                    "check that Vault runs there and the address is right ({})",
                    self.address_from
                )
            };
            Unreadable::new(format!("{} {why}", self.shown()), help)
        })?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status == StatusCode::SERVICE_UNAVAILABLE
            && vault_errors(&body).to_lowercase().contains("sealed")
        {
            return Err(Unreadable::new(
                format!("{} is sealed", self.shown()),
                "unseal it (`vault operator unseal`) and run the command again",
            ));
        }
        Ok((status, body))
    }
}

/// What to do with a kept session now.
#[derive(Debug, PartialEq, Eq)]
enum Due {
    Fresh,
    Renew,
    Expired,
}

fn due(session: &Session, now: Instant) -> Due {
    let Some(ttl) = session.ttl else {
        return Due::Fresh;
    };
    let elapsed = now.saturating_duration_since(session.since);
    if elapsed >= ttl {
        return Due::Expired;
    }
    if ttl - elapsed < ttl / 3 {
        return if session.renewable {
            Due::Renew
        } else {
            Due::Expired
        };
    }
    Due::Fresh
}

fn session_from(reply: &Value) -> Option<Session> {
    let auth = reply.get("auth")?;
    let token = auth["client_token"].as_str().unwrap_or_default();
    let lease = auth["lease_duration"].as_u64().unwrap_or(0);
    Some(Session {
        token: credential(token.to_owned()),
        ttl: (lease > 0).then(|| Duration::from_secs(lease)),
        renewable: auth["renewable"].as_bool().unwrap_or(false),
        since: Instant::now(),
    })
}

/// A token, secret ID or JWT: remembered so that [`redact`] removes it
/// from every later text, like the values read.
fn credential(text: String) -> SecretString {
    let secret = SecretString::new(text);
    super::super::redact::remember(&secret);
    secret
}

/// `: a; b` from Vault's `{"errors": […]}`, redacted; empty without any.
fn vault_errors(reply: &Value) -> String {
    let said: Vec<String> = reply["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(Value::as_str)
                .map(|e| {
                    let e: String = e.chars().take(300).collect();
                    redact(e.trim()).into_owned()
                })
                .filter(|e| !e.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if said.is_empty() {
        String::new()
    } else {
        format!(": {}", said.join("; "))
    }
}

fn ca_certificates(
    dir: &Path,
    file: &str,
    from: &str,
) -> Result<Vec<reqwest::Certificate>, Unreadable> {
    let path = dir.join(file);
    let help = "point `VAULT_CACERT` or `ca-cert=` (relative to the project directory) at the PEM file of the CA that signed Vault's certificate";
    let bytes = crate::resolve::read_source(&path).map_err(|error| {
        Unreadable::new(
            format!(
                "the Vault CA file `{file}` (from {from}) cannot be read: {}",
                error.message(&path)
            ),
            help,
        )
    })?;
    match reqwest::Certificate::from_pem_bundle(&bytes) {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        _ => Err(Unreadable::new(
            format!("the Vault CA file `{file}` (from {from}) holds no PEM certificate"),
            help,
        )),
    }
}

/// The sign-in method and its credentials.
fn auth(providers: &Providers, place: &Place) -> Result<Auth, Unreadable> {
    let settings = &place.settings.vault;
    let set = |name: &str| providers.var(name).filter(|v| !v.trim().is_empty());
    let method = match settings.auth.as_deref() {
        Some(method) => method.to_owned(),
        None if set("VAULT_TOKEN").is_some() => "token".into(),
        None if set("VAULT_ROLE_ID").is_some() => "approle".into(),
        None if set("VAULT_K8S_ROLE").is_some() || settings.role.is_some() => "kubernetes".into(),
        None => "token".into(),
    };
    let mount = |default: &str| {
        settings
            .auth_mount
            .as_deref()
            .map(|m| m.trim_matches('/').to_owned())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    match method.as_str() {
        "approle" => {
            let role_id = set("VAULT_ROLE_ID");
            let secret_id = set("VAULT_SECRET_ID");
            match (role_id, secret_id) {
                (Some(role_id), Some(secret_id)) => Ok(Auth::AppRole {
                    mount: mount("approle"),
                    role_id: role_id.trim().to_owned(),
                    secret_id: credential(secret_id.trim().to_owned()),
                }),
                (role, _) => Err(Unreadable::new(
                    format!(
                        "signing in to Vault with AppRole needs `{}`, which is not set",
                        if role.is_none() {
                            "VAULT_ROLE_ID"
                        } else {
                            "VAULT_SECRET_ID"
                        }
                    ),
                    "set `VAULT_ROLE_ID` and `VAULT_SECRET_ID` in the environment of this command",
                )),
            }
        }
        "kubernetes" => {
            let Some(role) = set("VAULT_K8S_ROLE").or_else(|| settings.role.clone()) else {
                return Err(Unreadable::new(
                    "signing in to Vault with Kubernetes needs a role",
                    "set `VAULT_K8S_ROLE` or write `vault role=\"…\"` in the project's `secrets` block",
                ));
            };
            let path = set("VAULT_K8S_TOKEN_PATH").unwrap_or_else(|| K8S_TOKEN_PATH.to_owned());
            let jwt = crate::resolve::read_text(Path::new(&path)).map_err(|error| {
                Unreadable::new(
                    format!("the Kubernetes service-account token `{path}` cannot be read: {error}"),
                    "run in a pod with a service account, or point `VAULT_K8S_TOKEN_PATH` at the token file",
                )
            })?;
            Ok(Auth::Kubernetes {
                mount: mount("kubernetes"),
                role: role.trim().to_owned(),
                jwt: credential(jwt.trim().to_owned()),
            })
        }
        _ => {
            if let Some(token) = set("VAULT_TOKEN") {
                return Ok(Auth::Token {
                    token: credential(token.trim().to_owned()),
                });
            }
            let file = set("HOME").map(|home| PathBuf::from(home).join(".vault-token"));
            if let Some(token) = file
                .as_ref()
                .and_then(|f| crate::resolve::read_text(f).ok())
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
            {
                return Ok(Auth::Token {
                    token: credential(token),
                });
            }
            Err(Unreadable::new(
                "no Vault token: `VAULT_TOKEN` is not set and there is no `~/.vault-token`",
                "set `VAULT_TOKEN`, run `vault login` (it writes `~/.vault-token`), or sign in with `auth=\"approle\"` or `auth=\"kubernetes\"` in the project's `secrets { vault … }`",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(ttl: u64, renewable: bool, age: u64) -> (Session, Instant) {
        let since = Instant::now();
        (
            Session {
                token: SecretString::new("t".into()),
                ttl: (ttl > 0).then(|| Duration::from_secs(ttl)),
                renewable,
                since,
            },
            since + Duration::from_secs(age),
        )
    }

    #[test]
    fn a_token_is_renewed_when_a_third_of_its_ttl_is_left() {
        let (s, now) = session(90, true, 59);
        assert_eq!(due(&s, now), Due::Fresh);
        let (s, now) = session(90, true, 61);
        assert_eq!(due(&s, now), Due::Renew);
        let (s, now) = session(90, false, 61);
        assert_eq!(due(&s, now), Due::Expired, "not renewable: log in again");
        let (s, now) = session(90, true, 90);
        assert_eq!(due(&s, now), Due::Expired);
        let (s, now) = session(0, false, 1_000_000);
        assert_eq!(due(&s, now), Due::Fresh, "a lease of 0 never expires");
    }

    #[test]
    fn vault_errors_are_joined_and_redacted() {
        let secret = SecretString::new("zq-vault-error-secret-9".into());
        crate::secrets::redact::remember(&secret);
        let reply = json!({"errors": ["permission denied", "bad zq-vault-error-secret-9"]});
        assert_eq!(vault_errors(&reply), ": permission denied; bad (sensitive)");
        assert_eq!(vault_errors(&json!({"errors": []})), "");
    }
}
