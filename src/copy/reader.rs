//! Turning COPY FROM data, in any format, into rows of fields.
//!
//! [`RowReader`] is handed the bytes received so far and returns one row at a time,
//! with how many bytes it used; the caller keeps what was not used and hands it back
//! with the next CopyData. Rows therefore never depend on how the client cut its
//! messages.

use super::binary::{BinaryReader, Tuple};
use super::csv::{self, CsvSyntax};
use super::lines::{Line, LineSplitter};
use super::options::{CopyFormat, CopyOptions};
use super::row::RowFields;
use super::text;
use crate::error::PgError;
use std::ops::Range;

/// What the next bytes hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// A row, now in the [`RowFields`]; `consumed` bytes were used, and `line` is the
    /// row's text (empty for binary data).
    Row {
        /// Bytes used.
        consumed: usize,
        /// The row's line, for error messages.
        line: Range<usize>,
    },
    /// The end of the data (`\.` or the binary trailer), `consumed` bytes long. After
    /// `\.` the rest of the data is to be ignored; after the binary trailer there must
    /// be none (the next call fails if there is).
    End {
        /// Bytes used.
        consumed: usize,
    },
    /// No complete row yet.
    NeedMore,
}

enum Format {
    Text(LineSplitter),
    Csv(LineSplitter),
    Binary(BinaryReader),
}

/// Reads the rows of one COPY FROM.
pub struct RowReader {
    format: Format,
    delimiter: u8,
    null: Vec<u8>,
    quote: u8,
    escape: u8,
    force_not_null: Vec<bool>,
    force_null: Vec<bool>,
    columns: usize,
    /// The line the last error was found in, when the error concerns one line.
    error_line: Option<Range<usize>>,
}

impl RowReader {
    /// A reader for `columns` columns; `force_not_null` / `force_null` are per column.
    pub fn new(
        options: &CopyOptions,
        columns: usize,
        force_not_null: Vec<bool>,
        force_null: Vec<bool>,
    ) -> RowReader {
        let format = match options.format {
            CopyFormat::Text => Format::Text(LineSplitter::new(false, b'"', b'"')),
            CopyFormat::Csv => Format::Csv(LineSplitter::new(true, options.quote, options.escape)),
            CopyFormat::Binary => Format::Binary(BinaryReader::new()),
        };
        RowReader {
            format,
            delimiter: options.delimiter,
            null: options.null.clone(),
            quote: options.quote,
            escape: options.escape,
            force_not_null,
            force_null,
            columns,
            error_line: None,
        }
    }

    /// The range of the input given to the failed [`RowReader::next_row`] call that
    /// holds the line the error is about, if it is about one line's fields.
    pub fn error_line(&self) -> Option<Range<usize>> {
        self.error_line.clone()
    }

    /// True if the last error was about a binary COPY's file header: it concerns no
    /// line.
    pub fn header_failed(&self) -> bool {
        matches!(&self.format, Format::Binary(reader) if reader.header_failed())
    }

    /// The next row of `input`; `at_end` says no more data will come.
    pub fn next_row(
        &mut self,
        input: &[u8],
        at_end: bool,
        row: &mut RowFields,
    ) -> Result<Next, PgError> {
        self.error_line = None;
        let (splitter, csv) = match &mut self.format {
            Format::Binary(reader) => {
                return match reader.next_tuple(input, 0, self.columns, at_end, row)? {
                    Tuple::Row { consumed } => Ok(Next::Row {
                        consumed,
                        line: 0..0,
                    }),
                    Tuple::End { consumed } => Ok(Next::End { consumed }),
                    Tuple::NeedMore => Ok(Next::NeedMore),
                };
            }
            Format::Text(splitter) => (splitter, false),
            Format::Csv(splitter) => (splitter, true),
        };
        let (content, consumed) = match splitter.next_line(input, at_end)? {
            Line::NeedMore => return Ok(Next::NeedMore),
            Line::End { content: 0 } => {
                return Ok(Next::End {
                    consumed: input.len(),
                });
            }
            // Data before `\.` on its line is a last row; `\.` comes next time.
            Line::End { content } => (content, content),
            Line::Line { content, next } => (content, next),
        };
        let line = &input[..content];
        let parsed = if csv {
            let syntax = CsvSyntax {
                delimiter: self.delimiter,
                quote: self.quote,
                escape: self.escape,
                null: &self.null,
            };
            csv::parse_line(
                line,
                0,
                &syntax,
                &self.force_not_null,
                &self.force_null,
                row,
            )
        } else {
            text::parse_line(line, 0, self.delimiter, &self.null, row)
        };
        if let Err(err) = parsed {
            self.error_line = Some(0..content);
            return Err(err);
        }
        Ok(Next::Row {
            consumed,
            line: 0..content,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(
        options: &CopyOptions,
        columns: usize,
        chunks: &[&[u8]],
    ) -> Vec<Vec<Option<Vec<u8>>>> {
        let mut reader = RowReader::new(options, columns, vec![], vec![]);
        let mut row = RowFields::default();
        let mut pending: Vec<u8> = Vec::new();
        let mut rows = Vec::new();
        let count = chunks.len();
        for (i, chunk) in chunks.iter().enumerate() {
            pending.extend_from_slice(chunk);
            let at_end = i + 1 == count;
            loop {
                match reader.next_row(&pending, at_end, &mut row).unwrap() {
                    Next::Row { consumed, .. } => {
                        rows.push(
                            (0..row.len())
                                .map(|f| row.get(f, &pending).map(<[u8]>::to_vec))
                                .collect(),
                        );
                        pending.drain(..consumed);
                    }
                    Next::End { .. } => return rows,
                    Next::NeedMore => break,
                }
            }
        }
        rows
    }

    #[test]
    fn rows_do_not_depend_on_message_boundaries() {
        let options = CopyOptions::new(&[], true).unwrap();
        let data = b"1\ta\\tb\n2\t\\N\n3\tlast\n\\.\n";
        let whole = read_all(&options, 2, &[data, b""]);
        assert_eq!(whole.len(), 3);
        for cut in 1..data.len() {
            let split = read_all(&options, 2, &[&data[..cut], &data[cut..], b""]);
            assert_eq!(split, whole, "cut at {cut}");
        }
        let bytewise: Vec<&[u8]> = data.chunks(1).chain([&b""[..]]).collect();
        assert_eq!(read_all(&options, 2, &bytewise), whole);
    }

    #[test]
    fn a_last_line_without_newline_counts() {
        let options = CopyOptions::new(&[], true).unwrap();
        assert_eq!(read_all(&options, 1, &[b"1\n2", b""]).len(), 2);
        assert_eq!(read_all(&options, 1, &[b"1\n2\\.\n"]).len(), 2);
    }
}
