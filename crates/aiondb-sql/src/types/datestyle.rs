//! DateStyle `Postgres` (with MDY field order) output, what pg_regress
//! sessions use: `12-02-2026`, `Wed Dec 02 19:00:00 2026`,
//! `Thu Oct 19 02:23:54 2000 PDT`.

use super::TimeZoneSetting;
use super::datetime::{
    DATE_NEG_INF, DATE_POS_INF, TS_NEG_INF, TS_POS_INF, USECS_PER_DAY, civil_from_days,
};
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The year as shown (BC years count from 1) and whether it is BC.
fn shown_year(y: i64) -> (i64, bool) {
    if y <= 0 { (1 - y, true) } else { (y, false) }
}

/// `date_out`: `MM-DD-YYYY`.
pub fn format_date(days: i32) -> String {
    match days {
        DATE_POS_INF => "infinity".into(),
        DATE_NEG_INF => "-infinity".into(),
        _ => {
            let (y, m, d) = civil_from_days(days as i64);
            let (y, bc) = shown_year(y);
            let mut out = format!("{m:02}-{d:02}-{y:04}");
            if bc {
                out.push_str(" BC");
            }
            out
        }
    }
}

fn format_ts(ts: i64, zone: Option<(TimeZoneSetting, i32)>) -> String {
    match ts {
        TS_POS_INF => return "infinity".into(),
        TS_NEG_INF => return "-infinity".into(),
        _ => {}
    }
    let offset = zone.map_or(0, |(_, o)| o);
    let local = ts.saturating_add(offset as i64 * 1_000_000);
    let days = local.div_euclid(USECS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let (y, bc) = shown_year(y);
    // 2000-01-01 (day 0) was a Saturday.
    let dow = DAYS[(days + 6).rem_euclid(7) as usize];
    let month = MONTHS[(m as usize).saturating_sub(1) % 12];
    let micros = local.rem_euclid(USECS_PER_DAY);
    let secs = micros / 1_000_000;
    let frac = micros % 1_000_000;
    let mut out = format!(
        "{dow} {month} {d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if frac != 0 {
        out.push('.');
        out.push_str(format!("{frac:06}").trim_end_matches('0'));
    }
    out.push_str(&format!(" {y:04}"));
    if let Some((tz, off)) = zone {
        out.push(' ');
        out.push_str(&tz.abbreviation(off));
    }
    if bc {
        out.push_str(" BC");
    }
    out
}

/// `timestamp_out`: `Wed Dec 02 19:00:00.5 2026`.
pub fn format_timestamp(ts: i64) -> String {
    format_ts(ts, None)
}

/// `timestamptz_out` in the session zone: `Thu Oct 19 02:23:54 2000 PDT`.
pub fn format_timestamptz(ts: i64, tz: TimeZoneSetting) -> String {
    format_ts(ts, Some((tz, tz.offset_at_utc(ts))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::datetime::days_from_civil;

    #[test]
    fn postgres_style() {
        let day = |y, m, d| days_from_civil(y, m, d);
        assert_eq!(format_date(day(2026, 12, 2) as i32), "12-02-2026");
        assert_eq!(format_date(day(0, 1, 1) as i32), "01-01-0001 BC");
        let ts = day(2026, 12, 2) * USECS_PER_DAY + 19 * 3_600_000_000 + 500_000;
        assert_eq!(format_timestamp(ts), "Wed Dec 02 19:00:00.5 2026");
        let t = day(2000, 10, 19) * USECS_PER_DAY + (9 * 3600 + 23 * 60 + 54) * 1_000_000;
        assert_eq!(
            format_timestamptz(t, TimeZoneSetting::UsPacific),
            "Thu Oct 19 02:23:54 2000 PDT"
        );
        assert_eq!(
            format_timestamptz(t, TimeZoneSetting::Utc),
            "Thu Oct 19 09:23:54 2000 UTC"
        );
    }
}
