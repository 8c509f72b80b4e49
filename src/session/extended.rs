//! The extended query protocol: Parse, Bind, Describe, Execute, Close and Sync.

use super::Session;
use super::portal::{Portal, PortalState};
use super::rows::{RowEncoder, encode_row_description};
use super::settings::lock;
use super::state::TxState;
use super::statement::{Column, NamedStatement, Prepared};
use crate::connection::MessageSource;
use crate::error::{Error, PgError, SqlState};
use crate::executor::Executor;
use crate::executor::RowSink;
use crate::protocol::backend::{self, tag};
use crate::protocol::frontend::{Bind, FrontendMessage, Target, format_at};
use crate::protocol::types::{Format, Oid, oid};
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
    pub(super) async fn extended(&mut self, message: FrontendMessage) -> Result<(), Error> {
        match message {
            FrontendMessage::Parse {
                name,
                sql,
                param_types,
            } => self.parse(&name, &sql, &param_types).await,
            FrontendMessage::Bind(bind) => self.bind(bind).await,
            FrontendMessage::Describe { target, name } => self.describe(target, &name).await,
            FrontendMessage::Execute { portal, max_rows } => self.execute(&portal, max_rows).await,
            FrontendMessage::Close { target, name } => {
                match target {
                    Target::Statement if name.is_empty() => self.unnamed_statement = None,
                    Target::Statement => drop(self.statements.remove(name.as_str())),
                    Target::Portal if name.is_empty() => self.unnamed_portal = None,
                    Target::Portal => drop(self.portals.remove(name.as_str())),
                }
                self.send(tag::CLOSE_COMPLETE, backend::close_complete)
                    .await?;
                Ok(())
            }
            other => Err(PgError::protocol(format!(
                "unexpected message type {:?} in extended query",
                other.tag() as char
            ))
            .into()),
        }
    }

    /// An extended-protocol message failed: report it and skip input until Sync.
    pub(super) async fn extended_error(&mut self, err: Error) -> Result<(), Error> {
        match err {
            Error::Pg(err) if !err.is_fatal() => {
                self.abort_transaction().await?;
                self.send_error(&err).await?;
                self.skipping = true;
                Ok(())
            }
            other => Err(other),
        }
    }

    /// Sync: ends an implicit transaction and reports readiness.
    pub(super) async fn sync(&mut self) -> Result<(), Error> {
        self.skipping = false;
        if self.tx == TxState::Implicit {
            if let Err(err) = self.engine("COMMIT").await {
                match err {
                    Error::Pg(err) if !err.is_fatal() => {
                        self.abort_transaction().await?;
                        self.send_error(&err).await?;
                    }
                    other => return Err(other),
                }
            }
            self.tx = TxState::Idle;
        }
        if !self.tx.in_block() {
            self.close_portals();
        }
        self.ready_for_query().await?;
        Ok(())
    }

    /// Portals end with their transaction.
    pub(super) fn close_portals(&mut self) {
        self.unnamed_portal = None;
        if !self.portals.is_empty() {
            self.portals.clear();
        }
    }

    async fn parse(&mut self, name: &str, sql: &str, declared: &[Oid]) -> Result<(), Error> {
        if !name.is_empty() && self.statements.contains_key(name) {
            return Err(PgError::new(
                SqlState::DUPLICATE_PREPARED_STATEMENT,
                format!("prepared statement \"{name}\" already exists"),
            )
            .into());
        }
        let prepared = self.cache.get(&mut self.exec, sql)?;
        if !prepared.is_transaction_exit() {
            self.check_not_failed()?;
        }
        let statement = NamedStatement::new(prepared, declared);
        if name.is_empty() {
            self.unnamed_statement = Some(statement);
        } else {
            self.statements.insert(name.to_string(), statement);
        }
        self.send(tag::PARSE_COMPLETE, backend::parse_complete)
            .await?;
        Ok(())
    }

    fn statement(&self, name: &str) -> Result<&NamedStatement, PgError> {
        let found = if name.is_empty() {
            self.unnamed_statement.as_ref()
        } else {
            self.statements.get(name)
        };
        found.ok_or_else(|| {
            PgError::new(
                SqlState::INVALID_SQL_STATEMENT_NAME,
                format!("prepared statement \"{name}\" does not exist"),
            )
        })
    }

    async fn bind(&mut self, bind: Bind) -> Result<(), Error> {
        let statement = self.statement(&bind.statement)?.clone();
        if !statement.prepared.is_transaction_exit() {
            self.check_not_failed()?;
        }
        if !bind.portal.is_empty() && self.portals.contains_key(bind.portal.as_str()) {
            return Err(PgError::new(
                SqlState::DUPLICATE_CURSOR,
                format!("portal \"{}\" already exists", bind.portal),
            )
            .into());
        }
        if bind.params.len() != statement.param_types.len() {
            return Err(PgError::new(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "bind message supplies {} parameters, but prepared statement \"{}\" requires {}",
                    bind.params.len(),
                    bind.statement,
                    statement.param_types.len()
                ),
            )
            .into());
        }
        let param_formats: SmallVec<[Format; 8]> = (0..bind.params.len())
            .map(|i| bind.param_format(i))
            .collect();
        let column_types = self.column_types(&statement, &bind.params, &param_formats)?;
        let count = column_types.len();
        if bind.result_formats.len() > 1 && bind.result_formats.len() != count {
            return Err(PgError::new(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "bind message has {} result formats but query has {count} columns",
                    bind.result_formats.len()
                ),
            )
            .into());
        }
        let portal = Portal {
            column_types,
            column_formats: (0..count)
                .map(|i| format_at(&bind.result_formats, i))
                .collect(),
            statement,
            params: bind.params,
            param_formats,
            state: PortalState::Ready,
        };
        if bind.portal.is_empty() {
            self.unnamed_portal = Some(portal);
        } else {
            self.portals.insert(bind.portal.to_string(), portal);
        }
        self.send(tag::BIND_COMPLETE, backend::bind_complete)
            .await?;
        Ok(())
    }

    async fn describe(&mut self, target: Target, name: &str) -> Result<(), Error> {
        match target {
            Target::Statement => {
                let statement = self.statement(name)?.clone();
                let types = statement.param_types.clone();
                self.send(tag::PARAMETER_DESCRIPTION, |b| {
                    backend::parameter_description(b, &types)
                })
                .await?;
                // Without parameters the statement can be probed now; with them, the
                // columns nothing types are described as text.
                let types = if statement.param_types.is_empty() {
                    self.column_types(&statement, &[], &[])?
                } else {
                    fill_text(column_types(&statement.prepared, &lock(&self.settings)))
                };
                // Portals of this statement must send what the client was just told.
                let stored = if name.is_empty() {
                    self.unnamed_statement.as_mut()
                } else {
                    self.statements.get_mut(name)
                };
                if let Some(stored) = stored {
                    stored.described = Some(types.clone());
                }
                let formats: SmallVec<[Format; 16]> =
                    SmallVec::from_elem(Format::Text, types.len());
                self.describe_rows(&statement.prepared, &types, &formats)
                    .await
            }
            Target::Portal => {
                let portal = self.take_portal(name)?;
                let result = self
                    .describe_rows(
                        &portal.statement.prepared,
                        &portal.column_types,
                        &portal.column_formats,
                    )
                    .await;
                self.put_portal(name, portal);
                result
            }
        }
    }

    /// The result types a portal of `statement` sends: what Describe of the statement
    /// told the client, if it asked; else declared or inferred types, and for columns
    /// nothing types, the types of the first row's values when the statement is
    /// read-only and can be run with these parameters (text if not).
    fn column_types(
        &mut self,
        statement: &NamedStatement,
        params: &[Option<bytes::Bytes>],
        formats: &[Format],
    ) -> Result<SmallVec<[Oid; 16]>, Error> {
        if let Some(described) = &statement.described {
            return Ok(described.clone());
        }
        let mut types = column_types(&statement.prepared, &lock(&self.settings));
        if let Prepared::Sql(stmt) = &*statement.prepared {
            let untyped = stmt.columns.iter().any(|c| c.ty.is_none());
            // Not for a statement that writes through a function (`nextval`): the probe
            // runs it.
            if untyped
                && stmt.read_only
                && !stmt.locks_rows
                && params.len() == statement.param_types.len()
            {
                let mut values: SmallVec<[ToSqlOutput<'_>; 8]> = SmallVec::new();
                for (i, raw) in params.iter().enumerate() {
                    let ty = statement.param_types[i];
                    let format = formats.get(i).copied().unwrap_or_default();
                    values.push(self.values.decode_bind_param(
                        i + 1,
                        raw.as_deref(),
                        ty,
                        format,
                    )?);
                }
                if let Some(probed) = self.exec.first_row_types(&stmt.sql, &values) {
                    for ((ty, column), found) in types.iter_mut().zip(&stmt.columns).zip(probed) {
                        if column.ty.is_none() {
                            if let Some(found) = found {
                                *ty = Some(found);
                            }
                        }
                    }
                }
            }
        }
        Ok(fill_text(types))
    }

    async fn describe_rows(
        &mut self,
        prepared: &Prepared,
        types: &[Oid],
        formats: &[Format],
    ) -> Result<(), Error> {
        let control;
        let columns: &[Column] = match prepared {
            Prepared::Sql(stmt) => &stmt.columns,
            Prepared::Control(command) => {
                control = super::control::columns(command, &lock(&self.settings));
                &control
            }
            Prepared::Empty | Prepared::Copy(_) | Prepared::Steps(_) | Prepared::Edit(_) => &[],
        };
        if columns.is_empty() {
            self.send(tag::NO_DATA, backend::no_data).await?;
        } else {
            self.send(tag::ROW_DESCRIPTION, |b| {
                encode_row_description(b, columns, types, formats)
            })
            .await?;
        }
        Ok(())
    }

    fn take_portal(&mut self, name: &str) -> Result<Portal, PgError> {
        let found = if name.is_empty() {
            self.unnamed_portal.take()
        } else {
            self.portals.remove(name)
        };
        found.ok_or_else(|| {
            PgError::new(
                SqlState::INVALID_CURSOR_NAME,
                format!("portal \"{name}\" does not exist"),
            )
        })
    }

    fn put_portal(&mut self, name: &str, portal: Portal) {
        if name.is_empty() {
            self.unnamed_portal = Some(portal);
        } else {
            self.portals.insert(name.to_string(), portal);
        }
    }

    async fn execute(&mut self, name: &str, max_rows: u32) -> Result<(), Error> {
        let mut portal = self.take_portal(name)?;
        let result = self.execute_portal(&mut portal, max_rows).await;
        self.put_portal(name, portal);
        result
    }

    async fn execute_portal(&mut self, portal: &mut Portal, max_rows: u32) -> Result<(), Error> {
        let prepared = portal.statement.prepared.clone();
        let stmt = match &*prepared {
            Prepared::Empty => {
                self.send(tag::EMPTY_QUERY_RESPONSE, backend::empty_query_response)
                    .await?;
                return Ok(());
            }
            Prepared::Control(command) => return self.control(command, false).await,
            Prepared::Copy(copy) => return self.copy(copy).await,
            Prepared::Steps(steps) => return self.steps(steps).await,
            Prepared::Edit(edit) => return self.edit_table(edit).await,
            Prepared::Sql(stmt) => stmt,
        };
        self.check_not_failed()?;
        match std::mem::take(&mut portal.state) {
            PortalState::Ready => {}
            PortalState::Suspended { mut rows, mut sent } => {
                let large = self.exec.large_values();
                let mut sink = RowEncoder::extended(
                    &mut self.writer,
                    &self.values,
                    &portal.column_types,
                    &portal.column_formats,
                    0,
                )
                .with_scales(&stmt.columns)
                .with_large_values(large);
                let mut batch = 0u32;
                while max_rows == 0 || batch < max_rows {
                    let Some(row) = rows.pop_front() else { break };
                    sink.row(row.as_slice()).await?;
                    batch += 1;
                }
                sent += u64::from(batch);
                if rows.is_empty() {
                    portal.state = PortalState::Done;
                    return self.complete(stmt, sent, sent).await;
                }
                portal.state = PortalState::Suspended { rows, sent };
                self.send(tag::PORTAL_SUSPENDED, backend::portal_suspended)
                    .await?;
                return Ok(());
            }
            PortalState::Done => {
                portal.state = PortalState::Done;
                return self.complete(stmt, 0, 0).await;
            }
        }

        let mut params: SmallVec<[ToSqlOutput<'_>; 8]> = SmallVec::new();
        for (i, raw) in portal.params.iter().enumerate() {
            let ty = portal
                .statement
                .param_types
                .get(i)
                .copied()
                .unwrap_or(oid::TEXT);
            let format = portal.param_formats.get(i).copied().unwrap_or_default();
            params.push(
                self.values
                    .decode_bind_param(i + 1, raw.as_deref(), ty, format)?,
            );
        }
        if self.tx == TxState::Idle && !stmt.read_only {
            // Writes between two Syncs form one implicit transaction, as in PostgreSQL.
            self.engine("BEGIN").await?;
            self.tx = TxState::Implicit;
        }
        if stmt.catalog.reads {
            self.exec.refresh_catalog(stmt.catalog.settings)?;
        }
        self.lock_rows_first(stmt).await?;
        let large = self.exec.large_values();
        let mut sink = RowEncoder::extended(
            &mut self.writer,
            &self.values,
            &portal.column_types,
            &portal.column_formats,
            u64::from(max_rows),
        )
        .with_scales(&stmt.columns)
        .with_large_values(large);
        let outcome = self.exec.run(&stmt.sql, &params, &mut sink).await?;
        let sent = sink.sent();
        let rest = sink.into_overflow();
        if rest.is_empty() {
            portal.state = PortalState::Done;
            self.complete(stmt, outcome.rows, outcome.changes).await
        } else {
            portal.state = PortalState::Suspended { rows: rest, sent };
            self.send(tag::PORTAL_SUSPENDED, backend::portal_suspended)
                .await?;
            Ok(())
        }
    }
}

/// The result column types of a statement as far as its text and declarations tell,
/// including those of commands answered by the session.
fn column_types(
    prepared: &Prepared,
    settings: &super::settings::Settings,
) -> SmallVec<[Option<Oid>; 16]> {
    match prepared {
        Prepared::Sql(stmt) => stmt.columns.iter().map(|c| c.ty).collect(),
        Prepared::Control(command) => super::control::columns(command, settings)
            .iter()
            .map(|c| c.ty)
            .collect(),
        Prepared::Empty | Prepared::Copy(_) | Prepared::Steps(_) | Prepared::Edit(_) => {
            SmallVec::new()
        }
    }
}

/// Untyped columns are sent as text.
fn fill_text(types: SmallVec<[Option<Oid>; 16]>) -> SmallVec<[Oid; 16]> {
    types.into_iter().map(|t| t.unwrap_or(oid::TEXT)).collect()
}
