//! Number tokens → [`Number`]: decimal, hex, octal and binary with `_`
//! separators, integers of any size, floats with exponents.

use super::ast::Number;

/// Why a number token is not a number; the parser turns it into a
/// diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberError {
    /// What is wrong, lowercase.
    pub message: String,
    /// What to write instead.
    pub help: &'static str,
}

fn err(message: impl Into<String>, help: &'static str) -> NumberError {
    NumberError {
        message: message.into(),
        help,
    }
}

/// Parse the text of a number token.
pub fn parse_number(text: &str) -> Result<Number, NumberError> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let radix = match unsigned.get(..2) {
        Some("0x") => Some((16, "hexadecimal")),
        Some("0o") => Some((8, "octal")),
        Some("0b") => Some((2, "binary")),
        _ => None,
    };
    if let Some((radix, name)) = radix {
        let digits = &unsigned[2..];
        let valid = digits
            .bytes()
            .next()
            .is_some_and(|b| (b as char).is_digit(radix))
            && digits
                .bytes()
                .all(|b| b == b'_' || (b as char).is_digit(radix));
        if !valid {
            return Err(err(
                format!("invalid {name} number `{text}`"),
                match radix {
                    16 => {
                        "write hex digits after `0x`, e.g. `0xff` (`_` may separate digits, not start them)"
                    }
                    8 => "write octal digits 0-7 after `0o`, e.g. `0o755`",
                    _ => "write binary digits 0 and 1 after `0b`, e.g. `0b1010`",
                },
            ));
        }
        return Ok(integer(digits, radix, negative));
    }
    decimal(text, unsigned, negative)
}

fn decimal(text: &str, unsigned: &str, negative: bool) -> Result<Number, NumberError> {
    let b = unsigned.as_bytes();
    let bad = || {
        err(
            format!("invalid number `{text}`"),
            "write a number like `12`, `-3.5`, `1_000` or `6.02e23`, or quote the text to make it a string",
        )
    };
    // integer := digit (digit | '_')*
    let int_part = |i: usize| -> Option<usize> {
        if !b.get(i)?.is_ascii_digit() {
            return None;
        }
        let mut j = i + 1;
        while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'_') {
            j += 1;
        }
        Some(j)
    };
    let mut i = int_part(0).ok_or_else(bad)?;
    let mut float = false;
    if b.get(i) == Some(&b'.') {
        i = int_part(i + 1).ok_or_else(bad)?;
        float = true;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = int_part(i).ok_or_else(bad)?;
        float = true;
    }
    if i != b.len() {
        return Err(bad());
    }
    if float {
        let cleaned: String = text.chars().filter(|&c| c != '_').collect();
        let f: f64 = cleaned.parse().map_err(|_| bad())?;
        Ok(Number::Float(f))
    } else {
        Ok(integer(unsigned, 10, negative))
    }
}

/// Digits (with `_`) in `radix` → an integer, big if needed.
fn integer(digits: &str, radix: u32, negative: bool) -> Number {
    let mut small: Option<i128> = Some(0);
    for b in digits.bytes() {
        if b == b'_' {
            continue;
        }
        let d = (b as char).to_digit(radix).unwrap_or(0) as i128;
        small = small
            .and_then(|v| v.checked_mul(radix as i128))
            .and_then(|v| {
                if negative {
                    v.checked_sub(d)
                } else {
                    v.checked_add(d)
                }
            });
        if small.is_none() {
            break;
        }
    }
    if let Some(v) = small {
        return Number::Integer(v);
    }
    // Arbitrary precision: little-endian limbs in base 10^9.
    const BASE: u64 = 1_000_000_000;
    let mut limbs: Vec<u64> = vec![0];
    for b in digits.bytes() {
        if b == b'_' {
            continue;
        }
        let mut carry = u64::from((b as char).to_digit(radix).unwrap_or(0));
        for limb in limbs.iter_mut() {
            let v = *limb * u64::from(radix) + carry;
            *limb = v % BASE;
            carry = v / BASE;
        }
        while carry > 0 {
            limbs.push(carry % BASE);
            carry /= BASE;
        }
    }
    let mut s = String::new();
    if negative {
        s.push('-');
    }
    let mut iter = limbs.iter().rev();
    if let Some(top) = iter.next() {
        s.push_str(&top.to_string());
    }
    for limb in iter {
        s.push_str(&format!("{limb:09}"));
    }
    Number::BigInteger(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_of_every_radix() {
        assert_eq!(parse_number("0x1_0"), Ok(Number::Integer(16)));
        assert_eq!(parse_number("-0o17"), Ok(Number::Integer(-15)));
        assert_eq!(parse_number("+0b101"), Ok(Number::Integer(5)));
        assert_eq!(parse_number("1_000"), Ok(Number::Integer(1000)));
        assert_eq!(
            parse_number("0xabcdef1234567890abcdef1234567890ab"),
            Ok(Number::BigInteger(
                "58462017810795573611590365593285074391211".into()
            ))
        );
        assert_eq!(
            parse_number("-170141183460469231731687303715884105729"),
            Ok(Number::BigInteger(
                "-170141183460469231731687303715884105729".into()
            ))
        );
        assert_eq!(
            parse_number("-170141183460469231731687303715884105728"),
            Ok(Number::Integer(i128::MIN))
        );
    }

    #[test]
    fn floats_and_rejections() {
        assert_eq!(parse_number("1.5e3"), Ok(Number::Float(1500.0)));
        assert_eq!(parse_number("1E-1_0"), Ok(Number::Float(1e-10)));
        for bad in [
            "1.", "1.e7", ".1", "1.0.0", "0x", "0x_1", "1._7", "0n", "1e", "0bx01",
        ] {
            assert!(parse_number(bad).is_err(), "{bad} should be rejected");
        }
    }
}
