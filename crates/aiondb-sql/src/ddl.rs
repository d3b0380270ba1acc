//! CREATE / DROP / ALTER / TRUNCATE.

use crate::bind::expr::data_type;
use crate::meta::{Check, TableMeta};
use crate::output::SqlContext;
use crate::parse::{ident, object_name};
use aiondb_core::{DataType, DbError, DbResult, IndexId, SqlState, TableId};
use aiondb_storage::{ColumnSchema, IndexSchema, SequenceId, SequenceSchema, TableSchema};
use sqlparser::ast::{self, ColumnOption, TableConstraint};

pub(crate) fn schema_name(ctx: &SqlContext<'_>, explicit: Option<String>) -> DbResult<String> {
    let s = explicit.unwrap_or_else(|| {
        ctx.search_path
            .iter()
            .find(|s| *s == "public")
            .cloned()
            .unwrap_or_else(|| "public".into())
    });
    if s != "public" {
        return Err(DbError::new(
            SqlState::from_static("3F000"),
            format!("schema \"{s}\" does not exist"),
        ));
    }
    Ok(s)
}

fn find_table(ctx: &SqlContext<'_>, name: &ast::ObjectName) -> Option<std::sync::Arc<TableSchema>> {
    let (schema, rel) = object_name(name);
    let cat = ctx.txn.catalog();
    match schema {
        Some(s) => cat.table_by_name(ctx.database, &s, &rel).cloned(),
        None => ctx
            .search_path
            .iter()
            .find_map(|s| cat.table_by_name(ctx.database, s, &rel))
            .cloned(),
    }
}

fn require_table(
    ctx: &SqlContext<'_>,
    name: &ast::ObjectName,
) -> DbResult<std::sync::Arc<TableSchema>> {
    find_table(ctx, name).ok_or_else(|| {
        let (s, r) = object_name(name);
        crate::bind::undefined_table(s.as_deref(), &r)
    })
}

fn index_columns(table: &TableSchema, cols: &[ast::IndexColumn]) -> DbResult<Vec<usize>> {
    cols.iter()
        .map(|c| {
            let name = match &c.column.expr {
                ast::Expr::Identifier(i) => ident(i),
                other => {
                    return Err(DbError::not_supported(format!(
                        "index on expression {other}"
                    )));
                }
            };
            column_position(table, &name)
        })
        .collect()
}

fn column_position(table: &TableSchema, name: &str) -> DbResult<usize> {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{name}\" named in key does not exist"),
            )
        })
}

fn sequence_schema(database: u32, schema: &str, name: &str, ty: &DataType) -> SequenceSchema {
    SequenceSchema {
        id: SequenceId(0),
        database,
        schema: schema.into(),
        name: name.into(),
        start: 1,
        increment: 1,
        min_value: 1,
        max_value: match ty {
            DataType::Int2 => i16::MAX as i64,
            DataType::Int4 => i32::MAX as i64,
            _ => i64::MAX,
        },
        cycle: false,
    }
}

/// CREATE TABLE.
pub fn create_table(ctx: &mut SqlContext<'_>, ct: &ast::CreateTable) -> DbResult<String> {
    if ct.temporary {
        return Err(DbError::not_supported("temporary tables are not supported"));
    }
    if ct.inherits.as_ref().is_some_and(|i| !i.is_empty()) {
        return Err(DbError::not_supported("CREATE TABLE ... INHERITS"));
    }
    if let Some(q) = &ct.query {
        return crate::create_as::create_table_as(ctx, ct, q);
    }
    let (schema, name) = object_name(&ct.name);
    let schema = schema_name(ctx, schema)?;
    if ctx
        .txn
        .catalog()
        .relation_exists(ctx.database, &schema, &name)
    {
        if ct.if_not_exists {
            ctx.notice(format!("relation \"{name}\" already exists, skipping"));
            return Ok("CREATE TABLE".into());
        }
        return Err(DbError::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    let mut columns = Vec::new();
    let mut meta = TableMeta::default();
    let mut primary: Option<(Vec<usize>, Option<String>)> = None;
    let mut uniques: Vec<(Vec<usize>, Option<String>)> = Vec::new();
    let mut sequences = Vec::new();
    for (i, col) in ct.columns.iter().enumerate() {
        let cname = ident(&col.name);
        if columns.iter().any(|c: &ColumnSchema| c.name == cname) {
            return Err(DbError::new(
                SqlState::DUPLICATE_COLUMN,
                format!("column \"{cname}\" specified more than once"),
            ));
        }
        let type_text = col.data_type.to_string().to_lowercase();
        let (ty, serial) = match type_text.as_str() {
            "serial" | "serial4" => (DataType::Int4, true),
            "bigserial" | "serial8" => (DataType::Int8, true),
            "smallserial" | "serial2" => (DataType::Int2, true),
            _ => (data_type(&col.data_type)?, false),
        };
        let mut nullable = !serial;
        if serial {
            let seq = format!("{name}_{cname}_seq");
            meta.defaults.insert(i, format!("nextval('{seq}')"));
            sequences.push((seq, ty.clone()));
        }
        for opt in &col.options {
            match &opt.option {
                ColumnOption::Null => nullable = true,
                ColumnOption::NotNull => nullable = false,
                ColumnOption::Default(e) => {
                    meta.defaults.insert(i, e.to_string());
                }
                ColumnOption::PrimaryKey(_) => {
                    if primary.is_some() {
                        return Err(DbError::new(
                            SqlState::INVALID_TABLE_DEFINITION,
                            format!("multiple primary keys for table \"{name}\" are not allowed"),
                        ));
                    }
                    primary = Some((vec![i], opt.name.as_ref().map(ident)));
                    nullable = false;
                }
                ColumnOption::Unique(_) => uniques.push((vec![i], opt.name.as_ref().map(ident))),
                ColumnOption::Check(c) => meta.checks.push(Check {
                    name: opt
                        .name
                        .as_ref()
                        .or(c.name.as_ref())
                        .map(ident)
                        .unwrap_or_else(|| format!("{name}_{cname}_check")),
                    expr: c.expr.to_string(),
                }),
                ColumnOption::ForeignKey(_) => {
                    return Err(DbError::not_supported(
                        "FOREIGN KEY constraints are not supported yet",
                    ));
                }
                other => return Err(DbError::not_supported(format!("column option {other}"))),
            }
        }
        columns.push(ColumnSchema {
            name: cname,
            data_type: ty,
            nullable,
        });
    }
    let tmp = TableSchema {
        id: TableId(0),
        database: ctx.database,
        schema: schema.clone(),
        name: name.clone(),
        columns: columns.clone(),
        primary_key: Vec::new(),
        primary_key_name: None,
        indexes: Vec::new(),
        sql: String::new(),
    };
    for c in &ct.constraints {
        match c {
            TableConstraint::PrimaryKey(pk) => {
                if primary.is_some() {
                    return Err(DbError::new(
                        SqlState::INVALID_TABLE_DEFINITION,
                        format!("multiple primary keys for table \"{name}\" are not allowed"),
                    ));
                }
                primary = Some((
                    index_columns(&tmp, &pk.columns)?,
                    pk.name.as_ref().map(ident),
                ));
            }
            TableConstraint::Unique(u) => {
                uniques.push((index_columns(&tmp, &u.columns)?, u.name.as_ref().map(ident)))
            }
            TableConstraint::Check(ch) => meta.checks.push(Check {
                name: ch
                    .name
                    .as_ref()
                    .map(ident)
                    .unwrap_or_else(|| format!("{name}_check")),
                expr: ch.expr.to_string(),
            }),
            TableConstraint::ForeignKey(_) => {
                return Err(DbError::not_supported(
                    "FOREIGN KEY constraints are not supported yet",
                ));
            }
            other => return Err(DbError::not_supported(format!("table constraint {other}"))),
        }
    }
    let (pk_cols, pk_name) = primary.unwrap_or_default();
    for &c in &pk_cols {
        columns[c].nullable = false;
    }
    let indexes = uniques
        .into_iter()
        .map(|(cols, n)| {
            let cn: Vec<&str> = cols.iter().map(|&c| columns[c].name.as_str()).collect();
            IndexSchema {
                id: IndexId(0),
                name: n.unwrap_or_else(|| format!("{name}_{}_key", cn.join("_"))),
                columns: cols,
                unique: true,
            }
        })
        .collect();
    for (seq, ty) in &sequences {
        ctx.txn
            .create_sequence(sequence_schema(ctx.database, &schema, seq, ty))?;
    }
    let schema_def = TableSchema {
        primary_key_name: (!pk_cols.is_empty())
            .then(|| pk_name.unwrap_or_else(|| format!("{name}_pkey"))),
        primary_key: pk_cols,
        columns,
        indexes,
        sql: meta.to_sql()?,
        ..tmp
    };
    ctx.txn.create_table(schema_def)?;
    Ok("CREATE TABLE".into())
}

/// DROP TABLE / INDEX / SEQUENCE.
pub fn drop(
    ctx: &mut SqlContext<'_>,
    object_type: &ast::ObjectType,
    if_exists: bool,
    names: &[ast::ObjectName],
) -> DbResult<String> {
    let cat = ctx.txn.catalog();
    match object_type {
        ast::ObjectType::Table => {
            let mut found = Vec::new();
            for n in names {
                match find_table(ctx, n) {
                    Some(t) => found.push(t.id),
                    None if if_exists => ctx.notice(format!(
                        "table \"{}\" does not exist, skipping",
                        object_name(n).1
                    )),
                    None => {
                        return Err(require_table(ctx, n)
                            .err()
                            .unwrap_or_else(|| DbError::internal("missing")));
                    }
                }
            }
            for id in found {
                let t = ctx.txn.table(id)?;
                let owned: Vec<SequenceId> = cat
                    .sequences
                    .values()
                    .filter(|s| {
                        s.database == ctx.database
                            && s.name.starts_with(&format!("{}_", t.name))
                            && s.name.ends_with("_seq")
                    })
                    .filter(|s| {
                        TableMeta::of(&t)
                            .map(|m| {
                                m.defaults
                                    .values()
                                    .any(|d| d.contains(&format!("'{}'", s.name)))
                            })
                            .unwrap_or(false)
                    })
                    .map(|s| s.id)
                    .collect();
                ctx.txn.drop_table(id)?;
                for s in owned {
                    ctx.txn.drop_sequence(s)?;
                }
            }
            Ok("DROP TABLE".into())
        }
        ast::ObjectType::Index => {
            for n in names {
                let (_, rel) = object_name(n);
                let hit = cat
                    .tables
                    .values()
                    .filter(|t| t.database == ctx.database)
                    .find_map(|t| {
                        t.indexes
                            .iter()
                            .find(|i| i.name == rel)
                            .map(|i| (t.id, i.id))
                    });
                match hit {
                    Some((t, i)) => ctx.txn.drop_index(t, i)?,
                    None if if_exists => {
                        ctx.notice(format!("index \"{rel}\" does not exist, skipping"))
                    }
                    None => {
                        return Err(DbError::new(
                            SqlState::UNDEFINED_OBJECT,
                            format!("index \"{rel}\" does not exist"),
                        ));
                    }
                }
            }
            Ok("DROP INDEX".into())
        }
        ast::ObjectType::Sequence => {
            for n in names {
                let (schema, rel) = object_name(n);
                let s = schema.unwrap_or_else(|| "public".into());
                match cat.sequence_by_name(ctx.database, &s, &rel) {
                    Some(seq) => ctx.txn.drop_sequence(seq.id)?,
                    None if if_exists => {
                        ctx.notice(format!("sequence \"{rel}\" does not exist, skipping"))
                    }
                    None => {
                        return Err(DbError::new(
                            SqlState::UNDEFINED_TABLE,
                            format!("sequence \"{rel}\" does not exist"),
                        ));
                    }
                }
            }
            Ok("DROP SEQUENCE".into())
        }
        other => Err(DbError::not_supported(format!("DROP {other}"))),
    }
}

/// CREATE [UNIQUE] INDEX.
pub fn create_index(ctx: &mut SqlContext<'_>, ci: &ast::CreateIndex) -> DbResult<String> {
    let table = require_table(ctx, &ci.table_name)?;
    let columns = index_columns(&table, &ci.columns)?;
    let name = match &ci.name {
        Some(n) => object_name(n).1,
        None => {
            let cn: Vec<&str> = columns
                .iter()
                .map(|&c| table.columns[c].name.as_str())
                .collect();
            format!("{}_{}_idx", table.name, cn.join("_"))
        }
    };
    if ctx
        .txn
        .catalog()
        .relation_exists(ctx.database, &table.schema, &name)
    {
        if ci.if_not_exists {
            ctx.notice(format!("relation \"{name}\" already exists, skipping"));
            return Ok("CREATE INDEX".into());
        }
        return Err(DbError::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    ctx.txn.create_index(
        table.id,
        IndexSchema {
            id: IndexId(0),
            name,
            columns,
            unique: ci.unique,
        },
    )?;
    Ok("CREATE INDEX".into())
}

/// CREATE SEQUENCE.
pub fn create_sequence(
    ctx: &mut SqlContext<'_>,
    name: &ast::ObjectName,
    if_not_exists: bool,
    options: &[ast::SequenceOptions],
) -> DbResult<String> {
    let (schema, rel) = object_name(name);
    let schema = schema_name(ctx, schema)?;
    if ctx
        .txn
        .catalog()
        .relation_exists(ctx.database, &schema, &rel)
    {
        if if_not_exists {
            ctx.notice(format!("relation \"{rel}\" already exists, skipping"));
            return Ok("CREATE SEQUENCE".into());
        }
        return Err(DbError::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{rel}\" already exists"),
        ));
    }
    let mut s = sequence_schema(ctx.database, &schema, &rel, &DataType::Int8);
    let num = |e: &ast::Expr| -> DbResult<i64> {
        let t = e.to_string();
        t.replace(' ', "").parse().map_err(|_| {
            DbError::new(
                SqlState::SYNTAX_ERROR,
                format!("invalid sequence option value {t}"),
            )
        })
    };
    let mut start = None;
    let (mut min, mut max) = (None, None);
    for o in options {
        match o {
            ast::SequenceOptions::IncrementBy(e, _) => s.increment = num(e)?,
            ast::SequenceOptions::MinValue(Some(e)) => min = Some(num(e)?),
            ast::SequenceOptions::MaxValue(Some(e)) => max = Some(num(e)?),
            ast::SequenceOptions::MinValue(None) | ast::SequenceOptions::MaxValue(None) => {}
            ast::SequenceOptions::StartWith(e, _) => start = Some(num(e)?),
            ast::SequenceOptions::Cycle(c) => s.cycle = !*c,
            ast::SequenceOptions::Cache(_) => {}
            other => return Err(DbError::not_supported(format!("sequence option {other}"))),
        }
    }
    if s.increment == 0 {
        return Err(DbError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            "INCREMENT must not be zero",
        ));
    }
    if s.increment < 0 {
        s.min_value = min.unwrap_or(i64::MIN);
        s.max_value = max.unwrap_or(-1);
    } else {
        s.min_value = min.unwrap_or(1);
        s.max_value = max.unwrap_or(i64::MAX);
    }
    s.start = start.unwrap_or(if s.increment > 0 {
        s.min_value
    } else {
        s.max_value
    });
    ctx.txn.create_sequence(s)?;
    Ok("CREATE SEQUENCE".into())
}

/// TRUNCATE.
pub fn truncate(ctx: &mut SqlContext<'_>, t: &ast::Truncate) -> DbResult<String> {
    let mut ids = Vec::new();
    for target in &t.table_names {
        ids.push(require_table(ctx, &target.name)?.id);
    }
    for id in ids {
        ctx.txn.truncate(id)?;
    }
    Ok("TRUNCATE TABLE".into())
}

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
    for op in &at.operations {
        let table = ctx.txn.table(table.id)?;
        match op {
            ast::AlterTableOperation::AddConstraint {
                constraint: TableConstraint::PrimaryKey(pk),
                ..
            } => {
                let mut meta = TableMeta::of(&table)?;
                if !table.primary_key.is_empty() || meta.primary_key_index.is_some() {
                    return Err(DbError::new(
                        SqlState::INVALID_TABLE_DEFINITION,
                        format!(
                            "multiple primary keys for table \"{}\" are not allowed",
                            table.name
                        ),
                    ));
                }
                let cols = index_columns(&table, &pk.columns)?;
                // Primary key columns become NOT NULL: verify, then record.
                let mut schema = (*table).clone();
                for &c in &cols {
                    schema.columns[c].nullable = false;
                }
                let name = pk
                    .name
                    .as_ref()
                    .map(ident)
                    .unwrap_or_else(|| format!("{}_pkey", table.name));
                meta.primary_key_index = Some(name.clone());
                schema.sql = meta.to_sql()?;
                let id = table.id;
                let has_null = ctx
                    .txn
                    .scan(id, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)?
                    .any(|(_, r)| cols.iter().any(|&c| r[c].is_null()));
                if has_null {
                    return Err(DbError::new(
                        SqlState::NOT_NULL_VIOLATION,
                        format!(
                            "column \"{}\" of relation \"{}\" contains null values",
                            table.columns[cols[0]].name, table.name
                        ),
                    ));
                }
                ctx.txn.alter_table(schema)?;
                ctx.txn.create_index(
                    id,
                    IndexSchema {
                        id: IndexId(0),
                        name,
                        columns: cols,
                        unique: true,
                    },
                )?;
            }
            ast::AlterTableOperation::AddConstraint {
                constraint: TableConstraint::Unique(u),
                ..
            } => {
                let cols = index_columns(&table, &u.columns)?;
                let cn: Vec<&str> = cols
                    .iter()
                    .map(|&c| table.columns[c].name.as_str())
                    .collect();
                let name = u
                    .name
                    .as_ref()
                    .map(ident)
                    .unwrap_or_else(|| format!("{}_{}_key", table.name, cn.join("_")));
                ctx.txn.create_index(
                    table.id,
                    IndexSchema {
                        id: IndexId(0),
                        name,
                        columns: cols,
                        unique: true,
                    },
                )?;
            }
            ast::AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let mut schema = (*table).clone();
                let p = column_position(&table, &ident(old_column_name))?;
                let new = ident(new_column_name);
                if table.columns.iter().any(|c| c.name == new) {
                    return Err(DbError::new(
                        SqlState::DUPLICATE_COLUMN,
                        format!(
                            "column \"{new}\" of relation \"{}\" already exists",
                            table.name
                        ),
                    ));
                }
                schema.columns[p].name = new;
                ctx.txn.alter_table(schema)?;
            }
            ast::AlterTableOperation::RenameTable { table_name } => {
                let mut schema = (*table).clone();
                let n = match table_name {
                    ast::RenameTableNameKind::To(n) | ast::RenameTableNameKind::As(n) => {
                        object_name(n).1
                    }
                };
                schema.name = n;
                ctx.txn.alter_table(schema)?;
            }
            other => return Err(DbError::not_supported(format!("ALTER TABLE {other}"))),
        }
    }
    Ok("ALTER TABLE".into())
}
