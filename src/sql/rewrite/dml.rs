//! INSERT, UPDATE and DELETE forms PostgreSQL accepts and SQLite spells differently.
//!
//! - A table alias without `AS` (`UPDATE t s SET ...`, `DELETE FROM t s ...`): SQLite
//!   requires the `AS`.
//! - `DELETE FROM t USING u WHERE cond`: SQLite has no USING; the rows to delete are the
//!   ones for which `EXISTS (SELECT 1 FROM u WHERE cond)` holds, `cond` still referring
//!   to `t` (or its alias) from the inner query.
//! - `INSERT INTO t VALUES (...)` with fewer values than `t` has columns: PostgreSQL fills
//!   the remaining columns with their defaults, SQLite refuses; the statement gets the
//!   explicit list of the leading columns.

use crate::sql::describe::Catalog;
use sqlparser::ast::{
    Delete, Expr, FromTable, Ident, Insert, ObjectName, SelectItem, SetExpr, Statement,
    TableFactor, TableObject, TableWithJoins,
};

/// Rewrites `statement` in place where it is one of the forms above.
pub fn rewrite(statement: &mut Statement, catalog: &mut dyn Catalog) {
    match statement {
        Statement::Update(update) => explicit_alias(&mut update.table),
        Statement::Delete(delete) => {
            let (FromTable::WithFromKeyword(tables) | FromTable::WithoutKeyword(tables)) =
                &mut delete.from;
            tables.iter_mut().for_each(explicit_alias);
            if delete.using.is_some() {
                using_to_exists(delete);
            }
        }
        Statement::Insert(insert) => default_trailing_columns(insert, catalog),
        _ => {}
    }
}

fn explicit_alias(table: &mut TableWithJoins) {
    if let TableFactor::Table {
        alias: Some(alias), ..
    } = &mut table.relation
    {
        alias.explicit = true;
    }
}

fn using_to_exists(delete: &mut Delete) {
    let Some(using) = delete.using.take() else {
        return;
    };
    let condition = delete.selection.take();
    let inner = super::simple_query(
        vec![SelectItem::UnnamedExpr(super::number(1))],
        using,
        condition,
    );
    delete.selection = Some(Expr::Exists {
        subquery: Box::new(inner),
        negated: false,
    });
}

fn default_trailing_columns(insert: &mut Insert, catalog: &mut dyn Catalog) {
    if !insert.columns.is_empty() {
        return;
    }
    let Some(SetExpr::Values(values)) = insert.source.as_deref().map(|q| q.body.as_ref()) else {
        return;
    };
    let Some(width) = values.rows.iter().map(|row| row.len()).max() else {
        return;
    };
    let TableObject::TableName(name) = &insert.table else {
        return;
    };
    let Some(table) = super::store::table_name(name) else {
        return;
    };
    let columns = catalog.columns(&table);
    if width == 0 || width >= columns.len() {
        return;
    }
    insert.columns = columns[..width]
        .iter()
        .map(|c| ObjectName::from(vec![Ident::with_quote('"', c.name.clone())]))
        .collect();
}

#[cfg(test)]
mod tests {
    use crate::executor::TableColumn;
    use crate::protocol::types::oid;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn sqlite(sql: &str) -> String {
        let mut statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        let mut catalog = |table: &str| match table {
            "t" => ["a", "b", "c"]
                .iter()
                .map(|name| TableColumn {
                    name: name.to_string(),
                    ty: oid::TEXT,
                    declared: String::new(),
                })
                .collect(),
            _ => Vec::new(),
        };
        super::rewrite(&mut statement, &mut catalog);
        statement.to_string()
    }

    #[test]
    fn aliases_get_as() {
        assert_eq!(
            sqlite("UPDATE t s SET a = u.x FROM u WHERE u.id = s.b"),
            "UPDATE t AS s SET a = u.x FROM u WHERE u.id = s.b"
        );
    }

    #[test]
    fn delete_using_becomes_exists() {
        assert_eq!(
            sqlite("DELETE FROM t s USING u WHERE s.a = u.x AND u.y = 1 RETURNING s.a"),
            "DELETE FROM t AS s WHERE EXISTS (SELECT 1 FROM u WHERE s.a = u.x AND u.y = 1) RETURNING s.a"
        );
    }

    #[test]
    fn short_values_name_the_leading_columns() {
        assert_eq!(
            sqlite("INSERT INTO t VALUES (1, 2)"),
            "INSERT INTO t (\"a\", \"b\") VALUES (1, 2)"
        );
        assert_eq!(
            sqlite("INSERT INTO t VALUES (1, 2, 3)"),
            "INSERT INTO t VALUES (1, 2, 3)"
        );
    }
}
