//! Connection startup: SSL/GSS refusal (TLS itself is negotiated before the session, in
//! `server::negotiate`), the `--require-tls` check, cancel requests, protocol version negotiation,
//! authentication (through `authenticate.rs`) and the initial ParameterStatus messages.

use super::Session;
use super::settings::lock;
use crate::connection::Incoming;
use crate::connection::MessageSource;
use crate::error::{Error, PgError, SqlState};
use crate::executor::Executor;
use crate::protocol::backend::{self, tag};
use crate::protocol::frontend::{Startup, StartupPacket};
use crate::value::ValueHandler;
use crate::writer::ProtocolWriter;
use bytes::BufMut;
use smallvec::SmallVec;

/// The newest protocol minor version pgsqlite speaks (3.0).
pub const PROTOCOL_MINOR: u16 = 0;

impl<I, W, V, E> Session<I, W, V, E>
where
    I: MessageSource,
    W: ProtocolWriter,
    V: ValueHandler,
    E: Executor,
{
    /// Runs the startup phase; false if the connection ends here (a cancel request, or
    /// the client left).
    pub(super) async fn startup(&mut self) -> Result<bool, Error> {
        loop {
            let packet = match self.next_input().await? {
                None => return Ok(false),
                Some(Incoming::Startup(packet)) => packet,
                Some(_) => return Err(PgError::protocol("expected a startup packet").into()),
            };
            match packet {
                StartupPacket::SslRequest | StartupPacket::GssEncRequest => {
                    self.writer.buffer().put_u8(backend::SSL_NOT_SUPPORTED);
                    self.writer.flush().await?;
                }
                StartupPacket::Cancel {
                    process_id,
                    secret_key,
                } => {
                    let found = self.cancel.cancel(process_id, &secret_key);
                    tracing::debug!(process_id, found, "cancel request");
                    return Ok(false);
                }
                StartupPacket::Startup(startup) => {
                    self.accept(startup).await?;
                    return Ok(true);
                }
            }
        }
    }

    async fn accept(&mut self, startup: Startup) -> Result<(), Error> {
        if startup.major != 3 {
            return Err(PgError::fatal(
                SqlState::FEATURE_NOT_SUPPORTED,
                format!(
                    "unsupported frontend protocol {}.{}: server supports 3.0 to 3.{PROTOCOL_MINOR}",
                    startup.major, startup.minor
                ),
            )
            .into());
        }
        if startup.param("user").is_none_or(str::is_empty) {
            return Err(PgError::fatal(
                SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                "no PostgreSQL user name specified in startup packet",
            )
            .into());
        }
        if self.require_tls && self.tls_end_point.is_none() {
            return Err(PgError::fatal(
                SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                format!(
                    "TLS is required: this server accepts no unencrypted connection (user \"{}\", database \"{}\", no encryption)",
                    startup.param("user").unwrap_or_default(),
                    startup.param("database").unwrap_or_default()
                ),
            )
            .with_hint("Connect with sslmode=require, or sslmode=verify-full with the server's certificate as sslrootcert.")
            .into());
        }
        if startup
            .param("replication")
            .is_some_and(|r| !matches!(r, "false" | "off" | "no" | "0"))
        {
            return Err(PgError::fatal(
                SqlState::FEATURE_NOT_SUPPORTED,
                "replication connections are not supported",
            )
            .into());
        }

        // Settings from `options` (-c name=value) come after the parameters, as in
        // PostgreSQL.
        let from_options = match startup.param("options") {
            Some(options) => super::options::settings(options)?,
            None => Vec::new(),
        };
        let mut unsupported: SmallVec<[&str; 4]> = SmallVec::new();
        let params = startup
            .params
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_ref()))
            .chain(
                from_options
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str())),
            );
        for (name, value) in params {
            match name {
                "user" | "database" | "replication" | "options" => {}
                n if n.starts_with("_pq_.") => unsupported.push(n),
                n => {
                    if let Err(err) = lock(&self.settings).set(n, Some(value)) {
                        if err.code == SqlState::UNDEFINED_OBJECT {
                            tracing::debug!(parameter = n, "ignoring unknown startup parameter");
                        } else {
                            return Err(PgError {
                                severity: crate::error::Severity::Fatal,
                                ..err
                            }
                            .into());
                        }
                    }
                }
            }
        }
        self.apply_timeouts();
        if let Some(user) = startup.param("user") {
            let _ = lock(&self.settings).set("session_authorization", Some(user));
        }
        // As PostgreSQL: the database defaults to the user's name.
        let database = startup
            .param("database")
            .filter(|d| !d.is_empty())
            .or(startup.param("user"))
            .unwrap_or_default();
        lock(&self.settings).set_database(database);
        if startup.minor > PROTOCOL_MINOR || !unsupported.is_empty() {
            let minor = i32::from(PROTOCOL_MINOR);
            self.send(tag::NEGOTIATE_PROTOCOL_VERSION, |b| {
                backend::negotiate_protocol_version(b, minor, &unsupported)
            })
            .await?;
        }

        let user = startup.param("user").unwrap_or_default();
        self.authenticate(user).await?;
        if let Some(gate) = &self.auth_gate {
            gate.open();
        }
        self.send(tag::AUTHENTICATION, backend::authentication_ok)
            .await?;
        let reported: SmallVec<[(&'static str, String); 16]> = lock(&self.settings)
            .reported()
            .map(|(n, v)| (n, v.to_string()))
            .collect();
        for (name, value) in &reported {
            self.send(tag::PARAMETER_STATUS, |b| {
                backend::parameter_status(b, name, value)
            })
            .await?;
        }
        // A cancel request interrupts SQLite and wakes a COPY waiting for data.
        let interrupt = self.exec.cancel_handle();
        let wait_cancel = self.wait_cancel.clone();
        let key = self.cancel.register(std::sync::Arc::new(move || {
            interrupt();
            wait_cancel.cancel();
        }));
        let (pid, secret) = (key.process_id, key.secret_key);
        lock(&self.settings).set_backend_pid(pid);
        self.key = Some(key);
        self.send(tag::BACKEND_KEY_DATA, |b| {
            backend::backend_key_data(b, pid, secret)
        })
        .await?;
        tracing::debug!(
            process_id = pid,
            user = startup.param("user").unwrap_or(""),
            database = startup.param("database").unwrap_or(""),
            "session started"
        );
        self.ready_for_query().await?;
        Ok(())
    }
}
