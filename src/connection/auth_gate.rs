//! The authentication gate: until a session has authenticated its client, the reader
//! accepts no message longer than an authentication token (64 KiB, PostgreSQL's
//! `PG_MAX_AUTH_TOKEN_LENGTH`), so a client that has not logged in cannot make the server
//! buffer a 1 GiB message.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Shared by a session (which opens it once the client is authenticated) and its reader
/// (which caps message sizes while it is closed).
#[derive(Clone, Debug, Default)]
pub struct AuthGate(Arc<AtomicBool>);

impl AuthGate {
    /// A closed gate.
    pub fn new() -> AuthGate {
        AuthGate::default()
    }

    /// Lets messages of any permitted size through from now on.
    pub fn open(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// True once the session has authenticated its client.
    pub fn is_open(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}
