//! The PostgreSQL backend: a team's shared state (decision 9).
//!
//! The state API is synchronous (the apply room records between awaits,
//! the CLI's `mirage state` has no runtime) and is called from inside the
//! engine's tokio runtime. The synchronous `postgres` crate cannot serve
//! that: it drives its connection with a runtime of its own and panics
//! when blocked on from inside another ("Cannot start a runtime from
//! within a runtime", rust-postgres#639). So this backend uses
//! `tokio-postgres` itself: the connection (socket, TLS) is driven by a
//! dedicated thread with its own current-thread runtime, and each call
//! blocks its caller on the client's future with a tiny executor that
//! does not care which runtime, if any, the caller is in — exactly what a
//! rusqlite call does to its caller, with a network round trip instead of
//! a disk write.
//!
//! TLS is rustls (the crypto provider the Railway client already uses):
//! `sslmode=disable` never uses it, `prefer` (the default, as in libpq)
//! uses it when the server offers it, `require` refuses a server without
//! it. The server's certificate is always verified against the system's
//! roots (`SSL_CERT_FILE` adds one), unlike libpq's `require`.

use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::db::{Conn, Row, Value};
use super::error::StateError;

/// How long connecting may take before it is reported as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// An open connection to a PostgreSQL state database.
#[derive(Clone)]
pub(super) struct Client {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("postgres::Client")
    }
}

struct Inner {
    client: tokio_postgres::Client,
    /// Prepared statements by their portable SQL: one parse per statement
    /// per process.
    statements: HashMap<String, tokio_postgres::Statement>,
}

/// Connects to `url` (a `postgres://` URL), with `password` when the URL
/// has none. `location` is the redacted URL, for messages.
pub(super) fn connect(
    url: &str,
    password: Option<&str>,
    location: &str,
) -> Result<Client, StateError> {
    let connect_error = |message: String| StateError::Connect {
        location: location.to_owned(),
        message,
    };
    let mut config = tokio_postgres::Config::from_str(url)
        .map_err(|error| connect_error(format!("the URL is not valid: {}", no_url(&error))))?;
    if config.get_password().is_none()
        && let Some(password) = password
    {
        config.password(password);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.application_name("mirage");
    let tls = tls().map_err(connect_error)?;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("mirage-state-postgres".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = sender.send(Err(format!("cannot start its runtime: {error}")));
                    return;
                }
            };
            runtime.block_on(async move {
                match config.connect(tls).await {
                    Ok((client, connection)) => {
                        let _ = sender.send(Ok(client));
                        // Runs until the client is dropped or the
                        // connection breaks; the client then fails with
                        // "connection closed".
                        let _ = connection.await;
                    }
                    Err(error) => {
                        let _ = sender.send(Err(describe(&error)));
                    }
                }
            });
        })
        .map_err(|error| connect_error(format!("cannot start a thread: {error}")))?;
    let client = receiver
        .recv()
        .map_err(|_| connect_error("its connection thread stopped".into()))?
        .map_err(connect_error)?;
    Ok(Client {
        inner: Arc::new(Mutex::new(Inner {
            client,
            statements: HashMap::new(),
        })),
    })
}

/// The rustls connector: the same crypto provider as the rest of Mirage,
/// the system's root certificates.
fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for certificate in native.certs {
        // A certificate the parser rejects is skipped, as browsers do.
        let _ = roots.add(certificate);
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("cannot set up TLS: {error}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

impl Client {
    /// Whether the connection is gone (the server closed it, the network
    /// dropped it): known without a round trip.
    pub(super) fn is_closed(&self) -> bool {
        self.lock().0.client.is_closed()
    }

    /// The connection, for one statement or transaction at a time.
    pub(super) fn lock(&self) -> Pg<'_> {
        Pg(self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

/// A locked connection as a [`Conn`].
pub(super) struct Pg<'a>(MutexGuard<'a, Inner>);

impl Pg<'_> {
    fn statement(&mut self, sql: &str) -> Result<tokio_postgres::Statement, StateError> {
        if let Some(statement) = self.0.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = block_on(self.0.client.prepare(&placeholders(sql))).map_err(error)?;
        self.0.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

impl Conn for Pg<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StateError> {
        let statement = self.statement(sql)?;
        let params: Vec<Param<'_>> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        block_on(self.0.client.execute(&statement, &refs)).map_err(error)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StateError> {
        let statement = self.statement(sql)?;
        let params: Vec<Param<'_>> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = block_on(self.0.client.query(&statement, &refs)).map_err(error)?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|index| row.try_get::<_, Column>(index).map(|c| c.0).map_err(error))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row)
            })
            .collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), StateError> {
        block_on(self.0.client.batch_execute(sql)).map_err(error)
    }

    fn dialect(&self) -> super::db::Dialect {
        super::db::Dialect::Postgres
    }
}

/// `?1` → `$1`: the state room writes SQLite's numbered parameters,
/// PostgreSQL numbers them with `$`. The SQL here has no `?` in a string
/// literal.
pub(super) fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// A parameter, converted to the type PostgreSQL inferred for it.
#[derive(Debug)]
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                _ => v.to_string().to_sql(ty, out),
            },
            Value::Text(v) => match *ty {
                Type::INT8 => v.parse::<i64>()?.to_sql(ty, out),
                _ => v.as_str().to_sql(ty, out),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column, read as the type PostgreSQL says it has.
struct Column(Value);

impl<'a> FromSql<'a> for Column {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Column(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT2 => Value::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::BOOL => Value::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::VOID => Value::Null,
            _ => Value::Text(String::from_sql(ty, raw)?),
        }))
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Column(Value::Null))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8 | Type::INT4 | Type::INT2 | Type::BOOL | Type::VOID
        ) || <String as FromSql>::accepts(ty)
    }
}

/// A tokio-postgres error as a state error: a lost connection is its own
/// case (the caller must stop writing), the rest carry the server's
/// message. Neither the URL nor the password is ever part of it.
fn error(error: tokio_postgres::Error) -> StateError {
    if error.is_closed() {
        return StateError::ConnectionLost {
            message: describe(&error),
        };
    }
    StateError::Postgres(describe(&error))
}

/// What went wrong, from the server's message when there is one.
fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(inner) = source {
                let more = inner.to_string();
                if !text.contains(&more) {
                    text.push_str(": ");
                    text.push_str(&more);
                }
                source = inner.source();
            }
            text
        }
    }
}

/// A URL parse error, without echoing the URL (it may hold a password).
fn no_url(error: &tokio_postgres::Error) -> String {
    let text = error.to_string();
    if text.contains("://") {
        "it cannot be parsed".to_owned()
    } else {
        text
    }
}

/// Runs `future` to completion on this thread, parking between polls.
/// Unlike a tokio runtime's `block_on` it may be called from anywhere,
/// inside a runtime or not: the I/O it waits for is done by the
/// connection's own thread.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_become_dollars() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE (?1 IS NULL OR a = ?1) AND b = ?12"),
            "SELECT a FROM t WHERE ($1 IS NULL OR a = $1) AND b = $12"
        );
        assert_eq!(placeholders("SELECT '?' , ?"), "SELECT '?' , ?");
    }
}
