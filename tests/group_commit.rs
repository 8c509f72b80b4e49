//! Group commit on a file database, through tokio-postgres: concurrent commits share WAL
//! syncs, every commit is synced before its client hears of it, and a failed sync fails
//! the commit with 58030 without taking the session down.

mod common;

use common::{assert_alive, connect, sqlstate, start_with, stat};
use pgsqlite::ServerHandle;
use std::path::Path;
use tokio_postgres::Client;

fn start_on_file(path: &Path, group_commit: bool) -> ServerHandle {
    start_with(|config| {
        config.database = Some(path.to_path_buf());
        config.group_commit = group_commit;
    })
}

/// `wal.commits` and `wal.flushes` from `pgsqlite_stats`.
async fn wal_counts(client: &Client) -> (u64, u64) {
    let commits = stat(client, "wal.commits").await.parse().unwrap();
    let flushes = stat(client, "wal.flushes").await.parse().unwrap();
    (commits, flushes)
}

#[tokio::test]
async fn concurrent_commits_share_syncs_and_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let server = start_on_file(&path, true);
    let setup = connect(&server).await;
    setup
        .batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY, client INTEGER)")
        .await
        .unwrap();
    let (commits_before, _) = wal_counts(&setup).await;

    const CLIENTS: i32 = 8;
    const EACH: i32 = 60;
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let client = connect(&server).await;
        tasks.push(tokio::spawn(async move {
            for i in 0..EACH {
                let n = client
                    .execute("INSERT INTO t VALUES ($1, $2)", &[&(c * EACH + i), &c])
                    .await
                    .unwrap();
                assert_eq!(n, 1);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let (commits, flushes) = wal_counts(&setup).await;
    let inserted = (CLIENTS * EACH) as u64;
    assert_eq!(
        commits - commits_before,
        inserted,
        "every INSERT is one commit"
    );
    assert!(flushes > 0);
    assert!(
        flushes < commits,
        "8 writers at once should share syncs: {commits} commits, {flushes} syncs"
    );
    let flag = stat(&setup, "wal.group_commit").await;
    assert_eq!(flag, "true");
    drop(setup);
    server.shutdown().unwrap();

    // Everything acknowledged is in the file.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let count: i64 = conn
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, i64::from(CLIENTS * EACH));
}

#[tokio::test]
async fn a_commit_is_synced_before_it_is_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_on_file(&dir.path().join("db.sqlite"), true);
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        .await
        .unwrap();
    for id in 0..50i32 {
        client
            .execute("INSERT INTO t VALUES ($1)", &[&id])
            .await
            .unwrap();
        // The only writer: by the time its INSERT is acknowledged, the sync that covers
        // it has finished, so no commit is ever ahead of the syncs.
        let (commits, flushes) = wal_counts(&client).await;
        assert!(commits >= 1);
        assert_eq!(commits, flushes, "commit acknowledged before its sync");
    }
    // An explicit transaction is one commit, synced at COMMIT.
    let (before, _) = wal_counts(&client).await;
    client
        .batch_execute("BEGIN; INSERT INTO t VALUES (100); INSERT INTO t VALUES (101); COMMIT")
        .await
        .unwrap();
    let (after, flushes) = wal_counts(&client).await;
    assert_eq!(after - before, 1);
    assert_eq!(after, flushes);
    // Reads commit nothing.
    client.query("SELECT * FROM t", &[]).await.unwrap();
    assert_eq!(wal_counts(&client).await.0, after);
}

#[tokio::test]
async fn leaving_wal_mode_is_refused_while_commits_are_grouped() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_on_file(&dir.path().join("db.sqlite"), true);
    let client = connect(&server).await;
    let err = client
        .simple_query("PRAGMA journal_mode = DELETE")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "42501");
    let rows = client.simple_query("PRAGMA journal_mode").await.unwrap();
    let mode = rows.iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
        _ => None,
    });
    assert_eq!(mode.as_deref(), Some("wal"));
    assert_alive(&client).await;
}

#[tokio::test]
async fn turned_off_each_commit_syncs_inside_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_on_file(&dir.path().join("db.sqlite"), false);
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)")
        .await
        .unwrap();
    assert_eq!(wal_counts(&client).await, (0, 0));
    let sync: i64 = client
        .query_one("SELECT synchronous FROM pragma_synchronous", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(sync, 2, "synchronous=FULL when group commit is off");
}

#[tokio::test]
async fn a_failed_sync_fails_the_commit_with_58030() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let server = start_on_file(&path, true);
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)")
        .await
        .unwrap();
    // Take the WAL file away (and put a directory in its place, so that nothing can
    // recreate it): the next sync cannot open it.
    let wal = dir.path().join("db.sqlite-wal");
    std::fs::remove_file(&wal).unwrap();
    std::fs::create_dir(&wal).unwrap();
    let err = client
        .execute("INSERT INTO t VALUES (2)", &[])
        .await
        .expect_err("the commit cannot be made durable");
    assert_eq!(sqlstate(&err), "58030");
    let message = err.as_db_error().unwrap().message();
    assert!(message.contains("write-ahead log"), "{message}");
    // The session goes on; durability does not come back by itself.
    assert_alive(&client).await;
    let again = client.execute("INSERT INTO t VALUES (3)", &[]).await;
    assert_eq!(sqlstate(&again.unwrap_err()), "58030");
}
