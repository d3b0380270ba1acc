//! Ending a transaction: commit (validate, assign a CommitId, append one
//! commit record, fsync, publish in CommitId order) or rollback.
//!
//! ```text
//!   build record ──▶ [next lock] assign c, WAL append ──▶ WAL flush (group
//!   commit) ──▶ [published lock] wait for c-1, stamp versions c, swap
//!   catalog, visible = c ──▶ release row and table locks ──▶ acknowledge
//! ```
//!
//! Nothing is stamped before the fsync that covers the record, so no reader
//! can see a commit that a crash could take away.

use crate::record::{self, CommitBody, DdlOp, KIND_COMMIT, Key, RowOp};
use crate::table::Stamp;
use crate::txn::Transaction;
use aiondb_core::{CommitId, DbResult, TableId};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::Ordering;

impl Transaction {
    /// Commits. Returns the CommitId, or None for a transaction that wrote
    /// nothing (which needs no WAL record). The call returns only after the
    /// commit record is durable and the commit is visible.
    pub fn commit(mut self) -> DbResult<Option<CommitId>> {
        if !self.has_writes() {
            let flushed = match self.flush_upto {
                Some(end) => self.store.wal.flush(end),
                None => Ok(()),
            };
            self.end();
            return flushed.map(|_| None);
        }
        self.store.check_writable()?;
        let body = self.build_body();
        let encoded = record::encode(&body)?;
        let store = self.store.clone();
        let (commit_id, appended) = {
            let mut next = store.order.next.lock();
            let c = *next;
            self.validate_serializable()?;
            let payload = record::commit_payload(c, &encoded);
            let appended = store.wal.append(KIND_COMMIT, &payload)?;
            self.record_commit(c);
            *next = c.next();
            (c, appended)
        };
        let flush_to = self
            .flush_upto
            .map_or(appended.end, |f| f.max(appended.end));
        if let Err(e) = store.wal.flush(flush_to) {
            // The record may or may not be on disk: the outcome is unknown,
            // so nothing may commit after it. Recovery decides.
            store.failed.store(true, Ordering::Release);
            self.finished = true;
            store.locks.finish(self.id);
            tracing::error!(commit_id = %commit_id, error = %e, "WAL flush failed; refusing further commits");
            return Err(e.with_detail(format!(
                "The outcome of commit {commit_id} is unknown until the server restarts."
            )));
        }
        self.publish(commit_id, appended.end);
        self.end();
        metrics::counter!("aiondb_storage_commits_total").increment(1);
        store.maybe_trigger_checkpoint();
        Ok(Some(commit_id))
    }

    /// Rolls back: no trace remains.
    pub fn rollback(mut self) {
        self.rollback_in_place();
    }

    pub(crate) fn rollback_in_place(&mut self) {
        if self.finished {
            return;
        }
        let writes = std::mem::take(&mut self.writes);
        self.remove_own_versions(&writes, 0);
        self.undo_index_builds(0);
        {
            let mut tables = self.store.tables.write();
            for t in self.created_tables.drain(..) {
                tables.remove(&t);
            }
        }
        {
            let mut seqs = self.store.sequences.lock();
            for s in self.created_sequences.drain(..) {
                seqs.remove(&s);
            }
        }
        self.end();
    }

    /// Removes index data built by CREATE INDEX ops at positions >= `from`.
    pub(crate) fn undo_index_builds(&self, from: usize) {
        for op in self.ddl.iter().skip(from) {
            if let DdlOp::CreateIndex { table, index } = op
                && let Ok(data) = self.store.table_data(*table)
            {
                data.rows.write().indexes.remove(&index.id);
            }
        }
    }

    fn end(&mut self) {
        self.finished = true;
        self.store.locks.finish(self.id);
        self.store.release_snapshot(self.snapshot);
        if self.isolation == crate::txn::IsolationLevel::Serializable {
            self.store.release_serializable_snapshot(self.snapshot);
        }
    }

    /// The commit record body: catalog changes, truncations, then the final
    /// image of every row written (deletions only of rows that existed).
    fn build_body(&self) -> CommitBody {
        let catalog = self.catalog();
        let tables = self.store.tables.read();
        let mut seen: HashSet<(TableId, &Key)> = HashSet::new();
        // (table, heap position of the final image, op): replay appends in
        // record order, so sorting by position keeps the heap order.
        let mut rows = Vec::new();
        for (table, key) in &self.writes {
            if !seen.insert((*table, key)) || !catalog.tables.contains_key(table) {
                continue;
            }
            let Some(data) = tables.get(table) else {
                continue;
            };
            let guard = data.rows.read();
            let Some(chain) = guard.chains.get(key) else {
                continue;
            };
            let Some(head) = chain.head() else { continue };
            if !matches!(head.stamp, Stamp::Pending { txn, .. } if txn == self.id) {
                continue;
            }
            match &head.row {
                Some(row) => rows.push((
                    *table,
                    head.position,
                    RowOp::Put {
                        table: *table,
                        key: key.clone(),
                        row: row.clone(),
                    },
                )),
                None => {
                    let existed = matches!(chain.newest_committed(), Some((_, Some(_))));
                    if existed && !self.truncated.contains(table) {
                        rows.push((
                            *table,
                            head.position,
                            RowOp::Delete {
                                table: *table,
                                key: key.clone(),
                            },
                        ));
                    }
                }
            }
        }
        rows.sort_by_key(|(table, position, _)| (*table, *position));
        let rows = rows.into_iter().map(|(_, _, op)| op).collect();
        CommitBody {
            ddl: self.ddl.clone(),
            truncates: self
                .truncated
                .iter()
                .copied()
                .filter(|t| catalog.tables.contains_key(t))
                .collect(),
            rows,
        }
    }

    /// Makes commit `c` visible, after every earlier commit.
    fn publish(&mut self, c: CommitId, wal_end: aiondb_core::Lsn) {
        let store = self.store.clone();
        let mut published = store.order.published.lock();
        while published.visible.0 + 1 != c.0 {
            store.order.published_changed.wait(&mut published);
        }
        self.stamp_versions(c);
        if let Some(catalog) = self.pending_catalog.take() {
            self.apply_catalog_drops();
            *store.catalog.write() = catalog;
        }
        published.visible = c;
        published.wal_end = wal_end;
        drop(published);
        store.order.published_changed.notify_all();
    }

    /// Replaces this transaction's pending versions with one version per
    /// row stamped `c` (intermediate images were never visible to anyone).
    fn stamp_versions(&self, c: CommitId) {
        let tables = self.store.tables.read();
        let mut by_table: BTreeMap<TableId, Vec<&Key>> = BTreeMap::new();
        for (t, k) in &self.writes {
            by_table.entry(*t).or_default().push(k);
        }
        for (t, keys) in by_table {
            let Some(data) = tables.get(&t) else { continue };
            let mut rows = data.rows.write();
            for key in keys {
                let Some(chain) = rows.chains.get_mut(key) else {
                    continue;
                };
                let mut newest = None;
                let mut superseded = Vec::new();
                while let Some(v) = chain.versions.last() {
                    if !matches!(v.stamp, Stamp::Pending { txn, .. } if txn == self.id) {
                        break;
                    }
                    let v = chain.versions.pop();
                    if newest.is_none() {
                        newest = v;
                    } else {
                        superseded.extend(v);
                    }
                }
                if let Some(mut v) = newest {
                    v.stamp = Stamp::Committed(c);
                    chain.versions.push(v);
                }
                for v in &superseded {
                    rows.unlist(v);
                }
            }
        }
    }

    /// Frees the data of tables, indexes and sequences this commit drops.
    fn apply_catalog_drops(&self) {
        for op in &self.ddl {
            match op {
                DdlOp::DropTable(t) => {
                    self.store.tables.write().remove(t);
                }
                DdlOp::DropIndex { table, index } => {
                    if let Ok(data) = self.store.table_data(*table) {
                        data.rows.write().indexes.remove(index);
                    }
                }
                DdlOp::DropSequence(s) => {
                    self.store.sequences.lock().remove(s);
                }
                _ => {}
            }
        }
    }
}
