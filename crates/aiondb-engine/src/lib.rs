//! # aiondb-engine: the database
//!
//! One [`Engine`] per server: it owns the store, the cluster catalog of
//! databases and roles, and hands out [`Session`]s. A session keeps one
//! client's settings and transaction state and runs its statements:
//!
//! ```text
//!   pgwire ──▶ Session::simple_query / prepare / execute
//!                │ transaction control, SET/SHOW, CREATE DATABASE/ROLE,
//!                │ VACUUM, CHECKPOINT: here
//!                └─▶ everything else: aiondb-sql, in the session's
//!                    transaction (an implicit one per statement outside
//!                    BEGIN ... COMMIT)
//! ```
//!
//! Invariants:
//!
//! 1. A statement outside a transaction block runs in its own transaction,
//!    committed (and durable) before its result is returned.
//! 2. A failed statement inside a block puts the block in the aborted state:
//!    every statement but COMMIT/ROLLBACK fails with 25P02 until it ends,
//!    and COMMIT of an aborted block rolls back.
//! 3. Databases and roles are rows of system tables, so they are as durable
//!    as everything else; ids are never re-assigned on restart.

mod authorization;
mod cursor;
mod engine;
pub mod password;
mod plan_cache;
mod planner_settings;
mod prepared_sql;
mod read_only;
mod role_stmt;
mod session;
mod session_stmt;
mod settings;
mod temp;
mod txn_mode;
mod txn_stmt;

pub use aiondb_sql::{Column, CopyFormat, StatementOutput};
pub use engine::{Engine, EngineConfig, Role};
pub use session::{PreparedStatement, Session, StartupParams, TransactionStatus};
pub use settings::{SERVER_VERSION, Settings};
