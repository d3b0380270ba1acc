//! The write-ahead log: the sole durability authority of AionDB.
//!
//! Everything that changes durable state is a record in this log. A record
//! is acknowledged only after a flush has written it *and* fdatasynced it;
//! recovery replays the log in order, so the same files always give the
//! same state. This crate only moves bytes: what a record means belongs to
//! the storage layer (`kind` and `payload` are opaque here).
//!
//! # The stream and its segments
//!
//! The log is one contiguous byte stream. A record's LSN is its byte
//! position in that stream; the next record starts where the previous one
//! ends, so LSNs are contiguous by construction (no gaps, no padding). The
//! stream is cut into fixed-size segment files (`segment_size` bytes of
//! stream each). A segment file is named after its start LSN (16 upper-case
//! hex digits + `.wal`) and holds a 4 KiB header, which is *not* part of the
//! LSN space, followed by exactly `segment_size` stream bytes:
//!
//! ```text
//!  0000000000000000.wal                     0000000000010000.wal
//!  +--------+---------+-------+--------+    +--------+---------+-------+-----+
//!  | header | r1      | r2    | r3 ... |    | header | ... r3  | r4    | 0 0 |
//!  +--------+---------+-------+--------+    +--------+---------+-------+-----+
//!           ^ LSN 0                                  ^ LSN S = segment_size
//!   4 KiB,   <------ segment_size ------>    header: first_record_lsn = r4
//!   no LSN   stream bytes [0, S)             (r3 spans the boundary)
//!
//!  segment header: magic "AIONWAL1" | version | timeline | system_id |
//!                  start LSN | segment_size | first_record_lsn | crc32
//!
//!  record:  +---------+---------+----------+------+-----------+
//!           | len u32 | crc u32 | lsn u64  | kind | payload   |
//!           +---------+---------+----------+------+-----------+
//!           len = 17 + payload length; crc over everything but the crc
//!           field; lsn = the record's own position; kind != 0 (so zeroed
//!           space never parses as a record). All integers little-endian.
//! ```
//!
//! LSN `L` lives in segment `S = L - L % segment_size` at file offset
//! `4096 + (L - S)`. Records span segment boundaries freely, and a record
//! larger than a segment simply covers several.
//!
//! # Record boundaries after retention
//!
//! Retention deletes whole old segments, so the first remaining segment may
//! start inside a record. Every segment header therefore stores
//! `first_record_lsn`: the first record boundary at or after the segment's
//! start (it may lie in a later segment, when one record covers the whole
//! segment). The writer knows it because segments are created lazily, by the
//! flush that first writes bytes into them, and every record is framed in
//! full at `append` time, before any of its bytes are written. Opening scans
//! from the first segment's `first_record_lsn` and checks each later
//! segment's `first_record_lsn` against the boundaries it actually sees.
//! Segments are created zero-filled (zeros written and fsynced under a temp
//! name, header written, renamed, directory fsynced), so later fdatasyncs
//! need no metadata. A background thread zero-fills the next segment's file
//! ahead of time; activating it costs one header write and two fsyncs.
//!
//! # Writing, flushing, reading
//!
//! `append` frames a record into an in-memory buffer and returns its
//! position; `flush(end)` makes everything before `end` durable. With group
//! commit, the first flusher to find no flush running becomes the leader,
//! writes everything buffered, fdatasyncs, and releases every waiter the
//! fsync covered. Readers see only durable bytes and follow the durable end.
//!
//! # Invariants
//!
//! * `start_lsn <= durable_lsn <= end_lsn`; bytes below `durable_lsn` never
//!   change and are what readers see.
//! * A flush returns only after an fdatasync covering its bytes; group
//!   commit changes how many callers share one fdatasync, never the bytes.
//! * A failed write or fdatasync poisons the log: every later append and
//!   flush fails (58030), nothing is retried.
//! * Opening never repairs silently. The first invalid record ends the valid
//!   log; if anything valid follows it (or non-zero bytes reach a later
//!   segment than the torn record could cover) that is corruption (XX001,
//!   naming file, offset and LSN). Otherwise it is a torn tail of an
//!   unacknowledged write: the garbage is zeroed, fdatasynced, logged and
//!   reported in [`OpenReport::torn_tail`]. Segments that begin after the
//!   end of the log are removed (their headers describe boundaries of
//!   records that never became durable). A bad header, a header whose
//!   system_id/timeline/segment_size differ from the options, or a missing
//!   segment between the first and the last is corruption.

mod options;
mod prealloc;
mod reader;
mod record;
mod scan;
mod segment;
mod stats;
mod stream;
mod wal;
mod writer;

pub use aiondb_core::Lsn;
pub use options::{DEFAULT_SEGMENT_SIZE, MIN_SEGMENT_SIZE, WalOptions};
pub use reader::WalReader;
pub use record::{MAX_RECORD_PAYLOAD, RECORD_HEADER_LEN, Record};
pub use segment::HEADER_LEN as SEGMENT_HEADER_LEN;
pub use stats::WalStats;
pub use wal::{Appended, Wal};

/// A torn tail that `open` cut off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// LSN of the torn record: the new end of the log.
    pub lsn: Lsn,
    /// Bytes from `lsn` to the last non-zero byte that were zeroed.
    pub bytes: u64,
    /// Segment file holding `lsn`.
    pub file: std::path::PathBuf,
}

/// What `open` found.
#[derive(Clone, Debug)]
pub struct OpenReport {
    /// First LSN still present (first segment's start).
    pub start_lsn: Lsn,
    /// LSN the next append gets.
    pub end_lsn: Lsn,
    /// Segment files present after opening.
    pub segments: usize,
    /// The torn tail that was cut, if any.
    pub torn_tail: Option<TornTail>,
    /// True when the directory held no log and a new one was created.
    pub created: bool,
}
