//! Server configuration: defaults, `PGSQLITE_*` environment variables and command-line
//! flags, in increasing order of precedence.

use crate::error::Error;
use crate::protocol::codec::DEFAULT_MAX_MESSAGE_LEN;
use crate::writer::WriterStrategy;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// How long shutdown waits for running statements before interrupting them.
    pub shutdown_timeout: Duration,
}

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
            shutdown_timeout: Duration::from_secs(5),
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
}

/// One option: its flag, its environment variable, and how it sets the config.
struct Opt {
    flag: &'static str,
    env: &'static str,
    value: &'static str,
    help: &'static str,
    apply: fn(&mut Config, &str) -> Result<(), String>,
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
    },
    Opt {
        flag: "--writer",
        env: "PGSQLITE_WRITER",
        value: "STRATEGY",
        help: "Writer strategy: framed or direct (as compiled in). Default: the best compiled in",
        apply: |c, v| {
            c.writer = v.parse()?;
            Ok(())
        },
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
    },
    Opt {
        flag: "--read-ahead",
        env: "PGSQLITE_READ_AHEAD",
        value: "BYTES",
        help: "Input read ahead of a busy session (pipelining clients). Default: 16777216",
        apply: |c, v| {
            c.read_ahead_bytes = positive(v)?;
            Ok(())
        },
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
        let mut config = Config::default();
        for opt in OPTIONS {
            if let Some(value) = env(opt.env) {
                (opt.apply)(&mut config, &value).map_err(|message| Error::Config {
                    name: opt.env.to_string(),
                    message,
                })?;
            }
        }
        let mut args = args.into_iter().map(Into::into);
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
        }
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

/// The `--help` text.
pub fn usage() -> String {
    let mut text = String::from(
        "pgsqlite: a PostgreSQL wire-protocol server over SQLite\n\n\
         Usage: pgsqlite [OPTIONS]\n\n\
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
            Command::Print(_) => panic!("expected a config"),
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
    }
}
