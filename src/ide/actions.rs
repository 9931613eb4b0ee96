//! Quick fixes: a diagnostic whose help says "did you mean `x`?" offers to
//! replace the misspelled name with `x`.

use crate::diagnostic::{Diagnostic, Span};

/// A replacement that fixes a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// The action's title.
    pub title: String,
    /// The bytes to replace (in the diagnostic's file).
    pub span: Span,
    /// The new text.
    pub text: String,
}

/// The fix for `diag`, whose file's text is `text`, if it has one.
///
/// The misspelled name is the first name in backticks of the message; it
/// is replaced where it occurs inside the diagnostic's span (a reference
/// `${{dbb.URL}}` is fixed inside its string).
pub fn did_you_mean_fix(diag: &Diagnostic, text: &str) -> Option<Fix> {
    let help = diag.help.as_deref()?;
    let suggestion = backticked(help.strip_prefix("did you mean ")?)?;
    let wrong = backticked(&diag.message)?;
    let span = diag.span();
    let region = text.get(span.start..span.end)?;
    let at = find_word(region, wrong)?;
    // `import "std/postgress"`: both carry the `std/` prefix.
    Some(Fix {
        title: format!("replace `{wrong}` with `{suggestion}`"),
        span: Span::new(span.start + at, span.start + at + wrong.len()),
        text: suggestion.to_string(),
    })
}

fn backticked(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let len = s[start..].find('`')?;
    Some(&s[start..start + len])
}

/// The first occurrence of `word` in `hay` not inside a longer name.
fn find_word(hay: &str, word: &str) -> Option<usize> {
    if word.is_empty() {
        return None;
    }
    let is_name = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_');
    let mut from = 0;
    while let Some(i) = hay[from..].find(word) {
        let at = from + i;
        let before = hay[..at].chars().next_back();
        let after = hay[at + word.len()..].chars().next();
        if !before.is_some_and(is_name) && !after.is_some_and(is_name) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}
