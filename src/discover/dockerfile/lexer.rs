//! BuildKit's line rules: parser directives, comments, line continuations
//! (trailing whitespace after the escape character allowed) and heredocs.
//!
//! The output is a list of logical lines, each one instruction with its
//! heredoc bodies, and the span it covers in the original text.

use crate::diagnostic::Span;

/// One instruction as written, after joining continuation lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalLine {
    /// The instruction keyword, uppercased (`RUN`).
    pub keyword: String,
    /// Where the keyword is.
    pub keyword_span: Span,
    /// The rest of the line after the keyword, continuations joined.
    pub rest: String,
    /// Byte offset of the first character of `rest` (for diagnostics).
    pub rest_start: usize,
    /// The whole instruction, including heredoc bodies.
    pub span: Span,
    /// Heredoc bodies, in the order their markers appear.
    pub heredocs: Vec<Heredoc>,
}

/// A heredoc (`<<EOF … EOF`) attached to `RUN`, `COPY` or `ADD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word without quotes.
    pub name: String,
    /// The body, each line ending in a newline.
    pub content: String,
    /// Whether the delimiter was quoted (`<<"EOF"`): no variable expansion.
    pub quoted: bool,
    /// `<<-EOF`: leading tabs are removed from every line.
    pub strip_tabs: bool,
}

/// Parser directives at the top of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directives {
    /// The escape character, `\` unless `# escape=` says `` ` ``.
    pub escape: char,
    /// `# syntax=` frontend image, if any.
    pub syntax: Option<String>,
}

/// A problem found while splitting lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// Stable diagnostic code.
    pub code: &'static str,
    /// Where.
    pub span: Span,
    /// Lowercase message.
    pub message: String,
    /// What to do about it.
    pub help: &'static str,
}

/// Split `text` into directives and logical lines.
pub fn split_lines(text: &str) -> (Directives, Vec<LogicalLine>, Vec<LexError>) {
    let mut errors = Vec::new();
    let lines = physical_lines(text);
    let (directives, first) = read_directives(&lines, &mut errors);
    let mut out = Vec::new();
    let mut i = first;
    while i < lines.len() {
        let (start, line) = lines[i];
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        // Join continuation lines. Comment lines and empty lines inside a
        // continuation are dropped, as BuildKit does.
        let lead = line.len() - trimmed.len();
        let mut joined = String::new();
        let mut end = start + line.len();
        let mut current = trimmed;
        loop {
            match strip_continuation(current, directives.escape) {
                Some(body) => {
                    joined.push_str(body);
                    i += 1;
                    // Skip comments and blank lines inside the continuation.
                    while i < lines.len() {
                        let t = lines[i].1.trim_start();
                        if t.starts_with('#') || t.trim().is_empty() {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    if i >= lines.len() {
                        break;
                    }
                    end = lines[i].0 + lines[i].1.len();
                    current = lines[i].1;
                }
                None => {
                    joined.push_str(current);
                    i += 1;
                    break;
                }
            }
        }
        let keyword_len = joined
            .find(|c: char| c.is_whitespace())
            .unwrap_or(joined.len());
        let keyword = joined[..keyword_len].to_ascii_uppercase();
        let rest_raw = &joined[keyword_len..];
        let rest = rest_raw.trim().to_string();
        let rest_start =
            start + lead + keyword_len + (rest_raw.len() - rest_raw.trim_start().len());
        let keyword_span = Span::new(start + lead, start + lead + keyword_len);
        let mut heredocs = Vec::new();
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for marker in heredoc_markers(&rest) {
                let mut content = String::new();
                let mut closed = false;
                while i < lines.len() {
                    let (s, l) = lines[i];
                    i += 1;
                    end = s + l.len();
                    let candidate = if marker.strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if candidate == marker.name {
                        closed = true;
                        break;
                    }
                    content.push_str(candidate);
                    content.push('\n');
                }
                if !closed {
                    errors.push(LexError {
                        code: "mirage::discover::unterminated_heredoc",
                        span: keyword_span,
                        message: format!("heredoc `{}` is never closed", marker.name),
                        help: "end the heredoc with a line holding only its delimiter",
                    });
                }
                heredocs.push(Heredoc { content, ..marker });
            }
        }
        out.push(LogicalLine {
            keyword,
            keyword_span,
            rest,
            rest_start,
            span: Span::new(start + lead, end),
            heredocs,
        });
    }
    (directives, out, errors)
}

/// Lines with their start offsets, without the line terminator (`\n` or `\r\n`).
fn physical_lines(text: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    // A byte-order mark is not part of the first instruction.
    let mut start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    for piece in text[start..].split_inclusive('\n') {
        let body = piece.strip_suffix('\n').unwrap_or(piece);
        let body = body.strip_suffix('\r').unwrap_or(body);
        lines.push((start, body));
        start += piece.len();
    }
    lines
}

/// Read `# key=value` directives; they stop at the first line that is not one.
fn read_directives(lines: &[(usize, &str)], errors: &mut Vec<LexError>) -> (Directives, usize) {
    let mut directives = Directives {
        escape: '\\',
        syntax: None,
    };
    let mut seen: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (start, line) = lines[i];
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = comment.split_once('=') else {
            break;
        };
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() || key.contains(char::is_whitespace) {
            break;
        }
        let value = value.trim();
        if seen.contains(&key) {
            // A repeated directive is an error in BuildKit.
            errors.push(LexError {
                code: "mirage::discover::duplicate_directive",
                span: Span::new(start, start + line.len()),
                message: format!("parser directive `{key}` is given twice"),
                help: "keep one of them",
            });
        }
        match key.as_str() {
            "escape" => match value {
                "\\" => directives.escape = '\\',
                "`" => directives.escape = '`',
                _ => errors.push(LexError {
                    code: "mirage::discover::invalid_escape",
                    span: Span::new(start, start + line.len()),
                    message: format!(
                        "invalid escape character `{value}`, expected `\\` or `` ` ``"
                    ),
                    help: "the escape character is `\\` (the default) or a backtick",
                }),
            },
            "syntax" => directives.syntax = Some(value.to_string()),
            _ => {}
        }
        seen.push(key);
        i += 1;
    }
    (directives, i)
}

/// The line without its continuation marker, if it ends in one (trailing
/// spaces and tabs after the escape character are allowed).
fn strip_continuation(line: &str, escape: char) -> Option<&str> {
    let trimmed = line.trim_end_matches([' ', '\t']);
    trimmed.strip_suffix(escape)
}

/// Heredoc markers in an instruction's arguments: `<<EOF`, `<<-EOF`,
/// `<<"EOF"`, `<<'EOF'`. `<<` followed by a non-word (as in a shell
/// redirection `<< $x`) is not a marker.
fn heredoc_markers(rest: &str) -> Vec<Heredoc> {
    let mut markers = Vec::new();
    let bytes = rest.as_bytes();
    let mut i = 0;
    let mut in_single = false;
    let mut in_double = false;
    while i + 1 < bytes.len() {
        match bytes[i] {
            b'\'' if !in_double => in_single = !in_single,
            b'"' if !in_single => in_double = !in_double,
            b'<' if !in_single && !in_double && bytes[i + 1] == b'<' => {
                // `<<<` is a here-string, not a heredoc.
                if bytes.get(i + 2) == Some(&b'<') {
                    i += 3;
                    continue;
                }
                let mut j = i + 2;
                let strip_tabs = bytes.get(j) == Some(&b'-');
                if strip_tabs {
                    j += 1;
                }
                let quote = match bytes.get(j) {
                    Some(q @ (b'"' | b'\'')) => {
                        j += 1;
                        Some(*q)
                    }
                    _ => None,
                };
                let name_start = j;
                while j < bytes.len()
                    && (bytes[j].is_ascii_alphanumeric()
                        || bytes[j] == b'_'
                        || bytes[j] == b'.'
                        || bytes[j] == b'-')
                {
                    j += 1;
                }
                let name = &rest[name_start..j];
                let closes = match quote {
                    Some(q) => bytes.get(j) == Some(&q),
                    None => true,
                };
                if !name.is_empty() && closes {
                    if quote.is_some() {
                        j += 1;
                    }
                    markers.push(Heredoc {
                        name: name.to_string(),
                        content: String::new(),
                        quoted: quote.is_some(),
                        strip_tabs,
                    });
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    markers
}
