//! `DirectConnection`: a split socket whose read side runs ahead in its own task.

use super::{AuthGate, FrameReader, Incoming, MessageSource};
use crate::error::Error;
use crate::protocol::codec::DEFAULT_MAX_MESSAGE_LEN;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

/// How many bytes of decoded-but-unprocessed input a connection may hold by default.
pub const DEFAULT_READ_AHEAD_BYTES: usize = 16 * 1024 * 1024;

/// A stream that splits into independently owned read and write halves.
pub trait SplitStream {
    /// The read half.
    type Read: AsyncRead + Unpin + Send + 'static;
    /// The write half.
    type Write: AsyncWrite + Unpin;
    /// Splits the stream.
    fn split_stream(self) -> (Self::Read, Self::Write);
}

impl SplitStream for tokio::net::TcpStream {
    type Read = tokio::net::tcp::OwnedReadHalf;
    type Write = tokio::net::tcp::OwnedWriteHalf;
    fn split_stream(self) -> (Self::Read, Self::Write) {
        self.into_split()
    }
}

impl SplitStream for tokio::net::UnixStream {
    type Read = tokio::net::unix::OwnedReadHalf;
    type Write = tokio::net::unix::OwnedWriteHalf;
    fn split_stream(self) -> (Self::Read, Self::Write) {
        self.into_split()
    }
}

impl SplitStream for tokio::io::DuplexStream {
    type Read = tokio::io::ReadHalf<tokio::io::DuplexStream>;
    type Write = tokio::io::WriteHalf<tokio::io::DuplexStream>;
    fn split_stream(self) -> (Self::Read, Self::Write) {
        tokio::io::split(self)
    }
}

/// A client connection split for the zero-copy pipeline: the write half goes to a
/// writer strategy, the read half to a [`ReadAhead`] that keeps reading and decoding
/// the client's next messages while results are being written.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use pgsqlite::protocol::DirectConnection;
/// use tokio::net::UnixStream;
///
/// let stream = UnixStream::connect("/tmp/.s.PGSQL.5432").await?;
/// let connection = DirectConnection::new(stream);
/// let (_messages, _write_half) = connection.into_parts();
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DirectConnection<S: SplitStream> {
    read: S::Read,
    write: S::Write,
    max_message_len: usize,
    read_ahead_bytes: usize,
    local: bool,
    gate: Option<AuthGate>,
    head: Vec<u8>,
}

impl<S: SplitStream> DirectConnection<S> {
    /// Splits `stream` with the default limits.
    pub fn new(stream: S) -> Self {
        Self::with_limits(stream, DEFAULT_MAX_MESSAGE_LEN, DEFAULT_READ_AHEAD_BYTES)
    }

    /// Splits `stream`; messages may be up to `max_message_len` bytes and up to
    /// `read_ahead_bytes` of input may wait, decoded, for the session.
    pub fn with_limits(stream: S, max_message_len: usize, read_ahead_bytes: usize) -> Self {
        let (read, write) = stream.split_stream();
        DirectConnection {
            read,
            write,
            max_message_len,
            read_ahead_bytes,
            local: false,
            gate: None,
            head: Vec::new(),
        }
    }

    /// Caps messages at an authentication token's size until `gate` opens (see
    /// [`AuthGate`]).
    pub fn with_auth_gate(mut self, gate: AuthGate) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Decodes `head` (the bytes read while negotiating TLS) before the stream's.
    pub fn with_head(mut self, head: Vec<u8>) -> Self {
        self.head = head;
        self
    }

    fn reader(
        read: S::Read,
        max_message_len: usize,
        gate: Option<AuthGate>,
        head: &[u8],
    ) -> FrameReader<S::Read> {
        let reader = FrameReader::new(read, max_message_len).with_head(head);
        match gate {
            Some(gate) => reader.with_auth_gate(gate),
            None => reader,
        }
    }

    /// Runs the read-ahead task on the current [`LocalSet`](tokio::task::LocalSet)
    /// instead of the runtime's shared queue: next to its session, so one scheduler
    /// queue serves both (the server's workers do this). Must then be used inside a
    /// `LocalSet`.
    pub fn on_local_set(mut self) -> Self {
        self.local = true;
        self
    }

    /// Starts the read-ahead task (on the current tokio runtime) and returns the message
    /// source and the write half.
    pub fn into_parts(self) -> (ReadAhead, S::Write) {
        let reader = Self::reader(self.read, self.max_message_len, self.gate, &self.head);
        let ahead = if self.local {
            ReadAhead::spawn_local(reader, self.read_ahead_bytes)
        } else {
            ReadAhead::spawn(reader, self.read_ahead_bytes)
        };
        (ahead, self.write)
    }

    /// Like [`into_parts`](Self::into_parts), but with a read-ahead budget of zero the
    /// session reads inline instead (no task, no stream splitting: for measuring what
    /// the split costs, or for clients known never to pipeline).
    pub fn into_input(self) -> (ClientInput<S::Read>, S::Write) {
        if self.read_ahead_bytes == 0 {
            let reader = Self::reader(self.read, self.max_message_len, self.gate, &self.head);
            (ClientInput::Inline(reader), self.write)
        } else {
            let (ahead, write) = self.into_parts();
            (ClientInput::Ahead(ahead), write)
        }
    }
}

/// A session's input: read ahead in its own task (the default), or inline.
#[derive(Debug)]
pub enum ClientInput<R> {
    /// Read and decoded in the session's own task, when it asks.
    Inline(FrameReader<R>),
    /// Read and decoded ahead by a task (stream splitting).
    Ahead(ReadAhead),
}

impl<R: AsyncRead + Unpin> MessageSource for ClientInput<R> {
    async fn next(&mut self) -> Result<Option<Incoming>, Error> {
        match self {
            ClientInput::Inline(reader) => reader.next().await,
            ClientInput::Ahead(ahead) => ahead.next().await,
        }
    }

    fn has_pending(&self) -> bool {
        match self {
            ClientInput::Inline(reader) => reader.has_pending(),
            ClientInput::Ahead(ahead) => ahead.has_pending(),
        }
    }
}

/// Shared between the read-ahead task and the session: bytes decoded but not yet taken.
#[derive(Debug)]
struct Budget {
    pending: AtomicUsize,
    limit: usize,
    freed: Notify,
}

type Item = Result<(Incoming, usize), Error>;

/// Messages decoded ahead of the session by a background task, up to a byte budget.
/// Dropping it stops the task.
#[derive(Debug)]
pub struct ReadAhead {
    items: mpsc::UnboundedReceiver<Item>,
    budget: Arc<Budget>,
    task: JoinHandle<()>,
}

impl ReadAhead {
    /// Runs `reader` in a task that stays at most `limit` bytes ahead of the session
    /// (one message is always allowed, however large).
    pub fn spawn<R: AsyncRead + Unpin + Send + 'static>(
        reader: FrameReader<R>,
        limit: usize,
    ) -> ReadAhead {
        let (budget, sender, items) = Self::channel(limit);
        let task = tokio::spawn(Self::read_loop(reader, budget.clone(), sender));
        ReadAhead {
            items,
            budget,
            task,
        }
    }

    /// Like [`spawn`](Self::spawn), on the current `LocalSet`.
    pub fn spawn_local<R: AsyncRead + Unpin + 'static>(
        reader: FrameReader<R>,
        limit: usize,
    ) -> ReadAhead {
        let (budget, sender, items) = Self::channel(limit);
        let task = tokio::task::spawn_local(Self::read_loop(reader, budget.clone(), sender));
        ReadAhead {
            items,
            budget,
            task,
        }
    }

    fn channel(
        limit: usize,
    ) -> (
        Arc<Budget>,
        mpsc::UnboundedSender<Item>,
        mpsc::UnboundedReceiver<Item>,
    ) {
        let budget = Arc::new(Budget {
            pending: AtomicUsize::new(0),
            limit: limit.max(1),
            freed: Notify::new(),
        });
        let (sender, items) = mpsc::unbounded_channel();
        (budget, sender, items)
    }

    async fn read_loop<R: AsyncRead + Unpin>(
        mut reader: FrameReader<R>,
        shared: Arc<Budget>,
        sender: mpsc::UnboundedSender<Item>,
    ) {
        loop {
            loop {
                let freed = shared.freed.notified();
                // Before login, one message at a time: an unauthenticated client gets
                // no read-ahead budget to fill.
                let limit = match reader.before_login() {
                    true => 1,
                    false => shared.limit,
                };
                if shared.pending.load(Ordering::Acquire) < limit {
                    break;
                }
                freed.await;
            }
            let item = reader.next_sized().await;
            let last = !matches!(item, Ok(Some(_)));
            let item = match item {
                Ok(Some((incoming, size))) => {
                    shared.pending.fetch_add(size, Ordering::AcqRel);
                    Ok((incoming, size))
                }
                Ok(None) => break,
                Err(err) => Err(err),
            };
            if sender.send(item).is_err() || last {
                break;
            }
        }
    }

    /// Bytes decoded and waiting for the session.
    pub fn pending_bytes(&self) -> usize {
        self.budget.pending.load(Ordering::Acquire)
    }
}

impl MessageSource for ReadAhead {
    async fn next(&mut self) -> Result<Option<Incoming>, Error> {
        match self.items.recv().await {
            Some(Ok((incoming, size))) => {
                self.budget.pending.fetch_sub(size, Ordering::AcqRel);
                self.budget.freed.notify_one();
                Ok(Some(incoming))
            }
            Some(Err(err)) => Err(err),
            None => Ok(None),
        }
    }

    fn has_pending(&self) -> bool {
        !self.items.is_empty()
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    fn password_message(len: usize) -> Vec<u8> {
        let mut m = vec![b'p'];
        m.extend_from_slice(&((len + 5) as u32).to_be_bytes());
        m.extend(std::iter::repeat_n(b'x', len));
        m.push(0);
        m
    }

    #[tokio::test]
    async fn before_login_nothing_is_read_ahead() {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let mut input = startup_packet();
        for _ in 0..4 {
            input.extend(password_message(1000));
        }
        client.write_all(&input).await.unwrap();
        let gate = AuthGate::new();
        let reader = FrameReader::new(server, 1 << 20).with_auth_gate(gate.clone());
        let mut ahead = ReadAhead::spawn(reader, 1 << 20);
        assert!(matches!(ahead.next().await, Ok(Some(Incoming::Startup(_)))));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(ahead.pending_bytes(), 1006, "one message decoded, no more");
        gate.open();
        assert!(matches!(ahead.next().await, Ok(Some(Incoming::Message(_)))));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            ahead.pending_bytes(),
            3 * 1006,
            "logged in: read ahead again"
        );
    }

    fn startup_packet() -> Vec<u8> {
        let body = b"\0\x03\0\0user\0a\0\0";
        let mut p = ((body.len() + 4) as u32).to_be_bytes().to_vec();
        p.extend_from_slice(body);
        p
    }
}
