use super::*;

fn ok(text: &str) -> String {
    match parse_image(text) {
        Ok(r) => r.to_string(),
        Err(e) => panic!("{text}: {e:?}"),
    }
}

fn bad(text: &str) -> (Range<usize>, String) {
    match parse_image(text) {
        Ok(r) => panic!("{text} parsed as {r}"),
        Err(e) => (e.range, e.message),
    }
}

const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn docker_hub_normalisation() {
    assert_eq!(ok("nginx"), "docker.io/library/nginx:latest");
    assert_eq!(
        ok("nginx:1.27-alpine"),
        "docker.io/library/nginx:1.27-alpine"
    );
    assert_eq!(ok("bitnami/redis:7"), "docker.io/bitnami/redis:7");
    assert_eq!(ok("docker.io/nginx"), "docker.io/library/nginx:latest");
    assert_eq!(
        ok("index.docker.io/library/nginx"),
        "docker.io/library/nginx:latest"
    );
    assert_eq!(
        ok(&format!("postgres@{D}")),
        format!("docker.io/library/postgres@{D}")
    );
    assert_eq!(
        ok(&format!("postgres:16@{D}")),
        format!("docker.io/library/postgres:16@{D}")
    );
}

#[test]
fn registries_with_ports() {
    assert_eq!(ok("localhost:5000/app:v1"), "localhost:5000/app:v1");
    assert_eq!(ok("localhost/app"), "localhost/app:latest");
    assert_eq!(ok("ghcr.io/acme/api"), "ghcr.io/acme/api:latest");
    assert_eq!(
        ok("registry.example.com:8443/a/b/c:x_y.z-1"),
        "registry.example.com:8443/a/b/c:x_y.z-1"
    );
    assert_eq!(ok("[::1]:5000/app"), "[::1]:5000/app:latest");
    assert_eq!(
        ok("my-registry.local/team__x/app-name.v2"),
        "my-registry.local/team__x/app-name.v2:latest"
    );
    let r = parse_image("localhost:5000/app").unwrap();
    assert_eq!(
        (r.registry.as_str(), r.repository.as_str(), r.api_host()),
        ("localhost:5000", "app", "localhost:5000")
    );
    assert_eq!(
        parse_image("nginx").unwrap().api_host(),
        "registry-1.docker.io"
    );
}

#[test]
fn precise_errors() {
    assert_eq!(
        bad("Nginx"),
        (0..1, "image repository `Nginx` must be lowercase".into())
    );
    assert_eq!(bad("acme/Api").0, 5..6);
    assert_eq!(bad("nginx:").1, "the tag after `:` is empty");
    assert_eq!(bad("nginx:-x"), (6..8, "invalid tag `-x`".into()));
    assert_eq!(bad(&format!("nginx:{}", "a".repeat(129))).0, 6..135);
    assert_eq!(
        bad("localhost:99999/app").1,
        "invalid registry port `99999`"
    );
    assert_eq!(bad("localhost:x/app").0, 10..11);
    assert_eq!(
        bad("nginx@sha256:abc").1,
        "a `sha256` digest has 64 hex digits, this one has 3"
    );
    assert_eq!(bad("nginx@sha256:zz").1, "the digest is not hexadecimal");
    assert_eq!(bad("nginx@md5").1, "invalid digest `md5`");
    assert_eq!(
        bad("nginx@SHA256:abc").1,
        "invalid digest algorithm `SHA256`"
    );
    assert_eq!(
        bad(&format!("nginx@sha256:{}A", "0".repeat(63))),
        (76..77, "a `sha256` digest is lowercase hexadecimal".into())
    );
    assert_eq!(bad("a//b").1, "the image name has an empty path component");
    assert_eq!(bad("a/b/").1, "the image name has an empty path component");
    assert_eq!(bad("a..b").1, "invalid image path component `a..b`");
    assert_eq!(bad("-a").1, "invalid image path component `-a`");
    assert_eq!(
        bad("my_host.com/app").1,
        "invalid registry host `my_host.com`"
    );
    assert_eq!(bad(":1").1, "the image name is empty");
    assert_eq!(bad("").1, "the image reference is empty");
    assert_eq!(
        bad("nginx latest"),
        (5..6, "an image reference has no spaces".into())
    );
}

#[test]
fn separators() {
    // `-` may repeat, `_` may be doubled, `.` may not.
    assert_eq!(ok("a---b:1"), "docker.io/library/a---b:1");
    assert_eq!(ok("a__b"), "docker.io/library/a__b:latest");
    assert!(parse_image("a___b").is_err());
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "@",
        ":",
        "/",
        "a@",
        "a:@",
        "[",
        "[::1",
        "localhost:/a",
        "é",
        "a/é",
        "a:é",
        "a@sha256:é",
    ] {
        let _ = parse_image(text);
    }
}
