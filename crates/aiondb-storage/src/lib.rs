//! # aiondb-storage: the MVCC store
//!
//! Tables, indexes and sequences, kept in memory as multi-versioned rows,
//! made durable only by the WAL and bounded by checkpoints.
//!
//! ```text
//!             Transaction (snapshot = one CommitId, pending writes = row locks)
//!                │ reads: newest version with commit_id <= snapshot, or its own
//!                │ writes: push a pending version; conflicts wait / 40001 / 23505
//!                ▼
//!   ┌───────────────────────── Store ─────────────────────────┐
//!   │ catalog (Arc, swapped per DDL commit)  tables: chains + indexes │
//!   │ commit order: assign c ─▶ WAL append ─▶ fsync ─▶ publish c     │
//!   └───────────────┬──────────────────────────────┬──────────┘
//!                   ▼                              ▼
//!              aiondb-wal (the only authority)   checkpoints/ (cut at c, LSN)
//! ```
//!
//! Invariants:
//!
//! 1. **The WAL is the sole durability authority.** A transaction exists
//!    once its single commit record (catalog changes, truncations and final
//!    row images, stamped with its CommitId) is durable, and not before.
//! 2. **CommitIds are assigned once, in WAL order**: assignment and append
//!    happen under one lock, so commit `c`'s record precedes `c + 1`'s.
//! 3. **Visibility follows durability and order.** Versions are stamped
//!    only after the fsync covering their record, and commit `c` is
//!    published only after `c - 1`, so a snapshot is one number and a
//!    version is visible iff `commit_id <= snapshot`.
//! 4. **Recovery is deterministic**: the newest complete checkpoint (every
//!    file checksummed) plus strict replay of the WAL after its LSN; a gap
//!    or reorder in CommitIds, a damaged checkpoint or missing WAL is a
//!    refusal naming the damage, never a guess.
//! 5. **GC only drops what no live snapshot can see.**
//!
//! Scans come in three orders: heap order for sequential scans (insertion
//! order, an updated row's new version last, as PostgreSQL's heap returns
//! small tables), primary key order for key ranges, index order for index
//! scans. Heap positions live in memory only; replay and checkpoint load
//! rebuild them deterministically from record order.
//!
//! Isolation is PostgreSQL's: READ COMMITTED re-snapshots per statement and
//! re-checks rows changed by concurrent writers on their newest version;
//! REPEATABLE READ is snapshot isolation and fails with 40001 on a write to
//! a row changed after its snapshot. Deadlocks are detected when a wait
//! would close a cycle (40P01).

mod aggregate;
mod checkpoint;
mod command;
mod commit;
mod control;
mod ddl;
mod dump;
mod gc;
mod locks;
mod record;
mod replay;
mod scan;
mod schema;
mod sequence;
mod serializable;
mod store;
mod table;
mod txn;
mod upsert;
mod user_objects;
mod user_types;

pub use aggregate::{AggregateArgType, AggregateFn, AggregateSchema, MovingAggregate};
pub use checkpoint::CheckpointReport;
pub use control::FORMAT_VERSION;
pub use gc::GcReport;
pub use locks::{LockMode, WaitLimits};
pub use record::Key;
pub use scan::RowScan;
pub use schema::{
    BUILTIN_NAMESPACES, Catalog, ColumnSchema, FunctionArg, FunctionSchema, IndexSchema,
    NamespaceSchema, SequenceId, SequenceSchema, TableSchema, ViewSchema,
};
pub use store::{RecoveryReport, Store, StoreOptions};
pub use txn::{IsolationLevel, Savepoint, Transaction};
pub use upsert::{Arbiter, InsertOutcome};
pub use user_objects::{
    DomainCheck, DomainSchema, EnumSchema, ObjectKind, OperatorSchema, UserObject,
};
pub use user_types::{BaseType, CastSchema, TypeSchema};
