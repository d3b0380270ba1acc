//! Waiting for other transactions, table locks, and deadlock detection.
//!
//! Row locks are not stored here: a pending version at the head of a chain
//! is the lock. What lives here is who is still running, who waits for
//! whom, and table-level locks (shared for DML, exclusive for DDL, as
//! PostgreSQL's AccessShare and AccessExclusive).
//!
//! Before a transaction starts to wait it adds edges `me -> holders` to the
//! wait-for graph and searches it for a path back to itself. A cycle means
//! deadlock: the transaction that would close it fails with 40P01 instead of
//! waiting, so waiting never hangs.

use aiondb_core::{DbError, DbResult, SqlState, TableId, TxnId};
use parking_lot::{Condvar, Mutex};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a waiter sleeps between checks of its [`WaitLimits`].
const POLL: Duration = Duration::from_millis(20);

/// What may end a wait early: a cancel request (CancelRequest) or the
/// statement's deadline (statement_timeout). Both fail with 57014.
#[derive(Clone, Debug, Default)]
pub struct WaitLimits {
    pub cancel: Option<Arc<AtomicBool>>,
    pub deadline: Option<Instant>,
}

impl WaitLimits {
    /// Fails if the statement was cancelled or ran out of time.
    pub fn check(&self) -> DbResult<()> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Acquire))
        {
            return Err(DbError::new(
                SqlState::QUERY_CANCELED,
                "canceling statement due to user request",
            ));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(DbError::new(
                SqlState::QUERY_CANCELED,
                "canceling statement due to statement timeout",
            ));
        }
        Ok(())
    }

    fn unlimited(&self) -> bool {
        self.cancel.is_none() && self.deadline.is_none()
    }
}

/// A table lock mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    /// Reading or writing rows.
    Shared,
    /// Changing the table's definition.
    Exclusive,
}

/// A lockable object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum LockTarget {
    Table(TableId),
    /// The whole catalog: held exclusively by a transaction that changes it.
    Catalog,
}

#[derive(Default)]
struct Holders {
    shared: HashSet<TxnId>,
    exclusive: Option<TxnId>,
}

#[derive(Default)]
struct LockState {
    running: HashSet<TxnId>,
    waits_for: HashMap<TxnId, Vec<TxnId>>,
    locks: HashMap<LockTarget, Holders>,
    held: HashMap<TxnId, Vec<LockTarget>>,
}

impl LockState {
    /// True if following wait-for edges from `from` reaches `target`.
    fn reaches(&self, from: &[TxnId], target: TxnId) -> bool {
        let mut stack: Vec<TxnId> = from.to_vec();
        let mut seen = HashSet::new();
        while let Some(t) = stack.pop() {
            if t == target {
                return true;
            }
            if seen.insert(t)
                && let Some(next) = self.waits_for.get(&t)
            {
                stack.extend(next.iter().copied());
            }
        }
        false
    }

    fn conflicting(&self, me: TxnId, target: LockTarget, mode: LockMode) -> Vec<TxnId> {
        let Some(h) = self.locks.get(&target) else {
            return Vec::new();
        };
        let mut out: Vec<TxnId> = h.exclusive.into_iter().filter(|&t| t != me).collect();
        if mode == LockMode::Exclusive {
            out.extend(h.shared.iter().copied().filter(|&t| t != me));
        }
        out
    }
}

/// The transaction registry and lock table.
#[derive(Default)]
pub(crate) struct LockManager {
    state: Mutex<LockState>,
    changed: Condvar,
}

impl LockManager {
    pub fn register(&self, txn: TxnId) {
        self.state.lock().running.insert(txn);
    }

    /// Ends a transaction: releases its table locks and wakes waiters.
    pub fn finish(&self, txn: TxnId) {
        let mut s = self.state.lock();
        s.running.remove(&txn);
        s.waits_for.remove(&txn);
        for target in s.held.remove(&txn).unwrap_or_default() {
            if let Some(h) = s.locks.get_mut(&target) {
                h.shared.remove(&txn);
                if h.exclusive == Some(txn) {
                    h.exclusive = None;
                }
                if h.shared.is_empty() && h.exclusive.is_none() {
                    s.locks.remove(&target);
                }
            }
        }
        drop(s);
        self.changed.notify_all();
    }

    /// Waits until `other` has ended. Fails with 40P01 if waiting would
    /// close a cycle.
    pub fn wait_for_txn(&self, me: TxnId, other: TxnId, limits: &WaitLimits) -> DbResult<()> {
        let mut s = self.state.lock();
        if !s.running.contains(&other) {
            return Ok(());
        }
        if s.reaches(&[other], me) {
            return Err(deadlock(me, &[other]));
        }
        s.waits_for.insert(me, vec![other]);
        while s.running.contains(&other) {
            if let Err(e) = self.sleep(&mut s, limits) {
                s.waits_for.remove(&me);
                return Err(e);
            }
        }
        s.waits_for.remove(&me);
        Ok(())
    }

    fn sleep(
        &self,
        s: &mut parking_lot::MutexGuard<'_, LockState>,
        limits: &WaitLimits,
    ) -> DbResult<()> {
        if limits.unlimited() {
            self.changed.wait(s);
            Ok(())
        } else {
            limits.check()?;
            self.changed.wait_for(s, POLL);
            limits.check()
        }
    }

    /// Takes a table or catalog lock, waiting for conflicting holders.
    pub fn lock(
        &self,
        me: TxnId,
        target: LockTarget,
        mode: LockMode,
        limits: &WaitLimits,
    ) -> DbResult<()> {
        let mut s = self.state.lock();
        loop {
            let blockers = s.conflicting(me, target, mode);
            if blockers.is_empty() {
                break;
            }
            if s.reaches(&blockers, me) {
                s.waits_for.remove(&me);
                return Err(deadlock(me, &blockers));
            }
            s.waits_for.insert(me, blockers);
            if let Err(e) = self.sleep(&mut s, limits) {
                s.waits_for.remove(&me);
                return Err(e);
            }
        }
        s.waits_for.remove(&me);
        let h = s.locks.entry(target).or_default();
        let newly = match mode {
            LockMode::Shared => h.shared.insert(me) && h.exclusive != Some(me),
            LockMode::Exclusive => {
                let was_shared = h.shared.contains(&me);
                let new = h.exclusive != Some(me);
                h.exclusive = Some(me);
                new && !was_shared
            }
        };
        if newly {
            s.held.entry(me).or_default().push(target);
        }
        Ok(())
    }

    /// Whether `txn` is still running.
    #[cfg(test)]
    pub fn is_running(&self, txn: TxnId) -> bool {
        self.state.lock().running.contains(&txn)
    }
}

fn deadlock(me: TxnId, blockers: &[TxnId]) -> DbError {
    let list: Vec<String> = blockers.iter().map(|t| t.to_string()).collect();
    DbError::deadlock("deadlock detected").with_detail(format!(
        "Transaction {me} waits for transaction {}, which waits (directly or not) for transaction {me}.",
        list.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn cycle_is_refused_not_waited_on() {
        let lm = Arc::new(LockManager::default());
        let (a, b) = (TxnId(1), TxnId(2));
        lm.register(a);
        lm.register(b);
        let lm2 = lm.clone();
        let waiter = std::thread::spawn(move || lm2.wait_for_txn(a, b, &WaitLimits::default()));
        // Wait until a's edge is in the graph.
        while !lm.state.lock().waits_for.contains_key(&a) {
            std::thread::yield_now();
        }
        let err = lm
            .wait_for_txn(b, a, &WaitLimits::default())
            .expect_err("deadlock");
        assert_eq!(err.code.code(), "40P01");
        lm.finish(b);
        waiter
            .join()
            .expect("join")
            .expect("a's wait ends when b ends");
        assert!(!lm.is_running(b));
    }

    #[test]
    fn exclusive_waits_for_shared() {
        let lm = Arc::new(LockManager::default());
        let (a, b) = (TxnId(1), TxnId(2));
        lm.register(a);
        lm.register(b);
        let t = LockTarget::Table(TableId(5));
        let free = WaitLimits::default();
        lm.lock(a, t, LockMode::Shared, &free).expect("shared");
        lm.lock(a, t, LockMode::Shared, &free).expect("re-entrant");
        let lm2 = lm.clone();
        let h =
            std::thread::spawn(move || lm2.lock(b, t, LockMode::Exclusive, &WaitLimits::default()));
        while !lm.state.lock().waits_for.contains_key(&b) {
            std::thread::yield_now();
        }
        lm.finish(a);
        h.join().expect("join").expect("granted after a ends");
        // a upgrading now would wait for b: with b waiting on nobody, no deadlock.
        lm.finish(b);
    }

    #[test]
    fn a_wait_ends_at_its_deadline_or_cancel() {
        let lm = LockManager::default();
        let (a, b) = (TxnId(1), TxnId(2));
        lm.register(a);
        lm.register(b);
        let timeout = WaitLimits {
            cancel: None,
            deadline: Some(Instant::now() + Duration::from_millis(30)),
        };
        let err = lm.wait_for_txn(a, b, &timeout).expect_err("times out");
        assert_eq!(err.code.code(), "57014");
        assert!(err.message.contains("statement timeout"));
        let cancel = WaitLimits {
            cancel: Some(Arc::new(AtomicBool::new(true))),
            deadline: None,
        };
        let err = lm
            .lock(a, LockTarget::Catalog, LockMode::Exclusive, &cancel)
            .map(|_| lm.lock(b, LockTarget::Catalog, LockMode::Exclusive, &cancel))
            .expect("a gets the lock")
            .expect_err("b is cancelled");
        assert!(err.message.contains("user request"));
        assert!(!lm.state.lock().waits_for.contains_key(&b));
    }
}
