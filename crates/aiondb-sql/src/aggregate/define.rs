//! CREATE [OR REPLACE] AGGREGATE: reading the definition list and checking
//! it as PostgreSQL's DefineAggregate and AggregateCreate do, in their
//! order, with their messages.

use super::parse::{DefOption, DefValue, QualifiedName, Signature};
use super::support;
use crate::output::SqlContext;
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId};
use aiondb_storage::{AggregateArgType, AggregateFn, AggregateSchema, MovingAggregate};

pub(super) fn invalid_definition(msg: impl Into<String>) -> DbError {
    DbError::new(SqlState::from_static("42P13"), msg)
}

fn mismatch(msg: impl Into<String>) -> DbError {
    DbError::new(SqlState::DATATYPE_MISMATCH, msg)
}

/// Pseudo-types PostgreSQL has and this server does not.
const UNSUPPORTED_PSEUDO_TYPES: &[&str] = &[
    "anyelement",
    "anyarray",
    "anynonarray",
    "anyenum",
    "anyrange",
    "anymultirange",
    "anycompatible",
    "anycompatiblearray",
    "anycompatiblenonarray",
    "anycompatiblerange",
    "anycompatiblemultirange",
    "cstring",
    "record",
    "void",
];

/// Resolves a type as written in an aggregate definition.
pub(super) fn resolve_type(text: &str) -> DbResult<AggregateArgType> {
    let unquoted = text.trim_matches('"');
    let lower = if text.starts_with('"') {
        unquoted.to_string()
    } else {
        unquoted.to_lowercase()
    };
    let bare = lower.trim_start_matches("pg_catalog.");
    if bare == "any" {
        return Ok(AggregateArgType::Any);
    }
    if bare == "internal" {
        return Ok(AggregateArgType::Internal);
    }
    if UNSUPPORTED_PSEUDO_TYPES.contains(&bare) {
        return Err(DbError::not_supported(format!(
            "aggregates using type {bare} are not supported"
        )));
    }
    crate::types::parse_type_name(bare)
        .map(|t| AggregateArgType::Type(crate::udf::without_typmod(t)))
        .ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("type \"{bare}\" does not exist"),
            )
        })
}

/// A transition type: a storable type or `internal`.
fn state_type_of(t: AggregateArgType) -> DbResult<AggregateArgType> {
    match t {
        AggregateArgType::Any => Err(invalid_definition(
            "aggregate transition data type cannot be \"any\"",
        )),
        other => Ok(other),
    }
}

/// How a type is shown in a signature (`format_type`).
pub(super) fn type_text(t: &AggregateArgType) -> String {
    t.to_string()
}

pub(super) fn signature_text(name: &str, types: &[AggregateArgType]) -> String {
    let list: Vec<String> = types.iter().map(type_text).collect();
    format!("{name}({})", list.join(", "))
}

/// A value may be used as the other type without conversion.
fn binary_coercible(from: &DataType, to: &DataType) -> bool {
    let stringy = |t: &DataType| matches!(t, DataType::Text | DataType::Varchar(_));
    from == to
        || (stringy(from) && stringy(to))
        || matches!((from, to), (DataType::Char(_), DataType::Text))
}

fn arg_coercible(from: &AggregateArgType, to: &AggregateArgType) -> bool {
    match (from, to) {
        (_, AggregateArgType::Any) => true,
        (AggregateArgType::Type(f), AggregateArgType::Type(t)) => binary_coercible(f, t),
        (AggregateArgType::Internal, AggregateArgType::Internal) => true,
        _ => false,
    }
}

/// A resolved support function.
pub(super) struct Resolved {
    pub func: AggregateFn,
    pub returns: Option<AggregateArgType>,
    pub strict: bool,
}

/// PostgreSQL's lookup_agg_function: the function `name` taking exactly
/// `input` (up to binary coercion).
pub(super) fn lookup_function(
    ctx: &SqlContext<'_>,
    name: &str,
    input: &[AggregateArgType],
) -> DbResult<Resolved> {
    let (schema, fname) = match name.rsplit_once('.') {
        Some((s, n)) => (Some(s.trim_matches('"').to_string()), n.trim_matches('"')),
        None => (None, name),
    };
    let builtin_schema = schema.as_deref().is_none_or(|s| s == "pg_catalog");
    if builtin_schema
        && let Some(b) = support::builtin(fname)
        && b.args.len() == input.len()
    {
        if input.iter().zip(&b.args).all(|(i, p)| arg_coercible(i, p)) {
            return Ok(Resolved {
                func: AggregateFn::Builtin(b.name),
                returns: Some(b.returns),
                strict: b.strict,
            });
        }
        if input.iter().zip(&b.args).all(|(i, p)| match (i, p) {
            (AggregateArgType::Type(i), AggregateArgType::Type(p)) => crate::udf::passable(i, p),
            (_, AggregateArgType::Any) => true,
            _ => false,
        }) {
            return Err(mismatch(format!(
                "function {} requires run-time type coercion",
                signature_text(fname, &b.args)
            )));
        }
    }
    let catalog = ctx.txn.catalog();
    let schemas: Vec<String> = match &schema {
        Some(s) => vec![crate::namespace::qualifier(ctx.search_path, s).to_string()],
        None => ctx.search_path.to_vec(),
    };
    let mut coercible = None;
    for s in &schemas {
        for f in catalog.functions_named(ctx.database, s, fname) {
            if f.args.len() != input.len() {
                continue;
            }
            let declared: Vec<AggregateArgType> = f
                .args
                .iter()
                .map(|a| AggregateArgType::Type(a.data_type.clone()))
                .collect();
            if input
                .iter()
                .zip(&declared)
                .all(|(i, p)| arg_coercible(i, p))
            {
                return Ok(Resolved {
                    func: AggregateFn::User(f.id),
                    returns: f.returns.clone().map(AggregateArgType::Type),
                    strict: f.strict,
                });
            }
            if coercible.is_none()
                && input.iter().zip(&declared).all(|(i, p)| match (i, p) {
                    (AggregateArgType::Type(i), AggregateArgType::Type(p)) => {
                        crate::udf::passable(i, p)
                    }
                    _ => false,
                })
            {
                coercible = Some(signature_text(fname, &declared));
            }
        }
    }
    if let Some(sig) = coercible {
        return Err(mismatch(format!(
            "function {sig} requires run-time type coercion"
        )));
    }
    Err(DbError::new(
        SqlState::UNDEFINED_FUNCTION,
        format!("function {} does not exist", signature_text(fname, input)),
    ))
}

/// The options of a definition list, as DefineAggregate reads them.
#[derive(Default)]
struct Options {
    sfunc: Option<String>,
    finalfunc: Option<String>,
    combinefunc: Option<String>,
    serialfunc: Option<String>,
    deserialfunc: Option<String>,
    msfunc: Option<String>,
    minvfunc: Option<String>,
    mfinalfunc: Option<String>,
    finalfunc_extra: bool,
    mfinalfunc_extra: bool,
    finalfunc_modify: Option<char>,
    mfinalfunc_modify: Option<char>,
    sortop: Option<String>,
    basetype: Option<DefValue>,
    stype: Option<String>,
    sspace: i32,
    mstype: Option<String>,
    msspace: i32,
    initcond: Option<String>,
    minitcond: Option<String>,
    parallel: Option<String>,
}

fn required(o: &DefOption) -> DbResult<DefValue> {
    o.value.clone().ok_or_else(|| {
        DbError::new(
            SqlState::SYNTAX_ERROR,
            format!("{} requires a parameter", o.name),
        )
    })
}

fn boolean(o: &DefOption) -> DbResult<bool> {
    let Some(v) = &o.value else {
        return Ok(true);
    };
    match v.text().to_lowercase().as_str() {
        "true" | "on" | "1" => Ok(true),
        "false" | "off" | "0" => Ok(false),
        _ => Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            format!("{} requires a Boolean value", o.name),
        )),
    }
}

fn int32(o: &DefOption) -> DbResult<i32> {
    match required(o)? {
        DefValue::Number(n) => n.parse().map_err(|_| {
            DbError::new(
                SqlState::SYNTAX_ERROR,
                format!("{} requires an integer value", o.name),
            )
        }),
        _ => Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            format!("{} requires an integer value", o.name),
        )),
    }
}

fn modify(o: &DefOption) -> DbResult<char> {
    match required(o)?.text().to_lowercase().as_str() {
        "read_only" => Ok('r'),
        "shareable" => Ok('s'),
        "read_write" => Ok('w'),
        _ => Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            format!(
                "parameter \"{}\" must be READ_ONLY, SHAREABLE, or READ_WRITE",
                o.name
            ),
        )),
    }
}

fn read_options(
    ctx: &mut SqlContext<'_>,
    options: &[DefOption],
    kind: &mut char,
) -> DbResult<Options> {
    let mut r = Options::default();
    for o in options {
        let text = || required(o).map(|v| v.text());
        match o.name.as_str() {
            "sfunc" | "sfunc1" => r.sfunc = Some(text()?),
            "finalfunc" => r.finalfunc = Some(text()?),
            "combinefunc" => r.combinefunc = Some(text()?),
            "serialfunc" => r.serialfunc = Some(text()?),
            "deserialfunc" => r.deserialfunc = Some(text()?),
            "msfunc" => r.msfunc = Some(text()?),
            "minvfunc" => r.minvfunc = Some(text()?),
            "mfinalfunc" => r.mfinalfunc = Some(text()?),
            "finalfunc_extra" => r.finalfunc_extra = boolean(o)?,
            "mfinalfunc_extra" => r.mfinalfunc_extra = boolean(o)?,
            "finalfunc_modify" => r.finalfunc_modify = Some(modify(o)?),
            "mfinalfunc_modify" => r.mfinalfunc_modify = Some(modify(o)?),
            "sortop" => r.sortop = Some(text()?),
            "basetype" => r.basetype = Some(required(o)?),
            "hypothetical" => {
                if boolean(o)? {
                    if *kind == 'n' {
                        return Err(invalid_definition(
                            "only ordered-set aggregates can be hypothetical",
                        ));
                    }
                    *kind = 'h';
                }
            }
            "stype" | "stype1" => r.stype = Some(text()?),
            "sspace" => r.sspace = int32(o)?,
            "mstype" => r.mstype = Some(text()?),
            "msspace" => r.msspace = int32(o)?,
            "initcond" | "initcond1" => r.initcond = Some(text()?),
            "minitcond" => r.minitcond = Some(text()?),
            "parallel" => r.parallel = Some(text()?),
            other => ctx.notices.push(DbError::new(
                SqlState::WARNING,
                format!("aggregate attribute \"{other}\" not recognized"),
            )),
        }
    }
    Ok(r)
}

/// The argument types of a signature (direct arguments first), whether
/// the last is VARIADIC, and the number of direct arguments.
pub(super) fn signature_types(sig: &Signature) -> DbResult<(Vec<AggregateArgType>, bool, usize)> {
    let mut types = Vec::new();
    let mut variadic = false;
    for a in sig.args.iter().chain(sig.order_by.iter().flatten()) {
        types.push(resolve_type(&a.type_text)?);
        variadic = a.variadic;
    }
    if let Some(v) = sig.args.iter().position(|a| a.variadic)
        && (v + 1 != sig.args.len() && sig.order_by.is_none())
    {
        return Err(invalid_definition(
            "VARIADIC parameter must be the last input parameter",
        ));
    }
    Ok((types, variadic, sig.args.len()))
}

fn initial_value(text: &Option<String>, ty: &AggregateArgType) -> DbResult<()> {
    match (text, ty) {
        (Some(v), AggregateArgType::Type(t)) => {
            crate::types::parse_text(v, t, &crate::types::FormatOptions::default())?;
        }
        (Some(_), _) => {
            return Err(DbError::not_supported(
                "initial values for transition type internal",
            ));
        }
        (None, _) => {}
    }
    Ok(())
}

/// Runs CREATE [OR REPLACE] AGGREGATE.
pub(super) fn create(
    ctx: &mut SqlContext<'_>,
    or_replace: bool,
    name: &QualifiedName,
    signature: Option<&Signature>,
    options: &[DefOption],
) -> DbResult<String> {
    let mut kind = match signature {
        Some(s) if s.order_by.is_some() => 'o',
        _ => 'n',
    };
    let o = read_options(ctx, options, &mut kind)?;
    let Some(stype) = &o.stype else {
        return Err(invalid_definition("aggregate stype must be specified"));
    };
    let Some(sfunc) = &o.sfunc else {
        return Err(invalid_definition("aggregate sfunc must be specified"));
    };
    if o.mstype.is_some() {
        if o.msfunc.is_none() {
            return Err(invalid_definition(
                "aggregate msfunc must be specified when mstype is specified",
            ));
        }
        if o.minvfunc.is_none() {
            return Err(invalid_definition(
                "aggregate minvfunc must be specified when mstype is specified",
            ));
        }
    } else {
        for (given, what) in [
            (o.msfunc.is_some(), "msfunc"),
            (o.minvfunc.is_some(), "minvfunc"),
            (o.mfinalfunc.is_some(), "mfinalfunc"),
            (o.msspace != 0, "msspace"),
            (o.minitcond.is_some(), "minitcond"),
        ] {
            if given {
                return Err(invalid_definition(format!(
                    "aggregate {what} must not be specified without mstype"
                )));
            }
        }
    }
    let default_modify = if kind == 'n' { 'r' } else { 'w' };
    let (args, variadic, direct_args) = match signature {
        None => {
            let Some(base) = &o.basetype else {
                return Err(invalid_definition("aggregate input type must be specified"));
            };
            if base.text().eq_ignore_ascii_case("any") {
                (Vec::new(), false, 0)
            } else {
                (vec![resolve_type(&base.text())?], false, 1)
            }
        }
        Some(sig) => {
            if o.basetype.is_some() {
                return Err(invalid_definition(
                    "basetype is redundant with aggregate input type specification",
                ));
            }
            signature_types(sig)?
        }
    };
    if args.contains(&AggregateArgType::Internal) {
        return Err(DbError::not_supported(
            "aggregates with arguments of type internal",
        ));
    }
    let state_type = state_type_of(resolve_type(stype)?)?;
    match (&o.serialfunc, &o.deserialfunc) {
        (Some(_), Some(_)) if state_type != AggregateArgType::Internal => {
            return Err(invalid_definition(
                "serialization functions may be specified only when the aggregate transition data type is internal",
            ));
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(invalid_definition(
                "must specify both or neither of serialization and deserialization functions",
            ));
        }
        _ => {}
    }
    let mstate_type = match &o.mstype {
        Some(t) => Some(state_type_of(resolve_type(t)?)?),
        None => None,
    };
    initial_value(&o.initcond, &state_type)?;
    if let Some(m) = &mstate_type {
        initial_value(&o.minitcond, m)?;
    }
    let parallel = match o.parallel.as_deref().map(str::to_lowercase).as_deref() {
        None | Some("unsafe") => 'u',
        Some("safe") => 's',
        Some("restricted") => 'r',
        Some(_) => {
            return Err(DbError::new(
                SqlState::SYNTAX_ERROR,
                "parameter \"parallel\" must be SAFE, RESTRICTED, or UNSAFE",
            ));
        }
    };
    if kind != 'n' && variadic && args.last() != Some(&AggregateArgType::Any) {
        return Err(invalid_definition(
            "a variadic ordered-set aggregate must use VARIADIC type ANY",
        ));
    }
    // The transition function.
    let state = state_type.clone();
    let with_state = |s: &AggregateArgType| {
        let mut v = vec![s.clone()];
        v.extend(args.iter().cloned());
        v
    };
    let transition = lookup_function(ctx, sfunc, &with_state(&state))?;
    if transition.returns.as_ref() != Some(&state_type) {
        return Err(mismatch(format!(
            "return type of transition function {sfunc} is not {state_type}"
        )));
    }
    let strict_needs_initial = |strict: bool, initial: &Option<String>, st: &AggregateArgType| {
        let compatible = match (args.first(), st) {
            (Some(AggregateArgType::Type(t)), AggregateArgType::Type(s)) => binary_coercible(t, s),
            _ => false,
        };
        if strict && initial.is_none() && !compatible {
            return Err(invalid_definition(
                "must not omit initial value when transition function is strict and transition type is not compatible with input type",
            ));
        }
        Ok(())
    };
    strict_needs_initial(transition.strict, &o.initcond, &state_type)?;
    let moving = match (&mstate_type, &o.msfunc, &o.minvfunc) {
        (Some(mst), Some(msfunc), Some(minvfunc)) => {
            let mstate = mst.clone();
            let forward = lookup_function(ctx, msfunc, &with_state(&mstate))?;
            if forward.returns.as_ref() != Some(mst) {
                return Err(mismatch(format!(
                    "return type of transition function {msfunc} is not {mst}"
                )));
            }
            strict_needs_initial(forward.strict, &o.minitcond, mst)?;
            let inverse = lookup_function(ctx, minvfunc, &with_state(&mstate))?;
            if inverse.returns.as_ref() != Some(mst) {
                return Err(mismatch(format!(
                    "return type of inverse transition function {minvfunc} is not {mst}"
                )));
            }
            if inverse.strict != forward.strict {
                return Err(invalid_definition(
                    "strictness of aggregate's forward and inverse transition functions must match",
                ));
            }
            Some((forward, inverse))
        }
        _ => None,
    };
    let final_args = |st: &AggregateArgType, extra: bool| {
        if extra {
            with_state(st)
        } else {
            let mut v = vec![st.clone()];
            v.extend(args.iter().take(direct_args.min(args.len())).cloned());
            if kind == 'n' {
                v.truncate(1);
            }
            v
        }
    };
    let final_fn = match &o.finalfunc {
        Some(f) => {
            let r = lookup_function(ctx, f, &final_args(&state, o.finalfunc_extra))?;
            if o.finalfunc_extra && r.strict {
                return Err(invalid_definition(
                    "final function with extra arguments must not be declared STRICT",
                ));
            }
            Some(r)
        }
        None => None,
    };
    let combine = match &o.combinefunc {
        Some(f) => {
            let r = lookup_function(ctx, f, &[state.clone(), state.clone()])?;
            if r.returns.as_ref() != Some(&state_type) {
                return Err(mismatch(format!(
                    "return type of combine function {f} is not {state_type}"
                )));
            }
            if state_type == AggregateArgType::Internal && r.strict {
                return Err(invalid_definition(
                    "combine function with transition type internal must not be declared STRICT",
                ));
            }
            Some(r.func)
        }
        None => None,
    };
    let serial = match &o.serialfunc {
        Some(f) => {
            let r = lookup_function(ctx, f, &[AggregateArgType::Internal])?;
            if r.returns != Some(AggregateArgType::Type(DataType::Bytea)) {
                return Err(mismatch(format!(
                    "return type of serialization function {f} is not bytea"
                )));
            }
            Some(r.func)
        }
        None => None,
    };
    let deserial = match &o.deserialfunc {
        Some(f) => {
            let input = [
                AggregateArgType::Type(DataType::Bytea),
                AggregateArgType::Internal,
            ];
            let r = lookup_function(ctx, f, &input)?;
            if r.returns != Some(AggregateArgType::Internal) {
                return Err(mismatch(format!(
                    "return type of deserialization function {f} is not internal"
                )));
            }
            Some(r.func)
        }
        None => None,
    };
    let result_type = match final_fn
        .as_ref()
        .map_or(Some(&state_type), |r| r.returns.as_ref())
    {
        Some(AggregateArgType::Type(t)) => t.clone(),
        Some(AggregateArgType::Internal) => {
            return Err(DbError::new(
                SqlState::from_static("42P13"),
                "unsafe use of pseudo-type \"internal\"",
            )
            .with_detail(
                "A function returning \"internal\" must have at least one \"internal\" argument.",
            ));
        }
        _ => {
            return Err(DbError::not_supported(
                "aggregates whose final function returns void or \"any\"",
            ));
        }
    };
    if o.sortop.is_some() {
        return Err(DbError::not_supported("aggregate sort operators"));
    }
    let moving = match (moving, mstate_type) {
        (Some((forward, inverse)), Some(mst)) => {
            let mstate = mst.clone();
            let mfinal = match &o.mfinalfunc {
                Some(f) => Some(lookup_function(
                    ctx,
                    f,
                    &final_args(&mstate, o.mfinalfunc_extra),
                )?),
                None => None,
            };
            let mresult = match &mfinal {
                Some(r) => r.returns.clone(),
                None => Some(mst.clone()),
            };
            if mresult != Some(AggregateArgType::Type(result_type.clone())) {
                return Err(mismatch(format!(
                    "moving-aggregate implementation returns type {}, but plain implementation returns type {result_type}",
                    mresult.map_or("void".to_string(), |t| t.to_string())
                )));
            }
            Some(MovingAggregate {
                state_type: mst,
                transition: forward.func,
                inverse: inverse.func,
                final_fn: mfinal.map(|r| r.func),
                final_extra: o.mfinalfunc_extra,
                final_modify: o.mfinalfunc_modify.unwrap_or(default_modify),
                initial: o.minitcond.clone(),
            })
        }
        _ => None,
    };
    let schema = crate::ddl::schema_name(ctx, name.schema.clone(), false)?;
    let aggregate = AggregateSchema {
        id: TableId(0),
        database: ctx.database,
        schema,
        name: name.name.clone(),
        args,
        variadic,
        kind,
        direct_args: if kind == 'n' { 0 } else { direct_args },
        state_type,
        result_type,
        transition: transition.func,
        final_fn: final_fn.map(|r| r.func),
        final_extra: o.finalfunc_extra,
        final_modify: o.finalfunc_modify.unwrap_or(default_modify),
        initial: o.initcond.clone(),
        combine,
        serial,
        deserial,
        moving,
        state_space: o.sspace,
        parallel,
        description: None,
    };
    if or_replace {
        check_replacement(ctx, &aggregate)?;
    }
    ctx.txn.put_aggregate(aggregate, or_replace)?;
    Ok("CREATE AGGREGATE".into())
}

/// What CREATE OR REPLACE may not change: the result type and the kind.
fn check_replacement(ctx: &SqlContext<'_>, new: &AggregateSchema) -> DbResult<()> {
    let catalog = ctx.txn.catalog();
    let Some(old) = catalog
        .aggregates_named(new.database, &new.schema, &new.name)
        .find(|o| o.args == new.args)
    else {
        return Ok(());
    };
    if old.result_type != new.result_type {
        return Err(
            invalid_definition("cannot change return type of existing function").with_hint(
                format!("Use DROP AGGREGATE {} first.", super::manage::describe(old)),
            ),
        );
    }
    if old.kind != new.kind {
        let detail = match old.kind {
            'n' => format!("\"{}\" is an ordinary aggregate function.", old.name),
            'o' => format!("\"{}\" is an ordered-set aggregate.", old.name),
            _ => format!("\"{}\" is a hypothetical-set aggregate.", old.name),
        };
        return Err(
            DbError::new(SqlState::from_static("42809"), "cannot change routine kind")
                .with_detail(detail),
        );
    }
    if old.direct_args != new.direct_args {
        return Err(invalid_definition(
            "cannot change number of direct arguments of an aggregate function",
        ));
    }
    Ok(())
}
