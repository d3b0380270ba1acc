//! Helpers shared by the engine's end-to-end tests: an engine on a temp
//! directory, a session, and SQL run to text rows.

#![allow(dead_code)]

use aiondb_core::Value;
use aiondb_engine::{Engine, EngineConfig, Session, StartupParams, StatementOutput};
use aiondb_storage::StoreOptions;
use std::sync::Arc;

pub fn engine(dir: &std::path::Path) -> Arc<Engine> {
    let config = EngineConfig {
        data_dir: dir.to_path_buf(),
        store: StoreOptions {
            wal_segment_size: 1024 * 1024,
            ..StoreOptions::default()
        },
    };
    Engine::open(config).expect("open").0
}

pub fn session(e: &Arc<Engine>) -> Session {
    e.connect(StartupParams {
        user: "postgres".into(),
        database: "postgres".into(),
        application_name: "test".into(),
        settings: vec![],
    })
    .expect("connect")
}

/// Runs SQL; returns the rows of the last statement as text (NULL as "NULL").
pub fn q(s: &mut Session, sql: &str) -> Vec<Vec<String>> {
    match try_q(s, sql) {
        Ok(rows) => rows,
        Err(code) => panic!("{sql}: {code}"),
    }
}

/// Runs SQL; the rows of the last statement, or the first error's SQLSTATE.
pub fn try_q(s: &mut Session, sql: &str) -> Result<Vec<Vec<String>>, String> {
    let mut out = Vec::new();
    for r in s.simple_query(sql) {
        match r {
            Ok(StatementOutput::Rows { columns, rows, .. }) => {
                out = rows
                    .iter()
                    .map(|row| {
                        row.iter()
                            .zip(columns.iter())
                            .map(|(v, c)| match v {
                                Value::Null => "NULL".to_string(),
                                v => String::from_utf8(
                                    s.encode_value(v, &c.data_type, false).expect("encode"),
                                )
                                .expect("utf8"),
                            })
                            .collect()
                    })
                    .collect();
            }
            Ok(_) => out = Vec::new(),
            Err(e) => return Err(format!("{} {}", e.code.code(), e.message)),
        }
    }
    Ok(out)
}

pub fn err(s: &mut Session, sql: &str) -> String {
    for r in s.simple_query(sql) {
        if let Err(e) = r {
            return e.code.code().to_string();
        }
    }
    panic!("{sql} did not fail");
}

pub fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
    v.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}
