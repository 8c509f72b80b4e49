//! Serving one accepted connection: splitting the socket and composing the pipeline
//! (writer strategy, value handler, executor) the configuration picked.

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

/// Serves a connection to its end; errors are logged, never propagated. `_busy_poll`
/// keeps the socket in its worker's busy-poll set until the session ends.
pub(crate) async fn serve(incoming: Incoming, shared: Arc<Shared>, _busy_poll: Option<Watch>) {
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
                    Ok(mut stream) => {
                        let (read, write) = stream.split();
                        refuse(read, write, cancel, timeout).await
                    }
                    Err(err) => Err(err),
                },
                Incoming::Unix(stream) => match UnixStream::from_std(stream) {
                    Ok(mut stream) => {
                        let (read, write) = stream.split();
                        refuse(read, write, cancel, timeout).await
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
            Ok(stream) => session(stream, &shared).await,
            Err(err) => Err(err.into()),
        },
        Incoming::Unix(stream) => match UnixStream::from_std(stream) {
            Ok(stream) => session(stream, &shared).await,
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

async fn session<S: SplitStream>(stream: S, shared: &Shared) -> Result<(), Error> {
    let config = &shared.config;
    let mut connection =
        DirectConnection::with_limits(stream, config.max_message_size, config.read_ahead_bytes)
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
            let writer =
                crate::writer::PooledDirectWriter::with_global_pool(write, config.batching.clone());
            Session::new(input, writer, values, exec, options)
                .run()
                .await
        }
    }
}
