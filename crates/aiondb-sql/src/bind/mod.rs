//! The binder: resolves names against the catalog and types every
//! expression, turning sqlparser's syntax into [`crate::plan::Plan`]s.

mod aggregate;
mod call;
pub(crate) mod expr;
pub(crate) mod from;
mod join_filter;
mod math_ops;
mod order;
pub(crate) mod query;
mod srf;
mod subscript;
mod user_cast;
mod variadic;

use crate::output::Column;
use aiondb_core::{DataType, DbError, DbResult, SqlState};
use aiondb_storage::{Catalog, TableSchema};
use sqlparser::ast::{self, Spanned};
use std::sync::Arc;

pub use query::bind_query;

/// One column visible in a scope.
#[derive(Clone, Debug)]
pub struct ScopeColumn {
    /// The table name or alias it can be qualified with.
    pub table: Option<String>,
    /// The relation's own name when `table` is an alias for it (PostgreSQL
    /// then refuses the relation's name, with a hint naming the alias).
    pub relation: Option<String>,
    pub name: String,
    pub ty: DataType,
    pub table_oid: u32,
    pub column_id: i16,
}

/// `table.column` (or the bare name for a column of no table), as
/// PostgreSQL's messages name a column.
pub(crate) fn qualified_column_name(c: &ScopeColumn) -> String {
    match &c.table {
        Some(t) => format!("{t}.{}", c.name),
        None => c.name.clone(),
    }
}

/// The columns an expression may reference: the input row of an operator.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub columns: Vec<ScopeColumn>,
}

impl Scope {
    /// A scope over a plan's output, all columns qualified by `table`.
    pub fn of(columns: &[Column], table: Option<&str>) -> Scope {
        Scope {
            columns: columns
                .iter()
                .map(|c| ScopeColumn {
                    table: table.map(str::to_string),
                    relation: None,
                    name: c.name.clone(),
                    ty: c.data_type.clone(),
                    table_oid: c.table_oid,
                    column_id: c.column_id,
                })
                .collect(),
        }
    }

    /// A scope over a relation read under `alias` (its own name when no
    /// alias was given).
    pub fn of_relation(columns: &[Column], alias: &str, relation: &str) -> Scope {
        let mut scope = Scope::of(columns, Some(alias));
        if alias != relation {
            for c in &mut scope.columns {
                c.relation = Some(relation.to_string());
            }
        }
        scope
    }

    /// The alias a relation named `relation` is read under, if it is.
    pub fn alias_of(&self, relation: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|c| c.relation.as_deref() == Some(relation))
            .and_then(|c| c.table.as_deref())
    }

    /// Finds a column; `Ok(None)` if absent, an error if ambiguous.
    pub fn find(&self, table: Option<&str>, name: &str) -> DbResult<Option<usize>> {
        let mut hit = None;
        for (i, c) in self.columns.iter().enumerate() {
            if c.name == name && (table.is_none() || c.table.as_deref() == table) {
                if hit.is_some() {
                    return Err(DbError::new(
                        SqlState::AMBIGUOUS_COLUMN,
                        format!("column reference \"{name}\" is ambiguous"),
                    ));
                }
                hit = Some(i);
            }
        }
        Ok(hit)
    }

    /// True if some column is qualified by this table name.
    pub fn has_table(&self, table: &str) -> bool {
        self.columns
            .iter()
            .any(|c| c.table.as_deref() == Some(table))
    }
}

/// Aggregate binding state (inside a grouped SELECT).
pub(crate) struct AggContext {
    pub input: Scope,
    pub group_exprs: Vec<crate::expr::Expr>,
    pub aggs: Vec<crate::plan::AggCall>,
}

/// Binder state for one statement.
pub struct Binder<'a> {
    pub catalog: Arc<Catalog>,
    pub database: u32,
    pub search_path: &'a [String],
    /// Parameter types, inferred as the statement is bound.
    pub params: Vec<DataType>,
    /// Scopes of enclosing queries, innermost last.
    pub(crate) outer: Vec<Scope>,
    /// CTEs visible by name, innermost last.
    pub(crate) ctes: Vec<(String, Vec<Column>)>,
    pub(crate) agg: Option<AggContext>,
    /// Window calls found while binding the select list.
    pub(crate) windows: Option<Vec<crate::plan::WindowCall>>,
    pub(crate) window_base: usize,
    /// Set-returning calls found while binding the select list (`None`
    /// where they are not allowed); see [`srf`].
    pub(crate) srfs: Option<Vec<crate::plan::SrfCall>>,
    /// Why a set-returning call is refused where `srfs` is `None`.
    pub(crate) srf_refusal: &'static str,
    /// Depth of CASE branches known never to run: constant folding there
    /// leaves errors for run time (where they never happen).
    pub(crate) unreachable: usize,
    /// The outermost entry of `outer` an expression bound so far refers
    /// to (`usize::MAX` for none): a subquery whose references all stay
    /// inside it is uncorrelated.
    pub(crate) outer_floor: usize,
    /// PL/pgSQL variables or SQL-function parameters visible as names:
    /// (name, parameter index). A name that is no column binds to its
    /// parameter.
    pub(crate) variables: Vec<(String, usize)>,
    /// Whether a name that is both a column and a variable is an error
    /// (PL/pgSQL's default `variable_conflict = error`) rather than the
    /// column (SQL functions).
    pub(crate) variable_conflict_error: bool,
    /// The role whose privileges the statement's tables are checked
    /// against; `None` binds without checks (statements the system runs
    /// for itself).
    pub actor: Option<crate::privilege::Actor>,
}

impl<'a> Binder<'a> {
    pub fn new(
        catalog: Arc<Catalog>,
        database: u32,
        search_path: &'a [String],
        params: Vec<DataType>,
    ) -> Binder<'a> {
        Binder {
            catalog,
            database,
            search_path,
            params,
            outer: Vec::new(),
            ctes: Vec::new(),
            agg: None,
            windows: None,
            window_base: 0,
            srfs: None,
            srf_refusal: srf::NOT_ALLOWED_HERE,
            unreachable: 0,
            outer_floor: usize::MAX,
            variables: Vec::new(),
            variable_conflict_error: false,
            actor: None,
        }
    }

    /// Fails with 42501 unless the statement's role holds `wanted` on `t`.
    pub(crate) fn check_privilege(&self, t: &TableSchema, wanted: u16) -> DbResult<()> {
        match self.actor {
            Some(actor) => crate::privilege::check_table(actor, t, wanted),
            None => Ok(()),
        }
    }

    /// Parameter types, unknown ones defaulting to text.
    pub fn final_params(&self) -> Vec<DataType> {
        self.params
            .iter()
            .map(|t| {
                if *t == DataType::Unknown {
                    DataType::Text
                } else {
                    t.clone()
                }
            })
            .collect()
    }

    /// Resolves a table name through the search path.
    pub fn table(&self, schema: Option<&str>, name: &str) -> DbResult<Arc<TableSchema>> {
        self.find_table(schema, name)?
            .ok_or_else(|| undefined_table(schema, name))
    }

    /// Resolves a table as written in the statement; an unknown one is
    /// reported at the name, as PostgreSQL does.
    pub fn table_named(&self, name: &ast::ObjectName) -> DbResult<Arc<TableSchema>> {
        let (schema, rel) = crate::parse::object_name(name);
        self.table(schema.as_deref(), &rel).map_err(|e| {
            match (e.position, crate::parse::span_position(name.span())) {
                (None, Some(p)) if e.code == SqlState::UNDEFINED_TABLE => e.with_position(p),
                _ => e,
            }
        })
    }

    pub fn find_table(
        &self,
        schema: Option<&str>,
        name: &str,
    ) -> DbResult<Option<Arc<TableSchema>>> {
        Ok(match schema {
            Some(s) => self
                .catalog
                .table_by_name(
                    self.database,
                    crate::namespace::qualifier(self.search_path, s),
                    name,
                )
                .cloned(),
            None => self
                .search_path
                .iter()
                .find_map(|s| self.catalog.table_by_name(self.database, s, name))
                .cloned(),
        })
    }

    /// The view `schema.name` (or the first on the search path).
    pub fn find_view(
        &self,
        schema: Option<&str>,
        name: &str,
    ) -> Option<Arc<aiondb_storage::ViewSchema>> {
        match schema {
            Some(s) => self
                .catalog
                .view_by_name(
                    self.database,
                    crate::namespace::qualifier(self.search_path, s),
                    name,
                )
                .cloned(),
            None => self
                .search_path
                .iter()
                .find_map(|s| self.catalog.view_by_name(self.database, s, name))
                .cloned(),
        }
    }

    /// Notes a parameter's type if it was unknown; returns its type.
    pub fn param_type(&mut self, index: usize, hint: &DataType) -> DataType {
        if self.params.len() <= index {
            self.params.resize(index + 1, DataType::Unknown);
        }
        if self.params[index] == DataType::Unknown && *hint != DataType::Unknown {
            self.params[index] = hint.clone();
        }
        self.params[index].clone()
    }
}

pub fn undefined_table(schema: Option<&str>, name: &str) -> DbError {
    let full = match schema {
        Some(s) => format!("{s}.{name}"),
        None => name.to_string(),
    };
    DbError::new(
        SqlState::UNDEFINED_TABLE,
        format!("relation \"{full}\" does not exist"),
    )
}

/// The columns of a stored table as a plan outputs them.
pub fn table_columns(t: &TableSchema) -> Vec<Column> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, c)| Column {
            name: c.name.clone(),
            data_type: c.data_type.clone(),
            table_oid: t.id.0,
            column_id: i as i16 + 1,
        })
        .collect()
}

/// The error for a qualifier naming no FROM item: PostgreSQL's
/// `errorMissingRTE`, which points at an alias hiding the relation.
pub(crate) fn missing_from_entry(scopes: &[&Scope], table: &str) -> DbError {
    match scopes.iter().find_map(|s| s.alias_of(table)) {
        Some(alias) => DbError::new(
            SqlState::UNDEFINED_TABLE,
            format!("invalid reference to FROM-clause entry for table \"{table}\""),
        )
        .with_hint(format!(
            "Perhaps you meant to reference the table alias \"{alias}\"."
        )),
        None => DbError::new(
            SqlState::UNDEFINED_TABLE,
            format!("missing FROM-clause entry for table \"{table}\""),
        ),
    }
}

/// True for ORDER BY ... DESC.
pub(crate) fn desc(o: &sqlparser::ast::OrderByOptions) -> bool {
    matches!(o.sort, Some(sqlparser::ast::OrderBySort::Desc))
}
