//! FOREIGN KEY constraints: resolving a `REFERENCES` clause into the
//! [`ForeignKey`] kept in the table's metadata, finding the constraints
//! that reference a table, and describing them for errors and catalogs.
//! Enforcement on writes lives in [`enforce`].

pub mod enforce;

pub use enforce::Pending;

use crate::meta::{FkAction, ForeignKey, TableMeta};
use crate::parse::{ident, object_name};
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId, Value};
use aiondb_storage::{Catalog, TableSchema};
use sqlparser::ast;
use std::sync::Arc;

/// Where a `REFERENCES` clause appears.
pub enum Referencing<'a> {
    /// `col ... REFERENCES t(c)`: the column's position.
    Column(usize),
    /// `FOREIGN KEY (a, b) REFERENCES ...`: the listed columns.
    Table(&'a [ast::Ident]),
}

/// Resolves a foreign key of `child`. `child` may not be in the catalog yet
/// (CREATE TABLE); a table referencing itself then gets `child.id` as its
/// referenced id, which the caller fixes once the table has one.
/// `taken` holds the constraint names already in use (for generated names).
pub fn define(
    catalog: &Catalog,
    search_path: &[String],
    child: &TableSchema,
    fk: &ast::ForeignKeyConstraint,
    referencing: Referencing<'_>,
    taken: &[String],
) -> DbResult<ForeignKey> {
    if fk
        .match_kind
        .as_ref()
        .is_some_and(|m| !matches!(m, ast::ConstraintReferenceMatchKind::Simple))
    {
        return Err(DbError::not_supported(
            "MATCH FULL and MATCH PARTIAL foreign keys",
        ));
    }
    if fk
        .characteristics
        .as_ref()
        .is_some_and(|c| c.deferrable == Some(true) || c.initially.is_some())
    {
        return Err(DbError::not_supported("deferrable foreign keys"));
    }
    let columns = match referencing {
        Referencing::Column(c) => vec![c],
        Referencing::Table(names) => names
            .iter()
            .map(|n| fk_column(child, &ident(n)))
            .collect::<DbResult<Vec<_>>>()?,
    };
    let parent = referenced_table(catalog, search_path, child, &fk.foreign_table)?;
    let ref_columns = if fk.referred_columns.is_empty() {
        primary_key_columns(&parent)?.ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!(
                    "there is no primary key for referenced table \"{}\"",
                    parent.name
                ),
            )
        })?
    } else {
        let cols = fk
            .referred_columns
            .iter()
            .map(|n| fk_column(&parent, &ident(n)))
            .collect::<DbResult<Vec<_>>>()?;
        if !is_unique_key(&parent, &cols) {
            return Err(DbError::new(
                SqlState::from_static("42830"),
                format!(
                    "there is no unique constraint matching given keys for referenced table \"{}\"",
                    parent.name
                ),
            ));
        }
        cols
    };
    if ref_columns.len() != columns.len() {
        return Err(DbError::new(
            SqlState::from_static("42830"),
            "number of referencing and referenced columns for foreign key disagree",
        ));
    }
    let name = match &fk.name {
        Some(n) => ident(n),
        None => generated_name(child, &columns, taken),
    };
    for (&c, &p) in columns.iter().zip(&ref_columns) {
        let (ct, pt) = (&child.columns[c], &parent.columns[p]);
        if !comparable(&ct.data_type, &pt.data_type) {
            return Err(DbError::new(
                SqlState::DATATYPE_MISMATCH,
                format!("foreign key constraint \"{name}\" cannot be implemented"),
            )
            .with_detail(format!(
                "Key columns \"{}\" and \"{}\" are of incompatible types: {} and {}.",
                ct.name, pt.name, ct.data_type, pt.data_type
            )));
        }
    }
    Ok(ForeignKey {
        name,
        columns,
        ref_table: parent.id.0,
        ref_columns,
        on_delete: action(fk.on_delete.as_ref()),
        on_update: action(fk.on_update.as_ref()),
    })
}

fn action(a: Option<&ast::ReferentialAction>) -> FkAction {
    match a {
        None | Some(ast::ReferentialAction::NoAction) => FkAction::NoAction,
        Some(ast::ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ast::ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ast::ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ast::ReferentialAction::SetDefault) => FkAction::SetDefault,
    }
}

fn fk_column(table: &TableSchema, name: &str) -> DbResult<usize> {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{name}\" referenced in foreign key constraint does not exist"),
            )
        })
}

fn referenced_table(
    catalog: &Catalog,
    search_path: &[String],
    child: &TableSchema,
    name: &ast::ObjectName,
) -> DbResult<Arc<TableSchema>> {
    let (schema, rel) = object_name(name);
    let found = match &schema {
        Some(s) => catalog.table_by_name(child.database, s, &rel).cloned(),
        None => search_path
            .iter()
            .find_map(|s| catalog.table_by_name(child.database, s, &rel))
            .cloned(),
    };
    match found {
        Some(t) if t.id == child.id => Ok(Arc::new(child.clone())),
        Some(t) => Ok(t),
        None if rel == child.name && schema.as_deref().is_none_or(|s| s == child.schema) => {
            Ok(Arc::new(child.clone()))
        }
        None => Err(crate::bind::undefined_table(schema.as_deref(), &rel)),
    }
}

/// The primary key's columns (the store's, or one added by ALTER TABLE).
pub fn primary_key_columns(t: &TableSchema) -> DbResult<Option<Vec<usize>>> {
    if !t.primary_key.is_empty() {
        return Ok(Some(t.primary_key.clone()));
    }
    let meta = TableMeta::of(t)?;
    Ok(meta
        .primary_key_index
        .and_then(|n| t.indexes.iter().find(|i| i.name == n))
        .map(|i| i.columns.clone()))
}

fn same_set(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().all(|c| b.contains(c))
}

/// True if the primary key or a unique index covers exactly these columns.
pub fn is_unique_key(t: &TableSchema, cols: &[usize]) -> bool {
    same_set(&t.primary_key, cols)
        || t.indexes
            .iter()
            .any(|i| i.unique && same_set(&i.columns, cols))
}

/// Whether two key column types can be compared for equality.
fn comparable(a: &DataType, b: &DataType) -> bool {
    use DataType::*;
    let family = |t: &DataType| match t {
        Int2 | Int4 | Int8 | Float4 | Float8 | Numeric(_) | Oid => 1,
        Text | Varchar(_) | Char(_) => 2,
        Date | Timestamp | Timestamptz => 3,
        Json | Jsonb => 4,
        _ => 0,
    };
    a == b || (family(a) != 0 && family(a) == family(b) && family(a) != 4)
}

/// PostgreSQL's generated name: `table_col1_col2_fkey`, numbered on clash.
fn generated_name(child: &TableSchema, columns: &[usize], taken: &[String]) -> String {
    let cols: Vec<&str> = columns
        .iter()
        .map(|&c| child.columns[c].name.as_str())
        .collect();
    let base = format!("{}_{}_fkey", child.name, cols.join("_"));
    if !taken.contains(&base) {
        return base;
    }
    (1..)
        .map(|n| format!("{base}{n}"))
        .find(|n| !taken.contains(n))
        .unwrap_or(base)
}

/// Every constraint name in use in the table's schema (for generated names).
pub fn constraint_names(catalog: &Catalog, database: u32, schema: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in catalog
        .tables
        .values()
        .filter(|t| t.database == database && t.schema == schema)
    {
        out.extend(t.primary_key_name.clone());
        out.extend(t.indexes.iter().map(|i| i.name.clone()));
        if let Ok(meta) = TableMeta::of(t) {
            out.extend(meta.checks.into_iter().map(|c| c.name));
            out.extend(meta.foreign_keys.into_iter().map(|f| f.name));
        }
    }
    out
}

/// Foreign keys of other tables (and of the table itself) referencing
/// `parent`, with the referencing table.
pub fn referencing(
    catalog: &Catalog,
    parent: TableId,
) -> DbResult<Vec<(Arc<TableSchema>, ForeignKey)>> {
    let mut out = Vec::new();
    for t in catalog.tables.values() {
        if !TableMeta::may_have_foreign_keys(t) {
            continue;
        }
        for fk in TableMeta::of(t)?.foreign_keys {
            if fk.ref_table == parent.0 {
                out.push((t.clone(), fk));
            }
        }
    }
    Ok(out)
}

/// `a, b` for the key's columns.
pub fn column_list(t: &TableSchema, cols: &[usize]) -> String {
    cols.iter()
        .map(|&c| t.columns.get(c).map(|c| c.name.as_str()).unwrap_or("?"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// pg_constraint rows for a table's foreign keys (the view's columns:
/// oid, conname, connamespace, contype, conrelid, conindid, confrelid,
/// conkey, confkey, confupdtype, confdeltype, confmatchtype).
pub fn constraint_rows(t: &TableSchema, meta: &TableMeta, namespace: i64) -> Vec<Vec<Value>> {
    let positions =
        |cols: &[usize]| Value::Array(cols.iter().map(|&c| Value::Int2(c as i16 + 1)).collect());
    let oid = |v: u32| Value::Int8(v as i64);
    let text = |s: &str| Value::Text(s.to_string());
    meta.foreign_keys
        .iter()
        .enumerate()
        .map(|(i, fk)| {
            vec![
                oid(3_000_000 + t.id.0 * 64 + i as u32),
                text(&fk.name),
                Value::Int8(namespace),
                text("f"),
                oid(t.id.0),
                oid(0),
                oid(fk.ref_table),
                positions(&fk.columns),
                positions(&fk.ref_columns),
                text(fk.on_update.code()),
                text(fk.on_delete.code()),
                text("s"),
            ]
        })
        .collect()
}
