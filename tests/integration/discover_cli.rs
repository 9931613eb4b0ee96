//! `mirage discover` end to end: the real binary on fixture repositories.

use crate::support;

use support::{Test, repo_root};

fn fixture(name: &str) -> String {
    repo_root()
        .join("tests/fixtures/discover")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn lists_services_as_a_table() {
    Test::new()
        .args(["discover", &fixture("pnpm-turbo")])
        .status(0)
        .stdout(
            "SERVICE        PATH                    KIND     BUILD                   PORTS      DEPENDS ON
api            apps/api                app      apps/api/Dockerfile     8080,9229  db
web            apps/web                app      apps/web/Dockerfile     3000       ui
worker         apps/worker             app      apps/worker/Dockerfile             db
eslint-config  packages/config/eslint  library  pnpm
db             packages/db             library  pnpm
ui             packages/ui             library  pnpm

found with: pnpm, turborepo
",
        )
        .stderr("")
        .run();
}

#[test]
fn json_matches_the_library_snapshot_shape() {
    let out = Test::new()
        .args(["discover", &fixture("go-work"), "--json"])
        .status(0)
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_default();
    assert_eq!(json["tools"], serde_json::json!(["go"]));
    assert_eq!(json["services"][0]["service"], "api");
    assert_eq!(json["services"][0]["ports"][0]["start"], 8080);
    assert_eq!(
        json["services"][0]["dependencies"],
        serde_json::json!(["example.com/acme/store"])
    );
}

#[test]
fn graph_formats() {
    Test::new()
        .args(["discover", &fixture("cargo"), "--graph"])
        .status(0)
        .stdout("server (bins/server)\n  -> core\n  -> http-api\ncore (crates/core)\nhttp-api (crates/http)\n  -> core\n")
        .run();
    Test::new()
        .args(["discover", &fixture("cargo"), "--graph", "--format", "dot"])
        .status(0)
        .stdout(
            "digraph services {\n  rankdir=LR;\n  \"server\" [shape=box];\n  \"core\" [shape=ellipse];\n  \"http-api\" [shape=ellipse];\n  \"server\" -> \"core\";\n  \"server\" -> \"http-api\";\n  \"http-api\" -> \"core\";\n}\n",
        )
        .run();
    Test::new()
        .args([
            "discover",
            &fixture("cargo"),
            "--graph",
            "--format",
            "mermaid",
        ])
        .status(0)
        .stdout_contains("graph LR\n  server[\"server\"]\n  core([\"core\"])\n")
        .stdout_contains("  http_api --> core\n")
        .run();
}

#[test]
fn errors_exit_one_with_diagnostics() {
    Test::new()
        .args(["discover", &fixture("broken")])
        .env("NO_COLOR", "1")
        .status(1)
        .stderr_contains("mirage::discover::duplicate_package")
        .stderr_contains("two workspace packages are called `same`")
        .stderr_contains("packages/b/package.json:2:11")
        .stderr_contains("heredoc `EOF` is never closed")
        .stderr_contains("error: 3 errors emitted")
        .run();
}

#[test]
fn usage_errors_exit_two() {
    Test::new()
        .args(["discover", "does-not-exist"])
        .status(2)
        .stderr_contains("`does-not-exist` is not a directory")
        .run();
    Test::new()
        .args(["discover", "--format", "dot"])
        .status(2)
        .run();
}

#[test]
fn gitignore_in_a_temporary_repository() {
    Test::new()
        .file(".gitignore", "generated/\n")
        .file("Dockerfile", "FROM nginx\nEXPOSE 80\n")
        .file("generated/Dockerfile", "FROM nope\n")
        .file("jobs/cleanup.Dockerfile", "FROM alpine\n")
        .args(["discover", "--graph"])
        .status(0)
        .stdout_contains("cleanup (jobs)\n")
        .stdout_lacks("generated")
        .run();
}

// Inputs the hand-written YAML, TOML, glob, ignore and semver readers got
// wrong (issue #13): each test below failed before discovery used the
// maintained crates.

#[test]
fn pnpm_workspace_list_at_the_root_indentation() {
    Test::new()
        .file(
            "package.json",
            r#"{"name": "root", "packageManager": "pnpm@9.0.0"}"#,
        )
        .file("pnpm-workspace.yaml", "packages:\n- apps/*\n")
        .file(
            "apps/api/package.json",
            r#"{"name": "@acme/api", "scripts": {"start": "node ."}}"#,
        )
        .args(["discover", "--graph"])
        .status(0)
        .stdout("api (apps/api)\n")
        .run();
}

#[test]
fn pnpm_workspace_flow_list_over_lines_and_catalog_aliases() {
    Test::new()
        .file("package.json", r#"{"name": "root", "packageManager": "pnpm@9.0.0"}"#)
        .file(
            "pnpm-workspace.yaml",
            "packages: [\n  apps/*,\n  'libs/*',\n  ]\ncatalogs:\n  shared: &shared\n    '@acme/lib': 'workspace:*'\n  web: *shared\n",
        )
        .file(
            "apps/web/package.json",
            r#"{"name": "@acme/web", "scripts": {"start": "node ."}, "dependencies": {"@acme/lib": "catalog:web"}}"#,
        )
        .file("libs/lib/package.json", r#"{"name": "@acme/lib"}"#)
        .args(["discover", "--graph"])
        .status(0)
        .stdout("web (apps/web)\n  -> lib\nlib (libs/lib)\n")
        .run();
}

#[test]
fn broken_pnpm_workspace_is_a_located_error() {
    Test::new()
        .file(
            "package.json",
            r#"{"name": "root", "packageManager": "pnpm@9.0.0"}"#,
        )
        .file("pnpm-workspace.yaml", "packages:\n  - 'apps/*\n")
        .args(["discover"])
        .status(1)
        .stderr_contains("mirage::discover::invalid_yaml")
        .stderr_contains("`pnpm-workspace.yaml` is not valid YAML: ")
        .stderr_contains("pnpm-workspace.yaml:")
        .stderr_contains("help: fix the syntax; discovery skips this file until then")
        .run();
}

#[test]
fn cargo_manifests_in_every_toml_spelling() {
    Test::new()
        .file(
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\", \"bins/*\"]\n\n[workspace.dependencies]\nmetrics = { path = \"crates/metrics\" }\n",
        )
        .file("crates/core/Cargo.toml", "[package]\nname = \"core\"\n")
        .file("crates/metrics/Cargo.toml", "[package]\nname = \"metrics\"\n")
        // A multi-line string holding what looks like a table is a string.
        .file(
            "crates/util/Cargo.toml",
            "[package]\nname = \"util\"\ndescription = \"\"\"\nHelpers.\n[dependencies]\ncore = { path = \"../core\" }\n\"\"\"\n",
        )
        // An escaped name, a quoted dotted key, and two `[[bin]]` tables.
        .file(
            "bins/server/Cargo.toml",
            "[package]\nname = \"ser\\u0076er\"\n\n[dependencies]\n\"metrics\".workspace = true\n\n[[bin]]\nname = \"server\"\npath = \"server.rs\"\n\n[[bin]]\nname = \"admin\"\npath = \"admin.rs\"\n",
        )
        .args(["discover", "--graph"])
        .status(0)
        .stdout("server (bins/server)\n  -> metrics\ncore (crates/core)\nmetrics (crates/metrics)\nutil (crates/util)\n")
        .run();
}

#[test]
fn broken_cargo_toml_is_a_located_error() {
    Test::new()
        .file("Cargo.toml", "[package]\nname = \"app\"\nversion = 1.0.0\n")
        .args(["discover"])
        .status(1)
        .stderr_contains("mirage::discover::invalid_toml")
        .stderr_contains("`Cargo.toml` is not valid TOML: ")
        .stderr_contains("Cargo.toml:3:")
        .run();
}

#[test]
fn gitignore_double_star_leaves_the_directory_open_to_negations() {
    Test::new()
        .file(".gitignore", "build/**\n!build/Dockerfile\n")
        .file("build/Dockerfile", "FROM nginx\n")
        .file("build/other/Dockerfile", "FROM nginx\n")
        .args(["discover", "--graph"])
        .status(0)
        .stdout_contains("(build)\n")
        .stdout_lacks("build/other")
        .run();
}

#[test]
fn git_info_exclude_and_the_global_excludes_file() {
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let config = home.path().join("config");
    std::fs::create_dir_all(config.join("git")).unwrap_or_else(|e| panic!("mkdir: {e}"));
    std::fs::write(config.join("git/ignore"), "scratch-*/\n")
        .unwrap_or_else(|e| panic!("write: {e}"));
    Test::new()
        .file(".git/info/exclude", "local/\n")
        .file("api/Dockerfile", "FROM nginx\n")
        .file("local/Dockerfile", "FROM nginx\n")
        .file("scratch-1/Dockerfile", "FROM nginx\n")
        .env("HOME", &home.path().to_string_lossy())
        .env("XDG_CONFIG_HOME", &config.to_string_lossy())
        .args(["discover", "--graph"])
        .status(0)
        .stdout("api (api)\n")
        .run();
}

#[test]
fn workspace_glob_question_mark_is_one_character() {
    Test::new()
        .file(
            "package.json",
            r#"{"name": "root", "workspaces": ["apps/caf?"]}"#,
        )
        .file("package-lock.json", "{}")
        .file(
            "apps/café/package.json",
            r#"{"name": "cafe", "scripts": {"start": "node ."}}"#,
        )
        .args(["discover", "--graph"])
        .status(0)
        .stdout("cafe (apps/café)\n")
        .run();
}

#[test]
fn pre_release_versions_follow_npm_rules() {
    // `^2.0.0` does not accept `2.0.0-beta.1` (npm installs from the
    // registry); `^2.0.0-beta.0` does.
    Test::new()
        .file(
            "package.json",
            r#"{"name": "root", "workspaces": ["packages/*"]}"#,
        )
        .file("package-lock.json", "{}")
        .file(
            "packages/lib/package.json",
            r#"{"name": "lib", "version": "2.0.0-beta.1"}"#,
        )
        .file(
            "packages/old/package.json",
            r#"{"name": "old", "dependencies": {"lib": "^2.0.0"}}"#,
        )
        .file(
            "packages/new/package.json",
            r#"{"name": "new", "dependencies": {"lib": "^2.0.0-beta.0"}}"#,
        )
        .args(["discover", "--graph"])
        .status(0)
        .stdout("lib (packages/lib)\nnew (packages/new)\n  -> lib\nold (packages/old)\n")
        .run();
}

#[test]
fn services_named_after_meaningful_directories_with_variants() {
    // Shaped like GoogleCloudPlatform/microservices-demo (issue #12 item 9):
    // the cart service is `cartservice`, not `src`, and its
    // `Dockerfile.debug` is a variant of it, not a service called `debug`.
    Test::new()
        .args(["discover", &fixture("microservices-demo")])
        .status(0)
        .stdout_contains("cartservice      src/cartservice/src  app   src/cartservice/src/Dockerfile (variants: debug)")
        .stdout_lacks("\nsrc ")
        .stdout_lacks("\ndebug ")
        .stdout_contains("\nloadgenerator ")
        .run();
}
