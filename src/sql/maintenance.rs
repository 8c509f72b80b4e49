//! PostgreSQL statements SQLite has no direct spelling for, rewritten before the rest of
//! the pipeline sees them: those `pgbench -i` and schema scripts rely on.
//!
//! - `DROP TABLE [IF EXISTS] a, b, ...` becomes one `DROP TABLE` per table;
//! - `TRUNCATE [TABLE] [ONLY] a, b [RESTART IDENTITY] [CASCADE]` becomes `DELETE FROM`
//!   per table;
//! - `VACUUM [FULL] [FREEZE] [VERBOSE] [ANALYZE] [(options)] [tables]` becomes `ANALYZE`
//!   per table when it analyzes, SQLite's `VACUUM` when it names no table, else nothing;
//! - `CREATE TABLE ... WITH (fillfactor = ...)` loses its storage parameters;
//! - `ALTER TABLE [ONLY] t ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE (columns)`
//!   becomes `CREATE UNIQUE INDEX` (SQLite cannot add a constraint to a table).
//!
//! The statements of pg_dump scripts that SQLite cannot honour are [`dump`](super::dump)'s.
//!
//! A statement rewritten into several steps runs them in one transaction
//! (`session/steps.rs`) and answers with PostgreSQL's command tag.

use super::lexer::{Token, TokenKind, identifier_name, matching_close, significant};

/// Several SQLite statements standing for one PostgreSQL statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Steps {
    /// The SQLite statements, in order (possibly none).
    pub statements: Vec<String>,
    /// The CommandComplete tag PostgreSQL sends.
    pub tag: &'static str,
    /// True for VACUUM, which PostgreSQL refuses inside a transaction block.
    pub outside_block: bool,
    /// True if the steps change the schema.
    pub changes_schema: bool,
    /// A statement pgsqlite skips (no steps): a WARNING names it, or, where skipping it
    /// would lose its effect and `pgsqlite.unsupported_statements` is `error` (the
    /// default), it fails.
    pub skipped: Option<Skipped>,
}

/// What a skipped statement was, and why SQLite cannot honour it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The statement's first line.
    pub statement: String,
    /// Why it is skipped.
    pub why: &'static str,
    /// True for statements that only describe (comments, privileges, owners): skipping
    /// them loses nothing a SQLite database could keep, so they are always skipped.
    pub metadata_only: bool,
}

/// What a statement becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rewrite {
    /// Another single statement, to go through the usual translation.
    Text(String),
    /// Statements for SQLite as they are.
    Steps(Steps),
    /// A statement PostgreSQL refuses as it stands (a sequence definition out of
    /// bounds, say).
    Refused(crate::error::PgError),
}

/// Quotes an identifier for SQLite.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `name [, name ...]` of (optionally `public.`-qualified) table names from `at`, up to
/// the end; `None` if anything else is there.
fn table_list(tokens: &[Token<'_>], mut at: usize, stop: &[&str]) -> Option<Vec<String>> {
    let mut names = Vec::new();
    loop {
        let token = tokens.get(at)?;
        if !token.is_identifier() {
            return None;
        }
        let mut name = identifier_name(token);
        at += 1;
        if tokens.get(at).is_some_and(|t| t.kind == TokenKind::Dot) {
            let table = tokens.get(at + 1).filter(|t| t.is_identifier())?;
            if name != "public" {
                return None;
            }
            name = identifier_name(table);
            at += 2;
        }
        names.push(name);
        match tokens.get(at) {
            None => return Some(names),
            Some(t) if t.kind == TokenKind::Comma => at += 1,
            Some(t) if t.is_any_keyword(stop) => {
                // Trailing words that change nothing here (CASCADE, RESTART IDENTITY).
                return tokens[at..]
                    .iter()
                    .all(|t| t.is_any_keyword(stop))
                    .then_some(names);
            }
            Some(_) => return None,
        }
    }
}

/// The rewrite of `statement`, if it needs one.
pub fn rewrite(statement: &str) -> Option<Rewrite> {
    let mut tokens: Vec<Token<'_>> = significant(statement).collect();
    while tokens
        .last()
        .is_some_and(|t| t.kind == TokenKind::Semicolon)
    {
        tokens.pop();
    }
    let first = tokens.first()?;
    if tokens.get(1).is_some_and(|t| t.is_keyword("sequence")) {
        if first.is_keyword("alter") {
            return alter_sequence(&tokens);
        }
        if first.is_keyword("create") || first.is_keyword("drop") {
            return super::sequence::rewrite(statement).map(|r| match r {
                Ok(rewrite) => rewrite,
                Err(err) => Rewrite::Refused(err),
            });
        }
    }
    if let Some(rewrite) = super::dump::rewrite(statement, &tokens) {
        return Some(rewrite);
    }
    if first.is_keyword("drop") {
        drop_tables(&tokens)
    } else if first.is_keyword("truncate") {
        truncate(&tokens)
    } else if first.is_keyword("vacuum") {
        vacuum(&tokens)
    } else if first.is_keyword("create") {
        create_with(statement, &tokens)
    } else if first.is_keyword("alter") {
        add_key(&tokens)
    } else {
        None
    }
}

/// `ALTER SEQUENCE [IF EXISTS] [public.]name ...`: see [`super::sequence::alter`].
fn alter_sequence(tokens: &[Token<'_>]) -> Option<Rewrite> {
    let mut at = 2;
    if tokens.get(at)?.is_keyword("if") && tokens.get(at + 1)?.is_keyword("exists") {
        at += 2;
    }
    let mut name = identifier_name(tokens.get(at).filter(|t| t.is_identifier())?);
    at += 1;
    if tokens.get(at).is_some_and(|t| t.kind == TokenKind::Dot) {
        name = identifier_name(tokens.get(at + 1).filter(|t| t.is_identifier())?);
        at += 2;
    }
    let rest: Vec<String> = tokens[at..].iter().map(|t| t.text.to_string()).collect();
    Some(match super::sequence::alter(&name, &rest) {
        Ok(statements) => Rewrite::Steps(Steps {
            statements,
            tag: "ALTER SEQUENCE",
            outside_block: false,
            changes_schema: false,
            skipped: None,
        }),
        Err(err) => Rewrite::Refused(err),
    })
}

fn drop_tables(tokens: &[Token<'_>]) -> Option<Rewrite> {
    if !tokens.get(1)?.is_keyword("table") {
        return None;
    }
    let if_exists = tokens.get(2)?.is_keyword("if") && tokens.get(3)?.is_keyword("exists");
    let start = if if_exists { 4 } else { 2 };
    let names = table_list(tokens, start, &["cascade", "restrict"])?;
    if names.len() < 2 {
        return None;
    }
    let prefix = if if_exists {
        "DROP TABLE IF EXISTS"
    } else {
        "DROP TABLE"
    };
    Some(Rewrite::Steps(Steps {
        statements: names
            .iter()
            .map(|n| format!("{prefix} {}", quote(n)))
            .collect(),
        tag: "DROP TABLE",
        outside_block: false,
        changes_schema: true,
        skipped: None,
    }))
}

fn truncate(tokens: &[Token<'_>]) -> Option<Rewrite> {
    let mut at = 1;
    if tokens.get(at).is_some_and(|t| t.is_keyword("table")) {
        at += 1;
    }
    if tokens.get(at).is_some_and(|t| t.is_keyword("only")) {
        at += 1;
    }
    let stop = ["restart", "continue", "identity", "cascade", "restrict"];
    let names = table_list(tokens, at, &stop)?;
    let restart = tokens.iter().any(|t| t.is_keyword("restart"));
    let mut statements: Vec<String> = names
        .iter()
        .map(|n| format!("DELETE FROM {}", quote(n)))
        .collect();
    if restart {
        // The `serial` keys' counters (see `sql/sequence.rs`) start again.
        statements.extend(
            names
                .iter()
                .map(|n| format!("SELECT pg_restart_identity('{}')", n.replace('\'', "''"))),
        );
    }
    Some(Rewrite::Steps(Steps {
        statements,
        tag: "TRUNCATE TABLE",
        outside_block: false,
        changes_schema: false,
        skipped: None,
    }))
}

fn vacuum(tokens: &[Token<'_>]) -> Option<Rewrite> {
    let mut at = 1;
    let mut analyze = false;
    if tokens.get(at).is_some_and(|t| t.kind == TokenKind::LParen) {
        let close = matching_close(tokens, at)?;
        analyze = tokens[at..close]
            .iter()
            .any(|t| t.is_any_keyword(&["analyze", "analyse"]));
        at = close + 1;
    }
    while let Some(t) = tokens.get(at) {
        if !t.is_any_keyword(&["full", "freeze", "verbose", "analyze", "analyse"]) {
            break;
        }
        analyze |= t.is_any_keyword(&["analyze", "analyse"]);
        at += 1;
    }
    let names = if at == tokens.len() {
        Vec::new()
    } else {
        // A column list after a table (`VACUUM ANALYZE t (a)`) is not handled.
        table_list(tokens, at, &[])?
    };
    let statements = match (analyze, names.is_empty()) {
        (true, true) => vec!["ANALYZE".to_string()],
        (true, false) => names
            .iter()
            .map(|n| format!("ANALYZE {}", quote(n)))
            .collect(),
        (false, true) => vec!["VACUUM".to_string()],
        // SQLite vacuums whole databases only; for one table there is nothing to do.
        (false, false) => Vec::new(),
    };
    Some(Rewrite::Steps(Steps {
        statements,
        tag: "VACUUM",
        outside_block: true,
        changes_schema: false,
        skipped: None,
    }))
}

/// `CREATE [TEMP] TABLE name (...) WITH (storage parameters)`: without the parameters.
fn create_with(statement: &str, tokens: &[Token<'_>]) -> Option<Rewrite> {
    let table = tokens.iter().position(|t| t.is_keyword("table"))?;
    if table > 3 {
        return None;
    }
    let open = tokens
        .iter()
        .skip(table)
        .position(|t| t.kind == TokenKind::LParen)?
        + table;
    let close = matching_close(tokens, open)?;
    let with = tokens.get(close + 1)?;
    if !with.is_keyword("with") {
        return None;
    }
    let params_open = close + 2;
    if tokens.get(params_open)?.kind != TokenKind::LParen {
        return None;
    }
    let params_close = matching_close(tokens, params_open)?;
    let mut text = String::with_capacity(statement.len());
    text.push_str(&statement[..with.start]);
    text.push_str(&statement[tokens[params_close].end()..]);
    Some(Rewrite::Text(text))
}

/// `ALTER TABLE [ONLY] t ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE (columns)`.
fn add_key(tokens: &[Token<'_>]) -> Option<Rewrite> {
    if !tokens.get(1)?.is_keyword("table") {
        return None;
    }
    let mut at = 2;
    if tokens.get(at)?.is_keyword("only") {
        at += 1;
    }
    let mut table = identifier_name(tokens.get(at).filter(|t| t.is_identifier())?);
    at += 1;
    if tokens.get(at).is_some_and(|t| t.kind == TokenKind::Dot) {
        if table != "public" {
            return None;
        }
        table = identifier_name(tokens.get(at + 1).filter(|t| t.is_identifier())?);
        at += 2;
    }
    if !tokens.get(at)?.is_keyword("add") {
        return None;
    }
    at += 1;
    let mut name = None;
    if tokens.get(at)?.is_keyword("constraint") {
        name = Some(identifier_name(tokens.get(at + 1)?));
        at += 2;
    }
    let suffix = if tokens.get(at)?.is_keyword("primary") && tokens.get(at + 1)?.is_keyword("key") {
        at += 2;
        "pkey"
    } else if tokens.get(at)?.is_keyword("unique") {
        at += 1;
        "key"
    } else {
        return None;
    };
    if tokens.get(at)?.kind != TokenKind::LParen {
        return None;
    }
    let close = matching_close(tokens, at)?;
    if close + 1 != tokens.len() {
        return None;
    }
    let mut columns = Vec::new();
    for (i, t) in tokens[at + 1..close].iter().enumerate() {
        match (i % 2, t.kind) {
            (0, TokenKind::Ident | TokenKind::QuotedIdent) => columns.push(identifier_name(t)),
            (1, TokenKind::Comma) => {}
            _ => return None,
        }
    }
    if columns.is_empty() {
        return None;
    }
    // PostgreSQL's default names: t_pkey, t_a_b_key.
    let name = name.unwrap_or_else(|| match suffix {
        "pkey" => format!("{table}_pkey"),
        _ => format!("{table}_{}_key", columns.join("_")),
    });
    let list: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    Some(Rewrite::Steps(Steps {
        statements: vec![format!(
            "CREATE UNIQUE INDEX {} ON {} ({})",
            quote(&name),
            quote(&table),
            list.join(", ")
        )],
        tag: "ALTER TABLE",
        outside_block: false,
        changes_schema: true,
        skipped: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(sql: &str) -> Steps {
        match rewrite(sql) {
            Some(Rewrite::Steps(steps)) => steps,
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn pgbench_init_statements() {
        let s = steps(
            "drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
        );
        assert_eq!(s.statements.len(), 4);
        assert_eq!(s.statements[0], "DROP TABLE IF EXISTS \"pgbench_accounts\"");
        assert_eq!(s.tag, "DROP TABLE");
        let s = steps("truncate table pgbench_accounts, pgbench_branches");
        assert_eq!(
            s.statements,
            [
                "DELETE FROM \"pgbench_accounts\"",
                "DELETE FROM \"pgbench_branches\""
            ]
        );
        assert_eq!(s.tag, "TRUNCATE TABLE");
        let s = steps("vacuum analyze pgbench_branches");
        assert_eq!(s.statements, ["ANALYZE \"pgbench_branches\""]);
        assert!(s.outside_block);
        assert_eq!(steps("VACUUM").statements, ["VACUUM"]);
        assert!(steps("VACUUM t").statements.is_empty());
        assert_eq!(
            steps("VACUUM (ANALYZE, VERBOSE) t").statements,
            ["ANALYZE \"t\""]
        );
        let s = steps("alter table pgbench_branches add primary key (bid)");
        assert_eq!(
            s.statements,
            ["CREATE UNIQUE INDEX \"pgbench_branches_pkey\" ON \"pgbench_branches\" (\"bid\")"]
        );
        let s = steps("ALTER TABLE t ADD CONSTRAINT t_ab UNIQUE (a, b)");
        assert_eq!(
            s.statements,
            ["CREATE UNIQUE INDEX \"t_ab\" ON \"t\" (\"a\", \"b\")"]
        );
        assert_eq!(
            rewrite("create table pgbench_tellers(tid int not null,bid int) with (fillfactor=100)"),
            Some(Rewrite::Text(
                "create table pgbench_tellers(tid int not null,bid int) ".to_string()
            ))
        );
    }

    #[test]
    fn statements_sqlite_takes_as_they_are_are_left_alone() {
        assert_eq!(rewrite("DROP TABLE t"), None);
        assert_eq!(rewrite("DROP TABLE IF EXISTS t CASCADE"), None);
        assert_eq!(rewrite("CREATE TABLE t (a int)"), None);
        assert_eq!(rewrite("ALTER TABLE t ADD COLUMN b int"), None);
        assert_eq!(rewrite("SELECT 1"), None);
        assert_eq!(rewrite("TRUNCATE t ("), None);
    }
}
