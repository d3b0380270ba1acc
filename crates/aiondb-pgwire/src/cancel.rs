//! Backend keys of open sessions, for CancelRequest from a new connection.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

/// Maps (process id, secret) to the session's cancel flag.
#[derive(Default)]
pub struct CancelRegistry {
    map: Mutex<HashMap<(i32, i32), Arc<AtomicBool>>>,
}

impl CancelRegistry {
    pub fn register(&self, key: (i32, i32), flag: Arc<AtomicBool>) {
        self.map.lock().insert(key, flag);
    }

    pub fn unregister(&self, key: (i32, i32)) {
        self.map.lock().remove(&key);
    }

    /// Sets the flag of the session with this key; false if there is none
    /// (a wrong secret is silently ignored, as in PostgreSQL).
    pub fn cancel(&self, pid: i32, secret: i32) -> bool {
        match self.map.lock().get(&(pid, secret)) {
            Some(flag) => {
                flag.store(true, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// Interrupts every running statement (shutdown).
    pub fn cancel_all(&self) {
        for flag in self.map.lock().values() {
            flag.store(true, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_needs_the_right_secret() {
        let reg = CancelRegistry::default();
        let flag = Arc::new(AtomicBool::new(false));
        reg.register((7, 42), Arc::clone(&flag));
        assert!(!reg.cancel(7, 41));
        assert!(!flag.load(Ordering::SeqCst));
        assert!(reg.cancel(7, 42));
        assert!(flag.load(Ordering::SeqCst));
        reg.unregister((7, 42));
        assert!(!reg.cancel(7, 42));
    }
}
