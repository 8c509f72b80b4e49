//! PostgreSQL functions SQLite lacks, registered on every connection: `now()`,
//! `version()`, `current_database()`, `current_schema()`, `gen_random_uuid()`.

use crate::session::settings::SERVER_VERSION;
use crate::value::datetime::{PG_EPOCH_UNIX_DAYS, USECS_PER_DAY, format_timestamp};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// Registers the functions on `conn`.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let deterministic = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let volatile = FunctionFlags::SQLITE_UTF8;
    // PostgreSQL's now() is the transaction start time; SQLite has no such notion, so
    // this is the statement's time (SQLite evaluates it per call).
    conn.create_scalar_function("now", 0, volatile, |_| Ok(now_text()))?;
    conn.create_scalar_function("transaction_timestamp", 0, volatile, |_| Ok(now_text()))?;
    conn.create_scalar_function("statement_timestamp", 0, volatile, |_| Ok(now_text()))?;
    conn.create_scalar_function("version", 0, deterministic, |_| {
        Ok(format!(
            "PostgreSQL {SERVER_VERSION} on SQLite {}, pgsqlite {}",
            rusqlite::version(),
            env!("CARGO_PKG_VERSION")
        ))
    })?;
    conn.create_scalar_function("current_database", 0, deterministic, |_| Ok("main"))?;
    conn.create_scalar_function("current_schema", 0, deterministic, |_| Ok("public"))?;
    conn.create_scalar_function("gen_random_uuid", 0, volatile, |_| Ok(random_uuid()))?;
    // pg_typeof calls the front end could not type from the statement: the type of the
    // value SQLite holds.
    conn.create_scalar_function("pg_typeof", 1, deterministic, |ctx| {
        Ok(match ctx.get_raw(0) {
            rusqlite::types::ValueRef::Null => "unknown",
            rusqlite::types::ValueRef::Integer(_) => "bigint",
            rusqlite::types::ValueRef::Real(_) => "double precision",
            rusqlite::types::ValueRef::Text(_) => "text",
            rusqlite::types::ValueRef::Blob(_) => "bytea",
        })
    })?;
    super::casts::register(conn)?;
    super::arith::register(conn)?;
    super::math::register(conn)?;
    super::series::register(conn)?;
    super::strings::register(conn)?;
    super::datetime::register(conn)?;
    super::datetime_format::register(conn)?;
    super::encoding::register(conn)?;
    super::regex::register(conn)?;
    super::json::register(conn)?;
    super::array::register(conn)?;
    super::bool_agg::register(conn)?;
    Ok(())
}

/// Registers `pgsqlite_stat(name)`, `pgsqlite_stats_snapshot()` and the temporary view
/// `pgsqlite_stats(name, value)` listing every statistic in [`crate::stats::NAMES`].
///
/// The view reads one snapshot per query: `pgsqlite_stats_snapshot()` returns every
/// statistic as one JSON object (in display order), which `json_each` turns into rows,
/// so the function runs once however many rows are read.
pub fn register_stats(conn: &Connection, provider: super::StatsProvider) -> rusqlite::Result<()> {
    let one = provider.clone();
    conn.create_scalar_function("pgsqlite_stat", 1, FunctionFlags::SQLITE_UTF8, move |ctx| {
        let name: String = ctx.get(0)?;
        Ok(one()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value))
    })?;
    conn.create_scalar_function(
        "pgsqlite_stats_snapshot",
        0,
        FunctionFlags::SQLITE_UTF8,
        move |_| Ok(stats_json(&provider())),
    )?;
    conn.execute_batch(
        "CREATE TEMP VIEW pgsqlite_stats(name, value) AS \
         SELECT CAST(key AS TEXT), CAST(value AS TEXT) FROM json_each(pgsqlite_stats_snapshot())",
    )
}

/// `rows` as one JSON object of strings, in order.
fn stats_json(rows: &[(&'static str, String)]) -> String {
    fn push_string(out: &mut String, text: &str) {
        out.push('"');
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    let mut out = String::from("{");
    for (i, (name, value)) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(&mut out, name);
        out.push(':');
        push_string(&mut out, value);
    }
    out.push('}');
    out
}

/// The current time as timestamptz text (`2024-01-02 03:04:05.678901+00`).
fn now_text() -> String {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let micros = since_epoch.as_micros() as i64 - PG_EPOCH_UNIX_DAYS * USECS_PER_DAY;
    format_timestamp(micros, true).as_str().to_string()
}

/// A version-4 UUID from the standard library's per-process random keys.
fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(i);
        hasher.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stats_view_measures_once_per_query() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let conn = Connection::open_in_memory().unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        register_stats(
            &conn,
            Arc::new(move || {
                let n = counted.fetch_add(1, Ordering::Relaxed);
                vec![
                    ("first", format!("{n}")),
                    ("quote\"back\\slash", "\u{1}x".to_string()),
                    ("last", format!("{n}")),
                ]
            }),
        )
        .unwrap();
        let rows: Vec<(String, String)> = conn
            .prepare("SELECT name, value FROM pgsqlite_stats")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            calls.load(Ordering::Relaxed),
            1,
            "one measurement for all rows"
        );
        assert_eq!(
            rows,
            [
                ("first".to_string(), "0".to_string()),
                ("quote\"back\\slash".to_string(), "\u{1}x".to_string()),
                ("last".to_string(), "0".to_string()),
            ]
        );
        let one: String = conn
            .query_row("SELECT pgsqlite_stat('last')", [], |row| row.get(0))
            .unwrap();
        assert_eq!(one, "1");
    }

    #[test]
    fn functions_answer() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let now: String = conn.query_row("SELECT now()", [], |r| r.get(0)).unwrap();
        assert!(now.ends_with("+00") && now.len() >= 22, "{now}");
        let a: String = conn
            .query_row("SELECT gen_random_uuid()", [], |r| r.get(0))
            .unwrap();
        let b: String = conn
            .query_row("SELECT gen_random_uuid()", [], |r| r.get(0))
            .unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        let v: String = conn
            .query_row("SELECT version()", [], |r| r.get(0))
            .unwrap();
        assert!(v.starts_with("PostgreSQL 15"));
    }
}
