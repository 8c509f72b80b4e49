//! `CREATE TABLE` for SQLite: serial and identity columns become integer keys (a rowid
//! alias when they are the primary key), expression defaults get the parentheses
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
