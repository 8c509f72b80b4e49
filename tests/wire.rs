//! Raw protocol tests over a socket: hostile and malformed input, SSL refusal, protocol
//! version negotiation, and byte-identical output across writer strategies.

mod common;

use bytes::{BufMut, BytesMut};
use common::{connect, start};
use pgsqlite::writer::WriterStrategy;
use postgres_protocol::message::frontend;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A backend message: tag and body.
type Message = (u8, Vec<u8>);

fn raw_connect(server: &pgsqlite::ServerHandle) -> TcpStream {
    let stream = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

fn startup_bytes(minor: i32, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut buf = BytesMut::new();
    let mut params = vec![("user", "test"), ("database", "test")];
    params.extend_from_slice(extra);
    frontend::startup_message(params.iter().copied(), &mut buf).unwrap();
    // Patch the protocol version (bytes 4..8) to 3.minor.
    buf[4..8].copy_from_slice(&((3 << 16) | minor).to_be_bytes());
    buf.to_vec()
}

/// Reads messages until one with tag `until` (inclusive) or until the server closes.
fn read_until(stream: &mut TcpStream, until: u8) -> Vec<Message> {
    let mut messages = Vec::new();
    loop {
        let mut head = [0u8; 5];
        if stream.read_exact(&mut head).is_err() {
            return messages;
        }
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len - 4];
        stream.read_exact(&mut body).unwrap();
        let done = head[0] == until;
        messages.push((head[0], body));
        if done {
            return messages;
        }
    }
}

/// True once the server has closed the connection (EOF, or reset).
fn closed(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(stream.read(&mut byte), Ok(0) | Err(_))
}

fn sqlstate(message: &Message) -> String {
    assert_eq!(
        message.0, b'E',
        "expected ErrorResponse, got {:?}",
        message.0 as char
    );
    let mut fields = message.1.split(|b| *b == 0);
    fields
        .find(|f| f.first() == Some(&b'C'))
        .map(|f| String::from_utf8_lossy(&f[1..]).into_owned())
        .expect("C field")
}

fn ready(server: &pgsqlite::ServerHandle) -> TcpStream {
    let mut stream = raw_connect(server);
    stream.write_all(&startup_bytes(0, &[])).unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(messages.last().map(|m| m.0), Some(b'Z'));
    stream
}

/// After a protocol error on one connection, another one still works.
async fn others_still_work(server: &pgsqlite::ServerHandle) {
    let client = connect(server).await;
    let sql = "SELECT count(*) FROM (SELECT 1 UNION ALL SELECT 2)";
    let n: i64 = client.query_one(sql, &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
}

#[tokio::test]
async fn unknown_message_type_is_a_fatal_protocol_violation() {
    let server = start(WriterStrategy::best());
    let mut stream = ready(&server);
    stream.write_all(&[b'z', 0, 0, 0, 4]).unwrap();
    let messages = read_until(&mut stream, b'E');
    assert_eq!(sqlstate(messages.last().unwrap()), "08P01");
    assert!(closed(&mut stream));
    others_still_work(&server).await;
}

#[tokio::test]
async fn oversized_and_bogus_lengths_are_rejected_before_allocation() {
    let mut config = pgsqlite::Config::default();
    config.port = 0;
    config.max_message_size = 1024 * 1024;
    let server = pgsqlite::Server::start(config).unwrap();
    let mut stream = ready(&server);
    // Declares a 1 GiB query; only the header is sent.
    stream.write_all(&[b'Q', 0x40, 0, 0, 0]).unwrap();
    let messages = read_until(&mut stream, b'E');
    assert_eq!(sqlstate(messages.last().unwrap()), "08P01");
    assert!(closed(&mut stream));

    let mut stream = ready(&server);
    stream.write_all(&[b'Q', 0, 0, 0, 2]).unwrap(); // length below its own size
    let messages = read_until(&mut stream, b'E');
    assert_eq!(sqlstate(messages.last().unwrap()), "08P01");

    // A startup packet claiming to be huge.
    let mut stream = raw_connect(&server);
    stream.write_all(&[0x7f, 0, 0, 0, 0, 3, 0, 0]).unwrap();
    let messages = read_until(&mut stream, b'E');
    assert_eq!(sqlstate(messages.last().unwrap()), "08P01");
    others_still_work(&server).await;
}

#[tokio::test]
async fn malformed_bodies_and_wrong_state_messages() {
    let server = start(WriterStrategy::best());
    // A Bind whose parameter count runs past the end of the body.
    let mut stream = ready(&server);
    stream
        .write_all(&[b'B', 0, 0, 0, 10, 0, 0, 0, 0, 0, 9])
        .unwrap();
    let messages = read_until(&mut stream, b'E');
    assert_eq!(sqlstate(messages.last().unwrap()), "08P01");
    assert!(closed(&mut stream));

    // A password message when no authentication was asked for.
    let mut stream = ready(&server);
    let mut buf = BytesMut::new();
    frontend::password_message(b"secret", &mut buf).unwrap();
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'E');
    assert_eq!(sqlstate(messages.last().unwrap()), "08P01");
    assert!(closed(&mut stream));

    // Invalid UTF-8 in a query: an error, and the session goes on.
    let mut stream = ready(&server);
    stream
        .write_all(&[b'Q', 0, 0, 0, 8, b'S', 0xff, 0xfe, 0])
        .unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(sqlstate(&messages[0]), "22021");
    let mut buf = BytesMut::new();
    frontend::query("SELECT 1", &mut buf).unwrap();
    frontend::query(" ; -- nothing", &mut buf).unwrap();
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(
        messages.iter().map(|m| m.0).collect::<Vec<_>>(),
        b"TDCZ".to_vec()
    );
    let messages = read_until(&mut stream, b'Z');
    let tags: Vec<u8> = messages.iter().map(|m| m.0).collect();
    assert_eq!(
        tags,
        b"IZ".to_vec(),
        "an empty query gets EmptyQueryResponse"
    );

    // A client that vanishes mid-message leaves nothing behind.
    let mut stream = ready(&server);
    stream.write_all(&[b'Q', 0, 0, 1, 0, b'S', b'E']).unwrap();
    drop(stream);
    others_still_work(&server).await;
}

#[tokio::test]
async fn ssl_is_refused_and_newer_protocols_are_negotiated_down() {
    let server = start(WriterStrategy::best());
    let mut stream = raw_connect(&server);
    let mut buf = BytesMut::new();
    frontend::ssl_request(&mut buf);
    stream.write_all(&buf).unwrap();
    let mut answer = [0u8; 1];
    stream.read_exact(&mut answer).unwrap();
    assert_eq!(answer[0], b'N');
    // Then a 3.2 startup with a protocol extension: NegotiateProtocolVersion first.
    stream
        .write_all(&startup_bytes(2, &[("_pq_.test_ext", "1")]))
        .unwrap();
    let messages = read_until(&mut stream, b'Z');
    let (tag, body) = &messages[0];
    assert_eq!(*tag, b'v');
    assert_eq!(&body[..4], &0i32.to_be_bytes(), "newest minor supported: 0");
    assert_eq!(&body[4..8], &1i32.to_be_bytes(), "one unsupported option");
    assert!(body.windows(12).any(|w| w == b"_pq_.test_ex"));
    let tags: Vec<u8> = messages.iter().map(|m| m.0).collect();
    assert_eq!(tags[1], b'R');
    assert!(tags.contains(&b'K'));
    let statuses: Vec<String> = messages
        .iter()
        .filter(|m| m.0 == b'S')
        .map(|m| {
            String::from_utf8_lossy(&m.1)
                .split('\0')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    for name in [
        "server_version",
        "server_encoding",
        "client_encoding",
        "DateStyle",
        "integer_datetimes",
        "standard_conforming_strings",
        "TimeZone",
        "application_name",
        "is_superuser",
        "session_authorization",
    ] {
        assert!(statuses.iter().any(|s| s == name), "ParameterStatus {name}");
    }

    // Protocol 2 is refused.
    let mut stream = raw_connect(&server);
    let mut v2 = startup_bytes(0, &[]);
    v2[4..8].copy_from_slice(&(2i32 << 16).to_be_bytes());
    stream.write_all(&v2).unwrap();
    let messages = read_until(&mut stream, b'E');
    assert_eq!(sqlstate(messages.last().unwrap()), "0A000");
}

#[tokio::test]
async fn random_garbage_never_takes_the_server_down() {
    let server = start(WriterStrategy::best());
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..60 {
        let mut stream = if round % 2 == 0 {
            ready(&server)
        } else {
            raw_connect(&server)
        };
        let len = (next() % 300) as usize;
        let garbage: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let _ = stream.write_all(&garbage);
        let _ = stream.shutdown(std::net::Shutdown::Write);
        // Whatever the server answers, it must end the conversation.
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    }
    others_still_work(&server).await;
}

/// The bytes a server sends for a fixed session, with BackendKeyData blanked (it is
/// random per connection).
fn session_transcript(writer: WriterStrategy) -> Vec<u8> {
    let server = start(writer);
    let mut stream = raw_connect(&server);
    let mut input = BytesMut::new();
    input.put_slice(&startup_bytes(0, &[]));
    for sql in [
        "CREATE TABLE d (id INTEGER PRIMARY KEY, name TEXT, score REAL)",
        "INSERT INTO d VALUES (1, 'a', 1.5), (2, NULL, -2), (3, 'c', 1e300)",
        "SELECT * FROM d ORDER BY id; SELECT count(*) FROM d",
        "SELECT * FROM nope",
        "BEGIN; UPDATE d SET score = 0; ROLLBACK",
    ] {
        frontend::query(sql, &mut input).unwrap();
    }
    frontend::parse(
        "s",
        "SELECT name, score FROM d WHERE id > $1",
        [],
        &mut input,
    )
    .unwrap();
    frontend::describe(b'S', "s", &mut input).unwrap();
    frontend::bind(
        "p",
        "s",
        [1],
        [1i32],
        |v, buf| {
            buf.put_i32(v);
            Ok(postgres_protocol::IsNull::No)
        },
        [1, 0],
        &mut input,
    )
    .map_err(|_| "bind")
    .unwrap();
    frontend::describe(b'P', "p", &mut input).unwrap();
    frontend::execute("p", 1, &mut input).unwrap();
    frontend::execute("p", 0, &mut input).unwrap();
    frontend::sync(&mut input);
    frontend::terminate(&mut input);
    stream.write_all(&input).unwrap();
    let mut output = Vec::new();
    stream.read_to_end(&mut output).unwrap();
    drop(stream);
    server.shutdown().unwrap();
    // Blank the BackendKeyData body.
    let mut i = 0;
    while i + 5 <= output.len() {
        let len = u32::from_be_bytes([output[i + 1], output[i + 2], output[i + 3], output[i + 4]])
            as usize;
        if output[i] == b'K' {
            output[i + 5..i + 1 + len].fill(0);
        }
        i += 1 + len;
    }
    output
}

#[test]
fn every_strategy_sends_identical_bytes() {
    let baseline = session_transcript(WriterStrategy::Framed);
    assert!(baseline.len() > 300, "a real transcript");
    for &writer in WriterStrategy::ALL {
        assert_eq!(
            session_transcript(writer),
            baseline,
            "{writer} differs from framed"
        );
    }
}

#[test]
fn an_empty_prepared_statement_answers_empty_query() {
    let server = start(WriterStrategy::best());
    let mut stream = ready(&server);
    let mut input = BytesMut::new();
    frontend::parse("e", " ; -- nothing", [], &mut input).unwrap();
    frontend::describe(b'S', "e", &mut input).unwrap();
    frontend::bind(
        "",
        "e",
        [],
        [] as [i32; 0],
        |_, _| Ok(postgres_protocol::IsNull::No),
        [],
        &mut input,
    )
    .map_err(|_| "bind")
    .unwrap();
    frontend::execute("", 0, &mut input).unwrap();
    frontend::sync(&mut input);
    stream.write_all(&input).unwrap();
    let tags: Vec<u8> = read_until(&mut stream, b'Z').iter().map(|m| m.0).collect();
    // ParseComplete, ParameterDescription, NoData, BindComplete, EmptyQueryResponse, ReadyForQuery
    assert_eq!(tags, b"1tn2IZ".to_vec());
}
