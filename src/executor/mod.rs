//! The SQL engine side: a backend that prepares and runs statements and streams rows.
//!
//! [`Executor`] is what a session needs from a database; [`SqliteExecutor`] is the one
//! backend today. Rows are never collected into a result set: the executor steps the
//! engine and hands each row to a [`RowSink`], which encodes it into the writer (and may
//! await the socket, which is how backpressure reaches SQLite).

mod arith;
mod array;
mod bool_agg;
mod casts;
pub mod catalog;
mod datetime;
mod datetime_format;
mod edit;
mod encoding;
mod errors;
mod functions;
mod group_commit;
mod isolation;
mod json;
#[cfg(feature = "mmap")]
mod mapped;
mod math;
mod regex;
mod sequences;
mod series;
mod settings;
mod sqlite;
mod strings;
#[cfg(test)]
mod testing;

pub use errors::{pg_function_error, sqlite_error};
pub use group_commit::{GroupCommit, GroupCommitStats};
pub use isolation::Isolation;
#[cfg(feature = "mmap")]
pub use mapped::MemoryMappedExecutor;
pub use sqlite::{Database, SqliteExecutor, StatsProvider};

use crate::cancel::CancelHandle;
use crate::error::Error;
use crate::protocol::types::Oid;
use rusqlite::types::{ToSqlOutput, ValueRef};

/// One row as the engine produces it, valid until the next row is requested.
pub trait Row {
    /// Number of columns.
    fn len(&self) -> usize;
    /// True for a row without columns.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The value of column `index` (`index < len()`), borrowed from the engine.
    fn value(&self, index: usize) -> ValueRef<'_>;
}

/// Receives the rows of a running statement.
#[allow(async_fn_in_trait)]
pub trait RowSink {
    /// Called once before any row, with the first row if there is one (so that types
    /// nothing else tells can be taken from values).
    async fn start<R: Row>(&mut self, first: Option<&R>) -> Result<(), Error>;
    /// Called for every row, the first included.
    async fn row<R: Row + ?Sized>(&mut self, row: &R) -> Result<(), Error>;
}

/// A sink that drops rows: for statements whose rows nobody wants.
#[derive(Debug, Default)]
pub struct DiscardRows;

impl RowSink for DiscardRows {
    async fn start<R: Row>(&mut self, _first: Option<&R>) -> Result<(), Error> {
        Ok(())
    }
    async fn row<R: Row + ?Sized>(&mut self, _row: &R) -> Result<(), Error> {
        Ok(())
    }
}

/// A result column as the engine describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnInfo {
    /// The column's name.
    pub name: String,
    /// The declared type (`CREATE TABLE` type name), if the column comes straight from a table.
    pub declared_type: Option<String>,
}

/// A column of a table, as its `CREATE TABLE` declared it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableColumn {
    /// The column's name.
    pub name: String,
    /// Its type (`UNSPECIFIED` for an untyped column, a view's say).
    pub ty: Oid,
    /// The declared type name as written, modifiers included (`varchar(5)`).
    pub declared: String,
}

/// What the engine knows about a statement before running it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementInfo {
    /// Result columns (empty for statements without rows).
    pub columns: Vec<ColumnInfo>,
    /// Number of parameters (the highest `?n`).
    pub param_count: usize,
    /// True if running it cannot change the database.
    pub read_only: bool,
}

/// How a statement ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Rows handed to the sink.
    pub rows: u64,
    /// Rows inserted, updated or deleted.
    pub changes: u64,
}

/// Runs a statement once with the given parameters (`params[0]` binds `?1`).
pub type RunWith<'a> = dyn FnMut(&[ToSqlOutput<'_>]) -> Result<(), Error> + 'a;

/// What [`Executor::run_each`] is given: code that calls the [`RunWith`] function once
/// per parameter set.
pub type BulkFeed<'a> = dyn FnMut(&mut RunWith<'_>) -> Result<(), Error> + 'a;

/// A database a session runs statements on.
#[allow(async_fn_in_trait)]
pub trait Executor {
    /// Describes a statement without running it.
    fn describe(&mut self, sql: &str) -> Result<StatementInfo, Error>;

    /// Runs a statement with positional parameters (`params[0]` binds `?1`), streaming its
    /// rows to `sink`. Waits (asynchronously, without blocking the thread) while the
    /// database is locked by another connection, up to the busy timeout.
    async fn run<S: RowSink>(
        &mut self,
        sql: &str,
        params: &[ToSqlOutput<'_>],
        sink: &mut S,
    ) -> Result<Outcome, Error>;

    /// Takes the database's write lock for this session now, waiting (asynchronously)
    /// for other writers: [`Executor::run_each`] writes without waiting, and
    /// `SELECT ... FOR UPDATE` locks before it reads. Kept until the transaction ends,
    /// as for any write. An open transaction that has not read yet, or that has only
    /// read under READ COMMITTED, continues on a fresh snapshot that can write.
    async fn reserve_write(&mut self) -> Result<(), Error>;

    /// Runs `sql`, prepared once, with each parameter set `feed` hands to the function
    /// it is given: the bulk path of COPY FROM, one bind and one step per row and
    /// nothing else. The statement must not return rows. It does not wait for locks
    /// (call [`Executor::reserve_write`] first) and stops at the first error.
    fn run_each(&mut self, sql: &str, feed: &mut BulkFeed<'_>) -> Result<(), Error>;

    /// The types of the first row's values (`None` for NULL), without running the
    /// statement to completion; `None` if it has no rows or the database is busy.
    /// Only for read-only statements: used to describe columns nothing else types.
    fn first_row_types(
        &mut self,
        sql: &str,
        params: &[ToSqlOutput<'_>],
    ) -> Option<Vec<Option<Oid>>>;

    /// True when no transaction is open on the engine.
    fn is_autocommit(&self) -> bool;

    /// Declared column names and types of a table, in order; empty if there is no such table.
    fn table_columns(&mut self, table: &str) -> Vec<TableColumn>;

    /// Forgets cached statements (after the schema changed).
    fn clear_cache(&mut self);

    /// A handle that interrupts the running statement from another thread.
    fn cancel_handle(&self) -> CancelHandle;

    /// Makes the session's parameters visible to SQL (`current_setting`, `set_config`).
    fn share_settings(&mut self, settings: &crate::session::settings::SharedSettings);

    /// Statements running longer than `timeout` fail with 57014 (zero: no limit).
    fn set_statement_timeout(&mut self, timeout: std::time::Duration);

    /// A wait for another session's lock longer than `timeout` fails with 55P03
    /// (zero: only the statement timeout and the server's busy timeout bound it).
    fn set_lock_timeout(&mut self, timeout: std::time::Duration);
    /// Makes an `ALTER TABLE` SQLite cannot run by editing the table's definition (see
    /// [`crate::sql::alter`]), in the open transaction, taking the write lock first;
    /// `Ok(false)` when the table does not exist and the statement said `IF EXISTS`.
    async fn edit_table(&mut self, edit: &crate::sql::alter::TableEdit) -> Result<bool, Error> {
        let _ = edit;
        Err(crate::error::PgError::new(
            crate::error::SqlState::FEATURE_NOT_SUPPORTED,
            "this executor cannot alter a table's definition",
        )
        .into())
    }

    /// Brings the connection's `pg_catalog` and `information_schema` up to date with the
    /// schema before a statement that reads them (see [`catalog`]); with `settings`,
    /// `pg_settings` too.
    fn refresh_catalog(&mut self, _settings: bool) -> Result<(), Error> {
        Ok(())
    }

    /// True once the catalog schemas are attached (the first statement that reads them
    /// attaches them: see [`Executor::refresh_catalog`]).
    fn catalog_attached(&self) -> bool {
        true
    }

    /// How large values leave this executor's rows: sent by reference and kept outside
    /// the heap (`MemoryMappedExecutor`), or `None`: copied like any value.
    fn large_values(&self) -> Option<crate::value::large::LargeValuePolicy> {
        None
    }
}
