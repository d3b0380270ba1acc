//! SERIALIZABLE: snapshot isolation plus backward validation of what a
//! transaction read, at table granularity.
//!
//! A serializable transaction reads at one snapshot `s`, exactly as a
//! REPEATABLE READ one does, and records every table it opens (scans,
//! index and key lookups, the tables it writes, which it also reads for
//! key checks). When it commits as `c`, every transaction that committed
//! in `(s, c)` is known (CommitIds are assigned under one lock, and the
//! validation runs under it). If any of them wrote a table in the read
//! set, the commit fails with 40001; otherwise everything it read was
//! still current at `c`, and write-write conflicts were already refused by
//! snapshot isolation, so the transaction is equivalent to running alone
//! at its commit point. Serializable transactions are therefore
//! serializable in commit order. The check is conservative (two writers of
//! different rows of one table conflict), never permissive.
//!
//! A serializable transaction that wrote nothing commits without a
//! CommitId and without validation: its snapshot is a prefix of commit
//! order, so it is equivalent to running at `s`.
//!
//! ```text
//!   begin(Serializable) ─▶ [log] register s ─▶ reads add tables to the read set
//!   commit ─▶ [next] validate log entries > s ─▶ assign c ─▶ [log] record (c, written tables)
//!   end ─▶ [log] unregister s, prune entries no live serializable snapshot needs
//! ```
//!
//! The log keeps the written-table sets of commits newer than both the
//! oldest live serializable snapshot and the published commit (commits
//! assigned but not yet published are kept so that a serializable
//! transaction beginning meanwhile, whose snapshot cannot see them, still
//! finds them).

use crate::record::DdlOp;
use crate::store::Store;
use crate::txn::Transaction;
use aiondb_core::{CommitId, DbError, DbResult, SqlState, TableId};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The written-table sets of recent commits, and the snapshots of live
/// serializable transactions that may need them.
#[derive(Default)]
pub(crate) struct SerialLog {
    /// Snapshot of each live serializable transaction (snapshot -> count).
    active: BTreeMap<CommitId, usize>,
    /// Commits in CommitId order with the tables each wrote.
    commits: VecDeque<(CommitId, BTreeSet<TableId>)>,
}

impl SerialLog {
    /// Drops entries no live serializable transaction can need.
    fn prune(&mut self, visible: CommitId) {
        let keep_after = self
            .active
            .keys()
            .next()
            .copied()
            .unwrap_or(visible)
            .min(visible);
        while self.commits.front().is_some_and(|(c, _)| *c <= keep_after) {
            self.commits.pop_front();
        }
    }

    /// The first table of `read` written by a commit after `snapshot`.
    fn conflict(&self, snapshot: CommitId, read: &BTreeSet<TableId>) -> Option<TableId> {
        self.commits
            .iter()
            .filter(|(c, _)| *c > snapshot)
            .find_map(|(_, written)| written.intersection(read).next().copied())
    }
}

impl Store {
    /// Takes a snapshot for a serializable transaction and registers it,
    /// atomically with respect to pruning the log.
    pub(crate) fn register_serializable_snapshot(&self) -> CommitId {
        let mut log = self.serial.lock();
        let s = self.register_snapshot();
        *log.active.entry(s).or_insert(0) += 1;
        s
    }

    pub(crate) fn release_serializable_snapshot(&self, s: CommitId) {
        let mut log = self.serial.lock();
        if let Some(n) = log.active.get_mut(&s) {
            *n -= 1;
            if *n == 0 {
                log.active.remove(&s);
            }
        }
        let visible = self.visible_commit();
        log.prune(visible);
    }
}

impl Transaction {
    /// Notes that this transaction read `table` (serializable only).
    pub(crate) fn note_read(&mut self, table: TableId) {
        if self.isolation == crate::txn::IsolationLevel::Serializable {
            self.read_set.insert(table);
        }
    }

    /// The tables this transaction's commit changes.
    pub(crate) fn written_tables(&self) -> BTreeSet<TableId> {
        let mut tables: BTreeSet<TableId> = self.writes.iter().map(|(t, _)| *t).collect();
        tables.extend(self.truncated.iter().copied());
        for op in &self.ddl {
            match op {
                DdlOp::DropTable(t) => {
                    tables.insert(*t);
                }
                DdlOp::AlterTable(schema) => {
                    tables.insert(schema.id);
                }
                DdlOp::CreateIndex { table, .. } | DdlOp::DropIndex { table, .. } => {
                    tables.insert(*table);
                }
                _ => {}
            }
        }
        tables
    }

    /// Refuses a serializable commit about to take a CommitId when a
    /// commit after its snapshot wrote a table it read. Runs under the
    /// commit-order lock, so every earlier commit is already in the log.
    pub(crate) fn validate_serializable(&self) -> DbResult<()> {
        if self.isolation != crate::txn::IsolationLevel::Serializable {
            return Ok(());
        }
        let log = self.store.serial.lock();
        if let Some(table) = log.conflict(self.snapshot, &self.read_set) {
            tracing::debug!(%table, snapshot = %self.snapshot, "serializable commit refused");
            return Err(rw_conflict());
        }
        Ok(())
    }

    /// Records that commit `c` (appended to the WAL, under the
    /// commit-order lock) writes this transaction's tables.
    pub(crate) fn record_commit(&self, c: CommitId) {
        let mut log = self.store.serial.lock();
        log.commits.push_back((c, self.written_tables()));
        let visible = self.store.visible_commit();
        log.prune(visible);
    }
}

/// PostgreSQL's error for a read/write dependency found at commit.
fn rw_conflict() -> DbError {
    DbError::new(
        SqlState::SERIALIZATION_FAILURE,
        "could not serialize access due to read/write dependencies among transactions",
    )
    .with_detail("Reason code: Canceled on identification as a pivot, during commit attempt.")
    .with_hint("The transaction might succeed if retried.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[u32]) -> BTreeSet<TableId> {
        ids.iter().map(|&i| TableId(i)).collect()
    }

    #[test]
    fn conflict_only_after_snapshot() {
        let mut log = SerialLog::default();
        log.commits.push_back((CommitId(5), set(&[1])));
        log.commits.push_back((CommitId(6), set(&[2])));
        assert_eq!(log.conflict(CommitId(4), &set(&[1])), Some(TableId(1)));
        assert_eq!(log.conflict(CommitId(5), &set(&[1])), None);
        assert_eq!(log.conflict(CommitId(5), &set(&[2, 3])), Some(TableId(2)));
        assert_eq!(log.conflict(CommitId(4), &set(&[3])), None);
    }

    #[test]
    fn prune_keeps_what_live_snapshots_and_unpublished_commits_need() {
        let mut log = SerialLog::default();
        for c in 1..=6 {
            log.commits.push_back((CommitId(c), set(&[1])));
        }
        log.active.insert(CommitId(3), 1);
        log.prune(CommitId(5));
        assert_eq!(log.commits.front().map(|e| e.0), Some(CommitId(4)));
        log.active.clear();
        log.prune(CommitId(5));
        assert_eq!(log.commits.front().map(|e| e.0), Some(CommitId(6)));
    }
}
