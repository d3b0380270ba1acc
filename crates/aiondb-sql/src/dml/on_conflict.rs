//! INSERT ... ON CONFLICT [target] DO NOTHING | DO UPDATE SET ... [WHERE].
//!
//! Binding infers the arbiter constraints from the conflict target (a
//! column list matching the primary key or a unique index, or a constraint
//! name). Execution inserts each proposed row through the store's
//! arbitrated insert, which waits for transactions still writing a
//! colliding row and then reports the collision. DO UPDATE then reads the
//! newest version of the existing row (REPEATABLE READ: 40001 if it is not
//! the one its snapshot sees), computes the new image from it and the
//! proposed row (EXCLUDED), and writes it only if the row is still that
//! version; otherwise it starts over with the insert, as PostgreSQL does.

use super::assign::{Assignments, apply, bind_assignments};
use super::check_row;
use super::insert::BoundInsert;
use crate::bind::{Binder, Scope, table_columns};
use crate::exec::Executor;
use crate::expr::{Expr, truthy};
use crate::meta::TableMeta;
use crate::parse::{ident, object_name};
use aiondb_core::{DataType, DbError, DbResult, Row, SqlState};
use aiondb_storage::{Arbiter, InsertOutcome, IsolationLevel, Key, TableSchema};
use sqlparser::ast;
use std::collections::BTreeSet;

/// A bound ON CONFLICT clause.
#[derive(Debug)]
pub struct BoundOnConflict {
    pub arbiters: Vec<Arbiter>,
    pub action: ConflictAction,
}

/// What to do with a proposed row that collides with an existing one.
#[derive(Debug)]
pub enum ConflictAction {
    Nothing,
    /// Expressions see the existing row's columns, then EXCLUDED's.
    Update {
        assignments: Assignments,
        predicate: Option<Expr>,
    },
}

/// Binds ON CONFLICT; `scope` is the target table under its alias.
pub(super) fn bind(
    b: &mut Binder<'_>,
    table: &TableSchema,
    meta: &TableMeta,
    oc: &ast::OnConflict,
    scope: &Scope,
) -> DbResult<BoundOnConflict> {
    let arbiters = match &oc.conflict_target {
        None => match &oc.action {
            ast::OnConflictAction::DoNothing => every_unique(table),
            ast::OnConflictAction::DoUpdate(_) => {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                )
                .with_hint("For example, ON CONFLICT (column_name)."));
            }
        },
        Some(ast::ConflictTarget::Columns { columns, predicate }) => {
            if let Some(p) = predicate {
                // Every index is non-partial, so any predicate is satisfied.
                b.bind_expr(p, scope)?;
            }
            infer(table, columns)?
        }
        Some(ast::ConflictTarget::OnConstraint(name)) => by_constraint(table, meta, name)?,
    };
    let action = match &oc.action {
        ast::OnConflictAction::DoNothing => ConflictAction::Nothing,
        ast::OnConflictAction::DoUpdate(du) => {
            let mut both = scope.clone();
            both.columns
                .extend(Scope::of(&table_columns(table), Some("excluded")).columns);
            let assignments = bind_assignments(b, table, &du.assignments, &both)?;
            let predicate = match &du.selection {
                Some(w) => {
                    let p = b.bind_expr(w, &both)?;
                    Some(b.coerce_to(p, &DataType::Bool)?)
                }
                None => None,
            };
            ConflictAction::Update {
                assignments,
                predicate,
            }
        }
    };
    Ok(BoundOnConflict { arbiters, action })
}

fn every_unique(table: &TableSchema) -> Vec<Arbiter> {
    let pk = (!table.primary_key.is_empty()).then_some(Arbiter::PrimaryKey);
    pk.into_iter()
        .chain(
            table
                .indexes
                .iter()
                .filter(|i| i.unique)
                .map(|i| Arbiter::Index(i.id)),
        )
        .collect()
}

/// The unique constraints on exactly the columns listed.
fn infer(table: &TableSchema, columns: &[ast::Ident]) -> DbResult<Vec<Arbiter>> {
    let mut wanted = BTreeSet::new();
    for c in columns {
        let n = ident(c);
        let p = table
            .columns
            .iter()
            .position(|x| x.name == n)
            .ok_or_else(|| {
                DbError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!("column \"{n}\" does not exist"),
                )
            })?;
        wanted.insert(p);
    }
    let same = |cols: &[usize]| cols.iter().copied().collect::<BTreeSet<_>>() == wanted;
    let arbiters: Vec<Arbiter> = every_unique(table)
        .into_iter()
        .filter(|a| match a {
            Arbiter::PrimaryKey => same(&table.primary_key),
            Arbiter::Index(id) => table.index(*id).is_some_and(|i| same(&i.columns)),
        })
        .collect();
    if arbiters.is_empty() {
        return Err(DbError::new(
            SqlState::INVALID_COLUMN_REFERENCE,
            "there is no unique or exclusion constraint matching the ON CONFLICT specification",
        ));
    }
    Ok(arbiters)
}

/// ON CONFLICT ON CONSTRAINT name.
fn by_constraint(
    table: &TableSchema,
    meta: &TableMeta,
    name: &ast::ObjectName,
) -> DbResult<Vec<Arbiter>> {
    let name = object_name(name).1;
    let pk_name = table
        .primary_key_name
        .clone()
        .unwrap_or_else(|| format!("{}_pkey", table.name));
    if !table.primary_key.is_empty() && name == pk_name {
        return Ok(vec![Arbiter::PrimaryKey]);
    }
    if let Some(i) = table.indexes.iter().find(|i| i.unique && i.name == name) {
        return Ok(vec![Arbiter::Index(i.id)]);
    }
    if meta.checks.iter().any(|c| c.name == name) {
        return Err(DbError::new(
            SqlState::WRONG_OBJECT_TYPE,
            "constraint in ON CONFLICT clause has no associated index",
        ));
    }
    Err(DbError::new(
        SqlState::UNDEFINED_OBJECT,
        format!(
            "constraint \"{name}\" for table \"{}\" does not exist",
            table.name
        ),
    ))
}

/// Inserts one proposed row, or handles its collision; returns the row
/// written (inserted or updated), None when it was skipped.
pub(super) fn insert_row(
    exec: &mut Executor<'_>,
    ins: &BoundInsert,
    oc: &BoundOnConflict,
    row: Row,
    statement_start: u64,
) -> DbResult<Option<Row>> {
    let table = &ins.table;
    loop {
        let outcome = exec
            .txn
            .insert_arbitrated(table.id, row.clone(), &oc.arbiters)?;
        let (key, own_write) = match outcome {
            InsertOutcome::Inserted(_) => return Ok(Some(row)),
            InsertOutcome::Conflict { key, own_write, .. } => (key, own_write),
        };
        let by_this_statement = own_write.is_some_and(|seq| seq > statement_start);
        match &oc.action {
            ConflictAction::Nothing => {
                if by_this_statement || exec.txn.isolation() == IsolationLevel::ReadCommitted {
                    return Ok(None);
                }
                // REPEATABLE READ: the existing row must be one we can see.
                if newest_version(exec, table, &key)?.is_some() {
                    return Ok(None);
                }
            }
            ConflictAction::Update {
                assignments,
                predicate,
            } => {
                if by_this_statement {
                    return Err(DbError::new(
                        SqlState::CARDINALITY_VIOLATION,
                        "ON CONFLICT DO UPDATE command cannot affect row a second time",
                    )
                    .with_hint(
                        "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.",
                    ));
                }
                let Some(existing) = newest_version(exec, table, &key)? else {
                    continue; // deleted meanwhile: try the insert again
                };
                let mut input = existing.clone();
                input.extend(row.iter().cloned());
                if let Some(p) = predicate
                    && !truthy(&exec.eval(p, &input)?)
                {
                    return Ok(None);
                }
                let new = apply(exec, table, assignments, &existing, &input)?;
                check_row(exec, table, &ins.checks, &new)?;
                let written = exec.txn.update(table.id, &key, |current| {
                    Ok((*current == existing).then(|| new.clone()))
                })?;
                if written.is_some() {
                    return Ok(written);
                }
                // Changed or deleted since we read it: start over.
            }
        }
    }
}

/// The newest version of row `key` after waiting for its writer, if it is
/// live; under REPEATABLE READ one the snapshot does not see is a
/// serialization failure.
fn newest_version(
    exec: &mut Executor<'_>,
    table: &TableSchema,
    key: &Key,
) -> DbResult<Option<Row>> {
    let mut seen = None;
    exec.txn.update(table.id, key, |current| {
        seen = Some(current.clone());
        Ok(None)
    })?;
    if seen.is_none() && exec.txn.isolation() != IsolationLevel::ReadCommitted {
        return Err(DbError::serialization_failure(
            "could not serialize access due to concurrent update",
        ));
    }
    Ok(seen)
}
