//! A local stand-in for HashiCorp Vault: the part of its HTTP API that
//! Mirage's `vault:` references use, so tests and benchmarks run without a
//! Vault (which cannot be installed here). It follows Vault's documented
//! API (Vault 1.x, API version `v1`):
//!
//! * KV version 2 — <https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2>:
//!   `GET /v1/:mount/data/:path[?version=N]` (`{"data": {"data": {…},
//!   "metadata": {created_time, custom_metadata, deletion_time, destroyed,
//!   version}}}`; a deleted or destroyed version is a 404 whose body still
//!   holds `data: null` and the metadata), `POST /v1/:mount/data/:path`
//!   (`{"data": {…}}` writes a new version), `DELETE /v1/:mount/data/:path`
//!   (soft-deletes the latest version), `POST /v1/:mount/delete/:path`,
//!   `POST /v1/:mount/undelete/:path` and `POST /v1/:mount/destroy/:path`
//!   (`{"versions": [N, …]}`);
//! * AppRole — <https://developer.hashicorp.com/vault/api-docs/auth/approle>:
//!   `POST /v1/auth/approle/login` (`{"role_id", "secret_id"}`);
//! * Kubernetes — <https://developer.hashicorp.com/vault/api-docs/auth/kubernetes>:
//!   `POST /v1/auth/kubernetes/login` (`{"role", "jwt"}`);
//! * tokens — <https://developer.hashicorp.com/vault/api-docs/auth/token>:
//!   `POST /v1/auth/token/renew-self`, `GET /v1/auth/token/lookup-self`;
//!   a login answers `{"auth": {"client_token", "policies",
//!   "lease_duration", "renewable", …}}`;
//! * `GET /v1/sys/health` and `GET /v1/sys/seal-status`
//!   (<https://developer.hashicorp.com/vault/api-docs/system/health>);
//! * status codes and error bodies —
//!   <https://developer.hashicorp.com/vault/api-docs#http-status-codes>:
//!   `{"errors": […]}`, 400 for a bad request, 403 `["permission denied"]`
//!   for a missing, unknown or expired token or a path outside its policy,
//!   404 `{"errors": []}` for a missing path, 503 `["Vault is sealed"]`.
//!
//! A token's policy is a list of paths in Vault's policy syntax
//! (`secret/data/shop/*`: a trailing `*` is a prefix; `*` alone allows
//! everything). A server given a namespace refuses (403) every request
//! that does not carry it in `X-Vault-Namespace`, as a token of a
//! namespace is unknown at the root. Knobs: a latency added to every
//! request, a sealed switch, and counters of the requests it answered.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::clock::rfc3339;

/// A token's permissions: Vault policy paths (`secret/data/shop/*`).
#[derive(Debug, Clone, Default)]
pub struct Policy(pub Vec<String>);

impl Policy {
    /// A policy allowing every path.
    pub fn all() -> Policy {
        Policy(vec!["*".into()])
    }

    /// A policy of these paths.
    pub fn paths(paths: &[&str]) -> Policy {
        Policy(paths.iter().map(|p| (*p).to_owned()).collect())
    }

    fn allows(&self, path: &str) -> bool {
        self.0.iter().any(|rule| match rule.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == rule,
        })
    }
}

#[derive(Debug, Clone)]
struct Token {
    policy: Policy,
    /// `None`: never expires (a root-like token).
    ttl: Option<Duration>,
    renewable: bool,
    expires: Option<Instant>,
}

#[derive(Debug, Clone)]
struct Version {
    data: Option<Map<String, Value>>,
    created_ms: i64,
    deleted_ms: Option<i64>,
    destroyed: bool,
}

#[derive(Debug, Clone)]
enum AuthMethod {
    /// role ID → (secret ID, policy, TTL).
    AppRole(HashMap<String, (String, Policy, Duration)>),
    /// role → (service-account JWT, policy, TTL).
    Kubernetes(HashMap<String, (String, Policy, Duration)>),
}

#[derive(Debug, Default)]
struct Data {
    secrets: HashMap<(String, String), Vec<Version>>,
    tokens: HashMap<String, Token>,
    auth: HashMap<String, AuthMethod>,
    namespace: Option<String>,
    log: Vec<String>,
}

#[derive(Debug, Default)]
struct Shared {
    data: Mutex<Data>,
    sealed: AtomicBool,
    latency_ms: AtomicU64,
    requests: AtomicU64,
    reads: AtomicU64,
    logins: AtomicU64,
    renewals: AtomicU64,
    issued: AtomicU64,
    in_flight: AtomicU64,
    most_in_flight: AtomicU64,
}

/// Counts a request in flight for as long as it lives.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn new(shared: &'a Shared) -> InFlight<'a> {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.most_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running test Vault, serving until dropped. Clones share it.
#[derive(Clone)]
pub struct VaultServer {
    scheme: &'static str,
    addr: SocketAddr,
    shared: Arc<Shared>,
    _stop: Arc<Stop>,
}

struct Stop(Mutex<Option<oneshot::Sender<()>>>);

impl Drop for Stop {
    fn drop(&mut self) {
        if let Ok(mut tx) = self.0.lock()
            && let Some(tx) = tx.take()
        {
            let _ = tx.send(());
        }
    }
}

impl std::fmt::Debug for VaultServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VaultServer({})", self.addr)
    }
}

impl VaultServer {
    /// Starts a server on `127.0.0.1` at a free port, with the `approle`
    /// and `kubernetes` auth methods mounted and nothing stored.
    pub async fn start() -> std::io::Result<VaultServer> {
        VaultServer::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts a server on `listen`.
    pub async fn start_on(listen: SocketAddr) -> std::io::Result<VaultServer> {
        VaultServer::launch(listen, None).await
    }

    /// Starts a server on `127.0.0.1` serving HTTPS with the PEM
    /// certificate chain `cert` and its private key `key` (PKCS#8, SEC1 or
    /// PKCS#1), for tests of `VAULT_CACERT`.
    pub async fn start_tls(cert: &[u8], key: &[u8]) -> std::io::Result<VaultServer> {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let invalid = |e: &dyn std::fmt::Display| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())
        };
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
            .collect::<Result<_, _>>()
            .map_err(|e| invalid(&e))?;
        let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| invalid(&e))?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(&e))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| invalid(&e))?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        VaultServer::launch(SocketAddr::from(([127, 0, 0, 1], 0)), Some(acceptor)).await
    }

    /// `https://…` when it serves TLS.
    async fn launch(
        listen: SocketAddr,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> std::io::Result<VaultServer> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        {
            let mut data = lock(&shared);
            data.auth
                .insert("approle".into(), AuthMethod::AppRole(HashMap::new()));
            data.auth
                .insert("kubernetes".into(), AuthMethod::Kubernetes(HashMap::new()));
        }
        let router = Router::new()
            .route("/v1/{*rest}", axum::routing::any(handle))
            .with_state(shared.clone());
        let (tx, rx) = oneshot::channel();
        let scheme = match tls {
            Some(acceptor) => {
                tokio::spawn(serve_tls(listener, router, acceptor, rx));
                "https"
            }
            None => {
                tokio::spawn(super::server::serve(listener, router, rx));
                "http"
            }
        };
        Ok(VaultServer {
            scheme,
            addr,
            shared,
            _stop: Arc::new(Stop(Mutex::new(Some(tx)))),
        })
    }

    /// `http://127.0.0.1:PORT` (`https://` when it serves TLS), the value
    /// of `VAULT_ADDR`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Writes a new version of `mount/path` holding `data` (a JSON object);
    /// returns its version number.
    pub fn put(&self, mount: &str, path: &str, data: Value) -> u64 {
        let data = data.as_object().cloned().unwrap_or_default();
        let mut d = lock(&self.shared);
        let versions = d
            .secrets
            .entry((mount.to_owned(), path.to_owned()))
            .or_default();
        versions.push(Version {
            data: Some(data),
            created_ms: now_ms(),
            deleted_ms: None,
            destroyed: false,
        });
        versions.len() as u64
    }

    /// Soft-deletes `version` of `mount/path` (sets its `deletion_time`).
    pub fn delete_version(&self, mount: &str, path: &str, version: u64) {
        self.change(mount, path, version, |v| v.deleted_ms = Some(now_ms()));
    }

    /// Destroys `version` of `mount/path` (its data is gone for good).
    pub fn destroy_version(&self, mount: &str, path: &str, version: u64) {
        self.change(mount, path, version, |v| {
            v.destroyed = true;
            v.data = None;
        });
    }

    fn change(&self, mount: &str, path: &str, version: u64, f: impl FnOnce(&mut Version)) {
        let mut d = lock(&self.shared);
        if let Some(v) = d
            .secrets
            .get_mut(&(mount.to_owned(), path.to_owned()))
            .and_then(|vs| vs.get_mut(version.saturating_sub(1) as usize))
        {
            f(v);
        }
    }

    /// Accepts `token` (which never expires) with `policy`.
    pub fn add_token(&self, token: &str, policy: Policy) {
        lock(&self.shared).tokens.insert(
            token.to_owned(),
            Token {
                policy,
                ttl: None,
                renewable: false,
                expires: None,
            },
        );
    }

    /// Forgets `token` (as `vault token revoke` does).
    pub fn revoke(&self, token: &str) {
        lock(&self.shared).tokens.remove(token);
    }

    /// Forgets every token issued so far by a login.
    pub fn revoke_logins(&self) {
        lock(&self.shared).tokens.retain(|_, t| t.ttl.is_none());
    }

    /// Adds an AppRole `role_id`/`secret_id` to the AppRole method mounted
    /// at `auth/MOUNT` (mounting it if need be); its logins get tokens of
    /// `policy` living `ttl`, renewable.
    pub fn add_approle(
        &self,
        mount: &str,
        role_id: &str,
        secret_id: &str,
        policy: Policy,
        ttl: Duration,
    ) {
        let mut d = lock(&self.shared);
        let method = d
            .auth
            .entry(mount.to_owned())
            .or_insert_with(|| AuthMethod::AppRole(HashMap::new()));
        if let AuthMethod::AppRole(roles) = method {
            roles.insert(role_id.to_owned(), (secret_id.to_owned(), policy, ttl));
        }
    }

    /// Adds a Kubernetes `role` accepting the service-account token `jwt`
    /// to the method mounted at `auth/MOUNT`.
    pub fn add_kubernetes_role(
        &self,
        mount: &str,
        role: &str,
        jwt: &str,
        policy: Policy,
        ttl: Duration,
    ) {
        let mut d = lock(&self.shared);
        let method = d
            .auth
            .entry(mount.to_owned())
            .or_insert_with(|| AuthMethod::Kubernetes(HashMap::new()));
        if let AuthMethod::Kubernetes(roles) = method {
            roles.insert(role.to_owned(), (jwt.to_owned(), policy, ttl));
        }
    }

    /// Serves only requests carrying `X-Vault-Namespace: NAMESPACE`.
    pub fn set_namespace(&self, namespace: Option<&str>) {
        lock(&self.shared).namespace = namespace.map(str::to_owned);
    }

    /// Seals or unseals the server.
    pub fn set_sealed(&self, sealed: bool) {
        self.shared.sealed.store(sealed, Ordering::SeqCst);
    }

    /// Adds `latency` before every answer.
    pub fn set_latency(&self, latency: Duration) {
        self.shared
            .latency_ms
            .store(latency.as_millis() as u64, Ordering::SeqCst);
    }

    /// Every request answered so far.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// KV reads (`GET …/data/…`) answered so far.
    pub fn reads(&self) -> u64 {
        self.shared.reads.load(Ordering::SeqCst)
    }

    /// Logins (AppRole or Kubernetes) answered so far, failed ones included.
    pub fn logins(&self) -> u64 {
        self.shared.logins.load(Ordering::SeqCst)
    }

    /// `renew-self` requests answered so far.
    pub fn renewals(&self) -> u64 {
        self.shared.renewals.load(Ordering::SeqCst)
    }

    /// The most requests it has answered at the same time.
    pub fn most_in_flight(&self) -> u64 {
        self.shared.most_in_flight.load(Ordering::SeqCst)
    }

    /// `METHOD /v1/path[?query]` of every request so far, in order.
    pub fn log(&self) -> Vec<String> {
        lock(&self.shared).log.clone()
    }
}

/// Serves `router` over TLS until `shutdown` fires; a failed handshake
/// closes its connection only.
async fn serve_tls(
    listener: TcpListener,
    router: Router,
    acceptor: tokio_rustls::TlsAcceptor,
    mut shutdown: oneshot::Receiver<()>,
) {
    use tower::ServiceExt as _;
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let (router, acceptor) = (router.clone(), acceptor.clone());
                connections.spawn(async move {
                    let Ok(stream) = acceptor.accept(stream).await else { return };
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            router.clone().oneshot(req.map(axum::body::Body::new))
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Data> {
    shared.data.lock().unwrap_or_else(|e| e.into_inner())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn errors(status: StatusCode, messages: &[&str]) -> Response {
    (status, axum::Json(json!({ "errors": messages }))).into_response()
}

fn denied() -> Response {
    errors(StatusCode::FORBIDDEN, &["permission denied"])
}

fn envelope(data: Value, auth: Value) -> Value {
    json!({
        "request_id": format!("{:016x}", fastrand::u64(..)),
        "lease_id": "",
        "renewable": false,
        "lease_duration": 0,
        "data": data,
        "wrap_info": null,
        "warnings": null,
        "auth": auth,
        "mount_type": "",
    })
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    Path(rest): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let _counted = InFlight::new(&shared);
    {
        let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let q = if q.is_empty() {
            String::new()
        } else {
            format!("?{}", q.join("&"))
        };
        lock(&shared).log.push(format!("{method} /v1/{rest}{q}"));
    }
    let latency = shared.latency_ms.load(Ordering::SeqCst);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let sealed = shared.sealed.load(Ordering::SeqCst);
    match rest.as_str() {
        "sys/health" => {
            let status = if sealed {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            };
            return (
                status,
                axum::Json(json!({
                    "initialized": true, "sealed": sealed, "standby": false,
                    "performance_standby": false, "replication_performance_mode": "disabled",
                    "replication_dr_mode": "disabled", "server_time_utc": now_ms() / 1000,
                    "version": "1.17.0+mirage-test", "cluster_name": "mirage-test",
                })),
            )
                .into_response();
        }
        "sys/seal-status" => {
            return axum::Json(json!({
                "type": "shamir", "initialized": true, "sealed": sealed, "t": 1, "n": 1,
                "progress": 0, "nonce": "", "version": "1.17.0+mirage-test",
                "migration": false, "recovery_seal": false, "storage_type": "inmem",
            }))
            .into_response();
        }
        _ => {}
    }
    if sealed {
        return errors(StatusCode::SERVICE_UNAVAILABLE, &["Vault is sealed"]);
    }
    let namespace = headers
        .get("x-vault-namespace")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_matches('/').to_owned());
    let wanted = lock(&shared).namespace.clone();
    if wanted.as_deref().map(|w| w.trim_matches('/')) != namespace.as_deref() {
        return denied();
    }
    let body: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return errors(StatusCode::BAD_REQUEST, &["failed to parse JSON input"]),
        }
    };
    if let Some(auth_path) = rest.strip_prefix("auth/") {
        if auth_path == "token/renew-self" && method == Method::POST {
            return renew_self(&shared, &headers);
        }
        if auth_path == "token/lookup-self" && method == Method::GET {
            return lookup_self(&shared, &headers);
        }
        if let Some(mount) = auth_path.strip_suffix("/login")
            && method == Method::POST
        {
            return login(&shared, mount, &body);
        }
        return errors(
            StatusCode::NOT_FOUND,
            &[&format!(
                "no handler for route \"{rest}\". route entry not found."
            )],
        );
    }
    // KV v2: MOUNT/(data|delete|undelete|destroy)/PATH.
    let mut parts = rest.splitn(3, '/');
    let (Some(mount), Some(op), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
        return errors(StatusCode::NOT_FOUND, &[]);
    };
    let policy_path = format!("{mount}/{op}/{path}");
    let token = headers
        .get("x-vault-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !token_allows(&shared, token, &policy_path) {
        return denied();
    }
    let key = (mount.to_owned(), path.to_owned());
    match (op, &method) {
        ("data", &Method::GET) => {
            shared.reads.fetch_add(1, Ordering::SeqCst);
            read(&shared, &key, query.get("version"))
        }
        ("data", &Method::POST) | ("data", &Method::PUT) => {
            let Some(data) = body.get("data").and_then(Value::as_object) else {
                return errors(StatusCode::BAD_REQUEST, &["no data provided"]);
            };
            let mut d = lock(&shared);
            let versions = d.secrets.entry(key).or_default();
            versions.push(Version {
                data: Some(data.clone()),
                created_ms: now_ms(),
                deleted_ms: None,
                destroyed: false,
            });
            let n = versions.len();
            let v = &versions[n - 1];
            axum::Json(envelope(metadata(v, n as u64), Value::Null)).into_response()
        }
        ("data", &Method::DELETE) => {
            let mut d = lock(&shared);
            if let Some(v) = d.secrets.get_mut(&key).and_then(|vs| vs.last_mut()) {
                v.deleted_ms.get_or_insert_with(now_ms);
            }
            StatusCode::NO_CONTENT.into_response()
        }
        ("delete" | "undelete" | "destroy", &Method::POST) => {
            let Some(numbers) = body.get("versions").and_then(Value::as_array) else {
                return errors(StatusCode::BAD_REQUEST, &["no versions provided"]);
            };
            let mut d = lock(&shared);
            if let Some(versions) = d.secrets.get_mut(&key) {
                for n in numbers.iter().filter_map(Value::as_u64) {
                    let Some(v) = versions.get_mut(n.saturating_sub(1) as usize) else {
                        continue;
                    };
                    match op {
                        "delete" => {
                            v.deleted_ms.get_or_insert_with(now_ms);
                        }
                        "undelete" if !v.destroyed => v.deleted_ms = None,
                        "destroy" => {
                            v.destroyed = true;
                            v.data = None;
                        }
                        _ => {}
                    }
                }
            }
            StatusCode::NO_CONTENT.into_response()
        }
        _ => errors(StatusCode::METHOD_NOT_ALLOWED, &[]),
    }
}

fn token_allows(shared: &Shared, token: &str, path: &str) -> bool {
    let mut d = lock(shared);
    let Some(t) = d.tokens.get(token) else {
        return false;
    };
    if t.expires.is_some_and(|e| e <= Instant::now()) {
        d.tokens.remove(token);
        return false;
    }
    t.policy.allows(path)
}

fn metadata(v: &Version, version: u64) -> Value {
    json!({
        "created_time": rfc3339(v.created_ms),
        "custom_metadata": null,
        "deletion_time": v.deleted_ms.map(rfc3339).unwrap_or_default(),
        "destroyed": v.destroyed,
        "version": version,
    })
}

fn read(shared: &Shared, key: &(String, String), version: Option<&String>) -> Response {
    let d = lock(shared);
    let Some(versions) = d.secrets.get(key) else {
        return errors(StatusCode::NOT_FOUND, &[]);
    };
    let n = match version {
        None => versions.len() as u64,
        Some(text) => match text.parse::<u64>() {
            Ok(0) => versions.len() as u64,
            Ok(n) => n,
            Err(_) => return errors(StatusCode::BAD_REQUEST, &["invalid version"]),
        },
    };
    let Some(v) = versions.get(n.saturating_sub(1) as usize) else {
        return errors(StatusCode::NOT_FOUND, &[]);
    };
    let live = v.deleted_ms.is_none() && !v.destroyed;
    let data = if live {
        Value::Object(v.data.clone().unwrap_or_default())
    } else {
        Value::Null
    };
    let body = envelope(
        json!({ "data": data, "metadata": metadata(v, n) }),
        Value::Null,
    );
    let status = if live {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    (status, axum::Json(body)).into_response()
}

fn issue(shared: &Shared, policy: Policy, ttl: Duration, role: &str) -> Response {
    let n = shared.issued.fetch_add(1, Ordering::SeqCst);
    let token = format!("hvs.test{n}{:016x}", fastrand::u64(..));
    let names: Vec<String> = std::iter::once("default".to_owned())
        .chain(policy.0.iter().cloned())
        .collect();
    lock(shared).tokens.insert(
        token.clone(),
        Token {
            policy,
            ttl: Some(ttl),
            renewable: true,
            expires: Some(Instant::now() + ttl),
        },
    );
    let auth = json!({
        "client_token": token,
        "accessor": format!("acc{n}"),
        "policies": names,
        "token_policies": names,
        "metadata": { "role_name": role },
        "lease_duration": ttl.as_secs(),
        "renewable": true,
        "entity_id": "",
        "token_type": "service",
        "orphan": true,
    });
    axum::Json(envelope(Value::Null, auth)).into_response()
}

fn login(shared: &Shared, mount: &str, body: &Value) -> Response {
    shared.logins.fetch_add(1, Ordering::SeqCst);
    let method = lock(shared).auth.get(mount).cloned();
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default();
    match method {
        None => errors(
            StatusCode::NOT_FOUND,
            &[&format!(
                "no handler for route \"auth/{mount}/login\". route entry not found."
            )],
        ),
        Some(AuthMethod::AppRole(roles)) => {
            if text("role_id").is_empty() {
                return errors(StatusCode::BAD_REQUEST, &["missing role_id"]);
            }
            match roles.get(text("role_id")) {
                Some((secret, policy, ttl)) if secret == text("secret_id") => {
                    issue(shared, policy.clone(), *ttl, text("role_id"))
                }
                _ => errors(StatusCode::BAD_REQUEST, &["invalid role or secret ID"]),
            }
        }
        Some(AuthMethod::Kubernetes(roles)) => {
            let role = text("role");
            if role.is_empty() {
                return errors(StatusCode::BAD_REQUEST, &["missing role"]);
            }
            match roles.get(role) {
                None => errors(
                    StatusCode::BAD_REQUEST,
                    &[&format!("invalid role name \"{role}\"")],
                ),
                Some((jwt, policy, ttl)) if jwt == text("jwt") => {
                    issue(shared, policy.clone(), *ttl, role)
                }
                Some(_) => denied(),
            }
        }
    }
}

fn renew_self(shared: &Shared, headers: &HeaderMap) -> Response {
    shared.renewals.fetch_add(1, Ordering::SeqCst);
    let token = headers
        .get("x-vault-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut d = lock(shared);
    let Some(t) = d.tokens.get_mut(&token) else {
        return denied();
    };
    if t.expires.is_some_and(|e| e <= Instant::now()) {
        d.tokens.remove(&token);
        return denied();
    }
    if !t.renewable {
        return errors(StatusCode::BAD_REQUEST, &["lease is not renewable"]);
    }
    let ttl = t.ttl.unwrap_or_default();
    t.expires = Some(Instant::now() + ttl);
    let names: Vec<String> = std::iter::once("default".to_owned())
        .chain(t.policy.0.iter().cloned())
        .collect();
    let auth = json!({
        "client_token": token,
        "policies": names,
        "token_policies": names,
        "lease_duration": ttl.as_secs(),
        "renewable": true,
    });
    axum::Json(envelope(Value::Null, auth)).into_response()
}

fn lookup_self(shared: &Shared, headers: &HeaderMap) -> Response {
    let token = headers
        .get("x-vault-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let d = lock(shared);
    let Some(t) = d.tokens.get(token) else {
        return denied();
    };
    let ttl = t
        .expires
        .map_or(0, |e| e.saturating_duration_since(Instant::now()).as_secs());
    let data = json!({
        "policies": t.policy.0,
        "ttl": ttl,
        "renewable": t.renewable,
        "type": "service",
    });
    axum::Json(envelope(data, Value::Null)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_match_exact_paths_and_prefixes() {
        let p = Policy::paths(&["secret/data/shop/*", "kv/data/one"]);
        assert!(p.allows("secret/data/shop/stripe"));
        assert!(p.allows("kv/data/one"));
        assert!(!p.allows("kv/data/one/two"));
        assert!(!p.allows("secret/data/other"));
        assert!(Policy::all().allows("anything/data/x"));
    }
}
