//! `mirage secret set|get|list|rotate|history|rm|rekey|key generate`:
//! Mirage's own encrypted store of secrets in the state database, read
//! by `(secret)"store:NAME"` references. The project's secrets by
//! default; with `--user`, the acting user's own (tokens of Railway,
//! GitHub, a registry), which `store:` never reads.
//!
//! Values come from a file, a pipe or a hidden prompt, and leave only to
//! a terminal or with `--reveal`. Exit codes: 0 success, 1 when the store
//! cannot do it (no master key, unknown secret, a secret that does not
//! open), 2 for usage errors (a bad name, an empty value, `get` to a pipe
//! without `--reveal`).

mod input;
mod key;
mod show;

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use miette::Diagnostic;

use super::{EXIT_FAILURE, EXIT_USAGE, report};
use crate::secrets::Providers;
use crate::secrets::store::{StoreError, manage, master, owner_shown};
use crate::state::{self, Actor, Location, SecretKey, SecretScope, Store};

/// Arguments of `mirage secret`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The state database: a file or a `postgres://` URL (password in the
    /// URL or `PGPASSWORD`). Wins over `MIRAGE_STATE`; without either,
    /// `.mirage/state.db` in `--dir`.
    #[arg(long, global = true, value_name = "PATH|URL")]
    pub state: Option<String>,

    /// The project directory: its state database and its project's name.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// The project whose secrets these are (default: the one the files in
    /// `--dir` name).
    #[arg(long, global = true, value_name = "NAME", conflicts_with = "user")]
    pub project: Option<String>,

    /// Your own secrets (tokens of Railway, GitHub, a registry) instead
    /// of the project's; `store:` references never read them.
    #[arg(long, global = true)]
    pub user: bool,

    /// Print JSON instead of text (never a value).
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: SecretCommand,
}

/// The subcommands of `mirage secret`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum SecretCommand {
    /// Store a secret (a new version if it exists): the value from
    /// `--from-file`, else the standard input (asked for, not shown, on a
    /// terminal).
    Set {
        /// Its name (letters, digits, `_`, `-`, `.`, `/`).
        name: String,
        /// Read the value from this file (one trailing line break
        /// removed).
        #[arg(long, value_name = "FILE")]
        from_file: Option<PathBuf>,
    },
    /// Print a secret's newest value: only to a terminal, or with
    /// `--reveal`.
    Get {
        /// Its name.
        name: String,
        /// Print it even when the output is not a terminal.
        #[arg(long)]
        reveal: bool,
    },
    /// The secrets: names, newest version, who set it and when (never
    /// values).
    List,
    /// A new version of an existing secret: from `--from-file`, the
    /// standard input, or `--generate N` random letters and digits.
    Rotate {
        /// Its name.
        name: String,
        /// Read the value from this file.
        #[arg(long, value_name = "FILE", conflicts_with = "generate")]
        from_file: Option<PathBuf>,
        /// Generate N random letters and digits (8 to 4096).
        #[arg(long, value_name = "N")]
        generate: Option<usize>,
    },
    /// Every version of a secret: who set it when, and removals.
    History {
        /// Its name.
        name: String,
    },
    /// Remove a secret: every version's sealed value is deleted; who set
    /// what when stays, in its history and the audit log.
    Rm {
        /// Its name.
        name: String,
    },
    /// Reseal every secret (every project's and user's in this database)
    /// under the current master key: after a rotation, with the old key
    /// in `MIRAGE_PREVIOUS_MASTER_KEYS`.
    Rekey,
    /// Master keys.
    Key {
        /// What to do.
        #[command(subcommand)]
        command: KeyCommand,
    },
}

/// The subcommands of `mirage secret key`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum KeyCommand {
    /// Make a new master key and keep it in the OS keyring (or in a file
    /// with `--to-file`); prints its fingerprint, and the key itself only
    /// with `--reveal`.
    Generate {
        /// Write it to this new file (mode 0600) instead of the keyring;
        /// then point `MIRAGE_MASTER_KEY_FILE` at it.
        #[arg(long, value_name = "FILE")]
        to_file: Option<PathBuf>,
        /// Also print the key (base64) on standard output.
        #[arg(long)]
        reveal: bool,
        /// Replace a key already in the keyring or the file (the secrets
        /// it sealed no longer open without it).
        #[arg(long)]
        force: bool,
    },
}

/// A failure and its exit code.
struct Fail(ExitCode);

impl<E: Diagnostic> From<E> for Fail {
    fn from(error: E) -> Fail {
        print(&error);
        Fail(ExitCode::from(EXIT_FAILURE))
    }
}

/// Prints `error` and its help line.
fn print(error: &dyn Diagnostic) {
    report::print_error(&error.to_string());
    if let Some(help) = error.help() {
        report::write_stderr(&format!("  help: {help}\n"));
    }
}

/// A usage error: `message`, `help`, exit 2.
fn usage(message: &str, help: &str) -> Fail {
    report::print_error(message);
    report::write_stderr(&format!("  help: {help}\n"));
    Fail(ExitCode::from(EXIT_USAGE))
}

/// Runs `mirage secret`.
pub fn run(args: Args) -> ExitCode {
    match run_checked(&args, &Providers::from_process()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(code)) => code,
    }
}

fn run_checked(args: &Args, providers: &Providers) -> Result<(), Fail> {
    if args.state.is_none() {
        super::select::directory(&args.dir).map_err(Fail)?;
    }
    let location = super::context::state_location(args.state.as_deref())
        .unwrap_or_else(|| Location::File(args.dir.join(state::DEFAULT_RELATIVE_PATH)));
    let by = Actor::current().user;
    let key = |name: &str| secret_key(args, name, &by);
    match &args.command {
        SecretCommand::Set { name, from_file } => {
            let key = key(name)?;
            let value = input::read_value(name, from_file.as_deref()).map_err(|e| {
                usage(
                    &e,
                    "give a non-empty value on the standard input or with `--from-file FILE`",
                )
            })?;
            let keyring = master::load(providers)?;
            let store = Store::connect(&location)?;
            let version = manage::add(&store, &keyring, &key, &value, &by, "secrets.set")?;
            show::changed(args, &key, version, keyring.current().id(), "set");
        }
        SecretCommand::Rotate {
            name,
            from_file,
            generate,
        } => {
            let key = key(name)?;
            // Only a secret there is: a removed one is set again, not
            // rotated.
            let store = open_existing(&location)?;
            let latest = store
                .as_ref()
                .map(|s| s.latest_secret(&key))
                .transpose()?
                .flatten();
            match latest {
                None => return Err(missing(store.as_ref(), &key)),
                Some(row) if row.sealed.is_none() => {
                    return Err(StoreError::Removed {
                        name: key.name.clone(),
                        owner: owner_shown(&key),
                        by: row.deleted_by.unwrap_or_else(|| "someone".to_owned()),
                    }
                    .into());
                }
                Some(_) => {}
            }
            let value = match generate {
                Some(n) if !input::GENERATED.contains(n) => {
                    return Err(usage(
                        &format!("`--generate {n}`: a generated value is 8 to 4096 characters"),
                        "choose a length such as `--generate 40`",
                    ));
                }
                Some(n) => input::generate(*n).map_err(|e| usage(&e, "try again"))?,
                None => input::read_value(name, from_file.as_deref()).map_err(|e| {
                    usage(&e, "give the new value on the standard input, with `--from-file FILE`, or `--generate N`")
                })?,
            };
            let keyring = master::load(providers)?;
            let store = store.ok_or_else(|| missing(None, &key))?;
            let version = manage::add(&store, &keyring, &key, &value, &by, "secrets.rotate")?;
            show::changed(args, &key, version, keyring.current().id(), "rotated");
        }
        SecretCommand::Get { name, reveal } => {
            let key = key(name)?;
            let to_terminal = std::io::stdout().is_terminal();
            if !to_terminal && !reveal {
                return Err(usage(
                    &format!("refusing to print the secret `{name}`: the output is not a terminal"),
                    &format!(
                        "pass `--reveal` to print it anyway (`mirage secret get {name} --reveal`)"
                    ),
                ));
            }
            let store = open_existing(&location)?.ok_or_else(|| missing(None, &key))?;
            let keyring = master::load(providers)?;
            let (row, value) = manage::open(&store, &keyring, &key)?;
            manage::record_read(&store, &key, row.version, &by)?;
            show::print_value(&value, to_terminal);
        }
        SecretCommand::List => {
            let owner = owner_of(args, &by)?;
            let rows = match open_existing(&location)? {
                Some(store) => store.latest_secrets(owner.0, &owner.1)?,
                None => Vec::new(),
            };
            show::list(args, &owner, &rows);
        }
        SecretCommand::History { name } => {
            let key = key(name)?;
            let store = open_existing(&location)?;
            let versions = match &store {
                Some(store) => store.secret_versions(&key)?,
                None => Vec::new(),
            };
            if versions.is_empty() {
                return Err(missing(store.as_ref(), &key));
            }
            show::history(args, &versions);
        }
        SecretCommand::Rm { name } => {
            let key = key(name)?;
            let store = open_existing(&location)?.ok_or_else(|| missing(None, &key))?;
            let removed = manage::remove(&store, &key, &by)?;
            report::write_stderr(&format!(
                "removed `{name}` of {}: the sealed values of {removed} versions are deleted; its history is kept\n",
                owner_shown(&key)
            ));
        }
        SecretCommand::Rekey => {
            let keyring = master::load(providers)?;
            let store = open_existing(&location)?;
            let done = match &store {
                Some(store) => manage::rekey(store, &keyring, &by)?,
                None => manage::Rekeyed::default(),
            };
            return show::rekeyed(args, &done, keyring.current().id());
        }
        SecretCommand::Key {
            command:
                KeyCommand::Generate {
                    to_file,
                    reveal,
                    force,
                },
        } => return key::generate_key(to_file.as_deref(), *reveal, *force),
    }
    Ok(())
}

/// The scope and owner the flags select: the user, or the project.
fn owner_of(args: &Args, by: &str) -> Result<(SecretScope, String), Fail> {
    if args.user {
        return Ok((SecretScope::User, by.to_owned()));
    }
    if let Some(project) = args.project.as_ref().filter(|p| !p.is_empty()) {
        return Ok((SecretScope::Project, project.clone()));
    }
    let analysis = crate::resolve::load_dir(&args.dir);
    match analysis.project.name {
        Some(name) => Ok((SecretScope::Project, name.value.to_string())),
        None => Err(usage(
            &format!(
                "no project is named by the files in `{}`",
                args.dir.display()
            ),
            "run it in the project's directory (or `--dir DIR`), name the project with `--project NAME`, or use `--user` for your own secrets",
        )),
    }
}

/// The secret `name` of the owner the flags select.
fn secret_key(args: &Args, name: &str, by: &str) -> Result<SecretKey, Fail> {
    if !crate::secrets::is_store_name(name) {
        return Err(usage(
            &format!("`{name}` is not a secret name"),
            "a name is 1 to 128 letters, digits, `_`, `-`, `.` and `/`, not starting with `/` or `.`",
        ));
    }
    let (scope, owner) = owner_of(args, by)?;
    Ok(SecretKey {
        scope,
        owner,
        name: name.to_owned(),
    })
}

/// The database, or `None` when it is a file that does not exist (reading
/// commands never create one).
fn open_existing(location: &Location) -> Result<Option<Store>, Fail> {
    match location {
        Location::File(path) if !path.exists() => Ok(None),
        _ => Ok(Some(Store::connect(location)?)),
    }
}

/// "No secret `x`" (with the closest name when the database exists).
fn missing(store: Option<&Store>, key: &SecretKey) -> Fail {
    match store {
        Some(store) => manage::unknown(store, key).into(),
        None => Fail::from(StoreError::Unknown {
            name: key.name.clone(),
            owner: owner_shown(key),
            help: format!(
                "there is no state database here yet: add it with `mirage secret set {}`",
                key.name
            ),
        }),
    }
}
