//! The plan cache of one prepared statement: its statement bound once
//! (names resolved against the catalog, plan built) and reused by later
//! Executes, as PostgreSQL reuses a prepared statement's analyzed query
//! until its plan cache is invalidated.
//!
//! Validity rule: binding (`aiondb_sql::bind_statement`) reads only the
//! catalog, the database, the search_path (whose first entry is the
//! session's temporary schema), the current user (whose table privileges
//! it checks; ACLs live in the catalog) and the parameter type hints; it
//! reads no session setting (literals are parsed with default format
//! options) and no table data. An entry is used only when all five are
//! what the binding saw:
//! - the catalog is the very same `Arc<Catalog>` (`Arc::ptr_eq`) as the
//!   transaction's `catalog()`. Every catalog change, committed or the
//!   transaction's own uncommitted DDL, goes through `Arc::make_mut` on a
//!   catalog the entry holds a reference to, so it always makes a new
//!   allocation; and since the entry keeps its catalog alive, that address
//!   cannot be reused by a different catalog. ROLLBACK (TO SAVEPOINT)
//!   switches back to an older `Arc`, which is only equal when it is the
//!   one the entry was bound against.
//! - the database id, the search_path, the user and the hints compare
//!   equal.
//!
//! Otherwise the statement is bound again and the entry replaced. As in
//! PostgreSQL, a re-bind that changes the result columns (names or types)
//! fails with "cached plan must not change result type" (0A000); the
//! columns compared against are those of the first binding at Execute.
//! Only SELECT/VALUES, INSERT, UPDATE and DELETE are kept (DDL, EXPLAIN,
//! COPY and SELECT INTO bind as they run).

use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};
use aiondb_sql::{BoundStatement, SqlContext, StatementOutput};
use aiondb_storage::Catalog;
use parking_lot::Mutex;
use sqlparser::ast::Statement;
use std::sync::Arc;

/// A prepared statement's cached binding (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct PlanCache {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    entry: Option<Entry>,
    /// Result columns (name, type) of the first binding at Execute.
    result: Option<Vec<(String, DataType)>>,
}

#[derive(Debug)]
struct Entry {
    catalog: Arc<Catalog>,
    database: u32,
    search_path: Vec<String>,
    /// The current user the binding's privilege checks passed for.
    user: String,
    hints: Vec<DataType>,
    bound: Arc<BoundStatement>,
}

impl Entry {
    fn valid_for(&self, ctx: &SqlContext<'_>, catalog: &Arc<Catalog>, hints: &[DataType]) -> bool {
        Arc::ptr_eq(&self.catalog, catalog)
            && self.database == ctx.database
            && self.search_path.as_slice() == ctx.search_path
            && self.user == ctx.env.user()
            && self.hints.as_slice() == hints
    }
}

/// True for the statements a plan cache keeps.
pub(crate) fn is_cacheable(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::Query(_) | Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_)
    )
}

fn result_type(bound: &BoundStatement) -> Vec<(String, DataType)> {
    bound
        .columns()
        .into_iter()
        .map(|c| (c.name, c.data_type))
        .collect()
}

impl PlanCache {
    /// Runs `stmt` with `params` as `aiondb_sql::execute` does, binding it
    /// only when no valid entry exists.
    pub(crate) fn execute(
        &self,
        ctx: &mut SqlContext<'_>,
        stmt: &Statement,
        params: &[Value],
    ) -> DbResult<StatementOutput> {
        // The same hints `aiondb_sql::execute` binds with.
        let hints: Vec<DataType> = params.iter().map(|_| DataType::Unknown).collect();
        let catalog = ctx.txn.catalog();
        let cached = {
            let state = self.state.lock();
            state
                .entry
                .as_ref()
                .filter(|e| e.valid_for(ctx, &catalog, &hints))
                .map(|e| e.bound.clone())
        };
        let bound = match cached {
            Some(bound) => bound,
            None => {
                let Some(bound) = aiondb_sql::bind_statement(ctx, stmt, &hints)? else {
                    return aiondb_sql::execute(ctx, stmt, params);
                };
                let bound = Arc::new(bound);
                let columns = result_type(&bound);
                let mut state = self.state.lock();
                match &state.result {
                    Some(first) if *first != columns => {
                        return Err(DbError::new(
                            SqlState::FEATURE_NOT_SUPPORTED,
                            "cached plan must not change result type",
                        ));
                    }
                    Some(_) => {}
                    None => state.result = Some(columns),
                }
                state.entry = Some(Entry {
                    catalog,
                    database: ctx.database,
                    search_path: ctx.search_path.to_vec(),
                    user: ctx.env.user().to_string(),
                    hints,
                    bound: bound.clone(),
                });
                bound
            }
        };
        aiondb_sql::execute_bound(ctx, &bound, params)
    }
}
