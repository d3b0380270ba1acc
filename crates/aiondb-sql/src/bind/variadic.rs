//! `f(a, VARIADIC arr)`: an array passed as a variadic function's
//! trailing arguments. The parser turns the keyword into the named argument
//! `__variadic` ([`crate::parse::VARIADIC_ARG`]); the binder marks the
//! array with a `__variadic` wrapper and then binds the call as
//! `f__variadic(a, arr)`, which the executor expands into `f(a, arr[1],
//! arr[2], ...)` (see `func::call`).

use super::{Binder, Scope};
use crate::expr::Expr;
use aiondb_core::{DataType, DbError, DbResult, SqlState};
use sqlparser::ast::{self, Spanned};

/// The suffix of a function called with a VARIADIC array.
pub const VARIADIC_SUFFIX: &str = "__variadic";

/// True for the wrapper around a VARIADIC argument.
pub(super) fn is_marker(e: &Expr) -> bool {
    matches!(e, Expr::Func { name, .. } if name == "__variadic")
}

impl Binder<'_> {
    /// Binds the argument after VARIADIC, which must be an array.
    pub(super) fn variadic_arg(&mut self, e: &ast::Expr, scope: &Scope) -> DbResult<Expr> {
        let bound = self.bind_expr(e, scope)?;
        let ty = bound.data_type();
        if !matches!(ty, DataType::Array(_)) {
            let err = DbError::new(
                SqlState::DATATYPE_MISMATCH,
                "VARIADIC argument must be an array",
            );
            return Err(match crate::parse::span_position(e.span()) {
                Some(p) => err.with_position(p),
                None => err,
            });
        }
        Ok(Expr::Func {
            name: "__variadic".into(),
            args: vec![bound],
            ty,
        })
    }

    /// A call whose last argument is a VARIADIC array.
    pub(super) fn call_variadic(&mut self, name: &str, mut args: Vec<Expr>) -> DbResult<Expr> {
        if !matches!(name, "concat" | "concat_ws" | "format") {
            return Err(DbError::not_supported(format!(
                "VARIADIC arguments to function {name}"
            )));
        }
        let Some(Expr::Func { args: inner, .. }) = args.pop() else {
            return Err(DbError::internal("VARIADIC marker missing"));
        };
        let Some(array) = inner.into_iter().next() else {
            return Err(DbError::internal("VARIADIC marker without argument"));
        };
        let mut fixed = Vec::with_capacity(args.len());
        for a in args {
            fixed.push(if a.data_type() == DataType::Unknown {
                self.resolve(a, &DataType::Text)?
            } else {
                a
            });
        }
        let mut types: Vec<DataType> = fixed.iter().map(Expr::data_type).collect();
        if let DataType::Array(elem) = array.data_type() {
            types.push(*elem);
        }
        let ty = crate::func::return_type(name, &types)?;
        fixed.push(array);
        Ok(Expr::Func {
            name: format!("{name}{VARIADIC_SUFFIX}"),
            args: fixed,
            ty,
        })
    }
}
