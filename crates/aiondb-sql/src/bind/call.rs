//! Binding literals and function calls: numeric literal typing, the
//! function-style casts (`int4(x)`, `text(x)`), untyped-argument
//! resolution and the dispatch of a call to the built-in functions.

use super::expr::fold;
use super::{Binder, Scope};
use crate::expr::{Expr, SubqueryKind};
use crate::parse::object_name;
use crate::types::{self, FormatOptions};
use aiondb_core::{DataType, DbError, DbResult, Numeric, SqlState, Value};
use sqlparser::ast::{self, FunctionArguments};

/// The type a function named after it casts to (PostgreSQL's cast
/// functions `int4(x)`, `float8(x)`, `text(x)`, ...).
fn cast_function(name: &str) -> Option<DataType> {
    Some(match name {
        "int2" => DataType::Int2,
        "int4" => DataType::Int4,
        "int8" => DataType::Int8,
        "float4" => DataType::Float4,
        "float8" => DataType::Float8,
        "numeric" => DataType::Numeric(None),
        "text" => DataType::Text,
        _ => return None,
    })
}

fn number(s: &str) -> DbResult<(Value, DataType)> {
    if let Ok(i) = s.parse::<i32>() {
        return Ok((Value::Int4(i), DataType::Int4));
    }
    if let Ok(i) = s.parse::<i64>() {
        return Ok((Value::Int8(i), DataType::Int8));
    }
    let n: Numeric = s
        .parse()
        .map_err(|_| DbError::new(SqlState::SYNTAX_ERROR, format!("invalid number \"{s}\"")))?;
    Ok((Value::Numeric(n), DataType::Numeric(None)))
}

impl Binder<'_> {
    pub(super) fn literal(&mut self, v: &ast::Value) -> DbResult<Expr> {
        Ok(match v {
            ast::Value::Number(s, _) => {
                let (v, t) = number(s)?;
                Expr::Const(v, t)
            }
            ast::Value::SingleQuotedString(s)
            | ast::Value::EscapedStringLiteral(s)
            | ast::Value::UnicodeStringLiteral(s) => {
                Expr::Const(Value::Text(s.clone()), DataType::Unknown)
            }
            ast::Value::DollarQuotedString(d) => {
                Expr::Const(Value::Text(d.value.clone()), DataType::Unknown)
            }
            ast::Value::Boolean(b) => Expr::Const(Value::Bool(*b), DataType::Bool),
            ast::Value::Null => Expr::Const(Value::Null, DataType::Unknown),
            ast::Value::Placeholder(p) => {
                let n: usize = p.trim_start_matches('$').parse().map_err(|_| {
                    DbError::new(SqlState::SYNTAX_ERROR, format!("invalid parameter {p}"))
                })?;
                if n == 0 {
                    return Err(DbError::new(
                        SqlState::UNDEFINED_PARAMETER,
                        "there is no parameter $0",
                    ));
                }
                let t = self.param_type(n - 1, &DataType::Unknown);
                Expr::Param(n - 1, t)
            }
            // X'1F' and B'0101' are bit strings, as in PostgreSQL.
            ast::Value::HexStringLiteral(h) => {
                Expr::Const(Value::Text(types::bit::hex_bits(h)?), DataType::Bit(None))
            }
            ast::Value::SingleQuotedByteStringLiteral(b) => Expr::Const(
                Value::Text(types::bit::parse_bit(b, None)?),
                DataType::Bit(None),
            ),
            other => return Err(DbError::not_supported(format!("literal {other}"))),
        })
    }

    /// A call of a scalar function by name, typing its arguments.
    pub fn call(&mut self, name: &str, args: Vec<Expr>) -> DbResult<Expr> {
        let mut args = args;
        if name == "__any_eq" {
            return Ok(Expr::Func {
                name: name.into(),
                args,
                ty: DataType::Bool,
            });
        }
        // Function-style casts: float8(x), int4(x), text(x), ...
        if let ([arg], Some(ty)) = (args.as_slice(), cast_function(name)) {
            return match arg {
                Expr::Const(Value::Text(s), DataType::Unknown) => Ok(Expr::Const(
                    types::parse_text(s, &ty, &FormatOptions::default())?,
                    ty,
                )),
                other => self.coerce_to(other.clone(), &ty),
            };
        }
        // Untyped literals: text for string functions, the common type for
        // coalesce-style functions.
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let ty = match crate::func::return_type(name, &types) {
            Ok(ty) => ty,
            Err(e) if e.code == SqlState::UNDEFINED_FUNCTION => {
                if let Some(call) = self.user_call(name, &args)? {
                    return Ok(call);
                }
                // A domain argument passes as its base type.
                let domains = |t: &DataType| t.without_domains() != *t;
                if types.iter().any(domains) {
                    let args = args.into_iter().map(super::expr::as_base_type).collect();
                    return self.call(name, args);
                }
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let target = match name {
            "coalesce" | "greatest" | "least" | "nullif" => Some(ty.clone()),
            n if crate::func::float_math_argument_type(n, &ty).is_some() => {
                crate::func::float_math_argument_type(n, &ty)
            }
            "nextval" | "currval" | "setval" | "lower" | "upper" | "length" | "substr"
            | "replace" | "btrim" | "ltrim" | "rtrim" | "strpos" | "concat" | "left" | "right"
            | "repeat" | "lpad" | "rpad" | "current_setting" => None,
            _ => None,
        };
        let mut resolved = Vec::with_capacity(args.len());
        for a in args.drain(..) {
            let a = match &target {
                Some(t) => self.resolve(a, t)?,
                None if a.data_type() == DataType::Unknown => self.resolve(a, &DataType::Text)?,
                None => a,
            };
            resolved.push(a);
        }
        let types: Vec<DataType> = resolved.iter().map(Expr::data_type).collect();
        let ty = crate::func::return_type(name, &types)?;
        fold(
            Expr::Func {
                name: name.into(),
                args: resolved,
                ty,
            },
            self.unreachable > 0,
        )
    }

    pub(super) fn function(&mut self, f: &ast::Function, scope: &Scope) -> DbResult<Expr> {
        let (_, name) = object_name(&f.name);
        if let (FunctionArguments::Subquery(q), "array") = (&f.args, name.as_str()) {
            let (plan, once) = self.subquery(q, scope)?;
            let cols = plan.columns();
            if cols.len() != 1 {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    "subquery must return only one column",
                ));
            }
            let ty = DataType::Array(Box::new(cols[0].data_type.clone()));
            return Ok(Expr::Subquery {
                plan: Box::new(plan),
                kind: SubqueryKind::Array,
                ty,
                once,
            });
        }
        let aggregate = self.is_aggregate_name(&name);
        if let Some(over) = &f.over {
            if aggregate && !crate::func::is_aggregate(&name) {
                return Err(DbError::not_supported(
                    "user-defined aggregates as window functions",
                ));
            }
            return self.window_function(f, &name, over, scope);
        }
        if aggregate {
            return Err(DbError::new(
                SqlState::GROUPING_ERROR,
                format!("aggregate function {name} is not allowed here"),
            ));
        }
        if crate::func::is_window(&name) {
            return Err(DbError::new(
                SqlState::from_static("42P20"),
                format!("window function {name} requires an OVER clause"),
            ));
        }
        let (args, _, _, _) = self.function_args(f, scope)?;
        if crate::func::is_set_returning(&name) {
            return self.set_returning_call(&name, args);
        }
        if args.last().is_some_and(super::variadic::is_marker) {
            return self.call_variadic(&name, args);
        }
        self.call(&name, args)
    }
}
