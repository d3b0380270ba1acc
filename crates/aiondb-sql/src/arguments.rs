//! The values of a statement's arguments given as SQL expressions, as in
//! `EXECUTE name (1 + 1, 'text', now())`: each is bound with no table in
//! scope, coerced to the parameter's type (an untyped literal is read as
//! that type, as PostgreSQL does) and evaluated once.

use crate::bind::{Binder, Scope};
use crate::output::SqlContext;
use aiondb_core::{DataType, DbResult, Value};
use sqlparser::ast;

/// Evaluates `args` as values of `types` (an unknown type means text).
pub fn evaluate_arguments(
    ctx: &mut SqlContext<'_>,
    args: &[ast::Expr],
    types: &[DataType],
) -> DbResult<Vec<Value>> {
    let mut b = Binder::new(ctx.txn.catalog(), ctx.database, ctx.search_path, Vec::new());
    let scope = Scope::default();
    let mut bound = Vec::with_capacity(args.len());
    for (arg, ty) in args.iter().zip(types) {
        let x = b.bind_expr(arg, &scope)?;
        let ty = match ty {
            DataType::Unknown => DataType::Text,
            t => t.clone(),
        };
        bound.push(b.coerce_to(x, &ty)?);
    }
    drop(b);
    let mut exec = crate::statement::executor(ctx, &[]);
    let no_row = Vec::new();
    bound.iter().map(|x| exec.eval(x, &no_row)).collect()
}
