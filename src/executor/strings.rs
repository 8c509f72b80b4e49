//! PostgreSQL's string functions SQLite lacks (or has with other semantics), as SQLite
//! functions: `strpos`, `split_part`, `left`, `right`, `lpad`, `rpad`, `initcap`,
//! `repeat`, `reverse`, `char_length`, `btrim`, `translate`, `ascii`, `chr`, `md5`,
//! `starts_with`, `quote_ident`, `quote_literal`, `quote_nullable`, `to_hex`, `format`
//! (`%s`, `%I`, `%L`), Unicode-aware `upper`/`lower`, and `pg_substring` (the
//! `substring(x FROM n FOR m)` forms). Lengths and positions count characters.

use super::pg_function_error;
use crate::error::SqlState;
use md5::{Digest, Md5};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Result};
use std::borrow::Cow;
use std::fmt::Write;

/// The longest string a function here builds (PostgreSQL's limit for a text value).
const MAX_TEXT_BYTES: usize = (1 << 30) - 1;

/// Registers the string functions on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("strpos", 2, flags, |ctx| {
        with_texts2(ctx, |s, sub| strpos(s, sub) as i64)
    })?;
    conn.create_scalar_function("split_part", 3, flags, |ctx| split_part(ctx))?;
    conn.create_scalar_function("left", 2, flags, |ctx| take_chars(ctx, true))?;
    conn.create_scalar_function("right", 2, flags, |ctx| take_chars(ctx, false))?;
    for (name, left) in [("lpad", true), ("rpad", false)] {
        conn.create_scalar_function(name, 2, flags, move |ctx| pad(ctx, left))?;
        conn.create_scalar_function(name, 3, flags, move |ctx| pad(ctx, left))?;
    }
    conn.create_scalar_function("initcap", 1, flags, |ctx| with_text(ctx, initcap))?;
    conn.create_scalar_function("repeat", 2, flags, |ctx| repeat(ctx))?;
    conn.create_scalar_function("reverse", 1, flags, |ctx| {
        with_text(ctx, |s| s.chars().rev().collect::<String>())
    })?;
    for name in ["char_length", "character_length"] {
        conn.create_scalar_function(name, 1, flags, |ctx| {
            Ok(text_arg(ctx, 0)?.map(|s| s.chars().count() as i64))
        })?;
    }
    conn.create_scalar_function("btrim", 1, flags, |ctx| {
        with_text(ctx, |s| s.trim_matches(' ').to_string())
    })?;
    conn.create_scalar_function("btrim", 2, flags, |ctx| {
        with_texts2(ctx, |s, set| {
            s.trim_matches(|c| set.contains(c)).to_string()
        })
    })?;
    conn.create_scalar_function("translate", 3, flags, |ctx| translate(ctx))?;
    conn.create_scalar_function("ascii", 1, flags, |ctx| {
        Ok(text_arg(ctx, 0)?.map(|s| s.chars().next().map_or(0, |c| c as i64)))
    })?;
    conn.create_scalar_function("chr", 1, flags, |ctx| chr(ctx))?;
    conn.create_scalar_function("md5", 1, flags, |ctx| md5(ctx))?;
    conn.create_scalar_function("starts_with", 2, flags, |ctx| {
        with_texts2(ctx, |s, prefix| s.starts_with(prefix))
    })?;
    conn.create_scalar_function("quote_ident", 1, flags, |ctx| with_text(ctx, quote_ident))?;
    conn.create_scalar_function("quote_literal", 1, flags, |ctx| {
        with_text(ctx, quote_literal)
    })?;
    conn.create_scalar_function("quote_nullable", 1, flags, |ctx| {
        Ok(text_arg(ctx, 0)?.map_or_else(|| "NULL".to_string(), |s| quote_literal(&s)))
    })?;
    conn.create_scalar_function("to_hex", 1, flags, |ctx| {
        Ok(ctx.get::<Option<i64>>(0)?.map(|n| format!("{n:x}")))
    })?;
    conn.create_scalar_function("upper", 1, flags, |ctx| {
        with_text(ctx, |s| map_chars(s, char::to_uppercase))
    })?;
    conn.create_scalar_function("lower", 1, flags, |ctx| {
        with_text(ctx, |s| map_chars(s, char::to_lowercase))
    })?;
    conn.create_scalar_function("format", -1, flags, |ctx| format(ctx))?;
    conn.create_scalar_function("pg_substring", 2, flags, |ctx| substring(ctx))?;
    conn.create_scalar_function("pg_substring", 3, flags, |ctx| substring(ctx))?;
    Ok(())
}

/// Argument `i` as text, as PostgreSQL's implicit cast to text writes it; `None` for NULL.
pub(crate) fn text_arg<'a>(ctx: &'a Context<'_>, i: usize) -> Result<Option<Cow<'a, str>>> {
    Ok(match ctx.get_raw(i) {
        ValueRef::Null => None,
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t)),
        ValueRef::Integer(n) => Some(Cow::Owned(n.to_string())),
        ValueRef::Real(f) => {
            let mut buf = bytes::BytesMut::with_capacity(24);
            crate::value::text::write_float8(f, &mut buf);
            Some(Cow::Owned(String::from_utf8_lossy(&buf).into_owned()))
        }
        ValueRef::Blob(b) => Some(String::from_utf8_lossy(b)),
    })
}

fn with_text<T>(ctx: &Context<'_>, f: impl FnOnce(&str) -> T) -> Result<Option<T>> {
    Ok(text_arg(ctx, 0)?.map(|s| f(&s)))
}

fn with_texts2<T>(ctx: &Context<'_>, f: impl FnOnce(&str, &str) -> T) -> Result<Option<T>> {
    match (text_arg(ctx, 0)?, text_arg(ctx, 1)?) {
        (Some(a), Some(b)) => Ok(Some(f(&a, &b))),
        _ => Ok(None),
    }
}

fn too_long() -> rusqlite::Error {
    pg_function_error(
        SqlState::PROGRAM_LIMIT_EXCEEDED,
        "requested length too large",
    )
}

/// The 1-based character position of `sub` in `s`, 0 when absent.
fn strpos(s: &str, sub: &str) -> usize {
    s.find(sub).map_or(0, |at| s[..at].chars().count() + 1)
}

fn split_part(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some(s), Some(delim), Some(n)) = (
        text_arg(ctx, 0)?,
        text_arg(ctx, 1)?,
        ctx.get::<Option<i64>>(2)?,
    ) else {
        return Ok(None);
    };
    if n == 0 {
        return Err(pg_function_error(
            SqlState::INVALID_PARAMETER_VALUE,
            "field position must not be zero",
        ));
    }
    if delim.is_empty() {
        return Ok(Some(if n == 1 || n == -1 {
            s.into_owned()
        } else {
            String::new()
        }));
    }
    let part = if n > 0 {
        s.split(delim.as_ref()).nth((n - 1) as usize)
    } else {
        s.rsplit(delim.as_ref()).nth((-n - 1) as usize)
    };
    Ok(Some(part.unwrap_or("").to_string()))
}

/// `left(s, n)` / `right(s, n)`: a negative `n` counts what to leave out.
fn take_chars(ctx: &Context<'_>, left: bool) -> Result<Option<String>> {
    let (Some(s), Some(n)) = (text_arg(ctx, 0)?, ctx.get::<Option<i64>>(1)?) else {
        return Ok(None);
    };
    let len = s.chars().count() as i64;
    let keep = if n >= 0 { n.min(len) } else { (len + n).max(0) } as usize;
    Ok(Some(if left {
        s.chars().take(keep).collect()
    } else {
        s.chars().skip(len as usize - keep).collect()
    }))
}

/// `lpad`/`rpad`: fills to `length` characters, truncating a longer string.
fn pad(ctx: &Context<'_>, left: bool) -> Result<Option<String>> {
    let (Some(s), Some(length)) = (text_arg(ctx, 0)?, ctx.get::<Option<i64>>(1)?) else {
        return Ok(None);
    };
    let fill = if ctx.len() > 2 {
        match text_arg(ctx, 2)? {
            Some(f) => f,
            None => return Ok(None),
        }
    } else {
        Cow::Borrowed(" ")
    };
    let length = length.max(0) as usize;
    if length.saturating_mul(4) > MAX_TEXT_BYTES {
        return Err(too_long());
    }
    let have = s.chars().count();
    if have >= length || fill.is_empty() {
        return Ok(Some(s.chars().take(length).collect()));
    }
    let filler: String = fill.chars().cycle().take(length - have).collect();
    Ok(Some(if left {
        filler + &s
    } else {
        s.into_owned() + &filler
    }))
}

/// Upper-cases the first letter of each run of letters and digits, lower-cases the rest.
fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    for c in s.chars() {
        if in_word {
            out.extend(one_char(c, char::to_lowercase));
        } else {
            out.extend(one_char(c, char::to_uppercase));
        }
        in_word = c.is_alphanumeric();
    }
    out
}

/// A case mapping that keeps a character whose mapping is not one character (`ß`), as
/// PostgreSQL's per-character mapping does.
fn one_char<I: Iterator<Item = char>>(c: char, map: fn(char) -> I) -> Option<char> {
    let mut mapped = map(c);
    match (mapped.next(), mapped.next()) {
        (Some(m), None) => Some(m),
        _ => Some(c),
    }
}

fn map_chars<I: Iterator<Item = char>>(s: &str, map: fn(char) -> I) -> String {
    if s.is_ascii() {
        return match map('a').next() {
            Some('A') => s.to_ascii_uppercase(),
            _ => s.to_ascii_lowercase(),
        };
    }
    s.chars().filter_map(|c| one_char(c, map)).collect()
}

fn repeat(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some(s), Some(n)) = (text_arg(ctx, 0)?, ctx.get::<Option<i64>>(1)?) else {
        return Ok(None);
    };
    if n <= 0 {
        return Ok(Some(String::new()));
    }
    if (n as u64).saturating_mul(s.len() as u64) > MAX_TEXT_BYTES as u64 {
        return Err(too_long());
    }
    Ok(Some(s.repeat(n as usize)))
}

/// `translate(s, from, to)`: each character of `from` becomes the one at the same place
/// in `to`, or is dropped when `to` is shorter.
fn translate(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some(s), Some(from), Some(to)) = (text_arg(ctx, 0)?, text_arg(ctx, 1)?, text_arg(ctx, 2)?)
    else {
        return Ok(None);
    };
    let to: Vec<char> = to.chars().collect();
    Ok(Some(
        s.chars()
            .filter_map(|c| match from.chars().position(|f| f == c) {
                Some(i) => to.get(i).copied(),
                None => Some(c),
            })
            .collect(),
    ))
}

fn chr(ctx: &Context<'_>) -> Result<Option<String>> {
    let Some(n) = ctx.get::<Option<i64>>(0)? else {
        return Ok(None);
    };
    if n == 0 {
        return Err(pg_function_error(
            SqlState::PROGRAM_LIMIT_EXCEEDED,
            "null character not permitted",
        ));
    }
    match u32::try_from(n).ok().and_then(char::from_u32) {
        Some(c) => Ok(Some(c.to_string())),
        None if n < 0 => Err(pg_function_error(
            SqlState::PROGRAM_LIMIT_EXCEEDED,
            "character number must be positive",
        )),
        None => Err(pg_function_error(
            SqlState::PROGRAM_LIMIT_EXCEEDED,
            &format!("requested character too large for encoding: {n}"),
        )),
    }
}

fn md5(ctx: &Context<'_>) -> Result<Option<String>> {
    let digest = match ctx.get_raw(0) {
        ValueRef::Null => return Ok(None),
        ValueRef::Text(b) | ValueRef::Blob(b) => Md5::digest(b),
        _ => match text_arg(ctx, 0)? {
            Some(s) => Md5::digest(s.as_bytes()),
            None => return Ok(None),
        },
    };
    let mut out = String::with_capacity(32);
    for b in digest.iter() {
        let _ = write!(out, "{b:02x}");
    }
    Ok(Some(out))
}

/// Quotes an identifier when PostgreSQL would need it quoted.
fn quote_ident(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !crate::sql::lexer::is_reserved_keyword(s);
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// A string literal: quotes doubled; with backslashes, an `E'...'` literal.
fn quote_literal(s: &str) -> String {
    let body = s.replace('\'', "''");
    if s.contains('\\') {
        format!("E'{}'", body.replace('\\', "\\\\"))
    } else {
        format!("'{body}'")
    }
}

/// `format(fmt, args...)`: `%s`, `%I`, `%L` and `%%`, with `n$` positions, the `-` flag
/// and widths (`*` and `*n$` read the width from an argument).
fn format(ctx: &Context<'_>) -> Result<Option<String>> {
    if ctx.is_empty() {
        return Err(pg_function_error(
            SqlState::UNDEFINED_FUNCTION,
            "function format() does not exist",
        ));
    }
    let Some(fmt) = text_arg(ctx, 0)? else {
        return Ok(None);
    };
    let bad = |m: &str| pg_function_error(SqlState::INVALID_PARAMETER_VALUE, m);
    let mut out = String::with_capacity(fmt.len());
    let mut chars = fmt.chars().peekable();
    let mut next_arg = 1usize;
    let number = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        let mut n: Option<usize> = None;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
            chars.next();
        }
        n
    };
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        // [position$][flags][width]type
        let mut left_align = false;
        let mut width: Option<usize> = None;
        let mut position = None;
        if let Some(n) = number(&mut chars) {
            if chars.peek() == Some(&'$') {
                chars.next();
                position = Some(n);
            } else {
                width = Some(n);
            }
        }
        if width.is_none() {
            while chars.peek() == Some(&'-') {
                chars.next();
                left_align = true;
            }
            if chars.peek() == Some(&'*') {
                chars.next();
                let at = match number(&mut chars) {
                    Some(n) if chars.peek() == Some(&'$') => {
                        chars.next();
                        n
                    }
                    Some(_) => return Err(bad("unterminated format() type specifier")),
                    None => {
                        let at = next_arg;
                        next_arg += 1;
                        at
                    }
                };
                if at == 0 || at >= ctx.len() {
                    return Err(bad("too few arguments for format()"));
                }
                let w = ctx.get::<Option<i64>>(at)?.unwrap_or(0);
                if w < 0 {
                    left_align = true;
                }
                width = Some(w.unsigned_abs() as usize);
            } else {
                width = number(&mut chars);
            }
        }
        let Some(kind) = chars.next() else {
            return Err(bad("unterminated format() type specifier"));
        };
        let at = match position {
            Some(0) => {
                return Err(bad(
                    "format specifies argument 0, but arguments are numbered from 1",
                ));
            }
            Some(n) => n,
            None => next_arg,
        };
        next_arg = at + 1;
        if !matches!(kind, 's' | 'I' | 'L') {
            return Err(bad(&format!(
                "unrecognized format() type specifier \"{kind}\""
            )));
        }
        if at >= ctx.len() {
            return Err(bad("too few arguments for format()"));
        }
        let value = text_arg(ctx, at)?;
        let piece = match (kind, value) {
            ('s', v) => v.map(Cow::into_owned).unwrap_or_default(),
            ('I', Some(v)) => quote_ident(&v),
            ('I', None) => {
                return Err(pg_function_error(
                    SqlState::NULL_VALUE_NOT_ALLOWED,
                    "null values cannot be formatted as an SQL identifier",
                ));
            }
            (_, Some(v)) => quote_literal(&v),
            (_, None) => "NULL".to_string(),
        };
        let pad = width
            .unwrap_or(0)
            .saturating_sub(piece.chars().count())
            .min(MAX_TEXT_BYTES);
        if !left_align {
            out.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(&piece);
        if left_align {
            out.extend(std::iter::repeat_n(' ', pad));
        }
        if out.len() > MAX_TEXT_BYTES {
            return Err(too_long());
        }
    }
    Ok(Some(out))
}

/// `substring(s FROM start [FOR count])`: characters from `start` (1-based; earlier
/// positions count toward `count`), 22011 for a negative count.
fn substring(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some(s), Some(start)) = (text_arg(ctx, 0)?, ctx.get::<Option<i64>>(1)?) else {
        return Ok(None);
    };
    let end = if ctx.len() > 2 {
        match ctx.get::<Option<i64>>(2)? {
            None => return Ok(None),
            Some(n) if n < 0 => {
                return Err(pg_function_error(
                    SqlState::SUBSTRING_ERROR,
                    "negative substring length not allowed",
                ));
            }
            Some(n) => start.saturating_add(n),
        }
    } else {
        i64::MAX
    };
    let from = start.max(1);
    if end <= from {
        return Ok(Some(String::new()));
    }
    Ok(Some(
        s.chars()
            .skip((from - 1) as usize)
            .take((end - from).min(i64::from(u32::MAX)) as usize)
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> std::result::Result<rusqlite::types::Value, String> {
        crate::executor::testing::one(register, sql)
    }

    fn text(sql: &str) -> String {
        crate::executor::testing::text(register, sql)
    }

    #[test]
    fn postgres_string_functions() {
        assert_eq!(one("SELECT strpos('high', 'ig')"), Ok(2.into()));
        assert_eq!(one("SELECT strpos('héllo', 'l')"), Ok(3.into()));
        assert_eq!(text("SELECT split_part('a,b,c', ',', 2)"), "b");
        assert_eq!(text("SELECT split_part('a,b,c', ',', 5)"), "");
        assert_eq!(text("SELECT split_part('a,b,c', ',', -1)"), "c");
        assert!(
            one("SELECT split_part('a', ',', 0)")
                .unwrap_err()
                .contains("22023")
        );
        assert_eq!(text("SELECT left('abcdef', -2)"), "abcd");
        assert_eq!(text("SELECT right('abcdef', 2)"), "ef");
        assert_eq!(text("SELECT right('abcdef', -2)"), "cdef");
        assert_eq!(text("SELECT lpad('7', 3, '0')"), "007");
        assert_eq!(text("SELECT lpad('hello', 3)"), "hel");
        assert_eq!(text("SELECT rpad('ab', 5, 'xy')"), "abxyx");
        assert_eq!(
            text("SELECT initcap('hello wORLD foo-bar')"),
            "Hello World Foo-Bar"
        );
        assert_eq!(text("SELECT repeat('ab', 3)"), "ababab");
        assert_eq!(text("SELECT repeat('ab', -1)"), "");
        assert!(
            one("SELECT repeat('ab', 1000000000)")
                .unwrap_err()
                .contains("54000")
        );
        assert_eq!(text("SELECT reverse('abc')"), "cba");
        assert_eq!(one("SELECT char_length('héllo')"), Ok(5.into()));
        assert_eq!(text("SELECT btrim('xxaxx', 'x')"), "a");
        assert_eq!(text("SELECT translate('12345', '143', 'ax')"), "a2x5");
        assert_eq!(one("SELECT ascii('A')"), Ok(65.into()));
        assert_eq!(text("SELECT chr(66)"), "B");
        assert_eq!(
            text("SELECT md5('abc')"),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(one("SELECT starts_with('alphabet', 'alph')"), Ok(1.into()));
        assert_eq!(text("SELECT quote_ident('a b')"), "\"a b\"");
        assert_eq!(text("SELECT quote_ident('ab')"), "ab");
        assert_eq!(text("SELECT quote_literal('x''y')"), "'x''y'");
        assert_eq!(text("SELECT quote_nullable(NULL)"), "NULL");
        assert_eq!(text("SELECT to_hex(255)"), "ff");
        assert_eq!(text("SELECT upper('straße')"), "STRAßE");
        assert_eq!(text("SELECT lower('ÀB')"), "àb");
        assert_eq!(
            text("SELECT format('%s has %s items', 'cart', 3)"),
            "cart has 3 items"
        );
        assert_eq!(
            text("SELECT format('%I.%L', 'my table', 'it''s')"),
            "\"my table\".'it''s'"
        );
        assert_eq!(
            text("SELECT format('[%5s|%-5s]', 'ab', 'cd')"),
            "[   ab|cd   ]"
        );
        assert_eq!(text("SELECT format('%2$s %1$s', 'a', 'b')"), "b a");
        assert!(
            one("SELECT format('%s %s', 'a')")
                .unwrap_err()
                .contains("22023")
        );
        assert_eq!(text("SELECT pg_substring('PostgreSQL', 5, 3)"), "gre");
        assert_eq!(text("SELECT pg_substring('PostgreSQL', 0, 3)"), "Po");
        assert_eq!(text("SELECT pg_substring('PostgreSQL', 5)"), "greSQL");
        assert!(
            one("SELECT pg_substring('x', 1, -1)")
                .unwrap_err()
                .contains("22011")
        );
    }
}
