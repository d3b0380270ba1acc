//! Domains, enums and user operators end to end, and their durability
//! across restarts (WAL replay, then a checkpoint).

mod common;

use common::Server;

async fn one_text(c: &tokio_postgres::Client, sql: &str) -> Option<String> {
    c.query_one(sql, &[]).await.expect(sql).get(0)
}

async fn error_code(c: &tokio_postgres::Client, sql: &str) -> String {
    let err = c.batch_execute(sql).await.expect_err(sql);
    err.as_db_error()
        .map(|e| e.code().code().to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_types_survive_restart_and_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut s = Server::start(&data);
    {
        let c = s.connect().await;
        c.batch_execute(
            "CREATE DOMAIN posint AS int CHECK (VALUE > 0);
             CREATE DOMAIN tag AS text;
             CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
             CREATE TABLE t (n posint, m mood);
             INSERT INTO t VALUES (1, 'ok'), (2, 'happy');
             CREATE FUNCTION tag_eq(tag, tag) RETURNS boolean LANGUAGE sql
               AS 'SELECT lower($1::text) = lower($2::text)';
             CREATE OPERATOR = (procedure = tag_eq, leftarg = tag, rightarg = tag);",
        )
        .await
        .expect("create user types");
        assert_eq!(error_code(&c, "SELECT (-1)::posint").await, "23514");
        assert_eq!(
            error_code(&c, "INSERT INTO t VALUES (0, 'ok')").await,
            "23514"
        );
        assert_eq!(error_code(&c, "SELECT 'meh'::mood").await, "22P02");
    }
    assert!(s.stop().success(), "{}", s.log());

    // Replayed from the WAL.
    let mut s = Server::start(&data);
    {
        let c = s.connect().await;
        assert_eq!(error_code(&c, "SELECT 0::posint").await, "23514");
        assert_eq!(
            one_text(
                &c,
                "SELECT CASE WHEN 'A'::tag = 'a'::tag THEN 'eq' ELSE 'ne' END"
            )
            .await,
            Some("eq".into())
        );
        assert_eq!(
            one_text(&c, "SELECT string_agg(m::text, ',') FROM t WHERE m > 'ok'").await,
            Some("happy".into())
        );
        c.batch_execute(
            "DROP OPERATOR = (tag, tag);
             CREATE TYPE color AS ENUM ('red', 'green');
             CHECKPOINT;",
        )
        .await
        .expect("drop operator, checkpoint");
    }
    assert!(s.stop().success(), "{}", s.log());

    // Loaded from the checkpoint.
    let s = Server::start(&data);
    let c = s.connect().await;
    assert_eq!(
        error_code(&c, "INSERT INTO t VALUES (-5, 'ok')").await,
        "23514"
    );
    assert_eq!(
        one_text(
            &c,
            "SELECT CASE WHEN 'A'::tag = 'a'::tag THEN 'eq' ELSE 'ne' END"
        )
        .await,
        Some("ne".into())
    );
    assert_eq!(
        one_text(&c, "SELECT enum_range(NULL::color)::text").await,
        Some("{red,green}".into())
    );
    assert_eq!(
        one_text(&c, "SELECT string_agg(n::text, ',' ORDER BY m DESC) FROM t").await,
        Some("2,1".into())
    );
}
