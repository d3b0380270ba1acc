//! Catalog changes inside a transaction.
//!
//! A transaction that changes the catalog takes the catalog lock
//! exclusively (so catalog-changing transactions run one at a time) and the
//! affected table's lock exclusively (so no DML runs on it concurrently).
//! It edits a private copy of the catalog that becomes the committed one
//! when its commit is published; every change is also a [`DdlOp`] in the
//! commit record, so replay rebuilds the same catalog.

use crate::locks::{LockMode, LockTarget};
use crate::record::DdlOp;
use crate::schema::{
    Catalog, FunctionSchema, IndexSchema, NamespaceSchema, SequenceId, SequenceSchema, TableSchema,
    ViewSchema,
};
use crate::sequence::SequenceState;
use crate::table::{IndexData, Stamp, TableData};
use crate::txn::Transaction;
use aiondb_core::{DbError, DbResult, IndexId, SqlState, TableId};
use std::collections::BTreeMap;
use std::sync::Arc;

fn already_exists(name: &str) -> DbError {
    DbError::new(
        SqlState::DUPLICATE_TABLE,
        format!("relation \"{name}\" already exists"),
    )
}

/// PostgreSQL's 2BP01 when views still read the relation being dropped.
fn refuse_if_views_depend(cat: &Catalog, id: TableId, kind: &str, name: &str) -> DbResult<()> {
    let dependents: Vec<String> = cat
        .views_depending_on(id)
        .map(|v| format!("view {} depends on {kind} {name}", v.name))
        .collect();
    if dependents.is_empty() {
        return Ok(());
    }
    Err(DbError::new(
        SqlState::from_static("2BP01"),
        format!("cannot drop {kind} {name} because other objects depend on it"),
    )
    .with_detail(dependents.join("\n"))
    .with_hint("Use DROP ... CASCADE to drop the dependent objects too."))
}

impl Transaction {
    pub(crate) fn catalog_mut(&mut self) -> DbResult<&mut Catalog> {
        self.store.locks.lock(
            self.id,
            LockTarget::Catalog,
            LockMode::Exclusive,
            &self.limits,
        )?;
        let pending = self
            .pending_catalog
            .get_or_insert_with(|| self.store.catalog());
        Ok(Arc::make_mut(pending))
    }

    /// Creates a table (ids in `schema` are assigned here). Returns its id.
    pub fn create_table(&mut self, mut schema: TableSchema) -> DbResult<TableId> {
        self.store.check_writable()?;
        let columns = schema.columns.len();
        let bad = schema.primary_key.iter().any(|&c| c >= columns)
            || schema
                .indexes
                .iter()
                .any(|i| i.columns.iter().any(|&c| c >= columns));
        if bad {
            return Err(DbError::internal("key column out of range"));
        }
        let cat = self.catalog_mut()?;
        if cat.relation_exists(schema.database, &schema.schema, &schema.name) {
            return Err(already_exists(&schema.name));
        }
        let id = TableId(cat.next_table_id);
        cat.next_table_id += 1;
        schema.id = id;
        for index in &mut schema.indexes {
            index.id = IndexId(cat.next_index_id);
            cat.next_index_id += 1;
        }
        let data = TableData::for_schema(&schema);
        cat.tables.insert(id, Arc::new(schema.clone()));
        self.store.tables.write().insert(id, Arc::new(data));
        self.created_tables.push(id);
        self.ddl.push(DdlOp::CreateTable(schema));
        self.lock_table(id, LockMode::Exclusive)?;
        Ok(id)
    }

    /// Drops a table and its indexes.
    pub fn drop_table(&mut self, id: TableId) -> DbResult<()> {
        self.lock_table(id, LockMode::Exclusive)?;
        let cat = self.catalog_mut()?;
        let name = cat.table(id)?.name.clone();
        refuse_if_views_depend(cat, id, "table", &name)?;
        cat.tables.remove(&id);
        self.ddl.push(DdlOp::DropTable(id));
        Ok(())
    }

    /// Replaces a table's definition (rename, column metadata, SQL-layer
    /// metadata). The primary key and the indexes cannot change this way.
    pub fn alter_table(&mut self, schema: TableSchema) -> DbResult<()> {
        self.lock_table(schema.id, LockMode::Exclusive)?;
        let cat = self.catalog_mut()?;
        let old = cat.table(schema.id)?.clone();
        if old.primary_key != schema.primary_key || old.indexes != schema.indexes {
            return Err(DbError::internal(
                "alter_table cannot change the primary key or indexes",
            ));
        }
        if old.name != schema.name
            && cat.relation_exists(schema.database, &schema.schema, &schema.name)
        {
            return Err(already_exists(&schema.name));
        }
        cat.tables.insert(schema.id, Arc::new(schema.clone()));
        self.ddl.push(DdlOp::AlterTable(schema));
        Ok(())
    }

    /// Builds an index over the table's rows. A unique index over rows
    /// that already repeat a key fails with 23505.
    pub fn create_index(&mut self, table: TableId, mut index: IndexSchema) -> DbResult<IndexId> {
        self.store.check_writable()?;
        self.lock_table(table, LockMode::Exclusive)?;
        let data = self.store.table_data(table)?;
        let cat = self.catalog_mut()?;
        let schema = cat.table(table)?.clone();
        if index.columns.iter().any(|&c| c >= schema.columns.len()) {
            return Err(DbError::internal("index column out of range"));
        }
        if cat.relation_exists(schema.database, &schema.schema, &index.name) {
            return Err(already_exists(&index.name));
        }
        index.id = IndexId(cat.next_index_id);
        {
            let mut rows = data.rows.write();
            let built = IndexData::new(index.columns.clone(), index.unique);
            if index.unique {
                let mut seen = BTreeMap::new();
                for chain in rows.chains.values() {
                    let Some(row) = chain.head().and_then(|h| h.row.as_ref()) else {
                        continue;
                    };
                    let ikey = built.key_of(row);
                    if ikey.iter().any(|v| v.is_null()) {
                        continue;
                    }
                    if seen.insert(ikey.clone(), ()).is_some() {
                        let cols: Vec<&str> = index
                            .columns
                            .iter()
                            .map(|&c| schema.columns[c].name.as_str())
                            .collect();
                        let vals: Vec<String> = ikey.iter().map(crate::dump::plain_text).collect();
                        return Err(DbError::new(
                            SqlState::UNIQUE_VIOLATION,
                            format!("could not create unique index \"{}\"", index.name),
                        )
                        .with_detail(format!(
                            "Key ({})=({}) is duplicated.",
                            cols.join(", "),
                            vals.join(", ")
                        )));
                    }
                }
            }
            rows.build_index(index.id, built);
        }
        let cat = self.catalog_mut()?;
        cat.next_index_id += 1;
        let mut new_schema = (*schema).clone();
        new_schema.indexes.push(index.clone());
        cat.tables.insert(table, Arc::new(new_schema));
        let id = index.id;
        self.ddl.push(DdlOp::CreateIndex { table, index });
        Ok(id)
    }

    /// Drops an index.
    pub fn drop_index(&mut self, table: TableId, index: IndexId) -> DbResult<()> {
        self.lock_table(table, LockMode::Exclusive)?;
        let cat = self.catalog_mut()?;
        let mut schema = (**cat.table(table)?).clone();
        let before = schema.indexes.len();
        schema.indexes.retain(|i| i.id != index);
        if schema.indexes.len() == before {
            return Err(DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("index with id {index} does not exist"),
            ));
        }
        cat.tables.insert(table, Arc::new(schema));
        self.ddl.push(DdlOp::DropIndex { table, index });
        Ok(())
    }

    /// Deletes every row of the table (logged as one truncation).
    pub fn truncate(&mut self, table: TableId) -> DbResult<()> {
        self.store.check_writable()?;
        self.lock_table(table, LockMode::Exclusive)?;
        self.table(table)?;
        let data = self.store.table_data(table)?;
        let mut rows = data.rows.write();
        self.seq += 1;
        let seq = self.seq;
        let me = self.id;
        let keys: Vec<_> = rows
            .chains
            .iter()
            .filter(|(_, chain)| chain.head().and_then(|h| h.row.as_ref()).is_some())
            .map(|(key, _)| key.clone())
            .collect();
        for key in &keys {
            rows.push_version(key, Stamp::Pending { txn: me, seq }, None);
        }
        drop(rows);
        self.writes.extend(keys.into_iter().map(|k| (table, k)));
        self.truncated.insert(table);
        Ok(())
    }

    /// Creates a sequence (its id is assigned here).
    pub fn create_sequence(&mut self, mut schema: SequenceSchema) -> DbResult<SequenceId> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if cat.relation_exists(schema.database, &schema.schema, &schema.name) {
            return Err(already_exists(&schema.name));
        }
        let id = SequenceId(cat.next_sequence_id);
        cat.next_sequence_id += 1;
        schema.id = id;
        let schema = Arc::new(schema);
        cat.sequences.insert(id, schema.clone());
        self.store
            .sequences
            .lock()
            .insert(id, SequenceState::new(schema.clone()));
        self.created_sequences.push(id);
        self.ddl.push(DdlOp::CreateSequence {
            schema: (*schema).clone(),
        });
        Ok(id)
    }

    /// Creates a view (`view.id` is assigned), or with `replace` gives the
    /// existing view of that name a new definition under its old id.
    pub fn put_view(&mut self, mut view: ViewSchema, replace: bool) -> DbResult<TableId> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        match cat.view_by_name(view.database, &view.schema, &view.name) {
            Some(old) if replace => view.id = old.id,
            _ if cat.relation_exists(view.database, &view.schema, &view.name) => {
                return Err(already_exists(&view.name));
            }
            _ => {
                view.id = TableId(cat.next_table_id);
                cat.next_table_id += 1;
            }
        }
        for dep in &view.depends_on {
            self.lock_table(*dep, LockMode::Shared)?;
        }
        let cat = self.catalog_mut()?;
        cat.views.insert(view.id, Arc::new(view.clone()));
        let id = view.id;
        self.ddl.push(DdlOp::PutView(view));
        Ok(id)
    }

    /// Drops a view; refused while other views read it.
    pub fn drop_view(&mut self, id: TableId) -> DbResult<()> {
        let cat = self.catalog_mut()?;
        let Some(view) = cat.views.get(&id).cloned() else {
            return Err(DbError::new(
                SqlState::UNDEFINED_TABLE,
                format!("view with id {id} does not exist"),
            ));
        };
        refuse_if_views_depend(cat, id, "view", &view.name)?;
        cat.views.remove(&id);
        self.ddl.push(DdlOp::DropView(id));
        Ok(())
    }

    /// Creates a function (`f.id` is assigned), or with `replace` gives
    /// the existing function with the same name and argument types a new
    /// definition under its old id.
    pub fn put_function(&mut self, mut f: FunctionSchema, replace: bool) -> DbResult<TableId> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        let types: Vec<_> = f.args.iter().map(|a| a.data_type.clone()).collect();
        let existing = cat
            .functions_named(f.database, &f.schema, &f.name)
            .find(|o| o.has_arg_types(&types))
            .map(|o| o.id);
        let aggregate_args: Vec<_> = types
            .iter()
            .cloned()
            .map(crate::AggregateArgType::Type)
            .collect();
        if cat
            .aggregates_named(f.database, &f.schema, &f.name)
            .any(|a| a.args == aggregate_args)
        {
            return Err(if replace {
                DbError::new(SqlState::from_static("42809"), "cannot change routine kind")
                    .with_detail(format!("\"{}\" is an aggregate function.", f.name))
            } else {
                DbError::new(
                    SqlState::from_static("42723"),
                    format!(
                        "function \"{}\" already exists with same argument types",
                        f.name
                    ),
                )
            });
        }
        match existing {
            Some(id) if replace => f.id = id,
            Some(_) => {
                return Err(DbError::new(
                    SqlState::from_static("42723"),
                    format!(
                        "function \"{}\" already exists with same argument types",
                        f.name
                    ),
                ));
            }
            None => {
                f.id = TableId(cat.next_table_id);
                cat.next_table_id += 1;
            }
        }
        cat.functions.insert(f.id, Arc::new(f.clone()));
        let id = f.id;
        self.ddl.push(DdlOp::PutFunction(f));
        Ok(id)
    }

    /// Drops a function.
    pub fn drop_function(&mut self, id: TableId) -> DbResult<()> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if cat.functions.remove(&id).is_none() {
            return Err(DbError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("function with id {id} does not exist"),
            ));
        }
        self.ddl.push(DdlOp::DropFunction(id));
        Ok(())
    }

    /// Creates a domain, enum or operator (`o.id` zero: an id is
    /// assigned) or replaces the one with `o.id`. Name checks are the SQL
    /// layer's.
    pub fn put_object(&mut self, mut o: crate::UserObject) -> DbResult<TableId> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if o.id.0 == 0 {
            o.id = TableId(cat.next_table_id);
            cat.next_table_id += o.id_span();
        }
        let id = o.id;
        cat.objects.insert(id, Arc::new(o.clone()));
        self.ddl.push(DdlOp::PutObject(o));
        Ok(id)
    }

    /// Drops a domain, enum or operator.
    pub fn drop_object(&mut self, id: TableId) -> DbResult<()> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if cat.objects.remove(&id).is_none() {
            return Err(DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("object with id {id} does not exist"),
            ));
        }
        self.ddl.push(DdlOp::DropObject(id));
        Ok(())
    }

    /// CREATE SCHEMA: `ns.id` is assigned.
    pub fn create_namespace(&mut self, mut ns: NamespaceSchema) -> DbResult<TableId> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if cat.namespace_exists(ns.database, &ns.name) {
            return Err(DbError::new(
                SqlState::from_static("42P06"),
                format!("schema \"{}\" already exists", ns.name),
            ));
        }
        ns.id = TableId(cat.next_table_id);
        cat.next_table_id += 1;
        cat.namespaces.insert(ns.id, Arc::new(ns.clone()));
        let id = ns.id;
        self.ddl.push(DdlOp::CreateNamespace(ns));
        Ok(id)
    }

    /// DROP SCHEMA of an empty schema (the SQL layer drops its contents
    /// first for CASCADE).
    pub fn drop_namespace(&mut self, id: TableId) -> DbResult<()> {
        let cat = self.catalog_mut()?;
        let Some(ns) = cat.namespaces.get(&id).cloned() else {
            return Err(DbError::new(
                SqlState::from_static("3F000"),
                format!("schema with id {id} does not exist"),
            ));
        };
        let inside = cat.relations_in(ns.database, &ns.name);
        if !inside.is_empty() {
            let detail: Vec<String> = inside
                .iter()
                .map(|r| format!("{r} depends on schema {}", ns.name))
                .collect();
            return Err(DbError::new(
                SqlState::from_static("2BP01"),
                format!(
                    "cannot drop schema {} because other objects depend on it",
                    ns.name
                ),
            )
            .with_detail(detail.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        cat.namespaces.remove(&id);
        self.ddl.push(DdlOp::DropNamespace(id));
        Ok(())
    }

    /// Drops a sequence.
    pub fn drop_sequence(&mut self, id: SequenceId) -> DbResult<()> {
        let cat = self.catalog_mut()?;
        cat.sequence(id)?;
        cat.sequences.remove(&id);
        self.ddl.push(DdlOp::DropSequence(id));
        Ok(())
    }
}
