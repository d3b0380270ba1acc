//! `to_char(timestamp | timestamptz | date | interval, text)`: the
//! date/time template patterns of PostgreSQL 15's formatting.c
//! (`DCH_to_char`) with English names and the `FM`/`TM` prefixes and
//! `TH`/`th`/`SP` suffixes; double-quoted text and other characters are
//! copied.

use super::to_char_num::ordinal_suffix;
use crate::ops::civil_from_days;
use crate::types::TimeZoneSetting;
use aiondb_core::{DbError, DbResult, Interval, SqlState};

const USECS_PER_DAY: i64 = 86_400_000_000;
const USECS_PER_HOUR: i64 = 3_600_000_000;

/// A broken-down time (`struct pg_tm` plus fractional seconds and zone).
#[derive(Clone, Debug, Default)]
pub(crate) struct Tm {
    /// Astronomical year (0 = 1 BC); for intervals the year count.
    pub year: i64,
    pub mon: i64,
    pub mday: i64,
    pub hour: i64,
    pub min: i64,
    pub sec: i64,
    /// Microseconds.
    pub fsec: i64,
    /// Day of year (1-based).
    pub yday: i64,
    /// Day of week, 0 = Sunday.
    pub wday: i64,
    /// Seconds east of UTC.
    pub gmtoff: i64,
    /// Zone abbreviation (timestamptz only).
    pub tzn: Option<String>,
    pub is_interval: bool,
}

impl Tm {
    /// A timestamp (microseconds since 2000-01-01) on the local clock.
    pub(crate) fn from_local(local: i64) -> Tm {
        let days = local.div_euclid(USECS_PER_DAY);
        let rest = local.rem_euclid(USECS_PER_DAY);
        let days32 = days.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
        let (y, m, d) = civil_from_days(days32);
        let jan1 = date2j(y as i64, 1, 1);
        let j = date2j(y as i64, m as i64, d as i64);
        Tm {
            year: y as i64,
            mon: m as i64,
            mday: d as i64,
            hour: rest / USECS_PER_HOUR,
            min: rest / 60_000_000 % 60,
            sec: rest / 1_000_000 % 60,
            fsec: rest % 1_000_000,
            yday: j - jan1 + 1,
            wday: j2day(j),
            ..Tm::default()
        }
    }

    /// A timestamptz shown in zone `tz`.
    pub(crate) fn from_utc(utc: i64, tz: TimeZoneSetting) -> Tm {
        let off = tz.offset_at_utc(utc);
        let mut tm = Tm::from_local(utc.saturating_add(off as i64 * 1_000_000));
        tm.gmtoff = off as i64;
        tm.tzn = Some(tz.abbreviation(off));
        tm
    }

    /// An interval's fields (`interval2tm`).
    pub(crate) fn from_interval(iv: &Interval) -> Tm {
        let months = iv.months as i64;
        let t = iv.micros;
        let year = months / 12;
        let mon = months % 12;
        let mday = iv.days as i64;
        Tm {
            year,
            mon,
            mday,
            hour: t / USECS_PER_HOUR,
            min: t / 60_000_000 % 60,
            sec: t / 1_000_000 % 60,
            fsec: t % 1_000_000,
            yday: (year * 12 + mon) * 30 + mday,
            is_interval: true,
            ..Tm::default()
        }
    }
}

/// PostgreSQL's `date2j` (C integer arithmetic, any field values).
fn date2j(y: i64, m: i64, d: i64) -> i64 {
    let (mut y, mut m) = (y, m);
    if m > 2 {
        m += 1;
        y += 4800;
    } else {
        m += 13;
        y += 4799;
    }
    let century = y / 100;
    let mut julian = y * 365 - 32167;
    julian += y / 4 - century + century / 4;
    julian + 7834 * m / 256 + d
}

/// Day of week of a Julian day, 0 = Sunday.
fn j2day(j: i64) -> i64 {
    (j + 1).rem_euclid(7)
}

fn isoweek2j(year: i64, week: i64) -> i64 {
    let day4 = date2j(year, 1, 4);
    let day0 = j2day(day4 - 1);
    (week - 1) * 7 + (day4 - day0)
}

/// ISO 8601 (week, week-numbering year) of a date.
fn iso_week_year(year: i64, mon: i64, mday: i64) -> (i64, i64) {
    let dayn = date2j(year, mon, mday);
    let mut y = year;
    let mut day4 = date2j(y, 1, 4);
    let mut day0 = j2day(day4 - 1);
    if dayn < day4 - day0 {
        y -= 1;
        day4 = date2j(y, 1, 4);
        day0 = j2day(day4 - 1);
    }
    let mut week = (dayn - (day4 - day0)) / 7 + 1;
    if week >= 52 {
        let n4 = date2j(y + 1, 1, 4);
        let n0 = j2day(n4 - 1);
        if dayn >= n4 - n0 {
            y += 1;
            week = (dayn - (n4 - n0)) / 7 + 1;
        }
    }
    (week, y)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
/// Roman month numerals, December first (as in formatting.c).
const RM: [&str; 12] = [
    "XII", "XI", "X", "IX", "VIII", "VII", "VI", "V", "IV", "III", "II", "I",
];

/// Template keywords, longest first so the first match wins.
const KEYWORDS: &[&str] = &[
    "Y,YYY", "y,yyy", "A.D.", "a.d.", "A.M.", "a.m.", "B.C.", "b.c.", "P.M.", "p.m.", "HH24",
    "hh24", "HH12", "hh12", "IDDD", "iddd", "IYYY", "iyyy", "MONTH", "Month", "month", "SSSSS",
    "sssss", "SSSS", "ssss", "YYYY", "yyyy", "DAY", "Day", "day", "DDD", "ddd", "FF1", "FF2",
    "FF3", "FF4", "FF5", "FF6", "ff1", "ff2", "ff3", "ff4", "ff5", "ff6", "IYY", "iyy", "MON",
    "Mon", "mon", "TZH", "tzh", "TZM", "tzm", "YYY", "yyy", "AD", "ad", "AM", "am", "BC", "bc",
    "CC", "cc", "DD", "dd", "DY", "Dy", "dy", "FX", "HH", "hh", "ID", "id", "IW", "iw", "IY", "iy",
    "MI", "mi", "MM", "mm", "MS", "ms", "OF", "PM", "pm", "Q", "q", "RM", "rm", "SS", "ss", "TZ",
    "tz", "US", "us", "WW", "ww", "YY", "yy", "D", "d", "I", "i", "J", "j", "W", "w", "Y", "y",
];

fn invalid_for_interval() -> DbError {
    DbError::new(
        SqlState::INVALID_DATETIME_FORMAT,
        "invalid format specification for an interval value",
    )
    .with_hint("Intervals are not tied to specific calendar dates.")
}

/// Zero-padded like C's `%0*d` with width `w` (0 = no padding).
fn pad(v: i64, w: usize) -> String {
    format!("{v:0w$}")
}

/// Width 2 (3 when negative) unless FM.
fn pad_signed(v: i64, fm: bool, w: usize) -> String {
    if fm {
        v.to_string()
    } else {
        pad(v, if v >= 0 { w } else { w + 1 })
    }
}

/// Year as printed (`ADJUST_YEAR`: BC years count up from 1).
fn adjust_year(tm: &Tm, year: i64) -> i64 {
    if tm.is_interval || year > 0 {
        year
    } else {
        -(year - 1)
    }
}

/// Case of a name as the keyword spells it: `MONTH`, `Month`, `month`.
fn cased(name: &str, key: &str) -> String {
    let mut chars = key.chars();
    let first_upper = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    let second_upper = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    if first_upper && second_upper {
        name.to_ascii_uppercase()
    } else if first_upper {
        name.to_string()
    } else {
        name.to_ascii_lowercase()
    }
}

/// Pads a name to 9 characters unless FM (`%-9s`).
fn pad_name(s: String, fm: bool, width: usize) -> String {
    if fm { s } else { format!("{s:<width$}") }
}

/// `to_char` of a broken-down time.
pub(crate) fn to_char(tm: &Tm, fmt: &str) -> DbResult<String> {
    let mut out = String::new();
    let mut rest = fmt;
    // After a prefix that no keyword follows, the next character is text.
    let mut after_prefix = false;
    while let Some(c) = rest.chars().next() {
        // At most one prefix per keyword: FM (fill mode) or TM (ignored).
        let mut fm = false;
        let mut prefixed = rest;
        for (p, is_fm) in [("FM", true), ("fm", true), ("TM", false), ("tm", false)] {
            if after_prefix {
                break;
            }
            if let Some(r) = rest.strip_prefix(p) {
                fm = is_fm;
                prefixed = r;
                break;
            }
        }
        let keyword = if after_prefix {
            None
        } else {
            KEYWORDS.iter().find(|k| prefixed.starts_with(*k))
        };
        after_prefix = false;
        if let Some(key) = keyword {
            rest = &prefixed[key.len()..];
            let (th, upper) = if let Some(r) = rest.strip_prefix("TH") {
                rest = r;
                (true, true)
            } else if let Some(r) = rest.strip_prefix("th") {
                rest = r;
                (true, false)
            } else {
                (false, false)
            };
            if let Some(r) = rest.strip_prefix("SP") {
                rest = r;
            }
            let (text, numeric) = field(tm, key, fm)?;
            out.push_str(&text);
            if th && numeric {
                out.push_str(ordinal_suffix(text.as_bytes(), upper)?);
            }
            continue;
        }
        if prefixed.len() != rest.len() {
            // A prefix with no keyword after it is dropped.
            rest = prefixed;
            after_prefix = true;
            continue;
        }
        if c == '"' {
            let (literal, consumed) = super::num_format::quoted_literal(rest);
            out.extend(literal);
            rest = &rest[consumed..];
            continue;
        }
        if c == '\\' && rest[1..].starts_with('"') {
            out.push('"');
            rest = &rest[2..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Ok(out)
}

/// One keyword's text, and whether `TH` may follow it.
fn field(tm: &Tm, key: &str, fm: bool) -> DbResult<(String, bool)> {
    let upper = key.to_ascii_uppercase();
    let year = adjust_year(tm, tm.year);
    let hour12 = if tm.hour % 12 == 0 { 12 } else { tm.hour % 12 };
    let text = match upper.as_str() {
        "A.M." | "P.M." | "AM" | "PM" => {
            let pm = tm.hour % 24 >= 12;
            return Ok((marker(key, pm, ["P.M.", "A.M.", "PM", "AM"]), false));
        }
        "A.D." | "B.C." | "AD" | "BC" => {
            if tm.is_interval {
                return Err(invalid_for_interval());
            }
            let bc = tm.year <= 0;
            return Ok((marker(key, bc, ["B.C.", "A.D.", "BC", "AD"]), false));
        }
        "HH" | "HH12" => pad_signed(hour12, fm, 2),
        "HH24" => pad_signed(tm.hour, fm, 2),
        "MI" => pad_signed(tm.min, fm, 2),
        "SS" => pad_signed(tm.sec, fm, 2),
        "MS" => pad(tm.fsec / 1000, 3),
        "US" => pad(tm.fsec, 6),
        "FF1" | "FF2" | "FF3" | "FF4" | "FF5" | "FF6" => {
            let n = (upper.as_bytes()[2] - b'0') as u32;
            pad(tm.fsec / 10i64.pow(6 - n), n as usize)
        }
        "SSSS" | "SSSSS" => (tm.hour * 3600 + tm.min * 60 + tm.sec).to_string(),
        "TZ" => {
            if tm.is_interval {
                return Err(invalid_for_interval());
            }
            let z = tm.tzn.clone().unwrap_or_default();
            let z = if key == "tz" {
                z.to_ascii_lowercase()
            } else {
                z.to_ascii_uppercase()
            };
            return Ok((z, false));
        }
        "TZH" | "TZM" | "OF" => {
            if tm.is_interval {
                return Err(invalid_for_interval());
            }
            let sign = if tm.gmtoff >= 0 { '+' } else { '-' };
            let a = tm.gmtoff.abs();
            let s = match upper.as_str() {
                "TZH" => format!("{sign}{:02}", a / 3600),
                "TZM" => format!("{:02}", a % 3600 / 60),
                _ => {
                    let mut s = format!("{sign}{}", pad(a / 3600, if fm { 0 } else { 2 }));
                    if a % 3600 != 0 {
                        s.push_str(&format!(":{:02}", a % 3600 / 60));
                    }
                    s
                }
            };
            return Ok((s, false));
        }
        "MONTH" | "MON" => {
            if tm.is_interval {
                return Err(invalid_for_interval());
            }
            if tm.mon < 1 || tm.mon > 12 {
                return Ok((String::new(), false));
            }
            let name = MONTHS[tm.mon as usize - 1];
            let s = if upper == "MON" {
                cased(&name[..3], key)
            } else {
                pad_name(cased(name, key), fm, 9)
            };
            return Ok((s, false));
        }
        "DAY" | "DY" => {
            if tm.is_interval {
                return Err(invalid_for_interval());
            }
            let name = DAYS[tm.wday.rem_euclid(7) as usize];
            let s = if upper == "DY" {
                cased(&name[..3], key)
            } else {
                pad_name(cased(name, key), fm, 9)
            };
            return Ok((s, false));
        }
        "DDD" => pad_signed(tm.yday, fm, 3),
        "DD" => pad(tm.mday, if fm { 0 } else { 2 }),
        "D" => {
            if tm.is_interval {
                return Err(invalid_for_interval());
            }
            (tm.wday + 1).to_string()
        }
        "ID" => {
            if tm.is_interval {
                return Err(invalid_for_interval());
            }
            (if tm.wday == 0 { 7 } else { tm.wday }).to_string()
        }
        "WW" => pad_signed((tm.yday - 1) / 7 + 1, fm, 2),
        "IW" => pad_signed(iso_week_year(tm.year, tm.mon, tm.mday).0, fm, 2),
        "W" => ((tm.mday - 1) / 7 + 1).to_string(),
        "Q" if tm.mon == 0 => return Ok((String::new(), false)),
        "Q" => ((tm.mon - 1) / 3 + 1).to_string(),
        "MM" => pad_signed(tm.mon, fm, 2),
        "CC" => {
            let i = if tm.is_interval {
                tm.year / 100
            } else if tm.year > 0 {
                (tm.year - 1) / 100 + 1
            } else {
                tm.year / 100 - 1
            };
            if (-99..=99).contains(&i) {
                pad_signed(i, fm, 2)
            } else {
                i.to_string()
            }
        }
        "Y,YYY" => format!("{},{:03}", year / 1000, year % 1000),
        "YYYY" => year_digits(year, year, 4, fm),
        "YYY" | "YY" | "Y" => year_digits(year, year, upper.len(), fm),
        "IDDD" => {
            let (_, iy) = iso_week_year(tm.year, tm.mon, tm.mday);
            let d = date2j(tm.year, tm.mon, tm.mday) - isoweek2j(iy, 1) + 1;
            pad_signed(d, fm, 3)
        }
        "IYYY" | "IYY" | "IY" | "I" => {
            let (_, iy) = iso_week_year(tm.year, tm.mon, tm.mday);
            year_digits(adjust_year(tm, iy), year, upper.len(), fm)
        }
        "J" => date2j(tm.year, tm.mon, tm.mday).to_string(),
        "RM" => {
            if tm.mon == 0 && tm.year == 0 {
                return Ok((String::new(), false));
            }
            let idx = if tm.mon == 0 {
                if tm.year >= 0 { 0 } else { 11 }
            } else if tm.mon < 0 {
                -(tm.mon + 1)
            } else {
                12 - tm.mon
            };
            let name = RM[idx.clamp(0, 11) as usize];
            let name = if key == "rm" {
                name.to_ascii_lowercase()
            } else {
                name.to_string()
            };
            return Ok((pad_name(name, fm, 4), false));
        }
        // FX: fixed-format input mode, nothing to print.
        _ => return Ok((String::new(), false)),
    };
    Ok((text, true))
}

/// `YYYY`..`Y` (and the ISO forms): the value modulo 10^n (C `%`, so a
/// negative interval year stays negative), padded to `n` digits, or one
/// more when the calendar year `sign_of` is negative (as formatting.c does,
/// even for the ISO year).
fn year_digits(value: i64, sign_of: i64, n: usize, fm: bool) -> String {
    let v = if n < 4 {
        value % 10i64.pow(n as u32)
    } else {
        value
    };
    if fm {
        v.to_string()
    } else {
        pad(v, if sign_of >= 0 { n } else { n + 1 })
    }
}

/// An AM/PM or AD/BC marker for the pattern `key`: `forms` are the dotted
/// then plain spellings, each first for `flag` set; a lower-case pattern
/// gives a lower-case marker.
fn marker(key: &str, flag: bool, forms: [&str; 4]) -> String {
    let dotted = key.len() == 4;
    let s = match (dotted, flag) {
        (true, true) => forms[0],
        (true, false) => forms[1],
        (false, true) => forms[2],
        (false, false) => forms[3],
    };
    if key.starts_with(|c: char| c.is_ascii_lowercase()) {
        s.to_ascii_lowercase()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
#[path = "to_char_time_tests.rs"]
mod tests;
