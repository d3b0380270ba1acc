//! What the store writes to the WAL, and how it is encoded.
//!
//! Two record kinds exist. A commit record carries a transaction's whole
//! effect (catalog changes, truncations, final row images) and its CommitId;
//! it is the only thing that makes a transaction exist. A sequence record
//! carries a sequence reservation, which is not transactional (as in
//! PostgreSQL) and becomes durable with the next flush that covers it.

use crate::aggregate::AggregateSchema;
use crate::schema::{
    FunctionSchema, IndexSchema, NamespaceSchema, SequenceId, SequenceSchema, TableSchema,
    ViewSchema,
};
use aiondb_core::{CommitId, DbError, DbResult, IndexId, Row, TableId};
use serde::{Deserialize, Serialize};

/// A primary key (or the hidden row id for tables without one).
pub type Key = Vec<aiondb_core::Value>;

/// WAL record kind of a commit ([`commit_payload`]).
pub const KIND_COMMIT: u8 = 1;
/// WAL record kind of a [`SequenceRecord`].
pub const KIND_SEQUENCE: u8 = 2;

/// A catalog change, in the order the transaction made it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DdlOp {
    CreateTable(TableSchema),
    DropTable(TableId),
    /// A new definition for an existing table (rename, columns, sql
    /// metadata). Rows rewritten by the change are logged as row images.
    AlterTable(TableSchema),
    /// Builds the index from the table's rows at replay.
    CreateIndex {
        table: TableId,
        index: IndexSchema,
    },
    DropIndex {
        table: TableId,
        index: IndexId,
    },
    CreateSequence {
        schema: SequenceSchema,
    },
    DropSequence(SequenceId),
    /// Creates a view, or replaces the definition of the view with this id.
    PutView(ViewSchema),
    DropView(TableId),
    CreateNamespace(NamespaceSchema),
    DropNamespace(TableId),
    /// Creates a function, or replaces the definition of the function
    /// with this id (new variants go last: older WAL keeps decoding).
    PutFunction(FunctionSchema),
    DropFunction(TableId),
    /// Creates a type, or completes the shell type with this id.
    PutType(crate::user_types::TypeSchema),
    DropType(TableId),
    PutCast(crate::user_types::CastSchema),
    DropCast(TableId),
    /// Creates a domain, enum or operator, or replaces the one with this id.
    PutObject(crate::UserObject),
    DropObject(TableId),
    /// Creates an aggregate, or replaces the definition of the aggregate
    /// with this id (format version 4).
    PutAggregate(Box<AggregateSchema>),
    DropAggregate(TableId),
}

/// A row's final image in a transaction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RowOp {
    Put { table: TableId, key: Key, row: Row },
    Delete { table: TableId, key: Key },
}

/// What one committed transaction did. Replay applies, in order: the
/// catalog changes, then the truncations (every row of the table deleted),
/// then the row images.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CommitBody {
    pub ddl: Vec<DdlOp>,
    pub truncates: Vec<TableId>,
    pub rows: Vec<RowOp>,
}

/// A sequence reservation: values up to `reserved` may have been handed out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SequenceRecord {
    pub sequence: SequenceId,
    /// The last value handed out (or reserved), after which counting resumes.
    pub reserved: i64,
    /// Whether `reserved` counts as used (false right after `setval(.., false)`).
    pub is_called: bool,
}

/// The payload of a commit record: the CommitId (8 bytes, little-endian)
/// then the encoded [`CommitBody`]. The body is encoded before the CommitId
/// is known, outside the commit-order lock.
pub fn commit_payload(commit_id: CommitId, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + body.len());
    out.extend_from_slice(&commit_id.0.to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// Splits a commit record payload into its CommitId and body.
pub fn decode_commit(payload: &[u8]) -> DbResult<(CommitId, CommitBody)> {
    let (id, body) = payload
        .split_first_chunk::<8>()
        .ok_or_else(|| DbError::corrupted("commit record shorter than its CommitId"))?;
    Ok((
        CommitId(u64::from_le_bytes(*id)),
        decode(body, "commit record")?,
    ))
}

/// Serializes a record payload.
pub fn encode<T: Serialize>(value: &T) -> DbResult<Vec<u8>> {
    postcard::to_stdvec(value).map_err(|e| DbError::internal(format!("cannot encode record: {e}")))
}

/// Deserializes a record payload; a failure means the bytes passed their
/// CRC but do not decode, which is corruption, never a torn write.
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8], what: &str) -> DbResult<T> {
    postcard::from_bytes(bytes)
        .map_err(|e| DbError::corrupted(format!("cannot decode {what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiondb_core::Value;

    #[test]
    fn commit_record_round_trips() {
        let rec = CommitBody {
            ddl: vec![DdlOp::DropTable(TableId(3))],
            truncates: vec![TableId(4)],
            rows: vec![
                RowOp::Put {
                    table: TableId(1),
                    key: vec![Value::Int4(1)],
                    row: vec![Value::Int4(1), Value::Text("a".into()), Value::Null],
                },
                RowOp::Delete {
                    table: TableId(1),
                    key: vec![Value::Int4(2)],
                },
            ],
        };
        let bytes = commit_payload(CommitId(7), &encode(&rec).expect("encode"));
        let (id, back) = decode_commit(&bytes).expect("decode");
        assert_eq!((id, back), (CommitId(7), rec));
        assert!(decode_commit(&bytes[..bytes.len() / 2]).is_err());
    }
}
