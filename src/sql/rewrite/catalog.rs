//! Catalog queries for SQLite: relations of `pg_catalog` and `information_schema` keep
//! (or, unqualified, get) their schema, which names the attached catalog database;
//! `OPERATOR(pg_catalog.op)` becomes the plain operator; `COLLATE pg_catalog.default`
//! goes; casts to `regclass`, `regtype`, `regnamespace`, `regrole` become lookups of
//! the OID, and a result column holding such a value shows the object's name.

use super::call;
use crate::executor::catalog::is_catalog_relation;
use sqlparser::ast::{
    BinaryOperator, Expr, Ident, ObjectName, ObjectNamePart, SelectItem, SetExpr,
};

/// What a relation name becomes: `pg_catalog.pg_class` for catalog relations
/// (qualified or not: PostgreSQL searches `pg_catalog` first), the bare name for
/// `public.t` and other `pg_catalog.` names. True if it names the catalog.
pub fn relation(name: &mut ObjectName) -> bool {
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
        .collect();
    match parts.as_slice() {
        [schema, table]
            if (schema.eq_ignore_ascii_case("pg_catalog")
                || schema.eq_ignore_ascii_case("information_schema"))
                && is_catalog_relation(Some(&schema.to_ascii_lowercase()), table) =>
        {
            true
        }
        [table] if is_catalog_relation(Some("pg_catalog"), table) => {
            name.0
                .insert(0, ObjectNamePart::Identifier(Ident::new("pg_catalog")));
            true
        }
        [schema, _]
            if schema.eq_ignore_ascii_case("public")
                || schema.eq_ignore_ascii_case("pg_catalog") =>
        {
            name.0.remove(0);
            false
        }
        _ => false,
    }
}

/// `OPERATOR(pg_catalog.~)` as the operator itself.
pub fn operator(op: &BinaryOperator) -> Option<BinaryOperator> {
    let BinaryOperator::PGCustomBinaryOperator(parts) = op else {
        return None;
    };
    Some(match parts.last()?.as_str() {
        "~" => BinaryOperator::PGRegexMatch,
        "~*" => BinaryOperator::PGRegexIMatch,
        "!~" => BinaryOperator::PGRegexNotMatch,
        "!~*" => BinaryOperator::PGRegexNotIMatch,
        "=" => BinaryOperator::Eq,
        "<>" => BinaryOperator::NotEq,
        "<" => BinaryOperator::Lt,
        "<=" => BinaryOperator::LtEq,
        ">" => BinaryOperator::Gt,
        ">=" => BinaryOperator::GtEq,
        "~~" => BinaryOperator::PGLikeMatch,
        "!~~" => BinaryOperator::PGNotLikeMatch,
        "||" => BinaryOperator::StringConcat,
        _ => return None,
    })
}

/// True for `COLLATE pg_catalog.default` / `COLLATE "default"`, which changes nothing.
pub fn default_collation(collation: &ObjectName) -> bool {
    collation
        .0
        .last()
        .and_then(|p| p.as_ident())
        .is_some_and(|i| i.value.eq_ignore_ascii_case("default"))
}

/// The lookup a cast to a `reg*` type becomes (the OID), by the type's name.
pub fn reg_cast(type_name: &str, expr: Expr) -> Option<Expr> {
    let name = type_name
        .rsplit('.')
        .next()
        .unwrap_or(type_name)
        .trim_matches('"')
        .to_ascii_lowercase();
    let function = match name.as_str() {
        "regclass" => "pg_regclass",
        "regtype" => "pg_to_regtype",
        "regnamespace" => "pg_regnamespace",
        "regrole" | "regproc" | "regprocedure" | "regoper" => return Some(expr),
        _ => return None,
    };
    Some(call(function, vec![expr]))
}

/// A `reg*` lookup shown as the object's name: `pg_regclass(x)` as
/// `pg_regclass_out(pg_regclass(x))`.
pub fn reg_output(expr: &mut Expr) {
    let Expr::Function(f) = expr else { return };
    let Some(name) = f
        .name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
    else {
        return;
    };
    if matches!(
        name.as_str(),
        "pg_regclass" | "pg_to_regtype" | "pg_regnamespace"
    ) {
        let inner = std::mem::replace(expr, super::placeholder());
        *expr = call(&format!("{name}_out"), vec![inner]);
    }
}

/// Applies [`reg_output`] to the result columns of a query's SELECTs.
pub fn reg_outputs(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => {
            for item in &mut select.projection {
                match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        reg_output(e)
                    }
                    _ => {}
                }
            }
        }
        SetExpr::SetOperation { left, right, .. } => {
            reg_outputs(left);
            reg_outputs(right);
        }
        _ => {}
    }
}
