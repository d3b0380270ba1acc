//! One connection: startup negotiation, authentication, and the message
//! loop that dispatches to the simple and extended query handlers.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use aiondb_core::{DbError, SqlState};
use aiondb_engine::{Session, StartupParams, TransactionStatus};
use bytes::Bytes;
use pgwire::messages::PgWireBackendMessage as B;
use pgwire::messages::PgWireFrontendMessage as F;
use pgwire::messages::response::{ReadyForQuery, TransactionStatus as WireStatus};
use pgwire::messages::startup::{
    Authentication, BackendKeyData, NegotiateProtocolVersion, ParameterStatus, SecretKey,
};
use tokio::net::TcpStream;

use crate::extended::Extended;
use crate::io::{Conn, ReadError};
use crate::scram::{self, ScramError, ScramServer, Verifier};
use crate::startup::{self, StartupRequest};
use crate::{AuthMethod, Frontend, SessionSlot};

/// The connection must end (socket gone, fatal error already sent).
#[derive(Debug)]
pub struct Closed;

impl From<std::io::Error> for Closed {
    fn from(_: std::io::Error) -> Closed {
        Closed
    }
}

tokio::task_local! {
    /// Set when an engine call panicked on this connection: its session
    /// can no longer be trusted, so the connection ends after the reply.
    static POISONED: Cell<bool>;
}

fn poisoned() -> bool {
    POISONED.try_with(Cell::get).unwrap_or(false)
}

/// Runs a blocking engine call, turning a panic into an internal error
/// (and marking the connection for closing).
pub fn blocking<T>(f: impl FnOnce() -> T) -> Result<T, DbError> {
    let call = || catch_unwind(AssertUnwindSafe(f));
    // On a backend thread (current-thread runtime) the call simply runs;
    // on a shared multi-threaded runtime (tests) it must not stall the
    // worker's other tasks.
    let result = match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(call),
        _ => call(),
    };
    result.map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        tracing::error!("engine panicked: {what}");
        let _ = POISONED.try_with(|p| p.set(true));
        DbError::internal(format!("internal error: {what}"))
    })
}

pub type TcpConn = Conn;

fn fatal(code: SqlState, msg: impl Into<String>) -> DbError {
    DbError::new(code, msg)
}

pub async fn run(front: Arc<Frontend>, stream: TcpStream) {
    POISONED
        .scope(Cell::new(false), run_inner(front, stream))
        .await;
}

async fn run_inner(front: Arc<Frontend>, stream: TcpStream) {
    let mut conn = Conn::new(stream, front.shutdown_tx.subscribe());
    if let Ok(Some((session, _slot))) = handshake(&front, &mut conn).await {
        let key = session.backend_key();
        front.cancels.register(key, session.cancel_requested());
        let mut ctx = Ctx { session };
        let _ = message_loop(&mut ctx, &mut conn).await;
        front.cancels.unregister(key);
        // Dropping the session rolls back an open transaction; that may
        // block on the WAL, so it happens off the scheduler too.
        let Ctx { session, .. } = ctx;
        let _ = blocking(move || drop(session));
    }
    conn.close().await;
}

/// A connected client's engine session.
pub struct Ctx {
    pub session: Session,
}

async fn handshake<'f>(
    front: &'f Frontend,
    conn: &mut TcpConn,
) -> Result<Option<(Session, SessionSlot<'f>)>, Closed> {
    let packet = loop {
        let body = match conn.read_startup_packet().await {
            Ok(b) => b,
            Err(ReadError::Protocol(m)) => {
                conn.send_fatal(&fatal(SqlState::PROTOCOL_VIOLATION, m))
                    .await?;
                return Ok(None);
            }
            Err(_) => return Ok(None),
        };
        let code = i32::from_be_bytes([body[0], body[1], body[2], body[3]]);
        match code {
            startup::CODE_SSL_REQUEST | startup::CODE_GSSENC_REQUEST => {
                if conn.has_buffered_input() {
                    let e = fatal(
                        SqlState::PROTOCOL_VIOLATION,
                        "received unencrypted data after SSL request",
                    );
                    conn.send_fatal(&e).await?;
                    return Ok(None);
                }
                match (&front.config.tls, code) {
                    (Some(acceptor), startup::CODE_SSL_REQUEST) if !conn.is_tls() => {
                        conn.send_raw(b"S").await?;
                        if let Err(e) = conn.upgrade_tls(acceptor).await {
                            tracing::info!("TLS handshake failed: {e}");
                            return Ok(None);
                        }
                    }
                    _ => {
                        conn.send_raw(b"N").await?;
                        conn.flush().await?;
                    }
                }
            }
            startup::CODE_CANCEL_REQUEST => {
                if body.len() >= 12 {
                    let pid = i32::from_be_bytes([body[4], body[5], body[6], body[7]]);
                    let secret = i32::from_be_bytes([body[8], body[9], body[10], body[11]]);
                    let hit = front.cancels.cancel(pid, secret);
                    tracing::debug!(pid, hit, "cancel request");
                }
                return Ok(None);
            }
            _ => match startup::decode_startup(&body) {
                Ok(p) if p.major == 3 => break p,
                Ok(p) => {
                    let e = fatal(
                        SqlState::FEATURE_NOT_SUPPORTED,
                        format!(
                            "unsupported frontend protocol {}.{}: server supports 3.0 to 3.0",
                            p.major, p.minor
                        ),
                    );
                    conn.send_fatal(&e).await?;
                    return Ok(None);
                }
                Err(e) => {
                    conn.send_fatal(&e).await?;
                    return Ok(None);
                }
            },
        }
    };
    let Some(slot) = front.try_session_slot() else {
        let e = fatal(
            SqlState::from_static("53300"),
            "sorry, too many clients already",
        );
        conn.send_fatal(&e).await?;
        return Ok(None);
    };
    let params = match startup::startup_params(&packet.params) {
        Ok(StartupRequest::Normal(p)) => p,
        Ok(StartupRequest::Replication) => {
            let e = DbError::not_supported("replication connections are not supported yet");
            conn.send_fatal(&e).await?;
            return Ok(None);
        }
        Err(e) => {
            conn.send_fatal(&e).await?;
            return Ok(None);
        }
    };
    let unsupported: Vec<String> = packet
        .params
        .iter()
        .filter(|(k, _)| k.starts_with("_pq_."))
        .map(|(k, _)| k.clone())
        .collect();
    if packet.minor > 0 || !unsupported.is_empty() {
        conn.send(B::NegotiateProtocolVersion(NegotiateProtocolVersion::new(
            0,
            unsupported,
        )))
        .await?;
    }
    if front.config.auth == AuthMethod::ScramSha256 && !scram_auth(front, conn, &params).await? {
        return Ok(None);
    }
    let engine = Arc::clone(&front.engine);
    let user = params.user.clone();
    let database = params.database.clone();
    let application_name = params.application_name.clone();
    let session = match blocking(move || engine.connect(params)) {
        Ok(Ok(s)) => s,
        Ok(Err(e)) | Err(e) => {
            conn.send_fatal(&e).await?;
            return Ok(None);
        }
    };
    tracing::debug!(user, database, application_name, "connection authorized");
    conn.send(B::Authentication(Authentication::Ok)).await?;
    for (name, value) in session.parameter_status() {
        conn.send(B::ParameterStatus(ParameterStatus::new(name, value)))
            .await?;
    }
    let (pid, secret) = session.backend_key();
    conn.send(B::BackendKeyData(BackendKeyData::new(
        pid,
        SecretKey::I32(secret),
    )))
    .await?;
    send_ready(conn, &session).await?;
    Ok(Some((session, slot)))
}

/// Runs the SCRAM-SHA-256 exchange; false if the client failed it (the
/// FATAL has been sent).
async fn scram_auth(
    front: &Frontend,
    conn: &mut TcpConn,
    params: &StartupParams,
) -> Result<bool, Closed> {
    let user = params.user.clone();
    let engine = Arc::clone(&front.engine);
    let lookup_user = user.clone();
    let verifier = match blocking(move || engine.scram_verifier(&lookup_user)) {
        Ok(Ok(Some(text))) => Verifier::parse(&text).unwrap_or_else(|| {
            tracing::warn!(user, "stored SCRAM verifier is malformed");
            Verifier::mock(&user)
        }),
        // Unknown role or no password: run the exchange against a verifier
        // nothing matches, so the failure looks like a wrong password.
        Ok(Ok(None)) => Verifier::mock(&user),
        Ok(Err(e)) if e.code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            Verifier::mock(&user)
        }
        Ok(Err(e)) | Err(e) => {
            conn.send_fatal(&e).await?;
            return Ok(false);
        }
    };
    let auth_failed = || {
        fatal(
            SqlState::INVALID_PASSWORD,
            format!("password authentication failed for user \"{user}\""),
        )
    };
    let malformed = |m: &str| fatal(SqlState::PROTOCOL_VIOLATION, m.to_string());
    conn.send(B::Authentication(Authentication::SASL(vec![
        scram::MECHANISM.to_string(),
    ])))
    .await?;
    let Some(first) = read_password_message(conn).await? else {
        return Ok(false);
    };
    let initial = match catch_unwind(AssertUnwindSafe(|| first.into_sasl_initial_response()))
        .unwrap_or(Err(
            pgwire::error::PgWireError::FailedToCoercePasswordMessage,
        )) {
        Ok(m) if m.auth_method == scram::MECHANISM => m,
        Ok(_) => {
            let e = malformed("client selected an invalid SASL authentication mechanism");
            conn.send_fatal(&e).await?;
            return Ok(false);
        }
        Err(_) => {
            conn.send_fatal(&malformed("malformed SASL message"))
                .await?;
            return Ok(false);
        }
    };
    let data = initial.data.unwrap_or_default();
    let (server, server_first) = match ScramServer::start(verifier, &data, &scram::server_nonce()) {
        Ok(x) => x,
        Err(ScramError::Malformed(m)) => {
            conn.send_fatal(&malformed(m)).await?;
            return Ok(false);
        }
        Err(ScramError::BadProof) => {
            conn.send_fatal(&auth_failed()).await?;
            return Ok(false);
        }
    };
    conn.send(B::Authentication(Authentication::SASLContinue(
        Bytes::from(server_first),
    )))
    .await?;
    let Some(second) = read_password_message(conn).await? else {
        return Ok(false);
    };
    let response = match catch_unwind(AssertUnwindSafe(|| second.into_sasl_response())).unwrap_or(
        Err(pgwire::error::PgWireError::FailedToCoercePasswordMessage),
    ) {
        Ok(r) => r,
        Err(_) => {
            conn.send_fatal(&malformed("malformed SASL message"))
                .await?;
            return Ok(false);
        }
    };
    match server.finish(&response.data) {
        Ok(server_final) => {
            conn.send(B::Authentication(Authentication::SASLFinal(Bytes::from(
                server_final,
            ))))
            .await?;
            Ok(true)
        }
        Err(ScramError::Malformed(m)) => {
            conn.send_fatal(&malformed(m)).await?;
            Ok(false)
        }
        Err(ScramError::BadProof) => {
            tracing::info!(user, "password authentication failed");
            conn.send_fatal(&auth_failed()).await?;
            Ok(false)
        }
    }
}

async fn read_password_message(
    conn: &mut TcpConn,
) -> Result<Option<pgwire::messages::startup::PasswordMessageFamily>, Closed> {
    match conn.read_message().await {
        Ok(F::PasswordMessageFamily(m)) => Ok(Some(m)),
        Ok(_) => {
            let e = fatal(
                SqlState::PROTOCOL_VIOLATION,
                "expected SASL response, got another message type",
            );
            conn.send_fatal(&e).await?;
            Ok(None)
        }
        Err(ReadError::Protocol(m)) => {
            conn.send_fatal(&fatal(SqlState::PROTOCOL_VIOLATION, m))
                .await?;
            Ok(None)
        }
        Err(_) => Ok(None),
    }
}

/// Sends pending ParameterStatus changes and ReadyForQuery.
pub async fn send_ready(conn: &mut TcpConn, session: &Session) -> Result<(), Closed> {
    let status = match session.transaction_status() {
        TransactionStatus::Idle => WireStatus::Idle,
        TransactionStatus::InBlock => WireStatus::Transaction,
        TransactionStatus::Failed => WireStatus::Error,
    };
    conn.send(B::ReadyForQuery(ReadyForQuery::new(status)))
        .await?;
    Ok(())
}

/// Sends the notices and reported-setting changes the last statement left.
pub async fn send_side_effects(conn: &mut TcpConn, session: &mut Session) -> Result<(), Closed> {
    for notice in session.take_notices() {
        conn.send_notice(&notice).await?;
    }
    for (name, value) in session.take_parameter_changes() {
        conn.send(B::ParameterStatus(ParameterStatus::new(name, value)))
            .await?;
    }
    Ok(())
}

async fn message_loop(ctx: &mut Ctx, conn: &mut TcpConn) -> Result<(), Closed> {
    let mut ext = Extended::default();
    loop {
        let msg = match conn.read_message().await {
            Ok(m) => m,
            Err(ReadError::Closed) => return Ok(()),
            Err(ReadError::Shutdown) => {
                let e = fatal(
                    SqlState::ADMIN_SHUTDOWN,
                    "terminating connection due to administrator command",
                );
                conn.send_fatal(&e).await?;
                return Ok(());
            }
            Err(ReadError::Protocol(m)) => {
                conn.send_fatal(&fatal(SqlState::PROTOCOL_VIOLATION, m))
                    .await?;
                return Ok(());
            }
        };
        if ext.discarding && !matches!(msg, F::Sync(_) | F::Terminate(_)) {
            continue;
        }
        metrics::counter!("aiondb_messages_total").increment(1);
        let result = match msg {
            F::Query(q) => {
                crate::simple::query(ctx, conn, &q.query).await?;
                Ok(())
            }
            F::Parse(m) => ext.parse(ctx, conn, m).await,
            F::Bind(m) => ext.bind(ctx, conn, m).await,
            F::Describe(m) => ext.describe(ctx, conn, m).await,
            F::Execute(m) => ext.execute(ctx, conn, m).await,
            F::Close(m) => ext.close(conn, m).await,
            F::Sync(_) => {
                let session = &mut ctx.session;
                if let Err(e) = blocking(|| session.sync()).and_then(|r| r) {
                    conn.send_error(&e).await?;
                }
                ext.sync(ctx);
                send_side_effects(conn, &mut ctx.session).await?;
                send_ready(conn, &ctx.session).await?;
                conn.flush().await?;
                Ok(())
            }
            F::Flush(_) => {
                conn.flush().await?;
                Ok(())
            }
            F::Terminate(_) => return Ok(()),
            // Outside COPY these are ignored, as PostgreSQL does.
            F::CopyData(_) | F::CopyDone(_) | F::CopyFail(_) => Ok(()),
            F::PortalSuspended(_)
            | F::PasswordMessageFamily(_)
            | F::Startup(_)
            | F::CancelRequest(_)
            | F::SslNegotiation(_) => {
                let e = fatal(SqlState::PROTOCOL_VIOLATION, "unexpected message type");
                conn.send_fatal(&e).await?;
                return Ok(());
            }
        };
        match result {
            Ok(()) => {}
            Err(Step::Error(e)) => {
                metrics::counter!("aiondb_errors_total").increment(1);
                send_side_effects(conn, &mut ctx.session).await?;
                conn.send_error(&e).await?;
                ext.discarding = true;
                // The implicit (or explicit) transaction fails with it.
                let session = &mut ctx.session;
                let _ = blocking(|| session.abort_after_error());
            }
            Err(Step::Closed) => return Err(Closed),
        }
        if poisoned() {
            let e = DbError::internal("terminating connection after an internal error");
            conn.send_fatal(&e).await?;
            return Ok(());
        }
    }
}

/// Outcome of one extended-protocol message.
pub enum Step {
    /// ErrorResponse, then discard until Sync.
    Error(DbError),
    /// The connection is gone.
    Closed,
}

impl From<Closed> for Step {
    fn from(_: Closed) -> Step {
        Step::Closed
    }
}

impl From<std::io::Error> for Step {
    fn from(_: std::io::Error) -> Step {
        Step::Closed
    }
}

impl From<DbError> for Step {
    fn from(e: DbError) -> Step {
        Step::Error(e)
    }
}
