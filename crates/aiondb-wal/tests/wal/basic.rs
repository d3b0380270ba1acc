//! Appending, reading, spanning segments, reopening.

use std::sync::Arc;
use std::time::Duration;

use aiondb_wal::{Lsn, Wal, WalOptions};

use crate::common::*;

#[test]
fn append_flush_read_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, report) = open(dir.path());
    assert!(report.created);
    assert_eq!(report.end_lsn, Lsn::ZERO);
    let a = wal.append(3, b"hello").expect("append");
    assert_eq!(a.lsn, Lsn::ZERO);
    assert_eq!(a.end, Lsn(17 + 5));
    assert_eq!(wal.durable_lsn(), Lsn::ZERO);
    wal.flush(a.end).expect("flush");
    assert_eq!(wal.durable_lsn(), a.end);
    let recs = read_all(&wal, Lsn::ZERO);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].kind, 3);
    assert_eq!(recs[0].payload, b"hello");
    assert_eq!(recs[0].end(), a.end);
}

#[test]
fn kind_zero_and_flush_beyond_end_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    assert!(wal.append(0, b"x").is_err());
    assert!(wal.flush(Lsn(1)).is_err());
    wal.flush(Lsn::ZERO).expect("flush of nothing");
}

#[test]
fn only_flushed_records_are_readable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let a = wal.append_and_flush(1, b"one").expect("append");
    wal.append(1, b"two").expect("append");
    assert_eq!(read_all(&wal, Lsn::ZERO).len(), 1);
    let mut reader = wal.read_from(a.end).expect("reader at durable end");
    assert!(reader.next().is_none());
    wal.flush(wal.end_lsn()).expect("flush");
    let next = reader
        .next()
        .expect("follows the durable end")
        .expect("record");
    assert_eq!(next.payload, b"two");
    assert!(wal.read_from(wal.end_lsn().advance(1)).is_err());
}

#[test]
fn records_span_segment_boundaries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 40, 9_999);
    assert!(wal.end_lsn().0 > 5 * SEG);
    assert_eq!(read_all(&wal, Lsn::ZERO), written);
    drop(wal);
    let (wal, report) = open(dir.path());
    assert!(!report.created);
    assert!(report.torn_tail.is_none());
    assert_eq!(report.segments, segment_files(dir.path()).len());
    assert_eq!(read_all(&wal, Lsn::ZERO), written);
}

#[test]
fn record_larger_than_a_segment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let mut written = fill(&wal, 2, 100);
    written.extend(fill(&wal, 1, (3 * SEG + 1234) as usize));
    written.extend(fill(&wal, 3, 100));
    assert_eq!(read_all(&wal, Lsn::ZERO), written);
    drop(wal);
    let (wal, report) = open(dir.path());
    assert_eq!(report.end_lsn, written.last().expect("records").end());
    assert_eq!(read_all(&wal, Lsn::ZERO), written);
    // Segments 1 and 2 lie wholly inside the big record: once the first two
    // are gone, the log starts inside it and the scan begins at the header's
    // first record boundary.
    assert_eq!(wal.remove_segments_below(Lsn(2 * SEG)).expect("remove"), 2);
    drop(wal);
    let (wal, report) = open(dir.path());
    assert_eq!(report.start_lsn, Lsn(2 * SEG));
    assert_eq!(read_all(&wal, written[3].lsn), written[3..].to_vec());
}

#[test]
fn reader_from_a_middle_lsn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 30, 3_000);
    assert_eq!(read_all(&wal, written[17].lsn), written[17..].to_vec());
    assert_eq!(
        read_all(&wal, written[29].end()),
        Vec::<aiondb_wal::Record>::new()
    );
}

#[test]
fn reader_from_a_non_boundary_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 10, 500);
    for off in [1, 4, 8, 16, 17, 250] {
        let err = wal
            .read_from(written[5].lsn.advance(off))
            .expect_err("not a boundary");
        assert!(err.message.contains("not a record boundary"), "{err}");
    }
}

#[test]
fn reopen_continues_at_the_same_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let mut written = fill(&wal, 25, 4_000);
    let end = wal.end_lsn();
    drop(wal);
    let (wal, report) = open(dir.path());
    assert_eq!(report.end_lsn, end);
    assert_eq!(wal.end_lsn(), end);
    assert_eq!(wal.durable_lsn(), end);
    let a = wal.append_and_flush(9, b"after reopen").expect("append");
    assert_eq!(a.lsn, end);
    written.extend(fill(&wal, 20, 4_000));
    drop(wal);
    let (wal, _) = open(dir.path());
    let back = read_all(&wal, Lsn::ZERO);
    assert_eq!(back.len(), written.len() + 1);
    assert_eq!(back[25].payload, b"after reopen");
    assert_eq!(back[..25], written[..25]);
    assert_eq!(back[26..], written[25..]);
}

#[test]
fn reopen_when_the_last_segment_is_exactly_full() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    // One record filling segment 0 exactly.
    let a = wal
        .append_and_flush(1, &payload(0, (SEG - 17) as usize))
        .expect("append");
    assert_eq!(a.end, Lsn(SEG));
    drop(wal);
    let (wal, report) = open(dir.path());
    assert_eq!(report.end_lsn, Lsn(SEG));
    assert_eq!(report.segments, 1);
    let b = wal.append_and_flush(2, b"next segment").expect("append");
    assert_eq!(b.lsn, Lsn(SEG));
    drop(wal);
    let (wal, report) = open(dir.path());
    assert_eq!(report.segments, 2);
    assert_eq!(read_all(&wal, Lsn::ZERO).len(), 2);
}

#[test]
fn a_new_log_may_start_at_an_aligned_lsn() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(Wal::open(dir.path(), opts(), Lsn(100)).is_err());
    let (wal, report) = Wal::open(dir.path(), opts(), Lsn(3 * SEG)).expect("open");
    assert_eq!(report.start_lsn, Lsn(3 * SEG));
    let a = wal.append_and_flush(1, b"x").expect("append");
    assert_eq!(a.lsn, Lsn(3 * SEG));
    assert_eq!(wal.start_lsn(), Lsn(3 * SEG));
    assert!(seg_path(dir.path(), 3 * SEG).exists());
}

#[test]
fn invalid_options_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = WalOptions {
        segment_size: 10_000,
        ..opts()
    };
    assert!(Wal::open(dir.path(), o, Lsn::ZERO).is_err());
}

#[test]
fn wait_durable_beyond_wakes_on_flush_and_times_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let wal = Arc::new(wal);
    assert_eq!(
        wal.wait_durable_beyond(Lsn::ZERO, Duration::from_millis(20)),
        Lsn::ZERO
    );
    let w = Arc::clone(&wal);
    let t = std::thread::spawn(move || w.wait_durable_beyond(Lsn::ZERO, Duration::from_secs(10)));
    std::thread::sleep(Duration::from_millis(20));
    let a = wal.append_and_flush(1, b"wake").expect("append");
    assert_eq!(t.join().expect("join"), a.end);
}

fn wait_for(path: &std::path::Path) -> bool {
    for _ in 0..500 {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn next_segment_is_prepared_ahead_and_cleaned_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prep = |start: u64| dir.path().join(format!("{start:016X}.prep.wal.tmp"));
    let (wal, _) = open(dir.path());
    assert!(
        wait_for(&prep(SEG)),
        "segment 1 is prepared in the background"
    );
    let written = fill(&wal, 10, 9_000);
    assert!(seg_path(dir.path(), SEG).exists());
    assert!(!prep(SEG).exists(), "the prepared file became segment 1");
    assert!(wait_for(&prep(2 * SEG)), "then segment 2 is prepared");
    drop(wal);
    assert!(!prep(2 * SEG).exists(), "closing removes the prepared file");
    let (wal, report) = open(dir.path());
    assert_eq!(report.segments, 2);
    assert_eq!(read_all(&wal, Lsn::ZERO), written);
}
