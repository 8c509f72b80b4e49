//! COPY's text format: lines of delimiter-separated fields with backslash escapes.
//!
//! Reading splits one line into fields and unescapes them (`\t`, `\n`, `\\`, octal
//! `\ooo`, hex `\xhh`, ...); a field equal to the null string as written (`\N` by
//! default) is NULL. Writing escapes a value's text form exactly as PostgreSQL does, so
//! the output is byte-identical to its.

use super::row::RowFields;
use crate::error::{PgError, SqlState};
use bytes::{BufMut, BytesMut};

/// Splits `line` (found at `base` in the input slice the row refers to) into `row`.
pub fn parse_line(
    line: &[u8],
    base: usize,
    delimiter: u8,
    null: &[u8],
    row: &mut RowFields,
) -> Result<(), PgError> {
    row.clear();
    let mut start = 0;
    loop {
        let mut end = start;
        let mut escaped = false;
        while let Some(found) = memchr::memchr2(delimiter, b'\\', &line[end..]) {
            let at = end + found;
            if line[at] == b'\\' {
                escaped = true;
                end = (at + 2).min(line.len());
            } else {
                end = at;
                break;
            }
        }
        let ends_line = end >= line.len() || line[end] != delimiter;
        if ends_line {
            end = line.len();
        }
        let raw = &line[start..end];
        if raw == null {
            row.push_null();
        } else if !escaped {
            row.push_input(base + start..base + end);
        } else {
            let at = row.scratch().len();
            unescape(raw, row.scratch())?;
            row.push_scratch(at);
        }
        if ends_line {
            return Ok(());
        }
        start = end + 1;
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Appends the unescaped form of `raw` to `out`.
fn unescape(raw: &[u8], out: &mut Vec<u8>) -> Result<(), PgError> {
    let mut i = 0;
    while i < raw.len() {
        let Some(found) = memchr::memchr(b'\\', &raw[i..]) else {
            out.extend_from_slice(&raw[i..]);
            return Ok(());
        };
        out.extend_from_slice(&raw[i..i + found]);
        i += found + 1;
        let Some(&c) = raw.get(i) else {
            // A backslash at the very end stands for nothing.
            return Ok(());
        };
        i += 1;
        let byte = match c {
            b'0'..=b'7' => {
                let mut value = u32::from(c - b'0');
                for _ in 0..2 {
                    match raw.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            value = (value << 3) + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                (value & 0xff) as u8
            }
            b'x' => match raw.get(i).copied().and_then(hex_digit) {
                Some(high) => {
                    i += 1;
                    match raw.get(i).copied().and_then(hex_digit) {
                        Some(low) => {
                            i += 1;
                            high * 16 + low
                        }
                        None => high,
                    }
                }
                None => b'x',
            },
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            other => other,
        };
        if byte == 0 {
            return Err(PgError::new(
                SqlState::CHARACTER_NOT_IN_REPERTOIRE,
                "invalid byte sequence for encoding \"UTF8\": 0x00",
            ));
        }
        out.push(byte);
    }
    Ok(())
}

/// Appends `value` (a value's text form) escaped for the text format.
pub fn write_escaped(value: &[u8], delimiter: u8, out: &mut BytesMut) {
    let mut start = 0;
    for (i, &c) in value.iter().enumerate() {
        let escaped = if c < 0x20 {
            match c {
                0x08 => b'b',
                0x0c => b'f',
                b'\n' => b'n',
                b'\r' => b'r',
                b'\t' => b't',
                0x0b => b'v',
                // Other control characters go as they are, unless one is the delimiter.
                _ if c == delimiter => c,
                _ => continue,
            }
        } else if c == b'\\' || c == delimiter {
            c
        } else {
            continue;
        };
        out.put_slice(&value[start..i]);
        out.put_u8(b'\\');
        out.put_u8(escaped);
        start = i + 1;
    }
    out.put_slice(&value[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut row = RowFields::default();
        parse_line(line, 0, b'\t', b"\\N", &mut row).unwrap();
        (0..row.len())
            .map(|i| row.get(i, line).map(<[u8]>::to_vec))
            .collect()
    }

    fn s(v: &str) -> Option<Vec<u8>> {
        Some(v.as_bytes().to_vec())
    }

    #[test]
    fn splits_and_unescapes() {
        assert_eq!(fields(b"1\tx"), vec![s("1"), s("x")]);
        assert_eq!(fields(b""), vec![s("")]);
        assert_eq!(fields(b"a\t"), vec![s("a"), s("")]);
        assert_eq!(fields(b"\\N\t\\\\N"), vec![None, s("\\N")]);
        assert_eq!(
            fields(b"a\\tb\\\\c\\nd\t\\101\\x41\\x4g\\q\\"),
            vec![s("a\tb\\c\nd"), s("AA\x04gq")]
        );
        assert_eq!(fields(b"x\\\ty"), vec![s("x\ty")]);
        let mut row = RowFields::default();
        assert!(parse_line(b"\\0", 0, b'\t', b"\\N", &mut row).is_err());
    }

    #[test]
    fn escapes_like_postgresql() {
        let mut out = BytesMut::new();
        write_escaped(b"a\tb\\c\nd\re\x01|", b'\t', &mut out);
        assert_eq!(&out[..], b"a\\tb\\\\c\\nd\\re\x01|");
        out.clear();
        write_escaped(b"a|b\x01", b'|', &mut out);
        assert_eq!(&out[..], b"a\\|b\x01");
        out.clear();
        write_escaped(b"\x01", 0x01, &mut out);
        assert_eq!(&out[..], b"\\\x01");
    }
}
