//! aiondb-cluster (under construction).
