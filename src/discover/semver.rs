//! Just enough of npm's semver ranges to tell whether a dependency spec such
//! as `^1.2.0` or `>=1 <2 || 3.x` accepts an internal package's version,
//! which is how npm, Yarn classic and turborepo link workspace packages.

type Version = (u64, u64, u64);

fn parse_version(text: &str) -> Option<Version> {
    let text = text.trim().trim_start_matches(['v', '=']);
    let core = text.split(['-', '+']).next()?;
    let mut parts = core.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().unwrap_or("0").parse().ok()?;
    let patch = parts.next().unwrap_or("0").parse().ok()?;
    Some((major, minor, patch))
}

/// Whether `version` satisfies `range`. Unparseable ranges satisfy nothing.
pub fn satisfies(range: &str, version: &str) -> bool {
    let Some(v) = parse_version(version) else {
        return false;
    };
    range.split("||").any(|alt| {
        let alt = alt.trim();
        if let Some((lo, hi)) = alt.split_once(" - ") {
            return comparator(&format!(">={lo}"), v) && comparator(&format!("<={hi}"), v);
        }
        let mut words = alt.split_whitespace().peekable();
        if words.peek().is_none() {
            return true;
        }
        let mut all = true;
        let mut pending = String::new();
        for w in words {
            // `>= 1.2` with a space: glue the operator to its version.
            if matches!(w, ">" | ">=" | "<" | "<=" | "=" | "^" | "~") {
                pending = w.to_string();
                continue;
            }
            let c = format!("{pending}{w}");
            pending.clear();
            all &= comparator(&c, v);
        }
        all
    })
}

/// A partial version: `1`, `1.2`, `1.x`, `*` → the numbers given.
fn partial(text: &str) -> Option<Vec<u64>> {
    let core = text.split(['-', '+']).next()?;
    let mut out = Vec::new();
    for part in core.split('.') {
        if matches!(part, "x" | "X" | "*") {
            break;
        }
        out.push(part.parse().ok()?);
    }
    Some(out)
}

fn comparator(c: &str, v: Version) -> bool {
    let c = c.trim();
    let (op, rest) = ["<=", ">=", "<", ">", "=", "^", "~"]
        .iter()
        .find_map(|op| c.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("", c));
    let rest = rest.trim().trim_start_matches('v');
    if matches!(rest, "*" | "x" | "X" | "") {
        return op.is_empty() || op == ">=" || op == "=";
    }
    let Some(p) = partial(rest) else { return false };
    let get = |i: usize| p.get(i).copied().unwrap_or(0);
    let low = (get(0), get(1), get(2));
    // Exclusive upper bound of a partial version (`1.2` → `1.3.0`).
    let upper_partial = match p.len() {
        0 => (u64::MAX, 0, 0),
        1 => (get(0) + 1, 0, 0),
        2 => (get(0), get(1) + 1, 0),
        _ => (get(0), get(1), get(2) + 1),
    };
    match op {
        "" | "=" => low <= v && v < upper_partial,
        ">=" => v >= low,
        ">" => v >= upper_partial,
        "<" => v < low,
        "<=" => v < upper_partial,
        "~" => {
            let upper = if p.len() >= 2 {
                (get(0), get(1) + 1, 0)
            } else {
                (get(0) + 1, 0, 0)
            };
            low <= v && v < upper
        }
        "^" => {
            let upper = if get(0) > 0 || p.len() == 1 {
                (get(0) + 1, 0, 0)
            } else if get(1) > 0 || p.len() == 2 {
                (0, get(1) + 1, 0)
            } else {
                (0, 0, get(2) + 1)
            };
            low <= v && v < upper
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::satisfies;

    #[test]
    fn npm_ranges() {
        for (range, version, want) in [
            ("^1.2.0", "1.9.0", true),
            ("^1.2.0", "2.0.0", false),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "0.3.0", false),
            ("~1.2.3", "1.2.9", true),
            ("~1.2.3", "1.3.0", false),
            ("*", "5.0.0", true),
            ("1.x", "1.4.0", true),
            ("1.x", "2.0.0", false),
            (">=1.0.0 <2", "1.5.0", true),
            (">= 1.0.0 < 2", "2.0.0", false),
            ("1.0.0 - 2.0.0", "2.0.0", true),
            ("^3 || ^1", "1.0.1", true),
            ("1.2.3", "1.2.3", true),
            ("1.2.3", "1.2.4", false),
            ("latest", "1.0.0", false),
        ] {
            assert_eq!(satisfies(range, version), want, "{range} {version}");
        }
    }
}
