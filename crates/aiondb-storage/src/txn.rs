//! Transactions: reads at a snapshot, buffered writes under row locks.
//!
//! A write pushes a pending version onto the row's chain; that version is
//! the row lock. Another writer meeting it waits for the holder to end (with
//! deadlock detection), then looks again: under READ COMMITTED it works on
//! the newest committed version, re-checking it through the caller's
//! closure as PostgreSQL's EvalPlanQual does; under REPEATABLE READ and
//! SERIALIZABLE a row changed after the snapshot is a serialization failure
//! (40001).

use crate::locks::{LockMode, LockTarget, WaitLimits};
use crate::record::{DdlOp, Key};
use crate::scan::{RowScan, ScanOrder};
use crate::schema::{Catalog, SequenceId, TableSchema};
use crate::store::Store;
use crate::table::{Chain, ReadView, Stamp, TableData, TableRows, Version};
use aiondb_core::{
    CommitId, DbError, DbResult, IndexId, Lsn, Row, SqlState, TableId, TxnId, Value,
};
use std::collections::{BTreeSet, HashSet};
use std::ops::Bound;
use std::sync::Arc;

/// Transaction isolation levels the store implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsolationLevel {
    /// Each statement reads at a fresh snapshot.
    ReadCommitted,
    /// Snapshot isolation: one snapshot for the whole transaction.
    RepeatableRead,
    /// Snapshot isolation plus validation at commit of the tables read
    /// (see `serializable.rs`).
    Serializable,
}

/// A point to roll back to.
#[derive(Clone, Debug)]
pub struct Savepoint {
    seq: u64,
    writes: usize,
    ddl: usize,
    catalog: Option<Arc<Catalog>>,
    created_tables: usize,
    created_sequences: usize,
    truncated: BTreeSet<TableId>,
}

/// A transaction. Dropping it without commit rolls it back.
pub struct Transaction {
    pub(crate) store: Arc<Store>,
    pub(crate) id: TxnId,
    pub(crate) isolation: IsolationLevel,
    pub(crate) snapshot: CommitId,
    pub(crate) seq: u64,
    /// Own writes newer than this seq are not read (see `command.rs`).
    pub(crate) own_writes_upto: Option<u64>,
    /// Rows written, in first-write order (may repeat).
    pub(crate) writes: Vec<(TableId, Key)>,
    pub(crate) ddl: Vec<DdlOp>,
    /// The catalog as this transaction changed it (None: unchanged).
    pub(crate) pending_catalog: Option<Arc<Catalog>>,
    pub(crate) created_tables: Vec<TableId>,
    pub(crate) created_sequences: Vec<SequenceId>,
    pub(crate) truncated: BTreeSet<TableId>,
    /// Tables read (serializable transactions only).
    pub(crate) read_set: BTreeSet<TableId>,
    pub(crate) table_locks: HashSet<(TableId, bool)>,
    /// WAL end this transaction must see durable before it ends
    /// (sequence reservations it used).
    pub(crate) flush_upto: Option<Lsn>,
    /// What may interrupt the current statement's lock waits.
    pub(crate) limits: WaitLimits,
    pub(crate) finished: bool,
}

/// What a modification closure decides for the row it is shown.
pub(crate) enum Change {
    Skip,
    Delete,
    Replace(Row),
}

pub(crate) enum Step<T> {
    Done(T),
    Wait(TxnId),
    Retry,
}

impl Transaction {
    pub(crate) fn new(
        store: Arc<Store>,
        id: TxnId,
        isolation: IsolationLevel,
        snapshot: CommitId,
    ) -> Transaction {
        Transaction {
            store,
            id,
            isolation,
            snapshot,
            seq: 0,
            own_writes_upto: None,
            writes: Vec::new(),
            ddl: Vec::new(),
            pending_catalog: None,
            created_tables: Vec::new(),
            created_sequences: Vec::new(),
            truncated: BTreeSet::new(),
            read_set: BTreeSet::new(),
            table_locks: HashSet::new(),
            flush_upto: None,
            limits: WaitLimits::default(),
            finished: false,
        }
    }

    /// This transaction's id.
    pub fn id(&self) -> TxnId {
        self.id
    }

    /// Its isolation level.
    pub fn isolation(&self) -> IsolationLevel {
        self.isolation
    }

    /// The snapshot reads currently use.
    pub fn snapshot(&self) -> CommitId {
        self.snapshot
    }

    /// True once it wrote rows or changed the catalog.
    pub fn has_writes(&self) -> bool {
        !self.writes.is_empty() || !self.ddl.is_empty()
    }

    /// Starts a statement: under READ COMMITTED, take a fresh snapshot.
    pub fn begin_statement(&mut self) {
        if self.isolation == IsolationLevel::ReadCommitted {
            let fresh = self.store.register_snapshot();
            self.store.release_snapshot(self.snapshot);
            self.snapshot = fresh;
        }
    }

    /// Sets what may interrupt lock waits from now on (the statement's
    /// cancel flag and deadline); waits then fail with 57014.
    pub fn set_wait_limits(&mut self, limits: WaitLimits) {
        self.limits = limits;
    }

    pub(crate) fn view(&self) -> ReadView {
        ReadView {
            snapshot: self.snapshot,
            txn: self.id,
            own_upto: self.own_writes_upto,
        }
    }

    /// The catalog this transaction sees: committed plus its own changes.
    pub fn catalog(&self) -> Arc<Catalog> {
        match &self.pending_catalog {
            Some(c) => c.clone(),
            None => self.store.catalog(),
        }
    }

    /// A table's definition.
    pub fn table(&self, id: TableId) -> DbResult<Arc<TableSchema>> {
        self.catalog().table(id).cloned()
    }

    pub(crate) fn lock_table(&mut self, table: TableId, mode: LockMode) -> DbResult<()> {
        let exclusive = mode == LockMode::Exclusive;
        if self.table_locks.contains(&(table, true))
            || self.table_locks.contains(&(table, exclusive))
        {
            return Ok(());
        }
        self.store
            .locks
            .lock(self.id, LockTarget::Table(table), mode, &self.limits)?;
        self.table_locks.insert((table, exclusive));
        Ok(())
    }

    pub(crate) fn open_table(
        &mut self,
        table: TableId,
    ) -> DbResult<(Arc<TableSchema>, Arc<TableData>)> {
        let schema = self.table(table)?;
        self.lock_table(table, LockMode::Shared)?;
        self.note_read(table);
        // Re-read: a DROP may have committed while we waited for the lock.
        let schema = self.table(table).unwrap_or(schema);
        Ok((schema, self.store.table_data(table)?))
    }

    /// The row with this primary key, as this transaction sees it.
    pub fn get(&mut self, table: TableId, key: &Key) -> DbResult<Option<Row>> {
        let (_, data) = self.open_table(table)?;
        let view = self.view();
        let rows = data.rows.read();
        Ok(rows
            .chains
            .get(key)
            .and_then(|c| c.visible_row(view))
            .cloned())
    }

    /// Rows in primary key order within the (prefix) bounds.
    pub fn scan(
        &mut self,
        table: TableId,
        lower: Bound<Key>,
        upper: Bound<Key>,
    ) -> DbResult<RowScan> {
        let (_, data) = self.open_table(table)?;
        Ok(RowScan::new(
            data,
            self.view(),
            ScanOrder::Key,
            lower,
            upper,
        ))
    }

    /// Every row in heap order (PostgreSQL's sequential scan order:
    /// insertion order, an updated row's new version last). Rows this
    /// transaction writes after the scan starts are not seen.
    pub fn heap_scan(&mut self, table: TableId) -> DbResult<RowScan> {
        let (_, data) = self.open_table(table)?;
        Ok(RowScan::heap(data, self.view()))
    }

    /// Rows in index order within the (prefix) bounds on the index key.
    pub fn index_scan(
        &mut self,
        table: TableId,
        index: IndexId,
        lower: Bound<Key>,
        upper: Bound<Key>,
    ) -> DbResult<RowScan> {
        let (schema, data) = self.open_table(table)?;
        if schema.index(index).is_none() {
            return Err(DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!(
                    "index with id {index} does not exist on table \"{}\"",
                    schema.name
                ),
            ));
        }
        Ok(RowScan::new(
            data,
            self.view(),
            ScanOrder::Index(index),
            lower,
            upper,
        ))
    }

    /// Inserts a row; returns its key. Fails with 23505 on a duplicate
    /// primary or unique key (waiting first if another transaction holds a
    /// conflicting row).
    pub fn insert(&mut self, table: TableId, row: Row) -> DbResult<Key> {
        match self.insert_arbitrated(table, row, &[])? {
            crate::upsert::InsertOutcome::Inserted(key) => Ok(key),
            crate::upsert::InsertOutcome::Conflict { .. } => {
                Err(DbError::internal("insert without arbiters met an arbiter"))
            }
        }
    }

    /// Updates the row with this key. `f` is shown the version to update
    /// (the newest committed one if it changed after this statement's
    /// snapshot under READ COMMITTED) and returns the new row, or None to
    /// leave it. Returns the new row if one was written.
    pub fn update(
        &mut self,
        table: TableId,
        key: &Key,
        mut f: impl FnMut(&Row) -> DbResult<Option<Row>>,
    ) -> DbResult<Option<Row>> {
        let outcome = self.modify(table, key, &mut |row| {
            Ok(match f(row)? {
                Some(new) => Change::Replace(new),
                None => Change::Skip,
            })
        })?;
        Ok(outcome)
    }

    /// Deletes the row with this key if `f` (shown the version to delete,
    /// as for [`Transaction::update`]) agrees. Returns whether it was deleted.
    pub fn delete(
        &mut self,
        table: TableId,
        key: &Key,
        mut f: impl FnMut(&Row) -> DbResult<bool>,
    ) -> DbResult<bool> {
        let mut deleted = false;
        self.modify(table, key, &mut |row| {
            Ok(if f(row)? {
                deleted = true;
                Change::Delete
            } else {
                Change::Skip
            })
        })?;
        Ok(deleted)
    }

    fn modify(
        &mut self,
        table: TableId,
        key: &Key,
        f: &mut dyn FnMut(&Row) -> DbResult<Change>,
    ) -> DbResult<Option<Row>> {
        self.store.check_writable()?;
        let (schema, data) = self.open_table(table)?;
        let me = self.id;
        let view = self.view();
        loop {
            self.store.check_writable()?;
            // Phase 1: find the version to work on, without holding a write lock.
            let found = {
                let rows = data.rows.read();
                match rows.chains.get(key).and_then(|c| c.head().map(|h| (c, h))) {
                    None => return Ok(None),
                    Some((chain, head)) => match head.stamp {
                        Stamp::Pending { txn, .. } if txn != me => Step::Wait(txn),
                        Stamp::Committed(c)
                            if c > self.snapshot
                                && self.isolation != IsolationLevel::ReadCommitted =>
                        {
                            if chain.visible_row(view).is_some() {
                                return Err(DbError::serialization_failure(
                                    "could not serialize access due to concurrent update",
                                ));
                            }
                            return Ok(None);
                        }
                        _ => Step::Done((head.row.clone(), head.stamp, chain.versions.len())),
                    },
                }
            };
            let (current, stamp, len) = match found {
                Step::Done(x) => x,
                Step::Wait(t) => {
                    self.store.locks.wait_for_txn(me, t, &self.limits)?;
                    continue;
                }
                Step::Retry => continue,
            };
            let Some(current) = current else {
                return Ok(None);
            };
            let change = f(&current)?;
            let new_row = match change {
                Change::Skip => return Ok(None),
                Change::Delete => None,
                Change::Replace(r) => {
                    check_arity(&schema, &r)?;
                    Some(r)
                }
            };
            // Phase 2: write, if the row is still as we saw it.
            let step = {
                let mut rows = data.rows.write();
                let unchanged = rows
                    .chains
                    .get(key)
                    .and_then(|c| c.head().map(|h| (h.stamp, c.versions.len())))
                    == Some((stamp, len));
                if !unchanged {
                    Step::Retry
                } else {
                    self.write_locked(&mut rows, &schema, key, new_row.clone())?
                }
            };
            match step {
                Step::Done(written_key) => {
                    if let Some(k) = written_key {
                        self.writes.push((table, k));
                    }
                    self.writes.push((table, key.clone()));
                    return Ok(new_row);
                }
                Step::Wait(t) => self.store.locks.wait_for_txn(me, t, &self.limits)?,
                Step::Retry => {}
            }
        }
    }

    /// Writes a new image (or deletion) of `key` under the table's write
    /// lock. A new image with a different primary key moves the row.
    /// Returns the new key when the row moved.
    fn write_locked(
        &mut self,
        rows: &mut TableRows,
        schema: &TableSchema,
        key: &Key,
        new_row: Option<Row>,
    ) -> DbResult<Step<Option<Key>>> {
        let me = self.id;
        let Some(row) = new_row else {
            self.seq += 1;
            push_version(rows, key, me, self.seq, None);
            return Ok(Step::Done(None));
        };
        let new_key = primary_key_of(schema, &row)?.unwrap_or_else(|| key.clone());
        let moved = new_key != *key;
        let exempt = if moved { None } else { Some(key) };
        match conflicts(rows, schema, me, &new_key, &row, exempt, Some(key)) {
            Some(Conflict::Wait(t)) => return Ok(Step::Wait(t)),
            Some(Conflict::Violation(e)) => return Err(e),
            None => {}
        }
        self.seq += 1;
        if moved {
            push_version(rows, key, me, self.seq, None);
        }
        push_version(rows, &new_key, me, self.seq, Some(row));
        Ok(Step::Done(moved.then_some(new_key)))
    }

    /// The next value of a sequence (non-transactional, as in PostgreSQL).
    pub fn nextval(&mut self, seq: SequenceId) -> DbResult<i64> {
        self.catalog().sequence(seq)?;
        let (v, flush) = self.store.sequence_next(seq)?;
        self.note_flush(flush);
        Ok(v)
    }

    /// `setval(seq, value, is_called)`.
    pub fn setval(&mut self, seq: SequenceId, value: i64, is_called: bool) -> DbResult<()> {
        self.catalog().sequence(seq)?;
        let end = self.store.sequence_set(seq, value, is_called)?;
        self.note_flush(Some(end));
        Ok(())
    }

    /// A sequence's last value and whether it was handed out.
    pub fn sequence_position(&self, seq: SequenceId) -> DbResult<(i64, bool)> {
        self.catalog().sequence(seq)?;
        self.store.sequence_position(seq)
    }

    fn note_flush(&mut self, end: Option<Lsn>) {
        if let Some(e) = end {
            self.flush_upto = Some(self.flush_upto.map_or(e, |f| f.max(e)));
        }
    }

    /// Marks a point to roll back to.
    pub fn savepoint(&self) -> Savepoint {
        Savepoint {
            seq: self.seq,
            writes: self.writes.len(),
            ddl: self.ddl.len(),
            catalog: self.pending_catalog.clone(),
            created_tables: self.created_tables.len(),
            created_sequences: self.created_sequences.len(),
            truncated: self.truncated.clone(),
        }
    }

    /// Undoes everything done after `sp` (locks taken stay held, as in
    /// PostgreSQL).
    pub fn rollback_to(&mut self, sp: &Savepoint) {
        let undone: Vec<(TableId, Key)> = self.writes.drain(sp.writes..).collect();
        self.remove_own_versions(&undone, sp.seq);
        for t in self.created_tables.drain(sp.created_tables..) {
            self.store.tables.write().remove(&t);
        }
        let dropped_seqs: Vec<SequenceId> = self
            .created_sequences
            .drain(sp.created_sequences..)
            .collect();
        {
            let mut seqs = self.store.sequences.lock();
            for s in dropped_seqs {
                seqs.remove(&s);
            }
        }
        self.undo_index_builds(sp.ddl);
        self.ddl.truncate(sp.ddl);
        self.pending_catalog = sp.catalog.clone();
        self.truncated = sp.truncated.clone();
        self.seq = sp.seq;
    }

    /// Removes this transaction's versions newer than `after_seq` from the
    /// given rows' chains.
    pub(crate) fn remove_own_versions(&self, writes: &[(TableId, Key)], after_seq: u64) {
        let tables = self.store.tables.read();
        for (table, key) in writes {
            let Some(data) = tables.get(table) else {
                continue;
            };
            let mut rows = data.rows.write();
            let mut popped = Vec::new();
            let now_empty = match rows.chains.get_mut(key) {
                Some(chain) => {
                    while matches!(chain.head(), Some(Version { stamp: Stamp::Pending { txn, seq }, .. })
                        if *txn == self.id && *seq > after_seq)
                    {
                        popped.extend(chain.versions.pop());
                    }
                    chain.versions.is_empty()
                }
                None => false,
            };
            for v in &popped {
                rows.unlist(v);
            }
            if now_empty {
                rows.chains.remove(key);
            }
        }
    }
}

pub(crate) fn check_arity(schema: &TableSchema, row: &Row) -> DbResult<()> {
    if row.len() != schema.columns.len() {
        return Err(DbError::internal(format!(
            "row has {} values but table \"{}\" has {} columns",
            row.len(),
            schema.name,
            schema.columns.len()
        )));
    }
    Ok(())
}

/// The primary key of a row, or None for tables keyed by a hidden row id.
pub(crate) fn primary_key_of(schema: &TableSchema, row: &Row) -> DbResult<Option<Key>> {
    if schema.primary_key.is_empty() {
        return Ok(None);
    }
    let mut key = Vec::with_capacity(schema.primary_key.len());
    for &c in &schema.primary_key {
        let v = row.get(c).cloned().unwrap_or(Value::Null);
        if v.is_null() {
            let col = schema
                .columns
                .get(c)
                .map(|c| c.name.as_str())
                .unwrap_or("?");
            return Err(DbError::new(
                SqlState::NOT_NULL_VIOLATION,
                format!(
                    "null value in column \"{col}\" of relation \"{}\" violates not-null constraint",
                    schema.name
                ),
            ));
        }
        key.push(v);
    }
    Ok(Some(key))
}

pub(crate) fn push_version(
    rows: &mut TableRows,
    key: &Key,
    txn: TxnId,
    seq: u64,
    row: Option<Row>,
) {
    rows.push_version(key, Stamp::Pending { txn, seq }, row);
}

pub(crate) enum Conflict {
    Wait(TxnId),
    Violation(DbError),
}

/// Whether writing `row` under `key` would break the primary key or a
/// unique index. `exempt` is the row's own key when it is updated in place;
/// `replaced` is the key of the row being rewritten (in place or moved to
/// `key`), whose old image does not conflict with its new one.
pub(crate) fn conflicts(
    rows: &TableRows,
    schema: &TableSchema,
    me: TxnId,
    key: &Key,
    row: &Row,
    exempt: Option<&Key>,
    replaced: Option<&Key>,
) -> Option<Conflict> {
    let holder = |chain: &Chain| match chain.head().map(|h| h.stamp) {
        Some(Stamp::Pending { txn, .. }) if txn != me => Some(txn),
        _ => None,
    };
    if exempt.is_none()
        && let Some(chain) = rows.chains.get(key)
    {
        if let Some(t) = holder(chain) {
            return Some(Conflict::Wait(t));
        }
        if chain.head().and_then(|h| h.row.as_ref()).is_some() {
            let name = schema
                .primary_key_name
                .clone()
                .unwrap_or_else(|| format!("{}_pkey", schema.name));
            return Some(Conflict::Violation(violation(
                schema,
                &name,
                &schema.primary_key,
                key,
            )));
        }
    }
    for (id, index) in &rows.indexes {
        if !index.unique {
            continue;
        }
        let ikey = index.key_of(row);
        if ikey.iter().any(Value::is_null) {
            continue;
        }
        for pk in index.lookup(&ikey) {
            if Some(&pk) == exempt || Some(&pk) == replaced || pk == *key {
                continue;
            }
            let Some(chain) = rows.chains.get(&pk) else {
                continue;
            };
            if let Some(t) = holder(chain) {
                return Some(Conflict::Wait(t));
            }
            if let Some(other) = chain.head().and_then(|h| h.row.as_ref())
                && index.key_of(other) == ikey
            {
                let name = schema
                    .index(*id)
                    .map(|i| i.name.clone())
                    .unwrap_or_else(|| format!("index {id}"));
                return Some(Conflict::Violation(violation(
                    schema,
                    &name,
                    &index.columns,
                    &ikey,
                )));
            }
        }
    }
    None
}

fn violation(schema: &TableSchema, constraint: &str, columns: &[usize], values: &Key) -> DbError {
    let cols: Vec<&str> = columns
        .iter()
        .map(|&c| {
            schema
                .columns
                .get(c)
                .map(|c| c.name.as_str())
                .unwrap_or("?")
        })
        .collect();
    let vals: Vec<String> = values.iter().map(crate::dump::plain_text).collect();
    DbError::unique_violation(constraint).with_detail(format!(
        "Key ({})=({}) already exists.",
        cols.join(", "),
        vals.join(", ")
    ))
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if !self.finished {
            self.rollback_in_place();
        }
    }
}
