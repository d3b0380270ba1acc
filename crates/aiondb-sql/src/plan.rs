//! Logical plans: trees of relational operators over bound expressions.

use crate::expr::Expr;
use crate::output::Column;
use aiondb_core::IndexId;
use aiondb_storage::TableSchema;
use std::sync::Arc;

/// How a table is read.
#[derive(Clone, Debug, PartialEq)]
pub enum Access {
    /// Every row in heap order (as a PostgreSQL sequential scan).
    Full,
    /// Rows whose primary key equals the expressions (evaluated once).
    PrimaryKey(Vec<Expr>),
    /// Rows whose index key equals the expressions.
    IndexEq(IndexId, Vec<Expr>),
}

/// An aggregate call.
#[derive(Clone, Debug, PartialEq)]
pub struct AggCall {
    pub name: String,
    pub args: Vec<Expr>,
    pub distinct: bool,
    /// `count(*)`.
    pub star: bool,
    pub ty: aiondb_core::DataType,
    /// ORDER BY inside the call (string_agg, array_agg).
    pub order_by: Vec<SortKey>,
}

/// One ORDER BY key.
#[derive(Clone, Debug, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub descending: bool,
    pub nulls_first: bool,
}

/// Join kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
    Cross,
}

/// Set operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOpKind {
    Union,
    Intersect,
    Except,
}

/// A relational operator tree. Every node's output is a row of values in
/// the order of its columns.
#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    /// Literal rows (VALUES, or SELECT without FROM: one empty row).
    Values {
        rows: Vec<Vec<Expr>>,
        columns: Vec<Column>,
    },
    /// A stored table.
    Scan {
        table: Arc<TableSchema>,
        access: Access,
        columns: Vec<Column>,
    },
    /// A catalog view computed at execution (pg_catalog, information_schema).
    System {
        name: String,
        columns: Vec<Column>,
    },
    /// generate_series and other set-returning functions in FROM.
    Function {
        name: String,
        args: Vec<Expr>,
        columns: Vec<Column>,
    },
    Filter {
        input: Box<Plan>,
        predicate: Expr,
    },
    Project {
        input: Box<Plan>,
        exprs: Vec<Expr>,
        columns: Vec<Column>,
    },
    Join {
        left: Box<Plan>,
        right: Box<Plan>,
        kind: JoinKind,
        on: Option<Expr>,
        lateral: bool,
    },
    /// Output: group expressions, then aggregate results.
    Aggregate {
        input: Box<Plan>,
        group_by: Vec<Expr>,
        aggs: Vec<AggCall>,
        columns: Vec<Column>,
    },
    Sort {
        input: Box<Plan>,
        keys: Vec<SortKey>,
    },
    Limit {
        input: Box<Plan>,
        limit: Option<Expr>,
        offset: Option<Expr>,
        /// FETCH ... WITH TIES: the sort keys rows past the count must
        /// equal the last counted row on (empty otherwise).
        ties: Vec<SortKey>,
    },
    Distinct {
        input: Box<Plan>,
    },
    SetOp {
        left: Box<Plan>,
        right: Box<Plan>,
        op: SetOpKind,
        all: bool,
    },
    /// A materialized common table expression, referenced by name.
    CteRef {
        name: String,
        columns: Vec<Column>,
    },
    With {
        ctes: Vec<(String, Plan)>,
        body: Box<Plan>,
    },
    /// Window functions computed over the input (output: input + one
    /// column per window call).
    Window {
        input: Box<Plan>,
        calls: Vec<WindowCall>,
        columns: Vec<Column>,
    },
    /// Set-returning functions of a select list (PostgreSQL's ProjectSet):
    /// each input row becomes as many rows as its longest function result,
    /// the input columns repeated and shorter results padded with NULL; a
    /// row whose functions all return nothing is dropped. Output: input +
    /// one column per call.
    ProjectSet {
        input: Box<Plan>,
        calls: Vec<SrfCall>,
        columns: Vec<Column>,
    },
}

/// A set-returning function call of a select list, e.g.
/// `generate_series(1, n)`; its arguments read the ProjectSet's input row.
#[derive(Clone, Debug, PartialEq)]
pub struct SrfCall {
    pub name: String,
    pub args: Vec<Expr>,
    pub ty: aiondb_core::DataType,
}

/// A window function call: `f(args) OVER (PARTITION BY .. ORDER BY ..)`.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowCall {
    pub name: String,
    pub args: Vec<Expr>,
    pub partition_by: Vec<Expr>,
    pub order_by: Vec<SortKey>,
    pub ty: aiondb_core::DataType,
}

impl Plan {
    /// The output columns.
    pub fn columns(&self) -> Vec<Column> {
        match self {
            Plan::Values { columns, .. }
            | Plan::Scan { columns, .. }
            | Plan::System { columns, .. }
            | Plan::Function { columns, .. }
            | Plan::Project { columns, .. }
            | Plan::Aggregate { columns, .. }
            | Plan::CteRef { columns, .. }
            | Plan::Window { columns, .. }
            | Plan::ProjectSet { columns, .. } => columns.clone(),
            Plan::Filter { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Limit { input, .. }
            | Plan::Distinct { input } => input.columns(),
            Plan::Join { left, right, .. } => {
                let mut c = left.columns();
                c.extend(right.columns());
                c
            }
            Plan::SetOp { left, .. } => left.columns(),
            Plan::With { body, .. } => body.columns(),
        }
    }

    /// A filter whose predicate is the constant false: it yields no row
    /// and never runs its input.
    pub fn is_false_filter(&self) -> bool {
        matches!(
            self,
            Plan::Filter {
                predicate: Expr::Const(aiondb_core::Value::Bool(false), _),
                ..
            }
        )
    }

    /// EXPLAIN lines of this plan at `depth`, each node's line ending in
    /// `suffix(node)` (EXPLAIN ANALYZE's counts). A projection is shown
    /// as the node below it, as PostgreSQL has no node of its own for one.
    pub fn explain_with(
        &self,
        depth: usize,
        out: &mut Vec<String>,
        suffix: &dyn Fn(&Plan) -> String,
    ) {
        if let Plan::Project { input, .. } = self {
            return input.explain_with(depth, out, suffix);
        }
        let pad = if depth == 0 {
            String::new()
        } else {
            format!("{}->  ", " ".repeat(2 + 6 * (depth - 1)))
        };
        match self {
            Plan::Filter { .. } if self.is_false_filter() => {
                let detail = " ".repeat(2 + 6 * depth);
                out.push(format!("{pad}Result{}", suffix(self)));
                out.push(format!("{detail}One-Time Filter: false"));
                return;
            }
            _ => {}
        }
        let line = match self {
            Plan::Values { .. } => "Result".to_string(),
            Plan::Scan { table, access, .. } => match access {
                Access::Full => format!("Seq Scan on {}", table.name),
                Access::PrimaryKey(_) => format!(
                    "Index Scan using {} on {}",
                    table
                        .primary_key_name
                        .clone()
                        .unwrap_or_else(|| format!("{}_pkey", table.name)),
                    table.name
                ),
                Access::IndexEq(id, _) => format!(
                    "Index Scan using {} on {}",
                    table.index(*id).map(|i| i.name.clone()).unwrap_or_default(),
                    table.name
                ),
            },
            Plan::System { name, .. } => format!("Seq Scan on {name}"),
            Plan::Function { name, .. } => format!("Function Scan on {name}"),
            Plan::Filter { .. } => "Filter".into(),
            Plan::Project { .. } => "Projection".into(),
            Plan::Join { kind, .. } => format!("Nested Loop {kind:?} Join"),
            Plan::Aggregate { group_by, .. } => {
                if group_by.is_empty() {
                    "Aggregate".into()
                } else {
                    "HashAggregate".into()
                }
            }
            Plan::Sort { .. } => "Sort".into(),
            Plan::Limit { .. } => "Limit".into(),
            Plan::Distinct { .. } => "Unique".into(),
            Plan::SetOp { op, .. } => format!("{op:?}"),
            Plan::CteRef { name, .. } => format!("CTE Scan on {name}"),
            Plan::With { .. } => "CTE".into(),
            Plan::Window { .. } => "WindowAgg".into(),
            Plan::ProjectSet { .. } => "ProjectSet".into(),
        };
        out.push(format!("{pad}{line}{}", suffix(self)));
        match self {
            Plan::Filter { input, .. }
            | Plan::Project { input, .. }
            | Plan::Aggregate { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Limit { input, .. }
            | Plan::Distinct { input }
            | Plan::Window { input, .. }
            | Plan::ProjectSet { input, .. } => input.explain_with(depth + 1, out, suffix),
            Plan::Join { left, right, .. } | Plan::SetOp { left, right, .. } => {
                left.explain_with(depth + 1, out, suffix);
                right.explain_with(depth + 1, out, suffix);
            }
            Plan::With { ctes, body } => {
                for (_, p) in ctes {
                    p.explain_with(depth + 1, out, suffix);
                }
                body.explain_with(depth + 1, out, suffix);
            }
            _ => {}
        }
    }
}
