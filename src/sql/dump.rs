//! Statements of pg_dump's plain-format scripts that SQLite cannot honour: pgsqlite skips
//! them, with a WARNING that names the statement, so that `psql -v ON_ERROR_STOP=1 -f
//! dump.sql` restores the tables, their data, indexes and keys. With
//! `SET pgsqlite.unsupported_statements = error` they fail with 0A000 instead.
//!
//! - `COMMENT ON ...`: SQLite keeps no comments;
//! - `ALTER TABLE ... ALTER [COLUMN] c ADD GENERATED ... AS IDENTITY (...)`: the column
//!   does not become an identity column (its sequence is created, for the `setval` that
//!   follows);
//! - `ALTER ... OWNER TO`, `GRANT`, `REVOKE`: SQLite has no roles.
//!
//! `CREATE [UNIQUE] INDEX ... USING btree (...)` loses its `USING btree` (SQLite's only
//! kind of index), and `ALTER TABLE ... ADD PRIMARY KEY | UNIQUE` is
//! [`maintenance`](super::maintenance)'s.

use super::lexer::{Token, TokenKind};
use super::maintenance::{Rewrite, Skipped, Steps};

/// The rewrite of `statement` (its significant `tokens`, without trailing semicolons),
/// if it is one of those above.
pub fn rewrite(statement: &str, tokens: &[Token<'_>]) -> Option<Rewrite> {
    let first = tokens.first()?;
    let word = |i: usize, w: &str| tokens.get(i).is_some_and(|t| t.is_keyword(w));
    let skipped = |tag: &'static str, why: &'static str, metadata_only: bool| {
        Some(Rewrite::Steps(Steps {
            statements: Vec::new(),
            tag,
            outside_block: false,
            changes_schema: false,
            skipped: Some(Skipped {
                statement: head(statement),
                why,
                metadata_only,
            }),
        }))
    };
    // Statements whose effect pgsqlite would lose (refused unless the session skips them).
    let skip = |tag: &'static str, why: &'static str| skipped(tag, why, false);
    // Comments, privileges and owners: nothing a SQLite database could keep.
    let note = |tag: &'static str, why: &'static str| skipped(tag, why, true);
    if first.is_keyword("comment") && word(1, "on") {
        return note("COMMENT", "SQLite keeps no comments");
    }
    if first.is_keyword("grant") || first.is_keyword("revoke") {
        let tag = if first.is_keyword("grant") {
            "GRANT"
        } else {
            "REVOKE"
        };
        return note(tag, "SQLite has no roles or privileges");
    }
    if first.is_keyword("alter") && tokens.iter().any(|t| t.is_keyword("owner")) {
        let owner = tokens.iter().position(|t| t.is_keyword("owner"))?;
        if word(owner + 1, "to") && owner + 3 == tokens.len() {
            return note(alter_tag(tokens)?, "SQLite has no roles");
        }
    }
    if first.is_keyword("alter") && word(1, "table") {
        return alter_table(tokens, &skip);
    }
    if first.is_keyword("create") {
        return index_using_btree(statement, tokens);
    }
    None
}

/// The first line of `statement`, cut at 100 characters: what the warning names.
fn head(statement: &str) -> String {
    let line = statement
        .trim_start()
        .lines()
        .next()
        .unwrap_or("")
        .trim_end();
    let line = line.strip_suffix(';').unwrap_or(line);
    match line.char_indices().nth(100) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line.to_string(),
    }
}

/// The command tag of `ALTER <kind> ...`.
fn alter_tag(tokens: &[Token<'_>]) -> Option<&'static str> {
    let kind = tokens.get(1)?;
    Some(if kind.is_keyword("table") {
        "ALTER TABLE"
    } else if kind.is_keyword("sequence") {
        "ALTER SEQUENCE"
    } else if kind.is_keyword("view") {
        "ALTER VIEW"
    } else if kind.is_keyword("index") {
        "ALTER INDEX"
    } else if kind.is_keyword("function") {
        "ALTER FUNCTION"
    } else if kind.is_keyword("schema") {
        "ALTER SCHEMA"
    } else if kind.is_keyword("type") {
        "ALTER TYPE"
    } else if kind.is_keyword("database") {
        "ALTER DATABASE"
    } else {
        return None;
    })
}

/// `ALTER TABLE [ONLY] t ALTER [COLUMN] c ADD GENERATED ...`. (Defaults, `NOT NULL`,
/// types and foreign keys are [`alter`](super::alter)'s.)
fn alter_table(
    tokens: &[Token<'_>],
    skip: &dyn Fn(&'static str, &'static str) -> Option<Rewrite>,
) -> Option<Rewrite> {
    let mut at = 2;
    if tokens.get(at)?.is_keyword("only") {
        at += 1;
    }
    // The table name, maybe schema-qualified.
    let mut table = at;
    at += 1;
    if tokens.get(at).is_some_and(|t| t.kind == TokenKind::Dot) {
        table = at + 1;
        at += 2;
    }
    let word = |i: usize, w: &str| tokens.get(i).is_some_and(|t| t.is_keyword(w));
    if word(at, "alter") {
        at += 1;
        if word(at, "column") {
            at += 1;
        }
        let column = at;
        at += 1;
        if word(at, "add") && word(at + 1, "generated") {
            let skipped = skip(
                "ALTER TABLE",
                "SQLite cannot make an existing column an identity column \
                 (its sequence is created)",
            );
            return Some(identity_sequence(tokens, table, column, skipped?));
        }
        return None;
    }
    None
}

/// `ADD GENERATED ... AS IDENTITY [(SEQUENCE NAME s options)]`: the column stays as it
/// is (`skipped` says so), but its sequence is created, so that pg_dump's later
/// `setval` restores the sequence's value.
fn identity_sequence(
    tokens: &[Token<'_>],
    table: usize,
    column: usize,
    skipped: Rewrite,
) -> Rewrite {
    let Rewrite::Steps(mut steps) = skipped else {
        return skipped;
    };
    let name_of = |t: &Token<'_>| super::lexer::identifier_name(t);
    let mut name = match (tokens.get(table), tokens.get(column)) {
        (Some(t), Some(c)) => format!("{}_{}_seq", name_of(t), name_of(c)),
        _ => return Rewrite::Steps(steps),
    };
    let mut options: Vec<&str> = Vec::new();
    if let Some(open) = tokens.iter().position(|t| t.kind == TokenKind::LParen)
        && let Some(close) = super::lexer::matching_close(tokens, open)
    {
        let mut inner = &tokens[open + 1..close];
        if inner.len() >= 3 && inner[0].is_keyword("sequence") && inner[1].is_keyword("name") {
            let mut last = 2;
            while inner
                .get(last + 1)
                .is_some_and(|t| t.kind == TokenKind::Dot)
            {
                last += 2;
            }
            name = name_of(&inner[last.min(inner.len() - 1)]);
            inner = &inner[(last + 1).min(inner.len())..];
        }
        options = inner.iter().map(|t| t.text).collect();
    }
    let create = format!(
        "CREATE SEQUENCE {} {}",
        super::sequence::quote(&name),
        options.join(" ")
    );
    if let Some(Ok(Rewrite::Steps(sequence))) = super::sequence::rewrite(&create) {
        steps.statements = sequence.statements;
        steps.changes_schema = true;
    }
    Rewrite::Steps(steps)
}

/// `CREATE [UNIQUE] INDEX ... ON t USING btree (...)`: without `USING btree`.
fn index_using_btree(statement: &str, tokens: &[Token<'_>]) -> Option<Rewrite> {
    let index = tokens.iter().take(3).position(|t| t.is_keyword("index"))?;
    let using = tokens
        .iter()
        .skip(index)
        .position(|t| t.is_keyword("using"))?
        + index;
    if !tokens.get(using - 1)?.is_identifier()
        || !tokens.get(using + 1)?.is_keyword("btree")
        || tokens.get(using + 2)?.kind != TokenKind::LParen
        || !tokens[..using].iter().any(|t| t.is_keyword("on"))
    {
        return None;
    }
    let mut text = String::with_capacity(statement.len());
    text.push_str(&statement[..tokens[using].start]);
    text.push_str(&statement[tokens[using + 2].start..]);
    Some(Rewrite::Text(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::significant;

    /// The significant tokens of `statement` without trailing semicolons.
    fn tokens(statement: &str) -> Vec<Token<'_>> {
        let mut tokens: Vec<Token<'_>> = significant(statement).collect();
        while tokens
            .last()
            .is_some_and(|t| t.kind == TokenKind::Semicolon)
        {
            tokens.pop();
        }
        tokens
    }

    fn run(sql: &str) -> Option<Rewrite> {
        rewrite(sql, &tokens(sql))
    }

    fn skipped(sql: &str) -> (&'static str, String) {
        match run(sql) {
            Some(Rewrite::Steps(Steps {
                statements,
                tag,
                skipped: Some(skipped),
                ..
            })) if statements.is_empty() => (tag, skipped.statement),
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn pg_dump_statements_sqlite_cannot_honour_are_skipped() {
        assert_eq!(
            skipped("COMMENT ON TABLE public.customers IS 'people who buy';"),
            (
                "COMMENT",
                "COMMENT ON TABLE public.customers IS 'people who buy'".into()
            )
        );
        assert_eq!(
            skipped("ALTER TABLE public.t OWNER TO alice;").0,
            "ALTER TABLE"
        );
        assert_eq!(skipped("GRANT ALL ON TABLE t TO bob").0, "GRANT");
    }

    #[test]
    fn an_identity_added_later_is_skipped_but_its_sequence_is_created() {
        match run(
            "ALTER TABLE public.o ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (\n    SEQUENCE NAME public.o_id_seq\n    START WITH 5\n);",
        ) {
            Some(Rewrite::Steps(Steps {
                statements,
                skipped: Some(skipped),
                ..
            })) => {
                assert!(
                    statements[0].starts_with("CREATE TABLE \"o_id_seq\""),
                    "{statements:?}"
                );
                assert!(statements[0].contains("START WITH 5"), "{statements:?}");
                assert!(!skipped.metadata_only);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn statements_sqlite_runs_are_left_alone() {
        assert!(run("SELECT pg_catalog.setval('public.s', 2000, true)").is_none());
        assert!(run("ALTER TABLE t ADD COLUMN c int").is_none());
        assert!(run("ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id)").is_none());
        assert!(run("ALTER TABLE t RENAME TO u").is_none());
        assert!(run("ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT 1").is_none());
        assert!(
            run("ALTER TABLE ONLY o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES c(id)").is_none()
        );
        assert!(run("CREATE TABLE t (a int)").is_none());
    }

    #[test]
    fn index_loses_using_btree() {
        match run("CREATE UNIQUE INDEX o_cp ON public.o USING btree (customer_id, placed);") {
            Some(Rewrite::Text(text)) => {
                assert_eq!(
                    text,
                    "CREATE UNIQUE INDEX o_cp ON public.o (customer_id, placed);"
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(run("CREATE INDEX i ON t USING gin (a)").is_none());
    }
}
