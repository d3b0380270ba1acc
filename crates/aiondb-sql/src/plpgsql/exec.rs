//! The PL/pgSQL interpreter: runs a parsed block in the caller's
//! transaction.
//!
//! Control flow is a [`Flow`] value threaded back up the statement tree
//! (EXIT/CONTINUE with optional labels, RETURN), never a panic or an
//! unwinding trick. Every SQL part runs through [`super::sql`] against the
//! same [`SqlContext`], so writes are in the current transaction and an
//! error anywhere aborts the whole block (there are no EXCEPTION handlers
//! in the supported subset). Loops check for cancel and statement_timeout
//! on every iteration.

use super::ast::{Block, Condition, Fragment, Handler, Into, RaiseLevel, Stmt, VarKind};
use super::parse::is_word;
use super::sql::{self, Slot, Var, Vars};
use crate::output::{SqlContext, StatementOutput};
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};
use sqlparser::tokenizer::Token;
use std::sync::Arc;

/// How a statement ended.
pub enum Flow {
    Normal,
    Exit(Option<String>),
    Continue(Option<String>),
    Return(Option<(Value, DataType)>),
}

enum LoopCtl {
    Next,
    Break,
    Out(Flow),
}

fn loop_ctl(flow: Flow, label: &Option<String>) -> LoopCtl {
    match flow {
        Flow::Normal => LoopCtl::Next,
        Flow::Exit(None) => LoopCtl::Break,
        Flow::Exit(Some(l)) if label.as_deref() == Some(l.as_str()) => LoopCtl::Break,
        Flow::Continue(None) => LoopCtl::Next,
        Flow::Continue(Some(l)) if label.as_deref() == Some(l.as_str()) => LoopCtl::Next,
        other => LoopCtl::Out(other),
    }
}

pub struct Interp<'c, 'a> {
    pub ctx: &'c mut SqlContext<'a>,
    pub vars: Vars,
    /// Take a fresh READ COMMITTED snapshot before each SQL statement
    /// (a DO block runs as a statement of its own; a function called
    /// inside a query keeps the query's snapshot).
    pub fresh_snapshots: bool,
    /// Errors being handled by EXCEPTION clauses, innermost last (`RAISE;`).
    pub handling: Vec<DbError>,
}

/// Whether a handler condition catches an error.
fn catches(c: Condition, err: &DbError) -> bool {
    let code = err.code.code();
    match c {
        Condition::Others => !matches!(code, "57014" | "P0004"),
        Condition::Code(k) if k.ends_with("000") => code.get(..2) == k.get(..2),
        Condition::Code(k) => code == k,
    }
}

impl Interp<'_, '_> {
    pub fn block(&mut self, b: &Block) -> DbResult<Flow> {
        self.vars.scopes.push(Vec::new());
        let r = self
            .declare_all(b)
            .and_then(|()| self.protected(&b.body, &b.handlers));
        self.vars.scopes.pop();
        match r? {
            Flow::Exit(Some(l)) if b.label.as_deref() == Some(l.as_str()) => Ok(Flow::Normal),
            other => Ok(other),
        }
    }

    /// Runs a block body; with handlers, under a savepoint that an error
    /// a handler catches rolls back before the handler runs.
    fn protected(&mut self, body: &[Stmt], handlers: &[Handler]) -> DbResult<Flow> {
        if handlers.is_empty() {
            return self.stmts(body);
        }
        let sp = self.ctx.txn.savepoint();
        let err = match self.stmts(body) {
            Ok(flow) => return Ok(flow),
            Err(e) => e,
        };
        let Some(h) = handlers
            .iter()
            .find(|h| h.conditions.iter().any(|c| catches(*c, &err)))
        else {
            return Err(err);
        };
        self.ctx.txn.rollback_to(&sp);
        let text = |v: &str| Slot::Scalar {
            ty: DataType::Text,
            value: Value::Text(v.to_string()),
        };
        self.vars.scopes.push(vec![
            Var {
                name: "sqlstate".into(),
                slot: text(err.code.code()),
                constant: true,
                not_null: false,
            },
            Var {
                name: "sqlerrm".into(),
                slot: text(&err.message),
                constant: true,
                not_null: false,
            },
        ]);
        self.handling.push(err);
        let r = self.stmts(&h.body);
        self.handling.pop();
        self.vars.scopes.pop();
        r
    }

    fn declare_all(&mut self, b: &Block) -> DbResult<()> {
        for d in &b.decls {
            let slot = match &d.kind {
                VarKind::Record => Slot::Record(None),
                VarKind::Scalar(ty) => {
                    let value = match &d.default {
                        Some(f) => {
                            let (v, from) = sql::eval(self.ctx, &self.vars, f)?;
                            sql::coerce(self.ctx, v, &from, ty)?
                        }
                        None => Value::Null,
                    };
                    if d.not_null && value.is_null() {
                        return Err(DbError::new(
                            SqlState::NULL_VALUE_NOT_ALLOWED,
                            format!(
                                "null value cannot be assigned to variable \"{}\" declared NOT NULL",
                                d.name
                            ),
                        ));
                    }
                    Slot::Scalar {
                        ty: ty.clone(),
                        value,
                    }
                }
            };
            self.vars.declare(Var {
                name: d.name.clone(),
                slot,
                constant: d.constant,
                not_null: d.not_null,
            });
        }
        Ok(())
    }

    fn stmts(&mut self, stmts: &[Stmt]) -> DbResult<Flow> {
        for s in stmts {
            match self.stmt(s)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn when(&mut self, when: &Option<Fragment>) -> DbResult<bool> {
        match when {
            Some(f) => sql::eval_bool(self.ctx, &self.vars, f),
            None => Ok(true),
        }
    }

    fn stmt(&mut self, s: &Stmt) -> DbResult<Flow> {
        match s {
            Stmt::Null => Ok(Flow::Normal),
            Stmt::Block(b) => self.block(b),
            Stmt::Assign { name, value } => {
                let (v, from) = sql::eval(self.ctx, &self.vars, value)?;
                self.assign(name, v, &from)?;
                Ok(Flow::Normal)
            }
            Stmt::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    if sql::eval_bool(self.ctx, &self.vars, cond)? {
                        return self.stmts(body);
                    }
                }
                self.stmts(otherwise)
            }
            Stmt::Loop { label, body } => loop {
                self.ctx.check_interrupt()?;
                match loop_ctl(self.stmts(body)?, label) {
                    LoopCtl::Next => {}
                    LoopCtl::Break => return Ok(Flow::Normal),
                    LoopCtl::Out(f) => return Ok(f),
                }
            },
            Stmt::While { label, cond, body } => {
                while sql::eval_bool(self.ctx, &self.vars, cond)? {
                    self.ctx.check_interrupt()?;
                    match loop_ctl(self.stmts(body)?, label) {
                        LoopCtl::Next => {}
                        LoopCtl::Break => break,
                        LoopCtl::Out(f) => return Ok(f),
                    }
                }
                Ok(Flow::Normal)
            }
            Stmt::ForRange {
                label,
                var,
                reverse,
                lo,
                hi,
                step,
                body,
            } => self.for_range(label, var, *reverse, lo, hi, step.as_ref(), body),
            Stmt::ForQuery {
                label,
                targets,
                query,
                body,
            } => self.for_query(label, targets, query, body),
            Stmt::Exit { label, when } => Ok(if self.when(when)? {
                Flow::Exit(label.clone())
            } else {
                Flow::Normal
            }),
            Stmt::Continue { label, when } => Ok(if self.when(when)? {
                Flow::Continue(label.clone())
            } else {
                Flow::Normal
            }),
            Stmt::Return(None) => Ok(Flow::Return(None)),
            Stmt::Return(Some(f)) => {
                let v = sql::eval(self.ctx, &self.vars, f)?;
                Ok(Flow::Return(Some(v)))
            }
            Stmt::Raise {
                level,
                format,
                args,
                condition,
                options,
            } => self.raise(*level, format.as_deref(), args, *condition, options),
            Stmt::Reraise => match self.handling.last() {
                Some(e) => Err(e.clone()),
                None => Err(DbError::new(
                    SqlState::from_static("0Z002"),
                    "RAISE without parameters cannot be used outside an exception handler",
                )),
            },
            Stmt::Execute { query, into, using } => self.execute(query, into.as_ref(), using),
            Stmt::Perform(q) => {
                let mut toks = vec![Token::make_keyword("SELECT")];
                toks.extend(q.toks.iter().cloned());
                let out = self.run_sql(&toks)?;
                self.set_found(affected(&out) > 0);
                Ok(Flow::Normal)
            }
            Stmt::Sql(f) => self.sql_stmt(f),
        }
    }

    fn run_sql(&mut self, toks: &[Token]) -> DbResult<StatementOutput> {
        if self.fresh_snapshots {
            self.ctx.txn.begin_statement();
        }
        sql::run(self.ctx, &self.vars, toks)
    }

    fn set_found(&mut self, found: bool) {
        if let Some(v) = self
            .vars
            .scopes
            .first_mut()
            .and_then(|s| s.iter_mut().find(|v| v.name == "found"))
        {
            v.slot = Slot::Scalar {
                ty: DataType::Bool,
                value: Value::Bool(found),
            };
        }
    }

    fn assign(&mut self, name: &str, v: Value, from: &DataType) -> DbResult<()> {
        let Some(var) = self.vars.get(name) else {
            return Err(DbError::new(
                SqlState::SYNTAX_ERROR,
                format!("\"{name}\" is not a known variable"),
            ));
        };
        if var.constant {
            return Err(DbError::new(
                SqlState::from_static("22005"),
                format!("variable \"{name}\" is declared CONSTANT"),
            ));
        }
        let ty = match &var.slot {
            Slot::Scalar { ty, .. } => ty.clone(),
            Slot::Record(_) => {
                return Err(DbError::not_supported(
                    "assignment of an expression to a record variable is not supported",
                ));
            }
        };
        let not_null = var.not_null;
        let value = sql::coerce(self.ctx, v, from, &ty)?;
        if not_null && value.is_null() {
            return Err(DbError::new(
                SqlState::NULL_VALUE_NOT_ALLOWED,
                format!("null value cannot be assigned to variable \"{name}\" declared NOT NULL"),
            ));
        }
        if let Some(var) = self.vars.get_mut(name) {
            var.slot = Slot::Scalar { ty, value };
        }
        Ok(())
    }

    /// Assigns a row (or no row: NULLs) to INTO / FOR targets.
    fn assign_row(
        &mut self,
        targets: &[String],
        columns: &Arc<Vec<crate::output::Column>>,
        row: Option<&[Value]>,
    ) -> DbResult<()> {
        if let [t] = targets
            && matches!(self.vars.get(t).map(|v| &v.slot), Some(Slot::Record(_)))
        {
            if let Some(var) = self.vars.get_mut(t) {
                var.slot = Slot::Record(row.map(|r| (columns.clone(), r.to_vec())));
            }
            return Ok(());
        }
        for (i, t) in targets.iter().enumerate() {
            let v = row.and_then(|r| r.get(i)).cloned().unwrap_or(Value::Null);
            let from = columns
                .get(i)
                .map(|c| c.data_type.clone())
                .unwrap_or(DataType::Unknown);
            self.assign(t, v, &from)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn for_range(
        &mut self,
        label: &Option<String>,
        var: &str,
        reverse: bool,
        lo: &Fragment,
        hi: &Fragment,
        step: Option<&Fragment>,
        body: &[Stmt],
    ) -> DbResult<Flow> {
        let int = |i: &mut Self, f: &Fragment, what: &str| -> DbResult<i64> {
            let (v, ty) = sql::eval(i.ctx, &i.vars, f)?;
            match sql::coerce(i.ctx, v, &ty, &DataType::Int4)? {
                Value::Int4(n) => Ok(i64::from(n)),
                _ => Err(DbError::new(
                    SqlState::NULL_VALUE_NOT_ALLOWED,
                    format!("{what} bound of FOR loop cannot be null"),
                )),
            }
        };
        let lo = int(self, lo, "lower")?;
        let hi = int(self, hi, "upper")?;
        let step = match step {
            Some(s) => int(self, s, "BY value")?,
            None => 1,
        };
        if step <= 0 {
            return Err(DbError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "BY value of FOR loop must be greater than zero",
            ));
        }
        let mut i = lo;
        self.vars.scopes.push(vec![Var {
            name: var.to_string(),
            slot: Slot::Scalar {
                ty: DataType::Int4,
                value: Value::Null,
            },
            constant: false,
            not_null: false,
        }]);
        let mut ran = false;
        let result = loop {
            if (!reverse && i > hi) || (reverse && i < hi) {
                break Ok(Flow::Normal);
            }
            if let Err(e) = self.ctx.check_interrupt() {
                break Err(e);
            }
            ran = true;
            if let Some(v) = self.vars.scopes.last_mut().and_then(|s| s.first_mut()) {
                v.slot = Slot::Scalar {
                    ty: DataType::Int4,
                    value: Value::Int4(i as i32),
                };
            }
            match self.stmts(body).map(|f| loop_ctl(f, label)) {
                Ok(LoopCtl::Next) => {}
                Ok(LoopCtl::Break) => break Ok(Flow::Normal),
                Ok(LoopCtl::Out(f)) => break Ok(f),
                Err(e) => break Err(e),
            }
            i = if reverse { i - step } else { i + step };
        };
        self.vars.scopes.pop();
        self.set_found(ran);
        result
    }

    fn for_query(
        &mut self,
        label: &Option<String>,
        targets: &[String],
        query: &Fragment,
        body: &[Stmt],
    ) -> DbResult<Flow> {
        let (columns, rows) = match self.run_sql(&query.toks)? {
            StatementOutput::Rows { columns, rows, .. } => (columns, rows),
            _ => {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    format!("cannot open {} query as cursor", query.text()),
                ));
            }
        };
        let implicit = targets.len() == 1 && self.vars.get(&targets[0]).is_none();
        self.vars.scopes.push(Vec::new());
        if implicit {
            self.vars.declare(Var {
                name: targets[0].clone(),
                slot: Slot::Record(None),
                constant: false,
                not_null: false,
            });
        }
        let mut result = Ok(Flow::Normal);
        for row in &rows {
            if let Err(e) = self
                .ctx
                .check_interrupt()
                .and_then(|_| self.assign_row(targets, &columns, Some(row)))
            {
                result = Err(e);
                break;
            }
            match self.stmts(body).map(|f| loop_ctl(f, label)) {
                Ok(LoopCtl::Next) => {}
                Ok(LoopCtl::Break) => break,
                Ok(LoopCtl::Out(f)) => {
                    result = Ok(f);
                    break;
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.vars.scopes.pop();
        self.set_found(!rows.is_empty());
        result
    }

    /// The text form of an expression's value (`<NULL>` for NULL).
    fn text_of(&mut self, f: &Fragment) -> DbResult<Option<String>> {
        let (v, ty) = sql::eval(self.ctx, &self.vars, f)?;
        if v.is_null() {
            return Ok(None);
        }
        let ty = if ty == DataType::Unknown {
            DataType::Text
        } else {
            ty
        };
        crate::types::format_text(&v, &ty, self.ctx.format).map(Some)
    }

    fn raise(
        &mut self,
        level: RaiseLevel,
        format: Option<&str>,
        args: &[Fragment],
        condition: Option<&'static str>,
        options: &[(String, Fragment)],
    ) -> DbResult<Flow> {
        let mut texts = Vec::with_capacity(args.len());
        for a in args {
            texts.push(self.text_of(a)?.unwrap_or_else(|| "<NULL>".into()));
        }
        let mut msg = String::new();
        if condition.is_some() {
            msg = format.unwrap_or_default().to_string();
        } else if let Some(format) = format {
            let mut texts = texts.into_iter();
            let mut chars = format.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '%' {
                    if chars.peek() == Some(&'%') {
                        chars.next();
                        msg.push('%');
                    } else {
                        msg.push_str(&texts.next().unwrap_or_default());
                    }
                } else {
                    msg.push(c);
                }
            }
        }
        let mut code = condition.unwrap_or("P0001");
        let (mut detail, mut hint) = (None, None);
        for (name, f) in options {
            let value = self.text_of(f)?.ok_or_else(|| {
                DbError::new(
                    SqlState::NULL_VALUE_NOT_ALLOWED,
                    "RAISE statement option cannot be null",
                )
            })?;
            match name.as_str() {
                "message" => msg = value,
                "detail" => detail = Some(value),
                "hint" => hint = Some(value),
                _ => {
                    code = match super::errcodes::code_of(&value) {
                        Some(c) => c,
                        None => super::lexical::sqlstate(&value)?,
                    };
                    if format.is_none() && msg.is_empty() {
                        msg = value;
                    }
                }
            }
        }
        let code = match level {
            RaiseLevel::Exception => SqlState::from_static(code),
            RaiseLevel::Warning => SqlState::WARNING,
            _ => SqlState::SUCCESSFUL_COMPLETION,
        };
        let mut err = DbError::new(code, msg);
        err.detail = detail;
        err.hint = hint;
        match level {
            RaiseLevel::Exception => return Err(err),
            RaiseLevel::Warning | RaiseLevel::Notice | RaiseLevel::Info => {
                self.ctx.notices.push(err)
            }
            RaiseLevel::Debug => {}
        }
        Ok(Flow::Normal)
    }

    /// EXECUTE: runs a query string built at run time, with USING values
    /// as its `$n` parameters.
    fn execute(
        &mut self,
        query: &Fragment,
        into: Option<&Into>,
        using: &[Fragment],
    ) -> DbResult<Flow> {
        let Some(text) = self.text_of(query)? else {
            return Err(DbError::new(
                SqlState::NULL_VALUE_NOT_ALLOWED,
                "query string argument of EXECUTE is null",
            ));
        };
        let mut values = Vec::with_capacity(using.len());
        let mut types = Vec::with_capacity(using.len());
        for u in using {
            let (v, t) = sql::eval(self.ctx, &self.vars, u)?;
            values.push(v);
            types.push(if t == DataType::Unknown {
                DataType::Text
            } else {
                t
            });
        }
        let mut commands = crate::parse::parse(&text).map_err(sql::unpositioned)?;
        let stmt = match (commands.pop(), commands.is_empty()) {
            (Some(crate::parse::Command::Sql(stmt)), true) => stmt,
            (None, _) => {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    "cannot EXECUTE a null or empty query",
                ));
            }
            (Some(_), false) => {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    "EXECUTE of a string with several statements is not supported",
                ));
            }
            (Some(_), true) => {
                return Err(DbError::not_supported(
                    "this statement is not supported in EXECUTE",
                ));
            }
        };
        (self.ctx.check_nested)(&stmt)?;
        if self.fresh_snapshots {
            self.ctx.txn.begin_statement();
        }
        let variables = crate::statement::Variables::default();
        let out = crate::statement::execute_typed(self.ctx, &stmt, &values, types, &variables)
            .map_err(sql::unpositioned)?;
        if let Some(into) = into {
            self.assign_into(into, out)?;
        }
        Ok(Flow::Normal)
    }

    fn assign_into(&mut self, into: &Into, out: StatementOutput) -> DbResult<()> {
        for t in &into.targets {
            if self.vars.get(t).is_none() {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    format!("\"{t}\" is not a known variable"),
                ));
            }
        }
        let (columns, rows) = match out {
            StatementOutput::Rows { columns, rows, .. } => (columns, rows),
            _ => {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    "INTO used with a command that cannot return data",
                ));
            }
        };
        if into.strict && rows.is_empty() {
            return Err(DbError::new(
                SqlState::from_static("P0002"),
                "query returned no rows",
            ));
        }
        if into.strict && rows.len() > 1 {
            return Err(DbError::new(
                SqlState::from_static("P0003"),
                "query returned more than one row",
            ));
        }
        self.assign_row(&into.targets, &columns, rows.first().map(Vec::as_slice))?;
        self.set_found(!rows.is_empty());
        Ok(())
    }

    fn sql_stmt(&mut self, f: &Fragment) -> DbResult<Flow> {
        let (toks, into) = split_into(&f.toks)?;
        let first_select = toks.first().is_some_and(|t| is_word(t, "select"));
        let Some((targets, strict)) = into else {
            if first_select {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    "query has no destination for result data",
                )
                .with_hint(
                    "If you want to discard the results of a SELECT, use PERFORM instead.",
                ));
            }
            let out = self.run_sql(&toks)?;
            self.set_found(affected(&out) > 0);
            return Ok(Flow::Normal);
        };
        let out = self.run_sql(&toks)?;
        self.assign_into(&Into { targets, strict }, out)?;
        Ok(Flow::Normal)
    }
}

/// Rows a statement returned or changed (from its tag).
fn affected(out: &StatementOutput) -> usize {
    match out {
        StatementOutput::Rows { rows, .. } => rows.len(),
        StatementOutput::Command { tag } => tag
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        _ => 0,
    }
}

type IntoClause = Option<(Vec<String>, bool)>;

/// Removes `INTO [STRICT] target, ...` from a SELECT (top level) or from
/// after RETURNING of an INSERT/UPDATE/DELETE.
fn split_into(toks: &[Token]) -> DbResult<(Vec<Token>, IntoClause)> {
    let first = toks.first();
    let select = first.is_some_and(|t| is_word(t, "select"));
    let dml = first.is_some_and(|t| ["insert", "update", "delete"].iter().any(|k| is_word(t, k)));
    if !select && !dml {
        return Ok((toks.to_vec(), None));
    }
    let mut depth = 0usize;
    let mut returning = false;
    let mut at = None;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            _ if depth == 0 && is_word(t, "returning") => returning = true,
            _ if depth == 0 && is_word(t, "into") && (select || returning) => {
                at = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(at) = at else {
        return Ok((toks.to_vec(), None));
    };
    let mut i = at + 1;
    let strict = toks.get(i).is_some_and(|t| is_word(t, "strict"));
    if strict {
        i += 1;
    }
    let mut targets = Vec::new();
    loop {
        match toks.get(i).and_then(super::parse::ident_of) {
            Some(n) => targets.push(n),
            None => {
                return Err(DbError::new(
                    SqlState::SYNTAX_ERROR,
                    "syntax error at or near \"INTO\"",
                ));
            }
        }
        i += 1;
        if toks.get(i) == Some(&Token::Comma) {
            i += 1;
        } else {
            break;
        }
    }
    let mut rest = toks[..at].to_vec();
    rest.extend(toks[i..].iter().cloned());
    Ok((rest, Some((targets, strict))))
}
