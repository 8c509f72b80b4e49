//! The read side of a connection: turning socket bytes into decoded messages.
//!
//! A session pulls messages from a [`MessageSource`]. Two sources exist:
//!
//! - [`FrameReader`] reads and decodes inline, when the session asks;
//! - [`ReadAhead`], made by [`DirectConnection`], runs a [`FrameReader`] in its own task
//!   so that reading the client's next messages goes on while the session is busy
//!   writing results (stream splitting). A client that pipelines thousands of queries
//!   without reading answers cannot deadlock the server, within a byte budget.

mod auth_gate;
mod direct;
mod reader;

pub use auth_gate::AuthGate;
pub use direct::{ClientInput, DEFAULT_READ_AHEAD_BYTES, DirectConnection, ReadAhead, SplitStream};
pub use reader::{FrameReader, Incoming};

use crate::error::Error;

/// Where a session gets its client's messages from.
#[allow(async_fn_in_trait)]
pub trait MessageSource {
    /// The next startup packet or message; `None` once the client has closed.
    async fn next(&mut self) -> Result<Option<Incoming>, Error>;

    /// True if a complete message can be had without waiting: the session only writes
    /// out buffered answers when it is about to wait.
    fn has_pending(&self) -> bool;
}
