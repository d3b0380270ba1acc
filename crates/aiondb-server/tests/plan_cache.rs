//! Prepared statements are bound once and reused (the engine's plan
//! cache); DDL, search_path changes and rolled-back DDL must invalidate
//! the binding so every Execute gives what a fresh bind gives, as
//! PostgreSQL re-plans.

mod common;

use common::Server;
use tokio_postgres::SimpleQueryMessage;
use tokio_postgres::error::SqlState;

fn server() -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Server::start(&dir.path().join("data"));
    (s, dir)
}

fn values(msgs: &[SimpleQueryMessage]) -> Vec<Vec<Option<String>>> {
    msgs.iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect()
}

async fn texts(
    c: &tokio_postgres::Client,
    stmt: &tokio_postgres::Statement,
    a: i32,
) -> Result<Vec<String>, tokio_postgres::Error> {
    let rows = c.query(stmt, &[&a]).await?;
    Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
}

fn code(e: &tokio_postgres::Error) -> Option<&SqlState> {
    e.code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_and_recreate_table_rebinds() {
    let (s, _d) = server();
    let c = s.connect().await;
    c.batch_execute("CREATE TABLE t (a int, v text); INSERT INTO t VALUES (1, 'old')")
        .await
        .expect("setup");
    let stmt = c
        .prepare("SELECT v FROM t WHERE a = $1")
        .await
        .expect("prepare");
    assert_eq!(texts(&c, &stmt, 1).await.expect("first"), ["old"]);
    assert_eq!(texts(&c, &stmt, 1).await.expect("cached"), ["old"]);
    // Same result type, other table (and other column positions).
    c.batch_execute(
        "DROP TABLE t; CREATE TABLE t (x int, a int, v text); INSERT INTO t VALUES (0, 1, 'new')",
    )
    .await
    .expect("recreate");
    assert_eq!(texts(&c, &stmt, 1).await.expect("after"), ["new"]);
    c.batch_execute("DROP TABLE t").await.expect("drop");
    let e = texts(&c, &stmt, 1).await.expect_err("table is gone");
    assert_eq!(code(&e), Some(&SqlState::UNDEFINED_TABLE));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alter_table_rebinds_and_select_star_must_not_change_type() {
    let (s, _d) = server();
    let c = s.connect().await;
    c.batch_execute("CREATE TABLE t (a int, b int, v text); INSERT INTO t VALUES (1, 2, 'x')")
        .await
        .expect("setup");
    let named = c
        .prepare("SELECT v FROM t WHERE a = $1")
        .await
        .expect("prepare");
    let star = c.prepare("SELECT * FROM t").await.expect("prepare *");
    assert_eq!(texts(&c, &named, 1).await.expect("first"), ["x"]);
    assert_eq!(c.query(&star, &[]).await.expect("star").len(), 1);
    // v moves from position 2 to 1: a stale plan would read the wrong column.
    c.batch_execute("ALTER TABLE t DROP COLUMN b; ALTER TABLE t ADD COLUMN c int")
        .await
        .expect("alter");
    assert_eq!(texts(&c, &named, 1).await.expect("after alter"), ["x"]);
    let e = c.query(&star, &[]).await.expect_err("result type changed");
    assert_eq!(code(&e), Some(&SqlState::FEATURE_NOT_SUPPORTED));
    assert_eq!(
        e.as_db_error().map(|d| d.message()),
        Some("cached plan must not change result type")
    );
    // It keeps failing, as in PostgreSQL; a new statement works.
    let e = c.query(&star, &[]).await.expect_err("still changed");
    assert_eq!(code(&e), Some(&SqlState::FEATURE_NOT_SUPPORTED));
    let star2 = c.prepare("SELECT * FROM t").await.expect("prepare again");
    assert_eq!(c.query(&star2, &[]).await.expect("new").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_path_and_shadowing_table_rebind() {
    let (s, _d) = server();
    let c = s.connect().await;
    c.batch_execute(
        "CREATE SCHEMA s1; CREATE TABLE public.t (a int, v text); \
         INSERT INTO public.t VALUES (1, 'public'); SET search_path = s1, public",
    )
    .await
    .expect("setup");
    let stmt = c
        .prepare("SELECT v FROM t WHERE a = $1")
        .await
        .expect("prepare");
    assert_eq!(texts(&c, &stmt, 1).await.expect("first"), ["public"]);
    c.batch_execute("CREATE TABLE s1.t (a int, v text); INSERT INTO s1.t VALUES (1, 's1')")
        .await
        .expect("shadow");
    assert_eq!(texts(&c, &stmt, 1).await.expect("shadowed"), ["s1"]);
    c.batch_execute("SET search_path = public")
        .await
        .expect("set");
    assert_eq!(texts(&c, &stmt, 1).await.expect("public again"), ["public"]);
    c.batch_execute("SET search_path = s1, public")
        .await
        .expect("set");
    assert_eq!(texts(&c, &stmt, 1).await.expect("s1 again"), ["s1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncommitted_ddl_and_rollback_rebind() {
    let (s, _d) = server();
    let mut c = s.connect().await;
    c.batch_execute("CREATE TABLE t (a int, v text); INSERT INTO t VALUES (1, 'committed')")
        .await
        .expect("setup");
    let stmt = c
        .prepare("SELECT v FROM t WHERE a = $1")
        .await
        .expect("prepare");
    assert_eq!(texts(&c, &stmt, 1).await.expect("first"), ["committed"]);
    let tx = c.transaction().await.expect("begin");
    tx.batch_execute(
        "DROP TABLE t; CREATE TABLE t (x int, a int, v text); INSERT INTO t VALUES (0, 1, 'in txn')",
    )
    .await
    .expect("ddl in txn");
    let rows = tx.query(&stmt, &[&1i32]).await.expect("in txn");
    assert_eq!(rows[0].get::<_, String>(0), "in txn");
    // A second DDL in the same transaction is seen too.
    tx.batch_execute("ALTER TABLE t DROP COLUMN x")
        .await
        .expect("alter in txn");
    let rows = tx.query(&stmt, &[&1i32]).await.expect("after second ddl");
    assert_eq!(rows[0].get::<_, String>(0), "in txn");
    tx.rollback().await.expect("rollback");
    assert_eq!(
        texts(&c, &stmt, 1).await.expect("rolled back"),
        ["committed"]
    );
    // Savepoints: DDL rolled back to a savepoint.
    let tx = c.transaction().await.expect("begin");
    tx.batch_execute("SAVEPOINT sp; DROP TABLE t; CREATE TABLE t (v text, a int); INSERT INTO t VALUES ('sp', 1)")
        .await
        .expect("savepoint ddl");
    let rows = tx.query(&stmt, &[&1i32]).await.expect("in savepoint");
    assert_eq!(rows[0].get::<_, String>(0), "sp");
    tx.batch_execute("ROLLBACK TO SAVEPOINT sp")
        .await
        .expect("rollback to");
    let rows = tx.query(&stmt, &[&1i32]).await.expect("after rollback to");
    assert_eq!(rows[0].get::<_, String>(0), "committed");
    tx.commit().await.expect("commit");
    assert_eq!(
        texts(&c, &stmt, 1).await.expect("after commit"),
        ["committed"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_dml_enforces_later_constraints() {
    let (s, _d) = server();
    let c = s.connect().await;
    c.batch_execute("CREATE TABLE t (a int, v text)")
        .await
        .expect("setup");
    let ins = c
        .prepare("INSERT INTO t VALUES ($1, $2)")
        .await
        .expect("prepare insert");
    let upd = c
        .prepare("UPDATE t SET a = $1 WHERE v = $2")
        .await
        .expect("prepare update");
    c.execute(&ins, &[&1i32, &"one"]).await.expect("insert");
    c.execute(&upd, &[&5i32, &"one"]).await.expect("update");
    c.batch_execute("ALTER TABLE t ADD CONSTRAINT pos CHECK (a > 0)")
        .await
        .expect("check");
    let e = c.execute(&ins, &[&-1i32, &"neg"]).await.expect_err("check");
    assert_eq!(code(&e), Some(&SqlState::CHECK_VIOLATION));
    let e = c.execute(&upd, &[&-1i32, &"one"]).await.expect_err("check");
    assert_eq!(code(&e), Some(&SqlState::CHECK_VIOLATION));
    c.batch_execute("CREATE UNIQUE INDEX t_a ON t (a)")
        .await
        .expect("unique");
    let e = c.execute(&ins, &[&5i32, &"dup"]).await.expect_err("unique");
    assert_eq!(code(&e), Some(&SqlState::UNIQUE_VIOLATION));
    c.execute(&ins, &[&6i32, &"six"]).await.expect("insert ok");
    let e = c.execute(&upd, &[&6i32, &"one"]).await.expect_err("unique");
    assert_eq!(code(&e), Some(&SqlState::UNIQUE_VIOLATION));
    c.batch_execute("ALTER TABLE t ALTER COLUMN v SET NOT NULL")
        .await
        .expect("not null");
    let e = c
        .execute(&ins, &[&7i32, &None::<&str>])
        .await
        .expect_err("not null");
    assert_eq!(code(&e), Some(&SqlState::NOT_NULL_VIOLATION));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_prepare_execute_rebinds() {
    let (s, _d) = server();
    let c = s.connect().await;
    c.batch_execute(
        "CREATE TABLE t (a int, v text); INSERT INTO t VALUES (1, 'old'); \
         PREPARE p(int) AS SELECT v FROM t WHERE a = $1; PREPARE star AS SELECT * FROM t",
    )
    .await
    .expect("setup");
    let q = |sql: &'static str| {
        let c = &c;
        async move { c.simple_query(sql).await }
    };
    let v = |m: Result<Vec<SimpleQueryMessage>, tokio_postgres::Error>| values(&m.expect("query"));
    assert_eq!(v(q("EXECUTE p(1)").await), [[Some("old".to_string())]]);
    assert_eq!(v(q("EXECUTE star").await).len(), 1);
    c.batch_execute(
        "DROP TABLE t; CREATE TABLE t (x int, a int, v text); INSERT INTO t VALUES (0, 1, 'new')",
    )
    .await
    .expect("recreate");
    assert_eq!(v(q("EXECUTE p(1)").await), [[Some("new".to_string())]]);
    let e = q("EXECUTE star").await.expect_err("result type changed");
    assert_eq!(code(&e), Some(&SqlState::FEATURE_NOT_SUPPORTED));
    c.batch_execute("CREATE SCHEMA s1; CREATE TABLE s1.t (a int, v text); INSERT INTO s1.t VALUES (1, 's1'); SET search_path = s1, public")
        .await
        .expect("shadow");
    assert_eq!(v(q("EXECUTE p(1)").await), [[Some("s1".to_string())]]);
}
