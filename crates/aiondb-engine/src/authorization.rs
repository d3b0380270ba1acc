//! SET SESSION AUTHORIZATION and SET ROLE: which role a session acts as.
//!
//! A session knows three roles, as in PostgreSQL:
//! - the authenticated role, the one that logged in (fixed);
//! - the session user (`session_user`), changed by SET SESSION
//!   AUTHORIZATION, which only an authenticated superuser may run (to any
//!   role) — anyone may "change" to the role they logged in as;
//! - the current user (`current_user`), whose privileges statements are
//!   checked against, changed by SET ROLE (roles have no memberships, so
//!   only a superuser session user may pick another role).
//!
//! RESET SESSION AUTHORIZATION returns to the authenticated role, RESET
//! ROLE / SET ROLE NONE to the session user.

use crate::engine::Role;
use crate::session::Session;
use aiondb_core::{DbError, DbResult, SqlState};

fn no_role(name: &str) -> DbError {
    DbError::new(
        SqlState::UNDEFINED_OBJECT,
        format!("role \"{name}\" does not exist"),
    )
}

impl Session {
    /// SET SESSION AUTHORIZATION name (`None`: DEFAULT / RESET).
    pub(crate) fn set_session_authorization(&mut self, name: Option<&str>) -> DbResult<()> {
        let target = match name {
            None => self
                .engine
                .role(&self.authenticated.name)
                .unwrap_or_else(|| self.authenticated.clone()),
            Some(n) => self.engine.role(n).ok_or_else(|| no_role(n))?,
        };
        if !self.authenticated.superuser && target.name != self.authenticated.name {
            return Err(DbError::new(
                SqlState::INSUFFICIENT_PRIVILEGE,
                "permission denied to set session authorization",
            ));
        }
        self.session_user = target.clone();
        self.act_as(target);
        Ok(())
    }

    /// SET ROLE name (`None`: NONE / RESET ROLE).
    pub(crate) fn set_role(&mut self, name: Option<&str>) -> DbResult<()> {
        let target = match name {
            None => self.session_user.clone(),
            Some(n) => self.engine.role(n).ok_or_else(|| no_role(n))?,
        };
        if !self.session_user.superuser && target.name != self.session_user.name {
            return Err(DbError::new(
                SqlState::INSUFFICIENT_PRIVILEGE,
                format!("permission denied to set role \"{}\"", target.name),
            ));
        }
        self.act_as(target);
        Ok(())
    }

    /// Makes `role` the current user, reporting the settings that follow.
    fn act_as(&mut self, role: Role) {
        let superuser = if role.superuser { "on" } else { "off" };
        let session = self.session_user.name.clone();
        for (name, value) in [
            ("session_authorization", session.as_str()),
            ("is_superuser", superuser),
        ] {
            if let Some(change) = self.settings.set_internal(name, value) {
                self.changed.push(change);
            }
        }
        self.role = role;
    }
}
