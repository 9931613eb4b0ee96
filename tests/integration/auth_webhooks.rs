//! GitHub webhook deliveries: the real payloads of
//! `../shared/fixtures/github/` parse into the events previews act on, and
//! `accept_github_delivery` refuses forged, altered, truncated, unsigned
//! and replayed deliveries. Skips (with a message) without `../shared`.

use std::path::PathBuf;

use axum::http::{HeaderMap, HeaderValue};
use mirage::auth::{
    GithubEvent, MemoryReplayGuard, PullRequestAction, ReplayGuard, WebhookError, WebhookSecret,
    accept_github_delivery, sign_body,
};

const SECRET: &str = "It's a Secret to Everybody";

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/github");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/fixtures/github is absent");
        None
    }
}

fn fixture(name: &str) -> Option<Vec<u8>> {
    Some(std::fs::read(fixtures()?.join(name)).expect("read fixture"))
}

fn secret() -> WebhookSecret {
    WebhookSecret::new(SECRET).unwrap()
}

fn headers(event: &str, delivery: &str, signature: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-github-event", HeaderValue::from_str(event).unwrap());
    headers.insert(
        "x-github-delivery",
        HeaderValue::from_str(delivery).unwrap(),
    );
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(signature) = signature {
        headers.insert(
            "x-hub-signature-256",
            HeaderValue::from_str(signature).unwrap(),
        );
    }
    headers
}

fn signed(event: &str, delivery: &str, body: &[u8]) -> HeaderMap {
    headers(event, delivery, Some(&sign_body(&secret(), body)))
}

#[test]
fn every_real_payload_parses() {
    let Some(dir) = fixtures() else { return };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".payload.json"))
        .collect();
    names.sort();
    assert!(names.len() >= 14, "{names:?}");
    let guard = MemoryReplayGuard::default();
    for (n, name) in names.iter().enumerate() {
        let event = name.split('.').next().unwrap();
        let body = std::fs::read(dir.join(name)).unwrap();
        let delivery = accept_github_delivery(
            &signed(event, &format!("72d3162e-cc78-11e3-81ab-{n:012}"), &body),
            &body,
            &secret(),
            &guard,
        )
        .unwrap_or_else(|error| panic!("{name}: {error}"));
        let parsed_as = match &delivery.event {
            GithubEvent::Ping(_) => "ping",
            GithubEvent::PullRequest(_) => "pull_request",
            GithubEvent::Push(_) => "push",
            GithubEvent::Installation(_) => "installation",
            GithubEvent::Other { event } => event.as_str(),
        };
        assert_eq!(parsed_as, event, "{name}");
    }
}

fn pull_request(name: &str) -> Option<mirage::auth::PullRequestEvent> {
    let body = fixture(name)?;
    match GithubEvent::parse("pull_request", &body).unwrap() {
        GithubEvent::PullRequest(event) => Some(*event),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn pull_request_actions_and_the_fields_previews_use() {
    let Some(opened) = pull_request("pull_request.opened.payload.json") else {
        return;
    };
    assert_eq!(opened.action, PullRequestAction::Opened);
    assert_eq!(opened.number, 2);
    assert_eq!(opened.head_ref, "changes");
    assert_eq!(opened.head_sha, "ec26c3e57ca3a959ca5aad62de7213c562f8c821");
    assert_eq!(opened.base_ref, "master");
    assert_eq!(opened.repository.full_name, "Codertocat/Hello-World");
    assert_eq!(opened.repository.owner, "Codertocat");
    assert_eq!(opened.repository.name, "Hello-World");
    assert_eq!(opened.installation_id, Some(1));
    assert_eq!(
        opened.html_url,
        "https://github.com/Codertocat/Hello-World/pull/2"
    );
    assert!(!opened.draft);
    assert!(!opened.is_from_fork());

    let cases = [
        (
            "pull_request.opened.with-null-body.payload.json",
            PullRequestAction::Opened,
        ),
        (
            "pull_request.reopened.payload.json",
            PullRequestAction::Reopened,
        ),
        (
            "pull_request.synchronize.payload.json",
            PullRequestAction::Synchronize,
        ),
        (
            "pull_request.closed.payload.json",
            PullRequestAction::Closed { merged: false },
        ),
        (
            "pull_request.closed.with-organization.payload.json",
            PullRequestAction::Closed { merged: false },
        ),
        (
            "pull_request.converted_to_draft.with-installation.payload.json",
            PullRequestAction::ConvertedToDraft,
        ),
        (
            "pull_request.ready_for_review.with-installation.payload.json",
            PullRequestAction::ReadyForReview,
        ),
        (
            "pull_request.labeled.payload.json",
            PullRequestAction::Other("labeled".to_owned()),
        ),
    ];
    for (name, action) in cases {
        let event = pull_request(name).unwrap();
        assert_eq!(event.action, action, "{name}");
        assert_eq!(event.number, 2, "{name}");
    }
    assert!(
        pull_request("pull_request.converted_to_draft.with-installation.payload.json")
            .unwrap()
            .draft
    );

    // A merge is a close with `merged: true` (no fixture has one: the
    // closed payload, merged).
    let mut merged: serde_json::Value =
        serde_json::from_slice(&fixture("pull_request.closed.payload.json").unwrap()).unwrap();
    merged["pull_request"]["merged"] = serde_json::Value::Bool(true);
    let body = serde_json::to_vec(&merged).unwrap();
    match GithubEvent::parse("pull_request", &body).unwrap() {
        GithubEvent::PullRequest(event) => {
            assert_eq!(event.action, PullRequestAction::Closed { merged: true })
        }
        other => panic!("{other:?}"),
    }
    // A head branch in another repository is a fork's; a deleted fork has
    // no head repository at all.
    let mut fork: serde_json::Value =
        serde_json::from_slice(&fixture("pull_request.opened.payload.json").unwrap()).unwrap();
    fork["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World".into();
    let Ok(GithubEvent::PullRequest(event)) =
        GithubEvent::parse("pull_request", &serde_json::to_vec(&fork).unwrap())
    else {
        panic!()
    };
    assert!(event.is_from_fork());
    fork["pull_request"]["head"]["repo"] = serde_json::Value::Null;
    let Ok(GithubEvent::PullRequest(event)) =
        GithubEvent::parse("pull_request", &serde_json::to_vec(&fork).unwrap())
    else {
        panic!()
    };
    assert!(event.is_from_fork());
}

#[test]
fn ping_push_and_installation() {
    let Some(ping) = fixture("ping.payload.json") else {
        return;
    };
    let GithubEvent::Ping(ping) = GithubEvent::parse("ping", &ping).unwrap() else {
        panic!()
    };
    assert!(ping.zen.is_some());
    assert!(ping.hook_id.is_some());

    let push = fixture("push.with-installation.payload.json").unwrap();
    let GithubEvent::Push(push) = GithubEvent::parse("push", &push).unwrap() else {
        panic!()
    };
    // GitHub's example is a tag deleted: `after` is all zeros.
    assert_eq!(push.git_ref, "refs/tags/simple-tag");
    assert_eq!(push.before, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
    assert_eq!(push.after, "0".repeat(40));
    assert!(push.deleted);
    assert_eq!(push.installation_id, Some(1));
    assert_eq!(push.repository.full_name, "Codertocat/Hello-World");

    let installation = fixture("installation.created.payload.json").unwrap();
    let GithubEvent::Installation(installation) =
        GithubEvent::parse("installation", &installation).unwrap()
    else {
        panic!()
    };
    assert_eq!(installation.action, "created");
    assert_eq!(installation.installation_id, 957_387);
    assert_eq!(installation.account.as_deref(), Some("Codertocat"));
}

#[test]
fn signatures_refuse_every_kind_of_forgery() {
    let Some(body) = fixture("pull_request.synchronize.payload.json") else {
        return;
    };
    let right = sign_body(&secret(), &body);
    let guard = MemoryReplayGuard::default();
    let accept =
        |headers: &HeaderMap, body: &[u8]| accept_github_delivery(headers, body, &secret(), &guard);

    // A wrong secret.
    let wrong = sign_body(
        &WebhookSecret::new("It's a Secret to Everybody!").unwrap(),
        &body,
    );
    assert_eq!(
        accept(&headers("pull_request", "d-1", Some(&wrong)), &body),
        Err(WebhookError::SignatureMismatch)
    );
    // Truncated: one hex digit short, one byte short, the prefix alone.
    for truncated in [
        &right[..right.len() - 1],
        &right[..right.len() - 2],
        "sha256=",
    ] {
        assert_eq!(
            accept(&headers("pull_request", "d-1", Some(truncated)), &body),
            Err(WebhookError::SignatureMalformed),
            "{truncated}"
        );
    }
    // Not `sha256=` (the old SHA-1 header's form).
    let sha1_style = right.replacen("sha256=", "sha1=", 1);
    assert_eq!(
        accept(&headers("pull_request", "d-1", Some(&sha1_style)), &body),
        Err(WebhookError::SignatureMalformed)
    );
    // No signature at all.
    assert_eq!(
        accept(&headers("pull_request", "d-1", None), &body),
        Err(WebhookError::SignatureMissing)
    );
    // The body changed by one byte (the last `}` of the JSON to `]`), and
    // a body with one more byte.
    let mut changed = body.clone();
    let last = changed.iter().rposition(|b| *b == b'}').unwrap();
    changed[last] = b']';
    assert_eq!(
        accept(&headers("pull_request", "d-1", Some(&right)), &changed),
        Err(WebhookError::SignatureMismatch)
    );
    let mut longer = body.clone();
    longer.push(b' ');
    assert_eq!(
        accept(&headers("pull_request", "d-1", Some(&right)), &longer),
        Err(WebhookError::SignatureMismatch)
    );
    // None of the forgeries used up the delivery id: the real one gets in.
    assert!(guard.is_empty());
    let delivery = accept(&headers("pull_request", "d-1", Some(&right)), &body).unwrap();
    assert_eq!(delivery.id, "d-1");
    assert!(matches!(delivery.event, GithubEvent::PullRequest(_)));
    // Replayed: the same id again, correctly signed.
    assert_eq!(
        accept(&headers("pull_request", "d-1", Some(&right)), &body),
        Err(WebhookError::Replayed {
            id: "d-1".to_owned()
        })
    );
    // Once forgotten (acting on it failed), GitHub's redelivery gets in.
    guard.forget("d-1").unwrap();
    assert!(accept(&headers("pull_request", "d-1", Some(&right)), &body).is_ok());
}

#[test]
fn deliveries_without_githubs_headers_are_refused() {
    let Some(body) = fixture("ping.payload.json") else {
        return;
    };
    let guard = MemoryReplayGuard::default();
    let signature = sign_body(&secret(), &body);

    let mut no_event = headers("ping", "d-2", Some(&signature));
    no_event.remove("x-github-event");
    assert!(matches!(
        accept_github_delivery(&no_event, &body, &secret(), &guard),
        Err(WebhookError::BadHeader {
            header: "X-GitHub-Event",
            ..
        })
    ));
    let mut no_id = headers("ping", "d-2", Some(&signature));
    no_id.remove("x-github-delivery");
    assert!(matches!(
        accept_github_delivery(&no_id, &body, &secret(), &guard),
        Err(WebhookError::BadHeader {
            header: "X-GitHub-Delivery",
            ..
        })
    ));
    let huge = "a".repeat(101);
    for bad in ["", "../../etc", "id with spaces", huge.as_str()] {
        let headers = headers("ping", bad, Some(&signature));
        assert!(
            matches!(
                accept_github_delivery(&headers, &body, &secret(), &guard),
                Err(WebhookError::BadHeader {
                    header: "X-GitHub-Delivery",
                    ..
                })
            ),
            "{bad:?}"
        );
    }
    // Signed, but not JSON: refused after the signature, id not used up.
    let text = b"payload=%7B%7D";
    let form = headers("ping", "d-3", Some(&sign_body(&secret(), text)));
    assert!(matches!(
        accept_github_delivery(&form, text, &secret(), &guard),
        Err(WebhookError::BadPayload { .. })
    ));
    assert!(guard.is_empty());
}

#[test]
fn replayed_ids_are_dropped_across_events_and_concurrent_calls() {
    let Some(body) = fixture("ping.payload.json") else {
        return;
    };
    let guard = std::sync::Arc::new(MemoryReplayGuard::default());
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (guard, accepted, body) = (guard.clone(), accepted.clone(), body.clone());
            std::thread::spawn(move || {
                let headers = signed("ping", "same-id", &body);
                if accept_github_delivery(&headers, &body, &secret(), guard.as_ref()).is_ok() {
                    accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
    let guard: &dyn ReplayGuard = guard.as_ref();
    assert_eq!(guard.first_seen("same-id"), Ok(false));
}
