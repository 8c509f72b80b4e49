//! One row of COPY FROM data as fields: where each value's bytes are, without copying
//! what needs no decoding.
//!
//! A field that needs no unescaping is a range of the received bytes; one that does is
//! unescaped into the row's scratch buffer, which is reused from row to row. Both
//! vectors keep their capacity, so a COPY allocates nothing per row or per field once
//! the first rows have sized them.

use std::ops::Range;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Field {
    Null,
    /// Bytes of the input slice the row was parsed from.
    Input(Range<usize>),
    /// Bytes of the scratch buffer.
    Scratch(Range<usize>),
}

/// The fields of the current row.
#[derive(Debug, Default)]
pub struct RowFields {
    fields: Vec<Field>,
    scratch: Vec<u8>,
}

impl RowFields {
    /// Forgets the previous row, keeping the buffers.
    pub fn clear(&mut self) {
        self.fields.clear();
        self.scratch.clear();
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True for a row without fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `index` (`None` for NULL or past the end), given the input slice the row
    /// was parsed from.
    pub fn get<'a>(&'a self, index: usize, input: &'a [u8]) -> Option<&'a [u8]> {
        match self.fields.get(index)? {
            Field::Null => None,
            Field::Input(range) => input.get(range.clone()),
            Field::Scratch(range) => self.scratch.get(range.clone()),
        }
    }

    /// Whether field `index` is NULL.
    pub fn is_null(&self, index: usize) -> bool {
        matches!(self.fields.get(index), Some(Field::Null))
    }

    /// Appends a NULL field.
    pub fn push_null(&mut self) {
        self.fields.push(Field::Null);
    }

    /// Appends a field that is `range` of the input.
    pub fn push_input(&mut self, range: Range<usize>) {
        self.fields.push(Field::Input(range));
    }

    /// The scratch buffer, to unescape a field into: call [`RowFields::push_scratch`]
    /// with its length before the field was written.
    pub fn scratch(&mut self) -> &mut Vec<u8> {
        &mut self.scratch
    }

    /// Appends a field made of the scratch bytes from `start` to the end.
    pub fn push_scratch(&mut self, start: usize) {
        let end = self.scratch.len();
        self.fields.push(Field::Scratch(start..end));
    }

    /// Makes field `index` NULL (CSV FORCE_NULL).
    pub fn set_null(&mut self, index: usize) {
        if let Some(field) = self.fields.get_mut(index) {
            *field = Field::Null;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_point_into_input_or_scratch() {
        let input = b"abc";
        let mut row = RowFields::default();
        row.push_input(0..2);
        row.push_null();
        let start = row.scratch().len();
        row.scratch().extend_from_slice(b"x\ty");
        row.push_scratch(start);
        assert_eq!(row.len(), 3);
        assert_eq!(row.get(0, input), Some(&b"ab"[..]));
        assert_eq!(row.get(1, input), None);
        assert!(row.is_null(1));
        assert_eq!(row.get(2, input), Some(&b"x\ty"[..]));
        assert_eq!(row.get(3, input), None);
        row.clear();
        assert!(row.is_empty());
    }
}
