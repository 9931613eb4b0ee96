//! Clerk's user webhooks: the real payloads of `../shared/fixtures/clerk/`
//! parse into the users `mirage serve` keeps, and the Svix test vectors
//! published there verify (and fail when altered). Skips (with a message)
//! without `../shared`.

use std::collections::HashMap;
use std::path::PathBuf;

use mirage::auth::{ClerkEvent, ClerkUser, SvixSecret, WebhookError, verify_svix};
use mirage::state::Timestamp;
use serde_json::Value;

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/clerk");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/fixtures/clerk is absent");
        None
    }
}

fn fixture(name: &str) -> Option<Vec<u8>> {
    Some(std::fs::read(fixtures()?.join(name)).expect("read fixture"))
}

#[test]
fn every_real_payload_parses() {
    let Some(created) = fixture("clerk-user.created.docs.json") else {
        return;
    };
    assert_eq!(
        ClerkEvent::parse(&created).unwrap(),
        ClerkEvent::UserCreated(ClerkUser {
            id: "user_29w83sxmDNGwOuEthce5gg56FcC".into(),
            email: Some("example@example.org".into()),
            email_verified: true,
            name: Some("Example Example".into()),
            image_url: Some("https://img.clerk.com/xxxxxx".into()),
        })
    );
    for name in [
        "clerk-user.updated.catalog.json",
        "clerk-user.updated.catalog-legacy.json",
    ] {
        let body = fixture(name).unwrap();
        let ClerkEvent::UserUpdated(user) = ClerkEvent::parse(&body).unwrap() else {
            panic!("{name} is a user.updated");
        };
        let raw: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(user.id, raw["data"]["id"].as_str().unwrap(), "{name}");
    }
    for name in [
        "clerk-user.deleted.catalog.json",
        "clerk-user.deleted.catalog-legacy.json",
    ] {
        let body = fixture(name).unwrap();
        let raw: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            ClerkEvent::parse(&body).unwrap(),
            ClerkEvent::UserDeleted {
                id: raw["data"]["id"].as_str().unwrap().into()
            },
            "{name}"
        );
    }
    let session = fixture("clerk-session.created.catalog-legacy.json").unwrap();
    assert_eq!(
        ClerkEvent::parse(&session).unwrap(),
        ClerkEvent::Other("session.created".into())
    );
}

#[test]
fn the_published_svix_vectors_verify_and_altered_ones_do_not() {
    let Some(file) = fixture("clerk-svix-test-vectors.json") else {
        return;
    };
    let file: Value = serde_json::from_slice(&file).unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 2);
    for vector in vectors {
        let text = |key: &str| vector[key].as_str().unwrap().to_owned();
        let secret = SvixSecret::new(&text("secret")).unwrap();
        let seconds: i64 = text("svix_timestamp").parse().unwrap();
        let now = Timestamp(seconds + 30);
        let check = |signature: &str, body: &str, now: Timestamp| {
            let headers: HashMap<&str, String> = HashMap::from([
                ("svix-id", text("svix_id")),
                ("svix-timestamp", text("svix_timestamp")),
                ("svix-signature", signature.to_owned()),
            ]);
            verify_svix(
                |name| headers.get(name).map(String::as_str),
                body.as_bytes(),
                &secret,
                now,
            )
        };
        let body = text("body");
        let delivery = check(&text("svix_signature"), &body, now).unwrap();
        assert_eq!(delivery.id, text("svix_id"));
        assert_eq!(
            secret.sign(&text("svix_id"), seconds, body.as_bytes()),
            text("svix_signature")
        );
        let mut altered = body.clone();
        altered.push(' ');
        assert_eq!(
            check(&text("svix_signature"), &altered, now),
            Err(WebhookError::SvixSignatureMismatch)
        );
        // Replayed an hour later: refused by the timestamp window.
        assert!(matches!(
            check(&text("svix_signature"), &body, Timestamp(now.0 + 3_600)),
            Err(WebhookError::Stale { .. })
        ));
        if let Some(negative) = vector["negative_signature_from_same_test_file"].as_str() {
            assert_eq!(
                check(negative, &body, now),
                Err(WebhookError::SvixSignatureMismatch)
            );
        }
    }
}
