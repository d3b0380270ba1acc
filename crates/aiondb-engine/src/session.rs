//! A session: one client's settings, transaction state and statements.
//!
//! ```text
//!   Idle ──BEGIN──▶ InBlock ──error──▶ Failed ──ROLLBACK/COMMIT──▶ Idle
//!     │                │ COMMIT/ROLLBACK ──────────────────────────▶ Idle
//!     └─ any other statement: an implicit transaction, committed at its end
//! ```

use crate::cursor::{Cursor, is_cursor_statement};
use crate::engine::{Engine, Role};
use crate::settings::Settings;
use aiondb_cluster::DatabaseDescriptor;
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};
use aiondb_sql::Command;
use aiondb_sql::types::FormatOptions;
use aiondb_sql::{Column, CopyIn, SessionEnv, SqlContext, StatementOutput};
use aiondb_storage::{Savepoint, Transaction, WaitLimits};
use sqlparser::ast::Statement;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What a client sent at startup.
#[derive(Clone, Debug, Default)]
pub struct StartupParams {
    pub user: String,
    pub database: String,
    pub application_name: String,
    /// Settings from the startup packet and `options` (`-c name=value`).
    pub settings: Vec<(String, String)>,
}

/// The transaction status ReadyForQuery reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionStatus {
    Idle,
    InBlock,
    Failed,
}

/// A parsed, described statement (Parse / prepare).
#[derive(Clone, Debug)]
pub struct PreparedStatement {
    inner: Arc<PreparedInner>,
}

#[derive(Debug)]
struct PreparedInner {
    statement: Option<Command>,
    param_types: Vec<DataType>,
    columns: Vec<Column>,
    /// The statement bound at its last Execute (see `plan_cache`).
    plan: crate::plan_cache::PlanCache,
}

impl PreparedStatement {
    /// Parameter types (inferred where the client sent OID 0).
    pub fn param_types(&self) -> &[DataType] {
        &self.inner.param_types
    }

    /// Result columns; empty when the statement returns no rows.
    pub fn columns(&self) -> &[Column] {
        &self.inner.columns
    }

    /// The statement; `None` for an empty query string.
    pub(crate) fn command(&self) -> Option<&Command> {
        self.inner.statement.as_ref()
    }

    /// Its plan cache.
    pub(crate) fn plan(&self) -> &crate::plan_cache::PlanCache {
        &self.inner.plan
    }
}

pub(crate) struct Block {
    pub(crate) txn: Transaction,
    pub(crate) explicit: bool,
    /// Open savepoints, each with the read-only mode it restores.
    pub(crate) savepoints: Vec<(String, Savepoint, bool)>,
    pub(crate) mode: crate::txn_mode::TxnMode,
    /// A query ran (took a snapshot): the mode is fixed.
    pub(crate) snapshot: bool,
}

/// One client's session.
pub struct Session {
    pub(crate) engine: Arc<Engine>,
    /// The current user (see `authorization`).
    pub(crate) role: Role,
    /// The session user (SET SESSION AUTHORIZATION).
    pub(crate) session_user: Role,
    /// The role that logged in.
    pub(crate) authenticated: Role,
    pub(crate) database: DatabaseDescriptor,
    pub(crate) settings: Settings,
    pub(crate) block: Option<Block>,
    pub(crate) failed: bool,
    /// Isolation for the next explicit BEGIN without a level.
    pub(crate) notices: Vec<DbError>,
    pub(crate) changed: Vec<(String, String)>,
    copy_in: Option<(CopyIn, Vec<u8>)>,
    /// Statements of one simple-query message, or the Executes up to one
    /// Sync, share an implicit transaction (PostgreSQL's implicit block):
    /// it commits at the end of the message / at Sync, and an error rolls
    /// all of it back.
    pub(crate) pipeline: bool,
    /// The simple-query message being run holds several statements (its
    /// implicit block then counts as a transaction block).
    pub(crate) multi_statement: bool,
    /// Open cursors by name.
    pub(crate) cursors: HashMap<String, Cursor>,
    /// Statements of SQL PREPARE by name (see `prepared_sql`).
    pub(crate) sql_prepared: HashMap<String, PreparedStatement>,
    /// Counts explicit transaction blocks, so a cursor knows its own.
    pub(crate) block_serial: u64,
    key: (i32, i32),
    cancel: Arc<AtomicBool>,
}

impl Session {
    pub(crate) fn new(
        engine: Arc<Engine>,
        startup: StartupParams,
        role: Role,
        database: DatabaseDescriptor,
        key: (i32, i32),
        cancel: Arc<AtomicBool>,
    ) -> DbResult<Session> {
        let mut settings = Settings::new(&role.name);
        settings.set_internal("is_superuser", if role.superuser { "on" } else { "off" });
        settings.set("application_name", &startup.application_name)?;
        for (k, v) in &startup.settings {
            settings.set(k, v)?;
        }
        settings.freeze_initial();
        Ok(Session {
            engine,
            session_user: role.clone(),
            authenticated: role.clone(),
            role,
            database,
            settings,
            block: None,
            failed: false,
            notices: Vec::new(),
            changed: Vec::new(),
            copy_in: None,
            pipeline: false,
            multi_statement: false,
            cursors: HashMap::new(),
            sql_prepared: HashMap::new(),
            block_serial: 0,
            key,
            cancel,
        })
    }

    /// The ParameterStatus set sent at startup.
    pub fn parameter_status(&self) -> Vec<(String, String)> {
        self.settings.reported()
    }

    /// Reported settings the last statement changed.
    pub fn take_parameter_changes(&mut self) -> Vec<(String, String)> {
        std::mem::take(&mut self.changed)
    }

    /// NOTICE messages the last statement raised.
    pub fn take_notices(&mut self) -> Vec<DbError> {
        std::mem::take(&mut self.notices)
    }

    /// I / T / E for ReadyForQuery.
    pub fn transaction_status(&self) -> TransactionStatus {
        match (&self.block, self.failed) {
            (_, true) => TransactionStatus::Failed,
            (Some(b), false) if b.explicit => TransactionStatus::InBlock,
            _ => TransactionStatus::Idle,
        }
    }

    /// (process id, secret) for BackendKeyData.
    pub fn backend_key(&self) -> (i32, i32) {
        self.key
    }

    /// The flag a CancelRequest sets.
    pub fn cancel_requested(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// Runs a simple-query string: every statement in turn, stopping after
    /// the first error.
    pub fn simple_query(&mut self, sql: &str) -> Vec<DbResult<StatementOutput>> {
        let statements = match aiondb_sql::parse(sql) {
            Ok(s) => s,
            Err(e) => {
                self.note_error();
                return vec![Err(e)];
            }
        };
        if statements.is_empty() {
            return vec![Ok(StatementOutput::Empty)];
        }
        self.pipeline = statements.len() > 1;
        self.multi_statement = self.pipeline;
        let mut out = Vec::with_capacity(statements.len());
        for stmt in &statements {
            let r = self
                .run(stmt, &[], None)
                .map_err(|e| aiondb_sql::cursor_on_token(e, sql));
            let failed = r.is_err();
            out.push(r);
            if failed || self.copy_in.is_some() {
                break;
            }
        }
        if self.copy_in.is_some() {
            // COPY FROM STDIN ends the message; its data commits the block.
            self.pipeline = false;
            self.multi_statement = false;
        } else if let Err(e) = self.sync() {
            out.push(Err(e));
        }
        out
    }

    /// End of an extended-protocol pipeline (Sync): commits the implicit
    /// transaction the Executes since the last Sync ran in.
    pub fn sync(&mut self) -> DbResult<()> {
        self.pipeline = false;
        self.multi_statement = false;
        if self.block.as_ref().is_some_and(|b| !b.explicit)
            && self.copy_in.is_none()
            && let Some(b) = self.block.take()
        {
            b.txn.commit()?;
        }
        Ok(())
    }

    /// Parses and describes one statement (extended protocol Parse).
    pub fn prepare(&mut self, sql: &str, param_type_oids: &[u32]) -> DbResult<PreparedStatement> {
        let mut statements = aiondb_sql::parse(sql)?;
        if statements.len() > 1 {
            return Err(DbError::new(
                SqlState::SYNTAX_ERROR,
                "cannot insert multiple commands into a prepared statement",
            ));
        }
        let hints: Vec<DataType> = param_type_oids
            .iter()
            .map(|&oid| DataType::from_oid(oid).unwrap_or(DataType::Unknown))
            .collect();
        let Some(statement) = statements.pop() else {
            return Ok(PreparedStatement {
                inner: Arc::new(PreparedInner {
                    statement: None,
                    param_types: hints,
                    columns: Vec::new(),
                    plan: Default::default(),
                }),
            });
        };
        self.describe_command(statement, hints, sql)
    }

    /// Describes a parsed statement (its text `sql` locates errors).
    pub(crate) fn describe_command(
        &mut self,
        statement: Command,
        hints: Vec<DataType>,
        sql: &str,
    ) -> DbResult<PreparedStatement> {
        let description = match &statement {
            Command::Sql(stmt) if is_cursor_statement(stmt) => aiondb_sql::Description {
                params: hints.clone(),
                columns: self.cursor_columns(stmt),
            },
            Command::Sql(stmt) if !is_session_statement(stmt) && !is_engine_statement(stmt) => self
                .with_transaction(|ctx| aiondb_sql::describe(ctx, stmt, &hints))
                .map_err(|e| aiondb_sql::cursor_on_token(e, sql))?,
            Command::Sql(stmt) => aiondb_sql::Description {
                params: hints.clone(),
                columns: self.session_statement_columns(stmt),
            },
            _ => aiondb_sql::Description::default(),
        };
        Ok(PreparedStatement {
            inner: Arc::new(PreparedInner {
                statement: Some(statement),
                param_types: description.params,
                columns: description.columns,
                plan: Default::default(),
            }),
        })
    }

    /// Executes a prepared statement with parameters as sent in Bind.
    pub fn execute(
        &mut self,
        stmt: &PreparedStatement,
        params: &[Option<Vec<u8>>],
        param_formats: &[i16],
    ) -> DbResult<StatementOutput> {
        let Some(statement) = &stmt.inner.statement else {
            return Ok(StatementOutput::Empty);
        };
        self.pipeline = true;
        let types = &stmt.inner.param_types;
        if params.len() != types.len() {
            return Err(DbError::new(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "bind message supplies {} parameters, but prepared statement requires {}",
                    params.len(),
                    types.len()
                ),
            ));
        }
        let opts = self.format_options();
        let mut values = Vec::with_capacity(params.len());
        for (i, (p, ty)) in params.iter().zip(types).enumerate() {
            let binary = match param_formats {
                [] => false,
                [f] => *f == 1,
                fs => fs.get(i).copied().unwrap_or(0) == 1,
            };
            let ty = if *ty == DataType::Unknown {
                DataType::Text
            } else {
                ty.clone()
            };
            values.push(match p {
                None => Value::Null,
                Some(bytes) if binary => aiondb_sql::types::decode_binary(bytes, &ty)?,
                Some(bytes) => {
                    let text = std::str::from_utf8(bytes).map_err(|_| {
                        DbError::new(
                            SqlState::CHARACTER_NOT_IN_REPERTOIRE,
                            "invalid byte sequence for encoding \"UTF8\"",
                        )
                    })?;
                    aiondb_sql::types::parse_text(text, &ty, &opts)?
                }
            });
        }
        self.run(statement, &values, Some(stmt.plan()))
    }

    /// Feeds COPY FROM STDIN data.
    pub fn copy_in_data(&mut self, data: &[u8]) -> DbResult<()> {
        match &mut self.copy_in {
            Some((_, buf)) => {
                buf.extend_from_slice(data);
                Ok(())
            }
            None => Err(DbError::new(
                SqlState::PROTOCOL_VIOLATION,
                "no COPY in progress",
            )),
        }
    }

    /// Ends COPY FROM STDIN: loads the rows.
    pub fn copy_in_done(&mut self) -> DbResult<StatementOutput> {
        let Some((copy, data)) = self.copy_in.take() else {
            return Err(DbError::new(
                SqlState::PROTOCOL_VIOLATION,
                "no COPY in progress",
            ));
        };
        let result = self.with_transaction(|ctx| aiondb_sql::finish_copy_in(ctx, &copy, &data));
        let result = self.finish_statement(result);
        result.map(|n| StatementOutput::Command {
            tag: format!("COPY {n}"),
        })
    }

    /// Aborts COPY FROM STDIN.
    pub fn copy_in_fail(&mut self, message: &str) {
        if self.copy_in.take().is_some() {
            let err = DbError::new(
                SqlState::QUERY_CANCELED,
                format!("COPY from stdin failed: {message}"),
            );
            let _ = self.finish_statement::<()>(Err(err));
        }
    }

    /// Encodes one result value for a DataRow.
    pub fn encode_value(
        &self,
        value: &Value,
        data_type: &DataType,
        binary: bool,
    ) -> DbResult<Vec<u8>> {
        if binary {
            aiondb_sql::types::encode_binary(value, data_type)
        } else {
            aiondb_sql::types::format_text(value, data_type, &self.format_options())
                .map(String::into_bytes)
        }
    }

    fn format_options(&self) -> FormatOptions {
        FormatOptions {
            extra_float_digits: self
                .settings
                .get("extra_float_digits")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1),
            bytea_hex: self.settings.get("bytea_output") != Some("escape"),
            timezone: self
                .settings
                .get("TimeZone")
                .and_then(aiondb_sql::types::TimeZoneSetting::parse_guc)
                .unwrap_or_default(),
            datestyle: match self.settings.get("DateStyle") {
                Some(s) if s.starts_with("Postgres") => aiondb_sql::types::DateStyle::Postgres,
                _ => aiondb_sql::types::DateStyle::Iso,
            },
        }
    }

    /// A protocol-level error (Parse, Bind, Describe...): the transaction
    /// fails as if a statement had failed.
    pub fn abort_after_error(&mut self) {
        self.note_error();
    }

    pub(crate) fn note_error(&mut self) {
        match self.block.take() {
            Some(b) if b.explicit => {
                self.block = Some(b);
                self.failed = true;
            }
            // An error ends an implicit transaction: all of it rolls back.
            Some(b) => b.txn.rollback(),
            None => {}
        }
    }

    /// Runs one statement with bound parameter values.
    /// `plan` is a prepared statement's plan cache (Execute only): a
    /// SELECT, INSERT, UPDATE or DELETE reuses its binding while valid.
    pub(crate) fn run(
        &mut self,
        command: &Command,
        params: &[Value],
        plan: Option<&crate::plan_cache::PlanCache>,
    ) -> DbResult<StatementOutput> {
        self.cancel.store(false, Ordering::Release);
        let stmt = match command {
            Command::Sql(s) => s.as_ref(),
            Command::Transaction { stmt, deferrable } => {
                if self.failed && !ends_failed_block(stmt) {
                    return Err(aborted());
                }
                let r = self.run_transaction_statement(stmt, Some(*deferrable));
                if r.is_err() {
                    self.note_error();
                }
                return r;
            }
            Command::CreateCast { source, target } => {
                if self.failed {
                    return Err(aborted());
                }
                if self.current_mode().read_only {
                    self.note_error();
                    return Err(DbError::new(
                        SqlState::from_static("25006"),
                        "cannot execute CREATE CAST in a read-only transaction",
                    ));
                }
                let result = self.with_transaction(|ctx| {
                    aiondb_sql::create_cast(ctx, source, target).map(|_| ())
                });
                return self
                    .finish_statement(result)
                    .map(|()| StatementOutput::Command {
                        tag: "CREATE CAST".into(),
                    });
            }
            Command::Do { body } => {
                if self.failed {
                    return Err(aborted());
                }
                let result = self.with_transaction(|ctx| aiondb_sql::run_do(ctx, body));
                return self
                    .finish_statement(result)
                    .map(|()| StatementOutput::Command { tag: "DO".into() });
            }
            Command::CreateAsExecute(c) => {
                if self.failed {
                    return Err(aborted());
                }
                return self.create_as_execute(c);
            }
            Command::Aggregate(cmd) => {
                if self.failed {
                    return Err(aborted());
                }
                let result = self.with_transaction(|ctx| aiondb_sql::aggregate::run(ctx, cmd));
                return self
                    .finish_statement(result)
                    .map(|tag| StatementOutput::Command { tag });
            }
            other => {
                if self.failed {
                    return Err(aborted());
                }
                let r = self.run_maintenance(other);
                if r.is_err() {
                    self.note_error();
                }
                return r;
            }
        };
        if self.failed && !ends_failed_block(stmt) {
            return Err(aborted());
        }
        if is_session_statement(stmt) {
            let r = self.run_session_statement(stmt);
            if r.is_err() {
                self.note_error();
            }
            return r;
        }
        if let Some(r) = self.run_cursor_statement(stmt, params) {
            if r.is_err() {
                self.note_error();
            }
            return r;
        }
        if let Err(e) = self.check_read_only(stmt) {
            self.note_error();
            return Err(e);
        }
        if let Some(r) = self.run_engine_statement(stmt) {
            if r.is_err() {
                self.note_error();
            }
            return r;
        }
        let copy = self.with_transaction(|ctx| aiondb_sql::start_copy_in(ctx, stmt));
        match copy {
            Ok(Some(copy)) => {
                let out = StatementOutput::CopyIn {
                    format: copy.format(),
                    columns: copy.columns(),
                };
                self.copy_in = Some((copy, Vec::new()));
                return Ok(out);
            }
            Ok(None) => {}
            Err(e) => return self.finish_statement(Err(e)),
        }
        let result = match plan {
            Some(plan) if crate::plan_cache::is_cacheable(stmt) => {
                self.with_transaction(|ctx| plan.execute(ctx, stmt, params))
            }
            _ => self.with_transaction(|ctx| aiondb_sql::execute(ctx, stmt, params)),
        };
        self.finish_statement(result)
    }

    /// Runs `f` in the current transaction (starting an implicit one when
    /// none is open), at a fresh statement snapshot, with the statement's
    /// cancel flag and timeout.
    pub(crate) fn with_transaction<T>(
        &mut self,
        f: impl FnOnce(&mut SqlContext<'_>) -> DbResult<T>,
    ) -> DbResult<T> {
        self.ensure_implicit_block();
        let timeout = self.settings.statement_timeout_ms();
        let limits = WaitLimits {
            cancel: Some(self.cancel.clone()),
            deadline: (timeout > 0).then(|| Instant::now() + Duration::from_millis(timeout)),
        };
        // The session's temporary schema is searched first (PostgreSQL's
        // implicit pg_temp); it need not exist yet.
        let mut search_path = vec![self.temp_schema()];
        search_path.extend(self.settings.search_path(&self.role.name));
        let format = self.format_options();
        let env = Env {
            engine: &self.engine,
            settings: &self.settings,
            user: &self.role.name,
            session_user: &self.session_user.name,
            database: &self.database,
            mode: self.current_mode(),
        };
        // Statements run by DO blocks and user functions pass the same
        // READ ONLY check as the session's own statements.
        let read_only = self.current_mode().read_only;
        let committed = self.engine.store.catalog();
        let temp = self.temp_schema();
        let db = self.database.id.get();
        let check = move |stmt: &sqlparser::ast::Statement| -> DbResult<()> {
            if !read_only {
                return Ok(());
            }
            let is_temp = |name: &sqlparser::ast::ObjectName| {
                let (schema, table) = aiondb_sql::object_name(name);
                match schema {
                    Some(s) => s == "pg_temp" || s == temp,
                    None => committed.table_by_name(db, &temp, &table).is_some(),
                }
            };
            crate::read_only::check(stmt, &is_temp)
        };
        let Some(block) = self.block.as_mut() else {
            return Err(DbError::internal("no transaction"));
        };
        block.snapshot = true;
        block.txn.begin_statement();
        block.txn.set_wait_limits(limits);
        let mut ctx = SqlContext {
            txn: &mut block.txn,
            database: self.database.id.get(),
            search_path: &search_path,
            format: &format,
            env: &env,
            notices: &mut self.notices,
            deadline: (timeout > 0).then(|| Instant::now() + Duration::from_millis(timeout)),
            cancel: self.cancel.clone(),
            check_nested: &check,
        };
        f(&mut ctx)
    }

    /// Opens an implicit transaction when none is open.
    pub(crate) fn ensure_implicit_block(&mut self) {
        if self.block.is_none() {
            let mode = self.session_mode();
            let txn = self.engine.store.begin(mode.isolation);
            self.block = Some(Block {
                txn,
                explicit: false,
                savepoints: Vec::new(),
                mode,
                snapshot: false,
            });
        }
    }

    /// Ends an implicit transaction after its statement (commit on success,
    /// rollback on error); marks an explicit block failed on error.
    pub(crate) fn finish_statement<T>(&mut self, result: DbResult<T>) -> DbResult<T> {
        if self.copy_in.is_some() {
            return result;
        }
        let explicit = self.block.as_ref().is_some_and(|b| b.explicit);
        match result {
            Ok(v) if !explicit && self.pipeline => Ok(v),
            Ok(v) if !explicit => match self.block.take() {
                Some(b) => b.txn.commit().map(|_| v),
                None => Ok(v),
            },
            Ok(v) => Ok(v),
            Err(e) => {
                if explicit {
                    self.failed = true;
                } else if let Some(b) = self.block.take() {
                    b.txn.rollback();
                }
                Err(e)
            }
        }
    }
}

impl Session {
    /// This session's schema for temporary relations: `pg_temp_<pid>`.
    pub(crate) fn temp_schema(&self) -> String {
        format!("{}{}", aiondb_sql::TEMP_SCHEMA_PREFIX, self.key.0)
    }

    /// Drops the temporary schema `schema` with its contents in a
    /// transaction of its own (no transaction may be open).
    pub(crate) fn drop_temp_schema(&mut self, schema: &str) -> DbResult<()> {
        if self.block.is_some() {
            return Err(DbError::internal(
                "temporary schema dropped in a transaction",
            ));
        }
        let exists = self
            .engine
            .store
            .catalog()
            .namespace_exists(self.database.id.get(), schema);
        if !exists {
            return Ok(());
        }
        let result = self.with_transaction(|ctx| aiondb_sql::drop_temp_schema(ctx, schema));
        self.notices.clear();
        match (result, self.block.take()) {
            (Ok(()), Some(b)) => b.txn.commit().map(|_| ()),
            (Err(e), Some(b)) => {
                b.txn.rollback();
                Err(e)
            }
            (r, None) => r,
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(b) = self.block.take() {
            b.txn.rollback();
        }
        // Temporary relations end with the session. A failure here (say,
        // the store is read-only) leaves them for the next start to remove.
        let temp = self.temp_schema();
        if let Err(e) = self.drop_temp_schema(&temp) {
            tracing::warn!("could not drop temporary schema {temp}: {e}");
        }
        self.engine.cancels.lock().remove(&self.key);
    }
}

/// The session as the SQL layer sees it (settings, catalogs above storage).
struct Env<'a> {
    engine: &'a Engine,
    settings: &'a Settings,
    user: &'a str,
    session_user: &'a str,
    database: &'a DatabaseDescriptor,
    /// The running transaction's characteristics (transaction_* settings).
    mode: crate::txn_mode::TxnMode,
}

impl SessionEnv for Env<'_> {
    fn user(&self) -> &str {
        self.user
    }

    fn session_user(&self) -> &str {
        self.session_user
    }

    fn database_name(&self) -> &str {
        &self.database.name
    }

    fn setting(&self, name: &str) -> Option<String> {
        match name.to_ascii_lowercase().as_str() {
            "transaction_isolation" => Some(self.mode.isolation_name().into()),
            "transaction_read_only" => Some(self.mode.read_only_text().into()),
            "transaction_deferrable" => Some(self.mode.deferrable_text().into()),
            _ => self.settings.get(name).map(str::to_string),
        }
    }

    fn all_settings(&self) -> Vec<(String, String)> {
        self.settings.all()
    }

    fn databases(&self) -> Vec<aiondb_sql::DatabaseInfo> {
        self.engine
            .databases()
            .into_iter()
            .map(|d| aiondb_sql::DatabaseInfo {
                oid: d.id.get(),
                name: d.name,
                owner: d.owner,
                is_template: d.is_template,
                allow_connections: d.allow_connections,
                connection_limit: d.connection_limit,
            })
            .collect()
    }

    fn roles(&self) -> Vec<aiondb_sql::RoleInfo> {
        self.engine
            .roles()
            .into_iter()
            .map(|r| aiondb_sql::RoleInfo {
                oid: r.oid,
                name: r.name,
                superuser: r.superuser,
                login: r.login,
            })
            .collect()
    }
}

/// Statements handled by the session itself (transaction control, settings).
pub(crate) fn is_session_statement(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Savepoint { .. }
            | Statement::ReleaseSavepoint { .. }
            | Statement::Set(_)
            | Statement::Reset(_)
            | Statement::ShowVariable { .. }
            | Statement::Discard { .. }
            | Statement::Prepare { .. }
            | Statement::Execute { .. }
            | Statement::Deallocate { .. }
    )
}

/// Statements the engine runs itself (databases, roles).
pub(crate) fn is_engine_statement(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::CreateDatabase { .. }
            | Statement::CreateRole(_)
            | Statement::AlterRole { .. }
            | Statement::Drop {
                object_type: sqlparser::ast::ObjectType::Database
                    | sqlparser::ast::ObjectType::Role
                    | sqlparser::ast::ObjectType::User,
                ..
            }
    )
}

fn aborted() -> DbError {
    DbError::new(
        SqlState::IN_FAILED_SQL_TRANSACTION,
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

fn ends_failed_block(stmt: &Statement) -> bool {
    matches!(stmt, Statement::Commit { .. } | Statement::Rollback { .. })
}

pub(crate) fn unsupported(what: &str) -> DbError {
    DbError::not_supported(format!("{what} is not supported"))
}
