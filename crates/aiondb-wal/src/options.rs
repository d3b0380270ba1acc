//! Configuration of a log.

use aiondb_core::{DbError, DbResult, SqlState};

/// Default LSN span of one segment file (64 MiB).
pub const DEFAULT_SEGMENT_SIZE: u64 = 64 * 1024 * 1024;

/// Smallest allowed segment size (64 KiB).
pub const MIN_SEGMENT_SIZE: u64 = 64 * 1024;

/// How a log is laid out and how it flushes.
#[derive(Clone, Debug)]
pub struct WalOptions {
    /// LSN span of one segment file; a multiple of 4096 and at least 64 KiB.
    pub segment_size: u64,
    /// Share one write + fdatasync among concurrent flushers.
    pub group_commit: bool,
    /// Written in every segment header; a log whose headers differ is corrupt.
    pub system_id: u64,
    /// Written in every segment header, likewise.
    pub timeline: u32,
}

impl Default for WalOptions {
    fn default() -> Self {
        WalOptions {
            segment_size: DEFAULT_SEGMENT_SIZE,
            group_commit: true,
            system_id: 0,
            timeline: 1,
        }
    }
}

impl WalOptions {
    /// Rejects options no log can be built with.
    pub(crate) fn validate(&self) -> DbResult<()> {
        if self.segment_size < MIN_SEGMENT_SIZE || self.segment_size % 4096 != 0 {
            return Err(DbError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!(
                    "wal segment size {} must be a multiple of 4096 and at least {MIN_SEGMENT_SIZE}",
                    self.segment_size
                ),
            ));
        }
        Ok(())
    }

    /// Start LSN of the segment holding `lsn`.
    pub(crate) fn segment_of(&self, lsn: u64) -> u64 {
        lsn - lsn % self.segment_size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_size_rules() {
        assert!(WalOptions::default().validate().is_ok());
        let mut o = WalOptions {
            segment_size: MIN_SEGMENT_SIZE,
            ..WalOptions::default()
        };
        assert!(o.validate().is_ok());
        o.segment_size = MIN_SEGMENT_SIZE + 100;
        assert!(o.validate().is_err());
        o.segment_size = 4096;
        assert!(o.validate().is_err());
        assert_eq!(o.segment_of(10_000), 8192);
    }
}
