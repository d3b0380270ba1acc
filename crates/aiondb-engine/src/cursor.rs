//! SQL cursors: DECLARE, FETCH and CLOSE.
//!
//! A cursor's query runs when it is declared, at that statement's snapshot,
//! and its rows are kept with the session: that is the snapshot PostgreSQL
//! gives a cursor, and it makes every direction (NEXT, PRIOR, ABSOLUTE n,
//! BACKWARD ALL, ...) a move over a known row list.
//!
//! ```text
//!   position:  0        1      2     ...    n      n+1
//!            before   row 1  row 2        row n   after
//! ```
//!
//! The query is bound at DECLARE, so a name or type error is reported
//! there; an error while it runs is kept (its effects undone) and reported
//! by the first FETCH, where PostgreSQL's lazy portal would meet it. After
//! that the cursor is dead: every later FETCH fails with `portal "c"
//! cannot be run` (55000), as PostgreSQL's failed portal does.
//!
//! Lifetime rules, as in PostgreSQL: a cursor without WITH HOLD can only be
//! declared inside a transaction block and is closed when that block ends;
//! a WITH HOLD cursor survives COMMIT but not the rollback of the block that
//! declared it.

use crate::session::Session;
use aiondb_core::{DbError, DbResult, Row, SqlState, Value};
use aiondb_sql::{Column, StatementOutput};
use sqlparser::ast::{self, CloseCursor, Declare, DeclareType, FetchDirection, Statement};
use std::sync::Arc;

/// One open cursor.
pub(crate) struct Cursor {
    columns: Arc<Vec<Column>>,
    rows: Vec<Row>,
    /// 0 = before the first row, rows.len() + 1 = after the last.
    position: usize,
    scroll: bool,
    hold: bool,
    /// The transaction block that declared it (see [`Session::block_serial`]).
    declared_in: u64,
    /// How many savepoints were open at DECLARE: a rollback to one of
    /// them closes the cursor.
    depth: usize,
    /// Why the query could not produce its rows.
    failure: Option<Failure>,
}

/// A cursor whose query failed.
enum Failure {
    /// The error the first FETCH reports.
    Pending(DbError),
    /// Reported already: the portal cannot be run any more.
    Dead,
}

/// Whether the statement is one this module runs.
pub(crate) fn is_cursor_statement(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::Declare { .. } | Statement::Fetch { .. } | Statement::Close { .. }
    )
}

fn undefined(name: &str) -> DbError {
    DbError::new(
        SqlState::INVALID_CURSOR_NAME,
        format!("cursor \"{name}\" does not exist"),
    )
}

fn count(v: &ast::ValueWithSpan) -> DbResult<i64> {
    match &v.value {
        ast::Value::Number(n, _) => n.parse().map_err(|_| {
            DbError::new(
                SqlState::SYNTAX_ERROR,
                format!("syntax error at or near \"{n}\""),
            )
        }),
        other => Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            format!("syntax error at or near \"{other}\""),
        )),
    }
}

/// A FETCH direction as one move.
enum Move {
    /// Step this many rows (negative: backward), returning each.
    Steps(i64),
    /// Go to this row (negative: from the end), returning it.
    Absolute(i64),
    /// Go this many rows from here, returning only the row landed on.
    Relative(i64),
}

fn as_move(d: &FetchDirection) -> DbResult<Move> {
    Ok(match d {
        FetchDirection::Count { limit } => Move::Steps(count(limit)?),
        FetchDirection::Next => Move::Steps(1),
        FetchDirection::Prior => Move::Steps(-1),
        FetchDirection::First => Move::Absolute(1),
        FetchDirection::Last => Move::Absolute(-1),
        FetchDirection::Absolute { limit } => Move::Absolute(count(limit)?),
        FetchDirection::Relative { limit } => Move::Relative(count(limit)?),
        FetchDirection::All | FetchDirection::ForwardAll => Move::Steps(i64::MAX),
        FetchDirection::Forward { limit } => {
            Move::Steps(limit.as_ref().map(count).transpose()?.unwrap_or(1))
        }
        FetchDirection::Backward { limit } => {
            Move::Steps(-limit.as_ref().map(count).transpose()?.unwrap_or(1))
        }
        FetchDirection::BackwardAll => Move::Steps(-i64::MAX),
    })
}

/// Adds the row at `pos` (1-based) to `out`, if there is one.
fn land(pos: usize, out: &mut Vec<Row>, rows: &[Row]) {
    if let Some(row) = pos.checked_sub(1).and_then(|i| rows.get(i)) {
        out.push(row.clone());
    }
}

impl Cursor {
    fn fetch(&mut self, mv: Move) -> Vec<Row> {
        let n = self.rows.len();
        let mut out = Vec::new();
        match mv {
            Move::Steps(0) | Move::Relative(0) => land(self.position, &mut out, &self.rows),
            Move::Steps(k) if k > 0 => {
                let mut left = k;
                while left > 0 && self.position <= n {
                    self.position += 1;
                    land(self.position, &mut out, &self.rows);
                    left -= 1;
                }
            }
            Move::Steps(k) => {
                let mut left = k.unsigned_abs();
                while left > 0 && self.position > 0 {
                    self.position -= 1;
                    land(self.position, &mut out, &self.rows);
                    left -= 1;
                }
            }
            Move::Absolute(k) => {
                self.position = if k >= 0 {
                    (k.unsigned_abs() as usize).min(n + 1)
                } else {
                    (n + 1).saturating_sub(k.unsigned_abs() as usize)
                };
                land(self.position, &mut out, &self.rows);
            }
            Move::Relative(k) => {
                let target = self.position as i64 + k;
                self.position = target.clamp(0, n as i64 + 1) as usize;
                land(self.position, &mut out, &self.rows);
            }
        }
        out
    }

    fn moves_backward(mv: &Move, position: usize) -> bool {
        match mv {
            Move::Steps(k) | Move::Relative(k) => *k < 0,
            Move::Absolute(k) => *k < 0 || (*k as usize) < position,
        }
    }
}

impl Session {
    /// Runs DECLARE / FETCH / CLOSE; None for other statements.
    pub(crate) fn run_cursor_statement(
        &mut self,
        stmt: &Statement,
        params: &[Value],
    ) -> Option<DbResult<StatementOutput>> {
        let result = match stmt {
            Statement::Declare { stmts, .. } => match stmts.as_slice() {
                [one] => self.declare(one, params),
                _ => Err(DbError::not_supported("DECLARE of several cursors at once")),
            },
            Statement::Fetch {
                name,
                direction,
                into: None,
                ..
            } => self.fetch(&aiondb_sql::ident(name), direction),
            Statement::Fetch { .. } => Err(DbError::not_supported("FETCH ... INTO")),
            Statement::Close { cursor } => self.close(cursor),
            _ => return None,
        };
        Some(result)
    }

    /// The columns FETCH from this cursor returns (for Describe).
    pub(crate) fn cursor_columns(&self, stmt: &Statement) -> Vec<Column> {
        match stmt {
            Statement::Fetch { name, .. } => self
                .cursors
                .get(&aiondb_sql::ident(name))
                .map(|c| c.columns.as_ref().clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn declare(&mut self, d: &Declare, params: &[Value]) -> DbResult<StatementOutput> {
        let [name] = d.names.as_slice() else {
            return Err(DbError::not_supported("DECLARE of several names"));
        };
        let name = aiondb_sql::ident(name);
        let Some(query) = d.for_query.as_ref() else {
            return Err(DbError::not_supported("DECLARE without a cursor query"));
        };
        if !matches!(d.declare_type, Some(DeclareType::Cursor) | None) {
            return Err(DbError::not_supported("DECLARE of a non-cursor"));
        }
        if d.binary == Some(true) {
            return Err(DbError::not_supported("BINARY cursors"));
        }
        aiondb_sql::check_no_select_into(query)?;
        let hold = d.hold == Some(true);
        let in_block = self.block.as_ref().is_some_and(|b| b.explicit);
        if !hold && !in_block {
            return Err(DbError::new(
                SqlState::NO_ACTIVE_SQL_TRANSACTION,
                "DECLARE CURSOR can only be used in transaction blocks",
            ));
        }
        if self.cursors.contains_key(&name) {
            return Err(DbError::new(
                SqlState::from_static("42P03"),
                format!("cursor \"{name}\" already exists"),
            ));
        }
        let select = Statement::Query(query.clone());
        let hints: Vec<aiondb_core::DataType> = params
            .iter()
            .map(|_| aiondb_core::DataType::Unknown)
            .collect();
        let result = self.with_transaction(|ctx| {
            // Binding errors belong to DECLARE; running ones to FETCH.
            let description = aiondb_sql::describe(ctx, &select, &hints)?;
            let before = ctx.txn.savepoint();
            match aiondb_sql::execute(ctx, &select, params) {
                Ok(output) => Ok(Ok(output)),
                Err(e) => {
                    ctx.txn.rollback_to(&before);
                    Ok(Err((description.columns, e)))
                }
            }
        });
        let (columns, rows, failure) = match self.finish_statement(result)? {
            Ok(StatementOutput::Rows { columns, rows, .. }) => (columns, rows, None),
            Ok(_) => {
                return Err(DbError::new(
                    SqlState::from_static("42P11"),
                    "cursor query must return rows",
                ));
            }
            Err((columns, e)) => (Arc::new(columns), Vec::new(), Some(Failure::Pending(e))),
        };
        let declared_in = if in_block { self.block_serial } else { 0 };
        let depth = self
            .block
            .as_ref()
            .filter(|_| in_block)
            .map_or(0, |b| b.savepoints.len());
        self.cursors.insert(
            name,
            Cursor {
                columns,
                rows,
                position: 0,
                scroll: d.scroll != Some(false),
                hold,
                declared_in,
                depth,
                failure,
            },
        );
        Ok(StatementOutput::Command {
            tag: "DECLARE CURSOR".into(),
        })
    }

    fn fetch(&mut self, name: &str, direction: &FetchDirection) -> DbResult<StatementOutput> {
        let cursor = self.cursors.get_mut(name).ok_or_else(|| undefined(name))?;
        match cursor.failure.replace(Failure::Dead) {
            Some(Failure::Pending(e)) => return Err(e),
            Some(Failure::Dead) => {
                return Err(DbError::new(
                    SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                    format!("portal \"{name}\" cannot be run"),
                ));
            }
            None => cursor.failure = None,
        }
        let mv = as_move(direction)?;
        if !cursor.scroll && Cursor::moves_backward(&mv, cursor.position) {
            return Err(DbError::new(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                "cursor can only scan forward",
            )
            .with_hint("Declare it with SCROLL option to enable backward scan."));
        }
        let rows = cursor.fetch(mv);
        Ok(StatementOutput::Rows {
            columns: cursor.columns.clone(),
            tag: format!("FETCH {}", rows.len()),
            rows,
        })
    }

    fn close(&mut self, which: &CloseCursor) -> DbResult<StatementOutput> {
        match which {
            CloseCursor::All => self.cursors.clear(),
            CloseCursor::Specific { name } => {
                let name = aiondb_sql::ident(name);
                if self.cursors.remove(&name).is_none() {
                    return Err(undefined(&name));
                }
            }
        }
        Ok(StatementOutput::Command {
            tag: "CLOSE CURSOR".into(),
        })
    }

    /// A transaction block ended: its cursors close, except WITH HOLD ones
    /// when it committed.
    /// ROLLBACK TO the savepoint at index `pos`: cursors declared since it
    /// was set are closed (FETCHes on older ones are not undone).
    pub(crate) fn cursors_at_rollback_to(&mut self, pos: usize) {
        let serial = self.block_serial;
        self.cursors
            .retain(|_, c| c.declared_in != serial || c.depth <= pos);
    }

    /// RELEASE of the savepoint at index `pos`: its cursors now belong to
    /// the enclosing level.
    pub(crate) fn cursors_at_release(&mut self, pos: usize) {
        let serial = self.block_serial;
        for c in self.cursors.values_mut() {
            if c.declared_in == serial && c.depth > pos {
                c.depth = pos;
            }
        }
    }

    pub(crate) fn cursors_at_block_end(&mut self, committed: bool) {
        let serial = self.block_serial;
        self.cursors
            .retain(|_, c| c.declared_in != serial || (committed && c.hold));
        for c in self.cursors.values_mut() {
            if c.declared_in == serial {
                c.declared_in = 0;
            }
        }
    }
}
