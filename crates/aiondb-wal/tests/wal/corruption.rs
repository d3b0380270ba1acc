//! Damage that is not a torn tail must refuse to open, naming the damage.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;

use aiondb_core::SqlState;
use aiondb_wal::{Lsn, Wal, WalOptions};

use crate::common::*;

fn open_err(dir: &std::path::Path, o: WalOptions) -> aiondb_core::DbError {
    Wal::open(dir, o, Lsn::ZERO).expect_err("open must refuse")
}

#[test]
fn flipped_byte_in_a_middle_record_is_corruption() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 40, 3_000);
    drop(wal);
    let victim = &written[30];
    assert!(victim.lsn.0 > SEG, "victim should live in a later segment");
    flip_stream_byte(dir.path(), victim.lsn.0 + 100);
    let err = open_err(dir.path(), opts());
    assert_eq!(err.code, SqlState::DATA_CORRUPTED);
    let (file, offset) = locate(dir.path(), victim.lsn.0);
    let name = file
        .file_name()
        .expect("name")
        .to_string_lossy()
        .to_string();
    assert!(err.message.contains(&name), "{err}");
    assert!(err.message.contains(&victim.lsn.to_string()), "{err}");
    assert!(err.message.contains(&format!("offset {offset}")), "{err}");
    assert!(err.message.contains(&written[31].lsn.to_string()), "{err}");
}

#[test]
fn damaged_length_field_with_valid_records_after_is_corruption() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 10, 200);
    drop(wal);
    write_stream(dir.path(), written[4].lsn.0, &[0, 0, 0, 0]);
    let err = open_err(dir.path(), opts());
    assert_eq!(err.code, SqlState::DATA_CORRUPTED);
    assert!(err.message.contains(&written[4].lsn.to_string()), "{err}");
}

#[test]
fn garbage_reaching_a_later_segment_is_corruption() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 30, 4_000);
    drop(wal);
    // Damage every record from one in segment 0 onwards: nothing valid
    // follows, but the garbage reaches well into later segments.
    let from = written
        .iter()
        .position(|r| r.lsn.0 > SEG / 2)
        .expect("victim");
    for r in &written[from..] {
        flip_stream_byte(dir.path(), r.lsn.0 + 50);
    }
    let err = open_err(dir.path(), opts());
    assert_eq!(err.code, SqlState::DATA_CORRUPTED);
    assert!(
        err.message.contains(&written[from].lsn.to_string()),
        "{err}"
    );
    assert!(err.message.contains("later segment"), "{err}");
}

#[test]
fn flipped_byte_in_a_segment_header_is_corruption() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    fill(&wal, 30, 5_000);
    drop(wal);
    let path = seg_path(dir.path(), SEG);
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .expect("open");
    let mut b = [0u8];
    f.read_exact_at(&mut b, 20).expect("read");
    f.write_all_at(&[b[0] ^ 1], 20).expect("write");
    let err = open_err(dir.path(), opts());
    assert_eq!(err.code, SqlState::DATA_CORRUPTED);
    assert!(err.message.contains(&path.display().to_string()), "{err}");
}

#[test]
fn missing_middle_segment_is_corruption() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    fill(&wal, 40, 5_000);
    drop(wal);
    assert!(segment_files(dir.path()).len() >= 3);
    std::fs::remove_file(seg_path(dir.path(), SEG)).expect("remove");
    let err = open_err(dir.path(), opts());
    assert_eq!(err.code, SqlState::DATA_CORRUPTED);
    assert!(err.message.contains(&Lsn(SEG).to_string()), "{err}");
    assert!(err.message.contains("missing"), "{err}");
}

#[test]
fn wrong_system_id_timeline_or_segment_size_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    fill(&wal, 3, 100);
    drop(wal);
    let name = seg_path(dir.path(), 0).display().to_string();
    for o in [
        WalOptions {
            system_id: 1,
            ..opts()
        },
        WalOptions {
            timeline: 2,
            ..opts()
        },
        WalOptions {
            segment_size: 2 * SEG,
            ..opts()
        },
    ] {
        let err = open_err(dir.path(), o);
        assert_eq!(err.code, SqlState::DATA_CORRUPTED);
        assert!(err.message.contains(&name), "{err}");
    }
    open(dir.path());
}

#[test]
fn truncated_segment_file_is_corruption() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    fill(&wal, 3, 100);
    drop(wal);
    let path = seg_path(dir.path(), 0);
    let f = OpenOptions::new().write(true).open(&path).expect("open");
    f.set_len(8192).expect("truncate");
    let err = open_err(dir.path(), opts());
    assert!(err.message.contains(&path.display().to_string()), "{err}");
}

#[test]
fn corrupt_durable_record_fails_the_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 10, 300);
    flip_stream_byte(dir.path(), written[6].lsn.0 + 30);
    let results: Vec<_> = wal.read_from(Lsn::ZERO).expect("reader").collect();
    assert_eq!(results.len(), 7);
    let err = results[6].clone().expect_err("corrupt record");
    assert_eq!(err.code, SqlState::DATA_CORRUPTED);
    assert!(err.message.contains(&written[6].lsn.to_string()), "{err}");
}

#[test]
fn a_record_copied_to_the_wrong_position_is_corruption() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (wal, _) = open(dir.path());
    let written = fill(&wal, 10, 300);
    drop(wal);
    // Record 3's bytes (valid CRC, but its own LSN field) over record 5.
    let len = written[3].end().0 - written[3].lsn.0;
    let bytes: Vec<u8> = (0..len)
        .map(|i| read_stream(dir.path(), written[3].lsn.0 + i))
        .collect();
    write_stream(dir.path(), written[5].lsn.0, &bytes);
    let err = open_err(dir.path(), opts());
    assert_eq!(err.code, SqlState::DATA_CORRUPTED);
    assert!(err.message.contains(&written[5].lsn.to_string()), "{err}");
    assert!(err.message.contains(&written[6].lsn.to_string()), "{err}");
}
