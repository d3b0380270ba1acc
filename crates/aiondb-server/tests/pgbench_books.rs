//! pgbench's books must balance: after runs in every query mode, and after
//! a kill -9 in the middle of a run, sum(abalance) = sum(bbalance) =
//! sum(tbalance) = sum(delta), and the history holds every transaction
//! pgbench counted as done.

mod common;

use common::Server;
use std::process::{Command, Stdio};

fn pgbench(server: &Server, args: &[&str]) -> String {
    let out = Command::new("pgbench")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
            "-U",
            "postgres",
        ])
        .args(args)
        .arg("postgres")
        .stdin(Stdio::null())
        .output()
        .expect("run pgbench");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "pgbench {args:?} failed:\n{text}\n{}",
        server.log()
    );
    text
}

/// The number after `label` in pgbench's report.
fn field(report: &str, label: &str) -> Option<u64> {
    let line = report.lines().find(|l| l.trim_start().starts_with(label))?;
    line.split(':')
        .nth(1)?
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())?
        .parse()
        .ok()
}

/// (sum abalance, sum bbalance, sum tbalance, sum delta, history rows).
fn sums(server: &Server) -> (i64, i64, i64, i64, i64) {
    let (ok, out, err) = server.psql(&[
        "-At",
        "-c",
        "select coalesce((select sum(abalance) from pgbench_accounts), 0), \
                coalesce((select sum(bbalance) from pgbench_branches), 0), \
                coalesce((select sum(tbalance) from pgbench_tellers), 0), \
                coalesce((select sum(delta) from pgbench_history), 0), \
                (select count(*) from pgbench_history)",
    ]);
    assert!(ok, "{err}");
    let v: Vec<i64> = out
        .trim()
        .split('|')
        .map(|x| x.parse().expect("number"))
        .collect();
    (v[0], v[1], v[2], v[3], v[4])
}

#[test]
fn books_balance_after_every_query_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path());
    pgbench(&server, &["-i", "-s", "10", "-q"]);
    let mut done = 0;
    for (i, mode) in ["simple", "extended", "prepared"].iter().enumerate() {
        // The first run keeps pgbench's vacuum + truncate step; later runs
        // use -n so the history accumulates across them.
        let mut args = vec!["-c", "8", "-j", "2", "-T", "20", "-M", mode];
        if i > 0 {
            args.push("-n");
        }
        let report = pgbench(&server, &args);
        assert_eq!(
            field(&report, "number of failed transactions"),
            Some(0),
            "{report}"
        );
        done += field(&report, "number of transactions actually processed").expect("processed");
    }
    let report = pgbench(&server, &["-c", "8", "-j", "2", "-T", "10", "-S", "-n"]);
    assert_eq!(
        field(&report, "number of failed transactions"),
        Some(0),
        "{report}"
    );
    let (a, b, t, d, n) = sums(&server);
    assert_eq!((a, b, t), (d, d, d), "balances disagree with the history");
    assert_eq!(
        n as u64, done,
        "every transaction pgbench counted is in the history"
    );
}

#[test]
fn kill_9_during_pgbench_loses_no_reported_transaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path());
    pgbench(&server, &["-i", "-s", "2", "-q"]);
    let port = server.port.to_string();
    let bench = Command::new("pgbench")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "postgres",
            "-n",
            "-c",
            "4",
            "-j",
            "2",
            "-T",
            "30",
            "postgres",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pgbench");
    std::thread::sleep(std::time::Duration::from_secs(5));
    server.signal(libc::SIGKILL);
    let out = bench
        .wait_with_output()
        .expect("pgbench exits once the server is gone");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let processed = field(&report, "number of transactions actually processed").unwrap_or(0);
    let _ = server.wait_exit(std::time::Duration::from_secs(10));
    drop(server);
    let server = Server::start(dir.path());
    let (a, b, t, d, n) = sums(&server);
    assert_eq!(
        (a, b, t),
        (d, d, d),
        "a transaction is partially visible after the crash"
    );
    assert!(
        n as u64 >= processed,
        "pgbench reported {processed} transactions, the history holds {n}:\n{report}"
    );
    assert!(
        processed > 0,
        "pgbench did no work before the kill:\n{report}"
    );
}
