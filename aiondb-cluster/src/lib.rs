//! Cluster contracts for AionDB: which databases exist, how catalog and
//! storage are scoped to one of them, and how a distributed deployment
//! decides where each shard's replicas live and who leads them.
//!
//! This crate does no I/O. It holds identities, descriptors, traits, two
//! in-memory implementations (the embedded single-node default), and pure
//! planners. The engine persists everything it learns here through the WAL:
//! a `CREATE DATABASE` is logged with the [`DatabaseDescriptor`] returned by
//! [`ClusterCatalog::create_database`], and replay re-installs that same
//! descriptor with [`ClusterCatalog::install_database`], so database ids are
//! re-established exactly and never re-assigned.
//!
//! # Catalog scope
//!
//! ```text
//!   ClusterCatalog (DatabaseId::CLUSTER = 0: roles, pg_database)
//!     ├── postgres   DatabaseId::DEFAULT = 1 ─▶ DatabaseHandle
//!     ├── template1  2                          ├─ DatabaseDescriptor
//!     ├── template0  3                          ├─ Arc<dyn DatabaseCatalog>
//!     └── analytics  16384, 16385, ...          └─ Arc<dyn DatabaseStorage>
//! ```
//!
//! Invariants: names are unique (duplicate → `DatabaseAlreadyExists`,
//! SQLSTATE 42P04; missing → `DatabaseNotFound`, 3D000); ids come from a
//! high-water mark that never decreases, so a dropped database's id is never
//! handed out again; `install_database` raises the mark past the id it
//! installs, making replay deterministic.
//!
//! # Distributed control plane
//!
//! Each shard has voting replicas (one leader, followers) and non-voting
//! learners, at a [`PlacementEpoch`] that every placement change bumps:
//!
//! ```text
//!   shard 7 @ epoch 12     n1: Leader ✓   n2: Follower ✓   n3: Follower ✗   n4: Learner ✓
//!                          voters = 3, live voters = 2 > 3/2  ⇒ serving
//! ```
//!
//! Majority safety, enforced by [`ShardDescriptor`] for every implementation
//! and for the planners' simulator alike:
//!
//! * read/write resolution, lease lookup and explicit leadership transfer
//!   need a live leader and a strict majority of live voters, else a typed
//!   error (`NoQuorum`, `LeaderNotLive`): never a guess;
//! * leadership only moves to live voters; learners keep their role;
//! * a lease or fragment routed at an older epoch is rejected (`StaleEpoch`).
//!
//! # Replication planners
//!
//! [`replication`] turns a [`ControlPlaneSnapshot`] into a list of
//! [`ReplicaAction`]s: initial placement, repair (optionally learner-first),
//! failover and leader balancing under a [`ReplicaPlacementPolicy`]. They are
//! pure and deterministic (sorted iteration only); [`maintain_replication`]
//! applies a plan through a [`ControlPlane`], which re-validates every step.
//!
//! # Example
//!
//! ```
//! use aiondb_cluster::{
//!     CreateDatabaseRequest, DatabaseDescriptor, DatabaseId, InMemoryClusterCatalog,
//! };
//!
//! let cluster = InMemoryClusterCatalog::new();
//! cluster.bootstrap_default("postgres").expect("bootstrap default db");
//! let _all: Vec<DatabaseDescriptor> = cluster
//!     .list_databases()
//!     .expect("in-memory catalog never fails on read");
//!
//! assert_eq!(DatabaseId::DEFAULT.get(), 1);
//! assert!(DatabaseId::CLUSTER.is_cluster());
//!
//! let _req = CreateDatabaseRequest {
//!     name: "analytics".to_owned(),
//!     owner: "postgres".to_owned(),
//!     template: None,
//!     encoding: Some("UTF8".to_owned()),
//!     collate: None,
//!     ctype: None,
//!     tablespace_id: None,
//!     connection_limit: None,
//!     is_template: false,
//!     allow_connections: true,
//! };
//! # let created = cluster.create_database(_req).unwrap();
//! # assert_eq!(created.id, DatabaseId::FIRST_USER);
//! # assert_eq!(cluster.create_database(CreateDatabaseRequest::new("analytics", "x"))
//! #     .unwrap_err().sqlstate(), "42P04");
//! ```
//!
//! And the control plane:
//!
//! ```
//! use aiondb_cluster::{
//!     InMemoryControlPlane, MetadataWriter, NodeDescriptor, NodeMembership, ReplicaRole,
//!     ReplicationMaintenanceOptions, ShardDescriptor, ShardId, ShardPlacement, ShardResolver,
//!     maintain_replication,
//! };
//!
//! let cp = InMemoryControlPlane::new();
//! for n in ["n1", "n2", "n3", "n4"] {
//!     cp.register_node(NodeDescriptor::new(n, format!("{n}:7000"))).unwrap();
//! }
//! let shard = ShardId::new(1);
//! cp.create_shard(ShardDescriptor::new(shard, 100, vec![
//!     ShardPlacement::new("n1", ReplicaRole::Leader),
//!     ShardPlacement::new("n2", ReplicaRole::Follower),
//!     ShardPlacement::new("n3", ReplicaRole::Follower),
//! ])).unwrap();
//! let lease = cp.resolve_write(shard).unwrap();
//!
//! cp.mark_node_down(&"n1".into()).unwrap();
//! assert!(cp.resolve_write(shard).is_err()); // leader down: no guessing
//! maintain_replication(&cp, &ReplicationMaintenanceOptions::default()).unwrap();
//! let new_lease = cp.resolve_write(shard).unwrap(); // failed over, n4 added
//! assert!(new_lease.epoch > lease.epoch);
//! assert!(cp.validate_lease(&lease).is_err());
//! ```

pub mod descriptor;
pub mod distributed;
pub mod error;
pub mod id;
pub mod replication;
pub mod role;
pub mod scope;

pub use descriptor::{CreateDatabaseRequest, DatabaseDescriptor};
pub use distributed::{
    CatalogVersion, ControlPlane, ControlPlaneNodeSnapshot, ControlPlaneSnapshot,
    DataPlaneLocalExecutor, EpochLease, FragmentId, FragmentMetadata, FragmentRuntimeOptions,
    InMemoryControlPlane, InMemoryTxnCoordinator, MetadataReader, MetadataWriter,
    NodeAttributeConstraint, NodeDescriptor, NodeId, NodeMembership, PlacementEpoch, QueryId,
    RemoteExecutor, ReplicaController, ReplicaPlacementPolicy, ReplicaRole, ShardDescriptor,
    ShardId, ShardPlacement, ShardResolver, SnapshotTimestamp, TxnCoordinator, TxnDecision, TxnId,
    TxnParticipant, TxnRecord, TxnRecordStatus, TxnScope, validate_txn_scope_fragment_metadata,
};
pub use error::{ClusterError, ClusterResult};
pub use id::{DatabaseId, TablespaceId};
pub use replication::{
    LeadershipBalanceOptions, NodeReplicaLoad, ReplicaAction, ReplicaCatchupKey, ReplicaRepairMode,
    ReplicaRepairOptions, ReplicationMaintenanceOptions, ReplicationMaintenancePlan,
    ReplicationMaintenanceReport, ReplicationStatusSnapshot, apply_replica_action_to_snapshot,
    caught_up_learner_keys_for_live_nodes, maintain_replication,
    maintain_replication_with_caught_up_learners, plan_initial_shard_replica_placements,
    plan_initial_shard_replica_placements_with_policy, plan_leader_failovers_with_policy,
    plan_leadership_balance_preferences, plan_leadership_balance_preferences_with_policy,
    plan_replica_repairs, plan_replica_repairs_with_policy, plan_replication_maintenance,
};
pub use role::ClusterRoleDescriptor;
pub use scope::{
    ClusterCatalog, DatabaseAlteration, DatabaseCatalog, DatabaseHandle, DatabaseStorage,
    InMemoryClusterCatalog,
};
