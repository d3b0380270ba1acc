//! Group commit: same bytes either way; concurrent flushers share fsyncs.

use std::collections::HashMap;
use std::sync::Arc;

use aiondb_wal::{Lsn, Wal, WalOptions};

use crate::common::*;

fn serial_run(dir: &std::path::Path, group_commit: bool) {
    let o = WalOptions {
        group_commit,
        ..opts()
    };
    let (wal, _) = Wal::open(dir, o, Lsn::ZERO).expect("open");
    for i in 0..120 {
        let a = wal
            .append(1 + (i % 5) as u8, &payload(i, 50 + i * 37 % 3000))
            .expect("append");
        if i % 3 == 0 {
            wal.flush(a.end).expect("flush");
        }
        if i % 7 == 0 {
            wal.append_and_flush(9, &payload(i, 1000))
                .expect("append_and_flush");
        }
    }
    wal.flush(wal.end_lsn()).expect("final flush");
}

#[test]
fn group_commit_on_and_off_write_identical_files() {
    let on = tempfile::tempdir().expect("tempdir");
    let off = tempfile::tempdir().expect("tempdir");
    serial_run(on.path(), true);
    serial_run(off.path(), false);
    let a = segment_files(on.path());
    let b = segment_files(off.path());
    assert!(a.len() > 2, "the run should span segments");
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.file_name(), y.file_name());
        let bx = std::fs::read(x).expect("read");
        let by = std::fs::read(y).expect("read");
        assert!(bx == by, "{} differs", x.display());
    }
}

fn concurrent(group_commit: bool, threads: usize, per_thread: usize) -> aiondb_wal::WalStats {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = WalOptions {
        group_commit,
        ..opts()
    };
    let (wal, _) = Wal::open(dir.path(), o.clone(), Lsn::ZERO).expect("open");
    let wal = Arc::new(wal);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let wal = Arc::clone(&wal);
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    let mut p = vec![t as u8 + 1];
                    p.extend_from_slice(&(i as u32).to_le_bytes());
                    p.extend(payload(i, i % 300));
                    let a = wal
                        .append_and_flush(t as u8 + 1, &p)
                        .expect("append_and_flush");
                    assert!(wal.durable_lsn() >= a.end);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    let stats = wal.stats();
    let end = wal.end_lsn();
    assert_eq!(wal.durable_lsn(), end);
    drop(wal);
    let (wal, report) = Wal::open(dir.path(), o, Lsn::ZERO).expect("reopen");
    assert_eq!(report.end_lsn, end);
    assert!(report.torn_tail.is_none());
    let recs = read_all(&wal, Lsn::ZERO);
    assert_eq!(recs.len(), threads * per_thread);
    let mut next: HashMap<u8, u32> = HashMap::new();
    for r in &recs {
        assert_eq!(r.payload[0], r.kind);
        let i = u32::from_le_bytes(r.payload[1..5].try_into().expect("4 bytes"));
        let n = next.entry(r.kind).or_insert(0);
        assert_eq!(i, *n, "thread {} records out of order", r.kind);
        *n += 1;
        assert_eq!(r.payload[5..], payload(i as usize, i as usize % 300)[..]);
    }
    assert_eq!(stats.records, (threads * per_thread) as u64);
    assert_eq!(stats.flush_requests, (threads * per_thread) as u64);
    assert_eq!(stats.bytes_written, end.0);
    assert!(stats.fsyncs >= 1);
    stats
}

#[test]
fn concurrent_appenders_with_group_commit() {
    let stats = concurrent(true, 8, 200);
    eprintln!("group commit, 8 x 200 append_and_flush: {stats:?}");
    assert!(
        stats.fsyncs < stats.flush_requests,
        "no grouping happened: {stats:?}"
    );
}

#[test]
fn concurrent_appenders_without_group_commit() {
    let stats = concurrent(false, 4, 50);
    assert!(stats.fsyncs <= stats.flush_requests + 8, "{stats:?}");
}
