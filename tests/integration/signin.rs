//! Serve's browser sign-in against a real OpenID provider
//! (`tests/oidc/provider.mjs`, `oidc-provider`), driven as a browser
//! would: a cookie jar, redirects followed by hand, the provider's login
//! and consent forms posted. The service's public URL is
//! `https://mirage.example.test` (as behind a proxy): the "browser" sends
//! what is addressed there to the service's loopback port.
//!
//! Also `/metrics`: counters move, the Railway webhook's secret never
//! shows, the token is asked when configured. Both state backends.

use crate::auth_oidc;
use crate::support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use mirage::auth::WebhookSecret;
use mirage::serve::{self, Config, Running, SigninConfig, Unwired, UrlSecret};
use mirage::state::Location;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use sha2::Digest as _;

const PUBLIC: &str = "https://mirage.example.test";
const WEB_SECRET: &str = "web-secret-not-real-but-long-enough-0123456789";
const RAILWAY_SECRET: &str = "railway-hook-secret-0123456789abcdef";
const METRICS_TOKEN: &str = "metrics-token-0123456789";

/// A browser: one cookie jar per host, no automatic redirects.
struct Browser {
    http: reqwest::Client,
    jar: HashMap<String, HashMap<String, String>>,
    /// Where `PUBLIC` really is.
    service: String,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    body: String,
    headers: HeaderMap,
}

impl Page {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Browser {
    fn new(service: &Running) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: HashMap::new(),
            service: format!("http://{}", service.addr()),
        }
    }

    fn host(url: &str) -> String {
        reqwest::Url::parse(url)
            .unwrap()
            .host_str()
            .unwrap()
            .to_owned()
            + ":"
            + &reqwest::Url::parse(url)
                .unwrap()
                .port_or_known_default()
                .unwrap()
                .to_string()
    }

    fn cookie(&self, url: &str, name: &str) -> Option<String> {
        self.jar.get(&Self::host(url))?.get(name).cloned()
    }

    fn set_cookie(&mut self, url: &str, name: &str, value: &str) {
        self.jar
            .entry(Self::host(url))
            .or_default()
            .insert(name.to_owned(), value.to_owned());
    }

    async fn send(
        &mut self,
        method: reqwest::Method,
        url: &str,
        body: Option<String>,
        extra: &[(&str, &str)],
    ) -> Page {
        let real = match url.strip_prefix(PUBLIC) {
            Some(rest) => format!("{}{rest}", self.service),
            None => url.to_owned(),
        };
        let mut request = self.http.request(method, &real);
        if let Some(jar) = self.jar.get(&Self::host(url)) {
            let cookies: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if !cookies.is_empty() {
                request = request.header("cookie", cookies.join("; "));
            }
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let first = text.split(';').next().unwrap();
            let (name, value) = first.split_once('=').unwrap();
            let gone = text.contains("Max-Age=0") || text.contains("expires=Thu, 01 Jan 1970");
            let jar = self.jar.entry(Self::host(url)).or_default();
            if gone || value.is_empty() {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let location = headers.get("location").map(|l| {
            reqwest::Url::parse(url)
                .unwrap()
                .join(l.to_str().unwrap())
                .unwrap()
                .to_string()
        });
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            location,
            body,
            headers,
        }
    }

    async fn get(&mut self, url: &str) -> Page {
        self.send(reqwest::Method::GET, url, None, &[]).await
    }

    /// Follows the provider's redirects and posts its login (as `user`)
    /// and consent forms until it sends the browser back to the service:
    /// that callback URL, not followed.
    async fn through_provider(&mut self, mut url: String, user: &str, abort: bool) -> String {
        for _ in 0..20 {
            if url.starts_with(PUBLIC) {
                return url;
            }
            let page = self.get(&url).await;
            if let Some(next) = page.location {
                url = next;
                continue;
            }
            assert_eq!(page.status, StatusCode::OK, "{url}: {}", page.body);
            let form = reqwest::Url::parse(&url).unwrap();
            if abort {
                url = format!("{url}/abort");
                continue;
            }
            let body = if page.body.contains("name=\"prompt\" value=\"login\"") {
                format!("prompt=login&login={user}&password=anything")
            } else if page.body.contains("name=\"prompt\" value=\"consent\"") {
                "prompt=consent".to_owned()
            } else {
                panic!("an unknown page at {url}: {}", page.body)
            };
            let posted = self
                .send(reqwest::Method::POST, form.as_str(), Some(body), &[])
                .await;
            url = posted
                .location
                .unwrap_or_else(|| panic!("no redirect after posting: {}", posted.body));
        }
        panic!("the provider never sent the browser back")
    }

    /// `/auth/login?return_to=…` → the provider's authorization URL.
    async fn begin(&mut self, return_to: &str) -> String {
        let page = self
            .get(&format!("{PUBLIC}/auth/login?return_to={return_to}"))
            .await;
        assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
        page.location.expect("a redirect to the provider")
    }

    /// A whole sign-in as `user`; the callback's answer.
    async fn sign_in(&mut self, user: &str, return_to: &str) -> Page {
        let authorize = self.begin(return_to).await;
        let callback = self.through_provider(authorize, user, false).await;
        self.get(&callback).await
    }

    fn session_cookie(&self) -> Option<String> {
        self.cookie(PUBLIC, "__Host-mirage_session")
    }
}

fn query(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn with_query(url: &str, name: &str, value: &str) -> String {
    let mut parsed = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn config(location: &Location, issuer: &str, client: &str, secret: Option<&str>) -> Config {
    serve::log::set_enabled(false);
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        location.clone(),
        "shop",
        WebhookSecret::new("It's a Secret to Everybody").unwrap(),
    );
    config.gc_every = None;
    config.railway_secret = Some(UrlSecret::new(RAILWAY_SECRET).unwrap());
    config.oidc_issuer = Some(issuer.to_owned());
    let mut signin = SigninConfig::new(issuer, client, PUBLIC).unwrap();
    signin.client_secret = secret.map(|s| mirage::secrets::SecretString::new(s.to_owned()));
    config.signin = Some(signin);
    config
}

async fn start(config: Config) -> Running {
    serve::start(config, Arc::new(Unwired))
        .await
        .expect("serve starts")
}

/// The text of every row of the sign-in tables (SQLite: the file and
/// its WAL, as bytes; PostgreSQL: `psql`'s dump of the tables).
fn database_text(location: &Location) -> String {
    match location {
        Location::File(path) => {
            let mut text = String::new();
            for suffix in ["", "-wal"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                if let Ok(bytes) = std::fs::read(&file) {
                    text.push_str(&String::from_utf8_lossy(&bytes));
                }
            }
            text
        }
        Location::Postgres { .. } => {
            let server = support::postgres().expect("postgres");
            let db = location.to_string();
            let name = db.rsplit('/').next().unwrap().split('?').next().unwrap();
            server.sql(
                name,
                "SELECT * FROM auth_sessions; SELECT * FROM auth_logins;",
            )
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_sign_in_sessions_csrf_and_metrics_on_both_backends() {
    let Some(provider) = auth_oidc::start() else {
        return;
    };
    for (backend, location, _dir) in support::backends() {
        eprintln!("backend: {backend}");
        scenario(&provider.issuer, &location).await;
    }
}

async fn scenario(issuer: &str, location: &Location) {
    // Replica A: the confidential client, `/metrics` behind a token.
    let mut a = config(location, issuer, "mirage-web", Some(WEB_SECRET));
    a.metrics_token = Some(mirage::secrets::SecretString::new(METRICS_TOKEN.to_owned()));
    let a = start(a).await;
    // Replica B: the same client and database, logins that expire at once.
    let mut b = config(location, issuer, "mirage-web", Some(WEB_SECRET));
    if let Some(signin) = &mut b.signin {
        signin.login_ttl = Duration::ZERO;
    }
    let b = start(b).await;
    let store = a.store().clone();

    // ---- A full sign-in: 303 to `return_to`, a `__Host-` cookie.
    let mut browser = Browser::new(&a);
    let authorize = browser.begin("/projects/shop?tab=envs").await;
    assert!(
        authorize.starts_with(&format!("{issuer}/auth?")),
        "{authorize}"
    );
    assert_eq!(query(&authorize, "response_type").as_deref(), Some("code"));
    assert_eq!(
        query(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        query(&authorize, "scope").as_deref(),
        Some("openid email profile")
    );
    assert_eq!(
        query(&authorize, "redirect_uri").as_deref(),
        Some("https://mirage.example.test/auth/callback")
    );
    assert!(query(&authorize, "nonce").is_some() && query(&authorize, "state").is_some());
    let callback = browser
        .through_provider(authorize.clone(), "alice", false)
        .await;
    let code = query(&callback, "code").expect("a code");
    let done = browser.get(&callback).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.location.as_deref(),
        Some("https://mirage.example.test/projects/shop?tab=envs")
    );
    let set_cookie: Vec<&str> = done
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .filter(|v| v.starts_with("__Host-mirage_session="))
        .collect();
    assert_eq!(set_cookie.len(), 1);
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie[0].contains(attribute), "{}", set_cookie[0]);
    }
    let cookie = browser.session_cookie().expect("a session cookie");
    assert_eq!(B64.decode(&cookie).unwrap().len(), 32, "256 bits");

    // `/auth/session` shows the user and the CSRF token.
    let session = browser.get(&format!("{PUBLIC}/auth/session")).await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.body);
    let json = session.json();
    assert_eq!(json["user"]["sub"], "alice");
    assert_eq!(json["user"]["email"], "alice@example.com");
    assert_eq!(json["user"]["name"], "Alice Example");
    let csrf = json["csrf_token"].as_str().unwrap().to_owned();

    // The database holds the session's hash, never its id or CSRF token.
    let rows = store.sessions_of("alice").unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id_hash, sha256_hex(&B64.decode(&cookie).unwrap()));
    let text = database_text(location);
    assert!(text.contains(&rows[0].id_hash), "the dump shows the rows");
    assert!(!text.contains(&cookie), "a session id in clear");
    assert!(!text.contains(&csrf), "a CSRF token in clear");

    // ---- The same callback again: its `state` was used.
    let again = browser.get(&callback).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.code(), "mirage::auth::login_unknown");
    assert!(again.json()["error"]["help"].is_string());
    // A forged `state`: refused, nothing created.
    let forged = browser
        .get(&with_query(&callback, "state", "forged-state-0123456789"))
        .await;
    assert_eq!(forged.code(), "mirage::auth::login_unknown");
    assert_eq!(store.sessions_of("alice").unwrap().len(), 1);

    // ---- The used code with a fresh login: the provider refuses it.
    let mut second = Browser::new(&a);
    let fresh = second.begin("/").await;
    let fresh_callback = second.through_provider(fresh, "bob", false).await;
    let reused = second
        .get(&with_query(&fresh_callback, "code", &code))
        .await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST, "{}", reused.body);
    assert_eq!(reused.code(), "mirage::auth::code_refused");
    assert!(store.sessions_of("bob").unwrap().is_empty());

    // ---- Another browser carrying this browser's callback: refused.
    let mut third = Browser::new(&a);
    let theirs = third.begin("/").await;
    let their_callback = third.through_provider(theirs, "carol", false).await;
    let mut stranger = Browser::new(&a);
    let stolen = stranger.get(&their_callback).await;
    assert_eq!(stolen.code(), "mirage::auth::login_browser");
    assert!(store.sessions_of("carol").unwrap().is_empty());

    // ---- A nonce altered on the way to the provider: the ID token's
    // nonce is not the login's.
    let mut fourth = Browser::new(&a);
    let authorize = fourth.begin("/").await;
    let altered = with_query(&authorize, "nonce", "someone-elses-nonce");
    let callback = fourth.through_provider(altered, "dave", false).await;
    let wrong_nonce = fourth.get(&callback).await;
    assert_eq!(wrong_nonce.code(), "mirage::auth::id_token_refused");
    assert!(wrong_nonce.body.contains("nonce"), "{}", wrong_nonce.body);
    assert!(store.sessions_of("dave").unwrap().is_empty());

    // ---- The user declines at the provider: its error, clearly.
    let mut fifth = Browser::new(&a);
    let authorize = fifth.begin("/").await;
    let callback = fifth.through_provider(authorize, "erin", true).await;
    let declined = fifth.get(&callback).await;
    assert_eq!(declined.status, StatusCode::BAD_REQUEST);
    assert_eq!(declined.code(), "mirage::auth::provider_refused");
    assert!(declined.body.contains("access_denied"), "{}", declined.body);

    // ---- A login begun on B (expiring at once): expired, on either.
    let mut late = Browser::new(&b);
    let authorize = late.begin("/").await;
    let callback = late.through_provider(authorize, "frank", false).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = late.get(&callback).await;
    assert_eq!(expired.code(), "mirage::auth::login_expired");
    assert!(store.sessions_of("frank").unwrap().is_empty());
    // A login begun on A finishes on B (replicas share the database).
    let mut roaming = Browser::new(&a);
    let authorize = roaming.begin("/here").await;
    let callback = roaming.through_provider(authorize, "gina", false).await;
    roaming.service = format!("http://{}", b.addr());
    let finished = roaming.get(&callback).await;
    assert_eq!(finished.status, StatusCode::SEE_OTHER, "{}", finished.body);
    assert_eq!(store.sessions_of("gina").unwrap().len(), 1);

    // ---- Open redirects: refused, `/` instead.
    for evil in [
        "//evil.example/x",
        "https://evil.example/",
        "/%5Cevil.example",
    ] {
        let mut victim = Browser::new(&a);
        let page = victim.sign_in("hank", evil).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{evil}: {}", page.body);
        assert_eq!(
            page.location.as_deref(),
            Some("https://mirage.example.test/"),
            "{evil}"
        );
    }

    // ---- Tampered and unknown cookies: not signed in.
    let mut tampered = cookie.clone();
    let last = if tampered.ends_with('A') { "B" } else { "A" };
    tampered.replace_range(tampered.len() - 1.., last);
    for value in [
        tampered.as_str(),
        "AAAA",
        "not a cookie",
        &B64.encode([7u8; 32]),
    ] {
        let mut forger = Browser::new(&a);
        forger.set_cookie(PUBLIC, "__Host-mirage_session", value);
        let page = forger.get(&format!("{PUBLIC}/auth/session")).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{value}");
        assert_eq!(page.code(), "mirage::auth::not_signed_in");
    }

    // ---- CSRF on logout: missing, wrong, cross-origin, cross-site,
    // neither header: all refused; the session lives on.
    let logout = format!("{PUBLIC}/auth/logout");
    let post = reqwest::Method::POST;
    let refused: [&[(&str, &str)]; 5] = [
        &[("origin", PUBLIC)],
        &[("origin", PUBLIC), ("x-csrf-token", "wrong")],
        &[("origin", "https://evil.example"), ("x-csrf-token", &csrf)],
        &[("sec-fetch-site", "cross-site"), ("x-csrf-token", &csrf)],
        &[("x-csrf-token", &csrf)],
    ];
    for headers in refused {
        let page = browser.send(post.clone(), &logout, None, headers).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(page.code(), "mirage::auth::csrf");
    }
    assert_eq!(
        browser.get(&format!("{PUBLIC}/auth/session")).await.status,
        StatusCode::OK
    );
    // Right: the session is gone, the cookie cleared.
    let page = browser
        .send(
            post.clone(),
            &logout,
            None,
            &[
                ("origin", PUBLIC),
                ("sec-fetch-site", "same-origin"),
                ("x-csrf-token", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::NO_CONTENT, "{}", page.body);
    assert!(browser.session_cookie().is_none(), "the cookie is cleared");
    assert!(store.sessions_of("alice").unwrap().is_empty());
    // The old cookie, kept by someone: dead.
    let mut replay = Browser::new(&a);
    replay.set_cookie(PUBLIC, "__Host-mirage_session", &cookie);
    let page = replay.get(&format!("{PUBLIC}/auth/session")).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);

    // ---- A disabled user: their sessions stop working.
    let mut gina = roaming;
    gina.service = format!("http://{}", a.addr());
    assert_eq!(
        gina.get(&format!("{PUBLIC}/auth/session")).await.status,
        StatusCode::OK
    );
    assert_eq!(serve::revoke_sessions_of(&store, "gina").unwrap(), 1);
    assert_eq!(
        gina.get(&format!("{PUBLIC}/auth/session")).await.status,
        StatusCode::UNAUTHORIZED
    );

    // ---- `/metrics`: the token is asked; counters moved; the Railway
    // webhook's secret never shows.
    let http = reqwest::Client::new();
    let railway = http
        .post(format!(
            "http://{}/webhooks/railway/{RAILWAY_SECRET}",
            a.addr()
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(railway.status(), StatusCode::BAD_REQUEST);
    let _ = http
        .post(format!(
            "http://{}/webhooks/railway/wrong-secret-0123456789",
            a.addr()
        ))
        .send()
        .await
        .unwrap();
    let metrics_url = format!("http://{}/metrics", a.addr());
    let open = http.get(&metrics_url).send().await.unwrap();
    assert_eq!(open.status(), StatusCode::UNAUTHORIZED);
    let wrong = http
        .get(&metrics_url)
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let scrape = http
        .get(&metrics_url)
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), StatusCode::OK);
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = scrape.text().await.unwrap();
    assert!(!text.contains(RAILWAY_SECRET), "the secret in /metrics");
    assert!(!text.contains("wrong-secret"), "a raw path in /metrics");
    for needle in [
        "mirage_http_requests_total{method=\"GET\",route=\"/auth/callback\",status=\"303\"}",
        "mirage_http_requests_total{method=\"GET\",route=\"/auth/callback\",status=\"400\"}",
        "mirage_http_requests_total{method=\"POST\",route=\"/webhooks/railway/{secret}\",status=\"400\"}",
        "mirage_http_requests_total{method=\"POST\",route=\"/webhooks/railway/{secret}\",status=\"403\"}",
        "mirage_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"401\"}",
        "mirage_http_request_duration_seconds_bucket{method=\"GET\",route=\"/auth/login\",le=\"+Inf\"}",
        "mirage_signins_total{outcome=\"succeeded\"}",
        "mirage_signins_total{outcome=\"provider_error\"} 1",
        "mirage_jobs_unfinished 0",
        "mirage_railway_requests_total ",
        "mirage_applies_total{outcome=\"succeeded\"} ",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
    // The callback's count grows with each one answered.
    let count = |text: &str| -> u64 {
        text.lines()
            .find(|l| {
                l.starts_with(
                    "mirage_http_requests_total{method=\"GET\",route=\"/auth/session\",status=\"401\"}",
                )
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let before = count(&text);
    let _ = Browser::new(&a)
        .get(&format!("{PUBLIC}/auth/session"))
        .await;
    let text = http
        .get(&metrics_url)
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count(&text), before + 1);

    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_client_signs_in_with_pkce_alone() {
    let Some(provider) = auth_oidc::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("state.db"));
    let running = start(config(&location, &provider.issuer, "mirage-spa", None)).await;
    let mut browser = Browser::new(&running);
    let done = browser.sign_in("ivy", "/").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let session = browser.get(&format!("{PUBLIC}/auth/session")).await;
    assert_eq!(session.json()["user"]["sub"], "ivy");
    // Without sign-in configured, the routes are not there.
    let mut bare = config(&location, &provider.issuer, "mirage-spa", None);
    bare.signin = None;
    let bare = start(bare).await;
    let page = Browser::new(&bare)
        .get(&format!("{PUBLIC}/auth/login"))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.code(), "mirage::auth::signin_disabled");
    // Without a token, `/metrics` is open.
    let open = reqwest::get(format!("http://{}/metrics", bare.addr()))
        .await
        .unwrap();
    assert_eq!(open.status(), StatusCode::OK);
    running.shutdown().await;
    bare.shutdown().await;
}

/// A browser's session reaches the `/api` like a bearer token does, but
/// a change it asks for must carry the session's CSRF token from the
/// service's own origin; a disabled user's session stops at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_cookie_signs_in_to_the_api_and_changes_need_its_csrf_token() {
    let Some(provider) = auth_oidc::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("state.db"));
    let mut config = config(&location, &provider.issuer, "mirage-spa", None);
    config.admins = vec!["ada".to_owned()];
    let running = start(config).await;
    let mut browser = Browser::new(&running);

    // No cookie: the API wants credentials.
    let anonymous = browser.get(&format!("{PUBLIC}/api/me")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let done = browser.sign_in("ada", "/").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let me = browser.get(&format!("{PUBLIC}/api/me")).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["via"], "session", "{}", me.body);
    // `--admin ada` matched the session's subject.
    assert!(
        me.json()["roles"]
            .as_object()
            .is_some_and(|roles| !roles.is_empty() && roles.values().all(|r| r == "admin")),
        "{}",
        me.body
    );
    let csrf = browser.get(&format!("{PUBLIC}/auth/session")).await.json()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let url = format!("{PUBLIC}/api/me/preferences");
    let body = || Some(r#"{"theme":"dark"}"#.to_owned());
    let theme = |page: &Page| page.json()["preferences"]["theme"].clone();
    // Without the token, with a wrong one, or from another origin: 403,
    // and nothing changed.
    for extra in [
        vec![("origin", PUBLIC)],
        vec![("origin", PUBLIC), ("x-csrf-token", "not-the-token")],
        vec![
            ("origin", "https://evil.example"),
            ("x-csrf-token", csrf.as_str()),
        ],
    ] {
        let refused = browser
            .send(reqwest::Method::PATCH, &url, body(), &extra)
            .await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{extra:?}: {}",
            refused.body
        );
        assert_eq!(refused.code(), "mirage::auth::csrf");
    }
    let unchanged = browser.get(&format!("{PUBLIC}/api/me")).await;
    assert_eq!(theme(&unchanged), Value::Null, "{}", unchanged.body);
    // With it, from the service's origin: done.
    let changed = browser
        .send(
            reqwest::Method::PATCH,
            &url,
            body(),
            &[("origin", PUBLIC), ("x-csrf-token", csrf.as_str())],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let after = browser.get(&format!("{PUBLIC}/api/me")).await;
    assert_eq!(theme(&after), "dark", "{}", after.body);

    // The user is disabled (as Clerk's `user.deleted` does): the session
    // no longer opens the API.
    assert!(running.store().disable_user("ada").unwrap());
    let gone = browser.get(&format!("{PUBLIC}/api/me")).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED, "{}", gone.body);
    running.shutdown().await;
}
