//! Set-returning functions in a select list: `SELECT generate_series(1, 3)`.
//!
//! While a select list is bound, [`Binder::srfs`] collects its
//! set-returning calls. Each call binds to a placeholder column
//! ([`SRF_SLOT`] + its position), because where its result will sit in the
//! row is known only once the whole list is bound (window functions and
//! aggregates change the width of the row below). [`project_set`] then puts
//! a [`Plan::ProjectSet`] over the input and renumbers the placeholders to
//! the columns it appends.
//!
//! ```text
//!   Project  x, slot0 + 1          ->  Project  x, #1 + 1
//!     <input: x>                         ProjectSet  generate_series(1, x) -> #1
//!                                          <input: x>
//! ```
//!
//! Anywhere else (WHERE, HAVING, aggregate arguments, VALUES, ...) a
//! set-returning function is refused with feature_not_supported, as
//! PostgreSQL does.

use super::Binder;
use crate::expr::Expr;
use crate::output::Column;
use crate::plan::{Plan, SrfCall};
use aiondb_core::{DataType, DbError, DbResult, SqlState};

/// The first placeholder column of a select list's set-returning calls;
/// no real row is this wide.
const SRF_SLOT: usize = 1 << 40;

/// The refusal where no clause names itself.
pub(super) const NOT_ALLOWED_HERE: &str = "set-returning functions are not allowed here";
pub(super) const IN_WHERE: &str = "set-returning functions are not allowed in WHERE";
pub(super) const IN_HAVING: &str = "set-returning functions are not allowed in HAVING";
pub(super) const IN_AGGREGATE: &str =
    "aggregate function calls cannot contain set-returning function calls";
pub(super) const IN_WINDOW: &str =
    "window function calls cannot contain set-returning function calls";

fn not_allowed(message: &str) -> DbError {
    DbError::new(SqlState::FEATURE_NOT_SUPPORTED, message)
}

fn reads_placeholder(e: &Expr) -> bool {
    let found = std::cell::Cell::new(false);
    e.clone().map_columns(&|i| {
        if i >= SRF_SLOT {
            found.set(true);
        }
        i
    });
    found.get()
}

impl Binder<'_> {
    /// Binds a set-returning call `name(args)` met in an expression.
    pub(super) fn set_returning_call(&mut self, name: &str, args: Vec<Expr>) -> DbResult<Expr> {
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let ty = crate::func::table_function_type(name, &types)?;
        let Some(calls) = self.srfs.as_mut() else {
            return Err(not_allowed(self.srf_refusal));
        };
        if args.iter().any(reads_placeholder) {
            return Err(not_allowed(
                "set-returning functions as arguments of set-returning functions are not supported",
            ));
        }
        calls.push(SrfCall {
            name: name.to_string(),
            args,
            ty: ty.clone(),
        });
        Ok(Expr::Column(SRF_SLOT + calls.len() - 1, ty))
    }

    /// Runs `bind` with set-returning functions refused with `refusal`
    /// (WHERE, HAVING, aggregate and window arguments, trial bindings).
    pub(super) fn without_srfs<T>(
        &mut self,
        refusal: &'static str,
        bind: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let srfs = self.srfs.take();
        let outer_refusal = std::mem::replace(&mut self.srf_refusal, refusal);
        let out = bind(self);
        self.srfs = srfs;
        self.srf_refusal = outer_refusal;
        out
    }
}

/// Puts `calls` (if any) over `plan` as a ProjectSet and points the
/// placeholder columns in `exprs` at the columns it appends.
pub(super) fn project_set<'e>(
    plan: Plan,
    calls: Vec<SrfCall>,
    exprs: impl IntoIterator<Item = &'e mut Expr>,
) -> Plan {
    if calls.is_empty() {
        return plan;
    }
    let mut columns = plan.columns();
    let base = columns.len();
    for e in exprs {
        e.map_columns(&|i| {
            if i >= SRF_SLOT {
                i - SRF_SLOT + base
            } else {
                i
            }
        });
    }
    columns.extend(
        calls
            .iter()
            .map(|c| Column::computed(c.name.clone(), c.ty.clone())),
    );
    Plan::ProjectSet {
        input: Box::new(plan),
        calls,
        columns,
    }
}
