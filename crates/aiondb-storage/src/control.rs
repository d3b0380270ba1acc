//! The data directory: its lock and its control file.
//!
//! ```text
//!   <data>/aiondb.lock      held (flock) for the life of the process
//!   <data>/aiondb.control   {"format_version":1,"system_id":...}
//!   <data>/wal/             segments (aiondb-wal)
//!   <data>/checkpoints/     checkpoint-<commit id>/ with MANIFEST
//! ```

use aiondb_core::{DbError, DbResult, SqlState};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The on-disk format this build reads and writes.
/// 2: the catalog holds views and schemas.
/// 3: functions (WAL `PutFunction`/`DropFunction`, checkpoint
///    `functions.bin`). Version 2 directories are read as they are (they
///    hold no functions) and their control file is upgraded on open, so
///    an older server refuses the directory once it may hold functions.
/// 4: user-defined types and casts (WAL `PutType`/`DropType`/`PutCast`/
///    `DropCast`, checkpoint `types.bin`), domains, enums and
///    operators (WAL `PutObject`/`DropObject`, checkpoint `objects.bin`), and
///    aggregates (WAL `PutAggregate`/`DropAggregate`, checkpoint
///    `aggregates.bin`); older directories hold none.
pub const FORMAT_VERSION: u32 = 4;

/// Older versions this build reads.
const UPGRADABLE_VERSIONS: [u32; 2] = [2, 3];

#[derive(Serialize, Deserialize)]
struct ControlFile {
    format_version: u32,
    system_id: u64,
}

/// An open, locked data directory.
#[derive(Debug)]
pub struct DataDir {
    pub path: PathBuf,
    pub system_id: u64,
    /// True when this open created the directory's control file.
    pub created: bool,
    _lock: File,
}

impl DataDir {
    /// Opens `path`, creating it when absent. Refuses a directory another
    /// process holds, and one whose format version is unknown.
    pub fn open(path: &Path) -> DbResult<DataDir> {
        fs::create_dir_all(path).map_err(|e| {
            DbError::io(
                format!("cannot create data directory {}", path.display()),
                &e,
            )
        })?;
        let lock_path = path.join("aiondb.lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| DbError::io(format!("cannot open {}", lock_path.display()), &e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(DbError::new(
                    SqlState::OBJECT_IN_USE,
                    format!(
                        "data directory \"{}\" is in use by another process",
                        path.display()
                    ),
                )
                .with_hint("Is another aiondb server running on this data directory?"));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(DbError::io(
                    format!("cannot lock {}", lock_path.display()),
                    &e,
                ));
            }
        }
        let control_path = path.join("aiondb.control");
        let (system_id, created) = match fs::read(&control_path) {
            Ok(bytes) => {
                let control: ControlFile = serde_json::from_slice(&bytes).map_err(|e| {
                    DbError::corrupted(format!(
                        "control file \"{}\" is damaged: {e}",
                        control_path.display()
                    ))
                })?;
                if UPGRADABLE_VERSIONS.contains(&control.format_version) {
                    let upgraded = ControlFile {
                        format_version: FORMAT_VERSION,
                        system_id: control.system_id,
                    };
                    let bytes = serde_json::to_vec(&upgraded).map_err(|e| {
                        DbError::internal(format!("cannot encode control file: {e}"))
                    })?;
                    write_atomically(&control_path, &bytes)?;
                    tracing::info!(
                        from = control.format_version,
                        to = FORMAT_VERSION,
                        "upgraded the data directory's format version"
                    );
                } else if control.format_version != FORMAT_VERSION {
                    return Err(DbError::new(
                        SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                        format!(
                            "data directory \"{}\" has format version {}, this server supports only {}",
                            path.display(),
                            control.format_version,
                            FORMAT_VERSION
                        ),
                    ));
                }
                (control.system_id, false)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if path.join("wal").exists() || path.join("checkpoints").exists() {
                    return Err(DbError::corrupted(format!(
                        "control file \"{}\" is missing but the data directory holds data",
                        control_path.display()
                    )));
                }
                let system_id = new_system_id();
                let control = ControlFile {
                    format_version: FORMAT_VERSION,
                    system_id,
                };
                let bytes = serde_json::to_vec(&control)
                    .map_err(|e| DbError::internal(format!("cannot encode control file: {e}")))?;
                write_atomically(&control_path, &bytes)?;
                (system_id, true)
            }
            Err(e) => {
                return Err(DbError::io(
                    format!("cannot read {}", control_path.display()),
                    &e,
                ));
            }
        };
        Ok(DataDir {
            path: path.to_path_buf(),
            system_id,
            created,
            _lock: lock,
        })
    }
}

/// A system identifier like PostgreSQL's: creation time in the high bits,
/// randomness in the low bits.
fn new_system_id() -> u64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (secs << 32) | u64::from(rand::random::<u32>())
}

/// Writes `bytes` to `path` via a temporary name: write, fsync, rename,
/// fsync the directory. A crash leaves either the old file or the new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> DbResult<()> {
    let tmp = path.with_extension("tmp");
    let mut f = File::create(&tmp)
        .map_err(|e| DbError::io(format!("cannot create {}", tmp.display()), &e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| DbError::io(format!("cannot write {}", tmp.display()), &e))?;
    fs::rename(&tmp, path)
        .map_err(|e| DbError::io(format!("cannot rename {}", tmp.display()), &e))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// fsyncs a directory so that renames and creations in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> DbResult<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| DbError::io(format!("cannot fsync directory {}", dir.display()), &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_open_is_refused_and_id_is_stable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = DataDir::open(dir.path()).expect("open");
        assert!(first.created);
        let err = DataDir::open(dir.path()).expect_err("locked");
        assert!(err.message.contains("in use"), "{}", err.message);
        let id = first.system_id;
        drop(first);
        let again = DataDir::open(dir.path()).expect("reopen");
        assert_eq!(again.system_id, id);
        assert!(!again.created);
    }

    #[test]
    fn unknown_format_version_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(
            dir.path().join("aiondb.control"),
            br#"{"format_version":99,"system_id":1}"#,
        )
        .expect("write");
        let err = DataDir::open(dir.path()).expect_err("refused");
        assert!(err.message.contains("format version 99"), "{}", err.message);
    }

    #[test]
    fn version_3_is_opened_and_upgraded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let control = dir.path().join("aiondb.control");
        fs::write(&control, br#"{"format_version":3,"system_id":9}"#).expect("write");
        let opened = DataDir::open(dir.path()).expect("version 3 opens");
        assert_eq!(opened.system_id, 9);
        drop(opened);
        let text = fs::read_to_string(&control).expect("read");
        assert!(
            text.contains(&format!("\"format_version\":{FORMAT_VERSION}")),
            "{text}"
        );
    }

    #[test]
    fn version_2_is_opened_and_upgraded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let control = dir.path().join("aiondb.control");
        fs::write(&control, br#"{"format_version":2,"system_id":7}"#).expect("write");
        let opened = DataDir::open(dir.path()).expect("version 2 opens");
        assert_eq!(opened.system_id, 7);
        drop(opened);
        let text = fs::read_to_string(&control).expect("read");
        assert!(
            text.contains(&format!("\"format_version\":{FORMAT_VERSION}")),
            "{text}"
        );
    }
}
