//! [`InMemoryControlPlane`]: the embedded single-node control plane.

use std::collections::BTreeMap;

use parking_lot::RwLock;

use super::ids::{CatalogVersion, NodeId, ShardId, SnapshotTimestamp, TxnId};
use super::node::{ControlPlaneNodeSnapshot, ControlPlaneSnapshot, NodeDescriptor};
use super::shard::{EpochLease, ReplicaRole, ShardDescriptor};
use super::traits::{
    MetadataReader, MetadataWriter, NodeMembership, ReplicaController, ShardResolver,
    TxnCoordinator,
};
use super::txn::{InMemoryTxnCoordinator, TxnDecision, TxnRecord, TxnScope};
use crate::error::{ClusterError, ClusterResult};

#[derive(Debug)]
struct State {
    catalog_version: CatalogVersion,
    nodes: BTreeMap<NodeId, ControlPlaneNodeSnapshot>,
    shards: BTreeMap<ShardId, ShardDescriptor>,
}

impl State {
    fn is_live(&self, node_id: &NodeId) -> bool {
        self.nodes.get(node_id).is_some_and(|n| n.live)
    }

    fn shard(&self, shard_id: ShardId) -> ClusterResult<&ShardDescriptor> {
        self.shards
            .get(&shard_id)
            .ok_or(ClusterError::UnknownShard { shard_id })
    }

    fn node_mut(&mut self, node_id: &NodeId) -> ClusterResult<&mut ControlPlaneNodeSnapshot> {
        self.nodes
            .get_mut(node_id)
            .ok_or_else(|| ClusterError::UnknownNode {
                node_id: node_id.clone(),
            })
    }

    /// Runs `change` on a copy of the shard and commits it only on success,
    /// so a rejected change leaves no trace.
    fn change_shard<T>(
        &mut self,
        shard_id: ShardId,
        change: impl FnOnce(&mut ShardDescriptor, &dyn Fn(&NodeId) -> bool) -> ClusterResult<T>,
    ) -> ClusterResult<T> {
        let mut shard = self.shard(shard_id)?.clone();
        let out = change(&mut shard, &|n| self.is_live(n))?;
        self.shards.insert(shard_id, shard);
        Ok(out)
    }
}

/// Thread-safe in-memory [`ControlPlane`](crate::ControlPlane).
///
/// Its [`TxnCoordinator`] side is an embedded [`InMemoryTxnCoordinator`];
/// `begin` additionally checks every participant against the current
/// leases and the scope against the current catalog version.
#[derive(Debug)]
pub struct InMemoryControlPlane {
    state: RwLock<State>,
    txns: InMemoryTxnCoordinator,
}

impl Default for InMemoryControlPlane {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryControlPlane {
    /// An empty control plane at [`CatalogVersion::INITIAL`].
    pub fn new() -> Self {
        Self {
            state: RwLock::new(State {
                catalog_version: CatalogVersion::INITIAL,
                nodes: BTreeMap::new(),
                shards: BTreeMap::new(),
            }),
            txns: InMemoryTxnCoordinator::new(),
        }
    }

    /// A control plane holding exactly `snapshot` (tests, restores).
    pub fn from_snapshot(snapshot: ControlPlaneSnapshot) -> ClusterResult<Self> {
        let plane = Self::new();
        {
            let mut state = plane.state.write();
            state.catalog_version = snapshot.catalog_version;
            for node in snapshot.nodes {
                state.nodes.insert(node.node_id().clone(), node);
            }
        }
        for shard in snapshot.shards {
            let epoch = shard.epoch;
            let shard_id = shard.shard_id;
            plane.create_shard(shard)?;
            if let Some(s) = plane.state.write().shards.get_mut(&shard_id) {
                s.epoch = epoch;
            }
        }
        Ok(plane)
    }

    fn resolve(&self, shard_id: ShardId) -> ClusterResult<EpochLease> {
        let state = self.state.read();
        state.shard(shard_id)?.lease(&|n| state.is_live(n))
    }
}

impl MetadataReader for InMemoryControlPlane {
    fn catalog_version(&self) -> ClusterResult<CatalogVersion> {
        Ok(self.state.read().catalog_version)
    }

    fn shard(&self, shard_id: ShardId) -> ClusterResult<ShardDescriptor> {
        self.state.read().shard(shard_id).cloned()
    }

    fn shards(&self) -> ClusterResult<Vec<ShardDescriptor>> {
        Ok(self.state.read().shards.values().cloned().collect())
    }

    fn snapshot(&self) -> ClusterResult<ControlPlaneSnapshot> {
        let state = self.state.read();
        Ok(ControlPlaneSnapshot {
            catalog_version: state.catalog_version,
            nodes: state.nodes.values().cloned().collect(),
            shards: state.shards.values().cloned().collect(),
        })
    }
}

impl MetadataWriter for InMemoryControlPlane {
    fn bump_catalog_version(&self) -> ClusterResult<CatalogVersion> {
        let mut state = self.state.write();
        state.catalog_version = state.catalog_version.next();
        Ok(state.catalog_version)
    }

    fn create_shard(&self, mut shard: ShardDescriptor) -> ClusterResult<()> {
        shard.placements.sort();
        shard.validate()?;
        let mut state = self.state.write();
        if state.shards.contains_key(&shard.shard_id) {
            return Err(ClusterError::ShardAlreadyExists {
                shard_id: shard.shard_id,
            });
        }
        if let Some(p) = shard
            .placements
            .iter()
            .find(|p| !state.nodes.contains_key(&p.node_id))
        {
            return Err(ClusterError::UnknownNode {
                node_id: p.node_id.clone(),
            });
        }
        state.shards.insert(shard.shard_id, shard);
        Ok(())
    }

    fn drop_shard(&self, shard_id: ShardId) -> ClusterResult<ShardDescriptor> {
        self.state
            .write()
            .shards
            .remove(&shard_id)
            .ok_or(ClusterError::UnknownShard { shard_id })
    }
}

impl NodeMembership for InMemoryControlPlane {
    fn register_node(&self, node: NodeDescriptor) -> ClusterResult<()> {
        let mut state = self.state.write();
        if state.nodes.contains_key(&node.node_id) {
            return Err(ClusterError::NodeAlreadyRegistered {
                node_id: node.node_id,
            });
        }
        let snapshot = ControlPlaneNodeSnapshot {
            descriptor: node,
            live: true,
        };
        state.nodes.insert(snapshot.node_id().clone(), snapshot);
        Ok(())
    }

    fn deregister_node(&self, node_id: &NodeId) -> ClusterResult<NodeDescriptor> {
        let mut state = self.state.write();
        state.node_mut(node_id)?;
        let replicas = state
            .shards
            .values()
            .filter(|s| s.role_of(node_id).is_some())
            .count();
        if replicas > 0 {
            return Err(ClusterError::NodeHasReplicas {
                node_id: node_id.clone(),
                replicas,
            });
        }
        state
            .nodes
            .remove(node_id)
            .map(|n| n.descriptor)
            .ok_or_else(|| ClusterError::UnknownNode {
                node_id: node_id.clone(),
            })
    }

    fn mark_node_live(&self, node_id: &NodeId) -> ClusterResult<()> {
        self.state.write().node_mut(node_id)?.live = true;
        Ok(())
    }

    fn mark_node_down(&self, node_id: &NodeId) -> ClusterResult<()> {
        self.state.write().node_mut(node_id)?.live = false;
        Ok(())
    }

    fn node(&self, node_id: &NodeId) -> ClusterResult<ControlPlaneNodeSnapshot> {
        self.state
            .read()
            .nodes
            .get(node_id)
            .cloned()
            .ok_or_else(|| ClusterError::UnknownNode {
                node_id: node_id.clone(),
            })
    }

    fn nodes(&self) -> ClusterResult<Vec<ControlPlaneNodeSnapshot>> {
        Ok(self.state.read().nodes.values().cloned().collect())
    }
}

impl ShardResolver for InMemoryControlPlane {
    fn resolve_write(&self, shard_id: ShardId) -> ClusterResult<EpochLease> {
        self.resolve(shard_id)
    }

    fn resolve_read(&self, shard_id: ShardId) -> ClusterResult<EpochLease> {
        self.resolve(shard_id)
    }

    fn current_lease(&self, shard_id: ShardId) -> ClusterResult<EpochLease> {
        self.resolve(shard_id)
    }

    fn validate_lease(&self, lease: &EpochLease) -> ClusterResult<()> {
        self.state
            .read()
            .shard(lease.shard_id)?
            .validate_lease(lease)
    }
}

impl TxnCoordinator for InMemoryControlPlane {
    fn next_snapshot_timestamp(&self) -> ClusterResult<SnapshotTimestamp> {
        self.txns.next_snapshot_timestamp()
    }

    fn observe_timestamp(&self, observed: SnapshotTimestamp) -> ClusterResult<()> {
        self.txns.observe_timestamp(observed)
    }

    fn begin(&self, scope: TxnScope) -> ClusterResult<TxnRecord> {
        scope.validate()?;
        {
            let state = self.state.read();
            if scope.catalog_version != state.catalog_version {
                return Err(ClusterError::InvalidTxnScope {
                    reason: format!(
                        "planned at catalog version {}, current is {}",
                        scope.catalog_version, state.catalog_version
                    ),
                });
            }
            for p in &scope.participants {
                state.shard(p.shard_id)?.validate_lease(&EpochLease {
                    shard_id: p.shard_id,
                    leader: p.leader.clone(),
                    epoch: p.epoch,
                })?;
            }
        }
        self.txns.begin(scope)
    }

    fn decide(&self, txn_id: TxnId, decision: TxnDecision) -> ClusterResult<TxnRecord> {
        self.txns.decide(txn_id, decision)
    }

    fn record(&self, txn_id: TxnId) -> ClusterResult<TxnRecord> {
        self.txns.record(txn_id)
    }

    fn forget(&self, txn_id: TxnId) -> ClusterResult<TxnRecord> {
        self.txns.forget(txn_id)
    }

    fn pending(&self) -> ClusterResult<Vec<TxnRecord>> {
        self.txns.pending()
    }
}

impl ReplicaController for InMemoryControlPlane {
    fn transfer_leadership(&self, shard_id: ShardId, target: &NodeId) -> ClusterResult<EpochLease> {
        self.state
            .write()
            .change_shard(shard_id, |s, live| s.transfer_leadership(target, live))
    }

    fn fail_over_leadership(
        &self,
        shard_id: ShardId,
        target: &NodeId,
    ) -> ClusterResult<EpochLease> {
        self.state
            .write()
            .change_shard(shard_id, |s, live| s.fail_over_leadership(target, live))
    }

    fn add_replica(
        &self,
        shard_id: ShardId,
        node_id: &NodeId,
        role: ReplicaRole,
    ) -> ClusterResult<()> {
        let mut state = self.state.write();
        state.shard(shard_id)?;
        state.node_mut(node_id)?;
        state.change_shard(shard_id, |s, live| s.add_replica(node_id, role, live))
    }

    fn remove_replica(&self, shard_id: ShardId, node_id: &NodeId) -> ClusterResult<()> {
        self.state
            .write()
            .change_shard(shard_id, |s, live| s.remove_replica(node_id, live))
    }

    fn promote_learner(&self, shard_id: ShardId, node_id: &NodeId) -> ClusterResult<()> {
        self.state
            .write()
            .change_shard(shard_id, |s, live| s.promote_learner(node_id, live))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::distributed::{ControlPlane, ShardPlacement};

    fn plane() -> InMemoryControlPlane {
        let cp = InMemoryControlPlane::new();
        for n in ["a", "b", "c", "d"] {
            cp.register_node(NodeDescriptor::new(n, format!("{n}:5432")))
                .unwrap();
        }
        cp.create_shard(ShardDescriptor::new(
            ShardId::new(1),
            42,
            vec![
                ShardPlacement::new("a", ReplicaRole::Leader),
                ShardPlacement::new("b", ReplicaRole::Follower),
                ShardPlacement::new("c", ReplicaRole::Follower),
                ShardPlacement::new("d", ReplicaRole::Learner),
            ],
        ))
        .unwrap();
        cp
    }

    #[test]
    fn resolution_enforces_majority_safety() {
        let cp = plane();
        let s1 = ShardId::new(1);
        assert_eq!(cp.resolve_write(s1).unwrap().leader, NodeId::from("a"));
        cp.mark_node_down(&"b".into()).unwrap();
        assert_eq!(cp.resolve_read(s1).unwrap().leader, NodeId::from("a"));
        cp.mark_node_down(&"c".into()).unwrap();
        for result in [
            cp.resolve_write(s1),
            cp.resolve_read(s1),
            cp.current_lease(s1),
        ] {
            assert!(matches!(
                result,
                Err(ClusterError::NoQuorum {
                    live_voters: 1,
                    voters: 3,
                    ..
                })
            ));
        }
        assert!(matches!(
            cp.transfer_leadership(s1, &"d".into()),
            Err(ClusterError::NoQuorum { .. })
        ));
        cp.mark_node_live(&"c".into()).unwrap();
        cp.mark_node_live(&"b".into()).unwrap();
        cp.mark_node_down(&"a".into()).unwrap();
        assert!(matches!(
            cp.resolve_write(s1),
            Err(ClusterError::LeaderNotLive { .. })
        ));
        assert!(matches!(
            cp.transfer_leadership(s1, &"c".into()),
            Err(ClusterError::LeaderNotLive { .. })
        ));
        let lease = cp.fail_over_leadership(s1, &"b".into()).unwrap();
        cp.validate_lease(&lease).unwrap();
        assert_eq!(cp.resolve_write(s1).unwrap(), lease);
    }

    #[test]
    fn transfer_bumps_epoch_and_old_lease_is_stale() {
        let cp = plane();
        let s1 = ShardId::new(1);
        let old = cp.current_lease(s1).unwrap();
        assert!(
            cp.transfer_leadership(s1, &"d".into()).is_err(),
            "learner target"
        );
        assert_eq!(
            cp.shard(s1).unwrap().epoch,
            old.epoch,
            "rejected change leaves no trace"
        );
        let new = cp.transfer_leadership(s1, &"c".into()).unwrap();
        assert!(new.epoch > old.epoch);
        assert!(matches!(
            cp.validate_lease(&old),
            Err(ClusterError::StaleEpoch { .. })
        ));
        assert_eq!(
            cp.shard(s1).unwrap().role_of(&"d".into()),
            Some(ReplicaRole::Learner)
        );
    }

    #[test]
    fn unknown_ids_are_typed_errors() {
        let cp = plane();
        let nine = ShardId::new(9);
        assert_eq!(
            cp.resolve_write(nine).unwrap_err(),
            ClusterError::UnknownShard { shard_id: nine }
        );
        assert!(matches!(
            cp.mark_node_down(&"zz".into()),
            Err(ClusterError::UnknownNode { .. })
        ));
        assert!(matches!(
            cp.add_replica(ShardId::new(1), &"zz".into(), ReplicaRole::Learner),
            Err(ClusterError::UnknownNode { .. })
        ));
        assert!(matches!(
            cp.register_node(NodeDescriptor::new("a", "")),
            Err(ClusterError::NodeAlreadyRegistered { .. })
        ));
        assert!(matches!(
            cp.deregister_node(&"a".into()),
            Err(ClusterError::NodeHasReplicas { replicas: 1, .. })
        ));
        assert!(matches!(
            cp.drop_shard(nine),
            Err(ClusterError::UnknownShard { .. })
        ));
        let dup = cp.shard(ShardId::new(1)).unwrap();
        assert!(matches!(
            cp.create_shard(dup),
            Err(ClusterError::ShardAlreadyExists { .. })
        ));
        let orphan = ShardDescriptor::new(
            ShardId::new(2),
            0,
            vec![ShardPlacement::new("zz", ReplicaRole::Leader)],
        );
        assert!(matches!(
            cp.create_shard(orphan),
            Err(ClusterError::UnknownNode { .. })
        ));
    }

    #[test]
    fn membership_and_metadata() {
        let cp = plane();
        assert_eq!(cp.bump_catalog_version().unwrap(), CatalogVersion::new(2));
        cp.register_node(NodeDescriptor::new("e", "e:1")).unwrap();
        assert!(cp.node(&"e".into()).unwrap().live);
        cp.add_replica(ShardId::new(1), &"e".into(), ReplicaRole::Learner)
            .unwrap();
        cp.promote_learner(ShardId::new(1), &"e".into()).unwrap();
        cp.remove_replica(ShardId::new(1), &"e".into()).unwrap();
        assert_eq!(cp.deregister_node(&"e".into()).unwrap().address, "e:1");
        let snap = cp.snapshot().unwrap();
        assert_eq!(snap.nodes.len(), 4);
        let copy = InMemoryControlPlane::from_snapshot(snap.clone()).unwrap();
        assert_eq!(copy.snapshot().unwrap(), snap);
        assert_eq!(cp.drop_shard(ShardId::new(1)).unwrap().table_id, 42);
        assert!(cp.shards().unwrap().is_empty());
    }

    #[test]
    fn begin_checks_participants_against_current_leases() {
        use crate::distributed::{TxnParticipant, TxnRecordStatus};
        let cp = plane();
        let s1 = ShardId::new(1);
        let lease = cp.resolve_write(s1).unwrap();
        let scope = TxnScope {
            snapshot: cp.next_snapshot_timestamp().unwrap(),
            catalog_version: cp.catalog_version().unwrap(),
            participants: vec![TxnParticipant {
                shard_id: s1,
                leader: lease.leader,
                epoch: lease.epoch,
            }],
        };
        let record = cp.begin(scope.clone()).unwrap();
        assert_eq!(record.status, TxnRecordStatus::Pending);
        assert_eq!(cp.pending().unwrap().len(), 1);
        assert_eq!(
            cp.decide(record.txn_id, TxnDecision::Abort).unwrap().status,
            TxnRecordStatus::Aborted
        );
        assert_eq!(
            cp.record(record.txn_id).unwrap().status,
            TxnRecordStatus::Aborted
        );
        cp.forget(record.txn_id).unwrap();
        cp.transfer_leadership(s1, &"b".into()).unwrap();
        assert!(matches!(
            cp.begin(scope.clone()),
            Err(ClusterError::StaleEpoch { .. })
        ));
        let mut unknown = scope.clone();
        unknown.participants[0].shard_id = ShardId::new(9);
        assert!(matches!(
            cp.begin(unknown),
            Err(ClusterError::UnknownShard { .. })
        ));
        cp.bump_catalog_version().unwrap();
        assert!(matches!(
            cp.begin(scope),
            Err(ClusterError::InvalidTxnScope { .. })
        ));
        let ts = cp.next_snapshot_timestamp().unwrap();
        cp.observe_timestamp(SnapshotTimestamp::new(ts.get() + 10))
            .unwrap();
        assert!(cp.next_snapshot_timestamp().unwrap().get() > ts.get() + 10);
    }

    #[test]
    fn usable_as_shared_trait_object() {
        let cp: Arc<dyn ControlPlane> = Arc::new(plane());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let cp = Arc::clone(&cp);
                std::thread::spawn(move || cp.resolve_write(ShardId::new(1)).map(|l| l.leader))
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap().unwrap(), NodeId::from("a"));
        }
    }
}
