//! Sequences through tokio-postgres on a file database: values handed out concurrently
//! by several sessions are all different, `nextval` inside a READ COMMITTED transaction
//! that read first does not fail for another session's commit, a `serial` default and
//! an explicit `nextval` share one counter, and `ALTER TABLE ... SET DEFAULT nextval(...)`
//! numbers new rows from the sequence.

mod common;

use common::{connect, sqlstate, start_with};
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_never_get_the_same_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let server = start_with(|config| config.database = Some(path.clone()));
    let setup = connect(&server).await;
    setup
        .batch_execute(
            "CREATE SEQUENCE s; CREATE TABLE items (id serial PRIMARY KEY, v int); \
             CREATE TABLE log (n bigint)",
        )
        .await
        .unwrap();

    let mut tasks = Vec::new();
    for session in 0..4 {
        let client = connect(&server).await;
        tasks.push(tokio::spawn(async move {
            let mut values = Vec::new();
            for i in 0..40 {
                let row = if i % 2 == 0 {
                    client.query_one("SELECT nextval('s')", &[]).await.unwrap()
                } else {
                    // A transaction that reads first, then takes a value: under READ
                    // COMMITTED another session's commit in between is no failure.
                    client.batch_execute("BEGIN").await.unwrap();
                    client.query("SELECT count(*) FROM log", &[]).await.unwrap();
                    let row = client.query_one("SELECT nextval('s')", &[]).await.unwrap();
                    let n: i64 = row.get(0);
                    client
                        .execute("INSERT INTO log VALUES ($1)", &[&n])
                        .await
                        .unwrap();
                    client.batch_execute("COMMIT").await.unwrap();
                    row
                };
                values.push(row.get::<_, i64>(0));
                // The serial key's counter and nextval of its sequence interleave.
                let id: i32 = client
                    .query_one(
                        "INSERT INTO items (v) VALUES ($1) RETURNING id",
                        &[&(session * 100 + i)],
                    )
                    .await
                    .unwrap()
                    .get(0);
                let next: i64 = client
                    .query_one("SELECT nextval('items_id_seq')", &[])
                    .await
                    .unwrap()
                    .get(0);
                assert!(next > i64::from(id), "{next} after id {id}");
                values.push(-next);
            }
            values
        }));
    }
    let mut seen = BTreeSet::new();
    for task in tasks {
        for value in task.await.unwrap() {
            assert!(seen.insert(value), "{value} was handed out twice");
        }
    }
    let from_s: Vec<i64> = seen.iter().copied().filter(|v| *v > 0).collect();
    assert_eq!(from_s, (1..=160).collect::<Vec<_>>());
    let logged: i64 = setup
        .query_one("SELECT count(DISTINCT n) FROM log", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(logged, 80);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_default_set_later_numbers_rows_from_the_sequence() {
    let server = start_with(|_| {});
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE t (id bigint NOT NULL, v text); \
             CREATE SEQUENCE t_seq START 1000 INCREMENT 10; \
             ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('t_seq'::regclass)",
        )
        .await
        .unwrap();
    let ids: Vec<i64> = client
        .query("INSERT INTO t (v) VALUES ('a'), ('b') RETURNING id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, [1000, 1010]);
    let err = client
        .query_one("SELECT currval('other')", &[])
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "42P01");
    let err = client
        .batch_execute("ALTER TABLE t ALTER COLUMN v SET NOT NULL; INSERT INTO t (v) VALUES (NULL)")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "23502");
}
