//! The catalog rows of user aggregates: pg_aggregate, and their pg_proc
//! rows (prokind `a`). Support functions are shown by name (`-` for none),
//! as PostgreSQL prints regproc values.

use crate::output::Column;
use aiondb_core::{DataType, Row, Value};
use aiondb_storage::{AggregateFn, AggregateSchema, Catalog};

/// Columns of pg_aggregate.
pub fn pg_aggregate_columns() -> Vec<Column> {
    use DataType::*;
    let c = |name: &str, t: DataType| Column::computed(name, t);
    vec![
        c("aggfnoid", Text),
        c("aggkind", Char(Some(1))),
        c("aggnumdirectargs", Int2),
        c("aggtransfn", Text),
        c("aggfinalfn", Text),
        c("aggcombinefn", Text),
        c("aggserialfn", Text),
        c("aggdeserialfn", Text),
        c("aggmtransfn", Text),
        c("aggminvtransfn", Text),
        c("aggmfinalfn", Text),
        c("aggfinalextra", Bool),
        c("aggmfinalextra", Bool),
        c("aggfinalmodify", Char(Some(1))),
        c("aggmfinalmodify", Char(Some(1))),
        c("aggsortop", Oid),
        c("aggtranstype", Oid),
        c("aggtransspace", Int4),
        c("aggmtranstype", Oid),
        c("aggmtransspace", Int4),
        c("agginitval", Text),
        c("aggminitval", Text),
    ]
}

fn fn_name(catalog: &Catalog, f: Option<&AggregateFn>) -> Value {
    Value::Text(match f {
        None => "-".to_string(),
        Some(AggregateFn::Builtin(name)) => name.clone(),
        Some(AggregateFn::User(id)) => catalog
            .functions
            .get(id)
            .map_or_else(|| id.0.to_string(), |f| f.name.clone()),
    })
}

fn text_or_null(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::Text(s.clone()))
}

/// The pg_aggregate rows of database `db`.
pub fn pg_aggregate_rows(catalog: &Catalog, db: u32) -> Vec<Row> {
    catalog
        .aggregates
        .values()
        .filter(|a| a.database == db)
        .map(|a| aggregate_row(catalog, a))
        .collect()
}

fn aggregate_row(catalog: &Catalog, a: &AggregateSchema) -> Row {
    let m = a.moving.as_ref();
    let oid = |v: u32| Value::Int8(i64::from(v));
    vec![
        Value::Text(a.name.clone()),
        Value::Text(a.kind.to_string()),
        Value::Int2(i16::try_from(a.direct_args).unwrap_or(i16::MAX)),
        fn_name(catalog, Some(&a.transition)),
        fn_name(catalog, a.final_fn.as_ref()),
        fn_name(catalog, a.combine.as_ref()),
        fn_name(catalog, a.serial.as_ref()),
        fn_name(catalog, a.deserial.as_ref()),
        fn_name(catalog, m.map(|m| &m.transition)),
        fn_name(catalog, m.map(|m| &m.inverse)),
        fn_name(catalog, m.and_then(|m| m.final_fn.as_ref())),
        Value::Bool(a.final_extra),
        Value::Bool(m.is_some_and(|m| m.final_extra)),
        Value::Text(a.final_modify.to_string()),
        Value::Text(m.map_or('r', |m| m.final_modify).to_string()),
        oid(0),
        oid(a.state_type.oid()),
        Value::Int4(a.state_space),
        oid(m.map_or(0, |m| m.state_type.oid())),
        Value::Int4(0),
        text_or_null(&a.initial),
        text_or_null(&m.and_then(|m| m.initial.clone())),
    ]
}

/// pg_proc rows of database `db`'s aggregates, in pg_proc's column
/// order as the server generates it (oid, proname, pronamespace, prokind,
/// prolang, provolatile, proisstrict, pronargs, prorettype, prosrc).
pub fn pg_proc_rows(catalog: &Catalog, db: u32) -> Vec<Row> {
    catalog
        .aggregates
        .values()
        .filter(|a| a.database == db)
        .map(|a| {
            vec![
                Value::Int8(i64::from(a.id.0)),
                Value::Text(a.name.clone()),
                Value::Int8(crate::catalog::namespace_oid_in(catalog, db, &a.schema)),
                Value::Text("a".into()),
                Value::Int8(12),
                Value::Text("i".into()),
                Value::Bool(false),
                Value::Int2(i16::try_from(a.args.len()).unwrap_or(i16::MAX)),
                Value::Int8(i64::from(a.result_type.oid())),
                Value::Text("aggregate_dummy".into()),
            ]
        })
        .collect()
}

/// pg_description rows: the comments on database `db`'s aggregates
/// (objoid, classoid pg_proc, objsubid 0, description).
pub fn pg_description_rows(catalog: &Catalog, db: u32) -> Vec<Row> {
    catalog
        .aggregates
        .values()
        .filter(|a| a.database == db)
        .filter_map(|a| {
            let d = a.description.as_ref()?;
            Some(vec![
                Value::Int8(i64::from(a.id.0)),
                Value::Int8(1255),
                Value::Int4(0),
                Value::Text(d.clone()),
            ])
        })
        .collect()
}
