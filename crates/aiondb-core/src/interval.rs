//! PostgreSQL's `interval`: months, days and microseconds kept apart.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// An `interval`. PostgreSQL keeps the three fields separately (a month is
/// not a fixed number of days) and compares intervals by their span with a
/// month counted as 30 days and a day as 24 hours.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Interval {
    /// Whole months.
    pub months: i32,
    /// Whole days.
    pub days: i32,
    /// Microseconds.
    pub micros: i64,
}

const MICROS_PER_DAY: i128 = 86_400_000_000;

impl Interval {
    /// The span in microseconds with PostgreSQL's 30-day months.
    pub fn span_micros(&self) -> i128 {
        (self.months as i128 * 30 + self.days as i128) * MICROS_PER_DAY + self.micros as i128
    }
}

impl PartialEq for Interval {
    fn eq(&self, other: &Interval) -> bool {
        self.span_micros() == other.span_micros()
    }
}

impl Eq for Interval {}

impl PartialOrd for Interval {
    fn partial_cmp(&self, other: &Interval) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Interval {
    fn cmp(&self, other: &Interval) -> Ordering {
        self.span_micros().cmp(&other.span_micros())
    }
}

impl std::hash::Hash for Interval {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.span_micros().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_days_equal_one_month() {
        let month = Interval {
            months: 1,
            days: 0,
            micros: 0,
        };
        let days = Interval {
            months: 0,
            days: 30,
            micros: 0,
        };
        assert_eq!(month, days);
        assert!(
            Interval {
                months: 0,
                days: 0,
                micros: 1
            } > Interval::default()
        );
    }
}
