//! Result types of built-in functions and aggregates.

use crate::ops;
use aiondb_core::{DataType, DbError, DbResult, SqlState};

pub(crate) fn undefined(name: &str, args: &[DataType]) -> DbError {
    let list: Vec<String> = args.iter().map(|t| t.to_string()).collect();
    DbError::new(
        SqlState::UNDEFINED_FUNCTION,
        format!("function {name}({}) does not exist", list.join(", ")),
    )
    .with_hint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

/// The position of the parameter called `param` of built-in function
/// `name`, for named notation (`f(x => 1)`).
pub fn param_position(name: &str, param: &str) -> Option<usize> {
    let params: &[&str] = match name {
        "parse_ident" => &["str", "strict"],
        _ => return None,
    };
    params.iter().position(|p| *p == param)
}

/// The result type of an aggregate over arguments of these types.
pub fn aggregate_type(name: &str, args: &[DataType]) -> DbResult<DataType> {
    let first = args.first().cloned().unwrap_or(DataType::Int8);
    Ok(match name {
        "count" => DataType::Int8,
        "sum" => match first {
            DataType::Int2 | DataType::Int4 => DataType::Int8,
            DataType::Int8 | DataType::Numeric(_) | DataType::Unknown => DataType::Numeric(None),
            DataType::Float4 => DataType::Float4,
            DataType::Float8 => DataType::Float8,
            DataType::Interval => DataType::Interval,
            other => return Err(undefined("sum", &[other])),
        },
        "avg" => match first {
            DataType::Int2
            | DataType::Int4
            | DataType::Int8
            | DataType::Numeric(_)
            | DataType::Unknown => DataType::Numeric(None),
            DataType::Float4 | DataType::Float8 => DataType::Float8,
            DataType::Interval => DataType::Interval,
            other => return Err(undefined("avg", &[other])),
        },
        "min" | "max" => {
            if first == DataType::Unknown {
                DataType::Text
            } else {
                first
            }
        }
        "bool_and" | "bool_or" | "every" => DataType::Bool,
        "string_agg" => DataType::Text,
        "array_agg" => DataType::Array(Box::new(first)),
        _ => return Err(undefined(name, args)),
    })
}

/// String functions whose first argument has no implicit cast from other
/// types.
fn takes_string(name: &str) -> bool {
    matches!(
        name,
        "lower"
            | "upper"
            | "initcap"
            | "length"
            | "char_length"
            | "character_length"
            | "octet_length"
            | "btrim"
            | "ltrim"
            | "rtrim"
            | "lpad"
            | "rpad"
            | "left"
            | "right"
            | "repeat"
            | "reverse"
            | "strpos"
            | "replace"
            | "split_part"
            | "starts_with"
    )
}

/// Types a string function's first argument may have (bytea for the
/// length and trim family, which have bytea variants).
fn string_like(t: &DataType) -> bool {
    !matches!(
        t,
        DataType::Bool
            | DataType::Int2
            | DataType::Int4
            | DataType::Int8
            | DataType::Float4
            | DataType::Float8
            | DataType::Numeric(_)
            | DataType::Date
            | DataType::Time
            | DataType::Timestamp
            | DataType::Timestamptz
            | DataType::Interval
            | DataType::Uuid
            | DataType::Oid
    )
}

/// The result type of a scalar function.
pub fn return_type(name: &str, args: &[DataType]) -> DbResult<DataType> {
    use DataType as T;
    if super::int_bool::handles(name) {
        return super::int_bool::return_type(name, args);
    }
    if super::float_math::handles(name) {
        return super::float_math::return_type(name, args);
    }
    match (name, args) {
        ("enum_first" | "enum_last", [t @ T::Enum(_)]) => return Ok(t.clone()),
        (
            "enum_range",
            [t @ T::Enum(_)] | [t @ T::Enum(_), T::Unknown] | [T::Unknown, t @ T::Enum(_)],
        ) => {
            return Ok(T::Array(Box::new(t.clone())));
        }
        ("enum_range", [t @ T::Enum(_), u]) if u == t => {
            return Ok(T::Array(Box::new(t.clone())));
        }
        ("enum_first" | "enum_last" | "enum_range", _) => return Err(undefined(name, args)),
        ("array_eq", [T::Array(_), T::Array(_)]) => return Ok(T::Bool),
        ("array_eq", _) => return Err(undefined(name, args)),
        _ => {}
    }
    if takes_string(name) && args.first().is_some_and(|t| !string_like(t)) {
        // No implicit cast to text since PostgreSQL 8.3: length(42) fails.
        return Err(undefined(name, args));
    }
    if name == "format" && args.is_empty() {
        return Err(undefined(name, args));
    }
    let first = args.first().cloned().unwrap_or(T::Unknown);
    let first_known = if first == T::Unknown {
        T::Text
    } else {
        first.clone()
    };
    Ok(match name {
        "now"
        | "current_timestamp"
        | "clock_timestamp"
        | "statement_timestamp"
        | "transaction_timestamp" => T::Timestamptz,
        "localtimestamp" => T::Timestamp,
        "current_date" => T::Date,
        "version"
        | "current_database"
        | "current_schema"
        | "current_user"
        | "session_user"
        | "user"
        | "current_role"
        | "lower"
        | "upper"
        | "substr"
        | "substring"
        | "concat"
        | "concat_ws"
        | "replace"
        | "btrim"
        | "ltrim"
        | "rtrim"
        | "trim"
        | "left"
        | "right"
        | "repeat"
        | "reverse"
        | "lpad"
        | "rpad"
        | "initcap"
        | "pg_get_userbyid"
        | "format_type"
        | "pg_encoding_to_char"
        | "array_to_string"
        | "quote_ident"
        | "quote_literal"
        | "to_hex"
        | "pg_get_expr"
        | "pg_get_indexdef"
        | "pg_get_constraintdef"
        | "obj_description"
        | "col_description"
        | "shobj_description"
        | "pg_size_pretty"
        | "current_setting"
        | "chr"
        | "split_part"
        | "pg_get_function_arguments"
        | "pg_get_function_result"
        | "pg_get_triggerdef"
        | "pg_get_viewdef"
        | "format"
        | "set_config" => T::Text,
        "length" | "char_length" | "character_length" | "octet_length" | "strpos" | "position"
        | "array_length" | "array_upper" | "array_lower" | "cardinality" | "array_position"
        | "ascii" | "pg_backend_pid" => T::Int4,
        "nextval"
        | "currval"
        | "setval"
        | "pg_table_size"
        | "pg_relation_size"
        | "pg_total_relation_size"
        | "pg_database_size"
        | "txid_current" => T::Int8,
        "pg_table_is_visible"
        | "pg_function_is_visible"
        | "pg_type_is_visible"
        | "has_table_privilege"
        | "has_database_privilege"
        | "has_schema_privilege"
        | "pg_has_role"
        | "pg_relation_is_publishable"
        | "has_column_privilege"
        | "starts_with" => T::Bool,
        "current_schemas" => T::Array(Box::new(T::Text)),
        "to_date" if args.len() == 2 && args.iter().all(string_like) => T::Date,
        "parse_ident"
            if (1..=2).contains(&args.len())
                && string_like(&first)
                && args
                    .get(1)
                    .is_none_or(|t| matches!(t, T::Bool | T::Unknown)) =>
        {
            T::Array(Box::new(T::Text))
        }
        "random" => T::Float8,
        "gen_random_uuid" => T::Uuid,
        "abs" | "ceil" | "ceiling" | "floor" | "sign" => match first {
            T::Unknown => T::Float8,
            t => t,
        },
        "round" | "trunc" => match first {
            T::Float4 | T::Float8 if args.len() == 1 => T::Float8,
            T::Int2 | T::Int4 | T::Int8 | T::Numeric(_) | T::Unknown => T::Numeric(None),
            T::Float4 | T::Float8 => return Err(undefined(name, args)),
            other => return Err(undefined(name, &[other])),
        },
        "mod" | "div" => {
            ops::common_type(&first_known, args.get(1).unwrap_or(&first_known)).unwrap_or(T::Int4)
        }
        "coalesce" | "greatest" | "least" | "nullif" => {
            let mut t = T::Unknown;
            for a in args {
                t = ops::common_type(&t, a).ok_or_else(|| {
                    DbError::new(
                        SqlState::DATATYPE_MISMATCH,
                        format!(
                            "{} types {t} and {a} cannot be matched",
                            name.to_uppercase()
                        ),
                    )
                })?;
            }
            if t == T::Unknown { T::Text } else { t }
        }
        "date_part" | "extract" => T::Numeric(None),
        "date_trunc" => args.get(1).cloned().unwrap_or(T::Timestamp),
        "age" => T::Interval,
        "to_char" => T::Text,
        "to_number" if args.len() == 2 && args.iter().all(string_like) => T::Numeric(None),
        "pg_typeof" => T::Text,
        "json_build_object" | "to_json" | "row_to_json" | "json_agg" => T::Json,
        "to_jsonb" | "jsonb_build_object" => T::Jsonb,
        _ => return Err(undefined(name, args)),
    })
}
