//! The COPY statement: what is copied, which way, to or from where, and with which
//! options, read with the shared lexer.
//!
//! Both option syntaxes are accepted: the parenthesized list
//! (`COPY t FROM STDIN (FORMAT csv, HEADER MATCH)`) and the older keywords that psql's
//! `\copy` and pg_dump still emit (`COPY t (a, b) FROM stdin;`,
//! `COPY t TO STDOUT WITH CSV HEADER`, `COPY BINARY t FROM STDIN`). Options are only
//! collected here; [`CopyOptions::new`](crate::copy::CopyOptions::new) checks them.

use super::lexer::{Token, TokenKind, identifier_name, matching_close, significant, string_value};
use crate::copy::{OptionValue, RawOption};
use crate::error::{PgError, SqlState};

/// What a COPY reads from or writes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CopySource {
    /// A table, with the listed columns (empty: all of them, in order).
    Table {
        /// The table name (a `public.` qualifier is dropped).
        name: String,
        /// The columns named in the statement.
        columns: Vec<String>,
    },
    /// `COPY (query) TO ...`: the query's text.
    Query(String),
}

/// Where the data goes to or comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CopyEndpoint {
    /// STDIN / STDOUT: the client, through CopyData messages.
    Client,
    /// A file on the server.
    File(String),
    /// A program the server would run.
    Program(String),
}

/// A parsed COPY statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyStatement {
    /// The table or query.
    pub source: CopySource,
    /// True for COPY FROM (data into a table), false for COPY TO.
    pub from: bool,
    /// STDIN/STDOUT, a file or a program.
    pub endpoint: CopyEndpoint,
    /// The options as written.
    pub options: Vec<RawOption>,
    /// True if a `WHERE` clause follows (COPY FROM only).
    pub has_where: bool,
}

/// Reads COPY statements from significant tokens.
struct Parser<'a> {
    sql: &'a str,
    tokens: Vec<Token<'a>>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.at)
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_keyword(keyword)) {
            self.at += 1;
            return true;
        }
        false
    }

    fn eat(&mut self, kind: TokenKind) -> bool {
        if self.peek().is_some_and(|t| t.kind == kind) {
            self.at += 1;
            return true;
        }
        false
    }

    /// The 1-based character position of the current token.
    fn position(&self) -> Option<u32> {
        let token = self.peek()?;
        u32::try_from(self.sql[..token.start].chars().count() + 1).ok()
    }

    /// `syntax error at or near "..."` at the current token (or at end of input).
    fn error(&self) -> PgError {
        match self.peek() {
            Some(t) => {
                let position = self.sql[..t.start].chars().count() + 1;
                PgError::new(
                    SqlState::SYNTAX_ERROR,
                    format!("syntax error at or near \"{}\"", t.text),
                )
                .with_position(u32::try_from(position).unwrap_or(u32::MAX))
            }
            None => {
                let position = self.sql.trim_end().chars().count() + 1;
                PgError::new(SqlState::SYNTAX_ERROR, "syntax error at end of input")
                    .with_position(u32::try_from(position).unwrap_or(u32::MAX))
            }
        }
    }

    fn identifier(&mut self) -> Result<String, PgError> {
        match self.peek() {
            Some(t) if t.is_identifier() => {
                let name = identifier_name(t);
                self.at += 1;
                Ok(name)
            }
            _ => Err(self.error()),
        }
    }

    fn string(&mut self) -> Result<String, PgError> {
        match self.peek().and_then(string_value) {
            Some(value) => {
                self.at += 1;
                Ok(value)
            }
            None => Err(self.error()),
        }
    }

    /// `( name [, ...] )`, the opening parenthesis already consumed.
    fn name_list(&mut self) -> Result<Vec<String>, PgError> {
        let mut names = Vec::new();
        loop {
            names.push(self.identifier()?);
            if self.eat(TokenKind::RParen) {
                return Ok(names);
            }
            if !self.eat(TokenKind::Comma) {
                return Err(self.error());
            }
        }
    }

    /// A table name, possibly qualified by `public`.
    fn table_name(&mut self) -> Result<String, PgError> {
        let first = self.identifier()?;
        if !self.eat(TokenKind::Dot) {
            return Ok(first);
        }
        let second = self.identifier()?;
        if first == "public" {
            Ok(second)
        } else {
            Err(PgError::new(
                SqlState::UNDEFINED_TABLE,
                format!("relation \"{first}.{second}\" does not exist"),
            ))
        }
    }

    /// `( option [value] [, ...] )`, the opening parenthesis already consumed.
    fn option_list(&mut self, options: &mut Vec<RawOption>) -> Result<(), PgError> {
        loop {
            let position = self.position();
            let name = match self.peek() {
                Some(t) if t.kind == TokenKind::Ident => identifier_name(t),
                _ => return Err(self.error()),
            };
            self.at += 1;
            let value = match self.peek() {
                Some(t) if t.kind == TokenKind::Comma || t.kind == TokenKind::RParen => {
                    OptionValue::Bare
                }
                Some(t) if t.is_operator("*") => {
                    self.at += 1;
                    OptionValue::Star
                }
                Some(t) if t.kind == TokenKind::LParen => {
                    self.at += 1;
                    OptionValue::List(self.name_list()?)
                }
                Some(t) if t.is_string() => OptionValue::Word(self.string()?),
                Some(t) if t.kind == TokenKind::Ident || t.kind == TokenKind::Number => {
                    let text = if t.kind == TokenKind::Ident {
                        identifier_name(t)
                    } else {
                        t.text.to_string()
                    };
                    self.at += 1;
                    OptionValue::Word(text)
                }
                Some(t) if t.kind == TokenKind::QuotedIdent => {
                    OptionValue::Word(self.identifier()?)
                }
                _ => return Err(self.error()),
            };
            options.push(RawOption {
                name,
                value,
                position,
            });
            if self.eat(TokenKind::RParen) {
                return Ok(());
            }
            if !self.eat(TokenKind::Comma) {
                return Err(self.error());
            }
        }
    }

    /// The pre-9.0 option keywords, in any order, until the end of the statement.
    fn legacy_options(&mut self, options: &mut Vec<RawOption>) -> Result<(), PgError> {
        loop {
            let position = self.position();
            let word = |name: &str, value: OptionValue| RawOption {
                name: name.to_string(),
                value,
                position,
            };
            let Some(token) = self.peek().copied() else {
                return Ok(());
            };
            if token.kind != TokenKind::Ident {
                return Ok(());
            }
            let keyword = token.text.to_ascii_lowercase();
            match keyword.as_str() {
                "binary" | "csv" => {
                    self.at += 1;
                    options.push(word("format", OptionValue::Word(keyword)));
                }
                "header" | "freeze" => {
                    self.at += 1;
                    options.push(word(&keyword, OptionValue::Bare));
                }
                "delimiter" | "null" | "quote" | "escape" | "encoding" => {
                    self.at += 1;
                    self.eat_keyword("as");
                    let value = self.string()?;
                    options.push(word(&keyword, OptionValue::Word(value)));
                }
                "force" => {
                    self.at += 1;
                    if self.eat_keyword("quote") {
                        let value = if self.peek().is_some_and(|t| t.is_operator("*")) {
                            self.at += 1;
                            OptionValue::Star
                        } else {
                            OptionValue::List(self.bare_name_list()?)
                        };
                        options.push(word("force_quote", value));
                    } else if self.eat_keyword("not") {
                        if !self.eat_keyword("null") {
                            return Err(self.error());
                        }
                        let names = self.bare_name_list()?;
                        options.push(word("force_not_null", OptionValue::List(names)));
                    } else if self.eat_keyword("null") {
                        let names = self.bare_name_list()?;
                        options.push(word("force_null", OptionValue::List(names)));
                    } else {
                        return Err(self.error());
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// `name [, ...]` without parentheses (legacy FORCE QUOTE / FORCE NOT NULL).
    fn bare_name_list(&mut self) -> Result<Vec<String>, PgError> {
        let mut names = vec![self.identifier()?];
        while self.eat(TokenKind::Comma) {
            names.push(self.identifier()?);
        }
        Ok(names)
    }
}

impl CopyStatement {
    /// Parses one COPY statement (without a trailing semicolon, or with one).
    pub fn parse(sql: &str) -> Result<CopyStatement, PgError> {
        let mut p = Parser {
            sql,
            tokens: significant(sql).collect(),
            at: 0,
        };
        while p
            .tokens
            .last()
            .is_some_and(|t| t.kind == TokenKind::Semicolon)
        {
            p.tokens.pop();
        }
        if !p.eat_keyword("copy") {
            return Err(p.error());
        }
        let mut options = Vec::new();
        let position = p.position();
        if p.eat_keyword("binary") {
            options.push(RawOption {
                name: "format".to_string(),
                value: OptionValue::Word("binary".to_string()),
                position,
            });
        }
        let source = if p.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
            let open = p.at;
            let close = matching_close(&p.tokens, open).ok_or_else(|| {
                p.at = p.tokens.len();
                p.error()
            })?;
            let start = p.tokens[open].end();
            let end = p.tokens[close].start;
            p.at = close + 1;
            CopySource::Query(sql[start..end].trim().to_string())
        } else {
            let name = p.table_name()?;
            let columns = if p.eat(TokenKind::LParen) {
                p.name_list()?
            } else {
                Vec::new()
            };
            CopySource::Table { name, columns }
        };
        let from = if p.eat_keyword("from") {
            true
        } else if p.eat_keyword("to") {
            false
        } else {
            return Err(p.error());
        };
        if from && matches!(source, CopySource::Query(_)) {
            p.at -= 1;
            return Err(p.error());
        }
        let endpoint = if p.eat_keyword("stdin") || p.eat_keyword("stdout") {
            CopyEndpoint::Client
        } else if p.eat_keyword("program") {
            CopyEndpoint::Program(p.string()?)
        } else {
            CopyEndpoint::File(p.string()?)
        };
        // `WITH (...)`, `(...)`, `WITH CSV HEADER`, `CSV HEADER`.
        let with = p.eat_keyword("with");
        if p.eat(TokenKind::LParen) {
            p.option_list(&mut options)?;
        } else {
            p.legacy_options(&mut options)?;
            if with && options.is_empty() && p.peek().is_none() {
                return Err(p.error());
            }
        }
        let has_where = p.peek().is_some_and(|t| t.is_keyword("where"));
        if has_where {
            if !from {
                return Err(p.error());
            }
            p.at = p.tokens.len();
        }
        if p.peek().is_some() {
            return Err(p.error());
        }
        Ok(CopyStatement {
            source,
            from,
            endpoint,
            options,
            has_where,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(name: &str, value: &str) -> RawOption {
        RawOption {
            name: name.to_string(),
            value: OptionValue::Word(value.to_string()),
            position: None,
        }
    }

    /// Options without their positions.
    fn plain(options: &[RawOption]) -> Vec<RawOption> {
        options
            .iter()
            .map(|o| RawOption {
                position: None,
                ..o.clone()
            })
            .collect()
    }

    #[test]
    fn table_forms() {
        let s = CopyStatement::parse("COPY t (a, \"B\") FROM stdin;").unwrap();
        assert_eq!(
            s.source,
            CopySource::Table {
                name: "t".into(),
                columns: vec!["a".into(), "B".into()]
            }
        );
        assert!(s.from);
        assert_eq!(s.endpoint, CopyEndpoint::Client);
        assert!(s.options.is_empty());
        let s = CopyStatement::parse("copy public.t to stdout").unwrap();
        assert!(!s.from);
        assert!(matches!(s.source, CopySource::Table { ref name, .. } if name == "t"));
    }

    #[test]
    fn query_form_keeps_the_query_text() {
        let s = CopyStatement::parse("COPY (SELECT a, (b) FROM t) TO STDOUT (FORMAT csv)").unwrap();
        assert_eq!(s.source, CopySource::Query("SELECT a, (b) FROM t".into()));
        assert_eq!(plain(&s.options), vec![word("format", "csv")]);
        let e = CopyStatement::parse("copy (select 1) from stdin").unwrap_err();
        assert_eq!(e.message, "syntax error at or near \"from\"");
        assert_eq!(e.position, Some(17));
    }

    #[test]
    fn option_list() {
        let s = CopyStatement::parse(
            "COPY t FROM STDIN WITH (FORMAT csv, HEADER MATCH, DELIMITER ';', NULL 'x', \
             FORCE_NULL (a, b), FREEZE, ENCODING 'UTF8')",
        )
        .unwrap();
        assert_eq!(s.options.len(), 7);
        assert_eq!(plain(&s.options)[1], word("header", "match"));
        assert_eq!(
            s.options[4].value,
            OptionValue::List(vec!["a".into(), "b".into()])
        );
        assert_eq!(s.options[5].value, OptionValue::Bare);
        let s = CopyStatement::parse("COPY t TO STDOUT (FORCE_QUOTE *, HEADER true)").unwrap();
        assert_eq!(s.options[0].value, OptionValue::Star);
        assert_eq!(plain(&s.options)[1], word("header", "true"));
    }

    #[test]
    fn legacy_options() {
        let s = CopyStatement::parse("COPY t TO STDOUT WITH CSV HEADER").unwrap();
        assert_eq!(
            plain(&s.options),
            vec![
                word("format", "csv"),
                RawOption {
                    name: "header".into(),
                    value: OptionValue::Bare,
                    position: None,
                }
            ]
        );
        let s = CopyStatement::parse("COPY BINARY t FROM STDIN").unwrap();
        assert_eq!(plain(&s.options), vec![word("format", "binary")]);
        let s = CopyStatement::parse(
            "COPY t FROM STDIN DELIMITER AS '|' NULL AS '' CSV QUOTE AS '''' FORCE NOT NULL a, b",
        )
        .unwrap();
        assert_eq!(plain(&s.options)[0], word("delimiter", "|"));
        assert_eq!(plain(&s.options)[3], word("quote", "'"));
        assert_eq!(
            s.options[4].value,
            OptionValue::List(vec!["a".into(), "b".into()])
        );
        let s = CopyStatement::parse("COPY t TO STDOUT CSV FORCE QUOTE *").unwrap();
        assert_eq!(s.options[1].value, OptionValue::Star);
    }

    #[test]
    fn endpoints_and_errors() {
        let s = CopyStatement::parse("COPY t FROM '/tmp/x'").unwrap();
        assert_eq!(s.endpoint, CopyEndpoint::File("/tmp/x".into()));
        let s = CopyStatement::parse("COPY t TO PROGRAM 'cat'").unwrap();
        assert_eq!(s.endpoint, CopyEndpoint::Program("cat".into()));
        let s = CopyStatement::parse("COPY t FROM STDIN WHERE a > 1").unwrap();
        assert!(s.has_where);
        assert!(CopyStatement::parse("COPY t").is_err());
        assert!(CopyStatement::parse("COPY t FROM STDIN garbage").is_err());
        assert!(CopyStatement::parse("COPY t FROM STDIN (FORMAT").is_err());
        let e = CopyStatement::parse("COPY s.t FROM STDIN").unwrap_err();
        assert_eq!(e.code, SqlState::UNDEFINED_TABLE);
    }
}
