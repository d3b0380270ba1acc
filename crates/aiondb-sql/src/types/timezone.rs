//! The `PST8PDT` and `America/Los_Angeles` zones (pg_regress runs in the
//! latter): US Pacific time with the United States daylight-saving rules.
//!
//! Rules modelled (transitions at 02:00 local time):
//! * from 2007: second Sunday of March to first Sunday of November;
//! * 1987-2006: first Sunday of April to last Sunday of October;
//! * 1967-1986: last Sunday of April to last Sunday of October.
//!
//! Earlier years (war time 1918-1919 and 1942-1945) and the 1974-1975
//! energy-crisis exceptions are not modelled: those instants get standard
//! time, where the tz database has daylight time.

use super::datetime::days_from_civil;

const USECS_PER_HOUR: i64 = 3_600_000_000;
const USECS_PER_DAY: i64 = 24 * USECS_PER_HOUR;
/// Seconds east of UTC in standard time (PST) and daylight time (PDT).
pub const STANDARD: i32 = -8 * 3600;
pub const DAYLIGHT: i32 = -7 * 3600;

/// Days since 2000-01-01 of the `n`th (1-based) Sunday of a month, or of
/// the last one when `n` is 0.
fn sunday(year: i64, month: u32, n: u32) -> i64 {
    // 2000-01-02 was a Sunday.
    let weekday = |days: i64| (days - 1).rem_euclid(7);
    if n == 0 {
        let next = if month == 12 {
            days_from_civil(year + 1, 1, 1)
        } else {
            days_from_civil(year, month + 1, 1)
        };
        let last = next - 1;
        last - weekday(last)
    } else {
        let first = days_from_civil(year, month, 1);
        first + (7 - weekday(first)) % 7 + 7 * (n as i64 - 1)
    }
}

/// The year's daylight period as local standard-time microseconds since
/// 2000-01-01: [start, end), where end is 02:00 daylight = 01:00 standard.
fn daylight_period(year: i64) -> Option<(i64, i64)> {
    let (start, end) = match year {
        2007.. => (sunday(year, 3, 2), sunday(year, 11, 1)),
        1987..=2006 => (sunday(year, 4, 1), sunday(year, 10, 0)),
        1967..=1986 => (sunday(year, 4, 0), sunday(year, 10, 0)),
        _ => return None,
    };
    Some((
        start * USECS_PER_DAY + 2 * USECS_PER_HOUR,
        end * USECS_PER_DAY + USECS_PER_HOUR,
    ))
}

fn year_of_standard_local(local_std: i64) -> i64 {
    super::datetime::civil_from_days(local_std.div_euclid(USECS_PER_DAY)).0
}

/// Offset (seconds east) in effect at a UTC instant.
pub fn offset_at_utc(utc: i64) -> i32 {
    let local_std = utc.saturating_add(STANDARD as i64 * 1_000_000);
    match daylight_period(year_of_standard_local(local_std)) {
        Some((start, end)) if (start..end).contains(&local_std) => DAYLIGHT,
        _ => STANDARD,
    }
}

/// Offset (seconds east) for a local wall-clock time. A time skipped by the
/// spring transition is read as standard time (02:30 becomes 03:30 PDT);
/// an ambiguous autumn time as standard time, like PostgreSQL.
pub fn offset_at_local(local: i64) -> i32 {
    match daylight_period(year_of_standard_local(local)) {
        // In daylight wall time, the period ends at 01:00 + 1h = 02:00,
        // but 01:00-02:00 then is ambiguous: PostgreSQL picks standard.
        Some((start, end)) if local >= start + USECS_PER_HOUR && local < end => DAYLIGHT,
        _ => STANDARD,
    }
}

/// The zone abbreviation PostgreSQL prints for an offset of this zone.
pub fn abbreviation(offset: i32) -> &'static str {
    if offset == DAYLIGHT { "PDT" } else { "PST" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i64, m: u32, d: u32, h: i64) -> i64 {
        days_from_civil(y, m, d) * USECS_PER_DAY + h * USECS_PER_HOUR
    }

    #[test]
    fn transitions() {
        // 2000: DST from April 2 (10:00 UTC) to October 29 (09:00 UTC).
        assert_eq!(offset_at_utc(utc(2000, 4, 2, 9)), STANDARD);
        assert_eq!(offset_at_utc(utc(2000, 4, 2, 10)), DAYLIGHT);
        assert_eq!(offset_at_utc(utc(2000, 10, 29, 8)), DAYLIGHT);
        assert_eq!(offset_at_utc(utc(2000, 10, 29, 9)), STANDARD);
        // 2026: March 8 to November 1.
        assert_eq!(offset_at_utc(utc(2026, 3, 8, 10)), DAYLIGHT);
        assert_eq!(offset_at_utc(utc(2026, 11, 1, 9)), STANDARD);
        assert_eq!(offset_at_utc(utc(2026, 7, 1, 0)), DAYLIGHT);
        assert_eq!(offset_at_utc(utc(2026, 12, 1, 0)), STANDARD);
        // Local readings: 2000-10-19 02:23 is PDT, 2000-01-01 is PST.
        assert_eq!(offset_at_local(utc(2000, 10, 19, 2)), DAYLIGHT);
        assert_eq!(offset_at_local(utc(2000, 1, 1, 0)), STANDARD);
        assert_eq!(offset_at_local(utc(2000, 4, 2, 3)), DAYLIGHT);
        assert_eq!(offset_at_local(utc(2000, 10, 29, 1)), STANDARD);
    }
}
