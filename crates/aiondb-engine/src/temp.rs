//! Temporary relations left behind by sessions that did not end cleanly.
//!
//! A session's temporary tables live in its schema `pg_temp_<pid>` and are
//! dropped when the session ends. A crash (or a store that refused the
//! drop) can leave such schemas in the catalog: they are ordinary
//! WAL-logged objects, so recovery brings them back. No session of a new
//! server run owns them, so [`drop_leftovers`] removes them all, with their
//! contents, once recovery is done and before the first client connects.

use crate::engine::Engine;
use crate::session::{Session, StartupParams};
use aiondb_core::DbResult;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Drops every temporary schema of every database (server start only:
/// at that point no session exists that could own one).
pub(crate) fn drop_leftovers(engine: &Arc<Engine>) -> DbResult<()> {
    let catalog = engine.store.catalog();
    let mut leftovers: Vec<(u32, String)> = catalog
        .namespaces
        .values()
        .filter(|n| aiondb_sql::is_temp_schema(&n.name))
        .map(|n| (n.database, n.name.clone()))
        .collect();
    if leftovers.is_empty() {
        return Ok(());
    }
    leftovers.sort();
    let Some(role) = engine.roles().into_iter().find(|r| r.superuser) else {
        return Ok(());
    };
    for database in engine.databases() {
        let mine: Vec<&String> = leftovers
            .iter()
            .filter(|(db, _)| *db == database.id.get())
            .map(|(_, name)| name)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let startup = StartupParams {
            user: role.name.clone(),
            database: database.name.clone(),
            ..StartupParams::default()
        };
        let mut session = Session::new(
            engine.clone(),
            startup,
            role.clone(),
            database.clone(),
            (0, 0),
            Arc::new(AtomicBool::new(false)),
        )?;
        for schema in mine {
            tracing::info!(
                "dropping temporary schema {schema} of database \"{}\" left by an earlier run",
                database.name
            );
            session.drop_temp_schema(schema)?;
        }
    }
    Ok(())
}
