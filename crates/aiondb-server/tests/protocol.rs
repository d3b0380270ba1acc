//! Wire-protocol behaviour checked byte by byte against the real binary.

mod common;

use common::Server;
use common::raw::{self, Raw, tags};

const PG: &[(&str, &str)] = &[("user", "postgres"), ("database", "postgres")];

fn server() -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Server::start(&dir.path().join("data"));
    (s, dir)
}

#[test]
fn ssl_and_gss_requests_are_refused_then_startup_works() {
    let (s, _d) = server();
    let mut c = Raw::connect(s.port);
    c.send(&raw::special_packet(80_877_104, &[]));
    assert_eq!(c.read_byte(), b'N');
    c.send(&raw::special_packet(80_877_103, &[]));
    assert_eq!(c.read_byte(), b'N');
    c.send(&raw::startup_packet(PG));
    let msgs = c.until_ready();
    assert_eq!(msgs.first().map(|m| m.tag), Some(b'R'), "{}", tags(&msgs));
    assert_eq!(msgs.last().map(|m| m.body.clone()), Some(b"I".to_vec()));
    let params: Vec<Vec<String>> = msgs
        .iter()
        .filter(|m| m.tag == b'S')
        .map(|m| m.cstrings())
        .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|p| p[0] == name)
            .map(|p| p[1].clone())
            .unwrap_or_else(|| panic!("no ParameterStatus {name}: {params:?}"))
    };
    assert!(get("server_version").starts_with("15."));
    assert_eq!(get("integer_datetimes"), "on");
    assert_eq!(get("server_encoding"), "UTF8");
    assert_eq!(get("client_encoding"), "UTF8");
    assert!(get("DateStyle").starts_with("ISO"));
    assert_eq!(get("IntervalStyle"), "postgres");
    assert_eq!(get("standard_conforming_strings"), "on");
    assert!(msgs.iter().any(|m| m.tag == b'K'), "BackendKeyData");
}

#[test]
fn startup_errors_are_fatal_with_sqlstate() {
    let (s, _d) = server();
    let (_c, msgs) = Raw::startup(s.port, &[("database", "postgres")]);
    assert_eq!(msgs[0].tag, b'E');
    assert_eq!(msgs[0].sqlstate(), "28000");
    assert_eq!(msgs[0].field(b'S').as_deref(), Some("FATAL"));

    let (_c, msgs) = Raw::startup(s.port, &[("user", "postgres"), ("replication", "true")]);
    assert_eq!(msgs[0].sqlstate(), "0A000", "{msgs:?}");

    let (_c, msgs) = Raw::startup(s.port, &[("user", "postgres"), ("database", "nosuchdb")]);
    assert_eq!(msgs[0].sqlstate(), "3D000", "{msgs:?}");

    let (_c, msgs) = Raw::startup(s.port, &[("user", "nosuchrole"), ("database", "postgres")]);
    assert_eq!(msgs[0].sqlstate(), "28000", "{msgs:?}");

    // The server is still fine.
    let (_c, msgs) = Raw::startup(s.port, PG);
    assert_eq!(msgs.last().map(|m| m.tag), Some(b'Z'));
}

#[test]
fn simple_query_with_several_statements() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::query("SELECT 1; SELECT 2"));
    let msgs = c.until_ready();
    assert_eq!(tags(&msgs), "T D C T D C Z");
    assert_eq!(msgs[1].data_row(), vec![Some(b"1".to_vec())]);
    assert_eq!(msgs[2].cstrings()[0], "SELECT 1");
    c.send(&raw::query(""));
    assert_eq!(tags(&c.until_ready()), "I Z");
}

#[test]
fn error_in_simple_query_keeps_connection_usable() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::query("SELEC 1"));
    let msgs = c.until_ready();
    assert_eq!(tags(&msgs), "E Z");
    assert_eq!(msgs[0].sqlstate(), "42601");
    assert!(msgs[0].field(b'M').is_some());
    c.send(&raw::query("SELECT 1"));
    assert_eq!(tags(&c.until_ready()), "T D C Z");
}

#[test]
fn transaction_status_in_ready_for_query() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::query("BEGIN"));
    assert_eq!(
        c.until_ready().last().map(|m| m.body.clone()),
        Some(b"T".to_vec())
    );
    c.send(&raw::query("SELEC 1"));
    assert_eq!(
        c.until_ready().last().map(|m| m.body.clone()),
        Some(b"E".to_vec())
    );
    c.send(&raw::query("SELECT 1"));
    let msgs = c.until_ready();
    assert_eq!(msgs[0].sqlstate(), "25P02");
    c.send(&raw::query("ROLLBACK"));
    assert_eq!(
        c.until_ready().last().map(|m| m.body.clone()),
        Some(b"I".to_vec())
    );
}

#[test]
fn set_of_reported_setting_sends_parameter_status() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::query("SET application_name = 'wiretest'"));
    let msgs = c.until_ready();
    assert_eq!(tags(&msgs), "C S Z");
    assert_eq!(msgs[1].cstrings()[..2], ["application_name", "wiretest"]);
}

#[test]
fn extended_pipeline_with_max_rows_and_portal_suspended() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    let mut batch = Vec::new();
    batch.extend(raw::parse(
        "s1",
        "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3",
        &[],
    ));
    batch.extend(raw::describe(b'S', "s1"));
    batch.extend(raw::bind("p1", "s1", &[], &[]));
    batch.extend(raw::describe(b'P', "p1"));
    batch.extend(raw::execute("p1", 2));
    batch.extend(raw::execute("p1", 2));
    batch.extend(raw::close(b'P', "p1"));
    batch.extend(raw::sync());
    c.send(&batch);
    let msgs = c.until_ready();
    assert_eq!(tags(&msgs), "1 t T 2 T D D s D C 3 Z");
    assert_eq!(msgs[9].cstrings()[0], "SELECT 1");
}

#[test]
fn extended_parameters_inferred_and_text() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    let mut batch = Vec::new();
    batch.extend(raw::parse("", "SELECT $1::int4 + 1", &[0]));
    batch.extend(raw::bind("", "", &[Some("41")], &[]));
    batch.extend(raw::execute("", 0));
    batch.extend(raw::sync());
    c.send(&batch);
    let msgs = c.until_ready();
    assert_eq!(tags(&msgs), "1 2 D C Z");
    assert_eq!(msgs[2].data_row(), vec![Some(b"42".to_vec())]);
}

#[test]
fn extended_error_discards_until_sync() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    let mut batch = Vec::new();
    batch.extend(raw::parse("", "SELEC 1", &[]));
    batch.extend(raw::bind("", "", &[], &[]));
    batch.extend(raw::execute("", 0));
    batch.extend(raw::sync());
    batch.extend(raw::parse("", "SELECT 7", &[]));
    batch.extend(raw::bind("", "", &[], &[]));
    batch.extend(raw::execute("", 0));
    batch.extend(raw::sync());
    c.send(&batch);
    let first = c.until_ready();
    assert_eq!(tags(&first), "E Z");
    assert_eq!(first[0].sqlstate(), "42601");
    let second = c.until_ready();
    assert_eq!(tags(&second), "1 2 D C Z");
    // Unknown statement and portal names.
    let mut batch = raw::bind("", "nosuch", &[], &[]);
    batch.extend(raw::sync());
    batch.extend(raw::execute("nosuch", 0));
    batch.extend(raw::sync());
    c.send(&batch);
    let msgs = c.until_ready();
    assert_eq!(msgs[0].sqlstate(), "26000");
    let msgs = c.until_ready();
    assert_eq!(msgs[0].sqlstate(), "34000");
}

#[test]
fn bind_with_wrong_parameter_count_is_an_error() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    let mut batch = raw::parse("", "SELECT $1::int4", &[23]);
    batch.extend(raw::bind("", "", &[], &[]));
    batch.extend(raw::sync());
    c.send(&batch);
    let msgs = c.until_ready();
    assert_eq!(tags(&msgs), "1 E Z");
    assert_eq!(msgs[1].sqlstate(), "08P01");
}

#[test]
fn garbage_message_is_a_protocol_violation_and_server_survives() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::msg(b'!', b"xyz"));
    let m = c.recv().expect("error");
    assert_eq!(m.tag, b'E');
    assert_eq!(m.sqlstate(), "08P01");
    let mut c2 = Raw::connect(s.port);
    c2.send(&[0, 0, 0, 3]);
    let m = c2.recv().expect("error");
    assert_eq!(m.sqlstate(), "08P01");
    let (mut c3, _) = Raw::startup(s.port, PG);
    c3.send(&raw::query("SELECT 1"));
    assert_eq!(tags(&c3.until_ready()), "T D C Z");
}

#[test]
fn cancel_request_with_unknown_key_is_ignored() {
    let (s, _d) = server();
    let mut c = Raw::connect(s.port);
    c.send(&raw::special_packet(80_877_102, &[12345, 678]));
    assert!(
        c.recv().is_none(),
        "cancel connection is closed without reply"
    );
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::query("SELECT 1"));
    assert_eq!(tags(&c.until_ready()), "T D C Z");
}

#[test]
fn terminate_closes_cleanly() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::msg(b'X', &[]));
    assert!(c.recv().is_none());
}

#[test]
fn copy_from_stdin_in_simple_protocol_and_copy_fail() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::query("CREATE TABLE cp (a int, b text)"));
    assert_eq!(tags(&c.until_ready()), "C Z");
    c.send(&raw::query("COPY cp FROM STDIN"));
    let m = c.recv().expect("CopyInResponse");
    assert_eq!(m.tag, b'G');
    let mut batch = raw::copy_data(b"1\ta\n");
    batch.extend(raw::copy_data(b"2\tb\n"));
    batch.extend(raw::copy_done());
    c.send(&batch);
    let msgs = c.until_ready();
    assert_eq!(tags(&msgs), "C Z");
    assert_eq!(msgs[0].cstrings()[0], "COPY 2");
    // CopyFail aborts the COPY with 57014; the connection stays usable.
    c.send(&raw::query("COPY cp FROM STDIN"));
    assert_eq!(c.recv().map(|m| m.tag), Some(b'G'));
    let mut batch = raw::copy_data(b"3\tc\n");
    batch.extend(raw::copy_fail("client changed its mind"));
    c.send(&batch);
    let msgs = c.until_ready();
    assert_eq!(tags(&msgs), "E Z");
    assert_eq!(msgs[0].sqlstate(), "57014");
    c.send(&raw::query("SELECT count(*) FROM cp"));
    let msgs = c.until_ready();
    assert_eq!(msgs[1].data_row(), vec![Some(b"2".to_vec())]);
    // Bad data is an error with SQLSTATE, not a dropped connection.
    c.send(&raw::query("COPY cp FROM STDIN"));
    assert_eq!(c.recv().map(|m| m.tag), Some(b'G'));
    let mut batch = raw::copy_data(b"notanumber\tx\n");
    batch.extend(raw::copy_done());
    c.send(&batch);
    let msgs = c.until_ready();
    assert_eq!(msgs[0].tag, b'E', "{}", tags(&msgs));
    assert_eq!(msgs[0].sqlstate(), "22P02");
    c.send(&raw::query("SELECT 1"));
    assert_eq!(tags(&c.until_ready()), "T D C Z");
}

#[test]
fn copy_to_stdout_in_simple_protocol() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::query(
        "CREATE TABLE co (a int); INSERT INTO co VALUES (1), (2); COPY co TO STDOUT",
    ));
    let msgs = c.until_ready();
    assert_eq!(tags(&msgs), "C C H d d c C Z");
    assert_eq!(msgs[3].body, b"1\n");
}

#[test]
fn notices_are_sent_as_notice_response() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::query("DROP TABLE IF EXISTS nonexistent_table"));
    let msgs = c.until_ready();
    assert_eq!(tags(&msgs), "N C Z");
    assert_eq!(msgs[0].field(b'S').as_deref(), Some("NOTICE"));
    assert_eq!(msgs[0].sqlstate(), "00000");
}

#[test]
fn describe_portal_reports_binary_formats_and_flush_answers() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    let mut batch = raw::parse("", "SELECT 1::int4 AS a, 'x'::text AS b", &[]);
    batch.extend(raw::bind("", "", &[], &[1, 0]));
    batch.extend(raw::describe(b'P', ""));
    batch.extend(raw::execute("", 0));
    batch.extend(raw::flush());
    c.send(&batch);
    let mut msgs = Vec::new();
    for _ in 0..5 {
        msgs.push(c.recv().expect("answer before Sync, thanks to Flush"));
    }
    assert_eq!(tags(&msgs), "1 2 T D C");
    // RowDescription: 2 fields; the first is int4 (OID 23), binary.
    let t = &msgs[2].body;
    assert_eq!(i16::from_be_bytes([t[0], t[1]]), 2);
    let name_end = 2 + t[2..].iter().position(|b| *b == 0).expect("name") + 1;
    let f = &t[name_end..name_end + 18];
    assert_eq!(u32::from_be_bytes([f[6], f[7], f[8], f[9]]), 23);
    assert_eq!(i16::from_be_bytes([f[10], f[11]]), 4);
    assert_eq!(i16::from_be_bytes([f[16], f[17]]), 1);
    assert_eq!(msgs[3].data_row()[0], Some(1i32.to_be_bytes().to_vec()));
    c.send(&raw::sync());
    assert_eq!(tags(&c.until_ready()), "Z");
}

#[test]
fn startup_options_and_settings_apply_to_the_session() {
    let (s, _d) = server();
    let (mut c, msgs) = Raw::startup(
        s.port,
        &[
            ("user", "postgres"),
            ("database", "postgres"),
            ("application_name", "rawtest"),
            ("options", "-c statement_timeout=5s -c extra_float_digits=2"),
        ],
    );
    assert_eq!(msgs.last().map(|m| m.tag), Some(b'Z'), "{msgs:?}");
    let app = msgs
        .iter()
        .filter(|m| m.tag == b'S')
        .map(|m| m.cstrings())
        .find(|p| p[0] == "application_name");
    assert_eq!(app.map(|p| p[1].clone()).as_deref(), Some("rawtest"));
    c.send(&raw::query("SHOW statement_timeout"));
    let msgs = c.until_ready();
    assert_eq!(msgs[1].data_row(), vec![Some(b"5s".to_vec())]);
    c.send(&raw::query("SHOW extra_float_digits"));
    let msgs = c.until_ready();
    assert_eq!(msgs[1].data_row(), vec![Some(b"2".to_vec())]);
}

#[test]
fn truncated_and_padded_messages_are_protocol_violations() {
    let (s, _d) = server();
    // Bind whose body stops after the statement name.
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::msg(b'B', b"\0\0"));
    let m = c.recv().expect("error");
    assert_eq!((m.tag, m.sqlstate()), (b'E', "08P01".to_string()));
    // Query with bytes after its terminator.
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::msg(b'Q', b"SELECT 1\0junk"));
    let m = c.recv().expect("error");
    assert_eq!((m.tag, m.sqlstate()), (b'E', "08P01".to_string()));
    // A length below 4.
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&[b'Q', 0, 0, 0, 2]);
    let m = c.recv().expect("error");
    assert_eq!((m.tag, m.sqlstate()), (b'E', "08P01".to_string()));
    // Password message outside authentication.
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::msg(b'p', b"x\0"));
    let m = c.recv().expect("error");
    assert_eq!(m.sqlstate(), "08P01");
    // The server is fine.
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::query("SELECT 1"));
    assert_eq!(tags(&c.until_ready()), "T D C Z");
}

/// Counts rows of `t` over a fresh simple query.
fn count_rows(c: &mut Raw) -> String {
    c.send(&raw::query("SELECT count(*) FROM t"));
    let msgs = c.until_ready();
    let row = msgs
        .iter()
        .find(|m| m.tag == b'D')
        .map(|m| m.data_row())
        .unwrap_or_default();
    row.first()
        .cloned()
        .flatten()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .unwrap_or_default()
}

#[test]
fn one_message_is_one_implicit_transaction() {
    let (s, _d) = server();
    let (mut c, _) = Raw::startup(s.port, PG);
    c.send(&raw::query("CREATE TABLE t (n int)"));
    c.until_ready();
    // Simple query: an error rolls back the statements before it.
    c.send(&raw::query("INSERT INTO t VALUES (1); SELECT 1/0"));
    let msgs = c.until_ready();
    assert_eq!(msgs[msgs.len() - 2].sqlstate(), "22012");
    assert_eq!(count_rows(&mut c), "0");
    // ... unless a COMMIT ended the implicit transaction first.
    c.send(&raw::query("INSERT INTO t VALUES (1); COMMIT; SELECT 1/0"));
    c.until_ready();
    assert_eq!(count_rows(&mut c), "1");
    // Extended protocol: the Executes up to Sync share one transaction.
    let mut batch = raw::parse("ins", "INSERT INTO t VALUES ($1)", &[23]);
    batch.extend(raw::bind("", "ins", &[Some("2")], &[]));
    batch.extend(raw::execute("", 0));
    batch.extend(raw::parse("", "SELECT 1/0", &[]));
    batch.extend(raw::bind("", "", &[], &[]));
    batch.extend(raw::execute("", 0));
    batch.extend(raw::sync());
    c.send(&batch);
    let msgs = c.until_ready();
    // (Parse folds no constants, as PostgreSQL's does not: the division
    // fails at Execute here; PostgreSQL plans, and fails, at Bind.)
    assert_eq!(tags(&msgs), "1 2 C 1 2 E Z", "{msgs:?}");
    assert_eq!(count_rows(&mut c), "1");
    // Without the error, both inserts commit at Sync.
    let mut batch = raw::bind("", "ins", &[Some("3")], &[]);
    batch.extend(raw::execute("", 0));
    batch.extend(raw::bind("", "ins", &[Some("4")], &[]));
    batch.extend(raw::execute("", 0));
    batch.extend(raw::sync());
    c.send(&batch);
    let msgs = c.until_ready();
    assert_eq!(tags(&msgs), "2 C 2 C Z", "{msgs:?}");
    assert_eq!(count_rows(&mut c), "3");
}
