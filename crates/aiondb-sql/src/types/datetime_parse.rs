//! The date/time tokenizer behind `date_in`, `time_in`, `timestamp_in` and
//! `timestamptz_in` (a compact take on PostgreSQL's `ParseDateTime` +
//! `DecodeDateTime` for DateStyle `ISO, MDY`).
//!
//! Accepted pieces, in any sensible order, separated by spaces or commas:
//! ISO dates (`2024-01-31`, `2024/01/31`, `20240131`), US dates
//! (`01/31/2024`, `1-31-24`), month names (`Jan 31 2024`, `31 January
//! 2024`, `2024-Jan-31`), `T` between date and time, times (`13:45`,
//! `13:45:00.123456`, `1:45 pm`), zones (`Z`, `UTC`, `GMT`, `+02`,
//! `+02:00`, `-0530`, glued to the time or not), `BC`/`AD`, day names
//! (ignored) and the specials `infinity`, `-infinity`, `epoch`,
//! `allballs`, `now`, `today`, `tomorrow`, `yesterday`.

/// A special input word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    Infinity,
    NegInfinity,
    Epoch,
    Now,
    Today,
    Tomorrow,
    Yesterday,
}

/// What went wrong, before the caller names the type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DtErr {
    /// 22007 invalid input syntax.
    BadFormat,
    /// 22008 date/time field value out of range.
    FieldOverflow,
    /// 22008 with the DateStyle hint (month > 12).
    MdFieldOverflow,
    /// 22009 time zone displacement out of range.
    TzOverflow,
}

/// The decoded fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Astronomical year (1 BC = 0), month 1-12, day.
    pub date: Option<(i64, u32, u32)>,
    /// Microseconds since midnight (24:00:00 allowed).
    pub time: Option<i64>,
    /// Explicit zone, seconds east of UTC.
    pub tz: Option<i32>,
    pub special: Option<Special>,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
/// English month names, lower case, January first.
pub(crate) const MONTHS_FULL: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const DAYS: [&str; 14] = [
    "sun",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

fn month_name(s: &str) -> Option<u32> {
    let i = MONTHS
        .iter()
        .position(|m| *m == s)
        .or_else(|| MONTHS_FULL.iter().position(|m| *m == s))
        .or_else(|| (s == "sept").then_some(8))?;
    Some(i as u32 + 1)
}

/// Days in a month of an astronomical year.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        _ => 28,
    }
}

fn num(s: &str) -> Result<i64, DtErr> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DtErr::BadFormat);
    }
    s.parse().map_err(|_| DtErr::BadFormat)
}

/// Parses a zone offset `+hh`, `+hh:mm`, `+hhmm`, `+hh:mm:ss`: seconds
/// east of UTC. `None` when it is not an offset.
pub fn parse_offset(s: &str) -> Option<i32> {
    let (neg, body) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let parts: Vec<&str> = body.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [hm] if hm.len() > 2 && hm.len() <= 4 && hm.bytes().all(|b| b.is_ascii_digit()) => {
            let (h, m) = hm.split_at(hm.len() - 2);
            (num(h).ok()?, num(m).ok()?, 0)
        }
        [h] => (num(h).ok()?, 0, 0),
        [h, m] => (num(h).ok()?, num(m).ok()?, 0),
        [h, m, s] => (num(h).ok()?, num(m).ok()?, num(s).ok()?),
        _ => return None,
    };
    if m >= 60 || sec >= 60 || h > 100 {
        return None;
    }
    let total = (h * 3600 + m * 60 + sec) as i32;
    Some(if neg { -total } else { total })
}

/// `H:M[:S[.ffffff]]` to microseconds.
fn parse_clock(s: &str) -> Result<i64, DtErr> {
    let parts: Vec<&str> = s.split(':').collect();
    let (h, m, sec_part) = match parts.as_slice() {
        [h, m] => (num(h)?, num(m)?, "0"),
        [h, m, s] => (num(h)?, num(m)?, *s),
        _ => return Err(DtErr::BadFormat),
    };
    let (sec_str, frac_str) = sec_part.split_once('.').unwrap_or((sec_part, ""));
    let sec = num(sec_str)?;
    let frac_us = if frac_str.is_empty() {
        0
    } else {
        if !frac_str.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DtErr::BadFormat);
        }
        let f: f64 = format!("0.{frac_str}")
            .parse()
            .map_err(|_| DtErr::BadFormat)?;
        (f * 1_000_000.0).round_ties_even() as i64
    };
    let midnight = h == 24 && m == 0 && sec == 0 && frac_us == 0;
    if !(0..=23).contains(&h) && !midnight {
        return Err(DtErr::FieldOverflow);
    }
    if m > 59 || sec > 60 {
        return Err(DtErr::FieldOverflow);
    }
    let total = ((h * 60 + m) * 60 + sec) * 1_000_000 + frac_us;
    if total > 86_400_000_000 {
        return Err(DtErr::FieldOverflow);
    }
    Ok(total)
}

/// A year field: 2-digit years map to 1970-2069 as in PostgreSQL.
fn year_field(s: &str) -> Result<i64, DtErr> {
    let y = num(s)?;
    Ok(if s.len() <= 2 {
        if y < 70 { 2000 + y } else { 1900 + y }
    } else {
        y
    })
}

/// Resolves a month name plus two numbers (day and year, either order).
fn with_month_name(month: u32, a: &str, b: &str) -> Result<(i64, u32, u32), DtErr> {
    let (day, year) = if a.len() >= 3 || num(a)? > 31 {
        (b, a)
    } else {
        (a, b)
    };
    Ok((year_field(year)?, month, num(day)? as u32))
}

fn parse_date_token(tok: &str, sep: char) -> Result<(i64, u32, u32), DtErr> {
    let parts: Vec<&str> = tok.split(sep).collect();
    let [p1, p2, p3] = parts.as_slice() else {
        return Err(DtErr::BadFormat);
    };
    for (i, p) in parts.iter().enumerate() {
        if let Some(m) = month_name(p) {
            let others: Vec<&str> = parts
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, s)| *s)
                .collect();
            return with_month_name(m, others[0], others[1]);
        }
    }
    if p1.len() >= 3 {
        Ok((num(p1)?, num(p2)? as u32, num(p3)? as u32))
    } else {
        Ok((year_field(p3)?, num(p1)? as u32, num(p2)? as u32))
    }
}

/// Splits `13:45:00+02` / `13:45:00z` into clock and zone parts.
fn split_zone(tok: &str) -> (&str, Option<&str>) {
    if let Some(i) = tok.find(['+', '-']) {
        return (&tok[..i], Some(&tok[i..]));
    }
    if let Some(rest) = tok.strip_suffix('z') {
        return (rest, Some("z"));
    }
    (tok, None)
}

/// Zone words: UTC spellings and the common abbreviations of
/// PostgreSQL's `Default` set (seconds east of UTC).
fn zone_word(s: &str) -> Option<i32> {
    let h = 3600;
    Some(match s {
        "z" | "utc" | "gmt" | "zulu" | "ut" | "wet" => 0,
        "bst" | "cet" | "west" | "met" => h,
        "cest" | "eet" | "mest" | "sast" => 2 * h,
        "eest" | "msk" => 3 * h,
        "jst" | "kst" => 9 * h,
        "aest" => 10 * h,
        "aedt" => 11 * h,
        "nzst" => 12 * h,
        "nzdt" => 13 * h,
        "edt" => -4 * h,
        "est" | "cdt" => -5 * h,
        "cst" | "mdt" => -6 * h,
        "mst" | "pdt" => -7 * h,
        "pst" | "akdt" => -8 * h,
        "akst" => -9 * h,
        "hst" => -10 * h,
        _ => return None,
    })
}

/// Tokenizes and decodes a date/time string.
pub fn parse_datetime(input: &str) -> Result<Parsed, DtErr> {
    let lower = input.trim().to_ascii_lowercase();
    let mut p = Parsed::default();
    let mut tokens: Vec<String> = Vec::new();
    for raw in lower.split(|c: char| c.is_ascii_whitespace() || c == ',') {
        if raw.is_empty() {
            continue;
        }
        // ISO 8601 `T` between a numeric date and a time.
        if let Some(i) = raw.find('t') {
            let (d, rest) = raw.split_at(i);
            let t = &rest[1..];
            if !d.is_empty()
                && d.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-' || b == b'/')
                && t.bytes().next().is_some_and(|b| b.is_ascii_digit())
            {
                tokens.push(d.to_string());
                tokens.push(t.to_string());
                continue;
            }
        }
        tokens.push(raw.to_string());
    }
    if tokens.is_empty() {
        return Err(DtErr::BadFormat);
    }
    let mut month: Option<u32> = None;
    let mut numbers: Vec<String> = Vec::new();
    let mut bc = false;
    let mut ampm: Option<bool> = None;
    for tok in &tokens {
        let tok = tok.as_str();
        let first = tok.as_bytes()[0];
        let special = match tok {
            "infinity" | "+infinity" => Some(Special::Infinity),
            "-infinity" => Some(Special::NegInfinity),
            "epoch" => Some(Special::Epoch),
            "now" => Some(Special::Now),
            "today" => Some(Special::Today),
            "tomorrow" => Some(Special::Tomorrow),
            "yesterday" => Some(Special::Yesterday),
            _ => None,
        };
        if let Some(s) = special {
            if p.special.is_some() {
                return Err(DtErr::BadFormat);
            }
            p.special = Some(s);
            continue;
        }
        if tok.contains(':') && first.is_ascii_digit() {
            let tok = if let Some(t) = tok.strip_suffix("am") {
                ampm = Some(false);
                t
            } else if let Some(t) = tok.strip_suffix("pm") {
                ampm = Some(true);
                t
            } else {
                tok
            };
            let (clock, zone) = split_zone(tok);
            if p.time.is_some() {
                return Err(DtErr::BadFormat);
            }
            p.time = Some(parse_clock(clock)?);
            if let Some(z) = zone {
                let off = zone_word(z)
                    .or_else(|| parse_offset(z))
                    .ok_or(DtErr::BadFormat)?;
                p.tz = Some(off);
            }
        } else if first == b'+' || first == b'-' {
            let off = parse_offset(tok).ok_or(DtErr::BadFormat)?;
            if p.tz.is_some() || (p.date.is_none() && p.time.is_none()) {
                return Err(DtErr::BadFormat);
            }
            p.tz = Some(off);
        } else if first.is_ascii_digit() {
            if let Some(sep) = ['-', '/', '.'].into_iter().find(|c| tok.contains(*c)) {
                if p.date.is_some() {
                    return Err(DtErr::BadFormat);
                }
                p.date = Some(parse_date_token(tok, sep)?);
            } else if tok.bytes().all(|b| b.is_ascii_digit()) {
                if tok.len() == 8 && p.date.is_none() && month.is_none() {
                    p.date = Some((
                        num(&tok[..4])?,
                        num(&tok[4..6])? as u32,
                        num(&tok[6..])? as u32,
                    ));
                } else if tok.len() == 6 && p.date.is_some() && p.time.is_none() {
                    // `20240131 040506`: hhmmss after a date.
                    let clock = format!("{}:{}:{}", &tok[..2], &tok[2..4], &tok[4..]);
                    p.time = Some(parse_clock(&clock)?);
                } else {
                    numbers.push(tok.to_string());
                }
            } else {
                return Err(DtErr::BadFormat);
            }
        } else if let Some(m) = month_name(tok) {
            if month.is_some() {
                return Err(DtErr::BadFormat);
            }
            month = Some(m);
        } else if let Some(off) = zone_word(tok) {
            p.tz = Some(off);
        } else {
            match tok {
                "bc" => bc = true,
                "ad" => {}
                "am" | "a.m." => ampm = Some(false),
                "pm" | "p.m." => ampm = Some(true),
                "allballs" => p.time = Some(0),
                _ if DAYS.contains(&tok) => {}
                _ => return Err(DtErr::BadFormat),
            }
        }
    }
    match (month, numbers.as_slice()) {
        (Some(m), [a, b]) if p.date.is_none() => p.date = Some(with_month_name(m, a, b)?),
        (None, []) => {}
        _ => return Err(DtErr::BadFormat),
    }
    if let Some(pm) = ampm {
        let t = p.time.ok_or(DtErr::BadFormat)?;
        let hour = t / 3_600_000_000;
        if !(1..=12).contains(&hour) {
            return Err(DtErr::FieldOverflow);
        }
        let base = t % 3_600_000_000;
        let h = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
        p.time = Some(h * 3_600_000_000 + base);
    }
    if p.special.is_some() && (p.date.is_some() || bc) {
        return Err(DtErr::BadFormat);
    }
    if let Some((y, m, d)) = p.date {
        if y == 0 {
            return Err(DtErr::FieldOverflow);
        }
        if !(1..=12).contains(&m) {
            return Err(DtErr::MdFieldOverflow);
        }
        let y = if bc { 1 - y } else { y };
        if d < 1 || d > days_in_month(y, m) {
            return Err(DtErr::FieldOverflow);
        }
        p.date = Some((y, m, d));
    } else if bc {
        return Err(DtErr::BadFormat);
    }
    if let Some(off) = p.tz
        && off.abs() > 15 * 3600 + 59 * 60 + 59
    {
        return Err(DtErr::TzOverflow);
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Option<(i64, u32, u32)> {
        parse_datetime(s).ok().and_then(|p| p.date)
    }

    #[test]
    fn date_spellings() {
        for s in [
            "2024-01-31",
            "Jan 31 2024",
            "20240131",
            "2024/01/31",
            "01/31/2024",
            "31 January 2024",
            "January 31, 2024",
            "2024-Jan-31",
            "1-31-24",
            " 2024-01-31 ",
            "Wed Jan 31 2024",
        ] {
            assert_eq!(date(s), Some((2024, 1, 31)), "{s}");
        }
        assert_eq!(date("2024-01-31 BC"), Some((-2023, 1, 31)));
        assert_eq!(parse_datetime("2021-02-30"), Err(DtErr::FieldOverflow));
        assert_eq!(parse_datetime("2024-13-01"), Err(DtErr::MdFieldOverflow));
        assert_eq!(parse_datetime("garbage"), Err(DtErr::BadFormat));
        assert_eq!(parse_datetime(""), Err(DtErr::BadFormat));
        assert_eq!(parse_datetime("0000-01-01"), Err(DtErr::FieldOverflow));
    }

    #[test]
    fn times_and_zones() {
        let p = parse_datetime("2024-01-31T13:45:00.5+05:30").expect("parses");
        assert_eq!(p.time, Some((13 * 3600 + 45 * 60) * 1_000_000 + 500_000));
        assert_eq!(p.tz, Some(5 * 3600 + 30 * 60));
        assert_eq!(parse_datetime("13:45z").map(|p| p.tz), Ok(Some(0)));
        assert_eq!(
            parse_datetime("2024-01-31 13:45 -03").map(|p| p.tz),
            Ok(Some(-3 * 3600))
        );
        assert_eq!(
            parse_datetime("1:30 pm").map(|p| p.time),
            Ok(Some(13 * 3_600_000_000 + 1_800_000_000))
        );
        assert_eq!(parse_datetime("12:00 am").map(|p| p.time), Ok(Some(0)));
        assert_eq!(parse_datetime("25:00"), Err(DtErr::FieldOverflow));
        assert_eq!(
            parse_datetime("24:00:00").map(|p| p.time),
            Ok(Some(86_400_000_000))
        );
        assert_eq!(parse_datetime("24:00:01"), Err(DtErr::FieldOverflow));
        assert_eq!(parse_datetime("12:60"), Err(DtErr::FieldOverflow));
        assert_eq!(parse_datetime("13:45+16"), Err(DtErr::TzOverflow));
        assert_eq!(parse_offset("+0530"), Some(19800));
        assert_eq!(
            parse_datetime("2024-01-31 04:05:06 PST").map(|p| p.tz),
            Ok(Some(-8 * 3600))
        );
        assert_eq!(
            parse_datetime("Jan 31 2024 4:05pm").map(|p| p.time),
            Ok(Some((16 * 60 + 5) * 60_000_000))
        );
        assert_eq!(
            parse_datetime("20240131 040506").map(|p| p.time),
            Ok(Some(((4 * 60 + 5) * 60 + 6) * 1_000_000))
        );
        assert_eq!(parse_offset("-02:00"), Some(-7200));
        assert_eq!(parse_offset("x"), None);
        assert_eq!(parse_offset("+é1"), None);
        assert_eq!(parse_datetime("13:45+é1"), Err(DtErr::BadFormat));
    }
}
