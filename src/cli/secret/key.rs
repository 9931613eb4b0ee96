//! `mirage secret key generate`: a new master key, kept in the OS
//! keyring or a file only its owner may read, printed only with
//! `--reveal`.

use std::path::Path;
use std::process::ExitCode;

use super::{Fail, usage};
use crate::cli::{EXIT_FAILURE, report};
use crate::secrets::SecretString;
use crate::secrets::store::master;

/// `mirage secret key generate`.
pub(super) fn generate_key(to_file: Option<&Path>, reveal: bool, force: bool) -> Result<(), Fail> {
    use crate::secrets::keyring::{self, KeyringError};
    let (key, id) = master::generate()?;
    let kept = match to_file {
        Some(path) => {
            write_key_file(path, &key, force)?;
            format!(
                "in `{}` (mode 0600): set `{}={}`",
                path.display(),
                master::KEY_FILE_VAR,
                path.display()
            )
        }
        None => {
            let existing = keyring::get(master::KEYRING_ACCOUNT);
            match existing {
                Ok(Some(_)) if !force => {
                    return Err(usage(
                        "the OS keyring already holds a master key (`master-key`)",
                        "the secrets it sealed open only with it: pass `--force` to replace it only after `mirage secret rekey` has moved them to another key, or use `--to-file FILE`",
                    ));
                }
                Err(KeyringError::Unavailable(why)) if reveal => {
                    report::write_stderr(&format!(
                        "note: not kept: no OS keyring is available ({why}); keep the key printed below yourself (a CI secret as `{}`)\n",
                        master::KEY_VAR
                    ));
                    String::new()
                }
                Err(KeyringError::Unavailable(why)) => {
                    return Err(usage(
                        &format!("no OS keyring is available to keep the key ({why})"),
                        "write it to a file with `--to-file FILE` (then `MIRAGE_MASTER_KEY_FILE=FILE`), or print it with `--reveal` to keep it yourself (`MIRAGE_MASTER_KEY`)",
                    ));
                }
                Err(error @ KeyringError::Failed(_)) => {
                    report::print_error(&error.to_string());
                    return Err(Fail(ExitCode::from(EXIT_FAILURE)));
                }
                Ok(_) => match keyring::set(master::KEYRING_ACCOUNT, &key) {
                    Ok(()) => "in the OS keyring (`master-key`)".into(),
                    Err(error) => {
                        report::print_error(&error.to_string());
                        return Err(Fail(ExitCode::from(EXIT_FAILURE)));
                    }
                },
            }
        }
    };
    if kept.is_empty() {
        report::write_stderr(&format!("generated master key `{id}`\n"));
    } else {
        report::write_stderr(&format!("generated master key `{id}`, kept {kept}\n"));
    }
    if reveal {
        report::write_stdout_exact(&format!("{}\n", key.expose()));
    }
    Ok(())
}

/// Writes `key` to a new file only its owner may read.
fn write_key_file(path: &Path, key: &SecretString, force: bool) -> Result<(), Fail> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let shown = path.display();
    let mut file = options.open(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            usage(
                &format!("`{shown}` exists already"),
                "choose a new file, or pass `--force` to replace the key in it (what it sealed no longer opens without it)",
            )
        } else {
            usage(&format!("cannot write `{shown}`: {error}"), "check the path and its directory's permissions")
        }
    })?;
    #[cfg(unix)]
    {
        // An existing file replaced with `--force` keeps its mode: narrow it.
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    file.write_all(format!("{}\n", key.expose()).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| {
            usage(
                &format!("cannot write `{shown}`: {error}"),
                "check the disk",
            )
        })?;
    Ok(())
}
