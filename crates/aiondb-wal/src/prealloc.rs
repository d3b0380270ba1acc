//! Preparing the next segment ahead of time, off the commit path.
//!
//! A background thread zero-fills (and fsyncs) the file for the segment
//! after the newest one under a temporary name. When a flush first needs
//! that segment it only writes the header, fdatasyncs, renames and fsyncs
//! the directory, instead of writing `segment_size` zeros while commits
//! wait. The header cannot be written ahead: its `first_record_lsn` is only
//! known once the records reaching into the segment exist. A prepared file
//! is a temporary file: never part of the log, removed by `open` if a crash
//! leaves it behind. Bytes of activated segments are identical either way.

use std::fs::{self, File};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex};

use crate::segment;

#[derive(Default)]
struct PrepState {
    /// Segment start the writer will need next.
    want: Option<u64>,
    /// Being zero-filled right now.
    busy: Option<u64>,
    /// Zero-filled and fsynced, waiting for activation.
    ready: Option<(u64, File)>,
    stop: bool,
}

struct Inner {
    dir: PathBuf,
    segment_size: u64,
    state: Mutex<PrepState>,
    cond: Condvar,
}

/// Handle to the preparing thread; dropping it stops and joins the thread.
pub(crate) struct Prealloc {
    inner: Arc<Inner>,
    thread: Option<JoinHandle<()>>,
}

impl Prealloc {
    /// Starts the thread, asking it to prepare `first_wanted` right away.
    pub(crate) fn start(dir: PathBuf, segment_size: u64, first_wanted: u64) -> Prealloc {
        let inner = Arc::new(Inner {
            dir,
            segment_size,
            state: Mutex::new(PrepState {
                want: Some(first_wanted),
                ..PrepState::default()
            }),
            cond: Condvar::new(),
        });
        let worker = Arc::clone(&inner);
        let thread = std::thread::Builder::new()
            .name("aiondb-wal-prealloc".into())
            .spawn(move || run(&worker));
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                // Not fatal: segments are then created synchronously.
                tracing::warn!(error = %e, "could not start wal preallocation thread");
                None
            }
        };
        Prealloc { inner, thread }
    }

    /// The prepared file for segment `start`, if there is one (waits while it
    /// is being prepared). Returns the file and its temporary path.
    pub(crate) fn take(&self, start: u64) -> Option<(File, PathBuf)> {
        let mut st = self.inner.state.lock();
        while st.busy == Some(start) {
            self.inner.cond.wait(&mut st);
        }
        if st.want == Some(start) {
            st.want = None;
        }
        match st.ready.take() {
            Some((s, f)) if s == start => Some((f, segment::prep_path(&self.inner.dir, s))),
            Some((s, f)) => {
                drop(f);
                remove_quietly(&segment::prep_path(&self.inner.dir, s));
                None
            }
            None => None,
        }
    }

    /// Asks for segment `start` to be prepared next.
    pub(crate) fn request(&self, start: u64) {
        let mut st = self.inner.state.lock();
        st.want = Some(start);
        self.inner.cond.notify_all();
    }
}

impl Drop for Prealloc {
    fn drop(&mut self) {
        self.inner.state.lock().stop = true;
        self.inner.cond.notify_all();
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                tracing::warn!("wal preallocation thread panicked");
            }
        }
        if let Some((s, f)) = self.inner.state.lock().ready.take() {
            drop(f);
            remove_quietly(&segment::prep_path(&self.inner.dir, s));
        }
    }
}

fn remove_quietly(path: &std::path::Path) {
    if let Err(e) = fs::remove_file(path) {
        tracing::debug!(file = %path.display(), error = %e, "could not remove prepared wal file");
    }
}

fn run(inner: &Inner) {
    loop {
        let start = {
            let mut st = inner.state.lock();
            loop {
                if st.stop {
                    return;
                }
                let want = st
                    .want
                    .filter(|w| st.ready.as_ref().is_none_or(|(r, _)| r != w));
                if let Some(w) = want {
                    st.want = None;
                    st.busy = Some(w);
                    break w;
                }
                inner.cond.wait(&mut st);
            }
        };
        let path = segment::prep_path(&inner.dir, start);
        let result = segment::zero_file(&path, inner.segment_size);
        let mut st = inner.state.lock();
        st.busy = None;
        match result {
            Ok(f) => {
                if let Some((old, f_old)) = st.ready.replace((start, f)) {
                    drop(f_old);
                    remove_quietly(&segment::prep_path(&inner.dir, old));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not prepare the next wal segment");
                remove_quietly(&path);
            }
        }
        inner.cond.notify_all();
    }
}
