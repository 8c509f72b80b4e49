//! Large values: byte-exact round trips up to 64 MiB in text and binary format for every
//! writer strategy with mmap on and off, the threshold's edges, rows kept memory-mapped
//! for a suspended portal, and no temporary file outliving its connection.

mod common;

use common::connect;
use pgsqlite::value::large::MmapConfig;
use pgsqlite::writer::WriterStrategy;
use pgsqlite::{Config, Server, ServerHandle};
use rstest::rstest;
use std::path::Path;
use tokio_postgres::SimpleQueryMessage;

const THRESHOLD: usize = 8192;

fn start(writer: WriterStrategy, mmap: bool, temp_dir: Option<&Path>) -> ServerHandle {
    let mut config = Config::default();
    config.port = 0;
    config.writer = writer;
    config.mmap = MmapConfig {
        threshold: THRESHOLD,
        enabled: mmap,
        temp_dir: temp_dir.map(Path::to_path_buf),
    };
    Server::start(config).expect("server starts")
}

/// Deterministic bytes of every value, so that misplaced chunks show.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8 ^ seed)
        .collect()
}

fn text_pattern(len: usize) -> String {
    (0..len)
        .map(|i| (b'a' + (i * 7 % 26) as u8) as char)
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("\\x");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_round_trip_byte_exact(
    #[case] writer: WriterStrategy,
    #[values(false, true)] mmap: bool,
) {
    if mmap && !cfg!(feature = "mmap") {
        return; // mmap on needs the feature; "off" is what this build always does.
    }
    let server = start(writer, mmap, None);
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE big (id INTEGER PRIMARY KEY, b BYTEA, t TEXT)")
        .await
        .unwrap();
    let insert = client
        .prepare("INSERT INTO big VALUES ($1, $2, $3)")
        .await
        .unwrap();
    let sizes = [0, 1, THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, 1 << 20];
    for (id, &size) in sizes.iter().enumerate() {
        let b = pattern(size, id as u8);
        let t = text_pattern(size);
        client
            .execute(&insert, &[&(id as i32), &b, &t])
            .await
            .unwrap();
    }
    client
        .execute(&insert, &[&99i32, &None::<Vec<u8>>, &None::<String>])
        .await
        .unwrap();

    // Binary format.
    let rows = client
        .query("SELECT id, b, t FROM big ORDER BY id", &[])
        .await
        .unwrap();
    for (row, (id, &size)) in rows.iter().zip(sizes.iter().enumerate()) {
        assert_eq!(row.get::<_, i32>(0), id as i32);
        assert_eq!(
            row.get::<_, Vec<u8>>(1),
            pattern(size, id as u8),
            "bytea of {size}"
        );
        assert_eq!(
            row.get::<_, String>(2),
            text_pattern(size),
            "text of {size}"
        );
    }
    let last = rows.last().unwrap();
    assert_eq!(last.get::<_, Option<Vec<u8>>>(1), None);
    assert_eq!(last.get::<_, Option<String>>(2), None);

    // Text format (simple query): bytea as hex.
    let messages = client
        .simple_query("SELECT id, b, t FROM big ORDER BY id")
        .await
        .unwrap();
    let rows: Vec<_> = messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .collect();
    for (row, (id, &size)) in rows.iter().zip(sizes.iter().enumerate()) {
        assert_eq!(
            row.get(1).unwrap(),
            hex(&pattern(size, id as u8)),
            "hex of {size}"
        );
        assert_eq!(row.get(2).unwrap(), text_pattern(size));
    }
    assert_eq!(rows.last().unwrap().get(1), None);

    // 64 MiB, both formats.
    let huge = pattern(64 << 20, 0x5a);
    client
        .execute(&insert, &[&1000i32, &huge, &"x"])
        .await
        .unwrap();
    let row = client
        .query_one("SELECT b FROM big WHERE id = 1000", &[])
        .await
        .unwrap();
    assert!(row.get::<_, Vec<u8>>(0) == huge, "64 MiB binary round trip");
    let messages = client
        .simple_query("SELECT b FROM big WHERE id = 1000")
        .await
        .unwrap();
    let text = messages.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
        _ => None,
    });
    assert!(
        text.as_deref() == Some(hex(&huge).as_str()),
        "64 MiB text round trip"
    );
    drop(client);
    server.shutdown().unwrap();
}

/// Mappings of files in `dir` that the process still holds.
#[cfg(feature = "mmap")]
fn mappings_in(dir: &Path) -> usize {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    let dir = dir.to_string_lossy();
    maps.lines().filter(|l| l.contains(&*dir)).count()
}

#[cfg(feature = "mmap")]
#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspended_portals_keep_large_values_mapped_until_the_connection_ends(
    #[case] writer: WriterStrategy,
) {
    let temp = tempfile::tempdir().unwrap();
    let server = start(writer, true, Some(temp.path()));
    let mut client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BYTEA)")
        .await
        .unwrap();
    for id in 0..5i32 {
        client
            .execute(
                "INSERT INTO blobs VALUES ($1, $2)",
                &[&id, &pattern(100_000, id as u8)],
            )
            .await
            .unwrap();
    }
    let before = mappings_in(temp.path());
    let tx = client.transaction().await.unwrap();
    let stmt = tx
        .prepare("SELECT id, b FROM blobs ORDER BY id")
        .await
        .unwrap();
    let portal = tx.bind(&stmt, &[]).await.unwrap();
    let first = tx.query_portal(&portal, 1).await.unwrap();
    assert_eq!(first[0].get::<_, Vec<u8>>(1), pattern(100_000, 0));
    // The other four rows wait in the portal, their blobs mapped from unlinked files.
    assert!(
        mappings_in(temp.path()) >= before + 4,
        "kept values are mapped"
    );
    assert_eq!(
        std::fs::read_dir(temp.path()).unwrap().count(),
        0,
        "no named files"
    );
    let rest = tx.query_portal(&portal, 10).await.unwrap();
    for (i, row) in rest.iter().enumerate() {
        assert_eq!(row.get::<_, Vec<u8>>(1), pattern(100_000, i as u8 + 1));
    }
    // A second suspended portal, then the client goes away without finishing it.
    let portal = tx.bind(&stmt, &[]).await.unwrap();
    tx.query_portal(&portal, 1).await.unwrap();
    assert!(mappings_in(temp.path()) > before);
    drop(portal);
    drop(tx);
    drop(client);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while mappings_in(temp.path()) > before {
        assert!(
            std::time::Instant::now() < deadline,
            "mappings outlived the connection"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.shutdown().unwrap();
}

#[cfg(feature = "mmap")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_mid_value_leaves_no_session_behind() {
    use std::io::{Read, Write};
    let server = start(WriterStrategy::best(), true, None);
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE huge (b BYTEA);
             INSERT INTO huge SELECT zeroblob(32 * 1024 * 1024);",
        )
        .await
        .unwrap();
    let active =
        |rows: Vec<tokio_postgres::Row>| -> i64 { rows[0].get::<_, String>(0).parse().unwrap() };
    let count_sql = "SELECT value FROM pgsqlite_stats WHERE name = 'sessions.active'";
    let baseline = active(client.query(count_sql, &[]).await.unwrap());
    for _ in 0..3 {
        let mut raw = std::net::TcpStream::connect(server.local_addr().unwrap()).unwrap();
        let mut buf = bytes::BytesMut::new();
        postgres_protocol::message::frontend::startup_message([("user", "test")], &mut buf)
            .unwrap();
        postgres_protocol::message::frontend::query("SELECT b FROM huge", &mut buf).unwrap();
        raw.write_all(&buf).unwrap();
        let mut some = vec![0u8; 1 << 20];
        raw.read_exact(&mut some).unwrap();
        // Gone in the middle of the 64 MiB hex value.
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = active(client.query(count_sql, &[]).await.unwrap());
        if now == baseline {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{now} sessions, expected {baseline}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.shutdown().unwrap();
}

/// A row with a large value is encoded field by field before its length is known; a
/// numeric(p, s) field in it keeps its scale there too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numeric_scale_holds_in_a_row_with_a_large_value() {
    let server = start(WriterStrategy::best(), true, None);
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE priced (p numeric(10,2), b bytea);
             INSERT INTO priced SELECT 100, zeroblob(1024 * 1024);",
        )
        .await
        .unwrap();
    let messages = client
        .simple_query("SELECT p, length(b), b FROM priced")
        .await
        .unwrap();
    let row = messages
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        })
        .expect("a row");
    assert_eq!(row.get(0), Some("100.00"));
    assert_eq!(row.get(1), Some("1048576"));
}
