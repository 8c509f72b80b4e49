//! Connection limits and timeouts through the real server: `--max-connections` (53300),
//! the authentication timeout against a slowloris client, and the idle timeouts
//! (25P03 / 57P05) set per session and as server defaults.

mod common;

use common::{assert_alive, connect, start_with, stat};
use pgsqlite::ServerHandle;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls};

/// Connects and keeps the connection task's outcome: a FATAL error the server sends
/// unprompted (an idle timeout) ends the task with that error.
async fn connect_watched(
    server: &ServerHandle,
) -> (Client, JoinHandle<Result<(), tokio_postgres::Error>>) {
    let port = server.local_addr().unwrap().port();
    let params = format!("host=127.0.0.1 port={port} user=test dbname=test");
    let (client, connection) = tokio_postgres::connect(&params, NoTls).await.unwrap();
    (client, tokio::spawn(connection))
}

/// The SQLSTATE and message the connection ended with.
async fn ended_with(connection: JoinHandle<Result<(), tokio_postgres::Error>>) -> (String, String) {
    let result = tokio::time::timeout(Duration::from_secs(10), connection)
        .await
        .expect("the server ends the connection")
        .unwrap();
    let err = result.expect_err("ended by an error");
    let db = err
        .as_db_error()
        .unwrap_or_else(|| panic!("not a server error: {err}"));
    assert_eq!(db.severity(), "FATAL");
    (db.code().code().to_string(), db.message().to_string())
}

/// Waits (up to 10 s) until statistic `name` shows `value`.
async fn wait_for_stat(client: &Client, name: &str, value: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = stat(client, name).await;
        if now == value {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{name} stays {now}, expected {value}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn max_connections_refuses_the_next_client_with_53300() {
    let server = start_with(|c| c.max_connections = 3);
    let first = connect(&server).await;
    let second = connect(&server).await;
    let third = connect(&server).await;
    let port = server.local_addr().unwrap().port();
    let params = format!("host=127.0.0.1 port={port} user=test dbname=test");
    for _ in 0..2 {
        let err = tokio_postgres::connect(&params, NoTls)
            .await
            .err()
            .expect("the fourth client is refused");
        let db = err.as_db_error().expect("a server error");
        assert_eq!(db.code().code(), "53300");
        assert_eq!(db.message(), "sorry, too many clients already");
        assert_eq!(db.severity(), "FATAL");
    }
    for client in [&first, &second, &third] {
        assert_alive(client).await;
    }
    assert_eq!(stat(&first, "connections.refused").await, "2");
    assert_eq!(stat(&first, "connections.open").await, "3");
    assert_eq!(stat(&first, "connections.max").await, "3");
    // A slot frees when a client leaves.
    drop(third);
    wait_for_stat(&first, "connections.open", "2").await;
    assert_alive(&connect(&server).await).await;
    assert_alive(&second).await;
}

#[tokio::test]
async fn a_slowloris_client_is_closed_after_the_authentication_timeout() {
    let server = start_with(|c| c.authentication_timeout = Duration::from_millis(500));
    let started = Instant::now();
    let mut slow = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Half a startup packet: the length says 40 bytes, 6 arrive.
    slow.write_all(&[0, 0, 0, 40, 0, 3]).unwrap();
    // Meanwhile another client connects and works.
    let client = connect(&server).await;
    assert_alive(&client).await;
    let mut byte = [0u8; 1];
    let read = tokio::task::spawn_blocking(move || slow.read(&mut byte).map(|n| (n, slow)))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(
        matches!(read, Ok((0, _)) | Err(_)),
        "the server closes the connection without an answer"
    );
    assert!(
        waited >= Duration::from_millis(450) && waited < Duration::from_secs(5),
        "closed after {waited:?}"
    );
    // Counted once the connection's task has finished (just after the close).
    wait_for_stat(&client, "auth.timeouts", "1").await;
    assert_alive(&client).await;
    // An established session is not affected by the timeout.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_alive(&client).await;
}

#[tokio::test]
async fn idle_in_transaction_session_timeout_ends_the_session_with_25p03() {
    let server = start_with(|_| {});
    let (client, connection) = connect_watched(&server).await;
    client
        .batch_execute("SET idle_in_transaction_session_timeout = 300")
        .await
        .unwrap();
    let shown: String = client
        .query_one("SHOW idle_in_transaction_session_timeout", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(shown, "300ms");
    // Idle outside a transaction: not affected.
    tokio::time::sleep(Duration::from_millis(500)).await;
    client.batch_execute("BEGIN").await.unwrap();
    client.batch_execute("SELECT 1").await.unwrap();
    let (code, message) = ended_with(connection).await;
    assert_eq!(code, "25P03");
    assert_eq!(
        message,
        "terminating connection due to idle-in-transaction timeout"
    );
    assert!(client.is_closed() || client.batch_execute("SELECT 1").await.is_err());
    assert_alive(&connect(&server).await).await;
}

#[tokio::test]
async fn idle_session_timeout_from_the_server_default_ends_the_session_with_57p05() {
    let server = start_with(|c| c.idle_session_timeout = Duration::from_millis(400));
    let (client, connection) = connect_watched(&server).await;
    let shown: String = client
        .query_one("SHOW idle_session_timeout", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(shown, "400ms");
    // Inside a transaction the session timeout does not apply.
    client.batch_execute("BEGIN").await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    client.batch_execute("COMMIT").await.unwrap();
    let (code, message) = ended_with(connection).await;
    assert_eq!(code, "57P05");
    assert_eq!(
        message,
        "terminating connection due to idle-session timeout"
    );

    // SET changes it per session; RESET goes back to the server's value; 0 turns it off.
    let (client, connection) = connect_watched(&server).await;
    client
        .batch_execute("SET idle_session_timeout = '1min'")
        .await
        .unwrap();
    let shown: String = client
        .query_one("SHOW idle_session_timeout", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(shown, "1min");
    client
        .batch_execute("RESET idle_session_timeout")
        .await
        .unwrap();
    let shown: String = client
        .query_one("SHOW idle_session_timeout", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(shown, "400ms");
    client
        .batch_execute("SET idle_session_timeout = 0")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_alive(&client).await;
    assert!(!connection.is_finished());
}

#[tokio::test]
async fn a_cancel_request_still_works_on_a_full_server() {
    let server = start_with(|c| c.max_connections = 1);
    let client = connect(&server).await;
    let token = client.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        token.cancel_query(NoTls).await
    });
    let endless = client.query_one(
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) \
         SELECT count(*) FROM c",
        &[],
    );
    let err = tokio::time::timeout(Duration::from_secs(20), endless)
        .await
        .expect("the cancel request got through the full server")
        .unwrap_err();
    assert_eq!(common::sqlstate(&err), "57014");
    canceller.await.unwrap().unwrap();
    assert_alive(&client).await;
    assert_eq!(stat(&client, "connections.refused").await, "1");
}

#[tokio::test]
async fn a_client_that_never_answers_the_password_request_is_closed_too() {
    let server = start_with(|c| {
        c.authentication_timeout = Duration::from_millis(500);
        c.password = Some(pgsqlite::config::Password("pw".to_string()));
    });
    let mut stalled = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut startup = bytes::BytesMut::new();
    postgres_protocol::message::frontend::startup_message(
        [("user", "postgres"), ("database", "test")],
        &mut startup,
    )
    .unwrap();
    stalled.write_all(&startup).unwrap();
    let started = Instant::now();
    let closed = tokio::task::spawn_blocking(move || {
        // The AuthenticationSASL request arrives; the client never answers it.
        let mut head = [0u8; 5];
        stalled.read_exact(&mut head).unwrap();
        assert_eq!(head[0], b'R');
        let mut rest =
            vec![0u8; u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize - 4];
        stalled.read_exact(&mut rest).unwrap();
        let mut byte = [0u8; 1];
        matches!(stalled.read(&mut byte), Ok(0))
    })
    .await
    .unwrap();
    let waited = started.elapsed();
    assert!(closed, "the server closes the connection");
    assert!(
        waited >= Duration::from_millis(400) && waited < Duration::from_secs(5),
        "closed after {waited:?}"
    );
    let port = server.local_addr().unwrap().port();
    let params = format!("host=127.0.0.1 port={port} user=postgres dbname=test password=pw");
    let (client, connection) = tokio_postgres::connect(&params, NoTls).await.unwrap();
    tokio::spawn(connection);
    wait_for_stat(&client, "auth.timeouts", "1").await;
    assert_eq!(stat(&client, "auth.failures").await, "0");
}
