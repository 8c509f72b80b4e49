//! `expr::type` and `CAST(expr AS type)` for SQLite.
//!
//! In queries a cast keeps PostgreSQL's meaning through the `pg_cast_*` functions the
//! executor registers (checked input, PostgreSQL's rounding, ISO dates). In what SQLite
//! stores in its schema (defaults, views, index expressions) only SQLite's own `CAST` is
//! used, so that the schema stays readable by any SQLite.

use super::types::data_type_oid;
use super::{call, number};
use crate::protocol::types::{Oid, oid};
use sqlparser::ast::{CastKind, CharacterLength, DataType, ExactNumberInfo, Expr, Value};

/// Where the rewritten expression will live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Run now: PostgreSQL's semantics through pgsqlite's functions.
    Query,
    /// Stored in the SQLite schema: SQLite's built-ins only.
    Schema,
}

/// The SQLite form of casting `expr` to `data_type`.
pub fn rewrite_cast(expr: Expr, data_type: &DataType, target: Target) -> Expr {
    let from = super::types::expr_type(&expr);
    rewrite_cast_from(expr, from, data_type, target)
}

/// [`rewrite_cast`] for an `expr` of a known type `from`.
pub fn rewrite_cast_from(
    expr: Expr,
    from: Option<Oid>,
    data_type: &DataType,
    target: Target,
) -> Expr {
    let ty = data_type_oid(data_type);
    if ty == oid::BYTEA
        && let Some(blob) = hex_bytea_literal(&expr)
    {
        return blob;
    }
    match target {
        Target::Schema => sqlite_cast(expr, ty),
        Target::Query => query_cast(expr, from, ty, data_type),
    }
}

fn sqlite_cast(expr: Expr, ty: Oid) -> Expr {
    let affinity = match ty {
        oid::INT2 | oid::INT4 | oid::INT8 | oid::OID => "INTEGER",
        oid::FLOAT4 | oid::FLOAT8 => "REAL",
        oid::NUMERIC => "NUMERIC",
        oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME => "TEXT",
        oid::BYTEA => "BLOB",
        // Booleans, dates and times, uuid, json, arrays: SQLite's CAST would mangle the
        // stored text, so the value stays as it is.
        _ => return Expr::Nested(Box::new(expr)),
    };
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(expr),
        data_type: DataType::Custom(
            sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(affinity)]),
            vec![],
        ),
        format: None,
    }
}

fn query_cast(mut expr: Expr, from: Option<Oid>, ty: Oid, data_type: &DataType) -> Expr {
    if matches!(ty, oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME) {
        // A decimal literal keeps the digits it is written with (`1.50::text` is '1.50').
        super::strings::decimal_as_text(&mut expr);
    }
    // float to integer rounds half to even (rint); numeric to integer half away from zero.
    let int_cast = match from {
        Some(oid::FLOAT4 | oid::FLOAT8) => "pg_cast_int_rint",
        _ => "pg_cast_int",
    };
    match ty {
        oid::INT2 => call(int_cast, vec![expr, number(16)]),
        oid::INT4 => call(int_cast, vec![expr, number(32)]),
        oid::INT8 => call(int_cast, vec![expr, number(64)]),
        oid::FLOAT4 | oid::FLOAT8 => call("pg_cast_float", vec![expr]),
        oid::NUMERIC => {
            let (precision, scale) = match data_type {
                DataType::Numeric(info) | DataType::Decimal(info) => match info {
                    ExactNumberInfo::None => (None, None),
                    ExactNumberInfo::Precision(p) => (Some(*p as i64), Some(0)),
                    ExactNumberInfo::PrecisionAndScale(p, s) => (Some(*p as i64), Some(*s)),
                },
                _ => (None, None),
            };
            let arg = |v: Option<i64>| v.map_or(Expr::value(Value::Null), number);
            call("pg_cast_numeric", vec![expr, arg(precision), arg(scale)])
        }
        oid::BOOL => call("pg_cast_bool", vec![expr]),
        oid::DATE => call("pg_cast_date", vec![expr]),
        oid::TIME => call("pg_cast_time", vec![expr]),
        oid::TIMESTAMP => call("pg_cast_timestamp", vec![expr]),
        oid::TIMESTAMPTZ => call("pg_cast_timestamptz", vec![expr]),
        oid::UUID => call("pg_cast_uuid", vec![expr]),
        oid::INTERVAL => call("pg_cast_interval", vec![expr]),
        oid::JSON => call("pg_cast_json", vec![expr]),
        oid::JSONB => call("pg_cast_jsonb", vec![expr]),
        array if super::arrays::is_array(array) => super::arrays::cast(expr, array),
        oid::VARCHAR | oid::BPCHAR => match char_length(data_type) {
            // An explicit cast to varchar(n) or char(n) truncates, as in PostgreSQL.
            // char(n) is not padded: PostgreSQL ignores the padding when it compares,
            // SQLite would not.
            Some(n) => call("substr", vec![text_cast(expr), number(1), number(n as i64)]),
            None => text_cast(expr),
        },
        oid::TEXT => text_cast(expr),
        other => sqlite_cast(expr, other),
    }
}

/// A cast to text; booleans print as PostgreSQL spells them (SQLite's are 1 and 0).
fn text_cast(expr: Expr) -> Expr {
    if super::types::expr_type(&expr) != Some(oid::BOOL) {
        return sqlite_cast(expr, oid::TEXT);
    }
    let text = |s: &str| Expr::value(Value::SingleQuotedString(s.into()));
    Expr::Case {
        case_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        operand: Some(Box::new(expr)),
        conditions: vec![
            sqlparser::ast::CaseWhen {
                condition: number(1),
                result: text("true"),
            },
            sqlparser::ast::CaseWhen {
                condition: number(0),
                result: text("false"),
            },
        ],
        else_result: None,
    }
}

/// The length of `varchar(n)`/`char(n)`; `char` alone is `char(1)`.
pub(super) fn char_length(data_type: &DataType) -> Option<u64> {
    match data_type {
        DataType::Varchar(Some(CharacterLength::IntegerLength { length, .. }))
        | DataType::CharacterVarying(Some(CharacterLength::IntegerLength { length, .. }))
        | DataType::Char(Some(CharacterLength::IntegerLength { length, .. }))
        | DataType::Character(Some(CharacterLength::IntegerLength { length, .. })) => Some(*length),
        _ => None,
    }
}

/// `'\x0a0b'::bytea` as SQLite's blob literal `X'0a0b'`.
fn hex_bytea_literal(expr: &Expr) -> Option<Expr> {
    let Expr::Value(v) = expr else { return None };
    let Value::SingleQuotedString(text) = &v.value else {
        return None;
    };
    let hex = text.strip_prefix("\\x")?;
    if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(Expr::value(Value::HexStringLiteral(hex.to_string())))
}
