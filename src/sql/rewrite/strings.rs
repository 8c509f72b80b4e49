//! String syntax PostgreSQL has and SQLite lacks, in terms of SQLite calls:
//!
//! - `substring(x FROM n FOR m)` (and `substring(x, n, m)`) → `pg_substring`;
//! - `position(a IN b)` → `strpos(b, a)`;
//! - `trim([BOTH|LEADING|TRAILING] [chars] FROM x)` → `btrim`/`ltrim`/`rtrim`;
//! - `LIKE` with a literal pattern → SQLite's case-sensitive `GLOB` (which can still use an
//!   index for a fixed prefix); any other `LIKE`, and `ILIKE`, → `pg_like` (PostgreSQL's
//!   backslash escape and case rules);
//! - `SIMILAR TO` → `pg_similar`; `~ ~* !~ !~*` → `pg_regex` / `pg_regex_ci`.

use super::{Target, call};
use sqlparser::ast::{BinaryOperator, Expr, TrimWhereField, UnaryOperator, Value};

fn take(e: &mut Box<Expr>) -> Expr {
    std::mem::replace(e.as_mut(), Expr::value(Value::Null))
}

fn not(expr: Expr) -> Expr {
    Expr::UnaryOp {
        op: UnaryOperator::Not,
        expr: Box::new(Expr::Nested(Box::new(expr))),
    }
}

fn string(s: &str) -> Expr {
    Expr::value(Value::SingleQuotedString(s.to_string()))
}

fn literal_text(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// A decimal literal (`2.50`) as the text PostgreSQL's numeric shows for it, so that
/// `'x' || 2.50` and `concat(2.50)` keep its scale (SQLite would read it as a float).
pub fn decimal_as_text(expr: &mut Expr) {
    let Expr::Value(v) = expr else { return };
    let Value::Number(text, _) = &v.value else {
        return;
    };
    if !text.contains('.') || text.contains(['e', 'E']) {
        return;
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let shown = if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    };
    v.value = Value::SingleQuotedString(shown);
}

/// `concat(...)` and `concat_ws(...)`: decimal literals keep their scale.
pub fn concat_arguments(f: &mut sqlparser::ast::Function) {
    let Some(name) = f.name.0.last().and_then(|p| p.as_ident()) else {
        return;
    };
    if !(name.value.eq_ignore_ascii_case("concat") || name.value.eq_ignore_ascii_case("concat_ws"))
    {
        return;
    }
    if let sqlparser::ast::FunctionArguments::List(list) = &mut f.args {
        for arg in &mut list.args {
            if let sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(e)) =
                arg
            {
                decimal_as_text(e);
            }
        }
    }
}

/// `substring(...)` in any of its argument forms.
pub fn substring(
    expr: &mut Box<Expr>,
    from: Option<&mut Box<Expr>>,
    count: Option<&mut Box<Expr>>,
) -> Expr {
    let mut args = vec![take(expr), from.map_or_else(|| super::number(1), take)];
    if let Some(count) = count {
        args.push(take(count));
    }
    call("pg_substring", args)
}

/// `position(needle IN haystack)`.
pub fn position(needle: &mut Box<Expr>, haystack: &mut Box<Expr>) -> Expr {
    call("strpos", vec![take(haystack), take(needle)])
}

/// `trim([where] [what] FROM expr)`.
pub fn trim(
    expr: &mut Box<Expr>,
    trim_where: Option<&TrimWhereField>,
    what: Option<&mut Box<Expr>>,
) -> Expr {
    let name = match (trim_where, what.is_some()) {
        (Some(TrimWhereField::Leading), _) => "ltrim",
        (Some(TrimWhereField::Trailing), _) => "rtrim",
        (_, true) => "btrim",
        (_, false) => "trim",
    };
    let mut args = vec![take(expr)];
    if let Some(what) = what {
        args.push(take(what));
    }
    call(name, args)
}

/// `expr [NOT] LIKE pattern [ESCAPE e]` (`fold_case`: `ILIKE`). In the schema only the
/// `GLOB` form is used (SQLite's built-in); `None` leaves the expression as it is.
pub fn like(
    negated: bool,
    fold_case: bool,
    expr: &mut Box<Expr>,
    pattern: &mut Box<Expr>,
    escape: Option<&mut Box<Expr>>,
    target: Target,
) -> Option<Expr> {
    let escape_text = match &escape {
        None => Some("\\"),
        Some(e) => literal_text(e),
    };
    let glob = if fold_case {
        None
    } else {
        literal_text(pattern)
            .zip(escape_text)
            .and_then(|(p, e)| like_to_glob(p, e))
    };
    let matched = match glob {
        Some(glob) => call("glob", vec![string(&glob), take(expr)]),
        None if target == Target::Schema => return None,
        None => {
            let escape = escape.map_or_else(|| string("\\"), take);
            let fold = Expr::value(Value::Boolean(fold_case));
            call("pg_like", vec![take(expr), take(pattern), escape, fold])
        }
    };
    Some(if negated { not(matched) } else { matched })
}

/// A `LIKE` pattern as the SQLite `GLOB` pattern that matches the same strings; `None`
/// when the escape is not one character or empty, or the pattern ends with it (left to
/// `pg_like`, which reports the error).
pub fn like_to_glob(pattern: &str, escape: &str) -> Option<String> {
    let mut esc = escape.chars();
    let escape = match (esc.next(), esc.next()) {
        (None, _) => None,
        (Some(c), None) => Some(c),
        _ => return None,
    };
    let mut out = String::with_capacity(pattern.len() + 2);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        let literal = if Some(c) == escape {
            chars.next()?
        } else {
            match c {
                '%' => {
                    out.push('*');
                    continue;
                }
                '_' => {
                    out.push('?');
                    continue;
                }
                other => other,
            }
        };
        match literal {
            '*' | '?' | '[' => {
                out.push('[');
                out.push(literal);
                out.push(']');
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// `expr [NOT] SIMILAR TO pattern [ESCAPE e]`.
pub fn similar_to(
    negated: bool,
    expr: &mut Box<Expr>,
    pattern: &mut Box<Expr>,
    escape: Option<&mut Box<Expr>>,
) -> Expr {
    let escape = escape.map_or_else(|| Expr::value(Value::Null), take);
    let matched = call("pg_similar", vec![take(expr), take(pattern), escape]);
    if negated { not(matched) } else { matched }
}

/// The regular-expression operators; `None` for any other operator.
pub fn regex(left: &mut Box<Expr>, op: &BinaryOperator, right: &mut Box<Expr>) -> Option<Expr> {
    let (name, negated) = match op {
        BinaryOperator::PGRegexMatch => ("pg_regex", false),
        BinaryOperator::PGRegexIMatch => ("pg_regex_ci", false),
        BinaryOperator::PGRegexNotMatch => ("pg_regex", true),
        BinaryOperator::PGRegexNotIMatch => ("pg_regex_ci", true),
        _ => return None,
    };
    let matched = call(name, vec![take(left), take(right)]);
    Some(if negated { not(matched) } else { matched })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_their_scale() {
        for (written, shown) in [
            ("2.50", "'2.50'"),
            (".5", "'0.5'"),
            ("007.", "'7'"),
            ("1e3", "1e3"),
            ("12", "12"),
        ] {
            let mut e = Expr::value(Value::Number(written.to_string(), false));
            decimal_as_text(&mut e);
            assert_eq!(e.to_string(), shown);
        }
    }

    #[test]
    fn like_patterns_as_glob() {
        assert_eq!(like_to_glob("abc%", "\\").as_deref(), Some("abc*"));
        assert_eq!(like_to_glob("a\\_b\\%c", "\\").as_deref(), Some("a_b%c"));
        assert_eq!(like_to_glob("a_*[", "\\").as_deref(), Some("a?[*][[]"));
        assert_eq!(like_to_glob("10!%", "!").as_deref(), Some("10%"));
        assert_eq!(like_to_glob("a\\b", "").as_deref(), Some("a\\b"));
        assert_eq!(like_to_glob("ab\\", "\\"), None);
        assert_eq!(like_to_glob("ab", "xy"), None);
    }
}
