//! Shard placement metadata and the majority-safety rules every placement
//! change must obey.
//!
//! A shard has voting replicas (one `Leader`, any number of `Follower`s) and
//! non-voting `Learner`s. The rules, shared by every control-plane
//! implementation and by the planners' simulator:
//!
//! * Serving (read/write resolution, lease lookup) requires the leader to be
//!   live and a strict majority of voters to be live.
//! * Leadership moves only to a live voter; learners keep their role.
//! * Configuration changes (add, remove, promote) need a serving shard too:
//!   without a live leader and majority nothing can be committed.
//! * Every placement change bumps the shard's [`PlacementEpoch`], so a lease
//!   or fragment routed at an older epoch is rejected as stale.

use serde::{Deserialize, Serialize};

use super::ids::{NodeId, PlacementEpoch, ShardId};
use crate::error::{ClusterError, ClusterResult};

/// The role a replica plays in its shard's consensus group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ReplicaRole {
    /// Voting replica holding the lease.
    Leader,
    /// Voting replica.
    Follower,
    /// Non-voting replica catching up (or serving follower reads).
    Learner,
}

impl ReplicaRole {
    /// Leaders and followers vote; learners do not.
    pub fn is_voter(self) -> bool {
        !matches!(self, Self::Learner)
    }
}

/// One replica of a shard.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ShardPlacement {
    /// Hosting node.
    pub node_id: NodeId,
    /// Role in the shard's group.
    pub role: ReplicaRole,
}

impl ShardPlacement {
    /// A placement of `role` on `node_id`.
    pub fn new(node_id: impl Into<NodeId>, role: ReplicaRole) -> Self {
        Self {
            node_id: node_id.into(),
            role,
        }
    }
}

/// Leadership lease of a shard at a placement epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochLease {
    /// The shard.
    pub shard_id: ShardId,
    /// The leaseholder.
    pub leader: NodeId,
    /// Epoch at which the lease was granted.
    pub epoch: PlacementEpoch,
}

/// A shard's placement metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardDescriptor {
    /// The shard.
    pub shard_id: ShardId,
    /// The table (relation id) the shard belongs to; opaque here.
    pub table_id: u64,
    /// Current placement epoch.
    pub epoch: PlacementEpoch,
    /// Replicas, sorted by node id, at most one per node.
    pub placements: Vec<ShardPlacement>,
}

impl ShardDescriptor {
    /// A shard at [`PlacementEpoch::INITIAL`]; placements are sorted.
    pub fn new(shard_id: ShardId, table_id: u64, mut placements: Vec<ShardPlacement>) -> Self {
        placements.sort();
        Self {
            shard_id,
            table_id,
            epoch: PlacementEpoch::INITIAL,
            placements,
        }
    }

    fn invalid(&self, reason: impl Into<String>) -> ClusterError {
        ClusterError::InvalidPlacement {
            shard_id: self.shard_id,
            reason: reason.into(),
        }
    }

    /// Checks structural invariants: one replica per node, exactly one leader.
    pub fn validate(&self) -> ClusterResult<()> {
        let mut nodes: Vec<&NodeId> = self.placements.iter().map(|p| &p.node_id).collect();
        nodes.sort();
        if nodes.windows(2).any(|w| w[0] == w[1]) {
            return Err(self.invalid("more than one replica on a node"));
        }
        match self
            .placements
            .iter()
            .filter(|p| p.role == ReplicaRole::Leader)
            .count()
        {
            1 => Ok(()),
            0 => Err(ClusterError::NoLeader {
                shard_id: self.shard_id,
            }),
            _ => Err(self.invalid("more than one leader")),
        }
    }

    /// The leader's node, if any.
    pub fn leader(&self) -> Option<&NodeId> {
        self.placements
            .iter()
            .find(|p| p.role == ReplicaRole::Leader)
            .map(|p| &p.node_id)
    }

    /// The role of the replica on `node_id`, if any.
    pub fn role_of(&self, node_id: &NodeId) -> Option<ReplicaRole> {
        self.placements
            .iter()
            .find(|p| &p.node_id == node_id)
            .map(|p| p.role)
    }

    /// Nodes hosting voting replicas.
    pub fn voters(&self) -> impl Iterator<Item = &NodeId> {
        self.placements
            .iter()
            .filter(|p| p.role.is_voter())
            .map(|p| &p.node_id)
    }

    /// Nodes hosting learners.
    pub fn learners(&self) -> impl Iterator<Item = &NodeId> {
        self.placements
            .iter()
            .filter(|p| p.role == ReplicaRole::Learner)
            .map(|p| &p.node_id)
    }

    /// `(live voters, voters)`.
    pub fn voter_counts(&self, live: &dyn Fn(&NodeId) -> bool) -> (usize, usize) {
        let voters = self.voters().count();
        let live_voters = self.voters().filter(|n| live(n)).count();
        (live_voters, voters)
    }

    /// Whether a strict majority of voters is live.
    pub fn has_live_quorum(&self, live: &dyn Fn(&NodeId) -> bool) -> bool {
        let (live_voters, voters) = self.voter_counts(live);
        voters > 0 && live_voters * 2 > voters
    }

    fn check_quorum(&self, live: &dyn Fn(&NodeId) -> bool) -> ClusterResult<()> {
        if self.has_live_quorum(live) {
            return Ok(());
        }
        let (live_voters, voters) = self.voter_counts(live);
        Err(ClusterError::NoQuorum {
            shard_id: self.shard_id,
            live_voters,
            voters,
        })
    }

    /// The current lease, if the shard can serve: a live majority of voters
    /// and a live leader. Otherwise `NoQuorum`, `NoLeader` or `LeaderNotLive`.
    pub fn lease(&self, live: &dyn Fn(&NodeId) -> bool) -> ClusterResult<EpochLease> {
        self.check_quorum(live)?;
        let leader = self.leader().ok_or(ClusterError::NoLeader {
            shard_id: self.shard_id,
        })?;
        if !live(leader) {
            return Err(ClusterError::LeaderNotLive {
                shard_id: self.shard_id,
                leader: leader.clone(),
            });
        }
        Ok(EpochLease {
            shard_id: self.shard_id,
            leader: leader.clone(),
            epoch: self.epoch,
        })
    }

    /// Accepts `lease` only if it names the current epoch and leader.
    pub fn validate_lease(&self, lease: &EpochLease) -> ClusterResult<()> {
        if lease.epoch != self.epoch || self.leader() != Some(&lease.leader) {
            return Err(ClusterError::StaleEpoch {
                shard_id: self.shard_id,
                presented: lease.epoch,
                current: self.epoch,
            });
        }
        Ok(())
    }

    fn check_live_voter_target(
        &self,
        target: &NodeId,
        live: &dyn Fn(&NodeId) -> bool,
    ) -> ClusterResult<()> {
        match self.role_of(target) {
            None => Err(self.invalid(format!("{target} hosts no replica"))),
            Some(ReplicaRole::Learner) => Err(self.invalid(format!("{target} is a learner"))),
            Some(_) if !live(target) => Err(self.invalid(format!("{target} is not live"))),
            Some(_) => Ok(()),
        }
    }

    fn hand_leadership_to(&mut self, target: &NodeId) -> EpochLease {
        for p in &mut self.placements {
            if p.role == ReplicaRole::Leader {
                p.role = ReplicaRole::Follower;
            }
            if &p.node_id == target {
                p.role = ReplicaRole::Leader;
            }
        }
        self.epoch = self.epoch.next();
        EpochLease {
            shard_id: self.shard_id,
            leader: target.clone(),
            epoch: self.epoch,
        }
    }

    /// Explicit transfer from a live leader (with a live majority) to a live
    /// voter. Transferring to the current leader is a no-op.
    pub fn transfer_leadership(
        &mut self,
        target: &NodeId,
        live: &dyn Fn(&NodeId) -> bool,
    ) -> ClusterResult<EpochLease> {
        let current = self.lease(live)?;
        if &current.leader == target {
            return Ok(current);
        }
        self.check_live_voter_target(target, live)?;
        Ok(self.hand_leadership_to(target))
    }

    /// Failover from a down (or missing) leader to a live voter, allowed only
    /// while a live majority of voters remains.
    pub fn fail_over_leadership(
        &mut self,
        target: &NodeId,
        live: &dyn Fn(&NodeId) -> bool,
    ) -> ClusterResult<EpochLease> {
        self.check_quorum(live)?;
        if self.leader().is_some_and(live) {
            return Err(self.invalid("leader is live; use an explicit transfer"));
        }
        self.check_live_voter_target(target, live)?;
        Ok(self.hand_leadership_to(target))
    }

    /// Adds a follower or learner on a node that hosts no replica yet.
    /// Like every configuration change it needs a serving shard (live
    /// leader, live voter majority).
    pub fn add_replica(
        &mut self,
        node_id: &NodeId,
        role: ReplicaRole,
        live: &dyn Fn(&NodeId) -> bool,
    ) -> ClusterResult<()> {
        self.lease(live)?;
        if role == ReplicaRole::Leader {
            return Err(self.invalid("replicas are added as followers or learners"));
        }
        if self.role_of(node_id).is_some() {
            return Err(self.invalid(format!("{node_id} already hosts a replica")));
        }
        self.placements
            .push(ShardPlacement::new(node_id.clone(), role));
        self.placements.sort();
        self.epoch = self.epoch.next();
        Ok(())
    }

    /// Removes a non-leader replica. Removing a voter must leave a voter set
    /// that still has a live majority.
    pub fn remove_replica(
        &mut self,
        node_id: &NodeId,
        live: &dyn Fn(&NodeId) -> bool,
    ) -> ClusterResult<()> {
        self.lease(live)?;
        let role = self
            .role_of(node_id)
            .ok_or_else(|| self.invalid(format!("{node_id} hosts no replica")))?;
        if role == ReplicaRole::Leader {
            return Err(self.invalid("cannot remove the leader; transfer leadership first"));
        }
        let mut next = self.clone();
        next.placements.retain(|p| &p.node_id != node_id);
        if role.is_voter() && !next.has_live_quorum(live) {
            let (live_voters, voters) = next.voter_counts(live);
            return Err(ClusterError::NoQuorum {
                shard_id: self.shard_id,
                live_voters,
                voters,
            });
        }
        next.epoch = next.epoch.next();
        *self = next;
        Ok(())
    }

    /// Promotes a live learner to follower (needs a serving shard).
    pub fn promote_learner(
        &mut self,
        node_id: &NodeId,
        live: &dyn Fn(&NodeId) -> bool,
    ) -> ClusterResult<()> {
        self.lease(live)?;
        if self.role_of(node_id) != Some(ReplicaRole::Learner) {
            return Err(self.invalid(format!("{node_id} is not a learner")));
        }
        if !live(node_id) {
            return Err(self.invalid(format!("{node_id} is not live")));
        }
        for p in &mut self.placements {
            if &p.node_id == node_id {
                p.role = ReplicaRole::Follower;
            }
        }
        self.epoch = self.epoch.next();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard() -> ShardDescriptor {
        ShardDescriptor::new(
            ShardId::new(1),
            7,
            vec![
                ShardPlacement::new("a", ReplicaRole::Leader),
                ShardPlacement::new("b", ReplicaRole::Follower),
                ShardPlacement::new("c", ReplicaRole::Follower),
                ShardPlacement::new("d", ReplicaRole::Learner),
            ],
        )
    }

    fn live_except(down: &'static [&'static str]) -> impl Fn(&NodeId) -> bool {
        move |n: &NodeId| !down.contains(&n.as_str())
    }

    #[test]
    fn lease_requires_live_leader_and_majority() {
        let s = shard();
        assert_eq!(
            s.lease(&live_except(&[])).unwrap().leader,
            NodeId::from("a")
        );
        assert!(matches!(
            s.lease(&live_except(&["a"])),
            Err(ClusterError::LeaderNotLive { .. })
        ));
        assert_eq!(
            s.lease(&live_except(&["b", "c"])).unwrap_err(),
            ClusterError::NoQuorum {
                shard_id: ShardId::new(1),
                live_voters: 1,
                voters: 3
            }
        );
        // A learner never counts toward quorum.
        assert!(s.lease(&live_except(&["b", "c", "x"])).is_err());
    }

    #[test]
    fn transfer_bumps_epoch_preserves_learners_and_rejects_stale_leases() {
        let mut s = shard();
        let live = live_except(&[]);
        let old = s.lease(&live).unwrap();
        let new = s.transfer_leadership(&NodeId::from("b"), &live).unwrap();
        assert_eq!(new.epoch, old.epoch.next());
        assert_eq!(s.role_of(&"a".into()), Some(ReplicaRole::Follower));
        assert_eq!(s.role_of(&"d".into()), Some(ReplicaRole::Learner));
        assert!(matches!(
            s.validate_lease(&old),
            Err(ClusterError::StaleEpoch { .. })
        ));
        s.validate_lease(&new).unwrap();
        // Learners, non-replicas and down voters are not targets.
        assert!(s.transfer_leadership(&"d".into(), &live).is_err());
        assert!(s.transfer_leadership(&"zz".into(), &live).is_err());
        assert!(
            s.transfer_leadership(&"c".into(), &live_except(&["c"]))
                .is_err()
        );
        // No quorum: no transfer, even to a live voter.
        assert!(matches!(
            s.transfer_leadership(&"a".into(), &live_except(&["a", "c"])),
            Err(ClusterError::NoQuorum { .. })
        ));
        s.validate().unwrap();
    }

    #[test]
    fn failover_needs_down_leader_and_live_majority() {
        let mut s = shard();
        assert!(
            s.fail_over_leadership(&"b".into(), &live_except(&[]))
                .is_err()
        );
        assert!(matches!(
            s.fail_over_leadership(&"b".into(), &live_except(&["a", "c"])),
            Err(ClusterError::NoQuorum { .. })
        ));
        let lease = s
            .fail_over_leadership(&"b".into(), &live_except(&["a"]))
            .unwrap();
        assert_eq!(lease.leader, NodeId::from("b"));
        s.validate().unwrap();
    }

    #[test]
    fn membership_changes_keep_quorum() {
        let mut s = shard();
        let down_c = live_except(&["c"]);
        assert!(
            s.add_replica(&"a".into(), ReplicaRole::Follower, &down_c)
                .is_err()
        );
        assert!(
            s.add_replica(&"e".into(), ReplicaRole::Leader, &down_c)
                .is_err()
        );
        assert!(matches!(
            s.add_replica(&"e".into(), ReplicaRole::Learner, &live_except(&["b", "c"])),
            Err(ClusterError::NoQuorum { .. })
        ));
        assert!(s.remove_replica(&"a".into(), &down_c).is_err(), "leader");
        // Removing live b leaves {a, c-down}: 1 of 2 live is not a majority.
        assert!(matches!(
            s.remove_replica(&"b".into(), &down_c),
            Err(ClusterError::NoQuorum { .. })
        ));
        let epoch = s.epoch;
        s.remove_replica(&"c".into(), &down_c).unwrap();
        assert!(s.epoch > epoch);
        assert!(s.promote_learner(&"b".into(), &down_c).is_err());
        assert!(
            s.promote_learner(&"d".into(), &live_except(&["d"]))
                .is_err()
        );
        s.promote_learner(&"d".into(), &down_c).unwrap();
        assert_eq!(s.voters().count(), 3);
        s.remove_replica(&"zz".into(), &down_c).unwrap_err();
        s.validate().unwrap();
    }

    #[test]
    fn validate_rejects_bad_shapes() {
        let mut s = shard();
        s.placements
            .push(ShardPlacement::new("a", ReplicaRole::Follower));
        assert!(s.validate().is_err());
        let s = ShardDescriptor::new(
            ShardId::new(2),
            0,
            vec![ShardPlacement::new("a", ReplicaRole::Follower)],
        );
        assert!(matches!(s.validate(), Err(ClusterError::NoLeader { .. })));
    }
}
