//! CREATE TABLE ... AS SELECT: a new table with the query's columns,
//! filled with its rows.

use crate::bind::{Binder, bind_query};
use crate::output::SqlContext;
use crate::parse::{ident, object_name};
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId};
use aiondb_storage::{ColumnSchema, TableSchema};
use sqlparser::ast;

/// Runs CREATE TABLE name [(columns)] AS query; returns the command tag.
pub fn create_table_as(
    ctx: &mut SqlContext<'_>,
    ct: &ast::CreateTable,
    query: &ast::Query,
) -> DbResult<String> {
    let (schema, name) = object_name(&ct.name);
    let schema = crate::ddl::schema_name(ctx, schema)?;
    if ctx
        .txn
        .catalog()
        .relation_exists(ctx.database, &schema, &name)
    {
        if ct.if_not_exists {
            ctx.notice(format!("relation \"{name}\" already exists, skipping"));
            return Ok("CREATE TABLE AS".into());
        }
        return Err(DbError::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    let mut b = Binder::new(ctx.txn.catalog(), ctx.database, ctx.search_path, Vec::new());
    let plan = bind_query(&mut b, query)?;
    drop(b);
    let mut columns: Vec<ColumnSchema> = plan
        .columns()
        .into_iter()
        .map(|c| ColumnSchema {
            name: c.name,
            // An untyped literal column becomes text, as in PostgreSQL.
            data_type: match c.data_type {
                DataType::Unknown => DataType::Text,
                t => t,
            },
            nullable: true,
        })
        .collect();
    if ct.columns.len() > columns.len() {
        return Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            "too many column names were specified",
        ));
    }
    for (c, def) in columns.iter_mut().zip(&ct.columns) {
        c.name = ident(&def.name);
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].iter().any(|p| p.name == c.name) {
            return Err(DbError::new(
                SqlState::DUPLICATE_COLUMN,
                format!("column \"{}\" specified more than once", c.name),
            ));
        }
    }
    let rows = crate::statement::executor(ctx, &[]).run(&plan)?;
    let id = ctx.txn.create_table(TableSchema {
        id: TableId(0),
        database: ctx.database,
        schema,
        name,
        columns,
        primary_key: Vec::new(),
        primary_key_name: None,
        indexes: Vec::new(),
        sql: String::new(),
    })?;
    let n = rows.len();
    for (i, row) in rows.into_iter().enumerate() {
        if i % 4096 == 0 {
            ctx.check_interrupt()?;
        }
        ctx.txn.insert(id, row)?;
    }
    Ok(format!("SELECT {n}"))
}
