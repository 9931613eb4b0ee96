//! "Did you mean" suggestions: the closest known name by optimal string
//! alignment distance (Damerau–Levenshtein with adjacent transpositions).

/// Edit distance between `a` and `b` counting insertions, deletions,
/// substitutions and swaps of adjacent characters, case-insensitively.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    let (n, m) = (a.len(), b.len());
    // Three rows suffice: the transposition looks two rows back.
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(prev2[j - 2] + 1);
            }
            cur[j] = best;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m]
}

/// The candidate closest to `name`, if it is close enough to be a plausible
/// typo (at most a third of the name's length, and at least one edit).
pub fn suggest<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (name.chars().count() / 3).max(1);
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let close = candidates
        .iter()
        .map(|c| (distance(name, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c);
    // An abbreviation (`prod` for `production`) is far in edits but an
    // obvious intent.
    close.or_else(|| {
        let lower = name.to_lowercase();
        (lower.chars().count() >= 3)
            .then(|| {
                candidates
                    .iter()
                    .filter(|c| c.to_lowercase().starts_with(&lower))
                    .min_by_key(|c| (c.len(), **c))
                    .copied()
            })
            .flatten()
    })
}

/// `"did you mean `x`?"`, or a fallback help line when nothing is close.
pub fn did_you_mean<'a, I>(name: &str, candidates: I, fallback: impl FnOnce() -> String) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    match suggest(name, candidates) {
        Some(s) => format!("did you mean `{s}`?"),
        None => fallback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("replicas", "replicas"), 0);
        assert_eq!(
            distance("replcias", "replicas"),
            1,
            "adjacent swap is one edit"
        );
        assert_eq!(distance("PORTT", "PORT"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("Worker", "worker"), 0);
    }

    #[test]
    fn suggestions() {
        let names = ["api", "web", "worker", "postgres"];
        assert_eq!(suggest("wroker", names), Some("worker"));
        assert_eq!(suggest("postgre", names), Some("postgres"));
        assert_eq!(suggest("zzzzzz", names), None);
        assert_eq!(suggest("x", ["y"]), Some("y"));
        assert_eq!(suggest("abcdef", ["uvwxyz"]), None);
        assert_eq!(
            suggest("prod", ["staging", "production"]),
            Some("production")
        );
        assert_eq!(
            suggest("pr", ["production"]),
            None,
            "too short to be an abbreviation"
        );
    }
}
