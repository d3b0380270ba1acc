//! Cases checked against PostgreSQL 15's output for `to_char(number, text)`.

use super::*;

fn arg(ty: &str, v: &str) -> NumArg {
    match ty {
        "int4" => NumArg::Int(v.parse().unwrap(), false),
        "int8" => NumArg::Int(v.parse().unwrap(), true),
        "numeric" => NumArg::Numeric(v.parse().unwrap()),
        "float8" => NumArg::Float8(v.parse().unwrap()),
        "float4" => NumArg::Float4(v.parse().unwrap()),
        _ => unreachable!(),
    }
}

/// (type, value, template, PostgreSQL 15 output)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "int8",
        "4567890123456789",
        r#"9G999G999G999G999G999"#,
        r#" 4,567,890,123,456,789"#,
    ),
    (
        "int8",
        "-4567890123456789",
        r#"9,999,999,999,999,999.999,999"#,
        r#"-4,567,890,123,456,789.000,000"#,
    ),
    (
        "int8",
        "-123",
        r#"9999999999999999PR"#,
        r#"             <123>"#,
    ),
    (
        "int8",
        "4567890123456789",
        r#"9999999999999999.999PR"#,
        r#" 4567890123456789.000 "#,
    ),
    (
        "int8",
        "-123",
        r#"9999999999999999S"#,
        r#"             123-"#,
    ),
    (
        "int8",
        "-456",
        r#"S9999999999999999"#,
        r#"             -456"#,
    ),
    (
        "int8",
        "456",
        r#"MI9999999999999999"#,
        r#"              456"#,
    ),
    ("int8", "456", r#"FMS9999999999999999"#, r#"+456"#),
    ("int8", "123", r#"FM9999999999999999THPR"#, r#"123RD"#),
    (
        "int8",
        "-4567890123456789",
        r#"FM9999999999999999THPR"#,
        r#"<4567890123456789>"#,
    ),
    (
        "int8",
        "123",
        r#"SG9999999999999999th"#,
        r#"+             123rd"#,
    ),
    ("int8", "456", r#"0999999999999999"#, r#" 0000000000000456"#),
    (
        "int8",
        "456",
        r#"S0999999999999999"#,
        r#"+0000000000000456"#,
    ),
    (
        "int8",
        "-4567890123456789",
        r#"FM0999999999999999"#,
        r#"-4567890123456789"#,
    ),
    ("int8", "456", r#"FM9999999999999999.999"#, r#"456."#),
    (
        "int8",
        "456",
        r#"L9999999999999999.000"#,
        r#"               456.000"#,
    ),
    (
        "int8",
        "456",
        r#"S 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 . 9 9 9"#,
        r#"                           +4 5 6 . 0 0 0"#,
    ),
    (
        "int8",
        "456",
        r#"99999 "text" 9999 "9999" 999 ""text between quote marks"" 9999"#,
        r#"      text      9999     text etween quote mark  +456"#,
    ),
    (
        "int8",
        "4567890123456789",
        r#"999999SG9999999999"#,
        r#"456789+0123456789"#,
    ),
    ("int4", "12345", r#"999"#, r#" ###"#),
    ("int4", "5", r#"9.99"#, r#" 5.00"#),
    ("int4", "-5", r#"FM9.99"#, r#"-5."#),
    ("int4", "0", r#"9.9"#, r#"  .0"#),
    ("int4", "0", r#"FM9.9"#, r#"0."#),
    ("int4", "11", r#"FMRN"#, r#"XI"#),
    ("int4", "1994", r#"rn"#, r#"        mcmxciv"#),
    ("int4", "12", r#"999V99"#, r#"  1200"#),
    ("int4", "123", r#"9.9EEEE"#, r#" 1.2e+02"#),
    ("int4", "21", r#"99th"#, r#" 21st"#),
    ("int4", "-7", r#"PL999"#, r#"   -7"#),
    ("int4", "7", r#"PL999"#, r#"+   7"#),
    ("int4", "7", r#"MI999"#, r#"   7"#),
    ("int4", "-7", r#"999MI"#, r#"  7-"#),
    ("int4", "1234", r#"FM9,999"#, r#"1,234"#),
    ("int4", "12", r#"FM9,999"#, r#"12"#),
    ("numeric", "0.1", r#"9.9"#, r#"  .1"#),
    ("numeric", "-0.1", r#"9.9"#, r#" -.1"#),
    ("numeric", "0.1", r#"FM9.9"#, r#".1"#),
    ("numeric", "-0.5", r#"FM0.99"#, r#"-0.5"#),
    ("numeric", "100", r#"FM999.9"#, r#"100."#),
    ("numeric", "100", r#"FM999."#, r#"100"#),
    ("numeric", "100", r#"foo999"#, r#"foo 100"#),
    ("numeric", "100", r#"foo999"#, r#"foo 100"#),
    ("numeric", "100", r#"f"ool"999"#, r#"fool 100"#),
    ("numeric", "9.9999", r#"9.999EEEE"#, r#" 10.000e+00"#),
    ("numeric", "-0.000123", r#"9.99EEEE"#, r#"-1.23e-04"#),
    ("numeric", "1e300", r#"9.999EEEE"#, r#" 1.000e+300"#),
    ("numeric", "NaN", r#"9.999EEEE"#, r#" #.#######"#),
    ("numeric", "NaN", r#"999"#, r#" NaN"#),
    (
        "numeric",
        "-34338492.215397047",
        r#"FM9999999999999999.999999999999999THPR"#,
        r#"<34338492.215397047>"#,
    ),
    (
        "numeric",
        "-34338492.215397047",
        r#"9999999999999999.999999999999999PR"#,
        r#"        <34338492.215397047000000>"#,
    ),
    (
        "numeric",
        "0",
        r#"S0999999999999999.999999999999999"#,
        r#"+0000000000000000.000000000000000"#,
    ),
    (
        "numeric",
        "4.31",
        r#"FM9999999999990999.990999999999999"#,
        r#"0004.310"#,
    ),
    (
        "numeric",
        "7799461.4119",
        r#"FM0999999999999999.999909999999999"#,
        r#"0000000007799461.41190"#,
    ),
    ("numeric", "12.5", r#"999V9"#, r#"  125"#),
    ("numeric", "0.5", r#"99"#, r#"  1"#),
    ("numeric", "-0.4", r#"99"#, r#"  0"#),
    ("numeric", "1e-20", r#"0.99"#, r#" 0.00"#),
    (
        "float8",
        "12345678901",
        r#"FM9999999999D9999900000000000000000"#,
        r#"##########.####"#,
    ),
    ("float8", "-0.0", r#"9.9"#, r#" -.0"#),
    ("float8", "1.5", r#"RN"#, r#"             II"#),
    ("float8", "1e100", r#"9.99EEEE"#, r#" 1.00e+100"#),
    ("float8", "inf", r#"9.99EEEE"#, r#" #.######"#),
    ("float8", "-inf", r#"9999"#, r#"-####"#),
    ("float8", "0.125", r#"9.99"#, r#"  .12"#),
    (
        "float8",
        "123456789012345678",
        r#"999999999999999999.99"#,
        r#" 123456789012345680"#,
    ),
    ("float4", "1.5", r#"9.99"#, r#" 1.50"#),
    ("float4", "123456.7", r#"999999.99"#, r#" 123457"#),
    ("float4", "NaN", r#"99"#, r#" ##"#),
    ("int4", "-1", r#"FMSG9"#, r#"-1"#),
    ("int4", "5", r#"FM9SG"#, r#"5+"#),
];

#[test]
fn matches_postgresql() {
    for &(ty, v, fmt, want) in CASES {
        let got = to_char(arg(ty, v), fmt).unwrap();
        assert_eq!(got, want, "to_char({v}::{ty}, {fmt:?})");
    }
}

#[test]
fn errors_instead_of_panics() {
    let e = to_char(NumArg::Int(5_000_000_000, true), "RN").unwrap_err();
    assert_eq!(e.code, SqlState::NUMERIC_VALUE_OUT_OF_RANGE);
    let e = to_char(NumArg::Numeric(Numeric::NaN), "999th").unwrap_err();
    assert_eq!(e.code, SqlState::INVALID_TEXT_REPRESENTATION);
    let e = to_char(NumArg::Int(1, false), "9.9.9").unwrap_err();
    assert_eq!(e.code, SqlState::SYNTAX_ERROR);
    assert_eq!(to_char(NumArg::Int(1, false), "").unwrap(), "");
}
