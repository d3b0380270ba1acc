//! Replication health numbers, as exported on `/metrics`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::distributed::{ControlPlaneSnapshot, MetadataReader, NodeId, ReplicaRole};
use crate::error::ClusterResult;

/// Replicas hosted by one node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeReplicaLoad {
    /// Whether the node is live.
    pub live: bool,
    /// Shards it leads.
    pub leaders: usize,
    /// Voting replicas it hosts (leaders included).
    pub voters: usize,
    /// Learners it hosts.
    pub learners: usize,
}

/// Cluster-wide replication health at one instant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationStatusSnapshot {
    /// Number of shards.
    pub shards: usize,
    /// Shards with a live voter majority.
    pub shards_with_live_quorum: usize,
    /// Shards without one (unavailable for writes).
    pub shards_without_live_quorum: usize,
    /// Live voting replicas, summed over shards.
    pub live_voters: usize,
    /// Voting replicas on down nodes, summed over shards.
    pub down_voters: usize,
    /// Learners, summed over shards.
    pub learners: usize,
    /// Shards with at least one learner.
    pub shards_with_learners: usize,
    /// Shards with fewer live voters than the replication factor.
    pub under_replicated_shards: usize,
    /// Per-node load, for every registered node.
    pub node_loads: BTreeMap<NodeId, NodeReplicaLoad>,
}

impl ReplicationStatusSnapshot {
    /// Computes the numbers from a snapshot against `replication_factor`.
    pub fn from_snapshot(snapshot: &ControlPlaneSnapshot, replication_factor: usize) -> Self {
        let live = |n: &NodeId| snapshot.is_live(n);
        let mut status = Self {
            shards: snapshot.shards.len(),
            node_loads: snapshot
                .nodes
                .iter()
                .map(|n| {
                    let load = NodeReplicaLoad {
                        live: n.live,
                        ..Default::default()
                    };
                    (n.node_id().clone(), load)
                })
                .collect(),
            ..Default::default()
        };
        for shard in &snapshot.shards {
            let (live_voters, voters) = shard.voter_counts(&live);
            if shard.has_live_quorum(&live) {
                status.shards_with_live_quorum += 1;
            } else {
                status.shards_without_live_quorum += 1;
            }
            status.live_voters += live_voters;
            status.down_voters += voters - live_voters;
            let learners = shard.learners().count();
            status.learners += learners;
            status.shards_with_learners += usize::from(learners > 0);
            status.under_replicated_shards += usize::from(live_voters < replication_factor.max(1));
            for p in &shard.placements {
                let load = status.node_loads.entry(p.node_id.clone()).or_default();
                match p.role {
                    ReplicaRole::Leader => {
                        load.leaders += 1;
                        load.voters += 1;
                    }
                    ReplicaRole::Follower => load.voters += 1,
                    ReplicaRole::Learner => load.learners += 1,
                }
            }
        }
        status
    }

    /// Snapshots `control_plane` and computes the numbers.
    pub fn from_control_plane<C: MetadataReader + ?Sized>(
        control_plane: &C,
        replication_factor: usize,
    ) -> ClusterResult<Self> {
        Ok(Self::from_snapshot(
            &control_plane.snapshot()?,
            replication_factor,
        ))
    }

    /// True when every shard has a live voter majority.
    pub fn has_live_quorum(&self) -> bool {
        self.shards_without_live_quorum == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::fixtures::{plain_nodes, shard, snapshot};

    #[test]
    fn status_counts() {
        let s = snapshot(
            plain_nodes(&["a", "b", "c", "d"], &["c"]),
            vec![
                shard(1, "L:a F:b F:c R:d"),
                shard(2, "L:b F:c F:d"),
                shard(3, "L:c"),
            ],
        );
        let st = ReplicationStatusSnapshot::from_snapshot(&s, 3);
        assert_eq!(st.shards, 3);
        assert_eq!(
            (st.shards_with_live_quorum, st.shards_without_live_quorum),
            (2, 1)
        );
        assert!(!st.has_live_quorum());
        assert_eq!((st.live_voters, st.down_voters), (4, 3));
        assert_eq!((st.learners, st.shards_with_learners), (1, 1));
        assert_eq!(st.under_replicated_shards, 3);
        let c = st.node_loads[&NodeId::from("c")];
        assert_eq!(
            c,
            NodeReplicaLoad {
                live: false,
                leaders: 1,
                voters: 3,
                learners: 0
            }
        );
        assert_eq!(st.node_loads[&NodeId::from("d")].learners, 1);
        let cp = crate::InMemoryControlPlane::from_snapshot(s).unwrap();
        assert_eq!(
            ReplicationStatusSnapshot::from_control_plane(&cp, 3).unwrap(),
            st
        );
    }
}
