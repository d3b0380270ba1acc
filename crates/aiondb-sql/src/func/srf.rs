//! Set-returning functions in FROM: generate_series, unnest.

use super::{int_arg, undefined};
use crate::ops;
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};

/// True for the set-returning functions (allowed in FROM and in a select
/// list, nowhere else).
pub fn is_set_returning(name: &str) -> bool {
    matches!(name, "generate_series" | "unnest")
}

/// Output columns of a set-returning function in FROM.
pub fn table_function_type(name: &str, args: &[DataType]) -> DbResult<DataType> {
    match name {
        "generate_series" => {
            let t = args.iter().fold(DataType::Unknown, |acc, t| {
                ops::common_type(&acc, t).unwrap_or(acc)
            });
            Ok(match t {
                DataType::Int2 | DataType::Int4 | DataType::Unknown => DataType::Int4,
                DataType::Timestamp
                | DataType::Timestamptz
                | DataType::Numeric(_)
                | DataType::Int8 => t,
                DataType::Date => DataType::Timestamp,
                other => return Err(undefined(name, &[other])),
            })
        }
        "unnest" => match args.first() {
            Some(DataType::Array(e)) => Ok((**e).clone()),
            _ => Err(undefined(name, args)),
        },
        _ => Err(undefined(name, args)),
    }
}

/// Rows of a set-returning function.
pub fn table_function(
    name: &str,
    args: &[Value],
    types: &[DataType],
) -> DbResult<Vec<aiondb_core::Row>> {
    if args.iter().any(Value::is_null) {
        return Ok(Vec::new());
    }
    let ty = table_function_type(name, types)?;
    match name {
        "generate_series" => match ty {
            DataType::Timestamp | DataType::Timestamptz => {
                let start = ops::coerce(args[0].clone(), &types[0], &ty)?;
                let stop = ops::coerce(args[1].clone(), &types[1], &ty)?;
                let step = args.get(2).cloned().ok_or_else(|| undefined(name, types))?;
                let mut out = Vec::new();
                let mut cur = start;
                while crate::exec::cmp_values(&cur, &stop) != std::cmp::Ordering::Greater {
                    out.push(vec![cur.clone()]);
                    cur = ops::binary(
                        crate::expr::BinOp::Add,
                        cur,
                        &ty,
                        step.clone(),
                        &DataType::Interval,
                        &ty,
                    )?;
                    if out.len() > 10_000_000 {
                        break;
                    }
                }
                Ok(out)
            }
            _ => {
                let start = int_arg(&args[0])?;
                let stop = int_arg(&args[1])?;
                let step = match args.get(2) {
                    Some(s) => int_arg(s)?,
                    None => 1,
                };
                if step == 0 {
                    return Err(DbError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        "step size cannot equal zero",
                    ));
                }
                let mut out = Vec::new();
                let mut i = start;
                while (step > 0 && i <= stop) || (step < 0 && i >= stop) {
                    out.push(vec![ops::coerce(Value::Int8(i), &DataType::Int8, &ty)?]);
                    i = match i.checked_add(step) {
                        Some(n) => n,
                        None => break,
                    };
                }
                Ok(out)
            }
        },
        "unnest" => match &args[0] {
            Value::Array(items) => Ok(items.iter().map(|v| vec![v.clone()]).collect()),
            _ => Ok(Vec::new()),
        },
        _ => Err(undefined(name, types)),
    }
}
