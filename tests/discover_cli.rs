//! `mirage discover` end to end: the real binary on fixture repositories.

mod support;

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
