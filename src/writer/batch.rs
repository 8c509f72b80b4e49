//! DataRow batching: when a buffering writer hands what it holds to the socket.

use crate::memory::MemoryPressure;
use crate::protocol::backend::tag;

/// How DataRows are batched: `BatchConfig`, with its defaults.
///
/// With batching on, a writer writes its buffer once `max_batch_size` DataRows or
/// `max_batch_bytes` bytes are waiting, so a large result leaves in steady batches; a
/// batch also ends at every CommandComplete, ReadyForQuery, ErrorResponse,
/// PortalSuspended and Flush, and the session writes everything out before it waits for
/// the client, so no message a client waits for is held back. Under memory pressure
/// (feature `monitor`) batches end earlier: at half the limits at `Medium`, a quarter at
/// `High`. With batching off, a writer writes when its buffer passes its high-water mark.
///
/// Batching needs the `batching` feature; without it `enable_batching` is ignored (the
/// server says so in its log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchConfig {
    /// DataRows per batch (default 50).
    pub max_batch_size: usize,
    /// Bytes per batch (default 32768).
    pub max_batch_bytes: usize,
    /// Batch at all (default off).
    pub enable_batching: bool,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_batch_size: 50,
            max_batch_bytes: 32 * 1024,
            enable_batching: false,
        }
    }
}

impl BatchConfig {
    /// Checks the limits; the message says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_batch_size == 0 {
            return Err("the batch size must be at least 1".to_string());
        }
        if self.max_batch_bytes == 0 {
            return Err("the batch byte limit must be at least 1".to_string());
        }
        Ok(())
    }
}

/// Batching statistics of one server context.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BatchStats {
    /// Batches that ended with at least one DataRow in them.
    pub flushes: u64,
    /// DataRows in those batches.
    pub rows: u64,
}

impl BatchStats {
    /// Average DataRows per batch (0 when there was none).
    pub fn rows_per_flush(&self) -> f64 {
        if self.flushes == 0 {
            0.0
        } else {
            self.rows as f64 / self.flushes as f64
        }
    }
}

/// The batching counters so far, in the context of the server this thread works for
/// (see [`crate::context`]).
pub fn batch_stats() -> BatchStats {
    let counters = crate::context::with_current(|context| context.counters().snapshot());
    BatchStats {
        flushes: counters.batches,
        rows: counters.batched_rows,
    }
}

/// The per-connection batching state a writer consults after each message.
#[derive(Clone, Debug)]
pub struct Batcher {
    config: BatchConfig,
    high_water: usize,
    rows: usize,
}

impl Batcher {
    /// A batcher with `config`; without batching the writer writes at `high_water` bytes.
    pub fn new(mut config: BatchConfig, high_water: usize) -> Batcher {
        config.enable_batching &= cfg!(feature = "batching");
        Batcher {
            config,
            high_water: high_water.max(1),
            rows: 0,
        }
    }

    /// True if batching is in force.
    pub fn enabled(&self) -> bool {
        self.config.enable_batching
    }

    /// Called after a message with `tag` was appended; `buffered` bytes are waiting.
    /// True means: write the buffer now.
    pub fn after_message(&mut self, tag: u8, buffered: usize, pressure: MemoryPressure) -> bool {
        if !self.config.enable_batching {
            return buffered >= self.high_water;
        }
        let shift = match pressure {
            MemoryPressure::Low => 0,
            MemoryPressure::Medium => 1,
            MemoryPressure::High => 2,
        };
        match tag {
            tag::DATA_ROW => {
                self.rows += 1;
                let full = self.rows >= (self.config.max_batch_size >> shift).max(1)
                    || buffered >= (self.config.max_batch_bytes >> shift).max(1);
                if full {
                    self.end_batch();
                }
                full
            }
            tag::COMMAND_COMPLETE
            | tag::READY_FOR_QUERY
            | tag::ERROR_RESPONSE
            | tag::PORTAL_SUSPENDED => {
                // The batch ends here; its rows leave with the rest of the response,
                // in the write the session makes before it waits for the client.
                self.end_batch();
                buffered >= self.high_water
            }
            _ => buffered >= self.high_water,
        }
    }

    /// The writer wrote everything out (before waiting for the client, or on Flush).
    pub fn written(&mut self) {
        self.end_batch();
    }

    fn end_batch(&mut self) {
        if self.rows > 0 {
            crate::context::with_current(|context| context.counters().batch_ended(self.rows));
            self.rows = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_batching_only_the_high_water_mark_writes() {
        let mut b = Batcher::new(BatchConfig::default(), 1000);
        assert!(!b.after_message(tag::DATA_ROW, 999, MemoryPressure::High));
        assert!(b.after_message(tag::DATA_ROW, 1000, MemoryPressure::Low));
    }

    #[cfg(feature = "batching")]
    #[test]
    fn batches_end_by_count_bytes_and_boundaries() {
        let config = BatchConfig {
            max_batch_size: 3,
            max_batch_bytes: 100,
            enable_batching: true,
        };
        let mut b = Batcher::new(config, 1 << 20);
        assert!(!b.after_message(tag::DATA_ROW, 10, MemoryPressure::Low));
        assert!(!b.after_message(tag::DATA_ROW, 20, MemoryPressure::Low));
        assert!(
            b.after_message(tag::DATA_ROW, 30, MemoryPressure::Low),
            "3 rows"
        );
        assert!(
            b.after_message(tag::DATA_ROW, 100, MemoryPressure::Low),
            "100 bytes"
        );
        assert!(!b.after_message(tag::DATA_ROW, 10, MemoryPressure::Low));
        assert!(!b.after_message(tag::COMMAND_COMPLETE, 20, MemoryPressure::Low));
        assert_eq!(b.rows, 0, "CommandComplete ends the batch");
        // Under high pressure the count limit is a quarter (at least one row).
        assert!(b.after_message(tag::DATA_ROW, 10, MemoryPressure::High));
    }

    #[test]
    fn validation() {
        assert!(BatchConfig::default().validate().is_ok());
        let zero = BatchConfig {
            max_batch_size: 0,
            ..BatchConfig::default()
        };
        assert!(zero.validate().is_err());
    }
}
