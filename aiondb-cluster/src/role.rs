//! Cluster-wide roles (pg_authid / pg_roles).

use serde::{Deserialize, Serialize};

/// Prefix of a SCRAM-SHA-256 verifier as stored in `pg_authid.rolpassword`.
pub const SCRAM_SHA_256_PREFIX: &str = "SCRAM-SHA-256$";

/// A role, shared by every database of the cluster.
///
/// Field names follow `pg_roles` without the `rol` prefix. `password` holds
/// a SCRAM verifier (`SCRAM-SHA-256$<iter>:<salt>$<stored>:<server>`), never
/// a clear-text password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterRoleDescriptor {
    /// `rolname`.
    pub name: String,
    /// `rolsuper`.
    pub superuser: bool,
    /// `rolinherit`.
    pub inherit: bool,
    /// `rolcreaterole`.
    pub createrole: bool,
    /// `rolcreatedb`.
    pub createdb: bool,
    /// `rolcanlogin`.
    pub login: bool,
    /// `rolreplication`.
    pub replication: bool,
    /// `rolbypassrls`.
    pub bypass_rls: bool,
    /// `rolconnlimit`; -1 means unlimited.
    pub connection_limit: i32,
    /// `rolpassword`: a SCRAM verifier string, if a password is set.
    pub password: Option<String>,
    /// `rolvaliduntil` as microseconds since the Unix epoch (UTC); `None` = forever.
    pub valid_until: Option<i64>,
}

impl ClusterRoleDescriptor {
    /// A role with `CREATE ROLE` defaults: NOLOGIN, INHERIT, nothing else.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            superuser: false,
            inherit: true,
            createrole: false,
            createdb: false,
            login: false,
            replication: false,
            bypass_rls: false,
            connection_limit: -1,
            password: None,
            valid_until: None,
        }
    }

    /// The bootstrap superuser created by initdb (all attributes, LOGIN).
    pub fn bootstrap_superuser(name: impl Into<String>) -> Self {
        Self {
            superuser: true,
            createrole: true,
            createdb: true,
            login: true,
            replication: true,
            bypass_rls: true,
            ..Self::new(name)
        }
    }

    /// True when `password` holds a SCRAM-SHA-256 verifier.
    pub fn has_scram_verifier(&self) -> bool {
        self.password
            .as_deref()
            .is_some_and(|p| p.starts_with(SCRAM_SHA_256_PREFIX))
    }

    /// Whether the password is still valid at `now_unix_micros`.
    pub fn password_valid_at(&self, now_unix_micros: i64) -> bool {
        self.valid_until.is_none_or(|until| now_unix_micros < until)
    }

    /// Whether the role may open a session at `now_unix_micros` with
    /// `current` sessions already open. Superusers ignore the connection limit.
    pub fn may_log_in(&self, now_unix_micros: i64, current: usize) -> bool {
        let under_limit = self.superuser
            || self.connection_limit < 0
            || usize::try_from(self.connection_limit).is_ok_and(|limit| current < limit);
        self.login && under_limit && self.password_valid_at(now_unix_micros)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_create_role() {
        let r = ClusterRoleDescriptor::new("app");
        assert!(!r.login && !r.superuser && r.inherit && r.connection_limit == -1);
        assert!(!r.may_log_in(0, 0));
    }

    #[test]
    fn login_rules() {
        let mut r = ClusterRoleDescriptor::new("app");
        r.login = true;
        r.connection_limit = 1;
        r.valid_until = Some(100);
        assert!(r.may_log_in(99, 0));
        assert!(!r.may_log_in(99, 1));
        assert!(!r.may_log_in(100, 0));
        let su = ClusterRoleDescriptor::bootstrap_superuser("postgres");
        assert!(su.may_log_in(i64::MAX, 1_000));
    }

    #[test]
    fn scram_verifier_detection() {
        let mut r = ClusterRoleDescriptor::new("app");
        assert!(!r.has_scram_verifier());
        r.password = Some("SCRAM-SHA-256$4096:c2FsdA==$a:b".into());
        assert!(r.has_scram_verifier());
        r.password = Some("md5abc".into());
        assert!(!r.has_scram_verifier());
    }
}
