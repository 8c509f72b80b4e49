//! Date/time syntax and operators with PostgreSQL's meaning, as calls of pgsqlite's
//! date/time functions:
//!
//! - `interval '...'` → `pg_cast_interval`; `extract(f FROM x)` → `pg_extract('f', x)`;
//!   `x AT TIME ZONE z` → `pg_at_time_zone` (named by the result type it has);
//! - `timestamp ± interval`, `interval ± interval`, `interval * n`, `interval / n`,
//!   `-interval`, `timestamp - timestamp`;
//! - `date_trunc` on a date or timestamptz is named for its timestamptz result;
//!   `make_interval(days => 3, ...)` becomes positional;
//! - `current_timestamp`, `current_date`, `current_time`, `localtimestamp`, `localtime`
//!   → pgsqlite's clock functions (microseconds, PostgreSQL's types).

use super::types::expr_type;
use super::{call, number};
use crate::protocol::types::{Oid, oid};
use sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Interval,
    Value,
};

fn take(e: &mut Expr) -> Expr {
    std::mem::replace(e, Expr::value(Value::Null))
}

fn is_timestamp(ty: Option<Oid>) -> bool {
    matches!(ty, Some(oid::TIMESTAMP | oid::TIMESTAMPTZ | oid::DATE))
}

/// `interval '...'` (a unit after the literal, `interval '1' day`, scales it).
pub fn interval_literal(iv: &mut Interval) -> Expr {
    let value = take(&mut iv.value);
    let value = match (&iv.leading_field, &iv.last_field, value) {
        (Some(field), None, Expr::Value(v)) => match &v.value {
            Value::SingleQuotedString(s) if !s.trim().ends_with(char::is_alphabetic) => {
                Expr::value(Value::SingleQuotedString(format!("{s} {field}")))
            }
            _ => Expr::Value(v),
        },
        (_, _, other) => other,
    };
    call("pg_cast_interval", vec![value])
}

/// `extract(field FROM expr)`.
pub fn extract(field: &sqlparser::ast::DateTimeField, expr: &mut Expr) -> Expr {
    let name = field.to_string().to_ascii_lowercase().replace('\'', "");
    call(
        "pg_extract",
        vec![Expr::value(Value::SingleQuotedString(name)), take(expr)],
    )
}

/// `timestamp AT TIME ZONE zone`.
pub fn at_time_zone(timestamp: &mut Expr, zone: &mut Expr) -> Expr {
    let name = match expr_type(timestamp) {
        Some(oid::TIMESTAMPTZ) => "pg_timestamptz_at_zone",
        Some(oid::TIMESTAMP | oid::DATE) => "pg_timestamp_at_zone",
        _ => "pg_at_time_zone",
    };
    call(name, vec![take(timestamp), take(zone)])
}

/// `-expr` when `expr` is an interval.
pub fn negate(expr: &mut Expr) -> Option<Expr> {
    (expr_type(expr) == Some(oid::INTERVAL)).then(|| call("pg_interval_neg", vec![take(expr)]))
}

/// Arithmetic involving intervals and timestamps; `None` when neither side is one. The
/// operand types come from the text or, for columns, from describing the statement.
pub fn arithmetic(
    left: &mut Expr,
    op: &BinaryOperator,
    right: &mut Expr,
    (l, r): (Option<Oid>, Option<Oid>),
) -> Option<Expr> {
    let interval = Some(oid::INTERVAL);
    let sign = |minus: bool| number(if minus { -1 } else { 1 });
    let add_name = |ty: Option<Oid>| {
        if ty == Some(oid::TIMESTAMPTZ) {
            "pg_tstz_add_interval"
        } else {
            "pg_ts_add_interval"
        }
    };
    match op {
        BinaryOperator::Plus | BinaryOperator::Minus => {
            let minus = *op == BinaryOperator::Minus;
            if l == interval && r == interval {
                Some(call(
                    "pg_interval_add",
                    vec![take(left), take(right), sign(minus)],
                ))
            } else if r == interval && (is_timestamp(l) || l.is_none()) {
                Some(call(
                    add_name(l),
                    vec![take(left), take(right), sign(minus)],
                ))
            } else if l == interval && is_timestamp(r) && !minus {
                Some(call(
                    add_name(r),
                    vec![take(right), take(left), sign(false)],
                ))
            } else if minus
                && matches!(l, Some(oid::TIMESTAMP | oid::TIMESTAMPTZ))
                && matches!(r, Some(oid::TIMESTAMP | oid::TIMESTAMPTZ))
            {
                Some(call("pg_ts_diff", vec![take(left), take(right)]))
            } else {
                None
            }
        }
        BinaryOperator::Overlaps => {
            let pair = |e: &mut Expr| match e {
                Expr::Tuple(items) if items.len() == 2 => {
                    let b = items.pop()?;
                    let a = items.pop()?;
                    Some((a, b))
                }
                _ => None,
            };
            if !matches!(&*left, Expr::Tuple(t) if t.len() == 2)
                || !matches!(&*right, Expr::Tuple(t) if t.len() == 2)
            {
                return None;
            }
            let (a1, a2) = pair(left)?;
            let (b1, b2) = pair(right)?;
            Some(call("pg_overlaps", vec![a1, a2, b1, b2]))
        }
        BinaryOperator::Multiply if l == interval => {
            Some(call("pg_interval_mul", vec![take(left), take(right)]))
        }
        BinaryOperator::Multiply if r == interval => {
            Some(call("pg_interval_mul", vec![take(right), take(left)]))
        }
        BinaryOperator::Divide if l == interval => {
            Some(call("pg_interval_div", vec![take(left), take(right)]))
        }
        BinaryOperator::Eq
        | BinaryOperator::NotEq
        | BinaryOperator::Lt
        | BinaryOperator::LtEq
        | BinaryOperator::Gt
        | BinaryOperator::GtEq => {
            // A date compared with a timestamp is that date's midnight.
            if l == Some(oid::DATE) && matches!(r, Some(oid::TIMESTAMP | oid::TIMESTAMPTZ)) {
                *left = call("pg_cast_timestamp", vec![take(left)]);
            } else if r == Some(oid::DATE) && matches!(l, Some(oid::TIMESTAMP | oid::TIMESTAMPTZ)) {
                *right = call("pg_cast_timestamp", vec![take(right)]);
            }
            None
        }
        _ => None,
    }
}

/// The name `pg_typeof` shows for a type.
fn regtype_name(ty: Oid) -> Option<&'static str> {
    Some(match ty {
        oid::BOOL => "boolean",
        oid::INT2 => "smallint",
        oid::INT4 => "integer",
        oid::INT8 => "bigint",
        oid::FLOAT8 => "double precision",
        oid::NUMERIC => "numeric",
        oid::TEXT => "text",
        oid::DATE => "date",
        oid::TIME => "time without time zone",
        oid::TIMETZ => "time with time zone",
        oid::TIMESTAMP => "timestamp without time zone",
        oid::TIMESTAMPTZ => "timestamp with time zone",
        oid::INTERVAL => "interval",
        oid::UUID => "uuid",
        oid::JSON => "json",
        oid::JSONB => "jsonb",
        _ => return None,
    })
}

/// Date/time functions whose SQLite form differs; `None` to leave the call as it is.
pub fn function(f: &mut Function, operand_type: &dyn Fn(&Expr) -> Option<Oid>) -> Option<Expr> {
    let name = f.name.0.last()?.as_ident()?.value.to_ascii_lowercase();
    let statement_clock = matches!(
        name.as_str(),
        "now" | "current_timestamp" | "transaction_timestamp" | "statement_timestamp"
    );
    let no_args = match &f.args {
        FunctionArguments::None => true,
        FunctionArguments::List(l) => l.args.is_empty(),
        FunctionArguments::Subquery(_) => false,
    };
    if statement_clock && no_args {
        // SQLite's 'now' stays the same through one statement step, so every mention
        // of the current time in a statement agrees, as PostgreSQL's do.
        let julian = call(
            "julianday",
            vec![Expr::value(Value::SingleQuotedString("now".into()))],
        );
        return Some(call("pg_now", vec![julian]));
    }
    if name == "pg_typeof"
        && let FunctionArguments::List(list) = &f.args
        && let [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] = list.args.as_slice()
        && let Some(ty) = expr_type(e)
        && let Some(pg_name) = regtype_name(ty)
    {
        return Some(call(
            "pg_regtype",
            vec![Expr::value(Value::SingleQuotedString(pg_name.into()))],
        ));
    }
    if matches!(f.args, FunctionArguments::None) {
        let clock = match name.as_str() {
            "current_date" => "pg_current_date",
            "current_time" => "pg_current_time",
            "localtimestamp" => "pg_localtimestamp",
            "localtime" => "pg_localtime",
            _ => return None,
        };
        return Some(call(clock, vec![]));
    }
    let FunctionArguments::List(list) = &mut f.args else {
        return None;
    };
    match name.as_str() {
        "date_trunc" => {
            let ty = match list.args.get(1) {
                Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => operand_type(e),
                _ => None,
            };
            if matches!(ty, Some(oid::DATE | oid::TIMESTAMPTZ)) {
                f.name = sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(
                    "pg_date_trunc_tz",
                )]);
            }
            None
        }
        "make_interval" => {
            const NAMES: [&str; 7] = ["years", "months", "weeks", "days", "hours", "mins", "secs"];
            let mut positional: Vec<Expr> = (0..7).map(|_| number(0)).collect();
            for (i, arg) in list.args.iter_mut().enumerate() {
                let (slot, value) = match arg {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => (Some(i), e),
                    FunctionArg::Named {
                        name,
                        arg: FunctionArgExpr::Expr(e),
                        ..
                    }
                    | FunctionArg::ExprNamed {
                        name: Expr::Identifier(name),
                        arg: FunctionArgExpr::Expr(e),
                        ..
                    } => (
                        NAMES
                            .iter()
                            .position(|n| n.eq_ignore_ascii_case(&name.value)),
                        e,
                    ),
                    _ => return None,
                };
                let slot = slot.filter(|s| *s < 7)?;
                positional[slot] = take(value);
            }
            Some(call("pg_make_interval", positional))
        }
        _ => None,
    }
}
