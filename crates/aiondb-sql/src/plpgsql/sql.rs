//! Running the SQL parts of PL/pgSQL: variables, substitution, evaluation.
//!
//! A fragment runs as ordinary SQL text through [`crate::parse::parse`]
//! and [`crate::statement::execute_typed`]. Every scalar variable in scope
//! is passed as a typed parameter, and the binder binds a bare name that
//! is no column to it (`Binder::variables`), so `r[1]` on a `text[]`
//! variable is text, and a name that is also a column is ambiguous in
//! PL/pgSQL (42702, as with PostgreSQL's `variable_conflict = error`) and
//! the column in SQL functions. `$n` and `rec.field` are rewritten to
//! placeholders before parsing. Utility statements (CREATE, DROP, ...)
//! take no parameters and are run as written, as in PostgreSQL.
//!
//! Invariant: `rec.field` is rewritten only where it can be a value: not
//! after `.` or a keyword that introduces a relation or alias.

use super::ast::Fragment;
use super::parse::{ident_of, is_word};
use crate::output::{Column, SqlContext, StatementOutput};
use aiondb_core::{DataType, DbError, DbResult, Row, SqlState, Value};
use sqlparser::tokenizer::Token;
use std::sync::Arc;

/// A variable's current content.
#[derive(Clone, Debug)]
pub enum Slot {
    Scalar {
        ty: DataType,
        value: Value,
    },
    /// A record: None until a row is assigned.
    Record(Option<(Arc<Vec<Column>>, Row)>),
}

#[derive(Clone, Debug)]
pub struct Var {
    pub name: String,
    pub slot: Slot,
    pub constant: bool,
    pub not_null: bool,
}

/// The variables in scope: blocks innermost last.
#[derive(Debug, Default)]
pub struct Vars {
    pub scopes: Vec<Vec<Var>>,
    /// Names of a function's parameters by position (`$1` is the first).
    pub positional: Vec<String>,
    /// A name that is both a variable and a column is an error
    /// (PL/pgSQL) rather than the column (SQL functions).
    pub conflict_is_error: bool,
}

impl Vars {
    pub fn get(&self, name: &str) -> Option<&Var> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.iter().rev().find(|v| v.name == name))
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Var> {
        self.scopes
            .iter_mut()
            .rev()
            .find_map(|s| s.iter_mut().rev().find(|v| v.name == name))
    }

    pub fn declare(&mut self, var: Var) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(var);
        } else {
            self.scopes.push(vec![var]);
        }
    }
}

/// A declared type's text (`text[]`, `varchar(10)`) as a DataType.
pub fn type_from_text(ctx: &SqlContext<'_>, text: &str) -> DbResult<DataType> {
    let parsed = sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_data_type())
        .map_err(|_| {
            DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("type \"{text}\" does not exist"),
            )
        })?;
    crate::type_names::resolve(&ctx.txn.catalog(), ctx.database, ctx.search_path, &parsed)
}

/// SQL text of tokens (sqlparser's Display does not re-escape quotes).
pub fn render(toks: &[Token]) -> String {
    let mut out = String::new();
    for t in toks {
        if !out.is_empty() {
            out.push(' ');
        }
        match t {
            Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s) => {
                out.push('\'');
                out.push_str(&s.replace('\'', "''"));
                out.push('\'');
            }
            Token::Word(w) if w.quote_style == Some('"') => {
                out.push('"');
                out.push_str(&w.value.replace('"', "\"\""));
                out.push('"');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

/// Words after which a name is a relation, alias or object, not a value.
const NOT_A_VALUE_AFTER: &[&str] = &[
    "as", "into", "from", "join", "update", "table", "only", "exists",
];

/// Statements that take no parameters: run as written.
const UTILITY: &[&str] = &[
    "create", "drop", "alter", "truncate", "comment", "grant", "revoke", "vacuum", "analyze",
];

/// A statement's parameters: every visible scalar variable (by name,
/// for the binder), then the positional and record-field references
/// rewritten to placeholders.
pub struct Substituted {
    pub toks: Vec<Token>,
    pub values: Vec<Value>,
    pub types: Vec<DataType>,
    pub names: Vec<(String, usize)>,
}

/// Rewrites `$n` and `rec.field` to placeholders and lists the scalar
/// variables as parameters the binder may bind names to.
pub fn substitute(vars: &Vars, toks: &[Token]) -> DbResult<Substituted> {
    let mut out = Substituted {
        toks: Vec::with_capacity(toks.len()),
        values: Vec::new(),
        types: Vec::new(),
        names: Vec::new(),
    };
    if toks
        .first()
        .is_some_and(|t| UTILITY.iter().any(|u| is_word(t, u)))
    {
        out.toks = toks.to_vec();
        return Ok(out);
    }
    for scope in &vars.scopes {
        for v in scope {
            if let Slot::Scalar { ty, value } = &v.slot {
                out.names.push((v.name.clone(), out.values.len()));
                out.values.push(value.clone());
                out.types.push(ty.clone());
            }
        }
    }
    let mut fields: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        let prev = out.toks.last();
        let after_period = prev == Some(&Token::Period);
        let after_keyword = prev.is_some_and(|p| NOT_A_VALUE_AFTER.iter().any(|k| is_word(p, k)));
        if let Token::Placeholder(p) = t {
            let n: usize = p.trim_start_matches('$').parse().unwrap_or(0);
            let Some(name) = n.checked_sub(1).and_then(|n| vars.positional.get(n)) else {
                return Err(DbError::new(
                    SqlState::UNDEFINED_PARAMETER,
                    format!("there is no parameter {p}"),
                ));
            };
            let Some(&(_, k)) = out.names.iter().rev().find(|(n, _)| n == name) else {
                return Err(DbError::internal("positional parameter without a variable"));
            };
            out.toks.push(Token::Placeholder(format!("${}", k + 1)));
            i += 1;
            continue;
        }
        let record = match t {
            Token::Word(_) if !after_period && !after_keyword => ident_of(t)
                .and_then(|n| vars.get(&n))
                .filter(|v| matches!(v.slot, Slot::Record(_))),
            _ => None,
        };
        let Some(var) = record else {
            out.toks.push(t.clone());
            i += 1;
            continue;
        };
        let Slot::Record(row) = &var.slot else {
            return Err(DbError::internal("record variable expected"));
        };
        let field = match (toks.get(i + 1), toks.get(i + 2)) {
            (Some(Token::Period), Some(f)) => ident_of(f),
            _ => None,
        };
        let Some(field) = field else {
            return Err(DbError::not_supported(format!(
                "record variable \"{}\" used as a whole value is not supported",
                var.name
            )));
        };
        let Some((cols, row)) = row else {
            return Err(DbError::new(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("record \"{}\" is not assigned yet", var.name),
            )
            .with_detail("The tuple structure of a not-yet-assigned record is indeterminate."));
        };
        let Some(k) = cols.iter().position(|c| c.name == field) else {
            return Err(DbError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("record \"{}\" has no field \"{field}\"", var.name),
            ));
        };
        let key = format!("{}.{field}", var.name);
        let n = match fields.iter().find(|(f, _)| *f == key) {
            Some((_, n)) => *n,
            None => {
                let n = out.values.len();
                out.values.push(row.get(k).cloned().unwrap_or(Value::Null));
                out.types.push(cols[k].data_type.clone());
                fields.push((key, n));
                n
            }
        };
        out.toks.push(Token::Placeholder(format!("${}", n + 1)));
        i += 3;
    }
    Ok(out)
}

/// Runs one SQL statement given as tokens, with variables substituted.
/// Errors lose their cursor position: it would point into the rewritten
/// text, not into the query the client sent.
pub fn run(ctx: &mut SqlContext<'_>, vars: &Vars, toks: &[Token]) -> DbResult<StatementOutput> {
    run_inner(ctx, vars, toks).map_err(unpositioned)
}

/// An error without its cursor position.
pub fn unpositioned(mut e: DbError) -> DbError {
    e.position = None;
    e
}

fn run_inner(ctx: &mut SqlContext<'_>, vars: &Vars, toks: &[Token]) -> DbResult<StatementOutput> {
    let Substituted {
        toks,
        values,
        types,
        names,
    } = substitute(vars, toks)?;
    let text = render(&toks);
    let mut commands = crate::parse::parse(&text)?;
    let command = match (commands.pop(), commands.is_empty()) {
        (Some(c), true) => c,
        (None, _) => {
            return Err(DbError::new(
                SqlState::SYNTAX_ERROR,
                "syntax error at end of input",
            ));
        }
        (Some(_), false) => {
            return Err(DbError::new(
                SqlState::SYNTAX_ERROR,
                "syntax error at or near \";\"",
            ));
        }
    };
    match command {
        crate::parse::Command::Sql(stmt) => {
            (ctx.check_nested)(&stmt)?;
            let variables = crate::statement::Variables {
                names,
                conflict_is_error: vars.conflict_is_error,
            };
            crate::statement::execute_typed(ctx, &stmt, &values, types, &variables)
        }
        crate::parse::Command::Vacuum {
            tables,
            analyze_only: true,
        } => {
            crate::maintenance::check_tables_exist(
                &ctx.txn.catalog(),
                ctx.database,
                ctx.search_path,
                &tables,
            )?;
            Ok(StatementOutput::Command {
                tag: crate::maintenance::tag(true).into(),
            })
        }
        crate::parse::Command::Vacuum { .. } => Err(DbError::new(
            SqlState::ACTIVE_SQL_TRANSACTION,
            "VACUUM cannot be executed from a function",
        )),
        _ => Err(DbError::not_supported(format!(
            "this statement is not supported in PL/pgSQL: {}",
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        ))),
    }
}

/// Evaluates an expression: one value with its type (NULL for no row).
pub fn eval(ctx: &mut SqlContext<'_>, vars: &Vars, expr: &Fragment) -> DbResult<(Value, DataType)> {
    let mut toks = Vec::with_capacity(expr.toks.len() + 1);
    toks.push(Token::make_keyword("SELECT"));
    toks.extend(expr.toks.iter().cloned());
    let (columns, mut rows) = match run(ctx, vars, &toks)? {
        StatementOutput::Rows { columns, rows, .. } => (columns, rows),
        _ => return Err(DbError::internal("expression gave no rows")),
    };
    if columns.len() != 1 {
        return Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            format!(
                "query \"SELECT {}\" returned {} columns",
                expr.text(),
                columns.len()
            ),
        ));
    }
    if rows.len() > 1 {
        return Err(DbError::new(
            SqlState::CARDINALITY_VIOLATION,
            format!(
                "query \"SELECT {}\" returned more than one row",
                expr.text()
            ),
        ));
    }
    let value = rows
        .pop()
        .and_then(|r| r.into_iter().next())
        .unwrap_or(Value::Null);
    Ok((value, columns[0].data_type.clone()))
}

/// Evaluates a condition (NULL is false).
pub fn eval_bool(ctx: &mut SqlContext<'_>, vars: &Vars, expr: &Fragment) -> DbResult<bool> {
    let (v, ty) = eval(ctx, vars, expr)?;
    match coerce(ctx, v, &ty, &DataType::Bool)? {
        Value::Bool(b) => Ok(b),
        Value::Null => Ok(false),
        _ => Err(DbError::new(
            SqlState::DATATYPE_MISMATCH,
            format!("value of \"{}\" is not boolean", expr.text()),
        )),
    }
}

/// Converts a value to a variable's type (assignment cast; text in).
pub fn coerce(ctx: &SqlContext<'_>, v: Value, from: &DataType, to: &DataType) -> DbResult<Value> {
    if from == to || v.is_null() {
        return Ok(v);
    }
    let from = if *from == DataType::Unknown {
        &DataType::Text
    } else {
        from
    };
    crate::types::cast_assignment(v, from, to, ctx.format)
}
