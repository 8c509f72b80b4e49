//! `FramedWriter`: the conventional baseline, one write per message.

use super::compose::{Action, FlushPolicy, Named, Writer};
use super::{OwnedBuffer, WriterStrategy};
use crate::memory::{MemoryPressure, NoopMonitor};

/// The flush policy of a framed codec: every message is written and flushed on its own.
#[derive(Clone, Copy, Debug, Default)]
pub struct PerMessage;

impl FlushPolicy for PerMessage {
    #[inline]
    fn after_message(&mut self, _tag: u8, _buffered: usize, _pressure: MemoryPressure) -> Action {
        Action::WriteAndFlush
    }
}

/// Whatever the buffer, writing each message on its own is the framed strategy.
impl<B: super::BufferSource> Named for (B, PerMessage) {
    const STRATEGY: WriterStrategy = WriterStrategy::Framed;
}

/// Writes and flushes every message as its own unit, the way a server built on a
/// framed codec does (`sink.send(message).await` per message): an [`OwnedBuffer`] with
/// the [`PerMessage`] policy.
///
/// It is the baseline the other strategies are measured against: simple and always
/// correct, but one `write` system call per message, DataRows included.
pub type FramedWriter<W> = Writer<W, OwnedBuffer, PerMessage, NoopMonitor>;

impl<W> FramedWriter<W> {
    /// Wraps the write side of a connection.
    pub fn new(io: W) -> Self {
        Writer::from_parts(
            io,
            OwnedBuffer::with_capacity(1024),
            PerMessage,
            NoopMonitor,
        )
    }
}
