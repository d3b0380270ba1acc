//! ORDER BY and the positional forms of GROUP BY: how a sort item names
//! what it sorts by.
//!
//! PostgreSQL's rules (`findTargetlistEntrySQL92` / `SQL99`):
//!
//! * an integer constant is an output column position (1-based);
//! * in ORDER BY a bare name first matches an output column's name (two
//!   matches with different expressions are ambiguous); in GROUP BY an
//!   input column of that name wins over an output name;
//! * anything else is an expression over the input, which sorts by an
//!   equal output column if there is one and by a hidden column otherwise.

use super::expr::locate;
use super::{Binder, Scope};
use crate::expr::Expr;
use crate::parse::ident;
use crate::plan::{Plan, SortKey};
use aiondb_core::{DbError, DbResult, SqlState};
use sqlparser::ast;

/// What one ORDER BY item of a SELECT resolved to.
pub(super) enum OrderTarget {
    /// An output column, by position.
    Output(usize),
    /// An expression over the input rows.
    Expr(Expr),
}

/// ORDER BY over a set operation's output columns.
pub(super) fn order_outputs(b: &mut Binder<'_>, plan: Plan, ob: &ast::OrderBy) -> DbResult<Plan> {
    let cols = plan.columns();
    let scope = Scope::of(&cols, None);
    let mut keys = Vec::new();
    for item in order_items(ob)? {
        let expr = match position_literal(&item.expr) {
            Some(n) => ordinal("ORDER BY", n, cols.len(), &item.expr)
                .map(|i| Expr::Column(i, cols[i].data_type.clone()))?,
            None => b.bind_expr(&item.expr, &scope)?,
        };
        keys.push(sort_key(expr, &item.options));
    }
    Ok(Plan::Sort {
        input: Box::new(plan),
        keys,
    })
}

pub(super) fn order_items(ob: &ast::OrderBy) -> DbResult<&Vec<ast::OrderByExpr>> {
    match &ob.kind {
        ast::OrderByKind::Expressions(items) => Ok(items),
        ast::OrderByKind::All(_) => Err(DbError::not_supported("ORDER BY ALL")),
    }
}

pub(super) fn sort_key(expr: Expr, o: &ast::OrderByOptions) -> SortKey {
    let descending = crate::bind::desc(o);
    SortKey {
        expr: crate::types::enum_type::sortable(expr),
        descending,
        nulls_first: o.nulls_first.unwrap_or(descending),
    }
}

/// The digits of an integer constant used as a position.
pub(super) fn position_literal(e: &ast::Expr) -> Option<&str> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => Some(n.as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// A 1-based output position of `clause` ("ORDER BY", "GROUP BY", ...).
pub(super) fn ordinal(clause: &str, n: &str, width: usize, e: &ast::Expr) -> DbResult<usize> {
    match n.parse::<usize>() {
        Ok(i) if i >= 1 && i <= width => Ok(i - 1),
        Ok(_) => Err(locate(
            DbError::new(
                SqlState::INVALID_COLUMN_REFERENCE,
                format!("{clause} position {n} is not in select list"),
            ),
            e,
        )),
        Err(_) => Err(locate(
            DbError::new(
                SqlState::SYNTAX_ERROR,
                format!("non-integer constant in {clause}"),
            ),
            e,
        )),
    }
}

/// The output column a bare ORDER BY name matches (SQL92 rule), if any.
/// `items` are the output names, `exprs` their bound expressions.
pub(super) fn output_by_name(
    item: &ast::Expr,
    names: &[&str],
    exprs: &[Expr],
) -> DbResult<Option<usize>> {
    let ast::Expr::Identifier(i) = item else {
        return Ok(None);
    };
    let name = ident(i);
    let mut hit: Option<usize> = None;
    for (p, n) in names.iter().enumerate() {
        if *n != name {
            continue;
        }
        match hit {
            None => hit = Some(p),
            Some(first) if exprs.get(first) != exprs.get(p) => {
                return Err(locate(
                    DbError::new(
                        SqlState::AMBIGUOUS_COLUMN,
                        format!("ORDER BY \"{name}\" is ambiguous"),
                    ),
                    item,
                ));
            }
            Some(_) => {}
        }
    }
    Ok(hit)
}

/// PostgreSQL resolves ORDER BY before GROUP BY, so a name ORDER BY
/// cannot resolve is reported there first. Binds the ORDER BY items that
/// are expressions over the input, keeping only name-resolution errors.
pub(super) fn check_order_names(
    b: &mut Binder<'_>,
    ob: Option<&ast::OrderBy>,
    names: &[&str],
    scope: &Scope,
) -> DbResult<()> {
    let Some(ob) = ob else { return Ok(()) };
    for item in order_items(ob)? {
        if position_literal(&item.expr).is_some() {
            continue;
        }
        if let ast::Expr::Identifier(i) = &item.expr
            && names.contains(&ident(i).as_str())
        {
            continue;
        }
        let agg = b.agg.take();
        let windows = b.windows.take();
        let bound = b.without_srfs(super::srf::NOT_ALLOWED_HERE, |b| {
            b.bind_expr(&item.expr, scope)
        });
        b.agg = agg;
        b.windows = windows;
        if let Err(e) = bound
            && matches!(
                e.code,
                SqlState::AMBIGUOUS_COLUMN | SqlState::UNDEFINED_COLUMN | SqlState::UNDEFINED_TABLE
            )
        {
            return Err(e);
        }
    }
    Ok(())
}
