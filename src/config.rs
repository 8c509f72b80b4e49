//! Server configuration: defaults, `PGSQLITE_*` environment variables and command-line
//! flags, in increasing order of precedence.

use crate::auth::users::Users;
use crate::auth::{AuthMethod, Authenticator};
use crate::error::Error;
use crate::memory::{BufferPoolConfig, MemoryMonitorConfig};
use crate::protocol::codec::DEFAULT_MAX_MESSAGE_LEN;
use crate::value::large::MmapConfig;
use crate::writer::{BatchConfig, WriterStrategy};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How long an idle worker polls for the next request before it sleeps, by default:
/// longer than a client on the same machine takes to answer a result with its next
/// query (10-30 µs measured with pgbench), short enough to cost little CPU when idle.
pub const DEFAULT_BUSY_POLL: Duration = Duration::from_micros(50);

/// Everything the server needs to start.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// SQLite database file; `None` is one in-memory database shared by all sessions.
    pub database: Option<PathBuf>,
    /// TCP port (also names the Unix socket `.s.PGSQL.<port>`).
    pub port: u16,
    /// TCP listen address; `None` turns TCP off.
    pub listen: Option<IpAddr>,
    /// Directory for the Unix socket; `None` means no Unix socket.
    pub socket_dir: Option<PathBuf>,
    /// How responses reach the socket.
    pub writer: WriterStrategy,
    /// Log filter for the binary: error, warn, info, debug or trace.
    pub log_level: tracing::Level,
    /// Worker threads serving sessions (each session stays on one).
    pub workers: usize,
    /// Largest client message accepted, in bytes.
    pub max_message_size: usize,
    /// Input a connection may read ahead of its session, in bytes (stream splitting).
    pub read_ahead_bytes: usize,
    /// How long a statement waits for another session's lock.
    pub busy_timeout: Duration,
    /// How long an idle worker polls its clients' sockets before it sleeps (zero: it
    /// sleeps at once).
    pub busy_poll: Duration,
    /// The server takes the database file for itself (other processes cannot open it
    /// meanwhile), which saves two `fcntl` calls per transaction.
    pub exclusive_access: bool,
    /// Commits to a file database share WAL syncs (see `GroupCommit`); off: one
    /// `synchronous=FULL` sync per commit. Durable before acknowledged either way.
    pub group_commit: bool,
    /// How long shutdown waits for running statements before interrupting them.
    pub shutdown_timeout: Duration,
    /// The global buffer pool (feature `pooling`).
    pub buffer_pool: BufferPoolConfig,
    /// The memory monitor (feature `monitor`).
    pub memory_monitor: MemoryMonitorConfig,
    /// DataRow batching (feature `batching`).
    pub batching: BatchConfig,
    /// Memory-mapped large values (feature `mmap`).
    pub mmap: MmapConfig,
    /// Authentication method; `None` picks scram-sha-256 when a password or users file
    /// is configured, trust otherwise (see [`Config::auth_method`]).
    pub auth_method: Option<AuthMethod>,
    /// The user `--password` belongs to (alone, under trust: the only user name accepted).
    pub user: Option<String>,
    /// The password of `user` (kept only until the server derives its verifiers).
    pub password: Option<Password>,
    /// File of `user:verifier` lines (see `pgsqlite passwd`).
    pub users_file: Option<PathBuf>,
    /// Allow trust authentication on an address other hosts can reach.
    pub allow_trust_remote: bool,
    /// Most client connections at once; more get 53300.
    pub max_connections: usize,
    /// How long a connection may take from accept to the end of authentication.
    pub authentication_timeout: Duration,
    /// Default `idle_in_transaction_session_timeout` of sessions (zero: none).
    pub idle_in_transaction_session_timeout: Duration,
    /// Default `idle_session_timeout` of sessions (zero: none).
    pub idle_session_timeout: Duration,
    /// PEM file with the server's certificate chain (feature `tls`).
    pub tls_cert: Option<PathBuf>,
    /// PEM file with the private key of `tls_cert` (feature `tls`).
    pub tls_key: Option<PathBuf>,
    /// Generate a self-signed certificate for localhost at start (feature `tls`; for
    /// development: clients cannot verify it against anything but itself).
    pub tls_self_signed: bool,
    /// Refuse TCP clients that do not negotiate TLS (feature `tls`). Unix-socket
    /// clients are local and not concerned.
    pub require_tls: bool,
    /// Things worth a log line once logging is up: settings for features this build
    /// lacks, say.
    pub notes: Vec<String>,
}

/// A password from the command line or environment; `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// PostgreSQL's `max_connections` default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 100;
/// PostgreSQL's `authentication_timeout` default.
pub const DEFAULT_AUTHENTICATION_TIMEOUT: Duration = Duration::from_secs(60);

impl Default for Config {
    fn default() -> Self {
        Config {
            database: None,
            port: 5432,
            listen: Some(IpAddr::from([127, 0, 0, 1])),
            socket_dir: None,
            writer: WriterStrategy::best(),
            log_level: tracing::Level::INFO,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_message_size: DEFAULT_MAX_MESSAGE_LEN,
            read_ahead_bytes: crate::connection::DEFAULT_READ_AHEAD_BYTES,
            busy_timeout: Duration::from_secs(5),
            busy_poll: DEFAULT_BUSY_POLL,
            group_commit: true,
            exclusive_access: true,
            shutdown_timeout: Duration::from_secs(5),
            buffer_pool: BufferPoolConfig::default(),
            memory_monitor: MemoryMonitorConfig::default(),
            batching: BatchConfig::default(),
            mmap: MmapConfig::default(),
            auth_method: None,
            user: None,
            password: None,
            users_file: None,
            allow_trust_remote: false,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            authentication_timeout: DEFAULT_AUTHENTICATION_TIMEOUT,
            idle_in_transaction_session_timeout: Duration::ZERO,
            idle_session_timeout: Duration::ZERO,
            tls_cert: None,
            tls_key: None,
            tls_self_signed: false,
            require_tls: false,
            notes: Vec::new(),
        }
    }
}

/// What the command line asked for.
#[derive(Debug)]
pub enum Command {
    /// Run the server.
    Serve(Box<Config>),
    /// Print this text and exit (`--help`, `--version`).
    Print(String),
    /// `pgsqlite passwd [--users-file PATH] USER`: write `user`'s SCRAM verifier into the
    /// users file, the password read from the terminal or stdin.
    Passwd {
        /// The users file to update (created if missing).
        users_file: PathBuf,
        /// Whose entry to write.
        user: String,
    },
}

/// One option: its flag, its environment variable, and how it sets the config.
struct Opt {
    flag: &'static str,
    env: &'static str,
    value: &'static str,
    help: &'static str,
    apply: fn(&mut Config, &str) -> Result<(), String>,
    /// The Cargo feature the setting is for, and whether this build has it.
    feature: Option<(&'static str, bool)>,
}

/// An option every build understands.
const ALWAYS: Option<(&str, bool)> = None;

fn flag(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        _ => Err(format!("{value:?} is not a boolean (use 1 or 0)")),
    }
}

fn number<T: std::str::FromStr>(value: &str) -> Result<T, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not a valid number"))
}

fn positive(value: &str) -> Result<usize, String> {
    match number::<usize>(value)? {
        0 => Err("must be greater than zero".to_string()),
        n => Ok(n),
    }
}

/// A time span: a bare number counts `bare_unit`s (as PostgreSQL's settings do), or a
/// number with a unit (`ms`, `s`, `min`, `h`, `d`).
fn time_span(value: &str, bare_unit: Duration) -> Result<Duration, String> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let n: u32 = number(value)?;
        return Ok(bare_unit.saturating_mul(n));
    }
    crate::session::settings::parse_duration(value)
        .ok_or_else(|| format!("{value:?} is not a time span like 60, '60s' or '1min'"))
}

const OPTIONS: &[Opt] = &[
    Opt {
        flag: "--database",
        env: "PGSQLITE_DATABASE",
        value: "PATH",
        help: "SQLite database file (created if missing; WAL mode). Default: a shared in-memory database",
        apply: |c, v| {
            c.database = match v {
                "" | ":memory:" => None,
                path => Some(PathBuf::from(path)),
            };
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--port",
        env: "PGSQLITE_PORT",
        value: "N",
        help: "TCP port, also used in the Unix socket name .s.PGSQL.N. Default: 5432",
        apply: |c, v| {
            c.port = number(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--listen",
        env: "PGSQLITE_LISTEN",
        value: "ADDR",
        help: "TCP listen address, or \"none\" for no TCP. Default: 127.0.0.1",
        apply: |c, v| {
            c.listen = match v.trim() {
                "none" | "" => None,
                "localhost" => Some(IpAddr::from([127, 0, 0, 1])),
                "*" => Some(IpAddr::from([0, 0, 0, 0])),
                addr => Some(
                    addr.parse()
                        .map_err(|_| format!("{addr:?} is not an IP address"))?,
                ),
            };
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--auth-method",
        env: "PGSQLITE_AUTH_METHOD",
        value: "METHOD",
        help: "scram-sha-256, md5, password or trust. Default: scram-sha-256 if a password or users file is given, else trust",
        apply: |c, v| {
            c.auth_method = Some(v.parse()?);
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--user",
        env: "PGSQLITE_USER",
        value: "NAME",
        help: "The user --password belongs to; alone, under trust, the only user name accepted. Default: postgres",
        apply: |c, v| {
            crate::auth::users::check_user_name(v)?;
            c.user = Some(v.to_string());
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--password",
        env: "PGSQLITE_PASSWORD",
        value: "PASSWORD",
        help: "Password of --user (prefer the variable: flags show in ps). Default: none",
        apply: |c, v| {
            c.password = (!v.is_empty()).then(|| Password(v.to_string()));
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--users-file",
        env: "PGSQLITE_USERS_FILE",
        value: "PATH",
        help: "File of user:SCRAM-verifier lines, written by `pgsqlite passwd`. Default: none",
        apply: |c, v| {
            c.users_file = (!v.is_empty()).then(|| PathBuf::from(v));
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--allow-trust-remote",
        env: "PGSQLITE_ALLOW_TRUST_REMOTE",
        value: "BOOL",
        help: "Start with trust authentication on a non-loopback address (anyone who reaches the port gets the database). Default: 0",
        apply: |c, v| {
            c.allow_trust_remote = flag(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--max-connections",
        env: "PGSQLITE_MAX_CONNECTIONS",
        value: "N",
        help: "Most client connections at once; more get 53300. Default: 100",
        apply: |c, v| {
            c.max_connections = positive(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--authentication-timeout",
        env: "PGSQLITE_AUTHENTICATION_TIMEOUT",
        value: "SECONDS",
        help: "Time a client has to finish startup and authentication (or a span: 500ms, 1min). Default: 60",
        apply: |c, v| {
            let span = time_span(v, Duration::from_secs(1))?;
            if span.is_zero() {
                return Err("must be greater than zero".to_string());
            }
            c.authentication_timeout = span;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--idle-in-transaction-session-timeout",
        env: "PGSQLITE_IDLE_IN_TRANSACTION_SESSION_TIMEOUT",
        value: "MS",
        help: "Close sessions idle inside a transaction this long (25P03; or a span: 5s, 1min; 0: never). Default: 0",
        apply: |c, v| {
            c.idle_in_transaction_session_timeout = time_span(v, Duration::from_millis(1))?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--idle-session-timeout",
        env: "PGSQLITE_IDLE_SESSION_TIMEOUT",
        value: "MS",
        help: "Close sessions idle outside a transaction this long (57P05; or a span; 0: never). Default: 0",
        apply: |c, v| {
            c.idle_session_timeout = time_span(v, Duration::from_millis(1))?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--tls-cert",
        env: "PGSQLITE_TLS_CERT",
        value: "FILE",
        help: "PEM certificate chain for TLS (with --tls-key); SSLRequest is then answered S. Default: none",
        apply: |c, v| {
            c.tls_cert = (!v.is_empty()).then(|| PathBuf::from(v));
            Ok(())
        },
        feature: Some(("tls", cfg!(feature = "tls"))),
    },
    Opt {
        flag: "--tls-key",
        env: "PGSQLITE_TLS_KEY",
        value: "FILE",
        help: "PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1). Default: none",
        apply: |c, v| {
            c.tls_key = (!v.is_empty()).then(|| PathBuf::from(v));
            Ok(())
        },
        feature: Some(("tls", cfg!(feature = "tls"))),
    },
    Opt {
        flag: "--tls-self-signed",
        env: "PGSQLITE_TLS_SELF_SIGNED",
        value: "0|1",
        help: "Generate a self-signed certificate for localhost/127.0.0.1 at start (development only). Default: 0",
        apply: |c, v| {
            c.tls_self_signed = flag(v)?;
            Ok(())
        },
        feature: Some(("tls", cfg!(feature = "tls"))),
    },
    Opt {
        flag: "--require-tls",
        env: "PGSQLITE_REQUIRE_TLS",
        value: "0|1",
        help: "Refuse TCP clients that do not use TLS (28000). Default: 0",
        apply: |c, v| {
            c.require_tls = flag(v)?;
            Ok(())
        },
        feature: Some(("tls", cfg!(feature = "tls"))),
    },
    Opt {
        flag: "--socket-dir",
        env: "PGSQLITE_SOCKET_DIR",
        value: "DIR",
        help: "Also listen on the Unix socket DIR/.s.PGSQL.<port> (psql -h DIR). Default: none",
        apply: |c, v| {
            c.socket_dir = (!v.is_empty()).then(|| PathBuf::from(v));
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--writer",
        env: "PGSQLITE_WRITER",
        value: "STRATEGY",
        help: "Writer strategy: framed, direct or pooled (as compiled in). Default: the best compiled in",
        apply: |c, v| {
            c.writer = v.parse()?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--log-level",
        env: "PGSQLITE_LOG_LEVEL",
        value: "LEVEL",
        help: "error, warn, info, debug or trace. Default: info",
        apply: |c, v| {
            c.log_level = v
                .parse()
                .map_err(|_| format!("{v:?} is not one of error, warn, info, debug, trace"))?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--workers",
        env: "PGSQLITE_WORKERS",
        value: "N",
        help: "Worker threads serving sessions. Default: the number of CPUs",
        apply: |c, v| {
            c.workers = positive(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--max-message-size",
        env: "PGSQLITE_MAX_MESSAGE_SIZE",
        value: "BYTES",
        help: "Largest message accepted from a client. Default: 1073741823",
        apply: |c, v| {
            c.max_message_size = positive(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--read-ahead",
        env: "PGSQLITE_READ_AHEAD",
        value: "BYTES",
        help: "Input read ahead of a busy session (pipelining clients); 0 reads inline. Default: 16777216",
        apply: |c, v| {
            c.read_ahead_bytes = number(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--busy-timeout",
        env: "PGSQLITE_BUSY_TIMEOUT",
        value: "MS",
        help: "Milliseconds a statement waits for another session's lock. Default: 5000",
        apply: |c, v| {
            c.busy_timeout = Duration::from_millis(number(v)?);
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--busy-poll",
        env: "PGSQLITE_BUSY_POLL",
        value: "US",
        help: "Microseconds an idle worker polls its clients' sockets before sleeping (0: off). Default: 50",
        apply: |c, v| {
            c.busy_poll = Duration::from_micros(number(v)?);
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--exclusive-access",
        env: "PGSQLITE_EXCLUSIVE_ACCESS",
        value: "BOOL",
        help: "Lock the database file against other processes while serving (0: share it, at two fcntl calls per transaction). Default: 1",
        apply: |c, v| {
            c.exclusive_access = flag(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--group-commit",
        env: "PGSQLITE_GROUP_COMMIT",
        value: "BOOL",
        help: "Concurrent commits share one WAL sync, each acknowledged once on disk (0: one sync per commit). Default: 1",
        apply: |c, v| {
            c.group_commit = flag(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--shutdown-timeout",
        env: "PGSQLITE_SHUTDOWN_TIMEOUT",
        value: "MS",
        help: "Milliseconds shutdown waits for running statements. Default: 5000",
        apply: |c, v| {
            c.shutdown_timeout = Duration::from_millis(number(v)?);
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        flag: "--buffer-pool-size",
        env: "PGSQLITE_BUFFER_POOL_SIZE",
        value: "N",
        help: "Buffers the global pool keeps. Default: 50",
        apply: |c, v| {
            c.buffer_pool.max_pool_size = number(v)?;
            Ok(())
        },
        feature: Some(("pooling", cfg!(feature = "pooling"))),
    },
    Opt {
        flag: "--buffer-initial-capacity",
        env: "PGSQLITE_BUFFER_INITIAL_CAPACITY",
        value: "BYTES",
        help: "Capacity of a new pooled buffer. Default: 4096",
        apply: |c, v| {
            c.buffer_pool.initial_buffer_capacity = number(v)?;
            Ok(())
        },
        feature: Some(("pooling", cfg!(feature = "pooling"))),
    },
    Opt {
        flag: "--buffer-max-capacity",
        env: "PGSQLITE_BUFFER_MAX_CAPACITY",
        value: "BYTES",
        help: "Buffers that grew past this are dropped, not pooled. Default: 65536",
        apply: |c, v| {
            c.buffer_pool.max_buffer_capacity = number(v)?;
            Ok(())
        },
        feature: Some(("pooling", cfg!(feature = "pooling"))),
    },
    Opt {
        flag: "--buffer-monitoring",
        env: "PGSQLITE_BUFFER_MONITORING",
        value: "0|1",
        help: "Log buffer pool statistics periodically. Default: 0",
        apply: |c, v| {
            c.buffer_pool.enable_monitoring = flag(v)?;
            Ok(())
        },
        feature: Some(("pooling", cfg!(feature = "pooling"))),
    },
    Opt {
        flag: "--memory-threshold",
        env: "PGSQLITE_MEMORY_THRESHOLD",
        value: "BYTES",
        help: "Buffer bytes at which memory pressure is Medium. Default: 67108864",
        apply: |c, v| {
            c.memory_monitor.memory_threshold = number(v)?;
            Ok(())
        },
        feature: Some(("monitor", cfg!(feature = "monitor"))),
    },
    Opt {
        flag: "--high-memory-threshold",
        env: "PGSQLITE_HIGH_MEMORY_THRESHOLD",
        value: "BYTES",
        help: "Buffer bytes at which memory pressure is High. Default: 134217728",
        apply: |c, v| {
            c.memory_monitor.high_memory_threshold = number(v)?;
            Ok(())
        },
        feature: Some(("monitor", cfg!(feature = "monitor"))),
    },
    Opt {
        flag: "--memory-check-interval",
        env: "PGSQLITE_MEMORY_CHECK_INTERVAL",
        value: "SECONDS",
        help: "Seconds between memory checks. Default: 10",
        apply: |c, v| {
            c.memory_monitor.check_interval = Duration::from_secs(positive(v)? as u64);
            Ok(())
        },
        feature: Some(("monitor", cfg!(feature = "monitor"))),
    },
    Opt {
        flag: "--auto-cleanup",
        env: "PGSQLITE_AUTO_CLEANUP",
        value: "0|1",
        help: "Under memory pressure, shrink the pool and batch earlier. Default: 0",
        apply: |c, v| {
            c.memory_monitor.enable_auto_cleanup = flag(v)?;
            Ok(())
        },
        feature: Some(("monitor", cfg!(feature = "monitor"))),
    },
    Opt {
        flag: "--memory-monitoring",
        env: "PGSQLITE_MEMORY_MONITORING",
        value: "0|1",
        help: "Log every memory check (at info). Default: 0",
        apply: |c, v| {
            c.memory_monitor.enable_detailed_monitoring = flag(v)?;
            Ok(())
        },
        feature: Some(("monitor", cfg!(feature = "monitor"))),
    },
    Opt {
        flag: "--enable-batching",
        env: "PGSQLITE_ENABLE_BATCHING",
        value: "0|1",
        help: "Batch DataRows by count and bytes. Default: 0",
        apply: |c, v| {
            c.batching.enable_batching = flag(v)?;
            Ok(())
        },
        feature: Some(("batching", cfg!(feature = "batching"))),
    },
    Opt {
        flag: "--batch-size",
        env: "PGSQLITE_BATCH_SIZE",
        value: "N",
        help: "DataRows per batch. Default: 50",
        apply: |c, v| {
            c.batching.max_batch_size = number(v)?;
            Ok(())
        },
        feature: Some(("batching", cfg!(feature = "batching"))),
    },
    Opt {
        flag: "--batch-bytes",
        env: "PGSQLITE_BATCH_BYTES",
        value: "BYTES",
        help: "Bytes per batch. Default: 32768",
        apply: |c, v| {
            c.batching.max_batch_bytes = number(v)?;
            Ok(())
        },
        feature: Some(("batching", cfg!(feature = "batching"))),
    },
    Opt {
        flag: "--mmap-threshold",
        env: "PGSQLITE_MMAP_THRESHOLD",
        value: "BYTES",
        help: "Values this large are sent by reference and kept memory-mapped. Default: 8192",
        apply: |c, v| {
            c.mmap.threshold = number(v)?;
            Ok(())
        },
        feature: Some(("mmap", cfg!(feature = "mmap"))),
    },
    Opt {
        flag: "--enable-mmap",
        env: "PGSQLITE_ENABLE_MMAP",
        value: "0|1",
        help: "Memory-map large values. Default: 1",
        apply: |c, v| {
            c.mmap.enabled = flag(v)?;
            Ok(())
        },
        feature: Some(("mmap", cfg!(feature = "mmap"))),
    },
    Opt {
        flag: "--temp-dir",
        env: "PGSQLITE_TEMP_DIR",
        value: "DIR",
        help: "Where memory-mapped temporary files are made. Default: the system temp dir",
        apply: |c, v| {
            c.mmap.temp_dir = (!v.is_empty()).then(|| PathBuf::from(v));
            Ok(())
        },
        feature: Some(("mmap", cfg!(feature = "mmap"))),
    },
];

impl Config {
    /// Reads the environment (through `env`) and then the command-line arguments
    /// (without the program name). An invalid value is an error naming the flag or
    /// variable it came from; it is never replaced by a default.
    pub fn from_args<I, S>(args: I, env: impl Fn(&str) -> Option<String>) -> Result<Command, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut args = args.into_iter().map(Into::into).peekable();
        if args.peek().is_some_and(|a| a == "passwd") {
            args.next();
            return passwd_args(args, env);
        }
        let mut config = Config::default();
        for opt in OPTIONS {
            if let Some(value) = env(opt.env) {
                (opt.apply)(&mut config, &value).map_err(|message| Error::Config {
                    name: opt.env.to_string(),
                    message,
                })?;
                config.note_missing_feature(opt, opt.env);
            }
        }
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-h" | "--help" => return Ok(Command::Print(usage())),
                "-V" | "--version" => {
                    return Ok(Command::Print(format!(
                        "pgsqlite {}",
                        env!("CARGO_PKG_VERSION")
                    )));
                }
                _ => {}
            }
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
                None => (arg.clone(), None),
            };
            let opt = OPTIONS
                .iter()
                .find(|o| o.flag == flag)
                .ok_or_else(|| Error::Config {
                    name: flag.clone(),
                    message: "unknown option (see --help)".to_string(),
                })?;
            let value = match inline.or_else(|| args.next()) {
                Some(value) => value,
                None => {
                    return Err(Error::Config {
                        name: flag,
                        message: format!("missing value {}", opt.value),
                    });
                }
            };
            (opt.apply)(&mut config, &value).map_err(|message| Error::Config {
                name: opt.flag.to_string(),
                message,
            })?;
            config.note_missing_feature(opt, opt.flag);
        }
        config.validate()?;
        config.check_exposure()?;
        if config.listen.is_none() && config.socket_dir.is_none() {
            return Err(Error::Config {
                name: "--listen".to_string(),
                message: "with --listen none, --socket-dir is required (nothing to listen on)"
                    .to_string(),
            });
        }
        Ok(Command::Serve(Box::new(config)))
    }
}

/// Parses `passwd [--users-file PATH] USER` (after `passwd`).
fn passwd_args(
    args: impl Iterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Command, Error> {
    let usage = || {
        Error::Config {
        name: "passwd".to_string(),
        message: "usage: pgsqlite passwd [--users-file PATH] USER (the password is read from the terminal or stdin)"
            .to_string(),
    }
    };
    let mut users_file = env("PGSQLITE_USERS_FILE").filter(|v| !v.is_empty());
    let mut user = None;
    let mut args = args;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Err(usage()),
            "--users-file" => users_file = Some(args.next().ok_or_else(usage)?),
            a if a.starts_with("--users-file=") => {
                users_file = Some(a["--users-file=".len()..].to_string())
            }
            a if a.starts_with('-') => return Err(usage()),
            a if user.is_none() => user = Some(a.to_string()),
            _ => return Err(usage()),
        }
    }
    let user = user.ok_or_else(usage)?;
    crate::auth::users::check_user_name(&user).map_err(|message| Error::Config {
        name: "passwd".to_string(),
        message,
    })?;
    let users_file = users_file.ok_or_else(|| Error::Config {
        name: "--users-file".to_string(),
        message: "passwd needs the users file (--users-file PATH or PGSQLITE_USERS_FILE)"
            .to_string(),
    })?;
    Ok(Command::Passwd {
        users_file: PathBuf::from(users_file),
        user,
    })
}

impl Config {
    /// The authentication method in force: the one asked for, else scram-sha-256 when a
    /// password or users file is configured, else trust.
    pub fn auth_method(&self) -> AuthMethod {
        match self.auth_method {
            Some(method) => method,
            None if self.password.is_some() || self.users_file.is_some() => AuthMethod::ScramSha256,
            None => AuthMethod::Trust,
        }
    }

    /// Refuses trust authentication on an address other hosts can reach, unless
    /// `allow_trust_remote` says the risk is taken knowingly.
    pub fn check_exposure(&self) -> Result<(), Error> {
        let remote = self.listen.is_some_and(|ip| !ip.is_loopback());
        if remote && self.auth_method() == AuthMethod::Trust && !self.allow_trust_remote {
            return Err(Error::Config {
                name: "--listen".to_string(),
                message: format!(
                    "refusing to listen on {} with trust authentication: anyone who can reach the port could read and change the database. \
                     Configure a password (--password / PGSQLITE_PASSWORD or --users-file with `pgsqlite passwd`), \
                     listen on 127.0.0.1 or a Unix socket, or pass --allow-trust-remote 1 to accept the risk",
                    self.listen.map_or(String::new(), |ip| ip.to_string())
                ),
            });
        }
        Ok(())
    }

    /// Builds the authentication policy: loads the users file and adds the
    /// `--user`/`--password` pair.
    pub fn authenticator(&self) -> Result<Authenticator, Error> {
        let invalid = |name: &str, message: String| Error::Config {
            name: name.to_string(),
            message,
        };
        let mut users = match &self.users_file {
            Some(path) => Users::load(path).map_err(|m| invalid("--users-file", m))?,
            None => Users::default(),
        };
        let password = self.password.as_ref().map(|p| p.0.as_str());
        if password.is_some() || self.user.is_some() {
            let user = self.user.as_deref().unwrap_or("postgres");
            users
                .insert(user, password)
                .map_err(|m| invalid("--password", m))?;
        }
        Authenticator::new(self.auth_method(), users).map_err(|m| invalid("--auth-method", m))
    }

    /// Checks settings that only make sense together. The error names the variables
    /// (and flags) involved.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |name: &str, message: String| Error::Config {
            name: name.to_string(),
            message,
        };
        self.buffer_pool.validate().map_err(|m| {
            invalid(
                "PGSQLITE_BUFFER_INITIAL_CAPACITY / PGSQLITE_BUFFER_MAX_CAPACITY (--buffer-initial-capacity / --buffer-max-capacity)",
                m,
            )
        })?;
        self.memory_monitor.validate().map_err(|m| {
            invalid(
                "PGSQLITE_MEMORY_THRESHOLD / PGSQLITE_HIGH_MEMORY_THRESHOLD (--memory-threshold / --high-memory-threshold)",
                m,
            )
        })?;
        self.mmap
            .validate()
            .map_err(|m| invalid("PGSQLITE_MMAP_THRESHOLD (--mmap-threshold)", m))?;
        self.batching.validate().map_err(|m| {
            invalid(
                "PGSQLITE_BATCH_SIZE / PGSQLITE_BATCH_BYTES (--batch-size / --batch-bytes)",
                m,
            )
        })?;
        self.validate_tls()
    }

    /// True if TLS is configured: a certificate and key, or a self-signed certificate.
    pub fn tls_enabled(&self) -> bool {
        self.tls_cert.is_some() || self.tls_self_signed
    }

    /// Checks the TLS options: they need the `tls` feature, a certificate goes with its
    /// key, and requiring TLS needs a certificate.
    pub(crate) fn validate_tls(&self) -> Result<(), Error> {
        let invalid = |name: &str, message: &str| Error::Config {
            name: name.to_string(),
            message: message.to_string(),
        };
        let asked = self.tls_enabled() || self.tls_key.is_some() || self.require_tls;
        if asked && !cfg!(feature = "tls") {
            return Err(invalid(
                "PGSQLITE_TLS_* (--tls-cert / --tls-key / --tls-self-signed / --require-tls)",
                "this build lacks the `tls` feature: rebuild with --features tls",
            ));
        }
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => {
                return Err(invalid(
                    "PGSQLITE_TLS_KEY (--tls-key)",
                    "--tls-cert needs the key that goes with it",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "PGSQLITE_TLS_CERT (--tls-cert)",
                    "--tls-key needs the certificate that goes with it",
                ));
            }
            _ => {}
        }
        if self.tls_self_signed && self.tls_cert.is_some() {
            return Err(invalid(
                "PGSQLITE_TLS_SELF_SIGNED (--tls-self-signed)",
                "choose either a certificate (--tls-cert/--tls-key) or a self-signed one",
            ));
        }
        if self.require_tls && !self.tls_enabled() {
            return Err(invalid(
                "PGSQLITE_REQUIRE_TLS (--require-tls)",
                "requiring TLS needs a certificate: --tls-cert and --tls-key, or --tls-self-signed",
            ));
        }
        Ok(())
    }

    fn note_missing_feature(&mut self, opt: &Opt, source: &str) {
        if let Some((feature, false)) = opt.feature {
            let note = format!(
                "{source} is set, but this build lacks the `{feature}` feature: the setting has no effect"
            );
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
    }
}

/// The `--help` text.
pub fn usage() -> String {
    let mut text = String::from(
        "pgsqlite: a PostgreSQL wire-protocol server over SQLite\n\n\
         Usage: pgsqlite [OPTIONS]\n\
         \x20      pgsqlite passwd [--users-file PATH] USER   (write USER's SCRAM verifier;\n\
         \x20                                                 the password comes from the terminal or stdin)\n\n\
         Every option can also be set with the environment variable shown.\n\n",
    );
    for opt in OPTIONS {
        let head = format!("  {} {}", opt.flag, opt.value);
        text.push_str(&format!("{head:<30} [{}]\n      {}\n", opt.env, opt.help));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Config, Error> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        match Config::from_args(args.iter().copied(), |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })? {
            Command::Serve(config) => Ok(*config),
            _ => panic!("expected a config"),
        }
    }

    #[test]
    fn defaults() {
        let c = parse(&[], &[]).unwrap();
        assert_eq!(c.port, 5432);
        assert_eq!(c.listen, Some(IpAddr::from([127, 0, 0, 1])));
        assert!(c.database.is_none());
        assert_eq!(c.writer, WriterStrategy::best());
    }

    #[test]
    fn flags_beat_environment() {
        let c = parse(&["--port", "7000"], &[("PGSQLITE_PORT", "6000")]).unwrap();
        assert_eq!(c.port, 7000);
        let c = parse(&[], &[("PGSQLITE_PORT", "6000")]).unwrap();
        assert_eq!(c.port, 6000);
        let c = parse(
            &["--port=6001", "--listen", "none", "--socket-dir", "/tmp"],
            &[],
        )
        .unwrap();
        assert_eq!((c.port, c.listen), (6001, None));
    }

    #[test]
    fn bad_values_name_their_source() {
        let err = parse(&[], &[("PGSQLITE_PORT", "eighty")]).unwrap_err();
        assert!(err.to_string().contains("PGSQLITE_PORT"), "{err}");
        let err = parse(&["--port", "99999"], &[]).unwrap_err();
        assert!(err.to_string().contains("--port"), "{err}");
        let err = parse(&["--writer", "turbo"], &[]).unwrap_err();
        assert!(err.to_string().contains("--writer"), "{err}");
        let err = parse(&["--workers", "0"], &[]).unwrap_err();
        assert!(err.to_string().contains("--workers"), "{err}");
        let err = parse(&["--bogus"], &[]).unwrap_err();
        assert!(err.to_string().contains("--bogus"), "{err}");
        let err = parse(&["--listen", "none"], &[]).unwrap_err();
        assert!(err.to_string().contains("--socket-dir"), "{err}");
        let err = parse(&[], &[("PGSQLITE_BATCH_SIZE", "0")]).unwrap_err();
        assert!(err.to_string().contains("PGSQLITE_BATCH_SIZE"), "{err}");
        let err = parse(
            &[],
            &[
                ("PGSQLITE_BUFFER_INITIAL_CAPACITY", "9000"),
                ("PGSQLITE_BUFFER_MAX_CAPACITY", "4096"),
            ],
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("PGSQLITE_BUFFER_MAX_CAPACITY"),
            "{err}"
        );
        let err = parse(&[], &[("PGSQLITE_MEMORY_CHECK_INTERVAL", "soon")]).unwrap_err();
        assert!(
            err.to_string().contains("PGSQLITE_MEMORY_CHECK_INTERVAL"),
            "{err}"
        );
        let err = parse(&[], &[("PGSQLITE_AUTO_CLEANUP", "maybe")]).unwrap_err();
        assert!(err.to_string().contains("PGSQLITE_AUTO_CLEANUP"), "{err}");
    }

    #[test]
    fn authentication_and_limit_options() {
        let c = parse(&[], &[]).unwrap();
        assert_eq!(c.auth_method(), AuthMethod::Trust);
        assert_eq!(c.max_connections, 100);
        assert_eq!(c.authentication_timeout, Duration::from_secs(60));
        assert_eq!(c.idle_session_timeout, Duration::ZERO);
        let c = parse(&["--password", "pw"], &[]).unwrap();
        assert_eq!(c.auth_method(), AuthMethod::ScramSha256);
        assert!(
            !format!("{c:?}").contains("pw\""),
            "Debug hides the password"
        );
        let c = parse(
            &["--auth-method", "md5", "--authentication-timeout", "5"],
            &[
                ("PGSQLITE_USER", "app"),
                ("PGSQLITE_PASSWORD", "pw"),
                ("PGSQLITE_MAX_CONNECTIONS", "7"),
                ("PGSQLITE_IDLE_SESSION_TIMEOUT", "1500"),
                ("PGSQLITE_IDLE_IN_TRANSACTION_SESSION_TIMEOUT", "1min"),
            ],
        )
        .unwrap();
        assert_eq!(c.auth_method(), AuthMethod::Md5);
        assert_eq!(c.user.as_deref(), Some("app"));
        assert_eq!(c.max_connections, 7);
        assert_eq!(c.authentication_timeout, Duration::from_secs(5));
        assert_eq!(c.idle_session_timeout, Duration::from_millis(1500));
        assert_eq!(
            c.idle_in_transaction_session_timeout,
            Duration::from_secs(60)
        );
        let c = parse(&["--authentication-timeout", "250ms"], &[]).unwrap();
        assert_eq!(c.authentication_timeout, Duration::from_millis(250));
        for (flag, value) in [
            ("--auth-method", "kerberos"),
            ("--max-connections", "0"),
            ("--authentication-timeout", "0"),
            ("--idle-session-timeout", "soon"),
            ("--user", "a:b"),
        ] {
            let err = parse(&[flag, value], &[]).unwrap_err();
            assert!(err.to_string().contains(flag), "{err}");
        }
    }

    #[test]
    fn tls_options_go_together() {
        if cfg!(feature = "tls") {
            let c = parse(
                &[
                    "--tls-cert",
                    "c.pem",
                    "--tls-key",
                    "k.pem",
                    "--require-tls",
                    "1",
                ],
                &[],
            )
            .unwrap();
            assert!(c.tls_enabled() && c.require_tls);
            let c = parse(&[], &[("PGSQLITE_TLS_SELF_SIGNED", "1")]).unwrap();
            assert!(c.tls_enabled() && !c.require_tls);
            for (args, names) in [
                (&["--tls-cert", "c.pem"][..], "--tls-key"),
                (&["--tls-key", "k.pem"], "--tls-cert"),
                (&["--require-tls", "1"], "--require-tls"),
                (
                    &[
                        "--tls-self-signed",
                        "1",
                        "--tls-cert",
                        "c",
                        "--tls-key",
                        "k",
                    ],
                    "--tls-self-signed",
                ),
            ] {
                let err = parse(args, &[]).unwrap_err();
                assert!(err.to_string().contains(names), "{args:?}: {err}");
            }
        } else {
            // Without the feature, asking for TLS must not silently serve plaintext.
            let err = parse(&["--tls-self-signed", "1"], &[]).unwrap_err();
            assert!(err.to_string().contains("`tls` feature"), "{err}");
        }
        assert!(!parse(&[], &[]).unwrap().tls_enabled());
    }

    #[test]
    fn trust_on_a_remote_address_needs_allow_trust_remote() {
        for listen in ["0.0.0.0", "*", "::", "192.168.1.10"] {
            let err = parse(&["--listen", listen], &[]).unwrap_err();
            assert!(err.to_string().contains("--allow-trust-remote"), "{err}");
            parse(&["--listen", listen, "--allow-trust-remote", "1"], &[]).unwrap();
            parse(
                &["--listen", listen],
                &[("PGSQLITE_ALLOW_TRUST_REMOTE", "1")],
            )
            .unwrap();
            parse(&["--listen", listen, "--password", "pw"], &[]).unwrap();
            let err = parse(
                &[
                    "--listen",
                    listen,
                    "--auth-method",
                    "trust",
                    "--password",
                    "pw",
                ],
                &[],
            )
            .unwrap_err();
            assert!(err.to_string().contains("--allow-trust-remote"), "{err}");
        }
        for listen in ["127.0.0.1", "localhost", "::1", "127.0.0.2"] {
            parse(&["--listen", listen], &[]).unwrap();
        }
    }

    #[test]
    fn passwd_subcommand_arguments() {
        let passwd = |args: &[&str], env: Option<&str>| {
            Config::from_args(args.iter().copied(), |name| {
                (name == "PGSQLITE_USERS_FILE")
                    .then(|| env.map(str::to_string))
                    .flatten()
            })
        };
        match passwd(&["passwd", "--users-file", "/tmp/u", "alice"], None).unwrap() {
            Command::Passwd { users_file, user } => {
                assert_eq!(
                    (users_file, user.as_str()),
                    (PathBuf::from("/tmp/u"), "alice")
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            passwd(&["passwd", "bob"], Some("/tmp/v")).unwrap(),
            Command::Passwd { user, .. } if user == "bob"
        ));
        assert!(
            passwd(&["passwd", "bob"], None)
                .unwrap_err()
                .to_string()
                .contains("--users-file")
        );
        assert!(passwd(&["passwd"], Some("/tmp/v")).is_err());
        assert!(passwd(&["passwd", "a", "b"], Some("/tmp/v")).is_err());
        assert!(passwd(&["passwd", "a:b"], Some("/tmp/v")).is_err());
    }

    #[test]
    fn help_lists_every_option() {
        let text = usage();
        for opt in OPTIONS {
            assert!(
                text.contains(opt.flag) && text.contains(opt.env),
                "{}",
                opt.flag
            );
        }
        assert!(text.contains("pgsqlite passwd"));
    }

    #[test]
    fn seed_variables_and_their_defaults() {
        let c = parse(&[], &[]).unwrap();
        assert_eq!(c.buffer_pool, BufferPoolConfig::default());
        assert_eq!(
            (
                c.buffer_pool.max_pool_size,
                c.buffer_pool.initial_buffer_capacity
            ),
            (50, 4096)
        );
        assert_eq!(c.buffer_pool.max_buffer_capacity, 65536);
        assert_eq!(c.memory_monitor.memory_threshold, 67_108_864);
        assert_eq!(c.memory_monitor.high_memory_threshold, 134_217_728);
        assert_eq!(c.memory_monitor.check_interval, Duration::from_secs(10));
        assert_eq!(
            (c.batching.max_batch_size, c.batching.max_batch_bytes),
            (50, 32768)
        );
        assert!(!c.batching.enable_batching && !c.memory_monitor.enable_auto_cleanup);
        let c = parse(
            &[],
            &[
                ("PGSQLITE_BUFFER_POOL_SIZE", "100"),
                ("PGSQLITE_BUFFER_INITIAL_CAPACITY", "8192"),
                ("PGSQLITE_BUFFER_MAX_CAPACITY", "131072"),
                ("PGSQLITE_BUFFER_MONITORING", "1"),
                ("PGSQLITE_MEMORY_THRESHOLD", "134217728"),
                ("PGSQLITE_HIGH_MEMORY_THRESHOLD", "268435456"),
                ("PGSQLITE_MEMORY_CHECK_INTERVAL", "5"),
                ("PGSQLITE_AUTO_CLEANUP", "1"),
                ("PGSQLITE_MEMORY_MONITORING", "1"),
                ("PGSQLITE_ENABLE_BATCHING", "1"),
                ("PGSQLITE_BATCH_SIZE", "100"),
                ("PGSQLITE_BATCH_BYTES", "65536"),
            ],
        )
        .unwrap();
        assert_eq!(c.buffer_pool.max_pool_size, 100);
        assert_eq!(c.buffer_pool.initial_buffer_capacity, 8192);
        assert_eq!(c.buffer_pool.max_buffer_capacity, 131072);
        assert!(c.buffer_pool.enable_monitoring);
        assert_eq!(c.memory_monitor.high_memory_threshold, 268_435_456);
        assert_eq!(c.memory_monitor.check_interval, Duration::from_secs(5));
        assert!(
            c.memory_monitor.enable_auto_cleanup && c.memory_monitor.enable_detailed_monitoring
        );
        assert!(c.batching.enable_batching);
        assert_eq!(
            (c.batching.max_batch_size, c.batching.max_batch_bytes),
            (100, 65536)
        );
        let missing = !cfg!(all(
            feature = "pooling",
            feature = "monitor",
            feature = "batching"
        ));
        assert_eq!(!c.notes.is_empty(), missing, "{:?}", c.notes);
    }
}
