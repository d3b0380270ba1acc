//! Functions that read the session or the catalog: current_user,
//! current_schemas, nextval and friends.

use crate::exec::Executor;
use crate::ops;
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};
use aiondb_storage::SequenceId;

/// Resolves a sequence named by a text argument (`'s'`, `'public.s'`).
pub fn sequence_by_name(exec: &Executor<'_>, name: &str) -> DbResult<SequenceId> {
    let cat = exec.txn.catalog();
    let (schema, rel) = match name.split_once('.') {
        Some((s, r)) => (
            Some(s.trim_matches('"').to_string()),
            r.trim_matches('"').to_string(),
        ),
        None => (None, name.trim_matches('"').to_lowercase()),
    };
    let found = match &schema {
        Some(s) => cat.sequence_by_name(exec.database, s, &rel),
        None => exec
            .search_path
            .iter()
            .find_map(|s| cat.sequence_by_name(exec.database, s, &rel)),
    };
    found.map(|s| s.id).ok_or_else(|| {
        DbError::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{name}\" does not exist"),
        )
    })
}

fn text_arg(v: &Value, t: &DataType) -> DbResult<String> {
    ops::text_of(v, t, &crate::types::FormatOptions::default())
}

/// Calls a session-reading function.
pub fn call(
    name: &str,
    args: &[Value],
    types: &[DataType],
    exec: &mut Executor<'_>,
) -> DbResult<Value> {
    Ok(match name {
        "current_database" => Value::Text(exec.env.database_name().to_string()),
        "has_table_privilege" => crate::privilege::has_table_privilege(exec, args)?,
        "current_user" | "user" | "current_role" => Value::Text(exec.env.user().to_string()),
        "session_user" => Value::Text(exec.env.session_user().to_string()),
        "current_schema" => exec
            .search_path
            .iter()
            .find(|s| *s == "public" || *s == "pg_catalog" || schema_exists(exec, s))
            .map(|s| Value::Text(s.clone()))
            .unwrap_or(Value::Null),
        "current_schemas" => {
            let implicit = matches!(args.first(), Some(Value::Bool(true)));
            let mut out = Vec::new();
            if implicit {
                out.push(Value::Text("pg_catalog".into()));
            }
            for s in exec.search_path {
                if (s == "public" || schema_exists(exec, s)) && !(implicit && s == "pg_catalog") {
                    out.push(Value::Text(s.clone()));
                }
            }
            Value::Array(out)
        }
        "current_setting" => {
            let n = text_arg(
                args.first().unwrap_or(&Value::Null),
                types.first().unwrap_or(&DataType::Text),
            )?;
            match exec.env.setting(&n) {
                Some(v) => Value::Text(v),
                None if matches!(args.get(1), Some(Value::Bool(true))) => Value::Null,
                None => {
                    return Err(DbError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!("unrecognized configuration parameter \"{n}\""),
                    ));
                }
            }
        }
        "set_config" => {
            return Err(DbError::not_supported(
                "set_config() is not supported; use SET",
            ));
        }
        "nextval" | "currval" | "setval" => {
            let Some(first) = args.first() else {
                return Ok(Value::Null);
            };
            if first.is_null() {
                return Ok(Value::Null);
            }
            let seq = sequence_by_name(exec, &text_arg(first, &types[0])?)?;
            match name {
                "nextval" => Value::Int8(exec.txn.nextval(seq)?),
                "currval" => {
                    let (v, called) = exec.txn.sequence_position(seq)?;
                    if !called {
                        return Err(DbError::new(
                            SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "currval of sequence is not yet defined in this session",
                        ));
                    }
                    Value::Int8(v)
                }
                _ => {
                    let v = match args.get(1) {
                        Some(Value::Int8(v)) => *v,
                        Some(Value::Int4(v)) => *v as i64,
                        Some(Value::Int2(v)) => *v as i64,
                        _ => {
                            return Err(DbError::new(
                                SqlState::INVALID_PARAMETER_VALUE,
                                "setval needs an integer value",
                            ));
                        }
                    };
                    let called = !matches!(args.get(2), Some(Value::Bool(false)));
                    exec.txn.setval(seq, v, called)?;
                    Value::Int8(v)
                }
            }
        }
        "pg_table_is_visible" => Value::Bool(true),
        "pg_get_userbyid" => {
            let oid = match args.first() {
                Some(Value::Int4(x)) => *x as u32,
                Some(Value::Int8(x)) => *x as u32,
                _ => return Ok(Value::Null),
            };
            let name = exec
                .env
                .roles()
                .into_iter()
                .find(|r| r.oid == oid)
                .map(|r| r.name);
            Value::Text(name.unwrap_or_else(|| format!("unknown (OID={oid})")))
        }
        "txid_current" => Value::Int8(exec.txn.id().0 as i64),
        _ => {
            return Err(DbError::internal(format!(
                "{name} is not a session function"
            )));
        }
    })
}

fn schema_exists(exec: &Executor<'_>, s: &str) -> bool {
    crate::catalog::schemas(exec).iter().any(|(_, n)| n == s)
}
