//! `to_date(text, format)`: reads a date by a template, as PostgreSQL's
//! formatting functions do. Supported: the fields `YYYY`, `YYY`, `YY`, `Y`,
//! `MM`, `DD`, month names (`MONTH`/`Month`/`month`, `MON`/`Mon`/`mon`)
//! and double-quoted literal text. Any other non-letter in the template
//! skips one input character. Every other letter starts a pattern not
//! implemented yet (`HH24`, `DDD`, `IW`, `TZ`, ...): feature_not_supported.

use crate::types::MONTH_NAMES as MONTHS;
use crate::types::{self, FormatOptions};
use aiondb_core::{DataType, DbError, DbResult, SqlState, Value};

fn invalid(msg: String) -> DbError {
    DbError::new(SqlState::INVALID_DATETIME_FORMAT, msg)
}

/// Reads up to `width` digits at `input[*i..]`.
fn digits(input: &[char], i: &mut usize, width: usize, field: &str) -> DbResult<i32> {
    while input.get(*i) == Some(&' ') {
        *i += 1;
    }
    let start = *i;
    while *i < input.len() && *i - start < width && input[*i].is_ascii_digit() {
        *i += 1;
    }
    let s: String = input[start..*i].iter().collect();
    s.parse().map_err(|_| {
        let rest: String = input[start..].iter().collect();
        invalid(format!("invalid value \"{rest}\" for \"{field}\""))
    })
}

/// `to_date(input, template)`.
pub fn to_date(input: &str, template: &str) -> DbResult<Value> {
    let s: Vec<char> = input.chars().collect();
    let f: Vec<char> = template.chars().collect();
    let (mut i, mut j) = (0, 0);
    let (mut year, mut month, mut day) = (None, None, None);
    let upper: String = template.to_ascii_uppercase();
    let up: Vec<char> = upper.chars().collect();
    let starts = |j: usize, p: &str| up[j..].iter().take(p.len()).copied().eq(p.chars());
    while j < f.len() {
        if f[j] == '"' {
            j += 1;
            while j < f.len() && f[j] != '"' {
                j += 1;
                i += 1;
            }
            j += 1;
            continue;
        }
        if starts(j, "MONTH") || starts(j, "MON") {
            let len = if starts(j, "MONTH") { 5 } else { 3 };
            let rest: String = s[i.min(s.len())..]
                .iter()
                .collect::<String>()
                .to_lowercase();
            let found = MONTHS.iter().position(|m| {
                if len == 5 {
                    rest.starts_with(m)
                } else {
                    rest.starts_with(&m[..3])
                }
            });
            let Some(m) = found else {
                return Err(invalid(format!(
                    "invalid value \"{}\" for \"{}\"",
                    rest,
                    f[j..j + len].iter().collect::<String>()
                )));
            };
            i += if len == 5 { MONTHS[m].len() } else { 3 };
            month = Some(m as i32 + 1);
            j += len;
            continue;
        }
        let field = ["YYYY", "YYY", "YY", "Y", "MM", "DD"]
            .into_iter()
            .find(|p| starts(j, p));
        match field {
            Some(p) => {
                let width = if p == "YYYY" { 4 } else { p.len() };
                let v = digits(&s, &mut i, width, p)?;
                match p {
                    "YYYY" => year = Some(v),
                    "YYY" => year = Some(if v < 100 { v + 2000 } else { v + 1000 }),
                    "YY" => year = Some(if v < 70 { v + 2000 } else { v + 1900 }),
                    "Y" => year = Some(v + 2000),
                    "MM" => month = Some(v),
                    _ => day = Some(v),
                }
                j += p.len();
            }
            None if f[j].is_ascii_alphabetic() => {
                return Err(DbError::not_supported(format!(
                    "to_date template pattern at \"{}\"",
                    f[j..].iter().collect::<String>()
                )));
            }
            None => {
                j += 1;
                i += 1;
            }
        }
    }
    let (y, m, d) = (year.unwrap_or(1), month.unwrap_or(1), day.unwrap_or(1));
    if !(1..=12).contains(&m) {
        return Err(DbError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("date/time field value out of range: \"{input}\""),
        ));
    }
    let iso = format!("{y:04}-{m:02}-{d:02}");
    types::parse_text(&iso, &DataType::Date, &FormatOptions::default()).map_err(|_| {
        DbError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("date/time field value out of range: \"{input}\""),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(input: &str, template: &str) -> String {
        let v = to_date(input, template).unwrap();
        types::format_text(&v, &DataType::Date, &FormatOptions::default()).unwrap()
    }

    #[test]
    fn templates() {
        assert_eq!(iso("20100309", "YYYYMMDD"), "2010-03-09");
        assert_eq!(iso("2010-03-09", "YYYY-MM-DD"), "2010-03-09");
        assert_eq!(iso("05 Dec 2000", "DD Mon YYYY"), "2000-12-05");
        assert_eq!(iso("March 4, 99", "Month DD, YY"), "1999-03-04");
        assert_eq!(
            to_date("2010-13-01", "YYYY-MM-DD").unwrap_err().code.code(),
            "22008"
        );
        assert_eq!(to_date("2010", "HH24").unwrap_err().code.code(), "0A000");
    }
}
