//! Casts to and from user-defined base types (crate::user_types): a
//! literal is read with the type's input function (its representation's),
//! and a value crosses a `CREATE CAST ... WITHOUT FUNCTION` cast by
//! keeping its bits (the internal `__reinterpret(value, NULL::repr)`,
//! whose second argument's type names the target representation).

use super::Binder;
use crate::expr::Expr;
use crate::user_types;
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};

impl Binder<'_> {
    /// `inner::ty` where `inner` or `ty` is a user-defined type.
    pub(super) fn user_cast(&mut self, inner: Expr, ty: &DataType) -> DbResult<Expr> {
        let from = inner.data_type();
        if from == *ty {
            return Ok(inner);
        }
        match inner {
            Expr::Const(Value::Text(s), DataType::Unknown) => {
                let repr = user_types::representation(&self.catalog, ty)?;
                let v = crate::types::parse_text(&s, &repr, &Default::default())?;
                return Ok(Expr::Const(v, ty.clone()));
            }
            Expr::Const(Value::Null, DataType::Unknown) => {
                return Ok(Expr::Const(Value::Null, ty.clone()));
            }
            _ => {}
        }
        if self
            .catalog
            .cast_between(self.database, &from, ty)
            .is_none()
        {
            return Err(DbError::new(
                SqlState::from_static("42846"),
                format!("cannot cast type {from} to {ty}"),
            ));
        }
        let source = user_types::representation(&self.catalog, &from)?;
        let target = user_types::representation(&self.catalog, ty)?;
        if !user_types::binary_compatible(&source, &target) {
            return Err(DbError::not_supported(format!(
                "a binary-coercible cast between representations {source} and {target}"
            )));
        }
        Ok(Expr::Func {
            name: "__reinterpret".into(),
            args: vec![inner, Expr::Const(Value::Null, target)],
            ty: ty.clone(),
        })
    }
}
