//! `BufferPool` acquire+release throughput under 1, 8 and 64 threads sharing one pool,
//! against a baseline pool behind a single `Mutex<Vec<BytesMut>>`.
//!
//! One criterion group per thread count (`pool_threads_1`, `pool_threads_8`,
//! `pool_threads_64`), with `sharded` (the crate's pool) and `mutex` (the baseline) side
//! by side. An iteration is one acquire followed by one release on some thread; the
//! iterations of a sample are split evenly over the threads, which start together on a
//! barrier, and the sample's time is the wall time until the last one finishes. The
//! reported time is therefore wall-clock nanoseconds per operation for the whole
//! process (throughput = operations per second over all threads), so contention shows up
//! as time per operation growing with the thread count.

use bytes::BytesMut;
use criterion::{Criterion, Throughput};
use pgsqlite::memory::{BufferPool, BufferPoolConfig};
use std::hint::black_box;
use std::sync::{Barrier, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Idle buffers either pool keeps: more than the largest thread count, so a release
/// always finds room and every acquire after warm-up is a hit in both pools.
const POOL_SIZE: usize = 128;
/// Capacity of a fresh buffer (the pool's default).
const INITIAL_CAPACITY: usize = 4096;
/// Largest buffer either pool takes back (the pool's default).
const MAX_CAPACITY: usize = 65536;

/// What both pools offer the benchmark.
trait Pool: Sync {
    fn acquire(&self) -> BytesMut;
    fn release(&self, buf: BytesMut);
}

impl Pool for BufferPool {
    fn acquire(&self) -> BytesMut {
        BufferPool::acquire(self)
    }
    fn release(&self, buf: BytesMut) {
        BufferPool::release(self, buf)
    }
}

/// The baseline: one lock around one list, with the same rules as `BufferPool` (cleared
/// on release, oversized or surplus buffers dropped, a miss allocates).
struct MutexPool {
    buffers: Mutex<Vec<BytesMut>>,
}

impl MutexPool {
    fn new() -> MutexPool {
        MutexPool {
            buffers: Mutex::new(Vec::with_capacity(POOL_SIZE)),
        }
    }
}

impl Pool for MutexPool {
    fn acquire(&self) -> BytesMut {
        let found = self
            .buffers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        found.unwrap_or_else(|| BytesMut::with_capacity(INITIAL_CAPACITY))
    }

    fn release(&self, mut buf: BytesMut) {
        if buf.capacity() > MAX_CAPACITY {
            return;
        }
        buf.clear();
        let mut buffers = self.buffers.lock().unwrap_or_else(PoisonError::into_inner);
        if buffers.len() < POOL_SIZE {
            buffers.push(buf);
        }
    }
}

/// Runs `ops` acquire+release pairs spread over `threads` threads; returns the wall time
/// from the first thread's start to the last thread's end. (Each thread reads the clock
/// itself: with more threads than cores, a coordinating thread could be scheduled long
/// after the workers started.)
fn hammer(pool: &dyn Pool, threads: usize, ops: u64) -> Duration {
    let threads_u64 = threads as u64;
    let start = Barrier::new(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads_u64)
            .map(|i| {
                // The first `ops % threads` threads do one extra operation.
                let mine = ops / threads_u64 + u64::from(i < ops % threads_u64);
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    let began = Instant::now();
                    for _ in 0..mine {
                        let mut buf = pool.acquire();
                        buf.extend_from_slice(b"D");
                        pool.release(black_box(buf));
                    }
                    (began, Instant::now())
                })
            })
            .collect();
        let spans: Vec<(Instant, Instant)> = handles
            .into_iter()
            .map(|h| h.join().expect("a benchmark thread panicked"))
            .collect();
        let first = spans.iter().map(|s| s.0).min();
        let last = spans.iter().map(|s| s.1).max();
        match (first, last) {
            (Some(first), Some(last)) => last.duration_since(first),
            _ => Duration::ZERO,
        }
    })
}

fn benchmarks(c: &mut Criterion) {
    let sharded = BufferPool::new(BufferPoolConfig {
        max_pool_size: POOL_SIZE,
        initial_buffer_capacity: INITIAL_CAPACITY,
        max_buffer_capacity: MAX_CAPACITY,
        enable_monitoring: false,
    });
    let mutex = MutexPool::new();
    let pools: [(&str, &dyn Pool); 2] = [("sharded", &sharded), ("mutex", &mutex)];
    for threads in [1usize, 8, 64] {
        let mut group = c.benchmark_group(format!("pool_threads_{threads}"));
        group
            .sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .throughput(Throughput::Elements(1));
        for (name, pool) in pools {
            group.bench_function(name, |b| b.iter_custom(|ops| hammer(pool, threads, ops)));
        }
        group.finish();
    }
    let stats = sharded.get_stats();
    println!(
        "sharded pool: {} hits, {} misses (reuse rate {:.4}), {} discarded",
        stats.hits,
        stats.misses,
        stats.reuse_rate(),
        stats.discarded
    );
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    benchmarks(&mut criterion);
    criterion.final_summary();
}
