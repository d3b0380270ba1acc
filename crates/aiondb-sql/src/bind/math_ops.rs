//! PostgreSQL's mathematical operators without a SQL-standard spelling:
//! prefix `@` (absolute value), `|/` (square root), `||/` (cube root) and
//! infix `^` (exponentiation). Each is bound as a call of the built-in
//! function behind it in `pg_operator`:
//!
//! ```text
//! @ x     abs(x)          int2, int4, int8, float4, float8, numeric
//! |/ x    sqrt(x::float8) float8 only (dsqrt)
//! ||/ x   cbrt(x::float8) float8 only (dcbrt)
//! x ^ y   power(x, y)     float8 ^ float8, or numeric ^ numeric when a
//!                         side is numeric and neither is a float
//! ```

use super::Binder;
use crate::expr::Expr;
use aiondb_core::{DataType, DbError, DbResult, SqlState};

fn is_number(t: &DataType) -> bool {
    t.is_numeric() || *t == DataType::Unknown
}

fn is_float(t: &DataType) -> bool {
    matches!(t, DataType::Float4 | DataType::Float8)
}

/// `operator does not exist: <shown>` (42883), as PostgreSQL words it.
fn no_operator(shown: String) -> DbError {
    DbError::new(
        SqlState::UNDEFINED_FUNCTION,
        format!("operator does not exist: {shown}"),
    )
    .with_hint(
        "No operator matches the given name and argument types. You might need to add explicit type casts.",
    )
}

impl Binder<'_> {
    /// A prefix math operator (`@`, `|/`, `||/`) applied to `inner`.
    pub(super) fn prefix_math(&mut self, symbol: &str, inner: Expr) -> DbResult<Expr> {
        let t = inner.data_type();
        if !is_number(&t) {
            return Err(no_operator(format!("{symbol} {t}")));
        }
        match symbol {
            "@" => {
                let inner = match t {
                    DataType::Unknown => self.coerce_to(inner, &DataType::Float8)?,
                    _ => inner,
                };
                self.call("abs", vec![inner])
            }
            "|/" | "||/" => {
                let inner = self.coerce_to(inner, &DataType::Float8)?;
                self.call(if symbol == "|/" { "sqrt" } else { "cbrt" }, vec![inner])
            }
            other => Err(DbError::not_supported(format!("operator {other}"))),
        }
    }

    /// `l ^ r`.
    pub(super) fn power_operator(&mut self, l: Expr, r: Expr) -> DbResult<Expr> {
        let (lt, rt) = (l.data_type(), r.data_type());
        if !is_number(&lt) || !is_number(&rt) {
            return Err(no_operator(format!("{lt} ^ {rt}")));
        }
        let numeric = |t: &DataType| matches!(t, DataType::Numeric(_));
        let target = if (numeric(&lt) || numeric(&rt)) && !is_float(&lt) && !is_float(&rt) {
            DataType::Numeric(None)
        } else {
            DataType::Float8
        };
        let l = self.coerce_to(l, &target)?;
        let r = self.coerce_to(r, &target)?;
        self.call("power", vec![l, r])
    }
}
