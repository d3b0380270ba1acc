//! Crash safety: a child process commits concurrently and reports every
//! acknowledgement; the parent SIGKILLs it at random moments, reopens the
//! data directory, and checks that every acknowledged transaction is there,
//! that no transaction is partially visible, and that a conserved total
//! (transfers between accounts) is intact.
//!
//! The child is this same test binary, re-run with `AIONDB_CRASH_CHILD`
//! set, so the test needs no other build artifact.

mod common;

use aiondb_core::{DataType, Value};
use aiondb_storage::{IsolationLevel, Store, StoreOptions};
use common::*;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::ops::Bound;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: u64 = 50;
const ROWS_PER_TXN: i64 = 3;
const ACCOUNTS: i64 = 10;
const START: i64 = 1000;

fn options() -> StoreOptions {
    StoreOptions {
        wal_segment_size: 128 * 1024,
        group_commit: true,
        // Checkpoints happen during the run, so some kills land in them.
        checkpoint_wal_bytes: 256 * 1024,
    }
}

/// Child mode: commit forever from several threads, printing `ACK <n>`
/// after each commit returns.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var("AIONDB_CRASH_CHILD") else {
        return;
    };
    let base: i64 = std::env::var("AIONDB_CRASH_BASE")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(0);
    let (store, _) = Store::open(std::path::Path::new(&dir), options()).expect("child open");
    let cat = store.catalog();
    let (items, bank) = match (
        cat.table_by_name(1, "public", "items"),
        cat.table_by_name(1, "public", "bank"),
    ) {
        (Some(i), Some(b)) => (i.id, b.id),
        _ => {
            let mut txn = store.begin(IsolationLevel::ReadCommitted);
            let i = txn
                .create_table(table(
                    "items",
                    &[("txn", DataType::Int8), ("pad", DataType::Text)],
                ))
                .expect("create items");
            let b = txn
                .create_table(table("bank", &[("balance", DataType::Int8)]))
                .expect("create bank");
            for a in 0..ACCOUNTS {
                txn.insert(b, vec![Value::Int8(a), Value::Int8(START)])
                    .expect("account");
            }
            txn.commit().expect("setup commit");
            (i, b)
        }
    };
    println!("READY");
    let threads: Vec<_> = (0..4i64)
        .map(|n| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut i = 0i64;
                loop {
                    let txn_no = base + n * 100_000 + i;
                    i += 1;
                    let mut txn = store.begin(IsolationLevel::ReadCommitted);
                    for r in 0..ROWS_PER_TXN {
                        txn.insert(
                            items,
                            vec![
                                Value::Int8(txn_no * 10 + r),
                                Value::Int8(txn_no),
                                Value::Text("x".repeat(40)),
                            ],
                        )
                        .expect("insert");
                    }
                    let from = (txn_no * 7) % ACCOUNTS;
                    let to = (txn_no * 3 + 1) % ACCOUNTS;
                    let moved = [(from, -1), (to, 1)].iter().try_for_each(|&(a, d)| {
                        txn.update(bank, &key(a), |row| {
                            Ok(Some(vec![row[0].clone(), Value::Int8(int(&row[1]) + d)]))
                        })
                        .map(|_| ())
                    });
                    match moved {
                        Ok(()) => {
                            txn.commit().expect("commit");
                            let mut out = std::io::stdout().lock();
                            let _ = writeln!(out, "ACK {txn_no}");
                            let _ = out.flush();
                        }
                        Err(e) if e.is_retryable() => txn.rollback(),
                        Err(e) => panic!("child error: {e:?}"),
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

#[test]
fn kill_9_under_concurrent_commits_loses_no_acknowledged_transaction() {
    if std::env::var("AIONDB_CRASH_CHILD").is_ok() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary");
    let mut acked: BTreeSet<i64> = BTreeSet::new();
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env("AIONDB_CRASH_CHILD", dir.path())
            .env("AIONDB_CRASH_BASE", (round as i64 * 1_000_000).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                lines.push(line);
            }
            lines
        });
        // Kill at a pseudo-random moment after a short run.
        let wait = Duration::from_millis(30 + (round * 7919 % 250));
        let started = Instant::now();
        while started.elapsed() < wait {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("child exited early in round {round}: {status}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        let lines = reader.join().expect("reader");
        for line in &lines {
            if let Some(n) = line.strip_prefix("ACK ") {
                acked.insert(n.trim().parse().expect("ack number"));
            }
        }
        verify(dir.path(), &acked, round);
    }
    assert!(
        acked.len() > 100,
        "the child committed too little to test anything: {}",
        acked.len()
    );
}

fn verify(dir: &std::path::Path, acked: &BTreeSet<i64>, round: u64) {
    let (store, report) = Store::open(dir, options())
        .unwrap_or_else(|e| panic!("round {round}: reopen failed: {e:?}"));
    let cat = store.catalog();
    let Some(items) = cat.table_by_name(1, "public", "items").map(|t| t.id) else {
        assert!(
            acked.is_empty(),
            "round {round}: tables missing but acks exist"
        );
        return;
    };
    let bank = cat.table_by_name(1, "public", "bank").expect("bank").id;
    let mut txn = store.begin(IsolationLevel::RepeatableRead);
    let mut per_txn: std::collections::BTreeMap<i64, i64> = Default::default();
    for (_, row) in txn
        .scan(items, Bound::Unbounded, Bound::Unbounded)
        .expect("scan")
    {
        *per_txn.entry(int(&row[1])).or_default() += 1;
    }
    for (t, n) in &per_txn {
        assert_eq!(
            *n, ROWS_PER_TXN,
            "round {round}: transaction {t} is partially visible"
        );
    }
    for a in acked {
        assert!(
            per_txn.contains_key(a),
            "round {round}: acknowledged transaction {a} lost ({report:?})"
        );
    }
    let sum: i64 = txn
        .scan(bank, Bound::Unbounded, Bound::Unbounded)
        .expect("scan")
        .map(|(_, r)| int(&r[1]))
        .sum();
    assert_eq!(sum, ACCOUNTS * START, "round {round}: transfers not atomic");
    txn.commit().expect("commit");
}
