//! `encode(bytea, format)` and `decode(text, format)` with PostgreSQL's formats `hex`,
//! `base64` (lines of 76 characters) and `escape`.

use super::pg_function_error;
use super::strings::text_arg;
use crate::error::SqlState;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Result};

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Registers `encode` and `decode` on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("encode", 2, flags, |ctx| encode(ctx))?;
    conn.create_scalar_function("decode", 2, flags, |ctx| decode(ctx))?;
    Ok(())
}

fn unknown_encoding(name: &str) -> rusqlite::Error {
    pg_function_error(
        SqlState::INVALID_PARAMETER_VALUE,
        &format!("unrecognized encoding: \"{name}\""),
    )
}

fn encode(ctx: &Context<'_>) -> Result<Option<String>> {
    let bytes: &[u8] = match ctx.get_raw(0) {
        ValueRef::Null => return Ok(None),
        ValueRef::Blob(b) | ValueRef::Text(b) => b,
        _ => {
            return Err(pg_function_error(
                SqlState::UNDEFINED_FUNCTION,
                "function encode(integer, unknown) does not exist",
            ));
        }
    };
    let Some(format) = text_arg(ctx, 1)? else {
        return Ok(None);
    };
    let mut out = String::with_capacity(bytes.len() * 2);
    match format.to_ascii_lowercase().as_str() {
        "hex" => {
            for b in bytes {
                out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
                out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
            }
        }
        "base64" => {
            for (i, chunk) in bytes.chunks(3).enumerate() {
                if i > 0 && i % 19 == 0 {
                    out.push('\n');
                }
                let n = chunk
                    .iter()
                    .enumerate()
                    .fold(0u32, |n, (k, b)| n | u32::from(*b) << (16 - 8 * k));
                for k in 0..4 {
                    if k <= chunk.len() {
                        out.push(char::from(BASE64[(n >> (18 - 6 * k) & 63) as usize]));
                    } else {
                        out.push('=');
                    }
                }
            }
        }
        "escape" => {
            for b in bytes {
                match b {
                    0 | 0x80..=0xff => out.push_str(&format!("\\{b:03o}")),
                    b'\\' => out.push_str("\\\\"),
                    other => out.push(char::from(*other)),
                }
            }
        }
        other => return Err(unknown_encoding(other)),
    }
    Ok(Some(out))
}

fn decode(ctx: &Context<'_>) -> Result<Option<Vec<u8>>> {
    let (Some(text), Some(format)) = (text_arg(ctx, 0)?, text_arg(ctx, 1)?) else {
        return Ok(None);
    };
    let invalid = |what: &str| pg_function_error(SqlState::INVALID_PARAMETER_VALUE, what);
    let mut out = Vec::with_capacity(text.len());
    match format.to_ascii_lowercase().as_str() {
        "hex" => {
            let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            if digits.len() % 2 != 0 {
                return Err(invalid("invalid hexadecimal data: odd number of digits"));
            }
            for pair in digits.chunks(2) {
                let hex = std::str::from_utf8(pair).unwrap_or("");
                let b = u8::from_str_radix(hex, 16).map_err(|_| {
                    invalid(&format!(
                        "invalid hexadecimal digit: \"{}\"",
                        char::from(pair[0])
                    ))
                })?;
                out.push(b);
            }
        }
        "base64" => {
            let (mut acc, mut bits) = (0u32, 0u32);
            for c in text.bytes().filter(|b| !b.is_ascii_whitespace()) {
                if c == b'=' {
                    break;
                }
                let Some(v) = BASE64.iter().position(|x| *x == c) else {
                    return Err(invalid(&format!(
                        "invalid symbol \"{}\" found while decoding base64 sequence",
                        char::from(c)
                    )));
                };
                acc = acc << 6 | v as u32;
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    out.push((acc >> bits) as u8);
                    acc &= (1 << bits) - 1;
                }
            }
        }
        "escape" => {
            let bytes = text.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'\\' {
                    if bytes.get(i + 1) == Some(&b'\\') {
                        out.push(b'\\');
                        i += 2;
                        continue;
                    }
                    let octal = bytes.get(i + 1..i + 4).and_then(|d| {
                        std::str::from_utf8(d)
                            .ok()
                            .and_then(|s| u8::from_str_radix(s, 8).ok())
                    });
                    match octal {
                        Some(b) => {
                            out.push(b);
                            i += 4;
                        }
                        None => return Err(invalid("invalid input syntax for type bytea")),
                    }
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
        }
        other => return Err(unknown_encoding(other)),
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::Value;

    fn one(sql: &str) -> std::result::Result<Value, String> {
        crate::executor::testing::one(register, sql)
    }

    #[test]
    fn encodings() {
        assert_eq!(
            one("SELECT encode(X'616263', 'base64')"),
            Ok(Value::Text("YWJj".into()))
        );
        assert_eq!(
            one("SELECT encode(X'6162', 'base64')"),
            Ok(Value::Text("YWI=".into()))
        );
        assert_eq!(
            one("SELECT encode(X'00ff', 'hex')"),
            Ok(Value::Text("00ff".into()))
        );
        assert_eq!(
            one("SELECT encode(X'5c00', 'escape')"),
            Ok(Value::Text("\\\\\\000".into()))
        );
        assert_eq!(
            one("SELECT decode('YWI=', 'base64')"),
            Ok(Value::Blob(b"ab".to_vec()))
        );
        assert_eq!(
            one("SELECT decode('00ff', 'hex')"),
            Ok(Value::Blob(vec![0, 255]))
        );
        assert!(
            one("SELECT encode(X'00', 'rot13')")
                .unwrap_err()
                .contains("22023")
        );
        let long = one("SELECT encode(zeroblob(60), 'base64')").unwrap();
        let Value::Text(t) = long else { panic!() };
        assert_eq!(t.lines().next().map(str::len), Some(76));
    }
}
