//! Negotiating TLS on an accepted TCP connection, before the session starts: the
//! client either asks with an SSLRequest (answered `S`, then the TLS handshake), or,
//! as PostgreSQL 17's `sslnegotiation=direct` does, starts the TLS handshake at once
//! (its first byte is a TLS handshake record's, 0x16, which no startup packet begins
//! with), or goes on in plaintext.

use super::{ALPN_POSTGRESQL, TlsServer};
use crate::protocol::backend;
use crate::protocol::codec::{GSSENC_REQUEST_CODE, SSL_REQUEST_CODE};
use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

/// The first byte of a TLS record carrying a handshake message (a ClientHello here).
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// How a connection goes on after negotiation.
#[derive(Debug)]
// Boxing the TLS stream would cost an allocation per connection.
#[allow(clippy::large_enum_variant)]
pub enum Negotiated {
    /// In plaintext; `head` holds the bytes already read, the start of the client's
    /// first packet, which the session decodes first.
    Plain {
        /// The socket.
        stream: TcpStream,
        /// The bytes read from it already.
        head: Vec<u8>,
    },
    /// Over TLS.
    Tls(TlsStream<TcpStream>),
    /// The client left before sending anything.
    Closed,
}

/// Reads the start of a new connection and performs the TLS handshake if the client
/// asks for it. A GSSENCRequest is refused (`N`) and the client may go on. The caller
/// bounds the time this takes.
pub async fn negotiate(mut stream: TcpStream, tls: &TlsServer) -> io::Result<Negotiated> {
    loop {
        let mut first = [0u8; 1];
        if stream.peek(&mut first).await? == 0 {
            return Ok(Negotiated::Closed);
        }
        if first[0] == TLS_HANDSHAKE_RECORD {
            let stream = tls.acceptor.accept(stream).await?;
            // As PostgreSQL 17: direct TLS must name the protocol, so that a TLS
            // connection meant for another service cannot be replayed here.
            if stream.get_ref().1.alpn_protocol() != Some(ALPN_POSTGRESQL) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "received direct SSL connection request without ALPN protocol negotiation extension",
                ));
            }
            return Ok(Negotiated::Tls(stream));
        }
        // Every startup packet is at least 8 bytes: a length and a code.
        let mut head = [0u8; 8];
        stream.read_exact(&mut head).await?;
        let length = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let code = i32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        match (length, code) {
            (8, SSL_REQUEST_CODE) => {
                stream.write_all(&[backend::SSL_SUPPORTED]).await?;
                return Ok(Negotiated::Tls(tls.acceptor.accept(stream).await?));
            }
            (8, GSSENC_REQUEST_CODE) => {
                stream.write_all(&[backend::SSL_NOT_SUPPORTED]).await?;
            }
            _ => {
                return Ok(Negotiated::Plain {
                    stream,
                    head: head.to_vec(),
                });
            }
        }
    }
}
