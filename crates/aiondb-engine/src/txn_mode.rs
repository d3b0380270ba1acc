//! Transaction characteristics: isolation as reported, access mode (READ
//! ONLY / READ WRITE) and DEFERRABLE, with PostgreSQL's rules for changing
//! them (its check_transaction_isolation / _read_only / _deferrable hooks).
//!
//! SERIALIZABLE runs at the store's serializable level (snapshot isolation
//! plus validation at commit of the tables read; see aiondb-storage's
//! `serializable.rs`). A read-only serializable transaction never fails
//! validation and its snapshot is always "safe", so DEFERRABLE needs no
//! wait.

use aiondb_core::{DbError, DbResult, SqlState};
use aiondb_storage::IsolationLevel;
use sqlparser::ast::{TransactionAccessMode, TransactionIsolationLevel, TransactionMode};

/// Parses a PostgreSQL boolean setting value.
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" | "t" | "y" => Some(true),
        "off" | "false" | "no" | "0" | "f" | "n" => Some(false),
        _ => None,
    }
}

/// The characteristics of one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TxnMode {
    /// The storage isolation the transaction runs at.
    pub(crate) isolation: IsolationLevel,
    pub(crate) read_only: bool,
    pub(crate) deferrable: bool,
}

impl TxnMode {
    pub(crate) fn isolation_name(&self) -> &'static str {
        isolation_name(self.isolation)
    }
}

/// The name SHOW transaction_isolation gives a level.
pub(crate) fn isolation_name(level: IsolationLevel) -> &'static str {
    match level {
        IsolationLevel::ReadCommitted => "read committed",
        IsolationLevel::RepeatableRead => "repeatable read",
        IsolationLevel::Serializable => "serializable",
    }
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

impl TxnMode {
    pub(crate) fn read_only_text(&self) -> &'static str {
        on_off(self.read_only)
    }

    pub(crate) fn deferrable_text(&self) -> &'static str {
        on_off(self.deferrable)
    }
}

/// One requested change of a characteristic, in the order written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ModeItem {
    Isolation(IsolationLevel),
    ReadOnly(bool),
    Deferrable(bool),
}

/// Reads an isolation level name as SET transaction_isolation takes it.
pub(crate) fn isolation_from_name(name: &str, value: &str) -> DbResult<ModeItem> {
    match value.trim().to_ascii_lowercase().as_str() {
        "read committed" | "read uncommitted" => {
            Ok(ModeItem::Isolation(IsolationLevel::ReadCommitted))
        }
        "repeatable read" => Ok(ModeItem::Isolation(IsolationLevel::RepeatableRead)),
        "serializable" => Ok(ModeItem::Isolation(IsolationLevel::Serializable)),
        _ => Err(DbError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("invalid value for parameter \"{name}\": \"{value}\""),
        )),
    }
}

/// The items of a transaction-mode list (`deferrable` was read apart by
/// the parser, and is applied last).
pub(crate) fn mode_items(
    modes: &[TransactionMode],
    deferrable: Option<bool>,
) -> DbResult<Vec<ModeItem>> {
    let mut items = Vec::with_capacity(modes.len() + 1);
    for m in modes {
        items.push(match m {
            TransactionMode::IsolationLevel(l) => match l {
                TransactionIsolationLevel::ReadCommitted
                | TransactionIsolationLevel::ReadUncommitted => {
                    ModeItem::Isolation(IsolationLevel::ReadCommitted)
                }
                TransactionIsolationLevel::RepeatableRead => {
                    ModeItem::Isolation(IsolationLevel::RepeatableRead)
                }
                TransactionIsolationLevel::Serializable => {
                    ModeItem::Isolation(IsolationLevel::Serializable)
                }
                other => {
                    return Err(DbError::not_supported(format!(
                        "isolation level {other} is not supported"
                    )));
                }
            },
            TransactionMode::AccessMode(TransactionAccessMode::ReadOnly) => {
                ModeItem::ReadOnly(true)
            }
            TransactionMode::AccessMode(TransactionAccessMode::ReadWrite) => {
                ModeItem::ReadOnly(false)
            }
        });
    }
    if let Some(d) = deferrable {
        items.push(ModeItem::Deferrable(d));
    }
    Ok(items)
}

/// Applies items to a mode with no checks (BEGIN, session defaults).
pub(crate) fn apply(mut mode: TxnMode, items: &[ModeItem]) -> TxnMode {
    for item in items {
        match *item {
            ModeItem::Isolation(l) => mode.isolation = l,
            ModeItem::ReadOnly(r) => mode.read_only = r,
            ModeItem::Deferrable(d) => mode.deferrable = d,
        }
    }
    mode
}

fn active(msg: &str) -> DbError {
    DbError::new(SqlState::ACTIVE_SQL_TRANSACTION, msg)
}

/// Applies items inside a transaction block: `snapshot` tells whether a
/// query already ran, `subtransaction` whether a savepoint is open.
pub(crate) fn change(
    mut mode: TxnMode,
    items: &[ModeItem],
    snapshot: bool,
    subtransaction: bool,
) -> DbResult<TxnMode> {
    for item in items {
        match *item {
            ModeItem::Isolation(l) => {
                if l != mode.isolation {
                    if snapshot {
                        return Err(active(
                            "SET TRANSACTION ISOLATION LEVEL must be called before any query",
                        ));
                    }
                    if subtransaction {
                        return Err(active(
                            "SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction",
                        ));
                    }
                }
                mode.isolation = l;
            }
            ModeItem::ReadOnly(r) => {
                if !r && mode.read_only {
                    if subtransaction {
                        return Err(active(
                            "cannot set transaction read-write mode inside a read-only transaction",
                        ));
                    }
                    if snapshot {
                        return Err(active(
                            "transaction read-write mode must be set before any query",
                        ));
                    }
                }
                mode.read_only = r;
            }
            ModeItem::Deferrable(d) => {
                if subtransaction {
                    return Err(active(
                        "SET TRANSACTION [NOT] DEFERRABLE cannot be called within a subtransaction",
                    ));
                }
                if snapshot {
                    return Err(active(
                        "SET TRANSACTION [NOT] DEFERRABLE must be called before any query",
                    ));
                }
                mode.deferrable = d;
            }
        }
    }
    Ok(mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw() -> TxnMode {
        TxnMode {
            isolation: IsolationLevel::ReadCommitted,
            read_only: false,
            deferrable: false,
        }
    }

    #[test]
    fn read_write_after_query_fails() {
        let ro = apply(rw(), &[ModeItem::ReadOnly(true)]);
        let e = change(ro, &[ModeItem::ReadOnly(false)], true, false).unwrap_err();
        assert!(e.to_string().contains("must be set before any query"));
        let e = change(ro, &[ModeItem::ReadOnly(false)], false, true).unwrap_err();
        assert!(e.to_string().contains("inside a read-only transaction"));
        assert!(change(ro, &[ModeItem::ReadOnly(false)], false, false).is_ok());
        assert!(change(ro, &[ModeItem::ReadOnly(true)], true, true).is_ok());
    }

    #[test]
    fn serializable_read_write_is_accepted() {
        let s = ModeItem::Isolation(IsolationLevel::Serializable);
        let m = change(rw(), &[s], false, false).unwrap();
        assert_eq!(m.isolation_name(), "serializable");
        assert!(!m.read_only);
        let e = change(
            m,
            &[ModeItem::Isolation(IsolationLevel::RepeatableRead)],
            true,
            false,
        )
        .unwrap_err();
        assert!(e.to_string().contains("must be called before any query"));
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("ON"), Some(true));
        assert_eq!(parse_bool("no"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
