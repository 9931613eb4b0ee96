//! Subscriptions over `graphql-transport-ws` (the protocol Railway speaks on
//! `wss://backboard.railway.com/graphql/v2`): auth on the HTTP upgrade
//! request, `connection_init` → `connection_ack`, one `subscribe`, then
//! `next` messages until `complete` or `error`.

use std::marker::PhantomData;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::auth::websocket_url;
use super::client::{Client, decode_data};
use super::error::{GraphQlErrorBody, RailwayError};

/// How long the upgrade and the `connection_ack` may take (the CLI's value).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The id of the one operation a [`Subscription`] runs on its socket.
const OPERATION_ID: &str = "1";

/// A running subscription. Each [`Subscription::next`] yields one event.
pub struct Subscription<F> {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    done: bool,
    marker: PhantomData<fn() -> F>,
}

impl<F> std::fmt::Debug for Subscription<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("done", &self.done)
            .finish()
    }
}

fn transient(message: impl Into<String>) -> RailwayError {
    RailwayError::Transient {
        message: message.into(),
        status: None,
        sent: true,
    }
}

impl Client {
    /// Starts a typed subscription (a cynic `StreamingOperation`, e.g.
    /// `DeploymentLogsSubscription::build(vars)`).
    pub async fn subscribe<F, V>(
        &self,
        operation: cynic::StreamingOperation<F, V>,
    ) -> Result<Subscription<F>, RailwayError>
    where
        F: DeserializeOwned,
        V: Serialize,
    {
        let mut request = websocket_url(self.url())
            .into_client_request()
            .map_err(|error| RailwayError::BadEndpoint {
                endpoint: self.options().endpoint.clone(),
                reason: format!("not a websocket URL: {error}"),
            })?;
        let headers = request.headers_mut();
        headers.insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        headers.insert(
            "user-agent",
            HeaderValue::from_static(concat!("mirage/", env!("CARGO_PKG_VERSION"))),
        );
        if let Some(credentials) = &self.options().credentials {
            let (name, value) = credentials.header();
            let mut value =
                HeaderValue::from_str(&value).map_err(|_| RailwayError::Unauthorized {
                    message: "the token contains characters that cannot go in an HTTP header"
                        .to_owned(),
                    trace_id: None,
                })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        self.inner.limiter.acquire().await;
        self.inner
            .sent
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let connect = tokio_tungstenite::connect_async(request);
        let (mut socket, _) = match tokio::time::timeout(HANDSHAKE_TIMEOUT, connect).await {
            Err(_) => return Err(transient("the websocket upgrade timed out")),
            Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response))) => {
                let status = response.status().as_u16();
                let body = response.body().clone().unwrap_or_default();
                return Err(super::client::classify_response(status, None, &body)
                    .err()
                    .unwrap_or_else(|| {
                        transient(format!("the websocket upgrade got HTTP {status}"))
                    }));
            }
            Ok(Err(error)) => {
                return Err(transient(format!("cannot open the websocket ({error})")));
            }
            Ok(Ok(connected)) => connected,
        };
        send_json(
            &mut socket,
            &json!({"type": "connection_init", "payload": {}}),
        )
        .await?;
        let ack = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
            loop {
                match next_message(&mut socket).await? {
                    Some(message) if message["type"] == "connection_ack" => return Ok(()),
                    Some(message) if message["type"] == "ping" => {
                        send_json(&mut socket, &json!({"type": "pong"})).await?;
                    }
                    Some(_) => {}
                    None => {
                        return Err(RailwayError::Unauthorized {
                            message: "the server closed the websocket before `connection_ack`"
                                .to_owned(),
                            trace_id: None,
                        });
                    }
                }
            }
        })
        .await;
        match ack {
            Err(_) => return Err(transient("no `connection_ack` within 10 s")),
            Ok(result) => result?,
        }
        let payload = json!({
            "query": operation.query(),
            "variables": operation.variables(),
            "operationName": operation.operation_name(),
        });
        send_json(
            &mut socket,
            &json!({"id": OPERATION_ID, "type": "subscribe", "payload": payload}),
        )
        .await?;
        Ok(Subscription {
            socket,
            done: false,
            marker: PhantomData,
        })
    }
}

impl<F: DeserializeOwned> Subscription<F> {
    /// The next event, `None` once the server completed the subscription
    /// or closed the socket. An `error` message ends it with `Some(Err)`.
    pub async fn next(&mut self) -> Option<Result<F, RailwayError>> {
        if self.done {
            return None;
        }
        loop {
            let message = match next_message(&mut self.socket).await {
                Ok(Some(message)) => message,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
            };
            let is_ours =
                message.get("id").and_then(serde_json::Value::as_str) == Some(OPERATION_ID);
            match message["type"].as_str() {
                Some("ping") => {
                    if let Err(error) = send_json(&mut self.socket, &json!({"type": "pong"})).await
                    {
                        self.done = true;
                        return Some(Err(error));
                    }
                }
                Some("next") if is_ours => {
                    let payload = message.get("payload").cloned().unwrap_or_default();
                    let errors: Vec<GraphQlErrorBody> = payload
                        .get("errors")
                        .cloned()
                        .and_then(|errors| serde_json::from_value(errors).ok())
                        .unwrap_or_default();
                    if let Some(error) = errors.first() {
                        return Some(Err(error.classify()));
                    }
                    return Some(decode_data(payload.get("data").cloned()));
                }
                Some("error") if is_ours => {
                    self.done = true;
                    let errors: Vec<GraphQlErrorBody> = message
                        .get("payload")
                        .cloned()
                        .and_then(|errors| serde_json::from_value(errors).ok())
                        .unwrap_or_default();
                    return Some(Err(errors.first().map_or_else(
                        || RailwayError::Server {
                            message: "the subscription failed without a message".to_owned(),
                            trace_id: None,
                        },
                        GraphQlErrorBody::classify,
                    )));
                }
                Some("complete") if is_ours => {
                    self.done = true;
                    return None;
                }
                _ => {}
            }
        }
    }

    /// Stops the subscription (`complete`) and closes the socket.
    pub async fn close(mut self) {
        if !self.done {
            let _ = send_json(
                &mut self.socket,
                &json!({"id": OPERATION_ID, "type": "complete"}),
            )
            .await;
        }
        let _ = self.socket.close(None).await;
    }
}

async fn send_json(
    socket: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
    value: &serde_json::Value,
) -> Result<(), RailwayError> {
    socket
        .send(Message::text(value.to_string()))
        .await
        .map_err(|error| transient(format!("the websocket failed ({error})")))
}

/// The next protocol message as JSON; `None` when the socket closed.
async fn next_message(
    socket: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
) -> Result<Option<serde_json::Value>, RailwayError> {
    loop {
        let Some(frame) = socket.next().await else {
            return Ok(None);
        };
        let frame = frame.map_err(|error| transient(format!("the websocket failed ({error})")))?;
        let text = match frame {
            Message::Text(text) => text.to_string(),
            Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Message::Close(frame) => {
                // 4401/4403 are graphql-transport-ws's "unauthorized" and
                // "forbidden" close codes.
                if let Some(frame) = frame {
                    let code = u16::from(frame.code);
                    if code == 4401 || code == 4403 {
                        return Err(RailwayError::Unauthorized {
                            message: format!("websocket closed: {}", frame.reason),
                            trace_id: None,
                        });
                    }
                }
                return Ok(None);
            }
            _ => continue,
        };
        match serde_json::from_str(&text) {
            Ok(value) => return Ok(Some(value)),
            Err(_) => continue,
        }
    }
}
