//! # pgsqlite
//!
//! A PostgreSQL wire-protocol (v3) server over SQLite: psql, libpq, JDBC, psycopg,
//! tokio-postgres and the rest talk to a SQLite database as if it were PostgreSQL.
//!
//! Responses travel a zero-copy pipeline: values go from SQLite's current row straight
//! into the connection's write buffer, and pluggable strategies decide how that buffer
//! reaches the socket. The crate is a library first; the `pgsqlite` binary is a thin
//! command line over [`Server`].
//!
//! ## Layout
//!
//! | module | role |
//! |---|---|
//! | [`protocol`] | wire codec: decode frontend messages, encode backend messages (no features, no I/O) |
//! | [`connection`] | the read side: decoding ahead of the session (stream splitting) |
//! | [`copy`] | COPY data formats (text, CSV, binary): rows in and out, PostgreSQL's options |
//! | [`writer`] | [`ProtocolWriter`](writer::ProtocolWriter): one [`Writer`](writer::Writer) composed of a buffer source, a flush policy and a monitor; the strategies framed, direct, pooled are compositions |
//! | [`memory`] | buffer pool and memory monitor |
//! | [`value`] | [`ValueHandler`](value::ValueHandler): SQLite values to PostgreSQL text/binary and back |
//! | [`sql`] | SQL text: statement splitting, classification, translation, type hints |
//! | [`executor`] | [`Executor`](executor::Executor) trait and the SQLite backend |
//! | [`session`] | the per-connection protocol state machine, generic over the above |
//! | [`auth`] | authentication: SCRAM-SHA-256, MD5, cleartext, trust; users file; pacing |
//! | [`server`] | listeners, worker threads, graceful shutdown |
//! | [`context`] | what one server's sessions share: buffer pool, memory monitor, counters |
//! | `tls` | TLS negotiation, certificates, channel-binding data (feature `tls`) |
//! | [`stats`] | what `pgsqlite_stats` shows |
//!
//! ## Features
//!
//! | feature | adds | state |
//! |---|---|---|
//! | `direct-writer` (default) | [`DirectWriter`](writer::DirectWriter): writes when the client waits | serving |
//! | `pooling` | `BufferPool`, `PooledDirectWriter`: write buffers borrowed per response (implies `direct-writer`) | serving |
//! | `batching` | DataRow batching by [`BatchConfig`](writer::BatchConfig) (implies `direct-writer`) | serving |
//! | `mmap` | large values sent from SQLite's row without a copy, `MappedValue`, `MemoryMappedExecutor` | serving |
//! | `monitor` | `MemoryMonitor` (a [`NoopMonitor`](memory::NoopMonitor) without it) | serving |
//! | `tls` | TLS with rustls (ring): `--tls-cert`/`--tls-key`, `--tls-self-signed` (rcgen), `--require-tls`, direct TLS, SCRAM-SHA-256-PLUS | serving |
//! | `full` | all of the above | |
//!
//! Stream splitting ([`DirectConnection`](connection::DirectConnection)) and the framed
//! baseline need no feature.
//!
//! Features are additive, and the protocol layer compiles with none of them.
//! See `features.md` in the repository for details and measurements.
//!
//! ## Embedding
//!
//! ```no_run
//! # async fn demo() -> Result<(), pgsqlite::Error> {
//! let mut config = pgsqlite::Config::default();
//! config.port = 0; // any free port
//! let server = pgsqlite::Server::bind(config).await?;
//! println!("listening on {:?}", server.local_addr());
//! server.run_until(async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```
//!
//! Each server has its own [`ServerContext`] (buffer pool, memory monitor, statistics),
//! so several servers can run in one process without sharing them;
//! [`Server::bind_with_context`] takes one the embedding code built.

#![deny(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod cancel;
pub mod config;
pub mod connection;
pub mod context;
pub mod copy;
pub mod error;
pub mod executor;
pub mod memory;
pub mod protocol;
pub mod server;
pub mod session;
pub mod sql;
pub mod sqlstate;
pub mod stats;
#[cfg(feature = "tls")]
pub mod tls;
pub mod value;
pub mod writer;

pub use config::Config;
pub use context::ServerContext;
pub use error::{Error, PgError, Result, SqlState};
pub use server::{Server, ServerHandle};
