//! Parsing a PL/pgSQL body into the statement tree of [`super::ast`].
//!
//! The body is tokenized once with sqlparser's PostgreSQL tokenizer
//! (whitespace and comments dropped). PL/pgSQL keywords are recognized by
//! the word at the start of a statement; everything that is SQL (an
//! expression, a query, a plain statement) is kept as its token run and
//! handed to the SQL engine when it runs, so SQL syntax errors surface at
//! run time exactly as the SQL parser reports them.
//!
//! Invariants: every construct outside the supported subset is an error
//! here (42601 for syntax, 0A000 for recognized but unsupported
//! statements), never skipped; parsing never panics (all indexing goes
//! through `peek`/`next`, which return `Token::EOF` past the end).

use super::ast::{Block, Condition, Decl, Fragment, Handler, Into, RaiseLevel, Stmt, VarKind};
use super::lexical::{count_placeholders, split_range, sqlstate};
use aiondb_core::{DbError, DbResult, SqlState};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// Resolves a declared variable type's text (built-in or user type).
pub type TypeResolver<'a> = &'a dyn Fn(&str) -> DbResult<aiondb_core::DataType>;

/// Parses a whole body: one block, optionally followed by `;`.
pub fn parse_body(body: &str, types: TypeResolver<'_>) -> DbResult<Block> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, body)
        .tokenize()
        .map_err(|e| syntax(&e.to_string()))?;
    let toks: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut p = P {
        toks,
        pos: 0,
        depth: 0,
        types,
    };
    let label = p.label();
    let block = p.block(label)?;
    if p.peek() == &Token::SemiColon {
        p.pos += 1;
    }
    if p.peek() != &Token::EOF {
        return Err(p.unexpected());
    }
    Ok(block)
}

fn syntax(msg: &str) -> DbError {
    DbError::new(SqlState::SYNTAX_ERROR, msg.to_string())
}

fn unsupported(what: &str) -> DbError {
    DbError::not_supported(format!("PL/pgSQL {what} is not supported"))
}

/// Whether `t` is the unquoted word `kw` (case-insensitive).
pub(super) fn is_word(t: &Token, kw: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// An identifier as PostgreSQL folds it.
pub(super) fn ident_of(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style == Some('"') => Some(w.value.clone()),
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    }
}

fn is_assign(t: &Token) -> bool {
    t.to_string() == ":="
}

/// How deeply statements may nest (blocks, loops, IFs): the parser and
/// the interpreter recurse once per level.
const MAX_NESTING: usize = 100;

struct P<'a> {
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    types: TypeResolver<'a>,
}

impl P<'_> {
    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &Token {
        self.toks.get(self.pos + n).unwrap_or(&Token::EOF)
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn unexpected(&self) -> DbError {
        match self.peek() {
            Token::EOF => syntax("syntax error at end of input"),
            t => syntax(&format!("syntax error at or near \"{t}\"")),
        }
    }

    fn eat_word(&mut self, kw: &str) -> bool {
        if is_word(self.peek(), kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, kw: &str) -> DbResult<()> {
        if self.eat_word(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect_semi(&mut self) -> DbResult<()> {
        if self.peek() == &Token::SemiColon {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn ident(&mut self) -> DbResult<String> {
        match ident_of(self.peek()) {
            Some(name) => {
                self.pos += 1;
                Ok(name)
            }
            None => Err(self.unexpected()),
        }
    }

    /// `<<label>>`, if present.
    fn label(&mut self) -> Option<String> {
        if self.peek() == &Token::ShiftLeft
            && let Some(name) = ident_of(self.peek_at(1))
            && self.peek_at(2) == &Token::ShiftRight
        {
            self.pos += 3;
            return Some(name);
        }
        None
    }

    /// `END [label]` after a block or loop: the label must match.
    fn end_label(&mut self, label: &Option<String>) -> DbResult<()> {
        if let Some(name) = ident_of(self.peek())
            && self.peek() != &Token::SemiColon
        {
            if label.as_deref() != Some(name.as_str()) {
                return Err(syntax(&format!(
                    "end label \"{name}\" differs from block's label \"{}\"",
                    label.clone().unwrap_or_default()
                )));
            }
            self.pos += 1;
        }
        Ok(())
    }

    fn block(&mut self, label: Option<String>) -> DbResult<Block> {
        let mut decls = Vec::new();
        if self.eat_word("declare") {
            while !is_word(self.peek(), "begin") {
                if self.peek() == &Token::EOF {
                    return Err(self.unexpected());
                }
                if self.eat_word("declare") {
                    continue;
                }
                decls.push(self.decl()?);
            }
        }
        self.expect_word("begin")?;
        let body = self.stmts(&["end", "exception"])?;
        let mut handlers = Vec::new();
        if self.eat_word("exception") {
            while self.eat_word("when") {
                let mut conditions = vec![self.condition()?];
                while self.eat_word("or") {
                    conditions.push(self.condition()?);
                }
                self.expect_word("then")?;
                let body = self.stmts(&["when", "end"])?;
                handlers.push(Handler { conditions, body });
            }
            if handlers.is_empty() {
                return Err(self.unexpected());
            }
        }
        self.expect_word("end")?;
        self.end_label(&label)?;
        Ok(Block {
            label,
            decls,
            body,
            handlers,
        })
    }

    /// A condition name, OTHERS, or `SQLSTATE 'xxxxx'`.
    fn condition(&mut self) -> DbResult<Condition> {
        if self.eat_word("others") {
            return Ok(Condition::Others);
        }
        if self.eat_word("sqlstate") {
            return match self.next() {
                Token::SingleQuotedString(code) => sqlstate(&code).map(Condition::Code),
                _ => Err(self.unexpected()),
            };
        }
        let name = self.ident()?;
        super::errcodes::code_of(&name)
            .map(Condition::Code)
            .ok_or_else(|| {
                DbError::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("unrecognized exception condition \"{name}\""),
                )
            })
    }

    /// `INTO [STRICT] a, b`, if next.
    fn into(&mut self) -> DbResult<Option<Into>> {
        if !self.eat_word("into") {
            return Ok(None);
        }
        let strict = self.eat_word("strict");
        let mut targets = vec![self.ident()?];
        while self.peek() == &Token::Comma {
            self.pos += 1;
            targets.push(self.ident()?);
        }
        Ok(Some(Into { targets, strict }))
    }

    fn decl(&mut self) -> DbResult<Decl> {
        let name = self.ident()?;
        let constant = self.eat_word("constant");
        if is_word(self.peek(), "alias") {
            return Err(unsupported("ALIAS declaration"));
        }
        if is_word(self.peek(), "cursor") || is_word(self.peek(), "refcursor") {
            return Err(unsupported("cursor variable"));
        }
        let mut ty = Vec::new();
        loop {
            let t = self.peek();
            if t == &Token::SemiColon
                || is_assign(t)
                || t == &Token::Eq
                || is_word(t, "default")
                || is_word(t, "not")
                || is_word(t, "collate")
                || t == &Token::EOF
            {
                break;
            }
            if t == &Token::Mod {
                return Err(unsupported("%TYPE / %ROWTYPE declaration"));
            }
            ty.push(self.next());
        }
        let type_text = ty
            .iter()
            .map(Token::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        let kind = if type_text.eq_ignore_ascii_case("record") {
            VarKind::Record
        } else {
            VarKind::Scalar((self.types)(&type_text)?)
        };
        if self.eat_word("collate") {
            self.next();
        }
        let not_null = if self.eat_word("not") {
            self.expect_word("null")?;
            true
        } else {
            false
        };
        let default = if self.eat_word("default") {
            Some(self.fragment(&[])?)
        } else if is_assign(self.peek()) || self.peek() == &Token::Eq {
            self.pos += 1;
            Some(self.fragment(&[])?)
        } else {
            None
        };
        self.expect_semi()?;
        Ok(Decl {
            name,
            kind,
            default,
            constant,
            not_null,
        })
    }

    /// Statements until one of the `stop` words (not consumed).
    fn stmts(&mut self, stop: &[&str]) -> DbResult<Vec<Stmt>> {
        if self.depth >= MAX_NESTING {
            return Err(DbError::new(
                SqlState::from_static("54001"),
                "PL/pgSQL statements nest too deeply",
            ));
        }
        self.depth += 1;
        let r = self.stmts_inner(stop);
        self.depth -= 1;
        r
    }

    fn stmts_inner(&mut self, stop: &[&str]) -> DbResult<Vec<Stmt>> {
        let mut out = Vec::new();
        loop {
            if stop.iter().any(|s| is_word(self.peek(), s)) {
                return Ok(out);
            }
            if self.peek() == &Token::EOF {
                return Err(self.unexpected());
            }
            out.push(self.stmt()?);
        }
    }

    /// Tokens of an SQL fragment up to `;` or one of the `stop` words at
    /// parenthesis depth 0 outside CASE ... END (neither consumed).
    fn fragment(&mut self, stop: &[&str]) -> DbResult<Fragment> {
        let mut depth = 0usize;
        let mut case = 0usize;
        let mut toks = Vec::new();
        loop {
            let t = self.peek();
            match t {
                Token::EOF => break,
                Token::SemiColon if depth == 0 => break,
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
                _ if depth == 0 && case == 0 && stop.iter().any(|s| is_word(t, s)) => break,
                _ if is_word(t, "case") => case += 1,
                _ if is_word(t, "end") && case > 0 => case -= 1,
                _ => {}
            }
            toks.push(self.next());
        }
        if toks.is_empty() {
            return Err(self.unexpected());
        }
        Ok(Fragment { toks })
    }

    fn stmt(&mut self) -> DbResult<Stmt> {
        let label = self.label();
        let t = self.peek().clone();
        let word = match &t {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_lowercase(),
            Token::Word(_) => String::new(),
            _ => return Err(self.unexpected()),
        };
        if label.is_some()
            && !matches!(
                word.as_str(),
                "declare" | "begin" | "loop" | "while" | "for" | "foreach"
            )
        {
            return Err(self.unexpected());
        }
        match word.as_str() {
            "declare" | "begin" => {
                let b = self.block(label)?;
                self.expect_semi()?;
                return Ok(Stmt::Block(b));
            }
            "if" => return self.if_stmt(),
            "loop" => {
                self.pos += 1;
                let body = self.loop_body(&label)?;
                return Ok(Stmt::Loop { label, body });
            }
            "while" => {
                self.pos += 1;
                let cond = self.fragment(&["loop"])?;
                self.expect_word("loop")?;
                let body = self.loop_body(&label)?;
                return Ok(Stmt::While { label, cond, body });
            }
            "for" => return self.for_stmt(label),
            "exit" | "continue" => {
                self.pos += 1;
                let target = match ident_of(self.peek()) {
                    Some(n) if !is_word(self.peek(), "when") => {
                        self.pos += 1;
                        Some(n)
                    }
                    _ => None,
                };
                let when = if self.eat_word("when") {
                    Some(self.fragment(&[])?)
                } else {
                    None
                };
                self.expect_semi()?;
                return Ok(if word == "exit" {
                    Stmt::Exit {
                        label: target,
                        when,
                    }
                } else {
                    Stmt::Continue {
                        label: target,
                        when,
                    }
                });
            }
            "return" => {
                self.pos += 1;
                if is_word(self.peek(), "next") || is_word(self.peek(), "query") {
                    return Err(unsupported("RETURN NEXT / RETURN QUERY"));
                }
                let value = if self.peek() == &Token::SemiColon {
                    None
                } else {
                    Some(self.fragment(&[])?)
                };
                self.expect_semi()?;
                return Ok(Stmt::Return(value));
            }
            "raise" => return self.raise(),
            "perform" => {
                self.pos += 1;
                let q = self.fragment(&[])?;
                self.expect_semi()?;
                return Ok(Stmt::Perform(q));
            }
            "null" if self.peek_at(1) == &Token::SemiColon => {
                self.pos += 2;
                return Ok(Stmt::Null);
            }
            "execute" => {
                self.pos += 1;
                let query = self.fragment(&["into", "using"])?;
                let into = self.into()?;
                let mut using = Vec::new();
                if self.eat_word("using") {
                    using.push(self.arg_fragment()?);
                    while self.peek() == &Token::Comma {
                        self.pos += 1;
                        using.push(self.arg_fragment()?);
                    }
                }
                if into.is_none() && is_word(self.peek(), "into") {
                    return Err(self.unexpected());
                }
                let into = match into {
                    Some(i) => Some(i),
                    None => self.into()?,
                };
                self.expect_semi()?;
                return Ok(Stmt::Execute { query, into, using });
            }
            "foreach" | "case" | "get" | "open" | "fetch" | "close" | "move" | "commit"
            | "rollback" | "assert" | "call" => {
                return Err(unsupported(&format!("{} statement", word.to_uppercase())));
            }
            _ => {}
        }
        // Assignment: name [ '[' subscript ']' ] := expr
        if let Some(name) = ident_of(&t) {
            let next = self.peek_at(1).clone();
            if is_assign(&next) || next == Token::Eq {
                self.pos += 2;
                let value = self.fragment(&[])?;
                self.expect_semi()?;
                return Ok(Stmt::Assign { name, value });
            }
            if next == Token::LBracket || next == Token::Period {
                // name[...] := or rec.field := ; a SQL statement never
                // starts that way.
                let mut i = 1;
                while !matches!(self.peek_at(i), Token::SemiColon | Token::EOF) {
                    if is_assign(self.peek_at(i)) {
                        return Err(unsupported("assignment to an array element or field"));
                    }
                    i += 1;
                }
            }
        }
        let sql = self.fragment(&[])?;
        self.expect_semi()?;
        Ok(Stmt::Sql(sql))
    }

    fn loop_body(&mut self, label: &Option<String>) -> DbResult<Vec<Stmt>> {
        let body = self.stmts(&["end"])?;
        self.expect_word("end")?;
        self.expect_word("loop")?;
        self.end_label(label)?;
        self.expect_semi()?;
        Ok(body)
    }

    fn if_stmt(&mut self) -> DbResult<Stmt> {
        self.expect_word("if")?;
        let mut branches = Vec::new();
        let mut otherwise = Vec::new();
        let cond = self.fragment(&["then"])?;
        self.expect_word("then")?;
        let body = self.stmts(&["elsif", "elseif", "else", "end"])?;
        branches.push((cond, body));
        loop {
            if self.eat_word("elsif") || self.eat_word("elseif") {
                let cond = self.fragment(&["then"])?;
                self.expect_word("then")?;
                let body = self.stmts(&["elsif", "elseif", "else", "end"])?;
                branches.push((cond, body));
            } else if self.eat_word("else") {
                otherwise = self.stmts(&["end"])?;
            } else {
                break;
            }
        }
        self.expect_word("end")?;
        self.expect_word("if")?;
        self.expect_semi()?;
        Ok(Stmt::If {
            branches,
            otherwise,
        })
    }

    fn for_stmt(&mut self, label: Option<String>) -> DbResult<Stmt> {
        self.expect_word("for")?;
        let mut targets = vec![self.ident()?];
        while self.peek() == &Token::Comma {
            self.pos += 1;
            targets.push(self.ident()?);
        }
        self.expect_word("in")?;
        let reverse = self.eat_word("reverse");
        if is_word(self.peek(), "execute") {
            return Err(unsupported("FOR ... IN EXECUTE"));
        }
        let range = self.fragment(&["loop"])?;
        self.expect_word("loop")?;
        let body = self.loop_body(&label)?;
        if let Some((lo, hi, step)) = split_range(range.toks.clone())? {
            if targets.len() != 1 {
                return Err(syntax(
                    "integer FOR loop must have only one target variable",
                ));
            }
            return Ok(Stmt::ForRange {
                label,
                var: targets.remove(0),
                reverse,
                lo,
                hi,
                step,
                body,
            });
        }
        if reverse {
            return Err(syntax("syntax error at or near \"REVERSE\""));
        }
        Ok(Stmt::ForQuery {
            label,
            targets,
            query: range,
            body,
        })
    }

    fn raise(&mut self) -> DbResult<Stmt> {
        self.expect_word("raise")?;
        if self.peek() == &Token::SemiColon {
            self.pos += 1;
            return Ok(Stmt::Reraise);
        }
        let level = if self.eat_word("exception") {
            RaiseLevel::Exception
        } else if self.eat_word("warning") {
            RaiseLevel::Warning
        } else if self.eat_word("notice") {
            RaiseLevel::Notice
        } else if self.eat_word("info") {
            RaiseLevel::Info
        } else if self.eat_word("log") || self.eat_word("debug") {
            RaiseLevel::Debug
        } else {
            RaiseLevel::Exception
        };
        let mut format = None;
        let mut condition = None;
        match self.peek().clone() {
            Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s) => {
                self.pos += 1;
                format = Some(s);
            }
            _ if is_word(self.peek(), "sqlstate") => {
                self.pos += 1;
                match self.next() {
                    Token::SingleQuotedString(code) => condition = Some(sqlstate(&code)?),
                    _ => return Err(self.unexpected()),
                }
            }
            _ if is_word(self.peek(), "using") => {}
            Token::Word(_) => {
                let name = self.ident()?;
                condition = Some(super::errcodes::code_of(&name).ok_or_else(|| {
                    DbError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!("unrecognized exception condition \"{name}\""),
                    )
                })?);
                format = Some(name);
            }
            _ => return Err(self.unexpected()),
        }
        let mut args = Vec::new();
        while self.peek() == &Token::Comma {
            self.pos += 1;
            args.push(self.arg_fragment()?);
        }
        let mut options = Vec::new();
        if self.eat_word("using") {
            loop {
                let name = self.ident()?;
                if !matches!(name.as_str(), "message" | "detail" | "hint" | "errcode") {
                    return Err(unsupported(&format!(
                        "RAISE option {}",
                        name.to_uppercase()
                    )));
                }
                if !(self.peek() == &Token::Eq || is_assign(self.peek())) {
                    return Err(self.unexpected());
                }
                self.pos += 1;
                options.push((name, self.arg_fragment()?));
                if self.peek() != &Token::Comma {
                    break;
                }
                self.pos += 1;
            }
        }
        self.expect_semi()?;
        let placeholders = format.as_deref().map_or(0, count_placeholders);
        if condition.is_some() && !args.is_empty() {
            return Err(self.unexpected());
        }
        if condition.is_none() && placeholders > args.len() {
            return Err(syntax("too few parameters specified for RAISE"));
        }
        if condition.is_none() && placeholders < args.len() {
            return Err(syntax("too many parameters specified for RAISE"));
        }
        if format.is_none() && !options.iter().any(|(n, _)| n == "message") && condition.is_none() {
            return Err(syntax("RAISE USING needs a MESSAGE or ERRCODE"));
        }
        Ok(Stmt::Raise {
            level,
            format,
            args,
            condition,
            options,
        })
    }

    /// One RAISE argument: up to a top-level `,`, `;` or USING.
    fn arg_fragment(&mut self) -> DbResult<Fragment> {
        let mut depth = 0usize;
        let mut toks = Vec::new();
        loop {
            let t = self.peek();
            match t {
                Token::EOF => break,
                Token::SemiColon | Token::Comma if depth == 0 => break,
                _ if depth == 0 && is_word(t, "using") => break,
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
                _ => {}
            }
            toks.push(self.next());
        }
        if toks.is_empty() {
            return Err(self.unexpected());
        }
        Ok(Fragment { toks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built-in type names only (no catalog in these tests).
    fn builtin_types(text: &str) -> DbResult<aiondb_core::DataType> {
        crate::types::parse_type_name(&text.to_lowercase()).ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("type \"{text}\" does not exist"),
            )
        })
    }

    #[test]
    fn parses_the_supported_subset() {
        let b = parse_body(
            "<<outer>> DECLARE r text[]; i int := 0; BEGIN
               r := parse_ident('a.b');
               IF i > 0 THEN NULL; ELSIF i < 0 THEN NULL; ELSE i := 1; END IF;
               FOR j IN 1..10 BY 2 LOOP CONTINUE WHEN j = 3; EXIT outer WHEN j = 7; END LOOP;
               FOR rec IN SELECT 1 AS a LOOP PERFORM rec.a; END LOOP;
               WHILE i < 3 LOOP i := i + 1; END LOOP;
               RAISE NOTICE '% and %%', i;
               INSERT INTO t VALUES (i);
             END outer;",
            &builtin_types,
        )
        .expect("parse");
        assert_eq!(b.decls.len(), 2);
        assert_eq!(b.body.len(), 7);
        assert!(matches!(b.body[2], Stmt::ForRange { step: Some(_), .. }));
    }

    #[test]
    fn rejects_what_is_outside_the_subset() {
        let code = |s: &str| {
            parse_body(s, &builtin_types)
                .map(|_| ())
                .expect_err(s)
                .code
                .code()
        };
        assert_eq!(
            code("BEGIN NULL; EXCEPTION WHEN no_such_condition THEN NULL; END"),
            "42704"
        );
        assert_eq!(code("BEGIN RAISE NOTICE '%'; END"), "42601");
        let deep = format!("{}NULL;{}", "BEGIN ".repeat(5000), " END;".repeat(5000));
        assert_eq!(code(&format!("BEGIN {deep} END")), "54001");
        assert_eq!(code("BEGIN IF true THEN NULL; END"), "42601");
        assert_eq!(
            code("BEGIN CASE 1 WHEN 1 THEN NULL; END CASE; END"),
            "0A000"
        );
    }
}
