//! The subset of TOML that `Cargo.toml` discovery needs: tables
//! (`[workspace]`, `[package]`, `[dependencies]`, `[dependencies.x]`),
//! `key = value` with strings, booleans, arrays (over several lines) and
//! inline tables. Anything else is kept as raw text and ignored.

use std::collections::BTreeMap;

/// A value: only the shapes Cargo manifests use for discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string.
    Str(String),
    /// An array of values.
    Array(Vec<Value>),
    /// An inline table.
    Table(BTreeMap<String, Value>),
    /// Anything else, as written.
    Other(String),
}

impl Value {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Table name (dotted, `""` for the top) → its keys.
pub type Document = BTreeMap<String, BTreeMap<String, Value>>;

/// Parse the subset; malformed lines are skipped.
pub fn parse_toml(text: &str) -> Document {
    let mut doc = Document::new();
    let mut table = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = strip_comment(line).trim().to_string();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            let name = line.trim_start_matches('[').trim_end_matches(']').trim();
            table = name
                .split('.')
                .map(|p| unquote(p.trim()))
                .collect::<Vec<_>>()
                .join(".");
            doc.entry(table.clone()).or_default();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let mut value = value.trim().to_string();
        // Multi-line arrays and inline tables: read until brackets balance.
        while !balanced(&value) {
            match lines.next() {
                Some(next) => {
                    value.push(' ');
                    value.push_str(strip_comment(next).trim());
                }
                None => break,
            }
        }
        let key = key.trim();
        // `a.b = 1` inside a table writes into the sub-table `table.a`.
        let (table_name, key) = match key.rsplit_once('.') {
            Some((prefix, last)) if !key.starts_with('"') => {
                let prefix = prefix
                    .split('.')
                    .map(|p| unquote(p.trim()))
                    .collect::<Vec<_>>()
                    .join(".");
                (
                    if table.is_empty() {
                        prefix
                    } else {
                        format!("{table}.{prefix}")
                    },
                    unquote(last.trim()),
                )
            }
            _ => (table.clone(), unquote(key)),
        };
        doc.entry(table_name)
            .or_default()
            .insert(key, parse_value(&value));
    }
    doc
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            _ => {}
        }
    }
    depth <= 0
}

fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => return &line[..i],
            _ => {}
        }
    }
    line
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    s.to_string()
}

fn parse_value(text: &str) -> Value {
    let text = text.trim();
    if text.starts_with('"') || text.starts_with('\'') {
        return Value::Str(unquote(text));
    }
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return Value::Array(
            split_top(inner)
                .iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse_value(s))
                .collect(),
        );
    }
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let mut map = BTreeMap::new();
        for part in split_top(inner) {
            if let Some((k, v)) = part.split_once('=') {
                map.insert(unquote(k), parse_value(v));
            }
        }
        return Value::Table(map);
    }
    Value::Other(text.to_string())
}

/// Split on commas outside quotes and brackets.
fn split_top(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_manifest_subset() {
        let doc = parse_toml(
            "[workspace]\nmembers = [\n  \"crates/*\", # c\n  'bins/cli',\n]\nexclude = [\"crates/old\"]\n[workspace.dependencies]\ncore = { path = \"crates/core\", version = \"0.1\" }\n[package]\nname = \"app\"\n[dependencies]\ncore.workspace = true\n[dependencies.util]\npath = \"../util\"\n",
        );
        let members = &doc["workspace"]["members"];
        assert_eq!(
            members,
            &Value::Array(vec![
                Value::Str("crates/*".into()),
                Value::Str("bins/cli".into())
            ])
        );
        assert_eq!(doc["package"]["name"].as_str(), Some("app"));
        match &doc["workspace.dependencies"]["core"] {
            Value::Table(t) => assert_eq!(t["path"].as_str(), Some("crates/core")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            doc["dependencies.core"]["workspace"],
            Value::Other("true".into())
        );
        assert_eq!(doc["dependencies.util"]["path"].as_str(), Some("../util"));
    }
}
