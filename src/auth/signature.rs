//! `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the raw body
//! keyed with the webhook secret (GitHub docs: "Validating webhook
//! deliveries"), compared in constant time.

use std::fmt;

use hmac::{KeyInit, Mac};

use super::error::WebhookError;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The header GitHub signs deliveries in.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// A webhook secret. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// Wraps a secret; an empty one is refused (GitHub signs nothing then).
    /// The secret is used byte for byte as GitHub does: no trimming.
    pub fn new(secret: impl Into<Vec<u8>>) -> Result<WebhookSecret, WebhookError> {
        let secret = secret.into();
        if secret.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        Ok(WebhookSecret(secret))
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length; this cannot fail.
        match HmacSha256::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        }
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl fmt::Display for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The header value GitHub would send for `body` (`sha256=…`): for tests
/// and tools that replay deliveries.
pub fn sign_body(secret: &WebhookSecret, body: &[u8]) -> String {
    let mut mac = secret.mac();
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + tag.len() * 2);
    hex.push_str("sha256=");
    for byte in tag {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Checks `header` (the `X-Hub-Signature-256` value, if any) against
/// `body`. A signature of the wrong length (truncated) is malformed; the
/// comparison of a well-formed one takes the same time wherever it differs.
pub fn verify_signature(
    secret: &WebhookSecret,
    header: Option<&str>,
    body: &[u8],
) -> Result<(), WebhookError> {
    let header = header.ok_or(WebhookError::SignatureMissing)?;
    let hex = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(WebhookError::SignatureMalformed)?;
    let tag = decode_hex(hex).ok_or(WebhookError::SignatureMalformed)?;
    if tag.len() != 32 {
        return Err(WebhookError::SignatureMalformed);
    }
    let mut mac = secret.mac();
    mac.update(body);
    mac.verify_slice(&tag)
        .map_err(|_| WebhookError::SignatureMismatch)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn githubs_documented_example() {
        // GitHub docs, "Validating webhook deliveries", "Testing the webhook
        // payload validation": secret "It's a Secret to Everybody", payload
        // "Hello, World!".
        let secret = WebhookSecret::new("It's a Secret to Everybody").unwrap();
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(sign_body(&secret, b"Hello, World!"), expected);
        assert_eq!(
            verify_signature(&secret, Some(expected), b"Hello, World!"),
            Ok(())
        );
        let upper = format!("sha256={}", expected[7..].to_ascii_uppercase());
        assert_eq!(
            verify_signature(&secret, Some(&upper), b"Hello, World!"),
            Ok(())
        );
    }

    #[test]
    fn secrets_do_not_print_and_cannot_be_empty() {
        let secret = WebhookSecret::new("hunter2").unwrap();
        assert_eq!(
            format!("{secret:?} {secret}"),
            "WebhookSecret(<redacted>) <redacted>"
        );
        assert_eq!(WebhookSecret::new(""), Err(WebhookError::EmptySecret));
    }

    #[test]
    fn hex_is_strict() {
        assert_eq!(decode_hex("0aFf"), Some(vec![0x0a, 0xff]));
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex("+1"), None);
    }
}
