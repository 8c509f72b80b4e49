//! `PooledBuffer` and `PooledDirectWriter`: the direct writer over buffers borrowed
//! from a `BufferPool`.

use super::WriterStrategy;
use super::batch::{BatchConfig, ByConfig, FromBatchConfig};
use super::compose::{BufferSource, Buffering, FlushPolicy, Named, Writer};
use crate::memory::{
    BufferPool, BufferPoolConfig, DefaultMonitor, Monitor, default_monitor, global_buffer_pool,
};
use bytes::BytesMut;
use std::sync::Arc;

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

/// A buffer source that borrows its buffer from a [`BufferPool`] when the first
/// message of a response is encoded and gives it back once the response is written
/// and the session waits for the client. An idle connection holds no write buffer,
/// and a new connection starts with a warm one.
#[derive(Debug)]
pub struct PooledBuffer {
    pool: PoolRef,
    buf: Option<BytesMut>,
}

impl PooledBuffer {
    /// Borrows from the process-wide pool ([`global_buffer_pool`]).
    pub fn global() -> PooledBuffer {
        PooledBuffer {
            pool: PoolRef::Global(global_buffer_pool()),
            buf: None,
        }
    }

    /// Borrows from a pool that lives as long as the process (a server's, see
    /// [`crate::context`]).
    pub fn from_static(pool: &'static BufferPool) -> PooledBuffer {
        PooledBuffer {
            pool: PoolRef::Global(pool),
            buf: None,
        }
    }

    /// Borrows from `pool`.
    pub fn from_pool(pool: Arc<BufferPool>) -> PooledBuffer {
        PooledBuffer {
            pool: PoolRef::Own(pool),
            buf: None,
        }
    }

    /// The pool it borrows from.
    pub fn pool(&self) -> &BufferPool {
        &self.pool
    }

    /// True while a buffer is borrowed.
    pub fn holds_buffer(&self) -> bool {
        self.buf.is_some()
    }

    /// The high-water mark that keeps the pool's buffers poolable: 7/8 of the largest
    /// buffer the pool takes back. A response's buffer then rarely grows past it, with
    /// as few writes as possible.
    pub fn high_water(&self) -> usize {
        let max = self.pool.config().max_buffer_capacity;
        (max - max / 8).clamp(1024, super::direct::DEFAULT_HIGH_WATER)
    }
}

impl BufferSource for PooledBuffer {
    #[inline]
    fn buffer(&mut self) -> &mut BytesMut {
        let pool = &self.pool;
        self.buf.get_or_insert_with(|| pool.acquire())
    }

    #[inline]
    fn held(&mut self) -> Option<&mut BytesMut> {
        self.buf.as_mut()
    }

    #[inline]
    fn capacity(&self) -> usize {
        self.buf.as_ref().map_or(0, BytesMut::capacity)
    }

    fn idle(&mut self) {
        if let Some(buf) = self.buf.take() {
            self.pool.release(buf);
        }
    }
}

/// A buffering writer over a [`PooledBuffer`] is the pooled strategy.
impl<F: Buffering> Named for (PooledBuffer, F) {
    const STRATEGY: WriterStrategy = WriterStrategy::Pooled;
}

/// Like [`DirectWriter`](super::DirectWriter), but the write buffer is a
/// [`PooledBuffer`]: borrowed from a [`BufferPool`] for the length of a response.
///
/// DataRows are batched by its [`BatchConfig`]; buffers rarely grow past the pool's
/// `max_buffer_capacity` (the writer writes at 7/8 of it), so they can go back to the
/// pool.
pub type PooledDirectWriter<W> = Writer<W, PooledBuffer, ByConfig, &'static DefaultMonitor>;

impl<W> PooledDirectWriter<W> {
    /// A writer on the global pool, with default batching.
    pub fn new(io: W) -> Self {
        Self::with_global_pool(io, BatchConfig::default())
    }

    /// A writer on the global pool ([`global_buffer_pool`]).
    pub fn with_global_pool(io: W, batch_config: BatchConfig) -> Self {
        Self::on(io, PooledBuffer::global(), batch_config)
    }

    /// A writer on `pool` (a server's, see [`crate::context`]).
    pub fn with_pool(io: W, pool: &'static BufferPool, batch_config: BatchConfig) -> Self {
        Self::on(io, PooledBuffer::from_static(pool), batch_config)
    }

    /// A writer with its own pool, as the `advanced_configuration` example builds it.
    pub fn with_config(io: W, pool_config: BufferPoolConfig, batch_config: BatchConfig) -> Self {
        Self::on(
            io,
            PooledBuffer::from_pool(Arc::new(BufferPool::new(pool_config))),
            batch_config,
        )
    }

    fn on(io: W, source: PooledBuffer, batch_config: BatchConfig) -> Self {
        let high_water = source.high_water();
        Writer::from_parts(
            io,
            source,
            ByConfig::from_batch_config(batch_config, high_water),
            default_monitor(),
        )
    }
}

impl<W, F: FlushPolicy, M: Monitor> Writer<W, PooledBuffer, F, M> {
    /// True while the writer holds a pooled buffer (between a response's first message
    /// and the moment the session waits for the client).
    pub fn holds_buffer(&self) -> bool {
        self.source().holds_buffer()
    }

    /// The pool this writer borrows from.
    pub fn pool(&self) -> &BufferPool {
        self.source().pool()
    }
}
