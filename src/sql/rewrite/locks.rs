//! Row-locking clauses: `FOR UPDATE`, `FOR NO KEY UPDATE`, `FOR SHARE`, `FOR KEY SHARE`.
//!
//! SQLite has no row locks and no syntax for them. The clause is dropped, and the
//! session takes the database's write lock before such a statement runs inside a
//! transaction (see [`Executor::reserve_write`](crate::executor::Executor::reserve_write)):
//! no other session writes until the transaction ends, which is at least what
//! PostgreSQL's row locks promise.

use crate::sql::lexer::{Token, significant};
use sqlparser::ast::{Query, Statement, VisitMut, VisitorMut};
use std::ops::ControlFlow;

/// `FOR NO KEY UPDATE` and `FOR KEY SHARE` as `FOR UPDATE` and `FOR SHARE`, the
/// strengths the parser knows (all take the same write lock here). The words become
/// blanks, so every other byte keeps its offset (error positions stay right). `None`
/// if the text has neither.
pub fn plain_lock_strengths(text: &str) -> Option<String> {
    let tokens: Vec<Token<'_>> = significant(text).collect();
    let mut blanks = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if !token.is_keyword("for") {
            continue;
        }
        let words = |n: usize, expected: &[&str]| {
            tokens
                .get(i + 1..i + 1 + n)
                .is_some_and(|ts| ts.iter().zip(expected).all(|(t, w)| t.is_keyword(w)))
        };
        if words(3, &["no", "key", "update"]) {
            blanks.push(tokens[i + 1].start..tokens[i + 2].end());
        } else if words(2, &["key", "share"]) {
            blanks.push(tokens[i + 1].start..tokens[i + 1].end());
        }
    }
    if blanks.is_empty() {
        return None;
    }
    let mut out = text.to_string();
    for span in blanks {
        out.replace_range(span.clone(), &" ".repeat(span.len()));
    }
    Some(out)
}

/// Removes every row-locking clause from `statement`; true if there was one.
pub fn take_row_locks(statement: &mut Statement) -> bool {
    let mut locks = Locks(false);
    let _ = statement.visit(&mut locks);
    locks.0
}

struct Locks(bool);

impl VisitorMut for Locks {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if !query.locks.is_empty() {
            query.locks.clear();
            self.0 = true;
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn taken(sql: &str) -> (bool, String) {
        let mut statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .pop()
            .unwrap();
        let locked = take_row_locks(&mut statement);
        (locked, statement.to_string())
    }

    #[test]
    fn locking_clauses_are_dropped() {
        for sql in [
            "SELECT v FROM t WHERE id = 1 FOR UPDATE",
            "SELECT v FROM t WHERE id = 1 FOR SHARE",
            "SELECT v FROM t WHERE id = 1 FOR UPDATE OF t NOWAIT",
            "SELECT v FROM t WHERE id = 1 FOR UPDATE SKIP LOCKED",
        ] {
            assert_eq!(
                taken(sql),
                (true, "SELECT v FROM t WHERE id = 1".to_string()),
                "{sql}"
            );
        }
        assert_eq!(
            taken("SELECT v FROM t"),
            (false, "SELECT v FROM t".to_string())
        );
    }

    #[test]
    fn every_strength_parses() {
        assert_eq!(
            plain_lock_strengths("SELECT 1 FOR NO KEY UPDATE").as_deref(),
            Some("SELECT 1 FOR        UPDATE")
        );
        assert_eq!(
            plain_lock_strengths("select 1 for key share of t").as_deref(),
            Some("select 1 for     share of t")
        );
        assert_eq!(plain_lock_strengths("SELECT 'for key share'"), None);
        assert_eq!(plain_lock_strengths("SELECT 1 FOR UPDATE"), None);
    }
}
