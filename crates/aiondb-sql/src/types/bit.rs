//! `bit(n)`: fixed-length bit strings, kept as their text of `0` and `1`
//! characters (`Value::Text`), so comparison is bit order. Literals are
//! `B'0101'` and `X'1F'` (four bits per hex digit), both of type `bit`
//! with the literal's own length. Casts to `integer` and `bigint` read the
//! bits as a two's-complement number (at most 32 and 64 bits).

use aiondb_core::{DbError, DbResult, SqlState};

fn invalid_digit(c: char, hex: bool) -> DbError {
    DbError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        if hex {
            format!("\"{c}\" is not a valid hexadecimal digit")
        } else {
            format!("\"{c}\" is not a valid binary digit")
        },
    )
}

/// The bits of hexadecimal digits (an `X'..'` literal's body).
pub fn hex_bits(hex: &str) -> DbResult<String> {
    let mut out = String::with_capacity(hex.len() * 4);
    for c in hex.chars() {
        let d = c.to_digit(16).ok_or_else(|| invalid_digit(c, true))?;
        out.push_str(&format!("{d:04b}"));
    }
    Ok(out)
}

/// bit_in: `0101`, or `x1F` / `b0101` prefixed; `len` is bit(n)'s n.
pub fn parse_bit(input: &str, len: Option<u32>) -> DbResult<String> {
    let bits = match input.as_bytes().first() {
        Some(b'x' | b'X') => hex_bits(&input[1..])?,
        Some(b'b' | b'B') => binary(&input[1..])?,
        _ => binary(input)?,
    };
    match len {
        Some(n) if bits.len() != n as usize => Err(DbError::new(
            SqlState::from_static("22026"),
            format!(
                "bit string length {} does not match type bit({n})",
                bits.len()
            ),
        )),
        _ => Ok(bits),
    }
}

fn binary(s: &str) -> DbResult<String> {
    match s.chars().find(|c| *c != '0' && *c != '1') {
        Some(c) => Err(invalid_digit(c, false)),
        None => Ok(s.to_string()),
    }
}

/// bittoint4 / bittoint8: the bits as a `width`-bit two's-complement
/// number.
pub fn bits_to_int(bits: &str, width: u32) -> DbResult<i64> {
    if bits.len() > width as usize {
        return Err(DbError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            if width == 32 {
                "integer out of range"
            } else {
                "bigint out of range"
            },
        ));
    }
    let mut v: u64 = 0;
    for c in bits.chars() {
        v = (v << 1) | u64::from(c == '1');
    }
    Ok(if width == 32 {
        i64::from(v as u32 as i32)
    } else {
        v as i64
    })
}

/// The binary (varbit) form: bit count, then the bits packed high first.
pub fn encode_bits(bits: &str) -> Vec<u8> {
    let mut out = (bits.len() as i32).to_be_bytes().to_vec();
    for chunk in bits.as_bytes().chunks(8) {
        let mut byte = 0u8;
        for (i, b) in chunk.iter().enumerate() {
            if *b == b'1' {
                byte |= 0x80 >> i;
            }
        }
        out.push(byte);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits() {
        assert_eq!(hex_bits("0f").ok().as_deref(), Some("00001111"));
        assert_eq!(
            bits_to_int("00000000000000000000000000000001", 32).ok(),
            Some(1)
        );
        assert_eq!(
            bits_to_int(&hex_bits("80000000").unwrap_or_default(), 32).ok(),
            Some(i32::MIN as i64)
        );
        assert_eq!(
            bits_to_int(&hex_bits("ffffffffffffffff").unwrap_or_default(), 64).ok(),
            Some(-1)
        );
        assert!(bits_to_int(&hex_bits("100000000").unwrap_or_default(), 32).is_err());
        assert!(parse_bit("012", None).is_err());
        assert!(parse_bit("01", Some(3)).is_err());
        assert_eq!(encode_bits("101"), vec![0, 0, 0, 3, 0xa0]);
    }
}
