//! The open-time scan: find the end of the valid log and tell a torn tail
//! from corruption.
//!
//! Scanning forward from the first segment's `first_record_lsn`, the first
//! record that fails to decode ends the valid log at the *cut*. Then:
//!
//! * everything from the cut to the end of the last segment is zero:
//!   clean end of log;
//! * some record after the cut decodes (valid length, CRC and LSN field
//!   equal to its position): corruption;
//! * non-zero bytes reach into a later segment than the cut's, further than
//!   the torn record's own claimed length: corruption;
//! * otherwise: a torn tail. Segments starting after the cut are removed,
//!   the garbage is zeroed and fdatasynced, and the cut is logged.
//!
//! Segments that start after the end of the log are removed in every case:
//! their headers describe record boundaries that never became durable.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::FileExt;
use std::path::Path;

use aiondb_core::{DbError, DbResult, Lsn};

use crate::TornTail;
use crate::record::{self, Invalid, RECORD_HEADER_LEN};
use crate::segment::{self, SegmentHeader};
use crate::stream::{Cursor, Stream};

/// Outcome of a scan (after the torn tail, if any, was cut).
pub(crate) struct ScanOutcome {
    /// LSN the next append gets.
    pub end: u64,
    /// The torn tail that was cut, if any.
    pub torn_tail: Option<TornTail>,
    /// Segments still present, ascending.
    pub segments: Vec<u64>,
}

enum Step {
    Valid(u64),
    Invalid(Invalid),
    EndOfStream,
}

fn try_record(cur: &mut Cursor, pos: u64) -> DbResult<Step> {
    if pos >= cur.limit() {
        return Ok(Step::EndOfStream);
    }
    let head = cur.get(pos, RECORD_HEADER_LEN)?;
    let Some(len) = record::length_field(head) else {
        return Ok(Step::Invalid(Invalid::Truncated));
    };
    if !record::plausible_len(len) {
        return Ok(Step::Invalid(Invalid::BadLength(len)));
    }
    if pos + len as u64 > cur.limit() {
        return Ok(Step::Invalid(Invalid::Truncated));
    }
    let bytes = cur.get(pos, len)?;
    Ok(match record::decode(bytes, aiondb_core::Lsn(pos)) {
        Ok(_) => Step::Valid(pos + len as u64),
        Err(e) => Step::Invalid(e),
    })
}

/// Does a valid record start at `p`? (Cheap LSN-field test first.)
fn valid_at(cur: &mut Cursor, p: u64) -> DbResult<bool> {
    let head = cur.get(p, RECORD_HEADER_LEN)?;
    if record::lsn_field(head) != Some(p) {
        return Ok(false);
    }
    Ok(matches!(try_record(cur, p)?, Step::Valid(_)))
}

/// Position just past the last non-zero byte in `[from, to)`, if any.
fn last_nonzero(cur: &mut Cursor, from: u64, to: u64) -> DbResult<Option<u64>> {
    const CHUNK: usize = 256 * 1024;
    let mut last = None;
    let mut at = from;
    while at < to {
        let n = ((to - at) as usize).min(CHUNK);
        let bytes = cur.get(at, n)?;
        if let Some(i) = bytes.iter().rposition(|&b| b != 0) {
            last = Some(at + i as u64 + 1);
        }
        at += n as u64;
    }
    Ok(last)
}

/// Scans the log in `dir`; `headers` holds every (validated, contiguous) segment.
pub(crate) fn scan(
    dir: &Path,
    segment_size: u64,
    headers: &BTreeMap<u64, SegmentHeader>,
) -> DbResult<ScanOutcome> {
    let (Some((&first, first_header)), Some((&last, _))) =
        (headers.first_key_value(), headers.last_key_value())
    else {
        return Err(DbError::internal("wal scan without segments"));
    };
    let stream_end = last + segment_size;
    let mut cur = Cursor::new(Stream::new(dir, segment_size), stream_end);
    let mut pos = first_header.first_record;
    if pos > stream_end {
        return Err(DbError::corrupted(format!(
            "wal segment {} names its first record at LSN {}, beyond the end of the last segment",
            segment::path_of(dir, first).display(),
            Lsn(pos)
        )));
    }
    let mut next_check = first + segment_size;
    check_boundaries(dir, headers, &mut next_check, pos, stream_end)?;
    let invalid = loop {
        match try_record(&mut cur, pos)? {
            Step::Valid(end) => {
                check_boundaries(dir, headers, &mut next_check, end, stream_end)?;
                pos = end;
            }
            Step::Invalid(why) => break Some(why),
            Step::EndOfStream => break None,
        }
    };
    let cut = pos;
    let mut torn_tail = None;
    if let Some(why) = invalid {
        if let Some(nz_end) = last_nonzero(&mut cur, cut, stream_end)? {
            judge_tail(&mut cur, dir, segment_size, cut, nz_end, why)?;
            torn_tail = Some((nz_end, why));
        }
    }
    // Segments beginning after the cut hold nothing valid; their headers
    // may describe boundaries of records that never became durable.
    let mut segments: Vec<u64> = headers.keys().copied().collect();
    let keep_upto = cut - cut % segment_size;
    let stale: Vec<u64> = segments
        .iter()
        .copied()
        .filter(|&s| s > keep_upto)
        .collect();
    if !stale.is_empty() {
        for &s in &stale {
            let p = segment::path_of(dir, s);
            tracing::warn!(segment = %p.display(), end = %Lsn(cut), "removing wal segment beyond the end of the log");
            fs::remove_file(&p)
                .map_err(|e| DbError::io(format!("removing wal segment {}", p.display()), &e))?;
        }
        segment::sync_dir(dir)?;
        segments.retain(|&s| s <= keep_upto);
    }
    let torn_tail = match torn_tail {
        None => None,
        Some((nz_end, why)) => Some(cut_tail(dir, segment_size, cut, nz_end, why)?),
    };
    Ok(ScanOutcome {
        end: cut,
        torn_tail,
        segments,
    })
}

/// Checks `first_record_lsn` of every segment whose start is at most `boundary`
/// (and not yet checked): the first boundary at or after its start is `boundary`.
fn check_boundaries(
    dir: &Path,
    headers: &BTreeMap<u64, SegmentHeader>,
    next_check: &mut u64,
    boundary: u64,
    stream_end: u64,
) -> DbResult<()> {
    while *next_check <= boundary && *next_check < stream_end {
        let s = *next_check;
        let Some(h) = headers.get(&s) else {
            return Err(DbError::internal(format!(
                "wal segment {} not listed",
                Lsn(s)
            )));
        };
        if h.first_record != boundary {
            return Err(DbError::corrupted(format!(
                "wal segment {} names its first record boundary at LSN {} but the log has one at {}",
                segment::path_of(dir, s).display(),
                Lsn(h.first_record),
                Lsn(boundary)
            )));
        }
        *next_check += h.segment_size;
    }
    Ok(())
}

/// Decides whether the invalid bytes `[cut, nz_end)` are a torn tail (Ok) or corruption.
fn judge_tail(
    cur: &mut Cursor,
    dir: &Path,
    segment_size: u64,
    cut: u64,
    nz_end: u64,
    why: Invalid,
) -> DbResult<()> {
    let stream = Stream::new(dir, segment_size);
    let (file, offset) = stream.location(cut);
    let bad = || {
        format!(
            "wal corrupted: invalid record at LSN {} (file {}, offset {offset}): {why}",
            Lsn(cut),
            file.display()
        )
    };
    let mut p = cut + 1;
    while p < nz_end && p + RECORD_HEADER_LEN as u64 <= cur.limit() {
        if valid_at(cur, p)? {
            return Err(DbError::corrupted(format!(
                "{}; a valid record follows at LSN {}",
                bad(),
                Lsn(p)
            )));
        }
        p += 1;
    }
    let same_segment = (nz_end - 1) / segment_size == cut / segment_size;
    if !same_segment {
        let head = cur.get(cut, RECORD_HEADER_LEN)?;
        let claimed = record::length_field(head)
            .filter(|&l| record::plausible_len(l))
            .unwrap_or(RECORD_HEADER_LEN)
            .max(RECORD_HEADER_LEN);
        if nz_end > cut + claimed as u64 {
            let (f2, o2) = stream.location(nz_end - 1);
            return Err(DbError::corrupted(format!(
                "{}; later segment {} holds non-zero bytes up to offset {o2} (LSN {})",
                bad(),
                f2.display(),
                Lsn(nz_end - 1)
            )));
        }
    }
    Ok(())
}

/// Zeroes the torn bytes still inside the segment of the cut, fdatasyncs, logs.
fn cut_tail(
    dir: &Path,
    segment_size: u64,
    cut: u64,
    nz_end: u64,
    why: Invalid,
) -> DbResult<TornTail> {
    let seg = cut - cut % segment_size;
    let zero_end = nz_end.min(seg + segment_size);
    let stream = Stream::new(dir, segment_size);
    let (file, offset) = stream.location(cut);
    if zero_end > cut {
        let f = segment::open_rw(&file)?;
        let zeros = vec![0u8; (zero_end - cut) as usize];
        f.write_all_at(&zeros, offset)
            .map_err(|e| DbError::io(format!("zeroing torn wal tail in {}", file.display()), &e))?;
        f.sync_data()
            .map_err(|e| DbError::io(format!("fdatasync of {}", file.display()), &e))?;
    }
    let bytes = nz_end - cut;
    tracing::warn!(
        lsn = %Lsn(cut),
        bytes,
        file = %file.display(),
        reason = %why,
        "cut torn wal tail"
    );
    Ok(TornTail {
        lsn: Lsn(cut),
        bytes,
        file,
    })
}
