//! The writer compositions over a mock transport: write calls and their sizes, flush
//! points, short writes, `Pending`, errors, and what the monitor is told.

use super::*;
use crate::memory::{MemoryPressure, Monitor};
use crate::protocol::backend::{self, DataRow, TransactionStatus, tag};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, AtomicU8, Ordering};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;

/// A transport that records every call made to it.
#[derive(Debug, Default)]
struct MockIo {
    /// Bytes accepted by each successful `poll_write`, in order.
    writes: Vec<usize>,
    /// Everything accepted, in order.
    data: Vec<u8>,
    /// `poll_flush` calls.
    flushes: usize,
    /// Accept at most this many bytes per call (short writes); 0: no limit.
    max_write: usize,
    /// The next `poll_write` returns `Pending` (once, waking the task).
    pending_once: bool,
    /// `Pending` answers given.
    pendings: usize,
    /// Fail the `poll_write` call with this index (0-based, counting successful ones).
    fail_at: Option<usize>,
}

impl MockIo {
    fn short(max_write: usize) -> MockIo {
        MockIo {
            max_write,
            ..MockIo::default()
        }
    }

    fn failing_at(call: usize) -> MockIo {
        MockIo {
            fail_at: Some(call),
            ..MockIo::default()
        }
    }
}

impl AsyncWrite for MockIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.pending_once {
            self.pending_once = false;
            self.pendings += 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if self.fail_at == Some(self.writes.len()) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "mock transport closed",
            )));
        }
        let n = match self.max_write {
            0 => buf.len(),
            max => buf.len().min(max),
        };
        self.writes.push(n);
        self.data.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.flushes += 1;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A monitor whose pressure a test sets and which keeps the net bytes reported.
#[derive(Clone, Debug, Default)]
struct TestMonitor {
    pressure: Arc<AtomicU8>,
    held: Arc<AtomicIsize>,
}

impl TestMonitor {
    fn set(&self, pressure: MemoryPressure) {
        self.pressure.store(pressure as u8, Ordering::Relaxed);
    }

    fn held(&self) -> isize {
        self.held.load(Ordering::Relaxed)
    }
}

impl Monitor for TestMonitor {
    fn pressure(&self) -> MemoryPressure {
        match self.pressure.load(Ordering::Relaxed) {
            0 => MemoryPressure::Low,
            1 => MemoryPressure::Medium,
            _ => MemoryPressure::High,
        }
    }

    fn buffer_acquired(&self, bytes: usize) {
        self.held.fetch_add(bytes as isize, Ordering::Relaxed);
    }

    fn buffer_released(&self, bytes: usize) {
        self.held.fetch_sub(bytes as isize, Ordering::Relaxed);
    }
}

/// A DataRow of one field with `n` bytes: 11 + n bytes on the wire.
async fn row(w: &mut impl ProtocolWriter, n: usize) -> io::Result<()> {
    let buf = w.buffer();
    let data_row = DataRow::begin(buf, 1);
    data_row.field(buf, &vec![b'x'; n]);
    data_row.finish(buf);
    w.message_done(tag::DATA_ROW).await
}

/// CommandComplete "SELECT 1": 14 bytes.
async fn complete(w: &mut impl ProtocolWriter) -> io::Result<()> {
    backend::command_complete(w.buffer(), "SELECT 1");
    w.message_done(tag::COMMAND_COMPLETE).await
}

/// ReadyForQuery: 6 bytes.
async fn ready(w: &mut impl ProtocolWriter) -> io::Result<()> {
    backend::ready_for_query(w.buffer(), TransactionStatus::Idle);
    w.message_done(tag::READY_FOR_QUERY).await
}

/// The bytes of a response of `rows` DataRows with 9-byte fields (20 bytes each),
/// CommandComplete and ReadyForQuery, encoded without a writer.
fn expected_response(rows: usize) -> Vec<u8> {
    let mut buf = bytes::BytesMut::new();
    for _ in 0..rows {
        let data_row = DataRow::begin(&mut buf, 1);
        data_row.field(&mut buf, b"xxxxxxxxx");
        data_row.finish(&mut buf);
    }
    backend::command_complete(&mut buf, "SELECT 1");
    backend::ready_for_query(&mut buf, TransactionStatus::Idle);
    buf.to_vec()
}

async fn response(w: &mut impl ProtocolWriter, rows: usize) -> io::Result<()> {
    for _ in 0..rows {
        row(w, 9).await?;
    }
    complete(w).await?;
    ready(w).await
}

mod framed {
    use super::*;

    #[tokio::test]
    async fn one_write_and_one_flush_per_message() {
        let mut w = FramedWriter::new(MockIo::default());
        assert_eq!(w.strategy(), WriterStrategy::Framed);
        response(&mut w, 3).await.unwrap();
        assert_eq!(w.get_ref().writes, [20, 20, 20, 14, 6]);
        assert_eq!(w.get_ref().flushes, 5);
        // Nothing buffered: flush writes nothing, but flushes the transport.
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().writes.len(), 5);
        assert_eq!(w.get_ref().flushes, 6);
        assert_eq!(w.into_inner().data, expected_response(3));
    }

    #[tokio::test]
    async fn short_writes_deliver_every_byte_in_order() {
        let mut w = FramedWriter::new(MockIo::short(7));
        response(&mut w, 2).await.unwrap();
        // 20 = 7 + 7 + 6; 14 = 7 + 7; 6.
        assert_eq!(w.get_ref().writes, [7, 7, 6, 7, 7, 6, 7, 7, 6]);
        assert_eq!(w.get_ref().data, expected_response(2));
    }

    #[tokio::test]
    async fn pending_once_then_the_write_completes() {
        let io = MockIo {
            pending_once: true,
            ..MockIo::default()
        };
        let mut w = FramedWriter::new(io);
        response(&mut w, 1).await.unwrap();
        assert_eq!(w.get_ref().pendings, 1);
        assert_eq!(w.get_ref().writes, [20, 14, 6]);
        assert_eq!(w.get_ref().data, expected_response(1));
    }

    #[tokio::test]
    async fn a_write_error_reaches_the_caller() {
        let mut w = FramedWriter::new(MockIo::failing_at(1));
        row(&mut w, 9).await.unwrap();
        let err = row(&mut w, 9).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(w.get_ref().writes, [20]);
    }

    #[tokio::test]
    async fn composed_with_a_monitor_it_reports_its_buffer_and_ignores_pressure() {
        let monitor = TestMonitor::default();
        let mut w = Writer::from_parts(
            MockIo::default(),
            OwnedBuffer::with_capacity(1024),
            PerMessage,
            monitor.clone(),
        );
        assert_eq!(monitor.held(), 1024);
        monitor.set(MemoryPressure::High);
        response(&mut w, 2).await.unwrap();
        assert_eq!(w.get_ref().writes, [20, 20, 14, 6]);
        drop(w);
        assert_eq!(monitor.held(), 0);
    }

    #[tokio::test]
    async fn write_direct_sends_the_buffer_then_the_bytes() {
        let mut w = FramedWriter::new(MockIo::default());
        w.buffer().extend_from_slice(b"head");
        w.write_direct(b"large value").await.unwrap();
        assert_eq!(w.get_ref().writes, [4, 11]);
        assert_eq!(w.get_ref().data, b"headlarge value");
    }
}

#[cfg(feature = "direct-writer")]
mod direct {
    use super::*;

    #[tokio::test]
    async fn a_response_leaves_in_one_write_when_the_client_waits() {
        let mut w = DirectWriter::new(MockIo::default());
        assert_eq!(w.strategy(), WriterStrategy::Direct);
        response(&mut w, 10).await.unwrap();
        assert!(
            w.get_ref().writes.is_empty(),
            "nothing written before flush"
        );
        assert_eq!(w.get_ref().flushes, 0);
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().writes, [10 * 20 + 14 + 6]);
        assert_eq!(w.get_ref().flushes, 1);
        // A pipeline: two responses, one write.
        response(&mut w, 1).await.unwrap();
        response(&mut w, 1).await.unwrap();
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().writes[1..], [2 * 40]);
        let mut expected = expected_response(10);
        expected.extend(expected_response(1));
        expected.extend(expected_response(1));
        assert_eq!(w.get_ref().data, expected);
    }

    #[tokio::test]
    async fn the_high_water_mark_writes_before_the_client_waits() {
        let mut w = DirectWriter::with_high_water(MockIo::default(), 100);
        for _ in 0..4 {
            row(&mut w, 9).await.unwrap();
        }
        assert!(w.get_ref().writes.is_empty(), "80 bytes stay buffered");
        row(&mut w, 9).await.unwrap();
        assert_eq!(w.get_ref().writes, [100], "the fifth row reaches 100 bytes");
        for _ in 0..5 {
            row(&mut w, 9).await.unwrap();
        }
        complete(&mut w).await.unwrap();
        ready(&mut w).await.unwrap();
        assert_eq!(w.get_ref().writes, [100, 100]);
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().writes, [100, 100, 20]);
        assert_eq!(w.get_ref().data, expected_response(10));
    }

    #[tokio::test]
    async fn write_direct_and_flush_with_short_writes_and_pending() {
        let io = MockIo {
            max_write: 16,
            pending_once: true,
            ..MockIo::default()
        };
        let mut w = DirectWriter::new(io);
        w.buffer().extend_from_slice(&[1; 20]);
        w.write_direct(&[2; 40]).await.unwrap();
        assert_eq!(w.get_ref().writes, [16, 4, 16, 16, 8]);
        assert_eq!(w.get_ref().pendings, 1);
        ready(&mut w).await.unwrap();
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().writes[5..], [6]);
        let mut expected = vec![1; 20];
        expected.extend([2; 40]);
        expected.extend(b"Z\0\0\0\x05I");
        assert_eq!(w.get_ref().data, expected);
    }

    #[tokio::test]
    async fn errors_reach_the_caller_from_flush_and_write_direct() {
        let mut w = DirectWriter::new(MockIo::failing_at(0));
        response(&mut w, 2).await.unwrap();
        let err = w.flush().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(w.get_ref().flushes, 0, "no flush after a failed write");
        let err = w.write_direct(b"x").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        // A short write followed by an error: the error still surfaces.
        let io = MockIo {
            max_write: 10,
            fail_at: Some(2),
            ..MockIo::default()
        };
        let mut w = DirectWriter::new(io);
        response(&mut w, 1).await.unwrap();
        assert!(w.flush().await.is_err());
        assert_eq!(w.get_ref().writes, [10, 10]);
    }

    #[tokio::test]
    async fn the_monitor_sees_the_buffer_and_its_growth_until_drop() {
        let monitor = TestMonitor::default();
        let mut w = Writer::from_parts(
            MockIo::default(),
            OwnedBuffer::with_capacity(1024),
            WhenWaiting::new(1 << 20),
            monitor.clone(),
        );
        assert_eq!(monitor.held(), 1024);
        row(&mut w, 100_000).await.unwrap();
        w.flush().await.unwrap();
        let grown = monitor.held();
        assert!(grown >= 100_011, "growth reported at write-out: {grown}");
        drop(w);
        assert_eq!(monitor.held(), 0);
    }
}

#[cfg(feature = "batching")]
mod batching {
    use super::*;

    fn config(rows: usize, bytes: usize) -> BatchConfig {
        BatchConfig {
            max_batch_size: rows,
            max_batch_bytes: bytes,
            enable_batching: true,
        }
    }

    fn batched(
        rows: usize,
        bytes: usize,
        monitor: TestMonitor,
    ) -> Writer<MockIo, OwnedBuffer, Batched, TestMonitor> {
        Writer::from_parts(
            MockIo::default(),
            OwnedBuffer::with_capacity(1024),
            Batched::new(&config(rows, bytes), 1 << 20),
            monitor,
        )
    }

    #[tokio::test]
    async fn batches_end_by_row_count() {
        let mut w = batched(3, 1 << 20, TestMonitor::default());
        assert_eq!(w.strategy(), WriterStrategy::Direct);
        response(&mut w, 7).await.unwrap();
        assert_eq!(w.get_ref().writes, [60, 60], "after rows 3 and 6");
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().writes, [60, 60, 20 + 14 + 6]);
        assert_eq!(w.get_ref().flushes, 1);
        assert_eq!(w.get_ref().data, expected_response(7));
    }

    #[tokio::test]
    async fn batches_end_by_bytes() {
        let mut w = batched(1000, 50, TestMonitor::default());
        response(&mut w, 5).await.unwrap();
        // 20, 40, 60 >= 50: write; 20, 40: kept, then CommandComplete and ReadyForQuery.
        assert_eq!(w.get_ref().writes, [60]);
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().writes, [60, 40 + 14 + 6]);
    }

    #[tokio::test]
    async fn command_complete_ends_a_batch_without_writing() {
        let mut w = batched(2, 1 << 20, TestMonitor::default());
        row(&mut w, 9).await.unwrap();
        complete(&mut w).await.unwrap();
        // The next response's first row starts a new batch: one row is not a full batch.
        row(&mut w, 9).await.unwrap();
        assert!(w.get_ref().writes.is_empty());
        row(&mut w, 9).await.unwrap();
        assert_eq!(w.get_ref().writes, [20 + 14 + 20 + 20]);
    }

    #[tokio::test]
    async fn memory_pressure_shrinks_batches() {
        let monitor = TestMonitor::default();
        let mut w = batched(8, 1 << 20, monitor.clone());
        monitor.set(MemoryPressure::Medium);
        for _ in 0..4 {
            row(&mut w, 9).await.unwrap();
        }
        assert_eq!(w.get_ref().writes, [80], "half of 8 rows at Medium");
        monitor.set(MemoryPressure::High);
        for _ in 0..2 {
            row(&mut w, 9).await.unwrap();
        }
        assert_eq!(w.get_ref().writes, [80, 40], "a quarter at High");
    }

    #[tokio::test]
    async fn configuration_selects_the_policy() {
        let on = Batching::from_batch_config(config(2, 1 << 20), 1 << 20);
        assert!(on.enabled());
        let off = Batching::from_batch_config(BatchConfig::default(), 100);
        assert!(!off.enabled());
        let mut w = DirectWriter::with_batching(MockIo::default(), config(2, 1 << 20), 1 << 20);
        response(&mut w, 4).await.unwrap();
        assert_eq!(w.get_ref().writes, [40, 40]);
        let mut w = DirectWriter::with_batching(MockIo::default(), BatchConfig::default(), 1 << 20);
        response(&mut w, 4).await.unwrap();
        assert!(
            w.get_ref().writes.is_empty(),
            "batching off: kept until flush"
        );
    }

    #[tokio::test]
    async fn batch_errors_reach_the_caller() {
        let mut w = Writer::from_parts(
            MockIo::failing_at(0),
            OwnedBuffer::default(),
            Batched::new(&config(1, 1 << 20), 1 << 20),
            TestMonitor::default(),
        );
        let err = row(&mut w, 9).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}

#[cfg(feature = "pooling")]
mod pooled {
    use super::*;
    use crate::memory::{BufferPool, BufferPoolConfig};

    fn pool(max_buffer_capacity: usize) -> Arc<BufferPool> {
        Arc::new(BufferPool::new(BufferPoolConfig {
            initial_buffer_capacity: 1024,
            max_buffer_capacity,
            ..BufferPoolConfig::default()
        }))
    }

    #[tokio::test]
    async fn the_buffer_is_borrowed_per_response_and_given_back() {
        let pool = pool(64 * 1024);
        let monitor = TestMonitor::default();
        let mut w = Writer::from_parts(
            MockIo::default(),
            PooledBuffer::from_pool(pool.clone()),
            WhenWaiting::new(1 << 20),
            monitor.clone(),
        );
        assert_eq!(w.strategy(), WriterStrategy::Pooled);
        assert!(!w.holds_buffer());
        assert_eq!(monitor.held(), 0, "an idle writer holds nothing");
        response(&mut w, 3).await.unwrap();
        assert!(w.holds_buffer());
        assert!(monitor.held() >= 1024);
        assert!(w.get_ref().writes.is_empty());
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().writes, [3 * 20 + 14 + 6]);
        assert!(!w.holds_buffer());
        assert_eq!(monitor.held(), 0);
        assert_eq!(pool.get_stats().current_pool_size, 1, "back in the pool");
        // The next response borrows it again.
        response(&mut w, 1).await.unwrap();
        assert_eq!(pool.get_stats().current_pool_size, 0);
        drop(w);
        assert_eq!(pool.get_stats().current_pool_size, 1, "drop gives it back");
        assert_eq!(monitor.held(), 0);
    }

    #[tokio::test]
    async fn writes_at_seven_eighths_of_the_pool_cap() {
        let mut w = PooledDirectWriter::with_config(
            MockIo::default(),
            BufferPoolConfig {
                initial_buffer_capacity: 1024,
                max_buffer_capacity: 2048,
                ..BufferPoolConfig::default()
            },
            BatchConfig::default(),
        );
        assert_eq!(w.source().high_water(), 1792);
        // 89 rows of 20 bytes = 1780 bytes: kept; the 90th reaches 1800.
        for _ in 0..89 {
            row(&mut w, 9).await.unwrap();
        }
        assert!(w.get_ref().writes.is_empty());
        row(&mut w, 9).await.unwrap();
        assert_eq!(w.get_ref().writes, [1800]);
        assert!(w.holds_buffer(), "kept until the client waits");
    }

    #[tokio::test]
    async fn errors_reach_the_caller_and_the_buffer_still_goes_back() {
        let pool = pool(64 * 1024);
        let mut w = Writer::from_parts(
            MockIo::failing_at(0),
            PooledBuffer::from_pool(pool.clone()),
            WhenWaiting::new(1 << 20),
            TestMonitor::default(),
        );
        response(&mut w, 1).await.unwrap();
        let err = w.flush().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        drop(w);
        assert_eq!(pool.get_stats().current_pool_size, 1);
    }

    #[cfg(feature = "batching")]
    #[tokio::test]
    async fn pooled_and_batched() {
        let mut w = PooledDirectWriter::with_config(
            MockIo::short(25),
            BufferPoolConfig::default(),
            BatchConfig {
                max_batch_size: 2,
                max_batch_bytes: 1 << 20,
                enable_batching: true,
            },
        );
        response(&mut w, 3).await.unwrap();
        w.flush().await.unwrap();
        // Rows 1-2 (40 bytes) in writes of at most 25, then row 3, CommandComplete and
        // ReadyForQuery (40 bytes) the same way.
        assert_eq!(w.get_ref().writes, [25, 15, 25, 15]);
        assert_eq!(w.get_ref().data, expected_response(3));
        assert!(!w.holds_buffer());
    }
}
