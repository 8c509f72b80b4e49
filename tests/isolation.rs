//! PostgreSQL's isolation levels over SQLite's snapshots, through tokio-postgres on a
//! file database: a READ COMMITTED transaction that reads and then writes never fails
//! for a concurrent commit, REPEATABLE READ and SERIALIZABLE report 40001 instead,
//! `SELECT ... FOR UPDATE` takes the write lock, lock waits end at `lock_timeout` and
//! `statement_timeout`, and `SHOW transaction_isolation` tells the level in force.

mod common;

use common::{assert_alive, connect, sqlstate, start_with, stat};
use pgsqlite::ServerHandle;
use std::path::Path;
use std::time::Duration;
use tokio_postgres::Client;

/// How many rows the counters spread over: few, so that clients collide.
const ROWS: i32 = 4;

fn start_on_file(path: &Path) -> ServerHandle {
    start_with(|config| {
        config.database = Some(path.to_path_buf());
    })
}

/// A server on a fresh file database with `t(id, n)`, `ROWS` rows at zero; the temp
/// directory must outlive the server.
async fn counters() -> (tempfile::TempDir, ServerHandle, Client) {
    let dir = tempfile::tempdir().unwrap();
    let server = start_on_file(&dir.path().join("db.sqlite"));
    let setup = connect(&server).await;
    setup
        .batch_execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
             INSERT INTO t VALUES (1, 0), (2, 0), (3, 0), (4, 0);",
        )
        .await
        .unwrap();
    (dir, server, setup)
}

async fn total(client: &Client) -> i64 {
    client
        .query_one("SELECT CAST(sum(n) AS bigint) FROM t", &[])
        .await
        .unwrap()
        .get(0)
}

async fn restarts(client: &Client) -> u64 {
    stat(client, "transactions.snapshot_restarts")
        .await
        .parse()
        .unwrap()
}

/// The read-then-write transaction of an ORM's "load, change, save": `Ok(true)` if it
/// committed, `Ok(false)` if it failed with 40001 (rolled back), any other error panics.
async fn read_then_write(client: &Client, begin: &str, id: i32) -> bool {
    client.batch_execute(begin).await.unwrap();
    let step = async {
        let row = client
            .query_one("SELECT n FROM t WHERE id = $1", &[&id])
            .await?;
        let _: i32 = row.get(0);
        client
            .execute("UPDATE t SET n = n + 1 WHERE id = $1", &[&id])
            .await?;
        client.batch_execute("COMMIT").await
    };
    match step.await {
        Ok(()) => true,
        Err(err) => {
            assert_eq!(sqlstate(&err), "40001", "{err}");
            client.batch_execute("ROLLBACK").await.unwrap();
            false
        }
    }
}

/// Runs `read_then_write` from `clients` sessions `each` times; returns the commits
/// and the serialization failures.
async fn contend(
    server: &ServerHandle,
    begin: &'static str,
    clients: i32,
    each: i32,
) -> (i64, i64) {
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = connect(server).await;
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0i64, 0i64);
            for i in 0..each {
                if read_then_write(&client, begin, (c + i) % ROWS + 1).await {
                    ok += 1;
                } else {
                    failed += 1;
                }
            }
            (ok, failed)
        }));
    }
    let mut sums = (0, 0);
    for task in tasks {
        let (ok, failed) = task.await.unwrap();
        sums.0 += ok;
        sums.1 += failed;
    }
    sums
}

#[tokio::test]
async fn read_committed_read_then_write_never_fails() {
    let (_dir, server, setup) = counters().await;
    let before = restarts(&setup).await;
    let (ok, failed) = contend(&server, "BEGIN", 16, 25).await;
    assert_eq!((ok, failed), (16 * 25, 0));
    assert_eq!(total(&setup).await, ok, "every commit counted once");
    let restarted = restarts(&setup).await - before;
    println!("{ok} commits, {restarted} transactions restarted on a fresh snapshot");
    assert!(
        restarted > 0,
        "16 clients on 4 rows never met a stale snapshot"
    );
}

#[tokio::test]
async fn repeatable_read_and_serializable_report_conflicts_as_40001() {
    let (_dir, server, setup) = counters().await;
    for begin in [
        "BEGIN ISOLATION LEVEL REPEATABLE READ",
        "START TRANSACTION ISOLATION LEVEL SERIALIZABLE",
    ] {
        let before = total(&setup).await;
        let (ok, failed) = contend(&server, begin, 16, 15).await;
        println!("{begin}: {ok} commits, {failed} serialization failures");
        assert_eq!(ok + failed, 16 * 15);
        assert!(
            failed > 0,
            "{begin}: no conflict among 16 clients on 4 rows"
        );
        assert_eq!(total(&setup).await - before, ok, "{begin}: no lost update");
    }
}

#[tokio::test]
async fn a_stale_first_write_restarts_under_read_committed_only() {
    let (_dir, server, setup) = counters().await;
    let a = connect(&server).await;
    // READ COMMITTED: the write runs on a fresh snapshot and sees the other commit.
    a.batch_execute("BEGIN").await.unwrap();
    let seen: i32 = a
        .query_one("SELECT n FROM t WHERE id = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(seen, 0);
    setup
        .batch_execute("UPDATE t SET n = n + 10 WHERE id = 1")
        .await
        .unwrap();
    let row = a
        .query_one("UPDATE t SET n = n + 1 WHERE id = 1 RETURNING n", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 11, "the update saw the committed 10");
    a.batch_execute("COMMIT").await.unwrap();

    // REPEATABLE READ: the same is a serialization failure, and the block fails.
    a.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        .await
        .unwrap();
    a.query_one("SELECT n FROM t WHERE id = 1", &[])
        .await
        .unwrap();
    setup
        .batch_execute("UPDATE t SET n = n + 10 WHERE id = 1")
        .await
        .unwrap();
    let err = a
        .execute("UPDATE t SET n = n + 1 WHERE id = 1", &[])
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "40001");
    assert_eq!(
        err.as_db_error().unwrap().message(),
        "could not serialize access due to concurrent update"
    );
    let err = a.query("SELECT 1", &[]).await.unwrap_err();
    assert_eq!(sqlstate(&err), "25P02");
    a.batch_execute("ROLLBACK").await.unwrap();
    let n: i32 = setup
        .query_one("SELECT n FROM t WHERE id = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        n, 21,
        "11, the other session's 10, nothing of the failed block"
    );

    // SET TRANSACTION chooses the level of the open block only.
    a.batch_execute("BEGIN; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        .await
        .unwrap();
    a.query_one("SELECT n FROM t WHERE id = 1", &[])
        .await
        .unwrap();
    setup
        .batch_execute("UPDATE t SET n = n + 10 WHERE id = 1")
        .await
        .unwrap();
    let err = a.execute("UPDATE t SET n = 0", &[]).await.unwrap_err();
    assert_eq!(sqlstate(&err), "40001");
    a.batch_execute("ROLLBACK").await.unwrap();
    assert_alive(&a).await;
}

#[tokio::test]
async fn a_restarted_transaction_keeps_its_savepoints() {
    let (_dir, server, setup) = counters().await;
    let a = connect(&server).await;
    a.batch_execute("BEGIN; SAVEPOINT outer_sp; SELECT n FROM t; SAVEPOINT inner_sp; RELEASE inner_sp; SAVEPOINT s")
        .await
        .unwrap();
    setup
        .batch_execute("UPDATE t SET n = 5 WHERE id = 2")
        .await
        .unwrap();
    a.execute("UPDATE t SET n = n + 1 WHERE id = 2", &[])
        .await
        .unwrap();
    let n: i32 = a
        .query_one("SELECT n FROM t WHERE id = 2", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 6);
    a.batch_execute("ROLLBACK TO s").await.unwrap();
    let n: i32 = a
        .query_one("SELECT n FROM t WHERE id = 2", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 5, "ROLLBACK TO undid the write made after the restart");
    let err = a.batch_execute("RELEASE inner_sp").await.unwrap_err();
    assert_eq!(
        sqlstate(&err),
        "3B001",
        "released before the restart, still gone"
    );
    a.batch_execute("ROLLBACK").await.unwrap();
    a.batch_execute("BEGIN; SAVEPOINT outer_sp; SELECT 1")
        .await
        .unwrap();
    setup
        .batch_execute("UPDATE t SET n = 7 WHERE id = 2")
        .await
        .unwrap();
    a.execute("UPDATE t SET n = n + 1 WHERE id = 2", &[])
        .await
        .unwrap();
    a.batch_execute("RELEASE outer_sp; COMMIT").await.unwrap();
    let n: i32 = setup
        .query_one("SELECT n FROM t WHERE id = 2", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 8);

    // A first write that must queue behind another transaction lets go of its snapshot
    // while it waits, and begins again with its savepoints once it has the lock.
    a.batch_execute("BEGIN; SAVEPOINT s; SELECT n FROM t")
        .await
        .unwrap();
    setup
        .batch_execute("BEGIN; UPDATE t SET n = 20 WHERE id = 2")
        .await
        .unwrap();
    let waiter = tokio::spawn(async move {
        a.execute("UPDATE t SET n = n + 1 WHERE id = 2", &[])
            .await
            .unwrap();
        a
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiter.is_finished(), "the write did not wait for the lock");
    setup.batch_execute("COMMIT").await.unwrap();
    let a = waiter.await.unwrap();
    let n: i32 = a
        .query_one("SELECT n FROM t WHERE id = 2", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 21, "the write saw the commit it waited for");
    a.batch_execute("ROLLBACK TO s; COMMIT").await.unwrap();
    let n: i32 = setup
        .query_one("SELECT n FROM t WHERE id = 2", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 20);
}

#[tokio::test]
async fn select_for_update_takes_the_write_lock() {
    let (_dir, server, setup) = counters().await;
    let a = connect(&server).await;
    for clause in [
        "FOR UPDATE",
        "FOR NO KEY UPDATE",
        "FOR SHARE",
        "FOR KEY SHARE",
    ] {
        let b = connect(&server).await;
        a.batch_execute("BEGIN").await.unwrap();
        let sql = format!("SELECT n FROM t WHERE id = 3 {clause}");
        let seen: i32 = a.query_one(&sql, &[]).await.unwrap().get(0);
        // Another session's write waits until the transaction ends.
        let writer = tokio::spawn(async move {
            b.execute("UPDATE t SET n = n * 2 WHERE id = 3", &[])
                .await
                .unwrap();
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            !writer.is_finished(),
            "{clause}: the other write did not wait"
        );
        a.execute("UPDATE t SET n = $1 WHERE id = 3", &[&(seen + 1)])
            .await
            .unwrap();
        a.batch_execute("COMMIT").await.unwrap();
        writer.await.unwrap();
        let n: i32 = setup
            .query_one("SELECT n FROM t WHERE id = 3", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            n,
            (seen + 1) * 2,
            "{clause}: the write waited, then saw the commit"
        );
    }
}

#[tokio::test]
async fn select_for_update_prevents_lost_updates() {
    // Each client reads the counter and writes back what it read plus one: without a
    // lock two clients would write the same value and one increment would be lost.
    let (_dir, server, setup) = counters().await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let client = connect(&server).await;
        tasks.push(tokio::spawn(async move {
            for _ in 0..20 {
                client.batch_execute("BEGIN").await.unwrap();
                let n: i32 = client
                    .query_one("SELECT n FROM t WHERE id = 1 FOR UPDATE", &[])
                    .await
                    .unwrap()
                    .get(0);
                client
                    .execute("UPDATE t SET n = $1 WHERE id = 1", &[&(n + 1)])
                    .await
                    .unwrap();
                client.batch_execute("COMMIT").await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let n: i32 = setup
        .query_one("SELECT n FROM t WHERE id = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 16 * 20, "no increment lost");
}

#[tokio::test]
async fn lock_waits_end_at_lock_timeout_and_statement_timeout() {
    let (_dir, server, setup) = counters().await;
    let holder = connect(&server).await;
    holder
        .batch_execute("BEGIN; UPDATE t SET n = 1 WHERE id = 1")
        .await
        .unwrap();
    let waiter = connect(&server).await;
    waiter
        .batch_execute("SET lock_timeout = '100ms'")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let err = waiter
        .execute("UPDATE t SET n = 2 WHERE id = 2", &[])
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "55P03");
    assert_eq!(
        err.as_db_error().unwrap().message(),
        "canceling statement due to lock timeout"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    waiter
        .batch_execute("SET lock_timeout = 0; SET statement_timeout = '150ms'")
        .await
        .unwrap();
    let err = waiter
        .execute("UPDATE t SET n = 2 WHERE id = 2", &[])
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "57014");
    assert_eq!(
        err.as_db_error().unwrap().message(),
        "canceling statement due to statement timeout"
    );
    // FOR UPDATE waits for the same lock.
    waiter
        .batch_execute("RESET statement_timeout; SET lock_timeout = '100ms'; BEGIN")
        .await
        .unwrap();
    let err = waiter
        .query("SELECT n FROM t WHERE id = 2 FOR UPDATE", &[])
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "55P03");
    waiter.batch_execute("ROLLBACK").await.unwrap();
    holder.batch_execute("COMMIT").await.unwrap();
    waiter
        .execute("UPDATE t SET n = 2 WHERE id = 2", &[])
        .await
        .unwrap();
    assert_alive(&waiter).await;
    assert_eq!(total(&setup).await, 3);
}

async fn show(client: &Client, what: &str) -> String {
    let rows = client.simple_query(&format!("SHOW {what}")).await.unwrap();
    rows.iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => Some(row.get(0).unwrap().to_string()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("SHOW {what}: no row"))
}

#[tokio::test]
async fn show_transaction_isolation_tells_the_level_in_force() {
    let (_dir, server, _setup) = counters().await;
    let c = connect(&server).await;
    assert_eq!(show(&c, "transaction_isolation").await, "read committed");
    assert_eq!(
        show(&c, "TRANSACTION ISOLATION LEVEL").await,
        "read committed"
    );
    c.batch_execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        .await
        .unwrap();
    assert_eq!(show(&c, "transaction_isolation").await, "serializable");
    c.batch_execute("COMMIT").await.unwrap();
    assert_eq!(show(&c, "transaction_isolation").await, "read committed");
    c.batch_execute("START TRANSACTION READ ONLY, ISOLATION LEVEL REPEATABLE READ")
        .await
        .unwrap();
    assert_eq!(show(&c, "transaction_read_only").await, "on");
    assert_eq!(show(&c, "transaction_isolation").await, "repeatable read");
    c.batch_execute("COMMIT").await.unwrap();
    assert_eq!(show(&c, "transaction_read_only").await, "off");

    c.batch_execute("SET default_transaction_isolation = 'repeatable read'")
        .await
        .unwrap();
    assert_eq!(show(&c, "transaction_isolation").await, "repeatable read");
    c.batch_execute("BEGIN").await.unwrap();
    assert_eq!(show(&c, "transaction_isolation").await, "repeatable read");
    c.batch_execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        .await
        .unwrap();
    assert_eq!(show(&c, "transaction_isolation").await, "read committed");
    c.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(show(&c, "transaction_isolation").await, "repeatable read");
    let level: String = c
        .query_one("SELECT current_setting('transaction_isolation')", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(level, "repeatable read");

    // SET TRANSACTION outside a block changes nothing (a warning, as in PostgreSQL).
    c.batch_execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        .await
        .unwrap();
    assert_eq!(show(&c, "transaction_isolation").await, "repeatable read");
    c.batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED")
        .await
        .unwrap();
    assert_eq!(
        show(&c, "default_transaction_isolation").await,
        "read committed"
    );

    let err = c
        .batch_execute("SET default_transaction_isolation = 'sideways'")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "22023");
    let err = c
        .batch_execute("BEGIN ISOLATION LEVEL SIDEWAYS")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "42601");
    assert_alive(&c).await;
}
