//! Pure replica-placement planners and the maintenance loop that applies them.
//!
//! Every planner takes a [`ControlPlaneSnapshot`] and returns a list of
//! [`ReplicaAction`]s; none performs I/O or reads a clock, and all iterate
//! in sorted order (BTreeMap, sorted vectors), so the same input always
//! yields the same plan. Each planned action is checked against a simulated
//! copy of the snapshot with the same majority-safety rules the control
//! plane enforces, so a plan never contains a step the control plane would
//! refuse on an unchanged topology.
//!
//! ```text
//!  snapshot ─▶ promote caught-up learners ─▶ fail over down leaders
//!           ─▶ repair (add / remove replicas) ─▶ balance leaders ─▶ plan
//! ```

mod balance;
mod maintain;
mod placement;
mod repair;
mod select;
mod status;

use serde::{Deserialize, Serialize};

use crate::distributed::{
    ControlPlaneSnapshot, NodeId, ReplicaPlacementPolicy, ReplicaRole, ShardId,
};
use crate::error::{ClusterError, ClusterResult};

pub use balance::{
    plan_leader_failovers_with_policy, plan_leadership_balance_preferences,
    plan_leadership_balance_preferences_with_policy,
};
pub use maintain::{
    ReplicationMaintenancePlan, ReplicationMaintenanceReport,
    caught_up_learner_keys_for_live_nodes, maintain_replication,
    maintain_replication_with_caught_up_learners, plan_replication_maintenance,
};
pub use placement::{
    plan_initial_shard_replica_placements, plan_initial_shard_replica_placements_with_policy,
};
pub use repair::{plan_replica_repairs, plan_replica_repairs_with_policy};
pub use status::{NodeReplicaLoad, ReplicationStatusSnapshot};

/// One placement or leadership change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ReplicaAction {
    /// Add a follower or learner on `node_id`.
    AddReplica {
        shard_id: ShardId,
        node_id: NodeId,
        role: ReplicaRole,
    },
    /// Remove the (non-leader) replica on `node_id`.
    RemoveReplica { shard_id: ShardId, node_id: NodeId },
    /// Promote the learner on `node_id` to follower.
    PromoteLearner { shard_id: ShardId, node_id: NodeId },
    /// Move leadership from a live leader to a live voter.
    TransferLeadership {
        shard_id: ShardId,
        from: NodeId,
        to: NodeId,
    },
    /// Move leadership away from a down (or missing) leader.
    FailOverLeadership {
        shard_id: ShardId,
        from: Option<NodeId>,
        to: NodeId,
    },
}

impl ReplicaAction {
    /// The shard the action changes.
    pub fn shard_id(&self) -> ShardId {
        match self {
            Self::AddReplica { shard_id, .. }
            | Self::RemoveReplica { shard_id, .. }
            | Self::PromoteLearner { shard_id, .. }
            | Self::TransferLeadership { shard_id, .. }
            | Self::FailOverLeadership { shard_id, .. } => *shard_id,
        }
    }
}

/// "The learner of `shard_id` on `node_id` has caught up".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ReplicaCatchupKey {
    /// The shard.
    pub shard_id: ShardId,
    /// The learner's node.
    pub node_id: NodeId,
}

/// How the repair planner adds replacement replicas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplicaRepairMode {
    /// Add replacements directly as voting followers.
    #[default]
    Immediate,
    /// Stage replacements as learners; they become voters only when reported
    /// caught up (see [`maintain_replication_with_caught_up_learners`]).
    /// Live learners count toward the target while they catch up.
    LearnerFirst,
}

/// Repair planner settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaRepairOptions {
    /// Target number of live voters per shard (0 is treated as 1).
    pub replication_factor: usize,
    /// How replacements are staged.
    pub mode: ReplicaRepairMode,
    /// Cap on replicas added per pass, across all shards (`None` = no cap).
    pub max_new_replicas_per_pass: Option<usize>,
}

impl Default for ReplicaRepairOptions {
    fn default() -> Self {
        Self {
            replication_factor: 3,
            mode: ReplicaRepairMode::Immediate,
            max_new_replicas_per_pass: None,
        }
    }
}

/// Leadership balancing settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadershipBalanceOptions {
    /// Cap on balance transfers per pass (failovers are not capped).
    pub max_transfers_per_pass: usize,
    /// How many more leaders the source must hold than the target before a
    /// lease moves for balance. Values below 2 act as 2, since a move between
    /// nodes one apart would only swap them.
    pub min_load_delta: usize,
}

impl Default for LeadershipBalanceOptions {
    fn default() -> Self {
        Self {
            max_transfers_per_pass: 8,
            min_load_delta: 2,
        }
    }
}

/// Everything one maintenance pass needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationMaintenanceOptions {
    /// Repair settings.
    pub repair: ReplicaRepairOptions,
    /// Balance settings.
    pub balance: LeadershipBalanceOptions,
    /// Placement policy shared by repair and balance.
    pub policy: ReplicaPlacementPolicy,
}

/// Applies `action` to a snapshot under the same rules as the control plane.
pub fn apply_replica_action_to_snapshot(
    snapshot: &mut ControlPlaneSnapshot,
    action: &ReplicaAction,
) -> ClusterResult<()> {
    let ControlPlaneSnapshot { nodes, shards, .. } = snapshot;
    let live = |n: &NodeId| {
        nodes
            .binary_search_by(|x| x.node_id().cmp(n))
            .is_ok_and(|i| nodes[i].live)
    };
    let shard_id = action.shard_id();
    let shard = shards
        .binary_search_by(|s| s.shard_id.cmp(&shard_id))
        .ok()
        .and_then(|i| shards.get_mut(i))
        .ok_or(ClusterError::UnknownShard { shard_id })?;
    let mut next = shard.clone();
    match action {
        ReplicaAction::AddReplica { node_id, role, .. } => {
            if nodes
                .binary_search_by(|x| x.node_id().cmp(node_id))
                .is_err()
            {
                return Err(ClusterError::UnknownNode {
                    node_id: node_id.clone(),
                });
            }
            next.add_replica(node_id, *role, &live)?;
        }
        ReplicaAction::RemoveReplica { node_id, .. } => next.remove_replica(node_id, &live)?,
        ReplicaAction::PromoteLearner { node_id, .. } => next.promote_learner(node_id, &live)?,
        ReplicaAction::TransferLeadership { to, .. } => {
            next.transfer_leadership(to, &live)?;
        }
        ReplicaAction::FailOverLeadership { to, .. } => {
            next.fail_over_leadership(to, &live)?;
        }
    }
    *shard = next;
    Ok(())
}

/// Applies each action to `work` and keeps those that succeed, in order.
pub(crate) fn keep_applicable(
    work: &mut ControlPlaneSnapshot,
    actions: Vec<ReplicaAction>,
) -> Vec<ReplicaAction> {
    actions
        .into_iter()
        .filter(|a| apply_replica_action_to_snapshot(work, a).is_ok())
        .collect()
}

#[cfg(test)]
pub(crate) mod fixtures;
