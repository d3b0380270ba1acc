//! aiondb-sql (under construction).
