//! Classifies a statement (transaction control, session commands, or SQL for SQLite) and
//! computes the CommandComplete tag of statements that SQLite runs.

use std::borrow::Cow;

use super::lexer::{Token, TokenKind, identifier_name, significant, string_value};

/// What a statement asks the server to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `BEGIN [WORK|TRANSACTION] [modes]`, `START TRANSACTION [modes]`; `start` tells
    /// the second spelling, whose command tag is `START TRANSACTION`.
    Begin {
        /// Spelled `START TRANSACTION`.
        start: bool,
        /// The transaction modes as lower-cased words (`isolation level serializable,
        /// read only`); `None` if there are none. SQLite's own `DEFERRED`, `IMMEDIATE`
        /// and `EXCLUSIVE` are accepted and left out.
        modes: Option<String>,
    },
    /// `COMMIT`/`END [WORK|TRANSACTION] [AND [NO] CHAIN]`.
    Commit,
    /// `ROLLBACK`/`ABORT [WORK|TRANSACTION] [AND [NO] CHAIN]`.
    Rollback,
    /// `SAVEPOINT name` (unquoted names lower-cased, quoted ones as written).
    Savepoint(String),
    /// `RELEASE [SAVEPOINT] name`.
    Release(String),
    /// `ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name`.
    RollbackTo(String),
    /// A `SET` of a run-time parameter.
    Set {
        /// Parameter name, lower-cased (`SET TIME ZONE` gives `timezone`, `SET NAMES`
        /// `client_encoding`, `SET [SESSION CHARACTERISTICS AS] TRANSACTION ...`
        /// `transaction_characteristics`, `SET ROLE` `role`, `SET SCHEMA` `search_path`,
        /// `SET SESSION AUTHORIZATION` `session_authorization`).
        name: String,
        /// The value; `None` for `DEFAULT` (and `LOCAL` in `SET TIME ZONE LOCAL`). List
        /// items are joined with `", "`; string constants lose their quotes and keep their
        /// case; unquoted words are lower-cased, as PostgreSQL does.
        value: Option<String>,
        /// `SET LOCAL` (also `SET TRANSACTION`, which lasts for the transaction only).
        local: bool,
    },
    /// `SHOW name`; `SHOW ALL` gives `all`, `SHOW TIME ZONE` `timezone`,
    /// `SHOW TRANSACTION ISOLATION LEVEL` `transaction_isolation`.
    Show(String),
    /// `RESET name`; `None` for `RESET ALL`.
    Reset(Option<String>),
    /// `DISCARD ALL|PLANS|SEQUENCES|TEMP`.
    Discard,
    /// `DEALLOCATE [PREPARE] name`; `None` for `ALL`.
    Deallocate(Option<String>),
    /// `LISTEN channel`.
    Listen,
    /// `UNLISTEN channel|*`.
    Unlisten,
    /// `NOTIFY channel [, payload]`.
    Notify,
    /// `COPY ...`.
    Copy,
    /// Anything else: SQL for SQLite.
    Statement(StatementKind),
}

/// The kind of a statement handed to SQLite, by its main verb (after any `WITH` list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatementKind {
    /// `SELECT ...` or `TABLE name`.
    Select,
    /// `INSERT ...` or SQLite's `REPLACE INTO ...`.
    Insert,
    /// `UPDATE ...`.
    Update,
    /// `DELETE ...`.
    Delete,
    /// `VALUES (...)`.
    Values,
    /// Everything else (DDL, `PRAGMA`, `EXPLAIN`, ...).
    Other,
}

/// Lower-cases an ASCII keyword into `buf`; `""` if it does not fit (no keyword is that long).
fn lower<'b>(word: &str, buf: &'b mut [u8; 24]) -> &'b str {
    let Some(dst) = buf.get_mut(..word.len()) else {
        return "";
    };
    dst.copy_from_slice(word.as_bytes());
    dst.make_ascii_lowercase();
    std::str::from_utf8(dst).unwrap_or("")
}

/// Finds the main verb of a statement from its significant tokens (paired with any index
/// the caller likes): leading `(` are skipped, and after `WITH [RECURSIVE]` the CTE list is
/// passed over to the first `SELECT`/`INSERT`/`UPDATE`/`DELETE`/`VALUES`/`TABLE`/`REPLACE`/
/// `MERGE` at parenthesis depth zero that is not a CTE name. Returns the first token as is
/// when there is no `WITH`.
pub(crate) fn main_verb<'a, I>(tokens: I) -> Option<(usize, Token<'a>)>
where
    I: IntoIterator<Item = (usize, Token<'a>)>,
{
    let mut iter = tokens.into_iter();
    let first = loop {
        let (i, t) = iter.next()?;
        if t.kind != TokenKind::LParen {
            break (i, t);
        }
    };
    if !first.1.is_keyword("with") {
        return Some(first);
    }
    let mut depth = 0usize;
    let mut after_separator = true;
    for (i, t) in iter {
        let before = depth;
        match t.kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => depth = depth.saturating_sub(1),
            TokenKind::Ident if depth == 0 && !after_separator && is_main_verb(&t) => {
                return Some((i, t));
            }
            _ => {}
        }
        if before == 0 || depth == 0 {
            after_separator = t.kind == TokenKind::Comma || t.is_keyword("recursive");
        }
    }
    None
}

fn is_main_verb(t: &Token<'_>) -> bool {
    t.is_any_keyword(&[
        "select", "insert", "update", "delete", "values", "table", "replace", "merge",
    ])
}

/// The statement kind of `statement` by its main verb.
pub fn statement_kind(statement: &str) -> StatementKind {
    let Some((_, verb)) = main_verb(significant(statement).enumerate()) else {
        return StatementKind::Other;
    };
    let mut buf = [0u8; 24];
    match lower(verb.text, &mut buf) {
        _ if verb.kind != TokenKind::Ident => StatementKind::Other,
        "select" | "table" => StatementKind::Select,
        "insert" | "replace" => StatementKind::Insert,
        "update" => StatementKind::Update,
        "delete" => StatementKind::Delete,
        "values" => StatementKind::Values,
        _ => StatementKind::Other,
    }
}

/// A cursor over significant tokens with the few look-ahead helpers the parsers need.
struct Cursor<'a, I: Iterator<Item = Token<'a>>> {
    iter: std::iter::Peekable<I>,
}

impl<'a, I: Iterator<Item = Token<'a>>> Cursor<'a, I> {
    fn next(&mut self) -> Option<Token<'a>> {
        self.iter.next()
    }

    fn peek(&mut self) -> Option<Token<'a>> {
        self.iter.peek().copied()
    }

    /// Consumes the next token if it is `keyword`.
    fn eat(&mut self, keyword: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_keyword(keyword)) {
            self.iter.next();
            true
        } else {
            false
        }
    }

    /// Consumes the next token if it is one of `keywords`.
    fn eat_any(&mut self, keywords: &[&str]) -> bool {
        if self.peek().is_some_and(|t| t.is_any_keyword(keywords)) {
            self.iter.next();
            true
        } else {
            false
        }
    }

    /// Nothing but an optional trailing `;` is left.
    fn at_end(&mut self) -> bool {
        self.peek().is_none_or(|t| t.kind == TokenKind::Semicolon)
    }

    /// An object name (identifier), normalised.
    fn name(&mut self) -> Option<String> {
        let t = self.peek()?;
        if !t.is_identifier() {
            return None;
        }
        self.iter.next();
        Some(identifier_name(&t))
    }

    /// A possibly dotted parameter name (`work_mem`, `myapp.user_id`), normalised.
    fn dotted_name(&mut self) -> Option<String> {
        let mut name = self.name()?;
        while self.peek().is_some_and(|t| t.kind == TokenKind::Dot) {
            self.iter.next();
            name.push('.');
            name.push_str(&self.name()?);
        }
        Some(name)
    }

    /// The rest of the statement as lower-cased words (`isolation level read committed`).
    fn rest_words(&mut self) -> Option<String> {
        let mut out = String::new();
        while let Some(t) = self.next() {
            match t.kind {
                TokenKind::Semicolon => break,
                TokenKind::Comma => out.push(','),
                _ => {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    match t.kind {
                        TokenKind::Ident => out.push_str(&t.text.to_ascii_lowercase()),
                        _ => out.push_str(t.text),
                    }
                }
            }
        }
        if out.is_empty() { None } else { Some(out) }
    }
}

impl Command {
    /// Classifies one statement (as produced by [`split_statements`](super::split_statements)).
    pub fn parse(statement: &str) -> Command {
        let mut c = Cursor {
            iter: significant(statement).peekable(),
        };
        let Some(first) = c.next() else {
            return Command::Statement(StatementKind::Other);
        };
        let other = || Command::Statement(statement_kind(statement));
        if first.kind != TokenKind::Ident {
            return other();
        }
        let mut buf = [0u8; 24];
        match lower(first.text, &mut buf) {
            "begin" => {
                c.eat_any(&["work", "transaction"]);
                c.eat_any(&["deferred", "immediate", "exclusive"]);
                Command::Begin {
                    start: false,
                    modes: c.rest_words(),
                }
            }
            "start" if c.eat("transaction") => Command::Begin {
                start: true,
                modes: c.rest_words(),
            },
            "commit" | "end" if !c.eat("prepared") => Command::Commit,
            "rollback" | "abort" => {
                if c.eat("prepared") {
                    return other();
                }
                c.eat_any(&["work", "transaction"]);
                if c.eat("to") {
                    c.eat("savepoint");
                    return c.name().map_or_else(other, Command::RollbackTo);
                }
                Command::Rollback
            }
            "savepoint" => c.name().map_or_else(other, Command::Savepoint),
            "release" => {
                c.eat("savepoint");
                c.name().map_or_else(other, Command::Release)
            }
            "set" => parse_set(&mut c).unwrap_or_else(other),
            "show" => parse_show(&mut c).map_or_else(other, Command::Show),
            "reset" => {
                if c.eat("all") {
                    Command::Reset(None)
                } else {
                    parse_show(&mut c).map_or_else(other, |n| Command::Reset(Some(n)))
                }
            }
            "discard" => Command::Discard,
            "deallocate" => {
                c.eat("prepare");
                if c.eat("all") {
                    Command::Deallocate(None)
                } else {
                    c.name()
                        .map_or_else(other, |n| Command::Deallocate(Some(n)))
                }
            }
            "listen" => Command::Listen,
            "unlisten" => Command::Unlisten,
            "notify" => Command::Notify,
            "copy" => Command::Copy,
            _ => other(),
        }
    }
}

/// The parameter name after `SHOW`/`RESET`, with PostgreSQL's multi-word spellings.
fn parse_show<'a, I: Iterator<Item = Token<'a>>>(c: &mut Cursor<'a, I>) -> Option<String> {
    let name = if c.eat("time") {
        if !c.eat("zone") {
            return None;
        }
        "timezone".to_owned()
    } else if c.peek().is_some_and(|t| t.is_keyword("transaction")) {
        c.next();
        if !(c.eat("isolation") && c.eat("level")) {
            return None;
        }
        "transaction_isolation".to_owned()
    } else if c.peek().is_some_and(|t| t.is_keyword("session")) {
        c.next();
        if !c.eat("authorization") {
            return None;
        }
        "session_authorization".to_owned()
    } else {
        c.dotted_name()?
    };
    c.at_end().then_some(name)
}

fn parse_set<'a, I: Iterator<Item = Token<'a>>>(c: &mut Cursor<'a, I>) -> Option<Command> {
    let set = |name: &str, value: Option<String>, local: bool| {
        Some(Command::Set {
            name: name.to_owned(),
            value,
            local,
        })
    };
    let mut local = false;
    if c.eat("session") {
        if c.eat("characteristics") {
            if !(c.eat("as") && c.eat("transaction")) {
                return None;
            }
            return set("transaction_characteristics", c.rest_words(), false);
        }
        if c.eat("authorization") {
            return set("session_authorization", set_value(c)?, false);
        }
    } else if c.eat("local") {
        local = true;
    }
    let head = c.peek()?;
    if head.is_keyword("time") {
        c.next();
        if !c.eat("zone") {
            return None;
        }
        if c.eat_any(&["local", "default"]) {
            return c.at_end().then(|| Command::Set {
                name: "timezone".to_owned(),
                value: None,
                local,
            });
        }
        return set("timezone", set_value(c)?, local);
    }
    if head.is_keyword("names") {
        c.next();
        return set("client_encoding", set_value(c)?, local);
    }
    if head.is_keyword("transaction") {
        c.next();
        return set("transaction_characteristics", c.rest_words(), true);
    }
    if head.is_keyword("role") {
        c.next();
        let value = set_value(c)?.filter(|v| v != "none");
        return set("role", value, local);
    }
    if head.is_keyword("schema") {
        c.next();
        return set("search_path", set_value(c)?, local);
    }
    let name = c.dotted_name()?;
    let assign = c.peek()?;
    if !(assign.is_keyword("to") || assign.is_operator("=")) {
        return None;
    }
    c.next();
    set(&name, set_value(c)?, local)
}

/// The value list of a `SET`: `Some(None)` for `DEFAULT`, `None` when there is no value.
fn set_value<'a, I: Iterator<Item = Token<'a>>>(c: &mut Cursor<'a, I>) -> Option<Option<String>> {
    if c.peek().is_some_and(|t| t.is_keyword("default")) {
        c.next();
        return c.at_end().then_some(None);
    }
    let mut out = String::new();
    let mut items = 0usize;
    loop {
        // One item: the tokens up to the next comma.
        let mut first: Option<Token<'a>> = None;
        let mut count = 0usize;
        let mut text = String::new();
        while let Some(t) = c.peek() {
            if matches!(t.kind, TokenKind::Comma | TokenKind::Semicolon) {
                break;
            }
            c.next();
            if first.is_none() {
                first = Some(t);
            }
            count += 1;
            if count > 1 {
                // A multi-token item (`-1`, `interval '1' hour`): words spaced, signs glued.
                let glue = text.ends_with(['-', '+']) && text.len() == 1;
                if !glue {
                    text.push(' ');
                }
            }
            text.push_str(&item_text(&t));
        }
        if count == 0 {
            return None;
        }
        if items > 0 {
            out.push_str(", ");
        }
        out.push_str(&text);
        items += 1;
        match c.next() {
            Some(t) if t.kind == TokenKind::Comma => continue,
            _ => break,
        }
    }
    Some(Some(out))
}

fn item_text(t: &Token<'_>) -> String {
    match t.kind {
        TokenKind::Ident | TokenKind::QuotedIdent => identifier_name(t),
        TokenKind::String | TokenKind::EscapeString | TokenKind::DollarString => {
            string_value(t).unwrap_or_else(|| t.text.to_owned())
        }
        _ => t.text.to_owned(),
    }
}

/// The CommandComplete tag of a statement handed to SQLite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandTag {
    /// `"SELECT"`, `"INSERT 0"`, `"UPDATE"`, `"DELETE"`, `"MERGE"` (all with a count), or a
    /// complete tag such as `"CREATE TABLE"`, `"DROP INDEX"`, `"PRAGMA"`.
    pub text: Cow<'static, str>,
    /// Whether the caller appends `" <row count>"`.
    pub with_count: bool,
}

impl CommandTag {
    const fn fixed(text: &'static str, with_count: bool) -> CommandTag {
        CommandTag {
            text: Cow::Borrowed(text),
            with_count,
        }
    }
}

/// Complete tags of the common one-word commands, so they need no allocation.
const ONE_WORD_TAGS: &[&str] = &[
    "ANALYZE",
    "ATTACH",
    "BEGIN",
    "CALL",
    "CHECKPOINT",
    "CLOSE",
    "COMMENT",
    "COPY",
    "DEALLOCATE",
    "DECLARE",
    "DETACH",
    "DO",
    "EXPLAIN",
    "FETCH",
    "GRANT",
    "LISTEN",
    "LOCK",
    "MOVE",
    "NOTIFY",
    "PRAGMA",
    "PREPARE",
    "REINDEX",
    "RELEASE",
    "RESET",
    "REVOKE",
    "SAVEPOINT",
    "SET",
    "SHOW",
    "TRUNCATE",
    "UNLISTEN",
    "VACUUM",
];

/// Complete `CREATE`/`DROP`/`ALTER` tags of the common object kinds.
const OBJECT_TAGS: &[&str] = &[
    "CREATE TABLE",
    "CREATE INDEX",
    "CREATE VIEW",
    "CREATE TRIGGER",
    "CREATE SCHEMA",
    "CREATE SEQUENCE",
    "CREATE FUNCTION",
    "CREATE TYPE",
    "CREATE EXTENSION",
    "CREATE MATERIALIZED VIEW",
    "DROP TABLE",
    "DROP INDEX",
    "DROP VIEW",
    "DROP TRIGGER",
    "DROP SCHEMA",
    "DROP SEQUENCE",
    "DROP FUNCTION",
    "DROP TYPE",
    "DROP EXTENSION",
    "DROP MATERIALIZED VIEW",
    "ALTER TABLE",
    "ALTER INDEX",
    "ALTER VIEW",
    "ALTER SEQUENCE",
];

/// The CommandComplete tag of a statement handed to SQLite: `SELECT`/`VALUES`/`TABLE` give
/// `"SELECT"`, `INSERT`/`REPLACE` `"INSERT 0"`, `UPDATE`, `DELETE` and `MERGE` themselves,
/// all with a count; `CREATE`/`DROP`/`ALTER` give the verb and object kind (`CREATE UNIQUE
/// INDEX` is `"CREATE INDEX"`, `CREATE VIRTUAL TABLE` `"CREATE TABLE"`); anything else its
/// first keyword upper-cased. Leading comments and parentheses are skipped and a `WITH`
/// list is looked past. An empty or keyword-less statement gives an empty tag.
pub fn command_tag(statement: &str) -> CommandTag {
    let mut tokens = significant(statement);
    let Some((_, verb)) = main_verb(tokens.by_ref().enumerate()) else {
        return CommandTag::fixed("", false);
    };
    if verb.kind != TokenKind::Ident {
        return CommandTag::fixed("", false);
    }
    let mut buf = [0u8; 24];
    match lower(verb.text, &mut buf) {
        "select" | "values" | "table" => CommandTag::fixed("SELECT", true),
        "insert" | "replace" => CommandTag::fixed("INSERT 0", true),
        "update" => CommandTag::fixed("UPDATE", true),
        "delete" => CommandTag::fixed("DELETE", true),
        "merge" => CommandTag::fixed("MERGE", true),
        "start" => CommandTag::fixed("START TRANSACTION", false),
        "end" | "commit" => CommandTag::fixed("COMMIT", false),
        "abort" | "rollback" => CommandTag::fixed("ROLLBACK", false),
        "discard" => match tokens.next() {
            Some(t) if t.is_keyword("all") => CommandTag::fixed("DISCARD ALL", false),
            Some(t) if t.is_keyword("plans") => CommandTag::fixed("DISCARD PLANS", false),
            Some(t) if t.is_keyword("sequences") => CommandTag::fixed("DISCARD SEQUENCES", false),
            Some(t) if t.is_any_keyword(&["temp", "temporary"]) => {
                CommandTag::fixed("DISCARD TEMP", false)
            }
            _ => CommandTag::fixed("DISCARD", false),
        },
        "create" | "drop" | "alter" => object_tag(verb.text, tokens),
        _ => match ONE_WORD_TAGS
            .iter()
            .find(|w| w.eq_ignore_ascii_case(verb.text))
        {
            Some(w) => CommandTag::fixed(w, false),
            None => CommandTag {
                text: Cow::Owned(verb.text.to_ascii_uppercase()),
                with_count: false,
            },
        },
    }
}

/// `CREATE`/`DROP`/`ALTER` + object kind, skipping the modifiers in between.
fn object_tag<'a>(verb: &str, mut tokens: impl Iterator<Item = Token<'a>>) -> CommandTag {
    const MODIFIERS: &[&str] = &[
        "temp",
        "temporary",
        "unique",
        "virtual",
        "or",
        "replace",
        "if",
        "not",
        "exists",
        "unlogged",
        "global",
        "local",
        "concurrently",
    ];
    let object = tokens.find(|t| !t.is_any_keyword(MODIFIERS));
    let Some(object) = object.filter(|t| t.kind == TokenKind::Ident) else {
        return CommandTag {
            text: Cow::Owned(verb.to_ascii_uppercase()),
            with_count: false,
        };
    };
    let second = if object.is_any_keyword(&["materialized", "foreign"]) {
        tokens
            .next()
            .filter(|t| t.kind == TokenKind::Ident)
            .map(|t| t.text)
    } else {
        None
    };
    let matches = |tag: &&str| {
        let mut words = tag.split(' ');
        words.next().is_some_and(|w| w.eq_ignore_ascii_case(verb))
            && words
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case(object.text))
            && match (words.next(), second) {
                (None, None) => true,
                (Some(w), Some(s)) => w.eq_ignore_ascii_case(s),
                _ => false,
            }
    };
    if let Some(tag) = OBJECT_TAGS.iter().copied().find(matches) {
        return CommandTag::fixed(tag, false);
    }
    let mut text = verb.to_ascii_uppercase();
    text.push(' ');
    text.push_str(&object.text.to_ascii_uppercase());
    if let Some(s) = second {
        text.push(' ');
        text.push_str(&s.to_ascii_uppercase());
    }
    CommandTag {
        text: Cow::Owned(text),
        with_count: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(name: &str, value: Option<&str>, local: bool) -> Command {
        Command::Set {
            name: name.into(),
            value: value.map(Into::into),
            local,
        }
    }

    #[test]
    fn transaction_control() {
        let begin = |start: bool, modes: Option<&str>| Command::Begin {
            start,
            modes: modes.map(str::to_string),
        };
        for (sql, modes) in [
            ("BEGIN", None),
            ("begin work", None),
            (
                "Begin Transaction Isolation Level Serializable, Read Only",
                Some("isolation level serializable, read only"),
            ),
            ("BEGIN DEFERRABLE;", Some("deferrable")),
            ("/* c */ begin -- x", None),
            ("BEGIN IMMEDIATE", None),
        ] {
            assert_eq!(Command::parse(sql), begin(false, modes), "{sql}");
        }
        assert_eq!(
            Command::parse("START TRANSACTION"),
            begin(true, None),
            "START TRANSACTION"
        );
        assert_eq!(
            Command::parse("start transaction isolation level repeatable read"),
            begin(true, Some("isolation level repeatable read")),
        );
        for sql in [
            "COMMIT",
            "commit work",
            "END",
            "end transaction",
            "COMMIT AND NO CHAIN",
        ] {
            assert_eq!(Command::parse(sql), Command::Commit, "{sql}");
        }
        for sql in [
            "ROLLBACK",
            "rollback work",
            "ABORT",
            "abort transaction",
            "ROLLBACK;",
        ] {
            assert_eq!(Command::parse(sql), Command::Rollback, "{sql}");
        }
        assert_eq!(
            Command::parse("COMMIT PREPARED 'x'"),
            Command::Statement(StatementKind::Other)
        );
        assert_eq!(
            Command::parse("start"),
            Command::Statement(StatementKind::Other)
        );
    }

    #[test]
    fn savepoints() {
        assert_eq!(
            Command::parse("SAVEPOINT Sp1"),
            Command::Savepoint("sp1".into())
        );
        assert_eq!(
            Command::parse(r#"savepoint "My SP""#),
            Command::Savepoint("My SP".into())
        );
        assert_eq!(
            Command::parse("RELEASE SAVEPOINT a"),
            Command::Release("a".into())
        );
        assert_eq!(Command::parse("release B"), Command::Release("b".into()));
        assert_eq!(
            Command::parse("ROLLBACK TO SAVEPOINT a"),
            Command::RollbackTo("a".into())
        );
        assert_eq!(
            Command::parse("rollback to X"),
            Command::RollbackTo("x".into())
        );
        assert_eq!(
            Command::parse("ROLLBACK /* c */ WORK TO SAVEPOINT \"Q\""),
            Command::RollbackTo("Q".into())
        );
        assert_eq!(
            Command::parse("abort transaction to s"),
            Command::RollbackTo("s".into())
        );
        assert_eq!(
            Command::parse("SAVEPOINT"),
            Command::Statement(StatementKind::Other)
        );
    }

    #[test]
    fn set_forms() {
        assert_eq!(
            Command::parse("SET search_path TO public"),
            set("search_path", Some("public"), false)
        );
        assert_eq!(
            Command::parse("set Search_Path = \"$user\", public"),
            set("search_path", Some("$user, public"), false)
        );
        assert_eq!(
            Command::parse("SET DateStyle = 'ISO, MDY'"),
            set("datestyle", Some("ISO, MDY"), false)
        );
        assert_eq!(
            Command::parse("SET datestyle TO ISO, MDY"),
            set("datestyle", Some("iso, mdy"), false)
        );
        assert_eq!(
            Command::parse("SET LOCAL statement_timeout = 1000"),
            set("statement_timeout", Some("1000"), true)
        );
        assert_eq!(
            Command::parse("SET SESSION extra_float_digits = -1"),
            set("extra_float_digits", Some("-1"), false)
        );
        assert_eq!(Command::parse("SET x TO DEFAULT"), set("x", None, false));
        assert_eq!(Command::parse("set x = default;"), set("x", None, false));
        assert_eq!(
            Command::parse("SET TIME ZONE 'UTC'"),
            set("timezone", Some("UTC"), false)
        );
        assert_eq!(
            Command::parse("SET LOCAL TIME ZONE LOCAL"),
            set("timezone", None, true)
        );
        assert_eq!(
            Command::parse("SET NAMES 'UTF8'"),
            set("client_encoding", Some("UTF8"), false)
        );
        assert_eq!(
            Command::parse(
                "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED"
            ),
            set(
                "transaction_characteristics",
                Some("isolation level read committed"),
                false
            )
        );
        assert_eq!(
            Command::parse("SET TRANSACTION READ ONLY, DEFERRABLE"),
            set(
                "transaction_characteristics",
                Some("read only, deferrable"),
                true
            )
        );
        assert_eq!(
            Command::parse("SET application_name = E'a\\tb'"),
            set("application_name", Some("a\tb"), false)
        );
        assert_eq!(
            Command::parse("SET /* c */ myapp.user_id -- x\n = '42'"),
            set("myapp.user_id", Some("42"), false)
        );
        assert_eq!(
            Command::parse("SET client_min_messages TO WARNING"),
            set("client_min_messages", Some("warning"), false)
        );
        assert_eq!(Command::parse("SET ROLE NONE"), set("role", None, false));
        assert_eq!(
            Command::parse("SET SCHEMA 'app'"),
            set("search_path", Some("app"), false)
        );
        assert_eq!(
            Command::parse("SET x"),
            Command::Statement(StatementKind::Other)
        );
        assert_eq!(
            Command::parse("SET x TO"),
            Command::Statement(StatementKind::Other)
        );
        assert_eq!(
            Command::parse("SET x TO a,"),
            Command::Statement(StatementKind::Other)
        );
    }

    #[test]
    fn show_reset_and_friends() {
        assert_eq!(
            Command::parse("SHOW server_version"),
            Command::Show("server_version".into())
        );
        assert_eq!(Command::parse("show ALL"), Command::Show("all".into()));
        assert_eq!(
            Command::parse("SHOW TIME ZONE"),
            Command::Show("timezone".into())
        );
        assert_eq!(
            Command::parse("show transaction isolation level;"),
            Command::Show("transaction_isolation".into())
        );
        assert_eq!(
            Command::parse("SHOW DateStyle"),
            Command::Show("datestyle".into())
        );
        assert_eq!(Command::parse("RESET ALL"), Command::Reset(None));
        assert_eq!(
            Command::parse("reset Work_Mem"),
            Command::Reset(Some("work_mem".into()))
        );
        assert_eq!(
            Command::parse("RESET TIME ZONE"),
            Command::Reset(Some("timezone".into()))
        );
        for sql in [
            "DISCARD ALL",
            "discard plans",
            "DISCARD SEQUENCES",
            "discard temp",
        ] {
            assert_eq!(Command::parse(sql), Command::Discard);
        }
        assert_eq!(
            Command::parse("DEALLOCATE s1"),
            Command::Deallocate(Some("s1".into()))
        );
        assert_eq!(
            Command::parse("deallocate prepare S1"),
            Command::Deallocate(Some("s1".into()))
        );
        assert_eq!(Command::parse("DEALLOCATE ALL"), Command::Deallocate(None));
        assert_eq!(Command::parse("LISTEN ch"), Command::Listen);
        assert_eq!(Command::parse("UNLISTEN *"), Command::Unlisten);
        assert_eq!(Command::parse("NOTIFY ch, 'x'"), Command::Notify);
        assert_eq!(Command::parse("COPY t FROM STDIN"), Command::Copy);
    }

    #[test]
    fn statements() {
        let kind = |sql| match Command::parse(sql) {
            Command::Statement(k) => k,
            other => panic!("{other:?}"),
        };
        assert_eq!(kind("select 1"), StatementKind::Select);
        assert_eq!(kind("(SELECT 1) UNION (SELECT 2)"), StatementKind::Select);
        assert_eq!(kind("TABLE t"), StatementKind::Select);
        assert_eq!(kind("values (1)"), StatementKind::Values);
        assert_eq!(kind("INSERT INTO t VALUES (1)"), StatementKind::Insert);
        assert_eq!(kind("replace into t values (1)"), StatementKind::Insert);
        assert_eq!(kind("update t set a = 1"), StatementKind::Update);
        assert_eq!(kind("DELETE FROM t"), StatementKind::Delete);
        assert_eq!(kind("CREATE TABLE t (a int)"), StatementKind::Other);
        assert_eq!(kind("PRAGMA foreign_keys"), StatementKind::Other);
        assert_eq!(kind(""), StatementKind::Other);
        assert_eq!(
            kind("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) DELETE FROM t"),
            StatementKind::Delete
        );
        assert_eq!(
            kind(
                "with a as (select 1), b as (insert into x values (1) returning *) select * from b"
            ),
            StatementKind::Select
        );
    }

    fn tag(sql: &str) -> (String, bool) {
        let t = command_tag(sql);
        (t.text.into_owned(), t.with_count)
    }

    #[test]
    fn tags_with_counts() {
        assert_eq!(tag("SELECT 1"), ("SELECT".into(), true));
        assert_eq!(tag("  /* x */ (select 1)"), ("SELECT".into(), true));
        assert_eq!(tag("VALUES (1), (2)"), ("SELECT".into(), true));
        assert_eq!(tag("table t"), ("SELECT".into(), true));
        assert_eq!(tag("insert into t values (1)"), ("INSERT 0".into(), true));
        assert_eq!(
            tag("INSERT OR REPLACE INTO t VALUES (1)"),
            ("INSERT 0".into(), true)
        );
        assert_eq!(tag("REPLACE INTO t VALUES (1)"), ("INSERT 0".into(), true));
        assert_eq!(tag("Update t set a = 1"), ("UPDATE".into(), true));
        assert_eq!(tag("delete from t"), ("DELETE".into(), true));
        assert_eq!(
            tag(
                "WITH RECURSIVE x(n) AS (SELECT 1 UNION SELECT n+1 FROM x WHERE n < 3) SELECT n FROM x"
            ),
            ("SELECT".into(), true)
        );
        assert_eq!(
            tag("with d as (delete from t returning *) insert into u select * from d"),
            ("INSERT 0".into(), true)
        );
        // The common tags do not allocate.
        assert!(matches!(command_tag("select 1").text, Cow::Borrowed(_)));
        assert!(matches!(
            command_tag("create table t (a int)").text,
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn tags_without_counts() {
        assert_eq!(
            tag("CREATE TABLE t (a int)"),
            ("CREATE TABLE".into(), false)
        );
        assert_eq!(
            tag("create temp table t (a int)"),
            ("CREATE TABLE".into(), false)
        );
        assert_eq!(
            tag("CREATE TABLE IF NOT EXISTS t (a)"),
            ("CREATE TABLE".into(), false)
        );
        assert_eq!(
            tag("create virtual table f using fts5(x)"),
            ("CREATE TABLE".into(), false)
        );
        assert_eq!(
            tag("CREATE UNIQUE INDEX i ON t (a)"),
            ("CREATE INDEX".into(), false)
        );
        assert_eq!(
            tag("create or replace view v as select 1"),
            ("CREATE VIEW".into(), false)
        );
        assert_eq!(
            tag("CREATE TEMPORARY VIEW v AS SELECT 1"),
            ("CREATE VIEW".into(), false)
        );
        assert_eq!(
            tag("create trigger t after insert on x begin select 1; end"),
            ("CREATE TRIGGER".into(), false)
        );
        assert_eq!(
            tag("CREATE MATERIALIZED VIEW m AS SELECT 1"),
            ("CREATE MATERIALIZED VIEW".into(), false)
        );
        assert_eq!(
            tag("create domain d as int"),
            ("CREATE DOMAIN".into(), false)
        );
        assert_eq!(tag("DROP TABLE IF EXISTS t"), ("DROP TABLE".into(), false));
        assert_eq!(tag("drop index i"), ("DROP INDEX".into(), false));
        assert_eq!(
            tag("ALTER TABLE t ADD COLUMN b int"),
            ("ALTER TABLE".into(), false)
        );
        assert_eq!(tag("pragma foreign_keys = on"), ("PRAGMA".into(), false));
        assert_eq!(tag("VACUUM"), ("VACUUM".into(), false));
        assert_eq!(tag("analyze t"), ("ANALYZE".into(), false));
        assert_eq!(tag("explain select 1"), ("EXPLAIN".into(), false));
        assert_eq!(tag("end"), ("COMMIT".into(), false));
        assert_eq!(tag("abort"), ("ROLLBACK".into(), false));
        assert_eq!(tag("discard all"), ("DISCARD ALL".into(), false));
        assert_eq!(tag("frobnicate x"), ("FROBNICATE".into(), false));
        assert_eq!(tag(""), ("".into(), false));
        assert_eq!(tag("-- only a comment"), ("".into(), false));
        assert_eq!(tag("drop"), ("DROP".into(), false));
    }

    #[test]
    fn never_panics() {
        for input in crate::sql::lexer::garbled_inputs(50_000) {
            let _ = Command::parse(&input);
            let _ = command_tag(&input);
            let _ = statement_kind(&input);
        }
    }
}
