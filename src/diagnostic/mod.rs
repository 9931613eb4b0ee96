//! The one diagnostic type shared by the parser, the resolver, the engine,
//! the CLI renderers (terminal, JSON, GitHub annotations) and the language
//! server.
//!
//! A diagnostic points into a source file by [`FileId`] and byte [`Span`]
//! when the problem has a place in one (a mistake in the files), and has no
//! location otherwise (a lock held, a missing token, an error from
//! Railway); the [`SourceFiles`] table owns the texts so that every renderer
//! can turn a span into a line and column. Every code is registered, with
//! a one-line explanation, in [`codes`] (`mirage explain CODE`).

pub mod codes;

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A half-open byte range `start..end` into one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// An empty span at `offset`.
    pub const fn at(offset: usize) -> Self {
        Span {
            start: offset,
            end: offset,
        }
    }

    /// Length in bytes.
    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers no bytes.
    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Whether `offset` lies inside the span (end inclusive, for cursors).
    pub const fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset <= self.end
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new(span.start.into(), span.len())
    }
}

/// Index of a file in a [`SourceFiles`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// One source text: a `.mirage` file on disk, an unsaved editor buffer, or a
/// standard-library file shipped in the binary (path `std/<name>.mirage`).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the project when possible).
    pub path: PathBuf,
    /// The full text.
    pub text: Arc<str>,
    /// Byte offset at which each line starts; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A file from its path and text.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    /// Offsets past the end clamp to the end.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, column + 1)
    }

    /// Byte offsets where lines start.
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }
}

/// All the source texts one analysis looked at.
#[derive(Debug, Clone, Default)]
pub struct SourceFiles {
    files: Vec<SourceFile>,
}

impl SourceFiles {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a file and return its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId((self.files.len() - 1) as u32)
    }

    /// The file behind an id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The id of the file with this path, if present.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    /// Every file with its id.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Blocks `check` (exit 1), `plan` and `apply`.
    Error,
    /// Reported, but does not fail `check`.
    Warning,
}

/// A place in a file with an explanation, e.g. one edge of a dependency cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The file.
    pub file: FileId,
    /// The bytes the label points at.
    pub span: Span,
    /// What is at that place, lowercase ("`api` depends on `db` here").
    pub message: String,
}

/// A problem: in the user's input (located), or in carrying out what was
/// asked (general: no location).
///
/// Messages start lowercase and put names in backticks (``unknown template
/// `web` ``). `code` is stable: tools and tests match on it
/// (`mirage::resolve::unknown_template`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, `mirage::<room>::<snake_case_name>`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// One-line description of the problem.
    pub message: String,
    /// The primary location, its message possibly empty; `None` for a
    /// problem with no place in a file.
    pub primary: Option<Label>,
    /// Further locations (the other edges of a cycle, the first definition
    /// of a duplicate name, …).
    pub related: Vec<Label>,
    /// What to do about it ("did you mean `web`?").
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span` of `file`.
    pub fn error(code: &'static str, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: Some(Label {
                file,
                span,
                message: String::new(),
            }),
            related: Vec::new(),
            help: None,
        }
    }

    /// An error with no place in a file: a lock held, a missing token, an
    /// error from Railway.
    pub fn general(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            related: Vec::new(),
            help: None,
        }
    }

    /// The file and span of the primary location, when there is one.
    pub fn location(&self) -> Option<(FileId, Span)> {
        self.primary.as_ref().map(|label| (label.file, label.span))
    }

    /// The file of the primary location, when there is one.
    pub fn file(&self) -> Option<FileId> {
        self.primary.as_ref().map(|label| label.file)
    }

    /// The span of the primary location (an empty span at 0 when there is
    /// none: callers that only see located diagnostics use it).
    pub fn span(&self) -> Span {
        self.primary
            .as_ref()
            .map_or_else(Span::default, |label| label.span)
    }

    /// The same diagnostic as a warning.
    pub fn as_warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// A warning at `span` of `file`.
    pub fn warning(
        code: &'static str,
        file: FileId,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, span, message)
        }
    }

    /// Set the primary label's text.
    pub fn with_label(mut self, message: impl Into<String>) -> Self {
        if let Some(primary) = &mut self.primary {
            primary.message = message.into();
        }
        self
    }

    /// Add a related location.
    pub fn with_related(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    /// Set the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
