//! Arbitrary bytes → lossy UTF-8 → `format`: never panics; when it formats,
//! formatting again changes nothing and the document means the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mirage_syntax_fuzz::diagnostic::FileId;
use mirage_syntax_fuzz::syntax::{format, parse, print_canonical};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(once) = format(&text) {
        let twice = format(&once).expect("formatted text must parse");
        assert_eq!(once, twice, "format must be idempotent");
        let before = print_canonical(&parse(FileId(0), &text).document);
        let after = print_canonical(&parse(FileId(0), &once).document);
        assert_eq!(before, after, "format must keep the meaning");
    }
});
