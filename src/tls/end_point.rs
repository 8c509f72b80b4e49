//! `tls-server-end-point` channel binding (RFC 5929): the hash of the server's
//! certificate that SCRAM-SHA-256-PLUS mixes into the proof, so that a relay which
//! terminates TLS with a certificate of its own cannot pass the exchange on.
//!
//! The hash is the one of the certificate's signature algorithm, SHA-256 when that is
//! MD5 or SHA-1 (or unknown), as PostgreSQL and libpq compute it.

use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// DER content of the signature-algorithm OIDs hashing with SHA-384 and SHA-512.
const SHA384_OIDS: [&[u8]; 2] = [
    // sha384WithRSAEncryption (1.2.840.113549.1.1.12)
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c],
    // ecdsa-with-SHA384 (1.2.840.10045.4.3.3)
    &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03],
];
const SHA512_OIDS: [&[u8]; 2] = [
    // sha512WithRSAEncryption (1.2.840.113549.1.1.13)
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d],
    // ecdsa-with-SHA512 (1.2.840.10045.4.3.4)
    &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],
];

/// The channel-binding data of `certificate`.
pub fn end_point(certificate: &CertificateDer<'_>) -> Vec<u8> {
    let der = certificate.as_ref();
    match signature_algorithm(der) {
        Some(oid) if SHA384_OIDS.contains(&oid) => Sha384::digest(der).to_vec(),
        Some(oid) if SHA512_OIDS.contains(&oid) => Sha512::digest(der).to_vec(),
        _ => Sha256::digest(der).to_vec(),
    }
}

/// The OID of `Certificate.signatureAlgorithm` (X.509: a SEQUENCE of the signed part,
/// the algorithm identifier and the signature).
fn signature_algorithm(der: &[u8]) -> Option<&[u8]> {
    const SEQUENCE: u8 = 0x30;
    const OID: u8 = 0x06;
    let (tag, certificate, _) = tlv(der)?;
    (tag == SEQUENCE).then_some(())?;
    let (_, _signed, rest) = tlv(certificate)?;
    let (tag, algorithm, _) = tlv(rest)?;
    (tag == SEQUENCE).then_some(())?;
    let (tag, oid, _) = tlv(algorithm)?;
    (tag == OID).then_some(oid)
}

/// One DER tag-length-value: (tag, value, what follows).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[count..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_ecdsa_p256_hashes_with_sha256() {
        let made = super::super::self_signed().unwrap();
        let cert = &made.chain[0];
        assert_eq!(
            signature_algorithm(cert.as_ref()),
            // ecdsa-with-SHA256 (1.2.840.10045.4.3.2)
            Some(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02][..])
        );
        assert_eq!(end_point(cert), Sha256::digest(cert.as_ref()).to_vec());
    }

    #[test]
    fn garbage_falls_back_to_sha256() {
        for bad in [&b""[..], b"\x30", b"\x30\x84\xff\xff\xff\xff", b"\x04\x00"] {
            assert_eq!(signature_algorithm(bad), None);
            let cert = CertificateDer::from(bad.to_vec());
            assert_eq!(end_point(&cert).len(), 32);
        }
    }
}
