//! COPY TO STDOUT: a table's or a query's rows streamed as CopyData, one message per
//! row, in text, CSV or binary, byte-identical to PostgreSQL's output.
//!
//! Rows are encoded as SQLite steps the statement, straight into the writer's buffer,
//! and leave through the writer strategy like DataRows do: nothing collects the result,
//! and a client that reads slowly holds the statement where it is.

use super::Session;
use super::rows::encode_scaled_numeric;
use super::statement::{Column, Prepared};
use crate::connection::MessageSource;
use crate::copy::binary;
use crate::copy::csv::{self, CsvSyntax};
use crate::copy::text;
use crate::copy::{ColumnSet, CopyFormat, CopyOptions, Header};
use crate::error::{Error, PgError, SqlState};
use crate::executor::{Executor, Row, RowSink};
use crate::protocol::backend::{self, tag};
use crate::protocol::types::{Format, Oid, oid};
use crate::sql::copy::{CopySource, CopyStatement};
use crate::value::{ValueHandler, oid_for_value};
use crate::writer::ProtocolWriter;
use bytes::{BufMut, BytesMut};
use rusqlite::types::ValueRef;
use smallvec::SmallVec;

/// The sink a COPY TO's rows go to: one CopyData message per row.
struct CopyOutSink<'a, W, V> {
    writer: &'a mut W,
    values: &'a V,
    columns: &'a [Column],
    options: &'a CopyOptions,
    force_quote: Vec<bool>,
    types: SmallVec<[Oid; 16]>,
    /// A value's text form, before it is escaped into the message.
    scratch: BytesMut,
    /// Binary: the file header goes in front of the first row (or the trailer).
    header_pending: bool,
    started: bool,
}

/// The display scale of column `i` if it is a numeric column with one.
fn scale_of(columns: &[Column], types: &[Oid], i: usize) -> Option<u16> {
    let scale = columns.get(i)?.scale?;
    (types.get(i) == Some(&oid::NUMERIC)).then_some(scale)
}

impl<W: ProtocolWriter, V: ValueHandler> CopyOutSink<'_, W, V> {
    fn syntax(&self) -> CsvSyntax<'_> {
        CsvSyntax {
            delimiter: self.options.delimiter,
            quote: self.options.quote,
            escape: self.options.escape,
            null: &self.options.null,
        }
    }

    /// CopyOutResponse, then the header line or (binary) the file header to come.
    async fn begin(&mut self) -> Result<(), Error> {
        self.started = true;
        let binary = self.options.format == CopyFormat::Binary;
        let format = if binary { Format::Binary } else { Format::Text };
        let formats: SmallVec<[Format; 16]> = SmallVec::from_elem(format, self.columns.len());
        backend::copy_out_response(self.writer.buffer(), format, &formats);
        self.writer.message_done(tag::COPY_OUT_RESPONSE).await?;
        if binary {
            self.header_pending = true;
        } else if self.options.header == Header::Present {
            let single = self.columns.len() == 1;
            let syntax = self.syntax();
            let mut line = BytesMut::new();
            for (i, column) in self.columns.iter().enumerate() {
                if i > 0 {
                    line.put_u8(self.options.delimiter);
                }
                let name = column.name.as_bytes();
                if self.options.format == CopyFormat::Csv {
                    csv::write_field(name, &syntax, false, single, &mut line);
                } else {
                    text::write_escaped(name, self.options.delimiter, &mut line);
                }
            }
            line.put_u8(b'\n');
            backend::copy_data(self.writer.buffer(), &line);
            self.writer.message_done(tag::COPY_DATA).await?;
        }
        Ok(())
    }

    /// Encodes one row as a CopyData message into the writer's buffer.
    fn encode<R: Row + ?Sized>(&mut self, row: &R) -> Result<(), PgError> {
        let buf = self.writer.buffer();
        let mark = buf.len();
        let start = backend::begin(buf, tag::COPY_DATA);
        let count = self.types.len();
        let result = if self.options.format == CopyFormat::Binary {
            if self.header_pending {
                binary::write_header(buf);
                self.header_pending = false;
            }
            binary::write_tuple_start(buf, u16::try_from(count).unwrap_or(u16::MAX));
            (0..count).try_for_each(|i| {
                match (row.value(i), scale_of(self.columns, &self.types, i)) {
                    (ValueRef::Null, _) | (_, None) => {
                        self.values
                            .encode_field(row.value(i), self.types[i], Format::Binary, buf)
                    }
                    (value, Some(scale)) => backend::field_with(buf, |buf| {
                        encode_scaled_numeric(self.values, value, scale, Format::Binary, buf)
                    }),
                }
            })
        } else {
            let csv = self.options.format == CopyFormat::Csv;
            let syntax = CsvSyntax {
                delimiter: self.options.delimiter,
                quote: self.options.quote,
                escape: self.options.escape,
                null: &self.options.null,
            };
            let mut result = Ok(());
            for i in 0..count {
                if i > 0 {
                    buf.put_u8(syntax.delimiter);
                }
                let value = row.value(i);
                if let ValueRef::Null = value {
                    buf.put_slice(syntax.null);
                    continue;
                }
                self.scratch.clear();
                let encoded = match scale_of(self.columns, &self.types, i) {
                    Some(scale) => encode_scaled_numeric(
                        self.values,
                        value,
                        scale,
                        Format::Text,
                        &mut self.scratch,
                    ),
                    None => self.values.encode_value(
                        value,
                        self.types[i],
                        Format::Text,
                        &mut self.scratch,
                    ),
                };
                if let Err(err) = encoded {
                    result = Err(err);
                    break;
                }
                let text = &self.scratch[..];
                if csv {
                    let force = self.force_quote.get(i).copied().unwrap_or(false);
                    csv::write_field(text, &syntax, force, count == 1, buf);
                } else {
                    text::write_escaped(text, syntax.delimiter, buf);
                }
            }
            buf.put_u8(b'\n');
            result
        };
        if let Err(err) = result {
            buf.truncate(mark);
            return Err(err);
        }
        backend::finish(buf, start);
        Ok(())
    }

    /// After the last row: the binary trailer, then CopyDone.
    async fn end(&mut self) -> Result<(), Error> {
        if !self.started {
            self.begin().await?;
        }
        if self.options.format == CopyFormat::Binary {
            let buf = self.writer.buffer();
            let start = backend::begin(buf, tag::COPY_DATA);
            if self.header_pending {
                binary::write_header(buf);
                self.header_pending = false;
            }
            binary::write_trailer(buf);
            backend::finish(buf, start);
            self.writer.message_done(tag::COPY_DATA).await?;
        }
        backend::copy_done(self.writer.buffer());
        self.writer.message_done(tag::COPY_DONE).await?;
        Ok(())
    }
}

impl<W: ProtocolWriter, V: ValueHandler> RowSink for CopyOutSink<'_, W, V> {
    async fn start<R: Row>(&mut self, first: Option<&R>) -> Result<(), Error> {
        // Types nothing declares are taken from the first row's values, as for a query.
        self.types = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                c.ty.unwrap_or_else(|| match first.map(|r| r.value(i)) {
                    Some(ValueRef::Null) | None => oid::TEXT,
                    Some(value) => oid_for_value(value),
                })
            })
            .collect();
        self.begin().await
    }

    async fn row<R: Row + ?Sized>(&mut self, row: &R) -> Result<(), Error> {
        self.encode(row)?;
        self.writer.message_done(tag::COPY_DATA).await?;
        Ok(())
    }
}

impl<I, W, V, E> Session<I, W, V, E>
where
    I: MessageSource,
    W: ProtocolWriter,
    V: ValueHandler,
    E: Executor,
{
    /// Runs `COPY table [(columns)] TO STDOUT` or `COPY (query) TO STDOUT`.
    pub(super) async fn copy_to_stdout(&mut self, statement: &CopyStatement) -> Result<(), Error> {
        let (sql, table) = match &statement.source {
            CopySource::Table { name, columns } => {
                let columns = self.copy_columns(name, columns)?;
                let sql = format!(
                    "SELECT {} FROM {}",
                    columns.sql_list(),
                    super::control::quote(name)
                );
                (sql, Some(name.as_str()))
            }
            CopySource::Query(query) => (query.clone(), None),
        };
        let options = CopyOptions::new(&statement.options, false)?;
        let prepared = self.cache.get(&mut self.exec, &sql)?;
        let Prepared::Sql(select) = &*prepared else {
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "COPY (query) TO supports SELECT, VALUES and statements with RETURNING",
            )
            .into());
        };
        if select.columns.is_empty() {
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "COPY query must have a RETURNING clause",
            )
            .into());
        }
        let names: Vec<String> = select.columns.iter().map(|c| c.name.clone()).collect();
        let force_quote = match &options.force_quote {
            ColumnSet::None => vec![false; names.len()],
            ColumnSet::All => vec![true; names.len()],
            ColumnSet::Named(named) => {
                self.copy_force_flags(table, "FORCE_QUOTE", named, &names)?
            }
        };
        let mut sink = CopyOutSink {
            writer: &mut self.writer,
            values: &self.values,
            columns: &select.columns,
            options: &options,
            force_quote,
            types: SmallVec::new(),
            scratch: BytesMut::new(),
            header_pending: false,
            started: false,
        };
        let outcome = self.exec.run(&select.sql, &[], &mut sink).await?;
        sink.end().await?;
        let rows = outcome.rows;
        self.send(tag::COMMAND_COMPLETE, |b| {
            backend::command_complete_count(b, "COPY", rows)
        })
        .await?;
        if select.changes_schema {
            self.schema_changed();
        }
        Ok(())
    }
}
