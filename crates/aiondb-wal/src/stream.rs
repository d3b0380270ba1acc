//! Reading the byte stream: LSN ranges mapped onto segment files.
//!
//! LSN `L` lives in segment `S = L - L % segment_size`, at file offset
//! `HEADER_LEN + (L - S)`. A read may span any number of segments.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use aiondb_core::{DbError, DbResult, Lsn, SqlState};

use crate::segment::{self, HEADER_LEN};

/// Size of one read-ahead window.
const WINDOW: usize = 256 * 1024;

/// Read-only access to the stream bytes of the segments in one directory.
pub(crate) struct Stream {
    dir: PathBuf,
    segment_size: u64,
    files: BTreeMap<u64, File>,
}

impl Stream {
    pub(crate) fn new(dir: &Path, segment_size: u64) -> Stream {
        Stream {
            dir: dir.to_path_buf(),
            segment_size,
            files: BTreeMap::new(),
        }
    }

    /// File and file offset holding `lsn`.
    pub(crate) fn location(&self, lsn: u64) -> (PathBuf, u64) {
        let start = lsn - lsn % self.segment_size;
        (
            segment::path_of(&self.dir, start),
            HEADER_LEN + (lsn - start),
        )
    }

    fn file(&mut self, start: u64) -> DbResult<&File> {
        if !self.files.contains_key(&start) {
            let path = segment::path_of(&self.dir, start);
            let f = match File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(DbError::new(
                        SqlState::UNDEFINED_FILE,
                        format!(
                            "wal segment {} holding LSN {} has been removed",
                            path.display(),
                            Lsn(start)
                        ),
                    ));
                }
                Err(e) => {
                    return Err(DbError::io(
                        format!("opening wal segment {}", path.display()),
                        &e,
                    ));
                }
            };
            // Keep few handles: the scan and readers move forward.
            while self.files.len() >= 4 {
                self.files.pop_first();
            }
            self.files.insert(start, f);
        }
        self.files
            .get(&start)
            .ok_or_else(|| DbError::internal("wal segment handle vanished"))
    }

    /// Fills `buf` with the stream bytes starting at `lsn`.
    pub(crate) fn read_at(&mut self, lsn: u64, buf: &mut [u8]) -> DbResult<()> {
        let mut done = 0usize;
        while done < buf.len() {
            let at = lsn + done as u64;
            let start = at - at % self.segment_size;
            let in_seg = (start + self.segment_size - at).min((buf.len() - done) as u64) as usize;
            let off = HEADER_LEN + (at - start);
            let path = segment::path_of(&self.dir, start);
            let f = self.file(start)?;
            f.read_exact_at(&mut buf[done..done + in_seg], off)
                .map_err(|e| {
                    DbError::io(
                        format!("reading wal segment {} at offset {off}", path.display()),
                        &e,
                    )
                })?;
            done += in_seg;
        }
        Ok(())
    }
}

/// A forward-moving read-ahead window over a [`Stream`], bounded by `limit`.
pub(crate) struct Cursor {
    pub(crate) stream: Stream,
    limit: u64,
    win_start: u64,
    win: Vec<u8>,
}

impl Cursor {
    pub(crate) fn new(stream: Stream, limit: u64) -> Cursor {
        Cursor {
            stream,
            limit,
            win_start: 0,
            win: Vec::new(),
        }
    }

    /// The exclusive end of readable bytes.
    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }

    /// Raises the end of readable bytes (bytes below it never change).
    pub(crate) fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// Bytes `[lsn, lsn + len)`, cut short at the limit.
    pub(crate) fn get(&mut self, lsn: u64, len: usize) -> DbResult<&[u8]> {
        let want_end = (lsn + len as u64).min(self.limit);
        if lsn >= want_end {
            return Ok(&[]);
        }
        let win_end = self.win_start + self.win.len() as u64;
        if lsn < self.win_start || want_end > win_end {
            let end = (lsn + len.max(WINDOW) as u64).min(self.limit);
            let mut buf = std::mem::take(&mut self.win);
            buf.resize((end - lsn) as usize, 0);
            self.stream.read_at(lsn, &mut buf)?;
            self.win = buf;
            self.win_start = lsn;
        }
        let from = (lsn - self.win_start) as usize;
        let to = (want_end - self.win_start) as usize;
        Ok(&self.win[from..to])
    }
}
