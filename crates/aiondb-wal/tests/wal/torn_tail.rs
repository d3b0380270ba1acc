//! A damaged last record with nothing valid after it is a torn tail.

use aiondb_wal::Lsn;

use crate::common::*;

fn check_torn(dir: &std::path::Path, written: &[aiondb_wal::Record], expect_bytes: u64) {
    let last = written.last().expect("records");
    let (wal, report) = open(dir);
    let torn = report.torn_tail.clone().expect("a torn tail");
    assert_eq!(torn.lsn, last.lsn);
    assert_eq!(torn.bytes, expect_bytes);
    assert_eq!(torn.file, locate(dir, last.lsn.0).0);
    assert_eq!(report.end_lsn, last.lsn);
    assert_eq!(wal.end_lsn(), last.lsn);
    assert_eq!(
        read_all(&wal, Lsn::ZERO),
        written[..written.len() - 1].to_vec()
    );
    let a = wal.append_and_flush(42, b"replacement").expect("append");
    assert_eq!(a.lsn, last.lsn);
    drop(wal);
    let (wal, report) = open(dir);
    assert!(report.torn_tail.is_none());
    let back = read_all(&wal, Lsn::ZERO);
    assert_eq!(back.len(), written.len());
    assert_eq!(back[..written.len() - 1], written[..written.len() - 1]);
    assert_eq!(back[written.len() - 1].payload, b"replacement");
}

#[test]
fn last_record_zeroed_half_way_is_a_torn_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 8, 1_000);
    drop(wal);
    let last = written.last().expect("records");
    let len = last.end().0 - last.lsn.0;
    let half = len / 2;
    write_stream(
        dir.path(),
        last.lsn.0 + half,
        &vec![0u8; (len - half) as usize],
    );
    check_torn(dir.path(), &written, half);
}

#[test]
fn last_record_with_garbled_final_bytes_is_a_torn_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 8, 1_000);
    drop(wal);
    let last = written.last().expect("records");
    flip_stream_byte(dir.path(), last.end().0 - 1);
    flip_stream_byte(dir.path(), last.end().0 - 2);
    check_torn(dir.path(), &written, last.end().0 - last.lsn.0);
}

#[test]
fn torn_record_spanning_into_a_new_segment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let mut written = fill(&wal, 6, 10_000);
    // A record starting in segment 0 and ending in segment 1.
    let a = wal
        .append_and_flush(5, &payload(7, 10_000))
        .expect("append spanning");
    assert!(a.lsn.0 < SEG && a.end.0 > SEG);
    written.push(aiondb_wal::Record {
        lsn: a.lsn,
        kind: 5,
        payload: payload(7, 10_000),
    });
    drop(wal);
    // Its bytes in segment 1 never made it.
    write_stream(dir.path(), SEG, &vec![0u8; (a.end.0 - SEG) as usize]);
    assert_eq!(segment_files(dir.path()).len(), 2);
    check_torn(dir.path(), &written, SEG - a.lsn.0);
    // Segment 1 started after the cut, so it was removed; the small
    // replacement record fits in segment 0.
    assert_eq!(segment_files(dir.path()).len(), 1);
}

#[test]
fn zeroed_space_after_the_last_record_is_just_the_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 3, 100);
    drop(wal);
    let (wal, report) = open(dir.path());
    assert!(report.torn_tail.is_none());
    assert_eq!(report.end_lsn, written[2].end());
    assert_eq!(read_all(&wal, Lsn::ZERO), written);
}

#[test]
fn empty_segment_beyond_the_end_is_removed() {
    // Log A: a record spans into segment 1, so A's segment 1 header names a
    // first record boundary that log B below never had.
    let a_dir = tempfile::tempdir().expect("tempdir");
    let (a, _) = open(a_dir.path());
    fill(&a, 7, 10_000);
    assert!(a.end_lsn().0 > SEG);
    drop(a);
    // Log B ends in segment 0; a crash left an (empty) segment 1 behind.
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let mut written = fill(&wal, 3, 10_000);
    drop(wal);
    let seg1 = seg_path(dir.path(), SEG);
    std::fs::copy(seg_path(a_dir.path(), SEG), &seg1).expect("copy");
    write_stream(dir.path(), SEG, &vec![0u8; SEG as usize]);
    let (wal, report) = open(dir.path());
    assert!(report.torn_tail.is_none());
    assert_eq!(report.segments, 1);
    assert!(!seg1.exists());
    written.extend(fill(&wal, 6, 9_000));
    assert!(wal.end_lsn().0 > SEG);
    drop(wal);
    let (wal, report) = open(dir.path());
    assert_eq!(report.segments, 2);
    assert_eq!(read_all(&wal, Lsn::ZERO), written);
}
