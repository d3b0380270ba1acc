//! Inserts with arbiters (INSERT ... ON CONFLICT).
//!
//! A row that would duplicate the key of an arbiter constraint (the primary
//! key or a unique index) is not inserted: the caller learns which existing
//! row it collides with, so that it can skip or update that row, as
//! PostgreSQL's speculative insertion does. A colliding row still being
//! written by another transaction is waited for first, and the check is
//! made again once that transaction ended. The arbiter check and the
//! insertion happen under one table write lock, so no concurrent insert can
//! slip in between; duplicates on constraints that are not arbiters are
//! the usual 23505.

use crate::record::Key;
use crate::schema::TableSchema;
use crate::table::{Stamp, TableRows};
use crate::txn::{
    Conflict, Step, Transaction, check_arity, conflicts, primary_key_of, push_version,
};
use aiondb_core::{DbResult, IndexId, Row, TableId, TxnId, Value};

/// A constraint whose duplicates ON CONFLICT handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arbiter {
    PrimaryKey,
    /// A unique index.
    Index(IndexId),
}

/// What an arbitrated insert did.
#[derive(Clone, Debug, PartialEq)]
pub enum InsertOutcome {
    /// The row was inserted under this key.
    Inserted(Key),
    /// The row collides on `arbiter` with the newest version of the row
    /// `key` (committed, or this transaction's own).
    Conflict {
        key: Key,
        arbiter: Arbiter,
        /// When that version is this transaction's own pending write: its
        /// write sequence number (compare with [`Transaction::write_seq`]
        /// taken at statement start to tell rows this statement wrote).
        own_write: Option<u64>,
    },
}

enum Hit {
    Wait(TxnId),
    Existing(InsertOutcome),
}

impl Transaction {
    /// The sequence number of this transaction's latest row write; every
    /// later write gets a larger one.
    pub fn write_seq(&self) -> u64 {
        self.seq
    }

    /// Inserts a row unless it duplicates an arbiter's key (see the module
    /// documentation). With no arbiters this is a plain insert.
    pub fn insert_arbitrated(
        &mut self,
        table: TableId,
        row: Row,
        arbiters: &[Arbiter],
    ) -> DbResult<InsertOutcome> {
        self.store.check_writable()?;
        let (schema, data) = self.open_table(table)?;
        check_arity(&schema, &row)?;
        let me = self.id;
        loop {
            // A failed WAL leaves rows locked by in-doubt commits: stop.
            self.store.check_writable()?;
            let step = {
                let mut rows = data.rows.write();
                let key = match primary_key_of(&schema, &row)? {
                    Some(k) => k,
                    None => vec![Value::Int8(rows.next_row_id)],
                };
                match arbiter_hit(&rows, &schema, me, &key, &row, arbiters) {
                    Some(Hit::Wait(t)) => Step::Wait(t),
                    Some(Hit::Existing(outcome)) => return Ok(outcome),
                    None => match conflicts(&rows, &schema, me, &key, &row, None, None) {
                        Some(Conflict::Wait(t)) => Step::Wait(t),
                        Some(Conflict::Violation(e)) => return Err(e),
                        None => {
                            rows.observe_row_id(&key);
                            self.seq += 1;
                            push_version(&mut rows, &key, me, self.seq, Some(row.clone()));
                            Step::Done(key)
                        }
                    },
                }
            };
            match step {
                Step::Done(key) => {
                    self.writes.push((table, key.clone()));
                    return Ok(InsertOutcome::Inserted(key));
                }
                Step::Wait(t) => self.store.locks.wait_for_txn(me, t, &self.limits)?,
                Step::Retry => {}
            }
        }
    }
}

/// The first arbiter `row` (to be stored under `key`) collides on.
fn arbiter_hit(
    rows: &TableRows,
    schema: &TableSchema,
    me: TxnId,
    key: &Key,
    row: &Row,
    arbiters: &[Arbiter],
) -> Option<Hit> {
    for &arbiter in arbiters {
        match arbiter {
            Arbiter::PrimaryKey => {
                if schema.primary_key.is_empty() {
                    continue;
                }
                if let Some(hit) = existing(rows, me, key, arbiter, |_| true) {
                    return Some(hit);
                }
            }
            Arbiter::Index(id) => {
                let Some(index) = rows.indexes.get(&id) else {
                    continue;
                };
                let ikey = index.key_of(row);
                if ikey.iter().any(Value::is_null) {
                    continue;
                }
                for pk in index.lookup(&ikey) {
                    let carries = |other: &Row| index.key_of(other) == ikey;
                    if let Some(hit) = existing(rows, me, &pk, arbiter, carries) {
                        return Some(hit);
                    }
                }
            }
        }
    }
    None
}

/// Whether the newest version of row `pk` is live and carries the key
/// (`carries`), or is locked by another transaction (then: wait for it).
fn existing(
    rows: &TableRows,
    me: TxnId,
    pk: &Key,
    arbiter: Arbiter,
    carries: impl Fn(&Row) -> bool,
) -> Option<Hit> {
    let head = rows.chains.get(pk)?.head()?;
    let own_write = match head.stamp {
        Stamp::Pending { txn, .. } if txn != me => return Some(Hit::Wait(txn)),
        Stamp::Pending { seq, .. } => Some(seq),
        Stamp::Committed(_) => None,
    };
    let live = head.row.as_ref()?;
    carries(live).then(|| {
        Hit::Existing(InsertOutcome::Conflict {
            key: pk.clone(),
            arbiter,
            own_write,
        })
    })
}
