//! INSERT: binding the target columns and source rows, and writing them
//! (through [`super::on_conflict`] when there is an ON CONFLICT clause).

use super::on_conflict::{self, BoundOnConflict};
use super::{
    Returning, assign, bind_checks, bind_returning, check_row, default_expr, is_default,
    returned_row, table_of,
};
use crate::bind::{Binder, Scope, table_columns};
use crate::exec::Executor;
use crate::expr::Expr;
use crate::meta::TableMeta;
use crate::parse::{ident, object_name};
use crate::plan::Plan;
use aiondb_core::{DataType, DbError, DbResult, Row, SqlState, Value};
use aiondb_storage::TableSchema;
use sqlparser::ast;
use std::sync::Arc;

/// A bound INSERT.
#[derive(Debug)]
pub struct BoundInsert {
    pub table: Arc<TableSchema>,
    /// For each table column: the source column index, or its default.
    pub targets: Vec<Target>,
    pub source: Plan,
    pub returning: Option<Returning>,
    pub on_conflict: Option<BoundOnConflict>,
    pub checks: Vec<(String, Expr)>,
}

/// Where an inserted column's value comes from.
#[derive(Debug)]
pub enum Target {
    Source(usize),
    Default(Option<Expr>),
}

/// The table positions of INSERT's column list (all columns without one).
fn target_positions(table: &TableSchema, columns: &[ast::ObjectName]) -> DbResult<Vec<usize>> {
    if columns.is_empty() {
        return Ok((0..table.columns.len()).collect());
    }
    let mut v = Vec::new();
    for c in columns {
        let n = object_name(c).1;
        let p = table
            .columns
            .iter()
            .position(|x| x.name == n)
            .ok_or_else(|| {
                DbError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!(
                        "column \"{n}\" of relation \"{}\" does not exist",
                        table.name
                    ),
                )
            })?;
        if v.contains(&p) {
            return Err(DbError::new(
                SqlState::DUPLICATE_COLUMN,
                format!("column \"{n}\" specified more than once"),
            ));
        }
        v.push(p);
    }
    Ok(v)
}

fn too_many_expressions() -> DbError {
    DbError::new(
        SqlState::SYNTAX_ERROR,
        "INSERT has more expressions than target columns",
    )
}

fn bind_source(
    b: &mut Binder<'_>,
    table: &TableSchema,
    meta: &TableMeta,
    positions: &[usize],
    source: Option<&ast::Query>,
) -> DbResult<Plan> {
    let target_types: Vec<DataType> = positions
        .iter()
        .map(|&p| table.columns[p].data_type.clone())
        .collect();
    Ok(match source {
        None => Plan::Values {
            rows: vec![vec![]],
            columns: vec![],
        },
        Some(q) => match q.body.as_ref() {
            ast::SetExpr::Values(values) if q.order_by.is_none() && q.limit_clause.is_none() => {
                // DEFAULT in VALUES: substitute the column's default.
                let mut rows = Vec::new();
                for r in values.rows.iter().map(|r| &r.content) {
                    if r.len() > positions.len() {
                        return Err(too_many_expressions());
                    }
                    let mut out = Vec::new();
                    for (i, e) in r.iter().enumerate() {
                        out.push(if is_default(e) {
                            default_expr(meta, positions[i])?
                        } else {
                            e.clone()
                        });
                    }
                    rows.push(out);
                }
                crate::bind::query::bind_values(b, &rows, &target_types)?
            }
            _ => crate::bind::bind_query(b, q)?,
        },
    })
}

/// Binds INSERT.
pub fn bind_insert(b: &mut Binder<'_>, ins: &ast::Insert) -> DbResult<BoundInsert> {
    let ast::TableObject::TableName(name) = &ins.table else {
        return Err(DbError::not_supported("INSERT INTO a table function"));
    };
    let table = table_of(b, name)?;
    b.check_privilege(&table, crate::privilege::INSERT)?;
    let meta = TableMeta::of(&table)?;
    let positions = target_positions(&table, &ins.columns)?;
    let source = bind_source(b, &table, &meta, &positions, ins.source.as_deref())?;
    let width = source.columns().len();
    if width > positions.len() {
        return Err(too_many_expressions());
    }
    let mut targets: Vec<Target> = Vec::new();
    let empty = Scope::default();
    for (i, col) in table.columns.iter().enumerate() {
        match positions
            .iter()
            .position(|&p| p == i)
            .filter(|&k| k < width)
        {
            Some(k) => targets.push(Target::Source(k)),
            None => {
                let d = match meta.defaults.get(&i) {
                    Some(d) => {
                        let e = b.bind_expr(&super::parse_expr(d)?, &empty)?;
                        Some(b.coerce_to(e, &col.data_type)?)
                    }
                    None => None,
                };
                targets.push(Target::Default(d));
            }
        }
    }
    let alias = ins
        .table_alias
        .as_ref()
        .map(|a| ident(&a.alias))
        .unwrap_or_else(|| table.name.clone());
    let scope = Scope::of_relation(&table_columns(&table), &alias, &table.name);
    let returning = bind_returning(b, &ins.returning, &scope)?;
    let checks = bind_checks(b, &table, &scope)?;
    let on_conflict = match &ins.on {
        None => None,
        Some(ast::OnInsert::OnConflict(oc)) => {
            Some(on_conflict::bind(b, &table, &meta, oc, &scope)?)
        }
        Some(other) => return Err(DbError::not_supported(format!("{other}"))),
    };
    Ok(BoundInsert {
        table,
        targets,
        source,
        returning,
        on_conflict,
        checks,
    })
}

/// The row to insert for one source row: its values cast to the columns'
/// types, defaults for the columns it does not give.
fn proposed_row(
    exec: &mut Executor<'_>,
    ins: &BoundInsert,
    src: &Row,
    src_types: &[DataType],
) -> DbResult<Row> {
    let empty = Vec::new();
    let mut row = Vec::with_capacity(ins.table.columns.len());
    for (i, t) in ins.targets.iter().enumerate() {
        let col_ty = &ins.table.columns[i].data_type;
        row.push(match t {
            Target::Source(k) => assign(src[*k].clone(), &src_types[*k], col_ty)?,
            Target::Default(Some(e)) => {
                let v = exec.eval(e, &empty)?;
                assign(v, &e.data_type(), col_ty)?
            }
            Target::Default(None) => Value::Null,
        });
    }
    Ok(row)
}

/// Runs an INSERT; returns (rows inserted or updated, RETURNING rows).
pub fn run_insert(exec: &mut Executor<'_>, ins: &BoundInsert) -> DbResult<(u64, Vec<Row>)> {
    let rows = exec.run(&ins.source)?;
    let src_types: Vec<DataType> = ins
        .source
        .columns()
        .iter()
        .map(|c| c.data_type.clone())
        .collect();
    // Rows this statement writes get write sequence numbers above this.
    let statement_start = exec.txn.write_seq();
    let mut count = 0;
    let mut returned = Vec::new();
    let mut fk = crate::foreign_key::Pending::new(&exec.txn.catalog(), &ins.table)?;
    for src in rows {
        let row = proposed_row(exec, ins, &src, &src_types)?;
        check_row(exec, &ins.table, &ins.checks, &row)?;
        let written = match &ins.on_conflict {
            None => {
                exec.txn.insert(ins.table.id, row.clone())?;
                Some(row)
            }
            Some(oc) => on_conflict::insert_row(exec, ins, oc, row, statement_start)?,
        };
        let Some(written) = written else { continue };
        // (A DO UPDATE row is checked as a child; its old image as a
        // referenced parent is not re-checked yet.)
        fk.inserted(&written);
        count += 1;
        if let Some(r) = &ins.returning {
            returned.push(returned_row(exec, r, &written)?);
        }
    }
    fk.finish(exec)?;
    Ok((count, returned))
}
