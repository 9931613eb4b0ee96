//! GitHub failures, classified so callers know whether to wait, fix a
//! credential or read back before writing again.

use std::time::Duration;

/// Which of GitHub's rate limits answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitKind {
    /// The hourly budget (`x-ratelimit-remaining: 0`, until
    /// `x-ratelimit-reset`).
    Primary,
    /// A secondary (abuse) limit: `retry-after`, or GitHub's message alone.
    Secondary,
}

/// A failed GitHub request.
///
/// Messages never contain a token, a key or a JWT; GitHub's own `message`
/// is passed through as it stands.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum GithubError {
    /// The API base URL is not usable.
    #[error("the GitHub API URL `{url}` is not a valid http(s) URL: {reason}")]
    #[diagnostic(
        code(mirage::github::bad_url),
        help(
            "use `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server"
        )
    )]
    BadUrl {
        /// The URL as configured.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// An argument cannot name a GitHub object (a repository written
    /// without its owner, a marker that would not stay hidden).
    #[error("{message}")]
    #[diagnostic(
        code(mirage::github::bad_argument),
        help("repositories are written `OWNER/NAME`; markers are short single-line labels")
    )]
    BadArgument {
        /// What is wrong, with the value in backticks.
        message: String,
    },
    /// The GitHub App's private key cannot be read.
    #[error("the GitHub App private key cannot be used: {reason}")]
    #[diagnostic(
        code(mirage::github::bad_key),
        help(
            "pass the `.pem` file GitHub generated for the App (\"Private keys\" on the App's settings page), unchanged"
        )
    )]
    BadKey {
        /// Why (never the key itself).
        reason: String,
    },
    /// GitHub rejected the credentials (HTTP 401).
    #[error("GitHub rejected the credentials ({message})")]
    #[diagnostic(
        code(mirage::github::unauthorized),
        help(
            "check the token (or the App id, installation id and private key) and that it has not expired or been revoked"
        )
    )]
    Unauthorized {
        /// GitHub's message.
        message: String,
    },
    /// The credentials lack a permission (HTTP 403 that is not a rate limit).
    #[error("GitHub refused the request ({message})")]
    #[diagnostic(
        code(mirage::github::forbidden),
        help(
            "give the token or the App `issues: write` and `pull_requests: write` on the repository"
        )
    )]
    Forbidden {
        /// GitHub's message.
        message: String,
    },
    /// The object does not exist, or the credentials cannot see it.
    #[error("not found on GitHub: `{path}` ({message})")]
    #[diagnostic(
        code(mirage::github::not_found),
        help(
            "check the repository and number; GitHub also answers 404 when the credentials cannot see a private repository"
        )
    )]
    NotFound {
        /// The path asked for.
        path: String,
        /// GitHub's message.
        message: String,
    },
    /// GitHub refused the request as invalid (HTTP 400 or 422).
    #[error("GitHub rejected the request as invalid (HTTP {status}): {message}")]
    #[diagnostic(
        code(mirage::github::invalid),
        help("a comment body is limited to 65,536 characters; check what was sent")
    )]
    Invalid {
        /// The HTTP status.
        status: u16,
        /// GitHub's message and error details.
        message: String,
    },
    /// A rate limit answered and the wait it asks for is longer than the
    /// client may wait (or retries were used up).
    #[error("GitHub's {} rate limit was reached{}: {message}", kind_name(.kind), wait_suffix(.wait))]
    #[diagnostic(
        code(mirage::github::rate_limited),
        help(
            "wait and run again; a GitHub App installation has a higher limit than a personal token"
        )
    )]
    RateLimited {
        /// Which limit.
        kind: RateLimitKind,
        /// How long GitHub asked to wait, when it said.
        wait: Option<Duration>,
        /// GitHub's message.
        message: String,
    },
    /// The network, a timeout or a 5xx failed.
    #[error("GitHub could not be reached: {message}")]
    #[diagnostic(
        code(mirage::github::transient),
        help("try again later; https://www.githubstatus.com tells whether GitHub is degraded")
    )]
    Transient {
        /// What failed.
        message: String,
        /// HTTP status, when a response came back.
        status: Option<u16>,
        /// Whether the request may have reached GitHub: false only when the
        /// connection could not be opened. A write that may have reached it
        /// has an unknown outcome.
        sent: bool,
    },
    /// GitHub answered something this client does not understand.
    #[error("GitHub answered unexpectedly: {message}")]
    #[diagnostic(
        code(mirage::github::unexpected),
        help("check the API URL; for GitHub Enterprise Server it ends in `/api/v3`")
    )]
    Unexpected {
        /// What was unexpected.
        message: String,
    },
}

fn kind_name(kind: &RateLimitKind) -> &'static str {
    match kind {
        RateLimitKind::Primary => "primary",
        RateLimitKind::Secondary => "secondary",
    }
}

fn wait_suffix(wait: &Option<Duration>) -> String {
    match wait {
        Some(wait) => format!(" (it asks to wait {} s)", wait.as_secs_f64().ceil()),
        None => String::new(),
    }
}

impl GithubError {
    /// Whether a write that failed this way may nevertheless have been
    /// carried out (sent, and no answer that says otherwise came back).
    /// Sending it again could do it twice: read back first.
    pub fn may_have_happened(&self) -> bool {
        matches!(self, Self::Transient { sent: true, .. })
    }

    /// Whether this is GitHub's 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}
