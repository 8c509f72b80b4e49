//! Statistics users can see: the rows of `SELECT name, value FROM pgsqlite_stats`, and
//! the periodic statistics log line.
//!
//! Every number comes from the server's own [`ServerContext`] (its pool, monitor and
//! counters) and the parts of the server [`StatsContext`] names. A [`snapshot`] measures
//! each group (pool, memory, counters, WAL) once and reads every name from that
//! measurement, so the rows of one query agree with each other.

use crate::auth::Authenticator;
use crate::cancel::CancelRegistry;
use crate::context::{CounterValues, ServerContext};
use crate::executor::{GroupCommit, GroupCommitStats};
use crate::server::admission::Admission;
use crate::writer::WriterStrategy;
use std::sync::Arc;

/// Every statistic, in display order.
pub const NAMES: &[&str] = &[
    "sessions.active",
    "connections.max",
    "connections.open",
    "connections.refused",
    "auth.method",
    "auth.failures",
    "auth.timeouts",
    "writer.strategy",
    "buffer_pool.enabled",
    "buffer_pool.reuse_rate",
    "buffer_pool.hits",
    "buffer_pool.misses",
    "buffer_pool.current_pool_size",
    "buffer_pool.bytes_held",
    "buffer_pool.discarded",
    "memory.mapped_values",
    "memory.mapped_bytes",
    "memory.monitor",
    "memory.total_bytes",
    "memory.in_flight_bytes",
    "memory.rss_bytes",
    "memory.pressure_level",
    "batching.enabled",
    "batching.flushes",
    "batching.rows_per_flush",
    "statements.prepared",
    "transactions.snapshot_restarts",
    "workers.busy_poll_spins",
    "workers.busy_poll_ready",
    "wal.group_commit",
    "wal.commits",
    "wal.flushes",
    "wal.commits_per_flush",
];

/// What the statistics need to know about the server.
#[derive(Clone, Debug)]
pub struct StatsContext {
    /// The writer strategy sessions use.
    pub strategy: WriterStrategy,
    /// Whether batching is on (configured and compiled in).
    pub batching: bool,
    /// The server's sessions (for `sessions.active`).
    pub sessions: CancelRegistry,
    /// The database's group commit, if it is on.
    pub group_commit: Option<Arc<GroupCommit>>,
    /// Connection counts against `--max-connections`.
    pub admission: Arc<Admission>,
    /// The authentication policy (method, failures).
    pub auth: Arc<Authenticator>,
    /// The server's pool, monitor and counters.
    pub server: Arc<ServerContext>,
}

/// One measurement of every group of statistics.
struct Measured<'a> {
    context: &'a StatsContext,
    pool: PoolNumbers,
    memory: MemoryNumbers,
    counters: CounterValues,
    wal: GroupCommitStats,
}

impl Measured<'_> {
    fn take(context: &StatsContext) -> Measured<'_> {
        let pool = pool_stats(&context.server);
        Measured {
            context,
            memory: memory_stats(&context.server, &pool),
            pool,
            counters: context.server.counters().snapshot(),
            wal: context
                .group_commit
                .as_ref()
                .map(|group| group.stats())
                .unwrap_or_default(),
        }
    }
}

/// The current value of statistic `name`, or `None` for an unknown name.
pub fn value(name: &str, context: &StatsContext) -> Option<String> {
    read(name, &Measured::take(context))
}

/// Every statistic as (name, value), from one measurement.
pub fn snapshot(context: &StatsContext) -> Vec<(&'static str, String)> {
    let measured = Measured::take(context);
    NAMES
        .iter()
        .filter_map(|name| read(name, &measured).map(|v| (*name, v)))
        .collect()
}

/// Statistic `name` in `measured`.
fn read(name: &str, measured: &Measured<'_>) -> Option<String> {
    let Measured {
        context,
        pool,
        memory,
        counters,
        wal,
    } = measured;
    Some(match name {
        "sessions.active" => context.sessions.len().to_string(),
        "connections.max" => context.admission.max().to_string(),
        "connections.open" => context.admission.open().to_string(),
        "connections.refused" => context.admission.refused().to_string(),
        "auth.method" => context.auth.method().to_string(),
        "auth.failures" => context.auth.failures().to_string(),
        "auth.timeouts" => context.admission.auth_timeouts().to_string(),
        "writer.strategy" => context.strategy.name().to_string(),
        "buffer_pool.enabled" => cfg!(feature = "pooling").to_string(),
        "buffer_pool.reuse_rate" => format!("{:.4}", pool.reuse_rate),
        "buffer_pool.hits" => pool.hits.to_string(),
        "buffer_pool.misses" => pool.misses.to_string(),
        "buffer_pool.current_pool_size" => pool.current_pool_size.to_string(),
        "buffer_pool.bytes_held" => pool.bytes_held.to_string(),
        "buffer_pool.discarded" => pool.discarded.to_string(),
        "memory.mapped_values" => counters.mapped_values.to_string(),
        "memory.mapped_bytes" => counters.mapped_bytes.to_string(),
        "memory.monitor" => cfg!(feature = "monitor").to_string(),
        "memory.total_bytes" => memory.total_bytes.to_string(),
        "memory.in_flight_bytes" => memory.in_flight_bytes.to_string(),
        "memory.rss_bytes" => memory.rss_bytes.to_string(),
        "memory.pressure_level" => memory.pressure.to_string(),
        "batching.enabled" => context.batching.to_string(),
        "batching.flushes" => counters.batches.to_string(),
        "batching.rows_per_flush" => match counters.batches {
            0 => "0.00".to_string(),
            batches => format!("{:.2}", counters.batched_rows as f64 / batches as f64),
        },
        "statements.prepared" => counters.prepared.to_string(),
        "transactions.snapshot_restarts" => counters.snapshot_restarts.to_string(),
        "workers.busy_poll_spins" => counters.busy_poll_spins.to_string(),
        "workers.busy_poll_ready" => counters.busy_poll_ready.to_string(),
        "wal.group_commit" => context.group_commit.is_some().to_string(),
        "wal.commits" => wal.commits.to_string(),
        "wal.flushes" => wal.flushes.to_string(),
        "wal.commits_per_flush" => match wal.flushes {
            0 => "0.00".to_string(),
            flushes => format!("{:.2}", wal.commits as f64 / flushes as f64),
        },
        _ => return None,
    })
}

#[derive(Default)]
struct PoolNumbers {
    reuse_rate: f64,
    hits: u64,
    misses: u64,
    current_pool_size: usize,
    bytes_held: usize,
    discarded: u64,
}

#[cfg(feature = "pooling")]
fn pool_stats(server: &ServerContext) -> PoolNumbers {
    let stats = server.pool().get_stats();
    PoolNumbers {
        reuse_rate: stats.reuse_rate(),
        hits: stats.hits,
        misses: stats.misses,
        current_pool_size: stats.current_pool_size,
        bytes_held: stats.bytes_held,
        discarded: stats.discarded,
    }
}

#[cfg(not(feature = "pooling"))]
fn pool_stats(_server: &ServerContext) -> PoolNumbers {
    PoolNumbers::default()
}

struct MemoryNumbers {
    total_bytes: usize,
    in_flight_bytes: usize,
    rss_bytes: usize,
    pressure: &'static str,
}

#[cfg(feature = "monitor")]
fn memory_stats(server: &ServerContext, _pool: &PoolNumbers) -> MemoryNumbers {
    let stats = server.monitor().get_stats();
    MemoryNumbers {
        total_bytes: stats.total_bytes(),
        in_flight_bytes: stats.in_flight_bytes,
        rss_bytes: stats.rss_bytes,
        pressure: stats.pressure_level.as_str(),
    }
}

#[cfg(not(feature = "monitor"))]
fn memory_stats(_server: &ServerContext, pool: &PoolNumbers) -> MemoryNumbers {
    // Without the monitor nothing tracks in-flight bytes; the pool's idle bytes are
    // still known.
    MemoryNumbers {
        total_bytes: pool.bytes_held,
        in_flight_bytes: 0,
        rss_bytes: 0,
        pressure: crate::memory::MemoryPressure::Low.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_a_value() {
        let context = StatsContext {
            strategy: WriterStrategy::Framed,
            batching: false,
            sessions: CancelRegistry::default(),
            group_commit: None,
            admission: Arc::new(Admission::new(100)),
            auth: Arc::new(Authenticator::trust()),
            server: Arc::new(ServerContext::new(
                crate::memory::BufferPoolConfig::default(),
                crate::memory::MemoryMonitorConfig::default(),
            )),
        };
        let rows = snapshot(&context);
        assert_eq!(rows.len(), NAMES.len());
        assert_eq!(
            value("writer.strategy", &context).as_deref(),
            Some("framed")
        );
        assert!(value("nope", &context).is_none());
        let rate: f64 = value("buffer_pool.reuse_rate", &context)
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=1.0).contains(&rate));
    }
}
