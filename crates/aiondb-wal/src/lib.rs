//! aiondb-wal (under construction).
