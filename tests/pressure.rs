//! The memory monitor on the serving path: with thresholds below what the server's
//! buffers hold and auto cleanup on, pressure is reported and the pool is shrunk.
//! The server has its own monitor and pool (its context), read here through its handle.

#![cfg(all(feature = "monitor", feature = "pooling"))]

mod common;

use common::connect;
use pgsqlite::memory::{MemoryMonitorConfig, MemoryPressure};
use pgsqlite::writer::WriterStrategy;
use pgsqlite::{Config, Server};
use std::time::Duration;

#[tokio::test]
async fn pressure_is_detected_and_the_pool_shrinks() {
    let mut config = Config::default();
    config.port = 0;
    config.writer = WriterStrategy::Pooled;
    config.memory_monitor = MemoryMonitorConfig {
        memory_threshold: 1024,
        high_memory_threshold: 2048,
        check_interval: Duration::from_millis(20),
        enable_auto_cleanup: true,
        ..MemoryMonitorConfig::default()
    };
    let server = Server::start(config).unwrap();
    let clients = [connect(&server).await, connect(&server).await];
    for _ in 0..50 {
        for client in &clients {
            client.query("SELECT 1", &[]).await.unwrap();
        }
    }
    // Let the background check see the buffers (4 KiB each, above both thresholds).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let stats = server.context().monitor().get_stats();
        if stats.cleanups > 0 && stats.pressure_level == MemoryPressure::High {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no cleanup under pressure: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let level = common::stat(&clients[0], "memory.pressure_level").await;
    assert_eq!(level, "high");
    server.shutdown().unwrap();
}
