//! Where commands reach Railway. `--endpoint URL` (then
//! `MIRAGE_RAILWAY_URL`, then Railway itself) for the real API or any
//! emulator; `--local` for the built-in emulator, run in this process on a
//! real loopback socket, with its data kept in `DIR/.mirage/emulator.sqlite`
//! so applies persist between runs.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use crate::emulator::{Emulator, Options, RunningEmulator};
use crate::railway::{Client, ClientOptions, Credentials, Token};

/// A Railway client, and the emulator behind it when `--local`.
pub struct Connection {
    /// The client.
    pub client: Client,
    /// Kept alive while the command runs.
    _emulator: Option<RunningEmulator>,
}

/// The token sent to the local emulator (it accepts any non-empty token).
const LOCAL_TOKEN: &str = "mirage-local";

/// The `--endpoint` of the command that talks to Railway (`plan`, `apply`,
/// `destroy`, `import`, `init`), set once by [`crate::cli::main`] before the
/// command runs (as the colour choice is), so every command that builds a
/// client sees it without threading it through each command's code. clap
/// refuses it beside `--local` on each of those commands.
static ENDPOINT: OnceLock<Option<String>> = OnceLock::new();

/// Records the command's `--endpoint` flag (`None` when absent).
pub fn set_endpoint(endpoint: Option<String>) {
    let _ = ENDPOINT.set(endpoint);
}

/// The command's `--endpoint` flag, when given.
pub fn endpoint() -> Option<&'static str> {
    ENDPOINT.get().and_then(|e| e.as_deref())
}

/// Connects to Railway (or to `--endpoint`, else the endpoint in
/// `MIRAGE_RAILWAY_URL`), or, with `local`, starts the built-in emulator
/// with its data under `dir/.mirage/`.
pub async fn connect(local: bool, dir: &Path) -> Result<Connection, String> {
    if !local {
        return remote(endpoint()).map(|client| Connection {
            client,
            _emulator: None,
        });
    }
    let data_dir = dir.join(".mirage");
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| format!("cannot create `{}`: {e}", data_dir.display()))?;
    let emulator = Emulator::start(Options {
        data: Some(data_dir.join("emulator.sqlite")),
        clock: Duration::ZERO,
        ..Options::default()
    })
    .await
    .map_err(|e| format!("cannot start the local emulator: {e}"))?;
    let options = ClientOptions {
        credentials: Some(Credentials::Account(Token::new(LOCAL_TOKEN))),
        requests_per_second: 0.0,
        ..ClientOptions::default()
    }
    .with_endpoint(emulator.url());
    let client = Client::new(options).map_err(|e| e.to_string())?;
    Ok(Connection {
        client,
        _emulator: Some(emulator),
    })
}

/// A client for `endpoint` (or the environment's endpoint) with the
/// environment's token. Errors name the endpoint but never the token.
fn remote(endpoint: Option<&str>) -> Result<Client, String> {
    let mut options = ClientOptions::from_env();
    if let Some(endpoint) = endpoint {
        options = options.with_endpoint(endpoint);
    }
    if options.credentials.is_none() {
        return Err(format!(
            "{}\n  help: set `RAILWAY_API_TOKEN` (or `RAILWAY_TOKEN`), or use `--local` to try the built-in emulator",
            crate::railway::RailwayError::MissingToken
        ));
    }
    Client::new(options).map_err(|error| match endpoint {
        Some(_) => format!(
            "{error}\n  help: `--endpoint` takes an `http://` or `https://` URL, such as `http://127.0.0.1:4000/graphql/v2`"
        ),
        None => format!("{error}\n  help: check `MIRAGE_RAILWAY_URL`, or unset it to use Railway"),
    })
}
