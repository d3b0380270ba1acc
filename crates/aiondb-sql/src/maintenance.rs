//! VACUUM and ANALYZE: what the SQL layer checks of them. The work itself
//! (a store-wide GC of versions no snapshot can see; statistics are not
//! collected yet) is the engine's.

use aiondb_core::{DbError, DbResult, SqlState};
use aiondb_storage::Catalog;

/// Fails with 42P01 unless every named table (`t` or `schema.t`) exists
/// along `search_path`.
pub fn check_tables_exist(
    catalog: &Catalog,
    database: u32,
    search_path: &[String],
    tables: &[String],
) -> DbResult<()> {
    for t in tables {
        let found = match t.split_once('.') {
            Some((schema, name)) => catalog.table_by_name(database, schema, name).is_some(),
            None => search_path
                .iter()
                .any(|s| catalog.table_by_name(database, s, t).is_some()),
        };
        if !found {
            return Err(DbError::new(
                SqlState::UNDEFINED_TABLE,
                format!("relation \"{t}\" does not exist"),
            ));
        }
    }
    Ok(())
}

/// The command tag of a VACUUM (`analyze_only`: an ANALYZE).
pub fn tag(analyze_only: bool) -> &'static str {
    if analyze_only { "ANALYZE" } else { "VACUUM" }
}
