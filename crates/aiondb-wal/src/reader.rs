//! Reading durable records back, from a known record boundary onwards.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use aiondb_core::{DbError, DbResult, Lsn};

use crate::record::{self, RECORD_HEADER_LEN, Record};
use crate::stream::{Cursor, Stream};
use crate::wal::Shared;

/// Iterator over durable records. Yields `Err` once (then ends) if a
/// durable record fails validation, which is corruption.
pub struct WalReader {
    shared: Arc<Shared>,
    cursor: Cursor,
    pos: u64,
    failed: bool,
    peeked: Option<Record>,
}

impl std::fmt::Debug for WalReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalReader")
            .field("pos", &Lsn(self.pos))
            .finish()
    }
}

impl WalReader {
    /// A reader at `from`; checks eagerly that a record starts there.
    pub(crate) fn new(shared: Arc<Shared>, from: Lsn) -> DbResult<WalReader> {
        let durable = shared.durable.load(Ordering::Acquire);
        let stream = Stream::new(&shared.dir, shared.options.segment_size);
        let mut reader = WalReader {
            shared,
            cursor: Cursor::new(stream, durable),
            pos: from.0,
            failed: false,
            peeked: None,
        };
        if from.0 < durable {
            let rec = reader.read_record(true)?;
            reader.peeked = Some(rec);
        }
        Ok(reader)
    }

    /// The LSN of the next record this reader returns.
    pub fn position(&self) -> Lsn {
        Lsn(self.pos)
    }

    fn read_record(&mut self, first: bool) -> DbResult<Record> {
        let pos = self.pos;
        let limit = self.cursor.limit();
        let (file, offset) = self.cursor.stream.location(pos);
        let fail = |why: String| {
            if first {
                DbError::new(
                    aiondb_core::SqlState::INVALID_PARAMETER_VALUE,
                    format!(
                        "wal LSN {} is not a record boundary (file {}, offset {offset}): {why}",
                        Lsn(pos),
                        file.display()
                    ),
                )
            } else {
                DbError::corrupted(format!(
                    "wal corrupted: invalid durable record at LSN {} (file {}, offset {offset}): {why}",
                    Lsn(pos),
                    file.display()
                ))
            }
        };
        let head = self.cursor.get(pos, RECORD_HEADER_LEN)?;
        let len = record::length_field(head).unwrap_or(0);
        if !record::plausible_len(len) {
            return Err(fail(format!("invalid record length {len}")));
        }
        if pos + len as u64 > limit {
            return Err(fail("record extends past the durable end".into()));
        }
        let bytes = self.cursor.get(pos, len)?;
        let rec = record::decode(bytes, Lsn(pos)).map_err(|e| fail(e.to_string()))?;
        Ok(rec)
    }
}

impl Iterator for WalReader {
    type Item = DbResult<Record>;

    fn next(&mut self) -> Option<DbResult<Record>> {
        if self.failed {
            return None;
        }
        if let Some(rec) = self.peeked.take() {
            self.pos = rec.end().0;
            return Some(Ok(rec));
        }
        let durable = self.shared.durable.load(Ordering::Acquire);
        if durable > self.cursor.limit() {
            self.cursor.set_limit(durable);
        }
        if self.pos >= self.cursor.limit() {
            return None;
        }
        match self.read_record(false) {
            Ok(rec) => {
                self.pos = rec.end().0;
                Some(Ok(rec))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
