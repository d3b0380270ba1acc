//! Built-in scalar and set-returning functions.

mod float_degrees;
mod float_math;
mod format;
mod ident;
mod int_bool;
mod num_format;
mod signatures;
mod srf;
mod to_char_num;
mod to_char_time;
mod to_date;
mod to_number;

pub use float_math::argument_type as float_math_argument_type;
pub use signatures::param_position;
pub(crate) use signatures::undefined;
pub use signatures::{aggregate_type, return_type};
pub use srf::{is_set_returning, table_function, table_function_type};

use crate::expr::EvalEnv;
use crate::ops;
use crate::types::FormatOptions;
use aiondb_core::{DataType, DbError, DbResult, Numeric, SqlState, Value};
use bigdecimal::{BigDecimal, RoundingMode};

/// Aggregate function names.
pub fn is_aggregate(name: &str) -> bool {
    matches!(
        name,
        "count"
            | "sum"
            | "avg"
            | "min"
            | "max"
            | "bool_and"
            | "bool_or"
            | "every"
            | "string_agg"
            | "array_agg"
    )
}

/// Window-only function names.
pub fn is_window(name: &str) -> bool {
    matches!(name, "row_number" | "rank" | "dense_rank")
}

/// Functions whose result may change between calls with the same input.
pub fn is_volatile(name: &str) -> bool {
    crate::udf::user_fn_id(name).is_some()
        || crate::ddl::domain::check_id(name).is_some()
        || matches!(
            name,
            "random"
                | "nextval"
                | "setval"
                | "currval"
                | "clock_timestamp"
                | "gen_random_uuid"
                | "now"
        )
}

/// A text argument. A `char(n)` value loses its trailing blanks, as in
/// PostgreSQL's implicit bpchar-to-text cast (`lower(c)`, `length(c)`).
fn text(v: &Value, ty: &DataType) -> DbResult<String> {
    let s = ops::text_of(v, ty, &FormatOptions::default())?;
    Ok(match ty {
        DataType::Char(_) => s.trim_end_matches(' ').to_string(),
        _ => s,
    })
}

/// An `any` argument in its output form (concat keeps char padding).
fn output_text(v: &Value, ty: &DataType, opts: &FormatOptions) -> DbResult<String> {
    ops::text_of(v, ty, opts)
}

fn int_arg(v: &Value) -> DbResult<i64> {
    match v {
        Value::Int2(x) => Ok(*x as i64),
        Value::Int4(x) => Ok(*x as i64),
        Value::Int8(x) => Ok(*x),
        Value::Numeric(_) | Value::Float8(_) | Value::Float4(_) => {
            match ops::cast(v.clone(), &numeric_type(v), &DataType::Int8)? {
                Value::Int8(x) => Ok(x),
                _ => Err(DbError::internal("cast to int8")),
            }
        }
        other => Err(crate::expr::type_error("function", other)),
    }
}

fn numeric_type(v: &Value) -> DataType {
    match v {
        Value::Numeric(_) => DataType::Numeric(None),
        Value::Float4(_) => DataType::Float4,
        _ => DataType::Float8,
    }
}

fn to_decimal(v: &Value, ty: &DataType) -> DbResult<BigDecimal> {
    match ops::coerce(v.clone(), ty, &DataType::Numeric(None))? {
        Value::Numeric(Numeric::Finite(d)) => Ok(d),
        _ => Err(DbError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            "cannot round a non-finite numeric",
        )),
    }
}

/// The session's output settings, or the defaults when folding constants.
fn session_format(env: &EvalEnv<'_, '_>) -> FormatOptions {
    env.exec
        .as_deref()
        .map(|e| e.format.clone())
        .unwrap_or_default()
}

/// `base(fixed..., VARIADIC array)`: the array's elements become the
/// trailing arguments. A NULL array makes `concat`/`concat_ws` NULL and
/// gives `format` no trailing arguments, as in PostgreSQL.
fn call_variadic(
    base: &str,
    mut args: Vec<Value>,
    types: &[DataType],
    ty: &DataType,
    env: &mut EvalEnv<'_, '_>,
) -> DbResult<Value> {
    let mut types = types.to_vec();
    let array = args.pop().unwrap_or(Value::Null);
    let elem = match types.pop() {
        Some(DataType::Array(e)) => *e,
        _ => DataType::Text,
    };
    match array {
        Value::Null if base != "format" => return Ok(Value::Null),
        Value::Null => {}
        Value::Array(items) => {
            for v in items {
                args.push(v);
                types.push(elem.clone());
            }
        }
        other => return Err(crate::expr::type_error("VARIADIC", &other)),
    }
    call(base, args, &types, ty, env)
}

/// Calls a scalar function on evaluated arguments.
pub fn call(
    name: &str,
    args: Vec<Value>,
    types: &[DataType],
    ty: &DataType,
    env: &mut EvalEnv<'_, '_>,
) -> DbResult<Value> {
    if name == "__variadic" {
        return Err(DbError::not_supported("VARIADIC argument here"));
    }
    if let Some(base) = name.strip_suffix("__variadic") {
        return call_variadic(base, args, types, ty, env);
    }
    // Functions that see NULL arguments.
    match name {
        "__reinterpret" => {
            let (Some(v), Some(target)) = (args.into_iter().next(), types.get(1)) else {
                return Err(DbError::internal("__reinterpret without its arguments"));
            };
            return crate::user_types::reinterpret(v, target);
        }
        "enum_range" | "enum_first" | "enum_last" | crate::types::enum_type::ENUM_ORD => {
            return crate::types::enum_type::call(name, &args, types);
        }
        "array_eq" => {
            return Ok(
                match ops::compare(args[0].clone(), &types[0], args[1].clone(), &types[1])? {
                    None => Value::Null,
                    Some(o) => Value::Bool(o.is_eq()),
                },
            );
        }
        "coalesce" => {
            for (a, t) in args.into_iter().zip(types) {
                if !a.is_null() {
                    return ops::coerce(a, t, ty);
                }
            }
            return Ok(Value::Null);
        }
        "nullif" => {
            let (a, b) = (args[0].clone(), args[1].clone());
            let eq = ops::binary(
                crate::expr::BinOp::Eq,
                a.clone(),
                &types[0],
                b,
                &types[1],
                &DataType::Bool,
            )?;
            return Ok(if eq == Value::Bool(true) {
                Value::Null
            } else {
                ops::coerce(a, &types[0], ty)?
            });
        }
        "greatest" | "least" => {
            let mut best: Option<Value> = None;
            for (a, t) in args.into_iter().zip(types) {
                if a.is_null() {
                    continue;
                }
                let a = ops::coerce(a, t, ty)?;
                best = Some(match best {
                    None => a,
                    Some(b) => {
                        let o = crate::exec::cmp_values(&a, &b);
                        let take = if name == "greatest" {
                            o.is_gt()
                        } else {
                            o.is_lt()
                        };
                        if take { a } else { b }
                    }
                });
            }
            return Ok(best.unwrap_or(Value::Null));
        }
        "format" => return format::format(&args, types, &session_format(env)),
        "concat" => {
            let opts = session_format(env);
            let mut out = String::new();
            for (a, t) in args.iter().zip(types) {
                if !a.is_null() {
                    out.push_str(&output_text(a, t, &opts)?);
                }
            }
            return Ok(Value::Text(out));
        }
        "concat_ws" => {
            let Some(Value::Text(sep)) = args.first() else {
                return Ok(Value::Null);
            };
            let opts = session_format(env);
            let parts: DbResult<Vec<String>> = args[1..]
                .iter()
                .zip(&types[1..])
                .filter(|(a, _)| !a.is_null())
                .map(|(a, t)| match t {
                    DataType::Char(_) => text(a, t),
                    _ => output_text(a, t, &opts),
                })
                .collect();
            return Ok(Value::Text(parts?.join(sep)));
        }
        "now" | "current_timestamp" | "transaction_timestamp" | "statement_timestamp" => {
            let t = env
                .exec
                .as_ref()
                .map(|e| e.statement_time)
                .unwrap_or_else(crate::exec::now_micros);
            return Ok(Value::Timestamptz(t));
        }
        "localtimestamp" => {
            let t = env
                .exec
                .as_ref()
                .map(|e| e.statement_time)
                .unwrap_or_else(crate::exec::now_micros);
            return Ok(Value::Timestamp(t));
        }
        "clock_timestamp" => return Ok(Value::Timestamptz(crate::exec::now_micros())),
        "current_date" => {
            let t = env
                .exec
                .as_ref()
                .map(|e| e.statement_time)
                .unwrap_or_else(crate::exec::now_micros);
            return Ok(Value::Date(t.div_euclid(86_400_000_000) as i32));
        }
        "version" => {
            return Ok(Value::Text(
                "PostgreSQL 15.18 (AionDB 0.1.0) on x86_64-pc-linux-gnu, compiled by rustc, 64-bit"
                    .into(),
            ));
        }
        "random" => return Ok(Value::Float8(rand::random::<f64>())),
        "gen_random_uuid" => {
            let mut b: [u8; 16] = rand::random();
            b[6] = (b[6] & 0x0f) | 0x40;
            b[8] = (b[8] & 0x3f) | 0x80;
            return Ok(Value::Uuid(b));
        }
        "pg_backend_pid" => return Ok(Value::Int4(std::process::id() as i32)),
        "__any_eq" => {
            let (Some(v), Some(arr)) = (args.first(), args.get(1)) else {
                return Ok(Value::Null);
            };
            let Value::Array(items) = arr else {
                return Ok(Value::Null);
            };
            if v.is_null() {
                return Ok(Value::Null);
            }
            let elem = match &types[1] {
                DataType::Array(e) => (**e).clone(),
                _ => DataType::Text,
            };
            let mut saw_null = false;
            for it in items {
                match ops::binary(
                    crate::expr::BinOp::Eq,
                    v.clone(),
                    &types[0],
                    it.clone(),
                    &elem,
                    &DataType::Bool,
                )? {
                    Value::Bool(true) => return Ok(Value::Bool(true)),
                    Value::Null => saw_null = true,
                    _ => {}
                }
            }
            return Ok(if saw_null {
                Value::Null
            } else {
                Value::Bool(false)
            });
        }
        "current_database"
        | "current_user"
        | "session_user"
        | "user"
        | "current_role"
        | "current_schema"
        | "current_schemas"
        | "nextval"
        | "currval"
        | "setval"
        | "current_setting"
        | "set_config"
        | "pg_table_is_visible"
        | "pg_get_userbyid"
        | "has_table_privilege"
        | "txid_current" => {
            let exec = env
                .exec
                .as_deref_mut()
                .ok_or_else(|| DbError::internal("session function without a session"))?;
            return crate::session_func::call(name, &args, types, exec);
        }
        _ => {}
    }
    if args.iter().any(Value::is_null)
        && !matches!(
            name,
            "format_type"
                | "obj_description"
                | "col_description"
                | "shobj_description"
                | "pg_get_expr"
                | "array_to_string"
                | "array_position"
        )
    {
        return Ok(Value::Null);
    }
    if int_bool::handles(name) {
        return int_bool::call(name, &args, ty);
    }
    if float_math::handles(name) {
        return float_math::call(name, &args, types, ty);
    }
    let a0 = args.first().cloned().unwrap_or(Value::Null);
    let t0 = types.first().cloned().unwrap_or(DataType::Unknown);
    Ok(match name {
        "lower" => Value::Text(text(&a0, &t0)?.to_lowercase()),
        "upper" => Value::Text(text(&a0, &t0)?.to_uppercase()),
        "initcap" => {
            let s = text(&a0, &t0)?;
            let mut out = String::with_capacity(s.len());
            let mut start = true;
            for c in s.chars() {
                if c.is_alphanumeric() {
                    if start {
                        out.extend(c.to_uppercase())
                    } else {
                        out.extend(c.to_lowercase())
                    }
                    start = false;
                } else {
                    out.push(c);
                    start = true;
                }
            }
            Value::Text(out)
        }
        "length" | "char_length" | "character_length" => match &a0 {
            Value::Bytea(b) => Value::Int4(b.len() as i32),
            _ => {
                let s = text(&a0, &t0)?;
                let s = if matches!(t0, DataType::Char(_)) {
                    s.trim_end_matches(' ').to_string()
                } else {
                    s
                };
                Value::Int4(s.chars().count() as i32)
            }
        },
        "octet_length" => Value::Int4(match &a0 {
            Value::Bytea(b) => b.len(),
            _ => text(&a0, &t0)?.len(),
        } as i32),
        "ascii" => Value::Int4(text(&a0, &t0)?.chars().next().map_or(0, |c| c as i32)),
        "chr" => Value::Text(
            char::from_u32(int_arg(&a0)? as u32)
                .map(String::from)
                .unwrap_or_default(),
        ),
        "substr" | "substring" => {
            let s: Vec<char> = text(&a0, &t0)?.chars().collect();
            let start = int_arg(&args[1])?;
            let len = match args.get(2) {
                Some(v) => Some(int_arg(v)?),
                None => None,
            };
            if let Some(l) = len
                && l < 0
            {
                return Err(DbError::new(
                    SqlState::from_static("22011"),
                    "negative substring length not allowed",
                ));
            }
            let begin = start.max(1);
            let end = match len {
                Some(l) => (start + l).max(begin),
                None => s.len() as i64 + 1,
            };
            let (b, e) = (
                (begin - 1).min(s.len() as i64) as usize,
                (end - 1).min(s.len() as i64).max(0) as usize,
            );
            Value::Text(s[b..e.max(b)].iter().collect())
        }
        "left" | "right" => {
            let s: Vec<char> = text(&a0, &t0)?.chars().collect();
            let n = int_arg(&args[1])?;
            let len = s.len() as i64;
            let k = if n >= 0 { n.min(len) } else { (len + n).max(0) } as usize;
            Value::Text(if name == "left" {
                s[..k].iter().collect()
            } else {
                s[s.len() - k..].iter().collect()
            })
        }
        "repeat" => Value::Text(text(&a0, &t0)?.repeat(int_arg(&args[1])?.max(0) as usize)),
        "reverse" => Value::Text(text(&a0, &t0)?.chars().rev().collect()),
        "replace" => Value::Text(
            text(&a0, &t0)?.replace(&text(&args[1], &types[1])?, &text(&args[2], &types[2])?),
        ),
        "strpos" | "position" => {
            let s = text(&a0, &t0)?;
            let sub = text(&args[1], &types[1])?;
            Value::Int4(
                s.find(&sub)
                    .map_or(0, |b| s[..b].chars().count() as i32 + 1),
            )
        }
        "starts_with" => Value::Bool(text(&a0, &t0)?.starts_with(&text(&args[1], &types[1])?)),
        "split_part" => {
            let s = text(&a0, &t0)?;
            let d = text(&args[1], &types[1])?;
            let n = int_arg(&args[2])?;
            let parts: Vec<&str> = if d.is_empty() {
                vec![s.as_str()]
            } else {
                s.split(d.as_str()).collect()
            };
            let idx = if n > 0 { n - 1 } else { parts.len() as i64 + n };
            Value::Text(
                parts
                    .get(idx as usize)
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            )
        }
        "btrim" | "trim" | "ltrim" | "rtrim" => {
            let s = text(&a0, &t0)?;
            let chars: Vec<char> = match args.get(1) {
                Some(c) => text(c, &types[1])?.chars().collect(),
                None => vec![' '],
            };
            let f = |c: char| chars.contains(&c);
            Value::Text(match name {
                "ltrim" => s.trim_start_matches(f).to_string(),
                "rtrim" => s.trim_end_matches(f).to_string(),
                _ => s.trim_matches(f).to_string(),
            })
        }
        "lpad" | "rpad" => {
            let s: Vec<char> = text(&a0, &t0)?.chars().collect();
            let n = int_arg(&args[1])?.max(0) as usize;
            let fill: Vec<char> = match args.get(2) {
                Some(f) => text(f, &types[2])?.chars().collect(),
                None => vec![' '],
            };
            if s.len() >= n || fill.is_empty() {
                Value::Text(s[..n.min(s.len())].iter().collect())
            } else {
                let pad: String = fill.iter().cycle().take(n - s.len()).collect();
                let body: String = s.iter().collect();
                Value::Text(if name == "lpad" {
                    pad + &body
                } else {
                    body + &pad
                })
            }
        }
        "to_hex" => Value::Text(format!("{:x}", int_arg(&a0)?)),
        "quote_ident" => Value::Text(format::quote_ident(&text(&a0, &t0)?)),
        "__subscript" if args.len() > 2 => Value::Null,
        "__subscript" => {
            let i = int_arg(args.get(1).unwrap_or(&Value::Null))?;
            match &a0 {
                Value::Array(items) if i >= 1 => {
                    items.get(i as usize - 1).cloned().unwrap_or(Value::Null)
                }
                Value::Array(_) => Value::Null,
                other => return Err(crate::expr::type_error("subscript", other)),
            }
        }
        "to_date" => {
            let fmt = text(
                args.get(1).unwrap_or(&Value::Null),
                types.get(1).unwrap_or(&t0),
            )?;
            to_date::to_date(&text(&a0, &t0)?, &fmt)?
        }
        "parse_ident" => {
            let strict = match args.get(1) {
                None => true,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(undefined(name, types)),
            };
            Value::Array(
                ident::parse_ident(&text(&a0, &t0)?, strict)?
                    .into_iter()
                    .map(Value::Text)
                    .collect(),
            )
        }
        "quote_literal" => Value::Text(format::quote_literal(&text(&a0, &t0)?)),
        "abs" => match a0 {
            Value::Int2(x) => Value::Int2(x.checked_abs().ok_or_else(|| {
                DbError::new(
                    SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                    "smallint out of range",
                )
            })?),
            Value::Int4(x) => Value::Int4(x.checked_abs().ok_or_else(|| {
                DbError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range")
            })?),
            Value::Int8(x) => Value::Int8(x.checked_abs().ok_or_else(|| {
                DbError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range")
            })?),
            Value::Float4(x) => Value::Float4(x.abs()),
            Value::Float8(x) => Value::Float8(x.abs()),
            Value::Numeric(Numeric::Finite(d)) => Value::Numeric(Numeric::Finite(d.abs())),
            Value::Numeric(Numeric::NegInf) => Value::Numeric(Numeric::PosInf),
            other => other,
        },
        "sign" => match a0 {
            Value::Float8(x) => Value::Float8(if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }),
            Value::Numeric(Numeric::Finite(d)) => Value::Numeric(Numeric::from(d.sign() as i64)),
            other => ops::coerce(Value::Int8(int_arg(&other)?.signum()), &DataType::Int8, ty)?,
        },
        "ceil" | "ceiling" | "floor" => match a0 {
            Value::Float8(x) => Value::Float8(if name == "floor" { x.floor() } else { x.ceil() }),
            Value::Float4(x) => Value::Float4(if name == "floor" { x.floor() } else { x.ceil() }),
            Value::Numeric(Numeric::Finite(d)) => {
                let mode = if name == "floor" {
                    RoundingMode::Floor
                } else {
                    RoundingMode::Ceiling
                };
                Value::Numeric(Numeric::Finite(d.with_scale_round(0, mode)))
            }
            other => other,
        },
        "round" | "trunc" => {
            let places = match args.get(1) {
                Some(v) => int_arg(v)?,
                None => 0,
            };
            match a0 {
                Value::Float8(x) if args.len() == 1 => Value::Float8(if name == "round" {
                    x.round_ties_even_away()
                } else {
                    x.trunc()
                }),
                Value::Float4(x) if args.len() == 1 => Value::Float8(if name == "round" {
                    (x as f64).round_ties_even_away()
                } else {
                    (x as f64).trunc()
                }),
                other => {
                    let d = to_decimal(&other, &t0)?;
                    let mode = if name == "round" {
                        RoundingMode::HalfUp
                    } else {
                        RoundingMode::Down
                    };
                    Value::Numeric(Numeric::Finite(d.with_scale_round(places, mode)))
                }
            }
        }
        "mod" => ops::binary(
            crate::expr::BinOp::Mod,
            a0,
            &t0,
            args[1].clone(),
            &types[1],
            ty,
        )?,
        "div" => {
            let q = ops::binary(
                crate::expr::BinOp::Div,
                a0,
                &t0,
                args[1].clone(),
                &types[1],
                ty,
            )?;
            match q {
                Value::Numeric(Numeric::Finite(d)) => {
                    Value::Numeric(Numeric::Finite(d.with_scale_round(0, RoundingMode::Down)))
                }
                other => other,
            }
        }
        "array_length" | "array_upper" | "cardinality" => match a0 {
            Value::Array(items) if items.is_empty() && name != "cardinality" => Value::Null,
            Value::Array(items) => Value::Int4(items.len() as i32),
            _ => Value::Null,
        },
        "array_lower" => match a0 {
            Value::Array(items) if !items.is_empty() => Value::Int4(1),
            _ => Value::Null,
        },
        "array_position" => match a0 {
            Value::Array(items) => {
                let elem_ty = match &t0 {
                    DataType::Array(e) => (**e).clone(),
                    _ => DataType::Text,
                };
                // array_position(array, elem, start): the search begins at
                // the 1-based position `start`.
                let skip = match args.get(2) {
                    None => 0,
                    Some(Value::Null) => {
                        return Err(DbError::new(
                            SqlState::from_static("22004"),
                            "initial position must not be null",
                        ));
                    }
                    Some(start) => usize::try_from(int_arg(start)?.max(1) - 1).unwrap_or(0),
                };
                let mut found = Value::Null;
                for (i, it) in items.into_iter().enumerate().skip(skip) {
                    let equal = match (&it, &args[1]) {
                        (Value::Null, Value::Null) => true,
                        _ => {
                            ops::compare(it, &elem_ty, args[1].clone(), &types[1])?
                                == Some(std::cmp::Ordering::Equal)
                        }
                    };
                    if equal {
                        found = Value::Int4(i as i32 + 1);
                        break;
                    }
                }
                found
            }
            _ => Value::Null,
        },
        "array_to_string" => match a0 {
            Value::Array(items) => {
                let sep = text(&args[1], &types[1])?;
                let elem_ty = match &t0 {
                    DataType::Array(e) => (**e).clone(),
                    _ => DataType::Text,
                };
                let parts: DbResult<Vec<String>> = items
                    .iter()
                    .filter(|v| !v.is_null())
                    .map(|v| text(v, &elem_ty))
                    .collect();
                Value::Text(parts?.join(&sep))
            }
            _ => Value::Null,
        },
        "format_type" => match a0 {
            Value::Null => Value::Null,
            v => {
                let oid = int_arg(&v)? as u32;
                let typmod = match args.get(1) {
                    Some(Value::Null) | None => -1,
                    Some(m) => int_arg(m)? as i32,
                };
                Value::Text(crate::catalog::format_type(oid, typmod))
            }
        },
        "pg_encoding_to_char" => Value::Text(if int_arg(&a0)? == 6 {
            "UTF8".into()
        } else {
            "SQL_ASCII".into()
        }),
        "obj_description" | "col_description" | "shobj_description" | "pg_get_expr"
        | "pg_get_triggerdef" | "pg_get_viewdef" => Value::Null,
        "pg_function_is_visible"
        | "pg_type_is_visible"
        | "has_database_privilege"
        | "has_schema_privilege"
        | "pg_has_role"
        | "has_column_privilege" => Value::Bool(true),
        "pg_relation_is_publishable" => Value::Bool(false),
        "pg_table_size" | "pg_relation_size" | "pg_total_relation_size" | "pg_database_size" => {
            Value::Int8(8192)
        }
        "pg_size_pretty" => {
            let n = int_arg(&a0)?;
            Value::Text(if n < 10 * 1024 {
                format!("{n} bytes")
            } else if n < 10 * 1024 * 1024 {
                format!("{} kB", (n + 512) / 1024)
            } else {
                format!("{} MB", (n + 512 * 1024) / (1024 * 1024))
            })
        }
        "pg_typeof" => Value::Text(t0.to_string()),
        "date_part" | "extract" => crate::datefunc::date_part(&text(&a0, &t0)?, &args[1])?,
        "date_trunc" => crate::datefunc::date_trunc(&text(&a0, &t0)?, &args[1])?,
        "age" => ops::binary(
            crate::expr::BinOp::Sub,
            a0,
            &t0,
            args[1].clone(),
            &types[1],
            &DataType::Interval,
        )?,
        "to_char" => {
            let fmt = text(
                args.get(1).unwrap_or(&Value::Null),
                types.get(1).unwrap_or(&t0),
            )?;
            let arg = match a0 {
                Value::Int2(v) => to_char_num::NumArg::Int(v as i64, false),
                Value::Int4(v) => to_char_num::NumArg::Int(v as i64, false),
                Value::Int8(v) => to_char_num::NumArg::Int(v, true),
                Value::Numeric(n) => to_char_num::NumArg::Numeric(n),
                Value::Float4(v) => to_char_num::NumArg::Float4(v),
                Value::Float8(v) => to_char_num::NumArg::Float8(v),
                Value::Timestamp(t) => {
                    let tm = to_char_time::Tm::from_local(t);
                    return Ok(Value::Text(to_char_time::to_char(&tm, &fmt)?));
                }
                Value::Timestamptz(t) => {
                    let tm = to_char_time::Tm::from_utc(t, session_format(env).timezone);
                    return Ok(Value::Text(to_char_time::to_char(&tm, &fmt)?));
                }
                Value::Date(d) => {
                    // date -> timestamptz: local midnight in the session zone.
                    let tz = session_format(env).timezone;
                    let local = d as i64 * 86_400_000_000;
                    let utc = local - tz.offset_at_local(local) as i64 * 1_000_000;
                    let tm = to_char_time::Tm::from_utc(utc, tz);
                    return Ok(Value::Text(to_char_time::to_char(&tm, &fmt)?));
                }
                Value::Interval(iv) => {
                    let tm = to_char_time::Tm::from_interval(&iv);
                    return Ok(Value::Text(to_char_time::to_char(&tm, &fmt)?));
                }
                Value::Time(t) => {
                    // No to_char(time): PostgreSQL casts time to interval.
                    let iv = aiondb_core::Interval {
                        months: 0,
                        days: 0,
                        micros: t,
                    };
                    let tm = to_char_time::Tm::from_interval(&iv);
                    return Ok(Value::Text(to_char_time::to_char(&tm, &fmt)?));
                }
                other => return Ok(Value::Text(text(&other, &t0)?)),
            };
            Value::Text(to_char_num::to_char(arg, &fmt)?)
        }
        "to_number" => {
            let fmt = text(
                args.get(1).unwrap_or(&Value::Null),
                types.get(1).unwrap_or(&t0),
            )?;
            match to_number::to_number(&text(&a0, &t0)?, &fmt)? {
                Some(n) => Value::Numeric(n),
                None => Value::Null,
            }
        }
        _ => return Err(undefined(name, types)),
    })
}

trait RoundAway {
    fn round_ties_even_away(self) -> f64;
}

impl RoundAway for f64 {
    /// PostgreSQL's round(float8) is rint(): ties to even.
    fn round_ties_even_away(self) -> f64 {
        self.round_ties_even()
    }
}
