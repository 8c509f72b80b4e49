//! Steady-state DataRows cost no heap allocation: a counting global allocator watches
//! the whole process (server and an allocation-free raw client) while a 10,000-row
//! result is sent again and again.

use bytes::BytesMut;
use pgsqlite::writer::{BatchConfig, WriterStrategy};
use pgsqlite::{Config, Server};
use postgres_protocol::message::frontend;
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is
// added.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const ROWS: u64 = 10_000;

/// Reads one response into `body` (reused), returning the DataRow count.
fn read_response(stream: &mut TcpStream, body: &mut [u8]) -> u64 {
    let mut rows = 0;
    loop {
        let mut head = [0u8; 5];
        stream.read_exact(&mut head).unwrap();
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize - 4;
        stream.read_exact(&mut body[..len]).unwrap();
        match head[0] {
            b'D' => rows += 1,
            b'E' => panic!("error: {}", String::from_utf8_lossy(&body[..len])),
            b'Z' => return rows,
            _ => {}
        }
    }
}

fn allocations_per_row(writer: WriterStrategy, batching: bool) -> f64 {
    let mut config = Config::default();
    config.port = 0;
    config.workers = 1;
    config.writer = writer;
    config.batching = BatchConfig {
        enable_batching: batching,
        ..BatchConfig::default()
    };
    let server = Server::start(config).unwrap();
    let mut stream = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut body = vec![0u8; 1 << 16];
    let mut out = BytesMut::new();
    frontend::startup_message([("user", "test"), ("database", "test")], &mut out).unwrap();
    frontend::query(
        "CREATE TABLE r (id INTEGER PRIMARY KEY, name TEXT, score REAL, tag BLOB, day DATE);
         WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 10000)
         INSERT INTO r SELECT i, 'name number ' || i, i * 1.5, randomblob(16),
                              date('2024-01-01', '+' || (i % 365) || ' days') FROM c",
        &mut out,
    )
    .unwrap();
    stream.write_all(&out).unwrap();
    read_response(&mut stream, &mut body); // startup
    read_response(&mut stream, &mut body); // setup
    let mut query = BytesMut::new();
    frontend::query("SELECT id, name, score, tag, day FROM r", &mut query).unwrap();
    let query = query.freeze();
    // Warm up: caches, buffers and the pool reach their steady size.
    for _ in 0..3 {
        stream.write_all(&query).unwrap();
        assert_eq!(read_response(&mut stream, &mut body), ROWS);
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let runs = 5;
    for _ in 0..runs {
        stream.write_all(&query).unwrap();
        assert_eq!(read_response(&mut stream, &mut body), ROWS);
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    drop(stream);
    server.shutdown().unwrap();
    allocations as f64 / (runs * ROWS) as f64
}

#[test]
fn steady_state_data_rows_allocate_nothing() {
    #[allow(unused_mut)]
    let mut cases = vec![(WriterStrategy::Framed, false)];
    #[cfg(feature = "direct-writer")]
    cases.push((WriterStrategy::Direct, false));
    #[cfg(feature = "pooling")]
    cases.push((WriterStrategy::Pooled, cfg!(feature = "batching")));
    for (writer, batching) in cases {
        let per_row = allocations_per_row(writer, batching);
        println!("{writer} (batching {batching}): {per_row:.5} allocations per DataRow");
        // A few allocations per query (the query message, its statement lookup) are
        // spread over 10,000 rows; one per row would be 1.0.
        assert!(
            per_row < 0.002,
            "{writer}: {per_row} allocations per DataRow"
        );
    }
}
