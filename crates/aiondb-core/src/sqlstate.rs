//! PostgreSQL SQLSTATE codes, as the five-character strings clients match on.

use std::fmt;

/// A five-character SQLSTATE code (see PostgreSQL's `errcodes.txt`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SqlState(&'static str);

macro_rules! sqlstates {
    ($($name:ident = $code:literal;)*) => {
        impl SqlState {
            $(pub const $name: SqlState = SqlState($code);)*
        }
    };
}

sqlstates! {
    SUCCESSFUL_COMPLETION = "00000";
    WARNING = "01000";
    FEATURE_NOT_SUPPORTED = "0A000";
    INVALID_TRANSACTION_INITIATION = "0B000";
    CARDINALITY_VIOLATION = "21000";
    DATA_EXCEPTION = "22000";
    STRING_DATA_RIGHT_TRUNCATION = "22001";
    NUMERIC_VALUE_OUT_OF_RANGE = "22003";
    NULL_VALUE_NOT_ALLOWED = "22004";
    INVALID_DATETIME_FORMAT = "22007";
    DATETIME_FIELD_OVERFLOW = "22008";
    DIVISION_BY_ZERO = "22012";
    INVALID_PARAMETER_VALUE = "22023";
    INVALID_TEXT_REPRESENTATION = "22P02";
    INVALID_BINARY_REPRESENTATION = "22P03";
    CHARACTER_NOT_IN_REPERTOIRE = "22021";
    INTEGRITY_CONSTRAINT_VIOLATION = "23000";
    NOT_NULL_VIOLATION = "23502";
    FOREIGN_KEY_VIOLATION = "23503";
    UNIQUE_VIOLATION = "23505";
    CHECK_VIOLATION = "23514";
    INVALID_CURSOR_STATE = "24000";
    INVALID_TRANSACTION_STATE = "25000";
    ACTIVE_SQL_TRANSACTION = "25001";
    NO_ACTIVE_SQL_TRANSACTION = "25P01";
    IN_FAILED_SQL_TRANSACTION = "25P02";
    READ_ONLY_SQL_TRANSACTION = "25006";
    INVALID_AUTHORIZATION_SPECIFICATION = "28000";
    INVALID_PASSWORD = "28P01";
    INVALID_CURSOR_NAME = "34000";
    SERIALIZATION_FAILURE = "40001";
    DEADLOCK_DETECTED = "40P01";
    SYNTAX_ERROR = "42601";
    INSUFFICIENT_PRIVILEGE = "42501";
    UNDEFINED_COLUMN = "42703";
    UNDEFINED_FUNCTION = "42883";
    UNDEFINED_TABLE = "42P01";
    UNDEFINED_OBJECT = "42704";
    UNDEFINED_PARAMETER = "42P02";
    DUPLICATE_COLUMN = "42701";
    DUPLICATE_DATABASE = "42P04";
    DUPLICATE_TABLE = "42P07";
    DUPLICATE_OBJECT = "42710";
    DUPLICATE_SCHEMA = "42P06";
    AMBIGUOUS_COLUMN = "42702";
    DUPLICATE_ALIAS = "42712";
    INVALID_COLUMN_REFERENCE = "42P10";
    DATATYPE_MISMATCH = "42804";
    WRONG_OBJECT_TYPE = "42809";
    INVALID_TABLE_DEFINITION = "42P16";
    GROUPING_ERROR = "42803";
    OBJECT_IN_USE = "55006";
    LOCK_NOT_AVAILABLE = "55P03";
    OBJECT_NOT_IN_PREREQUISITE_STATE = "55000";
    QUERY_CANCELED = "57014";
    ADMIN_SHUTDOWN = "57P01";
    CANNOT_CONNECT_NOW = "57P03";
    UNDEFINED_FILE = "58P01";
    IO_ERROR = "58030";
    CONFIG_FILE_ERROR = "F0000";
    INTERNAL_ERROR = "XX000";
    DATA_CORRUPTED = "XX001";
    INDEX_CORRUPTED = "XX002";
    PROTOCOL_VIOLATION = "08P01";
    CONNECTION_FAILURE = "08006";
}

impl SqlState {
    /// The five-character code.
    pub fn code(self) -> &'static str {
        self.0
    }

    /// Builds a code that has no named constant. The string must be five
    /// ASCII characters; anything else becomes `XX000`.
    pub fn from_static(code: &'static str) -> SqlState {
        if code.len() == 5 && code.is_ascii() {
            SqlState(code)
        } else {
            SqlState::INTERNAL_ERROR
        }
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}
