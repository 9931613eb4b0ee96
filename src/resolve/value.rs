//! Parsers for the typed values of the language: durations, sizes, ports,
//! cron expressions, restart policies, builders, domains
//! and variable names. Each returns a lowercase reason on failure; the caller
//! turns it into a diagnostic at the span of the bad value.

use crate::model::RestartPolicy;

/// A duration such as `30s`, `30m`, `72h`, `3d`, `1w` or `1h30m`, in seconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let hint = "write a number and a unit: `30s`, `30m`, `72h`, `3d`, `1w` (or `1h30m`)";
    if text.is_empty() {
        return Err(format!("empty duration; {hint}"));
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(format!("unknown unit `{c}` in duration `{text}`; {hint}")),
        };
        if digits.is_empty() {
            return Err(format!("unit `{c}` without a number in `{text}`; {hint}"));
        }
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("duration `{text}` is too large"))?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration `{text}` is too large"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("missing unit after `{digits}` in `{text}`; {hint}"));
    }
    if total == 0 {
        return Err(format!("duration `{text}` is zero"));
    }
    Ok(total)
}

/// A size such as `512MB`, `5GB`, `1.5GB` or `2GiB`, in bytes. `KB`, `MB`,
/// `GB`, `TB` are decimal (Railway's convention); `KiB`, `MiB`, `GiB`, `TiB`
/// binary.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let hint = "write a number and a unit: `512MB`, `5GB`, `1TB` (or `KiB`, `MiB`, `GiB`)";
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("missing unit in size `{text}`; {hint}"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a number; {hint}"))?;
    let factor: f64 = match unit.trim() {
        "B" => 1.0,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown size unit `{other}` in `{text}`; {hint}")),
    };
    let bytes = number * factor;
    if !bytes.is_finite() || bytes > u64::MAX as f64 {
        return Err(format!("size `{text}` is too large"));
    }
    if bytes < 1.0 {
        return Err(format!("size `{text}` is zero"));
    }
    Ok(bytes as u64)
}

/// A TCP port, 1–65535.
pub fn check_port(n: i128) -> Result<u16, String> {
    match u16::try_from(n) {
        Ok(p) if p >= 1 => Ok(p),
        _ => Err(format!("port {n} is out of range; ports are 1–65535")),
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// A five-field cron expression (minute hour day-of-month month
/// day-of-week) with `*`, ranges, steps, lists and month/day names.
pub fn check_cron(text: &str) -> Result<(), String> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "a cron schedule has 5 fields (minute hour day month weekday), `{text}` has {}",
            fields.len()
        ));
    }
    let specs: [(&str, u32, u32, &[&str], u32); 5] = [
        ("minute", 0, 59, &[], 0),
        ("hour", 0, 23, &[], 0),
        ("day of month", 1, 31, &[], 0),
        ("month", 1, 12, &MONTHS, 1),
        ("day of week", 0, 7, &DAYS, 0),
    ];
    for (field, (what, lo, hi, names, base)) in fields.iter().zip(specs) {
        for part in field.split(',') {
            check_cron_part(part, what, lo, hi, names, base)?;
        }
    }
    Ok(())
}

fn check_cron_part(
    part: &str,
    what: &str,
    lo: u32,
    hi: u32,
    names: &[&str],
    base: u32,
) -> Result<(), String> {
    let value = |s: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(i as u32 + base);
        }
        let n: u32 = s
            .parse()
            .map_err(|_| format!("`{s}` is not a valid {what} (expected {lo}–{hi})"))?;
        if n < lo || n > hi {
            return Err(format!("{what} `{n}` is out of range {lo}–{hi}"));
        }
        Ok(n)
    };
    let (range, step) = match part.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (part, None),
    };
    if let Some(step) = step {
        match step.parse::<u32>() {
            Ok(s) if s >= 1 && s <= hi => {}
            _ => {
                return Err(format!(
                    "step `/{step}` of the {what} is not a number 1–{hi}"
                ));
            }
        }
    }
    if range == "*" {
        return Ok(());
    }
    if range.is_empty() {
        return Err(format!("empty {what} field entry"));
    }
    match range.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (value(a)?, value(b)?);
            if a > b {
                return Err(format!("{what} range `{range}` runs backwards"));
            }
        }
        None => {
            value(range)?;
        }
    }
    Ok(())
}

/// A restart policy: `always`, `never` or `on-failure`.
pub fn parse_restart(text: &str) -> Option<RestartPolicy> {
    match text {
        "always" => Some(RestartPolicy::Always),
        "never" => Some(RestartPolicy::Never),
        "on-failure" => Some(RestartPolicy::OnFailure),
        _ => None,
    }
}

/// The restart policy spellings, for suggestions.
pub const RESTART_POLICIES: [&str; 3] = ["always", "never", "on-failure"];

/// The builders, as written and as Railway spells them.
pub const BUILDERS: [(&str, &str); 3] = [
    ("railpack", "RAILPACK"),
    ("dockerfile", "DOCKERFILE"),
    ("nixpacks", "NIXPACKS"),
];

/// A builder name → Railway's spelling.
pub fn parse_builder(text: &str) -> Option<&'static str> {
    BUILDERS.iter().find(|(b, _)| *b == text).map(|(_, r)| *r)
}

/// The placeholder a custom domain may hold for the environment's name:
/// `domain "api.{environment}.shop.example"` is `api.staging.shop.example`
/// in `staging`, so every environment (and every preview copy) gets its own.
pub const ENVIRONMENT_PLACEHOLDER: &str = "{environment}";

/// A custom domain pattern with `{environment}` replaced by the
/// environment's name in lowercase (host names are case-insensitive and
/// Railway stores them in lowercase).
pub fn expand_domain(pattern: &str, environment: &str) -> String {
    if pattern.contains(ENVIRONMENT_PLACEHOLDER) {
        pattern.replace(ENVIRONMENT_PLACEHOLDER, &environment.to_ascii_lowercase())
    } else {
        pattern.to_string()
    }
}

/// A host name for a custom domain (`api.shop.example`), a wildcard one
/// (`*.shop.example`), or a pattern with the `{environment}` placeholder
/// (`api.{environment}.shop.example`, checked with a sample name).
pub fn check_domain(text: &str) -> Result<(), String> {
    // Placeholders first: `{…}` other than `{environment}` is a mistake.
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(format!(
                "`{text}` has a `{{` without its `}}`; the only placeholder is `{ENVIRONMENT_PLACEHOLDER}`"
            ));
        };
        let inner = &rest[open..open + close + 1];
        if inner != ENVIRONMENT_PLACEHOLDER {
            return Err(format!(
                "unknown placeholder `{inner}` in `{text}`; the only placeholder is `{ENVIRONMENT_PLACEHOLDER}`"
            ));
        }
        rest = &rest[open + close + 1..];
    }
    if rest.contains('}') {
        return Err(format!(
            "`{text}` has a `}}` without its `{{`; the only placeholder is `{ENVIRONMENT_PLACEHOLDER}`"
        ));
    }
    let concrete = expand_domain(text, "env");
    if !concrete.is_ascii() {
        return Err(format!(
            "`{text}` holds characters outside ASCII; write an internationalised domain in punycode (`xn--…`)"
        ));
    }
    let mut labels: Vec<&str> = concrete.split('.').collect();
    let wildcard = labels.first() == Some(&"*");
    if wildcard {
        labels.remove(0);
    }
    let ok = labels.len() >= 2
        && concrete.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if ok {
        Ok(())
    } else if concrete.contains('*') && !wildcard {
        Err(format!(
            "`{text}` is not a host name; a wildcard is a whole first label, as in `*.example.com`"
        ))
    } else {
        Err(format!(
            "`{text}` is not a host name like `api.example.com`"
        ))
    }
}

/// The shortest time, in minutes, between two runs of a valid cron
/// schedule (five fields). Runs on different days are compared only when
/// the schedule runs every day (both day fields `*`), so the answer never
/// claims a gap shorter than the real one. `None` for an invalid schedule
/// or one that runs once on the days it runs (not every day).
pub fn cron_min_interval(text: &str) -> Option<u32> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.len() != 5 || check_cron(text).is_err() {
        return None;
    }
    let minutes = cron_values(fields[0], 0, 59, &[], 0)?;
    let hours = cron_values(fields[1], 0, 23, &[], 0)?;
    let mut times: Vec<u32> = hours
        .iter()
        .flat_map(|h| minutes.iter().map(move |m| h * 60 + m))
        .collect();
    times.sort_unstable();
    times.dedup();
    let mut gaps: Vec<u32> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let daily = fields[2] == "*" && fields[4] == "*";
    if daily && let (Some(first), Some(last)) = (times.first(), times.last()) {
        gaps.push(first + 24 * 60 - last);
    }
    gaps.into_iter().filter(|g| *g > 0).min()
}

/// The values a valid cron field selects.
fn cron_values(field: &str, lo: u32, hi: u32, names: &[&str], base: u32) -> Option<Vec<u32>> {
    let value = |s: &str| -> Option<u32> {
        names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(s))
            .map(|i| i as u32 + base)
            .or_else(|| s.parse().ok())
    };
    let mut out = Vec::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok()?),
            None => (part, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let a = value(range)?;
            // `5/15` runs from 5 to the end of the range.
            (a, if part.contains('/') { hi } else { a })
        };
        out.extend((a..=b).step_by(step.max(1) as usize));
    }
    Some(out)
}

/// A variable name: a letter or `_`, then letters, digits and `_`.
pub fn is_var_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A name for a service, template, layer or environment: letters, digits,
/// `-` and `_` (and `/` for templates such as `std/postgres`). Dots would
/// break `${{service.VAR}}` references.
pub fn check_name(text: &str, allow_slash: bool) -> Result<(), String> {
    if text.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || (allow_slash && c == '/'))
    {
        Ok(())
    } else {
        Err(format!(
            "`{text}` may only contain letters, digits, `-` and `_`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(30));
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("72h"), Ok(259_200));
        assert_eq!(parse_duration("3d"), Ok(259_200));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        for bad in [
            "",
            "72",
            "h",
            "3 days",
            "3x",
            "0s",
            "99999999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512MB"), Ok(512_000_000));
        assert_eq!(parse_size("5GB"), Ok(5_000_000_000));
        assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("2GiB"), Ok(2 * 1024 * 1024 * 1024));
        for bad in ["5", "GB", "5XB", "0GB", "5 G", "1e400GB", "-1GB"] {
            assert!(parse_size(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn ports() {
        assert_eq!(check_port(1), Ok(1));
        assert_eq!(check_port(65535), Ok(65535));
        assert!(check_port(0).is_err());
        assert!(check_port(65536).is_err());
        assert!(check_port(-80).is_err());
    }

    #[test]
    fn crons() {
        for good in [
            "*/15 * * * *",
            "0 0 * * *",
            "0 9-17 * * mon-fri",
            "0,30 1,2,3 1 jan,jul sun",
            "5 4 * * 7",
            "0 */2 1-15/3 * *",
        ] {
            assert_eq!(check_cron(good), Ok(()), "{good}");
        }
        for bad in [
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
            "*/0 * * * *",
            "5-1 * * * *",
            "a * * * *",
            "1,,2 * * * *",
            "* * * foo *",
        ] {
            assert!(check_cron(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn cron_intervals() {
        for (cron, gap) in [
            ("*/15 * * * *", Some(15)),
            ("* * * * *", Some(1)),
            ("*/2 9-17 * * mon-fri", Some(2)),
            ("0,3 * * * *", Some(3)),
            ("0 * * * *", Some(60)),
            ("5/20 * * * *", Some(20)),
            // 23:58 then 00:01 the next day.
            ("1,58 0,23 * * *", Some(3)),
            // Not every day: the wrap is not counted, the gaps within a day are.
            ("1,58 0,23 * * 1", Some(57)),
            ("0 7 * * *", Some(1440)),
            ("0 7 * * 1", None),
            ("bad", None),
        ] {
            assert_eq!(cron_min_interval(cron), gap, "{cron}");
        }
    }

    #[test]
    fn enums_and_names() {
        assert_eq!(parse_restart("on-failure"), Some(RestartPolicy::OnFailure));
        assert_eq!(parse_restart("ON_FAILURE"), None);
        assert_eq!(parse_builder("dockerfile"), Some("DOCKERFILE"));
        assert_eq!(parse_builder("heroku"), None);
        assert!(check_domain("api.shop.example").is_ok());
        assert!(check_domain("localhost").is_err());
        assert!(check_domain("a..b").is_err());
        assert!(check_domain("*.shop.example").is_ok());
        assert!(check_domain("*.example").is_err());
        assert!(check_domain("a.*.example").is_err());
        assert!(check_domain("api.{environment}.shop.example").is_ok());
        assert!(check_domain("api-{environment}.shop.example").is_ok());
        assert!(check_domain("api.{env}.shop.example").is_err());
        assert!(check_domain("api.{environment.shop.example").is_err());
        assert!(check_domain("api.}.shop.example").is_err());
        assert!(check_domain("bücher.example").is_err());
        assert!(check_domain("xn--bcher-kva.example").is_ok());
        assert_eq!(
            expand_domain("api.{environment}.shop.example", "Staging"),
            "api.staging.shop.example"
        );
        assert!(is_var_name("DATABASE_URL"));
        assert!(!is_var_name("1X"));
        assert!(!is_var_name("A-B"));
        assert!(check_name("api-v2", false).is_ok());
        assert!(check_name("a.b", false).is_err());
        assert!(check_name("std/postgres", true).is_ok());
    }
}
