//! Bound expressions and their evaluation.
//!
//! The binder turns sqlparser's syntax into [`Expr`]: names resolved to
//! column positions, every node typed. Evaluation follows PostgreSQL's
//! three-valued logic: NULL propagates through operators and functions, and
//! `AND`/`OR` treat NULL as unknown.

use crate::ops;
use crate::plan::Plan;
use aiondb_core::{DataType, DbError, DbResult, Row, SqlState, Value};

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
    Concat,
    /// `IS DISTINCT FROM` (negated: `IS NOT DISTINCT FROM`).
    Distinct,
    NotDistinct,
    RegexMatch {
        negated: bool,
        case_insensitive: bool,
    },
}

/// How a subquery is used.
#[derive(Clone, Debug, PartialEq)]
pub enum SubqueryKind {
    Scalar,
    Exists,
    /// `left [NOT] IN (subquery)`.
    In {
        left: Box<Expr>,
        negated: bool,
    },
    /// `ARRAY(subquery)`.
    Array,
}

/// A bound, typed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Const(Value, DataType),
    /// A column of the current input row.
    Column(usize, DataType),
    /// A column of an enclosing query's row, `level` scopes out (1 = nearest).
    Outer {
        level: usize,
        index: usize,
        ty: DataType,
    },
    Param(usize, DataType),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary {
        op: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
        ty: DataType,
    },
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    Cast {
        expr: Box<Expr>,
        ty: DataType,
    },
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
        ty: DataType,
    },
    Func {
        name: String,
        args: Vec<Expr>,
        ty: DataType,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
        case_insensitive: bool,
    },
    Subquery {
        plan: Box<Plan>,
        kind: SubqueryKind,
        ty: DataType,
        /// `Some(id)` when the subquery reads nothing of enclosing rows:
        /// its rows are computed once per statement (PostgreSQL's
        /// InitPlan) and kept by this id, unique in the process.
        once: Option<u64>,
    },
    Array {
        items: Vec<Expr>,
        ty: DataType,
    },
}

/// What evaluation may read besides the row: parameters, enclosing rows,
/// and the context subqueries run in.
pub struct EvalEnv<'a, 'b> {
    pub params: std::sync::Arc<Vec<Value>>,
    /// The executor subqueries and outer references use (None when folding
    /// constants at bind time).
    pub exec: Option<&'a mut crate::exec::Executor<'b>>,
}

impl EvalEnv<'_, '_> {
    /// An environment with no executor (constant folding).
    pub fn constant() -> EvalEnv<'static, 'static> {
        EvalEnv {
            params: std::sync::Arc::new(Vec::new()),
            exec: None,
        }
    }
}

impl Expr {
    /// The expression's type.
    pub fn data_type(&self) -> DataType {
        match self {
            Expr::Const(_, t)
            | Expr::Column(_, t)
            | Expr::Outer { ty: t, .. }
            | Expr::Param(_, t)
            | Expr::Binary { ty: t, .. }
            | Expr::Cast { ty: t, .. }
            | Expr::Case { ty: t, .. }
            | Expr::Func { ty: t, .. }
            | Expr::Subquery { ty: t, .. }
            | Expr::Array { ty: t, .. } => t.clone(),
            Expr::Neg(e) => e.data_type(),
            Expr::Not(_) | Expr::IsNull { .. } | Expr::InList { .. } | Expr::Like { .. } => {
                DataType::Bool
            }
        }
    }

    /// Evaluates against a row.
    pub fn eval(&self, row: &Row, env: &mut EvalEnv<'_, '_>) -> DbResult<Value> {
        Ok(match self {
            Expr::Const(v, _) => v.clone(),
            Expr::Column(i, _) => row.get(*i).cloned().unwrap_or(Value::Null),
            Expr::Outer { level, index, .. } => {
                let outer = env
                    .exec
                    .as_ref()
                    .map(|e| &e.outer)
                    .ok_or_else(|| DbError::internal("outer reference without an executor"))?;
                outer
                    .get(outer.len().wrapping_sub(*level))
                    .and_then(|r| r.get(*index))
                    .cloned()
                    .ok_or_else(|| DbError::internal("outer reference out of range"))?
            }
            Expr::Param(i, ty) => {
                let v = env.params.get(*i).cloned().ok_or_else(|| {
                    DbError::new(
                        SqlState::UNDEFINED_PARAMETER,
                        format!("there is no parameter ${}", i + 1),
                    )
                })?;
                match (&v, ty) {
                    (Value::Text(s), t)
                        if *t != DataType::Text && !t.is_string() && *t != DataType::Unknown =>
                    {
                        crate::types::parse_text(s, t, &crate::types::FormatOptions::default())?
                    }
                    _ => v,
                }
            }
            Expr::Neg(e) => ops::negate(e.eval(row, env)?)?,
            Expr::Not(e) => match e.eval(row, env)? {
                Value::Bool(b) => Value::Bool(!b),
                Value::Null => Value::Null,
                other => return Err(type_error("NOT", &other)),
            },
            Expr::Binary {
                op,
                left,
                right,
                ty,
            } => match op {
                BinOp::And => {
                    let l = left.eval(row, env)?;
                    if l == Value::Bool(false) {
                        return Ok(Value::Bool(false));
                    }
                    let r = right.eval(row, env)?;
                    ops::and(l, r)
                }
                BinOp::Or => {
                    let l = left.eval(row, env)?;
                    if l == Value::Bool(true) {
                        return Ok(Value::Bool(true));
                    }
                    let r = right.eval(row, env)?;
                    ops::or(l, r)
                }
                _ => {
                    let l = left.eval(row, env)?;
                    let r = right.eval(row, env)?;
                    ops::binary(*op, l, &left.data_type(), r, &right.data_type(), ty)?
                }
            },
            Expr::IsNull { expr, negated } => {
                Value::Bool(expr.eval(row, env)?.is_null() != *negated)
            }
            Expr::Cast { expr, ty } => {
                let v = expr.eval(row, env)?;
                ops::cast(v, &expr.data_type(), ty)?
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                let base = match operand {
                    Some(o) => Some((o.eval(row, env)?, o.data_type())),
                    None => None,
                };
                for (cond, result) in whens {
                    let hit = match &base {
                        Some((b, bt)) => {
                            let c = cond.eval(row, env)?;
                            ops::binary(
                                BinOp::Eq,
                                b.clone(),
                                bt,
                                c,
                                &cond.data_type(),
                                &DataType::Bool,
                            )? == Value::Bool(true)
                        }
                        None => cond.eval(row, env)? == Value::Bool(true),
                    };
                    if hit {
                        return result.eval(row, env);
                    }
                }
                match otherwise {
                    Some(e) => e.eval(row, env)?,
                    None => Value::Null,
                }
            }
            Expr::Func { name, args, ty } if name == "coalesce" => {
                // Lazy, as in PostgreSQL: later arguments are not evaluated.
                for a in args {
                    let v = a.eval(row, env)?;
                    if !v.is_null() {
                        return ops::coerce(v, &a.data_type(), ty);
                    }
                }
                Value::Null
            }
            Expr::Func { name, args, ty } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(a.eval(row, env)?);
                }
                if let Some(id) = crate::udf::user_fn_id(name) {
                    return crate::udf::invoke(id, values, env);
                }
                if let Some(id) = crate::ddl::domain::check_id(name) {
                    let value = values.into_iter().next().unwrap_or(Value::Null);
                    return crate::ddl::domain::check_value(id, value, env);
                }
                let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
                crate::func::call(name, values, &types, ty, env)?
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let v = expr.eval(row, env)?;
                let vt = expr.data_type();
                let mut saw_null = v.is_null();
                let mut found = false;
                if !v.is_null() {
                    for item in list {
                        let x = item.eval(row, env)?;
                        match ops::binary(
                            BinOp::Eq,
                            v.clone(),
                            &vt,
                            x,
                            &item.data_type(),
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
            Expr::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => {
                let v = expr.eval(row, env)?;
                let p = pattern.eval(row, env)?;
                match (v, p) {
                    (Value::Text(s), Value::Text(p)) => {
                        Value::Bool(ops::like(&s, &p, *case_insensitive) != *negated)
                    }
                    (Value::Null, _) | (_, Value::Null) => Value::Null,
                    (other, _) => return Err(type_error("LIKE", &other)),
                }
            }
            Expr::Subquery {
                plan, kind, once, ..
            } => crate::exec::eval_subquery(plan, kind, *once, row, env)?,
            Expr::Array { items, .. } => {
                let mut values = Vec::with_capacity(items.len());
                for i in items {
                    values.push(i.eval(row, env)?);
                }
                Value::Array(values)
            }
        })
    }

    /// True if the expression reads nothing from a row (constants and
    /// parameters only), so it can be evaluated once.
    pub fn is_row_independent(&self) -> bool {
        self.reads_no_row(false)
    }

    /// True if the expression is constant during one execution of the
    /// plan it sits in: like [`Expr::is_row_independent`], but columns of
    /// enclosing queries count too (a correlated subquery's `k = outer.x`
    /// can look `k` up by an index).
    pub fn is_constant_per_execution(&self) -> bool {
        self.reads_no_row(true)
    }

    /// Renumbers the columns of the current row this expression reads
    /// (subquery plans read enclosing rows through [`Expr::Outer`], which
    /// stays as it is).
    pub(crate) fn map_columns(&mut self, f: &dyn Fn(usize) -> usize) {
        let each = |es: &mut [Expr]| es.iter_mut().for_each(|x| x.map_columns(f));
        match self {
            Expr::Column(i, _) => *i = f(*i),
            Expr::Const(..) | Expr::Outer { .. } | Expr::Param(..) => {}
            Expr::Neg(x)
            | Expr::Not(x)
            | Expr::IsNull { expr: x, .. }
            | Expr::Cast { expr: x, .. } => x.map_columns(f),
            Expr::Binary { left, right, .. }
            | Expr::Like {
                expr: left,
                pattern: right,
                ..
            } => {
                left.map_columns(f);
                right.map_columns(f);
            }
            Expr::InList { expr, list, .. } => {
                expr.map_columns(f);
                each(list);
            }
            Expr::Func { args, .. } | Expr::Array { items: args, .. } => each(args),
            Expr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                for o in operand.iter_mut().chain(otherwise.iter_mut()) {
                    o.map_columns(f);
                }
                for (w, t) in whens {
                    w.map_columns(f);
                    t.map_columns(f);
                }
            }
            Expr::Subquery { kind, .. } => {
                if let SubqueryKind::In { left, .. } = kind {
                    left.map_columns(f);
                }
            }
        }
    }

    /// True if the expression is built from constants alone (no
    /// parameters, columns, subqueries or volatile functions), so its
    /// value is known while planning.
    pub fn is_plan_constant(&self) -> bool {
        match self {
            Expr::Param(..) => false,
            Expr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                operand
                    .iter()
                    .chain(otherwise.iter())
                    .all(|e| e.is_plan_constant())
                    && whens
                        .iter()
                        .all(|(w, t)| w.is_plan_constant() && t.is_plan_constant())
            }
            Expr::Neg(e)
            | Expr::Not(e)
            | Expr::IsNull { expr: e, .. }
            | Expr::Cast { expr: e, .. } => e.is_plan_constant(),
            Expr::Binary { left, right, .. } => left.is_plan_constant() && right.is_plan_constant(),
            Expr::Func { name, args, .. } => {
                !crate::func::is_volatile(name) && args.iter().all(Expr::is_plan_constant)
            }
            Expr::Const(..) => true,
            _ => false,
        }
    }

    fn reads_no_row(&self, outer_is_constant: bool) -> bool {
        let no_row = |e: &Expr| e.reads_no_row(outer_is_constant);
        match self {
            Expr::Const(..) | Expr::Param(..) => true,
            Expr::Outer { .. } => outer_is_constant,
            Expr::Column(..) | Expr::Subquery { .. } => false,
            Expr::Neg(e)
            | Expr::Not(e)
            | Expr::IsNull { expr: e, .. }
            | Expr::Cast { expr: e, .. } => no_row(e),
            Expr::Binary { left, right, .. } => no_row(left) && no_row(right),
            Expr::Func { name, args, .. } => {
                !crate::func::is_volatile(name) && args.iter().all(no_row)
            }
            _ => false,
        }
    }
}

/// Evaluates a predicate: only TRUE passes.
pub fn truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

pub(crate) fn type_error(what: &str, v: &Value) -> DbError {
    DbError::new(
        SqlState::DATATYPE_MISMATCH,
        format!("argument of {what} has an unexpected type: {v:?}"),
    )
}
