//! `mirage login`, `mirage logout` and `mirage whoami`: the Railway token
//! kept in the OS keyring (else a private file), checked against Railway
//! before it is kept, and the one precedence every command follows
//! (`RAILWAY_TOKEN` > `RAILWAY_API_TOKEN` > the stored token).

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use serde_json::json;

use super::report;
use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
use crate::diagnostic::Diagnostic;
use crate::railway::auth::{self, Credentials, Token, TokenSource};
use crate::railway::identity::{Identity, identify_token};
use crate::railway::stored::{self, StoredError, StoredIn};
use crate::railway::{Client, ClientOptions, RailwayError};

/// Where Railway's tokens are created, for prompts and help.
const TOKENS_PAGE: &str = "https://railway.com/account/tokens";

/// Arguments of `mirage login`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoginArgs {
    /// Read the token from standard input instead of prompting, as
    /// `gh auth login --with-token` does: `mirage login --with-token < token.txt`.
    #[arg(long)]
    pub with_token: bool,

    /// Reuse the token of the official Railway CLI's `railway login`
    /// (`~/.railway/config.json`) without asking. On a terminal Mirage
    /// offers it and asks; elsewhere this flag is the only way to reuse it.
    #[arg(long, conflicts_with = "with_token")]
    pub from_railway_cli: bool,

    /// The Railway GraphQL endpoint the token is checked against; wins over
    /// `MIRAGE_RAILWAY_URL`.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
}

/// Arguments of `mirage logout`.
#[derive(Debug, Clone, clap::Args)]
pub struct LogoutArgs {}

/// Arguments of `mirage whoami`.
#[derive(Debug, Clone, clap::Args)]
pub struct WhoamiArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,

    /// The Railway GraphQL endpoint to ask; wins over `MIRAGE_RAILWAY_URL`.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
}

/// Prints an error diagnostic and returns exit code 1 (2 for `usage`).
fn fail(code: &'static str, message: impl Into<String>, help: impl Into<String>) -> ExitCode {
    report::print_general(&Diagnostic::general(code, message).with_help(help));
    ExitCode::from(EXIT_FAILURE)
}

fn usage(code: &'static str, message: impl Into<String>, help: impl Into<String>) -> ExitCode {
    report::print_general(&Diagnostic::general(code, message).with_help(help));
    ExitCode::from(EXIT_USAGE)
}

fn warn(code: &'static str, message: impl Into<String>, help: impl Into<String>) {
    report::print_general(
        &Diagnostic::general(code, message)
            .with_help(help)
            .as_warning(),
    );
}

/// The endpoint by the rule of every command: the flag, else
/// `MIRAGE_RAILWAY_URL`, else Railway's.
fn endpoint(flag: Option<&str>) -> String {
    flag.filter(|f| !f.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(auth::endpoint_from_env)
}

/// Runs `future` on a fresh runtime.
fn block_on<T>(future: impl std::future::Future<Output = T>) -> Result<T, ExitCode> {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => Ok(runtime.block_on(future)),
        Err(error) => {
            report::print_error(&format!("cannot start the async runtime: {error}"));
            Err(ExitCode::from(EXIT_FAILURE))
        }
    }
}

/// "Local Emulator User <local@emulator.invalid>", "the workspace `Local`",
/// "environment `production` of project `shop`".
fn describe(identity: &Identity) -> String {
    match identity {
        Identity::Account { name, email, .. } => match name {
            Some(name) if !name.is_empty() => format!("{name} <{email}>"),
            _ => email.clone(),
        },
        Identity::Workspace { workspaces } => {
            let names: Vec<String> = workspaces.iter().map(|w| format!("`{}`", w.name)).collect();
            match names.len() {
                0 => "no workspace".to_owned(),
                1 => format!("the workspace {}", names[0]),
                _ => format!("the workspaces {}", names.join(", ")),
            }
        }
        Identity::Project(scope) => scope.describe(),
    }
}

/// A Railway failure while asking who a token is.
fn railway_failure(error: &RailwayError, stored_nothing: bool) -> ExitCode {
    let kept = if stored_nothing {
        "; nothing was stored"
    } else {
        ""
    };
    match error {
        RailwayError::Unauthorized { message, .. } => fail(
            "mirage::login::token_refused",
            if stored_nothing {
                format!(
                    "Railway refused the token as an account, workspace and project token ({message}){kept}"
                )
            } else {
                format!("Railway refused the token: {message}")
            },
            format!(
                "check the token; create one at {TOKENS_PAGE} (an account or workspace token), or in the project's settings (a project token)"
            ),
        ),
        other => fail(
            "mirage::login::unreachable",
            format!("cannot ask Railway who the token belongs to: {other}{kept}"),
            "check the network and the endpoint (`--endpoint`, `MIRAGE_RAILWAY_URL`), then try again",
        ),
    }
}

/// Runs `mirage login`.
pub fn login(args: LoginArgs) -> ExitCode {
    let token = match read_token(&args) {
        Ok(token) => token,
        Err(code) => return code,
    };
    let endpoint = endpoint(args.endpoint.as_deref());
    let identified = match block_on(identify_token(&endpoint, &token)) {
        Ok(identified) => identified,
        Err(code) => return code,
    };
    let (credentials, identity) = match identified {
        Ok(found) => found,
        Err(error) => return railway_failure(&error, true),
    };
    let place = match stored::save(&credentials) {
        Ok(place) => place,
        Err(error) => {
            return fail(
                "mirage::login::store_failed",
                format!("cannot keep the token: {error}"),
                error.help(),
            );
        }
    };
    if let StoredIn::File(path) = &place {
        warn(
            "mirage::login::plain_text",
            format!(
                "no OS keyring is available: the token is stored in plain text in `{}`, readable only by you",
                path.display()
            ),
            format!(
                "anyone with your account on this machine can read it; `mirage logout` removes it{}",
                if crate::secrets::keyring::disabled() {
                    " (the keyring is turned off by `MIRAGE_KEYRING`)"
                } else {
                    ""
                }
            ),
        );
    }
    if place == StoredIn::Keyring(crate::secrets::keyring::KERNEL_KEYRING) {
        warn(
            "mirage::login::memory_only",
            "no Secret Service answered: the token is kept in the Linux kernel keyring, in memory only; it is lost at reboot",
            format!(
                "run `mirage login` again after a reboot, or set `{}=off` to keep it in a file only you can read",
                crate::secrets::keyring::DISABLE_ENV_VAR
            ),
        );
    }
    report::write_stdout(&format!(
        "Logged in to Railway: {} token for {}.\nThe token is kept in {place}.\n",
        identity.kind(),
        describe(&identity),
    ));
    let shadowing: Vec<&str> = ["RAILWAY_TOKEN", "RAILWAY_API_TOKEN"]
        .into_iter()
        .filter(|name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty()))
        .collect();
    if let Some(first) = shadowing.first() {
        warn(
            "mirage::login::shadowed",
            format!("`{first}` is set in this shell and wins over the stored token"),
            format!(
                "unset it to use the stored token; precedence: {}",
                auth::PRECEDENCE
            ),
        );
    }
    ExitCode::from(EXIT_OK)
}

/// The token to check: from standard input (`--with-token`), the Railway
/// CLI's login (`--from-railway-cli`, or offered on a terminal), or a
/// hidden prompt.
fn read_token(args: &LoginArgs) -> Result<Token, ExitCode> {
    if args.with_token {
        let mut text = String::new();
        if let Err(error) = std::io::stdin().read_to_string(&mut text) {
            return Err(fail(
                "mirage::login::no_token",
                format!("cannot read the token from standard input: {error}"),
                "pipe the token in: `mirage login --with-token < token.txt`",
            ));
        }
        let text = zeroize::Zeroizing::new(text);
        let token = text.trim();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(fail(
                "mirage::login::no_token",
                "standard input holds no token (it is empty, or more than one word)",
                "pipe exactly the token in: `mirage login --with-token < token.txt`",
            ));
        }
        return Ok(Token::new(token));
    }
    let railway_cli = match stored::railway_cli_token() {
        Ok(found) => found,
        Err(error) if args.from_railway_cli => {
            return Err(fail(
                "mirage::login::no_railway_cli_token",
                format!("cannot read the Railway CLI's login: {error}"),
                "run `railway login` again, or pass a token with `--with-token`",
            ));
        }
        Err(_) => None,
    };
    if args.from_railway_cli {
        return match railway_cli {
            Some((token, _)) => Ok(token),
            None => Err(fail(
                "mirage::login::no_railway_cli_token",
                format!(
                    "the official Railway CLI has no login token (`{}`)",
                    stored::railway_cli_config()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "~/.railway/config.json".to_owned())
                ),
                "run `railway login` first, or pass a token with `--with-token`",
            )),
        };
    }
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !terminal {
        let help = match &railway_cli {
            Some((_, path)) => format!(
                "the Railway CLI's login token is in `{}`: pass `--from-railway-cli` to reuse it, or give a token with `--with-token`",
                path.display()
            ),
            None => "pass the token on standard input: `mirage login --with-token < token.txt`"
                .to_owned(),
        };
        return Err(usage(
            "mirage::login::not_a_terminal",
            "`mirage login` prompts for the token, but standard input is not a terminal",
            help,
        ));
    }
    if let Some((token, path)) = railway_cli
        && confirm(&format!(
            "Reuse the token of the Railway CLI's login (`{}`)? [y/N] ",
            path.display()
        ))
    {
        return Ok(token);
    }
    let prompt = format!(
        "Paste a Railway token (account, workspace or project; create one at {TOKENS_PAGE}): "
    );
    match rpassword::prompt_password(prompt) {
        Ok(text) => {
            let text = zeroize::Zeroizing::new(text);
            if text.trim().is_empty() {
                return Err(fail(
                    "mirage::login::no_token",
                    "no token was typed",
                    format!("paste a token from {TOKENS_PAGE}"),
                ));
            }
            Ok(Token::new(text.trim()))
        }
        Err(error) => Err(fail(
            "mirage::login::no_token",
            format!("cannot read the token from the terminal: {error}"),
            "pass the token on standard input: `mirage login --with-token < token.txt`",
        )),
    }
}

/// Asks a yes/no question on the terminal; only `y` or `yes` is yes.
fn confirm(question: &str) -> bool {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(question.as_bytes());
    let _ = err.flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Runs `mirage logout`.
pub fn logout(_args: LogoutArgs) -> ExitCode {
    let removed = match stored::forget() {
        Ok(removed) => removed,
        Err(error) => {
            return fail(
                "mirage::login::store_failed",
                format!("cannot forget the token: {error}"),
                error.help(),
            );
        }
    };
    if removed.is_empty() {
        report::write_stdout("No Railway token was stored; nothing to forget.\n");
    } else {
        let places: Vec<String> = removed.iter().map(ToString::to_string).collect();
        report::write_stdout(&format!(
            "Logged out: removed the Railway token from {}.\n",
            places.join(" and ")
        ));
    }
    for name in ["RAILWAY_TOKEN", "RAILWAY_API_TOKEN"] {
        if std::env::var(name).is_ok_and(|v| !v.trim().is_empty()) {
            report::write_stdout(&format!(
                "`{name}` is still set in this shell; commands use it.\n"
            ));
        }
    }
    ExitCode::from(EXIT_OK)
}

/// Runs `mirage whoami`.
pub fn whoami(args: WhoamiArgs) -> ExitCode {
    let discovery = auth::discover(true);
    if let Some(problem) = &discovery.problem {
        warn(
            "mirage::login::stored_unreadable",
            format!("the token `mirage login` stored is not used: {problem}"),
            problem.help(),
        );
    }
    let Some((credentials, source)) = discovery.chosen().cloned() else {
        return fail(
            "mirage::login::not_signed_in",
            "no Railway token: `RAILWAY_TOKEN` and `RAILWAY_API_TOKEN` are unset and `mirage login` stored none",
            format!(
                "run `mirage login`, or set `RAILWAY_API_TOKEN` (create a token at {TOKENS_PAGE})"
            ),
        );
    };
    let shadowed: Vec<TokenSource> = discovery
        .found
        .iter()
        .skip(1)
        .map(|(_, source)| source.clone())
        .collect();
    let endpoint = endpoint(args.endpoint.as_deref());
    let client = match Client::new(ClientOptions {
        endpoint: endpoint.clone(),
        credentials: Some(credentials.clone()),
        ..ClientOptions::default()
    }) {
        Ok(client) => client,
        Err(error) => {
            return fail(
                "mirage::railway::bad_endpoint",
                error.to_string(),
                "give an `http://` or `https://` URL, or unset `MIRAGE_RAILWAY_URL` to use Railway",
            );
        }
    };
    let identity = match block_on(client.identify()) {
        Ok(Ok(identity)) => identity,
        Ok(Err(error)) => return railway_failure(&error, false),
        Err(code) => return code,
    };
    if args.json {
        print_json(&identity, &credentials, &source, &shadowed, &endpoint);
    } else {
        print_text(&identity, &source, &shadowed, &endpoint);
    }
    ExitCode::from(EXIT_OK)
}

fn source_detail(source: &TokenSource) -> Option<String> {
    match source {
        TokenSource::Login(StoredIn::File(path)) => Some(path.display().to_string()),
        TokenSource::Login(StoredIn::Keyring(name)) => Some((*name).to_owned()),
        _ => None,
    }
}

fn print_text(identity: &Identity, source: &TokenSource, shadowed: &[TokenSource], endpoint: &str) {
    let mut out = String::new();
    match identity {
        Identity::Account { workspaces, .. } => {
            out.push_str(&format!("Railway account: {}\n", describe(identity)));
            if !workspaces.is_empty() {
                let names: Vec<&str> = workspaces.iter().map(|w| w.name.as_str()).collect();
                out.push_str(&format!("workspaces: {}\n", names.join(", ")));
            }
        }
        Identity::Workspace { .. } => {
            out.push_str(&format!(
                "Railway workspace (team) token for {}\n",
                describe(identity)
            ));
        }
        Identity::Project(scope) => {
            out.push_str(&format!(
                "Railway project token for environment `{}` of project `{}`\n",
                scope.environment_name, scope.project_name
            ));
        }
    }
    out.push_str(&format!("token kind: {}\n", identity.kind()));
    out.push_str(&format!("token from: {}\n", source.describe()));
    for hidden in shadowed {
        out.push_str(&format!(
            "also found, not used: {} (the one above wins)\n",
            hidden.describe()
        ));
    }
    out.push_str(&format!("endpoint: {endpoint}\n"));
    out.push_str(&format!("precedence: {}\n", auth::PRECEDENCE));
    report::write_stdout(&out);
}

fn print_json(
    identity: &Identity,
    credentials: &Credentials,
    source: &TokenSource,
    shadowed: &[TokenSource],
    endpoint: &str,
) {
    let header = match credentials {
        Credentials::Account(_) => "authorization",
        Credentials::Project(_) => "project-access-token",
    };
    let mut value = json!({
        "kind": identity.kind(),
        "source": source.key(),
        "source_detail": source_detail(source),
        "header": header,
        "endpoint": endpoint,
        "shadowed": shadowed
            .iter()
            .map(|s| json!({"source": s.key(), "source_detail": source_detail(s)}))
            .collect::<Vec<_>>(),
        "precedence": ["RAILWAY_TOKEN", "RAILWAY_API_TOKEN", "keyring", "file"],
    });
    match identity {
        Identity::Account {
            name,
            email,
            workspaces,
        } => {
            value["account"] = json!({"name": name, "email": email});
            value["workspaces"] = json!(workspaces);
        }
        Identity::Workspace { workspaces } => {
            value["workspaces"] = json!(workspaces);
        }
        Identity::Project(scope) => {
            value["project"] = json!({"id": scope.project_id, "name": scope.project_name});
            value["environment"] =
                json!({"id": scope.environment_id, "name": scope.environment_name});
        }
    }
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    report::write_stdout_exact(&format!("{text}\n"));
}

/// For a command about to run without a token: why the stored one, if
/// any, could not be used (a warning printed once by the CLI's context).
pub fn warn_unusable(problem: &StoredError) {
    warn(
        "mirage::login::stored_unreadable",
        format!("the token `mirage login` stored is not used: {problem}"),
        problem.help(),
    );
}
