//! Encoding result rows: the [`RowSink`] that turns SQLite rows into DataRow messages.

use super::statement::Column;
use crate::error::{Error, PgError, SqlState};
use crate::executor::{Row, RowSink};
use crate::protocol::backend::{self, DataRow, FieldDescription, tag};
use crate::protocol::types::{Format, Oid, oid, type_len};
use crate::value::large::{KeptValue, LargeField, LargeValuePolicy};
use crate::value::{ValueHandler, oid_for_value};
use crate::writer::ProtocolWriter;
use bytes::BytesMut;
use rusqlite::types::{Value, ValueRef};
use smallvec::SmallVec;
use std::collections::VecDeque;
use std::ops::Range;

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

impl Row for [KeptValue] {
    fn len(&self) -> usize {
        <[KeptValue]>::len(self)
    }

    fn value(&self, index: usize) -> ValueRef<'_> {
        self.get(index)
            .map_or(ValueRef::Null, KeptValue::as_value_ref)
    }
}

/// Encodes one DataRow for `row` into `buf`. On error nothing is left in `buf`.
pub fn encode_data_row<R: Row + ?Sized, V: ValueHandler>(
    buf: &mut BytesMut,
    values: &V,
    row: &R,
    types: &[Oid],
    formats: &[Format],
    scales: &[Option<u16>],
) -> Result<(), PgError> {
    if row.len() != types.len() {
        return Err(PgError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            "cached plan must not change result type",
        ));
    }
    let data_row = DataRow::begin(buf, types.len() as u16);
    for (i, (&ty, &format)) in types.iter().zip(formats).enumerate() {
        let value = row.value(i);
        let scale = scales
            .get(i)
            .copied()
            .flatten()
            .filter(|_| ty == oid::NUMERIC);
        if let ValueRef::Null = value {
            data_row.null(buf);
        } else if let Err(err) = data_row.field_with(buf, |buf| match scale {
            Some(scale) => encode_scaled_numeric(values, value, scale, format, buf),
            None => values.encode_value(value, ty, format, buf),
        }) {
            data_row.abort(buf);
            return Err(err);
        }
    }
    data_row.finish(buf);
    Ok(())
}

/// Writes a numeric value with a fixed display scale (see [`Column::scale`]): rounded
/// or padded to the scale; the text form straight into the field, the binary form from
/// that text.
pub(super) fn encode_scaled_numeric<V: ValueHandler>(
    values: &V,
    value: ValueRef<'_>,
    scale: u16,
    format: Format,
    out: &mut BytesMut,
) -> Result<(), PgError> {
    let mut numbers = crate::value::NumberBuffers::default();
    let decimal = crate::value::coerce_decimal(value, &mut numbers)?;
    match format {
        Format::Text => {
            decimal.write_text_scaled(scale, out);
            Ok(())
        }
        Format::Binary => {
            let mut text = Vec::new();
            decimal.write_text_scaled(scale, &mut text);
            values.encode_value(ValueRef::Text(&text), oid::NUMERIC, format, out)
        }
    }
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
    /// Display scales of numeric columns (see [`Column::scale`]); empty when none.
    scales: SmallVec<[Option<u16>; 16]>,
    /// Column types not known yet (simple query): taken from the first row.
    pending: SmallVec<[bool; 16]>,
    describe: bool,
    limit: u64,
    sent: u64,
    overflow: VecDeque<Vec<KeptValue>>,
    /// Large values go straight from the row to the socket (and are kept outside the
    /// heap past the row limit) when the executor has a policy for them.
    large: Option<LargeValuePolicy>,
    /// Small fields of a row with a large one, encoded before the DataRow's length is known.
    scratch: BytesMut,
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
            scales: scales_of(columns),
            pending,
            describe: true,
            limit: 0,
            sent: 0,
            overflow: VecDeque::new(),
            large: None,
            scratch: BytesMut::new(),
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
            scales: SmallVec::new(),
            pending: SmallVec::new(),
            describe: false,
            limit,
            sent: 0,
            overflow: VecDeque::new(),
            large: None,
            scratch: BytesMut::new(),
        }
    }

    /// Prints numeric columns with the display scales of `columns` (the statement's).
    pub fn with_scales(mut self, columns: &[Column]) -> Self {
        self.scales = scales_of(columns);
        self
    }

    /// Sends large values by reference and keeps them by `policy` (see
    /// [`crate::executor::Executor::large_values`]).
    pub fn with_large_values(mut self, policy: Option<LargeValuePolicy>) -> Self {
        self.large = policy;
        self
    }

    /// Rows sent to the client.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Rows past the limit, to be sent by a later Execute.
    pub fn into_overflow(self) -> VecDeque<Vec<KeptValue>> {
        self.overflow
    }

    /// Sends a DataRow with at least one large field: small fields are encoded first (into
    /// `scratch`) so that the DataRow's length is known, then the header, small fields and
    /// large ones go out in order, large ones written straight from the row. Only the
    /// hex form of a large bytea passes through the buffer, in bounded chunks.
    async fn row_with_large_fields<R: Row + ?Sized>(
        &mut self,
        row: &R,
        threshold: usize,
    ) -> Result<(), Error> {
        enum Part<'r> {
            Small(Range<usize>),
            Large(LargeField<'r>),
        }
        self.scratch.clear();
        let mut parts: SmallVec<[Part<'_>; 16]> = SmallVec::new();
        let mut fields_len: usize = 0;
        for (i, (&ty, &format)) in self.types.iter().zip(&self.formats).enumerate() {
            let value = row.value(i);
            match self.values.large_field(value, ty, format, threshold) {
                Some(large) => {
                    fields_len += backend::field_len(large.wire_len());
                    parts.push(Part::Large(large));
                }
                None => {
                    let start = self.scratch.len();
                    let scale = self.scales.get(i).copied().flatten();
                    match scale.filter(|_| ty == oid::NUMERIC && !matches!(value, ValueRef::Null)) {
                        Some(scale) => backend::field_with(&mut self.scratch, |buf| {
                            encode_scaled_numeric(self.values, value, scale, format, buf)
                        })?,
                        None => self
                            .values
                            .encode_field(value, ty, format, &mut self.scratch)?,
                    }
                    fields_len += self.scratch.len() - start;
                    parts.push(Part::Small(start..self.scratch.len()));
                }
            }
        }
        let data_row =
            DataRow::begin_sized(self.writer.buffer(), self.types.len() as u16, fields_len)?;
        for part in parts {
            match part {
                Part::Small(range) => self.writer.buffer().extend_from_slice(&self.scratch[range]),
                Part::Large(large) => {
                    let buf = self.writer.buffer();
                    data_row.external_field(buf, large.wire_len());
                    buf.extend_from_slice(large.prefix);
                    if large.hex {
                        buf.extend_from_slice(b"\\x");
                        for chunk in large.bytes.chunks(HEX_CHUNK) {
                            crate::value::write_hex(chunk, self.writer.buffer());
                            self.writer.write_direct(&[]).await?;
                        }
                    } else {
                        self.writer.write_direct(large.bytes).await?;
                    }
                }
            }
        }
        data_row.finish(self.writer.buffer());
        Ok(())
    }
}

/// The display scales of `columns`; empty when no column has one.
fn scales_of(columns: &[Column]) -> SmallVec<[Option<u16>; 16]> {
    if columns.iter().all(|c| c.scale.is_none()) {
        return SmallVec::new();
    }
    columns.iter().map(|c| c.scale).collect()
}

/// Values smaller than this are copied into the write buffer even when large-value
/// handling is on: the size at which buffering writers write anyway.
pub const STREAM_MIN: usize = 64 * 1024;

/// Bytes of a large bytea hex-encoded per write in text format (twice as many hex
/// digits go through the buffer at a time): bounded memory, few writes.
const HEX_CHUNK: usize = 128 * 1024;

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

    async fn row<R: Row + ?Sized>(&mut self, row: &R) -> Result<(), Error> {
        if self.limit > 0 && self.sent >= self.limit {
            let kept = (0..row.len())
                .map(|i| match &self.large {
                    Some(policy) => policy.keep(row.value(i)),
                    None => KeptValue::Value(crate::value::large::owned_value(row.value(i))),
                })
                .collect();
            self.overflow.push_back(kept);
            return Ok(());
        }
        if let Some(policy) = &self.large {
            // Sending a value by reference costs a write of its own; below a writer's
            // buffer size, copying it into the buffer (and sharing one write with the
            // rows around it) is faster and uses no more memory.
            let threshold = policy.threshold().max(STREAM_MIN);
            let has_large = row.len() == self.types.len()
                && (0..row.len()).any(|i| {
                    self.values
                        .large_field(row.value(i), self.types[i], self.formats[i], threshold)
                        .is_some()
                });
            if has_large {
                self.row_with_large_fields(row, threshold).await?;
                self.sent += 1;
                self.writer.message_done(tag::DATA_ROW).await?;
                return Ok(());
            }
        }
        encode_data_row(
            self.writer.buffer(),
            self.values,
            row,
            &self.types,
            &self.formats,
            &self.scales,
        )?;
        self.sent += 1;
        self.writer.message_done(tag::DATA_ROW).await?;
        Ok(())
    }
}
