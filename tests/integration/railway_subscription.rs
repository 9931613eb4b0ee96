//! Subscriptions over `graphql-transport-ws` against a scripted websocket
//! server on a loopback socket.

// tungstenite's handshake callback type fixes a large `Err` variant.
#![allow(clippy::result_large_err)]

use std::sync::{Arc, Mutex};

use cynic::SubscriptionBuilder;
use futures_util::{SinkExt, StreamExt};
use mirage::railway::ops::logs::{DeploymentLogsSubscription, LogStreamVariables};
use mirage::railway::{Client, ClientOptions, Credentials, ErrorKind, Token};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// What the server saw during the upgrade and afterwards.
#[derive(Default, Debug)]
struct Seen {
    protocol: Option<String>,
    authorization: Option<String>,
    messages: Vec<Value>,
}

/// Serves one websocket connection: acks, waits for `subscribe`, sends
/// `batches` as `next` messages (a ping first), then `complete` or `error`.
async fn serve(
    batches: Vec<Value>,
    end_with_error: bool,
) -> (String, Arc<Mutex<Seen>>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql/v2", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = seen.clone();
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let upgrade = record.clone();
        let callback = move |request: &Request, mut response: Response| {
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned)
            };
            let mut seen = upgrade.lock().unwrap();
            seen.protocol = header("sec-websocket-protocol");
            seen.authorization = header("authorization");
            response.headers_mut().insert(
                "sec-websocket-protocol",
                HeaderValue::from_static("graphql-transport-ws"),
            );
            Ok(response)
        };
        let mut socket = tokio_tungstenite::accept_hdr_async(stream, callback)
            .await
            .unwrap();
        let mut id = String::new();
        while let Some(Ok(Message::Text(text))) = socket.next().await {
            let message: Value = serde_json::from_str(&text).unwrap();
            record.lock().unwrap().messages.push(message.clone());
            match message["type"].as_str() {
                Some("connection_init") => {
                    let ack = json!({"type": "connection_ack"}).to_string();
                    socket.send(Message::text(ack)).await.unwrap();
                }
                Some("subscribe") => {
                    id = message["id"].as_str().unwrap().to_owned();
                    break;
                }
                _ => {}
            }
        }
        let ping = json!({"type": "ping"}).to_string();
        socket.send(Message::text(ping)).await.unwrap();
        for batch in batches {
            let next =
                json!({"id": id, "type": "next", "payload": {"data": {"deploymentLogs": batch}}});
            socket.send(Message::text(next.to_string())).await.unwrap();
        }
        let last = if end_with_error {
            json!({"id": id, "type": "error", "payload": [{"message": "Problem processing request", "traceId": "42"}]})
        } else {
            json!({"id": id, "type": "complete"})
        };
        socket.send(Message::text(last.to_string())).await.unwrap();
        // Read the pong and whatever else the client sends until it closes.
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                record
                    .lock()
                    .unwrap()
                    .messages
                    .push(serde_json::from_str(&text).unwrap());
            }
        }
    });
    (url, seen, task)
}

fn line(message: &str) -> Value {
    json!({"timestamp": "2026-11-27T16:00:00Z", "message": message, "severity": "info",
        "attributes": [{"key": "level", "value": "info"}],
        "tags": {"deploymentId": "d1", "serviceId": "s1", "environmentId": "e1", "deploymentInstanceId": "i1"}})
}

fn client(url: &str) -> Client {
    Client::new(ClientOptions {
        credentials: Some(Credentials::Account(Token::new("ws-secret"))),
        requests_per_second: 0.0,
        ..ClientOptions::default().with_endpoint(url)
    })
    .unwrap()
}

fn operation() -> cynic::StreamingOperation<DeploymentLogsSubscription, LogStreamVariables> {
    DeploymentLogsSubscription::build(LogStreamVariables {
        deployment_id: "d1".into(),
        filter: None,
        limit: Some(10),
    })
}

#[tokio::test]
async fn log_batches_arrive_in_order_then_the_stream_completes() {
    let batches = vec![
        json!([line("starting"), line("listening on :8080")]),
        json!([line("GET /")]),
    ];
    let (url, seen, server) = serve(batches, false).await;
    let mut subscription = client(&url).subscribe(operation()).await.unwrap();
    let mut messages = Vec::new();
    while let Some(batch) = subscription.next().await {
        for log in batch.unwrap().deployment_logs {
            messages.push(log.message);
        }
    }
    assert_eq!(messages, ["starting", "listening on :8080", "GET /"]);
    assert!(subscription.next().await.is_none());
    subscription.close().await;
    // The server task ends when the socket closes: all it saw is recorded.
    server.await.unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(seen.protocol.as_deref(), Some("graphql-transport-ws"));
    assert_eq!(seen.authorization.as_deref(), Some("Bearer ws-secret"));
    assert_eq!(seen.messages[0]["type"], "connection_init");
    assert_eq!(seen.messages[1]["type"], "subscribe");
    assert_eq!(
        seen.messages[1]["payload"]["variables"]["deploymentId"],
        "d1"
    );
    assert!(
        seen.messages[1]["payload"]["query"]
            .as_str()
            .unwrap()
            .contains("subscription")
    );
    assert!(
        seen.messages
            .iter()
            .any(|message| message["type"] == "pong"),
        "{:?}",
        seen.messages
    );
}

#[tokio::test]
async fn an_error_message_ends_the_stream_with_a_classified_error() {
    let (url, _, _) = serve(vec![json!([line("one")])], true).await;
    let mut subscription = client(&url).subscribe(operation()).await.unwrap();
    let first = subscription.next().await.unwrap().unwrap();
    assert_eq!(first.deployment_logs.len(), 1);
    let error = subscription.next().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server);
    assert!(error.to_string().contains("`42`"), "{error}");
    assert!(subscription.next().await.is_none());
}

#[tokio::test]
async fn an_unreachable_server_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let error = client(&format!("http://127.0.0.1:{port}/graphql/v2"))
        .subscribe(operation())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transient);
}
