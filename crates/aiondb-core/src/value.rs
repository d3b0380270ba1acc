//! One SQL datum, and rows of them.

use crate::{Interval, Numeric};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

/// A row: values in column order.
pub type Row = Vec<Value>;

/// One SQL datum. Date and time values use PostgreSQL's internal encoding:
/// days or microseconds since 2000-01-01 (timestamptz in UTC), so the binary
/// wire format is a copy, and ordering is integer ordering.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Value {
    Null,
    Bool(bool),
    Int2(i16),
    Int4(i32),
    Int8(i64),
    Float4(f32),
    Float8(f64),
    Numeric(Numeric),
    /// text, varchar and char.
    Text(String),
    Bytea(Vec<u8>),
    /// Days since 2000-01-01.
    Date(i32),
    /// Microseconds since midnight.
    Time(i64),
    /// Microseconds since 2000-01-01 00:00:00 (no time zone).
    Timestamp(i64),
    /// Microseconds since 2000-01-01 00:00:00 UTC.
    Timestamptz(i64),
    Interval(Interval),
    Uuid([u8; 16]),
    /// json: the text as given.
    Json(String),
    /// jsonb: the normalized text.
    Jsonb(String),
    /// A one-dimensional array.
    Array(Vec<Value>),
}

impl Value {
    /// True for SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int2(_) => 2,
            Value::Int4(_) => 3,
            Value::Int8(_) => 4,
            Value::Float4(_) => 5,
            Value::Float8(_) => 6,
            Value::Numeric(_) => 7,
            Value::Text(_) => 8,
            Value::Bytea(_) => 9,
            Value::Date(_) => 10,
            Value::Time(_) => 11,
            Value::Timestamp(_) => 12,
            Value::Timestamptz(_) => 13,
            Value::Interval(_) => 14,
            Value::Uuid(_) => 15,
            Value::Json(_) => 16,
            Value::Jsonb(_) => 17,
            Value::Array(_) => 18,
        }
    }
}

/// Float order as PostgreSQL sorts it: NaN equal to itself and above every
/// other value, `-0.0 == 0.0`.
fn float_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

fn float_hash<H: Hasher>(v: f64, state: &mut H) {
    if v.is_nan() {
        u64::MAX.hash(state);
    } else if v == 0.0 {
        0u64.hash(state);
    } else {
        v.to_bits().hash(state);
    }
}

impl Ord for Value {
    /// Total order: NULL first, then by type, then by value within a type.
    /// Only same-typed values are ever compared in keys; SQL comparison with
    /// NULL semantics and cross-type promotion lives in the SQL layer.
    fn cmp(&self, other: &Value) -> Ordering {
        use Value::*;
        match (self, other) {
            (Null, Null) => Ordering::Equal,
            (Bool(a), Bool(b)) => a.cmp(b),
            (Int2(a), Int2(b)) => a.cmp(b),
            (Int4(a), Int4(b)) => a.cmp(b),
            (Int8(a), Int8(b)) => a.cmp(b),
            (Float4(a), Float4(b)) => float_cmp(*a as f64, *b as f64),
            (Float8(a), Float8(b)) => float_cmp(*a, *b),
            (Numeric(a), Numeric(b)) => a.cmp(b),
            (Text(a), Text(b)) => a.cmp(b),
            (Bytea(a), Bytea(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (Time(a), Time(b)) => a.cmp(b),
            (Timestamp(a), Timestamp(b)) => a.cmp(b),
            (Timestamptz(a), Timestamptz(b)) => a.cmp(b),
            (Interval(a), Interval(b)) => a.cmp(b),
            (Uuid(a), Uuid(b)) => a.cmp(b),
            (Json(a), Json(b)) => a.cmp(b),
            (Jsonb(a), Jsonb(b)) => a.cmp(b),
            (Array(a), Array(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
        match self {
            Value::Null => {}
            Value::Bool(v) => v.hash(state),
            Value::Int2(v) => v.hash(state),
            Value::Int4(v) => v.hash(state),
            Value::Int8(v) => v.hash(state),
            Value::Float4(v) => float_hash(*v as f64, state),
            Value::Float8(v) => float_hash(*v, state),
            Value::Numeric(v) => v.hash(state),
            Value::Text(v) | Value::Json(v) | Value::Jsonb(v) => v.hash(state),
            Value::Bytea(v) => v.hash(state),
            Value::Date(v) => v.hash(state),
            Value::Time(v) | Value::Timestamp(v) | Value::Timestamptz(v) => v.hash(state),
            Value::Interval(v) => v.hash(state),
            Value::Uuid(v) => v.hash(state),
            Value::Array(v) => v.hash(state),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn hash_of(v: &Value) -> u64 {
        let mut h = DefaultHasher::new();
        v.hash(&mut h);
        h.finish()
    }

    #[test]
    fn floats_order_like_postgres() {
        assert!(Value::Float8(f64::NAN) > Value::Float8(f64::INFINITY));
        assert_eq!(Value::Float8(-0.0), Value::Float8(0.0));
        assert_eq!(hash_of(&Value::Float8(-0.0)), hash_of(&Value::Float8(0.0)));
        assert_eq!(Value::Float8(f64::NAN), Value::Float8(f64::NAN));
    }

    #[test]
    fn null_sorts_first_and_types_do_not_mix() {
        assert!(Value::Null < Value::Int4(i32::MIN));
        assert!(Value::Int4(5) < Value::Int4(6));
        assert_ne!(Value::Int4(1), Value::Int8(1));
    }

    #[test]
    fn numeric_hash_ignores_scale() {
        let a = Value::Numeric("1.0".parse().expect("numeric"));
        let b = Value::Numeric("1.000".parse().expect("numeric"));
        assert_eq!(a, b);
        assert_eq!(hash_of(&a), hash_of(&b));
    }
}
