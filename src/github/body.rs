//! A comment body within GitHub's limit: a text longer than a comment can
//! hold is cut at a line, its open code fence and `<details>` blocks
//! closed, and a note says so — rather than GitHub refusing the whole
//! comment with `422`.

/// The most characters GitHub keeps in one comment body (a longer one is
/// refused with `422 body is too long (maximum is 65536 characters)`;
/// unconfirmed in GitHub's reference, see `docs/github.md`).
pub const MAX_COMMENT_CHARS: usize = 65_536;

/// A body made to fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bounded {
    /// The text to send.
    pub text: String,
    /// When it was cut: the length of the original, in characters.
    pub truncated_from: Option<usize>,
}

/// `body` in at most `limit` characters. A longer body keeps its first
/// lines, closes what they leave open (a code fence, `<details>`), and
/// ends with a note giving the original length and, when known, where the
/// whole text is (`full_text_at`, e.g. the workflow run's log).
pub fn bound(body: &str, limit: usize, full_text_at: Option<&str>) -> Bounded {
    let length = body.chars().count();
    if length <= limit {
        return Bounded {
            text: body.to_owned(),
            truncated_from: None,
        };
    }
    let place = match full_text_at {
        Some(url) => format!(" The whole text is in [the workflow run's log]({url})."),
        None => String::new(),
    };
    let note = format!(
        "\n\n> [!WARNING]\n> Truncated by Mirage: the full text has {} characters and a GitHub comment holds at most {}.{place}\n",
        thousands(length),
        thousands(MAX_COMMENT_CHARS),
    );
    let note_len = note.chars().count();
    let mut budget = limit.saturating_sub(note_len);
    loop {
        let kept = cut(body, budget);
        let closers = closers(kept);
        let total = kept.chars().count() + closers.chars().count() + note_len;
        if total <= limit || budget == 0 {
            let mut text = String::with_capacity(kept.len() + closers.len() + note.len());
            text.push_str(kept);
            text.push_str(&closers);
            text.push_str(&note);
            // Only a limit smaller than the note itself gets here too big.
            if text.chars().count() > limit {
                text = text.chars().take(limit).collect();
            }
            return Bounded {
                text,
                truncated_from: Some(length),
            };
        }
        budget = budget.saturating_sub(total - limit);
    }
}

/// `n` with a comma every three digits.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The first `chars` characters of `text`, shortened to the end of its last
/// whole line when it has one.
fn cut(text: &str, chars: usize) -> &str {
    let end = text
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(index, _)| index);
    let head = &text[..end];
    match head.rfind('\n') {
        Some(newline) if newline > 0 => &head[..newline],
        _ => head,
    }
}

/// What `text` leaves open, closed: a code fence (```` ``` ```` or `~~~`)
/// and `<details>` blocks.
fn closers(text: &str) -> String {
    let mut fence: Option<String> = None;
    let mut open_details: usize = 0;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker: String = trimmed
            .chars()
            .take_while(|c| *c == '`' || *c == '~')
            .collect();
        let is_fence =
            marker.len() >= 3 && marker.chars().all(|c| c == marker.as_bytes()[0] as char);
        match &fence {
            Some(open)
                if is_fence && marker.starts_with(open.as_str()) && trimmed.trim() == marker =>
            {
                fence = None;
            }
            Some(_) => {}
            None if is_fence => fence = Some(marker),
            None => {
                open_details += trimmed.matches("<details").count();
                open_details = open_details.saturating_sub(trimmed.matches("</details>").count());
            }
        }
    }
    let mut out = String::new();
    if let Some(open) = fence {
        out.push('\n');
        out.push_str(&open);
    }
    for _ in 0..open_details.min(16) {
        out.push_str("\n</details>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_within_the_limit_is_unchanged() {
        let bounded = bound("hello\nworld", 11, None);
        assert_eq!(bounded.text, "hello\nworld");
        assert_eq!(bounded.truncated_from, None);
    }

    #[test]
    fn a_long_body_is_cut_at_a_line_with_a_note_and_fits() {
        let body: String = (0..5000).map(|i| format!("line {i}\n")).collect();
        let bounded = bound(&body, 2000, Some("https://github.com/o/r/actions/runs/1"));
        assert!(bounded.text.chars().count() <= 2000);
        assert_eq!(bounded.truncated_from, Some(body.chars().count()));
        assert!(bounded.text.contains("Truncated by Mirage"));
        assert!(bounded.text.contains("actions/runs/1"));
        // Cut after a whole line.
        let before_note = bounded.text.split("\n\n> [!WARNING]").next().unwrap();
        assert!(before_note.lines().last().unwrap().starts_with("line "));
        assert!(body.starts_with(before_note));
    }

    #[test]
    fn an_open_fence_and_details_are_closed() {
        let body = format!(
            "<details><summary>plan</summary>\n\n```diff\n{}",
            "+ x\n".repeat(2000)
        );
        let bounded = bound(&body, 1000, None);
        assert!(bounded.text.chars().count() <= 1000);
        let before_note = bounded.text.split("\n\n> [!WARNING]").next().unwrap();
        assert!(before_note.ends_with("\n```\n</details>"), "{before_note}");
    }

    #[test]
    fn characters_not_bytes_are_counted_and_never_split() {
        let body = "é".repeat(3000);
        let bounded = bound(&body, 2500, None);
        assert!(bounded.text.chars().count() <= 2500);
        assert!(bounded.text.starts_with("éé"));
    }
}
