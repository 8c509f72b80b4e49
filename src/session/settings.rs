//! Session parameters: what SET, SHOW and RESET act on, and what ParameterStatus reports.

use crate::error::{PgError, SqlState};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A session's parameters, shared with its executor so that SQL functions
/// (`current_setting`, `set_config`) read and change the same values as SET and SHOW.
pub type SharedSettings = Arc<Mutex<Settings>>;

/// Locks shared settings; a panic while they were locked leaves them usable.
pub fn lock(settings: &SharedSettings) -> MutexGuard<'_, Settings> {
    settings
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The version pgsqlite reports as `server_version`: the PostgreSQL release whose
/// protocol and behaviour it follows.
pub const SERVER_VERSION: &str = "15.0 (pgsqlite)";

/// One parameter pgsqlite knows.
struct Spec {
    /// The canonical spelling (as PostgreSQL reports it).
    name: &'static str,
    /// Startup value.
    default: &'static str,
    /// Sent in ParameterStatus at startup and whenever it changes.
    report: bool,
    /// Set by the server only.
    read_only: bool,
    /// Accepts a value or explains why not.
    check: fn(&str) -> Result<String, String>,
    /// Shown by SHOW ALL.
    description: &'static str,
}

fn any(value: &str) -> Result<String, String> {
    Ok(value.to_string())
}

fn isolation_level(value: &str) -> Result<String, String> {
    let words: Vec<String> = value
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let name = words.join(" ");
    match crate::executor::Isolation::from_name(&name) {
        Some(_) => Ok(name),
        None => Err(
            "Available values: serializable, repeatable read, read committed, read uncommitted."
                .to_string(),
        ),
    }
}

/// Accepts an encoding name as PostgreSQL does: case, punctuation and quotes do not
/// count (`utf8`, `UTF-8`, `'utf-8'`, as asyncpg sends it), and `unicode` is an alias.
/// pgsqlite speaks UTF8 only.
fn encoding(value: &str) -> Result<String, String> {
    let cleaned: String = value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match cleaned.as_str() {
        "utf8" | "unicode" => Ok("UTF8".to_string()),
        _ => Err(format!(
            "encoding \"{value}\" is not supported: pgsqlite speaks UTF8 only"
        )),
    }
}

fn date_style(value: &str) -> Result<String, String> {
    let mut order = "MDY";
    let mut style = "ISO";
    for part in value.split(',').map(str::trim) {
        match part.to_ascii_uppercase().as_str() {
            "ISO" => style = "ISO",
            "MDY" | "US" | "NONEURO" | "NONEUROPEAN" => order = "MDY",
            "DMY" | "EURO" | "EUROPEAN" => order = "DMY",
            "YMD" => order = "YMD",
            "" | "DEFAULT" => {}
            other => {
                return Err(format!(
                    "DateStyle \"{other}\" is not supported: pgsqlite writes dates in ISO style"
                ));
            }
        }
    }
    Ok(format!("{style}, {order}"))
}

fn on_only(value: &str) -> Result<String, String> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok("on".to_string()),
        _ => Err("only \"on\" is supported".to_string()),
    }
}

fn boolean(value: &str) -> Result<String, String> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" | "t" => Ok("on".to_string()),
        "off" | "false" | "0" | "no" | "f" => Ok("off".to_string()),
        _ => Err(format!("requires a Boolean value, not \"{value}\"")),
    }
}

fn xml_option(value: &str) -> Result<String, String> {
    match value.to_ascii_lowercase().as_str() {
        v @ ("content" | "document") => Ok(v.to_string()),
        _ => Err(format!(
            "\"{value}\" is neither \"content\" nor \"document\""
        )),
    }
}

fn warning_or_error(value: &str) -> Result<String, String> {
    match value.to_ascii_lowercase().as_str() {
        v @ ("warning" | "error") => Ok(v.to_string()),
        _ => Err("the value must be \"warning\" or \"error\"".to_string()),
    }
}

fn heap_only(value: &str) -> Result<String, String> {
    match value.to_ascii_lowercase().as_str() {
        "heap" => Ok("heap".to_string()),
        _ => Err(format!(
            "table access method \"{value}\" does not exist: SQLite stores every table"
        )),
    }
}

fn integer(value: &str) -> Result<String, String> {
    value
        .trim()
        .parse::<i32>()
        .map(|v| v.to_string())
        .map_err(|_| format!("invalid value \"{value}\": an integer is required"))
}

fn milliseconds(value: &str) -> Result<String, String> {
    parse_duration(value)
        .map(|d| show_milliseconds(d.as_millis()))
        .ok_or_else(|| {
            format!("invalid value \"{value}\": a time span like 5000, '5s' or '1min' is required")
        })
}

/// A time span as PostgreSQL's SHOW prints a setting in milliseconds: `0`, or the number
/// in the largest unit that divides it exactly (`1500ms`, `2s`, `1min`, `3h`, `1d`).
pub fn show_milliseconds(ms: u128) -> String {
    const UNITS: [(u128, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "min"),
        (1_000, "s"),
    ];
    if ms == 0 {
        return "0".to_string();
    }
    match UNITS.iter().find(|(size, _)| ms % size == 0) {
        Some((size, unit)) => format!("{}{unit}", ms / size),
        None => format!("{ms}ms"),
    }
}

/// A memory size as PostgreSQL's SHOW prints it: a bare number is in kilobytes; the
/// result is in the largest unit (`kB`, `MB`, `GB`, `TB`) that divides it exactly.
fn kilobytes(value: &str) -> Result<String, String> {
    let invalid =
        || format!("invalid value \"{value}\": a size like 4096, '8MB' or '1GB' is required");
    let value = value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let scale: u64 = match unit.trim() {
        "" | "kB" => 1,
        "MB" => 1 << 10,
        "GB" => 1 << 20,
        "TB" => 1 << 30,
        _ => return Err(invalid()),
    };
    let kb = number.checked_mul(scale).ok_or_else(invalid)?;
    const UNITS: [(u64, &str); 3] = [(1 << 30, "TB"), (1 << 20, "GB"), (1 << 10, "MB")];
    Ok(
        match UNITS.iter().find(|(size, _)| kb != 0 && kb % size == 0) {
            Some((size, unit)) => format!("{}{unit}", kb / size),
            None => format!("{kb}kB"),
        },
    )
}

fn hex_only(value: &str) -> Result<String, String> {
    match value.to_ascii_lowercase().as_str() {
        "hex" => Ok("hex".to_string()),
        _ => Err("only \"hex\" is supported".to_string()),
    }
}

/// Parses a PostgreSQL time span: a bare number of milliseconds, or a number with a unit
/// (`us`, `ms`, `s`, `min`, `h`, `d`).
pub fn parse_duration(value: &str) -> Option<Duration> {
    let value = value.trim();
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    let millis = match unit.trim() {
        "" | "ms" => number,
        "us" => number / 1000.0,
        "s" => number * 1000.0,
        "min" => number * 60_000.0,
        "h" => number * 3_600_000.0,
        "d" => number * 86_400_000.0,
        _ => return None,
    };
    (millis.is_finite() && millis >= 0.0).then(|| Duration::from_micros((millis * 1000.0) as u64))
}

const SPECS: &[Spec] = &[
    Spec {
        name: "application_name",
        default: "",
        report: true,
        read_only: false,
        check: any,
        description: "Sets the application name to be reported in statistics and logs.",
    },
    Spec {
        name: "client_encoding",
        default: "UTF8",
        report: true,
        read_only: false,
        check: encoding,
        description: "Sets the client's character set encoding.",
    },
    Spec {
        name: "DateStyle",
        default: "ISO, MDY",
        report: true,
        read_only: false,
        check: date_style,
        description: "Sets the display format for date and time values.",
    },
    Spec {
        name: "default_transaction_isolation",
        default: "read committed",
        report: false,
        read_only: false,
        check: isolation_level,
        description: "Sets the transaction isolation level of each new transaction.",
    },
    Spec {
        name: "default_transaction_read_only",
        default: "off",
        report: false,
        read_only: false,
        check: boolean,
        description: "Sets the default read-only status of new transactions.",
    },
    Spec {
        name: "extra_float_digits",
        default: "1",
        report: false,
        read_only: false,
        check: integer,
        description: "Sets the number of digits displayed for floating-point values.",
    },
    Spec {
        name: "idle_in_transaction_session_timeout",
        default: "0",
        report: false,
        read_only: false,
        check: milliseconds,
        description: "Sets the maximum allowed idle time between queries, when in a transaction.",
    },
    Spec {
        name: "idle_session_timeout",
        default: "0",
        report: false,
        read_only: false,
        check: milliseconds,
        description: "Sets the maximum allowed idle time between queries, when not in a transaction.",
    },
    Spec {
        name: "integer_datetimes",
        default: "on",
        report: true,
        read_only: true,
        check: on_only,
        description: "Shows whether datetimes are integer based.",
    },
    Spec {
        name: "IntervalStyle",
        default: "postgres",
        report: true,
        read_only: false,
        check: any,
        description: "Sets the display format for interval values.",
    },
    Spec {
        name: "is_superuser",
        default: "on",
        report: true,
        read_only: true,
        check: boolean,
        description: "Shows whether the current user is a superuser.",
    },
    Spec {
        name: "lock_timeout",
        default: "0",
        report: false,
        read_only: false,
        check: milliseconds,
        description: "Sets the maximum allowed duration of any wait for a lock.",
    },
    Spec {
        name: "max_identifier_length",
        default: "63",
        report: false,
        read_only: true,
        check: integer,
        description: "Shows the maximum identifier length.",
    },
    Spec {
        name: "max_index_keys",
        default: "32",
        report: false,
        read_only: true,
        check: integer,
        description: "Shows the maximum number of index keys.",
    },
    Spec {
        name: "bytea_output",
        default: "hex",
        report: false,
        read_only: false,
        check: hex_only,
        description: "Sets the output format for bytea.",
    },
    Spec {
        name: "search_path",
        default: "\"$user\", public",
        report: false,
        read_only: false,
        check: any,
        description: "Sets the schema search order (SQLite has one schema).",
    },
    Spec {
        name: "server_encoding",
        default: "UTF8",
        report: true,
        read_only: true,
        check: encoding,
        description: "Shows the server (database) character set encoding.",
    },
    Spec {
        name: "server_version",
        default: SERVER_VERSION,
        report: true,
        read_only: true,
        check: any,
        description: "Shows the server version.",
    },
    Spec {
        name: "server_version_num",
        default: "150000",
        report: false,
        read_only: true,
        check: integer,
        description: "Shows the server version as an integer.",
    },
    Spec {
        name: "session_authorization",
        default: "",
        report: true,
        read_only: false,
        check: any,
        description: "Sets the session user name.",
    },
    Spec {
        name: "standard_conforming_strings",
        default: "on",
        report: true,
        read_only: false,
        check: on_only,
        description: "Causes '...' strings to treat backslashes literally.",
    },
    Spec {
        name: "statement_timeout",
        default: "0",
        report: false,
        read_only: false,
        check: milliseconds,
        description: "Sets the maximum allowed duration of any statement (milliseconds).",
    },
    Spec {
        name: "synchronous_commit",
        default: "on",
        report: false,
        read_only: false,
        check: any,
        description: "Accepted for compatibility.",
    },
    Spec {
        name: "TimeZone",
        default: "UTC",
        report: true,
        read_only: false,
        check: any,
        description: "Sets the time zone for displaying time stamps (timestamptz is always written in UTC).",
    },
    Spec {
        name: "transaction_isolation",
        default: "read committed",
        report: false,
        read_only: false,
        check: isolation_level,
        description: "Sets the current transaction's isolation level.",
    },
    Spec {
        name: "transaction_read_only",
        default: "off",
        report: false,
        read_only: false,
        check: boolean,
        description: "Shows whether the current transaction is read-only.",
    },
    Spec {
        name: "work_mem",
        default: "4MB",
        report: false,
        read_only: false,
        check: kilobytes,
        description: "Accepted for compatibility: sets the maximum memory to be used for query workspaces.",
    },
    Spec {
        name: "maintenance_work_mem",
        default: "64MB",
        report: false,
        read_only: false,
        check: kilobytes,
        description: "Accepted for compatibility: sets the maximum memory to be used for maintenance operations.",
    },
    Spec {
        name: "temp_buffers",
        default: "8MB",
        report: false,
        read_only: false,
        check: kilobytes,
        description: "Accepted for compatibility: sets the maximum number of temporary buffers used by each session.",
    },
    Spec {
        name: "effective_cache_size",
        default: "4GB",
        report: false,
        read_only: false,
        check: kilobytes,
        description: "Accepted for compatibility: sets the planner's assumption about the size of the data cache.",
    },
    Spec {
        name: "client_min_messages",
        default: "notice",
        report: false,
        read_only: false,
        check: any,
        description: "Accepted for compatibility: sets the message levels that are sent to the client.",
    },
    // Set by every pg_dump script.
    Spec {
        name: "check_function_bodies",
        default: "on",
        report: false,
        read_only: false,
        check: boolean,
        description: "Accepted for compatibility: check routine bodies during CREATE FUNCTION and CREATE PROCEDURE.",
    },
    Spec {
        name: "xmloption",
        default: "content",
        report: false,
        read_only: false,
        check: xml_option,
        description: "Accepted for compatibility: sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments.",
    },
    Spec {
        name: "row_security",
        default: "on",
        report: false,
        read_only: false,
        check: boolean,
        description: "Accepted for compatibility: enable row security (pgsqlite has no row security policies).",
    },
    Spec {
        name: "default_tablespace",
        default: "",
        report: false,
        read_only: false,
        check: any,
        description: "Accepted for compatibility: sets the default tablespace to create tables and indexes in.",
    },
    Spec {
        name: "default_table_access_method",
        default: "heap",
        report: false,
        read_only: false,
        check: heap_only,
        description: "Sets the default table access method for new tables (heap: SQLite's tables).",
    },
    Spec {
        name: "pgsqlite.unsupported_statements",
        default: "error",
        report: false,
        read_only: false,
        check: warning_or_error,
        description: "What a statement whose effect pgsqlite cannot keep (CREATE SEQUENCE, a default or constraint added later; see sql/dump.rs) does: an error (0A000), or skipped with a WARNING. Comments, privileges and owners are always skipped with a WARNING.",
    },
];

fn spec(name: &str) -> Option<(usize, &'static Spec)> {
    let name = match name.to_ascii_lowercase().as_str() {
        "timezone" | "time zone" => "timezone",
        "names" => "client_encoding",
        _ => name,
    };
    SPECS
        .iter()
        .enumerate()
        .find(|(_, s)| s.name.eq_ignore_ascii_case(name))
}

/// The position of a built-in parameter in [`SPECS`].
fn index_of(name: &str) -> usize {
    spec(name)
        .map(|(index, _)| index)
        .expect("a built-in parameter")
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// The modes of `BEGIN`, `SET TRANSACTION` and `SET SESSION CHARACTERISTICS AS
/// TRANSACTION`.
#[derive(Debug, Default, PartialEq, Eq)]
struct TransactionModes {
    /// `ISOLATION LEVEL ...`, as `transaction_isolation` spells it.
    isolation: Option<&'static str>,
    /// `READ ONLY` (true) or `READ WRITE` (false).
    read_only: Option<bool>,
}

impl TransactionModes {
    /// Parses the lower-cased words of the modes, commas standing alone or attached.
    fn parse(modes: &str) -> Result<TransactionModes, PgError> {
        let words: Vec<&str> = modes
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .collect();
        let mut parsed = TransactionModes::default();
        let mut i = 0;
        while i < words.len() {
            match &words[i..] {
                ["isolation", "level", "serializable", ..] => {
                    parsed.isolation = Some("serializable");
                    i += 3;
                }
                ["isolation", "level", "repeatable", "read", ..] => {
                    parsed.isolation = Some("repeatable read");
                    i += 4;
                }
                ["isolation", "level", "read", "committed", ..] => {
                    parsed.isolation = Some("read committed");
                    i += 4;
                }
                ["isolation", "level", "read", "uncommitted", ..] => {
                    parsed.isolation = Some("read uncommitted");
                    i += 4;
                }
                ["read", "only", ..] => {
                    parsed.read_only = Some(true);
                    i += 2;
                }
                ["read", "write", ..] => {
                    parsed.read_only = Some(false);
                    i += 2;
                }
                ["not", "deferrable", ..] => i += 2,
                ["deferrable", ..] => i += 1,
                _ => {
                    return Err(PgError::new(
                        SqlState::SYNTAX_ERROR,
                        format!("syntax error at or near \"{}\"", words[i]),
                    ));
                }
            }
        }
        Ok(parsed)
    }
}

/// A parameter change the client must be told about with ParameterStatus.
pub type Report = Option<(&'static str, String)>;

/// The current values of a session's parameters.
#[derive(Clone, Debug)]
pub struct Settings {
    values: Vec<String>,
    /// What RESET restores: the built-in defaults, or the server's (see `set_default`).
    defaults: Vec<String>,
    custom: Vec<(String, String)>,
    statement_timeout: Duration,
    /// What `SET LOCAL` replaced in the current transaction, oldest first: the name and
    /// the value before (`None`: a custom name that had none), restored when it ends.
    local_undo: Vec<(String, Option<String>)>,
    /// The database the client connected to (`current_database()`).
    database: String,
    /// The process id sent in BackendKeyData (`pg_backend_pid()`).
    backend_pid: i32,
    /// A transaction block is open: `transaction_isolation` is its level, not the default.
    in_transaction: bool,
}

impl Default for Settings {
    fn default() -> Self {
        let defaults: Vec<String> = SPECS.iter().map(|s| s.default.to_string()).collect();
        Settings {
            values: defaults.clone(),
            defaults,
            custom: Vec::new(),
            statement_timeout: Duration::ZERO,
            local_undo: Vec::new(),
            database: String::new(),
            backend_pid: 0,
            in_transaction: false,
        }
    }
}

impl Settings {
    /// Sets a parameter as the client asked (`SET name TO value`, a startup parameter);
    /// `None` restores the default. Returns the ParameterStatus to send, if any.
    pub fn set(&mut self, name: &str, value: Option<&str>) -> Result<Report, PgError> {
        let Some((index, spec)) = spec(name) else {
            if name.contains('.') {
                let value = value.unwrap_or("").to_string();
                match self
                    .custom
                    .iter_mut()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                {
                    Some(slot) => slot.1 = value,
                    None => self.custom.push((name.to_ascii_lowercase(), value)),
                }
                return Ok(None);
            }
            return Err(PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("unrecognized configuration parameter \"{name}\""),
            ));
        };
        let value = match value {
            None => self.defaults[index].clone(),
            Some(v) => (spec.check)(v).map_err(|why| {
                PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid value for parameter \"{}\": \"{v}\"", spec.name),
                )
                .with_detail(why)
            })?,
        };
        if spec.read_only && value != self.values[index] {
            return Err(PgError::new(
                SqlState::CANT_CHANGE_RUNTIME_PARAM,
                format!("parameter \"{}\" cannot be changed", spec.name),
            ));
        }
        if spec.name == "statement_timeout" {
            self.statement_timeout = parse_duration(&value).unwrap_or_default();
        }
        if !self.in_transaction {
            // Outside a block, the next transaction's modes are the defaults.
            match spec.name {
                "default_transaction_isolation" => self.set_value("transaction_isolation", &value),
                "default_transaction_read_only" => self.set_value("transaction_read_only", &value),
                _ => {}
            }
        }
        let changed = self.values[index] != value;
        self.values[index] = value;
        Ok((spec.report && changed).then(|| (spec.name, self.values[index].clone())))
    }

    /// Sets a parameter for the rest of the current transaction only (`SET LOCAL`,
    /// `set_config(.., true)`): [`end_transaction`](Self::end_transaction) puts the
    /// value before back.
    pub fn set_local(&mut self, name: &str, value: Option<&str>) -> Result<Report, PgError> {
        let before = self.get(name).ok().map(|(_, v)| v.to_string());
        let report = self.set(name, value)?;
        self.local_undo.push((name.to_string(), before));
        Ok(report)
    }

    /// Undoes the transaction's `SET LOCAL`s, newest first (at COMMIT or ROLLBACK);
    /// returns the ParameterStatus reports the restored values need. The next
    /// transaction's isolation level is the default again.
    pub fn end_transaction(&mut self) -> Vec<(&'static str, String)> {
        self.in_transaction = false;
        for (name, default) in [
            ("transaction_isolation", "default_transaction_isolation"),
            ("transaction_read_only", "default_transaction_read_only"),
        ] {
            let value = self.values[index_of(default)].clone();
            self.set_value(name, &value);
        }
        let mut reports = Vec::new();
        while let Some((name, before)) = self.local_undo.pop() {
            // The value was accepted before, so it is accepted again.
            if let Ok(Some(report)) = self.set(&name, Some(before.as_deref().unwrap_or(""))) {
                reports.retain(|(n, _)| *n != report.0);
                reports.push(report);
            }
        }
        reports
    }

    /// Restores every parameter the client may change (`RESET ALL`); returns the reports.
    pub fn reset_all(&mut self) -> Vec<(&'static str, String)> {
        let mut reports = Vec::new();
        for (index, spec) in SPECS.iter().enumerate() {
            if !spec.read_only && self.values[index] != self.defaults[index] {
                self.values[index] = self.defaults[index].clone();
                if spec.report {
                    reports.push((spec.name, self.values[index].clone()));
                }
            }
        }
        self.custom.clear();
        self.statement_timeout = self.span("statement_timeout");
        reports
    }

    /// True if statements whose effect pgsqlite cannot keep fail rather than being
    /// skipped with a warning (`pgsqlite.unsupported_statements = error`, the default).
    pub fn unsupported_statements_fail(&self) -> bool {
        self.get("pgsqlite.unsupported_statements")
            .is_ok_and(|(_, value)| value == "error")
    }

    /// The value of one parameter, for SHOW.
    pub fn get(&self, name: &str) -> Result<(&'static str, &str), PgError> {
        if let Some((index, spec)) = spec(name) {
            return Ok((spec.name, &self.values[index]));
        }
        if let Some((_, value)) = self
            .custom
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Ok(("setting", value));
        }
        Err(PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("unrecognized configuration parameter \"{name}\""),
        ))
    }

    /// Every parameter as (name, value, description), for SHOW ALL.
    pub fn all(&self) -> impl Iterator<Item = (&'static str, &str, &'static str)> {
        SPECS
            .iter()
            .zip(&self.values)
            .map(|(s, v)| (s.name, v.as_str(), s.description))
    }

    /// The parameters announced with ParameterStatus at startup.
    pub fn reported(&self) -> impl Iterator<Item = (&'static str, &str)> {
        SPECS
            .iter()
            .zip(&self.values)
            .filter(|(s, _)| s.report)
            .map(|(s, v)| (s.name, v.as_str()))
    }

    /// Makes `value` this session's default for `name` (what RESET restores), as a
    /// server-wide setting does in PostgreSQL, and sets it.
    pub fn set_default(&mut self, name: &str, value: &str) -> Result<(), PgError> {
        self.set(name, Some(value))?;
        if let Some((index, _)) = spec(name) {
            self.defaults[index] = self.values[index].clone();
        }
        Ok(())
    }

    /// Applies `SET SESSION CHARACTERISTICS AS TRANSACTION <modes>`: the isolation level
    /// and access mode become the defaults of later transactions
    /// (`default_transaction_isolation`, `default_transaction_read_only`). `modes` is the
    /// lower-cased words after `TRANSACTION`, commas standing alone or attached.
    pub fn set_transaction_characteristics(&mut self, modes: &str) -> Result<(), PgError> {
        let modes = TransactionModes::parse(modes)?;
        if let Some(level) = modes.isolation {
            self.set("default_transaction_isolation", Some(level))?;
        }
        if let Some(read_only) = modes.read_only {
            self.set("default_transaction_read_only", Some(on_off(read_only)))?;
        }
        Ok(())
    }

    /// A transaction block begins (`BEGIN [modes]`): its isolation level is the one
    /// `modes` names, or `default_transaction_isolation`.
    pub fn begin_transaction(&mut self, modes: Option<&str>) -> Result<(), PgError> {
        let modes = TransactionModes::parse(modes.unwrap_or(""))?;
        self.in_transaction = true;
        let level = match modes.isolation {
            Some(level) => level.to_string(),
            None => self.values[index_of("default_transaction_isolation")].clone(),
        };
        self.set_value("transaction_isolation", &level);
        let read_only = match modes.read_only {
            Some(read_only) => on_off(read_only).to_string(),
            None => self.values[index_of("default_transaction_read_only")].clone(),
        };
        self.set_value("transaction_read_only", &read_only);
        Ok(())
    }

    /// `SET TRANSACTION <modes>` inside a block: the modes of this transaction only.
    pub fn set_transaction(&mut self, modes: &str) -> Result<(), PgError> {
        let modes = TransactionModes::parse(modes)?;
        if let Some(level) = modes.isolation {
            self.set_value("transaction_isolation", level);
        }
        if let Some(read_only) = modes.read_only {
            self.set_value("transaction_read_only", on_off(read_only));
        }
        Ok(())
    }

    /// True if the open transaction (or the next one, outside a block) is read-only.
    pub fn read_only(&self) -> bool {
        self.values[index_of("transaction_read_only")] == "on"
    }

    /// The isolation level of the open transaction (or of the next one, outside a block).
    pub fn isolation(&self) -> crate::executor::Isolation {
        crate::executor::Isolation::from_name(&self.values[index_of("transaction_isolation")])
            .unwrap_or_default()
    }

    /// Sets a built-in parameter's value as is (already checked).
    fn set_value(&mut self, name: &str, value: &str) {
        self.values[index_of(name)] = value.to_string();
    }

    /// Records the database the client connected to (`current_database()`).
    pub fn set_database(&mut self, database: &str) {
        self.database = database.to_string();
    }

    /// The database the client connected to.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Records the process id the client was given in BackendKeyData.
    pub fn set_backend_pid(&mut self, pid: i32) {
        self.backend_pid = pid;
    }

    /// The process id the client was given in BackendKeyData (`pg_backend_pid()`).
    pub fn backend_pid(&self) -> i32 {
        self.backend_pid
    }

    /// The statement timeout in force (zero: none).
    pub fn statement_timeout(&self) -> Duration {
        self.statement_timeout
    }

    /// `idle_in_transaction_session_timeout` (zero: none).
    pub fn idle_in_transaction_session_timeout(&self) -> Duration {
        self.span("idle_in_transaction_session_timeout")
    }

    /// `lock_timeout` (zero: none).
    pub fn lock_timeout(&self) -> Duration {
        self.span("lock_timeout")
    }

    /// `idle_session_timeout` (zero: none).
    pub fn idle_session_timeout(&self) -> Duration {
        self.span("idle_session_timeout")
    }

    /// A time-span parameter's value (zero if unset or not a span).
    fn span(&self, name: &str) -> Duration {
        spec(name)
            .and_then(|(index, _)| parse_duration(&self.values[index]))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_show_reset_round_trip() {
        let mut s = Settings::default();
        assert_eq!(s.get("datestyle").unwrap(), ("DateStyle", "ISO, MDY"));
        let report = s.set("application_name", Some("app")).unwrap();
        assert_eq!(report, Some(("application_name", "app".to_string())));
        assert_eq!(
            s.set("application_name", Some("app")).unwrap(),
            None,
            "unchanged: no report"
        );
        assert_eq!(
            s.set("extra_float_digits", Some("3")).unwrap(),
            None,
            "not reported"
        );
        assert_eq!(s.get("extra_float_digits").unwrap().1, "3");
        s.set("statement_timeout", Some("2s")).unwrap();
        assert_eq!(s.statement_timeout(), Duration::from_secs(2));
        assert_eq!(s.get("statement_timeout").unwrap().1, "2s");
        s.set("idle_session_timeout", Some("1500")).unwrap();
        assert_eq!(s.get("idle_session_timeout").unwrap().1, "1500ms");
        assert_eq!(s.idle_session_timeout(), Duration::from_millis(1500));
        let reports = s.reset_all();
        assert!(
            reports
                .iter()
                .any(|(n, v)| *n == "application_name" && v.is_empty())
        );
        assert_eq!(s.statement_timeout(), Duration::ZERO);
    }

    #[test]
    fn session_characteristics_set_the_defaults() {
        let mut s = Settings::default();
        s.set_transaction_characteristics("isolation level repeatable read, read only")
            .unwrap();
        assert_eq!(
            s.get("default_transaction_isolation").unwrap().1,
            "repeatable read"
        );
        assert_eq!(s.get("default_transaction_read_only").unwrap().1, "on");
        s.set_transaction_characteristics("isolation level serializable")
            .unwrap();
        assert_eq!(
            s.get("default_transaction_isolation").unwrap().1,
            "serializable"
        );
        assert!(s.set_transaction_characteristics("sideways").is_err());
    }

    #[test]
    fn set_local_is_undone_at_transaction_end() {
        let mut s = Settings::default();
        s.set("application_name", Some("before")).unwrap();
        s.set_local("statement_timeout", Some("5000")).unwrap();
        s.set_local("application_name", Some("inside")).unwrap();
        s.set_local("myapp.user_id", Some("7")).unwrap();
        assert_eq!(s.statement_timeout(), Duration::from_secs(5));
        assert_eq!(s.get("myapp.user_id").unwrap().1, "7");
        let reports = s.end_transaction();
        assert_eq!(reports, vec![("application_name", "before".to_string())]);
        assert_eq!(s.get("statement_timeout").unwrap().1, "0");
        assert_eq!(s.statement_timeout(), Duration::ZERO);
        assert_eq!(s.get("application_name").unwrap().1, "before");
        assert_eq!(s.get("myapp.user_id").unwrap().1, "");
        assert!(s.end_transaction().is_empty(), "nothing left to undo");
    }

    #[test]
    fn memory_settings_show_in_postgres_units() {
        let mut s = Settings::default();
        assert_eq!(s.get("work_mem").unwrap(), ("work_mem", "4MB"));
        s.set("work_mem", Some("8MB")).unwrap();
        assert_eq!(s.get("work_mem").unwrap().1, "8MB");
        s.set("work_mem", Some("2048")).unwrap();
        assert_eq!(s.get("work_mem").unwrap().1, "2MB");
        s.set("work_mem", Some("1000kB")).unwrap();
        assert_eq!(s.get("work_mem").unwrap().1, "1000kB");
        s.set("work_mem", Some("1GB")).unwrap();
        assert_eq!(s.get("work_mem").unwrap().1, "1GB");
        assert!(s.set("work_mem", Some("lots")).is_err());
        s.reset_all();
        assert_eq!(s.get("work_mem").unwrap().1, "4MB");
        assert_eq!(
            s.get("default_transaction_isolation").unwrap().1,
            "read committed"
        );
    }

    #[test]
    fn bad_values_and_names_have_codes() {
        let mut s = Settings::default();
        assert_eq!(
            s.set("nope", Some("1")).unwrap_err().code,
            SqlState::UNDEFINED_OBJECT
        );
        assert_eq!(
            s.set("client_encoding", Some("LATIN1")).unwrap_err().code,
            SqlState::INVALID_PARAMETER_VALUE
        );
        assert_eq!(
            s.set("server_version", Some("9")).unwrap_err().code,
            SqlState::CANT_CHANGE_RUNTIME_PARAM
        );
        for name in ["utf-8", "'utf-8'", "UTF8", "unicode", "'UTF8'", "Utf_8"] {
            s.set("client_encoding", Some("LATIN1")).unwrap_err();
            s.set("client_encoding", Some(name)).unwrap();
            assert_eq!(s.get("client_encoding").unwrap().1, "UTF8", "{name}");
        }
        assert!(s.set("myapp.flag", Some("x")).is_ok());
        assert_eq!(s.get("myapp.flag").unwrap().1, "x");
        assert_eq!(
            s.set("DateStyle", Some("ISO, DMY")).unwrap().unwrap().1,
            "ISO, DMY"
        );
        assert!(s.set("DateStyle", Some("German")).is_err());
    }

    #[test]
    fn server_defaults_are_what_reset_restores() {
        let mut s = Settings::default();
        s.set_default("idle_in_transaction_session_timeout", "60000")
            .unwrap();
        assert_eq!(
            s.get("idle_in_transaction_session_timeout").unwrap().1,
            "1min"
        );
        s.set("idle_in_transaction_session_timeout", Some("0"))
            .unwrap();
        assert_eq!(s.idle_in_transaction_session_timeout(), Duration::ZERO);
        s.set("idle_in_transaction_session_timeout", None).unwrap();
        assert_eq!(
            s.idle_in_transaction_session_timeout(),
            Duration::from_secs(60)
        );
        s.set("idle_in_transaction_session_timeout", Some("5s"))
            .unwrap();
        s.reset_all();
        assert_eq!(
            s.get("idle_in_transaction_session_timeout").unwrap().1,
            "1min"
        );
    }

    #[test]
    fn spans_show_as_postgresql_does() {
        for (ms, shown) in [
            (0, "0"),
            (1, "1ms"),
            (1500, "1500ms"),
            (2000, "2s"),
            (90_000, "90s"),
            (60_000, "1min"),
            (7_200_000, "2h"),
            (86_400_000, "1d"),
        ] {
            assert_eq!(show_milliseconds(ms), shown);
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("150"), Some(Duration::from_millis(150)));
        assert_eq!(parse_duration("1min"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("x"), None);
        assert_eq!(parse_duration("-1"), None);
    }
}
