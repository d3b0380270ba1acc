//! date_part / EXTRACT and date_trunc.

use crate::ops::{civil_from_days, days_from_civil};
use aiondb_core::{DbError, DbResult, Numeric, Value};

const DAY: i64 = 86_400_000_000;

fn micros_of(v: &Value) -> Option<i64> {
    match v {
        Value::Timestamp(t) | Value::Timestamptz(t) => Some(*t),
        Value::Date(d) => Some(*d as i64 * DAY),
        _ => None,
    }
}

/// `date_part(field, source)`.
pub fn date_part(field: &str, v: &Value) -> DbResult<Value> {
    let field = field.to_ascii_lowercase();
    if let Value::Interval(i) = v {
        let x: f64 = match field.as_str() {
            "year" | "years" => (i.months / 12) as f64,
            "month" | "months" | "mon" => (i.months % 12) as f64,
            "day" | "days" => i.days as f64,
            "hour" | "hours" => (i.micros / 3_600_000_000) as f64,
            "minute" | "minutes" | "min" => ((i.micros / 60_000_000) % 60) as f64,
            "second" | "seconds" | "sec" => (i.micros % 60_000_000) as f64 / 1e6,
            "epoch" => i.span_micros() as f64 / 1e6,
            _ => {
                return Err(DbError::not_supported(format!(
                    "interval units \"{field}\" not supported"
                )));
            }
        };
        return Ok(Value::Numeric(
            x.to_string().parse().unwrap_or_else(|_| Numeric::zero()),
        ));
    }
    if let Value::Time(t) = v {
        let x: f64 = match field.as_str() {
            "hour" => (t / 3_600_000_000) as f64,
            "minute" => ((t / 60_000_000) % 60) as f64,
            "second" => (t % 60_000_000) as f64 / 1e6,
            "epoch" => *t as f64 / 1e6,
            _ => {
                return Err(DbError::not_supported(format!(
                    "time units \"{field}\" not supported"
                )));
            }
        };
        return Ok(Value::Numeric(
            x.to_string().parse().unwrap_or_else(|_| Numeric::zero()),
        ));
    }
    let t = micros_of(v).ok_or_else(|| DbError::not_supported("date_part of this type"))?;
    let days = t.div_euclid(DAY);
    let rest = t.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days as i32);
    let x: f64 = match field.as_str() {
        "year" | "years" => y as f64,
        "month" | "months" | "mon" => m as f64,
        "day" | "days" => d as f64,
        "hour" | "hours" => (rest / 3_600_000_000) as f64,
        "minute" | "minutes" | "min" => ((rest / 60_000_000) % 60) as f64,
        "second" | "seconds" | "sec" => (rest % 60_000_000) as f64 / 1e6,
        "dow" => (days + 6).rem_euclid(7) as f64,
        "isodow" => ((days + 5).rem_euclid(7) + 1) as f64,
        "doy" => (days - days_from_civil(y, 1, 1) as i64 + 1) as f64,
        "quarter" => ((m - 1) / 3 + 1) as f64,
        "epoch" => (t + 946_684_800_000_000) as f64 / 1e6,
        "century" => ((y - 1) / 100 + 1) as f64,
        "decade" => (y / 10) as f64,
        "millennium" => ((y - 1) / 1000 + 1) as f64,
        "microseconds" => (rest % 60_000_000) as f64,
        "milliseconds" => (rest % 60_000_000) as f64 / 1e3,
        "week" => {
            let doy = days - days_from_civil(y, 1, 1) as i64;
            (doy / 7 + 1) as f64
        }
        _ => {
            return Err(DbError::not_supported(format!(
                "timestamp units \"{field}\" not supported"
            )));
        }
    };
    Ok(Value::Numeric(
        x.to_string().parse().unwrap_or_else(|_| Numeric::zero()),
    ))
}

/// `date_trunc(field, source)`.
pub fn date_trunc(field: &str, v: &Value) -> DbResult<Value> {
    let t = micros_of(v).ok_or_else(|| DbError::not_supported("date_trunc of this type"))?;
    let days = t.div_euclid(DAY);
    let rest = t.rem_euclid(DAY);
    let (y, m, _) = civil_from_days(days as i32);
    let out = match field.to_ascii_lowercase().as_str() {
        "year" => days_from_civil(y, 1, 1) as i64 * DAY,
        "quarter" => days_from_civil(y, (m - 1) / 3 * 3 + 1, 1) as i64 * DAY,
        "month" => days_from_civil(y, m, 1) as i64 * DAY,
        "week" => (days - (days + 5).rem_euclid(7)) * DAY,
        "day" => days * DAY,
        "hour" => days * DAY + rest / 3_600_000_000 * 3_600_000_000,
        "minute" => days * DAY + rest / 60_000_000 * 60_000_000,
        "second" => days * DAY + rest / 1_000_000 * 1_000_000,
        "milliseconds" => days * DAY + rest / 1000 * 1000,
        "microseconds" => t,
        other => {
            return Err(DbError::not_supported(format!(
                "timestamp units \"{other}\" not supported"
            )));
        }
    };
    Ok(match v {
        Value::Timestamptz(_) => Value::Timestamptz(out),
        _ => Value::Timestamp(out),
    })
}
