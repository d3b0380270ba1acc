//! Process lifecycle: clean shutdown and restart, the data-directory lock,
//! the metrics/health endpoint, and SCRAM authentication.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::Server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_sigterm_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut s = Server::start(&data);
    {
        let c = s.connect().await;
        c.batch_execute("CREATE TABLE kept (id int PRIMARY KEY, v text); INSERT INTO kept VALUES (1, 'x'), (2, 'y')")
            .await
            .expect("write");
    }
    let status = s.stop();
    assert!(status.success(), "exit {status}\n{}", s.log());
    let log = s.log();
    assert!(log.contains("ready to accept connections"), "{log}");
    assert!(log.contains("shutdown complete"), "{log}");

    let s2 = Server::start(&data);
    assert!(s2.log().contains("recovery"), "{}", s2.log());
    let c = s2.connect().await;
    let rows = c
        .query("SELECT v FROM kept ORDER BY id", &[])
        .await
        .expect("read after restart");
    let vals: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(vals, ["x", "y"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_transaction_rolls_back_on_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut s = Server::start(&data);
    let c = s.connect().await;
    c.batch_execute("CREATE TABLE t (id int)")
        .await
        .expect("create");
    c.batch_execute("BEGIN; INSERT INTO t VALUES (1)")
        .await
        .expect("open tx");
    let status = s.stop();
    assert!(status.success(), "exit {status}\n{}", s.log());
    // The client was told why.
    assert!(c.simple_query("SELECT 1").await.is_err());
    drop(c);
    let s2 = Server::start(&data);
    let c = s2.connect().await;
    let row = c
        .query_one("SELECT count(*) FROM t", &[])
        .await
        .expect("count");
    assert_eq!(row.get::<_, i64>(0), 0);
}

#[test]
fn second_server_on_same_data_dir_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let _first = Server::start(&data);
    let port = common::free_port().to_string();
    let (status, out) = common::run_to_exit(
        &["--data-dir", &data.to_string_lossy(), "--port", &port],
        &[],
    );
    assert!(!status.success(), "second server started:\n{out}");
    let lower = out.to_lowercase();
    assert!(lower.contains("in use") || lower.contains("lock"), "{out}");
    assert!(
        lower.contains(&data.to_string_lossy().to_lowercase()),
        "names the directory: {out}"
    );
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect metrics");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").expect("request");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn metrics_and_health_endpoints() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mport = common::free_port();
    let s = Server::start_with(
        &dir.path().join("data"),
        &["--metrics-port", &mport.to_string()],
        &[],
    );
    let (ok, _, err) = s.psql(&["-c", "SELECT 1"]);
    assert!(ok, "{err}");
    let health = http_get(mport, "/health");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let metrics = http_get(mport, "/metrics");
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(metrics.contains("aiondb_connections_total"), "{metrics}");
    assert!(http_get(mport, "/nope").starts_with("HTTP/1.1 404"));
}

async fn connect_err(conninfo: &str) -> tokio_postgres::Error {
    match tokio_postgres::connect(conninfo, tokio_postgres::NoTls).await {
        Ok(_) => panic!("connection should have been refused: {conninfo}"),
        Err(e) => e,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_authentication() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut s = Server::start(&data);
    {
        let c = s.connect().await;
        c.batch_execute(
            "CREATE ROLE alice LOGIN PASSWORD 'wonderland'; \
             CREATE USER bob PASSWORD 'builder'; \
             CREATE ROLE carol LOGIN PASSWORD 'first'; \
             ALTER ROLE carol WITH PASSWORD 'second'",
        )
        .await
        .expect("roles with passwords");
        let stored = c
            .query_one(
                "SELECT rolpassword FROM pg_authid WHERE rolname = 'alice'",
                &[],
            )
            .await
            .ok()
            .map(|r| r.get::<_, String>(0));
        if let Some(v) = stored {
            assert!(v.starts_with("SCRAM-SHA-256$4096:"), "{v}");
            assert!(!v.contains("wonderland"));
        }
    }
    assert!(s.stop().success());
    let s = Server::start_with(&data, &[], &[("AIONDB_AUTH_METHOD", "scram-sha-256")]);
    let at = |user: &str, pw: &str| {
        format!(
            "host=127.0.0.1 port={} dbname=postgres user={user} password={pw}",
            s.port
        )
    };
    for (user, pw) in [
        ("alice", "wonderland"),
        ("bob", "builder"),
        ("carol", "second"),
    ] {
        let (c, conn) = tokio_postgres::connect(&at(user, pw), tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("scram login as {user}: {e}\n{}", s.log()));
        tokio::spawn(conn);
        c.simple_query("SELECT 1").await.expect("query");
        if user == "bob" {
            // A role may change its own password, not its attributes.
            c.batch_execute("ALTER ROLE bob PASSWORD 'renovated'")
                .await
                .expect("own password");
            let e = c
                .batch_execute("ALTER ROLE bob SUPERUSER")
                .await
                .expect_err("no self-promotion");
            assert_eq!(e.code().map(|c| c.code()), Some("42501"), "{e:?}");
        }
    }
    for (user, pw) in [("alice", "wrong"), ("carol", "first"), ("bob", "builder")] {
        let e = connect_err(&at(user, pw)).await;
        assert_eq!(e.code().map(|c| c.code()), Some("28P01"), "{user}: {e:?}");
    }
    let (c, conn) = tokio_postgres::connect(&at("bob", "renovated"), tokio_postgres::NoTls)
        .await
        .expect("new password");
    tokio::spawn(conn);
    drop(c);
    // A role without a password and an unknown role fail like a wrong password.
    for user in ["postgres", "nobody"] {
        let e = connect_err(&at(user, "x")).await;
        assert_eq!(e.code().map(|c| c.code()), Some("28P01"), "{user}: {e:?}");
        let msg = e
            .as_db_error()
            .map(|d| d.message().to_string())
            .unwrap_or_default();
        assert_eq!(
            msg,
            format!("password authentication failed for user \"{user}\"")
        );
    }
}

#[test]
fn connections_beyond_max_connections_get_53300() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Server::start_with(
        &dir.path().join("data"),
        &[],
        &[("AIONDB_SERVER_MAX_CONNECTIONS", "2")],
    );
    let pg = [("user", "postgres"), ("database", "postgres")];
    let (_a, ma) = common::raw::Raw::startup(s.port, &pg);
    let (_b, mb) = common::raw::Raw::startup(s.port, &pg);
    assert_eq!(ma.last().map(|m| m.tag), Some(b'Z'));
    assert_eq!(mb.last().map(|m| m.tag), Some(b'Z'));
    let (_c, mc) = common::raw::Raw::startup(s.port, &pg);
    assert_eq!(mc[0].sqlstate(), "53300", "{mc:?}");
    drop(_a);
    // The slot frees up once a connection ends.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_d, md) = common::raw::Raw::startup(s.port, &pg);
        if md.last().map(|m| m.tag) == Some(b'Z') {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "slot never freed: {md:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn malformed_sasl_messages_are_refused_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Server::start_with(
        &dir.path().join("data"),
        &[],
        &[("AIONDB_AUTH_METHOD", "scram-sha-256")],
    );
    let pg = [("user", "postgres"), ("database", "postgres")];
    for body in [
        // Declared data length beyond the message.
        [&b"SCRAM-SHA-256\0"[..], &1000i32.to_be_bytes(), b"ab"].concat(),
        // Wrong mechanism.
        [&b"MD5\0"[..], &4i32.to_be_bytes(), b"abcd"].concat(),
        // Not a SCRAM client-first-message.
        [&b"SCRAM-SHA-256\0"[..], &3i32.to_be_bytes(), b"xyz"].concat(),
    ] {
        let mut c = common::raw::Raw::connect(s.port);
        c.send(&common::raw::startup_packet(&pg));
        let m = c.recv().expect("AuthenticationSASL");
        assert_eq!(m.tag, b'R');
        assert_eq!(&m.body[..4], &10i32.to_be_bytes());
        c.send(&common::raw::msg(b'p', &body));
        let m = c.recv().expect("error");
        assert_eq!(m.tag, b'E');
        assert_eq!(m.sqlstate(), "08P01", "{body:?}");
        assert_eq!(m.field(b'S').as_deref(), Some("FATAL"));
    }
    // Still serving.
    let mut c = common::raw::Raw::connect(s.port);
    c.send(&common::raw::startup_packet(&pg));
    assert_eq!(c.recv().map(|m| m.tag), Some(b'R'));
}
