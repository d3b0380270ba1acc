//! Privileges: access control lists, ownership and the checks statements
//! pass before they touch a table or create in a schema.
//!
//! The model is PostgreSQL's: an object has an owner and an ACL, a list of
//! `grantee=privileges/grantor` items (grantee 0 is PUBLIC). An object
//! whose ACL was never changed has the default one ([`default_acl`]: the
//! owner holds everything). Superusers pass every check; an owner holds
//! no privilege beyond its ACL (it may revoke its own), but may always
//! grant and may always drop or alter the object.
//!
//! Where the state lives:
//! - a table's owner and ACL are part of its SQL-layer metadata
//!   ([`crate::meta::TableMeta`]), so they are logged, checkpointed and
//!   dropped with the table;
//! - a schema's owner and ACL, and default privileges, are rows of the
//!   cluster-wide system table [`ACL_TABLE`] ([`store`]), written in the
//!   statement's own transaction.
//!
//! Roles have no memberships: a role's privileges are its own items and
//! PUBLIC's.

pub mod grant;
pub mod store;

use crate::output::{RoleInfo, SqlContext};
use aiondb_core::{DbError, DbResult, SqlState};
use serde::{Deserialize, Serialize};

/// The system table (database 0, `pg_catalog`) of schema ACLs and default
/// privileges.
pub const ACL_TABLE: &str = "aiondb_acl";

/// The bootstrap superuser's oid, owner of objects created before owners
/// were recorded.
pub const BOOTSTRAP_SUPERUSER: u32 = 10;

/// PUBLIC as a grantee.
pub const PUBLIC: u32 = 0;

/// Privilege bits, in PostgreSQL's order (that of `aclitem`'s letters).
pub const INSERT: u16 = 1 << 0;
pub const SELECT: u16 = 1 << 1;
pub const UPDATE: u16 = 1 << 2;
pub const DELETE: u16 = 1 << 3;
pub const TRUNCATE: u16 = 1 << 4;
pub const REFERENCES: u16 = 1 << 5;
pub const TRIGGER: u16 = 1 << 6;
pub const EXECUTE: u16 = 1 << 7;
pub const USAGE: u16 = 1 << 8;
pub const CREATE: u16 = 1 << 9;

const LETTERS: &str = "arwdDxtXUC";

/// Everything a table can be granted.
pub const TABLE_ALL: u16 = INSERT | SELECT | UPDATE | DELETE | TRUNCATE | REFERENCES | TRIGGER;
/// Everything a schema can be granted.
pub const SCHEMA_ALL: u16 = USAGE | CREATE;

/// One `grantee=privileges/grantor` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclItem {
    pub grantee: u32,
    pub grantor: u32,
    pub privileges: u16,
    /// Privileges the grantee may grant on (WITH GRANT OPTION).
    #[serde(default)]
    pub grant_options: u16,
}

/// The kinds of object that carry an ACL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Table,
    Schema,
}

impl ObjectKind {
    /// What ALL means for the kind.
    pub fn all(self) -> u16 {
        match self {
            ObjectKind::Table => TABLE_ALL,
            ObjectKind::Schema => SCHEMA_ALL,
        }
    }

    /// The word in "permission denied for table t".
    pub fn word(self) -> &'static str {
        match self {
            ObjectKind::Table => "table",
            ObjectKind::Schema => "schema",
        }
    }
}

/// The ACL of an object whose ACL was never changed (PostgreSQL's
/// `acldefault`).
pub fn default_acl(kind: ObjectKind, owner: u32) -> Vec<AclItem> {
    vec![AclItem {
        grantee: owner,
        grantor: owner,
        privileges: kind.all(),
        grant_options: 0,
    }]
}

/// The privileges `role` holds through `acl` (its own items and PUBLIC's).
pub fn held(acl: &[AclItem], role: u32) -> u16 {
    acl.iter()
        .filter(|i| i.grantee == role || i.grantee == PUBLIC)
        .fold(0, |acc, i| acc | i.privileges)
}

/// Adds (`grant`) or removes privileges of `grantee` granted by `grantor`;
/// items left with nothing are dropped.
pub fn apply(acl: &mut Vec<AclItem>, change: &AclChange, grantee: u32, grantor: u32) {
    match acl
        .iter_mut()
        .find(|i| i.grantee == grantee && i.grantor == grantor)
    {
        Some(item) if change.grant => {
            item.privileges |= change.privileges;
            if change.grant_option {
                item.grant_options |= change.privileges;
            }
        }
        Some(item) => {
            item.grant_options &= !change.privileges;
            if !change.grant_option {
                item.privileges &= !change.privileges;
            }
        }
        None if change.grant => acl.push(AclItem {
            grantee,
            grantor,
            privileges: change.privileges,
            grant_options: if change.grant_option {
                change.privileges
            } else {
                0
            },
        }),
        None => {}
    }
    acl.retain(|i| i.privileges != 0);
}

/// A GRANT or REVOKE of some privileges.
#[derive(Clone, Copy, Debug)]
pub struct AclChange {
    pub grant: bool,
    pub privileges: u16,
    /// GRANT ... WITH GRANT OPTION / REVOKE GRANT OPTION FOR.
    pub grant_option: bool,
}

/// An ACL in PostgreSQL's text form: `{a=arwdDxt/a,=r/a}`.
pub fn format_acl(acl: &[AclItem], role_name: &dyn Fn(u32) -> String) -> String {
    let items: Vec<String> = acl.iter().map(|i| format_item(i, role_name)).collect();
    format!("{{{}}}", items.join(","))
}

fn format_item(item: &AclItem, role_name: &dyn Fn(u32) -> String) -> String {
    let mut privs = String::new();
    for (bit, letter) in LETTERS.chars().enumerate() {
        let mask = 1u16 << bit;
        if item.privileges & mask != 0 {
            privs.push(letter);
            if item.grant_options & mask != 0 {
                privs.push('*');
            }
        }
    }
    let grantee = match item.grantee {
        PUBLIC => String::new(),
        oid => role_name(oid),
    };
    format!("{grantee}={privs}/{}", role_name(item.grantor))
}

/// The role a statement runs as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub oid: u32,
    pub superuser: bool,
}

impl Actor {
    /// The session's current role (one holding nothing when the role is
    /// gone, say dropped by another session).
    pub fn of(ctx: &SqlContext<'_>) -> Actor {
        let user = ctx.env.user();
        ctx.env
            .roles()
            .into_iter()
            .find(|r| r.name == user)
            .map(|r| Actor {
                oid: r.oid,
                superuser: r.superuser,
            })
            .unwrap_or(Actor {
                oid: u32::MAX,
                superuser: false,
            })
    }

    /// Whether the actor holds all of `wanted` through `acl`.
    pub fn holds(&self, acl: &[AclItem], wanted: u16) -> bool {
        self.superuser || held(acl, self.oid) & wanted == wanted
    }
}

/// 42501 `permission denied for <kind> <name>`.
pub fn denied(kind: ObjectKind, name: &str) -> DbError {
    DbError::new(
        SqlState::INSUFFICIENT_PRIVILEGE,
        format!("permission denied for {} {name}", kind.word()),
    )
}

/// 42501 `must be owner of <kind> <name>`.
pub fn not_owner(kind: ObjectKind, name: &str) -> DbError {
    DbError::new(
        SqlState::INSUFFICIENT_PRIVILEGE,
        format!("must be owner of {} {name}", kind.word()),
    )
}

/// The name of a role by oid (its oid in digits when it is gone, as
/// PostgreSQL prints a dangling grantee).
pub fn role_name(roles: &[RoleInfo], oid: u32) -> String {
    roles
        .iter()
        .find(|r| r.oid == oid)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| oid.to_string())
}

/// Fails unless the actor holds `wanted` on table `t`.
pub fn check_table(actor: Actor, t: &aiondb_storage::TableSchema, wanted: u16) -> DbResult<()> {
    if actor.superuser || t.database == 0 {
        return Ok(());
    }
    let meta = crate::meta::TableMeta::of(t)?;
    if actor.holds(&meta.effective_acl(), wanted) {
        Ok(())
    } else {
        Err(denied(ObjectKind::Table, &t.name))
    }
}

/// Fails unless the actor owns table `t` (or is a superuser).
pub fn check_table_owner(actor: Actor, t: &aiondb_storage::TableSchema) -> DbResult<()> {
    if actor.superuser || crate::meta::TableMeta::of(t)?.owner() == actor.oid {
        Ok(())
    } else {
        Err(not_owner(ObjectKind::Table, &t.name))
    }
}

/// pg_class.relowner (column 4) and relacl (column 22) of table `t`.
pub(crate) fn class_owner_and_acl(
    row: &mut [aiondb_core::Value],
    t: &aiondb_storage::TableSchema,
    roles: &[RoleInfo],
) -> DbResult<()> {
    let meta = crate::meta::TableMeta::of(t)?;
    if let Some(owner) = row.get_mut(4) {
        *owner = aiondb_core::Value::Int8(i64::from(meta.owner()));
    }
    if let (Some(acl), Some(cell)) = (&meta.acl, row.get_mut(22)) {
        *cell = aiondb_core::Value::Text(format_acl(acl, &|oid| role_name(roles, oid)));
    }
    Ok(())
}

/// has_table_privilege([role,] table, privileges): `privileges` is a
/// comma-separated list of privilege names, each optionally `WITH GRANT
/// OPTION`; true when the role holds any of them.
pub(crate) fn has_table_privilege(
    exec: &mut crate::exec::Executor<'_>,
    args: &[aiondb_core::Value],
) -> DbResult<aiondb_core::Value> {
    use aiondb_core::Value;
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let roles = exec.env.roles();
    let (role, table, wanted) = match args {
        [table, wanted] => (exec.env.user().to_string(), table, wanted),
        [Value::Text(role), table, wanted] => (role.clone(), table, wanted),
        _ => return Err(DbError::not_supported("this form of has_table_privilege")),
    };
    let Some(role) = roles.iter().find(|r| r.name == role) else {
        return Err(DbError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("role \"{role}\" does not exist"),
        ));
    };
    let catalog = exec.txn.catalog();
    let t = match table {
        Value::Text(name) => {
            let (schema, rel) = match name.split_once('.') {
                Some((s, r)) => (Some(s.to_string()), r.to_string()),
                None => (None, name.clone()),
            };
            match schema {
                Some(s) => catalog.table_by_name(exec.database, &s, &rel).cloned(),
                None => exec
                    .search_path
                    .iter()
                    .find_map(|s| catalog.table_by_name(exec.database, s, &rel))
                    .cloned(),
            }
            .ok_or_else(|| {
                DbError::new(
                    SqlState::UNDEFINED_TABLE,
                    format!("relation \"{name}\" does not exist"),
                )
            })?
        }
        other => {
            let oid = match other {
                Value::Int4(i) => *i as u32,
                Value::Int8(i) => *i as u32,
                _ => return Err(DbError::not_supported("this form of has_table_privilege")),
            };
            match catalog.tables.get(&aiondb_core::TableId(oid)) {
                Some(t) => t.clone(),
                None => return Ok(Value::Null),
            }
        }
    };
    let Value::Text(wanted) = wanted else {
        return Err(DbError::not_supported("this form of has_table_privilege"));
    };
    let mut any = false;
    for item in wanted.split(',') {
        let item = item.trim().to_ascii_uppercase();
        let (name, grant_option) = match item.strip_suffix("WITH GRANT OPTION") {
            Some(n) => (n.trim().to_string(), true),
            None => (item.clone(), false),
        };
        let bit = match name.as_str() {
            "SELECT" => SELECT,
            "INSERT" => INSERT,
            "UPDATE" => UPDATE,
            "DELETE" => DELETE,
            "TRUNCATE" => TRUNCATE,
            "REFERENCES" => REFERENCES,
            "TRIGGER" => TRIGGER,
            _ => {
                return Err(DbError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("unrecognized privilege type: \"{}\"", item.to_lowercase()),
                ));
            }
        };
        let meta = crate::meta::TableMeta::of(&t)?;
        let acl = meta.effective_acl();
        any |= role.superuser
            || if grant_option {
                meta.owner() == role.oid
                    || acl
                        .iter()
                        .filter(|i| i.grantee == role.oid || i.grantee == PUBLIC)
                        .any(|i| i.grant_options & bit != 0)
            } else {
                held(&acl, role.oid) & bit != 0
            };
    }
    Ok(Value::Bool(any))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(oid: u32) -> String {
        match oid {
            10 => "postgres".into(),
            _ => format!("r{oid}"),
        }
    }

    #[test]
    fn default_acl_prints_like_postgres() {
        let acl = default_acl(ObjectKind::Table, 10);
        assert_eq!(format_acl(&acl, &names), "{postgres=arwdDxt/postgres}");
        let acl = default_acl(ObjectKind::Schema, 10);
        assert_eq!(format_acl(&acl, &names), "{postgres=UC/postgres}");
    }

    #[test]
    fn grant_and_revoke_merge_items() {
        let mut acl = default_acl(ObjectKind::Table, 10);
        let grant = AclChange {
            grant: true,
            privileges: SELECT,
            grant_option: true,
        };
        apply(&mut acl, &grant, PUBLIC, 10);
        assert_eq!(
            format_acl(&acl, &names),
            "{postgres=arwdDxt/postgres,=r*/postgres}"
        );
        assert_eq!(held(&acl, 99), SELECT);
        let revoke = AclChange {
            grant: false,
            privileges: INSERT | SELECT,
            grant_option: false,
        };
        apply(&mut acl, &revoke, PUBLIC, 10);
        apply(&mut acl, &revoke, 10, 10);
        assert_eq!(format_acl(&acl, &names), "{postgres=wdDxt/postgres}");
        assert_eq!(held(&acl, 10) & INSERT, 0);
    }

    #[test]
    fn superusers_hold_everything() {
        let su = Actor {
            oid: 10,
            superuser: true,
        };
        assert!(su.holds(&[], TABLE_ALL));
        let user = Actor {
            oid: 20,
            superuser: false,
        };
        assert!(!user.holds(&default_acl(ObjectKind::Table, 10), SELECT));
    }
}
