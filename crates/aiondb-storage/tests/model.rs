//! Property test: random transactions (inserts, updates, deletes, commits,
//! rollbacks, savepoints) interleaved with checkpoints and restarts behave
//! exactly like a plain map that only applies committed changes.

mod common;

use aiondb_core::{DataType, Value};
use aiondb_storage::IsolationLevel;
use common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::ops::Bound;

#[derive(Clone, Debug)]
enum Op {
    Put(i64, i64),
    Delete(i64),
    Savepoint,
    RollbackToSavepoint,
    Commit,
    Rollback,
    Checkpoint,
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0i64..30, any::<i64>()).prop_map(|(k, v)| Op::Put(k, v)),
        3 => (0i64..30).prop_map(Op::Delete),
        1 => Just(Op::Savepoint),
        1 => Just(Op::RollbackToSavepoint),
        3 => Just(Op::Commit),
        1 => Just(Op::Rollback),
        1 => Just(Op::Checkpoint),
        1 => Just(Op::Restart),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn store_matches_a_model_across_restarts(ops in proptest::collection::vec(op(), 1..80)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = open(dir.path());
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        let t = txn.create_table(table("m", &[("v", DataType::Int8)])).expect("create");
        txn.commit().expect("commit");
        let mut committed: BTreeMap<i64, i64> = BTreeMap::new();
        let mut working = committed.clone();
        let mut saved: Option<(aiondb_storage::Savepoint, BTreeMap<i64, i64>)> = None;
        let mut txn = Some(store.begin(IsolationLevel::ReadCommitted));
        for op in ops {
            let cur = txn.get_or_insert_with(|| store.begin(IsolationLevel::ReadCommitted));
            match op {
                Op::Put(k, v) => {
                    let row = vec![Value::Int8(k), Value::Int8(v)];
                    if working.contains_key(&k) {
                        let r = row.clone();
                        let done = cur.update(t, &key(k), move |_| Ok(Some(r.clone()))).expect("update");
                        prop_assert!(done.is_some());
                    } else {
                        cur.insert(t, row).expect("insert");
                    }
                    working.insert(k, v);
                }
                Op::Delete(k) => {
                    let deleted = cur.delete(t, &key(k), |_| Ok(true)).expect("delete");
                    prop_assert_eq!(deleted, working.remove(&k).is_some());
                }
                Op::Savepoint => saved = Some((cur.savepoint(), working.clone())),
                Op::RollbackToSavepoint => {
                    if let Some((sp, state)) = &saved {
                        cur.rollback_to(sp);
                        working = state.clone();
                    }
                }
                Op::Commit => {
                    txn.take().expect("txn").commit().expect("commit");
                    committed = working.clone();
                    saved = None;
                }
                Op::Rollback => {
                    txn.take().expect("txn").rollback();
                    working = committed.clone();
                    saved = None;
                }
                Op::Checkpoint => {
                    // A checkpoint sees only committed state, whatever is pending.
                    store.checkpoint().expect("checkpoint");
                }
                Op::Restart => {
                    drop(txn.take());
                    drop(store);
                    store = open(dir.path());
                    working = committed.clone();
                    saved = None;
                }
            }
            let mut reader = store.begin(IsolationLevel::ReadCommitted);
            let seen: BTreeMap<i64, i64> = reader
                .scan(t, Bound::Unbounded, Bound::Unbounded)
                .expect("scan")
                .map(|(_, r)| (int(&r[0]), int(&r[1])))
                .collect();
            reader.commit().expect("reader");
            prop_assert_eq!(&seen, &committed, "other sessions see exactly the committed state");
        }
        drop(txn);
        drop(store);
        let store = open(dir.path());
        let mut reader = store.begin(IsolationLevel::ReadCommitted);
        let seen: BTreeMap<i64, i64> = reader
            .scan(t, Bound::Unbounded, Bound::Unbounded)
            .expect("scan")
            .map(|(_, r)| (int(&r[0]), int(&r[1])))
            .collect();
        prop_assert_eq!(seen, committed);
    }
}
