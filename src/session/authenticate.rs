//! The authentication exchange on the wire: which Authentication request the session
//! sends, which `'p'` message it then expects (PasswordMessage, SASLInitialResponse or
//! SASLResponse share the tag; only the request tells them apart), and how a failure is
//! reported. The checks themselves are in [`crate::auth`].

use super::Session;
use crate::auth::scram::{self, ChannelBinding, ScramError, ScramExchange};
use crate::auth::users::Credential;
use crate::auth::{Authenticator, Plan};
use crate::connection::{Incoming, MessageSource};
use crate::error::{Error, PgError, SqlState};
use crate::executor::Executor;
use crate::protocol::backend::{self, tag};
use crate::protocol::frontend::{FrontendMessage, parse_password, parse_sasl_initial};
use crate::value::ValueHandler;
use crate::writer::ProtocolWriter;
use bytes::Bytes;
use std::io;
use std::sync::Arc;

/// What the client is expected to answer with (names its message in errors).
#[derive(Clone, Copy)]
enum Expect {
    Password,
    Sasl,
}

/// A protocol violation during authentication: FATAL 08P01, the connection closes.
fn violation(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    PgError::protocol(message).into()
}

/// PostgreSQL's answer to a malformed SCRAM message.
fn malformed_scram(detail: String) -> Error {
    PgError::protocol("malformed SCRAM message")
        .with_detail(detail)
        .into()
}

/// A SCRAM protocol violation with its own message (channel-binding negotiation).
fn scram_violation(message: String, detail: Option<String>) -> Error {
    let err = PgError::protocol(message);
    match detail {
        Some(detail) => err.with_detail(detail).into(),
        None => err.into(),
    }
}

impl<I, W, V, E> Session<I, W, V, E>
where
    I: MessageSource,
    W: ProtocolWriter,
    V: ValueHandler,
    E: Executor,
{
    /// Authenticates `user` as the server's policy says. Returns when the client may go
    /// on (the caller sends AuthenticationOk); a wrong password or unknown user is FATAL
    /// 28P01 after the pacing delay, the same for both.
    pub(super) async fn authenticate(&mut self, user: &str) -> Result<(), Error> {
        let Some(auth) = self.auth.clone() else {
            return Ok(());
        };
        let passed = match auth.plan(user) {
            Plan::Trust => return Ok(()),
            Plan::UnknownRole => {
                return Err(PgError::fatal(
                    SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                    format!("role \"{user}\" does not exist"),
                )
                .into());
            }
            Plan::Scram(exchange) => self.scram(exchange).await?,
            Plan::Md5 { stored, genuine } => self.md5(&stored).await? && genuine,
            Plan::Cleartext {
                credential,
                genuine,
            } => self.cleartext(user, &credential).await? && genuine,
        };
        if passed {
            return Ok(());
        }
        self.fail(&auth, user).await
    }

    /// Waits out the pacing delay, then ends the session with 28P01.
    async fn fail(&mut self, auth: &Arc<Authenticator>, user: &str) -> Result<(), Error> {
        let delay = auth.failed();
        tracing::info!(
            user,
            delay_ms = delay.as_millis() as u64,
            "password authentication failed"
        );
        tokio::time::sleep(delay).await;
        Err(PgError::fatal(
            SqlState::INVALID_PASSWORD,
            format!("password authentication failed for user \"{user}\""),
        )
        .into())
    }

    /// The body of the client's next `'p'` message.
    async fn auth_response(&mut self, expect: Expect) -> Result<Bytes, Error> {
        let what = match expect {
            Expect::Password => "password",
            Expect::Sasl => "SASL",
        };
        match self.next_input().await? {
            Some(Incoming::Message(FrontendMessage::Password(body))) => Ok(body),
            // The client gave up (psql does this to prompt for a password, then comes
            // back on a new connection): not a failed attempt.
            None => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the client closed the connection during authentication",
            )
            .into()),
            Some(Incoming::Message(other)) => Err(violation(format!(
                "expected {what} response, got message type {}",
                other.tag()
            ))),
            Some(Incoming::Invalid { mut err, .. }) => {
                err.severity = crate::error::Severity::Fatal;
                Err(err.into())
            }
            Some(Incoming::Startup(_)) => Err(violation("unexpected startup packet")),
        }
    }

    /// SCRAM-SHA-256: AuthenticationSASL, SASLContinue, SASLFinal. True if the proof
    /// was right.
    /// On a TLS connection SCRAM-SHA-256-PLUS (channel binding) is offered first, plain
    /// SCRAM-SHA-256 as well.
    async fn scram(&mut self, mut exchange: ScramExchange) -> Result<bool, Error> {
        let end_point = self.tls_end_point.clone();
        self.send(tag::AUTHENTICATION, |b| match end_point {
            Some(_) => backend::authentication_sasl(b, &[scram::MECHANISM_PLUS, scram::MECHANISM]),
            None => backend::authentication_sasl(b, &[scram::MECHANISM]),
        })
        .await?;
        let body = self.auth_response(Expect::Sasl).await?;
        let (mechanism, data) = parse_sasl_initial(&body).map_err(|mut err| {
            err.severity = crate::error::Severity::Fatal;
            Error::from(err)
        })?;
        let selected = match mechanism.as_str() {
            scram::MECHANISM => false,
            scram::MECHANISM_PLUS if end_point.is_some() => true,
            _ => {
                return Err(violation(
                    "client selected an invalid SASL authentication mechanism",
                ));
            }
        };
        exchange.bind(ChannelBinding {
            end_point,
            selected,
        });
        let data = data.ok_or_else(|| malformed_scram("The message is empty.".to_string()))?;
        let server_first = match exchange.client_first(&data) {
            Ok(message) => message,
            Err(ScramError::Malformed(detail)) => return Err(malformed_scram(detail)),
            Err(ScramError::Violation { message, detail }) => {
                return Err(scram_violation(message, detail));
            }
            Err(ScramError::Failed) => return Ok(false),
        };
        self.send(tag::AUTHENTICATION, |b| {
            backend::authentication_sasl_continue(b, server_first.as_bytes())
        })
        .await?;
        let body = self.auth_response(Expect::Sasl).await?;
        match exchange.client_final(&body) {
            Ok(server_final) => {
                self.send(tag::AUTHENTICATION, |b| {
                    backend::authentication_sasl_final(b, server_final.as_bytes())
                })
                .await?;
                Ok(true)
            }
            Err(ScramError::Malformed(detail)) => Err(malformed_scram(detail)),
            Err(ScramError::Violation { message, detail }) => Err(scram_violation(message, detail)),
            Err(ScramError::Failed) => Ok(false),
        }
    }

    /// MD5: AuthenticationMD5Password with a fresh salt. True if the answer matches
    /// `stored`.
    async fn md5(&mut self, stored: &str) -> Result<bool, Error> {
        let mut salt = [0u8; 4];
        getrandom::fill(&mut salt).map_err(|e| io::Error::other(e.to_string()))?;
        self.send(tag::AUTHENTICATION, |b| {
            backend::authentication_md5_password(b, salt)
        })
        .await?;
        let password = self.password_message().await?;
        Ok(crate::auth::md5::verify(stored, salt, &password))
    }

    /// Cleartext: AuthenticationCleartextPassword. True if the password is right.
    async fn cleartext(&mut self, user: &str, credential: &Credential) -> Result<bool, Error> {
        self.send(
            tag::AUTHENTICATION,
            backend::authentication_cleartext_password,
        )
        .await?;
        let password = self.password_message().await?;
        Ok(credential.check_password(user, &password))
    }

    /// The password a PasswordMessage carries.
    async fn password_message(&mut self) -> Result<String, Error> {
        let body = self.auth_response(Expect::Password).await?;
        let password = parse_password(&body).map_err(|mut err| {
            err.severity = crate::error::Severity::Fatal;
            Error::from(err)
        })?;
        Ok(password.as_str().to_string())
    }
}
