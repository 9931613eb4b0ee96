//! JSON with comments (`rush.json`, `tsconfig`-style `project.json`,
//! `turbo.json`): `//` and `/* */` comments and trailing commas are removed,
//! keeping every byte offset, then `serde_json` parses the rest.
//!
//! Kept rather than replaced by a crate (issue #13): the parsing is
//! `serde_json`'s; this only blanks comments and trailing commas byte for
//! byte, so `serde_json`'s errors point at the right line and column and
//! every manifest (JSON or JSONC) yields the one `serde_json::Value` the
//! rest of discovery reads. `jsonc-parser` would bring a second value type
//! and a conversion for the same result.

/// Parse JSON that may hold comments and trailing commas. The error is
/// `(byte offset, message)`.
pub fn parse_jsonc(text: &str) -> Result<serde_json::Value, (usize, String)> {
    let cleaned = strip_comments(text);
    serde_json::from_str(&cleaned).map_err(|e| {
        let offset = offset_of(&cleaned, e.line(), e.column());
        (offset, e.to_string())
    })
}

/// Replace comments and trailing commas by spaces (same length, so offsets
/// and line numbers stay right).
fn strip_comments(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                let end = (i + 2).min(bytes.len());
                for (k, byte) in out.iter_mut().enumerate().take(end).skip(start) {
                    if bytes[k] != b'\n' {
                        *byte = b' ';
                    }
                }
                i = end;
                continue;
            }
            b',' => {
                // A comma followed (after blanks and comments) by `]` or `}`.
                let mut j = i + 1;
                while j < bytes.len() {
                    if bytes[j].is_ascii_whitespace() {
                        j += 1;
                    } else if bytes[j] == b'/' && bytes.get(j + 1) == Some(&b'/') {
                        while j < bytes.len() && bytes[j] != b'\n' {
                            j += 1;
                        }
                    } else if bytes[j] == b'/' && bytes.get(j + 1) == Some(&b'*') {
                        j += 2;
                        while j < bytes.len()
                            && !(bytes[j] == b'*' && bytes.get(j + 1) == Some(&b'/'))
                        {
                            j += 1;
                        }
                        j += 2;
                    } else {
                        break;
                    }
                }
                if matches!(bytes.get(j), Some(b']' | b'}')) {
                    out[i] = b' ';
                }
            }
            _ => {}
        }
        i += 1;
    }
    // Only ASCII bytes outside strings were replaced, so this stays UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas() {
        let v =
            parse_jsonc("{\n // c\n \"a\": \"// not a comment\", /* b */\n \"l\": [1, 2,],\n}\n")
                .unwrap();
        assert_eq!(v["a"], "// not a comment");
        assert_eq!(v["l"].as_array().map(|a| a.len()), Some(2));
        let err = parse_jsonc("{\n  \"a\": ,\n}").unwrap_err();
        // The trailing comma is blanked, so serde stops at the `}`.
        assert_eq!(err.0, 11);
    }
}
