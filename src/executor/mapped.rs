//! `MemoryMappedExecutor` (feature `mmap`): the SQLite executor with large values sent
//! by reference and kept memory-mapped.

use super::{Executor, Outcome, RowSink, SqliteExecutor, StatementInfo};
use crate::cancel::CancelHandle;
use crate::error::Error;
use crate::protocol::types::Oid;
use crate::value::large::{LargeValuePolicy, MmapConfig};
use crate::value::mapped::MappedValueFactory;
use rusqlite::types::ToSqlOutput;
use std::sync::Arc;
use std::time::Duration;

/// The executor the server uses when `mmap` is compiled in.
///
/// Statements run on a [`SqliteExecutor`]; what changes is how rows leave: TEXT and
/// BLOB values of at least the threshold are handed to the writer as
/// [`MappedValue::Reference`](crate::value::mapped::MappedValue::Reference), borrowed
/// from SQLite's row and written to the socket without a copy into the write buffer,
/// and when such a value must outlive its row (a portal suspended by a row limit) the
/// [`MappedValueFactory`] moves it into a memory-mapped temporary file instead of the
/// heap.
///
/// SQLite materializes each value once in its own row memory when it is read
/// (`sqlite3_column_blob`); pgsqlite adds no copy of its own. Incremental blob I/O
/// (`sqlite3_blob_read`) would avoid even that, but it needs each value's table, column
/// and rowid, which a result column of an arbitrary query does not carry; one value at
/// a time in SQLite's memory already keeps a session's footprint bounded by its largest
/// value, not by the size of its result.
#[derive(Debug)]
pub struct MemoryMappedExecutor {
    inner: SqliteExecutor,
    policy: Option<LargeValuePolicy>,
}

impl MemoryMappedExecutor {
    /// Wraps `inner`; with `config.enabled` off it behaves exactly like `inner`.
    pub fn new(inner: SqliteExecutor, config: MmapConfig) -> MemoryMappedExecutor {
        let policy: Option<LargeValuePolicy> = config
            .enabled
            .then(|| Arc::new(MappedValueFactory::new(config)) as LargeValuePolicy);
        MemoryMappedExecutor { inner, policy }
    }

    /// The wrapped executor.
    pub fn inner(&self) -> &SqliteExecutor {
        &self.inner
    }
}

impl Executor for MemoryMappedExecutor {
    fn describe(&mut self, sql: &str) -> Result<StatementInfo, Error> {
        self.inner.describe(sql)
    }

    async fn run<S: RowSink>(
        &mut self,
        sql: &str,
        params: &[ToSqlOutput<'_>],
        sink: &mut S,
    ) -> Result<Outcome, Error> {
        self.inner.run(sql, params, sink).await
    }

    async fn reserve_write(&mut self) -> Result<(), Error> {
        self.inner.reserve_write().await
    }

    fn run_each(&mut self, sql: &str, feed: &mut super::BulkFeed<'_>) -> Result<(), Error> {
        self.inner.run_each(sql, feed)
    }

    fn first_row_types(
        &mut self,
        sql: &str,
        params: &[ToSqlOutput<'_>],
    ) -> Option<Vec<Option<Oid>>> {
        self.inner.first_row_types(sql, params)
    }

    fn is_autocommit(&self) -> bool {
        self.inner.is_autocommit()
    }

    fn table_columns(&mut self, table: &str) -> Vec<super::TableColumn> {
        self.inner.table_columns(table)
    }

    fn clear_cache(&mut self) {
        self.inner.clear_cache()
    }

    fn cancel_handle(&self) -> CancelHandle {
        self.inner.cancel_handle()
    }

    fn share_settings(&mut self, settings: &crate::session::settings::SharedSettings) {
        self.inner.share_settings(settings);
    }

    fn set_statement_timeout(&mut self, timeout: Duration) {
        self.inner.set_statement_timeout(timeout)
    }

    fn set_lock_timeout(&mut self, timeout: Duration) {
        self.inner.set_lock_timeout(timeout)
    }

    async fn edit_table(&mut self, edit: &crate::sql::alter::TableEdit) -> Result<bool, Error> {
        self.inner.edit_table(edit).await
    }

    fn refresh_catalog(&mut self, settings: bool) -> Result<(), Error> {
        self.inner.refresh_catalog(settings)
    }

    fn catalog_attached(&self) -> bool {
        self.inner.catalog_attached()
    }

    fn large_values(&self) -> Option<LargeValuePolicy> {
        self.policy.clone()
    }
}
