//! A client session: the protocol state machine between one socket and one database
//! connection.
//!
//! [`Session`] is generic over its writer strategy (`W`), value handler (`V`) and
//! executor (`E`), so one implementation compiles down to each pipeline variant. It
//! reads with a [`Decoder`], answers through the [`ProtocolWriter`], and streams rows
//! from the [`Executor`] through a [`RowEncoder`](rows::RowEncoder).
//!
//! - `startup.rs`: SSL refusal, protocol negotiation, authentication, ParameterStatus
//! - `simple.rs`: the simple query protocol (multi-statement strings)
//! - `extended.rs`: Parse / Bind / Describe / Execute / Close / Sync
//! - `control.rs`: commands the session answers itself (transactions, SET/SHOW/RESET)
//! - `rows.rs`: DataRow encoding, `state.rs`: the transaction state machine,
//!   `statement.rs` / `portal.rs`: prepared statements and portals,
//!   `settings.rs`: session parameters

mod control;
mod extended;
pub mod portal;
pub mod rows;
pub mod settings;
mod simple;
mod startup;
pub mod state;
pub mod statement;

use crate::cancel::{CancelKey, CancelRegistry};
use crate::error::{Error, PgError, SqlState};
use crate::executor::{DiscardRows, Executor};
use crate::protocol::backend::{self, tag};
use crate::protocol::codec::{DEFAULT_MAX_MESSAGE_LEN, Decoder};
use crate::protocol::frontend::FrontendMessage;
use crate::value::ValueHandler;
use crate::writer::ProtocolWriter;
use bytes::BytesMut;
use portal::Portal;
use settings::Settings;
use state::TxState;
use statement::{NamedStatement, StatementCache};
use std::collections::HashMap;
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::watch;

/// Per-session limits and server links.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// Largest message body accepted from the client, checked before allocating.
    pub max_message_len: usize,
    /// Prepared statements cached by SQL text.
    pub statement_cache_capacity: usize,
    /// Where cancel requests find this session.
    pub cancel: CancelRegistry,
    /// Becomes `true` when the server shuts down; an idle session then says goodbye.
    pub shutdown: Option<watch::Receiver<bool>>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            max_message_len: DEFAULT_MAX_MESSAGE_LEN,
            statement_cache_capacity: 512,
            cancel: CancelRegistry::default(),
            shutdown: None,
        }
    }
}

/// What reading the next message can give.
// Boxing the message would cost an allocation per message; this enum lives on the stack.
#[allow(clippy::large_enum_variant)]
enum Input {
    Message(FrontendMessage),
    /// A message that was consumed but could not be decoded (bad UTF-8, say); `extended`
    /// tells whether it belonged to the extended protocol.
    Invalid {
        err: PgError,
        extended: bool,
    },
    Closed,
}

/// One client connection's protocol state, generic over the pipeline's strategies.
pub struct Session<R, W, V, E> {
    reader: R,
    read_buf: BytesMut,
    decoder: Decoder,
    writer: W,
    values: V,
    exec: E,
    tx: TxState,
    /// After an error in an extended-protocol message: discard input until Sync.
    skipping: bool,
    settings: Settings,
    cache: StatementCache,
    statements: HashMap<String, NamedStatement>,
    unnamed_statement: Option<NamedStatement>,
    portals: HashMap<String, Portal>,
    unnamed_portal: Option<Portal>,
    cancel: CancelRegistry,
    key: Option<CancelKey>,
    shutdown: Option<watch::Receiver<bool>>,
}

impl<R, W, V, E> Session<R, W, V, E>
where
    R: AsyncRead + Unpin,
    W: ProtocolWriter,
    V: ValueHandler,
    E: Executor,
{
    /// A session over a connection's read half and a writer on its write half.
    pub fn new(reader: R, writer: W, values: V, exec: E, options: SessionOptions) -> Self {
        Session {
            reader,
            read_buf: BytesMut::with_capacity(8 * 1024),
            decoder: Decoder::new(options.max_message_len),
            writer,
            values,
            exec,
            tx: TxState::Idle,
            skipping: false,
            settings: Settings::default(),
            cache: StatementCache::new(options.statement_cache_capacity),
            statements: HashMap::new(),
            unnamed_statement: None,
            portals: HashMap::new(),
            unnamed_portal: None,
            cancel: options.cancel,
            key: None,
            shutdown: options.shutdown,
        }
    }

    /// Serves the connection until the client leaves, a fatal error, or shutdown.
    ///
    /// Errors a client should see are sent to it; the returned error is only for logs.
    pub async fn run(mut self) -> Result<(), Error> {
        match self.serve().await {
            Ok(()) => {
                // The client may have sent Terminate right behind requests whose answers
                // are still buffered.
                self.writer.flush().await?;
                Ok(())
            }
            Err(Error::Pg(err)) => {
                // Fatal: tell the client why, then close.
                backend::error_response(self.writer.buffer(), &err);
                let _ = self.writer.message_done(tag::ERROR_RESPONSE).await;
                let _ = self.writer.flush().await;
                Err(Error::Pg(err))
            }
            Err(other) => Err(other),
        }
    }

    async fn serve(&mut self) -> Result<(), Error> {
        if !self.startup().await? {
            return Ok(());
        }
        loop {
            let message = match self.next_message().await? {
                Input::Message(message) => message,
                Input::Closed => return Ok(()),
                Input::Invalid { err, extended } => {
                    if extended {
                        self.extended_error(err.into()).await?;
                    } else if !self.skipping {
                        self.send_error(&err).await?;
                        self.ready_for_query().await?;
                    }
                    continue;
                }
            };
            match message {
                FrontendMessage::Terminate => return Ok(()),
                FrontendMessage::Sync => self.sync().await?,
                _ if self.skipping => {}
                FrontendMessage::Query { sql } => self.simple_query(&sql).await?,
                FrontendMessage::Flush => self.writer.flush().await?,
                FrontendMessage::FunctionCall { .. } => {
                    let err = PgError::new(
                        SqlState::FEATURE_NOT_SUPPORTED,
                        "the function call protocol is not supported",
                    );
                    self.send_error(&err).await?;
                    self.ready_for_query().await?;
                }
                FrontendMessage::Password(_) => {
                    return Err(PgError::protocol("unexpected password message").into());
                }
                // Outside COPY these are ignored, as PostgreSQL does: a client may still
                // be sending data for a COPY that already failed.
                FrontendMessage::CopyData(_)
                | FrontendMessage::CopyDone
                | FrontendMessage::CopyFail { .. } => {}
                extended => {
                    if let Err(err) = self.extended(extended).await {
                        self.extended_error(err).await?;
                    }
                }
            }
        }
    }

    /// The next complete message. Before waiting for the client, everything buffered is
    /// written: the client may be waiting for it.
    async fn next_message(&mut self) -> Result<Input, Error> {
        loop {
            let tag = self.read_buf.first().copied();
            match self.decoder.decode(&mut self.read_buf) {
                Ok(Some(message)) => return Ok(Input::Message(message)),
                Ok(None) => {}
                Err(err) if err.is_fatal() => return Err(err.into()),
                Err(err) => {
                    let extended = matches!(tag, Some(b'P' | b'B' | b'D' | b'E' | b'C'));
                    return Ok(Input::Invalid { err, extended });
                }
            }
            self.writer.flush().await?;
            if !self.read_more().await? {
                return Ok(Input::Closed);
            }
        }
    }

    /// Reads more input; false at end of stream. Fails with 57P01 if the server shuts
    /// down while the session waits.
    async fn read_more(&mut self) -> Result<bool, Error> {
        if self.read_buf.capacity() - self.read_buf.len() < 4096 {
            self.read_buf.reserve(8192);
        }
        let read = self.reader.read_buf(&mut self.read_buf);
        let n = match &mut self.shutdown {
            None => read.await?,
            Some(shutdown) => tokio::select! {
                n = read => n?,
                _ = shutdown.wait_for(|stop| *stop) => {
                    return Err(PgError::fatal(
                        SqlState::ADMIN_SHUTDOWN,
                        "terminating connection due to administrator command",
                    )
                    .into());
                }
            },
        };
        Ok(n > 0)
    }

    /// Encodes one message with `encode` and hands it to the writer.
    async fn send(&mut self, tag: u8, encode: impl FnOnce(&mut BytesMut)) -> io::Result<()> {
        encode(self.writer.buffer());
        self.writer.message_done(tag).await
    }

    async fn send_error(&mut self, err: &PgError) -> io::Result<()> {
        self.send(tag::ERROR_RESPONSE, |b| backend::error_response(b, err))
            .await
    }

    async fn send_notice(&mut self, notice: &PgError) -> io::Result<()> {
        self.send(tag::NOTICE_RESPONSE, |b| {
            backend::notice_response(b, notice)
        })
        .await
    }

    async fn command_complete(&mut self, text: &str) -> io::Result<()> {
        self.send(tag::COMMAND_COMPLETE, |b| {
            backend::command_complete(b, text)
        })
        .await
    }

    async fn ready_for_query(&mut self) -> io::Result<()> {
        let status = self.tx.status();
        self.send(tag::READY_FOR_QUERY, |b| {
            backend::ready_for_query(b, status)
        })
        .await
    }

    /// Runs transaction-control SQL on the engine (BEGIN, COMMIT, ROLLBACK, SAVEPOINT).
    async fn engine(&mut self, sql: &str) -> Result<(), Error> {
        self.exec.run(sql, &[], &mut DiscardRows).await.map(drop)
    }

    /// A command failed: a block becomes failed, an implicit transaction is rolled back.
    async fn abort_transaction(&mut self) -> Result<(), Error> {
        let next = self.tx.after_error();
        if next == TxState::Idle && !self.exec.is_autocommit() {
            if let Err(err) = self.engine("ROLLBACK").await {
                tracing::warn!(error = %err, "rollback after error failed");
            }
        }
        self.tx = next;
        Ok(())
    }

    /// The statement cache and SQLite's compiled statements may describe old tables.
    fn schema_changed(&mut self) {
        self.cache.clear();
        self.exec.clear_cache();
    }
}
