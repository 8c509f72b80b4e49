//! Type names read off tokens (the target of a `::` cast or `CAST(... AS`), for the
//! type hints [`super::infer`] gives the statements it reads as text.

use super::lexer::{Token, TokenKind, identifier_name, matching_close};
use crate::protocol::types::{Oid, oid_from_type_name};

/// A type name parsed from tokens (the target of `::` or `CAST(... AS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TypeName {
    /// Index just past the type name's last token.
    pub(crate) end: usize,
    /// The type's OID when the name is a PostgreSQL spelling pgsqlite knows.
    pub(crate) oid: Option<Oid>,
    /// `type[]`, `type[n]` or `type ARRAY`.
    pub(crate) array: bool,
}

impl TypeName {
    /// The OID of a known scalar type (`None` for arrays and unknown names).
    pub(crate) fn scalar_oid(&self) -> Option<Oid> {
        if self.array { None } else { self.oid }
    }
}

/// The PostgreSQL type spellings whose OID [`oid_from_type_name`] gives by name (rather
/// than by SQLite's affinity fallback, which would call `regclass` numeric).
const KNOWN_TYPE_NAMES: &[&str] = &[
    "bigint",
    "bigserial",
    "blob",
    "bool",
    "boolean",
    "bpchar",
    "bytea",
    "char",
    "character",
    "character varying",
    "date",
    "decimal",
    "double precision",
    "float",
    "float4",
    "float8",
    "int",
    "int2",
    "int4",
    "int8",
    "integer",
    "json",
    "jsonb",
    "name",
    "numeric",
    "oid",
    "real",
    "serial",
    "serial2",
    "serial4",
    "serial8",
    "smallint",
    "smallserial",
    "text",
    "time",
    "time without time zone",
    "timestamp",
    "timestamp with time zone",
    "timestamp without time zone",
    "timestamptz",
    "unknown",
    "uuid",
    "varchar",
    "void",
];

/// Parses a type name starting at token `start`: an optionally schema-qualified
/// identifier, PostgreSQL's multi-word names (`double precision`, `character varying`,
/// `timestamp(3) with time zone`), a modifier `(...)`, and array brackets.
pub(crate) fn parse_type_name(tokens: &[Token<'_>], start: usize) -> Option<TypeName> {
    let mut j = start;
    let mut word = *tokens.get(j).filter(|t| t.is_identifier())?;
    if tokens.get(j + 1).is_some_and(|t| t.kind == TokenKind::Dot) {
        word = *tokens.get(j + 2).filter(|t| t.is_identifier())?;
        j += 2;
    }
    j += 1;
    let mut name = identifier_name(&word);
    let follows = |j: usize, kw: &str| tokens.get(j).is_some_and(|t| t.is_keyword(kw));
    match name.as_str() {
        "double" if follows(j, "precision") => {
            name.push_str(" precision");
            j += 1;
        }
        "character" | "char" | "bit" if follows(j, "varying") => {
            name.push_str(" varying");
            j += 1;
        }
        _ => {}
    }
    if tokens.get(j).is_some_and(|t| t.kind == TokenKind::LParen) {
        j = matching_close(tokens, j)? + 1;
    }
    if matches!(name.as_str(), "timestamp" | "time")
        && (follows(j, "with") || follows(j, "without"))
        && follows(j + 1, "time")
        && follows(j + 2, "zone")
    {
        name.push_str(if follows(j, "with") {
            " with time zone"
        } else {
            " without time zone"
        });
        j += 3;
    }
    let mut array = false;
    loop {
        if tokens.get(j).is_some_and(|t| t.kind == TokenKind::LBracket) {
            let close = matching_close(tokens, j)?;
            if close > j + 2 {
                break;
            }
            j = close + 1;
            array = true;
        } else if follows(j, "array") {
            j += 1;
            array = true;
        } else {
            break;
        }
    }
    let known = KNOWN_TYPE_NAMES.binary_search(&name.as_str()).is_ok();
    Some(TypeName {
        end: j,
        oid: known.then(|| oid_from_type_name(&name)),
        array,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_type_names_are_sorted() {
        assert!(KNOWN_TYPE_NAMES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn multi_word_and_array_names() {
        let tokens: Vec<Token<'_>> = crate::sql::lexer::significant(
            "x::timestamp(3) with time zone, y::double precision[], z::public.mytype",
        )
        .collect();
        let at = |text: &str| tokens.iter().position(|t| t.text == text).unwrap();
        let ts = parse_type_name(&tokens, at("timestamp")).unwrap();
        assert_eq!(
            ts.scalar_oid(),
            Some(crate::protocol::types::oid::TIMESTAMPTZ)
        );
        let dp = parse_type_name(&tokens, at("double")).unwrap();
        assert!(dp.array);
        assert_eq!(dp.scalar_oid(), None);
        let custom = parse_type_name(&tokens, at("public")).unwrap();
        assert_eq!(custom.oid, None);
    }
}
