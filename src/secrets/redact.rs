//! Redaction: every secret value Mirage reads is remembered for the life
//! of the process, and every text that leaves Mirage from a place where a
//! value could slip in (errors quoted from Railway or a provider, log
//! lines, panics) goes through [`redact`], which replaces each remembered
//! value with `(sensitive)`. Values are kept zeroed-on-drop and never
//! printed; very short values (under 4 characters) are not redacted, as
//! they would blank out ordinary words.

use std::borrow::Cow;
use std::sync::RwLock;

use zeroize::Zeroizing;

use super::SecretString;

/// What a redacted value is replaced with.
pub const MARK: &str = "(sensitive)";
/// Values shorter than this are not redacted.
const SHORTEST: usize = 4;

static KNOWN: RwLock<Vec<Zeroizing<String>>> = RwLock::new(Vec::new());

/// Remembers `value` so [`redact`] removes it from every later text.
pub fn remember(value: &SecretString) {
    let value = value.expose();
    if value.len() < SHORTEST {
        return;
    }
    let Ok(mut known) = KNOWN.write() else {
        return;
    };
    if known.iter().any(|k| k.as_str() == value) {
        return;
    }
    known.push(Zeroizing::new(value.to_owned()));
    // Longest first, so a secret containing another is removed whole.
    known.sort_by_key(|k| std::cmp::Reverse(k.len()));
}

/// `text` with every remembered secret replaced by `(sensitive)`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let Ok(known) = KNOWN.read() else {
        return Cow::Borrowed(text);
    };
    let mut out = Cow::Borrowed(text);
    for secret in known.iter() {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), MARK));
        }
    }
    out
}

/// Installs a panic hook that redacts the panic's message before the
/// default hook prints it.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned());
        match message {
            Some(message) if redact(&message) != message => {
                let location = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                eprintln!("mirage panicked{location}: {}", redact(&message));
            }
            _ => default(info),
        }
    }));
}

/// Replaces a fixed set of secrets in texts (the secrets of one project,
/// for `mirage serve`'s job errors and log lines, which must not depend on
/// what else the process read).
#[derive(Clone, Default)]
pub struct Redactor(Vec<Zeroizing<String>>);

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.0.len())
    }
}

impl Redactor {
    /// A redactor of `secrets` (empty and very short ones are skipped).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut secrets: Vec<Zeroizing<String>> = secrets
            .into_iter()
            .filter(|s| s.len() >= SHORTEST)
            .map(Zeroizing::new)
            .collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor(secrets)
    }

    /// `text` without the secrets.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.0 {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), MARK);
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_longest_first() {
        let redactor = Redactor::new(["abcd".to_owned(), "abcdefgh".to_owned(), "x".to_owned()]);
        assert_eq!(
            redactor.redact("token abcdefgh and abcd, x"),
            "token (sensitive) and (sensitive), x"
        );
        assert_eq!(format!("{redactor:?}"), "Redactor(2 secrets)");
    }

    #[test]
    fn remembered_values_leave_every_text() {
        remember(&SecretString::new("zq-remembered-value-1".into()));
        remember(&SecretString::new("ab".into()));
        assert_eq!(
            redact("error: zq-remembered-value-1 was refused (ab)"),
            "error: (sensitive) was refused (ab)"
        );
        assert!(matches!(redact("nothing here"), Cow::Borrowed(_)));
    }
}
