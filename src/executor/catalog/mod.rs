//! A live `pg_catalog` and `information_schema` for each SQLite connection.
//!
//! The first statement of a session that reads the catalog attaches two private in-memory databases named `pg_catalog` and
//! `information_schema`, holding real, indexed tables with PostgreSQL 15's columns
//! ([`generated`]). System rows (built-in types, access methods, collations, system
//! schemas) are inserted once; the rows describing the user's schema are rebuilt from
//! SQLite's own schema ([`fill`]) only when `PRAGMA schema_version` of `main` has
//! changed since the last rebuild, which [`Catalog::refresh`] checks (two pragma reads)
//! before a statement that reads the catalog. The version a rebuild saw is kept in the
//! attached database's `user_version`, so that a rebuild rolled back with the user's
//! transaction is noticed. Nothing is written to the user's database file.

mod fill;
mod functions;
pub mod generated;
pub mod oids;

use crate::session::settings::{SharedSettings, lock};
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// OID of the bootstrap superuser (the session's user).
pub const SUPERUSER_OID: u32 = 10;
/// OID of the `pg_database_owner` role, which owns `public`.
pub const DATABASE_OWNER_OID: u32 = 6171;
/// OID of the `pg_catalog` schema.
pub const PG_CATALOG_OID: u32 = 11;
/// OID of the `public` schema.
pub const PUBLIC_OID: u32 = 2200;

/// The relations (tables and views) of `pg_catalog` and `information_schema`, by name.
pub fn is_catalog_relation(schema: Option<&str>, name: &str) -> bool {
    generated::RELATIONS
        .iter()
        .any(|(s, n, _)| *n == name && schema.is_none_or(|schema| *s == schema))
}

/// True for the names of the functions that read the catalog's state.
pub fn is_catalog_function(name: &str) -> bool {
    functions::NAMES.contains(&name)
}

/// What the catalog functions (`pg_get_indexdef`, `::regclass`) look up, refreshed with
/// the catalog tables.
#[derive(Default)]
pub(crate) struct State {
    /// Relation OID to name.
    pub relations: HashMap<u32, String>,
    /// Relation name to OID.
    pub relation_oids: HashMap<String, u32>,
    /// `pg_get_indexdef` and `pg_get_constraintdef` texts, by OID.
    pub definitions: HashMap<u32, String>,
    /// Index OID to its key columns as `pg_get_indexdef(oid, n, ...)` shows them.
    pub index_columns: HashMap<u32, Vec<String>>,
    /// The session's parameters (user name, database, settings).
    pub settings: Option<SharedSettings>,
}

impl State {
    /// The session's user name.
    pub fn user(&self) -> String {
        self.settings
            .as_ref()
            .and_then(|s| {
                lock(s)
                    .get("session_authorization")
                    .ok()
                    .map(|(_, v)| v.to_string())
            })
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "postgres".to_string())
    }

    /// The database the session connected to.
    pub fn database(&self) -> String {
        self.settings
            .as_ref()
            .map(|s| lock(s).database().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "main".to_string())
    }
}

/// A connection's catalog.
pub struct Catalog {
    state: Arc<Mutex<State>>,
    /// The (user, database) the session tables were filled for.
    session: Option<(String, String)>,
    /// The version [`State`] was built for: a rebuild inside a transaction that rolled
    /// back leaves the tables as before but the state as rebuilt.
    state_version: i32,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").finish_non_exhaustive()
    }
}

fn lock_state(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl Catalog {
    /// Attaches the catalog schemas to `conn`, creates their tables with the system
    /// rows, and registers the catalog functions.
    pub fn install(conn: &Connection) -> rusqlite::Result<Catalog> {
        let state = Arc::new(Mutex::new(State::default()));
        fill::create(conn)?;
        functions::register(conn, state.clone())?;
        Ok(Catalog {
            state,
            session: None,
            state_version: 0,
        })
    }

    /// Makes the session's parameters (user, database, settings) visible to the catalog.
    pub fn share_settings(&mut self, settings: &SharedSettings) {
        lock_state(&self.state).settings = Some(settings.clone());
    }

    /// Rebuilds the rows describing the user's schema if it changed since the last
    /// rebuild; with `settings`, refills `pg_settings` too.
    pub fn refresh(&mut self, conn: &Connection, settings: bool) -> rusqlite::Result<()> {
        let version: i32 = conn
            .prepare_cached("PRAGMA main.schema_version")?
            .query_row([], |r| r.get(0))?;
        let built: i32 = conn
            .prepare_cached("PRAGMA pg_catalog.user_version")?
            .query_row([], |r| r.get(0))?;
        // Never built, or built in a transaction the user rolled back, which took the
        // tables with it (ATTACH itself stays).
        if built == 0 && !fill::has_tables(conn)? {
            fill::create_tables(conn)?;
        }
        let want = version.wrapping_add(1).max(1);
        let (user, database) = {
            let state = lock_state(&self.state);
            (state.user(), state.database())
        };
        let session_changed = self.session.as_ref() != Some(&(user.clone(), database.clone()));
        let stale = built != want || self.state_version != want;
        if !stale && !session_changed && !settings {
            return Ok(());
        }
        conn.execute_batch("SAVEPOINT pgsqlite_catalog")?;
        let result = (|| {
            if stale || session_changed {
                fill::session(conn, &user, &database)?;
            }
            if stale {
                let mut state = lock_state(&self.state);
                fill::schema(conn, &mut state)?;
                conn.execute_batch(&format!("PRAGMA pg_catalog.user_version = {want}"))?;
            }
            if settings {
                let state = lock_state(&self.state);
                fill::settings(conn, &state)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => {
                conn.execute_batch("RELEASE pgsqlite_catalog")?;
                self.session = Some((user, database));
                if stale {
                    self.state_version = want;
                }
                Ok(())
            }
            Err(err) => {
                let _ =
                    conn.execute_batch("ROLLBACK TO pgsqlite_catalog; RELEASE pgsqlite_catalog");
                Err(err)
            }
        }
    }
}
