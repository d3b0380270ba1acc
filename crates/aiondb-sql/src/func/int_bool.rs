//! Integer and boolean built-ins that PostgreSQL exposes as functions:
//! `gcd`, `lcm`, the bit operators `<<`, `>>`, `&`, `|`, `#` and `~` (bound
//! as the internal `__shl`, `__shr`, `__and`, `__or`, `__xor`, `__not`), and
//! the comparison functions `booleq`, `boolne`, ... behind the boolean
//! operators.
//!
//! Results keep PostgreSQL's widths: `gcd(int4, int4)` is `integer`, any
//! `bigint` argument makes it `bigint`, and a result that does not fit is
//! `integer out of range` / `bigint out of range` (22003).

use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};

/// Names handled here.
pub(super) fn handles(name: &str) -> bool {
    matches!(
        name,
        "gcd"
            | "lcm"
            | "__shl"
            | "__shr"
            | "__and"
            | "__or"
            | "__xor"
            | "__not"
            | "booleq"
            | "boolne"
            | "boollt"
            | "boolgt"
            | "boolle"
            | "boolge"
    )
}

fn is_int(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int2 | DataType::Int4 | DataType::Int8 | DataType::Unknown
    )
}

/// The operator an internal bit function stands for.
fn operator(name: &str) -> &'static str {
    match name {
        "__shl" => "<<",
        "__shr" => ">>",
        "__and" => "&",
        "__or" => "|",
        "__xor" => "#",
        _ => "~",
    }
}

fn no_operator(name: &str, args: &[DataType]) -> DbError {
    let types: Vec<String> = args.iter().map(ToString::to_string).collect();
    let shown = match types.as_slice() {
        [r] => format!("{} {r}", operator(name)),
        [l, r] => format!("{l} {} {r}", operator(name)),
        _ => operator(name).to_string(),
    };
    DbError::new(
        SqlState::UNDEFINED_FUNCTION,
        format!("operator does not exist: {shown}"),
    )
    .with_hint(
        "No operator matches the given name and argument types. You might need to add explicit type casts.",
    )
}

/// The wider of two integer types (no cross-type bit operators exist in
/// PostgreSQL: the narrower side is cast up).
fn wider(l: &DataType, r: &DataType) -> DataType {
    let rank = |t: &DataType| match t {
        DataType::Int2 => 1,
        DataType::Int8 => 3,
        _ => 2,
    };
    if rank(l) >= rank(r) && *l != DataType::Unknown {
        l.clone()
    } else if *r == DataType::Unknown {
        DataType::Int4
    } else {
        r.clone()
    }
}

fn is_bool(t: &DataType) -> bool {
    matches!(t, DataType::Bool | DataType::Unknown)
}

/// The result type, or the error PostgreSQL gives for these argument types.
pub(super) fn return_type(name: &str, args: &[DataType]) -> DbResult<DataType> {
    let undefined = || super::signatures::undefined(name, args);
    match (name, args) {
        ("__shl" | "__shr", [l, r]) if is_int(l) && is_int(r) && *r != DataType::Int8 => {
            Ok(match l {
                DataType::Unknown => DataType::Int4,
                t => t.clone(),
            })
        }
        ("__and" | "__or" | "__xor", [l, r]) if is_int(l) && is_int(r) => Ok(wider(l, r)),
        ("__not", [t]) if is_int(t) => Ok(wider(t, t)),
        (n, _) if n.starts_with("__") => Err(no_operator(name, args)),
        ("gcd" | "lcm", [l, r]) if is_int(l) && is_int(r) => {
            Ok(if *l == DataType::Int8 || *r == DataType::Int8 {
                DataType::Int8
            } else {
                DataType::Int4
            })
        }
        (_, [l, r]) if name.starts_with("bool") && is_bool(l) && is_bool(r) => Ok(DataType::Bool),
        _ => Err(undefined()),
    }
}

fn int(v: &Value) -> DbResult<i64> {
    match v {
        Value::Int2(x) => Ok(i64::from(*x)),
        Value::Int4(x) => Ok(i64::from(*x)),
        Value::Int8(x) => Ok(*x),
        other => Err(crate::expr::type_error("function", other)),
    }
}

fn out_of_range(ty: &DataType) -> DbError {
    let what = match ty {
        DataType::Int2 => "smallint",
        DataType::Int8 => "bigint",
        _ => "integer",
    };
    DbError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        format!("{what} out of range"),
    )
}

/// `v` as a value of the integer type `ty`, or out of range.
fn fit(v: i128, ty: &DataType) -> DbResult<Value> {
    let err = || out_of_range(ty);
    Ok(match ty {
        DataType::Int2 => Value::Int2(i16::try_from(v).map_err(|_| err())?),
        DataType::Int8 => Value::Int8(i64::try_from(v).map_err(|_| err())?),
        _ => Value::Int4(i32::try_from(v).map_err(|_| err())?),
    })
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

/// Calls one of these functions on non-NULL arguments.
pub(super) fn call(name: &str, args: &[Value], ty: &DataType) -> DbResult<Value> {
    if let ("__not", [a]) = (name, args) {
        return fit(!i128::from(int(a)?), ty);
    }
    let [a, b] = args else {
        return Err(DbError::internal(format!("{name} takes two arguments")));
    };
    match name {
        "gcd" => fit(gcd(i128::from(int(a)?), i128::from(int(b)?)), ty),
        "lcm" => {
            let (a, b) = (i128::from(int(a)?), i128::from(int(b)?));
            if a == 0 || b == 0 {
                return fit(0, ty);
            }
            fit((a / gcd(a, b) * b).abs(), ty)
        }
        "__shl" | "__shr" => {
            // C semantics on x86: the count is taken modulo the promoted
            // width (32 bits for smallint and integer, 64 for bigint).
            let n = int(b)? as u32;
            let left = name == "__shl";
            Ok(match a {
                Value::Int2(x) => {
                    let x = i32::from(*x);
                    Value::Int2(if left {
                        x.wrapping_shl(n)
                    } else {
                        x.wrapping_shr(n)
                    } as i16)
                }
                Value::Int4(x) => Value::Int4(if left {
                    x.wrapping_shl(n)
                } else {
                    x.wrapping_shr(n)
                }),
                Value::Int8(x) => Value::Int8(if left {
                    x.wrapping_shl(n)
                } else {
                    x.wrapping_shr(n)
                }),
                other => return Err(crate::expr::type_error(name, other)),
            })
        }
        "__and" | "__or" | "__xor" => {
            let (a, b) = (i128::from(int(a)?), i128::from(int(b)?));
            fit(
                match name {
                    "__and" => a & b,
                    "__or" => a | b,
                    _ => a ^ b,
                },
                ty,
            )
        }
        _ => {
            let (Value::Bool(a), Value::Bool(b)) = (a, b) else {
                return Err(DbError::internal(format!("{name} on non-boolean values")));
            };
            Ok(Value::Bool(match name {
                "booleq" => a == b,
                "boolne" => a != b,
                "boollt" => a < b,
                "boolgt" => a > b,
                "boolle" => a <= b,
                _ => a >= b,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcd_and_lcm_keep_postgres_ranges() {
        let i4 = DataType::Int4;
        let g = |a, b| call("gcd", &[Value::Int4(a), Value::Int4(b)], &i4);
        assert_eq!(g(61866666, 6410818).ok(), Some(Value::Int4(1466)));
        assert_eq!(g(-61866666, 6410818).ok(), Some(Value::Int4(1466)));
        assert_eq!(g(i32::MIN, 1).ok(), Some(Value::Int4(1)));
        assert!(g(i32::MIN, 0).is_err());
        let l = |a, b| call("lcm", &[Value::Int4(a), Value::Int4(b)], &i4);
        assert_eq!(l(-330, 462).ok(), Some(Value::Int4(2310)));
        assert_eq!(l(i32::MIN, 0).ok(), Some(Value::Int4(0)));
        assert!(l(i32::MIN, 1).is_err());
        assert!(l(i32::MAX, i32::MAX - 1).is_err());
    }

    #[test]
    fn shifts_wrap_like_c() {
        let r = call(
            "__shl",
            &[Value::Int2(-1), Value::Int4(15)],
            &DataType::Int2,
        );
        assert_eq!(r.ok(), Some(Value::Int2(i16::MIN)));
        let r = call("__shr", &[Value::Int8(-8), Value::Int4(1)], &DataType::Int8);
        assert_eq!(r.ok(), Some(Value::Int8(-4)));
    }

    #[test]
    fn bit_operators() {
        let i8 = DataType::Int8;
        let r = call("__xor", &[Value::Int8(6), Value::Int8(3)], &i8);
        assert_eq!(r.ok(), Some(Value::Int8(5)));
        let r = call("__not", &[Value::Int8(0)], &i8);
        assert_eq!(r.ok(), Some(Value::Int8(-1)));
        let t = return_type("__and", &[DataType::Int2, DataType::Int8]).ok();
        assert_eq!(t, Some(DataType::Int8));
        let e = return_type("__or", &[DataType::Text, DataType::Int4]).err();
        assert_eq!(
            e.map(|e| e.message).as_deref(),
            Some("operator does not exist: text | integer")
        );
    }

    #[test]
    fn bool_comparisons() {
        let r = call(
            "boollt",
            &[Value::Bool(false), Value::Bool(true)],
            &DataType::Bool,
        );
        assert_eq!(r.ok(), Some(Value::Bool(true)));
        assert_eq!(
            return_type("booleq", &[DataType::Int4, DataType::Bool]).map_err(|e| e.code),
            Err(SqlState::UNDEFINED_FUNCTION)
        );
    }
}
