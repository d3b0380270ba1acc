//! User functions and DO blocks end to end: CREATE FUNCTION in SQL and
//! PL/pgSQL, calls, STRICT, void results, RAISE EXCEPTION's SQLSTATE, and
//! durability across restarts (WAL replay, then a checkpoint).

mod common;

use common::Server;

async fn one_i32(c: &tokio_postgres::Client, sql: &str) -> Option<i32> {
    c.query_one(sql, &[]).await.expect(sql).get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_survive_restart_and_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut s = Server::start(&data);
    {
        let c = s.connect().await;
        c.batch_execute(
            "CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS 'SELECT x + 1';
             CREATE FUNCTION fact(n int) RETURNS int AS $$
             DECLARE r int := 1;
             BEGIN
               FOR i IN 2..n LOOP r := r * i; END LOOP;
               RETURN r;
             END $$ LANGUAGE plpgsql;
             CREATE TABLE log (v text);
             CREATE FUNCTION note(t text) RETURNS void LANGUAGE plpgsql AS $$
             BEGIN INSERT INTO log VALUES (t); END $$;",
        )
        .await
        .expect("create functions");
        assert_eq!(one_i32(&c, "SELECT add_one(41)").await, Some(42));
        assert_eq!(one_i32(&c, "SELECT add_one(NULL)").await, None);
        assert_eq!(one_i32(&c, "SELECT fact(5)").await, Some(120));
        let v: String = c
            .query_one("SELECT note('hi')::text", &[])
            .await
            .expect("void call")
            .get(0);
        assert_eq!(v, "");
        c.batch_execute("DO $$ BEGIN PERFORM note('from do'); END $$")
            .await
            .expect("DO");
        let err = c
            .batch_execute("DO $$ BEGIN RAISE EXCEPTION 'bad %', 7; END $$")
            .await
            .expect_err("raise");
        let db = err.as_db_error().expect("db error");
        assert_eq!(db.code().code(), "P0001");
        assert_eq!(db.message(), "bad 7");
        let n: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_proc WHERE proname IN ('add_one', 'fact', 'note')",
                &[],
            )
            .await
            .expect("pg_proc")
            .get(0);
        assert_eq!(n, 3);
    }
    assert!(s.stop().success(), "{}", s.log());

    // Replayed from the WAL.
    let mut s = Server::start(&data);
    {
        let c = s.connect().await;
        assert_eq!(one_i32(&c, "SELECT add_one(1)").await, Some(2));
        assert_eq!(one_i32(&c, "SELECT fact(4)").await, Some(24));
        c.batch_execute(
            "CREATE OR REPLACE FUNCTION add_one(x int) RETURNS int LANGUAGE sql AS 'SELECT $1 + 100';
             DROP FUNCTION note(text);
             CHECKPOINT;",
        )
        .await
        .expect("replace, drop, checkpoint");
        let logged: i64 = c
            .query_one("SELECT count(*) FROM log", &[])
            .await
            .expect("log")
            .get(0);
        assert_eq!(logged, 2);
    }
    assert!(s.stop().success(), "{}", s.log());

    // Loaded from the checkpoint.
    let s = Server::start(&data);
    let c = s.connect().await;
    assert_eq!(one_i32(&c, "SELECT add_one(1)").await, Some(101));
    assert_eq!(one_i32(&c, "SELECT fact(3)").await, Some(6));
    let err = c
        .query_one("SELECT note('gone')", &[])
        .await
        .expect_err("dropped");
    assert_eq!(err.as_db_error().map(|e| e.code().code()), Some("42883"));
}
