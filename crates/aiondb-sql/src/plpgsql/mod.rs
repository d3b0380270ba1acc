//! PL/pgSQL: `DO` blocks and the bodies of `LANGUAGE plpgsql` functions.
//!
//! ```text
//!   body text ─ parse (tokens → ast::Block) ─ exec (Interp) ─┬─ sql::eval / sql::run
//!                                                            └─ notices, P0001 errors
//! ```
//!
//! The supported subset: DECLARE (`name [CONSTANT] type [NOT NULL]
//! [:= | = | DEFAULT expr]`, `record`), nested blocks with labels and
//! `EXCEPTION WHEN cond [OR cond] THEN` handlers (the body runs under a
//! savepoint; SQLSTATE and SQLERRM are visible in the handler),
//! assignment, IF/ELSIF/ELSE, LOOP, WHILE, integer FOR (REVERSE, BY),
//! FOR over a query, EXIT/CONTINUE [label] [WHEN], RETURN, RAISE
//! (DEBUG/LOG/INFO/NOTICE/WARNING/EXCEPTION with `%` arguments, a
//! condition name or SQLSTATE, USING MESSAGE/DETAIL/HINT/ERRCODE; bare
//! `RAISE;` in a handler), PERFORM, `SELECT ... INTO [STRICT]`,
//! `... RETURNING ... INTO`, `EXECUTE string [INTO] [USING]`, and plain
//! SQL statements, all run in the caller's transaction. Anything else
//! fails with 0A000 (recognized, not supported) or 42601 (syntax),
//! before any statement of the block runs.

mod ast;
mod errcodes;
mod exec;
mod lexical;
mod parse;
mod sql;

pub(crate) use sql::render;

use crate::output::SqlContext;
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};
use sql::{Slot, Var, Vars};

fn found_var() -> Var {
    Var {
        name: "found".into(),
        slot: Slot::Scalar {
            ty: DataType::Bool,
            value: Value::Bool(false),
        },
        constant: false,
        not_null: false,
    }
}

/// Parses a body, its declared types resolved in `ctx`'s catalog.
fn parse_in(ctx: &SqlContext<'_>, body: &str) -> DbResult<ast::Block> {
    parse::parse_body(body, &|text| sql::type_from_text(ctx, text))
}

/// Checks a body's syntax without running it (CREATE FUNCTION).
pub fn validate(ctx: &SqlContext<'_>, body: &str) -> DbResult<()> {
    parse_in(ctx, body).map(|_| ())
}

/// Runs a `DO` block.
pub fn run_do(ctx: &mut SqlContext<'_>, body: &str) -> DbResult<()> {
    let block = parse_in(ctx, body)?;
    let mut interp = exec::Interp {
        ctx,
        vars: Vars {
            scopes: vec![vec![found_var()]],
            positional: Vec::new(),
            conflict_is_error: true,
        },
        fresh_snapshots: true,
        handling: Vec::new(),
    };
    match interp.block(&block)? {
        exec::Flow::Normal | exec::Flow::Return(None) => Ok(()),
        exec::Flow::Return(Some(_)) => Err(DbError::new(
            SqlState::DATATYPE_MISMATCH,
            "RETURN cannot have a parameter in function returning void",
        )),
        exec::Flow::Exit(_) | exec::Flow::Continue(_) => Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            "EXIT cannot be used outside a loop, unless it has a label",
        )),
    }
}

/// One argument of a function call: its name (if declared), type, value.
pub struct Arg {
    pub name: Option<String>,
    pub ty: DataType,
    pub value: Value,
}

/// Runs a plpgsql function body; returns the RETURN value cast to `ret`
/// (NULL for `void`).
pub fn call(
    ctx: &mut SqlContext<'_>,
    name: &str,
    body: &str,
    args: Vec<Arg>,
    ret: &DataType,
    void: bool,
) -> DbResult<Value> {
    let block = parse_in(ctx, body)?;
    let mut scope = vec![found_var()];
    let positional = push_parameters(&mut scope, args, false);
    let mut interp = exec::Interp {
        ctx,
        vars: Vars {
            scopes: vec![scope],
            positional,
            conflict_is_error: true,
        },
        fresh_snapshots: false,
        handling: Vec::new(),
    };
    match interp.block(&block)? {
        exec::Flow::Return(Some(_)) if void => Err(DbError::new(
            SqlState::DATATYPE_MISMATCH,
            "RETURN cannot have a parameter in function returning void",
        )),
        exec::Flow::Return(Some((v, from))) => sql::coerce(interp.ctx, v, &from, ret),
        _ if void => Ok(Value::Null),
        exec::Flow::Return(None) | exec::Flow::Normal => Err(DbError::new(
            SqlState::from_static("2F005"),
            format!("control reached end of function without RETURN in function {name}"),
        )),
        exec::Flow::Exit(_) | exec::Flow::Continue(_) => Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            "EXIT cannot be used outside a loop, unless it has a label",
        )),
    }
}

/// Runs a `LANGUAGE sql` function body: its statements in order, with
/// the parameters visible by name and as `$n`; the result is the first
/// column of the last statement's first row (NULL for no row).
pub fn call_sql(
    ctx: &mut SqlContext<'_>,
    body: &str,
    args: Vec<Arg>,
    ret: &DataType,
    void: bool,
) -> DbResult<Value> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, body)
        .tokenize()
        .map_err(|e| DbError::new(SqlState::SYNTAX_ERROR, e.to_string()))?;
    let mut statements: Vec<Vec<Token>> = vec![Vec::new()];
    for t in tokens {
        match t {
            Token::Whitespace(_) => {}
            Token::SemiColon => statements.push(Vec::new()),
            other => {
                if let Some(last) = statements.last_mut() {
                    last.push(other);
                }
            }
        }
    }
    statements.retain(|s| !s.is_empty());
    let mut scope = Vec::with_capacity(args.len());
    let positional = push_parameters(&mut scope, args, true);
    let vars = Vars {
        scopes: vec![scope],
        positional,
        conflict_is_error: false,
    };
    let mut last = None;
    for s in &statements {
        last = Some(sql::run(ctx, &vars, s)?);
    }
    if void {
        return Ok(Value::Null);
    }
    match last {
        Some(crate::output::StatementOutput::Rows { columns, rows, .. }) => {
            let value = rows
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .unwrap_or(Value::Null);
            let from = columns
                .first()
                .map(|c| c.data_type.clone())
                .unwrap_or(DataType::Unknown);
            sql::coerce(ctx, value, &from, ret)
        }
        _ => Err(DbError::new(
            SqlState::from_static("42P13"),
            "return type mismatch in function declared to return a value",
        )
        .with_detail(
            "Function's final statement must be SELECT or INSERT/UPDATE/DELETE RETURNING.",
        )),
    }
}

/// Pushes a function's parameters onto `scope` as variables (named, or
/// `$n`); returns their names in position order.
fn push_parameters(scope: &mut Vec<Var>, args: Vec<Arg>, constant: bool) -> Vec<String> {
    let mut positional = Vec::with_capacity(args.len());
    for (i, a) in args.into_iter().enumerate() {
        let var_name = a.name.unwrap_or_else(|| format!("${}", i + 1));
        positional.push(var_name.clone());
        scope.push(Var {
            name: var_name,
            slot: Slot::Scalar {
                ty: a.ty,
                value: a.value,
            },
            constant,
            not_null: false,
        });
    }
    positional
}
