//! SERIALIZABLE against the real binary with two tokio-postgres sessions:
//! the classic write skew (two doctors going off call, each after checking
//! that another stays on call) is allowed under REPEATABLE READ and
//! refused with 40001 under SERIALIZABLE.

mod common;

use common::Server;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, SimpleQueryMessage};

fn server() -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Server::start(&dir.path().join("data"));
    (s, dir)
}

async fn count_on_call(c: &Client) -> i64 {
    let row = c
        .query_one("SELECT count(*) FROM doctors WHERE on_call", &[])
        .await
        .expect("count");
    row.get(0)
}

async fn setup(c: &Client) {
    c.batch_execute(
        "DROP TABLE IF EXISTS doctors;
         CREATE TABLE doctors (name text PRIMARY KEY, on_call bool NOT NULL);
         INSERT INTO doctors VALUES ('alice', true), ('bob', true);",
    )
    .await
    .expect("setup");
}

/// Both sessions read, then both write and commit. Returns the outcome of
/// each COMMIT (or of the write, if that already failed).
async fn write_skew(
    a: &Client,
    b: &Client,
    level: &str,
) -> (Result<(), SqlState>, Result<(), SqlState>) {
    a.batch_execute(&format!("BEGIN ISOLATION LEVEL {level}"))
        .await
        .expect("begin a");
    b.batch_execute(&format!("BEGIN ISOLATION LEVEL {level}"))
        .await
        .expect("begin b");
    assert_eq!(count_on_call(a).await, 2);
    assert_eq!(count_on_call(b).await, 2);
    let ra = go_off_call(a, "alice").await;
    let rb = go_off_call(b, "bob").await;
    (ra, rb)
}

async fn go_off_call(c: &Client, name: &str) -> Result<(), SqlState> {
    let code = |e: tokio_postgres::Error| e.code().cloned().unwrap_or(SqlState::INTERNAL_ERROR);
    c.batch_execute(&format!(
        "UPDATE doctors SET on_call = false WHERE name = '{name}'"
    ))
    .await
    .map_err(code)?;
    c.batch_execute("COMMIT").await.map_err(code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_skew_is_allowed_under_repeatable_read() {
    let (s, _d) = server();
    let a = s.connect().await;
    let b = s.connect().await;
    setup(&a).await;
    let (ra, rb) = write_skew(&a, &b, "REPEATABLE READ").await;
    assert_eq!((ra, rb), (Ok(()), Ok(())));
    // The anomaly: nobody is on call any more.
    assert_eq!(count_on_call(&a).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_skew_is_refused_under_serializable() {
    let (s, _d) = server();
    let a = s.connect().await;
    let b = s.connect().await;
    setup(&a).await;
    let (ra, rb) = write_skew(&a, &b, "SERIALIZABLE").await;
    assert_eq!(ra, Ok(()));
    assert_eq!(rb, Err(SqlState::T_R_SERIALIZATION_FAILURE));
    // The failed transaction is gone and the session is usable again.
    b.batch_execute("ROLLBACK").await.expect("rollback b");
    assert_eq!(count_on_call(&b).await, 1);
    // Retried, it now sees alice off call and keeps bob on call.
    b.batch_execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        .await
        .expect("retry");
    assert_eq!(count_on_call(&b).await, 1);
    b.batch_execute("COMMIT").await.expect("commit retry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serializable_error_carries_postgres_text_and_default_level_applies() {
    let (s, _d) = server();
    let a = s.connect().await;
    let b = s.connect().await;
    setup(&a).await;
    b.batch_execute("SET default_transaction_isolation = serializable")
        .await
        .expect("set default");
    let level = b
        .simple_query("SHOW transaction_isolation")
        .await
        .expect("show");
    let shown = level.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
        _ => None,
    });
    assert_eq!(shown.as_deref(), Some("serializable"));
    b.batch_execute("BEGIN").await.expect("begin b");
    assert_eq!(count_on_call(&b).await, 2);
    a.batch_execute("UPDATE doctors SET on_call = false WHERE name = 'alice'")
        .await
        .expect("concurrent write");
    b.batch_execute("INSERT INTO doctors VALUES ('carol', false)")
        .await
        .expect("insert");
    let err = b
        .batch_execute("COMMIT")
        .await
        .expect_err("commit must fail");
    let db = err.as_db_error().expect("db error");
    assert_eq!(db.code(), &SqlState::T_R_SERIALIZATION_FAILURE);
    assert_eq!(
        db.message(),
        "could not serialize access due to read/write dependencies among transactions"
    );
    assert_eq!(db.hint(), Some("The transaction might succeed if retried."));
    // Nothing of the refused transaction remains.
    let row = a
        .query_one("SELECT count(*) FROM doctors WHERE name = 'carol'", &[])
        .await
        .expect("count carol");
    assert_eq!(row.get::<_, i64>(0), 0);
}
