//! One-dimensional arrays in text form: `{1,2,3}`, `{"a b",NULL,"x\"y"}`.
//!
//! Output (`array_out`) double-quotes an element when it is empty, is
//! `NULL` in any case, or contains `"`, `\`, `{`, `}`, `,` or whitespace,
//! and backslash-escapes `"` and `\` inside quotes. Input (`array_in`)
//! accepts the same plus unquoted backslash escapes, whitespace around
//! elements and an optional `[lo:hi]=` dimension decoration.

use super::errors::is_c_space;
use super::{FormatOptions, format_text, parse_text};
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};

fn malformed(input: &str, detail: &str) -> DbError {
    DbError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        format!("malformed array literal: \"{input}\""),
    )
    .with_detail(detail.to_string())
}

/// Parses `[lo:hi]=` and returns the declared element count.
fn parse_dims(chars: &[char], i: &mut usize, input: &str) -> DbResult<Option<i64>> {
    if chars.get(*i) != Some(&'[') {
        return Ok(None);
    }
    let close = chars[*i..]
        .iter()
        .position(|c| *c == ']')
        .ok_or_else(|| malformed(input, "Missing \"]\" after array dimensions."))?;
    let spec: String = chars[*i + 1..*i + close].iter().collect();
    *i += close + 1;
    if chars.get(*i) == Some(&'[') {
        return Err(DbError::not_supported(
            "multidimensional arrays are not supported",
        ));
    }
    let (lo, hi) = match spec.split_once(':') {
        Some((lo, hi)) => (lo.trim().parse::<i64>(), hi.trim().parse::<i64>()),
        None => (Ok(1), spec.trim().parse::<i64>()),
    };
    let (Ok(lo), Ok(hi)) = (lo, hi) else {
        return Err(malformed(
            input,
            "\"[\" must introduce explicitly-specified array dimensions.",
        ));
    };
    if hi < lo {
        return Err(DbError::new(
            SqlState::from_static("2202E"),
            "upper bound cannot be less than lower bound",
        ));
    }
    while chars.get(*i).is_some_and(|c| is_c_space(*c)) {
        *i += 1;
    }
    if chars.get(*i) != Some(&'=') {
        return Err(malformed(input, "Missing \"=\" after array dimensions."));
    }
    *i += 1;
    Ok(Some(hi - lo + 1))
}

/// `array_in` for a one-dimensional array of `elem`.
pub fn parse_array(input: &str, elem: &DataType, opts: &FormatOptions) -> DbResult<Vec<Value>> {
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while chars.get(*i).is_some_and(|c| is_c_space(*c)) {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    let declared = parse_dims(&chars, &mut i, input)?;
    skip_ws(&mut i);
    if chars.get(i) != Some(&'{') {
        return Err(malformed(
            input,
            "Array value must start with \"{\" or dimension information.",
        ));
    }
    i += 1;
    let mut out = Vec::new();
    skip_ws(&mut i);
    if chars.get(i) == Some(&'}') {
        i += 1;
    } else {
        loop {
            skip_ws(&mut i);
            let mut text = String::new();
            let mut quoted = false;
            let mut escaped = false;
            match chars.get(i) {
                None => return Err(malformed(input, "Unexpected end of input.")),
                Some('{') => {
                    return Err(DbError::not_supported(
                        "multidimensional arrays are not supported",
                    ));
                }
                Some('"') => {
                    quoted = true;
                    i += 1;
                    loop {
                        match chars.get(i) {
                            None => return Err(malformed(input, "Unexpected end of input.")),
                            Some('\\') => {
                                let c = chars
                                    .get(i + 1)
                                    .ok_or_else(|| malformed(input, "Unexpected end of input."))?;
                                text.push(*c);
                                i += 2;
                            }
                            Some('"') => {
                                i += 1;
                                break;
                            }
                            Some(c) => {
                                text.push(*c);
                                i += 1;
                            }
                        }
                    }
                    skip_ws(&mut i);
                    if !matches!(chars.get(i), Some(',' | '}') | None) {
                        return Err(malformed(input, "Unexpected array element."));
                    }
                }
                Some(_) => {
                    // Unquoted: up to `,` or `}`; trailing blanks dropped
                    // unless escaped.
                    let mut keep = 0;
                    loop {
                        match chars.get(i) {
                            None => return Err(malformed(input, "Unexpected end of input.")),
                            Some(',' | '}') => break,
                            Some('"') => {
                                return Err(malformed(input, "Unexpected array element."));
                            }
                            Some('{') => {
                                return Err(malformed(input, "Unexpected \"{\" character."));
                            }
                            Some('\\') => {
                                let c = chars
                                    .get(i + 1)
                                    .ok_or_else(|| malformed(input, "Unexpected end of input."))?;
                                text.push(*c);
                                escaped = true;
                                keep = text.len();
                                i += 2;
                            }
                            Some(c) => {
                                text.push(*c);
                                if !is_c_space(*c) {
                                    keep = text.len();
                                }
                                i += 1;
                            }
                        }
                    }
                    text.truncate(keep);
                    if text.is_empty() {
                        return Err(malformed(
                            input,
                            &format!("Unexpected \"{}\" character.", chars[i]),
                        ));
                    }
                }
            }
            if !quoted && !escaped && text.eq_ignore_ascii_case("null") {
                out.push(Value::Null);
            } else {
                out.push(parse_text(&text, elem, opts)?);
            }
            match chars.get(i) {
                Some(',') => i += 1,
                Some('}') => {
                    i += 1;
                    break;
                }
                Some(c) => return Err(malformed(input, &format!("Unexpected \"{c}\" character."))),
                None => return Err(malformed(input, "Unexpected end of input.")),
            }
        }
    }
    skip_ws(&mut i);
    if i != chars.len() {
        return Err(malformed(input, "Junk after closing right brace."));
    }
    if let Some(n) = declared
        && n != out.len() as i64
    {
        return Err(malformed(
            input,
            "Specified array dimensions do not match array contents.",
        ));
    }
    Ok(out)
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.eq_ignore_ascii_case("null")
        || s.chars()
            .any(|c| matches!(c, '"' | '\\' | '{' | '}' | ',') || is_c_space(c))
}

/// `array_out` for a one-dimensional array.
pub fn format_array(items: &[Value], elem: &DataType, opts: &FormatOptions) -> DbResult<String> {
    if matches!(elem, DataType::Array(_)) {
        return Err(DbError::not_supported(
            "multidimensional arrays are not supported",
        ));
    }
    let mut out = String::from("{");
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if v.is_null() {
            out.push_str("NULL");
            continue;
        }
        let s = format_text(v, elem, opts)?;
        if needs_quotes(&s) {
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(&s);
        }
    }
    out.push('}');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> FormatOptions {
        FormatOptions::default()
    }

    #[test]
    fn text_arrays_round_trip_with_quoting() {
        let v = parse_array(
            r#"{"a b",NULL,"x\"y", plain , "NULL",""}"#,
            &DataType::Text,
            &opts(),
        )
        .expect("parses");
        assert_eq!(
            v,
            vec![
                Value::Text("a b".into()),
                Value::Null,
                Value::Text("x\"y".into()),
                Value::Text("plain".into()),
                Value::Text("NULL".into()),
                Value::Text(String::new()),
            ]
        );
        assert_eq!(
            format_array(&v, &DataType::Text, &opts()).as_deref(),
            Ok(r#"{"a b",NULL,"x\"y",plain,"NULL",""}"#)
        );
        let back = format_array(
            &[Value::Text("a\\b".into()), Value::Text("{x}".into())],
            &DataType::Text,
            &opts(),
        );
        assert_eq!(back.as_deref(), Ok(r#"{"a\\b","{x}"}"#));
    }

    #[test]
    fn typed_arrays() {
        let v = parse_array(" { 1 ,2,3 } ", &DataType::Int4, &opts()).expect("parses");
        assert_eq!(v, vec![Value::Int4(1), Value::Int4(2), Value::Int4(3)]);
        assert_eq!(
            format_array(&v, &DataType::Int4, &opts()).as_deref(),
            Ok("{1,2,3}")
        );
        assert_eq!(parse_array("{}", &DataType::Int4, &opts()), Ok(vec![]));
        assert_eq!(
            format_array(&[], &DataType::Int4, &opts()).as_deref(),
            Ok("{}")
        );
        assert_eq!(
            parse_array("[1:2]={7,8}", &DataType::Int4, &opts()).map(|v| v.len()),
            Ok(2)
        );
        let ts = parse_array(r#"{"2024-01-31 13:45:00"}"#, &DataType::Timestamp, &opts())
            .expect("parses");
        assert_eq!(
            format_array(&ts, &DataType::Timestamp, &opts()).as_deref(),
            Ok(r#"{"2024-01-31 13:45:00"}"#)
        );
        let e = parse_array("{1,x}", &DataType::Int4, &opts()).unwrap_err();
        assert_eq!(e.message, "invalid input syntax for type integer: \"x\"");
    }

    #[test]
    fn malformed_arrays() {
        for (bad, detail) in [
            (
                "1,2",
                "Array value must start with \"{\" or dimension information.",
            ),
            ("{1,2", "Unexpected end of input."),
            ("{1,2}x", "Junk after closing right brace."),
            ("{1,,2}", "Unexpected \",\" character."),
            ("{\"a\"b}", "Unexpected array element."),
            ("{a\"b}", "Unexpected array element."),
            ("{,}", "Unexpected \",\" character."),
            ("{a,}", "Unexpected \"}\" character."),
            (
                "[1:3]={1}",
                "Specified array dimensions do not match array contents.",
            ),
        ] {
            let e = parse_array(bad, &DataType::Text, &opts()).unwrap_err();
            assert_eq!(e.code.code(), "22P02", "{bad}");
            assert_eq!(e.message, format!("malformed array literal: \"{bad}\""));
            assert_eq!(e.detail.as_deref(), Some(detail), "{bad}");
        }
        assert_eq!(
            parse_array("{{1},{2}}", &DataType::Int4, &opts())
                .unwrap_err()
                .code
                .code(),
            "0A000"
        );
    }
}
