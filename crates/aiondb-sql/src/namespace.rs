//! CREATE SCHEMA and DROP SCHEMA.
//!
//! A database always has `pg_catalog`, `public` and `information_schema`;
//! CREATE SCHEMA adds more, as WAL-logged catalog objects. Relations live
//! in a schema by name; unqualified names resolve along `search_path`, and
//! new relations go to the first schema of the path that exists, as in
//! PostgreSQL.
//!
//! Temporary relations live in a per-session schema `pg_temp_N`: the
//! session puts it at the head of the search path it hands to the SQL
//! layer (so a temporary table shadows a permanent one of the same name,
//! and no other session sees it by an unqualified name), `pg_temp` as a
//! qualifier means it, it is created with the first temporary relation and
//! dropped with its contents when the session ends (or, after a crash, at
//! the next start). Ordinary CREATE never puts a relation there.

use crate::output::SqlContext;
use crate::parse::{ident, object_name};
use aiondb_core::{DbError, DbResult, SqlState, TableId};
use aiondb_storage::{BUILTIN_NAMESPACES, NamespaceSchema};
use sqlparser::ast::{self, ObjectName, SchemaName};

fn undefined(name: &str) -> DbError {
    DbError::new(
        SqlState::from_static("3F000"),
        format!("schema \"{name}\" does not exist"),
    )
}

/// The prefix of the per-session temporary schemas.
pub const TEMP_SCHEMA_PREFIX: &str = "pg_temp_";

/// Whether `schema` is a session's temporary schema.
pub fn is_temp_schema(schema: &str) -> bool {
    schema
        .strip_prefix(TEMP_SCHEMA_PREFIX)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The session's temporary schema: the head of its search path.
pub fn temp_schema(search_path: &[String]) -> Option<&str> {
    search_path
        .first()
        .map(String::as_str)
        .filter(|s| is_temp_schema(s))
}

/// A schema qualifier as written, with `pg_temp` meaning the session's own
/// temporary schema.
pub fn qualifier<'s>(search_path: &'s [String], schema: &'s str) -> &'s str {
    match (schema, temp_schema(search_path)) {
        ("pg_temp", Some(t)) => t,
        _ => schema,
    }
}

/// The schema a new temporary relation goes to (created on first use):
/// the session's temporary schema. An explicit schema must be `pg_temp`
/// (or its own name): 42P16 otherwise, as in PostgreSQL.
pub(crate) fn temp_creation_schema(
    ctx: &mut SqlContext<'_>,
    explicit: Option<String>,
) -> DbResult<String> {
    let Some(temp) = temp_schema(ctx.search_path).map(str::to_string) else {
        return Err(DbError::not_supported(
            "temporary relations outside a client session",
        ));
    };
    if let Some(s) = explicit.filter(|s| s != "pg_temp" && *s != temp) {
        let catalog = ctx.txn.catalog();
        if !catalog.namespace_exists(ctx.database, &s) && !is_temp_schema(&s) {
            return Err(undefined(&s));
        }
        return Err(DbError::new(
            SqlState::from_static("42P16"),
            "cannot create temporary relation in non-temporary schema",
        ));
    }
    if !ctx.txn.catalog().namespace_exists(ctx.database, &temp) {
        ctx.txn.create_namespace(NamespaceSchema {
            id: TableId(0),
            database: ctx.database,
            name: temp.clone(),
        })?;
    }
    Ok(temp)
}

/// Drops a temporary schema and everything in it (a session's end, or the
/// leftovers of sessions a crash cut off). Does nothing if it is absent.
pub fn drop_temp_schema(ctx: &mut SqlContext<'_>, schema: &str) -> DbResult<()> {
    if !is_temp_schema(schema) {
        return Err(DbError::internal(format!(
            "\"{schema}\" is not a temporary schema"
        )));
    }
    let Some(ns) = ctx
        .txn
        .catalog()
        .namespace_by_name(ctx.database, schema)
        .cloned()
    else {
        return Ok(());
    };
    drop_contents(ctx, schema)?;
    ctx.txn.drop_namespace(ns.id)
}

/// The schema a new relation goes to: the explicit one (which must exist),
/// else the first existing schema on the search path (never the temporary
/// one: only CREATE TEMP puts relations there, or `pg_temp.name`).
pub(crate) fn creation_schema(
    ctx: &mut SqlContext<'_>,
    explicit: Option<String>,
) -> DbResult<String> {
    if explicit.as_deref() == Some("pg_temp")
        || explicit
            .as_deref()
            .is_some_and(|s| Some(s) == temp_schema(ctx.search_path))
    {
        return temp_creation_schema(ctx, explicit);
    }
    let catalog = ctx.txn.catalog();
    match explicit {
        Some(s) if catalog.namespace_exists(ctx.database, &s) && s != "pg_catalog" => Ok(s),
        Some(s) if s == "pg_catalog" => Err(DbError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            "permission denied to create relations in schema \"pg_catalog\"",
        )),
        Some(s) => Err(undefined(&s)),
        None => ctx
            .search_path
            .iter()
            .find(|s| {
                *s != "pg_catalog"
                    && !is_temp_schema(s)
                    && catalog.namespace_exists(ctx.database, s)
            })
            .cloned()
            .ok_or_else(|| {
                DbError::new(
                    SqlState::from_static("3F000"),
                    "no schema has been selected to create in",
                )
            }),
    }
}

/// CREATE SCHEMA [IF NOT EXISTS] name.
pub fn create_schema(
    ctx: &mut SqlContext<'_>,
    name: &SchemaName,
    if_not_exists: bool,
) -> DbResult<String> {
    let name = match name {
        SchemaName::Simple(n) => object_name(n).1,
        _ => {
            return Err(DbError::not_supported(
                "CREATE SCHEMA ... AUTHORIZATION (schemas have no owners yet)",
            ));
        }
    };
    if name.starts_with("pg_") {
        return Err(DbError::new(
            SqlState::from_static("42939"),
            format!("unacceptable schema name \"{name}\""),
        )
        .with_detail("The prefix \"pg_\" is reserved for system schemas."));
    }
    if ctx.txn.catalog().namespace_exists(ctx.database, &name) {
        if if_not_exists {
            ctx.notice(format!("schema \"{name}\" already exists, skipping"));
            return Ok("CREATE SCHEMA".into());
        }
        return Err(DbError::new(
            SqlState::from_static("42P06"),
            format!("schema \"{name}\" already exists"),
        ));
    }
    // CREATE on the database: its owner's (databases carry no ACL).
    let actor = crate::privilege::Actor::of(ctx);
    let database = ctx.env.database_name().to_string();
    let owns_database = ctx
        .env
        .databases()
        .iter()
        .any(|d| d.name == database && d.owner == ctx.env.user());
    if !actor.superuser && !owns_database {
        return Err(DbError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            format!("permission denied for database {database}"),
        ));
    }
    ctx.txn.create_namespace(NamespaceSchema {
        id: TableId(0),
        database: ctx.database,
        name: name.clone(),
    })?;
    crate::privilege::store::record_schema_owner(ctx, &name)?;
    Ok("CREATE SCHEMA".into())
}

/// DROP SCHEMA [IF EXISTS] names [CASCADE].
pub fn drop_schemas(
    ctx: &mut SqlContext<'_>,
    names: &[ObjectName],
    if_exists: bool,
    cascade: bool,
) -> DbResult<String> {
    for n in names {
        let name = match n.0.as_slice() {
            [part] => part
                .as_ident()
                .map(ident)
                .unwrap_or_else(|| part.to_string()),
            _ => object_name(n).1,
        };
        if BUILTIN_NAMESPACES.contains(&name.as_str()) {
            return Err(DbError::not_supported(format!(
                "dropping the built-in schema \"{name}\""
            )));
        }
        let Some(ns) = ctx
            .txn
            .catalog()
            .namespace_by_name(ctx.database, &name)
            .cloned()
        else {
            if if_exists {
                ctx.notice(format!("schema \"{name}\" does not exist, skipping"));
                continue;
            }
            return Err(undefined(&name));
        };
        crate::privilege::store::check_schema_owner(ctx, &name)?;
        if cascade {
            drop_contents(ctx, &name)?;
        }
        ctx.txn.drop_namespace(ns.id)?;
        crate::privilege::store::forget_schema(ctx, &name)?;
    }
    Ok("DROP SCHEMA".into())
}

/// Everything in a schema, for DROP SCHEMA ... CASCADE: views (those no
/// other view reads first), then tables, then sequences. One NOTICE names
/// them, as PostgreSQL's does: `drop cascades to table s.t`, or `drop
/// cascades to N other objects` with one DETAIL line each, in creation
/// order.
fn drop_contents(ctx: &mut SqlContext<'_>, schema: &str) -> DbResult<()> {
    let qualified = |n: &str| ObjectName::from(vec![ast::Ident::new(schema), ast::Ident::new(n)]);
    announce_contents(ctx, schema);
    loop {
        let catalog = ctx.txn.catalog();
        let mine: Vec<_> = catalog
            .views
            .values()
            .filter(|v| v.database == ctx.database && v.schema == schema)
            .cloned()
            .collect();
        if mine.is_empty() {
            break;
        }
        let leaf = mine
            .iter()
            .find(|v| catalog.views_depending_on(v.id).next().is_none())
            .cloned();
        match leaf {
            Some(v) => ctx.txn.drop_view(v.id)?,
            // A view outside the schema reads one inside: the store's
            // refusal names it.
            None => ctx.txn.drop_view(mine[0].id)?,
        }
    }
    let catalog = ctx.txn.catalog();
    let tables: Vec<ObjectName> = catalog
        .tables
        .values()
        .filter(|t| t.database == ctx.database && t.schema == schema)
        .map(|t| qualified(&t.name))
        .collect();
    if !tables.is_empty() {
        crate::ddl::drop(ctx, &ast::ObjectType::Table, true, &tables, true)?;
    }
    let catalog = ctx.txn.catalog();
    let sequences: Vec<_> = catalog
        .sequences
        .values()
        .filter(|s| s.database == ctx.database && s.schema == schema)
        .map(|s| s.id)
        .collect();
    for s in sequences {
        ctx.txn.drop_sequence(s)?;
    }
    Ok(())
}

/// The NOTICE of [`drop_contents`]. Sequences a table owns (serial
/// columns) go with their table unnamed, as PostgreSQL's internal
/// dependencies do.
fn announce_contents(ctx: &mut SqlContext<'_>, schema: &str) {
    let catalog = ctx.txn.catalog();
    let mut relations: Vec<(u32, String)> = catalog
        .views
        .values()
        .filter(|v| v.database == ctx.database && v.schema == schema)
        .map(|v| (v.id.0, format!("view {schema}.{}", v.name)))
        .chain(
            catalog
                .tables
                .values()
                .filter(|t| t.database == ctx.database && t.schema == schema)
                .map(|t| (t.id.0, format!("table {schema}.{}", t.name))),
        )
        .collect();
    relations.sort();
    let owned = |name: &str| {
        catalog
            .tables
            .values()
            .filter(|t| t.database == ctx.database && t.schema == schema)
            .filter_map(|t| crate::meta::TableMeta::of(t).ok())
            .any(|m| {
                m.defaults
                    .values()
                    .any(|d| d.contains(&format!("'{name}'")))
            })
    };
    let mut names: Vec<String> = relations.into_iter().map(|(_, d)| d).collect();
    names.extend(
        catalog
            .sequences
            .values()
            .filter(|s| s.database == ctx.database && s.schema == schema && !owned(&s.name))
            .map(|s| format!("sequence {schema}.{}", s.name)),
    );
    match names.as_slice() {
        [] => {}
        [one] => ctx.notice(format!("drop cascades to {one}")),
        many => {
            let detail: Vec<String> = many
                .iter()
                .map(|d| format!("drop cascades to {d}"))
                .collect();
            ctx.notices.push(
                DbError::new(
                    SqlState::SUCCESSFUL_COMPLETION,
                    format!("drop cascades to {} other objects", many.len()),
                )
                .with_detail(detail.join("\n")),
            );
        }
    }
}
