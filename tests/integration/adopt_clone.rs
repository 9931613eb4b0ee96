//! `mirage clone` on the emulator: the copy is written into the files, plans
//! clean once applied, its references resolve to its own services, and the
//! source environment is untouched (its whole config compared).

use serde_json::{Value, json};

use super::support::{World, snapshot};

/// The rendered variables of `service` in environment `env` (by ids).
async fn rendered(world: &World, project: &str, env: &str, service: &str) -> Value {
    world
        .harness
        .gql(
            "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: false) }",
            json!({"p": project, "e": env, "s": service}),
        )
        .await
        .data()["variables"]
        .clone()
}

fn id<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, id)| id.as_str())
        .unwrap_or_else(|| panic!("`{name}` exists"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clone_within_the_project_applies_a_copy_with_its_own_references() {
    let world = World::applied("saas").await;
    let before = world.project("acme-shop").await;
    let staging = id(&before.environments, "staging").to_owned();
    let (staging_config, _) = world.harness.config(&staging).await;
    let files_before = std::fs::read_to_string(world.path().join("environments.mirage")).unwrap();

    let run = world
        .mirage(&["clone", "--from", "staging", "--to", "qa", "--apply"])
        .await
        .ok("clone --apply");
    assert!(
        run.stdout.contains("Wrote environment `qa`"),
        "{}",
        run.stdout
    );

    // The source's file: the same text, plus the new block after `staging`.
    let files_after = std::fs::read_to_string(world.path().join("environments.mirage")).unwrap();
    let added = "environment \"staging\" layer=\"dev\"\n\n// `qa`: a copy of `staging` made by `mirage clone`.\nenvironment \"qa\" layer=\"dev\"\n";
    assert_eq!(
        files_after,
        files_before.replacen("environment \"staging\" layer=\"dev\"\n", added, 1)
    );

    // The source environment: its whole config byte for byte the same.
    let (staging_after, _) = world.harness.config(&staging).await;
    assert_eq!(
        serde_json::to_string(&staging_config).unwrap(),
        serde_json::to_string(&staging_after).unwrap()
    );

    let after = world.project("acme-shop").await;
    let qa = id(&after.environments, "qa").to_owned();
    world.assert_no_changes("after the clone").await;

    // `api`'s `${{db.DATABASE_URL}}` resolves to qa's own database.
    let api = id(&after.services, "api");
    let db = id(&after.services, "db");
    let qa_api = rendered(&world, &after.id, &qa, api).await;
    let qa_db = rendered(&world, &after.id, &qa, db).await;
    let staging_db = rendered(&world, &after.id, &staging, db).await;
    assert!(qa_api["DATABASE_URL"].is_string(), "{qa_api}");
    assert_eq!(qa_api["DATABASE_URL"], qa_db["DATABASE_URL"]);
    assert_ne!(qa_api["DATABASE_URL"], staging_db["DATABASE_URL"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_variables_copies_hand_set_ones_and_re_references_secrets() {
    let world = World::applied("saas").await;
    let project = world.project("acme-shop").await;
    let staging = id(&project.environments, "staging").to_owned();
    let api = id(&project.services, "api").to_owned();
    const SECRET: &str = "tok_clone_NEVER_PRINT_91ab";
    world
        .harness
        .commit(
            &staging,
            json!({"services": {api.clone(): {"variables": {
                "FEATURE_FLAGS": {"value": "checkout-v2"},
                "PARTNER_TOKEN": {"value": SECRET},
                "CACHE_HOST": {"value": "${{cache.REDIS_URL}}"},
            }}}}),
        )
        .await
        .data();

    let run = world
        .mirage(&[
            "clone",
            "--from",
            "staging",
            "--to",
            "qa",
            "--with-variables",
        ])
        .await
        .ok("clone --with-variables");
    let text = std::fs::read_to_string(world.path().join("environments.mirage")).unwrap();
    assert!(text.contains("FEATURE_FLAGS \"checkout-v2\""), "{text}");
    assert!(
        text.contains("CACHE_HOST \"${{cache.REDIS_URL}}\""),
        "{text}"
    );
    assert!(
        text.contains("PARTNER_TOKEN (secret)\"env:PARTNER_TOKEN\""),
        "{text}"
    );
    assert!(run.stdout.contains("env:PARTNER_TOKEN"), "{}", run.stdout);
    for output in [&text, &run.stdout, &run.stderr] {
        assert!(!output.contains(SECRET), "the secret leaked: {output}");
    }

    // Applied with the secret provided: qa has them, its reference its own.
    world
        .mirage_with(
            &["apply", ".", "--env", "qa", "--auto-approve"],
            &[("PARTNER_TOKEN", SECRET)],
        )
        .await
        .ok("apply qa");
    let after = world.project("acme-shop").await;
    let qa = id(&after.environments, "qa").to_owned();
    let cache = id(&after.services, "cache");
    let qa_api = rendered(&world, &after.id, &qa, &api).await;
    let qa_cache = rendered(&world, &after.id, &qa, cache).await;
    assert_eq!(qa_api["FEATURE_FLAGS"], "checkout-v2");
    assert_eq!(qa_api["PARTNER_TOKEN"], SECRET);
    assert_eq!(qa_api["CACHE_HOST"], qa_cache["REDIS_URL"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_restricts_the_copied_overrides() {
    let world = World::with_example("saas").await;
    world
        .mirage(&[
            "clone",
            "--from",
            "production",
            "--to",
            "perf",
            "--services",
            "api",
        ])
        .await
        .ok("clone --services");
    let text = std::fs::read_to_string(world.path().join("environments.mirage")).unwrap();
    let block = &text[text.find("environment \"perf\"").unwrap()..];
    let block = &block[..block.find("\n}\n").unwrap() + 3];
    // `api`'s override is kept, its fixed domain left out; `web`'s block is not copied.
    assert_eq!(
        block,
        "environment \"perf\" layer=\"prod\" {\n    service \"api\" {\n        replicas 4\n    }\n}\n"
    );
    world.mirage(&["check", "."]).await.ok("check");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals() {
    let world = World::with_example("saas").await;
    let mut out = String::new();
    for args in [
        &["clone", "--from", "stagin", "--to", "qa"][..],
        &["clone", "--from", "staging", "--to", "production"],
        &["clone", "--from", "staging", "--to", "q.a"],
        &["clone", "--from", "pr", "--to", "qa"],
        &[
            "clone",
            "--from",
            "staging",
            "--to",
            "qa",
            "--services",
            "apii",
        ],
    ] {
        let run = world.mirage(args).await;
        out.push_str(&format!(
            "$ mirage {}\nexit {:?}\n{}\n",
            args.join(" "),
            run.code,
            run.stderr
        ));
    }
    let unchanged = std::fs::read_to_string(world.path().join("environments.mirage")).unwrap();
    let original = std::fs::read_to_string(
        super::support::repo_root().join("examples/saas/environments.mirage"),
    )
    .unwrap();
    assert_eq!(unchanged, original, "a refusal wrote nothing");
    if let Err(failure) = snapshot(
        &super::support::repo_root().join("tests/adopt"),
        "clone_refusals",
        &out,
    ) {
        panic!("{failure}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_taken_on_railway_is_refused() {
    let world = World::applied("saas").await;
    // `qa` made by hand on Railway.
    let project = world.project("acme-shop").await;
    world
        .harness
        .gql(
            "mutation($p: String!) { environmentCreate(input: {projectId: $p, name: \"qa\"}) { id } }",
            json!({"p": project.id}),
        )
        .await
        .data();
    let run = world
        .mirage(&["clone", "--from", "staging", "--to", "qa", "--apply"])
        .await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("already exists on Railway"),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(world.path().join("environments.mirage")).unwrap();
    assert!(!text.contains("\"qa\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clone_into_another_project_plans_clean_and_leaves_the_source_alone() {
    let world = World::applied("saas").await;
    let source = world.project("acme-shop").await;
    let mut before = Vec::new();
    for (_, env) in &source.environments {
        before.push(world.harness.config(env).await.0);
    }
    let files_before = std::fs::read_to_string(world.path().join("environments.mirage")).unwrap();
    let other = tempfile::tempdir().unwrap();
    let into = other.path().join("qa-project");
    let into_arg = into.display().to_string();

    let run = world
        .mirage(&[
            "clone",
            "--from",
            "staging",
            "--to",
            "qa",
            "--project",
            "acme-qa",
            "--into",
            &into_arg,
            "--apply",
        ])
        .await
        .ok("clone --project --apply");
    assert!(
        run.stdout.contains("Wrote project `acme-qa`"),
        "{}",
        run.stdout
    );
    let plan = world
        .mirage(&["plan", &into_arg, "--detailed-exitcode"])
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);

    // The source: same environments, same configs, same files.
    let after = world.project("acme-shop").await;
    assert_eq!(after.environments, source.environments);
    for ((_, env), config) in source.environments.iter().zip(&before) {
        assert_eq!(&world.harness.config(env).await.0, config);
    }
    let files_after = std::fs::read_to_string(world.path().join("environments.mirage")).unwrap();
    assert_eq!(files_after, files_before);

    // The copy's references are its own.
    let copy = world.project("acme-qa").await;
    let qa = id(&copy.environments, "qa").to_owned();
    let api = id(&copy.services, "api");
    let db = id(&copy.services, "db");
    let qa_api = rendered(&world, &copy.id, &qa, api).await;
    let qa_db = rendered(&world, &copy.id, &qa, db).await;
    assert!(qa_api["DATABASE_URL"].is_string(), "{qa_api}");
    assert_eq!(qa_api["DATABASE_URL"], qa_db["DATABASE_URL"]);

    // A second time: the directory holds a project now.
    let again = world
        .mirage(&[
            "clone",
            "--from",
            "staging",
            "--to",
            "qa",
            "--project",
            "acme-qa",
            "--into",
            &into_arg,
        ])
        .await;
    assert_eq!(again.code, Some(2));
    assert!(
        again.stderr.contains("already holds the files"),
        "{}",
        again.stderr
    );
}
