//! Differential test against the `kdl` crate (v2 parser): generated valid
//! documents and byte-level mutations of the suite inputs must be accepted
//! or rejected alike, and accepted ones must mean the same document (same
//! canonical print).
//!
//! Disagreements where the `kdl` crate (6.7.1) departs from the KDL 2.0
//! spec are recognised by [`known_disagreement`] and counted, never hidden.
//! Found so far (the spec and the suite decide, and both side with us):
//!
//! * the crate rejects a slashdashed node ended by `;` (`/-a; b`), which the
//!   grammar allows (`node := base-node node-terminator`);
//! * the crate accepts disallowed code points inside comments and U+007F
//!   anywhere; KDL 2.0 §3.19 forbids them "anywhere in the document" and the
//!   suite's `unicode_delete_fail.kdl` must fail;
//! * the crate accepts `#"""one line"""#`; the suite's
//!   `multiline_raw_string_single_line_err_fail.kdl` must fail;
//! * integers beyond `i128` (none generated; the spec has no bound, we keep
//!   them as `Number::BigInteger`).

use kdl::{KdlDocument, KdlEntry, KdlIdentifier, KdlNode, KdlValue};
use mirage::diagnostic::{FileId, Span};
use mirage::syntax::{
    Children, Document, Entry, Ident, Node, Number, TokenKind, Value, parse, print_canonical,
    tokenize,
};
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

// ---- conversion of the kdl crate's tree into ours, to print it the same way

fn ident(i: &KdlIdentifier) -> Ident {
    Ident {
        value: i.value().into(),
        span: Span::default(),
    }
}

fn value(v: &KdlValue) -> Value {
    match v {
        KdlValue::String(s) => Value::String(s.as_str().into()),
        KdlValue::Integer(i) => Value::Number(Number::Integer(*i)),
        KdlValue::Float(f) => Value::Number(Number::Float(*f)),
        KdlValue::Bool(b) => Value::Bool(*b),
        KdlValue::Null => Value::Null,
    }
}

fn entry(e: &KdlEntry) -> Entry {
    Entry {
        name: e.name().map(ident),
        ty: e.ty().map(ident),
        value: value(e.value()),
        value_span: Span::default(),
        span: Span::default(),
    }
}

fn node(n: &KdlNode) -> Node {
    Node {
        ty: n.ty().map(ident),
        name: ident(n.name()),
        entries: n.entries().iter().map(entry).collect(),
        children: n.children().map(|c| Children {
            nodes: c.nodes().iter().map(node).collect(),
            span: Span::default(),
        }),
        span: Span::default(),
    }
}

fn kdl_canonical(doc: &KdlDocument) -> String {
    print_canonical(&Document {
        nodes: doc.nodes().iter().map(node).collect(),
        span: Span::default(),
    })
}

// ---- the generator of valid documents

const IDENTS: &[&str] = &[
    "node",
    "service",
    "a",
    "-",
    "--flag",
    "+x",
    ".dot",
    "-.x5",
    "foo_bar",
    "with-dash",
    "é",
    "日本",
    "😀",
    "a,b",
    "x<y>",
    "_1",
    "?q",
    "~",
    "falsey",
    "nullish",
    "infinite",
    "a.b.c",
    "r",
];
const QUOTED: &[&str] = &[
    "\"\"",
    "\"plain\"",
    "\"two words\"",
    "\"esc \\\" \\\\ \\n \\t \\s \\b \\f \\r\"",
    "\"\\u{1F600}\\u{41}\"",
    "\"ws \\   escape\"",
    "\"line\\\n   cont\"",
    "\"true\"",
    "\"0x10\"",
    "#\"raw \\n \"quoted\"\"#",
    "##\"a\"#b\"##",
    "#\"\"#",
    "\"\"\"\n  multi\n    line\n  \"\"\"",
    "#\"\"\"\n raw\n  multi\n \"\"\"#",
    "\"\"\"\n\"\"\"",
    "\"\"\"\n  a\n\n  b\n  \"\"\"",
];
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "+7",
    "12",
    "1_000",
    "-42",
    "3.25",
    "-0.5",
    "1e3",
    "1E-3",
    "2.5e+10",
    "6.02e23",
    "0x1f",
    "0xFF_FF",
    "-0x10",
    "0o755",
    "0b1010",
    "+0b1_1",
    "1_2.3_4",
    "9223372036854775807",
    "-9223372036854775808",
    "1e400",
    "1e-400",
    "0.1",
    "100.000",
];
const KEYWORDS: &[&str] = &["#true", "#false", "#null", "#inf", "#-inf", "#nan"];
const SPACE: &[&str] = &[
    " ",
    "  ",
    "\t",
    " /* c */ ",
    "/* c */ ",
    " \\\n  ",
    " \\ // c\n ",
    "\u{a0}",
    "\u{3000}",
];
const LINE_END: &[&str] = &[
    "\n",
    "\r\n",
    ";",
    "; ",
    " // comment\n",
    "\n\n",
    "\u{2028}",
    "\u{85}",
    "\x0c",
];

fn string(rng: &mut Rng) -> String {
    if rng.chance(60) {
        rng.pick(IDENTS).to_string()
    } else {
        rng.pick(QUOTED).to_string()
    }
}

fn val(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(15) {
        s.push('(');
        s.push_str(&string(rng));
        s.push(')');
    }
    match rng.below(3) {
        0 => s.push_str(&string(rng)),
        1 => s.push_str(rng.pick(NUMBERS)),
        _ => s.push_str(rng.pick(KEYWORDS)),
    }
    s
}

fn gen_node(rng: &mut Rng, depth: usize, out: &mut String) {
    if rng.chance(10) {
        out.push_str("/-");
        if rng.chance(30) {
            out.push_str(" \n");
        }
    }
    if rng.chance(10) {
        out.push('(');
        out.push_str(&string(rng));
        out.push(')');
    }
    out.push_str(&string(rng));
    for _ in 0..rng.below(5) {
        out.push_str(rng.pick(SPACE));
        if rng.chance(10) {
            out.push_str("/-");
        }
        if rng.chance(35) {
            out.push_str(&string(rng));
            out.push_str(if rng.chance(20) { " = " } else { "=" });
        }
        out.push_str(&val(rng));
    }
    if depth < 4 && rng.chance(30) {
        if rng.chance(15) {
            out.push_str(" /-{ gone }");
        }
        out.push_str(" {");
        out.push_str(rng.pick(&LINE_END[..2]));
        for _ in 0..rng.below(4) {
            gen_node(rng, depth + 1, out);
        }
        out.push('}');
    }
    out.push_str(rng.pick(LINE_END));
}

fn gen_document(rng: &mut Rng) -> String {
    let mut out = String::new();
    if rng.chance(5) {
        out.push('\u{feff}');
    }
    for _ in 0..rng.below(6) {
        if rng.chance(10) {
            out.push_str("// top comment\n");
        }
        if rng.chance(5) {
            out.push_str("/* block /* nested */ */\n");
        }
        gen_node(rng, 0, &mut out);
    }
    out
}

// ---- mutations of the suite inputs

fn mutate(rng: &mut Rng, text: &str) -> String {
    const BYTES: &[u8] = b" \n\t\\/\"#(){};=-+._0123456789xeEabr*";
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(3) {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 if at < bytes.len() => bytes[at] = BYTES[rng.below(BYTES.len())],
            _ => bytes.insert(at, BYTES[rng.below(BYTES.len())]),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

// ---- known, documented disagreements (the spec and the suite decide)

/// Why the `kdl` crate and we may legitimately differ on `text`, if we know.
fn known_disagreement(text: &str, ours_ok: bool, theirs_ok: bool) -> Option<&'static str> {
    if ours_ok && !theirs_ok {
        if has_integer_beyond_i128(text) {
            // KDL puts no bound on integers; the crate stores i128 only.
            return Some("integer beyond i128");
        }
        // The crate rejects `/-node;` (a slashdashed node ended by `;`),
        // which the grammar allows (`node := base-node node-terminator`,
        // `base-node := slashdash? …`). Ending those nodes with a newline
        // instead makes the crate agree with us.
        let lexed = tokenize(text);
        let has_slashdash = lexed.tokens.iter().any(|t| t.kind == TokenKind::Slashdash);
        if has_slashdash {
            let mut changed = String::with_capacity(text.len());
            for t in &lexed.tokens {
                if t.kind == TokenKind::Semicolon {
                    changed.push('\n');
                } else {
                    changed.push_str(&text[t.span.start..t.span.end]);
                }
            }
            let ours = print_canonical(&parse(FileId(0), text).document);
            if KdlDocument::parse_v2(&changed).is_ok_and(|d| kdl_canonical(&d) == ours) {
                return Some("kdl crate rejects `;` after a slashdashed node");
            }
        }
    }
    if !ours_ok && theirs_ok {
        let ours = parse(FileId(0), text);
        let all = |pred: &dyn Fn(&mirage::diagnostic::Diagnostic) -> bool| {
            ours.diagnostics.iter().all(pred)
        };
        // KDL 2.0 §3.19: disallowed code points "may not appear literally
        // anywhere in the document"; the crate allows them in comments and
        // does not know U+007F at all (suite: unicode_delete_fail.kdl).
        if all(&|d| d.code == "mirage::syntax::disallowed_character") {
            return Some("kdl crate allows a disallowed code point (in a comment, or U+007F)");
        }
        // `#"""text"""#` on one line: the suite says reject
        // (multiline_raw_string_single_line_err_fail.kdl); the crate reads it
        // as a single-line raw string.
        if all(&|d| {
            d.message
                .starts_with("a multi-line string must start with a newline")
        }) {
            return Some("kdl crate accepts a one-line `#\"\"\"…\"\"\"#`");
        }
    }
    None
}

fn has_integer_beyond_i128(text: &str) -> bool {
    parse(FileId(0), text)
        .document
        .nodes
        .iter()
        .any(node_has_big)
}

fn node_has_big(n: &Node) -> bool {
    n.entries
        .iter()
        .any(|e| matches!(e.value, Value::Number(Number::BigInteger(_))))
        || n.child_nodes().iter().any(node_has_big)
}

struct Outcome {
    cases: usize,
    agreed: usize,
    known: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
}

fn compare(text: &str, outcome: &mut Outcome) {
    outcome.cases += 1;
    let ours = parse(FileId(0), text);
    let ours_ok = ours.diagnostics.is_empty();
    let theirs = KdlDocument::parse_v2(text);
    let theirs_ok = theirs.is_ok();
    let same = match (&theirs, ours_ok) {
        (Ok(doc), true) => {
            let a = print_canonical(&ours.document);
            let b = kdl_canonical(doc);
            if a == b {
                true
            } else {
                if outcome.failures.len() < 20 {
                    outcome.failures.push(format!(
                        "{text:?}: different documents\n  ours:   {a:?}\n  theirs: {b:?}"
                    ));
                }
                return;
            }
        }
        (Err(_), false) => true,
        _ => false,
    };
    if same {
        outcome.agreed += 1;
    } else if let Some(why) = known_disagreement(text, ours_ok, theirs_ok) {
        *outcome.known.entry(why).or_default() += 1;
    } else if outcome.failures.len() < 20 {
        let detail = if ours_ok {
            format!(
                "kdl crate rejects: {:?}",
                theirs.err().map(|e| e.to_string())
            )
        } else {
            let d = &ours.diagnostics[0];
            format!("we reject: {} {}", d.code, d.message)
        };
        outcome.failures.push(format!("{text:?}: {detail}"));
    }
}

fn report(name: &str, o: &Outcome) {
    eprintln!(
        "{name}: {} cases, {} agree, known disagreements {:?}",
        o.cases, o.agreed, o.known
    );
    assert!(
        o.failures.is_empty(),
        "{name}: unexplained disagreements with the kdl crate:\n{}",
        o.failures.join("\n")
    );
}

fn new_outcome() -> Outcome {
    Outcome {
        cases: 0,
        agreed: 0,
        known: BTreeMap::new(),
        failures: Vec::new(),
    }
}

#[test]
fn generated_documents_agree_with_the_kdl_crate() {
    let mut rng = Rng(0x5EED_0FC0_FFEE);
    let mut o = new_outcome();
    for _ in 0..2000 {
        let text = gen_document(&mut rng);
        compare(&text, &mut o);
    }
    report("generated", &o);
    // The generator makes valid KDL: we must accept all of it.
    let mut rng = Rng(0x5EED_0FC0_FFEE);
    for _ in 0..2000 {
        let text = gen_document(&mut rng);
        let parsed = parse(FileId(0), &text);
        assert!(
            parsed.diagnostics.is_empty(),
            "{text:?}: {:?}",
            parsed.diagnostics
        );
    }
}

#[test]
fn mutated_suite_inputs_agree_with_the_kdl_crate() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/kdl-test-suite/test_cases/input");
    let mut inputs: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    inputs.sort();
    let mut rng = Rng(0x0D1F_FE4E_71A1);
    let mut o = new_outcome();
    for input in &inputs {
        compare(input, &mut o);
        for _ in 0..10 {
            let text = mutate(&mut rng, input);
            compare(&text, &mut o);
        }
    }
    report("mutated suite", &o);
}
