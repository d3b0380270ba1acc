//! The mathematical functions over `double precision`: roots, powers,
//! logarithms, the radian and degree trigonometric functions, the
//! hyperbolic functions, and `float4send`/`float8send`.
//!
//! They follow PostgreSQL 15's `float.c`: NaN in gives NaN out, an
//! infinite argument where the function has no limit is `input is out of
//! range` (22003), a finite argument whose result overflows or underflows
//! is `value out of range: overflow` / `underflow` (22003), and the SQL
//! standard's own codes are kept for `power` (2201F) and the logarithms
//! (2201E).
//!
//! The degree functions (`sind`, `cosd`, ...) reduce their argument to the
//! first quadrant and scale by constants computed at run time with the same
//! `sin`/`cos`/`asin`/`acos`/`atan` used for the argument, so that the
//! "nice" angles (0, 30, 45, 60, 90 degrees and their mirrors) give exact
//! results, as PostgreSQL guarantees.
//!
//! `sqrt`, `exp`, `ln`, `log` and `power` also take `numeric`; those go
//! through `double precision` here and come back as `numeric`.

use crate::ops;
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};

/// Names handled here.
pub(super) fn handles(name: &str) -> bool {
    matches!(
        name,
        "sqrt"
            | "cbrt"
            | "power"
            | "pow"
            | "exp"
            | "ln"
            | "log"
            | "log10"
            | "degrees"
            | "radians"
            | "sin"
            | "cos"
            | "tan"
            | "cot"
            | "asin"
            | "acos"
            | "atan"
            | "atan2"
            | "sinh"
            | "cosh"
            | "tanh"
            | "asinh"
            | "acosh"
            | "atanh"
            | "sind"
            | "cosd"
            | "tand"
            | "cotd"
            | "asind"
            | "acosd"
            | "atand"
            | "atan2d"
            | "pi"
            | "float4send"
            | "float8send"
    )
}

/// The type an untyped literal argument of math function `name` takes,
/// given the function's result type; `None` when `name` is not one of
/// these functions.
pub fn argument_type(name: &str, result: &DataType) -> Option<DataType> {
    if !handles(name) {
        return None;
    }
    Some(match (name, result) {
        ("float4send", _) => DataType::Float4,
        (_, DataType::Numeric(_)) => DataType::Numeric(None),
        _ => DataType::Float8,
    })
}

/// Functions that also have a `numeric` version in PostgreSQL.
fn has_numeric_version(name: &str) -> bool {
    matches!(
        name,
        "sqrt" | "exp" | "ln" | "log" | "log10" | "power" | "pow"
    )
}

fn arity(name: &str) -> usize {
    match name {
        "pi" => 0,
        "power" | "pow" | "atan2" | "atan2d" => 2,
        _ => 1,
    }
}

fn is_number(t: &DataType) -> bool {
    t.is_numeric() || *t == DataType::Unknown
}

/// The result type, or the error PostgreSQL gives for these arguments.
pub(super) fn return_type(name: &str, args: &[DataType]) -> DbResult<DataType> {
    let undefined = || super::signatures::undefined(name, args);
    let arity_ok = args.len() == arity(name) || (name == "log" && args.len() == 2);
    if !arity_ok || !args.iter().all(is_number) {
        return Err(undefined());
    }
    match name {
        "float4send" => return Ok(DataType::Bytea),
        "float8send" if args[0] != DataType::Float4 => return Ok(DataType::Bytea),
        "float8send" => return Err(undefined()),
        _ => {}
    }
    let any_numeric = args.iter().any(|t| matches!(t, DataType::Numeric(_)));
    let any_float = args
        .iter()
        .any(|t| matches!(t, DataType::Float4 | DataType::Float8));
    // log(b, x) exists only for numeric.
    let numeric = has_numeric_version(name)
        && (any_numeric && !any_float || args.len() == 2 && name == "log");
    Ok(if numeric {
        DataType::Numeric(None)
    } else {
        DataType::Float8
    })
}

fn out_of_range(message: &'static str) -> DbError {
    DbError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, message)
}

fn overflow() -> DbError {
    out_of_range("value out of range: overflow")
}

fn underflow() -> DbError {
    out_of_range("value out of range: underflow")
}

fn input_out_of_range() -> DbError {
    out_of_range("input is out of range")
}

/// PostgreSQL's CHECKFLOATVAL: an infinite result is an overflow unless an
/// argument was infinite, a zero result an underflow unless zero is a
/// possible exact answer.
fn check(r: f64, inf_is_valid: bool, zero_is_valid: bool) -> DbResult<f64> {
    if r.is_infinite() && !inf_is_valid {
        return Err(overflow());
    }
    if r == 0.0 && !zero_is_valid {
        return Err(underflow());
    }
    Ok(r)
}

fn power_error(message: &'static str) -> DbError {
    DbError::new(SqlState::from_static("2201F"), message)
}

fn log_error(x: f64) -> DbResult<()> {
    let message = if x == 0.0 {
        "cannot take logarithm of zero"
    } else if x < 0.0 {
        "cannot take logarithm of a negative number"
    } else {
        return Ok(());
    };
    Err(DbError::new(SqlState::from_static("2201E"), message))
}

fn float_arg(v: &Value, t: &DataType) -> DbResult<f64> {
    match ops::coerce(v.clone(), t, &DataType::Float8)? {
        Value::Float8(x) => Ok(x),
        _ => Err(DbError::internal("float conversion")),
    }
}

/// Calls one of the functions in [`handles`]; NULL arguments never reach
/// here.
pub(super) fn call(
    name: &str,
    args: &[Value],
    types: &[DataType],
    ty: &DataType,
) -> DbResult<Value> {
    match (name, args) {
        ("pi", _) => return Ok(Value::Float8(std::f64::consts::PI)),
        ("float4send", [v]) => {
            let x = match v {
                Value::Float4(x) => *x,
                other => float_arg(other, &types[0])? as f32,
            };
            return Ok(Value::Bytea(x.to_bits().to_be_bytes().to_vec()));
        }
        ("float8send", [v]) => {
            let x = float_arg(v, &types[0])?;
            return Ok(Value::Bytea(x.to_bits().to_be_bytes().to_vec()));
        }
        _ => {}
    }
    let xs = args
        .iter()
        .zip(types)
        .map(|(v, t)| float_arg(v, t))
        .collect::<DbResult<Vec<f64>>>()?;
    let x = xs.first().copied().unwrap_or(f64::NAN);
    let y = xs.get(1).copied().unwrap_or(f64::NAN);
    let r = match name {
        "sqrt" => {
            if x < 0.0 {
                return Err(power_error("cannot take square root of a negative number"));
            }
            check(x.sqrt(), x.is_infinite(), x == 0.0)?
        }
        "cbrt" => check(x.cbrt(), x.is_infinite(), x == 0.0)?,
        "power" | "pow" => power(x, y)?,
        "exp" => exp(x)?,
        "ln" => {
            log_error(x)?;
            x.ln()
        }
        "log" if args.len() == 2 => {
            log_error(x)?;
            log_error(y)?;
            if x == 1.0 {
                return Err(DbError::new(SqlState::DIVISION_BY_ZERO, "division by zero"));
            }
            y.ln() / x.ln()
        }
        "log" | "log10" => {
            log_error(x)?;
            x.log10()
        }
        "degrees" => check(x / RADIANS_PER_DEGREE, x.is_infinite(), x == 0.0)?,
        "radians" => check(x * RADIANS_PER_DEGREE, x.is_infinite(), x == 0.0)?,
        "sin" | "cos" | "tan" | "cot" => radian_trig(name, x)?,
        "asin" | "acos" => {
            if x.is_nan() {
                f64::NAN
            } else if !(-1.0..=1.0).contains(&x) {
                return Err(input_out_of_range());
            } else if name == "asin" {
                x.asin()
            } else {
                x.acos()
            }
        }
        "atan" => x.atan(),
        "atan2" => y_atan2(x, y),
        "sinh" | "cosh" | "tanh" | "asinh" | "acosh" | "atanh" => hyperbolic(name, x)?,
        _ => super::float_degrees::call(name, x, y)?,
    };
    ops::coerce(Value::Float8(r), &DataType::Float8, ty)
}

/// atan2(y, x) in PostgreSQL's argument order, NaN in, NaN out.
fn y_atan2(y: f64, x: f64) -> f64 {
    if y.is_nan() || x.is_nan() {
        f64::NAN
    } else {
        y.atan2(x)
    }
}

pub(super) const RADIANS_PER_DEGREE: f64 = std::f64::consts::PI / 180.0;

/// PostgreSQL's `dpow`.
fn power(x: f64, y: f64) -> DbResult<f64> {
    if x.is_nan() {
        return Ok(if y.is_nan() || y != 0.0 {
            f64::NAN
        } else {
            1.0
        });
    }
    if y.is_nan() {
        return Ok(if x != 1.0 { f64::NAN } else { 1.0 });
    }
    if x == 0.0 && y < 0.0 {
        return Err(power_error("zero raised to a negative power is undefined"));
    }
    if x < 0.0 && y.floor() != y {
        return Err(power_error(
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    if y.is_infinite() {
        let ax = x.abs();
        return Ok(if ax == 1.0 {
            1.0
        } else if (y > 0.0) == (ax > 1.0) {
            f64::INFINITY
        } else {
            0.0
        });
    }
    if x.is_infinite() {
        if y == 0.0 {
            return Ok(1.0);
        }
        let odd = y.rem_euclid(2.0) == 1.0;
        return Ok(match (x > 0.0, y > 0.0) {
            (true, true) => f64::INFINITY,
            (true, false) => 0.0,
            (false, true) if odd => f64::NEG_INFINITY,
            (false, true) => f64::INFINITY,
            (false, false) if odd => -0.0,
            (false, false) => 0.0,
        });
    }
    let r = x.powf(y);
    if r.is_infinite() {
        return Err(overflow());
    }
    if r == 0.0 && x != 0.0 {
        return Err(underflow());
    }
    Ok(r)
}

/// PostgreSQL's `dexp`.
fn exp(x: f64) -> DbResult<f64> {
    if x.is_nan() {
        return Ok(x);
    }
    if x.is_infinite() {
        return Ok(if x > 0.0 { x } else { 0.0 });
    }
    check(x.exp(), false, false)
}

fn radian_trig(name: &str, x: f64) -> DbResult<f64> {
    if x.is_nan() {
        return Ok(f64::NAN);
    }
    if x.is_infinite() {
        return Err(input_out_of_range());
    }
    Ok(match name {
        "sin" => x.sin(),
        "cos" => x.cos(),
        "tan" => x.tan(),
        _ => 1.0 / x.tan(),
    })
}

fn hyperbolic(name: &str, x: f64) -> DbResult<f64> {
    Ok(match name {
        "sinh" => x.sinh(),
        "cosh" => x.cosh(),
        "tanh" => x.tanh(),
        "asinh" => x.asinh(),
        "acosh" => {
            if x < 1.0 {
                return Err(input_out_of_range());
            }
            x.acosh()
        }
        _ => {
            if !(-1.0..=1.0).contains(&x) && !x.is_nan() {
                return Err(input_out_of_range());
            }
            if x == 1.0 {
                f64::INFINITY
            } else if x == -1.0 {
                f64::NEG_INFINITY
            } else {
                x.atanh()
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_follows_postgres() {
        assert_eq!(power(2.0, 10.0).ok(), Some(1024.0));
        assert_eq!(power(0.0, 0.0).ok(), Some(1.0));
        assert!(power(0.0, -1.0).is_err());
        assert!(power(-8.0, 0.5).is_err());
        assert_eq!(power(-1.0, f64::INFINITY).ok(), Some(1.0));
        assert_eq!(power(f64::NEG_INFINITY, 3.0).ok(), Some(f64::NEG_INFINITY));
        assert!(power(10.0, 400.0).is_err());
        assert!(power(10.0, -400.0).is_err());
        assert!(power(f64::NAN, 0.0).is_ok_and(|r| r == 1.0));
    }

    #[test]
    fn exp_limits() {
        assert_eq!(exp(f64::NEG_INFINITY).ok(), Some(0.0));
        assert!(exp(-1000.0).is_err());
        assert!(exp(1000.0).is_err());
    }

    #[test]
    fn send_is_big_endian_ieee() {
        let r = call(
            "float8send",
            &[Value::Float8(1.0)],
            &[DataType::Float8],
            &DataType::Bytea,
        );
        assert_eq!(
            r.ok(),
            Some(Value::Bytea(vec![0x3f, 0xf0, 0, 0, 0, 0, 0, 0]))
        );
    }
}
