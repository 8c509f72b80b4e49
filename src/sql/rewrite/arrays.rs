//! Arrays for SQLite: `ARRAY[...]`, casts to array types, `= ANY(...)`/`<> ALL(...)`,
//! subscripts and slices, the containment operators and the array functions become
//! calls of the `pg_array*` functions the executor registers (`src/executor/array.rs`).
//! Array values travel as PostgreSQL's array text (`{1,2,"c d"}`), the form pgsqlite
//! stores them in (see `crate::value::array`).

use super::json::take_args;
use super::types::{expr_type, is_integer};
use super::{call, number, placeholder};
use crate::protocol::types::{Oid, element_of, oid, type_name};
use sqlparser::ast::{
    AccessExpr, BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments,
    Ident, ObjectName, Subscript, Value,
};

/// True for the array types pgsqlite knows.
pub fn is_array(ty: Oid) -> bool {
    element_of(ty).is_some()
}

/// `ARRAY[a, b, ...]`: one-dimensional from values, or nested from sub-arrays.
pub fn constructor(elements: Vec<Expr>, element_type: Option<Oid>) -> Expr {
    let nested = !elements.is_empty()
        && elements
            .iter()
            .all(|e| matches!(e, Expr::Function(f) if matches!(function_name(f), Some("pg_array" | "pg_array_nest"))));
    if nested {
        return call("pg_array_nest", elements);
    }
    let elements = elements
        .into_iter()
        .map(|e| match (element_type, &e) {
            // A string among integers must read as an integer (22P02 otherwise), as
            // PostgreSQL resolves the element type first.
            (Some(ty), Expr::Value(v))
                if is_integer(ty) && matches!(v.value, Value::SingleQuotedString(_)) =>
            {
                call(
                    "pg_cast_int",
                    vec![e, number(if ty == oid::INT8 { 64 } else { 32 })],
                )
            }
            (Some(oid::BOOL), _) => call("pg_array_bool", vec![e]),
            _ => e,
        })
        .collect();
    call("pg_array", elements)
}

/// `'{...}'::type[]`: checks the literal (each element against the element type) and
/// writes it in PostgreSQL's form.
pub fn cast(expr: Expr, array_type: Oid) -> Expr {
    let element = element_of(array_type).unwrap_or(oid::TEXT);
    call(
        "pg_cast_array",
        vec![
            expr,
            Expr::value(Value::SingleQuotedString(type_name(element).to_string())),
        ],
    )
}

fn comparison(op: &BinaryOperator) -> Option<&'static str> {
    Some(match op {
        BinaryOperator::Eq => "=",
        BinaryOperator::NotEq => "<>",
        BinaryOperator::Lt => "<",
        BinaryOperator::LtEq => "<=",
        BinaryOperator::Gt => ">",
        BinaryOperator::GtEq => ">=",
        _ => return None,
    })
}

/// True when `x op ANY(right)` is over an array (not a subquery, which SQLite runs).
pub fn quantifiable(op: &BinaryOperator, right: &Expr) -> bool {
    comparison(op).is_some() && !matches!(right, Expr::Subquery(_))
}

/// `left op ANY(right)` (`all`: `op ALL`); see [`quantifiable`].
pub fn quantified(left: Expr, op: &BinaryOperator, right: Expr, all: bool) -> Expr {
    let op = comparison(op).unwrap_or("=");
    call(
        if all { "pg_array_all" } else { "pg_array_any" },
        vec![
            left,
            Expr::value(Value::SingleQuotedString(op.into())),
            right,
        ],
    )
}

/// True for `a[i]`, `a[i][j]` and `a[i:j]`.
pub fn subscriptable(chain: &[AccessExpr]) -> bool {
    match chain {
        [AccessExpr::Subscript(Subscript::Slice { stride: None, .. })] => true,
        _ => {
            !chain.is_empty()
                && chain
                    .iter()
                    .all(|a| matches!(a, AccessExpr::Subscript(Subscript::Index { .. })))
        }
    }
}

/// `t.a[i]` as the parser reads it (`t` with the accesses `.a` and `[i]`): the leading
/// `.name`s join the root, so that `t.a` is the array the subscripts apply to.
pub fn fold_column_path(root: &mut Expr, chain: &mut Vec<AccessExpr>) {
    let dots = chain
        .iter()
        .take_while(|a| matches!(a, AccessExpr::Dot(Expr::Identifier(_))))
        .count();
    if dots == 0 || dots == chain.len() {
        return;
    }
    let mut parts = match root {
        Expr::Identifier(i) => vec![i.clone()],
        Expr::CompoundIdentifier(parts) => parts.clone(),
        _ => return,
    };
    for access in chain.drain(..dots) {
        if let AccessExpr::Dot(Expr::Identifier(i)) = access {
            parts.push(i);
        }
    }
    *root = Expr::CompoundIdentifier(parts);
}

/// `a[i]`, `a[i:j]` (and chains of indexes on one array); see [`subscriptable`].
pub fn subscript(root: Expr, chain: &mut [AccessExpr]) -> Option<Expr> {
    if let [
        AccessExpr::Subscript(Subscript::Slice {
            lower_bound,
            upper_bound,
            ..
        }),
    ] = chain
    {
        let null = || Expr::value(Value::Null);
        return Some(call(
            "pg_array_slice",
            vec![
                root,
                lower_bound.take().unwrap_or_else(null),
                upper_bound.take().unwrap_or_else(null),
            ],
        ));
    }
    let mut args = vec![root];
    for access in chain.iter_mut() {
        if let AccessExpr::Subscript(Subscript::Index { index }) = access {
            args.push(std::mem::replace(index, placeholder()));
        }
    }
    Some(call("pg_array_get", args))
}

/// The rewrite of `left op right` when it is an array operator.
pub fn binary(left: &mut Expr, op: &BinaryOperator, right: &mut Expr) -> Option<Expr> {
    let (l, r) = (expr_type(left), expr_type(right));
    let array = |t: Option<Oid>| t.is_some_and(is_array);
    let json = |t: Option<Oid>| t.is_some_and(super::json::is_json);
    if json(l) || json(r) {
        return match op {
            BinaryOperator::AtArrow => {
                Some(call("pg_jsonb_contains", vec![take(left), take(right)]))
            }
            BinaryOperator::ArrowAt => {
                Some(call("pg_jsonb_contains", vec![take(right), take(left)]))
            }
            _ => None,
        };
    }
    let name = match op {
        BinaryOperator::AtArrow if array(l) || array(r) => "pg_array_contains",
        BinaryOperator::ArrowAt if array(l) || array(r) => "pg_array_contained",
        BinaryOperator::AtArrow => "pg_contains",
        BinaryOperator::ArrowAt => "pg_contained",
        BinaryOperator::PGOverlap => "pg_array_overlap",
        BinaryOperator::StringConcat if array(l) && array(r) => "pg_array_cat",
        BinaryOperator::StringConcat if array(l) => "pg_array_append",
        BinaryOperator::StringConcat if array(r) => "pg_array_prepend",
        _ => return None,
    };
    Some(call(name, vec![take(left), take(right)]))
}

fn take(e: &mut Expr) -> Expr {
    std::mem::replace(e, placeholder())
}

/// The rewrite of a call of an array function, or `None` if `f` is not one;
/// `operand_type` gives an argument's type where it is known.
pub fn function(
    name: &str,
    f: &mut Function,
    operand_type: &dyn Fn(&Expr) -> Option<Oid>,
) -> Option<Expr> {
    if name == "array_agg" {
        bool_elements(f, operand_type);
    }
    let renamed = match name {
        "array_length" => "pg_array_length",
        "cardinality" => "pg_array_cardinality",
        "array_append" => "pg_array_append",
        "array_prepend" => "pg_array_prepend",
        "array_cat" => "pg_array_cat",
        "array_position" => "pg_array_position",
        "array_remove" => "pg_array_remove",
        "array_to_string" => "pg_array_to_string",
        "string_to_array" => "pg_string_to_array",
        "array_agg" => "pg_array_agg",
        "array_upper" => "pg_array_length",
        "array_lower" => "pg_array_lower",
        "array" => {
            // ARRAY(subquery): the subquery's one column, aggregated in its order.
            let FunctionArguments::Subquery(query) = &mut f.args else {
                return None;
            };
            let subquery = query.to_string();
            let sql = format!(
                "(WITH pg_array_sub(v) AS ({subquery}) SELECT coalesce(pg_array_agg(v), '{{}}') FROM pg_array_sub)"
            );
            return sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
                .try_with_sql(&sql)
                .ok()?
                .parse_expr()
                .ok();
        }
        _ => return None,
    };
    if name == "array_prepend" {
        // array_prepend(x, a) takes the element first, like `x || a`.
        let args = take_args(f)?;
        return Some(call(renamed, args));
    }
    f.name = ObjectName::from(vec![Ident::new(renamed)]);
    None
}

/// `array_agg(b)` of booleans: SQLite's 1/0 become `t`/`f`, the elements of a `bool[]`.
fn bool_elements(f: &mut Function, operand_type: &dyn Fn(&Expr) -> Option<Oid>) {
    let FunctionArguments::List(list) = &mut f.args else {
        return;
    };
    if let [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] = list.args.as_mut_slice() {
        if operand_type(e) == Some(oid::BOOL) || is_predicate(e) {
            *e = call("pg_array_bool", vec![take(e)]);
        }
    }
}

/// An expression whose value is a boolean whatever its operands' types.
fn is_predicate(e: &Expr) -> bool {
    use BinaryOperator::*;
    match e {
        Expr::Nested(inner) => is_predicate(inner),
        Expr::BinaryOp { op, .. } => matches!(op, Eq | NotEq | Lt | LtEq | Gt | GtEq | And | Or),
        Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Not,
            ..
        } => true,
        Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::IsTrue(_)
        | Expr::IsFalse(_)
        | Expr::Between { .. }
        | Expr::Like { .. }
        | Expr::ILike { .. } => true,
        _ => false,
    }
}

fn function_name(f: &Function) -> Option<&str> {
    Some(f.name.0.last()?.as_ident()?.value.as_str())
}
