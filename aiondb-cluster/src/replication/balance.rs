//! Leadership planners: failover of down leaders, lease preferences, and
//! load balancing of leaders across live voters.

use super::select::{Loads, best_leader_candidate, lease_rank};
use super::{LeadershipBalanceOptions, ReplicaAction, keep_applicable};
use crate::distributed::{ControlPlaneSnapshot, NodeId, ReplicaPlacementPolicy, ShardId};

/// Fails over every shard whose leader is down (or missing) while a live
/// voter majority remains, to the live voter with the best lease rank, then
/// fewest leaders, then smallest id. Shards without a live majority are
/// left alone.
pub fn plan_leader_failovers_with_policy(
    snapshot: &ControlPlaneSnapshot,
    policy: &ReplicaPlacementPolicy,
) -> Vec<ReplicaAction> {
    let live = |n: &NodeId| snapshot.is_live(n);
    let mut loads = Loads::of(snapshot);
    let mut actions = Vec::new();
    for shard in &snapshot.shards {
        let leader = shard.leader();
        if leader.is_some_and(&live) || !shard.has_live_quorum(&live) {
            continue;
        }
        if let Some(to) = best_leader_candidate(snapshot, shard, policy, &loads) {
            loads.move_leader(leader, &to);
            actions.push(ReplicaAction::FailOverLeadership {
                shard_id: shard.shard_id,
                from: leader.cloned(),
                to,
            });
        }
    }
    keep_applicable(&mut snapshot.clone(), actions)
}

/// [`plan_leadership_balance_preferences_with_policy`] with the default policy.
pub fn plan_leadership_balance_preferences(
    snapshot: &ControlPlaneSnapshot,
    options: &LeadershipBalanceOptions,
) -> Vec<ReplicaAction> {
    plan_leadership_balance_preferences_with_policy(
        snapshot,
        options,
        &ReplicaPlacementPolicy::default(),
    )
}

/// Plans explicit leadership transfers among serving shards (live leader,
/// live voter majority), at most `max_transfers_per_pass` in total:
///
/// 1. Preferences: a leader whose lease rank is worse than some live
///    voter's moves to the best-ranked live voter.
/// 2. Balance: repeatedly take the single move with the largest leader-count
///    gap (ties: lowest shard id, then lowest target id) from a leader to a
///    live voter of no worse lease rank, as long as the gap is at least
///    `max(min_load_delta, 2)`. Each move strictly reduces imbalance, so the
///    loop ends even without a cap.
pub fn plan_leadership_balance_preferences_with_policy(
    snapshot: &ControlPlaneSnapshot,
    options: &LeadershipBalanceOptions,
    policy: &ReplicaPlacementPolicy,
) -> Vec<ReplicaAction> {
    let max = options.max_transfers_per_pass;
    let threshold = options.min_load_delta.max(2);
    let live = |n: &NodeId| snapshot.is_live(n);
    let mut loads = Loads::of(snapshot);
    let mut work = snapshot.clone();
    let mut actions = Vec::new();

    for shard in &snapshot.shards {
        if actions.len() >= max {
            return actions;
        }
        let Ok(lease) = shard.lease(&live) else {
            continue;
        };
        let Some(best) = best_leader_candidate(snapshot, shard, policy, &loads) else {
            continue;
        };
        if lease_rank(snapshot, policy, &best) < lease_rank(snapshot, policy, &lease.leader) {
            let action = transfer(shard.shard_id, &lease.leader, &best);
            if keep_applicable(&mut work, vec![action.clone()]).len() == 1 {
                loads.move_leader(Some(&lease.leader), &best);
                actions.push(action);
            }
        }
    }

    while actions.len() < max {
        let mut best: Option<(usize, ShardId, NodeId, NodeId)> = None;
        for shard in &work.shards {
            let Ok(lease) = shard.lease(&live) else {
                continue;
            };
            let from_rank = lease_rank(&work, policy, &lease.leader);
            let from_load = loads.leaders(&lease.leader);
            for target in shard.voters().filter(|n| live(n) && **n != lease.leader) {
                let to_load = loads.leaders(target);
                if lease_rank(&work, policy, target) > from_rank || from_load < to_load + threshold
                {
                    continue;
                }
                let gap = from_load - to_load;
                if best.as_ref().is_none_or(|(g, ..)| gap > *g) {
                    best = Some((gap, shard.shard_id, lease.leader.clone(), target.clone()));
                }
            }
        }
        let Some((_, shard_id, from, to)) = best else {
            break;
        };
        let action = transfer(shard_id, &from, &to);
        if keep_applicable(&mut work, vec![action.clone()]).is_empty() {
            break;
        }
        loads.move_leader(Some(&from), &to);
        actions.push(action);
    }
    actions
}

fn transfer(shard_id: ShardId, from: &NodeId, to: &NodeId) -> ReplicaAction {
    ReplicaAction::TransferLeadership {
        shard_id,
        from: from.clone(),
        to: to.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributed::NodeAttributeConstraint;
    use crate::replication::fixtures::{node, plain_nodes, shard, snapshot};

    fn moves(plan: &[ReplicaAction]) -> Vec<(u32, String)> {
        plan.iter()
            .map(|a| match a {
                ReplicaAction::TransferLeadership { shard_id, to, .. }
                | ReplicaAction::FailOverLeadership { shard_id, to, .. } => {
                    (shard_id.get(), to.as_str().to_owned())
                }
                other => (other.shard_id().get(), format!("{other:?}")),
            })
            .collect()
    }

    fn hot() -> ControlPlaneSnapshot {
        snapshot(
            plain_nodes(&["a", "b", "c"], &[]),
            (1..=6).map(|i| shard(i, "L:a F:b F:c")).collect(),
        )
    }

    #[test]
    fn balance_moves_hot_leaders_until_even() {
        let plan =
            plan_leadership_balance_preferences(&hot(), &LeadershipBalanceOptions::default());
        assert_eq!(
            moves(&plan),
            [
                (1, "b".into()),
                (2, "c".into()),
                (3, "b".into()),
                (4, "c".into())
            ]
        );
    }

    #[test]
    fn balance_is_rate_limited_and_thresholded() {
        let capped = LeadershipBalanceOptions {
            max_transfers_per_pass: 1,
            min_load_delta: 2,
        };
        assert_eq!(
            plan_leadership_balance_preferences(&hot(), &capped).len(),
            1
        );
        let lazy = LeadershipBalanceOptions {
            max_transfers_per_pass: 10,
            min_load_delta: 5,
        };
        // a holds 6, b and c 0: one move (6 vs 0) then 5 vs 0 -> second move, 4 vs 1 stops.
        assert_eq!(plan_leadership_balance_preferences(&hot(), &lazy).len(), 2);
        let balanced = snapshot(
            plain_nodes(&["a", "b"], &[]),
            vec![shard(1, "L:a F:b"), shard(2, "L:a F:b")],
        );
        let one = LeadershipBalanceOptions {
            max_transfers_per_pass: 10,
            min_load_delta: 1,
        };
        // 2 vs 0 moves once; 1 vs 1 would only swap.
        assert_eq!(
            plan_leadership_balance_preferences(&balanced, &one).len(),
            1
        );
    }

    #[test]
    fn balance_skips_shards_without_quorum_and_learners() {
        let s = snapshot(
            plain_nodes(&["a", "b", "c", "d"], &["b", "c"]),
            vec![
                shard(1, "L:a F:b F:c R:d"),
                shard(2, "L:a F:b F:c R:d"),
                shard(3, "L:a F:b F:c R:d"),
            ],
        );
        assert!(
            plan_leadership_balance_preferences(&s, &LeadershipBalanceOptions::default())
                .is_empty()
        );
    }

    #[test]
    fn lease_preferences_pull_leaders_and_are_not_undone_by_balance() {
        let s = snapshot(
            vec![
                node("a", &[("region", "us")], true),
                node("b", &[("region", "eu")], true),
                node("c", &[("region", "us")], true),
            ],
            (1..=4).map(|i| shard(i, "L:a F:b F:c")).collect(),
        );
        let policy = ReplicaPlacementPolicy {
            lease_preferences: vec![NodeAttributeConstraint::new("region", "eu")],
            ..Default::default()
        };
        let plan = plan_leadership_balance_preferences_with_policy(
            &s,
            &LeadershipBalanceOptions::default(),
            &policy,
        );
        assert_eq!(
            moves(&plan),
            (1..=4).map(|i| (i, "b".to_owned())).collect::<Vec<_>>()
        );
    }

    #[test]
    fn failover_picks_live_voter_with_quorum_only() {
        let s = snapshot(
            plain_nodes(&["a", "b", "c", "d", "e"], &["a", "d"]),
            vec![
                shard(1, "L:a F:b F:c R:e"),
                shard(2, "L:a F:b F:c"),
                shard(3, "L:d F:a F:e"),
            ],
        );
        let plan = plan_leader_failovers_with_policy(&s, &ReplicaPlacementPolicy::default());
        assert_eq!(moves(&plan), [(1, "b".into()), (2, "c".into())]);
    }
}
