//! Server configuration: defaults, `PGSQLITE_*` environment variables and command-line
//! flags, in increasing order of precedence.
//!
//! [`Config`] is a plain struct that embedding code fills in directly. The command line
//! is declared for clap in `config/cli.rs` (flags, variables, help, the `passwd` subcommand);
//! [`Config::from_args`] lets clap find each value and where it came from, and converts
//! it here, so that an invalid value is an error naming its flag or variable.

mod cli;

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

/// How one option (clap id `id`, declared in `cli::Cli`) sets the config.
struct Opt {
    id: &'static str,
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
        id: "database",
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
        id: "port",
        apply: |c, v| {
            c.port = number(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "listen",
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
        id: "auth_method",
        apply: |c, v| {
            c.auth_method = Some(v.parse()?);
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "user",
        apply: |c, v| {
            crate::auth::users::check_user_name(v)?;
            c.user = Some(v.to_string());
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "password",
        apply: |c, v| {
            c.password = (!v.is_empty()).then(|| Password(v.to_string()));
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "users_file",
        apply: |c, v| {
            c.users_file = (!v.is_empty()).then(|| PathBuf::from(v));
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "allow_trust_remote",
        apply: |c, v| {
            c.allow_trust_remote = flag(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "max_connections",
        apply: |c, v| {
            c.max_connections = positive(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "authentication_timeout",
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
        id: "idle_in_transaction_session_timeout",
        apply: |c, v| {
            c.idle_in_transaction_session_timeout = time_span(v, Duration::from_millis(1))?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "idle_session_timeout",
        apply: |c, v| {
            c.idle_session_timeout = time_span(v, Duration::from_millis(1))?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "tls_cert",
        apply: |c, v| {
            c.tls_cert = (!v.is_empty()).then(|| PathBuf::from(v));
            Ok(())
        },
        feature: Some(("tls", cfg!(feature = "tls"))),
    },
    Opt {
        id: "tls_key",
        apply: |c, v| {
            c.tls_key = (!v.is_empty()).then(|| PathBuf::from(v));
            Ok(())
        },
        feature: Some(("tls", cfg!(feature = "tls"))),
    },
    Opt {
        id: "tls_self_signed",
        apply: |c, v| {
            c.tls_self_signed = flag(v)?;
            Ok(())
        },
        feature: Some(("tls", cfg!(feature = "tls"))),
    },
    Opt {
        id: "require_tls",
        apply: |c, v| {
            c.require_tls = flag(v)?;
            Ok(())
        },
        feature: Some(("tls", cfg!(feature = "tls"))),
    },
    Opt {
        id: "socket_dir",
        apply: |c, v| {
            c.socket_dir = (!v.is_empty()).then(|| PathBuf::from(v));
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "writer",
        apply: |c, v| {
            c.writer = v.parse()?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "log_level",
        apply: |c, v| {
            c.log_level = v
                .parse()
                .map_err(|_| format!("{v:?} is not one of error, warn, info, debug, trace"))?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "workers",
        apply: |c, v| {
            c.workers = positive(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "max_message_size",
        apply: |c, v| {
            c.max_message_size = positive(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "read_ahead",
        apply: |c, v| {
            c.read_ahead_bytes = number(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "busy_timeout",
        apply: |c, v| {
            c.busy_timeout = Duration::from_millis(number(v)?);
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "busy_poll",
        apply: |c, v| {
            c.busy_poll = Duration::from_micros(number(v)?);
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "exclusive_access",
        apply: |c, v| {
            c.exclusive_access = flag(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "group_commit",
        apply: |c, v| {
            c.group_commit = flag(v)?;
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "shutdown_timeout",
        apply: |c, v| {
            c.shutdown_timeout = Duration::from_millis(number(v)?);
            Ok(())
        },
        feature: ALWAYS,
    },
    Opt {
        id: "buffer_pool_size",
        apply: |c, v| {
            c.buffer_pool.max_pool_size = number(v)?;
            Ok(())
        },
        feature: Some(("pooling", cfg!(feature = "pooling"))),
    },
    Opt {
        id: "buffer_initial_capacity",
        apply: |c, v| {
            c.buffer_pool.initial_buffer_capacity = number(v)?;
            Ok(())
        },
        feature: Some(("pooling", cfg!(feature = "pooling"))),
    },
    Opt {
        id: "buffer_max_capacity",
        apply: |c, v| {
            c.buffer_pool.max_buffer_capacity = number(v)?;
            Ok(())
        },
        feature: Some(("pooling", cfg!(feature = "pooling"))),
    },
    Opt {
        id: "buffer_monitoring",
        apply: |c, v| {
            c.buffer_pool.enable_monitoring = flag(v)?;
            Ok(())
        },
        feature: Some(("pooling", cfg!(feature = "pooling"))),
    },
    Opt {
        id: "memory_threshold",
        apply: |c, v| {
            c.memory_monitor.memory_threshold = number(v)?;
            Ok(())
        },
        feature: Some(("monitor", cfg!(feature = "monitor"))),
    },
    Opt {
        id: "high_memory_threshold",
        apply: |c, v| {
            c.memory_monitor.high_memory_threshold = number(v)?;
            Ok(())
        },
        feature: Some(("monitor", cfg!(feature = "monitor"))),
    },
    Opt {
        id: "memory_check_interval",
        apply: |c, v| {
            c.memory_monitor.check_interval = Duration::from_secs(positive(v)? as u64);
            Ok(())
        },
        feature: Some(("monitor", cfg!(feature = "monitor"))),
    },
    Opt {
        id: "auto_cleanup",
        apply: |c, v| {
            c.memory_monitor.enable_auto_cleanup = flag(v)?;
            Ok(())
        },
        feature: Some(("monitor", cfg!(feature = "monitor"))),
    },
    Opt {
        id: "memory_monitoring",
        apply: |c, v| {
            c.memory_monitor.enable_detailed_monitoring = flag(v)?;
            Ok(())
        },
        feature: Some(("monitor", cfg!(feature = "monitor"))),
    },
    Opt {
        id: "enable_batching",
        apply: |c, v| {
            c.batching.enable_batching = flag(v)?;
            Ok(())
        },
        feature: Some(("batching", cfg!(feature = "batching"))),
    },
    Opt {
        id: "batch_size",
        apply: |c, v| {
            c.batching.max_batch_size = number(v)?;
            Ok(())
        },
        feature: Some(("batching", cfg!(feature = "batching"))),
    },
    Opt {
        id: "batch_bytes",
        apply: |c, v| {
            c.batching.max_batch_bytes = number(v)?;
            Ok(())
        },
        feature: Some(("batching", cfg!(feature = "batching"))),
    },
    Opt {
        id: "mmap_threshold",
        apply: |c, v| {
            c.mmap.threshold = number(v)?;
            Ok(())
        },
        feature: Some(("mmap", cfg!(feature = "mmap"))),
    },
    Opt {
        id: "enable_mmap",
        apply: |c, v| {
            c.mmap.enabled = flag(v)?;
            Ok(())
        },
        feature: Some(("mmap", cfg!(feature = "mmap"))),
    },
    Opt {
        id: "temp_dir",
        apply: |c, v| {
            c.mmap.temp_dir = (!v.is_empty()).then(|| PathBuf::from(v));
            Ok(())
        },
        feature: Some(("mmap", cfg!(feature = "mmap"))),
    },
];

impl Config {
    /// Parses the command-line arguments (without the program name) and the
    /// `PGSQLITE_*` variables: those of the process environment (read by clap), and
    /// then, for variables the process lacks, those `env` finds (embedding code and
    /// tests supply variables this way; the binary passes `|_| None`). A flag beats its
    /// variable. An invalid value is an error naming the flag or variable it came from;
    /// it is never replaced by a default.
    pub fn from_args<I, S>(args: I, env: impl Fn(&str) -> Option<String>) -> Result<Command, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        use clap::CommandFactory;
        use clap::parser::ValueSource;
        let args = std::iter::once("pgsqlite".to_string()).chain(args.into_iter().map(Into::into));
        let command = cli::Cli::command();
        let matches = match command.clone().try_get_matches_from(args) {
            Ok(matches) => matches,
            Err(err) => return clap_outcome(err),
        };
        if let Some(("passwd", sub)) = matches.subcommand() {
            return passwd_args(sub, &env);
        }
        let mut config = Config::default();
        for opt in OPTIONS {
            let Some(arg) = command.get_arguments().find(|a| a.get_id() == opt.id) else {
                continue;
            };
            let variable = arg.get_env().and_then(|v| v.to_str()).unwrap_or_default();
            let flag = format!("--{}", arg.get_long().unwrap_or(opt.id));
            let (value, source) = match (
                matches.get_one::<String>(opt.id),
                matches.value_source(opt.id),
            ) {
                (Some(value), Some(ValueSource::CommandLine)) => (value.clone(), flag),
                (Some(value), _) => (value.clone(), variable.to_string()),
                (None, _) => match env(variable) {
                    Some(value) => (value, variable.to_string()),
                    None => continue,
                },
            };
            (opt.apply)(&mut config, &value).map_err(|message| Error::Config {
                name: source.clone(),
                message,
            })?;
            config.note_missing_feature(opt, &source);
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

/// What a clap "error" means: help or version text to print, or a mistake on the
/// command line, named by the option clap found at fault.
fn clap_outcome(err: clap::Error) -> Result<Command, Error> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => Ok(Command::Print(
            err.render().to_string().trim_end().to_string(),
        )),
        _ => {
            let name = match err.get(ContextKind::InvalidArg) {
                Some(ContextValue::String(arg)) => {
                    // "--port <N>": the option's name without its value name.
                    arg.split_whitespace().next().unwrap_or(arg).to_string()
                }
                Some(ContextValue::Strings(args)) => args.join(", "),
                _ => "the command line".to_string(),
            };
            // clap's message without its "error: " prefix, the usage and the pointer
            // to --help.
            let text = err.render().to_string();
            let mut message = String::new();
            for line in text.lines().map(str::trim) {
                if line.starts_with("Usage:") || line.starts_with("For more information") {
                    break;
                }
                if line.is_empty() {
                    continue;
                }
                if !message.is_empty() {
                    message.push_str(if message.ends_with(':') { " " } else { "; " });
                }
                message.push_str(line.trim_start_matches("error: "));
            }
            Err(Error::Config { name, message })
        }
    }
}

/// The `passwd` subcommand's arguments.
fn passwd_args(
    matches: &clap::ArgMatches,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Command, Error> {
    let user = matches
        .get_one::<String>("user")
        .cloned()
        .unwrap_or_default();
    crate::auth::users::check_user_name(&user).map_err(|message| Error::Config {
        name: "passwd".to_string(),
        message,
    })?;
    let users_file = matches
        .get_one::<String>("users_file")
        .cloned()
        .or_else(|| env("PGSQLITE_USERS_FILE"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::Config {
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
    use clap::CommandFactory;
    cli::Cli::command().render_long_help().to_string()
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
        use clap::CommandFactory;
        let text = usage();
        let command = cli::Cli::command();
        for opt in OPTIONS {
            let arg = command
                .get_arguments()
                .find(|a| a.get_id() == opt.id)
                .unwrap_or_else(|| panic!("{} is not declared for clap", opt.id));
            let flag = format!("--{}", arg.get_long().unwrap());
            let variable = arg.get_env().unwrap().to_str().unwrap();
            assert!(variable.starts_with("PGSQLITE_"), "{variable}");
            assert!(
                text.contains(&flag) && text.contains(variable),
                "{flag} {variable}"
            );
        }
        // Every declared option is applied (none is declared and forgotten).
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            assert!(
                ["help", "version"].contains(&id) || OPTIONS.iter().any(|o| o.id == id),
                "{id} has no Opt"
            );
        }
        assert!(text.contains("passwd"));
        match Config::from_args(["--help"], |_| None).unwrap() {
            Command::Print(help) => assert!(help.contains("--max-connections")),
            other => panic!("{other:?}"),
        }
        match Config::from_args(["--version"], |_| None).unwrap() {
            Command::Print(version) => assert!(version.contains(env!("CARGO_PKG_VERSION"))),
            other => panic!("{other:?}"),
        }
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
