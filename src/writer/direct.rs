//! `DirectWriter`: encode into one reusable buffer, write only when the client waits.

use super::batch::{BatchConfig, Batcher};
use super::{ProtocolWriter, WriterStrategy};
use crate::memory::{DefaultMonitor, Monitor, default_monitor};
use bytes::BytesMut;
use std::io;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Default size at which [`DirectWriter`] writes even though nobody waits yet.
pub const DEFAULT_HIGH_WATER: usize = 64 * 1024;

/// Encodes straight into the connection's reusable write buffer and writes only when
/// the client needs to see output (the session is about to wait for the next request,
/// or the client sent Flush) or when the buffer passes its high-water mark.
///
/// A small query's whole response (RowDescription, DataRows, CommandComplete,
/// ReadyForQuery) leaves in one `write`; a pipeline of many queries leaves in few.
/// The buffer keeps its capacity between queries, so steady-state encoding allocates
/// nothing.
///
/// DataRows can be batched ([`BatchConfig`], feature `batching`); the buffer's bytes
/// are reported to the memory monitor.
#[derive(Debug)]
pub struct DirectWriter<W> {
    io: W,
    buf: BytesMut,
    held: usize,
    batcher: Batcher,
    monitor: &'static DefaultMonitor,
}

impl<W: AsyncWrite + Unpin> DirectWriter<W> {
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
        let buf = BytesMut::with_capacity(high_water.clamp(1024, 8 * 1024));
        let monitor = default_monitor();
        monitor.buffer_acquired(buf.capacity());
        DirectWriter {
            io,
            held: buf.capacity(),
            buf,
            batcher: Batcher::new(batch_config, high_water),
            monitor,
        }
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.io
    }

    async fn write_out(&mut self) -> io::Result<()> {
        if self.buf.capacity() != self.held {
            self.monitor.buffer_released(self.held);
            self.held = self.buf.capacity();
            self.monitor.buffer_acquired(self.held);
        }
        if !self.buf.is_empty() {
            self.io.write_all(&self.buf).await?;
            self.buf.clear();
        }
        Ok(())
    }
}

impl<W: AsyncWrite + Unpin> ProtocolWriter for DirectWriter<W> {
    fn buffer(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    async fn message_done(&mut self, tag: u8) -> io::Result<()> {
        if self
            .batcher
            .after_message(tag, self.buf.len(), self.monitor.pressure())
        {
            self.write_out().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> io::Result<()> {
        self.write_out().await?;
        self.batcher.written();
        self.io.flush().await
    }

    async fn write_direct(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_out().await?;
        self.io.write_all(bytes).await
    }

    fn strategy(&self) -> WriterStrategy {
        WriterStrategy::Direct
    }
}

impl<W> Drop for DirectWriter<W> {
    fn drop(&mut self) {
        self.monitor.buffer_released(self.held);
    }
}
