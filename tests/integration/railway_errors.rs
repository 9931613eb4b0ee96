//! Error classification and retries, driven by Railway's real error bodies
//! (API-NOTES §6) served from a loopback socket.

use crate::railway_support;

use std::time::{Duration, Instant};

use cynic::{MutationBuilder, QueryBuilder};
use mirage::railway::ops::common::IdVariables;
use mirage::railway::ops::project::{ProjectDelete, ProjectQuery};
use mirage::railway::{
    Client, ClientOptions, Credentials, ErrorKind, RailwayError, RetryPolicy, Token,
};
use railway_support::{Reply, Server};
use serde_json::json;

const SECRET: &str = "tok-7f3a-very-secret";

fn options(url: &str) -> ClientOptions {
    ClientOptions {
        credentials: Some(Credentials::Account(Token::new(SECRET))),
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(80),
            deadline: Duration::from_secs(20),
        },
        requests_per_second: 0.0,
        ..ClientOptions::default().with_endpoint(url)
    }
}

fn project_ok() -> Reply {
    Reply::json(json!({"data": {"project": {
        "id": "p1", "name": "demo", "description": null, "workspaceId": "w1",
        "isPublic": false, "prDeploys": false, "baseEnvironmentId": null, "deletedAt": null
    }}}))
}

fn not_authorized() -> Reply {
    Reply::json(json!({
        "errors": [{"message": "Not Authorized", "locations": [{"line": 1, "column": 3}],
            "path": ["project"], "extensions": {"code": "INTERNAL_SERVER_ERROR"},
            "traceId": "3228461936284726352"}],
        "data": null
    }))
}

async fn read(client: &Client) -> Result<String, RailwayError> {
    let operation = ProjectQuery::build(IdVariables { id: "p1".into() });
    client.query(operation).await.map(|data| data.project.name)
}

async fn write(client: &Client) -> Result<bool, RailwayError> {
    let operation = ProjectDelete::build(IdVariables { id: "p1".into() });
    client
        .mutate(operation)
        .await
        .map(|data| data.project_delete)
}

async fn run_read(replies: Vec<Reply>) -> (Result<String, RailwayError>, usize, Duration) {
    let server = Server::start(replies).await;
    let client = Client::new(options(&server.url)).unwrap();
    let started = Instant::now();
    let result = read(&client).await;
    assert_eq!(client.requests_sent() as usize, server.count());
    (result, server.count(), started.elapsed())
}

async fn run_write(replies: Vec<Reply>) -> (Result<bool, RailwayError>, usize) {
    let server = Server::start(replies).await;
    let client = Client::new(options(&server.url)).unwrap();
    let result = write(&client).await;
    (result, server.count())
}

#[tokio::test]
async fn not_authorized_is_unauthorized_and_never_retried() {
    let (result, attempts, _) = run_read(vec![not_authorized(), project_ok()]).await;
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
    assert_eq!(
        attempts, 1,
        "INTERNAL_SERVER_ERROR on `Not Authorized` must not be retried"
    );
    let message = error.to_string();
    assert!(message.contains("RAILWAY_API_TOKEN"), "{message}");
    assert!(
        message.contains("3228461936284726352"),
        "trace id shown: {message}"
    );
    assert!(!message.contains(SECRET));
}

#[tokio::test]
async fn project_token_not_found_is_unauthorized() {
    let reply = Reply::json(json!({"errors": [{"message": "Project Token not found",
        "extensions": {"code": "INTERNAL_SERVER_ERROR"}}], "data": null}));
    let (result, attempts, _) = run_read(vec![reply]).await;
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Unauthorized);
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn project_not_found_is_not_found() {
    let reply = Reply::json(json!({"errors": [{"message": "Project not found",
        "path": ["project"], "extensions": {"code": "INTERNAL_SERVER_ERROR"}}], "data": null}));
    let (result, attempts, _) = run_read(vec![reply]).await;
    assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn validation_failure_is_invalid_with_its_code() {
    let reply = Reply::status(
        400,
        json!({"errors": [{"message": "Cannot query field \"x\" on type \"Query\". Did you mean \"me\"?",
            "locations": [{"line": 1, "column": 3}],
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]})
        .to_string(),
    );
    let (result, attempts, _) = run_read(vec![reply]).await;
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert!(
        error.to_string().contains("GRAPHQL_VALIDATION_FAILED"),
        "{error}"
    );
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn problem_processing_request_shows_the_trace_id_from_either_place() {
    let top = Reply::json(json!({"errors": [{"message": "Problem processing request",
        "traceId": "1234567890123456789"}], "data": null}));
    let (result, attempts, _) = run_read(vec![top]).await;
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server);
    assert!(
        error.to_string().contains("`1234567890123456789`"),
        "{error}"
    );
    assert_eq!(attempts, 1);

    let nested = Reply::json(json!({"errors": [{"message": "Problem processing request",
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "traceId": "987654321098765432"}}], "data": null}));
    let (result, _, _) = run_read(vec![nested]).await;
    assert!(
        result
            .unwrap_err()
            .to_string()
            .contains("987654321098765432")
    );
}

#[tokio::test]
async fn rate_limit_waits_for_retry_after_then_succeeds() {
    let limited =
        Reply::status(429, r#"{"message":"Too Many Requests"}"#).header("Retry-After", "1");
    let (result, attempts, elapsed) = run_read(vec![limited, project_ok()]).await;
    assert_eq!(result.unwrap(), "demo");
    assert_eq!(attempts, 2);
    assert!(
        elapsed >= Duration::from_millis(900),
        "Retry-After honoured: {elapsed:?}"
    );
}

#[tokio::test]
async fn persistent_rate_limit_gives_up_after_max_attempts() {
    let limited = Reply::status(429, "").header("Retry-After", "0");
    let (result, attempts, _) = run_read(vec![limited]).await;
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(attempts, 4);
}

#[tokio::test]
async fn retry_after_beyond_the_deadline_is_not_waited_for() {
    let server = Server::start(vec![
        Reply::status(429, "").header("Retry-After", "30"),
        project_ok(),
    ])
    .await;
    let mut options = options(&server.url);
    options.retry.deadline = Duration::from_secs(2);
    let client = Client::new(options).unwrap();
    let started = Instant::now();
    let error = read(&client).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(server.count(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn cloudflare_html_pages_are_transient_and_retried_for_reads() {
    let html = "<!DOCTYPE html><html><head><title>Access denied | backboard.railway.com used Cloudflare to restrict access</title></head><body>Error 1015</body></html>";
    let denied = Reply::status(403, html).header("content-type", "text/html");
    let (result, attempts, _) = run_read(vec![denied, project_ok()]).await;
    assert_eq!(result.unwrap(), "demo");
    assert_eq!(attempts, 2);

    let (result, attempts, _) = run_read(vec![
        Reply::status(403, html).header("content-type", "text/html"),
    ])
    .await;
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transient);
    assert_eq!(attempts, 4);
    assert!(error.to_string().contains("HTML"), "{error}");
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_for_reads() {
    let (result, attempts, elapsed) = run_read(vec![
        Reply::status(502, "<html>bad gateway</html>"),
        Reply::status(503, ""),
        project_ok(),
    ])
    .await;
    assert_eq!(result.unwrap(), "demo");
    assert_eq!(attempts, 3);
    // Two full-jitter waits, each at most 20 ms and 40 ms.
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn dropped_connections_are_retried_for_reads() {
    let (result, attempts, _) = run_read(vec![Reply::Drop, Reply::Drop, project_ok()]).await;
    assert_eq!(result.unwrap(), "demo");
    assert_eq!(attempts, 3);
}

#[tokio::test]
async fn a_write_whose_outcome_is_unknown_is_sent_once() {
    let done = Reply::json(json!({"data": {"projectDelete": true}}));
    // The request went out and no answer says what happened: a reset
    // after sending, or any 5xx, with or without a body. Railway may have
    // carried it out: never resent as it stands.
    for (what, first) in [
        ("a reset after sending", Reply::Drop),
        ("503 without a body", Reply::status(503, "")),
        (
            "502 with an HTML page",
            Reply::status(502, "<html>bad gateway</html>"),
        ),
        (
            "500 with a JSON body",
            Reply::status(500, r#"{"errors":[{"message":"Internal error"}]}"#),
        ),
    ] {
        let (result, attempts) = run_write(vec![first, done.clone()]).await;
        let error = result.unwrap_err();
        assert_eq!(attempts, 1, "{what}: sent once");
        assert_eq!(error.kind(), ErrorKind::Transient, "{what}");
        assert!(error.may_have_happened(), "{what}: {error}");
        assert!(!error.is_retryable_write(), "{what}");
        assert!(!error.to_string().contains(SECRET));
    }

    // A GraphQL error: Railway processed the write and refused it; never
    // retried either.
    let (result, attempts) = run_write(vec![
        Reply::json(
            json!({"errors": [{"message": "You are creating volumes too quickly"}], "data": null}),
        ),
        done,
    ])
    .await;
    assert_eq!(result.unwrap_err().kind(), ErrorKind::RateLimited);
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn a_rate_limited_write_is_retried_after_retry_after() {
    // HTTP 429 means the request was refused, not carried out: the write
    // is sent again once `Retry-After` has passed, with or without a body.
    let done = Reply::json(json!({"data": {"projectDelete": true}}));
    for limited in [
        Reply::status(429, r#"{"errors":[{"message":"Rate limit exceeded. Retry after 1 seconds.","extensions":{"code":"RATE_LIMITED"}}]}"#)
            .header("Retry-After", "1"),
        Reply::status(429, "").header("Retry-After", "1"),
    ] {
        let server = Server::start(vec![limited, done.clone()]).await;
        let client = Client::new(options(&server.url)).unwrap();
        let started = Instant::now();
        assert!(write(&client).await.unwrap());
        assert_eq!(server.count(), 2, "refused once, then carried out once");
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "Retry-After honoured: {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_write_that_never_left_is_retried() {
    // Nothing listens: the connection is refused before any byte of the
    // request is sent, so Railway cannot have seen it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut options = options(&format!("http://127.0.0.1:{port}/graphql/v2"));
    options.retry.max_attempts = 3;
    let client = Client::new(options).unwrap();
    let error = write(&client).await.unwrap_err();
    assert!(!error.may_have_happened(), "{error}");
    assert_eq!(client.requests_sent(), 3);
}

#[tokio::test]
async fn unknown_path_is_not_found_pointing_at_the_endpoint() {
    let reply = Reply::status(
        404,
        r#"{"message":"Not Found","requestId":"8d6f0c1e-0000-4000-8000-000000000000"}"#,
    );
    let (result, attempts, _) = run_read(vec![reply]).await;
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert!(error.to_string().contains("MIRAGE_RAILWAY_URL"), "{error}");
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn unreachable_endpoint_is_transient() {
    // Bind then drop a listener: its port refuses connections.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut options = options(&format!("http://127.0.0.1:{port}/graphql/v2"));
    options.retry.max_attempts = 2;
    let client = Client::new(options).unwrap();
    let error = read(&client).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transient);
    assert!(error.is_retryable_write());
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn auth_headers_follow_the_cli() {
    let server = Server::start(vec![project_ok()]).await;
    let account = Client::new(options(&server.url)).unwrap();
    read(&account).await.unwrap();
    let mut project = options(&server.url);
    project.credentials = Some(Credentials::Project(Token::new("proj-token")));
    read(&Client::new(project).unwrap()).await.unwrap();

    let received = server.received();
    assert_eq!(
        received[0].header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    assert_eq!(received[0].header("project-access-token"), None);
    assert_eq!(
        received[1].header("project-access-token"),
        Some("proj-token")
    );
    assert_eq!(received[1].header("authorization"), None);
    for request in &received {
        assert_eq!(request.target, "/graphql/v2?source=mirage");
        assert_eq!(
            request.header("user-agent"),
            Some(concat!("mirage/", env!("CARGO_PKG_VERSION")))
        );
        assert!(
            request.query().contains("project(id: $id)"),
            "{}",
            request.query()
        );
        assert_eq!(request.body["variables"]["id"], "p1");
    }
}

#[test]
fn project_token_wins_and_tokens_never_print() {
    let both = |name: &str| match name {
        "RAILWAY_TOKEN" => Some("project-secret".to_owned()),
        "RAILWAY_API_TOKEN" => Some("account-secret".to_owned()),
        _ => None,
    };
    let credentials = Credentials::from_lookup(both).unwrap();
    assert!(matches!(credentials, Credentials::Project(_)));
    let account = Credentials::from_lookup(|name| {
        (name == "RAILWAY_API_TOKEN").then(|| "account-secret".to_owned())
    })
    .unwrap();
    assert!(matches!(account, Credentials::Account(_)));
    assert_eq!(Credentials::from_lookup(|_| Some("  ".to_owned())), None);

    let options = ClientOptions {
        credentials: Some(credentials),
        ..ClientOptions::default()
    };
    let client = Client::new(options.clone()).unwrap();
    for printed in [
        format!("{options:?}"),
        format!("{client:?}"),
        format!("{account:?}"),
    ] {
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("redacted"), "{printed}");
    }
}

#[test]
fn bad_endpoints_are_rejected_with_the_variable_to_fix() {
    let error =
        Client::new(ClientOptions::default().with_endpoint("ftp://example.com")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert!(error.to_string().contains("`ftp://example.com`"), "{error}");
    let client = Client::new(ClientOptions::default()).unwrap();
    assert_eq!(
        client.url().as_str(),
        "https://backboard.railway.com/graphql/v2?source=mirage"
    );
    let kept =
        Client::new(ClientOptions::default().with_endpoint("http://127.0.0.1:9/g?source=ci"))
            .unwrap();
    assert_eq!(kept.url().as_str(), "http://127.0.0.1:9/g?source=ci");
}

#[tokio::test]
async fn low_rate_limit_remaining_slows_the_next_request() {
    let server = Server::start(vec![
        project_ok()
            .header("X-RateLimit-Remaining", "0")
            .header("X-RateLimit-Reset", "1"),
        project_ok(),
    ])
    .await;
    let client = Client::new(options(&server.url)).unwrap();
    read(&client).await.unwrap();
    let started = Instant::now();
    read(&client).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn token_bucket_spaces_a_burst() {
    let server = Server::start(vec![project_ok()]).await;
    let mut options = options(&server.url);
    options.requests_per_second = 5.0;
    let client = Client::new(options).unwrap();
    let started = Instant::now();
    for _ in 0..10 {
        read(&client).await.unwrap();
    }
    // 5 from the burst, then 5 more at 5/s: about one second.
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count(), 10);
}
