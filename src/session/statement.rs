//! Prepared statements: what a session knows about a statement, cached by its SQL text.

use crate::error::{Error, SqlState};
use crate::executor::Executor;
use crate::protocol::types::{Oid, oid};
use crate::sql::analyze::{Effect, analyze};
use crate::sql::columns::ColumnType;
use crate::sql::command::{Command, CommandTag, StatementKind, command_tag};
use crate::sql::copy::CopyStatement;
use crate::sql::infer::{
    ParamSource, parameter_hints, referenced_tables, result_column_hints, result_column_names,
};
use crate::sql::maintenance::{Rewrite, Steps, rewrite};
use smallvec::SmallVec;
use std::collections::HashMap;
use std::rc::Rc;

/// A result column of a prepared statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The column name sent in RowDescription.
    pub name: String,
    /// The type, if the declared column type or the expression tells it; `None` means
    /// "take it from the first row's value" (simple query) or text (extended query).
    pub ty: Option<Oid>,
    /// For `numeric` columns: the display scale every value is printed with, where the
    /// column's declaration or the statement fixes it.
    pub scale: Option<u16>,
}

/// A statement for SQLite.
#[derive(Debug)]
pub struct SqlStatement {
    /// The SQL SQLite runs (PostgreSQL-isms translated, `$n` as `?n`).
    pub sql: String,
    /// What the statement does (decides the command tag's count).
    pub kind: StatementKind,
    /// The CommandComplete tag.
    pub tag: CommandTag,
    /// Result columns; empty for statements without rows.
    pub columns: Vec<Column>,
    /// Parameter types, inferred from the statement text where it shows them.
    pub param_types: SmallVec<[Oid; 8]>,
    /// True if running it cannot change the database.
    pub read_only: bool,
    /// True for CREATE / DROP / ALTER: cached statements must be forgotten afterwards.
    pub changes_schema: bool,
    /// `SELECT ... FOR UPDATE` and friends: inside a transaction the write lock is taken
    /// before it runs (the clause itself is gone from `sql`).
    pub locks_rows: bool,
    /// What of the catalog it reads (refreshed before each run).
    pub catalog: crate::sql::analyze::CatalogUse,
}

/// A parsed statement: SQL for SQLite, a command the session handles itself, or nothing.
#[derive(Debug)]
pub enum Prepared {
    /// An empty query string (answered with EmptyQueryResponse).
    Empty,
    /// Handled by the session: transactions, SET/SHOW/RESET and friends.
    Control(Command),
    /// Run by the executor.
    Sql(SqlStatement),
    /// COPY: run by the session's COPY sub-protocol.
    Copy(CopyStatement),
    /// A statement SQLite runs as several (or none): see [`crate::sql::maintenance`].
    Steps(Steps),
    /// An `ALTER TABLE` the executor makes by editing the table's definition: see
    /// [`crate::sql::alter`].
    Edit(crate::sql::alter::TableEdit),
}

impl Prepared {
    /// Parses, translates and describes one statement.
    pub fn new<E: Executor>(exec: &mut E, statement: &str) -> Result<Prepared, Error> {
        // A statement-cache miss, counted for `statements.prepared`.
        crate::context::with_current(|context| context.counters().statement_prepared());
        // Nothing but whitespace, semicolons and comments: PostgreSQL answers such a
        // statement with EmptyQueryResponse, in either protocol.
        if crate::sql::split::split_statements(statement).is_empty() {
            return Ok(Prepared::Empty);
        }
        match rewrite(statement) {
            Some(Rewrite::Steps(steps)) => return Ok(Prepared::Steps(steps)),
            Some(Rewrite::Text(text)) => return Prepared::new(exec, &text),
            Some(Rewrite::Refused(err)) => return Err(err.into()),
            None => {}
        }
        let kind = match Command::parse(statement) {
            Command::Statement(kind) => kind,
            Command::Copy => return Ok(Prepared::Copy(CopyStatement::parse(statement)?)),
            control => return Ok(Prepared::Control(control)),
        };
        // One parse on the PostgreSQL dialect gives the kind, tag and SQLite SQL. Text it
        // rejects goes to SQLite as the token translator leaves it (SQLite's own syntax,
        // such as PRAGMA); if SQLite rejects it too, the client hears the parser's error,
        // which points into the text it sent.
        let mut tree_types: smallvec::SmallVec<[Option<Oid>; 8]> = Default::default();
        let mut derived_types = SmallVec::<[ColumnType; 8]>::new();
        let mut tables: SmallVec<[String; 4]> = SmallVec::new();
        let mut catalog = crate::sql::analyze::CatalogUse::default();
        let mut analyzed = analyze(statement, &mut |table: &str| exec.table_columns(table));
        if let Ok(analysis) = &analyzed
            && analysis.catalog.reads
        {
            // The first statement of the session that reads the catalog attaches it;
            // analysed again, its catalog columns have their types. Later ones bring it
            // up to date before SQLite prepares them (its tables may have gone with a
            // rolled-back transaction).
            let attached = exec.catalog_attached();
            exec.refresh_catalog(false)?;
            if !attached {
                analyzed = analyze(statement, &mut |table: &str| exec.table_columns(table));
            }
        }
        let mut scoped_params = std::collections::HashMap::new();
        let mut locks_rows = false;
        let (sql, kind, tag, changes_schema, info, described) = match analyzed {
            Ok(analysis) if analysis.unsupported.is_some() => {
                use crate::sql::unsupported::Unsupported;
                return match analysis.unsupported.expect("checked") {
                    Unsupported::Refused(err) => Err(err.into()),
                    Unsupported::NothingToDo(tag) => Ok(Prepared::Steps(Steps {
                        statements: Vec::new(),
                        tag,
                        outside_block: false,
                        changes_schema: false,
                        skipped: None,
                    })),
                };
            }
            Ok(analysis) if analysis.edit.is_some() => {
                return Ok(Prepared::Edit(analysis.edit.expect("checked")));
            }
            Ok(analysis) => {
                locks_rows = analysis.locks_rows;
                scoped_params = analysis.params;
                let mut info = exec.describe(&analysis.sql)?;
                let schema = analysis.effect == Effect::Schema;
                if schema {
                    // DDL has no rows, whatever SQLite runs for it (`ADD CONSTRAINT` is
                    // a check query with a column).
                    info.columns.clear();
                }
                let described = analysis.columns.filter(|c| c.len() == info.columns.len());
                tree_types = analysis.column_types;
                derived_types = analysis.derived_types;
                tables = analysis.tables;
                catalog = analysis.catalog;
                (
                    analysis.sql,
                    analysis.kind,
                    analysis.tag,
                    schema,
                    info,
                    described,
                )
            }
            Err(syntax) => {
                let sql = crate::sql::passthrough::sqlite_text(statement).into_owned();
                let info = exec.describe(&sql).map_err(|err| match err {
                    Error::Pg(e) if e.code == SqlState::SYNTAX_ERROR => {
                        Error::Pg(syntax.to_pg_error())
                    }
                    other => other,
                })?;
                let tag = command_tag(statement);
                let schema = ["CREATE", "DROP", "ALTER"]
                    .iter()
                    .any(|verb| tag.text.starts_with(verb));
                (sql, kind, tag, schema, info, None)
            }
        };

        let tree_align = tree_types.len() == info.columns.len();
        let tree_type = |i: usize| tree_types.get(i).copied().flatten().filter(|_| tree_align);
        let derived_align = derived_types.len() == info.columns.len();
        let mut derived_type = |i: usize| {
            if !derived_align {
                return None;
            }
            derived_types[i].resolve(|column| {
                tables.iter().find_map(|t| {
                    exec.table_columns(t)
                        .into_iter()
                        .find(|c| c.name.eq_ignore_ascii_case(column))
                        .map(|c| c.ty)
                })
            })
        };
        let columns = match described {
            // The parsed statement names and types its columns as PostgreSQL does.
            // SQLite's declared type wins where a column comes straight from a table;
            // json and array types derived from the tree come next (the description
            // does not know them), then the description's type, then the rewritten
            // tree's (pgsqlite's own functions).
            Some(described) => info
                .columns
                .into_iter()
                .zip(described)
                .enumerate()
                .map(|(i, (c, d))| {
                    let derived = derived_type(i);
                    let container = derived.filter(|&t| {
                        t == oid::JSON
                            || t == oid::JSONB
                            || crate::protocol::types::element_of(t).is_some()
                    });
                    // A column straight from a table has its declared scale.
                    let scale = match &c.declared_type {
                        Some(declared) => crate::sql::describe::declared_scale(declared),
                        None => d.scale,
                    };
                    Column {
                        name: d.name,
                        scale,
                        ty: declared_oid(&c)
                            .or(container)
                            .or(d.ty)
                            .or_else(|| tree_type(i))
                            .or(derived),
                    }
                })
                .collect(),
            None => token_columns(statement, info.columns),
        };

        // Types resolved through the statement's scopes come first; the text's hints
        // place the rest (parameters in function arguments, say).
        let mut param_types = infer_parameters(exec, statement, info.param_count);
        for (n, ty) in scoped_params {
            if let Some(slot) = n.checked_sub(1).and_then(|i| param_types.get_mut(i)) {
                *slot = ty;
            }
        }
        Ok(Prepared::Sql(SqlStatement {
            sql,
            kind,
            tag,
            columns,
            param_types,
            read_only: info.read_only,
            changes_schema,
            locks_rows,
            catalog,
        }))
    }

    /// The parameter types clients see in ParameterDescription.
    pub fn param_types(&self) -> &[Oid] {
        match self {
            Prepared::Sql(s) => &s.param_types,
            _ => &[],
        }
    }

    /// True for transaction control, which runs even in a failed transaction.
    pub fn is_transaction_exit(&self) -> bool {
        matches!(
            self,
            Prepared::Control(Command::Rollback | Command::Commit | Command::RollbackTo(_))
        )
    }
}

fn declared_oid(c: &crate::executor::ColumnInfo) -> Option<Oid> {
    c.declared_type
        .as_deref()
        .map(crate::protocol::types::oid_from_type_name)
}

/// Result columns of text the parser rejected: names and types from the token hints.
fn token_columns(statement: &str, columns: Vec<crate::executor::ColumnInfo>) -> Vec<Column> {
    let hints = result_column_hints(statement);
    let hints_align = hints.len() == columns.len();
    let mut names = result_column_names(statement);
    if names.len() != columns.len() {
        names.clear();
    }
    columns
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let hinted = if hints_align { hints[i] } else { None };
            let pg_name = names.get_mut(i).and_then(Option::take);
            Column {
                scale: c
                    .declared_type
                    .as_deref()
                    .and_then(crate::sql::describe::declared_scale),
                ty: declared_oid(&c).or(hinted),
                name: pg_name.unwrap_or(c.name),
            }
        })
        .collect()
}

/// Tables a statement names, with their aliases.
type Tables = SmallVec<[(String, Option<String>); 4]>;

/// Types for `$1..$count` from what the statement shows: casts, the columns parameters
/// are compared with or inserted into, LIMIT/OFFSET. Unknown ones are text.
fn infer_parameters<E: Executor>(
    exec: &mut E,
    statement: &str,
    count: usize,
) -> SmallVec<[Oid; 8]> {
    let mut types: SmallVec<[Oid; 8]> = SmallVec::from_elem(oid::UNSPECIFIED, count);
    if count == 0 {
        return types;
    }
    let hints = parameter_hints(statement);
    let mut tables: Option<Tables> = None;
    let mut columns_of: HashMap<String, Vec<(String, Oid)>> = HashMap::new();
    for hint in hints {
        let Some(slot) = hint.index.checked_sub(1).and_then(|i| types.get_mut(i)) else {
            continue;
        };
        if *slot != oid::UNSPECIFIED {
            continue;
        }
        let tables = tables.get_or_insert_with(|| referenced_tables(statement));
        let mut lookup = |table: &str| -> Vec<(String, Oid)> {
            columns_of
                .entry(table.to_string())
                .or_insert_with(|| {
                    exec.table_columns(table)
                        .into_iter()
                        .map(|c| (c.name, c.ty))
                        .collect()
                })
                .clone()
        };
        let found = match &hint.source {
            ParamSource::Cast(ty) => Some(*ty),
            ParamSource::Limit => Some(oid::INT8),
            ParamSource::InsertPosition { table, position } => {
                lookup(table).get(*position).map(|(_, ty)| *ty)
            }
            ParamSource::Column { table, column } | ParamSource::ColumnArray { table, column } => {
                let candidates: SmallVec<[&str; 4]> = match table {
                    Some(name) => tables
                        .iter()
                        .filter(|(t, alias)| {
                            t.eq_ignore_ascii_case(name)
                                || alias
                                    .as_deref()
                                    .is_some_and(|a| a.eq_ignore_ascii_case(name))
                        })
                        .map(|(t, _)| t.as_str())
                        .collect(),
                    None => tables.iter().map(|(t, _)| t.as_str()).collect(),
                };
                candidates.iter().find_map(|t| {
                    lookup(t)
                        .iter()
                        .find(|(c, _)| c.eq_ignore_ascii_case(column))
                        .map(|(_, ty)| *ty)
                })
            }
        };
        let found = match hint.source {
            ParamSource::ColumnArray { .. } => found.and_then(crate::protocol::types::array_of),
            _ => found,
        };
        if let Some(ty) = found {
            *slot = ty;
        }
    }
    for ty in &mut types {
        if *ty == oid::UNSPECIFIED {
            *ty = oid::TEXT;
        }
    }
    types
}

/// Prepared statements by SQL text, so a statement sent again (simple query, or a
/// driver's unnamed Parse) is not translated, inferred or prepared twice.
#[derive(Debug)]
pub struct StatementCache {
    entries: HashMap<Box<str>, Rc<Prepared>>,
    capacity: usize,
}

impl StatementCache {
    /// An empty cache holding at most `capacity` statements.
    pub fn new(capacity: usize) -> StatementCache {
        StatementCache {
            entries: HashMap::with_capacity(capacity.min(64)),
            capacity,
        }
    }

    /// The prepared form of `statement`, from the cache or freshly made.
    pub fn get<E: Executor>(
        &mut self,
        exec: &mut E,
        statement: &str,
    ) -> Result<Rc<Prepared>, Error> {
        if let Some(found) = self.entries.get(statement) {
            return Ok(found.clone());
        }
        let prepared = Rc::new(Prepared::new(exec, statement)?);
        if self.entries.len() >= self.capacity {
            // Simple and predictable: start over rather than track recency per hit.
            self.entries.clear();
        }
        self.entries.insert(statement.into(), prepared.clone());
        Ok(prepared)
    }

    /// Forgets everything (the schema changed).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// A statement created with Parse: the prepared form plus the client's parameter types.
#[derive(Debug, Clone)]
pub struct NamedStatement {
    /// The prepared statement (shared with the cache).
    pub prepared: Rc<Prepared>,
    /// Parameter types: the client's where it gave them, inferred elsewhere.
    pub param_types: SmallVec<[Oid; 8]>,
    /// The result types the client was told by Describe of this statement: portals made
    /// from it must send exactly these.
    pub described: Option<SmallVec<[Oid; 16]>>,
}

impl NamedStatement {
    /// Combines the client's declared types (0 = unspecified) with the inferred ones.
    pub fn new(prepared: Rc<Prepared>, declared: &[Oid]) -> NamedStatement {
        let inferred = prepared.param_types();
        let count = inferred.len().max(declared.len());
        let param_types = (0..count)
            .map(|i| match declared.get(i) {
                Some(&ty) if ty != oid::UNSPECIFIED => ty,
                _ => inferred.get(i).copied().unwrap_or(oid::TEXT),
            })
            .collect();
        NamedStatement {
            prepared,
            param_types,
            described: None,
        }
    }
}
