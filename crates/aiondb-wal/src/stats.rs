//! Counters: plain atomics for [`WalStats`] and the same numbers as passive
//! `metrics`. Metrics only observe; no code path branches on them.

use std::sync::atomic::{AtomicU64, Ordering};

/// Cumulative counters of one open log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalStats {
    /// Stream bytes written to segment files by flushes.
    pub bytes_written: u64,
    /// Data fdatasync calls issued by flushes.
    pub fsyncs: u64,
    /// Calls of `flush` (including those that found their bytes durable).
    pub flush_requests: u64,
    /// Records appended.
    pub records: u64,
}

#[derive(Default)]
pub(crate) struct Stats {
    bytes_written: AtomicU64,
    fsyncs: AtomicU64,
    flush_requests: AtomicU64,
    records: AtomicU64,
}

impl Stats {
    pub(crate) fn record_appended(&self) {
        self.records.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("aiondb_wal_records_total").increment(1);
    }

    pub(crate) fn flush_requested(&self) {
        self.flush_requests.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("aiondb_wal_flush_requests_total").increment(1);
    }

    pub(crate) fn bytes_written(&self, n: u64) {
        self.bytes_written.fetch_add(n, Ordering::Relaxed);
        metrics::counter!("aiondb_wal_bytes_written_total").increment(n);
    }

    pub(crate) fn fsynced(&self) {
        self.fsyncs.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("aiondb_wal_fsyncs_total").increment(1);
    }

    /// One group flush completed, releasing `satisfied` flush requests.
    pub(crate) fn commits_per_fsync(&self, satisfied: u64) {
        metrics::histogram!("aiondb_wal_commits_per_fsync").record(satisfied as f64);
    }

    pub(crate) fn snapshot(&self) -> WalStats {
        WalStats {
            bytes_written: self.bytes_written.load(Ordering::Relaxed),
            fsyncs: self.fsyncs.load(Ordering::Relaxed),
            flush_requests: self.flush_requests.load(Ordering::Relaxed),
            records: self.records.load(Ordering::Relaxed),
        }
    }
}
