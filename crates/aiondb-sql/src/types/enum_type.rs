//! Enum types (CREATE TYPE .. AS ENUM): values are their labels, carried
//! as text; the type ([`EnumType`]) lists the labels in declaration
//! order, which is the sort order (PostgreSQL's `enumsortorder` for enums
//! never altered). Input accepts only a declared label (22P02).

use aiondb_core::{DbError, DbResult, EnumType, SqlState, Value};
use std::cmp::Ordering;

/// `enum_in`: the label itself, if `e` declares it.
pub fn parse_label(input: &str, e: &EnumType) -> DbResult<String> {
    if e.labels.iter().any(|l| l == input) {
        return Ok(input.to_string());
    }
    Err(DbError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        format!("invalid input value for enum {}: \"{input}\"", e.name),
    ))
}

/// The declaration position of a label (its sort key).
pub fn position(e: &EnumType, v: &Value) -> DbResult<usize> {
    match v {
        Value::Text(s) => e.labels.iter().position(|l| l == s).ok_or_else(|| {
            DbError::new(
                SqlState::INVALID_TEXT_REPRESENTATION,
                format!("invalid input value for enum {}: \"{s}\"", e.name),
            )
        }),
        other => Err(DbError::internal(format!(
            "enum {} holds a non-label value {other:?}",
            e.name
        ))),
    }
}

/// Orders two labels of `e` by declaration.
pub fn compare(e: &EnumType, l: &Value, r: &Value) -> DbResult<Ordering> {
    Ok(position(e, l)?.cmp(&position(e, r)?))
}

/// `enum_range(anyenum)` with no bounds: every label.
pub fn all_labels(e: &EnumType) -> Value {
    Value::Array(e.labels.iter().cloned().map(Value::Text).collect())
}

/// `enum_range(lower, upper)`: the labels between two (NULL = open end).
pub fn label_range(e: &EnumType, lower: &Value, upper: &Value) -> DbResult<Value> {
    let from = match lower {
        Value::Null => 0,
        v => position(e, v)?,
    };
    let to = match upper {
        Value::Null => e.labels.len(),
        v => position(e, v)? + 1,
    };
    Ok(Value::Array(
        e.labels
            .iter()
            .enumerate()
            .filter(|(i, _)| *i >= from && *i < to)
            .map(|(_, l)| Value::Text(l.clone()))
            .collect(),
    ))
}

/// Name of the internal function giving an enum value's sort position
/// (never a valid identifier).
pub const ENUM_ORD: &str = "\u{0}enum_ord";

/// A sort key over `e`: an enum sorts by declaration position, not by
/// its label's text.
pub(crate) fn sortable(e: crate::expr::Expr) -> crate::expr::Expr {
    match e.data_type() {
        aiondb_core::DataType::Enum(_) => crate::expr::Expr::Func {
            name: ENUM_ORD.into(),
            args: vec![e],
            ty: aiondb_core::DataType::Int4,
        },
        _ => e,
    }
}

/// Evaluates `enum_range`, `enum_first`, `enum_last` (which read only
/// their argument's type when it is NULL) or [`ENUM_ORD`].
pub fn call(name: &str, args: &[Value], types: &[aiondb_core::DataType]) -> DbResult<Value> {
    let e = types.iter().find_map(|t| match t {
        aiondb_core::DataType::Enum(e) => Some(e),
        _ => None,
    });
    let Some(e) = e else {
        return Err(DbError::internal(format!("{name} called without an enum")));
    };
    Ok(match (name, args) {
        (ENUM_ORD, [Value::Null]) => Value::Null,
        (ENUM_ORD, [v]) => Value::Int4(i32::try_from(position(e, v)?).unwrap_or(i32::MAX)),
        ("enum_first", _) => end_label(e, false),
        ("enum_last", _) => end_label(e, true),
        (_, [lower, upper]) => label_range(e, lower, upper)?,
        _ => all_labels(e),
    })
}

/// `enum_first` / `enum_last`.
pub fn end_label(e: &EnumType, last: bool) -> Value {
    let l = if last {
        e.labels.last()
    } else {
        e.labels.first()
    };
    l.cloned().map(Value::Text).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mood() -> EnumType {
        EnumType {
            oid: 1,
            name: "mood".into(),
            labels: vec!["sad".into(), "ok".into(), "happy".into()],
        }
    }

    #[test]
    fn labels_order_by_declaration() {
        let e = mood();
        let o = compare(&e, &Value::Text("happy".into()), &Value::Text("sad".into()));
        assert_eq!(o.ok(), Some(Ordering::Greater));
    }

    #[test]
    fn unknown_label_is_22p02() {
        let err = parse_label("meh", &mood()).err().map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("invalid input value for enum mood: \"meh\"")
        );
    }

    #[test]
    fn range_between_labels() {
        let e = mood();
        let v = label_range(&e, &Value::Text("ok".into()), &Value::Null).ok();
        assert_eq!(
            v,
            Some(Value::Array(vec![
                Value::Text("ok".into()),
                Value::Text("happy".into())
            ]))
        );
    }
}
