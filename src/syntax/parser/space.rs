//! Whitespace, comments and line continuations between tokens, and the
//! skipping that recovers from errors.
use super::Parser;
use crate::syntax::error::SyntaxError;
use crate::syntax::lexer::TokenKind as K;

impl Parser<'_> {
    pub(super) fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.kind().is_ws() {
            self.pos += 1;
        }
        self.pos != start
    }

    /// `node-space*`: whitespace, block comments and line continuations.
    pub(super) fn node_space(&mut self) -> bool {
        let start = self.pos;
        loop {
            self.skip_ws();
            if self.kind() == K::Escline {
                self.escline();
            } else {
                break;
            }
        }
        self.pos != start
    }

    /// `\` ws* (line-comment | newline | eof).
    pub(super) fn escline(&mut self) {
        let bs = self.bump().span;
        self.skip_ws();
        match self.kind() {
            K::LineComment => {
                self.pos += 1;
                if self.kind() == K::Newline {
                    self.pos += 1;
                }
            }
            K::Newline => self.pos += 1,
            K::Eof => {}
            _ => {
                let found = self.describe();
                self.error(
                    SyntaxError::new(
                        "mirage::syntax::unexpected_token",
                        bs,
                        format!("expected a newline after the line continuation `\\`, found {found}"),
                    )
                    .label("line continuation")
                    .help("`\\` continues a node on the next line and must end its line (a `//` comment may follow); to put a backslash in text, quote it: `\"a\\\\b\"`"),
                );
            }
        }
    }

    /// Whether node-space (without errors) then `=` follows the current
    /// token, without consuming anything.
    pub(super) fn equals_follows(&mut self) -> bool {
        let mut i = self.pos + 1;
        loop {
            match self.kind_at(i) {
                k if k.is_ws() => i += 1,
                K::Escline => {
                    i += 1;
                    while self.kind_at(i).is_ws() {
                        i += 1;
                    }
                    match self.kind_at(i) {
                        K::LineComment if self.kind_at(i + 1) == K::Newline => i += 2,
                        K::LineComment | K::Newline => i += 1,
                        _ => return false,
                    }
                }
                K::Equals => return true,
                _ => return false,
            }
        }
    }

    /// `line-space*`.
    pub(super) fn line_space(&mut self) {
        loop {
            self.node_space();
            match self.kind() {
                K::Newline | K::LineComment => self.pos += 1,
                _ => break,
            }
        }
    }

    /// Skip a `{ … }` block (iteratively, whatever its depth).
    pub(super) fn skip_balanced(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.kind() {
                K::Eof => return,
                K::LBrace => depth += 1,
                K::RBrace => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// Skip to the end of the current node: past a newline or `;`, or up to a
    /// `}` closing the enclosing block, skipping nested blocks whole.
    pub(super) fn recover_node_end(&mut self) {
        loop {
            match self.kind() {
                K::Eof | K::RBrace => return,
                K::Newline | K::Semicolon => {
                    self.pos += 1;
                    return;
                }
                K::LBrace => self.skip_balanced(),
                K::Escline => self.escline(),
                _ => self.pos += 1,
            }
        }
    }
}
