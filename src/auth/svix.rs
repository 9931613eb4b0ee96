//! Svix signatures, as Clerk's webhooks carry them (and every sender of
//! "Standard Webhooks"): `svix-id`, `svix-timestamp` (Unix seconds) and
//! `svix-signature`, a space-separated list of `v1,<base64>` where each
//! signature is base64(HMAC-SHA256(key, "{id}.{timestamp}.{raw body}")) and
//! the key is the base64-decoded part of the `whsec_…` secret. Sources:
//! svix-docs `receiving/verifying-payloads/how-manual.mdx` and svix-webhooks'
//! `python/tests/test_webhooks.py` (`../shared/fixtures/WEBHOOK-SOURCES.md`).
//!
//! A delivery is accepted when any `v1` signature matches (compared in
//! constant time) and its timestamp is within [`TOLERANCE_SECONDS`] of now,
//! either way, so a captured delivery cannot be replayed later; within the
//! window, the `svix-id` is what a [`super::ReplayGuard`] remembers.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};

use super::error::WebhookError;
use crate::state::Timestamp;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// How far a delivery's timestamp may be from now, in seconds, either way
/// (Svix's libraries use five minutes).
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

/// The headers, under the `svix-` prefix and the Standard Webhooks
/// `webhook-` prefix white-labelled senders use.
const PREFIXES: [&str; 2] = ["svix-", "webhook-"];

/// At most this many signatures are looked at in one header (a sender
/// lists one per active secret while rotating: a handful).
const MAX_SIGNATURES: usize = 16;

/// A Svix signing secret (`whsec_…`). `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SvixSecret(Vec<u8>);

impl SvixSecret {
    /// Reads a secret as Clerk's dashboard shows it (`whsec_` and base64),
    /// or its base64 part alone, as Svix's libraries accept.
    pub fn new(secret: &str) -> Result<SvixSecret, WebhookError> {
        let encoded = secret.trim();
        let encoded = encoded.strip_prefix("whsec_").unwrap_or(encoded);
        if encoded.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| WebhookError::BadSecret)?;
        if key.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        Ok(SvixSecret(key))
    }

    fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
        let mut mac = match HmacSha256::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `svix-signature` value a sender would put on `body`: for tests
    /// and tools that replay deliveries.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self
            .mac(id, &timestamp.to_string(), body)
            .finalize()
            .into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }
}

impl fmt::Debug for SvixSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SvixSecret(<redacted>)")
    }
}

impl fmt::Display for SvixSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A delivery whose signature and timestamp were verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SvixDelivery {
    /// `svix-id`: the message id, the same on every retry of it.
    pub id: String,
    /// `svix-timestamp`.
    pub timestamp: Timestamp,
}

/// Checks a delivery's signature over the raw `body`, then its timestamp
/// against `now`. `header` looks a header up by its lowercase name.
pub fn verify_svix<'h>(
    header: impl Fn(&str) -> Option<&'h str>,
    body: &[u8],
    secret: &SvixSecret,
    now: Timestamp,
) -> Result<SvixDelivery, WebhookError> {
    let find = |name: &'static str| {
        PREFIXES
            .iter()
            .find_map(|prefix| header(&format!("{prefix}{name}")))
            .map(str::trim)
    };
    let id = find("id")
        .filter(|id| !id.is_empty())
        .ok_or(WebhookError::BadHeader {
            header: "svix-id",
            problem: "missing",
        })?;
    if id.len() > 200 || id.chars().any(|c| c.is_control() || c == '.') {
        return Err(WebhookError::BadHeader {
            header: "svix-id",
            problem: "not a message id",
        });
    }
    let stamp = find("timestamp").ok_or(WebhookError::BadHeader {
        header: "svix-timestamp",
        problem: "missing",
    })?;
    let seconds: i64 = stamp
        .parse()
        .ok()
        .filter(|_| stamp.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(WebhookError::BadHeader {
            header: "svix-timestamp",
            problem: "not Unix seconds",
        })?;
    let signatures = find("signature").ok_or(WebhookError::SvixSignatureMissing)?;
    let mut well_formed = false;
    for entry in signatures.split_ascii_whitespace().take(MAX_SIGNATURES) {
        let Some(("v1", encoded)) = entry.split_once(',') else {
            continue;
        };
        let Ok(tag) = STANDARD.decode(encoded) else {
            continue;
        };
        if tag.len() != 32 {
            continue;
        }
        well_formed = true;
        if secret.mac(id, stamp, body).verify_slice(&tag).is_ok() {
            let skew = now.0.saturating_sub(seconds);
            if skew.abs() > TOLERANCE_SECONDS {
                return Err(WebhookError::Stale {
                    seconds: skew,
                    tolerance: TOLERANCE_SECONDS,
                });
            }
            return Ok(SvixDelivery {
                id: id.to_owned(),
                timestamp: Timestamp(seconds),
            });
        }
    }
    Err(if well_formed {
        WebhookError::SvixSignatureMismatch
    } else {
        WebhookError::SvixSignatureMalformed
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The vectors of `../shared/fixtures/clerk/clerk-svix-test-vectors.json`
    /// (svix-webhooks' Python tests and svix-docs), copied so the unit
    /// tests run from a fresh clone.
    const VECTORS: [(&str, &str, i64, &str, &str); 2] = [
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            "{\"test\": 2432232314}",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
        (
            "whsec_plJ3nmyCDGBKInavdOK15jsl",
            "msg_loFOjxBNrRLzqYUf",
            1731705121,
            "{\"event_type\":\"ping\",\"data\":{\"success\":true}}",
            "v1,rAvfW3dJ/X/qxhsaXPOyyCGmRKsaKWcsNccKXlIktD0=",
        ),
    ];

    fn verify(
        headers: &[(&str, &str)],
        body: &str,
        secret: &str,
        now_seconds: i64,
    ) -> Result<SvixDelivery, WebhookError> {
        let map: HashMap<String, String> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        verify_svix(
            |name| map.get(name).map(String::as_str),
            body.as_bytes(),
            &SvixSecret::new(secret).unwrap(),
            Timestamp(now_seconds),
        )
    }

    #[test]
    fn the_published_vectors_verify_and_sign() {
        for (secret, id, ts, body, signature) in VECTORS {
            let stamp = ts.to_string();
            let headers = [
                ("svix-id", id),
                ("svix-timestamp", stamp.as_str()),
                ("svix-signature", signature),
            ];
            let delivery = verify(&headers, body, secret, ts + 10).unwrap();
            assert_eq!(delivery.id, id);
            assert_eq!(delivery.timestamp, Timestamp(ts));
            let key = SvixSecret::new(secret).unwrap();
            assert_eq!(key.sign(id, ts, body.as_bytes()), signature);
            // The secret without its prefix, and Standard Webhooks' headers.
            let bare = secret.trim_start_matches("whsec_");
            let standard = [
                ("webhook-id", id),
                ("webhook-timestamp", stamp.as_str()),
                ("webhook-signature", signature),
            ];
            assert!(verify(&standard, body, bare, ts).is_ok());
        }
    }

    #[test]
    fn forged_and_stale_deliveries_are_refused() {
        let (secret, id, ts, body, signature) = VECTORS[0];
        let stamp = ts.to_string();
        let with = |signature: &'static str| {
            [
                ("svix-id", id),
                ("svix-timestamp", "1614265330"),
                ("svix-signature", signature),
            ]
        };
        // The negative vector of svix-webhooks' tests: last character off.
        let negative = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=";
        assert_eq!(
            verify(&with(negative), body, secret, ts),
            Err(WebhookError::SvixSignatureMismatch)
        );
        // One byte of the body changed.
        assert_eq!(
            verify(&with(signature), "{\"test\": 2432232315}", secret, ts),
            Err(WebhookError::SvixSignatureMismatch)
        );
        // The wrong secret.
        assert_eq!(
            verify(&with(signature), body, "whsec_plJ3nmyCDGBKInavdOK15jsl", ts),
            Err(WebhookError::SvixSignatureMismatch)
        );
        // Truncated, another version only, garbage.
        for bad in [
            "v1,g0hM9SsE+OTPJTGt",
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "v1,!!!",
            "",
        ] {
            assert_eq!(
                verify(&with(bad), body, secret, ts),
                Err(WebhookError::SvixSignatureMalformed),
                "{bad}"
            );
        }
        // Any matching `v1` of several is enough (a secret being rotated).
        let several = "v2,MzJsNDk4MzI0K2VvdSMjMTEjQEBAQDEyMzMzMzEyMwo= v1,bm9ldHUjKzFob2VudXRob2VodWUzMjRvdWVvdW9ldQo= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        assert!(verify(&with(several), body, secret, ts).is_ok());
        // Five minutes either way, and no more.
        for (now, ok) in [
            (ts + 300, true),
            (ts - 300, true),
            (ts + 301, false),
            (ts - 301, false),
        ] {
            let result = verify(&with(signature), body, secret, now);
            assert_eq!(result.is_ok(), ok, "now = ts {:+}", now - ts);
            if !ok {
                assert!(matches!(result, Err(WebhookError::Stale { .. })));
            }
        }
        // Missing or malformed headers.
        let missing_id = [
            ("svix-timestamp", stamp.as_str()),
            ("svix-signature", signature),
        ];
        assert!(matches!(
            verify(&missing_id, body, secret, ts),
            Err(WebhookError::BadHeader {
                header: "svix-id",
                ..
            })
        ));
        let words = [
            ("svix-id", id),
            ("svix-timestamp", "soon"),
            ("svix-signature", signature),
        ];
        assert!(matches!(
            verify(&words, body, secret, ts),
            Err(WebhookError::BadHeader {
                header: "svix-timestamp",
                ..
            })
        ));
        let unsigned = [("svix-id", id), ("svix-timestamp", stamp.as_str())];
        assert_eq!(
            verify(&unsigned, body, secret, ts),
            Err(WebhookError::SvixSignatureMissing)
        );
    }

    #[test]
    fn a_delivery_signed_now_verifies_by_the_real_clock() {
        // Timestamps are whole seconds (`state::Timestamp`), as Svix's are.
        let (secret, id, _, body, _) = VECTORS[0];
        let now = Timestamp::now();
        let signature = SvixSecret::new(secret)
            .unwrap()
            .sign(id, now.0, body.as_bytes());
        let stamp = now.0.to_string();
        let headers = [
            ("svix-id", id),
            ("svix-timestamp", stamp.as_str()),
            ("svix-signature", signature.as_str()),
        ];
        assert_eq!(
            verify(&headers, body, secret, now.0).unwrap().timestamp,
            now
        );
    }

    #[test]
    fn secrets_do_not_print_and_must_be_base64() {
        let secret = SvixSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            format!("{secret:?} {secret}"),
            "SvixSecret(<redacted>) <redacted>"
        );
        assert_eq!(SvixSecret::new("whsec_"), Err(WebhookError::EmptySecret));
        assert_eq!(
            SvixSecret::new("whsec_not base64!"),
            Err(WebhookError::BadSecret)
        );
    }
}
