//! `date`, `time`, `timestamp` and `timestamptz`: text input and output
//! (DateStyle `ISO`), and the conversions casts between them use.
//!
//! Storage is PostgreSQL's: days (`date`) or microseconds (`timestamp`,
//! `timestamptz` in UTC) since 2000-01-01, microseconds since midnight for
//! `time`. `±infinity` are `i32::MIN/MAX` and `i64::MIN/MAX`.

use super::TimeZoneSetting;
use super::datetime_parse::{DtErr, Parsed, Special, parse_datetime};
use super::errors::{
    INVALID_TZ_DISPLACEMENT, datetime_field_overflow, datetime_out_of_range, datetime_syntax,
    datetime_value_out_of_range,
};
use aiondb_core::{DbError, DbResult, SqlState};

pub const USECS_PER_DAY: i64 = 86_400_000_000;
pub const DATE_NEG_INF: i32 = i32::MIN;
pub const DATE_POS_INF: i32 = i32::MAX;
pub const TS_NEG_INF: i64 = i64::MIN;
pub const TS_POS_INF: i64 = i64::MAX;
/// 4714-11-24 BC, Julian day 0.
const MIN_DATE: i64 = -2_451_545;
/// One past the last date PostgreSQL accepts (5874897-12-31).
const END_DATE: i64 = 2_147_483_494 - 2_451_545;
/// 4714-11-24 00:00:00 BC.
const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
/// 294277-01-01 00:00:00.
const END_TIMESTAMP: i64 = 9_223_371_331_200_000_000;

/// Days since 2000-01-01 of a proleptic Gregorian date (astronomical year).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 - 10_957
}

/// The date of a day count since 2000-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 10_957 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

fn dt_error(e: DtErr, type_name: &str, input: &str) -> DbError {
    match e {
        DtErr::BadFormat => datetime_syntax(type_name, input),
        DtErr::FieldOverflow => datetime_field_overflow(input),
        DtErr::MdFieldOverflow => datetime_field_overflow(input)
            .with_hint("Perhaps you need a different \"datestyle\" setting."),
        DtErr::TzOverflow => DbError::new(
            SqlState::from_static(INVALID_TZ_DISPLACEMENT),
            format!("time zone displacement out of range: \"{input}\""),
        ),
    }
}

fn now_micros() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_micros() as i64 - 946_684_800_000_000,
        Err(_) => 0,
    }
}

/// Resolves `now`/`today`/... to local microseconds since 2000-01-01.
fn special_local(s: Special, tz: TimeZoneSetting) -> Option<i64> {
    let now = now_micros();
    let local_now = now + tz.offset_at_utc(now) as i64 * 1_000_000;
    let midnight = local_now.div_euclid(USECS_PER_DAY) * USECS_PER_DAY;
    match s {
        Special::Infinity | Special::NegInfinity => None,
        Special::Epoch => Some(-946_684_800_000_000),
        Special::Now => Some(local_now),
        Special::Today => Some(midnight),
        Special::Tomorrow => Some(midnight + USECS_PER_DAY),
        Special::Yesterday => Some(midnight - USECS_PER_DAY),
    }
}

/// Local day number from parsed fields (or a special word).
fn local_days(
    p: &Parsed,
    tz: TimeZoneSetting,
    type_name: &str,
    input: &str,
) -> DbResult<(i64, i64)> {
    match (p.special, p.date) {
        (Some(s), None) => {
            let ts = special_local(s, tz).ok_or_else(|| datetime_syntax(type_name, input))?;
            Ok((ts.div_euclid(USECS_PER_DAY), ts.rem_euclid(USECS_PER_DAY)))
        }
        (None, Some((y, m, d))) => {
            let days = days_from_civil(y, m, d);
            if !(MIN_DATE..END_DATE).contains(&days) {
                let what = if type_name == "date" {
                    "date"
                } else {
                    "timestamp"
                };
                return Err(datetime_value_out_of_range(what, input));
            }
            Ok((days, 0))
        }
        _ => Err(datetime_syntax(type_name, input)),
    }
}

/// Local timestamp from parsed fields (the zone, if any, is not applied).
fn local_timestamp(p: &Parsed, tz: TimeZoneSetting, type_name: &str, input: &str) -> DbResult<i64> {
    let (days, tod) = local_days(p, tz, type_name, input)?;
    if p.special == Some(Special::Now) && p.time.is_some() {
        return Err(datetime_syntax(type_name, input));
    }
    days.checked_mul(USECS_PER_DAY)
        .and_then(|b| b.checked_add(tod + p.time.unwrap_or(0)))
        .ok_or_else(|| datetime_value_out_of_range("timestamp", input))
}

fn check_timestamp(ts: i64, input: &str) -> DbResult<i64> {
    if (MIN_TIMESTAMP..END_TIMESTAMP).contains(&ts) {
        Ok(ts)
    } else {
        Err(datetime_value_out_of_range("timestamp", input))
    }
}

/// `date_in`.
pub fn parse_date(input: &str, tz: TimeZoneSetting) -> DbResult<i32> {
    let p = parse_datetime(input).map_err(|e| dt_error(e, "date", input))?;
    match p.special {
        Some(Special::Infinity) => return Ok(DATE_POS_INF),
        Some(Special::NegInfinity) => return Ok(DATE_NEG_INF),
        _ => {}
    }
    if p.special.is_none() && p.date.is_none() {
        return Err(datetime_syntax("date", input));
    }
    let (days, _) = local_days(&p, tz, "date", input)?;
    Ok(days as i32)
}

/// `time_in` (a date part, if present, is ignored).
pub fn parse_time(input: &str) -> DbResult<i64> {
    let p = parse_datetime(input).map_err(|e| dt_error(e, "time", input))?;
    match (p.special, p.time) {
        (None, Some(t)) => Ok(t),
        _ => Err(datetime_syntax("time", input)),
    }
}

/// `timestamp_in` (an explicit zone is ignored, as in PostgreSQL).
pub fn parse_timestamp(input: &str, tz: TimeZoneSetting) -> DbResult<i64> {
    let p = parse_datetime(input).map_err(|e| dt_error(e, "timestamp", input))?;
    match p.special {
        Some(Special::Infinity) => return Ok(TS_POS_INF),
        Some(Special::NegInfinity) => return Ok(TS_NEG_INF),
        _ => {}
    }
    let ts = local_timestamp(&p, tz, "timestamp", input)?;
    check_timestamp(ts, input)
}

/// `timestamptz_in`: the explicit zone, else the session zone.
pub fn parse_timestamptz(input: &str, tz: TimeZoneSetting) -> DbResult<i64> {
    let type_name = "timestamp with time zone";
    let p = parse_datetime(input).map_err(|e| dt_error(e, type_name, input))?;
    match p.special {
        Some(Special::Infinity) => return Ok(TS_POS_INF),
        Some(Special::NegInfinity) => return Ok(TS_NEG_INF),
        Some(Special::Now) => return Ok(now_micros()),
        Some(Special::Epoch) => return Ok(-946_684_800_000_000),
        _ => {}
    }
    let local = local_timestamp(&p, tz, type_name, input)?;
    let offset = p.tz.unwrap_or_else(|| tz.offset_at_local(local)) as i64 * 1_000_000;
    check_timestamp(local - offset, input)
}

fn push_date(out: &mut String, y: i64, m: u32, d: u32) -> bool {
    let bc = y <= 0;
    let shown = if bc { 1 - y } else { y };
    out.push_str(&format!("{shown:04}-{m:02}-{d:02}"));
    bc
}

fn push_clock(out: &mut String, micros: i64) {
    let secs = micros / 1_000_000;
    let frac = micros % 1_000_000;
    out.push_str(&format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ));
    if frac != 0 {
        let f = format!("{frac:06}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
}

/// `date_out`.
pub fn format_date(days: i32) -> String {
    match days {
        DATE_POS_INF => "infinity".into(),
        DATE_NEG_INF => "-infinity".into(),
        _ => {
            let (y, m, d) = civil_from_days(days as i64);
            let mut out = String::with_capacity(13);
            if push_date(&mut out, y, m, d) {
                out.push_str(" BC");
            }
            out
        }
    }
}

/// `time_out`.
pub fn format_time(micros: i64) -> String {
    let mut out = String::with_capacity(15);
    push_clock(&mut out, micros);
    out
}

fn format_ts(ts: i64, offset: Option<i32>) -> String {
    match ts {
        TS_POS_INF => return "infinity".into(),
        TS_NEG_INF => return "-infinity".into(),
        _ => {}
    }
    let local = ts.saturating_add(offset.unwrap_or(0) as i64 * 1_000_000);
    let (y, m, d) = civil_from_days(local.div_euclid(USECS_PER_DAY));
    let mut out = String::with_capacity(32);
    let bc = push_date(&mut out, y, m, d);
    out.push(' ');
    push_clock(&mut out, local.rem_euclid(USECS_PER_DAY));
    if let Some(off) = offset {
        out.push_str(&format_offset(off));
    }
    if bc {
        out.push_str(" BC");
    }
    out
}

/// A zone offset as ISO output prints it: `+00`, `+05:30`, `-03`.
pub fn format_offset(off: i32) -> String {
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    match (m, s) {
        (0, 0) => format!("{sign}{h:02}"),
        (_, 0) => format!("{sign}{h:02}:{m:02}"),
        _ => format!("{sign}{h:02}:{m:02}:{s:02}"),
    }
}

/// `timestamp_out`.
pub fn format_timestamp(ts: i64) -> String {
    format_ts(ts, None)
}

/// `timestamptz_out` in the session zone.
pub fn format_timestamptz(ts: i64, tz: TimeZoneSetting) -> String {
    format_ts(ts, Some(tz.offset_at_utc(ts)))
}

// ---- conversions used by casts ----

/// `date` → `timestamp` (midnight).
pub fn date_to_timestamp(d: i32) -> DbResult<i64> {
    match d {
        DATE_POS_INF => Ok(TS_POS_INF),
        DATE_NEG_INF => Ok(TS_NEG_INF),
        _ => {
            let ts = d as i64 * USECS_PER_DAY;
            if ts >= END_TIMESTAMP {
                Err(datetime_out_of_range("date"))
            } else {
                Ok(ts)
            }
        }
    }
}

/// `timestamp` → `date`.
pub fn timestamp_to_date(ts: i64) -> i32 {
    match ts {
        TS_POS_INF => DATE_POS_INF,
        TS_NEG_INF => DATE_NEG_INF,
        _ => ts.div_euclid(USECS_PER_DAY) as i32,
    }
}

/// `timestamp` → `time`.
pub fn timestamp_to_time(ts: i64) -> i64 {
    ts.rem_euclid(USECS_PER_DAY)
}

/// `timestamp` (local) → `timestamptz` in the session zone.
pub fn local_to_utc(ts: i64, tz: TimeZoneSetting) -> DbResult<i64> {
    if ts == TS_POS_INF || ts == TS_NEG_INF {
        return Ok(ts);
    }
    let utc = ts - tz.offset_at_local(ts) as i64 * 1_000_000;
    if (MIN_TIMESTAMP..END_TIMESTAMP).contains(&utc) {
        Ok(utc)
    } else {
        Err(datetime_out_of_range("timestamp"))
    }
}

/// `timestamptz` → `timestamp` (local in the session zone).
pub fn utc_to_local(ts: i64, tz: TimeZoneSetting) -> DbResult<i64> {
    if ts == TS_POS_INF || ts == TS_NEG_INF {
        return Ok(ts);
    }
    let local = ts + tz.offset_at_utc(ts) as i64 * 1_000_000;
    if (MIN_TIMESTAMP..END_TIMESTAMP).contains(&local) {
        Ok(local)
    } else {
        Err(datetime_out_of_range("timestamp"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTC: TimeZoneSetting = TimeZoneSetting::Utc;

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(2000, 1, 1), 0);
        assert_eq!(days_from_civil(1970, 1, 1), -10_957);
        for d in [-2_451_545i64, -1, 0, 1, 59, 60, 10_000, 2_145_031_948] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    /// Golden outputs from PostgreSQL 15.
    #[test]
    fn date_golden() {
        let cases = [
            ("Jan 31 2024", "2024-01-31"),
            ("20240131", "2024-01-31"),
            ("2024/01/31", "2024-01-31"),
            ("infinity", "infinity"),
            ("-infinity", "-infinity"),
            ("2024-01-31 BC", "2024-01-31 BC"),
            (" 2024-1-5 ", "2024-01-05"),
            ("0001-01-01", "0001-01-01"),
            ("2024-01-31 13:45", "2024-01-31"),
            ("epoch", "1970-01-01"),
        ];
        for (input, want) in cases {
            let d = parse_date(input, UTC).expect(input);
            assert_eq!(format_date(d), want, "{input}");
        }
        assert_eq!(
            format_date(days_from_civil(1, 1, 1) as i32 - 1),
            "0001-12-31 BC"
        );
        let e = parse_date("2021-02-30", UTC).unwrap_err();
        assert_eq!(e.code.code(), "22008");
        assert_eq!(
            e.message,
            "date/time field value out of range: \"2021-02-30\""
        );
        let e = parse_date("x", UTC).unwrap_err();
        assert_eq!(e.code.code(), "22007");
        assert_eq!(e.message, "invalid input syntax for type date: \"x\"");
        assert!(parse_date("13:45", UTC).is_err());
        assert!(parse_date("5874898-01-01", UTC).is_err());
    }

    #[test]
    fn time_golden() {
        let cases = [
            ("13:45", "13:45:00"),
            ("13:45:00.500", "13:45:00.5"),
            ("24:00:00", "24:00:00"),
            ("13:45:00.1234567", "13:45:00.123457"),
            ("00:00", "00:00:00"),
            ("2024-01-01 01:02:03", "01:02:03"),
        ];
        for (input, want) in cases {
            assert_eq!(
                format_time(parse_time(input).expect(input)),
                want,
                "{input}"
            );
        }
        assert_eq!(
            parse_time("x").unwrap_err().message,
            "invalid input syntax for type time: \"x\""
        );
        let e = parse_time("25:00").unwrap_err();
        assert_eq!(
            (e.code.code(), e.message.as_str()),
            ("22008", "date/time field value out of range: \"25:00\"")
        );
    }

    #[test]
    fn timestamp_golden() {
        let cases = [
            ("2024-01-31 13:45:00.123", "2024-01-31 13:45:00.123"),
            ("2024-01-31T13:45:00", "2024-01-31 13:45:00"),
            ("2024-01-31", "2024-01-31 00:00:00"),
            ("infinity", "infinity"),
            ("-infinity", "-infinity"),
            ("0044-03-15 BC", "0044-03-15 00:00:00 BC"),
            ("2024-01-31 13:45:00+02", "2024-01-31 13:45:00"),
            ("2024-01-01 24:00", "2024-01-02 00:00:00"),
        ];
        for (input, want) in cases {
            let ts = parse_timestamp(input, UTC).expect(input);
            assert_eq!(format_timestamp(ts), want, "{input}");
        }
        let e = parse_timestamp("garbage", UTC).unwrap_err();
        assert_eq!(
            (e.code.code(), e.message.as_str()),
            (
                "22007",
                "invalid input syntax for type timestamp: \"garbage\""
            )
        );
        let e = parse_timestamp("2024-13-01", UTC).unwrap_err();
        assert_eq!(
            e.message,
            "date/time field value out of range: \"2024-13-01\""
        );
        assert_eq!(
            e.hint.as_deref(),
            Some("Perhaps you need a different \"datestyle\" setting.")
        );
        assert!(parse_timestamp("2024-01-01 25:00", UTC).is_err());
        assert_eq!(parse_timestamp("2000-01-01", UTC), Ok(0));
    }

    #[test]
    fn timestamptz_golden() {
        let cases = [
            ("2024-01-31 13:45:00+02", "2024-01-31 11:45:00+00"),
            ("2024-01-31 13:45:00Z", "2024-01-31 13:45:00+00"),
            ("2024-01-31 13:45:00 UTC", "2024-01-31 13:45:00+00"),
            ("2024-01-31 13:45:00+05:30", "2024-01-31 08:15:00+00"),
            ("2024-01-31 BC", "2024-01-31 00:00:00+00 BC"),
            ("infinity", "infinity"),
        ];
        for (input, want) in cases {
            let ts = parse_timestamptz(input, UTC).expect(input);
            assert_eq!(format_timestamptz(ts, UTC), want, "{input}");
        }
        // SET timezone = '+05:30' is POSIX: 5h30 west.
        let west = TimeZoneSetting::parse_guc("+05:30").expect("zone");
        let ts = parse_timestamptz("2024-01-31 13:45:00+00", UTC).expect("ts");
        assert_eq!(format_timestamptz(ts, west), "2024-01-31 08:15:00-05:30");
        let minus3 = TimeZoneSetting::Fixed(-3 * 3600);
        let ts = parse_timestamptz("2024-01-31 13:45:00", minus3).expect("ts");
        assert_eq!(format_timestamptz(ts, minus3), "2024-01-31 13:45:00-03");
        assert_eq!(format_timestamptz(ts, UTC), "2024-01-31 16:45:00+00");
        assert_eq!(format_offset(3600 * 5 + 30 * 60 + 15), "+05:30:15");
    }

    #[test]
    fn datetime_conversions() {
        assert_eq!(date_to_timestamp(1), Ok(USECS_PER_DAY));
        assert_eq!(date_to_timestamp(DATE_POS_INF), Ok(TS_POS_INF));
        assert_eq!(timestamp_to_date(-1), -1);
        assert_eq!(timestamp_to_time(-1), USECS_PER_DAY - 1);
        let tz = TimeZoneSetting::Fixed(7200);
        assert_eq!(local_to_utc(7_200_000_000, tz), Ok(0));
        assert_eq!(utc_to_local(0, tz), Ok(7_200_000_000));
    }
}
