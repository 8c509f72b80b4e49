//! Memory-mapped values (feature `mmap`): `MappedValue` and `MappedValueFactory`.

use super::large::{KeptValue, LargeValues, MmapConfig, owned_value};
use crate::memory::{DefaultMonitor, MemoryPressure, Monitor, default_monitor};
use bytes::Bytes;
use memmap2::Mmap;
use rusqlite::types::ValueRef;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

/// A value on its way to the client, held in the cheapest way that keeps it valid.
#[derive(Debug, Clone)]
pub enum MappedValue<'a> {
    /// Borrowed straight from SQLite's current row: no copy at all, valid while the row is.
    Reference(&'a [u8]),
    /// A memory-mapped region of an unlinked temporary file: for a large value that must
    /// outlive its row (rows kept for a suspended portal).
    Mapped(MappedRegion),
    /// A small owned value.
    Memory(Bytes),
}

impl MappedValue<'_> {
    /// The value's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            MappedValue::Reference(bytes) => bytes,
            MappedValue::Mapped(region) => region.as_ref(),
            MappedValue::Memory(bytes) => bytes,
        }
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// True for an empty value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Part of the value, without copying (partial reads); `None` if out of range.
    pub fn slice(&self, range: Range<usize>) -> Option<MappedValue<'_>> {
        if range.start > range.end || range.end > self.len() {
            return None;
        }
        Some(match self {
            MappedValue::Reference(bytes) => MappedValue::Reference(&bytes[range]),
            MappedValue::Mapped(region) => MappedValue::Mapped(region.slice(range)),
            MappedValue::Memory(bytes) => MappedValue::Memory(bytes.slice(range)),
        })
    }
}

/// A shared, read-only mapping of a temporary file, or a part of it.
#[derive(Clone, Debug)]
pub struct MappedRegion {
    map: Arc<Mmap>,
    range: Range<usize>,
}

impl MappedRegion {
    fn slice(&self, range: Range<usize>) -> MappedRegion {
        MappedRegion {
            map: self.map.clone(),
            range: self.range.start + range.start..self.range.start + range.end,
        }
    }
}

impl AsRef<[u8]> for MappedRegion {
    fn as_ref(&self) -> &[u8] {
        &self.map[self.range.clone()]
    }
}

/// Decides, value by value, between [`MappedValue`]'s variants: values of at least the
/// threshold (`PGSQLITE_MMAP_THRESHOLD`, 8192 bytes by default) are sent by reference
/// and, when they must outlive their row, mapped from a temporary file in
/// `PGSQLITE_TEMP_DIR`; smaller ones are copied. Under memory pressure the threshold
/// drops (half at `Medium`, a quarter at `High`), so more values stay out of the heap.
///
/// Temporary files are created already unlinked (`O_TMPFILE` where the system has it):
/// they have no name anyone can find, and their space is freed when the last mapping
/// goes, however the connection ends (disconnect, error, cancel, shutdown, crash).
#[derive(Clone, Debug)]
pub struct MappedValueFactory {
    config: MmapConfig,
    monitor: &'static DefaultMonitor,
}

impl MappedValueFactory {
    /// A factory with `config`.
    pub fn new(config: MmapConfig) -> MappedValueFactory {
        MappedValueFactory {
            config,
            monitor: default_monitor(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &MmapConfig {
        &self.config
    }

    /// The threshold in force now (lower under memory pressure).
    pub fn current_threshold(&self) -> usize {
        let shift = match self.monitor.pressure() {
            MemoryPressure::Low => 0,
            MemoryPressure::Medium => 1,
            MemoryPressure::High => 2,
        };
        (self.config.threshold >> shift).max(1)
    }

    /// Borrows `bytes` from the current row.
    pub fn reference<'a>(&self, bytes: &'a [u8]) -> MappedValue<'a> {
        MappedValue::Reference(bytes)
    }

    /// A value that outlives its row: mapped from a temporary file when large (and mmap
    /// is enabled), copied otherwise.
    pub fn owned(&self, bytes: &[u8]) -> io::Result<MappedValue<'static>> {
        if !self.config.enabled || bytes.len() < self.current_threshold() {
            return Ok(MappedValue::Memory(Bytes::copy_from_slice(bytes)));
        }
        self.map(bytes).map(MappedValue::Mapped)
    }

    fn map(&self, bytes: &[u8]) -> io::Result<MappedRegion> {
        let mut file = match &self.config.temp_dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        file.write_all(bytes)?;
        // SAFETY: the file was created unlinked just above and only this process holds
        // it; nothing else can truncate or modify it while it is mapped.
        #[allow(unsafe_code)]
        let map = unsafe { Mmap::map(&file)? };
        crate::context::with_current(|context| context.counters().value_mapped(bytes.len()));
        Ok(MappedRegion {
            map: Arc::new(map),
            range: 0..bytes.len(),
        })
    }
}

impl LargeValues for MappedValueFactory {
    fn threshold(&self) -> usize {
        self.current_threshold()
    }

    fn keep(&self, value: ValueRef<'_>) -> KeptValue {
        let (bytes, text) = match value {
            ValueRef::Text(t) => (t, true),
            ValueRef::Blob(b) => (b, false),
            other => return KeptValue::Value(owned_value(other)),
        };
        if !self.config.enabled || bytes.len() < self.current_threshold() {
            return KeptValue::Value(owned_value(value));
        }
        match self.map(bytes) {
            Ok(region) => KeptValue::Shared {
                bytes: Arc::new(region),
                text,
            },
            Err(err) => {
                tracing::warn!(error = %err, "cannot map a large value; keeping it in memory");
                KeptValue::Value(owned_value(value))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factory(threshold: usize, dir: &std::path::Path) -> MappedValueFactory {
        MappedValueFactory::new(MmapConfig {
            threshold,
            enabled: true,
            temp_dir: Some(dir.to_path_buf()),
        })
    }

    #[test]
    fn small_values_are_copied_large_ones_mapped_and_nothing_is_left_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let f = factory(16, dir.path());
        assert!(matches!(f.owned(b"short").unwrap(), MappedValue::Memory(_)));
        let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let mapped = f.owned(&big).unwrap();
        assert!(matches!(mapped, MappedValue::Mapped(_)));
        assert_eq!(mapped.as_bytes(), &big[..]);
        let part = mapped.slice(10..20).unwrap();
        assert_eq!(part.as_bytes(), &big[10..20]);
        assert!(mapped.slice(5..200_000).is_none());
        // The file was never visible in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let reference = f.reference(&big);
        assert_eq!(reference.len(), big.len());
    }

    #[test]
    fn kept_values_follow_the_threshold() {
        let dir = tempfile::tempdir().unwrap();
        let f = factory(8, dir.path());
        let kept = f.keep(ValueRef::Text(b"a long enough text"));
        assert!(matches!(kept, KeptValue::Shared { text: true, .. }));
        assert_eq!(kept.as_value_ref(), ValueRef::Text(b"a long enough text"));
        assert!(matches!(
            f.keep(ValueRef::Blob(b"tiny")),
            KeptValue::Value(_)
        ));
        assert!(matches!(f.keep(ValueRef::Integer(7)), KeptValue::Value(_)));
        let off = MappedValueFactory::new(MmapConfig {
            enabled: false,
            ..MmapConfig::default()
        });
        assert!(matches!(
            off.owned(&[0u8; 100_000]).unwrap(),
            MappedValue::Memory(_)
        ));
    }
}
