//! PostgreSQL arrays in their text form (`{1,2,3}`, `{a,"b c",NULL}`, `{{1,2},{3,4}}`).
//!
//! pgsqlite stores an array value as exactly the text PostgreSQL would print for it, in a
//! column declared with the array type (`text[]`, kept by the DDL rewrite so that the
//! catalog reports 1009). That choice makes the common path free: a value reads back
//! byte for byte, in the format every driver parses, with no conversion per row; the
//! array functions parse the text when they need the elements. Storing SQLite JSON
//! arrays instead would have made `unnest` a plain `json_each`, but every read would
//! then need a conversion and the stored text would not be what a client wrote.

use crate::error::{PgError, SqlState};
use crate::protocol::types::Oid;
use bytes::{BufMut, BytesMut};
use rusqlite::types::{ToSqlOutput, ValueRef};

/// A parsed array: its elements (NULL as `None`) in order, flattened, and the length of
/// each dimension (empty for the empty array).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PgArray {
    /// The elements in storage order, as their text.
    pub items: Vec<Option<String>>,
    /// Length of each dimension, outermost first.
    pub dims: Vec<usize>,
}

/// The text is not an array literal (`malformed array literal`, 22P02).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArraySyntaxError;

/// Parses PostgreSQL's array text form: braces, elements separated by commas, `NULL`
/// (unquoted, any case) for a null, double quotes and backslashes for escaping.
/// Sub-arrays must all have the same length.
pub fn parse(text: &str) -> Result<PgArray, ArraySyntaxError> {
    let bytes = text.trim().as_bytes();
    let mut array = PgArray::default();
    let mut at = 0;
    let mut dims_seen: Vec<Option<usize>> = Vec::new();
    parse_level(bytes, &mut at, 0, &mut array.items, &mut dims_seen)?;
    if at != bytes.len() {
        return Err(ArraySyntaxError);
    }
    if array.items.is_empty() {
        return Ok(array);
    }
    array.dims = dims_seen.into_iter().map(|d| d.unwrap_or(0)).collect();
    Ok(array)
}

/// Parses the text form of the catalog's vector types (`int2vector`, `oidvector`:
/// integers separated by spaces, `3 1`), which PostgreSQL subscripts from 0 and whose
/// values the array functions take (`unnest(indkey)`). `None` when `text` is not one.
pub fn parse_vector(text: &str) -> Option<PgArray> {
    let items: Vec<Option<String>> = text
        .split_ascii_whitespace()
        .map(|n| n.parse::<i64>().ok().map(|_| Some(n.to_string())))
        .collect::<Option<_>>()?;
    if items.is_empty() {
        return None;
    }
    Some(PgArray::from_items(items))
}

/// How deep sub-arrays may nest (PostgreSQL's MAXDIM).
const MAX_DIMS: usize = 6;

fn skip_ws(bytes: &[u8], at: &mut usize) {
    while bytes.get(*at).is_some_and(u8::is_ascii_whitespace) {
        *at += 1;
    }
}

fn parse_level(
    bytes: &[u8],
    at: &mut usize,
    depth: usize,
    items: &mut Vec<Option<String>>,
    dims: &mut Vec<Option<usize>>,
) -> Result<(), ArraySyntaxError> {
    if depth >= MAX_DIMS || bytes.get(*at) != Some(&b'{') {
        return Err(ArraySyntaxError);
    }
    *at += 1;
    if dims.len() <= depth {
        dims.push(None);
    }
    skip_ws(bytes, at);
    let mut count = 0usize;
    if bytes.get(*at) == Some(&b'}') {
        *at += 1;
        // `{}` is only valid as the whole array.
        return if depth == 0 {
            Ok(())
        } else {
            Err(ArraySyntaxError)
        };
    }
    let nested = bytes.get(*at) == Some(&b'{');
    loop {
        skip_ws(bytes, at);
        if nested {
            parse_level(bytes, at, depth + 1, items, dims)?;
        } else {
            if dims.len() > depth + 1 {
                return Err(ArraySyntaxError);
            }
            items.push(parse_element(bytes, at)?);
        }
        count += 1;
        skip_ws(bytes, at);
        match bytes.get(*at) {
            Some(b',') => *at += 1,
            Some(b'}') => {
                *at += 1;
                break;
            }
            _ => return Err(ArraySyntaxError),
        }
    }
    match dims[depth] {
        Some(n) if n != count => Err(ArraySyntaxError),
        _ => {
            dims[depth] = Some(count);
            Ok(())
        }
    }
}

fn parse_element(bytes: &[u8], at: &mut usize) -> Result<Option<String>, ArraySyntaxError> {
    let mut out = Vec::new();
    if bytes.get(*at) == Some(&b'"') {
        *at += 1;
        loop {
            match bytes.get(*at) {
                Some(b'"') => {
                    *at += 1;
                    break;
                }
                Some(b'\\') => {
                    out.push(*bytes.get(*at + 1).ok_or(ArraySyntaxError)?);
                    *at += 2;
                }
                Some(&b) => {
                    out.push(b);
                    *at += 1;
                }
                None => return Err(ArraySyntaxError),
            }
        }
        return String::from_utf8(out)
            .map(Some)
            .map_err(|_| ArraySyntaxError);
    }
    let mut escaped_any = false;
    loop {
        match bytes.get(*at) {
            Some(b',' | b'}') => break,
            Some(b'{' | b'"') | None => return Err(ArraySyntaxError),
            Some(b'\\') => {
                out.push(*bytes.get(*at + 1).ok_or(ArraySyntaxError)?);
                escaped_any = true;
                *at += 2;
            }
            Some(&b) => {
                out.push(b);
                *at += 1;
            }
        }
    }
    while out.last().is_some_and(u8::is_ascii_whitespace) {
        out.pop();
    }
    if out.is_empty() {
        return Err(ArraySyntaxError);
    }
    if !escaped_any && out.eq_ignore_ascii_case(b"null") {
        return Ok(None);
    }
    String::from_utf8(out)
        .map(Some)
        .map_err(|_| ArraySyntaxError)
}

impl PgArray {
    /// A one-dimensional array of `items`.
    pub fn from_items(items: Vec<Option<String>>) -> PgArray {
        let dims = if items.is_empty() {
            vec![]
        } else {
            vec![items.len()]
        };
        PgArray { items, dims }
    }

    /// The array's text form, as PostgreSQL prints it.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.items.len() * 4 + 2);
        if self.items.is_empty() {
            out.push_str("{}");
            return out;
        }
        let mut next = 0;
        self.write_level(0, &mut next, &mut out);
        out
    }

    fn write_level(&self, depth: usize, next: &mut usize, out: &mut String) {
        out.push('{');
        for i in 0..self.dims[depth] {
            if i > 0 {
                out.push(',');
            }
            if depth + 1 < self.dims.len() {
                self.write_level(depth + 1, next, out);
            } else {
                match self.items.get(*next).and_then(Option::as_deref) {
                    Some(item) => write_element(item, out),
                    None => out.push_str("NULL"),
                }
                *next += 1;
            }
        }
        out.push('}');
    }
}

/// Writes one element, quoted where PostgreSQL quotes it (empty, `NULL`, or containing
/// braces, commas, quotes, backslashes or white space).
pub fn write_element(item: &str, out: &mut String) {
    let needs_quotes = item.is_empty()
        || item.eq_ignore_ascii_case("null")
        || item
            .bytes()
            .any(|b| matches!(b, b'{' | b'}' | b',' | b'"' | b'\\') || b.is_ascii_whitespace());
    if !needs_quotes {
        out.push_str(item);
        return;
    }
    out.push('"');
    for c in item.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Writes PostgreSQL's binary array form of the array text `text` with elements of type
/// `element`: dimensions count, has-nulls flag, element type, each dimension's length and
/// lower bound (1), then each element as a length-prefixed binary value (-1 for NULL).
pub fn encode_binary(text: &[u8], element: Oid, out: &mut BytesMut) -> Result<(), PgError> {
    let text = std::str::from_utf8(text).map_err(|_| malformed(text))?;
    let array = parse(text).map_err(|_| malformed(text.as_bytes()))?;
    write_binary(&array, 1, element, out)
}

/// Encodes a catalog vector's text (`int2vector`, `oidvector`: `3 1`) in binary, as
/// PostgreSQL sends it: a one-dimensional array of `element` subscripted from 0.
pub fn encode_vector_binary(text: &[u8], element: Oid, out: &mut BytesMut) -> Result<(), PgError> {
    let text = std::str::from_utf8(text).map_err(|_| malformed(text))?;
    let array = if text.trim().is_empty() {
        PgArray::default()
    } else {
        parse_vector(text).ok_or_else(|| malformed(text.as_bytes()))?
    };
    write_binary(&array, 0, element, out)
}

/// Writes `array` in the binary array format, each dimension starting at `lower`.
fn write_binary(
    array: &PgArray,
    lower: i32,
    element: Oid,
    out: &mut BytesMut,
) -> Result<(), PgError> {
    out.put_i32(array.dims.len() as i32);
    out.put_i32(i32::from(array.items.iter().any(Option::is_none)));
    out.put_u32(element);
    for len in &array.dims {
        out.put_i32(*len as i32);
        out.put_i32(lower);
    }
    for item in &array.items {
        match item {
            None => out.put_i32(-1),
            Some(item) => {
                let at = out.len();
                out.put_i32(0);
                super::binary::encode_binary(ValueRef::Text(item.as_bytes()), element, out)?;
                let len = (out.len() - at - 4) as i32;
                out[at..at + 4].copy_from_slice(&len.to_be_bytes());
            }
        }
    }
    Ok(())
}

/// Reads PostgreSQL's binary array form (see [`encode_binary`]) into the array text
/// pgsqlite stores.
pub fn decode_binary(raw: &[u8], element: Oid) -> Result<String, PgError> {
    let bad = |what: &str| {
        PgError::new(
            SqlState::INVALID_BINARY_REPRESENTATION,
            format!("invalid array binary data: {what}"),
        )
    };
    let mut rest = raw;
    let int = |rest: &mut &[u8]| -> Result<i32, PgError> {
        let (head, tail) = rest.split_at_checked(4).ok_or_else(|| bad("too short"))?;
        *rest = tail;
        Ok(i32::from_be_bytes([head[0], head[1], head[2], head[3]]))
    };
    let ndim = int(&mut rest)?;
    let _flags = int(&mut rest)?;
    let sent_element = int(&mut rest)? as u32;
    if !(0..=MAX_DIMS as i32).contains(&ndim) {
        return Err(bad("invalid number of dimensions"));
    }
    if sent_element != element && element != 0 {
        return Err(PgError::new(
            SqlState::DATATYPE_MISMATCH,
            "binary data has array element type {sent_element} instead of expected {element}"
                .replace("{sent_element}", &sent_element.to_string())
                .replace("{element}", &element.to_string()),
        ));
    }
    let mut dims = Vec::with_capacity(ndim as usize);
    let mut count: usize = 1;
    for _ in 0..ndim {
        let len = int(&mut rest)?;
        let _lower = int(&mut rest)?;
        let len = usize::try_from(len).map_err(|_| bad("negative dimension"))?;
        count = count
            .checked_mul(len)
            .ok_or_else(|| bad("too many elements"))?;
        dims.push(len);
    }
    if ndim == 0 {
        count = 0;
    }
    if count > rest.len() / 4 {
        return Err(bad("too many elements"));
    }
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        let len = int(&mut rest)?;
        if len < 0 {
            items.push(None);
            continue;
        }
        let (value, tail) = rest
            .split_at_checked(len as usize)
            .ok_or_else(|| bad("element too short"))?;
        rest = tail;
        let decoded = super::params::decode_binary(value, sent_element)?;
        let text = match decoded {
            ToSqlOutput::Borrowed(v) => value_text(v),
            ToSqlOutput::Owned(v) => value_text((&v).into()),
            _ => return Err(bad("unsupported element")),
        };
        items.push(Some(text));
    }
    if !rest.is_empty() {
        return Err(bad("trailing bytes"));
    }
    let dims = if items.is_empty() { vec![] } else { dims };
    Ok(PgArray { items, dims }.to_text())
}

fn value_text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => {
            let mut buf = Vec::new();
            super::text::write_float8(f, &mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        }
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => {
            let mut out = String::from("\\x");
            for byte in b {
                out.push_str(&format!("{byte:02x}"));
            }
            out
        }
    }
}

fn malformed(text: &[u8]) -> PgError {
    PgError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        format!(
            "malformed array literal: \"{}\"",
            String::from_utf8_lossy(text)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_round_trip() {
        let mut out = BytesMut::new();
        encode_binary(b"{1,NULL,3}", crate::protocol::types::oid::INT4, &mut out).unwrap();
        assert_eq!(&out[..12], &[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 23]);
        let back = decode_binary(&out, crate::protocol::types::oid::INT4).unwrap();
        assert_eq!(back, "{1,NULL,3}");
        let mut out = BytesMut::new();
        encode_binary(b"{\"a b\",c}", crate::protocol::types::oid::TEXT, &mut out).unwrap();
        assert_eq!(
            decode_binary(&out, crate::protocol::types::oid::TEXT).unwrap(),
            "{\"a b\",c}"
        );
        assert!(decode_binary(&[0, 0, 0, 1], crate::protocol::types::oid::INT4).is_err());
    }

    #[test]
    fn round_trips_postgres_text() {
        for (input, output) in [
            ("{1,2,3}", "{1,2,3}"),
            ("{\"x y\", z}", "{\"x y\",z}"),
            ("{}", "{}"),
            ("{a,NULL,\"NULL\",\"\"}", "{a,NULL,\"NULL\",\"\"}"),
            ("{{1,2},{3,4}}", "{{1,2},{3,4}}"),
            ("{\"a\\\"b\"}", "{\"a\\\"b\"}"),
        ] {
            assert_eq!(parse(input).unwrap().to_text(), output, "{input}");
        }
        let a = parse("{{1,2},{3,4}}").unwrap();
        assert_eq!(a.dims, vec![2, 2]);
        assert_eq!(a.items.len(), 4);
    }

    #[test]
    fn refuses_malformed_literals() {
        for bad in [
            "{1,2",
            "1,2",
            "{{1},{2,3}}",
            "{1,}",
            "{{}}",
            "{1}x",
            "{a\"b}",
        ] {
            assert_eq!(parse(bad), Err(ArraySyntaxError), "{bad}");
        }
    }
}
