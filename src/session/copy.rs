//! COPY in the session: which way it goes, and the table and columns it works on.
//!
//! Only STDIN and STDOUT are served (`copy_in.rs`, `copy_out.rs`): files and programs
//! on the server are refused with 42501, as PostgreSQL refuses them to a role without
//! the server-file privileges.

use super::Session;
use super::control::quote;
use crate::connection::MessageSource;
use crate::error::{Error, PgError, SqlState};
use crate::executor::Executor;
use crate::protocol::types::{Oid, oid};
use crate::sql::copy::{CopyEndpoint, CopyStatement};
use crate::value::ValueHandler;
use crate::writer::ProtocolWriter;

/// The columns a COPY reads or writes, with their declared types.
pub(super) struct CopyColumns {
    /// Column names, as the table declares them.
    pub names: Vec<String>,
    /// Their types (text where the declaration says nothing).
    pub types: Vec<Oid>,
}

impl CopyColumns {
    /// The columns as a quoted SQL list: `"a", "b"`.
    pub fn sql_list(&self) -> String {
        self.names
            .iter()
            .map(|n| quote(n))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Where a column named in a COPY statement is among the table's columns.
/// A table's columns as (name, type) pairs.
fn name_types(columns: Vec<crate::executor::TableColumn>) -> Vec<(String, Oid)> {
    columns.into_iter().map(|c| (c.name, c.ty)).collect()
}

fn find_column(all: &[(String, Oid)], name: &str) -> Option<usize> {
    all.iter()
        .position(|(c, _)| c == name)
        .or_else(|| all.iter().position(|(c, _)| c.eq_ignore_ascii_case(name)))
}

fn privilege(message: &'static str) -> PgError {
    PgError::new(SqlState::INSUFFICIENT_PRIVILEGE, message).with_hint(
        "Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.",
    )
}

impl<I, W, V, E> Session<I, W, V, E>
where
    I: MessageSource,
    W: ProtocolWriter,
    V: ValueHandler,
    E: Executor,
{
    /// Runs a COPY statement.
    pub(super) async fn copy(&mut self, statement: &CopyStatement) -> Result<(), Error> {
        self.check_not_failed()?;
        match (&statement.endpoint, statement.from) {
            (CopyEndpoint::Client, true) => {}
            (CopyEndpoint::Client, false) => return self.copy_to_stdout(statement).await,
            (CopyEndpoint::File(_), true) => {
                return Err(privilege(
                    "must be superuser or have privileges of the pg_read_server_files role to COPY from a file",
                )
                .into());
            }
            (CopyEndpoint::File(_), false) => {
                return Err(privilege(
                    "must be superuser or have privileges of the pg_write_server_files role to COPY to a file",
                )
                .into());
            }
            (CopyEndpoint::Program(_), _) => {
                return Err(privilege(
                    "must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program",
                )
                .into());
            }
        }
        if statement.has_where {
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "COPY FROM with a WHERE clause is not supported by pgsqlite",
            )
            .into());
        }
        self.copy_from_stdin(statement).await
    }

    /// The table's columns: those named (checked to exist, once each), or all of them.
    pub(super) fn copy_columns(
        &mut self,
        table: &str,
        named: &[String],
    ) -> Result<CopyColumns, PgError> {
        let all = name_types(self.exec.table_columns(table));
        if all.is_empty() {
            return Err(PgError::new(
                SqlState::UNDEFINED_TABLE,
                format!("relation \"{table}\" does not exist"),
            ));
        }
        let text = |ty: Oid| {
            if ty == oid::UNSPECIFIED {
                oid::TEXT
            } else {
                ty
            }
        };
        if named.is_empty() {
            return Ok(CopyColumns {
                names: all.iter().map(|(n, _)| n.clone()).collect(),
                types: all.iter().map(|&(_, ty)| text(ty)).collect(),
            });
        }
        let mut columns = CopyColumns {
            names: Vec::with_capacity(named.len()),
            types: Vec::with_capacity(named.len()),
        };
        for name in named {
            let Some(i) = find_column(&all, name) else {
                return Err(missing_column(name, table));
            };
            if columns.names.contains(&all[i].0) {
                return Err(PgError::new(
                    SqlState::DUPLICATE_COLUMN,
                    format!("column \"{name}\" specified more than once"),
                ));
            }
            columns.names.push(all[i].0.clone());
            columns.types.push(text(all[i].1));
        }
        Ok(columns)
    }

    /// For a FORCE_* option's column names: per copied column, whether it is named.
    /// A name that is not a column of the table is 42703, one that is not copied 42P10.
    pub(super) fn copy_force_flags(
        &mut self,
        table: Option<&str>,
        option: &str,
        names: &[String],
        columns: &[String],
    ) -> Result<Vec<bool>, PgError> {
        let mut flags = vec![false; columns.len()];
        let all = match table {
            Some(table) if !names.is_empty() => name_types(self.exec.table_columns(table)),
            _ => Vec::new(),
        };
        for name in names {
            let canonical = match table {
                Some(table) => match find_column(&all, name) {
                    Some(i) => all[i].0.as_str(),
                    None => return Err(missing_column(name, table)),
                },
                None => name.as_str(),
            };
            let Some(i) = columns.iter().position(|c| c == canonical) else {
                return Err(PgError::new(
                    SqlState::INVALID_COLUMN_REFERENCE,
                    format!("{option} column \"{name}\" not referenced by COPY"),
                ));
            };
            flags[i] = true;
        }
        Ok(flags)
    }
}

fn missing_column(name: &str, table: &str) -> PgError {
    PgError::new(
        SqlState::UNDEFINED_COLUMN,
        format!("column \"{name}\" of relation \"{table}\" does not exist"),
    )
}
