//! SQL-layer table metadata (defaults, checks, the declared primary key),
//! kept as JSON in the storage schema's opaque `sql` field so that it is
//! WAL-logged and checkpointed with the table.

use aiondb_core::{DbError, DbResult};
use aiondb_storage::TableSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A CHECK constraint.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub expr: String,
}

/// What the SQL layer knows about a table beyond the store's schema.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableMeta {
    /// Column position -> DEFAULT expression (SQL text).
    #[serde(default)]
    pub defaults: BTreeMap<usize, String>,
    #[serde(default)]
    pub checks: Vec<Check>,
    /// A primary key added by ALTER TABLE, enforced by a unique index.
    #[serde(default)]
    pub primary_key_index: Option<String>,
}

impl TableMeta {
    /// The metadata of a table (empty when none was stored).
    pub fn of(t: &TableSchema) -> DbResult<TableMeta> {
        if t.sql.is_empty() {
            return Ok(TableMeta::default());
        }
        serde_json::from_str(&t.sql).map_err(|e| {
            DbError::corrupted(format!("table \"{}\" metadata is damaged: {e}", t.name))
        })
    }

    /// Serialized for the schema's `sql` field.
    pub fn to_sql(&self) -> DbResult<String> {
        serde_json::to_string(self)
            .map_err(|e| DbError::internal(format!("cannot encode table metadata: {e}")))
    }
}
