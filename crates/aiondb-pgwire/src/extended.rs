//! The extended query protocol: prepared statements, portals, and
//! Execute with row limits.
//!
//! ```text
//!   Parse(name, sql, oids) ─► statements[name] = engine.prepare(..)
//!   Bind(portal, stmt, params, formats) ─► portals[portal] = Ready
//!   Execute(portal, n):  Ready ─► engine.execute(..) ─► Rows ─► n rows ─► PortalSuspended
//!                                                     │                └► CommandComplete (Done)
//!                                                     └► Command / Copy / Empty ─► Done
//!   Sync: leave the error state; at transaction end drop all portals.
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use aiondb_core::{DbError, SqlState, Value};
use aiondb_engine::{Column, PreparedStatement, StatementOutput, TransactionStatus};
use pgwire::messages::PgWireBackendMessage as B;
use pgwire::messages::data::{NoData, ParameterDescription};
use pgwire::messages::extendedquery::{
    Bind, BindComplete, Close, CloseComplete, Describe, Execute, Parse, ParseComplete,
    PortalSuspended,
};
use pgwire::messages::response::{CommandComplete, EmptyQueryResponse};

use crate::conn::{Ctx, Step, TcpConn, blocking};
use crate::simple::{copy_in, copy_out, encode_rows, row_description, wire_type};

enum PortalState {
    /// Bound, not executed yet.
    Ready,
    /// Executed; rows from `pos` on are still to be sent.
    Rows {
        columns: Arc<Vec<Column>>,
        rows: Vec<Vec<Value>>,
        pos: usize,
        tag: String,
    },
    /// Ran to completion.
    Done { tag: Option<String> },
}

struct Portal {
    stmt: PreparedStatement,
    params: Vec<Option<Vec<u8>>>,
    param_formats: Vec<i16>,
    result_formats: Vec<i16>,
    state: PortalState,
}

/// Per-connection extended-protocol state.
#[derive(Default)]
pub struct Extended {
    statements: HashMap<String, PreparedStatement>,
    portals: HashMap<String, Portal>,
    /// After an error: skip everything until Sync.
    pub discarding: bool,
}

fn name(n: Option<String>) -> String {
    n.unwrap_or_default()
}

fn err(code: SqlState, msg: impl Into<String>) -> Step {
    Step::Error(DbError::new(code, msg))
}

fn check_formats(formats: &[i16]) -> Result<(), Step> {
    match formats.iter().find(|f| **f != 0 && **f != 1) {
        Some(f) => Err(err(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("unsupported format code: {f}"),
        )),
        None => Ok(()),
    }
}

/// The SELECT row count of this Execute call, other tags as the engine
/// made them (PostgreSQL reports the rows fetched by each call).
fn completion_tag(tag: &str, sent: usize) -> String {
    if tag == "SELECT" || tag.starts_with("SELECT ") {
        format!("SELECT {sent}")
    } else {
        tag.to_string()
    }
}

impl Extended {
    pub async fn parse(&mut self, ctx: &mut Ctx, conn: &mut TcpConn, m: Parse) -> Result<(), Step> {
        let stmt_name = name(m.name);
        if !stmt_name.is_empty() && self.statements.contains_key(&stmt_name) {
            return Err(err(
                SqlState::from_static("42P05"),
                format!("prepared statement \"{stmt_name}\" already exists"),
            ));
        }
        metrics::counter!("aiondb_queries_total", "protocol" => "extended").increment(1);
        let session = &mut ctx.session;
        let prepared = blocking(|| session.prepare(&m.query, &m.type_oids)).and_then(|r| r);
        for notice in ctx.session.take_notices() {
            conn.send_notice(&notice).await?;
        }
        self.statements.insert(stmt_name, prepared?);
        conn.send(B::ParseComplete(ParseComplete::new())).await?;
        Ok(())
    }

    pub async fn bind(&mut self, _ctx: &mut Ctx, conn: &mut TcpConn, m: Bind) -> Result<(), Step> {
        let portal_name = name(m.portal_name);
        let stmt_name = name(m.statement_name);
        let Some(stmt) = self.statements.get(&stmt_name) else {
            return Err(err(
                SqlState::from_static("26000"),
                format!("prepared statement \"{stmt_name}\" does not exist"),
            ));
        };
        if !portal_name.is_empty() && self.portals.contains_key(&portal_name) {
            return Err(err(
                SqlState::from_static("42P03"),
                format!("cursor \"{portal_name}\" already exists"),
            ));
        }
        let nparams = m.parameters.len();
        let pf = m.parameter_format_codes.len();
        if pf > 1 && pf != nparams {
            return Err(err(
                SqlState::PROTOCOL_VIOLATION,
                format!("bind message has {pf} parameter formats but {nparams} parameters"),
            ));
        }
        let expected = stmt.param_types().len();
        if nparams != expected {
            return Err(err(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "bind message supplies {nparams} parameters, but prepared statement \"{stmt_name}\" requires {expected}"
                ),
            ));
        }
        let rf = m.result_column_format_codes.len();
        let ncols = stmt.columns().len();
        if rf > 1 && rf != ncols {
            return Err(err(
                SqlState::PROTOCOL_VIOLATION,
                format!("bind message has {rf} result formats but query has {ncols} columns"),
            ));
        }
        check_formats(&m.parameter_format_codes)?;
        check_formats(&m.result_column_format_codes)?;
        let portal = Portal {
            stmt: stmt.clone(),
            params: m
                .parameters
                .into_iter()
                .map(|p| p.map(|b| b.to_vec()))
                .collect(),
            param_formats: m.parameter_format_codes,
            result_formats: m.result_column_format_codes,
            state: PortalState::Ready,
        };
        self.portals.insert(portal_name, portal);
        conn.send(B::BindComplete(BindComplete::new())).await?;
        Ok(())
    }

    pub async fn describe(
        &mut self,
        ctx: &mut Ctx,
        conn: &mut TcpConn,
        m: Describe,
    ) -> Result<(), Step> {
        let target = name(m.name);
        match m.target_type {
            b'S' => {
                let Some(stmt) = self.statements.get(&target) else {
                    return Err(err(
                        SqlState::from_static("26000"),
                        format!("prepared statement \"{target}\" does not exist"),
                    ));
                };
                let types = stmt
                    .param_types()
                    .iter()
                    .map(|t| wire_type(t).oid())
                    .collect();
                conn.send(B::ParameterDescription(ParameterDescription::new(types)))
                    .await?;
                if stmt.columns().is_empty() {
                    conn.send(B::NoData(NoData::new())).await?;
                } else {
                    conn.send(B::RowDescription(row_description(stmt.columns(), &[])))
                        .await?;
                }
            }
            b'P' => {
                let Some(portal) = self.portals.get(&target) else {
                    // A portal made by SQL `DECLARE name CURSOR` (psycopg's
                    // server-side cursors describe it by name): the engine
                    // keeps those, so describe what a FETCH from it returns.
                    let fetch = format!("FETCH FORWARD 0 FROM \"{}\"", target.replace('"', "\"\""));
                    let session = &mut ctx.session;
                    let described = blocking(|| session.prepare(&fetch, &[])).and_then(|r| r);
                    let Ok(stmt) = described else {
                        return Err(err(
                            SqlState::INVALID_CURSOR_NAME,
                            format!("portal \"{target}\" does not exist"),
                        ));
                    };
                    if stmt.columns().is_empty() {
                        conn.send(B::NoData(NoData::new())).await?;
                    } else {
                        conn.send(B::RowDescription(row_description(stmt.columns(), &[])))
                            .await?;
                    }
                    return Ok(());
                };
                let columns: &[Column] = match &portal.state {
                    PortalState::Rows { columns, .. } => columns,
                    _ => portal.stmt.columns(),
                };
                if columns.is_empty() {
                    conn.send(B::NoData(NoData::new())).await?;
                } else {
                    conn.send(B::RowDescription(row_description(
                        columns,
                        &portal.result_formats,
                    )))
                    .await?;
                }
            }
            other => {
                return Err(err(
                    SqlState::PROTOCOL_VIOLATION,
                    format!("invalid DESCRIBE message subtype {other}"),
                ));
            }
        }
        Ok(())
    }

    pub async fn execute(
        &mut self,
        ctx: &mut Ctx,
        conn: &mut TcpConn,
        m: Execute,
    ) -> Result<(), Step> {
        let portal_name = name(m.name);
        let Some(portal) = self.portals.get_mut(&portal_name) else {
            return Err(err(
                SqlState::INVALID_CURSOR_NAME,
                format!("portal \"{portal_name}\" does not exist"),
            ));
        };
        if matches!(portal.state, PortalState::Ready) {
            let session = &mut ctx.session;
            let (stmt, params, formats) = (&portal.stmt, &portal.params, &portal.param_formats);
            let started = std::time::Instant::now();
            let result = blocking(|| session.execute(stmt, params, formats)).and_then(|r| r);
            metrics::histogram!("aiondb_query_duration_seconds", "protocol" => "extended")
                .record(started.elapsed().as_secs_f64());
            for notice in ctx.session.take_notices() {
                conn.send_notice(&notice).await?;
            }
            let output = match result {
                Ok(o) => o,
                Err(e) => {
                    portal.state = PortalState::Done { tag: None };
                    return Err(Step::Error(e));
                }
            };
            match output {
                StatementOutput::Rows { columns, rows, tag } => {
                    portal.state = PortalState::Rows {
                        columns,
                        rows,
                        pos: 0,
                        tag,
                    };
                }
                StatementOutput::Command { tag } => {
                    conn.send(B::CommandComplete(CommandComplete::new(tag.clone())))
                        .await?;
                    portal.state = PortalState::Done { tag: Some(tag) };
                    return Ok(());
                }
                StatementOutput::CopyIn { format, columns } => {
                    portal.state = PortalState::Done { tag: None };
                    match copy_in(ctx, conn, &format, columns).await? {
                        Ok(StatementOutput::Command { tag }) => {
                            conn.send(B::CommandComplete(CommandComplete::new(tag)))
                                .await?;
                            return Ok(());
                        }
                        Ok(_) => {
                            return Err(Step::Error(DbError::internal("unexpected COPY result")));
                        }
                        Err(e) => return Err(Step::Error(e)),
                    }
                }
                StatementOutput::CopyOut {
                    format,
                    columns,
                    data,
                    tag,
                } => {
                    portal.state = PortalState::Done { tag: None };
                    copy_out(conn, &format, columns, data, tag).await?;
                    return Ok(());
                }
                StatementOutput::Empty => {
                    portal.state = PortalState::Done { tag: None };
                    conn.send(B::EmptyQueryResponse(EmptyQueryResponse::new()))
                        .await?;
                    return Ok(());
                }
            }
        }
        match &mut portal.state {
            PortalState::Rows {
                columns,
                rows,
                pos,
                tag,
            } => {
                let remaining = rows.len() - *pos;
                let n = if m.max_rows <= 0 {
                    remaining
                } else {
                    remaining.min(m.max_rows as usize)
                };
                let batch = &rows[*pos..*pos + n];
                let session = &ctx.session;
                let formats = &portal.result_formats;
                let bytes =
                    blocking(|| encode_rows(session, columns, batch, formats)).and_then(|r| r)?;
                conn.send_raw(&bytes).await?;
                *pos += n;
                if *pos < rows.len() {
                    conn.send(B::PortalSuspended(PortalSuspended::new()))
                        .await?;
                } else {
                    let done = completion_tag(tag, n);
                    conn.send(B::CommandComplete(CommandComplete::new(done)))
                        .await?;
                    let tag = Some(std::mem::take(tag));
                    portal.state = PortalState::Done { tag };
                }
            }
            PortalState::Done { tag } => {
                let done = tag
                    .as_deref()
                    .map(|t| completion_tag(t, 0))
                    .unwrap_or_else(|| "SELECT 0".to_string());
                conn.send(B::CommandComplete(CommandComplete::new(done)))
                    .await?;
            }
            PortalState::Ready => {}
        }
        Ok(())
    }

    pub async fn close(&mut self, conn: &mut TcpConn, m: Close) -> Result<(), Step> {
        let target = name(m.name);
        match m.target_type {
            b'S' => {
                self.statements.remove(&target);
            }
            b'P' => {
                self.portals.remove(&target);
            }
            other => {
                return Err(err(
                    SqlState::PROTOCOL_VIOLATION,
                    format!("invalid CLOSE message subtype {other}"),
                ));
            }
        }
        conn.send(B::CloseComplete(CloseComplete::new())).await?;
        Ok(())
    }

    /// Sync: leave the error state; portals die with their transaction.
    pub fn sync(&mut self, ctx: &Ctx) {
        self.discarding = false;
        if matches!(ctx.session.transaction_status(), TransactionStatus::Idle) {
            self.portals.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_per_execute_call() {
        assert_eq!(completion_tag("SELECT 10", 3), "SELECT 3");
        assert_eq!(completion_tag("INSERT 0 5", 2), "INSERT 0 5");
        assert_eq!(completion_tag("FETCH 4", 4), "FETCH 4");
        assert!(check_formats(&[0, 1]).is_ok());
        assert!(check_formats(&[2]).is_err());
    }
}
