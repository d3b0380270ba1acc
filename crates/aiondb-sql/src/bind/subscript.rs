//! Array subscripts: `a[i]`, bound as calls of the internal function
//! `__subscript(array, index...)` (1-based; out of range gives NULL).
//! Arrays are one-dimensional, so more than one subscript gives NULL.
//! Slices (`a[1:2]`) are not supported yet.

use super::{Binder, Scope};
use crate::expr::Expr;
use aiondb_core::{DataType, DbError, DbResult, SqlState};
use sqlparser::ast::{self, AccessExpr, Subscript};

impl Binder<'_> {
    /// `root[i][j]...`, also `t.col[i]` (sqlparser puts `.col` in the chain).
    pub(super) fn subscript(
        &mut self,
        root: &ast::Expr,
        chain: &[AccessExpr],
        scope: &Scope,
    ) -> DbResult<Expr> {
        let dots = chain
            .iter()
            .take_while(|a| matches!(a, AccessExpr::Dot(ast::Expr::Identifier(_))))
            .count();
        let e = match root {
            ast::Expr::Identifier(first) if dots > 0 => {
                let mut parts = vec![first.clone()];
                for a in &chain[..dots] {
                    if let AccessExpr::Dot(ast::Expr::Identifier(i)) = a {
                        parts.push(i.clone());
                    }
                }
                self.bind_expr(&ast::Expr::CompoundIdentifier(parts), scope)?
            }
            _ if dots > 0 => {
                return Err(DbError::not_supported(format!(
                    "field selection {}",
                    chain[0]
                )));
            }
            _ => self.bind_expr(root, scope)?,
        };
        let ty = e.data_type();
        let DataType::Array(elem) = ty else {
            return Err(DbError::new(
                SqlState::DATATYPE_MISMATCH,
                format!("cannot subscript type {ty} because it does not support subscripting"),
            ));
        };
        // All subscripts index the one array, one per dimension.
        let mut args = vec![e];
        for access in &chain[dots..] {
            let AccessExpr::Subscript(Subscript::Index { index }) = access else {
                return Err(DbError::not_supported(format!(
                    "array slices or field selection {access}"
                )));
            };
            let idx = self.bind_expr(index, scope)?;
            args.push(self.coerce_to(idx, &DataType::Int4)?);
        }
        Ok(Expr::Func {
            name: "__subscript".into(),
            args,
            ty: *elem,
        })
    }
}
