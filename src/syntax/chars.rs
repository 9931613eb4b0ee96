//! Character classes of KDL v2: whitespace, newlines, identifier characters
//! and the code points that may not appear literally anywhere.

/// `unicode-space`: horizontal whitespace (KDL v2 table "Whitespace").
pub fn is_unicode_space(c: char) -> bool {
    matches!(
        c,
        '\u{0009}' | '\u{0020}' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Single-character newlines (CRLF is handled by the lexer as one newline).
pub fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\u{000A}' | '\u{000B}' | '\u{000C}' | '\u{000D}' | '\u{0085}' | '\u{2028}' | '\u{2029}'
    )
}

/// Code points that may not appear literally in a KDL document (they may be
/// written as `\u{…}` escapes inside quoted strings). U+FEFF is allowed only
/// as the very first character; the lexer handles that case itself.
pub fn is_disallowed(c: char) -> bool {
    matches!(
        c,
        '\u{0000}'..='\u{0008}'
            | '\u{000E}'..='\u{001F}'
            | '\u{007F}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// ASCII bytes that may be part of a bare identifier.
const fn ascii_ident_table() -> [bool; 128] {
    let mut t = [false; 128];
    let mut i = 0x21;
    while i < 0x7F {
        t[i] = true;
        i += 1;
    }
    let excluded = b"\\/(){};[]\"#=";
    let mut j = 0;
    while j < excluded.len() {
        t[excluded[j] as usize] = false;
        j += 1;
    }
    t
}

static ASCII_IDENT: [bool; 128] = ascii_ident_table();

/// `identifier-char`: anything but whitespace, newlines, `\/(){};[]"#=` and
/// disallowed code points.
#[inline]
pub fn is_ident_char(c: char) -> bool {
    if c.is_ascii() {
        ASCII_IDENT[c as usize]
    } else {
        !(is_unicode_space(c) || is_newline(c) || is_disallowed(c))
    }
}

/// Whether `s` may be written as a bare identifier (no quotes): the inverse
/// of the printer's need to quote.
pub fn is_bare_identifier(s: &str) -> bool {
    if s.is_empty() || !s.chars().all(is_ident_char) {
        return false;
    }
    if matches!(s, "true" | "false" | "null" | "inf" | "-inf" | "nan") {
        return false;
    }
    !looks_like_number(s)
}

/// Whether a run of identifier characters starts like a number (and so is
/// lexed as one): a digit, a sign and a digit, or a `.` and a digit
/// (optionally after a sign).
pub fn looks_like_number(s: &str) -> bool {
    let b = s.as_bytes();
    let rest = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    match rest.first() {
        Some(d) if d.is_ascii_digit() => true,
        Some(b'.') => rest.get(1).is_some_and(|d| d.is_ascii_digit()),
        _ => false,
    }
}
