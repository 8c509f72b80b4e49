//! Editing a table's definition in place, for the `ALTER TABLE` forms SQLite lacks
//! (see [`crate::sql::alter`]): the rows are checked against the new rule, the
//! `CREATE TABLE` text in `sqlite_schema` is replaced under `PRAGMA writable_schema`,
//! and the schema version is bumped so that every connection reads the new definition.
//! The caller holds the write lock inside a transaction.

use super::errors::sqlite_error;
use crate::error::{Error, PgError, SqlState};
use crate::sql::alter::{Change, TableEdit, affinity, apply};
use crate::sql::sequence::quote;
use rusqlite::{Connection, OptionalExtension};

/// Makes `edit`; `Ok(false)` when the table does not exist and the edit said `IF EXISTS`.
pub(super) fn edit_table(conn: &Connection, edit: &TableEdit) -> Result<bool, Error> {
    let found: Option<(String, String)> = conn
        .query_row(
            "SELECT name, sql FROM main.sqlite_schema WHERE type = 'table' \
             AND name = ?1 COLLATE NOCASE",
            [&edit.table],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(sqlite_error)?;
    let Some((table, sql)) = found else {
        if edit.if_exists {
            return Ok(false);
        }
        return Err(PgError::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{}\" does not exist", edit.table),
        )
        .into());
    };
    if let Change::Plain { sql } = &edit.change {
        conn.execute_batch(sql).map_err(sqlite_error)?;
        return Ok(true);
    }
    let new_definition = apply(&sql, &table, &edit.change)?;
    let count = |query: String| -> Result<i64, Error> {
        Ok(conn
            .query_row(&query, [], |row| row.get::<_, i64>(0))
            .map_err(sqlite_error)?)
    };
    match &edit.change {
        Change::SetNotNull { column } => {
            let nulls = count(format!(
                "SELECT count(*) FROM {} WHERE {} IS NULL",
                quote(&table),
                quote(column)
            ))?;
            if nulls > 0 {
                return Err(PgError::new(
                    SqlState::NOT_NULL_VIOLATION,
                    format!("column \"{column}\" of relation \"{table}\" contains null values"),
                )
                .into());
            }
        }
        Change::SetType { column, type_name } => {
            if let Some(class) = affinity(type_name) {
                // Values that do not survive the conversion: PostgreSQL refuses the change.
                let lost = count(format!(
                    "SELECT count(*) FROM {t} WHERE {c} IS NOT NULL \
                     AND CAST(CAST({c} AS {class}) AS TEXT) IS NOT CAST({c} AS TEXT)",
                    t = quote(&table),
                    c = quote(column)
                ))?;
                if lost > 0 {
                    return Err(PgError::new(
                        SqlState::DATATYPE_MISMATCH,
                        format!(
                            "column \"{column}\" cannot be cast automatically to type {type_name}"
                        ),
                    )
                    .into());
                }
            }
        }
        _ => {}
    }
    // The new definition must be one SQLite reads: tried on a scratch database first,
    // since a definition it cannot read would make the whole file unreadable.
    let scratch = Connection::open_in_memory().map_err(sqlite_error)?;
    if let Err(err) = scratch.execute_batch(&new_definition) {
        return Err(PgError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            format!("pgsqlite cannot make this change to table \"{table}\""),
        )
        .with_detail(format!("SQLite refuses the new definition: {err}"))
        .into());
    }
    let version: i64 = conn
        .query_row("PRAGMA main.schema_version", [], |row| row.get(0))
        .map_err(sqlite_error)?;
    conn.execute_batch("PRAGMA writable_schema = ON")
        .map_err(sqlite_error)?;
    let written = conn
        .execute(
            "UPDATE main.sqlite_schema SET sql = ?1 WHERE type = 'table' AND name = ?2",
            [&new_definition, &table],
        )
        .and_then(|_| conn.execute_batch(&format!("PRAGMA main.schema_version = {}", version + 1)));
    // Off again whatever happened, which also makes this connection read the schema anew.
    let reset = conn.execute_batch("PRAGMA writable_schema = RESET");
    written.map_err(sqlite_error)?;
    reset.map_err(sqlite_error)?;
    match &edit.change {
        Change::SetType { column, type_name } => {
            if let Some(class) = affinity(type_name) {
                conn.execute(
                    &format!(
                        "UPDATE {t} SET {c} = CAST({c} AS {class}) WHERE {c} IS NOT NULL",
                        t = quote(&table),
                        c = quote(column)
                    ),
                    [],
                )
                .map_err(sqlite_error)?;
            }
        }
        Change::AddForeignKey { .. } => {
            let violations = count(format!(
                "SELECT count(*) FROM pragma_foreign_key_check('{}')",
                table.replace('\'', "''")
            ))?;
            if violations > 0 {
                return Err(PgError::new(
                    SqlState::FOREIGN_KEY_VIOLATION,
                    format!(
                        "insert or update on table \"{table}\" violates foreign key constraint"
                    ),
                )
                .with_detail(format!(
                    "{violations} existing row(s) have no referenced row."
                ))
                .into());
            }
        }
        _ => {}
    }
    Ok(true)
}
