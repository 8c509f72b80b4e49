//! The `pgsqlite` binary with authentication, driven by real tools: psql with
//! PGPASSWORD, psycopg 3, the `pgsqlite passwd` subcommand and its users file, and the
//! exposure guard that refuses trust authentication on a non-loopback address.
//! Servers listen on a Unix socket in a temporary directory.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_pgsqlite");
const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
const PORT: u16 = 5432;
const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `cmd` to completion (killed after `TIMEOUT`), feeding it `stdin`.
fn run(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    // The program may exit without reading (a usage error): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

fn describe(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A command with none of the caller's `PG*` / `PGSQLITE_*` settings.
fn clean(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PG") {
            cmd.env_remove(name);
        }
    }
    cmd.env("LC_ALL", "C.UTF-8").env("PGCONNECT_TIMEOUT", "10");
    cmd
}

/// A running server on a Unix socket in its own directory; killed on drop.
struct Server {
    child: Child,
    dir: TempDir,
}

impl Server {
    fn start(dir: TempDir, args: &[&str], env: &[(&str, &str)]) -> Server {
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let mut cmd = clean(BIN);
        cmd.args([
            "--listen",
            "none",
            "--port",
            &PORT.to_string(),
            "--socket-dir",
        ])
        .arg(dir.path())
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log));
        let mut child = cmd.spawn().unwrap();
        let socket = dir.path().join(format!(".s.PGSQL.{PORT}"));
        let started = Instant::now();
        while UnixStream::connect(&socket).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("server exited ({status})\n{}", log_text(dir.path()));
            }
            assert!(started.elapsed() < TIMEOUT, "server did not start");
            thread::sleep(Duration::from_millis(10));
        }
        Server { child, dir }
    }

    /// psql as `user` with `password` in PGPASSWORD, running `sql`.
    fn psql(&self, user: &str, password: &str, sql: &str) -> Output {
        let mut cmd = clean("psql");
        cmd.args(["-X", "-A", "-t", "-w", "-h"])
            .arg(self.dir.path())
            .args(["-p", &PORT.to_string(), "-U", user, "-d", "test", "-c", sql])
            .env("PGPASSWORD", password);
        run(&mut cmd, b"")
    }

    fn log(&self) -> String {
        log_text(self.dir.path())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn log_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
}

fn temp() -> TempDir {
    tempfile::Builder::new()
        .prefix("pgsqlite-auth")
        .tempdir()
        .unwrap()
}

fn assert_refused(output: &Output, user: &str) {
    assert!(!output.status.success(), "{}", describe(output));
    let expected = format!("password authentication failed for user \"{user}\"");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&expected),
        "{}",
        describe(output)
    );
}

#[test]
fn psql_logs_in_with_pgpassword() {
    let server = Server::start(
        temp(),
        &["--user", "alice"],
        &[("PGSQLITE_PASSWORD", "s3cret pass")],
    );
    let ok = server.psql("alice", "s3cret pass", "SELECT 1");
    assert!(ok.status.success(), "{}\n{}", describe(&ok), server.log());
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "1\n");
    assert_refused(&server.psql("alice", "guess", "SELECT 1"), "alice");
    assert_refused(&server.psql("root", "s3cret pass", "SELECT 1"), "root");
    // The startup log names the method and the addresses.
    let log = server.log();
    assert!(log.contains("auth=scram-sha-256"), "{log}");
    assert!(log.contains(".s.PGSQL.5432"), "{log}");
    assert!(
        !log.contains("s3cret"),
        "the password must not be logged\n{log}"
    );
}

#[test]
fn passwd_writes_a_verifier_the_server_accepts() {
    let dir = temp();
    let users = dir.path().join("users");
    let passwd = |user: &str, password: &str| {
        let mut cmd = clean(BIN);
        cmd.args(["passwd", "--users-file"]).arg(&users).arg(user);
        run(&mut cmd, format!("{password}\n").as_bytes())
    };
    for (user, password) in [("alice", "first"), ("bob", "bob-pw"), ("alice", "second")] {
        let output = passwd(user, password);
        assert!(output.status.success(), "{}", describe(&output));
    }
    let text = std::fs::read_to_string(&users).unwrap();
    assert_eq!(text.lines().count(), 2, "alice's line was replaced: {text}");
    assert!(text.contains("alice:SCRAM-SHA-256$4096:"), "{text}");
    assert!(
        !text.contains("second") && !text.contains("bob-pw"),
        "{text}"
    );
    // Errors: no user, a user name the file cannot hold, an empty password.
    assert!(!passwd("", "x").status.success());
    assert!(!passwd("a:b", "x").status.success());
    assert!(!passwd("carol", "").status.success());

    let users_arg = users.to_string_lossy().into_owned();
    let server = Server::start(dir, &["--users-file", &users_arg], &[]);
    let ok = server.psql("alice", "second", "SELECT 'in'");
    assert!(ok.status.success(), "{}\n{}", describe(&ok), server.log());
    assert!(server.psql("bob", "bob-pw", "SELECT 1").status.success());
    assert_refused(&server.psql("alice", "first", "SELECT 1"), "alice");
}

#[test]
fn psycopg_logs_in_with_scram() {
    let python = std::env::var_os("PGSQLITE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(MANIFEST_DIR).join(".venv/bin/python"));
    if !python.exists() {
        let message = format!(
            "{} not found: run `bash scripts/setup-python.sh` (or set PGSQLITE_PYTHON)",
            python.display()
        );
        if std::env::var_os("CI").is_some() {
            panic!("{message}");
        }
        eprintln!("SKIPPED psycopg auth test: {message}");
        return;
    }
    let server = Server::start(temp(), &["--user", "alice", "--password", "secret"], &[]);
    let mut cmd = clean(&python);
    cmd.arg(Path::new(MANIFEST_DIR).join("tests/python/test_auth.py"))
        .env("PGSQLITE_TEST_HOST", server.dir.path())
        .env("PGSQLITE_TEST_PORT", PORT.to_string());
    let output = run(&mut cmd, b"");
    assert!(
        output.status.success()
            && String::from_utf8_lossy(&output.stdout).contains("all auth checks passed"),
        "{}\n{}",
        describe(&output),
        server.log()
    );
}

#[test]
fn trust_on_a_non_loopback_address_refuses_to_start() {
    let dir = temp();
    // Refused before anything is bound.
    for args in [
        &["--listen", "0.0.0.0"][..],
        &["--listen", "*"],
        &["--listen", "::"],
    ] {
        let mut cmd = clean(BIN);
        cmd.args(args)
            .args(["--port", "0", "--socket-dir"])
            .arg(dir.path());
        let output = run(&mut cmd, b"");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}\n{}",
            describe(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("trust authentication") && stderr.contains("--allow-trust-remote"),
            "{stderr}"
        );
    }
    // The same through the environment.
    let mut cmd = clean(BIN);
    cmd.env("PGSQLITE_LISTEN", "0.0.0.0").args(["--port", "0"]);
    let output = run(&mut cmd, b"");
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    // A local socket with trust is fine, and the log says so.
    let server = Server::start(temp(), &[], &[]);
    assert!(server.psql("anyone", "", "SELECT 1").status.success());
    let log = server.log();
    assert!(
        log.contains("auth=trust") && log.contains("this host only"),
        "{log}"
    );
}

/// With `--allow-trust-remote` the binary starts on 0.0.0.0, warns, and serves. To keep
/// the rule that tests never listen where other hosts could connect, the server runs in
/// a network namespace of its own (`unshare -rn`: nothing but a loopback device) and is
/// reached through its Unix socket. Skipped where namespaces are not permitted.
#[test]
fn allow_trust_remote_starts_on_a_wildcard_address_with_a_warning() {
    if !Command::new("unshare")
        .args(["-rn", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("SKIPPED: `unshare -rn` (a private network namespace) is not permitted here");
        return;
    }
    let dir = temp();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut cmd = clean("unshare");
    cmd.args([
        "-rn",
        BIN,
        "--listen",
        "0.0.0.0",
        "--allow-trust-remote",
        "1",
    ])
    .args(["--port", &PORT.to_string(), "--socket-dir"])
    .arg(dir.path())
    .stdin(Stdio::null())
    .stdout(Stdio::from(log.try_clone().unwrap()))
    .stderr(Stdio::from(log));
    let child = cmd.spawn().unwrap();
    let socket = dir.path().join(format!(".s.PGSQL.{PORT}"));
    let server = Server { child, dir };
    let started = Instant::now();
    while UnixStream::connect(&socket).is_err() {
        assert!(
            started.elapsed() < TIMEOUT,
            "server did not start\n{}",
            server.log()
        );
        thread::sleep(Duration::from_millis(10));
    }
    let ok = server.psql("anyone", "", "SELECT 1");
    assert!(ok.status.success(), "{}\n{}", describe(&ok), server.log());
    let log = server.log();
    assert!(log.contains("tcp=Some(0.0.0.0:5432)"), "{log}");
    assert!(
        log.contains("auth=trust") && log.contains("other hosts"),
        "{log}"
    );
    assert!(
        log.contains("WARN") && log.contains("anyone who can reach the port"),
        "{log}"
    );
}
