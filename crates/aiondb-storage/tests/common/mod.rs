//! Helpers shared by the storage integration tests.
#![allow(dead_code)]

use aiondb_core::{DataType, IndexId, TableId, Value};
use aiondb_storage::{ColumnSchema, IndexSchema, IsolationLevel, Store, StoreOptions, TableSchema};
use std::path::Path;
use std::sync::Arc;

/// Small segments and frequent checkpoints, so tests cross boundaries.
pub fn small_options() -> StoreOptions {
    StoreOptions {
        wal_segment_size: 64 * 1024,
        group_commit: true,
        checkpoint_wal_bytes: 0,
    }
}

pub fn open(dir: &Path) -> Arc<Store> {
    Store::open(dir, small_options()).expect("open store").0
}

/// A table of int8 id (primary key) plus the given extra columns.
pub fn table(name: &str, extra: &[(&str, DataType)]) -> TableSchema {
    let mut columns = vec![ColumnSchema {
        name: "id".into(),
        data_type: DataType::Int8,
        nullable: false,
    }];
    columns.extend(extra.iter().map(|(n, t)| ColumnSchema {
        name: (*n).into(),
        data_type: t.clone(),
        nullable: true,
    }));
    TableSchema {
        id: TableId(0),
        database: 1,
        schema: "public".into(),
        name: name.into(),
        columns,
        primary_key: vec![0],
        primary_key_name: Some(format!("{name}_pkey")),
        indexes: Vec::new(),
        sql: String::new(),
    }
}

pub fn index(name: &str, columns: &[usize], unique: bool) -> IndexSchema {
    IndexSchema {
        id: IndexId(0),
        name: name.into(),
        columns: columns.to_vec(),
        unique,
    }
}

/// Creates `name (id int8 primary key, balance int8)` with `n` rows of
/// `balance` each, committed.
pub fn create_accounts(store: &Arc<Store>, name: &str, n: i64, balance: i64) -> TableId {
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let t = txn
        .create_table(table(name, &[("balance", DataType::Int8)]))
        .expect("create");
    for i in 0..n {
        txn.insert(t, vec![Value::Int8(i), Value::Int8(balance)])
            .expect("insert");
    }
    txn.commit().expect("commit");
    t
}

pub fn key(i: i64) -> Vec<Value> {
    vec![Value::Int8(i)]
}

pub fn int(v: &Value) -> i64 {
    match v {
        Value::Int8(x) => *x,
        other => panic!("not an int8: {other:?}"),
    }
}

/// Sum of column 1 over all visible rows.
pub fn total(store: &Arc<Store>, t: TableId) -> i64 {
    let mut txn = store.begin(IsolationLevel::RepeatableRead);
    let sum = txn
        .scan(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
        .expect("scan")
        .map(|(_, row)| int(&row[1]))
        .sum();
    txn.commit().expect("commit");
    sum
}
