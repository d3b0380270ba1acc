//! PostgreSQL's planner settings: `enable_hashagg`, `random_page_cost`,
//! `work_mem`, `jit_above_cost`, ...
//!
//! In PostgreSQL these steer which plan the optimizer picks; by
//! definition they never change a query's result. Scripts, test suites,
//! ORMs and `pg_dump` output set them freely, so AionDB accepts them, checks
//! their values as PostgreSQL does (a Boolean, a non-negative number, an
//! integer, a memory size) and shows them back, normalized the same way.
//! AionDB's own planner does not read them: its plans do not depend on
//! these costs, and EXPLAIN shows what it does choose.

use aiondb_core::{DbError, DbResult, SqlState};

/// How a planner setting's value is checked and echoed.
#[derive(Clone, Copy)]
enum Kind {
    Bool,
    /// A non-negative real (a cost).
    Real,
    /// An integer within the range.
    Int(i64, i64),
    /// A size: an integer with an optional kB/MB/GB/TB unit; a bare
    /// number counts `unit_kb` kilobytes; at least `min_kb`.
    Memory {
        unit_kb: u64,
        min_kb: u64,
    },
    /// One of the listed words.
    Choice(&'static [&'static str]),
}

/// Sizes counted in kilobytes / in 8kB pages, from zero.
const MEMORY_KB: Kind = Kind::Memory {
    unit_kb: 1,
    min_kb: 0,
};
const MEMORY_PAGES: Kind = Kind::Memory {
    unit_kb: 8,
    min_kb: 0,
};

impl Kind {
    const fn min(self, kb: u64) -> Kind {
        match self {
            Kind::Memory { unit_kb, .. } => Kind::Memory {
                unit_kb,
                min_kb: kb,
            },
            other => other,
        }
    }
}

/// The planner settings with PostgreSQL 15's defaults.
const PLANNER_SETTINGS: &[(&str, &str, Kind)] = &[
    ("enable_async_append", "on", Kind::Bool),
    ("enable_bitmapscan", "on", Kind::Bool),
    ("enable_gathermerge", "on", Kind::Bool),
    ("enable_hashagg", "on", Kind::Bool),
    ("enable_hashjoin", "on", Kind::Bool),
    ("enable_incremental_sort", "on", Kind::Bool),
    ("enable_indexonlyscan", "on", Kind::Bool),
    ("enable_indexscan", "on", Kind::Bool),
    ("enable_material", "on", Kind::Bool),
    ("enable_memoize", "on", Kind::Bool),
    ("enable_mergejoin", "on", Kind::Bool),
    ("enable_nestloop", "on", Kind::Bool),
    ("enable_parallel_append", "on", Kind::Bool),
    ("enable_parallel_hash", "on", Kind::Bool),
    ("enable_partition_pruning", "on", Kind::Bool),
    ("enable_partitionwise_aggregate", "off", Kind::Bool),
    ("enable_partitionwise_join", "off", Kind::Bool),
    ("enable_seqscan", "on", Kind::Bool),
    ("enable_sort", "on", Kind::Bool),
    ("enable_tidscan", "on", Kind::Bool),
    ("geqo", "on", Kind::Bool),
    ("jit", "on", Kind::Bool),
    ("parallel_leader_participation", "on", Kind::Bool),
    ("escape_string_warning", "on", Kind::Bool),
    ("seq_page_cost", "1", Kind::Real),
    ("random_page_cost", "4", Kind::Real),
    ("cpu_tuple_cost", "0.01", Kind::Real),
    ("cpu_index_tuple_cost", "0.005", Kind::Real),
    ("cpu_operator_cost", "0.0025", Kind::Real),
    ("parallel_setup_cost", "1000", Kind::Real),
    ("parallel_tuple_cost", "0.1", Kind::Real),
    ("jit_above_cost", "100000", Kind::Real),
    ("jit_inline_above_cost", "500000", Kind::Real),
    ("jit_optimize_above_cost", "500000", Kind::Real),
    ("cursor_tuple_fraction", "0.1", Kind::Real),
    ("hash_mem_multiplier", "2", Kind::Real),
    ("geqo_threshold", "12", Kind::Int(2, i32::MAX as i64)),
    ("from_collapse_limit", "8", Kind::Int(1, i32::MAX as i64)),
    ("join_collapse_limit", "8", Kind::Int(1, i32::MAX as i64)),
    ("default_statistics_target", "100", Kind::Int(1, 10000)),
    ("max_parallel_workers_per_gather", "2", Kind::Int(0, 1024)),
    ("work_mem", "4MB", MEMORY_KB.min(64)),
    ("maintenance_work_mem", "64MB", MEMORY_KB.min(1024)),
    ("effective_cache_size", "4GB", MEMORY_PAGES.min(8)),
    ("min_parallel_table_scan_size", "8MB", MEMORY_PAGES),
    ("min_parallel_index_scan_size", "512kB", MEMORY_PAGES),
    (
        "constraint_exclusion",
        "partition",
        Kind::Choice(&["partition", "on", "off"]),
    ),
    (
        "plan_cache_mode",
        "auto",
        Kind::Choice(&["auto", "force_generic_plan", "force_custom_plan"]),
    ),
];

/// The planner settings and their defaults.
pub(crate) fn defaults() -> impl Iterator<Item = (&'static str, String)> {
    PLANNER_SETTINGS
        .iter()
        .map(|(name, default, _)| (*name, default.to_string()))
}

/// Checks and normalizes the value of a planner setting; `None` if `key`
/// (lower case) is not one.
pub(crate) fn normalize(key: &str, value: &str) -> Option<DbResult<String>> {
    let (_, _, kind) = PLANNER_SETTINGS.iter().find(|(name, _, _)| *name == key)?;
    let v = value.trim();
    let invalid = |what: &str| {
        DbError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("{what} for parameter \"{key}\": \"{value}\""),
        )
    };
    Some(match kind {
        Kind::Bool => match crate::txn_mode::parse_bool(v) {
            Some(true) => Ok("on".into()),
            Some(false) => Ok("off".into()),
            None => Err(DbError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("parameter \"{key}\" requires a Boolean value"),
            )),
        },
        Kind::Real => match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(x.to_string()),
            _ => Err(invalid("invalid value")),
        },
        Kind::Int(lo, hi) => match v.parse::<i64>() {
            Ok(n) if (*lo..=*hi).contains(&n) => Ok(n.to_string()),
            Ok(_) => Err(invalid("value out of range")),
            Err(_) => Err(invalid("invalid value")),
        },
        Kind::Memory { unit_kb, min_kb } => match memory_kb(v, *unit_kb) {
            Some(kb) if kb >= *min_kb => Ok(show_memory(kb)),
            Some(_) => Err(invalid("value out of range")),
            None => Err(invalid("invalid value")),
        },
        Kind::Choice(words) => {
            let w = v.to_ascii_lowercase();
            if words.contains(&w.as_str()) {
                Ok(w)
            } else {
                Err(invalid("invalid value"))
            }
        }
    })
}

/// A memory size in kilobytes; a bare number counts `unit_kb` each.
fn memory_kb(v: &str, unit_kb: u64) -> Option<u64> {
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: u64 = num.parse().ok()?;
    match unit.trim() {
        "" => n.checked_mul(unit_kb),
        "kB" => Some(n),
        "MB" => n.checked_mul(1024),
        "GB" => n.checked_mul(1024 * 1024),
        "TB" => n.checked_mul(1024 * 1024 * 1024),
        _ => None,
    }
}

/// A memory size as PostgreSQL shows it: in the largest unit that divides
/// it exactly (`1024` kB -> `1MB`).
fn show_memory(kb: u64) -> String {
    if kb == 0 {
        return "0".into();
    }
    let units = [("TB", 1u64 << 30), ("GB", 1 << 20), ("MB", 1 << 10)];
    units
        .iter()
        .find(|(_, size)| kb.is_multiple_of(*size))
        .map_or_else(
            || format!("{kb}kB"),
            |(u, size)| format!("{}{u}", kb / size),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_and_shown_as_postgresql_does() {
        assert_eq!(
            normalize("enable_hashagg", "false").map(Result::ok),
            Some(Some("off".into()))
        );
        assert_eq!(
            normalize("work_mem", "1024").map(Result::ok),
            Some(Some("1MB".into()))
        );
        assert_eq!(
            normalize("work_mem", "100kB").map(Result::ok),
            Some(Some("100kB".into()))
        );
        assert_eq!(
            normalize("min_parallel_table_scan_size", "0").map(Result::ok),
            Some(Some("0".into()))
        );
        assert_eq!(
            normalize("min_parallel_table_scan_size", "1024").map(Result::ok),
            Some(Some("8MB".into()))
        );
        assert_eq!(
            normalize("jit_above_cost", "0").map(Result::ok),
            Some(Some("0".into()))
        );
        assert_eq!(
            normalize("max_parallel_workers_per_gather", "4").map(Result::ok),
            Some(Some("4".into()))
        );
        for (key, bad) in [
            ("enable_sort", "maybe"),
            ("random_page_cost", "-1"),
            ("work_mem", "12 parsecs"),
            ("work_mem", "1"),
            ("default_statistics_target", "0"),
            ("plan_cache_mode", "sometimes"),
        ] {
            let err = normalize(key, bad)
                .and_then(Result::err)
                .map(|e| e.code.code().to_string());
            assert_eq!(err.as_deref(), Some("22023"), "{key} = {bad}");
        }
        assert!(normalize("not_a_planner_setting", "on").is_none());
    }
}
