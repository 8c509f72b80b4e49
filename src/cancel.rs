//! Cancel requests: the server-wide table from backend key to running session.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

/// Interrupts whatever statement a session is running (a thread-safe callback).
pub type CancelHandle = Arc<dyn Fn() + Send + Sync>;

/// Maps the (process id, secret key) pairs handed out in BackendKeyData to the sessions
/// they belong to, so that a CancelRequest arriving on another connection reaches the
/// right statement. Only connect, disconnect and cancel touch the lock, never a query.
#[derive(Clone, Default)]
pub struct CancelRegistry {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    next_pid: AtomicI32,
    sessions: Mutex<HashMap<i32, (i32, CancelHandle)>>,
}

impl std::fmt::Debug for CancelRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.inner.sessions.lock().map(|s| s.len()).unwrap_or(0);
        f.debug_struct("CancelRegistry")
            .field("sessions", &count)
            .finish()
    }
}

impl CancelRegistry {
    /// Registers a session; the returned key is what it sends in BackendKeyData, and
    /// dropping it unregisters the session.
    pub fn register(&self, handle: CancelHandle) -> CancelKey {
        let process_id = self
            .inner
            .next_pid
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1000);
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_i32(process_id);
        let secret_key = hasher.finish() as i32;
        if let Ok(mut sessions) = self.inner.sessions.lock() {
            sessions.insert(process_id, (secret_key, handle));
        }
        CancelKey {
            process_id,
            secret_key,
            registry: self.clone(),
        }
    }

    /// Cancels the statement of the session with this key; false if no session matches.
    pub fn cancel(&self, process_id: i32, secret_key: &[u8]) -> bool {
        let handle = match self.inner.sessions.lock() {
            Ok(sessions) => match sessions.get(&process_id) {
                Some((secret, handle)) if secret.to_be_bytes() == secret_key => handle.clone(),
                _ => return false,
            },
            Err(_) => return false,
        };
        handle();
        true
    }

    /// Interrupts every registered session's running statement (shutdown).
    pub fn cancel_all(&self) {
        let handles: Vec<CancelHandle> = match self.inner.sessions.lock() {
            Ok(sessions) => sessions.values().map(|(_, h)| h.clone()).collect(),
            Err(_) => return,
        };
        for handle in handles {
            handle();
        }
    }

    /// Number of registered sessions.
    pub fn len(&self) -> usize {
        self.inner.sessions.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// True if no session is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A session's backend key; unregisters it when dropped.
#[derive(Debug)]
pub struct CancelKey {
    /// The process id sent in BackendKeyData.
    pub process_id: i32,
    /// The secret key sent in BackendKeyData.
    pub secret_key: i32,
    registry: CancelRegistry,
}

impl Drop for CancelKey {
    fn drop(&mut self) {
        if let Ok(mut sessions) = self.registry.inner.sessions.lock() {
            sessions.remove(&self.process_id);
        }
    }
}

/// Carries a cancel request to a session that is waiting for its client in the middle
/// of a statement (COPY FROM STDIN waiting for data), where interrupting SQLite reaches
/// nothing because no SQLite statement runs. Armed only for such waits: a cancel request
/// arriving at any other time leaves no trace, as in PostgreSQL.
#[derive(Debug, Default)]
pub struct WaitCancel {
    armed: AtomicBool,
    requested: AtomicBool,
    notify: tokio::sync::Notify,
}

impl WaitCancel {
    /// From now on a cancel request is kept for [`wait`](Self::wait).
    pub fn arm(&self) {
        self.requested.store(false, Ordering::SeqCst);
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Cancel requests are ignored again (the statement is over).
    pub fn disarm(&self) {
        self.armed.store(false, Ordering::SeqCst);
        self.requested.store(false, Ordering::SeqCst);
    }

    /// A cancel request: wakes the waiting statement if one is armed.
    pub fn cancel(&self) {
        if self.armed.load(Ordering::SeqCst) {
            self.requested.store(true, Ordering::SeqCst);
            self.notify.notify_waiters();
        }
    }

    /// True if a cancel request arrived since [`arm`](Self::arm).
    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// Resolves when a cancel request has arrived since [`arm`](Self::arm).
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.requested() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[tokio::test]
    async fn wait_cancel_only_counts_while_armed() {
        let signal = Arc::new(WaitCancel::default());
        signal.cancel();
        signal.arm();
        assert!(!signal.requested(), "a cancel before arming is dropped");
        let waiter = tokio::spawn({
            let signal = signal.clone();
            async move { signal.wait().await }
        });
        tokio::task::yield_now().await;
        signal.cancel();
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("the waiter wakes")
            .unwrap();
        signal.disarm();
        assert!(!signal.requested());
    }

    #[test]
    fn cancel_needs_the_right_secret_and_a_live_session() {
        let registry = CancelRegistry::default();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let key = registry.register(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }));
        let wrong = key.secret_key.wrapping_add(1).to_be_bytes();
        assert!(!registry.cancel(key.process_id, &wrong));
        assert!(registry.cancel(key.process_id, &key.secret_key.to_be_bytes()));
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        let (pid, secret) = (key.process_id, key.secret_key);
        drop(key);
        assert!(!registry.cancel(pid, &secret.to_be_bytes()));
        assert!(registry.is_empty());
    }
}
