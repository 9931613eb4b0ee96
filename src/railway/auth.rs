//! Credentials and endpoint, read the way the official CLI reads them.

use std::fmt;

use super::error::RailwayError;
use super::stored::{Stored, StoredError, StoredIn};

/// Railway's public GraphQL endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://backboard.railway.com/graphql/v2";

/// A secret token. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token.
    pub fn new(secret: impl Into<String>) -> Self {
        Token(secret.into())
    }

    /// The secret itself, for the one place that puts it in a header.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How requests authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// An account, workspace or OAuth token: `Authorization: Bearer …`.
    Account(Token),
    /// A project token, scoped to one environment of one project:
    /// `project-access-token: …`.
    Project(Token),
}

impl Credentials {
    /// Reads `RAILWAY_TOKEN` (project token) and `RAILWAY_API_TOKEN`
    /// (account token); the project token wins when both are set, as in the
    /// CLI. Empty values count as unset. Variables only: commands take
    /// their token from [`discover`], which adds `mirage login`'s.
    pub fn from_env() -> Option<Credentials> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Credentials::from_env`] over any variable source (for tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<Credentials> {
        let read = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        if let Some(token) = read("RAILWAY_TOKEN") {
            return Some(Credentials::Project(Token::new(token.trim())));
        }
        read("RAILWAY_API_TOKEN").map(|token| Credentials::Account(Token::new(token.trim())))
    }

    /// The header name and value that carry these credentials.
    pub(crate) fn header(&self) -> (&'static str, String) {
        match self {
            Credentials::Account(token) => ("authorization", format!("Bearer {}", token.expose())),
            Credentials::Project(token) => ("project-access-token", token.expose().to_owned()),
        }
    }
}

/// Where the token a command uses came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenSource {
    /// `RAILWAY_TOKEN`: a project token.
    ProjectVar,
    /// `RAILWAY_API_TOKEN`: an account or workspace token.
    ApiVar,
    /// The token `mirage login` stored, and where.
    Login(StoredIn),
}

impl TokenSource {
    /// "`RAILWAY_API_TOKEN`", "`mirage login` (the macOS Keychain)".
    pub fn describe(&self) -> String {
        match self {
            TokenSource::ProjectVar => "the `RAILWAY_TOKEN` environment variable".to_owned(),
            TokenSource::ApiVar => "the `RAILWAY_API_TOKEN` environment variable".to_owned(),
            TokenSource::Login(place) => format!("`mirage login`, kept in {place}"),
        }
    }

    /// A stable name for JSON: `RAILWAY_TOKEN`, `RAILWAY_API_TOKEN`,
    /// `keyring`, `file`.
    pub fn key(&self) -> &'static str {
        match self {
            TokenSource::ProjectVar => "RAILWAY_TOKEN",
            TokenSource::ApiVar => "RAILWAY_API_TOKEN",
            TokenSource::Login(StoredIn::Keyring(_)) => "keyring",
            TokenSource::Login(StoredIn::File(_)) => "file",
        }
    }
}

/// The precedence every command follows, first wins, for messages and
/// `mirage whoami`.
pub const PRECEDENCE: &str = "`RAILWAY_TOKEN` (project token), then `RAILWAY_API_TOKEN` (account or workspace token), then the token `mirage login` stored (OS keyring, then the credentials file)";

/// The tokens a command can see, in precedence order.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Every token found, best first; the first is the one used.
    pub found: Vec<(Credentials, TokenSource)>,
    /// Why the stored token could not be read, when it could not.
    pub problem: Option<StoredError>,
}

impl Discovery {
    /// The token used, if any.
    pub fn chosen(&self) -> Option<&(Credentials, TokenSource)> {
        self.found.first()
    }

    /// The credentials used, if any.
    pub fn into_credentials(self) -> Option<Credentials> {
        self.found
            .into_iter()
            .next()
            .map(|(credentials, _)| credentials)
    }
}

/// The one token precedence of every command: `RAILWAY_TOKEN` (project
/// token) > `RAILWAY_API_TOKEN` > the token `mirage login` stored (the OS
/// keyring, then the credentials file). The stored token is read only
/// when no variable is set, unless `all` asks for every source (for
/// `mirage whoami`, which says which tokens the winner hides).
pub fn discover(all: bool) -> Discovery {
    discover_with(|name| std::env::var(name).ok(), all, super::stored::load)
}

/// [`discover`] over any variable source and store (for tests).
pub fn discover_with(
    lookup: impl Fn(&str) -> Option<String>,
    all: bool,
    load: impl FnOnce() -> Result<Option<Stored>, StoredError>,
) -> Discovery {
    let read = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    let mut discovery = Discovery::default();
    if let Some(token) = read("RAILWAY_TOKEN") {
        discovery.found.push((
            Credentials::Project(Token::new(token.trim())),
            TokenSource::ProjectVar,
        ));
    }
    if let Some(token) = read("RAILWAY_API_TOKEN") {
        discovery.found.push((
            Credentials::Account(Token::new(token.trim())),
            TokenSource::ApiVar,
        ));
    }
    if discovery.found.is_empty() || all {
        match load() {
            Ok(Some(stored)) => discovery
                .found
                .push((stored.credentials, TokenSource::Login(stored.place))),
            Ok(None) => {}
            Err(problem) => discovery.problem = Some(problem),
        }
    }
    discovery
}

/// The variable that points Mirage at another GraphQL endpoint.
pub const ENDPOINT_ENV_VAR: &str = "MIRAGE_RAILWAY_URL";

/// The endpoint: `MIRAGE_RAILWAY_URL` when set, else [`DEFAULT_ENDPOINT`].
pub fn endpoint_from_env() -> String {
    std::env::var(ENDPOINT_ENV_VAR)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned())
}

/// Checks `endpoint` and adds `source=mirage` to its query string: Railway's
/// edge throttles "unidentified" traffic without a query string to 10 req/s
/// (API-NOTES §1, the Terraform provider's workaround).
pub fn identified_url(endpoint: &str) -> Result<reqwest::Url, RailwayError> {
    let bad = |reason: &str| RailwayError::BadEndpoint {
        endpoint: endpoint.to_owned(),
        reason: reason.to_owned(),
    };
    let mut url = reqwest::Url::parse(endpoint.trim()).map_err(|error| bad(&error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be `http` or `https`"));
    }
    if !url.query_pairs().any(|(key, _)| key == "source") {
        url.query_pairs_mut().append_pair("source", "mirage");
    }
    Ok(url)
}

/// The websocket URL for subscriptions: same host, path and query, `ws(s)`.
pub fn websocket_url(http: &reqwest::Url) -> String {
    let rest = &http.as_str()[http.scheme().len()..];
    let scheme = if http.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> Result<Option<Stored>, StoredError> {
        Ok(Some(Stored {
            credentials: Credentials::Account(Token::new("kept")),
            place: StoredIn::File("/home/u/.config/mirage/credentials.json".into()),
        }))
    }

    fn vars(set: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let set: Vec<(String, String)> = set
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| set.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn the_project_token_beats_the_api_token_which_beats_the_stored_one() {
        let all = discover_with(
            vars(&[("RAILWAY_TOKEN", "p"), ("RAILWAY_API_TOKEN", "a")]),
            true,
            stored,
        );
        let sources: Vec<&TokenSource> = all.found.iter().map(|(_, s)| s).collect();
        assert_eq!(sources[0], &TokenSource::ProjectVar);
        assert_eq!(sources[1], &TokenSource::ApiVar);
        assert!(matches!(sources[2], TokenSource::Login(StoredIn::File(_))));
        assert_eq!(
            all.into_credentials(),
            Some(Credentials::Project(Token::new("p")))
        );
        let api = discover_with(vars(&[("RAILWAY_API_TOKEN", " a ")]), false, stored);
        assert_eq!(
            api.into_credentials(),
            Some(Credentials::Account(Token::new("a")))
        );
        let none = discover_with(vars(&[("RAILWAY_API_TOKEN", "  ")]), false, stored);
        assert_eq!(
            none.chosen().map(|(_, s)| s.key()),
            Some("file"),
            "an empty variable counts as unset"
        );
    }

    #[test]
    fn the_store_is_not_read_when_a_variable_wins_unless_all_are_asked() {
        let discovery = discover_with(vars(&[("RAILWAY_API_TOKEN", "a")]), false, || {
            panic!("the keyring is not asked when a variable is set")
        });
        assert_eq!(discovery.found.len(), 1);
        let broken = discover_with(vars(&[]), false, || Err(StoredError::NoConfigDir));
        assert!(broken.chosen().is_none());
        assert!(broken.problem.is_some());
    }
}
