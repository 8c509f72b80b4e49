//! `DirectWriter`: encode into one reusable buffer, write only when the client waits.

use super::batch::{BatchConfig, ByConfig, FromBatchConfig};
use super::compose::{Action, Buffering, FlushPolicy, Named, Writer};
use super::{OwnedBuffer, WriterStrategy};
use crate::memory::{DefaultMonitor, MemoryPressure, default_monitor};

/// Default size at which [`DirectWriter`] writes even though nobody waits yet.
pub const DEFAULT_HIGH_WATER: usize = 64 * 1024;

/// The flush policy of the buffering writers: messages stay buffered until the client
/// waits for output (the session is about to read the next request, or the client sent
/// Flush), or until `high_water` bytes are buffered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WhenWaiting {
    high_water: usize,
}

impl WhenWaiting {
    /// Writes once `high_water` bytes (at least 1) are buffered.
    pub fn new(high_water: usize) -> WhenWaiting {
        WhenWaiting {
            high_water: high_water.max(1),
        }
    }

    /// The buffered bytes at which it writes.
    pub fn high_water(&self) -> usize {
        self.high_water
    }
}

impl FlushPolicy for WhenWaiting {
    #[inline]
    fn after_message(&mut self, _tag: u8, buffered: usize, _pressure: MemoryPressure) -> Action {
        if buffered >= self.high_water {
            Action::Write
        } else {
            Action::Keep
        }
    }
}

impl Buffering for WhenWaiting {}

/// Without the `batching` feature there is no batching to configure: `enable_batching`
/// is ignored (the server says so in its log).
impl FromBatchConfig for WhenWaiting {
    fn from_batch_config(_config: BatchConfig, high_water: usize) -> Self {
        WhenWaiting::new(high_water)
    }
}

/// A buffering writer over an [`OwnedBuffer`] is the direct strategy.
impl<F: Buffering> Named for (OwnedBuffer, F) {
    const STRATEGY: WriterStrategy = WriterStrategy::Direct;
}

/// Encodes straight into the connection's reusable write buffer and writes only when
/// the client needs to see output (the session is about to wait for the next request,
/// or the client sent Flush) or when the buffer passes its high-water mark: an
/// [`OwnedBuffer`] with the [`WhenWaiting`] policy, or DataRow batching when the
/// `batching` feature is on and its [`BatchConfig`] enables it.
///
/// A small query's whole response (RowDescription, DataRows, CommandComplete,
/// ReadyForQuery) leaves in one `write`; a pipeline of many queries leaves in few.
/// The buffer keeps its capacity between queries, so steady-state encoding allocates
/// nothing. The buffer's bytes are reported to the memory monitor.
pub type DirectWriter<W> = Writer<W, OwnedBuffer, ByConfig, &'static DefaultMonitor>;

impl<W> DirectWriter<W> {
    /// Wraps the write side of a connection with the default high-water mark.
    pub fn new(io: W) -> Self {
        Self::with_high_water(io, DEFAULT_HIGH_WATER)
    }

    /// Wraps the write side of a connection; the buffer is written out whenever it
    /// holds `high_water` bytes or more after a message.
    pub fn with_high_water(io: W, high_water: usize) -> Self {
        Self::with_batching(io, BatchConfig::default(), high_water)
    }

    /// Wraps the write side of a connection, batching DataRows by `batch_config`
    /// (writing at `high_water` bytes when batching is off).
    pub fn with_batching(io: W, batch_config: BatchConfig, high_water: usize) -> Self {
        Writer::from_parts(
            io,
            OwnedBuffer::with_capacity(high_water.clamp(1024, 8 * 1024)),
            ByConfig::from_batch_config(batch_config, high_water),
            default_monitor(),
        )
    }
}
