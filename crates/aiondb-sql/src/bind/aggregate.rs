//! Binding inside grouped and windowed queries: aggregate calls become
//! references to the Aggregate node's output, grouped expressions too, and
//! window calls become references to the Window node's columns.

use super::{Binder, Scope};
use crate::expr::Expr;
use crate::parse::{ident, object_name};
use crate::plan::{AggCall, SortKey, WindowCall};
use aiondb_core::{DataType, DbError, DbResult, SqlState};
use sqlparser::ast::{self, FunctionArg, FunctionArgExpr, FunctionArguments};

impl Binder<'_> {
    /// Binding inside a grouped query: aggregates become references to the
    /// Aggregate node's output, grouped expressions too.
    pub(super) fn bind_grouped(&mut self, e: &ast::Expr, scope: &Scope) -> DbResult<Expr> {
        if let ast::Expr::Function(f) = e {
            let (_, name) = object_name(&f.name);
            if self.is_aggregate_name(&name) && f.over.is_none() {
                return self.bind_aggregate(f, &name);
            }
        }
        // A grouped expression?
        let ctx = self.agg.take();
        let attempt = ctx.as_ref().map(|c| {
            let input = c.input.clone();
            let bound =
                self.without_srfs(super::srf::NOT_ALLOWED_HERE, |b| b.bind_plain(e, &input));
            (bound, c.group_exprs.clone())
        });
        self.agg = ctx;
        // PostgreSQL names an ungrouped table column with its table.
        let qualified = match (&attempt, &self.agg) {
            (Some((Ok(Expr::Column(i, _)), _)), Some(c)) => {
                c.input.columns.get(*i).map(super::qualified_column_name)
            }
            _ => None,
        };
        if let Some((Ok(bound), groups)) = attempt {
            if let Some(i) = groups.iter().position(|g| *g == bound) {
                return Ok(Expr::Column(i, bound.data_type()));
            }
            if bound.is_row_independent() || matches!(bound, Expr::Const(..)) {
                return Ok(bound);
            }
        }
        match e {
            ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) => {
                let name = qualified.unwrap_or_else(|| e.to_string());
                Err(DbError::new(
                    SqlState::GROUPING_ERROR,
                    format!(
                        "column \"{name}\" must appear in the GROUP BY clause or be used in an aggregate function"
                    ),
                ))
            }
            _ => self.bind_plain(e, scope),
        }
    }

    fn bind_aggregate(&mut self, f: &ast::Function, name: &str) -> DbResult<Expr> {
        let Some(ctx) = self.agg.take() else {
            return Err(DbError::internal("aggregate outside a grouped query"));
        };
        let input = ctx.input.clone();
        self.agg = None;
        let result = (|| -> DbResult<AggCall> {
            let (args, star, distinct, order_by) =
                self.without_srfs(super::srf::IN_AGGREGATE, |b| b.function_args(f, &input))?;
            if !crate::func::is_aggregate(name) {
                let (name, args, ty) = self.resolve_user_aggregate(name, args, star)?;
                return Ok(AggCall {
                    name,
                    args,
                    distinct,
                    star,
                    ty,
                    order_by,
                });
            }
            let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
            let ty = crate::func::aggregate_type(name, &types)?;
            let args = match name {
                "string_agg" => {
                    let mut a = Vec::new();
                    for x in args {
                        a.push(self.coerce_to(x, &DataType::Text)?);
                    }
                    a
                }
                _ => args,
            };
            Ok(AggCall {
                name: name.to_string(),
                args,
                distinct,
                star,
                ty,
                order_by,
            })
        })();
        let mut ctx = ctx;
        let call = match result {
            Ok(c) => c,
            Err(e) => {
                self.agg = Some(ctx);
                return Err(e);
            }
        };
        let ty = call.ty.clone();
        let idx = match ctx.aggs.iter().position(|a| *a == call) {
            Some(i) => i,
            None => {
                ctx.aggs.push(call);
                ctx.aggs.len() - 1
            }
        };
        let col = ctx.group_exprs.len() + idx;
        self.agg = Some(ctx);
        Ok(Expr::Column(col, ty))
    }

    pub(super) fn function_args(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
    ) -> DbResult<(Vec<Expr>, bool, bool, Vec<SortKey>)> {
        let mut args = Vec::new();
        let mut star = false;
        let mut distinct = false;
        let mut order_by = Vec::new();
        match &f.args {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(_) => {
                return Err(DbError::not_supported("subquery as function argument"));
            }
            FunctionArguments::List(list) => {
                distinct = matches!(
                    list.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                );
                let mut named: Vec<(usize, Expr)> = Vec::new();
                for a in &list.args {
                    match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) if named.is_empty() => {
                            args.push(self.bind_expr(e, scope)?)
                        }
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(_)) => {
                            return Err(DbError::new(
                                SqlState::SYNTAX_ERROR,
                                "positional argument cannot follow named argument",
                            ));
                        }
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => star = true,
                        FunctionArg::Named {
                            name: pname,
                            arg: FunctionArgExpr::Expr(e),
                            operator:
                                ast::FunctionArgOperator::RightArrow
                                | ast::FunctionArgOperator::Assignment,
                        }
                        | FunctionArg::ExprNamed {
                            name: ast::Expr::Identifier(pname),
                            arg: FunctionArgExpr::Expr(e),
                            operator:
                                ast::FunctionArgOperator::RightArrow
                                | ast::FunctionArgOperator::Assignment,
                        } if ident(pname) == crate::parse::VARIADIC_ARG => {
                            args.push(self.variadic_arg(e, scope)?);
                        }
                        FunctionArg::Named {
                            name: pname,
                            arg: FunctionArgExpr::Expr(e),
                            operator:
                                ast::FunctionArgOperator::RightArrow
                                | ast::FunctionArgOperator::Assignment,
                        }
                        | FunctionArg::ExprNamed {
                            name: ast::Expr::Identifier(pname),
                            arg: FunctionArgExpr::Expr(e),
                            operator:
                                ast::FunctionArgOperator::RightArrow
                                | ast::FunctionArgOperator::Assignment,
                        } => {
                            let (_, fname) = object_name(&f.name);
                            let pos = crate::func::param_position(&fname, &ident(pname))
                                .ok_or_else(|| {
                                    DbError::not_supported(format!("function argument {a}"))
                                })?;
                            named.push((pos, self.bind_expr(e, scope)?));
                        }
                        _ => return Err(DbError::not_supported(format!("function argument {a}"))),
                    }
                }
                named.sort_by_key(|(pos, _)| *pos);
                for (pos, e) in named {
                    if pos != args.len() {
                        // Skipping a parameter needs its default value.
                        return Err(DbError::not_supported(
                            "named arguments that skip a parameter",
                        ));
                    }
                    args.push(e);
                }
                for c in &list.clauses {
                    match c {
                        ast::FunctionArgumentClause::OrderBy(items) => {
                            for item in items {
                                order_by.push(SortKey {
                                    expr: crate::types::enum_type::sortable(
                                        self.bind_expr(&item.expr, scope)?,
                                    ),
                                    descending: crate::bind::desc(&item.options),
                                    nulls_first: item
                                        .options
                                        .nulls_first
                                        .unwrap_or(crate::bind::desc(&item.options)),
                                });
                            }
                        }
                        other => {
                            return Err(DbError::not_supported(format!("function clause {other}")));
                        }
                    }
                }
            }
        }
        Ok((args, star, distinct, order_by))
    }

    pub(super) fn window_function(
        &mut self,
        f: &ast::Function,
        name: &str,
        over: &ast::WindowType,
        scope: &Scope,
    ) -> DbResult<Expr> {
        let ast::WindowType::WindowSpec(spec) = over else {
            return Err(DbError::not_supported("named windows"));
        };
        if self.windows.is_none() {
            return Err(DbError::new(
                SqlState::from_static("42P20"),
                "window functions are not allowed here",
            ));
        }
        let (args, _, _, _) =
            self.without_srfs(super::srf::IN_WINDOW, |b| b.function_args(f, scope))?;
        let mut partition_by = Vec::new();
        for p in &spec.partition_by {
            partition_by.push(self.bind_expr(p, scope)?);
        }
        let mut order_by = Vec::new();
        for o in &spec.order_by {
            order_by.push(SortKey {
                expr: crate::types::enum_type::sortable(self.bind_expr(&o.expr, scope)?),
                descending: crate::bind::desc(&o.options),
                nulls_first: o
                    .options
                    .nulls_first
                    .unwrap_or(crate::bind::desc(&o.options)),
            });
        }
        let ty = DataType::Int8;
        let call = WindowCall {
            name: name.to_string(),
            args,
            partition_by,
            order_by,
            ty: ty.clone(),
        };
        let windows = self.windows.get_or_insert_with(Vec::new);
        windows.push(call);
        Ok(Expr::Column(self.window_base + windows.len() - 1, ty))
    }
}
