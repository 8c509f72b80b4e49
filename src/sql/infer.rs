//! Type hints read off the SQL text: result-column types, parameter sources, and the
//! tables a statement names, for the caller to combine with SQLite's own metadata.

use smallvec::SmallVec;

use super::command::main_verb;
use super::lexer::{
    Token, TokenKind, identifier_name, is_reserved_keyword, matching_close, precedes_call,
    significant,
};
use super::type_name::parse_type_name;
use crate::protocol::types::{Oid, oid, oid_from_type_name, type_name};

/// How deep subqueries and parenthesised items are followed before giving up.
const MAX_NESTING: u32 = 16;

/// One hint per top-level item of the statement's main select list (or `RETURNING` list,
/// or first `VALUES` row): `Some(oid)` where the text alone fixes the type, `None` where
/// the caller should look at SQLite's declared column type or the value. Empty when the
/// list contains `*` or `x.*`, or when there is no such list.
///
/// The rules: `count(...)` is int8; a top-level cast `x::t` / `CAST(x AS t)` is `t`; a
/// top-level comparison (`=`, `<>`, `IS [NOT] NULL`, `[NOT] IN`, `LIKE`, `BETWEEN`, `NOT`,
/// `EXISTS`, `AND`/`OR`, ...) is bool; integer literals are int4 (int8, numeric when they do
/// not fit), decimals numeric, strings text, `TRUE`/`FALSE` bool; `now()` and
/// `current_timestamp` timestamptz, `current_date` date; `length` and friends int4; string
/// functions and `||` text; aggregates other than `count`, `CASE`, columns and arithmetic
/// `None`. A column alias is ignored.
pub fn result_column_hints(statement: &str) -> SmallVec<[Option<Oid>; 8]> {
    let tokens: Vec<Token<'_>> = significant(statement).collect();
    hints_for_tokens(&tokens, 0)
}

fn hints_for_tokens(tokens: &[Token<'_>], nesting: u32) -> SmallVec<[Option<Oid>; 8]> {
    let mut out = SmallVec::new();
    let Some((vi, verb)) = main_verb(tokens.iter().copied().enumerate()) else {
        return out;
    };
    let list = if verb.is_keyword("select") {
        select_list(tokens, vi + 1)
    } else if verb.is_keyword("values") {
        first_row(tokens, vi + 1)
    } else if verb.is_any_keyword(&["insert", "update", "delete", "replace", "merge"]) {
        returning_list(tokens, vi + 1)
    } else {
        None
    };
    let Some(list) = list else {
        return out;
    };
    for item in split_top_level(list) {
        if is_star(item) {
            return SmallVec::new();
        }
        out.push(classify(item, nesting));
    }
    out
}

/// PostgreSQL's names for result columns written without an alias: one entry per
/// top-level item of the select (or RETURNING) list, `None` where SQLite's own name is
/// already right (an alias, a plain or qualified column). A cast is named after its
/// type (`42::int8` is `int8`), a function call after the function (`count(*)` is
/// `count`), `CASE` is `case`, anything else `?column?`. Empty when the list has `*`.
pub fn result_column_names(statement: &str) -> SmallVec<[Option<String>; 8]> {
    let tokens: Vec<Token<'_>> = significant(statement).collect();
    let mut out = SmallVec::new();
    let Some((vi, verb)) = main_verb(tokens.iter().copied().enumerate()) else {
        return out;
    };
    let list = if verb.is_keyword("select") {
        select_list(&tokens, vi + 1)
    } else if verb.is_any_keyword(&["insert", "update", "delete", "replace"]) {
        returning_list(&tokens, vi + 1)
    } else {
        None
    };
    let Some(list) = list else {
        return out;
    };
    for item in split_top_level(list) {
        if is_star(item) {
            return SmallVec::new();
        }
        out.push(pg_column_name(item));
    }
    out
}

fn pg_column_name(item: &[Token<'_>]) -> Option<String> {
    // `interval '1' day` and the like (the field is no alias).
    if let [ty, literal, fields @ ..] = item
        && ty.is_keyword("interval")
        && literal.kind == TokenKind::String
        && fields.iter().all(|t| {
            t.is_any_keyword(&["year", "month", "day", "hour", "minute", "second", "to"])
                || matches!(
                    t.kind,
                    TokenKind::LParen | TokenKind::RParen | TokenKind::Number
                )
        })
    {
        return Some("interval".to_string());
    }
    let bare = strip_alias(item);
    if bare.len() != item.len() || bare.is_empty() {
        return None;
    }
    let is_column = bare.iter().enumerate().all(|(i, t)| {
        if i % 2 == 0 {
            t.is_identifier() && !(t.kind == TokenKind::Ident && is_reserved_keyword(t.text))
        } else {
            t.kind == TokenKind::Dot
        }
    }) && bare.len() % 2 == 1;
    if is_column {
        return None;
    }
    if let Some(name) = array_column_name(bare) {
        return Some(name);
    }
    if let [word] = bare {
        let mut buf = [0u8; 24];
        let name = lower(word.text, &mut buf);
        if word.kind == TokenKind::Ident
            && matches!(
                name,
                "current_date"
                    | "current_time"
                    | "current_timestamp"
                    | "localtime"
                    | "localtimestamp"
            )
        {
            return Some(name.to_string());
        }
    }
    // A typed literal (`date '2024-01-01'`) is named after its type.
    if let [ty, literal] = bare
        && ty.kind == TokenKind::Ident
        && literal.kind == TokenKind::String
    {
        return Some(type_column_name(ty.text));
    }

    // `x AT TIME ZONE z` is PostgreSQL's timezone(z, x).
    let mut depth = 0usize;
    for w in bare.windows(3) {
        match w[0].kind {
            TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RParen | TokenKind::RBracket => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 && w[0].is_keyword("at") && w[1].is_keyword("time") && w[2].is_keyword("zone")
        {
            return Some("timezone".to_string());
        }
        if depth == 0 && w[1].is_keyword("overlaps") {
            return Some("overlaps".to_string());
        }
    }
    // A trailing top-level cast names the column after its type.
    let mut depth = 0usize;
    let mut last_cast = None;
    // Another operator outside parentheses makes the item an operation, not a cast.
    let mut operation = false;
    for (i, t) in bare.iter().enumerate() {
        match t.kind {
            TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RParen | TokenKind::RBracket => depth = depth.saturating_sub(1),
            TokenKind::Operator if depth == 0 && t.text == "::" => last_cast = Some(i),
            TokenKind::Operator if depth == 0 => operation = true,
            _ => {}
        }
    }
    if let Some(at) = last_cast.filter(|_| !operation) {
        let words: Vec<&str> = bare[at + 1..]
            .iter()
            .take_while(|t| t.kind == TokenKind::Ident || t.kind == TokenKind::QuotedIdent)
            .map(|t| t.text)
            .collect();
        // Only a cast that ends the item names it (`x::date + 1` is `?column?`).
        let type_end = at + 1 + words.len();
        let modifier_ends_item = bare
            .get(type_end)
            .is_some_and(|t| t.kind == TokenKind::LParen)
            && matching_close(bare, type_end) == Some(bare.len() - 1);
        if type_end == bare.len() || modifier_ends_item {
            return Some(type_column_name(&words.join(" ")));
        }
    }
    let first = &bare[0];
    if first.is_keyword("case") {
        return Some("case".to_string());
    }
    let call_spans_item = bare.len() >= 3
        && first.is_identifier()
        && bare[1].kind == TokenKind::LParen
        && matching_close(bare, 1) == Some(bare.len() - 1);
    if call_spans_item {
        if first.is_keyword("cast") {
            let ty = written_cast_type(bare, 1, bare.len() - 1);
            return Some(ty.map_or("?column?".to_string(), |t| type_name(t).to_string()));
        }
        if first.is_keyword("trim") {
            // PostgreSQL names trim(...) after the function it stands for.
            let side = bare.iter().find_map(|t| {
                if t.is_keyword("leading") {
                    Some("ltrim")
                } else if t.is_keyword("trailing") {
                    Some("rtrim")
                } else {
                    None
                }
            });
            return Some(side.unwrap_or("btrim").to_string());
        }
        return Some(identifier_name(first));
    }
    Some("?column?".to_string())
}

/// PostgreSQL's name for `ARRAY[...]` (`array`) and for a subscripted value (`tags[1]`
/// is `tags`, `(ARRAY[1, 2])[1]` is `array`).
fn array_column_name(bare: &[Token<'_>]) -> Option<String> {
    let is_array_constructor = |t: &[Token<'_>]| {
        t.len() >= 3
            && t[0].is_keyword("array")
            && t[1].kind == TokenKind::LBracket
            && t.last().is_some_and(|l| l.kind == TokenKind::RBracket)
    };
    if is_array_constructor(bare) {
        let mut depth = 0usize;
        let closes_at_end = bare[1..].iter().enumerate().all(|(k, t)| {
            match t.kind {
                TokenKind::LBracket | TokenKind::LParen => depth += 1,
                TokenKind::RBracket | TokenKind::RParen => depth = depth.saturating_sub(1),
                _ => {}
            }
            depth > 0 || k == bare.len() - 2
        });
        if closes_at_end {
            return Some("array".to_string());
        }
    }
    // Strip trailing subscripts `[...]`.
    let mut end = bare.len();
    while end > 0 && bare[end - 1].kind == TokenKind::RBracket {
        let mut depth = 0usize;
        let mut open = None;
        for k in (0..end).rev() {
            match bare[k].kind {
                TokenKind::RBracket => depth += 1,
                TokenKind::LBracket => {
                    depth -= 1;
                    if depth == 0 {
                        open = Some(k);
                        break;
                    }
                }
                _ => {}
            }
        }
        end = open?;
    }
    if end == bare.len() || end == 0 {
        return None;
    }
    let base = &bare[..end];
    let column = base.len() % 2 == 1
        && base.iter().enumerate().all(|(i, t)| {
            if i % 2 == 0 {
                t.is_identifier()
            } else {
                t.kind == TokenKind::Dot
            }
        });
    if column {
        return base.last().map(identifier_name);
    }
    let parenthesised = base[0].kind == TokenKind::LParen
        && base.last().is_some_and(|t| t.kind == TokenKind::RParen);
    if parenthesised && is_array_constructor(&base[1..base.len() - 1]) {
        return Some("array".to_string());
    }
    None
}

fn type_column_name(written: &str) -> String {
    match oid_from_type_name(written) {
        oid::UNKNOWN => "?column?".to_string(),
        ty => {
            let name = type_name(ty);
            if name == "unknown" {
                written.to_ascii_lowercase()
            } else {
                name.to_string()
            }
        }
    }
}

/// Tokens of the select list after `SELECT` (at `from`), up to the clause that ends it.
fn select_list<'t, 'a>(tokens: &'t [Token<'a>], from: usize) -> Option<&'t [Token<'a>]> {
    const STOP: &[&str] = &[
        "from",
        "into",
        "where",
        "group",
        "having",
        "window",
        "order",
        "limit",
        "offset",
        "union",
        "intersect",
        "except",
        "fetch",
        "for",
    ];
    let mut j = from;
    if tokens.get(j).is_some_and(|t| t.is_keyword("all")) {
        j += 1;
    } else if tokens.get(j).is_some_and(|t| t.is_keyword("distinct")) {
        j += 1;
        if tokens.get(j).is_some_and(|t| t.is_keyword("on"))
            && tokens
                .get(j + 1)
                .is_some_and(|t| t.kind == TokenKind::LParen)
        {
            j = matching_close(tokens, j + 1)? + 1;
        }
    }
    let start = j;
    let end = scan_until(tokens, j, |t| t.is_any_keyword(STOP));
    tokens.get(start..end)
}

/// Index of the first token from `from` on, at depth zero, that closes an unopened
/// parenthesis, is a `;`, or satisfies `stop`.
fn scan_until(tokens: &[Token<'_>], from: usize, stop: impl Fn(&Token<'_>) -> bool) -> usize {
    let mut depth = 0usize;
    let mut j = from;
    while let Some(t) = tokens.get(j) {
        match t.kind {
            TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RParen | TokenKind::RBracket if depth == 0 => break,
            TokenKind::RParen | TokenKind::RBracket => depth -= 1,
            TokenKind::Semicolon if depth == 0 => break,
            _ if depth == 0 && stop(t) => break,
            _ => {}
        }
        j += 1;
    }
    j
}

/// The items of the first row of `VALUES (...)`, `VALUES` being just before `from`.
fn first_row<'t, 'a>(tokens: &'t [Token<'a>], from: usize) -> Option<&'t [Token<'a>]> {
    tokens.get(from).filter(|t| t.kind == TokenKind::LParen)?;
    let close = matching_close(tokens, from)?;
    tokens.get(from + 1..close)
}

/// The list after a top-level `RETURNING`.
fn returning_list<'t, 'a>(tokens: &'t [Token<'a>], from: usize) -> Option<&'t [Token<'a>]> {
    let at = scan_until(tokens, from, |t| t.is_keyword("returning"));
    tokens.get(at).filter(|t| t.is_keyword("returning"))?;
    let end = scan_until(tokens, at + 1, |_| false);
    tokens.get(at + 1..end)
}

/// Splits at commas outside parentheses and brackets; an empty list gives no item.
fn split_top_level<'t, 'a>(list: &'t [Token<'a>]) -> SmallVec<[&'t [Token<'a>]; 8]> {
    let mut out = SmallVec::new();
    if list.is_empty() {
        return out;
    }
    let mut depth = 0usize;
    let mut start = 0;
    for (k, t) in list.iter().enumerate() {
        match t.kind {
            TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RParen | TokenKind::RBracket => depth = depth.saturating_sub(1),
            TokenKind::Comma if depth == 0 => {
                out.push(list.get(start..k).unwrap_or(&[]));
                start = k + 1;
            }
            _ => {}
        }
    }
    out.push(list.get(start..).unwrap_or(&[]));
    out
}

fn is_star(item: &[Token<'_>]) -> bool {
    match item {
        [t] => t.is_operator("*"),
        [.., dot, star] => dot.kind == TokenKind::Dot && star.is_operator("*"),
        _ => false,
    }
}

/// Keywords that are values, so they can end an expression before an alias.
const VALUE_KEYWORDS: &[&str] = &[
    "true",
    "false",
    "null",
    "end",
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    "current_user",
    "session_user",
    "user",
    "current_role",
    "current_catalog",
];

/// Whether `t` can be the last token of an expression.
fn ends_expression(t: &Token<'_>) -> bool {
    match t.kind {
        TokenKind::RParen
        | TokenKind::RBracket
        | TokenKind::Number
        | TokenKind::String
        | TokenKind::EscapeString
        | TokenKind::DollarString
        | TokenKind::BitString
        | TokenKind::Param
        | TokenKind::QuotedIdent => true,
        TokenKind::Ident => !is_reserved_keyword(t.text) || t.is_any_keyword(VALUE_KEYWORDS),
        _ => false,
    }
}

/// An item without its `AS alias` or bare trailing alias.
fn strip_alias<'t, 'a>(item: &'t [Token<'a>]) -> &'t [Token<'a>] {
    match item {
        [rest @ .., as_kw, name] if as_kw.is_keyword("as") && name.is_identifier() => rest,
        [rest @ .., before, name]
            if name.is_identifier()
                && !(name.kind == TokenKind::Ident
                    && (is_reserved_keyword(name.text)
                        || name.is_any_keyword(&["precision", "varying", "zone"])))
                && ends_expression(before) =>
        {
            // `rest` plus `before`.
            item.get(..=rest.len()).unwrap_or(item)
        }
        _ => item,
    }
}

/// Keywords whose presence at an item's top level makes it a boolean expression.
const BOOL_KEYWORDS: &[&str] = &[
    "is", "in", "like", "ilike", "glob", "regexp", "match", "between", "and", "or", "not",
    "isnull", "notnull", "similar", "exists",
];

/// Operators that make an item boolean.
const BOOL_OPERATORS: &[&str] = &[
    "=", "==", "<>", "!=", "<", ">", "<=", ">=", "~", "!~", "~*", "@>", "<@",
];

fn classify(item: &[Token<'_>], nesting: u32) -> Option<Oid> {
    if nesting > MAX_NESTING {
        return None;
    }
    let item = strip_alias(item);
    let n = item.len();
    let first = item.first()?;
    if first.kind == TokenKind::LParen && matching_close(item, 0) == Some(n - 1) {
        let inner = item.get(1..n - 1)?;
        if inner
            .first()
            .is_some_and(|t| t.is_any_keyword(&["select", "values", "with"]))
        {
            let hints = hints_for_tokens(inner, nesting + 1);
            return match hints.as_slice() {
                [one] => *one,
                _ => None,
            };
        }
        return classify(inner, nesting + 1);
    }

    let mut depth = 0i64;
    let mut concat = false;
    let mut arithmetic = false;
    let mut last_cast = None;
    for (k, t) in item.iter().enumerate() {
        match t.kind {
            TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RParen | TokenKind::RBracket => depth -= 1,
            TokenKind::Ident if t.is_keyword("case") => depth += 1,
            TokenKind::Ident if t.is_keyword("end") => depth -= 1,
            _ if depth != 0 => {}
            TokenKind::Ident if t.is_any_keyword(BOOL_KEYWORDS) => return Some(oid::BOOL),
            TokenKind::Operator if BOOL_OPERATORS.contains(&t.text) => return Some(oid::BOOL),
            TokenKind::Operator if t.text == "||" => concat = true,
            TokenKind::Operator if t.text == "::" => last_cast = Some(k),
            TokenKind::Operator if k > 0 => arithmetic = true,
            _ => {}
        }
    }
    if concat {
        return Some(oid::TEXT);
    }
    if arithmetic {
        return None;
    }
    if let Some(c) = last_cast {
        return parse_type_name(item, c + 1)
            .filter(|ty| ty.end == n)
            .and_then(|ty| ty.scalar_oid());
    }
    if first.is_keyword("cast") && matching_close(item, 1) == Some(n - 1) {
        return written_cast_type(item, 1, n - 1);
    }
    match item {
        [t] => literal_type(t),
        [sign, num]
            if (sign.is_operator("-") || sign.is_operator("+"))
                && num.kind == TokenKind::Number =>
        {
            number_type(num.text, sign.is_operator("-"))
        }
        _ => function_type(item),
    }
}

/// The type of `CAST(x AS t)` whose parentheses are at `open..=close`.
fn written_cast_type(tokens: &[Token<'_>], open: usize, close: usize) -> Option<Oid> {
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().take(close).skip(open + 1) {
        match t.kind {
            TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RParen | TokenKind::RBracket => depth = depth.saturating_sub(1),
            _ if depth == 0 && t.is_keyword("as") => {
                return parse_type_name(tokens, k + 1)
                    .filter(|ty| ty.end == close)
                    .and_then(|ty| ty.scalar_oid());
            }
            _ => {}
        }
    }
    None
}

fn literal_type(t: &Token<'_>) -> Option<Oid> {
    match t.kind {
        TokenKind::Number => number_type(t.text, false),
        TokenKind::String | TokenKind::EscapeString | TokenKind::DollarString => Some(oid::TEXT),
        TokenKind::Ident => {
            let mut buf = [0u8; 24];
            match lower(t.text, &mut buf) {
                "true" | "false" => Some(oid::BOOL),
                "current_timestamp" => Some(oid::TIMESTAMPTZ),
                "current_date" => Some(oid::DATE),
                "localtimestamp" => Some(oid::TIMESTAMP),
                "localtime" => Some(oid::TIME),
                "current_user" | "session_user" | "user" | "current_role" | "current_catalog"
                | "current_schema" => Some(oid::NAME),
                _ => None,
            }
        }
        _ => None,
    }
}

fn lower<'b>(word: &str, buf: &'b mut [u8; 24]) -> &'b str {
    let Some(dst) = buf.get_mut(..word.len()) else {
        return "";
    };
    dst.copy_from_slice(word.as_bytes());
    dst.make_ascii_lowercase();
    std::str::from_utf8(dst).unwrap_or("")
}

/// int4 if it fits, then int8, then numeric; decimals and exponents are numeric.
fn number_type(text: &str, negative: bool) -> Option<Oid> {
    if text.starts_with("0x") || text.starts_with("0X") {
        return None;
    }
    if text.contains(['.', 'e', 'E']) {
        return Some(oid::NUMERIC);
    }
    let (max32, max64) = if negative {
        (1u64 << 31, 1u64 << 63)
    } else {
        ((1u64 << 31) - 1, (1u64 << 63) - 1)
    };
    Some(match text.parse::<u64>() {
        Ok(v) if v <= max32 => oid::INT4,
        Ok(v) if v <= max64 => oid::INT8,
        _ => oid::NUMERIC,
    })
}

/// The result type of an item that is exactly one function call (optionally
/// schema-qualified, with `FILTER (...)` and `OVER ...`).
fn function_type(item: &[Token<'_>]) -> Option<Oid> {
    let (name, open) = match item {
        [name, paren, ..] if name.kind == TokenKind::Ident && paren.kind == TokenKind::LParen => {
            (name, 1)
        }
        [_, dot, name, paren, ..]
            if dot.kind == TokenKind::Dot
                && name.kind == TokenKind::Ident
                && paren.kind == TokenKind::LParen =>
        {
            (name, 3)
        }
        _ => return None,
    };
    let mut k = matching_close(item, open)? + 1;
    if item.get(k).is_some_and(|t| t.is_keyword("filter"))
        && item.get(k + 1).is_some_and(|t| t.kind == TokenKind::LParen)
    {
        k = matching_close(item, k + 1)? + 1;
    }
    if item.get(k).is_some_and(|t| t.is_keyword("over")) {
        match item.get(k + 1) {
            Some(t) if t.kind == TokenKind::LParen => k = matching_close(item, k + 1)? + 1,
            Some(t) if t.is_identifier() => k += 2,
            _ => return None,
        }
    }
    if k != item.len() {
        return None;
    }
    let mut buf = [0u8; 24];
    function_result_type(lower(name.text, &mut buf))
}

/// The result type of the function `name` (lower case) when its arguments do not decide it.
pub fn function_result_type(name: &str) -> Option<Oid> {
    Some(match name {
        "count" | "row_number" | "rank" | "dense_rank" | "nextval" | "currval" | "setval"
        | "lastval" => oid::INT8,
        "ntile" | "length" | "char_length" | "character_length" | "octet_length" | "bit_length"
        | "strpos" | "position" | "ascii" | "pg_backend_pid" => oid::INT4,
        "now"
        | "transaction_timestamp"
        | "statement_timestamp"
        | "clock_timestamp"
        | "current_timestamp" => oid::TIMESTAMPTZ,
        "localtimestamp" => oid::TIMESTAMP,
        "lower"
        | "upper"
        | "trim"
        | "ltrim"
        | "rtrim"
        | "btrim"
        | "substr"
        | "substring"
        | "replace"
        | "concat"
        | "concat_ws"
        | "left"
        | "right"
        | "lpad"
        | "rpad"
        | "repeat"
        | "reverse"
        | "initcap"
        | "md5"
        | "to_char"
        | "format"
        | "quote_ident"
        | "quote_literal"
        | "quote_nullable"
        | "split_part"
        | "translate"
        | "chr"
        | "string_agg"
        | "group_concat"
        | "version"
        | "current_setting"
        | "typeof"
        | "hex"
        | "printf"
        | "overlay"
        | "pg_get_serial_sequence" => oid::TEXT,
        "current_database" | "current_schema" => oid::NAME,
        "exists" | "bool_and" | "bool_or" | "every" | "starts_with" => oid::BOOL,
        "random" => oid::FLOAT8,
        "pg_typeof" => oid::REGTYPE,
        "gen_random_uuid" | "uuid_generate_v4" => oid::UUID,
        "to_json" | "json_agg" | "json_build_object" | "json_build_array" | "json_object_agg" => {
            oid::JSON
        }
        "to_jsonb" | "jsonb_agg" | "jsonb_build_object" | "jsonb_build_array"
        | "jsonb_object_agg" => oid::JSONB,
        _ => return None,
    })
}

/// Where a parameter's type can be learned from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamSource {
    /// `$n::type` or `CAST($n AS type)` with a type pgsqlite knows.
    Cast(Oid),
    /// Compared with or assigned to a column (`col = $n`, `$n < t.col`, `col IN ($n)`,
    /// `col BETWEEN $n AND ...`, `SET col = $n`, an `INSERT` column list). `table` is the
    /// qualifier as written (a table name or alias; normalised like identifiers: unquoted
    /// names lower-cased) or `None` when unqualified.
    Column {
        /// Table name or alias qualifying the column, if any.
        table: Option<String>,
        /// Column name.
        column: String,
    },
    /// The array operand of `col OP ANY($n)` / `ALL($n)`: an array of the column's type.
    ColumnArray {
        /// Table name or alias qualifying the column, if any.
        table: Option<String>,
        /// Column name.
        column: String,
    },
    /// Inserted at this 0-based position of `INSERT INTO table VALUES (...)` with no
    /// column list.
    InsertPosition {
        /// The table inserted into.
        table: String,
        /// 0-based position in the row.
        position: usize,
    },
    /// `LIMIT $n`, `OFFSET $n`, `FETCH FIRST $n`: an integer.
    Limit,
}

/// One hint for one parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamHint {
    /// The `n` of `$n` (1-based).
    pub index: usize,
    /// Where its type may come from.
    pub source: ParamSource,
}

/// Every hint the text gives about its `$n` parameters, ordered by parameter number; a
/// parameter with several hints keeps them all, casts first (the caller takes the first
/// it can resolve).
pub fn parameter_hints(statement: &str) -> SmallVec<[ParamHint; 8]> {
    let tokens: Vec<Token<'_>> = significant(statement).collect();
    let mut hints: SmallVec<[ParamHint; 8]> = SmallVec::new();
    for (i, t) in tokens.iter().enumerate() {
        let Some(index) = t.param_number() else {
            continue;
        };
        let mut push = |source| hints.push(ParamHint { index, source });
        let at = |k: Option<usize>| k.and_then(|k| tokens.get(k));
        let prev = at(i.checked_sub(1));
        let prev2 = at(i.checked_sub(2));
        let next = tokens.get(i + 1);

        // Casts.
        if next.is_some_and(|n| n.is_operator("::")) {
            if let Some(ty) = parse_type_name(&tokens, i + 2).and_then(|ty| ty.scalar_oid()) {
                push(ParamSource::Cast(ty));
            }
        } else if prev.is_some_and(|p| p.kind == TokenKind::LParen)
            && prev2.is_some_and(|p| p.is_keyword("cast"))
            && next.is_some_and(|n| n.is_keyword("as"))
        {
            let close = i
                .checked_sub(1)
                .and_then(|open| matching_close(&tokens, open));
            if let Some(ty) = parse_type_name(&tokens, i + 2)
                .filter(|ty| Some(ty.end) == close)
                .and_then(|ty| ty.scalar_oid())
            {
                push(ParamSource::Cast(ty));
            }
        }

        // LIMIT / OFFSET / FETCH FIRST.
        if prev.is_some_and(|p| p.is_any_keyword(&["limit", "offset"]))
            || (prev.is_some_and(|p| p.is_any_keyword(&["first", "next"]))
                && prev2.is_some_and(|p| p.is_keyword("fetch")))
        {
            push(ParamSource::Limit);
        }

        // col OP $n, col [NOT] LIKE $n.
        if let Some(p) = prev.filter(|p| is_comparison(p)) {
            let mut end = i.checked_sub(2);
            if p.is_any_keyword(&["like", "ilike"]) && prev2.is_some_and(|t| t.is_keyword("not")) {
                end = i.checked_sub(3);
            }
            if let Some(source) = end.and_then(|e| column_before(&tokens, e)) {
                push(source);
            }
        }
        // $n OP col.
        if next.is_some_and(is_comparison) {
            if let Some(source) = column_after(&tokens, i + 2) {
                push(source);
            }
        }
        // col OP ANY($n) / ALL($n) / SOME($n): an array of the column's type.
        if prev.is_some_and(|p| p.kind == TokenKind::LParen)
            && prev2.is_some_and(|p| p.is_any_keyword(&["any", "all", "some"]))
            && at(i.checked_sub(3)).is_some_and(is_comparison)
            && let Some(ParamSource::Column { table, column }) =
                i.checked_sub(4).and_then(|e| column_before(&tokens, e))
        {
            push(ParamSource::ColumnArray { table, column });
        }
        // col [NOT] IN (..., $n, ...).
        if let Some(source) = in_list_column(&tokens, i) {
            push(source);
        }
        // col [NOT] BETWEEN [SYMMETRIC] $n AND $m.
        if let Some(source) = between_column(&tokens, i) {
            push(source);
        }
    }
    insert_hints(&tokens, &mut hints);
    hints.sort_by_key(|h| h.index);
    hints
}

fn is_comparison(t: &Token<'_>) -> bool {
    (t.kind == TokenKind::Operator
        && matches!(t.text, "=" | "==" | "<>" | "!=" | "<" | ">" | "<=" | ">="))
        || t.is_any_keyword(&["like", "ilike"])
}

/// A name that can be a column or table reference (not a keyword).
fn is_name(t: &Token<'_>) -> bool {
    match t.kind {
        TokenKind::QuotedIdent => true,
        TokenKind::Ident => !is_reserved_keyword(t.text),
        _ => false,
    }
}

/// The column reference (`col` or `qualifier.col`) whose last token is at `end`.
fn column_before(tokens: &[Token<'_>], end: usize) -> Option<ParamSource> {
    let col = tokens.get(end).filter(|t| is_name(t))?;
    let before = end.checked_sub(1).and_then(|k| tokens.get(k));
    if before.is_some_and(|t| t.is_operator("::")) {
        return None;
    }
    let table = if before.is_some_and(|t| t.kind == TokenKind::Dot) {
        let tbl = end
            .checked_sub(2)
            .and_then(|k| tokens.get(k))
            .filter(|t| t.is_identifier())?;
        if end
            .checked_sub(3)
            .and_then(|k| tokens.get(k))
            .is_some_and(|t| t.is_operator("::"))
        {
            return None;
        }
        Some(identifier_name(tbl))
    } else {
        None
    };
    Some(ParamSource::Column {
        table,
        column: identifier_name(col),
    })
}

/// The column reference starting at `start`, if nothing after it makes it something else.
fn column_after(tokens: &[Token<'_>], start: usize) -> Option<ParamSource> {
    let first = tokens.get(start).filter(|t| is_name(t))?;
    let (table, column, next) = if tokens
        .get(start + 1)
        .is_some_and(|t| t.kind == TokenKind::Dot)
    {
        let col = tokens.get(start + 2).filter(|t| t.is_identifier())?;
        (
            Some(identifier_name(first)),
            identifier_name(col),
            start + 3,
        )
    } else {
        (None, identifier_name(first), start + 1)
    };
    if tokens.get(next).is_some_and(|t| {
        matches!(t.kind, TokenKind::LParen | TokenKind::Dot) || t.is_operator("::")
    }) {
        return None;
    }
    Some(ParamSource::Column { table, column })
}

/// `col [NOT] IN (a, $n, b)` for the parameter at `i`.
fn in_list_column(tokens: &[Token<'_>], i: usize) -> Option<ParamSource> {
    let mut j = i.checked_sub(1)?;
    loop {
        let t = tokens.get(j)?;
        match t.kind {
            TokenKind::Comma
            | TokenKind::Param
            | TokenKind::Number
            | TokenKind::String
            | TokenKind::EscapeString => j = j.checked_sub(1)?,
            TokenKind::LParen => break,
            _ => return None,
        }
    }
    tokens
        .get(j.checked_sub(1)?)
        .filter(|t| t.is_keyword("in"))?;
    let mut end = j.checked_sub(2)?;
    if tokens.get(end).is_some_and(|t| t.is_keyword("not")) {
        end = end.checked_sub(1)?;
    }
    column_before(tokens, end)
}

/// `col [NOT] BETWEEN [SYMMETRIC] $n AND $m` for the parameter at `i` (either bound).
fn between_column(tokens: &[Token<'_>], i: usize) -> Option<ParamSource> {
    let at = |k: usize| tokens.get(k);
    let mut b = i.checked_sub(1)?;
    if at(b).is_some_and(|t| t.is_keyword("and")) {
        // Upper bound: a simple lower bound must sit between BETWEEN and AND.
        let low = at(b.checked_sub(1)?)?;
        if !matches!(
            low.kind,
            TokenKind::Param | TokenKind::Number | TokenKind::String | TokenKind::EscapeString
        ) {
            return None;
        }
        b = b.checked_sub(2)?;
    }
    if at(b).is_some_and(|t| t.is_any_keyword(&["symmetric", "asymmetric"])) {
        b = b.checked_sub(1)?;
    }
    at(b).filter(|t| t.is_keyword("between"))?;
    let mut end = b.checked_sub(1)?;
    if at(end).is_some_and(|t| t.is_keyword("not")) {
        end = end.checked_sub(1)?;
    }
    column_before(tokens, end)
}

/// Hints from `INSERT INTO t [(cols)] VALUES (...), (...)`.
fn insert_hints(tokens: &[Token<'_>], hints: &mut SmallVec<[ParamHint; 8]>) {
    let Some((vi, verb)) = main_verb(tokens.iter().copied().enumerate()) else {
        return;
    };
    if !verb.is_any_keyword(&["insert", "replace"]) {
        return;
    }
    let at = |k: usize| tokens.get(k);
    let mut j = vi + 1;
    if at(j).is_some_and(|t| t.is_keyword("or")) {
        j += 2;
    }
    if !at(j).is_some_and(|t| t.is_keyword("into")) {
        return;
    }
    j += 1;
    let Some(mut name) = at(j).filter(|t| t.is_identifier()) else {
        return;
    };
    if at(j + 1).is_some_and(|t| t.kind == TokenKind::Dot) {
        let Some(n) = at(j + 2).filter(|t| t.is_identifier()) else {
            return;
        };
        name = n;
        j += 2;
    }
    let table = identifier_name(name);
    j += 1;
    if at(j).is_some_and(|t| t.is_keyword("as")) {
        j += 2;
    }
    let mut columns: Option<SmallVec<[String; 8]>> = None;
    if at(j).is_some_and(|t| t.kind == TokenKind::LParen) {
        let Some(close) = matching_close(tokens, j) else {
            return;
        };
        let list = tokens.get(j + 1..close).unwrap_or(&[]);
        columns = Some(
            split_top_level(list)
                .iter()
                .map(|c| c.first().map(identifier_name).unwrap_or_default())
                .collect(),
        );
        j = close + 1;
    }
    if at(j).is_some_and(|t| t.is_keyword("overriding")) {
        j += 3;
    }
    if !at(j).is_some_and(|t| t.is_keyword("values")) {
        return;
    }
    j += 1;
    while at(j).is_some_and(|t| t.kind == TokenKind::LParen) {
        let Some(close) = matching_close(tokens, j) else {
            return;
        };
        let row = tokens.get(j + 1..close).unwrap_or(&[]);
        for (position, item) in split_top_level(row).iter().enumerate() {
            let index = match item {
                [p] => p.param_number(),
                [p, cast, ..] if cast.is_operator("::") => p.param_number(),
                _ => None,
            };
            let Some(index) = index else {
                continue;
            };
            let source = match &columns {
                Some(cols) => match cols.get(position) {
                    Some(column) => ParamSource::Column {
                        table: Some(table.clone()),
                        column: column.clone(),
                    },
                    None => continue,
                },
                None => ParamSource::InsertPosition {
                    table: table.clone(),
                    position,
                },
            };
            hints.push(ParamHint { index, source });
        }
        j = close + 1;
        if at(j).is_some_and(|t| t.kind == TokenKind::Comma) {
            j += 1;
        } else {
            break;
        }
    }
}

/// Tables named after `FROM`, `JOIN`, `INTO`, `USING`, and a statement's `UPDATE`, in
/// order of appearance, each with its alias: `(table, alias)`. Unquoted names are
/// lower-cased, quoted ones kept as written; a schema qualifier is dropped. Subqueries
/// are looked into; function calls in `FROM` (`generate_series(...)`) are not tables.
pub fn referenced_tables(statement: &str) -> SmallVec<[(String, Option<String>); 4]> {
    let tokens: Vec<Token<'_>> = significant(statement).collect();
    let mut out = SmallVec::new();
    // One entry per open parenthesis: whether it is a function call's.
    let mut calls: SmallVec<[bool; 8]> = SmallVec::new();
    let mut in_calls = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|k| tokens.get(k));
        match t.kind {
            TokenKind::LParen => {
                let call = prev.is_some_and(precedes_call);
                calls.push(call);
                in_calls += usize::from(call);
                continue;
            }
            TokenKind::RParen => {
                if calls.pop() == Some(true) {
                    in_calls -= 1;
                }
                continue;
            }
            _ => {}
        }
        if in_calls > 0 || t.kind != TokenKind::Ident {
            continue;
        }
        if t.is_any_keyword(&["from", "using"]) {
            if t.is_keyword("from") && prev.is_some_and(|p| p.is_keyword("distinct")) {
                continue;
            }
            let mut j = i + 1;
            loop {
                let (found, next) = table_ref(&tokens, j);
                out.extend(found);
                if tokens.get(next).is_some_and(|t| t.kind == TokenKind::Comma) {
                    j = next + 1;
                } else {
                    break;
                }
            }
        } else if t.is_keyword("join") {
            out.extend(table_ref(&tokens, i + 1).0);
        } else if t.is_keyword("into") {
            out.extend(insert_target(&tokens, i + 1));
        } else if t.is_keyword("update")
            && prev.is_none_or(|p| {
                p.kind == TokenKind::RParen
                    || p.is_any_keyword(&["explain", "analyze", "analyse", "verbose", "plan"])
            })
        {
            let mut j = i + 1;
            if tokens.get(j).is_some_and(|t| t.is_keyword("or")) {
                j += 2;
            }
            out.extend(table_ref(&tokens, j).0);
        }
    }
    out
}

/// The table after `INTO`: `[schema.]name [AS alias]` (a `(` after it is a column list).
fn insert_target(tokens: &[Token<'_>], mut j: usize) -> Option<(String, Option<String>)> {
    let at = |k: usize| tokens.get(k);
    let mut name = at(j).filter(|t| is_name(t))?;
    while at(j + 1).is_some_and(|t| t.kind == TokenKind::Dot) {
        name = at(j + 2).filter(|t| t.is_identifier())?;
        j += 2;
    }
    let alias = if at(j + 1).is_some_and(|t| t.is_keyword("as")) {
        at(j + 2).filter(|t| t.is_identifier()).map(identifier_name)
    } else {
        None
    };
    Some((identifier_name(name), alias))
}

/// A table reference at `j`: `[ONLY|LATERAL] [schema.]name [[AS] alias]`. Returns it (if
/// it is a table rather than a subquery or function) and the index after it.
fn table_ref(tokens: &[Token<'_>], mut j: usize) -> (Option<(String, Option<String>)>, usize) {
    let at = |k: usize| tokens.get(k);
    while at(j).is_some_and(|t| t.is_any_keyword(&["only", "lateral"])) {
        j += 1;
    }
    if at(j).is_some_and(|t| t.kind == TokenKind::LParen) {
        // A subquery: its own FROMs are found by the caller's scan; skip it and its alias.
        let Some(close) = matching_close(tokens, j) else {
            return (None, j);
        };
        return (None, skip_alias(tokens, close + 1).1);
    }
    let Some(mut name) = at(j).filter(|t| is_name(t)) else {
        return (None, j);
    };
    while at(j + 1).is_some_and(|t| t.kind == TokenKind::Dot) {
        let Some(n) = at(j + 2).filter(|t| t.is_identifier()) else {
            return (None, j + 1);
        };
        name = n;
        j += 2;
    }
    j += 1;
    if at(j).is_some_and(|t| t.kind == TokenKind::LParen) {
        // A table function: skip its arguments and alias.
        let Some(close) = matching_close(tokens, j) else {
            return (None, j);
        };
        return (None, skip_alias(tokens, close + 1).1);
    }
    let (alias, next) = skip_alias(tokens, j);
    (Some((identifier_name(name), alias)), next)
}

/// An optional `[AS] alias` at `j`, and the index after it (and after a column alias
/// list `alias(a, b)`).
fn skip_alias(tokens: &[Token<'_>], j: usize) -> (Option<String>, usize) {
    let at = |k: usize| tokens.get(k);
    let (alias, mut next) = if at(j).is_some_and(|t| t.is_keyword("as")) {
        match at(j + 1).filter(|t| t.is_identifier()) {
            Some(a) => (Some(identifier_name(a)), j + 2),
            None => (None, j + 1),
        }
    } else {
        match at(j).filter(|t| can_be_alias(t)) {
            Some(a) => (Some(identifier_name(a)), j + 1),
            None => (None, j),
        }
    };
    if alias.is_some() && at(next).is_some_and(|t| t.kind == TokenKind::LParen) {
        if let Some(close) = matching_close(tokens, next) {
            next = close + 1;
        }
    }
    (alias, next)
}

fn can_be_alias(t: &Token<'_>) -> bool {
    is_name(t)
        && !t.is_any_keyword(&[
            "values",
            "set",
            "overriding",
            "indexed",
            "tablesample",
            "default",
            "conflict",
        ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(sql: &str) -> Vec<Option<Oid>> {
        result_column_hints(sql).into_vec()
    }

    #[test]
    fn postgres_column_names() {
        let names = |sql: &str| -> Vec<Option<String>> { result_column_names(sql).into_vec() };
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            names("SELECT '1'::date, '1'::date + 1, -'2 days'::interval, x::text AS y"),
            vec![some("date"), some("?column?"), some("?column?"), None]
        );
        assert_eq!(
            names("SELECT trim(' a '), trim(leading 'x' from y), current_date, localtimestamp"),
            vec![
                some("btrim"),
                some("ltrim"),
                some("current_date"),
                some("localtimestamp")
            ]
        );
        assert_eq!(
            names(
                "SELECT date '2024-01-01', interval '1' day, ts AT TIME ZONE 'UTC', (a, b) OVERLAPS (c, d), interval '1 day' AS i"
            ),
            vec![
                some("date"),
                some("interval"),
                some("timezone"),
                some("overlaps"),
                None
            ]
        );
    }

    fn h1(sql: &str) -> Option<Oid> {
        let v = hints(sql);
        assert_eq!(v.len(), 1, "{sql}: {v:?}");
        v[0]
    }

    #[test]
    fn literals() {
        assert_eq!(
            hints("select 1, 2147483648, -2147483648, 1.5, 'a', true, FALSE, null"),
            vec![
                Some(oid::INT4),
                Some(oid::INT8),
                Some(oid::INT4),
                Some(oid::NUMERIC),
                Some(oid::TEXT),
                Some(oid::BOOL),
                Some(oid::BOOL),
                None,
            ]
        );
        assert_eq!(h1("select 99999999999999999999"), Some(oid::NUMERIC));
        assert_eq!(h1("select 1e3"), Some(oid::NUMERIC));
        assert_eq!(h1("select E'x\\n'"), Some(oid::TEXT));
        assert_eq!(h1("select $$x$$"), Some(oid::TEXT));
        assert_eq!(h1("select -1"), Some(oid::INT4));
    }

    #[test]
    fn functions_and_keywords() {
        assert_eq!(h1("select count(*) from t"), Some(oid::INT8));
        assert_eq!(h1("select COUNT(DISTINCT a) AS n from t"), Some(oid::INT8));
        assert_eq!(
            h1("select count(*) filter (where a > 1) over (partition by b) from t"),
            Some(oid::INT8)
        );
        assert_eq!(h1("select now()"), Some(oid::TIMESTAMPTZ));
        assert_eq!(h1("select current_timestamp"), Some(oid::TIMESTAMPTZ));
        assert_eq!(h1("select current_date d"), Some(oid::DATE));
        assert_eq!(h1("select length(name) from t"), Some(oid::INT4));
        assert_eq!(
            hints("select octet_length(b), char_length(c)"),
            vec![Some(oid::INT4); 2]
        );
        assert_eq!(
            hints(
                "select lower(a), upper(a), trim(a), substr(a, 1), substring(a from 2), replace(a, 'x', 'y'), concat(a, b)"
            ),
            vec![Some(oid::TEXT); 7]
        );
        assert_eq!(h1("select pg_catalog.upper(a)"), Some(oid::TEXT));
        assert_eq!(h1("select a || b as ab from t"), Some(oid::TEXT));
        assert_eq!(
            hints("select sum(a), avg(a), min(a), max(a), coalesce(a, 0) from t"),
            vec![None; 5]
        );
        assert_eq!(h1("select case when a then 1 else 2 end from t"), None);
        assert_eq!(h1("select case when a = 1 then 'x' end as c from t"), None);
        assert_eq!(h1("select a from t"), None);
        assert_eq!(h1("select a + 1 from t"), None);
        assert_eq!(h1("select a * b c from t"), None);
        assert_eq!(h1("select unknown_fn(a) from t"), None);
    }

    #[test]
    fn casts() {
        assert_eq!(h1("select $1::int"), Some(oid::INT4));
        assert_eq!(h1("select a::bigint as x from t"), Some(oid::INT8));
        assert_eq!(h1("select a::double precision"), Some(oid::FLOAT8));
        assert_eq!(
            h1("select a::timestamp with time zone"),
            Some(oid::TIMESTAMPTZ)
        );
        assert_eq!(h1("select a::varchar(10) v"), Some(oid::VARCHAR));
        assert_eq!(h1("select x::text::date"), Some(oid::DATE));
        assert_eq!(h1("select (a + b)::numeric"), Some(oid::NUMERIC));
        assert_eq!(h1("select CAST(a AS uuid)"), Some(oid::UUID));
        assert_eq!(h1("select cast(a as bool) b"), Some(oid::BOOL));
        assert_eq!(h1("select a::int[]"), None);
        assert_eq!(h1("select a::regclass"), None);
        assert_eq!(h1("select a::int + 1"), None);
    }

    #[test]
    fn booleans() {
        for sql in [
            "select a = 1 from t",
            "select a <> b",
            "select a != b",
            "select a < b",
            "select a >= b as ge",
            "select a is null",
            "select a IS NOT NULL x",
            "select a in (1, 2)",
            "select a not in (select b from u)",
            "select a like 'x%'",
            "select a not ilike 'x%'",
            "select a glob '*'",
            "select a between 1 and 2",
            "select not a",
            "select exists (select 1 from t)",
            "select a and b",
            "select a or b",
            "select (a = 1)",
        ] {
            assert_eq!(h1(sql), Some(oid::BOOL), "{sql}");
        }
    }

    #[test]
    fn lists_and_shapes() {
        assert!(hints("select * from t").is_empty());
        assert!(hints("select a, t.* from t").is_empty());
        assert!(hints("create table t (a int)").is_empty());
        assert!(hints("select").is_empty());
        assert_eq!(
            hints("select distinct on (a) a, 1 from t"),
            vec![None, Some(oid::INT4)]
        );
        assert_eq!(hints("SELECT ALL 'x'"), vec![Some(oid::TEXT)]);
        assert_eq!(
            hints("with c as (select 1 as n) select n, count(*) from c group by n"),
            vec![None, Some(oid::INT8)]
        );
        assert_eq!(
            hints("(select 1, 'a') union (select 2, 'b')"),
            vec![Some(oid::INT4), Some(oid::TEXT)]
        );
        assert_eq!(hints("select 1 union select 2"), vec![Some(oid::INT4)]);
        assert_eq!(
            hints("insert into t (a) values (1) returning id, now() as ts"),
            vec![None, Some(oid::TIMESTAMPTZ)]
        );
        assert!(hints("delete from t returning *").is_empty());
        assert!(hints("update t set a = 1").is_empty());
        assert_eq!(
            hints("values (1, 'a', 1.5), (2, 'b', 2)"),
            vec![Some(oid::INT4), Some(oid::TEXT), Some(oid::NUMERIC)]
        );
        assert_eq!(h1("select (select count(*) from t)"), Some(oid::INT8));
        assert_eq!(h1("select a from t where b = 1"), None);
        assert_eq!(
            hints("select 1 a, 'x' \"B\""),
            vec![Some(oid::INT4), Some(oid::TEXT)]
        );
    }

    fn col(table: Option<&str>, column: &str) -> ParamSource {
        ParamSource::Column {
            table: table.map(Into::into),
            column: column.into(),
        }
    }

    fn ph(sql: &str) -> Vec<(usize, ParamSource)> {
        parameter_hints(sql)
            .into_iter()
            .map(|h| (h.index, h.source))
            .collect()
    }

    #[test]
    fn parameter_casts_and_limits() {
        assert_eq!(
            ph("select $1::int8, cast($2 as text), $3::regclass"),
            vec![
                (1, ParamSource::Cast(oid::INT8)),
                (2, ParamSource::Cast(oid::TEXT))
            ]
        );
        assert_eq!(
            ph("select * from t limit $1 offset $2"),
            vec![(1, ParamSource::Limit), (2, ParamSource::Limit)]
        );
        assert_eq!(
            ph("select * from t fetch first $1 rows only"),
            vec![(1, ParamSource::Limit)]
        );
    }

    #[test]
    fn parameter_comparisons() {
        assert_eq!(
            ph("select * from t where a = $1 and $2 < b and c <> $3 and d != $4"),
            vec![
                (1, col(None, "a")),
                (2, col(None, "b")),
                (3, col(None, "c")),
                (4, col(None, "d")),
            ]
        );
        assert_eq!(
            ph("select * from users u where u.id >= $1 and \"Name\" like $2 and x not ilike $3"),
            vec![
                (1, col(Some("u"), "id")),
                (2, col(None, "Name")),
                (3, col(None, "x"))
            ]
        );
        assert_eq!(
            ph("select * from t where $1 = T.A"),
            vec![(1, col(Some("t"), "a"))]
        );
        assert_eq!(
            ph("select * from t where a = $1::int"),
            vec![(1, ParamSource::Cast(oid::INT4)), (1, col(None, "a"))]
        );
        // Not columns: function results, casts, keywords.
        assert!(ph("select * from t where lower(a) = $1").is_empty());
        assert!(ph("select * from t where a::text = $1").is_empty());
        assert!(ph("select * from t where $1 = lower(a)").is_empty());
        assert!(ph("select $1 = null").is_empty());
        assert!(ph("select * from t where $1 = any(a)").is_empty());
    }

    #[test]
    fn parameter_lists_ranges_and_updates() {
        assert_eq!(
            ph("select * from t where a in ($1, $2) and b not in (1, $3)"),
            vec![
                (1, col(None, "a")),
                (2, col(None, "a")),
                (3, col(None, "b"))
            ]
        );
        assert_eq!(
            ph("select * from t where t.a between $1 and $2 and b not between symmetric $3 and 5"),
            vec![
                (1, col(Some("t"), "a")),
                (2, col(Some("t"), "a")),
                (3, col(None, "b"))
            ]
        );
        assert_eq!(
            ph("update t set a = $1, b = $2 where id = $3"),
            vec![
                (1, col(None, "a")),
                (2, col(None, "b")),
                (3, col(None, "id"))
            ]
        );
    }

    #[test]
    fn parameter_inserts() {
        let t = |c: &str| col(Some("t"), c);
        assert_eq!(
            ph("insert into t (a, b) values ($1, $2), ($3, $4)"),
            vec![(1, t("a")), (2, t("b")), (3, t("a")), (4, t("b"))]
        );
        let pos = |p| ParamSource::InsertPosition {
            table: "items".into(),
            position: p,
        };
        assert_eq!(
            ph("INSERT INTO main.Items VALUES ($1, 'x', $2::int)"),
            vec![(1, pos(0)), (2, ParamSource::Cast(oid::INT4)), (2, pos(2))]
        );
        assert_eq!(
            ph("insert or replace into t (a) values ($1) on conflict (a) do update set a = $2"),
            vec![(1, t("a")), (2, col(None, "a"))]
        );
        assert_eq!(
            ph("with x as (select 1) insert into t (a, b) values (lower($1), $2)"),
            vec![(2, t("b"))]
        );
        assert!(ph("insert into t select $1").is_empty());
    }

    fn tables(sql: &str) -> Vec<(String, Option<String>)> {
        referenced_tables(sql).into_vec()
    }

    fn tab(name: &str, alias: Option<&str>) -> (String, Option<String>) {
        (name.into(), alias.map(Into::into))
    }

    #[test]
    fn tables_and_aliases() {
        assert_eq!(tables("select * from Users"), vec![tab("users", None)]);
        assert_eq!(
            tables(
                "select * from users u join orders as o on u.id = o.uid left join \"Items\" i using (id)"
            ),
            vec![
                tab("users", Some("u")),
                tab("orders", Some("o")),
                tab("Items", Some("i"))
            ]
        );
        assert_eq!(
            tables("select * from a, public.b x, c where a.id = 1"),
            vec![tab("a", None), tab("b", Some("x")), tab("c", None)]
        );
        assert_eq!(tables("insert into t (a) values (1)"), vec![tab("t", None)]);
        assert_eq!(tables("insert into t values (1)"), vec![tab("t", None)]);
        assert_eq!(tables("update t set a = 1"), vec![tab("t", None)]);
        assert_eq!(
            tables("update only t x set a = 1 from u"),
            vec![tab("t", Some("x")), tab("u", None)]
        );
        assert_eq!(tables("delete from t where id = 1"), vec![tab("t", None)]);
        assert_eq!(
            tables("select * from (select * from inner_t) s join lateral f(1) g on true"),
            vec![tab("inner_t", None)]
        );
        assert_eq!(
            tables(
                "select extract(year from ts), substring(a from 1) from t where a is distinct from b"
            ),
            vec![tab("t", None)]
        );
        assert_eq!(
            tables("select * from t where exists (select 1 from u where u.a = t.a)"),
            vec![tab("t", None), tab("u", None)]
        );
        assert_eq!(tables("select * from t for update"), vec![tab("t", None)]);
        assert_eq!(
            tables("insert into t (a) values (1) on conflict (a) do update set a = 2"),
            vec![tab("t", None)]
        );
        assert_eq!(tables("select * from generate_series(1, 3) g"), vec![]);
        assert_eq!(tables("select 1"), vec![]);
    }

    #[test]
    fn never_panics() {
        for input in crate::sql::lexer::garbled_inputs(50_000) {
            let _ = result_column_hints(&input);
            let _ = parameter_hints(&input);
            let _ = referenced_tables(&input);
        }
        let deep = "select ".to_owned() + &"(".repeat(100_000) + "1" + &")".repeat(100_000);
        assert_eq!(result_column_hints(&deep).len(), 1);
    }
}
