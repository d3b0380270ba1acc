//! Calls of user aggregates: resolving `name(args)` to an aggregate at
//! bind time, and folding a group's rows through it at run time.

use super::USER_AGG;
use crate::bind::Binder;
use crate::exec::Executor;
use crate::expr::Expr;
use crate::plan::AggCall;
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId, Value};
use aiondb_storage::{AggregateArgType, AggregateFn, AggregateSchema};
use std::sync::Arc;

/// The oid of a bound user aggregate call's name.
pub fn user_aggregate_id(name: &str) -> Option<u32> {
    name.strip_prefix(USER_AGG).and_then(|id| id.parse().ok())
}

fn accepts(declared: &AggregateArgType, given: &DataType) -> bool {
    match declared {
        AggregateArgType::Any => true,
        AggregateArgType::Type(t) => crate::udf::passable(given, t),
        AggregateArgType::Internal => false,
    }
}

impl Binder<'_> {
    /// Whether `name` is an aggregate: a built-in one, or a user
    /// aggregate on the search path.
    pub(crate) fn is_aggregate_name(&self, name: &str) -> bool {
        crate::func::is_aggregate(name)
            || self.search_path.iter().any(|s| {
                self.catalog
                    .aggregates_named(self.database, s, name)
                    .next()
                    .is_some()
            })
    }

    /// The user aggregate `name` taking these arguments (`star`: `name(*)`).
    pub(crate) fn resolve_user_aggregate(
        &mut self,
        name: &str,
        args: Vec<Expr>,
        star: bool,
    ) -> DbResult<(String, Vec<Expr>, DataType)> {
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let mut candidates: Vec<Arc<AggregateSchema>> = Vec::new();
        for s in self.search_path {
            candidates.extend(
                self.catalog
                    .aggregates_named(self.database, s, name)
                    .filter(|a| {
                        a.args.len() == types.len()
                            && (star == a.args.is_empty())
                            && a.args.iter().zip(&types).all(|(d, t)| accepts(d, t))
                    })
                    .cloned(),
            );
            if !candidates.is_empty() {
                break;
            }
        }
        let exact = |a: &AggregateSchema| {
            a.args
                .iter()
                .zip(&types)
                .filter(|(d, t)| matches!(d, AggregateArgType::Type(d) if d == *t))
                .count()
        };
        candidates.sort_by_key(|a| std::cmp::Reverse(exact(a)));
        let Some(a) = candidates.first().cloned() else {
            // PostgreSQL shows `name(*)` with no arguments.
            let shown: Vec<String> = types.iter().map(ToString::to_string).collect();
            return Err(DbError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("function {name}({}) does not exist", shown.join(", ")),
            )
            .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."));
        };
        if candidates.get(1).is_some_and(|b| exact(b) == exact(&a)) {
            return Err(DbError::new(
                SqlState::from_static("42725"),
                format!(
                    "function {name}({}) is not unique",
                    types.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                ),
            )
            .with_hint("Could not choose a best candidate function. You might need to add explicit type casts."));
        }
        if a.kind != 'n' {
            return Err(DbError::not_supported(
                "calling ordered-set aggregates (WITHIN GROUP)",
            ));
        }
        if a.variadic {
            return Err(DbError::not_supported("calling variadic user aggregates"));
        }
        let mut bound = Vec::with_capacity(args.len());
        for (e, d) in args.into_iter().zip(&a.args) {
            bound.push(match d {
                AggregateArgType::Type(t) => self.coerce_to(e, t)?,
                AggregateArgType::Any | AggregateArgType::Internal => e,
            });
        }
        Ok((
            format!("{USER_AGG}{}", a.id.0),
            bound,
            a.result_type.clone(),
        ))
    }
}

/// Calls one support function on values of these types.
fn call_support(
    exec: &mut Executor<'_>,
    f: &AggregateFn,
    values: Vec<Value>,
    types: &[DataType],
    ty: &DataType,
) -> DbResult<Value> {
    match f {
        AggregateFn::Builtin(name) => {
            let strict = super::support::builtin(name).is_none_or(|b| b.strict);
            if strict && values.iter().any(Value::is_null) {
                return Ok(Value::Null);
            }
            super::support::call(name, values)
        }
        AggregateFn::User(id) => {
            let args = values
                .into_iter()
                .zip(types)
                .map(|(v, t)| Expr::Const(v, t.clone()))
                .collect();
            let call = Expr::Func {
                name: format!("{}{}", crate::udf::USER_FN, id.0),
                args,
                ty: ty.clone(),
            };
            exec.eval(&call, &Vec::new())
        }
    }
}

fn is_strict(exec: &Executor<'_>, f: &AggregateFn) -> bool {
    match f {
        AggregateFn::Builtin(name) => super::support::builtin(name).is_some_and(|b| b.strict),
        AggregateFn::User(id) => exec
            .txn
            .catalog()
            .functions
            .get(id)
            .is_some_and(|f| f.strict),
    }
}

/// Folds one group's rows (`(sort key, arguments)`) through the user
/// aggregate of call `a`.
pub fn finish(
    exec: &mut Executor<'_>,
    id: u32,
    a: &AggCall,
    mut rows: Vec<(Vec<Value>, Vec<Value>)>,
) -> DbResult<Value> {
    let Some(agg) = exec.txn.catalog().aggregates.get(&TableId(id)).cloned() else {
        return Err(DbError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("cache lookup failed for aggregate {id}"),
        ));
    };
    rows.sort_by(|x, y| crate::exec::compare_keys(&x.0, &y.0, &a.order_by));
    let arg_types: Vec<DataType> = a.args.iter().map(Expr::data_type).collect();
    let state_type = super::support::arg_type(&agg.state_type);
    let mut step_types = vec![state_type.clone()];
    step_types.extend(arg_types.iter().cloned());
    let strict = is_strict(exec, &agg.transition);
    let mut state = match &agg.initial {
        Some(text) => crate::types::parse_text(text, &state_type, &exec.format)?,
        None => Value::Null,
    };
    for (_, args) in rows {
        if strict && args.iter().any(Value::is_null) {
            continue;
        }
        if strict && state.is_null() {
            // The first non-NULL input is the initial state.
            let first = args.into_iter().next().unwrap_or(Value::Null);
            let from = arg_types.first().cloned().unwrap_or(DataType::Unknown);
            state = crate::ops::coerce(first, &from, &state_type)?;
            continue;
        }
        let mut values = vec![state];
        values.extend(args);
        state = call_support(exec, &agg.transition, values, &step_types, &state_type)?;
    }
    let Some(f) = &agg.final_fn else {
        return Ok(state);
    };
    let mut values = vec![state];
    let mut types = vec![state_type];
    if agg.final_extra {
        values.extend(arg_types.iter().map(|_| Value::Null));
        types.extend(arg_types.iter().cloned());
    }
    call_support(exec, f, values, &types, &agg.result_type)
}
