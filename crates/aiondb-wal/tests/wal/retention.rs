//! Removing old segments.

use aiondb_core::SqlState;
use aiondb_wal::Lsn;

use crate::common::*;

#[test]
fn removes_only_whole_segments_strictly_below() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 60, 5_000);
    let total = segment_files(dir.path()).len();
    assert!(total >= 5);
    assert_eq!(wal.remove_segments_below(Lsn(SEG - 1)).expect("remove"), 0);
    let cut = Lsn(3 * SEG + 10);
    assert_eq!(wal.remove_segments_below(cut).expect("remove"), 3);
    assert_eq!(wal.start_lsn(), Lsn(3 * SEG));
    assert_eq!(segment_files(dir.path()).len(), total - 3);
    assert!(!seg_path(dir.path(), 2 * SEG).exists());
    assert!(seg_path(dir.path(), 3 * SEG).exists());
    // Reading a removed LSN names it.
    let gone = written[1].lsn;
    let err = wal.read_from(gone).expect_err("removed");
    assert_eq!(err.code, SqlState::UNDEFINED_FILE);
    assert!(err.message.contains(&gone.to_string()), "{err}");
    // Readable from a boundary in the first remaining segment.
    let first = written
        .iter()
        .position(|r| r.lsn.0 >= 3 * SEG)
        .expect("record in segment 3");
    assert_eq!(
        read_all(&wal, written[first].lsn),
        written[first..].to_vec()
    );
    // The current segment is never removed.
    let end = wal.end_lsn();
    wal.remove_segments_below(Lsn(u64::MAX)).expect("remove");
    assert_eq!(segment_files(dir.path()).len(), 1);
    assert!(seg_path(dir.path(), end.0 - end.0 % SEG).exists());
    drop(wal);
    let (wal, report) = open(dir.path());
    assert_eq!(report.start_lsn, Lsn(end.0 - end.0 % SEG));
    assert_eq!(report.end_lsn, end);
    let a = wal.append_and_flush(1, b"still going").expect("append");
    assert_eq!(a.lsn, end);
}

#[test]
fn reopen_after_retention_scans_from_the_first_boundary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 40, 7_001);
    assert_eq!(wal.remove_segments_below(Lsn(2 * SEG)).expect("remove"), 2);
    drop(wal);
    let (wal, report) = open(dir.path());
    assert_eq!(report.start_lsn, Lsn(2 * SEG));
    assert!(report.torn_tail.is_none());
    let first = written
        .iter()
        .position(|r| r.lsn.0 >= 2 * SEG)
        .expect("record in segment 2");
    assert_eq!(
        read_all(&wal, written[first].lsn),
        written[first..].to_vec()
    );
}

#[test]
fn unflushed_bytes_keep_their_segments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    fill(&wal, 3, 100);
    for i in 0..30 {
        wal.append(1, &payload(i, 5_000)).expect("append");
    }
    assert_eq!(wal.remove_segments_below(Lsn(5 * SEG)).expect("remove"), 0);
}
