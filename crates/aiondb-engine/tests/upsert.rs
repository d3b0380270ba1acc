//! INSERT ... ON CONFLICT DO UPDATE under concurrency: sessions upserting
//! the same keys from many threads lose no update, wait for a conflicting
//! row's writer and then see its outcome, and REPEATABLE READ fails with
//! 40001 rather than touching a row its snapshot does not see.

mod common;
use aiondb_engine::{Engine, Session};
use common::{engine, q, session, try_q};
use std::sync::Arc;
use std::time::Duration;

const THREADS: usize = 8;
const UPSERTS: usize = 100;

fn counter(s: &mut Session, table: &str) -> String {
    q(s, &format!("SELECT sum(n) FROM {table}"))[0][0].clone()
}

#[test]
fn concurrent_upserts_lose_no_update() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut s = session(&e);
    q(&mut s, "CREATE TABLE c (k int PRIMARY KEY, n int NOT NULL)");
    q(&mut s, "CREATE TABLE p (page text UNIQUE, n int NOT NULL)");
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let e = e.clone();
            std::thread::spawn(move || {
                let mut s = session(&e);
                for i in 0..UPSERTS {
                    let upsert = "INSERT INTO c VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET n = c.n + excluded.n";
                    let by_index = "INSERT INTO p VALUES ('home', 1) ON CONFLICT (page) DO UPDATE SET n = p.n + 1";
                    if (t + i) % 3 == 0 {
                        // Hold the row lock across statements now and then.
                        q(&mut s, &format!("BEGIN; {upsert}; {by_index}; COMMIT"));
                    } else {
                        q(&mut s, upsert);
                        q(&mut s, by_index);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let total = (THREADS * UPSERTS).to_string();
    assert_eq!(counter(&mut s, "c"), total);
    assert_eq!(counter(&mut s, "p"), total);
    assert_eq!(q(&mut s, "SELECT count(*) FROM c")[0][0], "1");
    assert_eq!(q(&mut s, "SELECT count(*) FROM p")[0][0], "1");
}

#[test]
fn repeatable_read_upserts_retry_on_serialization_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut s = session(&e);
    q(&mut s, "CREATE TABLE c (k int PRIMARY KEY, n int NOT NULL)");
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let e = e.clone();
            std::thread::spawn(move || {
                let mut s = session(&e);
                let mut failures = 0;
                for _ in 0..UPSERTS / 4 {
                    loop {
                        q(&mut s, "BEGIN ISOLATION LEVEL REPEATABLE READ");
                        let r = try_q(
                            &mut s,
                            "INSERT INTO c VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET n = c.n + 1",
                        );
                        match r {
                            Ok(_) => {
                                q(&mut s, "COMMIT");
                                break;
                            }
                            Err(code) => {
                                assert!(code.starts_with("40001"), "{code}");
                                failures += 1;
                                q(&mut s, "ROLLBACK");
                            }
                        }
                    }
                }
                failures
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    assert_eq!(counter(&mut s, "c"), (THREADS * (UPSERTS / 4)).to_string());
}

/// Starts an upsert of key 5 in another session; returns its result.
fn upsert_in_background(
    e: &Arc<Engine>,
    sql: &'static str,
) -> std::thread::JoinHandle<Result<Vec<Vec<String>>, String>> {
    let e = e.clone();
    std::thread::spawn(move || {
        let mut s = session(&e);
        try_q(&mut s, sql)
    })
}

#[test]
fn upsert_waits_for_a_conflicting_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut a = session(&e);
    q(&mut a, "CREATE TABLE c (k int PRIMARY KEY, n int NOT NULL)");
    let upsert =
        "INSERT INTO c VALUES (5, 1) ON CONFLICT (k) DO UPDATE SET n = c.n + 10 RETURNING n";

    // The other inserter commits: the waiting upsert updates its row.
    q(&mut a, "BEGIN; INSERT INTO c VALUES (5, 1)");
    let b = upsert_in_background(&e, upsert);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !b.is_finished(),
        "the upsert must wait for the row's writer"
    );
    q(&mut a, "COMMIT");
    assert_eq!(b.join().expect("b"), Ok(vec![vec!["11".to_string()]]));

    // The other writer rolls back its insert: the waiting upsert inserts.
    q(&mut a, "BEGIN; INSERT INTO c VALUES (6, 100)");
    let b = upsert_in_background(
        &e,
        "INSERT INTO c VALUES (6, 1) ON CONFLICT (k) DO UPDATE SET n = c.n + 10 RETURNING n",
    );
    std::thread::sleep(Duration::from_millis(200));
    assert!(!b.is_finished());
    q(&mut a, "ROLLBACK");
    assert_eq!(b.join().expect("b"), Ok(vec![vec!["1".to_string()]]));

    // The other writer deletes the row: the waiting upsert inserts anew.
    q(&mut a, "BEGIN; DELETE FROM c WHERE k = 5");
    let b = upsert_in_background(&e, upsert);
    std::thread::sleep(Duration::from_millis(200));
    assert!(!b.is_finished());
    q(&mut a, "COMMIT");
    assert_eq!(b.join().expect("b"), Ok(vec![vec!["1".to_string()]]));

    // The other writer updates the row: the upsert works on the new version.
    q(&mut a, "BEGIN; UPDATE c SET n = 50 WHERE k = 5");
    let b = upsert_in_background(&e, upsert);
    std::thread::sleep(Duration::from_millis(200));
    assert!(!b.is_finished());
    q(&mut a, "COMMIT");
    assert_eq!(b.join().expect("b"), Ok(vec![vec!["60".to_string()]]));
}

#[test]
fn repeatable_read_upsert_of_an_unseen_row_is_a_serialization_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut a = session(&e);
    let mut b = session(&e);
    q(&mut a, "CREATE TABLE c (k int PRIMARY KEY, n int NOT NULL)");
    q(&mut a, "INSERT INTO c VALUES (1, 0)");

    for action in ["DO NOTHING", "DO UPDATE SET n = c.n + 1"] {
        // A row inserted after the snapshot.
        q(
            &mut a,
            "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1 FROM c",
        );
        q(&mut b, "INSERT INTO c VALUES (7, 0)");
        let r = try_q(
            &mut a,
            &format!("INSERT INTO c VALUES (7, 1) ON CONFLICT (k) {action}"),
        );
        assert!(
            r.as_ref().is_err_and(|c| c.starts_with("40001")),
            "{action}: {r:?}"
        );
        q(&mut a, "ROLLBACK");
        q(&mut b, "DELETE FROM c WHERE k = 7");

        // A row updated after the snapshot.
        q(
            &mut a,
            "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1 FROM c",
        );
        q(&mut b, "UPDATE c SET n = n + 100 WHERE k = 1");
        let r = try_q(
            &mut a,
            &format!("INSERT INTO c VALUES (1, 1) ON CONFLICT (k) {action}"),
        );
        assert!(
            r.as_ref().is_err_and(|c| c.starts_with("40001")),
            "{action}: {r:?}"
        );
        q(&mut a, "ROLLBACK");
    }
    // Rows the snapshot sees are upserted normally.
    q(&mut a, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    assert_eq!(
        q(
            &mut a,
            "INSERT INTO c VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET n = c.n + 1 RETURNING n"
        ),
        vec![vec!["201".to_string()]]
    );
    q(&mut a, "COMMIT");
}
