//! Splitting a query string into statements and parsing each one.
//!
//! The string is split at top-level semicolons (outside quotes, dollar
//! quotes and comments) so that commands sqlparser does not know
//! (CHECKPOINT, `VACUUM ANALYZE t`) can be recognized, and so that a syntax
//! error's position is counted from the start of the whole string, as
//! PostgreSQL reports it. Every statement is parsed before any runs.

use aiondb_core::{DbError, DbResult, SqlState};
use sqlparser::ast::{ObjectName, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Tokenizer, Word};

/// How deeply expressions may nest (the server runs statements on
/// threads with large stacks).
const RECURSION_LIMIT: usize = 1000;

/// One parsed command.
#[derive(Clone, Debug)]
pub enum Command {
    Sql(Box<Statement>),
    Checkpoint,
    /// VACUUM / ANALYZE [tables]: garbage collection (and statistics).
    Vacuum {
        tables: Vec<String>,
        /// ANALYZE without VACUUM (allowed in transaction blocks and
        /// functions).
        analyze_only: bool,
    },
    /// BEGIN / START TRANSACTION / SET TRANSACTION / SET SESSION
    /// CHARACTERISTICS with `[NOT] DEFERRABLE` (which sqlparser does not
    /// read): the statement without it, and the last one given.
    Transaction {
        stmt: Box<Statement>,
        deferrable: bool,
    },
    /// `DO [LANGUAGE plpgsql] 'body'`: an anonymous PL/pgSQL block.
    Do {
        body: String,
    },
    /// `CREATE CAST (source AS target) WITHOUT FUNCTION` (which sqlparser
    /// does not read).
    CreateCast {
        source: sqlparser::ast::DataType,
        target: sqlparser::ast::DataType,
    },
    /// `CREATE TABLE ... AS EXECUTE prepared`: the session substitutes
    /// the prepared query.
    CreateAsExecute(crate::ddl::CreateAsExecute),
    /// CREATE / DROP / ALTER AGGREGATE, COMMENT ON AGGREGATE.
    Aggregate(Box<crate::aggregate::AggregateCommand>),
}

/// Parses a query string into commands.
pub fn parse(sql: &str) -> DbResult<Vec<Command>> {
    let mut out = Vec::new();
    for (start, text) in split(sql) {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            continue;
        }
        let words: Vec<String> = trimmed
            .split_whitespace()
            .map(|w| w.trim_end_matches(';').to_ascii_lowercase())
            .collect();
        match words.first().map(String::as_str) {
            Some("checkpoint") if words.len() == 1 => {
                out.push(Command::Checkpoint);
                continue;
            }
            Some("do") => {
                out.push(Command::Do {
                    body: do_body(trimmed)?,
                });
                continue;
            }
            Some("create") if words.get(1).map(String::as_str) == Some("cast") => {
                out.push(create_cast(trimmed)?);
                continue;
            }
            Some("vacuum") | Some("analyze") | Some("analyse") => {
                let tables = words[1..]
                    .iter()
                    .filter(|w| {
                        !matches!(
                            w.as_str(),
                            "analyze" | "analyse" | "verbose" | "full" | "freeze"
                        )
                    })
                    .flat_map(|w| w.split(',').map(str::to_string).collect::<Vec<_>>())
                    .filter(|w| !w.is_empty())
                    .collect();
                let analyze_only = words[0] != "vacuum";
                out.push(Command::Vacuum {
                    tables,
                    analyze_only,
                });
                continue;
            }
            _ => {}
        }
        if crate::aggregate::is_aggregate_command(&words) {
            out.push(Command::Aggregate(Box::new(
                crate::aggregate::parse_aggregate_command(trimmed)?,
            )));
            continue;
        }
        if let Some((text, deferrable)) = strip_deferrable(trimmed, &words) {
            let mut statements = Parser::new(&PostgreSqlDialect {})
                .try_with_sql(&text)
                .and_then(|mut p| p.parse_statements())
                .map_err(|e| syntax_error(0, "", &e.to_string()))?;
            match (statements.pop(), statements.is_empty()) {
                (Some(stmt), true) => out.push(Command::Transaction {
                    stmt: Box::new(stmt),
                    deferrable,
                }),
                _ => {
                    return Err(syntax_error(
                        0,
                        "",
                        "syntax error at or near \"DEFERRABLE\"",
                    ));
                }
            }
            continue;
        }
        if words[0] == "fetch"
            && let Some(stmt) = fetch_statement(trimmed)
        {
            out.push(Command::Sql(Box::new(stmt)));
            continue;
        }
        if matches!(words[0].as_str(), "create" | "explain")
            && let Some(c) = crate::ddl::create_as_execute(trimmed)
        {
            out.push(Command::CreateAsExecute(c));
            continue;
        }
        let create_user =
            words.len() > 2 && words[0] == "create" && words[1] == "user" && words[2] != "mapping";
        let rewritten;
        let text = if words.first().map(String::as_str) == Some("copy") {
            rewritten = copy_booleans(text);
            rewritten.as_str()
        } else if create_user {
            rewritten = create_user_as_role(text);
            rewritten.as_str()
        } else if let Some(r) = (words.len() > 1 && words[0] == "create" && words[1] == "domain")
            .then(|| crate::ddl::domain::rewrite_not_null(text))
            .flatten()
        {
            rewritten = r;
            rewritten.as_str()
        } else if let Some(r) = matches!(
            words.first().map(String::as_str),
            Some("create" | "explain")
        )
        .then(|| crate::ddl::rewrite_column_names(text))
        .flatten()
        {
            rewritten = r;
            rewritten.as_str()
        } else {
            text
        };
        let offset = sql[..start].chars().count();
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, text)
            .tokenize_with_location()
            .map_err(|e| syntax_error(offset, text, &e.to_string()))?;
        let tokens = if matches!(
            words.first().map(String::as_str),
            Some("create" | "alter" | "drop" | "comment")
        ) {
            tokens
        } else {
            mark_variadic(tokens)
        };
        let mut statements = Parser::new(&PostgreSqlDialect {})
            .with_recursion_limit(RECURSION_LIMIT)
            .with_tokens_with_locations(absolute_locations(tokens, offset, text))
            .parse_statements()
            .map_err(|e| syntax_error(0, "", &e.to_string()))?;
        if create_user {
            // CREATE USER is CREATE ROLE with LOGIN unless NOLOGIN is given.
            for s in &mut statements {
                if let Statement::CreateRole(role) = s {
                    role.login.get_or_insert(true);
                }
            }
        }
        out.extend(statements.into_iter().map(|s| Command::Sql(Box::new(s))));
    }
    Ok(out)
}

/// `CREATE CAST (source AS target) WITHOUT FUNCTION [AS ASSIGNMENT |
/// AS IMPLICIT]`; casts through a function or WITH INOUT, and implicit or
/// assignment casts, are refused (0A000).
fn create_cast(text: &str) -> DbResult<Command> {
    let err = |e: sqlparser::parser::ParserError| syntax_error(0, "", &e.to_string());
    let mut p = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .map_err(err)?;
    p.expect_keywords(&[Keyword::CREATE, Keyword::CAST])
        .map_err(err)?;
    p.expect_token(&Token::LParen).map_err(err)?;
    let source = p.parse_data_type().map_err(err)?;
    p.expect_keyword(Keyword::AS).map_err(err)?;
    let target = p.parse_data_type().map_err(err)?;
    p.expect_token(&Token::RParen).map_err(err)?;
    if !p.parse_keywords(&[Keyword::WITHOUT, Keyword::FUNCTION]) {
        return Err(DbError::not_supported(
            "CREATE CAST WITH FUNCTION or WITH INOUT (only WITHOUT FUNCTION)",
        ));
    }
    if p.parse_keyword(Keyword::AS) {
        return Err(DbError::not_supported(
            "implicit and assignment casts (CREATE CAST ... AS ASSIGNMENT | AS IMPLICIT)",
        ));
    }
    let _ = p.consume_token(&Token::SemiColon);
    if p.peek_token() != Token::EOF {
        return Err(syntax_error(
            0,
            "",
            &format!("syntax error at or near \"{}\"", p.peek_token()),
        ));
    }
    Ok(Command::CreateCast { source, target })
}

/// The body of `DO [LANGUAGE lang] 'code' [LANGUAGE lang]`; only
/// plpgsql runs inline code.
fn do_body(text: &str) -> DbResult<String> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize()
        .map_err(|e| syntax_error(0, "", &e.to_string()))?;
    let mut toks = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon));
    toks.next(); // DO
    let mut body = None;
    let mut language = "plpgsql".to_string();
    while let Some(t) = toks.next() {
        match t {
            Token::Word(w)
                if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("language") =>
            {
                language = match toks.next() {
                    Some(Token::Word(l)) if l.quote_style.is_some() => l.value,
                    Some(Token::Word(l)) => l.value.to_lowercase(),
                    Some(Token::SingleQuotedString(l)) => l,
                    Some(other) => {
                        return Err(syntax_error(0, "", &format!(", found: {other}")));
                    }
                    None => return Err(syntax_error(0, "", ", found: EOF")),
                };
            }
            Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s) if body.is_none() => {
                body = Some(s)
            }
            Token::DollarQuotedString(d) if body.is_none() => body = Some(d.value),
            other => return Err(syntax_error(0, "", &format!(", found: {other}"))),
        }
    }
    let Some(body) = body else {
        return Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            "no inline code specified",
        ));
    };
    match language.as_str() {
        "plpgsql" => Ok(body),
        "sql" | "c" | "internal" => Err(DbError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            format!("language \"{language}\" does not support inline code execution"),
        )),
        other => Err(DbError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("language \"{other}\" does not exist"),
        )),
    }
}

/// A transaction-mode statement with `[NOT] DEFERRABLE` rewritten without
/// it (modes need no commas in PostgreSQL or sqlparser), with the last
/// DEFERRABLE setting; None for any other text.
fn strip_deferrable(text: &str, words: &[String]) -> Option<(String, bool)> {
    let head: Vec<&str> = words.iter().take(4).map(String::as_str).collect();
    let modes_statement = matches!(
        head.as_slice(),
        ["begin", ..] | ["start", "transaction", ..] | ["set", "transaction", ..]
    ) || head == ["set", "session", "characteristics", "as"];
    if !modes_statement || text.contains(['\'', '"', '$', '-', '/']) {
        return None;
    }
    let parts: Vec<String> = text
        .trim_end_matches(';')
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut deferrable = None;
    for w in &parts {
        if w.eq_ignore_ascii_case("deferrable") {
            let negated = kept.last().is_some_and(|p| p.eq_ignore_ascii_case("not"));
            if negated {
                kept.pop();
            }
            deferrable = Some(!negated);
        } else {
            kept.push(w);
        }
    }
    deferrable.map(|d| (kept.join(" "), d))
}

/// FETCH, read here because sqlparser takes no signed counts
/// (`FETCH ABSOLUTE -1`, `FETCH -3 FROM c`). None for text that is not a
/// plain FETCH; sqlparser then reports the syntax error.
fn fetch_statement(text: &str) -> Option<Statement> {
    use sqlparser::ast::{FetchDirection as D, FetchPosition, Ident, Value, ValueWithSpan};
    let text = text.trim_end_matches(';').trim();
    let mut words: Vec<&str> = text.split_whitespace().collect();
    let name = words.pop()?;
    let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(quoted) if !quoted.contains('"') => Ident::with_quote('"', quoted),
        Some(_) => return None,
        None if name.chars().all(|c| c.is_alphanumeric() || c == '_') => Ident::new(name),
        None => return None,
    };
    let mut rest: Vec<String> = words[1..].iter().map(|w| w.to_ascii_lowercase()).collect();
    let position = match rest.last().map(String::as_str) {
        Some("in") => FetchPosition::In,
        _ => FetchPosition::From,
    };
    if matches!(rest.last().map(String::as_str), Some("from" | "in")) {
        rest.pop();
    }
    let number = |w: &str| -> Option<ValueWithSpan> {
        w.parse::<i64>()
            .ok()
            .map(|n| Value::Number(n.to_string(), false).into())
    };
    let direction = match rest
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["next"] => D::Next,
        ["prior"] => D::Prior,
        ["first"] => D::First,
        ["last"] => D::Last,
        ["all"] => D::All,
        ["absolute", n] => D::Absolute { limit: number(n)? },
        ["relative", n] => D::Relative { limit: number(n)? },
        ["forward"] => D::Forward { limit: None },
        ["forward", "all"] => D::ForwardAll,
        ["forward", n] => D::Forward {
            limit: Some(number(n)?),
        },
        ["backward"] => D::Backward { limit: None },
        ["backward", "all"] => D::BackwardAll,
        ["backward", n] => D::Backward {
            limit: Some(number(n)?),
        },
        [n] => D::Count { limit: number(n)? },
        _ => return None,
    };
    Some(Statement::Fetch {
        name,
        direction,
        position,
        into: None,
    })
}

/// `CREATE USER` spelled as the `CREATE ROLE` it is in PostgreSQL (the
/// same length, so error positions still point at the user's text).
fn create_user_as_role(text: &str) -> String {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"(?i)^(\s*create\s+)user\b").ok());
    match re {
        Some(re) => re.replace(text, "${1}ROLE").into_owned(),
        None => text.to_string(),
    }
}

/// COPY options take `on`/`off` as booleans in PostgreSQL; sqlparser
/// only reads `true`/`false`.
fn copy_booleans(text: &str) -> String {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"(?i)\b(freeze|header)\s+(on|off)\b").ok());
    match re {
        Some(re) => re
            .replace_all(text, |c: &regex::Captures<'_>| {
                let v = if c[2].eq_ignore_ascii_case("on") {
                    "true"
                } else {
                    "false"
                };
                format!("{} {v}", &c[1])
            })
            .into_owned(),
        None => text.to_string(),
    }
}

/// The last part of a possibly qualified name.
pub fn object_name(name: &ObjectName) -> (Option<String>, String) {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p.as_ident() {
            Some(i) => ident(i),
            None => p.to_string(),
        })
        .collect();
    match parts.as_slice() {
        [] => (None, String::new()),
        [n] => (None, n.clone()),
        [.., s, n] => (Some(s.clone()), n.clone()),
    }
}

/// An identifier as PostgreSQL folds it: unquoted names go to lower case.
pub fn ident(i: &sqlparser::ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// The parameter name a `VARIADIC` call argument is rewritten to.
pub const VARIADIC_ARG: &str = "__variadic";

/// `f(a, VARIADIC arr)`, which sqlparser does not parse, becomes the named
/// argument `f(a, __variadic => arr)`; the binder expands it (see
/// `bind::aggregate`).
fn mark_variadic(mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut i = 0;
    while i < tokens.len() {
        let is_variadic = matches!(&tokens[i].token,
            Token::Word(w) if w.keyword == Keyword::VARIADIC && w.quote_style.is_none());
        let prev = tokens[..i]
            .iter()
            .rev()
            .find(|t| !matches!(t.token, Token::Whitespace(_)))
            .map(|t| &t.token);
        if is_variadic && matches!(prev, Some(Token::LParen | Token::Comma)) {
            let span = tokens[i].span;
            tokens[i].token = Token::Word(Word {
                value: VARIADIC_ARG.into(),
                quote_style: None,
                keyword: Keyword::NoKeyword,
            });
            tokens.insert(
                i + 1,
                TokenWithSpan {
                    token: Token::RArrow,
                    span,
                },
            );
            i += 1;
        }
        i += 1;
    }
    tokens
}

/// Rewrites token locations to line 1 and the 1-based character position
/// in the whole query string, so that every AST node's span start is the
/// position PostgreSQL reports for errors about it.
fn absolute_locations(tokens: Vec<TokenWithSpan>, offset: usize, text: &str) -> Vec<TokenWithSpan> {
    let mut line_starts = vec![0u64];
    let mut chars = 0u64;
    for c in text.chars() {
        chars += 1;
        if c == '\n' {
            line_starts.push(chars);
        }
    }
    let absolute = |l: Location| -> Location {
        if l.line == 0 {
            return l;
        }
        let before = usize::try_from(l.line - 1)
            .ok()
            .and_then(|i| line_starts.get(i))
            .copied()
            .unwrap_or(0);
        Location {
            line: 1,
            column: offset as u64 + before + l.column,
        }
    };
    tokens
        .into_iter()
        .map(|t| TokenWithSpan {
            span: Span::new(absolute(t.span.start), absolute(t.span.end)),
            token: t.token,
        })
        .collect()
}

/// The 1-based character position of an AST node's span, for an error's
/// cursor (spans are absolute, see [`absolute_locations`]).
pub fn span_position(span: Span) -> Option<u32> {
    (span.start.line == 1)
        .then(|| u32::try_from(span.start.column).ok())
        .flatten()
        .filter(|&p| p > 0)
}

/// Moves an error's cursor off whitespace onto the next token of `sql`:
/// PostgreSQL's cursor always marks a token, while some positions are only
/// known as "just past the previous one" (see `bind::expr::at_operator`).
pub fn cursor_on_token(mut err: DbError, sql: &str) -> DbError {
    let Some(p) = err.position.filter(|&p| p > 0) else {
        return err;
    };
    let skipped = sql
        .chars()
        .skip(p as usize - 1)
        .take_while(|c| c.is_whitespace())
        .count();
    if let Ok(skipped) = u32::try_from(skipped)
        && (p as usize - 1) + (skipped as usize) < sql.chars().count()
    {
        err.position = Some(p + skipped);
    }
    err
}

/// PostgreSQL's wording: `syntax error at or near "tok"`, or `at end of
/// input`. `offset` and `text` place a tokenizer error (segment-relative)
/// in the whole string; parser errors carry absolute locations already.
pub(crate) fn syntax_error(offset: usize, text: &str, message: &str) -> DbError {
    let message = message.trim_start_matches("sql parser error: ");
    let found = message
        .rsplit_once(", found: ")
        .map(|(_, f)| f.rsplit_once(" at Line: ").map_or(f, |(t, _)| t));
    let text_message = match found {
        Some("EOF") => "syntax error at end of input".to_string(),
        Some(tok) => format!("syntax error at or near \"{tok}\""),
        None => format!("syntax error: {message}"),
    };
    let mut err = DbError::new(SqlState::SYNTAX_ERROR, text_message);
    let pos = if text.is_empty() {
        location(" ", message)
    } else {
        location(text, message).map(|p| p + offset)
    };
    if let Some(pos) = pos.filter(|&p| p > 0) {
        err = err.with_position(pos as u32);
    }
    err
}

/// Character position (1-based) from sqlparser's "Line: L, Column: C".
fn location(text: &str, message: &str) -> Option<usize> {
    let line_at = message.find("Line: ")?;
    let rest = &message[line_at + 6..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let line: usize = line.trim().parse().ok()?;
    let col: usize = rest
        .trim()
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()?;
    let before: usize = text
        .split('\n')
        .take(line.saturating_sub(1))
        .map(|l| l.chars().count() + 1)
        .sum();
    Some(before + col)
}

/// Splits at top-level semicolons; yields (byte offset, statement text).
fn split(sql: &str) -> Vec<(usize, &str)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                let q = bytes[i];
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == q {
                        if i + 1 < bytes.len() && bytes[i + 1] == q {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    if q == b'\'' && bytes[i] == b'\\' && i > 0 && is_escape_string(bytes, i) {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'$' => {
                let tag_end = bytes[i + 1..]
                    .iter()
                    .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
                    .map(|p| i + 1 + p);
                match tag_end {
                    Some(e)
                        if bytes[e] == b'$'
                            && !bytes[i + 1..e].first().is_some_and(u8::is_ascii_digit) =>
                    {
                        let tag = &sql[i..=e];
                        match sql[e + 1..].find(tag) {
                            Some(p) => i = e + 1 + p + tag.len(),
                            None => i = bytes.len(),
                        }
                    }
                    _ => i += 1,
                }
            }
            b';' => {
                out.push((start, &sql[start..i]));
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < sql.len() {
        out.push((start, &sql[start..]));
    }
    out
}

/// Whether the quote around position `i` opened an E'' string.
fn is_escape_string(bytes: &[u8], i: usize) -> bool {
    let open = bytes[..i].iter().rposition(|&c| c == b'\'');
    matches!(open, Some(o) if o > 0 && (bytes[o - 1] == b'E' || bytes[o - 1] == b'e'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_comments() {
        let parts: Vec<&str> = split("select ';'; select $$a;b$$; -- x;\nselect 1")
            .into_iter()
            .map(|(_, s)| s.trim())
            .collect();
        assert_eq!(
            parts,
            vec!["select ';'", "select $$a;b$$", "-- x;\nselect 1"]
        );
    }

    #[test]
    fn special_commands_and_error_positions() {
        let cmds = parse("vacuum analyze pgbench_branches; CHECKPOINT; select 1").expect("parse");
        assert!(
            matches!(&cmds[0], Command::Vacuum { tables, .. } if tables == &vec!["pgbench_branches".to_string()])
        );
        assert!(matches!(cmds[1], Command::Checkpoint));
        let err = parse("select 1; selec 2").expect_err("syntax");
        assert_eq!(err.code.code(), "42601");
        assert_eq!(err.position, Some(11));
    }

    #[test]
    fn cursor_moves_from_whitespace_onto_the_next_token() {
        let at = |p| DbError::new(SqlState::UNDEFINED_FUNCTION, "x").with_position(p);
        let sql = "select 3 ||\n 4.0";
        assert_eq!(cursor_on_token(at(9), sql).position, Some(10));
        assert_eq!(cursor_on_token(at(8), sql).position, Some(8));
        // Trailing whitespace: the cursor stays where it was.
        assert_eq!(cursor_on_token(at(9), "select 3 ").position, Some(9));
    }
}
