//! `mirage serve`'s identity room over real HTTP (a started
//! `serve::start` on loopback, a real SQLite file or PostgreSQL
//! database): bearer JWTs of the real `oidc-provider` (`tests/oidc/`),
//! API tokens, the policy matrix of every identity endpoint × role ×
//! JWT/token × own/other project (status AND no change on a refusal),
//! the audit log and its exports (and `mirage audit` as a real binary),
//! sealed Railway tokens with key rotation, Clerk user webhooks with the
//! fixtures of `../shared/fixtures/clerk/`.
//!
//! The OIDC provider issues client-credentials tokens whose `sub` is
//! always `mirage-ci`: the JWT caller is that user, given each role in
//! turn through the state database.

use crate::support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use mirage::auth::{OidcConfig, Role, SvixSecret, WebhookSecret};
use mirage::secrets::{Keyring, MasterKey};
use mirage::serve::{self, Config, Running};
use mirage::state::{AuditFilter, AuditOutcome, Location, NewApiToken, Store, UserProfile};
use serde_json::{Value, json};

const PROJECT: &str = "shop";
const OTHER: &str = "other";
pub(crate) const AUDIENCE: &str = "urn:mirage";
const CLERK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// ------------------------------------------------------------ provider

pub(crate) use crate::auth_oidc::{start as provider, token as jwt};

// ------------------------------------------------------------ service

fn key(seed: u8) -> (String, MasterKey) {
    let bytes = [seed; 32];
    (
        base64::engine::general_purpose::STANDARD.encode(bytes),
        MasterKey::from_bytes(bytes),
    )
}

fn keyring(current: u8, previous: &[u8]) -> Arc<Keyring> {
    Arc::new(Keyring::new(
        key(current).1,
        previous.iter().map(|s| key(*s).1).collect(),
    ))
}

fn config(location: &Location, issuer: Option<&str>) -> Config {
    serve::log::set_enabled(false);
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        location.clone(),
        PROJECT,
        WebhookSecret::new("It's a Secret to Everybody").unwrap(),
    );
    config.gc_every = None;
    config.api_projects = vec![OTHER.to_owned()];
    config.oidc = issuer.map(|i| OidcConfig::new(i, AUDIENCE));
    config.clerk_secret = Some(SvixSecret::new(CLERK_SECRET).unwrap());
    config.keyring = Some(keyring(1, &[]));
    config
}

async fn start(config: Config) -> Running {
    serve::start(config, Arc::new(serve::Unwired))
        .await
        .expect("serve starts")
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) text: String,
    pub(crate) www_authenticate: Option<String>,
}

pub(crate) async fn call(
    running: &Running,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let client = reqwest::Client::new();
    let url = format!("http://{}{path}", running.addr());
    let mut request = client.request(method.parse().unwrap(), url);
    if let Some(bearer) = bearer {
        request = request.header("authorization", format!("Bearer {bearer}"));
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let www_authenticate = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
        www_authenticate,
    }
}

pub(crate) fn assert_error_shape(answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{}", answer.text);
    let error = &answer.body["error"];
    assert!(
        error["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("mirage::")),
        "{}",
        answer.text
    );
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(error["help"].as_str().is_some_and(|m| !m.is_empty()));
}

/// An API token for `user` in `project`, made through the state database
/// (the way `POST …/tokens` stores it); its text.
pub(crate) fn token_for(store: &Store, user: &str, project: &str, role: &str) -> (String, String) {
    let text = format!("mrg_test{:032x}", fastrand::u128(..));
    let id = format!("tok_{:016x}", fastrand::u64(..));
    store
        .create_api_token(&NewApiToken {
            id: &id,
            hash: &serve::api::token_hash(&text),
            name: "fixture",
            project,
            role,
            user_id: user,
            expires_at: store.now().add(Duration::from_secs(3600)),
        })
        .unwrap();
    (id, text)
}

pub(crate) fn user(store: &Store, subject: &str) -> String {
    store
        .upsert_user(
            &UserProfile {
                subject,
                email: Some(&format!("{subject}@example.com")),
                name: None,
            },
            false,
        )
        .unwrap()
        .id
}

/// What the identity endpoints can change, in a form to compare (not the
/// audit log, which grows on refusals too; not last-seen stamps).
fn snapshot(store: &Store) -> String {
    let mut out = String::new();
    for project in [PROJECT, OTHER] {
        for m in store.members(project).unwrap() {
            out += &format!("member {project} {} {}\n", m.user.id, m.role);
        }
        for t in store.api_tokens(project).unwrap() {
            out += &format!(
                "token {project} {} {} {} {:?}\n",
                t.id, t.role, t.user_id, t.revoked_at
            );
        }
        if let Some(c) = store.credential(project, "railway-token").unwrap() {
            out += &format!("credential {project} {} {}\n", c.sealed, c.key_id);
        }
    }
    for subject in ["mirage-ci", "maker", "alice", "bob", "carol", "dave"] {
        if let Some(u) = store.user_by_subject(subject).unwrap() {
            out += &format!("user {} {} {:?}\n", u.id, u.preferences, u.disabled_at);
        }
    }
    out
}

pub(crate) fn audit_count(store: &Store, outcome: AuditOutcome) -> usize {
    store
        .audit(&AuditFilter {
            outcome: Some(outcome),
            limit: 1000,
            ..AuditFilter::default()
        })
        .unwrap()
        .len()
}

fn sqlite(dir: &tempfile::TempDir) -> Location {
    Location::File(dir.path().join("state.db"))
}

/// Every byte the SQLite database holds on disk (file and WAL).
fn database_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap_or_default();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    bytes.extend(std::fs::read(PathBuf::from(wal)).unwrap_or_default());
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

// ------------------------------------------------------------ the matrix

/// One endpoint of the matrix: `{p}` is the project asked about, `{u}` a
/// member of it (not the caller), `{t}` a token of it; `{u_other}` and
/// `{t_other}` are objects of the OTHER project, asked through `{p}`
/// (direct object references).
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub body: Option<fn() -> Value>,
    /// The lowest role allowed (`None`: any signed-in caller, no project).
    pub minimum: Option<Role>,
    /// Whether the owner of the object matters (environments: members
    /// may change their own); none of identity's endpoints.
    pub owner_sensitive: bool,
    /// The status of an allowed call.
    pub ok: u16,
    /// Whether an allowed call changes something (and is audited).
    pub changes: bool,
}

/// Identity's rows. The rows of projects, environments and jobs (owner-
/// sensitive ones included) are `serve_api::endpoints()`, run by its own
/// matrix over the emulator (their allowed calls need a project's files).
pub fn endpoints() -> Vec<Endpoint> {
    use Role::{Admin, Viewer};
    let row = |method, path, body, minimum, ok, changes| Endpoint {
        method,
        path,
        body,
        minimum,
        owner_sensitive: false,
        ok,
        changes,
    };
    vec![
        row("GET", "/api/me", None, None, 200, false),
        row(
            "PATCH",
            "/api/me/preferences",
            Some(|| json!({ "theme": "dark" })),
            None,
            200,
            true,
        ),
        row(
            "GET",
            "/api/projects/{p}/members",
            None,
            Some(Viewer),
            200,
            false,
        ),
        row(
            "PUT",
            "/api/projects/{p}/members/{u}",
            Some(|| json!({ "role": "viewer" })),
            Some(Admin),
            200,
            true,
        ),
        row(
            "DELETE",
            "/api/projects/{p}/members/{u}",
            None,
            Some(Admin),
            204,
            true,
        ),
        row(
            "GET",
            "/api/projects/{p}/tokens",
            None,
            Some(Admin),
            200,
            false,
        ),
        row(
            "POST",
            "/api/projects/{p}/tokens",
            Some(|| json!({ "name": "ci", "role": "viewer", "expires_in": "1d" })),
            Some(Admin),
            201,
            true,
        ),
        row(
            "DELETE",
            "/api/projects/{p}/tokens/{t}",
            None,
            Some(Admin),
            204,
            true,
        ),
        row(
            "GET",
            "/api/projects/{p}/railway-token",
            None,
            Some(Admin),
            200,
            false,
        ),
        row(
            "PUT",
            "/api/projects/{p}/railway-token",
            Some(|| json!({ "token": "railway-matrix-token-0000" })),
            Some(Admin),
            200,
            true,
        ),
        row(
            "GET",
            "/api/audit?project={p}",
            None,
            Some(Admin),
            200,
            false,
        ),
        // Direct object references: another project's objects through
        // this project's path are unknown, even to its admin.
        row(
            "DELETE",
            "/api/projects/{p}/tokens/{t_other}",
            None,
            Some(Admin),
            404,
            false,
        ),
        row(
            "DELETE",
            "/api/projects/{p}/members/{u_other}",
            None,
            Some(Admin),
            404,
            false,
        ),
    ]
}

struct World {
    store: Store,
    ids: Vec<(&'static str, String)>,
    /// The caller's bearer text.
    bearer: String,
}

/// The fixture of one case: ci (the JWT user) and maker (a token's
/// maker) with `role` in shop; alice admin and bob member of shop, carol
/// admin and dave member of other; a token in each project.
fn populate(store: &Store, role: Option<Role>, via_token: bool, jwt: &str) -> World {
    let ci = user(store, "mirage-ci");
    let maker = user(store, "maker");
    let alice = user(store, "alice");
    let bob = user(store, "bob");
    let carol = user(store, "carol");
    let dave = user(store, "dave");
    store.set_member(PROJECT, &alice, "admin", None).unwrap();
    store.set_member(PROJECT, &bob, "member", None).unwrap();
    store.set_member(OTHER, &carol, "admin", None).unwrap();
    store.set_member(OTHER, &dave, "member", None).unwrap();
    let caller = if via_token { &maker } else { &ci };
    if let Some(role) = role {
        store
            .set_member(PROJECT, caller, role.as_str(), None)
            .unwrap();
    }
    let (t_shop, _) = token_for(store, &alice, PROJECT, "admin");
    let (t_other, _) = token_for(store, &carol, OTHER, "admin");
    let bearer = if via_token {
        // A token of the caller's own role (an admin token for no role:
        // the maker's role still caps it).
        token_for(store, &maker, PROJECT, role.unwrap_or(Role::Admin).as_str()).1
    } else {
        jwt.to_owned()
    };
    World {
        store: store.clone(),
        ids: vec![
            ("shop:u", bob),
            ("other:u", dave),
            ("shop:t", t_shop),
            ("other:t", t_other),
        ],
        bearer,
    }
}

impl World {
    fn id(&self, key: &str) -> &str {
        &self.ids.iter().find(|(k, _)| *k == key).unwrap().1
    }

    fn path(&self, template: &str, project: &str) -> String {
        let other = if project == PROJECT { OTHER } else { PROJECT };
        template
            .replace("{p}", project)
            .replace("{u_other}", self.id(&format!("{other}:u")))
            .replace("{t_other}", self.id(&format!("{other}:t")))
            .replace("{u}", self.id(&format!("{project}:u")))
            .replace("{t}", self.id(&format!("{project}:t")))
    }
}

#[tokio::test]
async fn the_policy_matrix_of_every_identity_endpoint() {
    let Some(provider) = provider() else { return };
    let jwt = jwt(&provider, AUDIENCE).await;
    let roles = [
        None,
        Some(Role::Viewer),
        Some(Role::Member),
        Some(Role::Admin),
    ];
    let mut failures = Vec::new();
    let mut cases = 0;
    for endpoint in endpoints() {
        // An owner-sensitive row (environments) needs an object owned by
        // the caller and one not: that row kind comes with their table.
        assert!(
            !endpoint.owner_sensitive,
            "{} {}",
            endpoint.method, endpoint.path
        );
        for role in roles {
            for via_token in [false, true] {
                for project in [PROJECT, OTHER] {
                    if endpoint.minimum.is_none() && project == OTHER {
                        continue; // not about a project
                    }
                    cases += 1;
                    let dir = tempfile::tempdir().unwrap();
                    let location = sqlite(&dir);
                    let running = start(config(&location, Some(&provider.issuer))).await;
                    let world = populate(running.store(), role, via_token, &jwt);
                    let path = world.path(endpoint.path, project);
                    let expected = match endpoint.minimum {
                        None => endpoint.ok,
                        Some(_) if project == OTHER || role.is_none() => 404,
                        Some(minimum) if role.is_some_and(|r| r >= minimum) => endpoint.ok,
                        Some(_) => 403,
                    };
                    let before = snapshot(&world.store);
                    let refused_before = audit_count(&world.store, AuditOutcome::Refused);
                    let ok_before = audit_count(&world.store, AuditOutcome::Ok);
                    let body = endpoint.body.map(|b| b());
                    let answer = call(
                        &running,
                        endpoint.method,
                        &path,
                        Some(&world.bearer),
                        body.as_ref(),
                    )
                    .await;
                    let case = format!(
                        "{} {path} as {role:?} via {}",
                        endpoint.method,
                        if via_token { "token" } else { "jwt" }
                    );
                    if answer.status != expected {
                        failures.push(format!(
                            "{case}: {} (wanted {expected}): {}",
                            answer.status, answer.text
                        ));
                    }
                    let after = snapshot(&world.store);
                    let allowed = expected == endpoint.ok && endpoint.ok < 300;
                    if (!allowed || !endpoint.changes) && before != after {
                        failures.push(format!(
                            "{case}: changed what it must not:\n{before}---\n{after}"
                        ));
                    }
                    if expected >= 400 {
                        assert_error_shape(&answer, expected);
                        if audit_count(&world.store, AuditOutcome::Refused) <= refused_before {
                            failures.push(format!("{case}: the refusal was not audited"));
                        }
                    }
                    if allowed
                        && endpoint.changes
                        && audit_count(&world.store, AuditOutcome::Ok) <= ok_before
                    {
                        failures.push(format!("{case}: the change was not audited"));
                    }
                    running.shutdown().await;
                }
            }
        }
    }
    assert!(cases > 150, "{cases} cases");
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ------------------------------------------------------------ JWTs

#[tokio::test]
async fn bearer_jwts_go_through_the_verifier_and_bad_ones_are_401() {
    let Some(provider) = provider() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&sqlite(&dir), Some(&provider.issuer));
    config.admins = vec!["mirage-ci".to_owned()];
    let running = start(config).await;
    let good = jwt(&provider, AUDIENCE).await;

    // First sign-in: the user is made from the claims; a configured
    // admin is admin of every served project.
    let me = call(&running, "GET", "/api/me", Some(&good), None).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["via"], "jwt");
    assert_eq!(
        me.body["roles"],
        json!({ "other": "admin", "shop": "admin" })
    );
    let id = me.body["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        running
            .store()
            .user_by_subject("mirage-ci")
            .unwrap()
            .unwrap()
            .id,
        id
    );
    let again = call(&running, "GET", "/api/me", Some(&good), None).await;
    assert_eq!(
        again.body["user"]["id"],
        id.as_str(),
        "the same user on later sign-ins"
    );

    let mut bad: Vec<(&str, String)> = Vec::new();
    bad.push(("wrong audience", jwt(&provider, "urn:mirage-es").await));
    let (header, rest) = good.split_once('.').unwrap();
    let (claims, signature) = rest.split_once('.').unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut forged: Value = serde_json::from_slice(&b64.decode(claims).unwrap()).unwrap();
    forged["sub"] = json!("someone-else");
    bad.push((
        "tampered",
        format!("{header}.{}.{signature}", b64.encode(forged.to_string())),
    ));
    bad.push((
        "alg none",
        format!(
            "{}.{claims}.",
            b64.encode(json!({ "alg": "none", "typ": "JWT" }).to_string())
        ),
    ));
    bad.push(("garbage", "not-a-jwt".to_owned()));
    bad.push(("unknown API token", "mrg_nothing-like-this".to_owned()));
    let refused_before = audit_count(running.store(), AuditOutcome::Refused);
    for (why, token) in &bad {
        let answer = call(&running, "GET", "/api/me", Some(token), None).await;
        assert_error_shape(&answer, 401);
        assert_eq!(
            answer.body["error"]["code"], "mirage::serve::unauthenticated",
            "{why}"
        );
        assert_eq!(answer.www_authenticate.as_deref(), Some("Bearer"), "{why}");
        assert!(
            !answer.text.contains(token.as_str()),
            "{why}: the token is echoed"
        );
    }
    let none = call(&running, "GET", "/api/me", None, None).await;
    assert_error_shape(&none, 401);
    assert_eq!(
        audit_count(running.store(), AuditOutcome::Refused),
        refused_before + bad.len() + 1,
        "every 401 is audited"
    );
    // Nobody was made from the forged subject.
    assert!(
        running
            .store()
            .user_by_subject("someone-else")
            .unwrap()
            .is_none()
    );
    running.shutdown().await;
}

#[tokio::test]
async fn without_a_role_a_signed_in_user_sees_nothing() {
    let Some(provider) = provider() else { return };
    let dir = tempfile::tempdir().unwrap();
    let running = start(config(&sqlite(&dir), Some(&provider.issuer))).await;
    let good = jwt(&provider, AUDIENCE).await;
    let me = call(&running, "GET", "/api/me", Some(&good), None).await;
    assert_eq!(me.body["roles"], json!({}));
    let members = call(
        &running,
        "GET",
        "/api/projects/shop/members",
        Some(&good),
        None,
    )
    .await;
    assert_error_shape(&members, 404);
    running.shutdown().await;
}

// ------------------------------------------------------------ tokens

#[tokio::test]
async fn api_tokens_are_shown_once_stored_hashed_revoked_at_once_and_capped() {
    let Some(provider) = provider() else { return };
    let dir = tempfile::tempdir().unwrap();
    let location = sqlite(&dir);
    let mut config = config(&location, Some(&provider.issuer));
    config.admins = vec!["mirage-ci".to_owned()];
    let running = start(config).await;
    let admin = jwt(&provider, AUDIENCE).await;
    let made = call(
        &running,
        "POST",
        "/api/projects/shop/tokens",
        Some(&admin),
        Some(&json!({ "name": "deploy", "role": "member", "expires_in": "30d" })),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let token = made.body["token"].as_str().unwrap().to_owned();
    let id = made.body["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with("mrg_"));
    assert_eq!(token.len(), 4 + 43, "256 bits in base64url");
    // Listed without the token.
    let list = call(
        &running,
        "GET",
        "/api/projects/shop/tokens",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(list.status, 200);
    assert!(!list.text.contains(&token));
    assert_eq!(list.body["tokens"][0]["id"], id.as_str());
    // The database holds its hash only.
    let Location::File(path) = &location else {
        unreachable!()
    };
    let bytes = database_bytes(path);
    assert!(
        !contains(&bytes, &token),
        "the token text is in the database"
    );
    assert!(contains(&bytes, &serve::api::token_hash(&token)));

    // The token works, as a member of shop only.
    let me = call(&running, "GET", "/api/me", Some(&token), None).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["roles"], json!({ "shop": "member" }));
    assert_eq!(me.body["via"], format!("token:{id}"));
    let members = call(
        &running,
        "GET",
        "/api/projects/shop/members",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(members.status, 200);
    // Its scope caps the admin who made it.
    let admin_only = call(
        &running,
        "GET",
        "/api/projects/shop/tokens",
        Some(&token),
        None,
    )
    .await;
    assert_error_shape(&admin_only, 403);
    let elsewhere = call(
        &running,
        "GET",
        "/api/projects/other/members",
        Some(&token),
        None,
    )
    .await;
    assert_error_shape(&elsewhere, 404);

    // Revoked: 401 on the very next request.
    let revoked = call(
        &running,
        "DELETE",
        &format!("/api/projects/shop/tokens/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    let after = call(&running, "GET", "/api/me", Some(&token), None).await;
    assert_error_shape(&after, 401);
    assert!(
        after.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );

    // Expiry is required and bounded; an expired token is 401.
    for body in [
        json!({ "name": "x", "role": "viewer" }),
        json!({ "name": "x", "role": "viewer", "expires_in": "400d" }),
        json!({ "name": "x", "role": "owner", "expires_in": "1d" }),
        json!({ "name": "", "role": "viewer", "expires_in": "1d" }),
    ] {
        let answer = call(
            &running,
            "POST",
            "/api/projects/shop/tokens",
            Some(&admin),
            Some(&body),
        )
        .await;
        assert_error_shape(&answer, 400);
    }
    let short = call(
        &running,
        "POST",
        "/api/projects/shop/tokens",
        Some(&admin),
        Some(&json!({ "name": "short", "role": "admin", "expires_in": 1 })),
    )
    .await;
    let short = short.body["token"].as_str().unwrap().to_owned();
    assert_eq!(
        call(&running, "GET", "/api/me", Some(&short), None)
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = call(&running, "GET", "/api/me", Some(&short), None).await;
    assert_error_shape(&expired, 401);
    assert!(
        expired.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    running.shutdown().await;
}

#[tokio::test]
async fn a_token_loses_power_with_its_maker() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(config(&sqlite(&dir), None)).await;
    let store = running.store();
    let maker = user(store, "maker");
    let other_admin = user(store, "alice");
    store.set_member(PROJECT, &maker, "admin", None).unwrap();
    store
        .set_member(PROJECT, &other_admin, "admin", None)
        .unwrap();
    let (_, token) = token_for(store, &maker, PROJECT, "admin");
    let path = "/api/projects/shop/tokens";
    assert_eq!(
        call(&running, "GET", path, Some(&token), None).await.status,
        200
    );
    store.set_member(PROJECT, &maker, "viewer", None).unwrap();
    assert_error_shape(&call(&running, "GET", path, Some(&token), None).await, 403);
    // A maker deleted at the provider: their tokens stop at once.
    store.disable_user("maker").unwrap();
    assert_error_shape(
        &call(&running, "GET", "/api/me", Some(&token), None).await,
        401,
    );
    // Without an OIDC issuer, a JWT is refused with the reason.
    let jwt_like = call(
        &running,
        "GET",
        "/api/me",
        Some("eyJhbGciOiJSUzI1NiJ9.e30.x"),
        None,
    )
    .await;
    assert_error_shape(&jwt_like, 401);
    running.shutdown().await;
}

// ------------------------------------------------------------ members

#[tokio::test]
async fn members_roles_preferences_and_the_last_admin() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(config(&sqlite(&dir), None)).await;
    let store = running.store();
    let ana = user(store, "ana");
    let bob = user(store, "bob");
    store.set_member(PROJECT, &ana, "admin", None).unwrap();
    let (_, token) = token_for(store, &ana, PROJECT, "admin");
    let put = |who: String, role: &'static str| {
        let token = token.clone();
        let running = &running;
        async move {
            call(
                running,
                "PUT",
                &format!("/api/projects/shop/members/{who}"),
                Some(&token),
                Some(&json!({ "role": role })),
            )
            .await
        }
    };
    assert_eq!(put(bob.clone(), "member").await.status, 200);
    let members = call(
        &running,
        "GET",
        "/api/projects/shop/members",
        Some(&token),
        None,
    )
    .await;
    let roles: Vec<(String, String)> = members.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"]["id"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(roles.contains(&(bob.clone(), "member".to_owned())));
    assert_error_shape(&put("usr_nobody".into(), "member").await, 404);
    assert_error_shape(&put(bob.clone(), "owner").await, 400);
    // The last admin stays.
    let demote = put(ana.clone(), "viewer").await;
    assert_error_shape(&demote, 409);
    assert_eq!(demote.body["error"]["code"], "mirage::serve::last_admin");
    let remove = call(
        &running,
        "DELETE",
        &format!("/api/projects/shop/members/{ana}"),
        Some(&token),
        None,
    )
    .await;
    assert_error_shape(&remove, 409);
    assert_eq!(put(bob.clone(), "admin").await.status, 200);
    let remove = call(
        &running,
        "DELETE",
        &format!("/api/projects/shop/members/{ana}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(remove.status, 204);

    // Preferences: validated, bounded, merged.
    let (_, bobs) = token_for(store, &bob, PROJECT, "viewer");
    let prefs = |body: Value| {
        let bobs = bobs.clone();
        let running = &running;
        async move {
            call(
                running,
                "PATCH",
                "/api/me/preferences",
                Some(&bobs),
                Some(&body),
            )
            .await
        }
    };
    let ok = prefs(json!({ "theme": "dark", "default_project": "shop" })).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(
        prefs(json!({ "theme": null })).await.body["preferences"],
        json!({ "default_project": "shop" })
    );
    assert_error_shape(&prefs(json!({ "theme": "neon" })).await, 400);
    assert_error_shape(&prefs(json!({ "shell": "zsh" })).await, 400);
    assert_error_shape(&prefs(json!(["theme"])).await, 400);
    let huge = prefs(json!({ "default_project": "x".repeat(10_000) })).await;
    assert_error_shape(&huge, 413);
    let me = call(&running, "GET", "/api/me", Some(&bobs), None).await;
    assert_eq!(me.body["preferences"], json!({ "default_project": "shop" }));
    running.shutdown().await;
}

// ------------------------------------------------------------ audit

#[tokio::test]
async fn the_audit_log_records_changes_and_refusals_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let location = sqlite(&dir);
    let running = start(config(&location, None)).await;
    let store = running.store();
    let ana = user(store, "ana");
    let bob = user(store, "bob");
    let carol = user(store, "carol");
    store.set_member(PROJECT, &ana, "admin", None).unwrap();
    store.set_member(OTHER, &carol, "admin", None).unwrap();
    let (_, admin) = token_for(store, &ana, PROJECT, "admin");
    let (_, other_admin) = token_for(store, &carol, OTHER, "admin");
    let set = call(
        &running,
        "PUT",
        &format!("/api/projects/shop/members/{bob}"),
        Some(&admin),
        Some(&json!({ "role": "viewer" })),
    )
    .await;
    assert_eq!(set.status, 200);
    let (_, viewer) = token_for(store, &bob, PROJECT, "viewer");
    let refused = call(
        &running,
        "GET",
        "/api/projects/shop/tokens",
        Some(&viewer),
        None,
    )
    .await;
    assert_eq!(refused.status, 403);
    call(
        &running,
        "PUT",
        "/api/projects/other/members/x",
        Some(&other_admin),
        Some(&json!({ "role": "viewer" })),
    )
    .await;

    let page = call(
        &running,
        "GET",
        "/api/audit?project=shop",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.text);
    let entries = page.body["entries"].as_array().unwrap();
    let find = |action: &str, outcome: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action && e["outcome"] == outcome)
            .cloned()
    };
    let change = find("members.set", "ok").expect("the change");
    assert_eq!(change["actor"], ana.as_str());
    assert_eq!(change["actor_role"], "admin");
    assert_eq!(change["target"], bob.as_str());
    assert_eq!(change["address"], "127.0.0.1");
    assert!(change["request_id"].as_str().is_some());
    let refusal = find("authorize.administer", "refused").expect("the refusal");
    assert_eq!(refusal["actor"], bob.as_str());
    assert_eq!(refusal["actor_role"], "viewer");
    // Only shop's entries: the other project's are not shown to shop's admin.
    assert!(entries.iter().all(|e| e["project"] == "shop"));
    let theirs = call(
        &running,
        "GET",
        "/api/audit?project=other",
        Some(&admin),
        None,
    )
    .await;
    assert_error_shape(&theirs, 404);
    let mine = call(&running, "GET", "/api/audit", Some(&admin), None).await;
    assert!(
        mine.body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["project"] == "shop")
    );
    // Keyset pages.
    let first = call(
        &running,
        "GET",
        "/api/audit?project=shop&limit=1",
        Some(&admin),
        None,
    )
    .await;
    let before = first.body["next_before"].as_i64().unwrap();
    let second = call(
        &running,
        "GET",
        &format!("/api/audit?project=shop&limit=1&before={before}"),
        Some(&admin),
        None,
    )
    .await;
    assert!(second.body["entries"][0]["id"].as_i64().unwrap() < before);

    let ndjson = call(
        &running,
        "GET",
        "/api/audit?project=shop&format=ndjson",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(ndjson.status, 200);
    let lines: Vec<Value> = ndjson
        .text
        .lines()
        .map(|l| serde_json::from_str(l).expect("NDJSON"))
        .collect();
    assert_eq!(lines.len(), entries.len());
    let csv = call(
        &running,
        "GET",
        "/api/audit?project=shop&format=csv",
        Some(&admin),
        None,
    )
    .await;
    let mut rows = csv.text.lines();
    assert!(rows.next().unwrap().starts_with("id,at,actor,"));
    assert_eq!(rows.count(), entries.len());

    // `mirage audit`, the real binary, on the same database.
    let Location::File(path) = &location else {
        unreachable!()
    };
    let output = crate::support::mirage_command()
        .args(["audit", "--state"])
        .arg(path)
        .args(["--project", "shop", "--since", "1h", "--json"])
        .env_remove("MIRAGE_STATE")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cli: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cli.len(), entries.len());
    let output = crate::support::mirage_command()
        .args(["audit", "--state"])
        .arg(path)
        .args(["--outcome", "refused", "--csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("id,at,actor,"));
    assert!(
        text.lines().skip(1).all(|l| l.contains(",refused,")),
        "{text}"
    );
    let bad = crate::support::mirage_command()
        .args(["audit", "--state"])
        .arg(path)
        .args(["--outcome", "maybe"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    running.shutdown().await;
}

// ------------------------------------------------------------ Railway tokens

#[tokio::test]
async fn railway_tokens_are_sealed_rotated_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let location = sqlite(&dir);
    let secret = "railway-token-0123-4567-89ab-cdef";
    {
        let running = start(config(&location, None)).await;
        let store = running.store();
        let ana = user(store, "ana");
        store.set_member(PROJECT, &ana, "admin", None).unwrap();
        let (_, admin) = token_for(store, &ana, PROJECT, "admin");
        let status = call(
            &running,
            "GET",
            "/api/projects/shop/railway-token",
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(status.body["set"], false);
        let set = call(
            &running,
            "PUT",
            "/api/projects/shop/railway-token",
            Some(&admin),
            Some(&json!({ "token": secret })),
        )
        .await;
        assert_eq!(set.status, 200, "{}", set.text);
        assert!(!set.text.contains(secret));
        let status = call(
            &running,
            "GET",
            "/api/projects/shop/railway-token",
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(status.body["set"], true);
        assert_eq!(status.body["set_by"], ana.as_str());
        assert!(!status.text.contains(secret));
        let opened = serve::credentials::railway_token(store, &keyring(1, &[]), PROJECT).unwrap();
        assert_eq!(opened.unwrap().expose(), secret);
        assert!(
            serve::credentials::railway_token(store, &keyring(1, &[]), OTHER)
                .unwrap()
                .is_none()
        );
        let audit = store
            .audit(&AuditFilter {
                limit: 100,
                ..AuditFilter::default()
            })
            .unwrap();
        assert!(audit.iter().all(|r| !r.entry.summary.contains(secret)));
        running.shutdown().await;
    }
    let Location::File(path) = &location else {
        unreachable!()
    };
    assert!(
        !contains(&database_bytes(path), secret),
        "the token is in the database in clear"
    );
    let sealed_with = |store: &Store| {
        store
            .credential(PROJECT, "railway-token")
            .unwrap()
            .unwrap()
            .key_id
    };

    // Rotation: a new key seals, the old one still opens; the restart
    // reseals the row under the new key.
    let mut rotated = config(&location, None);
    rotated.keyring = Some(keyring(2, &[1]));
    let running = start(rotated).await;
    assert_eq!(sealed_with(running.store()), key(2).1.id());
    let opened =
        serve::credentials::railway_token(running.store(), &keyring(2, &[]), PROJECT).unwrap();
    assert_eq!(opened.unwrap().expose(), secret);
    // The retired key alone: a clear error, no panic.
    let wrong =
        serve::credentials::railway_token(running.store(), &keyring(1, &[]), PROJECT).unwrap_err();
    assert!(wrong.to_string().contains("not in the keyring"), "{wrong}");
    running.shutdown().await;

    // Without a master key: 409 with help, nothing stored.
    let mut keyless = config(&location, None);
    keyless.keyring = None;
    let running = start(keyless).await;
    let store = running.store();
    let ana = store.user_by_subject("ana").unwrap().unwrap().id;
    let (_, admin) = token_for(store, &ana, PROJECT, "admin");
    let before = snapshot(store);
    let refused = call(
        &running,
        "PUT",
        "/api/projects/shop/railway-token",
        Some(&admin),
        Some(&json!({ "token": "another-token" })),
    )
    .await;
    assert_error_shape(&refused, 409);
    assert_eq!(
        refused.body["error"]["code"],
        "mirage::serve::no_master_key"
    );
    assert_eq!(snapshot(store), before);
    running.shutdown().await;
}

#[test]
fn mirage_serve_reseal_and_master_key_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = Store::open(&path).unwrap();
    let token = mirage::secrets::SecretString::new("railway-cli-token-000".into());
    serve::credentials::set_railway_token(&store, &keyring(1, &[]), PROJECT, &token, None).unwrap();
    drop(store);
    let keys = dir.path().join("keys");
    std::fs::write(
        &keys,
        format!("# newest first\n{}\n{}\n", key(3).0, key(1).0),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        crate::support::mirage_command()
            .args(["serve", "--reseal", "--state"])
            .arg(&path)
            .arg("--master-key-file")
            .arg(&keys)
            .args(extra)
            .env_remove("MIRAGE_MASTER_KEY")
            .env_remove("MIRAGE_STATE")
            .output()
            .unwrap()
    };
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o644)).unwrap();
    let open = run(&[]);
    assert_eq!(open.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&open.stderr).contains("group or others"));
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o600)).unwrap();
    let done = run(&[]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(String::from_utf8_lossy(&done.stderr).contains("resealed 1"));
    let store = Store::open(&path).unwrap();
    let opened = serve::credentials::railway_token(&store, &keyring(3, &[]), PROJECT).unwrap();
    assert_eq!(opened, Some(token));
}

// ------------------------------------------------------------ Clerk

fn clerk_fixture(name: &str) -> Option<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/clerk");
    if !dir.is_dir() {
        eprintln!("skipping: ../shared/fixtures/clerk is absent");
        return None;
    }
    Some(std::fs::read(dir.join(name)).expect("read fixture"))
}

async fn deliver(running: &Running, id: &str, timestamp: i64, body: &[u8], secret: &str) -> Answer {
    let signature = SvixSecret::new(secret).unwrap().sign(id, timestamp, body);
    let response = reqwest::Client::new()
        .post(format!("http://{}/webhooks/clerk", running.addr()))
        .header("svix-id", id)
        .header("svix-timestamp", timestamp.to_string())
        .header("svix-signature", signature)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
        www_authenticate: None,
    }
}

#[tokio::test]
async fn clerk_user_webhooks_create_update_and_disable_users() {
    let Some(created) = clerk_fixture("clerk-user.created.docs.json") else {
        return;
    };
    let deleted = clerk_fixture("clerk-user.deleted.catalog.json").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let running = start(config(&sqlite(&dir), None)).await;
    let store = running.store();
    let now = mirage::state::Timestamp::now().0;

    let answer = deliver(&running, "msg_1", now, &created, CLERK_SECRET).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let clerk_id = "user_29w83sxmDNGwOuEthce5gg56FcC";
    let user = store.user_by_subject(clerk_id).unwrap().expect("made");
    assert_eq!(user.email.as_deref(), Some("example@example.org"));
    assert_eq!(user.name.as_deref(), Some("Example Example"));
    // A replay of the same message does nothing more.
    let replay = deliver(&running, "msg_1", now, &created, CLERK_SECRET).await;
    assert_eq!(replay.body["status"], "duplicate");
    // Wrong secret, stale and future timestamps: 401, nothing made.
    let mut other: Value = serde_json::from_slice(&created).unwrap();
    other["data"]["id"] = json!("user_someone_else");
    let other = other.to_string().into_bytes();
    for (id, at, secret) in [
        (
            "msg_2",
            now,
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ),
        ("msg_3", now - 6 * 60, CLERK_SECRET),
        ("msg_4", now + 6 * 60, CLERK_SECRET),
    ] {
        let answer = deliver(&running, id, at, &other, secret).await;
        assert_error_shape(&answer, 401);
    }
    assert!(
        store
            .user_by_subject("user_someone_else")
            .unwrap()
            .is_none()
    );

    // The user signs in with a token; deleting them at Clerk stops it.
    store.set_member(PROJECT, &user.id, "viewer", None).unwrap();
    let (_, token) = token_for(store, &user.id, PROJECT, "viewer");
    assert_eq!(
        call(&running, "GET", "/api/me", Some(&token), None)
            .await
            .status,
        200
    );
    let mut gone: Value = serde_json::from_slice(&deleted).unwrap();
    gone["data"]["id"] = json!(clerk_id);
    let answer = deliver(
        &running,
        "msg_5",
        now,
        gone.to_string().as_bytes(),
        CLERK_SECRET,
    )
    .await;
    assert_eq!(answer.body["status"], "disabled", "{}", answer.text);
    assert_error_shape(
        &call(&running, "GET", "/api/me", Some(&token), None).await,
        401,
    );
    running.shutdown().await;
}

// ------------------------------------------------------------ both backends

fn exercise_state(store: &Store) {
    let ana = user(store, "ana");
    let bob = user(store, "bob");
    assert_eq!(
        store.set_member(PROJECT, &ana, "admin", None).unwrap(),
        mirage::state::MemberChange::Done { previous: None }
    );
    assert_eq!(
        store.remove_member(PROJECT, &ana).unwrap(),
        mirage::state::MemberChange::LastAdmin
    );
    store
        .set_member(PROJECT, &bob, "admin", Some(&ana))
        .unwrap();
    assert_eq!(store.members(PROJECT).unwrap().len(), 2);
    assert_eq!(
        store.roles_of(&bob).unwrap(),
        vec![(PROJECT.to_owned(), "admin".to_owned())]
    );
    let (id, text) = token_for(store, &ana, PROJECT, "member");
    let found = store
        .api_token_by_hash(&serve::api::token_hash(&text))
        .unwrap()
        .unwrap();
    assert_eq!(found.token.id, id);
    assert_eq!(found.user.id, ana);
    store.touch_api_token(&id).unwrap();
    assert!(
        !store.revoke_api_token(OTHER, &id).unwrap(),
        "another project's token"
    );
    assert!(store.revoke_api_token(PROJECT, &id).unwrap());
    for n in 0..5 {
        serve::audit::record(
            store,
            serve::audit::Entry {
                actor: Some(ana.clone()),
                actor_role: Some("admin".into()),
                via: Some("jwt".into()),
                action: "test".into(),
                project: Some(if n % 2 == 0 { PROJECT } else { OTHER }.into()),
                target: None,
                address: None,
                outcome: AuditOutcome::Ok,
                summary: format!("entry {n}"),
                request_id: None,
            },
        );
    }
    let page = store
        .audit(&AuditFilter {
            projects: Some(vec![PROJECT.into()]),
            limit: 2,
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(page.len(), 2);
    assert!(page[0].id > page[1].id);
    let rest = store
        .audit(&AuditFilter {
            projects: Some(vec![PROJECT.into()]),
            before: Some(page[1].id),
            limit: 10,
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(rest.len(), 1);
    let token = mirage::secrets::SecretString::new("pg-railway-token".into());
    serve::credentials::set_railway_token(store, &keyring(1, &[]), PROJECT, &token, Some(&ana))
        .unwrap();
    assert_eq!(
        serve::credentials::reseal_all(store, &keyring(2, &[1])).unwrap(),
        1
    );
    assert_eq!(
        serve::credentials::railway_token(store, &keyring(2, &[]), PROJECT).unwrap(),
        Some(token)
    );
    assert!(store.disable_user("bob").unwrap());
}

#[test]
fn identity_state_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    exercise_state(&Store::open(dir.path().join("state.db")).unwrap());
}

#[test]
fn identity_state_on_postgres() {
    let Some(server) = support::postgres() else {
        return;
    };
    let location = Location::parse(&server.database());
    exercise_state(&Store::connect(&location).unwrap());
}
