//! One parse per statement text: what the statement is, what it touches, and the SQL
//! SQLite runs for it.
//!
//! [`analyze`] parses with `sqlparser`'s PostgreSQL dialect and rewrites the syntax tree
//! ([`super::rewrite`]). Text the PostgreSQL dialect rejects yields a [`SyntaxError`]
//! that points into the client's text; the caller may still hand such text to SQLite
//! (its own syntax, `PRAGMA` for one, passes through untouched).

use super::command::{CommandTag, StatementKind, command_tag};
use super::describe::{Catalog, ResultColumn, describe};
use super::rewrite;
use crate::error::{PgError, SqlState};
use smallvec::SmallVec;
use sqlparser::ast::{ObjectName, SetExpr, Statement, Visit, Visitor};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::ops::ControlFlow;

/// What running a statement does, beyond producing rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Reads only (`SELECT`, `VALUES`).
    Read,
    /// Changes rows (`INSERT`, `UPDATE`, `DELETE`, `MERGE`, `TRUNCATE`).
    Write,
    /// Changes the schema (`CREATE`, `DROP`, `ALTER`): prepared statements may be stale.
    Schema,
    /// Controls a transaction (`BEGIN`, `COMMIT`, `SAVEPOINT`, ...).
    Transaction,
    /// Anything else.
    Other,
}

/// What one statement text is, from one parse.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The statement as SQLite runs it.
    pub sql: String,
    /// The kind, which decides what the command tag counts.
    pub kind: StatementKind,
    /// The CommandComplete tag.
    pub tag: CommandTag,
    /// What running it does.
    pub effect: Effect,
    /// The tables and views it names (as written, without `public.`).
    pub tables: SmallVec<[String; 4]>,
    /// Result columns with PostgreSQL's names and the types the text and schema tell,
    /// when they can all be listed.
    pub columns: Option<Vec<ResultColumn>>,
    /// A statement pgsqlite cannot run as SQL: refused, or answered with nothing to do.
    pub unsupported: Option<super::unsupported::Unsupported>,
    /// Parameter types by `$n` number, resolved through the scope each parameter sits in
    /// (see [`super::describe::Description::params`]).
    pub params: std::collections::HashMap<usize, crate::protocol::types::Oid>,
    /// The type of each result column, where the syntax tree shows it (empty when
    /// unknown; see [`rewrite::types::projection_types`]).
    pub column_types: SmallVec<[Option<crate::protocol::types::Oid>; 8]>,
    /// What of the catalog the statement reads, after the rewrite: the executor brings
    /// the catalog up to date before running it.
    pub catalog: CatalogUse,
    /// Result column types derived from table columns or shown by json and array
    /// expressions, one per select-list item (see [`super::columns`]).
    pub derived_types: SmallVec<[super::columns::ColumnType; 8]>,
    /// An `ALTER TABLE` SQLite cannot run, as the edit of the table's definition that
    /// stands for it.
    pub edit: Option<super::alter::TableEdit>,
    /// It had a row-locking clause (`FOR UPDATE`, `FOR SHARE`, ...), which SQLite runs
    /// without, or it calls `nextval`/`setval`: the write lock stands in for the row
    /// locks, and the sequence is written.
    pub locks_rows: bool,
}

/// The PostgreSQL dialect rejected the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// PostgreSQL's wording: `syntax error at or near "x"` or `syntax error at end of input`.
    pub message: String,
    /// 1-based character position in the client's text, if known.
    pub position: Option<u32>,
}

impl SyntaxError {
    /// The ErrorResponse for it (42601).
    pub fn to_pg_error(&self) -> PgError {
        let err = PgError::new(SqlState::SYNTAX_ERROR, self.message.clone());
        match self.position {
            Some(p) => err.with_position(p),
            None => err,
        }
    }
}

/// Parses, describes and rewrites one statement; `catalog` tells the types of table
/// columns.
pub fn analyze(text: &str, catalog: &mut dyn Catalog) -> Result<Analysis, SyntaxError> {
    let plain = rewrite::plain_lock_strengths(text);
    let text = plain.as_deref().unwrap_or(text);
    let mut statements =
        Parser::parse_sql(&PostgreSqlDialect {}, text).map_err(|e| syntax_error(text, &e))?;
    if statements.len() != 1 {
        return Err(SyntaxError {
            message: "cannot insert multiple commands into a prepared statement".into(),
            position: None,
        });
    }
    let mut statement = statements.pop().expect("one statement");
    let unsupported = super::unsupported::check(&statement);
    let (kind, tag, effect) = classify(&statement, text);
    let mut tables = Tables::default();
    let _ = statement.visit(&mut tables);
    let derived_types = super::columns::result_types(&statement);
    let description = describe(&statement, catalog);
    let locks_rows =
        rewrite::take_row_locks(&mut statement) | rewrite::changes_sequences(&statement);
    rewrite::rewrite(&mut statement, catalog, &description.typeofs);
    let edit = super::alter::edit_of(&mut statement);
    let columns = description.columns;
    let params = description.params;
    let column_types = rewrite::types::projection_types(&statement);
    let mut catalog_use = CatalogUse::default();
    let _ = statement.visit(&mut catalog_use);
    Ok(Analysis {
        unsupported,
        params,
        column_types,
        derived_types,
        sql: statement.to_string(),
        kind,
        tag,
        effect,
        tables: tables.0,
        columns,
        locks_rows,
        edit,
        catalog: catalog_use,
    })
}

fn classify(statement: &Statement, text: &str) -> (StatementKind, CommandTag, Effect) {
    let counted = |t: &'static str| CommandTag {
        text: t.into(),
        with_count: true,
    };
    match statement {
        Statement::Query(query) => {
            let kind = match query.body.as_ref() {
                SetExpr::Values(_) => StatementKind::Values,
                _ => StatementKind::Select,
            };
            (kind, counted("SELECT"), Effect::Read)
        }
        Statement::Insert(_) => (StatementKind::Insert, counted("INSERT 0"), Effect::Write),
        Statement::Update(_) => (StatementKind::Update, counted("UPDATE"), Effect::Write),
        Statement::Delete(_) => (StatementKind::Delete, counted("DELETE"), Effect::Write),
        other => {
            let effect = match other {
                Statement::CreateTable(_)
                | Statement::CreateVirtualTable { .. }
                | Statement::CreateView(_)
                | Statement::CreateIndex(_)
                | Statement::CreateTrigger(_)
                | Statement::CreateSchema { .. }
                | Statement::AlterTable(_)
                | Statement::AlterIndex { .. }
                | Statement::AlterView(_)
                | Statement::Drop { .. }
                | Statement::DropTrigger(_) => Effect::Schema,
                Statement::Merge(_) | Statement::Truncate(_) => Effect::Write,
                Statement::StartTransaction { .. }
                | Statement::Commit { .. }
                | Statement::Rollback { .. }
                | Statement::Savepoint { .. }
                | Statement::ReleaseSavepoint { .. } => Effect::Transaction,
                _ => Effect::Other,
            };
            (StatementKind::Other, command_tag(text), effect)
        }
    }
}

/// Collects the relations a statement names.
#[derive(Default)]
struct Tables(SmallVec<[String; 4]>);

impl Visitor for Tables {
    type Break = ();

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        let name = relation
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(|id| match id.quote_style {
                Some(_) => id.value.clone(),
                None => id.value.to_lowercase(),
            });
        if let Some(name) = name
            && !self.0.contains(&name)
        {
            self.0.push(name);
        }
        ControlFlow::Continue(())
    }
}

/// What of the catalog a (rewritten) statement reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CatalogUse {
    /// A `pg_catalog` or `information_schema` relation, or a function that looks one up.
    pub reads: bool,
    /// `pg_settings`, which shows the session's parameters.
    pub settings: bool,
}

impl Visitor for CatalogUse {
    type Break = ();

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        let parts: SmallVec<[&str; 2]> = relation
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(|i| i.value.as_str()))
            .collect();
        if let [schema, table] = parts.as_slice()
            && (*schema == "pg_catalog" || *schema == "information_schema")
        {
            self.reads = true;
            self.settings |= table.eq_ignore_ascii_case("pg_settings");
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &sqlparser::ast::Expr) -> ControlFlow<()> {
        if let sqlparser::ast::Expr::Function(f) = expr
            && let Some(name) = f.name.0.last().and_then(|p| p.as_ident())
            && crate::executor::catalog::is_catalog_function(&name.value)
        {
            self.reads = true;
        }
        ControlFlow::Continue(())
    }
}

/// Turns a parser error (`... found: x at Line: 1, Column: 8`) into PostgreSQL's wording
/// with a position in `text`.
fn syntax_error(text: &str, err: &sqlparser::parser::ParserError) -> SyntaxError {
    let message = err.to_string();
    let found = message
        .rsplit_once("found: ")
        .map(|(_, rest)| rest.split(" at Line: ").next().unwrap_or(rest).trim());
    let position = message
        .rsplit_once("Line: ")
        .and_then(|(_, rest)| {
            let (line, rest) = rest.split_once(", Column: ")?;
            let column = rest.trim().parse::<usize>().ok()?;
            Some((line.trim().parse::<usize>().ok()?, column))
        })
        .and_then(|(line, column)| char_position(text, line, column));
    match found {
        Some("EOF") => SyntaxError {
            message: "syntax error at end of input".into(),
            position: u32::try_from(text.chars().count() + 1).ok(),
        },
        Some(token) => SyntaxError {
            message: format!("syntax error at or near \"{token}\""),
            position,
        },
        None => SyntaxError {
            message: "syntax error".into(),
            position,
        },
    }
}

/// The 1-based character position of (1-based) `line` and `column`.
fn char_position(text: &str, line: usize, column: usize) -> Option<u32> {
    let mut chars_before = 0usize;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            return u32::try_from(chars_before + column).ok();
        }
        chars_before += l.chars().count() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_parse_gives_kind_tag_effect_tables_and_sql() {
        let none = &mut |_: &str| Vec::new();
        let a = analyze(
            "UPDATE public.t SET n = n / 2 FROM u WHERE t.id = u.id",
            none,
        )
        .unwrap();
        assert_eq!(a.kind, StatementKind::Update);
        assert_eq!(a.tag.text, "UPDATE");
        assert_eq!(a.effect, Effect::Write);
        assert_eq!(a.tables.as_slice(), ["t", "u"]);
        assert_eq!(
            a.sql,
            "UPDATE t SET n = pg_div(n, 2) FROM u WHERE t.id = u.id"
        );

        let a = analyze("create unique index i on t (a)", none).unwrap();
        assert_eq!(a.tag.text, "CREATE INDEX");
        assert_eq!(a.effect, Effect::Schema);
    }

    #[test]
    fn syntax_errors_point_into_the_clients_text() {
        let err = analyze("SELECT 1 FROM\n  t WHERE )", &mut |_: &str| Vec::new()).unwrap_err();
        assert_eq!(err.message, "syntax error at or near \")\"");
        assert_eq!(err.position, Some(25));
        let err = analyze("SELECT (1", &mut |_: &str| Vec::new()).unwrap_err();
        assert_eq!(err.message, "syntax error at end of input");
    }
}
