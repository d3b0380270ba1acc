//! The store: shared state every transaction works against.

use crate::checkpoint;
use crate::control::DataDir;
use crate::locks::LockManager;
use crate::schema::{Catalog, SequenceId};
use crate::sequence::SequenceState;
use crate::table::TableData;
use crate::txn::{IsolationLevel, Transaction};
use aiondb_core::{CommitId, DbError, DbResult, Lsn, SqlState, TableId, TxnId};
use aiondb_wal::{TornTail, Wal, WalOptions};
use parking_lot::{Condvar, Mutex, RwLock};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Startup settings of a store.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// LSN span of one WAL segment file.
    pub wal_segment_size: u64,
    /// Share one fsync among concurrent commits.
    pub group_commit: bool,
    /// Take a checkpoint once this many WAL bytes were written after the
    /// last one (0 disables the trigger).
    pub checkpoint_wal_bytes: u64,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            wal_segment_size: 64 * 1024 * 1024,
            group_commit: true,
            checkpoint_wal_bytes: 256 * 1024 * 1024,
        }
    }
}

/// What opening the store found and did.
#[derive(Clone, Debug)]
pub struct RecoveryReport {
    /// True when the data directory was initialized by this open.
    pub initialized: bool,
    pub system_id: u64,
    /// The checkpoint loaded, if any: its commit id and WAL position.
    pub checkpoint: Option<(CommitId, Lsn)>,
    /// WAL records replayed after the checkpoint.
    pub records_replayed: u64,
    /// Commits among them.
    pub commits_replayed: u64,
    /// The newest commit after recovery.
    pub last_commit: CommitId,
    /// The WAL end after recovery.
    pub wal_end: Lsn,
    /// A torn write cut off the end of the WAL.
    pub torn_tail: Option<TornTail>,
}

/// Commit-order state: assignment and publication.
pub(crate) struct CommitOrder {
    /// Next CommitId to assign; assignment and WAL append happen under this
    /// lock so CommitIds are in WAL order.
    pub next: Mutex<CommitId>,
    /// The newest published CommitId and the WAL end of its record.
    pub published: Mutex<Published>,
    pub published_changed: Condvar,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Published {
    pub visible: CommitId,
    pub wal_end: Lsn,
}

/// The MVCC store. Shared as `Arc<Store>`; transactions keep a clone.
pub struct Store {
    pub(crate) dir: DataDir,
    pub(crate) wal: Arc<Wal>,
    pub(crate) options: StoreOptions,
    pub(crate) catalog: RwLock<Arc<Catalog>>,
    pub(crate) tables: RwLock<HashMap<TableId, Arc<TableData>>>,
    pub(crate) sequences: Mutex<BTreeMap<SequenceId, SequenceState>>,
    pub(crate) order: CommitOrder,
    pub(crate) locks: LockManager,
    /// Snapshots in use by live transactions (CommitId -> count).
    pub(crate) snapshots: Mutex<BTreeMap<CommitId, usize>>,
    /// Written tables of recent commits, for serializable validation.
    pub(crate) serial: Mutex<crate::serializable::SerialLog>,
    pub(crate) next_txn: AtomicU64,
    pub(crate) checkpoint_lock: Mutex<()>,
    pub(crate) last_checkpoint_lsn: AtomicU64,
    pub(crate) checkpoint_running: AtomicBool,
    /// Set when a WAL write or fsync failed: nothing more may commit.
    pub(crate) failed: AtomicBool,
}

impl Store {
    /// Opens (initializing if empty) the store in `path`: lock the
    /// directory, load the newest checkpoint, replay the WAL after it.
    pub fn open(path: &Path, options: StoreOptions) -> DbResult<(Arc<Store>, RecoveryReport)> {
        let dir = DataDir::open(path)?;
        let loaded = checkpoint::load_newest(&dir.path, dir.system_id)?;
        let wal_options = WalOptions {
            segment_size: options.wal_segment_size,
            group_commit: options.group_commit,
            system_id: dir.system_id,
            timeline: 1,
        };
        let wal_dir = dir.path.join("wal");
        let (wal, wal_report) = Wal::open(&wal_dir, wal_options, Lsn::ZERO)?;
        let initialized = dir.created;
        let system_id = dir.system_id;
        let start = loaded
            .as_ref()
            .map(|c| c.lsn)
            .unwrap_or(wal_report.start_lsn);
        if start < wal.start_lsn() {
            return Err(DbError::corrupted(format!(
                "WAL needed for recovery is missing: checkpoint starts replay at {start}, \
                 but the oldest WAL in \"{}\" begins at {}",
                wal_dir.display(),
                wal.start_lsn()
            )));
        }
        let checkpoint_at = loaded.as_ref().map(|c| (c.commit_id, c.lsn));
        let state = match loaded {
            Some(c) => c.state,
            None => checkpoint::LoadedState::empty(),
        };
        let store = Arc::new(Store {
            dir,
            wal: Arc::new(wal),
            options,
            catalog: RwLock::new(Arc::new(state.catalog)),
            tables: RwLock::new(state.tables),
            sequences: Mutex::new(state.sequences),
            order: CommitOrder {
                next: Mutex::new(state.commit_id.next()),
                published: Mutex::new(Published {
                    visible: state.commit_id,
                    wal_end: start,
                }),
                published_changed: Condvar::new(),
            },
            locks: LockManager::default(),
            snapshots: Mutex::new(BTreeMap::new()),
            serial: Mutex::new(Default::default()),
            next_txn: AtomicU64::new(1),
            checkpoint_lock: Mutex::new(()),
            last_checkpoint_lsn: AtomicU64::new(start.0),
            checkpoint_running: AtomicBool::new(false),
            failed: AtomicBool::new(false),
        });
        let replay = crate::replay::replay_wal(&store, start)?;
        store.gc();
        let report = RecoveryReport {
            initialized,
            system_id,
            checkpoint: checkpoint_at,
            records_replayed: replay.records,
            commits_replayed: replay.commits,
            last_commit: store.visible_commit(),
            wal_end: store.wal.end_lsn(),
            torn_tail: wal_report.torn_tail,
        };
        tracing::info!(
            checkpoint = ?report.checkpoint,
            records = report.records_replayed,
            commits = report.commits_replayed,
            last_commit = %report.last_commit,
            wal_end = %report.wal_end,
            "recovery complete"
        );
        Ok((store, report))
    }

    /// Starts a transaction.
    pub fn begin(self: &Arc<Self>, isolation: IsolationLevel) -> Transaction {
        let id = TxnId(self.next_txn.fetch_add(1, Ordering::Relaxed));
        self.locks.register(id);
        let snapshot = if isolation == IsolationLevel::Serializable {
            self.register_serializable_snapshot()
        } else {
            self.register_snapshot()
        };
        Transaction::new(self.clone(), id, isolation, snapshot)
    }

    /// The newest published CommitId: the snapshot a new statement gets.
    pub fn visible_commit(&self) -> CommitId {
        self.order.published.lock().visible
    }

    /// The committed catalog.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.read().clone()
    }

    /// The data directory.
    pub fn path(&self) -> &PathBuf {
        &self.dir.path
    }

    /// The WAL (replication streams from it).
    pub fn wal(&self) -> &Arc<Wal> {
        &self.wal
    }

    /// This cluster's system identifier.
    pub fn system_id(&self) -> u64 {
        self.dir.system_id
    }

    pub(crate) fn table_data(&self, id: TableId) -> DbResult<Arc<TableData>> {
        self.tables.read().get(&id).cloned().ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_TABLE,
                format!("table with id {id} does not exist"),
            )
        })
    }

    pub(crate) fn register_snapshot(&self) -> CommitId {
        let mut snaps = self.snapshots.lock();
        let s = self.visible_commit();
        *snaps.entry(s).or_insert(0) += 1;
        s
    }

    pub(crate) fn release_snapshot(&self, s: CommitId) {
        let mut snaps = self.snapshots.lock();
        if let Some(n) = snaps.get_mut(&s) {
            *n -= 1;
            if *n == 0 {
                snaps.remove(&s);
            }
        }
    }

    /// The oldest snapshot any live transaction may still read at.
    pub(crate) fn oldest_snapshot(&self) -> CommitId {
        let snaps = self.snapshots.lock();
        let visible = self.visible_commit();
        snaps.keys().next().copied().unwrap_or(visible).min(visible)
    }

    pub(crate) fn check_writable(&self) -> DbResult<()> {
        if self.failed.load(Ordering::Acquire) {
            return Err(DbError::new(
                SqlState::IO_ERROR,
                "the WAL failed to write or fsync; the server must be restarted",
            ));
        }
        Ok(())
    }

    /// Runs a checkpoint in the background when enough WAL accumulated.
    pub(crate) fn maybe_trigger_checkpoint(self: &Arc<Self>) {
        let every = self.options.checkpoint_wal_bytes;
        if every == 0 {
            return;
        }
        let since = self
            .wal
            .end_lsn()
            .0
            .saturating_sub(self.last_checkpoint_lsn.load(Ordering::Acquire));
        if since < every || self.checkpoint_running.swap(true, Ordering::AcqRel) {
            return;
        }
        let store = self.clone();
        std::thread::spawn(move || {
            if let Err(e) = store.checkpoint() {
                tracing::error!(error = %e, "background checkpoint failed");
            }
            store.checkpoint_running.store(false, Ordering::Release);
        });
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.dir.path)
            .field("visible", &self.visible_commit())
            .field("wal_end", &self.wal.end_lsn())
            .finish()
    }
}
