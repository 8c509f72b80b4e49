//! COPY data formats: reading rows out of COPY FROM data and writing rows as COPY TO
//! data, in text, CSV and binary, byte-compatible with PostgreSQL.
//!
//! The session (`session/copy_in.rs`, `session/copy_out.rs`) runs the COPY
//! sub-protocol and moves values through the value layer; this module knows only bytes:
//!
//! - `options.rs`: the options and PostgreSQL's checks of them
//! - `lines.rs`: where text and CSV lines end, across CopyData boundaries
//! - `text.rs`, `csv.rs`, `binary.rs`: one format each, both directions
//! - `row.rs`: a parsed row's fields, borrowed from the input or unescaped into a
//!   reused buffer
//! - `reader.rs`: the format-independent row reader used by COPY FROM
//! - `context.rs`: the `CONTEXT: COPY t, line N` of COPY errors

pub mod binary;
pub mod context;
pub mod csv;
pub mod lines;
pub mod options;
pub mod reader;
pub mod row;
pub mod text;

pub use options::{ColumnSet, CopyFormat, CopyOptions, Header, OptionValue, RawOption};
pub use reader::{Next, RowReader};
pub use row::RowFields;
