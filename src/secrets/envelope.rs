//! Envelope encryption of the secrets `mirage serve` keeps (Railway tokens
//! per project or user): each secret is encrypted with a data key of its
//! own (AES-256-GCM, random 96-bit nonce), and the data key is encrypted
//! ("wrapped") with a master key that never touches the database. The
//! sealed text names the master key by a fingerprint, so a keyring holding
//! the new key and the previous ones opens everything while
//! [`Keyring::reseal`] moves secrets to the new key: rotation without
//! downtime.
//!
//! AES-256-GCM from aws-lc-rs (AWS-LC, FIPS-validated, and already the
//! crypto provider of the TLS stack Mirage links, so no new crypto code
//! enters the build). Each seal binds a *context* (e.g.
//! `railway-token/project/shop`) as additional authenticated data: a
//! sealed value copied to another row does not open there.
//!
//! The sealed form is text, for any database column:
//! `mirage-sealed:v1:<key id>:<base64 wrapped data key>:<base64 ciphertext>`,
//! where each base64 part is a nonce followed by ciphertext and tag.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::Digest as _;
use zeroize::Zeroizing;

use super::SecretString;

const PREFIX: &str = "mirage-sealed:v1:";
const KEY_LEN: usize = 32;

/// Why a secret could not be sealed or opened. Never holds the secret or
/// a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum EnvelopeError {
    /// A master key is not 32 bytes of base64.
    #[error("the master key is not 32 bytes in base64 ({problem})")]
    #[diagnostic(
        code(mirage::secrets::bad_master_key),
        help("make one with `head -c 32 /dev/urandom | base64` and keep it outside the database")
    )]
    BadMasterKey {
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The sealed text is not in Mirage's sealed form.
    #[error("the stored secret is not in Mirage's sealed form")]
    #[diagnostic(
        code(mirage::secrets::not_sealed),
        help("it was changed outside Mirage, or written by a newer version; set the secret again")
    )]
    Malformed,
    /// No key of the keyring has the fingerprint the secret was sealed with.
    #[error("the secret was sealed with master key `{key_id}`, which is not in the keyring")]
    #[diagnostic(
        code(mirage::secrets::unknown_master_key),
        help(
            "add the previous master key to the keyring (`MIRAGE_PREVIOUS_MASTER_KEYS`) until every secret is resealed"
        )
    )]
    UnknownKey {
        /// The fingerprint.
        key_id: String,
    },
    /// Authentication failed: the sealed text, its context or the key is
    /// not the one it was sealed with.
    #[error(
        "the stored secret does not open: it was altered, moved to another record, or sealed with another key of the same fingerprint"
    )]
    #[diagnostic(
        code(mirage::secrets::does_not_open),
        help(
            "set the secret again; if many fail at once, check that the master key is the right one"
        )
    )]
    DoesNotOpen,
    /// The system's random source failed.
    #[error("no random bytes could be drawn to seal the secret")]
    #[diagnostic(
        code(mirage::secrets::no_randomness),
        help("the operating system's random source failed; nothing was stored")
    )]
    NoRandomness,
}

/// A 256-bit master key. Its bytes never print and are zeroed when
/// dropped.
pub struct MasterKey {
    id: String,
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl MasterKey {
    /// A key from its base64 form (`head -c 32 /dev/urandom | base64`).
    pub fn from_base64(text: &str) -> Result<MasterKey, EnvelopeError> {
        let decoded = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| {
            EnvelopeError::BadMasterKey {
                problem: "not base64",
            }
        })?);
        let bytes: [u8; KEY_LEN] =
            decoded
                .as_slice()
                .try_into()
                .map_err(|_| EnvelopeError::BadMasterKey {
                    problem: "not 32 bytes",
                })?;
        Ok(MasterKey::from_bytes(bytes))
    }

    /// A key from its bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> MasterKey {
        let digest = sha2::Sha256::digest(b"mirage master key id\0")
            .iter()
            .chain(bytes.iter())
            .copied()
            .collect::<Vec<u8>>();
        let digest = sha2::Sha256::digest(&digest);
        let id = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        MasterKey {
            id,
            bytes: Zeroizing::new(bytes),
        }
    }

    /// A fresh random key.
    pub fn generate() -> Result<MasterKey, EnvelopeError> {
        let mut bytes = [0u8; KEY_LEN];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| EnvelopeError::NoRandomness)?;
        let key = MasterKey::from_bytes(bytes);
        zeroize::Zeroize::zeroize(&mut bytes);
        Ok(key)
    }

    /// The key's fingerprint: 12 hex digits naming it in sealed text
    /// (derived one way from the key; it reveals nothing of it).
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, <redacted>)", self.id)
    }
}

/// The master keys: the current one seals, every one opens.
#[derive(Debug)]
pub struct Keyring {
    current: MasterKey,
    previous: Vec<MasterKey>,
}

impl Keyring {
    /// A keyring sealing with `current` and also opening with `previous`.
    pub fn new(current: MasterKey, previous: Vec<MasterKey>) -> Keyring {
        Keyring { current, previous }
    }

    /// The key new secrets are sealed with.
    pub fn current(&self) -> &MasterKey {
        &self.current
    }

    fn key(&self, id: &str) -> Option<&MasterKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
    }

    /// Seals `secret` for `context` (what the secret is, e.g.
    /// `railway-token/project/shop`; the same context opens it).
    pub fn seal(&self, secret: &SecretString, context: &str) -> Result<String, EnvelopeError> {
        let mut data_key = Zeroizing::new([0u8; KEY_LEN]);
        aws_lc_rs::rand::fill(data_key.as_mut()).map_err(|_| EnvelopeError::NoRandomness)?;
        let body = encrypt(
            data_key.as_ref(),
            &data_aad(context),
            secret.expose().as_bytes(),
        )?;
        let wrapped = encrypt(
            self.current.bytes.as_ref(),
            &wrap_aad(&self.current.id, context),
            data_key.as_ref(),
        )?;
        Ok(format!(
            "{PREFIX}{}:{}:{}",
            self.current.id,
            STANDARD.encode(wrapped),
            STANDARD.encode(body)
        ))
    }

    /// Opens what [`Keyring::seal`] made for the same `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<SecretString, EnvelopeError> {
        let (key_id, wrapped, body) = parse(sealed)?;
        let key = self.key(key_id).ok_or_else(|| EnvelopeError::UnknownKey {
            key_id: key_id.to_owned(),
        })?;
        let data_key = Zeroizing::new(decrypt(
            key.bytes.as_ref(),
            &wrap_aad(key_id, context),
            wrapped,
        )?);
        let plain = Zeroizing::new(decrypt(&data_key, &data_aad(context), body)?);
        let text = std::str::from_utf8(&plain).map_err(|_| EnvelopeError::DoesNotOpen)?;
        Ok(SecretString::new(text.to_owned()))
    }

    /// Whether `sealed` was sealed with another key than the current one
    /// (and so should be resealed).
    pub fn is_stale(&self, sealed: &str) -> bool {
        parse(sealed).is_ok_and(|(id, _, _)| id != self.current.id)
    }

    /// `sealed` opened with whichever key sealed it and sealed again with
    /// the current key (a fresh data key too).
    pub fn reseal(&self, sealed: &str, context: &str) -> Result<String, EnvelopeError> {
        self.seal(&self.open(sealed, context)?, context)
    }
}

fn data_aad(context: &str) -> Vec<u8> {
    [b"mirage secret\0".as_slice(), context.as_bytes()].concat()
}

fn wrap_aad(key_id: &str, context: &str) -> Vec<u8> {
    [
        b"mirage data key\0".as_slice(),
        key_id.as_bytes(),
        b"\0",
        context.as_bytes(),
    ]
    .concat()
}

fn parse(sealed: &str) -> Result<(&str, Vec<u8>, Vec<u8>), EnvelopeError> {
    let rest = sealed
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(EnvelopeError::Malformed)?;
    let mut parts = rest.split(':');
    let (Some(id), Some(wrapped), Some(body), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(EnvelopeError::Malformed);
    };
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(EnvelopeError::Malformed);
    }
    let decode = |part: &str| STANDARD.decode(part).map_err(|_| EnvelopeError::Malformed);
    Ok((id, decode(wrapped)?, decode(body)?))
}

fn encrypt(key: &[u8], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    let key =
        RandomizedNonceKey::new(&AES_256_GCM, key).map_err(|_| EnvelopeError::NoRandomness)?;
    let mut buffer = plain.to_vec();
    let nonce = key
        .seal_in_place_append_tag(Aad::from(aad), &mut buffer)
        .map_err(|_| EnvelopeError::NoRandomness)?;
    let mut out = nonce.as_ref().to_vec();
    out.extend_from_slice(&buffer);
    zeroize::Zeroize::zeroize(&mut buffer);
    Ok(out)
}

fn decrypt(key: &[u8], aad: &[u8], sealed: Vec<u8>) -> Result<Vec<u8>, EnvelopeError> {
    if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Err(EnvelopeError::Malformed);
    }
    let key = RandomizedNonceKey::new(&AES_256_GCM, key).map_err(|_| EnvelopeError::DoesNotOpen)?;
    let nonce = Nonce::try_assume_unique_for_key(&sealed[..NONCE_LEN])
        .map_err(|_| EnvelopeError::Malformed)?;
    let mut buffer = Zeroizing::new(sealed[NONCE_LEN..].to_vec());
    let plain = key
        .open_in_place(nonce, Aad::from(aad), buffer.as_mut_slice())
        .map_err(|_| EnvelopeError::DoesNotOpen)?;
    Ok(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> MasterKey {
        MasterKey::from_bytes([byte; KEY_LEN])
    }

    const CONTEXT: &str = "railway-token/project/shop";

    #[test]
    fn seals_and_opens_and_never_shows_the_secret() {
        let ring = Keyring::new(key(1), Vec::new());
        let secret = SecretString::new("rw_token_123".into());
        let sealed = ring.seal(&secret, CONTEXT).unwrap();
        assert!(sealed.starts_with("mirage-sealed:v1:"), "{sealed}");
        assert!(!sealed.contains("rw_token_123"));
        assert_eq!(
            ring.open(&sealed, CONTEXT).unwrap().expose(),
            "rw_token_123"
        );
        // A fresh data key and nonces each time.
        assert_ne!(ring.seal(&secret, CONTEXT).unwrap(), sealed);
        let shown = format!("{ring:?} {secret:?}");
        assert!(
            !shown.contains("rw_token_123") && !shown.contains("[1, 1"),
            "{shown}"
        );
    }

    #[test]
    fn altered_moved_or_foreign_secrets_do_not_open() {
        let ring = Keyring::new(key(1), Vec::new());
        let sealed = ring
            .seal(&SecretString::new("rw_token_123".into()), CONTEXT)
            .unwrap();
        // Another record's context.
        assert_eq!(
            ring.open(&sealed, "railway-token/project/other")
                .unwrap_err(),
            EnvelopeError::DoesNotOpen
        );
        // Every byte of the ciphertext flipped in turn.
        let body_at = sealed.rfind(':').unwrap() + 1;
        let mut body = STANDARD.decode(&sealed[body_at..]).unwrap();
        for i in 0..body.len() {
            body[i] ^= 1;
            let altered = format!("{}{}", &sealed[..body_at], STANDARD.encode(&body));
            assert_eq!(
                ring.open(&altered, CONTEXT).unwrap_err(),
                EnvelopeError::DoesNotOpen,
                "byte {i}"
            );
            body[i] ^= 1;
        }
        // Another keyring with a key of another fingerprint.
        let other = Keyring::new(key(2), Vec::new());
        assert!(matches!(
            other.open(&sealed, CONTEXT),
            Err(EnvelopeError::UnknownKey { .. })
        ));
        for bad in [
            "",
            "rw_token_123",
            "mirage-sealed:v1:zz:AA:AA",
            "mirage-sealed:v1:0123456789ab:AA",
        ] {
            assert_eq!(
                ring.open(bad, CONTEXT).unwrap_err(),
                EnvelopeError::Malformed,
                "{bad}"
            );
        }
    }

    #[test]
    fn rotation_reseals_with_the_new_key() {
        let old = Keyring::new(key(1), Vec::new());
        let sealed = old
            .seal(&SecretString::new("rw_token_123".into()), CONTEXT)
            .unwrap();
        let rotating = Keyring::new(key(2), vec![key(1)]);
        assert!(rotating.is_stale(&sealed));
        assert_eq!(
            rotating.open(&sealed, CONTEXT).unwrap().expose(),
            "rw_token_123"
        );
        let resealed = rotating.reseal(&sealed, CONTEXT).unwrap();
        assert!(!rotating.is_stale(&resealed));
        let rotated = Keyring::new(key(2), Vec::new());
        assert_eq!(
            rotated.open(&resealed, CONTEXT).unwrap().expose(),
            "rw_token_123"
        );
        assert!(matches!(
            rotated.open(&sealed, CONTEXT),
            Err(EnvelopeError::UnknownKey { .. })
        ));
    }

    #[test]
    fn master_keys_are_32_bytes_of_base64() {
        let text = STANDARD.encode([7u8; 32]);
        let key = MasterKey::from_base64(&format!("{text}\n")).unwrap();
        assert_eq!(key.id().len(), 12);
        assert_eq!(key.id(), MasterKey::from_bytes([7u8; 32]).id());
        assert!(matches!(
            MasterKey::from_base64(&STANDARD.encode([7u8; 16])),
            Err(EnvelopeError::BadMasterKey {
                problem: "not 32 bytes"
            })
        ));
        assert!(matches!(
            MasterKey::from_base64("not base64!"),
            Err(EnvelopeError::BadMasterKey {
                problem: "not base64"
            })
        ));
        assert_ne!(
            MasterKey::generate().unwrap().id(),
            MasterKey::generate().unwrap().id()
        );
    }
}
