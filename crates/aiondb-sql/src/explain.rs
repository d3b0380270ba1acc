//! EXPLAIN [ANALYZE] [(options)] statement: the plan as text lines, and
//! with ANALYZE the statement run with each node's row count.
//!
//! Lines follow PostgreSQL's text format: a node per line, children
//! under `->  ` indented six columns deeper than their parent's name.
//! A projection is no node of its own (PostgreSQL computes target lists
//! inside the node below). ANALYZE adds `(actual rows=N loops=L)` (rows
//! per loop) or `(never executed)`; timing is not measured, so TIMING
//! must be off, and SUMMARY prints no times either.
//!
//! Explained are queries, UPDATE/DELETE (without ANALYZE), and CREATE
//! TABLE AS / SELECT INTO, which with ANALYZE create and fill the table.

use crate::output::{Column, SqlContext, StatementOutput};
use crate::plan::Plan;
use aiondb_core::{DataType, DbError, DbResult, Value};
use sqlparser::ast::{self, Statement};
use std::collections::HashMap;
use std::sync::Arc;

/// What EXPLAIN ANALYZE counted for one plan node.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeStats {
    pub rows: u64,
    pub loops: u64,
}

/// The EXPLAIN options AionDB honours.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExplainOptions {
    pub analyze: bool,
}

/// A CREATE TABLE AS asked to explain itself: what it should do and the
/// lines it produced (none when IF NOT EXISTS found the table).
#[derive(Debug, Default)]
pub struct ExplainRequest {
    pub options: ExplainOptions,
    pub lines: Vec<String>,
}

fn option_flag(o: &ast::UtilityOption) -> DbResult<bool> {
    match &o.arg {
        None => Ok(true),
        Some(ast::Expr::Value(v)) => match &v.value {
            ast::Value::Boolean(b) => Ok(*b),
            ast::Value::Number(n, _) => Ok(n != "0"),
            ast::Value::SingleQuotedString(s) => parse_flag(o, s),
            _ => Err(bad_value(o)),
        },
        Some(ast::Expr::Identifier(i)) => parse_flag(o, &i.value),
        Some(_) => Err(bad_value(o)),
    }
}

fn parse_flag(o: &ast::UtilityOption, s: &str) -> DbResult<bool> {
    match s.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        _ => Err(bad_value(o)),
    }
}

fn bad_value(o: &ast::UtilityOption) -> DbError {
    DbError::new(
        aiondb_core::SqlState::INVALID_PARAMETER_VALUE,
        format!(
            "{} requires a Boolean value",
            o.name.value.to_ascii_uppercase()
        ),
    )
}

/// The options of an EXPLAIN statement; one AionDB cannot honour is
/// refused (0A000) rather than ignored.
pub fn options(stmt: &Statement) -> DbResult<ExplainOptions> {
    let Statement::Explain {
        analyze,
        verbose,
        format,
        options,
        ..
    } = stmt
    else {
        return Err(DbError::internal("not an EXPLAIN"));
    };
    if *verbose || format.is_some() {
        return Err(DbError::not_supported("EXPLAIN VERBOSE or FORMAT"));
    }
    let mut out = ExplainOptions { analyze: *analyze };
    let mut timing = None;
    for o in options.iter().flatten() {
        let on = option_flag(o)?;
        match o.name.value.to_ascii_lowercase().as_str() {
            "analyze" => out.analyze = on,
            "timing" => timing = Some(on),
            // Costs are not estimated and no summary times are taken:
            // either setting prints the same.
            "costs" | "summary" => {}
            "verbose" | "buffers" | "wal" | "settings" if !on => {}
            other => {
                return Err(DbError::not_supported(format!(
                    "EXPLAIN option {}",
                    other.to_ascii_uppercase()
                )));
            }
        }
    }
    // Times are not measured: an explicit TIMING ON is refused; plain
    // EXPLAIN ANALYZE runs and prints its lines without times.
    if out.analyze && timing == Some(true) {
        return Err(DbError::not_supported("EXPLAIN (ANALYZE, TIMING)"));
    }
    Ok(out)
}

/// The lines of `plan`: with `stats` (EXPLAIN ANALYZE) each node's
/// counts, `(never executed)` for a node that did not run.
pub fn render(plan: &Plan, stats: Option<&HashMap<usize, NodeStats>>) -> Vec<String> {
    let mut out = Vec::new();
    let suffix = |node: &Plan| -> String {
        let Some(stats) = stats else {
            return String::new();
        };
        match stats.get(&(node as *const Plan as usize)) {
            Some(s) if s.loops > 0 => format!(
                " (actual rows={} loops={})",
                (s.rows as f64 / s.loops as f64).round() as u64,
                s.loops
            ),
            _ => " (never executed)".into(),
        }
    };
    plan.explain_with(0, &mut out, &suffix);
    out
}

/// The EXPLAIN result set.
pub fn output(lines: Vec<String>) -> StatementOutput {
    StatementOutput::Rows {
        columns: Arc::new(vec![Column::computed("QUERY PLAN", DataType::Text)]),
        rows: lines.into_iter().map(|l| vec![Value::Text(l)]).collect(),
        tag: "EXPLAIN".into(),
    }
}

/// EXPLAIN of CREATE TABLE AS / SELECT INTO, or `None` for another
/// statement.
pub fn explain_create_as(
    ctx: &mut SqlContext<'_>,
    inner: &Statement,
    options: ExplainOptions,
) -> Option<DbResult<StatementOutput>> {
    let mut request = ExplainRequest {
        options,
        lines: Vec::new(),
    };
    let result = match inner {
        Statement::CreateTable(ct) if ct.query.is_some() => {
            crate::ddl::create_table_as_explained(ctx, ct, Some(&mut request))
        }
        Statement::Query(q) if crate::ddl::is_select_into(q) => {
            crate::ddl::select_into_explained(ctx, q, Some(&mut request))
        }
        _ => return None,
    };
    Some(result.map(|_| output(request.lines)))
}
