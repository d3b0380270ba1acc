//! Damage on disk: a torn tail is cut and logged, anything else is refused
//! with an error that names the damage.

mod common;

use aiondb_core::{Lsn, Value};
use aiondb_storage::{IsolationLevel, Store};
use common::*;
use std::fs::{self, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const SEGMENT: u64 = 64 * 1024;
const HEADER: u64 = 4096;

fn segment_file(dir: &Path, lsn: Lsn) -> (PathBuf, u64) {
    let start = lsn.0 - lsn.0 % SEGMENT;
    (
        dir.join("wal").join(format!("{start:016X}.wal")),
        HEADER + (lsn.0 - start),
    )
}

fn overwrite(path: &Path, offset: u64, bytes: &[u8]) {
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open for damage");
    f.seek(SeekFrom::Start(offset)).expect("seek");
    f.write_all(bytes).expect("write");
    f.sync_all().expect("sync");
}

fn flip(path: &Path, offset: u64) {
    let mut bytes = fs::read(path).expect("read");
    bytes[offset as usize] ^= 0x5A;
    fs::write(path, bytes).expect("write");
}

/// Commits `n` single-row transactions; returns the LSN where each began.
fn commit_rows(store: &std::sync::Arc<Store>, t: aiondb_core::TableId, n: i64) -> Vec<(Lsn, Lsn)> {
    (0..n)
        .map(|i| {
            let before = store.wal().end_lsn();
            let mut txn = store.begin(IsolationLevel::ReadCommitted);
            txn.insert(t, vec![Value::Int8(100 + i), Value::Int8(i)])
                .expect("insert");
            txn.commit().expect("commit");
            (before, store.wal().end_lsn())
        })
        .collect()
}

#[test]
fn torn_last_record_is_cut_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let records = {
        let store = open(dir.path());
        let t = create_accounts(&store, "acc", 1, 0);
        commit_rows(&store, t, 5)
    };
    let (start, end) = records[4];
    let (file, offset) = segment_file(dir.path(), start);
    let half = (end.0 - start.0) / 2;
    overwrite(
        &file,
        offset + half,
        &vec![0u8; (end.0 - start.0 - half) as usize],
    );
    let (store, report) = Store::open(dir.path(), small_options()).expect("torn tail opens");
    let torn = report.torn_tail.expect("torn tail reported");
    assert_eq!(torn.lsn, start);
    assert!(torn.bytes > 0);
    let t = store
        .catalog()
        .table_by_name(1, "public", "acc")
        .expect("acc")
        .id;
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    assert!(txn.get(t, &key(103)).expect("get").is_some());
    assert!(
        txn.get(t, &key(104)).expect("get").is_none(),
        "the torn commit never happened"
    );
    txn.insert(t, vec![Value::Int8(104), Value::Int8(1)])
        .expect("insert");
    txn.commit().expect("commit after the cut");
    drop(store);
    let (_, report) = Store::open(dir.path(), small_options()).expect("reopen");
    assert!(report.torn_tail.is_none());
}

#[test]
fn damaged_middle_record_is_refused_naming_file_and_lsn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let records = {
        let store = open(dir.path());
        let t = create_accounts(&store, "acc", 1, 0);
        commit_rows(&store, t, 5)
    };
    let (start, _) = records[2];
    let (file, offset) = segment_file(dir.path(), start);
    flip(&file, offset + 20);
    let err = Store::open(dir.path(), small_options()).expect_err("corruption refused");
    assert_eq!(err.code.code(), "XX001");
    let name = file
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(err.message.contains(&name), "{}", err.message);
    assert!(
        err.message.contains(&start.to_string()) || err.message.contains(&start.0.to_string()),
        "{}",
        err.message
    );
}

#[test]
fn damaged_segment_header_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = open(dir.path());
        let t = create_accounts(&store, "acc", 1, 0);
        commit_rows(&store, t, 2);
    }
    let (file, _) = segment_file(dir.path(), Lsn::ZERO);
    flip(&file, 10);
    let err = Store::open(dir.path(), small_options()).expect_err("refused");
    let name = file
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(err.message.contains(&name), "{}", err.message);
}

#[test]
fn damaged_checkpoint_file_is_refused_not_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t_name;
    {
        let store = open(dir.path());
        let t = create_accounts(&store, "acc", 500, 3);
        t_name = format!("table-{}.bin", t.0);
        store.checkpoint().expect("checkpoint");
    }
    let cp = fs::read_dir(dir.path().join("checkpoints"))
        .expect("list")
        .next()
        .expect("one checkpoint")
        .expect("entry")
        .path();
    flip(&cp.join(&t_name), 100);
    let err = Store::open(dir.path(), small_options()).expect_err("refused");
    assert_eq!(err.code.code(), "XX001");
    assert!(err.message.contains(&t_name), "{}", err.message);
}

#[test]
fn missing_wal_after_checkpoint_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = open(dir.path());
        let t = create_accounts(&store, "acc", 10, 3);
        store.checkpoint().expect("checkpoint");
        commit_rows(&store, t, 3);
    }
    for entry in fs::read_dir(dir.path().join("wal")).expect("list") {
        fs::remove_file(entry.expect("entry").path()).expect("remove");
    }
    assert!(Store::open(dir.path(), small_options()).is_err());
}
