//! # aiondb-core: the shared vocabulary
//!
//! Every layer of AionDB speaks in the types defined here, and nothing else
//! crosses a crate boundary. The crate has no I/O and no global state.
//!
//! ```text
//!   server ─ pgwire ─ replication ─ engine ─ sql ─ storage ─ wal
//!      └────────────────────── aiondb-core ──────────────────────┘
//! ```
//!
//! * [`Value`] is one SQL datum (or NULL) and [`DataType`] the type it is
//!   read and written as. Values carry no type modifiers: `varchar(10)` and
//!   `text` both hold a [`Value::Text`]; the column's [`DataType`] says how
//!   to check and print it. Values are totally ordered *within* a type, so
//!   they can key ordered indexes directly (NaN sorts above every number and
//!   `-0.0 == 0.0`, as in PostgreSQL).
//! * [`Row`] is a vector of values, in column order.
//! * [`CommitId`] is the position of a transaction in the single, total
//!   commit order. It is assigned once, by the primary, when the commit
//!   record is appended to the WAL. A snapshot is one `CommitId`: a version
//!   is visible to it iff `version.commit_id <= snapshot`.
//! * [`Lsn`] is a byte position in the write-ahead log. Records carry their
//!   own LSN and LSNs are contiguous, so the pair (LSN, CRC) names a record.
//! * [`DbError`] is the one error type. It carries a PostgreSQL SQLSTATE
//!   ([`SqlState`]), a message, and optional detail, hint and cursor
//!   position, so that every failure, from a torn WAL segment to a unique
//!   violation, reaches the client as a well-formed `ErrorResponse`.
//!
//! Invariants the rest of the system relies on:
//!
//! 1. `CommitId` and `Lsn` are strictly increasing in WAL order; `CommitId(0)`
//!    means "before any commit" and is the snapshot of an empty database.
//! 2. `Value`'s `Ord` is a total order consistent with `Eq` and `Hash`, so a
//!    key that compares equal is the same key.
//! 3. A `DbError` never loses its SQLSTATE on its way up: layers add context
//!    with [`DbError::with_detail`] and friends, they do not re-wrap.

mod datatype;
mod error;
mod ids;
mod interval;
mod numeric;
mod sqlstate;
mod value;

pub use datatype::{DataType, DomainType, EnumType};
pub use error::{DbError, DbResult};
pub use ids::{CommitId, IndexId, Lsn, TableId, TxnId};
pub use interval::Interval;
pub use numeric::Numeric;
pub use sqlstate::SqlState;
pub use value::{Row, Value};
