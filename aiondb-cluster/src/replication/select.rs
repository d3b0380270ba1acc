//! Candidate scoring shared by the planners: load counts, failure-domain
//! spread penalties and lease-preference ranks. Ties always break on node id.

use std::collections::BTreeMap;

use crate::distributed::{
    ControlPlaneNodeSnapshot, ControlPlaneSnapshot, NodeDescriptor, NodeId, ReplicaPlacementPolicy,
    ReplicaRole, ShardDescriptor,
};

/// Per-node replica and leader counts, updated as a plan is built.
#[derive(Debug, Clone, Default)]
pub(crate) struct Loads {
    replicas: BTreeMap<NodeId, usize>,
    leaders: BTreeMap<NodeId, usize>,
}

impl Loads {
    pub(crate) fn of(snapshot: &ControlPlaneSnapshot) -> Self {
        let mut loads = Self::default();
        for shard in &snapshot.shards {
            for p in &shard.placements {
                loads.add_replica(&p.node_id);
                if p.role == ReplicaRole::Leader {
                    loads.move_leader(None, &p.node_id);
                }
            }
        }
        loads
    }

    pub(crate) fn replicas(&self, node: &NodeId) -> usize {
        self.replicas.get(node).copied().unwrap_or(0)
    }

    pub(crate) fn leaders(&self, node: &NodeId) -> usize {
        self.leaders.get(node).copied().unwrap_or(0)
    }

    pub(crate) fn add_replica(&mut self, node: &NodeId) {
        *self.replicas.entry(node.clone()).or_default() += 1;
    }

    pub(crate) fn move_leader(&mut self, from: Option<&NodeId>, to: &NodeId) {
        if let Some(count) = from.and_then(|f| self.leaders.get_mut(f)) {
            *count = count.saturating_sub(1);
        }
        *self.leaders.entry(to.clone()).or_default() += 1;
    }
}

/// For each spread attribute (in policy order), how many of `chosen` share
/// `node`'s value. Compared lexicographically: lower is better.
pub(crate) fn spread_penalty(
    policy: &ReplicaPlacementPolicy,
    node: &NodeDescriptor,
    chosen: &[&NodeDescriptor],
) -> Vec<usize> {
    policy
        .spread_attributes
        .iter()
        .map(|key| {
            let value = node.attribute(key);
            chosen.iter().filter(|c| c.attribute(key) == value).count()
        })
        .collect()
}

/// Live nodes satisfying the policy's required attributes, sorted by id.
pub(crate) fn eligible_nodes<'a>(
    snapshot: &'a ControlPlaneSnapshot,
    policy: &ReplicaPlacementPolicy,
) -> Vec<&'a ControlPlaneNodeSnapshot> {
    snapshot
        .nodes
        .iter()
        .filter(|n| n.live && policy.admits(&n.descriptor))
        .collect()
}

/// The best new-replica node among `candidates`: fewest spread conflicts
/// with `chosen`, then least loaded, then smallest id.
pub(crate) fn best_replica_candidate<'a>(
    candidates: &[&'a ControlPlaneNodeSnapshot],
    chosen: &[&NodeDescriptor],
    policy: &ReplicaPlacementPolicy,
    loads: &Loads,
) -> Option<&'a ControlPlaneNodeSnapshot> {
    candidates.iter().copied().min_by(|a, b| {
        let key = |n: &ControlPlaneNodeSnapshot| {
            (
                spread_penalty(policy, &n.descriptor, chosen),
                loads.replicas(n.node_id()),
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.node_id().cmp(b.node_id()))
    })
}

/// The best leader among the shard's live voters: best lease rank, then
/// fewest leaders, then smallest id.
pub(crate) fn best_leader_candidate(
    snapshot: &ControlPlaneSnapshot,
    shard: &ShardDescriptor,
    policy: &ReplicaPlacementPolicy,
    loads: &Loads,
) -> Option<NodeId> {
    shard
        .voters()
        .filter_map(|n| snapshot.node(n).filter(|n| n.live))
        .min_by_key(|n| {
            (
                policy.lease_rank(&n.descriptor),
                loads.leaders(n.node_id()),
                n.node_id().clone(),
            )
        })
        .map(|n| n.node_id().clone())
}

/// Lease rank of `node` (unregistered nodes rank last).
pub(crate) fn lease_rank(
    snapshot: &ControlPlaneSnapshot,
    policy: &ReplicaPlacementPolicy,
    node: &NodeId,
) -> usize {
    snapshot
        .node(node)
        .map_or(policy.lease_preferences.len(), |n| {
            policy.lease_rank(&n.descriptor)
        })
}

/// Descriptors of `nodes` that are registered.
pub(crate) fn descriptors<'a, 'n>(
    snapshot: &'a ControlPlaneSnapshot,
    nodes: impl IntoIterator<Item = &'n NodeId>,
) -> Vec<&'a NodeDescriptor> {
    nodes
        .into_iter()
        .filter_map(|n| snapshot.node(n).map(|n| &n.descriptor))
        .collect()
}
