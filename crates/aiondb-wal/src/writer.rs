//! The write path: buffering appends and flushing them with group commit.
//!
//! Appends frame records into one in-memory buffer under the state lock.
//! A flush elects a *leader* (the first flusher to find no flush in
//! progress); the leader takes the buffered bytes, releases the lock, writes
//! them with `pwrite` and fdatasyncs every segment it touched, then advances
//! the durable LSN and wakes everyone. Followers that arrived meanwhile wait;
//! each is released only once the durable LSN covers its own end. With
//! `group_commit = false` a leader writes only up to its own end, so every
//! caller with unflushed bytes issues its own write + fdatasync. Bytes on disk
//! are the same either way: batching never changes content, only timing.
//!
//! A failed write or fdatasync poisons the log for good (the kernel may have
//! dropped the dirty pages; retrying could report durability falsely).

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use aiondb_core::{DbError, DbResult, Lsn, SqlState};

use crate::prealloc::Prealloc;
use crate::segment::{self, HEADER_LEN, SegmentHeader};
use crate::stats::Stats;
use crate::{WalOptions, record};

/// Everything the state lock protects.
pub(crate) struct State {
    /// Framed bytes not yet handed to a flush, starting at `buf_start`.
    pub buf: Vec<u8>,
    pub buf_start: u64,
    /// An emptied buffer kept from the last batch, to spare reallocations.
    pub spare: Vec<u8>,
    /// Next append's LSN.
    pub end: u64,
    /// Everything before it is fsynced.
    pub durable: u64,
    /// For segments not yet created: first record boundary at or after their start.
    pub pending_first: BTreeMap<u64, u64>,
    /// A leader is writing.
    pub flushing: bool,
    /// Set forever by a failed write or fdatasync.
    pub poisoned: Option<String>,
    /// Flush requests waiting, by requested end.
    pub waiters: BTreeMap<u64, u64>,
}

impl State {
    pub(crate) fn new(end: u64) -> State {
        State {
            buf: Vec::new(),
            buf_start: end,
            spare: Vec::new(),
            end,
            durable: end,
            pending_first: BTreeMap::new(),
            flushing: false,
            poisoned: None,
            waiters: BTreeMap::new(),
        }
    }

    pub(crate) fn check_poisoned(&self) -> DbResult<()> {
        match &self.poisoned {
            None => Ok(()),
            Some(why) => Err(DbError::new(
                SqlState::IO_ERROR,
                format!("wal is poisoned after an earlier write or fsync failure: {why}"),
            )),
        }
    }

    /// Frames one record into the buffer; returns its (lsn, end).
    pub(crate) fn append(
        &mut self,
        options: &WalOptions,
        kind: u8,
        payload: &[u8],
    ) -> DbResult<(u64, u64)> {
        self.check_poisoned()?;
        record::validate(kind, payload.len())?;
        let lsn = self.end;
        let end = lsn + record::framed_len(payload.len()) as u64;
        record::encode_into(&mut self.buf, Lsn(lsn), kind, payload);
        let seg = options.segment_size;
        let mut s = options.segment_of(lsn);
        if s < lsn {
            s += seg;
        }
        while s <= end {
            let first = if s == lsn { lsn } else { end };
            self.pending_first.entry(s).or_insert(first);
            s += seg;
        }
        self.end = end;
        Ok((lsn, end))
    }

    /// Takes the bytes `[buf_start, target)` for a leader.
    pub(crate) fn take_batch(&mut self, target: u64) -> Batch {
        let from = self.buf_start;
        let n = (target - from) as usize;
        let bytes = if n >= self.buf.len() {
            let spare = std::mem::take(&mut self.spare);
            std::mem::replace(&mut self.buf, spare)
        } else {
            let rest = self.buf.split_off(n);
            std::mem::replace(&mut self.buf, rest)
        };
        self.buf_start = target;
        let rest = self.pending_first.split_off(&target);
        let firsts = std::mem::replace(&mut self.pending_first, rest);
        Batch {
            from,
            bytes,
            firsts,
        }
    }

    /// Keeps a written batch's buffer for reuse (unless it grew huge).
    pub(crate) fn recycle(&mut self, mut bytes: Vec<u8>) {
        const KEEP: usize = 16 * 1024 * 1024;
        if bytes.capacity() <= KEEP && bytes.capacity() > self.spare.capacity() {
            bytes.clear();
            self.spare = bytes;
        }
    }

    /// Removes and counts the waiters a durable LSN of `durable` satisfies.
    pub(crate) fn release_waiters(&mut self, durable: u64) -> u64 {
        let rest = self.waiters.split_off(&(durable + 1));
        let done = std::mem::replace(&mut self.waiters, rest);
        done.values().sum()
    }
}

/// Bytes a leader writes.
pub(crate) struct Batch {
    pub from: u64,
    pub bytes: Vec<u8>,
    pub firsts: BTreeMap<u64, u64>,
}

/// Segment files open for writing; only the leader (or retention) locks it.
pub(crate) struct Io {
    pub dir: PathBuf,
    pub options: WalOptions,
    pub files: BTreeMap<u64, File>,
    /// Start of the newest existing segment; later ones are created on demand.
    pub highest: u64,
    /// Prepares the next segment in the background (None: create synchronously).
    pub prealloc: Option<Prealloc>,
    /// Test hook: fail the next write as if the disk had.
    #[cfg(test)]
    pub fail_next: bool,
}

impl Io {
    fn file(&mut self, start: u64, firsts: &BTreeMap<u64, u64>) -> DbResult<&File> {
        if !self.files.contains_key(&start) {
            let f = if start <= self.highest {
                segment::open_rw(&segment::path_of(&self.dir, start))?
            } else {
                if start != self.highest + self.options.segment_size {
                    return Err(DbError::internal(format!(
                        "wal write skips segments: next is {} but writing {}",
                        Lsn(self.highest + self.options.segment_size),
                        Lsn(start)
                    )));
                }
                let Some(&first_record) = firsts.get(&start) else {
                    return Err(DbError::internal(format!(
                        "no record boundary known for new wal segment {}",
                        Lsn(start)
                    )));
                };
                let header = SegmentHeader {
                    timeline: self.options.timeline,
                    system_id: self.options.system_id,
                    start,
                    segment_size: self.options.segment_size,
                    first_record,
                };
                let prepared = self.prealloc.as_ref().and_then(|p| p.take(start));
                let f = match prepared {
                    Some((f, tmp)) => segment::activate(&self.dir, &tmp, f, &header)?,
                    None => segment::create(&self.dir, &header)?,
                };
                self.highest = start;
                if let Some(p) = &self.prealloc {
                    p.request(start + self.options.segment_size);
                }
                f
            };
            self.files.insert(start, f);
        }
        self.files
            .get(&start)
            .ok_or_else(|| DbError::internal("wal segment handle vanished"))
    }

    /// Writes a batch and fdatasyncs every segment it touched.
    pub(crate) fn write(&mut self, batch: &Batch, stats: &Stats) -> DbResult<()> {
        #[cfg(test)]
        if std::mem::take(&mut self.fail_next) {
            return Err(DbError::io(
                "writing wal (injected failure)",
                &std::io::Error::other("injected"),
            ));
        }
        let seg = self.options.segment_size;
        let mut at = batch.from;
        let mut off = 0usize;
        let mut touched = Vec::new();
        while off < batch.bytes.len() {
            let s = at - at % seg;
            let n = ((s + seg - at) as usize).min(batch.bytes.len() - off);
            let f = self.file(s, &batch.firsts)?;
            let pos = HEADER_LEN + (at - s);
            f.write_all_at(&batch.bytes[off..off + n], pos)
                .map_err(|e| {
                    let p = segment::path_of(&self.dir, s);
                    DbError::io(
                        format!("writing wal segment {} at offset {pos}", p.display()),
                        &e,
                    )
                })?;
            touched.push(s);
            at += n as u64;
            off += n;
        }
        for &s in &touched {
            let f = self.file(s, &batch.firsts)?;
            f.sync_data().map_err(|e| {
                let p = segment::path_of(&self.dir, s);
                DbError::io(format!("fdatasync of wal segment {}", p.display()), &e)
            })?;
            stats.fsynced();
        }
        stats.bytes_written(batch.bytes.len() as u64);
        if let Some(&last) = touched.last() {
            self.files.retain(|&k, _| k >= last);
        }
        Ok(())
    }
}
