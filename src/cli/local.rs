//! `--local`: talk to the built-in emulator instead of Railway. The
//! emulator runs in this process, on a real loopback socket, with its data
//! kept in `DIR/.mirage/emulator.sqlite` so applies persist between runs.

use std::path::Path;
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

/// Connects to Railway (or the endpoint in `MIRAGE_RAILWAY_URL`), or, with
/// `local`, starts the built-in emulator with its data under `dir/.mirage/`.
pub async fn connect(local: bool, dir: &Path) -> Result<Connection, String> {
    if !local {
        let client = Client::from_env().map_err(|error| {
            format!(
                "{error}\n  help: set `RAILWAY_API_TOKEN` (or `RAILWAY_TOKEN`), or use `--local` to try the built-in emulator"
            )
        })?;
        return Ok(Connection {
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
