//! tokio-postgres against the real binary: both protocols, binary
//! parameters and results, transactions, errors, COPY.

mod common;

use common::Server;
use futures::SinkExt;
use tokio_postgres::SimpleQueryMessage;
use tokio_postgres::error::SqlState;

fn server() -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Server::start(&dir.path().join("data"));
    (s, dir)
}

fn first_value(msgs: &[SimpleQueryMessage]) -> Option<String> {
    msgs.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_query_select_one() {
    let (s, _d) = server();
    let c = s.connect().await;
    let msgs = c.simple_query("SELECT 1").await.expect("select 1");
    assert_eq!(first_value(&msgs).as_deref(), Some("1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_query_with_binary_params() {
    let (s, _d) = server();
    let c = s.connect().await;
    let row = c
        .query_one(
            "SELECT $1::int4 + 1, $2::text, $3::int8",
            &[&41i32, &"hi", &7i64],
        )
        .await
        .expect("query");
    assert_eq!(row.get::<_, i32>(0), 42);
    assert_eq!(row.get::<_, String>(1), "hi");
    assert_eq!(row.get::<_, i64>(2), 7);
    let stmt = c.prepare("SELECT $1::int4 * 2").await.expect("prepare");
    for i in 0..5i32 {
        let row = c.query_one(&stmt, &[&i]).await.expect("execute");
        assert_eq!(row.get::<_, i32>(0), i * 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_commit_and_rollback() {
    let (s, _d) = server();
    let mut c = s.connect().await;
    c.batch_execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
        .await
        .expect("create");
    let tx = c.transaction().await.expect("begin");
    tx.execute("INSERT INTO t VALUES ($1, $2)", &[&1i32, &"one"])
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    let tx = c.transaction().await.expect("begin");
    tx.execute("INSERT INTO t VALUES (2, 'two')", &[])
        .await
        .expect("insert");
    tx.rollback().await.expect("rollback");
    let rows = c
        .query("SELECT id, v FROM t ORDER BY id", &[])
        .await
        .expect("select");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, i32>(0), 1);
    assert_eq!(rows[0].get::<_, String>(1), "one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_carry_sqlstate_and_keep_connection_usable() {
    let (s, _d) = server();
    let c = s.connect().await;
    let e = c
        .simple_query("SELECT * FROM no_such_table")
        .await
        .expect_err("undefined table");
    assert_eq!(e.code(), Some(&SqlState::UNDEFINED_TABLE), "{e:?}");
    let e = c.query("SELEC 1", &[]).await.expect_err("syntax");
    assert_eq!(e.code(), Some(&SqlState::SYNTAX_ERROR), "{e:?}");
    c.batch_execute("CREATE TABLE u (id int PRIMARY KEY)")
        .await
        .expect("create");
    c.execute("INSERT INTO u VALUES (1)", &[])
        .await
        .expect("insert");
    let e = c
        .execute("INSERT INTO u VALUES (1)", &[])
        .await
        .expect_err("duplicate");
    assert_eq!(e.code(), Some(&SqlState::UNIQUE_VIOLATION), "{e:?}");
    let row = c
        .query_one("SELECT 1::int4", &[])
        .await
        .expect("still usable");
    assert_eq!(row.get::<_, i32>(0), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_in_then_select() {
    let (s, _d) = server();
    let c = s.connect().await;
    c.batch_execute("CREATE TABLE c (a int, b text)")
        .await
        .expect("create");
    let sink = c.copy_in("COPY c FROM STDIN").await.expect("copy in");
    futures::pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"1\tx\n2\ty\n"))
        .await
        .expect("data");
    sink.send(bytes::Bytes::from_static(b"3\t\\N\n"))
        .await
        .expect("data");
    let n = sink.finish().await.expect("finish");
    assert_eq!(n, 3);
    let rows = c
        .query("SELECT a, b FROM c ORDER BY a", &[])
        .await
        .expect("select");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].get::<_, Option<String>>(1), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_fetches_in_batches() {
    let (s, _d) = server();
    let mut c = s.connect().await;
    let tx = c.transaction().await.expect("begin");
    let portal = tx
        .bind("SELECT 1::int4 UNION ALL SELECT 2 UNION ALL SELECT 3", &[])
        .await
        .expect("bind");
    let a = tx.query_portal(&portal, 2).await.expect("first batch");
    let b = tx.query_portal(&portal, 2).await.expect("second batch");
    assert_eq!((a.len(), b.len()), (2, 1));
    tx.commit().await.expect("commit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_token_reaches_the_server() {
    let (s, _d) = server();
    let c = s.connect().await;
    c.cancel_token()
        .cancel_query(tokio_postgres::NoTls)
        .await
        .expect("cancel request sent");
    // An idle session is unaffected (or sees one cancelled statement).
    let _ = c.simple_query("SELECT 1").await;
    let msgs = c
        .simple_query("SELECT 2")
        .await
        .expect("usable after cancel");
    assert_eq!(first_value(&msgs).as_deref(), Some("2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_interrupts_a_lock_wait() {
    let (s, _d) = server();
    let a = s.connect().await;
    let b = s.connect().await;
    a.batch_execute("CREATE TABLE lk (id int PRIMARY KEY, v int); INSERT INTO lk VALUES (1, 0)")
        .await
        .expect("setup");
    a.batch_execute("BEGIN; UPDATE lk SET v = 1 WHERE id = 1")
        .await
        .expect("lock the row");
    let token = b.cancel_token();
    let waiter = tokio::spawn(async move {
        let r = b.batch_execute("UPDATE lk SET v = 2 WHERE id = 1").await;
        (r, b)
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    token
        .cancel_query(tokio_postgres::NoTls)
        .await
        .expect("send cancel");
    let (r, b) = tokio::time::timeout(std::time::Duration::from_secs(20), waiter)
        .await
        .expect("cancel ended the wait")
        .expect("join");
    let e = r.expect_err("cancelled");
    assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{e:?}");
    a.batch_execute("ROLLBACK").await.expect("rollback");
    b.batch_execute("UPDATE lk SET v = 3 WHERE id = 1")
        .await
        .expect("usable after cancel");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_out_text() {
    let (s, _d) = server();
    let c = s.connect().await;
    c.batch_execute("CREATE TABLE co (a int, b text); INSERT INTO co VALUES (1, 'x'), (2, NULL)")
        .await
        .expect("setup");
    let stream = c.copy_out("COPY co TO STDOUT").await.expect("copy out");
    futures::pin_mut!(stream);
    let mut out = Vec::new();
    while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
        out.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(String::from_utf8_lossy(&out), "1\tx\n2\t\\N\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_round_trip_of_common_types() {
    let (s, _d) = server();
    let c = s.connect().await;
    let row = c
        .query_one(
            "SELECT $1::bool, $2::int2, $3::float8, $4::bytea, $5::varchar",
            &[&true, &7i16, &1.5f64, &vec![0u8, 1, 255], &"v"],
        )
        .await
        .expect("round trip");
    assert!(row.get::<_, bool>(0));
    assert_eq!(row.get::<_, i16>(1), 7);
    assert_eq!(row.get::<_, f64>(2), 1.5);
    assert_eq!(row.get::<_, Vec<u8>>(3), vec![0u8, 1, 255]);
    assert_eq!(row.get::<_, String>(4), "v");
    let null: Option<i32> = c
        .query_one("SELECT $1::int4", &[&None::<i32>])
        .await
        .expect("null param")
        .get(0);
    assert_eq!(null, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_queries() {
    let (s, _d) = server();
    let c = s.connect().await;
    let stmt = c.prepare("SELECT $1::int4 + 0").await.expect("prepare");
    let futs = (0..20i32).map(|i| {
        let c = &c;
        let stmt = &stmt;
        async move { c.query_one(stmt, &[&i]).await.map(|r| r.get::<_, i32>(0)) }
    });
    let got: Vec<i32> = futures::future::try_join_all(futs).await.expect("pipeline");
    assert_eq!(got, (0..20).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untyped_parameter_travels_as_text() {
    let (s, _d) = server();
    let c = s.connect().await;
    let stmt = c.prepare("SELECT $1").await.expect("prepare");
    assert_eq!(stmt.params()[0], tokio_postgres::types::Type::TEXT);
    let row = c.query_one(&stmt, &[&"hello"]).await.expect("execute");
    assert_eq!(row.get::<_, String>(0), "hello");
}
