//! Catalog objects the store knows: tables, their indexes, sequences, and
//! views (a name for a query; the store keeps its text and what it reads).
//!
//! The store interprets only what it needs to keep data correct: column
//! count, the primary key, and index columns and uniqueness. Everything the
//! SQL layer adds (types, defaults, checks, foreign keys) travels in
//! [`TableSchema::sql`] as opaque text and is WAL-logged with the rest.

use aiondb_core::{DataType, DbError, DbResult, IndexId, SqlState, TableId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Identifies a sequence for its whole life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SequenceId(pub u32);

/// One column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSchema {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
}

/// An index over some columns of a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexSchema {
    pub id: IndexId,
    pub name: String,
    /// Column positions, in key order.
    pub columns: Vec<usize>,
    pub unique: bool,
}

/// A table definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSchema {
    pub id: TableId,
    /// Owning database (0 for cluster-wide system tables).
    pub database: u32,
    pub schema: String,
    pub name: String,
    pub columns: Vec<ColumnSchema>,
    /// Primary key column positions; empty means rows are keyed by a hidden
    /// row id.
    pub primary_key: Vec<usize>,
    /// Name of the primary key constraint (for error messages).
    pub primary_key_name: Option<String>,
    pub indexes: Vec<IndexSchema>,
    /// Opaque SQL-layer metadata (defaults, checks, foreign keys), logged
    /// and checkpointed with the schema but never read by the store.
    pub sql: String,
}

impl TableSchema {
    /// The index with this id.
    pub fn index(&self, id: IndexId) -> Option<&IndexSchema> {
        self.indexes.iter().find(|i| i.id == id)
    }
}

/// A sequence definition (its current value is kept separately: sequences
/// are not transactional).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceSchema {
    pub id: SequenceId,
    pub database: u32,
    pub schema: String,
    pub name: String,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cycle: bool,
}

/// A view: a stored query under a relation name. The SQL layer reads the
/// query text each time the view is used; the store only keeps it and
/// refuses to drop a table a view depends on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewSchema {
    /// From the table id space, so a relation's id is unique across kinds.
    pub id: TableId,
    pub database: u32,
    pub schema: String,
    pub name: String,
    /// The view's output columns (names and types as first bound).
    pub columns: Vec<ColumnSchema>,
    /// The defining SELECT, as SQL text.
    pub query: String,
    /// Tables (and views) the query reads.
    pub depends_on: Vec<TableId>,
}

/// One declared parameter of a function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionArg {
    pub name: Option<String>,
    pub data_type: DataType,
}

/// A user-defined function (CREATE FUNCTION). The store keeps its
/// definition; the SQL layer interprets the body each time it is called.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionSchema {
    /// From the table id space (it is the function's pg_proc oid).
    pub id: TableId,
    pub database: u32,
    pub schema: String,
    pub name: String,
    pub args: Vec<FunctionArg>,
    /// None for `RETURNS void`.
    pub returns: Option<DataType>,
    /// `sql` or `plpgsql`.
    pub language: String,
    pub body: String,
    /// pg_proc.provolatile: `i`, `s` or `v`.
    pub volatility: char,
    /// STRICT (RETURNS NULL ON NULL INPUT).
    pub strict: bool,
}

impl FunctionSchema {
    /// Whether the argument types are exactly `types`.
    pub fn has_arg_types(&self, types: &[DataType]) -> bool {
        self.args.len() == types.len()
            && self.args.iter().zip(types).all(|(a, t)| a.data_type == *t)
    }
}

/// A schema (namespace) created with CREATE SCHEMA. `public`, `pg_catalog`
/// and `information_schema` always exist and are not stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceSchema {
    /// From the table id space (it is the schema's pg_namespace oid).
    pub id: TableId,
    pub database: u32,
    pub name: String,
}

/// Schemas every database has.
pub const BUILTIN_NAMESPACES: [&str; 3] = ["pg_catalog", "public", "information_schema"];

/// The committed catalog: an immutable value, replaced whole by each commit
/// that changes it, so readers hold a consistent `Arc` without locking.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub tables: BTreeMap<TableId, Arc<TableSchema>>,
    pub sequences: BTreeMap<SequenceId, Arc<SequenceSchema>>,
    pub views: BTreeMap<TableId, Arc<ViewSchema>>,
    pub namespaces: BTreeMap<TableId, Arc<NamespaceSchema>>,
    /// User functions. Not part of catalog.bin's encoding (which format
    /// version 2 fixed): checkpoints keep them in functions.bin.
    #[serde(skip)]
    pub functions: BTreeMap<TableId, Arc<FunctionSchema>>,
    /// User-defined base types and casts; kept in types.bin by checkpoints
    /// (format version 4), like functions.
    #[serde(skip)]
    pub types: BTreeMap<TableId, Arc<crate::user_types::TypeSchema>>,
    #[serde(skip)]
    pub casts: BTreeMap<TableId, Arc<crate::user_types::CastSchema>>,
    /// Domains, enums and operators; checkpointed in objects.bin (format
    /// version 4), so not part of catalog.bin either.
    #[serde(skip)]
    pub objects: BTreeMap<TableId, Arc<crate::UserObject>>,
    /// User aggregates; like functions, kept in their own checkpoint file
    /// (aggregates.bin, since format version 4).
    #[serde(skip)]
    pub aggregates: BTreeMap<TableId, Arc<crate::AggregateSchema>>,
    /// Next ids to hand out; part of the catalog so replay reproduces them.
    pub next_table_id: u32,
    pub next_index_id: u32,
    pub next_sequence_id: u32,
}

impl Catalog {
    /// An empty catalog. Ids start at 16384, above PostgreSQL's fixed OIDs.
    pub fn new() -> Catalog {
        Catalog {
            next_table_id: 16384,
            next_index_id: 16384,
            next_sequence_id: 16384,
            ..Catalog::default()
        }
    }

    /// The table with this id.
    pub fn table(&self, id: TableId) -> DbResult<&Arc<TableSchema>> {
        self.tables.get(&id).ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_TABLE,
                format!("table with id {id} does not exist"),
            )
        })
    }

    /// The table named `schema.name` in `database`.
    pub fn table_by_name(
        &self,
        database: u32,
        schema: &str,
        name: &str,
    ) -> Option<&Arc<TableSchema>> {
        self.tables
            .values()
            .find(|t| t.database == database && t.schema == schema && t.name == name)
    }

    /// The sequence with this id.
    pub fn sequence(&self, id: SequenceId) -> DbResult<&Arc<SequenceSchema>> {
        self.sequences.get(&id).ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_TABLE,
                format!("sequence with id {} does not exist", id.0),
            )
        })
    }

    /// The sequence named `schema.name` in `database`.
    pub fn sequence_by_name(
        &self,
        database: u32,
        schema: &str,
        name: &str,
    ) -> Option<&Arc<SequenceSchema>> {
        self.sequences
            .values()
            .find(|s| s.database == database && s.schema == schema && s.name == name)
    }

    /// The view named `schema.name` in `database`.
    pub fn view_by_name(
        &self,
        database: u32,
        schema: &str,
        name: &str,
    ) -> Option<&Arc<ViewSchema>> {
        self.views
            .values()
            .find(|v| v.database == database && v.schema == schema && v.name == name)
    }

    /// The created schema `name` in `database` (None for built-in ones).
    pub fn namespace_by_name(&self, database: u32, name: &str) -> Option<&Arc<NamespaceSchema>> {
        self.namespaces
            .values()
            .find(|n| n.database == database && n.name == name)
    }

    /// Whether schema `name` exists in `database` (built in or created).
    pub fn namespace_exists(&self, database: u32, name: &str) -> bool {
        BUILTIN_NAMESPACES.contains(&name) || self.namespace_by_name(database, name).is_some()
    }

    /// Names of the relations (tables, views, sequences) in a schema.
    pub fn relations_in(&self, database: u32, schema: &str) -> Vec<String> {
        let tables = self
            .tables
            .values()
            .map(|t| (t.database, &t.schema, &t.name));
        let views = self
            .views
            .values()
            .map(|v| (v.database, &v.schema, &v.name));
        let seqs = self
            .sequences
            .values()
            .map(|s| (s.database, &s.schema, &s.name));
        tables
            .chain(views)
            .chain(seqs)
            .filter(|(d, s, _)| *d == database && s.as_str() == schema)
            .map(|(_, _, n)| n.clone())
            .collect()
    }

    /// Functions named `schema.name` in `database`, all overloads.
    pub fn functions_named<'a>(
        &'a self,
        database: u32,
        schema: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Arc<FunctionSchema>> {
        self.functions
            .values()
            .filter(move |f| f.database == database && f.schema == schema && f.name == name)
    }

    /// The user type called `name` in `schema`.
    pub fn type_named(
        &self,
        database: u32,
        schema: &str,
        name: &str,
    ) -> Option<&Arc<crate::user_types::TypeSchema>> {
        self.types
            .values()
            .find(|t| t.database == database && t.schema == schema && t.name == name)
    }

    /// The user type with pg_type oid `oid`.
    pub fn type_by_oid(&self, oid: u32) -> Option<&Arc<crate::user_types::TypeSchema>> {
        self.types.get(&TableId(oid))
    }

    /// The user-defined cast from `source` to `target`.
    pub fn cast_between(
        &self,
        database: u32,
        source: &DataType,
        target: &DataType,
    ) -> Option<&Arc<crate::user_types::CastSchema>> {
        self.casts
            .values()
            .find(|c| c.database == database && c.source == *source && c.target == *target)
    }

    /// The user type (domain or enum) `schema.name` in `database`.
    pub fn user_type(
        &self,
        database: u32,
        schema: &str,
        name: &str,
    ) -> Option<&Arc<crate::UserObject>> {
        self.objects
            .values()
            .find(|o| o.is_type() && o.database == database && o.schema == schema && o.name == name)
    }

    /// Operators named `name` in `database` (any schema).
    pub fn operators_named<'a>(
        &'a self,
        database: u32,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Arc<crate::UserObject>> {
        self.objects.values().filter(move |o| {
            matches!(o.kind, crate::ObjectKind::Operator(_))
                && o.database == database
                && o.name == name
        })
    }

    /// Aggregates named `schema.name` in `database`, all overloads.
    pub fn aggregates_named<'a>(
        &'a self,
        database: u32,
        schema: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Arc<crate::AggregateSchema>> {
        self.aggregates
            .values()
            .filter(move |a| a.database == database && a.schema == schema && a.name == name)
    }

    /// Views that read relation `id`.
    pub fn views_depending_on(&self, id: TableId) -> impl Iterator<Item = &Arc<ViewSchema>> {
        self.views
            .values()
            .filter(move |v| v.depends_on.contains(&id))
    }

    /// True if any relation in `database` has this name in `schema`.
    pub fn relation_exists(&self, database: u32, schema: &str, name: &str) -> bool {
        self.table_by_name(database, schema, name).is_some()
            || self.sequence_by_name(database, schema, name).is_some()
            || self.view_by_name(database, schema, name).is_some()
            || self.tables.values().any(|t| {
                t.database == database
                    && t.schema == schema
                    && t.indexes.iter().any(|i| i.name == name)
            })
    }
}
