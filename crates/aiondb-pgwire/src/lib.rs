//! # aiondb-pgwire: the PostgreSQL v3 protocol frontend
//!
//! This crate turns TCP connections into engine [`Session`]s. It speaks the
//! PostgreSQL 15 frontend/backend protocol (version 3.0) well enough for
//! psql, pgbench, libpq, tokio-postgres, pgJDBC, psycopg and node-postgres.
//!
//! ## How the `pgwire` crate is used
//!
//! Only its **message codec** (`pgwire::messages`, compiled with default
//! features off): every frontend message is decoded and every backend
//! message encoded by it. Framing is ours: each message is cut out by its
//! length before the codec sees it (the codec trusts lengths and can read
//! past a short body or panic), and the untyped startup-phase packets
//! (SSLRequest, GSSENCRequest, CancelRequest, StartupMessage) are parsed
//! here too. The protocol itself — startup, SSL/GSS
//! negotiation, SCRAM, simple and extended query, portals, COPY, cancel —
//! is driven here. pgwire's handler traits own statement and portal storage
//! and stream rows through their own types; the engine already prepares
//! statements, infers parameter types, materializes results and formats
//! values, so wrapping it in those traits would mean translating every
//! value twice and would hide the message order we must control (notices
//! before results, ParameterStatus before ReadyForQuery, discard-until-Sync,
//! COPY sub-protocol in both query modes).
//!
//! ## A connection
//!
//! ```text
//!  accept ─► [SSLRequest ─► 'N' | 'S' + TLS] ─► StartupMessage ─► auth (trust | SCRAM)
//!         └► CancelRequest ─► set that backend's cancel flag, close
//!
//!  Engine::connect ─► AuthenticationOk, ParameterStatus*, BackendKeyData,
//!                     ReadyForQuery('I')
//!
//!  loop: Query ─────────────► results* ─► ParameterStatus* ─► ReadyForQuery
//!        Parse/Bind/Describe/Execute/Close (pipelined) ─► replies
//!             └─ on error: ErrorResponse, discard until Sync
//!        Sync ─► ReadyForQuery(I|T|E)     Terminate / EOF / shutdown ─► drop
//! ```
//!
//! ## Invariants
//!
//! 1. Engine calls are synchronous and may block (locks, fsync): each
//!    connection runs on a thread of its own (see `backend`), so a blocking
//!    call stalls only its own connection. One session belongs to one
//!    connection.
//! 2. Nothing a client sends can panic the server: malformed messages get
//!    an `ErrorResponse` with SQLSTATE (08P01 for protocol violations, fatal
//!    only where PostgreSQL is fatal too), and a panic inside the engine is
//!    caught, reported as XX000 and ends only that connection (its session
//!    state can no longer be trusted).
//! 3. Output is buffered and flushed before every socket read, on Flush and
//!    on Sync, so pipelined batches are answered in one write and a waiting
//!    client always has its reply.
//! 4. Dropping the session (connection end, shutdown) rolls back an open
//!    transaction; the cancel registry entry goes with it.
//! 5. Extended-protocol portals hold the engine's materialized rows and
//!    hand them out `max_rows` at a time with PortalSuspended.

mod backend;
mod cancel;
mod conn;
mod extended;
mod io;
pub mod scram;
pub use backend::BACKEND_STACK_SIZE;
mod simple;
pub mod startup;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aiondb_engine::Engine;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use cancel::CancelRegistry;

/// Builds a TLS acceptor from PEM files (certificate chain, private key).
pub fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, String> {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read TLS certificate {}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("no certificate found in {}", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read TLS private key {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("TLS certificate/key rejected: {e}"))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// How clients prove who they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// Anyone may connect as any existing role.
    Trust,
    /// SCRAM-SHA-256 against the role's stored verifier.
    ScramSha256,
}

/// Frontend settings taken from the server config.
#[derive(Clone)]
pub struct FrontendConfig {
    pub auth: AuthMethod,
    /// Connections beyond this get FATAL 53300.
    pub max_connections: usize,
    /// How long shutdown waits for connections to end before aborting them.
    pub shutdown_grace: Duration,
    /// When set, SSLRequest is answered 'S' and the connection upgraded.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Default for FrontendConfig {
    fn default() -> FrontendConfig {
        FrontendConfig {
            auth: AuthMethod::Trust,
            max_connections: 100,
            shutdown_grace: Duration::from_secs(10),
            tls: None,
        }
    }
}

/// The listener side: accepts connections and runs one task per client.
pub struct Frontend {
    engine: Arc<Engine>,
    config: FrontendConfig,
    cancels: CancelRegistry,
    shutdown_tx: watch::Sender<bool>,
    /// TCP connections open, including ones still in startup.
    active: AtomicUsize,
    /// Sessions past their startup packet: what `max_connections` limits.
    /// A port probe that connects and leaves never takes a slot.
    sessions: AtomicUsize,
}

/// One of the `max_connections` session slots; frees it when dropped.
pub(crate) struct SessionSlot<'a>(&'a AtomicUsize);

impl Drop for SessionSlot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Frontend {
    pub fn new(engine: Arc<Engine>, config: FrontendConfig) -> Arc<Frontend> {
        let (shutdown_tx, _) = watch::channel(false);
        Arc::new(Frontend {
            engine,
            config,
            cancels: CancelRegistry::default(),
            shutdown_tx,
            active: AtomicUsize::new(0),
            sessions: AtomicUsize::new(0),
        })
    }

    /// Number of connections currently open.
    pub fn active_connections(&self) -> usize {
        self.active.load(Ordering::SeqCst)
    }

    /// Takes a session slot, or None when `max_connections` are in use.
    pub(crate) fn try_session_slot(&self) -> Option<SessionSlot<'_>> {
        let taken = self.sessions.fetch_add(1, Ordering::SeqCst);
        let slot = SessionSlot(&self.sessions);
        (taken < self.config.max_connections).then_some(slot)
    }

    /// Accepts connections until `shutdown` completes; then stops
    /// accepting, ends every session (their open transactions roll back)
    /// and returns once all connection tasks are gone.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        let mut tasks = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let _ = stream.set_nodelay(true);
                        self.active.fetch_add(1, Ordering::SeqCst);
                        metrics::counter!("aiondb_connections_total").increment(1);
                        metrics::gauge!("aiondb_connections_active").increment(1.0);
                        tracing::debug!(%peer, "connection accepted");
                        let front = Arc::clone(&self);
                        tasks.spawn(async move {
                            backend::run_on_own_thread(Arc::clone(&front), stream).await;
                            front.active.fetch_sub(1, Ordering::SeqCst);
                            metrics::gauge!("aiondb_connections_active").decrement(1.0);
                        });
                    }
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }
        drop(listener);
        tracing::info!(
            connections = tasks.len(),
            "shutting down: no new connections, ending sessions"
        );
        let _ = self.shutdown_tx.send(true);
        self.cancels.cancel_all();
        let grace = tokio::time::sleep(self.config.shutdown_grace);
        tokio::pin!(grace);
        loop {
            tokio::select! {
                next = tasks.join_next() => if next.is_none() { break },
                _ = &mut grace => {
                    tracing::warn!(remaining = tasks.len(), "aborting connections after grace period");
                    tasks.abort_all();
                    while tasks.join_next().await.is_some() {}
                    break;
                }
            }
        }
    }
}
