//! Cross-module tests through the public API: golden tables of input →
//! PostgreSQL 15 output (captured from a real server with psql), binary
//! round trips for every type, the cast matrix, and property tests.

use super::*;
use aiondb_core::{Interval, Numeric};
use proptest::prelude::*;

fn ty(name: &str) -> DataType {
    parse_type_name(name).unwrap_or_else(|| panic!("type {name}"))
}

fn opts() -> FormatOptions {
    FormatOptions::default()
}

fn show(input: &str, type_name: &str) -> String {
    let t = ty(type_name);
    let v =
        parse_text(input, &t, &opts()).unwrap_or_else(|e| panic!("{type_name} {input:?}: {e:?}"));
    format_text(&v, &t, &opts()).unwrap_or_else(|e| panic!("{type_name} {input:?}: {e:?}"))
}

/// `select 'input'::type` as psql prints it (PostgreSQL 15).
#[test]
fn golden_text_io() {
    let cases = [
        ("bool", " TRUE ", "t"),
        ("bool", "off", "f"),
        ("int2", "+5", "5"),
        ("int4", " 12 ", "12"),
        ("int8", "-9223372036854775808", "-9223372036854775808"),
        ("oid", "4294967295", "4294967295"),
        ("float8", "1e15", "1e+15"),
        ("float8", "0.00001", "1e-05"),
        ("float8", "123456789012345", "123456789012345"),
        ("float8", "-0", "-0"),
        ("float8", "inf", "Infinity"),
        ("float4", "1.5e-7", "1.5e-07"),
        ("float4", "1234567", "1.234567e+06"),
        ("float4", "-infinity", "-Infinity"),
        ("numeric", "1.50", "1.50"),
        ("numeric", "1e3", "1000"),
        ("numeric(5,2)", "123.456", "123.46"),
        ("numeric(5,0)", "-0.5", "-1"),
        ("text", "hello", "hello"),
        ("varchar(2)", "ab   ", "ab"),
        ("char(5)", "abc", "abc  "),
        ("bpchar", "abc  ", "abc  "),
        ("bytea", "\\x0102", "\\x0102"),
        ("bytea", "a\\\\b", "\\x615c62"),
        ("date", "Jan 31 2024", "2024-01-31"),
        ("date", "2024-01-31 BC", "2024-01-31 BC"),
        ("time", "13:45:00.500", "13:45:00.5"),
        (
            "timestamp",
            "2024-01-31T13:45:00.123",
            "2024-01-31 13:45:00.123",
        ),
        ("timestamp", "-infinity", "-infinity"),
        (
            "timestamptz",
            "2024-01-31 13:45:00+02",
            "2024-01-31 11:45:00+00",
        ),
        (
            "interval",
            "1 year 2 months 3 days 04:05:06",
            "1 year 2 mons 3 days 04:05:06",
        ),
        ("interval", "-1 day +02:03:04", "-1 days +02:03:04"),
        (
            "uuid",
            "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        ),
        ("json", "{\"b\" : 1}", "{\"b\" : 1}"),
        (
            "jsonb",
            "{\"b\":1,\"a\":[1,2]}",
            "{\"a\": [1, 2], \"b\": 1}",
        ),
        ("int4[]", "{1, 2,3}", "{1,2,3}"),
        (
            "text[]",
            "{\"a b\",NULL,\"x\\\"y\"}",
            "{\"a b\",NULL,\"x\\\"y\"}",
        ),
        ("text[]", "{a b , c }", "{\"a b\",c}"),
        ("text[]", "{a\\,b}", "{\"a,b\"}"),
        ("text[]", "{null,NULL,\"null\"}", "{NULL,NULL,\"null\"}"),
        ("int4[]", "{ }", "{}"),
        ("float8[]", "{1.5,1e20}", "{1.5,1e+20}"),
        ("date[]", "{2024-01-01}", "{2024-01-01}"),
        ("text[]", "{\" \",\"{\"}", "{\" \",\"{\"}"),
    ];
    for (t, input, want) in cases {
        assert_eq!(show(input, t), want, "{t} {input:?}");
    }
}

/// Errors as PostgreSQL 15 reports them: (type, input, SQLSTATE, message).
#[test]
fn golden_input_errors() {
    let cases = [
        (
            "int4",
            "abc",
            "22P02",
            "invalid input syntax for type integer: \"abc\"",
        ),
        (
            "int4",
            "99999999999",
            "22003",
            "value \"99999999999\" is out of range for type integer",
        ),
        (
            "bool",
            "x",
            "22P02",
            "invalid input syntax for type boolean: \"x\"",
        ),
        (
            "float8",
            "1e400",
            "22003",
            "\"1e400\" is out of range for type double precision",
        ),
        ("numeric(5,2)", "1234.5", "22003", "numeric field overflow"),
        (
            "varchar(3)",
            "abcd",
            "22001",
            "value too long for type character varying(3)",
        ),
        (
            "char(3)",
            "abcd",
            "22001",
            "value too long for type character(3)",
        ),
        (
            "date",
            "2021-02-30",
            "22008",
            "date/time field value out of range: \"2021-02-30\"",
        ),
        (
            "timestamp",
            "garbage",
            "22007",
            "invalid input syntax for type timestamp: \"garbage\"",
        ),
        (
            "timestamptz",
            "x",
            "22007",
            "invalid input syntax for type timestamp with time zone: \"x\"",
        ),
        (
            "interval",
            "1 fortnight",
            "22007",
            "invalid input syntax for type interval: \"1 fortnight\"",
        ),
        (
            "uuid",
            "x",
            "22P02",
            "invalid input syntax for type uuid: \"x\"",
        ),
        ("json", "{x}", "22P02", "invalid input syntax for type json"),
        ("int4[]", "1,2", "22P02", "malformed array literal: \"1,2\""),
        (
            "int4[]",
            "{1,x}",
            "22P02",
            "invalid input syntax for type integer: \"x\"",
        ),
    ];
    for (t, input, code, msg) in cases {
        let e = parse_text(input, &ty(t), &opts()).unwrap_err();
        assert_eq!(
            (e.code.code(), e.message.as_str()),
            (code, msg),
            "{t} {input:?}"
        );
    }
}

/// Every type survives text → binary → value → text unchanged.
#[test]
fn binary_round_trip_every_type() {
    let cases = [
        ("bool", "t"),
        ("bool", "f"),
        ("int2", "-32768"),
        ("int4", "2147483647"),
        ("int8", "-9223372036854775808"),
        ("oid", "4294967295"),
        ("float4", "1.5e-07"),
        ("float4", "NaN"),
        ("float8", "-1.7976931348623157e+308"),
        ("float8", "-0"),
        ("numeric", "12345.678"),
        ("numeric", "-0.0000001"),
        ("numeric", "NaN"),
        ("numeric", "-Infinity"),
        ("numeric(10,2)", "3.10"),
        ("text", "héllo wörld"),
        ("varchar(5)", "abc"),
        ("char(4)", "ab  "),
        ("bytea", "\\x00ff10"),
        ("date", "2024-01-31"),
        ("date", "infinity"),
        ("date", "4713-11-24 BC"),
        ("time", "23:59:59.999999"),
        ("time", "24:00:00"),
        ("timestamp", "2024-01-31 13:45:00.123456"),
        ("timestamp", "-infinity"),
        ("timestamptz", "1999-12-31 23:59:59+00"),
        ("interval", "-1 years -2 mons +3 days -04:05:06.5"),
        ("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        ("json", "{\"k\" : [1, 2]}"),
        ("jsonb", "{\"a\": 1, \"bb\": null}"),
        ("int4[]", "{1,NULL,3}"),
        ("int4[]", "{}"),
        ("text[]", "{\"a b\",NULL,\"\"}"),
        ("numeric[]", "{1.5,NaN}"),
        ("timestamptz[]", "{\"2024-01-31 13:45:00+00\"}"),
        ("uuid[]", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}"),
    ];
    for (t, text) in cases {
        let t = ty(t);
        let v = parse_text(text, &t, &opts()).expect(text);
        let bytes = encode_binary(&v, &t).expect(text);
        let back = decode_binary(&bytes, &t).expect(text);
        assert_eq!(format_text(&back, &t, &opts()).as_deref(), Ok(text), "{t}");
        if t.type_len() > 0 {
            assert_eq!(bytes.len(), t.type_len() as usize, "{t}");
        }
    }
}

/// Byte layouts drivers depend on.
#[test]
fn binary_layouts() {
    let enc = |t: &str, s: &str| {
        encode_binary(&parse_text(s, &ty(t), &opts()).expect(s), &ty(t)).expect(s)
    };
    assert_eq!(enc("bool", "t"), [1]);
    assert_eq!(enc("int2", "-2"), [0xff, 0xfe]);
    assert_eq!(enc("int4", "1"), [0, 0, 0, 1]);
    assert_eq!(enc("float8", "1"), 1.0f64.to_be_bytes());
    assert_eq!(enc("date", "2000-01-02"), [0, 0, 0, 1]);
    assert_eq!(enc("date", "1999-12-31"), [0xff, 0xff, 0xff, 0xff]);
    assert_eq!(
        enc("timestamp", "2000-01-01 00:00:01"),
        1_000_000i64.to_be_bytes()
    );
    assert_eq!(enc("time", "00:00:00.000001"), 1i64.to_be_bytes());
    assert_eq!(
        enc("interval", "1 mon 2 days 00:00:03"),
        [0, 0, 0, 0, 0, 0x2d, 0xc6, 0xc0, 0, 0, 0, 2, 0, 0, 0, 1]
    );
    assert_eq!(enc("jsonb", "{}"), [1, b'{', b'}']);
    assert_eq!(enc("json", "[1]"), b"[1]");
    assert_eq!(enc("text", "ab"), b"ab");
    assert_eq!(
        enc("int4[]", "{7,NULL}"),
        [
            0, 0, 0, 1, // ndim
            0, 0, 0, 1, // has nulls
            0, 0, 0, 23, // element oid
            0, 0, 0, 2, 0, 0, 0, 1, // size 2, lower bound 1
            0, 0, 0, 4, 0, 0, 0, 7, // 7
            0xff, 0xff, 0xff, 0xff, // NULL
        ]
    );
    assert_eq!(enc("int4[]", "{}"), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23]);
    // Golden bytes from PostgreSQL 15's *_send functions.
    let hex = |v: Vec<u8>| v.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(
        hex(enc("text[]", "{a,b}")),
        "000000010000000000000019000000020000000100000001610000000162"
    );
    assert_eq!(
        hex(enc("numeric[]", "{1.5}")),
        "0000000100000000000006a400000001000000010000000c000200000000000100011388"
    );
    assert_eq!(
        hex(enc("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
        "a0eebc999c0b4ef8bb6d6bb9bd380a11"
    );
}

#[test]
fn binary_rejects_bad_input() {
    let bad = |t: &str, b: &[u8]| decode_binary(b, &ty(t)).unwrap_err().code.code();
    assert_eq!(bad("int4", &[0, 0, 1]), "08P01");
    assert_eq!(bad("int4", &[0, 0, 0, 1, 2]), "22P03");
    assert_eq!(bad("text", &[0xff, 0xfe]), "22021");
    assert_eq!(bad("jsonb", &[2, b'1']), "22P03");
    assert_eq!(bad("json", b"{x"), "22P02");
    assert_eq!(bad("time", &(86_400_000_001i64).to_be_bytes()), "22008");
    assert_eq!(bad("varchar(1)", b"ab"), "22001");
    assert_eq!(
        bad(
            "int4[]",
            &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 1, 0, 0, 0, 1]
        ),
        "42804"
    );
    // A huge element count with no data must not allocate or panic.
    assert_eq!(
        bad(
            "int4[]",
            &[
                0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1
            ]
        ),
        "08P01"
    );
    assert_eq!(bad("numeric", &[0, 5, 0, 0, 0, 0, 0, 0]), "08P01");
    assert_eq!(
        decode_binary(b"ab", &ty("char(4)")).map(|v| format_text(&v, &ty("char(4)"), &opts())),
        Ok(Ok("ab  ".into()))
    );
}

fn cast_show(input: &str, from: &str, to: &str) -> DbResult<String> {
    let (f, t) = (ty(from), ty(to));
    let v = parse_text(input, &f, &opts())?;
    let out = cast(v, &f, &t, &opts())?;
    if out.is_null() {
        return Ok("NULL".into());
    }
    format_text(&out, &t, &opts())
}

/// `select 'input'::from::to` on PostgreSQL 15.
#[test]
fn golden_casts() {
    let ok = [
        ("2.5", "numeric", "int4", "3"),
        ("-2.5", "numeric", "int4", "-3"),
        ("2.5", "float8", "int4", "2"),
        ("3.5", "float8", "int4", "4"),
        ("2.5", "float4", "int2", "2"),
        ("1.5", "float8", "numeric", "1.5"),
        ("0.1", "float4", "numeric", "0.1"),
        (
            "0.3333333333333333",
            "float8",
            "numeric",
            "0.333333333333333",
        ),
        ("1e20", "float8", "numeric", "100000000000000000000"),
        ("1e-20", "float8", "numeric", "0.00000000000000000001"),
        ("123456789.123", "float4", "numeric", "123457000"),
        ("NaN", "float8", "numeric", "NaN"),
        ("0.1", "float4", "float8", "0.10000000149011612"),
        ("NaN", "numeric", "float8", "NaN"),
        ("12.345", "numeric", "numeric(4,1)", "12.3"),
        ("7", "int4", "float8", "7"),
        ("7", "int8", "numeric(5,2)", "7.00"),
        ("5", "int4", "bool", "t"),
        ("0", "int4", "bool", "f"),
        ("t", "bool", "int4", "1"),
        ("4294967295", "int8", "oid", "4294967295"),
        ("-1", "int4", "oid", "4294967295"),
        ("4294967295", "oid", "int4", "-1"),
        ("abcdef", "text", "varchar(3)", "abc"),
        ("abcdef", "text", "char(2)", "ab"),
        ("a", "text", "char(3)", "a  "),
        ("abc  ", "char(5)", "text", "abc"),
        ("abc", "char(5)", "varchar(10)", "abc"),
        ("1.50", "numeric", "text", "1.50"),
        ("1e15", "float8", "text", "1e+15"),
        ("t", "bool", "text", "true"),
        ("42", "text", "int4", "42"),
        ("2024-01-31", "text", "date", "2024-01-31"),
        ("infinity", "timestamp", "date", "infinity"),
        ("infinity", "timestamp", "time", "NULL"),
        ("2024-01-31 13:45", "timestamptz", "date", "2024-01-31"),
        ("2024-01-31 13:45:10", "timestamp", "time", "13:45:10"),
        (
            "2024-01-31",
            "date",
            "timestamptz",
            "2024-01-31 00:00:00+00",
        ),
        ("2024-01-31", "date", "timestamp", "2024-01-31 00:00:00"),
        (
            "2024-01-31 13:45",
            "timestamp",
            "timestamptz",
            "2024-01-31 13:45:00+00",
        ),
        (
            "2024-01-31 13:45+03",
            "timestamptz",
            "timestamp",
            "2024-01-31 10:45:00",
        ),
        ("36:00", "interval", "time", "12:00:00"),
        ("13:45", "time", "interval", "13:45:00"),
        ("{\"b\":1,\"a\":1}", "json", "jsonb", "{\"a\": 1, \"b\": 1}"),
        ("{\"a\": 1}", "jsonb", "json", "{\"a\": 1}"),
        ("{\"a\": 1}", "jsonb", "text", "{\"a\": 1}"),
        ("1.50", "jsonb", "numeric", "1.50"),
        ("2.5", "jsonb", "int4", "3"),
        ("true", "jsonb", "bool", "t"),
        ("{1.5,2.5}", "numeric[]", "int4[]", "{2,3}"),
        ("{1,2}", "int4[]", "text", "{1,2}"),
        ("{1,2}", "text", "int8[]", "{1,2}"),
        (
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "uuid",
            "text",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        ),
        ("\\x41", "bytea", "text", "\\x41"),
    ];
    for (input, from, to, want) in ok {
        assert_eq!(
            cast_show(input, from, to).as_deref(),
            Ok(want),
            "{input}::{from}::{to}"
        );
    }
    let err = [
        ("70000", "int4", "int2", "22003", "smallint out of range"),
        ("1e10", "numeric", "int4", "22003", "integer out of range"),
        ("1e30", "numeric", "int8", "22003", "bigint out of range"),
        (
            "32767.5",
            "float8",
            "int2",
            "22003",
            "smallint out of range",
        ),
        (
            "32767.5",
            "numeric",
            "int2",
            "22003",
            "smallint out of range",
        ),
        ("NaN", "float8", "int4", "22003", "integer out of range"),
        (
            "NaN",
            "numeric",
            "int4",
            "0A000",
            "cannot convert NaN to integer",
        ),
        (
            "inf",
            "numeric",
            "int8",
            "0A000",
            "cannot convert infinity to bigint",
        ),
        (
            "1e300",
            "float8",
            "float4",
            "22003",
            "value out of range: overflow",
        ),
        (
            "1e-300",
            "float8",
            "float4",
            "22003",
            "value out of range: underflow",
        ),
        (
            "1e39",
            "numeric",
            "float4",
            "22003",
            "\"1000000000000000000000000000000000000000\" is out of range for type real",
        ),
        (
            "1234.5",
            "numeric",
            "numeric(5,2)",
            "22003",
            "numeric field overflow",
        ),
        ("4294967296", "int8", "oid", "22003", "OID out of range"),
        (
            "1",
            "int8",
            "bool",
            "42846",
            "cannot cast type bigint to boolean",
        ),
        (
            "1",
            "int4",
            "date",
            "42846",
            "cannot cast type integer to date",
        ),
        (
            "2024-01-01",
            "date",
            "time",
            "42846",
            "cannot cast type date to time without time zone",
        ),
        (
            "\"x\"",
            "jsonb",
            "int4",
            "22023",
            "cannot cast jsonb string to type integer",
        ),
        (
            "abc",
            "text",
            "int4",
            "22P02",
            "invalid input syntax for type integer: \"abc\"",
        ),
    ];
    for (input, from, to, code, msg) in err {
        let e = cast_show(input, from, to).unwrap_err();
        assert_eq!(
            (e.code.code(), e.message.as_str()),
            (code, msg),
            "{input}::{from}::{to}"
        );
    }
    assert_eq!(
        cast(Value::Null, &DataType::Int4, &DataType::Date, &opts()),
        Ok(Value::Null)
    );
}

#[test]
fn session_settings_change_output() {
    let efd0 = FormatOptions {
        extra_float_digits: 0,
        ..opts()
    };
    assert_eq!(
        format_text(&Value::Float8(1.0 / 3.0), &DataType::Float8, &efd0).as_deref(),
        Ok("0.333333333333333")
    );
    let esc = FormatOptions {
        bytea_hex: false,
        ..opts()
    };
    assert_eq!(
        format_text(
            &Value::Bytea(vec![0, 1, b'\\', b'A', 0xff]),
            &DataType::Bytea,
            &esc
        )
        .as_deref(),
        Ok("\\000\\001\\\\A\\377")
    );
    let tz = FormatOptions {
        timezone: TimeZoneSetting::parse_guc("-03").expect("zone"),
        ..opts()
    };
    // SET timezone = '-03' (a number: ISO sign), checked against PostgreSQL 15.
    assert_eq!(tz.timezone, TimeZoneSetting::Fixed(-3 * 3600));
    let v = parse_text("2024-01-31 13:45:00", &DataType::Timestamptz, &tz).expect("ts");
    assert_eq!(
        format_text(&v, &DataType::Timestamptz, &tz).as_deref(),
        Ok("2024-01-31 13:45:00-03")
    );
    assert_eq!(
        format_text(&v, &DataType::Timestamptz, &opts()).as_deref(),
        Ok("2024-01-31 16:45:00+00")
    );
    // SET timezone = '+05:30' (POSIX: west).
    assert_eq!(
        TimeZoneSetting::parse_guc("+05:30"),
        Some(TimeZoneSetting::Fixed(-19800))
    );
    assert_eq!(
        TimeZoneSetting::parse_guc("UTC"),
        Some(TimeZoneSetting::Utc)
    );
    assert_eq!(TimeZoneSetting::parse_guc("Mars/Olympus"), None);
    assert!(format_text(&Value::Null, &DataType::Int4, &opts()).is_err());
    assert_eq!(
        format_text(&Value::Int8(1), &DataType::Int4, &opts())
            .unwrap_err()
            .code
            .code(),
        "42804"
    );
}

fn arb_interval() -> impl Strategy<Value = Interval> {
    (any::<i32>(), any::<i32>(), -(1i64 << 50)..(1i64 << 50)).prop_map(|(months, days, micros)| {
        Interval {
            months,
            days,
            micros,
        }
    })
}

proptest! {
    #[test]
    fn prop_int8_text_round_trip(v in any::<i64>()) {
        let s = format_text(&Value::Int8(v), &DataType::Int8, &opts()).expect("fmt");
        prop_assert_eq!(parse_text(&s, &DataType::Int8, &opts()), Ok(Value::Int8(v)));
    }

    #[test]
    fn prop_float8_shortest_round_trips(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        prop_assume!(v.is_finite());
        let s = format_text(&Value::Float8(v), &DataType::Float8, &opts()).expect("fmt");
        let back = parse_text(&s, &DataType::Float8, &opts()).expect("parse");
        prop_assert!(matches!(back, Value::Float8(b) if b.to_bits() == v.to_bits()), "{} -> {:?}", s, back);
    }

    #[test]
    fn prop_float4_shortest_round_trips(bits in any::<u32>()) {
        let v = f32::from_bits(bits);
        prop_assume!(v.is_finite());
        let s = format_text(&Value::Float4(v), &DataType::Float4, &opts()).expect("fmt");
        let back = parse_text(&s, &DataType::Float4, &opts()).expect("parse");
        prop_assert!(matches!(back, Value::Float4(b) if b.to_bits() == v.to_bits()), "{} -> {:?}", s, back);
    }

    #[test]
    fn prop_numeric_binary_round_trip(digits in any::<i64>(), scale in 0i64..30) {
        let n = Numeric::Finite(bigdecimal::BigDecimal::new(digits.into(), scale));
        let t = DataType::Numeric(None);
        let b = encode_binary(&Value::Numeric(n.clone()), &t).expect("enc");
        let back = decode_binary(&b, &t).expect("dec");
        let text = format_text(&back, &t, &opts()).expect("fmt");
        prop_assert_eq!(text, n.to_string());
    }

    #[test]
    fn prop_timestamp_text_round_trip(ts in -211_813_488_000_000_000i64..9_223_371_331_200_000_000i64) {
        for t in [DataType::Timestamp, DataType::Timestamptz] {
            let v = if t == DataType::Timestamp { Value::Timestamp(ts) } else { Value::Timestamptz(ts) };
            let s = format_text(&v, &t, &opts()).expect("fmt");
            prop_assert_eq!(parse_text(&s, &t, &opts()), Ok(v), "{}", s);
        }
    }

    #[test]
    fn prop_date_text_round_trip(d in -2_451_545i32..2_145_031_949) {
        let s = format_text(&Value::Date(d), &DataType::Date, &opts()).expect("fmt");
        prop_assert_eq!(parse_text(&s, &DataType::Date, &opts()), Ok(Value::Date(d)), "{}", s);
    }

    #[test]
    fn prop_interval_text_round_trip(i in arb_interval()) {
        for s in [format_interval(&i), format_interval_verbose(&i)] {
            let back = parse_interval(&s).expect("parse");
            prop_assert_eq!((back.months, back.days, back.micros), (i.months, i.days, i.micros), "{}", s);
        }
    }

    #[test]
    fn prop_text_array_round_trip(items in proptest::collection::vec(proptest::option::of("[ -~é]{0,6}"), 0..6)) {
        let t = DataType::Array(Box::new(DataType::Text));
        let v = Value::Array(items.iter().map(|o| o.clone().map_or(Value::Null, Value::Text)).collect());
        let s = format_text(&v, &t, &opts()).expect("fmt");
        prop_assert_eq!(parse_text(&s, &t, &opts()), Ok(v), "{}", s);
    }

    #[test]
    fn prop_parsers_never_panic(s in prop_oneof!["\\PC{0,24}", "[-+0-9:. ,/a-zA-Z{}\\[\\]\"\\\\@é]{0,24}"]) {
        for name in ["bool", "int4", "float8", "numeric", "numeric(5,2)", "varchar(3)", "bytea", "date", "time",
                     "timestamp", "timestamptz", "interval", "uuid", "json", "jsonb", "int4[]", "text[]"] {
            let _ = parse_text(&s, &ty(name), &opts());
            let _ = decode_binary(s.as_bytes(), &ty(name));
        }
    }
}
