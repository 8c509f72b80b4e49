//! Sequences: `CREATE SEQUENCE`, `ALTER SEQUENCE` and `DROP SEQUENCE` as SQLite
//! statements.
//!
//! A sequence is a table of the user's database named after it, with the one row
//! PostgreSQL shows for `SELECT * FROM s`: `last_value`, `log_cnt` and `is_called`. Its
//! options (type, increment, bounds, start, cycle) are kept in the table's definition, as
//! the text of a CHECK constraint named `pgsqlite_sequence` written in PostgreSQL's own
//! option syntax, so that the sequence is one object that survives copies of the file, a
//! `VACUUM` and other processes, and the catalog can tell it from a table. `nextval`,
//! `currval`, `setval` and `lastval` are the executor's (`executor/sequences.rs`).
//!
//! The sequence behind a `serial` or identity primary key is not such a table: that
//! column is SQLite's `INTEGER PRIMARY KEY AUTOINCREMENT`, whose counter in
//! `sqlite_sequence` is the sequence `<table>_<column>_seq`.

use super::maintenance::{Rewrite, Steps};
use crate::error::{PgError, SqlState};
use sqlparser::ast::{
    DataType, Expr, ObjectName, ObjectType, SequenceOptions, Statement, UnaryOperator, Value,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// The name of the CHECK constraint that marks a table as a sequence.
pub const MARKER: &str = "pgsqlite_sequence";

/// A sequence's definition, with PostgreSQL's defaults filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SequenceDef {
    /// `smallint`, `integer` or `bigint`, as the bits of the type (16, 32 or 64).
    pub bits: u8,
    /// `INCREMENT BY` (never zero).
    pub increment: i64,
    /// `MINVALUE`.
    pub min: i64,
    /// `MAXVALUE`.
    pub max: i64,
    /// `START WITH`.
    pub start: i64,
    /// `CACHE` (kept for the catalog; every value is handed out one at a time).
    pub cache: i64,
    /// `CYCLE`: wrap around at the bound instead of failing.
    pub cycle: bool,
}

impl Default for SequenceDef {
    fn default() -> SequenceDef {
        SequenceDef {
            bits: 64,
            increment: 1,
            min: 1,
            max: i64::MAX,
            start: 1,
            cache: 1,
            cycle: false,
        }
    }
}

impl SequenceDef {
    /// The definition `options` give, checked as PostgreSQL checks it (22023).
    pub fn from_options(options: &[SequenceOptions]) -> Result<SequenceDef, PgError> {
        let mut bits = 64u8;
        let (mut increment, mut min, mut max, mut start, mut cache, mut cycle) =
            (1i64, None, None, None, 1i64, false);
        for option in options {
            match option {
                SequenceOptions::DataType(ty) => bits = type_bits(ty)?,
                SequenceOptions::IncrementBy(e, _) => increment = integer(e, "INCREMENT")?,
                SequenceOptions::MinValue(e) => {
                    min = e.as_ref().map(|e| integer(e, "MINVALUE")).transpose()?
                }
                SequenceOptions::MaxValue(e) => {
                    max = e.as_ref().map(|e| integer(e, "MAXVALUE")).transpose()?
                }
                SequenceOptions::StartWith(e, _) => start = Some(integer(e, "START")?),
                SequenceOptions::Cache(e) => cache = integer(e, "CACHE")?,
                SequenceOptions::Cycle(no) => cycle = !no,
                SequenceOptions::OwnedBy(_) => {}
            }
        }
        let invalid = |m: String| PgError::new(SqlState::INVALID_PARAMETER_VALUE, m);
        if increment == 0 {
            return Err(invalid("INCREMENT must not be zero".into()));
        }
        let (type_min, type_max) = type_range(bits);
        let min = min.unwrap_or(if increment > 0 { 1 } else { type_min });
        let max = max.unwrap_or(if increment > 0 { type_max } else { -1 });
        let type_name = type_name(bits);
        if min < type_min || min > type_max {
            return Err(invalid(format!(
                "MINVALUE ({min}) is out of range for sequence data type {type_name}"
            )));
        }
        if max < type_min || max > type_max {
            return Err(invalid(format!(
                "MAXVALUE ({max}) is out of range for sequence data type {type_name}"
            )));
        }
        if min >= max {
            return Err(invalid(format!(
                "MINVALUE ({min}) must be less than MAXVALUE ({max})"
            )));
        }
        let start = start.unwrap_or(if increment > 0 { min } else { max });
        if start < min {
            return Err(invalid(format!(
                "START value ({start}) cannot be less than MINVALUE ({min})"
            )));
        }
        if start > max {
            return Err(invalid(format!(
                "START value ({start}) cannot be greater than MAXVALUE ({max})"
            )));
        }
        if cache < 1 {
            return Err(invalid(format!(
                "CACHE ({cache}) must be greater than zero"
            )));
        }
        Ok(SequenceDef {
            bits,
            increment,
            min,
            max,
            start,
            cache,
            cycle,
        })
    }

    /// The options as PostgreSQL spells them: what the marker constraint keeps.
    pub fn to_options(&self) -> String {
        format!(
            "AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}CYCLE",
            type_name(self.bits),
            self.increment,
            self.min,
            self.max,
            self.start,
            self.cache,
            if self.cycle { "" } else { "NO " }
        )
    }

    /// The definition kept in a table's `CREATE TABLE` text, if that table is a sequence.
    pub fn from_table_sql(sql: &str) -> Option<SequenceDef> {
        let at = sql.find(MARKER)?;
        let rest = &sql[at..];
        let open = rest.find('\'')? + 1;
        let close = open + rest[open..].find('\'')?;
        let text = format!("CREATE SEQUENCE s {}", &rest[open..close]);
        match Parser::parse_sql(&PostgreSqlDialect {}, &text)
            .ok()?
            .as_slice()
        {
            [
                Statement::CreateSequence {
                    sequence_options, ..
                },
            ] => SequenceDef::from_options(sequence_options).ok(),
            _ => None,
        }
    }

    /// The SQL type name of the sequence's values.
    pub fn type_name(&self) -> &'static str {
        type_name(self.bits)
    }
}

fn type_bits(ty: &DataType) -> Result<u8, PgError> {
    Ok(match ty {
        DataType::SmallInt(_) | DataType::Int2(_) => 16,
        DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => 32,
        DataType::BigInt(_) | DataType::Int8(_) => 64,
        other => {
            return Err(PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "sequence type must be smallint, integer, or bigint",
            )
            .with_detail(format!("The type given was {other}.")));
        }
    })
}

fn type_range(bits: u8) -> (i64, i64) {
    match bits {
        16 => (i16::MIN.into(), i16::MAX.into()),
        32 => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    }
}

fn type_name(bits: u8) -> &'static str {
    match bits {
        16 => "smallint",
        32 => "integer",
        _ => "bigint",
    }
}

/// An integer option value (a literal, maybe negative).
fn integer(expr: &Expr, option: &str) -> Result<i64, PgError> {
    let value = match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse::<i64>().ok(),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => integer(expr, option).ok().and_then(i64::checked_neg),
        Expr::UnaryOp {
            op: UnaryOperator::Plus,
            expr,
        } => integer(expr, option).ok(),
        _ => None,
    };
    value.ok_or_else(|| {
        PgError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("{option} requires an integer value, not {expr}"),
        )
    })
}

/// The unqualified name of a relation (`public.s` is `s`), folded as PostgreSQL folds
/// it: the name of its SQLite table.
pub fn object_name(name: &ObjectName) -> Option<String> {
    let parts: Vec<_> = name.0.iter().filter_map(|p| p.as_ident()).collect();
    let ident = match parts.as_slice() {
        [ident] => ident,
        [schema, ident] if schema.value.eq_ignore_ascii_case("public") => ident,
        _ => return None,
    };
    Some(match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    })
}

/// Quotes an identifier for SQLite.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The `CREATE TABLE` of a sequence.
pub fn create_table(name: &str, def: &SequenceDef, if_not_exists: bool) -> String {
    format!(
        "CREATE TABLE {}{} (last_value bigint NOT NULL, log_cnt bigint NOT NULL, \
         is_called boolean NOT NULL, CONSTRAINT {MARKER} CHECK ('{}' <> ''))",
        if if_not_exists { "IF NOT EXISTS " } else { "" },
        quote(name),
        def.to_options()
    )
}

/// The statements standing for `CREATE SEQUENCE` or `DROP SEQUENCE`, or `None` for any
/// other statement. A definition PostgreSQL would refuse is refused the same way.
pub fn rewrite(statement: &str) -> Option<Result<Rewrite, PgError>> {
    let parsed = Parser::parse_sql(&PostgreSqlDialect {}, statement).ok()?;
    match parsed.as_slice() {
        [
            Statement::CreateSequence {
                temporary: false,
                if_not_exists,
                name,
                sequence_options,
            },
        ] => Some(create(name, *if_not_exists, sequence_options)),
        [
            Statement::Drop {
                object_type: ObjectType::Sequence,
                if_exists,
                names,
                ..
            },
        ] => Some(drop(names, *if_exists)),
        _ => None,
    }
}

fn steps(statements: Vec<String>, tag: &'static str) -> Rewrite {
    Rewrite::Steps(Steps {
        statements,
        tag,
        outside_block: false,
        changes_schema: true,
        skipped: None,
    })
}

fn create(
    name: &ObjectName,
    if_not_exists: bool,
    options: &[SequenceOptions],
) -> Result<Rewrite, PgError> {
    let table = object_name(name).ok_or_else(|| {
        PgError::new(
            SqlState::INVALID_SCHEMA_NAME,
            format!("schema \"{name}\" does not exist"),
        )
    })?;
    let def = SequenceDef::from_options(options)?;
    let insert = format!(
        "INSERT INTO {} (last_value, log_cnt, is_called) SELECT {}, 0, 0 \
         WHERE NOT EXISTS (SELECT 1 FROM {})",
        quote(&table),
        def.start,
        quote(&table)
    );
    Ok(steps(
        vec![create_table(&table, &def, if_not_exists), insert],
        "CREATE SEQUENCE",
    ))
}

fn drop(names: &[ObjectName], if_exists: bool) -> Result<Rewrite, PgError> {
    let mut statements = Vec::new();
    for name in names {
        let Some(table) = object_name(name) else {
            continue;
        };
        // Refuses a table that is not a sequence (42809), and a missing one unless
        // IF EXISTS (42P01).
        statements.push(format!(
            "SELECT pg_sequence_for_drop('{}', {})",
            table.replace('\'', "''"),
            i32::from(if_exists)
        ));
        statements.push(format!("DROP TABLE IF EXISTS {}", quote(&table)));
    }
    Ok(steps(statements, "DROP SEQUENCE"))
}

/// The effect of `ALTER SEQUENCE name ...` that pgsqlite keeps: `RESTART [WITH n]`
/// resets the sequence, `OWNED BY` is accepted (SQLite drops nothing along with a table);
/// other options are refused (0A000). `tokens` are the statement's words after the name.
pub fn alter(name: &str, rest: &[String]) -> Result<Vec<String>, PgError> {
    let words: Vec<String> = rest.iter().map(|w| w.to_ascii_lowercase()).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["owned", "by", ..] => Ok(Vec::new()),
        ["restart"] => Ok(vec![format!(
            "SELECT pg_sequence_restart('{}', NULL)",
            name.replace('\'', "''")
        )]),
        ["restart", value @ ..] => {
            // `RESTART [WITH] n`, the sign a token of its own.
            let value = value.strip_prefix(&["with"]).unwrap_or(value).concat();
            let value: i64 = value.parse().map_err(|_| {
                PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("RESTART requires an integer value, not {value}"),
                )
            })?;
            Ok(vec![format!(
                "SELECT pg_sequence_restart('{}', {value})",
                name.replace('\'', "''")
            )])
        }
        _ => Err(PgError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            "ALTER SEQUENCE is supported for RESTART and OWNED BY only",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(options: &str) -> Result<SequenceDef, PgError> {
        let text = format!("CREATE SEQUENCE s {options}");
        match Parser::parse_sql(&PostgreSqlDialect {}, &text)
            .unwrap()
            .as_slice()
        {
            [
                Statement::CreateSequence {
                    sequence_options, ..
                },
            ] => SequenceDef::from_options(sequence_options),
            _ => unreachable!(),
        }
    }

    #[test]
    fn defaults_follow_the_direction_and_the_type() {
        assert_eq!(def("").unwrap(), SequenceDef::default());
        let down = def("INCREMENT -1 AS integer").unwrap();
        assert_eq!((down.min, down.max, down.start), (i32::MIN.into(), -1, -1));
        let small = def("AS smallint START 5").unwrap();
        assert_eq!((small.max, small.start), (32767, 5));
    }

    #[test]
    fn bad_definitions_are_refused_as_postgresql_refuses_them() {
        for (options, message) in [
            ("INCREMENT 0", "INCREMENT must not be zero"),
            (
                "START 0",
                "START value (0) cannot be less than MINVALUE (1)",
            ),
            (
                "MINVALUE 10 MAXVALUE 5",
                "MINVALUE (10) must be less than MAXVALUE (5)",
            ),
            (
                "AS smallint MAXVALUE 100000",
                "MAXVALUE (100000) is out of range for sequence data type smallint",
            ),
        ] {
            let err = def(options).unwrap_err();
            assert_eq!(err.code, SqlState::INVALID_PARAMETER_VALUE);
            assert_eq!(err.message, message, "{options}");
        }
    }

    #[test]
    fn the_definition_survives_the_table_text() {
        let d = def("AS integer INCREMENT BY 5 START 10 CYCLE").unwrap();
        let sql = create_table("s", &d, false);
        assert_eq!(SequenceDef::from_table_sql(&sql), Some(d));
        assert_eq!(SequenceDef::from_table_sql("CREATE TABLE t (a int)"), None);
    }
}
