//! Each project's Railway token, kept sealed in the state database
//! (`secrets::envelope`: a data key per secret, wrapped by a master key
//! that never enters the database), the master keys' loading, and the
//! reseal that moves rows to the newest key.
//!
//! Master keys: `MIRAGE_MASTER_KEY` (base64 of 32 bytes) with
//! `MIRAGE_PREVIOUS_MASTER_KEYS` (comma-separated, still opening), or
//! `--master-key-file` (one key a line, the newest first; `#` comments),
//! a regular file of at most 64 KiB refused when group or others may read
//! it (unless told otherwise).

use std::path::Path;

use crate::secrets::{EnvelopeError, Keyring, MasterKey, SecretString};
use crate::state::{StateError, Store};

/// The `kind` of a project's Railway token.
pub const RAILWAY_TOKEN: &str = "railway-token";

/// The sealing context of `project`'s Railway token: a sealed value moved
/// to another project's row does not open there.
pub fn context(project: &str) -> String {
    format!("{RAILWAY_TOKEN}/project/{project}")
}

/// Why a credential could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CredentialError {
    /// The state database.
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] StateError),
    /// The keyring cannot open it (wrong or missing master key, or the
    /// row was altered).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Envelope(#[from] EnvelopeError),
}

/// The Railway token of `project`, opened (`None`: none is set). What the
/// engine side calls before it talks to Railway for a project.
pub fn railway_token(
    store: &Store,
    keyring: &Keyring,
    project: &str,
) -> Result<Option<SecretString>, CredentialError> {
    let Some(row) = store.credential(project, RAILWAY_TOKEN)? else {
        return Ok(None);
    };
    Ok(Some(keyring.open(&row.sealed, &context(project))?))
}

/// What a project's jobs need to use its own Railway token: the master
/// keys and the project's name.
#[derive(Clone, Debug)]
pub struct ProjectCredentials {
    /// Opens the sealed token.
    pub keyring: std::sync::Arc<Keyring>,
    /// The project (as served).
    pub project: String,
}

/// The context a job of the project in `dir` runs with: `base` with the
/// project's own Railway token when an admin stored one (an account or
/// team token), else `base` as it is (the service's token). Read per job,
/// so a token set, changed or removed through the API holds from the next
/// job on, on every replica. The built-in emulator (`--local`) keeps its
/// own.
pub async fn job_context(
    base: &crate::engine::Context,
    dir: &Path,
    credentials: Option<&ProjectCredentials>,
) -> Result<crate::engine::Context, crate::engine::Failure> {
    use crate::engine::{Failure, Railway};
    let Some(credentials) = credentials else {
        return Ok(base.clone());
    };
    if !matches!(base.railway, Railway::Remote { .. }) {
        return Ok(base.clone());
    }
    let store = crate::engine::open_store(base, dir)?;
    let credentials = credentials.clone();
    let token = tokio::task::spawn_blocking(move || {
        railway_token(&store, &credentials.keyring, &credentials.project)
    })
    .await
    .map_err(|_| {
        Failure::error(
            "mirage::serve::internal",
            "reading the project's Railway token failed",
            None,
        )
    })?
    .map_err(|error| Failure::of(&error, "mirage::serve::internal"))?;
    let mut context = base.clone();
    if let (Some(token), Railway::Remote { options, .. }) = (token, &mut context.railway) {
        options.credentials = Some(crate::railway::Credentials::Account(
            crate::railway::Token::new(token.expose()),
        ));
    }
    Ok(context)
}

/// Seals and stores `token` as `project`'s Railway token.
pub fn set_railway_token(
    store: &Store,
    keyring: &Keyring,
    project: &str,
    token: &SecretString,
    by: Option<&str>,
) -> Result<(), CredentialError> {
    let sealed = keyring.seal(token, &context(project))?;
    store.set_credential(project, RAILWAY_TOKEN, &sealed, keyring.current().id(), by)?;
    Ok(())
}

/// Reseals every credential sealed with an older master key under the
/// current one (each row swapped only if unchanged meanwhile, so replicas
/// and `PUT`s may run beside it). How many were resealed; a row that does
/// not open is logged and left as it is.
pub fn reseal_all(store: &Store, keyring: &Keyring) -> Result<usize, StateError> {
    let mut resealed = 0;
    for row in store.credentials_not_sealed_with(keyring.current().id())? {
        let context = format!("{}/project/{}", row.kind, row.project);
        match keyring.reseal(&row.sealed, &context) {
            Ok(new) => {
                if store.reseal_credential(
                    &row.project,
                    &row.kind,
                    &row.sealed,
                    &new,
                    keyring.current().id(),
                )? {
                    resealed += 1;
                }
            }
            Err(error) => super::log::warn(
                "credentials.reseal_failed",
                &[
                    ("project", &row.project),
                    ("kind", &row.kind),
                    ("error", &error),
                ],
            ),
        }
    }
    Ok(resealed)
}

/// The largest master key file read.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// The keyring from the environment's keys or a key file: `Ok(None)`
/// when none is given. `allow_readable`: accept a file group or others
/// may read.
pub fn load_keyring(
    current: Option<&str>,
    previous: Option<&str>,
    file: Option<&Path>,
    allow_readable: bool,
) -> Result<Option<Keyring>, String> {
    let mut texts: Vec<String> = Vec::new();
    if let Some(path) = file {
        let shown = path.display();
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("cannot read the master key file `{shown}`: {e}"))?;
        if !meta.is_file() {
            return Err(format!(
                "the master key file `{shown}` is not a regular file"
            ));
        }
        if meta.len() > MAX_KEY_FILE {
            return Err(format!("the master key file `{shown}` is over 64 KiB"));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            if meta.permissions().mode() & 0o077 != 0 && !allow_readable {
                return Err(format!(
                    "the master key file `{shown}` may be read by group or others (`chmod 600` it, or pass `--allow-readable-master-key-file`)"
                ));
            }
        }
        let _ = allow_readable;
        let text = zeroize::Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the master key file `{shown}`: {e}"))?,
        );
        texts.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    texts.extend(
        current
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
    );
    texts.extend(
        previous
            .into_iter()
            .flat_map(|p| p.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
    );
    let mut keys = Vec::new();
    for (n, text) in texts.iter().enumerate() {
        keys.push(
            MasterKey::from_base64(text)
                .map_err(|e| format!("master key {} of {}: {e}", n + 1, texts.len()))?,
        );
    }
    let mut keys = keys.into_iter();
    Ok(keys
        .next()
        .map(|current| Keyring::new(current, keys.collect())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> (MasterKey, String) {
        let bytes: [u8; 32] = std::array::from_fn(|_| fastrand::u8(..));
        use base64::Engine as _;
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        (MasterKey::from_bytes(bytes), text)
    }

    #[test]
    fn sealed_rotated_and_never_in_clear() {
        let store = Store::open_in_memory().unwrap();
        let (old, old_text) = key();
        let old_ring = Keyring::new(old, vec![]);
        let token = SecretString::new("railway-secret-token-value".into());
        set_railway_token(&store, &old_ring, "shop", &token, Some("usr_1")).unwrap();
        let row = store.credential("shop", RAILWAY_TOKEN).unwrap().unwrap();
        assert!(!row.sealed.contains("railway-secret-token-value"));
        let (new, new_text) = key();
        let ring = load_keyring(Some(&new_text), Some(&old_text), None, false)
            .unwrap()
            .unwrap();
        assert_eq!(ring.current().id(), new.id());
        assert_eq!(reseal_all(&store, &ring).unwrap(), 1);
        assert_eq!(reseal_all(&store, &ring).unwrap(), 0);
        let only_new = load_keyring(Some(&new_text), None, None, false)
            .unwrap()
            .unwrap();
        assert_eq!(
            railway_token(&store, &only_new, "shop").unwrap(),
            Some(token)
        );
        // The old key alone no longer opens it: a clear error, no panic.
        let only_old = load_keyring(Some(&old_text), None, None, false)
            .unwrap()
            .unwrap();
        assert!(matches!(
            railway_token(&store, &only_old, "shop"),
            Err(CredentialError::Envelope(EnvelopeError::UnknownKey { .. }))
        ));
        assert_eq!(railway_token(&store, &only_new, "other").unwrap(), None);
    }
}
