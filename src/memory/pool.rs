//! `BufferPool`: thread-sharded recycling of `BytesMut` write buffers (feature `pooling`).
//!
//! The pool is split into `N` shards (a power of two, at least twice the available
//! parallelism, at most 64, and never more than `max_pool_size`), each a
//! `Mutex<Vec<BytesMut>>` with its own counters on its own cache line. A thread always starts
//! at the shard its thread slot maps to, so worker threads do not
//! share a lock; only when its shard is empty (acquire) or full (release) does it look at the
//! other shards, and then with `try_lock` only. Statistics live inside each shard's lock and
//! are summed by [`BufferPool::get_stats`], so no shared counter is bumped per operation.

use std::fmt;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError, TryLockError};

use bytes::BytesMut;

use super::config::BufferPoolConfig;

/// Pool statistics, summed over all shards at the time of the call.
#[derive(Clone, Debug, Default)]
pub struct BufferPoolStats {
    /// Acquires served from the pool.
    pub hits: u64,
    /// Acquires that had to allocate a new buffer.
    pub misses: u64,
    /// Releases that put the buffer back into the pool.
    pub returned: u64,
    /// Releases that dropped the buffer: it was larger than `max_buffer_capacity`, or the
    /// pool was full.
    pub discarded: u64,
    /// Buffers idle in the pool now.
    pub current_pool_size: usize,
    /// Sum of the capacities of the idle buffers, in bytes.
    pub bytes_held: usize,
    /// The configured total capacity (`max_pool_size`).
    pub max_pool_size: usize,
}

impl BufferPoolStats {
    /// Fraction of acquires served from the pool: `hits / (hits + misses)`, between 0.0 and
    /// 1.0; 0.0 before the first acquire. Multiply by 100 for a percentage.
    pub fn reuse_rate(&self) -> f64 {
        let total = self.hits.saturating_add(self.misses);
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64
        }
    }
}

/// Everything a shard's lock protects: its idle buffers and its share of the counters.
#[derive(Default)]
struct ShardState {
    buffers: Vec<BytesMut>,
    bytes: usize,
    hits: u64,
    misses: u64,
    returned: u64,
    discarded: u64,
}

/// One shard, alone on its cache line(s) so neighbouring shards do not false-share.
#[repr(align(128))]
struct Shard {
    /// Idle buffers this shard may hold.
    capacity: usize,
    state: Mutex<ShardState>,
}

impl Shard {
    fn lock(&self) -> MutexGuard<'_, ShardState> {
        // Nothing in a critical section can leave the state inconsistent, so a poisoned
        // lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn try_lock(&self) -> Option<MutexGuard<'_, ShardState>> {
        match self.state.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

impl ShardState {
    fn pop(&mut self) -> Option<BytesMut> {
        let buf = self.buffers.pop()?;
        self.bytes = self.bytes.saturating_sub(buf.capacity());
        Some(buf)
    }

    /// Pushes `buf` if the shard has room; gives it back otherwise.
    fn push(&mut self, capacity: usize, buf: BytesMut) -> Result<(), BytesMut> {
        if self.buffers.len() >= capacity {
            return Err(buf);
        }
        self.bytes = self.bytes.saturating_add(buf.capacity());
        self.buffers.push(buf);
        Ok(())
    }
}

/// A thread-safe pool of reusable `BytesMut` write buffers.
///
/// `max_pool_size` is the total over all shards: shard capacities differ by at most one
/// and add up to exactly `max_pool_size`. Buffers may be acquired on one thread and released
/// on another.
pub struct BufferPool {
    config: BufferPoolConfig,
    shards: Box<[Shard]>,
    /// `shards.len() - 1`; the shard count is a power of two.
    mask: usize,
}

impl fmt::Debug for BufferPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferPool")
            .field("config", &self.config)
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

impl BufferPool {
    /// A new, empty pool. The configuration is used as given (see
    /// [`BufferPoolConfig::validate`]); `max_pool_size == 0` gives a pool that never keeps
    /// anything.
    pub fn new(config: BufferPoolConfig) -> BufferPool {
        let n = shard_count_for(config.max_pool_size);
        let base = config.max_pool_size / n;
        let extra = config.max_pool_size % n;
        let shards = (0..n)
            .map(|i| {
                let capacity = base + usize::from(i < extra);
                Shard {
                    capacity,
                    state: Mutex::new(ShardState {
                        // Reserved up front so a release never allocates.
                        buffers: Vec::with_capacity(capacity),
                        ..ShardState::default()
                    }),
                }
            })
            .collect::<Box<[Shard]>>();
        BufferPool {
            config,
            mask: n - 1,
            shards,
        }
    }

    /// The configuration the pool was built with.
    pub fn config(&self) -> &BufferPoolConfig {
        &self.config
    }

    /// A cleared buffer with at least `initial_buffer_capacity` bytes of capacity: one from
    /// the pool (a hit; this thread's shard first, then any other shard that is not busy)
    /// or a new allocation (a miss).
    pub fn acquire(&self) -> BytesMut {
        self.acquire_at(super::thread_slot())
    }

    fn acquire_at(&self, slot: usize) -> BytesMut {
        let home = slot & self.mask;
        let mut own = self.shards[home].lock();
        let found = own.pop().or_else(|| self.steal(home));
        let Some(mut buf) = found else {
            own.misses += 1;
            drop(own);
            return BytesMut::with_capacity(self.config.initial_buffer_capacity);
        };
        own.hits += 1;
        drop(own);
        // Released buffers are cleared already; a buffer that gave part of its
        // allocation away (`split`) may have less room than promised.
        buf.clear();
        if buf.capacity() < self.config.initial_buffer_capacity {
            buf.reserve(self.config.initial_buffer_capacity);
        }
        buf
    }

    /// Takes a buffer from any shard other than `home` whose lock is free right now.
    fn steal(&self, home: usize) -> Option<BytesMut> {
        let n = self.shards.len();
        (1..n).find_map(|step| {
            let victim = &self.shards[(home + step) & self.mask];
            victim.try_lock()?.pop()
        })
    }

    /// Gives a buffer back. It is cleared (its capacity kept) and pooled, or dropped and
    /// counted as discarded if its capacity exceeds `max_buffer_capacity` or the pool is full.
    pub fn release(&self, buf: BytesMut) {
        self.release_at(super::thread_slot(), buf);
    }

    fn release_at(&self, slot: usize, mut buf: BytesMut) {
        let home = slot & self.mask;
        let shard = &self.shards[home];
        let oversized = buf.capacity() > self.config.max_buffer_capacity;
        if !oversized {
            buf.clear();
        }
        let mut own = shard.lock();
        if oversized {
            own.discarded += 1;
            drop(own);
            if self.config.enable_monitoring {
                tracing::debug!(
                    capacity = buf.capacity(),
                    max = self.config.max_buffer_capacity,
                    "buffer pool: dropped oversized buffer"
                );
            }
            return;
        }
        let placed = match own.push(shard.capacity, buf) {
            Ok(()) => true,
            Err(buf) => self.place_elsewhere(home, buf),
        };
        if placed {
            own.returned += 1;
        } else {
            own.discarded += 1;
        }
    }

    /// Puts `buf` into any other shard with room whose lock is free right now.
    fn place_elsewhere(&self, home: usize, buf: BytesMut) -> bool {
        let mut buf = Some(buf);
        for step in 1..self.shards.len() {
            let shard = &self.shards[(home + step) & self.mask];
            let Some(mut guard) = shard.try_lock() else {
                continue;
            };
            if let Some(b) = buf.take() {
                match guard.push(shard.capacity, b) {
                    Ok(()) => return true,
                    Err(b) => buf = Some(b),
                }
            }
        }
        false
    }

    /// Drops idle buffers until at most `keep` remain in the pool (used under memory
    /// pressure); returns the capacity in bytes of the buffers dropped. Best effort while
    /// other threads keep releasing.
    pub fn shrink(&self, keep: usize) -> usize {
        let held: usize = self.shards.iter().map(|s| s.lock().buffers.len()).sum();
        let mut excess = held.saturating_sub(keep);
        let mut freed = 0usize;
        for shard in self.shards.iter() {
            if excess == 0 {
                break;
            }
            let mut state = shard.lock();
            while excess > 0 {
                let Some(buf) = state.pop() else { break };
                freed = freed.saturating_add(buf.capacity());
                excess -= 1;
            }
        }
        if self.config.enable_monitoring {
            tracing::debug!(keep, freed, "buffer pool: shrunk");
        }
        freed
    }

    /// Current statistics, summed over all shards.
    pub fn get_stats(&self) -> BufferPoolStats {
        let mut stats = BufferPoolStats {
            max_pool_size: self.config.max_pool_size,
            ..BufferPoolStats::default()
        };
        for shard in self.shards.iter() {
            let state = shard.lock();
            stats.hits += state.hits;
            stats.misses += state.misses;
            stats.returned += state.returned;
            stats.discarded += state.discarded;
            stats.current_pool_size += state.buffers.len();
            stats.bytes_held = stats.bytes_held.saturating_add(state.bytes);
        }
        stats
    }
}

/// Shard count for a pool of `max_pool_size` buffers: the thread shard count, capped at the
/// largest power of two not above `max_pool_size` so every shard holds at least one buffer.
fn shard_count_for(max_pool_size: usize) -> usize {
    if max_pool_size == 0 {
        return 1;
    }
    let largest_fitting = 1usize << (usize::BITS - 1 - max_pool_size.leading_zeros());
    super::shard_count().min(largest_fitting)
}

static GLOBAL_POOL: OnceLock<BufferPool> = OnceLock::new();

/// The process's default pool (the default [`ServerContext`](crate::ServerContext)'s; a
/// server uses its own): built with the default configuration on first use unless
/// [`init_global_buffer_pool`] ran first.
pub fn global_buffer_pool() -> &'static BufferPool {
    GLOBAL_POOL.get_or_init(|| BufferPool::new(BufferPoolConfig::default()))
}

/// Builds the process-wide pool with `config`. `Err` carries the existing pool when it was
/// already built (by an earlier call or by [`global_buffer_pool`]); `config` is then unused.
pub fn init_global_buffer_pool(
    config: BufferPoolConfig,
) -> Result<&'static BufferPool, &'static BufferPool> {
    let mut built = false;
    let pool = GLOBAL_POOL.get_or_init(|| {
        built = true;
        BufferPool::new(config)
    });
    if built { Ok(pool) } else { Err(pool) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn pool(max: usize) -> BufferPool {
        BufferPool::new(BufferPoolConfig {
            max_pool_size: max,
            initial_buffer_capacity: 64,
            max_buffer_capacity: 1024,
            enable_monitoring: true,
        })
    }

    #[test]
    fn hits_misses_and_reuse_rate() {
        let p = pool(8);
        assert_eq!(p.get_stats().reuse_rate(), 0.0);
        let a = p.acquire();
        let b = p.acquire();
        assert!(a.capacity() >= 64);
        let s = p.get_stats();
        assert_eq!((s.hits, s.misses), (0, 2));
        p.release(a);
        p.release(b);
        let _c = p.acquire();
        let _d = p.acquire();
        let _e = p.acquire();
        let s = p.get_stats();
        assert_eq!((s.hits, s.misses, s.returned, s.discarded), (2, 3, 2, 0));
        assert!((s.reuse_rate() - 0.4).abs() < 1e-12);
        assert_eq!(s.max_pool_size, 8);
        assert_eq!(s.current_pool_size, 0);
    }

    #[test]
    fn release_clears_but_keeps_capacity() {
        let p = pool(4);
        let mut buf = p.acquire();
        buf.extend_from_slice(&[7u8; 500]);
        let cap = buf.capacity();
        let ptr = buf.as_ptr();
        p.release(buf);
        let s = p.get_stats();
        assert_eq!(s.current_pool_size, 1);
        assert_eq!(s.bytes_held, cap);
        let again = p.acquire();
        assert!(again.is_empty());
        assert_eq!(again.capacity(), cap);
        assert_eq!(again.as_ptr(), ptr);
        assert_eq!(p.get_stats().bytes_held, 0);
    }

    #[test]
    fn split_buffer_is_topped_up_to_initial_capacity() {
        let p = pool(4);
        let mut buf = p.acquire();
        buf.extend_from_slice(&[1u8; 60]);
        let sent = buf.split().freeze(); // the writer hands the bytes to the socket
        p.release(buf);
        let again = p.acquire();
        assert!(again.capacity() >= 64);
        assert_eq!(sent.len(), 60);
    }

    #[test]
    fn oversized_buffers_are_discarded() {
        let p = pool(4);
        p.release(BytesMut::with_capacity(4096));
        let s = p.get_stats();
        assert_eq!((s.returned, s.discarded, s.current_pool_size), (0, 1, 0));
        p.release(BytesMut::with_capacity(1024)); // exactly the maximum is kept
        assert_eq!(p.get_stats().current_pool_size, 1);
    }

    #[test]
    fn full_pool_drops_extra_buffers() {
        let p = pool(5);
        for _ in 0..8 {
            p.release(BytesMut::with_capacity(64));
        }
        let s = p.get_stats();
        assert_eq!(s.current_pool_size, 5);
        assert_eq!((s.returned, s.discarded), (5, 3));
    }

    #[test]
    fn disabled_pool_keeps_nothing() {
        let p = pool(0);
        p.release(BytesMut::with_capacity(64));
        let b = p.acquire();
        assert!(b.capacity() >= 64);
        let s = p.get_stats();
        assert_eq!((s.hits, s.misses, s.returned, s.discarded), (0, 1, 0, 1));
        assert_eq!(s.current_pool_size, 0);
    }

    #[test]
    fn shrink_drops_down_to_keep() {
        let p = pool(10);
        for _ in 0..10 {
            p.release(BytesMut::with_capacity(100));
        }
        let held = p.get_stats().bytes_held;
        let freed = p.shrink(4);
        let s = p.get_stats();
        assert_eq!(s.current_pool_size, 4);
        assert_eq!(freed + s.bytes_held, held);
        assert!(freed >= 6 * 100);
        assert_eq!(p.shrink(10), 0);
        p.shrink(0);
        let s = p.get_stats();
        assert_eq!((s.current_pool_size, s.bytes_held), (0, 0));
    }

    #[test]
    fn shard_capacities_sum_to_max_pool_size() {
        for max in [0, 1, 2, 3, 7, 50, 63, 64, 65, 100, 1000] {
            let p = pool(max);
            let n = p.shards.len();
            assert!(n.is_power_of_two());
            assert!(n <= crate::memory::MAX_SHARDS);
            assert_eq!(p.shards.iter().map(|s| s.capacity).sum::<usize>(), max);
            if max > 0 {
                assert!(p.shards.iter().all(|s| s.capacity >= 1));
                let (lo, hi) = p.shards.iter().fold((usize::MAX, 0), |(lo, hi), s| {
                    (lo.min(s.capacity), hi.max(s.capacity))
                });
                assert!(hi - lo <= 1);
            }
        }
        // With room for it, the shard count is the per-thread one.
        assert_eq!(pool(1000).shards.len(), crate::memory::shard_count());
    }

    #[test]
    fn shards_are_cache_line_aligned() {
        assert!(std::mem::align_of::<Shard>() >= 128);
        let p = pool(64);
        for s in p.shards.iter() {
            assert_eq!(std::ptr::from_ref(s).addr() % 128, 0);
        }
    }

    #[test]
    fn steals_from_other_shards_and_overflows_into_them() {
        let p = pool(64);
        if p.shards.len() < 2 {
            return;
        }
        // Released into shard 0, acquired from shard 1's thread: a hit through stealing.
        let mut b = p.acquire_at(0);
        b.extend_from_slice(b"abc");
        let ptr = b.as_ptr();
        p.release_at(0, b);
        let stolen = p.acquire_at(1);
        assert_eq!(stolen.as_ptr(), ptr);
        assert!(stolen.is_empty());
        let s = p.get_stats();
        assert_eq!((s.hits, s.misses), (1, 1));

        // Shard 0 full: releases there spill into other shards until the total is reached.
        for _ in 0..70 {
            p.release_at(0, BytesMut::with_capacity(64));
        }
        let s = p.get_stats();
        assert_eq!(s.current_pool_size, 64);
        assert_eq!(s.discarded, 6);
    }

    #[test]
    fn buffer_released_on_one_thread_is_reused_on_another() {
        let p = Arc::new(pool(16));
        let (ptr, cap) = {
            let p = Arc::clone(&p);
            std::thread::spawn(move || {
                let mut b = p.acquire();
                b.extend_from_slice(b"hello");
                let r = (b.as_ptr().addr(), b.capacity());
                p.release(b);
                r
            })
            .join()
            .unwrap()
        };
        let got = {
            let p = Arc::clone(&p);
            std::thread::spawn(move || {
                let b = p.acquire();
                (b.as_ptr().addr(), b.capacity(), b.is_empty())
            })
            .join()
            .unwrap()
        };
        assert_eq!(got, (ptr, cap, true));
        let s = p.get_stats();
        assert_eq!((s.hits, s.misses, s.returned), (1, 1, 1));
    }

    #[test]
    fn concurrent_use_keeps_stats_consistent() {
        const THREADS: usize = 8;
        const ITERS: usize = 10_000;
        let p = Arc::new(pool(16));
        let start = Arc::new(std::sync::Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let p = Arc::clone(&p);
                let start = Arc::clone(&start);
                std::thread::spawn(move || {
                    let mut held = Vec::new();
                    start.wait();
                    for i in 0..ITERS {
                        let mut b = p.acquire();
                        assert!(b.is_empty());
                        b.extend_from_slice(&[t as u8; 16]);
                        // Hold a few so buffers cross between shards and threads.
                        held.push(b);
                        if i % 5 == 0 || held.len() >= 8 {
                            while let Some(b) = held.pop() {
                                p.release(b);
                            }
                        }
                        if i % 997 == 0 {
                            // Sometimes grow past the limit so discards happen too.
                            p.release(BytesMut::with_capacity(2048));
                        }
                    }
                    held
                })
            })
            .collect();
        // Leftovers are released on this thread: cross-thread releases.
        let leftovers: Vec<BytesMut> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        for b in leftovers {
            p.release(b);
        }
        let s = p.get_stats();
        let oversized = (THREADS * ITERS.div_ceil(997)) as u64;
        assert_eq!(s.hits + s.misses, (THREADS * ITERS) as u64);
        assert_eq!(
            s.returned + s.discarded,
            (THREADS * ITERS) as u64 + oversized
        );
        assert!(s.current_pool_size <= 16);
        // Conservation: every buffer the pool created is either idle in it or was dropped.
        assert_eq!(
            s.misses + oversized,
            s.current_pool_size as u64 + s.discarded
        );
        assert_eq!(s.hits, s.returned - s.current_pool_size as u64);
        assert!(s.hits > 0);
        // Threads held up to 8 buffers each against 16 slots: the pool overflowed.
        assert!(s.discarded > oversized, "{s:?}");
    }

    #[test]
    fn global_pool_initialises_once() {
        let first = global_buffer_pool();
        let again = init_global_buffer_pool(BufferPoolConfig {
            max_pool_size: 3,
            ..Default::default()
        });
        assert!(std::ptr::eq(again.unwrap_err(), first));
        assert!(std::ptr::eq(global_buffer_pool(), first));
    }
}
