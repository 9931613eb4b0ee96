//! `.gitignore` rules: one set per directory, later lines winning, `!`
//! re-including, a trailing `/` for directories only, and a `/` at the start
//! or in the middle anchoring a pattern to its file's directory.

use super::glob::glob_match;

/// The rules of one `.gitignore` file.
#[derive(Debug, Clone, Default)]
pub struct IgnoreFile {
    /// Directory of the file, relative to the root (`""` for the root).
    base: String,
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    pattern: String,
    negate: bool,
    dir_only: bool,
    anchored: bool,
}

impl IgnoreFile {
    /// Parse the text of the `.gitignore` in directory `base`.
    pub fn parse(base: &str, text: &str) -> Self {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            // Trailing spaces are ignored unless escaped.
            let line = if line.ends_with("\\ ") {
                line
            } else {
                line.trim_end()
            };
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (negate, line) = match line.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, line.strip_prefix('\\').unwrap_or(line)),
            };
            let (dir_only, line) = match line.strip_suffix('/') {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let anchored = line.contains('/');
            let pattern = line.trim_start_matches('/').to_string();
            if pattern.is_empty() {
                continue;
            }
            rules.push(Rule {
                pattern,
                negate,
                dir_only,
                anchored,
            });
        }
        IgnoreFile {
            base: base.to_string(),
            rules,
        }
    }

    /// `Some(true)` if ignored, `Some(false)` if re-included, `None` if no
    /// rule of this file speaks about `path` (relative to the root).
    pub fn decide(&self, path: &str, is_dir: bool) -> Option<bool> {
        let relative = if self.base.is_empty() {
            path
        } else {
            path.strip_prefix(&self.base)?.strip_prefix('/')?
        };
        let name = relative.rsplit('/').next().unwrap_or(relative);
        self.rules.iter().rev().find_map(|rule| {
            if rule.dir_only && !is_dir {
                return None;
            }
            let hit = if rule.anchored {
                glob_match(&rule.pattern, relative)
            } else {
                glob_match(&rule.pattern, name)
            };
            hit.then_some(!rule.negate)
        })
    }
}

/// The `.gitignore` files in effect for a directory, innermost last.
#[derive(Debug, Clone, Default)]
pub struct IgnoreStack {
    files: Vec<IgnoreFile>,
}

impl IgnoreStack {
    /// Push the rules of a directory's `.gitignore`.
    pub fn push(&mut self, file: IgnoreFile) {
        self.files.push(file);
    }

    /// Drop the innermost rules.
    pub fn pop(&mut self) {
        self.files.pop();
    }

    /// Whether `path` is ignored; a deeper file overrides a shallower one.
    pub fn is_ignored(&self, path: &str, is_dir: bool) -> bool {
        self.files
            .iter()
            .rev()
            .find_map(|f| f.decide(path, is_dir))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignore_rules() {
        let root = IgnoreFile::parse("", "# c\ndist/\n*.log\n!keep.log\n/build\nlogs/**/tmp\n");
        let mut stack = IgnoreStack::default();
        stack.push(root);
        assert!(stack.is_ignored("a/dist", true));
        assert!(!stack.is_ignored("a/dist", false));
        assert!(stack.is_ignored("x/y.log", false));
        assert!(!stack.is_ignored("keep.log", false));
        assert!(stack.is_ignored("build", true));
        assert!(!stack.is_ignored("a/build", true));
        assert!(stack.is_ignored("logs/a/b/tmp", true));
        stack.push(IgnoreFile::parse("a", "!dist/\n"));
        assert!(!stack.is_ignored("a/dist", true));
        assert!(stack.is_ignored("b/dist", true));
    }
}
