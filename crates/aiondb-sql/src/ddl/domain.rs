//! CREATE DOMAIN, and checking values against a domain's constraints.
//!
//! A domain is a [`UserObject`] holding its base type, NOT NULL flag,
//! DEFAULT and CHECK constraints (as SQL text over `VALUE`). Expressions
//! of a domain type compute on the base type; a value becomes a domain
//! value through a cast or an assignment, which the binder wraps in a
//! check call ([`Binder::domain_checked`]) when the domain has
//! constraints. The check looks the domain up again in the transaction's
//! catalog when it runs, binds each CHECK with `VALUE` as the one column
//! of a one-column row, and fails as PostgreSQL does:
//! `23502 domain d does not allow null values`,
//! `23514 value for domain d violates check constraint "c"`.

use crate::bind::{Binder, Scope};
use crate::expr::{EvalEnv, Expr};
use crate::output::{Column, SqlContext};
use crate::parse::object_name;
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId, Value};
use aiondb_storage::{DomainCheck, DomainSchema, ObjectKind, UserObject};
use sqlparser::ast;

/// Name prefix of a bound domain check call (never a valid identifier).
pub const DOMAIN_CHECK: &str = "\u{0}domain:";

/// The domain oid of a bound check call's name.
pub fn check_id(name: &str) -> Option<u32> {
    name.strip_prefix(DOMAIN_CHECK)
        .and_then(|id| id.parse().ok())
}

/// 42710 when a type of this name exists in the schema.
pub(crate) fn require_new_type(ctx: &SqlContext<'_>, schema: &str, name: &str) -> DbResult<()> {
    let builtin = schema == "pg_catalog" && crate::types::parse_type_name(name).is_some();
    if builtin
        || ctx
            .txn
            .catalog()
            .user_type(ctx.database, schema, name)
            .is_some()
    {
        return Err(DbError::new(
            SqlState::DUPLICATE_OBJECT,
            format!("type \"{name}\" already exists"),
        ));
    }
    Ok(())
}

/// CREATE DOMAIN name AS type [DEFAULT e] [CONSTRAINT c] CHECK (..) ...
pub fn create_domain(ctx: &mut SqlContext<'_>, cd: &ast::CreateDomain) -> DbResult<String> {
    if cd.collation.is_some() {
        return Err(DbError::not_supported("CREATE DOMAIN ... COLLATE"));
    }
    let (schema, name) = object_name(&cd.name);
    let schema = super::schema_name(ctx, schema, false)?;
    require_new_type(ctx, &schema, &name)?;
    let base = crate::type_names::resolve(
        &ctx.txn.catalog(),
        ctx.database,
        ctx.search_path,
        &cd.data_type,
    )?;
    let mut checks: Vec<DomainCheck> = Vec::new();
    let mut not_null = false;
    for c in &cd.constraints {
        let ast::TableConstraint::Check(ch) = c else {
            return Err(DbError::not_supported(format!(
                "domain constraint {c} is not supported"
            )));
        };
        if ch.name.as_ref().is_some_and(|n| n.value == NOT_NULL_MARKER) {
            not_null = true;
            continue;
        }
        let cname = match &ch.name {
            Some(n) => crate::parse::ident(n),
            None => numbered_check_name(&name, &checks),
        };
        checks.push(DomainCheck {
            name: cname,
            expr: ch.expr.to_string(),
        });
    }
    let domain = DomainSchema {
        base: base.clone(),
        default: cd.default.as_ref().map(ToString::to_string),
        not_null,
        checks,
    };
    // Every CHECK must bind over the base type and give a boolean.
    for c in &domain.checks {
        bind_check(ctx.txn.catalog(), ctx.database, ctx.search_path, &base, c)?;
    }
    ctx.txn.put_object(UserObject {
        id: TableId(0),
        database: ctx.database,
        schema,
        name,
        kind: ObjectKind::Domain(domain),
    })?;
    Ok("CREATE DOMAIN".into())
}

/// The constraint name [`rewrite_not_null`] gives a domain's NOT NULL
/// (sqlparser reads no NOT NULL in CREATE DOMAIN); no user can type it.
const NOT_NULL_MARKER: &str = "\u{1}not null";

/// CREATE DOMAIN text with its top-level `NOT NULL` turned into a marked
/// CHECK constraint and a bare `NULL` (the default) dropped, so sqlparser
/// reads it; None when there is neither.
pub(crate) fn rewrite_not_null(text: &str) -> Option<String> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, text)
        .tokenize()
        .ok()?;
    let toks: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let word = |t: &Token, kw: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw));
    let mut out: Vec<Token> = Vec::with_capacity(toks.len());
    let (mut depth, mut changed, mut i) = (0usize, false, 0);
    while let Some(t) = toks.get(i) {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        let top = depth == 0;
        if top && word(t, "not") && toks.get(i + 1).is_some_and(|n| word(n, "null")) {
            let marked = format!("CONSTRAINT \"{NOT_NULL_MARKER}\" CHECK (VALUE IS NOT NULL)");
            let extra = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, &marked)
                .tokenize()
                .ok()?;
            out.extend(
                extra
                    .into_iter()
                    .filter(|t| !matches!(t, Token::Whitespace(_))),
            );
            changed = true;
            i += 2;
            continue;
        }
        let after_default = out.last().is_some_and(|p| word(p, "default"));
        if top && word(t, "null") && !after_default {
            changed = true;
            i += 1;
            continue;
        }
        out.push(t.clone());
        i += 1;
    }
    changed.then(|| crate::plpgsql::render(&out))
}

/// PostgreSQL's name for an unnamed domain CHECK: `d_check`, then
/// `d_check1`, ...
fn numbered_check_name(domain: &str, taken: &[DomainCheck]) -> String {
    let base = format!("{domain}_check");
    let mut candidate = base.clone();
    let mut n = 0;
    while taken.iter().any(|c| c.name == candidate) {
        n += 1;
        candidate = format!("{base}{n}");
    }
    candidate
}

/// A domain CHECK bound over a one-column row holding `VALUE`.
fn bind_check(
    catalog: std::sync::Arc<aiondb_storage::Catalog>,
    database: u32,
    search_path: &[String],
    base: &DataType,
    check: &DomainCheck,
) -> DbResult<Expr> {
    let mut b = Binder::new(catalog, database, search_path, Vec::new());
    let scope = Scope::of(&[Column::computed("value", base.clone())], None);
    let e = b.bind_expr(&crate::meta::parse_expr(&check.expr)?, &scope)?;
    b.coerce_to(e, &DataType::Bool)
}

impl Binder<'_> {
    /// `e`, already of type `ty`, checked against `ty`'s domain
    /// constraints when it is a domain that has any.
    pub(crate) fn domain_checked(&self, e: Expr, ty: &DataType) -> Expr {
        let DataType::Domain(d) = ty else {
            return e;
        };
        let constrained = match self.catalog.objects.get(&TableId(d.oid)).map(|o| &o.kind) {
            Some(ObjectKind::Domain(s)) => s.not_null || !s.checks.is_empty(),
            _ => false,
        };
        if !constrained {
            return e;
        }
        Expr::Func {
            name: format!("{DOMAIN_CHECK}{}", d.oid),
            args: vec![e],
            ty: ty.clone(),
        }
    }
}

/// Checks a value assigned to a column of type `ty` (INSERT, UPDATE)
/// against the domain's constraints when `ty` is a domain.
pub fn check_assigned(
    exec: &mut crate::exec::Executor<'_>,
    ty: &DataType,
    value: &Value,
) -> DbResult<()> {
    let DataType::Domain(d) = ty else {
        return Ok(());
    };
    let mut env = EvalEnv {
        params: exec.params.clone(),
        exec: Some(exec),
    };
    check_value(d.oid, value.clone(), &mut env).map(|_| ())
}

/// Runs a bound domain check: `value` itself if it satisfies the
/// domain's constraints.
pub fn check_value(id: u32, value: Value, env: &mut EvalEnv<'_, '_>) -> DbResult<Value> {
    let Some(exec) = env.exec.as_deref_mut() else {
        return Err(DbError::internal("domain check run without an executor"));
    };
    let catalog = exec.txn.catalog();
    let Some(object) = catalog.objects.get(&TableId(id)).cloned() else {
        return Err(DbError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("cache lookup failed for type {id}"),
        ));
    };
    let ObjectKind::Domain(domain) = &object.kind else {
        return Err(DbError::internal(format!("type {id} is not a domain")));
    };
    if value.is_null() {
        if domain.not_null {
            return Err(DbError::new(
                SqlState::NOT_NULL_VIOLATION,
                format!("domain {} does not allow null values", object.name),
            ));
        }
        return Ok(value);
    }
    let row = vec![value];
    for c in &domain.checks {
        let search_path = exec.search_path.to_vec();
        let e = bind_check(
            catalog.clone(),
            exec.database,
            &search_path,
            &domain.base,
            c,
        )?;
        if exec.eval(&e, &row)? == Value::Bool(false) {
            return Err(DbError::new(
                SqlState::CHECK_VIOLATION,
                format!(
                    "value for domain {} violates check constraint \"{}\"",
                    object.name, c.name
                ),
            ));
        }
    }
    Ok(row.into_iter().next().unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_checks_are_numbered() {
        let taken = vec![DomainCheck {
            name: "d_check".into(),
            expr: "VALUE > 0".into(),
        }];
        assert_eq!(numbered_check_name("d", &[]), "d_check");
        assert_eq!(numbered_check_name("d", &taken), "d_check1");
    }

    #[test]
    fn check_names_parse() {
        assert_eq!(check_id(&format!("{DOMAIN_CHECK}16400")), Some(16400));
        assert_eq!(check_id("lower"), None);
    }
}
