//! Database descriptors (pg_database rows) and the CREATE DATABASE request.

use serde::{Deserialize, Serialize};

use crate::id::{DatabaseId, TablespaceId};

/// Encoding used when neither the request nor a template supplies one.
pub const DEFAULT_ENCODING: &str = "UTF8";
/// Collation / ctype used when neither the request nor a template supplies one.
pub const DEFAULT_LOCALE: &str = "C";

/// Persisted metadata for one database, modeled on `pg_database`.
///
/// The engine writes the whole descriptor into the WAL when a database is
/// created or altered, and re-installs it verbatim on replay
/// ([`ClusterCatalog::install_database`](crate::ClusterCatalog::install_database)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseDescriptor {
    /// `oid`.
    pub id: DatabaseId,
    /// `datname`.
    pub name: String,
    /// `datdba`, by role name.
    pub owner: String,
    /// `encoding`, e.g. "UTF8".
    pub encoding: String,
    /// `datcollate`.
    pub collate: String,
    /// `datctype`.
    pub ctype: String,
    /// `dattablespace`.
    pub tablespace_id: TablespaceId,
    /// `datconnlimit`; -1 means unlimited.
    pub connection_limit: i32,
    /// `datistemplate`.
    pub is_template: bool,
    /// `datallowconn`.
    pub allow_connections: bool,
    /// The database this one was copied from, if any.
    pub template: Option<DatabaseId>,
}

impl DatabaseDescriptor {
    /// True when `connection_limit` is -1.
    pub fn is_connection_limit_unlimited(&self) -> bool {
        self.connection_limit < 0
    }

    /// Whether one more connection is allowed when `current` are open.
    pub fn admits_connection(&self, current: usize) -> bool {
        self.allow_connections
            && (self.connection_limit < 0
                || usize::try_from(self.connection_limit).is_ok_and(|limit| current < limit))
    }
}

/// Input to [`ClusterCatalog::create_database`](crate::ClusterCatalog::create_database).
///
/// `None` fields are inherited from the template database (`template1` when
/// `template` is `None` and it exists), exactly like PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateDatabaseRequest {
    /// New database name.
    pub name: String,
    /// Owning role name.
    pub owner: String,
    /// `TEMPLATE` option.
    pub template: Option<String>,
    /// `ENCODING` option.
    pub encoding: Option<String>,
    /// `LC_COLLATE` option.
    pub collate: Option<String>,
    /// `LC_CTYPE` option.
    pub ctype: Option<String>,
    /// `TABLESPACE` option.
    pub tablespace_id: Option<TablespaceId>,
    /// `CONNECTION LIMIT` option.
    pub connection_limit: Option<i32>,
    /// `IS_TEMPLATE` option.
    pub is_template: bool,
    /// `ALLOW_CONNECTIONS` option.
    pub allow_connections: bool,
}

impl CreateDatabaseRequest {
    /// A request with PostgreSQL's defaults for everything but name and owner.
    pub fn new(name: impl Into<String>, owner: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            owner: owner.into(),
            template: None,
            encoding: None,
            collate: None,
            ctype: None,
            tablespace_id: None,
            connection_limit: None,
            is_template: false,
            allow_connections: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptor(limit: i32, allow: bool) -> DatabaseDescriptor {
        DatabaseDescriptor {
            id: DatabaseId::DEFAULT,
            name: "postgres".into(),
            owner: "postgres".into(),
            encoding: DEFAULT_ENCODING.into(),
            collate: DEFAULT_LOCALE.into(),
            ctype: DEFAULT_LOCALE.into(),
            tablespace_id: TablespaceId::PG_DEFAULT,
            connection_limit: limit,
            is_template: false,
            allow_connections: allow,
            template: None,
        }
    }

    #[test]
    fn connection_limit_admission() {
        assert!(descriptor(-1, true).admits_connection(10_000));
        assert!(descriptor(2, true).admits_connection(1));
        assert!(!descriptor(2, true).admits_connection(2));
        assert!(!descriptor(0, true).admits_connection(0));
        assert!(!descriptor(-1, false).admits_connection(0));
    }

    #[test]
    fn descriptor_round_trips_through_serde() {
        let d = descriptor(5, true);
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(
            serde_json::from_str::<DatabaseDescriptor>(&json).unwrap(),
            d
        );
    }
}
