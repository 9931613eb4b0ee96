//! `mirage fmt`: a canonical layout that keeps every comment and spelling.
//!
//! The formatter walks the lossless token stream of a text that parsed
//! without errors, so nothing is lost: line and block comments, slashdashed
//! nodes, entries and blocks, and every string and number exactly as
//! written. Only layout changes:
//!
//! * 4-space indentation; one node per line (`a; b` becomes two lines);
//! * single spaces between entries, `key=value` without spaces, `(type)`
//!   without inner spaces (comments in those places are kept, spaced);
//! * `{` on the node line, `}` on its own line; a block with nothing in it
//!   (no nodes, no comments) is written `{}` on the node line;
//! * runs of blank lines collapse to one; no blank line at the start or end
//!   of a block or of the file; trailing whitespace removed;
//! * line continuations `\` kept (the continued line is indented one level
//!   deeper), except one that continues onto nothing (before a newline that
//!   ends the node, `}` or the end), which is dropped as it changes nothing;
//! * CRLF and other newlines become `\n`; exactly one final newline (an
//!   empty document formats to the empty string);
//! * multi-line strings are copied verbatim (their indentation is part of
//!   their value); inside block comments only trailing whitespace is removed.

use super::ast::parse;
use super::chars::{is_newline, is_unicode_space};
use super::lexer::{Token, TokenKind as K, tokenize};
use crate::diagnostic::{Diagnostic, FileId};

/// Format `text`, or return its syntax diagnostics (for [`FileId`] 0) when
/// it does not parse cleanly.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    format_file(FileId(0), text)
}

/// [`format`] with diagnostics attributed to `file`.
pub fn format_file(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = parse(file, text);
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(parsed.diagnostics);
    }
    let lexed = tokenize(text);
    let mut f = Fmt {
        text,
        toks: &lexed.tokens,
        pos: 0,
        out: String::with_capacity(text.len() + text.len() / 8),
        depth: 0,
        cont: false,
        line_has_content: false,
    };
    if f.kind() == K::Bom {
        f.out.push('\u{FEFF}');
        f.pos += 1;
    }
    f.block(false);
    if f.line_has_content {
        f.end_line();
    }
    if f.out.trim_start_matches('\u{FEFF}').is_empty() {
        f.out.clear();
    }
    Ok(f.out)
}

struct Fmt<'a> {
    text: &'a str,
    toks: &'a [Token],
    pos: usize,
    out: String,
    depth: usize,
    /// Inside a node after a line continuation: indent one level more.
    cont: bool,
    line_has_content: bool,
}

impl<'a> Fmt<'a> {
    fn kind(&self) -> K {
        self.kind_at(self.pos)
    }

    fn kind_at(&self, i: usize) -> K {
        self.toks.get(i).map(|t| t.kind).unwrap_or(K::Eof)
    }

    fn tok_text(&self) -> &'a str {
        self.toks
            .get(self.pos)
            .map(|t| &self.text[t.span.start..t.span.end])
            .unwrap_or("")
    }

    fn write(&mut self, s: &str) {
        if !self.line_has_content {
            let n = self.depth + usize::from(self.cont);
            for _ in 0..n {
                self.out.push_str("    ");
            }
        }
        self.out.push_str(s);
        self.line_has_content = true;
    }

    /// Write the current token verbatim (newlines normalised) and advance.
    fn write_token(&mut self) {
        let kind = self.kind();
        let text = self.tok_text();
        self.pos += 1;
        let normalised;
        let text = if matches!(
            kind,
            K::BlockComment | K::MultiLineString | K::RawString | K::String
        ) && text.contains(|c: char| c != '\n' && is_newline(c))
        {
            // Every newline kind means the same inside strings (they are
            // normalised to `\n` in values) and comments.
            normalised = text
                .replace("\r\n", "\n")
                .replace(|c: char| c != '\n' && is_newline(c), "\n");
            normalised.as_str()
        } else {
            text
        };
        match kind {
            K::BlockComment => {
                let mut lines = text.split('\n').peekable();
                let mut s = String::with_capacity(text.len());
                while let Some(line) = lines.next() {
                    if lines.peek().is_some() {
                        s.push_str(line.trim_end_matches(is_unicode_space));
                        s.push('\n');
                    } else {
                        s.push_str(line);
                    }
                }
                self.write(&s);
            }
            _ => self.write(text),
        }
    }

    fn space(&mut self) {
        if self.line_has_content && !self.out.ends_with(' ') {
            self.out.push(' ');
        }
    }

    fn end_line(&mut self) {
        let trimmed = self.out.trim_end_matches(is_unicode_space).len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        self.line_has_content = false;
    }

    fn start_line(&mut self) {
        if self.line_has_content {
            self.end_line();
        }
    }

    fn blank_line(&mut self) {
        self.start_line();
        if !self.out.is_empty() && !self.out.ends_with("\n\n") && self.out != "\u{FEFF}" {
            self.out.push('\n');
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.kind(), K::Whitespace | K::Bom) {
            self.pos += 1;
        }
    }

    /// Nodes and comments until `}` (when `closing`) or the end.
    fn block(&mut self, closing: bool) {
        let mut newlines = 0usize;
        let mut first = true;
        let mut inline = false;
        loop {
            match self.kind() {
                K::Whitespace | K::Bom | K::Error => self.pos += 1,
                K::Newline => {
                    newlines += 1;
                    inline = false;
                    self.pos += 1;
                }
                K::Escline => {
                    // A continuation between nodes joins nothing; keep only
                    // its comment.
                    self.pos += 1;
                }
                K::Eof => return,
                K::RBrace if closing => return,
                kind => {
                    if newlines >= 2 && !first {
                        self.blank_line();
                    }
                    first = false;
                    match kind {
                        K::LineComment => {
                            // Trailing when on the line of `node;`, `{` or
                            // an inline block comment; otherwise its own line.
                            if newlines == 0 && self.line_has_content {
                                self.space();
                            } else {
                                self.start_line();
                            }
                            self.write_token();
                            inline = false;
                            newlines = 0;
                        }
                        K::BlockComment => {
                            self.item_start(inline);
                            self.write_token();
                            let mut i = self.pos;
                            while self.kind_at(i) == K::Whitespace {
                                i += 1;
                            }
                            inline = !matches!(self.kind_at(i), K::Newline | K::Eof | K::RBrace);
                            newlines = 0;
                        }
                        K::Slashdash => {
                            self.item_start(inline);
                            self.write("/-");
                            self.pos += 1;
                            self.line_gap();
                            newlines = self.node();
                            inline = false;
                        }
                        _ => {
                            self.item_start(inline);
                            newlines = self.node();
                            inline = false;
                        }
                    }
                }
            }
        }
    }

    fn item_start(&mut self, inline: bool) {
        if inline {
            self.space();
        } else {
            self.start_line();
        }
    }

    /// After `/-`: line-space before the target; comments kept.
    fn line_gap(&mut self) {
        loop {
            match self.kind() {
                K::Whitespace | K::Newline | K::Escline => self.pos += 1,
                K::BlockComment => {
                    self.space();
                    self.write_token();
                    self.space();
                }
                K::LineComment => {
                    self.space();
                    self.write_token();
                    self.end_line();
                }
                _ => return,
            }
        }
    }

    /// node-space inside a node: whitespace dropped, block comments kept
    /// (spaced), line continuations kept unless they continue onto nothing.
    fn gap(&mut self) {
        loop {
            match self.kind() {
                K::Whitespace | K::Error => self.pos += 1,
                K::BlockComment => {
                    self.space();
                    self.write_token();
                    self.space();
                }
                K::Escline => {
                    self.pos += 1;
                    self.skip_ws();
                    let comment = (self.kind() == K::LineComment).then(|| self.tok_text());
                    if comment.is_some() {
                        self.pos += 1;
                    }
                    if self.kind() == K::Newline {
                        self.pos += 1;
                    }
                    let i = self.past_esclines(self.pos);
                    let dangling = matches!(
                        self.kind_at(i),
                        K::Newline | K::Eof | K::RBrace | K::Semicolon | K::LineComment
                    );
                    if dangling {
                        // Continues onto nothing: drop the `\`; its comment
                        // becomes a trailing comment of the node.
                        if let Some(c) = comment {
                            self.space();
                            self.write(c);
                            self.end_line();
                        }
                        continue;
                    }
                    self.space();
                    self.write("\\");
                    if let Some(c) = comment {
                        self.space();
                        self.write(c);
                    }
                    self.end_line();
                    self.cont = true;
                }
                _ => return,
            }
        }
    }

    /// The first token from `i` that is neither whitespace nor part of a
    /// line continuation: what a continuation at `i` finally continues onto.
    fn past_esclines(&self, mut i: usize) -> usize {
        loop {
            match self.kind_at(i) {
                K::Whitespace => i += 1,
                K::Escline => {
                    i += 1;
                    while self.kind_at(i) == K::Whitespace {
                        i += 1;
                    }
                    if self.kind_at(i) == K::LineComment {
                        i += 1;
                    }
                    if self.kind_at(i) == K::Newline {
                        i += 1;
                    }
                }
                _ => return i,
            }
        }
    }

    /// Whether `=` follows the current token across node-space. The text
    /// parsed cleanly, so a newline or line comment before a `=` can only be
    /// part of a line continuation.
    fn equals_follows(&self) -> bool {
        let mut i = self.pos + 1;
        loop {
            match self.kind_at(i) {
                K::Whitespace | K::BlockComment | K::Escline | K::LineComment | K::Newline => {
                    i += 1
                }
                K::Equals => return true,
                _ => return false,
            }
        }
    }

    /// One node through its terminator; returns the newlines it consumed.
    fn node(&mut self) -> usize {
        self.cont = false;
        if self.kind() == K::LParen {
            self.ty();
            self.gap();
        }
        self.write_token();
        let mut newlines = 0;
        loop {
            self.gap();
            match self.kind() {
                K::Newline => {
                    self.pos += 1;
                    self.start_line();
                    newlines = 1;
                    break;
                }
                K::Semicolon => {
                    self.pos += 1;
                    break;
                }
                K::LineComment => {
                    self.space();
                    self.write_token();
                    break;
                }
                K::Eof | K::RBrace => break,
                K::LBrace => {
                    self.space();
                    self.children();
                }
                K::Slashdash => {
                    self.space();
                    self.write("/-");
                    self.pos += 1;
                    self.line_gap();
                    if self.kind() == K::LBrace {
                        self.children();
                    } else {
                        self.entry();
                    }
                }
                _ => {
                    self.space();
                    self.entry();
                }
            }
        }
        self.cont = false;
        newlines
    }

    fn entry(&mut self) {
        if self.kind() == K::LParen {
            self.ty();
            self.gap();
            self.write_token();
            return;
        }
        if self.kind().is_string() && self.equals_follows() {
            self.write_token();
            self.gap();
            self.write("=");
            self.pos += 1;
            self.gap();
            if self.kind() == K::LParen {
                self.ty();
                self.gap();
            }
        }
        self.write_token();
    }

    fn ty(&mut self) {
        self.write("(");
        self.pos += 1;
        self.gap();
        self.write_token();
        self.gap();
        self.write(")");
        self.pos += 1;
    }

    fn children(&mut self) {
        let mut i = self.pos + 1;
        while matches!(self.kind_at(i), K::Whitespace | K::Newline | K::Escline) {
            i += 1;
        }
        if self.kind_at(i) == K::RBrace {
            self.write("{}");
            self.pos = i + 1;
            return;
        }
        self.write("{");
        self.pos += 1;
        let cont = self.cont;
        self.cont = false;
        self.depth += 1;
        self.block(true);
        self.depth -= 1;
        self.start_line();
        self.cont = cont;
        self.write("}");
        self.pos += 1;
    }
}
