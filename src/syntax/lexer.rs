//! The lossless lexer: KDL v2 text → tokens that cover every byte.
//!
//! Concatenating the text of all tokens gives back the input exactly; the
//! formatter relies on this to keep comments and spelling. The lexer never
//! fails: malformed pieces become [`TokenKind::Error`] tokens (or keep their
//! kind, e.g. an unclosed block comment) and a [`SyntaxError`] is recorded.

use super::chars::{is_disallowed, is_ident_char, is_newline, is_unicode_space, looks_like_number};
use super::error::SyntaxError;
use crate::diagnostic::Span;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// U+FEFF as the first character of the document.
    Bom,
    /// A run of horizontal whitespace.
    Whitespace,
    /// One newline (CRLF counts as one).
    Newline,
    /// `// …` up to, not including, the newline.
    LineComment,
    /// `/* … */`, nested.
    BlockComment,
    /// `/-`.
    Slashdash,
    /// A `\` that starts a line continuation.
    Escline,
    /// `;`.
    Semicolon,
    /// `{`.
    LBrace,
    /// `}`.
    RBrace,
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `=`.
    Equals,
    /// A bare identifier (possibly a reserved word such as `true`).
    Ident,
    /// Something that starts like a number (validated by the parser).
    Number,
    /// `"…"`.
    String,
    /// `"""` newline … `"""`.
    MultiLineString,
    /// `#"…"#`, `##"""…"""##`, ….
    RawString,
    /// `#true`, `#null`, `#inf`, … (or an unknown `#word`).
    Keyword,
    /// Bytes that cannot start any token; already reported by the lexer.
    Error,
    /// The end of the text (the parser's sentinel; never in the stream).
    Eof,
}

impl TokenKind {
    /// Whether the parser may skip this token as node-space inside a node
    /// (whitespace and block comments; errors already reported).
    pub fn is_ws(self) -> bool {
        matches!(
            self,
            TokenKind::Whitespace | TokenKind::BlockComment | TokenKind::Error | TokenKind::Bom
        )
    }

    /// Whether the token is a string of some form (a valid name or key).
    pub fn is_string(self) -> bool {
        matches!(
            self,
            TokenKind::Ident
                | TokenKind::String
                | TokenKind::MultiLineString
                | TokenKind::RawString
        )
    }

    /// Whether the token is trivia for the formatter (kept but not semantic).
    pub fn is_comment(self) -> bool {
        matches!(self, TokenKind::LineComment | TokenKind::BlockComment)
    }
}

/// One token: its kind and the bytes it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// The bytes it covers.
    pub span: Span,
}

/// Whether `b` may start a disallowed code point: a control character other
/// than whitespace, DEL, or the first byte of the U+2xxx / U+Fxxx ranges
/// (direction marks, U+FEFF), which are then decoded and checked.
#[inline]
fn suspicious(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0B | 0x0C))
        || b == 0x7F
        || b == 0xE2
        || b == 0xEF
}

/// The tokens of a text and the problems found while cutting it.
#[derive(Debug, Clone, Default)]
pub struct Lexed {
    /// Tokens covering the text without gaps, in order.
    pub tokens: Vec<Token>,
    /// Lexical errors (unclosed strings and comments, disallowed
    /// characters, stray characters).
    pub errors: Vec<SyntaxError>,
}

/// Cut `text` into tokens. Never panics; the tokens cover every byte.
pub fn tokenize(text: &str) -> Lexed {
    let mut lx = Lexer::new(text, text.len() / 3 + 4);
    while lx.step() {}
    lx.out
}

/// The lexer proper, which the parser drives one token at a time (see
/// [`Lexer::step`]) so that a file's tokens never all exist at once: a
/// materialised token vector was 8× the size of the text, and writing and
/// re-reading it cost more than lexing.
pub(super) struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Tokens lexed so far (the parser drains those it has consumed) and
    /// every lexical error.
    pub(super) out: Lexed,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `text`, with room for `capacity` tokens.
    /// Disallowed code points are reported at once, for the whole text.
    pub(super) fn new(text: &'a str, capacity: usize) -> Self {
        let mut lx = Lexer {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            out: Lexed {
                tokens: Vec::with_capacity(capacity),
                errors: Vec::new(),
            },
        };
        lx.report_disallowed();
        if text.starts_with('\u{FEFF}') {
            lx.pos = 3;
            lx.push(TokenKind::Bom, 0);
        }
        lx
    }

    fn char_at(&self, i: usize) -> Option<char> {
        self.text.get(i..).and_then(|s| s.chars().next())
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.out.tokens.push(Token {
            kind,
            span: Span::new(start, self.pos),
        });
    }

    /// One pass over the bytes reporting every run of disallowed code points,
    /// wherever it is (strings and comments included): KDL forbids them
    /// literally anywhere. The lexer proper then only turns those outside
    /// strings and comments into error tokens, without reporting twice.
    fn report_disallowed(&mut self) {
        let bytes = self.bytes;
        // Almost every file has none of the suspicious bytes: a branch-free
        // pass (vectorised by the compiler) rules that out cheaply.
        if !bytes.iter().fold(false, |any, &b| any | suspicious(b)) {
            return;
        }
        let mut i = 0;
        let mut run: Option<(usize, usize)> = None;
        while i < bytes.len() {
            if suspicious(bytes[i])
                && let Some(c) = self.char_at(i)
            {
                let len = c.len_utf8();
                if is_disallowed(c) && !(c == '\u{FEFF}' && i == 0) {
                    run = match run {
                        Some((s, e)) if e == i => Some((s, i + len)),
                        Some((s, e)) => {
                            self.disallowed_error(s, e);
                            Some((i, i + len))
                        }
                        None => Some((i, i + len)),
                    };
                }
                i += len;
                continue;
            }
            i += 1;
        }
        if let Some((s, e)) = run {
            self.disallowed_error(s, e);
        }
    }

    fn disallowed_error(&mut self, start: usize, end: usize) {
        let c = self.char_at(start).unwrap_or('\u{0}');
        self.out.errors.push(
            SyntaxError::new(
                "mirage::syntax::disallowed_character",
                Span::new(start, end),
                format!("disallowed character U+{:04X} in the document", c as u32),
            )
            .label("this character may not appear literally")
            .help(format!(
                "remove it, or write it as the escape `\\u{{{:X}}}` inside a quoted string",
                c as u32
            )),
        );
    }

    /// Lex the next token onto `out.tokens` (and any error it carries);
    /// `false` when the text is exhausted and nothing was added.
    pub(super) fn step(&mut self) -> bool {
        if self.pos >= self.bytes.len() {
            return false;
        }
        let start = self.pos;
        let b = self.bytes[start];
        match b {
            b' ' | b'\t' => self.whitespace(),
            b'\n' | 0x0B | 0x0C => {
                self.pos += 1;
                self.push(TokenKind::Newline, start);
            }
            b'\r' => {
                self.pos += if self.bytes.get(start + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                self.push(TokenKind::Newline, start);
            }
            b'/' => self.slash(),
            b'\\' => self.single(TokenKind::Escline),
            b';' => self.single(TokenKind::Semicolon),
            b'{' => self.single(TokenKind::LBrace),
            b'}' => self.single(TokenKind::RBrace),
            b'(' => self.single(TokenKind::LParen),
            b')' => self.single(TokenKind::RParen),
            b'=' => self.single(TokenKind::Equals),
            b'"' => self.quoted(),
            b'#' => self.hash(),
            b'[' | b']' => {
                self.pos += 1;
                self.push(TokenKind::Error, start);
                self.out.errors.push(
                    SyntaxError::new(
                        "mirage::syntax::unexpected_token",
                        Span::new(start, self.pos),
                        format!("unexpected `{}`", b as char),
                    )
                    .label("square brackets have no meaning in KDL")
                    .help("quote the text if it is part of a string: `\"a[0]\"`"),
                );
            }
            _ if b < 0x80 && is_ident_char(b as char) => self.word(),
            _ => {
                let c = self.char_at(start).unwrap_or('\u{0}');
                if is_unicode_space(c) {
                    self.whitespace();
                } else if is_newline(c) {
                    self.pos += c.len_utf8();
                    self.push(TokenKind::Newline, start);
                } else if is_ident_char(c) {
                    self.word();
                } else {
                    // A disallowed code point (already reported) or an
                    // ASCII control character.
                    self.pos += c.len_utf8().max(1);
                    self.push(TokenKind::Error, start);
                }
            }
        }
        true
    }

    fn single(&mut self, kind: TokenKind) {
        let start = self.pos;
        self.pos += 1;
        self.push(kind, start);
    }

    fn whitespace(&mut self) {
        let start = self.pos;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if b == b' ' || b == b'\t' {
                self.pos += 1;
            } else if b >= 0x80 {
                match self.char_at(self.pos) {
                    Some(c) if is_unicode_space(c) => self.pos += c.len_utf8(),
                    _ => break,
                }
            } else {
                break;
            }
        }
        self.push(TokenKind::Whitespace, start);
    }

    fn word(&mut self) {
        let start = self.pos;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if b < 0x80 {
                if is_ident_char(b as char) {
                    self.pos += 1;
                } else {
                    break;
                }
            } else {
                match self.char_at(self.pos) {
                    Some(c) if is_ident_char(c) => self.pos += c.len_utf8(),
                    _ => break,
                }
            }
        }
        let kind = if looks_like_number(&self.text[start..self.pos]) {
            TokenKind::Number
        } else {
            TokenKind::Ident
        };
        self.push(kind, start);
    }

    /// Whether a newline starts at byte `i`.
    fn newline_at(&self, i: usize) -> bool {
        match self.bytes.get(i) {
            Some(b'\n' | b'\r' | 0x0B | 0x0C) => true,
            Some(0xC2) => self.bytes.get(i + 1) == Some(&0x85),
            Some(0xE2) => {
                self.bytes.get(i + 1) == Some(&0x80)
                    && matches!(self.bytes.get(i + 2), Some(0xA8 | 0xA9))
            }
            _ => false,
        }
    }

    /// Position of the next newline at or after `from` (or the end).
    fn line_end(&self, from: usize) -> usize {
        let mut i = from;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'\n' | b'\r' | 0x0B | 0x0C => return i,
                0xC2 if self.bytes.get(i + 1) == Some(&0x85) => return i,
                0xE2 if self.bytes.get(i + 1) == Some(&0x80)
                    && matches!(self.bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
                {
                    return i;
                }
                _ => i += 1,
            }
        }
        i
    }

    fn slash(&mut self) {
        let start = self.pos;
        match self.bytes.get(start + 1) {
            Some(b'/') => {
                self.pos = self.line_end(start + 2);
                self.push(TokenKind::LineComment, start);
            }
            Some(b'*') => {
                let mut depth = 1usize;
                let mut i = start + 2;
                while i < self.bytes.len() && depth > 0 {
                    match (self.bytes[i], self.bytes.get(i + 1)) {
                        (b'/', Some(b'*')) => {
                            depth += 1;
                            i += 2;
                        }
                        (b'*', Some(b'/')) => {
                            depth -= 1;
                            i += 2;
                        }
                        _ => i += 1,
                    }
                }
                self.pos = i;
                self.push(TokenKind::BlockComment, start);
                if depth > 0 {
                    self.out.errors.push(
                        SyntaxError::new(
                            "mirage::syntax::unclosed_comment",
                            Span::new(start, start + 2),
                            "unclosed block comment",
                        )
                        .label("this comment is never closed")
                        .help("close it with `*/` (block comments nest: every `/*` needs its own `*/`)"),
                    );
                }
            }
            Some(b'-') => {
                self.pos += 2;
                self.push(TokenKind::Slashdash, start);
            }
            _ => {
                self.pos += 1;
                self.push(TokenKind::Error, start);
                self.out.errors.push(
                    SyntaxError::new(
                        "mirage::syntax::unexpected_token",
                        Span::new(start, start + 1),
                        "unexpected `/`",
                    )
                    .label("a lone slash is not valid here")
                    .help("write `//` for a comment, `/-` to comment out an item, or quote the text: `\"a/b\"`"),
                );
            }
        }
    }

    /// `"…"` or `"""…"""`.
    fn quoted(&mut self) {
        let start = self.pos;
        if self.bytes[start..].starts_with(b"\"\"\"") {
            let mut i = start + 3;
            loop {
                match self.bytes.get(i) {
                    None => {
                        self.pos = i;
                        self.push(TokenKind::Error, start);
                        self.unclosed(
                            start,
                            3,
                            "multi-line string",
                            "close it with `\"\"\"` on its own line",
                        );
                        return;
                    }
                    Some(b'\\') => i = self.skip_escape(i),
                    Some(b'"') if self.bytes[i..].starts_with(b"\"\"\"") => {
                        self.pos = i + 3;
                        self.push(TokenKind::MultiLineString, start);
                        return;
                    }
                    Some(_) => i += 1,
                }
            }
        }
        let mut i = start + 1;
        loop {
            match self.bytes.get(i) {
                Some(b'\\') => i = self.skip_escape(i),
                Some(b'"') => {
                    self.pos = i + 1;
                    self.push(TokenKind::String, start);
                    return;
                }
                Some(_) if !self.newline_at(i) => i += 1,
                _ => {
                    // A literal newline or the end of the text.
                    self.pos = i;
                    self.push(TokenKind::Error, start);
                    self.unclosed(
                        start,
                        1,
                        "string",
                        "close it with `\"` on the same line, or use `\"\"\"` + newline for a multi-line string",
                    );
                    return;
                }
            }
        }
    }

    /// Skip a backslash escape starting at `i`: the backslash and the next
    /// character, or the whole whitespace run of a whitespace escape.
    fn skip_escape(&self, i: usize) -> usize {
        let mut j = i + 1;
        match self.char_at(j) {
            None => j,
            Some(c) if is_unicode_space(c) || is_newline(c) => {
                while let Some(c) = self.char_at(j) {
                    if is_unicode_space(c) || is_newline(c) {
                        j += c.len_utf8();
                    } else {
                        break;
                    }
                }
                j
            }
            Some(c) => {
                j += c.len_utf8();
                j
            }
        }
    }

    fn unclosed(&mut self, start: usize, open_len: usize, what: &str, help: &str) {
        self.out.errors.push(
            SyntaxError::new(
                "mirage::syntax::unclosed_string",
                Span::new(start, start + open_len),
                format!("unclosed {what}"),
            )
            .label(format!("this {what} is never closed"))
            .help(help.to_string()),
        );
    }

    /// `#true`-style keywords and `#"raw"#` strings.
    fn hash(&mut self) {
        let start = self.pos;
        let mut hashes = 0;
        while self.bytes.get(start + hashes) == Some(&b'#') {
            hashes += 1;
        }
        let q = start + hashes;
        if self.bytes.get(q) == Some(&b'"') {
            self.raw_string(start, hashes);
            return;
        }
        if hashes > 1 {
            self.pos = q;
            self.push(TokenKind::Error, start);
            self.out.errors.push(
                SyntaxError::new(
                    "mirage::syntax::unexpected_token",
                    Span::new(start, q),
                    "unexpected `#`",
                )
                .label("`#` starts a keyword or a raw string")
                .help("write a raw string as `#\"…\"#`, or a keyword such as `#true`"),
            );
            return;
        }
        // `#` + identifier characters: a keyword, checked by the parser.
        self.pos = start + 1;
        while self.pos < self.bytes.len() {
            match self.char_at(self.pos) {
                Some(c) if is_ident_char(c) => self.pos += c.len_utf8(),
                _ => break,
            }
        }
        if self.pos == start + 1 {
            self.push(TokenKind::Error, start);
            self.out.errors.push(
                SyntaxError::new(
                    "mirage::syntax::unexpected_token",
                    Span::new(start, start + 1),
                    "unexpected `#`",
                )
                .label("`#` must start a keyword or a raw string")
                .help("write `#true`, `#false`, `#null`, `#inf`, `#-inf`, `#nan`, or a raw string `#\"…\"#`; quote the text if `#` is part of it"),
            );
        } else {
            self.push(TokenKind::Keyword, start);
        }
    }

    fn raw_string(&mut self, start: usize, hashes: usize) {
        let q = start + hashes;
        let multi = self.bytes[q..].starts_with(b"\"\"\"");
        let body = if multi { q + 3 } else { q + 1 };
        let mut i = body;
        while let Some(&b) = self.bytes.get(i) {
            if !multi && self.newline_at(i) {
                break;
            }
            if b == b'"' {
                let close = if multi { 3 } else { 1 };
                let quotes_ok = self.bytes[i..].starts_with(if multi { b"\"\"\"" } else { b"\"" });
                if quotes_ok
                    && self.bytes.len() >= i + close + hashes
                    && self.bytes[i + close..i + close + hashes]
                        .iter()
                        .all(|&h| h == b'#')
                {
                    self.pos = i + close + hashes;
                    self.push(TokenKind::RawString, start);
                    return;
                }
            }
            i += 1;
        }
        self.pos = i;
        self.push(TokenKind::Error, start);
        let closing = format!(
            "{}{}",
            if multi { "\"\"\"" } else { "\"" },
            "#".repeat(hashes)
        );
        let help = if multi {
            format!("close it with `{closing}` on its own line")
        } else {
            format!(
                "close it with `{closing}` on the same line (the same number of `#` as it opened with)"
            )
        };
        self.unclosed(start, body - start, "raw string", &help);
    }
}
