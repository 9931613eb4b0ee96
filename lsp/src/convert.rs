//! Library values → protocol values: byte spans to UTF-16 ranges, paths to
//! URIs (standard-library files to read-only copies on disk), diagnostics.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mirage::diagnostic::{self, FileId, Severity, Span};
use mirage::ide::{LineIndex, Position as At};
use mirage::resolve::{Analysis, stdlib};
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range, Uri,
};

/// A text with its line index.
pub struct Text<'a> {
    /// The text.
    pub text: &'a str,
    /// Its lines.
    pub lines: LineIndex,
}

impl<'a> Text<'a> {
    /// Index `text`.
    pub fn new(text: &'a str) -> Self {
        Text {
            text,
            lines: LineIndex::new(text),
        }
    }

    /// The protocol position of byte `offset`.
    pub fn position(&self, offset: usize) -> Position {
        let p = self.lines.position(self.text, offset);
        Position::new(p.line, p.character)
    }

    /// The protocol range of `span`.
    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of a protocol position.
    pub fn offset(&self, pos: Position) -> usize {
        self.lines.offset(
            self.text,
            At {
                line: pos.line,
                character: pos.character,
            },
        )
    }
}

/// The byte offset of a protocol position in `text`, as
/// [`Text::offset`] computes it, but scanning only the lines up to it
/// (no line index of the whole text: a change to a large document must not
/// cost a pass over all of it).
pub fn offset_in(text: &str, pos: Position) -> usize {
    let start = match pos.line {
        0 => 0,
        n => match text.match_indices('\n').nth(n as usize - 1) {
            Some((i, _)) => i + 1,
            None => return text.len(),
        },
    };
    let end = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    let line = &text[start..end];
    let at = At {
        line: 0,
        character: pos.character,
    };
    start + LineIndex::new(line).offset(line, at)
}

/// Where the standard library's files are written so that editors can open
/// them (read-only) for go to definition.
fn std_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!(
            "mirage-lsp-{}-{}",
            env!("CARGO_PKG_VERSION"),
            std::process::id()
        ));
        for (name, text) in stdlib::MODULES {
            let path = dir.join("std").join(format!("{name}.mirage"));
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if std::fs::write(&path, text).is_ok()
                && let Ok(meta) = std::fs::metadata(&path)
            {
                let mut perms = meta.permissions();
                perms.set_readonly(true);
                let _ = std::fs::set_permissions(&path, perms);
            }
        }
        dir
    })
}

/// The URI of a file of an analysis: project files as they are,
/// `std/<name>.mirage` as its read-only copy. `None` for pseudo-files.
pub fn uri_of(path: &Path) -> Option<Uri> {
    if path.is_absolute() {
        return Uri::from_file_path(path);
    }
    if path.starts_with("std") {
        return Uri::from_file_path(std_dir().join(path));
    }
    None
}

/// The path of a `file:` URI.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

/// A location in a file of `analysis`.
pub fn location(analysis: &Analysis, file: FileId, span: Span) -> Option<Location> {
    let source = analysis.files.get(file);
    let uri = uri_of(&source.path)?;
    Some(Location::new(uri, Text::new(&source.text).range(span)))
}

/// A library diagnostic as the protocol's, in `text` (its file's text).
pub fn diagnostic(analysis: &Analysis, d: &diagnostic::Diagnostic, text: &Text) -> Diagnostic {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: location(analysis, l.file, l.span)?,
                message: l.message.clone(),
            })
        })
        .collect();
    Diagnostic {
        range: text.range(d.span()),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("mirage".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_in_agrees_with_the_line_index() {
        let text = "a\tb\r\nservice \"caf\u{e9}\" \u{1F600}x\n\u{1F600}\n\nlast";
        let t = Text::new(text);
        for line in 0..7 {
            for character in 0..25 {
                let pos = Position::new(line, character);
                assert_eq!(offset_in(text, pos), t.offset(pos), "{pos:?}");
            }
        }
    }
}
