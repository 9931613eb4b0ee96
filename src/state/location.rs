//! Where a state database lives: a SQLite file, or a PostgreSQL server
//! named by a `postgres://` URL.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A state database's location. Its `Display` and `Debug` never show a
/// password.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (created when missing).
    File(PathBuf),
    /// A PostgreSQL database.
    Postgres {
        /// The `postgres://` or `postgresql://` URL (libpq's URI form).
        url: String,
        /// The password, when the URL has none (from `PGPASSWORD`).
        password: Option<String>,
    },
}

impl Location {
    /// A path or a URL as a user writes it: `postgres://…` and
    /// `postgresql://…` are PostgreSQL, anything else a file.
    pub fn parse(text: &str) -> Location {
        let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Location::Postgres {
                url: text.to_owned(),
                password: None,
            }
        } else {
            Location::File(PathBuf::from(text))
        }
    }

    /// This location with `password` for a PostgreSQL URL that has none
    /// (files have no password).
    pub fn with_password(self, password: Option<String>) -> Location {
        match self {
            Location::Postgres { url, .. } => Location::Postgres { url, password },
            file => file,
        }
    }

    /// The file, for a SQLite database.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Location::File(path) => Some(path),
            Location::Postgres { .. } => None,
        }
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres { .. })
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Location {
        Location::File(path)
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Location {
        Location::File(path.to_owned())
    }
}

impl FromStr for Location {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Location, Self::Err> {
        Ok(Location::parse(text))
    }
}

impl fmt::Display for Location {
    /// The path, or the URL without its password (and without any other
    /// query parameter): `postgres://mirage@db.internal:5432/state`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Postgres { url, .. } => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => f.debug_tuple("File").field(path).finish(),
            Location::Postgres { .. } => {
                f.debug_tuple("Postgres").field(&self.to_string()).finish()
            }
        }
    }
}

/// `scheme://user:password@host/db?options` → `scheme://user@host/db`,
/// without parsing more than needed: the user information is cut at its
/// last `@` before the path, and the query is dropped (it may carry a
/// `password=`).
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "postgres://(unreadable URL)".to_owned();
    };
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{user}@{host}")
        }
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_postgres_and_the_rest_files() {
        assert!(Location::parse("postgres://h/db").is_postgres());
        assert!(Location::parse("POSTGRESQL://h/db").is_postgres());
        assert_eq!(
            Location::parse(".mirage/state.db"),
            Location::File(".mirage/state.db".into())
        );
        assert_eq!(Location::parse("p").path(), Some(Path::new("p")));
    }

    #[test]
    fn no_password_is_ever_shown() {
        let location = Location::parse(
            "postgres://ci:s3cr%40t@db.example:5433/state?sslmode=require&password=x",
        )
        .with_password(Some("other".into()));
        assert_eq!(location.to_string(), "postgres://ci@db.example:5433/state");
        let debug = format!("{location:?}");
        assert!(
            !debug.contains("s3cr") && !debug.contains("other"),
            "{debug}"
        );
        assert_eq!(
            Location::parse("postgresql://h").to_string(),
            "postgresql://h"
        );
        assert_eq!(
            Location::parse("postgres://a:b:c@h@i/d").to_string(),
            "postgres://a@i/d"
        );
    }
}
