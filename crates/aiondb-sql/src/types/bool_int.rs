//! `boolean`, `smallint`, `integer`, `bigint` and `oid` text input.

use super::errors::{invalid_syntax, trim_c, value_out_of_range};
use aiondb_core::DbResult;

/// `boolin`: `t/true/yes/on/1` and `f/false/no/off/0`, case-insensitive,
/// trimmed, with unique prefixes (`tr`, `of`) accepted.
pub fn parse_bool(input: &str) -> DbResult<bool> {
    let v = trim_c(input).to_ascii_lowercase();
    let prefix_of = |word: &str, min: usize| v.len() >= min && word.starts_with(v.as_str());
    let r = match v.as_bytes().first() {
        Some(b't') if prefix_of("true", 1) => Some(true),
        Some(b'y') if prefix_of("yes", 1) => Some(true),
        Some(b'f') if prefix_of("false", 1) => Some(false),
        Some(b'n') if prefix_of("no", 1) => Some(false),
        Some(b'o') if prefix_of("on", 2) => Some(true),
        Some(b'o') if prefix_of("off", 2) => Some(false),
        Some(b'1') if v.len() == 1 => Some(true),
        Some(b'0') if v.len() == 1 => Some(false),
        _ => None,
    };
    r.ok_or_else(|| invalid_syntax("boolean", input))
}

/// Parses `[ws][+-]digits[ws]` into an i128 (None on bad syntax). Digits
/// beyond what i128 holds saturate, which is out of range for every caller.
fn parse_decimal(input: &str) -> Option<i128> {
    let t = trim_c(input);
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i128 = 0;
    for b in digits.bytes() {
        v = v.saturating_mul(10).saturating_add((b - b'0') as i128);
    }
    Some(if neg { -v } else { v })
}

fn parse_int_as(input: &str, name: &str, min: i128, max: i128) -> DbResult<i128> {
    let v = parse_decimal(input).ok_or_else(|| invalid_syntax(name, input))?;
    if v < min || v > max {
        return Err(value_out_of_range(input, name));
    }
    Ok(v)
}

/// `int2in`.
pub fn parse_int2(input: &str) -> DbResult<i16> {
    parse_int_as(input, "smallint", i16::MIN as i128, i16::MAX as i128).map(|v| v as i16)
}

/// `int4in`.
pub fn parse_int4(input: &str) -> DbResult<i32> {
    parse_int_as(input, "integer", i32::MIN as i128, i32::MAX as i128).map(|v| v as i32)
}

/// `int8in`.
pub fn parse_int8(input: &str) -> DbResult<i64> {
    parse_int_as(input, "bigint", i64::MIN as i128, i64::MAX as i128).map(|v| v as i64)
}

/// `oidin`: an unsigned 32-bit number; like PostgreSQL, negative input down
/// to `-2147483648` wraps around.
pub fn parse_oid(input: &str) -> DbResult<u32> {
    let v = parse_int_as(input, "oid", i32::MIN as i128, u32::MAX as i128)?;
    Ok(if v < 0 { (v as i32) as u32 } else { v as u32 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_spellings() {
        for s in ["t", "TRUE", " yes ", "on", "1", "tr", "Y"] {
            assert_eq!(parse_bool(s), Ok(true), "{s}");
        }
        for s in ["f", "false", "no", "off", "0", "of", "N"] {
            assert_eq!(parse_bool(s), Ok(false), "{s}");
        }
        for s in ["o", "x", "", "truex", "2", "yess"] {
            let e = parse_bool(s).unwrap_err();
            assert_eq!(e.code.code(), "22P02");
            assert_eq!(
                e.message,
                format!("invalid input syntax for type boolean: \"{s}\"")
            );
        }
    }

    #[test]
    fn integer_input() {
        assert_eq!(parse_int4(" 12 "), Ok(12));
        assert_eq!(parse_int2("+5"), Ok(5));
        assert_eq!(parse_int8("-9223372036854775808"), Ok(i64::MIN));
        let e = parse_int4("abc").unwrap_err();
        assert_eq!(e.message, "invalid input syntax for type integer: \"abc\"");
        assert_eq!(e.code.code(), "22P02");
        let e = parse_int4("99999999999").unwrap_err();
        assert_eq!(
            e.message,
            "value \"99999999999\" is out of range for type integer"
        );
        assert_eq!(e.code.code(), "22003");
        assert_eq!(
            parse_int2("32768").unwrap_err().message,
            "value \"32768\" is out of range for type smallint"
        );
        for bad in ["", " ", "1.5", "1e3", "- 1", "0x10", "1 2"] {
            assert_eq!(parse_int8(bad).unwrap_err().code.code(), "22P02", "{bad}");
        }
        assert!(parse_int8("99999999999999999999999999999999999999999999").is_err());
        assert_eq!(parse_oid("4294967295"), Ok(u32::MAX));
        assert_eq!(parse_oid("-1"), Ok(u32::MAX));
    }
}
