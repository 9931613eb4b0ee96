//! Discovery on the fixture repositories in `tests/fixtures/discover`, each
//! compared with its reviewed JSON snapshot in `tests/snapshots`.

use std::path::Path;

use mirage::discover::{discover, render};

fn snapshot(name: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/discover")
        .join(name);
    let discovery = match discover(&root) {
        Ok(d) => d,
        Err(e) => panic!("discovery of `{name}` failed: {e}"),
    };
    let json = render::to_json(&discovery);
    serde_json::to_string_pretty(&json).unwrap_or_default()
}

macro_rules! fixture {
    ($test:ident, $dir:literal) => {
        #[test]
        fn $test() {
            insta::assert_snapshot!(stringify!($test), snapshot($dir));
        }
    };
}

fixture!(pnpm_turbo, "pnpm-turbo");
fixture!(npm_workspaces, "npm-workspaces");
fixture!(yarn_berry, "yarn-berry");
fixture!(yarn_classic, "yarn-classic");
fixture!(bun_text_lockfile, "bun");
fixture!(bun_binary_lockfile, "bun-lockb");
fixture!(nx, "nx");
fixture!(lerna, "lerna");
fixture!(rush, "rush");
fixture!(cargo_workspace, "cargo");
fixture!(go_workspace, "go-work");
fixture!(dockerfiles, "dockerfiles");
fixture!(broken, "broken");
fixture!(microservices_demo, "microservices-demo");

#[test]
fn missing_root_is_an_error() {
    let err = discover(Path::new("/nonexistent/mirage-discover")).err();
    assert!(err.is_some_and(|e| {
        e.to_string()
            .starts_with("cannot read `/nonexistent/mirage-discover`")
    }));
}
