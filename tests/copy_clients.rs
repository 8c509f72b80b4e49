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

use common::start;
use pgsqlite::writer::WriterStrategy;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Limit for one client program run (the JVM and npm are slow to start on a busy machine).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `cmd` (no stdin, no PG* variables from the environment), killing it after
/// [`CLIENT_TIMEOUT`]; returns its status and output.
fn run_client(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PG") {
            cmd.env_remove(name);
        }
    }
    cmd.env("LC_ALL", "C.UTF-8");
    let what = format!("{cmd:?}");
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{what}: {e}"));
    let deadline = Instant::now() + CLIENT_TIMEOUT;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("{what} did not finish within {CLIENT_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// Runs `scripts/<script>`; false (after a loud message naming `test`) when it fails,
/// that is when the client cannot be installed here. Under CI (`CI` set) that fails.
fn set_up(script: &str, test: &str) -> bool {
    let output = run_client(Command::new("bash").arg(root().join("scripts").join(script)));
    if output.status.success() {
        return true;
    }
    let message = format!(
        "scripts/{script} could not install the client for {test} ({})\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // CI installs every client: there a failed install is a failure, not a skip.
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("\n*** SKIPPED {message} ***");
    false
}

/// Runs a client program against a fresh server (its address in PGSQLITE_TEST_HOST and
/// PGSQLITE_TEST_PORT) and asserts that it exits successfully after printing `done`.
fn run_against_server(mut cmd: Command, done: &str) {
    let server = start(WriterStrategy::best());
    let port = server.local_addr().expect("tcp").port().to_string();
    cmd.env("PGSQLITE_TEST_HOST", "127.0.0.1")
        .env("PGSQLITE_TEST_PORT", &port)
        .env("PYTHONUNBUFFERED", "1");
    let output = run_client(&mut cmd);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains(done),
        "{cmd:?} failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn asyncpg_copy_records_query_and_table() {
    if !set_up("setup-python.sh", "asyncpg COPY test") {
        return;
    }
    let python = std::env::var_os("PGSQLITE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/bin/python"));
    let mut cmd = Command::new(python);
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
