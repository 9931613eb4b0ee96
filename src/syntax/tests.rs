//! Parser behaviour beyond the conformance suite: recovery, the depth
//! limit, spans, diagnostics and robustness on arbitrary text.

use super::*;
use crate::diagnostic::{FileId, Span};

fn codes(text: &str) -> Vec<&'static str> {
    parse(FileId(0), text)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

fn names(nodes: &[Node]) -> Vec<&str> {
    nodes.iter().map(|n| n.name.value.as_str()).collect()
}

#[test]
fn recovers_after_bad_entries_and_reports_every_error() {
    let text = "a 1.0.0 ok\nb \"unclosed\nc key=(t)0x_1 good=1\nd\n";
    let parsed = parse(FileId(3), text);
    assert_eq!(names(&parsed.document.nodes), ["a", "b", "c", "d"]);
    let c: Vec<_> = parsed.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        c,
        [
            "mirage::syntax::invalid_number",
            "mirage::syntax::unclosed_string",
            "mirage::syntax::invalid_number"
        ]
    );
    assert!(
        parsed
            .diagnostics
            .iter()
            .all(|d| d.file() == Some(FileId(3)))
    );
    // The good entries around the bad ones survive.
    let a = &parsed.document.nodes[0];
    assert_eq!(a.first_arg().and_then(|e| e.value.as_str()), Some("ok"));
    let c = &parsed.document.nodes[2];
    assert_eq!(c.prop("good").and_then(|e| e.value.as_i64()), Some(1));
}

#[test]
fn recovers_inside_blocks_at_the_right_depth() {
    let text = "outer {\n    inner ] x\n    second { deep }\n}\nafter\n";
    let parsed = parse(FileId(0), text);
    assert_eq!(names(&parsed.document.nodes), ["outer", "after"]);
    let outer = &parsed.document.nodes[0];
    assert_eq!(names(outer.child_nodes()), ["inner", "second"]);
    assert_eq!(names(outer.child_nodes()[1].child_nodes()), ["deep"]);
    assert_eq!(codes(text), ["mirage::syntax::unexpected_token"]);
}

#[test]
fn unclosed_block_points_at_its_brace_and_keeps_children() {
    let text = "a {\n  b 1\n  c {\n    d\n  }\n";
    let parsed = parse(FileId(0), text);
    assert_eq!(parsed.diagnostics.len(), 1);
    let d = &parsed.diagnostics[0];
    assert_eq!(d.code, "mirage::syntax::unclosed_block");
    assert_eq!(d.span(), Span::new(2, 3));
    assert!(d.help.as_deref().is_some_and(|h| h.contains('}')));
    assert_eq!(names(parsed.document.nodes[0].child_nodes()), ["b", "c"]);
}

#[test]
fn nesting_deeper_than_the_limit_is_a_diagnostic_not_a_crash() {
    let depth = 100_000;
    let mut text = "n {".repeat(depth);
    text.push_str(&"}".repeat(depth));
    let parsed = parse(FileId(0), &text);
    assert_eq!(codes(&text), ["mirage::syntax::too_deep"]);
    let d = &parsed.diagnostics[0];
    // The opening brace of block number MAX_DEPTH + 1.
    let brace = MAX_DEPTH * 3 + 2;
    assert_eq!(d.span(), Span::new(brace, brace + 1));
    assert_eq!(&text[brace..brace + 1], "{");
    // The tree keeps the first MAX_DEPTH levels.
    let mut levels = 0;
    let mut nodes = parsed.document.nodes.as_slice();
    while let Some(n) = nodes.first() {
        levels += 1;
        nodes = n.child_nodes();
    }
    assert_eq!(levels, MAX_DEPTH + 1);

    // Exactly at the limit is fine.
    let mut ok = "n {".repeat(MAX_DEPTH);
    ok.push_str(&"}".repeat(MAX_DEPTH));
    assert!(codes(&ok).is_empty());

    // Unbalanced and brace-only input.
    assert!(!codes(&"{".repeat(depth)).is_empty());
    assert!(!codes(&"n {".repeat(depth)).is_empty());
}

#[test]
fn spans_cover_names_entries_and_blocks() {
    let text = "(t)node key = (u)\"v\" 12 {\n    child\n}\n";
    let parsed = parse(FileId(0), text);
    assert!(parsed.diagnostics.is_empty());
    let n = &parsed.document.nodes[0];
    let at = |s: Span| &text[s.start..s.end];
    assert_eq!(at(n.span), &text[..text.len() - 1]);
    assert_eq!(at(n.name.span), "node");
    assert_eq!(n.ty.as_ref().map(|t| at(t.span)), Some("t"));
    let key = &n.entries[0];
    assert_eq!(at(key.span), "key = (u)\"v\"");
    assert_eq!(at(key.value_span), "\"v\"");
    assert_eq!(key.ty.as_ref().map(|t| t.value.as_str()), Some("u"));
    assert_eq!(at(n.entries[1].span), "12");
    let children = n.children.as_ref().map(|c| at(c.span));
    assert_eq!(children, Some("{\n    child\n}"));
    assert_eq!(parsed.document.span, Span::new(0, text.len()));
}

#[test]
fn slashdashed_items_are_not_in_the_tree() {
    let text = "/-gone\nkept /-1 2 /-k=v /-{ x }\n";
    let parsed = parse(FileId(0), text);
    assert!(parsed.diagnostics.is_empty());
    assert_eq!(names(&parsed.document.nodes), ["kept"]);
    let kept = &parsed.document.nodes[0];
    assert_eq!(kept.entries.len(), 1);
    assert!(kept.children.is_none());
}

#[test]
fn every_diagnostic_has_a_label_and_help() {
    let bad = [
        "a \"\\q\"",
        "a \"\\u{110000}\"",
        "a #maybe",
        "a true",
        "a [",
        "a /",
        "a ##",
        "a #\"x\"##",
        "/* open",
        "a \u{202e}",
        "a\\ b",
        "}",
        ";",
        "a (t",
        "a ()1",
        "{ x }",
        "a {} {}",
        "a {} b",
        "a key=",
        "a \"\"\"x\"\"\"",
        "a \"\"\"\n  x\n y\n  \"\"\"",
        "0x",
        "a =",
    ];
    for text in bad {
        let parsed = parse(FileId(0), text);
        assert!(!parsed.diagnostics.is_empty(), "{text:?} should fail");
        for d in &parsed.diagnostics {
            assert!(
                d.code.starts_with("mirage::syntax::"),
                "{text:?}: {}",
                d.code
            );
            assert!(
                d.primary.as_ref().is_some_and(|p| !p.message.is_empty()),
                "{text:?}: {} has no label",
                d.code
            );
            assert!(d.help.is_some(), "{text:?}: {} has no help", d.code);
            let s = d.span();
            assert!(!s.is_empty() && s.end <= text.len(), "{text:?}: span {s:?}");
        }
    }
}

/// Tiny deterministic generator for the robustness test.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn arbitrary_text_never_panics_and_tokens_are_lossless() {
    let pieces = [
        "a", "0", "1.5", "-", "+", ".", "_", "e", "x", "#", "\"", "\"\"\"", "\\", "/", "*", "-",
        "{", "}", "(", ")", "=", ";", " ", "\t", "\n", "\r\n", "\u{85}", "\u{2028}", "\u{a0}",
        "\u{feff}", "\u{7f}", "\u{0}", "\u{202e}", "é", "😀", "true", "#true", "#nan", "u{", "s",
        "//", "/*", "*/", "/-", "r#\"", "\"#", "0x", "0b", "0o",
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let len = (rng.next() % 24) as usize;
        let mut text = String::new();
        for _ in 0..len {
            text.push_str(pieces[(rng.next() % pieces.len() as u64) as usize]);
        }
        let lexed = tokenize(&text);
        let rebuilt: String = lexed
            .tokens
            .iter()
            .map(|t| &text[t.span.start..t.span.end])
            .collect();
        assert_eq!(rebuilt, text);
        let parsed = parse(FileId(0), &text);
        for d in &parsed.diagnostics {
            let s = d.span();
            assert!(s.end <= text.len() && s.start < s.end, "{text:?}: {s:?}");
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        }
    }
}

/// Inputs the fuzzer found (`fuzz/`, target `parse`), kept as regressions:
/// each must parse without panicking, with spans on character boundaries.
#[test]
fn fuzz_regressions() {
    let cases: &[&[u8]] = &[
        // A multi-line string line indented with a multi-byte character:
        // the error span cut the character in half.
        b"node \"\"\"\n  \xff\xff\xff\xff  a\n   \\\n\"\"\"\n",
    ];
    for bytes in cases {
        let text = String::from_utf8_lossy(bytes);
        let parsed = parse(FileId(0), &text);
        assert!(!parsed.diagnostics.is_empty());
        for d in &parsed.diagnostics {
            let s = d.span();
            assert!(s.start < s.end && s.end <= text.len(), "{text:?}: {s:?}");
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        }
    }
}
