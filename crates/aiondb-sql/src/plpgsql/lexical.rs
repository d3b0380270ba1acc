//! Lexical helpers of the PL/pgSQL parser: SQLSTATE literals, RAISE
//! format placeholders, and the bounds of an integer FOR loop.
//!
//! Invariant: nothing here panics on any token sequence; slicing is done
//! only at positions found by scanning the same vector.

use super::ast::Fragment;
use super::parse::is_word;
use aiondb_core::{DbError, DbResult, SqlState};
use sqlparser::tokenizer::Token;

/// A SQLSTATE literal as a static code (known codes, or any five
/// digits/upper-case letters, interned).
pub(super) fn sqlstate(code: &str) -> DbResult<&'static str> {
    if let Some(c) = super::errcodes::known_code(code) {
        return Ok(c);
    }
    if code.len() != 5
        || !code
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        || code.starts_with("00")
    {
        return Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            format!("invalid SQLSTATE code \"{code}\""),
        ));
    }
    static INTERNED: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut interned = INTERNED
        .lock()
        .map_err(|_| DbError::internal("SQLSTATE intern table poisoned"))?;
    if let Some(c) = interned.iter().find(|c| **c == code) {
        return Ok(c);
    }
    let leaked: &'static str = Box::leak(code.to_string().into_boxed_str());
    interned.push(leaked);
    Ok(leaked)
}

/// Placeholders (`%` not doubled) in a RAISE format.
pub(super) fn count_placeholders(format: &str) -> usize {
    let mut n = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            if chars.peek() == Some(&'%') {
                chars.next();
            } else {
                n += 1;
            }
        }
    }
    n
}

pub(super) type Range = (Fragment, Fragment, Option<Fragment>);

/// `lo .. hi [BY step]` as three fragments; None for a query. The
/// tokenizer may glue the dots to numbers (`1..10` reads as `1.` `.10`),
/// so such numbers are split first.
pub(super) fn split_range(toks: Vec<Token>) -> DbResult<Option<Range>> {
    let mut flat = Vec::with_capacity(toks.len());
    for t in toks {
        match t {
            Token::Number(s, l) if s.len() > 1 && s.ends_with('.') && !s.ends_with("..") => {
                flat.push(Token::Number(s[..s.len() - 1].to_string(), l));
                flat.push(Token::Period);
            }
            Token::Number(s, l) if s.len() > 1 && s.starts_with('.') => {
                flat.push(Token::Period);
                flat.push(Token::Number(s[1..].to_string(), l));
            }
            other => flat.push(other),
        }
    }
    let mut depth = 0usize;
    let mut dots = None;
    for i in 0..flat.len() {
        match flat[i] {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            Token::Period if depth == 0 && flat.get(i + 1) == Some(&Token::Period) => {
                dots = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(d) = dots else {
        return Ok(None);
    };
    let lo: Vec<Token> = flat[..d].to_vec();
    let rest: Vec<Token> = flat[d + 2..].to_vec();
    let by = rest.iter().position(|t| is_word(t, "by"));
    let (hi, step) = match by {
        Some(b) => (rest[..b].to_vec(), Some(rest[b + 1..].to_vec())),
        None => (rest, None),
    };
    if lo.is_empty() || hi.is_empty() || step.as_ref().is_some_and(Vec::is_empty) {
        return Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            "syntax error in integer FOR loop bounds",
        ));
    }
    Ok(Some((
        Fragment { toks: lo },
        Fragment { toks: hi },
        step.map(|toks| Fragment { toks }),
    )))
}
