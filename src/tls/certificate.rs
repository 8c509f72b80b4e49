//! The server's certificate: read from PEM files, or made at start (self-signed, for
//! development).

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::Path;

/// A certificate made at start, and its key.
pub struct SelfSigned {
    /// The certificate (a chain of one).
    pub chain: Vec<CertificateDer<'static>>,
    /// Its private key.
    pub key: PrivateKeyDer<'static>,
    /// The certificate in PEM, for a client to trust it (`sslrootcert`).
    pub pem: String,
}

/// Reads the certificate chain (leaf first) and the private key (PKCS#8, PKCS#1 or
/// SEC1) from PEM files. An error names the option whose file is at fault.
pub fn load_pem(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), (&'static str, String)> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|err| ("--tls-cert", format!("{}: {err}", cert.display())))?;
    if chain.is_empty() {
        return Err((
            "--tls-cert",
            format!("{}: no PEM certificate in the file", cert.display()),
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|err| ("--tls-key", format!("{}: {err}", key.display())))?;
    Ok((chain, key))
}

/// A fresh self-signed certificate for `localhost` and `127.0.0.1` (ECDSA P-256).
pub fn self_signed() -> Result<SelfSigned, String> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let made = rcgen::generate_simple_self_signed(names).map_err(|err| err.to_string())?;
    let key = PrivatePkcs8KeyDer::from(made.signing_key.serialize_der());
    Ok(SelfSigned {
        chain: vec![made.cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(key),
        pem: made.cert.pem(),
    })
}
