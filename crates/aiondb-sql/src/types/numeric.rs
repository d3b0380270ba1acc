//! `numeric`: text input, `numeric(p,s)` coercion, PostgreSQL's base-10000
//! binary format, and the rounding conversions casts use.

use super::errors::{insufficient_data, invalid_syntax, out_of_range, trim_c};
use aiondb_core::{DbError, DbResult, Numeric, SqlState};
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::{BigDecimal, RoundingMode, ToPrimitive};
use std::str::FromStr;

/// Largest decimal exponent accepted on input (keeps `1e999999999` from
/// allocating a billion digits; PostgreSQL's own format tops out nearby).
const MAX_EXPONENT: i64 = 140_000;

/// PostgreSQL's numeric format limits: 131072 digits before the point,
/// 16383 after.
const MAX_INT_DIGITS: i64 = 131_072;
const MAX_DSCALE: i64 = 16_383;

const NUMERIC_POS: u16 = 0x0000;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;

/// `numeric_in` (without a type modifier).
pub fn parse_numeric(input: &str) -> DbResult<Numeric> {
    let t = trim_c(input);
    let lower = t.to_ascii_lowercase();
    match lower.as_str() {
        "nan" => return Ok(Numeric::NaN),
        "infinity" | "+infinity" | "inf" | "+inf" => return Ok(Numeric::PosInf),
        "-infinity" | "-inf" => return Ok(Numeric::NegInf),
        _ => {}
    }
    let bad = || invalid_syntax("numeric", input);
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return Err(bad());
    }
    let mantissa_end = i;
    let mut exponent: i64 = 0;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let neg = i < b.len() && b[i] == b'-';
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            exponent = (exponent * 10 + (b[i] - b'0') as i64).min(i64::MAX / 100);
            i += 1;
        }
        if i == start {
            return Err(bad());
        }
        if neg {
            exponent = -exponent;
        }
    }
    if i != b.len() {
        return Err(bad());
    }
    if exponent.abs() > MAX_EXPONENT {
        return Err(out_of_range("value overflows numeric format"));
    }
    let mantissa = &t[..mantissa_end];
    let mantissa = mantissa.strip_suffix('.').unwrap_or(mantissa);
    let d = BigDecimal::from_str(mantissa).map_err(|_| bad())?;
    let (int, scale) = d.as_bigint_and_exponent();
    let scale = scale - exponent;
    let d = BigDecimal::new(int, scale);
    if scale > MAX_DSCALE || integer_digits(&d) > MAX_INT_DIGITS {
        return Err(out_of_range("value overflows numeric format"));
    }
    // A negative exponent of ten means no fractional digits to display.
    Ok(Numeric::Finite(if scale < 0 { d.with_scale(0) } else { d }))
}

/// The display scale (digits after the point) of a finite numeric.
pub fn dscale(d: &BigDecimal) -> i64 {
    d.as_bigint_and_exponent().1.max(0)
}

/// Number of digits before the decimal point (0 for |d| < 1).
fn integer_digits(d: &BigDecimal) -> i64 {
    let (int, scale) = d.as_bigint_and_exponent();
    if int.sign() == Sign::NoSign {
        return 0;
    }
    let len = int.magnitude().to_string().len() as i64;
    (len - scale).max(0)
}

/// `numeric(p,s)` coercion (`apply_typmod`): rounds half away from zero to
/// `s` digits and rejects values with more than `p - s` integer digits.
pub fn apply_typmod(n: Numeric, typmod: Option<(u32, u32)>) -> DbResult<Numeric> {
    let Some((p, s)) = typmod else {
        return Ok(n);
    };
    let overflow = || {
        DbError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            "numeric field overflow",
        )
    };
    match n {
        Numeric::NaN => Ok(Numeric::NaN),
        Numeric::PosInf | Numeric::NegInf => Err(overflow().with_detail(format!(
            "A field with precision {p}, scale {s} cannot hold an infinite value."
        ))),
        Numeric::Finite(d) => {
            let rounded = d.with_scale_round(s as i64, RoundingMode::HalfUp);
            let maxdigits = p as i64 - s as i64;
            if integer_digits(&rounded) > maxdigits {
                let limit = if maxdigits > 0 {
                    format!("10^{maxdigits}")
                } else {
                    "1".to_string()
                };
                return Err(overflow().with_detail(format!(
                    "A field with precision {p}, scale {s} must round to an absolute value less than {limit}."
                )));
            }
            Ok(Numeric::Finite(rounded))
        }
    }
}

/// Rounds half away from zero to an integer and converts, for
/// numeric→int casts. `type_name` is `smallint`, `integer` or `bigint`.
pub fn numeric_to_i64(n: &Numeric, type_name: &str) -> DbResult<i64> {
    match n {
        Numeric::NaN => Err(DbError::not_supported(format!(
            "cannot convert NaN to {type_name}"
        ))),
        Numeric::PosInf | Numeric::NegInf => Err(DbError::not_supported(format!(
            "cannot convert infinity to {type_name}"
        ))),
        Numeric::Finite(d) => d
            .with_scale_round(0, RoundingMode::HalfUp)
            .to_i64()
            .ok_or_else(|| out_of_range(&format!("{type_name} out of range"))),
    }
}

/// `numeric_send`: PostgreSQL's base-10000 external format.
pub fn encode_numeric(n: &Numeric) -> Vec<u8> {
    let header = |ndigits: u16, weight: i16, sign: u16, dscale: u16| {
        let mut v = Vec::with_capacity(8);
        v.extend_from_slice(&ndigits.to_be_bytes());
        v.extend_from_slice(&weight.to_be_bytes());
        v.extend_from_slice(&sign.to_be_bytes());
        v.extend_from_slice(&dscale.to_be_bytes());
        v
    };
    let d = match n {
        Numeric::NaN => return header(0, 0, NUMERIC_NAN, 0),
        // PostgreSQL 15 sends dscale 0x20 for the infinities (its
        // NUMERIC_DSCALE reads a header bit); match it byte for byte.
        Numeric::PosInf => return header(0, 0, NUMERIC_PINF, 0x20),
        Numeric::NegInf => return header(0, 0, NUMERIC_NINF, 0x20),
        Numeric::Finite(d) => d,
    };
    let text = n.to_string();
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
    let int_part = int_part.trim_start_matches('0');
    let dscale = dscale(d).min(0x3FFF) as u16;
    let mut padded_int = "0".repeat((4 - int_part.len() % 4) % 4);
    padded_int.push_str(int_part);
    let mut padded_frac = frac_part.to_string();
    padded_frac.push_str(&"0".repeat((4 - frac_part.len() % 4) % 4));
    let int_groups = padded_int.len() / 4;
    let mut groups: Vec<i16> = padded_int
        .as_bytes()
        .chunks(4)
        .chain(padded_frac.as_bytes().chunks(4))
        .map(|c| c.iter().fold(0i16, |acc, b| acc * 10 + (b - b'0') as i16))
        .collect();
    let mut weight = int_groups as i64 - 1;
    let lead = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..lead);
    weight -= lead as i64;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let sign = if neg && !groups.is_empty() {
        NUMERIC_NEG
    } else {
        NUMERIC_POS
    };
    let mut out = header(groups.len() as u16, weight as i16, sign, dscale);
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    out
}

fn be_u16(b: &[u8], at: usize) -> DbResult<u16> {
    b.get(at..at + 2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]))
        .ok_or_else(insufficient_data)
}

/// `numeric_recv`.
pub fn decode_numeric(b: &[u8]) -> DbResult<Numeric> {
    let ndigits = be_u16(b, 0)? as usize;
    let weight = be_u16(b, 2)? as i16 as i64;
    let sign = be_u16(b, 4)?;
    let dscale = be_u16(b, 6)?;
    let bad = |what: &str| {
        DbError::new(
            SqlState::INVALID_BINARY_REPRESENTATION,
            format!("invalid {what} in external \"numeric\" value"),
        )
    };
    match sign {
        NUMERIC_NAN => return Ok(Numeric::NaN),
        NUMERIC_PINF => return Ok(Numeric::PosInf),
        NUMERIC_NINF => return Ok(Numeric::NegInf),
        NUMERIC_POS | NUMERIC_NEG => {}
        _ => return Err(bad("sign")),
    }
    if dscale > 0x3FFF {
        return Err(bad("scale"));
    }
    if b.len() < 8 + 2 * ndigits {
        return Err(insufficient_data());
    }
    let mut digits = String::with_capacity(ndigits * 4);
    for i in 0..ndigits {
        let g = be_u16(b, 8 + 2 * i)?;
        if g >= 10000 {
            return Err(bad("digit"));
        }
        digits.push_str(&format!("{g:04}"));
    }
    let int = if digits.is_empty() {
        BigInt::from(0)
    } else {
        BigInt::from_str(&digits).map_err(|_| bad("digit"))?
    };
    let int = if sign == NUMERIC_NEG { -int } else { int };
    let scale = 4 * (ndigits as i64 - 1 - weight);
    let d = BigDecimal::new(int, scale).with_scale_round(dscale as i64, RoundingMode::HalfUp);
    Ok(Numeric::Finite(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Numeric {
        parse_numeric(s).expect("valid numeric")
    }

    #[test]
    fn numeric_input_matches_postgres() {
        let cases = [
            ("inf", "Infinity"),
            (" -Infinity ", "-Infinity"),
            ("1e3", "1000"),
            ("1.50", "1.50"),
            (".5", "0.5"),
            ("5.", "5"),
            ("-0.00", "0.00"),
            ("1.5e-3", "0.0015"),
            ("nan", "NaN"),
            ("+12.345E+1", "123.45"),
        ];
        for (input, want) in cases {
            assert_eq!(n(input).to_string(), want, "{input}");
        }
        for bad in ["x", "", "1e", "1.2.3", ". ", "1 2", "e5", "--1"] {
            let e = parse_numeric(bad).unwrap_err();
            assert_eq!(e.code.code(), "22P02", "{bad}");
        }
        assert_eq!(
            parse_numeric("x").unwrap_err().message,
            "invalid input syntax for type numeric: \"x\""
        );
        assert!(parse_numeric("1e999999999").is_err());
        assert_eq!(
            parse_numeric("1e-20000").unwrap_err().message,
            "value overflows numeric format"
        );
        assert!(parse_numeric("1e131071").is_ok());
        assert!(parse_numeric("1e131072").is_err());
    }

    #[test]
    fn typmod_rounds_and_overflows_like_postgres() {
        let t = |s: &str, p, sc| apply_typmod(n(s), Some((p, sc))).map(|v| v.to_string());
        assert_eq!(t("123.456", 5, 2).as_deref(), Ok("123.46"));
        assert_eq!(t("0.5", 5, 0).as_deref(), Ok("1"));
        assert_eq!(t("-0.5", 5, 0).as_deref(), Ok("-1"));
        assert_eq!(t("0.001", 3, 3).as_deref(), Ok("0.001"));
        assert_eq!(t("2", 5, 2).as_deref(), Ok("2.00"));
        assert_eq!(t("NaN", 5, 2).as_deref(), Ok("NaN"));
        let e = t("1234.5", 5, 2).unwrap_err();
        assert_eq!(e.code.code(), "22003");
        assert_eq!(e.message, "numeric field overflow");
        assert_eq!(
            e.detail.as_deref(),
            Some(
                "A field with precision 5, scale 2 must round to an absolute value less than 10^3."
            )
        );
        assert_eq!(
            t("1", 3, 3).unwrap_err().detail.as_deref(),
            Some("A field with precision 3, scale 3 must round to an absolute value less than 1.")
        );
        assert_eq!(
            t("infinity", 5, 2).unwrap_err().detail.as_deref(),
            Some("A field with precision 5, scale 2 cannot hold an infinite value.")
        );
        assert!(t("999.995", 5, 2).is_err());
    }

    #[test]
    fn numeric_binary_layout() {
        // 12345.678: weight 1, digits [1, 2345, 6780], dscale 3.
        let b = encode_numeric(&n("12345.678"));
        assert_eq!(
            b,
            vec![0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1A, 0x7C]
        );
        assert_eq!(encode_numeric(&n("0")), vec![0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(encode_numeric(&n("0.00")), vec![0, 0, 0, 0, 0, 0, 0, 2]);
        assert_eq!(
            encode_numeric(&n("-0.0012")),
            vec![0, 1, 0xFF, 0xFF, 0x40, 0, 0, 4, 0, 12]
        );
        // Golden bytes from PostgreSQL 15's numeric_send.
        let hex = |v: &[u8]| v.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(&encode_numeric(&Numeric::NaN)), "00000000c0000000");
        assert_eq!(hex(&encode_numeric(&Numeric::PosInf)), "00000000d0000020");
        assert_eq!(hex(&encode_numeric(&Numeric::NegInf)), "00000000f0000020");
        assert_eq!(hex(&encode_numeric(&n("1e20"))), "00010005000000000001");
        assert_eq!(
            hex(&encode_numeric(&n("0.00000001"))),
            "0001fffe000000080001"
        );
        assert_eq!(
            hex(&encode_numeric(&n("10000.0000"))),
            "00010001000000040001"
        );
        for s in [
            "0",
            "1",
            "-1",
            "10000",
            "1e20",
            "0.00000001",
            "-123.4500",
            "NaN",
            "Infinity",
            "-Infinity",
            "99999999.99999999",
            "0.1",
        ] {
            let v = n(s);
            let back = decode_numeric(&encode_numeric(&v)).expect("decodes");
            assert_eq!(back.to_string(), v.to_string(), "{s}");
        }
        assert!(decode_numeric(&[0, 1, 0, 0]).is_err());
        assert!(decode_numeric(&[0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10]).is_err());
        assert!(decode_numeric(&[0, 0, 0, 0, 0x12, 0, 0, 0]).is_err());
    }

    #[test]
    fn numeric_to_int_rounds_half_away() {
        assert_eq!(numeric_to_i64(&n("2.5"), "integer"), Ok(3));
        assert_eq!(numeric_to_i64(&n("-2.5"), "integer"), Ok(-3));
        assert_eq!(numeric_to_i64(&n("2.49"), "integer"), Ok(2));
        assert_eq!(
            numeric_to_i64(&Numeric::NaN, "integer")
                .unwrap_err()
                .message,
            "cannot convert NaN to integer"
        );
        assert!(numeric_to_i64(&n("1e30"), "bigint").is_err());
    }
}
