//! COPY keeps the server's memory bounded: a 256 MiB COPY TO STDOUT (read fast, then
//! slowly) and a 256 MiB COPY FROM STDIN (written as fast as the socket takes it) leave
//! the server's peak RSS (`VmHWM` of the real binary) under 64 MiB.

use bytes::BytesMut;
use postgres_protocol::message::frontend;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LIMIT: usize = 64 * 1024 * 1024;
/// Rows of [`VALUE`] bytes each: 256 MiB in all.
const ROWS: u64 = 131_072;
const VALUE: usize = 2048;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(database: &Path) -> (Server, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_pgsqlite"))
        .args(["--listen", "127.0.0.1", "--port", &port.to_string()])
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

/// Reads messages up to ReadyForQuery with a reused buffer; returns the CopyData count
/// and bytes. `slow` sleeps now and then during the first 32 MiB.
fn read_all(stream: &mut TcpStream, slow: bool) -> (u64, u64) {
    let (mut messages, mut bytes, mut read) = (0u64, 0u64, 0u64);
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let mut head = [0u8; 5];
        stream.read_exact(&mut head).unwrap();
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize - 4;
        let mut left = len;
        while left > 0 {
            let n = left.min(chunk.len());
            stream.read_exact(&mut chunk[..n]).unwrap();
            left -= n;
            read += n as u64;
            if slow && read < 32 << 20 {
                std::thread::sleep(Duration::from_micros(300));
            }
            if head[0] == b'E' {
                panic!("error: {}", String::from_utf8_lossy(&chunk[..n]));
            }
        }
        match head[0] {
            b'd' => {
                messages += 1;
                bytes += len as u64;
            }
            b'Z' => return (messages, bytes),
            _ => {}
        }
    }
}

fn connect(port: u16) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut out = BytesMut::new();
    frontend::startup_message([("user", "test")], &mut out).unwrap();
    stream.write_all(&out).unwrap();
    read_all(&mut stream, false);
    stream
}

#[test]
fn copy_of_256_mib_both_ways_stays_under_64_mib() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("copy.sqlite");
    {
        let conn = rusqlite::Connection::open(&database).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT);
             CREATE TABLE loaded (id INTEGER PRIMARY KEY, v TEXT);
             WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {ROWS})
             INSERT INTO big SELECT i, hex(randomblob({})) FROM c;
             PRAGMA wal_checkpoint(TRUNCATE);",
            VALUE / 2
        ))
        .unwrap();
    }
    let (server, port) = start(&database);

    // COPY TO, read fast and then slowly: the server waits for the socket.
    for slow in [false, true] {
        let mut stream = connect(port);
        let mut out = BytesMut::new();
        frontend::query("COPY big TO STDOUT", &mut out).unwrap();
        stream.write_all(&out).unwrap();
        let (messages, bytes) = read_all(&mut stream, slow);
        assert_eq!(messages, ROWS);
        assert!(bytes > ROWS * VALUE as u64);
    }
    let after_out = peak_rss(server.0.id());

    // COPY FROM: 256 MiB written as fast as the socket takes it, in 64 KiB messages.
    let mut stream = connect(port);
    let mut out = BytesMut::new();
    frontend::query("COPY loaded FROM STDIN", &mut out).unwrap();
    stream.write_all(&out).unwrap();
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(head[0], b'G', "CopyInResponse");
    let mut rest = vec![0u8; u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize - 4];
    stream.read_exact(&mut rest).unwrap();
    let value = "ab".repeat(VALUE / 2);
    let mut data = Vec::with_capacity(1 << 16);
    for i in 1..=ROWS {
        data.extend_from_slice(format!("{i}\t{value}\n").as_bytes());
        if data.len() >= 1 << 16 || i == ROWS {
            out.clear();
            frontend::CopyData::new(&data[..]).unwrap().write(&mut out);
            stream.write_all(&out).unwrap();
            data.clear();
        }
    }
    out.clear();
    frontend::copy_done(&mut out);
    stream.write_all(&out).unwrap();
    read_all(&mut stream, false);
    let peak = peak_rss(server.0.id());
    println!(
        "peak RSS after COPY TO: {} MiB, after COPY FROM: {} MiB",
        after_out >> 20,
        peak >> 20
    );
    assert!(after_out < LIMIT, "COPY TO peak RSS {after_out}");
    assert!(peak < LIMIT, "COPY FROM peak RSS {peak}");
    drop(server);
    // Counted after the server let go of the file (it holds it exclusively).
    let rows: i64 = rusqlite::Connection::open(&database)
        .unwrap()
        .query_row("SELECT count(*) FROM loaded", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, ROWS as i64);
}

/// The full size, run on demand (`cargo test --test copy_memory -- --ignored`,
/// about 30 s and no disk): 10.8 GB of `COPY (query) TO STDOUT`, rows made by
/// `generate_series`, leave the server's peak RSS under 64 MiB.
#[test]
#[ignore = "10 GB through the socket: run on demand"]
fn copy_to_of_10_gib_stays_under_64_mib() {
    const BIG_ROWS: u64 = 10_700_000;
    let dir = tempfile::tempdir().unwrap();
    let (server, port) = start(&dir.path().join("empty.sqlite"));
    let mut stream = connect(port);
    let mut out = BytesMut::new();
    frontend::query(
        &format!(
            "COPY (SELECT x, repeat('x', 1000) FROM generate_series(1, {BIG_ROWS}) AS g(x)) \
             TO STDOUT"
        ),
        &mut out,
    )
    .unwrap();
    stream.write_all(&out).unwrap();
    let (messages, bytes) = read_all(&mut stream, false);
    assert_eq!(messages, BIG_ROWS);
    assert!(bytes > 10 << 30, "{bytes} bytes");
    let peak = peak_rss(server.0.id());
    assert!(peak < LIMIT, "peak RSS {} MiB", peak >> 20);
    eprintln!(
        "10 GiB COPY TO: {bytes} bytes, server peak RSS {} MiB",
        peak >> 20
    );
}
