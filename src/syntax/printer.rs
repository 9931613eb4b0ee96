//! The canonical printer of the KDL test suite: comments dropped, strings
//! plain and escaped, numbers in simplest decimal form, arguments then
//! properties (deduplicated, rightmost wins, sorted by key), 4-space indents,
//! empty children blocks dropped.

use super::ast::{Document, Entry, Ident, Node, Number, Value};
use super::chars::{is_bare_identifier, is_disallowed};
use std::fmt::Write;

/// Print a document in the test suite's normalised form (see
/// `tests/kdl-test-suite/README.md`). An empty document prints as `"\n"`.
pub fn print_canonical(doc: &Document) -> String {
    let mut out = String::new();
    for node in &doc.nodes {
        print_node(node, 0, &mut out);
    }
    if out.is_empty() {
        out.push('\n');
    }
    out
}

fn print_node(node: &Node, depth: usize, out: &mut String) {
    for _ in 0..depth {
        out.push_str("    ");
    }
    if let Some(ty) = &node.ty {
        print_type(ty, out);
    }
    write_string(&node.name.value, out);
    for arg in node.args() {
        out.push(' ');
        print_value(arg, out);
    }
    let mut props: Vec<&Entry> = Vec::new();
    for prop in node.props() {
        let key = prop.name.as_ref().map(|n| n.value.as_str());
        props.retain(|p| p.name.as_ref().map(|n| n.value.as_str()) != key);
        props.push(prop);
    }
    props.sort_by(|a, b| {
        let ka = a.name.as_ref().map(|n| n.value.as_str()).unwrap_or("");
        let kb = b.name.as_ref().map(|n| n.value.as_str()).unwrap_or("");
        ka.cmp(kb)
    });
    for prop in props {
        out.push(' ');
        if let Some(name) = &prop.name {
            write_string(&name.value, out);
        }
        out.push('=');
        print_value(prop, out);
    }
    let children = node.child_nodes();
    if children.is_empty() {
        out.push('\n');
    } else {
        out.push_str(" {\n");
        for child in children {
            print_node(child, depth + 1, out);
        }
        for _ in 0..depth {
            out.push_str("    ");
        }
        out.push_str("}\n");
    }
}

fn print_type(ty: &Ident, out: &mut String) {
    out.push('(');
    write_string(&ty.value, out);
    out.push(')');
}

fn print_value(entry: &Entry, out: &mut String) {
    if let Some(ty) = &entry.ty {
        print_type(ty, out);
    }
    write_value(&entry.value, out);
}

/// A value in canonical spelling.
pub fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => write_string(s, out),
        Value::Number(n) => write_number(n, out),
        Value::Bool(true) => out.push_str("#true"),
        Value::Bool(false) => out.push_str("#false"),
        Value::Null => out.push_str("#null"),
    }
}

/// A number in simplest decimal form (`{:?}` for floats, as the suite's
/// expected files use).
pub fn write_number(n: &Number, out: &mut String) {
    match n {
        Number::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Number::BigInteger(s) => out.push_str(s),
        Number::Float(f) if f.is_nan() => out.push_str("#nan"),
        Number::Float(f) if f.is_infinite() => {
            out.push_str(if *f > 0.0 { "#inf" } else { "#-inf" })
        }
        Number::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
    }
}

/// A string bare when it can be, otherwise quoted with escapes.
pub fn write_string(s: &str, out: &mut String) {
    if is_bare_identifier(s) {
        out.push_str(s);
        return;
    }
    write_quoted(s, out);
}

/// A string always quoted, with escapes (values in generated files are
/// quoted even when they could be bare, as people write them).
pub fn write_quoted(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            c if is_disallowed(c) || (c.is_control() && c != ' ') => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
