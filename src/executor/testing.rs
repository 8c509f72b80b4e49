//! Unit-test support for the SQL function modules: an in-memory SQLite connection with a
//! module's functions registered, and one-value queries against it.

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Result};

/// A module's `register` function.
pub(crate) type Register = fn(&Connection) -> Result<()>;

/// The first column of the first row of `sql`, or the error's text.
pub(crate) fn one(register: Register, sql: &str) -> std::result::Result<Value, String> {
    let c = Connection::open_in_memory().unwrap();
    register(&c).unwrap();
    c.query_row(sql, [], |r| r.get(0))
        .map_err(|e| e.to_string())
}

/// [`one`], which must succeed with text.
pub(crate) fn text(register: Register, sql: &str) -> String {
    match one(register, sql) {
        Ok(Value::Text(t)) => t,
        other => panic!("{sql}: {other:?}"),
    }
}

/// [`one`] shown as text (integers formatted, blobs as UTF-8), `None` for NULL; panics
/// on an error.
pub(crate) fn shown(register: Register, sql: &str) -> Option<String> {
    let c = Connection::open_in_memory().unwrap();
    register(&c).unwrap();
    c.query_row(sql, [], |r| {
        Ok(match r.get_ref(0)? {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(i.to_string()),
            v => Some(String::from_utf8_lossy(v.as_bytes().unwrap()).into_owned()),
        })
    })
    .unwrap()
}
