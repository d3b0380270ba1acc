//! aiondb-storage (under construction).
