//! COPY FROM in steady state costs no heap allocation per row or per field: a counting
//! global allocator watches the whole process (server and an allocation-free raw
//! client) while 10,000 rows are loaded again and again, in text and CSV, with fields
//! that borrow from the received data and fields that must be unescaped.

use bytes::BytesMut;
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

/// Reads messages into `body` (reused) up to ReadyForQuery; panics on an error.
fn read_response(stream: &mut TcpStream, body: &mut [u8]) {
    loop {
        let mut head = [0u8; 5];
        stream.read_exact(&mut head).unwrap();
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize - 4;
        stream.read_exact(&mut body[..len]).unwrap();
        match head[0] {
            b'E' => panic!("error: {}", String::from_utf8_lossy(&body[..len])),
            b'Z' => return,
            _ => {}
        }
    }
}

/// The messages of one COPY: Query, the rows in CopyData messages of about 8 KiB cut
/// anywhere (as psycopg sends them), CopyDone.
fn copy_messages(sql: &str, csv: bool) -> BytesMut {
    let mut data = Vec::new();
    for i in 0..ROWS {
        let line = if csv {
            format!("{i},\"quoted, {i}\",{}.5,plain\n", i % 1000)
        } else {
            format!("{i}\tescaped\\t{i}\t{}.5\tplain\n", i % 1000)
        };
        data.extend_from_slice(line.as_bytes());
    }
    let mut out = BytesMut::new();
    frontend::query(sql, &mut out).unwrap();
    for chunk in data.chunks(8000) {
        frontend::CopyData::new(chunk).unwrap().write(&mut out);
    }
    frontend::copy_done(&mut out);
    out
}

fn allocations_per_row(csv: bool) -> f64 {
    let mut config = Config::default();
    config.port = 0;
    config.workers = 1;
    let server = Server::start(config).unwrap();
    let mut stream = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut body = vec![0u8; 1 << 16];
    let mut out = BytesMut::new();
    frontend::startup_message([("user", "test"), ("database", "test")], &mut out).unwrap();
    frontend::query(
        "CREATE TABLE c (id int8, name text, score float8, tag text)",
        &mut out,
    )
    .unwrap();
    stream.write_all(&out).unwrap();
    read_response(&mut stream, &mut body); // startup
    read_response(&mut stream, &mut body); // setup
    let format = if csv { "(FORMAT csv)" } else { "" };
    let copy = copy_messages(&format!("COPY c FROM STDIN {format}"), csv).freeze();
    let mut truncate = BytesMut::new();
    frontend::query("DELETE FROM c", &mut truncate).unwrap();
    let truncate = truncate.freeze();
    let mut load = || {
        stream.write_all(&copy).unwrap();
        read_response(&mut stream, &mut body);
        stream.write_all(&truncate).unwrap();
        read_response(&mut stream, &mut body);
    };
    // Warm up: caches and buffers reach their steady size.
    for _ in 0..2 {
        load();
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let runs = 3;
    for _ in 0..runs {
        load();
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    drop(stream);
    server.shutdown().unwrap();
    allocations as f64 / (runs * ROWS) as f64
}

#[test]
fn copy_from_allocates_nothing_per_row() {
    for csv in [false, true] {
        let per_row = allocations_per_row(csv);
        println!("csv {csv}: {per_row:.5} allocations per COPY row");
        // Allocations per statement and per CopyData message (about 190 rows each) are
        // allowed; one per row or per field would be 1.0 or more.
        assert!(per_row < 0.03, "csv {csv}: {per_row} allocations per row");
    }
}
