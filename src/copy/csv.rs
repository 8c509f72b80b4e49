//! COPY's CSV format: fields separated by a delimiter, quoted where they must be.
//!
//! Reading follows PostgreSQL: an unquoted field equal to the null string is NULL (a
//! quoted one never is, unless FORCE_NULL says so; FORCE_NOT_NULL makes the unquoted
//! null string a value); inside quotes the escape character protects a quote or
//! itself. Writing quotes a value when FORCE_QUOTE asks, when it contains the
//! delimiter, the quote character or a newline, when it equals the null string, or when
//! it is `\.` alone on its line.

use super::row::RowFields;
use crate::error::{PgError, SqlState};
use bytes::{BufMut, BytesMut};

/// The characters that shape CSV data.
#[derive(Clone, Copy, Debug)]
pub struct CsvSyntax<'a> {
    /// Field separator.
    pub delimiter: u8,
    /// Quote character.
    pub quote: u8,
    /// Escape character inside quotes.
    pub escape: u8,
    /// The null string.
    pub null: &'a [u8],
}

/// Splits one CSV line (found at `base` in the input slice the row refers to) into
/// `row`. `force_not_null` and `force_null` are per column (missing entries: false).
pub fn parse_line(
    line: &[u8],
    base: usize,
    syntax: &CsvSyntax<'_>,
    force_not_null: &[bool],
    force_null: &[bool],
    row: &mut RowFields,
) -> Result<(), PgError> {
    row.clear();
    let mut i = 0;
    let mut column = 0;
    loop {
        let start = i;
        let scratch_start = row.scratch().len();
        let mut saw_quote = false;
        let mut in_quote = false;
        // Until the first quote the field is a plain range of the input.
        let mut plain = true;
        loop {
            let Some(&c) = line.get(i) else {
                if in_quote {
                    return Err(PgError::new(
                        SqlState::BAD_COPY_FILE_FORMAT,
                        "unterminated CSV quoted field",
                    ));
                }
                break;
            };
            if !in_quote {
                if c == syntax.delimiter {
                    break;
                }
                if c == syntax.quote {
                    saw_quote = true;
                    in_quote = true;
                    if plain {
                        plain = false;
                        row.scratch().extend_from_slice(&line[start..i]);
                    }
                } else if !plain {
                    row.scratch().push(c);
                }
                i += 1;
            } else {
                if c == syntax.escape
                    && let Some(&next) = line.get(i + 1)
                    && (next == syntax.quote || next == syntax.escape)
                {
                    row.scratch().push(next);
                    i += 2;
                    continue;
                }
                if c == syntax.quote {
                    in_quote = false;
                } else {
                    row.scratch().push(c);
                }
                i += 1;
            }
        }
        let raw = &line[start..i];
        let not_null = force_not_null.get(column).copied().unwrap_or(false);
        if !saw_quote && raw == syntax.null && !not_null {
            row.push_null();
        } else if plain {
            row.push_input(base + start..base + i);
        } else {
            row.push_scratch(scratch_start);
            let forced_null = force_null.get(column).copied().unwrap_or(false);
            if forced_null && row.scratch()[scratch_start..] == *syntax.null {
                row.set_null(column);
            }
        }
        column += 1;
        if i >= line.len() {
            return Ok(());
        }
        i += 1;
    }
}

/// Appends one CSV field for the non-NULL value `value`. `force` is FORCE_QUOTE for its
/// column; `single_column` says the row has only this field.
pub fn write_field(
    value: &[u8],
    syntax: &CsvSyntax<'_>,
    force: bool,
    single_column: bool,
    out: &mut BytesMut,
) {
    let quote = force
        || value == syntax.null
        || (single_column && value == b"\\.")
        || value
            .iter()
            .any(|&c| c == syntax.delimiter || c == syntax.quote || c == b'\n' || c == b'\r');
    if !quote {
        out.put_slice(value);
        return;
    }
    out.put_u8(syntax.quote);
    let mut start = 0;
    for (i, &c) in value.iter().enumerate() {
        if c == syntax.quote || c == syntax.escape {
            out.put_slice(&value[start..i]);
            out.put_u8(syntax.escape);
            start = i;
        }
    }
    out.put_slice(&value[start..]);
    out.put_u8(syntax.quote);
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: CsvSyntax<'static> = CsvSyntax {
        delimiter: b',',
        quote: b'"',
        escape: b'"',
        null: b"",
    };

    fn fields(
        line: &[u8],
        syntax: &CsvSyntax<'_>,
        nn: &[bool],
        fnull: &[bool],
    ) -> Vec<Option<String>> {
        let mut row = RowFields::default();
        parse_line(line, 0, syntax, nn, fnull, &mut row).unwrap();
        (0..row.len())
            .map(|i| {
                row.get(i, line)
                    .map(|v| String::from_utf8_lossy(v).into_owned())
            })
            .collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn reads_quotes_nulls_and_forcing() {
        assert_eq!(
            fields(b"1,\"a,b\",,\"\",\"x\"\"y\",\"a\nb\"c", &CSV, &[], &[]),
            vec![s("1"), s("a,b"), None, s(""), s("x\"y"), s("a\nbc")]
        );
        assert_eq!(
            fields(b",\"\"", &CSV, &[true], &[false, true]),
            vec![s(""), None]
        );
        let custom = CsvSyntax {
            delimiter: b';',
            quote: b'\'',
            escape: b'\\',
            null: b"NUL",
        };
        assert_eq!(
            fields(b"NUL;'NUL';'a\\'b';x\\y", &custom, &[], &[]),
            vec![None, s("NUL"), s("a'b"), s("x\\y")]
        );
        let mut row = RowFields::default();
        let err = parse_line(b"1,\"ab", 0, &CSV, &[], &[], &mut row).unwrap_err();
        assert_eq!(err.message, "unterminated CSV quoted field");
    }

    #[test]
    fn writes_like_postgresql() {
        let mut out = BytesMut::new();
        for (value, force, single) in [
            (&b"a,b"[..], false, false),
            (b"", false, false),
            (b"x\"y", false, false),
            (b"\\.", false, true),
            (b"\\.", false, false),
            (b"plain", true, false),
        ] {
            write_field(value, &CSV, force, single, &mut out);
            out.put_u8(b'|');
        }
        assert_eq!(&out[..], b"\"a,b\"|\"\"|\"x\"\"y\"|\"\\.\"|\\.|\"plain\"|");
        out.clear();
        let custom = CsvSyntax {
            delimiter: b',',
            quote: b'\'',
            escape: b'\\',
            null: b"NUL",
        };
        write_field(b"x'y", &custom, true, false, &mut out);
        write_field(b"NUL", &custom, false, false, &mut out);
        assert_eq!(&out[..], b"'x\\'y''NUL'");
    }
}
