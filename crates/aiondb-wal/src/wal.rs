//! The `Wal` handle: open, append, flush, read, retention.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aiondb_core::{DbError, DbResult, Lsn, SqlState};
use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::prealloc::Prealloc;
use crate::reader::WalReader;
use crate::scan;
use crate::segment::{self, HEADER_LEN, SegmentHeader};
use crate::stats::Stats;
use crate::writer::{Io, State};
use crate::{OpenReport, WalOptions, WalStats};

/// Where an appended record sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    /// The record's LSN.
    pub lsn: Lsn,
    /// The next record's LSN; flush this to make the record durable.
    pub end: Lsn,
}

/// State shared by the handle and its readers.
pub(crate) struct Shared {
    pub dir: PathBuf,
    pub options: WalOptions,
    pub state: Mutex<State>,
    pub cond: Condvar,
    pub io: Mutex<Io>,
    pub durable: AtomicU64,
    pub end: AtomicU64,
    pub start: AtomicU64,
    pub stats: Stats,
}

/// An open write-ahead log. `Send + Sync`; share it as `Arc<Wal>`.
pub struct Wal {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Wal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wal")
            .field("dir", &self.shared.dir)
            .field("start_lsn", &self.start_lsn())
            .field("end_lsn", &self.end_lsn())
            .field("durable_lsn", &self.durable_lsn())
            .finish()
    }
}

fn read_header(path: &Path, options: &WalOptions, start: u64) -> DbResult<SegmentHeader> {
    let f = File::open(path)
        .map_err(|e| DbError::io(format!("opening wal segment {}", path.display()), &e))?;
    let len = f
        .metadata()
        .map_err(|e| DbError::io(format!("stat of wal segment {}", path.display()), &e))?
        .len();
    let corrupt = |why: String| {
        DbError::corrupted(format!(
            "wal segment {} has an invalid header: {why}",
            path.display()
        ))
    };
    if len < HEADER_LEN {
        return Err(corrupt(format!("file is only {len} bytes long")));
    }
    // The header is checked before the length: a wrong segment size in the
    // options is the likelier story and the better message.
    let mut buf = vec![0u8; HEADER_LEN as usize];
    f.read_exact_at(&mut buf, 0)
        .map_err(|e| DbError::io(format!("reading wal segment {}", path.display()), &e))?;
    let h = SegmentHeader::decode(&buf).map_err(corrupt)?;
    h.check(options, start).map_err(corrupt)?;
    if len != HEADER_LEN + options.segment_size {
        return Err(corrupt(format!(
            "file is {len} bytes long, expected {}",
            HEADER_LEN + options.segment_size
        )));
    }
    Ok(h)
}

impl Drop for Wal {
    fn drop(&mut self) {
        // Stop the preallocation thread now, even if readers live on.
        let prealloc = self.shared.io.lock().prealloc.take();
        drop(prealloc);
    }
}

impl Wal {
    /// Opens (or creates, if `dir` has no segments) the log in `dir`.
    /// A brand new log starts at `start_lsn` (segment-aligned); for an
    /// existing log `start_lsn` is ignored.
    pub fn open(dir: &Path, options: WalOptions, start_lsn: Lsn) -> DbResult<(Wal, OpenReport)> {
        options.validate()?;
        let seg = options.segment_size;
        fs::create_dir_all(dir)
            .map_err(|e| DbError::io(format!("creating wal directory {}", dir.display()), &e))?;
        let listing = segment::list(dir)?;
        if !listing.temps.is_empty() {
            for t in &listing.temps {
                tracing::info!(file = %t.display(), "removing temporary wal file (never part of the log)");
                fs::remove_file(t)
                    .map_err(|e| DbError::io(format!("removing {}", t.display()), &e))?;
            }
            segment::sync_dir(dir)?;
        }
        let (report, highest) = if listing.segments.is_empty() {
            if start_lsn.0 % seg != 0 {
                return Err(DbError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("new wal start LSN {start_lsn} is not segment-aligned"),
                ));
            }
            let header = SegmentHeader {
                timeline: options.timeline,
                system_id: options.system_id,
                start: start_lsn.0,
                segment_size: seg,
                first_record: start_lsn.0,
            };
            segment::create(dir, &header)?;
            let report = OpenReport {
                start_lsn,
                end_lsn: start_lsn,
                segments: 1,
                torn_tail: None,
                created: true,
            };
            (report, start_lsn.0)
        } else {
            let mut headers = BTreeMap::new();
            for &s in &listing.segments {
                let h = read_header(&segment::path_of(dir, s), &options, s)?;
                headers.insert(s, h);
            }
            for w in listing.segments.windows(2) {
                if w[1] != w[0] + seg {
                    return Err(DbError::corrupted(format!(
                        "wal segment {} (LSN {}) is missing between {} and {}",
                        segment::path_of(dir, w[0] + seg).display(),
                        Lsn(w[0] + seg),
                        segment::file_name(w[0]),
                        segment::file_name(w[1]),
                    )));
                }
            }
            let out = scan::scan(dir, seg, &headers)?;
            let first = out.segments.first().copied().unwrap_or(out.end);
            let highest = out.segments.last().copied().unwrap_or(first);
            let report = OpenReport {
                start_lsn: Lsn(first),
                end_lsn: Lsn(out.end),
                segments: out.segments.len(),
                torn_tail: out.torn_tail,
                created: false,
            };
            (report, highest)
        };
        let end = report.end_lsn.0;
        let shared = Shared {
            dir: dir.to_path_buf(),
            options: options.clone(),
            state: Mutex::new(State::new(end)),
            cond: Condvar::new(),
            io: Mutex::new(Io {
                dir: dir.to_path_buf(),
                options,
                files: BTreeMap::new(),
                highest,
                prealloc: Some(Prealloc::start(dir.to_path_buf(), seg, highest + seg)),
                #[cfg(test)]
                fail_next: false,
            }),
            durable: AtomicU64::new(end),
            end: AtomicU64::new(end),
            start: AtomicU64::new(report.start_lsn.0),
            stats: Stats::default(),
        };
        tracing::info!(
            dir = %dir.display(),
            start = %report.start_lsn,
            end = %report.end_lsn,
            segments = report.segments,
            created = report.created,
            "opened wal"
        );
        Ok((
            Wal {
                shared: Arc::new(shared),
            },
            report,
        ))
    }

    /// Frames and buffers one record (kind must be non-zero). Not durable
    /// until a flush covers `end`.
    pub fn append(&self, kind: u8, payload: &[u8]) -> DbResult<Appended> {
        let sh = &self.shared;
        let mut st = sh.state.lock();
        let (lsn, end) = st.append(&sh.options, kind, payload)?;
        sh.end.store(end, Ordering::Release);
        drop(st);
        sh.stats.record_appended();
        Ok(Appended {
            lsn: Lsn(lsn),
            end: Lsn(end),
        })
    }

    /// Returns once every byte before `end` is on disk (write + fdatasync).
    pub fn flush(&self, end: Lsn) -> DbResult<()> {
        let sh = &self.shared;
        sh.stats.flush_requested();
        let end = end.0;
        let mut st = sh.state.lock();
        if end > st.end {
            return Err(DbError::internal(format!(
                "flush to {} beyond the end of the wal at {}",
                Lsn(end),
                Lsn(st.end)
            )));
        }
        let mut registered = false;
        loop {
            st.check_poisoned()?;
            if st.durable >= end {
                return Ok(());
            }
            if !registered {
                *st.waiters.entry(end).or_insert(0) += 1;
                registered = true;
            }
            if st.flushing {
                sh.cond.wait(&mut st);
                continue;
            }
            self.lead(&mut st, end)?;
        }
    }

    /// One leader round: write and fdatasync the batch, publish the result.
    fn lead(&self, st: &mut MutexGuard<'_, State>, end: u64) -> DbResult<()> {
        let sh = &self.shared;
        let target = if sh.options.group_commit { st.end } else { end };
        let batch = st.take_batch(target);
        st.flushing = true;
        let result = MutexGuard::unlocked(st, || sh.io.lock().write(&batch, &sh.stats));
        st.flushing = false;
        st.recycle(batch.bytes);
        match result {
            Ok(()) => {
                st.durable = target;
                sh.durable.store(target, Ordering::Release);
                let satisfied = st.release_waiters(target);
                sh.stats.commits_per_fsync(satisfied);
                sh.cond.notify_all();
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "wal flush failed; the log is poisoned");
                st.poisoned = Some(e.message.clone());
                st.waiters.clear();
                sh.cond.notify_all();
                Err(e)
            }
        }
    }

    /// `append` then `flush` of the record's end.
    pub fn append_and_flush(&self, kind: u8, payload: &[u8]) -> DbResult<Appended> {
        let a = self.append(kind, payload)?;
        self.flush(a.end)?;
        Ok(a)
    }

    /// The next append's LSN.
    pub fn end_lsn(&self) -> Lsn {
        Lsn(self.shared.end.load(Ordering::Acquire))
    }

    /// Everything before it is fsynced.
    pub fn durable_lsn(&self) -> Lsn {
        Lsn(self.shared.durable.load(Ordering::Acquire))
    }

    /// The first LSN still on disk (start of the first segment; possibly
    /// in the middle of a record).
    pub fn start_lsn(&self) -> Lsn {
        Lsn(self.shared.start.load(Ordering::Acquire))
    }

    /// Blocks until `durable_lsn() > lsn` or the timeout passes (or the log
    /// is poisoned); returns the durable LSN.
    pub fn wait_durable_beyond(&self, lsn: Lsn, timeout: Duration) -> Lsn {
        let sh = &self.shared;
        let deadline = Instant::now() + timeout;
        let mut st = sh.state.lock();
        while st.durable <= lsn.0 && st.poisoned.is_none() {
            if sh.cond.wait_until(&mut st, deadline).timed_out() {
                break;
            }
        }
        Lsn(st.durable)
    }

    /// Reads durable records starting exactly at `from` (a record boundary
    /// at or after `start_lsn`). The reader follows the durable end: once it
    /// returns `None`, a later `next` yields records made durable since.
    pub fn read_from(&self, from: Lsn) -> DbResult<WalReader> {
        let start = self.start_lsn();
        if from < start {
            return Err(DbError::new(
                SqlState::UNDEFINED_FILE,
                format!("requested wal LSN {from} has been removed; the log starts at {start}"),
            ));
        }
        let durable = self.durable_lsn();
        if from > durable {
            return Err(DbError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("requested wal LSN {from} is beyond the durable end {durable}"),
            ));
        }
        WalReader::new(Arc::clone(&self.shared), from)
    }

    /// Deletes whole segment files lying entirely below `lsn` (and below the
    /// durable LSN); never the newest segment. Returns how many were removed.
    pub fn remove_segments_below(&self, lsn: Lsn) -> DbResult<usize> {
        let sh = &self.shared;
        let seg = sh.options.segment_size;
        let mut io = sh.io.lock();
        let limit = lsn.0.min(sh.durable.load(Ordering::Acquire));
        let mut removed = 0;
        let mut s = sh.start.load(Ordering::Acquire);
        while s + seg <= limit && s < io.highest {
            let path = segment::path_of(&sh.dir, s);
            // Readers check `start` first; publish before the file goes.
            sh.start.store(s + seg, Ordering::Release);
            io.files.remove(&s);
            fs::remove_file(&path)
                .map_err(|e| DbError::io(format!("removing wal segment {}", path.display()), &e))?;
            removed += 1;
            s += seg;
        }
        if removed > 0 {
            segment::sync_dir(&sh.dir)?;
            tracing::info!(removed, start = %Lsn(s), "removed old wal segments");
        }
        Ok(removed)
    }

    /// Cumulative counters (a few atomic loads).
    pub fn stats(&self) -> WalStats {
        self.shared.stats.snapshot()
    }

    /// The options the log was opened with.
    pub fn options(&self) -> &WalOptions {
        &self.shared.options
    }

    #[cfg(test)]
    pub(crate) fn inject_write_failure(&self) {
        self.shared.io.lock().fail_next = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Wal>();
        check::<Arc<Wal>>();
        check::<WalReader>();
    }

    #[test]
    fn failed_flush_poisons_the_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = WalOptions {
            segment_size: 64 * 1024,
            ..WalOptions::default()
        };
        let (wal, _) = Wal::open(dir.path(), o, Lsn::ZERO).expect("open");
        wal.append_and_flush(1, b"ok").expect("first flush");
        wal.inject_write_failure();
        let err = wal
            .append_and_flush(1, b"lost")
            .expect_err("injected failure");
        assert_eq!(err.code, SqlState::IO_ERROR);
        let again = wal.append(1, b"more").expect_err("poisoned");
        assert_eq!(again.code, SqlState::IO_ERROR);
        assert!(wal.flush(wal.end_lsn()).is_err());
        assert_eq!(wal.durable_lsn(), Lsn(19));
    }
}
