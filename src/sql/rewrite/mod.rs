//! Rewrites a parsed PostgreSQL statement into SQL SQLite runs with the same meaning.
//!
//! - `$n` parameters become `?n` (SQLite numbers `$n` by first appearance otherwise);
//! - casts keep PostgreSQL's semantics ([`casts`]);
//! - `/` and `%` become `pg_div`/`pg_mod` (22012 on a zero divisor, PostgreSQL's integer
//!   division), `^` `power` and `#` (xor) `(a | b) - (a & b)`; `date ± integer` and `date - date` do day arithmetic;
//! - `E'...'`, `U&'...'` and dollar-quoted strings become standard strings, `ILIKE` SQLite's (ASCII case-insensitive)
//!   `LIKE`;
//! - `public.` and `pg_catalog.` qualifiers are dropped from tables and functions, except
//!   that relations of the catalog keep (or get) theirs, which names the attached catalog
//!   schema; `OPERATOR(pg_catalog.~)`, `COLLATE pg_catalog.default` and `reg*` casts are
//!   turned into SQLite's terms ([`catalog`]);
//! - values written to a column are coerced to its type ([`store`]);
//! - NULLs sort as in PostgreSQL, FETCH FIRST becomes LIMIT ([`order`]);
//! - UPDATE/DELETE aliases, DELETE ... USING and short VALUES lists ([`dml`]);
//! - in `CREATE TABLE` ([`ddl`]): serial and identity columns become SQLite integer
//!   keys, expression defaults are parenthesised.

mod arrays;
mod casts;
mod catalog;
mod datetime;
mod ddl;
mod derived;
mod distinct;
mod dml;
mod json;
mod locks;
mod math;
mod order;
mod sequence;
mod session;
mod srf;
mod store;
mod strings;
pub mod types;

pub use casts::Target;
pub use locks::{plain_lock_strengths, take_row_locks};
pub use sequence::changes_sequences;

use crate::protocol::types::{Oid, oid};
use sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, Ident, ObjectName, ObjectNamePart, Statement, TableFactor, Value, VisitMut,
    VisitorMut,
};
use std::collections::HashMap;
use std::ops::ControlFlow;
use types::{expr_type, is_integer};

/// Rewrites `statement` in place for SQLite; `catalog` gives the declared types of the
/// columns it writes.
///
/// `typeofs` holds the argument types of `pg_typeof(...)` calls that describing the
/// statement resolved; those calls, and the ones the text alone types, become the type's
/// name.
pub fn rewrite(
    statement: &mut Statement,
    catalog: &mut dyn crate::sql::describe::Catalog,
    typeofs: &HashMap<String, Oid>,
) {
    dml::rewrite(statement, catalog);
    store::coerce_writes(statement, catalog);
    let target = match statement {
        Statement::CreateTable(_)
        | Statement::CreateView(_)
        | Statement::CreateIndex(_)
        | Statement::AlterTable(_)
        | Statement::CreateTrigger(_) => Target::Schema,
        _ => Target::Query,
    };
    if let Statement::CreateTable(create) = statement {
        ddl::rewrite_create_table(create);
    }
    let _ = statement.visit(&mut Rewriter { target, typeofs });
}

struct Rewriter<'a> {
    target: Target,
    typeofs: &'a HashMap<String, Oid>,
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = expr
            && let Some(arg) = typeof_argument(f)
        {
            let ty = self
                .typeofs
                .get(&arg.to_string())
                .copied()
                .or_else(|| expr_type(arg));
            // A bare string literal has no type yet in PostgreSQL.
            let literal =
                matches!(arg, Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_)));
            let ty = if literal { Some(oid::UNKNOWN) } else { ty };
            if let Some(ty) = ty {
                let name = crate::protocol::types::sql_type_name(ty);
                let name = Expr::value(Value::SingleQuotedString(name.to_string()));
                // An argument with a function call in it may be an aggregate, which makes
                // the query an aggregating one: it stays, evaluated but unused.
                let calls = sqlparser::ast::visit_expressions(arg, |e| match e {
                    Expr::Function(_) => ControlFlow::Break(()),
                    _ => ControlFlow::Continue(()),
                })
                .is_break();
                *expr = if calls {
                    call("coalesce", vec![name, arg.clone()])
                } else {
                    name
                };
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &mut sqlparser::ast::Query) -> ControlFlow<()> {
        if self.target == Target::Query {
            order::rewrite_query(query);
            distinct::rewrite_query(query);
            catalog::reg_outputs(&mut query.body);
            srf::rewrite_query(query);
            json::rows_to_json(query);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if self.target == Target::Query {
            derived::column_aliases(factor);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        if self.target == Target::Query {
            catalog::relation(relation);
        } else {
            strip_schema(relation);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::CompoundFieldAccess { root, access_chain } = expr {
            arrays::fold_column_path(root, access_chain);
        }
        let rewritten = match expr {
            Expr::Value(v) => match &mut v.value {
                Value::Placeholder(p) => {
                    if let Some(n) = p.strip_prefix('$') {
                        *p = format!("?{n}");
                    }
                    None
                }
                Value::EscapedStringLiteral(s) | Value::UnicodeStringLiteral(s) => {
                    v.value = Value::SingleQuotedString(std::mem::take(s));
                    None
                }
                Value::DollarQuotedString(d) => {
                    v.value = Value::SingleQuotedString(std::mem::take(&mut d.value));
                    None
                }
                _ => None,
            },
            Expr::Cast {
                expr: inner,
                data_type,
                format: None,
                ..
            } => {
                let from = self.operand_type(inner);
                let inner = std::mem::replace(inner.as_mut(), placeholder());
                let type_name = data_type.to_string();
                if self.target == Target::Query
                    && type_name.to_ascii_lowercase().ends_with("text")
                    && matches!(&inner, Expr::Function(f) if { let n = f.name.to_string(); n.starts_with("pg_reg") || n.starts_with("pg_to_reg") })
                {
                    let mut shown = inner;
                    catalog::reg_output(&mut shown);
                    Some(shown)
                } else {
                    match catalog::reg_cast(&type_name, inner.clone()) {
                        Some(lookup) if self.target == Target::Query => Some(lookup),
                        _ => Some(casts::rewrite_cast_from(
                            inner,
                            from,
                            data_type,
                            self.target,
                        )),
                    }
                }
            }
            Expr::Collate {
                expr: inner,
                collation,
            } if catalog::default_collation(collation) => Some(take(inner)),
            Expr::TypedString(t) if self.target == Target::Query => {
                let literal = Expr::Value(t.value.clone());
                Some(casts::rewrite_cast(literal, &t.data_type, self.target))
            }
            Expr::BinaryOp { left, op, right } if self.target == Target::Query => {
                if let Some(plain) = catalog::operator(op) {
                    *op = plain;
                }
                arrays::binary(left, op, right)
                    .or_else(|| json::binary(left, op, right))
                    .or_else(|| self.binary(left, op, right))
            }
            Expr::BinaryOp { .. } => None,
            Expr::Like {
                negated,
                any: false,
                expr: inner,
                pattern,
                escape_char,
            } => strings::like(
                *negated,
                false,
                inner,
                pattern,
                escape_char.as_mut(),
                self.target,
            ),
            Expr::ILike {
                negated,
                any: false,
                expr: inner,
                pattern,
                escape_char,
            } if self.target == Target::Query => strings::like(
                *negated,
                true,
                inner,
                pattern,
                escape_char.as_mut(),
                self.target,
            ),
            Expr::SimilarTo {
                negated,
                expr: inner,
                pattern,
                escape_char,
            } if self.target == Target::Query => Some(strings::similar_to(
                *negated,
                inner,
                pattern,
                escape_char.as_mut(),
            )),
            Expr::Substring {
                expr: inner,
                substring_from,
                substring_for,
                ..
            } if self.target == Target::Query => Some(strings::substring(
                inner,
                substring_from.as_mut(),
                substring_for.as_mut(),
            )),
            Expr::Position { expr: inner, r#in } if self.target == Target::Query => {
                Some(strings::position(inner, r#in))
            }
            Expr::Trim {
                expr: inner,
                trim_where,
                trim_what,
                trim_characters: None,
            } if self.target == Target::Query => Some(strings::trim(
                inner,
                trim_where.as_ref(),
                trim_what.as_mut(),
            )),
            Expr::Array(array) if self.target == Target::Query => {
                let element_type = array.elem.iter().find_map(expr_type);
                Some(arrays::constructor(
                    std::mem::take(&mut array.elem),
                    element_type,
                ))
            }
            Expr::AnyOp {
                left,
                compare_op,
                right,
                ..
            } if self.target == Target::Query && arrays::quantifiable(compare_op, right) => {
                let (l, r) = (take(left), take(right));
                Some(arrays::quantified(l, compare_op, r, false))
            }
            Expr::AllOp {
                left,
                compare_op,
                right,
            } if self.target == Target::Query && arrays::quantifiable(compare_op, right) => {
                let (l, r) = (take(left), take(right));
                Some(arrays::quantified(l, compare_op, r, true))
            }
            Expr::CompoundFieldAccess { root, access_chain }
                if self.target == Target::Query && arrays::subscriptable(access_chain) =>
            {
                arrays::subscript(take(root), access_chain)
            }
            Expr::CompoundFieldAccess { .. } if self.target == Target::Query => {
                srf::field_access(expr)
            }
            Expr::ILike {
                negated,
                any,
                expr: inner,
                pattern,
                escape_char,
            } => Some(Expr::Like {
                negated: *negated,
                any: *any,
                expr: std::mem::replace(inner, Box::new(placeholder())),
                pattern: std::mem::replace(pattern, Box::new(placeholder())),
                escape_char: escape_char.take(),
            }),
            Expr::Function(f) => {
                strip_schema(&mut f.name);
                if self.target == Target::Query {
                    order::rewrite_function(f);
                    strings::concat_arguments(f);
                    let name = match f.name.0.as_slice() {
                        [part] => part.as_ident().map(|i| i.value.to_ascii_lowercase()),
                        _ => None,
                    };
                    if let Some(name) = &name {
                        sequence::unwrap_regclass(name, f);
                    }
                    name.and_then(|name| {
                        json::function(&name, f)
                            .or_else(|| arrays::function(&name, f, &|e| self.operand_type(e)))
                            .or_else(|| math::function(&name, f, &|e| self.operand_type(e)))
                    })
                    .or_else(|| datetime::function(f, &|e| self.operand_type(e)))
                    .or_else(|| session::keyword_function(f))
                } else {
                    None
                }
            }
            Expr::Identifier(id) if self.target == Target::Query => session::keyword_identifier(id),
            // `public.t.c`: SQLite knows the table without its schema.
            Expr::CompoundIdentifier(parts)
                if parts.len() == 3 && parts[0].value.eq_ignore_ascii_case("public") =>
            {
                parts.remove(0);
                None
            }
            Expr::Interval(iv) if self.target == Target::Query => {
                Some(datetime::interval_literal(iv))
            }
            Expr::Extract {
                field, expr: inner, ..
            } if self.target == Target::Query => Some(datetime::extract(field, inner)),
            Expr::AtTimeZone {
                timestamp,
                time_zone,
            } if self.target == Target::Query => Some(datetime::at_time_zone(timestamp, time_zone)),
            Expr::UnaryOp {
                op: sqlparser::ast::UnaryOperator::Minus,
                expr: inner,
            } if self.target == Target::Query => datetime::negate(inner),
            _ => None,
        };
        if let Some(new) = rewritten {
            *expr = new;
        }
        ControlFlow::Continue(())
    }
}

/// The argument of a `pg_typeof(x)` call.
fn typeof_argument(f: &Function) -> Option<&Expr> {
    let name = f.name.0.last()?.as_ident()?;
    if !name.value.eq_ignore_ascii_case("pg_typeof") {
        return None;
    }
    match &f.args {
        FunctionArguments::List(list) if list.args.len() == 1 => match &list.args[0] {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        },
        _ => None,
    }
}

impl Rewriter<'_> {
    /// The type of an operand: from its text, or for a column, as describing the
    /// statement resolved it.
    fn operand_type(&self, e: &Expr) -> Option<Oid> {
        expr_type(e).or_else(|| match e {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                self.typeofs.get(&e.to_string()).copied()
            }
            _ => None,
        })
    }

    fn binary(
        &self,
        left: &mut Box<Expr>,
        op: &BinaryOperator,
        right: &mut Box<Expr>,
    ) -> Option<Expr> {
        if self.target == Target::Schema {
            return None;
        }
        if let Some(matched) = strings::regex(left, op, right) {
            return Some(matched);
        }
        let types = (self.operand_type(left), self.operand_type(right));
        if let Some(computed) = datetime::arithmetic(left, op, right, types) {
            return Some(computed);
        }
        if *op == BinaryOperator::StringConcat {
            strings::decimal_as_text(left);
            strings::decimal_as_text(right);
            return None;
        }
        let name = match op {
            BinaryOperator::Divide
                if types.0 == Some(oid::NUMERIC) || types.1 == Some(oid::NUMERIC) =>
            {
                "pg_div_numeric"
            }
            BinaryOperator::Divide => "pg_div",
            BinaryOperator::Modulo => "pg_mod",
            BinaryOperator::PGExp => "power",
            BinaryOperator::PGBitwiseXor => {
                // a # b = (a | b) - (a & b)
                let l = std::mem::replace(left.as_mut(), placeholder());
                let r = std::mem::replace(right.as_mut(), placeholder());
                let both = |op| {
                    Expr::Nested(Box::new(Expr::BinaryOp {
                        left: Box::new(l.clone()),
                        op,
                        right: Box::new(r.clone()),
                    }))
                };
                return Some(Expr::BinaryOp {
                    left: Box::new(both(BinaryOperator::BitwiseOr)),
                    op: BinaryOperator::Minus,
                    right: Box::new(both(BinaryOperator::BitwiseAnd)),
                });
            }
            BinaryOperator::Plus | BinaryOperator::Minus => {
                let (l, r) = types;
                let minus = *op == BinaryOperator::Minus;
                let take = |e: &mut Box<Expr>| std::mem::replace(e.as_mut(), placeholder());
                return match (l, r) {
                    (Some(oid::DATE), Some(oid::DATE)) if minus => {
                        Some(call("pg_date_diff", vec![take(left), take(right)]))
                    }
                    (Some(oid::DATE), Some(n)) if is_integer(n) => {
                        let days = if minus {
                            Expr::UnaryOp {
                                op: sqlparser::ast::UnaryOperator::Minus,
                                expr: Box::new(Expr::Nested(Box::new(take(right)))),
                            }
                        } else {
                            take(right)
                        };
                        Some(call("pg_date_add", vec![take(left), days]))
                    }
                    (Some(n), Some(oid::DATE)) if is_integer(n) && !minus => {
                        Some(call("pg_date_add", vec![take(right), take(left)]))
                    }
                    _ => None,
                };
            }
            _ => return None,
        };
        let l = std::mem::replace(left.as_mut(), placeholder());
        let r = std::mem::replace(right.as_mut(), placeholder());
        Some(call(name, vec![l, r]))
    }
}

/// `public.t` and `pg_catalog.f` name what SQLite calls plain `t` and `f`.
fn strip_schema(name: &mut ObjectName) {
    if name.0.len() == 2
        && let Some(ObjectNamePart::Identifier(schema)) = name.0.first()
        && (schema.value.eq_ignore_ascii_case("public")
            || schema.value.eq_ignore_ascii_case("pg_catalog"))
    {
        name.0.remove(0);
    }
}

/// Moves an expression out of its box, leaving a stand-in.
fn take(expr: &mut Box<Expr>) -> Expr {
    std::mem::replace(expr.as_mut(), placeholder())
}

/// A stand-in while a node is moved out of the tree.
fn placeholder() -> Expr {
    Expr::value(Value::Null)
}

/// An integer literal.
/// `SELECT projection FROM from [WHERE selection]` as a query of its own, for rewrites
/// that build one.
pub(crate) fn simple_query(
    projection: Vec<sqlparser::ast::SelectItem>,
    from: Vec<sqlparser::ast::TableWithJoins>,
    selection: Option<Expr>,
) -> sqlparser::ast::Query {
    use sqlparser::ast::helpers::attached_token::AttachedToken;
    use sqlparser::ast::{GroupByExpr, Query, Select, SelectFlavor, SetExpr};
    let select = Select {
        select_token: AttachedToken::empty(),
        optimizer_hints: vec![],
        distinct: None,
        select_modifiers: None,
        top: None,
        top_before_distinct: false,
        projection,
        exclude: None,
        into: None,
        from,
        lateral_views: vec![],
        prewhere: None,
        selection,
        connect_by: vec![],
        group_by: GroupByExpr::Expressions(vec![], vec![]),
        cluster_by: vec![],
        distribute_by: vec![],
        sort_by: vec![],
        having: None,
        named_window: vec![],
        qualify: None,
        window_before_qualify: false,
        value_table_mode: None,
        flavor: SelectFlavor::Standard,
    };
    Query {
        with: None,
        body: Box::new(SetExpr::Select(Box::new(select))),
        order_by: None,
        limit_clause: None,
        fetch: None,
        locks: vec![],
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: vec![],
    }
}

pub(crate) fn number(n: i64) -> Expr {
    Expr::value(Value::Number(n.to_string(), false))
}

/// A call of the SQLite function `name`.
pub(crate) fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    pub(super) fn sqlite(sql: &str) -> String {
        let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap();
        rewrite(
            &mut statements[0],
            &mut |_: &str| Vec::new(),
            &HashMap::new(),
        );
        statements[0].to_string()
    }

    #[test]
    fn queries_get_postgres_semantics() {
        assert_eq!(
            sqlite("SELECT '2024-01-01'::date + 1"),
            "SELECT pg_date_add(pg_cast_date('2024-01-01'), 1)"
        );
        assert_eq!(sqlite("SELECT 7 / $2"), "SELECT pg_div(7, ?2)");
        assert_eq!(
            sqlite("SELECT x FROM t WHERE x LIKE 'a\\_b%' AND x ~* $1"),
            "SELECT x FROM t WHERE glob('a_b*', x) AND pg_regex_ci(x, ?1)"
        );
        assert_eq!(
            sqlite("SELECT substring(x FROM 2 FOR 3), position('a' IN x), trim(both 'x' FROM x)"),
            "SELECT pg_substring(x, 2, 3), strpos(x, 'a'), btrim(x, 'x')"
        );
        assert_eq!(
            sqlite("SELECT ts + interval '1 day', -'2 days'::interval * 2, extract(year FROM d)"),
            "SELECT pg_ts_add_interval(ts, pg_cast_interval('1 day'), 1), \
             pg_interval_mul(pg_interval_neg(pg_cast_interval('2 days')), 2), pg_extract('year', d)"
        );
        assert_eq!(
            sqlite("SELECT pg_catalog.version() FROM public.t"),
            "SELECT version() FROM t"
        );
        assert_eq!(
            sqlite("SELECT E'a\\'b' ILIKE 'x'"),
            "SELECT pg_like('a''b', 'x', '\\', true)"
        );
        assert_eq!(
            sqlite("SELECT '\\x0aff'::bytea, 1.5::numeric(3,0)"),
            "SELECT X'0aff', pg_cast_numeric(1.5, 3, 0)"
        );
    }

    #[test]
    fn schema_keeps_to_sqlite_builtins() {
        assert_eq!(
            sqlite(
                "CREATE TABLE t (id serial PRIMARY KEY, n int DEFAULT '0'::integer, c timestamptz DEFAULT now())"
            ),
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, n INT DEFAULT (CAST('0' AS INTEGER)), c TIMESTAMPTZ DEFAULT (now()))"
        );
    }
}
