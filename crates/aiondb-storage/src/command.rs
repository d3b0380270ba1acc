//! Statement-level visibility of a transaction's own writes.
//!
//! Every write a transaction makes carries the next value of its `seq`. A
//! statement that must not see writes made after some point (PostgreSQL's
//! command id: a STABLE or IMMUTABLE function reads as of the start of the
//! statement calling it, even while that statement is writing) sets a
//! limit (from `write_seq` at its start): own versions with a greater seq are skipped and the older
//! version of the row (own or committed) is read instead.

use crate::txn::Transaction;

impl Transaction {
    /// Limits reads to own writes up to `upto` (None: all of them) and
    /// returns the previous limit, for the caller to restore.
    pub fn limit_own_writes(&mut self, upto: Option<u64>) -> Option<u64> {
        std::mem::replace(&mut self.own_writes_upto, upto)
    }
}
