//! INSERT, UPDATE and DELETE.
//!
//! UPDATE and DELETE find their rows through the chosen access path at the
//! statement's snapshot, then write each row through the store's
//! `update`/`delete`, whose closure re-checks the predicate on the newest
//! committed version when a concurrent writer changed the row (PostgreSQL's
//! EvalPlanQual under READ COMMITTED).

use crate::bind::{Binder, Scope, table_columns};
use crate::exec::Executor;
use crate::expr::{EvalEnv, Expr, truthy};
use crate::meta::TableMeta;
use crate::output::Column;
use crate::parse::{ident, object_name};
use crate::plan::{Access, Plan};
use crate::types::{self, FormatOptions};
use aiondb_core::{DataType, DbError, DbResult, Row, SqlState, Value};
use aiondb_storage::TableSchema;
use sqlparser::ast;
use std::ops::Bound;
use std::sync::Arc;

/// A bound INSERT.
#[derive(Debug)]
pub struct BoundInsert {
    pub table: Arc<TableSchema>,
    /// For each table column: the source column index, or its default.
    pub targets: Vec<Target>,
    pub source: Plan,
    pub returning: Option<(Vec<Expr>, Vec<Column>)>,
    pub on_conflict_do_nothing: bool,
    pub checks: Vec<(String, Expr)>,
}

/// Where an inserted column's value comes from.
#[derive(Debug)]
pub enum Target {
    Source(usize),
    Default(Option<Expr>),
}

/// A bound UPDATE or DELETE.
#[derive(Debug)]
pub struct BoundModify {
    pub table: Arc<TableSchema>,
    pub access: Access,
    pub predicate: Option<Expr>,
    /// Column position -> new value (UPDATE); empty for DELETE.
    pub assignments: Vec<(usize, Expr)>,
    pub returning: Option<(Vec<Expr>, Vec<Column>)>,
    pub delete: bool,
    pub checks: Vec<(String, Expr)>,
}

fn table_of(b: &Binder<'_>, name: &ast::ObjectName) -> DbResult<Arc<TableSchema>> {
    let (schema, rel) = object_name(name);
    if crate::catalog::system_columns(schema.as_deref(), &rel).is_some()
        && b.find_table(schema.as_deref(), &rel)?.is_none()
    {
        return Err(DbError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            format!("permission denied: \"{rel}\" is a system catalog"),
        ));
    }
    b.table(schema.as_deref(), &rel)
}

fn parse_expr(sql: &str) -> DbResult<ast::Expr> {
    sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| DbError::internal(format!("stored expression \"{sql}\" does not parse: {e}")))
}

fn bind_checks(
    b: &mut Binder<'_>,
    table: &TableSchema,
    scope: &Scope,
) -> DbResult<Vec<(String, Expr)>> {
    let meta = TableMeta::of(table)?;
    let mut out = Vec::new();
    for c in &meta.checks {
        let e = b.bind_expr(&parse_expr(&c.expr)?, scope)?;
        out.push((c.name.clone(), e));
    }
    Ok(out)
}

fn bind_returning(
    b: &mut Binder<'_>,
    items: &Option<Vec<ast::SelectItem>>,
    table: &TableSchema,
    scope: &Scope,
) -> DbResult<Option<(Vec<Expr>, Vec<Column>)>> {
    let Some(items) = items else { return Ok(None) };
    let mut exprs = Vec::new();
    let mut cols = Vec::new();
    let tcols = table_columns(table);
    for item in items {
        match item {
            ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                for (i, c) in tcols.iter().enumerate() {
                    exprs.push(Expr::Column(i, c.data_type.clone()));
                    cols.push(c.clone());
                }
            }
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                let x = b.bind_expr(e, scope)?;
                let name = match item {
                    ast::SelectItem::ExprWithAlias { alias, .. } => ident(alias),
                    _ => match e {
                        ast::Expr::Identifier(i) => ident(i),
                        ast::Expr::CompoundIdentifier(p) => p.last().map(ident).unwrap_or_default(),
                        ast::Expr::Function(f) => object_name(&f.name).1,
                        _ => "?column?".into(),
                    },
                };
                let mut col = Column::computed(name, x.data_type());
                if let Expr::Column(i, _) = &x {
                    col = tcols[*i].clone();
                }
                exprs.push(x);
                cols.push(col);
            }
            other => return Err(DbError::not_supported(format!("RETURNING {other}"))),
        }
    }
    Ok(Some((exprs, cols)))
}

/// Binds INSERT.
pub fn bind_insert(b: &mut Binder<'_>, ins: &ast::Insert) -> DbResult<BoundInsert> {
    let ast::TableObject::TableName(name) = &ins.table else {
        return Err(DbError::not_supported("INSERT INTO a table function"));
    };
    let table = table_of(b, name)?;
    let meta = TableMeta::of(&table)?;
    let positions: Vec<usize> = if ins.columns.is_empty() {
        (0..table.columns.len()).collect()
    } else {
        let mut v = Vec::new();
        for c in &ins.columns {
            let n = object_name(c).1;
            let p = table
                .columns
                .iter()
                .position(|x| x.name == n)
                .ok_or_else(|| {
                    DbError::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{n}\" of relation \"{}\" does not exist",
                            table.name
                        ),
                    )
                })?;
            if v.contains(&p) {
                return Err(DbError::new(
                    SqlState::DUPLICATE_COLUMN,
                    format!("column \"{n}\" specified more than once"),
                ));
            }
            v.push(p);
        }
        v
    };
    let target_types: Vec<DataType> = positions
        .iter()
        .map(|&p| table.columns[p].data_type.clone())
        .collect();
    let source = match &ins.source {
        None => Plan::Values {
            rows: vec![vec![]],
            columns: vec![],
        },
        Some(q) => match q.body.as_ref() {
            ast::SetExpr::Values(values) if q.order_by.is_none() && q.limit_clause.is_none() => {
                // DEFAULT in VALUES: substitute the column's default.
                let mut rows = Vec::new();
                for r in values.rows.iter().map(|r| &r.content) {
                    if r.len() > positions.len() {
                        return Err(DbError::new(
                            SqlState::SYNTAX_ERROR,
                            "INSERT has more expressions than target columns",
                        ));
                    }
                    let mut out = Vec::new();
                    for (i, e) in r.iter().enumerate() {
                        let is_default = matches!(e, ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"));
                        out.push(if is_default {
                            match meta.defaults.get(&positions[i]) {
                                Some(d) => parse_expr(d)?,
                                None => ast::Expr::Value(ast::Value::Null.into()),
                            }
                        } else {
                            e.clone()
                        });
                    }
                    rows.push(out);
                }
                crate::bind::query::bind_values(b, &rows, &target_types)?
            }
            _ => crate::bind::bind_query(b, q)?,
        },
    };
    let width = source.columns().len();
    if width > positions.len() {
        return Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            "INSERT has more expressions than target columns",
        ));
    }
    let mut targets: Vec<Target> = Vec::new();
    let empty = Scope::default();
    for (i, col) in table.columns.iter().enumerate() {
        match positions
            .iter()
            .position(|&p| p == i)
            .filter(|&k| k < width)
        {
            Some(k) => targets.push(Target::Source(k)),
            None => {
                let d = match meta.defaults.get(&i) {
                    Some(d) => {
                        let e = b.bind_expr(&parse_expr(d)?, &empty)?;
                        Some(b.coerce_to(e, &col.data_type)?)
                    }
                    None => None,
                };
                targets.push(Target::Default(d));
            }
        }
    }
    let scope = Scope::of(&table_columns(&table), Some(&table.name));
    let returning = bind_returning(b, &ins.returning, &table, &scope)?;
    let checks = bind_checks(b, &table, &scope)?;
    let on_conflict_do_nothing = match &ins.on {
        None => false,
        Some(ast::OnInsert::OnConflict(oc)) => match &oc.action {
            ast::OnConflictAction::DoNothing => true,
            ast::OnConflictAction::DoUpdate(_) => {
                return Err(DbError::not_supported("ON CONFLICT DO UPDATE"));
            }
        },
        Some(other) => return Err(DbError::not_supported(format!("{other}"))),
    };
    Ok(BoundInsert {
        table,
        targets,
        source,
        returning,
        on_conflict_do_nothing,
        checks,
    })
}

/// Binds UPDATE.
pub fn bind_update(b: &mut Binder<'_>, up: &ast::Update) -> DbResult<BoundModify> {
    if up.from.is_some() {
        return Err(DbError::not_supported("UPDATE ... FROM"));
    }
    let ast::TableFactor::Table { name, alias, .. } = &up.table.relation else {
        return Err(DbError::not_supported("UPDATE of this target"));
    };
    let table = table_of(b, name)?;
    let alias = alias
        .as_ref()
        .map(|a| ident(&a.name))
        .unwrap_or_else(|| table.name.clone());
    let scope = Scope::of(&table_columns(&table), Some(&alias));
    let mut assignments = Vec::new();
    for a in &up.assignments {
        let ast::AssignmentTarget::ColumnName(col) = &a.target else {
            return Err(DbError::not_supported("UPDATE of a column tuple"));
        };
        let n = object_name(col).1;
        let p = table
            .columns
            .iter()
            .position(|c| c.name == n)
            .ok_or_else(|| {
                DbError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!(
                        "column \"{n}\" of relation \"{}\" does not exist",
                        table.name
                    ),
                )
            })?;
        let is_default = matches!(&a.value, ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"));
        let value = if is_default {
            match TableMeta::of(&table)?.defaults.get(&p) {
                Some(d) => parse_expr(d)?,
                None => ast::Expr::Value(ast::Value::Null.into()),
            }
        } else {
            a.value.clone()
        };
        let e = b.bind_expr(&value, &scope)?;
        let e = b.resolve(e, &table.columns[p].data_type)?;
        assignments.push((p, e));
    }
    let (access, predicate) = bind_where(b, &table, up.selection.as_ref(), &scope)?;
    let returning = bind_returning(b, &up.returning, &table, &scope)?;
    let checks = bind_checks(b, &table, &scope)?;
    Ok(BoundModify {
        table,
        access,
        predicate,
        assignments,
        returning,
        delete: false,
        checks,
    })
}

/// Binds DELETE.
pub fn bind_delete(b: &mut Binder<'_>, del: &ast::Delete) -> DbResult<BoundModify> {
    if del.using.is_some() {
        return Err(DbError::not_supported("DELETE ... USING"));
    }
    let from = match &del.from {
        ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t,
    };
    let Some(ast::TableWithJoins {
        relation: ast::TableFactor::Table { name, alias, .. },
        joins,
    }) = from.first()
    else {
        return Err(DbError::not_supported("DELETE of this target"));
    };
    if from.len() > 1 || !joins.is_empty() {
        return Err(DbError::not_supported("DELETE from several tables"));
    }
    let table = table_of(b, name)?;
    let alias = alias
        .as_ref()
        .map(|a| ident(&a.name))
        .unwrap_or_else(|| table.name.clone());
    let scope = Scope::of(&table_columns(&table), Some(&alias));
    let (access, predicate) = bind_where(b, &table, del.selection.as_ref(), &scope)?;
    let returning = bind_returning(b, &del.returning, &table, &scope)?;
    Ok(BoundModify {
        table,
        access,
        predicate,
        assignments: Vec::new(),
        returning,
        delete: true,
        checks: Vec::new(),
    })
}

fn bind_where(
    b: &mut Binder<'_>,
    table: &Arc<TableSchema>,
    w: Option<&ast::Expr>,
    scope: &Scope,
) -> DbResult<(Access, Option<Expr>)> {
    let Some(w) = w else {
        return Ok((Access::Full, None));
    };
    let pred = b.bind_expr(w, scope)?;
    let pred = b.coerce_to(pred, &DataType::Bool)?;
    let scan = Plan::Scan {
        table: table.clone(),
        access: Access::Full,
        columns: table_columns(table),
    };
    let access = match crate::bind::from::with_filter(scan, pred.clone()) {
        Plan::Filter { input, .. } => match *input {
            Plan::Scan { access, .. } => access,
            _ => Access::Full,
        },
        _ => Access::Full,
    };
    Ok((access, Some(pred)))
}

/// Checks NOT NULL and CHECK constraints on a row about to be written.
fn check_row(
    exec: &mut Executor<'_>,
    table: &TableSchema,
    checks: &[(String, Expr)],
    row: &Row,
) -> DbResult<()> {
    for (c, v) in table.columns.iter().zip(row) {
        if !c.nullable && v.is_null() {
            return Err(DbError::new(
                SqlState::NOT_NULL_VIOLATION,
                format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    c.name, table.name
                ),
            ));
        }
    }
    for (name, e) in checks {
        if exec.eval(e, row)? == Value::Bool(false) {
            return Err(DbError::new(
                SqlState::CHECK_VIOLATION,
                format!(
                    "new row for relation \"{}\" violates check constraint \"{name}\"",
                    table.name
                ),
            ));
        }
    }
    Ok(())
}

fn assign(v: Value, from: &DataType, to: &DataType) -> DbResult<Value> {
    if v.is_null() {
        return Ok(v);
    }
    let from = if *from == DataType::Unknown {
        &DataType::Text
    } else {
        from
    };
    if from == to {
        return match (to, &v) {
            (
                DataType::Varchar(Some(_)) | DataType::Char(Some(_)) | DataType::Numeric(Some(_)),
                _,
            ) => types::cast_assignment(v, from, to, &FormatOptions::default()),
            _ => Ok(v),
        };
    }
    types::cast_assignment(v, from, to, &FormatOptions::default())
}

/// Runs an INSERT; returns (rows inserted, RETURNING rows).
pub fn run_insert(exec: &mut Executor<'_>, ins: &BoundInsert) -> DbResult<(u64, Vec<Row>)> {
    let rows = exec.run(&ins.source)?;
    let src_types: Vec<DataType> = ins
        .source
        .columns()
        .iter()
        .map(|c| c.data_type.clone())
        .collect();
    let empty = Vec::new();
    let mut count = 0;
    let mut returned = Vec::new();
    let mut fk = crate::foreign_key::Pending::new(&exec.txn.catalog(), &ins.table)?;
    for src in rows {
        let mut row = Vec::with_capacity(ins.table.columns.len());
        for (i, t) in ins.targets.iter().enumerate() {
            let col_ty = &ins.table.columns[i].data_type;
            row.push(match t {
                Target::Source(k) => assign(src[*k].clone(), &src_types[*k], col_ty)?,
                Target::Default(Some(e)) => {
                    let v = exec.eval(e, &empty)?;
                    assign(v, &e.data_type(), col_ty)?
                }
                Target::Default(None) => Value::Null,
            });
        }
        check_row(exec, &ins.table, &ins.checks, &row)?;
        match exec.txn.insert(ins.table.id, row.clone()) {
            Ok(_) => {}
            Err(e) if ins.on_conflict_do_nothing && e.code == SqlState::UNIQUE_VIOLATION => {
                continue;
            }
            Err(e) => return Err(e),
        }
        fk.inserted(&row);
        count += 1;
        if let Some((exprs, _)) = &ins.returning {
            let mut out = Vec::new();
            for e in exprs {
                out.push(exec.eval(e, &row)?);
            }
            returned.push(out);
        }
    }
    fk.finish(exec)?;
    Ok((count, returned))
}

/// Runs an UPDATE or DELETE; returns (rows affected, RETURNING rows).
pub fn run_modify(exec: &mut Executor<'_>, m: &BoundModify) -> DbResult<(u64, Vec<Row>)> {
    let candidates = find_rows(exec, m)?;
    let mut count = 0;
    let mut returned = Vec::new();
    let params = exec.params.clone();
    let mut fk = crate::foreign_key::Pending::new(&exec.txn.catalog(), &m.table)?;
    for (key, seen) in candidates {
        // Compute against the version we saw; re-evaluate (without
        // subqueries) if a concurrent writer changed the row.
        let planned = compute(exec, m, &seen)?;
        let mut written: Option<Row> = None;
        if m.delete {
            let deleted = exec.txn.delete(m.table.id, &key, |current| {
                if *current == seen {
                    return Ok(planned.is_some());
                }
                Ok(reevaluate(m, current, &params)?.is_some())
            })?;
            if deleted {
                written = Some(seen.clone());
            }
        } else {
            let result = exec.txn.update(m.table.id, &key, |current| {
                if *current == seen {
                    return Ok(planned.clone());
                }
                reevaluate(m, current, &params)
            })?;
            if let Some(new) = result {
                written = Some(new);
            }
        }
        if let Some(row) = written {
            if !m.delete {
                check_row(exec, &m.table, &m.checks, &row)?;
            }
            fk.changed(&seen, (!m.delete).then_some(&row));
            count += 1;
            if let Some((exprs, _)) = &m.returning {
                let mut out = Vec::new();
                for e in exprs {
                    out.push(exec.eval(e, &row)?);
                }
                returned.push(out);
            }
        }
    }
    fk.finish(exec)?;
    Ok((count, returned))
}

fn compute(exec: &mut Executor<'_>, m: &BoundModify, row: &Row) -> DbResult<Option<Row>> {
    if let Some(p) = &m.predicate
        && !truthy(&exec.eval(p, row)?)
    {
        return Ok(None);
    }
    let mut new = row.clone();
    for (col, e) in &m.assignments {
        let v = exec.eval(e, row)?;
        new[*col] = assign(v, &e.data_type(), &m.table.columns[*col].data_type)?;
    }
    Ok(Some(new))
}

/// Re-evaluates predicate and assignments on a newer row version.
fn reevaluate(m: &BoundModify, row: &Row, params: &Arc<Vec<Value>>) -> DbResult<Option<Row>> {
    let mut env = EvalEnv {
        params: params.clone(),
        exec: None,
    };
    if let Some(p) = &m.predicate
        && !truthy(&p.eval(row, &mut env)?)
    {
        return Ok(None);
    }
    let mut new = row.clone();
    for (col, e) in &m.assignments {
        let v = e.eval(row, &mut env)?;
        new[*col] = assign(v, &e.data_type(), &m.table.columns[*col].data_type)?;
    }
    Ok(Some(new))
}

fn find_rows(exec: &mut Executor<'_>, m: &BoundModify) -> DbResult<Vec<(Vec<Value>, Row)>> {
    let empty = Vec::new();
    let t = &m.table;
    let mut out = Vec::new();
    let pairs: Vec<(Vec<Value>, Row)> = match &m.access {
        Access::Full => exec
            .txn
            .scan(t.id, Bound::Unbounded, Bound::Unbounded)?
            .collect(),
        Access::PrimaryKey(exprs) => {
            let mut key = Vec::new();
            for (e, &c) in exprs.iter().zip(&t.primary_key) {
                let v = exec.eval(e, &empty)?;
                if v.is_null() {
                    return Ok(Vec::new());
                }
                key.push(crate::ops::coerce(
                    v,
                    &e.data_type(),
                    &t.columns[c].data_type,
                )?);
            }
            exec.txn
                .get(t.id, &key)?
                .map(|r| (key, r))
                .into_iter()
                .collect()
        }
        Access::IndexEq(ix, exprs) => {
            let Some(index) = t.index(*ix) else {
                return Err(DbError::internal("index vanished"));
            };
            let mut key = Vec::new();
            for (e, &c) in exprs.iter().zip(&index.columns) {
                let v = exec.eval(e, &empty)?;
                if v.is_null() {
                    return Ok(Vec::new());
                }
                key.push(crate::ops::coerce(
                    v,
                    &e.data_type(),
                    &t.columns[c].data_type,
                )?);
            }
            exec.txn
                .index_scan(
                    t.id,
                    *ix,
                    Bound::Included(key.clone()),
                    Bound::Included(key),
                )?
                .collect()
        }
    };
    for (k, r) in pairs {
        match &m.predicate {
            Some(p) if !truthy(&exec.eval(p, &r)?) => {}
            _ => out.push((k, r)),
        }
    }
    Ok(out)
}
