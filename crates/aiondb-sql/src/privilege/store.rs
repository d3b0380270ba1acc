//! Schema ACLs and default privileges as rows of the system table
//! [`super::ACL_TABLE`] (database 0), read and written in the statement's
//! transaction so they commit, roll back and replay with it.
//!
//! ```text
//!   key                                   value (JSON)
//!   schema/<db>/<schema>                  {"owner":16384,"acl":[...]}
//!   default/<db>/<role oid>/<schema>      {"acl":[...]}   (schema "" = all)
//! ```
//!
//! A schema without a row belongs to the bootstrap superuser and has the
//! default ACL; `public` belongs to the database's owner and grants USAGE
//! to PUBLIC, as in PostgreSQL 15.

use super::{
    ACL_TABLE, AclItem, Actor, BOOTSTRAP_SUPERUSER, ObjectKind, PUBLIC, USAGE, default_acl,
};
use crate::output::SqlContext;
use aiondb_core::{DbError, DbResult, TableId, Value};
use serde::{Deserialize, Serialize};

/// One row's value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AclRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<Vec<AclItem>>,
}

/// The system table's id; `None` in a store the engine did not set up
/// (the SQL layer's own tests), where every object has its default ACL.
fn find_table(ctx: &SqlContext<'_>) -> Option<TableId> {
    ctx.txn
        .catalog()
        .table_by_name(0, "pg_catalog", ACL_TABLE)
        .map(|t| t.id)
}

fn table(ctx: &SqlContext<'_>) -> DbResult<TableId> {
    find_table(ctx).ok_or_else(|| DbError::internal(format!("system table {ACL_TABLE} is missing")))
}

/// The row under `key`, if any.
pub fn get(ctx: &mut SqlContext<'_>, key: &str) -> DbResult<Option<AclRow>> {
    let Some(id) = find_table(ctx) else {
        return Ok(None);
    };
    match ctx.txn.get(id, &vec![Value::Text(key.into())])? {
        Some(row) => match row.get(1) {
            Some(Value::Text(json)) => serde_json::from_str(json)
                .map(Some)
                .map_err(|e| DbError::corrupted(format!("ACL row \"{key}\" is damaged: {e}"))),
            _ => Err(DbError::corrupted(format!(
                "ACL row \"{key}\" has an unexpected shape"
            ))),
        },
        None => Ok(None),
    }
}

/// Writes (or, for `None`, deletes) the row under `key`.
pub fn put(ctx: &mut SqlContext<'_>, key: &str, value: Option<&AclRow>) -> DbResult<()> {
    let k = vec![Value::Text(key.into())];
    let Some(value) = value else {
        if let Some(id) = find_table(ctx) {
            ctx.txn.delete(id, &k, |_| Ok(true))?;
        }
        return Ok(());
    };
    let id = table(ctx)?;
    let json = serde_json::to_string(value)
        .map_err(|e| DbError::internal(format!("cannot encode ACL row: {e}")))?;
    let row = vec![Value::Text(key.into()), Value::Text(json)];
    if ctx.txn.update(id, &k, |_| Ok(Some(row.clone())))?.is_none() {
        ctx.txn.insert(id, row)?;
    }
    Ok(())
}

/// Every row whose key starts with `prefix`.
pub fn scan(ctx: &mut SqlContext<'_>, prefix: &str) -> DbResult<Vec<(String, AclRow)>> {
    let Some(id) = find_table(ctx) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (_, row) in ctx
        .txn
        .scan(id, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)?
    {
        if let (Some(Value::Text(k)), Some(Value::Text(json))) = (row.first(), row.get(1))
            && k.starts_with(prefix)
        {
            let value = serde_json::from_str(json)
                .map_err(|e| DbError::corrupted(format!("ACL row \"{k}\" is damaged: {e}")))?;
            out.push((k.clone(), value));
        }
    }
    Ok(out)
}

pub fn schema_key(database: u32, schema: &str) -> String {
    format!("schema/{database}/{schema}")
}

pub fn default_key(database: u32, role: u32, schema: &str) -> String {
    format!("default/{database}/{role}/{schema}")
}

/// The owner of database `ctx.database` (owner of its `public` schema).
fn database_owner(ctx: &SqlContext<'_>) -> u32 {
    let name = ctx.env.database_name().to_string();
    let owner = ctx
        .env
        .databases()
        .into_iter()
        .find(|d| d.name == name)
        .map(|d| d.owner);
    owner
        .and_then(|o| ctx.env.roles().into_iter().find(|r| r.name == o))
        .map(|r| r.oid)
        .unwrap_or(BOOTSTRAP_SUPERUSER)
}

/// A schema's owner and ACL in force.
pub fn schema_acl(ctx: &mut SqlContext<'_>, schema: &str) -> DbResult<(u32, Vec<AclItem>)> {
    let row = get(ctx, &schema_key(ctx.database, schema))?.unwrap_or_default();
    let owner = match (row.owner, schema) {
        (Some(o), _) => o,
        (None, "public") => database_owner(ctx),
        (None, _) => BOOTSTRAP_SUPERUSER,
    };
    let acl = match (row.acl, schema) {
        (Some(acl), _) => acl,
        (None, "public" | "pg_catalog" | "information_schema") => {
            let mut acl = default_acl(ObjectKind::Schema, owner);
            acl.push(AclItem {
                grantee: PUBLIC,
                grantor: owner,
                privileges: USAGE,
                grant_options: 0,
            });
            acl
        }
        (None, _) => default_acl(ObjectKind::Schema, owner),
    };
    Ok((owner, acl))
}

/// Fails with 42501 unless the actor may create objects in `schema`
/// (temporary schemas are the session's own).
pub fn check_schema_create(ctx: &mut SqlContext<'_>, schema: &str) -> DbResult<()> {
    let actor = Actor::of(ctx);
    if actor.superuser || crate::namespace::is_temp_schema(schema) {
        return Ok(());
    }
    let (_, acl) = schema_acl(ctx, schema)?;
    if actor.holds(&acl, super::CREATE) {
        Ok(())
    } else {
        Err(super::denied(ObjectKind::Schema, schema))
    }
}

/// CREATE SCHEMA: the creating role owns it.
pub fn record_schema_owner(ctx: &mut SqlContext<'_>, schema: &str) -> DbResult<()> {
    let actor = Actor::of(ctx);
    if find_table(ctx).is_none() {
        return Ok(());
    }
    let row = AclRow {
        owner: Some(actor.oid),
        acl: None,
    };
    put(ctx, &schema_key(ctx.database, schema), Some(&row))
}

/// DROP SCHEMA: its ACL and the default privileges naming it go.
pub fn forget_schema(ctx: &mut SqlContext<'_>, schema: &str) -> DbResult<()> {
    put(ctx, &schema_key(ctx.database, schema), None)?;
    let prefix = format!("default/{}/", ctx.database);
    for (key, _) in scan(ctx, &prefix)? {
        if key.rsplit('/').next() == Some(schema) {
            put(ctx, &key, None)?;
        }
    }
    Ok(())
}

/// Fails with 42501 unless the actor owns `schema` (or is a superuser).
pub fn check_schema_owner(ctx: &mut SqlContext<'_>, schema: &str) -> DbResult<()> {
    let actor = Actor::of(ctx);
    if actor.superuser || schema_acl(ctx, schema)?.0 == actor.oid {
        Ok(())
    } else {
        Err(super::not_owner(ObjectKind::Schema, schema))
    }
}

/// The ACL a table created now by `owner` in `schema` starts with: the
/// default, replaced by the owner's global default privileges, plus those
/// for the schema. `None` when that is the default ACL.
pub fn new_table_acl(
    ctx: &mut SqlContext<'_>,
    owner: u32,
    schema: &str,
) -> DbResult<Option<Vec<AclItem>>> {
    let global = get(ctx, &default_key(ctx.database, owner, ""))?.and_then(|r| r.acl);
    let in_schema = get(ctx, &default_key(ctx.database, owner, schema))?.and_then(|r| r.acl);
    if global.is_none() && in_schema.is_none() {
        return Ok(None);
    }
    let mut acl = global.unwrap_or_else(|| default_acl(ObjectKind::Table, owner));
    for item in in_schema.unwrap_or_default() {
        let change = super::AclChange {
            grant: true,
            privileges: item.privileges,
            grant_option: false,
        };
        super::apply(&mut acl, &change, item.grantee, item.grantor);
        if item.grant_options != 0 {
            let options = super::AclChange {
                grant: true,
                privileges: item.grant_options,
                grant_option: true,
            };
            super::apply(&mut acl, &options, item.grantee, item.grantor);
        }
    }
    // PostgreSQL sorts the merged list (aclitemsort).
    acl.sort_by_key(|i| (i.grantee, i.grantor, i.privileges));
    Ok((acl != default_acl(ObjectKind::Table, owner)).then_some(acl))
}

/// The metadata a table created now in `schema` starts with: the actor
/// owns it, with its default privileges applied.
pub fn new_table_meta(ctx: &mut SqlContext<'_>, schema: &str) -> DbResult<crate::meta::TableMeta> {
    let actor = Actor::of(ctx);
    Ok(crate::meta::TableMeta {
        owner: Some(actor.oid),
        acl: new_table_acl(ctx, actor.oid, schema)?,
        ..Default::default()
    })
}
