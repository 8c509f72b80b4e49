//! Shared helpers for integration tests: start a server in-process, connect clients.

#![allow(dead_code)]

use pgsqlite::writer::WriterStrategy;
use pgsqlite::{Config, Server, ServerHandle};
use tokio_postgres::{Client, NoTls};

/// Starts a server on a free loopback port with its own in-memory database.
pub fn start(writer: WriterStrategy) -> ServerHandle {
    start_with(|config| config.writer = writer)
}

/// Starts a server on a free loopback port, two workers, with `edit` applied to the
/// rest of the default configuration.
pub fn start_with(edit: impl FnOnce(&mut Config)) -> ServerHandle {
    let mut config = Config::default();
    config.port = 0;
    config.workers = 2;
    edit(&mut config);
    Server::start(config).expect("server starts")
}

/// The value of statistic `name` from `pgsqlite_stats`, as the view gives it (text).
pub async fn stat(client: &Client, name: &str) -> String {
    client
        .query_one("SELECT value FROM pgsqlite_stats WHERE name = $1", &[&name])
        .await
        .unwrap_or_else(|e| panic!("statistic {name}: {e}"))
        .get(0)
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

pub mod clients;
pub mod raw;
pub mod rng;
