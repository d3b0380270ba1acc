//! UPDATE and DELETE, with UPDATE ... FROM and DELETE ... USING.
//!
//! The other tables of FROM/USING are joined into one source relation,
//! read once. Each target row found through the access path is paired
//! with the first source row for which WHERE holds (PostgreSQL too updates
//! a row matched by several source rows once, with one of them); SET,
//! WHERE and RETURNING see the target row followed by that source row.
//! When a concurrent writer changed the target row, the predicate and SET
//! list are evaluated again on its newest version with the same source
//! row (EvalPlanQual).

use super::assign::{Assignments, apply, bind_assignments};
use super::{Returning, bind_checks, bind_returning, check_row, returned_row, table_of};
use crate::bind::{Binder, Scope, table_columns};
use crate::exec::Executor;
use crate::expr::{EvalEnv, Expr, truthy};
use crate::parse::ident;
use crate::plan::{Access, JoinKind, Plan};
use aiondb_core::{DataType, DbError, DbResult, Row, SqlState, Value};
use aiondb_storage::TableSchema;
use sqlparser::ast;
use std::ops::Bound;
use std::sync::Arc;

/// A bound UPDATE or DELETE.
#[derive(Debug)]
pub struct BoundModify {
    pub table: Arc<TableSchema>,
    pub access: Access,
    /// Over the target row, then the source row.
    pub predicate: Option<Expr>,
    /// Column position -> new value (UPDATE); empty for DELETE.
    pub assignments: Assignments,
    pub returning: Option<Returning>,
    pub delete: bool,
    pub checks: Vec<(String, Expr)>,
    /// The FROM (UPDATE) or USING (DELETE) tables, joined.
    pub source: Option<Plan>,
}

/// The target table under its alias, joined with FROM/USING: returns the
/// scope expressions see and the source plan.
fn bind_target(
    b: &mut Binder<'_>,
    relation: &ast::TableFactor,
    others: Option<&[ast::TableWithJoins]>,
) -> DbResult<(Arc<TableSchema>, Scope, Option<Plan>)> {
    let ast::TableFactor::Table { name, alias, .. } = relation else {
        return Err(DbError::not_supported("UPDATE or DELETE of this target"));
    };
    let table = table_of(b, name)?;
    let alias = alias
        .as_ref()
        .map(|a| ident(&a.name))
        .unwrap_or_else(|| table.name.clone());
    let mut scope = Scope::of_relation(&table_columns(&table), &alias, &table.name);
    let Some(others) = others.filter(|o| !o.is_empty()) else {
        return Ok((table, scope, None));
    };
    let mut source: Option<(Plan, Scope)> = None;
    for item in others {
        let (plan, s) = crate::bind::from::from_item(b, item, None)?;
        source = Some(match source {
            None => (plan, s),
            Some((left, mut ls)) => {
                ls.columns.extend(s.columns);
                let join = Plan::Join {
                    left: Box::new(left),
                    right: Box::new(plan),
                    kind: JoinKind::Cross,
                    on: None,
                    lateral: false,
                };
                (join, ls)
            }
        });
    }
    let Some((plan, source_scope)) = source else {
        return Ok((table, scope, None));
    };
    if source_scope.has_table(&alias) {
        return Err(DbError::new(
            SqlState::DUPLICATE_ALIAS,
            format!("table name \"{alias}\" specified more than once"),
        ));
    }
    scope.columns.extend(source_scope.columns);
    Ok((table, scope, Some(plan)))
}

/// Binds UPDATE.
pub fn bind_update(b: &mut Binder<'_>, up: &ast::Update) -> DbResult<BoundModify> {
    if !up.table.joins.is_empty() {
        return Err(DbError::not_supported("UPDATE of a join"));
    }
    let from = match &up.from {
        None => None,
        Some(ast::UpdateTableFromKind::AfterSet(f)) => Some(f.as_slice()),
        Some(ast::UpdateTableFromKind::BeforeSet(_)) => {
            return Err(DbError::not_supported("UPDATE FROM before SET"));
        }
    };
    let (table, scope, source) = bind_target(b, &up.table.relation, from)?;
    b.check_privilege(
        &table,
        reads(
            crate::privilege::UPDATE,
            up.selection.is_some(),
            &up.returning,
        ),
    )?;
    let assignments = bind_assignments(b, &table, &up.assignments, &scope)?;
    let (access, predicate) = bind_where(b, &table, up.selection.as_ref(), &scope)?;
    let returning = bind_returning(b, &up.returning, &scope)?;
    let checks = bind_checks(b, &table, &scope)?;
    Ok(BoundModify {
        table,
        access,
        predicate,
        assignments,
        returning,
        delete: false,
        checks,
        source,
    })
}

/// Binds DELETE.
pub fn bind_delete(b: &mut Binder<'_>, del: &ast::Delete) -> DbResult<BoundModify> {
    let from = match &del.from {
        ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t,
    };
    let Some(ast::TableWithJoins { relation, joins }) = from.first() else {
        return Err(DbError::not_supported("DELETE of this target"));
    };
    if from.len() > 1 || !joins.is_empty() {
        return Err(DbError::not_supported("DELETE from several tables"));
    }
    let (table, scope, source) = bind_target(b, relation, del.using.as_deref())?;
    b.check_privilege(
        &table,
        reads(
            crate::privilege::DELETE,
            del.selection.is_some(),
            &del.returning,
        ),
    )?;
    let (access, predicate) = bind_where(b, &table, del.selection.as_ref(), &scope)?;
    let returning = bind_returning(b, &del.returning, &scope)?;
    Ok(BoundModify {
        table,
        access,
        predicate,
        assignments: Vec::new(),
        returning,
        delete: true,
        checks: Vec::new(),
        source,
    })
}

/// The privileges an UPDATE or DELETE needs: `write`, plus SELECT when it
/// reads the table's values (a WHERE clause or RETURNING).
fn reads(write: u16, filtered: bool, returning: &Option<Vec<ast::SelectItem>>) -> u16 {
    if filtered || returning.is_some() {
        write | crate::privilege::SELECT
    } else {
        write
    }
}

fn bind_where(
    b: &mut Binder<'_>,
    table: &Arc<TableSchema>,
    w: Option<&ast::Expr>,
    scope: &Scope,
) -> DbResult<(Access, Option<Expr>)> {
    let Some(w) = w else {
        return Ok((Access::Full, None));
    };
    let pred = b.bind_expr(w, scope)?;
    let pred = b.coerce_to(pred, &DataType::Bool)?;
    // Conjuncts comparing a target column with a constant choose the
    // access path (source columns are not constants, so they never do).
    let scan = Plan::Scan {
        table: table.clone(),
        access: Access::Full,
        columns: table_columns(table),
    };
    let access = match crate::bind::from::with_filter(scan, pred.clone()) {
        Plan::Filter { input, .. } => match *input {
            Plan::Scan { access, .. } => access,
            _ => Access::Full,
        },
        _ => Access::Full,
    };
    Ok((access, Some(pred)))
}

/// A target row to write: its key, the version seen, the source row.
struct Candidate {
    key: Vec<Value>,
    seen: Row,
    source: Row,
}

fn joined(target: &Row, source: &Row) -> Row {
    let mut r = Vec::with_capacity(target.len() + source.len());
    r.extend_from_slice(target);
    r.extend_from_slice(source);
    r
}

/// Runs an UPDATE or DELETE; returns (rows affected, RETURNING rows).
pub fn run_modify(exec: &mut Executor<'_>, m: &BoundModify) -> DbResult<(u64, Vec<Row>)> {
    let candidates = find_rows(exec, m)?;
    let mut count = 0;
    let mut returned = Vec::new();
    let params = exec.params.clone();
    let mut fk = crate::foreign_key::Pending::new(&exec.txn.catalog(), &m.table)?;
    for Candidate { key, seen, source } in candidates {
        // Compute against the version we saw; re-evaluate (without
        // subqueries) if a concurrent writer changed the row.
        let planned = compute(exec, m, &seen, &source)?;
        let mut written: Option<Row> = None;
        if m.delete {
            exec.txn.delete(m.table.id, &key, |current| {
                let delete = if *current == seen {
                    planned.is_some()
                } else {
                    reevaluate(m, current, &source, &params)?.is_some()
                };
                if delete {
                    written = Some(current.clone());
                }
                Ok(delete)
            })?;
        } else {
            written = exec.txn.update(m.table.id, &key, |current| {
                if *current == seen {
                    return Ok(planned.clone());
                }
                reevaluate(m, current, &source, &params)
            })?;
            if let Some(row) = &written {
                check_row(exec, &m.table, &m.checks, row)?;
            }
        }
        if let Some(row) = written {
            fk.changed(&seen, (!m.delete).then_some(&row));
            count += 1;
            if let Some(r) = &m.returning {
                returned.push(returned_row(exec, r, &joined(&row, &source))?);
            }
        }
    }
    fk.finish(exec)?;
    Ok((count, returned))
}

fn compute(
    exec: &mut Executor<'_>,
    m: &BoundModify,
    row: &Row,
    source: &Row,
) -> DbResult<Option<Row>> {
    let input = joined(row, source);
    if let Some(p) = &m.predicate
        && !truthy(&exec.eval(p, &input)?)
    {
        return Ok(None);
    }
    apply(exec, &m.table, &m.assignments, row, &input).map(Some)
}

/// Re-evaluates predicate and assignments on a newer row version.
fn reevaluate(
    m: &BoundModify,
    row: &Row,
    source: &Row,
    params: &Arc<Vec<Value>>,
) -> DbResult<Option<Row>> {
    let mut env = EvalEnv {
        params: params.clone(),
        exec: None,
    };
    let input = joined(row, source);
    if let Some(p) = &m.predicate
        && !truthy(&p.eval(&input, &mut env)?)
    {
        return Ok(None);
    }
    let mut new = row.clone();
    for (col, e) in &m.assignments {
        let v = e.eval(&input, &mut env)?;
        new[*col] = super::assign(v, &e.data_type(), &m.table.columns[*col].data_type)?;
    }
    Ok(Some(new))
}

/// Target rows the access path yields, each with the first source row
/// (an empty one without FROM/USING) for which the predicate holds.
fn find_rows(exec: &mut Executor<'_>, m: &BoundModify) -> DbResult<Vec<Candidate>> {
    let sources: Vec<Row> = match &m.source {
        Some(plan) => exec.run(plan)?,
        None => vec![Vec::new()],
    };
    let mut out = Vec::new();
    for (key, seen) in target_rows(exec, m)? {
        for source in &sources {
            let pass = match &m.predicate {
                Some(p) => truthy(&exec.eval(p, &joined(&seen, source))?),
                None => true,
            };
            if pass {
                out.push(Candidate {
                    key,
                    seen,
                    source: source.clone(),
                });
                break;
            }
        }
    }
    Ok(out)
}

/// Evaluates an access path's key expressions, cast to the key columns'
/// types; None when one is NULL (no row can match).
fn access_key(
    exec: &mut Executor<'_>,
    table: &TableSchema,
    exprs: &[Expr],
    columns: &[usize],
) -> DbResult<Option<Vec<Value>>> {
    let empty = Vec::new();
    let mut key = Vec::new();
    for (e, &c) in exprs.iter().zip(columns) {
        let v = exec.eval(e, &empty)?;
        if v.is_null() {
            return Ok(None);
        }
        key.push(crate::ops::coerce(
            v,
            &e.data_type(),
            &table.columns[c].data_type,
        )?);
    }
    Ok(Some(key))
}

fn target_rows(exec: &mut Executor<'_>, m: &BoundModify) -> DbResult<Vec<(Vec<Value>, Row)>> {
    let t = &m.table;
    Ok(match &m.access {
        Access::Full => exec.txn.heap_scan(t.id)?.collect(),
        Access::PrimaryKey(exprs) => {
            let Some(key) = access_key(exec, t, exprs, &t.primary_key)? else {
                return Ok(Vec::new());
            };
            exec.txn
                .get(t.id, &key)?
                .map(|r| (key, r))
                .into_iter()
                .collect()
        }
        Access::IndexEq(ix, exprs) => {
            let Some(index) = t.index(*ix) else {
                return Err(DbError::internal("index vanished"));
            };
            let Some(key) = access_key(exec, t, exprs, &index.columns)? else {
                return Ok(Vec::new());
            };
            exec.txn
                .index_scan(
                    t.id,
                    *ix,
                    Bound::Included(key.clone()),
                    Bound::Included(key),
                )?
                .collect()
        }
    })
}
