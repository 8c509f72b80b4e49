//! Pacing failed logins: every authentication failure waits before the client hears of
//! it, longer the more failures the server saw lately, so guessing passwords is slow.
//!
//! The delay is `100 ms × 2^(n-1)`, capped at 10 s, where `n` counts the failures of
//! the last 60 seconds (this one included) across the whole server. A client cannot
//! skip the wait by hanging up: its connection slot is held until the wait ends, and
//! `--max-connections` bounds how many wait at once.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The delay after a lone failure.
pub const BASE_DELAY: Duration = Duration::from_millis(100);
/// The longest delay.
pub const MAX_DELAY: Duration = Duration::from_secs(10);
/// How long a failure counts as recent.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Failures remembered (enough to reach the cap many times over).
const REMEMBERED: usize = 64;

/// Recent failures, shared by every session of a server.
#[derive(Debug, Default)]
pub struct Pacer {
    recent: Mutex<VecDeque<Instant>>,
    total: AtomicU64,
}

impl Pacer {
    /// Records a failure now; returns how long to wait before reporting it.
    pub fn failure(&self) -> Duration {
        self.failure_at(Instant::now())
    }

    fn failure_at(&self, now: Instant) -> Duration {
        self.total.fetch_add(1, Ordering::Relaxed);
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        while recent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) > WINDOW)
        {
            recent.pop_front();
        }
        if recent.len() == REMEMBERED {
            recent.pop_front();
        }
        recent.push_back(now);
        delay_for(recent.len())
    }

    /// Failures since the server started.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }
}

/// The delay after the `n`th recent failure.
fn delay_for(n: usize) -> Duration {
    let doublings = n.saturating_sub(1).min(16) as u32;
    BASE_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_then_caps_then_forgets() {
        let pacer = Pacer::default();
        let start = Instant::now();
        let delays: Vec<Duration> = (0..10).map(|_| pacer.failure_at(start)).collect();
        assert_eq!(delays[0], Duration::from_millis(100));
        assert_eq!(delays[1], Duration::from_millis(200));
        assert_eq!(delays[3], Duration::from_millis(800));
        assert_eq!(delays[9], MAX_DELAY);
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        let later = start + WINDOW + Duration::from_secs(1);
        assert_eq!(pacer.failure_at(later), BASE_DELAY);
        assert_eq!(pacer.total(), 11);
    }
}
