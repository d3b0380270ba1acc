//! Property tests over random topologies: maintenance plans are
//! deterministic, applicable, safe, and respect the placement policy.

use std::collections::BTreeSet;

use aiondb_cluster::{
    CatalogVersion, ClusterError, ControlPlaneNodeSnapshot, ControlPlaneSnapshot,
    InMemoryControlPlane, LeadershipBalanceOptions, MetadataReader, NodeAttributeConstraint,
    NodeDescriptor, NodeId, ReplicaAction, ReplicaCatchupKey, ReplicaController,
    ReplicaPlacementPolicy, ReplicaRepairMode, ReplicaRepairOptions, ReplicaRole,
    ReplicationMaintenanceOptions, ShardDescriptor, ShardId, ShardPlacement,
    plan_initial_shard_replica_placements_with_policy, plan_replication_maintenance,
};
use proptest::prelude::*;
use proptest::sample::{Index, subsequence};

const ZONES: [&str; 3] = ["z0", "z1", "z2"];

fn nodes_strategy() -> impl Strategy<Value = Vec<ControlPlaneNodeSnapshot>> {
    prop::collection::vec((0..ZONES.len(), prop::bool::weighted(0.75)), 1..=7).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, (zone, live))| ControlPlaneNodeSnapshot {
                descriptor: NodeDescriptor::new(format!("n{i}"), format!("h{i}:1"))
                    .with_attribute("zone", ZONES[zone]),
                live,
            })
            .collect()
    })
}

fn shard_strategy(id: u32, node_count: usize) -> impl Strategy<Value = ShardDescriptor> {
    let max = node_count.min(6);
    (
        subsequence((0..node_count).collect::<Vec<_>>(), 1..=max),
        any::<Index>(),
        0..=2usize,
    )
        .prop_map(move |(members, leader, learners)| {
            let learners = learners.min(members.len() - 1);
            let voters = &members[learners..];
            let leader = voters[leader.index(voters.len())];
            let placements = members
                .iter()
                .enumerate()
                .map(|(pos, &n)| {
                    let role = if pos < learners {
                        ReplicaRole::Learner
                    } else if n == leader {
                        ReplicaRole::Leader
                    } else {
                        ReplicaRole::Follower
                    };
                    ShardPlacement::new(format!("n{n}"), role)
                })
                .collect();
            ShardDescriptor::new(ShardId::new(id), 1, placements)
        })
}

fn snapshot_strategy() -> impl Strategy<Value = ControlPlaneSnapshot> {
    nodes_strategy().prop_flat_map(|nodes| {
        let n = nodes.len();
        let shards: Vec<_> = (1..=8).map(|id| shard_strategy(id, n)).collect();
        (Just(nodes), shards, 1..=8usize).prop_map(|(nodes, mut shards, count)| {
            shards.truncate(count);
            let mut s = ControlPlaneSnapshot {
                catalog_version: CatalogVersion::INITIAL,
                nodes,
                shards,
            };
            s.normalize();
            s
        })
    })
}

fn policy_strategy() -> impl Strategy<Value = ReplicaPlacementPolicy> {
    let zone = || prop::option::weighted(0.3, 0..ZONES.len());
    (any::<bool>(), zone(), zone()).prop_map(|(spread, required, prefer)| {
        let constraint = |z: Option<usize>| {
            z.map(|z| NodeAttributeConstraint::new("zone", ZONES[z]))
                .into_iter()
                .collect::<Vec<_>>()
        };
        ReplicaPlacementPolicy {
            required_attributes: constraint(required),
            lease_preferences: constraint(prefer),
            spread_attributes: if spread { vec!["zone".into()] } else { vec![] },
        }
    })
}

fn options_strategy() -> impl Strategy<Value = ReplicationMaintenanceOptions> {
    (
        1..=4usize,
        any::<bool>(),
        prop::option::of(0..4usize),
        0..6usize,
        0..4usize,
        policy_strategy(),
    )
        .prop_map(|(rf, learner_first, cap, max_transfers, delta, policy)| {
            ReplicationMaintenanceOptions {
                repair: ReplicaRepairOptions {
                    replication_factor: rf,
                    mode: if learner_first {
                        ReplicaRepairMode::LearnerFirst
                    } else {
                        ReplicaRepairMode::Immediate
                    },
                    max_new_replicas_per_pass: cap,
                },
                balance: LeadershipBalanceOptions {
                    max_transfers_per_pass: max_transfers,
                    min_load_delta: delta,
                },
                policy,
            }
        })
}

fn learner_keys(snapshot: &ControlPlaneSnapshot, pick: &[bool]) -> BTreeSet<ReplicaCatchupKey> {
    snapshot
        .shards
        .iter()
        .flat_map(|s| {
            s.learners().map(move |n| ReplicaCatchupKey {
                shard_id: s.shard_id,
                node_id: n.clone(),
            })
        })
        .zip(pick.iter().cycle())
        .filter(|(_, p)| **p)
        .map(|(k, _)| k)
        .collect()
}

fn live_voters(snapshot: &ControlPlaneSnapshot, shard: &ShardDescriptor) -> usize {
    shard.voters().filter(|n| snapshot.is_live(n)).count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn maintenance_is_deterministic_safe_and_policy_respecting(
        before in snapshot_strategy(),
        options in options_strategy(),
        pick in prop::collection::vec(any::<bool>(), 1..8),
    ) {
        let caught_up = learner_keys(&before, &pick);
        let plan = plan_replication_maintenance(&before, &options, &caught_up);
        prop_assert_eq!(&plan, &plan_replication_maintenance(&before, &options, &caught_up));

        // Every planned step is accepted by the real control plane, in order.
        let cp = InMemoryControlPlane::from_snapshot(before.clone()).unwrap();
        for action in &plan.actions {
            prop_assert!(cp.apply_replica_action(action).is_ok(), "refused {:?}", action);
        }
        let after = cp.snapshot().unwrap();
        let factor = options.repair.replication_factor;

        let mut transfers = 0;
        for action in &plan.actions {
            match action {
                ReplicaAction::AddReplica { node_id, role, .. } => {
                    let node = before.node(node_id).unwrap();
                    prop_assert!(node.live);
                    prop_assert!(options.policy.admits(&node.descriptor));
                    let expected = match options.repair.mode {
                        ReplicaRepairMode::Immediate => ReplicaRole::Follower,
                        ReplicaRepairMode::LearnerFirst => ReplicaRole::Learner,
                    };
                    prop_assert_eq!(*role, expected);
                }
                ReplicaAction::PromoteLearner { shard_id, node_id } => {
                    let key = ReplicaCatchupKey { shard_id: *shard_id, node_id: node_id.clone() };
                    prop_assert!(caught_up.contains(&key));
                }
                ReplicaAction::TransferLeadership { .. } => transfers += 1,
                ReplicaAction::RemoveReplica { .. } | ReplicaAction::FailOverLeadership { .. } => {}
            }
        }
        prop_assert!(transfers <= options.balance.max_transfers_per_pass);
        if let Some(cap) = options.repair.max_new_replicas_per_pass {
            let adds = plan.actions.iter().filter(|a| matches!(a, ReplicaAction::AddReplica { .. })).count();
            prop_assert!(adds <= cap);
        }

        let live = |n: &NodeId| before.is_live(n);
        for old in &before.shards {
            let new = after.shard(old.shard_id).unwrap();
            // Never two leaders, never two replicas on one node.
            prop_assert!(new.validate().is_ok());
            if !old.has_live_quorum(&live) {
                prop_assert_eq!(old, new, "a shard without quorum is never touched");
                continue;
            }
            // Live voters never drop below what was live (capped at the factor).
            prop_assert!(live_voters(&after, new) >= live_voters(&before, old).min(factor));
            // A shard that had a live majority is serving afterwards.
            prop_assert!(new.lease(&live).is_ok(), "shard {} not serving", old.shard_id);
        }
    }

    #[test]
    fn initial_placement_respects_policy(
        before in nodes_strategy(),
        rf in 1..=4usize,
        shard_count in 1..=6u32,
        policy in policy_strategy(),
    ) {
        let snapshot = ControlPlaneSnapshot { nodes: before, ..Default::default() };
        let ids: Vec<_> = (1..=shard_count).map(ShardId::new).collect();
        let eligible: Vec<_> = snapshot.nodes.iter().filter(|n| n.live && policy.admits(&n.descriptor)).collect();
        let plan = plan_initial_shard_replica_placements_with_policy(&snapshot, 5, &ids, rf, &policy);
        if eligible.len() < rf {
            prop_assert!(matches!(plan, Err(ClusterError::InsufficientReplicaCandidates { .. })), "expected a typed error");
            return Ok(());
        }
        let plan = plan.unwrap();
        prop_assert_eq!(&plan, &plan_initial_shard_replica_placements_with_policy(&snapshot, 5, &ids, rf, &policy).unwrap());
        let best_rank = eligible.iter().map(|n| policy.lease_rank(&n.descriptor)).min().unwrap();
        let distinct_zones: BTreeSet<_> = eligible.iter().filter_map(|n| n.descriptor.attribute("zone")).collect();
        for shard in &plan {
            prop_assert!(shard.validate().is_ok());
            prop_assert_eq!(shard.voters().count(), rf);
            let nodes: Vec<_> = shard.voters().map(|n| snapshot.node(n).unwrap()).collect();
            prop_assert!(nodes.iter().all(|n| n.live && policy.admits(&n.descriptor)));
            let leader = snapshot.node(shard.leader().unwrap()).unwrap();
            prop_assert_eq!(policy.lease_rank(&leader.descriptor), best_rank);
            if !policy.spread_attributes.is_empty() && distinct_zones.len() >= rf {
                let zones: BTreeSet<_> = nodes.iter().filter_map(|n| n.descriptor.attribute("zone")).collect();
                prop_assert_eq!(zones.len(), rf, "voters share a zone although alternatives exist");
            }
        }
    }
}
