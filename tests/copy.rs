//! COPY through tokio-postgres and the raw protocol: FROM STDIN and TO STDOUT in text,
//! CSV and binary, checked byte for byte against PostgreSQL 15's output; CopyData cut
//! anywhere; errors with their SQLSTATE and context leaving nothing behind; COPY inside
//! transaction blocks; server-side files refused.
//!
//! The expected outputs in `tests/data/copy/` were produced by PostgreSQL 15.18 (psql
//! against a throwaway cluster, TimeZone UTC), from the table created by [`ITEMS_DDL`]
//! and loaded with `COPY items FROM stdin` from `items.txt`:
//!
//! - `items.txt`: `COPY items TO stdout` (identical to the data loaded)
//! - `items.csv`: `COPY items TO stdout (FORMAT csv, HEADER)`
//! - `items_force.csv`: `COPY items (id, note, name) TO stdout WITH CSV FORCE QUOTE note, name`
//! - `items_quote.csv`: `COPY items (id, name, note) TO stdout (FORMAT csv, QUOTE '''',
//!   ESCAPE '\', NULL 'N', FORCE_QUOTE *)`
//! - `query_pipe.txt`: `COPY (SELECT id, name, flag FROM items WHERE id < 3 ORDER BY id)
//!   TO stdout (DELIMITER '|', NULL 'NULL', HEADER true)`
//! - `items.bin`: `COPY items TO stdout (FORMAT binary)`

mod common;

use bytes::{Bytes, BytesMut};
use common::raw::{self, error_field, read_until, tags};
use common::{assert_alive, connect, sqlstate, start};
use futures_util::{SinkExt, StreamExt, pin_mut};
use pgsqlite::writer::WriterStrategy;
use postgres_protocol::message::frontend;
use rstest::rstest;
use std::io::Write;
use tokio_postgres::Client;
use tokio_postgres::binary_copy::{BinaryCopyInWriter, BinaryCopyOutStream};
use tokio_postgres::types::Type;

const ITEMS_DDL: &str = "CREATE TABLE items (id int PRIMARY KEY, name text, flag bool, \
    data bytea, score float8, at timestamp, price numeric, note varchar(20), small int2, \
    big int8, f4 float4, d date, u uuid, tz timestamptz)";

const ITEMS_TXT: &[u8] = include_bytes!("data/copy/items.txt");
const ITEMS_CSV: &[u8] = include_bytes!("data/copy/items.csv");
const ITEMS_FORCE_CSV: &[u8] = include_bytes!("data/copy/items_force.csv");
const ITEMS_QUOTE_CSV: &[u8] = include_bytes!("data/copy/items_quote.csv");
const QUERY_PIPE_TXT: &[u8] = include_bytes!("data/copy/query_pipe.txt");
const ITEMS_BIN: &[u8] = include_bytes!("data/copy/items.bin");

/// Runs a COPY FROM STDIN, sending `data` in CopyData messages of `chunk` bytes.
async fn copy_in(
    client: &Client,
    sql: &str,
    data: &[u8],
    chunk: usize,
) -> Result<u64, tokio_postgres::Error> {
    let sink = client.copy_in::<_, Bytes>(sql).await?;
    pin_mut!(sink);
    for piece in data.chunks(chunk.max(1)) {
        sink.send(Bytes::copy_from_slice(piece)).await?;
    }
    sink.as_mut().finish().await
}

/// Runs a COPY TO STDOUT and returns everything it sent.
async fn copy_out(client: &Client, sql: &str) -> Vec<u8> {
    let stream = client.copy_out(sql).await.expect(sql);
    pin_mut!(stream);
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.expect(sql));
    }
    out
}

async fn count(client: &Client, table: &str) -> i64 {
    client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

/// A fresh `items` table loaded from `items.txt`, the data cut into `chunk`-byte messages.
async fn load_items(client: &Client, chunk: usize) {
    client.batch_execute(ITEMS_DDL).await.unwrap();
    let n = copy_in(client, "COPY items FROM STDIN", ITEMS_TXT, chunk)
        .await
        .unwrap();
    assert_eq!(n, 4);
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test]
async fn copy_to_matches_postgresql_byte_for_byte(#[case] writer: WriterStrategy) {
    let server = start(writer);
    let client = connect(&server).await;
    load_items(&client, 7).await;
    let cases: [(&str, &[u8]); 6] = [
        ("COPY items TO STDOUT", ITEMS_TXT),
        ("COPY items TO STDOUT (FORMAT csv, HEADER)", ITEMS_CSV),
        (
            "COPY items (id, note, name) TO stdout WITH CSV FORCE QUOTE note, name",
            ITEMS_FORCE_CSV,
        ),
        (
            "COPY items (id, name, note) TO stdout (FORMAT csv, QUOTE '''', ESCAPE '\\', \
             NULL 'N', FORCE_QUOTE *)",
            ITEMS_QUOTE_CSV,
        ),
        (
            "COPY (SELECT id, name, flag FROM items WHERE id < 3 ORDER BY id) TO stdout \
             (DELIMITER '|', NULL 'NULL', HEADER true)",
            QUERY_PIPE_TXT,
        ),
        ("COPY items TO STDOUT (FORMAT binary)", ITEMS_BIN),
    ];
    for (sql, expected) in cases {
        let got = copy_out(&client, sql).await;
        assert_eq!(show(&got), show(expected), "{sql}");
        assert_eq!(got, expected, "{sql}");
    }
    assert_alive(&client).await;
}

#[tokio::test]
async fn copy_from_reads_every_format_back_to_the_same_rows() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    load_items(&client, usize::MAX).await;
    // CSV with a header that must match, in one message and cut into 3-byte pieces.
    for (i, chunk) in [usize::MAX, 3].into_iter().enumerate() {
        let table = format!("csv{i}");
        client
            .batch_execute(&ITEMS_DDL.replace("items", &table))
            .await
            .unwrap();
        let n = copy_in(
            &client,
            &format!("COPY {table} FROM STDIN (FORMAT csv, HEADER MATCH)"),
            ITEMS_CSV,
            chunk,
        )
        .await
        .unwrap();
        assert_eq!(n, 4);
    }
    // Binary, as PostgreSQL wrote it, cut into 5-byte pieces.
    client
        .batch_execute(&ITEMS_DDL.replace("items", "bin"))
        .await
        .unwrap();
    let n = copy_in(&client, "COPY bin FROM STDIN (FORMAT binary)", ITEMS_BIN, 5)
        .await
        .unwrap();
    assert_eq!(n, 4);
    for table in ["csv0", "csv1", "bin"] {
        let got = copy_out(&client, &format!("COPY {table} TO STDOUT")).await;
        assert_eq!(show(&got), show(ITEMS_TXT), "{table}");
        let got = copy_out(&client, &format!("COPY {table} TO STDOUT (FORMAT binary)")).await;
        assert_eq!(got, ITEMS_BIN, "{table}");
    }
}

#[tokio::test]
async fn many_rows_cut_anywhere_round_trip() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE big (id int8 PRIMARY KEY, a text, b float8, c bool)")
        .await
        .unwrap();
    let mut data = Vec::new();
    for i in 0..20_000i64 {
        let text = match i % 4 {
            0 => format!("row {i}"),
            1 => format!("tab\\t{i}\\\\x"),
            2 => "\\N".to_string(),
            _ => format!("line\\n{i}"),
        };
        let flag = if i % 3 == 0 { "t" } else { "f" };
        writeln!(data, "{i}\t{text}\t{}\t{flag}", i as f64 / 8.0).unwrap();
    }
    // 997 bytes: rows are cut at every possible place somewhere in the stream.
    let n = copy_in(&client, "COPY big FROM STDIN", &data, 997)
        .await
        .unwrap();
    assert_eq!(n, 20_000);
    let got = copy_out(&client, "COPY big TO STDOUT").await;
    assert_eq!(got.len(), data.len());
    assert!(got == data, "COPY TO differs from what COPY FROM loaded");
}

#[tokio::test]
async fn binary_copy_with_typed_writer_and_reader() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE typed (id int4, big int8, name text, data bytea, score float8, \
             ok bool, small int2)",
        )
        .await
        .unwrap();
    let types = [
        Type::INT4,
        Type::INT8,
        Type::TEXT,
        Type::BYTEA,
        Type::FLOAT8,
        Type::BOOL,
        Type::INT2,
    ];
    let sink = client
        .copy_in("COPY typed (id, big, name, data, score, ok, small) FROM STDIN BINARY")
        .await
        .unwrap();
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    for i in 0..1000i32 {
        let name = (i % 10 != 0).then(|| format!("name {i} \t\n\\ ✓"));
        let data: Vec<u8> = (0..(i % 17) as u8).collect();
        writer
            .as_mut()
            .write(&[
                &i,
                &(i64::from(i) << 33),
                &name,
                &data,
                &(f64::from(i) * 0.5),
                &(i % 2 == 0),
                &((i % 300) as i16),
            ])
            .await
            .unwrap();
    }
    assert_eq!(writer.finish().await.unwrap(), 1000);

    let stream = client
        .copy_out("COPY typed TO STDOUT (FORMAT binary)")
        .await
        .unwrap();
    let rows = BinaryCopyOutStream::new(stream, &types);
    pin_mut!(rows);
    let mut i = 0i32;
    while let Some(row) = rows.next().await {
        let row = row.unwrap();
        assert_eq!(row.get::<i32>(0), i);
        assert_eq!(row.get::<i64>(1), i64::from(i) << 33);
        let name: Option<String> = row.get(2);
        assert_eq!(name, (i % 10 != 0).then(|| format!("name {i} \t\n\\ ✓")));
        assert_eq!(
            row.get::<Vec<u8>>(3),
            (0..(i % 17) as u8).collect::<Vec<_>>()
        );
        assert_eq!(row.get::<f64>(4), f64::from(i) * 0.5);
        assert_eq!(row.get::<bool>(5), i % 2 == 0);
        assert_eq!(row.get::<i16>(6), (i % 300) as i16);
        i += 1;
    }
    assert_eq!(i, 1000);
}

/// The error of a failed COPY FROM: SQLSTATE, message and context.
async fn copy_error(client: &Client, sql: &str, data: &[u8]) -> (String, String, String) {
    let err = copy_in(client, sql, data, 4)
        .await
        .expect_err("the COPY should fail");
    let db = err.as_db_error().expect("a database error");
    (
        db.code().code().to_string(),
        db.message().to_string(),
        db.where_().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn bad_rows_fail_the_whole_copy_and_leave_nothing() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE e (a int PRIMARY KEY, b text NOT NULL, c bool)")
        .await
        .unwrap();
    let cases: [(&str, &[u8], &str, &str, &str); 6] = [
        (
            "COPY e FROM STDIN",
            b"1\tx\tt\n2\ty\n",
            "22P04",
            "missing data for column \"c\"",
            "COPY e, line 2: \"2\ty\"",
        ),
        (
            "COPY e FROM STDIN",
            b"1\tx\tt\n2\ty\tf\textra\n",
            "22P04",
            "extra data after last expected column",
            "COPY e, line 2: \"2\ty\tf\textra\"",
        ),
        (
            "COPY e FROM STDIN",
            b"1\tx\tt\nzz\ty\tf\n",
            "22P02",
            "invalid input syntax for type integer: \"zz\"",
            "COPY e, line 2, column a: \"zz\"",
        ),
        (
            "COPY e FROM STDIN",
            b"5\tx\tt\n5\ty\tf\n",
            "23505",
            "",
            "COPY e, line 2",
        ),
        (
            "COPY e FROM STDIN (FORMAT csv, HEADER MATCH)",
            b"a,bb,c\n",
            "22P04",
            "column name mismatch in header line field 2: got \"bb\", expected \"b\"",
            "COPY e, line 1: \"a,bb,c\"",
        ),
        (
            "COPY e FROM STDIN (FORMAT csv)",
            b"8,\"unterminated\n",
            "22P04",
            "unterminated CSV quoted field",
            "COPY e, line 1: \"8,\"unterminated\n\"",
        ),
    ];
    for (sql, data, code, message, context) in cases {
        let (got_code, got_message, got_context) = copy_error(&client, sql, data).await;
        assert_eq!(got_code, code, "{sql} {data:?}: {got_message}");
        if !message.is_empty() {
            assert_eq!(got_message, message);
        }
        assert_eq!(got_context, context);
        assert_eq!(
            count(&client, "e").await,
            0,
            "nothing of a failed COPY is kept"
        );
        assert_alive(&client).await;
    }
    // Binary: a tuple with the wrong field count.
    let mut data = BytesMut::new();
    data.extend_from_slice(b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0");
    data.extend_from_slice(&[0, 1, 0, 0, 0, 1, b'1']);
    let (code, message, context) =
        copy_error(&client, "COPY e FROM STDIN (FORMAT binary)", &data).await;
    assert_eq!(code, "22P04");
    assert_eq!(message, "row field count is 1, expected 3");
    assert_eq!(context, "COPY e, line 1");
    assert_eq!(count(&client, "e").await, 0);
}

#[tokio::test]
async fn copy_joins_the_transaction_block() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE tx (a int PRIMARY KEY, b text)")
        .await
        .unwrap();
    // A good COPY inside a block commits with it.
    client.batch_execute("BEGIN").await.unwrap();
    copy_in(&client, "COPY tx FROM STDIN", b"1\tone\n2\ttwo\n", 100)
        .await
        .unwrap();
    assert_eq!(count(&client, "tx").await, 2);
    client.batch_execute("COMMIT").await.unwrap();
    assert_eq!(count(&client, "tx").await, 2);

    // A bad one fails the block; ROLLBACK undoes the good one before it.
    client.batch_execute("BEGIN").await.unwrap();
    copy_in(&client, "COPY tx FROM STDIN", b"3\tthree\n", 100)
        .await
        .unwrap();
    let err = copy_in(&client, "COPY tx FROM STDIN", b"4\tfour\nx\tbad\n", 100)
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "22P02");
    let err = client.batch_execute("SELECT 1").await.unwrap_err();
    assert_eq!(sqlstate(&err), "25P02");
    client.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(count(&client, "tx").await, 2);

    // Rolling back to a savepoint taken before a COPY undoes it.
    client.batch_execute("BEGIN; SAVEPOINT s").await.unwrap();
    copy_in(&client, "COPY tx FROM STDIN", b"5\tfive\n", 100)
        .await
        .unwrap();
    client
        .batch_execute("ROLLBACK TO SAVEPOINT s; COMMIT")
        .await
        .unwrap();
    assert_eq!(count(&client, "tx").await, 2);
}

#[tokio::test]
async fn server_files_and_programs_are_refused() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE f (a int)")
        .await
        .unwrap();
    for (sql, message) in [
        (
            "COPY f FROM '/etc/passwd'",
            "must be superuser or have privileges of the pg_read_server_files role to COPY from a file",
        ),
        (
            "COPY f TO '/tmp/out'",
            "must be superuser or have privileges of the pg_write_server_files role to COPY to a file",
        ),
        (
            "COPY f FROM PROGRAM 'cat'",
            "must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program",
        ),
    ] {
        let err = client.batch_execute(sql).await.unwrap_err();
        assert_eq!(sqlstate(&err), "42501", "{sql}");
        assert_eq!(err.as_db_error().unwrap().message(), message);
    }
    for (sql, code) in [
        ("COPY nosuch FROM STDIN", "42P01"),
        ("COPY f (zz) FROM STDIN", "42703"),
        ("COPY f (a, a) FROM STDIN", "42701"),
        ("COPY f FROM STDIN (FORMAT xml)", "22023"),
        ("COPY f FROM STDIN (FORMAT binary, DELIMITER ',')", "42601"),
        ("COPY f TO STDOUT (FORCE_QUOTE *)", "0A000"),
        ("COPY (SELECT 1) FROM STDIN", "42601"),
    ] {
        let err = client.batch_execute(sql).await.unwrap_err();
        assert_eq!(sqlstate(&err), code, "{sql}");
    }
    assert_alive(&client).await;
}

#[tokio::test]
async fn raw_protocol_framing_flush_sync_and_copy_fail() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE r (a int, b text)")
        .await
        .unwrap();
    let mut stream = raw::ready(&server);

    // One row cut in three messages, two rows in one, Flush and Sync in between: all
    // data, one CommandComplete, one ReadyForQuery.
    let mut buf = BytesMut::new();
    raw::query(&mut buf, "COPY r FROM STDIN");
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'G');
    assert_eq!(tags(&messages), "G");
    assert_eq!(messages[0].1, [0, 0, 2, 0, 0, 0, 0]);
    buf.clear();
    raw::copy_data(&mut buf, b"1\tfi");
    raw::copy_data(&mut buf, b"r");
    frontend::flush(&mut buf);
    raw::copy_data(&mut buf, b"st\n2\tsecond\n3\tth");
    frontend::sync(&mut buf);
    raw::copy_data(&mut buf, b"ird\n");
    frontend::copy_done(&mut buf);
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(tags(&messages), "CZ");
    assert_eq!(messages[0].1, b"COPY 3\0");
    assert_eq!(count(&client, "r").await, 3);

    // CopyFail: 57014, then ReadyForQuery; what the client sends after is dropped.
    buf.clear();
    raw::query(&mut buf, "COPY r FROM STDIN");
    raw::copy_data(&mut buf, b"4\tfour\n");
    frontend::copy_fail("changed my mind", &mut buf).unwrap();
    raw::copy_data(&mut buf, b"5\tfive\n");
    frontend::copy_done(&mut buf);
    raw::query(&mut buf, "SELECT 1");
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(tags(&messages), "GEZ");
    assert_eq!(error_field(&messages[1], b'C').as_deref(), Some("57014"));
    assert_eq!(
        error_field(&messages[1], b'M').as_deref(),
        Some("COPY from stdin failed: changed my mind")
    );
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(tags(&messages), "TDCZ");

    // An error in the middle: answered at once; the rest of the data is dropped.
    buf.clear();
    raw::query(&mut buf, "COPY r FROM STDIN");
    raw::copy_data(&mut buf, b"6\tsix\nseven\t7\n");
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(tags(&messages), "GEZ");
    assert_eq!(error_field(&messages[1], b'C').as_deref(), Some("22P02"));
    assert_eq!(
        error_field(&messages[1], b'W').as_deref(),
        Some("COPY r, line 2, column a: \"seven\"")
    );
    buf.clear();
    raw::copy_data(&mut buf, b"8\teight\n");
    frontend::copy_done(&mut buf);
    raw::query(&mut buf, "SELECT count(*) FROM r");
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(tags(&messages), "TDCZ");
    assert_eq!(count(&client, "r").await, 3);

    // COPY TO: CopyOutResponse with per-column formats, a CopyData per row, CopyDone.
    buf.clear();
    raw::query(&mut buf, "COPY r TO STDOUT (FORMAT binary)");
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(tags(&messages), "HddddcCZ");
    assert_eq!(messages[0].1, [1, 0, 2, 0, 1, 0, 1]);
    assert!(messages[1].1.starts_with(b"PGCOPY\n\xff\r\n\0"));
    assert_eq!(messages[4].1, [0xff, 0xff]);
}

// ---------------------------------------------------------------------------------------------
// psql and psycopg 3
// ---------------------------------------------------------------------------------------------

/// Limit for one psql or python run.
const CLIENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs `cmd` (no stdin), killing it after [`CLIENT_TIMEOUT`]; returns its
/// status and output.
fn run_client(cmd: &mut std::process::Command) -> std::process::Output {
    use std::process::Stdio;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PG") {
            cmd.env_remove(name);
        }
    }
    cmd.env("LC_ALL", "C.UTF-8").env("PGCONNECT_TIMEOUT", "10");
    let what = format!("{cmd:?}");
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{what}: {e}"));
    let deadline = std::time::Instant::now() + CLIENT_TIMEOUT;
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            panic!("{what} did not finish within {CLIENT_TIMEOUT:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.wait_with_output().expect("output")
}

/// psql on `server`'s TCP port, stopping at the first error.
fn psql(server: &pgsqlite::ServerHandle) -> std::process::Command {
    let port = server.local_addr().expect("tcp").port().to_string();
    let mut cmd = std::process::Command::new("psql");
    cmd.args([
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-p",
        &port,
    ])
    .args(["-U", "test", "-d", "test"]);
    cmd
}

fn psql_ok(server: &pgsqlite::ServerHandle, args: &[&str]) -> Vec<u8> {
    let output = run_client(psql(server).args(args));
    assert!(
        output.status.success(),
        "psql {args:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn psql_copy_both_ways_and_scripts_with_data_blocks() {
    let server = start(WriterStrategy::best());
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    std::fs::write(path("in.txt"), ITEMS_TXT).unwrap();
    std::fs::write(path("in.csv"), ITEMS_CSV).unwrap();

    // \copy from client files, text and CSV, into two tables.
    psql_ok(
        &server,
        &["-c", ITEMS_DDL, "-c", &ITEMS_DDL.replace("items", "items2")],
    );
    psql_ok(
        &server,
        &["-c", &format!("\\copy items from '{}'", path("in.txt"))],
    );
    psql_ok(
        &server,
        &[
            "-c",
            &format!("\\copy items2 from '{}' with csv header", path("in.csv")),
        ],
    );
    // \copy to client files, text and CSV: PostgreSQL's bytes.
    for table in ["items", "items2"] {
        let txt = path(&format!("{table}.txt"));
        let csv = path(&format!("{table}.csv"));
        psql_ok(&server, &["-c", &format!("\\copy {table} to '{txt}'")]);
        psql_ok(
            &server,
            &[
                "-c",
                &format!("\\copy {table} to '{csv}' (format csv, header)"),
            ],
        );
        assert_eq!(
            show(&std::fs::read(&txt).unwrap()),
            show(ITEMS_TXT),
            "{table}"
        );
        assert_eq!(
            show(&std::fs::read(&csv).unwrap()),
            show(ITEMS_CSV),
            "{table}"
        );
    }

    // A script with COPY ... FROM stdin data blocks, as pg_dump writes them.
    let script = path("dump.sql");
    let mut text = String::from(
        "CREATE TABLE dumped (id integer, name text, note text);\n\
         COPY public.dumped (id, name, note) FROM stdin;\n",
    );
    text.push_str("1\tone\t\\N\n2\ttwo\\tTAB\tx\n\\.\n\n");
    text.push_str("COPY dumped (id, name) FROM stdin WITH CSV;\n3,\"three, quoted\"\n\\.\n");
    text.push_str("SELECT count(*) FROM dumped;\n");
    std::fs::write(&script, text).unwrap();
    let out = psql_ok(&server, &["-A", "-t", "-f", &script]);
    assert_eq!(show(&out), "3\n");
    let out = psql_ok(&server, &["-c", "COPY dumped TO STDOUT"]);
    assert_eq!(
        show(&out),
        "1\tone\t\\N\n2\ttwo\\tTAB\tx\n3\tthree, quoted\t\\N\n"
    );

    // A bad data block stops the script with the SQLSTATE and context, and loads nothing.
    let bad = path("bad.sql");
    std::fs::write(
        &bad,
        "COPY dumped FROM stdin;\n4\tfour\t\\N\nfive\t5\t\\N\n\\.\nSELECT 'not reached';\n",
    )
    .unwrap();
    let output = run_client(psql(&server).args(["-v", "VERBOSITY=verbose", "-f", &bad]));
    assert_eq!(output.status.code(), Some(3), "ON_ERROR_STOP exit status");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("ERROR:  22P02: invalid input syntax for type integer: \"five\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("CONTEXT:  COPY dumped, line 2, column id: \"five\""),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("not reached"));
    let out = psql_ok(&server, &["-A", "-t", "-c", "SELECT count(*) FROM dumped"]);
    assert_eq!(show(&out), "3\n");
}

#[test]
fn psycopg_copy_text_and_binary() {
    let python = std::env::var_os("PGSQLITE_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python")
        });
    if !python.exists() {
        let message = format!(
            "{} not found: run `bash scripts/setup-python.sh` (or set PGSQLITE_PYTHON)",
            python.display()
        );
        if std::env::var_os("CI").is_some() {
            panic!("{message}");
        }
        eprintln!("SKIPPED psycopg COPY test: {message}");
        return;
    }
    let server = start(WriterStrategy::best());
    let port = server.local_addr().expect("tcp").port().to_string();
    let mut cmd = std::process::Command::new(&python);
    cmd.arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/test_copy.py"))
        .env("PGSQLITE_TEST_HOST", "127.0.0.1")
        .env("PGSQLITE_TEST_PORT", &port)
        .env("PYTHONUNBUFFERED", "1");
    let output = run_client(&mut cmd);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("all psycopg COPY checks passed"),
        "psycopg COPY test failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn pgbench_initializes_through_copy() {
    let server = start(WriterStrategy::best());
    let port = server.local_addr().expect("tcp").port().to_string();
    let mut cmd = std::process::Command::new("pgbench");
    cmd.args([
        "-i",
        "-s",
        "1",
        "-q",
        "-h",
        "127.0.0.1",
        "-p",
        &port,
        "-U",
        "test",
        "test",
    ]);
    let output = run_client(&mut cmd);
    assert!(
        output.status.success(),
        "pgbench -i failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let out = psql_ok(
        &server,
        &[
            "-A",
            "-t",
            "-c",
            "SELECT (SELECT count(*) FROM pgbench_accounts), \
             (SELECT sum(abalance) FROM pgbench_accounts), \
             (SELECT count(*) FROM pgbench_tellers), (SELECT count(*) FROM pgbench_branches)",
        ],
    );
    assert_eq!(show(&out), "100000|0|10|1\n");
    // The primary keys pgbench adds afterwards hold.
    let output = run_client(psql(&server).args([
        "-c",
        "INSERT INTO pgbench_accounts (aid, bid, abalance) VALUES (1, 1, 0)",
    ]));
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("UNIQUE"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Running it again drops, truncates and reloads the same tables.
    let output = run_client(&mut cmd);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn truncate_vacuum_drop_and_keys_as_pgbench_uses_them() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE a (id int NOT NULL, v text) WITH (fillfactor=100); \
             CREATE TABLE b (id int NOT NULL)",
        )
        .await
        .unwrap();
    copy_in(&client, "COPY a FROM STDIN", b"1\tx\n2\ty\n", 100)
        .await
        .unwrap();
    copy_in(&client, "COPY b FROM STDIN", b"1\n", 100)
        .await
        .unwrap();
    // TRUNCATE of two tables in a block that rolls back: nothing happened.
    client
        .batch_execute("BEGIN; TRUNCATE TABLE a, b; ROLLBACK")
        .await
        .unwrap();
    assert_eq!(count(&client, "a").await, 2);
    let messages = client.simple_query("TRUNCATE a, b").await.unwrap();
    assert!(matches!(
        messages.last(),
        Some(tokio_postgres::SimpleQueryMessage::CommandComplete(0))
    ));
    assert_eq!(count(&client, "a").await + count(&client, "b").await, 0);
    // VACUUM refuses transaction blocks, as in PostgreSQL.
    client.batch_execute("VACUUM ANALYZE a").await.unwrap();
    client.batch_execute("BEGIN").await.unwrap();
    let err = client.batch_execute("VACUUM a").await.unwrap_err();
    assert_eq!(sqlstate(&err), "25001");
    client.batch_execute("ROLLBACK").await.unwrap();
    // ADD PRIMARY KEY makes the key unique.
    client
        .batch_execute("ALTER TABLE a ADD PRIMARY KEY (id); INSERT INTO a VALUES (1, 'x')")
        .await
        .unwrap();
    let err = client
        .batch_execute("INSERT INTO a VALUES (1, 'again')")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "23505");
    client
        .batch_execute("DROP TABLE IF EXISTS a, b, nosuch")
        .await
        .unwrap();
    let err = client.batch_execute("SELECT * FROM b").await.unwrap_err();
    assert_eq!(sqlstate(&err), "42P01");
}

#[test]
fn psql_edge_cases_match_postgresql_output() {
    // tests/data/copy/edge.expected is `psql -X -q -f edge.sql` against PostgreSQL 15.18
    // (stdout and stderr together, run in tests/data/copy).
    let server = start(WriterStrategy::best());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/copy");
    let port = server.local_addr().expect("tcp").port();
    let mut cmd = std::process::Command::new("sh");
    cmd.current_dir(&dir).arg("-c").arg(format!(
        "psql -X -q -h 127.0.0.1 -p {port} -U test -d test -f edge.sql 2>&1"
    ));
    let output = run_client(&mut cmd);
    let expected = std::fs::read_to_string(dir.join("edge.expected")).unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
}

#[tokio::test]
async fn statement_timeout_covers_a_copy_waiting_for_data() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE slow (a int)")
        .await
        .unwrap();
    let mut stream = raw::ready(&server);
    let mut buf = BytesMut::new();
    raw::query(&mut buf, "SET statement_timeout = 300");
    raw::query(&mut buf, "COPY slow FROM STDIN");
    raw::copy_data(&mut buf, b"1\n2\n");
    stream.write_all(&buf).unwrap();
    assert_eq!(tags(&read_until(&mut stream, b'Z')), "CZ");
    // The client stalls; the server gives up on its own.
    let started = std::time::Instant::now();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(tags(&messages), "GEZ");
    assert!(started.elapsed() >= std::time::Duration::from_millis(250));
    assert_eq!(error_field(&messages[1], b'C').as_deref(), Some("57014"));
    assert_eq!(
        error_field(&messages[1], b'M').as_deref(),
        Some("canceling statement due to statement timeout")
    );
    assert_eq!(
        error_field(&messages[1], b'W').as_deref(),
        Some("COPY slow, line 2")
    );
    // What the client sends late is dropped; nothing was loaded.
    buf.clear();
    raw::copy_data(&mut buf, b"3\n");
    frontend::copy_done(&mut buf);
    raw::query(&mut buf, "SELECT count(*) FROM slow");
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(tags(&messages), "TDCZ");
    assert_eq!(count(&client, "slow").await, 0);
}

/// Connects to `server` and completes startup; returns the stream and the BackendKeyData
/// (process id, secret key).
fn ready_with_key(server: &pgsqlite::ServerHandle) -> (std::net::TcpStream, i32, i32) {
    let mut stream = std::net::TcpStream::connect(server.local_addr().unwrap()).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut buf = BytesMut::new();
    frontend::startup_message([("user", "test"), ("database", "test")], &mut buf).unwrap();
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'Z');
    let key = messages
        .iter()
        .find(|m| m.0 == b'K')
        .expect("BackendKeyData");
    let pid = i32::from_be_bytes(key.1[0..4].try_into().unwrap());
    let secret = i32::from_be_bytes(key.1[4..8].try_into().unwrap());
    (stream, pid, secret)
}

/// Sends a CancelRequest for (`pid`, `secret`) on a new connection.
fn send_cancel(server: &pgsqlite::ServerHandle, pid: i32, secret: i32) {
    let mut stream = std::net::TcpStream::connect(server.local_addr().unwrap()).unwrap();
    let mut request = Vec::with_capacity(16);
    request.extend_from_slice(&16i32.to_be_bytes());
    request.extend_from_slice(&80877102i32.to_be_bytes());
    request.extend_from_slice(&pid.to_be_bytes());
    request.extend_from_slice(&secret.to_be_bytes());
    stream.write_all(&request).unwrap();
    // The server closes the connection once it has handled the request.
    let _ = std::io::Read::read(&mut stream, &mut [0u8; 1]);
}

#[tokio::test]
async fn cancel_request_ends_a_copy_waiting_for_data() {
    // A database file: on the shared in-memory database a new connection (the cancel
    // request's included) cannot open its session while a COPY holds the write lock.
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("cancel.sqlite");
    let server = common::start_with(|config| {
        config.writer = WriterStrategy::best();
        config.database = Some(database.clone());
    });
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE waiting (a int)")
        .await
        .unwrap();
    let (mut stream, pid, secret) = ready_with_key(&server);
    let mut buf = BytesMut::new();
    raw::query(&mut buf, "COPY waiting FROM STDIN");
    raw::copy_data(&mut buf, b"1\n2\n");
    stream.write_all(&buf).unwrap();
    assert_eq!(tags(&read_until(&mut stream, b'G')), "G");
    // The server has loaded two rows and waits for more when the cancel request comes.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    send_cancel(&server, pid, secret);
    let messages = read_until(&mut stream, b'Z');
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(tags(&messages), "EZ");
    assert_eq!(error_field(&messages[0], b'C').as_deref(), Some("57014"));
    assert_eq!(
        error_field(&messages[0], b'M').as_deref(),
        Some("canceling statement due to user request")
    );
    assert_eq!(
        error_field(&messages[0], b'W').as_deref(),
        Some("COPY waiting, line 2")
    );
    // What the client sends late is dropped; nothing was committed; the session goes on.
    buf.clear();
    raw::copy_data(&mut buf, b"3\n");
    frontend::copy_done(&mut buf);
    raw::query(&mut buf, "SELECT count(*) FROM waiting");
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(tags(&messages), "TDCZ");
    assert_eq!(count(&client, "waiting").await, 0);
    // A cancel request while the session is idle is ignored, as in PostgreSQL: the next
    // COPY runs to its end.
    send_cancel(&server, pid, secret);
    buf.clear();
    raw::query(&mut buf, "COPY waiting FROM STDIN");
    raw::copy_data(&mut buf, b"3\n4\n");
    frontend::copy_done(&mut buf);
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(tags(&messages), "GCZ");
    assert_eq!(count(&client, "waiting").await, 2);
}

#[test]
fn pgbench_server_side_generation_then_tpcb_run() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("bench.sqlite");
    let server = common::start_with(|config| {
        config.writer = WriterStrategy::best();
        config.database = Some(database.clone());
    });
    let port = server.local_addr().expect("tcp").port().to_string();
    let pgbench = |args: &[&str]| {
        let mut cmd = std::process::Command::new("pgbench");
        cmd.args(args)
            .args(["-h", "127.0.0.1", "-p", &port, "-U", "test", "test"]);
        let output = run_client(&mut cmd);
        assert!(
            output.status.success(),
            "pgbench {args:?} failed: {}\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // d: drop, t: create tables, G: server-side generation (INSERT ... SELECT FROM
    // generate_series), v: vacuum, p: primary keys.
    // Scale 10, as the issue asks: 1,000,000 accounts.
    pgbench(&["-i", "-I", "dtGvp", "-s", "10", "-q"]);
    let out = psql_ok(
        &server,
        &[
            "-A",
            "-t",
            "-c",
            "SELECT (SELECT count(*) FROM pgbench_accounts), \
             (SELECT count(DISTINCT aid) FROM pgbench_accounts), \
             (SELECT min(aid) || '-' || max(aid) FROM pgbench_accounts), \
             (SELECT sum(bid) FROM pgbench_accounts), \
             (SELECT sum(abalance) FROM pgbench_accounts), \
             (SELECT count(*) FROM pgbench_tellers WHERE bid = 1), \
             (SELECT count(*) FROM pgbench_branches), \
             (SELECT count(*) FROM pgbench_history)",
        ],
    );
    assert_eq!(show(&out), "1000000|1000000|1-1000000|5500000|0|10|10|0\n");
    // The standard TPC-B-like run on what it generated, without retries: a transaction
    // whose first statement writes takes the write lock before its snapshot, so none
    // fails with 40001 (READ COMMITTED, executor/isolation.rs).
    let report = pgbench(&["-c", "4", "-j", "2", "-T", "5", "-n"]);
    let processed = report
        .lines()
        .find_map(|l| l.strip_prefix("number of transactions actually processed: "))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no transaction count in:\n{report}"));
    assert!(processed > 0, "{report}");
    assert!(
        report.contains("number of failed transactions: 0 (0.000%)"),
        "{report}"
    );
    let out = psql_ok(
        &server,
        &[
            "-A",
            "-t",
            "-c",
            "SELECT (SELECT count(*) FROM pgbench_history), \
             (SELECT sum(abalance) FROM pgbench_accounts) = \
             (SELECT sum(delta) FROM pgbench_history)",
        ],
    );
    assert_eq!(show(&out), format!("{processed}|t\n"));
}

/// The rows of a simple query as text, `|`-separated (NULL as `NULL`), one per line.
async fn simple_rows(client: &Client, sql: &str) -> String {
    let mut out = String::new();
    for message in client.simple_query(sql).await.expect(sql) {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = message {
            let fields: Vec<&str> = (0..row.len())
                .map(|i| row.get(i).unwrap_or("NULL"))
                .collect();
            out.push_str(&fields.join("|"));
            out.push('\n');
        }
    }
    out
}

#[tokio::test]
async fn generate_series_in_from_as_server_side_generation_uses_it() {
    // The answers are PostgreSQL 15's for the same statements.
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    assert_eq!(
        simple_rows(&client, "SELECT * FROM generate_series(1, 10, 3)").await,
        "1\n4\n7\n10\n"
    );
    assert_eq!(
        simple_rows(&client, "SELECT g FROM generate_series(5, 1, -2) AS g").await,
        "5\n3\n1\n"
    );
    assert_eq!(
        simple_rows(&client, "SELECT count(*) FROM generate_series(3, 1)").await,
        "0\n"
    );
    assert_eq!(
        simple_rows(
            &client,
            "SELECT x, n FROM generate_series(10, 12) WITH ORDINALITY AS t(x, n)"
        )
        .await,
        "10|1\n11|2\n12|3\n"
    );
    let rows = client
        .query("SELECT * FROM generate_series(1, 2) AS aid", &[])
        .await
        .unwrap();
    assert_eq!(rows[0].columns()[0].name(), "aid");
    // Parameters, a join and INSERT ... SELECT as pgbench -I G writes it.
    client
        .batch_execute("CREATE TABLE accts (aid int PRIMARY KEY, bid int, abalance int)")
        .await
        .unwrap();
    let n = client
        .execute(
            "INSERT INTO accts (aid, bid, abalance) \
             SELECT aid, (aid - 1) / 100 + 1, 0 FROM generate_series(1, $1::int) AS aid",
            &[&1000i32],
        )
        .await
        .unwrap();
    assert_eq!(n, 1000);
    assert_eq!(
        simple_rows(
            &client,
            "SELECT count(*), sum(bid), max(aid) FROM accts a \
             JOIN generate_series(1, 5) AS b(n) ON a.bid = b.n"
        )
        .await,
        "500|1500|500\n"
    );
    let err = client
        .simple_query("SELECT * FROM generate_series(1, 5, 0)")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "22023");
    assert_eq!(
        err.as_db_error().unwrap().message(),
        "step size cannot equal zero"
    );
}

/// numeric(p, s) values go out with the column's scale, as PostgreSQL prints them: in
/// COPY TO text and binary (dscale in the binary header) and in query results, also for
/// expressions whose scale the statement fixes.
#[tokio::test]
async fn numeric_columns_keep_their_scale() {
    let server = start(WriterStrategy::Framed);
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE prices (p numeric(10,2)); \
             INSERT INTO prices VALUES (1.5), (100), (12.345), (-0.004)",
        )
        .await
        .unwrap();
    assert_eq!(
        copy_out(&client, "COPY prices TO STDOUT").await,
        b"1.50\n100.00\n12.35\n0.00\n"
    );
    assert_eq!(
        simple_rows(
            &client,
            "SELECT p * 2, p + 0.001, sum(p) OVER () FROM prices"
        )
        .await,
        "3.00|1.501|113.85\n200.00|100.001|113.85\n24.70|12.351|113.85\n0.00|0.001|113.85\n"
    );
    // Binary: after the 19-byte header and each tuple's field count (2 bytes) and field
    // length (4), a numeric is ndigits, weight, sign, dscale (Int16 each), then digits.
    let bin = copy_out(
        &client,
        "COPY (SELECT p FROM prices LIMIT 2) TO STDOUT (FORMAT binary)",
    )
    .await;
    let first = &bin[19 + 6..];
    assert_eq!(&first[..12], &[0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x13, 0x88]);
    let second = &first[12 + 6..];
    assert_eq!(&second[..10], &[0, 1, 0, 0, 0, 0, 0, 2, 0, 100]);
}
