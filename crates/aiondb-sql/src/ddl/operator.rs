//! CREATE OPERATOR / DROP OPERATOR, and binding a binary operator to a
//! user operator.
//!
//! An operator is a [`UserObject`] naming the user function that
//! implements it. The binder tries user operators first, and only on an
//! exact match of both argument types ([`Binder::user_operator`]), so an
//! operator defined on a domain replaces the base type's built-in one for
//! that domain only; any other operand types fall through to the
//! built-ins (a domain then computes as its base type).

use crate::bind::Binder;
use crate::expr::Expr;
use crate::output::SqlContext;
use crate::parse::object_name;
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId};
use aiondb_storage::{ObjectKind, OperatorSchema, UserObject};
use sqlparser::ast;

fn types_text(left: &Option<DataType>, right: &DataType) -> String {
    match left {
        Some(l) => format!("{l}, {right}"),
        None => format!("NONE, {right}"),
    }
}

fn resolve_type(ctx: &SqlContext<'_>, t: &ast::DataType) -> DbResult<DataType> {
    crate::type_names::resolve(&ctx.txn.catalog(), ctx.database, ctx.search_path, t)
}

/// CREATE OPERATOR name (FUNCTION|PROCEDURE = f, LEFTARG = t, RIGHTARG = t, ...).
pub fn create_operator(ctx: &mut SqlContext<'_>, co: &ast::CreateOperator) -> DbResult<String> {
    let (schema, name) = object_name(&co.name);
    let schema = super::schema_name(ctx, schema, false)?;
    let left = co
        .left_arg
        .as_ref()
        .map(|t| resolve_type(ctx, t))
        .transpose()?;
    let Some(right) = co.right_arg.as_ref() else {
        return Err(DbError::new(
            SqlState::from_static("42P13"),
            "operator right argument type must be specified",
        )
        .with_detail("Postfix operators are not supported."));
    };
    let right = resolve_type(ctx, right)?;
    let mut commutator = None;
    let mut negator = None;
    for o in &co.options {
        match o {
            ast::OperatorOption::Commutator(n) => commutator = Some(n.to_string()),
            ast::OperatorOption::Negator(n) => negator = Some(n.to_string()),
            other => {
                return Err(DbError::not_supported(format!(
                    "CREATE OPERATOR option {other:?} is not supported"
                )));
            }
        }
    }
    let (fschema, fname) = object_name(&co.function);
    let arg_types: Vec<DataType> = left.iter().cloned().chain([right.clone()]).collect();
    let catalog = ctx.txn.catalog();
    let schemas: Vec<String> = match fschema {
        Some(s) => vec![s],
        None => ctx.search_path.to_vec(),
    };
    let function = schemas
        .iter()
        .find_map(|s| {
            catalog
                .functions_named(ctx.database, s, &fname)
                .find(|f| f.has_arg_types(&arg_types))
        })
        .ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!(
                    "function {fname}({}) does not exist",
                    types_text(&left, &right)
                ),
            )
        })?
        .id;
    let taken = catalog.operators_named(ctx.database, &name).any(|o| {
        o.schema == schema
            && matches!(&o.kind, ObjectKind::Operator(op) if op.left == left && op.right == right)
    });
    if taken {
        return Err(DbError::new(
            SqlState::from_static("42723"),
            format!("operator {name} already exists"),
        ));
    }
    ctx.txn.put_object(UserObject {
        id: TableId(0),
        database: ctx.database,
        schema,
        name,
        kind: ObjectKind::Operator(OperatorSchema {
            left,
            right,
            function,
            commutator,
            negator,
        }),
    })?;
    Ok("CREATE OPERATOR".into())
}

/// DROP OPERATOR [IF EXISTS] name (left, right) [, ...].
pub fn drop_operators(ctx: &mut SqlContext<'_>, d: &ast::DropOperator) -> DbResult<String> {
    for sig in &d.operators {
        let (_, name) = object_name(&sig.name);
        let left = sig
            .left_type
            .as_ref()
            .map(|t| resolve_type(ctx, t))
            .transpose()?;
        let right = resolve_type(ctx, &sig.right_type)?;
        let catalog = ctx.txn.catalog();
        let found = catalog
            .operators_named(ctx.database, &name)
            .find(|o| {
                ctx.search_path.contains(&o.schema)
                    && matches!(&o.kind, ObjectKind::Operator(op) if op.left == left && op.right == right)
            })
            .map(|o| o.id);
        match found {
            Some(id) => ctx.txn.drop_object(id)?,
            None if d.if_exists => ctx.notice(format!(
                "operator {name}({}) does not exist, skipping",
                types_text(&left, &right)
            )),
            None => {
                return Err(DbError::new(
                    SqlState::UNDEFINED_FUNCTION,
                    match &left {
                        Some(l) => format!("operator does not exist: {l} {name} {right}"),
                        None => format!("operator does not exist: {name} {right}"),
                    },
                ));
            }
        }
    }
    Ok("DROP OPERATOR".into())
}

impl Binder<'_> {
    /// `l symbol r` as a call of a user operator's function, if one is
    /// defined on exactly these argument types.
    pub(crate) fn user_operator(
        &mut self,
        symbol: &str,
        l: &Expr,
        r: &Expr,
    ) -> DbResult<Option<Expr>> {
        let (lt, rt) = (l.data_type(), r.data_type());
        if !matches!(lt, DataType::Domain(_) | DataType::Enum(_))
            && !matches!(rt, DataType::Domain(_) | DataType::Enum(_))
        {
            // Operators on built-in types only shadow nothing here: the
            // built-ins win, as their resolution is exact too.
            return Ok(None);
        }
        let found = self
            .catalog
            .operators_named(self.database, symbol)
            .find_map(|o| match &o.kind {
                ObjectKind::Operator(op)
                    if op.left.as_ref() == Some(&lt)
                        && op.right == rt
                        && self.search_path.contains(&o.schema) =>
                {
                    Some(op.function)
                }
                _ => None,
            });
        let Some(fid) = found else {
            return Ok(None);
        };
        let Some(f) = self.catalog.functions.get(&fid).cloned() else {
            return Err(DbError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("cache lookup failed for function {}", fid.0),
            ));
        };
        Ok(Some(Expr::Func {
            name: format!("{}{}", crate::udf::USER_FN, f.id.0),
            args: vec![l.clone(), r.clone()],
            ty: f.returns.clone().unwrap_or(DataType::Bool),
        }))
    }
}
