//! DataRow batching configuration and statistics, and the flush policy a buffering
//! writer gets from a [`BatchConfig`].

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

/// A flush policy built from a [`BatchConfig`] and the buffer's high-water mark.
pub trait FromBatchConfig {
    /// The policy `config` asks for; without batching the writer writes at `high_water`
    /// bytes.
    fn from_batch_config(config: BatchConfig, high_water: usize) -> Self;
}

/// The flush policy the buffering strategies take from a [`BatchConfig`]: with feature
/// `batching`, [`Batching`](super::Batching) (batched or not, as the configuration
/// says); without it, [`WhenWaiting`](super::WhenWaiting).
#[cfg(feature = "batching")]
pub type ByConfig = super::Batching;

/// The flush policy the buffering strategies take from a [`BatchConfig`]: with feature
/// `batching`, `Batching` (batched or not, as the configuration says); without it,
/// [`WhenWaiting`](super::WhenWaiting).
#[cfg(all(feature = "direct-writer", not(feature = "batching")))]
pub type ByConfig = super::WhenWaiting;

#[cfg(test)]
mod tests {
    use super::*;

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
