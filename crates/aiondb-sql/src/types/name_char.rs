//! `name` and `"char"`: two small internal string types.
//!
//! `name` holds an identifier of at most 63 bytes (NAMEDATALEN - 1); longer
//! input is silently clipped at a character boundary, as `namein` does.
//! `"char"` is a single byte. A value is kept as its output text: the
//! character itself for ASCII, `\ooo` (octal) for a byte with the high bit
//! set, and the empty string for the zero byte. Input (`charin`, and the
//! cast from text) takes a four-character `\ooo` escape as that byte, and
//! otherwise the string's first byte.

/// The longest `name` in bytes.
pub const NAME_MAX_BYTES: usize = 63;

/// `namein`: clips to 63 bytes without splitting a character.
pub fn parse_name(input: &str) -> String {
    if input.len() <= NAME_MAX_BYTES {
        return input.to_string();
    }
    let mut end = NAME_MAX_BYTES;
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    input[..end].to_string()
}

/// The byte a `"char"` input string denotes (`charin`).
pub fn char_byte(input: &str) -> u8 {
    let b = input.as_bytes();
    let octal = |c: u8| (b'0'..=b'7').contains(&c);
    if b.len() == 4 && b[0] == b'\\' && octal(b[1]) && octal(b[2]) && octal(b[3]) {
        let v = ((b[1] - b'0') as u32) << 6 | ((b[2] - b'0') as u32) << 3 | (b[3] - b'0') as u32;
        return (v & 0xff) as u8;
    }
    b.first().copied().unwrap_or(0)
}

/// The output text of a `"char"` byte (`charout`).
pub fn format_char_byte(b: u8) -> String {
    match b {
        0 => String::new(),
        b if b & 0x80 != 0 => format!("\\{b:03o}"),
        b => (b as char).to_string(),
    }
}

/// `"char"` input: the canonical output text of the byte it denotes.
pub fn parse_internal_char(input: &str) -> String {
    format_char_byte(char_byte(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_char() {
        assert_eq!(parse_internal_char("a"), "a");
        assert_eq!(parse_internal_char("abc"), "a");
        assert_eq!(parse_internal_char("\\101"), "A");
        assert_eq!(parse_internal_char("\\377"), "\\377");
        assert_eq!(parse_internal_char("\\000"), "");
        assert_eq!(parse_internal_char(""), "");
        assert_eq!(char_byte("\\377"), 255);
        assert_eq!(char_byte("é"), 0xc3);
        assert_eq!(parse_internal_char("é"), "\\303");
    }

    #[test]
    fn name_clipping() {
        let long = "x".repeat(70);
        assert_eq!(parse_name(&long).len(), 63);
        let multi = format!("{}é", "x".repeat(62));
        assert_eq!(parse_name(&multi), "x".repeat(62));
        assert_eq!(parse_name("abc"), "abc");
    }
}
