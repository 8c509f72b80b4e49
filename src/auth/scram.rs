//! SCRAM-SHA-256 (RFC 5802 / RFC 7677) as PostgreSQL speaks it, server side: the stored
//! verifier, its text form, and the two-round exchange that checks a client's proof.
//!
//! The verifier never holds the password: `StoredKey = H(HMAC(SaltedPassword, "Client
//! Key"))` and `ServerKey = HMAC(SaltedPassword, "Server Key")`, with `SaltedPassword`
//! from PBKDF2-HMAC-SHA-256. PostgreSQL ignores the user name inside the SCRAM messages
//! (the startup packet names the user) and so does pgsqlite.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The mechanism name offered in AuthenticationSASL.
pub const MECHANISM: &str = "SCRAM-SHA-256";
/// The channel-binding variant, offered as well on TLS connections.
pub const MECHANISM_PLUS: &str = "SCRAM-SHA-256-PLUS";
/// The one channel-binding type pgsqlite (like PostgreSQL) supports: a hash of the
/// server's certificate (RFC 5929).
pub const CHANNEL_BINDING_TYPE: &str = "tls-server-end-point";
/// PBKDF2 iterations for new verifiers (PostgreSQL's `scram_iterations` default).
pub const DEFAULT_ITERATIONS: u32 = 4096;
/// Salt length of new verifiers, in bytes (PostgreSQL's `SCRAM_DEFAULT_SALT_LEN`).
pub const SALT_LEN: usize = 16;
/// Random bytes in the server's part of the nonce (PostgreSQL's `SCRAM_RAW_NONCE_LEN`).
const NONCE_LEN: usize = 18;
/// Largest iteration count accepted in a verifier: a corrupt file must not stall logins.
const MAX_ITERATIONS: u32 = 10_000_000;

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA-256 of `parts` (concatenated) under `key`.
pub(crate) fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// A password prepared as PostgreSQL does: SASLprep-normalised when that succeeds, the
/// raw bytes otherwise (PostgreSQL accepts passwords SASLprep refuses, as they are).
fn prepare(password: &str) -> Vec<u8> {
    match stringprep::saslprep(password) {
        Ok(prepared) => prepared.as_bytes().to_vec(),
        Err(_) => password.as_bytes().to_vec(),
    }
}

/// PBKDF2-HMAC-SHA-256 of the prepared password.
fn salted_password(password: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(&prepare(password), salt, iterations, &mut out);
    out
}

/// What the server stores for one SCRAM user, in PostgreSQL's `pg_authid.rolpassword`
/// format: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64).
#[derive(Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// The salt.
    pub salt: Vec<u8>,
    /// `H(ClientKey)`: checks the client's proof.
    pub stored_key: [u8; 32],
    /// `HMAC(SaltedPassword, "Server Key")`: proves the server to the client.
    pub server_key: [u8; 32],
}

impl std::fmt::Debug for ScramVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramVerifier")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl ScramVerifier {
    /// A verifier for `password` with a fresh random salt and 4096 iterations.
    pub fn new(password: &str) -> Result<ScramVerifier, getrandom::Error> {
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt)?;
        Ok(ScramVerifier::with_salt(
            password,
            &salt,
            DEFAULT_ITERATIONS,
        ))
    }

    /// A verifier for `password` with the given salt and iteration count.
    pub fn with_salt(password: &str, salt: &[u8], iterations: u32) -> ScramVerifier {
        let salted = salted_password(password, salt, iterations);
        ScramVerifier::from_salted(&salted, salt, iterations)
    }

    fn from_salted(salted: &[u8; 32], salt: &[u8], iterations: u32) -> ScramVerifier {
        let client_key = hmac(salted, &[b"Client Key"]);
        ScramVerifier {
            iterations,
            salt: salt.to_vec(),
            stored_key: sha256(&client_key),
            server_key: hmac(salted, &[b"Server Key"]),
        }
    }

    /// Parses the `SCRAM-SHA-256$...` text form; `None` if it is not one.
    pub fn parse(text: &str) -> Option<ScramVerifier> {
        let rest = text.strip_prefix("SCRAM-SHA-256$")?;
        let (params, keys) = rest.split_once('$')?;
        let (iterations, salt) = params.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        let iterations: u32 = iterations.parse().ok()?;
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return None;
        }
        let salt = BASE64.decode(salt).ok()?;
        let stored_key = BASE64.decode(stored).ok()?.try_into().ok()?;
        let server_key = BASE64.decode(server).ok()?.try_into().ok()?;
        (!salt.is_empty()).then_some(ScramVerifier {
            iterations,
            salt,
            stored_key,
            server_key,
        })
    }

    /// True if `password` is the one this verifier was made from (the cleartext method
    /// checks passwords this way: one PBKDF2 run).
    pub fn matches(&self, password: &str) -> bool {
        let salted = salted_password(password, &self.salt, self.iterations);
        let other = ScramVerifier::from_salted(&salted, &self.salt, self.iterations);
        bool::from(
            other.stored_key.ct_eq(&self.stored_key) & other.server_key.ct_eq(&self.server_key),
        )
    }
}

impl std::fmt::Display for ScramVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            BASE64.encode(&self.salt),
            BASE64.encode(self.stored_key),
            BASE64.encode(self.server_key)
        )
    }
}

/// Why an exchange ended. `Malformed` is a protocol error the client is told about;
/// `Failed` is a wrong password (or a user without a usable verifier).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScramError {
    /// The message does not follow the SCRAM grammar (or asks for what is not offered,
    /// such as channel binding); the text says where.
    Malformed(String),
    /// A protocol violation with its own message (channel-binding negotiation); the
    /// detail, when there is one, says more.
    Violation {
        /// The error message.
        message: String,
        /// Its detail.
        detail: Option<String>,
    },
    /// The proof did not match.
    Failed,
}

/// How the connection stands on channel binding, for one exchange.
#[derive(Clone, Debug, Default)]
pub struct ChannelBinding {
    /// The `tls-server-end-point` data of a TLS connection (SHA-256 of the server's
    /// certificate); `None` on a plaintext connection, where -PLUS is not offered.
    pub end_point: Option<Vec<u8>>,
    /// The client selected SCRAM-SHA-256-PLUS.
    pub selected: bool,
}

/// The server's half of one SCRAM-SHA-256 exchange.
#[derive(Debug)]
pub struct ScramExchange {
    verifier: ScramVerifier,
    binding: ChannelBinding,
    /// False when the verifier is a stand-in (unknown user): the exchange runs the same
    /// way and fails at the end.
    genuine: bool,
    state: State,
}

#[derive(Debug)]
enum State {
    /// Waiting for client-first-message.
    Start,
    /// Sent server-first-message; waiting for client-final-message.
    SentFirst {
        /// `c=` value the client must echo: base64 of the GS2 header.
        channel_binding: String,
        /// client nonce + server nonce.
        nonce: String,
        /// client-first-message-bare "," server-first-message (start of AuthMessage).
        transcript: String,
    },
    Done,
}

fn malformed(what: impl Into<String>) -> ScramError {
    ScramError::Malformed(what.into())
}

/// Splits `name=value` for an attribute that must be `name`.
fn attribute(part: Option<&str>, name: char) -> Result<&str, ScramError> {
    let part = part.ok_or_else(|| malformed(format!("Attribute \"{name}\" expected.")))?;
    let mut chars = part.chars();
    match (chars.next(), chars.next()) {
        (Some(n), Some('=')) if n == name => Ok(&part[2..]),
        _ => Err(malformed(format!("Expected attribute \"{name}\"."))),
    }
}

impl ScramExchange {
    /// An exchange against `verifier`; `genuine` false makes it fail at the proof, after
    /// the same messages and work as a real one.
    pub fn new(verifier: ScramVerifier, genuine: bool) -> ScramExchange {
        ScramExchange {
            verifier,
            binding: ChannelBinding::default(),
            genuine,
            state: State::Start,
        }
    }

    /// Sets what the exchange knows about channel binding (before `client_first`).
    pub fn bind(&mut self, binding: ChannelBinding) {
        self.binding = binding;
    }

    /// Takes client-first-message; returns server-first-message.
    pub fn client_first(&mut self, message: &[u8]) -> Result<String, ScramError> {
        let State::Start = self.state else {
            return Err(malformed("unexpected SCRAM message"));
        };
        let message = std::str::from_utf8(message)
            .map_err(|_| malformed("SCRAM message is not valid UTF-8"))?;
        // gs2-header: cbind-flag "," [authzid] ","
        let mut parts = message.splitn(3, ',');
        let flag = parts.next().unwrap_or("");
        let selected = self.binding.selected;
        let without_data = || {
            malformed(
                "The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.",
            )
        };
        match flag {
            "n" if selected => return Err(without_data()),
            "n" => {}
            "y" if selected => return Err(without_data()),
            // The client could bind but believes the server cannot: on a TLS connection
            // that is a downgrade (someone removed -PLUS from the offer), refused.
            "y" if self.binding.end_point.is_some() => {
                return Err(ScramError::Violation {
                    message: "SCRAM channel binding negotiation error".to_string(),
                    detail: Some(
                        "The client supports SCRAM channel binding but thinks the server does not.  However, this server does support channel binding."
                            .to_string(),
                    ),
                });
            }
            "y" => {}
            f if f.starts_with("p=") => {
                if !selected {
                    return Err(malformed(
                        "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.",
                    ));
                }
                if &f[2..] != CHANNEL_BINDING_TYPE {
                    return Err(ScramError::Violation {
                        message: format!("unsupported SCRAM channel-binding type \"{}\"", &f[2..]),
                        detail: None,
                    });
                }
            }
            _ => return Err(malformed("Unexpected channel-binding flag.")),
        }
        let authzid = parts.next().ok_or_else(|| malformed("Comma expected."))?;
        if !authzid.is_empty() {
            return Err(malformed(
                "client uses authorization identity, but it is not supported",
            ));
        }
        let bare = parts.next().ok_or_else(|| malformed("Comma expected."))?;
        let gs2_header = &message[..message.len() - bare.len()];
        let mut fields = bare.split(',');
        let first = fields.next();
        if first.is_some_and(|f| f.starts_with("m=")) {
            return Err(malformed("extensions are not supported"));
        }
        attribute(first, 'n')?;
        let client_nonce = attribute(fields.next(), 'r')?;
        if client_nonce.is_empty()
            || !client_nonce
                .bytes()
                .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
        {
            return Err(malformed("invalid nonce"));
        }
        let mut raw = [0u8; NONCE_LEN];
        getrandom::fill(&mut raw).map_err(|e| malformed(format!("no random nonce: {e}")))?;
        let nonce = format!("{client_nonce}{}", BASE64.encode(raw));
        let server_first = format!(
            "r={nonce},s={},i={}",
            BASE64.encode(&self.verifier.salt),
            self.verifier.iterations
        );
        let mut binding = gs2_header.as_bytes().to_vec();
        if selected {
            // Selecting -PLUS needs TLS: the session only accepts it on a TLS connection.
            binding.extend_from_slice(self.binding.end_point.as_deref().unwrap_or_default());
        }
        self.state = State::SentFirst {
            channel_binding: BASE64.encode(binding),
            nonce,
            transcript: format!("{bare},{server_first}"),
        };
        Ok(server_first)
    }

    /// Takes client-final-message; returns server-final-message if the proof is right.
    pub fn client_final(&mut self, message: &[u8]) -> Result<String, ScramError> {
        let State::SentFirst {
            channel_binding,
            nonce,
            transcript,
        } = std::mem::replace(&mut self.state, State::Done)
        else {
            return Err(malformed("unexpected SCRAM message"));
        };
        let message = std::str::from_utf8(message)
            .map_err(|_| malformed("SCRAM message is not valid UTF-8"))?;
        let (without_proof, proof) = message
            .rsplit_once(",p=")
            .ok_or_else(|| malformed("Could not find proof in client-final-message."))?;
        let mut fields = without_proof.split(',');
        if attribute(fields.next(), 'c')? != channel_binding {
            if self.binding.selected {
                return Err(ScramError::Violation {
                    message: "SCRAM channel binding check failed".to_string(),
                    detail: None,
                });
            }
            return Err(malformed(
                "Unexpected SCRAM channel-binding attribute in client-final-message.",
            ));
        }
        if attribute(fields.next(), 'r')? != nonce {
            return Err(malformed("Nonce does not match."));
        }
        let proof: [u8; 32] = BASE64
            .decode(proof)
            .ok()
            .and_then(|p| p.try_into().ok())
            .ok_or_else(|| malformed("Malformed proof in client-final-message."))?;
        let auth_message = format!("{transcript},{without_proof}");
        let signature = hmac(&self.verifier.stored_key, &[auth_message.as_bytes()]);
        let mut client_key = [0u8; 32];
        for (k, (p, s)) in client_key.iter_mut().zip(proof.iter().zip(&signature)) {
            *k = p ^ s;
        }
        let matches = sha256(&client_key).ct_eq(&self.verifier.stored_key);
        if !bool::from(matches) || !self.genuine {
            return Err(ScramError::Failed);
        }
        let server_signature = hmac(&self.verifier.server_key, &[auth_message.as_bytes()]);
        Ok(format!("v={}", BASE64.encode(server_signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client side, written from RFC 5802 for the test only.
    fn client_final(password: &str, client_first_bare: &str, server_first: &str) -> String {
        client_final_bound(password, client_first_bare, server_first, "biws")
    }

    /// Like `client_final`, echoing `c` as the channel-binding attribute.
    fn client_final_bound(
        password: &str,
        client_first_bare: &str,
        server_first: &str,
        c: &str,
    ) -> String {
        let fields: Vec<&str> = server_first.split(',').collect();
        let nonce = &fields[0][2..];
        let salt = BASE64.decode(&fields[1][2..]).unwrap();
        let iterations: u32 = fields[2][2..].parse().unwrap();
        let salted = salted_password(password, &salt, iterations);
        let client_key = hmac(&salted, &[b"Client Key"]);
        let stored = sha256(&client_key);
        let without_proof = format!("c={c},r={nonce}");
        let auth = format!("{client_first_bare},{server_first},{without_proof}");
        let signature = hmac(&stored, &[auth.as_bytes()]);
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&signature)
            .map(|(a, b)| a ^ b)
            .collect();
        format!("{without_proof},p={}", BASE64.encode(proof))
    }

    fn exchange(
        verifier: &ScramVerifier,
        genuine: bool,
        password: &str,
    ) -> Result<String, ScramError> {
        let mut server = ScramExchange::new(verifier.clone(), genuine);
        let first = server.client_first(b"n,,n=,r=abcdefgh").unwrap();
        server.client_final(client_final(password, "n=,r=abcdefgh", &first).as_bytes())
    }

    #[test]
    fn verifier_text_round_trips() {
        let v = ScramVerifier::with_salt("secret", b"0123456789abcdef", 4096);
        let text = v.to_string();
        assert!(
            text.starts_with("SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$"),
            "{text}"
        );
        assert_eq!(ScramVerifier::parse(&text), Some(v.clone()));
        assert!(v.matches("secret") && !v.matches("Secret"));
        for bad in [
            "",
            "md5abc",
            "SCRAM-SHA-256$0:AA==$AA==:AA==",
            "SCRAM-SHA-256$4096:AA==$AA==:AA==",
        ] {
            assert!(ScramVerifier::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn accepts_a_verifier_postgresql_made() {
        // PostgreSQL 15: CREATE ROLE frank PASSWORD 'frank-pw'; its pg_authid.rolpassword.
        let text = "SCRAM-SHA-256$4096:rpnnhWI4RaV9plX79Az17Q==$C+rqOVUwurmypuYnGzUIkueFsn36ef8DcPC9X+rjAHw=:Mwi1PQupVUKof2LJP6I/45slwrI4B2EAProuv3V4aNc=";
        let v = ScramVerifier::parse(text).unwrap();
        assert!(v.matches("frank-pw") && !v.matches("frank"));
        assert_eq!(v.to_string(), text);
        let mine = ScramVerifier::with_salt("frank-pw", &v.salt, v.iterations);
        assert_eq!(
            mine, v,
            "same salt and password: the same verifier as PostgreSQL's"
        );
        assert!(exchange(&v, true, "frank-pw").is_ok());
        // PostgreSQL 15: PASSWORD 'ｐａｓｓ' (full-width letters): SASLprep maps them to
        // "pass" before hashing, and so do we.
        let wide = ScramVerifier::parse("SCRAM-SHA-256$4096:GFnuDp4trAT3cONeWE/gSg==$SlULAExrcFPr647pN5D2ScSVcMeawzf5FNjx0980Qpc=:FOU+sE9Q/6Sx6kiiP2SiZG6+oV1S2EIF41iRG97eBUE=").unwrap();
        assert!(wide.matches("ｐａｓｓ") && wide.matches("pass"));
    }

    #[test]
    fn right_password_passes_wrong_fails() {
        let v = ScramVerifier::new("pencil").unwrap();
        let last = exchange(&v, true, "pencil").unwrap();
        assert!(last.starts_with("v="));
        assert_eq!(exchange(&v, true, "pen"), Err(ScramError::Failed));
        assert_eq!(exchange(&v, false, "pencil"), Err(ScramError::Failed));
    }

    #[test]
    fn hostile_messages_are_malformed() {
        let v = ScramVerifier::new("x").unwrap();
        for bad in [
            &b""[..],
            b"n",
            b"n,",
            b"x,,n=,r=a",
            b"n,a=bob,n=,r=a",
            b"n,,n=",
            b"n,,r=a",
            b"n,,n=,r=",
            b"\xff",
        ] {
            let mut s = ScramExchange::new(v.clone(), true);
            assert!(
                matches!(s.client_first(bad), Err(ScramError::Malformed(_))),
                "{bad:?}"
            );
        }
        let mut s = ScramExchange::new(v.clone(), true);
        assert!(matches!(
            s.client_first(b"p=tls-server-end-point,,n=,r=a"),
            Err(ScramError::Malformed(m)) if m.contains("channel binding")
        ));
        let mut s = ScramExchange::new(v, true);
        s.client_first(b"n,,n=,r=abc").unwrap();
        assert!(matches!(
            s.client_final(b"c=biws,r=abc,p=AAAA"),
            Err(ScramError::Malformed(_))
        ));
    }

    fn bound(end_point: Option<&[u8]>, selected: bool) -> ScramExchange {
        let mut s = ScramExchange::new(ScramVerifier::new("pw").unwrap(), true);
        s.bind(ChannelBinding {
            end_point: end_point.map(<[u8]>::to_vec),
            selected,
        });
        s
    }

    #[test]
    fn channel_binding_checks_the_certificate_hash() {
        let cert_hash = [7u8; 32];
        let header = "p=tls-server-end-point,,";
        let mut c = header.as_bytes().to_vec();
        c.extend_from_slice(&cert_hash);
        let c = BASE64.encode(&c);
        let mut s = bound(Some(&cert_hash), true);
        let first = s.client_first(b"p=tls-server-end-point,,n=,r=abc").unwrap();
        let last = client_final_bound("pw", "n=,r=abc", &first, &c);
        assert!(s.client_final(last.as_bytes()).unwrap().starts_with("v="));

        // A relay in the middle terminates TLS with another certificate: the hash the
        // client saw differs from ours.
        let mut other = header.as_bytes().to_vec();
        other.extend_from_slice(&[8u8; 32]);
        let mut s = bound(Some(&cert_hash), true);
        let first = s.client_first(b"p=tls-server-end-point,,n=,r=abc").unwrap();
        let last = client_final_bound("pw", "n=,r=abc", &first, &BASE64.encode(&other));
        assert!(matches!(
            s.client_final(last.as_bytes()),
            Err(ScramError::Violation { message, .. }) if message == "SCRAM channel binding check failed"
        ));
    }

    #[test]
    fn channel_binding_negotiation_as_postgresql() {
        let hash = [1u8; 32];
        // 'y' on a TLS connection: the client was told -PLUS is not offered. Refused.
        assert!(matches!(
            bound(Some(&hash), false).client_first(b"y,,n=,r=abc"),
            Err(ScramError::Violation { message, .. }) if message == "SCRAM channel binding negotiation error"
        ));
        // 'y' on a plaintext connection is right: nothing to bind to.
        let mut s = bound(None, false);
        let first = s.client_first(b"y,,n=,r=abc").unwrap();
        let last = client_final_bound("pw", "n=,r=abc", &first, "eSws");
        assert!(s.client_final(last.as_bytes()).is_ok());
        // -PLUS selected, but no binding data in the message.
        for flag in [&b"n,,n=,r=abc"[..], b"y,,n=,r=abc"] {
            assert!(matches!(
                bound(Some(&hash), true).client_first(flag),
                Err(ScramError::Malformed(m)) if m.contains("does not include channel binding data")
            ));
        }
        assert!(matches!(
            bound(Some(&hash), true).client_first(b"p=tls-unique,,n=,r=abc"),
            Err(ScramError::Violation { message, .. }) if message.contains("\"tls-unique\"")
        ));
        // Plain SCRAM on a TLS connection (channel_binding=disable) still works.
        let mut s = bound(Some(&hash), false);
        let first = s.client_first(b"n,,n=,r=abc").unwrap();
        let last = client_final_bound("pw", "n=,r=abc", &first, "biws");
        assert!(s.client_final(last.as_bytes()).is_ok());
    }
}
