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
    pub returns: AggregateArgType,
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
    let same = |ty: DataType| (vec![t(ty.clone()), t(ty.clone())], t(ty));
    let internal = AggregateArgType::Internal;
    let mut strict = true;
    let (args, returns) = match name {
        "int2pl" | "int2mi" | "int2larger" | "int2smaller" => same(Int2),
        "int4pl" | "int4mi" | "int4larger" | "int4smaller" => same(Int4),
        "int8pl" | "int8mi" | "int8larger" | "int8smaller" => same(Int8),
        "float4pl" | "float4mi" | "float4larger" | "float4smaller" => same(Float4),
        "float8pl" | "float8mi" | "float8larger" | "float8smaller" => same(Float8),
        "numeric_add" | "numeric_sub" | "numeric_larger" | "numeric_smaller" => same(Numeric(None)),
        "textcat" | "text_larger" | "text_smaller" => same(Text),
        "int8inc" => (vec![t(Int8)], t(Int8)),
        "int8dec" => (vec![t(Int8)], t(Int8)),
        "int8inc_any" | "int8dec_any" => (vec![t(Int8), AggregateArgType::Any], t(Int8)),
        "int4_avg_accum" => (vec![t(int8_array()), t(Int4)], t(int8_array())),
        "int2_avg_accum" => (vec![t(int8_array()), t(Int2)], t(int8_array())),
        "int8_avg" => (vec![t(int8_array())], t(Numeric(None))),
        // numeric avg over an internal {count, sum} state.
        "numeric_avg_accum" => {
            strict = false;
            (vec![internal.clone(), t(Numeric(None))], internal)
        }
        "numeric_avg_combine" => {
            strict = false;
            (vec![internal.clone(), internal.clone()], internal)
        }
        "numeric_avg" => {
            strict = false;
            (vec![internal], t(Numeric(None)))
        }
        "numeric_avg_serialize" => (vec![internal], t(Bytea)),
        "numeric_avg_deserialize" => (vec![t(Bytea), internal.clone()], internal),
        _ => return None,
    };
    Some(Builtin {
        name: name.to_string(),
        args,
        returns,
        strict,
    })
}

/// The type of a value of this argument type (an `internal` state or an
/// `"any"` argument has none the operators could use).
pub fn arg_type(a: &AggregateArgType) -> DataType {
    match a {
        AggregateArgType::Type(t) => t.clone(),
        AggregateArgType::Any | AggregateArgType::Internal => DataType::Unknown,
    }
}

/// Calls support built-in `name` (for a strict one the caller has
/// already returned NULL for a NULL argument).
pub fn call(name: &str, args: Vec<Value>) -> DbResult<Value> {
    let Some(b) = builtin(name) else {
        return Err(DbError::internal(format!(
            "unknown support function {name}"
        )));
    };
    let types: Vec<DataType> = b.args.iter().map(arg_type).collect();
    let returns = arg_type(&b.returns);
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let binary = |op: BinOp| ops::binary(op, arg(0), &types[0], arg(1), &types[1], &returns);
    let pick = |larger: bool| {
        let o = crate::exec::cmp_values(&arg(0), &arg(1));
        Ok(if o.is_lt() != larger || o.is_eq() {
            arg(0)
        } else {
            arg(1)
        })
    };
    let step = |by: i64| match arg(0) {
        Value::Int8(n) => n.checked_add(by).map(Value::Int8).ok_or_else(|| {
            DbError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range")
        }),
        other => Err(crate::expr::type_error(name, &other)),
    };
    match name {
        n if n.ends_with("pl") || n == "numeric_add" || n == "textcat" => {
            binary(if n == "textcat" {
                BinOp::Concat
            } else {
                BinOp::Add
            })
        }
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
        "numeric_avg_accum" => {
            let (count, sum) = numeric_state(&arg(0))?;
            if arg(1).is_null() {
                return Ok(numeric_state_value(count, sum));
            }
            let numeric = DataType::Numeric(None);
            let sum = ops::binary(BinOp::Add, sum, &numeric, arg(1), &numeric, &numeric)?;
            Ok(numeric_state_value(count + 1, sum))
        }
        "numeric_avg_combine" => {
            let (c1, s1) = numeric_state(&arg(0))?;
            let (c2, s2) = numeric_state(&arg(1))?;
            let numeric = DataType::Numeric(None);
            let sum = ops::binary(BinOp::Add, s1, &numeric, s2, &numeric, &numeric)?;
            Ok(numeric_state_value(c1 + c2, sum))
        }
        "numeric_avg" => {
            let (count, sum) = numeric_state(&arg(0))?;
            if count == 0 {
                return Ok(Value::Null);
            }
            let numeric = DataType::Numeric(None);
            let n = Value::Numeric(Numeric::from(count));
            ops::binary(BinOp::Div, sum, &numeric, n, &numeric, &numeric)
        }
        "numeric_avg_serialize" => {
            let (count, sum) = numeric_state(&arg(0))?;
            let opts = crate::types::FormatOptions::default();
            let text = crate::types::format_text(&sum, &DataType::Numeric(None), &opts)?;
            Ok(Value::Bytea(format!("{count}:{text}").into_bytes()))
        }
        "numeric_avg_deserialize" => {
            let Value::Bytea(bytes) = arg(0) else {
                return Err(crate::expr::type_error(name, &arg(0)));
            };
            let bad = || DbError::new(SqlState::from_static("22P03"), "invalid numeric avg state");
            let text = String::from_utf8(bytes).map_err(|_| bad())?;
            let (count, sum) = text.split_once(':').ok_or_else(bad)?;
            let count: i64 = count.parse().map_err(|_| bad())?;
            let opts = crate::types::FormatOptions::default();
            let sum = crate::types::parse_text(sum, &DataType::Numeric(None), &opts)?;
            Ok(numeric_state_value(count, sum))
        }
        _ => Err(DbError::internal(format!(
            "unknown support function {name}"
        ))),
    }
}

/// The internal `{count, sum}` state of numeric avg (NULL: no rows yet).
fn numeric_state(v: &Value) -> DbResult<(i64, Value)> {
    match v {
        Value::Null => Ok((0, Value::Numeric(Numeric::from(0)))),
        Value::Array(items) => match items.as_slice() {
            [Value::Int8(count), sum] => Ok((*count, sum.clone())),
            _ => Err(DbError::internal("malformed numeric avg state")),
        },
        other => Err(crate::expr::type_error("numeric_avg", other)),
    }
}

fn numeric_state_value(count: i64, sum: Value) -> Value {
    Value::Array(vec![Value::Int8(count), sum])
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
