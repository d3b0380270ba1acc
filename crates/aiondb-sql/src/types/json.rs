//! `json` and `jsonb`: validation with PostgreSQL's error texts, and jsonb's
//! normalized output.
//!
//! `json` keeps the input text verbatim once it parses. `jsonb` prints the
//! parsed value the way `jsonb_out` does: object keys sorted by length and
//! then bytes, the last of duplicate keys kept, `": "` and `", "` as
//! separators, numbers normalized as `numeric` (`1E+2` is `100`, `1.50`
//! stays `1.50`) and strings re-escaped minimally.

use super::numeric::parse_numeric;
use aiondb_core::{DbError, DbResult, SqlState};

/// Deepest nesting accepted (PostgreSQL stops at its stack depth limit).
const MAX_DEPTH: usize = 1000;

enum Frame {
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>, String),
}

enum Json {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

fn syntax(detail: String) -> DbError {
    DbError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        "invalid input syntax for type json",
    )
    .with_detail(detail)
}

#[derive(PartialEq)]
enum Tok<'a> {
    Punct(u8),
    Str(String),
    Word(&'a str),
    End,
}

impl Tok<'_> {
    fn show(&self) -> String {
        match self {
            Tok::Punct(c) => (*c as char).to_string(),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Word(w) => (*w).to_string(),
            Tok::End => String::new(),
        }
    }
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    /// `jsonb` rejects `\u0000`.
    jsonb: bool,
}

fn is_number(w: &str) -> bool {
    let b = w.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        let b = self.s.as_bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn hex4(&mut self) -> DbResult<u32> {
        let h = self
            .s
            .get(self.pos..self.pos + 4)
            .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
        let Some(h) = h else {
            return Err(syntax(
                "\"\\u\" must be followed by four hexadecimal digits.".into(),
            ));
        };
        self.pos += 4;
        u32::from_str_radix(h, 16).map_err(|_| syntax("bad hex".into()))
    }

    fn string(&mut self) -> DbResult<String> {
        let mut out = String::new();
        loop {
            let Some(c) = self.s[self.pos..].chars().next() else {
                return Err(syntax("The input string ended unexpectedly.".into()));
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(e) = self.s[self.pos..].chars().next() else {
                        return Err(syntax("The input string ended unexpectedly.".into()));
                    };
                    self.pos += e.len_utf8();
                    match e {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp) {
                                if !self.s[self.pos..].starts_with("\\u") {
                                    return Err(syntax(
                                        "Unicode low surrogate must follow a high surrogate."
                                            .into(),
                                    ));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(syntax(
                                        "Unicode low surrogate must follow a high surrogate."
                                            .into(),
                                    ));
                                }
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                            } else if (0xDC00..0xE000).contains(&cp) {
                                return Err(syntax(
                                    "Unicode low surrogate must follow a high surrogate.".into(),
                                ));
                            }
                            if cp == 0 && self.jsonb {
                                return Err(DbError::new(
                                    SqlState::from_static("22P05"),
                                    "unsupported Unicode escape sequence",
                                )
                                .with_detail("\\u0000 cannot be converted to text."));
                            }
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        other => {
                            return Err(syntax(format!(
                                "Escape sequence \"\\{other}\" is invalid."
                            )));
                        }
                    }
                }
                c if (c as u32) < 0x20 => {
                    return Err(syntax(format!(
                        "Character with value 0x{:02x} must be escaped.",
                        c as u32
                    )));
                }
                c => out.push(c),
            }
        }
    }

    fn next(&mut self) -> DbResult<Tok<'a>> {
        self.skip_ws();
        let b = self.s.as_bytes();
        let Some(&c) = b.get(self.pos) else {
            return Ok(Tok::End);
        };
        match c {
            b'{' | b'}' | b'[' | b']' | b':' | b',' => {
                self.pos += 1;
                Ok(Tok::Punct(c))
            }
            b'"' => {
                self.pos += 1;
                self.string().map(Tok::Str)
            }
            _ => {
                let start = self.pos;
                while self.pos < b.len()
                    && !matches!(
                        b[self.pos],
                        b' ' | b'\t'
                            | b'\n'
                            | b'\r'
                            | b'{'
                            | b'}'
                            | b'['
                            | b']'
                            | b':'
                            | b','
                            | b'"'
                    )
                {
                    self.pos += 1;
                }
                let w = &self.s[start..self.pos];
                if matches!(w, "true" | "false" | "null") || is_number(w) {
                    Ok(Tok::Word(w))
                } else {
                    Err(syntax(format!("Token \"{w}\" is invalid.")))
                }
            }
        }
    }

    fn scalar(tok: Tok<'a>) -> Result<Json, Tok<'a>> {
        match tok {
            Tok::Word("true") => Ok(Json::Bool(true)),
            Tok::Word("false") => Ok(Json::Bool(false)),
            Tok::Word("null") => Ok(Json::Null),
            Tok::Word(n) => Ok(Json::Num(n.to_string())),
            Tok::Str(s) => Ok(Json::Str(s)),
            other => Err(other),
        }
    }

    /// Reads `"key" :` after `{` or `,` in an object.
    fn key(&mut self, first: Tok<'a>, what: &str) -> DbResult<String> {
        let Tok::Str(k) = first else {
            return Err(self.expected(what, first));
        };
        match self.next()? {
            Tok::Punct(b':') => Ok(k),
            other => Err(self.expected("\":\"", other)),
        }
    }

    /// Iterative, so nesting depth costs heap, not stack.
    fn document(&mut self) -> DbResult<Json> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut tok = self.next()?;
        loop {
            if stack.len() > MAX_DEPTH {
                return Err(DbError::new(
                    SqlState::from_static("54001"),
                    "stack depth limit exceeded",
                ));
            }
            let mut value = match tok {
                Tok::Punct(b'[') => {
                    let t = self.next()?;
                    if t == Tok::Punct(b']') {
                        Json::Arr(Vec::new())
                    } else {
                        stack.push(Frame::Arr(Vec::new()));
                        tok = t;
                        continue;
                    }
                }
                Tok::Punct(b'{') => {
                    let t = self.next()?;
                    if t == Tok::Punct(b'}') {
                        Json::Obj(Vec::new())
                    } else {
                        let k = self.key(t, "string or \"}\"")?;
                        stack.push(Frame::Obj(Vec::new(), k));
                        tok = self.next()?;
                        continue;
                    }
                }
                other => match Self::scalar(other) {
                    Ok(v) => v,
                    Err(t) => return Err(self.expected("JSON value", t)),
                },
            };
            // Attach the finished value to its parents.
            loop {
                match stack.last_mut() {
                    None => {
                        return match self.next()? {
                            Tok::End => Ok(value),
                            other => Err(self.expected("end of input", other)),
                        };
                    }
                    Some(Frame::Arr(items)) => {
                        items.push(value);
                        match self.next()? {
                            Tok::Punct(b',') => {
                                tok = self.next()?;
                                break;
                            }
                            Tok::Punct(b']') => {
                                let Some(Frame::Arr(items)) = stack.pop() else {
                                    return Err(DbError::internal("json parser stack"));
                                };
                                value = Json::Arr(items);
                            }
                            other => return Err(self.expected("\",\" or \"]\"", other)),
                        }
                    }
                    Some(Frame::Obj(fields, key)) => {
                        fields.push((std::mem::take(key), value));
                        match self.next()? {
                            Tok::Punct(b',') => {
                                let t = self.next()?;
                                let k = self.key(t, "string")?;
                                if let Some(Frame::Obj(_, key)) = stack.last_mut() {
                                    *key = k;
                                }
                                tok = self.next()?;
                                break;
                            }
                            Tok::Punct(b'}') => {
                                let Some(Frame::Obj(fields, _)) = stack.pop() else {
                                    return Err(DbError::internal("json parser stack"));
                                };
                                value = Json::Obj(fields);
                            }
                            other => return Err(self.expected("\",\" or \"}\"", other)),
                        }
                    }
                }
            }
        }
    }

    fn expected(&self, what: &str, found: Tok<'_>) -> DbError {
        if found == Tok::End {
            syntax("The input string ended unexpectedly.".into())
        } else {
            syntax(format!("Expected {what}, but found \"{}\".", found.show()))
        }
    }
}

/// `json_in`: validates, keeps the text.
pub fn parse_json(input: &str) -> DbResult<String> {
    Parser {
        s: input,
        pos: 0,
        jsonb: false,
    }
    .document()?;
    Ok(input.to_string())
}

/// `jsonb_in` + `jsonb_out`: validates and returns the normalized text.
pub fn parse_jsonb(input: &str) -> DbResult<String> {
    let v = Parser {
        s: input,
        pos: 0,
        jsonb: true,
    }
    .document()?;
    let mut out = String::with_capacity(input.len());
    write_jsonb(&v, &mut out)?;
    Ok(out)
}

/// `escape_json`.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_jsonb(v: &Json, out: &mut String) -> DbResult<()> {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => out.push_str(&parse_numeric(n)?.to_string()),
        Json::Str(s) => write_string(s, out),
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_jsonb(item, out)?;
            }
            out.push(']');
        }
        Json::Obj(fields) => {
            // Last duplicate wins: keep the last index per key.
            let mut idx: Vec<usize> = (0..fields.len()).collect();
            idx.sort_by(|&a, &b| {
                let (ka, kb) = (&fields[a].0, &fields[b].0);
                ka.len()
                    .cmp(&kb.len())
                    .then_with(|| ka.as_bytes().cmp(kb.as_bytes()))
                    .then(b.cmp(&a))
            });
            idx.dedup_by(|later, first| fields[*later].0 == fields[*first].0);
            out.push('{');
            for (i, &k) in idx.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(&fields[k].0, out);
                out.push_str(": ");
                write_jsonb(&fields[k].1, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden outputs from PostgreSQL 15.
    #[test]
    fn jsonb_normalization_golden() {
        let cases = [
            (
                r#"{"b":1, "a": [1,2.50,1e2], "aa":{"x":"\u0041\n"}, "a":3}"#,
                r#"{"a": 3, "b": 1, "aa": {"x": "A\n"}}"#,
            ),
            ("[]", "[]"),
            ("{}", "{}"),
            (" null ", "null"),
            (r#""x""#, r#""x""#),
            ("-0", "0"),
            ("1E+2", "100"),
            ("[1,[2,{}]]", "[1, [2, {}]]"),
            (r#"{"a":{}}"#, r#"{"a": {}}"#),
            (r#""\ud83d\ude00 \t\u001f\/""#, "\"😀 \\t\\u001f/\""),
            ("[true,false,null]", "[true, false, null]"),
        ];
        for (input, want) in cases {
            assert_eq!(parse_jsonb(input).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn json_keeps_text_and_reports_like_postgres() {
        let s = r#"{"b" : 1,"a":2}"#;
        assert_eq!(parse_json(s).as_deref(), Ok(s));
        let detail = |s: &str| parse_json(s).unwrap_err().detail.unwrap_or_default();
        assert_eq!(detail("{x}"), "Token \"x\" is invalid.");
        assert_eq!(detail(r#"{"a":1}x"#), "Token \"x\" is invalid.");
        assert_eq!(detail(""), "The input string ended unexpectedly.");
        assert_eq!(detail("[1,]"), "Expected JSON value, but found \"]\".");
        assert_eq!(detail("[1 2]"), "Expected \",\" or \"]\", but found \"2\".");
        assert_eq!(detail(r#"{"a" 1}"#), "Expected \":\", but found \"1\".");
        assert_eq!(detail("1 2"), "Expected end of input, but found \"2\".");
        assert_eq!(detail("01"), "Token \"01\" is invalid.");
        assert_eq!(
            detail("\"a\nb\""),
            "Character with value 0x0a must be escaped."
        );
        assert_eq!(detail(r#""\x""#), "Escape sequence \"\\x\" is invalid.");
        let e = parse_json("{x}").unwrap_err();
        assert_eq!(
            (e.code.code(), e.message.as_str()),
            ("22P02", "invalid input syntax for type json")
        );
        assert!(parse_json(r#""\u0000""#).is_ok());
        let e = parse_jsonb(r#""\u0000""#).unwrap_err();
        assert_eq!(e.message, "unsupported Unicode escape sequence");
        let deep = "[".repeat(5000);
        assert_eq!(parse_json(&deep).unwrap_err().code.code(), "54001");
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(parse_jsonb(&ok).map(|s| s.len()), Ok(2 * MAX_DEPTH));
    }
}
