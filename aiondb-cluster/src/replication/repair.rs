//! Repair planner: restores each shard to its replication factor.

use super::select::{Loads, best_replica_candidate, descriptors, eligible_nodes, spread_penalty};
use super::{ReplicaAction, ReplicaRepairMode, ReplicaRepairOptions, keep_applicable};
use crate::distributed::{
    ControlPlaneSnapshot, NodeDescriptor, NodeId, ReplicaPlacementPolicy, ReplicaRole,
    ShardDescriptor,
};

/// [`plan_replica_repairs_with_policy`] with the default policy.
pub fn plan_replica_repairs(
    snapshot: &ControlPlaneSnapshot,
    options: &ReplicaRepairOptions,
) -> Vec<ReplicaAction> {
    plan_replica_repairs_with_policy(snapshot, options, &ReplicaPlacementPolicy::default())
}

/// Plans the safe topology repairs, shard by shard in id order:
///
/// 1. Shards that cannot commit a configuration change (no live leader or
///    no live voter majority) are left alone: no guess is safer than a
///    wrong one. Failover runs before repair in
///    [`maintain_replication`](super::maintain_replication).
/// 2. While live voters (plus, in `LearnerFirst` mode, live learners still
///    catching up) are fewer than the replication factor, add a replica on
///    the eligible live node with the fewest spread conflicts, then the
///    lowest replica load (counting replicas planned earlier in this pass),
///    then the smallest id. `LearnerFirst` adds learners, `Immediate`
///    followers. `max_new_replicas_per_pass` caps additions.
/// 3. Remove learners on down nodes; once live voters reach the factor,
///    remove voters on down nodes; then trim live followers above the factor
///    (policy violators first, then the most co-located, most loaded).
///
/// Every action is validated against a simulated snapshot; removals that
/// would lose the live majority are dropped.
pub fn plan_replica_repairs_with_policy(
    snapshot: &ControlPlaneSnapshot,
    options: &ReplicaRepairOptions,
    policy: &ReplicaPlacementPolicy,
) -> Vec<ReplicaAction> {
    let factor = options.replication_factor.max(1);
    let mut budget = options.max_new_replicas_per_pass.unwrap_or(usize::MAX);
    let mut loads = Loads::of(snapshot);
    let mut work = snapshot.clone();
    let mut actions = Vec::new();
    let live = |n: &NodeId| snapshot.is_live(n);
    for shard in &snapshot.shards {
        if shard.lease(&live).is_err() {
            continue;
        }
        let planned = plan_shard(
            snapshot,
            shard,
            options.mode,
            factor,
            &mut budget,
            &mut loads,
            policy,
        );
        actions.extend(keep_applicable(&mut work, planned));
    }
    actions
}

fn plan_shard(
    snapshot: &ControlPlaneSnapshot,
    shard: &ShardDescriptor,
    mode: ReplicaRepairMode,
    factor: usize,
    budget: &mut usize,
    loads: &mut Loads,
    policy: &ReplicaPlacementPolicy,
) -> Vec<ReplicaAction> {
    let shard_id = shard.shard_id;
    let live = |n: &&NodeId| snapshot.is_live(n);
    let mut live_voters: Vec<&NodeId> = shard.voters().filter(live).collect();
    let down_voters: Vec<&NodeId> = shard.voters().filter(|n| !live(n)).collect();
    let live_learners: Vec<&NodeId> = shard.learners().filter(live).collect();
    let down_learners: Vec<&NodeId> = shard.learners().filter(|n| !live(n)).collect();
    let staged: &[&NodeId] = match mode {
        ReplicaRepairMode::LearnerFirst => &live_learners,
        ReplicaRepairMode::Immediate => &[],
    };
    let mut chosen: Vec<&NodeDescriptor> =
        descriptors(snapshot, live_voters.iter().chain(staged).copied());
    let deficit = factor.saturating_sub(live_voters.len() + staged.len());
    let mut candidates: Vec<_> = eligible_nodes(snapshot, policy)
        .into_iter()
        .filter(|n| shard.role_of(n.node_id()).is_none())
        .collect();
    let role = match mode {
        ReplicaRepairMode::Immediate => ReplicaRole::Follower,
        ReplicaRepairMode::LearnerFirst => ReplicaRole::Learner,
    };
    let mut actions = Vec::new();
    for _ in 0..deficit {
        if *budget == 0 {
            break;
        }
        let Some(pick) = best_replica_candidate(&candidates, &chosen, policy, loads) else {
            break;
        };
        candidates.retain(|n| n.node_id() != pick.node_id());
        chosen.push(&pick.descriptor);
        loads.add_replica(pick.node_id());
        *budget -= 1;
        if role.is_voter() {
            live_voters.push(pick.node_id());
        }
        actions.push(ReplicaAction::AddReplica {
            shard_id,
            node_id: pick.node_id().clone(),
            role,
        });
    }
    for node_id in down_learners {
        actions.push(ReplicaAction::RemoveReplica {
            shard_id,
            node_id: node_id.clone(),
        });
    }
    if live_voters.len() >= factor {
        for node_id in down_voters {
            actions.push(ReplicaAction::RemoveReplica {
                shard_id,
                node_id: node_id.clone(),
            });
        }
    }
    let leader = shard.leader();
    while live_voters.len() > factor {
        let victim = live_voters
            .iter()
            .copied()
            .filter(|n| Some(*n) != leader)
            .filter_map(|n| snapshot.node(n))
            .max_by_key(|n| {
                let others = descriptors(
                    snapshot,
                    live_voters.iter().copied().filter(|o| *o != n.node_id()),
                );
                (
                    !policy.admits(&n.descriptor),
                    spread_penalty(policy, &n.descriptor, &others),
                    loads.replicas(n.node_id()),
                    n.node_id().clone(),
                )
            })
            .map(|n| n.node_id());
        let Some(victim) = victim else { break };
        live_voters.retain(|n| *n != victim);
        actions.push(ReplicaAction::RemoveReplica {
            shard_id,
            node_id: victim.clone(),
        });
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributed::{NodeAttributeConstraint, ShardId};
    use crate::replication::fixtures::{node, plain_nodes, shard, snapshot};

    fn add(shard: u32, node: &str, role: ReplicaRole) -> ReplicaAction {
        ReplicaAction::AddReplica {
            shard_id: ShardId::new(shard),
            node_id: node.into(),
            role,
        }
    }

    fn remove(shard: u32, node: &str) -> ReplicaAction {
        ReplicaAction::RemoveReplica {
            shard_id: ShardId::new(shard),
            node_id: node.into(),
        }
    }

    #[test]
    fn repair_replaces_down_voter_on_least_loaded_node() {
        // d already hosts two replicas, e none: the replacement goes to e,
        // not to the first available node d.
        let s = snapshot(
            plain_nodes(&["a", "b", "c", "d", "e"], &["c"]),
            vec![shard(1, "L:a F:b F:c"), shard(2, "L:d"), shard(3, "L:d")],
        );
        let plan = plan_replica_repairs(&s, &ReplicaRepairOptions::default());
        assert_eq!(
            &plan[..2],
            &[add(1, "e", ReplicaRole::Follower), remove(1, "c")]
        );
    }

    #[test]
    fn repair_spreads_load_across_shards_in_one_pass() {
        let s = snapshot(
            plain_nodes(&["a", "b", "c", "d"], &[]),
            vec![shard(1, "L:a"), shard(2, "L:a"), shard(3, "L:a")],
        );
        let opts = ReplicaRepairOptions {
            replication_factor: 2,
            ..Default::default()
        };
        let plan = plan_replica_repairs(&s, &opts);
        let targets: Vec<_> = plan
            .iter()
            .map(|a| match a {
                ReplicaAction::AddReplica { node_id, .. } => node_id.as_str().to_owned(),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(targets, ["b", "c", "d"]);
    }

    #[test]
    fn learner_first_stages_learners_and_keeps_down_voter() {
        let s = snapshot(
            plain_nodes(&["a", "b", "c", "d"], &["c"]),
            vec![shard(1, "L:a F:b F:c")],
        );
        let opts = ReplicaRepairOptions {
            mode: ReplicaRepairMode::LearnerFirst,
            ..Default::default()
        };
        let plan = plan_replica_repairs(&s, &opts);
        assert_eq!(plan, [add(1, "d", ReplicaRole::Learner)]);
        // A live learner already staged counts toward the target: nothing more to do.
        let staged = snapshot(
            plain_nodes(&["a", "b", "c", "d", "e"], &["c"]),
            vec![shard(1, "L:a F:b F:c R:d")],
        );
        assert!(plan_replica_repairs(&staged, &opts).is_empty());
    }

    #[test]
    fn repair_skips_shards_without_quorum_and_honours_budget() {
        let s = snapshot(
            plain_nodes(&["a", "b", "c", "d", "e", "f"], &["b", "c"]),
            vec![shard(1, "L:a F:b F:c"), shard(2, "L:d"), shard(3, "L:e")],
        );
        let opts = ReplicaRepairOptions {
            replication_factor: 2,
            max_new_replicas_per_pass: Some(1),
            ..Default::default()
        };
        let plan = plan_replica_repairs(&s, &opts);
        assert_eq!(plan, [add(2, "f", ReplicaRole::Follower)]);
    }

    #[test]
    fn repair_trims_excess_and_down_learners_and_respects_policy() {
        let s = snapshot(
            vec![
                node("a", &[("zone", "1")], true),
                node("b", &[("zone", "1")], true),
                node("c", &[("zone", "2")], true),
                node("d", &[("zone", "3")], true),
                node("e", &[("zone", "3")], false),
                node("x", &[("zone", "9"), ("ssd", "no")], true),
            ],
            vec![shard(1, "L:a F:b F:c F:d R:e"), shard(2, "L:a")],
        );
        let policy = ReplicaPlacementPolicy {
            required_attributes: vec![],
            lease_preferences: vec![],
            spread_attributes: vec!["zone".into()],
        };
        let plan = plan_replica_repairs_with_policy(&s, &ReplicaRepairOptions::default(), &policy);
        // shard 1: drop the down learner, trim b (shares zone 1 with the leader).
        // shard 2: two new voters avoiding zone 1.
        assert!(plan.contains(&remove(1, "e")));
        assert!(plan.contains(&remove(1, "b")));
        let adds: Vec<_> = plan
            .iter()
            .filter(|a| a.shard_id() == ShardId::new(2))
            .collect();
        assert_eq!(adds.len(), 2);
        assert!(adds.iter().all(
            |a| !matches!(a, ReplicaAction::AddReplica { node_id, .. } if node_id.as_str() == "b")
        ));
        let required = ReplicaPlacementPolicy {
            required_attributes: vec![NodeAttributeConstraint::new("ssd", "no")],
            ..Default::default()
        };
        let only_x =
            plan_replica_repairs_with_policy(&s, &ReplicaRepairOptions::default(), &required);
        assert!(only_x.iter().all(
            |a| !matches!(a, ReplicaAction::AddReplica { node_id, .. } if node_id.as_str() != "x")
        ));
        assert_eq!(
            plan,
            plan_replica_repairs_with_policy(&s, &ReplicaRepairOptions::default(), &policy)
        );
    }
}
