//! The SQL-text layer: what the server learns about a PostgreSQL query string before
//! SQLite sees it.
//!
//! There is no full SQL parser here. Everything works over the tokens of [`lexer`], which
//! follows PostgreSQL's lexical rules exactly (quotes, dollar quoting, nesting comments),
//! so keyword matching is case-insensitive and indifferent to comments and whitespace:
//!
//! - [`split`] cuts a simple-query string into statements;
//! - [`command`] classifies a statement (transaction control, `SET`/`SHOW`, or SQL for
//!   SQLite) and computes its CommandComplete tag;
//! - [`copy`](mod@copy) parses COPY statements (the session runs them);
//! - [`maintenance`] rewrites TRUNCATE, VACUUM, multi-table DROP, `WITH (fillfactor)`
//!   and `ADD PRIMARY KEY` into what SQLite runs;
//! - [`dump`] skips, with a warning, what pg_dump scripts say that SQLite cannot honour
//!   (comments, defaults and constraints added after `CREATE TABLE`);
//! - [`sequence`] turns `CREATE`/`ALTER`/`DROP SEQUENCE` into the sequence tables that
//!   `nextval` and `setval` work on;
//! - [`translate`](mod@translate) rewrites the few PostgreSQL spellings SQLite rejects
//!   (`$n`, `::` casts, `serial` and identity columns, function-call defaults, `ILIKE`,
//!   `E'...'` strings);
//! - [`infer`] derives type hints for result columns and parameters;
//! - [`parameterize`](mod@parameterize) lifts the constants out of a simple-query
//!   statement, so that statements differing only in constants share a cache entry.

pub mod alter;
pub mod analyze;
pub mod columns;
pub mod command;
pub mod copy;
pub mod describe;
pub mod dump;
pub mod infer;
pub mod lexer;
pub mod maintenance;
pub mod parameterize;
pub mod rewrite;
pub mod sequence;
pub mod split;
pub mod translate;

pub use analyze::{Analysis, Effect, SyntaxError, analyze};
pub use command::{Command, CommandTag, StatementKind, command_tag, statement_kind};
pub use infer::{
    ParamHint, ParamSource, parameter_hints, referenced_tables, result_column_hints,
    result_column_names,
};
pub use lexer::{Lexer, Token, TokenKind, tokenize};
pub use parameterize::{Literal, Parameterized, parameterize};
pub use split::split_statements;
pub use translate::{Translation, translate};
