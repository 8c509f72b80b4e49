//! A client session: the protocol state machine between one socket and one database
//! connection.
//!
//! [`Session`] is generic over its writer strategy (`W`), value handler (`V`) and
//! executor (`E`), so one implementation compiles down to each pipeline variant. It
//! reads with a [`Decoder`], answers through the [`ProtocolWriter`], and streams rows
//! from the [`Executor`] through a [`RowEncoder`](rows::RowEncoder).
//!
//! - `startup.rs`: SSL refusal, protocol negotiation, ParameterStatus
//! - `authenticate.rs`: the authentication exchange (SASL, MD5, cleartext requests)
//! - `simple.rs`: the simple query protocol (multi-statement strings)
//! - `extended.rs`: Parse / Bind / Describe / Execute / Close / Sync
//! - `control.rs`: commands the session answers itself (transactions, SET/SHOW/RESET)
//! - `copy.rs`, `copy_in.rs`, `copy_out.rs`: the COPY sub-protocol (FROM STDIN, TO STDOUT)
//! - `steps.rs`: statements SQLite runs as several (TRUNCATE, multi-table DROP, VACUUM)
//! - `rows.rs`: DataRow encoding, `state.rs`: the transaction state machine,
//!   `statement.rs` / `portal.rs`: prepared statements and portals,
//!   `settings.rs`: session parameters

mod authenticate;
mod control;
mod copy;
mod copy_in;
mod copy_out;
mod extended;
mod options;
pub mod portal;
pub mod rows;
pub mod settings;
mod simple;
mod startup;
pub mod state;
pub mod statement;
mod steps;

use crate::auth::Authenticator;
use crate::cancel::{CancelKey, CancelRegistry, WaitCancel};
use crate::connection::{AuthGate, Incoming, MessageSource};
use crate::error::{Error, PgError, SqlState};
use crate::executor::{DiscardRows, Executor};
use crate::protocol::backend::{self, tag};
use crate::protocol::frontend::FrontendMessage;
use crate::value::ValueHandler;
use crate::writer::ProtocolWriter;
use bytes::BytesMut;
use portal::Portal;
use settings::{Settings, SharedSettings, lock};
use state::TxState;
use statement::{NamedStatement, StatementCache};
use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Per-session limits and server links.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// Prepared statements cached by SQL text.
    pub statement_cache_capacity: usize,
    /// Where cancel requests find this session.
    pub cancel: CancelRegistry,
    /// Becomes `true` when the server shuts down; an idle session then says goodbye.
    pub shutdown: Option<watch::Receiver<bool>>,
    /// Who may log in and how; `None` lets everyone in (trust).
    pub auth: Option<Arc<Authenticator>>,
    /// How long startup and authentication may take; `None`: no limit.
    pub authentication_timeout: Option<Duration>,
    /// Opened once the client has authenticated (its reader caps message sizes until then).
    pub auth_gate: Option<AuthGate>,
    /// The session's default `idle_in_transaction_session_timeout` (zero: none).
    pub idle_in_transaction_session_timeout: Duration,
    /// The session's default `idle_session_timeout` (zero: none).
    pub idle_session_timeout: Duration,
    /// Set on a TLS connection: its `tls-server-end-point` channel-binding data (SHA-256
    /// of the server's certificate). SCRAM-SHA-256-PLUS is offered then.
    pub tls_end_point: Option<Vec<u8>>,
    /// Refuse the client (28000) after its startup packet unless the connection is TLS.
    pub require_tls: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            statement_cache_capacity: 512,
            cancel: CancelRegistry::default(),
            shutdown: None,
            auth: None,
            authentication_timeout: None,
            auth_gate: None,
            idle_in_transaction_session_timeout: Duration::ZERO,
            idle_session_timeout: Duration::ZERO,
            tls_end_point: None,
            require_tls: false,
        }
    }
}

/// One client connection's protocol state, generic over the pipeline's strategies.
pub struct Session<I, W, V, E> {
    input: I,
    writer: W,
    values: V,
    exec: E,
    tx: TxState,
    /// After an error in an extended-protocol message: discard input until Sync.
    skipping: bool,
    settings: SharedSettings,
    cache: StatementCache,
    statements: HashMap<String, NamedStatement>,
    unnamed_statement: Option<NamedStatement>,
    portals: HashMap<String, Portal>,
    unnamed_portal: Option<Portal>,
    cancel: CancelRegistry,
    key: Option<CancelKey>,
    /// Cancel requests for a COPY FROM STDIN waiting for data.
    wait_cancel: Arc<WaitCancel>,
    shutdown: Option<watch::Receiver<bool>>,
    auth: Option<Arc<Authenticator>>,
    authentication_timeout: Option<Duration>,
    auth_gate: Option<AuthGate>,
    tls_end_point: Option<Vec<u8>>,
    require_tls: bool,
    /// ReadyForQuery was the last thing sent: waiting now is being idle, which the idle
    /// timeouts bound.
    idle: bool,
}

impl<I, W, V, E> Session<I, W, V, E>
where
    I: MessageSource,
    W: ProtocolWriter,
    V: ValueHandler,
    E: Executor,
{
    /// A session reading from `input` and answering through `writer`.
    pub fn new(input: I, writer: W, values: V, mut exec: E, options: SessionOptions) -> Self {
        let mut settings = Settings::default();
        for (name, span) in [
            (
                "idle_in_transaction_session_timeout",
                options.idle_in_transaction_session_timeout,
            ),
            ("idle_session_timeout", options.idle_session_timeout),
        ] {
            let ms = span.as_millis().to_string();
            if let Err(err) = settings.set_default(name, &ms) {
                tracing::warn!(error = %err, "ignoring a server default");
            }
        }
        let settings = std::sync::Arc::new(std::sync::Mutex::new(settings));
        exec.share_settings(&settings);
        Session {
            input,
            writer,
            values,
            exec,
            tx: TxState::Idle,
            skipping: false,
            settings,
            cache: StatementCache::new(options.statement_cache_capacity),
            statements: HashMap::new(),
            unnamed_statement: None,
            portals: HashMap::new(),
            unnamed_portal: None,
            cancel: options.cancel,
            key: None,
            wait_cancel: Arc::default(),
            shutdown: options.shutdown,
            auth: options.auth,
            authentication_timeout: options.authentication_timeout,
            auth_gate: options.auth_gate,
            tls_end_point: options.tls_end_point,
            require_tls: options.require_tls,
            idle: false,
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
        let started = match self.authentication_timeout {
            None => self.startup().await?,
            Some(limit) => match tokio::time::timeout(limit, self.startup()).await {
                Ok(started) => started?,
                // As PostgreSQL: the client is not told, the connection just closes.
                Err(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "canceling authentication due to timeout",
                    )
                    .into());
                }
            },
        };
        if !started {
            return Ok(());
        }
        loop {
            let message = match self.next_command().await? {
                None => return Ok(()),
                Some(Incoming::Message(message)) => message,
                Some(Incoming::Invalid { err, extended }) => {
                    if extended {
                        self.extended_error(err.into()).await?;
                    } else if !self.skipping {
                        self.send_error(&err).await?;
                        self.ready_for_query().await?;
                    }
                    continue;
                }
                Some(Incoming::Startup(_)) => {
                    return Err(PgError::protocol("unexpected startup packet").into());
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

    /// The next startup packet or message. Before waiting for the client, everything
    /// buffered is written: the client may be waiting for it. Fails with 57P01 if the
    /// server shuts down while the session waits.
    async fn next_input(&mut self) -> Result<Option<Incoming>, Error> {
        if !self.input.has_pending() {
            self.writer.flush().await?;
        }
        match &mut self.shutdown {
            None => self.input.next().await,
            Some(shutdown) => tokio::select! {
                biased;
                item = self.input.next() => item,
                _ = shutdown.wait_for(|stop| *stop) => Err(PgError::fatal(
                    SqlState::ADMIN_SHUTDOWN,
                    "terminating connection due to administrator command",
                )
                .into()),
            },
        }
    }

    /// Like [`next_input`](Self::next_input), but while the session is idle (its last
    /// answer was ReadyForQuery) the wait is bounded by `idle_in_transaction_session_timeout`
    /// inside a transaction block and by `idle_session_timeout` outside one; past it the
    /// session ends with FATAL 25P03 or 57P05, as in PostgreSQL.
    async fn next_command(&mut self) -> Result<Option<Incoming>, Error> {
        let idle = std::mem::take(&mut self.idle);
        let (limit, err) = if !self.tx.in_block() {
            (
                lock(&self.settings).idle_session_timeout(),
                (
                    SqlState::IDLE_SESSION_TIMEOUT,
                    "terminating connection due to idle-session timeout",
                ),
            )
        } else {
            (
                lock(&self.settings).idle_in_transaction_session_timeout(),
                (
                    SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
                    "terminating connection due to idle-in-transaction timeout",
                ),
            )
        };
        if !idle || limit.is_zero() {
            return self.next_input().await;
        }
        match tokio::time::timeout(limit, self.next_input()).await {
            Ok(item) => item,
            Err(_) => Err(PgError::fatal(err.0, err.1).into()),
        }
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
        self.idle = true;
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
