//! The control-plane and data-plane contracts.
//!
//! Every trait is object-safe and `Send + Sync`, so the engine can hold an
//! `Arc<dyn ControlPlane>` whether it is backed by [`InMemoryControlPlane`]
//! (single node) or by an external consensus store.
//!
//! [`InMemoryControlPlane`]: crate::InMemoryControlPlane

use super::ids::{CatalogVersion, NodeId, ShardId, SnapshotTimestamp, TxnId};
use super::node::{ControlPlaneNodeSnapshot, ControlPlaneSnapshot, NodeDescriptor};
use super::shard::{EpochLease, ReplicaRole, ShardDescriptor};
use super::txn::{FragmentMetadata, TxnDecision, TxnRecord, TxnScope};
use crate::error::ClusterResult;
use crate::replication::ReplicaAction;

/// Read access to distributed catalog metadata.
pub trait MetadataReader: Send + Sync {
    /// Current catalog version.
    fn catalog_version(&self) -> ClusterResult<CatalogVersion>;
    /// Raw placement metadata of one shard (no liveness checks).
    fn shard(&self, shard_id: ShardId) -> ClusterResult<ShardDescriptor>;
    /// Every shard, sorted by id.
    fn shards(&self) -> ClusterResult<Vec<ShardDescriptor>>;
    /// A consistent copy of nodes, liveness and shards.
    fn snapshot(&self) -> ClusterResult<ControlPlaneSnapshot>;
}

/// Write access to distributed catalog metadata.
pub trait MetadataWriter: Send + Sync {
    /// Bumps and returns the catalog version (after a schema change).
    fn bump_catalog_version(&self) -> ClusterResult<CatalogVersion>;
    /// Registers a new shard; placements must name registered nodes and
    /// have exactly one leader.
    fn create_shard(&self, shard: ShardDescriptor) -> ClusterResult<()>;
    /// Forgets a shard, returning its last descriptor.
    fn drop_shard(&self, shard_id: ShardId) -> ClusterResult<ShardDescriptor>;
}

/// Node registration and liveness.
pub trait NodeMembership: Send + Sync {
    /// Registers a node (initially live).
    fn register_node(&self, node: NodeDescriptor) -> ClusterResult<()>;
    /// Removes a node that hosts no replicas.
    fn deregister_node(&self, node_id: &NodeId) -> ClusterResult<NodeDescriptor>;
    /// Marks a node live (heartbeat received).
    fn mark_node_live(&self, node_id: &NodeId) -> ClusterResult<()>;
    /// Marks a node down (liveness expired).
    fn mark_node_down(&self, node_id: &NodeId) -> ClusterResult<()>;
    /// One node's registration and liveness.
    fn node(&self, node_id: &NodeId) -> ClusterResult<ControlPlaneNodeSnapshot>;
    /// Every node, sorted by id.
    fn nodes(&self) -> ClusterResult<Vec<ControlPlaneNodeSnapshot>>;
}

/// Routing: which node serves a shard, under majority safety.
pub trait ShardResolver: Send + Sync {
    /// Lease for writes: live leader and live voter majority, else a typed error.
    fn resolve_write(&self, shard_id: ShardId) -> ClusterResult<EpochLease>;
    /// Lease for consistent reads (same rules as writes: reads go to the leaseholder).
    fn resolve_read(&self, shard_id: ShardId) -> ClusterResult<EpochLease>;
    /// The current lease (same rules).
    fn current_lease(&self, shard_id: ShardId) -> ClusterResult<EpochLease>;
    /// Rejects a lease whose epoch or leader is no longer current.
    fn validate_lease(&self, lease: &EpochLease) -> ClusterResult<()>;
}

/// Executes fragments against local shard engines.
pub trait DataPlaneLocalExecutor: Send + Sync {
    /// Runs an encoded fragment plan, returning encoded results.
    fn execute_local_fragment(
        &self,
        metadata: &FragmentMetadata,
        plan: &[u8],
    ) -> ClusterResult<Vec<u8>>;
}

/// Ships fragments to other nodes.
pub trait RemoteExecutor: Send + Sync {
    /// Runs an encoded fragment plan on `target`, returning encoded results.
    fn execute_remote_fragment(
        &self,
        target: &NodeId,
        metadata: &FragmentMetadata,
        plan: &[u8],
    ) -> ClusterResult<Vec<u8>>;
}

/// Distributed transaction records and the cluster clock.
pub trait TxnCoordinator: Send + Sync {
    /// A fresh, strictly increasing snapshot timestamp.
    fn next_snapshot_timestamp(&self) -> ClusterResult<SnapshotTimestamp>;
    /// Moves the clock forward past a timestamp seen elsewhere.
    fn observe_timestamp(&self, observed: SnapshotTimestamp) -> ClusterResult<()>;
    /// Records a new pending transaction.
    fn begin(&self, scope: TxnScope) -> ClusterResult<TxnRecord>;
    /// Records the decision; repeating the same decision is idempotent, a
    /// conflicting one is an error.
    fn decide(&self, txn_id: TxnId, decision: TxnDecision) -> ClusterResult<TxnRecord>;
    /// The record of `txn_id`.
    fn record(&self, txn_id: TxnId) -> ClusterResult<TxnRecord>;
    /// Drops a decided record once every participant has resolved it.
    fn forget(&self, txn_id: TxnId) -> ClusterResult<TxnRecord>;
    /// Undecided records (for recovery).
    fn pending(&self) -> ClusterResult<Vec<TxnRecord>>;
}

/// Replica placement and leadership changes, each validated under majority
/// safety and each bumping the shard's placement epoch.
pub trait ReplicaController: Send + Sync {
    /// Explicit transfer from a live leader to a live voter.
    fn transfer_leadership(&self, shard_id: ShardId, target: &NodeId) -> ClusterResult<EpochLease>;
    /// Failover from a down leader to a live voter, with a live voter majority.
    fn fail_over_leadership(&self, shard_id: ShardId, target: &NodeId)
    -> ClusterResult<EpochLease>;
    /// Adds a follower or learner on a registered node.
    fn add_replica(
        &self,
        shard_id: ShardId,
        node_id: &NodeId,
        role: ReplicaRole,
    ) -> ClusterResult<()>;
    /// Removes a non-leader replica, keeping a live voter majority.
    fn remove_replica(&self, shard_id: ShardId, node_id: &NodeId) -> ClusterResult<()>;
    /// Promotes a live learner to follower.
    fn promote_learner(&self, shard_id: ShardId, node_id: &NodeId) -> ClusterResult<()>;

    /// Applies one planned action.
    fn apply_replica_action(&self, action: &ReplicaAction) -> ClusterResult<()> {
        match action {
            ReplicaAction::AddReplica {
                shard_id,
                node_id,
                role,
            } => self.add_replica(*shard_id, node_id, *role),
            ReplicaAction::RemoveReplica { shard_id, node_id } => {
                self.remove_replica(*shard_id, node_id)
            }
            ReplicaAction::PromoteLearner { shard_id, node_id } => {
                self.promote_learner(*shard_id, node_id)
            }
            ReplicaAction::TransferLeadership { shard_id, to, .. } => {
                self.transfer_leadership(*shard_id, to).map(drop)
            }
            ReplicaAction::FailOverLeadership { shard_id, to, .. } => {
                self.fail_over_leadership(*shard_id, to).map(drop)
            }
        }
    }
}

/// The whole control plane: metadata, membership, routing, transaction
/// records and replica control. Fragment execution
/// ([`DataPlaneLocalExecutor`], [`RemoteExecutor`]) is the data plane's and
/// is deliberately not part of it.
pub trait ControlPlane:
    MetadataReader
    + MetadataWriter
    + NodeMembership
    + ShardResolver
    + TxnCoordinator
    + ReplicaController
{
}

impl<T> ControlPlane for T where
    T: MetadataReader
        + MetadataWriter
        + NodeMembership
        + ShardResolver
        + TxnCoordinator
        + ReplicaController
{
}
