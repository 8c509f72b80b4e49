//! Busy polling through a real client: with a budget, the worker finds most requests
//! while it polls (no sleep, no wake-up); with none, it never polls. Both cases live in
//! one test because the counters are process-wide.

mod common;

use common::{connect, start_with, stat};
use pgsqlite::ServerHandle;
use std::time::Duration;
use tokio_postgres::Client;

fn start(busy_poll: Duration) -> ServerHandle {
    start_with(|config| {
        config.workers = 1;
        config.busy_poll = busy_poll;
    })
}

async fn counters(client: &Client) -> (u64, u64) {
    (
        stat(client, "workers.busy_poll_spins")
            .await
            .parse()
            .unwrap(),
        stat(client, "workers.busy_poll_ready")
            .await
            .parse()
            .unwrap(),
    )
}

async fn round_trips(client: &Client, n: i64) {
    for i in 0..n {
        let row = client.query_one("SELECT $1::int8", &[&i]).await.unwrap();
        assert_eq!(row.get::<_, i64>(0), i);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn idle_workers_poll_for_the_next_request_only_when_asked() {
    if std::thread::available_parallelism().is_ok_and(|n| n.get() == 1) {
        eprintln!("one CPU: busy polling stays off, nothing to test");
        return;
    }
    let off = start(Duration::ZERO);
    let client = connect(&off).await;
    let before = counters(&client).await;
    round_trips(&client, 100).await;
    let after = counters(&client).await;
    assert_eq!(after, before, "no budget: no polling");
    drop(client);
    off.shutdown().unwrap();

    // A generous budget: the client's next query comes long before it is spent.
    let on = start(Duration::from_millis(5));
    let client = connect(&on).await;
    let before = counters(&client).await;
    round_trips(&client, 200).await;
    let (spins, ready) = counters(&client).await;
    let (spins, ready) = (spins - before.0, ready - before.1);
    assert!(spins >= 100, "{spins} spins for 200 round trips");
    assert!(
        ready * 2 >= spins,
        "most spins should end with a request: {ready} of {spins}"
    );
    drop(client);
    on.shutdown().unwrap();
}
