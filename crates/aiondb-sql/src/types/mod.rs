//! The SQL type system: PostgreSQL 15's text and binary I/O and casts.
//!
//! The five entry points mirror the functions PostgreSQL attaches to every
//! type in `pg_type`:
//!
//! | PostgreSQL   | here              | used by                          |
//! |--------------|-------------------|----------------------------------|
//! | `typinput`   | [`parse_text`]    | literals, text parameters, COPY  |
//! | `typoutput`  | [`format_text`]   | text result columns, `::text`    |
//! | `typreceive` | [`decode_binary`] | binary parameters, binary COPY   |
//! | `typsend`    | [`encode_binary`] | binary result columns            |
//! | `pg_cast`    | [`cast`]          | `CAST(x AS t)`, `x::t`           |
//! | assignment   | [`cast_assignment`] | `INSERT`/`UPDATE` into a column |
//!
//! [`parse_type_name`] resolves the spellings SQL and the catalog use.
//!
//! A [`Value`] carries no type modifier; the [`DataType`] passed alongside
//! says how to check and print it. `oid` values are held as
//! [`Value::Int8`] (an unsigned 32-bit number does not fit `Int4`).
//!
//! Session settings that change the text forms travel in
//! [`FormatOptions`]: `extra_float_digits`, `bytea_output` and `TimeZone`
//! (UTC or a fixed offset for now). DateStyle is always `ISO, MDY` and
//! IntervalStyle `postgres` ([`format_interval_verbose`] gives
//! `postgres_verbose`, which pg_regress uses).
//!
//! Module map, one concept each: [`errors`] (the SQLSTATE-carrying error
//! constructors), `bool_int`, `float`, `numeric`, `text`, `bytea`,
//! `datetime` (+ `datetime_parse`), `interval`, `uuid`, `json`, `array`,
//! `binary`, `cast`, `names`. Tests: each module's own, plus `tests`
//! (golden tables through the public API, binary layouts, the cast matrix,
//! property tests) and `golden` (a batch of inputs run through a real
//! PostgreSQL 15, with its answers).

mod array;
mod binary;
pub mod bit;
mod bool_int;
mod bytea;
mod cast;
mod datestyle;
mod datetime;
mod datetime_parse;
pub mod enum_type;
pub(crate) use datetime_parse::MONTHS_FULL as MONTH_NAMES;
pub mod errors;
mod float;
mod interval;
mod json;
mod name_char;
mod names;
mod numeric;
mod text;
mod timezone;
mod uuid;

#[cfg(test)]
mod golden;
#[cfg(test)]
mod tests;

use aiondb_core::{DataType, DbError, DbResult, Value};

pub use binary::{decode_binary, encode_binary};
pub use cast::{cast, cast_assignment};
pub use interval::{format_interval, format_interval_verbose, parse_interval};
pub use names::parse_type_name;
pub use numeric::numeric_to_i64;

/// The session's `TimeZone`, as far as AionDB models it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeZoneSetting {
    /// `UTC` (the default).
    #[default]
    Utc,
    /// A fixed offset, in seconds **east** of Greenwich (ISO sign
    /// convention: `+02:00` is `Fixed(7200)`).
    Fixed(i32),
    /// `PST8PDT` or `America/Los_Angeles` (equal since 1967): US Pacific
    /// time with daylight saving ([`timezone`]).
    UsPacific,
}

/// The session's `DateStyle` output format (the field order is always MDY).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DateStyle {
    /// `ISO`: `2000-10-19 02:23:54-07`.
    #[default]
    Iso,
    /// `Postgres`: `Thu Oct 19 02:23:54 2000 PDT`.
    Postgres,
}

impl TimeZoneSetting {
    /// Seconds east of UTC in effect at a UTC instant (microseconds since
    /// 2000-01-01).
    pub fn offset_at_utc(&self, utc: i64) -> i32 {
        match self {
            TimeZoneSetting::Utc => 0,
            TimeZoneSetting::Fixed(s) => *s,
            TimeZoneSetting::UsPacific => timezone::offset_at_utc(utc),
        }
    }

    /// Seconds east of UTC for a local wall-clock time.
    pub fn offset_at_local(&self, local: i64) -> i32 {
        match self {
            TimeZoneSetting::Utc => 0,
            TimeZoneSetting::Fixed(s) => *s,
            TimeZoneSetting::UsPacific => timezone::offset_at_local(local),
        }
    }

    /// The zone name DateStyle `Postgres` prints after a timestamptz.
    pub fn abbreviation(&self, offset: i32) -> String {
        match self {
            TimeZoneSetting::Utc => "UTC".into(),
            TimeZoneSetting::Fixed(_) => datetime::format_offset(offset),
            TimeZoneSetting::UsPacific => timezone::abbreviation(offset).into(),
        }
    }

    /// Parses a `SET TimeZone` value as PostgreSQL does for the forms
    /// AionDB models: `UTC`/`GMT`/`Z`; a bare number of hours, ISO sign
    /// (`'-03'` and `-3.5` are west of Greenwich); or a POSIX offset such as
    /// `'+05:30'`, whose sign is inverted (five and a half hours **west**).
    /// Named zones (`Europe/Paris`) give `None`.
    pub fn parse_guc(s: &str) -> Option<TimeZoneSetting> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "utc" | "gmt" | "z" | "zulu" | "etc/utc" | "uct"
        ) {
            return Some(TimeZoneSetting::Utc);
        }
        if matches!(
            lower.as_str(),
            "pst8pdt" | "america/los_angeles" | "us/pacific"
        ) {
            return Some(TimeZoneSetting::UsPacific);
        }
        let secs = if let Ok(hours) = t.parse::<f64>() {
            if !hours.is_finite() || hours.abs() >= 168.0 {
                return None;
            }
            (hours * 3600.0).round() as i32
        } else {
            // POSIX sign convention: positive is west.
            -datetime_parse::parse_offset(t)?
        };
        Some(match secs {
            0 => TimeZoneSetting::Utc,
            s => TimeZoneSetting::Fixed(s),
        })
    }
}

/// Session settings that change how values are read and printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatOptions {
    /// `extra_float_digits` (default 1: shortest exact output).
    pub extra_float_digits: i32,
    /// `bytea_output = hex` (default) rather than `escape`.
    pub bytea_hex: bool,
    /// `TimeZone`.
    pub timezone: TimeZoneSetting,
    /// `DateStyle`.
    pub datestyle: DateStyle,
}

impl Default for FormatOptions {
    fn default() -> FormatOptions {
        FormatOptions {
            extra_float_digits: 1,
            bytea_hex: true,
            timezone: TimeZoneSetting::Utc,
            datestyle: DateStyle::Iso,
        }
    }
}

/// PostgreSQL's `typinput`: reads the text form of a value of type `ty`,
/// applying the type modifier (`varchar(n)` length, `numeric(p,s)`
/// rounding and overflow checks, `char(n)` padding).
pub fn parse_text(input: &str, ty: &DataType, opts: &FormatOptions) -> DbResult<Value> {
    match ty {
        DataType::Domain(d) => parse_text(input, &d.base, opts),
        DataType::Enum(e) => enum_type::parse_label(input, e).map(Value::Text),
        DataType::Bool => bool_int::parse_bool(input).map(Value::Bool),
        DataType::Int2 => bool_int::parse_int2(input).map(Value::Int2),
        DataType::Int4 => bool_int::parse_int4(input).map(Value::Int4),
        DataType::Int8 => bool_int::parse_int8(input).map(Value::Int8),
        DataType::Oid => bool_int::parse_oid(input).map(|v| Value::Int8(v as i64)),
        DataType::Float4 => float::parse_float4(input).map(Value::Float4),
        DataType::Float8 => float::parse_float8(input).map(Value::Float8),
        DataType::Numeric(typmod) => {
            let n = numeric::parse_numeric(input)?;
            numeric::apply_typmod(n, *typmod).map(Value::Numeric)
        }
        DataType::Text | DataType::Unknown => text::check_text(input).map(Value::Text),
        DataType::Varchar(n) => text::parse_varchar(input, *n).map(Value::Text),
        DataType::Char(n) => text::parse_char(input, *n).map(Value::Text),
        DataType::Name => text::check_text(input).map(|s| Value::Text(name_char::parse_name(&s))),
        DataType::InternalChar => Ok(Value::Text(name_char::parse_internal_char(input))),
        DataType::Bytea => bytea::parse_bytea(input).map(Value::Bytea),
        DataType::Date => datetime::parse_date(input, opts.timezone).map(Value::Date),
        DataType::Time => datetime::parse_time(input).map(Value::Time),
        DataType::Timestamp => {
            datetime::parse_timestamp(input, opts.timezone).map(Value::Timestamp)
        }
        DataType::Timestamptz => {
            datetime::parse_timestamptz(input, opts.timezone).map(Value::Timestamptz)
        }
        DataType::Interval => interval::parse_interval(input).map(Value::Interval),
        DataType::Uuid => uuid::parse_uuid(input).map(Value::Uuid),
        DataType::Json => json::parse_json(input).map(Value::Json),
        DataType::Jsonb => json::parse_jsonb(input).map(Value::Jsonb),
        DataType::Array(elem) => array::parse_array(input, elem, opts).map(Value::Array),
        DataType::Cstring => text::check_text(input).map(Value::Text),
        DataType::Bit(n) => bit::parse_bit(input, *n).map(Value::Text),
        // The binder reads a user type's text with its input function
        // (crate::user_types); nothing else may.
        DataType::User { name, .. } => Err(DbError::not_supported(format!(
            "text input of type {name} here"
        ))),
    }
}

/// The built-in type a value's variant is the representation of: what a
/// user-defined base type's value prints as (its output function is that
/// type's, crate::user_types).
fn representation_of(value: &Value) -> Option<DataType> {
    Some(match value {
        Value::Int2(_) => DataType::Int2,
        Value::Int4(_) => DataType::Int4,
        Value::Int8(_) => DataType::Int8,
        Value::Float4(_) => DataType::Float4,
        Value::Float8(_) => DataType::Float8,
        Value::Text(_) => DataType::Text,
        _ => return None,
    })
}

/// PostgreSQL's `typoutput`: the text form psql shows. `Value::Null`
/// formats as an error: callers send NULL as a NULL, not as text.
pub fn format_text(value: &Value, ty: &DataType, opts: &FormatOptions) -> DbResult<String> {
    let s = match (ty, value) {
        (DataType::Domain(d), _) => return format_text(value, &d.base, opts),
        (DataType::Enum(_), Value::Text(s)) => s.clone(),
        (_, Value::Null) => {
            return Err(DbError::internal("format_text called with NULL"));
        }
        (DataType::Bool, Value::Bool(b)) => (if *b { "t" } else { "f" }).to_string(),
        (DataType::Int2, Value::Int2(v)) => v.to_string(),
        (DataType::Int4, Value::Int4(v)) => v.to_string(),
        (DataType::Int8 | DataType::Oid, Value::Int8(v)) => v.to_string(),
        (DataType::Oid, Value::Int4(v)) => (*v as u32).to_string(),
        (DataType::Float4, Value::Float4(v)) => float::format_float4(*v, opts.extra_float_digits),
        (DataType::Float8, Value::Float8(v)) => float::format_float8(*v, opts.extra_float_digits),
        (DataType::Numeric(_), Value::Numeric(n)) => n.to_string(),
        (
            DataType::Text
            | DataType::Varchar(_)
            | DataType::Char(_)
            | DataType::Name
            | DataType::InternalChar
            | DataType::Unknown,
            Value::Text(s),
        ) => s.clone(),
        (DataType::Bytea, Value::Bytea(b)) => bytea::format_bytea(b, opts.bytea_hex),
        (DataType::Date, Value::Date(d)) => match opts.datestyle {
            DateStyle::Iso => datetime::format_date(*d),
            DateStyle::Postgres => datestyle::format_date(*d),
        },
        (DataType::Time, Value::Time(t)) => datetime::format_time(*t),
        (DataType::Timestamp, Value::Timestamp(t)) => match opts.datestyle {
            DateStyle::Iso => datetime::format_timestamp(*t),
            DateStyle::Postgres => datestyle::format_timestamp(*t),
        },
        (DataType::Timestamptz, Value::Timestamptz(t)) => match opts.datestyle {
            DateStyle::Iso => datetime::format_timestamptz(*t, opts.timezone),
            DateStyle::Postgres => datestyle::format_timestamptz(*t, opts.timezone),
        },
        (DataType::Interval, Value::Interval(i)) => interval::format_interval(i),
        (DataType::Uuid, Value::Uuid(u)) => uuid::format_uuid(u),
        (DataType::Json, Value::Json(s)) => s.clone(),
        (DataType::Jsonb, Value::Jsonb(s)) => s.clone(),
        (DataType::Array(elem), Value::Array(items)) => array::format_array(items, elem, opts)?,
        (DataType::Cstring | DataType::Bit(_), Value::Text(s)) => s.clone(),
        (DataType::User { .. }, v) if representation_of(v).is_some() => {
            let repr = representation_of(v).unwrap_or(DataType::Text);
            return format_text(v, &repr, opts);
        }
        _ => return Err(errors::value_type_mismatch(value, ty)),
    };
    Ok(s)
}
