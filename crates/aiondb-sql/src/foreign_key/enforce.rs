//! Enforcing foreign keys on writes.
//!
//! A statement records the rows it inserted, updated and deleted in a
//! [`Pending`]; when its rows are written, [`Pending::finish`] checks them,
//! as PostgreSQL's RI triggers do at the end of the statement:
//!
//! * a referencing row's key must exist in the referenced table. The
//!   referenced row is locked while checking, so a concurrent DELETE of it
//!   waits for this transaction (PostgreSQL takes `FOR KEY SHARE`; the store
//!   only has exclusive row locks, written as a new version of the row, so
//!   the row is taken exclusively: concurrent inserts referencing the same
//!   row queue behind each other, and under REPEATABLE READ the later one
//!   fails with 40001);
//! * a referenced row that disappears (DELETE, or UPDATE of its key) applies
//!   each referencing constraint's action: NO ACTION / RESTRICT fail if a
//!   referencing row remains, CASCADE deletes or updates the referencing
//!   rows, SET NULL / SET DEFAULT rewrite their key columns. Those writes
//!   are checked in turn.
//!
//! Under READ COMMITTED the checks read at a fresh snapshot, so that a
//! referencing row committed by a transaction this one waited for (on the
//! referenced row's lock) is seen.

use super::{column_list, referencing};
use crate::bind::{Binder, Scope};
use crate::exec::Executor;
use crate::meta::{FkAction, ForeignKey, TableMeta};
use crate::types::{self, FormatOptions};
use aiondb_core::{DbError, DbResult, Row, SqlState, TableId, Value};
use aiondb_storage::{Catalog, Key, TableSchema};
use std::collections::{HashMap, HashSet, VecDeque};
use std::ops::Bound;
use std::sync::Arc;

enum Event {
    Inserted(Arc<TableSchema>, Row),
    Updated(Arc<TableSchema>, Row, Row),
    Deleted(Arc<TableSchema>, Row),
}

/// The foreign-key work a statement on one table owes.
pub struct Pending {
    table: Arc<TableSchema>,
    /// False when no foreign key involves the table: nothing is recorded.
    active: bool,
    events: Vec<Event>,
}

impl Pending {
    /// Starts recording writes to `table`.
    pub fn new(catalog: &Catalog, table: &Arc<TableSchema>) -> DbResult<Pending> {
        let active =
            TableMeta::may_have_foreign_keys(table) || !referencing(catalog, table.id)?.is_empty();
        Ok(Pending {
            table: table.clone(),
            active,
            events: Vec::new(),
        })
    }

    /// A row was inserted.
    pub fn inserted(&mut self, row: &Row) {
        if self.active {
            self.events
                .push(Event::Inserted(self.table.clone(), row.clone()));
        }
    }

    /// A row was updated (`new` is Some) or deleted.
    pub fn changed(&mut self, old: &Row, new: Option<&Row>) {
        if !self.active {
            return;
        }
        let t = self.table.clone();
        self.events.push(match new {
            Some(n) => Event::Updated(t, old.clone(), n.clone()),
            None => Event::Deleted(t, old.clone()),
        });
    }

    /// Checks every recorded write and applies the referential actions.
    pub fn finish(self, exec: &mut Executor<'_>) -> DbResult<()> {
        if self.events.is_empty() {
            return Ok(());
        }
        exec.txn.begin_statement();
        let mut queue: VecDeque<Event> = self.events.into();
        let mut refs: HashMap<TableId, Vec<(Arc<TableSchema>, ForeignKey)>> = HashMap::new();
        let mut locked = Locked::new();
        while let Some(event) = queue.pop_front() {
            match event {
                Event::Inserted(t, row) => check_referencing(exec, &mut locked, &t, None, &row)?,
                Event::Updated(t, old, new) => {
                    // Keys may vanish from here on: lock again.
                    locked.clear();
                    check_referencing(exec, &mut locked, &t, Some(&old), &new)?;
                    referenced_changed(exec, &mut refs, &t, &old, Some(&new), &mut queue)?;
                }
                Event::Deleted(t, old) => {
                    locked.clear();
                    referenced_changed(exec, &mut refs, &t, &old, None, &mut queue)?
                }
            }
        }
        Ok(())
    }
}

fn key_of(row: &Row, cols: &[usize]) -> Vec<Value> {
    cols.iter()
        .map(|&c| row.get(c).cloned().unwrap_or(Value::Null))
        .collect()
}

/// `key` (values of `from`'s columns) converted to `to`'s column types.
fn convert_key(
    key: &[Value],
    from: &TableSchema,
    from_cols: &[usize],
    to: &TableSchema,
    to_cols: &[usize],
) -> DbResult<Vec<Value>> {
    key.iter()
        .zip(from_cols.iter().zip(to_cols))
        .map(|(v, (&f, &t))| {
            crate::ops::coerce(
                v.clone(),
                &from.columns[f].data_type,
                &to.columns[t].data_type,
            )
        })
        .collect()
}

fn key_text(t: &TableSchema, cols: &[usize], key: &[Value]) -> String {
    let opts = FormatOptions::default();
    key.iter()
        .zip(cols)
        .map(|(v, &c)| {
            if v.is_null() {
                return "null".to_string();
            }
            types::format_text(v, &t.columns[c].data_type, &opts)
                .unwrap_or_else(|_| format!("{v:?}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks the foreign keys of a written row of `t` (`old` for an update).
fn check_referencing(
    exec: &mut Executor<'_>,
    locked: &mut Locked,
    t: &Arc<TableSchema>,
    old: Option<&Row>,
    new: &Row,
) -> DbResult<()> {
    if !TableMeta::may_have_foreign_keys(t) {
        return Ok(());
    }
    for fk in TableMeta::of(t)?.foreign_keys {
        if old.is_some_and(|o| key_of(o, &fk.columns) == key_of(new, &fk.columns)) {
            continue;
        }
        check_row(exec, locked, t, &fk, new)?;
    }
    Ok(())
}

/// Checks that every row of `t` satisfies `fk` (ALTER TABLE ADD).
pub fn validate(exec: &mut Executor<'_>, t: &TableSchema, fk: &ForeignKey) -> DbResult<()> {
    let rows: Vec<Row> = exec.txn.heap_scan(t.id)?.map(|(_, r)| r).collect();
    let mut locked = Locked::new();
    for row in rows {
        check_row(exec, &mut locked, t, fk, &row)?;
    }
    Ok(())
}

/// Checks (and locks) the row `row` of `t` references under `fk`.
/// Referenced rows this statement already locked (table, key values).
type Locked = HashSet<(TableId, Vec<usize>, Vec<Value>)>;

fn check_row(
    exec: &mut Executor<'_>,
    locked: &mut Locked,
    t: &TableSchema,
    fk: &ForeignKey,
    row: &Row,
) -> DbResult<()> {
    let key = key_of(row, &fk.columns);
    if key.iter().any(Value::is_null) {
        return Ok(());
    }
    let parent = exec.txn.table(TableId(fk.ref_table))?;
    let pkey = convert_key(&key, t, &fk.columns, &parent, &fk.ref_columns)?;
    let entry = (parent.id, fk.ref_columns.clone(), pkey);
    if locked.contains(&entry) {
        return Ok(());
    }
    if lock_referenced(exec, &parent, &fk.ref_columns, &entry.2)? {
        locked.insert(entry);
    } else {
        return Err(DbError::new(
            SqlState::FOREIGN_KEY_VIOLATION,
            format!(
                "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
                t.name, fk.name
            ),
        )
        .with_detail(format!(
            "Key ({})=({}) is not present in table \"{}\".",
            column_list(t, &fk.columns),
            key_text(t, &fk.columns, &key),
            parent.name
        )));
    }
    Ok(())
}

/// Rows of `t` whose `cols` equal `key`, found through the primary key or
/// an index on exactly those columns when there is one.
fn rows_with_key(
    exec: &mut Executor<'_>,
    t: &TableSchema,
    cols: &[usize],
    key: &[Value],
) -> DbResult<Vec<(Key, Row)>> {
    let in_order = |order: &[usize]| -> Option<Vec<Value>> {
        if order.len() != cols.len() {
            return None;
        }
        order
            .iter()
            .map(|c| cols.iter().position(|x| x == c).map(|i| key[i].clone()))
            .collect()
    };
    let candidates: Vec<(Key, Row)> = if let Some(pk) = in_order(&t.primary_key) {
        exec.txn
            .get(t.id, &pk)?
            .map(|r| (pk, r))
            .into_iter()
            .collect()
    } else if let Some((ix, ik)) = t
        .indexes
        .iter()
        .find_map(|i| in_order(&i.columns).map(|k| (i.id, k)))
    {
        exec.txn
            .index_scan(t.id, ix, Bound::Included(ik.clone()), Bound::Included(ik))?
            .collect()
    } else {
        exec.txn.heap_scan(t.id)?.collect()
    };
    Ok(candidates
        .into_iter()
        .filter(|(_, r)| key_of(r, cols) == key)
        .collect())
}

/// Locks the row of `parent` with this key; false if there is none.
fn lock_referenced(
    exec: &mut Executor<'_>,
    parent: &TableSchema,
    cols: &[usize],
    key: &[Value],
) -> DbResult<bool> {
    for (pk, _) in rows_with_key(exec, parent, cols, key)? {
        // Rewriting the row unchanged takes its (exclusive) row lock; the
        // closure sees the newest version and refuses if its key changed.
        let locked = exec.txn.update(parent.id, &pk, |current| {
            Ok((key_of(current, cols) == key).then(|| current.clone()))
        })?;
        if locked.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A row of `parent` lost its key (deleted, or `new` has another key):
/// applies the action of every foreign key referencing it.
fn referenced_changed(
    exec: &mut Executor<'_>,
    refs: &mut HashMap<TableId, Vec<(Arc<TableSchema>, ForeignKey)>>,
    parent: &Arc<TableSchema>,
    old: &Row,
    new: Option<&Row>,
    queue: &mut VecDeque<Event>,
) -> DbResult<()> {
    let fks = match refs.get(&parent.id) {
        Some(f) => f.clone(),
        None => {
            let found = referencing(&exec.txn.catalog(), parent.id)?;
            refs.insert(parent.id, found.clone());
            found
        }
    };
    for (child, fk) in fks {
        let old_key = key_of(old, &fk.ref_columns);
        if old_key.iter().any(Value::is_null) {
            continue;
        }
        if new.is_some_and(|n| key_of(n, &fk.ref_columns) == old_key) {
            continue;
        }
        let action = if new.is_some() {
            fk.on_update
        } else {
            fk.on_delete
        };
        if action == FkAction::NoAction
            && !rows_with_key(exec, parent, &fk.ref_columns, &old_key)?.is_empty()
        {
            // Another row now has the key (an UPDATE swapped keys).
            continue;
        }
        let child = exec.txn.table(child.id)?;
        let child_key = convert_key(&old_key, parent, &fk.ref_columns, &child, &fk.columns)?;
        let children = rows_with_key(exec, &child, &fk.columns, &child_key)?;
        if children.is_empty() {
            continue;
        }
        let still_referenced = || {
            DbError::new(
                    SqlState::FOREIGN_KEY_VIOLATION,
                    format!(
                        "update or delete on table \"{}\" violates foreign key constraint \"{}\" on table \"{}\"",
                        parent.name, fk.name, child.name
                    ),
                )
                .with_detail(format!(
                    "Key ({})=({}) is still referenced from table \"{}\".",
                    column_list(parent, &fk.ref_columns),
                    key_text(parent, &fk.ref_columns, &old_key),
                    child.name
                ))
        };
        let replacement: Option<Vec<Value>> = match action {
            FkAction::NoAction | FkAction::Restrict => return Err(still_referenced()),
            FkAction::Cascade => match new {
                None => None,
                Some(n) => Some(convert_key(
                    &key_of(n, &fk.ref_columns),
                    parent,
                    &fk.ref_columns,
                    &child,
                    &fk.columns,
                )?),
            },
            FkAction::SetNull => Some(vec![Value::Null; fk.columns.len()]),
            FkAction::SetDefault => {
                let defaults = column_defaults(exec, &child, &fk.columns)?;
                if defaults == child_key {
                    // The rows would keep referencing the vanished key.
                    return Err(still_referenced());
                }
                Some(defaults)
            }
        };
        for (key, row) in children {
            let still = |r: &Row| key_of(r, &fk.columns) == child_key;
            match &replacement {
                None => {
                    if exec.txn.delete(child.id, &key, |r| Ok(still(r)))? {
                        queue.push_back(Event::Deleted(child.clone(), row));
                    }
                }
                Some(values) => {
                    let written = exec.txn.update(child.id, &key, |r| {
                        if !still(r) {
                            return Ok(None);
                        }
                        let mut n = r.clone();
                        for (&c, v) in fk.columns.iter().zip(values) {
                            n[c] = v.clone();
                        }
                        Ok(Some(n))
                    })?;
                    if let Some(n) = written {
                        check_not_null(&child, &fk.columns, &n)?;
                        check_checks(exec, &child, &n)?;
                        queue.push_back(Event::Updated(child.clone(), row, n));
                    }
                }
            }
        }
    }
    Ok(())
}

fn check_not_null(t: &TableSchema, cols: &[usize], row: &Row) -> DbResult<()> {
    for &c in cols {
        let col = &t.columns[c];
        if !col.nullable && row[c].is_null() {
            return Err(DbError::new(
                SqlState::NOT_NULL_VIOLATION,
                format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    col.name, t.name
                ),
            ));
        }
    }
    Ok(())
}

/// The CHECK constraints of `t` on a row a referential action rewrote.
fn check_checks(exec: &mut Executor<'_>, t: &TableSchema, row: &Row) -> DbResult<()> {
    let meta = TableMeta::of(t)?;
    if meta.checks.is_empty() {
        return Ok(());
    }
    let scope = Scope::of(&crate::bind::table_columns(t), Some(&t.name));
    for check in &meta.checks {
        let parsed = crate::meta::parse_expr(&check.expr)?;
        let mut b = Binder::new(
            exec.txn.catalog(),
            exec.database,
            exec.search_path,
            Vec::new(),
        );
        let e = b.bind_expr(&parsed, &scope)?;
        if exec.eval(&e, row)? == Value::Bool(false) {
            return Err(DbError::new(
                SqlState::CHECK_VIOLATION,
                format!(
                    "new row for relation \"{}\" violates check constraint \"{}\"",
                    t.name, check.name
                ),
            ));
        }
    }
    Ok(())
}

/// The DEFAULT values of some columns (NULL where none is declared).
pub fn column_defaults(
    exec: &mut Executor<'_>,
    t: &TableSchema,
    cols: &[usize],
) -> DbResult<Vec<Value>> {
    let meta = TableMeta::of(t)?;
    let mut out = Vec::with_capacity(cols.len());
    for &c in cols {
        out.push(match meta.defaults.get(&c) {
            None => Value::Null,
            Some(sql) => default_value(exec, sql, &t.columns[c].data_type)?,
        });
    }
    Ok(out)
}

/// Evaluates a stored DEFAULT expression as a value of `ty`.
pub fn default_value(
    exec: &mut Executor<'_>,
    sql: &str,
    ty: &aiondb_core::DataType,
) -> DbResult<Value> {
    let parsed = crate::meta::parse_expr(sql)?;
    let catalog = exec.txn.catalog();
    let mut b = Binder::new(catalog, exec.database, exec.search_path, Vec::new());
    let e = b.bind_expr(&parsed, &Scope::default())?;
    let e = b.coerce_to(e, ty)?;
    let v = exec.eval(&e, &Vec::new())?;
    if v.is_null() {
        return Ok(v);
    }
    let from = match e.data_type() {
        aiondb_core::DataType::Unknown => aiondb_core::DataType::Text,
        t => t,
    };
    types::cast_assignment(v, &from, ty, &FormatOptions::default())
}
