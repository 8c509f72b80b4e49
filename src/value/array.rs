//! PostgreSQL arrays in their text form (`{1,2,3}`, `{a,"b c",NULL}`, `{{1,2},{3,4}}`).
//!
//! pgsqlite stores an array value as exactly the text PostgreSQL would print for it, in a
//! column declared with the array type (`text[]`, kept by the DDL rewrite so that the
//! catalog reports 1009). That choice makes the common path free: a value reads back
//! byte for byte, in the format every driver parses, with no conversion per row; the
//! array functions parse the text when they need the elements. Storing SQLite JSON
//! arrays instead would have made `unnest` a plain `json_each`, but every read would
//! then need a conversion and the stored text would not be what a client wrote.

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
        return String::from_utf8(out).map(Some).map_err(|_| ArraySyntaxError);
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
    String::from_utf8(out).map(Some).map_err(|_| ArraySyntaxError)
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

#[cfg(test)]
mod tests {
    use super::*;

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
        for bad in ["{1,2", "1,2", "{{1},{2,3}}", "{1,}", "{{}}", "{1}x", "{a\"b}"] {
            assert_eq!(parse(bad), Err(ArraySyntaxError), "{bad}");
        }
    }
}
