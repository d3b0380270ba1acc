//! Test helpers for building snapshots.

use crate::distributed::{
    CatalogVersion, ControlPlaneNodeSnapshot, ControlPlaneSnapshot, NodeDescriptor, ReplicaRole,
    ShardDescriptor, ShardId, ShardPlacement,
};

pub(crate) fn node(id: &str, attrs: &[(&str, &str)], live: bool) -> ControlPlaneNodeSnapshot {
    let mut descriptor = NodeDescriptor::new(id, format!("{id}:5432"));
    for (k, v) in attrs {
        descriptor = descriptor.with_attribute(*k, *v);
    }
    ControlPlaneNodeSnapshot { descriptor, live }
}

/// `spec` like "L:a F:b F:c R:d" (R = learner).
pub(crate) fn shard(id: u32, spec: &str) -> ShardDescriptor {
    let placements = spec
        .split_whitespace()
        .filter_map(|p| {
            let (role, node) = p.split_once(':')?;
            let role = match role {
                "L" => ReplicaRole::Leader,
                "F" => ReplicaRole::Follower,
                _ => ReplicaRole::Learner,
            };
            Some(ShardPlacement::new(node, role))
        })
        .collect();
    ShardDescriptor::new(ShardId::new(id), 1, placements)
}

pub(crate) fn snapshot(
    nodes: Vec<ControlPlaneNodeSnapshot>,
    shards: Vec<ShardDescriptor>,
) -> ControlPlaneSnapshot {
    let mut s = ControlPlaneSnapshot {
        catalog_version: CatalogVersion::INITIAL,
        nodes,
        shards,
    };
    s.normalize();
    s
}

/// Nodes `ids`, all live, no attributes, except those in `down`.
pub(crate) fn plain_nodes(ids: &[&str], down: &[&str]) -> Vec<ControlPlaneNodeSnapshot> {
    ids.iter()
        .map(|id| node(id, &[], !down.contains(id)))
        .collect()
}
