//! The command line as clap sees it: every flag with its `PGSQLITE_*` variable, its
//! help, and the `passwd` subcommand. Values stay text here; [`super::Config::from_args`]
//! converts them, so that an invalid value names the flag or the variable it came from.

use clap::{Parser, Subcommand};

// `pgsqlite [OPTIONS]` and `pgsqlite passwd`. The fields declare the options for clap
// (flag, variable, value name, help); they are read by id from the matches together
// with where each value came from, not from a parsed `Cli`. (Plain comments: clap would
// show a doc comment as the command's description.)
#[derive(Parser, Debug)]
#[command(
    name = "pgsqlite",
    version,
    about = "pgsqlite: a PostgreSQL wire-protocol server over SQLite",
    long_about = None,
    after_help = "Every option can also be set with the environment variable shown; a flag beats its variable."
)]
#[allow(dead_code)]
pub(super) struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,

    /// SQLite database file (created if missing; WAL mode). Default: a shared in-memory database
    #[arg(long, env = "PGSQLITE_DATABASE", value_name = "PATH")]
    database: Option<String>,

    /// TCP port, also used in the Unix socket name .s.PGSQL.N. Default: 5432
    #[arg(long, env = "PGSQLITE_PORT", value_name = "N")]
    port: Option<String>,

    /// TCP listen address, or "none" for no TCP. Default: 127.0.0.1
    #[arg(long, env = "PGSQLITE_LISTEN", value_name = "ADDR")]
    listen: Option<String>,

    /// scram-sha-256, md5, password or trust. Default: scram-sha-256 if a password or users file is given, else trust
    #[arg(long, env = "PGSQLITE_AUTH_METHOD", value_name = "METHOD")]
    auth_method: Option<String>,

    /// The user --password belongs to; alone, under trust, the only user name accepted. Default: postgres
    #[arg(long, env = "PGSQLITE_USER", value_name = "NAME")]
    user: Option<String>,

    /// Password of --user (prefer the variable: flags show in ps). Default: none
    #[arg(
        long,
        env = "PGSQLITE_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    password: Option<String>,

    /// File of user:SCRAM-verifier lines, written by `pgsqlite passwd`. Default: none
    #[arg(long, env = "PGSQLITE_USERS_FILE", value_name = "PATH")]
    users_file: Option<String>,

    /// Start with trust authentication on a non-loopback address (anyone who reaches the port gets the database). Default: 0
    #[arg(long, env = "PGSQLITE_ALLOW_TRUST_REMOTE", value_name = "BOOL")]
    allow_trust_remote: Option<String>,

    /// Most client connections at once; more get 53300. Default: 100
    #[arg(long, env = "PGSQLITE_MAX_CONNECTIONS", value_name = "N")]
    max_connections: Option<String>,

    /// Time a client has to finish startup and authentication (or a span: 500ms, 1min). Default: 60
    #[arg(long, env = "PGSQLITE_AUTHENTICATION_TIMEOUT", value_name = "SECONDS")]
    authentication_timeout: Option<String>,

    /// Close sessions idle inside a transaction this long (25P03; or a span: 5s, 1min; 0: never). Default: 0
    #[arg(
        long,
        env = "PGSQLITE_IDLE_IN_TRANSACTION_SESSION_TIMEOUT",
        value_name = "MS"
    )]
    idle_in_transaction_session_timeout: Option<String>,

    /// Close sessions idle outside a transaction this long (57P05; or a span; 0: never). Default: 0
    #[arg(long, env = "PGSQLITE_IDLE_SESSION_TIMEOUT", value_name = "MS")]
    idle_session_timeout: Option<String>,

    /// PEM certificate chain for TLS (with --tls-key); SSLRequest is then answered S. Default: none
    #[arg(long, env = "PGSQLITE_TLS_CERT", value_name = "FILE")]
    tls_cert: Option<String>,

    /// PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1). Default: none
    #[arg(long, env = "PGSQLITE_TLS_KEY", value_name = "FILE")]
    tls_key: Option<String>,

    /// Generate a self-signed certificate for localhost/127.0.0.1 at start (development only). Default: 0
    #[arg(long, env = "PGSQLITE_TLS_SELF_SIGNED", value_name = "0|1")]
    tls_self_signed: Option<String>,

    /// Refuse TCP clients that do not use TLS (28000). Default: 0
    #[arg(long, env = "PGSQLITE_REQUIRE_TLS", value_name = "0|1")]
    require_tls: Option<String>,

    /// Also listen on the Unix socket DIR/.s.PGSQL.<port> (psql -h DIR). Default: none
    #[arg(long, env = "PGSQLITE_SOCKET_DIR", value_name = "DIR")]
    socket_dir: Option<String>,

    /// Writer strategy: framed, direct or pooled (as compiled in). Default: the best compiled in
    #[arg(long, env = "PGSQLITE_WRITER", value_name = "STRATEGY")]
    writer: Option<String>,

    /// error, warn, info, debug or trace. Default: info
    #[arg(long, env = "PGSQLITE_LOG_LEVEL", value_name = "LEVEL")]
    log_level: Option<String>,

    /// Worker threads serving sessions. Default: the number of CPUs
    #[arg(long, env = "PGSQLITE_WORKERS", value_name = "N")]
    workers: Option<String>,

    /// Largest message accepted from a client. Default: 1073741823
    #[arg(long, env = "PGSQLITE_MAX_MESSAGE_SIZE", value_name = "BYTES")]
    max_message_size: Option<String>,

    /// Input read ahead of a busy session (pipelining clients); 0 reads inline. Default: 16777216
    #[arg(long, env = "PGSQLITE_READ_AHEAD", value_name = "BYTES")]
    read_ahead: Option<String>,

    /// Milliseconds a statement waits for another session's lock. Default: 5000
    #[arg(long, env = "PGSQLITE_BUSY_TIMEOUT", value_name = "MS")]
    busy_timeout: Option<String>,

    /// Microseconds an idle worker polls its clients' sockets before sleeping (0: off). Default: 50
    #[arg(long, env = "PGSQLITE_BUSY_POLL", value_name = "US")]
    busy_poll: Option<String>,

    /// Lock the database file against other processes while serving (0: share it, at two fcntl calls per transaction). Default: 1
    #[arg(long, env = "PGSQLITE_EXCLUSIVE_ACCESS", value_name = "BOOL")]
    exclusive_access: Option<String>,

    /// Concurrent commits share one WAL sync, each acknowledged once on disk (0: one sync per commit). Default: 1
    #[arg(long, env = "PGSQLITE_GROUP_COMMIT", value_name = "BOOL")]
    group_commit: Option<String>,

    /// Milliseconds shutdown waits for running statements. Default: 5000
    #[arg(long, env = "PGSQLITE_SHUTDOWN_TIMEOUT", value_name = "MS")]
    shutdown_timeout: Option<String>,

    /// Buffers the global pool keeps. Default: 50
    #[arg(long, env = "PGSQLITE_BUFFER_POOL_SIZE", value_name = "N")]
    buffer_pool_size: Option<String>,

    /// Capacity of a new pooled buffer. Default: 4096
    #[arg(long, env = "PGSQLITE_BUFFER_INITIAL_CAPACITY", value_name = "BYTES")]
    buffer_initial_capacity: Option<String>,

    /// Buffers that grew past this are dropped, not pooled. Default: 65536
    #[arg(long, env = "PGSQLITE_BUFFER_MAX_CAPACITY", value_name = "BYTES")]
    buffer_max_capacity: Option<String>,

    /// Log buffer pool statistics periodically. Default: 0
    #[arg(long, env = "PGSQLITE_BUFFER_MONITORING", value_name = "0|1")]
    buffer_monitoring: Option<String>,

    /// Buffer bytes at which memory pressure is Medium. Default: 67108864
    #[arg(long, env = "PGSQLITE_MEMORY_THRESHOLD", value_name = "BYTES")]
    memory_threshold: Option<String>,

    /// Buffer bytes at which memory pressure is High. Default: 134217728
    #[arg(long, env = "PGSQLITE_HIGH_MEMORY_THRESHOLD", value_name = "BYTES")]
    high_memory_threshold: Option<String>,

    /// Seconds between memory checks. Default: 10
    #[arg(long, env = "PGSQLITE_MEMORY_CHECK_INTERVAL", value_name = "SECONDS")]
    memory_check_interval: Option<String>,

    /// Under memory pressure, shrink the pool and batch earlier. Default: 0
    #[arg(long, env = "PGSQLITE_AUTO_CLEANUP", value_name = "0|1")]
    auto_cleanup: Option<String>,

    /// Log every memory check (at info). Default: 0
    #[arg(long, env = "PGSQLITE_MEMORY_MONITORING", value_name = "0|1")]
    memory_monitoring: Option<String>,

    /// Batch DataRows by count and bytes. Default: 0
    #[arg(long, env = "PGSQLITE_ENABLE_BATCHING", value_name = "0|1")]
    enable_batching: Option<String>,

    /// DataRows per batch. Default: 50
    #[arg(long, env = "PGSQLITE_BATCH_SIZE", value_name = "N")]
    batch_size: Option<String>,

    /// Bytes per batch. Default: 32768
    #[arg(long, env = "PGSQLITE_BATCH_BYTES", value_name = "BYTES")]
    batch_bytes: Option<String>,

    /// Values this large are sent by reference and kept memory-mapped. Default: 8192
    #[arg(long, env = "PGSQLITE_MMAP_THRESHOLD", value_name = "BYTES")]
    mmap_threshold: Option<String>,

    /// Memory-map large values. Default: 1
    #[arg(long, env = "PGSQLITE_ENABLE_MMAP", value_name = "0|1")]
    enable_mmap: Option<String>,

    /// Where memory-mapped temporary files are made. Default: the system temp dir
    #[arg(long, env = "PGSQLITE_TEMP_DIR", value_name = "DIR")]
    temp_dir: Option<String>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
#[allow(dead_code)]
pub(super) enum Sub {
    /// Write USER's SCRAM-SHA-256 verifier into the users file; the password is read from
    /// the terminal (twice) or one line of stdin.
    Passwd {
        /// The users file to update (created if missing).
        #[arg(long, env = "PGSQLITE_USERS_FILE", value_name = "PATH")]
        users_file: Option<String>,
        /// Whose entry to write.
        #[arg(value_name = "USER")]
        user: String,
    },
}
