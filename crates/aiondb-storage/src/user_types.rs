//! User-defined base types and casts in the catalog.
//!
//! `CREATE TYPE name` makes a shell ([`TypeSchema::base`] is `None`); a
//! later `CREATE TYPE name (INPUT = f, OUTPUT = g, LIKE = t)` completes it
//! under the same oid. `CREATE CAST (a AS b) WITHOUT FUNCTION` records a
//! binary-coercible cast ([`CastSchema`]). Each change is a [`DdlOp`]
//! (`PutType`, `DropType`, `PutCast`, `DropCast`) in the commit record, and
//! checkpoints keep both in `types.bin` (format version 4), as functions
//! are kept in `functions.bin`.

use crate::record::DdlOp;
use crate::txn::Transaction;
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A user-defined base type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeSchema {
    /// From the table id space (it is the type's pg_type oid).
    pub id: TableId,
    pub database: u32,
    pub schema: String,
    pub name: String,
    /// None while the type is a shell.
    pub base: Option<BaseType>,
}

/// What a complete base type is made of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseType {
    /// The input and output functions (pg_proc oids).
    pub input: TableId,
    pub output: TableId,
    /// The built-in type whose representation (and so input and output)
    /// the values share: the type the internal I/O functions belong to.
    pub representation: DataType,
    /// The type named by LIKE, whose storage attributes it copies.
    pub like: DataType,
}

impl TypeSchema {
    /// The type as column and expression types name it.
    pub fn data_type(&self) -> DataType {
        DataType::User {
            oid: self.id.0,
            name: self.name.clone(),
        }
    }
}

/// A binary-coercible cast (`CREATE CAST ... WITHOUT FUNCTION`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CastSchema {
    /// From the table id space (it is the cast's pg_cast oid).
    pub id: TableId,
    pub database: u32,
    pub source: DataType,
    pub target: DataType,
}

impl Transaction {
    /// Creates a type (`t.id == TableId(0)`: a new oid is assigned) or
    /// gives an existing shell (`t.id` its oid) its definition.
    pub fn put_type(&mut self, mut t: TypeSchema) -> DbResult<TableId> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if t.id == TableId(0) {
            t.id = TableId(cat.next_table_id);
            cat.next_table_id += 1;
        } else if !cat.types.contains_key(&t.id) {
            return Err(DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("type with oid {} does not exist", t.id),
            ));
        }
        cat.types.insert(t.id, Arc::new(t.clone()));
        let id = t.id;
        self.ddl.push(DdlOp::PutType(t));
        Ok(id)
    }

    /// Drops a type (the SQL layer drops what depends on it first).
    pub fn drop_type(&mut self, id: TableId) -> DbResult<()> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if cat.types.remove(&id).is_none() {
            return Err(DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("type with oid {id} does not exist"),
            ));
        }
        self.ddl.push(DdlOp::DropType(id));
        Ok(())
    }

    /// Creates a cast; `c.id` is assigned.
    pub fn create_cast(&mut self, mut c: CastSchema) -> DbResult<TableId> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if cat.cast_between(c.database, &c.source, &c.target).is_some() {
            return Err(DbError::new(
                SqlState::DUPLICATE_OBJECT,
                format!(
                    "cast from type {} to type {} already exists",
                    c.source, c.target
                ),
            ));
        }
        c.id = TableId(cat.next_table_id);
        cat.next_table_id += 1;
        cat.casts.insert(c.id, Arc::new(c.clone()));
        let id = c.id;
        self.ddl.push(DdlOp::PutCast(c));
        Ok(id)
    }

    /// Drops a cast.
    pub fn drop_cast(&mut self, id: TableId) -> DbResult<()> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if cat.casts.remove(&id).is_none() {
            return Err(DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("cast with oid {id} does not exist"),
            ));
        }
        self.ddl.push(DdlOp::DropCast(id));
        Ok(())
    }
}
