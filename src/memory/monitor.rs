//! Memory pressure: the [`Monitor`] trait writers use, the real `MemoryMonitor` (feature
//! `monitor`) and the always-available [`NoopMonitor`].
//!
//! What is measured is the memory pgsqlite's own write buffers hold: bytes idle in the
//! global buffer pool plus bytes in buffers writers have reported as acquired and not yet
//! released. Process RSS is read for reporting only, because it also counts SQLite's page
//! cache and everything else the embedding program does.

#[cfg(feature = "monitor")]
use std::sync::OnceLock;
#[cfg(feature = "monitor")]
use std::sync::atomic::{AtomicIsize, AtomicU8, AtomicU64, AtomicUsize, Ordering};

use super::config::MemoryMonitorConfig;
#[cfg(all(feature = "monitor", feature = "pooling"))]
use super::pool::BufferPool;

/// How close pgsqlite's buffers are to the configured limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum MemoryPressure {
    /// Below `memory_threshold`.
    #[default]
    Low,
    /// At or above `memory_threshold`.
    Medium,
    /// At or above `high_memory_threshold`.
    High,
}

impl MemoryPressure {
    /// The level `total_bytes` falls into under `config`'s thresholds.
    pub fn from_total(total_bytes: usize, config: &MemoryMonitorConfig) -> MemoryPressure {
        if total_bytes >= config.high_memory_threshold {
            MemoryPressure::High
        } else if total_bytes >= config.memory_threshold {
            MemoryPressure::Medium
        } else {
            MemoryPressure::Low
        }
    }

    /// Lower-case name, for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryPressure::Low => "low",
            MemoryPressure::Medium => "medium",
            MemoryPressure::High => "high",
        }
    }

    #[cfg(feature = "monitor")]
    fn from_u8(v: u8) -> MemoryPressure {
        match v {
            0 => MemoryPressure::Low,
            1 => MemoryPressure::Medium,
            _ => MemoryPressure::High,
        }
    }
}

/// A memory measurement.
#[derive(Clone, Debug, Default)]
pub struct MemoryStats {
    /// Capacity of the buffers idle in the global buffer pool (0 without feature `pooling`).
    pub pool_bytes: usize,
    /// Bytes in buffers writers currently hold (acquired and not yet released).
    pub in_flight_bytes: usize,
    /// Resident set size of the whole process (0 where it cannot be read). Reported beside
    /// [`total_bytes`](Self::total_bytes), not part of it.
    pub rss_bytes: usize,
    /// Pressure level of the last check.
    pub pressure_level: MemoryPressure,
    /// Checks run so far.
    pub checks: u64,
    /// Checks that shrank the buffer pool.
    pub cleanups: u64,
}

impl MemoryStats {
    /// The bytes pgsqlite's buffers hold: `pool_bytes + in_flight_bytes` (RSS excluded).
    pub fn total_bytes(&self) -> usize {
        self.pool_bytes.saturating_add(self.in_flight_bytes)
    }
}

/// What the write pipeline needs from a memory monitor.
pub trait Monitor: Send + Sync + 'static {
    /// Pressure level of the latest check; cheap (one relaxed atomic load).
    fn pressure(&self) -> MemoryPressure;
    /// A writer now holds a buffer of `bytes` capacity.
    fn buffer_acquired(&self, bytes: usize);
    /// A writer gave back (or dropped) a buffer of `bytes` capacity it had reported.
    fn buffer_released(&self, bytes: usize);
}

/// A monitor that measures nothing: pressure is always `Low`.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopMonitor;

impl Monitor for NoopMonitor {
    #[inline]
    fn pressure(&self) -> MemoryPressure {
        MemoryPressure::Low
    }

    #[inline]
    fn buffer_acquired(&self, _bytes: usize) {}

    #[inline]
    fn buffer_released(&self, _bytes: usize) {}
}

/// A monitor shared by reference (the process-wide one) is a monitor: writers hold
/// `&'static MemoryMonitor` or a [`NoopMonitor`] by value.
impl<T: Monitor + ?Sized> Monitor for &'static T {
    #[inline]
    fn pressure(&self) -> MemoryPressure {
        (**self).pressure()
    }

    #[inline]
    fn buffer_acquired(&self, bytes: usize) {
        (**self).buffer_acquired(bytes);
    }

    #[inline]
    fn buffer_released(&self, bytes: usize) {
        (**self).buffer_released(bytes);
    }
}

/// The monitor type [`default_monitor`] returns: `MemoryMonitor` with feature `monitor`,
/// [`NoopMonitor`] without.
#[cfg(feature = "monitor")]
pub type DefaultMonitor = MemoryMonitor;
/// The monitor type [`default_monitor`] returns: `MemoryMonitor` with feature `monitor`,
/// [`NoopMonitor`] without.
#[cfg(not(feature = "monitor"))]
pub type DefaultMonitor = NoopMonitor;

/// The monitor the pipeline uses: on a server's worker thread, that server's (see
/// [`crate::context`]); elsewhere the process's default one (`global_memory_monitor()`
/// with feature `monitor`, a static [`NoopMonitor`] without). Coerces to
/// `&'static dyn Monitor`.
pub fn default_monitor() -> &'static DefaultMonitor {
    crate::context::with_current(|context| context.monitor())
}

/// The process's default monitor: the global `MemoryMonitor` with feature `monitor`, a
/// static [`NoopMonitor`] without.
pub(crate) fn global_default_monitor() -> &'static DefaultMonitor {
    #[cfg(feature = "monitor")]
    {
        global_memory_monitor()
    }
    #[cfg(not(feature = "monitor"))]
    {
        static NOOP: NoopMonitor = NoopMonitor;
        &NOOP
    }
}

/// One per-thread slice of the in-flight byte count, alone on its cache line. Signed
/// because a buffer acquired on one thread may be released on another.
#[cfg(feature = "monitor")]
#[repr(align(128))]
#[derive(Default)]
struct InFlightSlot(AtomicIsize);

/// Watches the bytes pgsqlite's buffers hold and derives a [`MemoryPressure`] level.
///
/// In-flight accounting is sharded per thread like the buffer pool, so writers on different
/// worker threads never touch the same counter; [`check`](Self::check) sums the shards.
#[cfg(feature = "monitor")]
pub struct MemoryMonitor {
    config: MemoryMonitorConfig,
    /// The pool to measure and shrink; `None` is the global pool, resolved at check time
    /// so building a monitor does not freeze the global pool's configuration.
    #[cfg(feature = "pooling")]
    pool: Option<&'static BufferPool>,
    in_flight: Box<[InFlightSlot]>,
    mask: usize,
    pressure: AtomicU8,
    rss_bytes: AtomicUsize,
    checks: AtomicU64,
    cleanups: AtomicU64,
}

#[cfg(feature = "monitor")]
impl std::fmt::Debug for MemoryMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryMonitor")
            .field("config", &self.config)
            .field("pressure", &self.pressure())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "monitor")]
impl MemoryMonitor {
    /// A monitor with `config` that measures (and, with auto cleanup, shrinks) the global
    /// buffer pool. Pressure starts `Low` until the first [`check`](Self::check).
    pub fn new(config: MemoryMonitorConfig) -> MemoryMonitor {
        let n = super::shard_count();
        MemoryMonitor {
            config,
            #[cfg(feature = "pooling")]
            pool: None,
            in_flight: (0..n).map(|_| InFlightSlot::default()).collect(),
            mask: n - 1,
            pressure: AtomicU8::new(MemoryPressure::Low as u8),
            rss_bytes: AtomicUsize::new(0),
            checks: AtomicU64::new(0),
            cleanups: AtomicU64::new(0),
        }
    }

    /// A monitor that measures and shrinks `pool` instead of the global pool.
    #[cfg(feature = "pooling")]
    pub fn with_pool(config: MemoryMonitorConfig, pool: &'static BufferPool) -> MemoryMonitor {
        MemoryMonitor {
            pool: Some(pool),
            ..MemoryMonitor::new(config)
        }
    }

    /// The configuration the monitor was built with.
    pub fn config(&self) -> &MemoryMonitorConfig {
        &self.config
    }

    #[cfg(feature = "pooling")]
    fn pool(&self) -> &'static BufferPool {
        self.pool.unwrap_or_else(super::pool::global_buffer_pool)
    }

    fn pool_bytes(&self) -> usize {
        #[cfg(feature = "pooling")]
        {
            self.pool().get_stats().bytes_held
        }
        #[cfg(not(feature = "pooling"))]
        {
            0
        }
    }

    fn in_flight_bytes(&self) -> usize {
        let sum = self.in_flight.iter().fold(0isize, |acc, slot| {
            acc.wrapping_add(slot.0.load(Ordering::Relaxed))
        });
        usize::try_from(sum).unwrap_or(0)
    }

    fn slot(&self) -> &AtomicIsize {
        &self.in_flight[super::thread_slot() & self.mask].0
    }

    /// Measures now: pool bytes, in-flight bytes and process RSS; sets the pressure level
    /// from `pool + in-flight`; with `enable_auto_cleanup`, shrinks the pool under pressure
    /// (to half its idle buffers at `Medium`, to none at `High`) and counts a cleanup.
    /// Returns the measurement that decided (pool bytes as before any cleanup).
    pub fn check(&self) -> MemoryStats {
        let pool_bytes = self.pool_bytes();
        let in_flight_bytes = self.in_flight_bytes();
        let rss_bytes = read_rss_bytes();
        self.rss_bytes.store(rss_bytes, Ordering::Relaxed);
        let total = pool_bytes.saturating_add(in_flight_bytes);
        let level = MemoryPressure::from_total(total, &self.config);
        let previous = MemoryPressure::from_u8(self.pressure.swap(level as u8, Ordering::Relaxed));
        let checks = self.checks.fetch_add(1, Ordering::Relaxed) + 1;

        if level > previous {
            tracing::warn!(
                pressure = level.as_str(),
                previous = previous.as_str(),
                total_bytes = total,
                threshold = self.config.memory_threshold,
                high_threshold = self.config.high_memory_threshold,
                "memory pressure rose"
            );
        } else if self.config.enable_detailed_monitoring {
            tracing::info!(
                pressure = level.as_str(),
                pool_bytes,
                in_flight_bytes,
                rss_bytes,
                "memory check"
            );
        } else {
            tracing::debug!(
                pressure = level.as_str(),
                pool_bytes,
                in_flight_bytes,
                rss_bytes,
                "memory check"
            );
        }

        if self.config.enable_auto_cleanup && level >= MemoryPressure::Medium {
            self.cleanup(level);
        }

        MemoryStats {
            pool_bytes,
            in_flight_bytes,
            rss_bytes,
            pressure_level: level,
            checks,
            cleanups: self.cleanups.load(Ordering::Relaxed),
        }
    }

    /// Shrinks the pool for `level`; without feature `pooling` there is nothing to shrink.
    fn cleanup(&self, level: MemoryPressure) {
        #[cfg(feature = "pooling")]
        {
            let pool = self.pool();
            let keep = match level {
                MemoryPressure::High => 0,
                _ => pool.get_stats().current_pool_size / 2,
            };
            let freed = pool.shrink(keep);
            self.cleanups.fetch_add(1, Ordering::Relaxed);
            tracing::info!(pressure = level.as_str(), keep, freed, "buffer pool shrunk");
        }
        #[cfg(not(feature = "pooling"))]
        let _ = level;
    }

    /// The last check's pressure, RSS and counters, with pool and in-flight bytes as of now.
    pub fn get_stats(&self) -> MemoryStats {
        MemoryStats {
            pool_bytes: self.pool_bytes(),
            in_flight_bytes: self.in_flight_bytes(),
            rss_bytes: self.rss_bytes.load(Ordering::Relaxed),
            pressure_level: self.pressure(),
            checks: self.checks.load(Ordering::Relaxed),
            cleanups: self.cleanups.load(Ordering::Relaxed),
        }
    }

    /// Runs [`check`](Self::check) every `check_interval` (the first one right away) until
    /// `stop` completes. Meant to be spawned on the server's runtime so it ends with it.
    pub async fn run(&self, stop: impl std::future::Future<Output = ()>) {
        let period = self
            .config
            .check_interval
            .max(std::time::Duration::from_millis(1));
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut stop = std::pin::pin!(stop);
        loop {
            tokio::select! {
                biased;
                () = &mut stop => break,
                _ = ticker.tick() => {
                    self.check();
                }
            }
        }
    }
}

#[cfg(feature = "monitor")]
impl Monitor for MemoryMonitor {
    #[inline]
    fn pressure(&self) -> MemoryPressure {
        MemoryPressure::from_u8(self.pressure.load(Ordering::Relaxed))
    }

    #[inline]
    fn buffer_acquired(&self, bytes: usize) {
        let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
        self.slot().fetch_add(bytes, Ordering::Relaxed);
    }

    #[inline]
    fn buffer_released(&self, bytes: usize) {
        let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
        self.slot().fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// Resident set size from `/proc/self/statm` (resident pages x 4096); 0 if unreadable.
#[cfg(feature = "monitor")]
fn read_rss_bytes() -> usize {
    const PAGE_SIZE: usize = 4096;
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|text| text.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages.saturating_mul(PAGE_SIZE))
}

#[cfg(feature = "monitor")]
static GLOBAL_MONITOR: OnceLock<MemoryMonitor> = OnceLock::new();

/// The process's default monitor (the default [`ServerContext`](crate::ServerContext)'s;
/// a server uses its own): built with the default configuration on first use unless
/// [`init_global_memory_monitor`] ran first.
#[cfg(feature = "monitor")]
pub fn global_memory_monitor() -> &'static MemoryMonitor {
    GLOBAL_MONITOR.get_or_init(|| MemoryMonitor::new(MemoryMonitorConfig::default()))
}

/// Builds the process-wide monitor with `config`. `Err` carries the existing monitor when it
/// was already built (by an earlier call or by [`global_memory_monitor`]).
#[cfg(feature = "monitor")]
pub fn init_global_memory_monitor(
    config: MemoryMonitorConfig,
) -> Result<&'static MemoryMonitor, &'static MemoryMonitor> {
    let mut built = false;
    let monitor = GLOBAL_MONITOR.get_or_init(|| {
        built = true;
        MemoryMonitor::new(config)
    });
    if built { Ok(monitor) } else { Err(monitor) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noop_monitor_is_always_low() {
        let m = NoopMonitor;
        m.buffer_acquired(usize::MAX);
        assert_eq!(m.pressure(), MemoryPressure::Low);
        m.buffer_released(1);
        assert_eq!(m.pressure(), MemoryPressure::Low);
        let dynamic: &'static dyn Monitor = default_monitor();
        #[cfg(not(feature = "monitor"))]
        {
            dynamic.buffer_acquired(1 << 40);
            assert_eq!(dynamic.pressure(), MemoryPressure::Low);
        }
        let _ = dynamic;
    }

    #[test]
    fn levels_are_ordered_and_classified() {
        assert!(MemoryPressure::Low < MemoryPressure::Medium);
        assert!(MemoryPressure::Medium < MemoryPressure::High);
        assert_eq!(MemoryPressure::default(), MemoryPressure::Low);
        let cfg = MemoryMonitorConfig {
            memory_threshold: 100,
            high_memory_threshold: 200,
            ..Default::default()
        };
        assert_eq!(MemoryPressure::from_total(99, &cfg), MemoryPressure::Low);
        assert_eq!(
            MemoryPressure::from_total(100, &cfg),
            MemoryPressure::Medium
        );
        assert_eq!(
            MemoryPressure::from_total(199, &cfg),
            MemoryPressure::Medium
        );
        assert_eq!(MemoryPressure::from_total(200, &cfg), MemoryPressure::High);
    }

    #[test]
    fn total_excludes_rss() {
        let s = MemoryStats {
            pool_bytes: 10,
            in_flight_bytes: 5,
            rss_bytes: 1_000_000,
            ..Default::default()
        };
        assert_eq!(s.total_bytes(), 15);
    }

    #[cfg(feature = "monitor")]
    mod real {
        use super::*;
        use std::time::Duration;

        fn config(cleanup: bool) -> MemoryMonitorConfig {
            MemoryMonitorConfig {
                memory_threshold: 1000,
                high_memory_threshold: 2000,
                check_interval: Duration::from_millis(5),
                enable_auto_cleanup: cleanup,
                enable_detailed_monitoring: true,
            }
        }

        /// A monitor over a private pool (when pooling is on) so tests do not share state.
        fn monitor(cleanup: bool) -> MemoryMonitor {
            #[cfg(feature = "pooling")]
            {
                let pool = Box::leak(Box::new(BufferPool::new(Default::default())));
                MemoryMonitor::with_pool(config(cleanup), pool)
            }
            #[cfg(not(feature = "pooling"))]
            {
                MemoryMonitor::new(config(cleanup))
            }
        }

        #[test]
        fn pressure_follows_in_flight_bytes() {
            let m = monitor(false);
            assert_eq!(m.pressure(), MemoryPressure::Low);
            m.buffer_acquired(600);
            assert_eq!(m.check().pressure_level, MemoryPressure::Low);
            m.buffer_acquired(600);
            let s = m.check();
            assert_eq!(s.in_flight_bytes, 1200);
            assert_eq!(s.pressure_level, MemoryPressure::Medium);
            assert_eq!(m.pressure(), MemoryPressure::Medium);
            m.buffer_acquired(1000);
            assert_eq!(m.check().pressure_level, MemoryPressure::High);
            m.buffer_released(2200);
            let s = m.check();
            assert_eq!(
                (s.in_flight_bytes, s.pressure_level),
                (0, MemoryPressure::Low)
            );
            assert_eq!(s.checks, 4);
            assert_eq!(s.cleanups, 0);
        }

        #[test]
        fn in_flight_balances_across_threads() {
            let m: &'static MemoryMonitor = Box::leak(Box::new(monitor(false)));
            m.buffer_acquired(1500);
            std::thread::spawn(move || m.buffer_released(1500))
                .join()
                .unwrap();
            let handles: Vec<_> = (0..4)
                .map(|_| std::thread::spawn(move || m.buffer_acquired(300)))
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            let s = m.check();
            assert_eq!(s.in_flight_bytes, 1200);
            assert_eq!(s.pressure_level, MemoryPressure::Medium);
            assert_eq!(m.get_stats().in_flight_bytes, 1200);
        }

        #[test]
        fn get_stats_reports_current_bytes_and_last_level() {
            let m = monitor(false);
            m.buffer_acquired(5000);
            m.check();
            m.buffer_released(5000);
            let s = m.get_stats();
            assert_eq!(s.in_flight_bytes, 0);
            assert_eq!(s.pressure_level, MemoryPressure::High);
            assert_eq!(s.checks, 1);
            #[cfg(target_os = "linux")]
            assert!(s.rss_bytes > 0);
        }

        #[cfg(feature = "pooling")]
        #[test]
        fn auto_cleanup_shrinks_pool_only_when_enabled() {
            use bytes::BytesMut;
            for cleanup in [false, true] {
                let m = monitor(cleanup);
                let pool = m.pool();
                for _ in 0..10 {
                    pool.release(BytesMut::with_capacity(100));
                }
                // 10 x 100 bytes idle: Medium pressure.
                let s = m.check();
                assert_eq!(s.pressure_level, MemoryPressure::Medium);
                assert_eq!(s.pool_bytes, 1000);
                let after = pool.get_stats().current_pool_size;
                if cleanup {
                    assert_eq!(after, 5);
                    assert_eq!(m.get_stats().cleanups, 1);
                    assert_eq!(m.get_stats().pool_bytes, 500);
                } else {
                    assert_eq!(after, 10);
                    assert_eq!(m.get_stats().cleanups, 0);
                }
                // High pressure empties the pool.
                m.buffer_acquired(5000);
                assert_eq!(m.check().pressure_level, MemoryPressure::High);
                let after = pool.get_stats().current_pool_size;
                assert_eq!(after, if cleanup { 0 } else { 10 });
            }
        }

        #[test]
        fn run_stops_when_stop_completes() {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            let m = monitor(false);
            rt.block_on(async {
                let stop = tokio::time::sleep(Duration::from_millis(60));
                tokio::time::timeout(Duration::from_secs(5), m.run(stop))
                    .await
                    .expect("run did not stop");
            });
            let checks = m.get_stats().checks;
            assert!(checks >= 2, "only {checks} checks");
        }

        #[test]
        fn global_monitor_initialises_once() {
            let first = global_memory_monitor();
            let again = init_global_memory_monitor(config(true));
            assert!(std::ptr::eq(again.unwrap_err(), first));
            assert!(std::ptr::eq(default_monitor(), first));
        }
    }
}
