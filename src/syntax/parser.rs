//! The error-recovering recursive-descent parser: tokens → [`Document`].
//!
//! Every problem becomes a [`SyntaxError`] and parsing continues: a bad
//! entry is skipped, a bad node is skipped to the next newline, `;` or `}` at
//! its own depth. Nesting is limited to [`MAX_DEPTH`] blocks so that hostile
//! input cannot overflow the stack; deeper blocks are skipped iteratively.

use super::ast::{Children, Document, Entry, Ident, Node, Number, Value};
use super::error::SyntaxError;
use super::lexer::{Token, TokenKind as K};
use super::number::parse_number;
use super::strings;
use crate::diagnostic::Span;

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

    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.kind().is_ws() {
            self.pos += 1;
        }
        self.pos != start
    }

    /// `node-space*`: whitespace, block comments and line continuations.
    fn node_space(&mut self) -> bool {
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
    fn escline(&mut self) {
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
    fn equals_follows(&self) -> bool {
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
    fn line_space(&mut self) {
        loop {
            self.node_space();
            match self.kind() {
                K::Newline | K::LineComment => self.pos += 1,
                _ => break,
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

    fn entry_after_children(&mut self) {
        let s = self.span();
        self.error(
            SyntaxError::new(
                "mirage::syntax::unexpected_token",
                s,
                "arguments and properties must come before the children block",
            )
            .label("entry after `{ … }`")
            .help("move this entry before the `{`"),
        );
    }

    fn missing_space(&mut self, at: Span) {
        self.error(
            SyntaxError::new(
                "mirage::syntax::missing_space",
                at,
                "expected whitespace before this entry",
            )
            .label("no space here")
            .help(
                "separate a node's name, arguments and properties with spaces: `node \"a\" key=1`",
            ),
        );
    }

    /// An argument or a property (`key=value`), with type annotations.
    fn entry(&mut self) -> Option<Entry> {
        let start = self.span().start;
        if self.kind() == K::LParen {
            let ty = self.type_annotation();
            self.node_space();
            if self.kind().is_string() && self.kind_at(self.pos + 1) == K::Equals {
                let s = self.span();
                self.error(
                    SyntaxError::new(
                        "mirage::syntax::unexpected_token",
                        Span::new(start, s.end),
                        "a type annotation cannot precede a property key",
                    )
                    .label("annotated key")
                    .help("annotate the value instead: `key=(type)value`"),
                );
                self.pos += 2;
                self.node_space();
                let _ = self.value_with_type();
                return None;
            }
            let (value, value_span) = self.value_required("after the type annotation")?;
            return Some(Entry {
                name: None,
                ty,
                value,
                value_span,
                span: Span::new(start, value_span.end),
            });
        }
        match self.kind() {
            k if k.is_string() => {
                if self.equals_follows() {
                    let key_tok = self.bump();
                    self.node_space();
                    self.pos += 1; // `=`
                    self.node_space();
                    let key = self.ident(key_tok);
                    let (ty, value, value_span) = self.value_with_type()?;
                    return Some(Entry {
                        name: Some(key?),
                        ty,
                        value,
                        value_span,
                        span: Span::new(start, value_span.end),
                    });
                }
                let t = self.bump();
                let value = self.value(t)?;
                Some(Entry {
                    name: None,
                    ty: None,
                    value,
                    value_span: t.span,
                    span: t.span,
                })
            }
            K::Number | K::Keyword => {
                let t = self.bump();
                let value = self.value(t)?;
                Some(Entry {
                    name: None,
                    ty: None,
                    value,
                    value_span: t.span,
                    span: t.span,
                })
            }
            _ => {
                let t = self.bump();
                let text = self.slice(t.span);
                let help = match t.kind {
                    K::Equals => "a property is written `key=value`, with the key right before `=`",
                    K::RParen => "remove the `)` or add the `(` of a type annotation",
                    _ => {
                        "an entry is a value (`\"text\"`, `12`, `#true`) or a property `key=value`"
                    }
                };
                self.error(
                    SyntaxError::new(
                        "mirage::syntax::unexpected_token",
                        t.span,
                        format!("unexpected `{text}`"),
                    )
                    .label("not an argument or property")
                    .help(help),
                );
                None
            }
        }
    }

    /// `(type)? value` after `key=`.
    fn value_with_type(&mut self) -> Option<(Option<Ident>, Value, Span)> {
        let ty = if self.kind() == K::LParen {
            let ty = self.type_annotation();
            self.node_space();
            ty
        } else {
            None
        };
        let (value, span) = self.value_required("after `=`")?;
        Some((ty, value, span))
    }

    fn value_required(&mut self, context: &str) -> Option<(Value, Span)> {
        match self.kind() {
            k if k.is_string() || k == K::Number || k == K::Keyword => {
                let t = self.bump();
                let v = self.value(t)?;
                Some((v, t.span))
            }
            _ => {
                let s = self.span();
                let found = self.describe();
                self.error(
                    SyntaxError::new(
                        "mirage::syntax::unexpected_token",
                        s,
                        format!("expected a value {context}, found {found}"),
                    )
                    .label("value expected here")
                    .help("write a value: `\"text\"`, `12`, `#true`, `#null`"),
                );
                None
            }
        }
    }

    /// `( string )`.
    fn type_annotation(&mut self) -> Option<Ident> {
        let open = self.bump().span;
        self.node_space();
        let name = if self.kind().is_string() {
            let t = self.bump();
            self.ident(t)
        } else {
            let s = self.span();
            let found = self.describe();
            self.error(
                SyntaxError::new(
                    "mirage::syntax::unexpected_token",
                    Span::new(open.start, s.end),
                    format!("expected a type name inside `( )`, found {found}"),
                )
                .label("empty or invalid type annotation")
                .help("write the type as an identifier or string, e.g. `(secret)\"value\"`, or remove the parentheses"),
            );
            None
        };
        self.node_space();
        if self.kind() == K::RParen {
            self.pos += 1;
            return name;
        }
        if name.is_some() {
            let s = self.span();
            self.error(
                SyntaxError::new(
                    "mirage::syntax::unexpected_token",
                    s,
                    "expected `)` to close the type annotation",
                )
                .label("`)` expected")
                .help("a type annotation is one name in parentheses: `(type)`"),
            );
        }
        // Recover: skip to the `)` on this line, if any.
        let mut i = self.pos;
        while !matches!(
            self.kind_at(i),
            K::Eof | K::Newline | K::Semicolon | K::LBrace | K::RBrace | K::RParen
        ) {
            i += 1;
        }
        if self.kind_at(i) == K::RParen {
            self.pos = i + 1;
        }
        None
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

    /// Skip a `{ … }` block (iteratively, whatever its depth).
    fn skip_balanced(&mut self) {
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
    fn recover_node_end(&mut self) {
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

    /// A string token as a name or key.
    fn ident(&mut self, t: Token) -> Option<Ident> {
        match self.string_value(t)? {
            Value::String(value) => Some(Ident {
                value,
                span: t.span,
            }),
            _ => None,
        }
    }

    fn string_value(&mut self, t: Token) -> Option<Value> {
        let text = self.slice(t.span);
        let res = match t.kind {
            K::Ident => {
                if let Some(v) = self.reserved_word(t, text) {
                    return Some(v);
                }
                Ok(text.to_string())
            }
            K::String => strings::quoted(text, t.span.start),
            K::MultiLineString => strings::multi_line_quoted(text, t.span.start),
            K::RawString => strings::raw(text, t.span.start),
            _ => return None,
        };
        match res {
            Ok(s) => Some(Value::String(s)),
            Err(e) => {
                self.error(e);
                None
            }
        }
    }

    /// `true`, `null`, `inf`… written bare: an error in KDL v2. Returns the
    /// value they would have had, for a useful tree.
    fn reserved_word(&mut self, t: Token, text: &str) -> Option<Value> {
        let (value, fix) = match text {
            "true" => (Value::Bool(true), "#true"),
            "false" => (Value::Bool(false), "#false"),
            "null" => (Value::Null, "#null"),
            "inf" => (Value::Number(Number::Float(f64::INFINITY)), "#inf"),
            "-inf" => (Value::Number(Number::Float(f64::NEG_INFINITY)), "#-inf"),
            "nan" => (Value::Number(Number::Float(f64::NAN)), "#nan"),
            _ => return None,
        };
        self.error(
            SyntaxError::new(
                "mirage::syntax::bare_keyword",
                t.span,
                format!("`{text}` must be written `{fix}` or quoted"),
            )
            .label("reserved word")
            .help(format!(
                "write `{fix}` for the keyword, or `\"{text}\"` for the string"
            )),
        );
        Some(value)
    }

    fn value(&mut self, t: Token) -> Option<Value> {
        let text = self.slice(t.span);
        match t.kind {
            K::Number => match parse_number(text) {
                Ok(n) => Some(Value::Number(n)),
                Err(e) => {
                    self.error(
                        SyntaxError::new("mirage::syntax::invalid_number", t.span, e.message)
                            .label("not a valid number")
                            .help(e.help),
                    );
                    None
                }
            },
            K::Keyword => {
                let v = match text {
                    "#true" => Value::Bool(true),
                    "#false" => Value::Bool(false),
                    "#null" => Value::Null,
                    "#inf" => Value::Number(Number::Float(f64::INFINITY)),
                    "#-inf" => Value::Number(Number::Float(f64::NEG_INFINITY)),
                    "#nan" => Value::Number(Number::Float(f64::NAN)),
                    _ => {
                        self.error(
                            SyntaxError::new(
                                "mirage::syntax::unknown_keyword",
                                t.span,
                                format!("unknown keyword `{text}`"),
                            )
                            .label("not a KDL keyword")
                            .help("keywords are `#true`, `#false`, `#null`, `#inf`, `#-inf` and `#nan`; quote the text if it is a string"),
                        );
                        return None;
                    }
                };
                Some(v)
            }
            _ => self.string_value(t),
        }
    }
}
