//! Segment files: naming, the fixed header, creation and listing.
//!
//! ```text
//! header (HEADER_LEN = 4096 bytes, outside the LSN space)
//! offset size field
//!      0    8 magic "AIONWAL1"
//!      8    4 format version (1)
//!     12    4 timeline
//!     16    8 system_id
//!     24    8 start LSN (equals the file name)
//!     32    8 segment_size
//!     40    8 first_record_lsn: first record boundary >= start LSN
//!     48    4 CRC32 of bytes [0..48)
//!     52 4044 zero
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use aiondb_core::{DbError, DbResult, Lsn};

use crate::options::WalOptions;

/// Bytes in front of the stream in every segment file.
pub const HEADER_LEN: u64 = 4096;
const MAGIC: &[u8; 8] = b"AIONWAL1";
const VERSION: u32 = 1;
const CRC_AT: usize = 48;
const SUFFIX: &str = ".wal";
const TMP_SUFFIX: &str = ".wal.tmp";

/// The decoded header of one segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SegmentHeader {
    pub timeline: u32,
    pub system_id: u64,
    pub start: u64,
    pub segment_size: u64,
    pub first_record: u64,
}

impl SegmentHeader {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; HEADER_LEN as usize];
        b[0..8].copy_from_slice(MAGIC);
        b[8..12].copy_from_slice(&VERSION.to_le_bytes());
        b[12..16].copy_from_slice(&self.timeline.to_le_bytes());
        b[16..24].copy_from_slice(&self.system_id.to_le_bytes());
        b[24..32].copy_from_slice(&self.start.to_le_bytes());
        b[32..40].copy_from_slice(&self.segment_size.to_le_bytes());
        b[40..48].copy_from_slice(&self.first_record.to_le_bytes());
        let crc = crc32fast::hash(&b[..CRC_AT]);
        b[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Decodes and checks a header; `Err` carries the reason.
    pub(crate) fn decode(b: &[u8]) -> Result<SegmentHeader, String> {
        if b.len() < HEADER_LEN as usize {
            return Err("header truncated".into());
        }
        if &b[0..8] != MAGIC {
            return Err("bad magic".into());
        }
        let crc = u32::from_le_bytes(arr(&b[CRC_AT..CRC_AT + 4]));
        if crc != crc32fast::hash(&b[..CRC_AT]) {
            return Err("header checksum mismatch".into());
        }
        if b[CRC_AT + 4..HEADER_LEN as usize].iter().any(|&x| x != 0) {
            return Err("non-zero bytes in the reserved part of the header".into());
        }
        let version = u32::from_le_bytes(arr(&b[8..12]));
        if version != VERSION {
            return Err(format!("unsupported format version {version}"));
        }
        Ok(SegmentHeader {
            timeline: u32::from_le_bytes(arr(&b[12..16])),
            system_id: u64::from_le_bytes(arr(&b[16..24])),
            start: u64::from_le_bytes(arr(&b[24..32])),
            segment_size: u64::from_le_bytes(arr(&b[32..40])),
            first_record: u64::from_le_bytes(arr(&b[40..48])),
        })
    }

    /// Checks the header against the options and the file name.
    pub(crate) fn check(&self, options: &WalOptions, named_start: u64) -> Result<(), String> {
        if self.system_id != options.system_id {
            return Err(format!(
                "system_id {} does not match the expected {}",
                self.system_id, options.system_id
            ));
        }
        if self.timeline != options.timeline {
            return Err(format!(
                "timeline {} does not match the expected {}",
                self.timeline, options.timeline
            ));
        }
        if self.segment_size != options.segment_size {
            return Err(format!(
                "segment size {} does not match the configured {}",
                self.segment_size, options.segment_size
            ));
        }
        if self.start != named_start {
            return Err(format!(
                "header start LSN {} does not match the file name",
                Lsn(self.start)
            ));
        }
        if self.start % self.segment_size != 0 {
            return Err(format!(
                "start LSN {} is not a multiple of the segment size",
                Lsn(self.start)
            ));
        }
        if self.first_record < self.start {
            return Err(format!(
                "first record LSN {} lies before the segment start",
                Lsn(self.first_record)
            ));
        }
        Ok(())
    }
}

fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(b);
    a
}

/// File name of the segment starting at `start`.
pub(crate) fn file_name(start: u64) -> String {
    format!("{start:016X}{SUFFIX}")
}

/// Path of the segment starting at `start`.
pub(crate) fn path_of(dir: &Path, start: u64) -> PathBuf {
    dir.join(file_name(start))
}

/// Parses a segment file name; `None` for files that are not segments.
fn parse_name(name: &str) -> Option<Result<u64, ()>> {
    let stem = name.strip_suffix(SUFFIX)?;
    if stem.len() != 16
        || !stem
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
    {
        return Some(Err(()));
    }
    Some(u64::from_str_radix(stem, 16).map_err(|_| ()))
}

/// What a directory listing found.
pub(crate) struct Listing {
    /// Segment start LSNs, ascending.
    pub segments: Vec<u64>,
    /// Leftover temporary files of an interrupted segment creation.
    pub temps: Vec<PathBuf>,
}

/// Lists the segment files in `dir`. A `.wal` file with a malformed name is corruption.
pub(crate) fn list(dir: &Path) -> DbResult<Listing> {
    let rd = fs::read_dir(dir)
        .map_err(|e| DbError::io(format!("reading wal directory {}", dir.display()), &e))?;
    let mut segments = Vec::new();
    let mut temps = Vec::new();
    for entry in rd {
        let entry = entry
            .map_err(|e| DbError::io(format!("reading wal directory {}", dir.display()), &e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.ends_with(TMP_SUFFIX) {
            temps.push(entry.path());
            continue;
        }
        match parse_name(name) {
            None => {}
            Some(Ok(start)) => segments.push(start),
            Some(Err(())) => {
                return Err(DbError::corrupted(format!(
                    "wal directory holds a segment file with a malformed name: {}",
                    entry.path().display()
                )));
            }
        }
    }
    segments.sort_unstable();
    Ok(Listing { segments, temps })
}

/// fsyncs a directory so that renames and removals in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> DbResult<()> {
    let d = File::open(dir)
        .map_err(|e| DbError::io(format!("opening wal directory {}", dir.display()), &e))?;
    d.sync_all()
        .map_err(|e| DbError::io(format!("fsync of wal directory {}", dir.display()), &e))
}

/// Temporary name of a segment being created synchronously.
pub(crate) fn tmp_path(dir: &Path, start: u64) -> PathBuf {
    dir.join(format!("{start:016X}{TMP_SUFFIX}"))
}

/// Temporary name of a segment prepared ahead of time.
pub(crate) fn prep_path(dir: &Path, start: u64) -> PathBuf {
    dir.join(format!("{start:016X}.prep{TMP_SUFFIX}"))
}

/// Writes a file of `HEADER_LEN + segment_size` zero bytes at `tmp` and
/// fsyncs it (data and size). It is not part of the log until activated.
pub(crate) fn zero_file(tmp: &Path, segment_size: u64) -> DbResult<File> {
    let io = |what: &str, e: &std::io::Error| {
        DbError::io(format!("{what} wal segment {}", tmp.display()), e)
    };
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(tmp)
        .map_err(|e| io("creating", &e))?;
    let zeros = vec![0u8; 1 << 20];
    let mut left = HEADER_LEN + segment_size;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n])
            .map_err(|e| io("zero-filling", &e))?;
        left -= n as u64;
    }
    f.sync_all().map_err(|e| io("fsync of", &e))?;
    Ok(f)
}

/// Turns a zero-filled temporary file into the segment `header` describes:
/// header written and fdatasynced, file renamed into place, directory fsynced.
pub(crate) fn activate(dir: &Path, tmp: &Path, f: File, header: &SegmentHeader) -> DbResult<File> {
    let path = path_of(dir, header.start);
    let io = |what: &str, e: &std::io::Error| {
        DbError::io(format!("{what} wal segment {}", tmp.display()), e)
    };
    f.write_all_at(&header.encode(), 0)
        .map_err(|e| io("writing header of", &e))?;
    f.sync_data().map_err(|e| io("fdatasync of", &e))?;
    fs::rename(tmp, &path).map_err(|e| io("renaming", &e))?;
    sync_dir(dir)?;
    tracing::debug!(segment = %path.display(), "created wal segment");
    Ok(f)
}

/// Creates a fully zero-filled segment: zeros written under a temporary
/// name, header written, fsynced, renamed into place, directory fsynced.
/// Later fdatasyncs of this file need no metadata updates.
pub(crate) fn create(dir: &Path, header: &SegmentHeader) -> DbResult<File> {
    let tmp = tmp_path(dir, header.start);
    let f = zero_file(&tmp, header.segment_size)?;
    activate(dir, &tmp, f, header)
}

/// Opens an existing segment for reading and writing.
pub(crate) fn open_rw(path: &Path) -> DbResult<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| DbError::io(format!("opening wal segment {}", path.display()), &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_checks() {
        let h = SegmentHeader {
            timeline: 1,
            system_id: 42,
            start: 65536,
            segment_size: 65536,
            first_record: 65540,
        };
        let b = h.encode();
        assert_eq!(SegmentHeader::decode(&b), Ok(h));
        for i in 0..CRC_AT + 4 {
            let mut c = b.clone();
            c[i] ^= 0x10;
            assert!(SegmentHeader::decode(&c).is_err(), "flip at {i}");
        }
        let o = WalOptions {
            segment_size: 65536,
            system_id: 42,
            ..WalOptions::default()
        };
        assert!(h.check(&o, 65536).is_ok());
        assert!(h.check(&o, 0).is_err());
        let unaligned = SegmentHeader { start: 4096, ..h };
        assert!(unaligned.check(&o, 4096).is_err());
        let other = WalOptions {
            system_id: 7,
            ..o.clone()
        };
        assert!(h.check(&other, 65536).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(file_name(0x1_0000), "0000000000010000.wal");
        assert_eq!(parse_name("0000000000010000.wal"), Some(Ok(0x1_0000)));
        assert_eq!(parse_name("000000000001000a.wal"), Some(Err(())));
        assert_eq!(parse_name("foo.txt"), None);
    }
}
