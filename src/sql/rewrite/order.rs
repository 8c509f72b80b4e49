//! Row order and row limits as PostgreSQL defines them.
//!
//! - PostgreSQL sorts NULL as larger than every value: last in ascending order, first in
//!   descending order. SQLite does the opposite, so every sort key without an explicit
//!   `NULLS FIRST | LAST` gets PostgreSQL's default spelled out (ORDER BY of a query, of a
//!   window, of an ordered aggregate). SQLite still walks an index for such an order.
//! - The standard's `OFFSET n ROWS` and `FETCH {FIRST | NEXT} [n] {ROW | ROWS} ONLY`
//!   become SQLite's `LIMIT n OFFSET m`.

use sqlparser::ast::{
    Function, FunctionArgumentClause, FunctionArguments, LimitClause, NamedWindowExpr, OffsetRows,
    OrderByExpr, OrderByKind, OrderBySort, Query, SetExpr, WindowType,
};

/// Spells out PostgreSQL's NULL ordering in `query`'s own ORDER BY and named windows, and
/// turns FETCH/OFFSET ROWS into LIMIT/OFFSET.
pub fn rewrite_query(query: &mut Query) {
    if let Some(order_by) = &mut query.order_by
        && let OrderByKind::Expressions(keys) = &mut order_by.kind
    {
        postgres_nulls(keys);
    }
    if let SetExpr::Select(select) = query.body.as_mut() {
        for window in &mut select.named_window {
            if let NamedWindowExpr::WindowSpec(spec) = &mut window.1 {
                postgres_nulls(&mut spec.order_by);
            }
        }
    }
    limit_rows(query);
}

/// The same for a function call's window (`OVER (ORDER BY ...)`) and ordered aggregate
/// arguments (`string_agg(x, ',' ORDER BY x)`).
pub fn rewrite_function(function: &mut Function) {
    if let Some(WindowType::WindowSpec(spec)) = &mut function.over {
        postgres_nulls(&mut spec.order_by);
    }
    if let FunctionArguments::List(list) = &mut function.args {
        for clause in &mut list.clauses {
            if let FunctionArgumentClause::OrderBy(keys) = clause {
                postgres_nulls(keys);
            }
        }
    }
}

fn postgres_nulls(keys: &mut [OrderByExpr]) {
    for key in keys {
        if key.options.nulls_first.is_some() {
            continue;
        }
        key.options.nulls_first = match key.options.sort {
            None | Some(OrderBySort::Asc) => Some(false),
            Some(OrderBySort::Desc) => Some(true),
            Some(OrderBySort::Using(_)) => None,
        };
    }
}

fn limit_rows(query: &mut Query) {
    let fetch = match &query.fetch {
        Some(fetch) if !fetch.with_ties && !fetch.percent => query.fetch.take(),
        _ => None,
    };
    if fetch.is_none()
        && !matches!(
            &query.limit_clause,
            Some(LimitClause::LimitOffset { offset: Some(o), .. }) if o.rows != OffsetRows::None
        )
    {
        return;
    }
    let clause = query.limit_clause.get_or_insert(LimitClause::LimitOffset {
        limit: None,
        offset: None,
        limit_by: vec![],
    });
    if let LimitClause::LimitOffset { limit, offset, .. } = clause {
        if let Some(fetch) = fetch {
            *limit = Some(fetch.quantity.unwrap_or_else(|| super::number(1)));
        }
        if let Some(offset) = offset {
            offset.rows = OffsetRows::None;
            if limit.is_none() {
                // SQLite has no OFFSET without LIMIT; -1 means no limit.
                *limit = Some(super::number(-1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    fn sqlite(sql: &str) -> String {
        super::super::tests::sqlite(sql)
    }

    #[test]
    fn nulls_sort_as_in_postgres() {
        assert_eq!(
            sqlite("SELECT a FROM t ORDER BY a, b DESC, c NULLS FIRST"),
            "SELECT a FROM t ORDER BY a NULLS LAST, b DESC NULLS FIRST, c NULLS FIRST"
        );
        assert_eq!(
            sqlite("SELECT sum(a) OVER (ORDER BY b) FROM t"),
            "SELECT sum(a) OVER (ORDER BY b NULLS LAST) FROM t"
        );
        assert_eq!(
            sqlite("SELECT rank() OVER w FROM t WINDOW w AS (ORDER BY b DESC)"),
            "SELECT rank() OVER w FROM t WINDOW w AS (ORDER BY b DESC NULLS FIRST)"
        );
    }

    #[test]
    fn fetch_and_offset_rows_become_limit() {
        assert_eq!(
            sqlite("SELECT a FROM t FETCH FIRST 2 ROWS ONLY"),
            "SELECT a FROM t LIMIT 2"
        );
        assert_eq!(
            sqlite("SELECT a FROM t OFFSET 2 ROWS FETCH NEXT ROW ONLY"),
            "SELECT a FROM t LIMIT 1 OFFSET 2"
        );
        assert_eq!(
            sqlite("SELECT a FROM t OFFSET 3 ROWS"),
            "SELECT a FROM t LIMIT -1 OFFSET 3"
        );
    }
}
