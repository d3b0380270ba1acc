//! Checkpoints: a consistent cut of the committed state, so the WAL before
//! it can go.
//!
//! ```text
//!   checkpoints/
//!     checkpoint-00000000000000000042/      complete: renamed into place last
//!       catalog.bin                          catalog, sequences, row-id counters
//!       table-16384.bin                      [len u32][row frame]... per table
//!       MANIFEST.json                        commit id, LSN, every file's size + CRC32
//!     checkpoint-00000000000000000057.tmp/   being written (or left by a crash)
//! ```
//!
//! The cut is the newest published CommitId `c` and the WAL end of its
//! record: every commit `<= c` lies before that LSN and every later commit
//! after it, because CommitIds are assigned in WAL order. Rows are read at
//! snapshot `c` (a registered snapshot, so GC keeps what it needs) while
//! commits go on. The directory is written under a `.tmp` name, every file
//! fsynced, then renamed and the parent fsynced: a crash leaves the previous
//! checkpoint as the newest complete one. Loading verifies every checksum;
//! a damaged newest checkpoint is refused, never skipped for an older one.

use crate::aggregate::AggregateSchema;
use crate::control::sync_dir;
use crate::record::{self, Key};
use crate::replay::load_row;
use crate::schema::{Catalog, FunctionSchema, SequenceId};
use crate::sequence::SequenceState;
use crate::store::Store;
use crate::table::{ReadView, Stamp, TableData};
use aiondb_core::{CommitId, DbError, DbResult, Lsn, Row, TableId, TxnId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

#[derive(Serialize, Deserialize)]
struct Manifest {
    format_version: u32,
    system_id: u64,
    commit_id: u64,
    lsn: u64,
    files: Vec<ManifestFile>,
}

#[derive(Serialize, Deserialize)]
struct ManifestFile {
    name: String,
    bytes: u64,
    crc32: u32,
}

/// types.bin: the user-defined types and casts.
#[derive(Serialize, Deserialize)]
struct TypesImage {
    types: Vec<crate::user_types::TypeSchema>,
    casts: Vec<crate::user_types::CastSchema>,
}

#[derive(Serialize, Deserialize)]
struct CatalogImage {
    catalog: Catalog,
    /// (sequence, last value, is_called) as recovery would rebuild them.
    sequences: Vec<(SequenceId, i64, bool)>,
    /// Hidden row-id counters.
    next_row_ids: Vec<(TableId, i64)>,
}

#[derive(Serialize, Deserialize)]
struct RowImage {
    key: Key,
    commit_id: u64,
    row: Row,
}

/// What a checkpoint wrote.
#[derive(Clone, Debug)]
pub struct CheckpointReport {
    pub commit_id: CommitId,
    pub lsn: Lsn,
    pub tables: usize,
    pub rows: u64,
    pub segments_removed: usize,
    pub path: PathBuf,
}

/// State loaded from a checkpoint (or the empty state).
pub(crate) struct LoadedState {
    pub catalog: Catalog,
    pub tables: HashMap<TableId, Arc<TableData>>,
    pub sequences: BTreeMap<SequenceId, SequenceState>,
    pub commit_id: CommitId,
}

impl LoadedState {
    pub fn empty() -> LoadedState {
        LoadedState {
            catalog: Catalog::new(),
            tables: HashMap::new(),
            sequences: BTreeMap::new(),
            commit_id: CommitId::ZERO,
        }
    }
}

pub(crate) struct LoadedCheckpoint {
    pub commit_id: CommitId,
    pub lsn: Lsn,
    pub state: LoadedState,
}

const PREFIX: &str = "checkpoint-";
/// Rows copied per table-lock hold while writing a checkpoint.
const CHUNK: usize = 4096;

/// A file being written with a running CRC.
struct CheckedFile {
    name: String,
    path: PathBuf,
    out: BufWriter<File>,
    crc: crc32fast::Hasher,
    bytes: u64,
}

impl CheckedFile {
    fn create(dir: &Path, name: &str) -> DbResult<CheckedFile> {
        let path = dir.join(name);
        let f = File::create(&path)
            .map_err(|e| DbError::io(format!("cannot create {}", path.display()), &e))?;
        Ok(CheckedFile {
            name: name.to_string(),
            path,
            out: BufWriter::with_capacity(1 << 20, f),
            crc: crc32fast::Hasher::new(),
            bytes: 0,
        })
    }

    fn write(&mut self, data: &[u8]) -> DbResult<()> {
        self.crc.update(data);
        self.bytes += data.len() as u64;
        self.out
            .write_all(data)
            .map_err(|e| DbError::io(format!("cannot write {}", self.path.display()), &e))
    }

    fn frame(&mut self, data: &[u8]) -> DbResult<()> {
        let len =
            u32::try_from(data.len()).map_err(|_| DbError::internal("row image too large"))?;
        self.write(&len.to_le_bytes())?;
        self.write(data)
    }

    fn finish(self) -> DbResult<ManifestFile> {
        let path = self.path.clone();
        let f = self
            .out
            .into_inner()
            .map_err(|e| DbError::io(format!("cannot write {}", path.display()), e.error()))?;
        f.sync_all()
            .map_err(|e| DbError::io(format!("cannot fsync {}", path.display()), &e))?;
        Ok(ManifestFile {
            name: self.name,
            bytes: self.bytes,
            crc32: self.crc.finalize(),
        })
    }
}

impl Store {
    /// Writes a checkpoint at the newest published commit and removes the
    /// WAL segments and older checkpoints it makes unnecessary.
    pub fn checkpoint(&self) -> DbResult<CheckpointReport> {
        let _one_at_a_time = self.checkpoint_lock.lock();
        // The cut, taken atomically with respect to publication.
        let (snapshot, lsn, catalog, sequences, datas) = {
            let mut snaps = self.snapshots.lock();
            let published = self.order.published.lock();
            let catalog = self.catalog();
            let sequences: Vec<(SequenceId, i64, bool)> = self
                .sequences
                .lock()
                .iter()
                .filter(|(id, _)| catalog.sequences.contains_key(id))
                .map(|(id, s)| (*id, s.logged.0, s.logged.1))
                .collect();
            let tables = self.tables.read();
            let datas: Vec<(TableId, Arc<TableData>)> = catalog
                .tables
                .keys()
                .filter_map(|id| tables.get(id).map(|d| (*id, d.clone())))
                .collect();
            *snaps.entry(published.visible).or_insert(0) += 1;
            (
                published.visible,
                published.wal_end,
                catalog,
                sequences,
                datas,
            )
        };
        let result = self.write_checkpoint(snapshot, lsn, &catalog, sequences, &datas);
        self.release_snapshot(snapshot);
        let (path, rows) = result?;
        let removed = self.wal.remove_segments_below(lsn)?;
        self.last_checkpoint_lsn.store(lsn.0, Ordering::Release);
        metrics::counter!("aiondb_storage_checkpoints_total").increment(1);
        tracing::info!(commit_id = %snapshot, lsn = %lsn, rows, segments_removed = removed, "checkpoint complete");
        Ok(CheckpointReport {
            commit_id: snapshot,
            lsn,
            tables: datas.len(),
            rows,
            segments_removed: removed,
            path,
        })
    }

    fn write_checkpoint(
        &self,
        snapshot: CommitId,
        lsn: Lsn,
        catalog: &Arc<Catalog>,
        sequences: Vec<(SequenceId, i64, bool)>,
        datas: &[(TableId, Arc<TableData>)],
    ) -> DbResult<(PathBuf, u64)> {
        let root = self.dir.path.join("checkpoints");
        fs::create_dir_all(&root)
            .map_err(|e| DbError::io(format!("cannot create {}", root.display()), &e))?;
        let final_name = format!("{PREFIX}{:020}", snapshot.0);
        let final_dir = root.join(&final_name);
        if final_dir.exists() {
            // Nothing committed since the last checkpoint at this cut.
            return Ok((final_dir, 0));
        }
        let tmp = root.join(format!("{final_name}.tmp"));
        if tmp.exists() {
            fs::remove_dir_all(&tmp)
                .map_err(|e| DbError::io(format!("cannot remove {}", tmp.display()), &e))?;
        }
        fs::create_dir(&tmp)
            .map_err(|e| DbError::io(format!("cannot create {}", tmp.display()), &e))?;
        let view = ReadView {
            snapshot,
            txn: TxnId(0),
            own_upto: None,
        };
        let mut files = Vec::new();
        let mut next_row_ids = Vec::new();
        let mut total_rows = 0u64;
        for (id, data) in datas {
            let mut file = CheckedFile::create(&tmp, &format!("table-{}.bin", id.0))?;
            // Rows go out in heap order, so that a restart keeps it.
            let mut resume = 0u64;
            loop {
                let mut chunk = Vec::new();
                let done = {
                    let rows = data.rows.read();
                    next_row_ids.retain(|(t, _)| t != id);
                    next_row_ids.push((*id, rows.next_row_id));
                    let mut examined = 0;
                    for (&position, key) in rows.heap.range(resume..).take(CHUNK) {
                        examined += 1;
                        resume = position + 1;
                        if let Some(v) = rows.chains.get(key).and_then(|c| c.visible(view))
                            && v.position == position
                            && let (Some(row), Stamp::Committed(c)) = (&v.row, v.stamp)
                        {
                            chunk.push(RowImage {
                                key: key.clone(),
                                commit_id: c.0,
                                row: row.clone(),
                            });
                        }
                    }
                    examined < CHUNK
                };
                for image in &chunk {
                    file.frame(&record::encode(image)?)?;
                }
                total_rows += chunk.len() as u64;
                if done {
                    break;
                }
            }
            files.push(file.finish()?);
        }
        let image = CatalogImage {
            catalog: (**catalog).clone(),
            sequences,
            next_row_ids,
        };
        let mut file = CheckedFile::create(&tmp, "catalog.bin")?;
        file.write(&record::encode(&image)?)?;
        files.push(file.finish()?);
        // Since format version 3; absent from older checkpoints.
        let functions: Vec<FunctionSchema> =
            catalog.functions.values().map(|f| (**f).clone()).collect();
        let mut file = CheckedFile::create(&tmp, "functions.bin")?;
        file.write(&record::encode(&functions)?)?;
        files.push(file.finish()?);
        // Since format version 4; absent from older checkpoints.
        let types = TypesImage {
            types: catalog.types.values().map(|t| (**t).clone()).collect(),
            casts: catalog.casts.values().map(|c| (**c).clone()).collect(),
        };
        let mut file = CheckedFile::create(&tmp, "types.bin")?;
        file.write(&record::encode(&types)?)?;
        files.push(file.finish()?);
        // Since format version 4.
        let objects: Vec<crate::UserObject> =
            catalog.objects.values().map(|o| (**o).clone()).collect();
        let mut file = CheckedFile::create(&tmp, "objects.bin")?;
        file.write(&record::encode(&objects)?)?;
        files.push(file.finish()?);
        let aggregates: Vec<AggregateSchema> =
            catalog.aggregates.values().map(|a| (**a).clone()).collect();
        let mut file = CheckedFile::create(&tmp, "aggregates.bin")?;
        file.write(&record::encode(&aggregates)?)?;
        files.push(file.finish()?);
        let manifest = Manifest {
            format_version: crate::control::FORMAT_VERSION,
            system_id: self.dir.system_id,
            commit_id: snapshot.0,
            lsn: lsn.0,
            files,
        };
        let bytes = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| DbError::internal(format!("cannot encode manifest: {e}")))?;
        let mut file = CheckedFile::create(&tmp, "MANIFEST.json")?;
        file.write(&bytes)?;
        file.finish()?;
        sync_dir(&tmp)?;
        fs::rename(&tmp, &final_dir)
            .map_err(|e| DbError::io(format!("cannot rename {}", tmp.display()), &e))?;
        sync_dir(&root)?;
        // Older checkpoints are superseded.
        for entry in list_checkpoints(&root)? {
            if entry != final_dir {
                fs::remove_dir_all(&entry)
                    .map_err(|e| DbError::io(format!("cannot remove {}", entry.display()), &e))?;
            }
        }
        Ok((final_dir, total_rows))
    }
}

/// Complete checkpoint directories, oldest first.
fn list_checkpoints(root: &Path) -> DbResult<Vec<PathBuf>> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(DbError::io(format!("cannot list {}", root.display()), &e)),
    };
    for entry in entries {
        let entry =
            entry.map_err(|e| DbError::io(format!("cannot list {}", root.display()), &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(PREFIX) {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Loads the newest complete checkpoint, verifying every file.
pub(crate) fn load_newest(data: &Path, system_id: u64) -> DbResult<Option<LoadedCheckpoint>> {
    let root = data.join("checkpoints");
    let mut dirs = list_checkpoints(&root)?;
    dirs.retain(|d| {
        let incomplete = d.extension().is_some_and(|e| e == "tmp");
        if incomplete {
            tracing::warn!(path = %d.display(), "removing incomplete checkpoint left by a crash");
            if let Err(e) = fs::remove_dir_all(d) {
                tracing::warn!(path = %d.display(), error = %e, "cannot remove incomplete checkpoint");
            }
        }
        !incomplete
    });
    let Some(dir) = dirs.pop() else {
        return Ok(None);
    };
    let manifest_path = dir.join("MANIFEST.json");
    let bytes = fs::read(&manifest_path).map_err(|e| {
        DbError::corrupted(format!(
            "checkpoint manifest \"{}\" cannot be read: {e}",
            manifest_path.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        DbError::corrupted(format!(
            "checkpoint manifest \"{}\" is damaged: {e}",
            manifest_path.display()
        ))
    })?;
    if manifest.system_id != system_id {
        return Err(DbError::corrupted(format!(
            "checkpoint \"{}\" belongs to system {}, not {system_id}",
            dir.display(),
            manifest.system_id
        )));
    }
    let mut contents = BTreeMap::new();
    for f in &manifest.files {
        let path = dir.join(&f.name);
        let mut buf = Vec::new();
        File::open(&path)
            .and_then(|mut h| h.read_to_end(&mut buf))
            .map_err(|e| {
                DbError::corrupted(format!(
                    "checkpoint file \"{}\" cannot be read: {e}",
                    path.display()
                ))
            })?;
        let crc = crc32fast::hash(&buf);
        if buf.len() as u64 != f.bytes || crc != f.crc32 {
            return Err(DbError::corrupted(format!(
                "checkpoint file \"{}\" is damaged: {} bytes with CRC {crc:08x}, manifest says {} bytes with CRC {:08x}",
                path.display(),
                buf.len(),
                f.bytes,
                f.crc32
            )));
        }
        contents.insert(f.name.clone(), (path, buf));
    }
    let (cat_path, cat_bytes) = contents.get("catalog.bin").ok_or_else(|| {
        DbError::corrupted(format!(
            "checkpoint \"{}\" has no catalog.bin",
            dir.display()
        ))
    })?;
    let image: CatalogImage = record::decode(
        cat_bytes,
        &format!("checkpoint file \"{}\"", cat_path.display()),
    )?;
    let mut image = image;
    if let Some((path, bytes)) = contents.get("functions.bin") {
        let functions: Vec<FunctionSchema> =
            record::decode(bytes, &format!("checkpoint file \"{}\"", path.display()))?;
        image.catalog.functions = functions.into_iter().map(|f| (f.id, Arc::new(f))).collect();
    }
    if let Some((path, bytes)) = contents.get("types.bin") {
        let types: TypesImage =
            record::decode(bytes, &format!("checkpoint file \"{}\"", path.display()))?;
        image.catalog.types = types
            .types
            .into_iter()
            .map(|t| (t.id, Arc::new(t)))
            .collect();
        image.catalog.casts = types
            .casts
            .into_iter()
            .map(|c| (c.id, Arc::new(c)))
            .collect();
    }
    if let Some((path, bytes)) = contents.get("objects.bin") {
        let objects: Vec<crate::UserObject> =
            record::decode(bytes, &format!("checkpoint file \"{}\"", path.display()))?;
        image.catalog.objects = objects.into_iter().map(|o| (o.id, Arc::new(o))).collect();
    }
    if let Some((path, bytes)) = contents.get("aggregates.bin") {
        let aggregates: Vec<AggregateSchema> =
            record::decode(bytes, &format!("checkpoint file \"{}\"", path.display()))?;
        image.catalog.aggregates = aggregates
            .into_iter()
            .map(|a| (a.id, Arc::new(a)))
            .collect();
    }
    let mut tables = HashMap::new();
    for (id, schema) in &image.catalog.tables {
        let name = format!("table-{}.bin", id.0);
        let (path, bytes) = contents.get(&name).ok_or_else(|| {
            DbError::corrupted(format!("checkpoint \"{}\" has no {name}", dir.display()))
        })?;
        let data = TableData::for_schema(schema);
        {
            let mut rows = data.rows.write();
            let mut rest = bytes.as_slice();
            while !rest.is_empty() {
                let (len, tail) = rest.split_first_chunk::<4>().ok_or_else(|| {
                    DbError::corrupted(format!(
                        "checkpoint file \"{}\" ends mid-frame",
                        path.display()
                    ))
                })?;
                let len = u32::from_le_bytes(*len) as usize;
                if tail.len() < len {
                    return Err(DbError::corrupted(format!(
                        "checkpoint file \"{}\" ends mid-frame",
                        path.display()
                    )));
                }
                let image: RowImage = record::decode(
                    &tail[..len],
                    &format!("checkpoint file \"{}\"", path.display()),
                )?;
                load_row(&mut rows, image.key, CommitId(image.commit_id), image.row);
                rest = &tail[len..];
            }
            if let Some((_, n)) = image.next_row_ids.iter().find(|(t, _)| t == id) {
                rows.next_row_id = rows.next_row_id.max(*n);
            }
        }
        tables.insert(*id, Arc::new(data));
    }
    let mut sequences = BTreeMap::new();
    for (id, last, is_called) in &image.sequences {
        let schema = image.catalog.sequence(*id)?.clone();
        let mut state = SequenceState::new(schema);
        state.logged = (*last, *is_called);
        sequences.insert(*id, state.recovered());
    }
    for (id, schema) in &image.catalog.sequences {
        sequences
            .entry(*id)
            .or_insert_with(|| SequenceState::new(schema.clone()));
    }
    tracing::info!(path = %dir.display(), commit_id = manifest.commit_id, "loaded checkpoint");
    Ok(Some(LoadedCheckpoint {
        commit_id: CommitId(manifest.commit_id),
        lsn: Lsn(manifest.lsn),
        state: LoadedState {
            catalog: image.catalog,
            tables,
            sequences,
            commit_id: CommitId(manifest.commit_id),
        },
    }))
}
