//! Privileges over the wire: a non-superuser logged in with SCRAM is held
//! to table and schema ACLs, default privileges and ownership; GRANTs
//! roll back with their transaction and survive a restart; DROP ROLE
//! refuses a role objects depend on.

mod common;

use common::Server;

const SCRAM: [(&str, &str); 1] = [("AIONDB_AUTH_METHOD", "scram-sha-256")];

async fn login(s: &Server, user: &str, password: &str) -> tokio_postgres::Client {
    let conninfo = format!(
        "host=127.0.0.1 port={} dbname=postgres user={user} password={password}",
        s.port
    );
    let (c, conn) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("login as {user}: {e}\n{}", s.log()));
    tokio::spawn(conn);
    c
}

/// The SQLSTATE and message of a statement expected to fail.
async fn failure(c: &tokio_postgres::Client, sql: &str) -> (String, String) {
    let e = c
        .batch_execute(sql)
        .await
        .expect_err(&format!("{sql} should fail"));
    let db = e.as_db_error().expect("a server error");
    (db.code().code().to_string(), db.message().to_string())
}

fn denied(what: &str) -> (String, String) {
    ("42501".into(), format!("permission denied for {what}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privileges_are_enforced_and_durable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    {
        let s = Server::start(&data);
        let c = s.connect().await;
        c.batch_execute(
            "ALTER ROLE postgres PASSWORD 'admin'; \
             CREATE ROLE alice LOGIN PASSWORD 'wonderland'; \
             CREATE SCHEMA app; \
             CREATE TABLE app.secret (id int); INSERT INTO app.secret VALUES (1); \
             CREATE TABLE open_t (id int)",
        )
        .await
        .expect("setup");
    }
    let mut s = Server::start_with(&data, &[], &SCRAM);
    let admin = login(&s, "postgres", "admin").await;
    let alice = login(&s, "alice", "wonderland").await;

    assert_eq!(
        failure(&alice, "SELECT * FROM app.secret").await,
        denied("table secret")
    );
    assert_eq!(
        failure(&alice, "CREATE TABLE app.mine (x int)").await,
        denied("schema app")
    );
    assert_eq!(
        failure(&alice, "DROP TABLE app.secret").await,
        ("42501".into(), "must be owner of table secret".into())
    );

    // A GRANT rolled back never happened.
    admin
        .batch_execute("BEGIN; GRANT SELECT ON open_t TO alice; ROLLBACK")
        .await
        .expect("rolled back grant");
    assert_eq!(
        failure(&alice, "SELECT * FROM open_t").await,
        denied("table open_t")
    );

    admin
        .batch_execute(
            "GRANT SELECT ON app.secret TO alice; \
             GRANT CREATE, USAGE ON SCHEMA app TO alice; \
             ALTER DEFAULT PRIVILEGES FOR ROLE alice REVOKE INSERT ON TABLES FROM alice",
        )
        .await
        .expect("grants");
    let n: i64 = alice
        .query_one("SELECT count(*) FROM app.secret", &[])
        .await
        .expect("granted select")
        .get(0);
    assert_eq!(n, 1);
    assert_eq!(
        failure(&alice, "INSERT INTO app.secret VALUES (2)").await,
        denied("table secret")
    );
    // Alice owns what she creates, without the INSERT her default
    // privileges revoke, and may grant it back to herself.
    alice
        .batch_execute("CREATE TABLE app.mine (x int)")
        .await
        .expect("create in granted schema");
    assert_eq!(
        failure(&alice, "INSERT INTO app.mine VALUES (1)").await,
        denied("table mine")
    );
    alice
        .batch_execute("GRANT INSERT ON app.mine TO alice; INSERT INTO app.mine VALUES (1)")
        .await
        .expect("owner grants");
    let acl: String = admin
        .query_one("SELECT relacl FROM pg_class WHERE relname = 'secret'", &[])
        .await
        .expect("relacl")
        .get(0);
    assert_eq!(acl, "{postgres=arwdDxt/postgres,alice=r/postgres}");

    // SET SESSION AUTHORIZATION: the superuser acts as alice.
    let who = admin
        .simple_query("SET SESSION AUTHORIZATION alice; SELECT current_user, session_user")
        .await
        .expect("set session authorization");
    let row = who
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .expect("a row");
    assert_eq!((row.get(0), row.get(1)), (Some("alice"), Some("alice")));
    assert_eq!(
        failure(&admin, "SELECT * FROM open_t").await,
        denied("table open_t")
    );
    admin
        .batch_execute("RESET SESSION AUTHORIZATION")
        .await
        .expect("reset");
    assert_eq!(
        failure(&alice, "SET SESSION AUTHORIZATION postgres").await,
        (
            "42501".into(),
            "permission denied to set session authorization".into()
        )
    );
    drop((admin, alice));

    // Everything above is catalog state: it survives a restart.
    assert!(s.stop().success());
    let s = Server::start_with(&data, &[], &SCRAM);
    let admin = login(&s, "postgres", "admin").await;
    let alice = login(&s, "alice", "wonderland").await;
    alice
        .batch_execute("SELECT * FROM app.secret; INSERT INTO app.mine VALUES (2)")
        .await
        .expect("grants after restart");
    assert_eq!(
        failure(&alice, "INSERT INTO app.secret VALUES (2)").await,
        denied("table secret")
    );
    alice
        .batch_execute("CREATE TABLE app.later (x int)")
        .await
        .expect("create after restart");
    assert_eq!(
        failure(&alice, "INSERT INTO app.later VALUES (1)").await,
        denied("table later")
    );
    drop(alice);

    let e = admin
        .batch_execute("DROP USER alice")
        .await
        .expect_err("alice owns objects");
    let db = e.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "2BP01");
    assert_eq!(
        db.message(),
        "role \"alice\" cannot be dropped because some objects depend on it"
    );
    let detail = db.detail().unwrap_or_default();
    assert!(detail.contains("owner of table app.mine"), "{detail}");
    assert!(
        detail.contains("privileges for table app.secret"),
        "{detail}"
    );
    admin
        .batch_execute(
            "DROP SCHEMA app CASCADE; \
             ALTER DEFAULT PRIVILEGES FOR ROLE alice GRANT INSERT ON TABLES TO alice; \
             DROP USER alice",
        )
        .await
        .expect("nothing depends on alice any more");
}
