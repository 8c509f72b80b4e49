//! Running client programs (Python, Node.js, Java) against an in-process server: each
//! client is installed by a project script first, run without stdin or PG* variables,
//! and bounded in time.

use super::start;
use pgsqlite::writer::WriterStrategy;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Limit for one client program run (the JVM and npm are slow to start on a busy machine).
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `cmd` (no stdin, no PG* variables from the environment), killing it after
/// [`CLIENT_TIMEOUT`]; returns its status and output.
pub fn run_client(cmd: &mut Command) -> Output {
    run_within(cmd, CLIENT_TIMEOUT)
}

/// [`run_client`] with another time limit. Both pipes are read while the program runs,
/// so that output larger than a pipe's buffer cannot stall it.
pub fn run_within(cmd: &mut Command, limit: Duration) -> Output {
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
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn drain<R: std::io::Read + Send + 'static>(source: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut source) = source {
            let _ = source.read_to_end(&mut buf);
        }
        buf
    })
}

/// Runs `scripts/<script>`; false (after a loud message naming `test`) when it fails,
/// that is when the client cannot be installed here. Under CI (`CI` set) that fails.
pub fn set_up(script: &str, test: &str) -> bool {
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
pub fn run_against_server(cmd: Command, done: &str) {
    output_against_server(cmd, done);
}

/// [`run_against_server`], returning what the program printed.
pub fn output_against_server(mut cmd: Command, done: &str) -> String {
    let server = start(WriterStrategy::best());
    let port = server.local_addr().expect("tcp").port().to_string();
    cmd.env("PGSQLITE_TEST_HOST", "127.0.0.1")
        .env("PGSQLITE_TEST_PORT", &port)
        .env("PYTHONUNBUFFERED", "1");
    checked_stdout(&mut cmd, done)
}

/// Runs a client program against a throwaway PostgreSQL 15 cluster
/// (`scripts/with-postgres.sh`, which sets the same variables plus PGSQLITE_TEST_USER
/// and PGSQLITE_TEST_DB) and returns what it printed, asserting that it exits
/// successfully after printing `done`. `None`, after a loud message, where PostgreSQL 15
/// is not installed; under CI that fails.
pub fn output_against_postgres(cmd: &Command, done: &str) -> Option<String> {
    let script = root().join("scripts/with-postgres.sh");
    let mut wrapped = Command::new("bash");
    wrapped
        .arg(&script)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env("PYTHONUNBUFFERED", "1");
    for (name, value) in cmd.get_envs() {
        match value {
            Some(value) => wrapped.env(name, value),
            None => wrapped.env_remove(name),
        };
    }
    let probe = run_client(Command::new("bash").arg(&script).arg("true"));
    if probe.status.code() == Some(2) {
        let message = format!(
            "PostgreSQL 15 is not installed: {cmd:?} not compared with it\n{}",
            String::from_utf8_lossy(&probe.stderr)
        );
        assert!(std::env::var_os("CI").is_none(), "{message}");
        eprintln!("\n*** SKIPPED {message} ***");
        return None;
    }
    Some(checked_stdout(&mut wrapped, done))
}

/// Runs `cmd`, asserting that it succeeds after printing `done`; its stdout.
fn checked_stdout(cmd: &mut Command, done: &str) -> String {
    let output = run_client(cmd);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && stdout.contains(done),
        "{cmd:?} failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The Python of the project's virtualenv (`scripts/setup-python.sh`), or
/// `PGSQLITE_PYTHON`.
pub fn python() -> PathBuf {
    std::env::var_os("PGSQLITE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/bin/python"))
}
