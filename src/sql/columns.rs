//! Result column types read off the syntax tree, for the columns SQLite cannot type: an
//! expression has no declared type in SQLite, so `doc -> 'a'` (jsonb), `ARRAY[1, 2]`
//! (int4[]) or `x = ANY(a)` (bool) would otherwise reach the client as text.
//!
//! The names a set-returning function in `FROM` gives its columns (`value` of
//! `jsonb_array_elements`, `key` of `jsonb_each`, an alias's column list) are typed too.
//! Where the type follows from a table column's (`tags[1]`, `array_agg(id)`,
//! `raw -> 'k'`), the entry says how, and the session completes it from the catalog.

use super::rewrite::types::expr_type;
use crate::protocol::types::{Oid, oid, subscript_element_of};
use smallvec::SmallVec;
use sqlparser::ast::{
    AccessExpr, BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, SelectItem,
    SetExpr, Statement, Subscript, TableFactor,
};

/// What the tree says about one result column's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// Nothing.
    Unknown,
    /// This type.
    Known(Oid),
    /// A type derived from the table column `column` (any table the statement names).
    FromColumn {
        /// The column's name.
        column: String,
        /// How the result's type follows from the column's.
        derive: Derive,
    },
}

/// How a result type follows from a column type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derive {
    /// The column's own type (`a[1:2]`, `array_append(a, x)`).
    Same,
    /// The array of the column's type (`array_agg(c)`, `ARRAY(SELECT c ...)`).
    ArrayOf,
    /// The element type of the column's array type (`a[1]`, `unnest(a)`).
    ElementOf,
    /// `->` / `#>` on the column: json for a json column, else jsonb.
    JsonGet,
}

impl ColumnType {
    /// The type, given `column_type` to look up a table column's type by name.
    pub fn resolve(&self, column_type: impl FnOnce(&str) -> Option<Oid>) -> Option<Oid> {
        match self {
            ColumnType::Unknown => None,
            ColumnType::Known(ty) => Some(*ty),
            ColumnType::FromColumn { column, derive } => {
                let ty = column_type(column);
                match derive {
                    Derive::Same => ty,
                    Derive::ArrayOf => ty.and_then(crate::protocol::types::array_of),
                    Derive::ElementOf => ty.and_then(subscript_element_of),
                    Derive::JsonGet => Some(match ty {
                        Some(oid::JSON) => oid::JSON,
                        _ => oid::JSONB,
                    }),
                }
            }
        }
    }
}

/// One entry per item of the statement's select list: the PostgreSQL type where the
/// tree shows it. Empty for statements other than a plain `SELECT` and for `*`.
pub fn result_types(statement: &Statement) -> SmallVec<[ColumnType; 8]> {
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
            Expr::CompoundIdentifier(parts) => {
                parts.last().and_then(|id| lookup(&scope, &id.value))
            }
            // `col -> 'k'` is json or jsonb as the column is.
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Arrow | BinaryOperator::HashArrow,
                ..
            } if column_name(left).is_some() => None,
            other => expr_type(other),
        };
        out.push(match ty {
            Some(ty) => ColumnType::Known(ty),
            None => derived(expr, &scope),
        });
    }
    out
}

/// The name of a column reference.
fn column_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Identifier(id) => Some(&id.value),
        Expr::CompoundIdentifier(parts) => parts.last().map(|id| id.value.as_str()),
        Expr::Nested(inner) => column_name(inner),
        _ => None,
    }
}

fn from_column(expr: &Expr, derive: Derive, scope: &[(String, Oid)]) -> ColumnType {
    let Some(name) = column_name(expr) else {
        return ColumnType::Unknown;
    };
    if let Some(ty) = lookup(scope, name) {
        return ColumnType::FromColumn {
            column: String::new(),
            derive,
        }
        .resolve(|_| Some(ty))
        .map_or(ColumnType::Unknown, ColumnType::Known);
    }
    ColumnType::FromColumn {
        column: name.to_ascii_lowercase(),
        derive,
    }
}

fn first_arg(args: &FunctionArguments) -> Option<&Expr> {
    let FunctionArguments::List(list) = args else {
        return None;
    };
    match list.args.first()? {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
        _ => None,
    }
}

/// A type that follows from a column's (see [`Derive`]).
fn derived(expr: &Expr, scope: &[(String, Oid)]) -> ColumnType {
    match expr {
        Expr::Nested(inner) => derived(inner, scope),
        Expr::CompoundFieldAccess { root, access_chain } => match access_chain.as_slice() {
            [AccessExpr::Subscript(Subscript::Slice { .. })] => {
                from_column(root, Derive::Same, scope)
            }
            _ => from_column(root, Derive::ElementOf, scope),
        },
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Arrow | BinaryOperator::HashArrow,
            ..
        } => from_column(left, Derive::JsonGet, scope),
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_lowercase();
            match (name.as_str(), &f.args) {
                ("array", FunctionArguments::Subquery(query)) => match query.body.as_ref() {
                    SetExpr::Select(select) => match select.projection.as_slice() {
                        [
                            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. },
                        ] => match expr_type(e) {
                            Some(ty) => crate::protocol::types::array_of(ty)
                                .map_or(ColumnType::Unknown, ColumnType::Known),
                            None => from_column(e, Derive::ArrayOf, scope),
                        },
                        _ => ColumnType::Unknown,
                    },
                    _ => ColumnType::Unknown,
                },
                ("array_agg", args) => first_arg(args).map_or(ColumnType::Unknown, |e| {
                    from_column(e, Derive::ArrayOf, scope)
                }),
                ("unnest", args) => first_arg(args).map_or(ColumnType::Unknown, |e| {
                    from_column(e, Derive::ElementOf, scope)
                }),
                ("generate_subscripts", _) => ColumnType::Known(oid::INT4),
                ("array_append" | "array_cat" | "array_remove", args) => first_arg(args)
                    .map_or(ColumnType::Unknown, |e| from_column(e, Derive::Same, scope)),
                _ => ColumnType::Unknown,
            }
        }
        _ => ColumnType::Unknown,
    }
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
            (
                name.to_string().to_ascii_lowercase(),
                arg,
                alias,
                *with_ordinality,
            )
        }
        TableFactor::UNNEST {
            array_exprs,
            alias,
            with_ordinality,
            ..
        } => (
            "unnest".to_string(),
            array_exprs.first(),
            alias,
            *with_ordinality,
        ),
        _ => return,
    };
    let (columns, scalar): (Vec<(&str, Oid)>, bool) = match name.as_str() {
        "unnest" => {
            let element = arg
                .and_then(expr_type)
                .and_then(subscript_element_of)
                .unwrap_or(oid::TEXT);
            (vec![("unnest", element)], true)
        }
        "generate_subscripts" => (vec![("generate_subscripts", oid::INT4)], true),
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
    let mut named: Vec<(String, Oid)> = columns.iter().map(|(n, t)| (n.to_string(), *t)).collect();
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
