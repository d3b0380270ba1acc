//! Hash lookup of join candidates for equi-joins.
//!
//! A join whose ON clause has conjuncts `left_col = right_col` need not try
//! every right row for every left row. The executor builds a hash index of
//! the (already materialized) right rows on the right-hand columns, and a
//! left row only meets the right rows with equal key values. The whole ON
//! clause is still evaluated on each candidate, so the index only has to
//! never miss a row the predicate would accept:
//!
//! ```text
//!   right rows --(key columns)--> HashMap<key, [row positions, ascending]>
//!   left row   --(key columns)--> candidates --(full ON)--> joined rows
//! ```
//!
//! Invariants:
//! - Candidates come in right-row order, so the join emits the same rows in
//!   the same order as the nested loop it replaces (RIGHT/FULL joins keep
//!   their "matched" marks by position).
//! - A key is only used where `Value` equality is SQL `=`: both sides in
//!   one comparable class (integers, floats, text-like, or one other exact
//!   type), integers widened to int8 and float4 to float8. char(n),
//!   interval, json and arrays, whose `=` is not plain value equality,
//!   never hash.
//! - A key side is a plain column, or a cast that cannot fail or change
//!   the value's equality (integer or float widening, to unbounded text):
//!   building the index evaluates nothing that could raise an error.
//! - A NULL key never matches (`=` is never true on NULL), so such rows
//!   are left out of the index and a left row with one has no candidates.
//!
//! [`ValueSet`] applies the same rules to `x IN (uncorrelated subquery)`:
//! the subquery's values are hashed once per statement.

use crate::expr::{BinOp, Expr};
use aiondb_core::{DataType, Row, Value};
use std::collections::{HashMap, HashSet};

/// Right rows by key, for one join.
pub(crate) struct HashIndex {
    /// (left column, right column relative to the right row) per key part.
    keys: Vec<(usize, usize)>,
    rows: HashMap<Vec<Value>, Vec<usize>>,
}

impl HashIndex {
    /// An index over `right` for the equi-join conjuncts of `on`; None when
    /// it has none usable. Left columns are `0..left_width`.
    pub(crate) fn build(on: &Expr, left_width: usize, right: &[Row]) -> Option<HashIndex> {
        let mut conj = Vec::new();
        crate::bind::from::conjuncts(on, &mut conj);
        let keys: Vec<(usize, usize)> = conj
            .iter()
            .filter_map(|c| equi_key(c, left_width))
            .collect();
        if keys.is_empty() {
            return None;
        }
        let mut rows: HashMap<Vec<Value>, Vec<usize>> = HashMap::new();
        for (i, r) in right.iter().enumerate() {
            if let Some(k) = key_of(r, keys.iter().map(|&(_, rc)| rc)) {
                rows.entry(k).or_default().push(i);
            }
        }
        Some(HashIndex { keys, rows })
    }

    /// Positions of the right rows that may join `left`, ascending.
    pub(crate) fn candidates(&self, left: &Row) -> &[usize] {
        key_of(left, self.keys.iter().map(|&(lc, _)| lc))
            .and_then(|k| self.rows.get(&k))
            .map_or(&[], Vec::as_slice)
    }
}

/// The values of an uncorrelated `IN` subquery, for lookup.
pub(crate) struct ValueSet {
    values: HashSet<Value>,
    has_null: bool,
    empty: bool,
}

impl ValueSet {
    /// A set of the first column of `rows` (of type `of`), for probes of
    /// type `probe`; None when `=` between them is not value equality.
    pub(crate) fn build(rows: &[Row], of: &DataType, probe: &DataType) -> Option<ValueSet> {
        if class(of)? != class(probe)? {
            return None;
        }
        let mut set = ValueSet {
            values: HashSet::with_capacity(rows.len()),
            has_null: false,
            empty: rows.is_empty(),
        };
        for r in rows {
            match r.first() {
                None | Some(Value::Null) => set.has_null = true,
                Some(v) => {
                    set.values.insert(normalized(v.clone()));
                }
            }
        }
        Some(set)
    }

    /// `v IN (set)` with SQL's NULL rules: NULL when nothing matched and
    /// `v` or a member is NULL (an empty set is simply false).
    pub(crate) fn contains(&self, v: &Value) -> Option<bool> {
        if self.empty {
            Some(false)
        } else if v.is_null() {
            None
        } else if self.values.contains(&normalized(v.clone())) {
            Some(true)
        } else if self.has_null {
            None
        } else {
            Some(false)
        }
    }
}

fn key_of(row: &Row, columns: impl Iterator<Item = usize>) -> Option<Vec<Value>> {
    columns
        .map(|c| match row.get(c)? {
            Value::Null => None,
            v => Some(normalized(v.clone())),
        })
        .collect()
}

fn normalized(v: Value) -> Value {
    match v {
        Value::Int2(x) => Value::Int8(i64::from(x)),
        Value::Int4(x) => Value::Int8(i64::from(x)),
        Value::Float4(x) => Value::Float8(f64::from(x)),
        other => other,
    }
}

/// `(left column, right column)` of a conjunct `l = r` (either way round)
/// that can be hashed.
fn equi_key(c: &Expr, left_width: usize) -> Option<(usize, usize)> {
    let Expr::Binary {
        op: BinOp::Eq,
        left,
        right,
        ..
    } = c
    else {
        return None;
    };
    let (a, at) = key_column(left)?;
    let (b, bt) = key_column(right)?;
    if class(&at)? != class(&bt)? {
        return None;
    }
    match (a < left_width, b < left_width) {
        (true, false) => Some((a, b - left_width)),
        (false, true) => Some((b, a - left_width)),
        _ => None,
    }
}

/// The column a key side reads, with the type it is compared as.
fn key_column(e: &Expr) -> Option<(usize, DataType)> {
    match e {
        Expr::Column(i, t) => Some((*i, t.clone())),
        Expr::Cast { expr, ty } => match expr.as_ref() {
            Expr::Column(i, from) if lossless(from, ty) => Some((*i, ty.clone())),
            _ => None,
        },
        _ => None,
    }
}

/// Casts that cannot fail and keep equal values equal.
fn lossless(from: &DataType, to: &DataType) -> bool {
    use DataType as T;
    matches!(
        (from, to),
        (T::Int2, T::Int4 | T::Int8)
            | (T::Int4, T::Int8)
            | (T::Float4, T::Float8)
            | (T::Varchar(_) | T::Text, T::Text | T::Varchar(None))
    )
}

/// Types whose `=` is value equality after [`normalized`], by class.
fn class(t: &DataType) -> Option<u8> {
    use DataType as T;
    Some(match t {
        T::Int2 | T::Int4 | T::Int8 => 1,
        T::Float4 | T::Float8 => 2,
        T::Text | T::Varchar(_) => 3,
        T::Numeric(_) => 4,
        T::Bool => 5,
        T::Date => 6,
        T::Timestamp => 7,
        T::Timestamptz => 8,
        T::Time => 9,
        T::Uuid => 10,
        T::Bytea => 11,
        T::Oid => 12,
        T::Name => 13,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(a: Expr, b: Expr) -> Expr {
        Expr::Binary {
            op: BinOp::Eq,
            left: Box::new(a),
            right: Box::new(b),
            ty: DataType::Bool,
        }
    }

    #[test]
    fn candidates_are_the_equal_rows_in_order() {
        // left (a int4), right (b int8, c text): ON b = a.
        let on = eq(
            Expr::Column(1, DataType::Int8),
            Expr::Column(0, DataType::Int4),
        );
        let right: Vec<Row> = [(1, "x"), (2, "y"), (1, "z")]
            .into_iter()
            .map(|(b, c)| vec![Value::Int8(b), Value::Text(c.into())])
            .chain([vec![Value::Null, Value::Text("n".into())]])
            .collect();
        let index = HashIndex::build(&on, 1, &right).expect("hashable");
        assert_eq!(index.candidates(&vec![Value::Int4(1)]), &[0, 2]);
        assert!(index.candidates(&vec![Value::Int4(3)]).is_empty());
        assert!(index.candidates(&vec![Value::Null]).is_empty());
    }

    #[test]
    fn only_value_equality_types_hash() {
        let char_eq = eq(
            Expr::Column(0, DataType::Char(Some(3))),
            Expr::Column(1, DataType::Char(Some(3))),
        );
        assert!(HashIndex::build(&char_eq, 1, &[]).is_none());
        let mixed = eq(
            Expr::Column(0, DataType::Int4),
            Expr::Column(1, DataType::Numeric(None)),
        );
        assert!(HashIndex::build(&mixed, 1, &[]).is_none());
        let same_side = eq(
            Expr::Column(0, DataType::Int4),
            Expr::Column(1, DataType::Int4),
        );
        assert!(HashIndex::build(&same_side, 2, &[]).is_none());
    }

    #[test]
    fn value_set_follows_sql_in_null_rules() {
        let rows = |vs: Vec<Value>| -> Vec<Row> { vs.into_iter().map(|v| vec![v]).collect() };
        // An empty set: `x IN ()` is false even for a NULL probe.
        let empty = ValueSet::build(&[], &DataType::Int8, &DataType::Int4).expect("hashable");
        assert_eq!(empty.contains(&Value::Int4(1)), Some(false));
        assert_eq!(empty.contains(&Value::Null), Some(false));
        // No NULL member: a hit is true across integer widths, a miss false,
        // a NULL probe unknown.
        let plain = ValueSet::build(
            &rows(vec![Value::Int8(1), Value::Int8(2)]),
            &DataType::Int8,
            &DataType::Int4,
        )
        .expect("hashable");
        assert_eq!(plain.contains(&Value::Int4(2)), Some(true));
        assert_eq!(plain.contains(&Value::Int4(3)), Some(false));
        assert_eq!(plain.contains(&Value::Null), None);
        // A NULL member: a hit is still true, a miss becomes unknown.
        let with_null = ValueSet::build(
            &rows(vec![Value::Int8(1), Value::Null]),
            &DataType::Int8,
            &DataType::Int8,
        )
        .expect("hashable");
        assert_eq!(with_null.contains(&Value::Int8(1)), Some(true));
        assert_eq!(with_null.contains(&Value::Int8(5)), None);
        // `=` between these classes is not value equality: no set.
        assert!(ValueSet::build(&[], &DataType::Int4, &DataType::Numeric(None)).is_none());
    }
}
