//! `bytea`: hex (`\x0102`) and escape text formats.

use super::errors::is_c_space;
use aiondb_core::{DbError, DbResult, SqlState};

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `byteain`: `\x` hex format (whitespace allowed between digit pairs) or
/// the escape format (`\\` and `\ooo` octal escapes).
pub fn parse_bytea(input: &str) -> DbResult<Vec<u8>> {
    let b = input.as_bytes();
    if let Some(hex) = input
        .strip_prefix("\\x")
        .or_else(|| input.strip_prefix("\\X"))
    {
        let h = hex.as_bytes();
        let mut out = Vec::with_capacity(h.len() / 2);
        let mut i = 0;
        while i < h.len() {
            if is_c_space(h[i] as char) {
                i += 1;
                continue;
            }
            let bad_digit = |at: usize| {
                let ch = hex.get(at..).and_then(|t| t.chars().next()).unwrap_or('?');
                DbError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid hexadecimal digit: \"{ch}\""),
                )
            };
            let hi = hex_val(h[i]).ok_or_else(|| bad_digit(i))?;
            let Some(&lo_c) = h.get(i + 1) else {
                return Err(DbError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "invalid hexadecimal data: odd number of digits",
                ));
            };
            let lo = hex_val(lo_c).ok_or_else(|| bad_digit(i + 1))?;
            out.push(hi << 4 | lo);
            i += 2;
        }
        return Ok(out);
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
        } else if b.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if i + 3 < b.len()
            && matches!(b[i + 1], b'0'..=b'3')
            && matches!(b[i + 2], b'0'..=b'7')
            && matches!(b[i + 3], b'0'..=b'7')
        {
            out.push((b[i + 1] - b'0') << 6 | (b[i + 2] - b'0') << 3 | (b[i + 3] - b'0'));
            i += 4;
        } else {
            return Err(DbError::new(
                SqlState::INVALID_TEXT_REPRESENTATION,
                "invalid input syntax for type bytea",
            ));
        }
    }
    Ok(out)
}

/// `byteaout` under `bytea_output = hex` (`hex = true`) or `escape`.
pub fn format_bytea(b: &[u8], hex: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 + b.len() * 2);
    if hex {
        out.push_str("\\x");
        for &x in b {
            out.push(HEX[(x >> 4) as usize] as char);
            out.push(HEX[(x & 15) as usize] as char);
        }
    } else {
        for &x in b {
            match x {
                b'\\' => out.push_str("\\\\"),
                0x20..=0x7e => out.push(x as char),
                _ => out.push_str(&format!("\\{x:03o}")),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytea_text_forms() {
        assert_eq!(parse_bytea("\\x0102ff"), Ok(vec![1, 2, 255]));
        assert_eq!(parse_bytea("\\xDE AD"), Ok(vec![0xde, 0xad]));
        assert_eq!(parse_bytea("\\x"), Ok(vec![]));
        assert_eq!(parse_bytea("abc"), Ok(b"abc".to_vec()));
        assert_eq!(parse_bytea("a\\\\b\\001"), Ok(vec![b'a', b'\\', b'b', 1]));
        assert_eq!(
            parse_bytea("\\x0g").unwrap_err().message,
            "invalid hexadecimal digit: \"g\""
        );
        assert_eq!(
            parse_bytea("\\x012").unwrap_err().message,
            "invalid hexadecimal data: odd number of digits"
        );
        assert_eq!(
            parse_bytea("\\9").unwrap_err().message,
            "invalid input syntax for type bytea"
        );
        assert_eq!(format_bytea(&[1, 2, 0xab], true), "\\x0102ab");
        assert_eq!(format_bytea(b"a\\b\x01\xff", false), "a\\\\b\\001\\377");
        assert_eq!(format_bytea(&[], true), "\\x");
    }
}
