//! `SqliteExecutor`: one SQLite connection per session, with its statement cache.

use super::errors::{is_busy, sqlite_error};
use super::group_commit::GroupCommit;
use super::isolation::Isolation;
use super::{BulkFeed, ColumnInfo, Executor, Outcome, Row, RowSink, StatementInfo};
use crate::cancel::CancelHandle;
use crate::error::{Error, PgError};
use crate::protocol::types::{Oid, oid_from_type_name};
use crate::value::oid_for_value;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionState};
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

/// Answers `pgsqlite_stats`: every statistic as (name, value), measured once per call.
pub type StatsProvider = Arc<dyn Fn() -> Vec<(&'static str, String)> + Send + Sync>;

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
        // Process-wide on purpose: the memdb VFS's names are shared by every connection
        // of the process, whichever server opened it, so they must never repeat.
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
        super::sequences::register(&mut conn).map_err(sqlite_error)?;
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
            lock_timeout: Duration::ZERO,
            settings: None,
            savepoints: Vec::new(),
            write_gate: self.write_gate.clone(),
            write_permit: None,
            catalog: None,
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
/// retried on a short timer by [`run`]. A wait for the lock ends at `lock_timeout`
/// (55P03), `statement_timeout` (57014) or the server's busy timeout, whichever comes
/// first.
///
/// Isolation (see [`Isolation`]): under READ COMMITTED, a transaction that has only read
/// so far and whose first write meets a stale snapshot (`SQLITE_BUSY_SNAPSHOT`: another
/// session committed since its first read) is started afresh with the write lock
/// (`ROLLBACK`, `BEGIN IMMEDIATE`, its savepoints again) and the statement runs again;
/// the client never sees the conflict. Under REPEATABLE READ and SERIALIZABLE it is
/// 40001, as in PostgreSQL.
///
/// [`run`]: Executor::run
pub struct SqliteExecutor {
    conn: Connection,
    busy_timeout: Duration,
    statement_timeout: Duration,
    lock_timeout: Duration,
    /// The session's parameters: `transaction_isolation` decides what a stale snapshot
    /// means, and the catalog's `pg_settings` shows them.
    settings: Option<crate::session::settings::SharedSettings>,
    /// The savepoint statements (`SAVEPOINT`, `RELEASE`, `ROLLBACK TO`) the open
    /// transaction ran, in order: replayed when it starts afresh.
    savepoints: Vec<String>,
    write_gate: Arc<Semaphore>,
    write_permit: Option<OwnedSemaphorePermit>,
    group_commit: Option<Arc<GroupCommit>>,
    /// Set by SQLite's commit hook: a write transaction committed since the last check.
    committed: Arc<AtomicBool>,
    /// The attached `pg_catalog` and `information_schema`, once a statement has read
    /// them: sessions that never do pay nothing for them.
    catalog: Option<super::catalog::Catalog>,
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
        wait: Wait,
    ) -> Result<Outcome, Attempt> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(Attempt::from_sqlite)?;
        if !stmt.readonly() && self.write_permit.is_none() {
            let permit = wait_for_gate(&self.write_gate, wait)
                .await
                .map_err(|e| Attempt::Failed(e.into()))?;
            self.write_permit = Some(permit);
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

/// What ends a wait for a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WaitLimit {
    /// The server's busy timeout.
    Busy,
    /// The session's `lock_timeout`.
    Lock,
    /// The session's `statement_timeout`.
    Statement,
}

/// How long a statement may wait for locks, and what it is told when it cannot.
#[derive(Clone, Copy, Debug)]
struct Wait {
    until: Instant,
    limit: WaitLimit,
}

impl Wait {
    /// The error for a wait that ran out.
    fn expired(self) -> PgError {
        use crate::error::SqlState;
        match self.limit {
            WaitLimit::Busy => PgError::new(
                SqlState::LOCK_NOT_AVAILABLE,
                "could not obtain the database write lock in time",
            ),
            WaitLimit::Lock => PgError::new(
                SqlState::LOCK_NOT_AVAILABLE,
                "canceling statement due to lock timeout",
            ),
            WaitLimit::Statement => PgError::new(
                SqlState::QUERY_CANCELED,
                "canceling statement due to statement timeout",
            ),
        }
    }
}

/// Queues on the database's write gate, asynchronously, until `wait` runs out.
async fn wait_for_gate(gate: &Arc<Semaphore>, wait: Wait) -> Result<OwnedSemaphorePermit, PgError> {
    let until = tokio::time::Instant::from_std(wait.until);
    match tokio::time::timeout_at(until, gate.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(wait.expired()),
    }
}

/// True for the savepoint statements the session runs (`SAVEPOINT "a"`, `RELEASE "a"`,
/// `ROLLBACK TO "a"`), which a transaction started afresh runs again.
fn is_savepoint_statement(sql: &str) -> bool {
    ["SAVEPOINT ", "RELEASE ", "ROLLBACK TO "]
        .iter()
        .any(|head| sql.starts_with(head))
}

impl SqliteExecutor {
    /// The isolation level of the open transaction.
    fn isolation(&self) -> Isolation {
        self.settings
            .as_ref()
            .map(|s| crate::session::settings::lock(s).isolation())
            .unwrap_or_default()
    }

    /// The lock wait a statement starting at `started` gets.
    fn wait_from(&self, started: Instant) -> Wait {
        let mut wait = Wait {
            until: started + self.busy_timeout,
            limit: WaitLimit::Busy,
        };
        for (span, limit) in [
            (self.lock_timeout, WaitLimit::Lock),
            (self.statement_timeout, WaitLimit::Statement),
        ] {
            if !span.is_zero() && started + span < wait.until {
                wait = Wait {
                    until: started + span,
                    limit,
                };
            }
        }
        wait
    }

    /// Queues on the database's write gate unless this session already holds it.
    async fn acquire_write_gate(&mut self, wait: Wait) -> Result<(), Error> {
        if self.write_permit.is_none() {
            self.write_permit = Some(wait_for_gate(&self.write_gate, wait).await?);
        }
        Ok(())
    }

    /// The transaction state over every schema (main, temp, attached).
    fn transaction_state(&self) -> TransactionState {
        self.conn
            .transaction_state(None::<&str>)
            .unwrap_or(TransactionState::Write)
    }

    /// True if the open transaction has not written, so that starting it afresh loses
    /// nothing but its snapshot.
    fn only_read(&self) -> bool {
        !self.conn.is_autocommit() && self.transaction_state() != TransactionState::Write
    }

    /// Starts the open transaction afresh with the write lock: `ROLLBACK` of what only
    /// read, `BEGIN IMMEDIATE`, and its savepoints again. The caller holds the write
    /// gate and has checked [`only_read`](Self::only_read).
    async fn restart_with_write_lock(&mut self, wait: Wait) -> Result<(), Error> {
        self.conn.execute_batch("ROLLBACK").map_err(sqlite_error)?;
        self.begin_again(wait, true).await
    }

    /// The second half of a restart, after the `ROLLBACK`: `BEGIN IMMEDIATE` (or a plain
    /// `BEGIN` without `write_lock`) and the savepoints again.
    async fn begin_again(&mut self, wait: Wait, write_lock: bool) -> Result<(), Error> {
        let mut pause = Duration::from_micros(50);
        let begun = loop {
            if !write_lock {
                break Ok(());
            }
            match self.conn.execute_batch("BEGIN IMMEDIATE") {
                Ok(()) => break Ok(()),
                // Another process holds the file's write lock: wait on a timer.
                Err(err) if is_busy(&err) && Instant::now() + pause <= wait.until => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(2));
                }
                Err(err) if is_busy(&err) => break Err(Error::from(wait.expired())),
                Err(err) => break Err(sqlite_error(err).into()),
            }
        };
        if begun.is_err() || !write_lock {
            // The session's transaction stays open (it fails on the error).
            self.conn.execute_batch("BEGIN").map_err(sqlite_error)?;
        }
        for sql in &self.savepoints {
            self.conn.execute_batch(sql).map_err(sqlite_error)?;
        }
        if write_lock {
            super::isolation::record_snapshot_restart();
        }
        begun
    }

    /// Under READ COMMITTED, a transaction that has only read and must queue for the
    /// write lock lets go of its snapshot while it waits, and begins again with the lock
    /// once it has it. The snapshot would be stale anyway once the writer ahead commits,
    /// and snapshots held by waiting sessions keep SQLite from checkpointing the WAL
    /// back to its start (every commit then tries again, and the WAL grows).
    async fn queue_without_snapshot(&mut self, sql: &str, wait: Wait) -> Result<(), Error> {
        if self.write_permit.is_some() || self.conn.is_autocommit() {
            return Ok(());
        }
        let writes = match self.conn.prepare_cached(sql) {
            Ok(stmt) => !stmt.readonly(),
            Err(_) => return Ok(()),
        };
        if !writes
            || self.transaction_state() != TransactionState::Read
            || !self.isolation().fresh_snapshot_per_statement()
        {
            return Ok(());
        }
        if let Ok(permit) = self.write_gate.clone().try_acquire_owned() {
            // Nobody ahead: the snapshot may well be current.
            self.write_permit = Some(permit);
            return Ok(());
        }
        self.conn.execute_batch("ROLLBACK").map_err(sqlite_error)?;
        match wait_for_gate(&self.write_gate, wait).await {
            Ok(permit) => {
                self.write_permit = Some(permit);
                self.begin_again(wait, true).await
            }
            Err(err) => {
                self.begin_again(wait, false).await?;
                Err(err.into())
            }
        }
    }
}

enum Attempt {
    /// Locked by another connection before anything happened: worth retrying.
    Busy(rusqlite::Error),
    /// The transaction's snapshot is older than the last commit: it cannot write.
    Stale(rusqlite::Error),
    Failed(Error),
}

impl Attempt {
    fn from_sqlite(err: rusqlite::Error) -> Attempt {
        match &err {
            rusqlite::Error::SqliteFailure(failure, _)
                if failure.extended_code == rusqlite::ffi::SQLITE_BUSY_SNAPSHOT =>
            {
                Attempt::Stale(err)
            }
            _ if is_busy(&err) => Attempt::Busy(err),
            _ => Attempt::Failed(sqlite_error(err).into()),
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
        wait: Wait,
    ) -> Result<Outcome, Error> {
        self.queue_without_snapshot(sql, wait).await?;
        let mut pause = Duration::from_micros(50);
        let mut restarted = false;
        loop {
            match self.attempt(sql, params, sink, wait).await {
                Ok(outcome) => return Ok(outcome),
                Err(Attempt::Failed(err)) => return Err(err),
                Err(Attempt::Stale(err)) => {
                    // Nothing reached the sink: the first step failed.
                    if restarted || !self.isolation().fresh_snapshot_per_statement() {
                        return Err(sqlite_error(err).into());
                    }
                    if !self.only_read() {
                        return Err(sqlite_error(err).into());
                    }
                    self.restart_with_write_lock(wait).await?;
                    restarted = true;
                }
                Err(Attempt::Busy(err)) => {
                    if Instant::now() + pause > wait.until {
                        return Err(match wait.limit {
                            WaitLimit::Busy => sqlite_error(err),
                            _ => wait.expired(),
                        }
                        .into());
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
        let wait = self.wait_from(started);
        let timed = !self.statement_timeout.is_zero();
        if timed {
            // Checked every few thousand SQLite VM steps: true interrupts the statement.
            let until = started + self.statement_timeout;
            self.conn
                .progress_handler(4096, Some(move || Instant::now() >= until))
                .map_err(sqlite_error)?;
        }
        let result = self.retry_busy(sql, params, sink, wait).await;
        if self.conn.is_autocommit() {
            // The write committed (or the transaction holding the gate ended).
            self.write_permit = None;
            self.savepoints.clear();
        } else if result.is_ok() && is_savepoint_statement(sql) {
            self.savepoints.push(sql.to_string());
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
        let wait = self.wait_from(Instant::now());
        self.acquire_write_gate(wait).await?;
        if self.only_read() {
            // A transaction that has not read yet has no snapshot to keep; under READ
            // COMMITTED one that has read may take a fresh one.
            let no_snapshot = self.transaction_state() == TransactionState::None;
            if no_snapshot || self.isolation().fresh_snapshot_per_statement() {
                self.restart_with_write_lock(wait).await?;
            }
        }
        Ok(())
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

    fn set_lock_timeout(&mut self, timeout: Duration) {
        self.lock_timeout = timeout;
    }

    async fn edit_table(&mut self, edit: &crate::sql::alter::TableEdit) -> Result<bool, Error> {
        self.reserve_write().await?;
        super::edit::edit_table(&self.conn, edit)
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
