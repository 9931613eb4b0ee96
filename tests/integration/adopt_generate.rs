//! `mirage import --generate`: a Railway project (made by `mirage apply` of
//! an example, or through GraphQL as a dashboard user would) described in
//! `.mirage` files, every environment at once, then recorded as Mirage's —
//! so that `check` is clean, `plan` shows no changes and `fmt --check` has
//! nothing to do. The regenerated examples are golden files
//! (`tests/adopt/generate/*.snap`), to be read next to the originals.

use std::path::{Path, PathBuf};

use crate::support;

use mirage::adopt::generate::{Options, generate};
use mirage::railway::{Client, ClientOptions, Credentials, Snapshot, Token};
use serde_json::json;
use support::{Run, World};

/// The emulator's snapshot of project `id`, read with the library.
async fn snapshot(world: &World, id: &str) -> Snapshot {
    let options = ClientOptions {
        credentials: Some(Credentials::Account(Token::new(&world.harness.token))),
        requests_per_second: 0.0,
        ..ClientOptions::default()
    }
    .with_endpoint(world.harness.emu.url());
    let client = Client::new(options).expect("client");
    client.read_project(id).await.expect("snapshot")
}

/// The environment variables the generated files ask for, with the values
/// Railway has (what the user would provide).
async fn secrets(world: &World, project: &str) -> Vec<(String, String)> {
    let id = world.project(project).await.id;
    let snapshot = snapshot(world, &id).await;
    generate(&snapshot, &Options::default())
        .secrets
        .iter()
        .map(|s| (s.name.clone(), s.value().to_owned()))
        .collect()
}

fn mirage_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read the directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "mirage"))
        .collect();
    files.sort();
    files
}

/// Deletes the files and the state: only Railway is left.
fn forget(world: &World) {
    for file in mirage_files(&world.path()) {
        std::fs::remove_file(file).expect("delete a file");
    }
    let _ = std::fs::remove_dir_all(world.path().join(".mirage"));
}

/// generate → check clean → plan no changes → fmt --check clean; returns
/// the generate run and the files as one text.
async fn round_trip(world: &World, project: &str, args: &[&str]) -> (Run, String) {
    let mut all = vec!["import", "--generate"];
    all.extend_from_slice(args);
    all.push(".");
    let run = world.mirage(&all).await.ok("import --generate");
    let provided = secrets(world, project).await;
    for (name, value) in &provided {
        assert!(
            run.stdout.contains(name.as_str()),
            "the output lists `{name}` to provide\n{}",
            run.stdout
        );
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text.contains(value.as_str()),
                "a secret value was printed\n{text}"
            );
        }
    }
    let env: Vec<(&str, &str)> = provided
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let check = world.mirage_with(&["check", "."], &env).await.ok("check");
    assert!(!check.stdout.contains("warning"), "{}", check.stdout);
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &env)
        .await;
    assert_eq!(
        plan.code,
        Some(0),
        "the plan after generating has changes\n{}{}",
        plan.stdout,
        plan.stderr
    );
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
    world
        .mirage(&["fmt", "--check", "."])
        .await
        .ok("fmt --check");
    let mut text = String::new();
    for file in mirage_files(&world.path()) {
        let body = std::fs::read_to_string(&file).expect("read a generated file");
        for (_, value) in &provided {
            assert!(!body.contains(value.as_str()), "a secret value was written");
        }
        text.push_str(&format!(
            "// ---- {}\n{body}",
            file.file_name().unwrap_or_default().to_string_lossy()
        ));
    }
    (run, text)
}

fn golden(name: &str, text: &str) {
    let dir = support::repo_root().join("tests/adopt/generate");
    if let Err(failure) = support::snapshot(&dir, name, text) {
        panic!("{failure}");
    }
}

async fn example(name: &str, project: &str) {
    let world = World::applied(name).await;
    forget(&world);
    let (run, text) = round_trip(&world, project, &[]).await;
    assert!(
        run.stdout
            .contains("Wrote `./project.mirage` and `./services.mirage`"),
        "{}",
        run.stdout
    );
    golden(name, &text);
    // Running it again on the files it wrote: nothing to do.
    let again = world
        .mirage(&["import", "--generate", "."])
        .await
        .ok("generate again");
    assert!(
        again.stdout.contains("already describe"),
        "{}",
        again.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_saas_example_regenerated_plans_clean() {
    example("saas", "acme-shop").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_microservices_example_regenerated_plans_clean() {
    example("microservices", "orbit").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quickstart_example_regenerated_plans_clean() {
    example("quickstart", "quickstart").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_team_service_example_regenerated_plans_clean() {
    example("team-service", "mirage-team-service").await;
}

/// A project made through GraphQL, as in the dashboard: two environments
/// that differ, values with quotes, backslashes, newlines, `${{`, unicode,
/// a secret, and service names Mirage cannot say.
#[tokio::test(flavor = "multi_thread")]
async fn a_dashboard_project_with_awkward_values_round_trips() {
    let world = World::with_files(&[]).await;
    let h = &world.harness;
    let (project, production) = h.project("hand-made").await;
    let api = h.service(&project, "api", "nginx:1.27").await;
    let spaced = h.service(&project, "my api", "nginx:1.27").await;
    let dotted = h.service(&project, "a.b", "nginx:1.27").await;
    let staging = h
        .gql(
            "mutation($p: String!) { environmentCreate(input: {projectId: $p, name: \"staging\", sourceEnvironmentId: null}) { id } }",
            json!({"p": project}),
        )
        .await;
    let staging = staging.data()["environmentCreate"]["id"]
        .as_str()
        .expect("staging id")
        .to_owned();
    let awkward = "say \"hi\" \\ back\nslash · ünïcödé ✓ ${{shared.DB}}/x";
    for (env, level) in [(&production, "info"), (&staging, "debug")] {
        h.commit(
            env,
            json!({"services": {
                api.clone(): {"source": {"image": "nginx:1.27"}, "variables": {
                    "AWKWARD": {"value": awkward},
                    "BROKEN": {"value": "${{ not closed"},
                    "LOG_LEVEL": {"value": level},
                    "DB_URL": {"value": "${{shared.DB}}"},
                    "API_TOKEN": {"value": "tok_hand_NEVER_PRINT_1"},
                    "RAILWAY_PUBLIC_DOMAIN": {"value": "x.up.railway.app"},
                }},
                spaced.clone(): {"source": {"image": "nginx:1.27"}},
                dotted.clone(): {"source": {"image": "nginx:1.27"}},
            }, "sharedVariables": {"DB": {"value": "postgres://db"}}}),
        )
        .await
        .data();
    }
    let (run, text) = round_trip(&world, "hand-made", &["--project", "hand-made"]).await;
    assert!(text.contains("service \"api\""), "{text}");
    assert!(!text.contains("RAILWAY_PUBLIC_DOMAIN"), "{text}");
    assert!(
        text.contains("API_TOKEN (secret)\"env:API_TOKEN\""),
        "{text}"
    );
    assert!(!text.contains("my api") && !text.contains("a.b"), "{text}");
    for line in [
        "service `my api`: not a Mirage name",
        "service `a.b`: not a Mirage name",
        "variable `BROKEN` of `api` in `production`: its value holds `${{` without a closing `}}`",
        "API_TOKEN  used by `API_TOKEN` of `api` in `production`",
    ] {
        assert!(run.stdout.contains(line), "{}", run.stdout);
    }
    golden("hand-made", &text);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_project_that_does_not_exist_is_a_usage_error() {
    let world = World::with_files(&[]).await;
    world.harness.project("orbit").await;
    let run = world
        .mirage(&["import", "--generate", "--project", "orbti", "."])
        .await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("no project called `orbti`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("orbit"), "did you mean: {}", run.stderr);
    assert!(mirage_files(&world.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_project_and_several_on_railway_it_asks_which() {
    let world = World::with_files(&[]).await;
    world.harness.project("one").await;
    world.harness.project("two").await;
    let run = world.mirage(&["import", "--generate", "."]).await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("`one`, `two`"), "{}", run.stderr);
    assert!(run.stderr.contains("--project"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dir_that_is_a_file_is_refused() {
    let world = World::with_files(&[("notes.txt", "keep")]).await;
    world.harness.project("one").await;
    let run = world.mirage(&["import", "--generate", "notes.txt"]).await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("is not a directory"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(world.path().join("notes.txt")).expect("kept"),
        "keep"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_services_file_that_is_a_symlink_or_a_directory_is_never_written() {
    let world = World::with_files(&[("target.txt", "keep")]).await;
    let (project, _) = world.harness.project("one").await;
    world.harness.service(&project, "web", "nginx:1.27").await;
    std::os::unix::fs::symlink(
        world.path().join("target.txt"),
        world.path().join("services.mirage"),
    )
    .expect("symlink");
    let run = world.mirage(&["import", "--generate", "."]).await;
    assert_ne!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(
        std::fs::read_to_string(world.path().join("target.txt")).expect("kept"),
        "keep"
    );
    assert!(!world.path().join("project.mirage").exists());

    std::fs::remove_file(world.path().join("services.mirage")).expect("unlink");
    std::fs::create_dir(world.path().join("services.mirage")).expect("a directory");
    let run = world.mirage(&["import", "--generate", "."]).await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("exists and is not a regular file"),
        "{}",
        run.stderr
    );
    assert!(
        !world.path().join("project.mirage").exists(),
        "nothing half-written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn files_that_differ_from_railway_are_refused_and_kept() {
    let world = World::applied("quickstart").await;
    world.edit("main.mirage", |text| {
        text.replace("nginx:1.27", "nginx:1.28")
    });
    let before = std::fs::read_to_string(world.path().join("main.mirage")).expect("read");
    let run = world.mirage(&["import", "--generate", "."]).await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("differ from Railway"), "{}", run.stderr);
    assert!(
        run.stderr.contains("mirage import --all --prefer railway"),
        "a command that works off a terminal: {}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(world.path().join("main.mirage")).expect("read"),
        before
    );
    assert!(!world.path().join("services.mirage").exists());
}

/// The round trip as a property: random projects as snapshots (services
/// from repos and images, 2–4 environments with differing settings,
/// references between services, volumes, domains, TCP proxies, cron,
/// regions and replicas, secrets, shared variables) → the pure generator →
/// resolved in memory without errors → a plan against the same snapshot
/// without changes → `fmt` leaves the formatted text as it is.
mod property {
    use std::collections::BTreeMap;
    use std::path::Path;

    use mirage::adopt::generate::{Options, generate};
    use mirage::plan::{Filter, Owned, diff};
    use mirage::railway::Snapshot;
    use mirage::railway::snapshot::EnvironmentState;
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    const ENVS: [&str; 4] = ["production", "staging", "dev", "qa"];
    const SERVICES: [&str; 4] = ["api", "web", "db", "worker"];
    const REGIONS: [&str; 3] = ["us-west2", "us-east4-eqdc4a", "europe-west4-drams3a"];

    /// One service instance's knobs, drawn per environment.
    #[derive(Clone, Debug)]
    struct Instance {
        replicas: u32,
        region: usize,
        cron: bool,
        tcp: bool,
        domain: bool,
        volume: Option<u32>,
        level: usize,
        key: usize,
        extra: bool,
    }

    fn instance() -> impl Strategy<Value = Instance> {
        (
            1u32..4,
            0usize..3,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(1u32..5),
            0usize..3,
            0usize..3,
            any::<bool>(),
        )
            .prop_map(
                |(replicas, region, cron, tcp, domain, volume, level, key, extra)| Instance {
                    replicas,
                    region,
                    cron,
                    tcp,
                    domain,
                    volume,
                    level,
                    key,
                    extra,
                },
            )
    }

    #[derive(Clone, Debug)]
    struct Project {
        envs: usize,
        services: Vec<(bool, Vec<Instance>)>,
        shared: Vec<usize>,
        private_off: Vec<bool>,
    }

    fn project() -> impl Strategy<Value = Project> {
        (2usize..=4, 1usize..=4).prop_flat_map(|(envs, services)| {
            (
                Just(envs),
                proptest::collection::vec(
                    (any::<bool>(), proptest::collection::vec(instance(), envs)),
                    services,
                ),
                proptest::collection::vec(0usize..3, envs),
                proptest::collection::vec(any::<bool>(), envs),
            )
                .prop_map(|(envs, services, shared, private_off)| Project {
                    envs,
                    services,
                    shared,
                    private_off,
                })
        })
    }

    fn var(value: &str) -> Value {
        json!({ "value": value })
    }

    fn snapshot(p: &Project) -> Snapshot {
        let mut snapshot = Snapshot {
            project_id: "p-id".into(),
            project_name: "random".into(),
            ..Snapshot::default()
        };
        for (s, _) in p.services.iter().enumerate() {
            snapshot
                .services
                .insert(SERVICES[s].into(), format!("svc-{s}"));
        }
        for e in 0..p.envs {
            let mut services = Map::new();
            let mut volumes = Map::new();
            for (s, (from_repo, instances)) in p.services.iter().enumerate() {
                let i = &instances[e];
                let name = SERVICES[s];
                let source = if *from_repo {
                    json!({"repo": "acme/shop", "branch": "main"})
                } else {
                    json!({"image": format!("ghcr.io/acme/{name}:1.0")})
                };
                let mut vars = Map::new();
                vars.insert("LOG_LEVEL".into(), var(["info", "debug", "warn"][i.level]));
                vars.insert("API_KEY".into(), var(["k-one", "k-two", "k-three"][i.key]));
                // References go to an earlier service (a loop is an error).
                if s > 0 {
                    let other = SERVICES[s - 1];
                    vars.insert(
                        "PEER".into(),
                        var(&format!("http://${{{{{other}.RAILWAY_PRIVATE_DOMAIN}}}}")),
                    );
                }
                vars.insert("SHARED".into(), var("${{shared.S}}"));
                if i.extra {
                    vars.insert("EXTRA".into(), var("a \"quoted\" \\ line\nnext ✓"));
                }
                // Railway keeps the replicas in both places.
                let replicas = if i.volume.is_some() { 1 } else { i.replicas };
                let mut deploy = json!({
                    "numReplicas": replicas,
                    "multiRegionConfig": {REGIONS[i.region]: {"numReplicas": replicas}},
                });
                if i.cron {
                    deploy["cronSchedule"] = json!("*/15 * * * *");
                }
                let mut networking = json!({});
                if i.tcp {
                    networking["tcpProxies"] = json!({"5432": {}});
                }
                if i.domain {
                    networking["customDomains"] =
                        json!({format!("{name}.{}.shop.example", ENVS[e]): {"port": 8080}});
                }
                let mut config = json!({
                    "source": source,
                    "variables": vars,
                    "deploy": deploy,
                    "networking": networking,
                });
                if let Some(gb) = i.volume {
                    let id = format!("vol-{s}-{e}");
                    config["volumeMounts"] = json!({ id.clone(): {"mountPath": "/data"} });
                    volumes.insert(id.clone(), json!({"sizeMB": gb * 1000}));
                    snapshot.volumes.insert(format!("{name}-volume-{e}"), id);
                }
                services.insert(format!("svc-{s}"), config);
            }
            let config = json!({
                "services": services,
                "volumes": volumes,
                "sharedVariables": {
                    "S": var(["one", "two", "three"][p.shared[e]]),
                    "DB_PASSWORD": var(["pw-a", "pw-b", "pw-c"][p.shared[e]]),
                },
                "privateNetworkDisabled": p.private_off[e],
            });
            snapshot.environments.insert(
                ENVS[e].into(),
                EnvironmentState {
                    id: format!("env-{e}"),
                    name: ENVS[e].into(),
                    config_etag: "etag".into(),
                    config,
                    ..EnvironmentState::default()
                },
            );
        }
        snapshot
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn a_generated_description_plans_clean_against_its_snapshot(p in project()) {
            let snapshot = snapshot(&p);
            let generated = generate(&snapshot, &Options::default());
            let root = Path::new("/random");
            let mut files = Vec::new();
            for (name, text) in [
                ("project.mirage", &generated.project_file),
                ("services.mirage", &generated.services_file),
            ] {
                let formatted = mirage::syntax::format(text).expect("the text parses");
                prop_assert_eq!(
                    mirage::syntax::format(&formatted).expect("formatted text parses"),
                    formatted.clone()
                );
                files.push((root.join(name), formatted));
            }
            let analysis = mirage::resolve::analyze(root, files.clone());
            let errors: Vec<String> = analysis
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            prop_assert!(errors.is_empty(), "{errors:?}\n{}\n{}", files[0].1, files[1].1);
            let values: BTreeMap<String, String> = generated
                .secrets
                .iter()
                .map(|s| (s.reference.clone(), s.value().to_owned()))
                .collect();
            let lookup = move |secret: &mirage::model::SecretRef| {
                values.get(&format!("{}:{}", secret.scheme, secret.location)).cloned()
            };
            let plan = diff(
                &analysis.project,
                Some(&snapshot),
                &Owned::default(),
                &Filter::default(),
                &lookup,
            );
            prop_assert!(
                !plan.has_changes(),
                "{}\n{}\n{}",
                mirage::plan::render::text(&plan),
                files[0].1,
                files[1].1
            );
            prop_assert_eq!(generated.environments.len(), p.envs);
            prop_assert_eq!(generated.services.len(), p.services.len());
        }
    }
}

/// The lines added to each file (a diff of the files before and after,
/// `+` lines only with their file; a removed line would be listed as `-`).
fn added_lines(before: &[(PathBuf, String)], dir: &Path) -> String {
    let mut out = String::new();
    for (path, old) in before {
        let new = std::fs::read_to_string(path).expect("read a file");
        let diff = similar::TextDiff::from_lines(old.as_str(), new.as_str());
        let mut changes = String::new();
        for change in diff.iter_all_changes() {
            match change.tag() {
                similar::ChangeTag::Equal => {}
                similar::ChangeTag::Insert => changes.push_str(&format!("+{change}")),
                similar::ChangeTag::Delete => changes.push_str(&format!("-{change}")),
            }
        }
        if !changes.is_empty() {
            let name = path.strip_prefix(dir).unwrap_or(path).display();
            out.push_str(&format!("// ---- {name}\n{changes}"));
        }
    }
    out
}

/// A dashboard user adds a service (`search`, different in production and
/// staging) and an environment (`qa`, a copy of staging where `api` logs
/// less) to the project the `saas` example applied: `import --generate`
/// on the example's files appends exactly those blocks, keeps every byte
/// (comments too) of what was there, and records them, so that `check` is
/// clean and `plan` shows no changes; again, it has nothing to write.
#[tokio::test(flavor = "multi_thread")]
async fn files_that_lack_a_service_and_an_environment_railway_has_gain_their_blocks() {
    let world = World::applied("saas").await;
    let h = &world.harness;
    world.edit("environments.mirage", |text| {
        format!("// Hand-written: ask #ops before adding an environment.\n{text}")
    });
    let remote = world.project("acme-shop").await;
    let env = |name: &str| {
        remote
            .environments
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
            .expect("environment")
    };
    let search = h
        .service(&remote.id, "search", "getmeili/meilisearch:v1.8")
        .await;
    for (name, mode) in [("production", "production"), ("staging", "development")] {
        h.commit(
            &env(name),
            // As Railway has a service made in the dashboard: in the
            // project's region, one replica (kept in both places).
            json!({"services": {search.clone(): {
                "variables": {"MEILI_ENV": {"value": mode}},
                "deploy": {"numReplicas": 1, "multiRegionConfig": {"us-west2": {"numReplicas": 1}}},
            }}}),
        )
        .await
        .data();
    }
    let qa = h
        .gql(
            "mutation($p: String!, $s: String!) { environmentCreate(input: {projectId: $p, name: \"qa\", sourceEnvironmentId: $s}) { id } }",
            json!({"p": remote.id, "s": env("staging")}),
        )
        .await;
    let qa = qa.data()["environmentCreate"]["id"]
        .as_str()
        .expect("qa id")
        .to_owned();
    let api = remote
        .services
        .iter()
        .find(|(n, _)| n == "api")
        .map(|(_, id)| id.clone())
        .expect("api");
    h.commit(
        &qa,
        json!({"services": {api: {"variables": {"LOG_LEVEL": {"value": "warn"}}}}}),
    )
    .await
    .data();

    let before: Vec<(PathBuf, String)> = mirage_files(&world.path())
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            (p, text)
        })
        .collect();
    let run = world
        .mirage(&["import", "--generate", "."])
        .await
        .ok("import --generate on the changed project");
    assert!(
        run.stdout.contains("Appended to the files in `.`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Recorded as Mirage's:"),
        "{}",
        run.stdout
    );
    for text in [&run.stdout, &run.stderr] {
        assert!(
            !text.contains(support::STRIPE),
            "a secret value was printed"
        );
    }
    let added = added_lines(&before, &world.path());
    // The only line that changes is an environment's that gains a block.
    for removed in added.lines().filter(|l| l.starts_with('-')) {
        assert!(
            added.contains(&format!("+{} {{\n", &removed[1..])),
            "a line of the files was removed or changed: {removed}\n{added}"
        );
    }
    for (path, old) in &before {
        let new = std::fs::read_to_string(path).expect("read");
        for line in old.lines().filter(|l| l.trim_start().starts_with("//")) {
            assert!(new.contains(line), "the comment `{line}` was lost\n{new}");
        }
    }
    golden("re-run-appends", &format!("{}\n{added}", run.stdout));

    let check = world.mirage(&["check", "."]).await.ok("check");
    assert!(!check.stdout.contains("warning"), "{}", check.stdout);
    let plan = world.mirage(&["plan", ".", "--detailed-exitcode"]).await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
    let again = world
        .mirage(&["import", "--generate", "."])
        .await
        .ok("generate again");
    assert!(
        again.stdout.contains("already describe"),
        "{}",
        again.stdout
    );
}

/// Once refused (`files_incomplete`): files that agree with Railway but
/// lack a service it has now gain that service's block, appended to the
/// file that declares the services, every byte before it kept.
#[tokio::test(flavor = "multi_thread")]
async fn files_that_lack_a_service_railway_has_gain_its_block_and_keep_the_rest() {
    let world = World::applied("quickstart").await;
    let project = world.project("quickstart").await.id;
    world.harness.service(&project, "extra", "redis:7").await;
    let before = std::fs::read_to_string(world.path().join("main.mirage")).expect("read");
    let run = world
        .mirage(&["import", "--generate", "."])
        .await
        .ok("import --generate");
    assert!(
        run.stdout
            .contains("service `extra` appended to `./main.mirage`"),
        "{}",
        run.stdout
    );
    let after = std::fs::read_to_string(world.path().join("main.mirage")).expect("read");
    assert!(
        after.starts_with(&before),
        "the file's bytes are kept, the block appended\n{after}"
    );
    assert!(after.contains("service \"extra\""), "{after}");
    assert_eq!(
        mirage_files(&world.path()).len(),
        1,
        "nothing written beside"
    );
    let plan = world.mirage(&["plan", ".", "--detailed-exitcode"]).await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
}

/// `--prefer railway` with `--generate`, on files not yet Mirage's: a
/// value the files declare differently takes Railway's (edited in place), and the service they
/// lack is appended, in one run; the next plan shows no changes.
#[tokio::test(flavor = "multi_thread")]
async fn prefer_railway_with_generate_takes_railways_values_and_appends() {
    let world = World::applied("quickstart").await;
    let project = world.project("quickstart").await.id;
    world.harness.service(&project, "extra", "redis:7").await;
    world.edit("main.mirage", |text| {
        text.replace("nginx:1.27", "nginx:1.28")
    });
    // Files written by hand, not Mirage's yet: the differing value is a
    // conflict (`adopt::conflicts`), which `--prefer railway` settles.
    let _ = std::fs::remove_dir_all(world.path().join(".mirage"));
    let run = world
        .mirage(&["import", "--generate", "--prefer", "railway", "."])
        .await
        .ok("import --generate --prefer railway");
    assert!(
        run.stdout.contains("now says Railway's value"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("service `extra` appended to `./main.mirage`"),
        "{}",
        run.stdout
    );
    let after = std::fs::read_to_string(world.path().join("main.mirage")).expect("read");
    assert!(
        after.contains("nginx:1.27") && !after.contains("nginx:1.28"),
        "{after}"
    );
    assert!(
        after.contains("// The smallest useful Mirage project"),
        "{after}"
    );
    let plan = world.mirage(&["plan", ".", "--detailed-exitcode"]).await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);

    let files = world
        .mirage(&["import", "--generate", "--prefer", "files", "."])
        .await;
    assert_eq!(files.code, Some(2), "{}", files.stderr);
    assert!(
        files.stderr.contains("takes `--prefer railway` only"),
        "{}",
        files.stderr
    );
}
