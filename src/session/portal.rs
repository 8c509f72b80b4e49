//! Portals: a statement with its parameters bound, ready to run (and possibly suspended).

use super::statement::NamedStatement;
use crate::protocol::types::{Format, Oid};
use crate::value::large::KeptValue;
use bytes::Bytes;
use smallvec::SmallVec;
use std::collections::VecDeque;

/// Where a portal is in its life.
#[derive(Debug, Default)]
pub enum PortalState {
    /// Not executed yet.
    #[default]
    Ready,
    /// Executed with a row limit; these rows are still to be sent.
    Suspended {
        /// Rows not sent yet.
        rows: VecDeque<Vec<KeptValue>>,
        /// Rows sent so far (for the final command tag).
        sent: u64,
    },
    /// Ran to completion.
    Done,
}

/// A bound statement.
#[derive(Debug)]
pub struct Portal {
    /// The statement it runs.
    pub statement: NamedStatement,
    /// Parameter values as the client sent them (slices of the Bind message, not copies).
    pub params: SmallVec<[Option<Bytes>; 8]>,
    /// The format of each parameter.
    pub param_formats: SmallVec<[Format; 8]>,
    /// Result column types, as described to the client.
    pub column_types: SmallVec<[Oid; 16]>,
    /// Result column formats, one per column.
    pub column_formats: SmallVec<[Format; 16]>,
    /// Execution progress.
    pub state: PortalState,
}
