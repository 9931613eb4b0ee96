//! Reading manifests: every file read is kept in a [`SourceFiles`] table so
//! that diagnostics about it render with line and column.

use std::path::Path;
use std::sync::Arc;

use super::jsonc::parse_jsonc;
use crate::diagnostic::{Diagnostic, FileId, SourceFile, SourceFiles, Span};

/// Reads files under the root and collects diagnostics.
pub struct Reader<'a> {
    root: &'a Path,
    files: SourceFiles,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Reader<'a> {
    /// A reader for files under `root`.
    pub fn new(root: &'a Path) -> Self {
        Reader {
            root,
            files: SourceFiles::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Read `rel` (relative to the root); `None` if it cannot be read or is
    /// not UTF-8 (then a warning is recorded).
    pub fn read(&mut self, rel: &str) -> Option<(FileId, Arc<str>)> {
        let path = Path::new(rel);
        if let Some(id) = self.files.find(path) {
            return Some((id, self.files.get(id).text.clone()));
        }
        match std::fs::read_to_string(self.root.join(rel)) {
            Ok(text) => {
                let id = self.files.add(SourceFile::new(rel, text));
                Some((id, self.files.get(id).text.clone()))
            }
            Err(error) => {
                let id = self.files.add(SourceFile::new(rel, ""));
                self.diagnostics.push(
                    Diagnostic::warning(
                        "mirage::discover::unreadable_file",
                        id,
                        Span::at(0),
                        format!("cannot read `{rel}`: {error}"),
                    )
                    .with_help("discovery skips this file"),
                );
                None
            }
        }
    }

    /// Read and parse a JSON (with comments) file; a syntax error becomes a
    /// diagnostic and `None`.
    pub fn json(&mut self, rel: &str) -> Option<(FileId, serde_json::Value)> {
        let (id, text) = self.read(rel)?;
        match parse_jsonc(&text) {
            Ok(value) => Some((id, value)),
            Err((offset, message)) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mirage::discover::invalid_json",
                        id,
                        Span::at(offset),
                        format!("`{rel}` is not valid JSON: {message}"),
                    )
                    .with_help("fix the syntax; discovery skips this file until then"),
                );
                None
            }
        }
    }

    /// Record that `rel` (a `what` file: `YAML`, `TOML`) does not parse:
    /// an error at `offset` with the parser's message.
    pub fn syntax_error(
        &mut self,
        file: FileId,
        rel: &str,
        what: &str,
        offset: usize,
        message: &str,
    ) {
        let code = match what {
            "YAML" => "mirage::discover::invalid_yaml",
            "TOML" => "mirage::discover::invalid_toml",
            _ => "mirage::discover::invalid_json",
        };
        let len = self.files.get(file).text.len();
        self.diagnostics.push(
            Diagnostic::error(
                code,
                file,
                Span::at(offset.min(len)),
                format!("`{rel}` is not valid {what}: {message}"),
            )
            .with_help("fix the syntax; discovery skips this file until then"),
        );
    }

    /// Record a diagnostic.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The span of the first occurrence of `needle` in a file, for labels.
    pub fn find_span(&self, file: FileId, needle: &str) -> Span {
        let text = &self.files.get(file).text;
        match text.find(needle) {
            Some(start) => Span::new(start, start + needle.len()),
            None => Span::at(0),
        }
    }

    /// The files read and the diagnostics.
    pub fn finish(self) -> (SourceFiles, Vec<Diagnostic>) {
        (self.files, self.diagnostics)
    }
}
