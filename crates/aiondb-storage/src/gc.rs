//! Garbage collection of versions no snapshot can see.
//!
//! A version may go only when a newer version with `commit_id <= oldest
//! live snapshot` exists: every live reader sees that newer one (or
//! something newer still) instead. A chain whose only remaining version is
//! such a deletion goes entirely, and index entries go once no remaining
//! version carries their key. GC changes no snapshot's view of any row, so
//! it changes nothing recovery could observe and needs no WAL record: the
//! WAL records commits, never physical versions.

use crate::store::Store;
use crate::table::Stamp;
use std::collections::HashSet;

/// What a GC pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    pub versions_removed: u64,
    pub rows_removed: u64,
    pub index_entries_removed: u64,
}

impl Store {
    /// Removes versions, rows and index entries no live snapshot needs.
    pub fn gc(&self) -> GcReport {
        let oldest = self.oldest_snapshot();
        let mut report = GcReport::default();
        let tables: Vec<_> = self.tables.read().values().cloned().collect();
        for data in tables {
            let mut rows = data.rows.write();
            let mut emptied = Vec::new();
            let mut touched = HashSet::new();
            let mut unlisted = Vec::new();
            for (key, chain) in rows.chains.iter_mut() {
                let keep_from = chain
                    .versions
                    .iter()
                    .rposition(|v| matches!(v.stamp, Stamp::Committed(c) if c <= oldest));
                let Some(i) = keep_from else { continue };
                if i > 0 {
                    unlisted.extend(
                        chain
                            .versions
                            .drain(..i)
                            .filter(|v| v.row.is_some())
                            .map(|v| v.position),
                    );
                    report.versions_removed += i as u64;
                    touched.insert(key.clone());
                }
                if chain.versions.len() == 1 && chain.versions[0].row.is_none() {
                    emptied.push(key.clone());
                    touched.insert(key.clone());
                }
            }
            for position in &unlisted {
                rows.heap.remove(position);
            }
            for key in &emptied {
                rows.chains.remove(key);
                report.versions_removed += 1;
                report.rows_removed += 1;
            }
            if touched.is_empty() {
                continue;
            }
            let rows = &mut *rows;
            for index in rows.indexes.values_mut() {
                let before = index.entries.len();
                let columns = index.columns.clone();
                index.entries.retain(|(ikey, pk)| {
                    if !touched.contains(pk) {
                        return true;
                    }
                    rows.chains.get(pk).is_some_and(|chain| {
                        chain.versions.iter().any(|v| {
                            v.row.as_ref().is_some_and(|r| {
                                columns
                                    .iter()
                                    .zip(ikey.iter())
                                    .all(|(&c, k)| r.get(c).is_some_and(|x| x == k))
                            })
                        })
                    })
                });
                report.index_entries_removed += (before - index.entries.len()) as u64;
            }
        }
        report
    }
}
