//! Large values: which ones leave without being copied into the write buffer, and how
//! values that must outlive their row are kept.
//!
//! The decision is the value handler's ([`ValueHandler::large_field`]); the policy
//! (threshold, where kept values live) comes from a [`LargeValues`] implementation,
//! which the executor provides: `MappedValueFactory` with feature `mmap`, nothing
//! without it (every value is then encoded into the buffer).

use crate::protocol::types::{Format, Oid, oid};
use rusqlite::types::{Value, ValueRef};
use std::path::PathBuf;
use std::sync::Arc;

/// How a large value goes on the wire: its bytes, borrowed from SQLite's current row,
/// sent after an optional prefix, either as they are or hex-encoded (`\x...`, bytea's
/// text format).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LargeField<'a> {
    /// The value's bytes, borrowed.
    pub bytes: &'a [u8],
    /// Bytes sent before the value (jsonb's binary version byte).
    pub prefix: &'static [u8],
    /// True for bytea text format: `\x` then two hex digits per byte.
    pub hex: bool,
}

impl LargeField<'_> {
    /// The field's length on the wire (without its Int32 length word).
    pub fn wire_len(&self) -> usize {
        self.prefix.len()
            + if self.hex {
                2 + 2 * self.bytes.len()
            } else {
                self.bytes.len()
            }
    }
}

/// Whether `value`, typed `ty` in `format`, is at least `threshold` bytes and goes on the
/// wire as its own bytes (or their hex form): text-like values as text, bytea as raw
/// bytes or hex. Anything that needs converting (numbers, dates, ...) is `None`.
pub fn large_field<'a>(
    value: ValueRef<'a>,
    ty: Oid,
    format: Format,
    threshold: usize,
) -> Option<LargeField<'a>> {
    let (bytes, is_blob) = match value {
        ValueRef::Text(t) => (t, false),
        ValueRef::Blob(b) => (b, true),
        _ => return None,
    };
    if bytes.len() < threshold {
        return None;
    }
    let field = |prefix: &'static [u8], hex: bool| Some(LargeField { bytes, prefix, hex });
    match (ty, format) {
        (oid::BYTEA, Format::Binary) => field(b"", false),
        (oid::BYTEA, Format::Text) => field(b"", true),
        (oid::JSONB, Format::Binary) if !is_blob => field(&[1], false),
        (
            oid::TEXT
            | oid::VARCHAR
            | oid::BPCHAR
            | oid::NAME
            | oid::UNKNOWN
            | oid::JSON
            | oid::JSONB,
            _,
        ) if !is_blob => field(b"", false),
        _ => None,
    }
}

/// Bytes held outside the heap (or anywhere), shared.
pub type SharedBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A value kept after its row is gone (rows past an Execute's row limit).
#[derive(Clone)]
pub enum KeptValue {
    /// An owned copy.
    Value(Value),
    /// Bytes held elsewhere (a memory-mapped temporary file); `text` tells whether they
    /// were TEXT or BLOB.
    Shared {
        /// The bytes.
        bytes: SharedBytes,
        /// TEXT (true) or BLOB (false).
        text: bool,
    },
}

impl std::fmt::Debug for KeptValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeptValue::Value(v) => f.debug_tuple("Value").field(v).finish(),
            KeptValue::Shared { bytes, text } => f
                .debug_struct("Shared")
                .field("len", &(**bytes).as_ref().len())
                .field("text", text)
                .finish(),
        }
    }
}

impl KeptValue {
    /// The value, borrowed.
    pub fn as_value_ref(&self) -> ValueRef<'_> {
        match self {
            KeptValue::Value(v) => ValueRef::from(v),
            KeptValue::Shared { bytes, text: true } => ValueRef::Text((**bytes).as_ref()),
            KeptValue::Shared { bytes, text: false } => ValueRef::Blob((**bytes).as_ref()),
        }
    }
}

/// Copies a borrowed value.
pub fn owned_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// A large-value policy: the size from which values are sent by reference, and how a
/// value that must outlive its row is kept.
pub trait LargeValues: Send + Sync + std::fmt::Debug {
    /// Values of at least this many bytes are sent straight from the row (it may drop
    /// under memory pressure).
    fn threshold(&self) -> usize;
    /// Keeps `value` beyond its row: large ones outside the heap, small ones copied.
    fn keep(&self, value: ValueRef<'_>) -> KeptValue;
}

/// A handle on a large-value policy.
pub type LargeValuePolicy = Arc<dyn LargeValues>;

/// Settings for memory-mapped large values (feature `mmap`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MmapConfig {
    /// Values of at least this many bytes are sent by reference or mapped (default 8192).
    pub threshold: usize,
    /// Use memory mapping at all (default on).
    pub enabled: bool,
    /// Where temporary files are made (default: the system's temp dir).
    pub temp_dir: Option<PathBuf>,
}

impl Default for MmapConfig {
    fn default() -> Self {
        MmapConfig {
            threshold: 8192,
            enabled: true,
            temp_dir: None,
        }
    }
}

impl MmapConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), String> {
        if self.threshold == 0 {
            return Err("the mmap threshold must be at least 1 byte".to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_values_sent_as_they_are_are_large() {
        let big = vec![b'a'; 100];
        let text = ValueRef::Text(&big);
        let blob = ValueRef::Blob(&big);
        assert_eq!(
            large_field(text, oid::TEXT, Format::Text, 101),
            None,
            "below threshold"
        );
        let f = large_field(text, oid::TEXT, Format::Binary, 100).unwrap();
        assert_eq!((f.wire_len(), f.hex), (100, false));
        let f = large_field(blob, oid::BYTEA, Format::Text, 10).unwrap();
        assert_eq!((f.wire_len(), f.hex), (202, true));
        let f = large_field(text, oid::JSONB, Format::Binary, 10).unwrap();
        assert_eq!(f.wire_len(), 101);
        assert_eq!(large_field(text, oid::INT8, Format::Text, 10), None);
        assert_eq!(
            large_field(blob, oid::TEXT, Format::Text, 10),
            None,
            "blob as text converts"
        );
        assert_eq!(
            large_field(ValueRef::Integer(1), oid::TEXT, Format::Text, 0),
            None
        );
    }

    #[test]
    fn kept_values_read_back() {
        let kept = KeptValue::Shared {
            bytes: Arc::new(b"abc".to_vec()),
            text: true,
        };
        assert_eq!(kept.as_value_ref(), ValueRef::Text(b"abc"));
        let kept = KeptValue::Value(owned_value(ValueRef::Blob(b"xy")));
        assert_eq!(kept.as_value_ref(), ValueRef::Blob(b"xy"));
    }
}
