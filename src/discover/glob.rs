//! Glob matching for workspace patterns (`packages/*`, `apps/**`) and
//! `.gitignore` lines: `*` and `?` stay within one path component, `**`
//! spans any number of them, `[abc]`/`[!a-z]` are classes.

/// Whether `path` (components separated by `/`) matches `pattern`.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let s: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    match_components(&p, &s)
}

fn match_components(p: &[&str], s: &[&str]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(&"**") => (0..=s.len()).any(|k| match_components(&p[1..], &s[k..])),
        Some(first) => match s.first() {
            Some(name) => {
                match_segment(first.as_bytes(), name.as_bytes())
                    && match_components(&p[1..], &s[1..])
            }
            None => false,
        },
    }
}

/// Match one path component against one pattern component.
pub fn match_segment(p: &[u8], s: &[u8]) -> bool {
    // Iterative wildcard matching with one backtrack point for `*`.
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = match_class(&p[pi..], s[si]) {
                        if matched {
                            pi += next;
                            si += 1;
                            continue;
                        }
                    } else if s[si] == b'[' {
                        pi += 1;
                        si += 1;
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() && p[pi + 1] == s[si] => {
                    pi += 2;
                    si += 1;
                    continue;
                }
                c if c == s[si] => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// `[…]` at the start of `p`: whether `c` matches, and the class's length.
fn match_class(p: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(1), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
            matched |= p[i] <= c && c <= p[i + 2];
            i += 3;
        } else {
            matched |= p[i] == c;
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_git_and_pnpm() {
        assert!(glob_match("packages/*", "packages/a"));
        assert!(!glob_match("packages/*", "packages/a/b"));
        assert!(glob_match("packages/**", "packages/a/b"));
        assert!(glob_match("apps/**/svc-*", "apps/x/y/svc-api"));
        assert!(glob_match("**/test", "a/test"));
        assert!(glob_match("./libs/*", "libs/ui"));
        assert!(glob_match("*.log", "debug.log"));
        assert!(glob_match("[a-c]x?", "bxz"));
        assert!(!glob_match("[!a-c]x", "bx"));
        assert!(glob_match("a*b*c", "aXbYbc"));
    }
}
