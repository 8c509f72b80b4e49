//! The catalog functions psql and drivers call: `format_type`, `pg_get_userbyid`,
//! `pg_get_indexdef`, `pg_get_constraintdef`, `pg_get_expr`, `pg_table_is_visible`,
//! `obj_description`, `has_table_privilege` and friends, the function-describing
//! functions `\df` calls (over an empty pg_proc), and the `reg*` casts
//! (`pg_regclass` and its output `pg_regclass_out`, which the SQL rewrite emits).

use super::{DATABASE_OWNER_OID, PG_CATALOG_OID, PUBLIC_OID, State, lock_state};
use crate::protocol::types::{oid, sql_type_name};
use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use std::sync::{Arc, Mutex};

/// The functions registered here that read the catalog's state: a statement calling
/// one refreshes the catalog first.
pub const NAMES: &[&str] = &[
    "pg_get_indexdef",
    "pg_get_constraintdef",
    "pg_table_is_visible",
    "pg_regclass",
    "pg_regclass_out",
    "to_regclass",
    "to_regtype",
    "to_regnamespace",
];

fn oid_arg(ctx: &Context<'_>, i: usize) -> Option<i64> {
    match ctx.get_raw(i) {
        ValueRef::Integer(n) => Some(n),
        ValueRef::Real(f) => Some(f as i64),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// `format_type(type, typmod)`: the SQL name of a type with its modifier.
fn format_type(ty: i64, typmod: Option<i64>) -> String {
    let Ok(ty) = u32::try_from(ty) else {
        return "???".to_string();
    };
    let base = sql_type_name(ty);
    let base = if base == "unknown" && ty != oid::UNKNOWN {
        return "???".to_string();
    } else {
        base
    };
    if let Some(element) = crate::protocol::types::element_of(ty) {
        return format!("{}[]", format_type(i64::from(element), typmod));
    }
    let modifier = match (ty, typmod) {
        (oid::VARCHAR | oid::BPCHAR, Some(m)) if m >= 4 => format!("({})", m - 4),
        (oid::NUMERIC, Some(m)) if m >= 4 => {
            let m = m - 4;
            format!("({},{})", (m >> 16) & 0xffff, m & 0xffff)
        }
        (oid::TIMESTAMP, Some(p)) if p >= 0 => return format!("timestamp({p}) without time zone"),
        (oid::TIMESTAMPTZ, Some(p)) if p >= 0 => return format!("timestamp({p}) with time zone"),
        (oid::TIME, Some(p)) if p >= 0 => return format!("time({p}) without time zone"),
        _ => String::new(),
    };
    format!("{base}{modifier}")
}

fn user_name(state: &State, oid: i64) -> String {
    match u32::try_from(oid) {
        Ok(super::SUPERUSER_OID) => state.user(),
        Ok(DATABASE_OWNER_OID) => "pg_database_owner".to_string(),
        _ => format!("unknown (OID={oid})"),
    }
}

/// Registers the functions on `conn`.
pub fn register(conn: &Connection, state: Arc<Mutex<State>>) -> rusqlite::Result<()> {
    let deterministic = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let volatile = FunctionFlags::SQLITE_UTF8;
    conn.create_scalar_function("format_type", 2, deterministic, |ctx| {
        let Some(ty) = oid_arg(ctx, 0) else {
            return Ok(None);
        };
        Ok(Some(format_type(ty, oid_arg(ctx, 1))))
    })?;
    let s = state.clone();
    conn.create_scalar_function("pg_get_userbyid", 1, volatile, move |ctx| {
        let Some(oid) = oid_arg(ctx, 0) else {
            return Ok(None);
        };
        Ok(Some(user_name(&lock_state(&s), oid)))
    })?;
    let s = state.clone();
    conn.create_scalar_function("pg_table_is_visible", 1, volatile, move |ctx| {
        Ok(oid_arg(ctx, 0).map(|oid| {
            u32::try_from(oid).is_ok_and(|oid| lock_state(&s).relations.contains_key(&oid))
        }))
    })?;
    conn.create_scalar_function("pg_type_is_visible", 1, deterministic, |ctx| {
        Ok(oid_arg(ctx, 0).map(|_| true))
    })?;
    conn.create_scalar_function("pg_function_is_visible", 1, deterministic, |ctx| {
        Ok(oid_arg(ctx, 0).map(|_| true))
    })?;
    // pg_proc has no rows (pgsqlite runs no server-side functions, see
    // `sql/unsupported.rs`): these describe functions by OID, and PostgreSQL answers NULL
    // for an OID that names none, as every OID does here. psql's `\df` calls them.
    for name in [
        "pg_get_function_result",
        "pg_get_function_arguments",
        "pg_get_function_identity_arguments",
        "pg_get_functiondef",
    ] {
        conn.create_scalar_function(name, 1, deterministic, |_| Ok(None::<String>))?;
    }
    for arity in [1, 2, 3] {
        let s = state.clone();
        conn.create_scalar_function("pg_get_indexdef", arity, volatile, move |ctx| {
            let Some(oid) = oid_arg(ctx, 0).and_then(|o| u32::try_from(o).ok()) else {
                return Ok(None);
            };
            let state = lock_state(&s);
            let column = if arity >= 2 {
                oid_arg(ctx, 1).unwrap_or(0)
            } else {
                0
            };
            if column > 0 {
                return Ok(state
                    .index_columns
                    .get(&oid)
                    .and_then(|c| c.get(column as usize - 1))
                    .cloned());
            }
            Ok(state.definitions.get(&oid).cloned())
        })?;
    }
    for arity in [1, 2] {
        let s = state.clone();
        conn.create_scalar_function("pg_get_constraintdef", arity, volatile, move |ctx| {
            let Some(oid) = oid_arg(ctx, 0).and_then(|o| u32::try_from(o).ok()) else {
                return Ok(None);
            };
            Ok(lock_state(&s).definitions.get(&oid).cloned())
        })?;
    }
    // Expressions are stored as PostgreSQL shows them, so decompiling is the identity.
    for arity in [2, 3] {
        conn.create_scalar_function("pg_get_expr", arity, deterministic, |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Null => None,
                other => Some(owned(other)),
            })
        })?;
    }
    // pgsqlite keeps no comments.
    for (name, arity) in [
        ("obj_description", 1),
        ("obj_description", 2),
        ("col_description", 2),
        ("shobj_description", 2),
        ("pg_get_triggerdef", 1),
        ("pg_get_triggerdef", 2),
        ("pg_get_statisticsobjdef_columns", 1),
    ] {
        conn.create_scalar_function(name, arity, deterministic, |_| Ok(None::<String>))?;
    }
    conn.create_scalar_function("pg_encoding_to_char", 1, deterministic, |ctx| {
        Ok(match oid_arg(ctx, 0) {
            Some(6) => "UTF8",
            Some(0) => "SQL_ASCII",
            _ => "",
        })
    })?;
    conn.create_scalar_function("pg_char_to_encoding", 1, deterministic, |ctx| {
        let name: Option<String> = ctx.get(0)?;
        Ok(
            match name.map(|n| n.to_ascii_uppercase().replace(['-', '_'], "")) {
                Some(n) if n == "UTF8" || n == "UNICODE" => 6,
                Some(n) if n == "SQLASCII" => 0,
                _ => -1,
            },
        )
    })?;
    // One user, a superuser: every privilege is held.
    for name in [
        "has_table_privilege",
        "has_schema_privilege",
        "has_database_privilege",
        "has_column_privilege",
        "has_sequence_privilege",
        "has_function_privilege",
        "has_any_column_privilege",
        "pg_has_role",
    ] {
        for arity in [2, 3, 4] {
            conn.create_scalar_function(name, arity, deterministic, |_| Ok(true))?;
        }
    }
    conn.create_scalar_function("current_schemas", 1, deterministic, |ctx| {
        let implicit: bool = ctx.get::<Option<bool>>(0)?.unwrap_or(false);
        Ok(if implicit {
            "{pg_catalog,public}"
        } else {
            "{public}"
        })
    })?;
    // A table is its own only partition ancestor; no table is published.
    conn.create_scalar_function("pg_partition_ancestors", 1, deterministic, |ctx| {
        Ok(owned(ctx.get_raw(0)))
    })?;
    conn.create_scalar_function("pg_relation_is_publishable", 1, deterministic, |_| {
        Ok(false)
    })?;
    // `x::regclass`: the OID of a relation named by text, or the number itself.
    let s = state.clone();
    conn.create_scalar_function("pg_regclass", 1, volatile, move |ctx| {
        match ctx.get_raw(0) {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(n) => Ok(Some(n)),
            ValueRef::Real(f) => Ok(Some(f as i64)),
            ValueRef::Text(t) | ValueRef::Blob(t) => {
                let text = String::from_utf8_lossy(t);
                let text = text.trim();
                if let Ok(n) = text.parse::<i64>() {
                    return Ok(Some(n));
                }
                match relation_oid(&s, text) {
                    Some(oid) => Ok(Some(oid)),
                    None => Err(crate::executor::pg_function_error(
                        crate::error::SqlState::UNDEFINED_TABLE,
                        &format!("relation \"{text}\" does not exist"),
                    )),
                }
            }
        }
    })?;
    let s = state.clone();
    conn.create_scalar_function("pg_regclass_out", 1, volatile, move |ctx| {
        let Some(oid) = oid_arg(ctx, 0) else {
            return Ok(None);
        };
        Ok(Some(
            u32::try_from(oid)
                .ok()
                .and_then(|o| {
                    lock_state(&s)
                        .relations
                        .get(&o)
                        .map(|n| super::fill::quote_ident(n))
                        .or_else(|| catalog_relation_name(o))
                })
                .unwrap_or_else(|| oid.to_string()),
        ))
    })?;
    // to_regclass / to_regtype / to_regnamespace: the OID, or NULL for no such object.
    let s = state.clone();
    conn.create_scalar_function("to_regclass", 1, volatile, move |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) => relation_oid(&s, String::from_utf8_lossy(t).trim()),
            _ => None,
        })
    })?;
    conn.create_scalar_function("to_regtype", 1, deterministic, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) => {
                crate::protocol::types::known_type_oid(&String::from_utf8_lossy(t))
            }
            _ => None,
        })
    })?;
    conn.create_scalar_function("to_regnamespace", 1, deterministic, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) => match String::from_utf8_lossy(t).trim() {
                "pg_catalog" => Some(PG_CATALOG_OID),
                "public" => Some(PUBLIC_OID),
                "information_schema" => Some(super::generated::INFORMATION_SCHEMA_OID),
                _ => None,
            },
            _ => None,
        })
    })?;
    conn.create_scalar_function("pg_to_regtype", 1, deterministic, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Null => None,
            ValueRef::Integer(n) => Some(n),
            ValueRef::Text(t) => {
                let text = String::from_utf8_lossy(t);
                match text.trim().parse::<i64>() {
                    Ok(n) => Some(n),
                    Err(_) => Some(i64::from(crate::protocol::types::oid_from_type_name(&text))),
                }
            }
            _ => None,
        })
    })?;
    conn.create_scalar_function("pg_to_regtype_out", 1, deterministic, |ctx| {
        Ok(oid_arg(ctx, 0).map(|ty| format_type(ty, None)))
    })?;
    conn.create_scalar_function("pg_regnamespace", 1, deterministic, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) => match String::from_utf8_lossy(t).trim() {
                "pg_catalog" => Some(i64::from(PG_CATALOG_OID)),
                "public" => Some(i64::from(PUBLIC_OID)),
                other => other.parse().ok(),
            },
            ValueRef::Integer(n) => Some(n),
            _ => None,
        })
    })?;
    conn.create_scalar_function("pg_regnamespace_out", 1, deterministic, |ctx| {
        Ok(oid_arg(ctx, 0).map(|n| match u32::try_from(n) {
            Ok(PG_CATALOG_OID) => "pg_catalog".to_string(),
            Ok(PUBLIC_OID) => "public".to_string(),
            Ok(super::generated::INFORMATION_SCHEMA_OID) => "information_schema".to_string(),
            _ => n.to_string(),
        }))
    })?;
    let s = state;
    conn.create_scalar_function("pg_regrole_out", 1, volatile, move |ctx| {
        Ok(oid_arg(ctx, 0).map(|n| user_name(&lock_state(&s), n)))
    })?;
    Ok(())
}

/// An SQLite value, owned.
fn owned(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Integer(n),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// A relation name as `regclass` input reads it: unquoted parts fold to lower case.
fn relation_name(text: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                out.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if quoted => out.push(c),
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// A catalog relation's name as regclass prints it: bare for pg_catalog's (on the
/// search path), qualified otherwise.
fn catalog_relation_name(oid: u32) -> Option<String> {
    let (name, _) = super::generated::RELATION_OIDS
        .iter()
        .find(|(_, o)| *o == oid)?;
    Some(name.strip_prefix("pg_catalog.").unwrap_or(name).to_string())
}

/// The OID of the relation `text` names (`t`, `public.t`, `"T"`), if there is one.
/// Catalog relations have PostgreSQL's OIDs; an unqualified name finds pg_catalog's
/// first, as PostgreSQL's search path does.
fn relation_oid(state: &std::sync::Mutex<super::State>, text: &str) -> Option<i64> {
    let name = relation_name(text);
    let qualified = if name.contains('.') {
        name.clone()
    } else {
        format!("pg_catalog.{name}")
    };
    if let Some((_, oid)) = super::generated::RELATION_OIDS
        .iter()
        .find(|(n, _)| *n == qualified)
    {
        return Some(i64::from(*oid));
    }
    let name = name
        .strip_prefix("public.")
        .map(str::to_string)
        .unwrap_or(name);
    lock_state(state)
        .relation_oids
        .get(&name)
        .map(|oid| i64::from(*oid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_with_modifiers() {
        assert_eq!(format_type(23, None), "integer");
        assert_eq!(format_type(1043, Some(104)), "character varying(100)");
        assert_eq!(format_type(1700, Some(655_366)), "numeric(10,2)");
        assert_eq!(format_type(1700, Some(-1)), "numeric");
        assert_eq!(format_type(1007, Some(-1)), "integer[]");
        assert_eq!(relation_name("\"Big\".x"), "Big.x");
    }
}
