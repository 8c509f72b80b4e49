//! Serving one accepted connection: negotiating TLS (feature `tls`), splitting the
//! stream and composing the pipeline (writer strategy, value handler, executor) the
//! configuration picked.

use super::Shared;
use super::admission::{Ticket, refuse};
use super::busy_poll::Watch;
use super::worker::Incoming;
use crate::auth::AuthMethod;
use crate::connection::{AuthGate, DirectConnection, SplitStream};
use crate::error::Error;
use crate::protocol::backend::{self, tag};
use crate::session::{Session, SessionOptions};
use crate::value::StandardValueHandler;
use crate::writer::{FramedWriter, ProtocolWriter, WriterStrategy};
use std::sync::Arc;
use tokio::net::{TcpStream, UnixStream};

/// How the session's stream was reached.
#[derive(Default)]
struct Link {
    /// Bytes read while negotiating TLS: the start of the client's first packet.
    head: Vec<u8>,
    /// The channel-binding data, on a TLS connection.
    tls_end_point: Option<Vec<u8>>,
    /// A TCP connection (`--require-tls` concerns these only).
    tcp: bool,
}

/// Serves a connection to its end; errors are logged, never propagated. `busy_poll`
/// keeps the socket in its worker's busy-poll set until the session ends.
pub(crate) async fn serve(incoming: Incoming, shared: Arc<Shared>, busy_poll: Option<Watch>) {
    let _slot = match shared.admission.admit() {
        Ticket::Admitted(slot) => slot,
        Ticket::Refuse(_refusing) => {
            tracing::warn!(
                max_connections = shared.config.max_connections,
                "refusing a connection: too many clients"
            );
            let (cancel, timeout) = (&shared.cancel, shared.config.authentication_timeout);
            let result = match incoming {
                Incoming::Tcp(stream) => match TcpStream::from_std(stream) {
                    Ok(stream) => refuse_tcp(stream, &shared).await,
                    Err(err) => Err(err),
                },
                Incoming::Unix(stream) => match UnixStream::from_std(stream) {
                    Ok(mut stream) => {
                        let (read, write) = stream.split();
                        refuse(read, write, &[], cancel, timeout).await
                    }
                    Err(err) => Err(err),
                },
            };
            if let Err(err) = result {
                tracing::debug!(error = %err, "refused connection ended");
            }
            return;
        }
        Ticket::Drop => {
            tracing::warn!("dropping a connection: too many clients, and too many being refused");
            return;
        }
    };
    let result = match incoming {
        Incoming::Tcp(stream) => match TcpStream::from_std(stream) {
            Ok(stream) => tcp_session(stream, &shared, busy_poll).await,
            Err(err) => Err(err.into()),
        },
        Incoming::Unix(stream) => match UnixStream::from_std(stream) {
            Ok(stream) => session(stream, Link::default(), &shared).await,
            Err(err) => Err(err.into()),
        },
    };
    match result {
        Ok(()) => {}
        Err(Error::Io(err)) if err.kind() == std::io::ErrorKind::TimedOut => {
            shared.admission.count_auth_timeout();
            tracing::info!("canceling authentication due to timeout");
        }
        Err(Error::Io(err)) => tracing::debug!(error = %err, "connection ended"),
        Err(err) => tracing::debug!(error = %err, "session ended with an error"),
    }
}

/// Refuses a TCP connection over the limit, over TLS when the client asks for it (so
/// that it reads the reason).
async fn refuse_tcp(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let (cancel, timeout) = (&shared.cancel, shared.config.authentication_timeout);
    #[cfg(feature = "tls")]
    if let Some(tls) = &shared.tls {
        use crate::tls::{Negotiated, negotiate};
        return match bounded(timeout, negotiate(stream, tls)).await? {
            Negotiated::Plain { mut stream, head } => {
                let (read, write) = stream.split();
                refuse(read, write, &head, cancel, timeout).await
            }
            Negotiated::Tls(stream) => {
                let (read, write) = tokio::io::split(stream);
                refuse(read, write, &[], cancel, timeout).await
            }
            Negotiated::Closed => Ok(()),
        };
    }
    let (read, write) = stream.split();
    refuse(read, write, &[], cancel, timeout).await
}

/// A TCP connection's session: TLS is negotiated first when the server has a
/// certificate.
async fn tcp_session(
    stream: TcpStream,
    shared: &Shared,
    busy_poll: Option<Watch>,
) -> Result<(), Error> {
    let plain = Link {
        tcp: true,
        ..Link::default()
    };
    #[cfg(feature = "tls")]
    if let Some(tls) = &shared.tls {
        use crate::tls::{Negotiated, negotiate};
        let timeout = shared.config.authentication_timeout;
        return match bounded(timeout, negotiate(stream, tls)).await? {
            Negotiated::Plain { stream, head } => {
                let _busy_poll = busy_poll;
                session(stream, Link { head, ..plain }, shared).await
            }
            Negotiated::Tls(stream) => {
                // Busy polling watches the socket, which says nothing about what rustls
                // has decrypted and buffered: TLS sessions go without it.
                drop(busy_poll);
                let link = Link {
                    tls_end_point: Some(tls.end_point().to_vec()),
                    ..plain
                };
                session(stream, link, shared).await
            }
            Negotiated::Closed => Ok(()),
        };
    }
    let _busy_poll = busy_poll;
    session(stream, plain, shared).await
}

/// Runs `negotiation` for at most `limit` (the authentication timeout: the session's
/// own startup gets the same again).
#[cfg(feature = "tls")]
async fn bounded<T>(
    limit: std::time::Duration,
    negotiation: impl std::future::Future<Output = std::io::Result<T>>,
) -> std::io::Result<T> {
    tokio::time::timeout(limit, negotiation)
        .await
        .map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "canceling authentication due to timeout",
            )
        })?
}

async fn session<S: SplitStream>(stream: S, link: Link, shared: &Shared) -> Result<(), Error> {
    let config = &shared.config;
    let mut connection =
        DirectConnection::with_limits(stream, config.max_message_size, config.read_ahead_bytes)
            .with_head(link.head)
            .on_local_set();
    // Until a password is checked, no message may be larger than an authentication token.
    let gate = (shared.auth.method() != AuthMethod::Trust).then(AuthGate::new);
    if let Some(gate) = &gate {
        connection = connection.with_auth_gate(gate.clone());
    }
    let (input, write) = connection.into_input();
    let exec = match shared.database.connect() {
        Ok(exec) => exec,
        Err(err) => {
            tracing::error!(error = %err, "cannot open the database for a new session");
            let mut writer = FramedWriter::new(write);
            if let Error::Pg(mut pg) = err {
                pg.severity = crate::error::Severity::Fatal;
                backend::error_response(writer.buffer(), &pg);
                writer.message_done(tag::ERROR_RESPONSE).await?;
            }
            return Ok(());
        }
    };
    #[cfg(feature = "mmap")]
    let exec = crate::executor::MemoryMappedExecutor::new(exec, config.mmap.clone());
    let options = SessionOptions {
        cancel: shared.cancel.clone(),
        shutdown: Some(shared.shutdown.clone()),
        auth: Some(shared.auth.clone()),
        authentication_timeout: Some(config.authentication_timeout),
        auth_gate: gate,
        idle_in_transaction_session_timeout: config.idle_in_transaction_session_timeout,
        idle_session_timeout: config.idle_session_timeout,
        tls_end_point: link.tls_end_point,
        require_tls: config.require_tls && link.tcp,
        ..SessionOptions::default()
    };
    let values = StandardValueHandler;
    match shared.config.writer {
        WriterStrategy::Framed => {
            Session::new(input, FramedWriter::new(write), values, exec, options)
                .run()
                .await
        }
        #[cfg(feature = "direct-writer")]
        WriterStrategy::Direct => {
            let writer = crate::writer::DirectWriter::with_batching(
                write,
                config.batching.clone(),
                crate::writer::direct::DEFAULT_HIGH_WATER,
            );
            Session::new(input, writer, values, exec, options)
                .run()
                .await
        }
        #[cfg(feature = "pooling")]
        WriterStrategy::Pooled => {
            let writer = crate::writer::PooledDirectWriter::with_pool(
                write,
                shared.context.pool(),
                config.batching.clone(),
            );
            Session::new(input, writer, values, exec, options)
                .run()
                .await
        }
    }
}
