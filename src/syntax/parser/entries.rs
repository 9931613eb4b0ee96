//! Arguments, properties and type annotations.
use super::Parser;
use crate::diagnostic::Span;
use crate::syntax::ast::{Entry, Ident, Value};
use crate::syntax::error::SyntaxError;
use crate::syntax::lexer::TokenKind as K;

impl Parser<'_> {
    pub(super) fn entry_after_children(&mut self) {
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

    pub(super) fn missing_space(&mut self, at: Span) {
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
    pub(super) fn entry(&mut self) -> Option<Entry> {
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
    pub(super) fn value_with_type(&mut self) -> Option<(Option<Ident>, Value, Span)> {
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

    pub(super) fn value_required(&mut self, context: &str) -> Option<(Value, Span)> {
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
    pub(super) fn type_annotation(&mut self) -> Option<Ident> {
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
}
