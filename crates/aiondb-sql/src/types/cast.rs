//! Explicit `CAST` between the core types, following PostgreSQL's
//! `pg_cast` (and its I/O conversion casts to and from the string types).
//!
//! * Any type to `text`/`varchar(n)`/`char(n)` is its output function;
//!   `char(n)` sources lose trailing blanks, and `varchar(n)`/`char(n)`
//!   targets truncate silently.
//! * The string types to any type are its input function.
//! * Numbers: integer narrowing checks range (`smallint out of range`);
//!   float→int rounds half to even (`rint`), numeric→int half away from
//!   zero; float→numeric goes through 15 (float8) or 6 (float4)
//!   significant digits, as `float8_numeric` does.
//! * `bool`↔`int4`, `oid`↔`int4`/`int8`, `date`↔`timestamp`↔`timestamptz`,
//!   `timestamp(tz)`→`date`/`time`, `interval`↔`time`, `json`↔`jsonb`,
//!   `jsonb` scalars → `bool` and the numeric types, arrays element-wise.
//! * Anything else is `42846 cannot cast type X to Y`.
//!
//! [`cast_assignment`] is the stricter coercion `INSERT`/`UPDATE` apply.

use super::datetime::{self, USECS_PER_DAY};
use super::errors::{cannot_cast, float_out_of_range, out_of_range};
use super::interval::{interval_to_time, time_to_interval};
use super::numeric::{apply_typmod, numeric_to_i64, parse_numeric};
use super::{FormatOptions, float, format_text, json, parse_text, text};
use aiondb_core::{DataType, DbError, DbResult, Numeric, SqlState, Value};
use std::mem::discriminant;

/// Assignment coercion (`INSERT`/`UPDATE` into a column of type `to`):
/// like [`cast`], except that a string too long for `varchar(n)`/`char(n)`
/// is an error (`22001 value too long for type ...`) unless the excess is
/// spaces, as PostgreSQL's assignment casts behave.
pub fn cast_assignment(
    value: Value,
    from: &DataType,
    to: &DataType,
    opts: &FormatOptions,
) -> DbResult<Value> {
    if let DataType::Domain(d) = to {
        return cast_assignment(value, from, &d.base, opts);
    }
    match (to, value) {
        (_, Value::Null) => Ok(Value::Null),
        (DataType::Array(te), Value::Array(items)) => {
            let fe = match from {
                DataType::Array(fe) => fe.as_ref().clone(),
                other => other.clone(),
            };
            items
                .into_iter()
                .map(|v| cast_assignment(v, &fe, te, opts))
                .collect::<DbResult<Vec<_>>>()
                .map(Value::Array)
        }
        (DataType::Varchar(Some(_)) | DataType::Char(Some(_)), v) => {
            let Value::Text(s) = cast(v, from, &DataType::Text, opts)? else {
                return Err(DbError::internal("cast to text did not give text"));
            };
            match to {
                DataType::Varchar(n) => text::parse_varchar(&s, *n).map(Value::Text),
                _ => {
                    let n = if let DataType::Char(n) = to { *n } else { None };
                    text::parse_char(&s, n).map(Value::Text)
                }
            }
        }
        (_, v) => cast(v, from, to, opts),
    }
}

/// `CAST(value AS to)` where `value` is of type `from`.
pub fn cast(value: Value, from: &DataType, to: &DataType, opts: &FormatOptions) -> DbResult<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    // A domain's values are its base type's (constraints are the
    // binder's DomainCheck, which needs the catalog).
    match (from, to) {
        (DataType::Domain(d), _) => return cast(value, &d.base, to, opts),
        (_, DataType::Domain(d)) => return cast(value, from, &d.base, opts),
        (DataType::Enum(a), DataType::Enum(b)) if a != b => return Err(cannot_cast(from, to)),
        (DataType::Enum(_), t) if !t.is_string() => return Err(cannot_cast(from, to)),
        (t, DataType::Enum(_)) if !t.is_string() && *t != DataType::Unknown => {
            return Err(cannot_cast(from, to));
        }
        _ => {}
    }
    if let (DataType::Array(fe), DataType::Array(te)) = (from, to) {
        let Value::Array(items) = value else {
            return Err(super::errors::value_type_mismatch(&value, from));
        };
        return items
            .into_iter()
            .map(|v| cast(v, fe, te, opts))
            .collect::<DbResult<Vec<_>>>()
            .map(Value::Array);
    }
    // Targets that are strings: the output function, then the modifier.
    if to.is_string() {
        let s = match (from, &value) {
            (DataType::Char(_), Value::Text(s)) => text::bpchar_to_text(s),
            // `booltext`, not `boolout`: true::text is 'true'.
            (_, Value::Bool(b)) => (if *b { "true" } else { "false" }).to_string(),
            (_, Value::Text(s)) => s.clone(),
            _ => format_text(&value, from, opts)?,
        };
        return Ok(Value::Text(match to {
            DataType::Varchar(n) => text::truncate_varchar(&s, *n),
            DataType::Char(n) => text::truncate_char(&s, *n),
            DataType::Name => super::name_char::parse_name(&s),
            DataType::InternalChar => super::name_char::parse_internal_char(&s),
            _ => s,
        }));
    }
    // Same type, maybe a different modifier.
    if discriminant(from) == discriminant(to) {
        return match (to, value) {
            (DataType::Numeric(typmod), Value::Numeric(n)) => {
                apply_typmod(n, *typmod).map(Value::Numeric)
            }
            (_, v) => Ok(v),
        };
    }
    // Sources that are strings: the input function.
    if from.is_string() || *from == DataType::Unknown {
        return match &value {
            Value::Text(s) => parse_text(s, to, opts),
            _ => Err(super::errors::value_type_mismatch(&value, from)),
        };
    }
    cast_pair(value, from, to, opts)
}

fn int_target(v: i64, to: &DataType) -> DbResult<Value> {
    match to {
        DataType::Int2 => i16::try_from(v)
            .map(Value::Int2)
            .map_err(|_| out_of_range("smallint out of range")),
        DataType::Int4 => i32::try_from(v)
            .map(Value::Int4)
            .map_err(|_| out_of_range("integer out of range")),
        DataType::Int8 => Ok(Value::Int8(v)),
        DataType::Float4 => Ok(Value::Float4(v as f32)),
        DataType::Float8 => Ok(Value::Float8(v as f64)),
        DataType::Numeric(typmod) => apply_typmod(Numeric::from(v), *typmod).map(Value::Numeric),
        _ => Err(DbError::internal("int_target: not a numeric type")),
    }
}

fn int_type_name(to: &DataType) -> &'static str {
    match to {
        DataType::Int2 => "smallint",
        DataType::Int4 => "integer",
        _ => "bigint",
    }
}

fn float_target(v: f64, from_float4: bool, to: &DataType) -> DbResult<Value> {
    match to {
        DataType::Int2 | DataType::Int4 | DataType::Int8 => {
            let r = v.round_ties_even();
            let name = int_type_name(to);
            // i64 bounds as f64: -2^63 is exact, 2^63 is one past the end.
            const TWO_63: f64 = 9_223_372_036_854_775_808.0;
            if r.is_nan() || !(-TWO_63..TWO_63).contains(&r) {
                return Err(out_of_range(&format!("{name} out of range")));
            }
            int_target(r as i64, to).map_err(|_| out_of_range(&format!("{name} out of range")))
        }
        DataType::Float4 => {
            let f = v as f32;
            if f.is_infinite() && v.is_finite() {
                return Err(out_of_range("value out of range: overflow"));
            }
            if f == 0.0 && v != 0.0 {
                return Err(out_of_range("value out of range: underflow"));
            }
            Ok(Value::Float4(f))
        }
        DataType::Float8 => Ok(Value::Float8(v)),
        DataType::Numeric(typmod) => {
            let n = if v.is_nan() {
                Numeric::NaN
            } else if v.is_infinite() {
                if v > 0.0 {
                    Numeric::PosInf
                } else {
                    Numeric::NegInf
                }
            } else {
                let digits = if from_float4 {
                    float::format_g(v, 6)
                } else {
                    float::format_g(v, 15)
                };
                parse_numeric(&digits)?
            };
            apply_typmod(n, *typmod).map(Value::Numeric)
        }
        _ => Err(DbError::internal("float_target: not a numeric type")),
    }
}

fn numeric_target(n: Numeric, to: &DataType) -> DbResult<Value> {
    match to {
        DataType::Int2 | DataType::Int4 | DataType::Int8 => {
            let name = int_type_name(to);
            let v = numeric_to_i64(&n, name)?;
            int_target(v, to).map_err(|_| out_of_range(&format!("{name} out of range")))
        }
        DataType::Float4 | DataType::Float8 => {
            let f = match &n {
                Numeric::NaN => f64::NAN,
                Numeric::PosInf => f64::INFINITY,
                Numeric::NegInf => f64::NEG_INFINITY,
                Numeric::Finite(_) => {
                    let s = n.to_string();
                    let name = if *to == DataType::Float4 {
                        "real"
                    } else {
                        "double precision"
                    };
                    let f: f64 = s.parse().map_err(|_| float_out_of_range(&s, name))?;
                    let narrowed = if *to == DataType::Float4 {
                        f as f32 as f64
                    } else {
                        f
                    };
                    let nonzero = s.bytes().any(|b| (b'1'..=b'9').contains(&b));
                    if narrowed.is_infinite() || (narrowed == 0.0 && nonzero) {
                        return Err(float_out_of_range(&s, name));
                    }
                    f
                }
            };
            Ok(if *to == DataType::Float4 {
                Value::Float4(f as f32)
            } else {
                Value::Float8(f)
            })
        }
        _ => Err(DbError::internal("numeric_target: not a numeric type")),
    }
}

/// `jsonb` scalar → bool / numbers (PostgreSQL 11+).
fn jsonb_target(s: &str, to: &DataType) -> DbResult<Value> {
    let kind = match s.as_bytes().first() {
        Some(b'"') => "string",
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b'n') => "null",
        Some(b't' | b'f') => "boolean",
        _ => "numeric",
    };
    let bad = || {
        DbError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("cannot cast jsonb {kind} to type {to}"),
        )
    };
    match (kind, to) {
        ("boolean", DataType::Bool) => Ok(Value::Bool(s == "true")),
        ("numeric", _) if to.is_numeric() => numeric_target_or_keep(parse_numeric(s)?, to),
        _ => Err(bad()),
    }
}

fn numeric_target_or_keep(n: Numeric, to: &DataType) -> DbResult<Value> {
    match to {
        DataType::Numeric(typmod) => apply_typmod(n, *typmod).map(Value::Numeric),
        _ => numeric_target(n, to),
    }
}

fn cast_pair(
    value: Value,
    from: &DataType,
    to: &DataType,
    opts: &FormatOptions,
) -> DbResult<Value> {
    use DataType as T;
    let tz = opts.timezone;
    match (value, to) {
        (Value::Text(bits), T::Int4 | T::Int8) if matches!(from, T::Bit(_)) => {
            let width = if *to == T::Int4 { 32 } else { 64 };
            let v = super::bit::bits_to_int(&bits, width)?;
            int_target(v, to)
        }
        (Value::Int2(v), t) if t.is_numeric() => int_target(v as i64, t),
        (Value::Int4(v), t) if t.is_numeric() => int_target(v as i64, t),
        (Value::Int8(v), t) if t.is_numeric() && *from != T::Oid => int_target(v, t),
        (Value::Float4(v), t) if t.is_numeric() => float_target(v as f64, true, t),
        (Value::Float8(v), t) if t.is_numeric() => float_target(v, false, t),
        (Value::Numeric(n), t) if t.is_numeric() => numeric_target(n, t),
        (Value::Int4(v), T::Bool) => Ok(Value::Bool(v != 0)),
        (Value::Bool(b), T::Int4) => Ok(Value::Int4(b as i32)),
        // oid is held as Int8.
        (Value::Int4(v), T::Oid) => Ok(Value::Int8(v as u32 as i64)),
        (Value::Int8(v), T::Oid) if *from == T::Int8 => u32::try_from(v)
            .map(|x| Value::Int8(x as i64))
            .map_err(|_| out_of_range("OID out of range")),
        (Value::Int8(v), T::Int4) if *from == T::Oid => Ok(Value::Int4(v as u32 as i32)),
        (Value::Int8(v), T::Int8) if *from == T::Oid => Ok(Value::Int8(v)),
        (Value::Date(d), T::Timestamp) => datetime::date_to_timestamp(d).map(Value::Timestamp),
        (Value::Date(d), T::Timestamptz) => {
            let local = datetime::date_to_timestamp(d)?;
            datetime::local_to_utc(local, tz).map(Value::Timestamptz)
        }
        (Value::Timestamp(t), T::Date) => Ok(Value::Date(datetime::timestamp_to_date(t))),
        (Value::Timestamp(t), T::Time) if t != i64::MAX && t != i64::MIN => {
            Ok(Value::Time(datetime::timestamp_to_time(t)))
        }
        (Value::Timestamp(t), T::Timestamptz) => {
            datetime::local_to_utc(t, tz).map(Value::Timestamptz)
        }
        (Value::Timestamptz(t), T::Timestamp) => {
            datetime::utc_to_local(t, tz).map(Value::Timestamp)
        }
        (Value::Timestamptz(t), T::Date) => Ok(Value::Date(datetime::timestamp_to_date(
            datetime::utc_to_local(t, tz)?,
        ))),
        (Value::Timestamptz(t), T::Time) if t != i64::MAX && t != i64::MIN => Ok(Value::Time(
            datetime::utc_to_local(t, tz)?.rem_euclid(USECS_PER_DAY),
        )),
        (Value::Time(t), T::Interval) => time_to_interval(t).map(Value::Interval),
        (Value::Interval(i), T::Time) => Ok(Value::Time(interval_to_time(&i))),
        (Value::Json(s), T::Jsonb) => json::parse_jsonb(&s).map(Value::Jsonb),
        (Value::Jsonb(s), T::Json) => Ok(Value::Json(s)),
        (Value::Jsonb(s), t) if t.is_numeric() || *t == T::Bool => jsonb_target(&s, t),
        // PostgreSQL maps infinite timestamps to a NULL time.
        (Value::Timestamp(_) | Value::Timestamptz(_), T::Time) => Ok(Value::Null),
        _ => Err(cannot_cast(from, to)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_checks_length_instead_of_truncating() {
        let o = FormatOptions::default();
        let t = |s: &str| Value::Text(s.into());
        let e = cast_assignment(t("abcd"), &DataType::Text, &DataType::Varchar(Some(3)), &o)
            .unwrap_err();
        assert_eq!(
            (e.code.code(), e.message.as_str()),
            ("22001", "value too long for type character varying(3)")
        );
        assert_eq!(
            cast_assignment(t("ab  "), &DataType::Text, &DataType::Varchar(Some(3)), &o),
            Ok(t("ab "))
        );
        assert_eq!(
            cast_assignment(t("a"), &DataType::Text, &DataType::Char(Some(3)), &o),
            Ok(t("a  "))
        );
        assert_eq!(
            cast_assignment(
                Value::Int4(12345),
                &DataType::Int4,
                &DataType::Varchar(Some(5)),
                &o
            ),
            Ok(t("12345"))
        );
        assert!(
            cast_assignment(
                Value::Int4(123456),
                &DataType::Int4,
                &DataType::Varchar(Some(5)),
                &o
            )
            .is_err()
        );
        let arr = DataType::Array(Box::new(DataType::Varchar(Some(1))));
        let from = DataType::Array(Box::new(DataType::Text));
        assert!(cast_assignment(Value::Array(vec![t("ab")]), &from, &arr, &o).is_err());
        assert_eq!(
            cast(Value::Array(vec![t("ab")]), &from, &arr, &o),
            Ok(Value::Array(vec![t("a")]))
        );
        assert_eq!(
            cast_assignment(Value::Int4(7), &DataType::Int4, &DataType::Int8, &o),
            Ok(Value::Int8(7))
        );
        assert_eq!(
            cast_assignment(
                Value::Null,
                &DataType::Int4,
                &DataType::Varchar(Some(1)),
                &o
            ),
            Ok(Value::Null)
        );
    }
}
