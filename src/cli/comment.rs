//! `mirage comment --pr N --key KEY`: keeps one comment per pull request
//! and key up to date from CI — created once, then edited, found again by
//! its hidden marker (`<!-- mirage:KEY pr=N -->`, [`crate::github::sticky`]).
//!
//! `mirage plan --format markdown | mirage comment --key plan` in a
//! workflow: the repository, the API root, the token and the pull request
//! come from the GitHub Actions environment ([`crate::github::actions`]).

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::EXIT_OK;
use super::context::fail;
use super::report;
use crate::diagnostic::Diagnostic;
use crate::engine::Failure;
use crate::github::actions::{self, EventError};
use crate::github::body::{MAX_COMMENT_CHARS, bound};
use crate::github::{
    Client, ClientOptions, DEFAULT_API_URL, GithubError, Marker, Repo, StickyAction,
    delete_sticky_comment, upsert_sticky_comment,
};

/// The most bytes read as a body: far beyond what a comment holds, so the
/// note can give the real length, and bounded so a runaway pipe cannot
/// fill memory.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Help shown after `mirage comment --help`.
pub const AFTER_HELP: &str = "\
Examples (in a GitHub Actions job with `permissions: pull-requests: write`):
  mirage plan --format markdown | mirage comment --key plan
  mirage preview up --pr 7 --branch feat/x --sha abc123 --format markdown | mirage comment --pr 7 --key preview
  mirage comment --key plan --delete

The comment starts with a hidden marker, `<!-- mirage:KEY pr=N -->`: the
oldest comment of the pull request that starts with it is edited, none is
created. Bodies longer than GitHub's 65,536 characters are cut with a note.

Environment: GITHUB_TOKEN (or a GitHub App: MIRAGE_GITHUB_APP_ID,
MIRAGE_GITHUB_APP_INSTALLATION_ID and MIRAGE_GITHUB_APP_PRIVATE_KEY or
MIRAGE_GITHUB_APP_PRIVATE_KEY_FILE), GITHUB_REPOSITORY, GITHUB_API_URL,
GITHUB_EVENT_PATH (the pull request when --pr is not given).";

/// Arguments of `mirage comment`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The pull request; default: the one of the workflow's event
    /// (`pull_request.number` in `GITHUB_EVENT_PATH`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub pr: Option<u64>,

    /// Which comment: one per pull request and key (`plan`, `preview`).
    /// Letters, digits, `-`, `_` and `.`, at most 64.
    #[arg(long, value_name = "KEY")]
    pub key: String,

    /// Read the body from FILE (`-` for standard input, the default).
    #[arg(long, value_name = "FILE", conflicts_with = "delete")]
    pub body_file: Option<PathBuf>,

    /// The repository, `OWNER/NAME`; default `GITHUB_REPOSITORY`.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,

    /// GitHub's REST API root; default `GITHUB_API_URL`, else
    /// `https://api.github.com` (GitHub Enterprise Server:
    /// `https://HOST/api/v3`).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,

    /// Delete the comment instead (nothing to delete is not an error).
    #[arg(long)]
    pub delete: bool,
}

/// Run `mirage comment`.
pub fn run(args: Args) -> ExitCode {
    let env = |name: &str| std::env::var(name).ok();
    let request = match Request::from_args(&args, &env) {
        Ok(request) => request,
        Err(failure) => return fail(failure),
    };
    super::plan::block_on(async move {
        match request.send().await {
            Ok(()) => ExitCode::from(EXIT_OK),
            Err(failure) => fail(failure),
        }
    })
}

/// Everything checked before GitHub is called.
struct Request {
    client: Client,
    repo: Repo,
    number: u64,
    key: String,
    marker: Marker,
    /// The body to write, already bounded; `None` to delete.
    body: Option<String>,
}

impl Request {
    fn from_args(args: &Args, env: &dyn Fn(&str) -> Option<String>) -> Result<Request, Failure> {
        let set = |name: &str| env(name).filter(|value| !value.trim().is_empty());
        let key = check_key(&args.key)?;
        let repo_text = match args.repo.as_deref() {
            Some(repo) => repo.to_owned(),
            None => set(actions::REPOSITORY_VAR).ok_or_else(|| {
                Failure::usage(
                    Diagnostic::general(
                        "mirage::comment::no_repo",
                        "no repository to comment on: `--repo` is not given and `GITHUB_REPOSITORY` is not set",
                    )
                    .with_help("pass `--repo OWNER/NAME` (GitHub Actions sets `GITHUB_REPOSITORY`)"),
                )
            })?,
        };
        let repo = Repo::parse(&repo_text).map_err(|error| {
            Failure::usage(crate::engine::failure::diagnostic_of(
                &error,
                "mirage::github::bad_argument",
            ))
        })?;
        let number = match args.pr {
            Some(number) => number,
            None => pull_request_from_event(&set)?,
        };
        let marker = Marker::new(&format!("mirage:{key} pr={number}"))
            .map_err(|error| Failure::of(&error, "mirage::github::bad_argument"))?;
        let auth = actions::credentials(env)
            .map_err(|error| match error {
                GithubError::BadArgument { message } => Failure::error(
                    "mirage::github::bad_argument",
                    message,
                    Some("a GitHub App needs `MIRAGE_GITHUB_APP_ID`, `MIRAGE_GITHUB_APP_INSTALLATION_ID` and `MIRAGE_GITHUB_APP_PRIVATE_KEY` (or `MIRAGE_GITHUB_APP_PRIVATE_KEY_FILE`); unset `MIRAGE_GITHUB_APP_ID` to use `GITHUB_TOKEN`"),
                ),
                other => Failure::of(&other, "mirage::github::bad_key"),
            })?
            .into_auth()
            .ok_or_else(|| {
                Failure::error(
                    "mirage::comment::no_credentials",
                    "no GitHub credentials: `GITHUB_TOKEN` is not set",
                    Some(
                        "in a workflow, give the step `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` and the job `permissions: pull-requests: write`; for a GitHub App set `MIRAGE_GITHUB_APP_ID`, `MIRAGE_GITHUB_APP_INSTALLATION_ID` and `MIRAGE_GITHUB_APP_PRIVATE_KEY`",
                    ),
                )
            })?;
        let api_url = args
            .api_url
            .clone()
            .or_else(|| set(actions::API_URL_VAR))
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let client = Client::new(ClientOptions {
            api_url,
            auth,
            ..ClientOptions::default()
        })
        .map_err(|error| Failure::of(&error, "mirage::github::bad_url"))?;
        let body = if args.delete {
            None
        } else {
            let text = read_body(args.body_file.as_deref())?;
            // The marker and its newline count against the limit too.
            let limit = MAX_COMMENT_CHARS - marker.as_str().chars().count() - 1;
            let bounded = bound(&text, limit, actions::run_url(env).as_deref());
            if let Some(length) = bounded.truncated_from {
                report::print_general(
                    &Diagnostic::general(
                        "mirage::comment::truncated",
                        format!(
                            "the body has {} characters, more than a GitHub comment holds; the comment keeps its first lines and says it was cut",
                            report::thousands(length)
                        ),
                    )
                    .as_warning()
                    .with_help(
                        "the whole text follows, so the job's log has it (the comment links the run); `mirage plan --target ENV/SERVICE` makes a smaller plan",
                    ),
                );
                // The note in the comment points at the run's log: make it
                // true whether or not the text was printed before.
                report::write_stderr(&text);
                if !text.ends_with('\n') {
                    report::write_stderr("\n");
                }
            }
            Some(bounded.text)
        };
        Ok(Request {
            client,
            repo,
            number,
            key,
            marker,
            body,
        })
    }

    async fn send(self) -> Result<(), Failure> {
        let github =
            |error: crate::github::GithubError| Failure::of(&error, "mirage::github::unexpected");
        let place = format!("{}#{}", self.repo, self.number);
        let Some(body) = self.body else {
            let deleted =
                delete_sticky_comment(&self.client, &self.repo, self.number, &self.marker)
                    .await
                    .map_err(github)?;
            match deleted.deleted {
                Some(id) => report::write_stdout(&format!(
                    "Deleted the `{}` comment on {place} (id {id}).\n",
                    self.key
                )),
                None => report::write_stdout(&format!(
                    "No `{}` comment on {place}: nothing to delete.\n",
                    self.key
                )),
            }
            warn_duplicates(&deleted.duplicates);
            return Ok(());
        };
        let sticky =
            upsert_sticky_comment(&self.client, &self.repo, self.number, &self.marker, &body)
                .await
                .map_err(github)?;
        let verb = match sticky.action {
            StickyAction::Created => "Created",
            StickyAction::Updated => "Updated",
            StickyAction::Unchanged => "Left unchanged",
        };
        let url = sticky
            .comment
            .html_url
            .clone()
            .unwrap_or_else(|| format!("comment {}", sticky.comment.id));
        report::write_stdout(&format!(
            "{verb} the `{}` comment on {place}: {url}\n",
            self.key
        ));
        warn_duplicates(&sticky.duplicates);
        Ok(())
    }
}

fn warn_duplicates(duplicates: &[u64]) {
    if duplicates.is_empty() {
        return;
    }
    let ids = duplicates
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    report::print_general(
        &Diagnostic::general(
            "mirage::comment::duplicates",
            format!(
                "{} other comment{} carry the same marker (ids {ids}); they were left alone",
                duplicates.len(),
                if duplicates.len() == 1 { "" } else { "s" }
            ),
        )
        .as_warning()
        .with_help("delete the extra comments by hand; Mirage edits the oldest one"),
    );
}

/// The key, checked: it goes into a hidden HTML comment.
fn check_key(key: &str) -> Result<String, Failure> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !key.contains("--");
    if ok {
        return Ok(key.to_owned());
    }
    Err(Failure::usage(
        Diagnostic::general(
            "mirage::comment::bad_key",
            format!("`{}` cannot be a comment key", crate::terminal::escape(key)),
        )
        .with_help(
            "a key has letters, digits, `-`, `_` and `.` (no `--`), at most 64: `plan`, `preview`",
        ),
    ))
}

/// The pull request of the workflow's event.
fn pull_request_from_event(set: &dyn Fn(&str) -> Option<String>) -> Result<u64, Failure> {
    let no_pr = |message: String| {
        Failure::usage(
            Diagnostic::general("mirage::comment::no_pull_request", message).with_help(
                "pass `--pr N`, or run the step in a workflow triggered by `pull_request`",
            ),
        )
    };
    let Some(path) = set(actions::EVENT_PATH_VAR) else {
        return Err(no_pr(
            "no pull request to comment on: `--pr` is not given and `GITHUB_EVENT_PATH` is not set"
                .to_owned(),
        ));
    };
    actions::pull_request_number_at(Path::new(&path)).map_err(|error| match error {
        EventError::NoPullRequest => no_pr(format!(
            "no pull request to comment on: `--pr` is not given and the `{}` event is not about one",
            set("GITHUB_EVENT_NAME").unwrap_or_else(|| "workflow's".to_owned())
        )),
        EventError::Unreadable(reason) | EventError::NotJson(reason) => Failure::error(
            "mirage::comment::bad_event",
            format!("cannot read the event payload `{path}` (`GITHUB_EVENT_PATH`): {reason}"),
            Some("pass `--pr N`; GitHub Actions writes the payload for every run"),
        ),
    })
}

/// The body: a file, or standard input (`-` or no flag).
fn read_body(file: Option<&Path>) -> Result<String, Failure> {
    let bad = |message: String| {
        Failure::error(
            "mirage::comment::bad_body",
            message,
            Some(
                "the body is Markdown text in UTF-8, such as `mirage plan --format markdown` prints",
            ),
        )
    };
    let mut bytes = Vec::new();
    let what = match file {
        Some(path) if path != Path::new("-") => {
            let file = std::fs::File::open(path)
                .map_err(|error| bad(format!("cannot read `{}`: {error}", path.display())))?;
            file.take(MAX_INPUT_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|error| bad(format!("cannot read `{}`: {error}", path.display())))?;
            format!("`{}`", path.display())
        }
        _ => {
            let stdin = std::io::stdin();
            if file.is_none() && stdin.is_terminal() {
                return Err(Failure::usage(
                    Diagnostic::general(
                        "mirage::comment::no_body",
                        "no body: standard input is a terminal and `--body-file` is not given",
                    )
                    .with_help("pipe the text in (`mirage plan --format markdown | mirage comment --key plan`) or pass `--body-file FILE`"),
                ));
            }
            stdin
                .lock()
                .take(MAX_INPUT_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|error| bad(format!("cannot read standard input: {error}")))?;
            "standard input".to_owned()
        }
    };
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(bad(format!(
            "{what} has more than {} MiB; a comment holds 65,536 characters",
            MAX_INPUT_BYTES / (1024 * 1024)
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| bad(format!("{what} is not UTF-8 text")))?;
    if text.trim().is_empty() {
        return Err(Failure::error(
            "mirage::comment::empty_body",
            format!("the body ({what}) is empty; an empty comment is refused rather than posted"),
            Some(
                "check the command piped in: it printed nothing (did it fail? use `set -o pipefail`); `--delete` removes the comment",
            ),
        ));
    }
    Ok(text)
}
