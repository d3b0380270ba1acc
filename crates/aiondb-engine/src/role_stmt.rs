//! CREATE ROLE / CREATE USER, ALTER ROLE and DROP ROLE.
//!
//! Roles are rows of the cluster-wide system table `aiondb_roles`
//! (database 0), written and committed on their own, so a role exists for
//! every database as soon as the statement returns. A password is stored
//! only as its SCRAM-SHA-256 verifier ([`crate::password`]).
//!
//! The role attributes AionDB models are LOGIN, SUPERUSER and PASSWORD.
//! Every other attribute (CREATEDB, CONNECTION LIMIT, VALID UNTIL, IN ROLE,
//! ...) is refused with 0A000 instead of being accepted and ignored.

use crate::engine::Role;
use crate::password;
use crate::session::Session;
use aiondb_core::{DbError, DbResult, SqlState};
use aiondb_sql::StatementOutput;
use sqlparser::ast::{self, AlterRoleOperation, CreateRole, Password, RoleOption};

fn command(tag: &str) -> DbResult<StatementOutput> {
    Ok(StatementOutput::Command { tag: tag.into() })
}

fn refuse(attribute: &str) -> DbError {
    DbError::not_supported(format!("role attribute {attribute} is not supported"))
}

fn privilege(msg: &str) -> DbError {
    DbError::new(SqlState::INSUFFICIENT_PRIVILEGE, msg)
}

/// The attributes a CREATE/ALTER ROLE statement sets.
#[derive(Default)]
struct RoleChange {
    login: Option<bool>,
    superuser: Option<bool>,
    /// Some(None): PASSWORD NULL; Some(Some(text)): a new password.
    password: Option<Option<String>>,
}

impl RoleChange {
    fn apply(self, role: &mut Role, notices: &mut Vec<DbError>) -> DbResult<()> {
        if let Some(login) = self.login {
            role.login = login;
        }
        if let Some(superuser) = self.superuser {
            role.superuser = superuser;
        }
        match self.password {
            None => {}
            Some(None) => role.password = None,
            Some(Some(text)) if text.is_empty() => {
                notices.push(DbError::new(
                    SqlState::SUCCESSFUL_COMPLETION,
                    "empty string is not a valid password, clearing password",
                ));
                role.password = None;
            }
            Some(Some(text)) => role.password = Some(password::secret_for(&text)?),
        }
        Ok(())
    }
}

fn password_text(p: &Password) -> DbResult<Option<String>> {
    match p {
        Password::NullPassword => Ok(None),
        Password::Password(ast::Expr::Value(v)) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                Ok(Some(s.clone()))
            }
            ast::Value::Null => Ok(None),
            other => Err(DbError::new(
                SqlState::SYNTAX_ERROR,
                format!("syntax error at or near \"{other}\""),
            )),
        },
        Password::Password(other) => Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            format!("syntax error at or near \"{other}\""),
        )),
    }
}

fn create_change(cr: &CreateRole) -> DbResult<RoleChange> {
    let flags = [
        (cr.bypassrls == Some(true), "BYPASSRLS"),
        (cr.create_db == Some(true), "CREATEDB"),
        (cr.create_role == Some(true), "CREATEROLE"),
        (cr.replication == Some(true), "REPLICATION"),
        (cr.inherit == Some(false), "NOINHERIT"),
        (cr.connection_limit.is_some(), "CONNECTION LIMIT"),
        (cr.valid_until.is_some(), "VALID UNTIL"),
        (!cr.in_role.is_empty() || !cr.in_group.is_empty(), "IN ROLE"),
        (!cr.role.is_empty() || !cr.user.is_empty(), "ROLE"),
        (!cr.admin.is_empty(), "ADMIN"),
        (cr.authorization_owner.is_some(), "AUTHORIZATION"),
    ];
    if let Some((_, name)) = flags.iter().find(|(set, _)| *set) {
        return Err(refuse(name));
    }
    Ok(RoleChange {
        login: Some(cr.login.unwrap_or(false)),
        superuser: Some(cr.superuser.unwrap_or(false)),
        password: cr.password.as_ref().map(password_text).transpose()?,
    })
}

fn alter_change(options: &[RoleOption]) -> DbResult<RoleChange> {
    let mut change = RoleChange::default();
    for o in options {
        match o {
            RoleOption::Login(b) => change.login = Some(*b),
            RoleOption::SuperUser(b) => change.superuser = Some(*b),
            RoleOption::Password(p) => change.password = Some(password_text(p)?),
            RoleOption::Inherit(true)
            | RoleOption::BypassRLS(false)
            | RoleOption::CreateDB(false)
            | RoleOption::CreateRole(false)
            | RoleOption::Replication(false) => {}
            RoleOption::Inherit(false) => return Err(refuse("NOINHERIT")),
            RoleOption::BypassRLS(true) => return Err(refuse("BYPASSRLS")),
            RoleOption::CreateDB(true) => return Err(refuse("CREATEDB")),
            RoleOption::CreateRole(true) => return Err(refuse("CREATEROLE")),
            RoleOption::Replication(true) => return Err(refuse("REPLICATION")),
            RoleOption::ConnectionLimit(_) => return Err(refuse("CONNECTION LIMIT")),
            RoleOption::ValidUntil(_) => return Err(refuse("VALID UNTIL")),
        }
    }
    Ok(change)
}

impl Session {
    pub(crate) fn create_role(&mut self, cr: &CreateRole) -> DbResult<StatementOutput> {
        if !self.role.superuser {
            return Err(privilege("permission denied to create role"));
        }
        for n in &cr.names {
            let (_, name) = aiondb_sql::object_name(n);
            if self.engine.role(&name).is_some() {
                if cr.if_not_exists {
                    continue;
                }
                return Err(DbError::new(
                    SqlState::DUPLICATE_OBJECT,
                    format!("role \"{name}\" already exists"),
                ));
            }
            if name.starts_with("pg_") {
                return Err(DbError::new(
                    SqlState::from_static("42939"),
                    format!("role name \"{name}\" is reserved"),
                )
                .with_detail("Role names starting with \"pg_\" are reserved."));
            }
            let mut role = Role {
                oid: self.engine.next_role_oid(),
                name,
                superuser: false,
                login: false,
                password: None,
            };
            create_change(cr)?.apply(&mut role, &mut self.notices)?;
            self.engine.put_role(role)?;
        }
        command("CREATE ROLE")
    }

    pub(crate) fn alter_role(
        &mut self,
        name: &ast::Ident,
        operation: &AlterRoleOperation,
    ) -> DbResult<StatementOutput> {
        let name = aiondb_sql::ident(name);
        let Some(mut role) = self.engine.role(&name) else {
            return Err(DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("role \"{name}\" does not exist"),
            ));
        };
        let AlterRoleOperation::WithOptions { options } = operation else {
            return Err(DbError::not_supported(format!(
                "ALTER ROLE {operation} is not supported"
            )));
        };
        let change = alter_change(options)?;
        // A role may change its own password; everything else needs a
        // superuser, and only a superuser may alter one.
        let own_password_only = name == self.role.name
            && change.login.is_none()
            && change.superuser.is_none()
            && change.password.is_some();
        if !self.role.superuser && !own_password_only {
            return Err(privilege("permission denied to alter role"));
        }
        change.apply(&mut role, &mut self.notices)?;
        self.engine.put_role(role)?;
        command("ALTER ROLE")
    }

    pub(crate) fn drop_roles(
        &mut self,
        names: &[ast::ObjectName],
        if_exists: bool,
    ) -> DbResult<StatementOutput> {
        if !self.role.superuser {
            return Err(privilege("permission denied to drop role"));
        }
        for n in names {
            let (_, name) = aiondb_sql::object_name(n);
            if name == self.role.name {
                return Err(DbError::new(
                    SqlState::OBJECT_IN_USE,
                    "current user cannot be dropped",
                ));
            }
            if let Some(role) = self.engine.role(&name) {
                self.check_role_unused(&role)?;
            }
            if !self.engine.drop_role(&name)? {
                if !if_exists {
                    return Err(DbError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!("role \"{name}\" does not exist"),
                    ));
                }
                self.notices.push(DbError::new(
                    SqlState::SUCCESSFUL_COMPLETION,
                    format!("role \"{name}\" does not exist, skipping"),
                ));
            }
        }
        command("DROP ROLE")
    }

    /// 2BP01 when objects of the current database depend on `role`
    /// (tables or schemas it owns or holds privileges on, default
    /// privileges); PostgreSQL's DETAIL lists them.
    fn check_role_unused(&mut self, role: &Role) -> DbResult<()> {
        let oid = role.oid;
        let found =
            self.with_transaction(|ctx| aiondb_sql::privilege::grant::role_dependents(ctx, oid));
        let found = self.finish_statement(found)?;
        if found.is_empty() {
            return Ok(());
        }
        Err(DbError::new(
            SqlState::from_static("2BP01"),
            format!(
                "role \"{}\" cannot be dropped because some objects depend on it",
                role.name
            ),
        )
        .with_detail(found.join("\n")))
    }
}
