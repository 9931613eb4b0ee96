//! Keyed digests of secret values: how a plan tells a rotated secret from
//! an unchanged one without keeping either value. A digest is
//! HMAC-SHA256 under a per-project key (32 random bytes kept in the state
//! database), never a plain hash, so a digest alone says nothing about a
//! value without the key; digests are compared in constant time and never
//! printed or serialised.

use std::fmt;

use hmac::{KeyInit, Mac};
use zeroize::Zeroizing;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The bytes of a key.
pub const KEY_LEN: usize = 32;

/// A project's digest key: 32 random bytes, zeroed when dropped; its
/// `Debug` shows nothing of it.
#[derive(Clone)]
pub struct DigestKey(Zeroizing<[u8; KEY_LEN]>);

impl DigestKey {
    /// A new random key (`aws_lc_rs::rand`); `None` when the system's
    /// random source fails.
    pub fn generate() -> Option<DigestKey> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        aws_lc_rs::rand::fill(bytes.as_mut()).ok()?;
        Some(DigestKey(bytes))
    }

    /// A key from its bytes (as stored).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> DigestKey {
        DigestKey(Zeroizing::new(bytes))
    }

    /// A key from its stored hex text; `None` when malformed.
    pub fn from_hex(text: &str) -> Option<DigestKey> {
        let bytes = from_hex(text)?;
        let bytes: [u8; KEY_LEN] = bytes.as_slice().try_into().ok()?;
        Some(DigestKey::from_bytes(bytes))
    }

    /// The key as hex text, to store it.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(to_hex(self.0.as_ref()))
    }

    /// A key that lives only as long as this process: what a plan without
    /// a state database compares with (desired and actual values are
    /// hashed under the same key, so rotation is still detected).
    pub fn ephemeral() -> DigestKey {
        DigestKey::generate().unwrap_or_else(|| {
            // No random source: still a key no file or database holds.
            let mut bytes = [0u8; KEY_LEN];
            for chunk in bytes.chunks_mut(8) {
                chunk.copy_from_slice(&fastrand::u64(..).to_le_bytes());
            }
            DigestKey::from_bytes(bytes)
        })
    }
}

impl fmt::Debug for DigestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DigestKey(<redacted>)")
    }
}

/// The keyed digest of one value: no `Display`, a `Debug` that shows
/// nothing of it, compared in constant time.
#[derive(Clone)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The digest as hex text, to store it in the state database.
    pub fn to_hex(&self) -> String {
        to_hex(&self.0)
    }

    /// A digest from its stored hex text; `None` when malformed.
    pub fn from_hex(text: &str) -> Option<Digest> {
        let bytes = from_hex(text)?;
        Some(Digest(bytes.as_slice().try_into().ok()?))
    }
}

impl PartialEq for Digest {
    fn eq(&self, other: &Digest) -> bool {
        // Constant time: every byte is looked at whatever differs.
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl Eq for Digest {}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Digest(<redacted>)")
    }
}

/// HMAC-SHA256 of `value` under `key`.
pub fn digest(key: &DigestKey, value: &str) -> Digest {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key.0.as_ref())
        .expect("HMAC takes a key of any length");
    mac.update(value.as_bytes());
    let out = mac.finalize().into_bytes();
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&out);
    Digest(bytes)
}

fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_same_key_same_digest_and_keys_matter() {
        let key = DigestKey::generate().expect("random");
        let other = DigestKey::generate().expect("random");
        assert_eq!(digest(&key, "hunter2"), digest(&key, "hunter2"));
        assert_ne!(digest(&key, "hunter2"), digest(&key, "hunter3"));
        assert_ne!(digest(&key, "hunter2"), digest(&other, "hunter2"));
    }

    #[test]
    fn debug_shows_nothing_and_hex_round_trips() {
        let key = DigestKey::generate().expect("random");
        let d = digest(&key, "hunter2");
        assert_eq!(format!("{d:?}"), "Digest(<redacted>)");
        assert_eq!(format!("{key:?}"), "DigestKey(<redacted>)");
        assert_eq!(Digest::from_hex(&d.to_hex()), Some(d));
        let again = DigestKey::from_hex(&key.to_hex()).expect("hex");
        assert_eq!(digest(&again, "x"), digest(&key, "x"));
        assert!(Digest::from_hex("zz").is_none());
        assert!(DigestKey::from_hex("00").is_none());
    }

    #[test]
    fn known_answer_rfc_4231_case_2() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            to_hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
