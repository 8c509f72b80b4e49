//! Writer strategies head to head: the same workloads through an in-process server with
//! each strategy, measured by criterion, plus a report of allocations per DataRow.
//!
//! The client is a hand-written wire client on a blocking `TcpStream`: it sends prebuilt
//! messages and reads replies into one reused buffer, counting DataRows and
//! ReadyForQuery without allocating, so the time (and, in the report, the allocations)
//! are the server's. Every strategy gets its own server (one worker, its own in-memory
//! database), created before anything is measured.
//!
//! Workloads, one criterion group each, one bench per strategy inside:
//! - `rows_1`, `rows_100`, `rows_10000`: a simple query returning that many rows of five
//!   columns (INTEGER, TEXT of 20 characters, REAL, BLOB of 16 bytes, a date as TEXT);
//! - `extended_rows_100`: the 100-row query as Parse/Bind/Describe/Execute/Sync with
//!   binary results;
//! - `pipeline_1000`: 1,000 `SELECT 1` Query messages written at once, then 1,000
//!   ReadyForQuery read back.
//!
//! Strategies: `framed`, `direct` (feature `direct-writer`), `pooled` (feature `pooling`)
//! and `pooled+batched` (the pooled writer with `enable_batching`, features `pooling` and
//! `batching`).
//!
//! Before criterion runs, the allocation report runs the 10,000-row query once per
//! strategy to warm up, counts the allocations of five more runs with a counting global
//! allocator, and prints a markdown table. SQLite allocates through its own malloc, which
//! the Rust allocator does not see, so the count covers pgsqlite's Rust code only.

mod common;

use common::{RawClient, VARIANTS, Variant, put_message, query_message};
use criterion::{Criterion, SamplingMode, Throughput};
use pgsqlite::ServerHandle;
use pgsqlite::writer::BatchConfig;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counts every allocation and reallocation of the process, then defers to `System`.
struct CountingAlloc;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// The one `unsafe` here: a global allocator can only be written as an `unsafe impl`.
// Every method forwards its arguments unchanged to `System`, so `System`'s contract holds.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's guarantees for `layout` are passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Rows in the benchmark table.
const TABLE_ROWS: u64 = 10_000;
/// Queries in one pipeline.
const PIPELINE: u64 = 1_000;
/// Runs counted per strategy in the allocation report (after one warm-up run).
const COUNTED_RUNS: u64 = 5;

const CREATE_TABLE: &str = "CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, name TEXT, \
     score REAL, tag BLOB, created TEXT)";

/// Fills `bench_rows`: names are 20 characters, tags 16 bytes, dates `YYYY-MM-DD`.
const FILL_TABLE: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
     WHERE i < 10000) INSERT INTO bench_rows (id, name, score, tag, created) \
     SELECT i, printf('customer-name-%06d', i), i * 1.25, unhex(printf('%032x', i)), \
     date('2024-01-01', '+' || (i % 366) || ' days') FROM n";

/// One row per well-formed table row: the setup is checked before anything is measured.
const CHECK_TABLE: &str = "SELECT id FROM bench_rows WHERE typeof(id) = 'integer' \
     AND typeof(name) = 'text' AND length(name) = 20 AND typeof(score) = 'real' \
     AND typeof(tag) = 'blob' AND length(tag) = 16 AND created LIKE '2024-__-__'";

const SELECT_COLUMNS: &str = "SELECT id, name, score, tag, created FROM bench_rows";

/// `count` Query messages for `sql`, back to back.
fn pipeline_message(sql: &str, count: u64) -> Vec<u8> {
    let one = query_message(sql);
    one.repeat(count as usize)
}

/// Parse (unnamed, `$1` untyped), Bind (`$1` as text, all results binary), Describe
/// portal, Execute (no row limit), Sync.
fn extended_message(sql: &str, param: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut body = Vec::new();
    body.push(0); // unnamed statement
    body.extend_from_slice(sql.as_bytes());
    body.push(0);
    body.extend_from_slice(&0i16.to_be_bytes()); // no parameter types given
    put_message(&mut out, b'P', &body);

    body.clear();
    body.extend_from_slice(&[0, 0]); // unnamed portal, unnamed statement
    body.extend_from_slice(&0i16.to_be_bytes()); // parameters all in text
    body.extend_from_slice(&1i16.to_be_bytes());
    body.extend_from_slice(&(param.len() as i32).to_be_bytes());
    body.extend_from_slice(param.as_bytes());
    body.extend_from_slice(&1i16.to_be_bytes()); // one result format ...
    body.extend_from_slice(&1i16.to_be_bytes()); // ... binary, for every column
    put_message(&mut out, b'B', &body);

    put_message(&mut out, b'D', b"P\0");
    body.clear();
    body.push(0);
    body.extend_from_slice(&0i32.to_be_bytes());
    put_message(&mut out, b'E', &body);
    put_message(&mut out, b'S', &[]);
    out
}

/// A server with one strategy, its table filled, and a connected client.
struct Target {
    variant: Variant,
    addr: SocketAddr,
    client: RawClient,
    // Dropped after the client: shuts the server down.
    _server: ServerHandle,
}

fn start_target(variant: Variant) -> Result<Target, Box<dyn std::error::Error>> {
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
    let mut client = RawClient::connect(addr)?;
    client.simple(CREATE_TABLE)?;
    client.simple(FILL_TABLE)?;
    let rows = client.simple(CHECK_TABLE)?;
    if rows != TABLE_ROWS {
        let name = variant.name;
        return Err(format!("{name}: {rows} well-formed rows, expected {TABLE_ROWS}").into());
    }
    Ok(Target {
        variant,
        addr,
        client,
        _server: server,
    })
}

/// One workload: a prebuilt request, how many ReadyForQuery end it, and the DataRows and
/// criterion elements it stands for.
struct Workload {
    group: &'static str,
    request: Vec<u8>,
    readies: u64,
    rows: u64,
    elements: u64,
}

fn rows_query(n: u64) -> String {
    format!("{SELECT_COLUMNS} WHERE id <= {n}")
}

fn workloads() -> Vec<Workload> {
    let simple = |group, n| Workload {
        group,
        request: query_message(&rows_query(n)),
        readies: 1,
        rows: n,
        elements: n,
    };
    vec![
        simple("rows_1", 1),
        simple("rows_100", 100),
        simple("rows_10000", TABLE_ROWS),
        Workload {
            group: "extended_rows_100",
            request: extended_message(&format!("{SELECT_COLUMNS} WHERE id <= $1"), "100"),
            readies: 1,
            rows: 100,
            elements: 100,
        },
        Workload {
            group: "pipeline_1000",
            request: pipeline_message("SELECT 1", PIPELINE),
            readies: PIPELINE,
            rows: PIPELINE,
            elements: PIPELINE,
        },
    ]
}

/// Runs `work` once and checks the row count.
fn run(client: &mut RawClient, work: &Workload, name: &str) -> u64 {
    let rows = client
        .round_trip(&work.request, work.readies)
        .unwrap_or_else(|e| panic!("{} on {name}: {e}", work.group));
    assert_eq!(rows, work.rows, "{} on {name}: wrong row count", work.group);
    rows
}

/// Prints allocations per DataRow of the 10,000-row query, per strategy.
fn allocation_report(targets: &mut [Target]) {
    let work = Workload {
        group: "allocation report",
        request: query_message(&rows_query(TABLE_ROWS)),
        readies: 1,
        rows: TABLE_ROWS,
        elements: TABLE_ROWS,
    };
    let mut lines = Vec::with_capacity(targets.len());
    for target in targets.iter_mut() {
        let name = target.variant.name;
        run(&mut target.client, &work, name);
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let mut rows = 0;
        for _ in 0..COUNTED_RUNS {
            rows += run(&mut target.client, &work, name);
        }
        let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
        lines.push((name, allocations, rows));
    }
    // The counter's sanity check, and a scale: a new connection does allocate.
    let connection_allocations = match targets.first() {
        Some(target) => {
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let client = RawClient::connect(target.addr).expect("connecting for the report");
            let n = ALLOCATIONS.load(Ordering::Relaxed) - before;
            drop(client);
            n
        }
        None => 0,
    };
    println!();
    println!(
        "Allocations (Rust allocator, whole process) while serving the {TABLE_ROWS}-row \
         query {COUNTED_RUNS} times after one warm-up run:"
    );
    println!();
    println!("| strategy | allocations per DataRow (steady state) | allocations per query |");
    println!("|---|---:|---:|");
    for (name, allocations, rows) in lines {
        println!(
            "| {name} | {:.4} | {:.1} |",
            allocations as f64 / rows as f64,
            allocations as f64 / COUNTED_RUNS as f64
        );
    }
    println!();
    println!(
        "For scale: opening one connection (client and server, up to ReadyForQuery) took \
         {connection_allocations} allocations."
    );
    println!();
}

fn benchmarks(c: &mut Criterion, targets: &mut [Target]) {
    for work in workloads() {
        let mut group = c.benchmark_group(work.group);
        group
            .sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .throughput(Throughput::Elements(work.elements));
        if work.rows >= TABLE_ROWS {
            // Milliseconds per iteration: flat sampling keeps the run within budget.
            group.sampling_mode(SamplingMode::Flat);
        }
        for target in targets.iter_mut() {
            let name = target.variant.name;
            let client = &mut target.client;
            group.bench_function(name, |b| b.iter(|| black_box(run(client, &work, name))));
        }
        group.finish();
    }
}

fn main() {
    let mut targets: Vec<Target> = VARIANTS
        .iter()
        .map(|&v| start_target(v).unwrap_or_else(|e| panic!("starting {}: {e}", v.name)))
        .collect();
    allocation_report(&mut targets);
    let mut criterion = Criterion::default().configure_from_args();
    benchmarks(&mut criterion, &mut targets);
    criterion.final_summary();
}
