//! User-defined aggregates: CREATE [OR REPLACE] / DROP / ALTER ... RENAME
//! AGGREGATE, COMMENT ON AGGREGATE, calls in queries, and pg_aggregate.
//!
//! ```text
//!   parse.rs    the commands' syntax (sqlparser has none)
//!   define.rs   CREATE AGGREGATE's checks, in PostgreSQL's order
//!   manage.rs   DROP / RENAME / COMMENT, dependencies on user functions
//!   support.rs  built-in support functions (int4pl, int8inc, ...)
//!   call.rs     binding a call and running the aggregate
//!   catalog.rs  pg_aggregate rows
//! ```
//!
//! An aggregate is an [`aiondb_storage::AggregateSchema`] in the catalog
//! (WAL-logged by the store). A call binds as an `AggCall` named
//! [`USER_AGG`]`<oid>`; the executor collects each group's argument rows
//! and, at the end, folds them through the transition function (a user
//! function or a support built-in) from the initial value, then applies
//! the final function. Invariants: a strict transition function skips
//! rows with a NULL argument, and with no initial value the first
//! non-NULL input becomes the state, as in PostgreSQL. Ordered-set
//! aggregates can be defined but not called (WITHIN GROUP is not
//! supported); state type `internal` and polymorphic types are refused
//! with 0A000.

mod call;
mod catalog;
mod define;
mod manage;
mod parse;
mod support;

pub(crate) use call::{finish, user_aggregate_id};
pub(crate) use catalog::{
    pg_aggregate_columns, pg_aggregate_rows, pg_description_rows, pg_proc_rows,
};
pub(crate) use manage::{aggregates_using, describe};
pub use parse::{AggregateCommand, is_aggregate_command, parse_aggregate_command};

use crate::output::SqlContext;
use aiondb_core::DbResult;

/// Name prefix of a bound call of a user aggregate (never a valid
/// identifier, so it cannot clash with a built-in).
pub const USER_AGG: &str = "\u{0}agg:";

/// Runs an aggregate command; returns its command tag.
pub fn run(ctx: &mut SqlContext<'_>, command: &AggregateCommand) -> DbResult<String> {
    match command {
        AggregateCommand::Create {
            or_replace,
            name,
            signature,
            options,
        } => define::create(ctx, *or_replace, name, signature.as_ref(), options),
        AggregateCommand::Drop {
            if_exists,
            targets,
            cascade: _,
        } => manage::drop(ctx, *if_exists, targets),
        AggregateCommand::Rename {
            name,
            signature,
            new_name,
        } => manage::rename(ctx, name, signature, new_name),
        AggregateCommand::Comment {
            name,
            signature,
            comment,
        } => manage::comment(ctx, name, signature, comment.as_deref()),
    }
}
