//! json and jsonb for SQLite: the operators (`-> ->> #> #>> @> <@ ? ?| ?& || -`) and
//! functions become calls of the `pg_json*` functions the executor registers
//! (`src/executor/json.rs`), which work on JSON text.
//!
//! Values that go into JSON (`jsonb_build_object('a', x)`, `json_agg(x)`, `to_jsonb(x)`)
//! are converted to JSON text here, where their PostgreSQL type is known: SQLite would
//! hand a boolean over as 1 and a jsonb argument as a string.

use super::types::{expr_type, is_integer};
use super::{call, placeholder};
use crate::protocol::types::{Oid, oid};
use sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
};

/// True for the json types.
pub fn is_json(ty: Oid) -> bool {
    ty == oid::JSON || ty == oid::JSONB
}

/// The rewrite of `left op right` when `op` is a json operator (or `||`/`-` on jsonb).
pub fn binary(left: &mut Expr, op: &BinaryOperator, right: &mut Expr) -> Option<Expr> {
    let ty = expr_type(left);
    let jsonb = ty != Some(oid::JSON);
    let name = match op {
        BinaryOperator::Arrow if jsonb => "pg_jsonb_get",
        BinaryOperator::Arrow => "pg_json_get",
        BinaryOperator::LongArrow => "pg_json_get_text",
        BinaryOperator::HashArrow if jsonb => "pg_jsonb_path",
        BinaryOperator::HashArrow => "pg_json_path",
        BinaryOperator::HashLongArrow => "pg_json_path_text",
        BinaryOperator::Question => "pg_jsonb_exists",
        BinaryOperator::QuestionPipe => "pg_jsonb_exists_any",
        BinaryOperator::QuestionAnd => "pg_jsonb_exists_all",
        BinaryOperator::StringConcat if ty == Some(oid::JSONB) => "pg_jsonb_concat",
        BinaryOperator::Minus if ty == Some(oid::JSONB) => "pg_jsonb_delete",
        _ => return None,
    };
    let l = std::mem::replace(left, placeholder());
    let r = std::mem::replace(right, placeholder());
    Some(call(name, vec![l, r]))
}

/// `expr` as JSON text, by its PostgreSQL type: json values as they are, booleans as
/// `true`/`false`, numbers as numbers, anything else by its SQLite value.
pub fn json_value(expr: Expr) -> Expr {
    match expr_type(&expr) {
        Some(ty) if is_json(ty) => expr,
        Some(oid::BOOL) => call("pg_to_json_bool", vec![expr]),
        Some(ty) if is_integer(ty) || ty == oid::NUMERIC => call("pg_to_json_number", vec![expr]),
        _ => call("pg_to_json", vec![expr]),
    }
}

/// The rewrite of a call of a json function, or `None` if `f` is not one.
pub fn function(name: &str, f: &mut Function) -> Option<Expr> {
    let renamed = match name {
        "jsonb_typeof" | "json_typeof" => "pg_json_typeof",
        "jsonb_array_length" | "json_array_length" => "pg_jsonb_array_length",
        "jsonb_set" => "pg_jsonb_set",
        "jsonb_pretty" => "pg_jsonb_pretty",
        "jsonb_strip_nulls" | "json_strip_nulls" => "pg_jsonb_strip_nulls",
        "to_json" | "to_jsonb" => {
            let arg = only_arg(f)?;
            return Some(json_value(arg));
        }
        "jsonb_build_object" | "json_build_object" => {
            let args = take_args(f)?;
            let args = args
                .into_iter()
                .enumerate()
                .map(|(i, a)| if i % 2 == 1 { json_value(a) } else { a })
                .collect();
            let emitted = if name == "json_build_object" {
                "pg_json_build_object"
            } else {
                "pg_jsonb_build_object"
            };
            return Some(call(emitted, args));
        }
        "jsonb_build_array" | "json_build_array" => {
            let args = take_args(f)?.into_iter().map(json_value).collect();
            let emitted = if name == "json_build_array" {
                "pg_json_build_array"
            } else {
                "pg_jsonb_build_array"
            };
            return Some(call(emitted, args));
        }
        "json_agg" | "jsonb_agg" | "jsonb_object_agg" | "json_object_agg" => {
            // Aggregates keep their clauses (ORDER BY, FILTER): only the name and the
            // value argument change.
            let emitted = match name {
                "json_agg" => "pg_json_agg",
                "jsonb_agg" => "pg_jsonb_agg",
                _ => "pg_json_object_agg",
            };
            let FunctionArguments::List(list) = &mut f.args else {
                return None;
            };
            let value_at = list.args.len().checked_sub(1)?;
            if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = &mut list.args[value_at] {
                let inner = std::mem::replace(e, placeholder());
                *e = json_value(inner);
            }
            f.name = sqlparser::ast::ObjectName::from(vec![Ident::new(emitted)]);
            return None;
        }
        _ => return None,
    };
    f.name = sqlparser::ast::ObjectName::from(vec![Ident::new(renamed)]);
    None
}

/// The plain arguments of `f`, taken out of it; `None` if it has others.
pub(super) fn take_args(f: &mut Function) -> Option<Vec<Expr>> {
    let FunctionArguments::List(list) = &mut f.args else {
        return match f.args {
            FunctionArguments::None => Some(vec![]),
            _ => None,
        };
    };
    if !list.clauses.is_empty()
        || list.duplicate_treatment.is_some()
        || !list
            .args
            .iter()
            .all(|a| matches!(a, FunctionArg::Unnamed(FunctionArgExpr::Expr(_))))
    {
        return None;
    }
    Some(
        list.args
            .iter_mut()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
                    Some(std::mem::replace(e, placeholder()))
                }
                _ => None,
            })
            .collect(),
    )
}

fn only_arg(f: &mut Function) -> Option<Expr> {
    let mut args = take_args(f)?;
    (args.len() == 1).then(|| args.pop()).flatten()
}

/// `row_to_json(t)` in the select list, where `t` is a subquery in `FROM` whose columns
/// the statement names: `pg_row_to_json('a', t.a, ...)`, PostgreSQL's compact
/// `{"a":1,"b":"x"}`.
pub fn rows_to_json(query: &mut sqlparser::ast::Query) {
    use sqlparser::ast::{SelectItem, SetExpr, TableFactor};
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    let mut derived: Vec<(String, Vec<String>)> = Vec::new();
    for table in &select.from {
        let factors =
            std::iter::once(&table.relation).chain(table.joins.iter().map(|j| &j.relation));
        for factor in factors {
            if let TableFactor::Derived {
                subquery,
                alias: Some(alias),
                ..
            } = factor
                && alias.columns.is_empty()
                && let SetExpr::Select(inner) = subquery.body.as_ref()
            {
                let names: Option<Vec<String>> = inner
                    .projection
                    .iter()
                    .map(|item| match item {
                        SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
                        SelectItem::UnnamedExpr(Expr::Identifier(id)) => Some(id.value.clone()),
                        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                            parts.last().map(|id| id.value.clone())
                        }
                        _ => None,
                    })
                    .collect();
                if let Some(names) = names {
                    derived.push((alias.name.value.clone(), names));
                }
            }
        }
    }
    if derived.is_empty() {
        return;
    }
    for item in &mut select.projection {
        let (SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) = item else {
            continue;
        };
        let Expr::Function(f) = expr else { continue };
        let is_row_to_json = matches!(f.name.0.as_slice(), [part]
            if part.as_ident().is_some_and(|i| i.value.eq_ignore_ascii_case("row_to_json")));
        if !is_row_to_json {
            continue;
        }
        let Some(args) = take_args(f) else { continue };
        let [Expr::Identifier(table)] = args.as_slice() else {
            continue;
        };
        let Some((name, columns)) = derived.iter().find(|(n, _)| *n == table.value) else {
            continue;
        };
        let mut call_args = Vec::with_capacity(columns.len() * 2);
        for column in columns {
            call_args.push(Expr::value(sqlparser::ast::Value::SingleQuotedString(
                column.clone(),
            )));
            call_args.push(call(
                "pg_to_json",
                vec![Expr::CompoundIdentifier(vec![
                    Ident::new(name.clone()),
                    Ident::new(column.clone()),
                ])],
            ));
        }
        *expr = call("pg_row_to_json", call_args);
    }
}
