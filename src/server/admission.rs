//! Connection admission: at most `--max-connections` clients at once. One more is told
//! `sorry, too many clients already` (53300) once it sends its startup packet, as
//! PostgreSQL does, so SSL negotiation and cancel requests still work on a full server;
//! beyond that margin a connection is closed at once, so a flood costs no memory.

use crate::cancel::CancelRegistry;
use crate::connection::{FrameReader, Incoming};
use crate::error::{PgError, SqlState};
use crate::protocol::backend;
use crate::protocol::frontend::StartupPacket;
use bytes::BytesMut;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

/// Connections being refused at once, at most: more are closed without an answer.
const MAX_REFUSING: usize = 64;

/// Counts connections against the limit; shared by the accept loop, the sessions and
/// `pgsqlite_stats`.
#[derive(Debug)]
pub struct Admission {
    max: usize,
    open: AtomicUsize,
    refusing: AtomicUsize,
    refused: AtomicU64,
    auth_timeouts: AtomicU64,
}

/// What a new connection gets.
#[derive(Debug)]
pub(crate) enum Ticket {
    /// A slot: serve the connection; the slot frees when this drops.
    Admitted(Slot),
    /// Over the limit: answer 53300 (the refusal frees when this drops).
    Refuse(Slot),
    /// Far over the limit: close without a word.
    Drop,
}

/// Holds one count while a connection lives.
#[derive(Debug)]
pub(crate) struct Slot {
    admission: Arc<Admission>,
    refusing: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let counter = match self.refusing {
            true => &self.admission.refusing,
            false => &self.admission.open,
        };
        counter.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Admission {
    /// Admission for at most `max` connections.
    pub fn new(max: usize) -> Admission {
        Admission {
            max,
            open: AtomicUsize::new(0),
            refusing: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
            auth_timeouts: AtomicU64::new(0),
        }
    }

    /// Takes a slot for a new connection, or says how to refuse it.
    pub(crate) fn admit(self: &Arc<Self>) -> Ticket {
        let admitted = self
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .is_ok();
        if admitted {
            return Ticket::Admitted(Slot {
                admission: self.clone(),
                refusing: false,
            });
        }
        self.refused.fetch_add(1, Ordering::Relaxed);
        let refusing = self
            .refusing
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_REFUSING).then_some(n + 1)
            })
            .is_ok();
        match refusing {
            true => Ticket::Refuse(Slot {
                admission: self.clone(),
                refusing: true,
            }),
            false => Ticket::Drop,
        }
    }

    /// The limit.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Connections holding a slot now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// Connections refused for the limit since the server started.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Connections closed for not finishing authentication in time.
    pub fn auth_timeouts(&self) -> u64 {
        self.auth_timeouts.load(Ordering::Relaxed)
    }

    /// Counts a connection closed by the authentication timeout.
    pub fn count_auth_timeout(&self) {
        self.auth_timeouts.fetch_add(1, Ordering::Relaxed);
    }
}

/// Refuses a connection over the limit: reads its startup packets (`head`: those bytes
/// already read while negotiating TLS; an SSLRequest reaching here is answered `N`), honouring a CancelRequest) and answers a StartupMessage with FATAL 53300.
/// Bounded by `timeout` like any startup.
pub(crate) async fn refuse<R, W>(
    read: R,
    mut write: W,
    head: &[u8],
    cancel: &CancelRegistry,
    timeout: Duration,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    use crate::connection::MessageSource;
    let mut reader =
        FrameReader::new(read, crate::protocol::codec::MAX_STARTUP_PACKET_LEN).with_head(head);
    let exchange = async {
        loop {
            let packet = match reader.next().await {
                Ok(Some(Incoming::Startup(packet))) => packet,
                _ => return Ok(()),
            };
            match packet {
                StartupPacket::SslRequest | StartupPacket::GssEncRequest => {
                    write.write_all(&[backend::SSL_NOT_SUPPORTED]).await?;
                }
                StartupPacket::Cancel {
                    process_id,
                    secret_key,
                } => {
                    cancel.cancel(process_id, &secret_key);
                    return Ok(());
                }
                StartupPacket::Startup(_) => {
                    let err = PgError::fatal(
                        SqlState::TOO_MANY_CONNECTIONS,
                        "sorry, too many clients already",
                    );
                    let mut buf = BytesMut::new();
                    backend::error_response(&mut buf, &err);
                    write.write_all(&buf).await?;
                    return write.flush().await;
                }
            }
        }
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_and_freed() {
        let admission = Arc::new(Admission::new(2));
        let a = admission.admit();
        let b = admission.admit();
        assert!(matches!(
            (&a, &b),
            (Ticket::Admitted(_), Ticket::Admitted(_))
        ));
        let c = admission.admit();
        assert!(matches!(c, Ticket::Refuse(_)));
        assert_eq!((admission.open(), admission.refused()), (2, 1));
        drop(a);
        drop(c);
        assert!(matches!(admission.admit(), Ticket::Admitted(_)));
        assert_eq!(admission.open(), 1, "the temporary slot was freed again");
        let refusals: Vec<Ticket> = (0..MAX_REFUSING + 2).map(|_| admission.admit()).collect();
        let _ = b;
        assert!(matches!(refusals.last(), Some(Ticket::Drop)));
    }
}
