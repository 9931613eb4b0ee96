//! Turning value tokens into values: strings (with escapes and dedent),
//! numbers, keywords, and the bare words KDL v2 reserves.

use super::Parser;
use crate::syntax::ast::{Ident, Number, SmolStr, Value};
use crate::syntax::error::SyntaxError;
use crate::syntax::lexer::{Token, TokenKind as K};
use crate::syntax::number::parse_number;
use crate::syntax::strings;

impl Parser<'_> {
    /// A string token as a name or key.
    pub(super) fn ident(&mut self, t: Token) -> Option<Ident> {
        match self.string_value(t)? {
            Value::String(value) => Some(Ident {
                value,
                span: t.span,
            }),
            _ => None,
        }
    }

    pub(super) fn string_value(&mut self, t: Token) -> Option<Value> {
        let text = self.slice(t.span);
        let res = match t.kind {
            K::Ident => {
                if let Some(v) = self.reserved_word(t, text) {
                    return Some(v);
                }
                Ok(SmolStr::new(text))
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
    pub(super) fn reserved_word(&mut self, t: Token, text: &str) -> Option<Value> {
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

    pub(super) fn value(&mut self, t: Token) -> Option<Value> {
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
