//! Memory management for the write path: a recycling buffer pool and a pressure monitor.
//!
//! ## Buffer pool (feature `pooling`)
//!
//! `BufferPool` hands out cleared `BytesMut` write buffers and takes them back when a
//! writer is done, so a new connection (or a writer that gave its buffer away)
//! starts with warm capacity instead of a fresh allocation. The pool is sharded by thread:
//! every thread sticks to one shard picked round-robin, so the worker threads (one
//! current-thread runtime per core, sessions pinned to them) never contend on a shared lock.
//! A thread whose shard is empty may steal from the others with `try_lock`, never blocking,
//! which also lets a buffer released on one thread be reused on another. Buffers that grew
//! past `max_buffer_capacity` are dropped on release rather than pinned in the pool.
//! A server has a pool of its own (see [`crate::context`]); `global_buffer_pool` is the
//! process's default pool, for writers built outside a server, and
//! `init_global_buffer_pool` configures it once.
//!
//! ## Memory monitor (feature `monitor`, no-op without it)
//!
//! Writers report the bytes their buffers hold through the [`Monitor`] trait
//! (`buffer_acquired` / `buffer_released`) and ask for the current [`MemoryPressure`] before
//! deciding, say, how much to batch. With feature `monitor`, `MemoryMonitor` adds those
//! in-flight bytes to the bytes idle in the global pool, compares the total with the
//! configured thresholds on every check (`MemoryMonitor::run` checks periodically), and, if
//! auto cleanup is on, shrinks the pool under pressure. Without the feature,
//! [`default_monitor`] is a [`NoopMonitor`] that always answers `Low` and compiles away.
//!
//! A writer is generic over its monitor (a part of [`crate::writer::Writer`]): the
//! buffering strategies hold `&'static` [`DefaultMonitor`], the framed one a
//! [`NoopMonitor`] by value, so the same code runs with and without the feature;
//! configuration lives in [`config`] and is always compiled, so the server can parse and
//! validate the environment in every build.

pub mod config;
pub mod monitor;
#[cfg(feature = "pooling")]
pub mod pool;

pub use config::*;
pub use monitor::{
    DefaultMonitor, MemoryPressure, MemoryStats, Monitor, NoopMonitor, default_monitor,
};
#[cfg(feature = "monitor")]
pub use monitor::{MemoryMonitor, global_memory_monitor, init_global_memory_monitor};
#[cfg(feature = "pooling")]
pub use pool::{BufferPool, BufferPoolStats, global_buffer_pool, init_global_buffer_pool};

/// This thread's slot number: assigned once per thread, round-robin over all threads that
/// ever asked. Sharded structures mask it with their (power-of-two) shard count.
#[cfg(any(feature = "pooling", feature = "monitor"))]
pub(crate) fn thread_slot() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Process-wide on purpose: a slot identifies a thread, whichever server it works for.
    static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SLOT: usize = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
    }
    // During thread-local destruction the slot may be gone; any shard is correct then.
    SLOT.try_with(|slot| *slot).unwrap_or(0)
}

/// Shard count for per-thread structures: the smallest power of two at least twice the
/// available parallelism, between 2 and [`MAX_SHARDS`]. Computed once.
#[cfg(any(feature = "pooling", feature = "monitor"))]
pub(crate) fn shard_count() -> usize {
    static COUNT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *COUNT.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        cores
            .saturating_mul(2)
            .checked_next_power_of_two()
            .unwrap_or(MAX_SHARDS)
            .clamp(2, MAX_SHARDS)
    })
}

/// Upper bound on [`shard_count`].
#[cfg(any(feature = "pooling", feature = "monitor"))]
pub(crate) const MAX_SHARDS: usize = 64;

#[cfg(all(test, any(feature = "pooling", feature = "monitor")))]
mod tests {
    use super::*;

    #[test]
    fn shard_count_is_bounded_power_of_two() {
        let n = shard_count();
        assert!(n.is_power_of_two());
        assert!((2..=MAX_SHARDS).contains(&n));
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        assert!(n >= (cores * 2).min(MAX_SHARDS));
    }

    #[test]
    fn thread_slot_is_stable_per_thread_and_differs_across_threads() {
        let mine = thread_slot();
        assert_eq!(mine, thread_slot());
        let other = std::thread::spawn(thread_slot).join().unwrap();
        assert_ne!(mine, other);
    }
}
