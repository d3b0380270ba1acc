//! ALTER TABLE: dispatch and the column operations (ADD, DROP, RENAME,
//! ALTER COLUMN). Constraint operations are in [`super::constraint`].
//!
//! Everything runs inside the statement's transaction and is logged as
//! catalog changes plus row writes: ADD COLUMN rewrites every row with the
//! new value; DROP COLUMN (which shifts column positions, and so the
//! store's key and index columns) rebuilds the table, see
//! [`super::rebuild`].

use super::constraint::{self, referencing_column_dependents};
use super::rebuild::{self, ColumnMap};
use super::{column_decl, find_table, require_table, sequence_schema};
use crate::bind::{Binder, Scope};
use crate::foreign_key::{self, Referencing};
use crate::meta::{TableMeta, parse_expr};
use crate::output::SqlContext;
use crate::parse::{ident, object_name};
use aiondb_core::{DbError, DbResult, SqlState, TableId, Value};
use aiondb_storage::TableSchema;
use sqlparser::ast::{self, AlterColumnOperation, AlterTableOperation};
use std::ops::ControlFlow;

/// ALTER TABLE.
pub fn alter_table(ctx: &mut SqlContext<'_>, at: &ast::AlterTable) -> DbResult<String> {
    let Some(table) = find_table(ctx, &at.name) else {
        if at.if_exists {
            ctx.notice(format!(
                "relation \"{}\" does not exist, skipping",
                object_name(&at.name).1
            ));
            return Ok("ALTER TABLE".into());
        }
        return Err(require_table(ctx, &at.name)
            .err()
            .unwrap_or_else(|| DbError::internal("missing")));
    };
    crate::privilege::check_table_owner(crate::privilege::Actor::of(ctx), &table)?;
    let mut id = table.id;
    for op in &at.operations {
        let table = ctx.txn.table(id)?;
        let cascade = |b: &Option<ast::DropBehavior>| matches!(b, Some(ast::DropBehavior::Cascade));
        match op {
            AlterTableOperation::AddConstraint { constraint: c, .. } => {
                constraint::add_constraint(ctx, &table, c)?
            }
            AlterTableOperation::DropConstraint {
                if_exists,
                name,
                drop_behavior,
            } => {
                id = constraint::drop_constraint(
                    ctx,
                    &table,
                    &ident(name),
                    *if_exists,
                    cascade(drop_behavior),
                )?
            }
            AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                column_position: None,
                ..
            } => add_column(ctx, &table, column_def, *if_not_exists)?,
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                drop_behavior,
                ..
            } => {
                for name in column_names {
                    let table = ctx.txn.table(id)?;
                    id = drop_column(
                        ctx,
                        &table,
                        &ident(name),
                        *if_exists,
                        cascade(drop_behavior),
                    )?;
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => rename_column(ctx, &table, old_column_name, new_column_name)?,
            AlterTableOperation::RenameTable { table_name } => {
                let mut schema = (*table).clone();
                schema.name = match table_name {
                    ast::RenameTableNameKind::To(n) | ast::RenameTableNameKind::As(n) => {
                        object_name(n).1
                    }
                };
                ctx.txn.alter_table(schema)?;
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                alter_column(ctx, &table, &ident(column_name), op)?
            }
            other => return Err(DbError::not_supported(format!("ALTER TABLE {other}"))),
        }
    }
    Ok("ALTER TABLE".into())
}

/// 42703 for a column ALTER TABLE names.
fn no_such_column(table: &TableSchema, name: &str) -> DbError {
    DbError::new(
        SqlState::UNDEFINED_COLUMN,
        format!(
            "column \"{name}\" of relation \"{}\" does not exist",
            table.name
        ),
    )
}

fn existing_column(table: &TableSchema, name: &str) -> DbResult<usize> {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| no_such_column(table, name))
}

/// 23502 when a column that must become NOT NULL holds NULLs.
pub(super) fn contains_nulls(table: &TableSchema, col: usize) -> DbError {
    DbError::new(
        SqlState::NOT_NULL_VIOLATION,
        format!(
            "column \"{}\" of relation \"{}\" contains null values",
            table.columns[col].name, table.name
        ),
    )
}

/// Fails with 23502 if some row has NULL in `col`.
pub(super) fn require_no_nulls(
    ctx: &mut SqlContext<'_>,
    table: &TableSchema,
    col: usize,
) -> DbResult<()> {
    let has_null = ctx
        .txn
        .heap_scan(table.id)?
        .any(|(_, r)| r.get(col).is_none_or(Value::is_null));
    if has_null {
        return Err(contains_nulls(table, col));
    }
    Ok(())
}

fn add_column(
    ctx: &mut SqlContext<'_>,
    table: &TableSchema,
    def: &ast::ColumnDef,
    if_not_exists: bool,
) -> DbResult<()> {
    let decl = column_decl(ctx, &table.name, def)?;
    if table.columns.iter().any(|c| c.name == decl.column.name) {
        let msg = format!(
            "column \"{}\" of relation \"{}\" already exists",
            decl.column.name, table.name
        );
        if if_not_exists {
            ctx.notice(format!("{msg}, skipping"));
            return Ok(());
        }
        return Err(DbError::new(SqlState::DUPLICATE_COLUMN, msg));
    }
    if let Some((seq, ty)) = &decl.sequence {
        ctx.txn
            .create_sequence(sequence_schema(ctx.database, &table.schema, seq, ty))?;
    }
    let pos = table.columns.len();
    let mut schema = table.clone();
    let mut meta = TableMeta::of(table)?;
    let ty = decl.column.data_type.clone();
    schema.columns.push(decl.column);
    if let Some(d) = &decl.default {
        meta.defaults.insert(pos, d.clone());
    }
    schema.sql = meta.to_sql()?;
    ctx.txn.alter_table(schema.clone())?;
    // Existing rows get the default (evaluated per row, as nextval needs).
    let keys: Vec<_> = ctx.txn.heap_scan(table.id)?.map(|(k, _)| k).collect();
    {
        let mut exec = crate::statement::executor(ctx, &[]);
        for key in keys {
            let v = match &decl.default {
                Some(d) => foreign_key::enforce::default_value(&mut exec, d, &ty)?,
                None => Value::Null,
            };
            if v.is_null() && !schema.columns[pos].nullable {
                return Err(contains_nulls(&schema, pos));
            }
            exec.txn.update(table.id, &key, |r| {
                let mut n = r.clone();
                n.truncate(pos);
                n.push(v.clone());
                Ok(Some(n))
            })?;
        }
    }
    let schema = ctx.txn.table(table.id)?;
    for check in decl.checks {
        constraint::add_check(ctx, &schema, check)?;
    }
    for name in decl.uniques {
        constraint::add_unique(ctx, &schema, vec![pos], name)?;
    }
    if let Some(name) = decl.primary {
        constraint::add_primary_key(ctx, &schema, vec![pos], name)?;
    }
    for fk in decl.foreign_keys {
        let schema = ctx.txn.table(table.id)?;
        constraint::add_foreign_key(ctx, &schema, &fk, Referencing::Column(pos))?;
    }
    Ok(())
}

/// The column names an expression mentions, each once, in order.
pub(super) fn mentioned_columns(expr_sql: &str) -> DbResult<Vec<String>> {
    let expr = parse_expr(expr_sql)?;
    let mut found: Vec<String> = Vec::new();
    let _ = ast::visit_expressions(&expr, |e| {
        let name = match e {
            ast::Expr::Identifier(i) => Some(ident(i)),
            ast::Expr::CompoundIdentifier(p) => p.last().map(ident),
            _ => None,
        };
        if let Some(n) = name
            && !found.contains(&n)
        {
            found.push(n);
        }
        ControlFlow::<()>::Continue(())
    });
    Ok(found)
}

/// True if the expression mentions the column.
pub(super) fn mentions_column(expr_sql: &str, column: &str) -> DbResult<bool> {
    Ok(mentioned_columns(expr_sql)?.iter().any(|c| c == column))
}

/// PostgreSQL's base name for an unnamed CHECK: `table_col_check` when it
/// uses one column, else `table_check`.
pub(super) fn check_base_name(table: &str, expr_sql: &str) -> DbResult<String> {
    Ok(match mentioned_columns(expr_sql)?.as_slice() {
        [one] => format!("{table}_{one}_check"),
        _ => format!("{table}_check"),
    })
}

fn rename_in_expr(expr_sql: &str, old: &str, new: &str) -> DbResult<String> {
    let mut expr = parse_expr(expr_sql)?;
    let plain = new
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !new.starts_with(|c: char| c.is_ascii_digit());
    let replacement = if plain {
        ast::Ident::new(new)
    } else {
        ast::Ident::with_quote('"', new)
    };
    let _ = ast::visit_expressions_mut(&mut expr, |e| {
        match e {
            ast::Expr::Identifier(i) if ident(i) == old => *i = replacement.clone(),
            ast::Expr::CompoundIdentifier(p) => {
                if let Some(last) = p.last_mut()
                    && ident(last) == old
                {
                    *last = replacement.clone();
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    Ok(expr.to_string())
}

fn rename_column(
    ctx: &mut SqlContext<'_>,
    table: &TableSchema,
    old: &ast::Ident,
    new: &ast::Ident,
) -> DbResult<()> {
    let (old, new) = (ident(old), ident(new));
    let p = table
        .columns
        .iter()
        .position(|c| c.name == old)
        .ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{old}\" does not exist"),
            )
        })?;
    if table.columns.iter().any(|c| c.name == new) {
        return Err(DbError::new(
            SqlState::DUPLICATE_COLUMN,
            format!(
                "column \"{new}\" of relation \"{}\" already exists",
                table.name
            ),
        ));
    }
    let mut schema = table.clone();
    schema.columns[p].name = new.clone();
    let mut meta = TableMeta::of(table)?;
    for check in &mut meta.checks {
        check.expr = rename_in_expr(&check.expr, &old, &new)?;
    }
    schema.sql = meta.to_sql()?;
    ctx.txn.alter_table(schema)
}

fn in_primary_key(table: &TableSchema, col: usize) -> DbResult<bool> {
    Ok(foreign_key::primary_key_columns(table)?.is_some_and(|pk| pk.contains(&col)))
}

fn alter_column(
    ctx: &mut SqlContext<'_>,
    table: &TableSchema,
    name: &str,
    op: &AlterColumnOperation,
) -> DbResult<()> {
    let p = existing_column(table, name)?;
    let mut schema = table.clone();
    let mut meta = TableMeta::of(table)?;
    match op {
        AlterColumnOperation::SetNotNull => {
            require_no_nulls(ctx, table, p)?;
            schema.columns[p].nullable = false;
        }
        AlterColumnOperation::DropNotNull => {
            if in_primary_key(table, p)? {
                return Err(DbError::new(
                    SqlState::INVALID_TABLE_DEFINITION,
                    format!("column \"{name}\" is in a primary key"),
                ));
            }
            schema.columns[p].nullable = true;
        }
        AlterColumnOperation::SetDefault { value } => {
            // Type-check it now, as PostgreSQL does.
            let search_path = ctx.search_path.to_vec();
            let mut b = Binder::new(ctx.txn.catalog(), ctx.database, &search_path, Vec::new());
            let e = b.bind_expr(value, &Scope::default())?;
            b.coerce_to(e, &table.columns[p].data_type)?;
            meta.defaults.insert(p, value.to_string());
        }
        AlterColumnOperation::DropDefault => {
            meta.defaults.remove(&p);
        }
        other => {
            return Err(DbError::not_supported(format!(
                "ALTER TABLE ... ALTER COLUMN {other}"
            )));
        }
    }
    schema.sql = meta.to_sql()?;
    ctx.txn.alter_table(schema)
}

/// DROP COLUMN: the column's indexes and constraints go with it; foreign
/// keys of other tables referencing it need CASCADE. Returns the table's
/// (new) id.
fn drop_column(
    ctx: &mut SqlContext<'_>,
    table: &TableSchema,
    name: &str,
    if_exists: bool,
    cascade: bool,
) -> DbResult<TableId> {
    let Some(p) = table.columns.iter().position(|c| c.name == name) else {
        if if_exists {
            ctx.notice(format!(
                "column \"{name}\" of relation \"{}\" does not exist, skipping",
                table.name
            ));
            return Ok(table.id);
        }
        return Err(no_such_column(table, name));
    };
    let dependents = referencing_column_dependents(ctx, table, p)?;
    if !dependents.is_empty() {
        let what = format!("column {name} of table {}", table.name);
        constraint::drop_dependents(ctx, &what, dependents, cascade)?;
    }
    let table = ctx.txn.table(table.id)?;
    let map = ColumnMap::without(table.columns.len(), p);
    let mut schema = (*table).clone();
    schema.columns.remove(p);
    if schema.primary_key.contains(&p) {
        schema.primary_key.clear();
        schema.primary_key_name = None;
    }
    schema.primary_key = map.apply(&schema.primary_key).unwrap_or_default();
    schema.indexes.retain(|i| !i.columns.contains(&p));
    for index in &mut schema.indexes {
        index.columns = map.apply(&index.columns).unwrap_or_default();
    }
    let mut meta = TableMeta::of(&table)?;
    meta.defaults = meta
        .defaults
        .into_iter()
        .filter_map(|(c, d)| map.get(c).map(|n| (n, d)))
        .collect();
    let mut checks = Vec::new();
    for c in meta.checks {
        if !mentions_column(&c.expr, name)? {
            checks.push(c);
        }
    }
    meta.checks = checks;
    meta.foreign_keys.retain(|f| {
        let self_ref_on_column = f.ref_table == table.id.0 && f.ref_columns.contains(&p);
        !f.columns.contains(&p) && !self_ref_on_column
    });
    for fk in &mut meta.foreign_keys {
        fk.columns = map.apply(&fk.columns).unwrap_or_default();
    }
    if let Some(pk) = &meta.primary_key_index
        && !schema.indexes.iter().any(|i| &i.name == pk)
    {
        meta.primary_key_index = None;
    }
    schema.sql = meta.to_sql()?;
    rebuild::rebuild(ctx, &table, schema, &map)
}
