//! Shared helpers: small segments, file surgery, reading everything back.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use aiondb_wal::{Lsn, OpenReport, Record, SEGMENT_HEADER_LEN, Wal, WalOptions};

pub const SEG: u64 = 64 * 1024;

pub fn opts() -> WalOptions {
    WalOptions {
        segment_size: SEG,
        system_id: 0xA10D,
        ..WalOptions::default()
    }
}

pub fn open(dir: &Path) -> (Wal, OpenReport) {
    Wal::open(dir, opts(), Lsn::ZERO).expect("open wal")
}

/// A recognisable payload with no zero bytes.
pub fn payload(i: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|j| ((i * 31 + j * 7) % 251 + 1) as u8)
        .collect()
}

pub fn read_all(wal: &Wal, from: Lsn) -> Vec<Record> {
    wal.read_from(from)
        .expect("reader")
        .collect::<Result<Vec<_>, _>>()
        .expect("records")
}

pub fn seg_path(dir: &Path, start: u64) -> PathBuf {
    dir.join(format!("{start:016X}.wal"))
}

/// File and offset holding stream byte `lsn`.
pub fn locate(dir: &Path, lsn: u64) -> (PathBuf, u64) {
    let start = lsn - lsn % SEG;
    (seg_path(dir, start), SEGMENT_HEADER_LEN + lsn - start)
}

/// Overwrites stream bytes starting at `lsn` (may span segments).
pub fn write_stream(dir: &Path, lsn: u64, bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate() {
        let (path, off) = locate(dir, lsn + i as u64);
        let f = OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open segment");
        f.write_all_at(&[*b], off).expect("write");
    }
}

pub fn read_stream(dir: &Path, lsn: u64) -> u8 {
    let (path, off) = locate(dir, lsn);
    let f = OpenOptions::new()
        .read(true)
        .open(&path)
        .expect("open segment");
    let mut b = [0u8];
    f.read_exact_at(&mut b, off).expect("read");
    b[0]
}

pub fn flip_stream_byte(dir: &Path, lsn: u64) {
    let b = read_stream(dir, lsn);
    let flipped = if b == 0xFF { 0x01 } else { !b };
    write_stream(dir, lsn, &[flipped]);
}

pub fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    v.sort();
    v
}

/// Appends `n` records of `len` bytes and flushes; returns them as read back later.
pub fn fill(wal: &Wal, n: usize, len: usize) -> Vec<Record> {
    let mut out = Vec::new();
    for i in 0..n {
        let p = payload(i, len);
        let a = wal.append(1 + (i % 200) as u8, &p).expect("append");
        out.push(Record {
            lsn: a.lsn,
            kind: 1 + (i % 200) as u8,
            payload: p,
        });
    }
    wal.flush(wal.end_lsn()).expect("flush");
    out
}
