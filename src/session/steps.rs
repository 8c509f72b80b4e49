//! Running a statement that SQLite runs as several ([`Steps`]): all of them or none.

use super::Session;
use super::settings::lock;
use super::state::TxState;
use crate::connection::MessageSource;
use crate::error::{Error, PgError, SqlState};
use crate::executor::{DiscardRows, Executor};
use crate::sql::alter::TableEdit;
use crate::sql::maintenance::Steps;
use crate::value::ValueHandler;
use crate::writer::ProtocolWriter;

impl<I, W, V, E> Session<I, W, V, E>
where
    I: MessageSource,
    W: ProtocolWriter,
    V: ValueHandler,
    E: Executor,
{
    /// Runs `steps` in one transaction (the session's, or one of their own), then sends
    /// PostgreSQL's command tag.
    pub(super) async fn steps(&mut self, steps: &Steps) -> Result<(), Error> {
        self.check_not_failed()?;
        if !steps.statements.is_empty() && !steps.outside_block {
            self.check_writable(steps.tag)?;
        }
        if let Some(skipped) = &steps.skipped {
            if !skipped.metadata_only && lock(&self.settings).unsupported_statements_fail() {
                return Err(PgError::new(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    format!("statement not supported by pgsqlite: {}", skipped.statement),
                )
                .with_detail(skipped.why)
                .with_hint(
                    "To skip such statements with a warning (restoring a pg_dump, say), \
                     SET pgsqlite.unsupported_statements = warning.",
                )
                .into());
            }
            let warning = PgError::warning(
                SqlState::WARNING,
                format!("pgsqlite skipped: {}", skipped.statement),
            )
            .with_detail(skipped.why);
            self.send_notice(&warning).await?;
        }
        if steps.outside_block && self.tx != TxState::Idle {
            return Err(PgError::new(
                SqlState::ACTIVE_SQL_TRANSACTION,
                format!("{} cannot run inside a transaction block", steps.tag),
            )
            .into());
        }
        let own =
            steps.statements.len() > 1 && self.tx == TxState::Idle && self.exec.is_autocommit();
        if own {
            self.engine("BEGIN").await?;
        }
        for statement in &steps.statements {
            if let Err(err) = self.exec.run(statement, &[], &mut DiscardRows).await {
                if own && !self.exec.is_autocommit() {
                    let _ = self.engine("ROLLBACK").await;
                }
                return Err(err);
            }
        }
        if own {
            self.engine("COMMIT").await?;
        }
        if steps.changes_schema {
            self.schema_changed();
        }
        self.command_complete(steps.tag).await?;
        Ok(())
    }

    /// Runs an `ALTER TABLE` that edits the table's definition (in a transaction of its
    /// own outside a block), then sends `ALTER TABLE`.
    pub(super) async fn edit_table(&mut self, edit: &TableEdit) -> Result<(), Error> {
        self.check_not_failed()?;
        self.check_writable("ALTER TABLE")?;
        let own = self.tx == TxState::Idle && self.exec.is_autocommit();
        if own {
            self.engine("BEGIN").await?;
        }
        let result = self.exec.edit_table(edit).await;
        match (&result, own) {
            (Ok(_), true) => self.engine("COMMIT").await?,
            (Err(_), true) if !self.exec.is_autocommit() => {
                let _ = self.engine("ROLLBACK").await;
            }
            _ => {}
        }
        if !result? {
            let notice = PgError::notice(
                SqlState::SUCCESSFUL_COMPLETION,
                format!("relation \"{}\" does not exist, skipping", edit.table),
            );
            self.send_notice(&notice).await?;
        }
        self.schema_changed();
        self.command_complete("ALTER TABLE").await?;
        Ok(())
    }
}
