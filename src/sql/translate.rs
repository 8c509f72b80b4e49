//! Rewrites the PostgreSQL spellings SQLite rejects (`$n`, `::` casts, `serial`,
//! function-call defaults, `ILIKE`, `E'...'`, `TABLE x`) token by token, copying the rest.

use smallvec::SmallVec;

use super::lexer::{
    Token, TokenKind, identifier_name, matching_close, precedes_call, significant, string_value,
};
use crate::protocol::types::{Oid, oid, oid_from_type_name};

/// The result of [`translate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    /// The statement as SQLite should see it.
    pub sql: String,
    /// The highest `n` of the `$n` parameters used (0 when there are none).
    pub param_count: usize,
    /// Whether `sql` differs from the input.
    pub changed: bool,
}

/// Rewrites one statement for SQLite:
///
/// 1. `$n` parameters become `?n`, so they still bind by number.
/// 2. `operand::type` casts (chained, multi-word, with modifiers) become `CAST(operand AS
///    INTEGER|REAL|NUMERIC|TEXT|BLOB)` for integer, float, numeric, character and bytea
///    targets; other targets (bool, dates and times, uuid, json, arrays, unknown types)
///    leave the bare operand, since SQLite's `CAST` would mangle those values. A written
///    `CAST(x AS type)` maps its type the same way, or becomes `(x)`.
/// 3. In `CREATE TABLE`/`ALTER TABLE`: `serial`-family column types become `INTEGER` (so
///    `id SERIAL PRIMARY KEY` is a rowid alias), and a `DEFAULT` expression that is not a
///    single literal or parenthesised already is wrapped in parentheses (`DEFAULT now()` ->
///    `DEFAULT (now())`), as SQLite requires.
/// 4. `ILIKE` becomes `LIKE` (case-insensitive for ASCII in SQLite).
/// 5. In the same statements, `GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY [(...)]` is
///    dropped and its column's integer type becomes `INTEGER` (a rowid alias when it is the
///    primary key).
/// 6. `E'...'` strings become standard strings with their escapes decoded, and a leading
///    `TABLE name` becomes `SELECT * FROM name`.
///
/// Everything else, comments included, is copied byte for byte.
pub fn translate(statement: &str) -> Translation {
    let tokens: Vec<Token<'_>> = significant(statement).collect();
    let mut t = Translator {
        src: statement,
        tokens: &tokens,
        out: String::with_capacity(statement.len() + 16),
        copied_to: 0,
        changed: false,
        param_count: 0,
        operand: None,
        chain: None,
        frames: SmallVec::new(),
        skips: SmallVec::new(),
        wrap: None,
        ddl: is_table_ddl(&tokens),
    };
    if t.ddl {
        t.plan_identities();
    }
    t.run();
    let Translator {
        mut out,
        changed,
        param_count,
        ..
    } = t;
    if !changed {
        out.clear();
        out.push_str(statement);
    }
    Translation {
        sql: out,
        param_count,
        changed,
    }
}

/// `CREATE [TEMP] TABLE` or `ALTER TABLE`.
fn is_table_ddl(tokens: &[Token<'_>]) -> bool {
    let mut it = tokens.iter();
    match it.next() {
        Some(t) if t.is_keyword("create") => it
            .find(|t| !t.is_any_keyword(&["temp", "temporary", "unlogged", "global", "local"]))
            .is_some_and(|t| t.is_keyword("table")),
        Some(t) if t.is_keyword("alter") => it.next().is_some_and(|t| t.is_keyword("table")),
        _ => false,
    }
}

/// A planned replacement of tokens `from..to` by `text`.
struct Skip {
    from: usize,
    to: usize,
    text: &'static str,
}

/// Parenthesis wrapping of a `DEFAULT` expression over tokens `open..close`.
struct Wrap {
    open: usize,
    close: usize,
    opened: bool,
}

struct Translator<'s, 't> {
    src: &'s str,
    tokens: &'t [Token<'s>],
    out: String,
    /// Source offset up to which the input has been copied or deliberately dropped.
    copied_to: usize,
    changed: bool,
    param_count: usize,
    /// Output offset where the primary expression just emitted starts, if the last token
    /// ended one (the operand of a following `::`).
    operand: Option<usize>,
    /// The operand before a `.`, for dotted chains like `s.t.col`.
    chain: Option<usize>,
    /// Operand start of each open `(`/`[` (including a preceding function name) or
    /// `CASE`, flagged `true` for `CASE`.
    frames: SmallVec<[(usize, bool); 8]>,
    skips: SmallVec<[Skip; 4]>,
    wrap: Option<Wrap>,
    ddl: bool,
}

impl<'s> Translator<'s, '_> {
    fn run(&mut self) {
        let mut i = 0;
        while let Some(&tok) = self.tokens.get(i) {
            if let Some(k) = self.skips.iter().position(|s| s.from == i) {
                let skip = self.skips.swap_remove(k);
                if !skip.text.is_empty() {
                    self.gap(tok.start);
                    self.out.push_str(skip.text);
                }
                let last = skip.to.checked_sub(1).and_then(|k| self.tokens.get(k));
                self.copied_to = last.map_or(tok.end(), Token::end).max(self.copied_to);
                self.changed = true;
                self.operand = None;
                self.chain = None;
                i = skip.to.max(i + 1);
            } else {
                self.gap(tok.start);
                if let Some(w) = self.wrap.as_mut().filter(|w| w.open == i && !w.opened) {
                    w.opened = true;
                    self.out.push('(');
                    self.changed = true;
                }
                let next = self.step(i, tok);
                if self.copied_to < tok.end() {
                    self.copied_to = tok.end();
                }
                i = next.max(i + 1);
            }
            if let Some(w) = self.wrap.as_ref().filter(|w| i >= w.close) {
                if w.opened {
                    self.out.push(')');
                    self.operand = None;
                }
                self.wrap = None;
            }
        }
        self.out
            .push_str(self.src.get(self.copied_to..).unwrap_or(""));
    }

    /// Copies the source between the last copied offset and `to`.
    fn gap(&mut self, to: usize) {
        if to > self.copied_to {
            self.out
                .push_str(self.src.get(self.copied_to..to).unwrap_or(""));
            self.copied_to = to;
        }
    }

    /// Records that a primary expression starting at output offset `at` was just emitted.
    fn primary(&mut self, at: usize) {
        self.operand = Some(self.chain.take().unwrap_or(at));
    }

    fn plain(&mut self, tok: Token<'s>) {
        self.out.push_str(tok.text);
        self.operand = None;
        self.chain = None;
    }

    /// Emits token `i` (the gap before it is already out); returns the next index.
    fn step(&mut self, i: usize, tok: Token<'s>) -> usize {
        let at = self.out.len();
        match tok.kind {
            TokenKind::Param => {
                let n = tok.param_number().unwrap_or(0);
                self.param_count = self.param_count.max(n);
                self.out.push('?');
                self.out.push_str(tok.text.get(1..).unwrap_or(""));
                self.changed = true;
                self.primary(at);
            }
            // SQLite knows neither E'...' nor $$...$$ strings: both become '...'.
            TokenKind::EscapeString | TokenKind::DollarString => {
                match string_value(&tok) {
                    Some(value) => {
                        self.out.push('\'');
                        self.out.push_str(&value.replace('\'', "''"));
                        self.out.push('\'');
                        self.changed = true;
                    }
                    None => self.out.push_str(tok.text),
                }
                self.primary(at);
            }
            TokenKind::Operator if tok.text == "::" => return self.cast(i, tok),
            TokenKind::LParen | TokenKind::LBracket => {
                let prev_is_callee = i
                    .checked_sub(1)
                    .and_then(|k| self.tokens.get(k))
                    .is_some_and(|p| tok.kind == TokenKind::LBracket || precedes_call(p));
                let start = if prev_is_callee {
                    self.operand.unwrap_or(at)
                } else {
                    at
                };
                self.frames.push((start, false));
                self.plain(tok);
            }
            TokenKind::RParen | TokenKind::RBracket => {
                self.plain(tok);
                self.operand = match self.frames.last() {
                    Some(&(start, false)) => {
                        self.frames.pop();
                        Some(start)
                    }
                    _ => None,
                };
            }
            TokenKind::Dot => {
                let chain = self.operand;
                self.plain(tok);
                self.chain = chain;
            }
            TokenKind::Ident => return self.ident(i, tok),
            TokenKind::Number
            | TokenKind::String
            | TokenKind::BitString
            | TokenKind::QuotedIdent => {
                self.out.push_str(tok.text);
                self.primary(at);
            }
            _ => self.plain(tok),
        }
        i + 1
    }

    fn ident(&mut self, i: usize, tok: Token<'s>) -> usize {
        let at = self.out.len();
        let prev = i.checked_sub(1).and_then(|k| self.tokens.get(k));
        let next = self.tokens.get(i + 1);
        if tok.is_keyword("ilike") {
            self.out.push_str("LIKE");
            self.changed = true;
            self.operand = None;
            self.chain = None;
        } else if tok.is_keyword("cast") && next.is_some_and(|t| t.kind == TokenKind::LParen) {
            if self.plan_cast(i) {
                self.out.push_str(tok.text);
            }
            self.chain = None;
            self.operand = Some(at);
        } else if i == 0 && tok.is_keyword("table") && next.is_some_and(|t| t.is_identifier()) {
            self.out.push_str("SELECT * FROM");
            self.changed = true;
            self.operand = None;
        } else if self.ddl
            && is_serial(&tok)
            && prev.is_some_and(|p| {
                p.is_identifier()
                    && !p.is_any_keyword(&["column", "add", "table", "exists", "to", "as"])
            })
        {
            self.out.push_str("INTEGER");
            self.changed = true;
            self.primary(at);
        } else if tok.is_keyword("case") {
            self.plain(tok);
            self.frames.push((at, true));
        } else if tok.is_keyword("end") && matches!(self.frames.last(), Some((_, true))) {
            self.out.push_str(tok.text);
            self.operand = self.frames.pop().map(|(start, _)| start);
            self.chain = None;
        } else if self.ddl
            && tok.is_keyword("default")
            && !prev.is_some_and(|p| p.is_any_keyword(&["by", "set"]))
        {
            self.plan_default(i);
            self.plain(tok);
        } else {
            self.out.push_str(tok.text);
            self.primary(at);
        }
        i + 1
    }

    /// `operand::type` at token `i` (the `::`).
    fn cast(&mut self, i: usize, tok: Token<'s>) -> usize {
        let (Some(start), Some(ty)) = (self.operand, parse_type_name(self.tokens, i + 1)) else {
            self.plain(tok);
            return i + 1;
        };
        // Drop whitespace emitted between the operand and `::`.
        let trimmed = self
            .out
            .trim_end_matches(|c: char| c.is_ascii_whitespace())
            .len();
        if trimmed > start {
            self.out.truncate(trimmed);
        }
        let hex_blob = (ty.scalar_oid() == Some(oid::BYTEA))
            .then(|| hex_blob_literal(&self.out[start..]))
            .flatten();
        if let Some(blob) = hex_blob {
            // `'\x0a1b'::bytea` is the bytes 0a 1b; SQLite's CAST would keep the text.
            self.out.truncate(start);
            self.out.push_str(&blob);
        } else if let Some(target) = ty.sqlite_type() {
            self.out.insert_str(start, "CAST(");
            self.out.push_str(" AS ");
            self.out.push_str(target);
            self.out.push(')');
        }
        self.changed = true;
        if let Some(last) = ty.end.checked_sub(1).and_then(|k| self.tokens.get(k)) {
            self.copied_to = self.copied_to.max(last.end());
        }
        self.operand = Some(start);
        self.chain = None;
        ty.end
    }

    /// A written `CAST(x AS type)` starting at token `i`: plans the type's replacement.
    /// Returns whether the `CAST` keyword itself stays.
    fn plan_cast(&mut self, i: usize) -> bool {
        let tokens = self.tokens;
        let Some(close) = matching_close(tokens, i + 1) else {
            return true;
        };
        let mut depth = 0usize;
        let mut as_idx = None;
        for (k, t) in tokens.iter().enumerate().take(close).skip(i + 2) {
            match t.kind {
                TokenKind::LParen | TokenKind::LBracket => depth += 1,
                TokenKind::RParen | TokenKind::RBracket => depth = depth.saturating_sub(1),
                _ if depth == 0 && t.is_keyword("as") => {
                    as_idx = Some(k);
                    break;
                }
                _ => {}
            }
        }
        let Some(as_idx) = as_idx else {
            return true;
        };
        let Some(ty) = parse_type_name(tokens, as_idx + 1).filter(|ty| ty.end == close) else {
            return true;
        };
        match ty.sqlite_type() {
            Some(target) => {
                let written = match (tokens.get(as_idx + 1), tokens.get(close - 1)) {
                    (Some(a), Some(b)) => self.src.get(a.start..b.end()).unwrap_or(""),
                    _ => "",
                };
                if written != target {
                    self.skips.push(Skip {
                        from: as_idx + 1,
                        to: close,
                        text: target,
                    });
                }
                true
            }
            None => {
                self.skips.push(Skip {
                    from: as_idx,
                    to: close,
                    text: "",
                });
                self.changed = true;
                false
            }
        }
    }

    /// Plans the removal of every `GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY [(...)]`
    /// clause, and turns its column's integer type into `INTEGER` so that an identity
    /// primary key becomes SQLite's auto-assigned rowid alias.
    fn plan_identities(&mut self) {
        let tokens = self.tokens;
        let kw = |k: usize, word: &str| tokens.get(k).is_some_and(|t| t.is_keyword(word));
        for g in 0..tokens.len() {
            if !kw(g, "generated") {
                continue;
            }
            let mut k = g + 1;
            if kw(k, "always") {
                k += 1;
            } else if kw(k, "by") && kw(k + 1, "default") {
                k += 2;
            } else {
                continue;
            }
            if !(kw(k, "as") && kw(k + 1, "identity")) {
                continue;
            }
            k += 2;
            if tokens.get(k).is_some_and(|t| t.kind == TokenKind::LParen) {
                match matching_close(tokens, k) {
                    Some(close) => k = close + 1,
                    None => continue,
                }
            }
            self.skips.push(Skip {
                from: g,
                to: k,
                text: "",
            });
            // The column definition starts after the `(`, `,`, `ADD` or `COLUMN` before it.
            let mut j = g;
            let mut depth = 0usize;
            while j > 0 {
                j -= 1;
                let Some(t) = tokens.get(j) else { break };
                match t.kind {
                    TokenKind::RParen => depth += 1,
                    TokenKind::LParen if depth == 0 => break,
                    TokenKind::LParen => depth -= 1,
                    TokenKind::Comma if depth == 0 => break,
                    TokenKind::Ident if depth == 0 && t.is_any_keyword(&["add", "column"]) => break,
                    _ => {}
                }
            }
            let ty = j + 2;
            let integer_type = tokens.get(ty).is_some_and(|t| {
                t.is_any_keyword(&[
                    "int", "integer", "int2", "int4", "int8", "bigint", "smallint",
                ])
            });
            if ty < g && integer_type && tokens.get(j + 1).is_some_and(|t| t.is_identifier()) {
                self.skips.push(Skip {
                    from: ty,
                    to: ty + 1,
                    text: "INTEGER",
                });
            }
        }
    }

    /// `DEFAULT expr` in table DDL at token `i`: wraps `expr` in parentheses unless it is
    /// a single token, a signed number, or parenthesised already.
    fn plan_default(&mut self, i: usize) {
        if self.wrap.is_some() {
            return;
        }
        let tokens = self.tokens;
        let open = i + 1;
        let mut k = open;
        let mut depth = 0usize;
        while let Some(t) = tokens.get(k) {
            match t.kind {
                TokenKind::LParen | TokenKind::LBracket => depth += 1,
                TokenKind::RParen | TokenKind::RBracket if depth == 0 => break,
                TokenKind::RParen | TokenKind::RBracket => depth -= 1,
                TokenKind::Comma | TokenKind::Semicolon if depth == 0 => break,
                TokenKind::Ident if depth == 0 && k > open && ends_default(tokens, k) => break,
                _ => {}
            }
            k += 1;
        }
        let close = k;
        let count = close - open;
        let first = tokens.get(open);
        let simple = count <= 1
            || (count == 2
                && first.is_some_and(|t| t.is_operator("-") || t.is_operator("+"))
                && tokens
                    .get(open + 1)
                    .is_some_and(|t| t.kind == TokenKind::Number))
            || (first.is_some_and(|t| t.kind == TokenKind::LParen)
                && matching_close(tokens, open) == Some(close - 1));
        if !simple {
            self.wrap = Some(Wrap {
                open,
                close,
                opened: false,
            });
        }
    }
}

/// Whether token `k` starts the column constraint after a `DEFAULT` expression.
fn ends_default(tokens: &[Token<'_>], k: usize) -> bool {
    let Some(t) = tokens.get(k) else {
        return true;
    };
    if t.is_keyword("not") {
        return tokens.get(k + 1).is_some_and(|n| n.is_keyword("null"));
    }
    t.is_any_keyword(&[
        "null",
        "primary",
        "unique",
        "check",
        "references",
        "constraint",
        "collate",
        "generated",
        "as",
        "default",
        "autoincrement",
        "deferrable",
        "on",
    ])
}

fn is_serial(tok: &Token<'_>) -> bool {
    tok.is_any_keyword(&[
        "serial",
        "serial4",
        "bigserial",
        "serial8",
        "smallserial",
        "serial2",
    ])
}

/// A type name parsed from tokens (the target of `::` or `CAST(... AS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TypeName {
    /// Index just past the type name's last token.
    pub(crate) end: usize,
    /// The type's OID when the name is a PostgreSQL spelling pgsqlite knows.
    pub(crate) oid: Option<Oid>,
    /// `type[]`, `type[n]` or `type ARRAY`.
    pub(crate) array: bool,
}

impl TypeName {
    /// The OID of a known scalar type (`None` for arrays and unknown names).
    pub(crate) fn scalar_oid(&self) -> Option<Oid> {
        if self.array { None } else { self.oid }
    }

    /// The SQLite `CAST` target for this type, if a cast is worth doing.
    fn sqlite_type(&self) -> Option<&'static str> {
        match self.scalar_oid()? {
            oid::INT2 | oid::INT4 | oid::INT8 | oid::OID => Some("INTEGER"),
            oid::FLOAT4 | oid::FLOAT8 => Some("REAL"),
            oid::NUMERIC => Some("NUMERIC"),
            oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME => Some("TEXT"),
            oid::BYTEA => Some("BLOB"),
            _ => None,
        }
    }
}

/// `'\x0a1b'` (bytea's hex input format as a string literal) as SQLite's blob literal
/// `X'0a1b'`; `None` for anything else.
fn hex_blob_literal(operand: &str) -> Option<String> {
    let digits = operand.strip_prefix("'\\x")?.strip_suffix('\'')?;
    (digits.len() % 2 == 0 && digits.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("X'{digits}'"))
}

/// The PostgreSQL type spellings whose OID [`oid_from_type_name`] gives by name (rather
/// than by SQLite's affinity fallback, which would call `regclass` numeric).
const KNOWN_TYPE_NAMES: &[&str] = &[
    "bigint",
    "bigserial",
    "blob",
    "bool",
    "boolean",
    "bpchar",
    "bytea",
    "char",
    "character",
    "character varying",
    "date",
    "decimal",
    "double precision",
    "float",
    "float4",
    "float8",
    "int",
    "int2",
    "int4",
    "int8",
    "integer",
    "json",
    "jsonb",
    "name",
    "numeric",
    "oid",
    "real",
    "serial",
    "serial2",
    "serial4",
    "serial8",
    "smallint",
    "smallserial",
    "text",
    "time",
    "time without time zone",
    "timestamp",
    "timestamp with time zone",
    "timestamp without time zone",
    "timestamptz",
    "unknown",
    "uuid",
    "varchar",
    "void",
];

/// Parses a type name starting at token `start`: an optionally schema-qualified
/// identifier, PostgreSQL's multi-word names (`double precision`, `character varying`,
/// `timestamp(3) with time zone`), a modifier `(...)`, and array brackets.
pub(crate) fn parse_type_name(tokens: &[Token<'_>], start: usize) -> Option<TypeName> {
    let mut j = start;
    let mut word = *tokens.get(j).filter(|t| t.is_identifier())?;
    if tokens.get(j + 1).is_some_and(|t| t.kind == TokenKind::Dot) {
        word = *tokens.get(j + 2).filter(|t| t.is_identifier())?;
        j += 2;
    }
    j += 1;
    let mut name = identifier_name(&word);
    let follows = |j: usize, kw: &str| tokens.get(j).is_some_and(|t| t.is_keyword(kw));
    match name.as_str() {
        "double" if follows(j, "precision") => {
            name.push_str(" precision");
            j += 1;
        }
        "character" | "char" | "bit" if follows(j, "varying") => {
            name.push_str(" varying");
            j += 1;
        }
        _ => {}
    }
    if tokens.get(j).is_some_and(|t| t.kind == TokenKind::LParen) {
        j = matching_close(tokens, j)? + 1;
    }
    if matches!(name.as_str(), "timestamp" | "time")
        && (follows(j, "with") || follows(j, "without"))
        && follows(j + 1, "time")
        && follows(j + 2, "zone")
    {
        name.push_str(if follows(j, "with") {
            " with time zone"
        } else {
            " without time zone"
        });
        j += 3;
    }
    let mut array = false;
    loop {
        if tokens.get(j).is_some_and(|t| t.kind == TokenKind::LBracket) {
            let close = matching_close(tokens, j)?;
            if close > j + 2 {
                break;
            }
            j = close + 1;
            array = true;
        } else if follows(j, "array") {
            j += 1;
            array = true;
        } else {
            break;
        }
    }
    let known = KNOWN_TYPE_NAMES.binary_search(&name.as_str()).is_ok();
    Some(TypeName {
        end: j,
        oid: known.then(|| oid_from_type_name(&name)),
        array,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(sql: &str) -> String {
        translate(sql).sql
    }

    #[test]
    fn bytea_hex_literals_become_blob_literals() {
        assert_eq!(translate(r"SELECT '\x0a1B'::bytea").sql, "SELECT X'0a1B'");
        assert_eq!(translate(r"SELECT E'\\x0a'::bytea").sql, "SELECT X'0a'");
        // Not hex: SQLite's cast, as before.
        assert_eq!(
            translate("SELECT 'abc'::bytea").sql,
            "SELECT CAST('abc' AS BLOB)"
        );
    }

    #[test]
    fn sqlite_blob_casts_are_kept() {
        assert_eq!(
            translate("SELECT CAST('a' AS BLOB)").sql,
            "SELECT CAST('a' AS BLOB)"
        );
        assert_eq!(
            translate("SELECT 'a'::blob").sql,
            "SELECT CAST('a' AS BLOB)"
        );
    }

    #[test]
    fn known_type_names_are_sorted() {
        assert!(KNOWN_TYPE_NAMES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn unchanged_statements_are_copied() {
        let sql = "SELECT a, 'x' /* c */ FROM t -- tail";
        let t = translate(sql);
        assert_eq!(
            t,
            Translation {
                sql: sql.into(),
                param_count: 0,
                changed: false
            }
        );
        assert!(!translate("select 'a::b', '$1', \"x::y\"").changed);
        // Dollar quoting is rewritten (SQLite would read `$$...` as a parameter), but
        // what it quotes is left alone.
        let t = translate("select $$ $1::int $$, $q$it's$q$");
        assert_eq!(t.sql, "select ' $1::int ', 'it''s'");
        assert_eq!(t.param_count, 0);
        assert!(!translate("-- $1::int\nselect 1 /* a ilike b */").changed);
    }

    #[test]
    fn parameters() {
        let t = translate("select $2, $1 from t where a = $10");
        assert_eq!(t.sql, "select ?2, ?1 from t where a = ?10");
        assert_eq!(t.param_count, 10);
        assert!(t.changed);
        let t = translate("select '$1', $1");
        assert_eq!(t.sql, "select '$1', ?1");
        assert_eq!(t.param_count, 1);
    }

    #[test]
    fn casts_by_target_type() {
        assert_eq!(tr("select $1::int"), "select CAST(?1 AS INTEGER)");
        assert_eq!(
            tr("select x::bigint, y::int2"),
            "select CAST(x AS INTEGER), CAST(y AS INTEGER)"
        );
        assert_eq!(
            tr("select 1::float8, 2::real"),
            "select CAST(1 AS REAL), CAST(2 AS REAL)"
        );
        assert_eq!(tr("select a::double precision"), "select CAST(a AS REAL)");
        assert_eq!(tr("select a::numeric(10,2)"), "select CAST(a AS NUMERIC)");
        assert_eq!(tr("select a::varchar(20)"), "select CAST(a AS TEXT)");
        assert_eq!(tr("select a::character varying"), "select CAST(a AS TEXT)");
        assert_eq!(
            tr("select a::bpchar, n::name"),
            "select CAST(a AS TEXT), CAST(n AS TEXT)"
        );
        assert_eq!(tr("select $1::bytea"), "select CAST(?1 AS BLOB)");
        assert_eq!(tr("select a::pg_catalog.int4"), "select CAST(a AS INTEGER)");
        // Types SQLite's CAST would mangle keep the bare operand.
        assert_eq!(tr("select 'yes'::bool"), "select 'yes'");
        assert_eq!(tr("select '2024-01-01'::date, b"), "select '2024-01-01', b");
        assert_eq!(
            tr("select x::timestamp with time zone from t"),
            "select x from t"
        );
        assert_eq!(tr("select x::timestamp(3) without time zone"), "select x");
        assert_eq!(tr("select $1::uuid, $2::jsonb"), "select ?1, ?2");
        assert_eq!(tr("select 't'::regclass"), "select 't'");
        assert_eq!(tr("select $1::int[]"), "select ?1");
        assert_eq!(tr("select a::text[][] x"), "select a x");
    }

    #[test]
    fn cast_operands() {
        assert_eq!(
            tr("select t.a::int from t"),
            "select CAST(t.a AS INTEGER) from t"
        );
        assert_eq!(tr("select s.t.a::text"), "select CAST(s.t.a AS TEXT)");
        assert_eq!(tr("select (a + b)::int"), "select CAST((a + b) AS INTEGER)");
        assert_eq!(
            tr("select lower(x)::varchar"),
            "select CAST(lower(x) AS TEXT)"
        );
        assert_eq!(
            tr("select pg_catalog.f(x, y)::int"),
            "select CAST(pg_catalog.f(x, y) AS INTEGER)"
        );
        assert_eq!(tr("select \"A\"::int"), "select CAST(\"A\" AS INTEGER)");
        assert_eq!(tr("select a[1]::int"), "select CAST(a[1] AS INTEGER)");
        assert_eq!(
            tr("select x::text::int"),
            "select CAST(CAST(x AS TEXT) AS INTEGER)"
        );
        assert_eq!(tr("select x::date::text"), "select CAST(x AS TEXT)");
        assert_eq!(tr("select x :: int"), "select CAST(x AS INTEGER)");
        assert_eq!(
            tr("select (a::int + $1::int)::text"),
            "select CAST((CAST(a AS INTEGER) + CAST(?1 AS INTEGER)) AS TEXT)"
        );
        assert_eq!(
            tr("select coalesce(a, 0)::int, left(s, 2)::int"),
            "select CAST(coalesce(a, 0) AS INTEGER), CAST(left(s, 2) AS INTEGER)"
        );
        assert_eq!(
            tr("where x in (1, 2) and y = 3::int"),
            "where x in (1, 2) and y = CAST(3 AS INTEGER)"
        );
        assert_eq!(tr("select -1::int"), "select -CAST(1 AS INTEGER)");
        assert_eq!(
            tr("select case when a then (1) else 2 end::text, b::int"),
            "select CAST(case when a then (1) else 2 end AS TEXT), CAST(b AS INTEGER)"
        );
        assert_eq!(
            tr("select case when (a = 1 then b::int end"),
            "select case when (a = 1 then CAST(b AS INTEGER) end"
        );
        assert_eq!(tr("select 'a::b'::text"), "select CAST('a::b' AS TEXT)");
        assert_eq!(
            tr("select x::int -- c\n from t"),
            "select CAST(x AS INTEGER) -- c\n from t"
        );
    }

    #[test]
    fn written_casts() {
        assert_eq!(
            tr("select CAST(x AS double precision)"),
            "select CAST(x AS REAL)"
        );
        assert_eq!(
            tr("select cast($1 as varchar(10))"),
            "select cast(?1 as TEXT)"
        );
        assert_eq!(tr("select CAST(x AS date) from t"), "select (x) from t");
        assert_eq!(
            tr("select CAST(x AS timestamp with time zone)"),
            "select (x)"
        );
        assert!(!translate("select CAST(x AS INTEGER)").changed);
        assert!(!translate("select CAST(x AS TEXT)").changed);
        assert_eq!(
            tr("select cast(cast(a as bigint) as text)"),
            "select cast(cast(a as INTEGER) as TEXT)"
        );
        assert_eq!(
            tr("select cast(a as int4)::text"),
            "select CAST(cast(a as INTEGER) AS TEXT)"
        );
        assert_eq!(
            tr("select cast(a::int as date)"),
            "select (CAST(a AS INTEGER))"
        );
        // Malformed casts are left for SQLite to report.
        assert_eq!(tr("select cast(a)"), "select cast(a)");
    }

    #[test]
    fn serial_and_defaults() {
        assert_eq!(
            tr("CREATE TABLE t (id SERIAL PRIMARY KEY, n bigserial, s smallserial)"),
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s INTEGER)"
        );
        assert_eq!(
            tr("create temp table t (serial serial4)"),
            "create temp table t (serial INTEGER)"
        );
        assert_eq!(
            tr("ALTER TABLE t ADD COLUMN id serial8"),
            "ALTER TABLE t ADD COLUMN id INTEGER"
        );
        assert_eq!(
            tr("ALTER TABLE t ADD COLUMN serial int"),
            "ALTER TABLE t ADD COLUMN serial int"
        );
        // Not DDL: untouched.
        assert!(!translate("select serial from t").changed);
        assert!(!translate("select a serial from t").changed);
        assert_eq!(
            tr(
                "create table t (ts timestamptz DEFAULT now(), u uuid default gen_random_uuid() not null)"
            ),
            "create table t (ts timestamptz DEFAULT (now()), u uuid default (gen_random_uuid()) not null)"
        );
        assert_eq!(
            tr(
                "create table t (a int default 0, b text default 'x', c int default -1, d default (1+1), e default null, f default current_timestamp)"
            ),
            "create table t (a int default 0, b text default 'x', c int default -1, d default (1+1), e default null, f default current_timestamp)"
        );
        assert_eq!(
            tr("create table t (a bigint default 0::bigint, j jsonb default '{}'::jsonb)"),
            "create table t (a bigint default (CAST(0 AS INTEGER)), j jsonb default ('{}'))"
        );
        assert_eq!(
            tr("create table t (a text default lower('X') collate nocase, b int)"),
            "create table t (a text default (lower('X')) collate nocase, b int)"
        );
        assert_eq!(
            tr("create table t (a int default 1 + 2)"),
            "create table t (a int default (1 + 2))"
        );
        // DEFAULT outside table DDL is not touched.
        assert!(!translate("insert into t values (default)").changed);
    }

    #[test]
    fn identity_columns() {
        assert_eq!(
            tr("CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, x int)"),
            "CREATE TABLE t (id INTEGER PRIMARY KEY, x int)"
        );
        assert_eq!(
            tr(
                "create table t (x numeric(3, 1), id int generated always as identity (start with 10) primary key)"
            ),
            "create table t (x numeric(3, 1), id INTEGER primary key)"
        );
        assert_eq!(
            tr("ALTER TABLE t ADD COLUMN id int4 GENERATED ALWAYS AS IDENTITY"),
            "ALTER TABLE t ADD COLUMN id INTEGER"
        );
        // SQLite's own generated columns stay.
        let sql = "create table t (a int, b int generated always as (a * 2) stored)";
        assert!(!translate(sql).changed);
    }

    #[test]
    fn ilike_escape_strings_and_table() {
        assert_eq!(
            tr("select * from t where a ILIKE 'x%'"),
            "select * from t where a LIKE 'x%'"
        );
        assert_eq!(
            tr("select * from t where a not ilike $1"),
            "select * from t where a not LIKE ?1"
        );
        assert_eq!(tr(r"select E'it\'s\n'"), "select 'it''s\n'");
        assert_eq!(tr(r"select e'\x41'"), "select 'A'");
        // An escape that does not decode is left for SQLite to reject.
        assert_eq!(tr(r"select E'\0'"), r"select E'\0'");
        assert_eq!(tr("TABLE users"), "SELECT * FROM users");
        assert!(!translate("create table t (a)").changed);
    }

    #[test]
    fn type_names() {
        let toks: Vec<_> = significant("x timestamp(3) with time zone[] y").collect();
        let ty = parse_type_name(&toks, 1).unwrap();
        assert_eq!(ty.end, 10);
        assert!(ty.array);
        assert_eq!(ty.oid, Some(oid::TIMESTAMPTZ));
        let toks: Vec<_> = significant("regclass").collect();
        assert_eq!(parse_type_name(&toks, 0).unwrap().oid, None);
        let toks: Vec<_> = significant("'x'").collect();
        assert_eq!(parse_type_name(&toks, 0), None);
    }

    #[test]
    fn never_panics() {
        for input in crate::sql::lexer::garbled_inputs(50_000) {
            let t = translate(&input);
            if !t.changed {
                assert_eq!(t.sql, input);
            }
        }
    }
}
