//! Hostile input after a successful login, sent raw over TCP: a table of malformed
//! frontend messages (truncated, lengths that lie, unknown types, a Bind with the wrong
//! number of parameters, invalid UTF-8, 2 GiB lengths, a missing portal, COPY messages
//! out of context, a CancelRequest with a wrong key), each answered as PostgreSQL 15
//! answers it; then a seeded random-mutation loop over valid messages. Throughout: no
//! panic anywhere in the server (the server runs in this process, a panic hook counts),
//! another connection keeps working, and committed data stays.

mod common;

use bytes::{BufMut, BytesMut};
use common::raw::{error_field, ready, tags};
use common::rng::Rng;
use common::{assert_alive, connect, start_with};
use postgres_protocol::message::frontend;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Panics anywhere in this process (the server's threads included) since the hook went in.
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
}

/// A backend message: tag and body.
type Message = (u8, Vec<u8>);

/// Reads everything the server sends until it closes or is quiet for `quiet`, as
/// messages; `closed` tells whether it closed. Panics on a malformed frame: the server
/// must never send one.
fn read_all(stream: &mut TcpStream, quiet: Duration) -> (Vec<Message>, bool) {
    stream.set_read_timeout(Some(quiet)).unwrap();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    let closed = loop {
        match stream.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    (frames(&bytes), closed)
}

/// Splits backend bytes into messages, checking each frame.
fn frames(mut bytes: &[u8]) -> Vec<Message> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        assert!(bytes.len() >= 5, "a truncated frame from the server");
        let len = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]) as usize;
        assert!(len >= 4 && bytes.len() > len, "a frame that lies: {len}");
        out.push((bytes[0], bytes[5..1 + len].to_vec()));
        bytes = &bytes[1 + len..];
    }
    out
}

/// Reads until ReadyForQuery after a DataRow holding `marker`, or until the server closes.
fn read_until_marker(stream: &mut TcpStream, marker: &[u8]) -> (Vec<Message>, bool) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut messages = Vec::new();
    let mut seen = false;
    loop {
        let mut head = [0u8; 5];
        if stream.read_exact(&mut head).is_err() {
            return (messages, false);
        }
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        assert!(len >= 4, "a frame that lies");
        let mut body = vec![0u8; len - 4];
        stream.read_exact(&mut body).expect("a whole frame");
        seen |= head[0] == b'D' && body.windows(marker.len()).any(|w| w == marker);
        let done = head[0] == b'Z' && seen;
        messages.push((head[0], body));
        if done {
            return (messages, true);
        }
    }
}

fn tagged(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn query(sql: &[u8]) -> Vec<u8> {
    let mut body = sql.to_vec();
    body.push(0);
    tagged(b'Q', &body)
}

fn parse(sql: &str, types: &[u32]) -> Vec<u8> {
    let mut buf = BytesMut::new();
    frontend::parse("", sql, types.iter().copied(), &mut buf).unwrap();
    buf.to_vec()
}

/// A Bind of the unnamed statement: `formats` (parameter format codes), then the
/// parameters (`None`: NULL), no result formats.
fn bind(statement: &str, formats: &[i16], params: &[Option<&[u8]>]) -> Vec<u8> {
    let mut body = BytesMut::new();
    body.put_u8(0); // unnamed portal
    body.put_slice(statement.as_bytes());
    body.put_u8(0);
    body.put_i16(formats.len() as i16);
    for f in formats {
        body.put_i16(*f);
    }
    body.put_i16(params.len() as i16);
    for p in params {
        match p {
            None => body.put_i32(-1),
            Some(p) => {
                body.put_i32(p.len() as i32);
                body.put_slice(p);
            }
        }
    }
    body.put_i16(0);
    tagged(b'B', &body)
}

fn execute(portal: &str) -> Vec<u8> {
    let mut buf = BytesMut::new();
    frontend::execute(portal, 0, &mut buf).unwrap();
    buf.to_vec()
}

fn sync() -> Vec<u8> {
    tagged(b'S', b"")
}

fn concat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// How the session ends up after a hostile message.
#[derive(Clone, Copy, Debug, PartialEq)]
enum After {
    /// It answers the next query.
    Alive,
    /// The server closed the connection.
    Closed,
}

/// One hostile input, and PostgreSQL 15's answer: the errors (severity, SQLSTATE) in
/// order, and whether the session survives.
struct Case {
    name: &'static str,
    input: Vec<u8>,
    errors: &'static [(&'static str, &'static str)],
    after: After,
}

fn cases() -> Vec<Case> {
    use After::*;
    let case = |name, input, errors, after| Case {
        name,
        input,
        errors,
        after,
    };
    vec![
        case(
            "unknown message type",
            tagged(b'y', b"abc"),
            &[("FATAL", "08P01")],
            Closed,
        ),
        case(
            "PasswordMessage after login",
            tagged(b'p', b"pw\0"),
            &[("FATAL", "08P01")],
            Closed,
        ),
        case(
            "a second startup packet",
            {
                let mut buf = BytesMut::new();
                frontend::startup_message([("user", "test")], &mut buf).unwrap();
                buf.to_vec()
            },
            &[("FATAL", "08P01")],
            Closed,
        ),
        // PostgreSQL closes without a word on an impossible length (it logs "invalid
        // message length"); pgsqlite says why first, with PostgreSQL's SQLSTATE for it.
        case(
            "negative length",
            [&b"Q"[..], &(-1i32).to_be_bytes(), b"SELECT 1\0"].concat(),
            &[("FATAL", "08P01")],
            Closed,
        ),
        case(
            "length below 4",
            [&b"Q"[..], &3u32.to_be_bytes()].concat(),
            &[("FATAL", "08P01")],
            Closed,
        ),
        case(
            "2 GiB declared length",
            [&b"Q"[..], &0x7fff_fff0u32.to_be_bytes(), b"SELECT 1\0"].concat(),
            &[("FATAL", "08P01")],
            Closed,
        ),
        case(
            "invalid UTF-8 in a Query",
            query(b"SELECT '\xff\xfe'"),
            &[("ERROR", "22021")],
            Alive,
        ),
        case(
            "Query without its terminating NUL",
            tagged(b'Q', b"SELECT 1"),
            &[("ERROR", "08P01")],
            Alive,
        ),
        case(
            "Bind with the wrong parameter count",
            concat(&[
                parse("SELECT $1::int + $2::int", &[]),
                bind("", &[], &[Some(b"1")]),
                execute(""),
                sync(),
            ]),
            &[("ERROR", "08P01")],
            Alive,
        ),
        case(
            "Bind with more format codes than parameters",
            concat(&[
                parse("SELECT $1::int", &[]),
                bind("", &[0, 0, 0], &[Some(b"1")]),
                execute(""),
                sync(),
            ]),
            &[("ERROR", "08P01")],
            Alive,
        ),
        case(
            "Bind with format code 7",
            concat(&[
                parse("SELECT $1::int", &[]),
                bind("", &[7], &[Some(b"1")]),
                execute(""),
                sync(),
            ]),
            &[("ERROR", "22023")],
            Alive,
        ),
        case(
            "Bind with a parameter length that lies",
            concat(&[
                parse("SELECT $1::text", &[]),
                tagged(
                    b'B',
                    &[0, 0, 0, 0, 0, 1, 0, 0, 0x03, 0xe8, b'a', b'b', b'c', 0, 0],
                ),
                sync(),
            ]),
            &[("ERROR", "08P01")],
            Alive,
        ),
        case(
            "Bind of a missing statement",
            concat(&[bind("nostmt", &[], &[]), sync()]),
            &[("ERROR", "26000")],
            Alive,
        ),
        case(
            "Execute of an unknown portal",
            concat(&[execute("nope"), sync()]),
            &[("ERROR", "34000")],
            Alive,
        ),
        case(
            "Describe with subtype X",
            concat(&[tagged(b'D', b"X\0"), sync()]),
            &[("ERROR", "08P01")],
            Alive,
        ),
        case(
            "Close with subtype X",
            concat(&[tagged(b'C', b"X\0"), sync()]),
            &[("ERROR", "08P01")],
            Alive,
        ),
        case(
            "Parse with a negative parameter-type count",
            concat(&[tagged(b'P', b"\0SELECT 1\0\xff\xff"), sync()]),
            &[("ERROR", "08P01")],
            Alive,
        ),
        case(
            "Parse with invalid UTF-8",
            concat(&[tagged(b'P', b"\0SELECT \xff\0\0\0"), sync()]),
            &[("ERROR", "22021")],
            Alive,
        ),
        case(
            "Sync with a body",
            tagged(b'S', b"xx"),
            &[("ERROR", "08P01")],
            Alive,
        ),
        // PostgreSQL ignores COPY messages outside COPY (they may follow a failed one).
        case(
            "CopyData out of context",
            tagged(b'd', b"1\t2\n"),
            &[],
            Alive,
        ),
        case("CopyDone out of context", tagged(b'c', b""), &[], Alive),
        case(
            "CopyFail out of context",
            tagged(b'f', b"oops\0"),
            &[],
            Alive,
        ),
        // PostgreSQL answers 08P01 and then, having failed in the middle of reading the
        // Query, closes with FATAL 08P01 "protocol synchronization was lost". pgsqlite
        // has read the whole message, so it stays in sync and goes on after the ERROR.
        case(
            "a Query inside COPY FROM STDIN",
            concat(&[
                query(b"CREATE TEMP TABLE h (a int, b int)"),
                query(b"COPY h FROM STDIN"),
                query(b"SELECT 1"),
            ]),
            &[("ERROR", "08P01")],
            Alive,
        ),
        // PostgreSQL: ERROR 08P01 (unexpected message during COPY), then FATAL 08P01;
        // pgsqlite refuses the unknown type at once: FATAL 08P01.
        case(
            "an unknown message inside COPY FROM STDIN",
            concat(&[
                query(b"CREATE TEMP TABLE h (a int)"),
                query(b"COPY h FROM STDIN"),
                tagged(b'y', b"zz"),
            ]),
            &[("FATAL", "08P01")],
            Closed,
        ),
        case(
            "bad data inside COPY FROM STDIN",
            concat(&[
                query(b"CREATE TEMP TABLE h (a int)"),
                query(b"COPY h FROM STDIN"),
                tagged(b'd', b"notanint\n"),
                tagged(b'c', b""),
            ]),
            &[("ERROR", "22P02")],
            Alive,
        ),
    ]
}

/// The errors among `messages`, as (severity, SQLSTATE).
fn errors(messages: &[Message]) -> Vec<(String, String)> {
    messages
        .iter()
        .filter(|m| m.0 == b'E')
        .map(|m| {
            (
                error_field(m, b'S').unwrap_or_default(),
                error_field(m, b'C').unwrap_or_default(),
            )
        })
        .collect()
}

/// A table of committed rows that hostile sessions must not touch.
async fn committed(client: &tokio_postgres::Client) -> i64 {
    client
        .query_one("SELECT count(*), sum(v) FROM kept", &[])
        .await
        .unwrap()
        .get::<_, i64>(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_after_login_get_postgresql_answers() {
    count_panics();
    let server = start_with(|_| {});
    let bystander = connect(&server).await;
    bystander
        .batch_execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (1), (2), (3)")
        .await
        .unwrap();
    let mut failures = Vec::new();
    for case in cases() {
        let server = &server;
        let (messages, alive) = tokio::task::block_in_place(|| {
            let mut stream = ready(server);
            let mut input = case.input.clone();
            input.extend(query(b"SELECT 'still-here'"));
            stream.write_all(&input).unwrap();
            read_until_marker(&mut stream, b"still-here")
        });
        let got = errors(&messages);
        let want: Vec<(String, String)> = case
            .errors
            .iter()
            .map(|(s, c)| (s.to_string(), c.to_string()))
            .collect();
        let after = if alive { After::Alive } else { After::Closed };
        if got != want || after != case.after {
            failures.push(format!(
                "{}: got {got:?} then {after:?} ({}), want {want:?} then {:?}",
                case.name,
                tags(&messages),
                case.after
            ));
        }
        assert_alive(&bystander).await;
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert_eq!(committed(&bystander).await, 3);
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "the server panicked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_message_then_close_and_wrong_cancel_key() {
    count_panics();
    let server = start_with(|_| {});
    let bystander = connect(&server).await;
    bystander
        .batch_execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (1), (2), (3)")
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    tokio::task::block_in_place(|| {
        // A message cut short, then the client goes: the session ends quietly.
        let mut stream = ready(&server);
        stream.write_all(&query(b"SELECT 1")[..6]).unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let (messages, closed) = read_all(&mut stream, Duration::from_secs(10));
        assert!(closed && messages.is_empty(), "{}", tags(&messages));

        // A CancelRequest with a wrong key: nothing is answered, nothing is cancelled.
        let mut cancel = TcpStream::connect(addr).unwrap();
        let mut packet = vec![0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e];
        packet.extend_from_slice(&1u32.to_be_bytes());
        packet.extend_from_slice(&0xdead_beefu32.to_be_bytes());
        cancel.write_all(&packet).unwrap();
        let (messages, closed) = read_all(&mut cancel, Duration::from_secs(10));
        assert!(closed && messages.is_empty(), "{}", tags(&messages));
    });
    // A statement running meanwhile finishes: the wrong key cancelled nothing.
    let n: i64 = bystander
        .query_one(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT count(*) FROM c",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 200_000);
    assert_eq!(committed(&bystander).await, 3);
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "the server panicked");
}

/// Valid messages (and message sequences) to mutate.
fn seeds() -> Vec<Vec<u8>> {
    vec![
        query(b"SELECT 1, 'two', 3.5, NULL"),
        query(b"INSERT INTO scratch VALUES (42, 'x')"),
        query(b"BEGIN; SELECT * FROM scratch; COMMIT"),
        concat(&[
            parse("SELECT $1::int + $2::int", &[23, 23]),
            bind("", &[1, 0], &[Some(&7i32.to_be_bytes()), Some(b"5")]),
            tagged(b'D', b"P\0"),
            execute(""),
            sync(),
        ]),
        concat(&[
            parse("SELECT $1::text, $2::bytea", &[]),
            bind("", &[], &[Some(b"hello"), None]),
            execute(""),
            sync(),
        ]),
        concat(&[tagged(b'D', b"S\0"), tagged(b'C', b"S\0"), sync()]),
        concat(&[
            query(b"COPY scratch FROM STDIN"),
            tagged(b'd', b"1\ta\n2\tb\n"),
            tagged(b'c', b""),
        ]),
        tagged(b'H', b""),
    ]
}

/// One mutation of `message`: bytes flipped, cut, inserted, a length or tag rewritten.
fn mutate(rng: &mut Rng, message: &[u8]) -> Vec<u8> {
    let mut m = message.to_vec();
    for _ in 0..=rng.below(3) {
        if m.is_empty() {
            m.push(rng.next() as u8);
        }
        let at = rng.below(m.len());
        match rng.below(7) {
            0 => m[at] ^= 1 << rng.below(8),
            1 => m[at] = rng.next() as u8,
            2 => m.truncate(at),
            3 => m.insert(at, rng.next() as u8),
            4 if m.len() >= 5 => {
                let len = match rng.below(4) {
                    0 => 0u32,
                    1 => u32::MAX,
                    2 => rng.next() as u32 % 64,
                    _ => 1 << 30,
                };
                m[1..5].copy_from_slice(&len.to_be_bytes());
            }
            5 => m[0] = b"ABCDEFHPQSXcdfpyz\0"[rng.below(18)],
            _ => {
                let from = rng.below(m.len());
                let piece = m[from..].to_vec();
                m.extend_from_slice(&piece[..piece.len().min(16)]);
            }
        }
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_random_mutations_keep_the_server_healthy() {
    count_panics();
    let server = start_with(|_| {});
    let bystander = connect(&server).await;
    bystander
        .batch_execute(
            "CREATE TABLE kept (v int); INSERT INTO kept VALUES (1), (2), (3);
             CREATE TABLE scratch (a int, b text)",
        )
        .await
        .unwrap();
    let seeds = seeds();
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let started = Instant::now();
    let (mut sent, mut closed_by_server, mut errors_seen) = (0usize, 0usize, 0usize);
    let budget = Duration::from_secs(15);
    let server_ref = &server;
    while sent < 10_000 && started.elapsed() < budget {
        // Several mutated messages per connection, then the client leaves.
        let batch: Vec<Vec<u8>> = (0..8)
            .map(|_| {
                let seed = &seeds[rng.below(seeds.len())];
                mutate(&mut rng, seed)
            })
            .collect();
        sent += batch.len();
        let (messages, closed) = tokio::task::block_in_place(|| {
            let mut stream = ready(server_ref);
            for m in &batch {
                if stream.write_all(m).is_err() {
                    break;
                }
            }
            let _ = stream.shutdown(std::net::Shutdown::Write);
            read_all(&mut stream, Duration::from_secs(5))
        });
        assert!(closed, "the server closes once the client is gone");
        for m in messages.iter().filter(|m| m.0 == b'E') {
            errors_seen += 1;
            let code = error_field(m, b'C').unwrap_or_default();
            assert!(
                code.len() == 5 && code.bytes().all(|b| b.is_ascii_alphanumeric()),
                "a SQLSTATE: {code:?}"
            );
            if error_field(m, b'S').as_deref() == Some("FATAL") {
                closed_by_server += 1;
            }
        }
        if sent % 400 == 0 {
            assert_alive(&bystander).await;
        }
    }
    eprintln!(
        "{sent} mutated messages in {:.1} s: {errors_seen} errors, {closed_by_server} FATAL",
        started.elapsed().as_secs_f64()
    );
    assert!(sent >= 1000, "too few mutations in the budget: {sent}");
    assert!(errors_seen > 0, "the mutations reached the decoder");
    assert_alive(&bystander).await;
    assert_eq!(committed(&bystander).await, 3);
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "the server panicked");
}
