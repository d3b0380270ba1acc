//! PostgreSQL's `format(formatstr, args...)` and the quoting it shares with
//! `quote_ident` and `quote_literal`.
//!
//! A specifier is `%[argpos$][-][width]type` where `type` is `s` (the value's
//! text form, NULL as empty), `I` (an SQL identifier, NULL is an error) or
//! `L` (an SQL literal, NULL as `NULL`); `width` may be `*` or `*n$` to take
//! it from an argument, a negative width meaning left-justified. Arguments
//! without a position continue after the last one used, and every error
//! has the wording and SQLSTATE of PostgreSQL's `text_format`.

use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};

/// `quote_ident`: double-quoted unless a plain lower-case identifier.
pub(super) fn quote_ident(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.chars().next().is_some_and(|c| c.is_ascii_digit());
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// `quote_literal`: single-quoted, with the `E` prefix when it holds a backslash.
pub(super) fn quote_literal(s: &str) -> String {
    let body = s.replace('\'', "''");
    if s.contains('\\') {
        format!("E'{}'", body.replace('\\', "\\\\"))
    } else {
        format!("'{body}'")
    }
}

fn bad(msg: impl Into<String>) -> DbError {
    DbError::new(SqlState::INVALID_PARAMETER_VALUE, msg)
}

fn unterminated() -> DbError {
    bad("unterminated format() type specifier").with_hint("For a single \"%\" use \"%%\".")
}

fn too_few() -> DbError {
    bad("too few arguments for format()")
}

fn out_of_range() -> DbError {
    DbError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        "number is out of range",
    )
}

/// A cursor over the format string that fails like PostgreSQL when the
/// specifier runs off its end.
struct Cursor<'a> {
    chars: &'a [char],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> char {
        self.chars.get(self.pos).copied().unwrap_or('\0')
    }

    fn advance(&mut self) -> DbResult<()> {
        self.pos += 1;
        if self.pos >= self.chars.len() {
            return Err(unterminated());
        }
        Ok(())
    }

    fn digits(&mut self) -> DbResult<Option<i32>> {
        let mut val: Option<i32> = None;
        while let Some(d) = self.peek().to_digit(10) {
            let v = val
                .unwrap_or(0)
                .checked_mul(10)
                .and_then(|v| v.checked_add(d as i32))
                .ok_or_else(out_of_range)?;
            val = Some(v);
            self.advance()?;
        }
        Ok(val)
    }
}

/// One parsed specifier (positions are 1-based; `Some(0)` for `*` means
/// "the next argument").
struct Spec {
    argpos: Option<usize>,
    widthpos: Option<usize>,
    left: bool,
    width: usize,
}

fn zero_position() -> DbError {
    bad("format specifies argument 0, but arguments are numbered from 1")
}

fn parse_spec(c: &mut Cursor<'_>) -> DbResult<Spec> {
    let mut spec = Spec {
        argpos: None,
        widthpos: None,
        left: false,
        width: 0,
    };
    if let Some(n) = c.digits()? {
        if c.peek() != '$' {
            spec.width = n as usize;
            return Ok(spec);
        }
        if n == 0 {
            return Err(zero_position());
        }
        spec.argpos = Some(n as usize);
        c.advance()?;
    }
    while c.peek() == '-' {
        spec.left = true;
        c.advance()?;
    }
    if c.peek() == '*' {
        c.advance()?;
        match c.digits()? {
            Some(n) => {
                if c.peek() != '$' {
                    return Err(bad("width argument position must be ended by \"$\""));
                }
                if n == 0 {
                    return Err(zero_position());
                }
                spec.widthpos = Some(n as usize);
                c.advance()?;
            }
            None => spec.widthpos = Some(0),
        }
    } else if let Some(n) = c.digits()? {
        spec.width = n as usize;
    }
    Ok(spec)
}

fn pad(out: &mut String, s: &str, left: bool, width: usize) {
    let len = s.chars().count();
    let fill = " ".repeat(width.saturating_sub(len));
    if left {
        out.push_str(s);
        out.push_str(&fill);
    } else {
        out.push_str(&fill);
        out.push_str(s);
    }
}

/// `format(fmt, args...)`; `args` and `types` include the format string.
pub(super) fn format(
    args: &[Value],
    types: &[DataType],
    opts: &crate::types::FormatOptions,
) -> DbResult<Value> {
    let Some(fmt) = args.first() else {
        return Ok(Value::Null);
    };
    if fmt.is_null() {
        return Ok(Value::Null);
    }
    let text = |i: usize| -> DbResult<String> {
        super::output_text(&args[i], types.get(i).unwrap_or(&DataType::Text), opts)
    };
    let chars: Vec<char> = text(0)?.chars().collect();
    let mut c = Cursor {
        chars: &chars,
        pos: 0,
    };
    let mut out = String::new();
    let mut arg = 1usize;
    while c.pos < chars.len() {
        let ch = chars[c.pos];
        if ch != '%' {
            out.push(ch);
            c.pos += 1;
            continue;
        }
        c.advance()?;
        if c.peek() == '%' {
            out.push('%');
            c.pos += 1;
            continue;
        }
        let mut spec = parse_spec(&mut c)?;
        let conv = c.peek();
        if !matches!(conv, 's' | 'I' | 'L') {
            return Err(
                bad(format!("unrecognized format() type specifier \"{conv}\""))
                    .with_hint("For a single \"%\" use \"%%\"."),
            );
        }
        c.pos += 1;
        if let Some(wp) = spec.widthpos {
            if wp > 0 {
                arg = wp;
            }
            if arg >= args.len() {
                return Err(too_few());
            }
            let w: i64 = if args[arg].is_null() {
                0
            } else {
                text(arg)?
                    .trim()
                    .parse::<i32>()
                    .map_err(|_| out_of_range())?
                    .into()
            };
            if w < 0 {
                spec.left = true;
                if w == i64::from(i32::MIN) {
                    return Err(out_of_range());
                }
            }
            spec.width = w.unsigned_abs() as usize;
            arg += 1;
        }
        if let Some(p) = spec.argpos {
            arg = p;
        }
        if arg >= args.len() {
            return Err(too_few());
        }
        let s = if args[arg].is_null() {
            match conv {
                's' => String::new(),
                'L' => "NULL".to_string(),
                _ => {
                    return Err(DbError::new(
                        SqlState::NULL_VALUE_NOT_ALLOWED,
                        "null values cannot be formatted as an SQL identifier",
                    ));
                }
            }
        } else {
            let s = text(arg)?;
            match conv {
                'I' => quote_ident(&s),
                'L' => quote_literal(&s),
                _ => s,
            }
        };
        pad(&mut out, &s, spec.left, spec.width);
        arg += 1;
    }
    Ok(Value::Text(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fmt: &str, rest: &[Value]) -> DbResult<String> {
        let mut args = vec![Value::Text(fmt.into())];
        args.extend_from_slice(rest);
        let types: Vec<DataType> = args
            .iter()
            .map(|v| match v {
                Value::Int4(_) => DataType::Int4,
                _ => DataType::Text,
            })
            .collect();
        match format(&args, &types, &crate::types::FormatOptions::default())? {
            Value::Text(s) => Ok(s),
            other => Err(DbError::internal(format!("{other:?}"))),
        }
    }

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn specifiers_and_positions() {
        assert_eq!(
            f("Hello %s", &[t("World")]).ok().as_deref(),
            Some("Hello World")
        );
        assert_eq!(f("Hello %%%%", &[]).ok().as_deref(), Some("Hello %%"));
        assert_eq!(
            f("%I %L %L", &[t("My tab"), Value::Null, t("it's")])
                .ok()
                .as_deref(),
            Some("\"My tab\" NULL 'it''s'")
        );
        assert_eq!(
            f("Hello %s %1$s %s", &[t("World"), t("again")])
                .ok()
                .as_deref(),
            Some("Hello World World again")
        );
        assert_eq!(
            f(">>%-10s<<", &[t("Hello")]).ok().as_deref(),
            Some(">>Hello     <<")
        );
        assert_eq!(
            f(">>%2$*1$L<<", &[Value::Int4(-10), Value::Null])
                .ok()
                .as_deref(),
            Some(">>NULL      <<")
        );
    }

    #[test]
    fn errors_match_postgres() {
        let msg = |r: DbResult<String>| r.err().map(|e| e.message);
        assert_eq!(
            msg(f("Hello %s", &[])).as_deref(),
            Some("too few arguments for format()")
        );
        assert_eq!(
            msg(f("%x", &[Value::Int4(1)])).as_deref(),
            Some("unrecognized format() type specifier \"x\"")
        );
        assert_eq!(
            msg(f("%1$", &[Value::Int4(1)])).as_deref(),
            Some("unterminated format() type specifier")
        );
        assert_eq!(
            msg(f("%0$s", &[t("a")])).as_deref(),
            Some("format specifies argument 0, but arguments are numbered from 1")
        );
        assert_eq!(
            msg(f("%I", &[Value::Null])).as_deref(),
            Some("null values cannot be formatted as an SQL identifier")
        );
    }

    #[test]
    fn literal_with_backslash_gets_e_prefix() {
        assert_eq!(quote_literal("a\\b"), "E'a\\\\b'");
    }
}
