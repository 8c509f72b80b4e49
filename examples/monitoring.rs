//! Monitoring and statistics, after some real traffic: the pool's reuse rate (a
//! fraction, shown as a percentage) and the monitor's readings, read in Rust after a
//! server has answered queries, and the same through SQL (`pgsqlite_stats`).
//!
//! Run: `cargo run --example monitoring --features full`

use pgsqlite::protocol::{global_buffer_pool, global_memory_monitor};
use pgsqlite::writer::WriterStrategy;
use pgsqlite::{Config, Server};
use tokio_postgres::NoTls;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = Config::default();
    config.port = 0;
    config.writer = WriterStrategy::Pooled;
    let server = Server::start(config)?;
    let port = server.local_addr().map(|a| a.port()).unwrap_or_default();
    let (client, connection) =
        tokio_postgres::connect(&format!("host=127.0.0.1 port={port} user=demo"), NoTls).await?;
    tokio::spawn(connection);
    for i in 0..100i32 {
        client.query_one("SELECT $1::int4 * 2", &[&i]).await?;
    }
    global_memory_monitor().check();

    // Get buffer pool statistics
    let pool_stats = global_buffer_pool().get_stats();
    println!(
        "Buffer pool efficiency: {:.1}%",
        pool_stats.reuse_rate() * 100.0
    );
    println!("Current pool size: {}", pool_stats.current_pool_size);

    // Get memory monitor statistics
    let memory_stats = global_memory_monitor().get_stats();
    println!("Total memory usage: {} bytes", memory_stats.total_bytes());
    println!("Memory pressure: {:?}", memory_stats.pressure_level);

    // The same numbers from any client.
    for row in client
        .query("SELECT name, value FROM pgsqlite_stats", &[])
        .await?
    {
        println!(
            "  {:<32} {}",
            row.get::<_, &str>(0),
            row.get::<_, String>(1)
        );
    }
    drop(client);
    server.shutdown()?;
    Ok(())
}
