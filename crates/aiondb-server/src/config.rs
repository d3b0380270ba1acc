//! The server configuration: TOML file, `AIONDB_<SECTION>_<KEY>`
//! environment overrides, then command-line flags (each layer wins over the
//! one before). Unknown keys, in the file or the environment, are errors.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub auth: AuthConfig,
    pub metrics: MetricsConfig,
    pub log: LogConfig,
    pub tls: TlsConfig,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen_addr: String,
    pub port: u16,
    pub max_connections: usize,
    /// Seconds shutdown waits for sessions to end before closing them.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            listen_addr: "127.0.0.1".into(),
            port: 5432,
            max_connections: 100,
            shutdown_grace_secs: 10,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    pub data_dir: PathBuf,
    pub wal_segment_size: u64,
    pub group_commit: bool,
    pub checkpoint_wal_bytes: u64,
}

impl Default for StorageConfig {
    fn default() -> StorageConfig {
        let store = aiondb_storage::StoreOptions::default();
        StorageConfig {
            data_dir: PathBuf::from("./aiondb-data"),
            wal_segment_size: store.wal_segment_size,
            group_commit: store.group_commit,
            checkpoint_wal_bytes: store.checkpoint_wal_bytes,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum AuthMethodName {
    #[default]
    #[serde(rename = "trust")]
    Trust,
    #[serde(rename = "scram-sha-256")]
    ScramSha256,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    pub method: AuthMethodName,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// HTTP port for /metrics and /health; 0 = off.
    pub port: u16,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter (`info`, `aiondb_pgwire=debug,info`); RUST_LOG wins.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> LogConfig {
        LogConfig {
            level: "info".into(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// Command-line overrides.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub port: Option<u16>,
    pub listen_addr: Option<String>,
    pub metrics_port: Option<u16>,
}

fn parse<T: std::str::FromStr>(var: &str, value: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e| format!("environment variable {var}={value:?}: {e}"))
}

fn parse_bool(var: &str, value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Ok(true),
        "false" | "off" | "no" | "0" => Ok(false),
        _ => Err(format!(
            "environment variable {var}={value:?}: expected true or false"
        )),
    }
}

impl Config {
    /// Parses TOML text.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Reads a config file.
    pub fn from_file(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        Config::from_toml(&text).map_err(|e| format!("invalid config file {}: {e}", path.display()))
    }

    /// Applies `AIONDB_<SECTION>_<KEY>` variables. Variables naming a known
    /// section but an unknown key are errors.
    pub fn apply_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), String> {
        for (var, value) in vars {
            let Some(rest) = var.strip_prefix("AIONDB_") else {
                continue;
            };
            let rest = rest.to_ascii_lowercase();
            let Some((section, key)) = rest.split_once('_') else {
                continue;
            };
            let v = value.as_str();
            match (section, key) {
                ("server", "listen_addr") => self.server.listen_addr = value.clone(),
                ("server", "port") => self.server.port = parse(&var, v)?,
                ("server", "max_connections") => self.server.max_connections = parse(&var, v)?,
                ("server", "shutdown_grace_secs") => {
                    self.server.shutdown_grace_secs = parse(&var, v)?
                }
                ("storage", "data_dir") => self.storage.data_dir = PathBuf::from(v),
                ("storage", "wal_segment_size") => self.storage.wal_segment_size = parse(&var, v)?,
                ("storage", "group_commit") => self.storage.group_commit = parse_bool(&var, v)?,
                ("storage", "checkpoint_wal_bytes") => {
                    self.storage.checkpoint_wal_bytes = parse(&var, v)?
                }
                ("auth", "method") => {
                    self.auth.method = match v {
                        "trust" => AuthMethodName::Trust,
                        "scram-sha-256" => AuthMethodName::ScramSha256,
                        _ => {
                            return Err(format!(
                                "environment variable {var}={v:?}: expected \"trust\" or \"scram-sha-256\""
                            ));
                        }
                    }
                }
                ("metrics", "port") => self.metrics.port = parse(&var, v)?,
                ("log", "level") => self.log.level = value.clone(),
                ("tls", "cert") => self.tls.cert = Some(PathBuf::from(v)),
                ("tls", "key") => self.tls.key = Some(PathBuf::from(v)),
                ("server" | "storage" | "auth" | "metrics" | "log" | "tls", _) => {
                    return Err(format!(
                        "unknown configuration key in environment variable {var}"
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Applies command-line flags.
    pub fn apply_overrides(&mut self, o: &Overrides) {
        if let Some(d) = &o.data_dir {
            self.storage.data_dir = d.clone();
        }
        if let Some(p) = o.port {
            self.server.port = p;
        }
        if let Some(a) = &o.listen_addr {
            self.server.listen_addr = a.clone();
        }
        if let Some(p) = o.metrics_port {
            self.metrics.port = p;
        }
    }

    /// Checks values that parse but cannot work.
    pub fn validate(&self) -> Result<(), String> {
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            return Err("[tls] needs both cert and key (or neither, to run without TLS)".into());
        }
        if self.server.max_connections == 0 {
            return Err("server.max_connections must be at least 1".into());
        }
        if self.storage.wal_segment_size == 0 {
            return Err("storage.wal_segment_size must be positive".into());
        }
        self.listen_socket()?;
        Ok(())
    }

    /// The address to listen on.
    pub fn listen_socket(&self) -> Result<SocketAddr, String> {
        let ip: IpAddr = match self.server.listen_addr.as_str() {
            "localhost" => IpAddr::from([127, 0, 0, 1]),
            "*" => IpAddr::from([0, 0, 0, 0]),
            other => other
                .parse()
                .map_err(|e| format!("server.listen_addr {other:?}: {e}"))?,
        };
        Ok(SocketAddr::new(ip, self.server.port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_embedded_default() {
        let c = Config::from_toml("").expect("empty is valid");
        assert_eq!(c, Config::default());
        assert_eq!(c.server.port, 5432);
        assert_eq!(c.storage.data_dir, PathBuf::from("./aiondb-data"));
        assert_eq!(
            c.listen_socket().expect("addr").to_string(),
            "127.0.0.1:5432"
        );
        assert!(c.validate().is_ok());
    }

    #[test]
    fn shipped_config_parses() {
        let text = include_str!("../../../configs/aiondb.toml");
        let c = Config::from_toml(text).expect("configs/aiondb.toml");
        assert!(c.validate().is_ok());
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = Config::from_toml("[server]\nprot = 1\n").expect_err("typo");
        assert!(e.contains("prot"), "{e}");
        assert!(Config::from_toml("[nosuch]\nx = 1\n").is_err());
        let mut c = Config::default();
        assert!(
            c.apply_env([("AIONDB_SERVER_PROT".to_string(), "1".to_string())])
                .is_err()
        );
    }

    #[test]
    fn layers_override_in_order() {
        let mut c =
            Config::from_toml("[server]\nport = 6000\n[auth]\nmethod = \"scram-sha-256\"\n")
                .expect("ok");
        assert_eq!(c.auth.method, AuthMethodName::ScramSha256);
        c.apply_env([
            ("AIONDB_SERVER_PORT".to_string(), "6001".to_string()),
            (
                "AIONDB_STORAGE_GROUP_COMMIT".to_string(),
                "false".to_string(),
            ),
            ("PATH".to_string(), "/bin".to_string()),
        ])
        .expect("env");
        assert_eq!(c.server.port, 6001);
        assert!(!c.storage.group_commit);
        c.apply_overrides(&Overrides {
            port: Some(6002),
            ..Overrides::default()
        });
        assert_eq!(c.server.port, 6002);
        assert!(
            c.apply_env([("AIONDB_SERVER_PORT".to_string(), "x".to_string())])
                .is_err()
        );
    }

    #[test]
    fn tls_needs_cert_and_key() {
        let c = Config::from_toml("[tls]\ncert = \"a.pem\"\n").expect("parses");
        assert!(c.validate().expect_err("refused").contains("key"));
        let c = Config::from_toml("[tls]\ncert = \"a.pem\"\nkey = \"a.key\"\n").expect("parses");
        assert!(c.validate().is_ok());
    }
}
