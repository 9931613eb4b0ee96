//! The store's master keys, found by one rule: `MIRAGE_MASTER_KEY`
//! (base64 of 32 bytes), else the key file `MIRAGE_MASTER_KEY_FILE` (one
//! key a line, the newest first; refused when group or others may read
//! it), else the OS keyring's entry `master-key`. The keys of
//! `MIRAGE_PREVIOUS_MASTER_KEYS` (comma-separated) open too, while
//! `mirage secret rekey` moves every secret to the current key — the same
//! variables and key file format as `mirage serve`'s sealed tokens.

use std::path::Path;

use base64::Engine as _;

use super::StoreError;
use crate::secrets::keyring::{self, KeyringError};
use crate::secrets::{EnvelopeError, Keyring, MasterKey, Providers, SecretString};

/// The OS keyring entry of the master key.
pub const KEYRING_ACCOUNT: &str = "master-key";

/// The current master key, in base64.
pub const KEY_VAR: &str = "MIRAGE_MASTER_KEY";

/// A file of master keys.
pub const KEY_FILE_VAR: &str = "MIRAGE_MASTER_KEY_FILE";

/// Earlier master keys that still open, comma-separated.
pub const PREVIOUS_VAR: &str = "MIRAGE_PREVIOUS_MASTER_KEYS";

/// The master keys, read through `providers` (the process's environment,
/// or a map in tests) and the OS keyring.
pub fn load(providers: &Providers) -> Result<Keyring, StoreError> {
    let var = |name: &str| providers.var(name).filter(|v| !v.trim().is_empty());
    let previous = var(PREVIOUS_VAR);
    let build = |current: Option<&str>, file: Option<&Path>, from: String| {
        crate::serve::credentials::load_keyring(current, previous.as_deref(), file, false)
            .map_err(|problem| StoreError::MasterKey {
                from: from.clone(),
                problem,
            })?
            .ok_or_else(|| StoreError::NoMasterKey {
                why: format!("{from} holds no key"),
            })
    };
    if let Some(current) = var(KEY_VAR) {
        let current = zeroize::Zeroizing::new(current);
        return build(Some(&current), None, format!("`{KEY_VAR}`"));
    }
    if let Some(file) = var(KEY_FILE_VAR) {
        let path = Path::new(&file);
        return build(None, Some(path), format!("`{KEY_FILE_VAR}` (`{file}`)"));
    }
    match keyring::get(KEYRING_ACCOUNT) {
        Ok(Some(current)) => build(
            Some(current.expose()),
            None,
            "the OS keyring's `master-key`".into(),
        ),
        Ok(None) => Err(StoreError::NoMasterKey {
            why: "the OS keyring has no `master-key` entry".into(),
        }),
        Err(KeyringError::Unavailable(why)) => Err(StoreError::NoMasterKey {
            why: format!("no OS keyring is available ({why})"),
        }),
        Err(KeyringError::Failed(why)) => Err(StoreError::MasterKey {
            from: "the OS keyring".into(),
            problem: why,
        }),
    }
}

/// A fresh master key: its base64 form (to keep) and its fingerprint.
pub fn generate() -> Result<(SecretString, String), StoreError> {
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    aws_lc_rs::rand::fill(bytes.as_mut()).map_err(|_| EnvelopeError::NoRandomness)?;
    let text = SecretString::new(base64::engine::general_purpose::STANDARD.encode(bytes.as_ref()));
    let id = MasterKey::from_base64(text.expose())?.id().to_owned();
    Ok((text, id))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;

    fn providers(vars: &[(&str, &str)]) -> Providers {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Providers::with_env(Arc::new(move |name: &str| map.get(name).cloned()))
    }

    #[test]
    fn the_variable_wins_over_the_file_and_previous_keys_open() {
        let (a, a_id) = generate().unwrap();
        let (b, b_id) = generate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("keys");
        std::fs::write(
            &file,
            format!("# newest first\n{}\n{}\n", b.expose(), a.expose()),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let path = file.to_str().unwrap();
        let from_file = load(&providers(&[(KEY_FILE_VAR, path)])).unwrap();
        assert_eq!(from_file.current().id(), b_id);
        let sealed = Keyring::new(MasterKey::from_base64(a.expose()).unwrap(), vec![])
            .seal(&SecretString::new("v".into()), "c")
            .unwrap();
        assert!(
            from_file.open(&sealed, "c").is_ok(),
            "the file's second line opens"
        );
        let from_var = load(&providers(&[(KEY_VAR, a.expose()), (KEY_FILE_VAR, path)])).unwrap();
        assert_eq!(from_var.current().id(), a_id);
        let rotating = load(&providers(&[
            (KEY_VAR, b.expose()),
            (PREVIOUS_VAR, a.expose()),
        ]))
        .unwrap();
        assert_eq!(rotating.current().id(), b_id);
        assert!(rotating.open(&sealed, "c").is_ok());
        assert!(matches!(
            load(&providers(&[(KEY_VAR, "short")])),
            Err(StoreError::MasterKey { .. })
        ));
        let shown = format!("{:?}", load(&providers(&[(KEY_VAR, a.expose())])));
        assert!(!shown.contains(a.expose()), "{shown}");
    }
}
