//! Result column types read off the syntax tree, for the columns SQLite cannot type: an
//! expression has no declared type in SQLite, so `doc -> 'a'` (jsonb), `ARRAY[1, 2]`
//! (int4[]) or `x = ANY(a)` (bool) would otherwise reach the client as text.
//!
//! The names a set-returning function in `FROM` gives its columns (`value` of
//! `jsonb_array_elements`, `key` of `jsonb_each`, an alias's column list) are typed too.

use super::rewrite::types::expr_type;
use crate::protocol::types::{Oid, element_of, oid};
use smallvec::SmallVec;
use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, SelectItem, SetExpr, Statement, TableFactor,
};

/// One entry per item of the statement's select list: the PostgreSQL type where the
/// tree shows it. Empty for statements other than a plain `SELECT` and for `*`.
pub fn result_types(statement: &Statement) -> SmallVec<[Option<Oid>; 8]> {
    let mut out = SmallVec::new();
    let Statement::Query(query) = statement else {
        return out;
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return out;
    };
    let mut scope: Vec<(String, Oid)> = Vec::new();
    for table in &select.from {
        function_columns(&table.relation, &mut scope);
        for join in &table.joins {
            function_columns(&join.relation, &mut scope);
        }
    }
    for item in &select.projection {
        let expr = match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
            _ => return SmallVec::new(),
        };
        let ty = match expr {
            Expr::Identifier(id) => lookup(&scope, &id.value),
            Expr::CompoundIdentifier(parts) => parts.last().and_then(|id| lookup(&scope, &id.value)),
            other => expr_type(other),
        };
        out.push(ty);
    }
    out
}

fn lookup(scope: &[(String, Oid)], name: &str) -> Option<Oid> {
    scope
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, t)| *t)
}

/// The columns (name, type) a set-returning function in `FROM` yields.
fn function_columns(factor: &TableFactor, scope: &mut Vec<(String, Oid)>) {
    let (name, arg, alias, ordinality) = match factor {
        TableFactor::Table {
            name,
            args: Some(args),
            alias,
            with_ordinality,
            ..
        } => {
            let arg = match args.args.as_slice() {
                [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] => Some(e),
                _ => None,
            };
            (name.to_string().to_ascii_lowercase(), arg, alias, *with_ordinality)
        }
        TableFactor::UNNEST {
            array_exprs,
            alias,
            with_ordinality,
            ..
        } => ("unnest".to_string(), array_exprs.first(), alias, *with_ordinality),
        _ => return,
    };
    let (columns, scalar): (Vec<(&str, Oid)>, bool) = match name.as_str() {
        "unnest" => {
            let element = arg
                .and_then(expr_type)
                .and_then(element_of)
                .unwrap_or(oid::TEXT);
            (vec![("unnest", element)], true)
        }
        "jsonb_array_elements" => (vec![("value", oid::JSONB)], false),
        "json_array_elements" => (vec![("value", oid::JSON)], false),
        "jsonb_array_elements_text" | "json_array_elements_text" => {
            (vec![("value", oid::TEXT)], false)
        }
        "jsonb_each" => (vec![("key", oid::TEXT), ("value", oid::JSONB)], false),
        "json_each" => (vec![("key", oid::TEXT), ("value", oid::JSON)], false),
        "jsonb_each_text" | "json_each_text" => {
            (vec![("key", oid::TEXT), ("value", oid::TEXT)], false)
        }
        "jsonb_object_keys" => (vec![("jsonb_object_keys", oid::TEXT)], true),
        "json_object_keys" => (vec![("json_object_keys", oid::TEXT)], true),
        _ => return,
    };
    let mut named: Vec<(String, Oid)> = columns
        .iter()
        .map(|(n, t)| (n.to_string(), *t))
        .collect();
    if ordinality {
        named.push(("ordinality".into(), oid::INT8));
    }
    if let Some(alias) = alias {
        if !alias.columns.is_empty() {
            for (slot, column) in named.iter_mut().zip(&alias.columns) {
                slot.0 = column.name.value.clone();
            }
        } else if scalar {
            named[0].0 = alias.name.value.clone();
        }
    }
    scope.extend(named);
}
