//! `DirectWriter`: encode into one reusable buffer, write only when the client waits.

use super::{ProtocolWriter, WriterStrategy};
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
#[derive(Debug)]
pub struct DirectWriter<W> {
    io: W,
    buf: BytesMut,
    high_water: usize,
}

impl<W: AsyncWrite + Unpin> DirectWriter<W> {
    /// Wraps the write side of a connection with the default high-water mark.
    pub fn new(io: W) -> Self {
        Self::with_high_water(io, DEFAULT_HIGH_WATER)
    }

    /// Wraps the write side of a connection; the buffer is written out whenever it
    /// holds `high_water` bytes or more after a message.
    pub fn with_high_water(io: W, high_water: usize) -> Self {
        DirectWriter {
            io,
            buf: BytesMut::with_capacity(high_water.clamp(1024, 64 * 1024)),
            high_water: high_water.max(1),
        }
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.io
    }

    /// Gives the underlying writer back.
    pub fn into_inner(self) -> W {
        self.io
    }

    async fn write_out(&mut self) -> io::Result<()> {
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

    async fn message_done(&mut self, _tag: u8) -> io::Result<()> {
        if self.buf.len() >= self.high_water {
            self.write_out().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> io::Result<()> {
        self.write_out().await?;
        self.io.flush().await
    }

    fn strategy(&self) -> WriterStrategy {
        WriterStrategy::Direct
    }
}
