//! `parse_ident(str text, strict boolean DEFAULT true)`: splits a qualified
//! SQL identifier into its parts, as PostgreSQL's `parse_ident` does.
//!
//! Unquoted parts are folded to lower case (ASCII only) and quoted parts
//! keep their text with `""` unescaped; whitespace around parts and dots is
//! skipped. With `strict` false, anything after the last valid part is
//! ignored instead of being an error. Parts are not truncated to `name`.

use aiondb_core::{DbError, DbResult, SqlState};

fn invalid(input: &str, detail: Option<&str>) -> DbError {
    let e = DbError::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("string is not a valid identifier: \"{input}\""),
    );
    match detail {
        Some(d) => e.with_detail(d),
        None => e,
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

fn ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || !c.is_ascii()
}

fn ident_cont(c: char) -> bool {
    ident_start(c) || c.is_ascii_digit() || c == '$'
}

/// The parts of the qualified identifier `input`.
pub fn parse_ident(input: &str, strict: bool) -> DbResult<Vec<String>> {
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    let mut parts = Vec::new();
    let mut after_dot = false;
    while i < chars.len() && is_space(chars[i]) {
        i += 1;
    }
    loop {
        let mut missing = true;
        if chars.get(i) == Some(&'"') {
            let mut part = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(invalid(input, Some("String has unclosed double quotes.")));
                    }
                    Some('"') if chars.get(i + 1) == Some(&'"') => {
                        part.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(c) => {
                        part.push(*c);
                        i += 1;
                    }
                }
            }
            if part.is_empty() {
                return Err(invalid(input, Some("Quoted identifier must not be empty.")));
            }
            parts.push(part);
            missing = false;
        } else if chars.get(i).is_some_and(|c| ident_start(*c)) {
            let start = i;
            i += 1;
            while chars.get(i).is_some_and(|c| ident_cont(*c)) {
                i += 1;
            }
            let part: String = chars[start..i].iter().collect();
            parts.push(part.to_ascii_lowercase());
            missing = false;
        }
        if missing {
            return Err(if chars.get(i) == Some(&'.') {
                invalid(input, Some("No valid identifier before \".\"."))
            } else if after_dot {
                invalid(input, Some("No valid identifier after \".\"."))
            } else {
                invalid(input, None)
            });
        }
        while i < chars.len() && is_space(chars[i]) {
            i += 1;
        }
        match chars.get(i) {
            Some('.') => {
                after_dot = true;
                i += 1;
                while i < chars.len() && is_space(chars[i]) {
                    i += 1;
                }
            }
            None => break,
            Some(_) => {
                if strict {
                    return Err(invalid(input, None));
                }
                break;
            }
        }
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_errors() {
        assert_eq!(parse_ident("foo.boo", true).unwrap(), ["foo", "boo"]);
        assert_eq!(parse_ident("foo.boo[]", false).unwrap(), ["foo", "boo"]);
        assert_eq!(
            parse_ident(" first . \"  Se\"\"c  \" .Third", true).unwrap(),
            ["first", "  Se\"c  ", "third"]
        );
        let e = parse_ident("foo.boo[]", true).unwrap_err();
        assert_eq!(e.message, "string is not a valid identifier: \"foo.boo[]\"");
        assert_eq!(e.code.code(), "22023");
        let detail = |s: &str| parse_ident(s, true).unwrap_err().detail;
        assert_eq!(
            detail(" .aaa").as_deref(),
            Some("No valid identifier before \".\".")
        );
        assert_eq!(
            detail(" aaa . ").as_deref(),
            Some("No valid identifier after \".\".")
        );
        assert_eq!(detail("1020"), None);
        assert_eq!(
            detail("\"a").as_deref(),
            Some("String has unclosed double quotes.")
        );
        assert_eq!(
            detail("\"\"").as_deref(),
            Some("Quoted identifier must not be empty.")
        );
    }
}
