//! Shared helpers for the emulator tests: start an emulator on a loopback
//! port and send raw GraphQL documents to it over real HTTP.

#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use mirage::emulator::{Emulator, Options, RunningEmulator};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A WebSocket to the emulator's `/graphql/v2`.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Sends one `graphql-transport-ws` message.
pub async fn send_message(ws: &mut Ws, message: Value) {
    ws.send(Message::Text(message.to_string().into()))
        .await
        .expect("the socket takes a message");
}

/// The next text message as JSON, within 10 seconds.
pub async fn next_message(ws: &mut Ws) -> Value {
    let fut = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    return serde_json::from_str::<Value>(&t).expect("json");
                }
                Some(Ok(_)) => continue,
                other => panic!("socket ended: {other:?}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .expect("a message within 10 s")
}

/// A running emulator plus an HTTP client.
pub struct Harness {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
    pub token: String,
}

/// What came back from one request.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// `data` of a successful reply; panics (failing the test) on errors.
    pub fn data(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.text);
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.text
        );
        &self.body["data"]
    }

    /// The first error message.
    pub fn error(&self) -> &str {
        self.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no error in {}", self.text))
    }
}

impl Harness {
    /// An emulator with instant deployments (phase length 0).
    pub async fn start() -> Harness {
        Harness::with(Options {
            clock: Duration::ZERO,
            ..Options::default()
        })
        .await
    }

    /// An emulator with the given options.
    pub async fn with(options: Options) -> Harness {
        let emu = Emulator::start(options).await.expect("emulator starts");
        Harness {
            emu,
            http: reqwest::Client::new(),
            token: "test-account-token".into(),
        }
    }

    /// Sends a document with the account token.
    pub async fn gql(&self, query: &str, variables: Value) -> Reply {
        self.send(
            query,
            variables,
            Some(("authorization", format!("Bearer {}", self.token))),
        )
        .await
    }

    /// Sends a document with an optional extra header (auth).
    pub async fn send(
        &self,
        query: &str,
        variables: Value,
        header: Option<(&str, String)>,
    ) -> Reply {
        let mut req = self
            .http
            .post(self.emu.url())
            .json(&json!({"query": query, "variables": variables}));
        if let Some((k, v)) = header {
            req = req.header(k, v);
        }
        let resp = req.send().await.expect("request is answered");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    /// A POST to the admin API.
    pub async fn admin(&self, path: &str, body: Value) -> Value {
        self.admin_status(path, body).await.1
    }

    /// A POST to the admin API, with the HTTP status of the answer.
    pub async fn admin_status(&self, path: &str, body: Value) -> (u16, Value) {
        let url = format!("{}/{}", self.emu.admin_url(), path);
        let resp = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("admin answers");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("admin json"))
    }

    /// `GET /_emulator/stats`: the request counters.
    pub async fn stats(&self) -> Value {
        let url = format!("{}/stats", self.emu.admin_url());
        let resp = self.http.get(url).send().await.expect("stats answer");
        resp.json().await.expect("stats json")
    }

    /// The number of GraphQL requests the emulator has answered.
    pub async fn requests(&self) -> u64 {
        let stats = self.stats().await;
        stats["requests"].as_u64().expect("a request count")
    }

    /// Opens a `graphql-transport-ws` socket with the account token and
    /// completes the handshake; returns it with the subprotocol the server
    /// chose.
    pub async fn socket(&self) -> (Ws, String) {
        self.socket_with("authorization", &format!("Bearer {}", self.token))
            .await
    }

    /// Opens a `graphql-transport-ws` socket with one auth header on the
    /// upgrade request (as the CLI sends `project-access-token` there) and
    /// completes the handshake.
    pub async fn socket_with(&self, name: &'static str, value: &str) -> (Ws, String) {
        let mut req = self.emu.ws_url().into_client_request().expect("ws url");
        let headers = req.headers_mut();
        let protocol = "graphql-transport-ws".parse().expect("header");
        headers.insert("sec-websocket-protocol", protocol);
        headers.insert(name, value.parse().expect("header"));
        let (mut ws, resp) = tokio_tungstenite::connect_async(req)
            .await
            .expect("upgrade");
        let chosen = resp
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        send_message(&mut ws, json!({"type": "connection_init", "payload": {}})).await;
        assert_eq!(next_message(&mut ws).await["type"], "connection_ack");
        (ws, chosen)
    }

    /// Deploys a service instance; returns the deployment id.
    pub async fn deploy(&self, env: &str, service: &str) -> String {
        let r = self
            .gql("mutation($e: String!, $s: String!) { serviceInstanceDeployV2(environmentId: $e, serviceId: $s) }", json!({"e": env, "s": service}))
            .await;
        r.data()["serviceInstanceDeployV2"]
            .as_str()
            .expect("deployment id")
            .to_string()
    }

    /// Creates a project; returns (project id, default environment id).
    pub async fn project(&self, name: &str) -> (String, String) {
        let r = self
            .gql(
                "mutation($n: String) { projectCreate(input: {name: $n}) { id environments { edges { node { id name } } } } }",
                json!({"n": name}),
            )
            .await;
        let p = &r.data()["projectCreate"];
        let env = p["environments"]["edges"][0]["node"]["id"]
            .as_str()
            .expect("env id")
            .to_string();
        (p["id"].as_str().expect("project id").to_string(), env)
    }

    /// Creates a service from an image; returns its id.
    pub async fn service(&self, project: &str, name: &str, image: &str) -> String {
        let r = self
            .gql(
                "mutation($p: String!, $n: String, $i: String) { serviceCreate(input: {projectId: $p, name: $n, source: {image: $i}}) { id name } }",
                json!({"p": project, "n": name, "i": image}),
            )
            .await;
        r.data()["serviceCreate"]["id"]
            .as_str()
            .expect("service id")
            .to_string()
    }

    /// The decrypted config and etag of an environment.
    pub async fn config(&self, env: &str) -> (Value, String) {
        let r = self
            .gql("query($e: String!) { environment(id: $e) { config(decryptVariables: true) configEtag } }", json!({"e": env}))
            .await;
        let e = &r.data()["environment"];
        (
            e["config"].clone(),
            e["configEtag"].as_str().expect("etag").to_string(),
        )
    }

    /// Commits a patch.
    pub async fn commit(&self, env: &str, patch: Value) -> Reply {
        self.gql(
            "mutation($e: String!, $p: EnvironmentConfig) { environmentPatchCommit(environmentId: $e, patch: $p) }",
            json!({"e": env, "p": patch}),
        )
        .await
    }
}
