//! PostgreSQL's json and jsonb functions and operators, as SQLite functions the SQL front
//! end calls (`doc -> 'a'` runs as `pg_json_get(doc, 'a')`).
//!
//! Values travel as JSON text: `json` as written, `jsonb` in any valid JSON form (the
//! value layer prints jsonb in PostgreSQL's normal form, [`crate::value::json`]).
//! Arguments that build JSON (`jsonb_build_object`, `json_agg`, `to_jsonb`) arrive already
//! converted to JSON text by `pg_to_json*`, which the rewriter wraps around them with the
//! argument's PostgreSQL type in mind (a boolean is `true`, not SQLite's 1).

use super::pg_function_error;
use crate::error::SqlState;
use crate::value::array;
use crate::value::json::{self, Json, write_string};
use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Result};

/// Registers the `pg_json*` functions on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("pg_cast_json", 1, flags, |ctx| cast(ctx, false))?;
    conn.create_scalar_function("pg_cast_jsonb", 1, flags, |ctx| cast(ctx, true))?;
    conn.create_scalar_function("pg_json_get", 2, flags, |ctx| get(ctx, false))?;
    conn.create_scalar_function("pg_jsonb_get", 2, flags, |ctx| get(ctx, false))?;
    conn.create_scalar_function("pg_jsonb_path", 2, flags, |ctx| path(ctx, false))?;
    conn.create_scalar_function("pg_json_get_text", 2, flags, |ctx| get(ctx, true))?;
    conn.create_scalar_function("pg_json_path", 2, flags, |ctx| path(ctx, false))?;
    conn.create_scalar_function("pg_json_path_text", 2, flags, |ctx| path(ctx, true))?;
    conn.create_scalar_function("pg_jsonb_contains", 2, flags, |ctx| {
        with2(ctx, |a, b| Ok(Value::Integer(contains(&a, &b) as i64)))
    })?;
    conn.create_scalar_function("pg_jsonb_exists", 2, flags, |ctx| exists(ctx, None))?;
    conn.create_scalar_function("pg_jsonb_exists_any", 2, flags, |ctx| {
        exists(ctx, Some(false))
    })?;
    conn.create_scalar_function("pg_jsonb_exists_all", 2, flags, |ctx| {
        exists(ctx, Some(true))
    })?;
    conn.create_scalar_function("pg_jsonb_concat", 2, flags, |ctx| {
        with2(ctx, |a, b| Ok(Value::Text(concat(a, b).to_jsonb_text())))
    })?;
    conn.create_scalar_function("pg_jsonb_delete", 2, flags, |ctx| delete(ctx))?;
    conn.create_scalar_function("pg_to_json", 1, flags, |ctx| Ok(to_json(ctx.get_raw(0))))?;
    conn.create_scalar_function("pg_to_json_bool", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Null => "null".to_string(),
            v => (crate::value::coerce_bool(v).unwrap_or(false)).to_string(),
        })
    })?;
    conn.create_scalar_function("pg_to_json_number", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            v => to_json(v),
        })
    })?;
    conn.create_scalar_function("pg_json_build_object", -1, flags, |ctx| {
        build_object(ctx, " : ", ", ")
    })?;
    conn.create_scalar_function("pg_row_to_json", -1, flags, |ctx| {
        build_object(ctx, ":", ",")
    })?;
    conn.create_scalar_function("pg_jsonb_build_object", -1, flags, |ctx| {
        build_object(ctx, ": ", ", ")
    })?;
    conn.create_scalar_function("pg_jsonb_build_array", -1, flags, |ctx| build_array(ctx))?;
    conn.create_scalar_function("pg_json_build_array", -1, flags, |ctx| build_array(ctx))?;
    conn.create_scalar_function("pg_json_typeof", 1, flags, |ctx| {
        with1(ctx, |doc| Ok(Value::Text(doc.type_name().to_string())))
    })?;
    conn.create_scalar_function("pg_jsonb_array_length", 1, flags, |ctx| {
        with1(ctx, |doc| match doc {
            Json::Array(items) => Ok(Value::Integer(items.len() as i64)),
            Json::Object(_) => Err(invalid_parameter("cannot get array length of a non-array")),
            _ => Err(invalid_parameter("cannot get array length of a scalar")),
        })
    })?;
    conn.create_scalar_function("pg_jsonb_set", 3, flags, |ctx| set(ctx))?;
    conn.create_scalar_function("pg_jsonb_strip_nulls", 1, flags, |ctx| {
        with1(ctx, |doc| Ok(Value::Text(strip_nulls(doc).to_jsonb_text())))
    })?;
    conn.create_scalar_function("pg_jsonb_pretty", 1, flags, |ctx| {
        with1(ctx, |doc| {
            let mut out = String::new();
            pretty(&doc.into_jsonb(), 0, &mut out);
            Ok(Value::Text(out))
        })
    })?;
    conn.create_aggregate_function("pg_json_agg", 1, flags, JsonAgg)?;
    conn.create_aggregate_function("pg_jsonb_agg", 1, flags, JsonAgg)?;
    conn.create_aggregate_function("pg_json_object_agg", 2, flags, JsonObjectAgg)?;
    Ok(())
}

fn invalid_text(type_name: &str) -> rusqlite::Error {
    pg_function_error(
        SqlState::INVALID_TEXT_REPRESENTATION,
        &format!("invalid input syntax for type {type_name}"),
    )
}

fn invalid_parameter(message: &str) -> rusqlite::Error {
    pg_function_error(SqlState::INVALID_PARAMETER_VALUE, message)
}

/// The argument's text, `None` for NULL.
fn text_arg<'a>(ctx: &'a Context<'_>, i: usize) -> Option<std::borrow::Cow<'a, str>> {
    match ctx.get_raw(i) {
        ValueRef::Null => None,
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t)),
        ValueRef::Integer(n) => Some(n.to_string().into()),
        ValueRef::Real(f) => Some(f.to_string().into()),
    }
}

/// The argument parsed as JSON, `None` for NULL; text that is not JSON is 22P02.
fn json_arg(ctx: &Context<'_>, i: usize) -> Result<Option<Json>> {
    match text_arg(ctx, i) {
        None => Ok(None),
        Some(text) => json::parse(&text)
            .map(Some)
            .map_err(|_| invalid_text("json")),
    }
}

fn with1(ctx: &Context<'_>, f: impl FnOnce(Json) -> Result<Value>) -> Result<Value> {
    match json_arg(ctx, 0)? {
        Some(doc) => f(doc),
        None => Ok(Value::Null),
    }
}

fn with2(ctx: &Context<'_>, f: impl FnOnce(Json, Json) -> Result<Value>) -> Result<Value> {
    match (json_arg(ctx, 0)?, json_arg(ctx, 1)?) {
        (Some(a), Some(b)) => f(a, b),
        _ => Ok(Value::Null),
    }
}

/// `'...'::json` checks the text and keeps it; `'...'::jsonb` stores the normal form.
fn cast(ctx: &Context<'_>, binary: bool) -> Result<Value> {
    let Some(text) = text_arg(ctx, 0) else {
        return Ok(Value::Null);
    };
    // PostgreSQL names json in the message for both types.
    let doc = json::parse(&text).map_err(|_| invalid_text("json"))?;
    Ok(Value::Text(if binary {
        doc.into_jsonb().to_jsonb_text()
    } else {
        text.into_owned()
    }))
}

/// A value as the text `->>` gives: strings unescaped, JSON null as SQL NULL.
fn as_text(value: &Json) -> Value {
    match value {
        Json::Null => Value::Null,
        Json::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_jsonb_text()),
    }
}

fn step<'j>(doc: &'j Json, key: ValueRef<'_>) -> Option<&'j Json> {
    match key {
        ValueRef::Integer(i) => doc.at(i),
        ValueRef::Text(t) => doc.get(std::str::from_utf8(t).ok()?),
        _ => None,
    }
}

/// `doc -> key` (`as_text`: `->>`): an object's member or an array's element.
fn get(ctx: &Context<'_>, text: bool) -> Result<Value> {
    let Some(doc) = json_arg(ctx, 0)? else {
        return Ok(Value::Null);
    };
    Ok(match step(&doc, ctx.get_raw(1)) {
        None => Value::Null,
        Some(v) if text => as_text(v),
        Some(v) => Value::Text(v.to_jsonb_text()),
    })
}

/// The elements of a text[] argument (a path or a key list), `None` for NULL.
fn text_array_arg(ctx: &Context<'_>, i: usize) -> Result<Option<Vec<Option<String>>>> {
    let Some(text) = text_arg(ctx, i) else {
        return Ok(None);
    };
    array::parse(&text).map(|a| Some(a.items)).map_err(|_| {
        pg_function_error(
            SqlState::INVALID_TEXT_REPRESENTATION,
            &format!("malformed array literal: \"{text}\""),
        )
    })
}

fn step_path<'j>(mut doc: &'j Json, path: &[Option<String>]) -> Option<&'j Json> {
    for key in path {
        let key = key.as_deref()?;
        doc = match doc {
            Json::Array(_) => doc.at(key.trim().parse().ok()?)?,
            _ => doc.get(key)?,
        };
    }
    Some(doc)
}

/// `doc #> path` (`text`: `#>>`).
fn path(ctx: &Context<'_>, text: bool) -> Result<Value> {
    let (Some(doc), Some(path)) = (json_arg(ctx, 0)?, text_array_arg(ctx, 1)?) else {
        return Ok(Value::Null);
    };
    Ok(match step_path(&doc, &path) {
        None => Value::Null,
        Some(v) if text => as_text(v),
        Some(v) => Value::Text(v.to_jsonb_text()),
    })
}

/// Whether two scalars are equal as jsonb compares them (numbers by value).
fn scalar_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            Json::Number(x.clone()).into_jsonb() == Json::Number(y.clone()).into_jsonb()
                || x.parse::<f64>().ok() == y.parse::<f64>().ok()
        }
        _ => a == b,
    }
}

/// jsonb containment (`a @> b`).
pub(super) fn contains(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Object(_), Json::Object(wanted)) => wanted
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|have| contains(have, v))),
        (Json::Array(items), Json::Array(wanted)) => wanted.iter().all(|w| {
            items.iter().any(|have| match (have, w) {
                (Json::Array(_), Json::Array(_)) | (Json::Object(_), Json::Object(_)) => {
                    contains(have, w)
                }
                _ => scalar_eq(have, w),
            })
        }),
        // An array contains a scalar that is one of its elements.
        (Json::Array(items), scalar) if !matches!(scalar, Json::Object(_)) => {
            items.iter().any(|have| scalar_eq(have, scalar))
        }
        (Json::Object(_) | Json::Array(_), _) | (_, Json::Object(_) | Json::Array(_)) => false,
        _ => scalar_eq(a, b),
    }
}

fn has_key(doc: &Json, key: &str) -> bool {
    match doc {
        Json::Object(members) => members.iter().any(|(k, _)| k == key),
        Json::Array(items) => items
            .iter()
            .any(|i| matches!(i, Json::String(s) if s == key)),
        Json::String(s) => s == key,
        _ => false,
    }
}

/// `doc ? key`; with `all` Some: `doc ?| keys` (false) or `doc ?& keys` (true).
fn exists(ctx: &Context<'_>, all: Option<bool>) -> Result<Value> {
    let Some(doc) = json_arg(ctx, 0)? else {
        return Ok(Value::Null);
    };
    let found = match all {
        None => match text_arg(ctx, 1) {
            None => return Ok(Value::Null),
            Some(key) => has_key(&doc, &key),
        },
        Some(all) => {
            let Some(keys) = text_array_arg(ctx, 1)? else {
                return Ok(Value::Null);
            };
            let mut keys = keys.iter().flatten();
            if all {
                keys.all(|k| has_key(&doc, k))
            } else {
                keys.any(|k| has_key(&doc, k))
            }
        }
    };
    Ok(Value::Integer(found as i64))
}

/// jsonb `a || b`: objects merge (right wins), anything else concatenates as arrays.
fn concat(a: Json, b: Json) -> Json {
    match (a, b) {
        (Json::Object(mut x), Json::Object(y)) => {
            x.extend(y);
            Json::Object(x).into_jsonb()
        }
        (a, b) => {
            let as_items = |v: Json| match v {
                Json::Array(items) => items,
                other => vec![other],
            };
            let mut items = as_items(a);
            items.extend(as_items(b));
            Json::Array(items)
        }
    }
}

/// jsonb `doc - key`: drops an object's member, or an array's string elements equal to
/// `key`; an integer removes that array element.
fn delete(ctx: &Context<'_>) -> Result<Value> {
    let Some(doc) = json_arg(ctx, 0)? else {
        return Ok(Value::Null);
    };
    let result = match (doc, ctx.get_raw(1)) {
        (_, ValueRef::Null) => return Ok(Value::Null),
        (Json::Array(mut items), ValueRef::Integer(i)) => {
            let len = items.len() as i64;
            let at = if i < 0 { len + i } else { i };
            if (0..len).contains(&at) {
                items.remove(at as usize);
            }
            Json::Array(items)
        }
        (
            Json::Object(_) | Json::Null | Json::Bool(_) | Json::Number(_) | Json::String(_),
            ValueRef::Integer(_),
        ) => {
            return Err(invalid_parameter(
                "cannot delete from object using integer index",
            ));
        }
        (Json::Object(members), key) => {
            let key = String::from_utf8_lossy(key.as_bytes().unwrap_or_default()).into_owned();
            Json::Object(members.into_iter().filter(|(k, _)| *k != key).collect())
        }
        (Json::Array(items), key) => {
            let key = String::from_utf8_lossy(key.as_bytes().unwrap_or_default()).into_owned();
            Json::Array(
                items
                    .into_iter()
                    .filter(|i| !matches!(i, Json::String(s) if *s == key))
                    .collect(),
            )
        }
        _ => return Err(invalid_parameter("cannot delete from scalar")),
    };
    Ok(Value::Text(result.to_jsonb_text()))
}

/// A SQL value as JSON text: numbers as numbers, text as a string, NULL as `null`.
fn to_json(value: ValueRef<'_>) -> String {
    let mut out = String::new();
    match value {
        ValueRef::Null => out.push_str("null"),
        ValueRef::Integer(i) => out.push_str(&i.to_string()),
        ValueRef::Real(f) if f.is_finite() => {
            let mut buf = Vec::new();
            crate::value::text::write_float8(f, &mut buf);
            out.push_str(&String::from_utf8_lossy(&buf));
        }
        ValueRef::Real(f) => write_string(&f.to_string(), &mut out),
        ValueRef::Text(t) => write_string(&String::from_utf8_lossy(t), &mut out),
        ValueRef::Blob(b) => {
            let mut hex = String::from("\\x");
            for byte in b {
                hex.push_str(&format!("{byte:02x}"));
            }
            write_string(&hex, &mut out);
        }
    }
    out
}

/// Appends argument `i`, already JSON text (see the module docs), to `out`.
fn push_json_arg(ctx: &Context<'_>, i: usize, out: &mut String) {
    match text_arg(ctx, i) {
        Some(text) => out.push_str(&text),
        None => out.push_str("null"),
    }
}

fn build_array(ctx: &Context<'_>) -> Result<String> {
    let mut out = String::from("[");
    for i in 0..ctx.len() {
        if i > 0 {
            out.push_str(", ");
        }
        push_json_arg(ctx, i, &mut out);
    }
    out.push(']');
    Ok(out)
}

fn build_object(ctx: &Context<'_>, colon: &str, comma: &str) -> Result<String> {
    if ctx.len() % 2 != 0 {
        return Err(invalid_parameter(
            "argument list must have even number of elements",
        ));
    }
    let mut out = String::from("{");
    for pair in 0..ctx.len() / 2 {
        if pair > 0 {
            out.push_str(comma);
        }
        let Some(key) = text_arg(ctx, 2 * pair) else {
            return Err(invalid_parameter("argument 1: key must not be null"));
        };
        write_string(&key, &mut out);
        out.push_str(colon);
        push_json_arg(ctx, 2 * pair + 1, &mut out);
    }
    out.push('}');
    Ok(out)
}

/// `jsonb_set(doc, path, value)`: replaces the value at `path`, or adds it as the last
/// key of an object or an element of an array.
fn set(ctx: &Context<'_>) -> Result<Value> {
    let (Some(mut doc), Some(path), Some(value)) = (
        json_arg(ctx, 0)?,
        text_array_arg(ctx, 1)?,
        json_arg(ctx, 2)?,
    ) else {
        return Ok(Value::Null);
    };
    if let Some((last, parents)) = path.split_last() {
        let mut target = &mut doc;
        for key in parents {
            let Some(next) = child_mut(target, key.as_deref()) else {
                return Ok(Value::Text(doc.to_jsonb_text()));
            };
            target = next;
        }
        match (target, last.as_deref()) {
            (Json::Object(members), Some(key)) => {
                match members.iter_mut().rev().find(|(k, _)| k == key) {
                    Some(slot) => slot.1 = value,
                    None => members.push((key.to_string(), value)),
                }
            }
            (Json::Array(items), Some(key)) => {
                let Ok(i) = key.trim().parse::<i64>() else {
                    return Err(invalid_text("integer"));
                };
                let len = items.len() as i64;
                let at = if i < 0 { len + i } else { i };
                if (0..len).contains(&at) {
                    items[at as usize] = value;
                } else if at < 0 {
                    items.insert(0, value);
                } else {
                    items.push(value);
                }
            }
            (_, None) => return Err(invalid_parameter("path element at position 1 is null")),
            _ => return Err(invalid_parameter("cannot set path in scalar")),
        }
    }
    Ok(Value::Text(doc.into_jsonb().to_jsonb_text()))
}

fn child_mut<'j>(doc: &'j mut Json, key: Option<&str>) -> Option<&'j mut Json> {
    let key = key?;
    match doc {
        Json::Object(members) => members
            .iter_mut()
            .rev()
            .find(|(k, _)| k == key)
            .map(|m| &mut m.1),
        Json::Array(items) => {
            let i: i64 = key.trim().parse().ok()?;
            let len = items.len() as i64;
            let at = if i < 0 { len + i } else { i };
            usize::try_from(at).ok().and_then(|at| items.get_mut(at))
        }
        _ => None,
    }
}

fn strip_nulls(doc: Json) -> Json {
    match doc {
        Json::Object(members) => Json::Object(
            members
                .into_iter()
                .filter(|(_, v)| *v != Json::Null)
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// `jsonb_pretty`: four spaces per level, one member or element per line.
fn pretty(doc: &Json, indent: usize, out: &mut String) {
    let pad = |n: usize, out: &mut String| out.extend(std::iter::repeat_n(' ', n * 4));
    match doc {
        Json::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                pad(indent + 1, out);
                pretty(item, indent + 1, out);
            }
            out.push('\n');
            pad(indent, out);
            out.push(']');
        }
        Json::Object(members) if !members.is_empty() => {
            out.push_str("{\n");
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                pad(indent + 1, out);
                write_string(k, out);
                out.push_str(": ");
                pretty(v, indent + 1, out);
            }
            out.push('\n');
            pad(indent, out);
            out.push('}');
        }
        other => other.write_jsonb(out),
    }
}

/// `json_agg(x)` / `jsonb_agg(x)` over JSON texts: `[a, b, c]`, NULL over no rows.
struct JsonAgg;

impl Aggregate<String, Option<String>> for JsonAgg {
    fn init(&self, _: &mut Context<'_>) -> Result<String> {
        Ok(String::from("["))
    }

    fn step(&self, ctx: &mut Context<'_>, acc: &mut String) -> Result<()> {
        if acc.len() > 1 {
            acc.push_str(", ");
        }
        push_json_arg(ctx, 0, acc);
        Ok(())
    }

    fn finalize(&self, _: &mut Context<'_>, acc: Option<String>) -> Result<Option<String>> {
        Ok(acc.map(|mut a| {
            a.push(']');
            a
        }))
    }
}

/// `jsonb_object_agg(key, value)` over keys and JSON texts: `{"k" : v, ...}`.
struct JsonObjectAgg;

impl Aggregate<String, Option<String>> for JsonObjectAgg {
    fn init(&self, _: &mut Context<'_>) -> Result<String> {
        Ok(String::from("{"))
    }

    fn step(&self, ctx: &mut Context<'_>, acc: &mut String) -> Result<()> {
        let Some(key) = text_arg(ctx, 0) else {
            return Err(invalid_parameter("field name must not be null"));
        };
        if acc.len() > 1 {
            acc.push_str(", ");
        }
        write_string(&key, acc);
        acc.push_str(" : ");
        push_json_arg(ctx, 1, acc);
        Ok(())
    }

    fn finalize(&self, _: &mut Context<'_>, acc: Option<String>) -> Result<Option<String>> {
        Ok(acc.map(|mut a| {
            a.push('}');
            a
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(sql: &str) -> Option<String> {
        crate::executor::testing::shown(register, sql)
    }

    #[test]
    fn operators() {
        let doc = r#"'{"a": {"b": [1, 2]}, "s": "x"}'"#;
        assert_eq!(
            q(&format!("SELECT pg_json_get({doc}, 'a')")).unwrap(),
            r#"{"b": [1, 2]}"#
        );
        assert_eq!(
            q(&format!("SELECT pg_json_get_text({doc}, 's')")).unwrap(),
            "x"
        );
        assert_eq!(
            q(&format!("SELECT pg_json_path_text({doc}, '{{a,b,1}}')")).unwrap(),
            "2"
        );
        assert_eq!(q("SELECT pg_json_get('[10, 20, 30]', -1)").unwrap(), "30");
        assert_eq!(q("SELECT pg_json_get_text('[1]', 'a')"), None);
        assert_eq!(
            q(r#"SELECT pg_jsonb_contains('{"a": 1, "b": [1, 2]}', '{"b": [2]}')"#).unwrap(),
            "1"
        );
        assert_eq!(
            q(r#"SELECT pg_jsonb_exists_all('{"a": 1}', '{a,x}')"#).unwrap(),
            "0"
        );
        assert_eq!(
            q(r#"SELECT pg_jsonb_concat('{"a": 1}', '{"b": 2}')"#).unwrap(),
            r#"{"a": 1, "b": 2}"#
        );
        assert_eq!(
            q(r#"SELECT pg_jsonb_delete('{"a": 1, "b": 2}', 'a')"#).unwrap(),
            r#"{"b": 2}"#
        );
    }

    #[test]
    fn builders_and_aggregates() {
        assert_eq!(
            q("SELECT pg_json_build_object('a', pg_to_json(1), 'b', pg_to_json_bool(1))").unwrap(),
            r#"{"a" : 1, "b" : true}"#
        );
        assert_eq!(q("SELECT pg_json_build_array()").unwrap(), "[]");
        assert_eq!(
            q("SELECT pg_row_to_json('a', pg_to_json(1), 'b', pg_to_json('x'))").unwrap(),
            r#"{"a":1,"b":"x"}"#
        );
        assert_eq!(
            q("SELECT pg_json_agg(pg_to_json(x)) FROM (SELECT 'a' AS x UNION ALL SELECT NULL)")
                .unwrap(),
            r#"["a", null]"#
        );
        assert_eq!(q("SELECT pg_json_agg(1) WHERE 0"), None);
        assert_eq!(
            q(r#"SELECT pg_jsonb_set('{"a": {"b": 1}}', '{a,c}', '[true]')"#).unwrap(),
            r#"{"a": {"b": 1, "c": [true]}}"#
        );
        assert_eq!(q(r#"SELECT pg_json_typeof('1.5')"#).unwrap(), "number");
    }

    #[test]
    fn bad_input_is_22p02() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let err = conn
            .query_row(r#"SELECT pg_cast_jsonb('{"a": 1')"#, [], |r| {
                r.get::<_, String>(0)
            })
            .unwrap_err();
        assert!(err.to_string().contains("22P02"), "{err}");
    }
}
