//! Executing plans: every operator materializes its rows.

use crate::expr::{EvalEnv, Expr, SubqueryKind, truthy};
use crate::hash_join::HashIndex;
use crate::ops;
use crate::output::SessionEnv;
use crate::plan::{Access, AggCall, JoinKind, Plan, SetOpKind, SortKey, WindowCall};
use aiondb_core::{DataType, DbError, DbResult, Numeric, Row, SqlState, Value};
use aiondb_storage::Transaction;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// Runs plans inside one transaction.
pub struct Executor<'b> {
    pub txn: &'b mut Transaction,
    pub env: &'b dyn SessionEnv,
    pub database: u32,
    pub search_path: &'b [String],
    pub params: Arc<Vec<Value>>,
    /// Rows of enclosing queries (correlated subqueries), innermost last.
    pub outer: Vec<Row>,
    pub ctes: HashMap<String, Arc<Vec<Row>>>,
    pub deadline: Option<Instant>,
    pub cancel: Arc<AtomicBool>,
    /// now() for this statement.
    pub statement_time: i64,
    /// The transaction's write seq when this statement began: STABLE and
    /// IMMUTABLE functions it calls read as of then.
    pub start_seq: u64,
    /// The session's output settings (DateStyle, ...), for functions that
    /// print values (concat, format).
    pub format: crate::types::FormatOptions,
    /// Rows of the uncorrelated subqueries run so far, by their id.
    pub once: HashMap<u64, Arc<Vec<Row>>>,
    /// Hashed values of the uncorrelated IN subqueries, by their id.
    pub once_sets: HashMap<u64, Arc<crate::hash_join::ValueSet>>,
    /// Notices for the client (RAISE in user functions).
    pub notices: &'b mut Vec<aiondb_core::DbError>,
    /// See [`crate::output::SqlContext::check_nested`].
    pub check_nested: &'b dyn Fn(&sqlparser::ast::Statement) -> aiondb_core::DbResult<()>,
    /// EXPLAIN ANALYZE: rows produced and runs, by plan node address.
    pub stats: Option<HashMap<usize, crate::explain::NodeStats>>,
}

/// Microseconds since 2000-01-01 UTC, now.
pub fn now_micros() -> i64 {
    let since_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    since_unix - 946_684_800_000_000
}

impl<'b> Executor<'b> {
    /// Evaluates an expression against a row.
    pub fn eval(&mut self, e: &Expr, row: &Row) -> DbResult<Value> {
        let params = self.params.clone();
        let mut env = EvalEnv {
            params,
            exec: Some(self),
        };
        e.eval(row, &mut env)
    }

    pub(crate) fn check(&self) -> DbResult<()> {
        aiondb_storage::WaitLimits {
            cancel: Some(self.cancel.clone()),
            deadline: self.deadline,
        }
        .check()
    }

    /// Runs a plan to completion.
    pub fn run(&mut self, plan: &Plan) -> DbResult<Vec<Row>> {
        let rows = self.run_node(plan)?;
        if let Some(stats) = &mut self.stats {
            let node = stats.entry(plan as *const Plan as usize).or_default();
            node.rows += rows.len() as u64;
            node.loops += 1;
        }
        Ok(rows)
    }

    fn run_node(&mut self, plan: &Plan) -> DbResult<Vec<Row>> {
        self.check()?;
        match plan {
            Plan::Values { rows, .. } => {
                let empty = Vec::new();
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let mut vals = Vec::with_capacity(r.len());
                    for e in r {
                        vals.push(self.eval(e, &empty)?);
                    }
                    out.push(vals);
                }
                Ok(out)
            }
            Plan::Scan { table, access, .. } => self.scan(table, access),
            Plan::System { name, .. } => crate::catalog::system_rows(name, self),
            Plan::Function { name, args, .. } => {
                let empty = Vec::new();
                let mut vals = Vec::new();
                for a in args {
                    vals.push(self.eval(a, &empty)?);
                }
                let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
                crate::func::table_function(name, &vals, &types)
            }
            Plan::Filter { .. } if plan.is_false_filter() => Ok(Vec::new()),
            Plan::Filter { input, predicate } => {
                let rows = self.run(input)?;
                let mut out = Vec::new();
                for r in rows {
                    if truthy(&self.eval(predicate, &r)?) {
                        out.push(r);
                    }
                }
                Ok(out)
            }
            Plan::Project { input, exprs, .. } => {
                let rows = self.run(input)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let mut vals = Vec::with_capacity(exprs.len());
                    for e in exprs {
                        vals.push(self.eval(e, &r)?);
                    }
                    out.push(vals);
                }
                Ok(out)
            }
            Plan::Join {
                left,
                right,
                kind,
                on,
                lateral,
            } => self.join(left, right, *kind, on.as_ref(), *lateral),
            Plan::Aggregate {
                input,
                group_by,
                aggs,
                ..
            } => {
                let rows = self.run(input)?;
                self.aggregate(rows, group_by, aggs)
            }
            Plan::Sort { input, keys } => {
                let rows = self.run(input)?;
                self.sort(rows, keys)
            }
            Plan::Limit {
                input,
                limit,
                offset,
                ties,
            } => self.limit(input, limit.as_ref(), offset.as_ref(), ties),
            Plan::Distinct { input } => {
                let rows = self.run(input)?;
                let mut seen = HashSet::new();
                Ok(rows
                    .into_iter()
                    .filter(|r| seen.insert(r.clone()))
                    .collect())
            }
            Plan::SetOp {
                left,
                right,
                op,
                all,
            } => {
                let l = self.run(left)?;
                let r = self.run(right)?;
                Ok(set_op(l, r, *op, *all))
            }
            Plan::CteRef { name, .. } => self
                .ctes
                .get(name)
                .map(|r| r.as_ref().clone())
                .ok_or_else(|| DbError::internal(format!("CTE {name} not materialized"))),
            Plan::With { ctes, body } => {
                for (name, p) in ctes {
                    let rows = self.run(p)?;
                    self.ctes.insert(name.clone(), Arc::new(rows));
                }
                self.run(body)
            }
            Plan::Window { input, calls, .. } => {
                let rows = self.run(input)?;
                self.window(rows, calls)
            }
            Plan::ProjectSet { input, calls, .. } => {
                let rows = self.run(input)?;
                self.project_set(rows, calls)
            }
        }
    }

    fn scan(&mut self, table: &aiondb_storage::TableSchema, access: &Access) -> DbResult<Vec<Row>> {
        let empty = Vec::new();
        match access {
            Access::Full => {
                let mut out = Vec::new();
                for (i, (_, row)) in self.txn.heap_scan(table.id)?.enumerate() {
                    if i % 4096 == 4095 {
                        self.check()?;
                    }
                    out.push(row);
                }
                Ok(out)
            }
            Access::PrimaryKey(exprs) => {
                let mut key = Vec::with_capacity(exprs.len());
                for (e, &col) in exprs.iter().zip(&table.primary_key) {
                    let v = self.eval(e, &empty)?;
                    if v.is_null() {
                        return Ok(Vec::new());
                    }
                    key.push(ops::coerce(
                        v,
                        &e.data_type(),
                        &table.columns[col].data_type,
                    )?);
                }
                Ok(self.txn.get(table.id, &key)?.into_iter().collect())
            }
            Access::IndexEq(index, exprs) => {
                let Some(ix) = table.index(*index) else {
                    return Err(DbError::internal("index vanished"));
                };
                let mut key = Vec::with_capacity(exprs.len());
                for (e, &col) in exprs.iter().zip(&ix.columns) {
                    let v = self.eval(e, &empty)?;
                    if v.is_null() {
                        return Ok(Vec::new());
                    }
                    key.push(ops::coerce(
                        v,
                        &e.data_type(),
                        &table.columns[col].data_type,
                    )?);
                }
                Ok(self
                    .txn
                    .index_scan(
                        table.id,
                        *index,
                        Bound::Included(key.clone()),
                        Bound::Included(key),
                    )?
                    .map(|(_, r)| r)
                    .collect())
            }
        }
    }

    fn join(
        &mut self,
        left: &Plan,
        right: &Plan,
        kind: JoinKind,
        on: Option<&Expr>,
        lateral: bool,
    ) -> DbResult<Vec<Row>> {
        let lrows = self.run(left)?;
        let lwidth = left.columns().len();
        let rwidth = right.columns().len();
        let rrows_fixed = if lateral {
            None
        } else {
            Some(self.run(right)?)
        };
        let mut out = Vec::new();
        let mut right_matched = vec![false; rrows_fixed.as_ref().map_or(0, Vec::len)];
        // An equi-join looks its candidates up (same rows, same order).
        let index = match (&rrows_fixed, on) {
            (Some(rrows), Some(p)) if !lrows.is_empty() => HashIndex::build(p, lwidth, rrows),
            _ => None,
        };
        let mut every: Vec<usize> = Vec::new();
        for l in &lrows {
            self.check()?;
            let rrows = match &rrows_fixed {
                Some(r) => std::borrow::Cow::Borrowed(r),
                None => {
                    self.outer.push(l.clone());
                    let r = self.run(right);
                    self.outer.pop();
                    std::borrow::Cow::Owned(r?)
                }
            };
            let candidates = match &index {
                Some(index) => index.candidates(l),
                None => {
                    if every.len() != rrows.len() {
                        every = (0..rrows.len()).collect();
                    }
                    &every
                }
            };
            let mut matched = false;
            for &i in candidates {
                let r = &rrows[i];
                let mut row = l.clone();
                row.extend(r.iter().cloned());
                let ok = match on {
                    Some(p) => truthy(&self.eval(p, &row)?),
                    None => true,
                };
                if ok {
                    matched = true;
                    if let Some(m) = right_matched.get_mut(i) {
                        *m = true;
                    }
                    out.push(row);
                }
            }
            if !matched && matches!(kind, JoinKind::Left | JoinKind::Full) {
                let mut row = l.clone();
                row.extend(std::iter::repeat_n(Value::Null, rwidth));
                out.push(row);
            }
        }
        if matches!(kind, JoinKind::Right | JoinKind::Full)
            && let Some(rrows) = &rrows_fixed
        {
            for (i, r) in rrows.iter().enumerate() {
                if !right_matched[i] {
                    let mut row: Row = std::iter::repeat_n(Value::Null, lwidth).collect();
                    row.extend(r.iter().cloned());
                    out.push(row);
                }
            }
        }
        Ok(out)
    }

    fn aggregate(
        &mut self,
        rows: Vec<Row>,
        group_by: &[Expr],
        aggs: &[AggCall],
    ) -> DbResult<Vec<Row>> {
        let mut groups: HashMap<Vec<Value>, usize> = HashMap::new();
        let mut keys: Vec<Vec<Value>> = Vec::new();
        let mut states: Vec<Vec<AggState>> = Vec::new();
        for row in &rows {
            let mut key = Vec::with_capacity(group_by.len());
            for g in group_by {
                key.push(self.eval(g, row)?);
            }
            let idx = match groups.get(&key) {
                Some(i) => *i,
                None => {
                    groups.insert(key.clone(), keys.len());
                    keys.push(key);
                    states.push(aggs.iter().map(AggState::new).collect());
                    keys.len() - 1
                }
            };
            for (a, st) in aggs.iter().zip(states[idx].iter_mut()) {
                let mut args = Vec::with_capacity(a.args.len());
                for e in &a.args {
                    args.push(self.eval(e, row)?);
                }
                let sort_key = {
                    let mut k = Vec::new();
                    for s in &a.order_by {
                        k.push(self.eval(&s.expr, row)?);
                    }
                    k
                };
                st.add(a, args, sort_key)?;
            }
        }
        if keys.is_empty() && group_by.is_empty() {
            keys.push(Vec::new());
            states.push(aggs.iter().map(AggState::new).collect());
        }
        let mut out = Vec::with_capacity(keys.len());
        for (key, sts) in keys.into_iter().zip(states) {
            let mut row = key;
            for (a, st) in aggs.iter().zip(sts) {
                row.push(match crate::aggregate::user_aggregate_id(&a.name) {
                    Some(id) => crate::aggregate::finish(self, id, a, st.into_rows())?,
                    None => st.finish(a)?,
                });
            }
            out.push(row);
        }
        Ok(out)
    }

    fn sort(&mut self, rows: Vec<Row>, keys: &[SortKey]) -> DbResult<Vec<Row>> {
        let mut keyed = Vec::with_capacity(rows.len());
        for r in rows {
            let mut k = Vec::with_capacity(keys.len());
            for s in keys {
                k.push(self.eval(&s.expr, &r)?);
            }
            keyed.push((k, r));
        }
        keyed.sort_by(|(a, _), (b, _)| compare_keys(a, b, keys));
        Ok(keyed.into_iter().map(|(_, r)| r).collect())
    }

    fn window(&mut self, rows: Vec<Row>, calls: &[WindowCall]) -> DbResult<Vec<Row>> {
        let mut out: Vec<Row> = rows.clone();
        for call in calls {
            // Partition, order within partition, compute.
            let mut parts: HashMap<Vec<Value>, Vec<usize>> = HashMap::new();
            let mut order_keys = Vec::with_capacity(rows.len());
            for (i, r) in rows.iter().enumerate() {
                let mut p = Vec::new();
                for e in &call.partition_by {
                    p.push(self.eval(e, r)?);
                }
                let mut k = Vec::new();
                for s in &call.order_by {
                    k.push(self.eval(&s.expr, r)?);
                }
                order_keys.push(k);
                parts.entry(p).or_default().push(i);
            }
            let mut results = vec![Value::Null; rows.len()];
            for (_, mut idxs) in parts {
                idxs.sort_by(|&a, &b| compare_keys(&order_keys[a], &order_keys[b], &call.order_by));
                let mut rank = 0i64;
                let mut dense = 0i64;
                for (pos, &i) in idxs.iter().enumerate() {
                    let peer = pos > 0
                        && compare_keys(&order_keys[idxs[pos - 1]], &order_keys[i], &call.order_by)
                            == Ordering::Equal;
                    if !peer {
                        rank = pos as i64 + 1;
                        dense += 1;
                    }
                    results[i] = match call.name.as_str() {
                        "row_number" => Value::Int8(pos as i64 + 1),
                        "rank" => Value::Int8(rank),
                        "dense_rank" => Value::Int8(dense),
                        "count" => {
                            // Running count over peers.
                            let upto = idxs
                                .iter()
                                .filter(|&&j| {
                                    compare_keys(&order_keys[j], &order_keys[i], &call.order_by)
                                        != Ordering::Greater
                                })
                                .count();
                            Value::Int8(if call.order_by.is_empty() {
                                idxs.len() as i64
                            } else {
                                upto as i64
                            })
                        }
                        other => {
                            return Err(DbError::not_supported(format!(
                                "window function {other} is not supported"
                            )));
                        }
                    };
                }
            }
            for (r, v) in out.iter_mut().zip(results) {
                r.push(v);
            }
        }
        Ok(out)
    }
}

/// Orders two sort keys: ascending puts NULLs last, descending first,
/// unless NULLS FIRST/LAST says otherwise.
pub fn compare_keys(a: &[Value], b: &[Value], keys: &[SortKey]) -> Ordering {
    for ((x, y), k) in a.iter().zip(b).zip(keys) {
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if k.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if k.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => {
                let o = cmp_values(x, y);
                if k.descending { o.reverse() } else { o }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Orders two non-null values, across numeric types by value.
pub fn cmp_values(x: &Value, y: &Value) -> Ordering {
    use Value::*;
    match (x, y) {
        (Int2(_) | Int4(_) | Int8(_), Int2(_) | Int4(_) | Int8(_)) => int(x).cmp(&int(y)),
        (
            Float4(_) | Float8(_) | Int2(_) | Int4(_) | Int8(_),
            Float4(_) | Float8(_) | Int2(_) | Int4(_) | Int8(_),
        ) => {
            let (a, b) = (float(x), float(y));
            a.partial_cmp(&b)
                .unwrap_or_else(|| a.is_nan().cmp(&b.is_nan()))
        }
        _ => x.cmp(y),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int2(x) => *x as i64,
        Value::Int4(x) => *x as i64,
        Value::Int8(x) => *x,
        _ => 0,
    }
}

fn float(v: &Value) -> f64 {
    match v {
        Value::Float4(x) => *x as f64,
        Value::Float8(x) => *x,
        other => int(other) as f64,
    }
}

fn set_op(l: Vec<Row>, r: Vec<Row>, op: SetOpKind, all: bool) -> Vec<Row> {
    match (op, all) {
        (SetOpKind::Union, true) => l.into_iter().chain(r).collect(),
        (SetOpKind::Union, false) => {
            let mut seen = HashSet::new();
            l.into_iter()
                .chain(r)
                .filter(|x| seen.insert(x.clone()))
                .collect()
        }
        (SetOpKind::Intersect, _) | (SetOpKind::Except, _) => {
            let mut counts: HashMap<Row, usize> = HashMap::new();
            for x in r {
                *counts.entry(x).or_default() += 1;
            }
            let mut out = Vec::new();
            let mut emitted = HashSet::new();
            for x in l {
                let c = counts.get(&x).copied().unwrap_or(0);
                let keep = if op == SetOpKind::Intersect {
                    c > 0
                } else {
                    c == 0
                };
                if all {
                    if op == SetOpKind::Intersect && c > 0 {
                        counts.insert(x.clone(), c - 1);
                        out.push(x);
                    } else if op == SetOpKind::Except {
                        if c > 0 {
                            counts.insert(x.clone(), c - 1);
                        } else {
                            out.push(x);
                        }
                    }
                } else if keep && emitted.insert(x.clone()) {
                    out.push(x);
                }
            }
            out
        }
    }
}

/// Runs a subquery for one row of the enclosing query.
pub fn eval_subquery(
    plan: &Plan,
    kind: &SubqueryKind,
    once: Option<u64>,
    row: &Row,
    env: &mut EvalEnv<'_, '_>,
) -> DbResult<Value> {
    let left = match kind {
        SubqueryKind::In { left, .. } => Some(left.eval(row, env)?),
        _ => None,
    };
    let exec = env
        .exec
        .as_deref_mut()
        .ok_or_else(|| DbError::internal("subquery without an executor"))?;
    let rows = match once.and_then(|id| exec.once.get(&id)) {
        Some(rows) => rows.clone(),
        None => {
            exec.outer.push(row.clone());
            let rows = exec.run(plan);
            exec.outer.pop();
            let rows = Arc::new(rows?);
            if let Some(id) = once {
                exec.once.insert(id, rows.clone());
            }
            rows
        }
    };
    Ok(match kind {
        SubqueryKind::Exists => Value::Bool(!rows.is_empty()),
        SubqueryKind::Array => Value::Array(
            rows.iter()
                .map(|r| r.first().cloned().unwrap_or(Value::Null))
                .collect(),
        ),
        SubqueryKind::Scalar => match rows.len() {
            0 => Value::Null,
            1 => rows[0].first().cloned().unwrap_or(Value::Null),
            _ => {
                return Err(DbError::new(
                    SqlState::CARDINALITY_VIOLATION,
                    "more than one row returned by a subquery used as an expression",
                ));
            }
        },
        SubqueryKind::In {
            left: lexpr,
            negated,
        } => {
            let v = left.unwrap_or(Value::Null);
            let lt = lexpr.data_type();
            let rt = plan
                .columns()
                .first()
                .map(|c| c.data_type.clone())
                .unwrap_or(DataType::Unknown);
            let set = once.and_then(|id| match exec.once_sets.get(&id) {
                Some(set) => Some(set.clone()),
                None => crate::hash_join::ValueSet::build(&rows, &rt, &lt).map(|set| {
                    let set = Arc::new(set);
                    exec.once_sets.insert(id, set.clone());
                    set
                }),
            });
            if let Some(set) = set {
                return Ok(match set.contains(&v) {
                    Some(found) => Value::Bool(found != *negated),
                    None => Value::Null,
                });
            }
            let mut saw_null = v.is_null() && !rows.is_empty();
            let mut found = false;
            if !v.is_null() {
                for r in rows.iter() {
                    let x = r.first().cloned().unwrap_or(Value::Null);
                    match ops::binary(
                        crate::expr::BinOp::Eq,
                        v.clone(),
                        &lt,
                        x,
                        &rt,
                        &DataType::Bool,
                    )? {
                        Value::Bool(true) => {
                            found = true;
                            break;
                        }
                        Value::Null => saw_null = true,
                        _ => {}
                    }
                }
            }
            if found {
                Value::Bool(!negated)
            } else if saw_null {
                Value::Null
            } else {
                Value::Bool(*negated)
            }
        }
    })
}

/// Running state of one aggregate.
enum AggState {
    Count(i64),
    Sum(Option<Value>),
    Avg {
        sum: Option<Value>,
        n: i64,
    },
    MinMax(Option<Value>),
    Bool(Option<bool>),
    Collect(Vec<(Vec<Value>, Value, Option<String>)>),
    Distinct(HashSet<Vec<Value>>, Box<AggState>),
    /// A user aggregate's input rows (sort key, arguments), folded at the
    /// end by [`crate::aggregate::finish`].
    Rows(Vec<(Vec<Value>, Vec<Value>)>),
}

impl AggState {
    fn new(a: &AggCall) -> AggState {
        let base = match a.name.as_str() {
            n if crate::aggregate::user_aggregate_id(n).is_some() => AggState::Rows(Vec::new()),
            "count" => AggState::Count(0),
            "sum" => AggState::Sum(None),
            "avg" => AggState::Avg { sum: None, n: 0 },
            "min" | "max" => AggState::MinMax(None),
            "bool_and" | "bool_or" | "every" => AggState::Bool(None),
            _ => AggState::Collect(Vec::new()),
        };
        if a.distinct {
            AggState::Distinct(HashSet::new(), Box::new(base))
        } else {
            base
        }
    }

    fn add(&mut self, a: &AggCall, args: Vec<Value>, sort_key: Vec<Value>) -> DbResult<()> {
        if let AggState::Distinct(seen, inner) = self {
            if args.iter().any(Value::is_null) || !seen.insert(args.clone()) {
                return Ok(());
            }
            return inner.add(a, args, sort_key);
        }
        if let AggState::Rows(rows) = self {
            rows.push((sort_key, args));
            return Ok(());
        }
        let v = args.first().cloned().unwrap_or(Value::Null);
        if !a.star && v.is_null() && !matches!(a.name.as_str(), "array_agg") {
            return Ok(());
        }
        let arg_ty = a
            .args
            .first()
            .map(Expr::data_type)
            .unwrap_or(DataType::Int8);
        match self {
            AggState::Count(n) => *n += 1,
            AggState::Sum(s) => *s = Some(add_values(s.take(), v, &arg_ty, &a.ty)?),
            AggState::Avg { sum, n } => {
                let acc = if arg_ty.is_numeric()
                    && !matches!(arg_ty, DataType::Float4 | DataType::Float8)
                {
                    DataType::Numeric(None)
                } else {
                    a.ty.clone()
                };
                *sum = Some(add_values(sum.take(), v, &arg_ty, &acc)?);
                *n += 1;
            }
            AggState::MinMax(m) => {
                let replace = match m {
                    None => true,
                    Some(cur) => {
                        let o = cmp_values(&v, cur);
                        if a.name == "min" {
                            o == Ordering::Less
                        } else {
                            o == Ordering::Greater
                        }
                    }
                };
                if replace {
                    *m = Some(v);
                }
            }
            AggState::Bool(b) => {
                let x = matches!(v, Value::Bool(true));
                *b = Some(match (a.name.as_str(), *b) {
                    ("bool_or", Some(cur)) => cur || x,
                    (_, Some(cur)) => cur && x,
                    (_, None) => x,
                });
            }
            AggState::Collect(items) => {
                let sep = match args.get(1) {
                    Some(Value::Text(s)) => Some(s.clone()),
                    _ => None,
                };
                items.push((sort_key, v, sep));
            }
            AggState::Distinct(..) | AggState::Rows(_) => {}
        }
        Ok(())
    }

    fn finish(self, a: &AggCall) -> DbResult<Value> {
        Ok(match self {
            AggState::Count(n) => Value::Int8(n),
            AggState::Sum(s) => s.unwrap_or(Value::Null),
            AggState::Avg { sum, n } => match sum {
                None => Value::Null,
                Some(s) => {
                    let st = match &s {
                        Value::Numeric(_) => DataType::Numeric(None),
                        _ => DataType::Float8,
                    };
                    let count = match st {
                        DataType::Numeric(_) => Value::Numeric(Numeric::from(n)),
                        _ => Value::Float8(n as f64),
                    };
                    ops::binary(crate::expr::BinOp::Div, s, &st, count, &st, &st)?
                }
            },
            AggState::MinMax(m) => m.unwrap_or(Value::Null),
            AggState::Bool(b) => b.map(Value::Bool).unwrap_or(Value::Null),
            AggState::Collect(mut items) => {
                if items.is_empty() {
                    return Ok(Value::Null);
                }
                items.sort_by(|x, y| compare_keys(&x.0, &y.0, &a.order_by));
                match a.name.as_str() {
                    "string_agg" => {
                        let mut out = String::new();
                        for (i, (_, v, sep)) in items.into_iter().enumerate() {
                            if i > 0 {
                                out.push_str(sep.as_deref().unwrap_or(""));
                            }
                            if let Value::Text(s) = v {
                                out.push_str(&s);
                            }
                        }
                        Value::Text(out)
                    }
                    _ => Value::Array(items.into_iter().map(|(_, v, _)| v).collect()),
                }
            }
            AggState::Distinct(_, inner) => inner.finish(a)?,
            AggState::Rows(_) => {
                return Err(DbError::internal(
                    "user aggregate finished without executor",
                ));
            }
        })
    }

    /// A user aggregate's collected rows.
    fn into_rows(self) -> Vec<(Vec<Value>, Vec<Value>)> {
        match self {
            AggState::Rows(rows) => rows,
            AggState::Distinct(_, inner) => inner.into_rows(),
            _ => Vec::new(),
        }
    }
}

fn add_values(acc: Option<Value>, v: Value, vt: &DataType, ty: &DataType) -> DbResult<Value> {
    let v = ops::coerce(v, vt, ty)?;
    match acc {
        None => Ok(v),
        Some(a) => ops::binary(crate::expr::BinOp::Add, a, ty, v, ty, ty),
    }
}
