//! The PostgreSQL type of an expression, as far as the statement alone tells it: enough
//! for the rewriter to choose PostgreSQL's meaning of an operator (`date + integer` adds
//! days, `integer / integer` truncates).

use crate::protocol::types::{Oid, oid, oid_from_type_name};
use smallvec::SmallVec;
use sqlparser::ast::{
    BinaryOperator, DataType, Expr, SelectItem, SetExpr, Statement, UnaryOperator, Value,
};

/// The type a written type name stands for.
pub fn data_type_oid(data_type: &DataType) -> Oid {
    match data_type {
        DataType::Array(_) => oid::UNKNOWN,
        other => oid_from_type_name(&other.to_string()),
    }
}

/// The type of `expr`, if the statement's text shows it: literals, casts, the functions
/// the rewriter emits and a few built-ins, and arithmetic over those.
pub fn expr_type(expr: &Expr) -> Option<Oid> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(text, _) => Some(number_type(text)),
            Value::Boolean(_) => Some(oid::BOOL),
            _ => None,
        },
        Expr::Cast { data_type, .. } => Some(data_type_oid(data_type)),
        Expr::TypedString(t) => Some(data_type_oid(&t.data_type)),
        Expr::Nested(inner) => expr_type(inner),
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => expr_type(expr),
        Expr::Function(f) => {
            let name = f.name.0.last()?.as_ident()?.value.to_ascii_lowercase();
            function_type(&name)
        }
        Expr::BinaryOp { left, op, right } => {
            let (l, r) = (expr_type(left)?, expr_type(right)?);
            binary_type(l, op, r)
        }
        _ => None,
    }
}

/// The type of each result column of a (rewritten) `SELECT`, where its expression shows
/// it; empty for other statements and for a select list with `*`.
pub fn projection_types(statement: &Statement) -> SmallVec<[Option<Oid>; 8]> {
    let mut out = SmallVec::new();
    let Statement::Query(query) = statement else {
        return out;
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return out;
    };
    for item in &select.projection {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                out.push(expr_type(e));
            }
            _ => return SmallVec::new(),
        }
    }
    out
}

fn number_type(text: &str) -> Oid {
    if text.contains(['.', 'e', 'E']) {
        oid::NUMERIC
    } else if text.parse::<i32>().is_ok() {
        oid::INT4
    } else if text.parse::<i64>().is_ok() {
        oid::INT8
    } else {
        oid::NUMERIC
    }
}

fn function_type(name: &str) -> Option<Oid> {
    Some(match name {
        "pg_cast_date" | "pg_date_add" | "current_date" => oid::DATE,
        "pg_cast_timestamp" | "localtimestamp" => oid::TIMESTAMP,
        "pg_cast_timestamptz"
        | "now"
        | "current_timestamp"
        | "transaction_timestamp"
        | "statement_timestamp" => oid::TIMESTAMPTZ,
        "pg_cast_time" => oid::TIME,
        "pg_cast_bool" => oid::BOOL,
        "pg_cast_float" => oid::FLOAT8,
        "pg_cast_numeric" => oid::NUMERIC,
        "pg_cast_uuid" | "gen_random_uuid" => oid::UUID,
        "pg_date_diff" => oid::INT4,
        "pg_current_date" | "to_date" | "make_date" => oid::DATE,
        "pg_localtimestamp"
        | "pg_ts_add_interval"
        | "date_trunc"
        | "make_timestamp"
        | "pg_timestamptz_at_zone" => oid::TIMESTAMP,
        "pg_tstz_add_interval"
        | "pg_date_trunc_tz"
        | "to_timestamp"
        | "pg_timestamp_at_zone"
        | "clock_timestamp" => oid::TIMESTAMPTZ,
        "pg_localtime" => oid::TIME,
        "pg_current_time" => oid::TIMETZ,
        "pg_now" => oid::TIMESTAMPTZ,
        "pg_regtype" => oid::REGTYPE,
        "regexp_match" => oid::TEXT_ARRAY,
        "encode" | "to_hex" => oid::TEXT,
        "decode" => oid::BYTEA,
        "pg_overlaps" => oid::BOOL,
        "pg_cast_interval" | "pg_interval_add" | "pg_interval_mul" | "pg_interval_div"
        | "pg_interval_neg" | "pg_ts_diff" | "age" | "justify_hours" | "justify_days"
        | "justify_interval" | "pg_make_interval" => oid::INTERVAL,
        "pg_extract" => oid::NUMERIC,
        "date_part" => oid::FLOAT8,
        "isfinite" | "pg_regex" | "pg_regex_ci" | "pg_like" | "pg_similar" | "glob"
        | "starts_with" => oid::BOOL,
        "to_char" | "pg_substring" | "strpos_text" => oid::TEXT,
        _ => return None,
    })
}

/// True for the integer types.
pub fn is_integer(ty: Oid) -> bool {
    matches!(ty, oid::INT2 | oid::INT4 | oid::INT8)
}

/// The type of `l op r`.
pub fn binary_type(l: Oid, op: &BinaryOperator, r: Oid) -> Option<Oid> {
    use BinaryOperator::*;
    match op {
        Plus | Minus if l == oid::DATE && is_integer(r) => Some(oid::DATE),
        Plus if is_integer(l) && r == oid::DATE => Some(oid::DATE),
        Minus if l == oid::DATE && r == oid::DATE => Some(oid::INT4),
        Plus | Minus | Multiply | Divide | Modulo => {
            let number =
                |t: Oid| is_integer(t) || matches!(t, oid::FLOAT4 | oid::FLOAT8 | oid::NUMERIC);
            if !number(l) || !number(r) {
                None
            } else if is_integer(l) && is_integer(r) {
                Some(if l == oid::INT8 || r == oid::INT8 {
                    oid::INT8
                } else {
                    oid::INT4
                })
            } else if l == oid::FLOAT8 || r == oid::FLOAT8 {
                Some(oid::FLOAT8)
            } else if l == oid::NUMERIC || r == oid::NUMERIC {
                Some(oid::NUMERIC)
            } else {
                None
            }
        }
        PGExp => Some(if l == oid::NUMERIC || r == oid::NUMERIC {
            oid::NUMERIC
        } else {
            oid::FLOAT8
        }),
        BitwiseAnd | BitwiseOr | PGBitwiseXor | PGBitwiseShiftLeft | PGBitwiseShiftRight
            if is_integer(l) && is_integer(r) =>
        {
            Some(l)
        }
        StringConcat => Some(oid::TEXT),
        Eq | NotEq | Lt | LtEq | Gt | GtEq | And | Or => Some(oid::BOOL),
        _ => None,
    }
}
