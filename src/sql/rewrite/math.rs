//! Numeric functions whose SQLite form differs from PostgreSQL's.
//!
//! - `random()` is a float8 in [0, 1) in PostgreSQL, a 64-bit integer in SQLite;
//! - `round(float8)` rounds half to even (`pg_rint`); SQLite rounds half away from zero;
//! - `round(x, n)` with negative `n` rounds to tens, hundreds...: SQLite treats it as 0.

use super::{call, number};
use crate::protocol::types::{Oid, oid};
use sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator,
    Value,
};

/// The SQLite form of the call `f` (named `name`), if it needs one; `operand_type` types
/// its arguments.
pub fn function(
    name: &str,
    f: &Function,
    operand_type: &dyn Fn(&Expr) -> Option<Oid>,
) -> Option<Expr> {
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let args: Vec<&Expr> = list
        .args
        .iter()
        .filter_map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        })
        .collect();
    if args.len() != list.args.len() {
        return None;
    }
    match (name, args.as_slice()) {
        ("random", []) => random(f),
        ("round", [x]) if matches!(operand_type(x), Some(oid::FLOAT4 | oid::FLOAT8)) => {
            Some(call("pg_rint", vec![(*x).clone()]))
        }
        ("round", [x, digits]) if is_negative_literal(digits) => Some(call(
            "pg_round_digits",
            vec![(*x).clone(), (*digits).clone()],
        )),
        _ => None,
    }
}

fn is_negative_literal(e: &Expr) -> bool {
    matches!(e, Expr::UnaryOp { op: UnaryOperator::Minus, expr } if matches!(expr.as_ref(), Expr::Value(_)))
}

/// `random()` as the integer's top 53 bits over 2^53.
fn random(f: &Function) -> Option<Expr> {
    let bits = Expr::BinaryOp {
        left: Box::new(Expr::Nested(Box::new(Expr::BinaryOp {
            left: Box::new(Expr::Function(f.clone())),
            op: BinaryOperator::PGBitwiseShiftRight,
            right: Box::new(number(11)),
        }))),
        op: BinaryOperator::BitwiseAnd,
        right: Box::new(number((1 << 53) - 1)),
    };
    Some(Expr::Nested(Box::new(Expr::BinaryOp {
        left: Box::new(Expr::Nested(Box::new(bits))),
        op: BinaryOperator::Divide,
        right: Box::new(Expr::value(Value::Number(
            "9007199254740992.0".into(),
            false,
        ))),
    })))
}

#[cfg(test)]
mod tests {
    fn sqlite(sql: &str) -> String {
        super::super::tests::sqlite(sql)
    }

    #[test]
    fn postgres_rounding_and_random() {
        assert_eq!(
            sqlite("SELECT round(2.5::float8), round(2.5), round(1234.5, -2), round(1.25, 1)"),
            "SELECT pg_rint(pg_cast_float(2.5)), round(2.5), pg_round_digits(1234.5, -2), round(1.25, 1)"
        );
        assert_eq!(
            sqlite("SELECT random()"),
            "SELECT (((random() >> 11) & 9007199254740991) / 9007199254740992.0)"
        );
    }
}
