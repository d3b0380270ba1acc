//! CREATE / DROP / ALTER / TRUNCATE.

mod alter;
mod constraint;
mod create_as;
pub(crate) mod domain;
pub(crate) mod operator;
mod rebuild;
pub(crate) mod user_type;

pub use alter::alter_table;
pub use create_as::{
    CreateAsExecute, check_no_select_into, create_as_execute, create_table_as_explained,
    into_not_allowed, is_select_into, rewrite_column_names, select_into, select_into_explained,
    top_level_into,
};

use crate::foreign_key::{self, Referencing};
use crate::meta::{Check, TableMeta};
use crate::output::SqlContext;
use crate::parse::{ident, object_name};
use aiondb_core::{DataType, DbError, DbResult, IndexId, SqlState, TableId};
use aiondb_storage::{ColumnSchema, IndexSchema, SequenceId, SequenceSchema, TableSchema};
use sqlparser::ast::{self, ColumnOption, TableConstraint};

/// The schema a new relation goes to; `temporary`: the session's own.
pub(crate) fn schema_name(
    ctx: &mut SqlContext<'_>,
    explicit: Option<String>,
    temporary: bool,
) -> DbResult<String> {
    let schema = if temporary {
        crate::namespace::temp_creation_schema(ctx, explicit)?
    } else {
        crate::namespace::creation_schema(ctx, explicit)?
    };
    crate::privilege::store::check_schema_create(ctx, &schema)?;
    Ok(schema)
}

fn find_table(ctx: &SqlContext<'_>, name: &ast::ObjectName) -> Option<std::sync::Arc<TableSchema>> {
    let (schema, rel) = object_name(name);
    let cat = ctx.txn.catalog();
    match schema {
        Some(s) => cat
            .table_by_name(
                ctx.database,
                crate::namespace::qualifier(ctx.search_path, &s),
                &rel,
            )
            .cloned(),
        None => ctx
            .search_path
            .iter()
            .find_map(|s| cat.table_by_name(ctx.database, s, &rel))
            .cloned(),
    }
}

pub(crate) fn require_table(
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

fn multiple_primary_keys(table: &str) -> DbError {
    DbError::new(
        SqlState::INVALID_TABLE_DEFINITION,
        format!("multiple primary keys for table \"{table}\" are not allowed"),
    )
}

/// What one column definition declares.
pub(crate) struct ColumnDecl {
    pub column: ColumnSchema,
    pub default: Option<String>,
    /// The sequence a serial column owns, with its type.
    pub sequence: Option<(String, DataType)>,
    /// `PRIMARY KEY`, with the constraint name if one was given.
    pub primary: Option<Option<String>>,
    pub uniques: Vec<Option<String>>,
    pub checks: Vec<Check>,
    /// `REFERENCES` clauses (named by their CONSTRAINT clause if any).
    pub foreign_keys: Vec<ast::ForeignKeyConstraint>,
}

/// Interprets a column definition of table `table`.
pub(crate) fn column_decl(
    ctx: &SqlContext<'_>,
    table: &str,
    col: &ast::ColumnDef,
) -> DbResult<ColumnDecl> {
    let cname = ident(&col.name);
    let type_text = col.data_type.to_string().to_lowercase();
    let (ty, serial) = match type_text.as_str() {
        "serial" | "serial4" => (DataType::Int4, true),
        "bigserial" | "serial8" => (DataType::Int8, true),
        "smallserial" | "serial2" => (DataType::Int2, true),
        _ => (
            crate::type_names::resolve(
                &ctx.txn.catalog(),
                ctx.database,
                ctx.search_path,
                &col.data_type,
            )?,
            false,
        ),
    };
    let mut decl = ColumnDecl {
        column: ColumnSchema {
            name: cname.clone(),
            data_type: ty.clone(),
            nullable: !serial,
        },
        default: None,
        sequence: None,
        primary: None,
        uniques: Vec::new(),
        checks: Vec::new(),
        foreign_keys: Vec::new(),
    };
    if serial {
        let seq = format!("{table}_{cname}_seq");
        decl.default = Some(format!("nextval('{seq}')"));
        decl.sequence = Some((seq, ty));
    }
    for opt in &col.options {
        match &opt.option {
            ColumnOption::Null => decl.column.nullable = true,
            ColumnOption::NotNull => decl.column.nullable = false,
            ColumnOption::Default(e) => decl.default = Some(e.to_string()),
            ColumnOption::PrimaryKey(_) => {
                if decl.primary.is_some() {
                    return Err(multiple_primary_keys(table));
                }
                decl.primary = Some(opt.name.as_ref().map(ident));
                decl.column.nullable = false;
            }
            ColumnOption::Unique(_) => decl.uniques.push(opt.name.as_ref().map(ident)),
            ColumnOption::Check(c) => decl.checks.push(Check {
                name: match opt.name.as_ref().or(c.name.as_ref()) {
                    Some(n) => ident(n),
                    None => alter::check_base_name(table, &c.expr.to_string())?,
                },
                expr: c.expr.to_string(),
            }),
            ColumnOption::ForeignKey(fk) => {
                let mut fk = fk.clone();
                fk.name = fk.name.or_else(|| opt.name.clone());
                decl.foreign_keys.push(fk);
            }
            other => return Err(DbError::not_supported(format!("column option {other}"))),
        }
    }
    Ok(decl)
}

/// CREATE TABLE.
pub fn create_table(ctx: &mut SqlContext<'_>, ct: &ast::CreateTable) -> DbResult<String> {
    match ct.on_commit {
        None => {}
        Some(_) if !ct.temporary => {
            return Err(DbError::new(
                SqlState::INVALID_TABLE_DEFINITION,
                "ON COMMIT can only be used on temporary tables",
            ));
        }
        Some(ast::OnCommit::PreserveRows) => {}
        Some(ast::OnCommit::DeleteRows) => {
            return Err(DbError::not_supported("ON COMMIT DELETE ROWS"));
        }
        Some(ast::OnCommit::Drop) => return Err(DbError::not_supported("ON COMMIT DROP")),
    }
    if ct.inherits.as_ref().is_some_and(|i| !i.is_empty()) {
        return Err(DbError::not_supported("CREATE TABLE ... INHERITS"));
    }
    if ct.query.is_some() {
        return create_as::create_table_as(ctx, ct);
    }
    let (schema, name) = object_name(&ct.name);
    let schema = schema_name(ctx, schema, ct.temporary)?;
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
    let mut meta = crate::privilege::store::new_table_meta(ctx, &schema)?;
    let mut primary: Option<(Vec<usize>, Option<String>)> = None;
    let mut uniques: Vec<(Vec<usize>, Option<String>)> = Vec::new();
    let mut sequences = Vec::new();
    let mut foreign_keys: Vec<(ast::ForeignKeyConstraint, Referencing<'_>)> = Vec::new();
    for (i, col) in ct.columns.iter().enumerate() {
        let decl = column_decl(ctx, &name, col)?;
        if columns
            .iter()
            .any(|c: &ColumnSchema| c.name == decl.column.name)
        {
            return Err(DbError::new(
                SqlState::DUPLICATE_COLUMN,
                format!("column \"{}\" specified more than once", decl.column.name),
            ));
        }
        if let Some(d) = decl.default {
            meta.defaults.insert(i, d);
        }
        sequences.extend(decl.sequence);
        if let Some(pk_name) = decl.primary {
            if primary.is_some() {
                return Err(multiple_primary_keys(&name));
            }
            primary = Some((vec![i], pk_name));
        }
        uniques.extend(decl.uniques.into_iter().map(|n| (vec![i], n)));
        meta.checks.extend(decl.checks);
        foreign_keys.extend(
            decl.foreign_keys
                .into_iter()
                .map(|fk| (fk, Referencing::Column(i))),
        );
        columns.push(decl.column);
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
                    return Err(multiple_primary_keys(&name));
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
                name: match &ch.name {
                    Some(n) => ident(n),
                    None => constraint::check_name(ctx, &tmp, &ch.expr.to_string())?,
                },
                expr: ch.expr.to_string(),
            }),
            TableConstraint::ForeignKey(fk) => {
                foreign_keys.push((fk.clone(), Referencing::Table(&fk.columns)))
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
    let mut schema_def = TableSchema {
        primary_key_name: (!pk_cols.is_empty())
            .then(|| pk_name.unwrap_or_else(|| format!("{name}_pkey"))),
        primary_key: pk_cols,
        columns,
        indexes,
        sql: String::new(),
        ..tmp
    };
    let catalog = ctx.txn.catalog();
    let mut taken = foreign_key::constraint_names(&catalog, ctx.database, &schema);
    for (fk, referencing) in foreign_keys {
        let fk = foreign_key::define(
            &catalog,
            ctx.search_path,
            &schema_def,
            &fk,
            referencing,
            &taken,
        )?;
        taken.push(fk.name.clone());
        meta.foreign_keys.push(fk);
    }
    schema_def.sql = meta.to_sql()?;
    let id = ctx.txn.create_table(schema_def)?;
    // A table referencing itself learns its id only now.
    if meta.foreign_keys.iter().any(|f| f.ref_table == 0) {
        for fk in &mut meta.foreign_keys {
            if fk.ref_table == 0 {
                fk.ref_table = id.0;
            }
        }
        let mut created = (*ctx.txn.table(id)?).clone();
        created.sql = meta.to_sql()?;
        ctx.txn.alter_table(created)?;
    }
    Ok("CREATE TABLE".into())
}

/// DROP TABLE / INDEX / SEQUENCE.
pub fn drop(
    ctx: &mut SqlContext<'_>,
    object_type: &ast::ObjectType,
    if_exists: bool,
    names: &[ast::ObjectName],
    cascade: bool,
) -> DbResult<String> {
    let cat = ctx.txn.catalog();
    match object_type {
        ast::ObjectType::Table => {
            let mut found = Vec::new();
            let actor = crate::privilege::Actor::of(ctx);
            for n in names {
                match find_table(ctx, n) {
                    Some(t) => {
                        crate::privilege::check_table_owner(actor, &t)?;
                        found.push(t.id)
                    }
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
            drop_referencing_constraints(ctx, &found, cascade)?;
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

/// Foreign keys of other tables referencing tables about to be dropped:
/// 2BP01 without CASCADE, else they are dropped (with a NOTICE).
fn drop_referencing_constraints(
    ctx: &mut SqlContext<'_>,
    dropped: &[TableId],
    cascade: bool,
) -> DbResult<()> {
    let catalog = ctx.txn.catalog();
    for &id in dropped {
        let dependents: Vec<_> = foreign_key::referencing(&catalog, id)?
            .into_iter()
            .filter(|(child, _)| !dropped.contains(&child.id))
            .collect();
        let what = format!("table {}", catalog.table(id)?.name);
        constraint::drop_dependents(ctx, &what, dependents, cascade)?;
    }
    Ok(())
}

/// Removes a foreign key from its table's metadata.
pub(crate) fn drop_foreign_key(
    ctx: &mut SqlContext<'_>,
    table: TableId,
    name: &str,
) -> DbResult<()> {
    let mut schema = (*ctx.txn.table(table)?).clone();
    let mut meta = TableMeta::of(&schema)?;
    meta.foreign_keys.retain(|f| f.name != name);
    schema.sql = meta.to_sql()?;
    ctx.txn.alter_table(schema)
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
    temporary: bool,
    if_not_exists: bool,
    options: &[ast::SequenceOptions],
) -> DbResult<String> {
    let (schema, rel) = object_name(name);
    let schema = schema_name(ctx, schema, temporary)?;
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
    let actor = crate::privilege::Actor::of(ctx);
    for target in &t.table_names {
        let table = require_table(ctx, &target.name)?;
        crate::privilege::check_table(actor, &table, crate::privilege::TRUNCATE)?;
        ids.push(table.id);
    }
    let cascade = matches!(t.cascade, Some(ast::CascadeOption::Cascade));
    let catalog = ctx.txn.catalog();
    let mut i = 0;
    while i < ids.len() {
        for (child, _) in foreign_key::referencing(&catalog, ids[i])? {
            if ids.contains(&child.id) {
                continue;
            }
            if !cascade {
                let parent = catalog.table(ids[i])?;
                return Err(DbError::not_supported(
                    "cannot truncate a table referenced in a foreign key constraint",
                )
                .with_detail(format!(
                    "Table \"{}\" references \"{}\".",
                    child.name, parent.name
                ))
                .with_hint(format!(
                    "Truncate table \"{}\" at the same time, or use TRUNCATE ... CASCADE.",
                    child.name
                )));
            }
            ctx.notice(format!("truncate cascades to table \"{}\"", child.name));
            ids.push(child.id);
        }
        i += 1;
    }
    for id in ids {
        ctx.txn.truncate(id)?;
    }
    Ok("TRUNCATE TABLE".into())
}
