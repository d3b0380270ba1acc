//! SET lists of UPDATE and ON CONFLICT DO UPDATE: `col = expr`,
//! `col = DEFAULT`, `(a, b) = (expr, DEFAULT)`, `(a, b) = ROW(..)` and
//! `(a, b) = (SELECT ..)`.

use super::{assign, default_expr, is_default};
use crate::bind::{Binder, Scope};
use crate::exec::Executor;
use crate::expr::{Expr, SubqueryKind};
use crate::meta::TableMeta;
use crate::parse::{ident, object_name};
use crate::plan::Plan;
use aiondb_core::{DbError, DbResult, Row, SqlState};
use aiondb_storage::TableSchema;
use sqlparser::ast;

/// Column position -> new value.
pub type Assignments = Vec<(usize, Expr)>;

/// Binds a SET list; values may reference `scope`.
pub(super) fn bind_assignments(
    b: &mut Binder<'_>,
    table: &TableSchema,
    items: &[ast::Assignment],
    scope: &Scope,
) -> DbResult<Assignments> {
    let meta = TableMeta::of(table)?;
    let mut out: Assignments = Vec::new();
    for a in items {
        match &a.target {
            ast::AssignmentTarget::ColumnName(col) => {
                let p = target_column(table, col, &out)?;
                let e = bind_value(b, table, &meta, p, &a.value, scope)?;
                out.push((p, e));
            }
            ast::AssignmentTarget::Tuple(cols) => {
                let mut positions = Vec::new();
                for col in cols {
                    let p = target_column(table, col, &out)?;
                    if positions.contains(&p) {
                        return Err(multiple_assignments(&table.columns[p].name));
                    }
                    positions.push(p);
                }
                for (p, e) in bind_tuple(b, table, &meta, &positions, &a.value, scope)? {
                    out.push((p, e));
                }
            }
        }
    }
    Ok(out)
}

/// Applies assignments: the new image of `target`, with values computed
/// over `input` (the target row, then any other row the SET list sees).
pub(super) fn apply(
    exec: &mut Executor<'_>,
    table: &TableSchema,
    assignments: &Assignments,
    target: &Row,
    input: &Row,
) -> DbResult<Row> {
    let mut new = target.clone();
    for (col, e) in assignments {
        let v = exec.eval(e, input)?;
        new[*col] = assign(v, &e.data_type(), &table.columns[*col].data_type)?;
    }
    Ok(new)
}

fn multiple_assignments(name: &str) -> DbError {
    DbError::new(
        SqlState::SYNTAX_ERROR,
        format!("multiple assignments to same column \"{name}\""),
    )
}

fn target_column(
    table: &TableSchema,
    col: &ast::ObjectName,
    done: &Assignments,
) -> DbResult<usize> {
    // `SET a.b = ..` names field b of composite column a.
    let first = col
        .0
        .first()
        .and_then(|p| p.as_ident())
        .map(ident)
        .unwrap_or_else(|| object_name(col).1);
    let p = table
        .columns
        .iter()
        .position(|c| c.name == first)
        .ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_COLUMN,
                format!(
                    "column \"{first}\" of relation \"{}\" does not exist",
                    table.name
                ),
            )
        })?;
    if col.0.len() > 1 {
        return Err(DbError::not_supported("assignment to a field of a column"));
    }
    if done.iter().any(|(q, _)| *q == p) {
        return Err(multiple_assignments(&first));
    }
    Ok(p)
}

fn bind_value(
    b: &mut Binder<'_>,
    table: &TableSchema,
    meta: &TableMeta,
    p: usize,
    value: &ast::Expr,
    scope: &Scope,
) -> DbResult<Expr> {
    let value = if is_default(value) {
        default_expr(meta, p)?
    } else {
        value.clone()
    };
    let e = b.bind_expr(&value, scope)?;
    b.resolve(e, &table.columns[p].data_type)
}

fn count_mismatch() -> DbError {
    DbError::new(
        SqlState::SYNTAX_ERROR,
        "number of columns does not match number of values",
    )
}

fn bind_tuple(
    b: &mut Binder<'_>,
    table: &TableSchema,
    meta: &TableMeta,
    positions: &[usize],
    value: &ast::Expr,
    scope: &Scope,
) -> DbResult<Assignments> {
    let items: Vec<&ast::Expr> = match value {
        ast::Expr::Tuple(items) => items.iter().collect(),
        ast::Expr::Function(f) if object_name(&f.name).1 == "row" => match &f.args {
            ast::FunctionArguments::List(l) => {
                let mut v = Vec::new();
                for a in &l.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => v.push(e),
                        other => {
                            return Err(DbError::not_supported(format!("ROW item {other}")));
                        }
                    }
                }
                v
            }
            _ => Vec::new(),
        },
        ast::Expr::Subquery(q) => return bind_row_subquery(b, positions, q, scope),
        _ => {
            return Err(DbError::not_supported(
                "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression",
            ));
        }
    };
    if items.len() != positions.len() {
        return Err(count_mismatch());
    }
    let mut out = Vec::new();
    for (&p, e) in positions.iter().zip(items) {
        out.push((p, bind_value(b, table, meta, p, e, scope)?));
    }
    Ok(out)
}

/// `(a, b) = (SELECT x, y ...)`: each column reads its own column of the
/// subquery's single row (NULLs when it returns none).
fn bind_row_subquery(
    b: &mut Binder<'_>,
    positions: &[usize],
    q: &ast::Query,
    scope: &Scope,
) -> DbResult<Assignments> {
    b.outer.push(scope.clone());
    let plan = crate::bind::bind_query(b, q);
    b.outer.pop();
    let plan = plan?;
    let columns = plan.columns();
    if columns.len() != positions.len() {
        return Err(count_mismatch());
    }
    Ok(positions
        .iter()
        .zip(columns)
        .enumerate()
        .map(|(k, (&p, col))| {
            let ty = col.data_type.clone();
            let one = Plan::Project {
                input: Box::new(plan.clone()),
                exprs: vec![Expr::Column(k, ty.clone())],
                columns: vec![col],
            };
            let e = Expr::Subquery {
                plan: Box::new(one),
                kind: SubqueryKind::Scalar,
                ty,
                // Split from one row subquery; run per target row.
                once: None,
            };
            (p, e)
        })
        .collect())
}
