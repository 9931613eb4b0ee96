//! Every stable diagnostic code Mirage can show, in one place, each with a
//! one-line explanation and what to do: `mirage explain CODE` prints it, as
//! `rustc --explain` does, and a test holds the table and the code to each
//! other (every code the sources raise is here; nothing here is raised
//! nowhere).

/// One registered code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    /// `mirage::<room>::<name>`.
    pub code: &'static str,
    /// What the problem is, in one line.
    pub summary: &'static str,
    /// What to do about it, in one line ("" when nothing general applies).
    pub help: &'static str,
}

include!("codes_table.rs");

/// The registered code spelled `code` (its `'static` form), if any.
pub fn find(code: &str) -> Option<&'static str> {
    lookup(code).map(|entry| entry.code)
}

/// The registry entry of `code`. A code may be given without its
/// `mirage::` prefix (`plan::protected`).
pub fn lookup(code: &str) -> Option<&'static Code> {
    let code = code.trim();
    let full;
    let code = if code.starts_with("mirage::") {
        code
    } else {
        full = format!("mirage::{code}");
        &full
    };
    CODES
        .binary_search_by(|entry| entry.code.cmp(code))
        .ok()
        .map(|index| &CODES[index])
}

/// The registered code closest to `code`, for a "did you mean".
pub fn similar(code: &str) -> Option<&'static str> {
    let code = code.trim();
    let full = if code.starts_with("mirage::") {
        code.to_owned()
    } else {
        format!("mirage::{code}")
    };
    crate::resolve::suggest::suggest(&full, CODES.iter().map(|entry| entry.code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_unique() {
        for pair in CODES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "`{}` must come before `{}` (sorted, once each)",
                pair[0].code,
                pair[1].code
            );
        }
    }

    #[test]
    fn every_entry_reads_as_one_line() {
        for entry in CODES {
            assert!(entry.code.starts_with("mirage::"), "{}", entry.code);
            assert_eq!(entry.code.matches("::").count(), 2, "{}", entry.code);
            assert!(!entry.summary.is_empty(), "{} has no summary", entry.code);
            assert!(!entry.summary.contains('\n'), "{}", entry.code);
            assert!(!entry.help.contains('\n'), "{}", entry.code);
        }
    }

    #[test]
    fn codes_are_found_with_or_without_prefix() {
        let first = CODES[0].code;
        assert_eq!(find(first), Some(first));
        assert_eq!(find(first.trim_start_matches("mirage::")), Some(first));
        assert_eq!(find("mirage::nowhere::nothing"), None);
    }
}
