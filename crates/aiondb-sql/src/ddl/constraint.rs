//! ALTER TABLE ADD CONSTRAINT / DROP CONSTRAINT. Each added constraint is
//! validated against the rows already in the table.

use super::alter::check_base_name;
use super::rebuild::{self, ColumnMap};
use super::{drop_foreign_key, index_columns};
use crate::bind::{Binder, Scope, table_columns};
use crate::foreign_key::{self, Referencing};
use crate::meta::{Check, ForeignKey, TableMeta, parse_expr};
use crate::output::SqlContext;
use crate::parse::ident;
use aiondb_core::{DataType, DbError, DbResult, IndexId, SqlState, TableId, Value};
use aiondb_storage::{IndexSchema, TableSchema};
use sqlparser::ast::{self, TableConstraint};
use std::sync::Arc;

/// ADD CONSTRAINT.
pub fn add_constraint(
    ctx: &mut SqlContext<'_>,
    table: &TableSchema,
    c: &TableConstraint,
) -> DbResult<()> {
    match c {
        TableConstraint::PrimaryKey(pk) => {
            let cols = index_columns(table, &pk.columns)?;
            add_primary_key(ctx, table, cols, pk.name.as_ref().map(ident))
        }
        TableConstraint::Unique(u) => {
            let cols = index_columns(table, &u.columns)?;
            add_unique(ctx, table, cols, u.name.as_ref().map(ident))
        }
        TableConstraint::Check(ch) => {
            let name = match &ch.name {
                Some(n) => ident(n),
                None => check_name(ctx, table, &ch.expr.to_string())?,
            };
            add_check(
                ctx,
                table,
                Check {
                    name,
                    expr: ch.expr.to_string(),
                },
            )
        }
        TableConstraint::ForeignKey(fk) => {
            add_foreign_key(ctx, table, fk, Referencing::Table(&fk.columns))
        }
        other => Err(DbError::not_supported(format!(
            "ALTER TABLE ADD CONSTRAINT {other}"
        ))),
    }
}

fn taken_names(ctx: &SqlContext<'_>, table: &TableSchema) -> Vec<String> {
    foreign_key::constraint_names(&ctx.txn.catalog(), ctx.database, &table.schema)
}

fn numbered(base: String, taken: impl Fn(&str) -> bool) -> String {
    if !taken(&base) {
        return base;
    }
    (1..)
        .map(|n| format!("{base}{n}"))
        .find(|n| !taken(n))
        .unwrap_or(base)
}

/// PostgreSQL's name for an unnamed CHECK: `table_col_check` when it uses
/// one column, else `table_check`; numbered on clash.
pub fn check_name(ctx: &SqlContext<'_>, table: &TableSchema, expr: &str) -> DbResult<String> {
    let base = check_base_name(&table.name, expr)?;
    let taken = taken_names(ctx, table);
    Ok(numbered(base, |n| taken.iter().any(|t| t == n)))
}

/// 42710 if the table already has a constraint with this name.
fn require_new_name(table: &TableSchema, name: &str) -> DbResult<()> {
    let meta = TableMeta::of(table)?;
    let exists = table.primary_key_name.as_deref() == Some(name)
        || table.indexes.iter().any(|i| i.name == name)
        || meta.checks.iter().any(|c| c.name == name)
        || meta.foreign_keys.iter().any(|f| f.name == name);
    if exists {
        return Err(DbError::new(
            SqlState::DUPLICATE_OBJECT,
            format!(
                "constraint \"{name}\" for relation \"{}\" already exists",
                table.name
            ),
        ));
    }
    Ok(())
}

/// Adds a CHECK after verifying every row passes it (23514 otherwise).
pub fn add_check(ctx: &mut SqlContext<'_>, table: &TableSchema, check: Check) -> DbResult<()> {
    require_new_name(table, &check.name)?;
    let search_path = ctx.search_path.to_vec();
    let mut b = Binder::new(ctx.txn.catalog(), ctx.database, &search_path, Vec::new());
    let scope = Scope::of(&table_columns(table), Some(&table.name));
    let e = b.bind_expr(&parse_expr(&check.expr)?, &scope)?;
    let e = b.coerce_to(e, &DataType::Bool)?;
    drop(b);
    let rows: Vec<_> = ctx.txn.heap_scan(table.id)?.map(|(_, r)| r).collect();
    {
        let mut exec = crate::statement::executor(ctx, &[]);
        for row in rows {
            if exec.eval(&e, &row)? == Value::Bool(false) {
                return Err(DbError::new(
                    SqlState::CHECK_VIOLATION,
                    format!(
                        "check constraint \"{}\" of relation \"{}\" is violated by some row",
                        check.name, table.name
                    ),
                ));
            }
        }
    }
    let mut schema = (*ctx.txn.table(table.id)?).clone();
    let mut meta = TableMeta::of(&schema)?;
    meta.checks.push(check);
    schema.sql = meta.to_sql()?;
    ctx.txn.alter_table(schema)
}

/// Adds a UNIQUE constraint (a unique index; 23505 over duplicate rows).
pub fn add_unique(
    ctx: &mut SqlContext<'_>,
    table: &TableSchema,
    cols: Vec<usize>,
    name: Option<String>,
) -> DbResult<()> {
    let name = match name {
        Some(n) => {
            require_new_name(table, &n)?;
            n
        }
        None => {
            let cn: Vec<&str> = cols
                .iter()
                .map(|&c| table.columns[c].name.as_str())
                .collect();
            let catalog = ctx.txn.catalog();
            numbered(format!("{}_{}_key", table.name, cn.join("_")), |n| {
                catalog.relation_exists(table.database, &table.schema, n)
            })
        }
    };
    ctx.txn.create_index(
        table.id,
        IndexSchema {
            id: IndexId(0),
            name,
            columns: cols,
            unique: true,
        },
    )?;
    Ok(())
}

/// Adds a PRIMARY KEY: its columns become NOT NULL (23502 over NULLs) and a
/// unique index enforces it.
pub fn add_primary_key(
    ctx: &mut SqlContext<'_>,
    table: &TableSchema,
    cols: Vec<usize>,
    name: Option<String>,
) -> DbResult<()> {
    let mut meta = TableMeta::of(table)?;
    if !table.primary_key.is_empty() || meta.primary_key_index.is_some() {
        return Err(super::multiple_primary_keys(&table.name));
    }
    let name = name.unwrap_or_else(|| format!("{}_pkey", table.name));
    let mut schema = table.clone();
    for &c in &cols {
        super::alter::require_no_nulls(ctx, table, c)?;
        schema.columns[c].nullable = false;
    }
    meta.primary_key_index = Some(name.clone());
    schema.sql = meta.to_sql()?;
    ctx.txn.alter_table(schema)?;
    ctx.txn.create_index(
        table.id,
        IndexSchema {
            id: IndexId(0),
            name,
            columns: cols,
            unique: true,
        },
    )?;
    Ok(())
}

/// Adds a FOREIGN KEY after verifying every row's key is present.
pub fn add_foreign_key(
    ctx: &mut SqlContext<'_>,
    table: &TableSchema,
    fk: &ast::ForeignKeyConstraint,
    referencing: Referencing<'_>,
) -> DbResult<()> {
    if let Some(n) = &fk.name {
        require_new_name(table, &ident(n))?;
    }
    let taken = taken_names(ctx, table);
    let def = foreign_key::define(
        &ctx.txn.catalog(),
        ctx.search_path,
        table,
        fk,
        referencing,
        &taken,
    )?;
    {
        let mut exec = crate::statement::executor(ctx, &[]);
        foreign_key::enforce::validate(&mut exec, table, &def)?;
    }
    let mut schema = (*ctx.txn.table(table.id)?).clone();
    let mut meta = TableMeta::of(&schema)?;
    meta.foreign_keys.push(def);
    schema.sql = meta.to_sql()?;
    ctx.txn.alter_table(schema)
}

/// A foreign key of another table (or this one) and its table.
pub type Dependent = (Arc<TableSchema>, ForeignKey);

/// Foreign keys of other tables that reference column `col` of `table`.
pub fn referencing_column_dependents(
    ctx: &SqlContext<'_>,
    table: &TableSchema,
    col: usize,
) -> DbResult<Vec<Dependent>> {
    Ok(foreign_key::referencing(&ctx.txn.catalog(), table.id)?
        .into_iter()
        .filter(|(child, fk)| child.id != table.id && fk.ref_columns.contains(&col))
        .collect())
}

/// Foreign keys that rely on the unique key `cols` of `table` (none if
/// another unique key of the table covers the same columns).
fn key_dependents(
    ctx: &SqlContext<'_>,
    table: &TableSchema,
    cols: &[usize],
    dropped_index: Option<IndexId>,
) -> DbResult<Vec<Dependent>> {
    let same = |c: &[usize]| c.len() == cols.len() && c.iter().all(|x| cols.contains(x));
    let other_key = (dropped_index.is_some() && same(&table.primary_key))
        || table
            .indexes
            .iter()
            .any(|i| i.unique && Some(i.id) != dropped_index && same(&i.columns));
    if other_key {
        return Ok(Vec::new());
    }
    Ok(foreign_key::referencing(&ctx.txn.catalog(), table.id)?
        .into_iter()
        .filter(|(_, fk)| same(&fk.ref_columns))
        .collect())
}

/// Dependent foreign keys of `what` (e.g. "column id of table p"): 2BP01
/// without CASCADE, else dropped with a NOTICE.
pub fn drop_dependents(
    ctx: &mut SqlContext<'_>,
    what: &str,
    dependents: Vec<Dependent>,
    cascade: bool,
) -> DbResult<()> {
    drop_dependents_on(ctx, what, what, dependents, cascade)
}

fn drop_dependents_on(
    ctx: &mut SqlContext<'_>,
    what: &str,
    depends_on: &str,
    dependents: Vec<Dependent>,
    cascade: bool,
) -> DbResult<()> {
    if dependents.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = dependents
        .iter()
        .map(|(child, fk)| format!("constraint {} on table {}", fk.name, child.name))
        .collect();
    if !cascade {
        let detail: Vec<String> = names
            .iter()
            .map(|n| format!("{n} depends on {depends_on}"))
            .collect();
        return Err(DbError::new(
            SqlState::from_static("2BP01"),
            format!("cannot drop {what} because other objects depend on it"),
        )
        .with_detail(detail.join("\n"))
        .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
    }
    let lines: Vec<String> = names
        .iter()
        .map(|n| format!("drop cascades to {n}"))
        .collect();
    ctx.notices.push(if lines.len() == 1 {
        DbError::new(SqlState::SUCCESSFUL_COMPLETION, lines[0].clone())
    } else {
        DbError::new(
            SqlState::SUCCESSFUL_COMPLETION,
            format!("drop cascades to {} other objects", lines.len()),
        )
        .with_detail(lines.join("\n"))
    });
    for (child, fk) in dependents {
        drop_foreign_key(ctx, child.id, &fk.name)?;
    }
    Ok(())
}

/// DROP CONSTRAINT. Returns the table's (possibly new) id.
pub fn drop_constraint(
    ctx: &mut SqlContext<'_>,
    table: &TableSchema,
    name: &str,
    if_exists: bool,
    cascade: bool,
) -> DbResult<TableId> {
    let mut meta = TableMeta::of(table)?;
    let mut schema = table.clone();
    if meta.checks.iter().any(|c| c.name == name) {
        meta.checks.retain(|c| c.name != name);
    } else if meta.foreign_keys.iter().any(|f| f.name == name) {
        meta.foreign_keys.retain(|f| f.name != name);
    } else if let Some(index) = table.indexes.iter().find(|i| i.unique && i.name == name) {
        let what = format!("constraint {name} on table {}", table.name);
        let deps = key_dependents(ctx, table, &index.columns, Some(index.id))?;
        drop_dependents_on(ctx, &what, &format!("index {name}"), deps, cascade)?;
        ctx.txn.drop_index(table.id, index.id)?;
        schema = (*ctx.txn.table(table.id)?).clone();
        meta = TableMeta::of(&schema)?;
        if meta.primary_key_index.as_deref() == Some(name) {
            meta.primary_key_index = None;
        }
    } else if !table.primary_key.is_empty()
        && table.primary_key_name.as_deref().unwrap_or_default() == name
    {
        let what = format!("constraint {name} on table {}", table.name);
        let deps = key_dependents(ctx, table, &table.primary_key, None)?;
        drop_dependents_on(ctx, &what, &format!("index {name}"), deps, cascade)?;
        let table = ctx.txn.table(table.id)?;
        let mut schema = (*table).clone();
        schema.primary_key.clear();
        schema.primary_key_name = None;
        return rebuild::rebuild(
            ctx,
            &table,
            schema,
            &ColumnMap::identity(table.columns.len()),
        );
    } else {
        let msg = format!(
            "constraint \"{name}\" of relation \"{}\" does not exist",
            table.name
        );
        if if_exists {
            ctx.notice(format!("{msg}, skipping"));
            return Ok(table.id);
        }
        return Err(DbError::new(SqlState::UNDEFINED_OBJECT, msg));
    }
    schema.sql = meta.to_sql()?;
    ctx.txn.alter_table(schema)?;
    Ok(table.id)
}
