//! Pattern matching with PostgreSQL's semantics, as SQLite functions the SQL front end
//! calls: the regular-expression operators (`pg_regex`, `pg_regex_ci` for `~` and `~*`),
//! `regexp_replace`, `LIKE`/`ILIKE` with PostgreSQL's case rules and backslash escape
//! (`pg_like`, for patterns not known when the statement is prepared; literal patterns
//! become SQLite `GLOB`), and `SIMILAR TO` (`pg_similar`).
//!
//! Compiled patterns are kept in SQLite's per-statement auxiliary data, so a constant
//! pattern compiles once per statement rather than once per row.

use super::pg_function_error;
use super::strings::text_arg;
use crate::error::SqlState;
use regex::{Regex, RegexBuilder};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Result};
use std::sync::Arc;

/// Registers the pattern functions on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("pg_regex", 2, flags, |ctx| regex_match(ctx, "c"))?;
    conn.create_scalar_function("pg_regex_ci", 2, flags, |ctx| regex_match(ctx, "i"))?;
    conn.create_scalar_function("regexp_replace", 3, flags, |ctx| regexp_replace(ctx))?;
    conn.create_scalar_function("regexp_replace", 4, flags, |ctx| regexp_replace(ctx))?;
    conn.create_scalar_function("regexp_match", 2, flags, |ctx| regexp_match(ctx))?;
    conn.create_scalar_function("regexp_match", 3, flags, |ctx| regexp_match(ctx))?;
    conn.create_scalar_function("pg_like", 4, flags, |ctx| like(ctx))?;
    conn.create_scalar_function("pg_similar", 3, flags, |ctx| similar(ctx))?;
    Ok(())
}

/// A compiled regular expression and the flags it was compiled with.
struct Compiled {
    source: String,
    flags: String,
    global: bool,
    regex: Regex,
}

fn invalid_regex(err: &regex::Error) -> rusqlite::Error {
    let text = err.to_string();
    let what = if text.contains("unclosed group") || text.contains("unopened group") {
        "parentheses () not balanced".to_string()
    } else if text.contains("unclosed character class") {
        "brackets [] not balanced".to_string()
    } else if text.contains("repetition operator missing expression") {
        "quantifier operand invalid".to_string()
    } else {
        text.lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .unwrap_or("invalid pattern")
            .to_string()
    };
    pg_function_error(
        SqlState::INVALID_REGULAR_EXPRESSION,
        &format!("invalid regular expression: {what}"),
    )
}

/// Compiles `pattern` with PostgreSQL's flags (`i` `c` `n` `m` `s` `x` `g`).
fn compile(pattern: &str, flags: &str, allow_global: bool) -> Result<Compiled> {
    let mut builder = RegexBuilder::new(pattern);
    // PostgreSQL's default: `.` and bracket expressions match a newline, `^`/`$` anchor
    // at the ends of the string only.
    builder.dot_matches_new_line(true);
    let mut global = false;
    for f in flags.chars() {
        match f {
            'i' => builder.case_insensitive(true),
            'c' => builder.case_insensitive(false),
            'n' | 'm' => builder.dot_matches_new_line(false).multi_line(true),
            's' => builder.dot_matches_new_line(true).multi_line(false),
            'x' => builder.ignore_whitespace(true),
            't' => builder.ignore_whitespace(false),
            'g' if allow_global => {
                global = true;
                &mut builder
            }
            other => {
                return Err(pg_function_error(
                    SqlState::INVALID_PARAMETER_VALUE,
                    &format!("invalid regular expression option: \"{other}\""),
                ));
            }
        };
    }
    builder.size_limit(10 << 20);
    let regex = builder.build().map_err(|e| invalid_regex(&e))?;
    Ok(Compiled {
        source: pattern.to_string(),
        flags: flags.to_string(),
        global,
        regex,
    })
}

/// The compiled form of the pattern at argument `at`, from the statement's cache when the
/// pattern is constant.
fn compiled(
    ctx: &Context<'_>,
    at: usize,
    pattern: &str,
    flags: &str,
    allow_global: bool,
) -> Result<Arc<Compiled>> {
    let cached: Result<Arc<Compiled>> = ctx.get_or_create_aux(at as i32, |_| {
        compile(pattern, flags, allow_global).map_err(|e| e.to_string())
    });
    match cached {
        Ok(c) if c.source == pattern && c.flags == flags => Ok(c),
        Ok(_) => compile(pattern, flags, allow_global).map(Arc::new),
        Err(rusqlite::Error::UserFunctionError(e)) => Err(rusqlite::Error::UserFunctionError(e)),
        Err(other) => Err(other),
    }
}

/// `s ~ pattern` (flags `c`) or `s ~* pattern` (flags `i`).
fn regex_match(ctx: &Context<'_>, flags: &str) -> Result<Option<bool>> {
    let (Some(s), Some(pattern)) = (text_arg(ctx, 0)?, text_arg(ctx, 1)?) else {
        return Ok(None);
    };
    let compiled = compiled(ctx, 1, &pattern, flags, false)?;
    Ok(Some(compiled.regex.is_match(&s)))
}

/// PostgreSQL's replacement text (`\1`..`\9`, `\&`, `\\`) in the regex crate's syntax.
fn replacement(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.next() {
                Some(d @ '1'..='9') => {
                    out.push_str("${");
                    out.push(d);
                    out.push('}');
                }
                Some('&') => out.push_str("${0}"),
                Some('$') => out.push_str("$$"),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            other => out.push(other),
        }
    }
    out
}

/// `regexp_replace(s, pattern, replacement [, flags])`: the first match, or every match
/// with flag `g`.
fn regexp_replace(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some(s), Some(pattern), Some(with)) =
        (text_arg(ctx, 0)?, text_arg(ctx, 1)?, text_arg(ctx, 2)?)
    else {
        return Ok(None);
    };
    let flags = if ctx.len() > 3 {
        match text_arg(ctx, 3)? {
            Some(f) => f.into_owned(),
            None => return Ok(None),
        }
    } else {
        String::new()
    };
    let compiled = compiled(ctx, 1, &pattern, &flags, true)?;
    let with = replacement(&with);
    let limit = if compiled.global { 0 } else { 1 };
    Ok(Some(
        compiled
            .regex
            .replacen(&s, limit, with.as_str())
            .into_owned(),
    ))
}

/// `regexp_match(s, pattern [, flags])`: the first match as a `text[]` (its
/// parenthesised groups, or the whole match when there are none); NULL without a match.
fn regexp_match(ctx: &Context<'_>) -> Result<Option<String>> {
    let (Some(s), Some(pattern)) = (text_arg(ctx, 0)?, text_arg(ctx, 1)?) else {
        return Ok(None);
    };
    let flags = if ctx.len() > 2 {
        match text_arg(ctx, 2)? {
            Some(f) => f.into_owned(),
            None => return Ok(None),
        }
    } else {
        String::new()
    };
    if flags.contains('g') {
        return Err(pg_function_error(
            SqlState::INVALID_PARAMETER_VALUE,
            "regexp_match() does not support the \"global\" option\nUse the regexp_matches function instead.",
        ));
    }
    let compiled = compiled(ctx, 1, &pattern, &flags, false)?;
    let Some(caps) = compiled.regex.captures(&s) else {
        return Ok(None);
    };
    let groups: Vec<Option<&str>> = if caps.len() == 1 {
        vec![caps.get(0).map(|m| m.as_str())]
    } else {
        caps.iter().skip(1).map(|m| m.map(|m| m.as_str())).collect()
    };
    Ok(Some(text_array(&groups)))
}

/// A `text[]` in PostgreSQL's text form: elements quoted where they need it.
fn text_array(items: &[Option<&str>]) -> String {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            None => out.push_str("NULL"),
            Some(s) => {
                let quote = s.is_empty()
                    || s.eq_ignore_ascii_case("null")
                    || s.chars()
                        .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_whitespace());
                if quote {
                    out.push('"');
                    for c in s.chars() {
                        if c == '"' || c == '\\' {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                    out.push('"');
                } else {
                    out.push_str(s);
                }
            }
        }
    }
    out.push('}');
    out
}

/// One element of a compiled `LIKE` pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LikeToken {
    /// A character that must match itself.
    Char(char),
    /// `_`: any one character.
    One,
    /// `%`: any run of characters.
    Any,
    /// The escape character at the end of the pattern: an error if matching gets there
    /// with text left (as in PostgreSQL, which only notices it then).
    TrailingEscape,
}

/// A compiled `LIKE` pattern with the escape and case rule it was compiled with.
struct LikePattern {
    source: String,
    escape: Option<char>,
    fold_case: bool,
    tokens: Vec<LikeToken>,
}

fn escape_char(ctx: &Context<'_>, at: usize) -> Result<Option<Option<char>>> {
    let Some(escape) = text_arg(ctx, at)? else {
        return Ok(None);
    };
    let mut chars = escape.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(Some(None)),
        (Some(c), None) => Ok(Some(Some(c))),
        _ => Err(pg_function_error(
            SqlState::INVALID_ESCAPE_SEQUENCE,
            "invalid escape string\nEscape string must be empty or one character.",
        )),
    }
}

/// Compiles a `LIKE` pattern.
fn like_tokens(pattern: &str, escape: Option<char>) -> Vec<LikeToken> {
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(if Some(c) == escape {
            match chars.next() {
                Some(next) => LikeToken::Char(next),
                None => LikeToken::TrailingEscape,
            }
        } else {
            match c {
                '%' => LikeToken::Any,
                '_' => LikeToken::One,
                other => LikeToken::Char(other),
            }
        });
    }
    tokens
}

/// Whether `text` matches `pattern` (greedy, backtracking to the last `%`).
fn like_matches(text: &[char], pattern: &[LikeToken]) -> Result<bool> {
    let (mut t, mut p) = (0usize, 0usize);
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(LikeToken::TrailingEscape) => {
                return Err(pg_function_error(
                    SqlState::INVALID_ESCAPE_SEQUENCE,
                    "LIKE pattern must not end with escape character",
                ));
            }
            Some(LikeToken::Any) => {
                resume = Some((p, t));
                p += 1;
            }
            Some(LikeToken::One) => {
                t += 1;
                p += 1;
            }
            Some(LikeToken::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match resume {
                Some((rp, rt)) => {
                    p = rp + 1;
                    t = rt + 1;
                    resume = Some((rp, rt + 1));
                }
                None => return Ok(false),
            },
        }
    }
    Ok(pattern[p.min(pattern.len())..]
        .iter()
        .all(|tok| *tok == LikeToken::Any))
}

fn fold(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        })
        .collect()
}

/// `pg_like(s, pattern, escape, fold_case)`: `s LIKE pattern ESCAPE escape`, or `ILIKE`
/// when `fold_case` is true.
fn like(ctx: &Context<'_>) -> Result<Option<bool>> {
    let (Some(s), Some(pattern), Some(escape)) =
        (text_arg(ctx, 0)?, text_arg(ctx, 1)?, escape_char(ctx, 2)?)
    else {
        return Ok(None);
    };
    let fold_case = ctx.get::<Option<bool>>(3)?.unwrap_or(false);
    let build = |pattern: &str| -> Result<LikePattern> {
        let source = if fold_case {
            fold(pattern)
        } else {
            pattern.to_string()
        };
        Ok(LikePattern {
            tokens: like_tokens(&source, escape),
            source: pattern.to_string(),
            escape,
            fold_case,
        })
    };
    let cached: Result<Arc<LikePattern>> =
        ctx.get_or_create_aux(1, |_| build(&pattern).map_err(|e| e.to_string()));
    let compiled = match cached {
        Ok(c) if c.source == pattern && c.escape == escape && c.fold_case == fold_case => c,
        Ok(_) => Arc::new(build(&pattern)?),
        Err(e) => return Err(e),
    };
    let text: Vec<char> = if fold_case {
        fold(&s).chars().collect()
    } else {
        s.chars().collect()
    };
    like_matches(&text, &compiled.tokens).map(Some)
}

/// The regular expression PostgreSQL's `SIMILAR TO` pattern stands for.
fn similar_to_regex(pattern: &str, escape: Option<char>) -> Result<String> {
    let mut out = String::with_capacity(pattern.len() + 8);
    out.push_str("^(?:");
    let mut chars = pattern.chars();
    let mut in_brackets = false;
    while let Some(c) = chars.next() {
        if Some(c) == escape {
            match chars.next() {
                Some(next) => out.push_str(&regex::escape(&next.to_string())),
                None => {
                    return Err(pg_function_error(
                        SqlState::INVALID_ESCAPE_SEQUENCE,
                        "invalid escape string\nEscape string must be empty or one character.",
                    ));
                }
            }
            continue;
        }
        if in_brackets {
            if c == ']' {
                in_brackets = false;
            }
            out.push(c);
            continue;
        }
        match c {
            '%' => out.push_str(".*"),
            '_' => out.push('.'),
            '(' => out.push_str("(?:"),
            '[' => {
                in_brackets = true;
                out.push('[');
            }
            '.' | '^' | '$' => {
                out.push('\\');
                out.push(c);
            }
            other => out.push(other),
        }
    }
    out.push_str(")$");
    Ok(out)
}

/// `pg_similar(s, pattern, escape)`: `s SIMILAR TO pattern ESCAPE escape`.
fn similar(ctx: &Context<'_>) -> Result<Option<bool>> {
    let (Some(s), Some(pattern)) = (text_arg(ctx, 0)?, text_arg(ctx, 1)?) else {
        return Ok(None);
    };
    let escape = match ctx.get_raw(2) {
        ValueRef::Null => Some('\\'),
        _ => match escape_char(ctx, 2)? {
            Some(e) => e,
            None => return Ok(None),
        },
    };
    let regex = similar_to_regex(&pattern, escape)?;
    let compiled = compiled(ctx, 1, &regex, "", false)?;
    Ok(Some(compiled.regex.is_match(&s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::Value;

    fn one(sql: &str) -> std::result::Result<Value, String> {
        crate::executor::testing::one(register, sql)
    }

    #[test]
    fn regular_expressions() {
        assert_eq!(one("SELECT pg_regex('abc', 'b')"), Ok(Value::Integer(1)));
        assert_eq!(one("SELECT pg_regex('abc', '^B')"), Ok(Value::Integer(0)));
        assert_eq!(
            one("SELECT pg_regex_ci('abc', '^B')"),
            Ok(Value::Integer(0))
        );
        assert_eq!(
            one("SELECT pg_regex_ci('abc', '^A')"),
            Ok(Value::Integer(1))
        );
        assert_eq!(one("SELECT pg_regex('a\nb', 'a.b')"), Ok(Value::Integer(1)));
        assert_eq!(one("SELECT pg_regex(NULL, 'a')"), Ok(Value::Null));
        let err = one("SELECT pg_regex('abc', '(')").unwrap_err();
        assert!(
            err.contains("[2201B] invalid regular expression: parentheses () not balanced"),
            "{err}"
        );
        assert_eq!(
            one("SELECT regexp_replace('foo bar baz', 'ba.', 'X')"),
            Ok(Value::Text("foo X baz".into()))
        );
        assert_eq!(
            one("SELECT regexp_replace('foo bar baz', 'ba.', 'X', 'g')"),
            Ok(Value::Text("foo X X".into()))
        );
        assert_eq!(
            one("SELECT regexp_replace('Hello', '(l+)', '[\\1] $1')"),
            Ok(Value::Text("He[ll] $1o".into()))
        );
        assert_eq!(
            one("SELECT regexp_replace('aA', 'a', 'x', 'gi')"),
            Ok(Value::Text("xx".into()))
        );
        assert!(
            one("SELECT regexp_replace('a', 'a', 'x', 'q')")
                .unwrap_err()
                .contains("22023")
        );
        assert_eq!(
            one("SELECT regexp_match('abc123def', '[0-9]+')"),
            Ok(Value::Text("{123}".into()))
        );
        assert_eq!(
            one("SELECT regexp_match('a b', '(a)( )(x)?')"),
            Ok(Value::Text("{a,\" \",NULL}".into()))
        );
        assert_eq!(one("SELECT regexp_match('abc', 'z')"), Ok(Value::Null));
        // A pattern that changes from row to row is compiled for each.
        let c = Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        let n: i64 = c
            .query_row(
                "SELECT sum(pg_regex('abc', column1)) FROM (VALUES ('a'), ('z'), ('c$'))",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn like_and_similar() {
        let like = |s: &str, p: &str, esc: &str, ci: bool| {
            one(&format!("SELECT pg_like('{s}', '{p}', '{esc}', {ci})"))
        };
        assert_eq!(like("Apple", "a%", "\\", false), Ok(Value::Integer(0)));
        assert_eq!(like("Apple", "a%", "\\", true), Ok(Value::Integer(1)));
        assert_eq!(like("ÀB", "àb", "\\", true), Ok(Value::Integer(1)));
        assert_eq!(like("a_c", "a\\_c", "\\", false), Ok(Value::Integer(1)));
        assert_eq!(like("abc", "a\\_c", "\\", false), Ok(Value::Integer(0)));
        assert_eq!(like("10%", "10!%", "!", false), Ok(Value::Integer(1)));
        assert_eq!(like("banana", "%an%a", "", false), Ok(Value::Integer(1)));
        assert_eq!(like("banana", "b%n", "", false), Ok(Value::Integer(0)));
        assert_eq!(like("", "%", "", false), Ok(Value::Integer(1)));
        assert!(
            like("ab", "a\\", "\\", false)
                .unwrap_err()
                .contains("22025")
        );
        assert_eq!(like("a", "a\\", "\\", false), Ok(Value::Integer(0)));
        assert!(like("a", "a", "ab", false).unwrap_err().contains("22025"));
        let similar = |s: &str, p: &str| one(&format!("SELECT pg_similar('{s}', '{p}', NULL)"));
        assert_eq!(similar("abc", "a(b|x)c"), Ok(Value::Integer(1)));
        assert_eq!(similar("abc", "a%"), Ok(Value::Integer(1)));
        assert_eq!(similar("abc", "b%"), Ok(Value::Integer(0)));
        assert_eq!(similar("a.c", "a.c"), Ok(Value::Integer(1)));
        assert_eq!(similar("abc", "a.c"), Ok(Value::Integer(0)));
        assert_eq!(similar("abc", "[a-c]*"), Ok(Value::Integer(1)));
    }
}
