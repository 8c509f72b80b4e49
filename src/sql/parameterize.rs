//! Lifts the constants of a simple-query statement out into `$n` parameters, so that
//! statements differing only in their constants share one statement-cache key.
//!
//! The point is the simple query protocol, where every execution of the "same" query
//! arrives as new text: `... WHERE id = 4711` and `... WHERE id = 12` both become
//! `... WHERE id = $1`, with the constant handed back as a [`Literal`] to bind.
//!
//! The lifting must never change what SQLite makes of the statement, so it is deliberately
//! narrow. Only `SELECT`/`INSERT`/`UPDATE`/`DELETE` (also after `WITH`) qualify, and only
//! when they carry no parameter of any style yet. A constant is lifted when it is a plain
//! integer, a decimal SQLite reads exactly, or a standard `'...'` string; stands right
//! after a comparison or arithmetic operator; is not followed by a cast, a call, a
//! subscript or anything unexpected; and sits in a `WHERE`, `HAVING`, `ON`, `SET` (of an
//! `UPDATE` or upsert) or `CASE ... WHEN` expression of a query level that is not itself
//! inside a select list, `RETURNING` list, `VALUES`, `ORDER BY`, `GROUP BY` or `WINDOW`
//! clause. Select lists drive result types and column names, `ORDER BY`/`GROUP BY` terms
//! may have to match result columns textually, and an upsert's conflict target must match
//! an index textually, so all of those stay as written.

use std::borrow::Cow;

use smallvec::SmallVec;

use super::command::{StatementKind, statement_kind};
use super::lexer::{Lexer, Token, TokenKind, tokenize};

/// A literal lifted out of a statement, as SQLite would have read it.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal<'a> {
    /// An integer constant that fits in i64 (a unary minus folded in).
    Integer(i64),
    /// A numeric constant with a fraction or exponent (a unary minus folded in).
    Real(f64),
    /// A standard string constant's value (with '' un-doubled; borrowed when there is
    /// nothing to un-double).
    Text(Cow<'a, str>),
}

impl Literal<'_> {
    /// The value to bind for it, borrowed.
    pub fn to_sql(&self) -> rusqlite::types::ToSqlOutput<'_> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        ToSqlOutput::Borrowed(match self {
            Literal::Integer(n) => ValueRef::Integer(*n),
            Literal::Real(x) => ValueRef::Real(*x),
            Literal::Text(text) => ValueRef::Text(text.as_bytes()),
        })
    }
}

/// A statement with its liftable literals replaced by `$1..$n`.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameterized<'a> {
    /// The statement text with each lifted literal replaced by `$k` (k from 1, in order);
    /// everything else verbatim.
    pub sql: String,
    /// The lifted values; `literals[k-1]` is `$k`.
    pub literals: SmallVec<[Literal<'a>; 4]>,
}

/// Lifts the literals of `statement` (ONE statement; a trailing `;` is tolerated) that can
/// become parameters without changing its meaning. `None` when the statement is not
/// eligible or nothing can be lifted.
pub fn parameterize(statement: &str) -> Option<Parameterized<'_>> {
    let kind = statement_kind(statement);
    if !matches!(
        kind,
        StatementKind::Select
            | StatementKind::Insert
            | StatementKind::Update
            | StatementKind::Delete
    ) || statement.contains('\0')
    {
        return None;
    }
    let mut frames: SmallVec<[Frame; 8]> = SmallVec::new();
    frames.push(Frame {
        mode: Mode::Neutral,
        blocked: false,
        case: false,
    });
    let mut out = Output {
        src: statement,
        sql: String::new(),
        copied_to: 0,
        literals: SmallVec::new(),
    };
    let mut prev: Option<Token<'_>> = None;
    let mut prev2: Option<Token<'_>> = None;
    // Inside an upsert's `ON CONFLICT` target (up to `DO`).
    let mut conflict_target = false;
    // A `;` has been seen: anything significant after it is a second statement.
    let mut ended = false;
    let mut lexer = tokenize(statement);
    while let Some(tok) = lexer.next() {
        if tok.is_trivia() {
            continue;
        }
        if ended {
            return None;
        }
        let frame = *frames.last()?;
        match tok.kind {
            // Parameters, and what SQLite lexes differently (`[x]` and `` `x` `` are
            // identifiers there; `?`, `:a`, `@a`, `#a`, `$a` parameters).
            TokenKind::Param | TokenKind::Other | TokenKind::LBracket | TokenKind::RBracket => {
                return None;
            }
            TokenKind::Operator if !is_plain_operator(tok.text) => return None,
            TokenKind::Semicolon => ended = true,
            TokenKind::LParen => frames.push(frame.child(false)),
            TokenKind::RParen => {
                if frames.len() < 2 || frame.case {
                    return None;
                }
                frames.pop();
            }
            TokenKind::Ident => {
                let mut buf = [0u8; 12];
                let mut mode = None;
                match lower_keyword(&tok, &mut buf) {
                    "where" | "having" => mode = Some(Mode::Clause),
                    // `JOIN ... ON`, but not `DISTINCT ON (...)` nor `ON CONFLICT`.
                    "on" if frame.mode != Mode::Listing
                        && !next_significant(&lexer).is_some_and(|t| t.is_keyword("conflict")) =>
                    {
                        mode = Some(Mode::Clause);
                    }
                    // `UPDATE t SET` or an upsert's `DO UPDATE SET`; a column named `set`
                    // elsewhere changes nothing.
                    "set"
                        if frames.len() == 1
                            && (prev.is_some_and(|p| p.is_keyword("update"))
                                || (kind == StatementKind::Update
                                    && frame.mode == Mode::Neutral)) =>
                    {
                        mode = Some(Mode::Clause);
                    }
                    "when" if frame.case => mode = Some(Mode::Clause),
                    "select" | "returning" | "values" | "window" | "order" | "group" => {
                        mode = Some(Mode::Listing);
                    }
                    "from"
                        if frame.mode == Mode::Listing
                            && !prev.is_some_and(|p| p.is_keyword("distinct")) =>
                    {
                        mode = Some(Mode::Neutral);
                    }
                    "case" => frames.push(frame.child(true)),
                    "end" if frame.case => {
                        frames.pop();
                    }
                    "conflict" => conflict_target = true,
                    "do" => conflict_target = false,
                    _ => {}
                }
                if let (Some(mode), Some(current)) = (mode, frames.last_mut()) {
                    current.mode = mode;
                }
            }
            TokenKind::Number | TokenKind::String if frame.liftable() && !conflict_target => {
                if let Some((start, literal)) = lift_candidate(tok, prev, prev2, &lexer) {
                    out.lift(start, tok.end(), literal);
                }
            }
            _ => {}
        }
        prev2 = prev;
        prev = Some(tok);
    }
    out.finish()
}

/// What the tokens at one nesting level are part of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Nothing known to be liftable: before any clause, a `FROM` list, `LIMIT` after one.
    Neutral,
    /// A select list, `RETURNING`, `VALUES`, `ORDER BY`, `GROUP BY`, `WINDOW`: never lifted,
    /// nor anything nested inside.
    Listing,
    /// A `WHERE`/`HAVING`/`ON`/`SET`/`WHEN` expression: liftable.
    Clause,
}

/// One nesting level: the statement itself, a parenthesis, or a `CASE ... END`.
#[derive(Clone, Copy, Debug)]
struct Frame {
    mode: Mode,
    /// Some enclosing level is a [`Mode::Listing`].
    blocked: bool,
    /// A `CASE ... END` rather than a parenthesis.
    case: bool,
}

impl Frame {
    /// The frame of a level opened inside this one: an expression keeps its clause, a
    /// subquery starts its own with its `SELECT`.
    fn child(self, case: bool) -> Frame {
        Frame {
            mode: if self.mode == Mode::Clause {
                Mode::Clause
            } else {
                Mode::Neutral
            },
            blocked: self.blocked || self.mode == Mode::Listing,
            case,
        }
    }

    fn liftable(self) -> bool {
        !self.blocked && self.mode == Mode::Clause
    }
}

/// Operators after which a constant is an operand in value position.
const VALUE_OPERATORS: &[&str] = &[
    "=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%",
];

fn is_value_operator(tok: &Token<'_>) -> bool {
    tok.kind == TokenKind::Operator && VALUE_OPERATORS.contains(&tok.text)
}

/// Keywords that may follow a lifted constant.
const FOLLOWERS: &[&str] = &[
    "and",
    "asc",
    "between",
    "collate",
    "cross",
    "desc",
    "do",
    "else",
    "end",
    "escape",
    "except",
    "from",
    "full",
    "glob",
    "group",
    "having",
    "in",
    "inner",
    "intersect",
    "is",
    "isnull",
    "join",
    "left",
    "like",
    "limit",
    "match",
    "natural",
    "not",
    "notnull",
    "nulls",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "regexp",
    "returning",
    "right",
    "then",
    "union",
    "using",
    "when",
    "where",
    "window",
];

/// An operator SQLite reads the same way: no parameter sigil (`?`, `:`, `@`, `#`) and no
/// backtick quote. `::` is a cast, rewritten by the translator.
fn is_plain_operator(op: &str) -> bool {
    op == "::" || !op.contains(['?', ':', '@', '#', '`'])
}

/// An unquoted identifier lower-cased into `buf`; `""` for anything else or too long.
fn lower_keyword<'b>(tok: &Token<'_>, buf: &'b mut [u8; 12]) -> &'b str {
    if tok.kind != TokenKind::Ident {
        return "";
    }
    let Some(dst) = buf.get_mut(..tok.text.len()) else {
        return "";
    };
    dst.copy_from_slice(tok.text.as_bytes());
    dst.make_ascii_lowercase();
    std::str::from_utf8(dst).unwrap_or("")
}

fn next_significant<'a>(rest: &Lexer<'a>) -> Option<Token<'a>> {
    rest.clone().find(|t| !t.is_trivia())
}

/// Whether what follows a constant (`rest` is the lexer just past it) leaves it a plain
/// operand: the end, `;`, `)`, `,`, an operator other than `::`, or a known keyword
/// separated from it by whitespace or a comment.
fn follows_value(rest: &Lexer<'_>) -> bool {
    let mut look = rest.clone();
    let next = match look.next() {
        None => return true,
        Some(t) if t.is_trivia() => match look.find(|t| !t.is_trivia()) {
            None => return true,
            Some(t) => t,
        },
        // Glued to the constant (`5abc`, `1_000`): leave the whole thing alone.
        Some(t) if t.kind == TokenKind::Ident => return false,
        Some(t) => t,
    };
    match next.kind {
        TokenKind::Semicolon | TokenKind::RParen | TokenKind::Comma => true,
        TokenKind::Operator => next.text != "::",
        TokenKind::Ident => {
            let mut buf = [0u8; 12];
            FOLLOWERS.contains(&lower_keyword(&next, &mut buf))
        }
        _ => false,
    }
}

/// The literal `tok` stands for and the source offset where its replacement starts (at a
/// folded unary minus), if it may be lifted.
fn lift_candidate<'a>(
    tok: Token<'a>,
    prev: Option<Token<'a>>,
    prev2: Option<Token<'a>>,
    rest: &Lexer<'a>,
) -> Option<(usize, Literal<'a>)> {
    let op = prev.filter(is_value_operator)?;
    if !follows_value(rest) {
        return None;
    }
    match tok.kind {
        TokenKind::Number => {
            // `= -5`: after an operator, a `-` can only be unary.
            let negative = op.is_operator("-") && prev2.as_ref().is_some_and(is_value_operator);
            let literal = number_literal(tok.text, negative)?;
            Some((if negative { op.start } else { tok.start }, literal))
        }
        TokenKind::String => Some((tok.start, text_literal(tok.text)?)),
        _ => None,
    }
}

/// A numeric constant's value, negated when `negative`: an integer when it is all digits
/// and fits in i64 (SQLite reads a larger one as a real), otherwise a real if SQLite's
/// reading is certain to be the same value (see [`real_literal`]).
fn number_literal(text: &str, negative: bool) -> Option<Literal<'static>> {
    let bytes = text.as_bytes();
    if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) {
        let mut magnitude: u64 = 0;
        for &b in bytes {
            magnitude = magnitude
                .checked_mul(10)?
                .checked_add(u64::from(b - b'0'))?;
        }
        let value = if negative {
            // Down to i64::MIN, which SQLite also reads as an integer.
            0i64.checked_sub_unsigned(magnitude)?
        } else {
            i64::try_from(magnitude).ok()?
        };
        return Some(Literal::Integer(value));
    }
    real_literal(bytes, negative)
}

/// The powers of ten that are exact in an f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A decimal constant (`1.5`, `.5`, `3.`, `1e10`, `2.5E-3`) with at most 15 significant
/// digits and a decimal scale within 10^±22: then the value is one exact integer times or
/// divided by one exact power of ten, a single correctly rounded operation whatever
/// algorithm reads it, so the bound f64 is bit for bit what SQLite would have read.
/// Anything else (hex, longer mantissas, huge exponents) is `None`.
fn real_literal(bytes: &[u8], negative: bool) -> Option<Literal<'static>> {
    let (mantissa, exponent) = match bytes.iter().position(|b| matches!(b, b'e' | b'E')) {
        Some(k) => (bytes.get(..k)?, Some(bytes.get(k + 1..)?)),
        None => (bytes, None),
    };
    let mut digits: u64 = 0;
    let mut significant = 0u32;
    let mut fraction = 0i32;
    let mut seen_dot = false;
    let mut any_digit = false;
    for &b in mantissa {
        match b {
            b'.' if !seen_dot => seen_dot = true,
            b'0'..=b'9' => {
                any_digit = true;
                if seen_dot {
                    fraction = fraction.saturating_add(1);
                }
                if digits != 0 || b != b'0' {
                    significant += 1;
                    if significant > 15 {
                        return None;
                    }
                    digits = digits * 10 + u64::from(b - b'0');
                }
            }
            _ => return None,
        }
    }
    if !any_digit || (!seen_dot && exponent.is_none()) {
        return None;
    }
    let mut exp = 0i32;
    if let Some(e) = exponent {
        let (minus, e) = match e.first() {
            Some(b'-') => (true, e.get(1..)?),
            Some(b'+') => (false, e.get(1..)?),
            _ => (false, e),
        };
        if e.is_empty() || e.len() > 4 {
            return None;
        }
        for &b in e {
            if !b.is_ascii_digit() {
                return None;
            }
            exp = exp * 10 + i32::from(b - b'0');
        }
        if minus {
            exp = -exp;
        }
    }
    let scale = exp.saturating_sub(fraction);
    let power = *POW10.get(usize::try_from(scale.unsigned_abs()).ok()?)?;
    // Exact: fewer than 2^53.
    let m = digits as f64;
    let value = if digits == 0 {
        0.0
    } else if scale >= 0 {
        m * power
    } else {
        m / power
    };
    let value = if negative { -value } else { value };
    value.is_finite().then_some(Literal::Real(value))
}

/// The value of a standard, terminated `'...'` string (not `N'...'`/`U&'...'`); borrowed
/// unless it has a `''` to un-double.
fn text_literal(text: &str) -> Option<Literal<'_>> {
    let body = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let Some(first) = body.find('\'') else {
        return Some(Literal::Text(Cow::Borrowed(body)));
    };
    // Every quote inside must be half of a `''` pair, or the string was not terminated.
    let bytes = body.as_bytes();
    let mut i = first;
    while let Some(&b) = bytes.get(i) {
        if b == b'\'' {
            if bytes.get(i + 1) != Some(&b'\'') {
                return None;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    Some(Literal::Text(Cow::Owned(body.replace("''", "'"))))
}

/// The rewritten text, built on the first lift.
struct Output<'a> {
    src: &'a str,
    sql: String,
    /// Source offset up to which `sql` has the input.
    copied_to: usize,
    literals: SmallVec<[Literal<'a>; 4]>,
}

impl<'a> Output<'a> {
    /// Replaces the source `start..end` by the next `$k`.
    fn lift(&mut self, start: usize, end: usize, literal: Literal<'a>) {
        if self.literals.is_empty() {
            self.sql = String::with_capacity(self.src.len() + 16);
        }
        self.sql
            .push_str(self.src.get(self.copied_to..start).unwrap_or(""));
        self.literals.push(literal);
        self.sql.push('$');
        self.sql
            .push_str(itoa::Buffer::new().format(self.literals.len()));
        self.copied_to = end;
    }

    fn finish(mut self) -> Option<Parameterized<'a>> {
        if self.literals.is_empty() {
            return None;
        }
        self.sql
            .push_str(self.src.get(self.copied_to..).unwrap_or(""));
        Some(Parameterized {
            sql: self.sql,
            literals: self.literals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::garbled_inputs;
    use crate::sql::passthrough::sqlite_text;

    use Literal::{Integer, Real};

    fn text(s: &str) -> Literal<'_> {
        Literal::Text(Cow::Borrowed(s))
    }

    /// The rewritten text and the literals, or panics.
    fn lifted(sql: &str) -> (String, Vec<Literal<'_>>) {
        let p = parameterize(sql).unwrap_or_else(|| panic!("nothing lifted from {sql:?}"));
        (p.sql, p.literals.into_vec())
    }

    fn check(sql: &str, want_sql: &str, want: &[Literal<'_>]) {
        let (got_sql, got) = lifted(sql);
        assert_eq!(got_sql, want_sql, "for {sql:?}");
        assert_eq!(got, want, "for {sql:?}");
    }

    fn none(sql: &str) {
        assert_eq!(parameterize(sql), None, "for {sql:?}");
    }

    #[test]
    fn brief_examples() {
        check(
            "SELECT balance FROM accounts WHERE id = 4711",
            "SELECT balance FROM accounts WHERE id = $1",
            &[Integer(4711)],
        );
        check(
            "UPDATE accounts SET balance = balance + -12 WHERE id = 7;",
            "UPDATE accounts SET balance = balance + $1 WHERE id = $2;",
            &[Integer(-12), Integer(7)],
        );
        check(
            "DELETE FROM t WHERE name = 'it''s' AND x >= 1.5",
            "DELETE FROM t WHERE name = $1 AND x >= $2",
            &[Literal::Text(Cow::Owned("it's".into())), Real(1.5)],
        );
        none("SELECT a + 1 FROM t");
        none("SELECT 1");
        none("CREATE TABLE t (a int CHECK (a > 0))");
        none("CREATE VIEW v AS SELECT * FROM t WHERE a = 1");
        none("SELECT * FROM t WHERE d = '2020-01-01'::date");
        none(r"SELECT * FROM t WHERE b = '\x00'::bytea");
        none("SELECT * FROM t WHERE a = $1 AND b = 2");
        none("SELECT * FROM t WHERE a = E'x'");
        none("SELECT * FROM t WHERE a = 0x1F");
        none("SELECT * FROM t ORDER BY 1");
        none("SELECT * FROM t LIMIT 5");
        none("SELECT * FROM t WHERE a IN (1, 2)");
        check(
            "SELECT * FROM t WHERE b = 3 ORDER BY 1 LIMIT 5 OFFSET 2",
            "SELECT * FROM t WHERE b = $1 ORDER BY 1 LIMIT 5 OFFSET 2",
            &[Integer(3)],
        );
    }

    #[test]
    fn same_shape_same_key() {
        let a = lifted("SELECT balance FROM accounts WHERE id = 4711").0;
        let b = lifted("SELECT balance FROM accounts WHERE id = 12").0;
        let c = lifted("SELECT balance FROM accounts WHERE id = -12").0;
        assert_eq!(a, b);
        assert_eq!(a, c);
        let d = lifted("UPDATE t SET s = 'x' WHERE k = 'it''s'").0;
        let e = lifted("UPDATE t SET s = '' WHERE k = 'plain'").0;
        assert_eq!(d, e);
        assert_eq!(d, "UPDATE t SET s = $1 WHERE k = $2");
    }

    #[test]
    fn text_borrows_unless_unescaping() {
        let p = parameterize("SELECT a FROM t WHERE s = 'abc' AND r = 'a''b'''''").unwrap();
        assert!(matches!(
            &p.literals[0],
            Literal::Text(Cow::Borrowed("abc"))
        ));
        assert!(matches!(&p.literals[1], Literal::Text(Cow::Owned(s)) if s == "a'b''"));
        check(
            "SELECT a FROM t WHERE s = ''",
            "SELECT a FROM t WHERE s = $1",
            &[text("")],
        );
        check(
            "SELECT a FROM t WHERE s = 'é ü'",
            "SELECT a FROM t WHERE s = $1",
            &[text("é ü")],
        );
        // Unterminated strings, national and Unicode strings, bit strings, dollar quotes.
        none("SELECT a FROM t WHERE s = 'abc");
        none("SELECT a FROM t WHERE s = 'ab''");
        none("SELECT a FROM t WHERE s = N'x'");
        none("SELECT a FROM t WHERE s = U&'x'");
        none("SELECT a FROM t WHERE s = X'00'");
        none("SELECT a FROM t WHERE s = B'01'");
        none("SELECT a FROM t WHERE s = $$x$$");
        none("SELECT a FROM t WHERE s = $q$x$q$");
        none("SELECT a FROM t WHERE s = 'a\0b'");
    }

    #[test]
    fn numbers() {
        fn one(sql: &str) -> Literal<'_> {
            let (_, lits) = lifted(sql);
            assert_eq!(lits.len(), 1, "for {sql:?}");
            lits.into_iter().next().unwrap()
        }
        assert_eq!(one("SELECT a FROM t WHERE x = 0"), Integer(0));
        assert_eq!(one("SELECT a FROM t WHERE x = 007"), Integer(7));
        assert_eq!(one("SELECT a FROM t WHERE x = -0"), Integer(0));
        assert_eq!(
            one("SELECT a FROM t WHERE x = 9223372036854775807"),
            Integer(i64::MAX)
        );
        assert_eq!(
            one("SELECT a FROM t WHERE x = -9223372036854775808"),
            Integer(i64::MIN)
        );
        assert_eq!(
            one("SELECT a FROM t WHERE x = -9223372036854775807"),
            Integer(-i64::MAX)
        );
        none("SELECT a FROM t WHERE x = 9223372036854775808");
        none("SELECT a FROM t WHERE x = -9223372036854775809");
        none("SELECT a FROM t WHERE x = 99999999999999999999999999");
        // No operator before the minus: the number alone would not fit.
        none("SELECT a FROM t WHERE x = (-9223372036854775808)");
        assert_eq!(one("SELECT a FROM t WHERE x = 1.5"), Real(1.5));
        assert_eq!(one("SELECT a FROM t WHERE x = -1.5"), Real(-1.5));
        assert_eq!(one("SELECT a FROM t WHERE x = 3."), Real(3.0));
        assert_eq!(one("SELECT a FROM t WHERE x = .5"), Real(0.5));
        assert_eq!(one("SELECT a FROM t WHERE x = 0.05"), Real(0.05));
        assert_eq!(one("SELECT a FROM t WHERE x = 1e10"), Real(1e10));
        assert_eq!(one("SELECT a FROM t WHERE x = 2.5E-3"), Real(2.5e-3));
        assert_eq!(one("SELECT a FROM t WHERE x = 1E+3"), Real(1000.0));
        assert_eq!(one("SELECT a FROM t WHERE x = 1.50"), Real(1.5));
        assert_eq!(
            one("SELECT a FROM t WHERE x = 123456789.012345"),
            Real(123_456_789.012_345)
        );
        match one("SELECT a FROM t WHERE x = -0.0") {
            Real(v) => assert!(v == 0.0 && v.is_sign_negative()),
            other => panic!("{other:?}"),
        }
        // Too many digits or too large a scale to be sure of SQLite's rounding, infinities.
        none("SELECT a FROM t WHERE x = 0.1234567890123456");
        none("SELECT a FROM t WHERE x = 1e23");
        none("SELECT a FROM t WHERE x = 1e-23");
        none("SELECT a FROM t WHERE x = 1e400");
        none("SELECT a FROM t WHERE x = 1e99999");
        none("SELECT a FROM t WHERE x = 0X1f");
        // Glued to an identifier.
        none("SELECT a FROM t WHERE x = 1_000");
        none("SELECT a FROM t WHERE x = 5abc");
        none("SELECT a FROM t WHERE x = 1.5e");
    }

    #[test]
    fn unary_minus() {
        check(
            "SELECT a FROM t WHERE x=-5",
            "SELECT a FROM t WHERE x=$1",
            &[Integer(-5)],
        );
        check(
            "SELECT a FROM t WHERE x = - /* c */ 5 AND y = +3",
            "SELECT a FROM t WHERE x = $1 AND y = +$2",
            &[Integer(-5), Integer(3)],
        );
        // Binary minus: only the operand.
        check(
            "SELECT a FROM t WHERE x = 5 - 3",
            "SELECT a FROM t WHERE x = $1 - $2",
            &[Integer(5), Integer(3)],
        );
        check(
            "SELECT a FROM t WHERE x = y - -3 * - - 2",
            "SELECT a FROM t WHERE x = y - $1 * - $2",
            &[Integer(-3), Integer(-2)],
        );
        // A unary minus after a keyword stays; the number alone is lifted.
        check(
            "SELECT a FROM t WHERE -5 < x",
            "SELECT a FROM t WHERE -$1 < x",
            &[Integer(5)],
        );
        // Strings never absorb a minus.
        check(
            "SELECT a FROM t WHERE x = -'5'",
            "SELECT a FROM t WHERE x = -$1",
            &[text("5")],
        );
    }

    #[test]
    fn eligibility() {
        for sql in [
            "CREATE TABLE t AS SELECT * FROM u WHERE a = 1",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET a = 1 WHERE b = 2; END",
            "CREATE INDEX i ON t (a) WHERE b = 1",
            "ALTER TABLE t ADD COLUMN c int DEFAULT 5",
            "PRAGMA cache_size = -2000",
            "EXPLAIN SELECT * FROM t WHERE a = 1",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1",
            "VALUES (1 + 1)",
            "BEGIN",
            "SET work_mem = 5",
            "SHOW search_path",
            "",
            ";",
            "-- only a comment",
        ] {
            none(sql);
        }
        check(
            "INSERT INTO t SELECT a FROM u WHERE b = 2",
            "INSERT INTO t SELECT a FROM u WHERE b = $1",
            &[Integer(2)],
        );
        check(
            "REPLACE INTO t SELECT a FROM u WHERE b = 2",
            "REPLACE INTO t SELECT a FROM u WHERE b = $1",
            &[Integer(2)],
        );
        check(
            "WITH c AS (SELECT a FROM t WHERE b = 1) SELECT * FROM c WHERE a = 2",
            "WITH c AS (SELECT a FROM t WHERE b = $1) SELECT * FROM c WHERE a = $2",
            &[Integer(1), Integer(2)],
        );
        check(
            "WITH c AS (SELECT 1 AS k) DELETE FROM t WHERE k = 3",
            "WITH c AS (SELECT 1 AS k) DELETE FROM t WHERE k = $1",
            &[Integer(3)],
        );
        check(
            "(SELECT a FROM t WHERE b = 1) UNION (SELECT a FROM u WHERE b = 2)",
            "(SELECT a FROM t WHERE b = $1) UNION (SELECT a FROM u WHERE b = $2)",
            &[Integer(1), Integer(2)],
        );
        // Nothing liftable in a plain INSERT.
        none("INSERT INTO t (a, b) VALUES (1, 'x')");
        none("INSERT INTO t (a) VALUES (1 + 1)");
    }

    #[test]
    fn parameters_and_foreign_lexing() {
        for sql in [
            "SELECT a FROM t WHERE a = ? AND b = 1",
            "SELECT a FROM t WHERE a = ?1 AND b = 1",
            "SELECT a FROM t WHERE a = :name AND b = 1",
            "SELECT a FROM t WHERE a = @name AND b = 1",
            "SELECT a FROM t WHERE a = #name AND b = 1",
            "SELECT a FROM t WHERE a = $name AND b = 1",
            "SELECT a FROM t WHERE a = $2 AND b = 1",
            "SELECT [a = 1] FROM t WHERE b = 1",
            "SELECT `a = 1` FROM t WHERE b = 1",
            "SELECT a FROM t WHERE b = 1 \\",
        ] {
            none(sql);
        }
        // Second statements.
        none("SELECT a FROM t WHERE a = 1; SELECT 2");
        none("SELECT a FROM t WHERE a = 1; DROP TABLE t");
        check(
            "SELECT a FROM t WHERE a = 1 ; -- done\n",
            "SELECT a FROM t WHERE a = $1 ; -- done\n",
            &[Integer(1)],
        );
        // `::` itself is fine elsewhere; `'..'` inside a comment or identifier is not code.
        check(
            "SELECT a::int FROM t /* b = 1 */ WHERE \"c = 2\" = 3 -- d = 4",
            "SELECT a::int FROM t /* b = 1 */ WHERE \"c = 2\" = $1 -- d = 4",
            &[Integer(3)],
        );
        // Unbalanced parentheses.
        none("SELECT a FROM t WHERE a = 1)");
        none("SELECT a FROM t WHERE (a = 1 AND CASE ) END");
    }

    #[test]
    fn verbatim_copy() {
        check(
            "select  A /* x */ FROM t\n\tWHERE  a =  5 /* y */AND b<>'q'--z",
            "select  A /* x */ FROM t\n\tWHERE  a =  $1 /* y */AND b<>$2--z",
            &[Integer(5), text("q")],
        );
    }

    #[test]
    fn what_follows() {
        none("SELECT a FROM t WHERE a = 5::int");
        none("SELECT a FROM t WHERE a = 5 :: int");
        none("SELECT a FROM t WHERE a = 'x' 'y'");
        none("SELECT a FROM t WHERE a = 'x'.b");
        none("SELECT a FROM t WHERE a = 'x' AT TIME ZONE 'UTC'");
        none("SELECT a FROM t WHERE CAST(a + 1 AS int) = b");
        check(
            "SELECT a FROM t WHERE s = 'x' COLLATE nocase OR s || 'y' = 'zy'",
            "SELECT a FROM t WHERE s = $1 COLLATE nocase OR s || 'y' = $2",
            &[text("x"), text("zy")],
        );
        check(
            "SELECT a FROM t WHERE a + 1 BETWEEN 1 AND 2",
            "SELECT a FROM t WHERE a + $1 BETWEEN 1 AND 2",
            &[Integer(1)],
        );
        check(
            "SELECT a FROM t WHERE (a = 1) OR f(b * 2, c) > 3",
            "SELECT a FROM t WHERE (a = $1) OR f(b * $2, c) > $3",
            &[Integer(1), Integer(2), Integer(3)],
        );
        // Typed constants and `LIKE`/`IN`/`IS` operands are not after a value operator.
        check(
            "SELECT a FROM t WHERE d > now() - interval '1 day' AND s LIKE 'a%' AND k = 'v'",
            "SELECT a FROM t WHERE d > now() - interval '1 day' AND s LIKE 'a%' AND k = $1",
            &[text("v")],
        );
        none("SELECT a FROM t WHERE d = DATE '2020-01-01' AND b IS 1");
    }

    #[test]
    fn clause_scoping() {
        // Select lists, RETURNING, ORDER BY, GROUP BY, VALUES, WINDOW stay as written.
        none("SELECT CASE WHEN a = 1 THEN 2 END, b + 1 FROM t");
        none("SELECT (SELECT x FROM u WHERE id = 1) FROM t");
        none("SELECT count(*) FILTER (WHERE a = 1) FROM t");
        none("SELECT DISTINCT ON (a = 1) a, b + 1 FROM t");
        none("SELECT a IS DISTINCT FROM (SELECT 1 FROM u WHERE c = 1) FROM t");
        none("SELECT set + 1 FROM t");
        none("SELECT a FROM t ORDER BY CASE WHEN a = 1 THEN 0 ELSE 1 END");
        none("SELECT a FROM t WINDOW w AS (ORDER BY a ROWS 2 - 1 PRECEDING)");
        none("SELECT a FROM (SELECT a + 1 AS a FROM u) s");
        check(
            "SELECT a + 1 FROM t WHERE b = 1 GROUP BY a + 1 HAVING count(*) > 2 ORDER BY a + 1 LIMIT 3 - 1",
            "SELECT a + 1 FROM t WHERE b = $1 GROUP BY a + 1 HAVING count(*) > $2 ORDER BY a + 1 LIMIT 3 - 1",
            &[Integer(1), Integer(2)],
        );
        check(
            "UPDATE t SET a = 1 WHERE b = 2 RETURNING a + 1, 'x' || b",
            "UPDATE t SET a = $1 WHERE b = $2 RETURNING a + 1, 'x' || b",
            &[Integer(1), Integer(2)],
        );
        check(
            "SELECT a FROM t WHERE b = 1 UNION SELECT c + 1 FROM u",
            "SELECT a FROM t WHERE b = $1 UNION SELECT c + 1 FROM u",
            &[Integer(1)],
        );
        check(
            "SELECT a FROM t WHERE b = 1 UNION VALUES (2 + 3)",
            "SELECT a FROM t WHERE b = $1 UNION VALUES (2 + 3)",
            &[Integer(1)],
        );
        // Subqueries in clauses, joins, CASE in a clause.
        check(
            "SELECT a FROM t JOIN u ON u.id = t.id + 1 WHERE a IN (SELECT b + 1 FROM v WHERE c = 'k') AND EXISTS (SELECT 1 FROM w WHERE w.x = 2)",
            "SELECT a FROM t JOIN u ON u.id = t.id + $1 WHERE a IN (SELECT b + 1 FROM v WHERE c = $2) AND EXISTS (SELECT 1 FROM w WHERE w.x = $3)",
            &[Integer(1), text("k"), Integer(2)],
        );
        check(
            "SELECT a FROM t WHERE CASE WHEN a = 1 THEN b ELSE c END = 3",
            "SELECT a FROM t WHERE CASE WHEN a = $1 THEN b ELSE c END = $2",
            &[Integer(1), Integer(3)],
        );
        check(
            "SELECT a FROM (SELECT a, b FROM u WHERE b = 1) s WHERE a = 2",
            "SELECT a FROM (SELECT a, b FROM u WHERE b = $1) s WHERE a = $2",
            &[Integer(1), Integer(2)],
        );
        check(
            "UPDATE t SET a = (SELECT max(b) + 1 FROM u WHERE u.k = 5)",
            "UPDATE t SET a = (SELECT max(b) + 1 FROM u WHERE u.k = $1)",
            &[Integer(5)],
        );
    }

    #[test]
    fn upsert() {
        check(
            "INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = b + 1 WHERE t.b < 10",
            "INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = b + $1 WHERE t.b < $2",
            &[Integer(1), Integer(10)],
        );
        none("INSERT INTO t (a) VALUES (1) ON CONFLICT (a) WHERE a > 0 DO NOTHING");
        none("INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING RETURNING a + 1");
    }

    #[test]
    fn never_panics_and_output_is_consistent() {
        for input in garbled_inputs(50_000) {
            let Some(p) = parameterize(&input) else {
                continue;
            };
            assert!(!p.literals.is_empty());
            // The output's parameters are exactly $1..$n in order, and nothing else moved.
            let params: Vec<usize> = tokenize(&p.sql).filter_map(|t| t.param_number()).collect();
            let want: Vec<usize> = (1..=p.literals.len()).collect();
            assert_eq!(params, want, "{input:?} -> {:?}", p.sql);
            assert_eq!(parameterize(&p.sql), None);
        }
    }

    mod sqlite {
        //! Differential checks: SQLite must give the same answer for a statement as for
        //! its parameterized form with the literals bound.
        use super::*;
        use rusqlite::Connection;
        use rusqlite::types::Value;

        type Outcome = Result<(Vec<String>, Vec<Vec<Value>>, u64), String>;

        fn open() -> Connection {
            let conn = Connection::open_in_memory().unwrap();
            conn.execute_batch(
                "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT, balance INTEGER,
                     rate REAL, code TEXT, v NUMERIC, tag);
                 INSERT INTO accounts VALUES
                     (1, 'alice', 100, 1.5, '5', 10, 'a'),
                     (2, 'bob', -12, 0.25, '07', 2.5, 5),
                     (3, 'it''s', 0, NULL, 'x', '3', 1.5),
                     (4, 'ALICE', 9223372036854775807, -0.0, '-1', -9223372036854775808, NULL);
                 CREATE TABLE hist (aid INTEGER, delta INTEGER, note TEXT);
                 INSERT INTO hist VALUES (1, 5, 'x'), (1, -3, 'y'), (2, 7, 'z'), (3, 1, 'x');
                 CREATE TABLE kv (k INTEGER, val TEXT);
                 CREATE UNIQUE INDEX kv_pos ON kv (k) WHERE k > 0;
                 INSERT INTO kv VALUES (1, 'one'), (-1, 'minus one');",
            )
            .unwrap();
            conn
        }

        fn run(conn: &Connection, sql: &str, literals: &[Literal<'_>]) -> Outcome {
            let translated = sqlite_text(sql);
            let mut stmt = conn.prepare(&translated).map_err(|e| e.to_string())?;
            for (k, literal) in literals.iter().enumerate() {
                let value = match literal {
                    Literal::Integer(i) => Value::Integer(*i),
                    Literal::Real(r) => Value::Real(*r),
                    Literal::Text(t) => Value::Text(t.to_string()),
                };
                stmt.raw_bind_parameter(k + 1, value)
                    .map_err(|e| e.to_string())?;
            }
            let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
            let n = stmt.column_count();
            let mut rows = stmt.raw_query();
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(|e| e.to_string())? {
                out.push((0..n).map(|i| row.get::<_, Value>(i).unwrap()).collect());
            }
            drop(rows);
            Ok((names, out, conn.changes()))
        }

        fn dump(conn: &Connection) -> Outcome {
            let mut all = Vec::new();
            for table in ["accounts", "hist", "kv"] {
                let (_, rows, _) =
                    run(conn, &format!("SELECT * FROM {table} ORDER BY rowid"), &[])?;
                all.extend(rows);
            }
            Ok((Vec::new(), all, 0))
        }

        #[test]
        fn same_results_as_the_literal_statement() {
            let statements = [
                "SELECT balance FROM accounts WHERE id = 1",
                "SELECT id, name FROM accounts WHERE name = 'it''s'",
                "SELECT id FROM accounts WHERE code = 5 ORDER BY id",
                "SELECT id FROM accounts WHERE code = 7 OR code = '07'",
                "SELECT id FROM accounts WHERE balance = '100'",
                "SELECT id FROM accounts WHERE v = 2.5 OR v = 10 OR v = '3'",
                "SELECT id FROM accounts WHERE tag = 5 OR tag = 1.5 OR tag = 'a'",
                "SELECT id FROM accounts WHERE tag = '5'",
                "SELECT id, balance / 2, balance FROM accounts WHERE balance / 2 = 50 OR balance % 7 = -5",
                "SELECT id FROM accounts WHERE balance / 2.0 = -6.0",
                "SELECT id FROM accounts WHERE v = -9223372036854775808",
                "SELECT id FROM accounts WHERE balance = 9223372036854775807",
                "SELECT id FROM accounts WHERE balance - -9223372036854775808 > 0",
                "SELECT id FROM accounts WHERE rate = -0.0 OR rate = .25 OR rate * 2 = 3.",
                "SELECT id FROM accounts WHERE rate < 1e1 AND rate > 2.5E-1",
                "SELECT id FROM accounts WHERE name = 'ALICE' COLLATE NOCASE",
                "SELECT id FROM accounts WHERE name || 'x' = 'bobx'",
                "SELECT id FROM accounts WHERE '5' + 1 = balance - 94",
                "SELECT id FROM accounts WHERE CASE WHEN balance > 50 THEN 1 ELSE 0 END = 1",
                "SELECT id FROM accounts WHERE id IN (SELECT aid FROM hist WHERE delta > 4)",
                "SELECT a.id, h.delta FROM accounts a JOIN hist h ON h.aid = a.id AND h.delta > 0 WHERE a.id < 3 ORDER BY 1, 2",
                "SELECT aid, sum(delta) FROM hist WHERE note <> 'q' GROUP BY aid HAVING sum(delta) > 1 ORDER BY aid",
                "SELECT balance + 1 FROM accounts WHERE id > 1 UNION SELECT aid FROM hist WHERE aid = 1 ORDER BY balance + 1",
                "SELECT id FROM accounts WHERE id = 1 LIMIT 5 - 4",
                "WITH c AS (SELECT id, balance FROM accounts WHERE balance >= 0) SELECT * FROM c WHERE id <> 3 ORDER BY id",
                "UPDATE accounts SET balance = balance + -12 WHERE id = 1",
                "UPDATE accounts SET name = 'x''y', rate = rate * 2 WHERE id = 2 RETURNING id, name, rate + 1",
                "DELETE FROM hist WHERE aid = 1 AND note = 'y'",
                "INSERT INTO hist SELECT id, balance, name FROM accounts WHERE id = 3",
                "INSERT INTO kv VALUES (1, 'uno') ON CONFLICT (k) WHERE k > 0 DO UPDATE SET val = val || '!' WHERE kv.k = 1",
                "INSERT INTO kv VALUES (1, 'uno') ON CONFLICT (k) WHERE k > 0 DO UPDATE SET val = excluded.val WHERE kv.k = 2",
            ];
            for sql in statements {
                let p = parameterize(sql).unwrap_or_else(|| panic!("nothing lifted: {sql}"));
                let (a, b) = (open(), open());
                let plain = run(&a, sql, &[]);
                let lifted = run(&b, &p.sql, &p.literals);
                assert!(plain.is_ok(), "{sql}: {plain:?}");
                assert_eq!(plain, lifted, "{sql} vs {}", p.sql);
                assert_eq!(dump(&a), dump(&b), "{sql}");
            }
        }
    }
}
