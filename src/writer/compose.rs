//! The writer core: one [`Writer`] composed of a buffer source, a flush policy and a
//! memory monitor.
//!
//! Buffering and flushing are separate concerns. The buffer source says where the
//! bytes of the next messages are kept ([`OwnedBuffer`](super::OwnedBuffer): one buffer
//! for the connection's life; `PooledBuffer`: borrowed from a `BufferPool` per
//! response); the flush policy says, after each message, whether they go to the socket
//! now ([`FlushPolicy`]); the monitor is told what the buffers hold. The write-out, the
//! accounting and the [`ProtocolWriter`] implementation exist once, here; the named
//! strategies ([`FramedWriter`](super::FramedWriter), `DirectWriter`,
//! `PooledDirectWriter`) are compositions of these parts.

use super::{ProtocolWriter, WriterStrategy};
use crate::memory::{MemoryPressure, Monitor};
use bytes::BytesMut;
use std::io;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Where a writer keeps the bytes of messages not yet written.
pub trait BufferSource {
    /// The buffer the next message is appended to; a source that lends buffers takes
    /// one now if it holds none.
    fn buffer(&mut self) -> &mut BytesMut;

    /// The buffer, if one is held (a source without one has nothing to write).
    fn held(&mut self) -> Option<&mut BytesMut>;

    /// The capacity of the held buffer, 0 when none is held: what the monitor is told.
    fn capacity(&self) -> usize;

    /// Everything was written and the client is about to be waited for: a lent buffer
    /// goes back where it came from. The next [`buffer`](BufferSource::buffer) takes
    /// one again.
    fn idle(&mut self);
}

/// What a writer does after a message was appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Keep the bytes buffered.
    Keep,
    /// Write the buffered bytes to the socket.
    Write,
    /// Write the buffered bytes and flush the socket.
    WriteAndFlush,
}

/// When buffered messages go to the socket.
///
/// Whatever the policy, everything buffered is written when the session is about to
/// wait for the client ([`ProtocolWriter::flush`]) and before bytes that bypass the
/// buffer ([`ProtocolWriter::write_direct`]).
pub trait FlushPolicy {
    /// Called after a message with tag `tag` was appended; `buffered` bytes are waiting
    /// and the monitor reports `pressure`.
    fn after_message(&mut self, tag: u8, buffered: usize, pressure: MemoryPressure) -> Action;

    /// Everything buffered was written (the session is about to wait for the client).
    fn written(&mut self) {}
}

/// A flush policy that keeps messages buffered until the client waits (or a limit is
/// reached), as opposed to writing each message on its own. The strategy a writer
/// reports is then its buffer source's ([`Named`]).
pub trait Buffering: FlushPolicy {}

/// The strategy name a composition reports (`--writer`, `pgsqlite_stats`), for a
/// (buffer source, flush policy) pair.
pub trait Named {
    /// The name.
    const STRATEGY: WriterStrategy;
}

/// A buffer source together with the monitor that is told its capacity: the buffering
/// half of a [`Writer`]. What it reported is released when it is dropped.
#[derive(Debug)]
struct Accounted<B: BufferSource, M: Monitor> {
    source: B,
    monitor: M,
    /// The capacity the monitor was last told about.
    reported: usize,
}

impl<B: BufferSource, M: Monitor> Accounted<B, M> {
    /// Tells the monitor how the held capacity changed since it was last told.
    #[inline]
    fn account(&mut self) {
        let now = self.source.capacity();
        if now > self.reported {
            self.monitor.buffer_acquired(now - self.reported);
        } else if now < self.reported {
            self.monitor.buffer_released(self.reported - now);
        }
        self.reported = now;
    }
}

impl<B: BufferSource, M: Monitor> Drop for Accounted<B, M> {
    fn drop(&mut self) {
        self.source.idle();
        if self.reported > 0 {
            self.monitor.buffer_released(self.reported);
        }
    }
}

/// A [`ProtocolWriter`] composed of a buffer source `B`, a flush policy `F` and a
/// memory monitor `M`, over the write side `W` of a connection.
///
/// The named strategies are aliases of it: [`FramedWriter`](super::FramedWriter),
/// `DirectWriter` (feature `direct-writer`) and `PooledDirectWriter` (feature
/// `pooling`). Other compositions are built with [`Writer::from_parts`].
#[derive(Debug)]
pub struct Writer<W, B: BufferSource, F: FlushPolicy, M: Monitor> {
    io: W,
    buf: Accounted<B, M>,
    policy: F,
}

impl<W, B: BufferSource, F: FlushPolicy, M: Monitor> Writer<W, B, F, M> {
    /// A writer over `io` that keeps messages in `source`, writes them by `policy` and
    /// tells `monitor` what its buffers hold.
    pub fn from_parts(io: W, source: B, policy: F, monitor: M) -> Self {
        let mut buf = Accounted {
            source,
            monitor,
            reported: 0,
        };
        buf.account();
        Writer { io, buf, policy }
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.io
    }

    /// The buffer source.
    pub fn source(&self) -> &B {
        &self.buf.source
    }

    /// The flush policy.
    pub fn policy(&self) -> &F {
        &self.policy
    }

    /// Gives the underlying writer back; buffered bytes are dropped (flush first).
    pub fn into_inner(self) -> W {
        self.io
    }
}

impl<W: AsyncWrite + Unpin, B: BufferSource, F: FlushPolicy, M: Monitor> Writer<W, B, F, M> {
    /// Writes whatever is buffered.
    async fn write_out(&mut self) -> io::Result<()> {
        self.buf.account();
        if let Some(buf) = self.buf.source.held() {
            if !buf.is_empty() {
                self.io.write_all(buf).await?;
                buf.clear();
            }
        }
        Ok(())
    }
}

impl<W, B, F, M> ProtocolWriter for Writer<W, B, F, M>
where
    W: AsyncWrite + Unpin,
    B: BufferSource,
    F: FlushPolicy,
    M: Monitor,
    (B, F): Named,
{
    #[inline]
    fn buffer(&mut self) -> &mut BytesMut {
        if self.buf.reported == 0 {
            // A lent buffer was just taken (or none had capacity yet).
            self.buf.source.buffer();
            self.buf.account();
        }
        self.buf.source.buffer()
    }

    async fn message_done(&mut self, tag: u8) -> io::Result<()> {
        let buffered = self.buf.source.held().map_or(0, |buf| buf.len());
        match self
            .policy
            .after_message(tag, buffered, self.buf.monitor.pressure())
        {
            Action::Keep => Ok(()),
            Action::Write => self.write_out().await,
            Action::WriteAndFlush => {
                self.write_out().await?;
                self.io.flush().await
            }
        }
    }

    async fn flush(&mut self) -> io::Result<()> {
        self.write_out().await?;
        self.policy.written();
        self.buf.source.idle();
        self.buf.account();
        self.io.flush().await
    }

    async fn write_direct(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_out().await?;
        self.io.write_all(bytes).await
    }

    fn strategy(&self) -> WriterStrategy {
        <(B, F) as Named>::STRATEGY
    }
}
