//! Session settings (GUCs): defaults, SET/RESET/SHOW, and which ones are
//! reported to the client in ParameterStatus.

use aiondb_core::{DbError, DbResult, SqlState};
use std::collections::BTreeMap;

/// The PostgreSQL version AionDB reports (psql picks its queries by it).
pub const SERVER_VERSION: &str = "15.18 (AionDB 0.1.0)";

/// Settings sent in ParameterStatus, at startup and whenever they change.
const REPORTED: &[&str] = &[
    "application_name",
    "client_encoding",
    "DateStyle",
    "default_transaction_read_only",
    "in_hot_standby",
    "integer_datetimes",
    "IntervalStyle",
    "is_superuser",
    "server_encoding",
    "server_version",
    "session_authorization",
    "standard_conforming_strings",
    "TimeZone",
];

/// Settings a client may not change.
const READ_ONLY: &[&str] = &[
    "server_version",
    "server_version_num",
    "server_encoding",
    "integer_datetimes",
    "is_superuser",
    "in_hot_standby",
    "max_identifier_length",
    "block_size",
    "wal_segment_size",
    "data_directory_mode",
];

fn defaults(user: &str) -> Vec<(&'static str, String)> {
    vec![
        ("application_name", String::new()),
        ("client_encoding", "UTF8".into()),
        ("DateStyle", "ISO, MDY".into()),
        ("default_transaction_read_only", "off".into()),
        ("default_transaction_deferrable", "off".into()),
        ("default_transaction_isolation", "read committed".into()),
        ("in_hot_standby", "off".into()),
        ("integer_datetimes", "on".into()),
        ("IntervalStyle", "postgres".into()),
        ("is_superuser", "on".into()),
        ("server_encoding", "UTF8".into()),
        ("server_version", SERVER_VERSION.into()),
        ("server_version_num", "150018".into()),
        ("session_authorization", user.into()),
        ("standard_conforming_strings", "on".into()),
        ("TimeZone", "Etc/UTC".into()),
        ("search_path", "\"$user\", public".into()),
        ("statement_timeout", "0".into()),
        ("lock_timeout", "0".into()),
        ("idle_in_transaction_session_timeout", "0".into()),
        ("extra_float_digits", "1".into()),
        ("bytea_output", "hex".into()),
        ("lc_messages", "C".into()),
        ("lc_monetary", "C".into()),
        ("lc_numeric", "C".into()),
        ("lc_time", "C".into()),
        ("max_identifier_length", "63".into()),
        ("block_size", "8192".into()),
        ("wal_segment_size", "16MB".into()),
        ("data_directory_mode", "0700".into()),
        ("synchronous_commit", "on".into()),
        ("client_min_messages", "notice".into()),
        ("transaction_isolation", "read committed".into()),
        ("transaction_read_only", "off".into()),
        ("transaction_deferrable", "off".into()),
        ("row_security", "on".into()),
        ("timezone_abbreviations", "Default".into()),
    ]
    .into_iter()
    .chain(crate::planner_settings::defaults())
    .collect()
}

/// One session's settings, keyed case-insensitively but remembering the
/// canonical spelling (`DateStyle`, `TimeZone`).
#[derive(Clone, Debug)]
pub struct Settings {
    values: BTreeMap<String, (String, String)>,
    initial: BTreeMap<String, String>,
}

impl Settings {
    pub fn new(user: &str) -> Settings {
        let values: BTreeMap<String, (String, String)> = defaults(user)
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), (k.to_string(), v)))
            .collect();
        let initial = values
            .iter()
            .map(|(k, (_, v))| (k.clone(), v.clone()))
            .collect();
        Settings { values, initial }
    }

    /// The value of a setting, if it exists.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(&name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }

    /// Sets a setting; returns the (canonical name, value) pair to report
    /// to the client if it is a reported one.
    pub fn set(&mut self, name: &str, value: &str) -> DbResult<Option<(String, String)>> {
        let key = name.to_ascii_lowercase();
        if READ_ONLY.iter().any(|r| *r == key) {
            return Err(DbError::new(
                SqlState::from_static("55P02"),
                format!("parameter \"{key}\" cannot be changed"),
            ));
        }
        let value = normalize(&key, value)?;
        let canonical = match self.values.get(&key) {
            Some((c, _)) => c.clone(),
            None if key.contains('.') => key.clone(),
            None => {
                return Err(DbError::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("unrecognized configuration parameter \"{name}\""),
                ));
            }
        };
        self.values.insert(key, (canonical.clone(), value.clone()));
        Ok(REPORTED
            .iter()
            .any(|r| *r == canonical)
            .then_some((canonical, value)))
    }

    /// Sets a read-only setting the session itself maintains
    /// (`session_authorization`, `is_superuser`); returns the pair to
    /// report if it is a reported one.
    pub fn set_internal(&mut self, name: &str, value: &str) -> Option<(String, String)> {
        let key = name.to_ascii_lowercase();
        let canonical = self
            .values
            .get(&key)
            .map(|(c, _)| c.clone())
            .unwrap_or_else(|| name.to_string());
        if self.values.get(&key).is_some_and(|(_, v)| v == value) {
            return None;
        }
        self.values
            .insert(key, (canonical.clone(), value.to_string()));
        REPORTED
            .iter()
            .any(|r| *r == canonical)
            .then(|| (canonical, value.to_string()))
    }

    /// Sets a setting back to its session-start value.
    pub fn reset(&mut self, name: &str) -> DbResult<Option<(String, String)>> {
        let key = name.to_ascii_lowercase();
        let Some(v) = self.initial.get(&key).cloned() else {
            return Err(DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("unrecognized configuration parameter \"{name}\""),
            ));
        };
        self.set(name, &v)
    }

    /// Makes the current values the ones RESET returns to (after startup
    /// parameters are applied).
    pub fn freeze_initial(&mut self) {
        self.initial = self
            .values
            .iter()
            .map(|(k, (_, v))| (k.clone(), v.clone()))
            .collect();
    }

    /// Every reported setting, for the startup ParameterStatus messages.
    pub fn reported(&self) -> Vec<(String, String)> {
        REPORTED
            .iter()
            .filter_map(|r| self.values.get(&r.to_ascii_lowercase()).cloned())
            .collect()
    }

    /// All settings, sorted by name (SHOW ALL, pg_settings).
    pub fn all(&self) -> Vec<(String, String)> {
        self.values.values().cloned().collect()
    }

    /// The schemas of search_path, `$user` resolved.
    pub fn search_path(&self, user: &str) -> Vec<String> {
        self.get("search_path")
            .unwrap_or("public")
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .map(|s| if s == "$user" { user.to_string() } else { s })
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// statement_timeout in milliseconds (0 = none).
    pub fn statement_timeout_ms(&self) -> u64 {
        parse_duration_ms(self.get("statement_timeout").unwrap_or("0")).unwrap_or(0)
    }
}

/// Checks and normalizes a value the way PostgreSQL echoes it.
fn normalize(key: &str, value: &str) -> DbResult<String> {
    let invalid = || {
        DbError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("invalid value for parameter \"{key}\": \"{value}\""),
        )
    };
    Ok(match key {
        "client_encoding" => match value.to_ascii_uppercase().replace(['-', '_'], "").as_str() {
            "UTF8" | "UNICODE" => "UTF8".into(),
            _ => {
                return Err(DbError::new(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    format!("client encoding \"{value}\" is not supported; only UTF8 is"),
                ));
            }
        },
        "datestyle" => {
            // Output style ISO or Postgres, field order MDY.
            let words: Vec<String> = value
                .split([',', ' '])
                .filter(|w| !w.is_empty())
                .map(str::to_ascii_uppercase)
                .collect();
            let style = words
                .iter()
                .find(|w| !matches!(w.as_str(), "MDY" | "US" | "NONEURO" | "NONEUROPEAN"));
            let order_ok = words.iter().all(|w| {
                matches!(
                    w.as_str(),
                    "ISO" | "POSTGRES" | "MDY" | "US" | "NONEURO" | "NONEUROPEAN"
                )
            });
            match style.map(String::as_str) {
                _ if !order_ok => {
                    return Err(DbError::not_supported(format!(
                        "DateStyle \"{value}\" is not supported; only ISO or Postgres output with MDY order is"
                    )));
                }
                Some("POSTGRES") => "Postgres, MDY".into(),
                _ => "ISO, MDY".into(),
            }
        }
        "intervalstyle" => match value.to_ascii_lowercase().as_str() {
            "postgres" => "postgres".into(),
            "postgres_verbose" => "postgres_verbose".into(),
            _ => return Err(invalid()),
        },
        "timezone" => match value.to_ascii_uppercase().as_str() {
            "UTC" | "ETC/UTC" | "GMT" | "Z" | "ZULU" | "UCT" | "ETC/GMT" => "Etc/UTC".into(),
            "PST8PDT" => "PST8PDT".into(),
            "AMERICA/LOS_ANGELES" | "US/PACIFIC" => "America/Los_Angeles".into(),
            _ => {
                return Err(DbError::not_supported(format!(
                    "time zone \"{value}\" is not supported; only UTC is"
                )));
            }
        },
        "extra_float_digits" => {
            let n: i32 = value.trim().parse().map_err(|_| invalid())?;
            if !(-15..=3).contains(&n) {
                return Err(invalid());
            }
            n.to_string()
        }
        "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" => {
            parse_duration_ms(value).ok_or_else(invalid)?;
            value.trim().to_string()
        }
        "default_transaction_isolation" | "transaction_isolation" => {
            let v = value.to_ascii_lowercase();
            match v.as_str() {
                "read committed" | "repeatable read" | "read uncommitted" | "serializable" => v,
                _ => return Err(invalid()),
            }
        }
        "default_transaction_read_only"
        | "default_transaction_deferrable"
        | "transaction_read_only"
        | "transaction_deferrable" => match crate::txn_mode::parse_bool(value) {
            Some(true) => "on".into(),
            Some(false) => "off".into(),
            None => {
                return Err(DbError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("parameter \"{key}\" requires a Boolean value"),
                ));
            }
        },
        "standard_conforming_strings" => match value.to_ascii_lowercase().as_str() {
            "on" | "true" | "1" => "on".into(),
            _ => {
                return Err(DbError::not_supported(
                    "standard_conforming_strings can only be on",
                ));
            }
        },
        other => match crate::planner_settings::normalize(other, value) {
            Some(checked) => checked?,
            None => value.to_string(),
        },
    })
}

/// Parses `5s`, `100ms`, `1min`, `250` (milliseconds).
pub fn parse_duration_ms(value: &str) -> Option<u64> {
    let v = value.trim().trim_matches('\'');
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: u64 = num.parse().ok()?;
    let factor = match unit.trim() {
        "" | "ms" => 1,
        "s" => 1000,
        "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_reports_only_reported_settings() {
        let mut s = Settings::new("postgres");
        assert_eq!(
            s.set("application_name", "x").expect("set"),
            Some(("application_name".into(), "x".into()))
        );
        assert_eq!(s.set("extra_float_digits", "3").expect("set"), None);
        assert_eq!(s.get("EXTRA_FLOAT_DIGITS"), Some("3"));
        assert!(s.set("server_version", "1").is_err());
        assert_eq!(
            s.set("nonsense", "1").expect_err("unknown").code.code(),
            "42704"
        );
        assert_eq!(
            s.set("datestyle", "ISO").expect("set").map(|p| p.1),
            Some("ISO, MDY".into())
        );
        s.set("statement_timeout", "5s").expect("set");
        assert_eq!(s.statement_timeout_ms(), 5000);
        s.reset("statement_timeout").expect("reset");
        assert_eq!(s.statement_timeout_ms(), 0);
        assert_eq!(
            s.search_path("bob"),
            vec!["bob".to_string(), "public".into()]
        );
    }
}
