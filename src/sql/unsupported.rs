//! Statements pgsqlite cannot honour fail loudly, before SQLite sees them: server-side
//! functions, procedures and triggers, extensions other than those every PostgreSQL
//! database has, and row-level security. Each is refused with 0A000 naming the feature,
//! never run halfway or acknowledged without effect. (LISTEN and NOTIFY are refused by
//! the session, which reads them as commands.)
//!
//! `CREATE EXTENSION plpgsql` answers as PostgreSQL does, where plpgsql is always
//! installed: 42710, or nothing to do under `IF NOT EXISTS`.

use crate::error::{PgError, SqlState};
use sqlparser::ast::{AlterTableOperation, Statement};

/// Extensions every PostgreSQL database already has.
const BUILT_IN_EXTENSIONS: &[&str] = &["plpgsql"];

/// What pgsqlite does with a statement it cannot run as SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsupported {
    /// Fails with this error.
    Refused(PgError),
    /// Succeeds without doing anything, with this command tag.
    NothingToDo(&'static str),
}

fn refuse(message: String) -> Option<Unsupported> {
    Some(Unsupported::Refused(PgError::new(
        SqlState::FEATURE_NOT_SUPPORTED,
        message,
    )))
}

/// How `statement` is answered, if pgsqlite cannot run it.
pub fn check(statement: &Statement) -> Option<Unsupported> {
    match statement {
        Statement::CreateExtension(create) => {
            let name = create.name.value.to_lowercase();
            if !BUILT_IN_EXTENSIONS.contains(&name.as_str()) {
                return refuse(format!("extension \"{name}\" is not available in pgsqlite"));
            }
            if create.if_not_exists {
                Some(Unsupported::NothingToDo("CREATE EXTENSION"))
            } else {
                Some(Unsupported::Refused(PgError::new(
                    SqlState::DUPLICATE_OBJECT,
                    format!("extension \"{name}\" already exists"),
                )))
            }
        }
        Statement::DropExtension(_) => refuse("DROP EXTENSION is not supported by pgsqlite".into()),
        Statement::CreateFunction(function) => {
            let language = function
                .language
                .as_ref()
                .map_or_else(|| "sql".to_string(), |l| l.value.to_lowercase());
            refuse(format!(
                "CREATE FUNCTION is not supported by pgsqlite (language {language}): \
                 SQLite runs no server-side functions"
            ))
        }
        Statement::CreateProcedure { .. } => {
            refuse("CREATE PROCEDURE is not supported by pgsqlite".into())
        }
        Statement::CreateTrigger(_) => refuse(
            "CREATE TRIGGER is not supported by pgsqlite: PostgreSQL triggers run functions".into(),
        ),
        Statement::CreatePolicy(_) | Statement::AlterPolicy(_) | Statement::DropPolicy(_) => {
            refuse("row-level security is not supported by pgsqlite".into())
        }
        Statement::AlterTable(alter)
            if alter.operations.iter().any(|op| {
                matches!(
                    op,
                    AlterTableOperation::EnableRowLevelSecurity
                        | AlterTableOperation::ForceRowLevelSecurity
                )
            }) =>
        {
            refuse("row-level security is not supported by pgsqlite".into())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn checked(sql: &str) -> Option<(String, String)> {
        let statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        check(&statement).map(|u| match u {
            Unsupported::Refused(e) => (e.code.code().to_string(), e.message.to_string()),
            Unsupported::NothingToDo(tag) => ("ok".into(), tag.into()),
        })
    }

    #[test]
    fn refused_with_the_feature_named() {
        let code = |sql: &str| checked(sql).map(|(code, _)| code);
        assert_eq!(
            code("CREATE EXTENSION IF NOT EXISTS plpgsql").as_deref(),
            Some("ok")
        );
        assert_eq!(code("CREATE EXTENSION plpgsql").as_deref(), Some("42710"));
        assert_eq!(code("CREATE EXTENSION pgcrypto").as_deref(), Some("0A000"));
        assert_eq!(
            code("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$")
                .as_deref(),
            Some("0A000")
        );
        assert_eq!(
            code("ALTER TABLE t ENABLE ROW LEVEL SECURITY").as_deref(),
            Some("0A000")
        );
        assert_eq!(
            code("CREATE POLICY p ON t USING (true)").as_deref(),
            Some("0A000")
        );
        assert_eq!(code("ALTER TABLE t ADD COLUMN c int"), None);
        assert_eq!(code("SELECT 1"), None);
    }
}
