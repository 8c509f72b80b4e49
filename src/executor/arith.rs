//! Arithmetic with PostgreSQL's semantics, as SQLite functions the SQL front end calls:
//! division and modulo that fail on a zero divisor (22012) instead of giving NULL, and
//! date arithmetic (`date + integer`, `date - date`).

use super::pg_function_error;
use crate::error::SqlState;
use crate::value::datetime::{format_date, parse_date};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Result};

/// Registers `pg_div`, `pg_mod`, `pg_date_add` and `pg_date_diff` on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("pg_div", 2, flags, |ctx| divide(ctx, Division::Quotient))?;
    conn.create_scalar_function("pg_div_numeric", 2, flags, |ctx| {
        divide(ctx, Division::Numeric)
    })?;
    conn.create_scalar_function("pg_mod", 2, flags, |ctx| divide(ctx, Division::Modulo))?;
    conn.create_scalar_function("pg_date_add", 2, flags, |ctx| date_add(ctx))?;
    conn.create_scalar_function("pg_date_diff", 2, flags, |ctx| date_diff(ctx))?;
    Ok(())
}

fn division_by_zero() -> rusqlite::Error {
    pg_function_error(SqlState::DIVISION_BY_ZERO, "division by zero")
}

/// A number as SQLite holds it; text that looks like a number counts as one (SQLite's
/// own arithmetic does the same).
enum Number {
    Int(i64),
    Float(f64),
}

fn number(value: ValueRef<'_>) -> Option<Number> {
    match value {
        ValueRef::Integer(i) => Some(Number::Int(i)),
        ValueRef::Real(f) => Some(Number::Float(f)),
        ValueRef::Text(t) => {
            let t = std::str::from_utf8(t).ok()?.trim();
            t.parse::<i64>()
                .map(Number::Int)
                .ok()
                .or_else(|| t.parse::<f64>().ok().map(Number::Float))
        }
        ValueRef::Null | ValueRef::Blob(_) => None,
    }
}

/// What [`divide`] computes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Division {
    /// `a / b`: integers divide truncating toward zero, as in PostgreSQL.
    Quotient,
    /// `a / b` where either side is numeric: never integer division (`10::numeric / 4`
    /// is 2.5), though both values may be SQLite integers.
    Numeric,
    /// `a % b`.
    Modulo,
}

/// `a / b` or `a % b`; a zero divisor is 22012.
pub(super) fn divide(ctx: &Context<'_>, division: Division) -> Result<Value> {
    let modulo = division == Division::Modulo;
    let (a, b) = (ctx.get_raw(0), ctx.get_raw(1));
    if matches!(a, ValueRef::Null) || matches!(b, ValueRef::Null) {
        return Ok(Value::Null);
    }
    let (Some(a), Some(b)) = (number(a), number(b)) else {
        return Ok(Value::Null);
    };
    match (a, b) {
        (Number::Int(a), Number::Int(b)) if division != Division::Numeric => {
            if b == 0 {
                return Err(division_by_zero());
            }
            let result = if modulo {
                a.checked_rem(b)
            } else {
                a.checked_div(b)
            };
            result.map(Value::Integer).ok_or_else(|| {
                pg_function_error(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range")
            })
        }
        (a, b) => {
            let as_float = |n: Number| match n {
                Number::Int(i) => i as f64,
                Number::Float(f) => f,
            };
            let (a, b) = (as_float(a), as_float(b));
            if b == 0.0 {
                return Err(division_by_zero());
            }
            Ok(Value::Real(if modulo { a % b } else { a / b }))
        }
    }
}

fn date_arg(ctx: &Context<'_>, i: usize) -> Result<Option<i32>> {
    match ctx.get_raw(i) {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => parse_date(t).map(Some).map_err(|_| {
            pg_function_error(
                SqlState::INVALID_DATETIME_FORMAT,
                &format!(
                    "invalid input syntax for type date: \"{}\"",
                    String::from_utf8_lossy(t)
                ),
            )
        }),
        _ => Err(pg_function_error(
            SqlState::DATATYPE_MISMATCH,
            "date arithmetic on a value that is not a date",
        )),
    }
}

/// `date + integer` (days); `date - integer` is called with the days negated.
fn date_add(ctx: &Context<'_>) -> Result<Option<String>> {
    let Some(date) = date_arg(ctx, 0)? else {
        return Ok(None);
    };
    let days: Option<i64> = ctx.get(1)?;
    let Some(days) = days else { return Ok(None) };
    let shifted = i64::from(date) + days;
    let in_range = i32::try_from(shifted)
        .ok()
        .filter(|d| crate::value::datetime::date_in_range(*d));
    match in_range {
        Some(d) => Ok(Some(format_date(d).as_str().to_string())),
        None => Err(pg_function_error(
            SqlState::DATETIME_FIELD_OVERFLOW,
            "date out of range",
        )),
    }
}

/// `date - date`: the number of days between them.
fn date_diff(ctx: &Context<'_>) -> Result<Option<i64>> {
    match (date_arg(ctx, 0)?, date_arg(ctx, 1)?) {
        (Some(a), Some(b)) => Ok(Some(i64::from(a) - i64::from(b))),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_arithmetic() {
        let c = Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        let one = |sql: &str| {
            c.query_row(sql, [], |r| r.get::<_, Value>(0))
                .map_err(|e| e.to_string())
        };
        assert_eq!(one("SELECT pg_div(-7, 2)"), Ok(Value::Integer(-3)));
        assert_eq!(one("SELECT pg_mod(-7, 2)"), Ok(Value::Integer(-1)));
        assert_eq!(one("SELECT pg_div(7.0, 2)"), Ok(Value::Real(3.5)));
        assert_eq!(one("SELECT pg_div_numeric(10, 4)"), Ok(Value::Real(2.5)));
        assert!(
            one("SELECT pg_div_numeric(1, 0)")
                .unwrap_err()
                .contains("[22012]")
        );
        assert!(one("SELECT pg_div(1, 0)").unwrap_err().contains("[22012]"));
        assert_eq!(
            one("SELECT pg_date_add('2024-02-28', 2)"),
            Ok(Value::Text("2024-03-01".into()))
        );
        assert_eq!(
            one("SELECT pg_date_diff('2024-03-01', '2024-02-28')"),
            Ok(Value::Integer(2))
        );
    }
}
