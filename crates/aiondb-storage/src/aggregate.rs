//! User-defined aggregates (CREATE AGGREGATE): their stored definition and
//! the catalog changes that create, replace and drop them.
//!
//! An aggregate shares the function namespace (PostgreSQL keeps both in
//! pg_proc): a name and argument list names either a function or an
//! aggregate, never both. Its support functions are named by
//! [`AggregateFn`]: a built-in by name, or a user function by id; the
//! SQL layer refuses to drop a user function an aggregate uses unless the
//! drop cascades. Since format version 4 (WAL `PutAggregate` /
//! `DropAggregate`, checkpoint `aggregates.bin`).

use crate::record::DdlOp;
use crate::txn::Transaction;
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The declared type of one aggregate argument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AggregateArgType {
    Type(DataType),
    /// The `"any"` pseudo-type: any value, never converted.
    Any,
    /// The `internal` pseudo-type: a state only built-in support
    /// functions read and write.
    Internal,
}

impl AggregateArgType {
    /// The pg_type oid.
    pub fn oid(&self) -> u32 {
        match self {
            AggregateArgType::Type(t) => t.oid(),
            AggregateArgType::Any => 2276,
            AggregateArgType::Internal => 2281,
        }
    }
}

impl std::fmt::Display for AggregateArgType {
    /// The name format_type() prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AggregateArgType::Type(t) => write!(f, "{t}"),
            AggregateArgType::Any => f.write_str("\"any\""),
            AggregateArgType::Internal => f.write_str("internal"),
        }
    }
}

/// A support function of an aggregate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AggregateFn {
    /// A built-in function, by name (its signature is fixed).
    Builtin(String),
    /// A user function (CREATE FUNCTION), by id.
    User(TableId),
}

/// The moving-aggregate variant (`msfunc`, `minvfunc`, `mstype`, ...),
/// used by PostgreSQL for moving window frames.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovingAggregate {
    pub state_type: AggregateArgType,
    pub transition: AggregateFn,
    pub inverse: AggregateFn,
    pub final_fn: Option<AggregateFn>,
    pub final_extra: bool,
    pub final_modify: char,
    pub initial: Option<String>,
}

/// A user-defined aggregate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateSchema {
    /// From the table id space (it is the aggregate's pg_proc oid).
    pub id: TableId,
    pub database: u32,
    pub schema: String,
    pub name: String,
    /// Empty for `name(*)`. For ordered-set aggregates the direct
    /// arguments come first, then the aggregated (ORDER BY) ones.
    pub args: Vec<AggregateArgType>,
    /// The last argument is VARIADIC.
    pub variadic: bool,
    /// pg_aggregate.aggkind: `n` (normal), `o` (ordered-set) or `h`
    /// (hypothetical-set).
    pub kind: char,
    /// pg_aggregate.aggnumdirectargs.
    pub direct_args: usize,
    /// pg_aggregate.aggtranstype.
    pub state_type: AggregateArgType,
    /// The result type (the final function's, else the state type).
    pub result_type: DataType,
    pub transition: AggregateFn,
    pub final_fn: Option<AggregateFn>,
    pub final_extra: bool,
    /// pg_aggregate.aggfinalmodify: `r`, `s` or `w`.
    pub final_modify: char,
    /// The state's initial value as text (None: NULL).
    pub initial: Option<String>,
    pub combine: Option<AggregateFn>,
    pub serial: Option<AggregateFn>,
    pub deserial: Option<AggregateFn>,
    pub moving: Option<MovingAggregate>,
    /// pg_aggregate.aggtransspace.
    pub state_space: i32,
    /// pg_proc.proparallel: `s`, `r` or `u`.
    pub parallel: char,
    /// COMMENT ON AGGREGATE.
    pub description: Option<String>,
}

impl AggregateSchema {
    /// Whether the argument types are exactly `types`.
    pub fn has_arg_types(&self, types: &[AggregateArgType]) -> bool {
        self.args == types
    }

    /// Whether `f` is one of its support functions.
    pub fn uses_function(&self, f: TableId) -> bool {
        let user = |x: &Option<AggregateFn>| matches!(x, Some(AggregateFn::User(id)) if *id == f);
        let mut fns = vec![
            Some(self.transition.clone()),
            self.final_fn.clone(),
            self.combine.clone(),
            self.serial.clone(),
            self.deserial.clone(),
        ];
        if let Some(m) = &self.moving {
            fns.extend([
                Some(m.transition.clone()),
                Some(m.inverse.clone()),
                m.final_fn.clone(),
            ]);
        }
        fns.iter().any(user)
    }
}

fn function_types(args: &[crate::FunctionArg]) -> Vec<AggregateArgType> {
    args.iter()
        .map(|a| AggregateArgType::Type(a.data_type.clone()))
        .collect()
}

impl Transaction {
    /// Creates an aggregate (`a.id` is assigned), or with `replace` gives
    /// the existing aggregate with the same name and argument types the
    /// new definition under its old id. A function of that name and
    /// argument types is refused (it is another kind of routine).
    pub fn put_aggregate(&mut self, mut a: AggregateSchema, replace: bool) -> DbResult<TableId> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if cat
            .functions_named(a.database, &a.schema, &a.name)
            .any(|f| function_types(&f.args) == a.args)
        {
            return Err(if replace {
                DbError::new(SqlState::from_static("42809"), "cannot change routine kind")
                    .with_detail(format!("\"{}\" is a function.", a.name))
            } else {
                DbError::new(
                    SqlState::from_static("42723"),
                    format!(
                        "function \"{}\" already exists with same argument types",
                        a.name
                    ),
                )
            });
        }
        let existing = cat
            .aggregates_named(a.database, &a.schema, &a.name)
            .find(|o| o.has_arg_types(&a.args))
            .map(|o| o.id);
        match existing {
            Some(id) if replace => a.id = id,
            Some(_) => {
                return Err(DbError::new(
                    SqlState::from_static("42723"),
                    format!(
                        "function \"{}\" already exists with same argument types",
                        a.name
                    ),
                ));
            }
            None => {
                a.id = TableId(cat.next_table_id);
                cat.next_table_id += 1;
            }
        }
        cat.aggregates.insert(a.id, Arc::new(a.clone()));
        let id = a.id;
        self.ddl.push(DdlOp::PutAggregate(Box::new(a)));
        Ok(id)
    }

    /// Gives the existing aggregate `a.id` the definition `a` (a new name
    /// or comment); refuses a name another routine with the same
    /// argument types has.
    pub fn update_aggregate(&mut self, a: AggregateSchema) -> DbResult<()> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if !cat.aggregates.contains_key(&a.id) {
            return Err(DbError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("aggregate with id {} does not exist", a.id),
            ));
        }
        let clash = cat
            .aggregates_named(a.database, &a.schema, &a.name)
            .any(|o| o.id != a.id && o.args == a.args)
            || cat
                .functions_named(a.database, &a.schema, &a.name)
                .any(|f| function_types(&f.args) == a.args);
        if clash {
            let types: Vec<String> = a.args.iter().map(ToString::to_string).collect();
            return Err(DbError::new(
                SqlState::from_static("42723"),
                format!(
                    "function {}({}) already exists in schema \"{}\"",
                    a.name,
                    types.join(", "),
                    a.schema
                ),
            ));
        }
        cat.aggregates.insert(a.id, Arc::new(a.clone()));
        self.ddl.push(DdlOp::PutAggregate(Box::new(a)));
        Ok(())
    }

    /// Drops an aggregate.
    pub fn drop_aggregate(&mut self, id: TableId) -> DbResult<()> {
        self.store.check_writable()?;
        let cat = self.catalog_mut()?;
        if cat.aggregates.remove(&id).is_none() {
            return Err(DbError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("aggregate with id {id} does not exist"),
            ));
        }
        self.ddl.push(DdlOp::DropAggregate(id));
        Ok(())
    }
}
