//! psql against the real binary (SSLRequest, simple protocol, scripts).

mod common;

use common::Server;

fn server() -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Server::start(&dir.path().join("data"));
    (s, dir)
}

#[test]
fn psql_select_one() {
    let (s, _d) = server();
    let (ok, out, err) = s.psql(&["-A", "-t", "-c", "SELECT 1"]);
    assert!(ok, "stdout: {out}\nstderr: {err}\nlog: {}", s.log());
    assert_eq!(out.trim(), "1");
}

#[test]
fn psql_script_with_on_error_stop() {
    let (s, d) = server();
    let script = d.path().join("script.sql");
    std::fs::write(
        &script,
        "CREATE TABLE items (id int PRIMARY KEY, name text);\n\
         INSERT INTO items VALUES (1, 'a'), (2, 'b');\n\
         BEGIN;\nINSERT INTO items VALUES (3, 'c');\nCOMMIT;\n\
         SELECT count(*) FROM items;\n",
    )
    .expect("script");
    let (ok, out, err) = s.psql(&["-A", "-t", "-f", &script.to_string_lossy()]);
    assert!(ok, "stdout: {out}\nstderr: {err}");
    assert!(out.lines().any(|l| l.trim() == "3"), "{out}");
}

#[test]
fn psql_error_stops_with_sqlstate_message() {
    let (s, _d) = server();
    let (ok, _out, err) = s.psql(&["-c", "SELECT * FROM no_such_table"]);
    assert!(!ok);
    assert!(err.contains("ERROR"), "{err}");
    assert!(err.contains("no_such_table"), "{err}");
}

#[test]
fn psql_set_and_show() {
    let (s, _d) = server();
    let (ok, out, err) = s.psql(&[
        "-A",
        "-t",
        "-c",
        "SET application_name = 'x1'",
        "-c",
        "SHOW application_name",
    ]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("x1"), "{out}");
}

#[test]
fn psql_over_tls_when_configured() {
    let d = tempfile::tempdir().expect("tempdir");
    let cert = d.path().join("server.crt");
    let key = d.path().join("server.key");
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        eprintln!("openssl unavailable: skipping the TLS test");
        return;
    }
    let s = Server::start_with(
        &d.path().join("data"),
        &[],
        &[
            ("AIONDB_TLS_CERT", &cert.to_string_lossy()),
            ("AIONDB_TLS_KEY", &key.to_string_lossy()),
        ],
    );
    let out = std::process::Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=require",
            s.port
        ))
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", "SELECT 1"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("psql");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        s.log()
    );
    assert_eq!(stdout.trim(), "1");
    // Plaintext still works for sslmode=disable clients.
    let (ok, out, err) = s.psql(&["-A", "-t", "-c", "SELECT 2"]);
    assert!(ok, "{out}{err}");
}

#[test]
fn psql_dt_lists_a_created_table() {
    let (s, _d) = server();
    let (ok, out, err) = s.psql(&["-c", "CREATE TABLE listed_here (id int PRIMARY KEY)"]);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = s.psql(&["-c", "\\dt"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("listed_here"), "{out}");
    assert!(out.contains("table"), "{out}");
}
