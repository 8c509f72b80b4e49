//! PostgreSQL's date/time functions and operators, as SQLite functions the SQL front end
//! calls. Dates, timestamps and intervals travel as their PostgreSQL text
//! (`2024-01-31`, `2024-01-31 10:15:30`, `2024-01-31 10:15:30+00`, `1 day 02:00:00`);
//! a timestamp whose text carries a zone offset is a `timestamptz` (shown in UTC, the
//! session time zone pgsqlite reports).
//!
//! - interval arithmetic: `pg_cast_interval`, `pg_interval_add`, `pg_interval_mul`,
//!   `pg_interval_div`, `pg_interval_neg`, `pg_ts_add_interval` (timestamp or date ±
//!   interval), `pg_ts_diff` (timestamp - timestamp);
//! - `date_trunc`, `pg_extract` (`extract(field FROM x)`: numeric), `date_part` (float8),
//!   `age`, `justify_hours`, `isfinite`, `make_date`, `make_timestamp`,
//!   `pg_make_interval`, `pg_at_time_zone`; `to_char`, `to_date` and `to_timestamp` are in
//!   [`super::datetime_format`].

use super::pg_function_error;
use crate::error::SqlState;
use crate::value::datetime::{
    DateTimeError, PG_EPOCH_UNIX_DAYS, TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY, USECS_PER_DAY,
    USECS_PER_SEC, civil_from_days, days_from_civil, days_in_month, format_date, format_timestamp,
    parse_timestamp,
};
use crate::value::interval::{
    Interval, USECS_PER_HOUR, USECS_PER_MINUTE, format_interval, parse_interval,
};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Result};

/// Registers the date/time functions on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("pg_cast_interval", 1, flags, |ctx| {
        Ok(interval_arg(ctx, 0)?.map(format_interval))
    })?;
    conn.create_scalar_function("pg_interval_add", 3, flags, |ctx| interval_add(ctx))?;
    conn.create_scalar_function("pg_interval_mul", 2, flags, |ctx| {
        interval_scale(ctx, false)
    })?;
    conn.create_scalar_function("pg_interval_div", 2, flags, |ctx| interval_scale(ctx, true))?;
    conn.create_scalar_function("pg_interval_neg", 1, flags, |ctx| {
        interval_arg(ctx, 0)?
            .map(|iv| {
                iv.negate()
                    .map(format_interval)
                    .ok_or_else(interval_overflow)
            })
            .transpose()
    })?;
    for name in ["pg_ts_add_interval", "pg_tstz_add_interval"] {
        conn.create_scalar_function(name, 3, flags, |ctx| ts_add_interval(ctx))?;
    }
    conn.create_scalar_function("pg_ts_diff", 2, flags, |ctx| ts_diff(ctx))?;
    for name in ["date_trunc", "pg_date_trunc_tz"] {
        conn.create_scalar_function(name, 2, flags, |ctx| date_trunc(ctx))?;
    }
    conn.create_scalar_function("pg_extract", 2, flags, |ctx| {
        Ok(extract(ctx)?.map(|n| Value::Text(n.text())))
    })?;
    conn.create_scalar_function("date_part", 2, flags, |ctx| {
        Ok(extract(ctx)?.map(|n| n.float()))
    })?;
    conn.create_scalar_function("age", 2, flags, |ctx| age(ctx))?;
    conn.create_scalar_function("justify_hours", 1, flags, |ctx| {
        Ok(interval_arg(ctx, 0)?.map(|iv| format_interval(iv.justify_hours())))
    })?;
    conn.create_scalar_function("isfinite", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Null => None,
            ValueRef::Text(t) => Some(!t.trim_ascii().ends_with(b"infinity")),
            _ => Some(true),
        })
    })?;
    conn.create_scalar_function("make_date", 3, flags, |ctx| {
        let (y, m, d) = (int_arg(ctx, 0)?, int_arg(ctx, 1)?, int_arg(ctx, 2)?);
        let (Some(y), Some(m), Some(d)) = (y, m, d) else {
            return Ok(None);
        };
        let days = civil_days(y, m, d).ok_or_else(|| {
            pg_function_error(
                SqlState::DATETIME_FIELD_OVERFLOW,
                &format!("date field value out of range: {y}-{m:02}-{d:02}"),
            )
        })?;
        Ok(Some(
            format_date((days - PG_EPOCH_UNIX_DAYS) as i32)
                .as_str()
                .to_string(),
        ))
    })?;
    conn.create_scalar_function("make_timestamp", 6, flags, |ctx| make_timestamp(ctx))?;
    conn.create_scalar_function("pg_make_interval", 7, flags, |ctx| make_interval(ctx))?;
    for name in [
        "pg_at_time_zone",
        "pg_timestamp_at_zone",
        "pg_timestamptz_at_zone",
    ] {
        conn.create_scalar_function(name, 2, flags, |ctx| at_time_zone(ctx))?;
    }
    let volatile = FunctionFlags::SQLITE_UTF8;
    conn.create_scalar_function("pg_now", 1, volatile, |ctx| {
        let ts = ctx
            .get::<Option<f64>>(0)?
            .and_then(crate::value::datetime::timestamp_from_julian_day)
            .unwrap_or_else(now);
        Ok(format_shape(ts, Shape::TimestampTz))
    })?;
    conn.create_scalar_function("pg_regtype", 1, flags, |ctx| ctx.get::<Option<String>>(0))?;
    conn.create_scalar_function("pg_overlaps", 4, flags, |ctx| overlaps(ctx))?;
    conn.create_scalar_function("pg_current_date", 0, volatile, |_| {
        Ok(
            format_date(crate::value::datetime::date_of_timestamp(now()))
                .as_str()
                .to_string(),
        )
    })?;
    conn.create_scalar_function("pg_localtimestamp", 0, volatile, |_| {
        Ok(format_shape(now(), Shape::Timestamp))
    })?;
    conn.create_scalar_function("clock_timestamp", 0, volatile, |_| {
        Ok(format_shape(now(), Shape::TimestampTz))
    })?;
    conn.create_scalar_function("pg_localtime", 0, volatile, |_| {
        let time = crate::value::datetime::time_of_timestamp(now());
        Ok(crate::value::datetime::format_time(time)
            .as_str()
            .to_string())
    })?;
    conn.create_scalar_function("pg_current_time", 0, volatile, |_| {
        let time = crate::value::datetime::time_of_timestamp(now());
        Ok(format!(
            "{}+00",
            crate::value::datetime::format_time(time).as_str()
        ))
    })?;
    Ok(())
}

/// The current time in microseconds since 2000-01-01.
fn now() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_micros() as i64 - PG_EPOCH_UNIX_DAYS * USECS_PER_DAY
}

fn interval_overflow() -> rusqlite::Error {
    pg_function_error(SqlState::DATETIME_FIELD_OVERFLOW, "interval out of range")
}

fn is_infinite(ts: i64) -> bool {
    ts == TIMESTAMP_INFINITY || ts == TIMESTAMP_NEG_INFINITY
}

fn timestamp_overflow() -> rusqlite::Error {
    pg_function_error(SqlState::DATETIME_FIELD_OVERFLOW, "timestamp out of range")
}

fn int_arg(ctx: &Context<'_>, i: usize) -> Result<Option<i64>> {
    ctx.get::<Option<i64>>(i)
}

/// Days since 1970-01-01 of a valid calendar date.
fn civil_days(y: i64, m: i64, d: i64) -> Option<i64> {
    // pgsqlite's dates span the years 1 to 9999.
    if !(1..=12).contains(&m) || d < 1 || !(1..=9999).contains(&y) {
        return None;
    }
    (d <= i64::from(days_in_month(y, m as u32))).then(|| days_from_civil(y, m as u32, d as u32))
}

/// Argument `i` as an interval (text in any input form; a number is seconds).
pub(crate) fn interval_arg(ctx: &Context<'_>, i: usize) -> Result<Option<Interval>> {
    match ctx.get_raw(i) {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => parse_interval(t).map(Some).map_err(|e| match e {
            DateTimeError::Syntax => pg_function_error(
                SqlState::INVALID_DATETIME_FORMAT,
                &format!(
                    "invalid input syntax for type interval: \"{}\"",
                    String::from_utf8_lossy(t)
                ),
            ),
            _ => pg_function_error(
                SqlState::DATETIME_FIELD_OVERFLOW,
                &format!(
                    "interval field value out of range: \"{}\"",
                    String::from_utf8_lossy(t)
                ),
            ),
        }),
        ValueRef::Integer(n) => Ok(Some(Interval {
            micros: n.saturating_mul(USECS_PER_SEC),
            ..Interval::default()
        })),
        ValueRef::Real(f) => Ok(Some(Interval {
            micros: (f * 1e6).round() as i64,
            ..Interval::default()
        })),
        ValueRef::Blob(_) => Err(pg_function_error(
            SqlState::DATATYPE_MISMATCH,
            "cannot cast type bytea to interval",
        )),
    }
}

/// A timestamp argument: microseconds since 2000-01-01 and what its text shows it to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A date alone (`2024-01-31`).
    Date,
    /// A timestamp without a zone.
    Timestamp,
    /// A timestamp with a zone offset (`timestamptz`).
    TimestampTz,
}

/// Whether timestamp text carries a zone (an offset or `Z`/`UTC` after the time).
fn shape_of(text: &[u8]) -> Shape {
    let t = text.trim_ascii();
    let Some(colon) = t.iter().position(|b| *b == b':') else {
        return Shape::Date;
    };
    let after = &t[colon..];
    if after.iter().any(|b| *b == b'+' || *b == b'-')
        || after.ends_with(b"Z")
        || after.ends_with(b"UTC")
    {
        Shape::TimestampTz
    } else {
        Shape::Timestamp
    }
}

pub(crate) fn timestamp_arg(ctx: &Context<'_>, i: usize) -> Result<Option<(i64, Shape)>> {
    match ctx.get_raw(i) {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => {
            let shape = shape_of(t);
            parse_timestamp(t, shape == Shape::TimestampTz)
                .map(|ts| Some((ts, shape)))
                .map_err(|e| {
                    let err = e.to_pg(crate::value::datetime::DateTimeType::Timestamp, t);
                    pg_function_error(err.code, &err.message)
                })
        }
        _ => Err(pg_function_error(
            SqlState::DATATYPE_MISMATCH,
            "a date or timestamp was expected",
        )),
    }
}

fn format_shape(ts: i64, shape: Shape) -> String {
    format_timestamp(ts, shape == Shape::TimestampTz)
        .as_str()
        .to_string()
}

fn interval_add(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some(a), Some(b)) = (interval_arg(ctx, 0)?, interval_arg(ctx, 1)?) else {
        return Ok(None);
    };
    let b = if ctx.get::<i64>(2)? < 0 {
        b.negate().ok_or_else(interval_overflow)?
    } else {
        b
    };
    a.checked_add(b)
        .map(|iv| Some(format_interval(iv)))
        .ok_or_else(interval_overflow)
}

fn interval_scale(ctx: &Context<'_>, divide: bool) -> Result<Option<String>> {
    let (Some(iv), Some(factor)) = (interval_arg(ctx, 0)?, ctx.get::<Option<f64>>(1)?) else {
        return Ok(None);
    };
    let factor = if divide {
        if factor == 0.0 {
            return Err(pg_function_error(
                SqlState::DIVISION_BY_ZERO,
                "division by zero",
            ));
        }
        1.0 / factor
    } else {
        factor
    };
    iv.scale(factor)
        .map(|iv| Some(format_interval(iv)))
        .ok_or_else(interval_overflow)
}

/// `ts + interval` with the months added first (the day clamped to the month's end), then
/// the days, then the time.
pub(crate) fn add_interval(ts: i64, iv: Interval) -> Option<i64> {
    if ts == TIMESTAMP_INFINITY || ts == TIMESTAMP_NEG_INFINITY {
        return Some(ts);
    }
    let mut days = ts.div_euclid(USECS_PER_DAY) + PG_EPOCH_UNIX_DAYS;
    let time = ts.rem_euclid(USECS_PER_DAY);
    if iv.months != 0 {
        let (y, m, d) = civil_from_days(days);
        let total = y * 12 + i64::from(m) - 1 + i64::from(iv.months);
        let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
        let nd = d.min(days_in_month(ny, nm));
        days = days_from_civil(ny, nm, nd);
    }
    days += i64::from(iv.days);
    let ts = (days - PG_EPOCH_UNIX_DAYS)
        .checked_mul(USECS_PER_DAY)?
        .checked_add(time)?
        .checked_add(iv.micros)?;
    crate::value::datetime::timestamp_in_range(ts).then_some(ts)
}

/// `pg_ts_add_interval(ts, interval, sign)`: a date becomes a timestamp.
fn ts_add_interval(ctx: &Context<'_>) -> Result<Option<String>> {
    // A value that is no timestamp but an interval (a column the statement does not
    // type): interval arithmetic.
    let interval_value = match ctx.get_raw(0) {
        ValueRef::Text(t) => parse_timestamp(t, false).is_err() && parse_interval(t).is_ok(),
        ValueRef::Integer(_) | ValueRef::Real(_) => true,
        _ => false,
    };
    if interval_value {
        return interval_add(ctx);
    }
    let (Some((ts, shape)), Some(iv)) = (timestamp_arg(ctx, 0)?, interval_arg(ctx, 1)?) else {
        return Ok(None);
    };
    let iv = if ctx.get::<i64>(2)? < 0 {
        iv.negate().ok_or_else(interval_overflow)?
    } else {
        iv
    };
    let shape = if shape == Shape::Date {
        Shape::Timestamp
    } else {
        shape
    };
    let result = add_interval(ts, iv).ok_or_else(timestamp_overflow)?;
    Ok(Some(format_shape(result, shape)))
}

/// `timestamp - timestamp`: the difference in days and time (24-hour days).
fn ts_diff(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some((a, _)), Some((b, _))) = (timestamp_arg(ctx, 0)?, timestamp_arg(ctx, 1)?) else {
        return Ok(None);
    };
    if is_infinite(a) || is_infinite(b) {
        return Err(pg_function_error(
            SqlState::DATETIME_FIELD_OVERFLOW,
            "cannot subtract infinite timestamps",
        ));
    }
    let micros = a.checked_sub(b).ok_or_else(interval_overflow)?;
    let iv = Interval {
        micros,
        ..Interval::default()
    };
    Ok(Some(format_interval(iv.justify_hours())))
}

/// A field name as `date_trunc`, `extract` and `date_part` accept it.
fn field_arg(ctx: &Context<'_>, i: usize) -> Result<Option<String>> {
    Ok(ctx
        .get::<Option<String>>(i)?
        .map(|f| f.trim().to_ascii_lowercase()))
}

fn unit_not_recognized(field: &str, ty: &str) -> rusqlite::Error {
    pg_function_error(
        SqlState::INVALID_PARAMETER_VALUE,
        &format!("unit \"{field}\" not recognized for type {ty}"),
    )
}

/// Broken-down timestamp fields.
struct Fields {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    micros: i64,
    days: i64,
}

fn fields(ts: i64) -> Fields {
    let days = ts.div_euclid(USECS_PER_DAY) + PG_EPOCH_UNIX_DAYS;
    let time = ts.rem_euclid(USECS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Fields {
        year,
        month,
        day,
        hour: time / USECS_PER_HOUR,
        minute: time / USECS_PER_MINUTE % 60,
        micros: time % USECS_PER_MINUTE,
        days,
    }
}

fn compose(days: i64, time: i64) -> i64 {
    (days - PG_EPOCH_UNIX_DAYS) * USECS_PER_DAY + time
}

fn date_trunc(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some(field), Some((ts, shape))) = (field_arg(ctx, 0)?, timestamp_arg(ctx, 1)?) else {
        return Ok(None);
    };
    let shape = if shape == Shape::Date {
        Shape::TimestampTz
    } else {
        shape
    };
    if ts == TIMESTAMP_INFINITY || ts == TIMESTAMP_NEG_INFINITY {
        return Ok(Some(format_shape(ts, shape)));
    }
    let f = fields(ts);
    let time = ts.rem_euclid(USECS_PER_DAY);
    let first_of = |y: i64, m: u32| days_from_civil(y, m, 1);
    let year_start = |y: i64| days_from_civil(y, 1, 1);
    let truncated = match field.as_str() {
        "microseconds" => ts,
        "milliseconds" => compose(f.days, time - time % 1_000),
        "second" => compose(f.days, time - time % USECS_PER_SEC),
        "minute" => compose(f.days, time - time % USECS_PER_MINUTE),
        "hour" => compose(f.days, time - time % USECS_PER_HOUR),
        "day" => compose(f.days, 0),
        "week" => {
            // ISO weeks start on Monday; 1970-01-01 was a Thursday.
            let monday = f.days - (f.days + 3).rem_euclid(7);
            compose(monday, 0)
        }
        "month" => compose(first_of(f.year, f.month), 0),
        "quarter" => compose(first_of(f.year, (f.month - 1) / 3 * 3 + 1), 0),
        "year" => compose(year_start(f.year), 0),
        "decade" => compose(year_start(f.year.div_euclid(10) * 10), 0),
        "century" => compose(year_start((f.year - 1).div_euclid(100) * 100 + 1), 0),
        "millennium" => compose(year_start((f.year - 1).div_euclid(1000) * 1000 + 1), 0),
        _ => {
            let ty = if shape == Shape::TimestampTz {
                "timestamp with time zone"
            } else {
                "timestamp without time zone"
            };
            return Err(unit_not_recognized(&field, ty));
        }
    };
    Ok(Some(format_shape(truncated, shape)))
}

/// An `extract` result: `value / 10^scale`, written as numeric with `scale` digits.
pub(crate) struct Scaled {
    value: i128,
    scale: u32,
}

impl Scaled {
    fn int(v: i64) -> Scaled {
        Scaled {
            value: i128::from(v),
            scale: 0,
        }
    }

    fn text(&self) -> String {
        if self.scale == 0 {
            return self.value.to_string();
        }
        let unit = 10i128.pow(self.scale);
        let sign = if self.value < 0 { "-" } else { "" };
        let abs = self.value.unsigned_abs();
        format!(
            "{sign}{}.{:0width$}",
            abs / unit as u128,
            abs % unit as u128,
            width = self.scale as usize
        )
    }

    fn float(&self) -> Value {
        Value::Real(self.value as f64 / 10f64.powi(self.scale as i32))
    }
}

/// `extract(field FROM value)` for a date, timestamp or interval.
fn extract(ctx: &Context<'_>) -> Result<Option<Scaled>> {
    let Some(field) = field_arg(ctx, 0)? else {
        return Ok(None);
    };
    let timestamp = match ctx.get_raw(1) {
        ValueRef::Null => return Ok(None),
        ValueRef::Text(t) if parse_timestamp(t, false).is_err() => None,
        _ => timestamp_arg(ctx, 1)?,
    };
    match timestamp {
        Some((ts, shape)) => extract_timestamp(&field, ts, shape).map(Some),
        None => match interval_arg(ctx, 1)? {
            Some(iv) => extract_interval(&field, iv).map(Some),
            None => Ok(None),
        },
    }
}

fn extract_timestamp(field: &str, ts: i64, shape: Shape) -> Result<Scaled> {
    let ty = match shape {
        Shape::Date => "date",
        Shape::Timestamp => "timestamp without time zone",
        Shape::TimestampTz => "timestamp with time zone",
    };
    if ts == TIMESTAMP_INFINITY || ts == TIMESTAMP_NEG_INFINITY {
        return Err(pg_function_error(
            SqlState::FEATURE_NOT_SUPPORTED,
            &format!("unit \"{field}\" not supported for type {ty}"),
        ));
    }
    let f = fields(ts);
    let is_date = shape == Shape::Date;
    if is_date
        && matches!(
            field,
            "hour" | "minute" | "second" | "milliseconds" | "microseconds"
        )
    {
        return Err(pg_function_error(
            SqlState::FEATURE_NOT_SUPPORTED,
            &format!("unit \"{field}\" not supported for type date"),
        ));
    }
    let micros6 = |v: i64| Scaled {
        value: i128::from(v),
        scale: 6,
    };
    // ISO weekday: Monday 1 .. Sunday 7; 1970-01-01 was a Thursday.
    let isodow = (f.days + 3).rem_euclid(7) + 1;
    let iso_week = || {
        let thursday = f.days - isodow + 4;
        let (y, _, _) = civil_from_days(thursday);
        (thursday - days_from_civil(y, 1, 1)) / 7 + 1
    };
    Ok(match field {
        "year" => Scaled::int(f.year),
        "month" => Scaled::int(i64::from(f.month)),
        "day" => Scaled::int(i64::from(f.day)),
        "hour" => Scaled::int(f.hour),
        "minute" => Scaled::int(f.minute),
        "second" => micros6(f.micros),
        "milliseconds" => Scaled {
            value: i128::from(f.micros),
            scale: 3,
        },
        "microseconds" => Scaled::int(f.micros),
        "dow" => Scaled::int(isodow % 7),
        "isodow" => Scaled::int(isodow),
        "doy" => Scaled::int(f.days - days_from_civil(f.year, 1, 1) + 1),
        "week" => Scaled::int(iso_week()),
        "quarter" => Scaled::int(i64::from((f.month - 1) / 3 + 1)),
        "decade" => Scaled::int(f.year.div_euclid(10)),
        "century" => Scaled::int(if f.year > 0 {
            (f.year + 99) / 100
        } else {
            -((99 - (f.year - 1)) / 100)
        }),
        "millennium" => Scaled::int(if f.year > 0 {
            (f.year + 999) / 1000
        } else {
            -((999 - (f.year - 1)) / 1000)
        }),
        "epoch" => {
            let unix = ts + PG_EPOCH_UNIX_DAYS * USECS_PER_DAY;
            if is_date {
                Scaled::int(unix / USECS_PER_SEC)
            } else {
                micros6(unix)
            }
        }
        "timezone" | "timezone_hour" | "timezone_minute" if shape == Shape::TimestampTz => {
            Scaled::int(0)
        }
        _ => return Err(unit_not_recognized(field, ty)),
    })
}

fn extract_interval(field: &str, iv: Interval) -> Result<Scaled> {
    let time = iv.micros;
    Ok(match field {
        "microseconds" => Scaled::int(time % USECS_PER_MINUTE),
        "milliseconds" => Scaled {
            value: i128::from(time % USECS_PER_MINUTE),
            scale: 3,
        },
        "second" => Scaled {
            value: i128::from(time % USECS_PER_MINUTE),
            scale: 6,
        },
        "minute" => Scaled::int(time / USECS_PER_MINUTE % 60),
        "hour" => Scaled::int(time / USECS_PER_HOUR),
        "day" => Scaled::int(i64::from(iv.days)),
        "month" => Scaled::int(i64::from(iv.months % 12)),
        "quarter" => Scaled::int(i64::from(iv.months % 12 / 3 + 1)),
        "year" => Scaled::int(i64::from(iv.months / 12)),
        "decade" => Scaled::int(i64::from(iv.months / 120)),
        "century" => Scaled::int(i64::from(iv.months / 1200)),
        "millennium" => Scaled::int(i64::from(iv.months / 12000)),
        "epoch" => {
            let secs = i128::from(iv.months / 12) * 31_557_600
                + i128::from(iv.months % 12) * 2_592_000
                + i128::from(iv.days) * 86_400;
            Scaled {
                value: secs * 1_000_000 + i128::from(time),
                scale: 6,
            }
        }
        _ => return Err(unit_not_recognized(field, "interval")),
    })
}

/// `age(a, b)`: the difference in years, months and days, as PostgreSQL reckons it.
fn age(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some((a, _)), Some((b, _))) = (timestamp_arg(ctx, 0)?, timestamp_arg(ctx, 1)?) else {
        return Ok(None);
    };
    if is_infinite(a) || is_infinite(b) {
        return Err(interval_overflow());
    }
    let (f1, f2) = (fields(a), fields(b));
    let flip = if a < b { -1 } else { 1 };
    let mut micros = (f1.micros - f2.micros) * flip;
    let mut minute = (f1.minute - f2.minute) * flip;
    let mut hour = (f1.hour - f2.hour) * flip;
    let mut day = (i64::from(f1.day) - i64::from(f2.day)) * flip;
    let mut month = (i64::from(f1.month) - i64::from(f2.month)) * flip;
    let mut year = (f1.year - f2.year) * flip;
    while micros < 0 {
        micros += USECS_PER_MINUTE;
        minute -= 1;
    }
    while minute < 0 {
        minute += 60;
        hour -= 1;
    }
    while hour < 0 {
        hour += 24;
        day -= 1;
    }
    while day < 0 {
        let borrow = if a < b {
            days_in_month(f1.year, f1.month)
        } else {
            days_in_month(f2.year, f2.month)
        };
        day += i64::from(borrow);
        month -= 1;
    }
    while month < 0 {
        month += 12;
        year -= 1;
    }
    let iv = Interval {
        months: ((year * 12 + month) * flip) as i32,
        days: (day * flip) as i32,
        micros: (hour * USECS_PER_HOUR + minute * USECS_PER_MINUTE + micros) * flip,
    };
    Ok(Some(format_interval(iv)))
}

fn make_timestamp(ctx: &Context<'_>) -> Result<Option<String>> {
    let mut ints = [0i64; 5];
    for (i, slot) in ints.iter_mut().enumerate() {
        match int_arg(ctx, i)? {
            Some(v) => *slot = v,
            None => return Ok(None),
        }
    }
    let Some(sec) = ctx.get::<Option<f64>>(5)? else {
        return Ok(None);
    };
    let [y, mo, d, h, mi] = ints;
    let days = civil_days(y, mo, d).ok_or_else(|| {
        pg_function_error(
            SqlState::DATETIME_FIELD_OVERFLOW,
            &format!("date field value out of range: {y}-{mo:02}-{d:02}"),
        )
    })?;
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0.0..60.0).contains(&sec) {
        return Err(pg_function_error(
            SqlState::DATETIME_FIELD_OVERFLOW,
            &format!("time field value out of range: {h}:{mi:02}:{sec:02}"),
        ));
    }
    let time = h * USECS_PER_HOUR + mi * USECS_PER_MINUTE + (sec * 1e6).round() as i64;
    Ok(Some(format_shape(compose(days, time), Shape::Timestamp)))
}

/// `make_interval(years, months, weeks, days, hours, mins, secs)`.
fn make_interval(ctx: &Context<'_>) -> Result<Option<String>> {
    let mut ints = [0i64; 6];
    for (i, slot) in ints.iter_mut().enumerate() {
        match int_arg(ctx, i)? {
            Some(v) => *slot = v,
            None => return Ok(None),
        }
    }
    let Some(secs) = ctx.get::<Option<f64>>(6)? else {
        return Ok(None);
    };
    let [years, months, weeks, days, hours, mins] = ints;
    let months = years.checked_mul(12).and_then(|m| m.checked_add(months));
    let days = weeks.checked_mul(7).and_then(|d| d.checked_add(days));
    let micros = hours
        .checked_mul(USECS_PER_HOUR)
        .and_then(|h| h.checked_add(mins.checked_mul(USECS_PER_MINUTE)?))
        .and_then(|t| t.checked_add((secs * 1e6).round() as i64));
    match (
        months.and_then(|m| i32::try_from(m).ok()),
        days.and_then(|d| i32::try_from(d).ok()),
        micros,
    ) {
        (Some(months), Some(days), Some(micros)) => Ok(Some(format_interval(Interval {
            months,
            days,
            micros,
        }))),
        _ => Err(interval_overflow()),
    }
}

/// `(a1, a2) OVERLAPS (b1, b2)`: each pair is a period (either end first); NULL when
/// the answer depends on a missing end.
fn overlaps(ctx: &Context<'_>) -> Result<Option<bool>> {
    let mut ends = [None; 4];
    for (i, end) in ends.iter_mut().enumerate() {
        *end = timestamp_arg(ctx, i)?.map(|(ts, _)| ts);
    }
    let order = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(x), Some(y)) if y < x => (Some(y), Some(x)),
        (None, b) => (b, None),
        other => other,
    };
    let (s1, e1) = order(ends[0], ends[1]);
    let (s2, e2) = order(ends[2], ends[3]);
    let (Some(s1), Some(s2)) = (s1, s2) else {
        return Ok(None);
    };
    // PostgreSQL: S1 > S2 and S1 < E2, or S2 > S1 and S2 < E1, or S1 = S2.
    if s1 == s2 {
        return Ok(Some(true));
    }
    let (later, earlier_end) = if s1 > s2 { (s1, e2) } else { (s2, e1) };
    Ok(earlier_end.map(|end| later < end))
}

/// A time zone as an offset east of UTC in seconds: `UTC`/`GMT`/`Z`, or a POSIX-style
/// offset `[+-]hh[:mm[:ss]]` (`+02` is two hours *west* of Greenwich, as PostgreSQL
/// reads a zone name of that form). pgsqlite knows no named zones beyond UTC.
fn zone_offset(zone: &str) -> Option<i64> {
    let z = zone.trim();
    if ["utc", "gmt", "z", "zulu", "etc/utc", "etc/gmt", "universal"]
        .iter()
        .any(|n| z.eq_ignore_ascii_case(n))
    {
        return Some(0);
    }
    let (sign, rest) = match z.as_bytes().first()? {
        b'+' => (-1, &z[1..]),
        b'-' => (1, &z[1..]),
        _ => return None,
    };
    let mut parts = rest.split(':');
    let hours: i64 = parts.next()?.parse().ok()?;
    let minutes: i64 = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    let seconds: i64 = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    if parts.next().is_some() || hours > 15 * 24 || minutes >= 60 || seconds >= 60 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

/// `ts AT TIME ZONE zone`: a timestamp becomes the timestamptz of that wall-clock time in
/// `zone`; a timestamptz becomes the wall-clock timestamp in `zone`.
fn at_time_zone(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some((ts, shape)), Some(zone)) = (timestamp_arg(ctx, 0)?, ctx.get::<Option<String>>(1)?)
    else {
        return Ok(None);
    };
    let offset = zone_offset(&zone).ok_or_else(|| {
        pg_function_error(
            SqlState::INVALID_PARAMETER_VALUE,
            &format!("time zone \"{zone}\" not recognized"),
        )
    })? * USECS_PER_SEC;
    if is_infinite(ts) {
        let shape = if shape == Shape::TimestampTz {
            Shape::Timestamp
        } else {
            Shape::TimestampTz
        };
        return Ok(Some(format_shape(ts, shape)));
    }
    let (result, shape) = match shape {
        Shape::TimestampTz => (ts + offset, Shape::Timestamp),
        _ => (ts - offset, Shape::TimestampTz),
    };
    if !crate::value::datetime::timestamp_in_range(result) {
        return Err(timestamp_overflow());
    }
    Ok(Some(format_shape(result, shape)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> std::result::Result<Value, String> {
        crate::executor::testing::one(register, sql)
    }

    fn text(sql: &str) -> String {
        crate::executor::testing::text(register, sql)
    }

    #[test]
    fn interval_arithmetic() {
        assert_eq!(
            text("SELECT pg_cast_interval('1 day 2 hours')"),
            "1 day 02:00:00"
        );
        assert_eq!(
            text("SELECT pg_interval_add('1 day', '3 hours', 1)"),
            "1 day 03:00:00"
        );
        assert_eq!(text("SELECT pg_interval_mul('1 hour', 3)"), "03:00:00");
        assert_eq!(text("SELECT pg_interval_div('1 day', 2)"), "12:00:00");
        assert!(
            one("SELECT pg_interval_div('1 day', 0)")
                .unwrap_err()
                .contains("22012")
        );
        assert_eq!(text("SELECT pg_interval_neg('2 days')"), "-2 days");
        assert_eq!(
            text("SELECT pg_ts_add_interval('2024-01-31', '1 month', 1)"),
            "2024-02-29 00:00:00"
        );
        assert_eq!(
            text("SELECT pg_ts_add_interval('2024-01-01 10:00:00', '2 hours', -1)"),
            "2024-01-01 08:00:00"
        );
        assert_eq!(
            text("SELECT pg_ts_add_interval('2024-01-01 10:00:00+00', '1 day', 1)"),
            "2024-01-02 10:00:00+00"
        );
        assert_eq!(
            text("SELECT pg_ts_diff('2024-03-01 00:00', '2024-02-28 12:00')"),
            "1 day 12:00:00"
        );
        assert!(
            one("SELECT pg_cast_interval('soon')")
                .unwrap_err()
                .contains("22007")
        );
        // An interval column the statement does not type: interval arithmetic.
        assert_eq!(
            text("SELECT pg_ts_add_interval('1 day', '1 hour', 1)"),
            "1 day 01:00:00"
        );
        assert_eq!(
            text("SELECT pg_ts_add_interval(5, '1 hour', -1)"),
            "-00:59:55"
        );
    }

    #[test]
    fn fields_and_truncation() {
        assert_eq!(
            text("SELECT date_trunc('month', '2024-05-17 13:45:12')"),
            "2024-05-01 00:00:00"
        );
        assert_eq!(
            text("SELECT date_trunc('week', '2024-05-17 13:45:12')"),
            "2024-05-13 00:00:00"
        );
        assert_eq!(
            text("SELECT date_trunc('year', '2024-05-17')"),
            "2024-01-01 00:00:00+00"
        );
        assert!(
            one("SELECT date_trunc('fortnight', '2024-05-17 13:45:12')")
                .unwrap_err()
                .contains("22023")
        );
        assert_eq!(text("SELECT pg_extract('year', '2024-05-17')"), "2024");
        assert_eq!(text("SELECT pg_extract('dow', '2024-05-17')"), "5");
        assert_eq!(text("SELECT pg_extract('doy', '2024-05-17')"), "138");
        assert_eq!(
            text("SELECT pg_extract('epoch', '2024-01-01 00:00:00')"),
            "1704067200.000000"
        );
        assert_eq!(
            text("SELECT pg_extract('second', '2024-01-01 00:00:12.5')"),
            "12.500000"
        );
        assert_eq!(text("SELECT pg_extract('hour', '5 hours 30 minutes')"), "5");
        assert_eq!(
            one("SELECT date_part('epoch', '1 day')"),
            Ok(Value::Real(86_400.0))
        );
        assert_eq!(
            text("SELECT age('2024-05-17 00:00:00', '2000-02-29 00:00:00')"),
            "24 years 2 mons 17 days"
        );
        assert_eq!(text("SELECT make_date(2024, 2, 29)"), "2024-02-29");
        assert!(
            one("SELECT make_date(99999, 1, 1)")
                .unwrap_err()
                .contains("22008")
        );
        assert!(
            one("SELECT make_timestamp(294276, 12, 31, 0, 0, 0)")
                .unwrap_err()
                .contains("22008")
        );
        assert!(
            one("SELECT age('infinity', '2024-01-01 00:00:00')")
                .unwrap_err()
                .contains("22008")
        );
        assert_eq!(
            text("SELECT pg_at_time_zone('infinity', '+02')"),
            "infinity"
        );
        assert!(
            one("SELECT make_date(2023, 2, 29)")
                .unwrap_err()
                .contains("22008")
        );
        assert_eq!(
            text("SELECT make_timestamp(2024, 2, 29, 12, 30, 15.5)"),
            "2024-02-29 12:30:15.5"
        );
        assert_eq!(
            text("SELECT pg_make_interval(0, 0, 0, 3, 4, 0, 0)"),
            "3 days 04:00:00"
        );
        assert_eq!(text("SELECT justify_hours('30 hours')"), "1 day 06:00:00");
        assert_eq!(
            text("SELECT pg_at_time_zone('2024-01-01 12:00:00+02', 'UTC')"),
            "2024-01-01 10:00:00"
        );
        assert_eq!(
            text("SELECT pg_at_time_zone('2024-01-01 12:00:00', 'UTC')"),
            "2024-01-01 12:00:00+00"
        );
    }
}
