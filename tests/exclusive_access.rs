//! Exclusive access to a file database: while the server has it open, another process
//! (Python's sqlite3 module here) cannot read it; with the option off it can. Sessions
//! of the server share the file either way.

mod common;

use common::{connect, start_with};
use pgsqlite::ServerHandle;
use std::path::Path;
use std::process::Command;

fn start(path: &Path, exclusive: bool) -> ServerHandle {
    start_with(|config| {
        config.database = Some(path.to_path_buf());
        config.exclusive_access = exclusive;
    })
}

/// Counts the rows of `t` from another process: Ok(count) or Err(its error text).
fn count_from_another_process(path: &Path) -> Result<i64, String> {
    let script = "import sqlite3, sys\n\
                  c = sqlite3.connect(sys.argv[1], timeout=0.2)\n\
                  print(c.execute('SELECT count(*) FROM t').fetchone()[0])";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("python3 runs");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().parse().unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_processes_are_kept_out_only_when_exclusive() {
    for exclusive in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let server = start(&path, exclusive);
        let writer = connect(&server).await;
        let reader = connect(&server).await;
        writer
            .batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2)")
            .await
            .unwrap();
        // Two sessions of the server share the file.
        let n: i64 = reader
            .query_one("SELECT count(*) FROM t", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 2);

        let outside = tokio::task::spawn_blocking({
            let path = path.clone();
            move || count_from_another_process(&path)
        })
        .await
        .unwrap();
        match (exclusive, outside) {
            (true, Err(err)) => assert!(err.contains("locked"), "{err}"),
            (false, Ok(n)) => assert_eq!(n, 2),
            (exclusive, other) => panic!("exclusive={exclusive}: {other:?}"),
        }
        drop((writer, reader));
        server.shutdown().unwrap();
        // Once the server is gone, the file is anybody's.
        assert_eq!(count_from_another_process(&path), Ok(2));
    }
}
