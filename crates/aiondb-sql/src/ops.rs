//! Operators with PostgreSQL's typing and arithmetic rules.

use crate::expr::BinOp;
use crate::types::{self, FormatOptions};
use aiondb_core::{DataType, DbError, DbResult, Interval, Numeric, SqlState, Value};
use bigdecimal::{BigDecimal, RoundingMode, Zero};
use std::cmp::Ordering;

/// Numeric types from narrowest to widest, as PostgreSQL promotes them.
fn numeric_rank(t: &DataType) -> Option<u8> {
    Some(match t {
        DataType::Int2 => 1,
        DataType::Int4 | DataType::Oid => 2,
        DataType::Int8 => 3,
        DataType::Numeric(_) => 4,
        DataType::Float4 => 5,
        DataType::Float8 => 6,
        _ => return None,
    })
}

/// The common type of two operands (for comparison, arithmetic, CASE,
/// UNION), resolving untyped literals to the other side's type.
pub fn common_type(l: &DataType, r: &DataType) -> Option<DataType> {
    if l == r {
        return Some(l.clone());
    }
    match (l, r) {
        (DataType::Domain(d), t) | (t, DataType::Domain(d)) => common_type(&d.base, t),
        (DataType::Unknown, t) | (t, DataType::Unknown) => Some(t.clone()),
        _ => {
            if let (Some(a), Some(b)) = (numeric_rank(l), numeric_rank(r)) {
                let t = if a >= b { l } else { r };
                return Some(match t {
                    DataType::Numeric(_) => DataType::Numeric(None),
                    DataType::Oid => DataType::Int8,
                    other => other.clone(),
                });
            }
            if l.is_string() && r.is_string() {
                return Some(DataType::Text);
            }
            match (l, r) {
                (DataType::Date, DataType::Timestamp) | (DataType::Timestamp, DataType::Date) => {
                    Some(DataType::Timestamp)
                }
                (DataType::Timestamptz, DataType::Timestamp | DataType::Date)
                | (DataType::Timestamp | DataType::Date, DataType::Timestamptz) => {
                    Some(DataType::Timestamptz)
                }
                (DataType::Json, DataType::Jsonb) | (DataType::Jsonb, DataType::Json) => {
                    Some(DataType::Jsonb)
                }
                (DataType::Array(a), DataType::Array(b)) => {
                    common_type(a, b).map(|t| DataType::Array(Box::new(t)))
                }
                _ => None,
            }
        }
    }
}

/// The symbol a user operator for `op` is created under (None for the
/// operators that are syntax, not pg_operator entries).
pub fn user_operator_symbol(op: BinOp) -> Option<&'static str> {
    match op {
        BinOp::And | BinOp::Or | BinOp::Distinct | BinOp::NotDistinct => None,
        BinOp::RegexMatch {
            negated,
            case_insensitive,
        } => Some(match (negated, case_insensitive) {
            (false, false) => "~",
            (false, true) => "~*",
            (true, false) => "!~",
            (true, true) => "!~*",
        }),
        other => Some(op_name(other)),
    }
}

fn op_name(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Eq => "=",
        BinOp::NotEq => "<>",
        BinOp::Lt => "<",
        BinOp::LtEq => "<=",
        BinOp::Gt => ">",
        BinOp::GtEq => ">=",
        BinOp::And => "AND",
        BinOp::Or => "OR",
        BinOp::Concat => "||",
        BinOp::Distinct | BinOp::NotDistinct => "IS DISTINCT FROM",
        BinOp::RegexMatch { .. } => "~",
    }
}

/// 42883 operator does not exist, as PostgreSQL words it.
pub fn no_operator(op: BinOp, l: &DataType, r: &DataType) -> DbError {
    DbError::new(
        SqlState::UNDEFINED_FUNCTION,
        format!("operator does not exist: {l} {} {r}", op_name(op)),
    )
    .with_hint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

fn stringish(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Text
            | DataType::Varchar(_)
            | DataType::Char(_)
            | DataType::Name
            | DataType::InternalChar
            | DataType::Unknown
    )
}

/// The result type of `l op r`.
pub fn result_type(op: BinOp, l: &DataType, r: &DataType) -> DbResult<DataType> {
    use DataType as T;
    match op {
        BinOp::Eq
        | BinOp::NotEq
        | BinOp::Lt
        | BinOp::LtEq
        | BinOp::Gt
        | BinOp::GtEq
        | BinOp::Distinct
        | BinOp::NotDistinct => {
            if common_type(l, r).is_some() || *l == T::Unknown || *r == T::Unknown {
                Ok(T::Bool)
            } else {
                Err(no_operator(op, l, r))
            }
        }
        BinOp::And | BinOp::Or | BinOp::RegexMatch { .. } => Ok(T::Bool),
        BinOp::Concat => match (l, r) {
            (T::Array(_), _) => Ok(l.clone()),
            (_, T::Array(_)) => Ok(r.clone()),
            (T::Jsonb, T::Jsonb) => Ok(T::Jsonb),
            (T::Bytea, T::Bytea) => Ok(T::Text),
            // textanycat / anytextcat: one side must be a string (or an
            // untyped literal); `3 || 4.0` has no operator.
            _ if stringish(l) || stringish(r) => Ok(T::Text),
            _ => Err(no_operator(op, l, r)),
        },
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
            match (op, l, r) {
                (BinOp::Add, T::Date, t) | (BinOp::Add, t, T::Date)
                    if numeric_rank(t).is_some_and(|r| r <= 3) || *t == T::Unknown =>
                {
                    return Ok(T::Date);
                }
                (BinOp::Sub, T::Date, t) if numeric_rank(t).is_some_and(|r| r <= 3) => {
                    return Ok(T::Date);
                }
                (BinOp::Sub, T::Date, T::Date) => return Ok(T::Int4),
                (BinOp::Add | BinOp::Sub, T::Timestamp | T::Date, T::Interval) => {
                    return Ok(T::Timestamp);
                }
                (BinOp::Add, T::Interval, T::Timestamp | T::Date) => return Ok(T::Timestamp),
                (BinOp::Add | BinOp::Sub, T::Timestamptz, T::Interval)
                | (BinOp::Add, T::Interval, T::Timestamptz) => return Ok(T::Timestamptz),
                (BinOp::Sub, T::Timestamp, T::Timestamp)
                | (BinOp::Sub, T::Timestamptz, T::Timestamptz) => return Ok(T::Interval),
                (BinOp::Add | BinOp::Sub, T::Interval, T::Interval) => return Ok(T::Interval),
                (BinOp::Add | BinOp::Sub, T::Time, T::Interval) => return Ok(T::Time),
                (BinOp::Mul | BinOp::Div, T::Interval, t) if numeric_rank(t).is_some() => {
                    return Ok(T::Interval);
                }
                (BinOp::Mul, t, T::Interval) if numeric_rank(t).is_some() => {
                    return Ok(T::Interval);
                }
                _ => {}
            }
            let l = if *l == T::Unknown { r } else { l };
            let r = if *r == T::Unknown { l } else { r };
            match (numeric_rank(l), numeric_rank(r)) {
                (Some(_), Some(_)) => common_type(l, r).ok_or_else(|| no_operator(op, l, r)),
                _ if *l == T::Unknown && *r == T::Unknown => Ok(T::Numeric(None)),
                _ => Err(no_operator(op, l, r)),
            }
        }
    }
}

/// Casts a value (explicit CAST semantics).
pub fn cast(v: Value, from: &DataType, to: &DataType) -> DbResult<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let from = if *from == DataType::Unknown {
        &DataType::Text
    } else {
        from
    };
    if from == to {
        return Ok(v);
    }
    types::cast(v, from, to, &FormatOptions::default())
}

/// Converts a value to `to` for comparison or arithmetic (implicit).
pub fn coerce(v: Value, from: &DataType, to: &DataType) -> DbResult<Value> {
    if v.is_null() {
        return Ok(v);
    }
    match (&v, to) {
        (Value::Int2(_), DataType::Int2)
        | (Value::Int4(_), DataType::Int4)
        | (Value::Int8(_), DataType::Int8)
        | (Value::Float8(_), DataType::Float8)
        | (Value::Float4(_), DataType::Float4)
        | (Value::Numeric(_), DataType::Numeric(_))
        | (Value::Text(_), DataType::Text) => Ok(v),
        (Value::Text(_), t) if t.is_string() => Ok(v),
        _ => cast(v, from, to),
    }
}

fn int_overflow(ty: &DataType) -> DbError {
    DbError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        match ty {
            DataType::Int2 => "smallint out of range",
            DataType::Int4 => "integer out of range",
            _ => "bigint out of range",
        },
    )
}

fn division_by_zero() -> DbError {
    DbError::new(SqlState::DIVISION_BY_ZERO, "division by zero")
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Int2(x) => Some(*x as i64),
        Value::Int4(x) => Some(*x as i64),
        Value::Int8(x) => Some(*x),
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Float4(x) => Some(*x as f64),
        Value::Float8(x) => Some(*x),
        _ => as_i64(v).map(|i| i as f64),
    }
}

fn make_int(x: i64, ty: &DataType) -> DbResult<Value> {
    Ok(match ty {
        DataType::Int2 => Value::Int2(i16::try_from(x).map_err(|_| int_overflow(ty))?),
        DataType::Int4 => Value::Int4(i32::try_from(x).map_err(|_| int_overflow(ty))?),
        _ => Value::Int8(x),
    })
}

/// Evaluates `l op r` for non-logical operators. NULL in, NULL out (except
/// IS [NOT] DISTINCT FROM).
pub fn binary(
    op: BinOp,
    l: Value,
    lt: &DataType,
    r: Value,
    rt: &DataType,
    ty: &DataType,
) -> DbResult<Value> {
    match op {
        BinOp::Distinct | BinOp::NotDistinct => {
            let same = match (l.is_null(), r.is_null()) {
                (true, true) => true,
                (true, false) | (false, true) => false,
                _ => compare(l, lt, r, rt)? == Some(Ordering::Equal),
            };
            return Ok(Value::Bool(same == (op == BinOp::NotDistinct)));
        }
        _ => {}
    }
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    match op {
        BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq => {
            let ord = compare(l, lt, r, rt)?;
            Ok(match ord {
                None => Value::Null,
                Some(o) => Value::Bool(match op {
                    BinOp::Eq => o == Ordering::Equal,
                    BinOp::NotEq => o != Ordering::Equal,
                    BinOp::Lt => o == Ordering::Less,
                    BinOp::LtEq => o != Ordering::Greater,
                    BinOp::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }),
            })
        }
        BinOp::Concat => concat(l, lt, r, rt),
        BinOp::RegexMatch {
            negated,
            case_insensitive,
        } => {
            let (Value::Text(s), Value::Text(p)) = (&l, &r) else {
                return Err(no_operator(op, lt, rt));
            };
            Ok(Value::Bool(regex_match(s, p, case_insensitive)? != negated))
        }
        BinOp::And | BinOp::Or => Err(DbError::internal(
            "logical operator evaluated as arithmetic",
        )),
        _ => arithmetic(op, l, lt, r, rt, ty),
    }
}

fn concat(l: Value, lt: &DataType, r: Value, rt: &DataType) -> DbResult<Value> {
    match (l, r) {
        (Value::Array(mut a), Value::Array(b)) => {
            a.extend(b);
            Ok(Value::Array(a))
        }
        (Value::Array(mut a), x) => {
            a.push(x);
            Ok(Value::Array(a))
        }
        (x, Value::Array(mut b)) => {
            b.insert(0, x);
            Ok(Value::Array(b))
        }
        (l, r) => {
            let opts = FormatOptions::default();
            let ls = text_of(&l, lt, &opts)?;
            let rs = text_of(&r, rt, &opts)?;
            Ok(Value::Text(ls + &rs))
        }
    }
}

/// A value as text (for `||` and string functions).
pub fn text_of(v: &Value, ty: &DataType, opts: &FormatOptions) -> DbResult<String> {
    match v {
        Value::Text(s) => Ok(s.clone()),
        other => {
            let ty = if *ty == DataType::Unknown {
                DataType::Text
            } else {
                ty.clone()
            };
            types::format_text(other, &ty, opts)
        }
    }
}

fn arithmetic(
    op: BinOp,
    l: Value,
    lt: &DataType,
    r: Value,
    rt: &DataType,
    ty: &DataType,
) -> DbResult<Value> {
    use DataType as T;
    // Date and time arithmetic.
    match (op, &l, &r) {
        (BinOp::Add, Value::Date(d), _) if as_i64(&r).is_some() => {
            return Ok(Value::Date(d + as_i64(&r).unwrap_or(0) as i32));
        }
        (BinOp::Add, _, Value::Date(d)) if as_i64(&l).is_some() => {
            return Ok(Value::Date(d + as_i64(&l).unwrap_or(0) as i32));
        }
        (BinOp::Sub, Value::Date(d), _) if as_i64(&r).is_some() => {
            return Ok(Value::Date(d - as_i64(&r).unwrap_or(0) as i32));
        }
        (BinOp::Sub, Value::Date(a), Value::Date(b)) => return Ok(Value::Int4(a - b)),
        (
            BinOp::Add | BinOp::Sub,
            Value::Timestamp(_) | Value::Timestamptz(_) | Value::Date(_),
            Value::Interval(i),
        ) => {
            let sign = if op == BinOp::Sub { -1 } else { 1 };
            return add_interval(&l, *i, sign, ty);
        }
        (
            BinOp::Add,
            Value::Interval(i),
            Value::Timestamp(_) | Value::Timestamptz(_) | Value::Date(_),
        ) => {
            return add_interval(&r, *i, 1, ty);
        }
        (BinOp::Sub, Value::Timestamp(a), Value::Timestamp(b))
        | (BinOp::Sub, Value::Timestamptz(a), Value::Timestamptz(b)) => {
            let diff = a - b;
            let days = diff / 86_400_000_000;
            return Ok(Value::Interval(Interval {
                months: 0,
                days: days as i32,
                micros: diff - days * 86_400_000_000,
            }));
        }
        (BinOp::Add | BinOp::Sub, Value::Interval(a), Value::Interval(b)) => {
            let s = if op == BinOp::Sub { -1 } else { 1 };
            return Ok(Value::Interval(Interval {
                months: a.months + s * b.months,
                days: a.days + s * b.days,
                micros: a.micros + s as i64 * b.micros,
            }));
        }
        (BinOp::Add | BinOp::Sub, Value::Time(t), Value::Interval(i)) => {
            let s = if op == BinOp::Sub { -1 } else { 1 };
            let day = 86_400_000_000i64;
            return Ok(Value::Time((t + s * i.micros).rem_euclid(day)));
        }
        (BinOp::Mul, Value::Interval(i), _) | (BinOp::Mul, _, Value::Interval(i)) => {
            let f = as_f64(if matches!(l, Value::Interval(_)) {
                &r
            } else {
                &l
            })
            .unwrap_or(1.0);
            return Ok(Value::Interval(scale_interval(*i, f)));
        }
        (BinOp::Div, Value::Interval(i), _) => {
            let f = as_f64(&r).unwrap_or(1.0);
            if f == 0.0 {
                return Err(division_by_zero());
            }
            return Ok(Value::Interval(scale_interval(*i, 1.0 / f)));
        }
        _ => {}
    }
    let l = coerce(l, lt, ty)?;
    let r = coerce(r, rt, ty)?;
    match ty {
        T::Int2 | T::Int4 | T::Int8 => {
            let (a, b) = match (as_i64(&l), as_i64(&r)) {
                (Some(a), Some(b)) => (a, b),
                _ => return Err(no_operator(op, lt, rt)),
            };
            let x = match op {
                BinOp::Add => a.checked_add(b),
                BinOp::Sub => a.checked_sub(b),
                BinOp::Mul => a.checked_mul(b),
                BinOp::Div => {
                    if b == 0 {
                        return Err(division_by_zero());
                    }
                    a.checked_div(b)
                }
                _ => {
                    if b == 0 {
                        return Err(division_by_zero());
                    }
                    Some(a.checked_rem(b).unwrap_or(0))
                }
            };
            make_int(x.ok_or_else(|| int_overflow(ty))?, ty)
        }
        T::Float4 | T::Float8 => {
            let (a, b) = match (as_f64(&l), as_f64(&r)) {
                (Some(a), Some(b)) => (a, b),
                _ => return Err(no_operator(op, lt, rt)),
            };
            // PostgreSQL's float8div: NaN / 0 is NaN, anything else / 0
            // is an error.
            if matches!(op, BinOp::Div | BinOp::Mod) && b == 0.0 && !a.is_nan() {
                return Err(division_by_zero());
            }
            if *ty == T::Float4 {
                let (a, b) = (a as f32, b as f32);
                let x = match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    _ => a % b,
                };
                let (inf_ok, zero_ok) = float_result_limits(op, a.into(), b.into());
                check_float_result(x.into(), inf_ok, zero_ok)?;
                return Ok(Value::Float4(x));
            }
            let x = match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                _ => a % b,
            };
            let (inf_ok, zero_ok) = float_result_limits(op, a, b);
            check_float_result(x, inf_ok, zero_ok)?;
            Ok(Value::Float8(x))
        }
        T::Numeric(_) => {
            let (Value::Numeric(a), Value::Numeric(b)) = (&l, &r) else {
                return Err(no_operator(op, lt, rt));
            };
            numeric_arith(op, a, b).map(Value::Numeric)
        }
        _ => Err(no_operator(op, lt, rt)),
    }
}

/// Whether an infinite or a zero result of `a op b` is a true answer
/// rather than an overflow or underflow (PostgreSQL's CHECKFLOATVAL
/// arguments for float4pl ... float8div).
fn float_result_limits(op: BinOp, a: f64, b: f64) -> (bool, bool) {
    let inf_ok = a.is_infinite() || b.is_infinite();
    let zero_ok = match op {
        BinOp::Mul => a == 0.0 || b == 0.0,
        BinOp::Div => a == 0.0 || b.is_infinite(),
        _ => true,
    };
    (inf_ok, zero_ok)
}

/// `value out of range: overflow` / `underflow` (22003) for a float result.
pub(crate) fn check_float_result(x: f64, inf_ok: bool, zero_ok: bool) -> DbResult<()> {
    if x.is_infinite() && !inf_ok {
        return Err(DbError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            "value out of range: overflow",
        ));
    }
    if x == 0.0 && !zero_ok {
        return Err(DbError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            "value out of range: underflow",
        ));
    }
    Ok(())
}

fn scale_interval(i: Interval, f: f64) -> Interval {
    let months = i.months as f64 * f;
    let whole_months = months.trunc();
    let days = i.days as f64 * f + (months - whole_months) * 30.0;
    let whole_days = days.trunc();
    let micros = i.micros as f64 * f + (days - whole_days) * 86_400_000_000.0;
    Interval {
        months: whole_months as i32,
        days: whole_days as i32,
        micros: micros.round() as i64,
    }
}

fn add_interval(base: &Value, i: Interval, sign: i64, ty: &DataType) -> DbResult<Value> {
    let micros = match base {
        Value::Timestamp(t) | Value::Timestamptz(t) => *t,
        Value::Date(d) => *d as i64 * 86_400_000_000,
        _ => return Err(DbError::internal("bad interval base")),
    };
    let day = 86_400_000_000i64;
    let mut t = micros;
    if i.months != 0 {
        let (days_since, rest) = (t.div_euclid(day), t.rem_euclid(day));
        let (y, m, d) = civil_from_days(days_since as i32);
        let total = y as i64 * 12 + (m as i64 - 1) + sign * i.months as i64;
        let (ny, nm) = (
            total.div_euclid(12) as i32,
            (total.rem_euclid(12) + 1) as u32,
        );
        let nd = d.min(days_in_month(ny, nm));
        t = days_from_civil(ny, nm, nd) as i64 * day + rest;
    }
    t += sign * (i.days as i64 * day + i.micros);
    Ok(match ty {
        DataType::Timestamptz => Value::Timestamptz(t),
        _ => Value::Timestamp(t),
    })
}

/// (year, month, day) of days since 2000-01-01.
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days as i64 + 10957 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// Days since 2000-01-01 of a civil date.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468 - 10957) as i32
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn numeric_arith(op: BinOp, a: &Numeric, b: &Numeric) -> DbResult<Numeric> {
    let (Numeric::Finite(x), Numeric::Finite(y)) = (a, b) else {
        return Ok(match (a, b) {
            (Numeric::NaN, _) | (_, Numeric::NaN) => Numeric::NaN,
            _ => special_numeric(op, a, b),
        });
    };
    Ok(Numeric::Finite(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => {
            if y.is_zero() {
                return Err(division_by_zero());
            }
            let (_, s1) = x.as_bigint_and_exponent();
            let (_, s2) = y.as_bigint_and_exponent();
            let approx = x / y;
            let scale = div_scale(&approx, s1.max(0), s2.max(0));
            (x / y).with_scale_round(scale, RoundingMode::HalfUp)
        }
        _ => {
            if y.is_zero() {
                return Err(division_by_zero());
            }
            x % y
        }
    }))
}

fn special_numeric(op: BinOp, a: &Numeric, b: &Numeric) -> Numeric {
    let sign = |n: &Numeric| match n {
        Numeric::PosInf => 1,
        Numeric::NegInf => -1,
        Numeric::Finite(d) => d.sign() as i32,
        Numeric::NaN => 0,
    };
    match op {
        BinOp::Add => match (a, b) {
            (Numeric::PosInf, Numeric::NegInf) | (Numeric::NegInf, Numeric::PosInf) => Numeric::NaN,
            (Numeric::Finite(_), x) | (x, _) => x.clone(),
        },
        BinOp::Sub => match (a, b) {
            (Numeric::PosInf, Numeric::PosInf) | (Numeric::NegInf, Numeric::NegInf) => Numeric::NaN,
            (Numeric::Finite(_), Numeric::PosInf) => Numeric::NegInf,
            (Numeric::Finite(_), Numeric::NegInf) => Numeric::PosInf,
            (x, _) => x.clone(),
        },
        BinOp::Mul => match sign(a) * sign(b) {
            1 => Numeric::PosInf,
            -1 => Numeric::NegInf,
            _ => Numeric::NaN,
        },
        _ => match (a, b) {
            (Numeric::Finite(_), _) => Numeric::zero(),
            _ => Numeric::NaN,
        },
    }
}

/// PostgreSQL's select_div_scale: at least 16 significant digits.
fn div_scale(q: &BigDecimal, s1: i64, s2: i64) -> i64 {
    let digits = q
        .abs()
        .with_scale(0)
        .to_string()
        .trim_start_matches('-')
        .len() as i64;
    let weight = if q.abs() >= 1 { (digits - 1) / 4 } else { -1 };
    let rscale = 16 - weight * 4;
    rscale.max(s1).max(s2).clamp(0, 1000)
}

/// Unary minus.
pub fn negate(v: Value) -> DbResult<Value> {
    Ok(match v {
        Value::Null => Value::Null,
        Value::Int2(x) => Value::Int2(
            x.checked_neg()
                .ok_or_else(|| int_overflow(&DataType::Int2))?,
        ),
        Value::Int4(x) => Value::Int4(
            x.checked_neg()
                .ok_or_else(|| int_overflow(&DataType::Int4))?,
        ),
        Value::Int8(x) => Value::Int8(
            x.checked_neg()
                .ok_or_else(|| int_overflow(&DataType::Int8))?,
        ),
        Value::Float4(x) => Value::Float4(-x),
        Value::Float8(x) => Value::Float8(-x),
        Value::Numeric(Numeric::Finite(d)) => Value::Numeric(Numeric::Finite(-d)),
        Value::Numeric(Numeric::PosInf) => Value::Numeric(Numeric::NegInf),
        Value::Numeric(Numeric::NegInf) => Value::Numeric(Numeric::PosInf),
        Value::Interval(i) => Value::Interval(Interval {
            months: -i.months,
            days: -i.days,
            micros: -i.micros,
        }),
        other => return Err(crate::expr::type_error("unary minus", &other)),
    })
}

/// Three-valued AND.
pub fn and(l: Value, r: Value) -> Value {
    match (l, r) {
        (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
        (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
        _ => Value::Null,
    }
}

/// Three-valued OR.
pub fn or(l: Value, r: Value) -> Value {
    match (l, r) {
        (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
        (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
        _ => Value::Null,
    }
}

/// Compares two non-null values after promoting them to a common type.
pub fn compare(l: Value, lt: &DataType, r: Value, rt: &DataType) -> DbResult<Option<Ordering>> {
    if l.is_null() || r.is_null() {
        return Ok(None);
    }
    if let (DataType::Domain(d), _) | (_, DataType::Domain(d)) = (lt, rt) {
        let base = d.base.clone();
        let (lt, rt) = match (lt, rt) {
            (DataType::Domain(_), DataType::Domain(_)) => (&base, &base),
            (DataType::Domain(_), _) => (&base, rt),
            _ => (lt, &base),
        };
        return compare(l, lt, r, rt);
    }
    match (lt, rt) {
        (DataType::Enum(e), DataType::Enum(f)) if e == f => {
            return crate::types::enum_type::compare(e, &l, &r).map(Some);
        }
        (DataType::Enum(e), DataType::Unknown) | (DataType::Unknown, DataType::Enum(e)) => {
            return crate::types::enum_type::compare(e, &l, &r).map(Some);
        }
        _ => {}
    }
    let common = common_type(lt, rt).ok_or_else(|| no_operator(BinOp::Eq, lt, rt))?;
    let common = if common == DataType::Unknown {
        DataType::Text
    } else {
        common
    };
    let l = coerce(l, lt, &common)?;
    let r = coerce(r, rt, &common)?;
    Ok(Some(match (&l, &r) {
        (Value::Text(a), Value::Text(b))
            if matches!(lt, DataType::Char(_)) || matches!(rt, DataType::Char(_)) =>
        {
            a.trim_end_matches(' ').cmp(b.trim_end_matches(' '))
        }
        _ => l.cmp(&r),
    }))
}

/// SQL LIKE with `%` and `_` (backslash escapes).
pub fn like(s: &str, pattern: &str, case_insensitive: bool) -> bool {
    let (s, p): (Vec<char>, Vec<char>) = if case_insensitive {
        (
            s.to_lowercase().chars().collect(),
            pattern.to_lowercase().chars().collect(),
        )
    } else {
        (s.chars().collect(), pattern.chars().collect())
    };
    fn go(s: &[char], p: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('%') => (0..=s.len()).any(|i| go(&s[i..], &p[1..])),
            Some('_') => !s.is_empty() && go(&s[1..], &p[1..]),
            Some('\\') if p.len() > 1 => s.first() == Some(&p[1]) && go(&s[1..], &p[2..]),
            Some(c) => s.first() == Some(c) && go(&s[1..], &p[1..]),
        }
    }
    go(&s, &p)
}

/// POSIX regular expression match (the subset psql's catalog queries use:
/// `^(name)$` anchors, `.`, `*`, character classes, alternation).
fn regex_match(s: &str, pattern: &str, case_insensitive: bool) -> DbResult<bool> {
    let re = regex::RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .build()
        .map_err(|e| {
            DbError::new(
                SqlState::from_static("2201B"),
                format!("invalid regular expression: {e}"),
            )
        })?;
    Ok(re.is_match(s))
}
