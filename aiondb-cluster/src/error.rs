//! The crate's one error type.
//!
//! Every fallible operation returns [`ClusterError`]; nothing in this crate
//! panics on bad input (unknown database, node or shard, stale epoch, lost
//! quorum). [`ClusterError::sqlstate`] gives the PostgreSQL SQLSTATE the engine
//! should report for each variant.

use crate::distributed::{NodeId, PlacementEpoch, ShardId, TxnId};
use crate::id::DatabaseId;

/// Result alias used throughout the crate.
pub type ClusterResult<T> = Result<T, ClusterError>;

/// Every way a cluster-catalog or control-plane operation can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterError {
    /// `CREATE DATABASE` / `RENAME TO` with a name already in use (42P04).
    #[error("database \"{name}\" already exists")]
    DatabaseAlreadyExists { name: String },
    /// A database looked up by name does not exist (3D000).
    #[error("database \"{name}\" does not exist")]
    DatabaseNotFound { name: String },
    /// A database looked up by id does not exist (3D000).
    #[error("database with id {id} does not exist")]
    DatabaseIdNotFound { id: DatabaseId },
    /// `install_database` with an id that another database already holds (42P04).
    #[error("database id {id} is already used by database \"{name}\"")]
    DatabaseIdInUse { id: DatabaseId, name: String },
    /// `DatabaseId::CLUSTER` names the cluster itself, never a database (22023).
    #[error("database id {id} is reserved")]
    ReservedDatabaseId { id: DatabaseId },
    /// Empty or otherwise unusable database name (42602).
    #[error("invalid database name \"{name}\"")]
    InvalidDatabaseName { name: String },
    /// Connection limits must be >= -1 (22023).
    #[error("invalid connection limit: {limit}")]
    InvalidConnectionLimit { limit: i32 },
    /// Template databases must be un-templated before `DROP DATABASE` (42809).
    #[error("cannot drop a template database \"{name}\"")]
    CannotDropTemplate { name: String },

    /// A node id that is not registered with the control plane.
    #[error("unknown node {node_id}")]
    UnknownNode { node_id: NodeId },
    /// `register_node` for a node that is already registered.
    #[error("node {node_id} is already registered")]
    NodeAlreadyRegistered { node_id: NodeId },
    /// `deregister_node` while the node still hosts replicas.
    #[error("node {node_id} still hosts {replicas} replica(s)")]
    NodeHasReplicas { node_id: NodeId, replicas: usize },
    /// A shard id that the control plane does not know.
    #[error("unknown shard {shard_id}")]
    UnknownShard { shard_id: ShardId },
    /// `create_shard` for a shard id that already exists.
    #[error("shard {shard_id} already exists")]
    ShardAlreadyExists { shard_id: ShardId },
    /// A lease or fragment was routed at an epoch that is no longer current.
    #[error("stale placement epoch for shard {shard_id}: presented {presented}, current {current}")]
    StaleEpoch {
        shard_id: ShardId,
        presented: PlacementEpoch,
        current: PlacementEpoch,
    },
    /// Fewer than a majority of the shard's voting replicas are live.
    #[error("shard {shard_id} has no quorum: {live_voters} of {voters} voters live")]
    NoQuorum {
        shard_id: ShardId,
        live_voters: usize,
        voters: usize,
    },
    /// The shard has no leader placement at all.
    #[error("shard {shard_id} has no leader")]
    NoLeader { shard_id: ShardId },
    /// The shard's leader is on a node that is not live.
    #[error("leader {leader} of shard {shard_id} is not live")]
    LeaderNotLive { shard_id: ShardId, leader: NodeId },
    /// A placement change that would break a shard invariant.
    #[error("invalid placement change for shard {shard_id}: {reason}")]
    InvalidPlacement { shard_id: ShardId, reason: String },
    /// Not enough live nodes satisfy the placement policy.
    #[error("need {needed} replica candidates, only {available} satisfy the policy")]
    InsufficientReplicaCandidates { needed: usize, available: usize },

    /// A transaction id the coordinator has no record of.
    #[error("unknown transaction {txn_id}")]
    UnknownTransaction { txn_id: TxnId },
    /// A decision conflicting with one already recorded.
    #[error("transaction {txn_id} is already {status}")]
    TxnAlreadyDecided { txn_id: TxnId, status: String },
    /// A malformed transaction scope (no participants, duplicate shards).
    #[error("invalid transaction scope: {reason}")]
    InvalidTxnScope { reason: String },
    /// Fragment metadata that does not agree with its transaction scope.
    #[error("invalid fragment metadata: {reason}")]
    InvalidFragmentMetadata { reason: String },
}

impl ClusterError {
    /// The PostgreSQL SQLSTATE the engine should report for this error.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            Self::DatabaseAlreadyExists { .. } | Self::DatabaseIdInUse { .. } => "42P04",
            Self::DatabaseNotFound { .. } | Self::DatabaseIdNotFound { .. } => "3D000",
            Self::ReservedDatabaseId { .. } | Self::InvalidConnectionLimit { .. } => "22023",
            Self::InvalidDatabaseName { .. } => "42602",
            Self::CannotDropTemplate { .. } => "42809",
            // Routing failures are retryable by the client: serialization failure.
            Self::StaleEpoch { .. } => "40001",
            Self::NoQuorum { .. } | Self::NoLeader { .. } | Self::LeaderNotLive { .. } => "57P03",
            Self::TxnAlreadyDecided { .. } | Self::UnknownTransaction { .. } => "25000",
            Self::InvalidTxnScope { .. } | Self::InvalidFragmentMetadata { .. } => "XX000",
            Self::UnknownNode { .. }
            | Self::NodeAlreadyRegistered { .. }
            | Self::NodeHasReplicas { .. }
            | Self::UnknownShard { .. }
            | Self::ShardAlreadyExists { .. }
            | Self::InvalidPlacement { .. }
            | Self::InsufficientReplicaCandidates { .. } => "XX000",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_the_engine_relies_on() {
        let name = || "x".to_owned();
        assert_eq!(
            ClusterError::DatabaseAlreadyExists { name: name() }.sqlstate(),
            "42P04"
        );
        assert_eq!(
            ClusterError::DatabaseNotFound { name: name() }.sqlstate(),
            "3D000"
        );
        assert_eq!(
            ClusterError::CannotDropTemplate { name: name() }.sqlstate(),
            "42809"
        );
        assert_eq!(
            ClusterError::InvalidConnectionLimit { limit: -5 }.sqlstate(),
            "22023"
        );
        let stale = ClusterError::StaleEpoch {
            shard_id: ShardId::new(1),
            presented: PlacementEpoch::new(1),
            current: PlacementEpoch::new(2),
        };
        assert_eq!(stale.sqlstate(), "40001");
        assert!(stale.to_string().contains("presented 1, current 2"));
        let no_quorum = ClusterError::NoQuorum {
            shard_id: ShardId::new(1),
            live_voters: 1,
            voters: 3,
        };
        assert_eq!(no_quorum.sqlstate(), "57P03");
        assert_eq!(
            no_quorum.to_string(),
            "shard 1 has no quorum: 1 of 3 voters live"
        );
    }
}
