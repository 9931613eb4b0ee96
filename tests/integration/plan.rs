//! Golden tests of `plan::diff`, the pure function: each example planned
//! against nothing, and a hand-made Railway state with drift, rendered as
//! text and compared with the snapshots `tests/plan/*.snap` (`cargo insta review`
//! the golden files after a deliberate change.

use crate::support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use mirage::model::SecretRef;
use mirage::plan::{self, Action, Filter, Owned, PlanValue, Sensitive};
use mirage::railway::{EnvironmentState, Snapshot};
use serde_json::json;
use support::golden;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn secrets(secret: &SecretRef) -> Option<String> {
    (secret.location == "STRIPE_KEY").then(|| "sk_golden_secret".to_owned())
}

fn model(example: &str) -> mirage::model::Project {
    let analysis = mirage::resolve::load_dir(&root().join("examples").join(example));
    assert!(!analysis.has_errors(), "{example} resolves");
    analysis.project
}

#[test]
fn every_example_against_nothing() {
    for example in ["quickstart", "saas", "microservices"] {
        let plan = plan::diff(
            &model(example),
            None,
            &Owned::default(),
            &Filter::default(),
            &secrets,
        );
        assert!(plan.create_project);
        assert!(plan.has_changes());
        golden(&format!("{example}.create.txt"), &plan::render::text(&plan));
        golden(
            &format!("{example}.create.md"),
            &plan::render::markdown(&plan),
        );
    }
}

/// Railway's state for quickstart after someone edited it by hand.
fn drifted() -> Snapshot {
    let config = json!({
        "services": {
            "svc-web": {
                "source": {"image": "nginx:1.27"},
                "deploy": {"healthcheckPath": "/status", "healthcheckTimeout": 30.0,
                           "startCommand": "nginx -g 'daemon off;'\nsecond line"},
                "variables": {"PORT": {"value": "80"}, "API_KEY": {"value": "hand-set-secret"}},
                "networking": {"serviceDomains": {"web-x.up.railway.app": {"port": 80}}}
            },
            "svc-legacy": {"source": {"image": "redis:7"}}
        },
        "sharedVariables": {}
    });
    let mut environments = BTreeMap::new();
    environments.insert(
        "production".to_owned(),
        EnvironmentState {
            id: "env-prod".into(),
            name: "production".into(),
            is_ephemeral: false,
            unmerged_changes_count: 0,
            config_etag: "etag-1".into(),
            config,
        },
    );
    environments.insert(
        "old".to_owned(),
        EnvironmentState {
            id: "env-old".into(),
            name: "old".into(),
            config: json!({}),
            ..EnvironmentState::default()
        },
    );
    let mut services = BTreeMap::new();
    services.insert("web".to_owned(), "svc-web".to_owned());
    services.insert("legacy".to_owned(), "svc-legacy".to_owned());
    Snapshot {
        project_id: "proj".into(),
        project_name: "quickstart".into(),
        environments,
        services,
        volumes: BTreeMap::new(),
        duplicates: Vec::new(),
    }
}

#[test]
fn drift_unmanaged_and_owned() {
    let model = model("quickstart");
    let snapshot = drifted();
    let plan = plan::diff(
        &model,
        Some(&snapshot),
        &Owned::default(),
        &Filter::default(),
        &secrets,
    );
    golden("quickstart.drift.txt", &plan::render::text(&plan));
    let json = plan::render::json(&plan);
    golden("quickstart.drift.json", &(json.clone() + "\n"));
    assert!(!json.contains("hand-set-secret"));
    // Owned, the legacy service is destroyed instead of listed.
    let mut owned = Owned::default();
    owned
        .services
        .insert(("production".into(), "legacy".into()));
    let plan = plan::diff(
        &model,
        Some(&snapshot),
        &owned,
        &Filter::default(),
        &secrets,
    );
    let env = &plan.environments[0];
    let legacy = env
        .services
        .iter()
        .find(|s| s.name == "legacy")
        .expect("legacy planned");
    assert_eq!(legacy.action, Action::Destroy);
    assert_eq!(plan.summary().destroy, 1);
    assert!(plan.unmanaged.iter().all(|u| u.name != "legacy"));
    // A variable Mirage manages is removed (a destroy) instead of listed.
    assert!(plan.unmanaged.iter().any(|u| u.name == "API_KEY"));
    owned
        .variables
        .insert(("production".into(), Some("web".into()), "API_KEY".into()));
    let plan = plan::diff(
        &model,
        Some(&snapshot),
        &owned,
        &Filter::default(),
        &secrets,
    );
    assert!(plan.unmanaged.iter().all(|u| u.name != "API_KEY"));
    assert_eq!(
        plan.removals(),
        vec![("production", Some("web"), "variables.API_KEY".to_owned())]
    );
    assert!(plan.destroys());
}

#[test]
fn no_changes_when_railway_matches() {
    let model = model("quickstart");
    let mut snapshot = drifted();
    let env = snapshot.environments.get_mut("production").expect("env");
    env.config = json!({"services": {"svc-web": {
        "source": {"image": "nginx:1.27"},
        "deploy": {"healthcheckPath": "/", "healthcheckTimeout": 30},
        "variables": {"PORT": {"value": "80"}},
        "networking": {"serviceDomains": {"web-x.up.railway.app": {"port": 80}}}
    }}});
    let filter = Filter {
        environments: vec!["production".into()],
        targets: vec![],
    };
    let plan = plan::diff(
        &model,
        Some(&snapshot),
        &Owned::default(),
        &filter,
        &secrets,
    );
    assert!(!plan.has_changes(), "{}", plan::render::text(&plan));
    assert_eq!(
        plan.summary().line(),
        "0 to create, 0 to change, 0 to destroy"
    );
}

#[test]
fn targets_limit_the_plan() {
    let model = model("saas");
    let filter = Filter {
        environments: vec![],
        targets: vec![("staging".into(), "api".into())],
    };
    let plan = plan::diff(&model, None, &Owned::default(), &filter, &secrets);
    assert_eq!(plan.environments.len(), 1);
    assert_eq!(plan.environments[0].name, "staging");
    let names: Vec<&str> = plan.environments[0]
        .services
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["api"]);
}

#[test]
fn sensitive_values_cannot_be_formatted() {
    let secret = Sensitive::Secret(SecretRef {
        scheme: "env".into(),
        location: "STRIPE_KEY".into(),
    });
    assert_eq!(format!("{secret}"), "(sensitive)");
    assert_eq!(format!("{secret:?}"), "(sensitive)");
    let key = mirage::secrets::digest::DigestKey::ephemeral();
    let value = PlanValue::Sensitive(Sensitive::Actual(mirage::secrets::digest::digest(
        &key, "hunter2",
    )));
    assert_eq!(value.display(), "(sensitive)");
    let json = serde_json::to_string(&value).expect("serialises");
    assert_eq!(json, r#"{"sensitive":true,"source":"railway"}"#);
    assert!(!format!("{value:?}").contains("hunter2"));
}
