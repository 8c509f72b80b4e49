//! Plain configuration data for the buffer pool and the memory monitor (no feature needed).
//!
//! Both structs are public-field data with a [`Default`] matching the documented
//! environment defaults, so callers can write
//! `BufferPoolConfig { max_pool_size: 100, ..Default::default() }`. Reading the
//! `PGSQLITE_BUFFER_*` / `PGSQLITE_MEMORY_*` variables is the server configuration's job;
//! these types only hold and check the values.

use std::time::Duration;

/// Settings of a `BufferPool` (feature `pooling`).
#[derive(Clone, Debug, PartialEq)]
pub struct BufferPoolConfig {
    /// Total number of idle buffers the pool may hold, over all its shards
    /// (`PGSQLITE_BUFFER_POOL_SIZE`, default 50). `0` disables pooling: every
    /// acquire allocates and every release drops.
    pub max_pool_size: usize,
    /// Capacity in bytes a buffer handed out by the pool has at least
    /// (`PGSQLITE_BUFFER_INITIAL_CAPACITY`, default 4096). Must be greater than zero.
    pub initial_buffer_capacity: usize,
    /// Buffers that grew beyond this many bytes are dropped on release instead of being
    /// pooled (`PGSQLITE_BUFFER_MAX_CAPACITY`, default 65536).
    pub max_buffer_capacity: usize,
    /// Log pool events (discards, shrinks) through `tracing` (`PGSQLITE_BUFFER_MONITORING`,
    /// default off).
    pub enable_monitoring: bool,
}

impl Default for BufferPoolConfig {
    fn default() -> Self {
        Self {
            max_pool_size: 50,
            initial_buffer_capacity: 4096,
            max_buffer_capacity: 65536,
            enable_monitoring: false,
        }
    }
}

impl BufferPoolConfig {
    /// Checks the values hang together: `initial_buffer_capacity` is non-zero and not above
    /// `max_buffer_capacity`. `max_pool_size == 0` is valid (pooling disabled).
    pub fn validate(&self) -> Result<(), String> {
        if self.initial_buffer_capacity == 0 {
            return Err("initial buffer capacity must be greater than 0".to_owned());
        }
        if self.initial_buffer_capacity > self.max_buffer_capacity {
            return Err(format!(
                "initial buffer capacity ({}) must not exceed the maximum buffer capacity ({})",
                self.initial_buffer_capacity, self.max_buffer_capacity
            ));
        }
        Ok(())
    }
}

/// Settings of a `MemoryMonitor` (feature `monitor`).
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryMonitorConfig {
    /// Bytes held by pgsqlite's buffers at which pressure becomes `Medium`
    /// (`PGSQLITE_MEMORY_THRESHOLD`, default 64 MiB). Must be greater than zero.
    pub memory_threshold: usize,
    /// Bytes at which pressure becomes `High` (`PGSQLITE_HIGH_MEMORY_THRESHOLD`,
    /// default 128 MiB). Must be at least `memory_threshold`.
    pub high_memory_threshold: usize,
    /// Time between two checks (`PGSQLITE_MEMORY_CHECK_INTERVAL`, in seconds, default 10).
    /// Must be non-zero.
    pub check_interval: Duration,
    /// Shrink the buffer pool when pressure is `Medium` or worse (`PGSQLITE_AUTO_CLEANUP`,
    /// default off).
    pub enable_auto_cleanup: bool,
    /// Log every check at `info` instead of `debug` (`PGSQLITE_MEMORY_MONITORING`,
    /// default off).
    pub enable_detailed_monitoring: bool,
}

impl Default for MemoryMonitorConfig {
    fn default() -> Self {
        Self {
            memory_threshold: 64 * 1024 * 1024,
            high_memory_threshold: 128 * 1024 * 1024,
            check_interval: Duration::from_secs(10),
            enable_auto_cleanup: false,
            enable_detailed_monitoring: false,
        }
    }
}

impl MemoryMonitorConfig {
    /// Checks the values hang together: a non-zero threshold, a high threshold not below
    /// it, and a non-zero check interval.
    pub fn validate(&self) -> Result<(), String> {
        if self.memory_threshold == 0 {
            return Err("memory threshold must be greater than 0".to_owned());
        }
        if self.high_memory_threshold < self.memory_threshold {
            return Err(format!(
                "high memory threshold ({}) must not be below the memory threshold ({})",
                self.high_memory_threshold, self.memory_threshold
            ));
        }
        if self.check_interval.is_zero() {
            return Err("memory check interval must be greater than 0".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_documented_values() {
        let pool = BufferPoolConfig::default();
        assert_eq!(pool.max_pool_size, 50);
        assert_eq!(pool.initial_buffer_capacity, 4096);
        assert_eq!(pool.max_buffer_capacity, 65536);
        assert!(!pool.enable_monitoring);
        assert_eq!(pool.validate(), Ok(()));

        let mon = MemoryMonitorConfig::default();
        assert_eq!(mon.memory_threshold, 67_108_864);
        assert_eq!(mon.high_memory_threshold, 134_217_728);
        assert_eq!(mon.check_interval, Duration::from_secs(10));
        assert!(!mon.enable_auto_cleanup);
        assert!(!mon.enable_detailed_monitoring);
        assert_eq!(mon.validate(), Ok(()));
    }

    #[test]
    fn struct_update_syntax_works() {
        let pool = BufferPoolConfig {
            max_pool_size: 100,
            enable_monitoring: true,
            ..Default::default()
        };
        assert_eq!(pool.max_pool_size, 100);
        assert_eq!(pool.initial_buffer_capacity, 4096);
    }

    #[test]
    fn pool_validate_errors() {
        let zero_initial = BufferPoolConfig {
            initial_buffer_capacity: 0,
            ..Default::default()
        };
        assert!(zero_initial.validate().unwrap_err().contains("initial"));

        let inverted = BufferPoolConfig {
            initial_buffer_capacity: 8192,
            max_buffer_capacity: 4096,
            ..Default::default()
        };
        assert!(inverted.validate().unwrap_err().contains("8192"));

        let disabled = BufferPoolConfig {
            max_pool_size: 0,
            ..Default::default()
        };
        assert_eq!(disabled.validate(), Ok(()));

        let equal = BufferPoolConfig {
            initial_buffer_capacity: 4096,
            max_buffer_capacity: 4096,
            ..Default::default()
        };
        assert_eq!(equal.validate(), Ok(()));
    }

    #[test]
    fn monitor_validate_errors() {
        let inverted = MemoryMonitorConfig {
            memory_threshold: 200,
            high_memory_threshold: 100,
            ..Default::default()
        };
        assert!(
            inverted
                .validate()
                .unwrap_err()
                .contains("high memory threshold")
        );

        let zero_interval = MemoryMonitorConfig {
            check_interval: Duration::ZERO,
            ..Default::default()
        };
        assert!(zero_interval.validate().unwrap_err().contains("interval"));

        let zero_threshold = MemoryMonitorConfig {
            memory_threshold: 0,
            ..Default::default()
        };
        assert!(zero_threshold.validate().is_err());

        let equal = MemoryMonitorConfig {
            memory_threshold: 100,
            high_memory_threshold: 100,
            ..Default::default()
        };
        assert_eq!(equal.validate(), Ok(()));
    }
}
