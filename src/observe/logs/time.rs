//! Times of log lines and of the window: RFC 3339 (Railway's timestamps
//! and `--from`/`--to`) and relative durations (`--since 1h`).

use ::time::OffsetDateTime;
use ::time::format_description::well_known::Rfc3339;

/// Milliseconds since the epoch of an RFC 3339 date-time; `None` when it
/// is not one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let parsed = OffsetDateTime::parse(text.trim(), &Rfc3339).ok()?;
    i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).ok()
}

/// `ms` as RFC 3339 in UTC with milliseconds (`2026-12-07T01:02:03.456Z`).
pub fn rfc3339(ms: i64) -> String {
    let (date, clock) = civil(ms);
    format!("{date}T{clock}Z")
}

/// `ms` as `HH:MM:SS.mmm` (UTC).
pub fn clock(ms: i64) -> String {
    civil(ms).1
}

fn civil(ms: i64) -> (String, String) {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days → civil date.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!(
            "{:02}:{:02}:{:02}.{millis:03}",
            rem / 3600,
            (rem % 3600) / 60,
            rem % 60
        ),
    )
}

/// A relative duration (`90s`, `30m`, `1h`, `2d`, `1w`, or combined as
/// `1h30m`) in milliseconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the duration is empty".into());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            'w' => 604_800_000,
            _ => return Err(format!("`{c}` is not a unit (use s, m, h, d or w)")),
        };
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("a number must come before `{c}`"))?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or("the duration is too long")?;
    }
    if !digits.is_empty() {
        return Err(format!(
            "`{digits}` needs a unit, as in `{digits}m` or `{digits}h`"
        ));
    }
    Ok(total)
}

/// A point in time: RFC 3339, or a duration before `now` (`1h`).
pub fn parse_point(text: &str, now: i64) -> Result<i64, String> {
    if let Some(at) = parse_rfc3339(text) {
        return Ok(at);
    }
    match parse_duration(text) {
        Ok(ago) => Ok(now - ago),
        Err(_) if text.contains('-') || text.contains(':') => {
            Err("not an RFC 3339 date-time such as `2026-12-07T10:00:00Z`".into())
        }
        Err(e) => Err(e),
    }
}

/// Now, in milliseconds since the epoch.
pub fn now() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_parses() {
        assert_eq!(rfc3339(1_764_255_845_123), "2025-11-27T15:04:05.123Z");
        assert_eq!(
            parse_rfc3339("2025-11-27T15:04:05.123Z"),
            Some(1_764_255_845_123)
        );
        assert_eq!(
            parse_rfc3339("2025-11-27T16:04:05.123+01:00"),
            Some(1_764_255_845_123)
        );
        assert_eq!(clock(1_764_255_845_123), "15:04:05.123");
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("2d"), Ok(172_800_000));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("5y").is_err());
        assert_eq!(parse_point("1h", 10_000_000), Ok(6_400_000));
    }
}
