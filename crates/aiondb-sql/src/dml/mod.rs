//! INSERT, UPDATE and DELETE.
//!
//! UPDATE and DELETE find their rows through the chosen access path at the
//! statement's snapshot, then write each row through the store's
//! `update`/`delete`, whose closure re-checks the predicate on the newest
//! committed version when a concurrent writer changed the row (PostgreSQL's
//! EvalPlanQual under READ COMMITTED).
//!
//! Submodules: [`insert`] (INSERT), [`on_conflict`] (its ON CONFLICT
//! clause), [`modify`] (UPDATE and DELETE, with FROM/USING), [`assign`]
//! (SET lists).

mod assign;
mod insert;
mod modify;
mod on_conflict;

pub use insert::{BoundInsert, bind_insert, run_insert};
pub use modify::{BoundModify, bind_delete, bind_update, run_modify};

use crate::bind::{Binder, Scope};
use crate::exec::Executor;
use crate::expr::Expr;
use crate::meta::TableMeta;
use crate::output::Column;
use crate::parse::{ident, object_name};
use crate::types::{self, FormatOptions};
use aiondb_core::{DataType, DbError, DbResult, Row, SqlState, Value};
use aiondb_storage::TableSchema;
use sqlparser::ast;
use std::sync::Arc;

/// RETURNING: expressions over the written row and their output columns.
pub type Returning = (Vec<Expr>, Vec<Column>);

fn table_of(b: &Binder<'_>, name: &ast::ObjectName) -> DbResult<Arc<TableSchema>> {
    let (schema, rel) = object_name(name);
    if crate::catalog::system_columns(schema.as_deref(), &rel).is_some()
        && b.find_table(schema.as_deref(), &rel)?.is_none()
    {
        return Err(DbError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            format!("permission denied: \"{rel}\" is a system catalog"),
        ));
    }
    b.table_named(name)
}

fn parse_expr(sql: &str) -> DbResult<ast::Expr> {
    sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| DbError::internal(format!("stored expression \"{sql}\" does not parse: {e}")))
}

/// True for the bare keyword DEFAULT in a VALUES list or SET.
fn is_default(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
}

/// The column's DEFAULT expression (NULL when it has none).
fn default_expr(meta: &TableMeta, column: usize) -> DbResult<ast::Expr> {
    match meta.defaults.get(&column) {
        Some(d) => parse_expr(d),
        None => Ok(ast::Expr::Value(ast::Value::Null.into())),
    }
}

fn bind_checks(
    b: &mut Binder<'_>,
    table: &TableSchema,
    scope: &Scope,
) -> DbResult<Vec<(String, Expr)>> {
    let meta = TableMeta::of(table)?;
    let mut out = Vec::new();
    for c in &meta.checks {
        let e = b.bind_expr(&parse_expr(&c.expr)?, scope)?;
        out.push((c.name.clone(), e));
    }
    Ok(out)
}

/// The output column for scope column `i`.
fn scope_column(scope: &Scope, i: usize) -> Column {
    let c = &scope.columns[i];
    Column {
        name: c.name.clone(),
        data_type: c.ty.clone(),
        table_oid: c.table_oid,
        column_id: c.column_id,
    }
}

/// Binds RETURNING over `scope` (the written row, then any FROM/USING
/// row).
fn bind_returning(
    b: &mut Binder<'_>,
    items: &Option<Vec<ast::SelectItem>>,
    scope: &Scope,
) -> DbResult<Option<Returning>> {
    let Some(items) = items else { return Ok(None) };
    let mut exprs = Vec::new();
    let mut cols = Vec::new();
    let push_column = |i: usize, exprs: &mut Vec<Expr>, cols: &mut Vec<Column>| {
        exprs.push(Expr::Column(i, scope.columns[i].ty.clone()));
        cols.push(scope_column(scope, i));
    };
    for item in items {
        match item {
            ast::SelectItem::Wildcard(_) => {
                for i in 0..scope.columns.len() {
                    push_column(i, &mut exprs, &mut cols);
                }
            }
            ast::SelectItem::QualifiedWildcard(
                ast::SelectItemQualifiedWildcardKind::ObjectName(name),
                _,
            ) => {
                let qualifier = object_name(name).1;
                if !scope.has_table(&qualifier) {
                    return Err(crate::bind::missing_from_entry(&[scope], &qualifier));
                }
                for (i, c) in scope.columns.iter().enumerate() {
                    if c.table.as_deref() == Some(qualifier.as_str()) {
                        push_column(i, &mut exprs, &mut cols);
                    }
                }
            }
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                let x = b.bind_expr(e, scope)?;
                let name = match item {
                    ast::SelectItem::ExprWithAlias { alias, .. } => ident(alias),
                    _ => match e {
                        ast::Expr::Identifier(i) => ident(i),
                        ast::Expr::CompoundIdentifier(p) => p.last().map(ident).unwrap_or_default(),
                        ast::Expr::Function(f) => object_name(&f.name).1,
                        _ => "?column?".into(),
                    },
                };
                let mut col = Column::computed(name.clone(), x.data_type());
                if let Expr::Column(i, _) = &x {
                    col = scope_column(scope, *i);
                    col.name = name;
                }
                exprs.push(x);
                cols.push(col);
            }
            other => return Err(DbError::not_supported(format!("RETURNING {other}"))),
        }
    }
    Ok(Some((exprs, cols)))
}

/// Evaluates RETURNING on a written row.
fn returned_row(exec: &mut Executor<'_>, returning: &Returning, row: &Row) -> DbResult<Row> {
    let mut out = Vec::with_capacity(returning.0.len());
    for e in &returning.0 {
        out.push(exec.eval(e, row)?);
    }
    Ok(out)
}

/// Checks NOT NULL and CHECK constraints on a row about to be written.
fn check_row(
    exec: &mut Executor<'_>,
    table: &TableSchema,
    checks: &[(String, Expr)],
    row: &Row,
) -> DbResult<()> {
    for (c, v) in table.columns.iter().zip(row) {
        crate::ddl::domain::check_assigned(exec, &c.data_type, v)?;
    }
    for (c, v) in table.columns.iter().zip(row) {
        if !c.nullable && v.is_null() {
            return Err(DbError::new(
                SqlState::NOT_NULL_VIOLATION,
                format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    c.name, table.name
                ),
            ));
        }
    }
    for (name, e) in checks {
        if exec.eval(e, row)? == Value::Bool(false) {
            return Err(DbError::new(
                SqlState::CHECK_VIOLATION,
                format!(
                    "new row for relation \"{}\" violates check constraint \"{name}\"",
                    table.name
                ),
            ));
        }
    }
    Ok(())
}

/// Converts a value for storing in a column (assignment cast).
fn assign(v: Value, from: &DataType, to: &DataType) -> DbResult<Value> {
    if v.is_null() {
        return Ok(v);
    }
    let from = if *from == DataType::Unknown {
        &DataType::Text
    } else {
        from
    };
    if from == to {
        return match (to, &v) {
            (
                DataType::Varchar(Some(_)) | DataType::Char(Some(_)) | DataType::Numeric(Some(_)),
                _,
            ) => types::cast_assignment(v, from, to, &FormatOptions::default()),
            _ => Ok(v),
        };
    }
    types::cast_assignment(v, from, to, &FormatOptions::default())
}
