//! The GitHub client against a GitHub REST API on loopback (`github/fake.rs`):
//! headers, token and App authentication, pagination, the sticky comment,
//! rate limits and retries that never create a comment twice.

#[path = "github/fake.rs"]
pub mod fake;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::Method;
use fake::{AppConfig, FakeGithub, FaultKind};
use mirage::github::{
    App, AppKey, Auth, Client, ClientOptions, GithubError, Marker, RateLimitKind, Repo,
    StickyAction, Token, upsert_sticky_comment,
};
use mirage::state::{FixedClock, SystemClock, Timestamp};

const PAT: &str = "ghp_testtoken0123456789";
const KEY: &[u8] = include_bytes!("github/test-app-key.pem");
const PUBLIC_KEY: &[u8] = include_bytes!("github/test-app-key.pub.pem");
const COMMENTS: &str = "/repos/octo/hello/issues/7/comments";

fn repo() -> Repo {
    Repo::parse("octo/hello").unwrap()
}

async fn fake() -> FakeGithub {
    FakeGithub::start(Arc::new(SystemClock), &[PAT], None).await
}

fn options(fake: &FakeGithub) -> ClientOptions {
    ClientOptions {
        api_url: fake.api_url.clone(),
        auth: Auth::Token(Token::new(PAT)),
        base_delay: Duration::from_millis(10),
        max_rate_limit_wait: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

fn client(fake: &FakeGithub) -> Client {
    Client::new(options(fake)).unwrap()
}

fn marker(pr: u64) -> Marker {
    Marker::new(&format!("mirage:preview pr={pr}")).unwrap()
}

#[tokio::test]
async fn requests_carry_githubs_headers_and_keep_the_enterprise_path() {
    let fake = fake().await;
    let client = client(&fake);
    assert!(
        client
            .list_issue_comments(&repo(), 7)
            .await
            .unwrap()
            .is_empty()
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    // The fake serves under `/api/v3` only, like GitHub Enterprise Server.
    assert_eq!(request.path, COMMENTS);
    assert_eq!(request.query.as_deref(), Some("per_page=100"));
    assert_eq!(
        request.accept.as_deref(),
        Some("application/vnd.github+json")
    );
    assert_eq!(request.api_version.as_deref(), Some("2022-11-28"));
    assert!(
        request
            .user_agent
            .as_deref()
            .unwrap()
            .starts_with("mirage/")
    );
    assert_eq!(
        request.authorization.as_deref(),
        Some(&*format!("Bearer {PAT}"))
    );
}

#[tokio::test]
async fn a_rejected_token_is_a_typed_error_that_does_not_show_it() {
    let fake = fake().await;
    let client = Client::new(ClientOptions {
        auth: Auth::Token(Token::new("ghp_wrong_secret_value")),
        ..options(&fake)
    })
    .unwrap();
    let error = client.list_issue_comments(&repo(), 7).await.unwrap_err();
    assert!(
        matches!(error, GithubError::Unauthorized { .. }),
        "{error:?}"
    );
    // 401 is not retried.
    assert_eq!(fake.requests().len(), 1);
    let shown = format!("{error} {error:?} {:?}", client.options());
    assert!(!shown.contains("ghp_wrong_secret_value"), "{shown}");
}

#[tokio::test]
async fn the_sticky_comment_is_created_once_then_edited() {
    let fake = fake().await;
    let client = client(&fake);
    fake.seed_comment("octo", "hello", 7, "alice", "Looks good to me");

    let first = upsert_sticky_comment(&client, &repo(), 7, &marker(7), "deploying")
        .await
        .unwrap();
    assert_eq!(first.action, StickyAction::Created);
    let again = upsert_sticky_comment(&client, &repo(), 7, &marker(7), "deploying")
        .await
        .unwrap();
    assert_eq!(again.action, StickyAction::Unchanged);
    let edited = upsert_sticky_comment(
        &client,
        &repo(),
        7,
        &marker(7),
        "deployed: https://pr-7.example",
    )
    .await
    .unwrap();
    assert_eq!(edited.action, StickyAction::Updated);
    assert_eq!(edited.comment.id, first.comment.id);

    // Another PR's comment (`pr=70` starts like `pr=7`) is its own.
    let other = upsert_sticky_comment(&client, &repo(), 70, &marker(70), "other")
        .await
        .unwrap();
    assert_eq!(other.action, StickyAction::Created);

    assert_eq!(fake.count(Method::POST, COMMENTS), 1);
    assert_eq!(
        fake.count(
            Method::PATCH,
            &format!("/issues/comments/{}", first.comment.id)
        ),
        1
    );
    let on_seven = fake.comments_on("octo", "hello", 7);
    assert_eq!(on_seven.len(), 2, "{on_seven:?}");
    assert_eq!(
        on_seven[1].1,
        "<!-- mirage:preview pr=7 -->\ndeployed: https://pr-7.example"
    );
    assert_eq!(fake.comments_on("octo", "hello", 70).len(), 1);
}

#[tokio::test]
async fn the_marker_is_found_on_a_later_page_through_the_link_header() {
    let fake = fake().await;
    let client = client(&fake);
    fake.set_max_per_page(2);
    for n in 0..4 {
        fake.seed_comment("octo", "hello", 7, "alice", &format!("comment {n}"));
    }
    let sticky = fake.seed_comment(
        "octo",
        "hello",
        7,
        "mirage-app[bot]",
        &marker(7).stamp("old"),
    );
    // A quote of it by a person is not it.
    fake.seed_comment(
        "octo",
        "hello",
        7,
        "bob",
        &format!("> {}\n> old\n\nwhy?", marker(7).as_str()),
    );

    let result = upsert_sticky_comment(&client, &repo(), 7, &marker(7), "new")
        .await
        .unwrap();
    assert_eq!(result.action, StickyAction::Updated);
    assert_eq!(result.comment.id, sticky);
    assert!(result.duplicates.is_empty());
    // 6 comments at 2 a page: three pages, followed by `rel="next"`.
    let pages: Vec<Option<String>> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == Method::GET)
        .map(|r| r.query)
        .collect();
    assert_eq!(
        pages,
        [
            Some("per_page=100".to_owned()),
            Some("per_page=2&page=2".to_owned()),
            Some("per_page=2&page=3".to_owned()),
        ]
    );
    assert_eq!(fake.count(Method::POST, COMMENTS), 0);
}

#[tokio::test]
async fn a_next_page_on_another_origin_is_not_followed() {
    let fake = fake().await;
    let client = client(&fake);
    fake.fail(
        Method::GET,
        COMMENTS,
        FaultKind::NextLink("http://attacker.invalid/steal".to_owned()),
        1,
    );
    let error = client.list_issue_comments(&repo(), 7).await.unwrap_err();
    assert!(matches!(error, GithubError::Unexpected { .. }), "{error:?}");
    assert!(error.to_string().contains("another origin"), "{error}");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_comment_deleted_before_its_edit_is_created_again() {
    let fake = fake().await;
    let client = client(&fake);
    let first = upsert_sticky_comment(&client, &repo(), 7, &marker(7), "one")
        .await
        .unwrap();
    // Deleted between the listing and the edit: the edit answers 404.
    fake.fail(
        Method::PATCH,
        &format!("/issues/comments/{}", first.comment.id),
        FaultKind::DeleteThen404,
        1,
    );
    let second = upsert_sticky_comment(&client, &repo(), 7, &marker(7), "two")
        .await
        .unwrap();
    assert_eq!(second.action, StickyAction::Created);
    assert_ne!(second.comment.id, first.comment.id);
    // Deleted while nobody looked: the listing misses it, it is created.
    fake.delete_comment(second.comment.id);
    let third = upsert_sticky_comment(&client, &repo(), 7, &marker(7), "three")
        .await
        .unwrap();
    assert_eq!(third.action, StickyAction::Created);
    let comments = fake.comments_on("octo", "hello", 7);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0].1, marker(7).stamp("three"));
}

#[tokio::test]
async fn a_creation_with_an_unknown_outcome_is_read_back_not_repeated() {
    let fake = fake().await;
    let client = client(&fake);
    // GitHub created the comment, but the answer was a 502.
    fake.fail(Method::POST, COMMENTS, FaultKind::ActThenStatus(502), 1);
    let sticky = upsert_sticky_comment(&client, &repo(), 7, &marker(7), "hello")
        .await
        .unwrap();
    assert_eq!(sticky.action, StickyAction::Created);
    assert_eq!(fake.count(Method::POST, COMMENTS), 1);
    assert_eq!(fake.comments_on("octo", "hello", 7).len(), 1);
}

#[tokio::test]
async fn a_creation_that_did_not_happen_is_made_once_after_reading_back() {
    let fake = fake().await;
    let client = client(&fake);
    // A 502 without creating anything: the read-back finds no marker, so
    // the creation is sent once more (not blindly: after looking).
    fake.fail(Method::POST, COMMENTS, FaultKind::Status(502), 1);
    let sticky = upsert_sticky_comment(&client, &repo(), 7, &marker(7), "hello")
        .await
        .unwrap();
    assert_eq!(sticky.action, StickyAction::Created);
    assert_eq!(fake.count(Method::POST, COMMENTS), 2);
    assert_eq!(fake.count(Method::GET, COMMENTS), 2);
    assert_eq!(fake.comments_on("octo", "hello", 7).len(), 1);
}

#[tokio::test]
async fn a_bare_creation_is_never_retried_after_a_5xx() {
    let fake = fake().await;
    let client = client(&fake);
    fake.fail(Method::POST, COMMENTS, FaultKind::ActThenStatus(500), 3);
    let error = client
        .create_issue_comment(&repo(), 7, "hi")
        .await
        .unwrap_err();
    assert!(error.may_have_happened(), "{error:?}");
    assert_eq!(fake.count(Method::POST, COMMENTS), 1);
    assert_eq!(fake.comments_on("octo", "hello", 7).len(), 1);
}

#[tokio::test]
async fn reads_are_retried_a_bounded_number_of_times() {
    let fake = fake().await;
    let client = client(&fake);
    fake.fail(Method::GET, COMMENTS, FaultKind::Status(500), 2);
    client.list_issue_comments(&repo(), 7).await.unwrap();
    assert_eq!(fake.count(Method::GET, COMMENTS), 3);

    fake.fail(Method::GET, COMMENTS, FaultKind::Status(503), 100);
    let error = client.list_issue_comments(&repo(), 7).await.unwrap_err();
    assert!(
        matches!(
            error,
            GithubError::Transient {
                status: Some(503),
                ..
            }
        ),
        "{error:?}"
    );
    // `max_attempts` is 4 by default.
    assert_eq!(fake.count(Method::GET, COMMENTS), 3 + 4);
}

#[tokio::test]
async fn a_secondary_limit_with_retry_after_is_waited_out() {
    let fake = fake().await;
    let client = client(&fake);
    fake.fail(
        Method::POST,
        COMMENTS,
        FaultKind::Secondary {
            retry_after: Some(1),
        },
        1,
    );
    let started = Instant::now();
    // A rate-limited creation was refused, not made: it is sent again.
    client.create_issue_comment(&repo(), 7, "hi").await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(fake.count(Method::POST, COMMENTS), 2);
    assert_eq!(fake.comments_on("octo", "hello", 7).len(), 1);
}

#[tokio::test]
async fn a_rate_limit_wait_beyond_the_bound_is_a_typed_error_at_once() {
    let fake = fake().await;
    let client = client(&fake);
    fake.fail(
        Method::GET,
        COMMENTS,
        FaultKind::Secondary {
            retry_after: Some(3600),
        },
        1,
    );
    let started = Instant::now();
    let error = client.list_issue_comments(&repo(), 7).await.unwrap_err();
    assert_eq!(
        error,
        GithubError::RateLimited {
            kind: RateLimitKind::Secondary,
            wait: Some(Duration::from_secs(3600)),
            message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.".to_owned(),
        }
    );
    // No header at all: GitHub says wait at least a minute, beyond 5 s.
    fake.fail(
        Method::GET,
        COMMENTS,
        FaultKind::Secondary { retry_after: None },
        1,
    );
    let error = client.list_issue_comments(&repo(), 7).await.unwrap_err();
    assert!(
        matches!(error, GithubError::RateLimited { wait: Some(w), .. } if w == Duration::from_secs(60)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn the_primary_limit_waits_for_its_reset_and_sends_nothing_before() {
    let fake = fake().await;
    let client = client(&fake);
    fake.fail(Method::GET, COMMENTS, FaultKind::Primary { reset_in: 1 }, 1);
    let started = Instant::now();
    client.list_issue_comments(&repo(), 7).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(fake.count(Method::GET, COMMENTS), 2);

    // A reset an hour away: an error, and later requests are not sent
    // while the budget is spent.
    fake.fail(
        Method::GET,
        COMMENTS,
        FaultKind::Primary { reset_in: 3600 },
        1,
    );
    let error = client.list_issue_comments(&repo(), 7).await.unwrap_err();
    assert!(
        matches!(
            error,
            GithubError::RateLimited {
                kind: RateLimitKind::Primary,
                ..
            }
        ),
        "{error:?}"
    );
    let error = client.get_issue_comment(&repo(), 1).await.unwrap_err();
    assert!(
        matches!(
            error,
            GithubError::RateLimited {
                kind: RateLimitKind::Primary,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(fake.requests().len(), 3);
}

fn app() -> App {
    App {
        issuer: "Iv1.0123456789abcdef".to_owned(),
        installation_id: 42,
        key: AppKey::from_pem(KEY).unwrap(),
    }
}

async fn app_fake(clock: Arc<FixedClock>) -> FakeGithub {
    FakeGithub::start(
        clock,
        &[],
        Some(AppConfig {
            issuer: "Iv1.0123456789abcdef".to_owned(),
            installation_id: 42,
            public_pem: PUBLIC_KEY.to_vec(),
        }),
    )
    .await
}

fn app_client(fake: &FakeGithub, clock: Arc<FixedClock>) -> Client {
    Client::new(ClientOptions {
        auth: Auth::App(app()),
        clock,
        ..options(fake)
    })
    .unwrap()
}

fn now() -> Timestamp {
    Timestamp::now()
}

#[tokio::test]
async fn an_app_trades_a_verified_jwt_for_a_cached_installation_token() {
    let start = now();
    let clock = Arc::new(FixedClock::at(start));
    let fake = app_fake(clock.clone()).await;
    let client = app_client(&fake, clock.clone());

    for _ in 0..3 {
        client.list_issue_comments(&repo(), 7).await.unwrap();
    }
    // One exchange; the JWT verified with the App's public key (RS256) and
    // has GitHub's claims.
    assert_eq!(fake.tokens_issued(), 1);
    let claims = fake.jwt_claims();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].iss, "Iv1.0123456789abcdef");
    assert_eq!(claims[0].iat, start.unix_seconds() - 60);
    assert_eq!(claims[0].exp, start.unix_seconds() + 540);
    let exchange = &fake.requests()[0];
    assert_eq!(exchange.method, Method::POST);
    assert_eq!(exchange.path, "/app/installations/42/access_tokens");
    let authorizations: Vec<String> = fake.requests()[1..]
        .iter()
        .map(|r| r.authorization.clone().unwrap())
        .collect();
    assert_eq!(authorizations, vec!["Bearer ghs_fake1".to_owned(); 3]);

    // 50 minutes on, the token (one hour) is still used.
    clock.advance(Duration::from_secs(50 * 60));
    client.list_issue_comments(&repo(), 7).await.unwrap();
    assert_eq!(fake.tokens_issued(), 1);
    // 56 minutes on, less than 5 minutes are left: a new one is bought.
    clock.advance(Duration::from_secs(6 * 60));
    client.list_issue_comments(&repo(), 7).await.unwrap();
    assert_eq!(fake.tokens_issued(), 2);
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.authorization.as_deref(), Some("Bearer ghs_fake2"));
    let claims = fake.jwt_claims();
    assert_eq!(claims[1].iat, start.unix_seconds() + 56 * 60 - 60);
}

#[tokio::test]
async fn concurrent_requests_share_one_token_exchange() {
    let clock = Arc::new(FixedClock::at(now()));
    let fake = app_fake(clock.clone()).await;
    let client = app_client(&fake, clock);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client.list_issue_comments(&repo(), 7).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(fake.tokens_issued(), 1);
}

#[tokio::test]
async fn a_revoked_installation_token_is_renewed_once() {
    let clock = Arc::new(FixedClock::at(now()));
    let fake = app_fake(clock.clone()).await;
    let client = app_client(&fake, clock);
    client.list_issue_comments(&repo(), 7).await.unwrap();
    fake.revoke_installation_tokens();
    client.list_issue_comments(&repo(), 7).await.unwrap();
    assert_eq!(fake.tokens_issued(), 2);
}

#[tokio::test]
async fn an_app_github_does_not_know_is_unauthorized() {
    let clock = Arc::new(FixedClock::at(now()));
    let fake = app_fake(clock.clone()).await;
    let client = Client::new(ClientOptions {
        auth: Auth::App(App {
            issuer: "Iv1.somebody-else".to_owned(),
            ..app()
        }),
        clock,
        ..options(&fake)
    })
    .unwrap();
    let error = client.list_issue_comments(&repo(), 7).await.unwrap_err();
    assert!(
        matches!(error, GithubError::Unauthorized { .. }),
        "{error:?}"
    );
    assert_eq!(fake.tokens_issued(), 0);
}

#[test]
fn keys_tokens_and_options_never_print_their_secrets() {
    let options = ClientOptions {
        auth: Auth::App(app()),
        ..ClientOptions::default()
    };
    let shown = format!("{options:?} {:?} {}", Token::new(PAT), Token::new(PAT));
    assert!(!shown.contains("PRIVATE"), "{shown}");
    assert!(!shown.contains("MII"), "{shown}");
    assert!(!shown.contains(PAT), "{shown}");
    let shown = format!(
        "{:?}",
        ClientOptions {
            auth: Auth::Token(Token::new(PAT)),
            ..ClientOptions::default()
        }
    );
    assert!(!shown.contains(PAT), "{shown}");
}

#[test]
fn a_key_that_is_not_an_rsa_pem_is_a_typed_error() {
    for bad in [&b"not a key"[..], PUBLIC_KEY, b""] {
        let error = AppKey::from_pem(bad).unwrap_err();
        assert!(matches!(error, GithubError::BadKey { .. }), "{error:?}");
    }
}

#[test]
fn api_urls_are_checked() {
    for bad in [
        "",
        "ftp://example.com",
        "https://example.com/api/v3?x=1",
        "not a url",
    ] {
        let error = Client::new(ClientOptions {
            api_url: bad.to_owned(),
            ..ClientOptions::default()
        })
        .unwrap_err();
        assert!(
            matches!(error, GithubError::BadUrl { .. }),
            "{bad}: {error:?}"
        );
    }
    let client = Client::new(ClientOptions {
        api_url: "https://ghe.example.com/api/v3/".to_owned(),
        ..ClientOptions::default()
    })
    .unwrap();
    assert_eq!(
        client
            .url(&["repos", "o", "r", "issues", "1", "comments"])
            .as_str(),
        "https://ghe.example.com/api/v3/repos/o/r/issues/1/comments"
    );
}
