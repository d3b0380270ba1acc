//! One maintenance pass: promote, fail over, repair, balance, apply.

use std::collections::BTreeSet;

use super::balance::{
    plan_leader_failovers_with_policy, plan_leadership_balance_preferences_with_policy,
};
use super::repair::plan_replica_repairs_with_policy;
use super::status::ReplicationStatusSnapshot;
use super::{ReplicaAction, ReplicaCatchupKey, ReplicationMaintenanceOptions, keep_applicable};
use crate::distributed::{ControlPlane, ControlPlaneSnapshot, NodeId, ReplicaRole};
use crate::error::{ClusterError, ClusterResult};

/// The ordered actions of one maintenance pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplicationMaintenancePlan {
    /// Actions, to be applied in order.
    pub actions: Vec<ReplicaAction>,
}

/// What a maintenance pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationMaintenanceReport {
    /// Actions the control plane accepted, in order.
    pub applied: Vec<ReplicaAction>,
    /// Actions it refused (the topology changed under the plan).
    pub rejected: Vec<(ReplicaAction, ClusterError)>,
    /// Health after the pass.
    pub status: ReplicationStatusSnapshot,
}

/// Plans one pass purely from a snapshot, each phase seeing the simulated
/// result of the previous ones:
///
/// 1. promote learners listed in `caught_up` (live, still learners);
/// 2. fail over down leaders where a live voter majority remains;
/// 3. repair ([`plan_replica_repairs_with_policy`](super::plan_replica_repairs_with_policy));
/// 4. balance leaders ([`plan_leadership_balance_preferences_with_policy`](super::plan_leadership_balance_preferences_with_policy)).
pub fn plan_replication_maintenance(
    snapshot: &ControlPlaneSnapshot,
    options: &ReplicationMaintenanceOptions,
    caught_up: &BTreeSet<ReplicaCatchupKey>,
) -> ReplicationMaintenancePlan {
    let mut work = snapshot.clone();
    let promotions = caught_up
        .iter()
        .filter(|k| {
            work.shard(k.shard_id)
                .is_some_and(|s| s.role_of(&k.node_id) == Some(ReplicaRole::Learner))
        })
        .map(|k| ReplicaAction::PromoteLearner {
            shard_id: k.shard_id,
            node_id: k.node_id.clone(),
        })
        .collect();
    let mut actions = keep_applicable(&mut work, promotions);
    let failovers = plan_leader_failovers_with_policy(&work, &options.policy);
    actions.extend(keep_applicable(&mut work, failovers));
    let repairs = plan_replica_repairs_with_policy(&work, &options.repair, &options.policy);
    actions.extend(keep_applicable(&mut work, repairs));
    let balance =
        plan_leadership_balance_preferences_with_policy(&work, &options.balance, &options.policy);
    actions.extend(keep_applicable(&mut work, balance));
    ReplicationMaintenancePlan { actions }
}

/// [`maintain_replication_with_caught_up_learners`] with no caught-up learners.
pub fn maintain_replication<C: ControlPlane + ?Sized>(
    control_plane: &C,
    options: &ReplicationMaintenanceOptions,
) -> ClusterResult<ReplicationMaintenanceReport> {
    maintain_replication_with_caught_up_learners(control_plane, options, &BTreeSet::new())
}

/// Snapshots the control plane, plans a pass
/// ([`plan_replication_maintenance`]), and applies it action by action.
/// Refused actions are reported, not fatal: the control plane re-validates
/// each one, so a stale plan can never break majority safety.
pub fn maintain_replication_with_caught_up_learners<C: ControlPlane + ?Sized>(
    control_plane: &C,
    options: &ReplicationMaintenanceOptions,
    caught_up: &BTreeSet<ReplicaCatchupKey>,
) -> ClusterResult<ReplicationMaintenanceReport> {
    let snapshot = control_plane.snapshot()?;
    let plan = plan_replication_maintenance(&snapshot, options, caught_up);
    let mut applied = Vec::new();
    let mut rejected = Vec::new();
    for action in plan.actions {
        match control_plane.apply_replica_action(&action) {
            Ok(()) => applied.push(action),
            Err(err) => rejected.push((action, err)),
        }
    }
    let status = ReplicationStatusSnapshot::from_control_plane(
        control_plane,
        options.repair.replication_factor,
    )?;
    Ok(ReplicationMaintenanceReport {
        applied,
        rejected,
        status,
    })
}

/// Turns "these nodes are caught up" into shard-specific keys: one per
/// learner placement hosted on a reported node that is registered and live.
/// Unknown or down nodes contribute nothing.
pub fn caught_up_learner_keys_for_live_nodes(
    snapshot: &ControlPlaneSnapshot,
    caught_up_nodes: &[NodeId],
) -> BTreeSet<ReplicaCatchupKey> {
    let reported: BTreeSet<&NodeId> = caught_up_nodes
        .iter()
        .filter(|n| snapshot.is_live(n))
        .collect();
    snapshot
        .shards
        .iter()
        .flat_map(|shard| {
            shard
                .learners()
                .filter(|n| reported.contains(n))
                .map(|n| ReplicaCatchupKey {
                    shard_id: shard.shard_id,
                    node_id: n.clone(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributed::{
        InMemoryControlPlane, MetadataReader, NodeMembership, ReplicaController, ShardId,
        ShardResolver,
    };
    use crate::replication::fixtures::{plain_nodes, shard, snapshot};
    use crate::replication::{ReplicaRepairMode, ReplicaRepairOptions};

    fn learner_first() -> ReplicationMaintenanceOptions {
        ReplicationMaintenanceOptions {
            repair: ReplicaRepairOptions {
                mode: ReplicaRepairMode::LearnerFirst,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn down_leader_is_failed_over_then_repaired() {
        let cp = InMemoryControlPlane::from_snapshot(snapshot(
            plain_nodes(&["a", "b", "c", "d"], &[]),
            vec![shard(1, "L:a F:b F:c")],
        ))
        .unwrap();
        cp.mark_node_down(&"a".into()).unwrap();
        let report = maintain_replication(&cp, &ReplicationMaintenanceOptions::default()).unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        assert!(matches!(
            report.applied[0],
            ReplicaAction::FailOverLeadership { .. }
        ));
        let s = cp.shard(ShardId::new(1)).unwrap();
        assert_eq!(
            s.voters().map(|n| n.as_str()).collect::<Vec<_>>(),
            ["b", "c", "d"]
        );
        assert!(cp.resolve_write(ShardId::new(1)).is_ok());
        assert_eq!(report.status.under_replicated_shards, 0);
        // A second pass has nothing to do.
        let again = maintain_replication(&cp, &ReplicationMaintenanceOptions::default()).unwrap();
        assert!(again.applied.is_empty());
    }

    #[test]
    fn no_quorum_means_no_changes() {
        let cp = InMemoryControlPlane::from_snapshot(snapshot(
            plain_nodes(&["a", "b", "c", "d", "e"], &["a", "b"]),
            vec![shard(1, "L:a F:b F:c")],
        ))
        .unwrap();
        let before = cp.snapshot().unwrap();
        let report = maintain_replication(&cp, &ReplicationMaintenanceOptions::default()).unwrap();
        assert!(report.applied.is_empty());
        assert_eq!(cp.snapshot().unwrap(), before);
        assert_eq!(report.status.shards_without_live_quorum, 1);
    }

    #[test]
    fn learner_first_promotes_only_reported_caught_up_learners() {
        let cp = InMemoryControlPlane::from_snapshot(snapshot(
            plain_nodes(&["a", "b", "c", "d"], &["c"]),
            vec![shard(1, "L:a F:b F:c")],
        ))
        .unwrap();
        let first = maintain_replication(&cp, &learner_first()).unwrap();
        assert_eq!(first.applied.len(), 1);
        assert_eq!(
            cp.shard(ShardId::new(1)).unwrap().role_of(&"d".into()),
            Some(ReplicaRole::Learner)
        );
        // Not reported: stays a learner.
        maintain_replication(&cp, &learner_first()).unwrap();
        assert_eq!(
            cp.shard(ShardId::new(1)).unwrap().role_of(&"d".into()),
            Some(ReplicaRole::Learner)
        );
        let snap = cp.snapshot().unwrap();
        assert!(
            caught_up_learner_keys_for_live_nodes(&snap, &["b".into(), "zz".into()]).is_empty()
        );
        let keys = caught_up_learner_keys_for_live_nodes(&snap, &["d".into()]);
        assert_eq!(keys.len(), 1);
        let report =
            maintain_replication_with_caught_up_learners(&cp, &learner_first(), &keys).unwrap();
        assert!(report.rejected.is_empty());
        let s = cp.shard(ShardId::new(1)).unwrap();
        assert_eq!(s.role_of(&"d".into()), Some(ReplicaRole::Follower));
        assert_eq!(
            s.role_of(&"c".into()),
            None,
            "down voter removed after promotion"
        );
        assert_eq!(s.voters().count(), 3);
    }

    #[test]
    fn caught_up_keys_ignore_down_nodes() {
        let s = snapshot(
            plain_nodes(&["a", "b", "d"], &["d"]),
            vec![shard(1, "L:a R:b R:d"), shard(2, "L:a R:b")],
        );
        let keys = caught_up_learner_keys_for_live_nodes(&s, &["b".into(), "d".into(), "a".into()]);
        let got: Vec<_> = keys
            .iter()
            .map(|k| (k.shard_id.get(), k.node_id.as_str()))
            .collect();
        assert_eq!(got, [(1, "b"), (2, "b")]);
    }

    #[test]
    fn stale_plan_actions_are_reported_not_fatal() {
        let cp = InMemoryControlPlane::from_snapshot(snapshot(
            plain_nodes(&["a", "b"], &[]),
            vec![shard(1, "L:a")],
        ))
        .unwrap();
        let plan = plan_replication_maintenance(
            &cp.snapshot().unwrap(),
            &ReplicationMaintenanceOptions::default(),
            &BTreeSet::new(),
        );
        assert_eq!(plan.actions.len(), 1);
        cp.mark_node_down(&"a".into()).unwrap();
        assert!(cp.apply_replica_action(&plan.actions[0]).is_err());
    }
}
