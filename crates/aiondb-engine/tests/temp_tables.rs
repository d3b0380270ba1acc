//! TEMPORARY tables end to end: visible only to the session that made
//! them, searched before the permanent schemas (shadowing), qualified by
//! `pg_temp`, dropped when the session ends, and removed at the next start
//! when a session never got to end (a crash).

mod common;
use common::{engine, err, q, rows, session};

#[test]
fn visible_only_to_the_creating_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut a = session(&e);
    let mut b = session(&e);
    q(&mut a, "CREATE TEMP TABLE t (id int PRIMARY KEY, v text)");
    q(&mut a, "INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    assert_eq!(q(&mut a, "SELECT count(*) FROM t"), rows(&[&["2"]]));
    assert_eq!(err(&mut b, "SELECT * FROM t"), "42P01");
    assert_eq!(err(&mut b, "SELECT * FROM pg_temp.t"), "42P01");
    // The other session may have its own table of the same name.
    q(&mut b, "CREATE TEMPORARY TABLE t (x int)");
    q(&mut b, "INSERT INTO t VALUES (7)");
    assert_eq!(q(&mut b, "SELECT * FROM t"), rows(&[&["7"]]));
    assert_eq!(q(&mut a, "SELECT count(*) FROM pg_temp.t"), rows(&[&["2"]]));
    // Indexes on temporary tables work like any other.
    q(&mut a, "CREATE INDEX t_v ON t (v)");
    assert_eq!(q(&mut a, "SELECT id FROM t WHERE v = 'b'"), rows(&[&["2"]]));
    assert_eq!(
        q(
            &mut a,
            "SELECT c.relpersistence, n.nspname LIKE 'pg_temp_%' FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 't_v'"
        ),
        rows(&[&["t", "t"]])
    );
}

#[test]
fn shadows_a_permanent_table_and_ordinary_create_stays_permanent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut a = session(&e);
    let mut b = session(&e);
    q(
        &mut a,
        "CREATE TABLE t (v text); INSERT INTO t VALUES ('perm')",
    );
    q(
        &mut a,
        "CREATE LOCAL TEMP TABLE t (v text); INSERT INTO t VALUES ('temp')",
    );
    assert_eq!(q(&mut a, "SELECT v FROM t"), rows(&[&["temp"]]));
    assert_eq!(q(&mut a, "SELECT v FROM public.t"), rows(&[&["perm"]]));
    assert_eq!(q(&mut b, "SELECT v FROM t"), rows(&[&["perm"]]));
    // A CREATE without TEMP goes to public even with the temp schema present.
    q(&mut a, "CREATE TABLE u (x int)");
    assert_eq!(q(&mut b, "SELECT count(*) FROM u"), rows(&[&["0"]]));
    // pg_temp.name creates a temporary table.
    q(&mut a, "CREATE TABLE pg_temp.w (x int)");
    assert_eq!(err(&mut b, "SELECT * FROM w"), "42P01");
    assert_eq!(err(&mut a, "CREATE TEMP TABLE public.z (x int)"), "42P16");
    // Dropping the temporary one uncovers the permanent one.
    q(&mut a, "DROP TABLE t");
    assert_eq!(q(&mut a, "SELECT v FROM t"), rows(&[&["perm"]]));
}

#[test]
fn create_as_and_select_into_temp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut a = session(&e);
    let mut b = session(&e);
    q(&mut a, "CREATE TEMP TABLE c AS SELECT 1 AS x");
    q(&mut a, "SELECT 2 AS y INTO TEMP d");
    q(&mut a, "CREATE TEMP VIEW v AS SELECT x FROM c");
    assert_eq!(q(&mut a, "SELECT x FROM v"), rows(&[&["1"]]));
    assert_eq!(q(&mut a, "SELECT y FROM d"), rows(&[&["2"]]));
    assert_eq!(err(&mut b, "SELECT * FROM c"), "42P01");
    assert_eq!(err(&mut b, "SELECT * FROM d"), "42P01");
    assert_eq!(err(&mut b, "SELECT * FROM v"), "42P01");
}

#[test]
fn on_commit_actions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut a = session(&e);
    q(
        &mut a,
        "CREATE TEMP TABLE p (x int) ON COMMIT PRESERVE ROWS;
         BEGIN; INSERT INTO p VALUES (1); COMMIT;",
    );
    assert_eq!(q(&mut a, "SELECT x FROM p"), rows(&[&["1"]]));
    assert_eq!(
        err(&mut a, "CREATE TEMP TABLE d (x int) ON COMMIT DELETE ROWS"),
        "0A000"
    );
    assert_eq!(
        err(&mut a, "CREATE TEMP TABLE d (x int) ON COMMIT DROP"),
        "0A000"
    );
    assert_eq!(
        err(&mut a, "CREATE TABLE d (x int) ON COMMIT PRESERVE ROWS"),
        "42P16"
    );
    // A temporary table created in a rolled-back transaction is gone.
    q(&mut a, "BEGIN; CREATE TEMP TABLE r (x int); ROLLBACK");
    assert_eq!(err(&mut a, "SELECT * FROM r"), "42P01");
}

#[test]
fn dropped_when_the_session_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut a = session(&e);
    q(
        &mut a,
        "CREATE TEMP TABLE t (id serial PRIMARY KEY, v text)",
    );
    q(&mut a, "INSERT INTO t (v) VALUES ('x')");
    let mut b = session(&e);
    let temp_schemas = "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pg_temp_%'";
    assert_eq!(q(&mut b, temp_schemas), rows(&[&["1"]]));
    drop(a);
    assert_eq!(q(&mut b, temp_schemas), rows(&[&["0"]]));
    assert_eq!(
        q(
            &mut b,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        rows(&[&["0"]])
    );
}

#[test]
fn leftovers_of_a_crash_are_removed_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let crashed = tempfile::tempdir().expect("tempdir");
    {
        let e = engine(dir.path());
        let mut a = session(&e);
        q(
            &mut a,
            "CREATE TABLE keep (x int); INSERT INTO keep VALUES (1)",
        );
        q(
            &mut a,
            "CREATE TEMP TABLE t (x int); INSERT INTO t VALUES (1); CREATE INDEX ON t (x)",
        );
        // The files as a crash now would leave them: the session never
        // got to drop its schema.
        copy_dir(dir.path(), crashed.path());
    }
    let e = engine(crashed.path());
    let mut s = session(&e);
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pg_temp_%'"
        ),
        rows(&[&["0"]])
    );
    assert_eq!(q(&mut s, "SELECT x FROM keep"), rows(&[&["1"]]));
    // A checkpointed restart stays clean as well.
    e.checkpoint().expect("checkpoint");
    drop(s);
    drop(e);
    let e = engine(crashed.path());
    let mut s = session(&e);
    assert_eq!(
        q(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
        rows(&[&["0"]])
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
