//! PostgreSQL's boolean aggregates `bool_and`, `every` (its SQL-standard name) and
//! `bool_or`, as SQLite aggregates of the same names.
//!
//! NULL inputs are skipped; with no non-NULL input the result is NULL, as in
//! PostgreSQL. Inputs read as booleans the way pgsqlite stores them (1/0) or writes
//! them (`t`, `true`, `yes`, ...); anything else is an error (22P02).

use super::pg_function_error;
use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Result};

/// Registers `bool_and`, `every` and `bool_or` on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_aggregate_function("bool_and", 1, flags, BoolAgg { all: true })?;
    conn.create_aggregate_function("every", 1, flags, BoolAgg { all: true })?;
    conn.create_aggregate_function("bool_or", 1, flags, BoolAgg { all: false })?;
    Ok(())
}

/// `bool_and` (every input true) when `all`, else `bool_or` (some input true).
struct BoolAgg {
    all: bool,
}

impl Aggregate<Option<bool>, Option<bool>> for BoolAgg {
    fn init(&self, _: &mut Context<'_>) -> Result<Option<bool>> {
        Ok(None)
    }

    fn step(&self, ctx: &mut Context<'_>, acc: &mut Option<bool>) -> Result<()> {
        let value = ctx.get_raw(0);
        if value == ValueRef::Null {
            return Ok(());
        }
        let b =
            crate::value::coerce_bool(value).map_err(|e| pg_function_error(e.code, &e.message))?;
        *acc = Some(match *acc {
            None => b,
            Some(seen) if self.all => seen && b,
            Some(seen) => seen || b,
        });
        Ok(())
    }

    fn finalize(&self, _: &mut Context<'_>, acc: Option<Option<bool>>) -> Result<Option<bool>> {
        Ok(acc.flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(sql: &str) -> Option<String> {
        crate::executor::testing::shown(register, sql)
    }

    #[test]
    fn nulls_are_skipped_and_no_input_is_null() {
        let rows = "(VALUES (1), (NULL), (0))";
        assert_eq!(
            q(&format!("SELECT bool_and(column1) FROM {rows}")).unwrap(),
            "0"
        );
        assert_eq!(
            q(&format!(
                "SELECT every(column1) FROM {rows} WHERE column1 IS NOT 0"
            ))
            .unwrap(),
            "1"
        );
        assert_eq!(
            q(&format!("SELECT bool_or(column1) FROM {rows}")).unwrap(),
            "1"
        );
        assert_eq!(q("SELECT bool_or(column1) FROM (VALUES (NULL))"), None);
        assert_eq!(q("SELECT bool_and('t')").unwrap(), "1");
    }
}
