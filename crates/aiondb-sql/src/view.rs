//! Views: CREATE [OR REPLACE] VIEW, DROP VIEW, reading a view, and writing
//! through a simple one.
//!
//! A view is a name for a query. The store keeps its SQL text, its output
//! columns and the relations it reads ([`ViewSchema`]); each use parses and
//! binds the text again, in a scope of its own (no outer columns, no CTEs of
//! the query that uses it), so a view reads exactly what its definition says.
//!
//! Writing through a view follows PostgreSQL's automatically updatable
//! views: when the definition selects from a single table or view, with no
//! WITH, DISTINCT, GROUP BY, HAVING, LIMIT, OFFSET, set operation, aggregate
//! or window, then INSERT / UPDATE / DELETE on the view are rewritten into
//! the same statement on that relation:
//!
//! ```text
//!   CREATE VIEW v (a) AS SELECT x FROM t WHERE x > 0;
//!   UPDATE v SET a = a + 1 WHERE a < 5
//!     ==>  UPDATE t AS v SET x = x + 1 WHERE (x > 0) AND (x < 5)
//! ```
//!
//! Only view columns that are plain columns of the base relation can be
//! assigned or inserted into; other columns can still be read in WHERE and
//! RETURNING, as their defining expression.

use crate::bind::Binder;
use crate::output::SqlContext;
use crate::parse::{ident, object_name};
use aiondb_core::{DbError, DbResult, SqlState, TableId};
use aiondb_storage::{ColumnSchema, ViewSchema};
use sqlparser::ast::{self, Expr, Ident, ObjectName, Query, SelectItem, SetExpr, Statement};
use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::Arc;

fn parse_query(sql: &str) -> DbResult<Box<Query>> {
    match crate::parse::parse(sql)?.pop() {
        Some(crate::parse::Command::Sql(s)) => match *s {
            Statement::Query(q) => Ok(q),
            _ => Err(DbError::corrupted("a view's definition is not a query")),
        },
        _ => Err(DbError::corrupted("a view's definition is not a query")),
    }
}

/// CREATE [OR REPLACE] VIEW.
pub fn create_view(ctx: &mut SqlContext<'_>, cv: &ast::CreateView) -> DbResult<String> {
    if cv.materialized {
        return Err(DbError::not_supported(
            "materialized views are not supported",
        ));
    }
    if cv.params.is_some() || cv.to.is_some() || !cv.cluster_by.is_empty() {
        return Err(DbError::not_supported("this form of CREATE VIEW"));
    }
    if !matches!(cv.options, ast::CreateTableOptions::None) {
        return Err(DbError::not_supported("CREATE VIEW ... WITH (options)"));
    }
    if crate::ddl::top_level_into(&cv.query).is_some() {
        return Err(DbError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            "views must not contain SELECT INTO",
        ));
    }
    let (schema, name) = object_name(&cv.name);
    let schema = crate::ddl::schema_name(ctx, schema, cv.temporary)?;
    let catalog = ctx.txn.catalog();
    let existing = catalog.view_by_name(ctx.database, &schema, &name).cloned();
    if existing.is_none() && catalog.relation_exists(ctx.database, &schema, &name) {
        return Err(DbError::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    let mut b = Binder::new(catalog.clone(), ctx.database, ctx.search_path, Vec::new());
    let plan = crate::bind::bind_query(&mut b, &cv.query)?;
    let bound = plan.columns();
    if cv.columns.len() > bound.len() {
        return Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            "CREATE VIEW specifies more column names than columns",
        ));
    }
    let mut columns = Vec::new();
    for (i, c) in bound.iter().enumerate() {
        let name = cv
            .columns
            .get(i)
            .map(|v| ident(&v.name))
            .unwrap_or_else(|| c.name.clone());
        if columns.iter().any(|x: &ColumnSchema| x.name == name) {
            return Err(DbError::new(
                SqlState::DUPLICATE_COLUMN,
                format!("column \"{name}\" specified more than once"),
            ));
        }
        columns.push(ColumnSchema {
            name,
            data_type: c.data_type.clone(),
            nullable: true,
        });
    }
    let depends_on = relations_read(&b, &cv.query);
    if let Some(old) = &existing {
        if !cv.or_replace {
            return Err(DbError::new(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{name}\" already exists"),
            ));
        }
        check_replacement(old, &columns)?;
        if reads_transitively(ctx, &depends_on, old.id) {
            return Err(DbError::new(
                SqlState::from_static("42P17"),
                format!("infinite recursion detected in rules for relation \"{name}\""),
            ));
        }
    }
    let view = ViewSchema {
        id: TableId(0),
        database: ctx.database,
        schema,
        name,
        columns,
        query: cv.query.to_string(),
        depends_on,
    };
    ctx.txn.put_view(view, existing.is_some())?;
    Ok("CREATE VIEW".into())
}

/// PostgreSQL's rule for CREATE OR REPLACE: the old columns stay, with the
/// same names and types, in the same places; new ones may follow.
fn check_replacement(old: &ViewSchema, new: &[ColumnSchema]) -> DbResult<()> {
    if new.len() < old.columns.len() {
        return Err(DbError::new(
            SqlState::from_static("42P16"),
            "cannot drop columns from view",
        ));
    }
    for (o, n) in old.columns.iter().zip(new) {
        if o.name != n.name {
            return Err(DbError::new(
                SqlState::from_static("42P16"),
                format!(
                    "cannot change name of view column \"{}\" to \"{}\"",
                    o.name, n.name
                ),
            )
            .with_hint(
                "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.",
            ));
        }
        if o.data_type != n.data_type {
            return Err(DbError::new(
                SqlState::from_static("42P16"),
                format!(
                    "cannot change data type of view column \"{}\" from {} to {}",
                    o.name, o.data_type, n.data_type
                ),
            ));
        }
    }
    Ok(())
}

/// Whether reading `deps` reaches relation `target` (directly or through
/// views).
fn reads_transitively(ctx: &SqlContext<'_>, deps: &[TableId], target: TableId) -> bool {
    let catalog = ctx.txn.catalog();
    let mut seen = HashSet::new();
    let mut stack: Vec<TableId> = deps.to_vec();
    while let Some(id) = stack.pop() {
        if id == target {
            return true;
        }
        if seen.insert(id)
            && let Some(v) = catalog.views.get(&id)
        {
            stack.extend(v.depends_on.iter().copied());
        }
    }
    false
}

/// The tables and views a query names (CTE names resolve to nothing).
fn relations_read(b: &Binder<'_>, q: &Query) -> Vec<TableId> {
    let mut out = Vec::new();
    let _ = ast::visit_relations(q, |name: &ObjectName| {
        let (schema, rel) = object_name(name);
        let id = match b.find_table(schema.as_deref(), &rel) {
            Ok(Some(t)) => Some(t.id),
            _ => b.find_view(schema.as_deref(), &rel).map(|v| v.id),
        };
        if let Some(id) = id
            && !out.contains(&id)
        {
            out.push(id);
        }
        ControlFlow::<()>::Continue(())
    });
    out
}

/// DROP VIEW [IF EXISTS] names.
pub fn drop_views(
    ctx: &mut SqlContext<'_>,
    names: &[ObjectName],
    if_exists: bool,
) -> DbResult<String> {
    let mut found = Vec::new();
    for n in names {
        let (schema, rel) = object_name(n);
        let b = Binder::new(ctx.txn.catalog(), ctx.database, ctx.search_path, Vec::new());
        match b.find_view(schema.as_deref(), &rel) {
            Some(v) => found.push(v.id),
            None if b.find_table(schema.as_deref(), &rel)?.is_some() => {
                return Err(DbError::new(
                    SqlState::from_static("42809"),
                    format!("\"{rel}\" is not a view"),
                )
                .with_hint("Use DROP TABLE to remove a table."));
            }
            None if if_exists => ctx.notice(format!("view \"{rel}\" does not exist, skipping")),
            None => {
                return Err(DbError::new(
                    SqlState::UNDEFINED_TABLE,
                    format!("view \"{rel}\" does not exist"),
                ));
            }
        }
    }
    for id in found {
        ctx.txn.drop_view(id)?;
    }
    Ok("DROP VIEW".into())
}

/// The view's query, parsed, for binding where the view is read.
pub(crate) fn definition(view: &ViewSchema) -> DbResult<Box<Query>> {
    parse_query(&view.query)
}

/// How a simple view maps onto the one relation it selects from.
struct Updatable {
    base: ObjectName,
    /// The view's WHERE, with column qualifiers removed.
    filter: Option<Expr>,
    /// Per view column: its defining expression over the base relation.
    columns: Vec<(String, Expr)>,
}

impl Updatable {
    fn base_column(&self, view: &str, column: &str, verb: &str) -> DbResult<Ident> {
        match self.columns.iter().find(|(n, _)| n == column) {
            Some((_, Expr::Identifier(i))) => Ok(i.clone()),
            Some(_) => Err(DbError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                format!("cannot {verb} column \"{column}\" of view \"{view}\""),
            )
            .with_detail(
                "View columns that are not columns of their base relation are not updatable.",
            )),
            None => Err(DbError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{column}\" of relation \"{view}\" does not exist"),
            )),
        }
    }

    /// Rewrites references to view columns inside `e`.
    fn map_expr(&self, e: &mut Expr) {
        let _ = ast::visit_expressions_mut(e, |x: &mut Expr| {
            let column = match x {
                Expr::Identifier(i) => Some(ident(i)),
                Expr::CompoundIdentifier(parts) if parts.len() == 2 => Some(ident(&parts[1])),
                _ => None,
            };
            if let Some(c) = column
                && let Some((_, def)) = self.columns.iter().find(|(n, _)| *n == c)
            {
                *x = Expr::Nested(Box::new(def.clone()));
            }
            ControlFlow::<()>::Continue(())
        });
    }

    fn filtered(&self, user: Option<&Expr>) -> Option<Expr> {
        let user = user.cloned().map(|mut e| {
            self.map_expr(&mut e);
            e
        });
        match (self.filter.clone(), user) {
            (Some(v), Some(u)) => Some(Expr::BinaryOp {
                left: Box::new(Expr::Nested(Box::new(v))),
                op: ast::BinaryOperator::And,
                right: Box::new(Expr::Nested(Box::new(u))),
            }),
            (v, u) => v.or(u),
        }
    }

    fn map_returning(&self, items: &mut Vec<SelectItem>) {
        let mut out = Vec::new();
        for item in items.drain(..) {
            match item {
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                    for (n, def) in &self.columns {
                        out.push(SelectItem::ExprWithAlias {
                            expr: def.clone(),
                            alias: Ident::with_quote('"', n),
                        });
                    }
                }
                SelectItem::UnnamedExpr(mut e) => {
                    let alias = match &e {
                        Expr::Identifier(i) => Some(i.clone()),
                        Expr::CompoundIdentifier(p) => p.last().cloned(),
                        _ => None,
                    };
                    self.map_expr(&mut e);
                    out.push(match alias {
                        Some(alias) => SelectItem::ExprWithAlias { expr: e, alias },
                        None => SelectItem::UnnamedExpr(e),
                    });
                }
                SelectItem::ExprWithAlias { mut expr, alias } => {
                    self.map_expr(&mut expr);
                    out.push(SelectItem::ExprWithAlias { expr, alias });
                }
                other @ SelectItem::ExprWithAliases { .. } => out.push(other),
            }
        }
        *items = out;
    }
}

fn strip_qualifiers(e: &mut Expr) {
    let _ = ast::visit_expressions_mut(e, |x: &mut Expr| {
        if let Expr::CompoundIdentifier(parts) = x
            && parts.len() == 2
        {
            *x = Expr::Identifier(parts[1].clone());
        }
        ControlFlow::<()>::Continue(())
    });
}

fn not_updatable(verb: &str, view: &str, why: &str) -> DbError {
    DbError::new(
        SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
        format!("cannot {verb} view \"{view}\""),
    )
    .with_detail(why.to_string())
}

fn updatable(b: &Binder<'_>, view: &ViewSchema, verb: &str) -> DbResult<Updatable> {
    let q = parse_query(&view.query)?;
    let top = "Views containing WITH, DISTINCT, GROUP BY, HAVING, LIMIT, or OFFSET at the top level are not automatically updatable.";
    if q.with.is_some() || q.limit_clause.is_some() || q.fetch.is_some() {
        return Err(not_updatable(verb, &view.name, top));
    }
    let SetExpr::Select(select) = q.body.as_ref() else {
        return Err(not_updatable(
            verb,
            &view.name,
            "Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.",
        ));
    };
    let grouped = !matches!(&select.group_by, ast::GroupByExpr::Expressions(e, _) if e.is_empty());
    if select.distinct.is_some() || grouped || select.having.is_some() {
        return Err(not_updatable(verb, &view.name, top));
    }
    let single =
        "Views that do not select from a single table or view are not automatically updatable.";
    let [from] = select.from.as_slice() else {
        return Err(not_updatable(verb, &view.name, single));
    };
    let ast::TableFactor::Table {
        name, args: None, ..
    } = &from.relation
    else {
        return Err(not_updatable(verb, &view.name, single));
    };
    if !from.joins.is_empty() {
        return Err(not_updatable(verb, &view.name, single));
    }
    let (schema, rel) = object_name(name);
    let base_columns: Vec<String> = match b.find_table(schema.as_deref(), &rel)? {
        Some(t) => t.columns.iter().map(|c| c.name.clone()).collect(),
        None => match b.find_view(schema.as_deref(), &rel) {
            Some(v) => v.columns.iter().map(|c| c.name.clone()).collect(),
            None => return Err(not_updatable(verb, &view.name, single)),
        },
    };
    let mut defs = Vec::new();
    for item in &select.projection {
        match item {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => defs.extend(
                base_columns
                    .iter()
                    .map(|c| Expr::Identifier(Ident::with_quote('"', c))),
            ),
            SelectItem::UnnamedExpr(e)
            | SelectItem::ExprWithAlias { expr: e, .. }
            | SelectItem::ExprWithAliases { expr: e, .. } => {
                if contains_aggregate_or_window(e) {
                    return Err(not_updatable(
                        verb,
                        &view.name,
                        "Views that return aggregate functions are not automatically updatable.",
                    ));
                }
                let mut e = e.clone();
                strip_qualifiers(&mut e);
                defs.push(e);
            }
        }
    }
    let columns = view
        .columns
        .iter()
        .map(|c| c.name.clone())
        .zip(defs)
        .collect();
    let filter = select.selection.clone().map(|mut e| {
        strip_qualifiers(&mut e);
        e
    });
    Ok(Updatable {
        base: name.clone(),
        filter,
        columns,
    })
}

fn contains_aggregate_or_window(e: &Expr) -> bool {
    let mut found = false;
    let _ = ast::visit_expressions(e, |x: &Expr| {
        if let Expr::Function(f) = x {
            let n = f.name.to_string().to_ascii_lowercase();
            if f.over.is_some() || crate::func::is_aggregate(n.rsplit('.').next().unwrap_or(&n)) {
                found = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    found
}

fn view_target(b: &Binder<'_>, name: &ObjectName) -> Option<Arc<ViewSchema>> {
    let (schema, rel) = object_name(name);
    if matches!(b.find_table(schema.as_deref(), &rel), Ok(Some(_))) {
        return None;
    }
    b.find_view(schema.as_deref(), &rel)
}

/// INSERT / UPDATE / DELETE on a view, as the same statement on its base
/// relation; None when the target is not a view.
pub(crate) fn rewrite_dml(b: &Binder<'_>, stmt: &Statement) -> DbResult<Option<Statement>> {
    match stmt {
        Statement::Insert(ins) => {
            let ast::TableObject::TableName(name) = &ins.table else {
                return Ok(None);
            };
            let Some(view) = view_target(b, name) else {
                return Ok(None);
            };
            let u = updatable(b, &view, "insert into")?;
            let mut ins = ins.clone();
            let named: Vec<String> = if ins.columns.is_empty() {
                view.columns.iter().map(|c| c.name.clone()).collect()
            } else {
                ins.columns.iter().map(|c| object_name(c).1).collect()
            };
            let mut mapped = Vec::new();
            for c in &named {
                mapped.push(ObjectName::from(vec![u.base_column(
                    &view.name,
                    c,
                    "insert into",
                )?]));
            }
            ins.columns = mapped;
            ins.table = ast::TableObject::TableName(u.base.clone());
            if let Some(items) = ins.returning.as_mut() {
                u.map_returning(items);
            }
            Ok(Some(Statement::Insert(ins)))
        }
        Statement::Update(up) => {
            let ast::TableFactor::Table { name, .. } = &up.table.relation else {
                return Ok(None);
            };
            let Some(view) = view_target(b, name) else {
                return Ok(None);
            };
            let u = updatable(b, &view, "update")?;
            let mut up = up.clone();
            if let ast::TableFactor::Table { name, alias, .. } = &mut up.table.relation {
                *name = u.base.clone();
                if alias.is_none() {
                    *alias = Some(ast::TableAlias {
                        explicit: true,
                        name: Ident::with_quote('"', &view.name),
                        columns: Vec::new(),
                        at: None,
                    });
                }
            }
            for a in &mut up.assignments {
                if let ast::AssignmentTarget::ColumnName(col) = &mut a.target {
                    let c = object_name(col).1;
                    *col = ObjectName::from(vec![u.base_column(&view.name, &c, "update")?]);
                }
                u.map_expr(&mut a.value);
            }
            up.selection = u.filtered(up.selection.as_ref());
            if let Some(items) = up.returning.as_mut() {
                u.map_returning(items);
            }
            Ok(Some(Statement::Update(up)))
        }
        Statement::Delete(del) => {
            let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
                &del.from;
            let [target] = from.as_slice() else {
                return Ok(None);
            };
            let ast::TableFactor::Table { name, .. } = &target.relation else {
                return Ok(None);
            };
            let Some(view) = view_target(b, name) else {
                return Ok(None);
            };
            let u = updatable(b, &view, "delete from")?;
            let mut del = del.clone();
            if let ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from) =
                &mut del.from
                && let Some(ast::TableFactor::Table { name, alias, .. }) =
                    from.first_mut().map(|t| &mut t.relation)
            {
                *name = u.base.clone();
                if alias.is_none() {
                    *alias = Some(ast::TableAlias {
                        explicit: true,
                        name: Ident::with_quote('"', &view.name),
                        columns: Vec::new(),
                        at: None,
                    });
                }
            }
            del.selection = u.filtered(del.selection.as_ref());
            if let Some(items) = del.returning.as_mut() {
                u.map_returning(items);
            }
            Ok(Some(Statement::Delete(del)))
        }
        _ => Ok(None),
    }
}
