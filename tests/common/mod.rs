//! Shared helpers for integration tests: start a server in-process, connect clients.

#![allow(dead_code)]

use pgsqlite::writer::WriterStrategy;
use pgsqlite::{Config, Server, ServerHandle};
use tokio_postgres::{Client, NoTls};

/// Starts a server on a free loopback port with its own in-memory database.
pub fn start(writer: WriterStrategy) -> ServerHandle {
    let mut config = Config::default();
    config.port = 0;
    config.writer = writer;
    config.workers = 2;
    Server::start(config).expect("server starts")
}

/// Connects tokio-postgres to `server`; the connection task runs in the background.
pub async fn connect(server: &ServerHandle) -> Client {
    let port = server.local_addr().expect("tcp").port();
    let params = format!("host=127.0.0.1 port={port} user=test dbname=test");
    let (client, connection) = tokio_postgres::connect(&params, NoTls)
        .await
        .expect("connects");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// The SQLSTATE of a failed query.
pub fn sqlstate(err: &tokio_postgres::Error) -> &str {
    err.as_db_error()
        .map(|e| e.code().code())
        .unwrap_or_else(|| panic!("not a database error: {err}"))
}

/// Asserts that `client`'s session still answers queries (after an error, a cancel, a
/// timeout, a neighbour's misbehaviour).
pub async fn assert_alive(client: &Client) {
    let n: i64 = client
        .query_one("SELECT count(*) FROM (SELECT 1)", &[])
        .await
        .expect("the session still answers")
        .get(0);
    assert_eq!(n, 1);
}
