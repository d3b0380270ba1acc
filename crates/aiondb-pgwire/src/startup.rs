//! The startup packet: its parameters, the `options` string, and the
//! [`StartupParams`] handed to the engine.

use aiondb_core::{DbError, SqlState};
use aiondb_engine::StartupParams;

/// Protocol codes in the first packet of a connection.
pub const CODE_SSL_REQUEST: i32 = 80_877_103;
pub const CODE_GSSENC_REQUEST: i32 = 80_877_104;
pub const CODE_CANCEL_REQUEST: i32 = 80_877_102;
pub const PROTOCOL_3_0: i32 = 196_608;

/// A decoded StartupMessage.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StartupPacket {
    pub major: u16,
    pub minor: u16,
    pub params: Vec<(String, String)>,
}

/// Decodes the body of a StartupMessage (after the length): version then
/// NUL-terminated key/value pairs ending in an empty key.
pub fn decode_startup(body: &[u8]) -> Result<StartupPacket, DbError> {
    let bad = |m: &str| DbError::new(SqlState::PROTOCOL_VIOLATION, m.to_string());
    if body.len() < 4 {
        return Err(bad("invalid startup packet layout"));
    }
    let major = u16::from_be_bytes([body[0], body[1]]);
    let minor = u16::from_be_bytes([body[2], body[3]]);
    let mut params = Vec::new();
    let mut rest = &body[4..];
    loop {
        let Some(end) = rest.iter().position(|b| *b == 0) else {
            return Err(bad(
                "invalid startup packet layout: expected terminator as last byte",
            ));
        };
        if end == 0 {
            break;
        }
        let key = String::from_utf8_lossy(&rest[..end]).into_owned();
        rest = &rest[end + 1..];
        let Some(vend) = rest.iter().position(|b| *b == 0) else {
            return Err(bad(
                "invalid startup packet layout: expected terminator as last byte",
            ));
        };
        let value = String::from_utf8_lossy(&rest[..vend]).into_owned();
        rest = &rest[vend + 1..];
        params.push((key, value));
    }
    Ok(StartupPacket {
        major,
        minor,
        params,
    })
}

/// Splits libpq's `options` value into words: whitespace separates,
/// a backslash makes the next character literal (PostgreSQL's
/// `pg_split_opts`).
pub fn split_options(options: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = options.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                cur.push(n);
            }
            in_word = true;
        } else if c.is_whitespace() {
            if in_word {
                words.push(std::mem::take(&mut cur));
                in_word = false;
            }
        } else {
            cur.push(c);
            in_word = true;
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Parses the `-c name=value` / `--name=value` list of `options`.
pub fn parse_options(options: &str) -> Result<Vec<(String, String)>, DbError> {
    let words = split_options(options);
    let mut out = Vec::new();
    let mut i = 0;
    let invalid = |w: &str| {
        DbError::new(
            SqlState::PROTOCOL_VIOLATION,
            format!("invalid command-line argument for server process: {w}"),
        )
        .with_hint("Try \"-c name=value\".")
    };
    while i < words.len() {
        let w = &words[i];
        let setting = if w == "-c" {
            i += 1;
            words.get(i).cloned().ok_or_else(|| invalid(w))?
        } else if let Some(s) = w.strip_prefix("-c") {
            s.to_string()
        } else if let Some(s) = w.strip_prefix("--") {
            s.to_string()
        } else {
            return Err(invalid(w));
        };
        let Some((name, value)) = setting.split_once('=') else {
            return Err(DbError::new(
                SqlState::SYNTAX_ERROR,
                format!("-c {setting} requires a value"),
            ));
        };
        out.push((name.replace('-', "_"), value.to_string()));
        i += 1;
    }
    Ok(out)
}

/// What the startup packet asked for.
#[derive(Debug)]
pub enum StartupRequest {
    Normal(StartupParams),
    /// `replication=true|database|on|yes|1`.
    Replication,
}

fn is_replication(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "true" | "on" | "yes" | "1" | "database"
    )
}

/// Builds the engine's [`StartupParams`] from the packet's parameters.
pub fn startup_params(params: &[(String, String)]) -> Result<StartupRequest, DbError> {
    let mut user = None;
    let mut database = None;
    let mut application_name = String::new();
    let mut settings = Vec::new();
    let mut options = Vec::new();
    let mut replication = false;
    for (key, value) in params {
        match key.as_str() {
            "user" => user = Some(value.clone()),
            "database" => database = Some(value.clone()),
            "application_name" => application_name = value.clone(),
            "options" => options = parse_options(value)?,
            "replication" => {
                if is_replication(value) {
                    replication = true;
                } else if !matches!(
                    value.to_ascii_lowercase().as_str(),
                    "false" | "off" | "no" | "0"
                ) {
                    return Err(DbError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("invalid value for parameter \"replication\": \"{value}\""),
                    )
                    .with_hint("Valid values are: \"false\", 0, \"true\", 1, \"database\"."));
                }
            }
            k if k.starts_with("_pq_.") => {}
            _ => settings.push((key.clone(), value.clone())),
        }
    }
    if replication {
        return Ok(StartupRequest::Replication);
    }
    let user = user.filter(|u| !u.is_empty()).ok_or_else(|| {
        DbError::new(
            SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
            "no PostgreSQL user name specified in startup packet",
        )
    })?;
    let database = database
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| user.clone());
    // Later settings win, as in PostgreSQL: options override packet keys.
    settings.extend(options);
    if let Some(pos) = settings.iter().rposition(|(k, _)| k == "application_name") {
        application_name = settings.remove(pos).1;
        settings.retain(|(k, _)| k != "application_name");
    }
    Ok(StartupRequest::Normal(StartupParams {
        user,
        database,
        application_name,
        settings,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn options_split_with_escapes() {
        assert_eq!(
            split_options(r"-c search_path=public  -c a=x\ y\\z"),
            vec!["-c", "search_path=public", "-c", r"a=x y\z"]
        );
        assert_eq!(
            parse_options("-c search_path=public -c statement_timeout=5s --work-mem=4MB")
                .expect("ok"),
            p(&[
                ("search_path", "public"),
                ("statement_timeout", "5s"),
                ("work_mem", "4MB")
            ])
        );
        assert!(parse_options("-x").is_err());
        assert!(parse_options("-c").is_err());
        assert!(parse_options("-c novalue").is_err());
    }

    #[test]
    fn startup_params_defaults_and_settings() {
        let StartupRequest::Normal(s) = startup_params(&p(&[
            ("user", "alice"),
            ("client_encoding", "UTF8"),
            ("options", "-c TimeZone=UTC"),
            ("application_name", "psql"),
        ]))
        .expect("ok") else {
            panic!("replication");
        };
        assert_eq!(s.user, "alice");
        assert_eq!(s.database, "alice");
        assert_eq!(s.application_name, "psql");
        assert_eq!(
            s.settings,
            p(&[("client_encoding", "UTF8"), ("TimeZone", "UTC")])
        );
    }

    #[test]
    fn missing_user_and_replication() {
        let err = startup_params(&p(&[("database", "x")])).expect_err("no user");
        assert_eq!(err.code, SqlState::INVALID_AUTHORIZATION_SPECIFICATION);
        assert!(matches!(
            startup_params(&p(&[("user", "u"), ("replication", "database")])),
            Ok(StartupRequest::Replication)
        ));
        assert!(startup_params(&p(&[("user", "u"), ("replication", "maybe")])).is_err());
    }

    #[test]
    fn decode_startup_packet() {
        let mut body = vec![0, 3, 0, 0];
        body.extend_from_slice(b"user\0bob\0database\0db\0\0");
        let pkt = decode_startup(&body).expect("ok");
        assert_eq!((pkt.major, pkt.minor), (3, 0));
        assert_eq!(pkt.params, p(&[("user", "bob"), ("database", "db")]));
        assert!(decode_startup(&[0, 3]).is_err());
        assert!(decode_startup(&[0, 3, 0, 0, b'u']).is_err());
    }
}
