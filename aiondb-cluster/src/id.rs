//! Cluster-level identities: databases and tablespaces.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Identity of a database inside the cluster (pg_database.oid).
///
/// `CLUSTER` (0) names the cluster itself: shared catalogs (roles,
/// pg_database) live there. `DEFAULT` (1) is the bootstrap database
/// "postgres". Ids for user databases are assigned by the
/// [`ClusterCatalog`](crate::ClusterCatalog) from [`DatabaseId::FIRST_USER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DatabaseId(u32);

impl DatabaseId {
    /// The cluster itself (shared objects), never a real database.
    pub const CLUSTER: DatabaseId = DatabaseId(0);
    /// The bootstrap database "postgres".
    pub const DEFAULT: DatabaseId = DatabaseId(1);
    /// First id handed out by `create_database` (PostgreSQL's FirstNormalObjectId).
    pub const FIRST_USER: DatabaseId = DatabaseId(16384);

    /// Wraps a raw id.
    pub const fn new(raw: u32) -> Self {
        Self(raw)
    }

    /// The raw id.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// True for [`DatabaseId::CLUSTER`].
    pub const fn is_cluster(self) -> bool {
        self.0 == Self::CLUSTER.0
    }
}

impl fmt::Display for DatabaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Identity of a tablespace (pg_tablespace.oid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TablespaceId(u32);

impl TablespaceId {
    /// `pg_default`, where databases live unless told otherwise.
    pub const PG_DEFAULT: TablespaceId = TablespaceId(1663);
    /// `pg_global`, home of the shared catalogs.
    pub const PG_GLOBAL: TablespaceId = TablespaceId(1664);

    /// Wraps a raw id.
    pub const fn new(raw: u32) -> Self {
        Self(raw)
    }

    /// The raw id.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for TablespaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_ids() {
        assert_eq!(DatabaseId::CLUSTER.get(), 0);
        assert_eq!(DatabaseId::DEFAULT.get(), 1);
        assert!(DatabaseId::CLUSTER.is_cluster());
        assert!(!DatabaseId::DEFAULT.is_cluster());
        assert_eq!(TablespaceId::PG_DEFAULT.get(), 1663);
        assert_eq!(TablespaceId::PG_GLOBAL.get(), 1664);
        assert_eq!(DatabaseId::new(7).to_string(), "7");
    }
}
