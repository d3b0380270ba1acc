//! What the SQL layer hands back, and what it needs from the session.

use aiondb_core::{DataType, DbError, Row};
use aiondb_storage::Transaction;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use crate::types::FormatOptions;

/// A result column as RowDescription describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub data_type: DataType,
    /// OID of the table the column comes from (0 for expressions).
    pub table_oid: u32,
    /// Attribute number in that table (0 for expressions).
    pub column_id: i16,
}

impl Column {
    /// A column computed by an expression.
    pub fn computed(name: impl Into<String>, data_type: DataType) -> Column {
        Column {
            name: name.into(),
            data_type,
            table_oid: 0,
            column_id: 0,
        }
    }
}

/// COPY data formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyFormat {
    Text,
    Csv,
    Binary,
}

/// The result of one statement.
#[derive(Clone, Debug)]
pub enum StatementOutput {
    /// Rows with their description and the CommandComplete tag.
    Rows {
        columns: Arc<Vec<Column>>,
        rows: Vec<Row>,
        tag: String,
    },
    /// A command without rows.
    Command { tag: String },
    /// COPY FROM STDIN is waiting for data.
    CopyIn { format: CopyFormat, columns: usize },
    /// COPY TO STDOUT data, one chunk per CopyData message.
    CopyOut {
        format: CopyFormat,
        columns: usize,
        data: Vec<Vec<u8>>,
        tag: String,
    },
    /// An empty query string.
    Empty,
}

/// Parameter and result types of a statement (Describe).
#[derive(Clone, Debug, Default)]
pub struct Description {
    pub params: Vec<DataType>,
    pub columns: Vec<Column>,
}

/// A database as pg_database shows it.
#[derive(Clone, Debug)]
pub struct DatabaseInfo {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub is_template: bool,
    pub allow_connections: bool,
    pub connection_limit: i32,
}

/// A role as pg_roles shows it.
#[derive(Clone, Debug)]
pub struct RoleInfo {
    pub oid: u32,
    pub name: String,
    pub superuser: bool,
    pub login: bool,
}

/// What the SQL layer asks of the session above it.
pub trait SessionEnv {
    /// The current user (whose privileges statements are checked against).
    fn user(&self) -> &str;
    /// The session user (SET SESSION AUTHORIZATION); the current user by
    /// default.
    fn session_user(&self) -> &str {
        self.user()
    }
    fn database_name(&self) -> &str;
    fn setting(&self, name: &str) -> Option<String>;
    fn all_settings(&self) -> Vec<(String, String)>;
    fn databases(&self) -> Vec<DatabaseInfo>;
    fn roles(&self) -> Vec<RoleInfo>;
}

/// Everything one statement runs with.
pub struct SqlContext<'a> {
    pub txn: &'a mut Transaction,
    /// The current database's id (tables are scoped by it).
    pub database: u32,
    pub search_path: &'a [String],
    pub format: &'a FormatOptions,
    pub env: &'a dyn SessionEnv,
    pub notices: &'a mut Vec<DbError>,
    /// statement_timeout's deadline, checked by long loops.
    pub deadline: Option<Instant>,
    /// Set by a CancelRequest.
    pub cancel: Arc<AtomicBool>,
    /// Checks a statement a DO block or user function is about to run
    /// (the session's READ ONLY rules; the session checks its own
    /// statements before they reach this layer).
    pub check_nested: &'a dyn Fn(&sqlparser::ast::Statement) -> aiondb_core::DbResult<()>,
}

impl SqlContext<'_> {
    /// Fails with 57014 if the statement was cancelled or timed out.
    pub fn check_interrupt(&self) -> aiondb_core::DbResult<()> {
        aiondb_storage::WaitLimits {
            cancel: Some(self.cancel.clone()),
            deadline: self.deadline,
        }
        .check()
    }

    /// Adds a NOTICE for the client.
    pub fn notice(&mut self, message: impl Into<String>) {
        self.notices.push(DbError::new(
            aiondb_core::SqlState::SUCCESSFUL_COMPLETION,
            message,
        ));
    }
}
