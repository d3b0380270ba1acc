//! User-defined functions: CREATE/DROP FUNCTION, call resolution, calls.
//!
//! A function is a [`FunctionSchema`] in the catalog (WAL-logged by the
//! store). Calls resolve after the built-ins: the binder asks
//! [`resolve`] only when no built-in of that name takes the argument
//! types, and binds the call as `Expr::Func` named [`USER_FN`]`<oid>`;
//! evaluation ([`invoke`]) looks the definition up again in the
//! transaction's catalog, so a function replaced or dropped in the same
//! transaction is seen as it now is. SQL bodies run statement by
//! statement (the last one's first value is the result); plpgsql bodies
//! run in the interpreter. Parameters are visible by name and as `$n`.
//!
//! Invariants: STRICT functions return NULL for any NULL argument without
//! running; nesting is bounded ([`MAX_DEPTH`], 54001), so a recursive
//! function cannot overflow the stack.

use crate::bind::Binder;
use crate::expr::{EvalEnv, Expr};
use crate::output::SqlContext;
use crate::parse::object_name;
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId, Value};
use aiondb_storage::{FunctionArg, FunctionSchema};
use sqlparser::ast;
use std::cell::Cell;
use std::sync::Arc;

/// Name prefix of a bound call of a user function (never a valid
/// identifier, so it cannot clash with a built-in).
pub const USER_FN: &str = "\u{0}fn:";

/// How deeply user functions may call each other.
const MAX_DEPTH: usize = 64;

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// The oid of a bound user function call's name.
pub fn user_fn_id(name: &str) -> Option<u32> {
    name.strip_prefix(USER_FN).and_then(|id| id.parse().ok())
}

fn invalid_definition(msg: impl Into<String>) -> DbError {
    DbError::new(SqlState::from_static("42P13"), msg)
}

fn arg_types_text(types: &[DataType]) -> String {
    types
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A parameter or result type without its modifier: PostgreSQL keeps
/// none for functions (`RETURNS varchar(3)` returns any varchar).
pub(crate) fn without_typmod(t: DataType) -> DataType {
    match t {
        DataType::Varchar(Some(_)) => DataType::Varchar(None),
        DataType::Char(Some(_)) => DataType::Char(None),
        DataType::Numeric(Some(_)) => DataType::Numeric(None),
        DataType::Array(e) => DataType::Array(Box::new(without_typmod(*e))),
        other => other,
    }
}

fn is_void(t: &ast::DataType) -> bool {
    t.to_string().eq_ignore_ascii_case("void")
}

/// A parameter or result type: built-in, user-defined, or `cstring`.
fn signature_type(ctx: &SqlContext<'_>, t: &ast::DataType) -> DbResult<DataType> {
    let catalog = ctx.txn.catalog();
    crate::user_types::resolve_type(&catalog, ctx.database, ctx.search_path, t, true)
}

/// PostgreSQL's NOTICEs for an internal function over a shell type (the
/// type's I/O functions are made before the type is complete); SQL and
/// PL/pgSQL functions cannot take or return a shell type at all.
fn shell_type_notices(
    ctx: &mut SqlContext<'_>,
    language: &str,
    args: &[FunctionArg],
    returns: Option<&DataType>,
) -> DbResult<()> {
    let catalog = ctx.txn.catalog();
    let is_shell = |t: &DataType| match t {
        DataType::User { oid, .. } => catalog.type_by_oid(*oid).is_some_and(|t| t.base.is_none()),
        _ => false,
    };
    let internal = language == "internal";
    if let Some(t) = returns.filter(|t| is_shell(t)) {
        if !internal {
            return Err(invalid_definition(format!(
                "SQL function cannot return shell type {t}"
            )));
        }
        ctx.notice(format!("return type {t} is only a shell"));
    }
    for a in args.iter().filter(|a| is_shell(&a.data_type)) {
        if !internal {
            return Err(invalid_definition(format!(
                "SQL function cannot accept shell type {}",
                a.data_type
            )));
        }
        ctx.notice(format!("argument type {} is only a shell", a.data_type));
    }
    Ok(())
}

/// CREATE [OR REPLACE] FUNCTION.
pub fn create_function(ctx: &mut SqlContext<'_>, cf: &ast::CreateFunction) -> DbResult<String> {
    if cf.temporary || cf.or_alter || cf.using.is_some() {
        return Err(DbError::not_supported(
            "this form of CREATE FUNCTION is not supported",
        ));
    }
    let (schema, name) = object_name(&cf.name);
    let schema = crate::ddl::schema_name(ctx, schema, false)?;
    let mut args = Vec::new();
    for a in cf.args.iter().flatten() {
        if matches!(&a.mode, Some(m) if !matches!(m, ast::ArgMode::In)) {
            return Err(DbError::not_supported(
                "OUT and INOUT function parameters are not supported",
            ));
        }
        if a.default_expr.is_some() {
            return Err(DbError::not_supported(
                "function parameter defaults are not supported",
            ));
        }
        args.push(FunctionArg {
            name: a.name.as_ref().map(crate::parse::ident),
            data_type: without_typmod(signature_type(ctx, &a.data_type)?),
        });
    }
    let returns = match &cf.return_type {
        None => return Err(invalid_definition("function result type must be specified")),
        Some(ast::FunctionReturnType::SetOf(_)) => {
            return Err(DbError::not_supported(
                "functions returning SETOF are not supported",
            ));
        }
        Some(ast::FunctionReturnType::DataType(t)) if is_void(t) => None,
        Some(ast::FunctionReturnType::DataType(t)) => match t.to_string().to_lowercase().as_str() {
            "trigger" | "record" | "event_trigger" => {
                return Err(DbError::not_supported(format!(
                    "functions returning {t} are not supported"
                )));
            }
            _ => Some(without_typmod(signature_type(ctx, t)?)),
        },
    };
    let Some(language) = cf.language.as_ref().map(crate::parse::ident) else {
        return Err(invalid_definition("no language specified"));
    };
    let body = match &cf.function_body {
        Some(ast::CreateFunctionBody::AsBeforeOptions {
            body,
            link_symbol: None,
        })
        | Some(ast::CreateFunctionBody::AsAfterOptions(body)) => match body {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                    s.clone()
                }
                ast::Value::DollarQuotedString(d) => d.value.clone(),
                _ => return Err(invalid_definition("function body must be a string")),
            },
            _ => return Err(invalid_definition("function body must be a string")),
        },
        None => return Err(invalid_definition("no function body specified")),
        Some(_) => {
            return Err(DbError::not_supported(
                "this form of function body is not supported",
            ));
        }
    };
    match language.as_str() {
        "plpgsql" => crate::plpgsql::validate(ctx, &body)?,
        "sql" => {
            crate::parse::parse(&body)?;
        }
        "internal" => {
            let types: Vec<DataType> = args.iter().map(|a| a.data_type.clone()).collect();
            crate::user_types::validate_internal(&body, &types, returns.as_ref())?;
        }
        "c" => {
            return Err(DbError::not_supported(format!(
                "functions in language \"{language}\""
            )));
        }
        other => {
            return Err(DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("language \"{other}\" does not exist"),
            ));
        }
    }
    shell_type_notices(ctx, &language, &args, returns.as_ref())?;
    let volatility = match cf.behavior {
        Some(ast::FunctionBehavior::Immutable) => 'i',
        Some(ast::FunctionBehavior::Stable) => 's',
        _ => 'v',
    };
    let strict = matches!(
        cf.called_on_null,
        Some(ast::FunctionCalledOnNull::Strict | ast::FunctionCalledOnNull::ReturnsNullOnNullInput)
    );
    let f = FunctionSchema {
        id: TableId(0),
        database: ctx.database,
        schema,
        name,
        args,
        returns,
        language,
        body,
        volatility,
        strict,
    };
    ctx.txn.put_function(f, cf.or_replace)?;
    Ok("CREATE FUNCTION".into())
}

/// DROP FUNCTION [IF EXISTS] name[(argtypes)], ...
pub fn drop_function(ctx: &mut SqlContext<'_>, df: &ast::DropFunction) -> DbResult<String> {
    let cascade = matches!(df.drop_behavior, Some(ast::DropBehavior::Cascade));
    for desc in &df.func_desc {
        let (schema, name) = object_name(&desc.name);
        let types = match &desc.args {
            Some(args) => Some(
                args.iter()
                    .map(|a| signature_type(ctx, &a.data_type).map(without_typmod))
                    .collect::<DbResult<Vec<_>>>()?,
            ),
            None => None,
        };
        let catalog = ctx.txn.catalog();
        let schemas: Vec<String> = match &schema {
            Some(s) => vec![crate::namespace::qualifier(ctx.search_path, s).to_string()],
            None => ctx.search_path.to_vec(),
        };
        let mut found: Vec<Arc<FunctionSchema>> = Vec::new();
        for s in &schemas {
            found = catalog
                .functions_named(ctx.database, s, &name)
                .filter(|f| types.as_ref().is_none_or(|t| f.has_arg_types(t)))
                .cloned()
                .collect();
            if !found.is_empty() {
                break;
            }
        }
        let shown = format!(
            "{name}({})",
            arg_types_text(types.as_deref().unwrap_or(&[]))
        );
        match found.as_slice() {
            [] if df.if_exists => {
                ctx.notice(format!("function {shown} does not exist, skipping"));
            }
            [] if types.is_none() => {
                return Err(DbError::new(
                    SqlState::UNDEFINED_FUNCTION,
                    format!("could not find a function named \"{name}\""),
                ));
            }
            [] => {
                return Err(DbError::new(
                    SqlState::UNDEFINED_FUNCTION,
                    format!("function {shown} does not exist"),
                ));
            }
            [f] => {
                drop_dependent_aggregates(ctx, f, cascade)?;
                ctx.txn.drop_function(f.id)?;
            }
            _ => {
                return Err(DbError::new(
                    SqlState::from_static("42725"),
                    format!("function name \"{name}\" is not unique"),
                )
                .with_hint("Specify the argument list to select the function unambiguously."));
            }
        }
    }
    Ok("DROP FUNCTION".into())
}

/// Aggregates use user functions as support functions: without CASCADE
/// such a function cannot be dropped; with it, they go too.
fn drop_dependent_aggregates(
    ctx: &mut SqlContext<'_>,
    f: &FunctionSchema,
    cascade: bool,
) -> DbResult<()> {
    let dependents = crate::aggregate::aggregates_using(ctx, f.id);
    if dependents.is_empty() {
        return Ok(());
    }
    // As format_procedure shows it: no space after the commas.
    let types: Vec<String> = f.args.iter().map(|a| a.data_type.to_string()).collect();
    let function = format!("{}({})", f.name, types.join(","));
    if !cascade {
        let detail: Vec<String> = dependents
            .iter()
            .map(|a| {
                format!(
                    "function {} depends on function {function}",
                    crate::aggregate::describe(a)
                )
            })
            .collect();
        return Err(DbError::new(
            SqlState::from_static("2BP01"),
            format!("cannot drop function {function} because other objects depend on it"),
        )
        .with_detail(detail.join("\n"))
        .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
    }
    let lines: Vec<String> = dependents
        .iter()
        .map(|a| {
            format!(
                "drop cascades to function {}",
                crate::aggregate::describe(a)
            )
        })
        .collect();
    if lines.len() == 1 {
        ctx.notice(lines.join(""));
    } else {
        ctx.notices.push(
            DbError::new(
                SqlState::SUCCESSFUL_COMPLETION,
                format!("drop cascades to {} other objects", lines.len()),
            )
            .with_detail(lines.join("\n")),
        );
    }
    for a in dependents {
        ctx.txn.drop_aggregate(a.id)?;
    }
    Ok(())
}

/// Whether an argument of type `from` may be passed for `to` (identical,
/// an untyped literal, or a widening within numbers or strings).
pub(crate) fn passable(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    if let Domain(d) = from {
        return passable(&d.base, to);
    }
    let rank = |t: &DataType| match t {
        Int2 => Some(1),
        Int4 => Some(2),
        Int8 => Some(3),
        Numeric(_) => Some(4),
        Float4 => Some(5),
        Float8 => Some(6),
        _ => None,
    };
    let stringy = |t: &DataType| matches!(t, Text | Varchar(_) | Char(_) | Name);
    from == to
        || *from == Unknown
        || matches!((rank(from), rank(to)), (Some(a), Some(b)) if a <= b)
        || (stringy(from) && stringy(to))
        || matches!(
            (from, to),
            (Numeric(_), Numeric(_)) | (Varchar(_), Varchar(_))
        )
}

impl Binder<'_> {
    /// A call of the user function `name` with these arguments, if one
    /// takes them; Ok(None) if there is none.
    pub(crate) fn user_call(&mut self, name: &str, args: &[Expr]) -> DbResult<Option<Expr>> {
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let mut candidates: Vec<Arc<FunctionSchema>> = Vec::new();
        for s in self.search_path {
            candidates.extend(
                self.catalog
                    .functions_named(self.database, s, name)
                    .filter(|f| {
                        f.args.len() == types.len()
                            && f.args
                                .iter()
                                .zip(&types)
                                .all(|(a, t)| passable(t, &a.data_type))
                    })
                    .cloned(),
            );
            if !candidates.is_empty() {
                break;
            }
        }
        // Exact matches count most; an untyped literal leans to text, the
        // preferred type of its category, as in PostgreSQL.
        let exact = |f: &FunctionSchema| {
            f.args
                .iter()
                .zip(&types)
                .map(|(a, t)| match (t, &a.data_type) {
                    (t, p) if t == p => 2,
                    (DataType::Unknown, DataType::Text) => 1,
                    _ => 0,
                })
                .sum::<usize>()
        };
        candidates.sort_by_key(|f| std::cmp::Reverse(exact(f)));
        let Some(f) = candidates.first().cloned() else {
            return Ok(None);
        };
        if candidates.get(1).is_some_and(|g| exact(g) == exact(&f)) {
            return Err(DbError::new(
                SqlState::from_static("42725"),
                format!(
                    "function {name}({}) is not unique",
                    arg_types_text(&types)
                ),
            )
            .with_hint(
                "Could not choose a best candidate function. You might need to add explicit type casts.",
            ));
        }
        let mut bound = Vec::with_capacity(args.len());
        for (a, p) in args.iter().zip(&f.args) {
            bound.push(self.coerce_to(a.clone(), &p.data_type)?);
        }
        Ok(Some(Expr::Func {
            name: format!("{USER_FN}{}", f.id.0),
            args: bound,
            ty: f.returns.clone().unwrap_or(DataType::Text),
        }))
    }
}

/// Runs a bound user function call.
pub fn invoke(id: u32, values: Vec<Value>, env: &mut EvalEnv<'_, '_>) -> DbResult<Value> {
    let Some(exec) = env.exec.as_deref_mut() else {
        return Err(DbError::internal(
            "user function called without an executor",
        ));
    };
    let catalog = exec.txn.catalog();
    let Some(f) = catalog.functions.get(&TableId(id)).cloned() else {
        return Err(DbError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("cache lookup failed for function {id}"),
        ));
    };
    if f.strict && values.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    if f.language == "internal" {
        return crate::user_types::call_internal(&f, &values);
    }
    let depth = DEPTH.with(|d| d.get());
    if depth >= MAX_DEPTH {
        return Err(
            DbError::new(SqlState::from_static("54001"), "stack depth limit exceeded")
                .with_hint("User functions nest too deeply (infinite recursion?)."),
        );
    }
    DEPTH.with(|d| d.set(depth + 1));
    // A STABLE or IMMUTABLE function reads as of the start of the calling
    // statement; a VOLATILE one sees that statement's writes so far.
    let own_writes = (f.volatility != 'v').then_some(exec.start_seq);
    let outer_limit = exec.txn.limit_own_writes(own_writes);
    let format = exec.format.clone();
    let mut ctx = SqlContext {
        txn: &mut *exec.txn,
        database: exec.database,
        search_path: exec.search_path,
        format: &format,
        env: exec.env,
        notices: &mut *exec.notices,
        deadline: exec.deadline,
        cancel: exec.cancel.clone(),
        check_nested: exec.check_nested,
    };
    let args: Vec<crate::plpgsql::Arg> = f
        .args
        .iter()
        .zip(values)
        .map(|(a, value)| crate::plpgsql::Arg {
            name: a.name.clone(),
            ty: a.data_type.clone(),
            value,
        })
        .collect();
    let void = f.returns.is_none();
    let ret = f.returns.clone().unwrap_or(DataType::Text);
    let result = match f.language.as_str() {
        "plpgsql" => crate::plpgsql::call(&mut ctx, &f.name, &f.body, args, &ret, void),
        _ => crate::plpgsql::call_sql(&mut ctx, &f.body, args, &ret, void),
    };
    DEPTH.with(|d| d.set(depth));
    exec.txn.limit_own_writes(outer_limit);
    match result? {
        Value::Null if void => Ok(Value::Text(String::new())),
        v => Ok(v),
    }
}
