//! The server context: what one server's sessions share beyond the database: the buffer
//! pool, the memory monitor and the statistics counters.
//!
//! A [`Server`](crate::Server) builds its own [`ServerContext`] from its configuration
//! (or takes one from the embedding code, [`Server::bind_with_context`](crate::Server::bind_with_context))
//! and hands it down as an `Arc`: to the statistics, the background services and the
//! busy-poll sets explicitly, and to the code that runs on its worker threads through
//! [`current`], which each worker thread sets once when it starts. Two servers in one
//! process therefore have separate pools, monitors and statistics.
//!
//! Code that runs outside a server (a writer built by embedding code, a unit test) finds
//! the process's *default* context, whose pool and monitor are the ones
//! [`global_buffer_pool`](crate::memory::global_buffer_pool) and
//! [`global_memory_monitor`](crate::memory::global_memory_monitor) return.
//!
//! Writers keep `&'static` references to the pool and the monitor (they outlive no
//! particular server, and a reference costs nothing per message), so a context's pool
//! and monitor are allocated once for the rest of the process: a few kilobytes per
//! server. The pool's idle buffers, which are what costs memory, are dropped when the
//! server stops ([`ServerContext::release_buffers`]).

#[cfg(feature = "pooling")]
use crate::memory::BufferPool;
#[cfg(feature = "monitor")]
use crate::memory::MemoryMonitor;
use crate::memory::{BufferPoolConfig, DefaultMonitor, MemoryMonitorConfig};
use std::cell::OnceCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// What one server's sessions share: the buffer pool (feature `pooling`), the memory
/// monitor (a no-op one without feature `monitor`) and the statistics [`Counters`].
#[derive(Debug)]
pub struct ServerContext {
    #[cfg(feature = "pooling")]
    pool: &'static BufferPool,
    monitor: &'static DefaultMonitor,
    counters: Counters,
}

impl ServerContext {
    /// A context with its own pool and monitor, built from `pool` and `monitor`; the
    /// monitor measures (and, with auto cleanup, shrinks) this context's pool. Without
    /// feature `pooling` (`monitor`) the pool (monitor) settings are unused.
    #[cfg_attr(
        not(all(feature = "pooling", feature = "monitor")),
        allow(unused_variables)
    )]
    pub fn new(pool: BufferPoolConfig, monitor: MemoryMonitorConfig) -> ServerContext {
        #[cfg(feature = "pooling")]
        let pool: &'static BufferPool = Box::leak(Box::new(BufferPool::new(pool)));
        #[cfg(all(feature = "monitor", feature = "pooling"))]
        let monitor: &'static MemoryMonitor =
            Box::leak(Box::new(MemoryMonitor::with_pool(monitor, pool)));
        #[cfg(all(feature = "monitor", not(feature = "pooling")))]
        let monitor: &'static MemoryMonitor = Box::leak(Box::new(MemoryMonitor::new(monitor)));
        #[cfg(not(feature = "monitor"))]
        let monitor = crate::memory::monitor::global_default_monitor();
        ServerContext {
            #[cfg(feature = "pooling")]
            pool,
            monitor,
            counters: Counters::default(),
        }
    }

    /// A context built from a server configuration's pool and monitor settings.
    pub fn from_config(config: &crate::Config) -> ServerContext {
        ServerContext::new(config.buffer_pool.clone(), config.memory_monitor.clone())
    }

    /// The process's default context: the global pool and monitor, and counters for
    /// whatever runs outside a server.
    pub fn default_context() -> &'static Arc<ServerContext> {
        static DEFAULT: OnceLock<Arc<ServerContext>> = OnceLock::new();
        DEFAULT.get_or_init(|| {
            Arc::new(ServerContext {
                #[cfg(feature = "pooling")]
                pool: crate::memory::pool::global_buffer_pool(),
                monitor: crate::memory::monitor::global_default_monitor(),
                counters: Counters::default(),
            })
        })
    }

    /// The buffer pool pooled writers of this context borrow from.
    #[cfg(feature = "pooling")]
    pub fn pool(&self) -> &'static BufferPool {
        self.pool
    }

    /// The memory monitor writers of this context report to.
    pub fn monitor(&self) -> &'static DefaultMonitor {
        self.monitor
    }

    /// The statistics counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Drops the pool's idle buffers (when the server stops).
    pub fn release_buffers(&self) {
        #[cfg(feature = "pooling")]
        self.pool.shrink(0);
    }

    /// Makes `self` the context [`current`] returns on this thread, for the rest of the
    /// thread's life (a server's worker thread calls it once, first thing). Returns
    /// false, changing nothing, if the thread already has a context.
    pub fn enter(self: &Arc<Self>) -> bool {
        CURRENT.with(|current| current.set(self.clone()).is_ok())
    }
}

thread_local! {
    /// The context of the server whose worker this thread is.
    static CURRENT: OnceCell<Arc<ServerContext>> = const { OnceCell::new() };
}

/// Runs `f` with the context of the server this thread works for, or the process's
/// default context on any other thread. Cheaper than [`current`]: no reference count
/// changes hands.
pub fn with_current<R>(f: impl Fn(&ServerContext) -> R) -> R {
    match CURRENT.try_with(|current| current.get().map(|context| f(context))) {
        Ok(Some(result)) => result,
        // Not a worker thread (or its thread-locals are being destroyed).
        _ => f(ServerContext::default_context()),
    }
}

/// The context of the server this thread works for, or the process's default context.
pub fn current() -> Arc<ServerContext> {
    CURRENT
        .try_with(|current| current.get().cloned())
        .ok()
        .flatten()
        .unwrap_or_else(|| ServerContext::default_context().clone())
}

/// The counters behind `pgsqlite_stats`'s cumulative numbers, for one context.
#[derive(Debug, Default)]
pub struct Counters {
    prepared: AtomicU64,
    batches: AtomicU64,
    batched_rows: AtomicU64,
    busy_poll_spins: AtomicU64,
    busy_poll_ready: AtomicU64,
    mapped_values: AtomicU64,
    mapped_bytes: AtomicU64,
    snapshot_restarts: AtomicU64,
}

impl Counters {
    /// A statement was parsed, translated and described (a statement-cache miss).
    pub fn statement_prepared(&self) {
        self.prepared.fetch_add(1, Ordering::Relaxed);
    }

    /// A batch of `rows` DataRows ended.
    pub fn batch_ended(&self, rows: usize) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.batched_rows.fetch_add(rows as u64, Ordering::Relaxed);
    }

    /// A worker spun before parking; `ready` if a socket became readable meanwhile.
    pub fn busy_poll_spun(&self, ready: bool) {
        self.busy_poll_spins.fetch_add(1, Ordering::Relaxed);
        if ready {
            self.busy_poll_ready.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A value of `bytes` bytes was memory-mapped from a temporary file.
    pub fn value_mapped(&self, bytes: usize) {
        self.mapped_values.fetch_add(1, Ordering::Relaxed);
        self.mapped_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// A READ COMMITTED transaction was started afresh for a stale snapshot.
    pub fn snapshot_restarted(&self) {
        self.snapshot_restarts.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters' values now.
    pub fn snapshot(&self) -> CounterValues {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        CounterValues {
            prepared: load(&self.prepared),
            batches: load(&self.batches),
            batched_rows: load(&self.batched_rows),
            busy_poll_spins: load(&self.busy_poll_spins),
            busy_poll_ready: load(&self.busy_poll_ready),
            mapped_values: load(&self.mapped_values),
            mapped_bytes: load(&self.mapped_bytes),
            snapshot_restarts: load(&self.snapshot_restarts),
        }
    }
}

/// The values of [`Counters`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CounterValues {
    /// Statements prepared (statement-cache misses).
    pub prepared: u64,
    /// DataRow batches that ended with at least one row.
    pub batches: u64,
    /// DataRows in those batches.
    pub batched_rows: u64,
    /// Busy-poll spins of the workers.
    pub busy_poll_spins: u64,
    /// Spins that ended with a readable socket.
    pub busy_poll_ready: u64,
    /// Values memory-mapped from temporary files.
    pub mapped_values: u64,
    /// Their bytes.
    pub mapped_bytes: u64,
    /// READ COMMITTED transactions started afresh for a stale snapshot.
    pub snapshot_restarts: u64,
}
