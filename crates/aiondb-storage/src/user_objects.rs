//! User-defined catalog objects other than relations and functions:
//! domains, enum types and operators. The SQL layer interprets them; the
//! store keeps them, WAL-logs them (`DdlOp::PutObject` / `DropObject`)
//! and checkpoints them in `objects.bin` (format version 4).
//!
//! Each object's id comes from the table id space, so it is its pg_type
//! (or pg_operator) oid. An enum takes two ids: the next one is its array
//! type's oid.

use aiondb_core::{DataType, TableId};
use serde::{Deserialize, Serialize};

/// One `CHECK` constraint of a domain: its name and its expression as SQL
/// text, over the placeholder `VALUE`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainCheck {
    pub name: String,
    pub expr: String,
}

/// CREATE DOMAIN.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainSchema {
    pub base: DataType,
    /// The DEFAULT expression as SQL text.
    pub default: Option<String>,
    pub not_null: bool,
    pub checks: Vec<DomainCheck>,
}

/// CREATE TYPE .. AS ENUM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumSchema {
    /// Labels in declaration order.
    pub labels: Vec<String>,
}

/// CREATE OPERATOR: a symbol over argument types, implemented by a user
/// function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorSchema {
    /// None for a prefix operator.
    pub left: Option<DataType>,
    pub right: DataType,
    pub function: TableId,
    pub commutator: Option<String>,
    pub negator: Option<String>,
}

/// What kind of object, with its definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectKind {
    Domain(DomainSchema),
    Enum(EnumSchema),
    Operator(OperatorSchema),
}

/// A user object as the catalog holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserObject {
    /// Assigned by [`crate::Transaction::put_object`] when zero.
    pub id: TableId,
    pub database: u32,
    pub schema: String,
    pub name: String,
    pub kind: ObjectKind,
}

impl UserObject {
    /// Whether this object is a type (domain or enum), which shares one
    /// name space per schema.
    pub fn is_type(&self) -> bool {
        matches!(self.kind, ObjectKind::Domain(_) | ObjectKind::Enum(_))
    }

    /// How many ids the object takes.
    pub(crate) fn id_span(&self) -> u32 {
        match self.kind {
            ObjectKind::Enum(_) => 2,
            _ => 1,
        }
    }
}
