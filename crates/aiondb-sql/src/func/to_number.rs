//! `to_number(text, text)`: reads a number through a numeric template the
//! way PostgreSQL 15's formatting.c does (the from-char half of
//! `NUM_processor`), collecting sign, digits and decimal point into a
//! plain string that `numeric_in` then reads with the precision and scale
//! the template implies.

use super::num_format::{Key, LSign, Node, NumDesc, parse};
use crate::types::{FormatOptions, parse_text};
use aiondb_core::{DataType, DbError, DbResult, Numeric, Value};
use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::BigInt;

/// `to_number(input, fmt)`; `None` (SQL NULL) for an empty template.
pub(crate) fn to_number(input: &str, fmt: &str) -> DbResult<Option<Numeric>> {
    if fmt.is_empty() {
        return Ok(None);
    }
    let (nodes, num) = parse(fmt)?;
    if num.eeee {
        return Err(DbError::not_supported("\"EEEE\" not supported for input"));
    }
    if num.roman {
        return Err(DbError::not_supported("\"RN\" not supported for input"));
    }
    let mut r = Reader {
        num: &num,
        input: input.as_bytes(),
        p: 0,
        number: vec![b' '],
        read_pre: 0,
        read_post: 0,
        read_dec: false,
    };
    for node in &nodes {
        if r.overload() {
            break;
        }
        match node {
            Node::Char(_) => r.skip_char(),
            Node::Action(key) => r.action(*key),
        }
    }
    if r.number.last() == Some(&b'.') {
        r.number.pop();
    }
    let scale = r.read_post;
    let precision = num.pre + num.multi + scale;
    let text = String::from_utf8_lossy(&r.number).into_owned();
    let ty = DataType::Numeric(Some((precision.max(0) as u32, scale.max(0) as u32)));
    let value = match parse_text(&text, &ty, &FormatOptions::default())? {
        Value::Numeric(n) => n,
        _ => return Err(DbError::internal("to_number: numeric input")),
    };
    Ok(Some(match value {
        Numeric::Finite(d) if num.multi_flag => {
            // PostgreSQL multiplies by power(10, -multi), a numeric with 16
            // fractional digits (so 0 for more than 16 `V` digits).
            // Built by hand: BigDecimal's `*` drops the scale of a factor
            // equal to one.
            let (digits, scale) = d.as_bigint_and_exponent();
            let factor = if num.multi <= 16 {
                BigInt::from(10u8).pow((16 - num.multi) as u32)
            } else {
                BigInt::from(0u8)
            };
            Numeric::Finite(BigDecimal::new(digits * factor, scale + 16))
        }
        other => other,
    }))
}

struct Reader<'a> {
    num: &'a NumDesc,
    input: &'a [u8],
    p: usize,
    /// Sign slot (blank, `-` or `+`) followed by digits and `.`.
    number: Vec<u8>,
    read_pre: i32,
    read_post: i32,
    read_dec: bool,
}

impl Reader<'_> {
    fn overload(&self) -> bool {
        self.p >= self.input.len()
    }

    /// At least `n` bytes remain.
    fn amount(&self, n: usize) -> bool {
        self.p + n <= self.input.len()
    }

    fn cur(&self) -> u8 {
        self.input.get(self.p).copied().unwrap_or(0)
    }

    /// Advances over one (possibly multibyte) input character.
    fn skip_char(&mut self) {
        self.p += 1;
        while self.p < self.input.len() && (self.input[self.p] & 0xC0) == 0x80 {
            self.p += 1;
        }
    }

    /// Skips up to `n` characters that are not number data.
    fn eat_non_data(&mut self, n: usize) {
        for _ in 0..n {
            if self.overload() || b"0123456789.,+-".contains(&self.cur()) {
                break;
            }
            self.skip_char();
        }
    }

    fn action(&mut self, key: Key) {
        match key {
            Key::Nine | Key::Zero | Key::Dec | Key::D => {
                self.numpart(key);
                self.p += 1;
            }
            Key::Comma | Key::G => {
                if self.num.fillmode {
                    // num_in is never set when reading: FM skips separators.
                    return;
                }
                if self.cur() == b',' {
                    self.p += 1;
                }
            }
            Key::L => self.eat_non_data(1),
            Key::ThUpper | Key::ThLower if !self.num.decimal => self.eat_non_data(2),
            Key::Mi => self.sign_key(b"-"),
            Key::Pl => self.sign_key(b"+"),
            Key::Sg => self.sign_key(b"-+"),
            _ => {}
        }
    }

    fn sign_key(&mut self, accept: &[u8]) {
        let c = self.cur();
        if accept.contains(&c) {
            self.number[0] = c;
            self.p += 1;
        } else {
            self.eat_non_data(1);
        }
    }

    /// `NUM_numpart_from_char`.
    fn numpart(&mut self, key: Key) {
        if self.overload() {
            return;
        }
        if self.cur() == b' ' {
            self.p += 1;
        }
        if self.overload() {
            return;
        }
        if self.number[0] == b' '
            && matches!(key, Key::Zero | Key::Nine)
            && self.read_pre + self.read_post == 0
        {
            let c = self.cur();
            if self.num.lsign_flag && self.num.lsign == LSign::Pre {
                if c == b'-' || c == b'+' {
                    self.number[0] = c;
                    self.p += 1;
                }
            } else if c == b'-' || (self.num.bracket && c == b'<') {
                self.number[0] = b'-';
                self.p += 1;
            } else if c == b'+' {
                self.number[0] = b'+';
                self.p += 1;
            }
        }
        if self.overload() {
            return;
        }
        let mut isread = false;
        let c = self.cur();
        if c.is_ascii_digit() {
            if self.read_dec && self.read_post == self.num.post {
                return;
            }
            self.number.push(c);
            if self.read_dec {
                self.read_post += 1;
            } else {
                self.read_pre += 1;
            }
            isread = true;
        } else if self.num.decimal && !self.read_dec && self.amount(1) && c == b'.' {
            self.number.push(b'.');
            self.read_dec = true;
            isread = true;
        }
        if self.overload() {
            return;
        }
        if self.number[0] == b' ' && self.read_pre + self.read_post > 0 {
            if self.num.lsign_flag
                && isread
                && self.p + 1 < self.input.len()
                && !self.input[self.p + 1].is_ascii_digit()
            {
                let next = self.input[self.p + 1];
                if next == b'-' || next == b'+' {
                    self.p += 1;
                    self.number[0] = next;
                }
            } else if !isread
                && !self.num.lsign_flag
                && (self.num.plus || self.num.minus)
                && (c == b'-' || c == b'+')
            {
                self.number[0] = c;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiondb_core::SqlState;

    fn n(input: &str, fmt: &str) -> String {
        to_number(input, fmt).unwrap().unwrap().to_string()
    }

    #[test]
    fn matches_postgresql() {
        for (input, fmt, want) in [
            ("-34,338,492", "99G999G999", "-34338492"),
            (
                "-34,338,492.654,878",
                "99G999G999D999G999",
                "-34338492.654878",
            ),
            ("<564646.654564>", "999999.999999PR", "-564646.654564"),
            ("0.00001-", "9.999999S", "-0.00001"),
            ("5.01-", "FM9.999999S", "-5.01"),
            ("5.01-", "FM9.999999MI", "-5.01"),
            ("5 4 4 4 4 8 . 7 8", "9 9 9 9 9 9 . 9 9", "544448.78"),
            (".01", "FM9.99", "0.01"),
            (".0", "99999999.99999999", "0.0"),
            ("0", "99.99", "0"),
            (".-01", "S99.99", "-0.01"),
            (".01-", "99.99S", "-0.01"),
            (" . 0 1-", " 9 9 . 9 9 S", "-0.01"),
            ("34,50", "999,99", "3450"),
            ("123,000", "999G", "123"),
            ("123456", "999G999", "123456"),
            ("$1234.56", "L9,999.99", "1234.56"),
            ("$1234.56", "L99,999.99", "1234.56"),
            ("$1,234.56", "L99,999.99", "1234.56"),
            ("1234.56", "L99,999.99", "1234.56"),
            ("1,234.56", "L99,999.99", "1234.56"),
            ("42nd", "99th", "42"),
            ("1234", "9999V99", "12.3400000000000000"),
            ("12345", "9V9999", "1.2345000000000000"),
            ("18", "99V", "18.0000000000000000"),
        ] {
            assert_eq!(n(input, fmt), want, "to_number({input:?}, {fmt:?})");
        }
    }

    #[test]
    fn errors_and_null() {
        assert!(to_number("1", "").unwrap().is_none());
        let e = to_number("1", "9EEEE").unwrap_err();
        assert_eq!(e.code, SqlState::FEATURE_NOT_SUPPORTED);
        let e = to_number("x", "9").unwrap_err();
        assert_eq!(e.code, SqlState::INVALID_TEXT_REPRESENTATION);
        let e = to_number("1", "RN").unwrap_err();
        assert_eq!(e.code, SqlState::FEATURE_NOT_SUPPORTED);
    }
}
