//! `Batched`: the flush policy that sends DataRows in batches (feature `batching`).

use super::batch::{BatchConfig, FromBatchConfig};
use super::compose::{Action, Buffering, FlushPolicy};
use super::direct::WhenWaiting;
use crate::memory::MemoryPressure;
use crate::protocol::backend::tag;

/// Writes DataRows in batches: once `max_batch_size` DataRows or `max_batch_bytes` bytes
/// are waiting (half the limits at `Medium` memory pressure, a quarter at `High`), so a
/// large result leaves in steady batches. A batch also ends at every CommandComplete,
/// ReadyForQuery, ErrorResponse and PortalSuspended (its rows then leave with the rest of
/// the response); other messages are written at the high-water mark, as with
/// [`WhenWaiting`].
#[derive(Clone, Debug)]
pub struct Batched {
    max_rows: usize,
    max_bytes: usize,
    otherwise: WhenWaiting,
    rows: usize,
}

impl Batched {
    /// Batches by `config`'s limits (its `enable_batching` is not consulted: this policy
    /// is batching); other messages are written at `high_water` bytes.
    pub fn new(config: &BatchConfig, high_water: usize) -> Batched {
        Batched {
            max_rows: config.max_batch_size,
            max_bytes: config.max_batch_bytes,
            otherwise: WhenWaiting::new(high_water),
            rows: 0,
        }
    }

    /// Ends the current batch, counting it for [`batch_stats`](super::batch_stats) if it
    /// has rows.
    fn end_batch(&mut self) {
        if self.rows > 0 {
            let rows = self.rows;
            crate::context::with_current(|context| context.counters().batch_ended(rows));
            self.rows = 0;
        }
    }
}

impl FlushPolicy for Batched {
    fn after_message(&mut self, tag: u8, buffered: usize, pressure: MemoryPressure) -> Action {
        let shift = match pressure {
            MemoryPressure::Low => 0,
            MemoryPressure::Medium => 1,
            MemoryPressure::High => 2,
        };
        match tag {
            tag::DATA_ROW => {
                self.rows += 1;
                let full = self.rows >= (self.max_rows >> shift).max(1)
                    || buffered >= (self.max_bytes >> shift).max(1);
                if full {
                    self.end_batch();
                    Action::Write
                } else {
                    Action::Keep
                }
            }
            tag::COMMAND_COMPLETE
            | tag::READY_FOR_QUERY
            | tag::ERROR_RESPONSE
            | tag::PORTAL_SUSPENDED => {
                // The batch ends here; its rows leave with the rest of the response,
                // in the write the session makes before it waits for the client.
                self.end_batch();
                self.otherwise.after_message(tag, buffered, pressure)
            }
            _ => self.otherwise.after_message(tag, buffered, pressure),
        }
    }

    fn written(&mut self) {
        self.end_batch();
    }
}

impl Buffering for Batched {}

/// The flush policy a [`BatchConfig`] selects when the server is configured at run
/// time: [`Batched`] when `enable_batching` is set, [`WhenWaiting`] otherwise.
#[derive(Clone, Debug)]
pub enum Batching {
    /// DataRows leave in batches.
    On(Batched),
    /// Messages leave when the client waits or at the high-water mark.
    Off(WhenWaiting),
}

impl FlushPolicy for Batching {
    #[inline]
    fn after_message(&mut self, tag: u8, buffered: usize, pressure: MemoryPressure) -> Action {
        match self {
            Batching::On(batched) => batched.after_message(tag, buffered, pressure),
            Batching::Off(waiting) => waiting.after_message(tag, buffered, pressure),
        }
    }

    #[inline]
    fn written(&mut self) {
        match self {
            Batching::On(batched) => batched.written(),
            Batching::Off(waiting) => waiting.written(),
        }
    }
}

impl Buffering for Batching {}

impl FromBatchConfig for Batching {
    fn from_batch_config(config: BatchConfig, high_water: usize) -> Self {
        if config.enable_batching {
            Batching::On(Batched::new(&config, high_water))
        } else {
            Batching::Off(WhenWaiting::new(high_water))
        }
    }
}

impl Batching {
    /// True if DataRows are batched.
    pub fn enabled(&self) -> bool {
        matches!(self, Batching::On(_))
    }
}
