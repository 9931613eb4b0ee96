//! The error-recovering recursive-descent parser: tokens → [`Document`].
//!
//! Every problem becomes a [`SyntaxError`] and parsing continues: a bad
//! entry is skipped, a bad node is skipped to the next newline, `;` or `}` at
//! its own depth. Nesting is limited to [`MAX_DEPTH`] blocks so that hostile
//! input cannot overflow the stack; deeper blocks are skipped iteratively.

use super::ast::{Children, Document, Entry, Ident, Node, SmolStr};
use super::error::SyntaxError;
use super::lexer::{Lexer, Token, TokenKind as K};
use crate::diagnostic::Span;

mod entries;
mod space;
mod values;

/// Deepest allowed nesting of `{ … }` blocks.
pub const MAX_DEPTH: usize = 128;

/// Parse `text` into a document, with every lexical and syntax error (in
/// no particular order). The lexer runs one token ahead of the parser, as it
/// asks, so the token stream is never materialised whole.
pub fn parse_text(text: &str) -> (Document, Vec<SyntaxError>) {
    let mut p = Parser {
        text,
        lexer: Lexer::new(text, 256),
        base: 0,
        pos: 0,
        errors: Vec::new(),
        node_stack: Vec::with_capacity(64),
        entry_stack: Vec::with_capacity(64),
    };
    let nodes = p.nodes(0, None);
    // The parser stops at the end of the text, but make sure every lexical
    // error is collected whatever it does.
    while p.lexer.step() {}
    let mut errors = std::mem::take(&mut p.lexer.out.errors);
    errors.append(&mut p.errors);
    (
        Document {
            nodes,
            span: Span::new(0, text.len()),
        },
        errors,
    )
}

/// Consumed tokens are dropped from the window once this many pile up.
const WINDOW: usize = 1024;

struct Parser<'a> {
    text: &'a str,
    /// The token source; `lexer.out.tokens` is the window of tokens the
    /// parser can see, `base` the index (in the whole stream) of its first.
    lexer: Lexer<'a>,
    base: usize,
    /// Index in the whole token stream of the current token.
    pos: usize,
    errors: Vec<SyntaxError>,
    /// Nodes of every open block, innermost last: a block's nodes are pushed
    /// here and moved into an exactly sized `Vec` when it closes, so the
    /// tree's vectors are allocated once instead of growing by doubling
    /// (allocation dominated the parser's profile).
    node_stack: Vec<Node>,
    /// The same for the entries of the nodes being parsed.
    entry_stack: Vec<Entry>,
}

impl<'a> Parser<'a> {
    /// Token `i` of the whole stream, lexing up to it if needed; `None`
    /// past the end. Only the token before `pos` and those after it are
    /// kept, so `i` must be at least `pos - 1`.
    #[inline]
    fn tok(&mut self, i: usize) -> Option<Token> {
        loop {
            if let Some(t) = self.lexer.out.tokens.get(i.wrapping_sub(self.base)) {
                return Some(*t);
            }
            if i < self.base {
                return None;
            }
            self.refill()?;
        }
    }

    /// Lex one more token, first dropping consumed ones when many have
    /// accumulated (keeping the one before `pos`, for node spans).
    #[cold]
    fn refill(&mut self) -> Option<()> {
        let consumed = self.pos.saturating_sub(1).saturating_sub(self.base);
        if consumed >= WINDOW {
            self.lexer.out.tokens.drain(..consumed);
            self.base += consumed;
        }
        self.lexer.step().then_some(())
    }

    #[inline]
    fn kind(&mut self) -> K {
        self.kind_at(self.pos)
    }

    #[inline]
    fn kind_at(&mut self, i: usize) -> K {
        self.tok(i).map(|t| t.kind).unwrap_or(K::Eof)
    }

    /// The current token's span; at the end, the last character (so that
    /// every diagnostic points at something).
    #[inline]
    fn span(&mut self) -> Span {
        match self.tok(self.pos) {
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
        let t = self.tok(self.pos).unwrap_or(Token {
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
    fn describe(&mut self) -> String {
        match self.kind() {
            K::Eof => "the end of the file".to_string(),
            K::Newline => "a newline".to_string(),
            _ => {
                let span = self.span();
                let s = self.slice(span);
                let short: String = s.chars().take(20).collect();
                format!("`{short}`")
            }
        }
    }

    /// Nodes until `}` (when `open` is the brace of a block) or the end.
    fn nodes(&mut self, depth: usize, open: Option<Span>) -> Vec<Node> {
        let base = self.node_stack.len();
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
                        self.node_stack.push(node);
                    }
                }
            }
        }
        self.node_stack.drain(base..).collect()
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
                    value: SmolStr::new(text),
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

        // The name (or the type annotation's `)`) was just consumed.
        let mut end = self
            .tok(self.pos.saturating_sub(1))
            .map_or(start, |t| t.span.end);
        let entries_base = self.entry_stack.len();
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
                        self.entry_stack.push(e);
                    }
                    if self.pos == before {
                        // Never loop without progress.
                        self.pos += 1;
                    }
                }
            }
        }
        let entries: Vec<Entry> = self.entry_stack.drain(entries_base..).collect();
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
