//! Terminal rendering through miette's `GraphicalReportHandler`.
//!
//! Our [`Diagnostic`] points into a [`SourceFiles`] table and may have
//! labels in several files; a miette diagnostic has exactly one source. So
//! the adapter keeps the labels that live in the primary file and turns every
//! label in another file into a related "advice" diagnostic with that file as
//! its source, which miette prints as a note under the main report.
//!
//! Everything that came from a file — snippets, paths, names in messages —
//! is escaped for the terminal first ([`crate::terminal`]), with spans
//! carried over to the escaped text, so the only control sequences in the
//! output are miette's own colours.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use crate::diagnostic::{Diagnostic, FileId, Label, Severity, SourceFiles, Span};
use crate::terminal::{self, Escaped};

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
    let mut shown = Shown::table(files);
    for diagnostic in diagnostics {
        let Some(primary) = &diagnostic.primary else {
            out.push_str(&general(diagnostic, options.color));
            continue;
        };
        let adapter = Report::new(&mut shown, diagnostic, primary);
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

/// A diagnostic with no place in a file, as the CLI has always printed
/// them: `error: message`, then `  help: …`.
pub fn general(diagnostic: &Diagnostic, color: bool) -> String {
    let severity = match (diagnostic.severity, color) {
        (Severity::Error, false) => "error",
        (Severity::Error, true) => "\u{1b}[1;31merror\u{1b}[0m",
        (Severity::Warning, false) => "warning",
        (Severity::Warning, true) => "\u{1b}[1;33mwarning\u{1b}[0m",
    };
    let mut text = format!("{severity}: {}\n", terminal::escape(&diagnostic.message));
    if let Some(help) = &diagnostic.help {
        text.push_str(&format!("  help: {}\n", terminal::escape(help)));
    }
    text
}

/// A one-line fallback: `path:line:col: error[code]: message`.
fn render_plain(files: &SourceFiles, diagnostic: &Diagnostic) -> String {
    let (file, span) = diagnostic
        .location()
        .unwrap_or((FileId(u32::MAX), Span::default()));
    let (path, line, column) = position(files, file, span);
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
    terminal::escape(&text).into_owned()
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

/// A file as the terminal sees it: its path and text escaped, and the way
/// from the file's byte offsets to the shown text's.
#[derive(Debug)]
struct Shown {
    name: String,
    original: Arc<str>,
    /// `None` when the text has nothing to escape (the usual case: no copy).
    escaped: Option<Escaped>,
    /// Byte offsets where the lines of the shown text start, so that a
    /// snippet is cut from its own lines, not found by scanning the file
    /// from its start for every diagnostic (which made rendering many
    /// diagnostics of one file quadratic).
    line_starts: Vec<usize>,
}

impl Shown {
    fn new(name: &str, original: Arc<str>) -> Self {
        let escaped = terminal::needs_escape(&original).then(|| Escaped::new(&original));
        let text = escaped.as_ref().map_or(&*original, |e| e.text.as_str());
        // Escaping leaves no bare carriage return: `\n` ends every line.
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Shown {
            name: terminal::escape(name).into_owned(),
            original,
            escaped,
            line_starts,
        }
    }

    /// The 0-based line of the shown text holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// The lines around `span` that a snippet with `before` and `after`
    /// context lines can need, with one line to spare on each side: the
    /// byte range of the shown text, and the number of its first line.
    fn window(&self, span: &SourceSpan, before: usize, after: usize) -> (usize, usize, usize) {
        let text = self.text();
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len());
        let first = self.line_of(start).saturating_sub(before + 1);
        let last = self.line_of(end) + after + 2;
        let from = self.line_starts[first];
        let to = self.line_starts.get(last).copied().unwrap_or(text.len());
        (from, to, first)
    }

    /// Every file of the table, escaped when first asked for.
    fn table(files: &SourceFiles) -> ShownFiles<'_> {
        ShownFiles {
            files,
            shown: HashMap::new(),
        }
    }

    fn text(&self) -> &str {
        match &self.escaped {
            Some(e) => &e.text,
            None => &self.original,
        }
    }

    /// A span of the file (clamped, see [`clamp`]) in the shown text.
    fn span(&self, span: Span) -> Span {
        let span = clamp(&self.original, span);
        match &self.escaped {
            Some(e) => Span::new(e.to_escaped(span.start), e.to_escaped(span.end)),
            None => span,
        }
    }

    /// The file's offset of an offset into the shown text.
    fn original_offset(&self, offset: usize) -> usize {
        match &self.escaped {
            Some(e) => e.to_original(offset),
            None => offset,
        }
    }
}

/// The shown form of each file of one table, computed once per render.
struct ShownFiles<'f> {
    files: &'f SourceFiles,
    shown: HashMap<FileId, Arc<Shown>>,
}

impl ShownFiles<'_> {
    fn get(&mut self, file: FileId) -> Arc<Shown> {
        let files = self.files;
        self.shown
            .entry(file)
            .or_insert_with(|| {
                Arc::new(match lookup(files, file) {
                    Some(source) => {
                        Shown::new(&source.path.display().to_string(), source.text.clone())
                    }
                    None => Shown::new("?", Arc::from("")),
                })
            })
            .clone()
    }
}

/// A named text whose `[file:line:column]` header counts columns in
/// characters of the file, like the JSON and GitHub outputs and editors do
/// (miette's own `str` source counts bytes, and would count escapes).
#[derive(Debug)]
struct Source(Arc<Shown>);

impl SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &'a str = self.0.text();
        // miette finds a span's lines by scanning from the start of the
        // text it is given: give it only the lines around the span, then
        // shift what it found back to the whole text. Its `line_count`
        // counts every line break from the start of its text, so the lines
        // before the window are added to it too.
        let (from, to, first_line) = self
            .0
            .window(span, context_lines_before, context_lines_after);
        let window = &text[from..to];
        let relative = SourceSpan::new((span.offset().saturating_sub(from)).into(), span.len());
        let (contents, shift, lines_before) =
            match window.read_span(&relative, context_lines_before, context_lines_after) {
                Ok(contents) => (contents, from, first_line),
                Err(_) => (
                    text.read_span(span, context_lines_before, context_lines_after)?,
                    0,
                    0,
                ),
            };
        let mut column = contents.column();
        if context_lines_before == 0 {
            // The header asks for the span alone: recount its column in
            // the file's own characters.
            let original = &self.0.original;
            let offset = self
                .0
                .original_offset(span.offset().min(text.len()))
                .min(original.len());
            if let Some(before) = original.get(..offset) {
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                column = before[line_start..].chars().count();
            }
        }
        let found = contents.span();
        Ok(Box::new(MietteSpanContents::new_named(
            self.0.name.clone(),
            contents.data(),
            SourceSpan::new((found.offset() + shift).into(), found.len()),
            contents.line() + lines_before,
            column,
            contents.line_count() + lines_before,
        )))
    }
}

fn labeled(shown: &Shown, label: &Label, primary: bool, with_text: bool) -> LabeledSpan {
    let span = shown.span(label.span);
    let message = (with_text && !label.message.is_empty())
        .then(|| terminal::escape(&label.message).into_owned());
    if primary {
        LabeledSpan::new_primary_with_span(message, span)
    } else {
        LabeledSpan::new_with_span(message, span)
    }
}

/// A [`Diagnostic`] seen through miette's trait, its texts escaped.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    message: String,
    help: Option<String>,
    source: Source,
    labels: Vec<LabeledSpan>,
    notes: Vec<Note>,
}

impl<'a> Report<'a> {
    fn new(files: &mut ShownFiles<'_>, diagnostic: &'a Diagnostic, primary: &Label) -> Self {
        let home = primary.file;
        let shown = files.get(home);
        // A diagnostic about a directory or an empty file has no text to
        // show; miette would draw an empty frame.
        let has_text = !shown.original.is_empty();
        let mut labels = Vec::new();
        if has_text {
            labels.push(labeled(&shown, primary, true, true));
        }
        let mut notes = Vec::new();
        for label in &diagnostic.related {
            if label.file == home {
                if has_text {
                    labels.push(labeled(&shown, label, false, true));
                }
            } else {
                let other = files.get(label.file);
                notes.push(Note {
                    message: if label.message.is_empty() {
                        "related location".to_string()
                    } else {
                        terminal::escape(&label.message).into_owned()
                    },
                    label: labeled(&other, label, true, false),
                    source: Source(other),
                });
            }
        }
        Report {
            diagnostic,
            message: terminal::escape(&diagnostic.message).into_owned(),
            help: diagnostic
                .help
                .as_deref()
                .map(|h| terminal::escape(h).into_owned()),
            source: Source(shown),
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
        f.write_str(&self.message)
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
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        (!self.labels.is_empty()).then_some(&self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
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
    source: Source,
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
    fn header_columns_count_characters_not_bytes() {
        let mut files = SourceFiles::new();
        let text = "x \"héllo 🌍 世界 \\q\"\n";
        let id = files.add(SourceFile::new("m.mirage", text));
        let start = text.find('\\').unwrap();
        let d = Diagnostic::error(
            "mirage::x::y",
            id,
            Span::new(start, start + 2),
            "bad escape",
        );
        let text = render(&files, &[d], &plain());
        // Column 15 in characters; miette alone would say 23 (bytes).
        assert!(text.contains("[m.mirage:1:15]"), "{text}");
    }

    #[test]
    fn diagnostics_about_empty_texts_draw_no_frame() {
        let mut files = SourceFiles::new();
        let id = files.add(SourceFile::new(".", ""));
        let d = Diagnostic::error("mirage::resolve::no_files", id, Span::at(0), "no files")
            .with_help("create one");
        let text = render(&files, &[d], &plain());
        assert!(!text.contains('╭'), "{text}");
        assert!(
            text.contains("× no files") && text.contains("help: create one"),
            "{text}"
        );
    }

    #[test]
    fn control_characters_from_files_are_escaped_and_spans_follow() {
        let mut files = SourceFiles::new();
        let text = "x \"\u{1b}]0;PWNED\u{7}\" \"\u{202e}abc\" bad\n";
        let id = files.add(SourceFile::new("a\u{1b}[2J.mirage", text));
        let start = text.find("bad").unwrap();
        let d = Diagnostic::error(
            "mirage::x::y",
            id,
            Span::new(start, start + 3),
            "unknown `\u{1b}]0;T\u{7}`",
        )
        .with_label("label \u{9b}31m")
        .with_help("help \u{202e}");
        for color in [false, true] {
            let out = render(
                &files,
                std::slice::from_ref(&d),
                &Options { color, width: 100 },
            );
            let bad: Vec<char> = out
                .chars()
                .filter(|&c| crate::terminal::is_unsafe(c) && !(color && c == '\u{1b}'))
                .collect();
            assert!(bad.is_empty(), "{bad:?} in {out:?}");
            if !color {
                assert!(!out.contains('\u{1b}'), "{out:?}");
            }
        }
        let out = render(&files, &[d], &plain());
        assert!(
            out.contains(r#"x "\u{1b}]0;PWNED\u{7}" "\u{202e}abc" bad"#),
            "{out}"
        );
        assert!(out.contains(r"unknown `\u{1b}]0;T\u{7}`"), "{out}");
        assert!(
            out.contains(r"label \u{9b}31m") && out.contains(r"help \u{202e}"),
            "{out}"
        );
        // The header counts the file's characters: `bad` is at column 23.
        assert!(out.contains(r"[a\u{1b}[2J.mirage:1:23]"), "{out}");
        // The label underlines `bad`, three columns under it.
        let line = out.lines().find(|l| l.contains("bad")).unwrap();
        let under = out
            .lines()
            .skip_while(|l| !l.contains("bad"))
            .nth(1)
            .unwrap();
        let col = line[..line.find("bad").unwrap()].chars().count();
        let mark: String = under.chars().skip(col).take(3).collect();
        assert_eq!(mark, "─┬─", "{out}");
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
