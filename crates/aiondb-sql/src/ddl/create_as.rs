//! CREATE TABLE ... AS query and SELECT ... INTO new_table: a table whose
//! columns are the query's, filled with its rows in the same transaction.

use super::schema_name;
use crate::bind::{Binder, bind_query};
use crate::explain::ExplainRequest;
use crate::output::SqlContext;
use crate::parse::{ident, object_name};
use crate::types::{self, FormatOptions};
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId};
use aiondb_storage::{ColumnSchema, TableSchema};
use sqlparser::ast;

/// CREATE TABLE name [(columns)] AS query. Returns the command tag.
pub fn create_table_as(ctx: &mut SqlContext<'_>, ct: &ast::CreateTable) -> DbResult<String> {
    create_table_as_explained(ctx, ct, None)
}

/// CREATE TABLE AS, or its EXPLAIN [ANALYZE] when `explain` is given.
pub fn create_table_as_explained(
    ctx: &mut SqlContext<'_>,
    ct: &ast::CreateTable,
    explain: Option<&mut ExplainRequest>,
) -> DbResult<String> {
    let Some(query) = &ct.query else {
        return Err(DbError::internal("CREATE TABLE AS without a query"));
    };
    if ct
        .columns
        .iter()
        .any(|c| c.data_type != ast::DataType::Unspecified || !c.options.is_empty())
        || !ct.constraints.is_empty()
    {
        return Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            "CREATE TABLE AS accepts a list of column names only",
        ));
    }
    let (names, query, with_data) = match column_names_wrapper(query) {
        Some(wrapped) => wrapped,
        None => (
            ct.columns.iter().map(|c| ident(&c.name)).collect(),
            &**query,
            true,
        ),
    };
    if ct
        .on_commit
        .is_some_and(|c| c != ast::OnCommit::PreserveRows)
    {
        return Err(DbError::not_supported(format!(
            "CREATE TABLE AS ... {}",
            match ct.on_commit {
                Some(ast::OnCommit::Drop) => "ON COMMIT DROP",
                _ => "ON COMMIT DELETE ROWS",
            }
        )));
    }
    let options = CreateAs {
        if_not_exists: ct.if_not_exists,
        with_data,
        temporary: ct.temporary,
    };
    create_from_query(ctx, &ct.name, &names, query, options, explain)
}

/// The column names and query of a statement [`rewrite_column_names`]
/// rewrote, and whether it is to be run.
fn column_names_wrapper(query: &ast::Query) -> Option<(Vec<String>, &ast::Query, bool)> {
    let ast::SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    match select.from.as_slice() {
        [
            ast::TableWithJoins {
                relation:
                    ast::TableFactor::Derived {
                        subquery,
                        alias: Some(alias),
                        ..
                    },
                joins,
            },
        ] if joins.is_empty()
            && (alias.name.value == COLUMN_NAMES_ALIAS || alias.name.value == NO_DATA_ALIAS) =>
        {
            Some((
                alias.columns.iter().map(|c| ident(&c.name)).collect(),
                &**subquery,
                alias.name.value == COLUMN_NAMES_ALIAS,
            ))
        }
        _ => None,
    }
}

const COLUMN_NAMES_ALIAS: &str = "aiondb_ctas_column_names";
const NO_DATA_ALIAS: &str = "aiondb_ctas_no_data";

/// SELECT ... INTO [TABLE] name ...: the query without its INTO clause
/// fills a new table. Returns the command tag.
pub fn select_into(ctx: &mut SqlContext<'_>, query: &ast::Query) -> DbResult<String> {
    select_into_explained(ctx, query, None)
}

/// SELECT INTO, or its EXPLAIN [ANALYZE] when `explain` is given.
pub fn select_into_explained(
    ctx: &mut SqlContext<'_>,
    query: &ast::Query,
    explain: Option<&mut ExplainRequest>,
) -> DbResult<String> {
    let mut query = query.clone();
    let ast::SetExpr::Select(select) = query.body.as_mut() else {
        return Err(DbError::not_supported("SELECT INTO in this query form"));
    };
    let Some(into) = select.into.take() else {
        return Err(DbError::internal("SELECT INTO without INTO"));
    };
    if into.unlogged {
        return Err(DbError::not_supported("SELECT INTO UNLOGGED tables"));
    }
    let name = match into.targets.as_slice() {
        [ast::Expr::Identifier(i)] => ast::ObjectName::from(vec![i.clone()]),
        [ast::Expr::CompoundIdentifier(parts)] => ast::ObjectName::from(parts.clone()),
        _ => return Err(DbError::not_supported("SELECT INTO several targets")),
    };
    let options = CreateAs {
        if_not_exists: false,
        with_data: true,
        temporary: into.temporary,
    };
    create_from_query(ctx, &name, &[], &query, options, explain)
}

/// sqlparser reads neither `CREATE TABLE t (a, b) AS query` (a column
/// name list without types) nor a trailing `WITH [NO] DATA`; such a
/// statement is rewritten, when it matches, to the equivalent
/// `CREATE TABLE t AS SELECT * FROM (query) AS <marker>(a, b)`, which
/// [`create_table_as`] takes apart again. The marker says whether the
/// query is to be run (`WITH NO DATA` creates the table only).
pub fn rewrite_column_names(text: &str) -> Option<String> {
    static RE: std::sync::OnceLock<Option<[regex::Regex; 2]>> = std::sync::OnceLock::new();
    let res = RE.get_or_init(|| {
        Some([
            regex::Regex::new(
                r"(?is)^(\s*(?:explain\s*(?:\([^)]*\))?\s*(?:analyze\s+)?(?:verbose\s+)?)?create\s+table\s+(?:if\s+not\s+exists\s+)?[^\s(]+)\s*(?:\(\s*([a-z_][a-z0-9_$]*(?:\s*,\s*[a-z_][a-z0-9_$]*)*)\s*\))?\s+as\s+(.*)$",
            )
            .ok()?,
            regex::Regex::new(r"(?is)^(.*\S)\s+with\s+(no\s+)?data$").ok()?,
        ])
    });
    let [head, data] = res.as_ref()?;
    let caps = head.captures(text)?;
    let query = caps[3].trim_end().trim_end_matches(';').trim_end();
    let (query, marker) = match data.captures(query) {
        Some(d) if d.get(2).is_some() => (d.get(1)?.as_str(), NO_DATA_ALIAS),
        Some(d) => (d.get(1)?.as_str(), COLUMN_NAMES_ALIAS),
        None if caps.get(2).is_some() => (query, COLUMN_NAMES_ALIAS),
        None => return None,
    };
    let columns = caps
        .get(2)
        .map(|c| format!("({})", c.as_str()))
        .unwrap_or_default();
    Some(format!(
        "{} AS SELECT * FROM ({query}) AS {marker}{columns}",
        &caps[1]
    ))
}

/// `[EXPLAIN ...] CREATE TABLE name [(columns)] AS EXECUTE prepared
/// [(arguments)] [WITH [NO] DATA]`, which sqlparser does not read, taken
/// apart for the session (which holds prepared statements) to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateAsExecute {
    /// Everything up to and including `AS`.
    pub head: String,
    /// The prepared statement's name.
    pub prepared: String,
    /// The argument list's text, parentheses included ("" without one).
    pub arguments: String,
    /// `WITH DATA`, `WITH NO DATA` or "".
    pub tail: String,
}

impl CreateAsExecute {
    /// The statement with the prepared query's text in place of EXECUTE.
    pub fn with_query(&self, query: &str) -> String {
        format!("{} {query} {}", self.head, self.tail)
    }
}

/// Recognizes a [`CreateAsExecute`] statement.
pub fn create_as_execute(text: &str) -> Option<CreateAsExecute> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE
        .get_or_init(|| {
            regex::Regex::new(
                r"(?is)^\s*((?:explain\s*(?:\([^)]*\))?\s*(?:analyze\s+)?(?:verbose\s+)?)?create\s+table\s+(?:if\s+not\s+exists\s+)?[^\s(]+\s*(?:\([^)]*\))?\s*as)\s+execute\s+([a-z_][a-z0-9_$]*|\x22[^\x22]+\x22)\s*(\([^)]*\))?\s*(with\s+(?:no\s+)?data)?\s*;?\s*$",
            )
            .ok()
        })
        .as_ref()?;
    let caps = re.captures(text)?;
    let name = &caps[2];
    let prepared = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(quoted) => quoted.to_string(),
        None => name.to_lowercase(),
    };
    Some(CreateAsExecute {
        head: caps[1].to_string(),
        prepared,
        arguments: caps
            .get(3)
            .map(|m| m.as_str().to_string())
            .unwrap_or_default(),
        tail: caps
            .get(4)
            .map(|m| m.as_str().to_string())
            .unwrap_or_default(),
    })
}

/// The INTO clause PostgreSQL attaches to a whole query: that of its
/// leftmost SELECT.
pub fn top_level_into(query: &ast::Query) -> Option<&ast::SelectInto> {
    fn leftmost(e: &ast::SetExpr) -> Option<&ast::SelectInto> {
        match e {
            ast::SetExpr::Select(s) => s.into.as_ref(),
            ast::SetExpr::SetOperation { left, .. } => leftmost(left),
            _ => None,
        }
    }
    leftmost(&query.body)
}

/// The error for SELECT ... INTO where no table can be created (a
/// subquery, INSERT ... SELECT, a cursor), placed at the target's name.
pub fn into_not_allowed(into: &ast::SelectInto) -> DbError {
    let err = DbError::new(
        SqlState::SYNTAX_ERROR,
        "SELECT ... INTO is not allowed here",
    );
    match into.targets.first() {
        Some(t) => super::super::bind::expr::locate(err, t),
        None => err,
    }
}

/// For DECLARE CURSOR: PostgreSQL refuses SELECT ... INTO there while
/// analysing the statement.
pub fn check_no_select_into(query: &ast::Query) -> DbResult<()> {
    match top_level_into(query) {
        Some(into) => Err(into_not_allowed(into)),
        None => Ok(()),
    }
}

/// True if the statement is a SELECT ... INTO (which creates a table).
pub fn is_select_into(query: &ast::Query) -> bool {
    matches!(query.body.as_ref(), ast::SetExpr::Select(s) if s.into.is_some())
}

/// How [`create_from_query`] creates its table.
#[derive(Clone, Copy)]
struct CreateAs {
    /// `IF NOT EXISTS`: an existing relation is a notice, not an error.
    if_not_exists: bool,
    /// False for `WITH NO DATA`: the table is created empty.
    with_data: bool,
    /// `TEMP`: the table goes to the session's temporary schema.
    temporary: bool,
}

fn create_from_query(
    ctx: &mut SqlContext<'_>,
    name: &ast::ObjectName,
    names: &[String],
    query: &ast::Query,
    options: CreateAs,
    mut explain: Option<&mut ExplainRequest>,
) -> DbResult<String> {
    let (schema, rel) = object_name(name);
    let schema = schema_name(ctx, schema, options.temporary)?;
    if ctx
        .txn
        .catalog()
        .relation_exists(ctx.database, &schema, &rel)
    {
        if options.if_not_exists {
            ctx.notice(format!("relation \"{rel}\" already exists, skipping"));
            return Ok("CREATE TABLE AS".into());
        }
        return Err(DbError::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{rel}\" already exists"),
        ));
    }
    let search_path = ctx.search_path.to_vec();
    let actor = crate::privilege::Actor::of(ctx);
    let mut b = Binder::new(ctx.txn.catalog(), ctx.database, &search_path, Vec::new());
    b.actor = Some(actor);
    if !options.with_data {
        // WITH NO DATA never runs the query (PostgreSQL does not even plan
        // it), so an error in folding a constant is left unraised.
        b.unreachable += 1;
    }
    let plan = bind_query(&mut b, query)?;
    drop(b);
    let out = plan.columns();
    if names.len() > out.len() {
        return Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            "too many column names were specified",
        ));
    }
    let mut columns: Vec<ColumnSchema> = Vec::with_capacity(out.len());
    for (i, c) in out.iter().enumerate() {
        let cname = names.get(i).cloned().unwrap_or_else(|| c.name.clone());
        if columns.iter().any(|x| x.name == cname) {
            return Err(DbError::new(
                SqlState::DUPLICATE_COLUMN,
                format!("column \"{cname}\" specified more than once"),
            ));
        }
        let data_type = match &c.data_type {
            DataType::Unknown => DataType::Text,
            t => t.clone(),
        };
        columns.push(ColumnSchema {
            name: cname,
            data_type,
            nullable: true,
        });
    }
    let analyze = match explain.as_deref_mut() {
        Some(request) if !request.options.analyze => {
            // Plain EXPLAIN plans the query and creates nothing.
            request.lines = crate::explain::render(&plan, None);
            return Ok("EXPLAIN".into());
        }
        Some(_) => true,
        None => false,
    };
    let mut stats = std::collections::HashMap::new();
    let rows = if options.with_data {
        let mut exec = crate::statement::executor(ctx, &[]);
        if analyze {
            exec.stats = Some(std::collections::HashMap::new());
        }
        let rows = exec.run(&plan)?;
        stats = exec.stats.take().unwrap_or_default();
        rows
    } else {
        Vec::new()
    };
    if let Some(request) = explain {
        request.lines = crate::explain::render(&plan, Some(&stats));
    }
    let meta = crate::privilege::store::new_table_meta(ctx, &schema)?;
    let id = ctx.txn.create_table(TableSchema {
        id: TableId(0),
        database: ctx.database,
        schema,
        name: rel,
        columns: columns.clone(),
        primary_key: Vec::new(),
        primary_key_name: None,
        indexes: Vec::new(),
        sql: meta.to_sql()?,
    })?;
    let n = rows.len();
    let opts = FormatOptions::default();
    for (i, mut row) in rows.into_iter().enumerate() {
        if i % 4096 == 4095 {
            ctx.check_interrupt()?;
        }
        for ((v, c), from) in row.iter_mut().zip(&columns).zip(&out) {
            if from.data_type == DataType::Unknown && !v.is_null() {
                *v = types::cast_assignment(v.clone(), &DataType::Text, &c.data_type, &opts)?;
            }
        }
        ctx.txn.insert(id, row)?;
    }
    Ok(format!("SELECT {n}"))
}

#[cfg(test)]
mod tests {
    use super::rewrite_column_names;

    #[test]
    fn create_as_execute_is_taken_apart() {
        let c = super::create_as_execute(
            "EXPLAIN (ANALYZE, COSTS OFF)\n  CREATE TABLE s.t (a) AS\n  EXECUTE data_sel WITH NO DATA;",
        )
        .expect("recognized");
        assert_eq!(
            c.head,
            "EXPLAIN (ANALYZE, COSTS OFF)\n  CREATE TABLE s.t (a) AS"
        );
        assert_eq!(c.prepared, "data_sel");
        assert_eq!(c.arguments, "");
        assert_eq!(c.tail, "WITH NO DATA");
        assert!(super::create_as_execute("CREATE TABLE t AS SELECT 1").is_none());
        let c = super::create_as_execute("create table if not exists t as execute q(1, 2)")
            .expect("recognized");
        assert_eq!(c.arguments, "(1, 2)");
    }

    #[test]
    fn column_name_lists_are_rewritten() {
        assert_eq!(
            rewrite_column_names("CREATE TABLE t (a, b) AS SELECT 1, 2;").as_deref(),
            Some("CREATE TABLE t AS SELECT * FROM (SELECT 1, 2) AS aiondb_ctas_column_names(a, b)")
        );
        assert_eq!(rewrite_column_names("CREATE TABLE t (a int, b text)"), None);
        assert_eq!(rewrite_column_names("CREATE TABLE t AS SELECT 1"), None);
        assert_eq!(
            rewrite_column_names("CREATE TABLE t AS SELECT 1 WITH NO DATA;").as_deref(),
            Some("CREATE TABLE t AS SELECT * FROM (SELECT 1) AS aiondb_ctas_no_data")
        );
        assert_eq!(
            rewrite_column_names("create table t (a) as select 1 with data").as_deref(),
            Some("create table t AS SELECT * FROM (select 1) AS aiondb_ctas_column_names(a)")
        );
    }
}
