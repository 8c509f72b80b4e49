//! `SELECT DISTINCT ON (keys) ...`, which SQLite lacks: the first row of each group of
//! equal keys, in the query's order, is the row numbered 1 by
//! `row_number() OVER (PARTITION BY keys ORDER BY <the query's ORDER BY>)`.
//!
//! ```sql
//! SELECT DISTINCT ON (c) c, id FROM t ORDER BY c, amount DESC
//! -- becomes
//! SELECT pg_c0 AS c, pg_c1 AS id FROM (
//!     SELECT c AS pg_c0, id AS pg_c1, amount DESC AS pg_o1,
//!            row_number() OVER (PARTITION BY c ORDER BY c, amount DESC) AS pg_rn
//!     FROM t) AS pg_distinct
//! WHERE pg_rn = 1 ORDER BY pg_c0, pg_o1 DESC
//! ```
//!
//! A select list with `*` is left to SQLite (which then reports the syntax error).

use sqlparser::ast::{Distinct, Expr, OrderByExpr, OrderByKind, Query, SelectItem, SetExpr, Value};
use sqlparser::dialect::{PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

/// Rewrites `query` if its select has `DISTINCT ON`.
pub fn rewrite_query(query: &mut Query) {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    let Some(Distinct::On(keys)) = &select.distinct else {
        return;
    };
    let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
    let mut items: Vec<(Expr, String)> = Vec::new();
    for item in &select.projection {
        match item {
            SelectItem::UnnamedExpr(e) => items.push((e.clone(), output_name(e))),
            SelectItem::ExprWithAlias { expr, alias } => {
                items.push((expr.clone(), alias.to_string()))
            }
            _ => return,
        }
    }
    let order: Vec<OrderByExpr> = match query.order_by.as_ref().map(|o| &o.kind) {
        Some(OrderByKind::Expressions(keys)) => keys.clone(),
        Some(_) => return,
        None => Vec::new(),
    };
    // Each ORDER BY key as a column of the inner query: a select-list item (by its
    // expression or its alias), or a column of its own.
    let mut extra: Vec<Expr> = Vec::new();
    let mut outer_order = Vec::new();
    let mut window_order = Vec::new();
    for key in &order {
        let text = key.expr.to_string();
        let found = items
            .iter()
            .position(|(e, name)| e.to_string() == text || *name == text);
        let (column, expr) = match found {
            Some(i) => (format!("pg_c{i}"), items[i].0.clone()),
            None => {
                extra.push(key.expr.clone());
                (format!("pg_o{}", extra.len() - 1), key.expr.clone())
            }
        };
        let mut outer = key.clone();
        outer.expr = Expr::Identifier(column.as_str().into());
        outer_order.push(outer.to_string());
        let mut inner = key.clone();
        inner.expr = expr;
        window_order.push(inner.to_string());
    }
    let mut inner = select.as_ref().clone();
    inner.distinct = None;
    let mut list: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, (e, _))| format!("{e} AS pg_c{i}"))
        .collect();
    list.extend(
        extra
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{e} AS pg_o{i}")),
    );
    let window = if window_order.is_empty() {
        format!("PARTITION BY {}", keys.join(", "))
    } else {
        format!(
            "PARTITION BY {} ORDER BY {}",
            keys.join(", "),
            window_order.join(", ")
        )
    };
    list.push(format!("row_number() OVER ({window}) AS pg_rn"));
    inner.projection = vec![SelectItem::UnnamedExpr(Expr::value(Value::Null))];
    let inner =
        inner
            .to_string()
            .replacen("SELECT NULL", &format!("SELECT {}", list.join(", ")), 1);
    let outer_list: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, (_, name))| format!("pg_c{i} AS {}", quote(name)))
        .collect();
    let mut sql = format!(
        "SELECT {} FROM ({inner}) AS pg_distinct WHERE pg_rn = 1",
        outer_list.join(", ")
    );
    if !outer_order.is_empty() {
        sql.push_str(&format!(" ORDER BY {}", outer_order.join(", ")));
    }
    let Some(rewritten) = parse_query(&sql) else {
        return;
    };
    query.body = rewritten.body;
    query.order_by = rewritten.order_by;
}

/// The name PostgreSQL gives a select-list item without an alias, as far as SQLite
/// needs one (the described name is what the client sees).
fn output_name(e: &Expr) -> String {
    match e {
        Expr::Identifier(id) => id.value.clone(),
        Expr::CompoundIdentifier(parts) => {
            parts.last().map(|p| p.value.clone()).unwrap_or_default()
        }
        Expr::Function(f) => f.name.to_string(),
        _ => "?column?".into(),
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.trim_matches('"').replace('"', "\"\""))
}

/// Parses SQL the rewriter has already made SQLite's: on the PostgreSQL dialect, or on
/// SQLite's where that fails (`?1` parameters).
fn parse_query(sql: &str) -> Option<Query> {
    let parse = |dialect: &dyn sqlparser::dialect::Dialect| {
        Parser::new(dialect)
            .try_with_sql(sql)
            .ok()?
            .parse_query()
            .ok()
            .map(|q| *q)
    };
    parse(&PostgreSqlDialect {}).or_else(|| parse(&SQLiteDialect {}))
}
