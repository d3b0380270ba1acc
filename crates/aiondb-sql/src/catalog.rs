//! pg_catalog and information_schema, generated from the real catalog.

use crate::exec::Executor;
use crate::output::Column;
use aiondb_core::{DataType, DbResult, Row, Value};

const PG_CATALOG_NS: i64 = 11;
const PUBLIC_NS: i64 = 2200;
const INFORMATION_SCHEMA_NS: i64 = 13000;

use crate::catalog_oids::{BUILTIN_TYPES, SYSTEM_CATALOG_OIDS};

fn c(name: &str, t: DataType) -> Column {
    Column::computed(name, t)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn oid(v: u32) -> Value {
    Value::Int8(v as i64)
}

/// Columns of a system view, if `name` is one.
pub fn system_columns(schema: Option<&str>, name: &str) -> Option<Vec<Column>> {
    use DataType::*;
    let cols = match (schema, name) {
        (Some("information_schema"), "tables") => vec![
            c("table_catalog", Text),
            c("table_schema", Text),
            c("table_name", Text),
            c("table_type", Text),
        ],
        (Some("information_schema"), "views") => vec![
            c("table_catalog", Text),
            c("table_schema", Text),
            c("table_name", Text),
            c("view_definition", Text),
            c("is_updatable", Text),
        ],
        (Some("information_schema"), "columns") => vec![
            c("table_catalog", Text),
            c("table_schema", Text),
            c("table_name", Text),
            c("column_name", Text),
            c("ordinal_position", Int4),
            c("column_default", Text),
            c("is_nullable", Text),
            c("data_type", Text),
        ],
        (Some("information_schema"), "schemata") => vec![
            c("catalog_name", Text),
            c("schema_name", Text),
            c("schema_owner", Text),
        ],
        (Some("information_schema"), _) => return None,
        (_, "pg_namespace") => vec![
            c("oid", Oid),
            c("nspname", Text),
            c("nspowner", Oid),
            c("nspacl", Text),
        ],
        (_, "pg_class") => vec![
            c("oid", Oid),
            c("relname", Text),
            c("relnamespace", Oid),
            c("reltype", Oid),
            c("relowner", Oid),
            c("relam", Oid),
            c("relkind", Char(Some(1))),
            c("relpersistence", Char(Some(1))),
            c("reltuples", Float4),
            c("relhasindex", Bool),
            c("relispartition", Bool),
            c("relhasrules", Bool),
            c("relhastriggers", Bool),
            c("relrowsecurity", Bool),
            c("relforcerowsecurity", Bool),
            c("relhasoids", Bool),
            c("relchecks", Int2),
            c("reloptions", Array(Box::new(Text))),
            c("reltablespace", Oid),
            c("relpartbound", Text),
            c("reloftype", Oid),
            c("relnatts", Int2),
            c("relacl", Text),
            c("relreplident", Char(Some(1))),
        ],
        (_, "pg_views") => vec![
            c("schemaname", Text),
            c("viewname", Text),
            c("viewowner", Text),
            c("definition", Text),
        ],
        (_, "pg_tables") => vec![
            c("schemaname", Text),
            c("tablename", Text),
            c("tableowner", Text),
            c("hasindexes", Bool),
        ],
        (_, "pg_attribute") => vec![
            c("attrelid", Oid),
            c("attname", Text),
            c("atttypid", Oid),
            c("attnum", Int2),
            c("atttypmod", Int4),
            c("attnotnull", Bool),
            c("atthasdef", Bool),
            c("attisdropped", Bool),
            c("attidentity", Char(Some(1))),
            c("attgenerated", Char(Some(1))),
            c("attcollation", Oid),
            c("attlen", Int2),
        ],
        (_, "pg_type") => vec![
            c("oid", Oid),
            c("typname", Text),
            c("typnamespace", Oid),
            c("typlen", Int2),
            c("typtype", Char(Some(1))),
            c("typelem", Oid),
            c("typarray", Oid),
            c("typbasetype", Oid),
            c("typrelid", Oid),
            c("typnotnull", Bool),
            c("typtypmod", Int4),
            c("typowner", Oid),
            c("typcategory", Char(Some(1))),
        ],
        (_, "pg_index") => vec![
            c("indexrelid", Oid),
            c("indrelid", Oid),
            c("indisunique", Bool),
            c("indisprimary", Bool),
            c("indisclustered", Bool),
            c("indisvalid", Bool),
            c("indkey", Text),
            c("indnatts", Int2),
        ],
        (_, "pg_database") => vec![
            c("oid", Oid),
            c("datname", Text),
            c("datdba", Oid),
            c("encoding", Int4),
            c("datlocprovider", Char(Some(1))),
            c("datistemplate", Bool),
            c("datallowconn", Bool),
            c("datconnlimit", Int4),
            c("datcollate", Text),
            c("datctype", Text),
            c("daticulocale", Text),
            c("datacl", Text),
            c("dattablespace", Oid),
        ],
        (_, "pg_roles") | (_, "pg_user") | (_, "pg_authid") => vec![
            c("oid", Oid),
            c("rolname", Text),
            c("rolsuper", Bool),
            c("rolinherit", Bool),
            c("rolcreaterole", Bool),
            c("rolcreatedb", Bool),
            c("rolcanlogin", Bool),
            c("rolreplication", Bool),
            c("rolconnlimit", Int4),
            c("rolvaliduntil", Timestamptz),
            c("rolbypassrls", Bool),
            c("rolconfig", Text),
        ],
        (_, "pg_settings") => vec![
            c("name", Text),
            c("setting", Text),
            c("unit", Text),
            c("category", Text),
            c("short_desc", Text),
            c("context", Text),
            c("vartype", Text),
            c("source", Text),
        ],
        (_, "pg_sequence") => vec![
            c("seqrelid", Oid),
            c("seqtypid", Oid),
            c("seqstart", Int8),
            c("seqincrement", Int8),
            c("seqmax", Int8),
            c("seqmin", Int8),
            c("seqcycle", Bool),
        ],
        (_, "pg_am") => vec![c("oid", Oid), c("amname", Text), c("amtype", Char(Some(1)))],
        (_, "pg_partitioned_table") => vec![
            c("partrelid", Oid),
            c("partstrat", Char(Some(1))),
            c("partnatts", Int2),
        ],
        (_, "pg_inherits") => vec![c("inhrelid", Oid), c("inhparent", Oid), c("inhseqno", Int4)],
        (_, "pg_auth_members") => vec![
            c("roleid", Oid),
            c("member", Oid),
            c("grantor", Oid),
            c("admin_option", Bool),
        ],
        (_, "pg_constraint") => vec![
            c("oid", Oid),
            c("conname", Text),
            c("connamespace", Oid),
            c("contype", Char(Some(1))),
            c("conrelid", Oid),
            c("conindid", Oid),
            c("confrelid", Oid),
            c("conkey", Array(Box::new(Int2))),
            c("confkey", Array(Box::new(Int2))),
            c("confupdtype", Char(Some(1))),
            c("confdeltype", Char(Some(1))),
            c("confmatchtype", Char(Some(1))),
        ],
        (_, "pg_aggregate") => crate::aggregate::pg_aggregate_columns(),
        (_, "pg_description") => vec![
            c("objoid", Oid),
            c("classoid", Oid),
            c("objsubid", Int4),
            c("description", Text),
        ],
        (_, "pg_trigger")
        | (_, "pg_policy")
        | (_, "pg_statistic_ext")
        | (_, "pg_publication")
        | (_, "pg_rewrite") => vec![c("oid", Oid), c("tgrelid", Oid), c("tgname", Text)],
        (_, "pg_proc") => vec![
            c("oid", Oid),
            c("proname", Text),
            c("pronamespace", Oid),
            c("prokind", Char(Some(1))),
            c("prolang", Oid),
            c("provolatile", Char(Some(1))),
            c("proisstrict", Bool),
            c("pronargs", Int2),
            c("prorettype", Oid),
            c("prosrc", Text),
        ],
        (_, "pg_extension") => vec![
            c("oid", Oid),
            c("extname", Text),
            c("extversion", Text),
            c("extnamespace", Oid),
        ],
        (_, "pg_tablespace") => vec![c("oid", Oid), c("spcname", Text), c("spcowner", Oid)],
        (_, "pg_collation") => vec![c("oid", Oid), c("collname", Text), c("collnamespace", Oid)],
        (_, "pg_stat_activity") => vec![
            c("datname", Text),
            c("pid", Int4),
            c("usename", Text),
            c("application_name", Text),
            c("state", Text),
            c("query", Text),
        ],
        _ => return None,
    };
    Some(cols)
}

/// The schemas of the current database: (oid, name).
pub fn schemas(exec: &Executor<'_>) -> Vec<(i64, String)> {
    let mut out = vec![
        (PG_CATALOG_NS, "pg_catalog".to_string()),
        (PUBLIC_NS, "public".to_string()),
        (INFORMATION_SCHEMA_NS, "information_schema".to_string()),
    ];
    let catalog = exec.txn.catalog();
    out.extend(
        catalog
            .namespaces
            .values()
            .filter(|n| n.database == exec.database)
            .map(|n| (n.id.0 as i64, n.name.clone())),
    );
    out
}

/// The pg_namespace oid of a schema.
pub(crate) fn namespace_oid_in(
    catalog: &aiondb_storage::Catalog,
    database: u32,
    name: &str,
) -> i64 {
    match name {
        "pg_catalog" => PG_CATALOG_NS,
        "information_schema" => INFORMATION_SCHEMA_NS,
        "public" => PUBLIC_NS,
        other => catalog
            .namespace_by_name(database, other)
            .map(|n| n.id.0 as i64)
            .unwrap_or(PUBLIC_NS),
    }
}

/// format_type(oid, typmod).
pub fn format_type(type_oid: u32, typmod: i32) -> String {
    match DataType::from_oid(type_oid) {
        Some(DataType::Varchar(_)) if typmod >= 4 => format!("character varying({})", typmod - 4),
        Some(DataType::Char(_)) if typmod >= 4 => format!("character({})", typmod - 4),
        Some(DataType::Char(_)) => "bpchar".into(),
        Some(DataType::Numeric(_)) if typmod >= 4 => {
            format!("numeric({},{})", (typmod - 4) >> 16, (typmod - 4) & 0xffff)
        }
        Some(t) => t.to_string(),
        None if type_oid == 19 => "name".into(),
        None => "???".into(),
    }
}

/// Rows of a system view.
pub fn system_rows(name: &str, exec: &mut Executor<'_>) -> DbResult<Vec<Row>> {
    let catalog = exec.txn.catalog();
    let db = exec.database;
    let namespace_oid = |name: &str| namespace_oid_in(&catalog, db, name);
    let tables: Vec<_> = catalog
        .tables
        .values()
        .filter(|t| t.database == db)
        .cloned()
        .collect();
    let owner = oid(10);
    Ok(match name {
        "pg_namespace" => schemas(exec)
            .into_iter()
            .map(|(o, n)| vec![Value::Int8(o), Value::Text(n), owner.clone(), Value::Null])
            .collect(),
        "pg_class" => {
            let mut rows = Vec::new();
            // Relations of the sessions' temporary schemas are 't'.
            let temp_namespaces: std::collections::HashSet<i64> = catalog
                .namespaces
                .values()
                .filter(|n| n.database == db && crate::namespace::is_temp_schema(&n.name))
                .map(|n| namespace_oid(&n.name))
                .collect();
            let class_row =
                |o: u32, name: &str, ns: i64, kind: &str, natts: usize, has_index: bool| -> Row {
                    vec![
                        oid(o),
                        text(name),
                        Value::Int8(ns),
                        oid(0),
                        oid(10),
                        oid(if kind == "i" { 403 } else { 2 }),
                        text(kind),
                        text(if temp_namespaces.contains(&ns) {
                            "t"
                        } else {
                            "p"
                        }),
                        Value::Float4(-1.0),
                        Value::Bool(has_index),
                        Value::Bool(false),
                        Value::Bool(false),
                        Value::Bool(false),
                        Value::Bool(false),
                        Value::Bool(false),
                        Value::Bool(false),
                        Value::Int2(0),
                        Value::Null,
                        oid(0),
                        Value::Null,
                        oid(0),
                        Value::Int2(natts as i16),
                        Value::Null,
                        text("d"),
                    ]
                };
            for &(o, name) in SYSTEM_CATALOG_OIDS {
                let natts = system_columns(Some("pg_catalog"), name).map_or(0, |c| c.len());
                rows.push(class_row(o, name, PG_CATALOG_NS, "r", natts, true));
            }
            let roles = exec.env.roles();
            for t in &tables {
                let ns = namespace_oid(&t.schema);
                let mut row = class_row(
                    t.id.0,
                    &t.name,
                    ns,
                    "r",
                    t.columns.len(),
                    !t.indexes.is_empty() || !t.primary_key.is_empty(),
                );
                crate::privilege::class_owner_and_acl(&mut row, t, &roles)?;
                rows.push(row);
                if !t.primary_key.is_empty() {
                    let pk = t
                        .primary_key_name
                        .clone()
                        .unwrap_or_else(|| format!("{}_pkey", t.name));
                    rows.push(class_row(
                        t.id.0 + 1_000_000,
                        &pk,
                        ns,
                        "i",
                        t.primary_key.len(),
                        false,
                    ));
                }
                for ix in &t.indexes {
                    rows.push(class_row(
                        ix.id.0,
                        &ix.name,
                        ns,
                        "i",
                        ix.columns.len(),
                        false,
                    ));
                }
            }
            for v in catalog.views.values().filter(|v| v.database == db) {
                let ns = namespace_oid(&v.schema);
                rows.push(class_row(v.id.0, &v.name, ns, "v", v.columns.len(), false));
            }
            for s in catalog.sequences.values().filter(|s| s.database == db) {
                rows.push(class_row(
                    s.id.0,
                    &s.name,
                    namespace_oid(&s.schema),
                    "S",
                    3,
                    false,
                ));
            }
            rows
        }
        "pg_views" => catalog
            .views
            .values()
            .filter(|v| v.database == db)
            .map(|v| {
                vec![
                    text(&v.schema),
                    text(&v.name),
                    text("postgres"),
                    text(&format!(" {};", v.query)),
                ]
            })
            .collect(),
        "information_schema.views" => catalog
            .views
            .values()
            .filter(|v| v.database == db)
            .map(|v| {
                vec![
                    text(exec.env.database_name()),
                    text(&v.schema),
                    text(&v.name),
                    text(&format!(" {};", v.query)),
                    text("NO"),
                ]
            })
            .collect(),
        "pg_tables" => tables
            .iter()
            .map(|t| {
                vec![
                    text(&t.schema),
                    text(&t.name),
                    text("postgres"),
                    Value::Bool(!t.indexes.is_empty() || !t.primary_key.is_empty()),
                ]
            })
            .collect(),
        "pg_attribute" => {
            let mut rows = Vec::new();
            for t in &tables {
                let meta = crate::meta::TableMeta::of(t).unwrap_or_default();
                for (i, col) in t.columns.iter().enumerate() {
                    rows.push(vec![
                        oid(t.id.0),
                        text(&col.name),
                        oid(col.data_type.oid()),
                        Value::Int2(i as i16 + 1),
                        Value::Int4(col.data_type.typmod()),
                        Value::Bool(!col.nullable),
                        Value::Bool(meta.defaults.contains_key(&i)),
                        Value::Bool(false),
                        text(""),
                        text(""),
                        oid(0),
                        Value::Int2(col.data_type.type_len()),
                    ]);
                }
            }
            for v in catalog.views.values().filter(|v| v.database == db) {
                for (i, col) in v.columns.iter().enumerate() {
                    rows.push(vec![
                        oid(v.id.0),
                        text(&col.name),
                        oid(col.data_type.oid()),
                        Value::Int2(i as i16 + 1),
                        Value::Int4(col.data_type.typmod()),
                        Value::Bool(false),
                        Value::Bool(false),
                        Value::Bool(false),
                        text(""),
                        text(""),
                        oid(0),
                        Value::Int2(col.data_type.type_len()),
                    ]);
                }
            }
            rows
        }
        "pg_type" => BUILTIN_TYPES
            .iter()
            .map(|(o, n, len, cat)| {
                let elem = match DataType::from_oid(*o) {
                    Some(DataType::Array(e)) => e.oid(),
                    _ => 0,
                };
                vec![
                    oid(*o),
                    text(n),
                    Value::Int8(PG_CATALOG_NS),
                    Value::Int2(*len),
                    text("b"),
                    oid(elem),
                    oid(0),
                    oid(0),
                    oid(0),
                    Value::Bool(false),
                    Value::Int4(-1),
                    oid(10),
                    text(&cat.to_string()),
                ]
            })
            .collect(),
        "pg_index" => {
            let mut rows = Vec::new();
            for t in &tables {
                let meta = crate::meta::TableMeta::of(t).unwrap_or_default();
                if !t.primary_key.is_empty() {
                    let key: Vec<String> =
                        t.primary_key.iter().map(|c| (c + 1).to_string()).collect();
                    rows.push(vec![
                        oid(t.id.0 + 1_000_000),
                        oid(t.id.0),
                        Value::Bool(true),
                        Value::Bool(true),
                        Value::Bool(false),
                        Value::Bool(true),
                        text(&key.join(" ")),
                        Value::Int2(key.len() as i16),
                    ]);
                }
                for ix in &t.indexes {
                    let key: Vec<String> = ix.columns.iter().map(|c| (c + 1).to_string()).collect();
                    let primary = meta.primary_key_index.as_deref() == Some(ix.name.as_str());
                    rows.push(vec![
                        oid(ix.id.0),
                        oid(t.id.0),
                        Value::Bool(ix.unique),
                        Value::Bool(primary),
                        Value::Bool(false),
                        Value::Bool(true),
                        text(&key.join(" ")),
                        Value::Int2(key.len() as i16),
                    ]);
                }
            }
            rows
        }
        "pg_database" => exec
            .env
            .databases()
            .into_iter()
            .map(|d| {
                vec![
                    oid(d.oid),
                    text(&d.name),
                    oid(10),
                    Value::Int4(6),
                    text("c"),
                    Value::Bool(d.is_template),
                    Value::Bool(d.allow_connections),
                    Value::Int4(d.connection_limit),
                    text("C.UTF-8"),
                    text("C.UTF-8"),
                    Value::Null,
                    Value::Null,
                    oid(1663),
                ]
            })
            .collect(),
        "pg_roles" | "pg_user" | "pg_authid" => exec
            .env
            .roles()
            .into_iter()
            .map(|r| {
                vec![
                    oid(r.oid),
                    text(&r.name),
                    Value::Bool(r.superuser),
                    Value::Bool(true),
                    Value::Bool(r.superuser),
                    Value::Bool(r.superuser),
                    Value::Bool(r.login),
                    Value::Bool(r.superuser),
                    Value::Int4(-1),
                    Value::Null,
                    Value::Bool(r.superuser),
                    Value::Null,
                ]
            })
            .collect(),
        "pg_settings" => exec
            .env
            .all_settings()
            .into_iter()
            .map(|(n, v)| {
                vec![
                    text(&n),
                    text(&v),
                    Value::Null,
                    text("Client Connection Defaults"),
                    text(""),
                    text("user"),
                    text("string"),
                    text("default"),
                ]
            })
            .collect(),
        "pg_sequence" => catalog
            .sequences
            .values()
            .filter(|s| s.database == db)
            .map(|s| {
                vec![
                    oid(s.id.0),
                    oid(20),
                    Value::Int8(s.start),
                    Value::Int8(s.increment),
                    Value::Int8(s.max_value),
                    Value::Int8(s.min_value),
                    Value::Bool(s.cycle),
                ]
            })
            .collect(),
        "pg_am" => vec![
            vec![oid(2), text("heap"), text("t")],
            vec![oid(403), text("btree"), text("i")],
        ],
        "pg_constraint" => {
            let mut rows = Vec::new();
            for t in &tables {
                if !t.primary_key.is_empty() {
                    let pk = t
                        .primary_key_name
                        .clone()
                        .unwrap_or_else(|| format!("{}_pkey", t.name));
                    let key = t
                        .primary_key
                        .iter()
                        .map(|c| Value::Int2(*c as i16 + 1))
                        .collect();
                    rows.push(vec![
                        oid(t.id.0 + 2_000_000),
                        text(&pk),
                        Value::Int8(namespace_oid(&t.schema)),
                        text("p"),
                        oid(t.id.0),
                        oid(t.id.0 + 1_000_000),
                        oid(0),
                        Value::Array(key),
                        Value::Null,
                        text(" "),
                        text(" "),
                        text(" "),
                    ]);
                }
                let meta = crate::meta::TableMeta::of(t).unwrap_or_default();
                for ix in &t.indexes {
                    if ix.unique {
                        let primary = meta.primary_key_index.as_deref() == Some(ix.name.as_str());
                        let key = ix
                            .columns
                            .iter()
                            .map(|c| Value::Int2(*c as i16 + 1))
                            .collect();
                        rows.push(vec![
                            oid(ix.id.0 + 2_000_000),
                            text(&ix.name),
                            Value::Int8(namespace_oid(&t.schema)),
                            text(if primary { "p" } else { "u" }),
                            oid(t.id.0),
                            oid(ix.id.0),
                            oid(0),
                            Value::Array(key),
                        ]);
                    }
                }
                rows.extend(crate::foreign_key::constraint_rows(
                    t,
                    &meta,
                    namespace_oid(&t.schema),
                ));
            }
            rows
        }
        "pg_tablespace" => vec![
            vec![oid(1663), text("pg_default"), oid(10)],
            vec![oid(1664), text("pg_global"), oid(10)],
        ],
        "information_schema.tables" => tables
            .iter()
            .map(|t| (&t.schema, &t.name, "BASE TABLE"))
            .chain(
                catalog
                    .views
                    .values()
                    .filter(|v| v.database == db)
                    .map(|v| (&v.schema, &v.name, "VIEW")),
            )
            .map(|(schema, name, kind)| {
                vec![
                    text(exec.env.database_name()),
                    text(schema),
                    text(name),
                    text(kind),
                ]
            })
            .collect(),
        "information_schema.columns" => {
            let mut rows = Vec::new();
            for t in &tables {
                let meta = crate::meta::TableMeta::of(t).unwrap_or_default();
                for (i, col) in t.columns.iter().enumerate() {
                    rows.push(vec![
                        text(exec.env.database_name()),
                        text(&t.schema),
                        text(&t.name),
                        text(&col.name),
                        Value::Int4(i as i32 + 1),
                        meta.defaults
                            .get(&i)
                            .map(|d| text(d))
                            .unwrap_or(Value::Null),
                        text(if col.nullable { "YES" } else { "NO" }),
                        text(&col.data_type.to_string()),
                    ]);
                }
            }
            rows
        }
        "pg_proc" => catalog
            .functions
            .values()
            .filter(|f| f.database == db)
            .map(|f| {
                vec![
                    oid(f.id.0),
                    text(&f.name),
                    Value::Int8(namespace_oid_in(&catalog, db, &f.schema)),
                    text("f"),
                    oid(if f.language == "sql" { 14 } else { 13_000 }),
                    Value::Text(f.volatility.to_string()),
                    Value::Bool(f.strict),
                    Value::Int2(f.args.len() as i16),
                    oid(f.returns.as_ref().map_or(2278, DataType::oid)),
                    text(&f.body),
                ]
            })
            .chain(crate::aggregate::pg_proc_rows(&catalog, db))
            .collect(),
        "pg_aggregate" => crate::aggregate::pg_aggregate_rows(&catalog, db),
        "pg_description" => crate::aggregate::pg_description_rows(&catalog, db),
        "information_schema.schemata" => schemas(exec)
            .into_iter()
            .map(|(_, n)| {
                vec![
                    text(exec.env.database_name()),
                    Value::Text(n),
                    text("postgres"),
                ]
            })
            .collect(),
        _ => Vec::new(),
    })
}
