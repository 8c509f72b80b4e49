//! `nextval`, `currval`, `setval` and `lastval`, over the sequences of
//! [`crate::sql::sequence`]: a sequence table of the user's database, or the
//! `sqlite_sequence` counter of a `serial` primary key (the sequence
//! `<table>_<column>_seq`).
//!
//! A call changes the sequence inside the statement's transaction, so a rolled-back
//! transaction gives its values back (PostgreSQL never does): nothing that used them
//! was committed either. The first call in a transaction takes the database's write
//! lock, as any write does.
//!
//! `currval` and `lastval` are the session's: what `nextval` (or `setval`) last gave it,
//! and, for a `serial` key, the last row id this session inserted into its table.

use super::errors::pg_function_error;
use crate::error::SqlState;
use crate::sql::sequence::{SequenceDef, quote};
use rusqlite::functions::{ConnectionRef, Context, FunctionFlags};
use rusqlite::hooks::Action;
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// What this session's sequence calls and inserts left behind.
#[derive(Debug, Default)]
struct SessionValues {
    /// The last value `nextval`/`setval` gave, per sequence.
    values: HashMap<String, i64>,
    /// The last value `nextval` gave, of any sequence.
    last: Option<i64>,
    /// The last row id inserted, per table (the `currval` of a `serial` key).
    inserted: HashMap<String, i64>,
}

type Shared = Arc<Mutex<SessionValues>>;

fn lock(state: &Shared) -> MutexGuard<'_, SessionValues> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a sequence name stands for.
enum Sequence {
    /// A sequence table.
    Table { name: String, def: SequenceDef },
    /// The `AUTOINCREMENT` counter of `table`'s integer key.
    Serial { name: String, table: String },
}

impl Sequence {
    fn name(&self) -> &str {
        match self {
            Sequence::Table { name, .. } | Sequence::Serial { name, .. } => name,
        }
    }

    fn bounds(&self) -> (i64, i64) {
        match self {
            Sequence::Table { def, .. } => (def.min, def.max),
            Sequence::Serial { .. } => (1, i64::MAX),
        }
    }
}

/// Registers the sequence functions on a session's connection.
pub fn register(conn: &mut Connection) -> rusqlite::Result<()> {
    let state: Shared = Arc::default();
    // Side effects: never constant-folded, never run from a trigger or view of an
    // untrusted schema.
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;
    let s = state.clone();
    // `nextval` is a column default (`serial`, pg_dump's `SET DEFAULT nextval(...)`),
    // which SQLite runs only for functions that are not direct-only.
    conn.create_scalar_function("nextval", 1, FunctionFlags::SQLITE_UTF8, move |ctx| {
        let db = connection(ctx)?;
        let sequence = resolve(&db, &name_arg(ctx, 0)?)?;
        let value = advance(&db, &sequence)?;
        let mut state = lock(&s);
        state.values.insert(sequence.name().to_string(), value);
        state.last = Some(value);
        Ok(value)
    })?;
    let s = state.clone();
    conn.create_scalar_function("currval", 1, flags, move |ctx| {
        let db = connection(ctx)?;
        let sequence = resolve(&db, &name_arg(ctx, 0)?)?;
        let state = lock(&s);
        let value = state
            .values
            .get(sequence.name())
            .copied()
            .or(match &sequence {
                Sequence::Serial { table, .. } => state.inserted.get(table).copied(),
                Sequence::Table { .. } => None,
            });
        value.ok_or_else(|| {
            pg_function_error(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                &format!(
                    "currval of sequence \"{}\" is not yet defined in this session",
                    sequence.name()
                ),
            )
        })
    })?;
    let s = state.clone();
    conn.create_scalar_function("lastval", 0, flags, move |_| {
        lock(&s).last.ok_or_else(|| {
            pg_function_error(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                "lastval is not yet defined in this session",
            )
        })
    })?;
    for arity in [2, 3] {
        let s = state.clone();
        conn.create_scalar_function("setval", arity, flags, move |ctx| {
            let db = connection(ctx)?;
            let sequence = resolve(&db, &name_arg(ctx, 0)?)?;
            let Some(value) = ctx.get::<Option<i64>>(1)? else {
                return Ok(None);
            };
            let called = if arity == 3 {
                ctx.get::<Option<bool>>(2)?.unwrap_or(true)
            } else {
                true
            };
            set(&db, &sequence, value, called)?;
            if called {
                lock(&s).values.insert(sequence.name().to_string(), value);
            }
            Ok(Some(value))
        })?;
    }
    conn.create_scalar_function("pg_sequence_for_drop", 2, flags, |ctx| {
        let db = connection(ctx)?;
        let name = name_arg(ctx, 0)?;
        let if_exists = ctx.get::<bool>(1)?;
        match resolve(&db, &name) {
            Ok(Sequence::Table { .. }) => Ok(None::<i64>),
            Ok(Sequence::Serial { .. }) => Err(pg_function_error(
                SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                &format!("cannot drop sequence {name} because a serial column requires it"),
            )),
            Err(_) if if_exists && !table_exists(&db, &name)? => Ok(None),
            Err(_) if !table_exists(&db, &name)? => Err(pg_function_error(
                SqlState::UNDEFINED_TABLE,
                &format!("sequence \"{name}\" does not exist"),
            )),
            Err(err) => Err(err),
        }
    })?;
    conn.create_scalar_function("pg_sequence_restart", 2, flags, |ctx| {
        let db = connection(ctx)?;
        let sequence = resolve(&db, &name_arg(ctx, 0)?)?;
        let value = match (ctx.get::<Option<i64>>(1)?, &sequence) {
            (Some(v), _) => v,
            (None, Sequence::Table { def, .. }) => def.start,
            (None, Sequence::Serial { .. }) => 1,
        };
        set(&db, &sequence, value, false)?;
        Ok(None::<i64>)
    })?;
    conn.create_scalar_function("pg_restart_identity", 1, flags, |ctx| {
        let db = connection(ctx)?;
        let table = name_arg(ctx, 0)?;
        if table_exists(&db, "sqlite_sequence")? {
            db.execute(
                "DELETE FROM sqlite_sequence WHERE name = ?1 COLLATE NOCASE",
                [&table],
            )
            .map_err(nested)?;
        }
        Ok(None::<i64>)
    })?;
    conn.create_scalar_function(
        "pg_get_serial_sequence",
        2,
        FunctionFlags::SQLITE_UTF8,
        |ctx| {
            let db = connection(ctx)?;
            let table = name_arg(ctx, 0)?;
            let column = ctx.get::<Option<String>>(1)?.unwrap_or_default();
            let name = format!("{table}_{column}_seq");
            Ok(match resolve(&db, &name) {
                Ok(Sequence::Serial { table: t, .. }) if t.eq_ignore_ascii_case(&table) => {
                    Some(format!("public.{name}"))
                }
                _ => None,
            })
        },
    )?;
    let s = state;
    conn.update_hook(Some(
        move |action: Action, db: &str, table: &str, rowid: i64| {
            if action == Action::SQLITE_INSERT && db == "main" {
                let mut state = lock(&s);
                match state.inserted.get_mut(table) {
                    Some(last) => *last = rowid,
                    None => {
                        state.inserted.insert(table.to_string(), rowid);
                    }
                }
            }
        },
    ))?;
    Ok(())
}

/// The connection a function runs on, to read and change the sequence.
#[allow(unsafe_code)]
fn connection<'a>(ctx: &'a Context<'_>) -> rusqlite::Result<ConnectionRef<'a>> {
    // SAFETY: the reference lives only for this call of the function, on the thread
    // SQLite called it on; it is never stored or sent anywhere. SQLite allows a function
    // to run statements on its own connection.
    unsafe { ctx.get_connection() }
}

/// A statement run from inside a function failed: a lock conflict keeps its code (no
/// message, which would reset it), so that the executor waits and runs the statement
/// again; anything else becomes a PostgreSQL error.
fn nested(err: rusqlite::Error) -> rusqlite::Error {
    match err {
        rusqlite::Error::SqliteFailure(failure, _)
            if matches!(
                failure.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            rusqlite::Error::SqliteFailure(failure, None)
        }
        other => {
            let pg = super::errors::sqlite_error(other);
            pg_function_error(pg.code, &pg.message)
        }
    }
}

/// A sequence name argument as PostgreSQL reads a `regclass` text: `public.` dropped,
/// unquoted names folded to lower case.
fn name_arg(ctx: &Context<'_>, index: usize) -> rusqlite::Result<String> {
    let text = ctx.get::<Option<String>>(index)?.unwrap_or_default();
    let text = text.trim();
    let text = text
        .strip_prefix("public.")
        .or_else(|| text.strip_prefix("\"public\"."))
        .unwrap_or(text);
    Ok(
        match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\"\"", "\""),
            None => text.to_lowercase(),
        },
    )
}

fn table_exists(db: &Connection, name: &str) -> rusqlite::Result<bool> {
    db.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
        [name],
        |row| row.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .map_err(nested)
}

/// The sequence `name` stands for: 42P01 if there is none, 42809 for a table that is not
/// one.
fn resolve(db: &Connection, name: &str) -> rusqlite::Result<Sequence> {
    let found: Option<(String, Option<String>)> = db
        .query_row(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
            [name],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(nested)?;
    if let Some((table, sql)) = found {
        return match sql.as_deref().and_then(SequenceDef::from_table_sql) {
            Some(def) => Ok(Sequence::Table { name: table, def }),
            None => Err(pg_function_error(
                SqlState::WRONG_OBJECT_TYPE,
                &format!("\"{table}\" is not a sequence"),
            )),
        };
    }
    if let Some(table) = serial_table(db, name)? {
        return Ok(Sequence::Serial {
            name: name.to_string(),
            table,
        });
    }
    Err(pg_function_error(
        SqlState::UNDEFINED_TABLE,
        &format!("relation \"{name}\" does not exist"),
    ))
}

/// The table whose `serial` key has the sequence `name` (`<table>_<column>_seq`).
fn serial_table(db: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    let Some(stem) = name.strip_suffix("_seq") else {
        return Ok(None);
    };
    let mut stmt = db
        .prepare(
            "SELECT s.name, c.name FROM sqlite_schema AS s, pragma_table_info(s.name) AS c \
             WHERE s.type = 'table' AND s.sql LIKE '%AUTOINCREMENT%' AND c.pk = 1 \
             AND (s.name || '_' || c.name) = ?1 COLLATE NOCASE",
        )
        .map_err(nested)?;
    stmt.query_row([stem], |row| row.get::<_, String>(0))
        .optional()
        .map_err(nested)
}

/// `nextval`: the next value, stored.
fn advance(db: &Connection, sequence: &Sequence) -> rusqlite::Result<i64> {
    match sequence {
        Sequence::Table { name, def } => {
            let (last, called): (i64, bool) = db
                .query_row(
                    &format!("SELECT last_value, is_called FROM {}", quote(name)),
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(nested)?
                .unwrap_or((def.start, false));
            let next = if !called {
                last
            } else {
                match last.checked_add(def.increment) {
                    Some(n) if n >= def.min && n <= def.max => n,
                    _ if def.cycle => {
                        if def.increment > 0 {
                            def.min
                        } else {
                            def.max
                        }
                    }
                    _ => {
                        let (which, bound) = if def.increment > 0 {
                            ("maximum", def.max)
                        } else {
                            ("minimum", def.min)
                        };
                        return Err(pg_function_error(
                            SqlState::SEQUENCE_GENERATOR_LIMIT_EXCEEDED,
                            &format!(
                                "nextval: reached {which} value of sequence \"{name}\" ({bound})"
                            ),
                        ));
                    }
                }
            };
            store(db, name, next, true)?;
            Ok(next)
        }
        Sequence::Serial { table, name } => {
            let current = serial_counter(db, table)?;
            let next = current.checked_add(1).ok_or_else(|| {
                pg_function_error(
                    SqlState::SEQUENCE_GENERATOR_LIMIT_EXCEEDED,
                    &format!("nextval: reached maximum value of sequence \"{name}\""),
                )
            })?;
            set_serial_counter(db, table, next)?;
            Ok(next)
        }
    }
}

/// `setval`: `value` becomes the last value given out (`called`), or the next one.
fn set(db: &Connection, sequence: &Sequence, value: i64, called: bool) -> rusqlite::Result<()> {
    let (min, max) = sequence.bounds();
    if value < min || value > max {
        return Err(pg_function_error(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            &format!(
                "setval: value {value} is out of bounds for sequence \"{}\" ({min}..{max})",
                sequence.name()
            ),
        ));
    }
    match sequence {
        Sequence::Table { name, .. } => store(db, name, value, called),
        Sequence::Serial { table, .. } => {
            set_serial_counter(db, table, if called { value } else { value - 1 })
        }
    }
}

fn store(db: &Connection, name: &str, value: i64, called: bool) -> rusqlite::Result<()> {
    let table = quote(name);
    let changed = db
        .execute(
            &format!("UPDATE {table} SET last_value = ?1, log_cnt = 0, is_called = ?2"),
            (value, called),
        )
        .map_err(nested)?;
    if changed == 0 {
        db.execute(
            &format!("INSERT INTO {table} (last_value, log_cnt, is_called) VALUES (?1, 0, ?2)"),
            (value, called),
        )
        .map_err(nested)?;
    }
    Ok(())
}

/// The last id `table`'s `AUTOINCREMENT` key gave out (0 before the first).
fn serial_counter(db: &Connection, table: &str) -> rusqlite::Result<i64> {
    if !table_exists(db, "sqlite_sequence")? {
        return Ok(0);
    }
    db.query_row(
        "SELECT seq FROM sqlite_sequence WHERE name = ?1",
        [table],
        |row| row.get::<_, i64>(0),
    )
    .optional()
    .map(Option::unwrap_or_default)
    .map_err(nested)
}

fn set_serial_counter(db: &Connection, table: &str, value: i64) -> rusqlite::Result<()> {
    let changed = db
        .execute(
            "UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1",
            (table, value),
        )
        .map_err(nested)?;
    if changed == 0 {
        db.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
            (table, value),
        )
        .map_err(nested)?;
    }
    Ok(())
}
