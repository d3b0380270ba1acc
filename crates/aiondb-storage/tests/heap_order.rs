//! Heap order: sequential scans return rows in insertion order with an
//! updated row's new version last, as PostgreSQL does; rollback, GC,
//! checkpoints and WAL replay keep that order.

mod common;

use aiondb_core::{DataType, TableId, Value};
use aiondb_storage::{IsolationLevel, Store};
use common::*;
use std::sync::Arc;

fn ids(store: &Arc<Store>, t: TableId) -> Vec<i64> {
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let got = txn
        .heap_scan(t)
        .expect("scan")
        .map(|(_, r)| int(&r[0]))
        .collect();
    txn.commit().expect("commit");
    got
}

fn table_id(store: &Arc<Store>) -> TableId {
    store
        .catalog()
        .table_by_name(1, "public", "h")
        .expect("table")
        .id
}

/// Creates `h` with ids 3, 1, 2 inserted in that order, then updates 3.
fn populate(store: &Arc<Store>) -> TableId {
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let t = txn
        .create_table(table("h", &[("v", DataType::Int8)]))
        .expect("create");
    for i in [3, 1, 2] {
        txn.insert(t, vec![Value::Int8(i), Value::Int8(0)])
            .expect("insert");
    }
    txn.commit().expect("commit");
    assert_eq!(ids(store, t), vec![3, 1, 2]);
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    txn.update(t, &key(3), |r| Ok(Some(vec![r[0].clone(), Value::Int8(1)])))
        .expect("update");
    txn.commit().expect("commit");
    t
}

#[test]
fn scans_follow_insertion_and_updates_move_rows_last() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = populate(&store);
    assert_eq!(ids(&store, t), vec![1, 2, 3]);
    // A rolled-back update leaves the order as it was.
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    txn.update(t, &key(1), |r| Ok(Some(vec![r[0].clone(), Value::Int8(5)])))
        .expect("update");
    txn.rollback();
    assert_eq!(ids(&store, t), vec![1, 2, 3]);
    // Primary key scans keep key order.
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let by_key: Vec<i64> = txn
        .scan(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
        .expect("scan")
        .map(|(_, r)| int(&r[0]))
        .collect();
    assert_eq!(by_key, vec![1, 2, 3]);
}

#[test]
fn an_old_snapshot_sees_a_row_where_its_version_sits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let t = txn
        .create_table(table("h", &[("v", DataType::Int8)]))
        .expect("create");
    for i in [1, 2] {
        txn.insert(t, vec![Value::Int8(i), Value::Int8(0)])
            .expect("insert");
    }
    txn.commit().expect("commit");
    let mut reader = store.begin(IsolationLevel::RepeatableRead);
    assert_eq!(reader.heap_scan(t).expect("scan").count(), 2);
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    txn.update(t, &key(1), |r| Ok(Some(vec![r[0].clone(), Value::Int8(1)])))
        .expect("update");
    txn.commit().expect("commit");
    let old: Vec<i64> = reader
        .heap_scan(t)
        .expect("scan")
        .map(|(_, r)| int(&r[0]))
        .collect();
    assert_eq!(old, vec![1, 2]);
    assert_eq!(ids(&store, t), vec![2, 1]);
    reader.commit().expect("commit");
    let report = store.gc();
    assert_eq!(report.versions_removed, 1);
    assert_eq!(ids(&store, t), vec![2, 1]);
}

#[test]
fn a_scan_does_not_see_rows_its_transaction_rewrites_after_it_started() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    // More rows than one scan chunk, so the scan reads on after the writes.
    let n = 3000;
    let t = create_accounts(&store, "h", n, 0);
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let mut scan = txn.heap_scan(t).expect("scan");
    let first = scan.next().expect("a row");
    for i in 0..n {
        txn.update(t, &key(i), |r| Ok(Some(vec![r[0].clone(), Value::Int8(9)])))
            .expect("update");
    }
    let rest: Vec<_> = scan.collect();
    assert_eq!(int(&first.1[0]), 0);
    assert_eq!(rest.len() as i64, n - 1, "each row once");
    assert!(rest.iter().all(|(_, r)| int(&r[1]) == 0), "as it was");
    assert_eq!(txn.heap_scan(t).expect("scan").count() as i64, n);
    txn.commit().expect("commit");
}

#[test]
fn order_survives_replay_and_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = open(dir.path());
        populate(&store);
    }
    let store = open(dir.path());
    let t = table_id(&store);
    assert_eq!(ids(&store, t), vec![1, 2, 3], "after replay");
    store.checkpoint().expect("checkpoint");
    drop(store);
    let store = open(dir.path());
    assert_eq!(ids(&store, t), vec![1, 2, 3], "after checkpoint load");
}

#[test]
fn one_transaction_writes_replay_in_its_heap_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = open(dir.path());
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        let t = txn
            .create_table(table("h", &[("v", DataType::Int8)]))
            .expect("create");
        for i in [2, 1] {
            txn.insert(t, vec![Value::Int8(i), Value::Int8(0)])
                .expect("insert");
        }
        // Rewrite 2 twice in the same transaction: it ends up last.
        for v in [1, 2] {
            txn.update(t, &key(2), |r| Ok(Some(vec![r[0].clone(), Value::Int8(v)])))
                .expect("update");
        }
        txn.commit().expect("commit");
        assert_eq!(ids(&store, t), vec![1, 2]);
    }
    let store = open(dir.path());
    let t = table_id(&store);
    assert_eq!(ids(&store, t), vec![1, 2]);
}
