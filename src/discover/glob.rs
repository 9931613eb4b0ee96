//! Workspace globs (`packages/*`, `apps/**`, `libs/[a-c]*`) matched with the
//! `glob` crate, the matcher Cargo uses for `members`: `*` and `?` stay
//! within one path component (`?` is one character, as in npm's globs, not
//! one byte), `**` spans any number of them, and `a/**` matches what is
//! inside `a`, not `a` itself. Brace alternatives (`{a,b}`) are not globs
//! here, as they are not for Cargo.

use glob::{MatchOptions, Pattern};

/// A set of patterns; a path matches when any of them does.
#[derive(Debug, Clone, Default)]
pub struct Globs {
    patterns: Vec<Pattern>,
}

/// A pattern that is not a glob (`apps/[a`), with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadGlob {
    /// The pattern as written.
    pub pattern: String,
    /// Why it is not one.
    pub message: String,
}

const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

impl Globs {
    /// Compile `patterns` (a leading `./` and a trailing `/` are ignored).
    /// Invalid patterns are left out and returned.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> (Globs, Vec<BadGlob>) {
        let mut globs = Globs::default();
        let mut bad = Vec::new();
        for pattern in patterns {
            match Pattern::new(&normalise(pattern)) {
                Ok(compiled) => globs.patterns.push(compiled),
                Err(error) => bad.push(BadGlob {
                    pattern: pattern.to_string(),
                    message: error.msg.to_string(),
                }),
            }
        }
        (globs, bad)
    }

    /// Whether `path` (relative, `/`-separated) matches one of the patterns.
    pub fn is_match(&self, path: &str) -> bool {
        self.patterns.iter().any(|p| p.matches_with(path, OPTIONS))
    }
}

/// `./libs/*/` → `libs/*`; empty and `.` components dropped.
fn normalise(pattern: &str) -> String {
    pattern
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str) -> bool {
        let (globs, bad) = Globs::new([pattern]);
        assert!(bad.is_empty(), "{bad:?}");
        globs.is_match(path)
    }

    #[test]
    fn matches_like_cargo_and_pnpm() {
        assert!(matches("packages/*", "packages/a"));
        assert!(!matches("packages/*", "packages/a/b"));
        assert!(matches("packages/**", "packages/a/b"));
        assert!(matches("apps/**/svc-*", "apps/x/y/svc-api"));
        assert!(matches("apps/**/svc-*", "apps/svc-api"));
        assert!(matches("**/test", "a/test"));
        assert!(matches("./libs/*", "libs/ui"));
        assert!(matches("*.log", "debug.log"));
        assert!(matches("[a-c]x?", "bxz"));
        assert!(!matches("[!a-c]x", "bx"));
        assert!(matches("a*b*c", "aXbYbc"));
    }

    // What the hand-written matcher got wrong (issue #13).
    #[test]
    fn question_mark_is_one_character() {
        assert!(matches("apps/caf?", "apps/café"));
        assert!(!matches("apps/caf?", "apps/caf"));
    }

    #[test]
    fn double_star_suffix_does_not_match_the_directory_itself() {
        assert!(!matches("packages/**", "packages"));
        assert!(matches("packages/**", "packages/a"));
    }

    #[test]
    fn invalid_patterns_are_returned() {
        let (globs, bad) = Globs::new(["apps/[a", "libs/*"]);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].pattern, "apps/[a");
        assert!(globs.is_match("libs/x"));
    }
}
