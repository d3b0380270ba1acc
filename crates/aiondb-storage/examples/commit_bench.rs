//! Commit throughput benchmark (not a test): single-row commits per second
//! with 1, 8 and 32 concurrent committers, group commit on and off, and how
//! many commits shared each fsync.
//!
//! ```text
//! cargo run --release -p aiondb-storage --example commit_bench [SECONDS] [DIR]
//! ```
//! DIR defaults to a temporary directory under ./target (a real disk, so
//! fdatasync costs what it costs on this machine).

use aiondb_core::{DataType, TableId, Value};
use aiondb_storage::{ColumnSchema, IsolationLevel, Store, StoreOptions, TableSchema};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn schema() -> TableSchema {
    let col = |name: &str| ColumnSchema {
        name: name.into(),
        data_type: DataType::Int8,
        nullable: false,
    };
    TableSchema {
        id: TableId(0),
        database: 1,
        schema: "public".into(),
        name: "bench".into(),
        columns: vec![col("id"), col("v")],
        primary_key: vec![0],
        primary_key_name: None,
        indexes: Vec::new(),
        sql: String::new(),
    }
}

struct Outcome {
    commits_per_sec: f64,
    commits_per_fsync: f64,
}

fn run(root: &std::path::Path, committers: u64, group_commit: bool, secs: f64) -> Outcome {
    let dir = root.join(format!("c{committers}-g{group_commit}"));
    let _ = std::fs::remove_dir_all(&dir);
    let options = StoreOptions {
        group_commit,
        ..StoreOptions::default()
    };
    let (store, _) = Store::open(&dir, options).expect("open");
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let t = txn.create_table(schema()).expect("create");
    txn.commit().expect("commit");
    let stop = Arc::new(AtomicBool::new(false));
    let commits = Arc::new(AtomicU64::new(0));
    let before = store.wal().stats();
    let started = Instant::now();
    let handles: Vec<_> = (0..committers)
        .map(|n| {
            let (store, stop, commits) = (store.clone(), stop.clone(), commits.clone());
            std::thread::spawn(move || {
                let mut i = 0i64;
                while !stop.load(Ordering::Relaxed) {
                    let mut txn = store.begin(IsolationLevel::ReadCommitted);
                    let id = (n as i64) << 40 | i;
                    txn.insert(t, vec![Value::Int8(id), Value::Int8(i)])
                        .expect("insert");
                    txn.commit().expect("commit");
                    commits.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(secs));
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().expect("committer");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = store.wal().stats();
    let n = commits.load(Ordering::Relaxed) as f64;
    let fsyncs = (after.fsyncs - before.fsyncs).max(1) as f64;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Outcome {
        commits_per_sec: n / elapsed,
        commits_per_fsync: n / fsyncs,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let secs: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let root = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("target/commit-bench"));
    println!(
        "{:>10} {:>13} {:>14} {:>17}",
        "committers", "group_commit", "commits/s", "commits/fsync"
    );
    for committers in [1u64, 8, 32] {
        for group_commit in [true, false] {
            let o = run(&root, committers, group_commit, secs);
            println!(
                "{committers:>10} {group_commit:>13} {:>14.0} {:>17.2}",
                o.commits_per_sec, o.commits_per_fsync
            );
        }
    }
    let _ = std::fs::remove_dir_all(&root);
}
