//! `uuid`: input with or without hyphens and braces, any case; output
//! lower-case and hyphenated.

use super::errors::invalid_syntax;
use aiondb_core::DbResult;

/// `uuid_in`: 32 hex digits, optionally in braces, with an optional hyphen
/// after any group of four digits (as PostgreSQL accepts).
pub fn parse_uuid(input: &str) -> DbResult<[u8; 16]> {
    let bad = || invalid_syntax("uuid", input);
    let s = match input.strip_prefix('{') {
        Some(rest) => rest.strip_suffix('}').ok_or_else(bad)?,
        None => input,
    };
    let b = s.as_bytes();
    let mut out = [0u8; 16];
    let mut i = 0;
    for (k, byte) in out.iter_mut().enumerate() {
        if k >= 2 && k % 2 == 0 && b.get(i) == Some(&b'-') {
            i += 1;
        }
        let hi = b
            .get(i)
            .and_then(|c| (*c as char).to_digit(16))
            .ok_or_else(bad)?;
        let lo = b
            .get(i + 1)
            .and_then(|c| (*c as char).to_digit(16))
            .ok_or_else(bad)?;
        *byte = (hi << 4 | lo) as u8;
        i += 2;
    }
    if i != b.len() {
        return Err(bad());
    }
    Ok(out)
}

/// `uuid_out`.
pub fn format_uuid(u: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_forms() {
        let want = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        for s in [
            "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
            "a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
            "{a0eebc999c0b4ef8bb6d6bb9bd380a11}",
        ] {
            assert_eq!(
                parse_uuid(s).map(|u| format_uuid(&u)).as_deref(),
                Ok(want),
                "{s}"
            );
        }
        for bad in [
            "",
            "x",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
            "{a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
            "-a0eebc999c0b4ef8bb6d6bb9bd380a11",
        ] {
            let e = parse_uuid(bad).unwrap_err();
            assert_eq!(e.code.code(), "22P02");
            assert_eq!(
                e.message,
                format!("invalid input syntax for type uuid: \"{bad}\"")
            );
        }
    }
}
