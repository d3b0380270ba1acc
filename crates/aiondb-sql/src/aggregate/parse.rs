//! Parsing the aggregate commands sqlparser does not know:
//!
//! ```text
//! CREATE [OR REPLACE] AGGREGATE name ( args ) ( option = value, ... )
//! CREATE [OR REPLACE] AGGREGATE name ( basetype = t, sfunc = f, ... )   -- old syntax
//! DROP AGGREGATE [IF EXISTS] name ( args ) [, ...] [CASCADE | RESTRICT]
//! ALTER AGGREGATE name ( args ) RENAME TO new_name
//! COMMENT ON AGGREGATE name ( args ) IS 'text' | NULL
//! ```
//!
//! `args` is `*`, or `[VARIADIC] [argname] type, ...` with an optional
//! `ORDER BY` list (ordered-set aggregates). Types are kept as text and
//! resolved when the command runs; option names keep their quoting
//! (PostgreSQL matches them case-sensitively after downcasing).

use crate::parse::syntax_error;
use aiondb_core::{DbError, DbResult};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// A parsed aggregate command.
#[derive(Clone, Debug, PartialEq)]
pub enum AggregateCommand {
    Create {
        or_replace: bool,
        name: QualifiedName,
        /// None for the old syntax (the input type is the `basetype` option).
        signature: Option<Signature>,
        options: Vec<DefOption>,
    },
    Drop {
        if_exists: bool,
        targets: Vec<(QualifiedName, Signature)>,
        cascade: bool,
    },
    Rename {
        name: QualifiedName,
        signature: Signature,
        new_name: String,
    },
    Comment {
        name: QualifiedName,
        signature: Signature,
        comment: Option<String>,
    },
}

/// `[schema.]name`.
#[derive(Clone, Debug, PartialEq)]
pub struct QualifiedName {
    pub schema: Option<String>,
    pub name: String,
}

/// An aggregate's argument list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Signature {
    /// `(*)`.
    pub star: bool,
    pub args: Vec<ArgDecl>,
    /// The aggregated arguments after ORDER BY (ordered-set aggregates).
    pub order_by: Option<Vec<ArgDecl>>,
}

/// One declared argument.
#[derive(Clone, Debug, PartialEq)]
pub struct ArgDecl {
    pub variadic: bool,
    pub name: Option<String>,
    /// The type as written, e.g. `double precision`, `"any"`, `int[]`.
    pub type_text: String,
}

/// One `name [= value]` of the definition list.
#[derive(Clone, Debug, PartialEq)]
pub struct DefOption {
    /// Downcased unless quoted.
    pub name: String,
    pub value: Option<DefValue>,
}

/// An option's value.
#[derive(Clone, Debug, PartialEq)]
pub enum DefValue {
    /// A string literal.
    String(String),
    /// A number, as written.
    Number(String),
    /// A name or type name as written (may be qualified or an array type).
    Name(String),
}

impl DefValue {
    /// The value as text (a name downcased unless quoted).
    pub fn text(&self) -> String {
        match self {
            DefValue::String(s) | DefValue::Number(s) | DefValue::Name(s) => s.clone(),
        }
    }
}

/// Whether `words` (the statement's lowercase words) start an aggregate
/// command this module parses.
pub fn is_aggregate_command(words: &[String]) -> bool {
    let w = |i: usize| words.get(i).map(String::as_str);
    matches!(
        (w(0), w(1), w(2), w(3)),
        (Some("create"), Some("aggregate"), _, _)
            | (
                Some("create"),
                Some("or"),
                Some("replace"),
                Some("aggregate")
            )
            | (Some("drop" | "alter"), Some("aggregate"), _, _)
            | (Some("comment"), Some("on"), Some("aggregate"), _)
    )
}

struct Cursor {
    tokens: Vec<Token>,
    pos: usize,
}

impl Cursor {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_at(&self, n: usize) -> Option<&Token> {
        self.tokens.get(self.pos + n)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn error(&self) -> DbError {
        match self.peek() {
            None => syntax_error(0, "", ", found: EOF"),
            Some(t) => syntax_error(0, "", &format!(", found: {t}")),
        }
    }

    /// Whether the next token is the unquoted keyword `kw`.
    fn at_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }

    fn keyword(&mut self, kw: &str) -> DbResult<()> {
        if self.at_keyword(kw) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        let at = self.at_keyword(kw);
        if at {
            self.pos += 1;
        }
        at
    }

    fn expect(&mut self, t: &Token) -> DbResult<()> {
        if self.peek() == Some(t) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn identifier(&mut self) -> DbResult<String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let s = if w.quote_style.is_some() {
                    w.value.clone()
                } else {
                    w.value.to_lowercase()
                };
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.error()),
        }
    }

    fn qualified_name(&mut self) -> DbResult<QualifiedName> {
        let first = self.identifier()?;
        if self.peek() == Some(&Token::Period) {
            self.pos += 1;
            let name = self.identifier()?;
            return Ok(QualifiedName {
                schema: Some(first),
                name,
            });
        }
        Ok(QualifiedName {
            schema: None,
            name: first,
        })
    }

    /// The tokens up to (not including) the next `,` or `)` at depth 0,
    /// or an unquoted ORDER when `stop_at_order`.
    fn until_separator(&mut self, stop_at_order: bool) -> Vec<Token> {
        let mut depth = 0usize;
        let mut out = Vec::new();
        while let Some(t) = self.peek() {
            match t {
                Token::Comma | Token::RParen if depth == 0 => break,
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
                _ if depth == 0 && stop_at_order && self.at_keyword("order") => break,
                _ => {}
            }
            out.push(t.clone());
            self.pos += 1;
        }
        out
    }
}

fn render(tokens: &[Token]) -> String {
    let mut s = String::new();
    for (i, t) in tokens.iter().enumerate() {
        let word_like = |t: &Token| matches!(t, Token::Word(_) | Token::Number(..));
        if i > 0 && word_like(t) && word_like(&tokens[i - 1]) {
            s.push(' ');
        }
        s.push_str(&t.to_string());
    }
    s
}

/// Whether `tokens` read entirely as a type name.
fn is_type_name(tokens: &[Token]) -> bool {
    let text = render(tokens);
    let Ok(mut parser) = sqlparser::parser::Parser::new(&PostgreSqlDialect {}).try_with_sql(&text)
    else {
        return false;
    };
    parser.parse_data_type().is_ok() && parser.peek_token().token == Token::EOF
}

fn arg_decl(mut tokens: Vec<Token>) -> DbResult<ArgDecl> {
    let is_kw = |t: &Token, kw: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw));
    let mut variadic = false;
    match tokens.first() {
        Some(t) if is_kw(t, "variadic") => {
            variadic = true;
            tokens.remove(0);
        }
        Some(t) if is_kw(t, "in") => {
            tokens.remove(0);
        }
        Some(t) if is_kw(t, "out") || is_kw(t, "inout") => {
            return Err(DbError::not_supported(
                "aggregates cannot have output arguments",
            ));
        }
        _ => {}
    }
    if tokens.is_empty() {
        return Err(syntax_error(0, "", ", found: EOF"));
    }
    let mut name = None;
    if tokens.len() > 1
        && !is_type_name(&tokens)
        && is_type_name(&tokens[1..])
        && let Token::Word(w) = tokens.remove(0)
    {
        name = Some(if w.quote_style.is_some() {
            w.value
        } else {
            w.value.to_lowercase()
        });
    }
    Ok(ArgDecl {
        variadic,
        name,
        type_text: render(&tokens),
    })
}

fn arg_list(c: &mut Cursor, stop_at_order: bool) -> DbResult<Vec<ArgDecl>> {
    let mut out = Vec::new();
    loop {
        out.push(arg_decl(c.until_separator(stop_at_order))?);
        if c.peek() == Some(&Token::Comma) {
            c.pos += 1;
        } else {
            return Ok(out);
        }
    }
}

/// `( * | args [ORDER BY args] | ORDER BY args )`.
fn signature(c: &mut Cursor) -> DbResult<Signature> {
    c.expect(&Token::LParen)?;
    let mut sig = Signature::default();
    if c.peek() == Some(&Token::Mul) {
        c.pos += 1;
        sig.star = true;
    } else if c.peek() != Some(&Token::RParen) {
        if !c.at_keyword("order") {
            sig.args = arg_list(c, true)?;
        }
        if c.eat_keyword("order") {
            c.keyword("by")?;
            sig.order_by = Some(arg_list(c, false)?);
        }
    }
    c.expect(&Token::RParen)?;
    Ok(sig)
}

fn def_value(c: &mut Cursor) -> DbResult<DefValue> {
    let tokens = c.until_separator(false);
    match tokens.as_slice() {
        [Token::SingleQuotedString(s)] | [Token::EscapedStringLiteral(s)] => {
            Ok(DefValue::String(s.clone()))
        }
        [Token::DollarQuotedString(d)] => Ok(DefValue::String(d.value.clone())),
        [Token::Number(n, _)] => Ok(DefValue::Number(n.clone())),
        [Token::Minus, Token::Number(n, _)] => Ok(DefValue::Number(format!("-{n}"))),
        [Token::Word(w)] => Ok(DefValue::Name(if w.quote_style.is_some() {
            w.value.clone()
        } else {
            w.value.to_lowercase()
        })),
        [] => Err(c.error()),
        more => Ok(DefValue::Name(render(more))),
    }
}

/// `( name [= value], ... )`.
fn definition(c: &mut Cursor) -> DbResult<Vec<DefOption>> {
    c.expect(&Token::LParen)?;
    let mut out = Vec::new();
    loop {
        let name = c.identifier()?;
        let value = if c.peek() == Some(&Token::Eq) {
            c.pos += 1;
            Some(def_value(c)?)
        } else {
            None
        };
        out.push(DefOption { name, value });
        match c.next() {
            Some(Token::Comma) => {}
            Some(Token::RParen) => return Ok(out),
            _ => {
                c.pos -= 1;
                return Err(c.error());
            }
        }
    }
}

/// Parses one aggregate command (see [`is_aggregate_command`]).
pub fn parse_aggregate_command(text: &str) -> DbResult<AggregateCommand> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize()
        .map_err(|e| syntax_error(0, "", &e.to_string()))?;
    let tokens: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut c = Cursor { tokens, pos: 0 };
    let command = if c.eat_keyword("create") {
        let or_replace = c.eat_keyword("or");
        if or_replace {
            c.keyword("replace")?;
        }
        c.keyword("aggregate")?;
        let name = c.qualified_name()?;
        // New syntax: the argument list is followed by a second list.
        let old_style = matches!(
            (c.peek_at(1), c.peek_at(2)),
            (Some(Token::Word(_)), Some(Token::Eq))
        );
        let signature = if old_style {
            None
        } else {
            Some(signature(&mut c)?)
        };
        let options = definition(&mut c)?;
        AggregateCommand::Create {
            or_replace,
            name,
            signature,
            options,
        }
    } else if c.eat_keyword("drop") {
        c.keyword("aggregate")?;
        let if_exists = c.eat_keyword("if");
        if if_exists {
            c.keyword("exists")?;
        }
        let mut targets = Vec::new();
        loop {
            let name = c.qualified_name()?;
            targets.push((name, signature(&mut c)?));
            if c.peek() == Some(&Token::Comma) {
                c.pos += 1;
            } else {
                break;
            }
        }
        let cascade = c.eat_keyword("cascade");
        if !cascade {
            c.eat_keyword("restrict");
        }
        AggregateCommand::Drop {
            if_exists,
            targets,
            cascade,
        }
    } else if c.eat_keyword("alter") {
        c.keyword("aggregate")?;
        let name = c.qualified_name()?;
        let signature = signature(&mut c)?;
        if !c.at_keyword("rename") {
            return Err(DbError::not_supported(
                "ALTER AGGREGATE is supported only with RENAME TO",
            ));
        }
        c.keyword("rename")?;
        c.keyword("to")?;
        let new_name = c.identifier()?;
        AggregateCommand::Rename {
            name,
            signature,
            new_name,
        }
    } else {
        c.keyword("comment")?;
        c.keyword("on")?;
        c.keyword("aggregate")?;
        let name = c.qualified_name()?;
        let signature = signature(&mut c)?;
        c.keyword("is")?;
        let comment = match c.next() {
            Some(Token::SingleQuotedString(s)) | Some(Token::EscapedStringLiteral(s)) => Some(s),
            Some(Token::DollarQuotedString(d)) => Some(d.value),
            Some(Token::Word(w))
                if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("null") =>
            {
                None
            }
            _ => {
                c.pos -= 1;
                return Err(c.error());
            }
        };
        AggregateCommand::Comment {
            name,
            signature,
            comment,
        }
    };
    if c.peek() == Some(&Token::SemiColon) {
        c.pos += 1;
    }
    if c.peek().is_some() {
        return Err(c.error());
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_syntax_with_named_variadic_and_order_by() {
        let cmd = parse_aggregate_command(
            "create aggregate s.my_rank(VARIADIC items \"any\" ORDER BY double precision) (stype = internal, hypothetical, sspace = 10, initcond = '{}')",
        )
        .expect("parses");
        let AggregateCommand::Create {
            name,
            signature: Some(sig),
            options,
            ..
        } = cmd
        else {
            panic!("not a create");
        };
        assert_eq!(name.schema.as_deref(), Some("s"));
        assert_eq!(sig.args[0].name.as_deref(), Some("items"));
        assert!(sig.args[0].variadic);
        assert_eq!(sig.args[0].type_text, "\"any\"");
        assert_eq!(
            sig.order_by.as_ref().map(|o| o[0].type_text.as_str()),
            Some("double precision")
        );
        assert_eq!(options.len(), 4);
        assert_eq!(options[1].value, None);
        assert_eq!(options[2].value, Some(DefValue::Number("10".into())));
        assert_eq!(options[3].value, Some(DefValue::String("{}".into())));
    }

    #[test]
    fn old_syntax_and_array_types() {
        let cmd = parse_aggregate_command(
            "CREATE AGGREGATE newsum (sfunc1 = int4pl, \"Basetype\" = int4, stype = aggtype[])",
        )
        .expect("parses");
        let AggregateCommand::Create {
            signature: None,
            options,
            ..
        } = cmd
        else {
            panic!("not old syntax");
        };
        assert_eq!(options[1].name, "Basetype");
        assert_eq!(options[2].value, Some(DefValue::Name("aggtype[]".into())));
    }

    #[test]
    fn drop_comment_and_rename() {
        assert!(matches!(
            parse_aggregate_command("drop aggregate if exists a(*), b(int) cascade"),
            Ok(AggregateCommand::Drop { if_exists: true, ref targets, cascade: true }) if targets.len() == 2
        ));
        assert!(matches!(
            parse_aggregate_command("comment on aggregate a(int4) is null"),
            Ok(AggregateCommand::Comment { comment: None, .. })
        ));
        assert!(matches!(
            parse_aggregate_command("alter aggregate a(order by int) rename to b"),
            Ok(AggregateCommand::Rename { ref new_name, .. }) if new_name == "b"
        ));
        assert!(parse_aggregate_command("create aggregate a(int) (stype = int").is_err());
    }
}
