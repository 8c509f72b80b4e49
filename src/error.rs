//! Errors: one enum for the crate, and the SQLSTATE-carrying [`PgError`] that becomes an
//! ErrorResponse on the wire.

use std::borrow::Cow;
use std::fmt;

/// A five-character SQLSTATE code, as listed in PostgreSQL's "Errors and Messages" appendix.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SqlState(&'static str);

impl SqlState {
    /// The five-character code.
    pub const fn code(self) -> &'static str {
        self.0
    }
}

impl fmt::Debug for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

macro_rules! sqlstates {
    ($($(#[$doc:meta])* $name:ident = $code:literal;)*) => {
        impl SqlState {
            $($(#[$doc])* pub const $name: SqlState = SqlState($code);)*

            /// The listed SQLSTATE with this code, if pgsqlite knows it.
            pub fn lookup(code: &str) -> Option<SqlState> {
                match code {
                    $($code => Some(SqlState::$name),)*
                    _ => None,
                }
            }
        }
    };
}

sqlstates! {
    /// 00000
    SUCCESSFUL_COMPLETION = "00000";
    /// 01000
    WARNING = "01000";
    /// 08006
    CONNECTION_FAILURE = "08006";
    /// 08P01
    PROTOCOL_VIOLATION = "08P01";
    /// 0A000
    FEATURE_NOT_SUPPORTED = "0A000";
    /// 22000
    DATA_EXCEPTION = "22000";
    /// 22001
    STRING_DATA_RIGHT_TRUNCATION = "22001";
    /// 22003
    NUMERIC_VALUE_OUT_OF_RANGE = "22003";
    /// 22004
    NULL_VALUE_NOT_ALLOWED = "22004";
    /// 22007
    INVALID_DATETIME_FORMAT = "22007";
    /// 22008
    DATETIME_FIELD_OVERFLOW = "22008";
    /// 22012
    DIVISION_BY_ZERO = "22012";
    /// 22011
    SUBSTRING_ERROR = "22011";
    /// 22015
    INTERVAL_FIELD_OVERFLOW = "22015";
    /// 2201B
    INVALID_REGULAR_EXPRESSION = "2201B";
    /// 22025
    INVALID_ESCAPE_SEQUENCE = "22025";
    /// 2202E
    ARRAY_SUBSCRIPT_ERROR = "2202E";
    /// 22021
    CHARACTER_NOT_IN_REPERTOIRE = "22021";
    /// 22023
    INVALID_PARAMETER_VALUE = "22023";
    /// 2201E
    INVALID_ARGUMENT_FOR_LOG = "2201E";
    /// 2201F
    INVALID_ARGUMENT_FOR_POWER_FUNCTION = "2201F";
    /// 2201G
    INVALID_ARGUMENT_FOR_WIDTH_BUCKET_FUNCTION = "2201G";
    /// 22P02
    INVALID_TEXT_REPRESENTATION = "22P02";
    /// 22P03
    INVALID_BINARY_REPRESENTATION = "22P03";
    /// 22P04
    BAD_COPY_FILE_FORMAT = "22P04";
    /// 23000
    INTEGRITY_CONSTRAINT_VIOLATION = "23000";
    /// 23502
    NOT_NULL_VIOLATION = "23502";
    /// 23503
    FOREIGN_KEY_VIOLATION = "23503";
    /// 23505
    UNIQUE_VIOLATION = "23505";
    /// 23514
    CHECK_VIOLATION = "23514";
    /// 25001
    ACTIVE_SQL_TRANSACTION = "25001";
    /// 25006
    READ_ONLY_SQL_TRANSACTION = "25006";
    /// 25P01
    NO_ACTIVE_SQL_TRANSACTION = "25P01";
    /// 25P02
    IN_FAILED_SQL_TRANSACTION = "25P02";
    /// 25P03
    IDLE_IN_TRANSACTION_SESSION_TIMEOUT = "25P03";
    /// 26000
    INVALID_SQL_STATEMENT_NAME = "26000";
    /// 28000
    INVALID_AUTHORIZATION_SPECIFICATION = "28000";
    /// 28P01
    INVALID_PASSWORD = "28P01";
    /// 34000
    INVALID_CURSOR_NAME = "34000";
    /// 3B001
    INVALID_SAVEPOINT_SPECIFICATION = "3B001";
    /// 40001
    SERIALIZATION_FAILURE = "40001";
    /// 42000
    SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION = "42000";
    /// 42501
    INSUFFICIENT_PRIVILEGE = "42501";
    /// 42601
    SYNTAX_ERROR = "42601";
    /// 42701
    DUPLICATE_COLUMN = "42701";
    /// 42702
    AMBIGUOUS_COLUMN = "42702";
    /// 42703
    UNDEFINED_COLUMN = "42703";
    /// 42704
    UNDEFINED_OBJECT = "42704";
    /// 42803
    GROUPING_ERROR = "42803";
    /// 42804
    DATATYPE_MISMATCH = "42804";
    /// 42809
    WRONG_OBJECT_TYPE = "42809";
    /// 42846
    CANNOT_COERCE = "42846";
    /// 42883
    UNDEFINED_FUNCTION = "42883";
    /// 42P01
    UNDEFINED_TABLE = "42P01";
    /// 42P02
    UNDEFINED_PARAMETER = "42P02";
    /// 42P03
    DUPLICATE_CURSOR = "42P03";
    /// 42P05
    DUPLICATE_PREPARED_STATEMENT = "42P05";
    /// 42P07
    DUPLICATE_TABLE = "42P07";
    /// 42P10
    INVALID_COLUMN_REFERENCE = "42P10";
    /// 42P18
    INDETERMINATE_DATATYPE = "42P18";
    /// 53100
    DISK_FULL = "53100";
    /// 53200
    OUT_OF_MEMORY = "53200";
    /// 53300
    TOO_MANY_CONNECTIONS = "53300";
    /// 54000
    PROGRAM_LIMIT_EXCEEDED = "54000";
    /// 55000
    OBJECT_NOT_IN_PREREQUISITE_STATE = "55000";
    /// 55P02
    CANT_CHANGE_RUNTIME_PARAM = "55P02";
    /// 55P03
    LOCK_NOT_AVAILABLE = "55P03";
    /// 57014
    QUERY_CANCELED = "57014";
    /// 57P01
    ADMIN_SHUTDOWN = "57P01";
    /// 57P05
    IDLE_SESSION_TIMEOUT = "57P05";
    /// 58030
    IO_ERROR = "58030";
    /// XX000
    INTERNAL_ERROR = "XX000";
    /// XX001
    DATA_CORRUPTED = "XX001";
}

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
