//! Resident memory per idle connection, per writer strategy: a plain program
//! (`cargo bench --bench idle`) printing a markdown table.
//!
//! Each strategy runs in a fresh child process (this program started again with
//! `IDLE_BENCH_STRATEGY` set), so memory one strategy freed but the allocator kept cannot
//! hide another's. The child starts an in-process server (one worker, its own in-memory
//! database with a 100-row table), serves one connection to get one-time setup out of the
//! way, reads its resident set size (`VmRSS` in `/proc/self/status`), opens
//! [`CONNECTIONS`] raw connections that complete startup (read to ReadyForQuery) and stay
//! idle, and reads it again. Client sockets are kernel memory and the client keeps only
//! a few bytes per connection, so the difference is the server's. Then every connection
//! runs one 100-row query (writer buffers now touched) and the RSS is read a third time;
//! then everything is closed.
//!
//! A counting global allocator tracks the bytes live on the Rust heap, which splits the
//! delta into pgsqlite's own allocations (sessions, buffers, tasks) and the rest (SQLite's
//! connections, which allocate through their own malloc calls, and allocator overhead).
//!
//! The client needs two file descriptors per connection in this process (its socket and
//! the server's); with a low open-file limit fewer connections are opened, and the table
//! says how many.

mod common;

use common::{VARIANTS, Variant, query_message, read_until_ready, startup_message};
use pgsqlite::writer::BatchConfig;
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Tracks the bytes live on the Rust heap, then defers to `System`.
struct LiveBytes;

static LIVE: AtomicI64 = AtomicI64::new(0);

fn grew(bytes: usize) {
    LIVE.fetch_add(i64::try_from(bytes).unwrap_or(i64::MAX), Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    LIVE.fetch_sub(i64::try_from(bytes).unwrap_or(i64::MAX), Ordering::Relaxed);
}

// The one `unsafe` here: a global allocator can only be written as an `unsafe impl`.
// Every method forwards its arguments unchanged to `System`, so `System`'s contract holds.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for LiveBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `layout` are passed on unchanged.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        new
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }
}

#[global_allocator]
static GLOBAL: LiveBytes = LiveBytes;

/// Bytes live on the Rust heap now.
fn rust_heap() -> u64 {
    u64::try_from(LIVE.load(Ordering::Relaxed)).unwrap_or(0)
}

/// Connections opened per strategy when the open-file limit allows.
const CONNECTIONS: usize = 1_000;
/// Connections per strategy when run as a smoke test (`cargo test --benches`, which
/// does not pass `--bench`).
const SMOKE_CONNECTIONS: usize = 20;
/// The environment variable that passes the connection count to a child.
const COUNT_VAR: &str = "IDLE_BENCH_CONNECTIONS";
/// Rows of the table every connection reads once after the idle measurement.
const TABLE_ROWS: u64 = 100;
/// The environment variable that makes this program a child measuring one strategy.
const CHILD_VAR: &str = "IDLE_BENCH_STRATEGY";
/// Marks the child's result line on its standard output.
const RESULT_MARK: &str = "IDLE_RESULT";

type BoxError = Box<dyn std::error::Error>;

/// The process's resident set size in KiB (`VmRSS` of `/proc/self/status`).
fn rss_kib() -> Result<u64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .ok_or("no VmRSS line in /proc/self/status")?;
    let kib = line.trim().trim_end_matches("kB").trim().parse()?;
    Ok(kib)
}

/// The soft open-file limit (`Max open files` of `/proc/self/limits`), if readable.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Up to `wanted` connections, as many as this process can hold: two descriptors each,
/// with room to spare.
fn connections_allowed(wanted: usize) -> usize {
    match open_file_limit() {
        Some(limit) => {
            let fit = usize::try_from(limit.saturating_sub(64) / 2).unwrap_or(usize::MAX);
            fit.min(wanted)
        }
        None => wanted,
    }
}

/// Connects and completes startup.
fn connect(addr: SocketAddr, startup: &[u8], buf: &mut [u8]) -> io::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.write_all(startup)?;
    read_until_ready(&mut stream, buf, 1)?;
    Ok(stream)
}

/// Runs one simple query; returns its DataRows.
fn simple(stream: &mut TcpStream, buf: &mut [u8], sql: &str) -> io::Result<u64> {
    stream.write_all(&query_message(sql))?;
    read_until_ready(stream, buf, 1)
}

/// What one child measured: RSS in KiB, Rust heap in bytes.
struct Measured {
    connections: usize,
    before: u64,
    idle: u64,
    after_query: u64,
    heap_before: u64,
    heap_idle: u64,
    heap_after_query: u64,
}

/// The child's work: measure `variant`.
fn measure(variant: Variant, wanted: usize) -> Result<Measured, BoxError> {
    let mut config = pgsqlite::Config::default();
    config.port = 0;
    config.workers = 1;
    config.writer = variant.writer;
    config.batching = BatchConfig {
        enable_batching: variant.batched,
        ..BatchConfig::default()
    };
    let server = pgsqlite::Server::start(config)?;
    let addr = server.local_addr().ok_or("the server has no TCP address")?;
    let startup = startup_message();
    let mut buf = vec![0u8; 64 * 1024];

    let mut setup = connect(addr, &startup, &mut buf)?;
    simple(
        &mut setup,
        &mut buf,
        "CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, name TEXT, score REAL, tag BLOB, \
         created TEXT)",
    )?;
    simple(
        &mut setup,
        &mut buf,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) \
         INSERT INTO bench_rows (id, name, score, tag, created) SELECT i, \
         printf('customer-name-%06d', i), i * 1.25, unhex(printf('%032x', i)), \
         date('2024-01-01', '+' || (i % 366) || ' days') FROM n",
    )?;
    let select = query_message("SELECT id, name, score, tag, created FROM bench_rows");
    setup.write_all(&select)?;
    let rows = read_until_ready(&mut setup, &mut buf, 1)?;
    if rows != TABLE_ROWS {
        return Err(format!("the table has {rows} rows, expected {TABLE_ROWS}").into());
    }

    let mut idle: Vec<TcpStream> = Vec::with_capacity(wanted);
    std::thread::sleep(Duration::from_millis(100));
    let before = rss_kib()?;
    let heap_before = rust_heap();
    for _ in 0..wanted {
        idle.push(connect(addr, &startup, &mut buf)?);
    }
    std::thread::sleep(Duration::from_millis(100));
    let idle_rss = rss_kib()?;
    let heap_idle = rust_heap();

    for stream in &mut idle {
        stream.write_all(&select)?;
        let rows = read_until_ready(stream, &mut buf, 1)?;
        if rows != TABLE_ROWS {
            return Err(format!("a query returned {rows} rows, expected {TABLE_ROWS}").into());
        }
    }
    std::thread::sleep(Duration::from_millis(100));
    let after_query = rss_kib()?;
    let heap_after_query = rust_heap();

    drop(idle);
    drop(setup);
    server.shutdown()?;
    Ok(Measured {
        connections: wanted,
        before,
        idle: idle_rss,
        after_query,
        heap_before,
        heap_idle,
        heap_after_query,
    })
}

/// Child mode: measure the strategy named in `CHILD_VAR` and print one result line.
fn child(name: &str) -> Result<(), BoxError> {
    let variant = *VARIANTS
        .iter()
        .find(|v| v.name == name)
        .ok_or_else(|| format!("unknown strategy {name:?}"))?;
    let wanted = std::env::var(COUNT_VAR)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SMOKE_CONNECTIONS);
    let m = measure(variant, wanted)?;
    println!(
        "{RESULT_MARK}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        m.connections,
        m.before,
        m.idle,
        m.after_query,
        m.heap_before,
        m.heap_idle,
        m.heap_after_query
    );
    Ok(())
}

/// One line of the table: RSS in KiB, Rust heap growth in bytes.
struct Row {
    name: &'static str,
    connections: u64,
    before: u64,
    idle: u64,
    after_query: u64,
    heap_idle: u64,
    heap_after: u64,
}

/// Parent mode: one child per strategy, then the table.
fn parent() -> Result<(), BoxError> {
    let exe = std::env::current_exe()?;
    let wanted = if std::env::args().any(|a| a == "--bench") {
        CONNECTIONS
    } else {
        println!("Smoke test (no --bench argument): {SMOKE_CONNECTIONS} connections only.");
        SMOKE_CONNECTIONS
    };
    let allowed = connections_allowed(wanted);
    if allowed < wanted {
        println!(
            "Note: the open-file limit ({}) allows only {allowed} connections (two descriptors \
             each, client and server in one process); raise it with `ulimit -n 4096` to open \
             {wanted}.",
            open_file_limit().map_or_else(|| "unknown".to_string(), |l| l.to_string())
        );
    }
    let mut rows = Vec::new();
    for variant in VARIANTS {
        eprintln!("measuring {} ...", variant.name);
        let output = Command::new(&exe)
            .env(CHILD_VAR, variant.name)
            .env(COUNT_VAR, allowed.to_string())
            .output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let Some(line) = stdout.lines().find_map(|l| l.strip_prefix(RESULT_MARK)) else {
            return Err(format!(
                "{}: the child reported nothing ({}): {}",
                variant.name,
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        };
        let fields: Vec<u64> = line
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        let [
            connections,
            before,
            idle,
            after_query,
            heap_before,
            heap_idle,
            heap_after,
        ] = fields[..]
        else {
            return Err(format!("{}: malformed result line {line:?}", variant.name).into());
        };
        rows.push(Row {
            name: variant.name,
            connections,
            before,
            idle,
            after_query,
            heap_idle: heap_idle.saturating_sub(heap_before),
            heap_after: heap_after.saturating_sub(heap_before),
        });
    }

    println!();
    println!(
        "Resident memory of the process (VmRSS), one fresh process per strategy, server with \
         one worker; connections completed startup and stay idle:"
    );
    println!();
    println!(
        "| strategy | connections | RSS before | RSS with idle connections | RSS delta | RSS per \
         idle connection | of which Rust heap | RSS per connection after one 100-row query each \
         | of which Rust heap |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let n = row.connections.max(1) as f64;
        let idle_delta = row.idle.saturating_sub(row.before);
        let query_delta = row.after_query.saturating_sub(row.before);
        println!(
            "| {} | {} | {} KiB | {} KiB | {idle_delta} KiB | {:.0} B | {:.0} B | {:.0} B | \
             {:.0} B |",
            row.name,
            row.connections,
            row.before,
            row.idle,
            idle_delta as f64 * 1024.0 / n,
            row.heap_idle as f64 / n,
            query_delta as f64 * 1024.0 / n,
            row.heap_after as f64 / n,
        );
    }
    println!();
    Ok(())
}

fn main() -> Result<(), BoxError> {
    match std::env::var(CHILD_VAR) {
        Ok(name) => child(&name),
        Err(_) => parent(),
    }
}
