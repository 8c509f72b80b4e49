//! Two servers in one process, each with its own context: separate buffer pools (with
//! different settings), monitors and statistics, read through `pgsqlite_stats` by
//! tokio-postgres and through the servers' handles.

mod common;

use common::{connect, start_with};
use pgsqlite::writer::WriterStrategy;
use std::collections::HashMap;
use tokio_postgres::Client;

/// Every row of `pgsqlite_stats`, by name, from one query.
async fn all_stats(client: &Client) -> HashMap<String, String> {
    client
        .query("SELECT name, value FROM pgsqlite_stats", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

#[tokio::test]
async fn two_servers_keep_separate_statistics() {
    let busy = start_with(|config| {
        config.writer = WriterStrategy::best();
        config.buffer_pool.max_pool_size = 8;
    });
    let quiet = start_with(|config| {
        config.writer = WriterStrategy::best();
        config.buffer_pool.max_pool_size = 2;
    });
    let (busy_client, quiet_client) = (connect(&busy).await, connect(&quiet).await);
    // Distinct statements: each is a statement-cache miss counted by its own server.
    for i in 0..30 {
        busy_client
            .query(&format!("SELECT {i} AS n"), &[])
            .await
            .unwrap();
    }
    quiet_client.query("SELECT 'one'", &[]).await.unwrap();

    let busy_stats = all_stats(&busy_client).await;
    let quiet_stats = all_stats(&quiet_client).await;
    assert_eq!(busy_stats.len(), pgsqlite::stats::NAMES.len());
    let prepared =
        |stats: &HashMap<String, String>| -> u64 { stats["statements.prepared"].parse().unwrap() };
    assert!(
        prepared(&busy_stats) >= 30,
        "busy server: {}",
        busy_stats["statements.prepared"]
    );
    assert!(
        prepared(&quiet_stats) < 10,
        "the quiet server counts only its own statements: {}",
        quiet_stats["statements.prepared"]
    );

    // Each handle sees its own counters; the process's default context saw none of it.
    let busy_counters = busy.context().counters().snapshot();
    let quiet_counters = quiet.context().counters().snapshot();
    assert!(busy_counters.prepared >= 30);
    assert!(quiet_counters.prepared < busy_counters.prepared);
    assert!(!std::sync::Arc::ptr_eq(busy.context(), quiet.context()));
    let default = pgsqlite::ServerContext::default_context();
    assert_eq!(default.counters().snapshot().prepared, 0);

    // Each server runs its own pool, with its own settings.
    #[cfg(feature = "pooling")]
    {
        assert_eq!(busy.context().pool().config().max_pool_size, 8);
        assert_eq!(quiet.context().pool().config().max_pool_size, 2);
        assert!(!std::ptr::eq(busy.context().pool(), quiet.context().pool()));
        assert!(!std::ptr::eq(
            busy.context().pool(),
            pgsqlite::memory::global_buffer_pool()
        ));
    }
    // The server's stats and its handle's pool agree (one server's numbers, not a mix).
    #[cfg(feature = "pooling")]
    if WriterStrategy::best() == WriterStrategy::Pooled {
        let misses: u64 = common::stat(&busy_client, "buffer_pool.misses")
            .await
            .parse()
            .unwrap();
        let hits: u64 = common::stat(&busy_client, "buffer_pool.hits")
            .await
            .parse()
            .unwrap();
        let pool = busy.context().pool().get_stats();
        assert!(hits + misses > 30, "the busy pool served every response");
        assert!(pool.hits + pool.misses >= hits + misses);
        let quiet_pool = quiet.context().pool().get_stats();
        assert!(quiet_pool.hits + quiet_pool.misses < hits + misses);
    }
    busy.shutdown().unwrap();
    quiet.shutdown().unwrap();
}

#[tokio::test]
async fn one_query_reads_one_snapshot() {
    let server = start_with(|config| config.writer = WriterStrategy::best());
    let client = connect(&server).await;
    // Reading the view twice in one statement: both scans read one snapshot each, and
    // the names come in display order.
    let rows = client
        .query("SELECT name FROM pgsqlite_stats", &[])
        .await
        .unwrap();
    let names: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    assert_eq!(names, pgsqlite::stats::NAMES);
    // `statements.prepared` is counted before the query runs, so within one query it is
    // the same number however many times it is read.
    let row = client
        .query_one(
            "SELECT (SELECT value FROM pgsqlite_stats WHERE name = 'statements.prepared'), \
                    pgsqlite_stat('statements.prepared')",
            &[],
        )
        .await
        .unwrap();
    let (from_view, from_function): (String, String) = (row.get(0), row.get(1));
    assert_eq!(from_view, from_function);
    server.shutdown().unwrap();
}
