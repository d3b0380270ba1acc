//! The binary refuses configurations it cannot honour.

mod common;

use std::io::Write;

fn write_config(dir: &std::path::Path, text: &str) -> String {
    let path = dir.join("aiondb.toml");
    let mut f = std::fs::File::create(&path).expect("config file");
    f.write_all(text.as_bytes()).expect("write config");
    path.to_string_lossy().into_owned()
}

#[test]
fn unknown_config_key_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write_config(dir.path(), "[server]\nport = 5999\nbogus_key = 1\n");
    let (status, out) = common::run_to_exit(&["--config", &cfg], &[]);
    assert_eq!(status.code(), Some(2), "{out}");
    assert!(out.contains("bogus_key"), "{out}");
}

#[test]
fn unknown_section_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write_config(dir.path(), "[nosuchsection]\nx = 1\n");
    let (status, out) = common::run_to_exit(&["--config", &cfg], &[]);
    assert_eq!(status.code(), Some(2), "{out}");
    assert!(out.contains("nosuchsection"), "{out}");
}

#[test]
fn unknown_environment_key_is_an_error() {
    let (status, out) = common::run_to_exit(&[], &[("AIONDB_SERVER_PROT", "1")]);
    assert_eq!(status.code(), Some(2), "{out}");
    assert!(out.contains("AIONDB_SERVER_PROT"), "{out}");
}

#[test]
fn unreadable_tls_certificate_is_refused_not_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write_config(
        dir.path(),
        "[tls]\ncert = \"/nonexistent/a.pem\"\nkey = \"/nonexistent/a.key\"\n",
    );
    let (status, out) = common::run_to_exit(&["--config", &cfg], &[]);
    assert_eq!(status.code(), Some(2), "{out}");
    assert!(out.contains("TLS certificate"), "{out}");
}

#[test]
fn missing_config_file_is_an_error() {
    let (status, out) = common::run_to_exit(&["--config", "/nonexistent/aiondb.toml"], &[]);
    assert_eq!(status.code(), Some(2), "{out}");
    assert!(out.contains("/nonexistent/aiondb.toml"), "{out}");
}

#[test]
fn shipped_config_is_accepted_by_the_binary() {
    // --help exits 0 without touching the data dir; the shipped config is
    // checked by a unit test, here we check the flags exist.
    let (status, out) = common::run_to_exit(&["--help"], &[]);
    assert!(status.success(), "{out}");
    for flag in [
        "--config",
        "--data-dir",
        "--port",
        "--listen-addr",
        "--metrics-port",
    ] {
        assert!(out.contains(flag), "{flag} missing from --help:\n{out}");
    }
}
