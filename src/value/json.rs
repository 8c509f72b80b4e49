//! JSON documents as pgsqlite reads and writes them: a small tree model, a strict parser
//! (RFC 8259, as PostgreSQL's json input), and the writers for PostgreSQL's output forms.
//!
//! pgsqlite stores `json` values as the text the client wrote and `jsonb` values as any
//! valid JSON text (SQLite's JSON functions write it minified). What a client reads of a
//! `jsonb` value is always PostgreSQL's normal form, produced here by [`normalize_jsonb`]:
//! object keys sorted by length, then bytes, duplicate keys dropped (the last one wins),
//! numbers in numeric's canonical text (`1e2` is `100`, `1.50` stays `1.50`), and one
//! space after each `:` and `,` (`{"a": 1, "b": [1, 2]}`).

use super::numeric::Decimal;
use std::fmt::Write;

/// One JSON value. Numbers keep their text, objects their members in input order.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object's members in order (duplicates kept until [`Json::into_jsonb`]).
    Object(Vec<(String, Json)>),
}

/// Why a text is not JSON (PostgreSQL reports it as 22P02 `invalid input syntax for
/// type json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonSyntaxError;

/// How deep arrays and objects may nest (PostgreSQL's stack-depth limit stands behind
/// its own parser; this keeps ours from overflowing the stack on hostile input).
const MAX_DEPTH: usize = 512;

/// Parses `text` as one JSON value (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Json, JsonSyntaxError> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        at: 0,
    };
    let value = p.value(0)?;
    p.skip_ws();
    if p.at != p.bytes.len() {
        return Err(JsonSyntaxError);
    }
    Ok(value)
}

/// `text` in PostgreSQL's `jsonb` output form, or `None` if it is not JSON.
pub fn normalize_jsonb(text: &str) -> Option<String> {
    let value = parse(text).ok()?.into_jsonb();
    let mut out = String::with_capacity(text.len() + 8);
    value.write_jsonb(&mut out);
    Some(out)
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn eat(&mut self, word: &[u8]) -> bool {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonSyntaxError> {
        if depth > MAX_DEPTH {
            return Err(JsonSyntaxError);
        }
        self.skip_ws();
        match self.bytes.get(self.at).copied().ok_or(JsonSyntaxError)? {
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.eat(b"}") {
                    return Ok(Json::Object(members));
                }
                loop {
                    self.skip_ws();
                    if self.bytes.get(self.at) != Some(&b'"') {
                        return Err(JsonSyntaxError);
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    if !self.eat(b":") {
                        return Err(JsonSyntaxError);
                    }
                    let value = self.value(depth + 1)?;
                    members.push((key, value));
                    self.skip_ws();
                    if self.eat(b",") {
                        continue;
                    }
                    if self.eat(b"}") {
                        return Ok(Json::Object(members));
                    }
                    return Err(JsonSyntaxError);
                }
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.eat(b"]") {
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    if self.eat(b",") {
                        continue;
                    }
                    if self.eat(b"]") {
                        return Ok(Json::Array(items));
                    }
                    return Err(JsonSyntaxError);
                }
            }
            b'"' => self.string().map(Json::String),
            b't' if self.eat(b"true") => Ok(Json::Bool(true)),
            b'f' if self.eat(b"false") => Ok(Json::Bool(false)),
            b'n' if self.eat(b"null") => Ok(Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(JsonSyntaxError),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Json, JsonSyntaxError> {
        let start = self.at;
        self.eat(b"-");
        let int_start = self.at;
        let n = self.digits();
        if n == 0 || (n > 1 && self.bytes[int_start] == b'0') {
            return Err(JsonSyntaxError);
        }
        if self.eat(b".") && self.digits() == 0 {
            return Err(JsonSyntaxError);
        }
        if matches!(self.bytes.get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.bytes.get(self.at), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(JsonSyntaxError);
            }
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| JsonSyntaxError)?;
        Ok(Json::Number(text.to_string()))
    }

    fn hex4(&mut self) -> Result<u32, JsonSyntaxError> {
        let digits = self
            .bytes
            .get(self.at..self.at + 4)
            .ok_or(JsonSyntaxError)?;
        let text = std::str::from_utf8(digits).map_err(|_| JsonSyntaxError)?;
        let v = u32::from_str_radix(text, 16).map_err(|_| JsonSyntaxError)?;
        self.at += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonSyntaxError> {
        self.at += 1; // the opening quote
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(&b) = self.bytes.get(self.at) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.push_str(
                std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| JsonSyntaxError)?,
            );
            match self.bytes.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = *self.bytes.get(self.at).ok_or(JsonSyntaxError)?;
                    self.at += 1;
                    match escaped {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&first) {
                                if !self.eat(b"\\u") {
                                    return Err(JsonSyntaxError);
                                }
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(JsonSyntaxError);
                                }
                                0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                first
                            };
                            // PostgreSQL refuses \u0000 in text it must unescape.
                            let c = char::from_u32(code)
                                .filter(|&c| c != '\0')
                                .ok_or(JsonSyntaxError)?;
                            out.push(c);
                        }
                        _ => return Err(JsonSyntaxError),
                    }
                }
                _ => return Err(JsonSyntaxError),
            }
        }
    }
}

impl Json {
    /// The value as `jsonb` holds it: object keys sorted by length then bytes with the
    /// last of duplicate keys kept, numbers in numeric's canonical text.
    pub fn into_jsonb(self) -> Json {
        match self {
            Json::Number(text) => {
                let canonical = Decimal::parse(text.as_bytes())
                    .map(|d| {
                        let mut out = Vec::with_capacity(text.len());
                        d.write_text(&mut out);
                        String::from_utf8(out).unwrap_or_default()
                    })
                    .unwrap_or(text);
                Json::Number(canonical)
            }
            Json::Array(items) => Json::Array(items.into_iter().map(Json::into_jsonb).collect()),
            Json::Object(members) => {
                let mut sorted: Vec<(String, Json)> = Vec::with_capacity(members.len());
                for (key, value) in members {
                    let value = value.into_jsonb();
                    match sorted.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = value,
                        None => sorted.push((key, value)),
                    }
                }
                sorted.sort_by(|(a, _), (b, _)| jsonb_key_order(a, b));
                Json::Object(sorted)
            }
            other => other,
        }
    }

    /// PostgreSQL's name for the value's type (`jsonb_typeof`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// The member `key` of an object (the last one of that name).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|m| &m.1),
            _ => None,
        }
    }

    /// The element at `index` of an array; a negative index counts from the end.
    pub fn at(&self, index: i64) -> Option<&Json> {
        match self {
            Json::Array(items) => {
                let i = if index < 0 {
                    items.len() as i64 + index
                } else {
                    index
                };
                usize::try_from(i).ok().and_then(|i| items.get(i))
            }
            _ => None,
        }
    }

    /// Writes the value in `jsonb` output form (`{"a": 1, "b": [1, 2]}`).
    pub fn write_jsonb(&self, out: &mut String) {
        self.write(out, ", ", ": ");
    }

    /// Writes the value with the given separators between items and after keys.
    pub fn write(&self, out: &mut String, comma: &str, colon: &str) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => write_string(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    item.write(out, comma, colon);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    write_string(key, out);
                    out.push_str(colon);
                    value.write(out, comma, colon);
                }
                out.push('}');
            }
        }
    }

    /// The value in `jsonb` output form.
    pub fn to_jsonb_text(&self) -> String {
        let mut out = String::new();
        self.write_jsonb(&mut out);
        out
    }
}

/// jsonb's key order: shorter keys first, then bytewise.
pub fn jsonb_key_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// Writes `s` as a JSON string literal with PostgreSQL's escapes.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonb_normal_form() {
        assert_eq!(
            normalize_jsonb(r#"{"b":[1,2,{"c":null}],"a":1}"#).unwrap(),
            r#"{"a": 1, "b": [1, 2, {"c": null}]}"#
        );
        assert_eq!(
            normalize_jsonb(r#"{"a": 1.50, "b": 1e2, "aa": -0, "a": 2}"#).unwrap(),
            r#"{"a": 2, "b": 100, "aa": 0}"#
        );
        assert_eq!(normalize_jsonb(r#" "x\"\u00e9" "#).unwrap(), r#""x\"é""#);
    }

    #[test]
    fn refuses_what_postgres_refuses() {
        for bad in [
            r#"{"a": 1"#,
            "[1,]",
            "01",
            "1.",
            "'a'",
            "",
            r#""\u0000""#,
            "[1] x",
            "tru",
        ] {
            assert_eq!(parse(bad), Err(JsonSyntaxError), "{bad}");
        }
        let deep = "[".repeat(100_000);
        assert_eq!(parse(&deep), Err(JsonSyntaxError));
    }

    #[test]
    fn navigation() {
        let doc = parse(r#"{"a": [10, 20, 30], "a": [1]}"#).unwrap();
        assert_eq!(doc.get("a").unwrap().at(0), Some(&Json::Number("1".into())));
        let arr = parse("[10, 20, 30]").unwrap();
        assert_eq!(arr.at(-1), Some(&Json::Number("30".into())));
        assert_eq!(arr.at(5), None);
        assert_eq!(arr.type_name(), "array");
    }
}
