//! Many threads at once: totals are preserved, lost updates cannot happen
//! under REPEATABLE READ, deadlocks are detected instead of hanging, and
//! unique keys hold under races.

mod common;

use aiondb_core::{DbResult, Value};
use aiondb_storage::{IsolationLevel, Store, Transaction};
use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const ACCOUNTS: i64 = 20;
const START: i64 = 1000;

fn add(txn: &mut Transaction, t: aiondb_core::TableId, id: i64, delta: i64) -> DbResult<()> {
    let updated = txn.update(t, &key(id), |r| {
        Ok(Some(vec![r[0].clone(), Value::Int8(int(&r[1]) + delta)]))
    })?;
    assert!(updated.is_some(), "account {id} exists");
    Ok(())
}

/// Runs `threads` x `per_thread` transfers at `isolation`, retrying
/// serialization failures and deadlocks. Returns the number of retries.
fn run_transfers(
    store: &Arc<Store>,
    t: aiondb_core::TableId,
    isolation: IsolationLevel,
    threads: u64,
    per_thread: u64,
) -> u64 {
    let retries = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..threads)
        .map(|n| {
            let store = store.clone();
            let retries = retries.clone();
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    let from = ((n * 7 + i * 3) % ACCOUNTS as u64) as i64;
                    let to = ((n * 5 + i * 11 + 1) % ACCOUNTS as u64) as i64;
                    loop {
                        let mut txn = store.begin(isolation);
                        txn.begin_statement();
                        let result = add(&mut txn, t, from, -7).and_then(|_| {
                            txn.begin_statement();
                            add(&mut txn, t, to, 7)
                        });
                        match result {
                            Ok(()) => {
                                txn.commit().expect("commit");
                                break;
                            }
                            Err(e) if e.is_retryable() => {
                                txn.rollback();
                                retries.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => panic!("unexpected error: {e:?}"),
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    retries.load(Ordering::Relaxed)
}

#[test]
fn bank_transfers_keep_the_total_under_read_committed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = create_accounts(&store, "bank", ACCOUNTS, START);
    run_transfers(&store, t, IsolationLevel::ReadCommitted, 8, 200);
    assert_eq!(total(&store, t), ACCOUNTS * START);
    drop(store);
    let store = open(dir.path());
    assert_eq!(total(&store, t), ACCOUNTS * START, "and after recovery");
}

#[test]
fn bank_transfers_keep_the_total_under_repeatable_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = create_accounts(&store, "bank", ACCOUNTS, START);
    let retries = run_transfers(&store, t, IsolationLevel::RepeatableRead, 8, 200);
    assert_eq!(total(&store, t), ACCOUNTS * START);
    eprintln!("repeatable read retries: {retries}");
}

#[test]
fn lost_update_is_impossible_under_repeatable_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = create_accounts(&store, "counter", 1, 0);
    let mut a = store.begin(IsolationLevel::RepeatableRead);
    let mut b = store.begin(IsolationLevel::RepeatableRead);
    let read_a = int(&a.get(t, &key(0)).expect("get").expect("row")[1]);
    let read_b = int(&b.get(t, &key(0)).expect("get").expect("row")[1]);
    a.update(t, &key(0), |r| {
        Ok(Some(vec![r[0].clone(), Value::Int8(read_a + 1)]))
    })
    .expect("a writes");
    a.commit().expect("a commits");
    let err = b
        .update(t, &key(0), |r| {
            Ok(Some(vec![r[0].clone(), Value::Int8(read_b + 1)]))
        })
        .expect_err("b must fail");
    assert_eq!(err.code.code(), "40001");
    b.rollback();
    // Under READ COMMITTED the second writer waits and re-reads the newest version.
    let mut c = store.begin(IsolationLevel::ReadCommitted);
    let mut d = store.begin(IsolationLevel::ReadCommitted);
    c.update(t, &key(0), |r| {
        Ok(Some(vec![r[0].clone(), Value::Int8(int(&r[1]) + 10)]))
    })
    .expect("c");
    let d_thread = std::thread::spawn(move || {
        d.update(t, &key(0), |r| {
            Ok(Some(vec![r[0].clone(), Value::Int8(int(&r[1]) + 100)]))
        })
        .expect("d waits then applies to c's version");
        d.commit().expect("d commits");
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    c.commit().expect("c commits");
    d_thread.join().expect("join");
    let mut check = store.begin(IsolationLevel::ReadCommitted);
    assert_eq!(
        int(&check.get(t, &key(0)).expect("get").expect("row")[1]),
        111
    );
}

#[test]
fn deadlock_is_detected_not_hung() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = create_accounts(&store, "dl", 2, 0);
    let mut a = store.begin(IsolationLevel::ReadCommitted);
    let mut b = store.begin(IsolationLevel::ReadCommitted);
    add(&mut a, t, 0, 1).expect("a locks 0");
    add(&mut b, t, 1, 1).expect("b locks 1");
    let a_thread = std::thread::spawn(move || {
        let r = add(&mut a, t, 1, 1);
        (a, r)
    });
    std::thread::sleep(std::time::Duration::from_millis(100));
    let b_result = add(&mut b, t, 0, 1);
    let (a, a_result) = match b_result {
        Err(e) => {
            assert_eq!(e.code.code(), "40P01");
            b.rollback();
            a_thread.join().expect("join")
        }
        Ok(()) => panic!("b must be the deadlock victim: a was already waiting"),
    };
    a_result.expect("a proceeds once b is gone");
    a.commit().expect("a commits");
    assert_eq!(total(&store, t), 2);
}

#[test]
fn concurrent_inserts_of_one_key_admit_exactly_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = create_accounts(&store, "uniq", 0, 0);
    let winners = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            let winners = winners.clone();
            std::thread::spawn(move || {
                for k in 0..50 {
                    let mut txn = store.begin(IsolationLevel::ReadCommitted);
                    match txn.insert(t, vec![Value::Int8(k), Value::Int8(n)]) {
                        Ok(_) => {
                            txn.commit().expect("commit");
                            winners.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            assert_eq!(e.code.code(), "23505", "{e:?}");
                            txn.rollback();
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    assert_eq!(winners.load(Ordering::Relaxed), 50);
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let n = txn
        .scan(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
        .expect("scan")
        .count();
    assert_eq!(n, 50);
}

#[test]
fn read_committed_recheck_skips_a_row_that_no_longer_qualifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = create_accounts(&store, "epq", 1, 10);
    let mut c = store.begin(IsolationLevel::ReadCommitted);
    c.update(t, &key(0), |r| Ok(Some(vec![r[0].clone(), Value::Int8(0)])))
        .expect("c empties the account");
    let mut d = store.begin(IsolationLevel::ReadCommitted);
    let d_thread = std::thread::spawn(move || {
        // UPDATE ... SET balance = balance - 5 WHERE balance >= 5
        let r = d
            .update(t, &key(0), |r| {
                Ok((int(&r[1]) >= 5).then(|| vec![r[0].clone(), Value::Int8(int(&r[1]) - 5)]))
            })
            .expect("d waits, then re-checks the new version");
        d.commit().expect("d commits");
        r
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    c.commit().expect("c commits");
    assert!(
        d_thread.join().expect("join").is_none(),
        "the predicate no longer holds"
    );
    assert_eq!(total(&store, t), 0);
}

#[test]
fn drop_table_waits_for_a_reader_to_finish() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = create_accounts(&store, "busy", 3, 1);
    let mut reader = store.begin(IsolationLevel::RepeatableRead);
    assert_eq!(
        reader
            .scan(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
            .expect("scan")
            .count(),
        3
    );
    let store2 = store.clone();
    let dropper = std::thread::spawn(move || {
        let mut txn = store2.begin(IsolationLevel::ReadCommitted);
        txn.drop_table(t).expect("drop after the reader ends");
        txn.commit().expect("commit");
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert!(
        store.catalog().table(t).is_ok(),
        "the drop is still waiting"
    );
    assert!(
        reader
            .get(t, &key(0))
            .expect("reader still reads")
            .is_some()
    );
    reader.commit().expect("reader ends");
    dropper.join().expect("join");
    assert!(store.catalog().table(t).is_err());
}
