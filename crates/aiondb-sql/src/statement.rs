//! Describing and executing one statement.

use crate::bind::{Binder, bind_query};
use crate::dml::{BoundInsert, BoundModify};
use crate::exec::Executor;
use crate::output::{Column, Description, SqlContext, StatementOutput};
use crate::plan::Plan;
use aiondb_core::{DataType, DbError, DbResult, Value};
use sqlparser::ast::{self, Statement};
use std::collections::HashMap;
use std::sync::Arc;

enum Bound {
    Query(Plan),
    Insert(Box<BoundInsert>),
    Modify(Box<BoundModify>),
    /// Statements without parameters or result rows (DDL, EXPLAIN, COPY TO).
    Other,
}

fn bind(b: &mut Binder<'_>, stmt: &Statement) -> DbResult<Bound> {
    if let Some(on_base) = crate::view::rewrite_dml(b, stmt)? {
        return bind(b, &on_base);
    }
    Ok(match stmt {
        Statement::Query(q) if crate::ddl::is_select_into(q) => Bound::Other,
        Statement::Query(q) => Bound::Query(bind_query(b, q)?),
        Statement::Insert(i) => Bound::Insert(Box::new(crate::dml::bind_insert(b, i)?)),
        Statement::Update(u) => Bound::Modify(Box::new(crate::dml::bind_update(b, u)?)),
        Statement::Delete(d) => Bound::Modify(Box::new(crate::dml::bind_delete(b, d)?)),
        _ => Bound::Other,
    })
}

fn binder<'a>(ctx: &'a SqlContext<'_>, params: Vec<DataType>) -> Binder<'a> {
    let mut b = Binder::new(ctx.txn.catalog(), ctx.database, ctx.search_path, params);
    b.actor = Some(crate::privilege::Actor::of(ctx));
    b
}

/// Parameter and result types of a statement.
pub fn describe(
    ctx: &mut SqlContext<'_>,
    stmt: &Statement,
    hints: &[DataType],
) -> DbResult<Description> {
    let mut b = binder(ctx, hints.to_vec());
    // Describing runs nothing: an error constant folding would raise (say
    // `1 / 0`) waits for execution, as PostgreSQL's PREPARE does.
    b.unreachable += 1;
    let bound = bind(&mut b, stmt)?;
    let params = b.final_params();
    let columns = match bound {
        Bound::Query(p) => p.columns(),
        Bound::Insert(i) => i.returning.map(|(_, c)| c).unwrap_or_default(),
        Bound::Modify(m) => m.returning.map(|(_, c)| c).unwrap_or_default(),
        Bound::Other => match stmt {
            Statement::Explain { .. } => vec![Column::computed("QUERY PLAN", DataType::Text)],
            _ => Vec::new(),
        },
    };
    Ok(Description { params, columns })
}

pub(crate) fn executor<'b>(ctx: &'b mut SqlContext<'_>, params: &[Value]) -> Executor<'b> {
    let start_seq = ctx.txn.write_seq();
    Executor {
        start_seq,
        txn: ctx.txn,
        env: ctx.env,
        database: ctx.database,
        search_path: ctx.search_path,
        params: Arc::new(params.to_vec()),
        outer: Vec::new(),
        ctes: HashMap::new(),
        deadline: ctx.deadline,
        cancel: ctx.cancel.clone(),
        statement_time: crate::exec::now_micros(),
        format: ctx.format.clone(),
        once: HashMap::new(),
        once_sets: HashMap::new(),
        notices: &mut *ctx.notices,
        check_nested: ctx.check_nested,
        stats: None,
    }
}

/// Executes a statement with bound parameter values.
pub fn execute(
    ctx: &mut SqlContext<'_>,
    stmt: &Statement,
    params: &[Value],
) -> DbResult<StatementOutput> {
    let hints: Vec<DataType> = params.iter().map(|_| DataType::Unknown).collect();
    execute_typed(ctx, stmt, params, hints, &Variables::default())
}

/// Names a statement run by PL/pgSQL or a SQL function may use for its
/// parameters (see `Binder::variables`).
#[derive(Default)]
pub(crate) struct Variables {
    pub names: Vec<(String, usize)>,
    pub conflict_is_error: bool,
}

/// Executes a statement whose parameters have known types (PL/pgSQL
/// variables substituted as parameters).
pub(crate) fn execute_typed(
    ctx: &mut SqlContext<'_>,
    stmt: &Statement,
    params: &[Value],
    hints: Vec<DataType>,
    variables: &Variables,
) -> DbResult<StatementOutput> {
    let mut b = binder(ctx, hints);
    b.variables = variables.names.clone();
    b.variable_conflict_error = variables.conflict_is_error;
    let bound = bind(&mut b, stmt)?;
    drop(b);
    match bound {
        Bound::Other => other(ctx, stmt),
        bound => run_bound(ctx, &bound, params),
    }
}

/// A statement bound against one catalog, database, search_path and set
/// of parameter type hints: what [`execute_bound`] runs. Binding reads
/// nothing else (no session setting, no user, no table data; literals are
/// parsed with the default format options), so the bound statement is
/// valid as long as those four are unchanged. Opaque outside this crate.
pub struct BoundStatement {
    bound: Bound,
}

impl std::fmt::Debug for BoundStatement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.bound {
            Bound::Query(_) => "BoundStatement::Query",
            Bound::Insert(_) => "BoundStatement::Insert",
            Bound::Modify(_) => "BoundStatement::Modify",
            Bound::Other => "BoundStatement::Other",
        })
    }
}

impl BoundStatement {
    /// The result columns the statement returns (empty when none).
    pub fn columns(&self) -> Vec<Column> {
        match &self.bound {
            Bound::Query(p) => p.columns(),
            Bound::Insert(i) => i
                .returning
                .as_ref()
                .map(|(_, c)| c.clone())
                .unwrap_or_default(),
            Bound::Modify(m) => m
                .returning
                .as_ref()
                .map(|(_, c)| c.clone())
                .unwrap_or_default(),
            Bound::Other => Vec::new(),
        }
    }
}

/// Binds a SELECT/VALUES, INSERT, UPDATE or DELETE (as [`execute`] does
/// before running it) against `ctx`'s catalog, database and search_path,
/// with `param_types` as parameter type hints (`DataType::Unknown` where
/// inferred). `None` for any other statement (DDL, EXPLAIN, COPY,
/// SELECT INTO): those bind as they run and are never kept.
pub fn bind_statement(
    ctx: &SqlContext<'_>,
    stmt: &Statement,
    param_types: &[DataType],
) -> DbResult<Option<BoundStatement>> {
    let mut b = binder(ctx, param_types.to_vec());
    Ok(match bind(&mut b, stmt)? {
        Bound::Other => None,
        bound => Some(BoundStatement { bound }),
    })
}

/// Runs a statement bound by [`bind_statement`] with parameter values,
/// exactly as [`execute`] runs it after binding.
pub fn execute_bound(
    ctx: &mut SqlContext<'_>,
    stmt: &BoundStatement,
    params: &[Value],
) -> DbResult<StatementOutput> {
    run_bound(ctx, &stmt.bound, params)
}

fn run_bound(
    ctx: &mut SqlContext<'_>,
    bound: &Bound,
    params: &[Value],
) -> DbResult<StatementOutput> {
    match bound {
        Bound::Query(plan) => {
            let columns = plan.columns();
            let mut exec = executor(ctx, params);
            let rows = exec.run(plan)?;
            let tag = format!("SELECT {}", rows.len());
            Ok(StatementOutput::Rows {
                columns: Arc::new(columns),
                rows,
                tag,
            })
        }
        Bound::Insert(ins) => {
            let mut exec = executor(ctx, params);
            let (n, rows) = crate::dml::run_insert(&mut exec, ins)?;
            let tag = format!("INSERT 0 {n}");
            Ok(match &ins.returning {
                Some((_, cols)) => StatementOutput::Rows {
                    columns: Arc::new(cols.clone()),
                    rows,
                    tag,
                },
                None => StatementOutput::Command { tag },
            })
        }
        Bound::Modify(m) => {
            let mut exec = executor(ctx, params);
            let (n, rows) = crate::dml::run_modify(&mut exec, m)?;
            let tag = format!("{} {n}", if m.delete { "DELETE" } else { "UPDATE" });
            Ok(match &m.returning {
                Some((_, cols)) => StatementOutput::Rows {
                    columns: Arc::new(cols.clone()),
                    rows,
                    tag,
                },
                None => StatementOutput::Command { tag },
            })
        }
        Bound::Other => Err(DbError::internal("unbound statement run as bound")),
    }
}

fn command(tag: &str) -> DbResult<StatementOutput> {
    Ok(StatementOutput::Command {
        tag: tag.to_string(),
    })
}

fn other(ctx: &mut SqlContext<'_>, stmt: &Statement) -> DbResult<StatementOutput> {
    match stmt {
        Statement::CreateTable(ct) => command(&crate::ddl::create_table(ctx, ct)?),
        Statement::Query(q) => command(&crate::ddl::select_into(ctx, q)?),
        Statement::CreateIndex(ci) => command(&crate::ddl::create_index(ctx, ci)?),
        Statement::CreateView(cv) => command(&crate::view::create_view(ctx, cv)?),
        Statement::CreateSchema {
            schema_name,
            if_not_exists,
            or_replace: false,
            with: None,
            options: None,
            default_collate_spec: None,
            clone: None,
        } => command(&crate::namespace::create_schema(
            ctx,
            schema_name,
            *if_not_exists,
        )?),
        Statement::Drop {
            object_type: ast::ObjectType::Schema,
            if_exists,
            names,
            cascade,
            ..
        } => command(&crate::namespace::drop_schemas(
            ctx, names, *if_exists, *cascade,
        )?),
        Statement::CreateDomain(cd) => command(&crate::ddl::domain::create_domain(ctx, cd)?),
        Statement::DropDomain(dd) => command(&crate::ddl::user_type::drop_types(
            ctx,
            std::slice::from_ref(&dd.name),
            dd.if_exists,
            matches!(dd.drop_behavior, Some(ast::DropBehavior::Cascade)),
            true,
        )?),
        Statement::CreateType {
            name,
            representation: Some(ast::UserDefinedTypeRepresentation::Enum { labels }),
        } => command(&crate::ddl::user_type::create_enum(ctx, name, labels)?),
        Statement::Drop {
            object_type: ast::ObjectType::Type,
            if_exists,
            names,
            cascade,
            ..
        } if names.iter().all(|n| {
            crate::user_types::find_type(&ctx.txn.catalog(), ctx.database, ctx.search_path, n)
                .is_none()
        }) =>
        {
            // Domains and enums (base types go to crate::user_types below).
            command(&crate::ddl::user_type::drop_types(
                ctx, names, *if_exists, *cascade, false,
            )?)
        }
        Statement::CreateOperator(co) => command(&crate::ddl::operator::create_operator(ctx, co)?),
        Statement::DropOperator(d) => command(&crate::ddl::operator::drop_operators(ctx, d)?),
        Statement::Drop {
            object_type: ast::ObjectType::Type,
            if_exists,
            names,
            cascade,
            ..
        } => command(&crate::user_types::drop_types(
            ctx, names, *if_exists, *cascade,
        )?),
        Statement::CreateType {
            name,
            representation,
        } => command(&crate::user_types::create_type(
            ctx,
            name,
            representation.as_ref(),
        )?),
        Statement::Drop {
            object_type: ast::ObjectType::View,
            if_exists,
            names,
            ..
        } => command(&crate::view::drop_views(ctx, names, *if_exists)?),
        Statement::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            ..
        } => command(&crate::ddl::drop(
            ctx,
            object_type,
            *if_exists,
            names,
            *cascade,
        )?),
        Statement::Grant(g) => command(&crate::privilege::grant::grant(ctx, g)?),
        Statement::Revoke(r) => command(&crate::privilege::grant::revoke(ctx, r)?),
        Statement::AlterDefaultPrivileges(a) => {
            command(&crate::privilege::grant::alter_default_privileges(ctx, a)?)
        }
        Statement::CreateFunction(cf) => command(&crate::udf::create_function(ctx, cf)?),
        Statement::DropFunction(df) => command(&crate::udf::drop_function(ctx, df)?),
        Statement::Truncate(t) => command(&crate::ddl::truncate(ctx, t)?),
        Statement::AlterTable(at) => command(&crate::ddl::alter_table(ctx, at)?),
        Statement::CreateSequence {
            name,
            if_not_exists,
            sequence_options,
            temporary,
            ..
        } => command(&crate::ddl::create_sequence(
            ctx,
            name,
            *temporary,
            *if_not_exists,
            sequence_options,
        )?),
        Statement::Explain { statement, .. } => {
            let options = crate::explain::options(stmt)?;
            if let Some(r) = crate::explain::explain_create_as(ctx, statement, options) {
                return r;
            }
            let mut b = binder(ctx, Vec::new());
            let bound = bind(&mut b, statement)?;
            drop(b);
            let lines = match bound {
                Bound::Query(plan) if options.analyze => {
                    let mut exec = executor(ctx, &[]);
                    exec.stats = Some(HashMap::new());
                    exec.run(&plan)?;
                    let stats = exec.stats.take().unwrap_or_default();
                    crate::explain::render(&plan, Some(&stats))
                }
                Bound::Query(plan) => crate::explain::render(&plan, None),
                Bound::Modify(m) if !options.analyze => {
                    let plan = Plan::Scan {
                        columns: Vec::new(),
                        access: m.access.clone(),
                        table: m.table.clone(),
                    };
                    crate::explain::render(&plan, None)
                }
                _ => {
                    return Err(DbError::not_supported(format!(
                        "EXPLAIN{} of this statement",
                        if options.analyze { " ANALYZE" } else { "" }
                    )));
                }
            };
            Ok(crate::explain::output(lines))
        }
        Statement::Copy {
            source: ast::CopySource::Query(q),
            ..
        } if crate::ddl::top_level_into(q).is_some() => Err(DbError::not_supported(
            "COPY (SELECT INTO) is not supported",
        )),
        Statement::Copy {
            source,
            to: true,
            target: ast::CopyTarget::Stdout,
            options,
            legacy_options,
            ..
        } => {
            let query: ast::Query = match source {
                ast::CopySource::Query(q) => (**q).clone(),
                ast::CopySource::Table {
                    table_name,
                    columns,
                } => {
                    let cols = if columns.is_empty() {
                        "*".to_string()
                    } else {
                        columns
                            .iter()
                            .map(|c| c.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let sql = format!("SELECT {cols} FROM {table_name}");
                    match crate::parse::parse(&sql)?.pop() {
                        Some(crate::parse::Command::Sql(s)) => match *s {
                            Statement::Query(q) => *q,
                            _ => return Err(DbError::internal("COPY rewrite")),
                        },
                        _ => return Err(DbError::internal("COPY rewrite")),
                    }
                }
            };
            let mut b = binder(ctx, Vec::new());
            let plan = bind_query(&mut b, &query)?;
            drop(b);
            let types: Vec<DataType> = plan.columns().iter().map(|c| c.data_type.clone()).collect();
            let format = ctx.format.clone();
            let mut exec = executor(ctx, &[]);
            let rows = exec.run(&plan)?;
            crate::copy::copy_out(rows, &types, options, legacy_options, &format)
        }
        Statement::Copy {
            source,
            to: false,
            target: ast::CopyTarget::File { filename },
            options,
            legacy_options,
            ..
        } => crate::copy::copy_from_file(ctx, source, filename, options, legacy_options),
        Statement::Copy { .. } => Err(DbError::not_supported(
            "COPY to or from a file; use STDIN/STDOUT",
        )),
        other => Err(DbError::not_supported(format!(
            "statement {}",
            first_words(&other.to_string())
        ))),
    }
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}
