//! Rebuilding state from the WAL: strict order, no inference.
//!
//! Replay re-applies each commit record with the CommitId it carries. The
//! CommitIds must follow the checkpoint's (or zero) without a gap, a repeat
//! or a reorder; anything else is corruption and recovery stops.

use crate::record::{self, CommitBody, DdlOp, KIND_COMMIT, KIND_SEQUENCE, RowOp, SequenceRecord};
use crate::schema::Catalog;
use crate::sequence::SequenceState;
use crate::store::Store;
use crate::table::{IndexData, Stamp, TableData, TableRows};
use aiondb_core::{CommitId, DbError, DbResult, Lsn};
use std::sync::Arc;

/// Counts of what replay did.
pub(crate) struct ReplaySummary {
    pub records: u64,
    pub commits: u64,
}

/// Replays every WAL record from `from` to the end of the log.
pub(crate) fn replay_wal(store: &Store, from: Lsn) -> DbResult<ReplaySummary> {
    let mut summary = ReplaySummary {
        records: 0,
        commits: 0,
    };
    for rec in store.wal.read_from(from)? {
        let rec = rec?;
        summary.records += 1;
        match rec.kind {
            KIND_COMMIT => {
                let (commit_id, body) = record::decode_commit(&rec.payload)
                    .map_err(|e| DbError::corrupted(format!("{} at LSN {}", e.message, rec.lsn)))?;
                let expected = store.visible_commit().next();
                if commit_id != expected {
                    return Err(DbError::corrupted(format!(
                        "WAL record at LSN {} carries commit {commit_id}, expected commit {expected}",
                        rec.lsn
                    )));
                }
                apply_commit(store, commit_id, &body).map_err(|e| {
                    DbError::corrupted(format!(
                        "{} (commit {commit_id} at LSN {})",
                        e.message, rec.lsn
                    ))
                })?;
                let mut published = store.order.published.lock();
                published.visible = commit_id;
                published.wal_end = rec.end();
                *store.order.next.lock() = commit_id.next();
                summary.commits += 1;
            }
            KIND_SEQUENCE => {
                let seq: SequenceRecord = record::decode(&rec.payload, "sequence record")?;
                store.sequence_replay(&seq)?;
            }
            other => {
                return Err(DbError::corrupted(format!(
                    "unknown WAL record kind {other} at LSN {}",
                    rec.lsn
                )));
            }
        }
    }
    Ok(summary)
}

/// Applies one commit's effects, stamped with its CommitId.
pub(crate) fn apply_commit(store: &Store, c: CommitId, body: &CommitBody) -> DbResult<()> {
    if !body.ddl.is_empty() {
        let mut catalog = (*store.catalog()).clone();
        for op in &body.ddl {
            apply_ddl(store, &mut catalog, op)?;
        }
        *store.catalog.write() = Arc::new(catalog);
    }
    let tables = store.tables.read();
    let table = |id| {
        tables.get(&id).ok_or_else(|| {
            DbError::corrupted(format!("row change for table {id}, which does not exist"))
        })
    };
    for t in &body.truncates {
        let mut rows = table(*t)?.rows.write();
        let live: Vec<_> = rows
            .chains
            .iter()
            .filter(|(_, chain)| chain.head().and_then(|h| h.row.as_ref()).is_some())
            .map(|(key, _)| key.clone())
            .collect();
        for key in &live {
            rows.push_version(key, Stamp::Committed(c), None);
        }
    }
    for op in &body.rows {
        match op {
            RowOp::Put { table: t, key, row } => {
                let mut rows = table(*t)?.rows.write();
                rows.observe_row_id(key);
                rows.push_version(key, Stamp::Committed(c), Some(row.clone()));
            }
            RowOp::Delete { table: t, key } => {
                let mut rows = table(*t)?.rows.write();
                let live = rows
                    .chains
                    .get(key)
                    .is_some_and(|ch| ch.head().and_then(|h| h.row.as_ref()).is_some());
                if !live {
                    return Err(DbError::corrupted(format!(
                        "delete of a row of table {t} that does not exist"
                    )));
                }
                rows.push_version(key, Stamp::Committed(c), None);
            }
        }
    }
    Ok(())
}

fn apply_ddl(store: &Store, catalog: &mut Catalog, op: &DdlOp) -> DbResult<()> {
    match op {
        DdlOp::CreateTable(schema) => {
            let data = TableData::for_schema(schema);
            for index in &schema.indexes {
                catalog.next_index_id = catalog.next_index_id.max(index.id.0 + 1);
            }
            catalog.next_table_id = catalog.next_table_id.max(schema.id.0 + 1);
            catalog.tables.insert(schema.id, Arc::new(schema.clone()));
            store.tables.write().insert(schema.id, Arc::new(data));
        }
        DdlOp::DropTable(id) => {
            catalog.table(*id)?;
            catalog.tables.remove(id);
            store.tables.write().remove(id);
        }
        DdlOp::AlterTable(schema) => {
            catalog.table(schema.id)?;
            catalog.tables.insert(schema.id, Arc::new(schema.clone()));
        }
        DdlOp::CreateIndex { table, index } => {
            let mut schema = (**catalog.table(*table)?).clone();
            schema.indexes.push(index.clone());
            catalog.tables.insert(*table, Arc::new(schema));
            catalog.next_index_id = catalog.next_index_id.max(index.id.0 + 1);
            let data = store.table_data(*table)?;
            data.rows.write().build_index(
                index.id,
                IndexData::new(index.columns.clone(), index.unique),
            );
        }
        DdlOp::DropIndex { table, index } => {
            let mut schema = (**catalog.table(*table)?).clone();
            schema.indexes.retain(|i| i.id != *index);
            catalog.tables.insert(*table, Arc::new(schema));
            store.table_data(*table)?.rows.write().indexes.remove(index);
        }
        DdlOp::CreateSequence { schema } => {
            let schema = Arc::new(schema.clone());
            catalog.next_sequence_id = catalog.next_sequence_id.max(schema.id.0 + 1);
            catalog.sequences.insert(schema.id, schema.clone());
            store
                .sequences
                .lock()
                .insert(schema.id, SequenceState::new(schema));
        }
        DdlOp::DropSequence(id) => {
            catalog.sequence(*id)?;
            catalog.sequences.remove(id);
            store.sequences.lock().remove(id);
        }
        DdlOp::PutView(view) => {
            catalog.next_table_id = catalog.next_table_id.max(view.id.0 + 1);
            catalog.views.insert(view.id, Arc::new(view.clone()));
        }
        DdlOp::CreateNamespace(ns) => {
            catalog.next_table_id = catalog.next_table_id.max(ns.id.0 + 1);
            catalog.namespaces.insert(ns.id, Arc::new(ns.clone()));
        }
        DdlOp::DropNamespace(id) => {
            if catalog.namespaces.remove(id).is_none() {
                return Err(DbError::corrupted(format!(
                    "WAL drops schema {id}, which does not exist"
                )));
            }
        }
        DdlOp::PutFunction(f) => {
            catalog.next_table_id = catalog.next_table_id.max(f.id.0 + 1);
            catalog.functions.insert(f.id, Arc::new(f.clone()));
        }
        DdlOp::PutType(t) => {
            catalog.next_table_id = catalog.next_table_id.max(t.id.0 + 1);
            catalog.types.insert(t.id, Arc::new(t.clone()));
        }
        DdlOp::DropType(id) => {
            if catalog.types.remove(id).is_none() {
                return Err(DbError::corrupted(format!(
                    "WAL drops type {id}, which does not exist"
                )));
            }
        }
        DdlOp::PutCast(c) => {
            catalog.next_table_id = catalog.next_table_id.max(c.id.0 + 1);
            catalog.casts.insert(c.id, Arc::new(c.clone()));
        }
        DdlOp::DropCast(id) => {
            if catalog.casts.remove(id).is_none() {
                return Err(DbError::corrupted(format!(
                    "WAL drops cast {id}, which does not exist"
                )));
            }
        }
        DdlOp::DropFunction(id) => {
            if catalog.functions.remove(id).is_none() {
                return Err(DbError::corrupted(format!(
                    "WAL drops function {id}, which does not exist"
                )));
            }
        }
        DdlOp::PutObject(o) => {
            catalog.next_table_id = catalog.next_table_id.max(o.id.0 + o.id_span());
            catalog.objects.insert(o.id, Arc::new(o.clone()));
        }
        DdlOp::DropObject(id) => {
            if catalog.objects.remove(id).is_none() {
                return Err(DbError::corrupted(format!(
                    "WAL drops object {id}, which does not exist"
                )));
            }
        }
        DdlOp::PutAggregate(a) => {
            catalog.next_table_id = catalog.next_table_id.max(a.id.0 + 1);
            catalog.aggregates.insert(a.id, Arc::new((**a).clone()));
        }
        DdlOp::DropAggregate(id) => {
            if catalog.aggregates.remove(id).is_none() {
                return Err(DbError::corrupted(format!(
                    "WAL drops aggregate {id}, which does not exist"
                )));
            }
        }
        DdlOp::DropView(id) => {
            if catalog.views.remove(id).is_none() {
                return Err(DbError::corrupted(format!(
                    "WAL drops view {id}, which does not exist"
                )));
            }
        }
    }
    Ok(())
}

/// Inserts a row loaded from a checkpoint (rows come in heap order and
/// take the next positions).
pub(crate) fn load_row(
    rows: &mut TableRows,
    key: crate::record::Key,
    c: CommitId,
    row: aiondb_core::Row,
) {
    rows.observe_row_id(&key);
    rows.push_version(&key, Stamp::Committed(c), Some(row));
}
