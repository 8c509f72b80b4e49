//! TLS for client connections (feature `tls`): the server's certificate and its rustls
//! configuration (`certificate.rs`), the `tls-server-end-point` channel-binding data
//! SCRAM-SHA-256-PLUS checks (`end_point.rs`), and the negotiation that turns an
//! accepted TCP socket into a TLS stream before the session starts (`negotiate.rs`).
//!
//! The session itself does not know about TLS: it runs over the decrypted stream's two
//! halves like over a socket's, with the same writer strategies, and learns only the
//! channel-binding data (see [`SessionOptions`](crate::session::SessionOptions)).

mod certificate;
mod end_point;
mod negotiate;

pub use certificate::{SelfSigned, load_pem, self_signed};
pub use end_point::end_point;
pub use negotiate::{Negotiated, negotiate};

use crate::config::Config;
use crate::connection::SplitStream;
use crate::error::Error;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// The ALPN protocol name of PostgreSQL (PostgreSQL 17 clients send it; it is required
/// for direct TLS).
pub const ALPN_POSTGRESQL: &[u8] = b"postgresql";

/// What TLS connections of one server share: the rustls acceptor and the channel-binding
/// data of its certificate.
#[derive(Clone)]
pub struct TlsServer {
    acceptor: TlsAcceptor,
    end_point: Vec<u8>,
}

impl std::fmt::Debug for TlsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsServer").finish_non_exhaustive()
    }
}

impl TlsServer {
    /// The TLS setup `config` asks for: its certificate files, or a fresh self-signed
    /// certificate; `None` when TLS is not configured.
    pub fn from_config(config: &Config) -> Result<Option<TlsServer>, Error> {
        let invalid = |name: &str, message: String| Error::Config {
            name: name.to_string(),
            message,
        };
        if config.tls_self_signed {
            let SelfSigned { chain, key, .. } =
                self_signed().map_err(|m| invalid("--tls-self-signed", m))?;
            tracing::warn!(
                "TLS with a self-signed certificate for localhost and 127.0.0.1, made at start (--tls-self-signed): for development only, clients cannot verify it"
            );
            return TlsServer::new(chain, key).map(Some);
        }
        let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) else {
            return Ok(None);
        };
        let (chain, key) = load_pem(cert, key).map_err(|(name, m)| invalid(name, m))?;
        TlsServer::new(chain, key).map(Some)
    }

    /// A TLS server presenting `chain` (leaf first), whose private key is `key`.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<TlsServer, Error> {
        let leaf = chain.first().ok_or_else(|| Error::Config {
            name: "--tls-cert".to_string(),
            message: "the file holds no certificate".to_string(),
        })?;
        let end_point = end_point(leaf);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
            .map_err(|err| Error::Config {
                name: "--tls-cert / --tls-key".to_string(),
                message: err.to_string(),
            })?;
        config.alpn_protocols = vec![ALPN_POSTGRESQL.to_vec()];
        Ok(TlsServer {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            end_point,
        })
    }

    /// The `tls-server-end-point` channel-binding data of the certificate.
    pub fn end_point(&self) -> &[u8] {
        &self.end_point
    }
}

impl SplitStream for TlsStream<TcpStream> {
    type Read = tokio::io::ReadHalf<TlsStream<TcpStream>>;
    type Write = tokio::io::WriteHalf<TlsStream<TcpStream>>;
    fn split_stream(self) -> (Self::Read, Self::Write) {
        tokio::io::split(self)
    }
}
