//! Property: whatever is appended reads back identically, before and after reopen.

use aiondb_wal::{Lsn, Record, Wal, WalOptions};
use proptest::prelude::*;

use crate::common::read_all;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn everything_appended_reads_back(
        seg_pages in 16u64..48,
        group_commit in any::<bool>(),
        records in prop::collection::vec(
            (1u8..=255, prop::collection::vec(any::<u8>(), 0..3000), any::<bool>(), 0u8..20),
            1..40,
        ),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = WalOptions { segment_size: seg_pages * 4096, group_commit, system_id: 5, timeline: 3 };
        let (wal, _) = Wal::open(dir.path(), o.clone(), Lsn::ZERO).expect("open");
        let mut written = Vec::new();
        for (kind, mut payload, flush, big) in records {
            if big == 0 {
                // Now and then a record larger than a segment.
                payload = payload.iter().cycle().take((o.segment_size + 999) as usize).copied().collect();
                if payload.is_empty() { payload = vec![kind; 10]; }
            }
            let a = wal.append(kind, &payload).expect("append");
            if flush { wal.flush(a.end).expect("flush"); }
            written.push(Record { lsn: a.lsn, kind, payload });
        }
        wal.flush(wal.end_lsn()).expect("flush");
        prop_assert_eq!(&read_all(&wal, Lsn::ZERO), &written);
        drop(wal);
        let (wal, report) = Wal::open(dir.path(), o, Lsn::ZERO).expect("reopen");
        prop_assert!(report.torn_tail.is_none());
        prop_assert_eq!(&read_all(&wal, Lsn::ZERO), &written);
        let mid = written.len() / 2;
        prop_assert_eq!(&read_all(&wal, written[mid].lsn), &written[mid..].to_vec());
    }
}
