//! PostgreSQL's numeric format templates (`to_char(number, text)`,
//! `to_number`): the template parser and the summary of what a template
//! asks for (digit counts, sign style, flags), as in formatting.c's
//! `parse_format` and `NUMDesc_prepare`. The C locale is assumed: `D` is
//! `.`, `G` is `,`, `L` is a blank.

use aiondb_core::{DbError, DbResult, SqlState};

/// A numeric template keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Comma,
    Dec,
    Zero,
    Nine,
    B,
    C,
    D,
    E,
    Fm,
    G,
    L,
    Mi,
    Pl,
    Pr,
    RnUpper,
    RnLower,
    Sg,
    Sp,
    S,
    ThUpper,
    ThLower,
    V,
}

/// One element of a parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    Action(Key),
    /// A character copied to the output (literal or non-keyword).
    Char(char),
}

/// Keywords in PostgreSQL's search order (longer names first where they
/// share a first letter; matching is case-sensitive).
const KEYWORDS: &[(&str, Key)] = &[
    (",", Key::Comma),
    (".", Key::Dec),
    ("0", Key::Zero),
    ("9", Key::Nine),
    ("B", Key::B),
    ("C", Key::C),
    ("D", Key::D),
    ("EEEE", Key::E),
    ("FM", Key::Fm),
    ("G", Key::G),
    ("L", Key::L),
    ("MI", Key::Mi),
    ("PL", Key::Pl),
    ("PR", Key::Pr),
    ("RN", Key::RnUpper),
    ("SG", Key::Sg),
    ("SP", Key::Sp),
    ("S", Key::S),
    ("TH", Key::ThUpper),
    ("V", Key::V),
    ("b", Key::B),
    ("c", Key::C),
    ("d", Key::D),
    ("eeee", Key::E),
    ("fm", Key::Fm),
    ("g", Key::G),
    ("l", Key::L),
    ("mi", Key::Mi),
    ("pl", Key::Pl),
    ("pr", Key::Pr),
    ("rn", Key::RnLower),
    ("sg", Key::Sg),
    ("sp", Key::Sp),
    ("s", Key::S),
    ("th", Key::ThLower),
    ("v", Key::V),
];

/// Where an `S` sign goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LSign {
    None,
    Pre,
    Post,
}

/// What a template asks for (`NUMDesc`).
#[derive(Clone, Debug)]
pub(crate) struct NumDesc {
    /// Digits before the decimal point.
    pub pre: i32,
    /// Digits after the decimal point.
    pub post: i32,
    pub lsign: LSign,
    /// `pre` when `S` was seen.
    pub pre_lsign_num: i32,
    /// Digits after `V`.
    pub multi: i32,
    /// 1-based position of the first `0` before the point (0 = none).
    pub zero_start: i32,
    /// Position of the last `0`.
    pub zero_end: i32,
    pub decimal: bool,
    pub zero: bool,
    pub blank: bool,
    pub fillmode: bool,
    pub lsign_flag: bool,
    pub bracket: bool,
    pub minus: bool,
    pub plus: bool,
    pub roman: bool,
    pub multi_flag: bool,
    pub eeee: bool,
}

impl NumDesc {
    pub(super) fn new() -> NumDesc {
        NumDesc {
            pre: 0,
            post: 0,
            lsign: LSign::None,
            pre_lsign_num: 0,
            multi: 0,
            zero_start: 0,
            zero_end: 0,
            decimal: false,
            zero: false,
            blank: false,
            fillmode: false,
            lsign_flag: false,
            bracket: false,
            minus: false,
            plus: false,
            roman: false,
            multi_flag: false,
            eeee: false,
        }
    }
}

fn syntax(msg: &str) -> DbError {
    DbError::new(SqlState::SYNTAX_ERROR, msg.to_string())
}

/// Records one keyword in the description, rejecting bad combinations.
fn prepare(num: &mut NumDesc, key: Key) -> DbResult<()> {
    if num.eeee && key != Key::E {
        return Err(syntax("\"EEEE\" must be the last pattern used"));
    }
    match key {
        Key::Nine => {
            if num.bracket {
                return Err(syntax("\"9\" must be ahead of \"PR\""));
            }
            if num.multi_flag {
                num.multi += 1;
            } else if num.decimal {
                num.post += 1;
            } else {
                num.pre += 1;
            }
        }
        Key::Zero => {
            if num.bracket {
                return Err(syntax("\"0\" must be ahead of \"PR\""));
            }
            if !num.zero && !num.decimal {
                num.zero = true;
                num.zero_start = num.pre + 1;
            }
            if num.decimal {
                num.post += 1;
            } else {
                num.pre += 1;
            }
            num.zero_end = num.pre + num.post;
        }
        Key::B => {
            if num.pre == 0 && num.post == 0 && !num.zero {
                num.blank = true;
            }
        }
        Key::D | Key::Dec => {
            if num.decimal {
                return Err(syntax("multiple decimal points"));
            }
            if num.multi_flag {
                return Err(syntax("cannot use \"V\" and decimal point together"));
            }
            num.decimal = true;
        }
        Key::Fm => num.fillmode = true,
        Key::S => {
            if num.lsign_flag {
                return Err(syntax("cannot use \"S\" twice"));
            }
            if num.plus || num.minus || num.bracket {
                return Err(syntax(
                    "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together",
                ));
            }
            if !num.decimal {
                num.lsign = LSign::Pre;
                num.pre_lsign_num = num.pre;
                num.lsign_flag = true;
            } else if num.lsign == LSign::None {
                num.lsign = LSign::Post;
                num.lsign_flag = true;
            }
        }
        Key::Mi => {
            if num.lsign_flag {
                return Err(syntax("cannot use \"S\" and \"MI\" together"));
            }
            num.minus = true;
        }
        Key::Pl => {
            if num.lsign_flag {
                return Err(syntax("cannot use \"S\" and \"PL\" together"));
            }
            num.plus = true;
        }
        Key::Sg => {
            if num.lsign_flag {
                return Err(syntax("cannot use \"S\" and \"SG\" together"));
            }
            num.minus = true;
            num.plus = true;
        }
        Key::Pr => {
            if num.lsign_flag || num.plus || num.minus {
                return Err(syntax(
                    "cannot use \"PR\" and \"S\"/\"PL\"/\"MI\"/\"SG\" together",
                ));
            }
            num.bracket = true;
        }
        Key::RnUpper | Key::RnLower => num.roman = true,
        Key::V => {
            if num.decimal {
                return Err(syntax("cannot use \"V\" and decimal point together"));
            }
            num.multi_flag = true;
        }
        Key::E => {
            if num.eeee {
                return Err(syntax("cannot use \"EEEE\" twice"));
            }
            if num.blank
                || num.fillmode
                || num.lsign_flag
                || num.bracket
                || num.minus
                || num.plus
                || num.roman
                || num.multi_flag
            {
                return Err(
                    syntax("\"EEEE\" is incompatible with other formats").with_detail(
                        "\"EEEE\" may only be used together with digit and decimal point patterns.",
                    ),
                );
            }
            num.eeee = true;
        }
        Key::Comma | Key::C | Key::G | Key::L | Key::Sp | Key::ThUpper | Key::ThLower => {}
    }
    Ok(())
}

/// Parses a numeric template into nodes and its description.
pub(crate) fn parse(fmt: &str) -> DbResult<(Vec<Node>, NumDesc)> {
    let mut num = NumDesc::new();
    let mut nodes = Vec::new();
    let mut rest = fmt;
    while let Some(c) = rest.chars().next() {
        if let Some(&(name, key)) = KEYWORDS.iter().find(|(name, _)| rest.starts_with(name)) {
            prepare(&mut num, key)?;
            nodes.push(Node::Action(key));
            rest = &rest[name.len()..];
            continue;
        }
        if c == '"' {
            let (literal, consumed) = quoted_literal(rest);
            nodes.extend(literal.into_iter().map(Node::Char));
            rest = &rest[consumed..];
            continue;
        }
        // Outside quotes a backslash only escapes a following double quote.
        if c == '\\' && rest[1..].starts_with('"') {
            nodes.push(Node::Char('"'));
            rest = &rest[2..];
            continue;
        }
        nodes.push(Node::Char(c));
        rest = &rest[c.len_utf8()..];
    }
    Ok((nodes, num))
}

/// The characters of the double-quoted literal `rest` starts with (a
/// backslash quotes the next character; an unterminated literal runs to
/// the end) and the bytes it spans, quotes included. Shared by the number
/// and the date/time templates of to_char.
pub(super) fn quoted_literal(rest: &str) -> (Vec<char>, usize) {
    let mut out = Vec::new();
    let mut chars = rest[1..].char_indices();
    let mut end = rest.len();
    while let Some((i, ch)) = chars.next() {
        if ch == '"' {
            end = i + 2;
            break;
        }
        if ch == '\\'
            && let Some((_, next)) = chars.clone().next()
        {
            chars.next();
            out.push(next);
            continue;
        }
        out.push(ch);
    }
    (out, end.min(rest.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keywords_and_counts_digits() {
        let (nodes, num) = parse("FM9,990.00S").unwrap();
        assert_eq!(nodes.len(), 10);
        assert_eq!((num.pre, num.post), (4, 2));
        assert!(num.fillmode && num.decimal && num.zero);
        assert_eq!(num.zero_start, 4);
        assert_eq!(num.lsign, LSign::Post);
    }

    #[test]
    fn quoted_text_and_escapes() {
        let (nodes, _) = parse(r#"f"o\"o"\"9"#).unwrap();
        let chars: String = nodes
            .iter()
            .filter_map(|n| match n {
                Node::Char(c) => Some(*c),
                Node::Action(_) => None,
            })
            .collect();
        assert_eq!(chars, "fo\"o\"");
    }

    #[test]
    fn rejects_bad_combinations() {
        for f in ["9.9.9", "S9S", "9PR9", "9EEEE9", "FM9EEEE", "9V9.9", "MIS9"] {
            let e = parse(f).unwrap_err();
            assert_eq!(e.code, SqlState::SYNTAX_ERROR, "{f}");
        }
    }
}
