//! Statements a session runs itself: transaction control, settings,
//! databases and roles, maintenance.

use crate::session::{Block, Session, unsupported};
use aiondb_cluster::CreateDatabaseRequest;
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};
use aiondb_sql::{Column, Command, StatementOutput};
use aiondb_storage::IsolationLevel;
use sqlparser::ast::{self, Statement, TransactionIsolationLevel, TransactionMode};
use std::sync::Arc;

fn command(tag: &str) -> DbResult<StatementOutput> {
    Ok(StatementOutput::Command { tag: tag.into() })
}

fn isolation(modes: &[TransactionMode]) -> DbResult<Option<IsolationLevel>> {
    let mut level = None;
    for m in modes {
        match m {
            TransactionMode::IsolationLevel(l) => {
                level = Some(match l {
                    TransactionIsolationLevel::ReadCommitted
                    | TransactionIsolationLevel::ReadUncommitted => IsolationLevel::ReadCommitted,
                    TransactionIsolationLevel::RepeatableRead => IsolationLevel::RepeatableRead,
                    TransactionIsolationLevel::Serializable => {
                        return Err(DbError::not_supported(
                            "SERIALIZABLE isolation is not supported; use REPEATABLE READ",
                        ));
                    }
                    other => return Err(unsupported(&format!("isolation level {other}"))),
                })
            }
            TransactionMode::AccessMode(ast::TransactionAccessMode::ReadWrite) => {}
            TransactionMode::AccessMode(ast::TransactionAccessMode::ReadOnly) => {
                return Err(DbError::not_supported(
                    "READ ONLY transactions are not supported",
                ));
            }
        }
    }
    Ok(level)
}

fn value_text(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            ast::Value::Number(n, _) => n.clone(),
            ast::Value::Boolean(b) => {
                if *b {
                    "on".into()
                } else {
                    "off".into()
                }
            }
            other => other.to_string(),
        },
        ast::Expr::Identifier(i) => i.value.clone(),
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => format!("-{}", value_text(expr)),
        other => other.to_string(),
    }
}

fn isolation_name(l: IsolationLevel) -> &'static str {
    match l {
        IsolationLevel::ReadCommitted => "read committed",
        IsolationLevel::RepeatableRead => "repeatable read",
    }
}

impl Session {
    pub(crate) fn session_statement_columns(&self, stmt: &Statement) -> Vec<Column> {
        match stmt {
            Statement::ShowVariable { variable } => {
                let name = variable
                    .iter()
                    .map(|i| i.value.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase();
                if name == "all" {
                    vec![
                        Column::computed("name", DataType::Text),
                        Column::computed("setting", DataType::Text),
                        Column::computed("description", DataType::Text),
                    ]
                } else {
                    vec![Column::computed(name, DataType::Text)]
                }
            }
            _ => Vec::new(),
        }
    }

    fn set_setting(&mut self, name: &str, value: &str) -> DbResult<()> {
        if name.eq_ignore_ascii_case("transaction_isolation")
            || name.eq_ignore_ascii_case("default_transaction_isolation")
        {
            let level = match value.to_ascii_lowercase().as_str() {
                "repeatable read" => IsolationLevel::RepeatableRead,
                "read committed" | "read uncommitted" => IsolationLevel::ReadCommitted,
                "serializable" => {
                    return Err(DbError::not_supported(
                        "SERIALIZABLE isolation is not supported; use REPEATABLE READ",
                    ));
                }
                _ => {
                    return Err(DbError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("invalid value for parameter \"{name}\": \"{value}\""),
                    ));
                }
            };
            if name.eq_ignore_ascii_case("default_transaction_isolation") {
                self.default_isolation = level;
            } else {
                self.set_transaction_isolation(level)?;
            }
        }
        if let Some(change) = self.settings.set(name, value)? {
            self.changed.push(change);
        }
        Ok(())
    }

    fn set_transaction_isolation(&mut self, level: IsolationLevel) -> DbResult<()> {
        match &mut self.block {
            Some(b) if b.explicit => {
                if b.txn.isolation() != level {
                    if b.txn.has_writes() {
                        return Err(DbError::new(
                            SqlState::ACTIVE_SQL_TRANSACTION,
                            "SET TRANSACTION ISOLATION LEVEL must be called before any query",
                        ));
                    }
                    let fresh = self.engine.store.begin(level);
                    let old = std::mem::replace(&mut b.txn, fresh);
                    old.rollback();
                }
                Ok(())
            }
            _ => {
                self.notices.push(DbError::new(
                    SqlState::from_static("25P01"),
                    "SET TRANSACTION can only be used in transaction blocks",
                ));
                Ok(())
            }
        }
    }

    pub(crate) fn run_session_statement(&mut self, stmt: &Statement) -> DbResult<StatementOutput> {
        match stmt {
            Statement::StartTransaction { modes, .. } => {
                if self.block.as_ref().is_some_and(|b| b.explicit) {
                    self.notices.push(DbError::new(
                        SqlState::ACTIVE_SQL_TRANSACTION,
                        "there is already a transaction in progress",
                    ));
                    return command("BEGIN");
                }
                let level = isolation(modes)?.unwrap_or(self.default_isolation);
                // Statements of this message before BEGIN ran in an
                // implicit transaction: it ends here.
                if let Some(implicit) = self.block.take() {
                    implicit.txn.commit()?;
                }
                let txn = self.engine.store.begin(level);
                self.block_serial += 1;
                self.block = Some(Block {
                    txn,
                    explicit: true,
                    savepoints: Vec::new(),
                });
                self.failed = false;
                command(
                    if matches!(stmt, Statement::StartTransaction { begin: true, .. }) {
                        "BEGIN"
                    } else {
                        "START TRANSACTION"
                    },
                )
            }
            Statement::Commit { .. } => {
                let failed = self.failed;
                self.failed = false;
                match self.block.take() {
                    Some(b) if b.explicit && !failed => {
                        let committed = b.txn.commit();
                        self.cursors_at_block_end(committed.is_ok());
                        committed?;
                        command("COMMIT")
                    }
                    Some(b) if b.explicit => {
                        b.txn.rollback();
                        self.cursors_at_block_end(false);
                        command("ROLLBACK")
                    }
                    implicit => {
                        if let Some(b) = implicit {
                            b.txn.commit()?;
                        }
                        self.notices.push(DbError::new(
                            SqlState::NO_ACTIVE_SQL_TRANSACTION,
                            "there is no transaction in progress",
                        ));
                        command("COMMIT")
                    }
                }
            }
            Statement::Rollback {
                savepoint: None, ..
            } => {
                self.failed = false;
                match self.block.take() {
                    Some(b) if b.explicit => {
                        b.txn.rollback();
                        self.cursors_at_block_end(false);
                    }
                    implicit => {
                        if let Some(b) = implicit {
                            b.txn.rollback();
                        }
                        self.notices.push(DbError::new(
                            SqlState::NO_ACTIVE_SQL_TRANSACTION,
                            "there is no transaction in progress",
                        ));
                    }
                }
                command("ROLLBACK")
            }
            Statement::Rollback {
                savepoint: Some(name),
                ..
            } => {
                let name = aiondb_sql::ident(name);
                let Some(block) = self.block.as_mut().filter(|b| b.explicit) else {
                    return Err(DbError::new(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "ROLLBACK TO SAVEPOINT can only be used in transaction blocks",
                    ));
                };
                let Some(pos) = block.savepoints.iter().rposition(|(n, _)| *n == name) else {
                    return Err(DbError::new(
                        SqlState::from_static("3B001"),
                        format!("savepoint \"{name}\" does not exist"),
                    ));
                };
                block.savepoints.truncate(pos + 1);
                let sp = block.savepoints[pos].1.clone();
                block.txn.rollback_to(&sp);
                self.failed = false;
                command("ROLLBACK")
            }
            Statement::Savepoint { name } => {
                let name = aiondb_sql::ident(name);
                let Some(block) = self.block.as_mut().filter(|b| b.explicit) else {
                    return Err(DbError::new(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "SAVEPOINT can only be used in transaction blocks",
                    ));
                };
                let sp = block.txn.savepoint();
                block.savepoints.push((name, sp));
                command("SAVEPOINT")
            }
            Statement::ReleaseSavepoint { name } => {
                let name = aiondb_sql::ident(name);
                let Some(block) = self.block.as_mut().filter(|b| b.explicit) else {
                    return Err(DbError::new(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "RELEASE SAVEPOINT can only be used in transaction blocks",
                    ));
                };
                let Some(pos) = block.savepoints.iter().rposition(|(n, _)| *n == name) else {
                    return Err(DbError::new(
                        SqlState::from_static("3B001"),
                        format!("savepoint \"{name}\" does not exist"),
                    ));
                };
                block.savepoints.truncate(pos);
                command("RELEASE")
            }
            Statement::Set(set) => {
                match set {
                    ast::Set::SingleAssignment {
                        variable, values, ..
                    } => {
                        let name = variable.to_string();
                        let value = values.iter().map(value_text).collect::<Vec<_>>().join(", ");
                        if value.eq_ignore_ascii_case("default") {
                            if let Some(change) = self.settings.reset(&name)? {
                                self.changed.push(change);
                            }
                        } else {
                            self.set_setting(&name, &value)?;
                        }
                    }
                    ast::Set::SetTimeZone { value, .. } => {
                        self.set_setting("TimeZone", &value_text(value))?
                    }
                    ast::Set::SetTransaction { modes, session, .. } => {
                        if let Some(level) = isolation(modes)? {
                            if *session {
                                self.default_isolation = level;
                                self.settings
                                    .set("default_transaction_isolation", isolation_name(level))?;
                            } else {
                                self.set_transaction_isolation(level)?;
                            }
                        }
                    }
                    ast::Set::SetNames { .. } | ast::Set::SetNamesDefault { .. } => {}
                    other => return Err(unsupported(&format!("SET {other}"))),
                }
                command("SET")
            }
            Statement::Reset(r) => {
                match &r.reset {
                    ast::Reset::ALL => {
                        for (name, _) in self.settings.all() {
                            if let Ok(Some(change)) = self.settings.reset(&name) {
                                self.changed.push(change);
                            }
                        }
                    }
                    ast::Reset::ConfigurationParameter(name) => {
                        if let Some(change) = self.settings.reset(&name.to_string())? {
                            self.changed.push(change);
                        }
                    }
                    other => return Err(unsupported(&format!("RESET {other:?}"))),
                }
                command("RESET")
            }
            Statement::ShowVariable { variable } => {
                let name = variable
                    .iter()
                    .map(|i| i.value.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase();
                let columns = Arc::new(self.session_statement_columns(stmt));
                if name == "all" {
                    let rows = self
                        .settings
                        .all()
                        .into_iter()
                        .map(|(n, v)| {
                            vec![Value::Text(n), Value::Text(v), Value::Text(String::new())]
                        })
                        .collect::<Vec<_>>();
                    let tag = format!("SHOW {}", rows.len());
                    return Ok(StatementOutput::Rows { columns, rows, tag });
                }
                let value = match name.as_str() {
                    "transaction isolation level" | "transaction_isolation" => {
                        let level = self
                            .block
                            .as_ref()
                            .map(|b| b.txn.isolation())
                            .unwrap_or(self.default_isolation);
                        isolation_name(level).to_string()
                    }
                    "time zone" => self.settings.get("TimeZone").unwrap_or("UTC").to_string(),
                    _ => self
                        .settings
                        .get(&name)
                        .map(str::to_string)
                        .ok_or_else(|| {
                            DbError::new(
                                SqlState::UNDEFINED_OBJECT,
                                format!("unrecognized configuration parameter \"{name}\""),
                            )
                        })?,
                };
                Ok(StatementOutput::Rows {
                    columns,
                    rows: vec![vec![Value::Text(value)]],
                    tag: "SHOW".into(),
                })
            }
            Statement::Discard { object_type } => match object_type {
                ast::DiscardObject::ALL => {
                    if self.block.as_ref().is_some_and(|b| b.explicit) {
                        return Err(DbError::new(
                            SqlState::ACTIVE_SQL_TRANSACTION,
                            "DISCARD ALL cannot run inside a transaction block",
                        ));
                    }
                    for (name, _) in self.settings.all() {
                        let _ = self.settings.reset(&name);
                    }
                    command("DISCARD ALL")
                }
                other => Err(unsupported(&format!("DISCARD {other}"))),
            },
            other => Err(unsupported(&format!("statement {other}"))),
        }
    }

    /// CREATE/DROP DATABASE and roles; None for other statements.
    pub(crate) fn run_engine_statement(
        &mut self,
        stmt: &Statement,
    ) -> Option<DbResult<StatementOutput>> {
        if !crate::session::is_engine_statement(stmt) {
            return None;
        }
        if self.block.as_ref().is_some_and(|b| b.explicit)
            && matches!(
                stmt,
                Statement::CreateDatabase { .. } | Statement::Drop { .. }
            )
        {
            let what = if matches!(stmt, Statement::CreateDatabase { .. }) {
                "CREATE DATABASE"
            } else {
                "DROP DATABASE"
            };
            return Some(Err(DbError::new(
                SqlState::ACTIVE_SQL_TRANSACTION,
                format!("{what} cannot run inside a transaction block"),
            )));
        }
        Some(self.engine_statement(stmt))
    }

    fn engine_statement(&mut self, stmt: &Statement) -> DbResult<StatementOutput> {
        match stmt {
            Statement::CreateRole(cr) => return self.create_role(cr),
            Statement::AlterRole { name, operation } => return self.alter_role(name, operation),
            Statement::Drop {
                object_type: ast::ObjectType::Role,
                if_exists,
                names,
                ..
            } => return self.drop_roles(names, *if_exists),
            _ => {}
        }
        if !self.role.superuser {
            return Err(DbError::new(
                SqlState::INSUFFICIENT_PRIVILEGE,
                "permission denied",
            ));
        }
        match stmt {
            Statement::CreateDatabase {
                db_name,
                if_not_exists,
                ..
            } => {
                let (_, name) = aiondb_sql::object_name(db_name);
                if *if_not_exists && self.engine.databases().iter().any(|d| d.name == name) {
                    self.notices.push(DbError::new(
                        SqlState::SUCCESSFUL_COMPLETION,
                        format!("database \"{name}\" already exists, skipping"),
                    ));
                    return command("CREATE DATABASE");
                }
                let mut request = CreateDatabaseRequest::new(name, self.role.name.clone());
                request.encoding = Some("UTF8".into());
                self.engine.create_database(request)?;
                command("CREATE DATABASE")
            }
            Statement::Drop {
                object_type: ast::ObjectType::Database,
                if_exists,
                names,
                ..
            } => {
                for n in names {
                    let (_, name) = aiondb_sql::object_name(n);
                    if name == self.database.name {
                        return Err(DbError::new(
                            SqlState::OBJECT_IN_USE,
                            "cannot drop the currently open database",
                        ));
                    }
                    if !self.engine.drop_database(&name, *if_exists)? {
                        self.notices.push(DbError::new(
                            SqlState::SUCCESSFUL_COMPLETION,
                            format!("database \"{name}\" does not exist, skipping"),
                        ));
                    }
                }
                command("DROP DATABASE")
            }
            other => Err(unsupported(&format!("statement {other}"))),
        }
    }

    /// CHECKPOINT and VACUUM/ANALYZE.
    pub(crate) fn run_maintenance(&mut self, cmd: &Command) -> DbResult<StatementOutput> {
        match cmd {
            Command::Checkpoint => {
                if !self.role.superuser {
                    return Err(DbError::new(
                        SqlState::INSUFFICIENT_PRIVILEGE,
                        "must be superuser to do CHECKPOINT",
                    ));
                }
                self.engine.checkpoint()?;
                command("CHECKPOINT")
            }
            Command::Vacuum { tables } => {
                if self.block.as_ref().is_some_and(|b| b.explicit) {
                    return Err(DbError::new(
                        SqlState::ACTIVE_SQL_TRANSACTION,
                        "VACUUM cannot run inside a transaction block",
                    ));
                }
                // Names must exist; the work is a store-wide GC of versions no
                // snapshot can see (statistics are not collected yet).
                let catalog = self.engine.store.catalog();
                let path = self.settings.search_path(&self.role.name);
                for t in tables {
                    let found = path.iter().any(|s| {
                        catalog
                            .table_by_name(self.database.id.get(), s, t)
                            .is_some()
                    });
                    if !found {
                        return Err(DbError::new(
                            SqlState::UNDEFINED_TABLE,
                            format!("relation \"{t}\" does not exist"),
                        ));
                    }
                }
                self.engine.store.gc();
                command("VACUUM")
            }
            Command::Sql(_) => Err(DbError::internal("not a maintenance command")),
        }
    }
}
