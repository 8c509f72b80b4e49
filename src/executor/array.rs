//! PostgreSQL's array functions and operators, as SQLite functions the SQL front end
//! calls (`ARRAY[1, 2]` runs as `pg_array(1, 2)`, `x = ANY(a)` as `pg_array_any(x, '=', a)`).
//!
//! Arrays travel as PostgreSQL's array text (`{1,2,"c d"}`, see [`crate::value::array`]);
//! each function parses its array arguments and writes its array result in that form.
//! Elements compare as numbers when both read as numbers, else as text.

use super::pg_function_error;
use crate::error::SqlState;
use crate::value::array::{self, PgArray};
use crate::value::json::write_string;
use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Result};
use std::cmp::Ordering;

/// Registers the `pg_array*` functions on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("pg_array", -1, flags, |ctx| {
        let items = (0..ctx.len()).map(|i| element(ctx.get_raw(i))).collect();
        Ok(PgArray::from_items(items).to_text())
    })?;
    conn.create_scalar_function("pg_array_nest", -1, flags, |ctx| nest(ctx))?;
    conn.create_scalar_function("pg_array_bool", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Null => None,
            v => Some(if crate::value::coerce_bool(v).unwrap_or(false) {
                "t"
            } else {
                "f"
            }),
        })
    })?;
    conn.create_scalar_function("pg_cast_array", 2, flags, |ctx| cast(ctx))?;
    conn.create_scalar_function("pg_array_json", 1, flags, |ctx| {
        with_array(ctx, 0, |a| Ok(Value::Text(to_json(&a))))
    })?;
    conn.create_scalar_function("pg_array_any", 3, flags, |ctx| quantified(ctx, false))?;
    conn.create_scalar_function("pg_array_all", 3, flags, |ctx| quantified(ctx, true))?;
    conn.create_scalar_function("pg_array_get", -1, flags, |ctx| get(ctx))?;
    conn.create_scalar_function("pg_array_slice", 3, flags, |ctx| slice(ctx))?;
    conn.create_scalar_function("pg_array_length", 2, flags, |ctx| {
        let dim: i64 = ctx.get::<Option<i64>>(1)?.unwrap_or(0);
        with_array(ctx, 0, |a| {
            Ok(usize::try_from(dim - 1)
                .ok()
                .and_then(|d| a.dims.get(d))
                .map_or(Value::Null, |n| Value::Integer(*n as i64)))
        })
    })?;
    conn.create_scalar_function("pg_array_lower", 2, flags, |ctx| {
        let dim: i64 = ctx.get::<Option<i64>>(1)?.unwrap_or(0);
        Ok(match bounded_array_arg(ctx, 0)? {
            Some((a, lower)) if dim >= 1 && (dim as usize) <= a.dims.len() => Value::Integer(lower),
            _ => Value::Null,
        })
    })?;
    conn.create_scalar_function("pg_array_subscripts", 2, flags, |ctx| subscripts(ctx))?;
    conn.create_scalar_function("pg_srf_longest", -1, flags, |ctx| longest(ctx))?;
    conn.create_scalar_function("pg_array_cardinality", 1, flags, |ctx| {
        with_array(ctx, 0, |a| Ok(Value::Integer(a.items.len() as i64)))
    })?;
    // A NULL array counts as empty here, as in PostgreSQL.
    conn.create_scalar_function("pg_array_append", 2, flags, |ctx| {
        let mut items = array_arg(ctx, 0)?.unwrap_or_default().items;
        items.push(element(ctx.get_raw(1)));
        Ok(PgArray::from_items(items).to_text())
    })?;
    conn.create_scalar_function("pg_array_prepend", 2, flags, |ctx| {
        let mut items = array_arg(ctx, 1)?.unwrap_or_default().items;
        items.insert(0, element(ctx.get_raw(0)));
        Ok(PgArray::from_items(items).to_text())
    })?;
    conn.create_scalar_function("pg_array_cat", 2, flags, |ctx| cat(ctx))?;
    conn.create_scalar_function("pg_array_position", 2, flags, |ctx| {
        let wanted = element(ctx.get_raw(1));
        with_array(ctx, 0, |a| {
            Ok(a.items
                .iter()
                .position(|i| match (i, &wanted) {
                    (Some(x), Some(y)) => compare(x, y) == Ordering::Equal,
                    (None, None) => true,
                    _ => false,
                })
                .map_or(Value::Null, |p| Value::Integer(p as i64 + 1)))
        })
    })?;
    conn.create_scalar_function("pg_array_remove", 2, flags, |ctx| {
        let unwanted = element(ctx.get_raw(1));
        with_array(ctx, 0, |a| {
            let items = a
                .items
                .into_iter()
                .filter(|i| match (i, &unwanted) {
                    (Some(x), Some(y)) => compare(x, y) != Ordering::Equal,
                    (None, None) => false,
                    _ => true,
                })
                .collect();
            Ok(Value::Text(PgArray::from_items(items).to_text()))
        })
    })?;
    conn.create_scalar_function("pg_array_to_string", -1, flags, |ctx| to_string(ctx))?;
    conn.create_scalar_function("pg_string_to_array", -1, flags, |ctx| string_to_array(ctx))?;
    conn.create_scalar_function("pg_array_contains", 2, flags, |ctx| {
        two_arrays(ctx, |a, b| Value::Integer(contains(&a, &b) as i64))
    })?;
    conn.create_scalar_function("pg_array_contained", 2, flags, |ctx| {
        two_arrays(ctx, |a, b| Value::Integer(contains(&b, &a) as i64))
    })?;
    conn.create_scalar_function("pg_array_overlap", 2, flags, |ctx| {
        two_arrays(ctx, |a, b| {
            let hit = a.items.iter().flatten().any(|x| {
                b.items
                    .iter()
                    .flatten()
                    .any(|y| compare(x, y) == Ordering::Equal)
            });
            Value::Integer(hit as i64)
        })
    })?;
    conn.create_scalar_function("pg_contains", 2, flags, |ctx| untyped_contains(ctx, false))?;
    conn.create_scalar_function("pg_contained", 2, flags, |ctx| untyped_contains(ctx, true))?;
    conn.create_aggregate_function("pg_array_agg", 1, flags, ArrayAgg)?;
    Ok(())
}

/// A SQL value as an array element's text (`None` for NULL).
fn element(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => {
            let mut buf = Vec::new();
            crate::value::text::write_float8(f, &mut buf);
            Some(String::from_utf8_lossy(&buf).into_owned())
        }
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

fn malformed(text: &str) -> rusqlite::Error {
    pg_function_error(
        SqlState::INVALID_TEXT_REPRESENTATION,
        &format!("malformed array literal: \"{text}\""),
    )
}

/// The array argument `i`, `None` for NULL; text that is not an array is 22P02.
fn array_arg(ctx: &Context<'_>, i: usize) -> Result<Option<PgArray>> {
    Ok(bounded_array_arg(ctx, i)?.map(|(a, _)| a))
}

/// Argument `i` as an array and its lower bound: 1 for an array, 0 for a catalog vector
/// (`int2vector`, `oidvector`, whose text is `3 1`).
fn bounded_array_arg(ctx: &Context<'_>, i: usize) -> Result<Option<(PgArray, i64)>> {
    match element(ctx.get_raw(i)) {
        None => Ok(None),
        Some(text) => match array::parse(&text) {
            Ok(a) => Ok(Some((a, 1))),
            Err(_) => array::parse_vector(&text)
                .map(|a| Some((a, 0)))
                .ok_or_else(|| malformed(&text)),
        },
    }
}

/// The subscripts of dimension `dim` of argument 0 (`generate_subscripts`), as a JSON
/// array; NULL for a NULL array or a dimension it does not have.
fn subscripts(ctx: &Context<'_>) -> Result<Value> {
    let dim: Option<i64> = ctx.get(1)?;
    let (Some((a, lower)), Some(dim)) = (bounded_array_arg(ctx, 0)?, dim) else {
        return Ok(Value::Null);
    };
    let Some(len) = usize::try_from(dim - 1).ok().and_then(|d| a.dims.get(d)) else {
        return Ok(Value::Null);
    };
    let list: Vec<String> = (0..*len as i64).map(|i| (lower + i).to_string()).collect();
    Ok(Value::Text(format!("[{}]", list.join(","))))
}

/// Of the JSON arrays a select list's set-returning functions run through, the
/// longest: its arguments are pairs (length, array), NULL counting as empty. Its
/// `json_each` keys are the steps the functions take together, so that the shorter ones
/// yield NULL past their end, as in PostgreSQL.
fn longest(ctx: &Context<'_>) -> Result<Value> {
    let mut longest = (0i64, Value::Null);
    for i in (0..ctx.len().saturating_sub(1)).step_by(2) {
        let len = ctx.get::<Option<i64>>(i)?.unwrap_or(0);
        if len > longest.0 {
            longest = (len, ctx.get::<Value>(i + 1)?);
        }
    }
    Ok(longest.1)
}

fn with_array(
    ctx: &Context<'_>,
    i: usize,
    f: impl FnOnce(PgArray) -> Result<Value>,
) -> Result<Value> {
    match array_arg(ctx, i)? {
        Some(a) => f(a),
        None => Ok(Value::Null),
    }
}

fn two_arrays(ctx: &Context<'_>, f: impl FnOnce(PgArray, PgArray) -> Value) -> Result<Value> {
    match (array_arg(ctx, 0)?, array_arg(ctx, 1)?) {
        (Some(a), Some(b)) => Ok(f(a, b)),
        _ => Ok(Value::Null),
    }
}

/// Elements compare as numbers when both are numbers, else as text.
fn compare(a: &str, b: &str) -> Ordering {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

fn contains(a: &PgArray, b: &PgArray) -> bool {
    b.items.iter().all(|y| match y {
        Some(y) => a
            .items
            .iter()
            .flatten()
            .any(|x| compare(x, y) == Ordering::Equal),
        None => false,
    })
}

/// `@>` / `<@` where the statement does not show the operands' types: json documents
/// compare as jsonb, anything else as arrays.
fn untyped_contains(ctx: &Context<'_>, swapped: bool) -> Result<Value> {
    let (a, b) = (element(ctx.get_raw(0)), element(ctx.get_raw(1)));
    let (Some(a), Some(b)) = (a, b) else {
        return Ok(Value::Null);
    };
    let (a, b) = if swapped { (b, a) } else { (a, b) };
    if let (Ok(x), Ok(y)) = (crate::value::json::parse(&a), crate::value::json::parse(&b)) {
        return Ok(Value::Integer(super::json::contains(&x, &y) as i64));
    }
    let x = array::parse(&a).map_err(|_| malformed(&a))?;
    let y = array::parse(&b).map_err(|_| malformed(&b))?;
    Ok(Value::Integer(contains(&x, &y) as i64))
}

/// `ARRAY[[1, 2], [3, 4]]`: sub-arrays of equal shape make one more dimension.
fn nest(ctx: &Context<'_>) -> Result<String> {
    let mut out = PgArray::default();
    let mut inner_dims: Option<Vec<usize>> = None;
    for i in 0..ctx.len() {
        let Some(sub) = array_arg(ctx, i)? else {
            continue;
        };
        match &inner_dims {
            None => inner_dims = Some(sub.dims.clone()),
            Some(d) if *d != sub.dims => {
                return Err(pg_function_error(
                    SqlState::ARRAY_SUBSCRIPT_ERROR,
                    "multidimensional arrays must have array expressions with matching dimensions",
                ));
            }
            Some(_) => {}
        }
        out.items.extend(sub.items);
    }
    if !out.items.is_empty() {
        out.dims = vec![ctx.len()];
        out.dims.extend(inner_dims.unwrap_or_default());
    }
    Ok(out.to_text())
}

/// `'{...}'::type[]`: a valid literal, elements checked against integer element types.
fn cast(ctx: &Context<'_>) -> Result<Value> {
    let Some(text) = element(ctx.get_raw(0)) else {
        return Ok(Value::Null);
    };
    let element_type: String = ctx.get(1)?;
    let parsed = array::parse(&text).map_err(|_| malformed(&text))?;
    let int_name = match element_type.as_str() {
        "int2" => Some("smallint"),
        "int4" => Some("integer"),
        "int8" => Some("bigint"),
        _ => None,
    };
    if let Some(name) = int_name {
        for item in parsed.items.iter().flatten() {
            if item.trim().parse::<i64>().is_err() {
                return Err(pg_function_error(
                    SqlState::INVALID_TEXT_REPRESENTATION,
                    &format!("invalid input syntax for type {name}: \"{item}\""),
                ));
            }
        }
    }
    Ok(Value::Text(parsed.to_text()))
}

/// The array as a JSON array for `json_each`: canonical integers as numbers, other
/// elements as strings.
fn to_json(a: &PgArray) -> String {
    let mut out = String::from("[");
    for (i, item) in a.items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            None => out.push_str("null"),
            Some(s) if is_canonical_integer(s) => out.push_str(s),
            Some(s) => write_string(s, &mut out),
        }
    }
    out.push(']');
    out
}

fn is_canonical_integer(s: &str) -> bool {
    s.parse::<i64>().is_ok_and(|n| n.to_string() == s)
}

/// `x op ANY(a)` / `x op ALL(a)` with SQL's three-valued logic.
fn quantified(ctx: &Context<'_>, all: bool) -> Result<Value> {
    let Some(x) = element(ctx.get_raw(0)) else {
        return Ok(Value::Null);
    };
    let op: String = ctx.get(1)?;
    let Some(a) = array_arg(ctx, 2)? else {
        return Ok(Value::Null);
    };
    let mut saw_null = false;
    for item in &a.items {
        let Some(y) = item else {
            saw_null = true;
            continue;
        };
        let ord = compare(&x, y);
        let holds = match op.as_str() {
            "=" => ord == Ordering::Equal,
            "<>" => ord != Ordering::Equal,
            "<" => ord == Ordering::Less,
            "<=" => ord != Ordering::Greater,
            ">" => ord == Ordering::Greater,
            _ => ord != Ordering::Less,
        };
        if holds != all {
            return Ok(Value::Integer(holds as i64));
        }
    }
    Ok(if saw_null {
        Value::Null
    } else {
        Value::Integer(all as i64)
    })
}

/// `a[i]` (`a[i][j]` on a multidimensional array): NULL outside the bounds.
fn get(ctx: &Context<'_>) -> Result<Value> {
    if ctx.is_empty() {
        return Err(pg_function_error(
            SqlState::UNDEFINED_FUNCTION,
            "function pg_array_get() does not exist",
        ));
    }
    let Some((a, lower)) = bounded_array_arg(ctx, 0)? else {
        return Ok(Value::Null);
    };
    let mut indexes = Vec::with_capacity(ctx.len() - 1);
    for i in 1..ctx.len() {
        match ctx.get::<Option<i64>>(i)? {
            // Subscripts as if from 1 (a vector's start at 0).
            Some(n) => indexes.push(n.saturating_add(1 - lower)),
            None => return Ok(Value::Null),
        }
    }
    if indexes.len() != a.dims.len() {
        return Ok(Value::Null);
    }
    let mut offset = 0usize;
    for (n, len) in indexes.iter().zip(&a.dims) {
        if *n < 1 || *n as usize > *len {
            return Ok(Value::Null);
        }
        offset = offset * len + (*n as usize - 1);
    }
    Ok(a.items[offset].clone().map_or(Value::Null, Value::Text))
}

/// `a[lo:hi]` on a one-dimensional array (missing bounds are the array's own).
fn slice(ctx: &Context<'_>) -> Result<Value> {
    let Some(a) = array_arg(ctx, 0)? else {
        return Ok(Value::Null);
    };
    let len = a.items.len() as i64;
    let lo = ctx.get::<Option<i64>>(1)?.unwrap_or(1).max(1);
    let hi = ctx.get::<Option<i64>>(2)?.unwrap_or(len).min(len);
    let items = if lo > hi || a.dims.len() > 1 {
        vec![]
    } else {
        a.items[(lo - 1) as usize..hi as usize].to_vec()
    };
    Ok(Value::Text(PgArray::from_items(items).to_text()))
}

fn cat(ctx: &Context<'_>) -> Result<Value> {
    match (array_arg(ctx, 0)?, array_arg(ctx, 1)?) {
        (None, None) => Ok(Value::Null),
        (Some(a), None) | (None, Some(a)) => Ok(Value::Text(a.to_text())),
        (Some(mut a), Some(b)) => {
            a.items.extend(b.items);
            Ok(Value::Text(PgArray::from_items(a.items).to_text()))
        }
    }
}

/// `array_to_string(a, sep [, null_text])`: NULL elements skipped unless `null_text`.
fn to_string(ctx: &Context<'_>) -> Result<Value> {
    if !(2..=3).contains(&ctx.len()) {
        return Err(pg_function_error(
            SqlState::UNDEFINED_FUNCTION,
            "function array_to_string does not exist",
        ));
    }
    let (Some(a), Some(sep)) = (array_arg(ctx, 0)?, element(ctx.get_raw(1))) else {
        return Ok(Value::Null);
    };
    let null_text = if ctx.len() == 3 {
        element(ctx.get_raw(2))
    } else {
        None
    };
    let parts: Vec<&str> = a
        .items
        .iter()
        .filter_map(|i| i.as_deref().or(null_text.as_deref()))
        .collect();
    Ok(Value::Text(parts.join(&sep)))
}

/// `string_to_array(s, sep [, null_text])`.
fn string_to_array(ctx: &Context<'_>) -> Result<Value> {
    if !(2..=3).contains(&ctx.len()) {
        return Err(pg_function_error(
            SqlState::UNDEFINED_FUNCTION,
            "function string_to_array does not exist",
        ));
    }
    let Some(s) = element(ctx.get_raw(0)) else {
        return Ok(Value::Null);
    };
    let null_text = if ctx.len() == 3 {
        element(ctx.get_raw(2))
    } else {
        None
    };
    let items: Vec<Option<String>> = if s.is_empty() {
        vec![]
    } else {
        match element(ctx.get_raw(1)) {
            None => s.chars().map(|c| Some(c.to_string())).collect(),
            Some(sep) if sep.is_empty() => vec![Some(s.clone())],
            Some(sep) => s.split(sep.as_str()).map(|p| Some(p.to_string())).collect(),
        }
    };
    let items = items
        .into_iter()
        .map(|i| i.filter(|p| null_text.as_deref() != Some(p.as_str())))
        .collect();
    Ok(Value::Text(PgArray::from_items(items).to_text()))
}

/// `array_agg(x)`: the values in input order, NULL over no rows.
struct ArrayAgg;

impl Aggregate<Vec<Option<String>>, Option<String>> for ArrayAgg {
    fn init(&self, _: &mut Context<'_>) -> Result<Vec<Option<String>>> {
        Ok(Vec::new())
    }

    fn step(&self, ctx: &mut Context<'_>, acc: &mut Vec<Option<String>>) -> Result<()> {
        acc.push(element(ctx.get_raw(0)));
        Ok(())
    }

    fn finalize(
        &self,
        _: &mut Context<'_>,
        acc: Option<Vec<Option<String>>>,
    ) -> Result<Option<String>> {
        Ok(acc.map(|items| PgArray::from_items(items).to_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(sql: &str) -> Option<String> {
        crate::executor::testing::shown(register, sql)
    }

    #[test]
    fn catalog_vectors_subscripts_and_lockstep() {
        // int2vector text: subscripted from 0, elements as an array's.
        assert_eq!(q("SELECT pg_array_json('3 1')").unwrap(), "[3,1]");
        assert_eq!(q("SELECT pg_array_lower('3 1', 1)").unwrap(), "0");
        assert_eq!(q("SELECT pg_array_get('3 1', 0)").unwrap(), "3");
        assert_eq!(q("SELECT pg_array_subscripts('3 1', 1)").unwrap(), "[0,1]");
        assert_eq!(
            q("SELECT pg_array_subscripts('{a,b,c}', 1)").unwrap(),
            "[1,2,3]"
        );
        assert_eq!(q("SELECT pg_array_subscripts('{a,b,c}', 2)"), None);
        assert_eq!(q("SELECT pg_array_subscripts(NULL, 1)"), None);
        // The longest of (length, array) pairs drives functions run in lockstep.
        assert_eq!(
            q("SELECT pg_srf_longest(2, '[1,2]', 3, '[\"a\",\"b\",\"c\"]', NULL, NULL)").unwrap(),
            "[\"a\",\"b\",\"c\"]"
        );
        assert_eq!(q("SELECT pg_srf_longest(NULL, NULL)"), None);
        assert!(crate::executor::testing::one(register, "SELECT pg_array_json('3 x')").is_err());
    }

    #[test]
    fn constructors_and_access() {
        assert_eq!(
            q("SELECT pg_array('a', 'b c', NULL)").unwrap(),
            r#"{a,"b c",NULL}"#
        );
        assert_eq!(
            q("SELECT pg_array_nest(pg_array(1, 2), pg_array(3, 4))").unwrap(),
            "{{1,2},{3,4}}"
        );
        assert_eq!(q("SELECT pg_array_get('{10,20,30}', 2)").unwrap(), "20");
        assert_eq!(q("SELECT pg_array_get('{10,20,30}', 5)"), None);
        assert_eq!(
            q("SELECT pg_array_slice('{10,20,30,40}', 2, 3)").unwrap(),
            "{20,30}"
        );
        assert_eq!(q("SELECT pg_array_length('{}', 1)"), None);
        assert_eq!(q("SELECT pg_array_append(NULL, 9)").unwrap(), "{9}");
        assert_eq!(
            q("SELECT pg_array_cardinality('{{1,2},{3,4}}')").unwrap(),
            "4"
        );
        assert_eq!(
            q("SELECT pg_array_json('{1,x,NULL}')").unwrap(),
            r#"[1,"x",null]"#
        );
    }

    #[test]
    fn comparisons_and_functions() {
        assert_eq!(q("SELECT pg_array_any(2, '=', '{1,2,3}')").unwrap(), "1");
        assert_eq!(q("SELECT pg_array_any(1, '=', '{NULL,2}')"), None);
        assert_eq!(q("SELECT pg_array_all(5, '<>', '{1,2,3}')").unwrap(), "1");
        assert_eq!(
            q("SELECT pg_array_to_string('{1,NULL,3}', ',', '*')").unwrap(),
            "1,*,3"
        );
        assert_eq!(
            q("SELECT pg_string_to_array('a,b,,c', ',')").unwrap(),
            r#"{a,b,"",c}"#
        );
        assert_eq!(q("SELECT pg_array_contains('{1,2}', '{1}')").unwrap(), "1");
        assert_eq!(q("SELECT pg_array_overlap('{1,2}', '{3}')").unwrap(), "0");
        assert_eq!(
            q("SELECT pg_contains('{red,green}', '{red}')").unwrap(),
            "1"
        );
        assert_eq!(
            q(r#"SELECT pg_contains('{"a": 1}', '{"a": 1}')"#).unwrap(),
            "1"
        );
        assert_eq!(
            q("SELECT pg_array_agg(x ORDER BY x DESC) FROM (SELECT 1 AS x UNION SELECT 2)")
                .unwrap(),
            "{2,1}"
        );
    }

    #[test]
    fn casts_check_the_literal() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        for bad in [
            "SELECT pg_cast_array('{1,2', 'int4')",
            "SELECT pg_cast_array('{x}', 'int4')",
        ] {
            let err = conn
                .query_row(bad, [], |r| r.get::<_, String>(0))
                .unwrap_err();
            assert!(err.to_string().contains("22P02"), "{err}");
        }
        assert_eq!(
            q("SELECT pg_cast_array('{\"x y\", z}', 'text')").unwrap(),
            "{\"x y\",z}"
        );
    }
}
