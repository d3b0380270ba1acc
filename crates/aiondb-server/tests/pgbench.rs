//! pgbench smoke run: init with server-side generation, then a few seconds
//! in each query mode with zero failed transactions.

mod common;

use std::process::Command;

use common::Server;

fn pgbench(s: &Server, args: &[&str]) -> (bool, String) {
    let out = Command::new("pgbench")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &s.port.to_string(),
            "-U",
            "postgres",
        ])
        .args(args)
        .arg("postgres")
        .output()
        .expect("run pgbench");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn pgbench_init_and_all_query_modes() {
    if Command::new("pgbench").arg("--version").output().is_err() {
        eprintln!("pgbench not installed: skipping");
        return;
    }
    let d = tempfile::tempdir().expect("tempdir");
    let s = Server::start(&d.path().join("data"));
    let (ok, out) = pgbench(&s, &["-i", "-I", "dtGvp", "-s", "1"]);
    assert!(ok, "{out}\n{}", s.log());
    for mode in ["simple", "extended", "prepared"] {
        let (ok, out) = pgbench(&s, &["-c", "2", "-j", "2", "-T", "2", "-M", mode]);
        assert!(ok, "-M {mode}: {out}");
        assert!(
            out.contains("number of failed transactions: 0 "),
            "-M {mode}: {out}"
        );
    }
    let (ok, out) = pgbench(&s, &["-c", "2", "-T", "2", "-S"]);
    assert!(ok, "-S: {out}");
}
