//! The one seam between the state API and a database engine.
//!
//! Every module of the state room (ownership, history, locks, TTLs,
//! migrations) writes its SQL once, with `?1`-style parameters, against
//! [`Conn`]: run a statement, run a query, both with [`Value`]s. Two
//! implementations sit behind it — SQLite (rusqlite) and PostgreSQL
//! (tokio-postgres, [`super::postgres`]) — and nothing outside this room
//! knows which one a [`super::Store`] has.
//!
//! The SQL is the portable subset both engines accept (upserts with
//! `ON CONFLICT`, `RETURNING`, `TEXT`/`BIGINT` columns); where they differ
//! (the current time in milliseconds, how a write transaction starts) the
//! backend says it through [`Conn`].

use super::error::StateError;

/// A value going into or coming out of a statement: the three types the
/// schema uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    /// SQL `NULL`.
    Null,
    /// A `BIGINT` (SQLite `INTEGER`).
    Int(i64),
    /// A `TEXT`.
    Text(String),
}

impl From<i64> for Value {
    fn from(value: i64) -> Value {
        Value::Int(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Value {
        Value::Text(value.to_owned())
    }
}

impl From<&String> for Value {
    fn from(value: &String) -> Value {
        Value::Text(value.clone())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Value {
        Value::Text(value)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Value {
        value.map_or(Value::Null, Into::into)
    }
}

/// `[Value]` from a list of expressions of different types.
macro_rules! values {
    ($($value:expr),* $(,)?) => {
        &[$($crate::state::db::Value::from($value)),*][..]
    };
}
pub(super) use values;

/// One row of a query's result.
#[derive(Debug, Clone)]
pub(super) struct Row(pub(super) Vec<Value>);

impl Row {
    fn value(&self, index: usize) -> Result<&Value, StateError> {
        self.0
            .get(index)
            .ok_or_else(|| StateError::Invalid(format!("a row has no column {index}")))
    }

    /// Column `index` as an integer.
    pub(super) fn int(&self, index: usize) -> Result<i64, StateError> {
        match self.value(index)? {
            Value::Int(value) => Ok(*value),
            other => Err(type_error(index, "an integer", other)),
        }
    }

    /// Column `index` as an integer or `NULL`.
    pub(super) fn opt_int(&self, index: usize) -> Result<Option<i64>, StateError> {
        match self.value(index)? {
            Value::Null => Ok(None),
            Value::Int(value) => Ok(Some(*value)),
            other => Err(type_error(index, "an integer", other)),
        }
    }

    /// Column `index` as text.
    pub(super) fn text(&self, index: usize) -> Result<String, StateError> {
        match self.value(index)? {
            Value::Text(value) => Ok(value.clone()),
            other => Err(type_error(index, "text", other)),
        }
    }

    /// Column `index` as text or `NULL`.
    pub(super) fn opt_text(&self, index: usize) -> Result<Option<String>, StateError> {
        match self.value(index)? {
            Value::Null => Ok(None),
            Value::Text(value) => Ok(Some(value.clone())),
            other => Err(type_error(index, "text", other)),
        }
    }
}

fn type_error(index: usize, expected: &str, found: &Value) -> StateError {
    let found = match found {
        Value::Null => "null",
        Value::Int(_) => "an integer",
        Value::Text(_) => "text",
    };
    StateError::Invalid(format!(
        "column {index} holds {found} where {expected} was expected"
    ))
}

/// The SQL engine behind a [`Conn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// The SQL expression of the database's current time in milliseconds
    /// since the Unix epoch: lock leases are measured by the database's
    /// clock, the one every machine sharing it agrees on.
    pub(super) const fn now_ms(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)"
            }
            Dialect::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        }
    }

    /// The statement that starts a write transaction: SQLite takes its
    /// write lock at once (no deadlock between two readers upgrading).
    pub(super) const fn begin(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }
}

/// A connection (or an open transaction) of either backend.
pub(super) trait Conn {
    /// Runs one statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StateError>;

    /// Runs one query; its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StateError>;

    /// Runs several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), StateError>;

    /// Which engine this is, for the few places where SQL differs.
    fn dialect(&self) -> Dialect;

    /// The first row of a query, if any.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StateError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The one row of a query.
    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row, StateError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StateError::Invalid("a query that returns a row returned none".into()))
    }
}

// ------------------------------------------------------------------ SQLite

/// A rusqlite connection as a [`Conn`].
pub(super) struct Sqlite<'a>(pub(super) &'a rusqlite::Connection);

fn to_sqlite(value: &Value) -> rusqlite::types::Value {
    match value {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(v) => rusqlite::types::Value::Integer(*v),
        Value::Text(v) => rusqlite::types::Value::Text(v.clone()),
    }
}

fn from_sqlite(value: rusqlite::types::ValueRef<'_>) -> Result<Value, StateError> {
    use rusqlite::types::ValueRef;
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(v) => Value::Int(v),
        ValueRef::Text(bytes) => Value::Text(
            std::str::from_utf8(bytes)
                .map_err(|_| StateError::Invalid("a text column is not UTF-8".into()))?
                .to_owned(),
        ),
        ValueRef::Real(_) | ValueRef::Blob(_) => {
            return Err(StateError::Invalid(
                "a column holds a real number or bytes".into(),
            ));
        }
    })
}

impl Conn for Sqlite<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StateError> {
        let mut statement = self.0.prepare_cached(sql)?;
        let params: Vec<rusqlite::types::Value> = params.iter().map(to_sqlite).collect();
        let changed = statement.execute(rusqlite::params_from_iter(params))?;
        Ok(changed as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StateError> {
        let mut statement = self.0.prepare_cached(sql)?;
        let columns = statement.column_count();
        let params: Vec<rusqlite::types::Value> = params.iter().map(to_sqlite).collect();
        let mut rows = statement.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns);
            for index in 0..columns {
                values.push(from_sqlite(row.get_ref(index)?)?);
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StateError> {
        self.0.execute_batch(sql)?;
        Ok(())
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}
