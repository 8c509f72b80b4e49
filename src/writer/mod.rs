//! Writer strategies: how encoded backend messages travel from the session to the socket.
//!
//! Every strategy implements [`ProtocolWriter`]. The session encodes each message straight
//! into [`ProtocolWriter::buffer`] with the encoders in [`crate::protocol::backend`], then
//! calls [`ProtocolWriter::message_done`]; strategies differ only in when bytes reach
//! the socket.
//!
//! There is one writer, [`Writer`], composed of three parts: a [`BufferSource`] (where
//! unsent bytes are kept), a [`FlushPolicy`] (when they are written) and a memory
//! [`Monitor`](crate::memory::Monitor) (told what the buffers hold). Each Cargo feature
//! adds a part; the named strategies are compositions:
//!
//! | strategy | feature | buffer source | flush policy | monitor |
//! |---|---|---|---|---|
//! | [`FramedWriter`] | always | [`OwnedBuffer`] | [`PerMessage`] | `NoopMonitor` |
//! | [`DirectWriter`] | `direct-writer` | [`OwnedBuffer`] | `WhenWaiting` (or `Batching`) | `DefaultMonitor` |
//! | [`PooledDirectWriter`] | `pooling` | `PooledBuffer` | `WhenWaiting` (or `Batching`) | `DefaultMonitor` |
//!
//! `WhenWaiting` writes when the client waits for output or the buffer passes its
//! high-water mark; `Batched` (feature `batching`) sends DataRows in batches by a
//! [`BatchConfig`]; `Batching` is the one of the two a configuration selects.
//!
//! Because encoding is shared, every strategy sends byte-identical output for the same
//! session; only the number and size of `write` calls differ.

pub mod batch;
mod compose;
mod framed;
mod owned;
pub use batch::{BatchConfig, BatchStats, FromBatchConfig, batch_stats};
pub use compose::{Action, BufferSource, Buffering, FlushPolicy, Named, Writer};
pub use framed::{FramedWriter, PerMessage};
pub use owned::OwnedBuffer;

#[cfg(feature = "direct-writer")]
pub mod direct;
#[cfg(feature = "direct-writer")]
pub use batch::ByConfig;
#[cfg(feature = "direct-writer")]
pub use direct::DirectWriter;
#[cfg(feature = "direct-writer")]
pub use direct::WhenWaiting;

#[cfg(feature = "pooling")]
mod pooled;
#[cfg(feature = "pooling")]
pub use pooled::PooledBuffer;
#[cfg(feature = "pooling")]
pub use pooled::PooledDirectWriter;

#[cfg(feature = "batching")]
mod batched;
#[cfg(feature = "batching")]
pub use batched::{Batched, Batching};

#[cfg(test)]
mod tests;

use bytes::BytesMut;
use std::fmt;
use std::io;
use std::str::FromStr;

/// A way of getting encoded backend messages onto the wire.
///
/// Sessions are `!Send` (each runs on one worker thread next to its SQLite connection),
/// so the futures returned here carry no `Send` bound.
#[allow(async_fn_in_trait)]
pub trait ProtocolWriter {
    /// The buffer the next message is encoded into. A message is appended whole, then
    /// [`message_done`](ProtocolWriter::message_done) is called.
    fn buffer(&mut self) -> &mut BytesMut;

    /// Called once a complete message with tag `tag` has been appended to [`buffer`].
    /// The strategy may write now or keep the bytes for later.
    ///
    /// [`buffer`]: ProtocolWriter::buffer
    async fn message_done(&mut self, tag: u8) -> io::Result<()>;

    /// Writes everything buffered. The session calls this whenever the client may be
    /// waiting: before it blocks reading the next request.
    async fn flush(&mut self) -> io::Result<()>;

    /// Writes what is buffered, then `bytes` straight from where they are (a value
    /// borrowed from SQLite's row), without copying them into the buffer. Used in the
    /// middle of a DataRow whose header and earlier fields are already buffered.
    async fn write_direct(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// The strategy's name as shown in `--writer` and statistics.
    fn strategy(&self) -> WriterStrategy;
}

/// The writer strategies this build can use, for `--writer` and `PGSQLITE_WRITER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WriterStrategy {
    /// [`FramedWriter`].
    Framed,
    /// [`DirectWriter`] (feature `direct-writer`).
    #[cfg(feature = "direct-writer")]
    Direct,
    /// [`PooledDirectWriter`] (feature `pooling`).
    #[cfg(feature = "pooling")]
    Pooled,
}

impl WriterStrategy {
    /// Every strategy compiled into this build, baseline first.
    pub const ALL: &'static [WriterStrategy] = &[
        WriterStrategy::Framed,
        #[cfg(feature = "direct-writer")]
        WriterStrategy::Direct,
        #[cfg(feature = "pooling")]
        WriterStrategy::Pooled,
    ];

    /// The best strategy compiled in: the one the server uses unless told otherwise.
    pub fn best() -> WriterStrategy {
        *Self::ALL.last().unwrap_or(&WriterStrategy::Framed)
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            WriterStrategy::Framed => "framed",
            #[cfg(feature = "direct-writer")]
            WriterStrategy::Direct => "direct",
            #[cfg(feature = "pooling")]
            WriterStrategy::Pooled => "pooled",
        }
    }
}

impl fmt::Display for WriterStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WriterStrategy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(found) = Self::ALL.iter().find(|w| w.name().eq_ignore_ascii_case(s)) {
            return Ok(*found);
        }
        let known: Vec<&str> = Self::ALL.iter().map(|w| w.name()).collect();
        let hint = match s {
            "direct" => " (this build lacks the `direct-writer` feature)",
            "pooled" => " (this build lacks the `pooling` feature)",
            _ => "",
        };
        Err(format!(
            "unknown writer strategy {s:?}{hint}; this build has: {}",
            known.join(", ")
        ))
    }
}
