//! Set-returning functions (`unnest`, `generate_subscripts`, `jsonb_array_elements(_text)`,
//! `jsonb_each(_text)`, `jsonb_object_keys`) on SQLite's table-valued `json_each`, and
//! `generate_series` over numbers in `FROM` as a recursive query (in a select list, and
//! over timestamps, on `json_each` of the values, see `pg_series_json`).
//!
//! In `FROM` the call becomes a subquery over `json_each` with PostgreSQL's column names
//! (`value`, `key`, the alias's column list, `ordinality`). In the select list
//! (`SELECT id, unnest(tags) FROM t`) a `json_each` joins the `FROM` list, where SQLite
//! lets it read the columns of the tables before it, and the call becomes a read of its
//! row: one output row per element, as PostgreSQL gives. Several calls over arrays in
//! one select list (`unnest(indkey), generate_subscripts(indkey, 1)`, as SQLAlchemy's
//! reflection sends) run in lockstep, as in PostgreSQL: one `json_each` over the longest
//! array, each call reading its element at that position, NULL past its end.

use sqlparser::ast::{
    AccessExpr, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, Query, SelectItem,
    SetExpr, TableAlias, TableFactor, TableWithJoins,
};
use sqlparser::dialect::{PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

/// What one set-returning function yields for its argument `x`, in SQL over a
/// `json_each` aliased `pg_e`.
struct Shape {
    /// The `json_each` argument.
    source: String,
    /// Output columns: PostgreSQL's name and the SQL of the value.
    columns: Vec<(&'static str, String)>,
    /// True when the function returns a scalar: an alias without a column list names
    /// its one column.
    scalar: bool,
    /// True when `source` is a JSON array walked in order (`pg_e.key` is the position),
    /// false for an object walked by its keys.
    positional: bool,
}

/// The shape of `name(args)`, `None` for a function this module does not rewrite.
fn shape(name: &str, args: &[String]) -> Option<Shape> {
    if let ("generate_subscripts", [x, dim]) = (name, args) {
        return Some(Shape {
            source: format!("pg_array_subscripts({x}, {dim})"),
            columns: vec![("generate_subscripts", "pg_e.value".into())],
            scalar: true,
            positional: true,
        });
    }
    if name == "generate_series" && (2..=3).contains(&args.len()) {
        // In a select list, or over timestamps in FROM: the values as a JSON array.
        return Some(Shape {
            source: format!("pg_series_json({})", args.join(", ")),
            columns: vec![("generate_series", "pg_e.value".into())],
            scalar: true,
            positional: true,
        });
    }
    let [x] = args else {
        return None;
    };
    if name == "_pg_expandarray" {
        // information_schema._pg_expandarray: each element and its position from 1.
        return Some(Shape {
            source: format!("pg_array_json({x})"),
            columns: vec![("x", "pg_e.value".into()), ("n", "pg_e.key + 1".into())],
            scalar: false,
            positional: true,
        });
    }
    let (jsonb, base) = match name.strip_prefix("jsonb_") {
        Some(rest) => (true, rest),
        None => (false, name.strip_prefix("json_").unwrap_or(name)),
    };
    let get = if jsonb { "pg_jsonb_get" } else { "pg_json_get" };
    // jsonb iterates objects in its own key order; json as written.
    let doc = if jsonb {
        format!("pg_cast_jsonb({x})")
    } else {
        format!("pg_cast_json({x})")
    };
    Some(match (name, base) {
        ("unnest", _) => Shape {
            source: format!("pg_array_json({x})"),
            columns: vec![("unnest", "pg_e.value".into())],
            scalar: true,
            positional: true,
        },
        (_, "array_elements") => Shape {
            source: doc,
            columns: vec![("value", format!("{get}({x}, pg_e.key)"))],
            scalar: false,
            positional: true,
        },
        (_, "array_elements_text") => Shape {
            source: doc,
            columns: vec![("value", format!("pg_json_get_text({x}, pg_e.key)"))],
            scalar: false,
            positional: true,
        },
        (_, "each") => Shape {
            source: doc,
            columns: vec![
                ("key", "pg_e.key".into()),
                ("value", format!("{get}({x}, pg_e.key)")),
            ],
            scalar: false,
            positional: false,
        },
        (_, "each_text") => Shape {
            source: doc,
            columns: vec![
                ("key", "pg_e.key".into()),
                ("value", format!("pg_json_get_text({x}, pg_e.key)")),
            ],
            scalar: false,
            positional: false,
        },
        (_, "object_keys") => Shape {
            source: doc,
            columns: vec![(
                if jsonb {
                    "jsonb_object_keys"
                } else {
                    "json_object_keys"
                },
                "pg_e.key".into(),
            )],
            scalar: true,
            positional: false,
        },
        _ => return None,
    })
}

/// Rewrites the set-returning functions of `query`'s select (see the module docs).
pub fn rewrite_query(query: &mut Query) {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    for table in &mut select.from {
        rewrite_factor(&mut table.relation);
        for join in &mut table.joins {
            rewrite_factor(&mut join.relation);
        }
    }
    // With one plain table in FROM, the table and the `json_each`s go into a subquery
    // under the table's name, so that the table's columns stay unambiguous (`json_each`
    // has columns named `id`, `key`, `value`, ...).
    let wrap = match select.from.as_slice() {
        [TableWithJoins { relation, joins }] if joins.is_empty() => match relation {
            TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => Some((
                relation.to_string(),
                alias.as_ref().map_or_else(
                    || name.0.last().map(|p| p.to_string()),
                    |a| Some(a.name.to_string()),
                ),
            )),
            _ => None,
        },
        _ => None,
    };
    // The set-returning calls of the select list: item position, shape, output name.
    let mut calls: Vec<(usize, Shape, Ident)> = Vec::new();
    for (at, item) in select.projection.iter().enumerate() {
        let (expr, alias) = match item {
            SelectItem::UnnamedExpr(e) => (e, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.clone())),
            _ => continue,
        };
        // `(f(x)).field`: one field of a function returning a row.
        let (f, field) = match expr {
            Expr::Function(f) => (f, None),
            Expr::CompoundFieldAccess { root, access_chain } => {
                match (&**root, &access_chain[..]) {
                    (Expr::Nested(inner), [AccessExpr::Dot(Expr::Identifier(field))]) => {
                        match &**inner {
                            Expr::Function(f) => (f, Some(field.value.to_ascii_lowercase())),
                            _ => continue,
                        }
                    }
                    _ => continue,
                }
            }
            _ => continue,
        };
        let Some(name) = srf_name(&f.name) else {
            continue;
        };
        let FunctionArguments::List(list) = &f.args else {
            continue;
        };
        if !list.clauses.is_empty() {
            continue;
        }
        let Some(args) = plain_args(&list.args) else {
            continue;
        };
        let Some(mut shape) = shape(&name, &args) else {
            continue;
        };
        match field {
            Some(field) => shape.columns.retain(|(c, _)| *c == field),
            // A row in a select list travels as a JSON object of its fields, which
            // `(row).field` reads (see [`field_access`]).
            None if shape.columns.len() > 1 => {
                let fields: Vec<String> = shape
                    .columns
                    .iter()
                    .map(|(c, v)| format!("'{c}', {v}"))
                    .collect();
                shape.columns = vec![("row", format!("json_object({})", fields.join(", ")))];
                if name == "_pg_expandarray" {
                    shape.columns[0].0 = "_pg_expandarray";
                }
            }
            None => {}
        }
        if shape.columns.len() != 1 {
            continue;
        }
        let alias = alias.unwrap_or_else(|| Ident::new(shape.columns[0].0));
        calls.push((at, shape, alias));
    }
    // Several calls over arrays run in lockstep, as PostgreSQL runs them: one
    // `json_each` over the longest array drives them all, each reading its element at
    // the driver's position (NULL past its end).
    let lockstep = calls.len() > 1 && calls.iter().all(|(_, s, _)| s.positional);
    let mut sources: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    if lockstep {
        let pairs: Vec<String> = calls
            .iter()
            .map(|(_, s, _)| format!("json_array_length({0}), {0}", s.source))
            .collect();
        sources.push(format!(
            "json_each(pg_srf_longest({})) AS pg_srf0",
            pairs.join(", ")
        ));
        for (_, shape, _) in &calls {
            let element = format!("json_extract({}, '$[' || pg_srf0.key || ']')", shape.source);
            values.push(
                shape.columns[0]
                    .1
                    .replace("pg_e.value", &element)
                    .replace("pg_e.", "pg_srf0."),
            );
        }
    } else {
        for (n, (_, shape, _)) in calls.iter().enumerate() {
            let e = format!("pg_srf{}", n + 1);
            sources.push(format!("json_each({}) AS {e}", shape.source));
            values.push(shape.columns[0].1.replace("pg_e.", &format!("{e}.")));
        }
    }
    let mut inner_items: Vec<String> = Vec::new();
    if let Some((_, Some(_))) = &wrap {
        for (n, ((at, _, alias), value)) in calls.iter().zip(&values).enumerate() {
            inner_items.push(format!("{value} AS pg_srf_value{}", n + 1));
            select.projection[*at] = SelectItem::ExprWithAlias {
                expr: Expr::Identifier(Ident::new(format!("pg_srf_value{}", n + 1))),
                alias: alias.clone(),
            };
        }
    } else {
        let factors: Option<Vec<TableFactor>> = sources.iter().map(|s| parse_factor(s)).collect();
        let exprs: Option<Vec<Expr>> = values.iter().map(|v| parse_expr(v)).collect();
        let (Some(factors), Some(exprs)) = (factors, exprs) else {
            return;
        };
        for relation in factors {
            select.from.push(TableWithJoins {
                relation,
                joins: vec![],
            });
        }
        for ((at, _, alias), expr) in calls.iter().zip(exprs) {
            select.projection[*at] = SelectItem::ExprWithAlias {
                expr,
                alias: alias.clone(),
            };
        }
    }
    let inner_from = sources;
    if let (Some((relation, Some(name))), false) = (wrap, inner_items.is_empty()) {
        let sql = format!(
            "(SELECT {name}.*, {} FROM {relation}, {}) AS {name}",
            inner_items.join(", "),
            inner_from.join(", ")
        );
        if let Some(factor) = parse_factor(&sql) {
            select.from[0].relation = factor;
            // `schema.table.column` now reads the subquery, which has the table's name.
            let _ = sqlparser::ast::visit_expressions_mut(&mut **select, |e| {
                if let Expr::CompoundIdentifier(parts) = e {
                    if parts.len() == 3 {
                        let qualifier = format!("{}.{}", parts[0], parts[1]);
                        if qualifier.eq_ignore_ascii_case(&relation) {
                            parts.remove(0);
                        }
                    }
                }
                std::ops::ControlFlow::<()>::Continue(())
            });
        }
    }
}

/// The name of a set-returning function call: unqualified, or
/// `information_schema._pg_expandarray`.
fn srf_name(name: &sqlparser::ast::ObjectName) -> Option<String> {
    match name.0.as_slice() {
        [schema, function]
            if schema
                .as_ident()?
                .value
                .eq_ignore_ascii_case("information_schema")
                && function
                    .as_ident()?
                    .value
                    .eq_ignore_ascii_case("_pg_expandarray") =>
        {
            Some("_pg_expandarray".to_string())
        }
        _ => single_name(name),
    }
}

/// `(row).field` on a row value, which pgsqlite carries as a JSON object of its fields
/// (a set-returning function's row in a select list): the field, read with
/// `json_extract`. `None` for other expressions.
pub fn field_access(expr: &Expr) -> Option<Expr> {
    let Expr::CompoundFieldAccess { root, access_chain } = expr else {
        return None;
    };
    let (Expr::Nested(inner), [AccessExpr::Dot(Expr::Identifier(field))]) =
        (&**root, &access_chain[..])
    else {
        return None;
    };
    if !matches!(&**inner, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
        return None;
    }
    let field = field.value.to_ascii_lowercase();
    parse_expr(&format!("json_extract({inner}, '$.{field}')"))
}

fn single_name(name: &sqlparser::ast::ObjectName) -> Option<String> {
    match name.0.as_slice() {
        [part] => Some(part.as_ident()?.value.to_ascii_lowercase()),
        _ => None,
    }
}

fn single_expr_arg(args: &[Expr]) -> Option<String> {
    match args {
        [e] => Some(e.to_string()),
        _ => None,
    }
}

/// The SQL of each argument of a plain call (`f(a, b)`), `None` for named or
/// otherwise decorated arguments.
fn plain_args(args: &[FunctionArg]) -> Option<Vec<String>> {
    args.iter()
        .map(|arg| match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.to_string()),
            _ => None,
        })
        .collect()
}

fn rewrite_factor(factor: &mut TableFactor) {
    if partition_ancestors(factor) {
        return;
    }
    let (name, args, alias, ordinality) = match factor {
        TableFactor::Table {
            name,
            args: Some(args),
            alias,
            with_ordinality,
            ..
        } if args.settings.is_none() => {
            let Some(name) = srf_name(name) else {
                return;
            };
            let Some(list) = plain_args(&args.args) else {
                return;
            };
            (name, list, alias.take(), *with_ordinality)
        }
        TableFactor::Function {
            lateral: false,
            name,
            args,
            with_ordinality,
            alias,
        } => {
            let Some(name) = srf_name(name) else {
                return;
            };
            let Some(list) = plain_args(args) else {
                return;
            };
            (name, list, alias.take(), *with_ordinality)
        }
        TableFactor::UNNEST {
            alias,
            array_exprs,
            with_offset: false,
            with_ordinality,
            ..
        } => {
            let Some(x) = single_expr_arg(array_exprs) else {
                return;
            };
            (
                "unnest".to_string(),
                vec![x],
                alias.take(),
                *with_ordinality,
            )
        }
        _ => return,
    };
    let alias_name = alias
        .as_ref()
        .map_or_else(|| Ident::new(name.clone()), |a| a.name.clone());
    let series = match name.as_str() {
        "generate_series" => series(&args, alias.as_ref(), ordinality),
        _ => None,
    };
    let sql = series
        .or_else(|| json_each_factor(&name, &args, alias.as_ref(), ordinality))
        .map(|body| format!("({body}) AS {alias_name}"));
    match sql.as_deref().and_then(parse_factor) {
        Some(new) => *factor = new,
        // Not ours: the alias goes back where it was.
        None => match factor {
            TableFactor::Table { alias: slot, .. }
            | TableFactor::Function { alias: slot, .. }
            | TableFactor::UNNEST { alias: slot, .. } => *slot = alias,
            _ => {}
        },
    }
}

/// The output column names of a function in `FROM`: PostgreSQL's `names`, then
/// `ordinality`, renamed by the alias's column list, or by the alias itself for a
/// function returning a scalar.
fn column_names(
    mut names: Vec<String>,
    scalar: bool,
    alias: Option<&TableAlias>,
    ordinality: bool,
) -> Vec<String> {
    if ordinality {
        names.push("ordinality".into());
    }
    if let Some(alias) = alias {
        if !alias.columns.is_empty() {
            for (slot, column) in names.iter_mut().zip(&alias.columns) {
                *slot = column.name.to_string();
            }
        } else if scalar {
            names[0] = alias.name.to_string();
        }
    }
    names
}

/// The subquery over `json_each` standing for set-returning function `name` of `x`.
fn json_each_factor(
    name: &str,
    args: &[String],
    alias: Option<&TableAlias>,
    ordinality: bool,
) -> Option<String> {
    let shape = shape(name, args)?;
    let names = shape.columns.iter().map(|(n, _)| n.to_string()).collect();
    let names = column_names(names, shape.scalar, alias, ordinality);
    let mut values: Vec<String> = shape.columns.iter().map(|(_, v)| v.clone()).collect();
    if ordinality {
        values.push("pg_e.key + 1".into());
    }
    let list: Vec<String> = values
        .iter()
        .zip(&names)
        .map(|(v, n)| format!("{v} AS {n}"))
        .collect();
    Some(format!(
        "SELECT {} FROM json_each({}) AS pg_e",
        list.join(", "),
        shape.source
    ))
}

/// `generate_series(start, stop [, step])` over numbers as a recursive query: the
/// arguments are computed once, the step must not be zero (22023, `pg_series_step`),
/// and the series runs from `start` towards `stop` in steps of `step` (1 by default),
/// none when `start` is already past `stop` or an argument is NULL. Series over
/// timestamps (an interval step) are not rewritten.
fn series(args: &[String], alias: Option<&TableAlias>, ordinality: bool) -> Option<String> {
    let (start, stop, step) = match args {
        [start, stop] => (start, stop, "1"),
        [start, stop, step] => (start, stop, step.as_str()),
        _ => return None,
    };
    if args
        .iter()
        .any(|a| a.starts_with('\'') || a.to_ascii_lowercase().contains("interval"))
    {
        return None;
    }
    let names = column_names(vec!["generate_series".into()], true, alias, ordinality);
    let mut list = vec![format!("pg_gs.v AS {}", names[0])];
    if ordinality {
        list.push(format!("pg_gs.n AS {}", names[1]));
    }
    Some(format!(
        "WITH RECURSIVE pg_gs(v, e, st, n) AS (\
         SELECT v, e, st, 1 FROM (SELECT {start} AS v, {stop} AS e, \
         pg_series_step({step}) AS st) AS pg_gs_args \
         WHERE (st > 0 AND v <= e) OR (st < 0 AND v >= e) \
         UNION ALL SELECT v + st, e, st, n + 1 FROM pg_gs \
         WHERE (st > 0 AND v + st <= e) OR (st < 0 AND v + st >= e)) \
         SELECT {} FROM pg_gs",
        list.join(", ")
    ))
}

/// Parses `sql`, SQL the rewriter has already made SQLite's, as a `FROM` item: on the
/// PostgreSQL dialect, or where that fails (`?1` parameters, which it reads as the `?`
/// operator) on SQLite's.
fn parse_factor(sql: &str) -> Option<TableFactor> {
    let text = format!("SELECT 1 FROM {sql}");
    let query = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&text)
        .ok()
        .and_then(|mut p| p.parse_query().ok())
        .or_else(|| {
            Parser::new(&SQLiteDialect {})
                .try_with_sql(&text)
                .ok()?
                .parse_query()
                .ok()
        })?;
    let SetExpr::Select(select) = *query.body else {
        return None;
    };
    select.from.into_iter().next().map(|t| t.relation)
}

/// Parses `sql` as an expression, as [`parse_factor`] does (PostgreSQL's dialect, then
/// SQLite's for `?1` parameters).
fn parse_expr(sql: &str) -> Option<Expr> {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .ok()
        .and_then(|mut p| p.parse_expr().ok())
        .or_else(|| {
            Parser::new(&SQLiteDialect {})
                .try_with_sql(sql)
                .ok()?
                .parse_expr()
                .ok()
        })
}

/// `pg_partition_ancestors(rel)` in `FROM` (psql's `\d` asks; a table is its own only
/// ancestor): a subquery whose columns are named as PostgreSQL names them (the alias's
/// column list, the alias, or the function's name; `ordinality` last).
fn partition_ancestors(factor: &mut TableFactor) -> bool {
    let (name, args, alias, ordinality) = match factor {
        TableFactor::Table {
            name,
            args: Some(args),
            alias,
            with_ordinality,
            ..
        } if args.settings.is_none() => (name, &args.args, alias, *with_ordinality),
        TableFactor::Function {
            lateral: false,
            name,
            args,
            with_ordinality,
            alias,
        } => (name, &*args, alias, *with_ordinality),
        _ => return false,
    };
    let Some(function) = single_name(name) else {
        return false;
    };
    let args: Vec<String> = args.iter().map(ToString::to_string).collect();
    let source = match (function.as_str(), args.len()) {
        ("pg_partition_ancestors", 1) => format!("SELECT {}, 1", args[0]),
        _ => return false,
    };
    let mut columns = [function.clone(), "ordinality".to_string()];
    match alias {
        Some(a) if !a.columns.is_empty() => {
            for (slot, c) in columns.iter_mut().zip(&a.columns) {
                *slot = c.name.to_string();
            }
        }
        Some(a) => columns[0] = a.name.to_string(),
        None => {}
    }
    let table = alias
        .as_ref()
        .map_or_else(|| function.clone(), |a| a.name.to_string());
    let shown = if ordinality {
        format!(
            "pg_s.column1 AS {}, pg_s.column2 AS {}",
            columns[0], columns[1]
        )
    } else {
        format!("pg_s.column1 AS {}", columns[0])
    };
    let sql = format!(
        "SELECT * FROM (SELECT {shown} FROM (SELECT NULL AS column1, NULL AS column2 WHERE 0 \
         UNION ALL {source}) AS pg_s) AS {table}"
    );
    let Ok(mut parsed) = Parser::parse_sql(&PostgreSqlDialect {}, &sql) else {
        return false;
    };
    let Some(sqlparser::ast::Statement::Query(query)) = parsed.pop() else {
        return false;
    };
    let SetExpr::Select(mut select) = *query.body else {
        return false;
    };
    let Some(from) = select.from.pop() else {
        return false;
    };
    *factor = from.relation;
    true
}
