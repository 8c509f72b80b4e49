//! The PostgreSQL v3 wire protocol, server side: decoding frontend (client) messages,
//! encoding backend (server) messages, framing, and the type OIDs both sides share.
//!
//! This layer has no optional features and no I/O: it turns bytes into messages and
//! messages into bytes. The pipeline's configuration and strategy types are
//! re-exported here too, so that one path names them all (`pgsqlite::protocol::...`).

pub mod backend;
pub mod bytestr;
pub mod codec;
pub mod frontend;
pub mod types;

pub use bytestr::ByteStr;
pub use codec::Decoder;
pub use frontend::{FrontendMessage, StartupPacket};

pub use crate::connection::DirectConnection;
#[cfg(feature = "pooling")]
pub use crate::memory::{BufferPool, BufferPoolStats, global_buffer_pool};
pub use crate::memory::{BufferPoolConfig, MemoryMonitorConfig, MemoryPressure, MemoryStats};
#[cfg(feature = "monitor")]
pub use crate::memory::{MemoryMonitor, global_memory_monitor};
#[cfg(feature = "direct-writer")]
pub use crate::writer::DirectWriter;
#[cfg(feature = "pooling")]
pub use crate::writer::PooledDirectWriter;
pub use crate::writer::{BatchConfig, FramedWriter, ProtocolWriter, WriterStrategy};
