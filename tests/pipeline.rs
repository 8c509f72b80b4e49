//! The zero-copy pipeline under load, for every writer strategy: deep pipelines without
//! reading, a client that stops reading a huge result, and the statistics view.

mod common;

use bytes::BytesMut;
use common::connect;
use pgsqlite::writer::{BatchConfig, WriterStrategy};
use pgsqlite::{Config, Server, ServerHandle};
use postgres_protocol::message::frontend;
use rstest::rstest;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A strategy plus whether DataRow batching is on.
#[derive(Clone, Copy, Debug)]
struct Pipeline(WriterStrategy, bool);

fn start(pipeline: Pipeline) -> ServerHandle {
    let mut config = Config::default();
    config.port = 0;
    config.workers = 2;
    config.writer = pipeline.0;
    config.batching = BatchConfig {
        enable_batching: pipeline.1,
        ..BatchConfig::default()
    };
    Server::start(config).expect("server starts")
}

fn startup(server: &ServerHandle) -> TcpStream {
    let mut stream = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut buf = BytesMut::new();
    frontend::startup_message([("user", "test"), ("database", "test")], &mut buf).unwrap();
    stream.write_all(&buf).unwrap();
    assert_eq!(read_until_ready(&mut stream, 1).0, 0);
    stream
}

/// Reads messages until `readies` ReadyForQuery messages arrived; returns the number of
/// DataRows and ErrorResponses seen, reusing one buffer (no allocation per message).
fn read_until_ready(stream: &mut TcpStream, readies: usize) -> (usize, usize) {
    let (mut rows, mut errors, mut seen) = (0, 0, 0);
    let mut body = vec![0u8; 64 * 1024];
    while seen < readies {
        let mut head = [0u8; 5];
        stream.read_exact(&mut head).unwrap();
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize - 4;
        if body.len() < len {
            body.resize(len, 0);
        }
        stream.read_exact(&mut body[..len]).unwrap();
        match head[0] {
            b'D' => rows += 1,
            b'E' => errors += 1,
            b'Z' => seen += 1,
            _ => {}
        }
    }
    (rows, errors)
}

#[rstest]
#[case::framed(Pipeline(WriterStrategy::Framed, false))]
#[cfg_attr(
    feature = "direct-writer",
    case::direct(Pipeline(WriterStrategy::Direct, false))
)]
#[cfg_attr(
    feature = "pooling",
    case::pooled(Pipeline(WriterStrategy::Pooled, false))
)]
#[cfg_attr(
    all(feature = "pooling", feature = "batching"),
    case::pooled_batched(Pipeline(WriterStrategy::Pooled, true))
)]
fn ten_thousand_queries_pipelined_without_reading(#[case] pipeline: Pipeline) {
    let server = start(pipeline);
    let mut stream = startup(&server);
    // About 1 kB per query and per answer: 10 MB each way, far more than the kernel's
    // socket buffers hold, so neither side can finish writing without the other reading.
    let pad = "x".repeat(1000);
    let mut input = BytesMut::new();
    for i in 0..10_000 {
        frontend::query(&format!("SELECT {i}, '{pad}'"), &mut input).unwrap();
    }
    // Everything is written before a single byte is read: the server must keep reading
    // while it cannot write, or both sides block (and the write times out).
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    stream
        .write_all(&input)
        .expect("the server reads while it cannot write");
    let (rows, errors) = read_until_ready(&mut stream, 10_000);
    assert_eq!((rows, errors), (10_000, 0));
    assert!(started.elapsed() < Duration::from_secs(60));
    // The extended protocol the same way: 10,000 Bind/Execute pairs, one Sync each.
    let mut input = BytesMut::new();
    frontend::parse("s", "SELECT $1::int4 + 1", [], &mut input).unwrap();
    for i in 0..10_000i32 {
        frontend::bind(
            "",
            "s",
            [1],
            [i],
            |v, buf| {
                buf.extend_from_slice(&v.to_be_bytes());
                Ok(postgres_protocol::IsNull::No)
            },
            [1],
            &mut input,
        )
        .map_err(|_| "bind")
        .unwrap();
        frontend::execute("", 0, &mut input).unwrap();
        frontend::sync(&mut input);
    }
    stream.write_all(&input).unwrap();
    assert_eq!(read_until_ready(&mut stream, 10_000), (10_000, 0));
    server.shutdown().unwrap();
}

fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

#[rstest]
#[case::framed(Pipeline(WriterStrategy::Framed, false))]
#[cfg_attr(
    feature = "direct-writer",
    case::direct(Pipeline(WriterStrategy::Direct, false))
)]
#[cfg_attr(
    feature = "pooling",
    case::pooled(Pipeline(WriterStrategy::Pooled, false))
)]
#[cfg_attr(
    all(feature = "pooling", feature = "batching"),
    case::pooled_batched(Pipeline(WriterStrategy::Pooled, true))
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_reader_gets_backpressure_and_others_are_served(#[case] pipeline: Pipeline) {
    let server = start(pipeline);
    let before = rss_bytes();
    // About 1 GB of rows if the server produced them all.
    let mut stalled = startup(&server);
    let mut input = BytesMut::new();
    frontend::query(
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 10000000) \
         SELECT i, printf('%100d', i) FROM c",
        &mut input,
    )
    .unwrap();
    stalled.write_all(&input).unwrap();
    // Read a little, then stop reading.
    let mut first = [0u8; 4096];
    stalled.read_exact(&mut first).unwrap();

    // Meanwhile another client is served normally.
    let client = connect(&server).await;
    for i in 0..200i32 {
        let n: i32 = client
            .query_one("SELECT $1::int4", &[&i])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, i);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let grown = rss_bytes().saturating_sub(before);
    assert!(
        grown < 64 * 1024 * 1024,
        "server memory grew by {grown} bytes while a client did not read"
    );
    drop(stalled);
    // The stalled session ends when its client goes away; the server is still fine.
    common::assert_alive(&client).await;
    server.shutdown().unwrap();
}

#[tokio::test]
async fn statistics_are_visible_from_sql() {
    let server = start(Pipeline(WriterStrategy::best(), cfg!(feature = "batching")));
    let client = connect(&server).await;
    for _ in 0..20 {
        client.query("SELECT 1", &[]).await.unwrap();
    }
    let rows = client
        .query("SELECT name, value FROM pgsqlite_stats", &[])
        .await
        .unwrap();
    let get = |name: &str| -> String {
        rows.iter()
            .find(|r| r.get::<_, &str>(0) == name)
            .map(|r| r.get::<_, String>(1))
            .unwrap_or_else(|| panic!("no statistic {name}"))
    };
    assert_eq!(get("writer.strategy"), WriterStrategy::best().name());
    let rate: f64 = get("buffer_pool.reuse_rate").parse().unwrap();
    assert!((0.0..=1.0).contains(&rate));
    for name in [
        "buffer_pool.current_pool_size",
        "memory.total_bytes",
        "memory.pressure_level",
        "batching.flushes",
        "batching.rows_per_flush",
    ] {
        assert!(!get(name).is_empty(), "{name}");
    }
    if cfg!(feature = "pooling") {
        assert!(rate > 0.5, "the pool is reused across queries: {rate}");
    }
    server.shutdown().unwrap();
}
