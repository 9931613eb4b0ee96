//! Terminal rendering through miette's `GraphicalReportHandler`.
//!
//! Our [`Diagnostic`] points into a [`SourceFiles`] table and may have
//! labels in several files; a miette diagnostic has exactly one source. So
//! the adapter keeps the labels that live in the primary file and turns every
//! label in another file into a related "advice" diagnostic with that file as
//! its source, which miette prints as a note under the main report.

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use crate::diagnostic::{Diagnostic, FileId, Label, Severity, SourceFiles, Span};

/// How to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Emit ANSI colours.
    pub color: bool,
    /// Wrap lines at this many columns.
    pub width: usize,
}

/// Render every diagnostic, each followed by a blank line. No summary line:
/// the caller adds it, so that it can also be used for one-off reports.
pub fn render(files: &SourceFiles, diagnostics: &[Diagnostic], options: &Options) -> String {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false)
        .without_syntax_highlighting()
        .with_show_related_as_nested(true);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let adapter = Report::new(files, diagnostic);
        let mut text = String::new();
        if handler.render_report(&mut text, &adapter).is_err() {
            // miette refuses spans it cannot place; never lose the message.
            text = render_plain(files, diagnostic);
        }
        // Trailing spaces (miette pads empty gutter lines) would make golden
        // files fragile under editors that strip them.
        for line in text.trim_end().lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// A one-line fallback: `path:line:col: error[code]: message`.
fn render_plain(files: &SourceFiles, diagnostic: &Diagnostic) -> String {
    let (path, line, column) = position(files, diagnostic.primary.file, diagnostic.primary.span);
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut text = format!(
        "{path}:{line}:{column}: {severity}[{}]: {}",
        diagnostic.code, diagnostic.message
    );
    if let Some(help) = &diagnostic.help {
        text.push_str(&format!("\n  help: {help}"));
    }
    text
}

/// Path, 1-based line and column of a span start; `?` for unknown files.
fn position(files: &SourceFiles, file: FileId, span: Span) -> (String, usize, usize) {
    match lookup(files, file) {
        Some(source) => {
            let (line, column) = source.line_col(span.start);
            (source.path.display().to_string(), line, column)
        }
        None => ("?".to_string(), 1, 1),
    }
}

/// The file behind an id, without panicking on an id from another table.
fn lookup(files: &SourceFiles, file: FileId) -> Option<&crate::diagnostic::SourceFile> {
    ((file.0 as usize) < files.len()).then(|| files.get(file))
}

/// A span clamped into the text and onto character boundaries, so that a
/// slightly wrong span from an analysis still renders.
fn clamp(text: &str, span: Span) -> Span {
    let fix = |mut offset: usize| {
        offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let start = fix(span.start);
    Span::new(start, fix(span.end).max(start))
}

fn source_of(files: &SourceFiles, file: FileId) -> NamedSource<Arc<str>> {
    match lookup(files, file) {
        Some(source) => NamedSource::new(source.path.display().to_string(), source.text.clone()),
        None => NamedSource::new("?", Arc::from("")),
    }
}

fn labeled(files: &SourceFiles, label: &Label, primary: bool, with_text: bool) -> LabeledSpan {
    let text = lookup(files, label.file)
        .map(|f| f.text.clone())
        .unwrap_or_else(|| Arc::from(""));
    let span = clamp(&text, label.span);
    let message = (with_text && !label.message.is_empty()).then(|| label.message.clone());
    if primary {
        LabeledSpan::new_primary_with_span(message, span)
    } else {
        LabeledSpan::new_with_span(message, span)
    }
}

/// A [`Diagnostic`] seen through miette's trait.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<Arc<str>>,
    labels: Vec<LabeledSpan>,
    notes: Vec<Note>,
}

impl<'a> Report<'a> {
    fn new(files: &SourceFiles, diagnostic: &'a Diagnostic) -> Self {
        let home = diagnostic.primary.file;
        let mut labels = vec![labeled(files, &diagnostic.primary, true, true)];
        let mut notes = Vec::new();
        for label in &diagnostic.related {
            if label.file == home {
                labels.push(labeled(files, label, false, true));
            } else {
                notes.push(Note {
                    message: if label.message.is_empty() {
                        "related location".to_string()
                    } else {
                        label.message.clone()
                    },
                    source: source_of(files, label.file),
                    label: labeled(files, label, true, false),
                });
            }
        }
        Report {
            diagnostic,
            source: source_of(files, home),
            labels,
            notes,
        }
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.notes.is_empty() {
            return None;
        }
        Some(Box::new(
            self.notes.iter().map(|n| n as &dyn miette::Diagnostic),
        ))
    }
}

/// A label in another file than the diagnostic's primary one.
#[derive(Debug)]
struct Note {
    message: String,
    source: NamedSource<Arc<str>>,
    label: LabeledSpan,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Note {}

impl miette::Diagnostic for Note {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    fn plain() -> Options {
        Options {
            color: false,
            width: 100,
        }
    }

    #[test]
    fn renders_code_message_label_and_help() {
        let mut files = SourceFiles::new();
        let id = files.add(SourceFile::new(
            "main.mirage",
            "service \"api\" from=\"web\"\n",
        ));
        let d = Diagnostic::error(
            "mirage::resolve::unknown_template",
            id,
            Span::new(19, 24),
            "unknown template `web`",
        )
        .with_label("no template of this name")
        .with_help("did you mean `node-web`?");
        let text = render(&files, &[d], &plain());
        assert!(text.contains("mirage::resolve::unknown_template"), "{text}");
        assert!(text.contains("× unknown template `web`"), "{text}");
        assert!(text.contains("[main.mirage:1:20]"), "{text}");
        assert!(text.contains("no template of this name"), "{text}");
        assert!(text.contains("help: did you mean `node-web`?"), "{text}");
        assert!(
            !text.contains('\u{1b}'),
            "no colour when not asked: {text:?}"
        );
    }

    #[test]
    fn related_labels_in_other_files_become_notes_with_their_source() {
        let mut files = SourceFiles::new();
        let a = files.add(SourceFile::new("a.mirage", "service \"db\"\n"));
        let b = files.add(SourceFile::new("b.mirage", "\n\nservice \"db\"\n"));
        let d = Diagnostic::error(
            "mirage::resolve::duplicate_service",
            b,
            Span::new(10, 14),
            "duplicate service `db`",
        )
        .with_label("defined again here")
        .with_related(a, Span::new(8, 12), "first defined here");
        let text = render(&files, &[d], &plain());
        assert!(text.contains("[b.mirage:3:9]"), "{text}");
        assert!(text.contains("first defined here"), "{text}");
        assert!(text.contains("[a.mirage:1:9]"), "{text}");
    }

    #[test]
    fn out_of_range_spans_and_unknown_files_do_not_panic() {
        let mut files = SourceFiles::new();
        let id = files.add(SourceFile::new("é.mirage", "é"));
        let d = Diagnostic::warning("mirage::x::y", id, Span::new(1, 99), "odd span").with_related(
            FileId(7),
            Span::new(0, 1),
            "nowhere",
        );
        let text = render(&files, &[d], &plain());
        assert!(text.contains("odd span"), "{text}");
    }

    #[test]
    fn colour_is_emitted_only_when_asked() {
        let mut files = SourceFiles::new();
        let id = files.add(SourceFile::new("m.mirage", "x"));
        let d = Diagnostic::error("mirage::x::y", id, Span::new(0, 1), "bad");
        let text = render(
            &files,
            &[d],
            &Options {
                color: true,
                width: 100,
            },
        );
        assert!(text.contains('\u{1b}'), "{text:?}");
    }
}
