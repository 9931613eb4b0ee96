//! `discover::registry` against a real registry on loopback: Debian's
//! `docker-registry` (distribution), started here with a temporary storage
//! directory. Skipped, visibly, when the binary is not installed
//! (`apt-get install docker-registry`). Also `mirage check --registry`, the
//! real binary, against the same registry.

use crate::support;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mirage::discover::image::parse_image;
use mirage::discover::registry::{Existence, Registry};
use support::Test;

const BINARY: &str = "/usr/bin/docker-registry";
/// The OCI "empty" config blob `{}` and its digest.
const CONFIG: &[u8] = b"{}";
const CONFIG_DIGEST: &str =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

struct RunningRegistry {
    child: Child,
    port: u16,
    _storage: tempfile::TempDir,
}

impl Drop for RunningRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Option<RunningRegistry> {
    if !std::path::Path::new(BINARY).exists() {
        eprintln!("skipping: `{BINARY}` is not installed (apt-get install docker-registry)");
        return None;
    }
    let storage = tempfile::tempdir().ok()?;
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let config = storage.path().join("config.yml");
    let text = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
        storage.path().join("data").display()
    );
    std::fs::write(&config, text).ok()?;
    let child = Command::new(BINARY)
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    Some(RunningRegistry {
        child,
        port,
        _storage: storage,
    })
}

async fn wait_ready(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{base}/v2/")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the registry at {base} did not start");
}

/// Push an empty OCI image `repo:tag` with the registry's own API.
async fn push(http: &reqwest::Client, base: &str, repo: &str, tag: &str) -> String {
    let start = http
        .post(format!("{base}/v2/{repo}/blobs/uploads/"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(start.status().as_u16(), 202);
    let location = start
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let location = if location.starts_with("http") {
        location
    } else {
        format!("{base}{location}")
    };
    let separator = if location.contains('?') { '&' } else { '?' };
    let put = http
        .put(format!("{location}{separator}digest={CONFIG_DIGEST}"))
        .header("content-type", "application/octet-stream")
        .body(CONFIG.to_vec())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(put.status().as_u16(), 201, "blob upload");
    let manifest = format!(
        "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{CONFIG_DIGEST}\",\"size\":2}},\"layers\":[]}}"
    );
    let put = http
        .put(format!("{base}/v2/{repo}/manifests/{tag}"))
        .header("content-type", "application/vnd.oci.image.manifest.v1+json")
        .body(manifest)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(put.status().as_u16(), 201, "manifest upload");
    put.headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn head_manifest_against_a_real_registry() {
    let Some(registry) = start() else { return };
    let base = format!("http://127.0.0.1:{}", registry.port);
    let http = reqwest::Client::new();
    wait_ready(&http, &base).await;
    let digest = push(&http, &base, "acme/api", "1.4.2").await;
    assert!(digest.starts_with("sha256:"), "{digest}");

    let client = Registry::new(None).unwrap_or_else(|e| panic!("{e}"));
    let check = |text: String| {
        let image = parse_image(&text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let client = &client;
        async move {
            client
                .exists(&image)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let port = registry.port;
    assert_eq!(
        check(format!("127.0.0.1:{port}/acme/api:1.4.2")).await,
        Existence::Found(Some(digest.clone()))
    );
    assert_eq!(
        check(format!("localhost:{port}/acme/api@{digest}")).await,
        Existence::Found(Some(digest.clone()))
    );
    assert_eq!(
        check(format!("localhost:{port}/acme/api:9.9.9")).await,
        Existence::Missing
    );
    assert_eq!(
        check(format!("localhost:{port}/acme/other")).await,
        Existence::Missing
    );
    let wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    assert_eq!(
        check(format!("localhost:{port}/acme/api@{wrong}")).await,
        Existence::Missing
    );
}

/// A project whose services use `images` (one service each).
fn project(images: &[String]) -> String {
    let mut text = String::from("project \"shop\"\n");
    for (i, image) in images.iter().enumerate() {
        text.push_str(&format!("service \"s{i}\" {{\n    image \"{image}\"\n}}\n"));
    }
    text.push_str("environment \"production\"\nenvironment \"staging\"\n");
    text
}

#[tokio::test]
async fn check_registry_passes_for_pushed_images_and_fails_for_missing_ones() {
    let Some(registry) = start() else { return };
    let base = format!("http://127.0.0.1:{}", registry.port);
    let http = reqwest::Client::new();
    wait_ready(&http, &base).await;
    let digest = push(&http, &base, "acme/api", "1.4.2").await;
    let host = format!("127.0.0.1:{}", registry.port);

    // Every image exists: exit 0, only the clean summary.
    Test::new()
        .file(
            "main.mirage",
            &project(&[
                format!("{host}/acme/api:1.4.2"),
                format!("{host}/acme/api@{digest}"),
            ]),
        )
        .args(["check", "--registry", "--color", "never"])
        .status(0)
        .stderr("no problems: 1 file, 2 services, 2 environments\n")
        .run();

    // A missing tag (used twice: one diagnostic, two places) and a missing
    // repository; offline `check` still passes.
    let missing = project(&[
        format!("{host}/acme/api:1.4.2"),
        format!("{host}/acme/api:9.9.9"),
        format!("{host}/acme/api:9.9.9"),
        format!("{host}/acme/nope"),
    ]);
    Test::new()
        .file("main.mirage", &missing)
        .args(["check", "--color", "never"])
        .status(0)
        .run();
    let out = Test::new()
        .file("main.mirage", &missing)
        .args(["check", "--registry", "--color", "never"])
        .status(1)
        .run();
    // Ports from the ephemeral range have five digits, as `$PORT` has
    // characters: the underlines keep their width.
    let port = registry.port.to_string();
    insta::assert_snapshot!("check_registry_missing", out.stderr.replace(&port, "$PORT"));
    let out = Test::new()
        .file("main.mirage", &missing)
        .args(["check", "--registry", "--format", "json"])
        .status(1)
        .run();
    let json: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    let codes: Vec<&str> = json["diagnostics"]
        .as_array()
        .map(|a| a.iter().filter_map(|d| d["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        codes,
        [
            "mirage::registry::image_not_found",
            "mirage::registry::image_not_found"
        ]
    );
    assert_eq!(json["diagnostics"][0]["line"], 6, "{}", out.stdout);
    assert_eq!(json["diagnostics"][0]["labels"][0]["line"], 9);
    Test::new()
        .file("main.mirage", &missing)
        .args(["check", "--registry", "--format", "github"])
        .status(1)
        .stdout_contains("::error file=main.mirage,line=6,")
        .stdout_contains("image `127.0.0.1:")
        .run();
}

#[test]
fn check_registry_warns_when_a_registry_cannot_be_reached() {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    Test::new()
        .file("main.mirage", &project(&["127.0.0.1:1/acme/api:1".into()]))
        .args(["check", "--registry", "--color", "never"])
        .status(0)
        .stderr_contains("mirage::registry::unreachable")
        .stderr_contains("cannot verify image `127.0.0.1:1/acme/api:1`: cannot reach `127.0.0.1:1`")
        .stderr_contains("help: check the network")
        .stderr_contains("1 warning")
        .run();
}
