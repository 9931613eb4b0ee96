//! Bearer tokens from a real OpenID Connect provider: `oidc-provider`
//! (`tests/oidc/provider.mjs`, installed by `.ci/run` with `npm ci`) runs
//! on loopback and issues RS256 and ES256 JWTs by the client-credentials
//! grant; `OidcVerifier` accepts them and refuses expired, not-yet-valid,
//! wrong-audience, foreign, `alg: none`, HS256-with-the-public-key,
//! unknown-`kid`, tampered and oversized tokens. Skips with a message
//! without Node.js or the package, unless `MIRAGE_TEST_OIDC_REQUIRED` is
//! set (CI sets it).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use mirage::auth::{OidcConfig, OidcError, OidcVerifier};
use mirage::state::Timestamp;
use serde_json::{Value, json};

const SECRET: &str = "not-a-real-secret-but-long-enough-0123456789";

/// A running provider; killed when dropped (also `signin.rs`'s).
pub(crate) struct Provider {
    child: Child,
    pub(crate) issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start() -> Option<Provider> {
    start_with(&[])
}

/// [`start`] with environment variables for the provider (e.g.
/// `BROWSER_REDIRECT_URI`, see `tests/oidc/provider.mjs`).
pub(crate) fn start_with(env: &[(&str, &str)]) -> Option<Provider> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    let installed = dir.join("node_modules/oidc-provider").is_dir();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !(installed && node) {
        let why = "an OpenID provider needs Node.js and `npm ci` in tests/oidc";
        if std::env::var_os("MIRAGE_TEST_OIDC_REQUIRED").is_some() {
            panic!("MIRAGE_TEST_OIDC_REQUIRED is set, but {why}");
        }
        eprintln!("skipping: {why}");
        return None;
    }
    let mut child = Command::new("node")
        .arg(dir.join("provider.mjs"))
        .current_dir(&dir)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // `MIRAGE_TEST_OIDC_LOG=1` shows the provider's own messages.
        .stderr(if std::env::var_os("MIRAGE_TEST_OIDC_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("start node");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read READY");
    let issuer = line
        .trim()
        .strip_prefix("READY ")
        .unwrap_or_else(|| panic!("the provider printed {line:?}"))
        .to_owned();
    Some(Provider { child, issuer })
}

/// A client-credentials access token of `mirage-ci` for `resource`.
pub(crate) async fn token(provider: &Provider, resource: &str) -> String {
    let response: Value = reqwest::Client::new()
        .post(format!("{}/token", provider.issuer))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id=mirage-ci&client_secret={SECRET}&resource={resource}&scope=api"
        ))
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    response["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {response}"))
        .to_owned()
}

fn parts(token: &str) -> (Value, Value, String) {
    let mut it = token.split('.');
    let mut json =
        || -> Value { serde_json::from_slice(&B64.decode(it.next().unwrap()).unwrap()).unwrap() };
    let (header, claims) = (json(), json());
    (header, claims, it.next().unwrap().to_owned())
}

fn join(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    )
}

fn at(seconds: i64) -> Timestamp {
    Timestamp(seconds)
}

#[tokio::test]
async fn tokens_of_a_real_provider_are_verified_and_forgeries_refused() {
    let Some(provider) = start() else { return };
    let verifier = OidcVerifier::discover(OidcConfig::new(&provider.issuer, "urn:mirage"))
        .await
        .expect("discover");
    let rs = token(&provider, "urn:mirage").await;
    let (header, claims, signature) = parts(&rs);
    assert_eq!(header["alg"], "RS256");
    let exp = claims["exp"].as_i64().unwrap();
    let iat = claims["iat"].as_i64().unwrap();
    let now = at(iat + 1);
    let accepted = verifier.verify(&rs, now).await.expect("a real token");
    // And by the real clock: a token issued now is valid now.
    assert!(verifier.verify(&rs, Timestamp::now()).await.is_ok());
    assert_eq!(accepted.sub, "mirage-ci");
    assert_eq!(accepted.iss, provider.issuer);

    // ES256, for its own audience.
    let es_verifier = OidcVerifier::discover(OidcConfig::new(&provider.issuer, "urn:mirage-es"))
        .await
        .expect("discover");
    let es = token(&provider, "urn:mirage-es").await;
    assert_eq!(parts(&es).0["alg"], "ES256");
    assert!(es_verifier.verify(&es, now).await.is_ok());
    // Each for the other's audience: refused.
    let audience = Err(OidcError::Claims {
        problem: "for another audience",
    });
    assert_eq!(verifier.verify(&es, now).await, audience);
    assert_eq!(es_verifier.verify(&rs, now).await, audience);

    // Times, with the 60 s leeway.
    assert!(verifier.verify(&rs, at(exp + 59)).await.is_ok());
    assert_eq!(
        verifier.verify(&rs, at(exp + 61)).await,
        Err(OidcError::Claims { problem: "expired" })
    );
    assert_eq!(
        verifier.verify(&rs, at(iat - 61)).await,
        Err(OidcError::Claims {
            problem: "not valid yet"
        })
    );

    // One character of the payload changed: the signature fails.
    let mut tampered = claims.clone();
    tampered["sub"] = json!("admin");
    assert_eq!(
        verifier
            .verify(&join(&header, &tampered, &signature), now)
            .await,
        Err(OidcError::Signature)
    );
    // `alg: none`, and HS256 keyed with the provider's public key.
    let none = join(&json!({"alg": "none", "kid": header["kid"]}), &claims, "");
    assert!(matches!(
        verifier.verify(&none, now).await,
        Err(OidcError::Malformed { .. })
    ));
    let jwks: Value = reqwest::get(format!("{}/jwks", provider.issuer))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let public = jwks["keys"][0]["n"].as_str().unwrap().as_bytes().to_vec();
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: header["kid"].as_str().map(str::to_owned),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
        },
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&public).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        verifier.verify(&hs, now).await,
        Err(OidcError::Malformed { .. })
    ));
    // The RS256 token relabelled as the EC key: refused, not confused.
    let mut relabelled = header.clone();
    relabelled["kid"] = json!("ec-1");
    assert!(matches!(
        verifier
            .verify(&join(&relabelled, &claims, &signature), now)
            .await,
        Err(OidcError::Malformed { .. })
    ));
    // Oversized, and not a JWT at all.
    let huge = format!("{rs}{}", "A".repeat(17 * 1024));
    assert!(matches!(
        verifier.verify(&huge, now).await,
        Err(OidcError::Malformed { .. })
    ));
    assert!(matches!(
        verifier.verify("Bearer abc", now).await,
        Err(OidcError::Malformed { .. })
    ));

    // A token of another provider (its own keys, the same key ids): the
    // signature fails against this provider's key.
    let Some(other) = start() else { return };
    let foreign = token(&other, "urn:mirage").await;
    assert_eq!(
        verifier.verify(&foreign, now).await,
        Err(OidcError::Signature)
    );
}

#[tokio::test]
async fn unknown_key_ids_refetch_the_keys_at_most_once_per_floor() {
    let Some(provider) = start() else { return };
    let rs = token(&provider, "urn:mirage").await;
    let (header, claims, signature) = parts(&rs);
    let now = at(claims["iat"].as_i64().unwrap() + 1);
    let mut unknown = header.clone();
    unknown["kid"] = json!("rotated-away");
    let forged = join(&unknown, &claims, &signature);

    // The default floor (60 s): a flood of unknown ids fetches nothing.
    let verifier = OidcVerifier::discover(OidcConfig::new(&provider.issuer, "urn:mirage"))
        .await
        .unwrap();
    assert_eq!(verifier.jwks_fetches(), 1);
    for _ in 0..50 {
        assert_eq!(
            verifier.verify(&forged, now).await,
            Err(OidcError::UnknownKey {
                kid: "rotated-away".into()
            })
        );
    }
    assert_eq!(verifier.jwks_fetches(), 1, "the floor held");
    assert!(verifier.verify(&rs, now).await.is_ok());

    // With no floor, each unknown id fetches the keys again (a rotation
    // is picked up at once).
    let mut eager = OidcConfig::new(&provider.issuer, "urn:mirage");
    eager.refresh_floor = Duration::ZERO;
    let verifier = OidcVerifier::discover(eager).await.unwrap();
    for _ in 0..3 {
        assert!(verifier.verify(&forged, now).await.is_err());
    }
    assert_eq!(verifier.jwks_fetches(), 4);

    // The discovery document must name the configured issuer exactly.
    let mut slash = OidcConfig::new(format!("{}/", provider.issuer), "urn:mirage");
    slash.refresh_floor = Duration::ZERO;
    assert!(matches!(
        OidcVerifier::discover(slash).await,
        Err(OidcError::Provider { .. })
    ));
}
