//! A scripted HTTP server on a real loopback socket, for the Railway client
//! tests: it answers each request with the next scripted reply (status,
//! headers, body — or a dropped connection) and records what it received.

#![allow(dead_code)]

pub mod emulator;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Answer with this status, headers and body.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Read the request, then close the socket without answering.
    Drop,
}

impl Reply {
    /// A 200 with a JSON body.
    pub fn json(body: serde_json::Value) -> Reply {
        Reply::status(200, body.to_string())
    }

    /// Any status with a body (JSON or not).
    pub fn status(status: u16, body: impl Into<String>) -> Reply {
        Reply::Respond {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Received {
    /// Request target, e.g. `/graphql/v2?source=mirage`.
    pub target: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: serde_json::Value,
}

impl Received {
    /// The value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The GraphQL document sent.
    pub fn query(&self) -> &str {
        self.body["query"].as_str().unwrap_or_default()
    }
}

/// The running server.
pub struct Server {
    /// Base URL, e.g. `http://127.0.0.1:41234/graphql/v2`.
    pub url: String,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    received: Arc<Mutex<Vec<Received>>>,
    fallback: Reply,
}

impl Server {
    /// Starts a server that plays `replies` in order, then repeats the last.
    pub async fn start(replies: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let fallback = replies
            .last()
            .cloned()
            .unwrap_or_else(|| Reply::json(serde_json::json!({"data": null})));
        let server = Server {
            url: format!("http://{address}/graphql/v2"),
            replies: Arc::new(Mutex::new(replies.into())),
            received: Arc::new(Mutex::new(Vec::new())),
            fallback,
        };
        let replies = server.replies.clone();
        let received = server.received.clone();
        let fallback = server.fallback.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let replies = replies.clone();
                let received = received.clone();
                let fallback = fallback.clone();
                tokio::spawn(async move {
                    let _ = handle(socket, replies, received, fallback).await;
                });
            }
        });
        server
    }

    /// Requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

async fn handle(
    mut socket: TcpStream,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    received: Arc<Mutex<Vec<Received>>>,
    fallback: Reply,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let read = socket.read(&mut chunk).await?;
        if read == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(position) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break position + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let target = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .unwrap_or_default()
        .to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    while buffer.len() < header_end + length {
        let read = socket.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body = serde_json::from_slice(&buffer[header_end..]).unwrap_or(serde_json::Value::Null);
    received.lock().unwrap().push(Received {
        target,
        headers,
        body,
    });
    let reply = replies.lock().unwrap().pop_front().unwrap_or(fallback);
    match reply {
        Reply::Drop => {
            // Close without a response: the client sees a dropped connection.
            drop(socket);
        }
        Reply::Respond {
            status,
            headers,
            body,
        } => {
            let mut response = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            let has_type = headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
            if !has_type {
                response.push_str("content-type: application/json\r\n");
            }
            for (name, value) in headers {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response.push_str("\r\n");
            response.push_str(&body);
            socket.write_all(response.as_bytes()).await?;
            socket.shutdown().await?;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    Ok(())
}
