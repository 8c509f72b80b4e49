//! Text the PostgreSQL dialect rejects goes to SQLite as written: SQLite's own syntax
//! (`PRAGMA`, `INSERT OR REPLACE`, its functions) works through pgsqlite untouched. The one
//! change is the parameters: PostgreSQL's `$n` becomes SQLite's `?n`, so that they still
//! bind by number (SQLite would number `$n` in order of first appearance).

use std::borrow::Cow;

use super::lexer::{TokenKind, tokenize};

/// `statement` for SQLite: `$n` parameters as `?n`, everything else as written.
pub fn sqlite_text(statement: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    for token in tokenize(statement) {
        if token.kind != TokenKind::Param {
            continue;
        }
        let text = out.get_or_insert_with(|| String::with_capacity(statement.len()));
        let start = token.start;
        text.push_str(&statement[copied..start]);
        text.push('?');
        text.push_str(&token.text[1..]);
        copied = start + token.text.len();
    }
    match out {
        Some(mut text) => {
            text.push_str(&statement[copied..]);
            Cow::Owned(text)
        }
        None => Cow::Borrowed(statement),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_parameters_change() {
        assert_eq!(
            sqlite_text("INSERT OR REPLACE INTO t VALUES ($2, '$1', $1) -- $3"),
            "INSERT OR REPLACE INTO t VALUES (?2, '$1', ?1) -- $3"
        );
        assert!(matches!(
            sqlite_text("PRAGMA journal_mode = WAL"),
            Cow::Borrowed("PRAGMA journal_mode = WAL")
        ));
    }
}
