//! Authentication: which method the server asks for, what it knows about each user, and
//! the checks behind each method. The wire exchange itself (which Authentication request
//! is sent, which `'p'` message is expected) lives in `session/authenticate.rs`.
//!
//! - `scram.rs`: SCRAM-SHA-256 verifiers and the server side of the exchange
//! - `md5.rs`: PostgreSQL's salted MD5 challenge
//! - `users.rs`: the users file and the `--user`/`--password` pair
//! - `pacing.rs`: delays that slow down password guessing
//!
//! An unknown user goes through the same exchange as a known one, against a stand-in
//! verifier derived from a per-server secret, and fails with the same message: the
//! answers do not tell which user names exist.

pub mod md5;
pub mod pacing;
pub mod scram;
pub mod users;

use pacing::Pacer;
use scram::{ScramExchange, ScramVerifier};
use std::fmt;
use std::str::FromStr;
use users::{Credential, Users};

/// How clients prove who they are (`--auth-method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// SCRAM-SHA-256: the password never crosses the network, and the server proves it
    /// knows the verifier too.
    ScramSha256,
    /// PostgreSQL's MD5 challenge; users with a SCRAM verifier only get SCRAM instead.
    Md5,
    /// The password in clear (readable on the network without TLS).
    Password,
    /// Anyone who can connect is let in.
    Trust,
}

impl AuthMethod {
    /// The name used on the command line and in logs.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::ScramSha256 => "scram-sha-256",
            AuthMethod::Md5 => "md5",
            AuthMethod::Password => "password",
            AuthMethod::Trust => "trust",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AuthMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<AuthMethod, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scram-sha-256" | "scram" => Ok(AuthMethod::ScramSha256),
            "md5" => Ok(AuthMethod::Md5),
            "password" => Ok(AuthMethod::Password),
            "trust" => Ok(AuthMethod::Trust),
            _ => Err(format!(
                "{s:?} is not one of scram-sha-256, md5, password, trust"
            )),
        }
    }
}

/// What a session must do to authenticate one user.
#[derive(Debug)]
pub enum Plan {
    /// Nothing: AuthenticationOk.
    Trust,
    /// `trust` with a configured list of users, and this one is not on it.
    UnknownRole,
    /// Run a SCRAM-SHA-256 exchange.
    Scram(ScramExchange),
    /// Ask for an MD5 response and check it against `stored`; `genuine` false always fails.
    Md5 {
        /// The `md5...` hash to check against.
        stored: String,
        /// False for a stand-in (unknown user, or one without an MD5 hash).
        genuine: bool,
    },
    /// Ask for the password in clear and check it against the credential.
    Cleartext {
        /// The user's credential (a stand-in for an unknown user).
        credential: Credential,
        /// False for a stand-in.
        genuine: bool,
    },
}

/// The server's authentication policy: one per server, shared by its sessions.
pub struct Authenticator {
    method: AuthMethod,
    users: Users,
    /// Random per server start: derives stand-in verifiers for unknown users.
    secret: [u8; 32],
    pacer: Pacer,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// A policy with `method` over `users`. A password method needs at least one user
    /// with a password.
    pub fn new(method: AuthMethod, users: Users) -> Result<Authenticator, String> {
        if method != AuthMethod::Trust && !users.has_passwords() {
            return Err(format!(
                "--auth-method {method} needs a password: give --password or --users-file"
            ));
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| format!("no random server secret: {e}"))?;
        Ok(Authenticator {
            method,
            users,
            secret,
            pacer: Pacer::default(),
        })
    }

    /// Everyone is let in (the library default, and what tests use).
    pub fn trust() -> Authenticator {
        Authenticator {
            method: AuthMethod::Trust,
            users: Users::default(),
            secret: [0; 32],
            pacer: Pacer::default(),
        }
    }

    /// The method in force.
    pub fn method(&self) -> AuthMethod {
        self.method
    }

    /// Failed authentications since the server started.
    pub fn failures(&self) -> u64 {
        self.pacer.total()
    }

    /// Records a failed authentication; returns how long to wait before saying so.
    pub fn failed(&self) -> std::time::Duration {
        self.pacer.failure()
    }

    /// What authenticating `user` takes.
    pub fn plan(&self, user: &str) -> Plan {
        let known = self.users.get(user).filter(|c| !c.is_empty());
        match self.method {
            AuthMethod::Trust if self.users.is_empty() || self.users.get(user).is_some() => {
                Plan::Trust
            }
            AuthMethod::Trust => Plan::UnknownRole,
            AuthMethod::ScramSha256 => self.scram_plan(user, known),
            AuthMethod::Md5 => match known {
                Some(Credential {
                    md5: Some(stored), ..
                }) => Plan::Md5 {
                    stored: stored.clone(),
                    genuine: true,
                },
                // As PostgreSQL: a user whose password is stored for SCRAM only gets SCRAM.
                Some(Credential { scram: Some(_), .. }) => self.scram_plan(user, known),
                _ => Plan::Md5 {
                    stored: self.stand_in_md5(user),
                    genuine: false,
                },
            },
            AuthMethod::Password => match known {
                Some(credential) => Plan::Cleartext {
                    credential: credential.clone(),
                    genuine: true,
                },
                None => Plan::Cleartext {
                    credential: Credential {
                        scram: Some(self.stand_in_scram(user)),
                        md5: None,
                    },
                    genuine: false,
                },
            },
        }
    }

    fn scram_plan(&self, user: &str, known: Option<&Credential>) -> Plan {
        match known.and_then(|c| c.scram.clone()) {
            Some(verifier) => Plan::Scram(ScramExchange::new(verifier, true)),
            None => Plan::Scram(ScramExchange::new(self.stand_in_scram(user), false)),
        }
    }

    /// A verifier for a user that does not exist: the same one for every attempt (a real
    /// user's salt does not change either), unrelated to any password.
    fn stand_in_scram(&self, user: &str) -> ScramVerifier {
        let salt = scram::hmac(&self.secret, &[b"salt\0", user.as_bytes()]);
        ScramVerifier {
            iterations: scram::DEFAULT_ITERATIONS,
            salt: salt[..scram::SALT_LEN].to_vec(),
            stored_key: scram::hmac(&self.secret, &[b"stored\0", user.as_bytes()]),
            server_key: scram::hmac(&self.secret, &[b"server\0", user.as_bytes()]),
        }
    }

    fn stand_in_md5(&self, user: &str) -> String {
        use base64::Engine;
        let key = scram::hmac(&self.secret, &[b"md5\0", user.as_bytes()]);
        let password = base64::engine::general_purpose::STANDARD.encode(key);
        md5::stored_hash(user, &password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> Users {
        let mut users = Users::default();
        users.insert("alice", Some("pw")).unwrap();
        users
    }

    #[test]
    fn plans_per_method() {
        let auth = Authenticator::new(AuthMethod::ScramSha256, users()).unwrap();
        assert!(matches!(auth.plan("alice"), Plan::Scram(_)));
        assert!(matches!(auth.plan("mallory"), Plan::Scram(_)));
        let auth = Authenticator::new(AuthMethod::Md5, users()).unwrap();
        assert!(matches!(
            auth.plan("alice"),
            Plan::Md5 { genuine: true, .. }
        ));
        assert!(matches!(
            auth.plan("mallory"),
            Plan::Md5 { genuine: false, .. }
        ));
        let auth = Authenticator::new(AuthMethod::Password, users()).unwrap();
        let Plan::Cleartext {
            credential,
            genuine,
        } = auth.plan("mallory")
        else {
            panic!("cleartext")
        };
        assert!(!genuine && !credential.check_password("mallory", "pw"));
        assert!(Authenticator::new(AuthMethod::Md5, Users::default()).is_err());
        let mut named = Users::default();
        named.insert("app", None).unwrap();
        let auth = Authenticator::new(AuthMethod::Trust, named).unwrap();
        assert!(matches!(auth.plan("app"), Plan::Trust));
        assert!(matches!(auth.plan("other"), Plan::UnknownRole));
        assert!(matches!(Authenticator::trust().plan("x"), Plan::Trust));
    }

    #[test]
    fn stand_ins_are_stable_per_user() {
        let auth = Authenticator::new(AuthMethod::ScramSha256, users()).unwrap();
        assert_eq!(auth.stand_in_scram("bob"), auth.stand_in_scram("bob"));
        assert_ne!(
            auth.stand_in_scram("bob").salt,
            auth.stand_in_scram("eve").salt
        );
        assert_eq!(auth.stand_in_md5("bob"), auth.stand_in_md5("bob"));
    }

    #[test]
    fn method_names_round_trip() {
        for m in [
            AuthMethod::ScramSha256,
            AuthMethod::Md5,
            AuthMethod::Password,
            AuthMethod::Trust,
        ] {
            assert_eq!(m.name().parse::<AuthMethod>(), Ok(m));
        }
        assert!("kerberos".parse::<AuthMethod>().is_err());
    }
}
