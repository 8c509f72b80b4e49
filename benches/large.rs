//! Reading a 1 GiB result: throughput and server peak memory of pgsqlite with `mmap` on
//! and off, next to PostgreSQL serving the same data (`bash scripts/bench-large.sh`).
//!
//! A plain program printing a markdown report. It builds the SQLite file database with
//! rusqlite, loads the same rows into PostgreSQL over the raw client when
//! `LARGE_POSTGRES_PORT` names a server on 127.0.0.1 (role and database `bench`, trust
//! authentication), and then reads every scenario in text format (simple query) and in
//! binary format (extended protocol, binary results) from each target in turn:
//!
//! - pgsqlite, a fresh server process per measurement (`--enable-mmap 1`, then
//!   `--enable-mmap 0`); its peak memory is the process's `VmHWM` read after the result
//!   was read to the end;
//! - PostgreSQL, a fresh connection per measurement; the backend serving it is found with
//!   `SELECT pg_backend_pid()` on that connection before the query, and its `VmHWM`,
//!   `VmRSS` and `RssAnon` are read from `/proc` (sampled during the query for the last).
//!
//! Environment: `LARGE_PGSQLITE_BIN` (server binary; default the one cargo built),
//! `LARGE_POSTGRES_PORT` (optional), `LARGE_DIR` (where the SQLite database and the server
//! log go; default a temporary directory), `LARGE_REPEAT` (measurements per cell, the best
//! throughput and the highest peak are reported; default 1). Without a `--bench` argument
//! (`cargo test --benches`) it runs as a smoke test on a few rows per scenario.

mod common;

use common::{
    RawClient, extended_binary_message, query_message, read_until_ready_counting,
    simple_first_value,
};
use pgsqlite::writer::WriterStrategy;
use std::fs::{File, OpenOptions};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error>;

/// How long the client waits for any one read before giving up on a target.
const READ_TIMEOUT: Duration = Duration::from_secs(300);
/// The client's read buffer.
const READ_CHUNK: usize = 256 * 1024;
/// How often `RssAnon` is sampled during a query.
const SAMPLE_EVERY: Duration = Duration::from_millis(5);
/// 1 MiB.
const MIB: u64 = 1024 * 1024;

/// What the values of a scenario are.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A `bytea` column of zero bytes (hex in text format: 2 bytes a byte plus `\x`).
    Bytea,
    /// A `text` column of `'0'` characters (the same bytes in both formats).
    Text,
}

/// One table read whole: `rows` values of `value_bytes` each.
struct Scenario {
    table: &'static str,
    rows: u64,
    value_bytes: u64,
    kind: Kind,
}

impl Scenario {
    fn label(&self) -> String {
        let size = if self.value_bytes >= MIB {
            format!("{} MiB", self.value_bytes / MIB)
        } else {
            format!("{} KiB", self.value_bytes / 1024)
        };
        let kind = match self.kind {
            Kind::Bytea => "bytea",
            Kind::Text => "text",
        };
        format!("{} rows × {size} {kind}", thousands(self.rows))
    }

    fn sql(&self) -> String {
        format!("SELECT id, v FROM {}", self.table)
    }

    /// Bytes of the values alone as they travel in `format`: a lower bound of the
    /// DataRow bytes the client must read.
    fn min_payload(&self, format: Format) -> u64 {
        let per_value = match (self.kind, format) {
            (Kind::Bytea, Format::Text) => 2 + 2 * self.value_bytes,
            _ => self.value_bytes,
        };
        self.rows * per_value
    }

    /// SQLite: the table and its rows.
    fn sqlite_script(&self) -> String {
        let (decl, value) = match self.kind {
            Kind::Bytea => ("BYTEA", format!("zeroblob({})", self.value_bytes)),
            Kind::Text => ("TEXT", format!("hex(zeroblob({}))", self.value_bytes / 2)),
        };
        format!(
            "CREATE TABLE {t} (id INTEGER PRIMARY KEY, v {decl});
             WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {n})
             INSERT INTO {t} SELECT i, {value} FROM c;",
            t = self.table,
            n = self.rows,
        )
    }

    /// PostgreSQL: one statement per entry. Unlogged (no WAL to write while loading) and
    /// `STORAGE EXTERNAL` (large values out of line and not compressed, so that the
    /// server reads all their bytes, as SQLite does); `VACUUM FREEZE` sets the hint bits
    /// and leaves the data in the page cache.
    fn postgres_statements(&self) -> Vec<String> {
        let t = self.table;
        let (decl, value) = match self.kind {
            Kind::Bytea => (
                "bytea",
                format!("decode(repeat('00', {}), 'hex')", self.value_bytes),
            ),
            Kind::Text => ("text", format!("repeat('0', {})", self.value_bytes)),
        };
        vec![
            format!("DROP TABLE IF EXISTS {t}"),
            format!("CREATE UNLOGGED TABLE {t} (id bigint, v {decl})"),
            format!("ALTER TABLE {t} ALTER COLUMN v SET STORAGE EXTERNAL"),
            format!(
                "INSERT INTO {t} SELECT i, {value} FROM generate_series(1, {}) i",
                self.rows
            ),
            format!("VACUUM (FREEZE) {t}"),
        ]
    }
}

/// The scenarios; `full` is the real size, otherwise a smoke test on a few rows.
fn scenarios(full: bool) -> Vec<Scenario> {
    let rows = |n: u64, smoke: u64| if full { n } else { smoke };
    vec![
        Scenario {
            table: "rows10k",
            rows: rows(100_000, 200),
            value_bytes: 10 * 1024,
            kind: Kind::Bytea,
        },
        Scenario {
            table: "blobs16m",
            rows: rows(64, 2),
            value_bytes: 16 * MIB,
            kind: Kind::Bytea,
        },
        Scenario {
            table: "text1m",
            rows: rows(1_000, 20),
            value_bytes: MIB,
            kind: Kind::Text,
        },
    ]
}

/// Result format of a measurement.
#[derive(Clone, Copy, PartialEq)]
enum Format {
    /// Simple query, text results.
    Text,
    /// Parse/Bind/Execute/Sync with every result column binary.
    Binary,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Binary => "binary",
        }
    }

    fn request(self, sql: &str) -> Vec<u8> {
        match self {
            Format::Text => query_message(sql),
            Format::Binary => extended_binary_message(sql),
        }
    }
}

/// A server under test.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    /// pgsqlite with `--enable-mmap 1` (`true`) or `0`.
    Pgsqlite { mmap: bool },
    /// The PostgreSQL server at this port on 127.0.0.1.
    Postgres { port: u16 },
}

/// What one measurement saw. Memory in KiB.
#[derive(Clone, Copy, Default)]
struct Measured {
    bytes: u64,
    secs: f64,
    /// `VmHWM` of the server process after the read.
    hwm: u64,
    /// `VmHWM` after the read minus `VmRSS` before the query.
    rss_growth: u64,
    /// Highest `RssAnon` sampled during the query minus `RssAnon` before it.
    anon_growth: u64,
}

impl Measured {
    fn mb_per_sec(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.secs.max(1e-9)
    }

    /// Best throughput, highest memory.
    fn merge(self, other: Measured) -> Measured {
        Measured {
            bytes: if other.mb_per_sec() > self.mb_per_sec() {
                other.bytes
            } else {
                self.bytes
            },
            secs: if other.mb_per_sec() > self.mb_per_sec() {
                other.secs
            } else {
                self.secs
            },
            hwm: self.hwm.max(other.hwm),
            rss_growth: self.rss_growth.max(other.rss_growth),
            anon_growth: self.anon_growth.max(other.anon_growth),
        }
    }
}

/// The fields of `/proc/PID/status` we use, in KiB.
#[derive(Clone, Copy, Default)]
struct Status {
    hwm: u64,
    rss: u64,
    anon: u64,
}

fn status(pid: u32) -> Result<Status, BoxError> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> Result<u64, BoxError> {
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .ok_or_else(|| format!("no {name} line in /proc/{pid}/status"))?;
        Ok(line.trim().trim_end_matches("kB").trim().parse()?)
    };
    Ok(Status {
        hwm: field("VmHWM:")?,
        rss: field("VmRSS:")?,
        anon: field("RssAnon:")?,
    })
}

/// Samples `RssAnon` of `pid` until stopped; returns the highest value seen (KiB).
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<u64>,
}

impl Sampler {
    fn start(pid: u32) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !flag.load(Ordering::Relaxed) {
                if let Ok(s) = status(pid) {
                    peak = peak.max(s.anon);
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
            peak
        });
        Sampler { stop, thread }
    }

    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

/// A pgsqlite server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16, BoxError> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts pgsqlite on `database`; returns it once it accepts connections.
fn start_pgsqlite(
    bin: &Path,
    database: &Path,
    mmap: bool,
    log: &Path,
) -> Result<(Server, SocketAddr), BoxError> {
    let port = free_port()?;
    let log = OpenOptions::new().create(true).append(true).open(log)?;
    let child = Command::new(bin)
        .arg("--database")
        .arg(database)
        .args(["--listen", "127.0.0.1", "--port", &port.to_string()])
        .args(["--enable-mmap", if mmap { "1" } else { "0" }])
        .args(["--writer", WriterStrategy::best().name()])
        .args(["--log-level", "warn"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let mut server = Server(child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        if let Some(exit) = server.0.try_wait()? {
            return Err(format!("pgsqlite exited at startup ({exit})").into());
        }
        if Instant::now() > deadline {
            return Err("pgsqlite did not accept connections within 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((server, addr))
}

/// A raw client with a larger read buffer and a read timeout.
fn connect(addr: SocketAddr) -> Result<RawClient, BoxError> {
    let mut client = RawClient::connect(addr)?;
    client.stream.set_read_timeout(Some(READ_TIMEOUT))?;
    client.buf = vec![0u8; READ_CHUNK].into_boxed_slice();
    Ok(client)
}

/// Sends `request` and reads the whole result, with the server's memory before and
/// after. Returns the DataRow bytes, the seconds from sending to ReadyForQuery, and the
/// memory figures.
fn read_result(
    client: &mut RawClient,
    pid: u32,
    request: &[u8],
    rows: u64,
    min_bytes: u64,
) -> Result<Measured, BoxError> {
    let before = status(pid)?;
    let sampler = Sampler::start(pid);
    let start = Instant::now();
    client.send(request)?;
    let read = read_until_ready_counting(&mut client.stream, &mut client.buf, 1);
    let secs = start.elapsed().as_secs_f64();
    let anon_peak = sampler.finish();
    let (got, bytes) = read?;
    if got != rows || bytes < min_bytes {
        return Err(format!(
            "{got} rows and {bytes} DataRow bytes, expected {rows} rows and at least \
             {min_bytes} bytes"
        )
        .into());
    }
    let after = status(pid)?;
    Ok(Measured {
        bytes,
        secs,
        hwm: after.hwm,
        rss_growth: after.hwm.saturating_sub(before.rss),
        anon_growth: anon_peak.max(after.anon).saturating_sub(before.anon),
    })
}

/// One measurement of `scenario` in `format` on `target`.
fn measure(
    ctx: &Context,
    target: Target,
    scenario: &Scenario,
    format: Format,
) -> Result<Measured, BoxError> {
    let request = format.request(&scenario.sql());
    let min_bytes = scenario.min_payload(format);
    match target {
        Target::Pgsqlite { mmap } => {
            let (server, addr) = start_pgsqlite(&ctx.bin, &ctx.database, mmap, &ctx.log)?;
            let mut client = connect(addr)?;
            read_result(
                &mut client,
                server.0.id(),
                &request,
                scenario.rows,
                min_bytes,
            )
        }
        Target::Postgres { port } => {
            let mut client = connect(SocketAddr::from(([127, 0, 0, 1], port)))?;
            let pid = simple_first_value(&mut client.stream, "SELECT pg_backend_pid()")?
                .ok_or("SELECT pg_backend_pid() returned no value")?
                .parse()?;
            read_result(&mut client, pid, &request, scenario.rows, min_bytes)
        }
    }
}

/// Where things are.
struct Context {
    bin: PathBuf,
    database: PathBuf,
    log: PathBuf,
}

/// Writes the SQLite database with rusqlite (not through the server under test).
fn create_sqlite(path: &Path, scenarios: &[Scenario]) -> Result<(), BoxError> {
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;")?;
    for s in scenarios {
        conn.execute_batch(&s.sqlite_script())?;
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}

/// Reads `path` once so that every target starts from the page cache.
fn warm_page_cache(path: &Path) -> Result<(), BoxError> {
    std::io::copy(&mut File::open(path)?, &mut std::io::sink())?;
    Ok(())
}

/// Loads the scenarios into PostgreSQL; returns its version and `shared_buffers`.
fn load_postgres(port: u16, scenarios: &[Scenario]) -> Result<(String, String), BoxError> {
    let mut client = connect(SocketAddr::from(([127, 0, 0, 1], port)))?;
    for s in scenarios {
        for statement in s.postgres_statements() {
            client
                .simple(&statement)
                .map_err(|e| format!("PostgreSQL: {statement}: {e}"))?;
        }
    }
    let version = simple_first_value(&mut client.stream, "SHOW server_version")?
        .ok_or("SHOW server_version returned no value")?;
    let shared = simple_first_value(&mut client.stream, "SHOW shared_buffers")?
        .ok_or("SHOW shared_buffers returned no value")?;
    Ok((version, shared))
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn main() -> Result<(), BoxError> {
    let full = std::env::args().any(|a| a == "--bench");
    let bin = std::env::var_os("LARGE_PGSQLITE_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_pgsqlite")),
        PathBuf::from,
    );
    let postgres_port: Option<u16> = match std::env::var("LARGE_POSTGRES_PORT") {
        Ok(p) => Some(
            p.parse()
                .map_err(|e| format!("LARGE_POSTGRES_PORT={p}: {e}"))?,
        ),
        Err(_) => None,
    };
    let repeat: u32 = match std::env::var("LARGE_REPEAT") {
        Ok(n) => n
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("LARGE_REPEAT={n}: expected a positive integer"))?,
        Err(_) => 1,
    };
    // Kept alive to the end when we made the directory.
    let temp;
    let dir = match std::env::var_os("LARGE_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    std::fs::create_dir_all(&dir)?;
    let ctx = Context {
        bin,
        database: dir.join("large.sqlite"),
        log: dir.join("pgsqlite.log"),
    };
    let scenarios = scenarios(full);
    if !full {
        println!("Smoke test (no --bench argument): a few rows per scenario only.\n");
    }

    eprintln!(
        "large: writing the SQLite database {}",
        ctx.database.display()
    );
    let _ = std::fs::remove_file(&ctx.database);
    create_sqlite(&ctx.database, &scenarios)?;
    let mut postgres = None;
    if let Some(port) = postgres_port {
        eprintln!("large: loading PostgreSQL (port {port})");
        let (version, shared) = load_postgres(port, &scenarios)?;
        postgres = Some((port, version, shared));
    }
    warm_page_cache(&ctx.database)?;

    let mut targets = vec![
        Target::Pgsqlite { mmap: true },
        Target::Pgsqlite { mmap: false },
    ];
    if let Some((port, _, _)) = &postgres {
        targets.push(Target::Postgres { port: *port });
    }

    // results[scenario][format][target]
    let mut results: Vec<[Vec<Option<Measured>>; 2]> = Vec::new();
    let mut failures = Vec::new();
    for s in &scenarios {
        let mut per_format: [Vec<Option<Measured>>; 2] =
            [vec![None; targets.len()], vec![None; targets.len()]];
        for (fi, format) in [Format::Text, Format::Binary].into_iter().enumerate() {
            // Targets alternate within a repetition, so they see the same conditions.
            for _ in 0..repeat {
                for (ti, &target) in targets.iter().enumerate() {
                    let name = target_name(target, postgres.as_ref().map(|p| p.1.as_str()));
                    eprintln!("large: {} {} on {name}", s.label(), format.name());
                    match measure(&ctx, target, s, format) {
                        Ok(m) => {
                            let slot = &mut per_format[fi][ti];
                            *slot = Some(slot.map_or(m, |old| old.merge(m)));
                        }
                        Err(e) => {
                            eprintln!("large:   failed: {e}");
                            failures.push(format!(
                                "- {}, {} format, {name}: {e}",
                                s.label(),
                                format.name()
                            ));
                        }
                    }
                }
            }
        }
        results.push(per_format);
    }

    print_report(
        &scenarios,
        &targets,
        &results,
        postgres.as_ref().map(|(_, v, s)| (v.as_str(), s.as_str())),
        repeat,
    );
    if !failures.is_empty() {
        println!("\n## Failures\n");
        for f in &failures {
            println!("{f}");
        }
        return Err(format!("{} measurement(s) failed", failures.len()).into());
    }
    Ok(())
}

fn target_name(target: Target, pg_version: Option<&str>) -> String {
    match target {
        Target::Pgsqlite { mmap: true } => "pgsqlite mmap on".to_string(),
        Target::Pgsqlite { mmap: false } => "pgsqlite mmap off".to_string(),
        Target::Postgres { .. } => {
            let major = pg_version
                .and_then(|v| v.split(['.', ' ']).next())
                .unwrap_or("");
            format!("PostgreSQL {major}")
        }
    }
}

fn print_report(
    scenarios: &[Scenario],
    targets: &[Target],
    results: &[[Vec<Option<Measured>>; 2]],
    postgres: Option<(&str, &str)>,
    repeat: u32,
) {
    let version = postgres.map(|p| p.0);
    let mut header = String::from("| scenario | format | payload read |");
    let mut rule = String::from("|---|---|---:|");
    for &t in targets {
        let name = target_name(t, version);
        match t {
            Target::Pgsqlite { .. } => {
                header.push_str(&format!(" {name} MB/s | {name} peak RSS |"));
                rule.push_str("---:|---:|");
            }
            Target::Postgres { .. } => {
                header.push_str(&format!(
                    " {name} MB/s | {name} backend VmHWM | {name} backend VmRSS growth | \
                     {name} backend RssAnon growth |"
                ));
                rule.push_str("---:|---:|---:|---:|");
            }
        }
    }
    println!("{header}");
    println!("{rule}");
    for (s, per_format) in scenarios.iter().zip(results) {
        for (format, cells) in [Format::Text, Format::Binary].iter().zip(per_format) {
            let payload = cells.iter().flatten().next().map_or("-".to_string(), |m| {
                format!("{:.2} GiB", m.bytes as f64 / (1024.0 * MIB as f64))
            });
            let mut line = format!("| {} | {} | {payload} |", s.label(), format.name());
            for (&t, cell) in targets.iter().zip(cells) {
                let columns = match t {
                    Target::Pgsqlite { .. } => 2,
                    Target::Postgres { .. } => 4,
                };
                match cell {
                    None => line.push_str(&" ERR |".repeat(columns)),
                    Some(m) => {
                        line.push_str(&format!(" {:.0} | {} |", m.mb_per_sec(), mib(m.hwm)));
                        if columns == 4 {
                            line.push_str(&format!(
                                " {} | {} |",
                                mib(m.rss_growth),
                                mib(m.anon_growth)
                            ));
                        }
                    }
                }
            }
            println!("{line}");
        }
    }
    println!();
    println!(
        "- Throughput: bytes of DataRow messages read by one client (TCP 127.0.0.1, \
         {} KiB reads, contents discarded) divided by the time from sending the query to \
         ReadyForQuery; MB = 10^6 bytes. Text format is a simple query; binary is \
         Parse/Bind/Execute/Sync with binary results. A bytea value in text format is hex \
         (`\\x` and 2 characters a byte), so the text rows of the bytea scenarios move \
         twice the bytes.",
        READ_CHUNK / 1024
    );
    println!(
        "- pgsqlite: a fresh server process for every cell (file database, writer {} (the \
         best compiled in), default workers, mmap threshold at its default of 8192 bytes); \
         peak RSS is that process's VmHWM from /proc/PID/status read after the result was \
         read to the end, so it includes the server's startup memory.",
        WriterStrategy::best().name()
    );
    if let Some((version, shared)) = postgres {
        println!(
            "- PostgreSQL {version}: default settings (shared_buffers = {shared}); a fresh \
             connection for every cell, its backend found with `SELECT pg_backend_pid()` on \
             that connection before the query. VmHWM counts the shared memory the backend \
             touched (shared buffers, up to shared_buffers, plus the rest of the main \
             shared memory segment), so it is not directly comparable with pgsqlite's. \
             VmRSS growth is VmHWM after the read minus VmRSS before the query (still \
             counts shared buffers touched during the query); RssAnon growth is the highest \
             private anonymous memory sampled every {} ms during the query minus before it \
             (no shared memory; sampling can miss short peaks).",
            SAMPLE_EVERY.as_millis()
        );
        println!(
            "- Data: the same rows in both servers, every value all zero bytes (bytea) or \
             all '0' characters (text). SQLite: one file database written with rusqlite \
             (`zeroblob`). PostgreSQL: UNLOGGED tables with `STORAGE EXTERNAL` (values \
             stored out of line, uncompressed) filled with `generate_series`, then \
             `VACUUM (FREEZE)`. Both were read from the page cache."
        );
    } else {
        println!("- PostgreSQL: not measured (LARGE_POSTGRES_PORT not set).");
    }
    if repeat > 1 {
        println!(
            "- Each cell was measured {repeat} times, alternating targets; the best \
             throughput and the highest memory are shown."
        );
    }
}
