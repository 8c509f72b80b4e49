//! The simple query protocol: one Query message, possibly several statements.

use super::Session;
use super::rows::RowEncoder;
use super::state::TxState;
use super::statement::{Prepared, SqlStatement};
use crate::connection::MessageSource;
use crate::error::{Error, PgError, SqlState};
use crate::executor::Executor;
use crate::protocol::backend::{self, tag};
use crate::sql::command::{Command, StatementKind};
use crate::sql::parameterize::{Literal, parameterize};
use crate::sql::split::split_statements;
use crate::value::ValueHandler;
use crate::writer::ProtocolWriter;
use rusqlite::types::ToSqlOutput;
use smallvec::SmallVec;

impl<I, W, V, E> Session<I, W, V, E>
where
    I: MessageSource,
    W: ProtocolWriter,
    V: ValueHandler,
    E: Executor,
{
    /// Answers a Query message: every statement in turn, stopping at the first error,
    /// then ReadyForQuery. As in PostgreSQL, several statements outside a transaction
    /// block run in one implicit transaction, unless they control transactions themselves.
    pub(super) async fn simple_query(&mut self, sql: &str) -> Result<(), Error> {
        let statements = split_statements(sql);
        if statements.is_empty() {
            self.send(tag::EMPTY_QUERY_RESPONSE, backend::empty_query_response)
                .await?;
            return self.ready_for_query().await.map_err(Into::into);
        }
        let implicit = statements.len() > 1
            && self.tx == TxState::Idle
            && statements
                .iter()
                .all(|s| matches!(Command::parse(s), Command::Statement(_)));
        let mut result = Ok(());
        if implicit {
            result = self.engine("BEGIN").await;
            if result.is_ok() {
                self.tx = TxState::Implicit;
            }
        }
        if result.is_ok() {
            for statement in &statements {
                result = self.simple_statement(statement).await;
                if result.is_err() {
                    break;
                }
            }
        }
        if result.is_ok() && self.tx == TxState::Implicit {
            result = self.engine("COMMIT").await;
            if result.is_ok() {
                self.tx = TxState::Idle;
            }
        }
        match result {
            Ok(()) => {}
            Err(Error::Pg(err)) if !err.is_fatal() => {
                self.abort_transaction().await?;
                self.send_error(&err).await?;
            }
            Err(other) => return Err(other),
        }
        if !self.tx.in_block() {
            self.close_portals();
        }
        self.ready_for_query().await?;
        Ok(())
    }

    async fn simple_statement(&mut self, statement: &str) -> Result<(), Error> {
        if let Some(lifted) = parameterize(statement) {
            // `... WHERE id = 4711` runs as the cached `... WHERE id = $1` with 4711
            // bound. If SQLite will not prepare the lifted form, the text runs as sent.
            if let Ok(prepared) = self.cache.get(&mut self.exec, &lifted.sql)
                && let Prepared::Sql(stmt) = &*prepared
                && stmt.param_types.len() == lifted.literals.len()
            {
                let params: SmallVec<[ToSqlOutput<'_>; 4]> =
                    lifted.literals.iter().map(Literal::to_sql).collect();
                return self.simple_sql(stmt, &params).await;
            }
        }
        let prepared = self.cache.get(&mut self.exec, statement)?;
        match &*prepared {
            Prepared::Empty => {
                self.send(tag::EMPTY_QUERY_RESPONSE, backend::empty_query_response)
                    .await?;
                Ok(())
            }
            Prepared::Control(command) => self.control(command, true).await,
            Prepared::Copy(copy) => self.copy(copy).await,
            Prepared::Steps(steps) => self.steps(steps).await,
            Prepared::Edit(edit) => self.edit_table(edit).await,
            Prepared::Sql(stmt) => {
                if !stmt.param_types.is_empty() {
                    self.check_not_failed()?;
                    return Err(PgError::new(
                        SqlState::UNDEFINED_PARAMETER,
                        format!("there is no parameter ${}", stmt.param_types.len()),
                    )
                    .into());
                }
                self.simple_sql(stmt, &[]).await
            }
        }
    }

    /// Runs one statement of a Query message, with the constants lifted out of it.
    async fn simple_sql(
        &mut self,
        stmt: &SqlStatement,
        params: &[ToSqlOutput<'_>],
    ) -> Result<(), Error> {
        self.check_not_failed()?;
        if stmt.catalog.reads {
            self.exec.refresh_catalog(stmt.catalog.settings)?;
        }
        self.lock_rows_first(stmt).await?;
        let large = self.exec.large_values();
        let mut sink = RowEncoder::simple(&mut self.writer, &self.values, &stmt.columns)
            .with_large_values(large);
        let outcome = self.exec.run(&stmt.sql, params, &mut sink).await?;
        self.complete(stmt, outcome.rows, outcome.changes).await
    }

    /// `SELECT ... FOR UPDATE` (or `FOR SHARE`) inside a transaction: the write lock is
    /// taken before it reads, so the rows it returns stay as they are until the
    /// transaction ends and its later writes never meet a stale snapshot. A statement
    /// calling `nextval`/`setval` takes it too, in or out of a transaction (it writes
    /// the sequence, which SQLite cannot tell from the statement); outside a
    /// transaction it is released when the statement ends.
    ///
    /// A statement that writes fails with 25006 in a read-only transaction.
    pub(super) async fn lock_rows_first(&mut self, stmt: &SqlStatement) -> Result<(), Error> {
        if !stmt.read_only {
            self.check_writable(&stmt.tag.text)?;
        }
        if stmt.locks_rows {
            if stmt.read_only {
                // nextval in a read-only transaction: PostgreSQL refuses it too.
                self.check_writable(&stmt.tag.text)?;
            }
            self.exec.reserve_write().await?;
        }
        Ok(())
    }

    /// 25006 in a read-only transaction (`START TRANSACTION READ ONLY`,
    /// `default_transaction_read_only`), for a statement with the command tag `tag`.
    pub(super) fn check_writable(&self, tag: &str) -> Result<(), PgError> {
        if !super::settings::lock(&self.settings).read_only() {
            return Ok(());
        }
        let command = tag.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
        Err(PgError::new(
            SqlState::READ_ONLY_SQL_TRANSACTION,
            format!("cannot execute {command} in a read-only transaction"),
        ))
    }

    /// 25P02 while the transaction block has failed.
    pub(super) fn check_not_failed(&self) -> Result<(), PgError> {
        if self.tx == TxState::Failed {
            return Err(PgError::new(
                SqlState::IN_FAILED_SQL_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block",
            ));
        }
        Ok(())
    }

    /// Sends CommandComplete for a statement SQLite ran.
    pub(super) async fn complete(
        &mut self,
        stmt: &SqlStatement,
        rows: u64,
        changes: u64,
    ) -> Result<(), Error> {
        if stmt.tag.with_count {
            let count = match stmt.kind {
                StatementKind::Insert | StatementKind::Update | StatementKind::Delete => changes,
                _ => rows,
            };
            let text = &stmt.tag.text;
            self.send(tag::COMMAND_COMPLETE, |b| {
                backend::command_complete_count(b, text, count)
            })
            .await?;
        } else {
            self.command_complete(&stmt.tag.text).await?;
        }
        if stmt.changes_schema {
            self.schema_changed();
        }
        Ok(())
    }
}
