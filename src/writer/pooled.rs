//! `PooledDirectWriter`: the direct writer over buffers borrowed from a `BufferPool`.

use super::batch::{BatchConfig, Batcher};
use super::{ProtocolWriter, WriterStrategy};
use crate::memory::{
    BufferPool, BufferPoolConfig, DefaultMonitor, Monitor, default_monitor, global_buffer_pool,
};
use bytes::BytesMut;
use std::io;
use std::sync::Arc;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// The pool a writer borrows from: the process-wide one or its own.
#[derive(Debug, Clone)]
enum PoolRef {
    Global(&'static BufferPool),
    Own(Arc<BufferPool>),
}

impl std::ops::Deref for PoolRef {
    type Target = BufferPool;
    fn deref(&self) -> &BufferPool {
        match self {
            PoolRef::Global(pool) => pool,
            PoolRef::Own(pool) => pool,
        }
    }
}

/// Like [`DirectWriter`](super::DirectWriter), but the write buffer is borrowed from a
/// [`BufferPool`] when the first message of a response is encoded and given back once
/// the response is written and the session waits for the client. An idle connection
/// holds no write buffer, and a new connection starts with a warm one.
///
/// DataRows are batched by its [`BatchConfig`]; buffers rarely grow past the pool's
/// `max_buffer_capacity` (the writer writes at 7/8 of it), so they can go back to the
/// pool.
#[derive(Debug)]
pub struct PooledDirectWriter<W> {
    io: W,
    pool: PoolRef,
    buf: Option<BytesMut>,
    held: usize,
    batcher: Batcher,
    monitor: &'static DefaultMonitor,
}

impl<W: AsyncWrite + Unpin> PooledDirectWriter<W> {
    /// A writer on the global pool, with default batching.
    pub fn new(io: W) -> Self {
        Self::with_global_pool(io, BatchConfig::default())
    }

    /// A writer on the global pool ([`global_buffer_pool`]).
    pub fn with_global_pool(io: W, batch_config: BatchConfig) -> Self {
        Self::from_pool(io, PoolRef::Global(global_buffer_pool()), batch_config)
    }

    /// A writer on `pool` (a server's, see [`crate::context`]).
    pub fn with_pool(io: W, pool: &'static BufferPool, batch_config: BatchConfig) -> Self {
        Self::from_pool(io, PoolRef::Global(pool), batch_config)
    }

    /// A writer with its own pool, as the `advanced_configuration` example builds it.
    pub fn with_config(io: W, pool_config: BufferPoolConfig, batch_config: BatchConfig) -> Self {
        Self::from_pool(
            io,
            PoolRef::Own(Arc::new(BufferPool::new(pool_config))),
            batch_config,
        )
    }

    fn from_pool(io: W, pool: PoolRef, batch_config: BatchConfig) -> Self {
        // Write at 7/8 of the largest poolable buffer: a response's buffer then rarely
        // grows past what the pool takes back, with as few writes as possible.
        let max = pool.config().max_buffer_capacity;
        let high_water = (max - max / 8).clamp(1024, super::direct::DEFAULT_HIGH_WATER);
        PooledDirectWriter {
            io,
            pool,
            buf: None,
            held: 0,
            batcher: Batcher::new(batch_config, high_water),
            monitor: default_monitor(),
        }
    }

    /// True while the writer holds a pooled buffer (between a response's first message
    /// and the moment the session waits for the client).
    pub fn holds_buffer(&self) -> bool {
        self.buf.is_some()
    }

    /// The pool this writer borrows from.
    pub fn pool(&self) -> &BufferPool {
        &self.pool
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.io
    }

    async fn write_out(&mut self) -> io::Result<()> {
        if let Some(buf) = &mut self.buf {
            if buf.capacity() > self.held {
                // The buffer grew while encoding: account for what it holds now.
                self.monitor.buffer_acquired(buf.capacity() - self.held);
                self.held = buf.capacity();
            }
            if !buf.is_empty() {
                self.io.write_all(buf).await?;
                buf.clear();
            }
        }
        Ok(())
    }

    fn give_back(&mut self) {
        if let Some(buf) = self.buf.take() {
            self.monitor.buffer_released(self.held);
            self.held = 0;
            self.pool.release(buf);
        }
    }
}

impl<W: AsyncWrite + Unpin> ProtocolWriter for PooledDirectWriter<W> {
    fn buffer(&mut self) -> &mut BytesMut {
        let (pool, monitor, held) = (&self.pool, self.monitor, &mut self.held);
        self.buf.get_or_insert_with(|| {
            let buf = pool.acquire();
            *held = buf.capacity();
            monitor.buffer_acquired(*held);
            buf
        })
    }

    async fn message_done(&mut self, tag: u8) -> io::Result<()> {
        let buffered = self.buf.as_ref().map_or(0, BytesMut::len);
        if self
            .batcher
            .after_message(tag, buffered, self.monitor.pressure())
        {
            self.write_out().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> io::Result<()> {
        self.write_out().await?;
        self.batcher.written();
        self.give_back();
        self.io.flush().await
    }

    async fn write_direct(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_out().await?;
        self.io.write_all(bytes).await
    }

    fn strategy(&self) -> WriterStrategy {
        WriterStrategy::Pooled
    }
}

impl<W> Drop for PooledDirectWriter<W> {
    fn drop(&mut self) {
        if let Some(buf) = self.buf.take() {
            self.monitor.buffer_released(self.held);
            self.pool.release(buf);
        }
    }
}
