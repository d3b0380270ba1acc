//! Binding expressions.

use super::{AggContext, Binder, Scope};
use crate::expr::{BinOp, Expr, SubqueryKind};
use crate::ops;
use crate::parse::ident;
use crate::types::{self, FormatOptions};
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};
use sqlparser::ast::{self, BinaryOperator, Spanned, UnaryOperator};

/// Points an error without a cursor position at `e` (PostgreSQL reports
/// binding errors at the expression they are about).
pub(crate) fn locate(err: DbError, e: &ast::Expr) -> DbError {
    match (err.position, crate::parse::span_position(e.span())) {
        (None, Some(p)) => err.with_position(p),
        _ => err,
    }
}

/// Points an operator-resolution error (42883) without a position just
/// past the left operand: sqlparser keeps no span for the operator itself,
/// and [`crate::parse::cursor_on_token`] moves the cursor from there over
/// the whitespace onto the operator, where PostgreSQL puts it.
fn at_operator(err: DbError, left: &ast::Expr) -> DbError {
    let end = left.span().end;
    match (err.position, err.code == SqlState::UNDEFINED_FUNCTION) {
        (None, true) if end.line == 1 => match u32::try_from(end.column) {
            Ok(p) if p > 0 => err.with_position(p),
            _ => err,
        },
        _ => err,
    }
}

/// Marks an error of evaluating a constant while binding: PostgreSQL
/// reports those without a position (0 is never sent).
pub(crate) fn unlocated(err: DbError) -> DbError {
    match err.position {
        None => err.with_position(0),
        Some(_) => err,
    }
}

/// Maps sqlparser's type to ours.
pub fn data_type(t: &ast::DataType) -> DbResult<DataType> {
    let text = t.to_string().to_lowercase();
    let text = text.trim_start_matches("pg_catalog.");
    if let Some(ty) = types::parse_type_name(text) {
        return Ok(ty);
    }
    Err(DbError::new(
        SqlState::UNDEFINED_OBJECT,
        format!("type \"{text}\" does not exist"),
    ))
}

/// `e` as its domain's base type, for operators and functions that have
/// no definition on the domain itself.
pub(crate) fn as_base_type(e: Expr) -> Expr {
    let t = e.data_type();
    if !matches!(t, DataType::Domain(_))
        && !matches!(&t, DataType::Array(el) if matches!(**el, DataType::Domain(_)))
    {
        return e;
    }
    let ty = t.without_domains();
    match e {
        Expr::Const(v, _) => Expr::Const(v, ty),
        e => Expr::Cast {
            expr: Box::new(e),
            ty,
        },
    }
}

impl Binder<'_> {
    /// Gives an untyped literal or parameter the type `target`.
    pub fn resolve(&mut self, e: Expr, target: &DataType) -> DbResult<Expr> {
        if *target == DataType::Unknown {
            return Ok(e);
        }
        Ok(match e {
            Expr::Const(Value::Text(s), DataType::Unknown) => {
                // A length limit is PostgreSQL's separate length coercion,
                // folded at plan time: its error (22001) has no position.
                let v =
                    types::parse_text(&s, target, &FormatOptions::default()).map_err(|err| {
                        match err.code.code() {
                            "22001" => unlocated(err),
                            _ => err,
                        }
                    })?;
                Expr::Const(v, target.clone())
            }
            Expr::Const(Value::Null, DataType::Unknown) => Expr::Const(Value::Null, target.clone()),
            Expr::Param(i, DataType::Unknown) => {
                let t = self.param_type(i, target);
                Expr::Param(i, t)
            }
            other => other,
        })
    }

    /// Converts an expression to `target` for storing or comparing.
    pub fn coerce_to(&mut self, e: Expr, target: &DataType) -> DbResult<Expr> {
        if let DataType::Domain(_) = target
            && e.data_type() != *target
        {
            let e = self.coerce_unchecked(e, target)?;
            return Ok(self.domain_checked(e, target));
        }
        self.coerce_unchecked(e, target)
    }

    /// [`Binder::coerce_to`] without a domain's constraint check.
    fn coerce_unchecked(&mut self, e: Expr, target: &DataType) -> DbResult<Expr> {
        let e = self.resolve(e, target)?;
        let t = e.data_type();
        if t == *target || *target == DataType::Unknown {
            return Ok(e);
        }
        if let Expr::Const(v, ty) = &e {
            return Ok(Expr::Const(
                ops::cast(v.clone(), ty, target).map_err(unlocated)?,
                target.clone(),
            ));
        }
        Ok(Expr::Cast {
            expr: Box::new(e),
            ty: target.clone(),
        })
    }

    /// Whether a CASE branch's condition is known while binding: a
    /// constant condition, or a constant WHEN value against a constant
    /// operand. NULL counts as false.
    fn constant_truth(&mut self, operand: Option<&Expr>, cond: &Expr) -> Option<bool> {
        let value = match (operand, cond) {
            (None, Expr::Const(v, _)) => v.clone(),
            (Some(o @ Expr::Const(..)), Expr::Const(..)) => {
                match self.binary(BinOp::Eq, o.clone(), cond.clone()) {
                    Ok(Expr::Const(v, _)) => v,
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(value == Value::Bool(true))
    }

    fn binary(&mut self, op: BinOp, l: Expr, r: Expr) -> DbResult<Expr> {
        let (lt, rt) = (l.data_type(), r.data_type());
        let (l, r) = match (lt == DataType::Unknown, rt == DataType::Unknown) {
            (true, false) if op != BinOp::Concat => (self.resolve(l, &rt)?, r),
            (false, true) if op != BinOp::Concat => {
                let r = self.resolve(r, &lt)?;
                (l, r)
            }
            _ => (l, r),
        };
        if let Some(symbol) = ops::user_operator_symbol(op)
            && let Some(call) = self.user_operator(symbol, &l, &r)?
        {
            return Ok(call);
        }
        let (l, r) = (as_base_type(l), as_base_type(r));
        let ty = ops::result_type(op, &l.data_type(), &r.data_type())?;
        // Strict operators with a NULL constant operand are NULL, whatever
        // the other side would do (PostgreSQL folds them at plan time).
        let strict = !matches!(
            op,
            BinOp::And | BinOp::Or | BinOp::Distinct | BinOp::NotDistinct
        );
        let null_const = |e: &Expr| matches!(e, Expr::Const(Value::Null, _));
        if strict && (null_const(&l) || null_const(&r)) {
            return Ok(Expr::Const(Value::Null, ty));
        }
        let folded = Expr::Binary {
            op,
            left: Box::new(l),
            right: Box::new(r),
            ty,
        };
        fold(folded, self.unreachable > 0)
    }

    /// Binds an expression in a scope.
    pub fn bind_expr(&mut self, e: &ast::Expr, scope: &Scope) -> DbResult<Expr> {
        let bound = if self.agg.is_some() {
            self.bind_grouped(e, scope)
        } else {
            self.bind_plain(e, scope)
        };
        bound.map_err(|err| locate(err, e))
    }

    fn column(&mut self, table: Option<&str>, name: &str, scope: &Scope) -> DbResult<Expr> {
        let variable = match table {
            None => self
                .variables
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, i)| *i),
            Some(_) => None,
        };
        let bound = self.column_or_outer(table, name, scope);
        match (bound, variable) {
            (Ok(_), Some(_)) if self.variable_conflict_error => Err(DbError::new(
                SqlState::AMBIGUOUS_COLUMN,
                format!("column reference \"{name}\" is ambiguous"),
            )
            .with_detail("It could refer to either a PL/pgSQL variable or a table column.")),
            (Err(e), Some(i)) if e.code == SqlState::UNDEFINED_COLUMN => {
                let t = self.param_type(i, &DataType::Unknown);
                Ok(Expr::Param(i, t))
            }
            (bound, _) => bound,
        }
    }

    fn column_or_outer(
        &mut self,
        table: Option<&str>,
        name: &str,
        scope: &Scope,
    ) -> DbResult<Expr> {
        if let Some(i) = scope.find(table, name)? {
            return Ok(Expr::Column(i, scope.columns[i].ty.clone()));
        }
        for (depth, outer) in self.outer.iter().rev().enumerate() {
            if let Some(i) = outer.find(table, name)? {
                self.outer_floor = self.outer_floor.min(self.outer.len() - 1 - depth);
                return Ok(Expr::Outer {
                    level: depth + 1,
                    index: i,
                    ty: outer.columns[i].ty.clone(),
                });
            }
        }
        if let Some(t) = table {
            if !scope.has_table(t) && !self.outer.iter().any(|s| s.has_table(t)) {
                let mut scopes: Vec<&Scope> = vec![scope];
                scopes.extend(self.outer.iter().rev());
                return Err(super::missing_from_entry(&scopes, t));
            }
            return Err(DbError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column {t}.{name} does not exist"),
            ));
        }
        Err(DbError::new(
            SqlState::UNDEFINED_COLUMN,
            format!("column \"{name}\" does not exist"),
        ))
    }

    pub(super) fn bind_plain(&mut self, e: &ast::Expr, scope: &Scope) -> DbResult<Expr> {
        use ast::Expr as E;
        Ok(match e {
            E::Identifier(i) => {
                let name = ident(i);
                match self.column(None, &name, scope) {
                    Ok(c) => c,
                    Err(err) => match name.as_str() {
                        "current_user" | "session_user" | "user" | "current_role"
                        | "current_schema" | "current_catalog" => {
                            let f = if name == "current_catalog" {
                                "current_database"
                            } else {
                                name.as_str()
                            };
                            Expr::Func {
                                name: f.into(),
                                args: vec![],
                                ty: DataType::Text,
                            }
                        }
                        "current_timestamp" | "localtimestamp" | "current_date" => {
                            let ty = crate::func::return_type(&name, &[])?;
                            Expr::Func {
                                name,
                                args: vec![],
                                ty,
                            }
                        }
                        _ => return Err(err),
                    },
                }
            }
            E::CompoundIdentifier(parts) => {
                let names: Vec<String> = parts.iter().map(ident).collect();
                match names.as_slice() {
                    [t, c] => self.column(Some(t), c, scope)?,
                    [_, t, c] => self.column(Some(t), c, scope)?,
                    _ => return Err(DbError::not_supported(format!("column reference {e}"))),
                }
            }
            E::Value(v) => self.literal(&v.value)?,
            E::TypedString(ts) => {
                let ty = self.data_type(&ts.data_type)?;
                let s = match &ts.value.value {
                    ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                        s.clone()
                    }
                    other => other.to_string(),
                };
                let v = types::parse_text(&s, &ty, &FormatOptions::default())
                    .map_err(|err| locate(err, &E::Value(ts.value.clone())))?;
                self.domain_checked(Expr::Const(v, ty.clone()), &ty)
            }
            E::Nested(inner) => self.bind_expr(inner, scope)?,
            E::CompoundFieldAccess { root, access_chain } => {
                self.subscript(root, access_chain, scope)?
            }
            E::UnaryOp { op, expr } => {
                let inner = self.bind_expr(expr, scope)?;
                match op {
                    UnaryOperator::Minus => match inner {
                        Expr::Const(v, t) => Expr::Const(ops::negate(v).map_err(unlocated)?, t),
                        other => Expr::Neg(Box::new(other)),
                    },
                    UnaryOperator::Plus => {
                        let t = inner.data_type();
                        if !t.is_numeric() && !matches!(t, DataType::Unknown | DataType::Interval) {
                            return Err(DbError::new(
                                SqlState::UNDEFINED_FUNCTION,
                                format!("operator does not exist: + {t}"),
                            ));
                        }
                        inner
                    }
                    UnaryOperator::Not => {
                        let inner = self.coerce_to(inner, &DataType::Bool)?;
                        Expr::Not(Box::new(inner))
                    }
                    UnaryOperator::BitwiseNot => self.call("__not", vec![inner])?,
                    UnaryOperator::PGAbs => self.prefix_math("@", inner)?,
                    UnaryOperator::PGSquareRoot => self.prefix_math("|/", inner)?,
                    UnaryOperator::PGCubeRoot => self.prefix_math("||/", inner)?,
                    other => return Err(DbError::not_supported(format!("operator {other}"))),
                }
            }
            E::BinaryOp { left, op, right } => {
                let l = self.bind_expr(left, scope)?;
                let r = self.bind_expr(right, scope)?;
                let bitwise = match op {
                    BinaryOperator::PGBitwiseShiftLeft => Some("__shl"),
                    BinaryOperator::PGBitwiseShiftRight => Some("__shr"),
                    BinaryOperator::BitwiseAnd => Some("__and"),
                    BinaryOperator::BitwiseOr => Some("__or"),
                    BinaryOperator::PGBitwiseXor => Some("__xor"),
                    _ => None,
                };
                if let Some(name) = bitwise {
                    return self
                        .call(name, vec![l, r])
                        .map_err(|err| at_operator(err, left));
                }
                if *op == BinaryOperator::PGExp {
                    return self
                        .power_operator(l, r)
                        .map_err(|err| at_operator(err, left));
                }
                let op = match op {
                    BinaryOperator::Plus => BinOp::Add,
                    BinaryOperator::Minus => BinOp::Sub,
                    BinaryOperator::Multiply => BinOp::Mul,
                    BinaryOperator::Divide => BinOp::Div,
                    BinaryOperator::Modulo => BinOp::Mod,
                    BinaryOperator::Eq => BinOp::Eq,
                    BinaryOperator::NotEq => BinOp::NotEq,
                    BinaryOperator::Lt => BinOp::Lt,
                    BinaryOperator::LtEq => BinOp::LtEq,
                    BinaryOperator::Gt => BinOp::Gt,
                    BinaryOperator::GtEq => BinOp::GtEq,
                    BinaryOperator::And => BinOp::And,
                    BinaryOperator::Or => BinOp::Or,
                    BinaryOperator::StringConcat => BinOp::Concat,
                    BinaryOperator::PGRegexMatch => BinOp::RegexMatch {
                        negated: false,
                        case_insensitive: false,
                    },
                    BinaryOperator::PGRegexIMatch => BinOp::RegexMatch {
                        negated: false,
                        case_insensitive: true,
                    },
                    BinaryOperator::PGRegexNotMatch => BinOp::RegexMatch {
                        negated: true,
                        case_insensitive: false,
                    },
                    BinaryOperator::PGRegexNotIMatch => BinOp::RegexMatch {
                        negated: true,
                        case_insensitive: true,
                    },
                    BinaryOperator::PGCustomBinaryOperator(parts)
                        if parts.last().map(String::as_str) == Some("~") =>
                    {
                        BinOp::RegexMatch {
                            negated: false,
                            case_insensitive: false,
                        }
                    }
                    BinaryOperator::PGCustomBinaryOperator(parts)
                        if parts.last().map(String::as_str) == Some("!~") =>
                    {
                        BinOp::RegexMatch {
                            negated: true,
                            case_insensitive: false,
                        }
                    }
                    other => return Err(DbError::not_supported(format!("operator {other}"))),
                };
                if matches!(op, BinOp::And | BinOp::Or) {
                    let l = self.coerce_to(l, &DataType::Bool)?;
                    let r = self.coerce_to(r, &DataType::Bool)?;
                    return Ok(Expr::Binary {
                        op,
                        left: Box::new(l),
                        right: Box::new(r),
                        ty: DataType::Bool,
                    });
                }
                if let BinOp::RegexMatch { .. } = op {
                    let l = self.coerce_to(l, &DataType::Text)?;
                    let r = self.coerce_to(r, &DataType::Text)?;
                    return Ok(Expr::Binary {
                        op,
                        left: Box::new(l),
                        right: Box::new(r),
                        ty: DataType::Bool,
                    });
                }
                let unknown = |x: &Expr| matches!(x, Expr::Const(_, DataType::Unknown));
                let literal = match (unknown(&l), unknown(&r)) {
                    (true, false) => Some(left),
                    (false, true) => Some(right),
                    _ => None,
                };
                self.binary(op, l, r).map_err(|err| match literal {
                    Some(lit) if err.code.code().starts_with("22") => locate(err, lit),
                    _ => at_operator(err, left),
                })?
            }
            E::IsNull(x) => Expr::IsNull {
                expr: Box::new(self.bind_expr(x, scope)?),
                negated: false,
            },
            E::IsNotNull(x) => Expr::IsNull {
                expr: Box::new(self.bind_expr(x, scope)?),
                negated: true,
            },
            E::IsTrue(x) | E::IsNotTrue(x) | E::IsFalse(x) | E::IsNotFalse(x) => {
                let inner = self.bind_expr(x, scope)?;
                let inner = self.coerce_to(inner, &DataType::Bool)?;
                // x IS [NOT] TRUE/FALSE is x IS [NOT] DISTINCT FROM the constant:
                // never NULL, and NULL counts as neither true nor false.
                let (op, target) = match e {
                    E::IsTrue(_) => (BinOp::NotDistinct, true),
                    E::IsNotTrue(_) => (BinOp::Distinct, true),
                    E::IsFalse(_) => (BinOp::NotDistinct, false),
                    _ => (BinOp::Distinct, false),
                };
                Expr::Binary {
                    op,
                    left: Box::new(inner),
                    right: Box::new(Expr::Const(Value::Bool(target), DataType::Bool)),
                    ty: DataType::Bool,
                }
            }
            E::IsUnknown(x) | E::IsNotUnknown(x) => {
                let inner = self.bind_expr(x, scope)?;
                let inner = self.coerce_to(inner, &DataType::Bool)?;
                Expr::IsNull {
                    expr: Box::new(inner),
                    negated: matches!(e, E::IsNotUnknown(_)),
                }
            }
            E::IsDistinctFrom(a, b) | E::IsNotDistinctFrom(a, b) => {
                let l = self.bind_expr(a, scope)?;
                let r = self.bind_expr(b, scope)?;
                let op = if matches!(e, E::IsDistinctFrom(..)) {
                    BinOp::Distinct
                } else {
                    BinOp::NotDistinct
                };
                self.binary(op, l, r)?
            }
            E::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let x = self.bind_expr(expr, scope)?;
                let lo = self.bind_expr(low, scope)?;
                let hi = self.bind_expr(high, scope)?;
                let a = self.binary(BinOp::GtEq, x.clone(), lo)?;
                let b = self.binary(BinOp::LtEq, x, hi)?;
                let both = Expr::Binary {
                    op: BinOp::And,
                    left: Box::new(a),
                    right: Box::new(b),
                    ty: DataType::Bool,
                };
                if *negated {
                    Expr::Not(Box::new(both))
                } else {
                    both
                }
            }
            E::Like {
                negated,
                expr,
                pattern,
                escape_char: None,
                any: false,
            }
            | E::ILike {
                negated,
                expr,
                pattern,
                escape_char: None,
                any: false,
            } => {
                let x = self.bind_expr(expr, scope)?;
                let x = self.coerce_to(x, &DataType::Text)?;
                let p = self.bind_expr(pattern, scope)?;
                let p = self.coerce_to(p, &DataType::Text)?;
                Expr::Like {
                    expr: Box::new(x),
                    pattern: Box::new(p),
                    negated: *negated,
                    case_insensitive: matches!(e, E::ILike { .. }),
                }
            }
            E::In {
                expr,
                target: ast::InTarget::List(list),
                negated,
                ..
            } => {
                let x = self.bind_expr(expr, scope)?;
                let mut items = Vec::new();
                let mut ty = x.data_type();
                for i in list {
                    let b = self.bind_expr(i, scope)?;
                    ty = ops::common_type(&ty, &b.data_type())
                        .ok_or_else(|| ops::no_operator(BinOp::Eq, &ty, &b.data_type()))?;
                    items.push(b);
                }
                let x = self.resolve(x, &ty)?;
                let mut resolved = Vec::new();
                for i in items {
                    resolved.push(self.resolve(i, &ty)?);
                }
                Expr::InList {
                    expr: Box::new(x),
                    list: resolved,
                    negated: *negated,
                }
            }
            E::In {
                expr,
                target: ast::InTarget::Subquery(q),
                negated,
                ..
            } => {
                let x = self.bind_expr(expr, scope)?;
                let (plan, once) = self.subquery(q, scope)?;
                let cols = plan.columns();
                if cols.len() != 1 {
                    return Err(DbError::new(
                        SqlState::SYNTAX_ERROR,
                        "subquery has too many columns",
                    ));
                }
                let x = self.resolve(x, &cols[0].data_type)?;
                ops::result_type(BinOp::Eq, &x.data_type(), &cols[0].data_type)?;
                Expr::Subquery {
                    plan: Box::new(plan),
                    kind: SubqueryKind::In {
                        left: Box::new(x),
                        negated: *negated,
                    },
                    ty: DataType::Bool,
                    once,
                }
            }
            E::Exists { subquery, negated } => {
                let (plan, once) = self.subquery(subquery, scope)?;
                let ex = Expr::Subquery {
                    plan: Box::new(plan),
                    kind: SubqueryKind::Exists,
                    ty: DataType::Bool,
                    once,
                };
                if *negated {
                    Expr::Not(Box::new(ex))
                } else {
                    ex
                }
            }
            E::Subquery(q) => {
                let (plan, once) = self.subquery(q, scope)?;
                let cols = plan.columns();
                if cols.len() != 1 {
                    return Err(DbError::new(
                        SqlState::SYNTAX_ERROR,
                        "subquery must return only one column",
                    ));
                }
                let ty = cols[0].data_type.clone();
                Expr::Subquery {
                    plan: Box::new(plan),
                    kind: SubqueryKind::Scalar,
                    ty,
                    once,
                }
            }
            E::Cast {
                expr,
                data_type: dt,
                ..
            } => {
                let ty = self.data_type(dt)?;
                let inner = self.bind_expr(expr, scope)?;
                if matches!(ty, DataType::User { .. })
                    || matches!(inner.data_type(), DataType::User { .. })
                {
                    return self.user_cast(inner, &ty);
                }
                match inner {
                    Expr::Const(Value::Text(s), DataType::Unknown) => {
                        let v = types::parse_text(&s, &ty, &FormatOptions::default())?;
                        self.domain_checked(Expr::Const(v, ty.clone()), &ty)
                    }
                    Expr::Param(i, DataType::Unknown) => {
                        let t = self.param_type(i, &ty);
                        Expr::Param(i, t)
                    }
                    other => self.coerce_to(other, &ty)?,
                }
            }
            E::Collate { expr, .. } => self.bind_expr(expr, scope)?,
            E::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let operand = match operand {
                    Some(o) => Some(Box::new(self.bind_expr(o, scope)?)),
                    None => None,
                };
                let mut whens = Vec::new();
                let mut ty = DataType::Unknown;
                // After a WHEN that is constantly true, nothing runs; a
                // constantly false WHEN's result never runs.
                let mut decided = false;
                for c in conditions {
                    self.unreachable += usize::from(decided);
                    let cond =
                        self.bind_expr(&c.condition, scope)
                            .and_then(|cond| match &operand {
                                Some(o) => self.resolve(cond, &o.data_type()),
                                None => self.coerce_to(cond, &DataType::Bool),
                            });
                    self.unreachable -= usize::from(decided);
                    let cond = cond?;
                    let known = if decided {
                        Some(false)
                    } else {
                        self.constant_truth(operand.as_deref(), &cond)
                    };
                    let skip = known == Some(false);
                    self.unreachable += usize::from(skip);
                    let result = self.bind_expr(&c.result, scope);
                    self.unreachable -= usize::from(skip);
                    let result = result?;
                    decided |= known == Some(true);
                    ty = ops::common_type(&ty, &result.data_type()).ok_or_else(|| {
                        DbError::new(
                            SqlState::DATATYPE_MISMATCH,
                            format!(
                                "CASE types {ty} and {} cannot be matched",
                                result.data_type()
                            ),
                        )
                    })?;
                    whens.push((cond, result));
                }
                let otherwise = match else_result {
                    Some(x) => {
                        self.unreachable += usize::from(decided);
                        let b = self.bind_expr(x, scope);
                        self.unreachable -= usize::from(decided);
                        let b = b?;
                        ty = ops::common_type(&ty, &b.data_type()).ok_or_else(|| {
                            DbError::new(
                                SqlState::DATATYPE_MISMATCH,
                                format!("CASE types {ty} and {} cannot be matched", b.data_type()),
                            )
                        })?;
                        Some(b)
                    }
                    None => None,
                };
                let ty = if ty == DataType::Unknown {
                    DataType::Text
                } else {
                    ty
                };
                let mut resolved = Vec::new();
                for (c, r) in whens {
                    resolved.push((c, self.coerce_to(r, &ty)?));
                }
                let otherwise = match otherwise {
                    Some(o) => Some(Box::new(self.coerce_to(o, &ty)?)),
                    None => None,
                };
                Expr::Case {
                    operand,
                    whens: resolved,
                    otherwise,
                    ty,
                }
            }
            E::Function(f) => self.function(f, scope)?,
            E::Array(arr) => {
                let mut items = Vec::new();
                let mut ty = DataType::Unknown;
                for x in &arr.elem {
                    let b = self.bind_expr(x, scope)?;
                    ty = ops::common_type(&ty, &b.data_type()).unwrap_or(ty);
                    items.push(b);
                }
                let ty = if ty == DataType::Unknown {
                    DataType::Text
                } else {
                    ty
                };
                let mut resolved = Vec::new();
                for i in items {
                    resolved.push(self.coerce_to(i, &ty)?);
                }
                Expr::Array {
                    items: resolved,
                    ty: DataType::Array(Box::new(ty)),
                }
            }
            E::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![self.bind_expr(expr, scope)?];
                args.push(match substring_from {
                    Some(f) => self.bind_expr(f, scope)?,
                    None => Expr::Const(Value::Int4(1), DataType::Int4),
                });
                if let Some(f) = substring_for {
                    args.push(self.bind_expr(f, scope)?);
                }
                self.call("substr", args)?
            }
            E::Position { expr, r#in } => {
                let a = self.bind_expr(r#in, scope)?;
                let b = self.bind_expr(expr, scope)?;
                self.call("strpos", vec![a, b])?
            }
            E::Trim {
                expr,
                trim_where,
                trim_what,
                ..
            } => {
                let mut args = vec![self.bind_expr(expr, scope)?];
                if let Some(w) = trim_what {
                    args.push(self.bind_expr(w, scope)?);
                }
                let f = match trim_where {
                    Some(ast::TrimWhereField::Leading) => "ltrim",
                    Some(ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "btrim",
                };
                self.call(f, args)?
            }
            E::Extract { field, expr, .. } => {
                let x = self.bind_expr(expr, scope)?;
                let f = Expr::Const(
                    Value::Text(field.to_string().to_lowercase()),
                    DataType::Text,
                );
                self.call("date_part", vec![f, x])?
            }
            E::Ceil { expr, .. } => {
                let x = self.bind_expr(expr, scope)?;
                self.call("ceil", vec![x])?
            }
            E::Floor { expr, .. } => {
                let x = self.bind_expr(expr, scope)?;
                self.call("floor", vec![x])?
            }
            E::Interval(iv) => {
                let v = self.bind_expr(&iv.value, scope)?;
                let text = match v {
                    Expr::Const(Value::Text(s), _) => s,
                    other => return Err(DbError::not_supported(format!("INTERVAL of {other:?}"))),
                };
                let text = match &iv.leading_field {
                    Some(f) => format!("{text} {f}"),
                    None => text,
                };
                Expr::Const(
                    types::parse_text(&text, &DataType::Interval, &FormatOptions::default())?,
                    DataType::Interval,
                )
            }
            E::AnyOp {
                left,
                compare_op,
                right,
                ..
            }
            | E::AllOp {
                left,
                compare_op,
                right,
            } => {
                let any = matches!(e, E::AnyOp { .. });
                let l = self.bind_expr(left, scope)?;
                let r = self.bind_expr(right, scope)?;
                let elem = match r.data_type() {
                    DataType::Array(t) => *t,
                    _ => return Err(DbError::not_supported("ANY/ALL over a non-array")),
                };
                let l = self.resolve(l, &elem)?;
                if *compare_op != BinaryOperator::Eq || !any {
                    return Err(DbError::not_supported(format!(
                        "{compare_op} {}",
                        if any { "ANY" } else { "ALL" }
                    )));
                }
                self.call("__any_eq", vec![l, r])?
            }
            other => return Err(DbError::not_supported(format!("expression {other}"))),
        })
    }

    /// Binds a subquery of an expression: its plan, and the id it is
    /// cached by when it is uncorrelated (see `Expr::Subquery::once`).
    pub(super) fn subquery(
        &mut self,
        q: &ast::Query,
        scope: &Scope,
    ) -> DbResult<(crate::plan::Plan, Option<u64>)> {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let agg = self.agg.take();
        let windows = self.windows.take();
        let srfs = self.srfs.take();
        let outer_scope = match &agg {
            Some(AggContext { input, .. }) => input.clone(),
            None => scope.clone(),
        };
        let own_scope = self.outer.len();
        let floor = std::mem::replace(&mut self.outer_floor, usize::MAX);
        self.outer.push(outer_scope);
        let result = super::query::bind_query(self, q);
        self.outer.pop();
        let inner_floor = self.outer_floor;
        self.outer_floor = floor.min(inner_floor);
        self.agg = agg;
        self.windows = windows;
        self.srfs = srfs;
        let once = (inner_floor > own_scope)
            .then(|| NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        Ok((result?, once))
    }
}

/// Evaluates an expression now if it reads nothing at run time.
/// Folds an operator or function over constants, as PostgreSQL's planner
/// does. In a branch that can never run (`deferred`) an error is left for
/// run time instead, so it is never raised.
pub(super) fn fold(e: Expr, deferred: bool) -> DbResult<Expr> {
    let constant = match &e {
        Expr::Binary { left, right, .. } => {
            matches!(**left, Expr::Const(..)) && matches!(**right, Expr::Const(..))
        }
        _ => false,
    };
    if constant {
        let ty = e.data_type();
        return match e.eval(&Vec::new(), &mut crate::expr::EvalEnv::constant()) {
            Ok(v) => Ok(Expr::Const(v, ty)),
            Err(_) if deferred => Ok(e),
            Err(err) => Err(unlocated(err)),
        };
    }
    Ok(e)
}
