//! Binding queries: WITH, set operations, SELECT, FROM, ORDER BY, LIMIT.

use super::from::{from_item, with_filter};
use super::order::{
    OrderTarget, check_order_names, order_items, order_outputs, ordinal, output_by_name,
    position_literal, sort_key,
};
use super::{AggContext, Binder, Scope, table_columns};
use crate::expr::Expr;
use crate::output::Column;
use crate::parse::{ident, object_name};
use crate::plan::{Access, JoinKind, Plan, SetOpKind};
use aiondb_core::{DataType, DbError, DbResult, SqlState};
use sqlparser::ast::{self, SelectItem, SetExpr};

/// Binds a query to a plan.
pub fn bind_query(b: &mut Binder<'_>, q: &ast::Query) -> DbResult<Plan> {
    let mut ctes = Vec::new();
    let pushed = b.ctes.len();
    if let Some(with) = &q.with {
        if with.recursive {
            return Err(DbError::not_supported("WITH RECURSIVE"));
        }
        for cte in &with.cte_tables {
            let plan = bind_query(b, &cte.query)?;
            let name = ident(&cte.alias.name);
            let mut cols = plan.columns();
            for (c, a) in cols.iter_mut().zip(&cte.alias.columns) {
                c.name = ident(&a.name);
            }
            b.ctes.push((name.clone(), cols));
            ctes.push((name, plan));
        }
    }
    let result = (|| {
        let mut plan = match q.body.as_ref() {
            SetExpr::Select(s) => bind_select(b, s, q.order_by.as_ref())?,
            other => {
                let plan = bind_set_expr(b, other)?;
                match &q.order_by {
                    Some(ob) => order_outputs(b, plan, ob)?,
                    None => plan,
                }
            }
        };
        plan = bind_limit(b, q, plan)?;
        if !q.locks.is_empty() {
            return Err(DbError::not_supported("SELECT ... FOR UPDATE/SHARE"));
        }
        Ok(plan)
    })();
    b.ctes.truncate(pushed);
    let plan = result?;
    Ok(if ctes.is_empty() {
        plan
    } else {
        Plan::With {
            ctes,
            body: Box::new(plan),
        }
    })
}

/// LIMIT / OFFSET / FETCH FIRST over a bound query body.
fn bind_limit(b: &mut Binder<'_>, q: &ast::Query, plan: Plan) -> DbResult<Plan> {
    let empty = Scope::default();
    let (mut limit, offset) = match &q.limit_clause {
        Some(ast::LimitClause::LimitOffset { limit, offset, .. }) => {
            (limit.clone(), offset.as_ref().map(|o| o.value.clone()))
        }
        Some(ast::LimitClause::OffsetCommaLimit { offset, limit }) => {
            (Some(limit.clone()), Some(offset.clone()))
        }
        None => (None, None),
    };
    let mut with_ties = false;
    if let Some(f) = &q.fetch {
        if f.percent {
            return Err(DbError::not_supported("FETCH FIRST ... PERCENT"));
        }
        if limit.is_some() {
            return Err(DbError::new(
                SqlState::SYNTAX_ERROR,
                "multiple LIMIT clauses not allowed",
            ));
        }
        let null =
            |e: &ast::Expr| matches!(e, ast::Expr::Value(v) if matches!(v.value, ast::Value::Null));
        if f.with_ties {
            if q.order_by.is_none() {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    "WITH TIES cannot be specified without ORDER BY clause",
                ));
            }
            if q.locks
                .iter()
                .any(|l| matches!(l.nonblock, Some(ast::NonBlock::SkipLocked)))
            {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    "SKIP LOCKED and WITH TIES options cannot be used together",
                ));
            }
            if f.quantity.as_ref().is_some_and(null) {
                return Err(DbError::new(
                    SqlState::from_static("2201W"),
                    "row count cannot be null in FETCH FIRST ... WITH TIES clause",
                ));
            }
            with_ties = true;
        }
        // FETCH FIRST ROW ONLY means one row; FETCH FIRST NULL ROWS ONLY
        // means no limit, as LIMIT NULL does.
        limit = Some(
            f.quantity
                .clone()
                .unwrap_or_else(|| ast::Expr::value(ast::Value::Number("1".into(), false))),
        );
    }
    if limit.is_none() && offset.is_none() {
        return Ok(plan);
    }
    let limit = match limit {
        Some(ast::Expr::Value(v)) if matches!(v.value, ast::Value::Null) && !with_ties => None,
        Some(e) => Some(
            b.bind_expr(&e, &empty)
                .and_then(|x| b.coerce_to(x, &DataType::Int8))?,
        ),
        None => None,
    };
    let offset = match offset {
        Some(e) => Some(
            b.bind_expr(&e, &empty)
                .and_then(|x| b.coerce_to(x, &DataType::Int8))?,
        ),
        None => None,
    };
    limit_over(plan, limit, offset, with_ties)
}

/// The Limit node; WITH TIES goes right over the Sort (below the
/// projection that drops hidden sort columns) so it can compare keys.
fn limit_over(
    plan: Plan,
    limit: Option<Expr>,
    offset: Option<Expr>,
    with_ties: bool,
) -> DbResult<Plan> {
    match plan {
        Plan::Project {
            input,
            exprs,
            columns,
        } if with_ties && matches!(input.as_ref(), Plan::Sort { .. }) => Ok(Plan::Project {
            input: Box::new(limit_over(*input, limit, offset, with_ties)?),
            exprs,
            columns,
        }),
        plan => {
            let ties = match &plan {
                Plan::Sort { keys, .. } if with_ties => keys.clone(),
                _ if with_ties => {
                    return Err(DbError::not_supported("FETCH FIRST ... WITH TIES here"));
                }
                _ => Vec::new(),
            };
            Ok(Plan::Limit {
                input: Box::new(plan),
                limit,
                offset,
                ties,
            })
        }
    }
}

fn bind_set_expr(b: &mut Binder<'_>, e: &SetExpr) -> DbResult<Plan> {
    match e {
        SetExpr::Select(s) => bind_select(b, s, None),
        SetExpr::Query(q) => bind_query(b, q),
        SetExpr::Values(v) => {
            let rows: Vec<Vec<ast::Expr>> = v.rows.iter().map(|r| r.content.clone()).collect();
            bind_values(b, &rows, &[])
        }
        SetExpr::SetOperation {
            left,
            op,
            set_quantifier,
            right,
        } => {
            let l = bind_set_expr(b, left)?;
            let r = bind_set_expr(b, right)?;
            let (lc, rc) = (l.columns(), r.columns());
            if lc.len() != rc.len() {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    "each UNION query must have the same number of columns",
                ));
            }
            let mut types = Vec::new();
            for (a, c) in lc.iter().zip(&rc) {
                let t = crate::ops::common_type(&a.data_type, &c.data_type).ok_or_else(|| {
                    DbError::new(
                        SqlState::DATATYPE_MISMATCH,
                        format!(
                            "UNION types {} and {} cannot be matched",
                            a.data_type, c.data_type
                        ),
                    )
                })?;
                types.push(if t == DataType::Unknown {
                    DataType::Text
                } else {
                    t
                });
            }
            let l = conform(b, l, &types)?;
            let r = conform(b, r, &types)?;
            let op = match op {
                ast::SetOperator::Union => SetOpKind::Union,
                ast::SetOperator::Intersect => SetOpKind::Intersect,
                ast::SetOperator::Except => SetOpKind::Except,
                other => return Err(DbError::not_supported(format!("set operation {other}"))),
            };
            let all = matches!(set_quantifier, ast::SetQuantifier::All);
            Ok(Plan::SetOp {
                left: Box::new(l),
                right: Box::new(r),
                op,
                all,
            })
        }
        SetExpr::Table(t) => {
            let name = t.table_name.as_ref().map(ident).unwrap_or_default();
            let schema = t.schema_name.as_ref().map(ident);
            let table = b.table(schema.as_deref(), &name)?;
            let columns = table_columns(&table);
            Ok(Plan::Scan {
                table,
                access: Access::Full,
                columns,
            })
        }
        other => Err(DbError::not_supported(format!("query {other}"))),
    }
}

/// Projects a plan's columns to the given types (set operations).
fn conform(b: &mut Binder<'_>, plan: Plan, types: &[DataType]) -> DbResult<Plan> {
    let cols = plan.columns();
    if cols.iter().zip(types).all(|(c, t)| c.data_type == *t) {
        return Ok(plan);
    }
    let mut exprs = Vec::new();
    let mut out = Vec::new();
    for (i, (c, t)) in cols.iter().zip(types).enumerate() {
        exprs.push(b.coerce_to(Expr::Column(i, c.data_type.clone()), t)?);
        out.push(Column {
            data_type: t.clone(),
            ..c.clone()
        });
    }
    // Untyped literals in VALUES/SELECT: resolve constants in place.
    if let Plan::Values { rows, .. } = &plan {
        let mut new_rows = Vec::new();
        for r in rows {
            let mut nr = Vec::new();
            for (e, t) in r.iter().zip(types) {
                nr.push(b.coerce_to(e.clone(), t)?);
            }
            new_rows.push(nr);
        }
        return Ok(Plan::Values {
            rows: new_rows,
            columns: out,
        });
    }
    Ok(Plan::Project {
        input: Box::new(plan),
        exprs,
        columns: out,
    })
}

/// VALUES rows; `targets` gives column types when inserting.
pub fn bind_values(
    b: &mut Binder<'_>,
    rows: &[Vec<ast::Expr>],
    targets: &[DataType],
) -> DbResult<Plan> {
    let scope = Scope::default();
    let mut bound = Vec::new();
    for r in rows {
        let mut out = Vec::new();
        for (i, e) in r.iter().enumerate() {
            let x = b.bind_expr(e, &scope)?;
            out.push(match targets.get(i) {
                Some(t) => b.resolve(x, t).map_err(|err| super::expr::locate(err, e))?,
                None => x,
            });
        }
        if let Some(first) = bound.first() {
            let first: &Vec<Expr> = first;
            if first.len() != out.len() {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    "VALUES lists must all be the same length",
                ));
            }
        }
        bound.push(out);
    }
    let width = bound.first().map_or(0, Vec::len);
    let mut types = vec![DataType::Unknown; width];
    for r in &bound {
        for (t, e) in types.iter_mut().zip(r) {
            *t = crate::ops::common_type(t, &e.data_type()).ok_or_else(|| {
                DbError::new(
                    SqlState::DATATYPE_MISMATCH,
                    format!("VALUES types {t} and {} cannot be matched", e.data_type()),
                )
            })?;
        }
    }
    let types: Vec<DataType> = types
        .into_iter()
        .map(|t| {
            if t == DataType::Unknown && targets.is_empty() {
                DataType::Text
            } else {
                t
            }
        })
        .collect();
    let mut rows_out = Vec::new();
    for r in bound {
        let mut nr = Vec::new();
        for (e, t) in r.into_iter().zip(&types) {
            nr.push(if *t == DataType::Unknown {
                e
            } else {
                b.coerce_to(e, t)?
            });
        }
        rows_out.push(nr);
    }
    let columns = types
        .iter()
        .enumerate()
        .map(|(i, t)| Column::computed(format!("column{}", i + 1), t.clone()))
        .collect();
    Ok(Plan::Values {
        rows: rows_out,
        columns,
    })
}

/// Whether `e` calls an aggregate (outside subqueries); `is_aggregate`
/// tells aggregate names (built-in and user) apart.
fn contains_aggregate(
    e: &ast::Expr,
    is_aggregate: &dyn Fn(&str) -> bool,
    user_aggregates: bool,
) -> bool {
    let s = e.to_string().to_lowercase();
    // Cheap pre-check, then a structural walk.
    if ![
        "count(",
        "sum(",
        "avg(",
        "min(",
        "max(",
        "bool_and(",
        "bool_or(",
        "every(",
        "string_agg(",
        "array_agg(",
    ]
    .iter()
    .any(|f| s.contains(f))
        && !user_aggregates
    {
        return false;
    }
    let mut found = false;
    let _ = sqlparser::ast::visit_expressions(e, |x| {
        if let ast::Expr::Function(f) = x {
            let (_, name) = object_name(&f.name);
            if is_aggregate(&name) && f.over.is_none() {
                found = true;
            }
        }
        if let ast::Expr::Subquery(_) | ast::Expr::Exists { .. } = x {
            return std::ops::ControlFlow::Continue(());
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    found && !s.contains("select")
}

/// The name PostgreSQL gives an unaliased output column.
fn output_name(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Identifier(i) => ident(i),
        ast::Expr::CompoundIdentifier(p) => p.last().map(ident).unwrap_or_default(),
        ast::Expr::Function(f) => object_name(&f.name).1,
        ast::Expr::Cast {
            expr, data_type, ..
        } => match expr.as_ref() {
            ast::Expr::Identifier(_)
            | ast::Expr::CompoundIdentifier(_)
            | ast::Expr::Function(_) => output_name(expr),
            _ => type_output_name(data_type),
        },
        ast::Expr::Nested(x) => output_name(x),
        ast::Expr::CompoundFieldAccess { root, access_chain } => access_chain
            .iter()
            .rev()
            .find_map(|a| match a {
                ast::AccessExpr::Dot(ast::Expr::Identifier(i)) => Some(ident(i)),
                _ => None,
            })
            .unwrap_or_else(|| output_name(root)),
        // PostgreSQL names a CASE after its ELSE result when that has a
        // name of its own.
        ast::Expr::Case {
            else_result: Some(e),
            ..
        } => match output_name(e) {
            n if n == "?column?" || n == "case" => "case".into(),
            n => n,
        },
        ast::Expr::Case { .. } => "case".into(),
        ast::Expr::Exists { .. } => "exists".into(),
        ast::Expr::Array(_) => "array".into(),
        ast::Expr::Subquery(q) => match q.body.as_ref() {
            SetExpr::Select(s) => match s.projection.first() {
                Some(SelectItem::UnnamedExpr(e)) => output_name(e),
                Some(SelectItem::ExprWithAlias { alias, .. }) => ident(alias),
                _ => "?column?".into(),
            },
            _ => "?column?".into(),
        },
        ast::Expr::Extract { .. } => "extract".into(),
        ast::Expr::Substring { .. } => "substring".into(),
        ast::Expr::Position { .. } => "position".into(),
        ast::Expr::Trim { .. } => "btrim".into(),
        ast::Expr::Collate { expr, .. } => output_name(expr),
        ast::Expr::Value(v) if matches!(v.value, ast::Value::Boolean(_)) => "bool".into(),
        ast::Expr::TypedString(t) => type_output_name(&t.data_type),
        _ => "?column?".into(),
    }
}

/// The column name of a cast to `t`: the type's internal name; a user
/// type (not known without the catalog here) is named as written.
fn type_output_name(t: &ast::DataType) -> String {
    match (super::expr::data_type(t), t) {
        (Ok(t), _) => pg_type_name(&t),
        (Err(_), ast::DataType::Custom(name, _)) => match name.0.last() {
            Some(ast::ObjectNamePart::Identifier(i)) => crate::parse::ident(i),
            _ => "?column?".into(),
        },
        _ => "?column?".into(),
    }
}

/// PostgreSQL's internal type name (what `select 1::int` calls its column).
pub fn pg_type_name(t: &DataType) -> String {
    match t {
        DataType::Domain(d) => return d.name.clone(),
        DataType::Enum(e) => return e.name.clone(),
        DataType::Bool => "bool",
        DataType::Int2 => "int2",
        DataType::Int4 => "int4",
        DataType::Int8 => "int8",
        DataType::Float4 => "float4",
        DataType::Float8 => "float8",
        DataType::Numeric(_) => "numeric",
        DataType::Text => "text",
        DataType::Varchar(_) => "varchar",
        DataType::Char(_) => "bpchar",
        DataType::Name => "name",
        DataType::InternalChar => "char",
        DataType::Bytea => "bytea",
        DataType::Date => "date",
        DataType::Time => "time",
        DataType::Timestamp => "timestamp",
        DataType::Timestamptz => "timestamptz",
        DataType::Interval => "interval",
        DataType::Uuid => "uuid",
        DataType::Json => "json",
        DataType::Jsonb => "jsonb",
        DataType::Oid => "oid",
        DataType::Array(_) => "array",
        DataType::Unknown => "unknown",
        DataType::Cstring => "cstring",
        DataType::Bit(_) => "bit",
        DataType::User { name, .. } => return name.clone(),
    }
    .to_string()
}

fn bind_select(
    b: &mut Binder<'_>,
    s: &ast::Select,
    order_by: Option<&ast::OrderBy>,
) -> DbResult<Plan> {
    if let Some(into) = &s.into {
        return Err(crate::ddl::into_not_allowed(into));
    }
    // FROM
    let (mut plan, scope) = if s.from.is_empty() {
        (
            Plan::Values {
                rows: vec![vec![]],
                columns: vec![],
            },
            Scope::default(),
        )
    } else {
        let mut acc: Option<(Plan, Scope)> = None;
        for twj in &s.from {
            let (p, sc) = from_item(b, twj, acc.as_ref().map(|(_, s)| s))?;
            acc = Some(match acc {
                None => (p, sc),
                Some((lp, mut ls)) => {
                    ls.columns.extend(sc.columns);
                    (
                        Plan::Join {
                            left: Box::new(lp),
                            right: Box::new(p),
                            kind: JoinKind::Cross,
                            on: None,
                            lateral: matches!(
                                twj.relation,
                                ast::TableFactor::Derived { lateral: true, .. }
                            ),
                        },
                        ls,
                    )
                }
            });
        }
        acc.ok_or_else(|| DbError::internal("empty FROM"))?
    };
    // WHERE
    if let Some(w) = &s.selection {
        if b.contains_aggregate(w) {
            return Err(DbError::new(
                SqlState::GROUPING_ERROR,
                "aggregate functions are not allowed in WHERE",
            ));
        }
        let pred = b.without_srfs(super::srf::IN_WHERE, |b| b.bind_expr(w, &scope))?;
        let pred = b.coerce_to(pred, &DataType::Bool)?;
        plan = with_filter(plan, pred);
    }
    // Expand the select list.
    let mut items: Vec<(ast::Expr, String)> = Vec::new();
    let mut star_columns: Vec<(usize, usize)> = Vec::new();
    for item in &s.projection {
        match item {
            SelectItem::UnnamedExpr(e) => items.push((e.clone(), output_name(e))),
            SelectItem::ExprWithAlias { expr, alias } => items.push((expr.clone(), ident(alias))),
            SelectItem::ExprWithAliases { .. } => {
                return Err(DbError::not_supported(
                    "multiple aliases for one select item",
                ));
            }
            SelectItem::Wildcard(_) => {
                if scope.columns.is_empty() {
                    return Err(DbError::new(
                        SqlState::SYNTAX_ERROR,
                        "SELECT * with no tables specified is not valid",
                    ));
                }
                for (i, c) in scope.columns.iter().enumerate() {
                    star_columns.push((items.len(), i));
                    items.push((
                        ast::Expr::Identifier(ast::Ident::new(format!("\u{0}{i}"))),
                        c.name.clone(),
                    ));
                }
            }
            SelectItem::QualifiedWildcard(kind, _) => {
                let name = match kind {
                    ast::SelectItemQualifiedWildcardKind::ObjectName(n) => object_name(n).1,
                    ast::SelectItemQualifiedWildcardKind::Expr(e) => e.to_string(),
                };
                if !scope.has_table(&name) {
                    return Err(super::missing_from_entry(&[&scope], &name));
                }
                for (i, c) in scope.columns.iter().enumerate() {
                    if c.table.as_deref() == Some(name.as_str()) {
                        star_columns.push((items.len(), i));
                        items.push((
                            ast::Expr::Identifier(ast::Ident::new(format!("\u{0}{i}"))),
                            c.name.clone(),
                        ));
                    }
                }
            }
        }
    }
    let group_exprs_ast: Vec<ast::Expr> = match &s.group_by {
        ast::GroupByExpr::Expressions(e, _) => e.clone(),
        ast::GroupByExpr::All(_) => return Err(DbError::not_supported("GROUP BY ALL")),
    };
    let grouped = !group_exprs_ast.is_empty()
        || items.iter().any(|(e, _)| b.contains_aggregate(e))
        || s.having.as_ref().is_some_and(|h| b.contains_aggregate(h))
        || s.having.is_some();
    let bind_item = |b: &mut Binder<'_>, e: &ast::Expr, sc: &Scope| -> DbResult<Expr> {
        if let ast::Expr::Identifier(i) = e
            && let Some(rest) = i.value.strip_prefix('\u{0}')
        {
            let idx: usize = rest
                .parse()
                .map_err(|_| DbError::internal("bad star index"))?;
            let column = Expr::Column(idx, scope.columns[idx].ty.clone());
            if let Some(ctx) = &b.agg {
                // In a grouped query, * means the grouped columns.
                return match ctx.group_exprs.iter().position(|g| *g == column) {
                    Some(p) => Ok(Expr::Column(p, column.data_type())),
                    None => Err(DbError::new(
                        SqlState::GROUPING_ERROR,
                        format!(
                            "column \"{}\" must appear in the GROUP BY clause or be used in an aggregate function",
                            super::qualified_column_name(&scope.columns[idx])
                        ),
                    )),
                };
            }
            return Ok(column);
        }
        b.bind_expr(e, sc)
    };
    let mut columns_scope = scope.clone();
    if grouped {
        let names: Vec<&str> = items.iter().map(|(_, n)| n.as_str()).collect();
        check_order_names(b, order_by, &names, &scope)?;
        let mut group_exprs = Vec::new();
        for g in &group_exprs_ast {
            let input_column = |i: &ast::Ident| {
                scope
                    .find(None, &ident(i))
                    .map_err(|e| super::expr::locate(e, g))
            };
            if let Some(n) = position_literal(g) {
                let i = ordinal("GROUP BY", n, items.len(), g)?;
                group_exprs.push(bind_item(b, &items[i].0.clone(), &scope)?);
                continue;
            }
            let e = match g {
                ast::Expr::Identifier(i) if input_column(i)?.is_none() => {
                    match items.iter().position(|(_, n)| *n == ident(i)) {
                        Some(p) => bind_item(b, &items[p].0.clone(), &scope)?,
                        None => b.bind_expr(g, &scope)?,
                    }
                }
                other => b.bind_expr(other, &scope)?,
            };
            group_exprs.push(e);
        }
        b.agg = Some(AggContext {
            input: scope.clone(),
            group_exprs,
            aggs: Vec::new(),
        });
        columns_scope = Scope::default();
    }
    let input_width = if grouped { 0 } else { scope.columns.len() };
    b.windows = Some(Vec::new());
    b.window_base = input_width;
    b.srfs = Some(Vec::new());
    type Bound = (Vec<Expr>, Option<Expr>, Vec<OrderTarget>);
    let result = (|| -> DbResult<Bound> {
        let mut exprs = Vec::new();
        for (e, _) in &items {
            let x = bind_item(b, e, &scope)?;
            exprs.push(x);
        }
        let having = match &s.having {
            Some(h) => {
                let x = b.without_srfs(super::srf::IN_HAVING, |b| b.bind_expr(h, &scope))?;
                Some(b.coerce_to(x, &DataType::Bool)?)
            }
            None => None,
        };
        // ORDER BY: output positions and names, else expressions.
        let names: Vec<&str> = items.iter().map(|(_, n)| n.as_str()).collect();
        let mut keys = Vec::new();
        if let Some(ob) = order_by {
            for item in order_items(ob)? {
                let by_output = match position_literal(&item.expr) {
                    Some(n) => Some(ordinal("ORDER BY", n, items.len(), &item.expr)?),
                    None => output_by_name(&item.expr, &names, &exprs)?,
                };
                keys.push(match by_output {
                    Some(i) => OrderTarget::Output(i),
                    None => OrderTarget::Expr(b.bind_expr(&item.expr, &scope)?),
                });
            }
        }
        Ok((exprs, having, keys))
    })();
    let windows = b.windows.take().unwrap_or_default();
    let srfs = b.srfs.take().unwrap_or_default();
    let agg = b.agg.take();
    let (mut exprs, having, mut keys) = result?;
    let _ = &mut columns_scope;
    if let Some(ctx) = agg {
        let mut columns: Vec<Column> = ctx
            .group_exprs
            .iter()
            .enumerate()
            .map(|(i, e)| Column::computed(format!("group{i}"), e.data_type()))
            .collect();
        columns.extend(
            ctx.aggs
                .iter()
                .map(|a| Column::computed(a.name.clone(), a.ty.clone())),
        );
        if ctx.group_exprs.is_empty() && ctx.aggs.is_empty() {
            // HAVING without GROUP BY or aggregates: one group whatever
            // the input, so PostgreSQL never reads FROM or WHERE.
            plan = Plan::Values {
                rows: vec![vec![]],
                columns: vec![],
            };
        }
        plan = Plan::Aggregate {
            input: Box::new(plan),
            group_by: ctx.group_exprs,
            aggs: ctx.aggs,
            columns,
        };
        if let Some(h) = having {
            plan = Plan::Filter {
                input: Box::new(plan),
                predicate: h,
            };
        }
    }
    if !windows.is_empty() {
        let mut columns = plan.columns();
        columns.extend(
            windows
                .iter()
                .map(|w| Column::computed(w.name.clone(), w.ty.clone())),
        );
        plan = Plan::Window {
            input: Box::new(plan),
            calls: windows,
            columns,
        };
    }
    let key_exprs = keys.iter_mut().filter_map(|k| match k {
        OrderTarget::Expr(x) => Some(x),
        OrderTarget::Output(_) => None,
    });
    plan = super::srf::project_set(plan, srfs, exprs.iter_mut().chain(key_exprs));
    // Output columns.
    let mut out_columns = Vec::new();
    for ((e, name), x) in items.iter().zip(exprs.iter_mut()) {
        let mut col = Column::computed(name.clone(), x.data_type());
        if let Expr::Column(i, _) = x
            && !grouped
            && let Some(sc) = scope.columns.get(*i)
        {
            col.table_oid = sc.table_oid;
            col.column_id = sc.column_id;
        }
        if col.data_type == DataType::Unknown {
            col.data_type = DataType::Text;
            *x = b.coerce_to(x.clone(), &DataType::Text)?;
        }
        let _ = e;
        out_columns.push(col);
    }
    let visible = exprs.len();
    let distinct = match &s.distinct {
        None => false,
        Some(ast::Distinct::Distinct) => true,
        Some(ast::Distinct::All) => false,
        Some(ast::Distinct::On(_)) => return Err(DbError::not_supported("SELECT DISTINCT ON")),
    };
    let mut sort_keys = Vec::new();
    let items_order: Vec<&ast::OrderByExpr> = match order_by {
        Some(ob) => order_items(ob)?.iter().collect(),
        None => Vec::new(),
    };
    for (key, item) in keys.into_iter().zip(items_order) {
        let idx = match key {
            OrderTarget::Output(i) => i,
            OrderTarget::Expr(x) => match exprs[..visible].iter().position(|e| *e == x) {
                Some(i) => i,
                None if distinct => {
                    return Err(super::expr::locate(
                        DbError::new(
                            SqlState::INVALID_COLUMN_REFERENCE,
                            "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                        ),
                        &item.expr,
                    ));
                }
                None => {
                    out_columns.push(Column::computed("?sort?", x.data_type()));
                    exprs.push(x);
                    exprs.len() - 1
                }
            },
        };
        let ty = exprs[idx].data_type();
        sort_keys.push(sort_key(Expr::Column(idx, ty), &item.options));
    }
    let hidden = exprs.len() > visible;
    plan = Plan::Project {
        input: Box::new(plan),
        exprs,
        columns: out_columns.clone(),
    };
    if distinct {
        plan = Plan::Distinct {
            input: Box::new(plan),
        };
    }
    if !sort_keys.is_empty() {
        plan = Plan::Sort {
            input: Box::new(plan),
            keys: sort_keys,
        };
    }
    if hidden {
        let exprs = (0..visible)
            .map(|i| Expr::Column(i, out_columns[i].data_type.clone()))
            .collect();
        plan = Plan::Project {
            input: Box::new(plan),
            exprs,
            columns: out_columns[..visible].to_vec(),
        };
    }
    let _ = star_columns;
    Ok(plan)
}

impl Binder<'_> {
    /// Whether `e` calls a built-in or user aggregate.
    fn contains_aggregate(&self, e: &ast::Expr) -> bool {
        let user = !self.catalog.aggregates.is_empty();
        contains_aggregate(e, &|n| self.is_aggregate_name(n), user)
    }
}
