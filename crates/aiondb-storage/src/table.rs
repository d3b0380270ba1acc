//! A table's rows: version chains keyed by primary key, a heap order over
//! their versions, plus its indexes.
//!
//! ```text
//!   chains: BTreeMap<Key, Chain>          indexes: BTreeMap<IndexId, IndexData>
//!   ┌──────┬──────────────────────────┐   ┌─────────────────────────────┐
//!   │ [1]  │ c3:row  c7:row  T9:row   │   │ ("bob", [1])  ("rob", [1])  │
//!   │ [2]  │ c5:row  c8:∅             │   │ ("ann", [2])                │
//!   └──────┴──────────────────────────┘   └─────────────────────────────┘
//!            oldest ─────────▶ newest       entries for every version ever
//!                                            written; readers re-check them
//! ```
//!
//! A version is stamped either with the CommitId that made it, or as pending
//! for the transaction writing it. A pending version at the head of a chain
//! is that transaction's row lock: nobody else may write the row until the
//! transaction ends. Index entries are added for every version written and
//! never removed by writers; a reader that finds a row through an index
//! checks that the visible version still carries the key, and GC removes an
//! entry once no remaining version carries it.
//!
//! Every version also takes a physical position from a per-table counter
//! when it is written, and each live version (one with a row) is listed
//! under its position in `heap`. A sequential scan walks `heap` in position
//! order and emits a row where the version it sees sits, so rows come out
//! in PostgreSQL's heap order: insertion order, an updated row's new
//! version at the end. Positions are not durable; recovery assigns them
//! in replay order (a checkpoint writes rows in heap order), which is
//! deterministic.

use crate::record::Key;
use aiondb_core::{CommitId, IndexId, Row, TxnId, Value};
use parking_lot::RwLock;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

/// Who made a version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stamp {
    Committed(CommitId),
    /// Written by a live transaction; `seq` orders its writes (savepoints).
    Pending {
        txn: TxnId,
        seq: u64,
    },
}

/// One version of a row; `row == None` is a deletion.
#[derive(Clone, Debug)]
pub(crate) struct Version {
    pub stamp: Stamp,
    pub row: Option<Row>,
    /// Where the version sits in the table's heap order.
    pub position: u64,
}

/// What a reader is allowed to see.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadView {
    pub snapshot: CommitId,
    pub txn: TxnId,
    /// When set, the reader's own versions with a greater seq are unseen.
    pub own_upto: Option<u64>,
}

impl Version {
    /// Whether `view` may see this version: committed at or before its
    /// snapshot, or its own write (up to `own_upto` when that is set).
    fn seen_by(&self, view: ReadView) -> bool {
        match self.stamp {
            Stamp::Pending { txn, seq } => {
                txn == view.txn && view.own_upto.is_none_or(|upto| seq <= upto)
            }
            Stamp::Committed(c) => c <= view.snapshot,
        }
    }
}

/// All versions of one row, oldest first.
#[derive(Clone, Debug, Default)]
pub(crate) struct Chain {
    pub versions: Vec<Version>,
}

impl Chain {
    /// The version `view` sees, if any (it may be a deletion).
    pub fn visible(&self, view: ReadView) -> Option<&Version> {
        self.versions.iter().rev().find(|v| v.seen_by(view))
    }

    /// The version `view` sees among those at heap positions below `cap`.
    pub fn visible_before(&self, view: ReadView, cap: u64) -> Option<&Version> {
        self.versions
            .iter()
            .rev()
            .find(|v| v.position < cap && v.seen_by(view))
    }

    /// The row `view` sees, if it sees a live one.
    pub fn visible_row(&self, view: ReadView) -> Option<&Row> {
        self.visible(view).and_then(|v| v.row.as_ref())
    }

    /// The newest version.
    pub fn head(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// The newest committed version.
    pub fn newest_committed(&self) -> Option<(CommitId, Option<&Row>)> {
        self.versions.iter().rev().find_map(|v| match v.stamp {
            Stamp::Committed(c) => Some((c, v.row.as_ref())),
            Stamp::Pending { .. } => None,
        })
    }
}

/// One index's entries: (index key, primary key).
#[derive(Clone, Debug)]
pub(crate) struct IndexData {
    pub columns: Vec<usize>,
    pub unique: bool,
    pub entries: BTreeSet<(Key, Key)>,
}

impl IndexData {
    pub fn new(columns: Vec<usize>, unique: bool) -> IndexData {
        IndexData {
            columns,
            unique,
            entries: BTreeSet::new(),
        }
    }

    /// The index key of a row.
    pub fn key_of(&self, row: &Row) -> Key {
        self.columns
            .iter()
            .map(|&c| row.get(c).cloned().unwrap_or(Value::Null))
            .collect()
    }

    /// Primary keys of entries whose index key equals `ikey`.
    pub fn lookup(&self, ikey: &Key) -> Vec<Key> {
        prefix_range(&self.entries, Bound::Included(ikey), Bound::Included(ikey))
            .map(|(_, pk)| pk.clone())
            .collect()
    }
}

/// Entries of a set of `(key, pk)` pairs whose key, cut to the bound's
/// length, lies within the bounds. Bounds are key prefixes.
pub(crate) fn prefix_range<'a>(
    entries: &'a BTreeSet<(Key, Key)>,
    lower: Bound<&'a Key>,
    upper: Bound<&'a Key>,
) -> impl Iterator<Item = &'a (Key, Key)> + 'a {
    let start: Bound<(Key, Key)> = match lower {
        Bound::Included(p) | Bound::Excluded(p) => Bound::Included((p.clone(), Vec::new())),
        Bound::Unbounded => Bound::Unbounded,
    };
    entries
        .range((start, Bound::Unbounded))
        .skip_while(move |(k, _)| matches!(lower, Bound::Excluded(p) if prefix_eq(k, p)))
        .take_while(move |(k, _)| within_upper(k, upper))
}

/// Keys of a map whose prefix lies within the bounds (see [`prefix_range`]).
pub(crate) fn prefix_range_map<'a, V>(
    map: &'a BTreeMap<Key, V>,
    lower: Bound<&'a Key>,
    upper: Bound<&'a Key>,
) -> impl Iterator<Item = (&'a Key, &'a V)> + 'a {
    let start: Bound<Key> = match lower {
        Bound::Included(p) | Bound::Excluded(p) => Bound::Included(p.clone()),
        Bound::Unbounded => Bound::Unbounded,
    };
    map.range((start, Bound::Unbounded))
        .skip_while(move |(k, _)| matches!(lower, Bound::Excluded(p) if prefix_eq(k, p)))
        .take_while(move |(k, _)| within_upper(k, upper))
}

fn prefix_eq(key: &Key, prefix: &Key) -> bool {
    key.len() >= prefix.len() && key[..prefix.len()] == prefix[..]
}

pub(crate) fn within_upper(key: &Key, upper: Bound<&Key>) -> bool {
    match upper {
        Bound::Unbounded => true,
        Bound::Included(p) => key[..p.len().min(key.len())] <= p[..],
        Bound::Excluded(p) => key[..p.len().min(key.len())] < p[..],
    }
}

/// The mutable part of a table, behind one lock.
#[derive(Debug, Default)]
pub(crate) struct TableRows {
    pub chains: BTreeMap<Key, Chain>,
    pub indexes: BTreeMap<IndexId, IndexData>,
    /// Next hidden row id, for tables without a primary key.
    pub next_row_id: i64,
    /// Live versions by position: the heap order of sequential scans.
    pub heap: BTreeMap<u64, Key>,
    /// The position the next version written takes.
    pub next_position: u64,
}

impl TableRows {
    /// Appends a version to `key`'s chain at the next heap position,
    /// indexing its row.
    pub fn push_version(&mut self, key: &Key, stamp: Stamp, row: Option<Row>) {
        let position = self.next_position;
        self.next_position += 1;
        if let Some(r) = &row {
            self.index_row(key, r);
            self.heap.insert(position, key.clone());
        }
        self.chains
            .entry(key.clone())
            .or_default()
            .versions
            .push(Version {
                stamp,
                row,
                position,
            });
    }

    /// Drops the heap entry of a version leaving its chain.
    pub fn unlist(&mut self, version: &Version) {
        if version.row.is_some() {
            self.heap.remove(&version.position);
        }
    }

    /// Adds index entries for a row image under every index.
    pub fn index_row(&mut self, key: &Key, row: &Row) {
        for index in self.indexes.values_mut() {
            let ikey = index.key_of(row);
            index.entries.insert((ikey, key.clone()));
        }
    }

    /// Rebuilds one index from every version of every chain.
    pub fn build_index(&mut self, id: IndexId, mut data: IndexData) {
        for (key, chain) in &self.chains {
            for v in &chain.versions {
                if let Some(row) = &v.row {
                    data.entries.insert((data.key_of(row), key.clone()));
                }
            }
        }
        self.indexes.insert(id, data);
    }

    /// Notes a hidden row id as used, so the counter never hands it out.
    pub fn observe_row_id(&mut self, key: &Key) {
        if let [Value::Int8(id)] = key.as_slice() {
            self.next_row_id = self.next_row_id.max(id + 1);
        }
    }
}

/// A table's data: the id and its rows behind a reader-writer lock.
#[derive(Debug)]
pub(crate) struct TableData {
    pub rows: RwLock<TableRows>,
}

impl TableData {
    /// Empty data with an (empty) index for each index of the schema.
    pub fn for_schema(schema: &crate::schema::TableSchema) -> TableData {
        let indexes = schema
            .indexes
            .iter()
            .map(|i| (i.id, IndexData::new(i.columns.clone(), i.unique)))
            .collect();
        TableData {
            rows: RwLock::new(TableRows {
                chains: BTreeMap::new(),
                indexes,
                next_row_id: 1,
                heap: BTreeMap::new(),
                next_position: 0,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(v: i32) -> Key {
        vec![Value::Int4(v)]
    }

    #[test]
    fn visibility_follows_snapshot_and_own_writes() {
        let chain = Chain {
            versions: vec![
                Version {
                    stamp: Stamp::Committed(CommitId(3)),
                    row: Some(vec![Value::Int4(1)]),
                    position: 0,
                },
                Version {
                    stamp: Stamp::Committed(CommitId(7)),
                    row: None,
                    position: 1,
                },
                Version {
                    stamp: Stamp::Pending {
                        txn: TxnId(9),
                        seq: 1,
                    },
                    row: Some(vec![Value::Int4(2)]),
                    position: 2,
                },
            ],
        };
        let at = |s, t| ReadView {
            snapshot: CommitId(s),
            txn: TxnId(t),
            own_upto: None,
        };
        assert!(chain.visible(at(2, 1)).is_none());
        assert_eq!(chain.visible_row(at(5, 1)), Some(&vec![Value::Int4(1)]));
        assert!(chain.visible_row(at(8, 1)).is_none());
        assert_eq!(chain.visible_row(at(8, 9)), Some(&vec![Value::Int4(2)]));
        assert_eq!(chain.newest_committed().map(|(c, _)| c), Some(CommitId(7)));
    }

    #[test]
    fn versions_take_heap_positions_and_scans_cap_them() {
        let mut rows = TableRows::default();
        let pending = Stamp::Pending {
            txn: TxnId(9),
            seq: 1,
        };
        rows.push_version(
            &k(2),
            Stamp::Committed(CommitId(1)),
            Some(vec![Value::Int4(2)]),
        );
        rows.push_version(
            &k(1),
            Stamp::Committed(CommitId(1)),
            Some(vec![Value::Int4(1)]),
        );
        rows.push_version(&k(2), pending, Some(vec![Value::Int4(3)]));
        rows.push_version(&k(1), pending, None);
        let listed: Vec<_> = rows.heap.iter().map(|(p, key)| (*p, key.clone())).collect();
        assert_eq!(
            listed,
            vec![(0, k(2)), (1, k(1)), (2, k(2))],
            "deletions are not listed"
        );
        let view = ReadView {
            snapshot: CommitId(1),
            txn: TxnId(9),
            own_upto: None,
        };
        let chain = &rows.chains[&k(2)];
        assert_eq!(chain.visible(view).map(|v| v.position), Some(2));
        assert_eq!(chain.visible_before(view, 2).map(|v| v.position), Some(0));
        let newest = rows.chains.get_mut(&k(2)).and_then(|c| c.versions.pop());
        if let Some(v) = newest {
            rows.unlist(&v);
        }
        assert_eq!(rows.heap.len(), 2);
    }

    #[test]
    fn prefix_ranges_respect_bounds() {
        let mut set = BTreeSet::new();
        for a in 1..=3 {
            for b in 1..=2 {
                set.insert((vec![Value::Int4(a), Value::Int4(b)], k(a * 10 + b)));
            }
        }
        let two = k(2);
        let got: Vec<_> = prefix_range(&set, Bound::Included(&two), Bound::Included(&two))
            .map(|(_, pk)| pk.clone())
            .collect();
        assert_eq!(got, vec![k(21), k(22)]);
        let got = prefix_range(&set, Bound::Excluded(&two), Bound::Unbounded).count();
        assert_eq!(got, 2);
        let got = prefix_range(&set, Bound::Unbounded, Bound::Excluded(&two)).count();
        assert_eq!(got, 2);
    }
}
