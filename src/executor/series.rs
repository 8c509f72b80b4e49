//! `pg_series_json(start, stop [, step])`: the values of `generate_series` as a JSON
//! array, which the rewriter walks with SQLite's `json_each` where a recursive query
//! cannot stand in: a `generate_series` call in a select list (one output row per value,
//! as PostgreSQL gives), and series over timestamps with an interval step.
//!
//! Numbers step as integers while every argument is one, else as floats; timestamps
//! (`timestamp`, or `timestamptz` as pgsqlite stores it, in UTC ending in `+00`) step by
//! the interval, months first, as `timestamp + interval` does. A zero step is 22023, as in
//! PostgreSQL. The array is built in memory, so a series is capped at [`MAX_VALUES`]
//! values (54000 past that); `generate_series` over numbers in `FROM` has no cap (it is a
//! recursive query there).

use super::datetime::{add_interval, interval_arg};
use super::pg_function_error;
use crate::error::SqlState;
use crate::value::datetime::{format_timestamp, parse_timestamp};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Result};
use std::fmt::Write;

/// The most values one series built as JSON may have.
pub const MAX_VALUES: usize = 10_000_000;

/// Registers `pg_series_json` with two and three arguments.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("pg_series_json", 2, flags, |ctx| series_json(ctx))?;
    conn.create_scalar_function("pg_series_json", 3, flags, |ctx| series_json(ctx))
}

fn zero_step() -> rusqlite::Error {
    pg_function_error(
        SqlState::INVALID_PARAMETER_VALUE,
        "step size cannot equal zero",
    )
}

fn too_long() -> rusqlite::Error {
    pg_function_error(
        SqlState::PROGRAM_LIMIT_EXCEEDED,
        &format!(
            "generate_series outside FROM is limited to {MAX_VALUES} values in pgsqlite; \
             use it in FROM"
        ),
    )
}

/// Collects the values of a series into a JSON array, each written by `push`.
struct JsonArray {
    text: String,
    count: usize,
}

impl JsonArray {
    fn new() -> Self {
        JsonArray {
            text: String::from("["),
            count: 0,
        }
    }

    fn push(&mut self, write: impl FnOnce(&mut String)) -> Result<()> {
        if self.count == MAX_VALUES {
            return Err(too_long());
        }
        if self.count > 0 {
            self.text.push(',');
        }
        write(&mut self.text);
        self.count += 1;
        Ok(())
    }

    fn finish(mut self) -> String {
        self.text.push(']');
        self.text
    }
}

fn series_json(ctx: &Context<'_>) -> Result<Option<String>> {
    let (start, stop) = (ctx.get_raw(0), ctx.get_raw(1));
    let step = if ctx.len() > 2 {
        ctx.get_raw(2)
    } else {
        ValueRef::Integer(1)
    };
    if [start, stop, step]
        .iter()
        .any(|v| matches!(v, ValueRef::Null))
    {
        return Ok(None);
    }
    let mut out = JsonArray::new();
    match (start, stop, step) {
        (ValueRef::Integer(a), ValueRef::Integer(b), ValueRef::Integer(s)) => {
            if s == 0 {
                return Err(zero_step());
            }
            let mut v = a;
            while (s > 0 && v <= b) || (s < 0 && v >= b) {
                out.push(|t| {
                    let _ = write!(t, "{v}");
                })?;
                match v.checked_add(s) {
                    Some(next) => v = next,
                    None => break,
                }
            }
        }
        (ValueRef::Text(a), ValueRef::Text(b), ValueRef::Text(_)) => {
            let with_tz = a.trim_ascii_end().ends_with(b"+00");
            let parse = |t: &[u8]| {
                parse_timestamp(t, with_tz).map_err(|e| {
                    let ty = if with_tz {
                        crate::value::datetime::DateTimeType::TimestampTz
                    } else {
                        crate::value::datetime::DateTimeType::Timestamp
                    };
                    let err = e.to_pg(ty, t);
                    pg_function_error(err.code, &err.message)
                })
            };
            let (a, b) = (parse(a)?, parse(b)?);
            let Some(iv) = interval_arg(ctx, 2)? else {
                return Ok(None);
            };
            let first = add_interval(a, iv).ok_or_else(zero_step)?;
            let ascending = match first.cmp(&a) {
                std::cmp::Ordering::Equal => return Err(zero_step()),
                order => order == std::cmp::Ordering::Greater,
            };
            let mut v = a;
            while (ascending && v <= b) || (!ascending && v >= b) {
                out.push(|t| {
                    let _ = write!(t, "\"{}\"", format_timestamp(v, with_tz).as_str());
                })?;
                match add_interval(v, iv) {
                    Some(next) if next != v => v = next,
                    _ => break,
                }
            }
        }
        _ => {
            let float = |v: ValueRef<'_>| match v {
                ValueRef::Integer(i) => Ok(i as f64),
                ValueRef::Real(f) => Ok(f),
                other => Err(pg_function_error(
                    SqlState::UNDEFINED_FUNCTION,
                    &format!(
                        "function generate_series({}) does not exist",
                        crate::protocol::types::type_name(crate::value::oid_for_value(other))
                    ),
                )),
            };
            let (a, b, s) = (float(start)?, float(stop)?, float(step)?);
            if s == 0.0 {
                return Err(zero_step());
            }
            let mut v = a;
            while (s > 0.0 && v <= b) || (s < 0.0 && v >= b) {
                out.push(|t| {
                    let _ = write!(t, "{}", ryu::Buffer::new().format(v));
                })?;
                v += s;
            }
        }
    }
    Ok(Some(out.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(sql: &str) -> std::result::Result<Option<String>, String> {
        let conn = Connection::open_in_memory().unwrap();
        super::super::functions::register(&conn).unwrap();
        conn.query_row(sql, [], |r| r.get(0))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_and_timestamps() {
        assert_eq!(
            series("SELECT pg_series_json(10, 0, -5)"),
            Ok(Some("[10,5,0]".into()))
        );
        assert_eq!(series("SELECT pg_series_json(3, 1)"), Ok(Some("[]".into())));
        assert_eq!(
            series("SELECT pg_series_json(0.5, 1.5, 0.5)"),
            Ok(Some("[0.5,1.0,1.5]".into()))
        );
        assert_eq!(
            series("SELECT pg_series_json('2024-01-31 00:00:00', '2024-04-01', '1 month')"),
            Ok(Some(
                r#"["2024-01-31 00:00:00","2024-02-29 00:00:00","2024-03-29 00:00:00"]"#.into()
            ))
        );
        assert_eq!(series("SELECT pg_series_json(1, NULL)"), Ok(None));
        assert!(
            series("SELECT pg_series_json(1, 5, 0)")
                .unwrap_err()
                .contains("[22023]")
        );
        assert!(
            series("SELECT pg_series_json(1, 20000000)")
                .unwrap_err()
                .contains("[54000]")
        );
    }
}
