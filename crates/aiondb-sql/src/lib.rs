//! # aiondb-sql: the SQL layer
//!
//! This crate turns SQL text into results. Its pipeline, most of which is
//! still to come, is the classic one:
//!
//! ```text
//!   SQL text ─ parser ─ binder ─ planner ─ executor ─ rows
//!                          └──────── types ────────┘
//! ```
//!
//! * **parser** (to come): SQL text to a syntax tree.
//! * **binder** (to come): resolves names against the catalog and assigns a
//!   [`aiondb_core::DataType`] to every expression.
//! * **planner** (to come): chooses access paths and join orders.
//! * **executor** (to come): runs the plan over storage and yields rows.
//!
//! [`types`] is the crate's type system, the part every other stage leans
//! on. It is PostgreSQL 15's behaviour for the core types, byte for byte:
//!
//! * text input and output (`typinput` / `typoutput`), including the checks
//!   type modifiers impose (`varchar(n)`, `char(n)`, `numeric(p,s)`), with
//!   output exactly as psql shows it;
//! * the binary wire formats (`typreceive` / `typsend`) that drivers such as
//!   tokio-postgres, pgJDBC and psycopg use;
//! * explicit `CAST` semantics between the core types;
//! * type-name resolution (`int4`, `character varying`, `_int4`, ...).
//!
//! Every bad input becomes a [`aiondb_core::DbError`] carrying the SQLSTATE
//! and message text PostgreSQL would send; nothing here panics on input.

pub mod maintenance;
pub mod types;

pub mod aggregate;
mod arguments;
mod bind;
mod catalog;
mod catalog_oids;
mod copy;
mod datefunc;
mod ddl;
mod dml;
mod exec;
mod explain;
mod expr;
mod foreign_key;
mod func;
mod hash_join;
mod limit;
mod meta;
mod namespace;
mod ops;
mod output;
mod parse;
mod plan;
mod plpgsql;
pub mod privilege;
mod project_set;
mod session_func;
mod statement;
mod type_names;
mod udf;
mod user_types;
mod view;

pub use arguments::evaluate_arguments;
pub use bind::expr::data_type as sql_data_type;
pub use copy::{CopyIn, finish_copy_in, start_copy_in};
pub use ddl::{CreateAsExecute, check_no_select_into};
pub use namespace::{TEMP_SCHEMA_PREFIX, drop_temp_schema, is_temp_schema};
pub use output::{
    Column, CopyFormat, DatabaseInfo, Description, RoleInfo, SessionEnv, SqlContext,
    StatementOutput,
};
pub use parse::{Command, cursor_on_token, ident, object_name, parse};
pub use plpgsql::run_do;
pub use statement::{BoundStatement, bind_statement, describe, execute, execute_bound};
pub use user_types::create_cast;
