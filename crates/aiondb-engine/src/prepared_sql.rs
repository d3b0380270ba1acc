//! SQL-level prepared statements: `PREPARE name [(types)] AS statement`,
//! `EXECUTE name [(arguments)]`, `DEALLOCATE [PREPARE] name | ALL`.
//!
//! A prepared statement belongs to the session, not to a transaction: it
//! survives COMMIT and ROLLBACK, and lives until DEALLOCATE, DISCARD ALL or
//! the end of the session. It is parsed and described once at PREPARE
//! (parameter types from the list, else inferred from context, as the
//! extended protocol's Parse does); EXECUTE evaluates its arguments as
//! values of those types and runs the statement with them, returning what
//! the statement returns (its rows and command tag).
//!
//! These names are separate from the extended protocol's statement names
//! (which the wire layer keeps); PostgreSQL shares one namespace between
//! the two, which matters only to a client mixing both for one name.

use crate::session::{PreparedStatement, Session};
use aiondb_core::{DataType, DbError, DbResult, SqlState};
use aiondb_sql::{Column, Command, StatementOutput};
use sqlparser::ast::{self, Statement};

fn does_not_exist(name: &str) -> DbError {
    DbError::new(
        SqlState::from_static("26000"),
        format!("prepared statement \"{name}\" does not exist"),
    )
}

impl Session {
    /// Runs PREPARE, EXECUTE or DEALLOCATE; `None` for other statements.
    pub(crate) fn run_prepared_sql(
        &mut self,
        stmt: &Statement,
    ) -> Option<DbResult<StatementOutput>> {
        Some(match stmt {
            Statement::Prepare {
                name,
                data_types,
                statement,
            } => self.prepare_sql(&name.value, data_types, statement),
            Statement::Execute {
                name: Some(name),
                parameters,
                immediate: false,
                into,
                using,
                output: false,
                default: false,
                ..
            } if into.is_empty() && using.is_empty() => {
                self.execute_sql(&aiondb_sql::object_name(name).1, parameters)
            }
            Statement::Execute { .. } => Err(crate::session::unsupported("this form of EXECUTE")),
            Statement::Deallocate { name, .. } => self.deallocate_sql(name),
            _ => return None,
        })
    }

    /// Result columns of `EXECUTE name` (Describe of a statement).
    pub(crate) fn prepared_sql_columns(&self, stmt: &Statement) -> Vec<Column> {
        match stmt {
            Statement::Execute { name: Some(n), .. } => self
                .sql_prepared
                .get(&aiondb_sql::object_name(n).1)
                .map(|p| p.columns().to_vec())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn prepare_sql(
        &mut self,
        name: &str,
        data_types: &[ast::DataType],
        statement: &Statement,
    ) -> DbResult<StatementOutput> {
        if self.sql_prepared.contains_key(name) {
            return Err(DbError::new(
                SqlState::from_static("42P05"),
                format!("prepared statement \"{name}\" already exists"),
            ));
        }
        if !matches!(
            statement,
            Statement::Query(_)
                | Statement::Insert(_)
                | Statement::Update(_)
                | Statement::Delete(_)
        ) {
            return Err(DbError::new(
                SqlState::SYNTAX_ERROR,
                "only SELECT, VALUES, INSERT, UPDATE and DELETE can be prepared",
            ));
        }
        let hints = data_types
            .iter()
            .map(aiondb_sql::sql_data_type)
            .collect::<DbResult<Vec<DataType>>>()?;
        let command = Command::Sql(Box::new(statement.clone()));
        let prepared = self.describe_command(command, hints, &statement.to_string())?;
        self.sql_prepared.insert(name.to_string(), prepared);
        Ok(StatementOutput::Command {
            tag: "PREPARE".into(),
        })
    }

    fn execute_sql(&mut self, name: &str, arguments: &[ast::Expr]) -> DbResult<StatementOutput> {
        let prepared: PreparedStatement = self
            .sql_prepared
            .get(name)
            .cloned()
            .ok_or_else(|| does_not_exist(name))?;
        let types = prepared.param_types().to_vec();
        if arguments.len() != types.len() {
            let mut e = DbError::new(
                SqlState::SYNTAX_ERROR,
                format!("wrong number of parameters for prepared statement \"{name}\""),
            );
            e.detail = Some(format!(
                "Expected {} parameters but got {}.",
                types.len(),
                arguments.len()
            ));
            return Err(e);
        }
        let values = if arguments.is_empty() {
            Vec::new()
        } else {
            self.with_transaction(|ctx| aiondb_sql::evaluate_arguments(ctx, arguments, &types))?
        };
        match prepared.command() {
            Some(command) => self.run(command, &values, Some(prepared.plan())),
            None => Ok(StatementOutput::Empty),
        }
    }

    /// CREATE TABLE ... AS EXECUTE name: the statement with the prepared
    /// query in place of EXECUTE (a prepared query with parameters is
    /// refused).
    pub(crate) fn create_as_execute(
        &mut self,
        c: &aiondb_sql::CreateAsExecute,
    ) -> DbResult<StatementOutput> {
        let prepared = match self.sql_prepared.get(&c.prepared).cloned() {
            Some(p) => p,
            None => {
                self.note_error();
                return Err(does_not_exist(&c.prepared));
            }
        };
        let query = match prepared.command() {
            Some(Command::Sql(stmt)) if matches!(**stmt, Statement::Query(_)) => stmt.to_string(),
            _ => {
                self.note_error();
                return Err(DbError::new(
                    SqlState::WRONG_OBJECT_TYPE,
                    "prepared statement is not a SELECT",
                ));
            }
        };
        if !prepared.param_types().is_empty() || !c.arguments.is_empty() {
            self.note_error();
            return Err(crate::session::unsupported(
                "CREATE TABLE AS EXECUTE of a prepared statement with parameters",
            ));
        }
        let text = c.with_query(&query);
        let mut commands = match aiondb_sql::parse(&text) {
            Ok(c) => c,
            Err(e) => {
                self.note_error();
                return Err(e);
            }
        };
        match (commands.pop(), commands.is_empty()) {
            (Some(command), true) => self.run(&command, &[], None),
            _ => Err(DbError::internal("CREATE TABLE AS EXECUTE rewrite")),
        }
    }

    fn deallocate_sql(&mut self, name: &ast::Ident) -> DbResult<StatementOutput> {
        if name.quote_style.is_none() && name.value.eq_ignore_ascii_case("all") {
            self.sql_prepared.clear();
            return Ok(StatementOutput::Command {
                tag: "DEALLOCATE ALL".into(),
            });
        }
        match self.sql_prepared.remove(&name.value) {
            Some(_) => Ok(StatementOutput::Command {
                tag: "DEALLOCATE".into(),
            }),
            None => Err(does_not_exist(&name.value)),
        }
    }
}
