//! `SqliteExecutor`: one SQLite connection per session, with its statement cache.

use super::errors::{is_busy, sqlite_error};
use super::group_commit::GroupCommit;
use super::{BulkFeed, ColumnInfo, Executor, Outcome, Row, RowSink, StatementInfo};
use crate::cancel::CancelHandle;
use crate::error::{Error, PgError};
use crate::protocol::types::{Oid, oid_from_type_name};
use crate::value::oid_for_value;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many prepared statements each session keeps, keyed by SQL text.
pub const STATEMENT_CACHE_CAPACITY: usize = 256;

/// Where sessions' data lives: a database file, or one in-memory database shared by
/// every session of the server.
#[derive(Clone)]
pub struct Database {
    target: Target,
    busy_timeout: Duration,
    stats: Option<StatsProvider>,
    /// Writers queue here, first come first served, before they touch SQLite's lock.
    write_gate: Arc<Semaphore>,
    /// Commits share WAL syncs (file databases, unless turned off).
    group_commit: Option<Arc<GroupCommit>>,
    /// The process holds the file locked against other processes (file databases).
    exclusive: bool,
}

/// Answers `pgsqlite_stat(name)`: the value of one statistic.
pub type StatsProvider = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("target", &self.target)
            .field("busy_timeout", &self.busy_timeout)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
enum Target {
    File(PathBuf),
    /// A `memdb` VFS database; `_anchor` keeps it alive while no session is connected.
    Memory {
        uri: String,
        _anchor: Arc<Mutex<Connection>>,
    },
}

impl Database {
    /// A database file, opened in WAL mode. Created if missing.
    pub fn file(path: impl AsRef<Path>) -> Database {
        Database {
            target: Target::File(path.as_ref().to_path_buf()),
            busy_timeout: Duration::from_secs(5),
            stats: None,
            write_gate: Arc::new(Semaphore::new(1)),
            group_commit: Some(Arc::new(GroupCommit::new())),
            exclusive: true,
        }
    }

    /// A fresh in-memory database that every connection opened from this value (and its
    /// clones) shares; it lives as long as any clone does.
    pub fn memory() -> Result<Database, Error> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let uri = format!("file:/pgsqlite-{}-{n}?vfs=memdb", std::process::id());
        let anchor = open_uri(&uri).map_err(sqlite_error)?;
        Ok(Database {
            target: Target::Memory {
                uri,
                _anchor: Arc::new(Mutex::new(anchor)),
            },
            busy_timeout: Duration::from_secs(5),
            stats: None,
            write_gate: Arc::new(Semaphore::new(1)),
            group_commit: None,
            exclusive: false,
        })
    }

    /// How long a statement waits for another connection's lock before failing.
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Database {
        self.busy_timeout = timeout;
        self
    }

    /// Whether commits to a file database share WAL syncs (the default) or each commit
    /// syncs by itself (`synchronous=FULL`). Either way a commit is on disk before the
    /// client is told; see [`GroupCommit`]. No effect on the in-memory database.
    pub fn with_group_commit(mut self, on: bool) -> Database {
        self.group_commit = match (&self.target, on) {
            (Target::File(_), true) => self.group_commit.or_else(|| Some(Arc::default())),
            _ => None,
        };
        self
    }

    /// Whether this process takes the database file for itself (the default): one lock
    /// against other processes for as long as any session has it open, instead of a
    /// lock and an unlock (two `fcntl` calls) around every transaction. Sessions of
    /// this server still share the file; other processes (the `sqlite3` shell, say)
    /// get "database is locked" until the server closes it. `false` shares the file
    /// with them. No effect on the in-memory database.
    pub fn with_exclusive_access(mut self, on: bool) -> Database {
        self.exclusive = on && matches!(self.target, Target::File(_));
        self
    }

    /// The group commit, if it is on.
    pub fn group_commit(&self) -> Option<&Arc<GroupCommit>> {
        self.group_commit.as_ref()
    }

    /// Every connection gets a `pgsqlite_stats(name, value)` view answered by `provider`.
    pub fn with_stats(mut self, provider: StatsProvider) -> Database {
        self.stats = Some(provider);
        self
    }

    /// A short description for logs: the file path or "in-memory".
    pub fn describe(&self) -> String {
        match &self.target {
            Target::File(path) => path.display().to_string(),
            Target::Memory { .. } => "in-memory (shared by all sessions)".to_string(),
        }
    }

    /// Opens a new connection for one session.
    pub fn connect(&self) -> Result<SqliteExecutor, Error> {
        let mut group = None;
        let mut conn = match &self.target {
            Target::File(path) => {
                // SQLite's "unix-excl" VFS: same-process connections coordinate in
                // memory, as always; only the lock towards other processes changes.
                let vfs = if self.exclusive { "unix-excl" } else { "unix" };
                let conn = Connection::open_with_flags_and_vfs(path, flags(), vfs)
                    .map_err(sqlite_error)?;
                let mode: String = conn
                    .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
                    .map_err(sqlite_error)?;
                if let (Some(commits), Some(db)) = (&self.group_commit, conn.path())
                    && mode.eq_ignore_ascii_case("wal")
                {
                    commits.attach(PathBuf::from(format!("{db}-wal")))?;
                    group = Some(commits.clone());
                }
                // Group commit syncs the WAL itself, before a commit is acknowledged.
                let synchronous = if group.is_some() { "NORMAL" } else { "FULL" };
                conn.pragma_update(None, "synchronous", synchronous)
                    .map_err(sqlite_error)?;
                conn
            }
            Target::Memory { uri, .. } => open_uri(uri).map_err(sqlite_error)?,
        };
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sqlite_error)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        super::functions::register(&conn).map_err(sqlite_error)?;
        rusqlite::vtab::series::load_module(&conn).map_err(sqlite_error)?;
        if let Some(provider) = &self.stats {
            super::functions::register_stats(&conn, provider.clone()).map_err(sqlite_error)?;
        }
        let committed = Arc::new(AtomicBool::new(false));
        if group.is_some() {
            let flag = committed.clone();
            conn.commit_hook(Some(move || {
                // Called by SQLite just before it commits a write transaction.
                flag.store(true, Ordering::Relaxed);
                false
            }))
            .map_err(sqlite_error)?;
            // Group commit syncs the WAL: leaving WAL mode would leave commits unsynced.
            conn.authorizer(Some(|ctx: AuthContext<'_>| match ctx.action {
                AuthAction::Pragma {
                    pragma_name,
                    pragma_value: Some(_),
                } if pragma_name.eq_ignore_ascii_case("journal_mode") => Authorization::Deny,
                _ => Authorization::Allow,
            }))
            .map_err(sqlite_error)?;
        }
        Ok(SqliteExecutor {
            group_commit: group,
            committed,
            conn,
            busy_timeout: self.busy_timeout,
            statement_timeout: Duration::ZERO,
            write_gate: self.write_gate.clone(),
            write_permit: None,
            catalog: None,
            settings: None,
        })
    }
}

fn flags() -> OpenFlags {
    OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
}

fn open_uri(uri: &str) -> rusqlite::Result<Connection> {
    Connection::open_with_flags(uri, flags())
}

/// A session's SQLite connection.
///
/// Lock waits are asynchronous: SQLite's own busy handler would sleep inside
/// `sqlite3_step` and block the worker thread (and every session on it, possibly the
/// very one holding the lock). Writers of one [`Database`] first queue on its write
/// gate, a fair asynchronous semaphore: a statement that writes holds it while it runs
/// in autocommit, or from its transaction's first write until the transaction ends, so
/// sessions of this server never poll for SQLite's write lock. What the gate cannot
/// cover (another process on the same file, readers of the in-memory database) is
/// retried on a short timer by [`run`].
///
/// [`run`]: Executor::run
pub struct SqliteExecutor {
    conn: Connection,
    busy_timeout: Duration,
    statement_timeout: Duration,
    write_gate: Arc<Semaphore>,
    write_permit: Option<OwnedSemaphorePermit>,
    group_commit: Option<Arc<GroupCommit>>,
    /// Set by SQLite's commit hook: a write transaction committed since the last check.
    committed: Arc<AtomicBool>,
    /// The attached `pg_catalog` and `information_schema`, once a statement has read
    /// them: sessions that never do pay nothing for them.
    catalog: Option<super::catalog::Catalog>,
    /// The session's parameters, for the catalog.
    settings: Option<crate::session::settings::SharedSettings>,
}

impl std::fmt::Debug for SqliteExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteExecutor")
            .field("busy_timeout", &self.busy_timeout)
            .finish_non_exhaustive()
    }
}

impl SqliteExecutor {
    /// The underlying rusqlite connection.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    async fn attempt<S: RowSink>(
        &mut self,
        sql: &str,
        params: &[ToSqlOutput<'_>],
        sink: &mut S,
    ) -> Result<Outcome, Attempt> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(Attempt::from_sqlite)?;
        if !stmt.readonly() && self.write_permit.is_none() {
            let gate = self.write_gate.clone().acquire_owned();
            match tokio::time::timeout(self.busy_timeout, gate).await {
                Ok(Ok(permit)) => self.write_permit = Some(permit),
                _ => return Err(Attempt::Failed(write_lock_timeout().into())),
            }
        }
        for (i, param) in params.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, param)
                .map_err(Attempt::from_sqlite)?;
        }
        let mut rows = stmt.raw_query();
        let first = rows.next().map_err(Attempt::from_sqlite)?;
        sink.start(first).await.map_err(Attempt::Failed)?;
        let Some(first) = first else {
            drop(rows);
            return Ok(Outcome {
                rows: 0,
                changes: self.conn.changes(),
            });
        };
        sink.row(first).await.map_err(Attempt::Failed)?;
        let mut count = 1;
        while let Some(row) = rows
            .next()
            .map_err(|e| Attempt::Failed(sqlite_error(e).into()))?
        {
            sink.row(row).await.map_err(Attempt::Failed)?;
            count += 1;
        }
        drop(rows);
        Ok(Outcome {
            rows: count,
            changes: self.conn.changes(),
        })
    }
}

fn write_lock_timeout() -> PgError {
    PgError::new(
        crate::error::SqlState::LOCK_NOT_AVAILABLE,
        "could not obtain the database write lock in time",
    )
}

impl SqliteExecutor {
    /// Queues on the database's write gate unless this session already holds it.
    async fn acquire_write_gate(&mut self) -> Result<(), Error> {
        if self.write_permit.is_none() {
            let gate = self.write_gate.clone().acquire_owned();
            match tokio::time::timeout(self.busy_timeout, gate).await {
                Ok(Ok(permit)) => self.write_permit = Some(permit),
                _ => return Err(write_lock_timeout().into()),
            }
        }
        Ok(())
    }
}

enum Attempt {
    /// Locked by another connection before anything happened: worth retrying.
    Busy(rusqlite::Error),
    Failed(Error),
}

impl Attempt {
    fn from_sqlite(err: rusqlite::Error) -> Attempt {
        if is_busy(&err) {
            Attempt::Busy(err)
        } else {
            Attempt::Failed(sqlite_error(err).into())
        }
    }
}

impl SqliteExecutor {
    /// Runs the statement, waiting on a timer while another connection holds the lock.
    async fn retry_busy<S: RowSink>(
        &mut self,
        sql: &str,
        params: &[ToSqlOutput<'_>],
        sink: &mut S,
        deadline: Instant,
    ) -> Result<Outcome, Error> {
        let mut pause = Duration::from_micros(50);
        loop {
            match self.attempt(sql, params, sink).await {
                Ok(outcome) => return Ok(outcome),
                Err(Attempt::Failed(err)) => return Err(err),
                Err(Attempt::Busy(err)) => {
                    if Instant::now() + pause > deadline {
                        return Err(sqlite_error(err).into());
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(2));
                }
            }
        }
    }
}

impl Row for rusqlite::Row<'_> {
    fn len(&self) -> usize {
        self.as_ref().column_count()
    }

    fn value(&self, index: usize) -> ValueRef<'_> {
        self.get_ref(index).unwrap_or(ValueRef::Null)
    }
}

impl Executor for SqliteExecutor {
    fn describe(&mut self, sql: &str) -> Result<StatementInfo, Error> {
        let stmt = self.conn.prepare_cached(sql).map_err(sqlite_error)?;
        let columns = stmt
            .columns()
            .map(|c| ColumnInfo {
                name: c.name().to_string(),
                declared_type: c.decl_type().map(str::to_string),
            })
            .collect();
        Ok(StatementInfo {
            columns,
            param_count: stmt.parameter_count(),
            read_only: stmt.readonly(),
        })
    }

    async fn run<S: RowSink>(
        &mut self,
        sql: &str,
        params: &[ToSqlOutput<'_>],
        sink: &mut S,
    ) -> Result<Outcome, Error> {
        let started = Instant::now();
        let deadline = started + self.busy_timeout;
        let timed = !self.statement_timeout.is_zero();
        if timed {
            // Checked every few thousand SQLite VM steps: true interrupts the statement.
            let until = started + self.statement_timeout;
            self.conn
                .progress_handler(4096, Some(move || Instant::now() >= until))
                .map_err(sqlite_error)?;
        }
        let result = self.retry_busy(sql, params, sink, deadline).await;
        if self.write_permit.is_some() && self.conn.is_autocommit() {
            // The write committed (or the transaction holding the gate ended).
            self.write_permit = None;
        }
        if timed {
            let _ = self.conn.progress_handler(0, None::<fn() -> bool>);
        }
        if let Some(group) = &self.group_commit
            && self.committed.swap(false, Ordering::Relaxed)
        {
            // The write lock is released: the next writer commits while this one waits
            // for the disk, and the same sync may cover both.
            if let Err(failure) = group.durable().await {
                return Err(
                    PgError::new(crate::error::SqlState::IO_ERROR, failure.to_string()).into(),
                );
            }
        }
        match result {
            Err(Error::Pg(err))
                if timed
                    && err.code == crate::error::SqlState::QUERY_CANCELED
                    && started.elapsed() >= self.statement_timeout =>
            {
                Err(PgError::new(
                    crate::error::SqlState::QUERY_CANCELED,
                    "canceling statement due to statement timeout",
                )
                .into())
            }
            other => other,
        }
    }

    async fn reserve_write(&mut self) -> Result<(), Error> {
        self.acquire_write_gate().await
    }

    fn run_each(&mut self, sql: &str, feed: &mut BulkFeed<'_>) -> Result<(), Error> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(sqlite_error)?;
        feed(&mut |params: &[ToSqlOutput<'_>]| {
            for (i, param) in params.iter().enumerate() {
                stmt.raw_bind_parameter(i + 1, param)
                    .map_err(sqlite_error)?;
            }
            stmt.raw_execute().map_err(sqlite_error)?;
            Ok(())
        })
    }

    fn first_row_types(
        &mut self,
        sql: &str,
        params: &[ToSqlOutput<'_>],
    ) -> Option<Vec<Option<Oid>>> {
        let mut stmt = self.conn.prepare_cached(sql).ok()?;
        for (i, param) in params.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, param).ok()?;
        }
        let mut rows = stmt.raw_query();
        let row = rows.next().ok()??;
        Some(
            (0..Row::len(row))
                .map(|i| match row.value(i) {
                    ValueRef::Null => None,
                    value => Some(oid_for_value(value)),
                })
                .collect(),
        )
    }

    fn is_autocommit(&self) -> bool {
        self.conn.is_autocommit()
    }

    fn table_columns(&mut self, table: &str) -> Vec<super::TableColumn> {
        let Ok(mut stmt) = self
            .conn
            .prepare_cached("SELECT name, type FROM pragma_table_info(?1)")
        else {
            return Vec::new();
        };
        let rows = stmt.query_map([table], |row| {
            let name: String = row.get(0)?;
            let declared: String = row.get(1)?;
            // An untyped column (a view's, say) says nothing about its parameters.
            let ty = match declared.trim() {
                "" => crate::protocol::types::oid::UNSPECIFIED,
                declared => oid_from_type_name(declared),
            };
            Ok(super::TableColumn { name, ty, declared })
        });
        match rows {
            Ok(rows) => rows.filter_map(Result::ok).collect(),
            Err(_) => Vec::new(),
        }
    }

    fn clear_cache(&mut self) {
        self.conn.flush_prepared_statement_cache();
    }

    fn set_statement_timeout(&mut self, timeout: Duration) {
        self.statement_timeout = timeout;
    }

    fn refresh_catalog(&mut self, settings: bool) -> Result<(), Error> {
        // Rebuilding writes only the private in-memory catalog: that commit is no write
        // to the user's file for group commit to wait on.
        let committed = self.committed.load(Ordering::Relaxed);
        if self.catalog.is_none() {
            let mut catalog = super::catalog::Catalog::install(&self.conn).map_err(sqlite_error)?;
            if let Some(shared) = &self.settings {
                catalog.share_settings(shared);
            }
            self.catalog = Some(catalog);
        }
        let catalog = self.catalog.as_mut().expect("installed above");
        let result = catalog.refresh(&self.conn, settings);
        self.committed.store(committed, Ordering::Relaxed);
        result.map_err(|e| sqlite_error(e).into())
    }

    fn catalog_attached(&self) -> bool {
        self.catalog.is_some()
    }

    fn share_settings(&mut self, settings: &crate::session::settings::SharedSettings) {
        self.settings = Some(settings.clone());
        if let Some(catalog) = &mut self.catalog {
            catalog.share_settings(settings);
        }
        if let Err(err) = super::settings::register(&self.conn, settings) {
            tracing::warn!(error = %err, "current_setting and set_config are unavailable");
        }
    }

    fn cancel_handle(&self) -> CancelHandle {
        let handle = self.conn.get_interrupt_handle();
        Arc::new(move || handle.interrupt())
    }
}
