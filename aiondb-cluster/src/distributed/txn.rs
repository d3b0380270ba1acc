//! Distributed transaction records, fragment metadata, and the in-memory
//! transaction coordinator.

use std::collections::BTreeMap;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use super::ids::{
    CatalogVersion, FragmentId, NodeId, PlacementEpoch, QueryId, ShardId, SnapshotTimestamp, TxnId,
};
use super::traits::TxnCoordinator;
use crate::error::{ClusterError, ClusterResult};

/// One shard taking part in a transaction, pinned to the lease it was routed at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnParticipant {
    /// The shard.
    pub shard_id: ShardId,
    /// Leaseholder the transaction's writes go to.
    pub leader: NodeId,
    /// Placement epoch of that lease.
    pub epoch: PlacementEpoch,
}

/// What a distributed transaction touches and what it reads at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnScope {
    /// Snapshot every participant reads at.
    pub snapshot: SnapshotTimestamp,
    /// Catalog version the statements were planned against.
    pub catalog_version: CatalogVersion,
    /// Participating shards, one entry per shard.
    pub participants: Vec<TxnParticipant>,
}

impl TxnScope {
    /// Checks there is at least one participant and no shard appears twice.
    pub fn validate(&self) -> ClusterResult<()> {
        if self.participants.is_empty() {
            return Err(ClusterError::InvalidTxnScope {
                reason: "no participants".into(),
            });
        }
        let mut shards: Vec<ShardId> = self.participants.iter().map(|p| p.shard_id).collect();
        shards.sort();
        if let Some(w) = shards.windows(2).find(|w| w[0] == w[1]) {
            return Err(ClusterError::InvalidTxnScope {
                reason: format!("shard {} listed twice", w[0]),
            });
        }
        Ok(())
    }

    /// Single-shard transactions can commit in one phase.
    pub fn is_single_shard(&self) -> bool {
        self.participants.len() == 1
    }

    /// The participant entry for `shard_id`.
    pub fn participant(&self, shard_id: ShardId) -> Option<&TxnParticipant> {
        self.participants.iter().find(|p| p.shard_id == shard_id)
    }
}

/// The coordinator's final word on a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxnDecision {
    /// Every participant commits.
    Commit,
    /// Every participant aborts.
    Abort,
}

/// State of a transaction record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxnRecordStatus {
    /// Begun, not yet decided.
    Pending,
    /// Decided commit at `commit_timestamp`.
    Committed,
    /// Decided abort.
    Aborted,
}

impl std::fmt::Display for TxnRecordStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pending => "pending",
            Self::Committed => "committed",
            Self::Aborted => "aborted",
        })
    }
}

/// The durable record of a distributed transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnRecord {
    /// Assigned by the coordinator.
    pub txn_id: TxnId,
    /// What it touches.
    pub scope: TxnScope,
    /// Where it stands.
    pub status: TxnRecordStatus,
    /// Set when committed; strictly after the scope's snapshot.
    pub commit_timestamp: Option<SnapshotTimestamp>,
}

/// Per-fragment execution caps; `None` means unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FragmentRuntimeOptions {
    /// Maximum rows the fragment may return.
    pub max_rows: Option<u64>,
    /// Maximum working memory in bytes.
    pub max_memory_bytes: Option<u64>,
    /// Wall-clock budget in milliseconds.
    pub timeout_ms: Option<u64>,
}

/// Routing metadata that travels with every fragment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FragmentMetadata {
    /// Owning query.
    pub query_id: QueryId,
    /// Fragment within the query.
    pub fragment_id: FragmentId,
    /// Owning distributed transaction, if any.
    pub txn_id: Option<TxnId>,
    /// Shard the fragment runs against.
    pub shard_id: ShardId,
    /// Node the fragment was routed to.
    pub target_node: NodeId,
    /// Placement epoch it was routed at.
    pub placement_epoch: PlacementEpoch,
    /// Catalog version it was planned at.
    pub catalog_version: CatalogVersion,
    /// Snapshot it reads at.
    pub snapshot: SnapshotTimestamp,
    /// Execution caps.
    pub options: FragmentRuntimeOptions,
}

fn bad_fragment(reason: String) -> ClusterError {
    ClusterError::InvalidFragmentMetadata { reason }
}

/// Checks that a fragment agrees with its transaction's scope: its shard is a
/// participant, it targets that participant's leader at the same epoch, and
/// it uses the scope's catalog version and snapshot. Caps must be non-zero.
pub fn validate_txn_scope_fragment_metadata(
    scope: &TxnScope,
    fragment: &FragmentMetadata,
) -> ClusterResult<()> {
    scope.validate()?;
    let participant = scope
        .participant(fragment.shard_id)
        .ok_or_else(|| bad_fragment(format!("shard {} is not a participant", fragment.shard_id)))?;
    if participant.epoch != fragment.placement_epoch {
        return Err(ClusterError::StaleEpoch {
            shard_id: fragment.shard_id,
            presented: fragment.placement_epoch,
            current: participant.epoch,
        });
    }
    if participant.leader != fragment.target_node {
        return Err(bad_fragment(format!(
            "fragment targets {} but shard {} is led by {}",
            fragment.target_node, fragment.shard_id, participant.leader
        )));
    }
    if scope.catalog_version != fragment.catalog_version {
        return Err(bad_fragment(format!(
            "catalog version {} differs from the transaction's {}",
            fragment.catalog_version, scope.catalog_version
        )));
    }
    if scope.snapshot != fragment.snapshot {
        return Err(bad_fragment(format!(
            "snapshot {} differs from the transaction's {}",
            fragment.snapshot, scope.snapshot
        )));
    }
    let caps = fragment.options;
    if [caps.max_rows, caps.max_memory_bytes, caps.timeout_ms].contains(&Some(0)) {
        return Err(bad_fragment("runtime caps must be non-zero".into()));
    }
    Ok(())
}

#[derive(Debug, Default)]
struct CoordinatorState {
    last_txn_id: u64,
    clock: u64,
    records: BTreeMap<TxnId, TxnRecord>,
}

impl CoordinatorState {
    fn tick(&mut self) -> SnapshotTimestamp {
        self.clock = self.clock.saturating_add(1);
        SnapshotTimestamp::new(self.clock)
    }
}

/// Thread-safe in-memory [`TxnCoordinator`] with a monotonic clock.
#[derive(Debug, Default)]
pub struct InMemoryTxnCoordinator {
    state: Mutex<CoordinatorState>,
}

impl InMemoryTxnCoordinator {
    /// An empty coordinator whose clock starts at 0.
    pub fn new() -> Self {
        Self::default()
    }
}

impl TxnCoordinator for InMemoryTxnCoordinator {
    fn next_snapshot_timestamp(&self) -> ClusterResult<SnapshotTimestamp> {
        Ok(self.state.lock().tick())
    }

    fn observe_timestamp(&self, observed: SnapshotTimestamp) -> ClusterResult<()> {
        let mut state = self.state.lock();
        state.clock = state.clock.max(observed.get());
        Ok(())
    }

    fn begin(&self, scope: TxnScope) -> ClusterResult<TxnRecord> {
        scope.validate()?;
        let mut state = self.state.lock();
        state.clock = state.clock.max(scope.snapshot.get());
        state.last_txn_id = state.last_txn_id.saturating_add(1);
        let record = TxnRecord {
            txn_id: TxnId::new(state.last_txn_id),
            scope,
            status: TxnRecordStatus::Pending,
            commit_timestamp: None,
        };
        state.records.insert(record.txn_id, record.clone());
        Ok(record)
    }

    fn decide(&self, txn_id: TxnId, decision: TxnDecision) -> ClusterResult<TxnRecord> {
        let mut state = self.state.lock();
        let status = state
            .records
            .get(&txn_id)
            .ok_or(ClusterError::UnknownTransaction { txn_id })?
            .status;
        let wanted = match decision {
            TxnDecision::Commit => TxnRecordStatus::Committed,
            TxnDecision::Abort => TxnRecordStatus::Aborted,
        };
        if status != TxnRecordStatus::Pending {
            return match state.records.get(&txn_id) {
                Some(record) if status == wanted => Ok(record.clone()),
                _ => Err(ClusterError::TxnAlreadyDecided {
                    txn_id,
                    status: status.to_string(),
                }),
            };
        }
        let commit_timestamp = (wanted == TxnRecordStatus::Committed).then(|| state.tick());
        let record = state
            .records
            .get_mut(&txn_id)
            .ok_or(ClusterError::UnknownTransaction { txn_id })?;
        record.status = wanted;
        record.commit_timestamp = commit_timestamp;
        Ok(record.clone())
    }

    fn record(&self, txn_id: TxnId) -> ClusterResult<TxnRecord> {
        self.state
            .lock()
            .records
            .get(&txn_id)
            .cloned()
            .ok_or(ClusterError::UnknownTransaction { txn_id })
    }

    fn forget(&self, txn_id: TxnId) -> ClusterResult<TxnRecord> {
        let mut state = self.state.lock();
        match state.records.get(&txn_id).map(|r| r.status) {
            None => Err(ClusterError::UnknownTransaction { txn_id }),
            Some(TxnRecordStatus::Pending) => Err(ClusterError::InvalidTxnScope {
                reason: format!("transaction {txn_id} is still pending"),
            }),
            Some(_) => state
                .records
                .remove(&txn_id)
                .ok_or(ClusterError::UnknownTransaction { txn_id }),
        }
    }

    fn pending(&self) -> ClusterResult<Vec<TxnRecord>> {
        Ok(self
            .state
            .lock()
            .records
            .values()
            .filter(|r| r.status == TxnRecordStatus::Pending)
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> TxnScope {
        TxnScope {
            snapshot: SnapshotTimestamp::new(10),
            catalog_version: CatalogVersion::INITIAL,
            participants: vec![
                TxnParticipant {
                    shard_id: ShardId::new(1),
                    leader: "a".into(),
                    epoch: PlacementEpoch::new(3),
                },
                TxnParticipant {
                    shard_id: ShardId::new(2),
                    leader: "b".into(),
                    epoch: PlacementEpoch::new(1),
                },
            ],
        }
    }

    fn fragment() -> FragmentMetadata {
        FragmentMetadata {
            query_id: QueryId::new(1),
            fragment_id: FragmentId::new(1),
            txn_id: Some(TxnId::new(1)),
            shard_id: ShardId::new(1),
            target_node: "a".into(),
            placement_epoch: PlacementEpoch::new(3),
            catalog_version: CatalogVersion::INITIAL,
            snapshot: SnapshotTimestamp::new(10),
            options: FragmentRuntimeOptions::default(),
        }
    }

    #[test]
    fn fragment_validation() {
        let s = scope();
        validate_txn_scope_fragment_metadata(&s, &fragment()).unwrap();
        let mut f = fragment();
        f.placement_epoch = PlacementEpoch::new(2);
        assert!(matches!(
            validate_txn_scope_fragment_metadata(&s, &f),
            Err(ClusterError::StaleEpoch { .. })
        ));
        for mutate in [
            (|f: &mut FragmentMetadata| f.shard_id = ShardId::new(9)) as fn(&mut FragmentMetadata),
            |f| f.target_node = "b".into(),
            |f| f.catalog_version = CatalogVersion::new(2),
            |f| f.snapshot = SnapshotTimestamp::new(11),
            |f| f.options.max_rows = Some(0),
        ] {
            let mut f = fragment();
            mutate(&mut f);
            assert!(matches!(
                validate_txn_scope_fragment_metadata(&s, &f),
                Err(ClusterError::InvalidFragmentMetadata { .. })
            ));
        }
        let mut dup = scope();
        dup.participants[1].shard_id = ShardId::new(1);
        assert!(matches!(
            validate_txn_scope_fragment_metadata(&dup, &fragment()),
            Err(ClusterError::InvalidTxnScope { .. })
        ));
    }

    #[test]
    fn coordinator_lifecycle() {
        let c = InMemoryTxnCoordinator::new();
        let r = c.begin(scope()).unwrap();
        assert_eq!(r.status, TxnRecordStatus::Pending);
        assert!(!r.scope.is_single_shard());
        assert_eq!(c.pending().unwrap().len(), 1);
        assert!(c.forget(r.txn_id).is_err(), "pending records are kept");
        let committed = c.decide(r.txn_id, TxnDecision::Commit).unwrap();
        assert!(committed.commit_timestamp.unwrap() > r.scope.snapshot);
        assert_eq!(
            c.decide(r.txn_id, TxnDecision::Commit).unwrap(),
            committed,
            "idempotent"
        );
        assert!(matches!(
            c.decide(r.txn_id, TxnDecision::Abort),
            Err(ClusterError::TxnAlreadyDecided { .. })
        ));
        assert_eq!(c.record(r.txn_id).unwrap(), committed);
        c.forget(r.txn_id).unwrap();
        assert!(matches!(
            c.record(r.txn_id),
            Err(ClusterError::UnknownTransaction { .. })
        ));
        assert!(c.decide(TxnId::new(99), TxnDecision::Abort).is_err());
        let mut empty = scope();
        empty.participants.clear();
        assert!(c.begin(empty).is_err());
        let aborted = c.begin(scope()).unwrap();
        assert_eq!(
            c.decide(aborted.txn_id, TxnDecision::Abort)
                .unwrap()
                .commit_timestamp,
            None
        );
    }

    #[test]
    fn clock_is_monotonic() {
        let c = InMemoryTxnCoordinator::new();
        let a = c.next_snapshot_timestamp().unwrap();
        c.observe_timestamp(SnapshotTimestamp::new(100)).unwrap();
        let b = c.next_snapshot_timestamp().unwrap();
        c.observe_timestamp(SnapshotTimestamp::new(5)).unwrap();
        let d = c.next_snapshot_timestamp().unwrap();
        assert!(a < b && b < d && b.get() == 101);
    }
}
