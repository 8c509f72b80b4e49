//! Commands the session answers itself: transaction control, SET / SHOW / RESET,
//! DISCARD and DEALLOCATE.

use super::Session;
use super::rows::{encode_data_row, encode_row_description};
use super::settings::Settings;
use super::settings::lock;
use super::state::TxState;
use super::statement::Column;
use crate::connection::MessageSource;
use crate::error::{Error, PgError, SqlState};
use crate::executor::Executor;
use crate::protocol::backend::{self, tag};
use crate::protocol::types::{Format, Oid, oid};
use crate::sql::command::Command;
use crate::value::ValueHandler;
use crate::writer::ProtocolWriter;
use rusqlite::types::Value;

/// The result columns of a command the session answers (only SHOW has any).
pub(super) fn columns(command: &Command, settings: &Settings) -> Vec<Column> {
    let text = |name: &str| Column {
        name: name.to_string(),
        ty: Some(oid::TEXT),
        scale: None,
    };
    match command {
        Command::Show(name) if name == "all" => {
            vec![text("name"), text("setting"), text("description")]
        }
        Command::Show(name) => {
            let shown = settings.get(name).map(|(n, _)| n).unwrap_or(name.as_str());
            vec![text(shown)]
        }
        _ => Vec::new(),
    }
}

/// Quotes an identifier for SQLite.
pub(super) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn outside_block(what: &str) -> PgError {
    PgError::new(
        SqlState::NO_ACTIVE_SQL_TRANSACTION,
        format!("{what} can only be used in transaction blocks"),
    )
}

impl<I, W, V, E> Session<I, W, V, E>
where
    I: MessageSource,
    W: ProtocolWriter,
    V: ValueHandler,
    E: Executor,
{
    /// Runs a session-level command; `describe` says whether a SHOW sends its own
    /// RowDescription (simple query) or the client got it from Describe (extended).
    pub(super) async fn control(&mut self, command: &Command, describe: bool) -> Result<(), Error> {
        let exits = matches!(
            command,
            Command::Rollback | Command::Commit | Command::RollbackTo(_)
        );
        if !exits {
            self.check_not_failed()?;
        }
        match command {
            Command::Begin { start, modes } => {
                if self.tx.in_block() {
                    let warning = PgError::warning(
                        SqlState::ACTIVE_SQL_TRANSACTION,
                        "there is already a transaction in progress",
                    );
                    self.send_notice(&warning).await?;
                } else {
                    lock(&self.settings).begin_transaction(modes.as_deref())?;
                    if self.tx == TxState::Idle {
                        self.engine("BEGIN").await?;
                    }
                    self.tx = self.tx.after_begin();
                }
                let tag = if *start { "START TRANSACTION" } else { "BEGIN" };
                self.command_complete(tag).await?;
            }
            Command::Commit => {
                self.end_local_settings().await?;
                self.commit().await?;
            }
            Command::Rollback => {
                self.end_local_settings().await?;
                if self.tx.in_block() {
                    self.rollback_engine().await?;
                } else {
                    self.no_transaction_warning().await?;
                }
                self.command_complete("ROLLBACK").await?;
            }
            Command::Savepoint(name) => {
                if !self.tx.in_block() {
                    return Err(outside_block("SAVEPOINT").into());
                }
                self.engine(&format!("SAVEPOINT {}", quote(name))).await?;
                self.command_complete("SAVEPOINT").await?;
            }
            Command::Release(name) => {
                if !self.tx.in_block() {
                    return Err(outside_block("RELEASE SAVEPOINT").into());
                }
                self.engine(&format!("RELEASE {}", quote(name))).await?;
                self.command_complete("RELEASE").await?;
            }
            Command::RollbackTo(name) => {
                if !self.tx.in_block() {
                    return Err(outside_block("ROLLBACK TO SAVEPOINT").into());
                }
                self.engine(&format!("ROLLBACK TO {}", quote(name))).await?;
                self.tx = TxState::InBlock;
                self.command_complete("ROLLBACK").await?;
            }
            Command::Set { name, value, local } => {
                if name == "transaction_characteristics" {
                    let modes = value.as_deref().unwrap_or("");
                    if !*local {
                        lock(&self.settings).set_transaction_characteristics(modes)?;
                    } else if self.tx.in_block() {
                        lock(&self.settings).set_transaction(modes)?;
                    } else {
                        // As PostgreSQL: the modes would last for no transaction.
                        let warning = PgError::warning(
                            SqlState::NO_ACTIVE_SQL_TRANSACTION,
                            "SET TRANSACTION can only be used in transaction blocks",
                        );
                        self.send_notice(&warning).await?;
                    }
                    self.command_complete("SET").await?;
                    return Ok(());
                }
                let report = if !*local {
                    lock(&self.settings).set(name, value.as_deref())?
                } else if self.tx.in_block() {
                    lock(&self.settings).set_local(name, value.as_deref())?
                } else {
                    // As PostgreSQL: outside a transaction block there is nothing for
                    // SET LOCAL to last for.
                    let warning = PgError::warning(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "SET LOCAL can only be used in transaction blocks",
                    );
                    self.send_notice(&warning).await?;
                    None
                };
                self.apply_timeouts();
                if let Some((name, value)) = report {
                    self.parameter_status(name, &value).await?;
                }
                self.command_complete("SET").await?;
            }
            Command::Reset(name) => {
                let reports = match name {
                    Some(name) => lock(&self.settings).set(name, None)?.into_iter().collect(),
                    None => lock(&self.settings).reset_all(),
                };
                self.apply_timeouts();
                for (name, value) in reports {
                    self.parameter_status(name, &value).await?;
                }
                self.command_complete("RESET").await?;
            }
            Command::Show(name) => {
                self.show(command, name, describe).await?;
                self.command_complete("SHOW").await?;
            }
            Command::Discard => {
                if self.tx.in_block() {
                    return Err(PgError::new(
                        SqlState::ACTIVE_SQL_TRANSACTION,
                        "DISCARD ALL cannot run inside a transaction block",
                    )
                    .into());
                }
                self.statements.clear();
                self.unnamed_statement = None;
                self.close_portals();
                let reports = lock(&self.settings).reset_all();
                self.apply_timeouts();
                for (name, value) in reports {
                    self.parameter_status(name, &value).await?;
                }
                self.command_complete("DISCARD ALL").await?;
            }
            Command::Deallocate(name) => match name {
                None => {
                    self.statements.clear();
                    self.command_complete("DEALLOCATE ALL").await?;
                }
                Some(name) => {
                    if self.statements.remove(name.as_str()).is_none() {
                        return Err(PgError::new(
                            SqlState::INVALID_SQL_STATEMENT_NAME,
                            format!("prepared statement \"{name}\" does not exist"),
                        )
                        .into());
                    }
                    self.command_complete("DEALLOCATE").await?;
                }
            },
            Command::Listen | Command::Unlisten | Command::Notify => {
                return Err(PgError::new(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    "LISTEN/NOTIFY is not supported by pgsqlite",
                )
                .into());
            }
            Command::Copy | Command::Statement(_) => {
                return Err(PgError::new(
                    SqlState::INTERNAL_ERROR,
                    "statement routed to the session instead of the executor",
                )
                .into());
            }
        }
        Ok(())
    }

    /// COMMIT (or END): ends the block; a failed block rolls back, as in PostgreSQL.
    async fn commit(&mut self) -> Result<(), Error> {
        match self.tx {
            TxState::InBlock => {
                if let Err(err) = self.engine("COMMIT").await {
                    // A failed COMMIT ends the transaction, as in PostgreSQL.
                    self.tx = TxState::Idle;
                    if !self.exec.is_autocommit() {
                        let _ = self.engine("ROLLBACK").await;
                    }
                    return Err(err);
                }
                self.tx = TxState::Idle;
                self.command_complete("COMMIT").await?;
            }
            TxState::Failed => {
                self.rollback_engine().await?;
                self.command_complete("ROLLBACK").await?;
            }
            TxState::Idle | TxState::Implicit => {
                self.no_transaction_warning().await?;
                self.command_complete("COMMIT").await?;
            }
        }
        Ok(())
    }

    /// Undoes the ending transaction's `SET LOCAL`s and tells the client of the
    /// reported parameters they restore.
    async fn end_local_settings(&mut self) -> Result<(), Error> {
        let reports = lock(&self.settings).end_transaction();
        self.apply_timeouts();
        for (name, value) in reports {
            self.parameter_status(name, &value).await?;
        }
        Ok(())
    }

    /// Hands the session's `statement_timeout` and `lock_timeout` to the executor.
    pub(super) fn apply_timeouts(&mut self) {
        let (statement, lock_wait) = {
            let settings = lock(&self.settings);
            (settings.statement_timeout(), settings.lock_timeout())
        };
        self.exec.set_statement_timeout(statement);
        self.exec.set_lock_timeout(lock_wait);
    }

    async fn rollback_engine(&mut self) -> Result<(), Error> {
        self.tx = TxState::Idle;
        if !self.exec.is_autocommit() {
            self.engine("ROLLBACK").await?;
        }
        Ok(())
    }

    async fn no_transaction_warning(&mut self) -> Result<(), Error> {
        let warning = PgError::warning(
            SqlState::NO_ACTIVE_SQL_TRANSACTION,
            "there is no transaction in progress",
        );
        self.send_notice(&warning).await?;
        Ok(())
    }

    async fn parameter_status(&mut self, name: &str, value: &str) -> Result<(), Error> {
        self.send(tag::PARAMETER_STATUS, |b| {
            backend::parameter_status(b, name, value)
        })
        .await?;
        Ok(())
    }

    async fn show(&mut self, command: &Command, name: &str, describe: bool) -> Result<(), Error> {
        let rows: Vec<Vec<Value>> = if name == "all" {
            lock(&self.settings)
                .all()
                .map(|(n, v, d)| {
                    vec![
                        Value::from(n.to_string()),
                        v.to_string().into(),
                        d.to_string().into(),
                    ]
                })
                .collect()
        } else {
            let value = lock(&self.settings).get(name)?.1.to_string();
            vec![vec![Value::from(value)]]
        };
        let columns = columns(command, &lock(&self.settings));
        let types: Vec<Oid> = vec![oid::TEXT; columns.len()];
        let formats = vec![Format::Text; columns.len()];
        if describe {
            self.send(tag::ROW_DESCRIPTION, |b| {
                encode_row_description(b, &columns, &types, &formats)
            })
            .await?;
        }
        for row in &rows {
            encode_data_row(
                self.writer.buffer(),
                &self.values,
                row.as_slice(),
                &types,
                &formats,
                &[],
            )?;
            self.writer.message_done(tag::DATA_ROW).await?;
        }
        Ok(())
    }
}
