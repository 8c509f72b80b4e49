//! `current_setting` and `set_config`: SQL functions that read and change the session's
//! parameters; `current_database` and `pg_backend_pid`, which tell who the session is.
//!
//! Design: a session owns its parameters as a [`SharedSettings`] (an `Arc<Mutex<..>>`)
//! and hands a clone to its executor, which registers these functions on its SQLite
//! connection. Each session owns one executor and runs one statement at a time, so the
//! lock is never contended: SET/SHOW in the session and the functions in a statement
//! see and change the same values, with no copying back and forth.

use crate::error::SqlState;
use crate::executor::errors::pg_function_error;
use crate::session::settings::{SharedSettings, lock};
use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};

/// Registers `current_setting(name [, missing_ok])` and
/// `set_config(name, value, is_local)` on `conn`, acting on `settings`.
pub fn register(conn: &Connection, settings: &SharedSettings) -> rusqlite::Result<()> {
    let volatile = FunctionFlags::SQLITE_UTF8;
    for args in [1, 2] {
        let shared = settings.clone();
        conn.create_scalar_function("current_setting", args, volatile, move |ctx| {
            current_setting(ctx, &shared)
        })?;
    }
    let shared = settings.clone();
    conn.create_scalar_function("set_config", 3, volatile, move |ctx| {
        set_config(ctx, &shared)
    })?;
    let shared = settings.clone();
    conn.create_scalar_function("current_database", 0, volatile, move |_| {
        Ok(lock(&shared).database().to_string())
    })?;
    for name in ["current_user", "session_user", "user", "current_role"] {
        let shared = settings.clone();
        conn.create_scalar_function(name, 0, volatile, move |_| {
            Ok(lock(&shared)
                .get("session_authorization")
                .map(|(_, user)| user.to_string())
                .unwrap_or_default())
        })?;
    }
    let shared = settings.clone();
    conn.create_scalar_function("current_catalog", 0, volatile, move |_| {
        Ok(lock(&shared).database().to_string())
    })?;
    let shared = settings.clone();
    conn.create_scalar_function("pg_backend_pid", 0, volatile, move |_| {
        Ok(lock(&shared).backend_pid())
    })?;
    Ok(())
}

fn current_setting(
    ctx: &Context<'_>,
    settings: &SharedSettings,
) -> rusqlite::Result<Option<String>> {
    let Some(name) = ctx.get::<Option<String>>(0)? else {
        return Ok(None);
    };
    let missing_ok = ctx.len() > 1 && ctx.get::<Option<bool>>(1)?.unwrap_or(false);
    match lock(settings).get(&name) {
        Ok((_, value)) => Ok(Some(value.to_string())),
        Err(_) if missing_ok => Ok(None),
        Err(err) => Err(pg_function_error(err.code, &err.message)),
    }
}

fn set_config(ctx: &Context<'_>, settings: &SharedSettings) -> rusqlite::Result<Option<String>> {
    let Some(name) = ctx.get::<Option<String>>(0)? else {
        return Err(pg_function_error(
            SqlState::NULL_VALUE_NOT_ALLOWED,
            "SET requires parameter name",
        ));
    };
    let value = ctx.get::<Option<String>>(1)?;
    let is_local = ctx.get::<Option<bool>>(2)?.unwrap_or(false);
    let mut settings = lock(settings);
    let outcome = if is_local {
        settings.set_local(&name, value.as_deref())
    } else {
        settings.set(&name, value.as_deref())
    };
    outcome.map_err(|err| pg_function_error(err.code, &err.message))?;
    Ok(settings.get(&name).ok().map(|(_, v)| v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::settings::Settings;
    use std::sync::{Arc, Mutex};

    #[test]
    fn functions_read_and_change_the_shared_settings() {
        let settings: SharedSettings = Arc::new(Mutex::new(Settings::default()));
        let conn = Connection::open_in_memory().unwrap();
        register(&conn, &settings).unwrap();
        let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, Option<String>>(0));
        assert_eq!(
            one("SELECT current_setting('DateStyle')")
                .unwrap()
                .as_deref(),
            Some("ISO, MDY")
        );
        assert_eq!(
            one("SELECT set_config('myapp.x', '7', false)")
                .unwrap()
                .as_deref(),
            Some("7")
        );
        assert_eq!(lock(&settings).get("myapp.x").unwrap().1, "7");
        assert_eq!(
            one("SELECT current_setting('no.such', true)").unwrap(),
            None
        );
        let err = one("SELECT current_setting('no_such')")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[42704] unrecognized configuration parameter"),
            "{err}"
        );
        one("SELECT set_config('work_mem', '8MB', true)").unwrap();
        assert_eq!(
            one("SELECT current_setting('work_mem')")
                .unwrap()
                .as_deref(),
            Some("8MB")
        );
        lock(&settings).end_transaction();
        lock(&settings).set_database("shop");
        lock(&settings).set_backend_pid(4242);
        lock(&settings)
            .set("session_authorization", Some("ann"))
            .unwrap();
        assert_eq!(
            one("SELECT current_user()").unwrap().as_deref(),
            Some("ann")
        );
        assert_eq!(
            one("SELECT current_catalog()").unwrap().as_deref(),
            Some("shop")
        );
        assert_eq!(
            one("SELECT current_database()").unwrap().as_deref(),
            Some("shop")
        );
        let pid: i64 = conn
            .query_row("SELECT pg_backend_pid()", [], |r| r.get(0))
            .unwrap();
        assert_eq!(pid, 4242);
        assert_eq!(
            one("SELECT current_setting('work_mem')")
                .unwrap()
                .as_deref(),
            Some("4MB")
        );
    }
}
