//! Constructors for the errors type I/O raises, with PostgreSQL's SQLSTATEs
//! and message texts. Keeping them in one place keeps the wording uniform.

use aiondb_core::{DataType, DbError, SqlState, Value};

/// `42846` cannot_coerce (aiondb-core has no named constant for it).
pub const CANNOT_COERCE: &str = "42846";
/// `22015` interval_field_overflow.
pub const INTERVAL_FIELD_OVERFLOW: &str = "22015";
/// `22009` invalid_time_zone_displacement_value.
pub const INVALID_TZ_DISPLACEMENT: &str = "22009";

/// `22P02 invalid input syntax for type T: "input"`.
pub fn invalid_syntax(type_name: &str, input: &str) -> DbError {
    DbError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        format!("invalid input syntax for type {type_name}: \"{input}\""),
    )
}

/// `22003 value "input" is out of range for type T` (integer input).
pub fn value_out_of_range(input: &str, type_name: &str) -> DbError {
    DbError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        format!("value \"{input}\" is out of range for type {type_name}"),
    )
}

/// `22003 "input" is out of range for type T` (float input).
pub fn float_out_of_range(input: &str, type_name: &str) -> DbError {
    DbError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        format!("\"{input}\" is out of range for type {type_name}"),
    )
}

/// `22003` with a fixed message, e.g. `integer out of range`.
pub fn out_of_range(message: &str) -> DbError {
    DbError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, message)
}

/// `22001 value too long for type T`.
pub fn string_too_long(ty: &DataType) -> DbError {
    DbError::new(
        SqlState::STRING_DATA_RIGHT_TRUNCATION,
        format!("value too long for type {ty}"),
    )
}

/// `22007 invalid input syntax for type T: "input"` (date/time types).
pub fn datetime_syntax(type_name: &str, input: &str) -> DbError {
    DbError::new(
        SqlState::INVALID_DATETIME_FORMAT,
        format!("invalid input syntax for type {type_name}: \"{input}\""),
    )
}

/// `22008 date/time field value out of range: "input"`.
pub fn datetime_field_overflow(input: &str) -> DbError {
    DbError::new(
        SqlState::DATETIME_FIELD_OVERFLOW,
        format!("date/time field value out of range: \"{input}\""),
    )
}

/// `22008 T out of range: "input"` (e.g. `date out of range: "..."`).
pub fn datetime_value_out_of_range(what: &str, input: &str) -> DbError {
    DbError::new(
        SqlState::DATETIME_FIELD_OVERFLOW,
        format!("{what} out of range: \"{input}\""),
    )
}

/// `22008 T out of range` (arithmetic and casts).
pub fn datetime_out_of_range(what: &str) -> DbError {
    DbError::new(
        SqlState::DATETIME_FIELD_OVERFLOW,
        format!("{what} out of range"),
    )
}

/// `22015 interval field value out of range: "input"`.
pub fn interval_field_overflow(input: &str) -> DbError {
    DbError::new(
        SqlState::from_static(INTERVAL_FIELD_OVERFLOW),
        format!("interval field value out of range: \"{input}\""),
    )
}

/// `42846 cannot cast type X to Y`.
pub fn cannot_cast(from: &DataType, to: &DataType) -> DbError {
    DbError::new(
        SqlState::from_static(CANNOT_COERCE),
        format!("cannot cast type {from} to {to}"),
    )
}

/// `42804`: the value is not of the type it is said to be (a caller bug).
pub fn value_type_mismatch(value: &Value, ty: &DataType) -> DbError {
    DbError::new(
        SqlState::DATATYPE_MISMATCH,
        format!("value {value:?} is not of type {ty}"),
    )
}

/// `08P01 insufficient data left in message` (binary input too short).
pub fn insufficient_data() -> DbError {
    DbError::new(
        SqlState::PROTOCOL_VIOLATION,
        "insufficient data left in message",
    )
}

/// `22P03 incorrect binary data format` (binary input malformed).
pub fn bad_binary(detail: &str) -> DbError {
    DbError::new(
        SqlState::INVALID_BINARY_REPRESENTATION,
        "incorrect binary data format",
    )
    .with_detail(detail.to_string())
}

/// `22021 invalid byte sequence for encoding "UTF8": 0x..`.
pub fn bad_utf8(bytes: &[u8]) -> DbError {
    let shown: Vec<String> = bytes.iter().take(2).map(|b| format!("0x{b:02x}")).collect();
    DbError::new(
        SqlState::CHARACTER_NOT_IN_REPERTOIRE,
        format!(
            "invalid byte sequence for encoding \"UTF8\": {}",
            shown.join(" ")
        ),
    )
}

/// Whitespace as C's `isspace` sees it (PostgreSQL trims with it).
pub fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0b}' | '\u{0c}')
}

/// Trims C whitespace from both ends.
pub fn trim_c(s: &str) -> &str {
    s.trim_matches(is_c_space)
}
