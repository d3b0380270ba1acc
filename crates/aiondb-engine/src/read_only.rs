//! Which statements a READ ONLY transaction refuses (SQLSTATE 25006,
//! "cannot execute X in a read-only transaction"), as PostgreSQL does:
//! data changes are refused unless their target is a temporary table;
//! every DDL statement is refused, temporary objects included.

use aiondb_core::{DbError, DbResult, SqlState};
use sqlparser::ast::{
    self, FromTable, ObjectName, Query, SetExpr, Statement, TableFactor, TableObject,
};

fn refused(what: &str) -> DbError {
    DbError::new(
        SqlState::from_static("25006"),
        format!("cannot execute {what} in a read-only transaction"),
    )
}

/// A table a data change writes.
fn table_factor_name(t: &TableFactor) -> Option<&ObjectName> {
    match t {
        TableFactor::Table { name, .. } => Some(name),
        _ => None,
    }
}

/// Checks `stmt` for a read-only transaction; `is_temp` tells whether a
/// named table is a temporary one.
pub(crate) fn check(stmt: &Statement, is_temp: &dyn Fn(&ObjectName) -> bool) -> DbResult<()> {
    let dml = |what: &str, targets: Vec<Option<&ObjectName>>| -> DbResult<()> {
        if targets.iter().all(|t| t.is_some_and(is_temp)) {
            Ok(())
        } else {
            Err(refused(what))
        }
    };
    match stmt {
        Statement::Query(q) => check_query(q, is_temp),
        Statement::Insert(i) => {
            let target = match &i.table {
                TableObject::TableName(n) => Some(n),
                _ => None,
            };
            dml("INSERT", vec![target])?;
            i.source
                .as_deref()
                .map_or(Ok(()), |q| check_query(q, is_temp))
        }
        Statement::Update(u) => dml("UPDATE", vec![table_factor_name(&u.table.relation)]),
        Statement::Delete(d) => {
            let from = match &d.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            let mut targets: Vec<Option<&ObjectName>> = d.tables.iter().map(Some).collect();
            if targets.is_empty() {
                targets = from
                    .iter()
                    .map(|t| table_factor_name(&t.relation))
                    .collect();
            }
            dml("DELETE", targets)
        }
        Statement::Merge(m) => dml("MERGE", vec![table_factor_name(&m.table)]),
        Statement::Copy { to: true, .. } => Ok(()),
        Statement::Copy { source, .. } => {
            let target = match source {
                ast::CopySource::Table { table_name, .. } => Some(table_name),
                ast::CopySource::Query(_) => None,
            };
            dml("COPY FROM", vec![target])
        }
        Statement::Explain {
            statement, analyze, ..
        } if *analyze => check(statement, is_temp),
        Statement::Explain { .. }
        | Statement::ExplainTable { .. }
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. }
        | Statement::Set(_)
        | Statement::Reset(_)
        | Statement::ShowVariable { .. }
        | Statement::ShowVariables { .. }
        | Statement::Discard { .. }
        | Statement::Declare { .. }
        | Statement::Fetch { .. }
        | Statement::Close { .. }
        | Statement::Prepare { .. }
        | Statement::Deallocate { .. } => Ok(()),
        Statement::Execute { .. } => Ok(()),
        other => Err(refused(&command_name(other))),
    }
}

fn check_query(q: &Query, is_temp: &dyn Fn(&ObjectName) -> bool) -> DbResult<()> {
    if let Some(with) = &q.with {
        for cte in &with.cte_tables {
            check_query(&cte.query, is_temp)?;
        }
    }
    check_set_expr(&q.body, is_temp)
}

fn check_set_expr(body: &SetExpr, is_temp: &dyn Fn(&ObjectName) -> bool) -> DbResult<()> {
    match body {
        SetExpr::Select(s) if s.into.is_some() => Err(refused("SELECT INTO")),
        SetExpr::Query(q) => check_query(q, is_temp),
        SetExpr::SetOperation { left, right, .. } => {
            check_set_expr(left, is_temp)?;
            check_set_expr(right, is_temp)
        }
        SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) | SetExpr::Merge(s) => {
            check(s, is_temp)
        }
        _ => Ok(()),
    }
}

/// PostgreSQL's command name for a DDL statement.
fn command_name(stmt: &Statement) -> String {
    match stmt {
        Statement::CreateTable(c) if c.query.is_some() => "CREATE TABLE AS".into(),
        Statement::CreateTable(_) => "CREATE TABLE".into(),
        Statement::CreateIndex(_) => "CREATE INDEX".into(),
        Statement::CreateView(v) if v.materialized => "CREATE MATERIALIZED VIEW".into(),
        Statement::CreateView(_) => "CREATE VIEW".into(),
        Statement::AlterTable(_) => "ALTER TABLE".into(),
        Statement::Truncate(_) => "TRUNCATE TABLE".into(),
        Statement::Drop { object_type, .. } => {
            format!("DROP {}", object_type.to_string().to_uppercase())
        }
        Statement::Grant { .. } => "GRANT".into(),
        Statement::Revoke { .. } => "REVOKE".into(),
        other => {
            // The statement's leading keywords (CREATE SCHEMA, ALTER ROLE...).
            let text = other.to_string();
            let words: Vec<&str> = text
                .split_whitespace()
                .take_while(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
                .take(2)
                .collect();
            words.join(" ").to_uppercase()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(sql: &str, temp: bool) -> DbResult<()> {
        let stmt =
            sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, sql)
                .unwrap()
                .remove(0);
        check(&stmt, &|_| temp)
    }

    #[test]
    fn refuses_writes_and_ddl() {
        assert!(run("SELECT 1", false).is_ok());
        let e = run("INSERT INTO t VALUES (1)", false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot execute INSERT in a read-only transaction"
        );
        assert!(run("DELETE FROM t", true).is_ok());
        let e = run("DROP TABLE t", true).unwrap_err();
        assert!(e.to_string().contains("DROP TABLE"));
        let e = run("CREATE TABLE x AS SELECT 1", false).unwrap_err();
        assert!(e.to_string().contains("CREATE TABLE AS"));
        assert!(
            run(
                "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                false
            )
            .is_err()
        );
    }
}
