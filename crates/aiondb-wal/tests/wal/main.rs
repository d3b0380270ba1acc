//! Integration tests of the write-ahead log (one test binary, several modules).

mod basic;
mod common;
mod corruption;
mod group_commit;
mod prop;
mod retention;
mod torn_tail;
