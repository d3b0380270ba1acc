//! Array subscripts: `a[i]`, bound as calls of the internal function
//! `__subscript(array, index)` (1-based; out of range gives NULL).
//! Slices (`a[1:2]`) are not supported yet.

use super::{Binder, Scope};
use crate::expr::Expr;
use aiondb_core::{DataType, DbError, DbResult, SqlState};
use sqlparser::ast::{self, AccessExpr, Subscript};

impl Binder<'_> {
    /// `root[i][j]...`.
    pub(super) fn subscript(
        &mut self,
        root: &ast::Expr,
        chain: &[AccessExpr],
        scope: &Scope,
    ) -> DbResult<Expr> {
        let mut e = self.bind_expr(root, scope)?;
        for access in chain {
            let AccessExpr::Subscript(Subscript::Index { index }) = access else {
                return Err(DbError::not_supported(format!("expression {access}")));
            };
            let ty = e.data_type();
            let DataType::Array(elem) = ty else {
                return Err(DbError::new(
                    SqlState::DATATYPE_MISMATCH,
                    format!("cannot subscript type {ty} because it does not support subscripting"),
                ));
            };
            let idx = self.bind_expr(index, scope)?;
            let idx = self.coerce_to(idx, &DataType::Int4)?;
            e = Expr::Func {
                name: "__subscript".into(),
                args: vec![e, idx],
                ty: *elem,
            };
        }
        Ok(e)
    }
}
