//! DROP AGGREGATE, ALTER AGGREGATE ... RENAME TO and COMMENT ON
//! AGGREGATE: finding an aggregate by its signature, and the dependency
//! of aggregates on the user functions they call (DROP FUNCTION refuses
//! to drop one in use unless it cascades).

use super::define::{signature_text, signature_types};
use super::parse::{QualifiedName, Signature};
use crate::output::SqlContext;
use aiondb_core::{DbError, DbResult, SqlState, TableId};
use aiondb_storage::{AggregateArgType, AggregateSchema};
use std::sync::Arc;

/// `name(types)` as PostgreSQL's format_procedure shows it (no space
/// after the commas).
pub fn describe(a: &AggregateSchema) -> String {
    let types: Vec<String> = a.args.iter().map(super::define::type_text).collect();
    format!("{}({})", a.name, types.join(","))
}

/// `name(types)` as error messages about a signature show it (`*` for
/// no arguments).
fn shown(name: &str, sig: &Signature, types: &[AggregateArgType]) -> String {
    if sig.star {
        format!("{name}(*)")
    } else {
        signature_text(name, types)
    }
}

/// The aggregate `name(sig)`; Ok(None) when there is none.
fn find(
    ctx: &SqlContext<'_>,
    name: &QualifiedName,
    sig: &Signature,
) -> DbResult<(Option<Arc<AggregateSchema>>, String)> {
    let (types, _, _) = signature_types(sig)?;
    let catalog = ctx.txn.catalog();
    let schemas: Vec<String> = match &name.schema {
        Some(s) => vec![crate::namespace::qualifier(ctx.search_path, s).to_string()],
        None => ctx.search_path.to_vec(),
    };
    let text = shown(&name.name, sig, &types);
    for s in &schemas {
        if let Some(a) = catalog
            .aggregates_named(ctx.database, s, &name.name)
            .find(|a| a.args == types)
        {
            return Ok((Some(a.clone()), text));
        }
        if catalog
            .functions_named(ctx.database, s, &name.name)
            .any(|f| {
                f.args.len() == types.len()
                    && f.args
                        .iter()
                        .zip(&types)
                        .all(|(a, t)| AggregateArgType::Type(a.data_type.clone()) == *t)
            })
        {
            return Err(DbError::new(
                SqlState::from_static("42809"),
                format!(
                    "function {} is not an aggregate",
                    signature_text(&name.name, &types)
                ),
            ));
        }
    }
    Ok((None, text))
}

fn missing(text: &str) -> DbError {
    DbError::new(
        SqlState::UNDEFINED_FUNCTION,
        format!("aggregate {text} does not exist"),
    )
}

/// DROP AGGREGATE [IF EXISTS] name(args) [, ...].
pub(super) fn drop(
    ctx: &mut SqlContext<'_>,
    if_exists: bool,
    targets: &[(QualifiedName, Signature)],
) -> DbResult<String> {
    for (name, sig) in targets {
        match find(ctx, name, sig)? {
            (Some(a), _) => ctx.txn.drop_aggregate(a.id)?,
            (None, text) if if_exists => {
                ctx.notice(format!("aggregate {text} does not exist, skipping"));
            }
            (None, text) => return Err(missing(&text)),
        }
    }
    Ok("DROP AGGREGATE".into())
}

/// ALTER AGGREGATE name(args) RENAME TO new_name.
pub(super) fn rename(
    ctx: &mut SqlContext<'_>,
    name: &QualifiedName,
    sig: &Signature,
    new_name: &str,
) -> DbResult<String> {
    let (Some(a), _) = find(ctx, name, sig)? else {
        let (_, text) = find(ctx, name, sig)?;
        return Err(missing(&text));
    };
    let mut renamed = (*a).clone();
    renamed.name = new_name.to_string();
    ctx.txn.update_aggregate(renamed)?;
    Ok("ALTER AGGREGATE".into())
}

/// COMMENT ON AGGREGATE name(args) IS 'text' | NULL.
pub(super) fn comment(
    ctx: &mut SqlContext<'_>,
    name: &QualifiedName,
    sig: &Signature,
    comment: Option<&str>,
) -> DbResult<String> {
    let (a, text) = find(ctx, name, sig)?;
    let Some(a) = a else {
        return Err(missing(&text));
    };
    let mut commented = (*a).clone();
    commented.description = comment.filter(|c| !c.is_empty()).map(str::to_string);
    ctx.txn.update_aggregate(commented)?;
    Ok("COMMENT".into())
}

/// The aggregates that use user function `f`.
pub fn aggregates_using(ctx: &SqlContext<'_>, f: TableId) -> Vec<Arc<AggregateSchema>> {
    ctx.txn
        .catalog()
        .aggregates
        .values()
        .filter(|a| a.uses_function(f))
        .cloned()
        .collect()
}
