//! Result columns of a parsed statement: the names PostgreSQL gives them and their types,
//! resolved through the statement's scopes (tables and aliases, joins, derived tables,
//! CTEs) against the database's tables.

use super::rewrite::types::{binary_type, data_type_oid, expr_type};
use crate::executor::TableColumn;
use crate::protocol::types::{Oid, oid, type_name};
use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName,
    Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Statement, TableFactor,
    TableWithJoins, TrimWhereField, UnaryOperator, Value,
};
use std::collections::HashMap;

/// Where the columns of tables come from.
pub trait Catalog {
    /// The columns of `table` as declared; empty if there is no such table.
    fn columns(&mut self, table: &str) -> Vec<TableColumn>;
}

impl<F: FnMut(&str) -> Vec<TableColumn>> Catalog for F {
    fn columns(&mut self, table: &str) -> Vec<TableColumn> {
        self(table)
    }
}

/// A result column as PostgreSQL describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultColumn {
    /// The column name in RowDescription.
    pub name: String,
    /// The type, where the statement and the schema tell it.
    pub ty: Option<Oid>,
    /// For `numeric`: the display scale (digits after the point) its values are printed
    /// with, where the statement fixes it (a `numeric(p, s)` column or cast, a literal,
    /// `+ - *` and aggregates over those); `None` prints each value's own digits.
    pub scale: Option<u16>,
}

/// What describing a statement found.
#[derive(Debug, Default)]
pub struct Description {
    /// The result columns, or `None` when they cannot all be listed (a `*` over something
    /// unknown, a statement kind not described here).
    pub columns: Option<Vec<ResultColumn>>,
    /// Types of expressions in result columns that the rewriter cannot tell from the text
    /// alone, keyed by their SQL text: the arguments of `pg_typeof(...)` calls (which the
    /// rewriter turns into constants) and the column operands of `+`, `-`, casts and
    /// `date_trunc`.
    pub typeofs: HashMap<String, Oid>,
    /// Parameter types (by `$n` number) resolved through the scope each parameter sits
    /// in: the column it is compared with, inserted into or assigned to, `$n::type`,
    /// `LIMIT $n`. Parameters this does not place are absent.
    pub params: HashMap<usize, Oid>,
}

/// Describes the result of `statement`.
pub fn describe(statement: &Statement, catalog: &mut dyn Catalog) -> Description {
    let mut d = Describer {
        catalog,
        ctes: Vec::new(),
        typeofs: HashMap::new(),
        params: HashMap::new(),
        tables: HashMap::new(),
    };
    let columns = d.statement(statement);
    d.statement_params(statement);
    Description {
        columns,
        typeofs: d.typeofs,
        params: d.params,
    }
}

impl Describer<'_> {
    fn statement(&mut self, statement: &Statement) -> Option<Vec<ResultColumn>> {
        let d = self;
        match statement {
            Statement::Query(q) => d.query(q),
            Statement::Insert(insert) => {
                let returning = insert.returning.as_ref()?;
                let table = match &insert.table {
                    sqlparser::ast::TableObject::TableName(name) => name,
                    _ => return None,
                };
                let alias = insert.table_alias.as_ref().map(|a| &a.alias);
                let scope = vec![d.table_source(table, alias)];
                d.projection(returning, &scope)
            }
            Statement::Update(update) => {
                let returning = update.returning.as_ref()?;
                let scope = d.scope(std::slice::from_ref(&update.table))?;
                d.projection(returning, &scope)
            }
            Statement::Delete(delete) => {
                let returning = delete.returning.as_ref()?;
                let tables = match &delete.from {
                    sqlparser::ast::FromTable::WithFromKeyword(t)
                    | sqlparser::ast::FromTable::WithoutKeyword(t) => t,
                };
                let scope = d.scope(tables)?;
                d.projection(returning, &scope)
            }
            _ => None,
        }
    }
}

/// The number `n` of a `$n` parameter.
fn placeholder(e: &Expr) -> Option<usize> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Placeholder(p) => p.strip_prefix('$')?.parse().ok(),
            _ => None,
        },
        Expr::Nested(inner) => placeholder(inner),
        _ => None,
    }
}

/// Parameter types from the scopes parameters sit in (see [`Description::params`]).
impl Describer<'_> {
    /// Records `ty` as the type of `e` if `e` is a parameter not typed yet.
    fn param(&mut self, e: &Expr, ty: Option<Oid>) {
        if let (Some(n), Some(ty)) = (placeholder(e), ty)
            && ty != oid::UNSPECIFIED
        {
            self.params.entry(n).or_insert(ty);
        }
    }

    /// The parameters of a whole statement: what [`Describer::query`] does not walk
    /// (INSERT targets, UPDATE assignments, DELETE and UPDATE conditions).
    fn statement_params(&mut self, statement: &Statement) {
        match statement {
            Statement::Query(q) => {
                self.query(q);
            }
            Statement::Insert(insert) => {
                let sqlparser::ast::TableObject::TableName(name) = &insert.table else {
                    return;
                };
                let alias = insert.table_alias.as_ref().map(|a| &a.alias);
                let scope = vec![self.table_source(name, alias)];
                let Some(columns) = scope[0].columns.clone() else {
                    return;
                };
                let targets: Vec<Option<ResultColumn>> = if insert.columns.is_empty() {
                    columns.into_iter().map(Some).collect()
                } else {
                    insert
                        .columns
                        .iter()
                        .map(|c| {
                            let name = c.0.last()?.as_ident().map(folded)?;
                            columns.iter().find(|col| col.name == name).cloned()
                        })
                        .collect()
                };
                if let Some(source) = &insert.source {
                    match source.body.as_ref() {
                        SetExpr::Values(values) => {
                            for row in &values.rows {
                                for (e, target) in row.iter().zip(&targets) {
                                    self.param(e, target.as_ref().and_then(|t| t.ty));
                                    self.expr_params(e, &[]);
                                }
                            }
                        }
                        SetExpr::Select(select) => {
                            for (item, target) in select.projection.iter().zip(&targets) {
                                if let SelectItem::UnnamedExpr(e)
                                | SelectItem::ExprWithAlias { expr: e, .. } = item
                                {
                                    self.param(e, target.as_ref().and_then(|t| t.ty));
                                }
                            }
                        }
                        _ => {}
                    }
                    self.query(source);
                }
                if let Some(sqlparser::ast::OnInsert::OnConflict(on_conflict)) = &insert.on
                    && let sqlparser::ast::OnConflictAction::DoUpdate(update) = &on_conflict.action
                {
                    self.assignment_params(&update.assignments, &scope);
                    if let Some(selection) = &update.selection {
                        self.expr_params(selection, &scope);
                    }
                }
            }
            Statement::Update(update) => {
                let Some(mut scope) = self.scope(std::slice::from_ref(&update.table)) else {
                    return;
                };
                if let Some(
                    sqlparser::ast::UpdateTableFromKind::BeforeSet(from)
                    | sqlparser::ast::UpdateTableFromKind::AfterSet(from),
                ) = &update.from
                    && let Some(more) = self.scope(from)
                {
                    scope.extend(more);
                }
                self.assignment_params(&update.assignments, &scope[..1]);
                if let Some(selection) = &update.selection {
                    self.expr_params(selection, &scope);
                }
            }
            Statement::Delete(delete) => {
                let tables = match &delete.from {
                    sqlparser::ast::FromTable::WithFromKeyword(t)
                    | sqlparser::ast::FromTable::WithoutKeyword(t) => t,
                };
                let Some(mut scope) = self.scope(tables) else {
                    return;
                };
                if let Some(using) = &delete.using
                    && let Some(more) = self.scope(using)
                {
                    scope.extend(more);
                }
                if let Some(selection) = &delete.selection {
                    self.expr_params(selection, &scope);
                }
            }
            _ => {}
        }
    }

    fn assignment_params(&mut self, assignments: &[sqlparser::ast::Assignment], scope: &[Source]) {
        for assignment in assignments {
            if let sqlparser::ast::AssignmentTarget::ColumnName(name) = &assignment.target
                && let Some(column) = name.0.last().and_then(|p| p.as_ident())
            {
                let target = Expr::Identifier(column.clone());
                let ty = self.expr_type(&target, scope);
                self.param(&assignment.value, ty);
            }
            self.expr_params(&assignment.value, scope);
        }
    }

    /// The parameters of one SELECT: its conditions, join constraints and select list.
    fn select_params(&mut self, select: &Select, scope: &[Source]) {
        for t in &select.from {
            for join in &t.joins {
                use sqlparser::ast::{JoinConstraint, JoinOperator as J};
                let constraint = match &join.join_operator {
                    J::Join(c)
                    | J::Inner(c)
                    | J::Left(c)
                    | J::LeftOuter(c)
                    | J::Right(c)
                    | J::RightOuter(c)
                    | J::FullOuter(c) => c,
                    _ => continue,
                };
                if let JoinConstraint::On(on) = constraint {
                    self.expr_params(on, scope);
                }
            }
        }
        for e in select.selection.iter().chain(&select.having) {
            self.expr_params(e, scope);
        }
        for item in &select.projection {
            if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
                self.expr_params(e, scope);
            }
        }
    }

    /// Types the parameters in `e` from the operands they meet.
    fn expr_params(&mut self, e: &Expr, scope: &[Source]) {
        match e {
            Expr::BinaryOp { left, op, right } => {
                use BinaryOperator::*;
                let compared = is_comparison(op) && !matches!(op, And | Or);
                let arithmetic = matches!(op, Plus | Minus | Multiply | Divide | Modulo);
                if compared || arithmetic {
                    for (this, other) in [(left, right), (right, left)] {
                        if placeholder(this).is_none() {
                            continue;
                        }
                        let ty = self.expr_type(other, scope);
                        // date + $1 is an integer, timestamp + $1 an interval: only
                        // numbers take the other operand's type in arithmetic.
                        let numeric = matches!(
                            ty,
                            Some(
                                oid::INT2
                                    | oid::INT4
                                    | oid::INT8
                                    | oid::FLOAT4
                                    | oid::FLOAT8
                                    | oid::NUMERIC
                            )
                        );
                        if compared || numeric {
                            self.param(this, ty);
                        }
                    }
                }
                self.expr_params(left, scope);
                self.expr_params(right, scope);
            }
            Expr::In { expr, target, .. } => {
                match target {
                    sqlparser::ast::InTarget::List(list) => {
                        let ty = self.expr_type(expr, scope);
                        for item in list {
                            self.param(item, ty);
                            self.expr_params(item, scope);
                        }
                    }
                    sqlparser::ast::InTarget::Subquery(q) => {
                        self.query(q);
                    }
                    _ => {}
                }
                self.expr_params(expr, scope);
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                let ty = self.expr_type(expr, scope);
                self.param(low, ty);
                self.param(high, ty);
                for e in [expr, low, high] {
                    self.expr_params(e, scope);
                }
            }
            Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
                self.param(pattern, Some(oid::TEXT));
                self.expr_params(expr, scope);
                self.expr_params(pattern, scope);
            }
            Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => {
                let ty = self
                    .expr_type(left, scope)
                    .and_then(crate::protocol::types::array_of);
                self.param(right, ty);
                self.expr_params(left, scope);
                self.expr_params(right, scope);
            }
            Expr::Cast {
                expr, data_type, ..
            } => {
                let ty = data_type_oid(data_type);
                if type_name(ty) != "unknown" {
                    self.param(expr, Some(ty));
                }
                self.expr_params(expr, scope);
            }
            Expr::Nested(inner)
            | Expr::UnaryOp { expr: inner, .. }
            | Expr::IsNull(inner)
            | Expr::IsNotNull(inner)
            | Expr::IsTrue(inner)
            | Expr::IsFalse(inner)
            | Expr::IsNotTrue(inner)
            | Expr::IsNotFalse(inner) => self.expr_params(inner, scope),
            Expr::IsDistinctFrom(l, r) | Expr::IsNotDistinctFrom(l, r) => {
                let (lt, rt) = (self.expr_type(l, scope), self.expr_type(r, scope));
                self.param(l, rt);
                self.param(r, lt);
                self.expr_params(l, scope);
                self.expr_params(r, scope);
            }
            Expr::Subquery(q) | Expr::Exists { subquery: q, .. } => {
                self.query(q);
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                for e in operand.iter().chain(else_result) {
                    self.expr_params(e, scope);
                }
                for w in conditions {
                    self.expr_params(&w.condition, scope);
                    self.expr_params(&w.result, scope);
                }
            }
            Expr::Function(f) => {
                for arg in function_args(&f.args) {
                    self.expr_params(arg, scope);
                }
            }
            _ => {}
        }
    }
}

/// A named row source in a FROM clause.
struct Source {
    /// The alias, else the table name (as PostgreSQL folds it).
    name: String,
    /// Its columns; `None` when unknown (a table function, a missing table).
    columns: Option<Vec<ResultColumn>>,
}

struct Describer<'c> {
    catalog: &'c mut dyn Catalog,
    ctes: Vec<(String, Vec<ResultColumn>)>,
    typeofs: HashMap<String, Oid>,
    params: HashMap<usize, Oid>,
    /// The columns of the tables looked up so far.
    tables: HashMap<String, Vec<TableColumn>>,
}

/// An identifier as PostgreSQL folds it: unquoted names in lower case.
fn folded(id: &Ident) -> String {
    match id.quote_style {
        Some(_) => id.value.clone(),
        None => id.value.to_lowercase(),
    }
}

fn last_name(name: &ObjectName) -> Option<String> {
    name.0.last()?.as_ident().map(folded)
}

impl Describer<'_> {
    fn query(&mut self, q: &Query) -> Option<Vec<ResultColumn>> {
        let saved = self.ctes.len();
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                let mut columns = self.query(&cte.query).unwrap_or_default();
                for (c, alias) in columns.iter_mut().zip(&cte.alias.columns) {
                    c.name = folded(&alias.name);
                }
                self.ctes.push((folded(&cte.alias.name), columns));
            }
        }
        let result = self.set_expr(&q.body);
        if let Some(sqlparser::ast::LimitClause::LimitOffset { limit, offset, .. }) =
            &q.limit_clause
        {
            for e in limit.iter().chain(offset.as_ref().map(|o| &o.value)) {
                self.param(e, Some(oid::INT8));
            }
        }
        self.ctes.truncate(saved);
        result
    }

    fn set_expr(&mut self, body: &SetExpr) -> Option<Vec<ResultColumn>> {
        match body {
            SetExpr::Select(select) => self.select(select),
            SetExpr::Query(q) => self.query(q),
            SetExpr::SetOperation { left, right, .. } => {
                let mut columns = self.set_expr(left)?;
                // Untyped columns on the left (NULL, say) take the right side's type; a
                // numeric scale holds only if both sides have it.
                let other = self.set_expr(right).unwrap_or_default();
                for (i, c) in columns.iter_mut().enumerate() {
                    let o = other.get(i);
                    c.ty = c.ty.or(o.and_then(|o| o.ty));
                    if o.is_none_or(|o| o.scale != c.scale) {
                        c.scale = None;
                    }
                }
                Some(columns)
            }
            SetExpr::Values(values) => {
                let first = values.rows.first()?;
                let mut columns: Vec<ResultColumn> = first
                    .iter()
                    .enumerate()
                    .map(|(i, e)| self.result_column(format!("column{}", i + 1), e, &[]))
                    .collect();
                for row in &values.rows[1..] {
                    for (c, e) in columns.iter_mut().zip(row.iter()) {
                        if c.scale.is_some() && self.expr_scale(e, &[]) != c.scale {
                            c.scale = None;
                        }
                    }
                }
                Some(columns)
            }
            _ => None,
        }
    }

    fn select(&mut self, select: &Select) -> Option<Vec<ResultColumn>> {
        let scope = self.scope(&select.from)?;
        self.select_params(select, &scope);
        self.projection(&select.projection, &scope)
    }

    fn projection(&mut self, items: &[SelectItem], scope: &[Source]) -> Option<Vec<ResultColumn>> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let name = self.column_name(e).unwrap_or_else(|| "?column?".into());
                    out.push(self.result_column(name, e, scope));
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    out.push(self.result_column(folded(alias), expr, scope));
                }
                SelectItem::Wildcard(_) => {
                    if scope.is_empty() {
                        return None;
                    }
                    for source in scope {
                        out.extend(source.columns.clone()?);
                    }
                }
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(n),
                    _,
                ) => {
                    let name = last_name(n)?;
                    let source = scope.iter().find(|s| s.name == name)?;
                    out.extend(source.columns.clone()?);
                }
                _ => return None,
            }
        }
        Some(out)
    }

    /// The sources of a FROM list, joins flattened, in order.
    fn scope(&mut self, from: &[TableWithJoins]) -> Option<Vec<Source>> {
        let mut sources = Vec::new();
        for t in from {
            self.factor(&t.relation, &mut sources);
            for join in &t.joins {
                self.factor(&join.relation, &mut sources);
            }
        }
        Some(sources)
    }

    fn factor(&mut self, factor: &TableFactor, sources: &mut Vec<Source>) {
        match factor {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                let mut source = if let Some(args) = args {
                    let function = last_name(name).unwrap_or_default();
                    Source {
                        columns: self.series_column(&function, &args.args),
                        name: function,
                    }
                } else {
                    self.table_source(name, alias.as_ref().map(|a| &a.name))
                };
                if let Some(alias) = alias {
                    source.name = folded(&alias.name);
                    // A function returning one column is named by its alias.
                    if let (true, Some([column])) = (
                        args.is_some() && alias.columns.is_empty(),
                        source.columns.as_deref_mut(),
                    ) {
                        column.name = folded(&alias.name);
                    }
                    rename(&mut source, &alias.columns);
                }
                sources.push(source);
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                let mut source = Source {
                    name: alias.as_ref().map(|a| folded(&a.name)).unwrap_or_default(),
                    columns: self.query(subquery),
                };
                if let Some(alias) = alias {
                    rename(&mut source, &alias.columns);
                }
                sources.push(source);
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => {
                self.factor(&table_with_joins.relation, sources);
                for join in &table_with_joins.joins {
                    self.factor(&join.relation, sources);
                }
            }
            _ => sources.push(Source {
                name: String::new(),
                columns: None,
            }),
        }
    }

    /// The column of `generate_series(start, stop [, step])` over numbers, typed as its
    /// arguments (int4 for int4 arguments, as PostgreSQL picks the function), or of
    /// `generate_subscripts` (int4).
    fn series_column(
        &mut self,
        function: &str,
        args: &[sqlparser::ast::FunctionArg],
    ) -> Option<Vec<ResultColumn>> {
        use sqlparser::ast::{FunctionArg, FunctionArgExpr};
        if function == "generate_subscripts" {
            return Some(vec![ResultColumn {
                name: function.to_string(),
                ty: Some(oid::INT4),
                scale: None,
            }]);
        }
        if function != "generate_series" || !(2..=3).contains(&args.len()) {
            return None;
        }
        let mut widest = oid::INT4;
        for (i, arg) in args.iter().enumerate() {
            let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = arg else {
                return None;
            };
            let ty = self.expr_type(e, &[])?;
            // Over timestamps the first argument decides (a date is a timestamptz).
            if i == 0 && matches!(ty, oid::TIMESTAMP | oid::TIMESTAMPTZ | oid::DATE) {
                return Some(vec![ResultColumn {
                    name: function.to_string(),
                    ty: Some(if ty == oid::TIMESTAMP {
                        oid::TIMESTAMP
                    } else {
                        oid::TIMESTAMPTZ
                    }),
                    scale: None,
                }]);
            }
            widest = match ty {
                oid::INT2 | oid::INT4 => widest,
                oid::INT8 if widest == oid::INT4 => oid::INT8,
                oid::INT8 => widest,
                oid::NUMERIC => oid::NUMERIC,
                _ => return None,
            };
        }
        Some(vec![ResultColumn {
            name: function.to_string(),
            ty: Some(widest),
            scale: None,
        }])
    }

    fn table_source(&mut self, name: &ObjectName, alias: Option<&Ident>) -> Source {
        let table = last_name(name).unwrap_or_default();
        let columns = match self.ctes.iter().rev().find(|(n, _)| *n == table) {
            Some((_, columns)) => Some(columns.clone()),
            None => {
                // Describing, then typing parameters, looks at each table more than once:
                // the schema is read once per statement.
                let columns = match self.tables.get(&table) {
                    Some(columns) => columns.clone(),
                    None => {
                        let columns = self.catalog.columns(&table);
                        self.tables.insert(table.clone(), columns.clone());
                        columns
                    }
                };
                (!columns.is_empty()).then(|| {
                    columns
                        .into_iter()
                        .map(|c| ResultColumn {
                            scale: declared_scale(&c.declared),
                            name: c.name,
                            ty: (c.ty != oid::UNSPECIFIED).then_some(c.ty),
                        })
                        .collect()
                })
            }
        };
        Source {
            name: alias.map(folded).unwrap_or(table),
            columns,
        }
    }

    /// PostgreSQL's name for an unaliased result column (`FigureColname`).
    fn column_name(&mut self, e: &Expr) -> Option<String> {
        self.named(e).map(|(name, _)| name)
    }

    /// A name with its strength: 2 for a column or function name, 1 for a type name
    /// (which an outer cast replaces with its own).
    fn named(&mut self, e: &Expr) -> Option<(String, u8)> {
        let strong = |name: &str| Some((name.to_string(), 2));
        match e {
            Expr::Identifier(id) => Some((folded(id), 2)),
            Expr::CompoundIdentifier(parts) => Some((folded(parts.last()?), 2)),
            Expr::Function(f) => Some((last_name(&f.name)?, 2)),
            Expr::Cast {
                expr, data_type, ..
            } => match self.named(expr) {
                Some((name, 2)) => Some((name, 2)),
                inner => {
                    // A cast to an array type is named after the element type.
                    let data_type = match data_type {
                        sqlparser::ast::DataType::Array(
                            sqlparser::ast::ArrayElemTypeDef::SquareBracket(element, _)
                            | sqlparser::ast::ArrayElemTypeDef::AngleBracket(element)
                            | sqlparser::ast::ArrayElemTypeDef::Parenthesis(element),
                        ) => element.as_ref(),
                        other => other,
                    };
                    let ty = data_type_oid(data_type);
                    if type_name(ty) == "unknown" {
                        inner
                    } else {
                        Some((type_name(ty).to_string(), 1))
                    }
                }
            },
            Expr::TypedString(t) => {
                let ty = data_type_oid(&t.data_type);
                (type_name(ty) != "unknown").then(|| (type_name(ty).to_string(), 1))
            }
            Expr::Nested(inner) => self.named(inner),
            Expr::CompoundFieldAccess { root, .. } => self.named(root),
            Expr::Case { .. } => strong("case"),
            Expr::Array(_) => strong("array"),
            Expr::Exists { .. } => strong("exists"),
            Expr::Extract { .. } => strong("extract"),
            Expr::Substring { shorthand, .. } => {
                strong(if *shorthand { "substr" } else { "substring" })
            }
            Expr::Position { .. } => strong("position"),
            Expr::BinaryOp {
                op: BinaryOperator::Overlaps,
                ..
            } => strong("overlaps"),
            Expr::Overlay { .. } => strong("overlay"),
            Expr::Ceil { .. } => strong("ceil"),
            Expr::Floor { .. } => strong("floor"),
            Expr::Interval(_) => Some(("interval".into(), 1)),
            Expr::AtTimeZone { .. } => strong("timezone"),
            Expr::Trim { trim_where, .. } => strong(match trim_where {
                Some(TrimWhereField::Leading) => "ltrim",
                Some(TrimWhereField::Trailing) => "rtrim",
                _ => "btrim",
            }),
            Expr::Subquery(q) => Some((self.query(q)?.into_iter().next()?.name, 2)),
            _ => None,
        }
    }

    /// A result column named `name` for the expression `e`.
    fn result_column(&mut self, name: String, e: &Expr, scope: &[Source]) -> ResultColumn {
        let ty = self.expr_type(e, scope);
        let scale = match ty {
            Some(oid::NUMERIC) => self.expr_scale(e, scope),
            _ => None,
        };
        ResultColumn { name, ty, scale }
    }

    /// The column `e` names in `scope`, if it is a column reference.
    fn column_ref<'s>(&self, e: &Expr, scope: &'s [Source]) -> Option<&'s ResultColumn> {
        let (table, column) = match e {
            Expr::Identifier(id) => (None, folded(id)),
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => (
                Some(folded(&parts[parts.len() - 2])),
                folded(&parts[parts.len() - 1]),
            ),
            _ => return None,
        };
        scope
            .iter()
            .filter(|s| table.as_ref().is_none_or(|t| *t == s.name))
            .find_map(|s| {
                s.columns
                    .as_ref()?
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(&column))
            })
    }

    /// The display scale of the numeric values of `e`, where every value has the same one
    /// (PostgreSQL's numeric carries its scale per value): the declared scale of a
    /// `numeric(p, s)` column or cast, the digits a literal is written with, 0 for
    /// integers; the larger scale of `+`, `-` and `%` operands, their sum for `*`; the
    /// argument's for `sum`, `min`, `max` and `abs`, `n` for `round(x, n)`/`trunc(x, n)`.
    /// `None` where values may differ (division and `avg`, whose scale depends on the
    /// values; plain `numeric` columns; CASE and COALESCE over different scales).
    fn expr_scale(&mut self, e: &Expr, scope: &[Source]) -> Option<u16> {
        let integer = |ty: Option<Oid>| matches!(ty, Some(oid::INT2 | oid::INT4 | oid::INT8));
        match e {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                let column = self.column_ref(e, scope)?;
                match column.scale {
                    Some(scale) => Some(scale),
                    None if integer(column.ty) => Some(0),
                    None => None,
                }
            }
            Expr::Value(v) => match &v.value {
                Value::Number(text, _) => {
                    let scale = crate::value::numeric::Decimal::parse(text.as_bytes())
                        .ok()?
                        .dscale();
                    u16::try_from(scale).ok()
                }
                _ => None,
            },
            Expr::Nested(inner) => self.expr_scale(inner, scope),
            Expr::UnaryOp {
                op: UnaryOperator::Minus | UnaryOperator::Plus,
                expr,
            } => self.expr_scale(expr, scope),
            Expr::Cast {
                expr, data_type, ..
            } => match data_type_oid(data_type) {
                oid::NUMERIC => match numeric_type_scale(data_type) {
                    Some(scale) => Some(scale),
                    None => match self.expr_type(expr, scope) {
                        Some(oid::NUMERIC) => self.expr_scale(expr, scope),
                        ty if integer(ty) => Some(0),
                        _ => None,
                    },
                },
                oid::INT2 | oid::INT4 | oid::INT8 => Some(0),
                _ => None,
            },
            Expr::BinaryOp { left, op, right } => {
                let l = self.expr_scale(left, scope)?;
                let r = self.expr_scale(right, scope)?;
                match op {
                    BinaryOperator::Plus | BinaryOperator::Minus | BinaryOperator::Modulo => {
                        Some(l.max(r))
                    }
                    BinaryOperator::Multiply => l.checked_add(r),
                    _ => None,
                }
            }
            Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => {
                self.expr_scale(expr, scope).map(|_| 0)
            }
            Expr::Subquery(q) => self.query(q)?.into_iter().next()?.scale,
            Expr::Function(f) => {
                let name = last_name(&f.name)?;
                let args = function_args(&f.args);
                match (name.as_str(), args.as_slice()) {
                    ("sum" | "min" | "max" | "abs", [arg])
                    | ("lag" | "lead" | "first_value" | "last_value" | "nth_value", [arg, ..]) => {
                        self.expr_scale(arg, scope)
                    }
                    ("round" | "trunc", [_]) | ("ceil" | "ceiling" | "floor", [_]) => Some(0),
                    ("round" | "trunc", [_, places]) => match places {
                        Expr::Value(v) => match &v.value {
                            Value::Number(n, _) => {
                                Some(n.parse::<i64>().ok()?.clamp(0, 1000) as u16)
                            }
                            _ => None,
                        },
                        _ => None,
                    },
                    ("coalesce" | "greatest" | "least" | "nullif", [first, rest @ ..]) => {
                        let scale = self.expr_scale(first, scope)?;
                        for arg in rest {
                            if self.expr_scale(arg, scope)? != scale {
                                return None;
                            }
                        }
                        Some(scale)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The type of `e` in `scope`.
    /// Records the type of a column operand for the rewriter (see [`Description::typeofs`]).
    fn note_operand(&mut self, operand: &Expr, ty: Option<Oid>) {
        if let (Expr::Identifier(_) | Expr::CompoundIdentifier(_), Some(ty)) = (operand, ty) {
            self.typeofs.insert(operand.to_string(), ty);
        }
    }

    fn expr_type(&mut self, e: &Expr, scope: &[Source]) -> Option<Oid> {
        match e {
            // float8 to integer rounds half to even, numeric half away from zero.
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => {
                let from = self.expr_type(inner, scope);
                self.note_operand(inner, from);
                Some(data_type_oid(data_type))
            }
            Expr::Identifier(id) => {
                let name = folded(id);
                scope.iter().find_map(|s| {
                    s.columns
                        .as_ref()?
                        .iter()
                        .find(|c| c.name.eq_ignore_ascii_case(&name))
                        .and_then(|c| c.ty)
                })
            }
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let table = folded(&parts[parts.len() - 2]);
                let column = folded(&parts[parts.len() - 1]);
                let source = scope.iter().find(|s| s.name == table)?;
                source
                    .columns
                    .as_ref()?
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(&column))
                    .and_then(|c| c.ty)
            }
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(_)
                | Value::EscapedStringLiteral(_)
                | Value::DollarQuotedString(_) => Some(oid::TEXT),
                _ => expr_type(e),
            },
            Expr::Nested(inner) => self.expr_type(inner, scope),
            Expr::UnaryOp { op, expr } => match op {
                UnaryOperator::Not => Some(oid::BOOL),
                _ => self.expr_type(expr, scope),
            },
            Expr::BinaryOp { op, .. } if is_comparison(op) => Some(oid::BOOL),
            Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => {
                match self.expr_type(expr, scope)? {
                    oid::NUMERIC => Some(oid::NUMERIC),
                    _ => Some(oid::FLOAT8),
                }
            }
            Expr::BinaryOp { left, op, right } => {
                let l = self.expr_type(left, scope);
                let r = self.expr_type(right, scope);
                // Column operands of + and - are typed for the rewriter (date + integer
                // is day arithmetic, timestamptz + interval keeps the zone).
                if matches!(
                    op,
                    BinaryOperator::Plus | BinaryOperator::Minus | BinaryOperator::Divide
                ) {
                    self.note_operand(left, l);
                    self.note_operand(right, r);
                }
                binary_type(l?, op, r?).or_else(|| expr_type(e))
            }
            Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::IsTrue(_)
            | Expr::IsFalse(_)
            | Expr::IsNotTrue(_)
            | Expr::IsNotFalse(_)
            | Expr::IsDistinctFrom(..)
            | Expr::IsNotDistinctFrom(..)
            | Expr::In { .. }
            | Expr::Between { .. }
            | Expr::Like { .. }
            | Expr::ILike { .. }
            | Expr::SimilarTo { .. }
            | Expr::Exists { .. }
            | Expr::AnyOp { .. }
            | Expr::AllOp { .. } => Some(oid::BOOL),
            Expr::Position { .. } => Some(oid::INT4),
            Expr::Case {
                conditions,
                else_result,
                ..
            } => conditions
                .iter()
                .find_map(|w| self.expr_type(&w.result, scope))
                .or_else(|| else_result.as_ref().and_then(|e| self.expr_type(e, scope))),
            Expr::Subquery(q) => self.query(q)?.into_iter().next()?.ty,
            Expr::Function(f) => {
                let name = last_name(&f.name)?;
                let args = function_args(&f.args);
                let arg = |d: &mut Self, i: usize| args.get(i).and_then(|a| d.expr_type(a, scope));
                match name.as_str() {
                    "pg_typeof" => {
                        if let (Some(a), Some(ty)) = (args.first(), arg(self, 0)) {
                            self.typeofs.insert(a.to_string(), ty);
                        }
                        Some(oid::REGTYPE)
                    }
                    "count" => Some(oid::INT8),
                    // array_agg of booleans writes t/f: the rewriter needs the type.
                    "array_agg" => {
                        let ty = arg(self, 0);
                        if let Some(a) = args.first() {
                            self.note_operand(a, ty);
                        }
                        ty.and_then(|t| match crate::protocol::types::element_of(t) {
                            Some(_) => Some(t),
                            None => crate::protocol::types::array_of(t),
                        })
                    }
                    // date_trunc(field, date) works on the date as a timestamptz.
                    "date_trunc" => {
                        let ty = arg(self, 1);
                        if let Some(a) = args.get(1) {
                            self.note_operand(a, ty);
                        }
                        Some(match ty {
                            Some(oid::DATE | oid::TIMESTAMPTZ) => oid::TIMESTAMPTZ,
                            Some(oid::INTERVAL) => oid::INTERVAL,
                            _ => oid::TIMESTAMP,
                        })
                    }
                    "sum" => arg(self, 0).map(|t| match t {
                        oid::INT2 | oid::INT4 => oid::INT8,
                        oid::FLOAT4 | oid::FLOAT8 => oid::FLOAT8,
                        _ => oid::NUMERIC,
                    }),
                    "avg" => arg(self, 0).map(|t| match t {
                        oid::FLOAT4 | oid::FLOAT8 => oid::FLOAT8,
                        _ => oid::NUMERIC,
                    }),
                    // Window functions that return a row's value keep its type.
                    "lag" | "lead" | "first_value" | "last_value" | "nth_value" => arg(self, 0),
                    "percent_rank" | "cume_dist" => Some(oid::FLOAT8),
                    "generate_series" => {
                        let FunctionArguments::List(list) = &f.args else {
                            return None;
                        };
                        self.series_column("generate_series", &list.args)?.pop()?.ty
                    }
                    "min" | "max" | "abs" | "coalesce" | "nullif" | "greatest" | "least" => {
                        (0..args.len()).find_map(|i| arg(self, i))
                    }
                    // Integer arguments resolve to the float8 variant (float8 is the
                    // preferred numeric type); round(x, n) and trunc(x, n) exist for
                    // numeric only.
                    "round" | "trunc" | "ceil" | "ceiling" | "floor" | "sign" | "power" | "pow"
                    | "sqrt" | "exp" | "ln" | "log" | "log10" => {
                        let numeric = (0..args.len()).any(|i| arg(self, i) == Some(oid::NUMERIC));
                        let two_arg_numeric =
                            args.len() == 2 && matches!(name.as_str(), "round" | "trunc");
                        if numeric || two_arg_numeric {
                            Some(oid::NUMERIC)
                        } else {
                            (0..args.len())
                                .find_map(|i| arg(self, i))
                                .map(|_| oid::FLOAT8)
                        }
                    }
                    "cbrt" | "pi" => Some(oid::FLOAT8),
                    "div" | "factorial" => Some(oid::NUMERIC),
                    "gcd" | "lcm" | "mod" => (0..args.len()).find_map(|i| arg(self, i)),
                    "width_bucket" => Some(oid::INT4),
                    _ => super::infer::function_result_type(&name).or_else(|| expr_type(e)),
                }
            }
            _ => expr_type(e),
        }
    }
}

/// The scale of a `numeric(p, s)` type (0 for `numeric(p)`); `None` for plain `numeric`
/// and other types.
fn numeric_type_scale(data_type: &sqlparser::ast::DataType) -> Option<u16> {
    use sqlparser::ast::{DataType, ExactNumberInfo};
    match data_type {
        DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info) => match info {
            ExactNumberInfo::None => None,
            ExactNumberInfo::Precision(_) => Some(0),
            ExactNumberInfo::PrecisionAndScale(_, s) => u16::try_from(*s).ok(),
        },
        _ => None,
    }
}

/// The scale of a column declared `numeric(p, s)` (or `decimal(p, s)`), from the type
/// name as written.
pub fn declared_scale(declared: &str) -> Option<u16> {
    let lower = declared.trim().to_ascii_lowercase();
    let args = lower
        .strip_prefix("numeric")
        .or_else(|| lower.strip_prefix("decimal"))?
        .trim()
        .strip_prefix('(')?
        .strip_suffix(')')?;
    match args.split_once(',') {
        Some((_, scale)) => scale.trim().parse().ok(),
        None => args.trim().parse::<u32>().ok().map(|_| 0),
    }
}

fn is_comparison(op: &BinaryOperator) -> bool {
    use BinaryOperator::*;
    matches!(
        op,
        Eq | NotEq | Lt | LtEq | Gt | GtEq | And | Or | Spaceship
    )
}

fn rename(source: &mut Source, aliases: &[sqlparser::ast::TableAliasColumnDef]) {
    if aliases.is_empty() {
        return;
    }
    match &mut source.columns {
        Some(columns) => {
            for (c, a) in columns.iter_mut().zip(aliases) {
                c.name = folded(&a.name);
            }
        }
        None => {
            source.columns = Some(
                aliases
                    .iter()
                    .map(|a| ResultColumn {
                        name: folded(&a.name),
                        ty: a.data_type.as_ref().map(data_type_oid),
                        scale: a.data_type.as_ref().and_then(numeric_type_scale),
                    })
                    .collect(),
            )
        }
    }
}

fn function_args(args: &FunctionArguments) -> Vec<&Expr> {
    match args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                FunctionArg::Named {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    /// Describes `sql` against tables t(id int4, n numeric) and u(id int8, name text).
    fn described(sql: &str) -> Description {
        let statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        let column = |name: &str, ty: Oid| TableColumn {
            name: name.into(),
            ty,
            declared: type_name(ty).into(),
        };
        let mut catalog = |table: &str| match table {
            "t" => vec![column("id", oid::INT4), column("n", oid::NUMERIC)],
            "u" => vec![column("id", oid::INT8), column("name", oid::TEXT)],
            _ => vec![],
        };
        describe(&statement, &mut catalog)
    }

    fn columns_of(sql: &str) -> Vec<(String, Option<Oid>)> {
        described(sql)
            .columns
            .unwrap()
            .into_iter()
            .map(|c| (c.name, c.ty))
            .collect()
    }

    fn scales_of(sql: &str) -> Vec<Option<u16>> {
        let statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        let column = |name: &str, ty: Oid, declared: &str| TableColumn {
            name: name.into(),
            ty,
            declared: declared.into(),
        };
        let mut catalog = |table: &str| match table {
            "p" => vec![
                column("i", oid::INT4, "int"),
                column("price", oid::NUMERIC, "numeric(10,2)"),
                column("rate", oid::NUMERIC, "NUMERIC(8, 4)"),
                column("x", oid::NUMERIC, "numeric"),
            ],
            _ => vec![],
        };
        describe(&statement, &mut catalog)
            .columns
            .unwrap()
            .into_iter()
            .map(|c| c.scale)
            .collect()
    }

    #[test]
    fn numeric_display_scales() {
        assert_eq!(
            scales_of(
                "SELECT price, price * 2, price + 0.001, price * rate, -price, sum(price), round(x, 3), x, price / 3, avg(price), i FROM p"
            ),
            vec![
                Some(2),
                Some(2),
                Some(3),
                Some(6),
                Some(2),
                Some(2),
                Some(3),
                None,
                None,
                None,
                None,
            ]
        );
        assert_eq!(
            scales_of("SELECT 1.50, 1e3, 10::numeric, 12.3456::numeric(6,2), 1.5::float8::numeric"),
            vec![Some(2), Some(0), Some(0), Some(2), None]
        );
        // A scale holds only where every row has it.
        assert_eq!(scales_of("SELECT 1.5 UNION SELECT 2.25"), vec![None]);
        assert_eq!(scales_of("VALUES (1.5), (2.25)"), vec![None]);
        assert_eq!(scales_of("VALUES (1.5), (2.2)"), vec![Some(1)]);
        assert_eq!(scales_of("SELECT coalesce(price, 0) FROM p"), vec![None]);
        assert_eq!(
            scales_of("SELECT coalesce(price, 0.00) FROM p"),
            vec![Some(2)]
        );
        assert_eq!(declared_scale("decimal(5)"), Some(0));
        assert_eq!(declared_scale("numeric"), None);
    }

    fn params_of(sql: &str) -> Vec<(usize, Oid)> {
        let mut params: Vec<(usize, Oid)> = described(sql).params.into_iter().collect();
        params.sort();
        params
    }

    #[test]
    fn parameters_are_typed_by_their_scope() {
        // `id` in the subquery is u's (int8), though t comes first in the text.
        assert_eq!(
            params_of("SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE id = $1) AND n > $2"),
            vec![(1, oid::INT8), (2, oid::NUMERIC)]
        );
        assert_eq!(
            params_of("SELECT x.name FROM t JOIN u x ON x.id = $1 WHERE t.id = $2"),
            vec![(1, oid::INT8), (2, oid::INT4)]
        );
        assert_eq!(
            params_of("INSERT INTO u (name, id) VALUES ($1, $2) RETURNING id"),
            vec![(1, oid::TEXT), (2, oid::INT8)]
        );
        assert_eq!(
            params_of("UPDATE t SET n = $1 WHERE id = $2"),
            vec![(1, oid::NUMERIC), (2, oid::INT4)]
        );
        assert_eq!(
            params_of("SELECT * FROM t WHERE id IN ($1, $2) OR id = ANY($3) LIMIT $4 OFFSET $5"),
            vec![
                (1, oid::INT4),
                (2, oid::INT4),
                (3, crate::protocol::types::array_of(oid::INT4).unwrap()),
                (4, oid::INT8),
                (5, oid::INT8)
            ]
        );
        assert_eq!(
            params_of("WITH c AS (SELECT id FROM u) SELECT $2::date FROM c WHERE id = $1"),
            vec![(1, oid::INT8), (2, oid::DATE)]
        );
        assert_eq!(
            params_of("DELETE FROM u WHERE name LIKE $1 AND id BETWEEN $2 AND $3"),
            vec![(1, oid::TEXT), (2, oid::INT8), (3, oid::INT8)]
        );
    }

    #[test]
    fn names_and_types_follow_scope() {
        assert_eq!(
            columns_of(
                "SELECT id, u.id, id / 2, x.name AS who, count(*), '1'::int, id::text FROM t JOIN u x ON true JOIN u ON true"
            ),
            vec![
                ("id".into(), Some(oid::INT4)),
                ("id".into(), Some(oid::INT8)),
                ("?column?".into(), Some(oid::INT4)),
                ("who".into(), Some(oid::TEXT)),
                ("count".into(), Some(oid::INT8)),
                ("int4".into(), Some(oid::INT4)),
                ("id".into(), Some(oid::TEXT)),
            ]
        );
        assert_eq!(
            columns_of(
                "WITH c(k) AS (SELECT name FROM u) SELECT * FROM c, (SELECT sum(id) s FROM t) d"
            ),
            vec![("k".into(), Some(oid::TEXT)), ("s".into(), Some(oid::INT8))]
        );
        assert_eq!(
            columns_of("SELECT true, 1.5, sum(n), avg(id) FROM t"),
            vec![
                ("?column?".into(), Some(oid::BOOL)),
                ("?column?".into(), Some(oid::NUMERIC)),
                ("sum".into(), Some(oid::NUMERIC)),
                ("avg".into(), Some(oid::NUMERIC)),
            ]
        );
    }
}
