//! With `mmap` on, the server's peak memory stays under 64 MiB while a client reads a
//! 1 GiB result, as 100,000 rows of 10 KiB and as 64 blobs of 16 MiB, in text and in
//! binary format, for every writer strategy, and a slow reader does not raise it.
//! The server is the real binary; its peak RSS is its own `VmHWM`.

#![cfg(feature = "mmap")]

use bytes::BytesMut;
use postgres_protocol::message::frontend;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LIMIT: usize = 64 * 1024 * 1024;

/// Writes the two 1 GiB tables with rusqlite (not through the server, whose peak memory
/// is what we measure).
fn create_database(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = OFF;
         CREATE TABLE rows10k (id INTEGER PRIMARY KEY, v BYTEA);
         CREATE TABLE blobs16m (id INTEGER PRIMARY KEY, v BYTEA);
         WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
         INSERT INTO rows10k SELECT i, zeroblob(10240) FROM c;
         WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 64)
         INSERT INTO blobs16m SELECT i, zeroblob(16777216) FROM c;
         PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .unwrap();
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(database: &Path, writer: &str) -> (Server, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_pgsqlite"))
        .args([
            "--listen",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--writer",
            writer,
        ])
        .arg("--database")
        .arg(database)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (Server(child), port)
}

fn peak_rss(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// Reads a whole response, counting DataRow bytes, with a reused buffer; `slow` sleeps
/// now and then during the first 64 MiB.
fn read_all(stream: &mut TcpStream, slow: bool) -> (u64, u64) {
    let (mut rows, mut bytes, mut read) = (0u64, 0u64, 0u64);
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let mut head = [0u8; 5];
        stream.read_exact(&mut head).unwrap();
        let mut left = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize - 4;
        while left > 0 {
            let n = left.min(chunk.len());
            stream.read_exact(&mut chunk[..n]).unwrap();
            left -= n;
            read += n as u64;
            if slow && read < 64 << 20 {
                std::thread::sleep(Duration::from_micros(500));
            }
            if head[0] == b'E' {
                panic!("error: {}", String::from_utf8_lossy(&chunk[..n]));
            }
        }
        match head[0] {
            b'D' => {
                rows += 1;
                bytes += u64::from(u32::from_be_bytes([head[1], head[2], head[3], head[4]]));
            }
            b'Z' => return (rows, bytes),
            _ => {}
        }
    }
}

fn query(port: u16, sql: &str, binary: bool, slow: bool) -> (u64, u64) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut out = BytesMut::new();
    frontend::startup_message([("user", "test")], &mut out).unwrap();
    stream.write_all(&out).unwrap();
    read_all(&mut stream, false);
    out.clear();
    if binary {
        frontend::parse("", sql, [], &mut out).unwrap();
        frontend::bind(
            "",
            "",
            [],
            [] as [i32; 0],
            |_, _| Ok(postgres_protocol::IsNull::No),
            [1],
            &mut out,
        )
        .map_err(|_| "bind")
        .unwrap();
        frontend::execute("", 0, &mut out).unwrap();
        frontend::sync(&mut out);
    } else {
        frontend::query(sql, &mut out).unwrap();
    }
    stream.write_all(&out).unwrap();
    read_all(&mut stream, slow)
}

#[test]
fn reading_a_gigabyte_stays_under_64_mib() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("big.sqlite");
    create_database(&database);
    let mut writers = vec!["framed"];
    if cfg!(feature = "direct-writer") {
        writers.push("direct");
    }
    if cfg!(feature = "pooling") {
        writers.push("pooled");
    }
    for writer in writers {
        let (server, port) = start(&database, writer);
        for (sql, rows, size) in [
            ("SELECT id, v FROM rows10k", 100_000u64, 10_240u64),
            ("SELECT id, v FROM blobs16m", 64, 16 << 20),
        ] {
            for binary in [true, false] {
                let (got, bytes) = query(port, sql, binary, false);
                assert_eq!(got, rows);
                // The values alone: raw in binary, `\x` plus two hex digits a byte in text.
                let payload = if binary {
                    rows * size
                } else {
                    rows * (2 + 2 * size)
                };
                assert!(bytes >= payload, "{sql}: {bytes} bytes, expected {payload}");
            }
        }
        // A slow reader of the 16 MiB blobs, in text format.
        query(port, "SELECT id, v FROM blobs16m", false, true);
        let peak = peak_rss(server.0.id());
        println!("{writer}: server peak RSS {} MiB", peak >> 20);
        assert!(peak < LIMIT, "{writer}: peak RSS {peak} bytes");
    }
}
