//! Errors: one enum for the crate, and the SQLSTATE-carrying [`PgError`] that becomes an
//! ErrorResponse on the wire.

use std::borrow::Cow;
use std::fmt;

pub use crate::sqlstate::SqlState;

/// How bad an error is: `Error` ends the current command, `Fatal` ends the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The command failed; the session goes on.
    Error,
    /// The connection is closed after the ErrorResponse is sent.
    Fatal,
    /// Not an error: sent as a NoticeResponse.
    Warning,
    /// Not an error: sent as a NoticeResponse.
    Notice,
}

impl Severity {
    /// The text of the `S`/`V` fields.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
            Severity::Warning => "WARNING",
            Severity::Notice => "NOTICE",
        }
    }
}

/// An error (or notice) as a PostgreSQL client sees it: the fields of an ErrorResponse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgError {
    /// ERROR, FATAL, WARNING or NOTICE.
    pub severity: Severity,
    /// The SQLSTATE code.
    pub code: SqlState,
    /// The primary message.
    pub message: Cow<'static, str>,
    /// Optional detail (`D` field).
    pub detail: Option<String>,
    /// Optional hint (`H` field).
    pub hint: Option<String>,
    /// 1-based character position in the query string (`P` field).
    pub position: Option<u32>,
    /// Where the error happened, such as the line of COPY data (`W` field, shown by psql
    /// as `CONTEXT:`). Boxed: errors travel in `Result`s and must stay small.
    pub context: Option<Box<str>>,
}

impl PgError {
    /// An `ERROR` with the given code and message.
    pub fn new(code: SqlState, message: impl Into<Cow<'static, str>>) -> PgError {
        PgError {
            severity: Severity::Error,
            code,
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
            context: None,
        }
    }

    /// A `FATAL` error: the connection closes after it is sent.
    pub fn fatal(code: SqlState, message: impl Into<Cow<'static, str>>) -> PgError {
        PgError {
            severity: Severity::Fatal,
            ..PgError::new(code, message)
        }
    }

    /// A `WARNING` notice.
    pub fn warning(code: SqlState, message: impl Into<Cow<'static, str>>) -> PgError {
        PgError {
            severity: Severity::Warning,
            ..PgError::new(code, message)
        }
    }

    /// A `NOTICE`.
    pub fn notice(code: SqlState, message: impl Into<Cow<'static, str>>) -> PgError {
        PgError {
            severity: Severity::Notice,
            ..PgError::new(code, message)
        }
    }

    /// A fatal 08P01 protocol violation.
    pub fn protocol(message: impl Into<Cow<'static, str>>) -> PgError {
        PgError::fatal(SqlState::PROTOCOL_VIOLATION, message)
    }

    /// Adds a detail line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> PgError {
        self.detail = Some(detail.into());
        self
    }

    /// Adds a hint line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> PgError {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the 1-based error position within the query text.
    pub fn with_position(mut self, position: u32) -> PgError {
        self.position = Some(position);
        self
    }

    /// Adds a context line (the `W` field).
    pub fn with_context(mut self, context: impl Into<String>) -> PgError {
        self.context = Some(context.into().into_boxed_str());
        self
    }

    /// True if the connection must close after this error.
    pub fn is_fatal(&self) -> bool {
        self.severity == Severity::Fatal
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (SQLSTATE {})",
            self.severity.as_str(),
            self.message,
            self.code
        )
    }
}

impl std::error::Error for PgError {}

/// The crate's error type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The socket failed or the peer went away.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// An error a client sees as an ErrorResponse.
    #[error("{0}")]
    Pg(#[from] PgError),
    /// A configuration value was missing or invalid; `name` is the option or variable.
    #[error("invalid configuration for {name}: {message}")]
    Config {
        /// The option or environment variable at fault.
        name: String,
        /// What is wrong with it.
        message: String,
    },
}

/// Shorthand for results with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
