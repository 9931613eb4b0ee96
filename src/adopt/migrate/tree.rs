//! A `railway.json` or `railway.toml` as one tree of values with the byte
//! span of every key and value, so a wrong field is reported at its place.
//!
//! JSON is read strictly (RFC 8259: no comments, no trailing commas):
//! Railway's docs show plain JSON and never say comments are accepted, so a
//! file Mirage converts is one Railway reads too. TOML is read by
//! `toml_edit`, the parser Cargo uses, which keeps spans.

use crate::diagnostic::Span;

/// How deep a JSON file may nest (a config file nests four levels; this
/// only stops a hostile file from exhausting the stack).
const MAX_DEPTH: usize = 64;

/// One value and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned {
    /// The value's bytes in the file.
    pub span: Span,
    /// The value.
    pub value: Tree,
}

/// A value of the file.
#[derive(Clone, Debug, PartialEq)]
pub enum Tree {
    /// `null` (JSON only).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number with a fraction or exponent.
    Float(f64),
    /// A string.
    Str(String),
    /// A TOML date or time (never valid in a config file).
    Date(String),
    /// An array.
    Array(Vec<Spanned>),
    /// An object or table: (key, key span, value), in file order.
    Object(Vec<(String, Span, Spanned)>),
}

impl Tree {
    /// What it is, for messages (`a string`, `an integer`).
    pub fn kind(&self) -> &'static str {
        match self {
            Tree::Null => "null",
            Tree::Bool(_) => "a boolean",
            Tree::Int(_) => "an integer",
            Tree::Float(_) => "a number",
            Tree::Str(_) => "a string",
            Tree::Date(_) => "a date",
            Tree::Array(_) => "an array",
            Tree::Object(_) => "an object",
        }
    }

    /// As plain JSON (for `nixpacksPlan`, kept as JSON text).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Tree::Null => Value::Null,
            Tree::Bool(b) => Value::Bool(*b),
            Tree::Int(i) => Value::from(*i),
            Tree::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Tree::Str(s) | Tree::Date(s) => Value::String(s.clone()),
            Tree::Array(items) => Value::Array(items.iter().map(|i| i.value.to_json()).collect()),
            Tree::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, _, v)| (k.clone(), v.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// A syntax error: byte offset and message.
pub type SyntaxError = (usize, String);

/// Parse strict JSON.
pub fn json(text: &str) -> Result<Spanned, SyntaxError> {
    let mut parser = Json {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    parser.ws();
    let value = parser.value(0)?;
    parser.ws();
    if parser.at < parser.bytes.len() {
        return Err((parser.at, parser.unexpected("the end of the file")));
    }
    Ok(value)
}

struct Json<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl Json<'_> {
    fn ws(&mut self) {
        while let Some(b) = self.bytes.get(self.at) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.at += 1;
            } else {
                break;
            }
        }
    }

    fn unexpected(&self, wanted: &str) -> String {
        match self.text[self.at..].chars().next() {
            None => format!("expected {wanted}, found the end of the file"),
            Some('/') => format!(
                "expected {wanted}, found `/`: comments are not JSON (Railway's docs show plain JSON)"
            ),
            Some(c) => format!("expected {wanted}, found `{}`", c.escape_debug()),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Spanned, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err((self.at, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        let start = self.at;
        let value = match self.bytes.get(self.at) {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Tree::Str(self.string()?),
            Some(b't') => self.word("true", Tree::Bool(true))?,
            Some(b'f') => self.word("false", Tree::Bool(false))?,
            Some(b'n') => self.word("null", Tree::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err((self.at, self.unexpected("a value"))),
        };
        Ok(Spanned {
            span: Span::new(start, self.at),
            value,
        })
    }

    fn word(&mut self, word: &str, value: Tree) -> Result<Tree, SyntaxError> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err((self.at, self.unexpected("a value")))
        }
    }

    fn number(&mut self) -> Result<Tree, SyntaxError> {
        let start = self.at;
        while let Some(b) = self.bytes.get(self.at) {
            if matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                self.at += 1;
            } else {
                break;
            }
        }
        let text = &self.text[start..self.at];
        match serde_json::from_str::<serde_json::Number>(text) {
            Ok(n) => Ok(match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Tree::Int(i),
                (None, Some(_)) if !text.contains(['.', 'e', 'E']) => {
                    return Err((start, format!("the integer `{text}` is too large")));
                }
                (None, Some(f)) => Tree::Float(f),
                (None, None) => return Err((start, format!("`{text}` is not a number"))),
            }),
            Err(_) => Err((start, format!("`{text}` is not a number"))),
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let start = self.at;
        self.at += 1;
        loop {
            match self.bytes.get(self.at) {
                None => return Err((start, "this string is never closed".to_owned())),
                Some(b'\\') => self.at += 2,
                Some(b'"') => {
                    self.at += 1;
                    break;
                }
                Some(_) => self.at += 1,
            }
        }
        let end = self.at.min(self.bytes.len());
        serde_json::from_str::<String>(&self.text[start..end])
            .map_err(|e| (start, format!("invalid string: {e}")))
    }

    fn array(&mut self, depth: usize) -> Result<Tree, SyntaxError> {
        self.at += 1;
        let mut items = Vec::new();
        self.ws();
        if self.bytes.get(self.at) == Some(&b']') {
            self.at += 1;
            return Ok(Tree::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Tree::Array(items));
                }
                _ => return Err((self.at, self.unexpected("`,` or `]`"))),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Tree, SyntaxError> {
        self.at += 1;
        let mut entries = Vec::new();
        self.ws();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Ok(Tree::Object(entries));
        }
        loop {
            self.ws();
            if self.bytes.get(self.at) != Some(&b'"') {
                return Err((self.at, self.unexpected("a key in double quotes")));
            }
            let key_start = self.at;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.at);
            self.ws();
            if self.bytes.get(self.at) != Some(&b':') {
                return Err((self.at, self.unexpected("`:`")));
            }
            self.at += 1;
            self.ws();
            let value = self.value(depth + 1)?;
            entries.push((key, key_span, value));
            self.ws();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Tree::Object(entries));
                }
                _ => return Err((self.at, self.unexpected("`,` or `}`"))),
            }
        }
    }
}

/// Parse TOML.
pub fn toml(text: &str) -> Result<Spanned, SyntaxError> {
    let doc = toml_edit::Document::parse(text.to_owned()).map_err(|e| {
        (
            e.span().map_or(0, |s| s.start),
            e.message().trim().to_owned(),
        )
    })?;
    Ok(Spanned {
        span: Span::new(0, text.len()),
        value: table(doc.as_table(), 0),
    })
}

fn span_of(range: Option<std::ops::Range<usize>>, fallback: Span) -> Span {
    range.map_or(fallback, |r| Span::new(r.start, r.end))
}

fn table(table: &toml_edit::Table, fallback: usize) -> Tree {
    let mut entries = Vec::new();
    for (key, item) in table.iter() {
        let key_span = span_of(
            table.key(key).and_then(toml_edit::Key::span),
            Span::at(fallback),
        );
        entries.push((key.to_owned(), key_span, item_tree(item, key_span)));
    }
    Tree::Object(entries)
}

fn item_tree(item: &toml_edit::Item, key_span: Span) -> Spanned {
    use toml_edit::Item;
    let span = span_of(item.span(), key_span);
    let value = match item {
        Item::None => Tree::Null,
        Item::Value(v) => return value_tree(v, key_span),
        Item::Table(t) => table(t, key_span.start),
        Item::ArrayOfTables(a) => Tree::Array(
            a.iter()
                .map(|t| Spanned {
                    span: span_of(t.span(), key_span),
                    value: table(t, key_span.start),
                })
                .collect(),
        ),
    };
    Spanned { span, value }
}

fn value_tree(value: &toml_edit::Value, key_span: Span) -> Spanned {
    use toml_edit::Value;
    let span = span_of(value.span(), key_span);
    let tree = match value {
        Value::String(s) => Tree::Str(s.value().clone()),
        Value::Integer(i) => Tree::Int(*i.value()),
        Value::Float(f) => Tree::Float(*f.value()),
        Value::Boolean(b) => Tree::Bool(*b.value()),
        Value::Datetime(d) => Tree::Date(d.value().to_string()),
        Value::Array(a) => Tree::Array(a.iter().map(|v| value_tree(v, span)).collect()),
        Value::InlineTable(t) => {
            let mut entries = Vec::new();
            for (key, v) in t.iter() {
                let key_span = span_of(t.key(key).and_then(toml_edit::Key::span), span);
                entries.push((key.to_owned(), key_span, value_tree(v, key_span)));
            }
            Tree::Object(entries)
        }
    };
    Spanned { span, value: tree }
}
