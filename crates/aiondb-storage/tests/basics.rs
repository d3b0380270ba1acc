//! Single-session behaviour: CRUD, visibility, savepoints, DDL, sequences,
//! restarts, checkpoints and determinism.

mod common;

use aiondb_core::{DataType, Value};
use aiondb_storage::{IsolationLevel, SequenceSchema, Store};
use common::*;
use std::ops::Bound;

#[test]
fn committed_rows_survive_restart_and_rollback_leaves_no_trace() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = open(dir.path());
        let t = create_accounts(&store, "acc", 3, 100);
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        txn.insert(t, vec![Value::Int8(9), Value::Int8(1)])
            .expect("insert");
        txn.update(t, &key(0), |r| Ok(Some(vec![r[0].clone(), Value::Int8(0)])))
            .expect("update");
        txn.rollback();
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        assert!(txn.get(t, &key(9)).expect("get").is_none());
        assert_eq!(
            txn.get(t, &key(0)).expect("get").map(|r| int(&r[1])),
            Some(100)
        );
        txn.delete(t, &key(2), |_| Ok(true)).expect("delete");
        txn.commit().expect("commit");
    }
    let store = open(dir.path());
    let t = store
        .catalog()
        .table_by_name(1, "public", "acc")
        .expect("table")
        .id;
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let rows: Vec<_> = txn
        .scan(t, Bound::Unbounded, Bound::Unbounded)
        .expect("scan")
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(txn.get(t, &key(2)).expect("get").is_none());
}

#[test]
fn own_writes_are_visible_and_others_are_not_until_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = create_accounts(&store, "acc", 1, 5);
    let mut writer = store.begin(IsolationLevel::ReadCommitted);
    writer
        .insert(t, vec![Value::Int8(7), Value::Int8(7)])
        .expect("insert");
    assert!(writer.get(t, &key(7)).expect("get").is_some());
    let mut reader = store.begin(IsolationLevel::RepeatableRead);
    assert!(reader.get(t, &key(7)).expect("get").is_none());
    writer.commit().expect("commit");
    // Repeatable read keeps its snapshot; a new statement in RC sees it.
    assert!(reader.get(t, &key(7)).expect("get").is_none());
    let mut rc = store.begin(IsolationLevel::ReadCommitted);
    rc.begin_statement();
    assert!(rc.get(t, &key(7)).expect("get").is_some());
}

#[test]
fn savepoints_undo_only_what_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = create_accounts(&store, "acc", 0, 0);
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    txn.insert(t, vec![Value::Int8(1), Value::Int8(1)])
        .expect("insert");
    let sp = txn.savepoint();
    txn.insert(t, vec![Value::Int8(2), Value::Int8(2)])
        .expect("insert");
    txn.update(t, &key(1), |_| {
        Ok(Some(vec![Value::Int8(1), Value::Int8(50)]))
    })
    .expect("update");
    txn.rollback_to(&sp);
    assert!(txn.get(t, &key(2)).expect("get").is_none());
    assert_eq!(
        txn.get(t, &key(1)).expect("get").map(|r| int(&r[1])),
        Some(1)
    );
    // The key freed by the rollback can be used again.
    txn.insert(t, vec![Value::Int8(2), Value::Int8(3)])
        .expect("reinsert");
    txn.commit().expect("commit");
    assert_eq!(total(&store, t), 4);
}

#[test]
fn unique_and_primary_keys_are_enforced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let t = txn
        .create_table(table("u", &[("email", DataType::Text)]))
        .expect("create");
    txn.create_index(t, index("u_email_key", &[1], true))
        .expect("index");
    txn.insert(t, vec![Value::Int8(1), Value::Text("a".into())])
        .expect("insert");
    let err = txn
        .insert(t, vec![Value::Int8(1), Value::Text("b".into())])
        .expect_err("duplicate pk");
    assert_eq!(err.code.code(), "23505");
    assert!(err.message.contains("u_pkey"), "{}", err.message);
    let err = txn
        .insert(t, vec![Value::Int8(2), Value::Text("a".into())])
        .expect_err("duplicate email");
    assert_eq!(err.code.code(), "23505");
    assert_eq!(
        err.detail.as_deref(),
        Some("Key (email)=(a) already exists.")
    );
    // NULLs never conflict.
    txn.insert(t, vec![Value::Int8(3), Value::Null])
        .expect("null 1");
    txn.insert(t, vec![Value::Int8(4), Value::Null])
        .expect("null 2");
    // Changing the key frees the old value.
    txn.update(t, &key(1), |_| {
        Ok(Some(vec![Value::Int8(1), Value::Text("z".into())]))
    })
    .expect("update");
    txn.insert(t, vec![Value::Int8(5), Value::Text("a".into())])
        .expect("a is free");
    txn.commit().expect("commit");
}

#[test]
fn index_scans_see_only_current_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let t = txn
        .create_table(table("p", &[("grp", DataType::Int8)]))
        .expect("create");
    let ix = txn
        .create_index(t, index("p_grp", &[1], false))
        .expect("index");
    for i in 0..100 {
        txn.insert(t, vec![Value::Int8(i), Value::Int8(i % 10)])
            .expect("insert");
    }
    txn.commit().expect("commit");
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    txn.update(t, &key(3), |_| {
        Ok(Some(vec![Value::Int8(3), Value::Int8(99)]))
    })
    .expect("move row 3");
    let g3 = vec![Value::Int8(3)];
    let ids: Vec<i64> = txn
        .index_scan(t, ix, Bound::Included(g3.clone()), Bound::Included(g3))
        .expect("scan")
        .map(|(k, _)| int(&k[0]))
        .collect();
    assert_eq!(ids.len(), 9);
    assert!(!ids.contains(&3));
    let lo = vec![Value::Int8(8)];
    let n = txn
        .index_scan(t, ix, Bound::Excluded(lo), Bound::Unbounded)
        .expect("range")
        .count();
    assert_eq!(n, 11, "group 9 (10 rows) plus the moved row");
    txn.commit().expect("commit");
}

#[test]
fn ddl_is_transactional_and_durable() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = open(dir.path());
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        txn.create_table(table("gone", &[])).expect("create");
        txn.rollback();
        assert!(store.catalog().table_by_name(1, "public", "gone").is_none());
        let t = create_accounts(&store, "kept", 2000, 1);
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        txn.create_index(t, index("kept_balance", &[1], false))
            .expect("index");
        txn.commit().expect("commit");
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        let err = txn.create_table(table("kept", &[])).expect_err("exists");
        assert_eq!(err.code.code(), "42P07");
        txn.rollback();
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        let d = txn.create_table(table("dropme", &[])).expect("create");
        txn.commit().expect("commit");
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        txn.drop_table(d).expect("drop");
        txn.truncate(t).expect("truncate");
        txn.insert(t, vec![Value::Int8(5), Value::Int8(5)])
            .expect("insert after truncate");
        txn.commit().expect("commit");
    }
    let store = open(dir.path());
    let cat = store.catalog();
    let kept = cat.table_by_name(1, "public", "kept").expect("kept");
    assert_eq!(kept.indexes.len(), 1);
    assert!(cat.table_by_name(1, "public", "dropme").is_none());
    assert_eq!(total(&store, kept.id), 5);
}

fn seq_schema(name: &str) -> SequenceSchema {
    SequenceSchema {
        id: aiondb_storage::SequenceId(0),
        database: 1,
        schema: "public".into(),
        name: name.into(),
        start: 1,
        increment: 1,
        min_value: 1,
        max_value: i64::MAX,
        cycle: false,
    }
}

#[test]
fn sequences_never_repeat_a_value_after_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let last;
    {
        let store = open(dir.path());
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        let s = txn.create_sequence(seq_schema("s")).expect("create");
        txn.commit().expect("commit");
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        let mut v = 0;
        for _ in 0..40 {
            v = txn.nextval(s).expect("nextval");
        }
        txn.commit().expect("commit flushes the reservation");
        last = v;
        assert_eq!(last, 40);
    }
    let store = open(dir.path());
    let s = store
        .catalog()
        .sequence_by_name(1, "public", "s")
        .expect("seq")
        .id;
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let next = txn.nextval(s).expect("nextval");
    assert!(next > last, "{next} must be above {last}");
    txn.setval(s, 5, true).expect("setval");
    assert_eq!(txn.nextval(s).expect("nextval"), 6);
    txn.commit().expect("commit");
}

#[test]
fn checkpoint_then_restart_gives_the_same_state_and_trims_wal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let before;
    {
        let store = open(dir.path());
        let t = create_accounts(&store, "acc", 3000, 7);
        for round in 0..10 {
            let mut txn = store.begin(IsolationLevel::ReadCommitted);
            for i in 0..1000 {
                txn.update(t, &key(i * 3 % 3000), |r| {
                    Ok(Some(vec![r[0].clone(), Value::Int8(int(&r[1]) + round)]))
                })
                .expect("update");
            }
            txn.commit().expect("commit");
        }
        let start_before = store.wal().start_lsn();
        let report = store.checkpoint().expect("checkpoint");
        assert_eq!(report.rows, 3000);
        assert!(report.segments_removed > 0, "{report:?}");
        assert!(store.wal().start_lsn() > start_before);
        // More commits after the checkpoint are replayed from the WAL.
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        txn.insert(t, vec![Value::Int8(99_999), Value::Int8(1)])
            .expect("insert");
        txn.commit().expect("commit");
        before = store.dump_state();
    }
    let first = Store::open(dir.path(), small_options()).expect("reopen");
    assert!(first.1.checkpoint.is_some());
    assert_eq!(first.1.commits_replayed, 1);
    assert_eq!(first.0.dump_state(), before);
    drop(first);
    let second = open(dir.path());
    assert_eq!(second.dump_state(), before, "recovery is deterministic");
}

#[test]
fn gc_keeps_what_live_snapshots_need() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = create_accounts(&store, "acc", 10, 1);
    let mut old = store.begin(IsolationLevel::RepeatableRead);
    assert_eq!(
        old.get(t, &key(0)).expect("get").map(|r| int(&r[1])),
        Some(1)
    );
    for v in 2..6 {
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        txn.update(t, &key(0), |r| Ok(Some(vec![r[0].clone(), Value::Int8(v)])))
            .expect("update");
        txn.commit().expect("commit");
    }
    let report = store.gc();
    assert_eq!(
        old.get(t, &key(0)).expect("get").map(|r| int(&r[1])),
        Some(1)
    );
    old.commit().expect("commit");
    let report2 = store.gc();
    assert!(report2.versions_removed > report.versions_removed);
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    assert_eq!(
        txn.get(t, &key(0)).expect("get").map(|r| int(&r[1])),
        Some(5)
    );
}
