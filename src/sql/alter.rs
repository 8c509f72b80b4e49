//! `ALTER TABLE` changes SQLite's own `ALTER TABLE` cannot make: a column's default, its
//! `NOT NULL`, its type, and a foreign key added to an existing table.
//!
//! None of them changes how rows are stored, so pgsqlite edits the table's definition
//! in place, as SQLite's documentation allows for such changes: the `CREATE TABLE` text
//! in `sqlite_schema` is rewritten (with `PRAGMA writable_schema`) and the schema version
//! bumped, in the statement's transaction, after checking the rows against the new rule
//! (`SET NOT NULL` fails with 23502 on a NULL, a foreign key with 23503 on a row without
//! its referenced row). A type change also converts the stored values to the new type's
//! storage class. The executor applies a [`TableEdit`] (`Executor::edit_table`).

use super::sequence::object_name;
use crate::error::{PgError, SqlState};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, ColumnOptionDef, DataType, Expr,
    ObjectName, Statement, TableConstraint,
};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

/// One change to a table's definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableEdit {
    /// The table, as SQLite names it (no schema).
    pub table: String,
    /// `ALTER TABLE IF EXISTS`: a missing table is a notice, not an error.
    pub if_exists: bool,
    /// What changes.
    pub change: Change,
}

/// What a [`TableEdit`] changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// `ALTER COLUMN c SET DEFAULT expr` (the expression in SQLite's terms).
    SetDefault {
        /// The column.
        column: String,
        /// The new default.
        default: String,
    },
    /// `ALTER COLUMN c DROP DEFAULT`.
    DropDefault {
        /// The column.
        column: String,
    },
    /// `ALTER COLUMN c SET NOT NULL`.
    SetNotNull {
        /// The column.
        column: String,
    },
    /// `ALTER COLUMN c DROP NOT NULL`.
    DropNotNull {
        /// The column.
        column: String,
    },
    /// `ALTER COLUMN c [SET DATA] TYPE t`.
    SetType {
        /// The column.
        column: String,
        /// The new declared type.
        type_name: String,
    },
    /// `ADD [CONSTRAINT n] FOREIGN KEY ...` (the constraint as SQLite spells it).
    AddForeignKey {
        /// The constraint.
        constraint: String,
    },
    /// An operation SQLite runs itself (`ADD COLUMN`, `RENAME`, ...), for
    /// `ALTER TABLE IF EXISTS`: the statement without `IF EXISTS`.
    Plain {
        /// The statement for SQLite.
        sql: String,
    },
}

impl Change {
    /// The column the change is about, if it is about one.
    pub fn column(&self) -> Option<&str> {
        match self {
            Change::SetDefault { column, .. }
            | Change::DropDefault { column }
            | Change::SetNotNull { column }
            | Change::DropNotNull { column }
            | Change::SetType { column, .. } => Some(column),
            Change::AddForeignKey { .. } | Change::Plain { .. } => None,
        }
    }
}

/// The edit an (already rewritten) `ALTER TABLE` statement stands for, if SQLite cannot
/// run it as it is.
pub fn edit_of(statement: &mut Statement) -> Option<TableEdit> {
    let Statement::AlterTable(alter) = statement else {
        return None;
    };
    let table = object_name(&alter.name)?;
    let if_exists = alter.if_exists;
    let change = match alter.operations.as_slice() {
        [AlterTableOperation::AlterColumn { column_name, op }] => {
            let column = column_name.value.clone();
            match op {
                AlterColumnOperation::SetDefault { value } => Change::SetDefault {
                    column,
                    default: parenthesized(value),
                },
                AlterColumnOperation::DropDefault => Change::DropDefault { column },
                AlterColumnOperation::SetNotNull => Change::SetNotNull { column },
                AlterColumnOperation::DropNotNull => Change::DropNotNull { column },
                AlterColumnOperation::SetDataType {
                    data_type,
                    using: None,
                    ..
                } => Change::SetType {
                    column,
                    type_name: data_type.to_string(),
                },
                _ => return None,
            }
        }
        [AlterTableOperation::AddConstraint { constraint, .. }]
            if matches!(constraint, TableConstraint::ForeignKey(_)) =>
        {
            let mut constraint = constraint.clone();
            if let TableConstraint::ForeignKey(key) = &mut constraint {
                // SQLite names the referenced table without its schema.
                let referenced = object_name(&key.foreign_table)?;
                key.foreign_table =
                    ObjectName::from(vec![sqlparser::ast::Ident::with_quote('"', referenced)]);
            }
            Change::AddForeignKey {
                constraint: constraint.to_string(),
            }
        }
        _ if alter.if_exists => {
            alter.if_exists = false;
            Change::Plain {
                sql: alter.to_string(),
            }
        }
        _ => return None,
    };
    Some(TableEdit {
        table,
        if_exists,
        change,
    })
}

/// A default expression as SQLite requires it: a literal, or parenthesized.
fn parenthesized(value: &Expr) -> String {
    match value {
        Expr::Value(_) | Expr::Nested(_) => value.to_string(),
        other => format!("({other})"),
    }
}

/// The `CREATE TABLE` text `create_sql` with `change` made.
pub fn apply(create_sql: &str, table: &str, change: &Change) -> Result<String, PgError> {
    let unsupported = || {
        PgError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            format!("pgsqlite cannot read the definition of table \"{table}\" to alter it"),
        )
    };
    let mut statements =
        Parser::parse_sql(&SQLiteDialect {}, create_sql).map_err(|_| unsupported())?;
    let Some(Statement::CreateTable(create)) = statements.first_mut() else {
        return Err(unsupported());
    };
    if let Change::AddForeignKey { constraint } = change {
        let text = format!("CREATE TABLE t (x int, {constraint})");
        let parsed = Parser::parse_sql(&SQLiteDialect {}, &text).map_err(|_| unsupported())?;
        if let Some(Statement::CreateTable(with)) = parsed.into_iter().next() {
            create.constraints.extend(with.constraints);
        }
        return Ok(create.to_string());
    }
    let Some(name) = change.column() else {
        return Err(unsupported());
    };
    let Some(column) = create
        .columns
        .iter_mut()
        .find(|c| c.name.value.eq_ignore_ascii_case(name))
    else {
        return Err(PgError::new(
            SqlState::UNDEFINED_COLUMN,
            format!("column \"{name}\" of relation \"{table}\" does not exist"),
        ));
    };
    let options = &mut column.options;
    match change {
        Change::SetDefault { default, .. } => {
            let text = format!("CREATE TABLE t (x int DEFAULT {default})");
            let parsed = Parser::parse_sql(&SQLiteDialect {}, &text).map_err(|_| unsupported())?;
            let Some(Statement::CreateTable(with)) = parsed.into_iter().next() else {
                return Err(unsupported());
            };
            let new = with.columns.into_iter().next().and_then(|c| {
                c.options
                    .into_iter()
                    .find(|o| matches!(o.option, ColumnOption::Default(_)))
            });
            options.retain(|o| !matches!(o.option, ColumnOption::Default(_)));
            options.extend(new);
        }
        Change::DropDefault { .. } => {
            options.retain(|o| !matches!(o.option, ColumnOption::Default(_)))
        }
        Change::SetNotNull { .. } => {
            if !options
                .iter()
                .any(|o| matches!(o.option, ColumnOption::NotNull))
            {
                options.push(ColumnOptionDef {
                    name: None,
                    option: ColumnOption::NotNull,
                });
            }
        }
        Change::DropNotNull { .. } => {
            if options
                .iter()
                .any(|o| matches!(o.option, ColumnOption::PrimaryKey(_)))
            {
                return Err(PgError::new(
                    SqlState::INVALID_TABLE_DEFINITION,
                    format!("column \"{name}\" is in a primary key"),
                ));
            }
            options.retain(|o| !matches!(o.option, ColumnOption::NotNull | ColumnOption::Null))
        }
        Change::SetType { type_name, .. } => {
            if column.data_type == DataType::Integer(None)
                && options
                    .iter()
                    .any(|o| matches!(o.option, ColumnOption::PrimaryKey(_)))
            {
                // The rowid alias stays one.
                return Ok(create.to_string());
            }
            let text = format!("CREATE TABLE t (x {type_name})");
            let parsed = Parser::parse_sql(&SQLiteDialect {}, &text).map_err(|_| unsupported())?;
            let Some(Statement::CreateTable(with)) = parsed.into_iter().next() else {
                return Err(unsupported());
            };
            if let Some(c) = with.columns.into_iter().next() {
                column.data_type = c.data_type;
            }
        }
        Change::AddForeignKey { .. } | Change::Plain { .. } => {}
    }
    Ok(create.to_string())
}

/// The storage class SQLite gives a declared type (its affinity rules), for converting
/// stored values after a type change: `None` for types whose values are kept as they are.
pub fn affinity(type_name: &str) -> Option<&'static str> {
    let t = type_name.to_ascii_uppercase();
    if t.contains("INT") {
        Some("INTEGER")
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        Some("TEXT")
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Some("REAL")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL, a TEXT, b INT DEFAULT 3)";

    #[test]
    fn column_rules_are_edited_in_the_definition() {
        let set = |c: Change| apply(T, "t", &c).unwrap();
        assert_eq!(
            set(Change::SetDefault {
                column: "b".into(),
                default: "7".into()
            }),
            "CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL, a TEXT, b INT DEFAULT 7)"
        );
        assert_eq!(
            set(Change::DropDefault { column: "B".into() }),
            "CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL, a TEXT, b INT)"
        );
        assert_eq!(
            set(Change::SetNotNull { column: "a".into() }),
            "CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL, a TEXT NOT NULL, b INT DEFAULT 3)"
        );
        assert_eq!(
            set(Change::SetType {
                column: "b".into(),
                type_name: "BIGINT".into()
            }),
            "CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL, a TEXT, b BIGINT DEFAULT 3)"
        );
        assert_eq!(
            set(Change::AddForeignKey {
                constraint: "CONSTRAINT f FOREIGN KEY (b) REFERENCES u(id)".into()
            }),
            "CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL, a TEXT, b INT DEFAULT 3, CONSTRAINT f FOREIGN KEY (b) REFERENCES u(id))"
        );
        let err = apply(T, "t", &Change::SetNotNull { column: "z".into() }).unwrap_err();
        assert_eq!(err.code, SqlState::UNDEFINED_COLUMN);
    }
}
