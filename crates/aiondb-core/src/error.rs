//! The one error type every layer returns.

use crate::SqlState;

/// Result alias used across AionDB.
pub type DbResult<T> = Result<T, DbError>;

/// A failure as PostgreSQL reports it: SQLSTATE, message, and the optional
/// fields of an `ErrorResponse`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DbError {
    /// The SQLSTATE clients match on.
    pub code: SqlState,
    /// Primary human-readable message (PostgreSQL style: lower case, no period).
    pub message: String,
    /// Secondary message with more detail.
    pub detail: Option<String>,
    /// Suggestion what to do about the problem.
    pub hint: Option<String>,
    /// 1-based character position in the query string, where known.
    pub position: Option<u32>,
}

impl DbError {
    /// A new error with a code and message.
    pub fn new(code: SqlState, message: impl Into<String>) -> DbError {
        DbError {
            code,
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
        }
    }

    /// Adds a DETAIL line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> DbError {
        self.detail = Some(detail.into());
        self
    }

    /// Adds a HINT line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> DbError {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the cursor position (1-based, in characters).
    pub fn with_position(mut self, position: u32) -> DbError {
        self.position = Some(position);
        self
    }

    /// `XX000`: a bug or an impossible state.
    pub fn internal(message: impl Into<String>) -> DbError {
        DbError::new(SqlState::INTERNAL_ERROR, message)
    }

    /// `XX001`: stored data failed validation (checksum, framing, header).
    pub fn corrupted(message: impl Into<String>) -> DbError {
        DbError::new(SqlState::DATA_CORRUPTED, message)
    }

    /// `58030`: an operating-system I/O failure, with what was being done.
    pub fn io(context: impl Into<String>, err: &std::io::Error) -> DbError {
        DbError::new(SqlState::IO_ERROR, format!("{}: {err}", context.into()))
    }

    /// `0A000`: a feature AionDB does not implement.
    pub fn not_supported(message: impl Into<String>) -> DbError {
        DbError::new(SqlState::FEATURE_NOT_SUPPORTED, message)
    }

    /// `40001`: the transaction must be retried.
    pub fn serialization_failure(message: impl Into<String>) -> DbError {
        DbError::new(SqlState::SERIALIZATION_FAILURE, message)
    }

    /// `40P01`: this transaction was chosen as a deadlock victim.
    pub fn deadlock(message: impl Into<String>) -> DbError {
        DbError::new(SqlState::DEADLOCK_DETECTED, message)
    }

    /// `23505`: a unique or primary key constraint would be violated.
    pub fn unique_violation(constraint: &str) -> DbError {
        DbError::new(
            SqlState::UNIQUE_VIOLATION,
            format!("duplicate key value violates unique constraint \"{constraint}\""),
        )
    }

    /// True for errors after which a client should retry the transaction.
    pub fn is_retryable(&self) -> bool {
        self.code == SqlState::SERIALIZATION_FAILURE || self.code == SqlState::DEADLOCK_DETECTED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_keeps_code_and_fields() {
        let e = DbError::unique_violation("t_pkey")
            .with_detail("Key (id)=(1) already exists.")
            .with_position(7);
        assert_eq!(e.code.code(), "23505");
        assert_eq!(e.position, Some(7));
        assert_eq!(
            e.to_string(),
            "duplicate key value violates unique constraint \"t_pkey\""
        );
        assert!(!e.is_retryable());
        assert!(DbError::deadlock("x").is_retryable());
    }
}
