//! Reaching Railway: a client for the context's endpoint, or the built-in
//! emulator started in this process on a real loopback socket, with its
//! data kept in `DIR/.mirage/emulator.sqlite` so runs build on each other.

use std::path::Path;
use std::time::Duration;

use super::context::{Context, EndpointSource, Railway};
use super::{Event, Failure, Selection};
use crate::diagnostic::Diagnostic;
use crate::emulator::{Emulator, Options, RunningEmulator};
use crate::railway::{Client, ClientOptions, Credentials, RailwayError, Token, TokenScope};

/// A Railway client, and the emulator behind it when local.
pub struct Connection {
    /// The client.
    pub client: Client,
    /// With a project token: the one environment it reaches.
    pub scope: Option<TokenScope>,
    /// Kept alive while the operation runs.
    _emulator: Option<RunningEmulator>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("endpoint", &self.client.url().as_str())
            .field("local", &self._emulator.is_some())
            .field("scope", &self.scope)
            .finish()
    }
}

/// The token sent to the local emulator (it accepts any non-empty token).
const LOCAL_TOKEN: &str = "mirage-local";

/// Connects to the context's Railway; for the built-in emulator, starts it
/// with its data under `dir/.mirage/`.
pub async fn connect(context: &Context, dir: &Path) -> Result<Connection, Failure> {
    let (options, endpoint_from) = match &context.railway {
        Railway::Remote {
            options,
            endpoint_from,
        } => (options.clone(), *endpoint_from),
        Railway::Local => return local(dir).await,
    };
    if options.credentials.is_none() {
        return Err(Failure::error(
            "mirage::railway::missing_token",
            RailwayError::MissingToken.to_string(),
            Some(
                "run `mirage login`, or set `RAILWAY_API_TOKEN` (or `RAILWAY_TOKEN`), or use `--local` to try the built-in emulator",
            ),
        ));
    }
    let client = Client::new(options).map_err(|error| {
        let help = match endpoint_from {
            EndpointSource::Flag => {
                "`--endpoint` takes an `http://` or `https://` URL, such as `http://127.0.0.1:4000/graphql/v2`"
            }
            EndpointSource::Environment | EndpointSource::Default => {
                "check `MIRAGE_RAILWAY_URL`, or unset it to use Railway"
            }
        };
        Failure::error("mirage::railway::bad_endpoint", error.to_string(), Some(help))
    })?;
    // A project token reaches one environment: ask which, once, so the
    // request can be narrowed to it before anything is read.
    let scope = client.token_scope().await.map_err(|error| {
        Failure::error(
            "mirage::railway::token_scope",
            format!("cannot tell what the project token (`RAILWAY_TOKEN`) is for: {error}"),
            Some(
                "check `RAILWAY_TOKEN` (a project token from the project's settings), or use an account token in `RAILWAY_API_TOKEN`",
            ),
        )
    })?;
    if let Some(scope) = &scope {
        context.events.emit(Event::Note(format!(
            "the project token (`RAILWAY_TOKEN`) is for {}: only `{}` is read and changed",
            scope.describe(),
            scope.environment_name
        )));
    }
    Ok(Connection {
        client,
        scope,
        _emulator: None,
    })
}

impl Connection {
    /// `selection` narrowed to what a project token reaches: its
    /// environment when none is named; refused when it names another
    /// environment (`--env`, `--target`), or when the files are another
    /// project's or do not declare the token's environment. Unchanged
    /// without a project token.
    pub fn scoped(
        &self,
        project: &crate::model::Project,
        name: &str,
        selection: &Selection,
    ) -> Result<Selection, Failure> {
        let Some(scope) = &self.scope else {
            return Ok(selection.clone());
        };
        let help = "a project token reaches one environment; use an account token (`RAILWAY_API_TOKEN`) for the others, or that environment's own project token";
        if scope.project_name != name {
            return Err(Failure::error(
                "mirage::railway::token_scope",
                format!(
                    "the project token (`RAILWAY_TOKEN`) is for project `{}`, but the files declare `{name}`",
                    scope.project_name
                ),
                Some(help),
            ));
        }
        let own = scope.environment_name.as_str();
        let named = selection
            .environments
            .iter()
            .map(String::as_str)
            .chain(selection.targets.iter().map(|target| {
                target
                    .split_once('/')
                    .map_or(target.as_str(), |(env, _)| env)
            }))
            .find(|env| *env != own);
        if let Some(other) = named {
            return Err(Failure::usage(
                Diagnostic::general(
                    "mirage::railway::token_scope",
                    format!(
                        "the project token (`RAILWAY_TOKEN`) is for {}, not `{other}`",
                        scope.describe()
                    ),
                )
                .with_help(help),
            ));
        }
        if !project.environments.iter().any(|env| env.name == own) {
            return Err(Failure::error(
                "mirage::railway::token_scope",
                format!(
                    "the project token (`RAILWAY_TOKEN`) is for {}, which the files do not declare",
                    scope.describe()
                ),
                Some(help),
            ));
        }
        let mut scoped = selection.clone();
        if scoped.environments.is_empty() {
            scoped.environments = vec![own.to_owned()];
        }
        Ok(scoped)
    }
}

/// The built-in emulator with its data under `dir/.mirage/`.
async fn local(dir: &Path) -> Result<Connection, Failure> {
    let data_dir = dir.join(".mirage");
    std::fs::create_dir_all(&data_dir).map_err(|e| {
        Failure::error(
            "mirage::emulator::start",
            format!("cannot create `{}`: {e}", data_dir.display()),
            None,
        )
    })?;
    let emulator = Emulator::start(Options {
        data: Some(data_dir.join("emulator.sqlite")),
        clock: Duration::ZERO,
        ..Options::default()
    })
    .await
    .map_err(|e| {
        Failure::error(
            "mirage::emulator::start",
            format!("cannot start the local emulator: {e}"),
            None,
        )
    })?;
    let options = ClientOptions {
        credentials: Some(Credentials::Account(Token::new(LOCAL_TOKEN))),
        requests_per_second: 0.0,
        ..ClientOptions::default()
    }
    .with_endpoint(emulator.url());
    let client = Client::new(options)
        .map_err(|e| Failure::error("mirage::emulator::start", e.to_string(), None))?;
    Ok(Connection {
        client,
        scope: None,
        _emulator: Some(emulator),
    })
}
