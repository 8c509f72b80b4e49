//! Calls of the sequence functions: `nextval('s'::regclass)`, as pg_dump and `serial`
//! defaults spell it, names the sequence by its text, which is what pgsqlite's
//! `nextval` looks up (`executor/sequences.rs`).

use sqlparser::ast::{Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments};
use std::ops::ControlFlow;

/// The functions that read or change a sequence by name.
const FUNCTIONS: [&str; 3] = ["nextval", "currval", "setval"];

/// Drops the `regclass` lookup around the sequence argument of `f`.
pub fn unwrap_regclass(name: &str, f: &mut Function) {
    if !FUNCTIONS.contains(&name) {
        return;
    }
    let FunctionArguments::List(list) = &mut f.args else {
        return;
    };
    if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))) = list.args.first_mut()
        && let Expr::Function(lookup) = arg
        && lookup.name.to_string() == "pg_regclass"
        && let FunctionArguments::List(inner) = &lookup.args
        && let [FunctionArg::Unnamed(FunctionArgExpr::Expr(text))] = inner.args.as_slice()
    {
        *arg = text.clone();
    }
}

/// True if `statement` calls `nextval` or `setval`, which write: it takes the write lock
/// before it runs, as `FOR UPDATE` does.
pub fn changes_sequences(statement: &sqlparser::ast::Statement) -> bool {
    sqlparser::ast::visit_expressions(statement, |e| match e {
        Expr::Function(f)
            if f.name.0.last().and_then(|p| p.as_ident()).is_some_and(|i| {
                i.value.eq_ignore_ascii_case("nextval") || i.value.eq_ignore_ascii_case("setval")
            }) =>
        {
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}
