//! CREATE TYPE .. AS ENUM, and DROP TYPE / DROP DOMAIN of user types.
//!
//! Dropping a type that a table column, function or operator uses is
//! refused (2BP01) unless CASCADE, which drops the functions and
//! operators with it; a column of the type is still refused (0A000), as
//! dropping columns by cascade is not supported.

use crate::output::SqlContext;
use crate::parse::object_name;
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId};
use aiondb_storage::{EnumSchema, ObjectKind, UserObject};
use sqlparser::ast;

/// CREATE TYPE name AS ENUM ('a', 'b', ...).
pub fn create_enum(
    ctx: &mut SqlContext<'_>,
    name: &ast::ObjectName,
    labels: &[ast::Ident],
) -> DbResult<String> {
    let (schema, name) = object_name(name);
    let schema = super::schema_name(ctx, schema, false)?;
    super::domain::require_new_type(ctx, &schema, &name)?;
    let mut seen: Vec<String> = Vec::new();
    for l in labels {
        let label = l.value.clone();
        if label.is_empty() || label.len() > 63 {
            return Err(DbError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("invalid enum label \"{label}\""),
            )
            .with_detail("Labels must be 63 bytes or less."));
        }
        if seen.contains(&label) {
            return Err(DbError::new(
                SqlState::UNIQUE_VIOLATION,
                format!("enum label \"{label}\" already exists"),
            ));
        }
        seen.push(label);
    }
    ctx.txn.put_object(UserObject {
        id: TableId(0),
        database: ctx.database,
        schema,
        name,
        kind: ObjectKind::Enum(EnumSchema { labels: seen }),
    })?;
    Ok("CREATE TYPE".into())
}

/// Whether `t` is, or is an array of, the user type with this oid.
fn uses_type(t: &DataType, oid: u32) -> bool {
    match t {
        DataType::Domain(d) => d.oid == oid || uses_type(&d.base, oid),
        DataType::Enum(e) => e.oid == oid,
        DataType::Array(e) => uses_type(e, oid),
        _ => false,
    }
}

/// DROP TYPE / DROP DOMAIN of each name; `domain_only` for DROP DOMAIN
/// (an enum is then "not a domain").
pub fn drop_types(
    ctx: &mut SqlContext<'_>,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
    domain_only: bool,
) -> DbResult<String> {
    let tag = if domain_only {
        "DROP DOMAIN"
    } else {
        "DROP TYPE"
    };
    for n in names {
        let text = n.to_string();
        let catalog = ctx.txn.catalog();
        let Some(object) =
            crate::type_names::lookup(&catalog, ctx.database, ctx.search_path, &text).cloned()
        else {
            let (_, bare) = object_name(n);
            if if_exists {
                ctx.notice(format!("type \"{bare}\" does not exist, skipping"));
                continue;
            }
            return Err(DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("type \"{bare}\" does not exist"),
            ));
        };
        if domain_only && !matches!(object.kind, ObjectKind::Domain(_)) {
            return Err(DbError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("\"{}\" is not a domain", object.name),
            ));
        }
        let oid = object.id.0;
        let mut dependents: Vec<(String, Option<TableId>, bool)> = Vec::new();
        for t in catalog
            .tables
            .values()
            .filter(|t| t.database == ctx.database)
        {
            for c in t.columns.iter().filter(|c| uses_type(&c.data_type, oid)) {
                dependents.push((
                    format!("column {} of table {}", c.name, t.name),
                    None,
                    false,
                ));
            }
        }
        for f in catalog.functions.values().filter(|f| {
            f.database == ctx.database
                && (f.args.iter().any(|a| uses_type(&a.data_type, oid))
                    || f.returns.as_ref().is_some_and(|r| uses_type(r, oid)))
        }) {
            let args: Vec<String> = f.args.iter().map(|a| a.data_type.to_string()).collect();
            dependents.push((
                format!("function {}({})", f.name, args.join(",")),
                Some(f.id),
                true,
            ));
        }
        for o in catalog.objects.values() {
            let uses = match &o.kind {
                ObjectKind::Operator(op) => {
                    op.left.as_ref().is_some_and(|l| uses_type(l, oid)) || uses_type(&op.right, oid)
                }
                ObjectKind::Domain(d) => uses_type(&d.base, oid),
                ObjectKind::Enum(_) => false,
            };
            if uses && o.id != object.id {
                let what = match &o.kind {
                    ObjectKind::Operator(_) => format!("operator {}", o.name),
                    _ => format!("type {}", o.name),
                };
                dependents.push((what, Some(o.id), false));
            }
        }
        if !dependents.is_empty() && !cascade {
            let detail: Vec<String> = dependents
                .iter()
                .map(|(what, _, _)| format!("{what} depends on type {}", object.name))
                .collect();
            return Err(DbError::new(
                SqlState::from_static("2BP01"),
                format!(
                    "cannot drop type {} because other objects depend on it",
                    object.name
                ),
            )
            .with_detail(detail.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        for (what, id, is_function) in &dependents {
            match id {
                None => {
                    return Err(DbError::not_supported(format!(
                        "DROP ... CASCADE of {what} is not supported"
                    )));
                }
                Some(id) => {
                    ctx.notice(format!("drop cascades to {what}"));
                    if *is_function {
                        ctx.txn.drop_function(*id)?;
                    } else {
                        ctx.txn.drop_object(*id)?;
                    }
                }
            }
        }
        ctx.txn.drop_object(object.id)?;
    }
    Ok(tag.into())
}
