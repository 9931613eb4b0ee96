//! The error-recovering recursive-descent parser: tokens → [`Document`].
//!
//! Every problem becomes a [`SyntaxError`] and parsing continues: a bad
//! entry is skipped, a bad node is skipped to the next newline, `;` or `}` at
//! its own depth. Nesting is limited to [`MAX_DEPTH`] blocks so that hostile
//! input cannot overflow the stack; deeper blocks are skipped iteratively.

use super::ast::{Children, Document, Ident, Node};
use super::error::SyntaxError;
use super::lexer::{Token, TokenKind as K};
use crate::diagnostic::Span;

mod entries;
mod space;
mod values;

/// Deepest allowed nesting of `{ … }` blocks.
pub const MAX_DEPTH: usize = 128;

/// Parse a token stream of `text` into a document and its errors.
pub fn parse_tokens(text: &str, tokens: &[Token]) -> (Document, Vec<SyntaxError>) {
    let mut p = Parser {
        text,
        toks: tokens,
        pos: 0,
        errors: Vec::new(),
    };
    let nodes = p.nodes(0, None);
    (
        Document {
            nodes,
            span: Span::new(0, text.len()),
        },
        p.errors,
    )
}

struct Parser<'a> {
    text: &'a str,
    toks: &'a [Token],
    pos: usize,
    errors: Vec<SyntaxError>,
}

impl<'a> Parser<'a> {
    #[inline]
    fn kind(&self) -> K {
        self.toks.get(self.pos).map(|t| t.kind).unwrap_or(K::Eof)
    }

    #[inline]
    fn kind_at(&self, i: usize) -> K {
        self.toks.get(i).map(|t| t.kind).unwrap_or(K::Eof)
    }

    /// The current token's span; at the end, the last character (so that
    /// every diagnostic points at something).
    #[inline]
    fn span(&self) -> Span {
        match self.toks.get(self.pos) {
            Some(t) => t.span,
            None => {
                let len = self.text.len();
                let last = self
                    .text
                    .chars()
                    .next_back()
                    .map(char::len_utf8)
                    .unwrap_or(0);
                Span::new(len - last, len)
            }
        }
    }

    #[inline]
    fn bump(&mut self) -> Token {
        let t = self.toks.get(self.pos).copied().unwrap_or(Token {
            kind: K::Eof,
            span: Span::at(self.text.len()),
        });
        self.pos += 1;
        t
    }

    fn slice(&self, span: Span) -> &'a str {
        &self.text[span.start..span.end]
    }

    fn error(&mut self, e: SyntaxError) {
        self.errors.push(e);
    }

    /// A short description of the current token for messages.
    fn describe(&self) -> String {
        match self.kind() {
            K::Eof => "the end of the file".to_string(),
            K::Newline => "a newline".to_string(),
            _ => {
                let s = self.slice(self.span());
                let short: String = s.chars().take(20).collect();
                format!("`{short}`")
            }
        }
    }

    /// Nodes until `}` (when `open` is the brace of a block) or the end.
    fn nodes(&mut self, depth: usize, open: Option<Span>) -> Vec<Node> {
        let mut nodes = Vec::new();
        loop {
            self.line_space();
            match self.kind() {
                K::Eof => {
                    if let Some(brace) = open {
                        self.error(
                            SyntaxError::new(
                                "mirage::syntax::unclosed_block",
                                brace,
                                "unclosed children block",
                            )
                            .label("this `{` is never closed")
                            .help("add the matching `}` after the last child node"),
                        );
                    }
                    break;
                }
                K::RBrace => {
                    if open.is_some() {
                        break;
                    }
                    let s = self.bump().span;
                    self.error(
                        SyntaxError::new(
                            "mirage::syntax::unexpected_token",
                            s,
                            "unexpected `}` outside any children block",
                        )
                        .label("no `{` opens this block")
                        .help("remove this `}` or add the `{` it should close"),
                    );
                }
                K::Semicolon => {
                    let s = self.bump().span;
                    self.error(
                        SyntaxError::new(
                            "mirage::syntax::unexpected_token",
                            s,
                            "unexpected `;` without a node before it",
                        )
                        .label("empty node")
                        .help("remove the extra `;` (a `;` ends a node, it cannot stand alone)"),
                    );
                }
                K::Slashdash => {
                    let s = self.bump().span;
                    self.line_space();
                    if matches!(self.kind(), K::Eof | K::RBrace | K::Semicolon) {
                        self.error(
                            SyntaxError::new(
                                "mirage::syntax::unexpected_token",
                                s,
                                "`/-` must be followed by a node",
                            )
                            .label("nothing to comment out")
                            .help(
                                "remove the `/-`, or put the node it should comment out after it",
                            ),
                        );
                    } else {
                        let _ = self.node(depth);
                    }
                }
                _ => {
                    if let Some(node) = self.node(depth) {
                        nodes.push(node);
                    }
                }
            }
        }
        nodes
    }

    /// One node, including its terminator (`;` or newline, not `}`).
    fn node(&mut self, depth: usize) -> Option<Node> {
        let start = self.span().start;
        let ty = if self.kind() == K::LParen {
            let ty = self.type_annotation();
            self.node_space();
            ty
        } else {
            None
        };
        let name = match self.kind() {
            k if k.is_string() => {
                let t = self.bump();
                self.ident(t)
            }
            K::Number | K::Keyword => {
                let t = self.bump();
                let what = if t.kind == K::Number {
                    "a number"
                } else {
                    "a keyword"
                };
                let text = self.slice(t.span);
                self.error(
                    SyntaxError::new(
                        "mirage::syntax::unexpected_token",
                        t.span,
                        format!("a node name cannot be {what}"),
                    )
                    .label("node name")
                    .help(format!("quote it to use it as a name: `\"{text}\"`")),
                );
                Some(Ident {
                    value: text.to_string(),
                    span: t.span,
                })
            }
            K::LBrace => {
                let s = self.span();
                self.error(
                    SyntaxError::new(
                        "mirage::syntax::unexpected_token",
                        s,
                        "found a children block without a node name",
                    )
                    .label("`{` where a node name was expected")
                    .help("write the node name before `{`, e.g. `service {`"),
                );
                self.skip_balanced();
                self.recover_node_end();
                return None;
            }
            _ => {
                let s = self.span();
                let found = self.describe();
                self.error(
                    SyntaxError::new(
                        "mirage::syntax::unexpected_token",
                        s,
                        format!("expected a node name, found {found}"),
                    )
                    .label("not a node name")
                    .help("a node starts with its name: an identifier or a quoted string"),
                );
                self.recover_node_end();
                return None;
            }
        };

        let mut end = self.toks[self
            .pos
            .saturating_sub(1)
            .min(self.toks.len().saturating_sub(1))]
        .span
        .end;
        let mut entries = Vec::new();
        let mut children: Option<Children> = None;
        let mut had_children = false;
        let mut had_sd_children = false;
        loop {
            let spaced = self.node_space();
            match self.kind() {
                K::Newline | K::Semicolon => {
                    self.pos += 1;
                    break;
                }
                K::LineComment | K::Eof | K::RBrace => break,
                K::LBrace => {
                    if had_children {
                        let s = self.span();
                        self.error(
                            SyntaxError::new(
                                "mirage::syntax::unexpected_token",
                                s,
                                "a node has at most one children block",
                            )
                            .label("second children block")
                            .help("merge the blocks into one, or comment this one out with `/-`"),
                        );
                        self.skip_balanced();
                        continue;
                    }
                    had_children = true;
                    let open = self.span();
                    children = self.children(depth);
                    end = children.as_ref().map(|c| c.span.end).unwrap_or(open.end);
                }
                K::Slashdash => {
                    let sd = self.bump().span;
                    if !spaced {
                        self.missing_space(sd);
                    }
                    self.line_space();
                    match self.kind() {
                        K::LBrace => {
                            had_sd_children = true;
                            let _ = self.children(depth);
                        }
                        K::Eof | K::RBrace | K::Semicolon => {
                            self.error(
                                SyntaxError::new(
                                    "mirage::syntax::unexpected_token",
                                    sd,
                                    "`/-` must be followed by an entry or a children block",
                                )
                                .label("nothing to comment out")
                                .help(
                                    "remove the `/-`, or put what it should comment out after it",
                                ),
                            );
                        }
                        _ => {
                            if had_children || had_sd_children {
                                self.entry_after_children();
                            }
                            let _ = self.entry();
                        }
                    }
                }
                _ => {
                    if had_children || had_sd_children {
                        self.entry_after_children();
                        self.recover_node_end();
                        break;
                    }
                    if !spaced {
                        let s = self.span();
                        self.missing_space(s);
                    }
                    let before = self.pos;
                    if let Some(e) = self.entry() {
                        end = e.span.end;
                        entries.push(e);
                    }
                    if self.pos == before {
                        // Never loop without progress.
                        self.pos += 1;
                    }
                }
            }
        }
        let name = name?;
        Some(Node {
            ty,
            name,
            entries,
            children,
            span: Span::new(start, end),
        })
    }

    /// `{ nodes }`, or a skipped block when too deep.
    fn children(&mut self, depth: usize) -> Option<Children> {
        let open = self.span();
        if depth + 1 > MAX_DEPTH {
            self.error(
                SyntaxError::new(
                    "mirage::syntax::too_deep",
                    open,
                    format!("children blocks are nested more than {MAX_DEPTH} levels deep"),
                )
                .label("this block is too deep")
                .help("flatten the structure: split deeply nested nodes into separate top-level nodes"),
            );
            self.skip_balanced();
            return None;
        }
        self.pos += 1;
        let nodes = self.nodes(depth + 1, Some(open));
        let end = if self.kind() == K::RBrace {
            self.bump().span.end
        } else {
            self.text.len()
        };
        Some(Children {
            nodes,
            span: Span::new(open.start, end),
        })
    }
}
