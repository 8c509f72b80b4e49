//! Column aliases on a derived table, `(SELECT ...) AS t(a, b)` or `(VALUES ...) AS
//! t(a, b)`, which SQLite cannot parse: the subquery becomes a CTE with a column list
//! (which SQLite takes) inside a subquery of the same name,
//! `(WITH t(a, b) AS (SELECT ...) SELECT * FROM t) AS t`.

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    Cte, Ident, ObjectName, Query, SelectItem, TableAlias, TableFactor, TableWithJoins,
    WildcardAdditionalOptions, With,
};

/// Rewrites `factor` in place if it is a derived table with column aliases.
pub fn column_aliases(factor: &mut TableFactor) {
    let TableFactor::Derived {
        lateral: false,
        subquery,
        alias: Some(alias),
        ..
    } = factor
    else {
        return;
    };
    if alias.columns.is_empty() || alias.columns.iter().any(|c| c.data_type.is_some()) {
        return;
    }
    let name = alias.name.clone();
    let cte = Cte {
        alias: TableAlias {
            explicit: false,
            name: name.clone(),
            columns: std::mem::take(&mut alias.columns),
            at: None,
        },
        query: std::mem::replace(subquery, Box::new(select_all(&name, None))),
        from: None,
        materialized: None,
        closing_paren_token: AttachedToken::empty(),
    };
    **subquery = select_all(&name, Some(cte));
}

/// `[WITH cte] SELECT * FROM name`.
fn select_all(name: &Ident, cte: Option<Cte>) -> Query {
    let from = TableWithJoins {
        relation: TableFactor::Table {
            name: ObjectName::from(vec![name.clone()]),
            alias: None,
            args: None,
            with_hints: vec![],
            version: None,
            with_ordinality: false,
            partitions: vec![],
            json_path: None,
            sample: None,
            index_directives: vec![],
            inheritance: None,
        },
        joins: vec![],
    };
    let all = SelectItem::Wildcard(WildcardAdditionalOptions::default());
    let mut query = super::simple_query(vec![all], vec![from], None);
    query.with = cte.map(|cte| With {
        with_token: AttachedToken::empty(),
        recursive: false,
        cte_tables: vec![cte],
    });
    query
}

#[cfg(test)]
mod tests {
    fn sqlite(sql: &str) -> String {
        super::super::tests::sqlite(sql)
    }

    #[test]
    fn derived_column_aliases_become_a_cte() {
        assert_eq!(
            sqlite("SELECT a FROM (VALUES (1, 2), (3, 4)) AS v(a, b) ORDER BY b"),
            "SELECT a FROM (WITH v (a, b) AS (VALUES (1, 2), (3, 4)) SELECT * FROM v) AS v \
             ORDER BY b NULLS LAST"
        );
        assert_eq!(
            sqlite("SELECT x FROM (SELECT 1) t(x)"),
            "SELECT x FROM (WITH t (x) AS (SELECT 1) SELECT * FROM t) t"
        );
    }
}
