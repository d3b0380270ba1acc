//! `text`, `varchar(n)` and `char(n)`: input with length checks, and the
//! silent truncation explicit casts apply.
//!
//! Lengths count characters, not bytes. On input (`varcharin`, `bpcharin`)
//! a value longer than `n` is an error unless everything past `n` is
//! spaces, which are then dropped. `char(n)` pads with spaces to `n`.
//! An explicit cast truncates silently (SQL standard).

use super::errors::{bad_utf8, string_too_long};
use aiondb_core::{DataType, DbResult};

/// Text input: any string without NUL characters.
pub fn check_text(input: &str) -> DbResult<String> {
    if input.contains('\0') {
        return Err(bad_utf8(&[0]));
    }
    Ok(input.to_string())
}

/// Splits at character `n`: `(head, tail)`.
fn split_chars(s: &str, n: u32) -> (&str, &str) {
    match s.char_indices().nth(n as usize) {
        Some((i, _)) => s.split_at(i),
        None => (s, ""),
    }
}

/// Input checking for a length-limited string type.
fn check_length<'a>(input: &'a str, n: u32, ty: &DataType) -> DbResult<&'a str> {
    let (head, tail) = split_chars(input, n);
    if tail.chars().all(|c| c == ' ') {
        Ok(head)
    } else {
        Err(string_too_long(ty))
    }
}

fn pad(s: &str, n: u32) -> String {
    let len = s.chars().count();
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', (n as usize).saturating_sub(len)));
    out
}

/// `varcharin` with typmod.
pub fn parse_varchar(input: &str, n: Option<u32>) -> DbResult<String> {
    let s = check_text(input)?;
    match n {
        None => Ok(s),
        Some(n) => check_length(&s, n, &DataType::Varchar(Some(n))).map(str::to_string),
    }
}

/// `bpcharin` with typmod: checked, then blank-padded to `n`.
pub fn parse_char(input: &str, n: Option<u32>) -> DbResult<String> {
    let s = check_text(input)?;
    match n {
        None => Ok(s),
        Some(n) => check_length(&s, n, &DataType::Char(Some(n))).map(|h| pad(h, n)),
    }
}

/// Explicit cast to `varchar(n)`: silent truncation.
pub fn truncate_varchar(s: &str, n: Option<u32>) -> String {
    match n {
        None => s.to_string(),
        Some(n) => split_chars(s, n).0.to_string(),
    }
}

/// Explicit cast to `char(n)`: silent truncation, then padding.
pub fn truncate_char(s: &str, n: Option<u32>) -> String {
    match n {
        None => s.to_string(),
        Some(n) => pad(split_chars(s, n).0, n),
    }
}

/// `char(n)` to text or varchar drops trailing spaces (`rtrim`).
pub fn bpchar_to_text(s: &str) -> String {
    s.trim_end_matches(' ').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varchar_and_char_lengths() {
        assert_eq!(parse_varchar("abc", Some(3)).as_deref(), Ok("abc"));
        assert_eq!(parse_varchar("ab   ", Some(2)).as_deref(), Ok("ab"));
        let e = parse_varchar("abcd", Some(3)).unwrap_err();
        assert_eq!(e.code.code(), "22001");
        assert_eq!(e.message, "value too long for type character varying(3)");
        assert_eq!(parse_char("abc", Some(5)).as_deref(), Ok("abc  "));
        assert_eq!(
            parse_char("abcdef", Some(5)).unwrap_err().message,
            "value too long for type character(5)"
        );
        assert_eq!(parse_char("ab     ", Some(3)).as_deref(), Ok("ab "));
        assert_eq!(parse_varchar("héllo", Some(5)).as_deref(), Ok("héllo"));
        assert_eq!(truncate_varchar("abcdef", Some(3)), "abc");
        assert_eq!(truncate_char("héllo", Some(2)), "hé");
        assert_eq!(truncate_char("a", Some(3)), "a  ");
        assert_eq!(bpchar_to_text("abc  "), "abc");
        assert_eq!(check_text("a\0b").unwrap_err().code.code(), "22021");
    }
}
