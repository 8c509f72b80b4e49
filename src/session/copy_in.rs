//! COPY FROM STDIN: the CopyData stream read row by row into one prepared INSERT.
//!
//! The rows go into the table in one transaction of their own, or inside a savepoint
//! when the session is already in one: a COPY that fails leaves nothing behind. Rows
//! are parsed straight from the received CopyData bytes (only a row cut in two by a
//! message boundary is copied, to join its halves), each field is decoded by the value
//! layer into a SQLite binding, and one INSERT, prepared once per received message
//! ([`Executor::run_each`]), is bound and stepped once per row: no statement lookup, no
//! lock wait and no allocation per row (the write lock is taken once, up front).
//!
//! As in PostgreSQL: Flush and Sync in the middle of the data are ignored (libpq and
//! tokio-postgres send a Sync right behind the COPY's Execute), CopyFail ends the COPY
//! with 57014, and once the COPY failed the main loop drops the CopyData, CopyDone and
//! CopyFail messages the client still sends.

use super::Session;
use super::copy::CopyColumns;
use super::settings::lock;
use super::state::TxState;
use crate::connection::{Incoming, MessageSource};
use crate::copy::context;
use crate::copy::{CopyFormat, CopyOptions, Header, Next, RowFields, RowReader};
use crate::error::{Error, PgError, SqlState};
use crate::executor::{Executor, RunWith};
use crate::protocol::backend::{self, tag};
use crate::protocol::frontend::FrontendMessage;
use crate::protocol::types::Format;
use crate::sql::copy::{CopySource, CopyStatement};
use crate::value::ValueHandler;
use crate::writer::ProtocolWriter;
use bytes::{Buf, BytesMut};
use rusqlite::types::ToSqlOutput;
use smallvec::SmallVec;
use std::ops::Range;

/// The savepoint a COPY inside a transaction block rolls back to when it fails.
const SAVEPOINT: &str = "pgsqlite_copy";

/// How a COPY FROM keeps its rows together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Its own transaction (the session was not in one).
    Transaction,
    /// A savepoint in the session's transaction.
    Savepoint,
}

/// One COPY FROM STDIN in progress.
struct CopyIn {
    table: String,
    columns: CopyColumns,
    format: Format,
    header: Header,
    /// The null string, for messages.
    null: String,
    reader: RowReader,
    row: RowFields,
    /// Lines (text, CSV) or tuples (binary) read so far, the header included.
    line: u64,
    /// Rows inserted.
    rows: u64,
    /// The end-of-data marker was seen: the rest of the data is ignored.
    finished: bool,
}

impl CopyIn {
    /// A reading error of the line being read, with PostgreSQL's context.
    fn read_error(&self, err: PgError, input: &[u8]) -> Error {
        if self.reader.header_failed() {
            // As in PostgreSQL, the binary file header is no line of data.
            return err.into();
        }
        let line = self.line + 1;
        let context = match self.reader.error_line().and_then(|r| input.get(r)) {
            Some(text) => context::line_text(&self.table, line, text),
            None => context::line(&self.table, line),
        };
        with_context(err, context).into()
    }

    /// 57014 for a COPY that ran past `statement_timeout`.
    fn timed_out(&self) -> Error {
        PgError::new(
            SqlState::QUERY_CANCELED,
            "canceling statement due to statement timeout",
        )
        // PostgreSQL names the last line read (and shows it, which would mean keeping
        // a copy of every line here).
        .with_context(context::line(&self.table, self.line))
        .into()
    }

    /// 57014 for a COPY ended by a cancel request.
    fn canceled(&self) -> Error {
        PgError::new(
            SqlState::QUERY_CANCELED,
            "canceling statement due to user request",
        )
        .with_context(context::line(&self.table, self.line))
        .into()
    }

    /// The header line: skipped, or with HEADER MATCH checked against the column names.
    fn check_header(&self, input: &[u8], line: Range<usize>) -> Result<(), Error> {
        if self.header != Header::Match {
            return Ok(());
        }
        let fail = |message: String| -> Error {
            let text = input.get(line.clone()).unwrap_or_default();
            PgError::new(SqlState::BAD_COPY_FILE_FORMAT, message)
                .with_context(context::line_text(&self.table, self.line, text))
                .into()
        };
        let names = &self.columns.names;
        if self.row.len() != names.len() {
            return Err(fail(format!(
                "wrong number of fields in header line: got {}, expected {}",
                self.row.len(),
                names.len()
            )));
        }
        for (i, expected) in names.iter().enumerate() {
            match self.row.get(i, input) {
                None => {
                    return Err(fail(format!(
                        "column name mismatch in header line field {}: got null value (\"{}\"), expected \"{expected}\"",
                        i + 1,
                        self.null
                    )));
                }
                Some(got) if got != expected.as_bytes() => {
                    return Err(fail(format!(
                        "column name mismatch in header line field {}: got \"{}\", expected \"{expected}\"",
                        i + 1,
                        String::from_utf8_lossy(got)
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// Adds `context` to an error that has none yet.
fn with_context(err: PgError, context: String) -> PgError {
    if err.context.is_some() {
        err
    } else {
        err.with_context(context)
    }
}

impl<I, W, V, E> Session<I, W, V, E>
where
    I: MessageSource,
    W: ProtocolWriter,
    V: ValueHandler,
    E: Executor,
{
    /// Runs `COPY table [(columns)] FROM STDIN`.
    pub(super) async fn copy_from_stdin(&mut self, statement: &CopyStatement) -> Result<(), Error> {
        let CopySource::Table { name, columns } = &statement.source else {
            return Err(PgError::new(SqlState::SYNTAX_ERROR, "COPY FROM needs a table").into());
        };
        let columns = self.copy_columns(name, columns)?;
        let options = CopyOptions::new(&statement.options, true)?;
        let force_not_null = self.copy_force_flags(
            Some(name),
            "FORCE_NOT_NULL",
            &options.force_not_null,
            &columns.names,
        )?;
        let force_null = self.copy_force_flags(
            Some(name),
            "FORCE_NULL",
            &options.force_null,
            &columns.names,
        )?;
        let placeholders: Vec<String> =
            (1..=columns.names.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            super::control::quote(name),
            columns.sql_list(),
            placeholders.join(", ")
        );
        // Prepared now, so that a table SQLite cannot insert into fails before any data.
        self.exec.describe(&sql)?;
        let format = match options.format {
            CopyFormat::Binary => Format::Binary,
            CopyFormat::Text | CopyFormat::Csv => Format::Text,
        };
        let count = columns.names.len();
        let mut copy = CopyIn {
            table: name.clone(),
            reader: RowReader::new(&options, count, force_not_null, force_null),
            columns,
            format,
            header: options.header,
            null: String::from_utf8_lossy(&options.null).into_owned(),
            row: RowFields::default(),
            line: 0,
            rows: 0,
            finished: false,
        };

        let scope = if self.tx == TxState::Idle && self.exec.is_autocommit() {
            self.engine("BEGIN").await?;
            Scope::Transaction
        } else {
            self.engine(&format!("SAVEPOINT {SAVEPOINT}")).await?;
            Scope::Savepoint
        };
        let formats: SmallVec<[Format; 16]> = SmallVec::from_elem(format, count);
        self.wait_cancel.arm();
        let mut result = self
            .send(tag::COPY_IN_RESPONSE, |b| {
                backend::copy_in_response(b, format, &formats)
            })
            .await
            .map_err(Error::from);
        if result.is_ok() {
            result = self.exec.reserve_write().await;
        }
        if result.is_ok() {
            result = self.copy_in_messages(&mut copy, &sql).await;
        }
        self.wait_cancel.disarm();
        if result.is_ok() {
            result = match scope {
                Scope::Transaction => self.engine("COMMIT").await,
                Scope::Savepoint => self.engine(&format!("RELEASE {SAVEPOINT}")).await,
            };
        }
        if let Err(err) = result {
            let undo = match scope {
                Scope::Transaction => self.engine("ROLLBACK").await,
                Scope::Savepoint => {
                    let back = self.engine(&format!("ROLLBACK TO {SAVEPOINT}")).await;
                    back.and(self.engine(&format!("RELEASE {SAVEPOINT}")).await)
                }
            };
            if let Err(undo) = undo {
                tracing::warn!(error = %undo, "undoing a failed COPY failed");
            }
            return Err(err);
        }
        let rows = copy.rows;
        self.send(tag::COMMAND_COMPLETE, |b| {
            backend::command_complete_count(b, "COPY", rows)
        })
        .await?;
        Ok(())
    }

    /// Reads CopyData until CopyDone, inserting every complete row as it arrives.
    async fn copy_in_messages(&mut self, copy: &mut CopyIn, sql: &str) -> Result<(), Error> {
        // The unused tail of earlier messages: a row cut by a message boundary.
        let mut pending = BytesMut::new();
        // statement_timeout covers the whole COPY, waiting for the client included.
        let timeout = lock(&self.settings).statement_timeout();
        let deadline = (!timeout.is_zero()).then(|| tokio::time::Instant::now() + timeout);
        // A cancel request ends the COPY, also while it waits for the client.
        let cancel = self.wait_cancel.clone();
        loop {
            if cancel.requested() {
                return Err(copy.canceled());
            }
            if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                return Err(copy.timed_out());
            }
            // Written out first, so that neither the timeout nor a cancel request cuts a
            // write short.
            if !self.input.has_pending() {
                self.writer.flush().await?;
            }
            let read = async {
                match deadline {
                    None => Some(self.next_input().await),
                    Some(deadline) => tokio::time::timeout_at(deadline, self.next_input())
                        .await
                        .ok(),
                }
            };
            let next = tokio::select! {
                biased;
                () = cancel.wait() => return Err(copy.canceled()),
                next = read => match next {
                    Some(next) => next?,
                    None => return Err(copy.timed_out()),
                },
            };
            let message = match next {
                None => {
                    return Err(PgError::fatal(
                        SqlState::CONNECTION_FAILURE,
                        "unexpected EOF on client connection with an open transaction",
                    )
                    .into());
                }
                Some(Incoming::Message(message)) => message,
                Some(Incoming::Invalid { err, .. }) => return Err(err.into()),
                Some(Incoming::Startup(_)) => {
                    return Err(PgError::protocol("unexpected startup packet").into());
                }
            };
            match message {
                FrontendMessage::CopyData(data) => {
                    if copy.finished {
                        continue;
                    }
                    if pending.is_empty() {
                        let used = self.copy_in_rows(copy, sql, &data, false)?;
                        if let Some(rest) = data.get(used..).filter(|r| !r.is_empty()) {
                            pending.extend_from_slice(rest);
                        }
                    } else {
                        pending.extend_from_slice(&data);
                        let used = self.copy_in_rows(copy, sql, &pending, false)?;
                        pending.advance(used.min(pending.len()));
                    }
                }
                FrontendMessage::CopyDone => {
                    if !copy.finished {
                        self.copy_in_rows(copy, sql, &pending, true)?;
                    }
                    return Ok(());
                }
                FrontendMessage::CopyFail { message } => {
                    return Err(PgError::new(
                        SqlState::QUERY_CANCELED,
                        format!("COPY from stdin failed: {message}"),
                    )
                    .into());
                }
                // Drivers send these without noticing that their command was a COPY.
                FrontendMessage::Flush | FrontendMessage::Sync => {}
                other => {
                    return Err(PgError::new(
                        SqlState::PROTOCOL_VIOLATION,
                        format!(
                            "unexpected message type 0x{:02X} during COPY from stdin",
                            other.tag()
                        ),
                    )
                    .into());
                }
            }
        }
    }

    /// Inserts every complete row of `input` with `sql`, prepared once for all of them;
    /// returns how many bytes were used.
    fn copy_in_rows(
        &mut self,
        copy: &mut CopyIn,
        sql: &str,
        input: &[u8],
        at_end: bool,
    ) -> Result<usize, Error> {
        let values = &self.values;
        let mut used = 0;
        self.exec.run_each(sql, &mut |run: &mut RunWith<'_>| {
            loop {
                let rest = &input[used..];
                let next = match copy.reader.next_row(rest, at_end, &mut copy.row) {
                    Ok(next) => next,
                    Err(err) => return Err(copy.read_error(err, rest)),
                };
                match next {
                    Next::NeedMore => return Ok(()),
                    Next::End { consumed } => {
                        if copy.format == Format::Binary {
                            // Nothing may follow the trailer: the reader says so if it does.
                            used += consumed;
                            continue;
                        }
                        copy.finished = true;
                        used = input.len();
                        return Ok(());
                    }
                    Next::Row { consumed, line } => {
                        copy.line += 1;
                        if copy.line == 1 && copy.header != Header::Absent {
                            copy.check_header(rest, line)?;
                        } else {
                            insert_row(values, copy, rest, line, run)?;
                        }
                        used += consumed;
                    }
                }
            }
        })?;
        Ok(used)
    }
}

/// Inserts the row just read (its fields refer to `input`) through `run`.
fn insert_row<V: ValueHandler>(
    values: &V,
    copy: &mut CopyIn,
    input: &[u8],
    line: Range<usize>,
    run: &mut RunWith<'_>,
) -> Result<(), Error> {
    let count = copy.columns.names.len();
    let fields = copy.row.len();
    if fields != count {
        let message = if fields > count {
            "extra data after last expected column".to_string()
        } else {
            format!("missing data for column \"{}\"", copy.columns.names[fields])
        };
        let text = input.get(line).unwrap_or_default();
        return Err(PgError::new(SqlState::BAD_COPY_FILE_FORMAT, message)
            .with_context(context::line_text(&copy.table, copy.line, text))
            .into());
    }
    let mut params: SmallVec<[ToSqlOutput<'_>; 16]> = SmallVec::new();
    for (i, (&ty, name)) in copy
        .columns
        .types
        .iter()
        .zip(&copy.columns.names)
        .enumerate()
    {
        let raw = copy.row.get(i, input);
        match values.decode_param(raw, ty, copy.format) {
            Ok(value) => params.push(value),
            Err(err) => {
                let shown = if copy.format == Format::Text {
                    raw
                } else {
                    None
                };
                let context = context::column(&copy.table, copy.line, name, shown);
                return Err(with_context(err, context).into());
            }
        }
    }
    match run(&params) {
        Ok(()) => {
            copy.rows += 1;
            Ok(())
        }
        Err(Error::Pg(err)) => {
            // As in PostgreSQL: row checks (NOT NULL, CHECK) show the line, index checks
            // only its number.
            let context = if err.code == SqlState::NOT_NULL_VIOLATION
                || err.code == SqlState::CHECK_VIOLATION
            {
                let text = input.get(line).unwrap_or_default();
                context::line_text(&copy.table, copy.line, text)
            } else {
                context::line(&copy.table, copy.line)
            };
            Err(with_context(err, context).into())
        }
        Err(other) => Err(other),
    }
}
