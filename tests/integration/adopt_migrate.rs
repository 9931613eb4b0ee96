//! `mirage migrate` on the corpus of real `railway.json` / `railway.toml`
//! files (`tests/fixtures/railway-config/`, sources in its `SOURCES.md`):
//! every file converts (golden: the service's `EnvironmentConfig`, the
//! `.mirage` text and the report) or gets a located error (golden
//! diagnostic); hostile paths are refused; `--write` appends or refuses.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use crate::support::repo_root;

fn corpus() -> PathBuf {
    repo_root().join("tests/fixtures/railway-config")
}

/// A copy of the corpus in a directory of its own (outside the repository,
/// so no `root` is derived from where the fixtures live).
fn corpus_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in fixtures() {
        std::fs::copy(corpus().join(&name), dir.path().join(&name)).expect("copy");
    }
    dir
}

fn migrate(dir: &Path, args: &[&str]) -> Output {
    crate::support::mirage_command()
        .current_dir(dir)
        .arg("migrate")
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("MIRAGE_TOKEN")
        .output()
        .expect("run mirage")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every fixture (but `SOURCES.md`), sorted.
fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus())
        .expect("corpus")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") || n.ends_with(".toml"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_corpus_file_converts_or_gets_a_located_error() {
    let names = fixtures();
    assert!(names.len() >= 20, "the corpus holds {} files", names.len());
    let copy = corpus_copy();
    for name in names {
        let out = migrate(copy.path(), &["--service", "app", "--json", &name]);
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {}", text(&out.stdout)));
        let converted = doc["services"].as_array().is_some_and(|s| s.len() == 1);
        let diagnostics = doc["diagnostics"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        // Either converted with exit 0, or refused with exit 1 and a
        // located error (file, line, column).
        if converted {
            assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        } else {
            assert_eq!(out.status.code(), Some(1), "{name}");
            assert!(
                !diagnostics.is_empty(),
                "{name}: refused without a diagnostic"
            );
        }
        let human = migrate(copy.path(), &["--service", "app", &name]);
        let snapshot = format!(
            "exit: {:?}\n--- config\n{}\n--- stdout\n{}--- stderr\n{}",
            human.status.code(),
            serde_json::to_string_pretty(&json!({
                "services": doc["services"],
                "unmapped": doc["unmapped"],
            }))
            .unwrap_or_default(),
            text(&human.stdout),
            text(&human.stderr),
        );
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
        insta::assert_snapshot!(format!("migrate_{stem}"), snapshot);
    }
}

/// The expected `EnvironmentConfig` of the richest fixtures, written by
/// hand from Railway's reference (not by the code under test).
#[test]
fn the_config_is_what_railway_would_hold() {
    let cases = [
        (
            "23-marknotfound-puckflow-worker-envs.toml",
            json!({
                "build": {
                    "builder": "RAILPACK",
                    "buildCommand": "pnpm --filter @puckflow/worker build",
                    "watchPatterns": ["/apps/worker/**", "/packages/core/**", "/packages/db/**", "/package.json", "/pnpm-lock.yaml", "/pnpm-workspace.yaml", "/turbo.json"]
                },
                "deploy": {
                    "startCommand": "node apps/worker/dist/server.js",
                    "preDeployCommand": ["pnpm --filter @puckflow/db migrate"],
                    "healthcheckPath": "/health/ready",
                    "healthcheckTimeout": 120,
                    "restartPolicyType": "ON_FAILURE",
                    "restartPolicyMaxRetries": 3,
                    "overlapSeconds": 60,
                    "drainingSeconds": 10,
                    "multiRegionConfig": {
                        "us-west2": { "numReplicas": 2 },
                        "europe-west4-drams3a": { "numReplicas": 1 }
                    }
                }
            }),
            json!({
                "pr": { "deploy": { "preDeployCommand": [], "sleepApplication": true } },
                "staging": { "deploy": { "startCommand": "node apps/worker/dist/server.js --staging", "restartPolicyMaxRetries": 1 } }
            }),
        ),
        (
            "03-heyxyz-hey-cron.json",
            json!({
                "build": { "builder": "NIXPACKS", "buildCommand": "pnpm --filter @hey/cron build" },
                "deploy": {
                    "startCommand": "pnpm --filter @hey/cron start",
                    "healthcheckPath": "/",
                    "healthcheckTimeout": 1000,
                    "numReplicas": 1,
                    "restartPolicyType": "ALWAYS",
                    "sleepApplication": false,
                    "limitOverride": { "containers": { "cpu": 5.0, "memoryBytes": 5000000000u64 } },
                    "multiRegionConfig": { "europe-west4-drams3a": { "numReplicas": 1 } }
                }
            }),
            json!({}),
        ),
        (
            "10-0xbunch-lazyriverco.toml",
            json!({ "deploy": { "preDeployCommand": ["npx prisma migrate deploy"] } }),
            json!({}),
        ),
    ];
    let copy = corpus_copy();
    for (name, base, envs) in cases {
        let out = migrate(copy.path(), &["--service", "app", "--json", name]);
        let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(doc["services"][0]["config"], base, "{name}");
        assert_eq!(doc["services"][0]["environments"], envs, "{name}");
    }
}

#[test]
fn a_monorepo_file_is_named_after_its_directory_with_its_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join(".git")).expect("git");
    std::fs::create_dir_all(dir.path().join("apps/api")).expect("dirs");
    std::fs::copy(
        corpus().join("06-aiiyyman-agentic-bank-api.toml"),
        dir.path().join("apps/api/railway.toml"),
    )
    .expect("copy");
    std::fs::create_dir_all(dir.path().join("node_modules/x")).expect("dirs");
    std::fs::write(dir.path().join("node_modules/x/railway.json"), "{").expect("write");
    let out = migrate(dir.path(), &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["services"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["services"][0]["service"], "api");
    assert_eq!(
        doc["services"][0]["config"]["source"]["rootDirectory"],
        "apps/api"
    );
}

#[test]
fn hostile_paths_are_refused_and_the_others_still_convert() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = &tmp.path().join("proj");
    let good = dir.join("good");
    std::fs::create_dir_all(&good).expect("dir");
    std::fs::copy(
        corpus().join("04-adamgordonbell-password-generator-cron.toml"),
        good.join("railway.toml"),
    )
    .expect("copy");
    std::fs::create_dir_all(dir.join("adir/railway.json")).expect("dir");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.json")).expect("symlink");
    let huge = dir.join("huge.json");
    std::fs::write(&huge, " ".repeat(2 * 1024 * 1024)).expect("huge");
    let deep = dir.join("deep.json");
    std::fs::write(&deep, "[".repeat(200)).expect("deep");
    let out = migrate(
        dir,
        &[
            "adir/railway.json",
            "zero.json",
            "huge.json",
            "deep.json",
            "good/railway.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot read `adir/railway.json`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cannot read `zero.json`: not a regular file"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cannot read `huge.json`: larger than 1024 KiB"),
        "{stderr}"
    );
    assert!(
        stderr.contains("nested more than 64 levels deep"),
        "{stderr}"
    );
    assert!(
        text(&out.stdout).contains("service \"good\""),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn write_appends_to_services_mirage_and_refuses_a_declared_service() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path();
    std::fs::write(
        project.join("services.mirage"),
        "// kept comment\nservice \"db\" {\n    image \"postgres:16\"\n}\n",
    )
    .expect("write");
    let file = corpus().join("24-cosborn2-bnh-template-api-envs.json");
    let file = file.to_string_lossy();
    let out = migrate(project, &["--service", "api", "--write", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(project.join("services.mirage")).expect("read");
    assert!(written.contains("// kept comment"), "{written}");
    assert!(written.contains("service \"db\""), "{written}");
    assert!(written.contains("service \"api\""), "{written}");
    assert!(
        written.contains("environment \"pr\" ephemeral=#true"),
        "{written}"
    );
    // Again: `api` and its environments are declared now.
    let again = migrate(project, &["--service", "api", "--write", &file]);
    assert_eq!(again.status.code(), Some(1));
    let stderr = text(&again.stderr);
    assert!(stderr.contains("already declares"), "{stderr}");
    assert!(stderr.contains("service `api`"), "{stderr}");
    let after = std::fs::read_to_string(project.join("services.mirage")).expect("read");
    assert_eq!(after, written, "a refused write changed the file");
}

#[test]
fn a_directory_name_mirage_cannot_take_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let odd = dir.path().join("my.app");
    std::fs::create_dir_all(&odd).expect("dir");
    std::fs::write(odd.join("railway.json"), "{}").expect("write");
    let out = migrate(dir.path(), &["my.app/railway.json"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("`my.app` cannot be a Mirage service name"),
        "{stderr}"
    );
    assert!(stderr.contains("--service NAME"), "{stderr}");
}

/// Every leaf of `want` (the region map whole) equals `got`'s at its
/// path, numbers compared as numbers.
fn assert_holds(got: &Value, want: &Value, path: &str) {
    match want {
        Value::Object(map) if !path.ends_with("multiRegionConfig") => {
            for (k, v) in map {
                let next = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                assert_holds(&got[k.as_str()], v, &next);
            }
        }
        Value::Number(n) => assert_eq!(got.as_f64(), n.as_f64(), "{path}: {got}"),
        _ => assert_eq!(normalise(got), normalise(want), "{path}"),
    }
}

fn normalise(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// What Railway should hold for fixture 24 in `production`, written by
/// hand from the file: the base, with `environments.production` on top.
fn fixture_24_production() -> Value {
    json!({
        "build": {
            "builder": "RAILPACK",
            "railpackVersion": "0.7.0",
            "buildCommand": "bun run --filter=@app/api build"
        },
        "deploy": {
            "healthcheckPath": "/api/health",
            "startCommand": "bun apps/api/dist/index.js",
            "preDeployCommand": ["bun run db:migrate", "bun run db:seed"],
            "restartPolicyType": "ON_FAILURE",
            "restartPolicyMaxRetries": 10,
            "multiRegionConfig": {
                "us-west2": { "numReplicas": 2 },
                "us-east4-eqdc4a": { "numReplicas": 2 }
            }
        }
    })
}

/// Migrated files applied on the emulator give Railway what the config
/// file says; the next plan has no changes; `--check` agrees, then
/// disagrees once the files change a migrated setting.
#[tokio::test]
async fn applying_the_result_gives_railway_the_config_file_settings() {
    use crate::support::World;
    let world = World::with_files(&[("project.mirage", "project \"migrated\"\n")]).await;
    std::fs::copy(
        corpus().join("24-cosborn2-bnh-template-api-envs.json"),
        world.path().join("railway.json"),
    )
    .expect("copy");
    world
        .mirage(&["migrate", "--service", "api", "--write", "railway.json"])
        .await
        .ok("migrate --write");
    // A config file has no source: the user adds one.
    world.edit("services.mirage", |text| {
        text.replacen(
            "service \"api\" {",
            "service \"api\" {\n    image \"ghcr.io/acme/api:1.0.0\"",
            1,
        )
    });
    world.apply().await;
    let project = world.project("migrated").await;
    let env = project
        .environments
        .iter()
        .find(|(n, _)| n == "production")
        .map(|(_, id)| id.clone())
        .expect("production");
    let service = project
        .services
        .iter()
        .find(|(n, _)| n == "api")
        .map(|(_, id)| id.clone())
        .expect("api");
    let (config, _) = world.harness.config(&env).await;
    assert_holds(
        &config["services"][service.as_str()],
        &fixture_24_production(),
        "",
    );
    world
        .assert_no_changes("after applying the migrated files")
        .await;

    let agree = world
        .mirage(&["migrate", "--check", "--service", "api", "railway.json"])
        .await;
    assert_eq!(agree.code, Some(0), "{}{}", agree.stdout, agree.stderr);
    assert!(agree.stdout.contains("agree"), "{}", agree.stdout);

    world.edit("services.mirage", |text| {
        text.replace(
            "bun apps/api/dist/index.js\"",
            "bun apps/api/dist/other.js\"",
        )
    });
    let differ = world
        .mirage(&[
            "migrate",
            "--check",
            "--json",
            "--service",
            "api",
            "railway.json",
        ])
        .await;
    assert_eq!(differ.code, Some(1), "{}{}", differ.stdout, differ.stderr);
    let doc: Value = serde_json::from_str(&differ.stdout).expect("json");
    let keys: Vec<&str> = doc["differences"]
        .as_array()
        .map(|d| d.iter().filter_map(|x| x["key"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(keys, ["deploy.startCommand"], "{}", differ.stdout);
    assert_eq!(doc["differences"][0]["files"], "bun apps/api/dist/other.js");
    assert_eq!(
        doc["differences"][0]["railway"],
        "bun apps/api/dist/index.js"
    );
}

/// `--check` against Railway alone: files that agree with Railway but
/// not with the config file disagree (no emulator writes by the test's
/// files needed: the config file's start command is not what was applied).
#[tokio::test]
async fn check_disagrees_when_railway_and_the_files_say_otherwise() {
    use crate::support::World;
    let world = World::with_files(&[(
        "project.mirage",
        "project \"checked\"\n\nservice \"api\" {\n    image \"ghcr.io/acme/api:1.0.0\"\n    start \"node other.js\"\n}\n\nenvironment \"production\"\n",
    )])
    .await;
    world.apply().await;
    std::fs::copy(
        corpus().join("09-crufro-hyperscape-api.json"),
        world.path().join("railway.json"),
    )
    .expect("copy");
    let run = world
        .mirage(&["migrate", "--check", "--service", "api", "railway.json"])
        .await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "production/api `deploy.startCommand`: config file \"node server/api.mjs\", files \"node other.js\", Railway \"node other.js\""
        ),
        "{}",
        run.stdout
    );
}

/// After migrating, the service's config file is cleared with Mirage by
/// writing `config-file ""`: the plan sends `configFile: ""` and the next
/// plan is clean (what Railway makes of `""` is unconfirmed, see
/// `docs/railway-assumptions.md`).
#[tokio::test]
async fn the_config_file_setting_is_cleared_with_an_empty_path() {
    use crate::support::World;
    let world = World::with_files(&[(
        "project.mirage",
        "project \"cleared\"\n\nservice \"api\" {\n    image \"ghcr.io/acme/api:1.0.0\"\n    config-file \"/apps/api/railway.json\"\n}\n\nenvironment \"production\"\n",
    )])
    .await;
    world.apply().await;
    let project = world.project("cleared").await;
    let env = project
        .environments
        .iter()
        .find(|(n, _)| n == "production")
        .map(|(_, id)| id.clone())
        .expect("env");
    let service = project
        .services
        .iter()
        .find(|(n, _)| n == "api")
        .map(|(_, id)| id.clone())
        .expect("api");
    let (config, _) = world.harness.config(&env).await;
    assert_eq!(
        config["services"][service.as_str()]["configFile"],
        "/apps/api/railway.json"
    );
    world.edit("project.mirage", |t| {
        t.replace("config-file \"/apps/api/railway.json\"", "config-file \"\"")
    });
    let plan = world.plan().await;
    assert!(
        plan.stdout.contains("configFile") || plan.stdout.contains("config-file"),
        "{}{}",
        plan.stdout,
        plan.stderr
    );
    world.apply().await;
    let (config, _) = world.harness.config(&env).await;
    assert_eq!(config["services"][service.as_str()]["configFile"], "");
    world
        .assert_no_changes("after clearing the config file")
        .await;
}

/// What the shared mapping cannot say (a region it does not know, a cron
/// it refuses) is reported at the key's place in the file, like migrate's
/// own notes — not at line 0.
#[test]
fn what_the_mapping_cannot_say_is_located_in_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let api = dir.path().join("api");
    std::fs::create_dir_all(&api).expect("dir");
    std::fs::write(
        api.join("railway.json"),
        "{\n  \"deploy\": {\n    \"startCommand\": \"node a.js\",\n    \"multiRegionConfig\": { \"mars-north1\": { \"numReplicas\": 2 } },\n    \"cronSchedule\": \"not a cron\"\n  }\n}\n",
    )
    .expect("write");
    let out = migrate(dir.path(), &["api/railway.json"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "api/railway.json:4:28: `deploy.multiRegionConfig.mars-north1` is not migrated"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("api/railway.json:5:5: `deploy.cronSchedule` is not migrated"),
        "{stderr}"
    );
    assert!(text(&out.stdout).contains("start \"node a.js\""));
}
