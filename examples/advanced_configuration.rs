//! Advanced configuration: a writer with its own buffer pool, batching and a memory
//! monitor, composed by hand and writing to an in-memory duplex pipe whose other end
//! the example reads; the monitor is created and checked.
//!
//! Run: `cargo run --example advanced_configuration --features full`

// `..Default::default()` stays even where every field is given, as configuration code
// that may gain fields later would write it.
#![allow(clippy::needless_update)]

use pgsqlite::protocol::backend::{self, tag};
use pgsqlite::protocol::{
    BatchConfig, BufferPoolConfig, MemoryMonitor, MemoryMonitorConfig, PooledDirectWriter,
    ProtocolWriter,
};
use tokio::io::AsyncReadExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let (stream, mut client) = tokio::io::duplex(64 * 1024);

    // Custom buffer pool configuration
    let pool_config = BufferPoolConfig {
        max_pool_size: 100,
        initial_buffer_capacity: 8192,
        max_buffer_capacity: 131072,
        enable_monitoring: true,
        ..Default::default()
    };

    // Custom memory monitor configuration
    let monitor_config = MemoryMonitorConfig {
        memory_threshold: 128 * 1024 * 1024,      // 128MB
        high_memory_threshold: 256 * 1024 * 1024, // 256MB
        enable_auto_cleanup: true,
        enable_detailed_monitoring: true,
        ..Default::default()
    };
    let monitor = MemoryMonitor::new(monitor_config);

    // Custom batch configuration
    let batch_config = BatchConfig {
        max_batch_size: 100,
        max_batch_bytes: 65536,
        enable_batching: true,
        ..Default::default()
    };

    // Create writer with custom configuration
    let mut writer = PooledDirectWriter::with_config(stream, pool_config, batch_config);

    // Use it: a CommandComplete and a ReadyForQuery, then flush (the buffer goes back
    // to the writer's pool).
    backend::command_complete(writer.buffer(), "SELECT 0");
    writer.message_done(tag::COMMAND_COMPLETE).await?;
    backend::ready_for_query(writer.buffer(), backend::TransactionStatus::Idle);
    writer.message_done(tag::READY_FOR_QUERY).await?;
    writer.flush().await?;
    let mut received = vec![0u8; 19];
    client.read_exact(&mut received).await?;
    assert_eq!(received[0], tag::COMMAND_COMPLETE);
    println!(
        "wrote {} bytes; writer holds a buffer: {}",
        received.len(),
        writer.holds_buffer()
    );
    let pool = writer.pool().get_stats();
    println!(
        "writer's pool: {} buffer(s) pooled, reuse rate {:.2}",
        pool.current_pool_size,
        pool.reuse_rate()
    );
    let memory = monitor.check();
    println!(
        "memory: {} bytes in pgsqlite buffers, RSS {} bytes, pressure {:?}",
        memory.total_bytes(),
        memory.rss_bytes,
        memory.pressure_level
    );
    Ok(())
}
