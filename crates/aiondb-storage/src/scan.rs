//! Row scans: in heap order (sequential scans), primary key order (key
//! ranges) or index order, read in chunks so that no table lock is held
//! between calls.
//!
//! A heap scan remembers where the table's position counter stood when it
//! started and visits only positions before it, seeing for each row the
//! version written before then: a row the scanning transaction rewrites
//! while the scan runs is emitted once, as it was, the way PostgreSQL's
//! command ids keep a statement from seeing its own new tuples.

use crate::record::Key;
use crate::table::{ReadView, TableData};
use aiondb_core::{IndexId, Row};
use std::collections::VecDeque;
use std::ops::Bound;
use std::sync::Arc;

/// How a scan walks the table.
pub(crate) enum ScanOrder {
    /// Heap positions `[resume, cap)`.
    Heap { cap: u64 },
    /// Primary keys within the (prefix) bounds.
    Key,
    /// Entries of an index within the (prefix) bounds on its key.
    Index(IndexId),
}

/// Where the next chunk starts.
enum Resume {
    Start,
    Position(u64),
    Key(Key),
    Entry((Key, Key)),
}

/// An iterator over visible rows.
pub struct RowScan {
    data: Arc<TableData>,
    view: ReadView,
    order: ScanOrder,
    lower: Bound<Key>,
    upper: Bound<Key>,
    resume: Resume,
    buf: VecDeque<(Key, Row)>,
    done: bool,
}

const SCAN_CHUNK: usize = 1024;

impl RowScan {
    pub(crate) fn new(
        data: Arc<TableData>,
        view: ReadView,
        order: ScanOrder,
        lower: Bound<Key>,
        upper: Bound<Key>,
    ) -> RowScan {
        RowScan {
            data,
            view,
            order,
            lower,
            upper,
            resume: Resume::Start,
            buf: VecDeque::new(),
            done: false,
        }
    }

    /// A heap-order scan of every row, capped at the current position.
    pub(crate) fn heap(data: Arc<TableData>, view: ReadView) -> RowScan {
        let cap = data.rows.read().next_position;
        RowScan::new(
            data,
            view,
            ScanOrder::Heap { cap },
            Bound::Unbounded,
            Bound::Unbounded,
        )
    }

    fn fill(&mut self) {
        match self.order {
            ScanOrder::Heap { cap } => self.fill_heap(cap),
            ScanOrder::Key => self.fill_key(),
            ScanOrder::Index(id) => self.fill_index(id),
        }
    }

    fn fill_heap(&mut self, cap: u64) {
        let rows = self.data.rows.read();
        let start = match self.resume {
            Resume::Position(p) => p,
            _ => 0,
        };
        let mut next = None;
        for (examined, (&position, key)) in rows.heap.range(start..cap).enumerate() {
            if examined >= SCAN_CHUNK {
                next = Some(position);
                break;
            }
            let Some(version) = rows
                .chains
                .get(key)
                .and_then(|c| c.visible_before(self.view, cap))
            else {
                continue;
            };
            if version.position == position
                && let Some(row) = &version.row
            {
                self.buf.push_back((key.clone(), row.clone()));
            }
        }
        match next {
            Some(p) => self.resume = Resume::Position(p),
            None => self.done = true,
        }
    }

    fn fill_key(&mut self) {
        let rows = self.data.rows.read();
        let lower = match &self.resume {
            Resume::Key(k) => Bound::Excluded(k),
            _ => self.lower.as_ref(),
        };
        let mut examined = 0;
        let mut last = None;
        for (key, chain) in crate::table::prefix_range_map(&rows.chains, lower, self.upper.as_ref())
        {
            if let Some(row) = chain.visible_row(self.view) {
                self.buf.push_back((key.clone(), row.clone()));
            }
            last = Some(key);
            examined += 1;
            if examined >= SCAN_CHUNK {
                break;
            }
        }
        match last {
            Some(k) if examined >= SCAN_CHUNK => self.resume = Resume::Key(k.clone()),
            _ => self.done = true,
        }
    }

    fn fill_index(&mut self, id: IndexId) {
        let rows = self.data.rows.read();
        let Some(index) = rows.indexes.get(&id) else {
            self.done = true;
            return;
        };
        let iter: Box<dyn Iterator<Item = &(Key, Key)>> = match &self.resume {
            Resume::Entry(entry) => Box::new(
                index
                    .entries
                    .range((Bound::Excluded(entry.clone()), Bound::Unbounded))
                    .take_while(|(k, _)| crate::table::within_upper(k, self.upper.as_ref())),
            ),
            _ => Box::new(crate::table::prefix_range(
                &index.entries,
                self.lower.as_ref(),
                self.upper.as_ref(),
            )),
        };
        let mut examined = 0;
        let mut last = None;
        for entry in iter {
            let (ikey, pk) = entry;
            if let Some(row) = rows.chains.get(pk).and_then(|c| c.visible_row(self.view))
                && index.key_of(row) == *ikey
            {
                self.buf.push_back((pk.clone(), row.clone()));
            }
            last = Some(entry);
            examined += 1;
            if examined >= SCAN_CHUNK {
                break;
            }
        }
        match last {
            Some(e) if examined >= SCAN_CHUNK => self.resume = Resume::Entry(e.clone()),
            _ => self.done = true,
        }
    }
}

impl Iterator for RowScan {
    type Item = (Key, Row);

    fn next(&mut self) -> Option<(Key, Row)> {
        while self.buf.is_empty() && !self.done {
            self.fill();
        }
        self.buf.pop_front()
    }
}
