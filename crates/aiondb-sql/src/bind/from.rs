//! Binding FROM: tables, views of the catalog, CTEs, derived tables,
//! table functions and joins; choosing an index access path for a filter.

use super::query::bind_query;
use super::{Binder, Scope, table_columns};
use crate::expr::{BinOp, Expr};
use crate::output::Column;
use crate::parse::{ident, object_name};
use crate::plan::{Access, JoinKind, Plan};
use aiondb_core::{DataType, DbError, DbResult, SqlState};
use sqlparser::ast::{self, JoinConstraint, JoinOperator, TableFactor};

/// Adds a filter, choosing an index access path for a single-table scan
/// and pushing conjuncts into a chain of inner joins (`join_filter`).
pub(crate) fn with_filter(plan: Plan, pred: Expr) -> Plan {
    // A predicate folded to false or NULL keeps no row: the input is
    // never read (PostgreSQL's One-Time Filter: false).
    let folded = match &pred {
        Expr::Const(v, _) => Some(v.clone()),
        e if e.is_plan_constant() => e
            .eval(&Vec::new(), &mut crate::expr::EvalEnv::constant())
            .ok(),
        _ => None,
    };
    if let Some(aiondb_core::Value::Bool(false) | aiondb_core::Value::Null) = folded {
        return Plan::Filter {
            input: Box::new(plan),
            predicate: Expr::Const(aiondb_core::Value::Bool(false), aiondb_core::DataType::Bool),
        };
    }
    if super::join_filter::is_inner_chain(&plan) {
        return super::join_filter::push_into_joins(plan, &pred);
    }
    if let Plan::Scan {
        table,
        access: Access::Full,
        columns,
    } = &plan
    {
        let mut conj = Vec::new();
        conjuncts(&pred, &mut conj);
        let eq = |col: usize| -> Option<Expr> {
            conj.iter().find_map(|c| match c {
                Expr::Binary {
                    op: BinOp::Eq,
                    left,
                    right,
                    ..
                } => match (left.as_ref(), right.as_ref()) {
                    (Expr::Column(i, _), v) | (v, Expr::Column(i, _))
                        if *i == col && v.is_constant_per_execution() =>
                    {
                        Some(v.clone())
                    }
                    _ => None,
                },
                _ => None,
            })
        };
        let access = if !table.primary_key.is_empty()
            && table.primary_key.iter().all(|&c| eq(c).is_some())
        {
            Some(Access::PrimaryKey(
                table.primary_key.iter().filter_map(|&c| eq(c)).collect(),
            ))
        } else {
            let mut best: Option<(&aiondb_storage::IndexSchema, Vec<Expr>)> = None;
            for ix in &table.indexes {
                if ix.columns.iter().all(|&c| eq(c).is_some()) {
                    let better = match &best {
                        None => true,
                        Some((b, _)) => {
                            (ix.unique && !b.unique) || ix.columns.len() > b.columns.len()
                        }
                    };
                    if better {
                        best = Some((ix, ix.columns.iter().filter_map(|&c| eq(c)).collect()));
                    }
                }
            }
            best.map(|(ix, v)| Access::IndexEq(ix.id, v))
        };
        if let Some(access) = access {
            let scan = Plan::Scan {
                table: table.clone(),
                access,
                columns: columns.clone(),
            };
            return Plan::Filter {
                input: Box::new(scan),
                predicate: pred,
            };
        }
    }
    Plan::Filter {
        input: Box::new(plan),
        predicate: pred,
    }
}

pub(crate) fn conjuncts(e: &Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::Binary {
            op: BinOp::And,
            left,
            right,
            ..
        } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        other => out.push(other.clone()),
    }
}

/// Renames columns by a `AS t(a, b)` alias list; more names than columns is
/// PostgreSQL's 42P10.
fn alias_columns(mut cols: Vec<Column>, alias: Option<&ast::TableAlias>) -> DbResult<Vec<Column>> {
    if let Some(a) = alias {
        if a.columns.len() > cols.len() {
            return Err(DbError::new(
                SqlState::INVALID_COLUMN_REFERENCE,
                format!(
                    "table \"{}\" has {} columns available but {} columns specified",
                    ident(&a.name),
                    cols.len(),
                    a.columns.len()
                ),
            ));
        }
        for (c, n) in cols.iter_mut().zip(&a.columns) {
            c.name = ident(&n.name);
        }
    }
    Ok(cols)
}

/// Binds one FROM item with its joins.
pub(crate) fn from_item(
    b: &mut Binder<'_>,
    twj: &ast::TableWithJoins,
    left_scope: Option<&Scope>,
) -> DbResult<(Plan, Scope)> {
    let (mut plan, mut scope) = table_factor(b, &twj.relation, left_scope)?;
    for j in &twj.joins {
        let lateral_scope = scope.clone();
        let (rp, rs) = table_factor(b, &j.relation, Some(&lateral_scope))?;
        let lateral = matches!(&j.relation, TableFactor::Derived { lateral: true, .. });
        let (kind, constraint) = match &j.join_operator {
            JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinKind::Inner, Some(c)),
            JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinKind::Left, Some(c)),
            JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinKind::Right, Some(c)),
            JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
            JoinOperator::CrossJoin(_) => (JoinKind::Cross, None),
            other => return Err(DbError::not_supported(format!("join {other:?}"))),
        };
        if lateral && matches!(kind, JoinKind::Right | JoinKind::Full) {
            return Err(DbError::not_supported("RIGHT/FULL JOIN LATERAL"));
        }
        let mut combined = scope.clone();
        combined.columns.extend(rs.columns.clone());
        let on = match constraint {
            Some(JoinConstraint::On(e)) => {
                let x = b.bind_expr(e, &combined)?;
                Some(b.coerce_to(x, &DataType::Bool)?)
            }
            Some(JoinConstraint::Using(cols)) => {
                let mut pred: Option<Expr> = None;
                for c in cols {
                    let name = object_name(c).1;
                    let li = scope.find(None, &name)?.ok_or_else(|| DbError::new(SqlState::UNDEFINED_COLUMN, format!("column \"{name}\" specified in USING clause does not exist in left table")))?;
                    let ri = rs.find(None, &name)?.ok_or_else(|| DbError::new(SqlState::UNDEFINED_COLUMN, format!("column \"{name}\" specified in USING clause does not exist in right table")))?;
                    let eq = Expr::Binary {
                        op: BinOp::Eq,
                        left: Box::new(Expr::Column(li, scope.columns[li].ty.clone())),
                        right: Box::new(Expr::Column(
                            scope.columns.len() + ri,
                            rs.columns[ri].ty.clone(),
                        )),
                        ty: DataType::Bool,
                    };
                    pred = Some(match pred {
                        None => eq,
                        Some(p) => Expr::Binary {
                            op: BinOp::And,
                            left: Box::new(p),
                            right: Box::new(eq),
                            ty: DataType::Bool,
                        },
                    });
                }
                pred
            }
            Some(JoinConstraint::None) | None => None,
            Some(other) => {
                return Err(DbError::not_supported(format!("join constraint {other:?}")));
            }
        };
        plan = Plan::Join {
            left: Box::new(plan),
            right: Box::new(rp),
            kind,
            on,
            lateral,
        };
        scope = combined;
    }
    Ok((plan, scope))
}

/// A view read in FROM: its definition bound in a scope of its own, under
/// the view's column names.
fn view_ref(
    b: &mut Binder<'_>,
    view: &aiondb_storage::ViewSchema,
    alias: Option<&ast::TableAlias>,
    alias_name: &str,
) -> DbResult<(Plan, Scope)> {
    let query = crate::view::definition(view)?;
    let outer = std::mem::take(&mut b.outer);
    let ctes = std::mem::take(&mut b.ctes);
    let plan = bind_query(b, &query);
    b.outer = outer;
    b.ctes = ctes;
    let plan = plan?;
    let mut columns = plan.columns();
    for (c, v) in columns.iter_mut().zip(&view.columns) {
        c.name = v.name.clone();
    }
    let columns = alias_columns(columns, alias)?;
    let scope = Scope::of_relation(&columns, alias_name, &view.name);
    let plan = Plan::Project {
        exprs: columns
            .iter()
            .enumerate()
            .map(|(i, c)| Expr::Column(i, c.data_type.clone()))
            .collect(),
        input: Box::new(plan),
        columns,
    };
    Ok((plan, scope))
}

fn table_factor(
    b: &mut Binder<'_>,
    f: &TableFactor,
    left: Option<&Scope>,
) -> DbResult<(Plan, Scope)> {
    match f {
        TableFactor::Table {
            name,
            alias,
            args: Some(args),
            ..
        } => {
            let (_, fname) = object_name(name);
            let empty = Scope::default();
            let mut bound = Vec::new();
            for a in &args.args {
                match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                        bound.push(b.bind_expr(e, left.unwrap_or(&empty))?)
                    }
                    other => {
                        return Err(DbError::not_supported(format!("function argument {other}")));
                    }
                }
            }
            let types: Vec<DataType> = bound.iter().map(Expr::data_type).collect();
            let alias_name = alias
                .as_ref()
                .map(|a| ident(&a.name))
                .unwrap_or_else(|| fname.clone());
            let col_name = alias
                .as_ref()
                .and_then(|a| a.columns.first().map(|c| ident(&c.name)))
                .unwrap_or_else(|| alias_name.clone());
            let ty = match crate::func::table_function_type(&fname, &types) {
                Ok(ty) => ty,
                Err(e) if crate::func::return_type(&fname, &types).is_err() => return Err(e),
                Err(_) => {
                    // A scalar function in FROM: one row holding its result.
                    let call = b.call(&fname, bound)?;
                    let columns = vec![Column::computed(col_name, call.data_type())];
                    let scope = Scope::of(&columns, Some(&alias_name));
                    let plan = Plan::Values {
                        rows: vec![vec![call]],
                        columns,
                    };
                    return Ok((plan, scope));
                }
            };
            let mut resolved = Vec::new();
            for e in bound {
                resolved.push(b.resolve(e, &ty)?);
            }
            let columns = vec![Column::computed(col_name, ty)];
            let scope = Scope::of(&columns, Some(&alias_name));
            Ok((
                Plan::Function {
                    name: fname,
                    args: resolved,
                    columns,
                },
                scope,
            ))
        }
        TableFactor::Table { name, alias, .. } => {
            let (schema, rel) = object_name(name);
            let alias_name = alias
                .as_ref()
                .map(|a| ident(&a.name))
                .unwrap_or_else(|| rel.clone());
            if schema.is_none()
                && let Some((_, cols)) = b.ctes.iter().rev().find(|(n, _)| *n == rel)
            {
                let columns = alias_columns(cols.clone(), alias.as_ref())?;
                let scope = Scope::of_relation(&columns, &alias_name, &rel);
                return Ok((Plan::CteRef { name: rel, columns }, scope));
            }
            if b.find_table(schema.as_deref(), &rel)?.is_none()
                && let Some(view) = b.find_view(schema.as_deref(), &rel)
            {
                return view_ref(b, &view, alias.as_ref(), &alias_name);
            }
            let system = match schema.as_deref() {
                Some("pg_catalog") | Some("information_schema") => {
                    crate::catalog::system_columns(schema.as_deref(), &rel)
                }
                None if b.find_table(None, &rel)?.is_none() => {
                    crate::catalog::system_columns(None, &rel)
                }
                _ => None,
            };
            if let Some(cols) = system {
                let columns = alias_columns(cols, alias.as_ref())?;
                let scope = Scope::of_relation(&columns, &alias_name, &rel);
                let key = match schema.as_deref() {
                    Some("information_schema") => format!("information_schema.{rel}"),
                    _ => rel,
                };
                return Ok((Plan::System { name: key, columns }, scope));
            }
            let table = b.table_named(name)?;
            b.check_privilege(&table, crate::privilege::SELECT)?;
            let columns = alias_columns(table_columns(&table), alias.as_ref())?;
            let scope = Scope::of_relation(&columns, &alias_name, &rel);
            Ok((
                Plan::Scan {
                    table,
                    access: Access::Full,
                    columns,
                },
                scope,
            ))
        }
        TableFactor::Derived {
            lateral,
            subquery,
            alias,
            ..
        } => {
            if *lateral {
                b.outer.push(left.cloned().unwrap_or_default());
            }
            let plan = bind_query(b, subquery);
            if *lateral {
                b.outer.pop();
            }
            let plan = plan?;
            let alias_name = alias.as_ref().map(|a| ident(&a.name));
            let columns = alias_columns(plan.columns(), alias.as_ref())?;
            let scope = Scope::of(&columns, alias_name.as_deref());
            let plan = Plan::Project {
                exprs: columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Expr::Column(i, c.data_type.clone()))
                    .collect(),
                input: Box::new(plan),
                columns,
            };
            Ok((plan, scope))
        }
        TableFactor::NestedJoin {
            table_with_joins,
            alias,
        } => {
            let (p, mut s) = from_item(b, table_with_joins, left)?;
            if let Some(a) = alias {
                let n = ident(&a.name);
                for c in &mut s.columns {
                    c.table = Some(n.clone());
                    c.relation = None;
                }
            }
            Ok((p, s))
        }
        other => Err(DbError::not_supported(format!("FROM item {other}"))),
    }
}
