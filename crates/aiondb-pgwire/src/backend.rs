//! One OS thread per connection, as PostgreSQL has one backend process per
//! connection.
//!
//! Engine calls are synchronous (locks, fsync, query execution). Run on
//! the shared multi-threaded runtime they need `block_in_place`, which
//! hands the worker's other tasks to another thread on every call: two
//! thread wake-ups per statement, which cost more than a short indexed
//! read itself. Instead each accepted connection gets its own thread with
//! a single-threaded runtime: its socket I/O and its engine calls run on
//! that thread, a blocking call stalls only its own connection, and a
//! statement costs no thread switch at all.
//!
//! ```text
//!   accept loop (shared runtime) ──► thread "aiondb-backend"
//!        │                             current-thread runtime
//!        │                             conn::run: I/O + Session calls inline
//!        └── waits for the thread's end (oneshot) to count the connection
//! ```

use std::sync::Arc;

use tokio::net::TcpStream;

use crate::{Frontend, conn};

/// Stack of a backend thread: deeply nested expressions recurse in the
/// binder and the evaluator.
pub const BACKEND_STACK_SIZE: usize = 64 * 1024 * 1024;

/// Serves `stream` on a thread of its own; returns when the connection has
/// ended.
pub(crate) async fn run_on_own_thread(front: Arc<Frontend>, stream: TcpStream) {
    let stream = match stream.into_std() {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot hand the connection to a backend thread: {e}");
            return;
        }
    };
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("aiondb-backend".into())
        .stack_size(BACKEND_STACK_SIZE)
        .spawn(move || {
            // Dropped when the thread ends, however it ends.
            let _done = done_tx;
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!("cannot start a backend runtime: {e}");
                    return;
                }
            };
            runtime.block_on(async move {
                match TcpStream::from_std(stream) {
                    Ok(s) => conn::run(front, s).await,
                    Err(e) => tracing::warn!("cannot register the connection: {e}"),
                }
            });
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start a backend thread: {e}");
        return;
    }
    let _ = done_rx.await;
}
