//! Turning string tokens into their values: escapes, raw strings and the
//! dedent rules of multi-line strings.

use super::SmolStr;
use super::chars::{is_newline, is_unicode_space};
use super::error::SyntaxError;
use crate::diagnostic::Span;

/// Value of a `"…"` token whose text starts at byte `offset` of the file.
pub fn quoted(text: &str, offset: usize) -> Result<SmolStr, SyntaxError> {
    let body = &text[1..text.len() - 1];
    if !body.contains('\\') {
        // No escapes (nearly every string): the body is the value, and a
        // short one needs no allocation.
        return Ok(SmolStr::new(body));
    }
    let mut out = String::with_capacity(body.len());
    unescape(body, offset + 1, &mut out)?;
    Ok(out.into())
}

/// Value of a raw string token `#…"…"#…` (single- or multi-line).
pub fn raw(text: &str, offset: usize) -> Result<SmolStr, SyntaxError> {
    let hashes = text.bytes().take_while(|&b| b == b'#').count();
    let inner = &text[hashes..text.len() - hashes];
    if inner.starts_with("\"\"\"") && inner.len() >= 6 {
        let body = &inner[3..inner.len() - 3];
        multi_line(body, offset + hashes + 3, false).map(SmolStr::from)
    } else {
        Ok(SmolStr::new(&inner[1..inner.len() - 1]))
    }
}

/// Value of a `"""…"""` token.
pub fn multi_line_quoted(text: &str, offset: usize) -> Result<SmolStr, SyntaxError> {
    multi_line(&text[3..text.len() - 3], offset + 3, true).map(SmolStr::from)
}

/// Length of the newline starting `s`, if it starts with one.
fn newline_len(s: &str) -> Option<usize> {
    if s.starts_with("\r\n") {
        return Some(2);
    }
    let c = s.chars().next()?;
    is_newline(c).then(|| c.len_utf8())
}

/// Length of the whitespace escape (`\` + whitespace/newlines) at the start of
/// `s`, if it starts with one.
fn ws_escape_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('\\')?;
    let n: usize = rest
        .chars()
        .take_while(|&c| is_unicode_space(c) || is_newline(c))
        .map(char::len_utf8)
        .sum();
    (n > 0).then_some(n + 1)
}

/// `body` is everything between the opening and closing quotes; `offset` is
/// its position in the file.
fn multi_line(body: &str, offset: usize, escapes: bool) -> Result<String, SyntaxError> {
    let Some(first_nl) = newline_len(body) else {
        return Err(SyntaxError::new(
            "mirage::syntax::invalid_string",
            Span::new(offset.saturating_sub(3), offset),
            "a multi-line string must start with a newline after its opening quotes",
        )
        .label("text follows the opening quotes on the same line")
        .help("put the text on the next line, or use a single-line string `\"…\"`"));
    };
    let base = offset + first_nl;
    let body = &body[first_nl..];

    // Literal line breaks (not those inside whitespace escapes): the lines
    // are body[starts[i]..ends[i]].
    let mut starts = vec![0usize];
    let mut ends = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let rest = &body[i..];
        if escapes && rest.starts_with('\\') {
            i += ws_escape_len(rest)
                .unwrap_or_else(|| 1 + rest[1..].chars().next().map(char::len_utf8).unwrap_or(0));
        } else if let Some(n) = newline_len(rest) {
            ends.push(i);
            i += n;
            starts.push(i);
        } else {
            i += rest.chars().next().map(char::len_utf8).unwrap_or(1);
        }
    }
    let last = *starts.last().unwrap_or(&0);

    // The closing line: only whitespace (and whitespace escapes); it is the
    // indentation every other line must start with.
    let mut prefix = String::new();
    let mut j = last;
    while j < body.len() {
        let rest = &body[j..];
        if escapes && let Some(n) = ws_escape_len(rest) {
            j += n;
            continue;
        }
        match rest.chars().next() {
            Some(c) if is_unicode_space(c) => {
                prefix.push(c);
                j += c.len_utf8();
            }
            _ => {
                return Err(SyntaxError::new(
                    "mirage::syntax::invalid_string",
                    Span::new(base + j, base + body.len() + 3),
                    "the closing quotes of a multi-line string must be on their own line",
                )
                .label("only whitespace may precede the closing quotes")
                .help("move the closing `\"\"\"` to a new line"));
            }
        }
    }

    let mut out = String::with_capacity(body.len());
    for (n, (&s, &e)) in starts.iter().zip(ends.iter()).enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let line = &body[s..e];
        if is_blank(line, escapes) {
            continue;
        }
        let Some(content) = line.strip_prefix(prefix.as_str()) else {
            let bad = line
                .char_indices()
                .zip(prefix.chars())
                .find(|((_, a), b)| a != b)
                .map(|((k, _), _)| k)
                .unwrap_or(0);
            let bad_len = line[bad..].chars().next().map_or(1, char::len_utf8);
            return Err(SyntaxError::new(
                "mirage::syntax::invalid_string",
                Span::new(base + s + bad, base + s + bad + bad_len),
                "this line of the multi-line string is not indented like its closing quotes",
            )
            .label("indentation differs here")
            .help(
                "start every line with exactly the whitespace that precedes the closing `\"\"\"`",
            ));
        };
        let content_offset = base + s + prefix.len();
        if escapes {
            unescape(content, content_offset, &mut out)?;
        } else {
            out.push_str(content);
        }
    }
    Ok(out)
}

/// Whether a line holds only whitespace (and whitespace escapes).
fn is_blank(line: &str, escapes: bool) -> bool {
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        if escapes && let Some(n) = ws_escape_len(rest) {
            i += n;
            continue;
        }
        match rest.chars().next() {
            Some(c) if is_unicode_space(c) => i += c.len_utf8(),
            _ => return false,
        }
    }
    true
}

/// Process escapes in `s` (at file offset `offset`), appending to `out`.
fn unescape(s: &str, offset: usize, out: &mut String) -> Result<(), SyntaxError> {
    let mut rest = s;
    let mut at = offset;
    while let Some(k) = rest.find('\\') {
        out.push_str(&rest[..k]);
        at += k;
        rest = &rest[k..];
        if let Some(n) = ws_escape_len(rest) {
            rest = &rest[n..];
            at += n;
            continue;
        }
        let mut chars = rest[1..].chars();
        let c = chars.next();
        let simple = match c {
            Some('"') => Some('"'),
            Some('\\') => Some('\\'),
            Some('b') => Some('\u{08}'),
            Some('f') => Some('\u{0C}'),
            Some('n') => Some('\n'),
            Some('r') => Some('\r'),
            Some('t') => Some('\t'),
            Some('s') => Some(' '),
            _ => None,
        };
        if let Some(v) = simple {
            out.push(v);
            rest = &rest[2..];
            at += 2;
            continue;
        }
        if c == Some('u') {
            let after = &rest[2..];
            let digits_end = after
                .strip_prefix('{')
                .map(|h| h.bytes().take_while(u8::is_ascii_hexdigit).count());
            if let Some(d) = digits_end
                && (1..=6).contains(&d)
                && after.as_bytes().get(1 + d) == Some(&b'}')
                && let Some(ch) = u32::from_str_radix(&after[1..1 + d], 16)
                    .ok()
                    .and_then(char::from_u32)
            {
                out.push(ch);
                let len = 2 + 1 + d + 1;
                rest = &rest[len..];
                at += len;
                continue;
            }
            let len = 2 + after
                .find(|ch: char| ch == '}' || ch == '"' || is_unicode_space(ch))
                .map(|p| {
                    if after.as_bytes()[p] == b'}' {
                        p + 1
                    } else {
                        p
                    }
                })
                .unwrap_or(after.len());
            return Err(SyntaxError::new(
                "mirage::syntax::invalid_escape",
                Span::new(at, at + len),
                "invalid unicode escape",
            )
            .label("not a valid `\\u{…}` escape")
            .help(
                "write 1 to 6 hex digits of a unicode scalar value in braces, e.g. `\\u{1F600}`",
            ));
        }
        let len = 1 + c.map(char::len_utf8).unwrap_or(0);
        let shown: String = c.map(String::from).unwrap_or_default();
        return Err(SyntaxError::new(
            "mirage::syntax::invalid_escape",
            Span::new(at, at + len),
            format!("unknown escape `\\{shown}`"),
        )
        .label("not a KDL escape")
        .help(
            "valid escapes are `\\\"` `\\\\` `\\b` `\\f` `\\n` `\\r` `\\t` `\\s` `\\u{…}`; write `\\\\` for a literal backslash, or use a raw string `#\"…\"#`",
        ));
    }
    out.push_str(rest);
    Ok(())
}
