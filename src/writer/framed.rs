//! `FramedWriter`: the conventional baseline, one write per message.

use super::{ProtocolWriter, WriterStrategy};
use bytes::BytesMut;
use std::io;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Writes and flushes every message as its own unit, the way a server built on a
/// framed codec does (`sink.send(message).await` per message).
///
/// It is the baseline the other strategies are measured against: simple and always
/// correct, but one `write` system call per message, DataRows included.
#[derive(Debug)]
pub struct FramedWriter<W> {
    io: W,
    buf: BytesMut,
}

impl<W: AsyncWrite + Unpin> FramedWriter<W> {
    /// Wraps the write side of a connection.
    pub fn new(io: W) -> Self {
        FramedWriter {
            io,
            buf: BytesMut::with_capacity(1024),
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
}

impl<W: AsyncWrite + Unpin> ProtocolWriter for FramedWriter<W> {
    fn buffer(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    async fn message_done(&mut self, _tag: u8) -> io::Result<()> {
        self.io.write_all(&self.buf).await?;
        self.buf.clear();
        self.io.flush().await
    }

    async fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.io.write_all(&self.buf).await?;
            self.buf.clear();
        }
        self.io.flush().await
    }

    async fn write_direct(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.io.write_all(&self.buf).await?;
        self.buf.clear();
        self.io.write_all(bytes).await
    }

    fn strategy(&self) -> WriterStrategy {
        WriterStrategy::Framed
    }
}
