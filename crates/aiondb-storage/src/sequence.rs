//! Sequences: non-transactional counters made durable by the WAL.
//!
//! `nextval` hands out values from memory and logs a reservation 32 values
//! ahead (as PostgreSQL does), so most calls write nothing. A reservation
//! record becomes durable with the next WAL flush that covers it; the
//! transaction that used a value flushes at least that far at commit, so no
//! acknowledged commit can hold a value the sequence could hand out again.

use crate::record::{self, KIND_SEQUENCE, SequenceRecord};
use crate::schema::{SequenceId, SequenceSchema};
use crate::store::Store;
use aiondb_core::{DbError, DbResult, Lsn, SqlState};
use std::sync::Arc;

/// How many values one reservation record covers.
const RESERVE_AHEAD: i64 = 32;

/// A sequence's current position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SequenceState {
    pub schema: Arc<SequenceSchema>,
    pub last: i64,
    pub is_called: bool,
    /// The content of the newest record logged for this sequence: what
    /// recovery would reconstruct. Checkpoints save this, not `last`.
    pub logged: (i64, bool),
}

impl SequenceState {
    pub fn new(schema: Arc<SequenceSchema>) -> SequenceState {
        let start = schema.start;
        SequenceState {
            schema,
            last: start,
            is_called: false,
            logged: (start, false),
        }
    }

    /// The state recovery reconstructs from `logged`.
    pub fn recovered(&self) -> SequenceState {
        SequenceState {
            schema: self.schema.clone(),
            last: self.logged.0,
            is_called: self.logged.1,
            logged: self.logged,
        }
    }

    fn step(&self) -> DbResult<i64> {
        let s = &self.schema;
        if !self.is_called {
            return Ok(self.last);
        }
        let next = self.last.checked_add(s.increment);
        match next {
            Some(v) if v >= s.min_value && v <= s.max_value => Ok(v),
            _ if s.cycle => Ok(if s.increment > 0 {
                s.min_value
            } else {
                s.max_value
            }),
            _ => {
                let (which, bound) = if s.increment > 0 {
                    ("maximum", s.max_value)
                } else {
                    ("minimum", s.min_value)
                };
                Err(DbError::new(
                    SqlState::from_static("2200H"),
                    format!(
                        "nextval: reached {which} value of sequence \"{}\" ({bound})",
                        s.name
                    ),
                ))
            }
        }
    }

    fn covered(&self, v: i64) -> bool {
        if !self.logged.1 {
            return false;
        }
        if self.schema.increment > 0 {
            v <= self.logged.0 && v >= self.last
        } else {
            v >= self.logged.0 && v <= self.last
        }
    }
}

impl Store {
    /// The next value of a sequence, and the WAL end the caller must flush
    /// before acknowledging anything that used it (if a record was written).
    pub(crate) fn sequence_next(&self, id: SequenceId) -> DbResult<(i64, Option<Lsn>)> {
        self.check_writable()?;
        let mut seqs = self.sequences.lock();
        let state = seqs.get_mut(&id).ok_or_else(|| missing(id))?;
        let v = state.step()?;
        let mut flush = None;
        if !state.covered(v) {
            let s = &state.schema;
            let ahead = s.increment.saturating_mul(RESERVE_AHEAD - 1);
            let reserved = v
                .saturating_add(ahead)
                .clamp(s.min_value.min(v), s.max_value.max(v));
            let rec = SequenceRecord {
                sequence: id,
                reserved,
                is_called: true,
            };
            let appended = self.wal.append(KIND_SEQUENCE, &record::encode(&rec)?)?;
            state.logged = (reserved, true);
            flush = Some(appended.end);
        }
        state.last = v;
        state.is_called = true;
        Ok((v, flush))
    }

    /// `setval`: moves a sequence, logged at once.
    pub(crate) fn sequence_set(
        &self,
        id: SequenceId,
        value: i64,
        is_called: bool,
    ) -> DbResult<Lsn> {
        self.check_writable()?;
        let mut seqs = self.sequences.lock();
        let state = seqs.get_mut(&id).ok_or_else(|| missing(id))?;
        let s = &state.schema;
        if value < s.min_value || value > s.max_value {
            return Err(DbError::new(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                format!(
                    "setval: value {value} is out of bounds for sequence \"{}\" ({}..{})",
                    s.name, s.min_value, s.max_value
                ),
            ));
        }
        let rec = SequenceRecord {
            sequence: id,
            reserved: value,
            is_called,
        };
        let appended = self.wal.append(KIND_SEQUENCE, &record::encode(&rec)?)?;
        state.last = value;
        state.is_called = is_called;
        state.logged = (value, is_called);
        Ok(appended.end)
    }

    /// Applies a replayed sequence record.
    pub(crate) fn sequence_replay(&self, rec: &SequenceRecord) -> DbResult<()> {
        let mut seqs = self.sequences.lock();
        let state = seqs.get_mut(&rec.sequence).ok_or_else(|| {
            DbError::corrupted(format!(
                "WAL holds a record for sequence {} which does not exist",
                rec.sequence.0
            ))
        })?;
        state.last = rec.reserved;
        state.is_called = rec.is_called;
        state.logged = (rec.reserved, rec.is_called);
        Ok(())
    }

    /// The last value handed out and whether it counts as called.
    pub fn sequence_position(&self, id: SequenceId) -> DbResult<(i64, bool)> {
        let seqs = self.sequences.lock();
        let state = seqs.get(&id).ok_or_else(|| missing(id))?;
        Ok((state.last, state.is_called))
    }
}

fn missing(id: SequenceId) -> DbError {
    DbError::new(
        SqlState::UNDEFINED_TABLE,
        format!("sequence with id {} does not exist", id.0),
    )
}
