//! Byte offsets ↔ editor positions (0-based line, UTF-16 column), as the
//! Language Server Protocol counts them.
//!
//! Lines end at `\n`; a `\r` before it belongs to the line break, so a
//! column past the end of a CRLF line clamps before the `\r`. Tabs are one
//! column, characters outside the Basic Multilingual Plane two.

/// A 0-based line and UTF-16 column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    /// 0-based line.
    pub line: u32,
    /// 0-based column in UTF-16 code units.
    pub character: u32,
}

/// Line starts of one text, for converting positions both ways.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Index `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// Number of lines (a text ending in `\n` has an empty last line).
    pub fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The position of byte `offset` of `text`. Offsets past the end clamp
    /// to the end; an offset inside a character counts from its start.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let mut character = 0u32;
        for (i, c) in text[start..].char_indices() {
            if start + i >= offset {
                break;
            }
            character += c.len_utf16() as u32;
        }
        Position {
            line: line as u32,
            character,
        }
    }

    /// The byte offset of `pos` in `text`. A line past the end clamps to
    /// the end of the text, a column past the end of its line to the line's
    /// end (before `\r\n`), a column inside a surrogate pair to the
    /// character's start.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |&next| next - 1);
        let line = &text[start..end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0u32;
        for (i, c) in line.char_indices() {
            let next = units + c.len_utf16() as u32;
            if next > pos.character {
                return start + i;
            }
            units = next;
        }
        start + line.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str) {
        let index = LineIndex::new(text);
        // The `\n` of a CRLF has no column of its own.
        for (offset, _) in text
            .char_indices()
            .filter(|(i, _)| !text[..*i].ends_with('\r'))
        {
            let pos = index.position(text, offset);
            assert_eq!(index.offset(text, pos), offset, "{text:?} at {offset}");
        }
    }

    #[test]
    fn ascii_tabs_crlf_and_astral_characters() {
        let text = "a\tb\r\nservice \"caf\u{e9}\" \u{1F600}x\n\u{1F600}";
        let index = LineIndex::new(text);
        let x = text.find('x').expect("x");
        assert_eq!(
            index.position(text, x),
            Position {
                line: 1,
                character: 17
            }
        );
        assert_eq!(
            index.position(text, 3),
            Position {
                line: 0,
                character: 3
            }
        );
        assert_eq!(
            index.offset(
                text,
                Position {
                    line: 0,
                    character: 99
                }
            ),
            3
        );
        assert_eq!(
            index.offset(
                text,
                Position {
                    line: 9,
                    character: 0
                }
            ),
            text.len()
        );
        // Inside the surrogate pair: the emoji's start.
        let emoji = text.rfind('\u{1F600}').expect("emoji");
        assert_eq!(
            index.offset(
                text,
                Position {
                    line: 2,
                    character: 1
                }
            ),
            emoji
        );
        roundtrip(text);
        roundtrip("");
        roundtrip("\u{FEFF}\u{e9}\u{e9}\n\n\t\u{10348}");
    }
}
