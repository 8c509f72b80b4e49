//! Authentication through the real server: tokio-postgres logging in with SCRAM-SHA-256,
//! MD5 and a cleartext password; wrong passwords and unknown users refused alike (28P01);
//! failures paced; users files; and hostile input before authentication over raw TCP.

mod common;

use bytes::BytesMut;
use common::{assert_alive, start_with, stat};
use pgsqlite::auth::AuthMethod;
use pgsqlite::auth::md5;
use pgsqlite::auth::scram::ScramVerifier;
use pgsqlite::config::Password;
use pgsqlite::{Config, ServerHandle};
use postgres_protocol::message::frontend;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tokio_postgres::{Client, NoTls};

/// A server with user `alice`, password `secret`, and `edit` applied.
fn server(method: Option<AuthMethod>, edit: impl FnOnce(&mut Config)) -> ServerHandle {
    start_with(|c| {
        c.user = Some("alice".to_string());
        c.password = Some(Password("secret".to_string()));
        c.auth_method = method;
        edit(c);
    })
}

async fn login(
    server: &ServerHandle,
    user: &str,
    password: &str,
) -> Result<Client, tokio_postgres::Error> {
    let port = server.local_addr().unwrap().port();
    let params =
        format!("host=127.0.0.1 port={port} user={user} dbname=test password='{password}'");
    let (client, connection) = tokio_postgres::connect(&params, NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Logs in with the wrong password, expecting 28P01; returns the message and how long
/// the refusal took.
async fn refused(server: &ServerHandle, user: &str, password: &str) -> (String, Duration) {
    let started = Instant::now();
    let err = match login(server, user, password).await {
        Ok(_) => panic!("{user}/{password} logged in"),
        Err(err) => err,
    };
    let elapsed = started.elapsed();
    let db = err
        .as_db_error()
        .unwrap_or_else(|| panic!("not a server error: {err}"));
    assert_eq!(db.code().code(), "28P01", "{err}");
    assert_eq!(db.severity(), "FATAL");
    (db.message().to_string(), elapsed)
}

#[tokio::test]
async fn scram_sha_256_is_the_default_with_a_password() {
    let server = server(None, |_| {});
    let client = login(&server, "alice", "secret")
        .await
        .expect("SCRAM login");
    assert_alive(&client).await;
    assert_eq!(stat(&client, "auth.method").await, "scram-sha-256");
    let user: String = client
        .query_one("SHOW session_authorization", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(user, "alice");

    let (wrong, _) = refused(&server, "alice", "Secret").await;
    assert_eq!(wrong, "password authentication failed for user \"alice\"");
    let (unknown, _) = refused(&server, "mallory", "secret").await;
    assert_eq!(
        unknown,
        "password authentication failed for user \"mallory\""
    );
    assert_eq!(stat(&client, "auth.failures").await, "2");
    assert_alive(&client).await;
}

#[tokio::test]
async fn md5_and_cleartext_methods() {
    for method in [AuthMethod::Md5, AuthMethod::Password] {
        let server = server(Some(method), |_| {});
        let client = login(&server, "alice", "secret")
            .await
            .unwrap_or_else(|e| panic!("{method} login: {e}"));
        assert_alive(&client).await;
        assert_eq!(stat(&client, "auth.method").await, method.name());
        let (wrong, _) = refused(&server, "alice", "nope").await;
        assert_eq!(wrong, "password authentication failed for user \"alice\"");
        let (unknown, _) = refused(&server, "bob", "secret").await;
        assert_eq!(unknown, "password authentication failed for user \"bob\"");
    }
}

#[tokio::test]
async fn failures_are_paced_and_unknown_users_take_as_long() {
    let server = server(None, |_| {});
    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..2 {
        wrong.push(refused(&server, "alice", "guess").await.1);
        unknown.push(refused(&server, "nobody", "guess").await.1);
    }
    // Delays 100, 200, 400, 800 ms: each failure waits longer than the one before.
    let all = [wrong[0], unknown[0], wrong[1], unknown[1]];
    assert!(all[0] >= Duration::from_millis(100), "{all:?}");
    for pair in all.windows(2) {
        assert!(pair[1] > pair[0], "failures must slow down: {all:?}");
    }
    // The unknown user costs what the known one does, give or take the pacing step.
    assert!(unknown[0] < wrong[1] && unknown[0] > wrong[0], "{all:?}");
    // A right password still gets in at once.
    let started = Instant::now();
    let client = login(&server, "alice", "secret").await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_alive(&client).await;
}

#[tokio::test]
async fn users_file_with_scram_and_md5_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("users");
    let carol = ScramVerifier::new("carol-pw").unwrap();
    std::fs::write(
        &path,
        format!(
            "# pgsqlite users\ncarol:{carol}\ndave:{}\nfrank:{}\n",
            md5::stored_hash("dave", "dave-pw"),
            // Another implementation's verifier (rust-postgres writes PostgreSQL's format).
            postgres_protocol::password::scram_sha_256(b"frank-pw")
        ),
    )
    .unwrap();
    // SCRAM: carol gets in; dave has only an MD5 hash, so SCRAM cannot check him.
    let scram = start_with(|c| c.users_file = Some(path.clone()));
    assert_alive(&login(&scram, "carol", "carol-pw").await.unwrap()).await;
    assert_alive(&login(&scram, "frank", "frank-pw").await.unwrap()).await;
    refused(&scram, "dave", "dave-pw").await;
    // md5: dave by MD5; carol, stored for SCRAM only, is upgraded to SCRAM (as PostgreSQL).
    let md5 = start_with(|c| {
        c.users_file = Some(path.clone());
        c.auth_method = Some(AuthMethod::Md5);
    });
    assert_alive(&login(&md5, "dave", "dave-pw").await.unwrap()).await;
    assert_alive(&login(&md5, "carol", "carol-pw").await.unwrap()).await;
    refused(&md5, "carol", "dave-pw").await;

    std::fs::write(&path, "eve:plaintext\n").unwrap();
    let err = pgsqlite::Server::start({
        let mut c = Config::default();
        c.port = 0;
        c.users_file = Some(path.clone());
        c
    })
    .unwrap_err();
    assert!(err.to_string().contains("plain passwords"), "{err}");
}

#[tokio::test]
async fn trust_with_a_user_name_accepts_only_that_name() {
    let server = start_with(|c| c.user = Some("app".to_string()));
    let client = login(&server, "app", "").await.expect("trust");
    assert_eq!(stat(&client, "auth.method").await, "trust");
    let err = login(&server, "other", "").await.expect_err("refused");
    let db = err.as_db_error().expect("server error");
    assert_eq!(db.code().code(), "28000");
    assert_eq!(db.message(), "role \"other\" does not exist");
}

// ---------------------------------------------------------------------------------------
// Hostile input before authentication (raw TCP)
// ---------------------------------------------------------------------------------------

type Message = (u8, Vec<u8>);

fn raw(server: &ServerHandle, user: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut body = Vec::new();
    body.extend_from_slice(&(3i32 << 16).to_be_bytes());
    for (name, value) in [(&b"user"[..], user), (b"database", b"test")] {
        body.extend_from_slice(name);
        body.push(0);
        body.extend_from_slice(value);
        body.push(0);
    }
    body.push(0);
    let mut packet = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    packet.extend_from_slice(&body);
    stream.write_all(&packet).unwrap();
    stream
}

fn read_message(stream: &mut TcpStream) -> Option<Message> {
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).ok()?;
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    let mut body = vec![0u8; len - 4];
    stream.read_exact(&mut body).ok()?;
    Some((head[0], body))
}

/// The (severity, code, message) of an ErrorResponse.
fn error_fields(message: &Message) -> (String, String, String) {
    assert_eq!(
        message.0, b'E',
        "expected ErrorResponse, got {:?}",
        message.0 as char
    );
    let field = |tag: u8| {
        message
            .1
            .split(|b| *b == 0)
            .find(|f| f.first() == Some(&tag))
            .map(|f| String::from_utf8_lossy(&f[1..]).into_owned())
            .unwrap_or_default()
    };
    (field(b'S'), field(b'C'), field(b'M'))
}

/// Expects a FATAL error with `code`, then the connection closed; returns the message.
fn fatal(stream: &mut TcpStream, code: &str) -> String {
    let message = loop {
        let message = read_message(stream).expect("an ErrorResponse before the close");
        if message.0 == b'E' {
            break message;
        }
    };
    let (severity, got, text) = error_fields(&message);
    assert_eq!((severity.as_str(), got.as_str()), ("FATAL", code), "{text}");
    assert!(read_message(stream).is_none(), "the connection closes");
    text
}

/// Reads the AuthenticationSASL request.
fn expect_sasl(stream: &mut TcpStream) {
    let (tag, body) = read_message(stream).expect("authentication request");
    assert_eq!(tag, b'R');
    assert_eq!(&body[..4], &10i32.to_be_bytes(), "AuthenticationSASL");
    assert!(body.windows(13).any(|w| w == b"SCRAM-SHA-256"));
}

fn tagged(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

#[tokio::test]
async fn hostile_input_before_authentication() {
    let md5_server = server(Some(AuthMethod::Md5), |_| {});
    let server = server(None, |_| {});
    let client = login(&server, "alice", "secret").await.unwrap();

    // A Query where the SASL response belongs.
    let mut s = raw(&server, b"alice");
    expect_sasl(&mut s);
    let mut buf = BytesMut::new();
    frontend::query("SELECT 1", &mut buf).unwrap();
    s.write_all(&buf).unwrap();
    assert_eq!(
        fatal(&mut s, "08P01"),
        "expected SASL response, got message type 81"
    );

    // A mechanism that was not offered.
    let mut s = raw(&server, b"alice");
    expect_sasl(&mut s);
    let mut buf = BytesMut::new();
    frontend::sasl_initial_response("SCRAM-SHA-256-PLUS", b"p=tls-unique,,n=,r=abc", &mut buf)
        .unwrap();
    s.write_all(&buf).unwrap();
    assert_eq!(
        fatal(&mut s, "08P01"),
        "client selected an invalid SASL authentication mechanism"
    );

    // A truncated SASLInitialResponse: the data length says 100, 3 bytes follow.
    let mut s = raw(&server, b"alice");
    expect_sasl(&mut s);
    let mut body = b"SCRAM-SHA-256\0".to_vec();
    body.extend_from_slice(&100i32.to_be_bytes());
    body.extend_from_slice(b"n,,");
    s.write_all(&tagged(b'p', &body)).unwrap();
    fatal(&mut s, "08P01");

    // Garbage where the SCRAM client-first-message belongs.
    let mut s = raw(&server, b"alice");
    expect_sasl(&mut s);
    let mut buf = BytesMut::new();
    frontend::sasl_initial_response("SCRAM-SHA-256", b"\xff\xfe garbage", &mut buf).unwrap();
    s.write_all(&buf).unwrap();
    assert_eq!(fatal(&mut s, "08P01"), "malformed SCRAM message");

    // Before authentication no message may be larger than an authentication token: the
    // header of a 1 GiB Query is refused before any of its body is buffered.
    let mut s = raw(&server, b"alice");
    expect_sasl(&mut s);
    let mut head = vec![b'Q'];
    head.extend_from_slice(&(1i32 << 30).to_be_bytes());
    s.write_all(&head).unwrap();
    assert_eq!(
        fatal(&mut s, "08P01"),
        format!(
            "message of {} bytes exceeds the maximum of 65535",
            (1 << 30) - 4
        )
    );

    // A Query where the PasswordMessage belongs (md5 asks for one).
    let mut s = raw(&md5_server, b"alice");
    let (tag, body) = read_message(&mut s).expect("authentication request");
    assert_eq!(
        (tag, &body[..4]),
        (b'R', &5i32.to_be_bytes()[..]),
        "AuthenticationMD5Password"
    );
    let mut buf = BytesMut::new();
    frontend::query("SELECT 1", &mut buf).unwrap();
    s.write_all(&buf).unwrap();
    assert_eq!(
        fatal(&mut s, "08P01"),
        "expected password response, got message type 81"
    );
    assert_alive(&login(&md5_server, "alice", "secret").await.unwrap()).await;

    // A user name that is not UTF-8.
    let mut s = raw(&server, b"al\xffce");
    fatal(&mut s, "22021");

    // A PasswordMessage nobody asked for (trust: the session is already running).
    let trust = start_with(|_| {});
    let mut s = raw(&trust, b"test");
    loop {
        let (tag, _) = read_message(&mut s).expect("startup answers");
        if tag == b'Z' {
            break;
        }
    }
    let mut buf = BytesMut::new();
    frontend::password_message(b"secret", &mut buf).unwrap();
    s.write_all(&buf).unwrap();
    assert_eq!(fatal(&mut s, "08P01"), "unexpected password message");

    // Once logged in, large messages pass again.
    let long = "x".repeat(200_000);
    let n: i32 = client
        .query_one(format!("SELECT length('{long}')").as_str(), &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 200_000);

    // None of it cost a failed-password count, and everyone else is still served.
    assert_eq!(stat(&client, "auth.failures").await, "0");
    assert_alive(&client).await;
    assert_alive(&login(&server, "alice", "secret").await.unwrap()).await;
    assert_alive(&common::connect(&trust).await).await;
}
