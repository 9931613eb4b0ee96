//! Arbitrary bytes → lossy UTF-8 → `parse`: never panics, the tokens rebuild
//! the input exactly, every diagnostic span lies inside the text on
//! character boundaries, and the canonical print of an accepted document
//! parses back to the same print.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mirage_syntax_fuzz::diagnostic::FileId;
use mirage_syntax_fuzz::syntax::{parse, print_canonical, tokenize};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lexed = tokenize(&text);
    let mut at = 0;
    for t in &lexed.tokens {
        assert_eq!(t.span.start, at, "tokens must be contiguous");
        assert!(t.span.end > t.span.start, "tokens must not be empty");
        at = t.span.end;
    }
    assert_eq!(at, text.len(), "tokens must cover the text");
    let parsed = parse(FileId(0), &text);
    for d in &parsed.diagnostics {
        let s = d.primary.span;
        assert!(
            s.start < s.end && s.end <= text.len(),
            "span {s:?} out of bounds"
        );
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
    }
    if parsed.diagnostics.is_empty() {
        let printed = print_canonical(&parsed.document);
        let again = parse(FileId(0), &printed);
        assert!(
            again.diagnostics.is_empty(),
            "canonical print must parse: {printed:?}"
        );
        assert_eq!(print_canonical(&again.document), printed);
    }
});
