//! Encoding result rows: the [`RowSink`] that turns SQLite rows into DataRow messages.

use super::statement::Column;
use crate::error::{Error, PgError, SqlState};
use crate::executor::{Row, RowSink};
use crate::protocol::backend::{self, FieldDescription, tag};
use crate::protocol::types::{Format, Oid, oid, type_len};
use crate::value::{ValueHandler, oid_for_value};
use crate::writer::ProtocolWriter;
use bytes::BytesMut;
use rusqlite::types::{Value, ValueRef};
use smallvec::SmallVec;
use std::collections::VecDeque;

impl Row for [Value] {
    fn len(&self) -> usize {
        <[Value]>::len(self)
    }

    fn value(&self, index: usize) -> ValueRef<'_> {
        self.get(index)
            .map(ValueRef::from)
            .unwrap_or(ValueRef::Null)
    }
}

/// Copies a borrowed value (rows kept past an Execute's row limit).
fn owned(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Encodes one DataRow for `row` into `buf`. On error nothing is left in `buf`.
pub fn encode_data_row<R: Row + ?Sized, V: ValueHandler>(
    buf: &mut BytesMut,
    values: &V,
    row: &R,
    types: &[Oid],
    formats: &[Format],
) -> Result<(), PgError> {
    if row.len() != types.len() {
        return Err(PgError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            "cached plan must not change result type",
        ));
    }
    let mark = buf.len();
    let start = backend::begin_data_row(buf, types.len() as u16);
    for (i, (&ty, &format)) in types.iter().zip(formats).enumerate() {
        if let Err(err) = values.encode_field(row.value(i), ty, format, buf) {
            buf.truncate(mark);
            return Err(err);
        }
    }
    backend::finish(buf, start);
    Ok(())
}

/// Writes a RowDescription for `columns` with the given types and formats.
pub fn encode_row_description(
    buf: &mut BytesMut,
    columns: &[Column],
    types: &[Oid],
    formats: &[Format],
) {
    let fields: SmallVec<[FieldDescription<'_>; 16]> = columns
        .iter()
        .zip(types)
        .zip(formats)
        .map(|((c, &ty), &format)| FieldDescription {
            name: &c.name,
            table_oid: 0,
            column_id: 0,
            type_oid: ty,
            type_len: type_len(ty),
            type_modifier: -1,
            format,
        })
        .collect();
    backend::row_description(buf, &fields);
}

/// The sink a statement's rows go to: DataRows straight into the writer's buffer,
/// and rows past an Execute's row limit kept for the next Execute.
pub struct RowEncoder<'a, W, V> {
    writer: &'a mut W,
    values: &'a V,
    columns: &'a [Column],
    types: SmallVec<[Oid; 16]>,
    formats: SmallVec<[Format; 16]>,
    /// Column types not known yet (simple query): taken from the first row.
    pending: SmallVec<[bool; 16]>,
    describe: bool,
    limit: u64,
    sent: u64,
    overflow: VecDeque<Vec<Value>>,
}

impl<'a, W: ProtocolWriter, V: ValueHandler> RowEncoder<'a, W, V> {
    /// For the simple query protocol: RowDescription is sent before the first row, with
    /// types nothing else tells taken from that row's values; everything in text format.
    pub fn simple(writer: &'a mut W, values: &'a V, columns: &'a [Column]) -> Self {
        let pending = columns.iter().map(|c| c.ty.is_none()).collect();
        RowEncoder {
            writer,
            values,
            columns,
            types: columns.iter().map(|c| c.ty.unwrap_or(oid::TEXT)).collect(),
            formats: SmallVec::from_elem(Format::Text, columns.len()),
            pending,
            describe: true,
            limit: 0,
            sent: 0,
            overflow: VecDeque::new(),
        }
    }

    /// For the extended protocol: types and formats as the client was told by Describe;
    /// at most `limit` rows are sent (0: all), the rest are kept.
    pub fn extended(
        writer: &'a mut W,
        values: &'a V,
        types: &[Oid],
        formats: &[Format],
        limit: u64,
    ) -> Self {
        RowEncoder {
            writer,
            values,
            columns: &[],
            types: types.into(),
            formats: formats.into(),
            pending: SmallVec::new(),
            describe: false,
            limit,
            sent: 0,
            overflow: VecDeque::new(),
        }
    }

    /// Rows sent to the client.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Rows past the limit, to be sent by a later Execute.
    pub fn into_overflow(self) -> VecDeque<Vec<Value>> {
        self.overflow
    }
}

impl<W: ProtocolWriter, V: ValueHandler> RowSink for RowEncoder<'_, W, V> {
    async fn start<R: Row>(&mut self, first: Option<&R>) -> Result<(), Error> {
        if let Some(first) = first {
            for (i, pending) in self.pending.iter().enumerate() {
                if *pending && i < first.len() {
                    self.types[i] = match first.value(i) {
                        ValueRef::Null => oid::TEXT,
                        value => oid_for_value(value),
                    };
                }
            }
        }
        if self.describe && !self.columns.is_empty() {
            encode_row_description(
                self.writer.buffer(),
                self.columns,
                &self.types,
                &self.formats,
            );
            self.writer.message_done(tag::ROW_DESCRIPTION).await?;
        }
        Ok(())
    }

    async fn row<R: Row>(&mut self, row: &R) -> Result<(), Error> {
        if self.limit > 0 && self.sent >= self.limit {
            self.overflow
                .push_back((0..row.len()).map(|i| owned(row.value(i))).collect());
            return Ok(());
        }
        encode_data_row(
            self.writer.buffer(),
            self.values,
            row,
            &self.types,
            &self.formats,
        )?;
        self.sent += 1;
        self.writer.message_done(tag::DATA_ROW).await?;
        Ok(())
    }
}
