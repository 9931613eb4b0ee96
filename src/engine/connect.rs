//! Reaching Railway: a client for the context's endpoint, or the built-in
//! emulator started in this process on a real loopback socket, with its
//! data kept in `DIR/.mirage/emulator.sqlite` so runs build on each other.

use std::path::Path;
use std::time::Duration;

use super::Failure;
use super::context::{Context, EndpointSource, Railway};
use crate::emulator::{Emulator, Options, RunningEmulator};
use crate::railway::{Client, ClientOptions, Credentials, RailwayError, Token};

/// A Railway client, and the emulator behind it when local.
pub struct Connection {
    /// The client.
    pub client: Client,
    /// Kept alive while the operation runs.
    _emulator: Option<RunningEmulator>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("endpoint", &self.client.url().as_str())
            .field("local", &self._emulator.is_some())
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
                "set `RAILWAY_API_TOKEN` (or `RAILWAY_TOKEN`), or use `--local` to try the built-in emulator",
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
    Ok(Connection {
        client,
        _emulator: None,
    })
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
        _emulator: Some(emulator),
    })
}
