//! Text from files and from the network, made safe to print on a terminal.
//!
//! A `.mirage` file, a file name or a Railway error message may hold control
//! characters: `ESC ]0;… BEL` retitles the terminal, other sequences move
//! the cursor, clear the screen or hide text, and bidirectional overrides
//! (U+202E) make a line read differently from what it is. Every human
//! output escapes them as `\u{1b}`, the way the syntax's own escapes are
//! written, so the reader sees what is there and the terminal obeys nothing.
//! Machine outputs (JSON) are left exact: JSON escapes what it must.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: C0 controls except tab
/// and line feed (a carriage return is allowed only before a line feed, see
/// [`escape`]), DEL, C1 controls, and the bidirectional formatting
/// characters (marks, embeddings, overrides, isolates).
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{b}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
    )
}

/// `text` with every unsafe character written as `\u{…}` (lowercase hex).
/// A carriage return is kept before a line feed (Windows line endings) and
/// escaped elsewhere, where it would move the cursor back over the line.
/// Borrows when there is nothing to escape.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !needs_escape(text) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(Escaped::new(text).text)
}

/// Whether [`escape`] would change `text`.
pub fn needs_escape(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if must_escape(c, chars.peek().copied()) {
            return true;
        }
    }
    false
}

fn must_escape(c: char, next: Option<char>) -> bool {
    match c {
        '\r' => next != Some('\n'),
        c => is_unsafe(c),
    }
}

/// An escaped text that remembers where each escape is, so that byte
/// offsets into the original (diagnostic spans) can be carried over to the
/// escaped text and back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Escaped {
    /// The escaped text.
    pub text: String,
    /// Each escaped character: its byte range in the original and the byte
    /// range of its escape in `text`, in increasing order.
    marks: Vec<Mark>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    original: (usize, usize),
    escaped: (usize, usize),
}

impl Escaped {
    /// Escape `original` as [`escape`] does.
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut marks = Vec::new();
        let mut chars = original.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if must_escape(c, chars.peek().map(|&(_, n)| n)) {
                let start = text.len();
                text.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
                marks.push(Mark {
                    original: (at, at + c.len_utf8()),
                    escaped: (start, text.len()),
                });
            } else {
                text.push(c);
            }
        }
        Escaped { text, marks }
    }

    /// Whether nothing was escaped.
    pub fn is_identity(&self) -> bool {
        self.marks.is_empty()
    }

    /// The offset in the escaped text of byte `offset` of the original. An
    /// offset inside an escaped character maps to the start of its escape.
    pub fn to_escaped(&self, offset: usize) -> usize {
        let i = self.marks.partition_point(|m| m.original.0 <= offset);
        match i.checked_sub(1).map(|i| self.marks[i]) {
            None => offset,
            Some(m) if offset < m.original.1 => m.escaped.0,
            Some(m) => m.escaped.1 + (offset - m.original.1),
        }
    }

    /// The offset in the original of byte `offset` of the escaped text. An
    /// offset inside an escape maps to the start of the escaped character.
    pub fn to_original(&self, offset: usize) -> usize {
        let i = self.marks.partition_point(|m| m.escaped.0 <= offset);
        match i.checked_sub(1).map(|i| self.marks[i]) {
            None => offset,
            Some(m) if offset < m.escaped.1 => m.original.0,
            Some(m) => m.original.1 + (offset - m.escaped.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_bidi_overrides_are_escaped() {
        assert_eq!(escape("a\u{1b}]0;PWNED\u{7}b"), "a\\u{1b}]0;PWNED\\u{7}b");
        assert_eq!(escape("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
        assert_eq!(escape("del\u{7f} c1\u{9b}"), "del\\u{7f} c1\\u{9b}");
        assert_eq!(escape("nul\0"), "nul\\u{0}");
    }

    #[test]
    fn tabs_newlines_and_crlf_stay_and_plain_text_is_borrowed() {
        assert!(matches!(escape("a\tb\nc\r\nd é 🌍"), Cow::Borrowed(_)));
        assert_eq!(escape("over\rwrite"), "over\\u{d}write");
        assert_eq!(escape("end\r"), "end\\u{d}");
    }

    #[test]
    fn offsets_map_both_ways_around_escapes() {
        // "a" ESC "bc" U+202E "d": bytes 0, 1, 2..4, 4..7, 7.
        let original = "a\u{1b}bc\u{202e}d";
        let e = Escaped::new(original);
        assert_eq!(e.text, "a\\u{1b}bc\\u{202e}d");
        let pairs = [(0, 0), (1, 1), (2, 7), (3, 8), (4, 9), (7, 17), (8, 18)];
        for (o, x) in pairs {
            assert_eq!(e.to_escaped(o), x, "to_escaped({o})");
            assert_eq!(e.to_original(x), o, "to_original({x})");
        }
        // Inside an escape: back to its character's start.
        assert_eq!(e.to_original(3), 1);
        assert_eq!(e.to_original(12), 4);
        assert!(Escaped::new("plain").is_identity());
    }
}
