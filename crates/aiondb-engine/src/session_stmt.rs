//! Statements a session runs itself: transaction control, settings,
//! databases and roles, maintenance.

use crate::session::{Session, unsupported};
use aiondb_cluster::CreateDatabaseRequest;
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};
use aiondb_sql::{Column, Command, StatementOutput};
use sqlparser::ast::{self, Statement};
use std::sync::Arc;

fn command(tag: &str) -> DbResult<StatementOutput> {
    Ok(StatementOutput::Command { tag: tag.into() })
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
            _ => self.prepared_sql_columns(stmt),
        }
    }

    fn set_setting(&mut self, name: &str, value: &str) -> DbResult<()> {
        let key = name.to_ascii_lowercase();
        if matches!(
            key.as_str(),
            "transaction_isolation" | "transaction_read_only" | "transaction_deferrable"
        ) {
            return self.set_transaction_guc(&key, value);
        }
        if let Some(change) = self.settings.set(name, value)? {
            self.changed.push(change);
        }
        Ok(())
    }

    pub(crate) fn run_session_statement(&mut self, stmt: &Statement) -> DbResult<StatementOutput> {
        if let Some(r) = self.run_prepared_sql(stmt) {
            return r;
        }
        match stmt {
            Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Savepoint { .. }
            | Statement::ReleaseSavepoint { .. }
            | Statement::Set(ast::Set::SetTransaction { .. }) => {
                self.run_transaction_statement(stmt, None)
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
                    ast::Set::SetNames { .. } | ast::Set::SetNamesDefault { .. } => {}
                    ast::Set::SetSessionAuthorization(param) => {
                        let name = match &param.kind {
                            ast::SetSessionAuthorizationParamKind::Default => None,
                            ast::SetSessionAuthorizationParamKind::User(n) => {
                                Some(aiondb_sql::ident(n))
                            }
                        };
                        self.set_session_authorization(name.as_deref())?
                    }
                    ast::Set::SetRole {
                        context_modifier: None | Some(ast::ContextModifier::Session),
                        role_name,
                    } => {
                        let name = role_name.as_ref().map(aiondb_sql::ident);
                        self.set_role(name.as_deref())?
                    }
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
                    ast::Reset::SessionAuthorization => self.set_session_authorization(None)?,
                    ast::Reset::ConfigurationParameter(name)
                        if name.to_string().eq_ignore_ascii_case("role") =>
                    {
                        self.set_role(None)?
                    }
                    ast::Reset::ConfigurationParameter(name) => {
                        if let Some(change) = self.settings.reset(&name.to_string())? {
                            self.changed.push(change);
                        }
                    }
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
                        self.current_mode().isolation_name().to_string()
                    }
                    "transaction_read_only" => self.current_mode().read_only_text().to_string(),
                    "transaction_deferrable" => self.current_mode().deferrable_text().to_string(),
                    "time zone" => self.settings.get("TimeZone").unwrap_or("UTC").to_string(),
                    "role" if self.role.name == self.session_user.name => "none".to_string(),
                    "role" => self.role.name.clone(),
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
                    self.sql_prepared.clear();
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
                Statement::CreateDatabase { .. }
                    | Statement::Drop {
                        object_type: ast::ObjectType::Database,
                        ..
                    }
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
                object_type: ast::ObjectType::Role | ast::ObjectType::User,
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
            Command::Vacuum {
                tables,
                analyze_only,
            } => {
                if !analyze_only
                    && (self.block.as_ref().is_some_and(|b| b.explicit) || self.multi_statement)
                {
                    return Err(DbError::new(
                        SqlState::ACTIVE_SQL_TRANSACTION,
                        "VACUUM cannot run inside a transaction block",
                    ));
                }
                // Names must exist; the work is a store-wide GC of versions no
                // snapshot can see (statistics are not collected yet).
                let mut path = vec![self.temp_schema()];
                path.extend(self.settings.search_path(&self.role.name));
                let checked = self.with_transaction(|ctx| {
                    aiondb_sql::maintenance::check_tables_exist(
                        &ctx.txn.catalog(),
                        ctx.database,
                        &path,
                        tables,
                    )
                });
                self.finish_statement(checked)?;
                self.engine.store.gc();
                command(aiondb_sql::maintenance::tag(*analyze_only))
            }
            Command::Sql(_)
            | Command::Transaction { .. }
            | Command::Do { .. }
            | Command::CreateCast { .. }
            | Command::CreateAsExecute(_)
            | Command::Aggregate(_) => Err(DbError::internal("not a maintenance command")),
        }
    }
}
