//! `mirage check --registry`: does every image a resolved project uses
//! exist? Each distinct image (after Docker Hub normalisation, so `nginx`
//! and `docker.io/library/nginx:latest` are one) is asked about once, a few
//! at a time, with [`Registry::exists`]; the answers become diagnostics at
//! the `image "…"` values that use it.
//!
//! Severity: only a registry's definite "no such manifest" (404) is an
//! error. A refusal (401/403 after authenticating), an unreachable registry
//! or an unexpected answer is a warning: the check could not be made, but
//! the files are not shown to be wrong, so a flaky registry does not fail CI.

use std::collections::BTreeMap;

use futures_util::stream::{self, StreamExt};

use super::image::{ImageRef, parse_image};
use super::registry::{Existence, Registry, RegistryError};
use crate::diagnostic::{Diagnostic, FileId, SourceFiles, Span};
use crate::model::{Project, Source};

/// How many registry requests run at once: enough to hide latency, few
/// enough not to trip a registry's rate limit.
pub const CONCURRENCY: usize = 4;

/// One distinct image and every place that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUse {
    /// The reference, parsed and normalised.
    pub image: ImageRef,
    /// The reference as first written.
    pub text: String,
    /// The `image` values that name it (file and the bytes of the value),
    /// in source order, without repeats.
    pub places: Vec<(FileId, Span)>,
}

/// Every distinct image the project's service instances use, in the order
/// of their first place in the sources. Invalid references are left out:
/// the resolver already reported them.
pub fn collect_images(project: &Project, files: &SourceFiles) -> Vec<ImageUse> {
    let mut by_name: BTreeMap<String, ImageUse> = BTreeMap::new();
    for environment in &project.environments {
        for instance in &environment.services {
            let Some(source) = &instance.source else {
                continue;
            };
            let Source::Image(text) = &source.value else {
                continue;
            };
            let Ok(image) = parse_image(text) else {
                continue;
            };
            let Some(step) = source.origin.effective() else {
                continue;
            };
            let place = (step.file, value_span(files, step.file, step.span, text));
            let entry = by_name
                .entry(image.to_string())
                .or_insert_with(|| ImageUse {
                    image,
                    text: text.clone(),
                    places: Vec::new(),
                });
            if !entry.places.contains(&place) {
                entry.places.push(place);
            }
        }
    }
    let mut uses: Vec<ImageUse> = by_name.into_values().collect();
    for u in &mut uses {
        u.places.sort_by_key(|(file, span)| (*file, span.start));
    }
    uses.sort_by_key(|u| u.places.first().map(|(f, s)| (*f, s.start)));
    uses
}

/// The bytes of the image string inside the `image "…"` node at `node`
/// (the origin records the node); the node itself when not found.
fn value_span(files: &SourceFiles, file: FileId, node: Span, image: &str) -> Span {
    if file.0 as usize >= files.len() {
        return node;
    }
    let text = &files.get(file).text;
    // Skip the node name so an image called `image` is found as the value.
    let Some(source) = text.get(node.start..node.end) else {
        return node;
    };
    let skip = source.find(char::is_whitespace).unwrap_or(0);
    match source[skip..].find(image) {
        Some(at) => Span::new(node.start + skip + at, node.start + skip + at + image.len()),
        None => node,
    }
}

/// Ask the registries about every image, [`CONCURRENCY`] at a time, and
/// report the ones that are missing or could not be checked.
pub async fn check_images(registry: &Registry, uses: &[ImageUse]) -> Vec<Diagnostic> {
    let answers: Vec<(usize, Result<Existence, RegistryError>)> =
        stream::iter(uses.iter().enumerate())
            .map(|(i, u)| async move { (i, registry.exists(&u.image).await) })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    let mut answers = answers;
    answers.sort_by_key(|(i, _)| *i);
    answers
        .into_iter()
        .filter_map(|(i, answer)| diagnose(&uses[i], answer, registry.has_credentials()))
        .collect()
}

/// The diagnostic for one answer, if it calls for one.
fn diagnose(
    u: &ImageUse,
    answer: Result<Existence, RegistryError>,
    has_credentials: bool,
) -> Option<Diagnostic> {
    let (file, span) = *u.places.first()?;
    let host = u.image.registry.as_str();
    let text = &u.text;
    let diagnostic = match answer {
        Ok(Existence::Found(_)) => return None,
        Ok(Existence::Missing) => Diagnostic::error(
            "mirage::registry::image_not_found",
            file,
            span,
            format!("image `{text}` does not exist"),
        )
        .with_label(format!(
            "`{host}` has no manifest `{}` for `{}`",
            u.image.manifest_reference(),
            u.image.repository
        ))
        .with_help(format!(
            "check the name and the tag (`docker manifest inspect {}` shows what the registry has), or push the image first",
            u.image
        )),
        Ok(Existence::Denied) => Diagnostic::warning(
            "mirage::registry::access_denied",
            file,
            span,
            format!("cannot verify image `{text}`: `{host}` refused access"),
        )
        .with_label("the registry answered 401/403")
        .with_help(if has_credentials {
            "the credentials in `MIRAGE_REGISTRY_USERNAME` / `MIRAGE_REGISTRY_PASSWORD` cannot pull this repository; Docker Hub also refuses repositories that do not exist".to_string()
        } else {
            "for a private image set `MIRAGE_REGISTRY_USERNAME` and `MIRAGE_REGISTRY_PASSWORD`; Docker Hub also refuses repositories that do not exist".to_string()
        }),
        Err(RegistryError::Http { host, source }) => Diagnostic::warning(
            "mirage::registry::unreachable",
            file,
            span,
            format!("cannot verify image `{text}`: cannot reach `{host}`"),
        )
        .with_label(error_chain(&source))
        .with_help("check the network and the registry host, or run `mirage check` without `--registry` offline"),
        Err(RegistryError::Unexpected { host, status, .. }) => Diagnostic::warning(
            "mirage::registry::unexpected_status",
            file,
            span,
            format!("cannot verify image `{text}`: `{host}` answered HTTP {status}"),
        )
        .with_label("expected 200, 401 or 404 to a manifest request")
        .with_help("the registry may be down, or may not speak the OCI distribution API"),
    };
    let diagnostic = u.places[1..].iter().fold(diagnostic, |d, (file, span)| {
        d.with_related(*file, *span, "also used here")
    });
    Some(diagnostic)
}

/// An error and its causes on one line: reqwest's own message hides the
/// cause (`connection refused`, a TLS failure) in its source chain.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    fn analyse(text: &str) -> (Project, SourceFiles) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("main.mirage"), text).unwrap_or_else(|e| panic!("{e}"));
        let analysis = crate::resolve::load_dir(dir.path());
        assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
        (analysis.project, analysis.files)
    }

    #[test]
    fn one_use_per_distinct_image_with_every_place() {
        let (project, files) = analyse(
            "project \"shop\"\nservice \"a\" {\n    image \"nginx\"\n}\nservice \"b\" {\n    image \"docker.io/library/nginx:latest\"\n}\nservice \"c\" {\n    image \"ghcr.io/acme/image:1\"\n}\nenvironment \"production\"\nenvironment \"staging\"\n",
        );
        let uses = collect_images(&project, &files);
        let names: Vec<String> = uses.iter().map(|u| u.image.to_string()).collect();
        assert_eq!(
            names,
            ["docker.io/library/nginx:latest", "ghcr.io/acme/image:1"]
        );
        // Two environments, two spellings, two places (not four).
        assert_eq!(uses[0].places.len(), 2);
        let (file, span) = uses[0].places[0];
        assert_eq!(&files.get(file).text[span.start..span.end], "nginx");
        // `image` inside the value is not confused with the node name.
        let (file, span) = uses[1].places[0];
        assert_eq!(
            &files.get(file).text[span.start..span.end],
            "ghcr.io/acme/image:1"
        );
    }

    #[test]
    fn value_span_falls_back_to_the_node() {
        let mut files = SourceFiles::new();
        let id = files.add(SourceFile::new("a.mirage", "image \"x\"\n"));
        assert_eq!(
            value_span(&files, id, Span::new(0, 9), "x"),
            Span::new(7, 8)
        );
        assert_eq!(
            value_span(&files, id, Span::new(0, 9), "y"),
            Span::new(0, 9)
        );
        assert_eq!(
            value_span(&files, FileId(7), Span::new(0, 9), "x"),
            Span::new(0, 9)
        );
    }
}
