//! The distributed control plane: identities, membership, shard placement,
//! leases, transactions, and the traits frontends, planners, shard engines
//! and the fragment transport share.
//!
//! The traits are interface-only; [`InMemoryControlPlane`] and
//! [`InMemoryTxnCoordinator`] are the in-memory implementations used by the
//! embedded single-node default and by tests. Majority safety lives in
//! [`ShardDescriptor`] itself, so every implementation (and the pure
//! planners' simulator) enforces the same rules.

mod ids;
mod memory;
mod node;
mod shard;
mod traits;
mod txn;

pub use ids::{
    CatalogVersion, FragmentId, NodeId, PlacementEpoch, QueryId, ShardId, SnapshotTimestamp, TxnId,
};
pub use memory::InMemoryControlPlane;
pub use node::{
    ControlPlaneNodeSnapshot, ControlPlaneSnapshot, NodeAttributeConstraint, NodeDescriptor,
    ReplicaPlacementPolicy,
};
pub use shard::{EpochLease, ReplicaRole, ShardDescriptor, ShardPlacement};
pub use traits::{
    ControlPlane, DataPlaneLocalExecutor, MetadataReader, MetadataWriter, NodeMembership,
    RemoteExecutor, ReplicaController, ShardResolver, TxnCoordinator,
};
pub use txn::{
    FragmentMetadata, FragmentRuntimeOptions, InMemoryTxnCoordinator, TxnDecision, TxnParticipant,
    TxnRecord, TxnRecordStatus, TxnScope, validate_txn_scope_fragment_metadata,
};
