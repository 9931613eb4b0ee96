//! How requests authenticate: a token, or a GitHub App whose JWT is traded
//! for installation tokens. Nothing here can be printed.

use std::fmt;

use super::error::GithubError;

/// A secret token (a personal or Actions token, an installation token).
/// `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token (surrounding whitespace, such as the newline of a
    /// secret file, is dropped).
    pub fn new(secret: impl Into<String>) -> Self {
        Token(secret.into().trim().to_owned())
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

/// A GitHub App's RSA private key, read once from its PEM. `Debug` never
/// shows it.
#[derive(Clone)]
pub struct AppKey(jsonwebtoken::EncodingKey);

impl AppKey {
    /// Reads the PEM GitHub generates (`-----BEGIN RSA PRIVATE KEY-----`,
    /// PKCS#1) or its PKCS#8 form.
    /// The key is tried once here, so a public key or a damaged one is
    /// refused now rather than at the first request.
    pub fn from_pem(pem: &[u8]) -> Result<AppKey, GithubError> {
        // jsonwebtoken's messages name the PEM problem, never bytes.
        let bad = |error: jsonwebtoken::errors::Error| GithubError::BadKey {
            reason: format!("not an RSA private key in PEM form ({error})"),
        };
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem).map_err(bad)?;
        // `from_rsa_pem` also takes an RSA *public* key; only signing tells.
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        jsonwebtoken::encode(&header, &serde_json::json!({}), &key).map_err(bad)?;
        Ok(AppKey(key))
    }

    pub(crate) fn encoding_key(&self) -> &jsonwebtoken::EncodingKey {
        &self.0
    }
}

impl fmt::Debug for AppKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppKey(<redacted>)")
    }
}

/// A GitHub App installation to act as.
#[derive(Clone, Debug)]
pub struct App {
    /// The JWT's issuer: the App's client id (`Iv1.…`, what GitHub
    /// recommends) or its numeric App id.
    pub issuer: String,
    /// The installation on the account that owns the repositories.
    pub installation_id: u64,
    /// The App's private key.
    pub key: AppKey,
}

/// How a [`super::Client`] authenticates.
#[derive(Clone, Debug, Default)]
pub enum Auth {
    /// No credentials (public reads only, 60 requests an hour).
    #[default]
    Anonymous,
    /// A token sent as `Authorization: Bearer …` (`GITHUB_TOKEN` in
    /// Actions, a fine-grained or classic personal token).
    Token(Token),
    /// A GitHub App installation: a JWT signed with the App's key is traded
    /// for an installation token, cached until shortly before it expires.
    App(App),
}
