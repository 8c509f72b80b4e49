//! `CREATE TABLE` for SQLite: serial and identity columns become integer keys (a rowid
//! alias when they are the primary key, numbered by `AUTOINCREMENT`, whose counter is the
//! column's sequence: see [`crate::sql::sequence`]), expression defaults get the parentheses
//! SQLite requires, and array types (`text[]`, which SQLite cannot parse) are kept as a
//! quoted type name (`"text[]"`) that SQLite stores and reports back as the column's
//! declared type, so that the catalog types the column as the array. Primary-key columns
//! are NOT NULL, as PostgreSQL makes them (SQLite lets a non-integer key hold NULL).

use sqlparser::ast::{
    ColumnOption, ColumnOptionDef, CreateTable, DataType, Expr, GeneratedAs, Ident, ObjectName,
    ObjectNamePart, TableConstraint,
};

/// Rewrites the column definitions of `create` in place.
pub fn rewrite_create_table(create: &mut CreateTable) {
    column_level_serial_key(create);
    let key: Vec<String> = create
        .constraints
        .iter()
        .filter_map(|c| match c {
            TableConstraint::PrimaryKey(pk) => Some(&pk.columns),
            _ => None,
        })
        .flatten()
        .filter_map(|c| match &c.column.expr {
            Expr::Identifier(id) => Some(id.value.to_lowercase()),
            _ => None,
        })
        .collect();
    for column in &mut create.columns {
        let primary = key.contains(&column.name.value.to_lowercase())
            || column
                .options
                .iter()
                .any(|o| matches!(o.option, ColumnOption::PrimaryKey(_)));
        if primary
            && !column
                .options
                .iter()
                .any(|o| matches!(o.option, ColumnOption::NotNull))
        {
            column.options.push(ColumnOptionDef {
                name: None,
                option: ColumnOption::NotNull,
            });
        }
        let identity = column.options.iter().any(|o| is_identity(&o.option));
        if identity || is_serial(&column.data_type) {
            column.data_type = DataType::Integer(None);
            // Ids are never given out twice, even after the last row is deleted, as
            // from a PostgreSQL sequence; the counter is what `setval` sets.
            if let Some(at) = column
                .options
                .iter()
                .position(|o| matches!(o.option, ColumnOption::PrimaryKey(_)))
            {
                column.options.insert(
                    at + 1,
                    ColumnOptionDef {
                        name: None,
                        option: ColumnOption::DialectSpecific(vec![
                            sqlparser::tokenizer::Token::make_keyword("AUTOINCREMENT"),
                        ]),
                    },
                );
            }
        }
        if matches!(column.data_type, DataType::Array(_)) {
            let name = column.data_type.to_string().to_ascii_lowercase();
            column.data_type =
                DataType::Custom(ObjectName::from(vec![Ident::with_quote('"', name)]), vec![]);
        }
        column.options.retain(|o| !is_identity(&o.option));
        for option in &mut column.options {
            if let ColumnOption::Default(expr) = &mut option.option
                && !matches!(expr, Expr::Value(_) | Expr::Nested(_))
            {
                let inner = std::mem::replace(expr, Expr::value(sqlparser::ast::Value::Null));
                *expr = Expr::Nested(Box::new(inner));
            }
        }
    }
}

/// `id serial, ..., PRIMARY KEY (id)`: the key moves onto the column, where SQLite
/// accepts `AUTOINCREMENT`.
fn column_level_serial_key(create: &mut CreateTable) {
    let Some(at) = create
        .constraints
        .iter()
        .position(|c| matches!(c, TableConstraint::PrimaryKey(pk) if pk.columns.len() == 1))
    else {
        return;
    };
    let TableConstraint::PrimaryKey(pk) = &create.constraints[at] else {
        return;
    };
    let Expr::Identifier(key) = &pk.columns[0].column.expr else {
        return;
    };
    let Some(column) = create.columns.iter_mut().find(|c| {
        c.name.value.eq_ignore_ascii_case(&key.value)
            && (is_serial(&c.data_type) || c.options.iter().any(|o| is_identity(&o.option)))
    }) else {
        return;
    };
    let TableConstraint::PrimaryKey(mut pk) = create.constraints.remove(at) else {
        return;
    };
    let name = pk.name.take();
    pk.columns.clear();
    column.options.push(ColumnOptionDef {
        name,
        option: ColumnOption::PrimaryKey(pk),
    });
}

/// `GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(...)]`.
fn is_identity(option: &ColumnOption) -> bool {
    matches!(
        option,
        ColumnOption::Generated {
            generated_as: GeneratedAs::Always | GeneratedAs::ByDefault,
            generation_expr: None,
            ..
        }
    )
}

fn is_serial(data_type: &DataType) -> bool {
    let DataType::Custom(name, modifiers) = data_type else {
        return false;
    };
    modifiers.is_empty()
        && name.0.len() == 1
        && matches!(&name.0[0], ObjectNamePart::Identifier(id) if matches!(
            id.value.to_ascii_lowercase().as_str(),
            "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
        ))
}
