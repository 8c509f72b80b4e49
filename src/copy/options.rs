//! COPY options: the format and its settings, checked the way PostgreSQL checks them.
//!
//! The statement parser ([`crate::sql::copy`]) turns both the parenthesized option list
//! and the legacy keywords (`CSV HEADER`, `BINARY`, `DELIMITER AS ','`) into
//! [`RawOption`]s; [`CopyOptions::new`] resolves them, fills in the defaults of the
//! chosen format and rejects combinations PostgreSQL rejects, with its SQLSTATEs and
//! wording.

use crate::error::{PgError, SqlState};

/// The data format of a COPY.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CopyFormat {
    /// Tab-separated lines with backslash escapes (the default).
    #[default]
    Text,
    /// Comma-separated values with quoting.
    Csv,
    /// PostgreSQL's binary COPY format: a signature, then fields in their binary send form.
    Binary,
}

/// Whether the data starts with a line of column names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Header {
    /// No header line.
    #[default]
    Absent,
    /// A header line: written by COPY TO, skipped by COPY FROM.
    Present,
    /// COPY FROM only: the header line must name the columns, in order.
    Match,
}

/// Columns an option applies to: none, every column (`*`), or the named ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ColumnSet {
    /// No column.
    #[default]
    None,
    /// Every column (`FORCE_QUOTE *`).
    All,
    /// The named columns.
    Named(Vec<String>),
}

impl ColumnSet {
    /// True unless the set is [`ColumnSet::None`].
    pub fn is_set(&self) -> bool {
        !matches!(self, ColumnSet::None)
    }

    /// The named columns (empty for `None` and `All`).
    pub fn names(&self) -> &[String] {
        match self {
            ColumnSet::Named(names) => names,
            _ => &[],
        }
    }
}

/// The value given to an option in the statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionValue {
    /// The option name alone (`HEADER`, `CSV`).
    Bare,
    /// A string constant, keyword or number.
    Word(String),
    /// `*`.
    Star,
    /// A parenthesized list of column names.
    List(Vec<String>),
}

/// One option as written, before it is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawOption {
    /// The option name, lower case (`format`, `delimiter`, `force_quote`, ...).
    pub name: String,
    /// Its value.
    pub value: OptionValue,
    /// Where its name is in the statement (1-based character position), for errors.
    pub position: Option<u32>,
}

/// The resolved options of one COPY.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyOptions {
    /// Text, CSV or binary.
    pub format: CopyFormat,
    /// The field separator (text and CSV).
    pub delimiter: u8,
    /// The string that stands for NULL (text and CSV).
    pub null: Vec<u8>,
    /// Header line handling.
    pub header: Header,
    /// The CSV quote character.
    pub quote: u8,
    /// The CSV escape character (the quote character unless set).
    pub escape: u8,
    /// COPY TO, CSV: columns whose non-NULL values are always quoted.
    pub force_quote: ColumnSet,
    /// COPY FROM, CSV: columns where an unquoted null string is an empty string.
    pub force_not_null: Vec<String>,
    /// COPY FROM, CSV: columns where a quoted null string is NULL too.
    pub force_null: Vec<String>,
}

/// Points `err` at `option` in the statement, as PostgreSQL does for errors about one
/// option.
fn at(option: &RawOption, err: PgError) -> PgError {
    match option.position {
        Some(position) => err.with_position(position),
        None => err,
    }
}

fn redundant() -> PgError {
    PgError::new(SqlState::SYNTAX_ERROR, "conflicting or redundant options")
}

fn word(option: &RawOption) -> Result<&str, PgError> {
    match &option.value {
        OptionValue::Word(w) => Ok(w),
        _ => Err(PgError::new(
            SqlState::SYNTAX_ERROR,
            format!("{} requires a parameter", option.name),
        )),
    }
}

/// A Boolean option value as PostgreSQL reads one (`defGetBoolean`).
fn boolean(option: &RawOption) -> Result<bool, PgError> {
    let OptionValue::Word(w) = &option.value else {
        if option.value == OptionValue::Bare {
            return Ok(true);
        }
        return Err(not_boolean(&option.name));
    };
    match w.to_ascii_lowercase().as_str() {
        "true" | "on" | "1" => Ok(true),
        "false" | "off" | "0" => Ok(false),
        _ => Err(not_boolean(&option.name)),
    }
}

fn not_boolean(name: &str) -> PgError {
    PgError::new(
        SqlState::SYNTAX_ERROR,
        format!("{name} requires a Boolean value"),
    )
}

fn column_list(option: &RawOption, star: bool) -> Result<ColumnSet, PgError> {
    match &option.value {
        OptionValue::List(names) => Ok(ColumnSet::Named(names.clone())),
        OptionValue::Star if star => Ok(ColumnSet::All),
        _ => Err(PgError::new(
            SqlState::SYNTAX_ERROR,
            format!(
                "argument to option \"{}\" must be a list of column names",
                option.name
            ),
        )),
    }
}

fn not_supported(message: &'static str) -> PgError {
    PgError::new(SqlState::FEATURE_NOT_SUPPORTED, message)
}

fn invalid(message: impl Into<std::borrow::Cow<'static, str>>) -> PgError {
    PgError::new(SqlState::INVALID_PARAMETER_VALUE, message)
}

/// Set-once slot: a second setting of the same option is "conflicting or redundant".
fn set_once<T>(slot: &mut Option<T>, value: T) -> Result<(), PgError> {
    if slot.is_some() {
        return Err(redundant());
    }
    *slot = Some(value);
    Ok(())
}

impl CopyOptions {
    /// Resolves `raw` for a COPY FROM (`from`) or COPY TO, with PostgreSQL's checks.
    pub fn new(raw: &[RawOption], from: bool) -> Result<CopyOptions, PgError> {
        let mut format = None;
        let mut delimiter: Option<String> = None;
        let mut null: Option<String> = None;
        let mut header = None;
        let mut quote: Option<String> = None;
        let mut escape: Option<String> = None;
        let mut force_quote = None;
        let mut force_not_null = None;
        let mut force_null = None;
        let mut freeze = None;
        let mut encoding = None;
        for option in raw {
            let mut apply = || -> Result<(), PgError> {
                match option.name.as_str() {
                    "format" => {
                        let name = word(option)?;
                        let chosen = match name.to_ascii_lowercase().as_str() {
                            "text" => CopyFormat::Text,
                            "csv" => CopyFormat::Csv,
                            "binary" => CopyFormat::Binary,
                            _ => {
                                return Err(invalid(format!(
                                    "COPY format \"{name}\" not recognized"
                                )));
                            }
                        };
                        set_once(&mut format, chosen)?;
                    }
                    "freeze" => set_once(&mut freeze, boolean(option)?)?,
                    "delimiter" => set_once(&mut delimiter, word(option)?.to_string())?,
                    "null" => set_once(&mut null, word(option)?.to_string())?,
                    "header" => {
                        let choice = match &option.value {
                            OptionValue::Word(w) if w.eq_ignore_ascii_case("match") => {
                                if !from {
                                    return Err(not_supported(
                                        "cannot use \"match\" with HEADER in COPY TO",
                                    ));
                                }
                                Header::Match
                            }
                            _ => match boolean(option) {
                                Ok(true) => Header::Present,
                                Ok(false) => Header::Absent,
                                Err(_) => {
                                    return Err(PgError::new(
                                        SqlState::SYNTAX_ERROR,
                                        "header requires a Boolean value or \"match\"",
                                    ));
                                }
                            },
                        };
                        set_once(&mut header, choice)?;
                    }
                    "quote" => set_once(&mut quote, word(option)?.to_string())?,
                    "escape" => set_once(&mut escape, word(option)?.to_string())?,
                    "force_quote" => set_once(&mut force_quote, column_list(option, true)?)?,
                    "force_not_null" => {
                        set_once(&mut force_not_null, column_list(option, false)?)?;
                    }
                    "force_null" => set_once(&mut force_null, column_list(option, false)?)?,
                    "encoding" => set_once(&mut encoding, word(option)?.to_string())?,
                    name => {
                        return Err(PgError::new(
                            SqlState::SYNTAX_ERROR,
                            format!("option \"{name}\" not recognized"),
                        ));
                    }
                }
                Ok(())
            };
            apply().map_err(|err| {
                // PostgreSQL points at the option for these, not for value checks.
                let message = &err.message;
                if message.ends_with("not recognized")
                    || message.starts_with("conflicting")
                    || message.ends_with("must be a list of column names")
                {
                    at(option, err)
                } else {
                    err
                }
            })?;
        }
        let format = format.unwrap_or_default();
        let csv = format == CopyFormat::Csv;
        if format == CopyFormat::Binary {
            if delimiter.is_some() {
                return Err(PgError::new(
                    SqlState::SYNTAX_ERROR,
                    "cannot specify DELIMITER in BINARY mode",
                ));
            }
            if null.is_some() {
                return Err(PgError::new(
                    SqlState::SYNTAX_ERROR,
                    "cannot specify NULL in BINARY mode",
                ));
            }
            if header.is_some_and(|h| h != Header::Absent) {
                return Err(PgError::new(
                    SqlState::SYNTAX_ERROR,
                    "cannot specify HEADER in BINARY mode",
                ));
            }
        }
        if let Some(name) = &encoding {
            check_encoding(name)?;
        }
        let delimiter = delimiter.unwrap_or_else(|| if csv { "," } else { "\t" }.to_string());
        let null = null.unwrap_or_else(|| if csv { "" } else { "\\N" }.to_string());
        if delimiter.len() != 1 {
            return Err(not_supported(
                "COPY delimiter must be a single one-byte character",
            ));
        }
        let delim = delimiter.as_bytes()[0];
        if delim == b'\n' || delim == b'\r' {
            return Err(invalid(
                "COPY delimiter cannot be newline or carriage return",
            ));
        }
        if null.contains(['\n', '\r']) {
            return Err(invalid(
                "COPY null representation cannot use newline or carriage return",
            ));
        }
        if !csv && b"\\.abcdefghijklmnopqrstuvwxyz0123456789".contains(&delim) {
            return Err(invalid(format!("COPY delimiter cannot be \"{delimiter}\"")));
        }
        if !csv && quote.is_some() {
            return Err(not_supported("COPY quote available only in CSV mode"));
        }
        let quote = quote.unwrap_or_else(|| "\"".to_string());
        if csv && quote.len() != 1 {
            return Err(not_supported(
                "COPY quote must be a single one-byte character",
            ));
        }
        let quote_byte = quote.as_bytes().first().copied().unwrap_or(b'"');
        if csv && delim == quote_byte {
            return Err(invalid("COPY delimiter and quote must be different"));
        }
        if !csv && escape.is_some() {
            return Err(not_supported("COPY escape available only in CSV mode"));
        }
        let escape = escape.unwrap_or_else(|| quote.clone());
        if csv && escape.len() != 1 {
            return Err(not_supported(
                "COPY escape must be a single one-byte character",
            ));
        }
        let escape_byte = escape.as_bytes().first().copied().unwrap_or(quote_byte);
        let force_quote = force_quote.unwrap_or_default();
        if !csv && force_quote.is_set() {
            return Err(not_supported("COPY force quote available only in CSV mode"));
        }
        if force_quote.is_set() && from {
            return Err(not_supported(
                "COPY force quote only available using COPY TO",
            ));
        }
        let force_not_null = force_not_null.unwrap_or_default();
        if !csv && force_not_null.is_set() {
            return Err(not_supported(
                "COPY force not null available only in CSV mode",
            ));
        }
        if force_not_null.is_set() && !from {
            return Err(not_supported(
                "COPY force not null only available using COPY FROM",
            ));
        }
        let force_null = force_null.unwrap_or_default();
        if !csv && force_null.is_set() {
            return Err(not_supported("COPY force null available only in CSV mode"));
        }
        if force_null.is_set() && !from {
            return Err(not_supported(
                "COPY force null only available using COPY FROM",
            ));
        }
        if null.as_bytes().contains(&delim) {
            return Err(not_supported(
                "COPY delimiter must not appear in the NULL specification",
            ));
        }
        if csv && null.as_bytes().contains(&quote_byte) {
            return Err(not_supported(
                "CSV quote character must not appear in the NULL specification",
            ));
        }
        Ok(CopyOptions {
            format,
            delimiter: delim,
            null: null.into_bytes(),
            header: header.unwrap_or_default(),
            quote: quote_byte,
            escape: escape_byte,
            force_quote,
            force_not_null: force_not_null.names().to_vec(),
            force_null: force_null.names().to_vec(),
        })
    }
}

/// pgsqlite stores text as UTF-8 and exchanges it as UTF-8: the ENCODING option may only
/// name UTF-8 (spelled as PostgreSQL allows: case and punctuation do not matter).
fn check_encoding(name: &str) -> Result<(), PgError> {
    let normalized: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match normalized.as_str() {
        "utf8" | "unicode" => Ok(()),
        _ => Err(PgError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            format!("COPY encoding \"{name}\" is not supported by pgsqlite"),
        )
        .with_hint("pgsqlite exchanges all text as UTF8.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(name: &str, value: OptionValue) -> RawOption {
        RawOption {
            name: name.to_string(),
            value,
            position: None,
        }
    }

    fn w(s: &str) -> OptionValue {
        OptionValue::Word(s.to_string())
    }

    #[test]
    fn defaults_follow_the_format() {
        let text = CopyOptions::new(&[], true).unwrap();
        assert_eq!(text.format, CopyFormat::Text);
        assert_eq!((text.delimiter, text.null.as_slice()), (b'\t', &b"\\N"[..]));
        let csv = CopyOptions::new(&[opt("format", w("csv"))], true).unwrap();
        assert_eq!((csv.delimiter, csv.null.as_slice()), (b',', &b""[..]));
        assert_eq!((csv.quote, csv.escape), (b'"', b'"'));
        let csv = CopyOptions::new(&[opt("format", w("CSV")), opt("quote", w("'"))], true).unwrap();
        assert_eq!(csv.escape, b'\'');
    }

    #[test]
    fn checks_match_postgresql() {
        let err = |raw: &[RawOption], from| CopyOptions::new(raw, from).unwrap_err();
        let e = err(&[opt("format", w("xml"))], true);
        assert_eq!(e.code, SqlState::INVALID_PARAMETER_VALUE);
        assert_eq!(e.message, "COPY format \"xml\" not recognized");
        let e = err(&[opt("format", w("csv")), opt("format", w("csv"))], true);
        assert_eq!(e.message, "conflicting or redundant options");
        let e = err(&[opt("delimiter", w("ab"))], true);
        assert_eq!(e.code, SqlState::FEATURE_NOT_SUPPORTED);
        let e = err(&[opt("foo", w("1"))], true);
        assert_eq!(e.message, "option \"foo\" not recognized");
        let e = err(
            &[opt("format", w("binary")), opt("delimiter", w(","))],
            true,
        );
        assert_eq!(e.message, "cannot specify DELIMITER in BINARY mode");
        let e = err(&[opt("header", w("match"))], false);
        assert_eq!(e.message, "cannot use \"match\" with HEADER in COPY TO");
        let e = err(&[opt("header", w("x"))], false);
        assert_eq!(e.message, "header requires a Boolean value or \"match\"");
        let e = err(&[opt("force_quote", OptionValue::Star)], false);
        assert_eq!(e.message, "COPY force quote available only in CSV mode");
        let e = err(
            &[
                opt("format", w("csv")),
                opt("force_not_null", OptionValue::Star),
            ],
            true,
        );
        assert_eq!(
            e.message,
            "argument to option \"force_not_null\" must be a list of column names"
        );
        let e = err(&[opt("delimiter", w("."))], true);
        assert_eq!(e.message, "COPY delimiter cannot be \".\"");
        let e = err(&[opt("encoding", w("latin1"))], true);
        assert_eq!(e.code, SqlState::FEATURE_NOT_SUPPORTED);
        assert!(CopyOptions::new(&[opt("encoding", w("UTF-8"))], true).is_ok());
    }
}
