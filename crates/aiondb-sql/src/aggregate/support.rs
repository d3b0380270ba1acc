//! Built-in functions an aggregate definition may name as its support
//! functions (`sfunc = int4pl`), with PostgreSQL's names, signatures and
//! strictness. Each is implemented with the server's own operators, so a
//! user aggregate built from them computes what the built-in would.

use crate::expr::BinOp;
use crate::ops;
use aiondb_core::{DataType, DbError, DbResult, Numeric, SqlState, Value};
use aiondb_storage::AggregateArgType;

/// A built-in support function's signature.
pub struct Builtin {
    pub name: String,
    pub args: Vec<AggregateArgType>,
    pub returns: DataType,
    pub strict: bool,
}

fn t(d: DataType) -> AggregateArgType {
    AggregateArgType::Type(d)
}

fn int8_array() -> DataType {
    DataType::Array(Box::new(DataType::Int8))
}

/// The support built-in called `name`, if there is one.
pub fn builtin(name: &str) -> Option<Builtin> {
    use DataType::*;
    let same = |ty: DataType| (vec![t(ty.clone()), t(ty.clone())], ty);
    let (args, returns) = match name {
        "int2pl" | "int2mi" | "int2larger" | "int2smaller" => same(Int2),
        "int4pl" | "int4mi" | "int4larger" | "int4smaller" => same(Int4),
        "int8pl" | "int8mi" | "int8larger" | "int8smaller" => same(Int8),
        "float4pl" | "float4mi" | "float4larger" | "float4smaller" => same(Float4),
        "float8pl" | "float8mi" | "float8larger" | "float8smaller" => same(Float8),
        "numeric_add" | "numeric_sub" | "numeric_larger" | "numeric_smaller" => {
            same(Numeric(None))
        }
        "textcat" | "text_larger" | "text_smaller" => same(Text),
        "int8inc" => (vec![t(Int8)], Int8),
        "int8dec" => (vec![t(Int8)], Int8),
        "int8inc_any" | "int8dec_any" => (vec![t(Int8), AggregateArgType::Any], Int8),
        "int4_avg_accum" => (vec![t(int8_array()), t(Int4)], int8_array()),
        "int2_avg_accum" => (vec![t(int8_array()), t(Int2)], int8_array()),
        "int8_avg" => (vec![t(int8_array())], Numeric(None)),
        _ => return None,
    };
    Some(Builtin {
        name: name.to_string(),
        args,
        returns,
        strict: true,
    })
}

fn arg_type(a: &AggregateArgType) -> DataType {
    match a {
        AggregateArgType::Type(t) => t.clone(),
        AggregateArgType::Any => DataType::Unknown,
    }
}

/// Calls support built-in `name` (strict: the caller has already
/// returned NULL for a NULL argument).
pub fn call(name: &str, args: Vec<Value>) -> DbResult<Value> {
    let Some(b) = builtin(name) else {
        return Err(DbError::internal(format!("unknown support function {name}")));
    };
    let types: Vec<DataType> = b.args.iter().map(arg_type).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let binary = |op: BinOp| ops::binary(op, arg(0), &types[0], arg(1), &types[1], &b.returns);
    let pick = |larger: bool| {
        let o = crate::exec::cmp_values(&arg(0), &arg(1));
        Ok(if o.is_lt() != larger || o.is_eq() {
            arg(0)
        } else {
            arg(1)
        })
    };
    let step = |by: i64| match arg(0) {
        Value::Int8(n) => n
            .checked_add(by)
            .map(Value::Int8)
            .ok_or_else(|| DbError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range")),
        other => Err(crate::expr::type_error(name, &other)),
    };
    match name {
        n if n.ends_with("pl") || n == "numeric_add" || n == "textcat" => binary(if n == "textcat" {
            BinOp::Concat
        } else {
            BinOp::Add
        }),
        n if n.ends_with("mi") || n == "numeric_sub" => binary(BinOp::Sub),
        n if n.ends_with("larger") => pick(true),
        n if n.ends_with("smaller") => pick(false),
        "int8inc" | "int8inc_any" => step(1),
        "int8dec" | "int8dec_any" => step(-1),
        "int4_avg_accum" | "int2_avg_accum" => {
            let (count, sum) = avg_state(&arg(0))?;
            let v = match ops::coerce(arg(1), &types[1], &DataType::Int8)? {
                Value::Int8(v) => v,
                other => return Err(crate::expr::type_error(name, &other)),
            };
            let out_of_range =
                || DbError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
            Ok(Value::Array(vec![
                Value::Int8(count.checked_add(1).ok_or_else(out_of_range)?),
                Value::Int8(sum.checked_add(v).ok_or_else(out_of_range)?),
            ]))
        }
        "int8_avg" => {
            let (count, sum) = avg_state(&arg(0))?;
            if count == 0 {
                return Ok(Value::Null);
            }
            let numeric = DataType::Numeric(None);
            ops::binary(
                BinOp::Div,
                Value::Numeric(Numeric::from(sum)),
                &numeric,
                Value::Numeric(Numeric::from(count)),
                &numeric,
                &numeric,
            )
        }
        _ => Err(DbError::internal(format!("unknown support function {name}"))),
    }
}

/// The `{count, sum}` state of int4_avg_accum and int8_avg.
fn avg_state(v: &Value) -> DbResult<(i64, i64)> {
    match v {
        Value::Array(items) => match items.as_slice() {
            [Value::Int8(count), Value::Int8(sum)] => Ok((*count, *sum)),
            _ => Err(DbError::new(
                SqlState::from_static("XX000"),
                "expected 2-element int8 array",
            )),
        },
        other => Err(crate::expr::type_error("int8_avg", other)),
    }
}
