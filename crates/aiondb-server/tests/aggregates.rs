//! User aggregates end to end: CREATE AGGREGATE over built-in and user
//! support functions, calls with GROUP BY, and durability across restarts
//! (WAL replay, then a checkpoint) of creation, replacement, renaming,
//! comments and drops.

mod common;

use common::Server;

async fn one_i64(c: &tokio_postgres::Client, sql: &str) -> Option<i64> {
    c.query_one(sql, &[]).await.expect(sql).get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregates_survive_restart_and_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut s = Server::start(&data);
    {
        let c = s.connect().await;
        c.batch_execute(
            "CREATE TABLE t (g int, x int8);
             INSERT INTO t VALUES (1, 1), (1, 2), (2, 10), (2, NULL);
             CREATE AGGREGATE mycount (*) (sfunc = int8inc, stype = int8, initcond = '0');
             CREATE FUNCTION add_sq(int8, int8) RETURNS int8 LANGUAGE sql STRICT
               AS 'SELECT $1 + $2 * $2';
             CREATE AGGREGATE sumsq (int8) (sfunc = add_sq, stype = int8, initcond = '0');",
        )
        .await
        .expect("create aggregates");
        assert_eq!(one_i64(&c, "SELECT mycount(*) FROM t").await, Some(4));
        assert_eq!(one_i64(&c, "SELECT sumsq(x) FROM t").await, Some(105));
        let rows = c
            .query("SELECT g, sumsq(x) FROM t GROUP BY g ORDER BY g", &[])
            .await
            .expect("group by");
        let got: Vec<(i32, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        assert_eq!(got, vec![(1, 5), (2, 100)]);
    }
    assert!(s.stop().success(), "{}", s.log());

    // Replayed from the WAL.
    let mut s = Server::start(&data);
    {
        let c = s.connect().await;
        assert_eq!(one_i64(&c, "SELECT mycount(*) FROM t").await, Some(4));
        assert_eq!(one_i64(&c, "SELECT sumsq(x) FROM t").await, Some(105));
        let err = c
            .batch_execute("DROP FUNCTION add_sq(int8, int8)")
            .await
            .expect_err("in use");
        assert_eq!(err.as_db_error().map(|e| e.code().code()), Some("2BP01"));
        c.batch_execute(
            "CREATE OR REPLACE AGGREGATE mycount (*) (sfunc = int8inc, stype = int8, initcond = '100');
             ALTER AGGREGATE sumsq (int8) RENAME TO squares;
             COMMENT ON AGGREGATE squares (int8) IS 'sum of squares';
             CREATE AGGREGATE doomed (int8) (sfunc = int8pl, stype = int8);
             DROP AGGREGATE doomed (int8);
             CHECKPOINT;",
        )
        .await
        .expect("replace, rename, comment, drop, checkpoint");
    }
    assert!(s.stop().success(), "{}", s.log());

    // Loaded from the checkpoint.
    let s = Server::start(&data);
    let c = s.connect().await;
    assert_eq!(one_i64(&c, "SELECT mycount(*) FROM t").await, Some(104));
    assert_eq!(one_i64(&c, "SELECT squares(x) FROM t").await, Some(105));
    let comment: String = c
        .query_one(
            "SELECT d.description FROM pg_description d JOIN pg_proc p ON p.oid = d.objoid WHERE p.proname = 'squares'",
            &[],
        )
        .await
        .expect("comment")
        .get(0);
    assert_eq!(comment, "sum of squares");
    for gone in ["SELECT sumsq(x) FROM t", "SELECT doomed(x) FROM t"] {
        let err = c.query_one(gone, &[]).await.expect_err(gone);
        assert_eq!(err.as_db_error().map(|e| e.code().code()), Some("42883"));
    }
}
