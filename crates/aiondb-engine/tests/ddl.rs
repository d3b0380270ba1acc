//! DDL end to end: foreign keys and ALTER TABLE survive a restart (WAL
//! replay and checkpoint), and a referencing insert racing a delete of the
//! referenced row never leaves an orphan.

mod common;
use aiondb_engine::Session;
use common::{engine, err, q, session};
use std::time::Duration;

fn schema(s: &mut Session) {
    q(
        s,
        "CREATE TABLE p (id int PRIMARY KEY, name text);
         CREATE TABLE c (cid int PRIMARY KEY, p_id int REFERENCES p ON DELETE CASCADE,
                         q_id int, FOREIGN KEY (q_id) REFERENCES p (id));
         INSERT INTO p VALUES (1, 'one'), (2, 'two');
         INSERT INTO c VALUES (10, 1, NULL), (20, 2, 1);",
    );
}

fn foreign_keys_enforced(s: &mut Session) {
    assert_eq!(err(s, "INSERT INTO c VALUES (30, 9, NULL)"), "23503");
    // Row 20 references p 1 through q_id (NO ACTION).
    assert_eq!(err(s, "DELETE FROM p WHERE id = 1"), "23503");
    assert_eq!(err(s, "DROP TABLE p"), "2BP01");
    // ON DELETE CASCADE through p_id.
    q(s, "DELETE FROM p WHERE id = 2");
    assert_eq!(
        q(s, "SELECT cid FROM c ORDER BY cid"),
        vec![vec!["10".to_string()]]
    );
}

#[test]
fn foreign_keys_survive_wal_replay() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let e = engine(dir.path());
        let mut s = session(&e);
        schema(&mut s);
        drop(s);
        e.shutdown().expect("shutdown");
    }
    let e = engine(dir.path());
    let mut s = session(&e);
    foreign_keys_enforced(&mut s);
}

#[test]
fn foreign_keys_survive_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let e = engine(dir.path());
        let mut s = session(&e);
        schema(&mut s);
        e.checkpoint().expect("checkpoint");
        drop(s);
        e.shutdown().expect("shutdown");
    }
    let e = engine(dir.path());
    let mut s = session(&e);
    foreign_keys_enforced(&mut s);
}

#[test]
fn alter_table_survives_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let e = engine(dir.path());
        let mut s = session(&e);
        schema(&mut s);
        q(
            &mut s,
            "ALTER TABLE p ADD COLUMN extra int NOT NULL DEFAULT 5;
             ALTER TABLE p DROP COLUMN name;
             ALTER TABLE c RENAME COLUMN q_id TO other;
             ALTER TABLE c ADD CONSTRAINT small CHECK (cid < 100);",
        );
        drop(s);
        e.shutdown().expect("shutdown");
    }
    let e = engine(dir.path());
    let mut s = session(&e);
    assert_eq!(
        q(&mut s, "SELECT * FROM p ORDER BY id"),
        vec![
            vec!["1".to_string(), "5".to_string()],
            vec!["2".to_string(), "5".to_string()]
        ]
    );
    assert_eq!(err(&mut s, "INSERT INTO c VALUES (200, 1, NULL)"), "23514");
    assert_eq!(err(&mut s, "INSERT INTO c VALUES (30, 1, 7)"), "23503");
    foreign_keys_enforced(&mut s);
}

/// Runs `sql` on another thread; the result code ("" for success).
fn in_background(mut s: Session, sql: &'static str) -> std::thread::JoinHandle<(Session, String)> {
    std::thread::spawn(move || {
        let mut code = String::new();
        for r in s.simple_query(sql) {
            if let Err(e) = r {
                code = e.code.code().to_string();
            }
        }
        (s, code)
    })
}

#[test]
fn insert_racing_delete_leaves_no_orphan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut a = session(&e);
    let b = session(&e);
    q(
        &mut a,
        "CREATE TABLE p (id int PRIMARY KEY);
         CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p);
         INSERT INTO p VALUES (1), (2);",
    );
    // The child first: the delete waits for it, then sees the child.
    q(&mut a, "BEGIN; INSERT INTO c VALUES (1, 1);");
    let deleting = in_background(b, "DELETE FROM p WHERE id = 1");
    std::thread::sleep(Duration::from_millis(300));
    q(&mut a, "COMMIT");
    let (mut b, code) = deleting.join().expect("join");
    assert_eq!(code, "23503");
    // The delete first: the insert waits for it, then misses the parent.
    q(&mut b, "BEGIN; DELETE FROM p WHERE id = 2;");
    let inserting = in_background(a, "INSERT INTO c VALUES (2, 2)");
    std::thread::sleep(Duration::from_millis(300));
    q(&mut b, "COMMIT");
    let (mut a, code) = inserting.join().expect("join");
    assert_eq!(code, "23503");
    assert_eq!(
        q(
            &mut a,
            "SELECT c.id FROM c LEFT JOIN p ON p.id = c.p_id WHERE p.id IS NULL"
        ),
        Vec::<Vec<String>>::new()
    );
}
