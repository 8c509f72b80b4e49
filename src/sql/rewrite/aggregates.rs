//! PostgreSQL's boolean aggregates in SQLite's terms: a boolean is 0 or 1 there, so
//! `bool_and`/`every` is `min` and `bool_or` is `max` (NULLs ignored, NULL over no rows,
//! as in PostgreSQL).

use sqlparser::ast::{Function, Ident, ObjectName};

/// Renames a boolean aggregate `f` (called `name`) to its SQLite equivalent.
pub fn boolean(name: &str, f: &mut Function) {
    let plain = match name {
        "bool_and" | "every" => "min",
        "bool_or" => "max",
        _ => return,
    };
    f.name = ObjectName::from(vec![Ident::new(plain)]);
}
