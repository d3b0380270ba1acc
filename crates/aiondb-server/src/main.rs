//! # aiondb: the server binary
//!
//! One process, one data directory. `aiondb` with no arguments serves
//! `./aiondb-data` on 127.0.0.1:5432, ready for `psql -h 127.0.0.1 -U postgres`.
//!
//! ```text
//!  configs/aiondb.toml ─► AIONDB_<SECTION>_<KEY> ─► --flags   (later wins)
//!          │
//!          ▼
//!  Engine::open(data_dir) ── recovery summary logged ── refuses a locked dir
//!          │
//!          ├─► Frontend::serve(TCP listener)      (aiondb-pgwire, one task per client)
//!          └─► /metrics + /health (HTTP, when [metrics] port != 0)
//!
//!  SIGTERM/SIGINT ─► stop accepting ─► sessions end (open transactions roll
//!                    back) ─► Engine::shutdown (final checkpoint) ─► exit 0
//! ```
//!
//! Invariants:
//!
//! 1. A configuration that cannot be honoured is refused at startup with a
//!    clear message and a non-zero exit: unknown keys, bad values, and a
//!    `[tls]` section whose certificate or key cannot be loaded (silently
//!    serving plaintext would be worse than not starting).
//! 2. "ready to accept connections" is logged only after recovery finished
//!    and the listener is bound: a client that sees it can connect.
//! 3. Exit 0 means the final checkpoint succeeded; any failure to open,
//!    bind or checkpoint exits 1 with the reason on stderr.

mod config;
mod http;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use aiondb_engine::{Engine, EngineConfig};
use aiondb_pgwire::{AuthMethod, Frontend, FrontendConfig};
use aiondb_storage::{RecoveryReport, StoreOptions};
use clap::Parser;
use tokio::net::TcpListener;

use crate::config::{AuthMethodName, Config, Overrides};

/// AionDB: a PostgreSQL-compatible database server.
#[derive(Debug, Parser)]
#[command(name = "aiondb", version, about)]
struct Cli {
    /// TOML configuration file (see configs/aiondb.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory (overrides storage.data_dir).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// TCP port for clients (overrides server.port).
    #[arg(long, value_name = "N")]
    port: Option<u16>,
    /// Address to listen on (overrides server.listen_addr).
    #[arg(long, value_name = "ADDR")]
    listen_addr: Option<String>,
    /// Port of the /metrics and /health endpoint, 0 = off (overrides metrics.port).
    #[arg(long, value_name = "N")]
    metrics_port: Option<u16>,
}

fn load_config(cli: &Cli) -> Result<Config, String> {
    let mut config = match &cli.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    config.apply_env(std::env::vars())?;
    config.apply_overrides(&Overrides {
        data_dir: cli.data_dir.clone(),
        port: cli.port,
        listen_addr: cli.listen_addr.clone(),
        metrics_port: cli.metrics_port,
    });
    config.validate()?;
    Ok(config)
}

fn init_tracing(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match load_config(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("aiondb: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&config.log.level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("aiondb-worker")
        // These threads accept connections and serve /metrics; each
        // connection then runs on a backend thread of its own (see
        // aiondb_pgwire's backend module), with the same stack size.
        .thread_stack_size(aiondb_pgwire::BACKEND_STACK_SIZE)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("aiondb: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(config))
}

fn log_recovery(report: &RecoveryReport) {
    if report.initialized {
        tracing::info!(
            system_id = report.system_id,
            "initialized a new data directory"
        );
    }
    match report.checkpoint {
        Some((commit, lsn)) => {
            tracing::info!("recovery: loaded checkpoint at commit {commit:?}, WAL position {lsn:?}")
        }
        None => tracing::info!("recovery: no checkpoint, replaying the WAL from its start"),
    }
    tracing::info!(
        "recovery: replayed {} WAL records ({} commits); last commit {:?}, WAL end {:?}",
        report.records_replayed,
        report.commits_replayed,
        report.last_commit,
        report.wal_end
    );
    if let Some(torn) = &report.torn_tail {
        tracing::warn!(
            "recovery: cut a torn WAL tail at {:?} ({} bytes) in {}",
            torn.lsn,
            torn.bytes,
            torn.file.display()
        );
    }
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot install a SIGTERM handler: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = term => tracing::info!("received SIGTERM: shutting down"),
        r = tokio::signal::ctrl_c() => match r {
            Ok(()) => tracing::info!("received SIGINT: shutting down"),
            Err(e) => {
                tracing::warn!("cannot wait for SIGINT: {e}");
                std::future::pending::<()>().await;
            }
        },
    }
}

async fn run(config: Config) -> ExitCode {
    let addr = match config.listen_socket() {
        Ok(a) => a,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let tls = match (&config.tls.cert, &config.tls.key) {
        (Some(cert), Some(key)) => match aiondb_pgwire::tls_acceptor(cert, key) {
            Ok(a) => {
                tracing::info!("TLS enabled with certificate {}", cert.display());
                Some(a)
            }
            Err(e) => {
                tracing::error!("FATAL: {e}");
                eprintln!("aiondb: FATAL: {e}");
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    let prometheus = if config.metrics.port != 0 {
        match metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder() {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::error!("cannot install the metrics recorder: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let data_dir = config.storage.data_dir.clone();
    tracing::info!("opening data directory {}", data_dir.display());
    let engine_config = EngineConfig {
        data_dir: data_dir.clone(),
        store: StoreOptions {
            wal_segment_size: config.storage.wal_segment_size,
            group_commit: config.storage.group_commit,
            checkpoint_wal_bytes: config.storage.checkpoint_wal_bytes,
        },
    };
    let (engine, report) =
        match tokio::task::spawn_blocking(move || Engine::open(engine_config)).await {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => {
                tracing::error!(
                    "FATAL: cannot open data directory {}: {} (SQLSTATE {})",
                    data_dir.display(),
                    e.message,
                    e.code
                );
                eprintln!(
                    "aiondb: FATAL: cannot open data directory {}: {}",
                    data_dir.display(),
                    e.message
                );
                return ExitCode::FAILURE;
            }
            Err(e) => {
                tracing::error!("FATAL: opening the data directory panicked: {e}");
                return ExitCode::FAILURE;
            }
        };
    log_recovery(&report);
    let listener = match TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("FATAL: could not listen on {addr}: {e}");
            eprintln!("aiondb: FATAL: could not listen on {addr}: {e}");
            let _ = tokio::task::spawn_blocking(move || engine.shutdown()).await;
            return ExitCode::FAILURE;
        }
    };
    let frontend = Frontend::new(
        Arc::clone(&engine),
        FrontendConfig {
            auth: match config.auth.method {
                AuthMethodName::Trust => AuthMethod::Trust,
                AuthMethodName::ScramSha256 => AuthMethod::ScramSha256,
            },
            max_connections: config.server.max_connections,
            shutdown_grace: Duration::from_secs(config.server.shutdown_grace_secs),
            tls,
        },
    );
    if let Some(handle) = prometheus {
        let maddr = std::net::SocketAddr::new(addr.ip(), config.metrics.port);
        match TcpListener::bind(maddr).await {
            Ok(l) => {
                tracing::info!(
                    "metrics on http://{maddr}/metrics, health on http://{maddr}/health"
                );
                tokio::spawn(http::serve(l, handle, Arc::clone(&frontend)));
            }
            Err(e) => {
                tracing::error!("FATAL: could not listen on {maddr} for metrics: {e}");
                let _ = tokio::task::spawn_blocking(move || engine.shutdown()).await;
                return ExitCode::FAILURE;
            }
        }
    }
    let bound = listener.local_addr().unwrap_or(addr);
    tracing::info!(
        "auth method {:?}; ready to accept connections on {bound}",
        config.auth.method
    );
    Arc::clone(&frontend)
        .serve(listener, shutdown_signal())
        .await;
    tracing::info!("all sessions ended; final checkpoint");
    match tokio::task::spawn_blocking(move || engine.shutdown()).await {
        Ok(Ok(())) => {
            tracing::info!("shutdown complete");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            tracing::error!(
                "FATAL: shutdown checkpoint failed: {} (SQLSTATE {})",
                e.message,
                e.code
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            tracing::error!("FATAL: shutdown panicked: {e}");
            ExitCode::FAILURE
        }
    }
}
