//! The SQL front end: what the server learns about a PostgreSQL query string before
//! SQLite sees it.
//!
//! Each statement is parsed once, on `sqlparser`'s PostgreSQL dialect, by [`analyze`]:
//! its kind and tag, what it does, the tables it touches, result names and types and
//! parameter types through the statement's scopes ([`describe`]), and the SQLite SQL the
//! syntax tree is rewritten into ([`rewrite`]). Around it, over the tokens of [`lexer`]
//! (PostgreSQL's lexical rules: quotes, dollar quoting, nesting comments):
//!
//! - [`split`] cuts a simple-query string into statements;
//! - [`command`] picks out what the session answers itself (transaction control,
//!   `SET`/`SHOW`, COPY) and computes the CommandComplete tag of text the parser rejects;
//! - [`parameterize`](mod@parameterize) lifts the constants out of a simple-query
//!   statement, so that statements differing only in constants share a cache entry
//!   without a parse;
//! - [`passthrough`] hands text the PostgreSQL dialect rejects (SQLite's own syntax) to
//!   SQLite as written, `$n` parameters as `?n`;
//! - [`infer`] gives type hints for what the syntax tree does not place (parameters in
//!   function arguments, result columns of text the parser rejects).
//!
//! Statements the session runs as steps have their own modules: [`copy`](mod@copy),
//! [`maintenance`] (TRUNCATE, VACUUM, multi-table DROP, `WITH (fillfactor)`, `ADD PRIMARY
//! KEY`), [`dump`] (what pg_dump scripts say that SQLite cannot honour), [`sequence`]
//! (`CREATE`/`ALTER`/`DROP SEQUENCE`) and [`alter`] (ALTER TABLE forms SQLite lacks);
//! [`unsupported`] refuses, with 0A000, what SQLite cannot honour (server-side functions,
//! extensions, row-level security).

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
pub mod passthrough;
pub mod rewrite;
pub mod sequence;
pub mod split;
pub mod type_name;
pub mod unsupported;

pub use analyze::{Analysis, Effect, SyntaxError, analyze};
pub use command::{Command, CommandTag, StatementKind, command_tag, statement_kind};
pub use infer::{
    ParamHint, ParamSource, parameter_hints, referenced_tables, result_column_hints,
    result_column_names,
};
pub use lexer::{Lexer, Token, TokenKind, tokenize};
pub use parameterize::{Literal, Parameterized, parameterize};
pub use passthrough::sqlite_text;
pub use split::split_statements;
