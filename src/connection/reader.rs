//! `FrameReader`: reads from the socket and decodes startup packets, then messages.

use super::{AuthGate, MessageSource};
use crate::error::{Error, PgError};
use crate::protocol::codec::{Decoder, MAX_AUTH_MESSAGE_LEN};
use crate::protocol::frontend::{FrontendMessage, StartupPacket};
use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

/// What a client sent.
#[derive(Debug)]
// Boxing the message would cost an allocation per message.
#[allow(clippy::large_enum_variant)]
pub enum Incoming {
    /// A startup-phase packet (before StartupMessage: SSLRequest, CancelRequest, ...).
    Startup(StartupPacket),
    /// A regular message.
    Message(FrontendMessage),
    /// A message that was consumed but could not be decoded (invalid UTF-8, say): an
    /// error for the current command, not for the connection. `extended` tells whether
    /// it was an extended-protocol message (then input is skipped until Sync).
    Invalid {
        /// What was wrong.
        err: PgError,
        /// True for Parse, Bind, Describe, Execute and Close.
        extended: bool,
    },
}

/// Reads a connection and decodes what arrives, in the startup phase and after it.
#[derive(Debug)]
pub struct FrameReader<R> {
    io: R,
    buf: BytesMut,
    decoder: Decoder,
    startup: bool,
    /// While closed, messages are capped at an authentication token's size.
    gate: Option<AuthGate>,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// A reader over the read half of a connection, accepting messages up to
    /// `max_message_len` bytes.
    pub fn new(io: R, max_message_len: usize) -> Self {
        FrameReader {
            io,
            buf: BytesMut::with_capacity(4096),
            decoder: Decoder::new(max_message_len),
            startup: true,
            gate: None,
        }
    }

    /// Caps messages at an authentication token's size until `gate` opens.
    pub fn with_auth_gate(mut self, gate: AuthGate) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Decodes `head` (bytes already read from the connection, while negotiating TLS)
    /// before anything read from now on.
    pub fn with_head(mut self, head: &[u8]) -> Self {
        self.buf.extend_from_slice(head);
        self
    }

    /// Decodes the next item from what is buffered, without reading.
    fn decode(&mut self) -> Result<Option<Incoming>, Error> {
        if self.startup {
            let Some(packet) = self.decoder.decode_startup(&mut self.buf)? else {
                return Ok(None);
            };
            match &packet {
                StartupPacket::SslRequest | StartupPacket::GssEncRequest => {
                    if !self.buf.is_empty() {
                        // Bytes sent before our answer could be injected by a third party.
                        return Err(PgError::protocol(
                            "received unencrypted data after SSL request",
                        )
                        .into());
                    }
                }
                StartupPacket::Startup(_) | StartupPacket::Cancel { .. } => self.startup = false,
            }
            return Ok(Some(Incoming::Startup(packet)));
        }
        let tag = self.buf.first().copied();
        let decoder = match &self.gate {
            Some(gate) if !gate.is_open() => {
                Decoder::new(self.decoder.max_message_len().min(MAX_AUTH_MESSAGE_LEN))
            }
            _ => self.decoder,
        };
        match decoder.decode(&mut self.buf) {
            Ok(Some(message)) => Ok(Some(Incoming::Message(message))),
            Ok(None) => Ok(None),
            Err(err) if err.is_fatal() => Err(err.into()),
            Err(err) => Ok(Some(Incoming::Invalid {
                err,
                extended: matches!(tag, Some(b'P' | b'B' | b'D' | b'E' | b'C')),
            })),
        }
    }

    /// True while an authentication gate is set and still closed.
    pub fn before_login(&self) -> bool {
        self.gate.as_ref().is_some_and(|gate| !gate.is_open())
    }

    /// Bytes read but not yet decoded (for read-ahead accounting).
    pub fn buffered_len(&self) -> usize {
        self.buf.len()
    }
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// Like [`MessageSource::next`], also returning how many input bytes the item took.
    pub async fn next_sized(&mut self) -> Result<Option<(Incoming, usize)>, Error> {
        loop {
            let before = self.buf.len();
            if let Some(item) = self.decode()? {
                return Ok(Some((item, before - self.buf.len())));
            }
            if self.buf.capacity() - self.buf.len() < 1024 {
                self.buf.reserve(8192);
            }
            if self.io.read_buf(&mut self.buf).await? == 0 {
                return Ok(None);
            }
        }
    }
}

impl<R: AsyncRead + Unpin> MessageSource for FrameReader<R> {
    async fn next(&mut self) -> Result<Option<Incoming>, Error> {
        Ok(self.next_sized().await?.map(|(item, _)| item))
    }

    fn has_pending(&self) -> bool {
        if self.startup {
            return false;
        }
        Decoder::has_complete_message(&self.buf)
    }
}
