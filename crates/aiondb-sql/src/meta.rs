//! SQL-layer table metadata (defaults, checks, the declared primary key,
//! foreign keys),
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

/// What a foreign key does when the referenced row is deleted or its key
/// updated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// The one-letter code pg_constraint shows (`confupdtype`, `confdeltype`).
    pub fn code(self) -> &'static str {
        match self {
            FkAction::NoAction => "a",
            FkAction::Restrict => "r",
            FkAction::Cascade => "c",
            FkAction::SetNull => "n",
            FkAction::SetDefault => "d",
        }
    }
}

/// A FOREIGN KEY constraint (MATCH SIMPLE) of the table holding the meta.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: String,
    /// Referencing column positions in this table.
    pub columns: Vec<usize>,
    /// The referenced table's id.
    pub ref_table: u32,
    /// Referenced column positions, pairwise with `columns`.
    pub ref_columns: Vec<usize>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
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
    /// Left out when empty, so tables without foreign keys can be told
    /// apart without decoding their metadata.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// The owning role's oid; absent for tables created before owners
    /// were recorded (they belong to the bootstrap superuser).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<u32>,
    /// The ACL; absent while it is the default one (pg_class.relacl NULL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<Vec<crate::privilege::AclItem>>,
}

/// The JSON key under which foreign keys are stored.
pub const FOREIGN_KEYS_FIELD: &str = "\"foreign_keys\"";

impl TableMeta {
    /// The owning role's oid.
    pub fn owner(&self) -> u32 {
        self.owner.unwrap_or(crate::privilege::BOOTSTRAP_SUPERUSER)
    }

    /// The ACL in force (the default one while none was set).
    pub fn effective_acl(&self) -> Vec<crate::privilege::AclItem> {
        self.acl.clone().unwrap_or_else(|| {
            crate::privilege::default_acl(crate::privilege::ObjectKind::Table, self.owner())
        })
    }

    /// The metadata of a table (empty when none was stored).
    pub fn of(t: &TableSchema) -> DbResult<TableMeta> {
        if t.sql.is_empty() {
            return Ok(TableMeta::default());
        }
        serde_json::from_str(&t.sql).map_err(|e| {
            DbError::corrupted(format!("table \"{}\" metadata is damaged: {e}", t.name))
        })
    }

    /// True if the table may declare foreign keys (cheap, no decoding).
    pub fn may_have_foreign_keys(t: &TableSchema) -> bool {
        t.sql.contains(FOREIGN_KEYS_FIELD)
    }

    /// Serialized for the schema's `sql` field.
    pub fn to_sql(&self) -> DbResult<String> {
        serde_json::to_string(self)
            .map_err(|e| DbError::internal(format!("cannot encode table metadata: {e}")))
    }
}

/// Parses a stored expression (a DEFAULT or CHECK kept as SQL text).
pub fn parse_expr(sql: &str) -> DbResult<sqlparser::ast::Expr> {
    sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| DbError::internal(format!("stored expression \"{sql}\" does not parse: {e}")))
}
