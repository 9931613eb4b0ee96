//! The admin pages over real HTTP (issue #18): `mirage serve` on the
//! emulator's applied shop, callers with real API tokens of each role.
//! An admin sees each page with the data the API wrote (a member
//! granted, a token created, audit entries filtered, statistics); a
//! member and a viewer are refused each page with the API's own answer,
//! and the refusal is recorded; a token's secret is never on a page; the
//! audit page's export links carry its filters.

use std::sync::Arc;
use std::time::Duration;

use crate::preview::{context, shop};
use crate::serve_identity::{token_for, user};
use crate::support::{serve_config, serve_world};
use mirage::serve::{self, Lifecycle, Running};
use mirage::state::{AuditFilter, AuditOutcome, FixedClock, Store, Timestamp};
use serde_json::{Value, json};

const PROJECT: &str = "acme-shop";
const PAGES: [&str; 5] = ["members", "tokens", "audit", "stats", "settings"];

struct Answer {
    status: u16,
    body: String,
}

async fn call(
    running: &Running,
    method: reqwest::Method,
    path: &str,
    bearer: &str,
    body: Option<Value>,
) -> Answer {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client
        .request(method, format!("http://{}{path}", running.addr()))
        .header("authorization", format!("Bearer {bearer}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = tokio::time::timeout(Duration::from_secs(60), request.send())
        .await
        .expect("answered in time")
        .expect("request");
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    Answer { status, body }
}

async fn get(running: &Running, path: &str, bearer: &str) -> Answer {
    call(running, reqwest::Method::GET, path, bearer, None).await
}

fn page(tab: &str) -> String {
    format!("/admin/projects/{PROJECT}/{tab}")
}

/// The API route each admin page shows (the same authorization).
fn api_of(tab: &str) -> String {
    match tab {
        "members" | "tokens" => format!("/api/projects/{PROJECT}/tokens"),
        "audit" => format!("/api/audit?project={PROJECT}"),
        "stats" => format!("/api/projects/{PROJECT}/stats"),
        "settings" => format!("/api/projects/{PROJECT}/railway-token"),
        _ => unreachable!(),
    }
}

fn refusals(store: &Store, actor: &str) -> usize {
    store
        .audit(&AuditFilter {
            actor: Some(actor.to_owned()),
            outcome: Some(AuditOutcome::Refused),
            limit: 1000,
            ..AuditFilter::default()
        })
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_sees_each_page_with_what_the_api_wrote_and_never_a_token() {
    let world = shop().await;
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let ada = user(&store, "ada");
    let bob = user(&store, "bob");
    store.set_member(PROJECT, &ada, "admin", None).unwrap();
    let (_, ada_token) = token_for(&store, &ada, PROJECT, "admin");

    // Through the API: bob granted member, a token created.
    let granted = call(
        &running,
        reqwest::Method::PUT,
        &format!("/api/projects/{PROJECT}/members/{bob}"),
        &ada_token,
        Some(json!({ "role": "member" })),
    )
    .await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    let created = call(
        &running,
        reqwest::Method::POST,
        &format!("/api/projects/{PROJECT}/tokens"),
        &ada_token,
        Some(json!({ "name": "nightly-ci", "role": "member", "expires_in": "7d" })),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let created: Value = serde_json::from_str(&created.body).unwrap();
    let secret = created["token"].as_str().unwrap().to_owned();
    let token_id = created["id"].as_str().unwrap().to_owned();

    // `/admin`: the project, with a link to each of its pages.
    let index = get(&running, "/admin", &ada_token).await;
    assert_eq!(index.status, 200, "{}", index.body);
    for tab in PAGES {
        assert!(
            index.body.contains(&format!(r#"href="{}""#, page(tab))),
            "{tab}: {}",
            index.body
        );
    }

    // Members: bob, his role, who granted it, a role form and a remove
    // button on the API's URL.
    let members = get(&running, &page("members"), &ada_token).await;
    assert_eq!(members.status, 200, "{}", members.body);
    let row = &members.body[members.body.find("bob@example.com").expect("bob listed")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains(">member<"), "{row}");
    assert!(row.contains("by ada@example.com"), "{row}");
    let member_url = format!("/api/projects/{PROJECT}/members/{bob}");
    assert!(
        row.contains(&format!(r#"data-api="{member_url}" data-method="PUT""#)),
        "{row}"
    );
    assert!(
        row.contains(&format!(r#"data-method="DELETE" data-url="{member_url}""#)),
        "{row}"
    );
    assert!(row.contains(r#"<option value="member" selected>"#), "{row}");

    // Tokens: the one made through the API, active, with its revoke
    // button; the create form reveals the next one once.
    let tokens = get(&running, &page("tokens"), &ada_token).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let row = &tokens.body[tokens.body.find("nightly-ci").expect("token listed")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains(&token_id) && row.contains("Active"), "{row}");
    assert!(
        row.contains(&format!(
            r#"data-url="/api/projects/{PROJECT}/tokens/{token_id}""#
        )),
        "{row}"
    );
    assert!(tokens.body.contains(r#"data-reveal="new-token""#));

    // The audit log: the token's creation with the filter that matches
    // it, not with one that does not.
    let audit = get(
        &running,
        &format!("{}?action=tokens.create&outcome=ok", page("audit")),
        &ada_token,
    )
    .await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    assert!(audit.body.contains("`nightly-ci`"), "{}", audit.body);
    assert!(!audit.body.contains("members.set"), "{}", audit.body);
    let other = get(
        &running,
        &format!("{}?action=members.set", page("audit")),
        &ada_token,
    )
    .await;
    assert_eq!(other.status, 200, "{}", other.body);
    assert!(other.body.contains("members.set"), "{}", other.body);
    assert!(!other.body.contains("`nightly-ci`"), "{}", other.body);
    // The filters are kept in the form; the exports carry them, and
    // what they export is filtered.
    assert!(audit.body.contains(r#"value="tokens.create""#));
    for format in ["csv", "ndjson"] {
        let link = format!(
            "/api/audit?project={PROJECT}&amp;action=tokens.create&amp;outcome=ok&amp;format={format}"
        );
        assert!(audit.body.contains(&link), "{link}: {}", audit.body);
        let export = get(&running, &link.replace("&amp;", "&"), &ada_token).await;
        assert_eq!(export.status, 200, "{}", export.body);
        assert!(export.body.contains("nightly-ci"), "{}", export.body);
        assert!(!export.body.contains("members.set"), "{}", export.body);
    }
    // A bad filter is said on the page, with the API's words.
    let bad = get(
        &running,
        &format!("{}?outcome=maybe", page("audit")),
        &ada_token,
    )
    .await;
    assert_eq!(bad.status, 200, "{}", bad.body);
    assert!(bad.body.contains("is not an outcome"), "{}", bad.body);

    // Statistics: the API's numbers, drawn.
    let stats = get(&running, &page("stats"), &ada_token).await;
    assert_eq!(stats.status, 200, "{}", stats.body);
    let numbers: Value =
        serde_json::from_str(&get(&running, &api_of("stats"), &ada_token).await.body).unwrap();
    assert!(stats.body.contains("Environments by type"));
    assert!(stats.body.contains("previews alive"));
    for (kind, count) in numbers["environments_by_type"].as_object().unwrap() {
        assert!(
            stats
                .body
                .contains(&format!(r#"<td class="num">{count}</td>"#)),
            "{kind} {count}: {}",
            stats.body
        );
    }
    let days = numbers["applies_per_day"].as_array().unwrap();
    assert!(!days.is_empty(), "the shop was applied: {numbers}");
    for day in days {
        let day = day["day"].as_str().unwrap();
        assert!(stats.body.contains(day), "{day}");
        assert!(stats.body.contains(r#"<svg class="bars""#), "the chart");
    }

    // Settings: no Railway token yet; the form replaces it by the API.
    let settings = get(&running, &page("settings"), &ada_token).await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    assert!(settings.body.contains("Not set"), "{}", settings.body);
    assert!(settings.body.contains(&format!(
        r#"data-api="/api/projects/{PROJECT}/railway-token" data-method="PUT""#
    )));

    // Preferences: stored through the API, shown selected.
    let patched = call(
        &running,
        reqwest::Method::PATCH,
        "/api/me/preferences",
        &ada_token,
        Some(json!({ "theme": "dark", "default_project": PROJECT })),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let preferences = get(&running, "/settings", &ada_token).await;
    assert_eq!(preferences.status, 200, "{}", preferences.body);
    assert!(
        preferences
            .body
            .contains(r#"<option value="dark" selected>"#),
        "{}",
        preferences.body
    );
    assert!(
        preferences.body.contains(&format!(
            r#"<option value="&quot;{PROJECT}&quot;" selected>"#
        )),
        "{}",
        preferences.body
    );

    // No page ever shows a token's secret; none has inline script/style.
    for path in PAGES
        .iter()
        .map(|t| page(t))
        .chain(["/admin".to_owned(), "/settings".to_owned()])
    {
        let answer = get(&running, &path, &ada_token).await;
        assert_eq!(answer.status, 200, "{path}");
        assert!(!answer.body.contains(&secret), "{path} shows the token");
        assert!(
            !answer.body.contains(&secret[4..]),
            "{path} shows the token"
        );
        assert!(!answer.body.contains("<script>"), "{path}");
        assert!(!answer.body.contains("style=\""), "{path}");
        assert_eq!(answer.body.matches("<h1").count(), 1, "{path}");
    }
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn members_and_viewers_are_refused_each_page_as_the_api_refuses_them_and_it_is_recorded() {
    let world = shop().await;
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let ada = user(&store, "ada");
    let alice = user(&store, "alice");
    let vera = user(&store, "vera");
    store.set_member(PROJECT, &ada, "admin", None).unwrap();
    store.set_member(PROJECT, &alice, "member", None).unwrap();
    store.set_member(PROJECT, &vera, "viewer", None).unwrap();
    let (_, ada_token) = token_for(&store, &ada, PROJECT, "admin");
    let created = call(
        &running,
        reqwest::Method::POST,
        &format!("/api/projects/{PROJECT}/tokens"),
        &ada_token,
        Some(json!({ "name": "ops-bot", "role": "viewer", "expires_in": 3600 })),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);

    for (who, role) in [(&alice, "member"), (&vera, "viewer")] {
        let (_, token) = token_for(&store, who, PROJECT, role);
        for tab in PAGES {
            let api = get(&running, &api_of(tab), &token).await;
            assert!(
                [403, 404].contains(&api.status),
                "{role} {tab}: {}",
                api.body
            );
            let before = refusals(&store, who);
            let answer = get(&running, &page(tab), &token).await;
            assert_eq!(answer.status, api.status, "{role} {tab}: {}", answer.body);
            let code: Value = serde_json::from_str(&api.body).unwrap();
            let code = code["error"]["code"].as_str().unwrap();
            assert!(answer.body.contains(code), "{role} {tab}: {}", answer.body);
            assert!(!answer.body.contains("ops-bot"), "{role} {tab}");
            assert_eq!(
                refusals(&store, who),
                before + 1,
                "{role} {tab}: the refusal is recorded"
            );
        }
        // `/admin`: administers nothing, so nothing to show: 404,
        // recorded.
        let before = refusals(&store, who);
        let answer = get(&running, "/admin", &token).await;
        assert_eq!(answer.status, 404, "{role}: {}", answer.body);
        assert_eq!(refusals(&store, who), before + 1, "{role} /admin recorded");
        // Their own settings are theirs.
        let settings = get(&running, "/settings", &token).await;
        assert_eq!(settings.status, 200, "{role}: {}", settings.body);
        assert!(settings.body.contains(r#"name="theme""#));
    }
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_railway_token_is_set_and_cleared_through_the_api_and_never_shown_back() {
    use mirage::secrets::{Keyring, MasterKey};
    let world = shop().await;
    let mut config = serve_config(&world.path(), PROJECT);
    config.keyring = Some(Arc::new(Keyring::new(
        MasterKey::generate().unwrap(),
        Vec::new(),
    )));
    let clock = Arc::new(FixedClock::at(Timestamp::now()));
    let lifecycle = Lifecycle::new(
        context(&world, clock),
        world.path(),
        mirage::github::ClientOptions::default(),
    );
    let running = serve::start(config, Arc::new(lifecycle)).await.unwrap();
    let store = running.store().clone();
    let ada = user(&store, "ada");
    let alice = user(&store, "alice");
    store.set_member(PROJECT, &ada, "admin", None).unwrap();
    store.set_member(PROJECT, &alice, "member", None).unwrap();
    let (_, ada_token) = token_for(&store, &ada, PROJECT, "admin");
    let (_, alice_token) = token_for(&store, &alice, PROJECT, "member");
    let api = format!("/api/projects/{PROJECT}/railway-token");
    let secret = "railway-page-token-0123-4567-89ab";

    let set = call(
        &running,
        reqwest::Method::PUT,
        &api,
        &ada_token,
        Some(json!({ "token": secret })),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let settings = get(&running, &page("settings"), &ada_token).await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    assert!(settings.body.contains("✓</span>Set"), "{}", settings.body);
    assert!(
        settings.body.contains("by ada@example.com"),
        "{}",
        settings.body
    );
    assert!(!settings.body.contains(secret), "the token is never shown");
    assert!(
        settings
            .body
            .contains(&format!(r#"data-method="DELETE" data-url="{api}""#)),
        "{}",
        settings.body
    );

    // A member may not clear it (recorded); an admin may.
    let before = refusals(&store, &alice);
    let refused = call(&running, reqwest::Method::DELETE, &api, &alice_token, None).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refusals(&store, &alice), before + 1);
    assert!(
        store
            .credential(PROJECT, "railway-token")
            .unwrap()
            .is_some()
    );
    let cleared = call(&running, reqwest::Method::DELETE, &api, &ada_token, None).await;
    assert_eq!(cleared.status, 204, "{}", cleared.body);
    assert!(
        store
            .credential(PROJECT, "railway-token")
            .unwrap()
            .is_none()
    );
    let settings = get(&running, &page("settings"), &ada_token).await;
    assert!(settings.body.contains("Not set"), "{}", settings.body);
    assert!(!settings.body.contains(r#"data-method="DELETE""#));
    let audit = get(
        &running,
        &format!("{}?action=railway_token.clear", page("audit")),
        &ada_token,
    )
    .await;
    assert!(
        audit
            .body
            .contains("cleared the Railway token of acme-shop"),
        "{}",
        audit.body
    );
    running.shutdown().await;
}
