//! Values written to a column are coerced to its declared type first, as PostgreSQL's
//! assignment casts do: `'abc'` into an integer column is 22P02, 70000 into a smallint
//! 22003, a string too long for varchar(n) 22001, `'yes'` into a boolean column stores
//! true, 12.345 into numeric(10,2) stores 12.35, `'\x00ff'` into bytea stores two bytes,
//! `'{bad'` into json is 22P02 and jsonb stores its normalised text.
//!
//! `INSERT ... VALUES`, `INSERT ... SELECT` (plain select lists), `UPDATE ... SET` and
//! `ON CONFLICT ... DO UPDATE SET` get the coercion around each value written.

use super::casts::{Target, char_length, rewrite_cast};
use super::{call, number};
use crate::executor::TableColumn;
use crate::protocol::types::{Oid, oid};
use crate::sql::describe::Catalog;
use sqlparser::ast::{
    Assignment, AssignmentTarget, DataType, Expr, ObjectName, OnConflictAction, OnInsert,
    SelectItem, SetExpr, Statement, TableFactor, TableObject, Value,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// Wraps the values `statement` writes in coercions to their columns' types.
pub fn coerce_writes(statement: &mut Statement, catalog: &mut dyn Catalog) {
    match statement {
        Statement::Insert(insert) => {
            let TableObject::TableName(name) = &insert.table else {
                return;
            };
            let Some(table) = table_name(name) else {
                return;
            };
            let columns = catalog.columns(&table);
            if columns.is_empty() {
                return;
            }
            let targets: Vec<Option<&TableColumn>> = if insert.columns.is_empty() {
                columns.iter().map(Some).collect()
            } else {
                insert
                    .columns
                    .iter()
                    .map(|c| {
                        let name = c.0.last().and_then(|p| p.as_ident())?;
                        columns
                            .iter()
                            .find(|col| col.name.eq_ignore_ascii_case(&name.value))
                    })
                    .collect()
            };
            if let Some(source) = &mut insert.source {
                match source.body.as_mut() {
                    SetExpr::Values(values) => {
                        for row in &mut values.rows {
                            for (value, target) in row.iter_mut().zip(&targets) {
                                if let Some(column) = target {
                                    coerce(value, column);
                                }
                            }
                        }
                    }
                    SetExpr::Select(select) => {
                        for (item, target) in select.projection.iter_mut().zip(&targets) {
                            let (SelectItem::UnnamedExpr(value)
                            | SelectItem::ExprWithAlias { expr: value, .. }) = item
                            else {
                                break;
                            };
                            if let Some(column) = target {
                                coerce(value, column);
                            }
                        }
                    }
                    _ => {}
                }
            }
            if let Some(OnInsert::OnConflict(on_conflict)) = &mut insert.on
                && let OnConflictAction::DoUpdate(update) = &mut on_conflict.action
            {
                coerce_assignments(&mut update.assignments, &columns);
            }
        }
        Statement::Update(update) => {
            let TableFactor::Table { name, .. } = &update.table.relation else {
                return;
            };
            let Some(table) = table_name(name) else {
                return;
            };
            let columns = catalog.columns(&table);
            coerce_assignments(&mut update.assignments, &columns);
        }
        _ => {}
    }
}

pub(super) fn table_name(name: &ObjectName) -> Option<String> {
    let id = name.0.last()?.as_ident()?;
    Some(match id.quote_style {
        Some(_) => id.value.clone(),
        None => id.value.to_lowercase(),
    })
}

fn coerce_assignments(assignments: &mut [Assignment], columns: &[TableColumn]) {
    for assignment in assignments {
        let AssignmentTarget::ColumnName(name) = &assignment.target else {
            continue;
        };
        let Some(id) = name.0.last().and_then(|p| p.as_ident()) else {
            continue;
        };
        if let Some(column) = columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&id.value))
        {
            coerce(&mut assignment.value, column);
        }
    }
}

/// Wraps `value` in the coercion to `column`'s type, where the type needs one.
fn coerce(value: &mut Expr, column: &TableColumn) {
    if is_null_or_default(value) {
        return;
    }
    let Some(data_type) = parse_type(&column.declared) else {
        return;
    };
    if matches!(data_type, DataType::Interval { .. } | DataType::Array(_)) {
        return;
    }
    let ty: Oid = column.ty;
    let inner = std::mem::replace(value, Expr::value(Value::Null));
    *value = match ty {
        oid::INT2
        | oid::INT4
        | oid::INT8
        | oid::FLOAT4
        | oid::FLOAT8
        | oid::NUMERIC
        | oid::BOOL
        | oid::DATE
        | oid::TIME
        | oid::TIMESTAMP
        | oid::TIMESTAMPTZ
        | oid::UUID
        | oid::JSON
        | oid::JSONB => rewrite_cast(inner, &data_type, Target::Query),
        oid::VARCHAR | oid::BPCHAR => match char_length(&data_type) {
            Some(n) => call(
                "pg_store_char",
                vec![
                    inner,
                    number(n as i64),
                    number(i64::from(ty == oid::BPCHAR)),
                ],
            ),
            None => inner,
        },
        // A bytea literal in PostgreSQL's hex form becomes the bytes it spells.
        oid::BYTEA => rewrite_cast(inner, &data_type, Target::Schema),
        _ => inner,
    };
}

fn is_null_or_default(value: &Expr) -> bool {
    match value {
        Expr::Value(v) => matches!(v.value, Value::Null),
        Expr::Identifier(id) => {
            id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default")
        }
        _ => false,
    }
}

fn parse_type(declared: &str) -> Option<DataType> {
    if declared.trim().is_empty() {
        return None;
    }
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(declared)
        .ok()?
        .parse_data_type()
        .ok()
}
