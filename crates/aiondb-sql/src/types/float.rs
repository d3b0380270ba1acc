//! `real` and `double precision`: input, and output as `float4out` /
//! `float8out` print it.
//!
//! With `extra_float_digits > 0` (the default since PostgreSQL 12) output
//! is the shortest string that reads back to the same value, in fixed
//! notation when the decimal exponent is in `-4 ..< 15` (float8) or
//! `-4 ..< 6` (float4) and as `d.ddde±XX` otherwise. With
//! `extra_float_digits <= 0` it is C's `%.*g` with `DBL_DIG` (15) or
//! `FLT_DIG` (6) plus `extra_float_digits` significant digits.

use super::errors::{float_out_of_range, invalid_syntax, trim_c};
use aiondb_core::DbResult;

/// Checks the syntax strtod accepts (decimal only) and whether any mantissa
/// digit is non-zero. `None` for bad syntax.
fn check_syntax(t: &str) -> Option<bool> {
    let lower = t.to_ascii_lowercase();
    let body = lower.strip_prefix(['+', '-']).unwrap_or(&lower);
    if matches!(body, "inf" | "infinity" | "nan") {
        return Some(true);
    }
    let b = body.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    let mut nonzero = false;
    while i < b.len() && (b[i].is_ascii_digit()) {
        nonzero |= b[i] != b'0';
        digits += 1;
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            nonzero |= b[i] != b'0';
            digits += 1;
            i += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && b[i] == b'e' {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    (i == b.len()).then_some(nonzero)
}

/// `float8in`.
pub fn parse_float8(input: &str) -> DbResult<f64> {
    let t = trim_c(input);
    let nonzero = check_syntax(t).ok_or_else(|| invalid_syntax("double precision", input))?;
    let v: f64 = t
        .parse()
        .map_err(|_| invalid_syntax("double precision", input))?;
    let literal_inf = t.to_ascii_lowercase().contains("inf");
    if (v.is_infinite() && !literal_inf) || (v == 0.0 && nonzero) {
        return Err(float_out_of_range(input, "double precision"));
    }
    Ok(v)
}

/// `float4in`.
pub fn parse_float4(input: &str) -> DbResult<f32> {
    let t = trim_c(input);
    let nonzero = check_syntax(t).ok_or_else(|| invalid_syntax("real", input))?;
    let v: f32 = t.parse().map_err(|_| invalid_syntax("real", input))?;
    let literal_inf = t.to_ascii_lowercase().contains("inf");
    if (v.is_infinite() && !literal_inf) || (v == 0.0 && nonzero) {
        return Err(float_out_of_range(input, "real"));
    }
    Ok(v)
}

/// Splits Rust's `{:e}` output (`-1.2345e-7`) into sign, digits, exponent.
fn split_exp(s: &str) -> (bool, String, i32) {
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    (neg, digits, exp.parse().unwrap_or(0))
}

/// Lays out significant `digits` with decimal exponent `exp` (of the first
/// digit), fixed when `-4 <= exp < fixed_limit`, else exponent form.
fn layout(neg: bool, digits: &str, exp: i32, fixed_limit: i32) -> String {
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::with_capacity(digits.len() + 8);
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= fixed_limit {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    } else if exp < 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        out.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// Rust's shortest digits round an exact tie half up; PostgreSQL's Ryū
/// rounds it to even (`2395271.25::float4` is `2.3952712e+06`). `exact` is
/// the value (exact in f64), `round_trips` checks a candidate.
fn tie_to_even(exact: f64, digits: String, exp: i32, round_trips: impl Fn(&str) -> bool) -> String {
    let n = digits.len();
    let (_, probe, pe) = split_exp(&format!("{:.*e}", n, exact));
    if !probe.ends_with('5') || pe != exp {
        return digits;
    }
    // A tie needs the exact expansion to end in that 5; a double has at
    // most 767 significant digits.
    let (_, full, fe) = split_exp(&format!("{exact:.800e}"));
    let is_tie = fe == exp
        && full.len() > n
        && full.as_bytes()[n] == b'5'
        && full[n + 1..].bytes().all(|b| b == b'0');
    if !is_tie {
        return digits;
    }
    let trunc = &full[..n];
    let even = trunc.as_bytes()[n - 1] % 2 == 0;
    let candidate = format!("{}.{}e{exp}", &trunc[..1], &trunc[1..]);
    if even && trunc != digits && round_trips(&candidate) {
        trunc.to_string()
    } else {
        digits
    }
}

fn special(v: f64) -> Option<String> {
    if v.is_nan() {
        Some("NaN".into())
    } else if v.is_infinite() {
        Some(if v > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else if v == 0.0 {
        Some(if v.is_sign_negative() { "-0" } else { "0" }.into())
    } else {
        None
    }
}

/// C's `%.*g` with `precision` significant digits.
pub fn format_g(v: f64, precision: usize) -> String {
    let p = precision.max(1);
    let (neg, digits, exp) = split_exp(&format!("{:.*e}", p - 1, v));
    layout(neg, &digits, exp, p as i32)
}

/// `float8out` under the given `extra_float_digits`.
pub fn format_float8(v: f64, extra_float_digits: i32) -> String {
    if let Some(s) = special(v) {
        return s;
    }
    if extra_float_digits > 0 {
        let (neg, digits, exp) = split_exp(&format!("{v:e}"));
        let digits = tie_to_even(v.abs(), digits, exp, |c| c.parse::<f64>() == Ok(v.abs()));
        layout(neg, &digits, exp, 15)
    } else {
        format_g(v, (15 + extra_float_digits).max(1) as usize)
    }
}

/// PostgreSQL's shortest float4 output never ends exactly halfway to a
/// neighbouring float4 (its Ryu does not accept the interval's bounds,
/// where Rust's shortest formatting does when the mantissa is even): such
/// digits get the next-longer correctly rounded form instead, e.g.
/// 33554448 prints as 3.3554448e+07, not 3.355445e+07.
fn off_boundary_f32(a: f32, digits: String, exp: i32) -> (String, i32) {
    let on_boundary = |digits: &str, exp: i32| {
        let Ok(d) = format!("{}.{}e{exp}", &digits[..1], &digits[1..]).parse::<f64>() else {
            return false;
        };
        let x = a as f64;
        let up = f32::from_bits(a.to_bits() + 1) as f64;
        let down = f32::from_bits(a.to_bits() - 1) as f64;
        // Sums of two float4s halve exactly in a double; the parse may
        // round, so a match is confirmed on the midpoint's exact decimal
        // expansion (at most ~110 significant digits for a float4's).
        [(x + up) / 2.0, (x + down) / 2.0].iter().any(|&mid| {
            if d != mid {
                return false;
            }
            let (_, exact, exact_exp) = split_exp(&format!("{mid:.120e}"));
            exact_exp == exp && exact.trim_end_matches('0') == digits.trim_end_matches('0')
        })
    };
    if a == 0.0 || !a.is_finite() || !on_boundary(&digits, exp) {
        return (digits, exp);
    }
    for precision in digits.len() + 1..=9 {
        let text = format!("{:.*e}", precision - 1, a);
        let (_, longer, longer_exp) = split_exp(&text);
        if text.parse::<f32>() == Ok(a) && !on_boundary(&longer, longer_exp) {
            return (longer, longer_exp);
        }
    }
    (digits, exp)
}

/// `float4out` under the given `extra_float_digits`.
pub fn format_float4(v: f32, extra_float_digits: i32) -> String {
    if let Some(s) = special(v as f64) {
        return s;
    }
    if extra_float_digits > 0 {
        let (neg, digits, exp) = split_exp(&format!("{v:e}"));
        let a = v.abs();
        let digits = tie_to_even(a as f64, digits, exp, |c| c.parse::<f32>() == Ok(a));
        let (digits, exp) = off_boundary_f32(a, digits, exp);
        layout(neg, &digits, exp, 6)
    } else {
        format_g(v as f64, (6 + extra_float_digits).max(1) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden outputs from PostgreSQL 15 (`extra_float_digits = 1`).
    #[test]
    fn float8_shortest_matches_postgres() {
        let cases: &[(f64, &str)] = &[
            (1e15, "1e+15"),
            (123456789012345.0, "123456789012345"),
            (1e16, "1e+16"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e20, "1e+20"),
            (-0.0, "-0"),
            (0.0, "0"),
            (1.0 / 3.0, "0.3333333333333333"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (f64::NAN, "NaN"),
            (1.5, "1.5"),
            (-2.25e-300, "-2.25e-300"),
            (100.0, "100"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ];
        for (v, want) in cases {
            assert_eq!(format_float8(*v, 1), *want, "{v}");
        }
    }

    #[test]
    fn float4_shortest_matches_postgres() {
        let cases: &[(f32, &str)] = &[
            (1.5e-7, "1.5e-07"),
            (1234567.0, "1.234567e+06"),
            (123456.0, "123456"),
            (1e6, "1e+06"),
            (0.0001, "0.0001"),
            (0.1, "0.1"),
            (3.4e38, "3.4e+38"),
            (f32::NEG_INFINITY, "-Infinity"),
            (9_581_085.0 / 4.0, "2.3952712e+06"),
            (-9_581_085.0 / 4.0, "-2.3952712e+06"),
            // Shortest digits that lie exactly halfway to a neighbour.
            (f32::from_bits(0x4c00_0004), "3.3554448e+07"),
            (f32::from_bits(0x5006_1c46), "8.999999e+09"),
            (f32::from_bits(0x5100_06a8), "3.4366718e+10"),
            // Parses to a double equal to a midpoint without being one.
            (f32::from_bits(0x15ae_43fd), "7.038531e-26"),
        ];
        for (v, want) in cases {
            assert_eq!(format_float4(*v, 1), *want, "{v}");
        }
    }

    /// Golden outputs from PostgreSQL 15 with `extra_float_digits = 0`.
    #[test]
    fn float_g_format_matches_postgres() {
        assert_eq!(format_float8(1e20, 0), "1e+20");
        assert_eq!(format_float8(1.0 / 3.0, 0), "0.333333333333333");
        assert_eq!(format_float8(1e15, 0), "1e+15");
        assert_eq!(
            format_float8(123456789012345678.0, 0),
            "1.23456789012346e+17"
        );
        assert_eq!(format_float8(0.00001, 0), "1e-05");
        assert_eq!(format_float4(0.1, 0), "0.1");
        assert_eq!(format_float8(0.1, -15), "0.1");
        assert_eq!(format_float8(9.99999, -13), "10");
    }

    #[test]
    fn float_input() {
        assert_eq!(parse_float8(" 1.5e3 "), Ok(1500.0));
        assert_eq!(parse_float8("-Infinity"), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_float8("inf"), Ok(f64::INFINITY));
        assert!(parse_float8("NaN").is_ok_and(|v| v.is_nan()));
        assert_eq!(parse_float8(".5"), Ok(0.5));
        assert_eq!(parse_float8("5."), Ok(5.0));
        let e = parse_float8("1e400").unwrap_err();
        assert_eq!(e.code.code(), "22003");
        assert_eq!(
            e.message,
            "\"1e400\" is out of range for type double precision"
        );
        assert_eq!(
            parse_float8("1e-400").unwrap_err().message,
            "\"1e-400\" is out of range for type double precision"
        );
        assert_eq!(
            parse_float4("1e39").unwrap_err().message,
            "\"1e39\" is out of range for type real"
        );
        let e = parse_float8("abc").unwrap_err();
        assert_eq!(e.code.code(), "22P02");
        assert_eq!(
            e.message,
            "invalid input syntax for type double precision: \"abc\""
        );
        for bad in ["", "1e", "e5", "1.2.3", "--1", "infinit", "0x10"] {
            assert!(parse_float8(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_float8("0e10"), Ok(0.0));
    }
}
