//! The Railway token `mirage login` keeps: in the OS keyring, else (no
//! keyring on this machine, or `MIRAGE_KEYRING=off`) in a file only its
//! owner can read, `$XDG_CONFIG_HOME/mirage/credentials.json` or
//! `~/.config/mirage/credentials.json`, as `gh` does. The file is created
//! atomically with mode 0600 and refused when its mode lets anyone else
//! read it.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::auth::{Credentials, Token};
use crate::secrets::SecretString;
use crate::secrets::keyring::{self, KeyringError};

/// The keyring entry (under the service `mirage`).
pub const KEYRING_ACCOUNT: &str = "railway-token";

/// The fallback file's name, in Mirage's configuration folder.
pub const FILE_NAME: &str = "credentials.json";

/// Where a stored token lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredIn {
    /// An OS credential store, by name ("the macOS Keychain").
    Keyring(&'static str),
    /// The fallback file.
    File(PathBuf),
}

impl fmt::Display for StoredIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredIn::Keyring(name) => f.write_str(name),
            StoredIn::File(path) => write!(f, "the file `{}`", path.display()),
        }
    }
}

/// A token `mirage login` stored, and where.
#[derive(Clone, Debug)]
pub struct Stored {
    /// The token, with the header it goes in.
    pub credentials: Credentials,
    /// Where it was found.
    pub place: StoredIn,
}

/// Why the stored token could not be read, kept or forgotten. Never holds
/// the token.
#[derive(Debug, thiserror::Error)]
pub enum StoredError {
    /// The file can be read by others than its owner.
    #[error("`{path}` can be read by other users (mode {mode:03o}); it holds a Railway token")]
    TooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file could not be read or written.
    #[error("cannot {action} `{path}`: {reason}")]
    Io {
        /// "read", "write", "remove".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS's words.
        reason: String,
    },
    /// The file or the keyring entry is not what `mirage login` writes.
    #[error("{place} does not hold a token written by `mirage login`: {reason}")]
    Malformed {
        /// Where.
        place: String,
        /// What is wrong (never the content).
        reason: String,
    },
    /// The keyring answered with an error.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// Neither `XDG_CONFIG_HOME` nor `HOME` says where the file goes.
    #[error("no configuration folder: neither `XDG_CONFIG_HOME` nor `HOME` is set")]
    NoConfigDir,
}

impl StoredError {
    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            StoredError::TooOpen { path, .. } => format!(
                "make it private with `chmod 600 {}`, or remove it and run `mirage login` again",
                path.display()
            ),
            StoredError::Malformed { .. } => {
                "run `mirage logout`, then `mirage login` again".to_owned()
            }
            StoredError::Keyring(_) => format!(
                "set `{}=off` to keep the token in a file instead",
                keyring::DISABLE_ENV_VAR
            ),
            StoredError::Io { .. } | StoredError::NoConfigDir => {
                "set `XDG_CONFIG_HOME` or `HOME` to a folder you can write".to_owned()
            }
        }
    }
}

/// What is kept, in the keyring and in the file.
#[derive(Serialize, Deserialize)]
struct Record {
    /// `account` (sent as `Authorization: Bearer`, account and workspace
    /// tokens) or `project` (sent as `project-access-token`).
    kind: String,
    token: String,
}

/// The fallback file's shape: room for other credentials later.
#[derive(Serialize, Deserialize, Default)]
struct File {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    railway: Option<Record>,
}

impl Record {
    fn of(credentials: &Credentials) -> Record {
        let (kind, token) = match credentials {
            Credentials::Account(token) => ("account", token),
            Credentials::Project(token) => ("project", token),
        };
        Record {
            kind: kind.to_owned(),
            token: token.expose().to_owned(),
        }
    }

    fn credentials(self, place: &str) -> Result<Credentials, StoredError> {
        let token = Token::new(self.token.trim());
        if token.expose().is_empty() {
            return Err(malformed(place, "the token is empty"));
        }
        match self.kind.as_str() {
            "account" => Ok(Credentials::Account(token)),
            "project" => Ok(Credentials::Project(token)),
            _ => Err(malformed(place, "unknown token kind")),
        }
    }
}

fn malformed(place: &str, reason: &str) -> StoredError {
    StoredError::Malformed {
        place: place.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Mirage's configuration folder: `$XDG_CONFIG_HOME/mirage`, else
/// `$HOME/.config/mirage` (`%USERPROFILE%` on Windows).
pub fn config_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    if let Some(xdg) = var("XDG_CONFIG_HOME").filter(|path| path.is_absolute()) {
        return Some(xdg.join("mirage"));
    }
    var("HOME")
        .or_else(|| var("USERPROFILE"))
        .map(|home| home.join(".config").join("mirage"))
}

/// The fallback file's path.
pub fn file_path() -> Option<PathBuf> {
    config_dir().map(|dir| dir.join(FILE_NAME))
}

/// The stored token: the keyring's, else the file's; `None` when neither
/// holds one.
pub fn load() -> Result<Option<Stored>, StoredError> {
    match keyring::get_where(KEYRING_ACCOUNT) {
        Ok(Some((value, name))) => {
            let record: Record = serde_json::from_str(value.expose())
                .map_err(|_| malformed(name, "it is not the JSON `mirage login` writes"))?;
            return Ok(Some(Stored {
                credentials: record.credentials(name)?,
                place: StoredIn::Keyring(name),
            }));
        }
        Ok(None) | Err(KeyringError::Unavailable(_)) => {}
        Err(error) => return Err(error.into()),
    }
    let Some(path) = file_path() else {
        return Ok(None);
    };
    load_file(&path)
}

fn load_file(path: &Path) -> Result<Option<Stored>, StoredError> {
    let text = match crate::resolve::read_text(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(StoredError::Io {
                action: "read",
                path: path.to_owned(),
                reason: error.to_string(),
            });
        }
    };
    check_private(path)?;
    let place = format!("`{}`", path.display());
    let file: File = serde_json::from_str(&text)
        .map_err(|_| malformed(&place, "it is not the JSON `mirage login` writes"))?;
    let Some(record) = file.railway else {
        return Ok(None);
    };
    Ok(Some(Stored {
        credentials: record.credentials(&place)?,
        place: StoredIn::File(path.to_owned()),
    }))
}

/// Refuses a file others may read (Unix permission bits; other systems
/// keep a user's profile private already).
fn check_private(path: &Path) -> Result<(), StoredError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|error| StoredError::Io {
                action: "read",
                path: path.to_owned(),
                reason: error.to_string(),
            })?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(StoredError::TooOpen {
                path: path.to_owned(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Keeps `credentials`: in the keyring when there is one (and then removes
/// a fallback file left from before, so no copy stays in plain text), else
/// in the fallback file.
pub fn save(credentials: &Credentials) -> Result<StoredIn, StoredError> {
    let record = Record::of(credentials);
    let value = SecretString::new(
        serde_json::to_string(&record).map_err(|_| malformed("the token", "cannot encode"))?,
    );
    match keyring::set_where(KEYRING_ACCOUNT, &value) {
        Ok(name) => {
            if let Some(path) = file_path() {
                remove_file(&path)?;
            }
            return Ok(StoredIn::Keyring(name));
        }
        Err(KeyringError::Unavailable(_)) => {}
        Err(error) => return Err(error.into()),
    }
    let path = file_path().ok_or(StoredError::NoConfigDir)?;
    write_file(&path, &record)?;
    Ok(StoredIn::File(path))
}

/// Writes the file through a private temporary file renamed over it, so
/// it never exists with a wider mode or half written.
fn write_file(path: &Path, record: &Record) -> Result<(), StoredError> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |error: std::io::Error| StoredError::Io {
            action,
            path,
            reason: error.to_string(),
        }
    };
    let dir = path.parent().ok_or(StoredError::NoConfigDir)?;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io("create", dir))?;
    let file = File {
        railway: Some(Record {
            kind: record.kind.clone(),
            token: record.token.clone(),
        }),
    };
    let text =
        serde_json::to_string_pretty(&file).map_err(|_| malformed("the token", "cannot encode"))?;
    let temp = dir.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temp).and_then(|mut out| {
        out.write_all(text.as_bytes())?;
        out.write_all(b"\n")?;
        out.sync_all()
    });
    if let Err(error) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(io("write", path)(error));
    }
    Ok(())
}

fn remove_file(path: &Path) -> Result<bool, StoredError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(StoredError::Io {
            action: "remove",
            path: path.to_owned(),
            reason: error.to_string(),
        }),
    }
}

/// Forgets the stored token everywhere it may be (the keyring and the
/// file); the places it was removed from.
pub fn forget() -> Result<Vec<StoredIn>, StoredError> {
    let mut removed = Vec::new();
    match keyring::delete(KEYRING_ACCOUNT) {
        Ok(true) => removed.push(StoredIn::Keyring("the OS keyring")),
        Ok(false) | Err(KeyringError::Unavailable(_)) => {}
        Err(error) => return Err(error.into()),
    }
    if let Some(path) = file_path()
        && remove_file(&path)?
    {
        removed.push(StoredIn::File(path));
    }
    Ok(removed)
}

/// The official Railway CLI's configuration, `~/.railway/config.json`
/// (railwayapp/cli `src/config.rs`: `{"projects": {…}, "user": {"token":
/// …}}`; `RAILWAY_ENV=staging|dev` use other files, for Railway's own
/// staff, not read here).
pub fn railway_cli_config() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|home| !home.is_empty())
        .map(|home| PathBuf::from(home).join(".railway").join("config.json"))
}

/// The token of the official Railway CLI's `railway login` (an account
/// token, sent as `Authorization: Bearer`), and the file it is in; `None`
/// when there is no such file or it holds no token.
pub fn railway_cli_token() -> Result<Option<(Token, PathBuf)>, StoredError> {
    #[derive(Deserialize)]
    struct Config {
        #[serde(default)]
        user: Option<User>,
    }
    #[derive(Deserialize)]
    struct User {
        #[serde(default)]
        token: Option<String>,
    }
    let Some(path) = railway_cli_config() else {
        return Ok(None);
    };
    let text = match crate::resolve::read_text(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(StoredError::Io {
                action: "read",
                path,
                reason: error.to_string(),
            });
        }
    };
    let config: Config = serde_json::from_str(&text).map_err(|_| StoredError::Malformed {
        place: format!("`{}`", path.display()),
        reason: "it is not the Railway CLI's JSON configuration".to_owned(),
    })?;
    Ok(config
        .user
        .and_then(|user| user.token)
        .map(|token| token.trim().to_owned())
        .filter(|token| !token.is_empty())
        .map(|token| (Token::new(token), path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_its_kind() {
        let project = Credentials::Project(Token::new("p-secret"));
        let back = Record::of(&project).credentials("here").expect("valid");
        assert_eq!(back, project);
        let account = Credentials::Account(Token::new("a-secret"));
        assert_eq!(
            Record::of(&account).credentials("here").expect("valid"),
            account
        );
    }

    #[test]
    fn an_unknown_kind_is_refused_without_the_token() {
        let record = Record {
            kind: "team".into(),
            token: "sentinel-token".into(),
        };
        let error = record.credentials("here").expect_err("refused");
        assert!(!error.to_string().contains("sentinel"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_and_a_wider_one_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mirage").join(FILE_NAME);
        write_file(&path, &Record::of(&Credentials::Account(Token::new("t")))).expect("written");
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        assert!(load_file(&path).expect("readable").is_some());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let error = load_file(&path).expect_err("too open");
        assert!(
            matches!(error, StoredError::TooOpen { mode: 0o644, .. }),
            "{error}"
        );
    }
}
