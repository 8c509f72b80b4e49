//! The `md5` method: PostgreSQL's salted MD5 challenge. The server stores
//! `md5` + hex(md5(password + user)); the client answers a 4-byte salt with
//! `md5` + hex(md5(hex(md5(password + user)) + salt)).
//!
//! MD5 is weak and the stored hash is password-equivalent: SCRAM-SHA-256 is the method to
//! use. This one exists for old clients.

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The stored form for `user`'s `password`: `md5` followed by 32 hex digits.
pub fn stored_hash(user: &str, password: &str) -> String {
    let mut md5 = Md5::new();
    md5.update(password.as_bytes());
    md5.update(user.as_bytes());
    format!("md5{}", hex(&md5.finalize()))
}

/// True if `text` has the stored form (`md5` and 32 lower-case hex digits).
pub fn is_stored_hash(text: &str) -> bool {
    text.len() == 35
        && text.starts_with("md5")
        && text[3..]
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The answer a client holding the password behind `stored` gives to `salt`.
pub fn expected_response(stored: &str, salt: [u8; 4]) -> String {
    let mut md5 = Md5::new();
    md5.update(stored.strip_prefix("md5").unwrap_or(stored).as_bytes());
    md5.update(salt);
    format!("md5{}", hex(&md5.finalize()))
}

/// Checks a client's PasswordMessage against the stored hash, in constant time.
pub fn verify(stored: &str, salt: [u8; 4], response: &str) -> bool {
    let expected = expected_response(stored, salt);
    bool::from(expected.as_bytes().ct_eq(response.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_postgresql() {
        // md5('secret' || 'alice') as PostgreSQL 15 and Python compute it.
        assert_eq!(
            stored_hash("alice", "secret"),
            "md54a0a68b43b6cd5cf266fa02f196e2371"
        );
        assert!(is_stored_hash(&stored_hash("alice", "secret")));
        assert!(!is_stored_hash("md5xyz"));
        let stored = stored_hash("alice", "secret");
        let salt = [1, 2, 3, 4];
        let answer = expected_response(&stored, salt);
        assert!(verify(&stored, salt, &answer));
        assert!(!verify(&stored, [1, 2, 3, 5], &answer));
        assert!(!verify(&stored, salt, "md5"));
    }
}
