//! User-defined base types, LANGUAGE internal I/O functions and
//! binary-coercible casts:
//!
//! ```text
//! CREATE TYPE t;                                       -- a shell
//! CREATE FUNCTION tin(cstring) RETURNS t ... LANGUAGE internal AS 'int4in';
//! CREATE FUNCTION tout(t) RETURNS cstring ... LANGUAGE internal AS 'int4out';
//! CREATE TYPE t (INPUT = tin, OUTPUT = tout, LIKE = float4);
//! CREATE CAST (t AS float4) WITHOUT FUNCTION;          -- reinterpret bits
//! DROP TYPE t CASCADE;                                 -- functions, casts
//! ```
//!
//! A type's values are kept in the representation of the built-in type
//! whose internal input/output functions it was made with (`int4in` gives
//! `Value::Int4`), so they read and print exactly as that type does. A
//! cast WITHOUT FUNCTION reinterprets the stored bits, as PostgreSQL's
//! binary coercion does: between representations of the same size, i.e.
//! int4 <-> float4 and int8 <-> float8 bit patterns, or identical ones.
//! Anything else is refused with a clear error rather than approximated.
//! Types and casts are catalog objects the store logs in the WAL and
//! checkpoints (aiondb_storage::TypeSchema, CastSchema).

use crate::output::SqlContext;
use crate::parse::object_name;
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId, Value};
use aiondb_storage::{BaseType, CastSchema, Catalog, FunctionSchema, TypeSchema};
use sqlparser::ast;

/// Built-in input/output functions a LANGUAGE internal function may name,
/// with the type whose representation they read or write.
const INTERNAL_IO: [(&str, &str, DataType); 5] = [
    ("int2in", "int2out", DataType::Int2),
    ("int4in", "int4out", DataType::Int4),
    ("int8in", "int8out", DataType::Int8),
    ("float4in", "float4out", DataType::Float4),
    ("float8in", "float8out", DataType::Float8),
];

/// What a LANGUAGE internal function body names: an input function
/// (`true`) or an output function, and the representation.
pub fn internal_io(body: &str) -> Option<(bool, DataType)> {
    INTERNAL_IO.iter().find_map(|(i, o, t)| {
        if body == *i {
            Some((true, t.clone()))
        } else if body == *o {
            Some((false, t.clone()))
        } else {
            None
        }
    })
}

/// Checks a LANGUAGE internal function's body and signature.
pub fn validate_internal(
    body: &str,
    args: &[DataType],
    returns: Option<&DataType>,
) -> DbResult<()> {
    let Some((input, _)) = internal_io(body) else {
        let names: Vec<&str> = INTERNAL_IO.iter().flat_map(|(i, o, _)| [*i, *o]).collect();
        return Err(DbError::not_supported(format!(
            "LANGUAGE internal function \"{body}\" (only {} are supported)",
            names.join(", ")
        )));
    };
    let ok = if input {
        args == [DataType::Cstring]
    } else {
        args.len() == 1 && returns == Some(&DataType::Cstring)
    };
    if !ok {
        return Err(DbError::not_supported(format!(
            "LANGUAGE internal function \"{body}\" with this signature"
        )));
    }
    Ok(())
}

/// Calls a LANGUAGE internal I/O function.
pub fn call_internal(f: &FunctionSchema, values: &[Value]) -> DbResult<Value> {
    let (input, repr) = internal_io(&f.body)
        .ok_or_else(|| DbError::internal(format!("no internal function {}", f.body)))?;
    let Some(v) = values.first() else {
        return Err(DbError::internal("internal function without argument"));
    };
    if v.is_null() {
        return Ok(Value::Null);
    }
    let opts = crate::types::FormatOptions::default();
    if input {
        let Value::Text(s) = v else {
            return Err(DbError::internal("cstring argument is not text"));
        };
        crate::types::parse_text(s, &repr, &opts)
    } else {
        crate::types::format_text(v, &repr, &opts).map(Value::Text)
    }
}

fn undefined_type(name: &str) -> DbError {
    DbError::new(
        SqlState::UNDEFINED_OBJECT,
        format!("type \"{name}\" does not exist"),
    )
}

/// The schema-qualified or search-path user type called `name`.
pub fn find_type<'c>(
    catalog: &'c Catalog,
    database: u32,
    search_path: &[String],
    name: &ast::ObjectName,
) -> Option<&'c std::sync::Arc<TypeSchema>> {
    let (schema, name) = object_name(name);
    match schema {
        Some(s) => catalog.type_named(
            database,
            crate::namespace::qualifier(search_path, &s),
            &name,
        ),
        None => search_path
            .iter()
            .find_map(|s| catalog.type_named(database, s, &name)),
    }
}

/// A type name as written, built-in or user-defined; `cstring` too when
/// `pseudo` (function signatures).
pub fn resolve_type(
    catalog: &Catalog,
    database: u32,
    search_path: &[String],
    t: &ast::DataType,
    pseudo: bool,
) -> DbResult<DataType> {
    match crate::bind::expr::data_type(t) {
        Err(e) if e.code == SqlState::UNDEFINED_OBJECT => {
            if let ast::DataType::Custom(name, modifiers) = t {
                if pseudo
                    && modifiers.is_empty()
                    && name.to_string().eq_ignore_ascii_case("cstring")
                {
                    return Ok(DataType::Cstring);
                }
                match find_type(catalog, database, search_path, name) {
                    Some(ty) if modifiers.is_empty() => return Ok(ty.data_type()),
                    Some(ty) => {
                        return Err(DbError::not_supported(format!(
                            "type modifiers for type {}",
                            ty.name
                        )));
                    }
                    None => {}
                }
            }
            match t {
                // Domains, enums and arrays of them.
                ast::DataType::Custom(..) | ast::DataType::Array(_) => {
                    crate::type_names::resolve_text(catalog, database, search_path, &t.to_string())
                }
                _ => Err(e),
            }
        }
        other => other,
    }
}

/// The representation of `t`'s values: `t` itself for a built-in type.
pub fn representation(catalog: &Catalog, t: &DataType) -> DbResult<DataType> {
    match t {
        DataType::User { oid, name } => match catalog.type_by_oid(*oid) {
            Some(ty) => match &ty.base {
                Some(b) => Ok(b.representation.clone()),
                None => Err(DbError::new(
                    SqlState::from_static("42809"),
                    format!("type {name} is only a shell"),
                )),
            },
            None => Err(undefined_type(name)),
        },
        other => Ok(other.clone()),
    }
}

/// Storage size of a built-in type usable in a binary cast or LIKE.
fn storage_size(t: &DataType) -> Option<i16> {
    match t.type_len() {
        n if n > 0 => Some(n),
        _ => None,
    }
}

/// CREATE TYPE name [ (options) ].
pub fn create_type(
    ctx: &mut SqlContext<'_>,
    name: &ast::ObjectName,
    representation: Option<&ast::UserDefinedTypeRepresentation>,
) -> DbResult<String> {
    let (schema, type_name) = object_name(name);
    let schema = crate::ddl::schema_name(ctx, schema, false)?;
    let catalog = ctx.txn.catalog();
    let exists = || {
        DbError::new(
            SqlState::DUPLICATE_OBJECT,
            format!("type \"{type_name}\" already exists"),
        )
    };
    if crate::types::parse_type_name(&type_name).is_some() && schema == "pg_catalog" {
        return Err(exists());
    }
    let existing = catalog
        .type_named(ctx.database, &schema, &type_name)
        .cloned();
    let options = match representation {
        None => {
            if existing.is_some() {
                return Err(exists());
            }
            ctx.txn.put_type(TypeSchema {
                id: TableId(0),
                database: ctx.database,
                schema,
                name: type_name,
                base: None,
            })?;
            return Ok("CREATE TYPE".into());
        }
        Some(ast::UserDefinedTypeRepresentation::SqlDefinition { options }) => options,
        Some(_) => {
            return Err(DbError::not_supported(
                "composite, enum and range types (CREATE TYPE ... AS)",
            ));
        }
    };
    let shell = match existing {
        Some(t) if t.base.is_none() => t,
        Some(_) => return Err(exists()),
        None => {
            return Err(DbError::not_supported(format!(
                "CREATE TYPE {type_name} (...) without a shell type: create it first with CREATE TYPE {type_name}"
            )));
        }
    };
    let (mut input, mut output, mut like) = (None, None, None);
    for o in options {
        match o {
            ast::UserDefinedTypeSqlDefinitionOption::Input(n) => input = Some(n),
            ast::UserDefinedTypeSqlDefinitionOption::Output(n) => output = Some(n),
            ast::UserDefinedTypeSqlDefinitionOption::Like(n) => like = Some(n),
            other => {
                return Err(DbError::not_supported(format!(
                    "CREATE TYPE option {other}"
                )));
            }
        }
    }
    let invalid = |m: &str| DbError::new(SqlState::from_static("42P17"), m.to_string());
    let input = input.ok_or_else(|| invalid("type input function must be specified"))?;
    let output = output.ok_or_else(|| invalid("type output function must be specified"))?;
    let this = shell.data_type();
    let find_fn =
        |n: &ast::ObjectName, args: &[DataType]| -> DbResult<std::sync::Arc<FunctionSchema>> {
            let (s, fname) = object_name(n);
            let schemas: Vec<String> = match s {
                Some(s) => vec![s],
                None => ctx.search_path.to_vec(),
            };
            schemas
                .iter()
                .find_map(|s| {
                    catalog
                        .functions_named(ctx.database, s, &fname)
                        .find(|f| f.has_arg_types(args))
                        .cloned()
                })
                .ok_or_else(|| {
                    let shown: Vec<String> = args.iter().map(ToString::to_string).collect();
                    DbError::new(
                        SqlState::UNDEFINED_FUNCTION,
                        format!("function {fname}({}) does not exist", shown.join(", ")),
                    )
                })
        };
    let input_fn = find_fn(input, &[DataType::Cstring])?;
    let output_fn = find_fn(output, std::slice::from_ref(&this))?;
    if input_fn.returns.as_ref() != Some(&this) {
        return Err(invalid(&format!(
            "type input function {} must return type {type_name}",
            input_fn.name
        )));
    }
    if output_fn.returns.as_ref() != Some(&DataType::Cstring) {
        return Err(invalid(&format!(
            "type output function {} must return type cstring",
            output_fn.name
        )));
    }
    let io = |f: &FunctionSchema| match f.language.as_str() {
        "internal" => internal_io(&f.body).map(|(_, t)| t),
        _ => None,
    };
    let (Some(repr), Some(out_repr)) = (io(&input_fn), io(&output_fn)) else {
        return Err(DbError::not_supported(
            "type input and output functions other than LANGUAGE internal ones",
        ));
    };
    if repr != out_repr {
        return Err(DbError::not_supported(
            "type input and output functions of different built-in types",
        ));
    }
    let like = match like {
        Some(n) => builtin_named(n)
            .ok_or_else(|| DbError::not_supported(format!("LIKE = {n} (only built-in types)")))?,
        None => repr.clone(),
    };
    if matches!(like, DataType::User { .. }) || storage_size(&like) != storage_size(&repr) {
        return Err(DbError::not_supported(format!(
            "LIKE = {like} for a type stored as {repr}"
        )));
    }
    ctx.txn.put_type(TypeSchema {
        base: Some(BaseType {
            input: input_fn.id,
            output: output_fn.id,
            representation: repr,
            like,
        }),
        ..(*shell).clone()
    })?;
    Ok("CREATE TYPE".into())
}

/// The built-in type an object name (LIKE = name) names.
fn builtin_named(n: &ast::ObjectName) -> Option<DataType> {
    let text = n.to_string().to_lowercase();
    crate::types::parse_type_name(text.trim_start_matches("pg_catalog."))
}

/// Whether a value stored as `from` may be reinterpreted as `to`.
pub fn binary_compatible(from: &DataType, to: &DataType) -> bool {
    use DataType as T;
    from == to
        || matches!(
            (from, to),
            (T::Int4, T::Float4)
                | (T::Float4, T::Int4)
                | (T::Int8, T::Float8)
                | (T::Float8, T::Int8)
        )
}

/// Reinterprets a stored value as representation `to` (the bits stay).
pub fn reinterpret(v: Value, to: &DataType) -> DbResult<Value> {
    Ok(match (v, to) {
        (Value::Null, _) => Value::Null,
        (Value::Int4(x), DataType::Float4) => Value::Float4(f32::from_bits(x as u32)),
        (Value::Float4(x), DataType::Int4) => Value::Int4(x.to_bits() as i32),
        (Value::Int8(x), DataType::Float8) => Value::Float8(f64::from_bits(x as u64)),
        (Value::Float8(x), DataType::Int8) => Value::Int8(x.to_bits() as i64),
        (v, _) => v,
    })
}

/// CREATE CAST (source AS target) WITHOUT FUNCTION.
pub fn create_cast(
    ctx: &mut SqlContext<'_>,
    source: &ast::DataType,
    target: &ast::DataType,
) -> DbResult<String> {
    let catalog = ctx.txn.catalog();
    let source = resolve_type(&catalog, ctx.database, ctx.search_path, source, false)?;
    let target = resolve_type(&catalog, ctx.database, ctx.search_path, target, false)?;
    if !matches!(source, DataType::User { .. }) && !matches!(target, DataType::User { .. }) {
        return Err(DbError::not_supported(
            "CREATE CAST between two built-in types",
        ));
    }
    if source == target {
        return Err(DbError::new(
            SqlState::from_static("42P17"),
            "source data type and target data type are the same",
        ));
    }
    let (from, to) = (
        representation(&catalog, &source)?,
        representation(&catalog, &target)?,
    );
    if storage_size(&from) != storage_size(&to) {
        return Err(DbError::new(
            SqlState::from_static("42P17"),
            "source and target data types are not physically compatible",
        ));
    }
    if !binary_compatible(&from, &to) {
        return Err(DbError::not_supported(format!(
            "a binary-coercible cast between representations {from} and {to}"
        )));
    }
    ctx.txn.create_cast(CastSchema {
        id: TableId(0),
        database: ctx.database,
        source,
        target,
    })?;
    Ok("CREATE CAST".into())
}

fn mentions(f: &FunctionSchema, t: &DataType) -> bool {
    f.args.iter().any(|a| a.data_type == *t) || f.returns.as_ref() == Some(t)
}

/// DROP TYPE [IF EXISTS] name, ... [CASCADE].
pub fn drop_types(
    ctx: &mut SqlContext<'_>,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> DbResult<String> {
    for n in names {
        let catalog = ctx.txn.catalog();
        let Some(ty) = find_type(&catalog, ctx.database, ctx.search_path, n).cloned() else {
            if builtin_named(n).is_some() {
                return Err(DbError::not_supported(format!(
                    "DROP TYPE of built-in type {n}"
                )));
            }
            if if_exists {
                ctx.notice(format!("type \"{n}\" does not exist, skipping"));
                continue;
            }
            return Err(undefined_type(&n.to_string()));
        };
        let this = ty.data_type();
        // Dependents in creation (oid) order.
        let mut dependents: Vec<(TableId, String, bool)> = catalog
            .functions
            .values()
            .filter(|f| mentions(f, &this))
            .map(|f| {
                let args: Vec<String> = f.args.iter().map(|a| a.data_type.to_string()).collect();
                (
                    f.id,
                    format!("function {}({})", f.name, args.join(", ")),
                    true,
                )
            })
            .chain(
                catalog
                    .casts
                    .values()
                    .filter(|c| c.source == this || c.target == this)
                    .map(|c| {
                        (
                            c.id,
                            format!("cast from {} to {}", c.source, c.target),
                            false,
                        )
                    }),
            )
            .collect();
        dependents.sort_by_key(|(id, _, _)| *id);
        if !dependents.is_empty() && !cascade {
            let detail: Vec<String> = dependents
                .iter()
                .map(|(_, d, _)| format!("{d} depends on type {}", ty.name))
                .collect();
            return Err(DbError::new(
                SqlState::from_static("2BP01"),
                format!(
                    "cannot drop type {} because other objects depend on it",
                    ty.name
                ),
            )
            .with_detail(detail.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        let lines: Vec<String> = dependents
            .iter()
            .map(|(_, d, _)| format!("drop cascades to {d}"))
            .collect();
        match lines.as_slice() {
            [] => {}
            [one] => ctx.notice(one.clone()),
            _ => ctx.notices.push(
                DbError::new(
                    SqlState::SUCCESSFUL_COMPLETION,
                    format!("drop cascades to {} other objects", lines.len()),
                )
                .with_detail(lines.join("\n")),
            ),
        }
        for (id, _, function) in dependents {
            if function {
                ctx.txn.drop_function(id)?;
            } else {
                ctx.txn.drop_cast(id)?;
            }
        }
        ctx.txn.drop_type(ty.id)?;
    }
    Ok("DROP TYPE".into())
}
