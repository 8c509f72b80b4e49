//! Casts with PostgreSQL's semantics, as SQLite functions the SQL front end calls
//! (`'abc'::integer` fails with 22P02 instead of giving 0, `2.5::int` is 3 and `2.5::float8::int` 2, a date is
//! checked and written in ISO form).
//!
//! Each function takes the value to convert and returns it in the storage form pgsqlite
//! uses for the type: integers and floats as SQLite numbers, booleans as 0/1, dates and
//! timestamps as ISO text. NULL stays NULL.

use super::pg_function_error;
use crate::error::SqlState;
use crate::value::datetime::{DateTimeError, format_date, format_time, format_timestamp};
use crate::value::datetime::{parse_date, parse_time, parse_timestamp};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Result};

/// Registers the `pg_cast_*` functions on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("pg_cast_int", 2, flags, |ctx| {
        let bits: i64 = ctx.get(1)?;
        cast_int(ctx, bits, round_half_away)
    })?;
    conn.create_scalar_function("pg_cast_int_rint", 2, flags, |ctx| {
        let bits: i64 = ctx.get(1)?;
        cast_int(ctx, bits, f64::round_ties_even)
    })?;
    conn.create_scalar_function("pg_cast_float", 1, flags, |ctx| cast_float(ctx))?;
    conn.create_scalar_function("pg_cast_numeric", 3, flags, |ctx| cast_numeric(ctx))?;
    conn.create_scalar_function("pg_cast_bool", 1, flags, |ctx| cast_bool(ctx))?;
    conn.create_scalar_function("pg_cast_date", 1, flags, |ctx| {
        cast_datetime(ctx, DateTimeKind::Date)
    })?;
    conn.create_scalar_function("pg_cast_time", 1, flags, |ctx| {
        cast_datetime(ctx, DateTimeKind::Time)
    })?;
    conn.create_scalar_function("pg_cast_timestamp", 1, flags, |ctx| {
        cast_datetime(ctx, DateTimeKind::Timestamp)
    })?;
    conn.create_scalar_function("pg_cast_timestamptz", 1, flags, |ctx| {
        cast_datetime(ctx, DateTimeKind::TimestampTz)
    })?;
    conn.create_scalar_function("pg_cast_uuid", 1, flags, |ctx| cast_uuid(ctx))?;
    conn.create_scalar_function("pg_store_char", 3, flags, |ctx| store_char(ctx))?;
    Ok(())
}

/// `invalid input syntax for type <name>: "<text>"` (22P02).
fn invalid_input(type_name: &str, text: &str) -> rusqlite::Error {
    pg_function_error(
        SqlState::INVALID_TEXT_REPRESENTATION,
        &format!("invalid input syntax for type {type_name}: \"{text}\""),
    )
}

fn int_type_name(bits: i64) -> &'static str {
    match bits {
        16 => "smallint",
        32 => "integer",
        _ => "bigint",
    }
}

fn int_in_range(value: i128, bits: i64) -> Result<i64> {
    let (min, max) = match bits {
        16 => (i128::from(i16::MIN), i128::from(i16::MAX)),
        32 => (i128::from(i32::MIN), i128::from(i32::MAX)),
        _ => (i128::from(i64::MIN), i128::from(i64::MAX)),
    };
    if (min..=max).contains(&value) {
        Ok(value as i64)
    } else {
        Err(pg_function_error(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            &format!("{} out of range", int_type_name(bits)),
        ))
    }
}

/// Numeric to integer rounds half away from zero.
fn round_half_away(f: f64) -> f64 {
    f.round()
}

fn round_float_to_int(f: f64, bits: i64, round: fn(f64) -> f64) -> Result<i64> {
    let rounded = round(f);
    if !rounded.is_finite() || rounded.abs() > 1.8e19 {
        return int_in_range(i128::MAX, bits);
    }
    int_in_range(rounded as i128, bits)
}

fn cast_int(ctx: &Context<'_>, bits: i64, round: fn(f64) -> f64) -> Result<Option<i64>> {
    match ctx.get_raw(0) {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(i) => int_in_range(i128::from(i), bits).map(Some),
        ValueRef::Real(f) => round_float_to_int(f, bits, round).map(Some),
        ValueRef::Text(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let trimmed = text.trim();
            let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
            let valid = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
            if !valid {
                return Err(invalid_input(int_type_name(bits), &text));
            }
            match trimmed.parse::<i128>() {
                Ok(v) => int_in_range(v, bits).map(Some),
                Err(_) => int_in_range(i128::MAX, bits).map(Some),
            }
        }
        ValueRef::Blob(_) => Err(cannot_cast("bytea", int_type_name(bits))),
    }
}

fn cannot_cast(from: &str, to: &str) -> rusqlite::Error {
    pg_function_error(
        SqlState::CANNOT_COERCE,
        &format!("cannot cast type {from} to {to}"),
    )
}

fn parse_float(text: &str) -> Option<f64> {
    let t = text.trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => Some(f64::INFINITY),
        "-infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => {
            let ok = !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
            if ok { t.parse().ok() } else { None }
        }
    }
}

fn cast_float(ctx: &Context<'_>) -> Result<Option<f64>> {
    match ctx.get_raw(0) {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(i) => Ok(Some(i as f64)),
        ValueRef::Real(f) => Ok(Some(f)),
        ValueRef::Text(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            parse_float(&text)
                .map(Some)
                .ok_or_else(|| invalid_input("double precision", &text))
        }
        ValueRef::Blob(_) => Err(cannot_cast("bytea", "double precision")),
    }
}

/// A decimal number as sign, digits and the position of the decimal point.
struct Decimal {
    negative: bool,
    /// Digits without leading zeros of the integer part.
    int: String,
    frac: String,
}

fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], body[at + 1..].parse::<i32>().ok()?),
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || exponent.abs() > 1000
    {
        return None;
    }
    // Shift the point by the exponent.
    let mut digits = format!("{int}{frac}");
    let mut point = int.len() as i64 + i64::from(exponent);
    if point < 0 {
        digits.insert_str(0, &"0".repeat((-point) as usize));
        point = 0;
    }
    if point as usize > digits.len() {
        digits.push_str(&"0".repeat(point as usize - digits.len()));
    }
    let (i, f) = digits.split_at(point as usize);
    Some(Decimal {
        negative,
        int: i.trim_start_matches('0').to_string(),
        frac: f.to_string(),
    })
}

impl Decimal {
    /// Rounds to `scale` fraction digits, half away from zero.
    fn round(&mut self, scale: usize) {
        if self.frac.len() <= scale {
            return;
        }
        let round_up = self.frac.as_bytes()[scale] >= b'5';
        self.frac.truncate(scale);
        if round_up {
            let mut digits: Vec<u8> = format!("{}{}", self.int, self.frac).into_bytes();
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, b'1');
                    break;
                }
                i -= 1;
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            }
            let int_len = digits.len() - scale;
            let text = String::from_utf8(digits).unwrap_or_default();
            self.int = text[..int_len].trim_start_matches('0').to_string();
            self.frac = text[int_len..].to_string();
        }
    }

    fn is_zero(&self) -> bool {
        self.int.is_empty() && self.frac.bytes().all(|b| b == b'0')
    }

    fn text(&self) -> String {
        let sign = if self.negative && !self.is_zero() {
            "-"
        } else {
            ""
        };
        let int = if self.int.is_empty() { "0" } else { &self.int };
        if self.frac.is_empty() {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{}", self.frac)
        }
    }
}

/// `pg_cast_numeric(x, precision, scale)`; precision and scale NULL when not given. The
/// result is an integer when it has no fraction digits, else a float (SQLite has no
/// decimal type: exact decimal arithmetic is a known difference).
fn cast_numeric(ctx: &Context<'_>) -> Result<Value> {
    let text = match ctx.get_raw(0) {
        ValueRef::Null => return Ok(Value::Null),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => {
            if !f.is_finite() {
                return Ok(Value::Real(f));
            }
            let mut buf = ryu::Buffer::new();
            buf.format(f).to_string()
        }
        ValueRef::Text(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        ValueRef::Blob(_) => return Err(cannot_cast("bytea", "numeric")),
    };
    if text.trim().eq_ignore_ascii_case("nan") {
        // SQLite would store a NaN float as NULL; numeric's text form survives.
        return Ok(Value::Text("NaN".into()));
    }
    let mut decimal = parse_decimal(&text).ok_or_else(|| invalid_input("numeric", &text))?;
    let precision: Option<i64> = ctx.get(1)?;
    let scale: Option<i64> = ctx.get(2)?;
    if let Some(precision) = precision {
        let scale = scale.unwrap_or(0).max(0) as usize;
        decimal.round(scale);
        let int_digits = decimal.int.len() as i64;
        if int_digits > precision - scale as i64 {
            let bound = precision - scale as i64;
            return Err(pg_function_error(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                "numeric field overflow",
            )
            .with_detail_suffix(&format!(
                "A field with precision {precision}, scale {scale} must round to an absolute value less than 10^{bound}."
            )));
        }
    }
    let out = decimal.text();
    if !out.contains('.')
        && let Ok(i) = out.parse::<i64>()
    {
        return Ok(Value::Integer(i));
    }
    Ok(out.parse::<f64>().map_or(Value::Text(out), Value::Real))
}

/// Adds a DETAIL line to a function error (kept in the message after a newline).
trait WithDetail {
    fn with_detail_suffix(self, detail: &str) -> Self;
}

impl WithDetail for rusqlite::Error {
    fn with_detail_suffix(self, detail: &str) -> Self {
        match self {
            rusqlite::Error::UserFunctionError(e) => {
                rusqlite::Error::UserFunctionError(format!("{e}\n{detail}").into())
            }
            other => other,
        }
    }
}

/// PostgreSQL's boolean input: `t`/`true`/`yes`/`on`/`1` and their opposites, any case,
/// unique prefixes of the words, surrounding spaces ignored.
pub fn parse_bool(text: &str) -> Option<bool> {
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() {
        return None;
    }
    let prefix_of = |word: &str, min: usize| t.len() >= min && word.starts_with(t.as_str());
    if prefix_of("true", 1) || prefix_of("yes", 1) || t == "on" || t == "1" {
        Some(true)
    } else if prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || t == "0" {
        Some(false)
    } else {
        None
    }
}

fn cast_bool(ctx: &Context<'_>) -> Result<Option<bool>> {
    match ctx.get_raw(0) {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(i) => Ok(Some(i != 0)),
        ValueRef::Real(_) => Err(cannot_cast("double precision", "boolean")),
        ValueRef::Text(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            parse_bool(&text)
                .map(Some)
                .ok_or_else(|| invalid_input("boolean", &text))
        }
        ValueRef::Blob(_) => Err(cannot_cast("bytea", "boolean")),
    }
}

#[derive(Clone, Copy)]
enum DateTimeKind {
    Date,
    Time,
    Timestamp,
    TimestampTz,
}

impl DateTimeKind {
    fn name(self) -> &'static str {
        match self {
            DateTimeKind::Date => "date",
            DateTimeKind::Time => "time without time zone",
            DateTimeKind::Timestamp => "timestamp without time zone",
            DateTimeKind::TimestampTz => "timestamp with time zone",
        }
    }
}

fn cast_datetime(ctx: &Context<'_>, kind: DateTimeKind) -> Result<Option<String>> {
    let bytes = match ctx.get_raw(0) {
        ValueRef::Null => return Ok(None),
        ValueRef::Text(bytes) => bytes,
        ValueRef::Integer(_) => return Err(cannot_cast("integer", kind.name())),
        ValueRef::Real(_) => return Err(cannot_cast("double precision", kind.name())),
        ValueRef::Blob(_) => return Err(cannot_cast("bytea", kind.name())),
    };
    let result = match kind {
        DateTimeKind::Date => parse_date(bytes).map(|d| format_date(d).as_str().to_string()),
        DateTimeKind::Time => parse_time(bytes).map(|t| format_time(t).as_str().to_string()),
        DateTimeKind::Timestamp => {
            parse_timestamp(bytes, false).map(|t| format_timestamp(t, false).as_str().to_string())
        }
        DateTimeKind::TimestampTz => {
            parse_timestamp(bytes, true).map(|t| format_timestamp(t, true).as_str().to_string())
        }
    };
    let text = String::from_utf8_lossy(bytes);
    result.map(Some).map_err(|err| match err {
        DateTimeError::Syntax => pg_function_error(
            SqlState::INVALID_DATETIME_FORMAT,
            &format!("invalid input syntax for type {}: \"{text}\"", kind.name()),
        ),
        DateTimeError::FieldOverflow => pg_function_error(
            SqlState::DATETIME_FIELD_OVERFLOW,
            &format!("date/time field value out of range: \"{text}\""),
        ),
        DateTimeError::OutOfRange => pg_function_error(
            SqlState::DATETIME_FIELD_OVERFLOW,
            &format!("{} out of range: \"{text}\"", kind.name()),
        ),
    })
}

/// `pg_store_char(value, n, padded)`: a value written to a `varchar(n)` (padded 0) or
/// `char(n)` (padded 1) column. Longer values are 22001 unless only spaces are cut;
/// `char(n)` is blank-padded to `n`.
fn store_char(ctx: &Context<'_>) -> Result<Option<String>> {
    let mut text = match ctx.get_raw(0) {
        ValueRef::Null => return Ok(None),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => ryu::Buffer::new().format(f).to_string(),
        ValueRef::Blob(_) => return Err(cannot_cast("bytea", "character varying")),
    };
    let n: i64 = ctx.get(1)?;
    let padded: bool = ctx.get(2)?;
    let n = usize::try_from(n).unwrap_or(0);
    let len = text.chars().count();
    if len > n {
        let cut = text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
        if text[cut..].bytes().any(|b| b != b' ') {
            let name = if padded {
                "character"
            } else {
                "character varying"
            };
            return Err(pg_function_error(
                SqlState::STRING_DATA_RIGHT_TRUNCATION,
                &format!("value too long for type {name}({n})"),
            ));
        }
        text.truncate(cut);
    } else if padded {
        text.extend(std::iter::repeat_n(' ', n - len));
    }
    Ok(Some(text))
}

/// UUIDs in PostgreSQL's input forms (hyphens anywhere between digit groups of four,
/// optional braces), written back in the canonical lower-case form.
fn cast_uuid(ctx: &Context<'_>) -> Result<Option<String>> {
    let bytes = match ctx.get_raw(0) {
        ValueRef::Null => return Ok(None),
        ValueRef::Text(bytes) => bytes,
        _ => return Err(cannot_cast("non-text value", "uuid")),
    };
    let text = String::from_utf8_lossy(bytes);
    let body = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(&text);
    let hex: String = body
        .chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) || body.starts_with('-') {
        return Err(invalid_input("uuid", &text));
    }
    Ok(Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        c
    }

    fn one(c: &Connection, sql: &str) -> std::result::Result<Value, String> {
        c.query_row(sql, [], |r| r.get::<_, Value>(0))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn integers_round_and_check() {
        let c = conn();
        assert_eq!(
            one(&c, "SELECT pg_cast_int(2.5, 32)"),
            Ok(Value::Integer(3))
        );
        assert_eq!(
            one(&c, "SELECT pg_cast_int(-2.5, 32)"),
            Ok(Value::Integer(-3))
        );
        assert_eq!(
            one(&c, "SELECT pg_cast_int(' 42 ', 16)"),
            Ok(Value::Integer(42))
        );
        let err = one(&c, "SELECT pg_cast_int('abc', 32)").unwrap_err();
        assert!(err.contains("[22P02]"), "{err}");
        let err = one(&c, "SELECT pg_cast_int(40000, 16)").unwrap_err();
        assert!(err.contains("[22003] smallint out of range"), "{err}");
    }

    #[test]
    fn numerics_round_half_away_from_zero() {
        let c = conn();
        assert_eq!(
            one(&c, "SELECT pg_cast_numeric(12.345, 10, 2)"),
            Ok(Value::Real(12.35))
        );
        assert_eq!(
            one(&c, "SELECT pg_cast_numeric('-0.005', 5, 2)"),
            Ok(Value::Real(-0.01))
        );
        assert_eq!(
            one(&c, "SELECT pg_cast_numeric('9.99', 3, 1)"),
            Ok(Value::Real(10.0))
        );
        let err = one(&c, "SELECT pg_cast_numeric('999.9', 3, 0)").unwrap_err();
        assert!(err.contains("[22003] numeric field overflow"), "{err}");
    }

    #[test]
    fn booleans_dates_uuids() {
        let c = conn();
        assert_eq!(
            one(&c, "SELECT pg_cast_bool(' Yes ')"),
            Ok(Value::Integer(1))
        );
        assert_eq!(one(&c, "SELECT pg_cast_bool('of')"), Ok(Value::Integer(0)));
        let err = one(&c, "SELECT pg_cast_bool('o')").unwrap_err();
        assert!(
            err.contains("[22P02] invalid input syntax for type boolean"),
            "{err}"
        );
        assert_eq!(one(&c, "SELECT pg_cast_bool('off')"), Ok(Value::Integer(0)));
        assert_eq!(
            one(&c, "SELECT pg_cast_date('2024-1-2')"),
            Ok(Value::Text("2024-01-02".into()))
        );
        let err = one(&c, "SELECT pg_cast_date('2024-02-30')").unwrap_err();
        assert!(err.contains("[22008]"), "{err}");
        assert_eq!(
            one(
                &c,
                "SELECT pg_cast_uuid('{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}')"
            ),
            Ok(Value::Text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".into()))
        );
    }
}
