//! Initial placement of a new table's shards.

use std::collections::BTreeSet;

use super::select::{Loads, best_replica_candidate, eligible_nodes};
use crate::distributed::{
    ControlPlaneSnapshot, NodeDescriptor, ReplicaPlacementPolicy, ReplicaRole, ShardDescriptor,
    ShardId, ShardPlacement,
};
use crate::error::{ClusterError, ClusterResult};

/// [`plan_initial_shard_replica_placements_with_policy`] with the default policy.
pub fn plan_initial_shard_replica_placements(
    snapshot: &ControlPlaneSnapshot,
    table_id: u64,
    shard_ids: &[ShardId],
    replication_factor: usize,
) -> ClusterResult<Vec<ShardDescriptor>> {
    plan_initial_shard_replica_placements_with_policy(
        snapshot,
        table_id,
        shard_ids,
        replication_factor,
        &ReplicaPlacementPolicy::default(),
    )
}

/// Places `replication_factor` voters (0 acts as 1) for each new shard on
/// live nodes that satisfy `required_attributes`.
///
/// Per shard, in the given order: the leader is the eligible node with the
/// best lease-preference rank, then fewest leaders, then fewest replicas;
/// the remaining voters minimise failure-domain conflicts over
/// `spread_attributes`, then replica load. Loads include the existing
/// snapshot and the shards placed earlier in the same call, so a table's
/// shards spread across the cluster.
///
/// Errors: `ShardAlreadyExists` for an id already in the snapshot or listed
/// twice; `InsufficientReplicaCandidates` when too few nodes qualify.
pub fn plan_initial_shard_replica_placements_with_policy(
    snapshot: &ControlPlaneSnapshot,
    table_id: u64,
    shard_ids: &[ShardId],
    replication_factor: usize,
    policy: &ReplicaPlacementPolicy,
) -> ClusterResult<Vec<ShardDescriptor>> {
    let factor = replication_factor.max(1);
    let candidates = eligible_nodes(snapshot, policy);
    if candidates.len() < factor {
        return Err(ClusterError::InsufficientReplicaCandidates {
            needed: factor,
            available: candidates.len(),
        });
    }
    let mut seen = BTreeSet::new();
    let mut loads = Loads::of(snapshot);
    let mut planned = Vec::with_capacity(shard_ids.len());
    for &shard_id in shard_ids {
        if snapshot.shard(shard_id).is_some() || !seen.insert(shard_id) {
            return Err(ClusterError::ShardAlreadyExists { shard_id });
        }
        let leader = candidates
            .iter()
            .copied()
            .min_by_key(|n| {
                (
                    policy.lease_rank(&n.descriptor),
                    loads.leaders(n.node_id()),
                    loads.replicas(n.node_id()),
                    n.node_id().clone(),
                )
            })
            .ok_or(ClusterError::InsufficientReplicaCandidates {
                needed: factor,
                available: 0,
            })?;
        let mut chosen: Vec<&NodeDescriptor> = vec![&leader.descriptor];
        let mut remaining: Vec<_> = candidates
            .iter()
            .copied()
            .filter(|n| n.node_id() != leader.node_id())
            .collect();
        while chosen.len() < factor {
            let Some(next) = best_replica_candidate(&remaining, &chosen, policy, &loads) else {
                break;
            };
            remaining.retain(|n| n.node_id() != next.node_id());
            chosen.push(&next.descriptor);
        }
        let placements = chosen
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let role = if i == 0 {
                    ReplicaRole::Leader
                } else {
                    ReplicaRole::Follower
                };
                ShardPlacement::new(n.node_id.clone(), role)
            })
            .collect::<Vec<_>>();
        for p in &placements {
            loads.add_replica(&p.node_id);
        }
        loads.move_leader(None, leader.node_id());
        planned.push(ShardDescriptor::new(shard_id, table_id, placements));
    }
    Ok(planned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributed::NodeAttributeConstraint;
    use crate::replication::fixtures::{node, snapshot};

    fn zones() -> ControlPlaneSnapshot {
        snapshot(
            vec![
                node("a", &[("region", "eu"), ("zone", "1")], true),
                node("b", &[("region", "eu"), ("zone", "1")], true),
                node("c", &[("region", "eu"), ("zone", "2")], true),
                node("d", &[("region", "eu"), ("zone", "3")], true),
                node("e", &[("region", "us"), ("zone", "4")], true),
                node("f", &[("region", "eu"), ("zone", "5")], false),
            ],
            vec![],
        )
    }

    fn ids(n: u32) -> Vec<ShardId> {
        (1..=n).map(ShardId::new).collect()
    }

    #[test]
    fn initial_placement_honours_required_attributes_and_lease_preferences() {
        let policy = ReplicaPlacementPolicy {
            required_attributes: vec![NodeAttributeConstraint::new("region", "eu")],
            lease_preferences: vec![NodeAttributeConstraint::new("zone", "3")],
            spread_attributes: vec!["zone".into()],
        };
        let plan =
            plan_initial_shard_replica_placements_with_policy(&zones(), 9, &ids(2), 3, &policy)
                .unwrap();
        for shard in &plan {
            shard.validate().unwrap();
            assert_eq!(
                shard.leader().map(|n| n.as_str()),
                Some("d"),
                "lease preference wins"
            );
            assert!(
                shard
                    .voters()
                    .all(|n| n.as_str() != "e" && n.as_str() != "f")
            );
            // spread: a and b share zone 1, never both voters
            assert!(
                !(shard.role_of(&"a".into()).is_some() && shard.role_of(&"b".into()).is_some())
            );
        }
    }

    #[test]
    fn initial_placement_spreads_load_and_leaders() {
        let plan = plan_initial_shard_replica_placements(&zones(), 1, &ids(5), 1).unwrap();
        let leaders: Vec<_> = plan
            .iter()
            .map(|s| s.leader().unwrap().as_str().to_owned())
            .collect();
        assert_eq!(leaders, ["a", "b", "c", "d", "e"]);
        assert_eq!(
            plan,
            plan_initial_shard_replica_placements(&zones(), 1, &ids(5), 1).unwrap()
        );
    }

    #[test]
    fn initial_placement_errors() {
        let s = zones();
        assert_eq!(
            plan_initial_shard_replica_placements(&s, 1, &ids(1), 6).unwrap_err(),
            ClusterError::InsufficientReplicaCandidates {
                needed: 6,
                available: 5
            }
        );
        assert!(matches!(
            plan_initial_shard_replica_placements(&s, 1, &[ShardId::new(1), ShardId::new(1)], 3),
            Err(ClusterError::ShardAlreadyExists { .. })
        ));
        let mut placed = s.clone();
        placed.shards = plan_initial_shard_replica_placements(&s, 1, &ids(1), 3).unwrap();
        assert!(matches!(
            plan_initial_shard_replica_placements(&placed, 1, &ids(1), 3),
            Err(ClusterError::ShardAlreadyExists { .. })
        ));
    }
}
