//! The simple query protocol, and the pieces both protocols share: row
//! descriptions, DataRow encoding, and the COPY sub-protocols.

use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};
use aiondb_engine::{Column, CopyFormat, Session, StatementOutput};
use bytes::{BufMut, BytesMut};
use pgwire::messages::PgWireBackendMessage as B;
use pgwire::messages::PgWireFrontendMessage as F;
use pgwire::messages::copy::{CopyData, CopyDone, CopyInResponse, CopyOutResponse};
use pgwire::messages::data::{FieldDescription, RowDescription};
use pgwire::messages::response::{CommandComplete, EmptyQueryResponse};

use crate::conn::{Closed, Ctx, TcpConn, blocking, send_ready, send_side_effects};
use crate::io::ReadError;

/// The format code of column `i` under Bind's result-format list.
pub fn format_of(formats: &[i16], i: usize) -> i16 {
    match formats.len() {
        0 => 0,
        1 => formats[0],
        _ => formats.get(i).copied().unwrap_or(0),
    }
}

/// The type a client is told about: an unresolved literal or parameter
/// travels as text (PostgreSQL 10+ resolves unknown outputs to text, and
/// the engine decodes unknown parameters as text).
pub fn wire_type(t: &DataType) -> &DataType {
    match t {
        DataType::Unknown => &DataType::Text,
        other => other,
    }
}

pub fn row_description(columns: &[Column], formats: &[i16]) -> RowDescription {
    RowDescription::new(
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let t = wire_type(&c.data_type);
                FieldDescription::new(
                    c.name.clone(),
                    c.table_oid as i32,
                    c.column_id,
                    t.oid(),
                    t.type_len(),
                    t.typmod(),
                    format_of(formats, i),
                )
            })
            .collect(),
    )
}

/// Encodes rows as consecutive DataRow messages.
pub fn encode_rows(
    session: &Session,
    columns: &[Column],
    rows: &[Vec<Value>],
    formats: &[i16],
) -> DbResult<BytesMut> {
    let mut out = BytesMut::new();
    for row in rows {
        let start = out.len();
        out.put_u8(b'D');
        out.put_i32(0);
        out.put_i16(row.len() as i16);
        for (i, value) in row.iter().enumerate() {
            if matches!(value, Value::Null) {
                out.put_i32(-1);
                continue;
            }
            let Some(column) = columns.get(i) else {
                return Err(DbError::internal("row has more values than columns"));
            };
            let bytes =
                session.encode_value(value, &column.data_type, format_of(formats, i) == 1)?;
            out.put_i32(bytes.len() as i32);
            out.put_slice(&bytes);
        }
        let len = (out.len() - start - 1) as i32;
        out[start + 1..start + 5].copy_from_slice(&len.to_be_bytes());
    }
    Ok(out)
}

pub fn copy_format_code(format: &CopyFormat) -> i8 {
    match format {
        CopyFormat::Binary => 1,
        CopyFormat::Text | CopyFormat::Csv => 0,
    }
}

/// Streams COPY FROM STDIN data into the session. Returns the final
/// output (`COPY n`) or the error that ended the copy.
pub async fn copy_in(
    ctx: &mut Ctx,
    conn: &mut TcpConn,
    format: &CopyFormat,
    columns: usize,
) -> Result<DbResult<StatementOutput>, Closed> {
    let code = copy_format_code(format);
    conn.send(B::CopyInResponse(CopyInResponse::new(
        code,
        columns as i16,
        vec![i16::from(code); columns],
    )))
    .await?;
    conn.flush().await?;
    loop {
        let msg = match conn.read_message().await {
            Ok(m) => m,
            Err(ReadError::Protocol(m)) => {
                let session = &mut ctx.session;
                let _ = blocking(|| session.copy_in_fail("protocol violation"));
                let e = DbError::new(SqlState::PROTOCOL_VIOLATION, m);
                conn.send_fatal(&e).await?;
                return Err(Closed);
            }
            Err(_) => {
                let session = &mut ctx.session;
                let _ = blocking(|| session.copy_in_fail("connection lost during COPY"));
                return Err(Closed);
            }
        };
        let session = &mut ctx.session;
        match msg {
            F::CopyData(d) => {
                let r = blocking(|| session.copy_in_data(&d.data)).and_then(|r| r);
                if let Err(e) = r {
                    let _ = blocking(|| session.copy_in_fail(&e.message));
                    return Ok(Err(e));
                }
            }
            F::CopyDone(_) => {
                return Ok(blocking(|| session.copy_in_done()).and_then(|r| r));
            }
            F::CopyFail(f) => {
                let _ = blocking(|| session.copy_in_fail(&f.message));
                return Ok(Err(DbError::new(
                    SqlState::QUERY_CANCELED,
                    format!("COPY from stdin failed: {}", f.message),
                )));
            }
            F::Flush(_) | F::Sync(_) => {}
            F::Terminate(_) => {
                let _ = blocking(|| session.copy_in_fail("client terminated during COPY"));
                return Err(Closed);
            }
            _ => {
                let _ = blocking(|| session.copy_in_fail("unexpected message during COPY"));
                return Ok(Err(DbError::new(
                    SqlState::PROTOCOL_VIOLATION,
                    "unexpected message type during COPY from stdin",
                )));
            }
        }
    }
}

/// Sends a CopyOut result: response, data, done, complete.
pub async fn copy_out(
    conn: &mut TcpConn,
    format: &CopyFormat,
    columns: usize,
    data: Vec<Vec<u8>>,
    tag: String,
) -> Result<(), Closed> {
    let code = copy_format_code(format);
    conn.send(B::CopyOutResponse(CopyOutResponse::new(
        code,
        columns as i16,
        vec![i16::from(code); columns],
    )))
    .await?;
    for chunk in data {
        conn.send(B::CopyData(CopyData::new(chunk.into()))).await?;
    }
    conn.send(B::CopyDone(CopyDone::new())).await?;
    conn.send(B::CommandComplete(CommandComplete::new(tag)))
        .await?;
    Ok(())
}

/// Handles one Query message: every statement's results, then
/// ReadyForQuery.
pub async fn query(ctx: &mut Ctx, conn: &mut TcpConn, sql: &str) -> Result<(), Closed> {
    metrics::counter!("aiondb_queries_total", "protocol" => "simple").increment(1);
    let session = &mut ctx.session;
    let started = std::time::Instant::now();
    let results = match blocking(|| session.simple_query(sql)) {
        Ok(r) => r,
        Err(e) => vec![Err(e)],
    };
    metrics::histogram!("aiondb_query_duration_seconds", "protocol" => "simple")
        .record(started.elapsed().as_secs_f64());
    if results.is_empty() {
        conn.send(B::EmptyQueryResponse(EmptyQueryResponse::new()))
            .await?;
    }
    for result in results {
        for notice in ctx.session.take_notices() {
            conn.send_notice(&notice).await?;
        }
        let result = match result {
            Ok(StatementOutput::CopyIn { format, columns }) => {
                copy_in(ctx, conn, &format, columns).await?
            }
            other => other,
        };
        match result {
            Ok(StatementOutput::Rows { columns, rows, tag }) => {
                conn.send(B::RowDescription(row_description(&columns, &[])))
                    .await?;
                let session = &ctx.session;
                match blocking(|| encode_rows(session, &columns, &rows, &[])).and_then(|r| r) {
                    Ok(bytes) => {
                        conn.send_raw(&bytes).await?;
                        conn.send(B::CommandComplete(CommandComplete::new(tag)))
                            .await?;
                    }
                    Err(e) => {
                        conn.send_error(&e).await?;
                        break;
                    }
                }
            }
            Ok(StatementOutput::Command { tag }) => {
                conn.send(B::CommandComplete(CommandComplete::new(tag)))
                    .await?;
            }
            Ok(StatementOutput::CopyOut {
                format,
                columns,
                data,
                tag,
            }) => copy_out(conn, &format, columns, data, tag).await?,
            Ok(StatementOutput::CopyIn { .. }) => {
                conn.send_error(&DbError::internal("nested COPY FROM STDIN"))
                    .await?;
                break;
            }
            Ok(StatementOutput::Empty) => {
                conn.send(B::EmptyQueryResponse(EmptyQueryResponse::new()))
                    .await?;
            }
            Err(e) => {
                metrics::counter!("aiondb_errors_total").increment(1);
                conn.send_error(&e).await?;
                break;
            }
        }
    }
    send_side_effects(conn, &mut ctx.session).await?;
    send_ready(conn, &ctx.session).await?;
    conn.flush().await?;
    Ok(())
}
