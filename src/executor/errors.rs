//! Mapping SQLite errors to PostgreSQL SQLSTATE codes.

use crate::error::{PgError, SqlState};
use rusqlite::ffi;

/// Turns a rusqlite error into the ErrorResponse a PostgreSQL client expects, choosing
/// the SQLSTATE from SQLite's extended result code and, for the generic `SQLITE_ERROR`,
/// from the message text.
pub fn sqlite_error(err: rusqlite::Error) -> PgError {
    match err {
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.code == ffi::ErrorCode::OperationInterrupted =>
        {
            PgError::new(
                SqlState::QUERY_CANCELED,
                "canceling statement due to user request",
            )
        }
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == ffi::SQLITE_BUSY_SNAPSHOT =>
        {
            // Another session committed after this transaction's snapshot was taken,
            // and the snapshot must stay (see `Isolation`).
            PgError::new(
                SqlState::SERIALIZATION_FAILURE,
                "could not serialize access due to concurrent update",
            )
        }
        rusqlite::Error::SqliteFailure(failure, message) => {
            let message = message.unwrap_or_else(|| failure.to_string());
            if let Some(err) = from_function_error(&message) {
                return err;
            }
            let code = code_for(failure.extended_code, &message);
            PgError::new(code, message)
        }
        rusqlite::Error::SqlInputError {
            error, msg, offset, ..
        } => {
            let code = code_for(error.extended_code, &msg);
            let err = PgError::new(code, msg);
            match u32::try_from(offset) {
                Ok(offset) if offset < u32::MAX => err.with_position(offset + 1),
                _ => err,
            }
        }
        rusqlite::Error::MultipleStatement => PgError::new(
            SqlState::SYNTAX_ERROR,
            "cannot insert multiple commands into a prepared statement",
        ),
        rusqlite::Error::InvalidParameterCount(given, wanted) => PgError::protocol(format!(
            "bind message supplies {given} parameters, but prepared statement requires {wanted}"
        )),
        rusqlite::Error::Utf8Error(..) => PgError::new(
            SqlState::CHARACTER_NOT_IN_REPERTOIRE,
            "invalid byte sequence for encoding \"UTF8\"",
        ),
        rusqlite::Error::IntegralValueOutOfRange(..) => {
            PgError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range")
        }
        other => PgError::new(SqlState::INTERNAL_ERROR, other.to_string()),
    }
}

/// The error a pgsqlite SQL function raises: SQLite keeps only a message, so the
/// SQLSTATE travels in front of it as `[22P02] message`, with an optional DETAIL after a
/// newline. [`sqlite_error`] turns it back into that SQLSTATE.
pub fn pg_function_error(code: SqlState, message: &str) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(format!("[{}] {message}", code.code()).into())
}

fn from_function_error(message: &str) -> Option<PgError> {
    let rest = message.strip_prefix('[')?;
    let (code, rest) = (rest.get(..5)?, rest.get(5..)?);
    let text = rest.strip_prefix("] ")?;
    let code = SqlState::lookup(code)?;
    Some(match text.split_once('\n') {
        Some((message, detail)) => PgError::new(code, message.to_string()).with_detail(detail),
        None => PgError::new(code, text.to_string()),
    })
}

/// True if the error means "the database is locked by someone else, try again".
pub(crate) fn is_busy(err: &rusqlite::Error) -> bool {
    match err {
        rusqlite::Error::SqliteFailure(failure, _) => {
            failure.extended_code == ffi::SQLITE_BUSY || failure.extended_code == ffi::SQLITE_LOCKED
        }
        _ => false,
    }
}

fn code_for(extended: i32, message: &str) -> SqlState {
    match extended {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
            SqlState::UNIQUE_VIOLATION
        }
        ffi::SQLITE_CONSTRAINT_NOTNULL => SqlState::NOT_NULL_VIOLATION,
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => SqlState::FOREIGN_KEY_VIOLATION,
        ffi::SQLITE_CONSTRAINT_CHECK => SqlState::CHECK_VIOLATION,
        ffi::SQLITE_BUSY_SNAPSHOT => SqlState::SERIALIZATION_FAILURE,
        _ => match extended & 0xff {
            ffi::SQLITE_CONSTRAINT => SqlState::INTEGRITY_CONSTRAINT_VIOLATION,
            ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED => SqlState::LOCK_NOT_AVAILABLE,
            ffi::SQLITE_INTERRUPT => SqlState::QUERY_CANCELED,
            ffi::SQLITE_READONLY => SqlState::READ_ONLY_SQL_TRANSACTION,
            ffi::SQLITE_NOMEM => SqlState::OUT_OF_MEMORY,
            ffi::SQLITE_FULL => SqlState::DISK_FULL,
            ffi::SQLITE_IOERR | ffi::SQLITE_CANTOPEN => SqlState::IO_ERROR,
            ffi::SQLITE_CORRUPT | ffi::SQLITE_NOTADB => SqlState::DATA_CORRUPTED,
            ffi::SQLITE_TOOBIG => SqlState::PROGRAM_LIMIT_EXCEEDED,
            ffi::SQLITE_MISMATCH => SqlState::DATATYPE_MISMATCH,
            ffi::SQLITE_AUTH | ffi::SQLITE_PERM => SqlState::INSUFFICIENT_PRIVILEGE,
            ffi::SQLITE_RANGE => SqlState::PROTOCOL_VIOLATION,
            ffi::SQLITE_ERROR => code_from_message(message),
            _ => SqlState::INTERNAL_ERROR,
        },
    }
}

/// `SQLITE_ERROR` covers most SQL mistakes; its message says which one.
fn code_from_message(message: &str) -> SqlState {
    const RULES: &[(&str, SqlState)] = &[
        ("no such table", SqlState::UNDEFINED_TABLE),
        ("no such column", SqlState::UNDEFINED_COLUMN),
        ("has no column named", SqlState::UNDEFINED_COLUMN),
        ("no such function", SqlState::UNDEFINED_FUNCTION),
        (
            "wrong number of arguments to function",
            SqlState::UNDEFINED_FUNCTION,
        ),
        ("no such index", SqlState::UNDEFINED_OBJECT),
        ("no such view", SqlState::UNDEFINED_TABLE),
        ("no such trigger", SqlState::UNDEFINED_OBJECT),
        (
            "no such savepoint",
            SqlState::INVALID_SAVEPOINT_SPECIFICATION,
        ),
        ("already exists", SqlState::DUPLICATE_TABLE),
        ("duplicate column name", SqlState::DUPLICATE_COLUMN),
        ("ambiguous column name", SqlState::AMBIGUOUS_COLUMN),
        ("syntax error", SqlState::SYNTAX_ERROR),
        ("incomplete input", SqlState::SYNTAX_ERROR),
        ("unrecognized token", SqlState::SYNTAX_ERROR),
        ("values were supplied", SqlState::SYNTAX_ERROR),
        ("values for", SqlState::SYNTAX_ERROR),
        ("misuse of aggregate", SqlState::GROUPING_ERROR),
        ("misuse of window function", SqlState::GROUPING_ERROR),
        (
            "cannot start a transaction within a transaction",
            SqlState::ACTIVE_SQL_TRANSACTION,
        ),
        (
            "no transaction is active",
            SqlState::NO_ACTIVE_SQL_TRANSACTION,
        ),
        ("integer overflow", SqlState::NUMERIC_VALUE_OUT_OF_RANGE),
        ("too many", SqlState::PROGRAM_LIMIT_EXCEEDED),
        ("may not be dropped", SqlState::WRONG_OBJECT_TYPE),
        ("cannot modify", SqlState::WRONG_OBJECT_TYPE),
        ("is not a function", SqlState::UNDEFINED_FUNCTION),
        ("datatype mismatch", SqlState::DATATYPE_MISMATCH),
        ("interrupted", SqlState::QUERY_CANCELED),
    ];
    RULES
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map(|&(_, code)| code)
        .unwrap_or(SqlState::SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn code_of(setup: &str, sql: &str) -> SqlState {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        conn.execute_batch(setup).unwrap();
        let err = conn.execute_batch(sql).unwrap_err();
        sqlite_error(err).code
    }

    #[test]
    fn constraints_map_to_their_codes() {
        let setup = "CREATE TABLE p (id INTEGER PRIMARY KEY);
                     CREATE TABLE t (id INTEGER PRIMARY KEY, u TEXT UNIQUE, n TEXT NOT NULL,
                        c INTEGER CHECK (c > 0), p INTEGER REFERENCES p(id));
                     INSERT INTO t VALUES (1, 'a', 'x', 1, NULL);";
        let ins = |cols: &str| format!("INSERT INTO t VALUES {cols}");
        assert_eq!(
            code_of(setup, &ins("(1, 'b', 'x', 1, NULL)")),
            SqlState::UNIQUE_VIOLATION
        );
        assert_eq!(
            code_of(setup, &ins("(2, 'a', 'x', 1, NULL)")),
            SqlState::UNIQUE_VIOLATION
        );
        assert_eq!(
            code_of(setup, &ins("(2, 'b', NULL, 1, NULL)")),
            SqlState::NOT_NULL_VIOLATION
        );
        assert_eq!(
            code_of(setup, &ins("(2, 'b', 'x', 0, NULL)")),
            SqlState::CHECK_VIOLATION
        );
        assert_eq!(
            code_of(setup, &ins("(2, 'b', 'x', 1, 9)")),
            SqlState::FOREIGN_KEY_VIOLATION
        );
    }

    #[test]
    fn sql_mistakes_map_to_their_codes() {
        let setup = "CREATE TABLE t (a INTEGER);";
        assert_eq!(
            code_of(setup, "SELECT * FROM nope"),
            SqlState::UNDEFINED_TABLE
        );
        assert_eq!(
            code_of(setup, "SELECT b FROM t"),
            SqlState::UNDEFINED_COLUMN
        );
        assert_eq!(code_of(setup, "SELEC 1"), SqlState::SYNTAX_ERROR);
        assert_eq!(
            code_of(setup, "SELECT nofunc(1)"),
            SqlState::UNDEFINED_FUNCTION
        );
        assert_eq!(
            code_of(setup, "CREATE TABLE t (x)"),
            SqlState::DUPLICATE_TABLE
        );
        assert_eq!(
            code_of(setup, "RELEASE nope"),
            SqlState::INVALID_SAVEPOINT_SPECIFICATION
        );
    }
}
