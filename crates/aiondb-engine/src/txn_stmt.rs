//! Transaction control statements: BEGIN / START TRANSACTION, COMMIT and
//! ROLLBACK [AND [NO] CHAIN], savepoints, SET TRANSACTION, SET SESSION
//! CHARACTERISTICS, the transaction_* settings, and the read-only check a
//! statement passes before it runs.

use crate::session::{Block, Session};
use crate::txn_mode::{self, ModeItem, TxnMode};
use aiondb_core::{DbError, DbResult, SqlState};
use aiondb_sql::StatementOutput;
use sqlparser::ast::{self, Statement};

fn command(tag: &str) -> DbResult<StatementOutput> {
    Ok(StatementOutput::Command { tag: tag.into() })
}

fn no_block(what: &str) -> DbError {
    DbError::new(
        SqlState::NO_ACTIVE_SQL_TRANSACTION,
        format!("{what} can only be used in transaction blocks"),
    )
}

fn no_savepoint(name: &str) -> DbError {
    DbError::new(
        SqlState::from_static("3B001"),
        format!("savepoint \"{name}\" does not exist"),
    )
}

impl Session {
    /// The characteristics a new transaction gets (SET SESSION
    /// CHARACTERISTICS / default_transaction_*).
    pub(crate) fn session_mode(&self) -> TxnMode {
        let on = |n: &str| self.settings.get(n) == Some("on");
        let isolation = match self.settings.get("default_transaction_isolation") {
            Some(v) => match txn_mode::isolation_from_name("default_transaction_isolation", v) {
                Ok(ModeItem::Isolation(level)) => level,
                _ => aiondb_storage::IsolationLevel::ReadCommitted,
            },
            None => aiondb_storage::IsolationLevel::ReadCommitted,
        };
        TxnMode {
            isolation,
            read_only: on("default_transaction_read_only"),
            deferrable: on("default_transaction_deferrable"),
        }
    }

    /// The characteristics of the open transaction, else of the next one.
    pub(crate) fn current_mode(&self) -> TxnMode {
        match &self.block {
            Some(b) => b.mode,
            None => self.session_mode(),
        }
    }

    /// Refuses a writing statement in a read-only transaction.
    pub(crate) fn check_read_only(&self, stmt: &Statement) -> DbResult<()> {
        if !self.current_mode().read_only {
            return Ok(());
        }
        let catalog = self.engine.store.catalog();
        let temp = self.temp_schema();
        let db = self.database.id.get();
        let is_temp = |name: &ast::ObjectName| {
            let (schema, table) = aiondb_sql::object_name(name);
            match schema {
                Some(s) => s == "pg_temp" || s == temp,
                None => catalog.table_by_name(db, &temp, &table).is_some(),
            }
        };
        crate::read_only::check(stmt, &is_temp)
    }

    fn begin_block(&mut self, mode: TxnMode) {
        let txn = self.engine.store.begin(mode.isolation);
        self.block_serial += 1;
        self.block = Some(Block {
            txn,
            explicit: true,
            savepoints: Vec::new(),
            mode,
            snapshot: false,
        });
        self.failed = false;
    }

    /// Runs a transaction control statement; `deferrable` is the
    /// `[NOT] DEFERRABLE` the parser read apart.
    pub(crate) fn run_transaction_statement(
        &mut self,
        stmt: &Statement,
        deferrable: Option<bool>,
    ) -> DbResult<StatementOutput> {
        match stmt {
            Statement::StartTransaction { modes, begin, .. } => {
                let tag = if *begin { "BEGIN" } else { "START TRANSACTION" };
                let items = txn_mode::mode_items(modes, deferrable)?;
                if self.block.as_ref().is_some_and(|b| b.explicit) {
                    self.notices.push(DbError::new(
                        SqlState::ACTIVE_SQL_TRANSACTION,
                        "there is already a transaction in progress",
                    ));
                    return command(tag);
                }
                let mode = txn_mode::apply(self.session_mode(), &items);
                // Statements of this message before BEGIN ran in an
                // implicit transaction: it ends here.
                if let Some(implicit) = self.block.take() {
                    implicit.txn.commit()?;
                }
                self.begin_block(mode);
                command(tag)
            }
            Statement::Commit { chain, .. } => self.commit(*chain),
            Statement::Rollback {
                savepoint: None,
                chain,
            } => self.rollback(*chain),
            Statement::Rollback {
                savepoint: Some(name),
                ..
            } => {
                let name = aiondb_sql::ident(name);
                let Some(block) = self.block.as_mut().filter(|b| b.explicit) else {
                    return Err(no_block("ROLLBACK TO SAVEPOINT"));
                };
                let Some(pos) = block.savepoints.iter().rposition(|(n, ..)| *n == name) else {
                    return Err(no_savepoint(&name));
                };
                block.savepoints.truncate(pos + 1);
                let (_, sp, read_only) = block.savepoints[pos].clone();
                block.txn.rollback_to(&sp);
                block.mode.read_only = read_only;
                self.failed = false;
                self.cursors_at_rollback_to(pos);
                command("ROLLBACK")
            }
            Statement::Savepoint { name } => {
                let name = aiondb_sql::ident(name);
                let Some(block) = self.block.as_mut().filter(|b| b.explicit) else {
                    return Err(no_block("SAVEPOINT"));
                };
                let sp = block.txn.savepoint();
                block.savepoints.push((name, sp, block.mode.read_only));
                command("SAVEPOINT")
            }
            Statement::ReleaseSavepoint { name } => {
                let name = aiondb_sql::ident(name);
                let Some(block) = self.block.as_mut().filter(|b| b.explicit) else {
                    return Err(no_block("RELEASE SAVEPOINT"));
                };
                let Some(pos) = block.savepoints.iter().rposition(|(n, ..)| *n == name) else {
                    return Err(no_savepoint(&name));
                };
                // Ending a subtransaction restores the access mode it began
                // with (PostgreSQL's prevXactReadOnly).
                block.mode.read_only = block.savepoints[pos].2;
                block.savepoints.truncate(pos);
                self.cursors_at_release(pos);
                command("RELEASE")
            }
            Statement::Set(ast::Set::SetTransaction { modes, session, .. }) => {
                let items = txn_mode::mode_items(modes, deferrable)?;
                if *session {
                    self.set_session_characteristics(&items)?;
                } else {
                    self.set_transaction(&items)?;
                }
                command("SET")
            }
            _ => Err(DbError::internal("not a transaction statement")),
        }
    }

    fn commit(&mut self, chain: bool) -> DbResult<StatementOutput> {
        let failed = self.failed;
        let explicit = self.block.as_ref().is_some_and(|b| b.explicit);
        if chain && !explicit {
            return Err(no_block("COMMIT AND CHAIN"));
        }
        self.failed = false;
        match self.block.take() {
            Some(b) if b.explicit && !failed => {
                let mode = b.mode;
                let committed = b.txn.commit();
                self.cursors_at_block_end(committed.is_ok());
                committed?;
                if chain {
                    self.begin_block(mode);
                }
                command("COMMIT")
            }
            Some(b) if b.explicit => {
                let mode = b.mode;
                b.txn.rollback();
                self.cursors_at_block_end(false);
                if chain {
                    self.begin_block(mode);
                }
                command("ROLLBACK")
            }
            implicit => {
                if let Some(b) = implicit {
                    b.txn.commit()?;
                }
                self.notices.push(DbError::new(
                    SqlState::NO_ACTIVE_SQL_TRANSACTION,
                    "there is no transaction in progress",
                ));
                command("COMMIT")
            }
        }
    }

    fn rollback(&mut self, chain: bool) -> DbResult<StatementOutput> {
        let explicit = self.block.as_ref().is_some_and(|b| b.explicit);
        if chain && !explicit {
            return Err(no_block("ROLLBACK AND CHAIN"));
        }
        self.failed = false;
        match self.block.take() {
            Some(b) if b.explicit => {
                let mode = b.mode;
                b.txn.rollback();
                self.cursors_at_block_end(false);
                if chain {
                    self.begin_block(mode);
                }
            }
            implicit => {
                if let Some(b) = implicit {
                    b.txn.rollback();
                }
                self.notices.push(DbError::new(
                    SqlState::NO_ACTIVE_SQL_TRANSACTION,
                    "there is no transaction in progress",
                ));
            }
        }
        command("ROLLBACK")
    }

    fn set_session_characteristics(&mut self, items: &[ModeItem]) -> DbResult<()> {
        let mode = txn_mode::apply(self.session_mode(), items);
        for (name, value) in [
            ("default_transaction_isolation", mode.isolation_name()),
            ("default_transaction_read_only", mode.read_only_text()),
            ("default_transaction_deferrable", mode.deferrable_text()),
        ] {
            if let Some(change) = self.settings.set(name, value)? {
                self.changed.push(change);
            }
        }
        Ok(())
    }

    /// SET TRANSACTION, and SET of a transaction_* setting.
    fn set_transaction(&mut self, items: &[ModeItem]) -> DbResult<()> {
        if self.multi_statement {
            // The message's implicit block is a transaction block here.
            self.ensure_implicit_block();
        }
        let Some(block) = self
            .block
            .as_mut()
            .filter(|b| b.explicit || self.multi_statement)
        else {
            self.notices.push(DbError::new(
                SqlState::from_static("25P01"),
                "SET TRANSACTION can only be used in transaction blocks",
            ));
            return Ok(());
        };
        let mode = txn_mode::change(
            block.mode,
            items,
            block.snapshot,
            !block.savepoints.is_empty(),
        )?;
        if mode.isolation != block.txn.isolation() {
            // No query ran yet (checked above): start over at the level.
            let fresh = self.engine.store.begin(mode.isolation);
            let old = std::mem::replace(&mut block.txn, fresh);
            old.rollback();
        }
        block.mode = mode;
        Ok(())
    }

    /// SET transaction_isolation / transaction_read_only /
    /// transaction_deferrable: as SET TRANSACTION inside a block; outside
    /// one the value would last for this statement's own transaction only.
    pub(crate) fn set_transaction_guc(&mut self, name: &str, value: &str) -> DbResult<()> {
        let item = match name {
            "transaction_isolation" => txn_mode::isolation_from_name(name, value)?,
            _ => {
                let b = txn_mode::parse_bool(value).ok_or_else(|| {
                    DbError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("parameter \"{name}\" requires a Boolean value"),
                    )
                })?;
                if name == "transaction_read_only" {
                    ModeItem::ReadOnly(b)
                } else {
                    ModeItem::Deferrable(b)
                }
            }
        };
        if !self.block.as_ref().is_some_and(|b| b.explicit) && !self.multi_statement {
            return Ok(());
        }
        self.set_transaction(&[item])
    }
}
