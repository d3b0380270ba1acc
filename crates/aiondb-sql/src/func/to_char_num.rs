//! `to_char(number, text)`: renders int2/int4/int8/numeric/float4/float8
//! through a numeric template exactly as PostgreSQL 15 does (the value is
//! first turned into a plain digit string, which formatting.c's
//! `NUM_processor` rules then lay out: padding, signs, `#` overflow, `FM`
//! trimming, `TH`, roman numerals, `EEEE`).

use super::num_format::{Key, LSign, Node, NumDesc, parse};
use aiondb_core::{DbError, DbResult, Numeric, SqlState};
use bigdecimal::num_bigint::Sign;
use bigdecimal::{BigDecimal, RoundingMode};

/// A number to format.
pub(crate) enum NumArg {
    /// int2/int4 (`wide == false`) or int8 (`wide == true`).
    Int(i64, bool),
    Numeric(Numeric),
    Float8(f64),
    Float4(f32),
}

fn out_of_range(msg: &str) -> DbError {
    DbError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, msg.to_string())
}

/// `to_char(value, fmt)`.
pub(crate) fn to_char(value: NumArg, fmt: &str) -> DbResult<String> {
    if fmt.is_empty() {
        return Ok(String::new());
    }
    let (nodes, mut num) = parse(fmt)?;
    let (numstr, pre_spaces, sign) = match value {
        NumArg::Int(v, wide) => prep_int(v, wide, &mut num)?,
        NumArg::Numeric(n) => prep_numeric(n, &mut num)?,
        NumArg::Float8(f) => prep_float(f, false, &mut num),
        NumArg::Float4(f) => prep_float(f as f64, true, &mut num),
    };
    Proc::run(&nodes, num, numstr, pre_spaces, sign)
}

/// Roman numerals for 1..=3999, fifteen `#` otherwise.
fn int_to_roman(n: i32) -> Vec<u8> {
    if !(1..=3999).contains(&n) {
        return vec![b'#'; 15];
    }
    const ONES: [&str; 9] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"];
    const TENS: [&str; 9] = ["X", "XX", "XXX", "XL", "L", "LX", "LXX", "LXXX", "XC"];
    const HUNDREDS: [&str; 9] = ["C", "CC", "CCC", "CD", "D", "DC", "DCC", "DCCC", "CM"];
    let mut s = "M".repeat((n / 1000) as usize);
    for (digit, table) in [
        ((n / 100) % 10, &HUNDREDS),
        ((n / 10) % 10, &TENS),
        (n % 10, &ONES),
    ] {
        if digit > 0 {
            s.push_str(table[digit as usize - 1]);
        }
    }
    s.into_bytes()
}

/// C's `%+.*e`, with the leading `+` swapped for a blank.
fn c_exp(f: f64, prec: usize) -> Vec<u8> {
    let s = format!("{:.*e}", prec, f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if f.is_sign_negative() { '-' } else { ' ' };
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{mant}e{esign}{:02}", exp.abs()).into_bytes()
}

/// PostgreSQL's `numeric_out_sci`: significand rounded to `scale` digits
/// (not renormalised, so 9.9999 gives `10.000e+00`), then `e±NN`.
fn numeric_sci(d: &BigDecimal, scale: i32) -> String {
    let (digits, exp) = d.as_bigint_and_exponent();
    let exponent = if digits.sign() == Sign::NoSign {
        0
    } else {
        digits.magnitude().to_string().len() as i64 - 1 - exp
    };
    let sig = BigDecimal::new(digits, exp + exponent)
        .with_scale_round(scale as i64, RoundingMode::HalfUp);
    let esign = if exponent < 0 { '-' } else { '+' };
    format!(
        "{}e{esign}{:02}",
        Numeric::Finite(sig),
        exponent.unsigned_abs()
    )
}

/// `#` filler for EEEE on NaN/infinity: ` ##.####e####`-shaped.
fn eeee_fill(num: &NumDesc) -> Vec<u8> {
    let mut v = vec![b'#'; (num.pre + num.post + 6).max(1) as usize];
    v[0] = b' ';
    if let Some(c) = v.get_mut(num.pre as usize + 1) {
        *c = b'.';
    }
    v
}

/// Pads (leading blanks) or replaces by `#` a digit string that has
/// `pre_len` digits before its point.
fn fit(numstr: Vec<u8>, pre_len: i32, num: &NumDesc) -> (Vec<u8>, i32) {
    if pre_len < num.pre {
        (numstr, num.pre - pre_len)
    } else if pre_len > num.pre {
        let mut v = vec![b'#'; (num.pre + num.post + 1) as usize];
        v[num.pre as usize] = b'.';
        (v, 0)
    } else {
        (numstr, 0)
    }
}

/// Splits a leading `-` off a rendered number.
fn split_sign(s: String) -> (u8, Vec<u8>) {
    match s.strip_prefix('-') {
        Some(rest) => (b'-', rest.as_bytes().to_vec()),
        None => (b'+', s.into_bytes()),
    }
}

fn pre_len_of(numstr: &[u8]) -> i32 {
    numstr
        .iter()
        .position(|&b| b == b'.')
        .unwrap_or(numstr.len()) as i32
}

fn prep_int(value: i64, wide: bool, num: &mut NumDesc) -> DbResult<(Vec<u8>, i32, u8)> {
    if num.roman {
        let v = i32::try_from(value).map_err(|_| out_of_range("integer out of range"))?;
        return Ok((int_to_roman(v), 0, 0));
    }
    if num.eeee {
        let post = num.post.max(0);
        let s = if wide {
            let s = numeric_sci(&BigDecimal::from(value), post);
            if s.starts_with('-') {
                s.into_bytes()
            } else {
                format!(" {s}").into_bytes()
            }
        } else {
            c_exp(value as f64, post as usize)
        };
        return Ok((s, 0, 0));
    }
    let mut value = value;
    if num.multi_flag {
        let m = 10f64.powi(num.multi);
        if wide {
            if m.is_nan() || m >= 9.223_372_036_854_776e18 {
                return Err(out_of_range("bigint out of range"));
            }
            value = value
                .checked_mul(m as i64)
                .ok_or_else(|| out_of_range("bigint out of range"))?;
        } else {
            // int4_to_char multiplies in plain C int arithmetic.
            let m = if m < 2_147_483_648.0 {
                m as i32
            } else {
                i32::MIN
            };
            value = (value as i32).wrapping_mul(m) as i64;
        }
        num.pre += num.multi;
    }
    let (sign, mut digits) = split_sign(value.to_string());
    let pre_len = digits.len() as i32;
    if num.post > 0 {
        digits.push(b'.');
        digits.extend(std::iter::repeat_n(b'0', num.post as usize));
    }
    let (numstr, spaces) = fit(digits, pre_len, num);
    Ok((numstr, spaces, sign))
}

fn prep_numeric(value: Numeric, num: &mut NumDesc) -> DbResult<(Vec<u8>, i32, u8)> {
    if num.roman {
        let v = crate::types::numeric_to_i64(&value, "integer")?;
        let v = i32::try_from(v).map_err(|_| out_of_range("integer out of range"))?;
        return Ok((int_to_roman(v), 0, 0));
    }
    if num.eeee {
        let s = match &value {
            Numeric::Finite(d) => {
                let s = numeric_sci(d, num.post);
                if s.starts_with('-') {
                    s.into_bytes()
                } else {
                    format!(" {s}").into_bytes()
                }
            }
            _ => eeee_fill(num),
        };
        return Ok((s, 0, 0));
    }
    let mut value = value;
    if num.multi_flag {
        if let Numeric::Finite(d) = &value {
            let m = BigDecimal::new(1.into(), -(num.multi as i64));
            value = Numeric::Finite(d * m);
        }
        num.pre += num.multi;
    }
    let text = match value {
        Numeric::Finite(d) => {
            Numeric::Finite(d.with_scale_round(num.post as i64, RoundingMode::HalfUp)).to_string()
        }
        other => other.to_string(),
    };
    let (sign, numstr) = split_sign(text);
    let pre_len = pre_len_of(&numstr);
    let (numstr, spaces) = fit(numstr, pre_len, num);
    Ok((numstr, spaces, sign))
}

/// C's `%.*f` as PostgreSQL's snprintf prints it (`NaN`, `Infinity`).
fn c_fixed(f: f64, prec: usize) -> String {
    if f.is_nan() {
        "NaN".to_string()
    } else if f.is_infinite() {
        if f < 0.0 { "-Infinity" } else { "Infinity" }.to_string()
    } else {
        format!("{:.*}", prec, f)
    }
}

fn prep_float(value: f64, single: bool, num: &mut NumDesc) -> (Vec<u8>, i32, u8) {
    if num.roman {
        let r = value.round_ties_even();
        // (int) rint(value) on out-of-range input yields INT_MIN on x86.
        let v = if (-2_147_483_648.0..2_147_483_648.0).contains(&r) {
            r as i32
        } else {
            i32::MIN
        };
        return (int_to_roman(v), 0, 0);
    }
    if num.eeee {
        let s = if value.is_nan() || value.is_infinite() {
            eeee_fill(num)
        } else {
            c_exp(value, num.post.max(0) as usize)
        };
        return (s, 0, 0);
    }
    let mut val = value;
    if num.multi_flag {
        let m = 10f64.powi(num.multi);
        val = if single {
            ((value as f32) * (m as f32)) as f64
        } else {
            value * m
        };
        num.pre += num.multi;
    }
    let max_digits = if single { 6 } else { 15 };
    let int_len = c_fixed(val.abs(), 0).len() as i32;
    if int_len >= max_digits {
        num.post = 0;
    } else if int_len + num.post > max_digits {
        num.post = max_digits - int_len;
    }
    let (sign, numstr) = split_sign(c_fixed(val, num.post.max(0) as usize));
    let pre_len = pre_len_of(&numstr);
    let (numstr, spaces) = fit(numstr, pre_len, num);
    (numstr, spaces, sign)
}

/// `TH`/`th` suffix for the digit string `num`.
pub(crate) fn ordinal_suffix(num: &[u8], upper: bool) -> DbResult<&'static str> {
    let last = match num.last() {
        Some(c) if c.is_ascii_digit() => *c,
        _ => {
            return Err(DbError::new(
                SqlState::INVALID_TEXT_REPRESENTATION,
                format!("\"{}\" is not a number", String::from_utf8_lossy(num)),
            ));
        }
    };
    let teen = num.len() > 1 && num[num.len() - 2] == b'1';
    let lower = match last {
        b'1' if !teen => "st",
        b'2' if !teen => "nd",
        b'3' if !teen => "rd",
        _ => "th",
    };
    Ok(match (upper, lower) {
        (false, s) => s,
        (true, "st") => "ST",
        (true, "nd") => "ND",
        (true, "rd") => "RD",
        (true, _) => "TH",
    })
}

/// The to_char half of `NUM_processor`.
struct Proc {
    num: NumDesc,
    number: Vec<u8>,
    /// Index of the next digit of `number` to write.
    np: usize,
    out: Vec<u8>,
    sign: u8,
    sign_wrote: bool,
    num_in: bool,
    num_curr: i32,
    num_count: i32,
    pre_spaces: i32,
    last_relevant: Option<usize>,
}

impl Proc {
    fn run(
        nodes: &[Node],
        mut num: NumDesc,
        number: Vec<u8>,
        pre_spaces: i32,
        sign: u8,
    ) -> DbResult<String> {
        if num.zero_start > 0 {
            num.zero_start -= 1;
        }
        if num.eeee {
            return Ok(String::from_utf8_lossy(&number).into_owned());
        }
        let mut pre_spaces = pre_spaces;
        if num.roman {
            pre_spaces = 0;
            num = NumDesc {
                fillmode: num.fillmode,
                roman: true,
                ..num_cleared(num)
            };
        }
        let sign_wrote;
        if num.plus || num.minus {
            sign_wrote = !num.plus || num.minus;
        } else {
            if sign != b'-' && num.fillmode {
                num.bracket = false;
            }
            sign_wrote = sign == b'+' && num.fillmode && !num.lsign_flag;
            if num.lsign == LSign::Pre && num.pre == num.pre_lsign_num {
                num.lsign = LSign::Post;
            }
        }
        let mut num_count = num.post + num.pre - 1;
        let mut last_relevant = None;
        if num.fillmode && num.decimal {
            last_relevant = last_relevant_decnum(&number);
            if let Some(lr) = last_relevant
                && num.zero_end > pre_spaces
            {
                let pos = (number.len() as i32 - 1).min(num.zero_end - pre_spaces);
                if (lr as i32) < pos {
                    last_relevant = Some(pos as usize);
                }
            }
        }
        if !sign_wrote && pre_spaces == 0 {
            num_count += 1;
        }
        let mut p = Proc {
            num,
            number,
            np: 0,
            out: Vec::new(),
            sign,
            sign_wrote,
            num_in: false,
            num_curr: 0,
            num_count,
            pre_spaces,
            last_relevant,
        };
        for node in nodes {
            match node {
                Node::Char(c) => {
                    let mut buf = [0u8; 4];
                    p.out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                Node::Action(key) => p.action(*key)?,
            }
        }
        let mut out = p.out;
        if let Some(nul) = out.iter().position(|&b| b == 0) {
            out.truncate(nul);
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn fm(&self) -> bool {
        self.num.fillmode
    }

    fn action(&mut self, key: Key) -> DbResult<()> {
        match key {
            Key::Nine | Key::Zero | Key::Dec | Key::D => self.numpart(key),
            Key::Comma | Key::G => {
                if self.num_in {
                    self.out.push(b',');
                } else if !self.fm() {
                    self.out.push(b' ');
                }
            }
            Key::L => self.out.push(b' '),
            Key::RnUpper | Key::RnLower => {
                let rest = self.number.get(self.np..).unwrap_or(&[]);
                let rest: Vec<u8> = if key == Key::RnLower {
                    rest.to_ascii_lowercase()
                } else {
                    rest.to_vec()
                };
                if !self.fm() && rest.len() < 15 {
                    self.out.extend(std::iter::repeat_n(b' ', 15 - rest.len()));
                }
                self.out.extend_from_slice(&rest);
            }
            Key::ThUpper | Key::ThLower => {
                if self.num.roman
                    || self.number.first() == Some(&b'#')
                    || self.sign == b'-'
                    || self.num.decimal
                {
                    return Ok(());
                }
                let suffix = ordinal_suffix(&self.number, key == Key::ThUpper)?;
                self.out.extend_from_slice(suffix.as_bytes());
            }
            Key::Mi => {
                if self.sign == b'-' {
                    self.out.push(b'-');
                } else if !self.fm() {
                    self.out.push(b' ');
                }
            }
            Key::Pl => {
                if self.sign == b'+' {
                    self.out.push(b'+');
                } else if !self.fm() {
                    self.out.push(b' ');
                }
            }
            Key::Sg => self.out.push(self.sign),
            Key::B | Key::C | Key::E | Key::Fm | Key::Pr | Key::Sp | Key::S | Key::V => {}
        }
        Ok(())
    }

    fn at(&self, i: usize) -> u8 {
        self.number.get(i).copied().unwrap_or(0)
    }

    fn lr_is_dot(&self) -> bool {
        self.last_relevant.is_some_and(|i| self.at(i) == b'.')
    }

    /// `IS_PREDEC_SPACE`: a lone leading zero before the point of a
    /// template without `0`s ("9.9" renders 0.1 as " .1").
    fn predec_space(&self) -> bool {
        !self.num.zero && self.np == 0 && self.at(0) == b'0' && self.num.post != 0
    }

    fn push_sign(&mut self) {
        self.out.push(if self.sign == b'-' { b'-' } else { b'+' });
    }

    /// `NUM_numpart_to_char`: one digit or decimal point position.
    fn numpart(&mut self, key: Key) {
        if self.num.roman {
            return;
        }
        self.num_in = false;
        if !self.sign_wrote
            && (self.num_curr >= self.pre_spaces
                || (self.num.zero && self.num.zero_start == self.num_curr))
            && (!self.predec_space() || self.lr_is_dot())
        {
            if self.num.lsign_flag {
                if self.num.lsign == LSign::Pre {
                    self.push_sign();
                    self.sign_wrote = true;
                }
            } else if self.num.bracket {
                self.out.push(if self.sign == b'+' { b' ' } else { b'<' });
                self.sign_wrote = true;
            } else if self.sign == b'+' {
                if !self.fm() {
                    self.out.push(b' ');
                }
                self.sign_wrote = true;
            } else if self.sign == b'-' {
                self.out.push(b'-');
                self.sign_wrote = true;
            }
        }

        if self.num_curr < self.pre_spaces
            && (self.num.zero_start > self.num_curr || !self.num.zero)
        {
            if !self.fm() {
                self.out.push(b' ');
            }
        } else if self.num.zero
            && self.num_curr < self.pre_spaces
            && self.num.zero_start <= self.num_curr
        {
            self.out.push(b'0');
            self.num_in = true;
        } else {
            if self.at(self.np) == b'.' {
                if !self.lr_is_dot() || self.fm() {
                    self.out.push(b'.');
                }
            } else if self.last_relevant.is_some_and(|lr| self.np > lr) && key != Key::Zero {
                // FM: trailing zeros after the last relevant digit vanish.
            } else if self.predec_space() {
                if !self.fm() {
                    self.out.push(b' ');
                } else if self.lr_is_dot() {
                    self.out.push(b'0');
                }
            } else {
                let d = self.at(self.np);
                self.out.push(d);
                self.num_in = true;
            }
            if self.at(self.np) != 0 {
                self.np += 1;
            }
        }

        let mut end = self.num_count + i32::from(self.pre_spaces > 0) + i32::from(self.num.decimal);
        if self.last_relevant.is_some_and(|lr| lr == self.np) {
            end = self.num_curr;
        }
        if self.num_curr + 1 == end {
            if self.sign_wrote && self.num.bracket {
                self.out.push(if self.sign == b'+' { b' ' } else { b'>' });
            } else if self.num.lsign_flag && self.num.lsign == LSign::Post {
                self.push_sign();
            }
        }
        self.num_curr += 1;
    }
}

/// A description with every flag and count reset, keeping the `V`
/// multiplier and the zero-padding span.
fn num_cleared(num: NumDesc) -> NumDesc {
    NumDesc {
        multi: num.multi,
        zero_start: num.zero_start,
        zero_end: num.zero_end,
        ..NumDesc::new()
    }
}

/// Index of the last non-zero digit after the point (or of the point).
fn last_relevant_decnum(num: &[u8]) -> Option<usize> {
    let dot = num.iter().position(|&b| b == b'.')?;
    let mut result = dot;
    for (i, &b) in num.iter().enumerate().skip(dot + 1) {
        if b != b'0' {
            result = i;
        }
    }
    Some(result)
}

#[cfg(test)]
#[path = "to_char_num_tests.rs"]
mod tests;
