//! A PostgreSQL-rules tokenizer over `&str` that yields borrowed tokens; shared by every
//! other part of the `sql` module.
//!
//! It follows the lexical structure described in the "SQL Syntax" chapter of the PostgreSQL
//! documentation: standard strings with `''`, `E'...'` strings with backslash escapes,
//! dollar quoting, quoted identifiers, nesting block comments, `$n` parameters. It never
//! fails: anything unterminated runs to the end of the input (SQLite reports the syntax
//! error later), and a byte it does not know becomes a one-byte [`TokenKind::Other`].
//!
//! Every token boundary falls on an ASCII byte or at the end of the input, so spans are
//! always valid `str` boundaries.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Spaces, tabs, newlines, carriage returns, form feeds.
    Whitespace,
    /// `-- ...` up to, not including, the end of the line.
    LineComment,
    /// `/* ... */`; these nest.
    BlockComment,
    /// An unquoted identifier or keyword.
    Ident,
    /// A `"double quoted"` identifier.
    QuotedIdent,
    /// A standard string constant `'...'` (also `N'...'` and `U&'...'`).
    String,
    /// An escape string constant `E'...'`.
    EscapeString,
    /// A bit-string or hex constant `B'...'` / `X'...'`.
    BitString,
    /// A dollar-quoted string `$tag$...$tag$`.
    DollarString,
    /// A numeric constant: `1`, `1.5`, `.5`, `1e10`, `0x1F`.
    Number,
    /// A positional parameter `$n`.
    Param,
    /// An operator: `::`, `<=`, `||`, `->>`, a single operator character, ...
    Operator,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `;`
    Semicolon,
    /// `.`
    Dot,
    /// Any other single byte (a stray `$`, `\`, `{`, a control character, ...).
    Other,
}

/// One token: its kind and the source text it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// What the token is.
    pub kind: TokenKind,
    /// Byte offset of the token in the source.
    pub start: usize,
    /// The source text of the token (`&source[start..start + text.len()]`).
    pub text: &'a str,
}

impl<'a> Token<'a> {
    /// Byte offset just past the token.
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }

    /// Whitespace or a comment.
    pub fn is_trivia(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment
        )
    }

    /// An unquoted identifier equal to `keyword`, ignoring ASCII case.
    pub fn is_keyword(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Ident && self.text.eq_ignore_ascii_case(keyword)
    }

    /// An unquoted identifier equal to one of `keywords`, ignoring ASCII case.
    pub fn is_any_keyword(&self, keywords: &[&str]) -> bool {
        self.kind == TokenKind::Ident && keywords.iter().any(|k| self.text.eq_ignore_ascii_case(k))
    }

    /// An operator token with exactly this text.
    pub fn is_operator(&self, op: &str) -> bool {
        self.kind == TokenKind::Operator && self.text == op
    }

    /// An identifier, quoted or not.
    pub fn is_identifier(&self) -> bool {
        matches!(self.kind, TokenKind::Ident | TokenKind::QuotedIdent)
    }

    /// A string constant of any flavour except bit strings.
    pub fn is_string(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::String | TokenKind::EscapeString | TokenKind::DollarString
        )
    }

    /// The number `n` of a `$n` parameter token (saturating on absurdly long numbers).
    pub fn param_number(&self) -> Option<usize> {
        if self.kind != TokenKind::Param {
            return None;
        }
        let digits = self.text.get(1..)?;
        let mut n: usize = 0;
        for b in digits.bytes() {
            n = n
                .saturating_mul(10)
                .saturating_add(usize::from(b.wrapping_sub(b'0')));
        }
        Some(n)
    }
}

/// An iterator over every token of a string, trivia included.
#[derive(Clone, Debug)]
pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer positioned at the start of `src`.
    pub fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let start = self.pos;
        if start >= self.src.len() {
            return None;
        }
        let (kind, mut end) = lex_one(self.src.as_bytes(), start);
        // Both are guaranteed by construction; keep the iterator total regardless.
        end = end.clamp(start + 1, self.src.len());
        while !self.src.is_char_boundary(end) {
            end += 1;
        }
        self.pos = end;
        Some(Token {
            kind,
            start,
            text: self.src.get(start..end).unwrap_or(""),
        })
    }
}

/// Every token of `sql`, trivia included.
pub fn tokenize(sql: &str) -> Lexer<'_> {
    Lexer::new(sql)
}

/// The tokens of `sql` that are not whitespace or comments.
pub fn significant(sql: &str) -> impl Iterator<Item = Token<'_>> + Clone {
    Lexer::new(sql).filter(|t| !t.is_trivia())
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_cont(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn is_operator_char(b: u8) -> bool {
    matches!(
        b,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'='
            | b'~'
            | b'!'
            | b'@'
            | b'#'
            | b'%'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
    )
}

/// Multi-character operators recognised as one token, longest first.
const MULTI_OPERATORS: &[&[u8]] = &[
    b"->>", b"#>>", b"::", b"<=", b">=", b"<>", b"!=", b"||", b"->", b"#>", b"@>", b"<@", b"<<",
    b">>", b"==", b"=>", b"!~", b"~*", b"&&", b"@@", b"?|", b"?&",
];

/// Lexes one token starting at `i` (which is in bounds); returns its kind and end offset.
fn lex_one(bytes: &[u8], i: usize) -> (TokenKind, usize) {
    let at = |k: usize| bytes.get(k).copied().unwrap_or(0);
    let b = at(i);
    let next = at(i + 1);
    match b {
        _ if is_space(b) => {
            let mut j = i + 1;
            while j < bytes.len() && is_space(at(j)) {
                j += 1;
            }
            (TokenKind::Whitespace, j)
        }
        b'-' if next == b'-' => {
            let end = memchr(bytes, i + 2, b'\n').unwrap_or(bytes.len());
            (TokenKind::LineComment, end)
        }
        b'/' if next == b'*' => (TokenKind::BlockComment, block_comment_end(bytes, i)),
        b'\'' => (TokenKind::String, quoted_end(bytes, i + 1, b'\'')),
        b'"' => (TokenKind::QuotedIdent, quoted_end(bytes, i + 1, b'"')),
        b'$' if next.is_ascii_digit() => {
            let mut j = i + 1;
            while at(j).is_ascii_digit() {
                j += 1;
            }
            (TokenKind::Param, j)
        }
        b'$' => match dollar_string_end(bytes, i) {
            Some(end) => (TokenKind::DollarString, end),
            None => (TokenKind::Other, i + 1),
        },
        b'0'..=b'9' => (TokenKind::Number, number_end(bytes, i)),
        b'.' if next.is_ascii_digit() => (TokenKind::Number, number_end(bytes, i)),
        b'.' => (TokenKind::Dot, i + 1),
        b'(' => (TokenKind::LParen, i + 1),
        b')' => (TokenKind::RParen, i + 1),
        b'[' => (TokenKind::LBracket, i + 1),
        b']' => (TokenKind::RBracket, i + 1),
        b',' => (TokenKind::Comma, i + 1),
        b';' => (TokenKind::Semicolon, i + 1),
        b'e' | b'E' if next == b'\'' => (TokenKind::EscapeString, escape_string_end(bytes, i + 2)),
        b'b' | b'B' | b'x' | b'X' if next == b'\'' => {
            (TokenKind::BitString, quoted_end(bytes, i + 2, b'\''))
        }
        b'n' | b'N' if next == b'\'' => (TokenKind::String, quoted_end(bytes, i + 2, b'\'')),
        b'u' | b'U' if next == b'&' && at(i + 2) == b'\'' => {
            (TokenKind::String, quoted_end(bytes, i + 3, b'\''))
        }
        _ if is_ident_start(b) => {
            let mut j = i + 1;
            while j < bytes.len() && is_ident_cont(at(j)) {
                j += 1;
            }
            (TokenKind::Ident, j)
        }
        b':' if next == b':' => (TokenKind::Operator, i + 2),
        _ if is_operator_char(b) => {
            let rest = bytes.get(i..).unwrap_or(&[]);
            let len = MULTI_OPERATORS
                .iter()
                .find(|op| rest.starts_with(op))
                .map_or(1, |op| op.len());
            (TokenKind::Operator, i + len)
        }
        b':' => (TokenKind::Operator, i + 1),
        _ => (TokenKind::Other, i + 1),
    }
}

fn memchr(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|p| p + from)
}

/// End of a quoted run whose body starts at `from`, with `quote` doubled as its escape.
fn quoted_end(bytes: &[u8], from: usize, quote: u8) -> usize {
    closing_quote(bytes, from, quote).unwrap_or(bytes.len())
}

/// Like [`quoted_end`], but `None` when the closing quote is missing.
fn closing_quote(bytes: &[u8], from: usize, quote: u8) -> Option<usize> {
    let mut j = from;
    while let Some(&b) = bytes.get(j) {
        if b == quote {
            if bytes.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return Some(j + 1);
        }
        j += 1;
    }
    None
}

/// End of an `E'...'` string whose body starts at `from`.
fn escape_string_end(bytes: &[u8], from: usize) -> usize {
    escape_string_close(bytes, from).unwrap_or(bytes.len())
}

/// Like [`escape_string_end`], but `None` when the closing quote is missing.
fn escape_string_close(bytes: &[u8], from: usize) -> Option<usize> {
    let mut j = from;
    while let Some(&b) = bytes.get(j) {
        match b {
            b'\\' => j += 2,
            b'\'' if bytes.get(j + 1) == Some(&b'\'') => j += 2,
            b'\'' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

fn block_comment_end(bytes: &[u8], i: usize) -> usize {
    let mut depth = 1usize;
    let mut j = i + 2;
    while j < bytes.len() {
        let pair = (bytes.get(j).copied(), bytes.get(j + 1).copied());
        match pair {
            (Some(b'/'), Some(b'*')) => {
                depth += 1;
                j += 2;
            }
            (Some(b'*'), Some(b'/')) => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return j;
                }
            }
            _ => j += 1,
        }
    }
    bytes.len()
}

fn number_end(bytes: &[u8], i: usize) -> usize {
    let at = |k: usize| bytes.get(k).copied().unwrap_or(0);
    let mut j = i;
    if at(j) == b'0' && matches!(at(j + 1), b'x' | b'X') && at(j + 2).is_ascii_hexdigit() {
        j += 2;
        while at(j).is_ascii_hexdigit() {
            j += 1;
        }
        return j;
    }
    while at(j).is_ascii_digit() {
        j += 1;
    }
    if at(j) == b'.' && at(j + 1) != b'.' {
        j += 1;
        while at(j).is_ascii_digit() {
            j += 1;
        }
    }
    if matches!(at(j), b'e' | b'E') {
        let sign = usize::from(matches!(at(j + 1), b'+' | b'-'));
        if at(j + 1 + sign).is_ascii_digit() {
            j += 1 + sign;
            while at(j).is_ascii_digit() {
                j += 1;
            }
        }
    }
    j
}

/// If a dollar-quote delimiter (`$$` or `$tag$`) starts at `i`, the end of the whole string.
fn dollar_string_end(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if bytes.get(j).is_some_and(|&b| is_ident_start(b)) {
        while bytes.get(j).is_some_and(|&b| is_ident_cont(b) && b != b'$') {
            j += 1;
        }
    }
    if bytes.get(j) != Some(&b'$') {
        return None;
    }
    let delim = bytes.get(i..=j)?;
    let body = j + 1;
    let rest = bytes.get(body..)?;
    let found = rest.windows(delim.len()).position(|w| w == delim);
    Some(found.map_or(bytes.len(), |p| body + p + delim.len()))
}

/// The name an identifier token denotes: unquoted identifiers are folded to lower case
/// (ASCII only, as PostgreSQL does for UTF-8), quoted ones lose their quotes and `""`
/// becomes `"`. Any other token gives its text unchanged.
pub fn identifier_name(token: &Token<'_>) -> String {
    match token.kind {
        TokenKind::Ident => token.text.to_ascii_lowercase(),
        TokenKind::QuotedIdent => unquote_identifier(token.text),
        _ => token.text.to_owned(),
    }
}

fn unquote_identifier(text: &str) -> String {
    let inner = text.strip_prefix('"').unwrap_or(text);
    let inner = if closing_quote(text.as_bytes(), 1, b'"').is_some() {
        inner.strip_suffix('"').unwrap_or(inner)
    } else {
        inner
    };
    inner.replace("\"\"", "\"")
}

/// The value of a string-constant token (`'...'`, `N'...'`, `E'...'`, `$$...$$`), or `None`
/// for any other token or an escape string that does not decode to valid UTF-8 without NUL.
pub fn string_value(token: &Token<'_>) -> Option<String> {
    match token.kind {
        TokenKind::String => {
            let text = token.text;
            let body = if text.starts_with('\'') {
                text
            } else if text.starts_with(['u', 'U']) {
                // U&'...' escapes are rare; keep the body as written.
                text.get(2..)?
            } else {
                text.get(1..)?
            };
            let body = body.strip_prefix('\'').unwrap_or(body);
            let body = body.strip_suffix('\'').unwrap_or(body);
            Some(body.replace("''", "'"))
        }
        TokenKind::EscapeString => {
            let body = token.text.get(2..)?;
            let terminated = escape_string_close(body.as_bytes(), 0).is_some();
            let body = if terminated {
                body.strip_suffix('\'').unwrap_or(body)
            } else {
                body
            };
            decode_escape_string(body)
        }
        TokenKind::DollarString => {
            let text = token.text;
            let open = text.get(1..)?.find('$')? + 2;
            let body = text.get(open..)?;
            let delim = text.get(..open)?;
            Some(body.strip_suffix(delim).unwrap_or(body).to_owned())
        }
        _ => None,
    }
}

/// Decodes the body of an `E'...'` string (without its quotes): `\b \f \n \r \t`, octal
/// `\o`-`\ooo`, hex `\xh`/`\xhh`, `\uXXXX`, `\UXXXXXXXX`, any other `\c` as `c`, and `''`
/// as `'`. `None` if the result is not valid UTF-8 or contains a NUL byte (PostgreSQL
/// rejects both).
pub fn decode_escape_string(body: &str) -> Option<String> {
    let bytes = body.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'\'' {
            out.push(b'\'');
            i += if bytes.get(i + 1) == Some(&b'\'') {
                2
            } else {
                1
            };
            continue;
        }
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&c) = bytes.get(i + 1) else {
            out.push(b'\\');
            break;
        };
        i += 2;
        match c {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut k = 0;
                while k < 2 && bytes.get(i).is_some_and(|d| (b'0'..=b'7').contains(d)) {
                    v = v * 8 + u32::from(bytes.get(i).copied().unwrap_or(b'0') - b'0');
                    i += 1;
                    k += 1;
                }
                out.push((v & 0xff) as u8);
            }
            b'x' if bytes.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                let mut v = 0u32;
                let mut k = 0;
                while k < 2 {
                    let Some(d) = bytes.get(i).and_then(|&d| (d as char).to_digit(16)) else {
                        break;
                    };
                    v = v * 16 + d;
                    i += 1;
                    k += 1;
                }
                out.push((v & 0xff) as u8);
            }
            b'u' | b'U' => {
                let width = if c == b'u' { 4 } else { 8 };
                let hex = bytes.get(i..i + width)?;
                let hex = std::str::from_utf8(hex).ok()?;
                let code = u32::from_str_radix(hex, 16).ok()?;
                let ch = char::from_u32(code)?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                i += width;
            }
            other => out.push(other),
        }
    }
    if out.contains(&0) {
        return None;
    }
    String::from_utf8(out).ok()
}

/// Given significant tokens and the index of a `(` or `[`, the index of its matching closer.
pub fn matching_close(tokens: &[Token<'_>], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        match t.kind {
            TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RParen | TokenKind::RBracket => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether an identifier token directly followed by `(` makes that parenthesis a function
/// call (`lower(`, `"f"(`, `cast(`, `left(`), rather than a subquery or a grouping after a
/// keyword (`IN (`, `FROM (`, `EXISTS (`, `VALUES (`, `OVER (`).
pub fn precedes_call(token: &Token<'_>) -> bool {
    match token.kind {
        TokenKind::QuotedIdent => true,
        TokenKind::Ident => {
            token.is_any_keyword(&["cast", "left", "right"])
                || !(is_reserved_keyword(token.text)
                    || token.is_any_keyword(&[
                        "values",
                        "over",
                        "filter",
                        "within",
                        "materialized",
                        "set",
                        "key",
                        "conflict",
                    ]))
        }
        _ => false,
    }
}

/// PostgreSQL's reserved key words (plus the join words and `IS`/`LIKE`-style operators
/// that can never be a bare column alias), lower case. Used by the heuristics to tell an
/// identifier from a keyword.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "between",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "full",
    "glob",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "placing",
    "primary",
    "references",
    "regexp",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "when",
    "where",
    "window",
    "with",
];

/// Whether `word` is one of PostgreSQL's reserved key words (or a join word, `IS`, `LIKE`,
/// `GLOB`, ... that can never be a bare alias), ignoring ASCII case.
pub fn is_reserved_keyword(word: &str) -> bool {
    let mut buf = [0u8; 20];
    let Some(lower) = buf.get_mut(..word.len()) else {
        return false;
    };
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    let lower: &[u8] = lower;
    RESERVED
        .binary_search_by(|k| k.as_bytes().cmp(lower))
        .is_ok()
}

/// Deterministic xorshift generator for the garbled-input tests of the whole module.
#[cfg(test)]
pub(crate) fn garbled_inputs(count: usize) -> impl Iterator<Item = String> {
    const PIECES: &[&str] = &[
        "'",
        "\"",
        "$",
        "$$",
        "$a$",
        "E'",
        "\\",
        "--",
        "/*",
        "*/",
        ";",
        "(",
        ")",
        "::",
        "$1",
        "select",
        "insert",
        "into",
        "values",
        "create",
        "trigger",
        "begin",
        "end",
        "with",
        "as",
        "cast",
        "default",
        "serial",
        "ilike",
        "not",
        "in",
        "between",
        "and",
        "limit",
        " ",
        "\n",
        ",",
        ".",
        "*",
        "=",
        "1",
        "1.5",
        "é",
        "\u{0}",
        "x",
        "t",
        "set",
        "to",
        "[",
        "]",
        "from",
        "join",
        "update",
        "delete",
        "returning",
        "case",
        "table",
        "e",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count).map(move |i| {
        let len = (next() % 24) as usize;
        if i % 3 == 0 {
            // Raw bytes, made valid UTF-8 lossily.
            let bytes: Vec<u8> = (0..len * 2).map(|_| next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(TokenKind, &str)> {
        significant(sql).map(|t| (t.kind, t.text)).collect()
    }

    #[test]
    fn reserved_list_is_sorted() {
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]));
        assert!(is_reserved_keyword("SELECT"));
        assert!(is_reserved_keyword("Current_Timestamp"));
        assert!(!is_reserved_keyword("users"));
        assert!(!is_reserved_keyword("a_very_long_identifier_name"));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            kinds("'it''s' x"),
            vec![(TokenKind::String, "'it''s'"), (TokenKind::Ident, "x")]
        );
        assert_eq!(
            kinds(r"E'a\'b' 1"),
            vec![
                (TokenKind::EscapeString, r"E'a\'b'"),
                (TokenKind::Number, "1")
            ]
        );
        assert_eq!(
            kinds(r"'a\' b"),
            vec![(TokenKind::String, r"'a\'"), (TokenKind::Ident, "b")]
        );
        assert_eq!(kinds("X'0aFF'")[0].0, TokenKind::BitString);
        assert_eq!(kinds("N'x'")[0], (TokenKind::String, "N'x'"));
        assert_eq!(kinds("e'x'")[0].0, TokenKind::EscapeString);
        // An identifier that merely starts with e.
        assert_eq!(kinds("ex'x'")[0], (TokenKind::Ident, "ex"));
    }

    #[test]
    fn dollar_quoting() {
        assert_eq!(
            kinds("$$a;'b$$ x"),
            vec![
                (TokenKind::DollarString, "$$a;'b$$"),
                (TokenKind::Ident, "x")
            ]
        );
        assert_eq!(
            kinds("$fn$ $$ inner $$ $fn$;"),
            vec![
                (TokenKind::DollarString, "$fn$ $$ inner $$ $fn$"),
                (TokenKind::Semicolon, ";")
            ]
        );
        assert_eq!(
            kinds("$1 $23"),
            vec![(TokenKind::Param, "$1"), (TokenKind::Param, "$23")]
        );
        // `$1abc$` is a parameter followed by an identifier, never a tag.
        assert_eq!(kinds("$1abc$")[0], (TokenKind::Param, "$1"));
        assert_eq!(kinds("a$b")[0], (TokenKind::Ident, "a$b"));
        assert_eq!(kinds("$ x")[0], (TokenKind::Other, "$"));
        assert_eq!(kinds("$a$ never closed")[0].0, TokenKind::DollarString);
    }

    #[test]
    fn comments_nest() {
        let sql = "/* a /* b */ c */ x -- tail\ny";
        let all: Vec<_> = tokenize(sql).map(|t| (t.kind, t.text)).collect();
        assert_eq!(all[0], (TokenKind::BlockComment, "/* a /* b */ c */"));
        assert_eq!(
            kinds(sql),
            vec![(TokenKind::Ident, "x"), (TokenKind::Ident, "y")]
        );
        assert!(all.contains(&(TokenKind::LineComment, "-- tail")));
        assert_eq!(kinds("/* open /* */"), vec![]);
    }

    #[test]
    fn numbers_operators_punctuation() {
        assert_eq!(
            kinds("1 1.5 .5 1e10 2.5E-3 0x1F 3."),
            vec![
                (TokenKind::Number, "1"),
                (TokenKind::Number, "1.5"),
                (TokenKind::Number, ".5"),
                (TokenKind::Number, "1e10"),
                (TokenKind::Number, "2.5E-3"),
                (TokenKind::Number, "0x1F"),
                (TokenKind::Number, "3."),
            ]
        );
        assert_eq!(
            kinds("a::int<=b<>c!=d||e>=f"),
            vec![
                (TokenKind::Ident, "a"),
                (TokenKind::Operator, "::"),
                (TokenKind::Ident, "int"),
                (TokenKind::Operator, "<="),
                (TokenKind::Ident, "b"),
                (TokenKind::Operator, "<>"),
                (TokenKind::Ident, "c"),
                (TokenKind::Operator, "!="),
                (TokenKind::Ident, "d"),
                (TokenKind::Operator, "||"),
                (TokenKind::Ident, "e"),
                (TokenKind::Operator, ">="),
                (TokenKind::Ident, "f"),
            ]
        );
        assert_eq!(
            kinds("(t.a[1]),;"),
            vec![
                (TokenKind::LParen, "("),
                (TokenKind::Ident, "t"),
                (TokenKind::Dot, "."),
                (TokenKind::Ident, "a"),
                (TokenKind::LBracket, "["),
                (TokenKind::Number, "1"),
                (TokenKind::RBracket, "]"),
                (TokenKind::RParen, ")"),
                (TokenKind::Comma, ","),
                (TokenKind::Semicolon, ";"),
            ]
        );
        assert_eq!(kinds("1-1")[1], (TokenKind::Operator, "-"));
        assert_eq!(kinds("a->>'k'")[1], (TokenKind::Operator, "->>"));
    }

    #[test]
    fn identifiers() {
        assert_eq!(
            kinds(r#""My ""x""" _a1 été"#),
            vec![
                (TokenKind::QuotedIdent, r#""My ""x""""#),
                (TokenKind::Ident, "_a1"),
                (TokenKind::Ident, "été"),
            ]
        );
        let t = significant(r#""My ""x""""#).next().unwrap();
        assert_eq!(identifier_name(&t), r#"My "x""#);
        let t = significant("MixedCase").next().unwrap();
        assert_eq!(identifier_name(&t), "mixedcase");
        assert!(t.is_keyword("MIXEDCASE"));
    }

    #[test]
    fn string_values() {
        let v = |s: &str| string_value(&significant(s).next().unwrap());
        assert_eq!(v("'it''s'").as_deref(), Some("it's"));
        assert_eq!(v(r"E'a\nb\x41\101\u00e9\'q'").as_deref(), Some("a\nbAAé'q"));
        assert_eq!(v(r"E'\0'"), None);
        assert_eq!(v("$t$ x $t$").as_deref(), Some(" x "));
        assert_eq!(v("$$$$").as_deref(), Some(""));
        assert_eq!(v("'open").as_deref(), Some("open"));
        assert_eq!(v("x"), None);
    }

    #[test]
    fn spans_cover_input_exactly() {
        let sql = "SELECT 'a', \"b\" /* c */ -- d\n FROM t WHERE x = $1;";
        let mut pos = 0;
        for t in tokenize(sql) {
            assert_eq!(t.start, pos);
            assert_eq!(&sql[t.start..t.end()], t.text);
            pos = t.end();
        }
        assert_eq!(pos, sql.len());
    }

    #[test]
    fn never_panics_and_spans_stay_consistent() {
        for input in garbled_inputs(50_000) {
            let mut pos = 0;
            for t in tokenize(&input) {
                assert_eq!(t.start, pos);
                assert!(!t.text.is_empty());
                pos = t.end();
                let _ = t.param_number();
                let _ = string_value(&t);
                let _ = identifier_name(&t);
                let _ = is_reserved_keyword(t.text);
                let _ = precedes_call(&t);
            }
            assert_eq!(pos, input.len());
            let _ = decode_escape_string(&input);
            let toks: Vec<_> = significant(&input).collect();
            for k in 0..toks.len() {
                if let Some(close) = matching_close(&toks, k) {
                    assert!(close >= k);
                }
            }
        }
    }
}
