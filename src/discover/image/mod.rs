//! Container image references, following the distribution grammar
//! (`github.com/distribution/reference`): `[host[:port]/]path[:tag][@digest]`,
//! with Docker Hub normalisation (`nginx` → `docker.io/library/nginx:latest`).
//!
//! Pure and allocation-light so that the resolver can validate every `image`
//! value and `mirage check --registry` can address the registry.

use std::fmt;
use std::ops::Range;

/// Docker Hub's canonical registry host.
pub const DOCKER_HUB: &str = "docker.io";

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host, with port if given (`docker.io`, `localhost:5000`, `ghcr.io`).
    pub registry: String,
    /// Repository path (`library/nginx`, `acme/api`).
    pub repository: String,
    /// The tag as written, if any.
    pub tag: Option<String>,
    /// The digest (`sha256:…`), if any.
    pub digest: Option<String>,
}

impl ImageRef {
    /// The tag, or `latest` when neither tag nor digest was given.
    pub fn tag_or_latest(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }

    /// What to ask the registry for: the digest if given, else the tag.
    pub fn manifest_reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The registry's API host: Docker Hub's API lives at `registry-1.docker.io`.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            "registry-1.docker.io"
        } else {
            &self.registry
        }
    }
}

impl fmt::Display for ImageRef {
    /// The fully qualified form (`docker.io/library/nginx:latest`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = self.tag_or_latest() {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Why a reference is invalid, with the byte range of the offending part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageError {
    /// Byte range within the reference text.
    pub range: Range<usize>,
    /// Lowercase message with names in backticks.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

fn err(range: Range<usize>, message: impl Into<String>, help: impl Into<String>) -> ImageError {
    ImageError {
        range,
        message: message.into(),
        help: help.into(),
    }
}

/// Parse and normalise an image reference.
pub fn parse_image(text: &str) -> Result<ImageRef, ImageError> {
    if text.is_empty() {
        return Err(err(
            0..0,
            "the image reference is empty",
            "write `name[:tag][@digest]`, e.g. `nginx:1.27`",
        ));
    }
    if let Some(i) = text.find(|c: char| c.is_whitespace()) {
        return Err(err(
            i..i + 1,
            "an image reference has no spaces",
            "write `name[:tag][@digest]`, e.g. `nginx:1.27`",
        ));
    }
    // Digest after the last `@`.
    let (name_tag, digest) = match text.rfind('@') {
        Some(at) => {
            let digest = &text[at + 1..];
            check_digest(digest, at + 1)?;
            (&text[..at], Some(digest.to_string()))
        }
        None => (text, None),
    };
    // A tag follows the last `:` that comes after the last `/` (a `:` before
    // it is a registry port).
    let last_slash = name_tag.rfind('/');
    let (name, tag) = match name_tag.rfind(':') {
        Some(colon) if last_slash.is_none_or(|s| colon > s) => {
            let tag = &name_tag[colon + 1..];
            check_tag(tag, colon + 1)?;
            (&name_tag[..colon], Some(tag.to_string()))
        }
        _ => (name_tag, None),
    };
    if name.is_empty() {
        return Err(err(
            0..name_tag.len(),
            "the image name is empty",
            "write the repository before the tag, e.g. `nginx:1.27`",
        ));
    }
    if name.len() > 255 {
        return Err(err(
            0..name.len(),
            "the image name is longer than 255 characters",
            "shorten the repository path",
        ));
    }
    // The first component is a registry when it looks like a host.
    let (registry, path, path_start) = match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            check_host(first)?;
            (first.to_string(), rest, first.len() + 1)
        }
        _ => (DOCKER_HUB.to_string(), name, 0),
    };
    check_path(path, path_start)?;
    let repository = if registry == DOCKER_HUB && !path.contains('/') {
        format!("library/{path}")
    } else {
        path.to_string()
    };
    let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
        DOCKER_HUB.to_string()
    } else {
        registry
    };
    Ok(ImageRef {
        registry,
        repository,
        tag,
        digest,
    })
}

fn check_host(host: &str) -> Result<(), ImageError> {
    let (name, port) = if host.starts_with('[') {
        // An IPv6 literal: `[::1]:5000`.
        match host.find(']') {
            Some(end) => (&host[..=end], host[end + 1..].strip_prefix(':')),
            None => {
                return Err(err(
                    0..host.len(),
                    format!("invalid registry host `{host}`"),
                    "close the IPv6 address with `]`",
                ));
            }
        }
    } else {
        match host.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host, None),
        }
    };
    if let Some(port) = port {
        let start = name.len() + 1;
        if port.is_empty()
            || !port.bytes().all(|b| b.is_ascii_digit())
            || port.parse::<u16>().is_err()
        {
            return Err(err(
                start..start + port.len(),
                format!("invalid registry port `{port}`"),
                "a port is a number up to 65535, e.g. `localhost:5000/app`",
            ));
        }
    }
    if !name.starts_with('[') {
        for (offset, component) in components(name, '.') {
            let valid = !component.is_empty()
                && component
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !component.starts_with('-')
                && !component.ends_with('-');
            if !valid {
                return Err(err(
                    offset..offset + component.len(),
                    format!("invalid registry host `{name}`"),
                    "a host is made of letters, digits, `-` and `.`",
                ));
            }
        }
    }
    Ok(())
}

fn check_path(path: &str, start: usize) -> Result<(), ImageError> {
    for (offset, component) in components(path, '/') {
        let offset = start + offset;
        let range = offset..offset + component.len();
        if component.is_empty() {
            return Err(err(
                offset..offset,
                "the image name has an empty path component",
                "remove the doubled or trailing `/`",
            ));
        }
        if let Some(i) = component.find(|c: char| c.is_ascii_uppercase()) {
            return Err(err(
                offset + i..offset + i + 1,
                format!("image repository `{path}` must be lowercase"),
                format!("write `{}`", path.to_ascii_lowercase()),
            ));
        }
        if !valid_path_component(component) {
            return Err(err(
                range,
                format!("invalid image path component `{component}`"),
                "use lowercase letters and digits, separated by `.`, `_`, `__` or `-`",
            ));
        }
    }
    Ok(())
}

/// `[a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*`.
fn valid_path_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !bytes.first().is_some_and(|&b| alnum(b)) || !bytes.last().is_some_and(|&b| alnum(b)) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-')) {
            return false;
        }
    }
    true
}

fn check_tag(tag: &str, start: usize) -> Result<(), ImageError> {
    let range = start..start + tag.len();
    let help = "a tag is up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`";
    if tag.is_empty() {
        return Err(err(
            range,
            "the tag after `:` is empty",
            "remove the `:` or write a tag, e.g. `:1.27`",
        ));
    }
    let first_ok = tag
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !first_ok
        || tag.len() > 128
        || !tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err(err(range, format!("invalid tag `{tag}`"), help));
    }
    Ok(())
}

fn check_digest(digest: &str, start: usize) -> Result<(), ImageError> {
    let range = start..start + digest.len();
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(err(
            range,
            format!("invalid digest `{digest}`"),
            "a digest is `algorithm:hex`, e.g. `sha256:` and 64 hex digits",
        ));
    };
    let algorithm_ok = !algorithm.is_empty()
        && algorithm.split(['+', '.', '-', '_']).all(|c| {
            c.chars().next().is_some_and(|f| f.is_ascii_lowercase())
                && c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        });
    if !algorithm_ok {
        return Err(err(
            start..start + algorithm.len(),
            format!("invalid digest algorithm `{algorithm}`"),
            "an algorithm is lowercase letters and digits, e.g. `sha256`",
        ));
    }
    let hex_start = start + algorithm.len() + 1;
    let hex_range = hex_start..hex_start + hex.len();
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err(
            hex_range,
            "the digest is not hexadecimal",
            "copy the digest from `docker inspect` or the registry",
        ));
    }
    let wanted = match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    };
    if let Some(i) = hex.find(|c: char| c.is_ascii_uppercase())
        && wanted.is_some()
    {
        return Err(err(
            hex_start + i..hex_start + i + 1,
            format!("a `{algorithm}` digest is lowercase hexadecimal"),
            format!("write `{algorithm}:{}`", hex.to_ascii_lowercase()),
        ));
    }
    match wanted {
        Some(n) if hex.len() != n => Err(err(
            hex_range,
            format!(
                "a `{algorithm}` digest has {n} hex digits, this one has {}",
                hex.len()
            ),
            "copy the whole digest",
        )),
        None if hex.len() < 32 => Err(err(
            hex_range,
            "a digest has at least 32 hex digits",
            "copy the whole digest",
        )),
        _ => Ok(()),
    }
}

/// Components of `text` split on `sep`, with their byte offsets.
fn components(text: &str, sep: char) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split(sep).map(move |c| {
        let at = offset;
        offset += c.len() + 1;
        (at, c)
    })
}

#[cfg(test)]
mod tests;
