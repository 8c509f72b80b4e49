//! COPY through the other clients PostgreSQL users load data with: asyncpg
//! (`tests/python/test_copy_asyncpg.py`), node-postgres with pg-copy-streams
//! (`tests/node/copy.js`) and pgjdbc's `CopyManager` (`tests/java/CopyManagerTest.java`).
//! Each runs against an in-process server: COPY FROM in text and CSV (binary where the
//! client writes it), COPY TO compared byte for byte with PostgreSQL 15's output, a bad
//! row failing the whole COPY with its SQLSTATE and nothing committed, the session usable
//! afterwards.
//!
//! Each test first runs the project script that installs its client
//! (`scripts/setup-python.sh`, `scripts/setup-node.sh`, `scripts/setup-java.sh`; they do
//! nothing when already set up). Where the client cannot be installed on this machine the
//! test says so loudly on stderr and skips.

mod common;

use common::clients::{python, root, run_against_server, run_client, set_up};
use std::process::Command;

#[test]
fn asyncpg_copy_records_query_and_table() {
    if !set_up("setup-python.sh", "asyncpg COPY test") {
        return;
    }
    let mut cmd = Command::new(python());
    cmd.arg(root().join("tests/python/test_copy_asyncpg.py"));
    run_against_server(cmd, "all asyncpg COPY checks passed");
}

#[test]
fn node_postgres_copy_streams() {
    if !set_up("setup-node.sh", "node-postgres COPY test") {
        return;
    }
    let mut cmd = Command::new("node");
    cmd.arg(root().join("tests/node/copy.js"));
    run_against_server(cmd, "all node-postgres COPY checks passed");
}

#[test]
fn pgjdbc_copy_manager() {
    if !set_up("setup-java.sh", "pgjdbc CopyManager test") {
        return;
    }
    let jar = std::env::var("PGSQLITE_JDBC_JAR")
        .unwrap_or_else(|_| "/usr/share/java/postgresql.jar".to_owned());
    let classes = tempfile::tempdir().unwrap();
    let output = run_client(
        Command::new("javac")
            .args(["-cp", &jar, "-d"])
            .arg(classes.path())
            .arg(root().join("tests/java/CopyManagerTest.java")),
    );
    assert!(
        output.status.success(),
        "javac failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let mut cmd = Command::new("java");
    cmd.arg("-cp")
        .arg(format!("{}:{jar}", classes.path().display()))
        .arg("CopyManagerTest");
    run_against_server(cmd, "all pgjdbc COPY checks passed");
}
