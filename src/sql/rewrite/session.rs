//! The SQL-standard session keywords written without parentheses (`current_user`,
//! `session_user`, `user`, `current_role`, `current_catalog`, `current_schema`):
//! calls of pgsqlite's functions of the same names, which answer from the session.

use super::call;
use sqlparser::ast::{Expr, Function, FunctionArguments, Ident};

/// Names that PostgreSQL reads as a function call without parentheses.
const KEYWORDS: &[&str] = &[
    "current_user",
    "session_user",
    "user",
    "current_role",
    "current_catalog",
    "current_schema",
];

/// `current_user` and the like, parsed as a function without an argument list: the
/// same call with an empty one, which SQLite can run.
pub(super) fn keyword_function(f: &Function) -> Option<Expr> {
    if !matches!(f.args, FunctionArguments::None) {
        return None;
    }
    let [part] = f.name.0.as_slice() else {
        return None;
    };
    let name = part.as_ident()?.value.to_ascii_lowercase();
    KEYWORDS
        .contains(&name.as_str())
        .then(|| call(&name, Vec::new()))
}

/// `current_schema` written as a bare (unquoted) name: the function call.
pub(super) fn keyword_identifier(id: &Ident) -> Option<Expr> {
    (id.quote_style.is_none() && id.value.eq_ignore_ascii_case("current_schema"))
        .then(|| call("current_schema", Vec::new()))
}

#[cfg(test)]
mod tests {
    use crate::sql::rewrite::rewrite;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;
    use std::collections::HashMap;

    fn rewrite_sql(sql: &str) -> String {
        let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap();
        rewrite(
            &mut statements[0],
            &mut |_: &str| Vec::new(),
            &HashMap::new(),
        );
        statements[0].to_string()
    }

    #[test]
    fn keywords_become_calls() {
        for (sql, want) in [
            ("SELECT current_user", "SELECT current_user()"),
            ("SELECT session_user, user", "SELECT session_user(), user()"),
            ("SELECT current_catalog", "SELECT current_catalog()"),
            ("SELECT current_schema", "SELECT current_schema()"),
            (
                "SELECT \"current_schema\" FROM t",
                "SELECT \"current_schema\" FROM t",
            ),
        ] {
            assert_eq!(rewrite_sql(sql), want, "{sql}");
        }
    }
}
