//! SERIALIZABLE in the store: backward validation of the tables read.

mod common;

use aiondb_core::Value;
use aiondb_storage::IsolationLevel;
use common::{create_accounts, int, key, open};

fn set(v: i64) -> impl FnMut(&Vec<Value>) -> aiondb_core::DbResult<Option<Vec<Value>>> {
    move |r| Ok(Some(vec![r[0].clone(), Value::Int8(v)]))
}

#[test]
fn write_skew_fails_at_commit_of_the_second_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t = create_accounts(&store, "oncall", 2, 1);
    let mut a = store.begin(IsolationLevel::Serializable);
    let mut b = store.begin(IsolationLevel::Serializable);
    let seen_a: i64 = a
        .scan(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
        .expect("scan a")
        .map(|(_, r)| int(&r[1]))
        .sum();
    let seen_b: i64 = b
        .scan(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
        .expect("scan b")
        .map(|(_, r)| int(&r[1]))
        .sum();
    assert_eq!((seen_a, seen_b), (2, 2));
    a.update(t, &key(0), set(0)).expect("a writes row 0");
    b.update(t, &key(1), set(0)).expect("b writes row 1");
    a.commit().expect("a commits");
    let err = b.commit().expect_err("b must fail");
    assert_eq!(err.code.code(), "40001");
    let mut check = store.begin(IsolationLevel::ReadCommitted);
    let row1 = check.get(t, &key(1)).expect("get").expect("row");
    assert_eq!(int(&row1[1]), 1, "b's write was rolled back");
}

#[test]
fn unrelated_tables_and_read_only_transactions_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let t1 = create_accounts(&store, "one", 1, 1);
    let t2 = create_accounts(&store, "two", 1, 1);
    let mut a = store.begin(IsolationLevel::Serializable);
    let mut b = store.begin(IsolationLevel::Serializable);
    let mut reader = store.begin(IsolationLevel::Serializable);
    a.get(t1, &key(0)).expect("a reads one");
    b.get(t2, &key(0)).expect("b reads two");
    reader.get(t1, &key(0)).expect("reader reads one");
    a.update(t1, &key(0), set(5)).expect("a writes one");
    b.update(t2, &key(0), set(6)).expect("b writes two");
    a.commit().expect("a commits");
    b.commit().expect("b read nothing a wrote");
    // Read-only: equivalent to running at its snapshot.
    reader.commit().expect("reader commits");
    // A serializable transaction beginning after a commit does not see it
    // as concurrent.
    let mut c = store.begin(IsolationLevel::Serializable);
    c.get(t1, &key(0)).expect("c reads one");
    c.update(t2, &key(0), set(7)).expect("c writes two");
    c.commit().expect("c commits");
}
