//! `file:PATH`: a file's contents, the trailing line break trimmed. The
//! path is relative to the project directory. A file that users other than
//! its owner can read is refused (a secret in a world-readable file is not
//! a secret) unless the project says `readable-files #true`. Read through
//! the one bounded reader of regular files ([`crate::resolve::read_source`]).

use std::path::Path;

use super::source::{Place, Read, Unreadable};
use crate::model::SecretRef;

/// Reads each `file:` reference.
pub fn read(place: &Place, refs: &[SecretRef]) -> Vec<Read> {
    refs.iter()
        .map(|secret| one(place, &secret.location))
        .collect()
}

fn one(place: &Place, location: &str) -> Read {
    let path = place.dir.join(location);
    let shown = Path::new(location).display();
    if !place.settings.allow_readable_files
        && let Some(mode) = others_can_read(&path)
    {
        return Err(Unreadable::new(
            format!("`{shown}` can be read by users other than its owner (mode {mode:o})"),
            format!(
                "run `chmod 600 {shown}`, or write `readable-files #true` in the project's `secrets` block"
            ),
        ));
    }
    let bytes = crate::resolve::read_source(&path).map_err(|error| {
        Unreadable::new(
            error.message(Path::new(location)),
            "check the path (relative to the project directory) and that the file is readable",
        )
    })?;
    super::text_value(bytes).ok_or_else(|| {
        Unreadable::new(
            format!("`{shown}` is not UTF-8 text"),
            "a Railway variable is text: base64-encode binary secrets",
        )
    })
}

/// The permission bits when group or others may read `path`.
#[cfg(unix)]
fn others_can_read(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn others_can_read(_: &Path) -> Option<u32> {
    None
}
