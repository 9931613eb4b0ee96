//! The one way this room writes `.mirage` files: formatted by
//! `syntax::format` (what `mirage fmt` would make of them), refused when
//! the text does not parse (a bug here, never a broken file on disk), and
//! written atomically — a temporary file in the same directory renamed over
//! the target — to a path that is a regular file or does not exist yet.

use std::fs;
use std::io;
use std::path::Path;

/// Why a file was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The generated text does not parse: a bug in the generator.
    #[error("the text generated for `{path}` does not parse: {message}")]
    Unparsable {
        /// The file it was meant for.
        path: String,
        /// The first syntax error.
        message: String,
    },
    /// The path exists and is not a regular file.
    #[error("`{0}` exists and is not a regular file")]
    NotRegular(String),
    /// The file exists and [`Mode::New`] was asked.
    #[error("`{0}` already exists")]
    Exists(String),
    /// The filesystem refused.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: io::Error,
    },
}

/// Whether an existing file may be replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Only create: an existing file is [`WriteError::Exists`].
    New,
    /// Create or replace a regular file (keeping its permissions).
    Replace,
}

/// `text` as `mirage fmt` formats it.
pub fn formatted(path: &Path, text: &str) -> Result<String, WriteError> {
    crate::syntax::format(text).map_err(|diagnostics| WriteError::Unparsable {
        path: path.display().to_string(),
        message: diagnostics
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_default(),
    })
}

/// Formats `text` and writes it to `path` (creating its directory).
pub fn write_file(path: &Path, text: &str, mode: Mode) -> Result<(), WriteError> {
    let shown = || path.display().to_string();
    let text = formatted(path, text)?;
    let io = |source| WriteError::Io {
        path: shown(),
        source,
    };
    let permissions = match fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => return Err(WriteError::NotRegular(shown())),
        Ok(_) if mode == Mode::New => return Err(WriteError::Exists(shown())),
        Ok(meta) => Some(meta.permissions()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => None,
        Err(error) => return Err(io(error)),
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.mirage-tmp", std::process::id()));
    let result = fs::write(&temp, &text)
        .and_then(|()| match &permissions {
            Some(p) => fs::set_permissions(&temp, p.clone()),
            None => Ok(()),
        })
        .and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(io)
}
