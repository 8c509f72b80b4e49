//! End-to-end tests of the `pgsqlite` binary driven by real PostgreSQL tools: psql,
//! pgbench and psycopg 3, over a Unix socket in a fresh temporary directory (and once
//! over TCP), plus command-line errors and graceful shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_pgsqlite");
const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// How long the server gets to create its socket or accept TCP connections.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server gets to exit after SIGTERM before it is killed.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// Limit for one psql run.
const PSQL_TIMEOUT: Duration = Duration::from_secs(60);
/// Limit for one pgbench run (600 transactions).
const PGBENCH_TIMEOUT: Duration = Duration::from_secs(120);
/// Limit for the whole psycopg script.
const PYTHON_TIMEOUT: Duration = Duration::from_secs(120);
/// How often a wait loop looks at the condition it waits for.
const POLL: Duration = Duration::from_millis(10);

/// The port the Unix-socket servers use (only names the socket file).
const SOCKET_PORT: u16 = 5432;

// ---------------------------------------------------------------------------------------------
// Process helpers
// ---------------------------------------------------------------------------------------------

/// Waits for `child` to exit for at most `timeout`; `None` if it is still running.
fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() >= deadline => return None,
            Ok(None) => thread::sleep(POLL),
            Err(err) => panic!("cannot wait for process {}: {err}", child.id()),
        }
    }
}

/// Sends SIGTERM to `pid` with the `kill` command.
fn send_sigterm(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM {pid} failed: {status}");
}

/// Reads everything from `source` on a thread (so pipes never fill up and block).
fn drain<R: Read + Send + 'static>(source: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut source) = source {
            let _ = source.read_to_end(&mut buf);
        }
        buf
    })
}

/// Runs `cmd` to completion with no stdin, capturing its output; kills it and panics
/// after `timeout`.
fn run(cmd: &mut Command, timeout: Duration) -> Output {
    let what = format!("{cmd:?}");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {what}: {err}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_timeout(&mut child, timeout);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let output = Output {
        status: status.unwrap_or_default(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    if status.is_none() {
        panic!(
            "{what} did not finish within {timeout:?}\n{}",
            describe(&output)
        );
    }
    output
}

/// Stdout and stderr of a finished process, for failure messages.
fn describe(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A client command (psql, pgbench, python) with an environment free of the caller's
/// libpq settings and with untranslated messages.
fn client(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PG") {
            cmd.env_remove(name);
        }
    }
    cmd.env("LC_ALL", "C.UTF-8")
        .env("PGCONNECT_TIMEOUT", "10")
        .current_dir(MANIFEST_DIR);
    cmd
}

/// The server command with none of the caller's `PGSQLITE_*` settings.
fn server_command() -> Command {
    let mut cmd = Command::new(BIN);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PGSQLITE_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

// ---------------------------------------------------------------------------------------------
// The server under test
// ---------------------------------------------------------------------------------------------

/// A running `pgsqlite`; dropping it sends SIGTERM and, after a grace period, SIGKILL.
struct Server {
    child: Option<Child>,
    /// Socket directory, database and scripts live here (`None` only after `stop`).
    dir: Option<TempDir>,
    log: PathBuf,
}

impl Server {
    /// Starts a server on a Unix socket in a fresh temporary directory, with the shared
    /// in-memory database or, with `file_db`, `<dir>/db.sqlite`.
    fn start_unix(file_db: bool) -> Server {
        let dir = tempfile::Builder::new()
            .prefix("pgsqlite-tools")
            .tempdir()
            .expect("create temp dir");
        let database = file_db.then(|| dir.path().join("db.sqlite"));
        Self::start_unix_in(dir, database.as_deref())
    }

    /// Starts a server on the Unix socket in `dir`, on `database` if given.
    fn start_unix_in(dir: TempDir, database: Option<&Path>) -> Server {
        Self::start_unix_with(dir, database, &[])
    }

    /// Like [`Server::start_unix_in`], with extra command-line arguments.
    fn start_unix_with(dir: TempDir, database: Option<&Path>, extra: &[&str]) -> Server {
        let mut cmd = server_command();
        cmd.args(extra);
        cmd.arg("--listen")
            .arg("none")
            .arg("--socket-dir")
            .arg(dir.path())
            .arg("--port")
            .arg(SOCKET_PORT.to_string());
        if let Some(database) = database {
            cmd.arg("--database").arg(database);
        }
        let mut server = Self::spawn(cmd, dir);
        let socket = server.socket_path();
        // Connecting (not just seeing the file) rules out the gap between bind and listen.
        server.wait_until("the Unix socket accepts connections", || {
            socket.exists() && UnixStream::connect(&socket).is_ok()
        });
        server
    }

    /// Starts a server on TCP 127.0.0.1:`port` only, and waits until it accepts.
    fn start_tcp(port: u16) -> Server {
        let dir = tempfile::Builder::new()
            .prefix("pgsqlite-tools")
            .tempdir()
            .expect("create temp dir");
        let mut cmd = server_command();
        cmd.args(["--listen", "127.0.0.1", "--port", &port.to_string()]);
        let mut server = Self::spawn(cmd, dir);
        server.wait_until("the TCP port accepts connections", || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        server
    }

    fn spawn(mut cmd: Command, dir: TempDir) -> Server {
        let log = dir.path().join("server.log");
        let log_file = std::fs::File::create(&log).expect("create server log");
        let stderr = log_file.try_clone().expect("clone log file");
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(log_file))
            .stderr(Stdio::from(stderr));
        let child = cmd
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {cmd:?}: {err}"));
        Server {
            child: Some(child),
            dir: Some(dir),
            log,
        }
    }

    /// Polls `ready` until it holds; panics if the server exits or the startup timeout
    /// passes first.
    fn wait_until(&mut self, what: &str, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if ready() {
                return;
            }
            let child = self.child.as_mut().expect("server running");
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "server exited ({status}) before {what}\n{}",
                    self.log_text()
                );
            }
            if Instant::now() >= deadline {
                panic!(
                    "server not ready within {STARTUP_TIMEOUT:?}: waited for {what}\n{}",
                    self.log_text()
                );
            }
            thread::sleep(POLL);
        }
    }

    fn dir(&self) -> &Path {
        self.dir.as_ref().expect("server directory").path()
    }

    fn socket_path(&self) -> PathBuf {
        self.dir().join(format!(".s.PGSQL.{SOCKET_PORT}"))
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    /// The server's stdout and stderr so far.
    fn log_text(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!("--- server log ({}) ---\n{text}", self.log.display())
    }

    /// psql connected to this server's Unix socket, with the fixed options.
    fn psql(&self) -> Command {
        let mut cmd = client("psql");
        cmd.arg("-X")
            .args(["-v", "ON_ERROR_STOP=1"])
            .arg("-h")
            .arg(self.dir())
            .args(["-p", &SOCKET_PORT.to_string(), "-U", "test", "-d", "test"]);
        cmd
    }

    /// Runs psql with `args`, asserting it succeeds; returns its stdout.
    fn psql_ok(&self, args: &[&str]) -> String {
        let output = run(self.psql().args(args), PSQL_TIMEOUT);
        assert!(
            output.status.success(),
            "psql {args:?} failed\n{}\n{}",
            describe(&output),
            self.log_text()
        );
        String::from_utf8(output.stdout).expect("psql output is UTF-8")
    }

    /// Sends SIGTERM and waits up to `timeout`; `None` if the server is still running
    /// (it is then left to `Drop`).
    fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        if let Ok(Some(status)) = child.try_wait() {
            self.child = None;
            return Some(status);
        }
        send_sigterm(child.id());
        let status = wait_timeout(child, timeout)?;
        self.child = None;
        Some(status)
    }

    /// Stops the server with SIGTERM, asserting it exits with status 0 within 10 s, and
    /// hands back its directory (socket, database, log).
    fn stop(mut self) -> TempDir {
        let status = self.terminate(Duration::from_secs(10));
        assert!(
            status.is_some_and(|s| s.success()),
            "server did not stop cleanly after SIGTERM: {status:?}\n{}",
            self.log_text()
        );
        self.dir.take().expect("server directory")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.terminate(SHUTDOWN_TIMEOUT).is_none() {
            if let Some(mut child) = self.child.take() {
                eprintln!(
                    "pgsqlite (pid {}) ignored SIGTERM for {SHUTDOWN_TIMEOUT:?}; killing it",
                    child.id()
                );
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        if thread::panicking() {
            eprintln!("{}", self.log_text());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (a) psql scripts
// ---------------------------------------------------------------------------------------------

/// Line-by-line differences between two outputs, for failure messages.
fn diff(expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    let mut shown = 0;
    for i in 0..expected.len().max(actual.len()) {
        let (e, a) = (expected.get(i), actual.get(i));
        if e != a {
            shown += 1;
            if shown > 20 {
                out.push_str("(more differences not shown)\n");
                break;
            }
            out.push_str(&format!(
                "line {}:\n  expected: {:?}\n  got:      {:?}\n",
                i + 1,
                e.copied().unwrap_or("<missing>"),
                a.copied().unwrap_or("<missing>"),
            ));
        }
    }
    out
}

#[test]
fn psql_smoke_script_matches_expected_output() {
    let server = Server::start_unix(false);
    let script = Path::new(MANIFEST_DIR).join("tests/sql/smoke.sql");
    let expected =
        std::fs::read_to_string(Path::new(MANIFEST_DIR).join("tests/sql/smoke.expected"))
            .expect("read smoke.expected");
    let output = run(server.psql().arg("-A").arg("-f").arg(&script), PSQL_TIMEOUT);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "psql smoke.sql failed\n{}",
        describe(&output)
    );
    assert!(
        stdout == expected,
        "smoke.sql output differs from smoke.expected:\n{}\n--- full output ---\n{stdout}",
        diff(&expected, &stdout)
    );
    assert!(
        output.stderr.is_empty(),
        "psql wrote to stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn psql_stops_at_the_first_error_with_its_sqlstate() {
    let server = Server::start_unix(false);
    let script = Path::new(MANIFEST_DIR).join("tests/sql/error.sql");
    let output = run(server.psql().arg("-A").arg("-f").arg(&script), PSQL_TIMEOUT);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let context = describe(&output);
    assert_eq!(
        output.status.code(),
        Some(3),
        "psql must exit with 3 when ON_ERROR_STOP stops a script\n{context}"
    );
    assert!(
        stdout.contains("marker-before-error"),
        "statements before the error must run\n{context}"
    );
    assert!(
        !stdout.contains("marker-after-error") && !stderr.contains("marker-after-error"),
        "nothing after the error may run\n{context}"
    );
    assert!(
        stderr.contains("error.sql:9: ERROR:  23505:"),
        "the error at line 9 must be reported with SQLSTATE 23505\n{context}"
    );
    // The server must still be healthy and have kept the rows before the error.
    let rows = server.psql_ok(&["-A", "-t", "-c", "SELECT id, code FROM codes ORDER BY id"]);
    assert_eq!(rows, "1|alpha\n2|beta\n");
}

// ---------------------------------------------------------------------------------------------
// (b) pgbench
// ---------------------------------------------------------------------------------------------

const ACCOUNTS: u32 = 10_000;
const CLIENTS: u32 = 2;
const TRANSACTIONS: u32 = 300;

/// Creates and fills the `accounts` table through psql.
fn create_accounts(server: &Server) {
    let insert = format!(
        "INSERT INTO accounts (id, balance, filler) \
         WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {ACCOUNTS}) \
         SELECT n, 0, 'filler' FROM seq"
    );
    let out = server.psql_ok(&[
        "-A",
        "-t",
        "-c",
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, filler TEXT)",
        "-c",
        &insert,
        "-c",
        "SELECT count(*) FROM accounts",
    ]);
    assert_eq!(
        out,
        format!("CREATE TABLE\nINSERT 0 {ACCOUNTS}\n{ACCOUNTS}\n"),
        "setting up accounts"
    );
}

/// The number after `label` on the line of `text` that starts with it.
fn field_after(text: &str, label: &str) -> Option<u64> {
    let rest = text
        .lines()
        .find_map(|line| line.trim().strip_prefix(label))?;
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Writes `body` as a pgbench script in the server's directory and runs it in every query
/// mode, checking that every transaction went through.
fn pgbench_all_modes(server: &Server, name: &str, body: &str) {
    let script = server.dir().join(name);
    std::fs::write(&script, body).expect("write pgbench script");
    for mode in ["simple", "extended", "prepared"] {
        let mut cmd = client("pgbench");
        cmd.arg("-n")
            .arg("-h")
            .arg(server.dir())
            .args(["-p", &SOCKET_PORT.to_string(), "-U", "test", "-f"])
            .arg(&script)
            .args(["-M", mode])
            .args(["-c", &CLIENTS.to_string(), "-j", &CLIENTS.to_string()])
            .args(["-t", &TRANSACTIONS.to_string(), "test"]);
        let output = run(&mut cmd, PGBENCH_TIMEOUT);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let context = format!("pgbench {name} -M {mode}\n{}", describe(&output));
        assert!(output.status.success(), "{context}\n{}", server.log_text());
        assert_eq!(
            field_after(&stdout, "number of failed transactions:"),
            Some(0),
            "{context}"
        );
        assert_eq!(
            field_after(&stdout, "number of transactions actually processed:"),
            Some(u64::from(CLIENTS * TRANSACTIONS)),
            "{context}"
        );
        let tps = stdout.lines().find(|line| line.starts_with("tps = "));
        println!(
            "pgbench {name} -M {mode}: ok, {}",
            tps.unwrap_or("no tps line")
        );
    }
}

#[test]
fn pgbench_selects_in_every_query_mode() {
    let server = Server::start_unix(false);
    create_accounts(&server);
    pgbench_all_modes(
        &server,
        "select.sql",
        "\\set id random(1, 10000)\nSELECT balance FROM accounts WHERE id = :id;\n",
    );
}

#[test]
fn pgbench_updates_in_every_query_mode_on_a_file_database() {
    let server = Server::start_unix(true);
    create_accounts(&server);
    pgbench_all_modes(
        &server,
        "update.sql",
        "\\set id random(1, 10000)\n\\set delta random(-100, 100)\n\
         UPDATE accounts SET balance = balance + :delta WHERE id = :id;\n",
    );
    let summary =
        "SELECT count(*), count(*) FILTER (WHERE balance <> 0), sum(balance) FROM accounts";
    let before = server.psql_ok(&["-A", "-t", "-c", summary]);
    let fields: Vec<&str> = before.trim().split('|').collect();
    assert_eq!(fields.len(), 3, "unexpected summary {before:?}");
    assert_eq!(fields[0], ACCOUNTS.to_string(), "row count after updates");
    let changed: u64 = fields[1].parse().expect("changed count");
    assert!(
        changed > 0,
        "1,800 random updates changed no balance: {before:?}"
    );

    // The updates are on disk: a new server on the same file sees the same data.
    let dir = server.stop();
    let database = dir.path().join("db.sqlite");
    let restarted = Server::start_unix_in(dir, Some(&database));
    let after = restarted.psql_ok(&["-A", "-t", "-c", summary]);
    assert_eq!(
        after, before,
        "data after restarting on the same database file"
    );
}

/// The read-then-write transaction of issue #12 (`BEGIN; SELECT; UPDATE; COMMIT`) from 16
/// pgbench clients for 5 seconds on a file database: under READ COMMITTED no transaction
/// fails for a stale snapshot, and every commit's increment is in the table.
#[test]
fn pgbench_read_then_write_transactions_never_fail_under_read_committed() {
    let server = Server::start_unix(true);
    create_accounts(&server);
    let script = server.dir().join("read_then_write.sql");
    std::fs::write(
        &script,
        "\\set id random(1, 100)\nBEGIN;\nSELECT balance FROM accounts WHERE id = :id;\n\
         UPDATE accounts SET balance = balance + 1 WHERE id = :id;\nCOMMIT;\n",
    )
    .expect("write pgbench script");
    let mut cmd = client("pgbench");
    cmd.arg("-n")
        .arg("-h")
        .arg(server.dir())
        .args(["-p", &SOCKET_PORT.to_string(), "-U", "test", "-f"])
        .arg(&script)
        .args(["-M", "prepared", "-c", "16", "-j", "2", "-T", "5", "test"]);
    let output = run(&mut cmd, PGBENCH_TIMEOUT);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let context = format!("pgbench read_then_write -c 16\n{}", describe(&output));
    assert!(output.status.success(), "{context}\n{}", server.log_text());
    assert_eq!(
        field_after(&stdout, "number of failed transactions:"),
        Some(0),
        "{context}"
    );
    let processed = field_after(&stdout, "number of transactions actually processed:")
        .expect("processed count");
    assert!(processed > 0, "{context}");
    let sum = server.psql_ok(&["-A", "-t", "-c", "SELECT sum(balance) FROM accounts"]);
    assert_eq!(
        sum.trim(),
        processed.to_string(),
        "one increment per commit"
    );
    let restarts = server.psql_ok(&[
        "-A",
        "-t",
        "-c",
        "SELECT value FROM pgsqlite_stats WHERE name = 'transactions.snapshot_restarts'",
    ]);
    println!(
        "read_then_write -c 16: {processed} commits, {} restarts",
        restarts.trim()
    );
}

// ---------------------------------------------------------------------------------------------
// (c) psycopg 3
// ---------------------------------------------------------------------------------------------

#[test]
fn psycopg_client_round_trips_types_and_transactions() {
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
        eprintln!("SKIPPED psycopg test: {message}");
        return;
    }
    let server = Server::start_unix(false);
    let mut cmd = client(&python);
    cmd.arg(Path::new(MANIFEST_DIR).join("tests/python/test_psycopg.py"))
        .env("PGSQLITE_TEST_HOST", server.dir())
        .env("PGSQLITE_TEST_PORT", SOCKET_PORT.to_string())
        .env("PYTHONUNBUFFERED", "1");
    let output = run(&mut cmd, PYTHON_TIMEOUT);
    assert!(
        output.status.success(),
        "psycopg test failed\n{}",
        describe(&output)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("all psycopg checks passed"),
        "psycopg test did not finish\n{}",
        describe(&output)
    );
}

// ---------------------------------------------------------------------------------------------
// (d) TCP
// ---------------------------------------------------------------------------------------------

#[test]
fn psql_over_tcp() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
        listener.local_addr().expect("local addr").port()
    };
    let server = Server::start_tcp(port);
    let mut cmd = client("psql");
    cmd.args(["-X", "-A", "-t", "-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["-U", "test", "-d", "test", "-c", "SELECT 1"]);
    let output = run(&mut cmd, PSQL_TIMEOUT);
    assert!(
        output.status.success(),
        "{}\n{}",
        describe(&output),
        server.log_text()
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "1\n");
}

// ---------------------------------------------------------------------------------------------
// (e) startup errors
// ---------------------------------------------------------------------------------------------

#[test]
fn invalid_port_is_reported_with_its_source() {
    let dir = tempfile::tempdir().expect("temp dir");
    // --listen none keeps a server that wrongly starts off TCP; the timeout stops it.
    let output = run(
        server_command()
            .args(["--port", "notanumber", "--listen", "none", "--socket-dir"])
            .arg(dir.path()),
        Duration::from_secs(10),
    );
    assert!(!output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--port"),
        "{}",
        describe(&output)
    );

    let output = run(
        server_command()
            .env("PGSQLITE_PORT", "x")
            .args(["--listen", "none", "--socket-dir"])
            .arg(dir.path()),
        Duration::from_secs(10),
    );
    assert!(!output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("PGSQLITE_PORT"),
        "{}",
        describe(&output)
    );
}

// ---------------------------------------------------------------------------------------------
// (f) graceful shutdown
// ---------------------------------------------------------------------------------------------

/// Lines of `stdout` delivered through a channel, so reads can time out.
fn line_reader(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn sigterm_stops_the_server_with_an_idle_session_open() {
    let mut server = Server::start_unix(false);
    let mut psql = server
        .psql()
        .args(["-A", "-t"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start psql");
    let stderr = drain(psql.stderr.take());
    let lines = line_reader(psql.stdout.take().expect("psql stdout"));
    let mut stdin = psql.stdin.take().expect("psql stdin");
    stdin
        .write_all(b"SELECT 'session-ready';\n")
        .and_then(|()| stdin.flush())
        .expect("write to psql");
    // The session is up once psql has printed the answer; then it sits idle.
    let deadline = Instant::now() + PSQL_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line == "session-ready" => break,
            Ok(_) => {}
            Err(err) => {
                let _ = psql.kill();
                let _ = psql.wait();
                panic!(
                    "psql session did not answer ({err})\n--- psql stderr ---\n{}\n{}",
                    String::from_utf8_lossy(&stderr.join().unwrap_or_default()),
                    server.log_text()
                );
            }
        }
    }

    let pid = server.pid();
    let status = server.terminate(Duration::from_secs(10));
    // Let psql go (its stdin closes) before any assertion can fail.
    drop(stdin);
    let psql_status = wait_timeout(&mut psql, PSQL_TIMEOUT);
    if psql_status.is_none() {
        let _ = psql.kill();
        let _ = psql.wait();
    }
    let status = status.unwrap_or_else(|| {
        panic!(
            "server (pid {pid}) still running 10 s after SIGTERM with an idle session\n{}",
            server.log_text()
        )
    });
    assert!(
        status.success(),
        "server exit status after SIGTERM: {status}\n{}",
        server.log_text()
    );
    assert!(
        psql_status.is_some(),
        "psql did not exit after its stdin closed"
    );
}

/// With the pooled writer (the default when `pooling` is compiled in), a few seconds of
/// pgbench leave the buffer pool's reuse rate, as `pgsqlite_stats` reports it, at 0.95
/// or more: every response borrows a buffer and gives it back.
#[cfg(feature = "pooling")]
#[test]
fn pgbench_keeps_the_buffer_pool_reuse_rate_high() {
    let server = Server::start_unix(false);
    create_accounts(&server);
    let script = server.dir().join("reuse.sql");
    std::fs::write(
        &script,
        "\\set id random(1, 10000)\nSELECT balance FROM accounts WHERE id = :id;\n",
    )
    .expect("write pgbench script");
    let mut cmd = client("pgbench");
    cmd.arg("-n")
        .arg("-h")
        .arg(server.dir())
        .args(["-p", &SOCKET_PORT.to_string(), "-U", "test", "-f"])
        .arg(&script)
        .args(["-M", "prepared", "-c", "4", "-j", "2", "-T", "3", "test"]);
    let output = run(&mut cmd, PGBENCH_TIMEOUT);
    assert!(output.status.success(), "{}", describe(&output));
    let stats = server.psql_ok(&[
        "-A",
        "-t",
        "-F",
        "=",
        "-c",
        "SELECT name, value FROM pgsqlite_stats",
    ]);
    let value = |name: &str| -> String {
        stats
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} in\n{stats}"))
            .to_string()
    };
    assert_eq!(value("writer.strategy"), "pooled");
    let rate: f64 = value("buffer_pool.reuse_rate").parse().unwrap();
    println!("after pgbench: buffer_pool.reuse_rate = {rate}\n{stats}");
    assert!(rate >= 0.95, "reuse rate {rate}\n{stats}");
}

/// psql writes a 64 MiB bytea (as a `'\x...'::bytea` literal) and a 1 MiB text, and reads
/// them back byte for byte, for every writer strategy, with memory-mapped large values on
/// and (where compiled in) off.
#[test]
fn psql_round_trips_large_values() {
    let mut writers = vec!["framed"];
    if cfg!(feature = "direct-writer") {
        writers.push("direct");
    }
    if cfg!(feature = "pooling") {
        writers.push("pooled");
    }
    let mmap_modes: &[&str] = if cfg!(feature = "mmap") {
        &["1", "0"]
    } else {
        &["1"]
    };
    let bytes: Vec<u8> = (0..64u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut hex = String::with_capacity(2 + bytes.len() * 2);
    hex.push_str("\\x");
    for b in &bytes {
        hex.push_str(&format!("{b:02x}"));
    }
    let text: String = (0..1usize << 20)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    for writer in &writers {
        for mmap in mmap_modes {
            let dir = tempfile::Builder::new()
                .prefix("pgsqlite-tools")
                .tempdir()
                .expect("temp dir");
            let server =
                Server::start_unix_with(dir, None, &["--writer", writer, "--enable-mmap", mmap]);
            let script = server.dir().join("big.sql");
            std::fs::write(
                &script,
                format!(
                    "CREATE TABLE big (id INTEGER PRIMARY KEY, b BYTEA, t TEXT);\n\
                     INSERT INTO big VALUES (1, '{hex}'::bytea, '{text}');\n"
                ),
            )
            .expect("write script");
            server.psql_ok(&["-q", "-f", &script.to_string_lossy()]);
            let out = server.dir().join("out.txt");
            server.psql_ok(&[
                "-A",
                "-t",
                "-o",
                &out.to_string_lossy(),
                "-c",
                "SELECT b FROM big WHERE id = 1",
                "-c",
                "SELECT t FROM big WHERE id = 1",
            ]);
            let got = std::fs::read_to_string(&out).expect("psql output");
            let mut lines = got.lines();
            assert!(
                lines.next() == Some(hex.as_str()),
                "{writer}, mmap {mmap}: bytea differs"
            );
            assert!(
                lines.next() == Some(text.as_str()),
                "{writer}, mmap {mmap}: text differs"
            );
        }
    }
}
