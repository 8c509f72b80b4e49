//! COPY's binary format: a signature and header, then tuples of length-prefixed fields
//! in each type's binary send form, then a trailer.
//!
//! Field bytes are exactly what a binary Bind parameter or a binary DataRow field holds,
//! so the value layer decodes and encodes them; this module only frames them.

use super::row::RowFields;
use crate::error::{PgError, SqlState};
use bytes::{BufMut, BytesMut};

/// The 11-byte signature every binary COPY stream starts with.
pub const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// Appends the file header: signature, flags (none) and an empty header extension.
pub fn write_header(out: &mut BytesMut) {
    out.put_slice(SIGNATURE);
    out.put_i32(0);
    out.put_i32(0);
}

/// Appends the start of a tuple: its field count.
pub fn write_tuple_start(out: &mut BytesMut, fields: u16) {
    out.put_u16(fields);
}

/// Appends the trailer (a field count of -1).
pub fn write_trailer(out: &mut BytesMut) {
    out.put_i16(-1);
}

/// What the next bytes of binary COPY data hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tuple {
    /// A tuple (and the header before it, the first time), `consumed` bytes long; its
    /// fields are in the row.
    Row {
        /// Bytes consumed.
        consumed: usize,
    },
    /// The trailer; nothing may follow it.
    End {
        /// Bytes consumed.
        consumed: usize,
    },
    /// No complete tuple yet.
    NeedMore,
}

fn bad(message: impl Into<std::borrow::Cow<'static, str>>) -> PgError {
    PgError::new(SqlState::BAD_COPY_FILE_FORMAT, message)
}

fn int16(input: &[u8], at: usize) -> Option<i16> {
    Some(i16::from_be_bytes(input.get(at..at + 2)?.try_into().ok()?))
}

fn int32(input: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_be_bytes(input.get(at..at + 4)?.try_into().ok()?))
}

/// Reads binary COPY data tuple by tuple.
#[derive(Clone, Debug, Default)]
pub struct BinaryReader {
    header_done: bool,
    /// The last error was about the file header.
    header_failed: bool,
    ended: bool,
}

impl BinaryReader {
    /// A reader expecting the header first.
    pub fn new() -> BinaryReader {
        BinaryReader::default()
    }

    /// True if the last error was about the file header (it concerns no row).
    pub fn header_failed(&self) -> bool {
        self.header_failed
    }

    /// The header's length if `input` holds all of it; `None` if more is needed.
    fn header(&self, input: &[u8], at_end: bool) -> Result<Option<usize>, PgError> {
        let short = |what: &'static str| {
            if at_end { Err(bad(what)) } else { Ok(None) }
        };
        if input.len() < SIGNATURE.len() {
            if !SIGNATURE.starts_with(input) {
                return Err(bad("COPY file signature not recognized"));
            }
            return short("COPY file signature not recognized");
        }
        if &input[..SIGNATURE.len()] != SIGNATURE {
            return Err(bad("COPY file signature not recognized"));
        }
        let Some(flags) = int32(input, 11) else {
            return short("invalid COPY file header (missing flags)");
        };
        if flags & (1 << 16) != 0 {
            return Err(bad("invalid COPY file header (WITH OIDS)"));
        }
        if (flags & !(1 << 16)) >> 16 != 0 {
            return Err(bad("unrecognized critical flags in COPY file header"));
        }
        let Some(extension) = int32(input, 15) else {
            return short("invalid COPY file header (missing length)");
        };
        let Ok(extension) = usize::try_from(extension) else {
            return Err(bad("invalid COPY file header (missing length)"));
        };
        let len = 19 + extension;
        if input.len() < len {
            return short("invalid COPY file header (wrong length)");
        }
        Ok(Some(len))
    }

    /// The next tuple of `input` (found at `base` in the slice the row refers to), for a
    /// table of `columns` columns. `at_end`: no more data will come.
    pub fn next_tuple(
        &mut self,
        input: &[u8],
        base: usize,
        columns: usize,
        at_end: bool,
        row: &mut RowFields,
    ) -> Result<Tuple, PgError> {
        if self.ended {
            if input.is_empty() {
                return Ok(Tuple::NeedMore);
            }
            return Err(bad("received copy data after EOF marker"));
        }
        let mut at = 0;
        if !self.header_done {
            if input.is_empty() && !at_end {
                return Ok(Tuple::NeedMore);
            }
            match self.header(input, at_end) {
                Ok(Some(len)) => at = len,
                Ok(None) => return Ok(Tuple::NeedMore),
                Err(err) => {
                    self.header_failed = true;
                    return Err(err);
                }
            }
        }
        let eof = |row: &mut RowFields| {
            row.clear();
            if at_end {
                Err(bad("unexpected EOF in COPY data"))
            } else {
                Ok(Tuple::NeedMore)
            }
        };
        let Some(count) = int16(input, at) else {
            if at_end && at == input.len() {
                // The data ended on a tuple boundary without a trailer: accepted.
                self.header_done = true;
                return Ok(Tuple::End { consumed: at });
            }
            return eof(row);
        };
        if count == -1 {
            self.header_done = true;
            self.ended = true;
            return Ok(Tuple::End { consumed: at + 2 });
        }
        if usize::try_from(count).ok() != Some(columns) {
            return Err(bad(format!(
                "row field count is {count}, expected {columns}"
            )));
        }
        at += 2;
        row.clear();
        for _ in 0..columns {
            let Some(len) = int32(input, at) else {
                return eof(row);
            };
            at += 4;
            if len == -1 {
                row.push_null();
                continue;
            }
            let Ok(len) = usize::try_from(len) else {
                return Err(bad("invalid field size"));
            };
            if input.len() < at + len {
                return eof(row);
            }
            row.push_input(base + at..base + at + len);
            at += len;
        }
        self.header_done = true;
        Ok(Tuple::Row { consumed: at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream() -> Vec<u8> {
        let mut b = BytesMut::new();
        write_header(&mut b);
        write_tuple_start(&mut b, 2);
        b.put_i32(2);
        b.put_slice(b"hi");
        b.put_i32(-1);
        write_trailer(&mut b);
        b.to_vec()
    }

    #[test]
    fn reads_header_tuples_and_trailer() {
        let data = stream();
        let mut reader = BinaryReader::new();
        let mut row = RowFields::default();
        let Tuple::Row { consumed } = reader.next_tuple(&data, 0, 2, false, &mut row).unwrap()
        else {
            panic!("expected a row");
        };
        assert_eq!(consumed, 19 + 2 + 6 + 4);
        assert_eq!(row.get(0, &data), Some(&b"hi"[..]));
        assert!(row.is_null(1));
        let rest = &data[consumed..];
        assert_eq!(
            reader.next_tuple(rest, 0, 2, false, &mut row).unwrap(),
            Tuple::End { consumed: 2 }
        );
        assert!(reader.next_tuple(b"x", 0, 2, false, &mut row).is_err());
    }

    #[test]
    fn waits_for_split_tuples_and_checks_counts() {
        let data = stream();
        for cut in 1..data.len() - 2 {
            if cut == 19 {
                // Header only: an empty COPY.
                continue;
            }
            let mut reader = BinaryReader::new();
            let mut row = RowFields::default();
            assert_eq!(
                reader
                    .next_tuple(&data[..cut], 0, 2, false, &mut row)
                    .unwrap(),
                Tuple::NeedMore,
                "cut at {cut}"
            );
            assert!(
                reader
                    .next_tuple(&data[..cut], 0, 2, true, &mut row)
                    .is_err()
            );
        }
        let mut reader = BinaryReader::new();
        let mut row = RowFields::default();
        let err = reader.next_tuple(&data, 0, 3, false, &mut row).unwrap_err();
        assert_eq!(err.message, "row field count is 2, expected 3");
        let err = BinaryReader::new()
            .next_tuple(b"PGCOPX\n\xff\r\n\0", 0, 1, false, &mut row)
            .unwrap_err();
        assert_eq!(err.message, "COPY file signature not recognized");
    }
}
