//! GRANT / REVOKE on tables and schemas, and ALTER DEFAULT PRIVILEGES ...
//! ON TABLES.
//!
//! The grantor recorded is the object's owner when the owner or a
//! superuser grants (as PostgreSQL records it), else the granting role,
//! which must hold the grant option for what it grants.

use super::store::{self, AclRow};
use super::{AclChange, AclItem, Actor, ObjectKind, PUBLIC, apply, default_acl};
use crate::meta::TableMeta;
use crate::output::SqlContext;
use crate::parse::{ident, object_name};
use aiondb_core::{DbError, DbResult, SqlState};
use sqlparser::ast;

/// The privilege bits of `privileges` for an object kind; a privilege the
/// kind does not have is an error (21000-like 0LP01 in PostgreSQL).
fn bits(privileges: &ast::Privileges, kind: ObjectKind) -> DbResult<u16> {
    let actions = match privileges {
        ast::Privileges::All { .. } => return Ok(kind.all()),
        ast::Privileges::Actions(actions) => actions,
    };
    let mut out = 0;
    for a in actions {
        let (bit, name) = match a {
            ast::Action::Select { columns: None } => (super::SELECT, "SELECT"),
            ast::Action::Insert { columns: None } => (super::INSERT, "INSERT"),
            ast::Action::Update { columns: None } => (super::UPDATE, "UPDATE"),
            ast::Action::Delete => (super::DELETE, "DELETE"),
            ast::Action::Truncate => (super::TRUNCATE, "TRUNCATE"),
            ast::Action::References { columns: None } => (super::REFERENCES, "REFERENCES"),
            ast::Action::Trigger => (super::TRIGGER, "TRIGGER"),
            ast::Action::Usage => (super::USAGE, "USAGE"),
            ast::Action::Create { obj_type: None } => (super::CREATE, "CREATE"),
            other => {
                return Err(DbError::not_supported(format!(
                    "privilege {other} is not supported"
                )));
            }
        };
        if kind.all() & bit == 0 {
            return Err(DbError::new(
                SqlState::from_static("0LP01"),
                format!("invalid privilege type {name} for {}", kind.word()),
            ));
        }
        out |= bit;
    }
    Ok(out)
}

/// The grantee oids (PUBLIC is 0); an unknown role is 42704.
fn grantees(ctx: &SqlContext<'_>, grantees: &[ast::Grantee]) -> DbResult<Vec<u32>> {
    let roles = ctx.env.roles();
    let mut out = Vec::new();
    for g in grantees {
        let oid = match (&g.grantee_type, &g.name) {
            (ast::GranteesType::Public, _) => PUBLIC,
            (_, Some(ast::GranteeName::ObjectName(n))) => {
                let name = object_name(n).1;
                if name == "public" {
                    PUBLIC
                } else {
                    role_oid(&roles, &name)?
                }
            }
            _ => return Err(DbError::not_supported(format!("grantee {g}"))),
        };
        out.push(oid);
    }
    Ok(out)
}

fn role_oid(roles: &[crate::output::RoleInfo], name: &str) -> DbResult<u32> {
    roles
        .iter()
        .find(|r| r.name == name)
        .map(|r| r.oid)
        .ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("role \"{name}\" does not exist"),
            )
        })
}

/// GRANT privileges ON objects TO grantees [WITH GRANT OPTION].
pub fn grant(ctx: &mut SqlContext<'_>, g: &ast::Grant) -> DbResult<String> {
    if g.as_grantor.is_some() || g.granted_by.is_some() || g.current_grants.is_some() {
        return Err(DbError::not_supported("GRANT ... GRANTED BY"));
    }
    let objects = g
        .objects
        .as_ref()
        .ok_or_else(|| DbError::not_supported("GRANT of role membership"))?;
    let change = |privileges| AclChange {
        grant: true,
        privileges,
        grant_option: g.with_grant_option,
    };
    change_objects(ctx, objects, &g.privileges, &g.grantees, &change)?;
    Ok("GRANT".into())
}

/// REVOKE [GRANT OPTION FOR] privileges ON objects FROM grantees.
pub fn revoke(ctx: &mut SqlContext<'_>, r: &ast::Revoke) -> DbResult<String> {
    if r.granted_by.is_some() {
        return Err(DbError::not_supported("REVOKE ... GRANTED BY"));
    }
    let objects = r
        .objects
        .as_ref()
        .ok_or_else(|| DbError::not_supported("REVOKE of role membership"))?;
    let change = |privileges| AclChange {
        grant: false,
        privileges,
        grant_option: r.grant_option_for,
    };
    change_objects(ctx, objects, &r.privileges, &r.grantees, &change)?;
    Ok("REVOKE".into())
}

fn change_objects(
    ctx: &mut SqlContext<'_>,
    objects: &ast::GrantObjects,
    privileges: &ast::Privileges,
    who: &[ast::Grantee],
    change: &dyn Fn(u16) -> AclChange,
) -> DbResult<()> {
    let grantees = grantees(ctx, who)?;
    match objects {
        ast::GrantObjects::Tables(names) => {
            let c = change(bits(privileges, ObjectKind::Table)?);
            for n in names {
                let t = crate::ddl::require_table(ctx, n)?;
                change_table(ctx, &t, &c, &grantees)?;
            }
        }
        ast::GrantObjects::AllTablesInSchema { schemas } => {
            let c = change(bits(privileges, ObjectKind::Table)?);
            for s in schemas {
                let schema = schema_name(ctx, s)?;
                let catalog = ctx.txn.catalog();
                let tables: Vec<_> = catalog
                    .tables
                    .values()
                    .filter(|t| t.database == ctx.database && t.schema == schema)
                    .cloned()
                    .collect();
                for t in tables {
                    change_table(ctx, &t, &c, &grantees)?;
                }
            }
        }
        ast::GrantObjects::Schemas(schemas) => {
            let c = change(bits(privileges, ObjectKind::Schema)?);
            for s in schemas {
                let schema = schema_name(ctx, s)?;
                change_schema(ctx, &schema, &c, &grantees)?;
            }
        }
        other => {
            return Err(DbError::not_supported(format!(
                "privileges on {} are not supported",
                other.to_string().split_whitespace().next().unwrap_or("")
            )));
        }
    }
    Ok(())
}

/// An existing schema's name (3F000 otherwise).
fn schema_name(ctx: &SqlContext<'_>, n: &ast::ObjectName) -> DbResult<String> {
    let name = object_name(n).1;
    if ctx.txn.catalog().namespace_exists(ctx.database, &name) {
        Ok(name)
    } else {
        Err(DbError::new(
            SqlState::from_static("3F000"),
            format!("schema \"{name}\" does not exist"),
        ))
    }
}

/// The grantor for a change by the actor on an object owned by `owner`
/// with `acl`; 42501 when the actor may grant none of `privileges`.
fn grantor(
    actor: Actor,
    owner: u32,
    acl: &[AclItem],
    privileges: u16,
    kind: ObjectKind,
    name: &str,
) -> DbResult<u32> {
    if actor.superuser || actor.oid == owner {
        return Ok(owner);
    }
    let options = acl
        .iter()
        .filter(|i| i.grantee == actor.oid || i.grantee == PUBLIC)
        .fold(0, |acc, i| acc | i.grant_options);
    if options & privileges == privileges {
        Ok(actor.oid)
    } else {
        Err(super::denied(kind, name))
    }
}

fn change_table(
    ctx: &mut SqlContext<'_>,
    t: &aiondb_storage::TableSchema,
    change: &AclChange,
    grantees: &[u32],
) -> DbResult<()> {
    let actor = Actor::of(ctx);
    let mut meta = TableMeta::of(t)?;
    let owner = meta.owner();
    let mut acl = meta.effective_acl();
    let by = grantor(
        actor,
        owner,
        &acl,
        change.privileges,
        ObjectKind::Table,
        &t.name,
    )?;
    for g in grantees {
        apply(&mut acl, change, *g, by);
    }
    meta.acl = Some(acl);
    let mut schema = t.clone();
    schema.sql = meta.to_sql()?;
    ctx.txn.alter_table(schema)
}

fn change_schema(
    ctx: &mut SqlContext<'_>,
    schema: &str,
    change: &AclChange,
    grantees: &[u32],
) -> DbResult<()> {
    let actor = Actor::of(ctx);
    let (owner, mut acl) = store::schema_acl(ctx, schema)?;
    let by = grantor(
        actor,
        owner,
        &acl,
        change.privileges,
        ObjectKind::Schema,
        schema,
    )?;
    for g in grantees {
        apply(&mut acl, change, *g, by);
    }
    let row = AclRow {
        owner: Some(owner),
        acl: Some(acl),
    };
    store::put(ctx, &store::schema_key(ctx.database, schema), Some(&row))
}

/// ALTER DEFAULT PRIVILEGES [FOR ROLE r] [IN SCHEMA s] GRANT/REVOKE ... ON
/// TABLES.
pub fn alter_default_privileges(
    ctx: &mut SqlContext<'_>,
    stmt: &ast::AlterDefaultPrivileges,
) -> DbResult<String> {
    let actor = Actor::of(ctx);
    let roles_known = ctx.env.roles();
    let mut roles = Vec::new();
    let mut schemas = Vec::new();
    for o in &stmt.options {
        match o {
            ast::DefaultPrivilegesOption::ForRole(names) => {
                for n in names {
                    roles.push(role_oid(&roles_known, &ident(n))?);
                }
            }
            ast::DefaultPrivilegesOption::InSchema(names) => {
                for n in names {
                    schemas.push(schema_name(ctx, n)?);
                }
            }
        }
    }
    if roles.is_empty() {
        roles.push(actor.oid);
    }
    if roles.iter().any(|r| *r != actor.oid) && !actor.superuser {
        return Err(DbError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            "permission denied to change default privileges",
        ));
    }
    let (privileges, object_type, who, change) = match &stmt.operation {
        ast::AlterDefaultPrivilegesOperation::Grant {
            privileges,
            object_type,
            grantees,
            with_grant_option,
        } => (
            privileges,
            object_type,
            grantees,
            (true, *with_grant_option),
        ),
        ast::AlterDefaultPrivilegesOperation::Revoke {
            grant_option_for,
            privileges,
            object_type,
            grantees,
            ..
        } => (
            privileges,
            object_type,
            grantees,
            (false, *grant_option_for),
        ),
    };
    if *object_type != ast::DefaultPrivilegesObjectType::Tables {
        return Err(DbError::not_supported(format!(
            "default privileges on {object_type}"
        )));
    }
    let change = AclChange {
        grant: change.0,
        privileges: bits(privileges, ObjectKind::Table)?,
        grant_option: change.1,
    };
    let grantees = grantees(ctx, who)?;
    let scopes: Vec<String> = if schemas.is_empty() {
        vec![String::new()]
    } else {
        schemas
    };
    for role in roles {
        for scope in &scopes {
            let key = store::default_key(ctx.database, role, scope);
            let stored = store::get(ctx, &key)?.and_then(|r| r.acl);
            // The global entry replaces the default ACL; a schema's adds
            // to it.
            let base = || {
                if scope.is_empty() {
                    default_acl(ObjectKind::Table, role)
                } else {
                    Vec::new()
                }
            };
            let mut acl = stored.unwrap_or_else(base);
            for g in &grantees {
                apply(&mut acl, &change, *g, role);
            }
            let changed = acl != base();
            let row = changed.then_some(AclRow {
                owner: None,
                acl: Some(acl),
            });
            store::put(ctx, &key, row.as_ref())?;
        }
    }
    Ok("ALTER DEFAULT PRIVILEGES".into())
}

/// What depends on role `oid` in the current database, as DROP ROLE's
/// DETAIL lines (`owner of table s.t`, `privileges for schema s`, ...).
pub fn role_dependents(ctx: &mut SqlContext<'_>, oid: u32) -> DbResult<Vec<String>> {
    let mut out = Vec::new();
    let catalog = ctx.txn.catalog();
    for t in catalog
        .tables
        .values()
        .filter(|t| t.database == ctx.database)
    {
        let meta = TableMeta::of(t)?;
        let name = format!("{}.{}", t.schema, t.name);
        let shown = if t.schema == "public" { &t.name } else { &name };
        if meta.owner == Some(oid) {
            out.push(format!("owner of table {shown}"));
        } else if meta
            .acl
            .as_ref()
            .is_some_and(|acl| acl.iter().any(|i| i.grantee == oid || i.grantor == oid))
        {
            out.push(format!("privileges for table {shown}"));
        }
    }
    let schema_prefix = format!("schema/{}/", ctx.database);
    for (key, row) in store::scan(ctx, &schema_prefix)? {
        let schema = key.trim_start_matches(&schema_prefix).to_string();
        if row.owner == Some(oid) {
            out.push(format!("owner of schema {schema}"));
        } else if row
            .acl
            .as_ref()
            .is_some_and(|acl| acl.iter().any(|i| i.grantee == oid || i.grantor == oid))
        {
            out.push(format!("privileges for schema {schema}"));
        }
    }
    let default_prefix = format!("default/{}/", ctx.database);
    for (key, row) in store::scan(ctx, &default_prefix)? {
        let rest = key.trim_start_matches(&default_prefix);
        let mut parts = rest.splitn(2, '/');
        let role = parts.next().and_then(|r| r.parse::<u32>().ok());
        let schema = parts.next().unwrap_or("");
        let names_role = row
            .acl
            .as_ref()
            .is_some_and(|acl| acl.iter().any(|i| i.grantee == oid));
        if role == Some(oid) || names_role {
            let owner_name = super::role_name(&ctx.env.roles(), role.unwrap_or(0));
            out.push(match schema {
                "" => format!("owner of default privileges on new relations belonging to role {owner_name}"),
                s => format!(
                    "owner of default privileges on new relations belonging to role {owner_name} in schema {s}"
                ),
            });
        }
    }
    Ok(out)
}
