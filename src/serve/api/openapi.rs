//! `GET /api/openapi.json`: an OpenAPI 3.1 document of every route of
//! `mirage serve` (the API, sign-in, webhooks, health, metrics), written
//! by hand. Tests hold it to the router: every route is documented with
//! its methods and every documented operation is answered.

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use crate::serve::server::App;

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new().route("/api/openapi.json", get(serve_document))
}

async fn serve_document() -> Json<Value> {
    Json(document())
}

/// How a caller proves who they are on an operation.
#[derive(Clone, Copy)]
enum Auth {
    /// A bearer JWT, a Mirage API token or a session cookie.
    Api,
    /// None (health, the document itself, sign-in's redirects).
    None,
    /// A signature or a secret of the sender (webhooks), or `/metrics`'
    /// own token.
    Own,
}

struct Op {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    auth: Auth,
    /// The success status and what it answers.
    ok: (&'static str, &'static str),
    /// A JSON request body's schema (a `$ref` name or inline object).
    body: Option<Value>,
    /// More statuses than the ones every operation of its kind has.
    errors: &'static [&'static str],
    /// The success answer's media type.
    media: &'static str,
}

const JSON: &str = "application/json";

fn op(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    ok: (&'static str, &'static str),
    errors: &'static [&'static str],
) -> Op {
    Op {
        method,
        path,
        summary,
        auth: Auth::Api,
        ok,
        body: None,
        errors,
        media: JSON,
    }
}

impl Op {
    fn body(mut self, schema: Value) -> Op {
        self.body = Some(schema);
        self
    }

    fn auth(mut self, auth: Auth) -> Op {
        self.auth = auth;
        self
    }

    fn media(mut self, media: &'static str) -> Op {
        self.media = media;
        self
    }
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": properties, "required": required })
}

/// Every operation of `mirage serve`.
fn operations() -> Vec<Op> {
    const NOT_FOUND: &[&str] = &["404"];
    const FORBIDDEN: &[&str] = &["403", "404"];
    const WRITE: &[&str] = &["400", "403", "404", "422"];
    vec![
        // identity
        op("get", "/api/me", "the caller, their roles and preferences", ("200", "the caller"), &[]),
        op("patch", "/api/me/preferences", "changes the caller's preferences", ("200", "the preferences"), &["400", "413"])
            .body(object(json!({ "theme": { "type": ["string", "null"], "enum": ["light", "dark", "system", null] }, "default_project": { "type": ["string", "null"] } }), &[])),
        op("get", "/api/projects/{project}/members", "the project's members and their roles (viewer+)", ("200", "the members"), NOT_FOUND),
        op("put", "/api/projects/{project}/members/{user}", "grants a role (admin)", ("200", "the member"), WRITE)
            .body(object(json!({ "role": { "type": "string", "enum": ["viewer", "member", "admin"] } }), &["role"])),
        op("delete", "/api/projects/{project}/members/{user}", "revokes a role (admin)", ("204", "revoked"), FORBIDDEN),
        op("get", "/api/projects/{project}/tokens", "the project's API tokens, never their text (admin)", ("200", "the tokens"), FORBIDDEN),
        op("post", "/api/projects/{project}/tokens", "creates an API token, shown once (admin)", ("201", "the token and its text"), WRITE)
            .body(object(json!({ "name": { "type": "string" }, "role": { "type": "string" }, "expires_in": { "type": ["string", "integer"] } }), &["name", "role", "expires_in"])),
        op("delete", "/api/projects/{project}/tokens/{id}", "revokes an API token (admin)", ("204", "revoked"), FORBIDDEN),
        op("get", "/api/projects/{project}/railway-token", "whether the project has a Railway token (admin; never its text)", ("200", "its state"), FORBIDDEN),
        op("put", "/api/projects/{project}/railway-token", "seals and stores the project's Railway token (admin)", ("200", "stored"), WRITE)
            .body(object(json!({ "token": { "type": "string" } }), &["token"])),
        op("delete", "/api/projects/{project}/railway-token", "clears the project's Railway token: serve's own is used again (admin)", ("204", "cleared"), FORBIDDEN),
        op("get", "/api/audit", "the audit log (admin of the project asked); JSON pages, NDJSON or CSV", ("200", "entries"), &["400", "403", "404"]),
        // projects
        op("get", "/api/projects", "the served projects the caller can read, with counts and the caller's role", ("200", "the projects"), &[]),
        op("get", "/api/projects/{project}", "the project's overview (cached; `ETag`, `If-None-Match` → 304)", ("200", "the overview"), &["304", "404", "502", "503"]),
        op("get", "/api/projects/{project}/templates", "the project's templates", ("200", "the templates"), &["404", "503"]),
        op("post", "/api/projects/{project}/environments", "creates an environment from a template (member+): a job", ("202", "the job"), &["400", "403", "404", "422", "503"])
            .body(reference("CreateEnvironment")),
        // room `api` (issue #18): the dashboard's operations
        op("post", "/api/projects/{project}/environments/validate", "checks a create as `POST …/environments` would (member+), creating nothing: `{ok, problems, preview}`", ("200", "the problems and what it would create"), &["400", "403", "404", "503"])
            .body(reference("CreateEnvironment")),
        op("get", "/api/projects/{project}/environments/{environment}/logs", "the environment's lines merged across `service=a,b` (default all), in time order, through the observe engine: `build=true`, `since=1h` or `from`/`to`, `before` (RFC 3339), Railway's `filter`, `level`, `limit` (≤ 1000); `format=ndjson|text` downloads (viewer)", ("200", "`{lines: [{timestamp, service, kind, severity, message, attributes}]}`"), &["400", "404", "409", "502", "503"]),
        op("get", "/api/projects/{project}/environments/{environment}/logs/follow", "the environment's lines followed, as server-sent events: `open` (retry hint), `line` per line (id: its timestamp; resumable with `Last-Event-ID`), `notice`, `failed` (viewer)", ("200", "the events"), &["400", "404", "409", "502", "503"]),
        op("get", "/api/projects/{project}/environments/{environment}/services/{service}/logs", "the service's latest deployment's deploy logs (`build=true`: build logs), newest `limit` lines (≤ 1000), Railway's `filter`, `before` (RFC 3339); `format=ndjson|text` downloads (viewer)", ("200", "`{lines: [{timestamp, service, kind, severity, message, attributes}]}`"), &["400", "404", "502", "503"]),
        op("post", "/api/projects/{project}/environments/{environment}/services/{service}/redeploy", "redeploys the service's current commit or image (admin; a member in an environment they own); never repeated when the outcome is unknown (504)", ("202", "redeployed"), &["403", "404", "502", "503", "504"]),
        op("delete", "/api/projects/{project}/environments/{environment}", "destroys an environment made through serve (its owner or an admin): a job", ("202", "the job"), &["403", "404", "503"]),
        op("post", "/api/projects/{project}/environments/{environment}/extend", "sets an environment's TTL from now (its owner or an admin)", ("200", "the new deadline"), &["400", "403", "404", "422"])
            .body(object(json!({ "ttl": { "type": ["integer", "string"], "description": "seconds, or a duration such as `72h`" } }), &["ttl"])),
        op("post", "/api/projects/{project}/plan", "plans the whole project (admin): `mirage plan --json`'s document", ("200", "the plan"), &["403", "404", "502", "503"]),
        op("post", "/api/projects/{project}/apply", "applies the whole project (admin): a job", ("202", "the job"), &["400", "403", "404", "502", "503"])
            .body(object(json!({ "allow_destroy": { "type": "boolean" } }), &[])),
        op("get", "/api/projects/{project}/stats", "statistics (admin): environments by type, previews, applies per day, Railway requests", ("200", "the statistics"), &["403", "404", "502", "503"]),
        // jobs
        op("get", "/api/jobs/{id}", "a job's state, events and result (readable by who can read its project)", ("200", "the job"), NOT_FOUND),
        op("get", "/api/jobs/{id}/events", "a job's events as server-sent events until it ends (resumable with `Last-Event-ID`)", ("200", "the events"), NOT_FOUND)
            .media("text/event-stream"),
        // live status (the dashboard)
        op("get", "/api/projects/{project}/environments/{environment}/live", "the environment's deployments live, as server-sent events: `snapshot`, then `deployment` per change (Railway's subscriptions), `settled`, `end`", ("200", "the events"), &["404", "409", "502", "503"])
            .media("text/event-stream"),
        op("get", "/api/openapi.json", "this document", ("200", "the OpenAPI document"), &[]).auth(Auth::None),
        // sign-in
        op("get", "/auth/login", "starts the browser's sign-in (redirect to the OpenID provider)", ("303", "the redirect"), &["404"]).auth(Auth::None),
        op("get", "/auth/callback", "the OpenID provider's redirect back: sets the session cookie", ("303", "signed in"), &["400", "404"]).auth(Auth::None),
        op("get", "/auth/session", "the browser's session and its CSRF token", ("200", "the session"), &["401", "404"]).auth(Auth::None),
        op("post", "/auth/logout", "ends the browser's session", ("204", "signed out"), &["403", "404"]).auth(Auth::None),
        // webhooks, health, metrics
        op("post", "/webhooks/github", "a GitHub delivery (signed): a preview job", ("202", "queued"), &["400", "401", "503"]).auth(Auth::Own),
        op("post", "/webhooks/railway/{secret}", "a Railway deployment event (the URL is the secret)", ("202", "queued"), &["400", "403", "404", "503"]).auth(Auth::Own),
        op("post", "/webhooks/clerk", "a Clerk user event (signed by Svix)", ("200", "applied"), &["400", "401", "404"]).auth(Auth::Own),
        op("get", "/healthz", "liveness", ("200", "alive"), &[]).auth(Auth::None),
        op("get", "/readyz", "readiness: the state database answers with this service's schema", ("200", "ready"), &["503"]).auth(Auth::None),
        op("get", "/metrics", "Prometheus metrics (bearer token when configured)", ("200", "the metrics"), &["401"]).auth(Auth::Own)
            .media("text/plain"),
    ]
}

fn parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": { "type": "string" },
            })
        })
        .collect()
}

fn status_text(status: &str) -> &'static str {
    match status {
        "304" => "not modified (the `ETag` sent still holds)",
        "400" => "the request is not what the endpoint takes",
        "401" => "no credentials, or credentials that do not hold",
        "403" => "the caller's role does not allow this",
        "404" => "no such object, or one the caller may not know of",
        "409" => "the object is not in a state that allows this (yet)",
        "413" => "the body is over the endpoint's limit",
        "422" => "the request has problems (every one in `problems`)",
        "502" => "Railway or the project's files could not be read",
        "503" => "the state database or the project's files are unavailable here",
        "504" => "Railway's answer was lost: the outcome is unknown (check, do not repeat blindly)",
        _ => "an error",
    }
}

/// The OpenAPI 3.1 document.
pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for op in operations() {
        let mut responses = Map::new();
        let ok = if op.ok.0 == "204" || op.ok.0 == "303" {
            json!({ "description": op.ok.1 })
        } else if op.media == JSON {
            json!({ "description": op.ok.1, "content": { JSON: { "schema": { "type": "object" } } } })
        } else {
            json!({ "description": op.ok.1, "content": { op.media: { "schema": { "type": "string" } } } })
        };
        responses.insert(op.ok.0.to_owned(), ok);
        let mut errors: Vec<&str> = op.errors.to_vec();
        if matches!(op.auth, Auth::Api) {
            errors.push("401");
        }
        for status in errors {
            let response = if status == "304" {
                json!({ "description": status_text(status) })
            } else {
                json!({ "$ref": format!("#/components/responses/E{status}") })
            };
            responses.insert(status.to_owned(), response);
        }
        let mut operation = json!({
            "summary": op.summary,
            "operationId": format!("{}{}", op.method, op.path.replace(['/', '{', '}', '.', '-'], "_")),
            "responses": responses,
        });
        let params = parameters(op.path);
        if !params.is_empty() {
            operation["parameters"] = Value::Array(params);
        }
        if let Some(schema) = op.body {
            operation["requestBody"] =
                json!({ "required": true, "content": { JSON: { "schema": schema } } });
        }
        operation["security"] = match op.auth {
            Auth::Api => json!([{ "bearer": [] }, { "session": [] }]),
            Auth::None | Auth::Own => json!([]),
        };
        let entry = paths.entry(op.path.to_owned()).or_insert_with(|| json!({}));
        entry[op.method] = operation;
    }
    let mut responses = Map::new();
    for status in [
        "400", "401", "403", "404", "409", "413", "422", "502", "503", "504",
    ] {
        responses.insert(
            format!("E{status}"),
            json!({
                "description": status_text(status),
                "content": { JSON: { "schema": reference("Error") } },
            }),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "mirage serve",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The HTTP API of `mirage serve` (docs/serve.md). Every error is `{\"error\": {\"code\", \"message\", \"help\"}}` with a stable code; unknown and forbidden objects are both 404.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "a JWT of the configured OpenID provider, or a Mirage API token (`mrg_…`)" },
                "session": { "type": "apiKey", "in": "cookie", "name": crate::serve::signin::SESSION_COOKIE, "description": "the browser's session (changing calls also send the CSRF header)" },
            },
            "responses": responses,
            "schemas": {
                "Error": object(json!({
                    "error": object(json!({
                        "code": { "type": "string" },
                        "message": { "type": "string" },
                        "help": { "type": "string" },
                        "problems": { "type": "array", "items": reference("Problem") },
                    }), &["code", "message", "help"]),
                }), &["error"]),
                "Problem": object(json!({
                    "code": { "type": "string" },
                    "message": { "type": "string" },
                    "help": { "type": "string" },
                    "field": { "type": ["string", "null"] },
                }), &["code", "message", "help"]),
                "CreateEnvironment": object(json!({
                    "template": { "type": "string" },
                    "name": { "type": "string" },
                    "variables": {
                        "type": "object",
                        "additionalProperties": {
                            "oneOf": [
                                { "type": "string" },
                                object(json!({ "secret": { "type": "string", "description": "`env:NAME`, `vault:mount/path#key`, `store:name`" } }), &["secret"]),
                            ],
                        },
                    },
                    "ttl": { "type": ["integer", "string"], "description": "seconds, or a duration such as `72h`; none: the template's" },
                    "services": { "type": ["array", "null"], "items": { "type": "string" }, "description": "only these services of the template; none: all" },
                    // Room `resources` (issue #18).
                    "resources": {
                        "type": ["object", "null"],
                        "description": "sizes by service name, each at most the template's (where it sets none: replicas 0–50, cpu up to 64 vCPUs, memory up to the plan's per replica); `validate`'s `preview.resources` lists each selected service's values and maxima",
                        "additionalProperties": {
                            "type": "object",
                            "additionalProperties": false,
                            "properties": {
                                "replicas": { "type": ["integer", "null"], "minimum": 0 },
                                "cpu": { "type": ["number", "null"], "description": "vCPUs, above 0" },
                                "memory": { "type": ["string", "null"], "description": "a size as the language writes it: `512MB`, `2GB`" },
                            },
                        },
                    },
                }), &["template", "name"]),
            },
        },
    })
}
