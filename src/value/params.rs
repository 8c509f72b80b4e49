//! Bind parameter decoding: text- and binary-format parameter values turned into the values
//! SQLite stores for each PostgreSQL type (see the storage table in [`crate::value`]).

use rusqlite::types::{ToSqlOutput, Value, ValueRef};

use crate::error::{PgError, SqlState};
use crate::protocol::types::Oid;

use super::datetime::{self, DateTimeText, DateTimeType};
use super::numeric::{self, Decimal};
use super::{IntError, Kind};

/// Message of a binary parameter with the wrong length (22P03), before the parameter number
/// is appended by [`super::ValueHandler::decode_bind_param`].
pub const BINARY_FORMAT_MESSAGE: &str = "incorrect binary data format in bind parameter";

fn borrowed_text(raw: &[u8]) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(ValueRef::Text(raw))
}

fn owned(v: Value) -> ToSqlOutput<'static> {
    ToSqlOutput::Owned(v)
}

/// The stored text for a date/time or uuid: borrows `raw` when it already is that text.
fn canonical_text<'a>(raw: &'a [u8], canonical: &[u8]) -> ToSqlOutput<'a> {
    if raw == canonical {
        borrowed_text(raw)
    } else {
        owned(Value::Text(String::from_utf8_lossy(canonical).into_owned()))
    }
}

/// Decodes a text-format parameter of type `ty`.
pub fn decode_text(raw: &[u8], ty: Oid) -> Result<ToSqlOutput<'_>, PgError> {
    if std::str::from_utf8(raw).is_err() {
        return Err(super::invalid_utf8(raw));
    }
    let kind = Kind::of(ty);
    Ok(match kind {
        Kind::Int2 | Kind::Int4 | Kind::Int8 | Kind::Oid => {
            let v = match super::parse_int(raw) {
                Ok(v) => v,
                Err(IntError::Syntax) => return Err(super::invalid_text(kind, raw)),
                Err(IntError::Range) => {
                    return Err(super::value_out_of_range(kind, raw.trim_ascii()));
                }
            };
            let v = super::check_int_range(kind, v)
                .ok_or_else(|| super::value_out_of_range(kind, raw.trim_ascii()))?;
            owned(Value::Integer(v))
        }
        Kind::Float4 | Kind::Float8 => match super::parse_float(raw, kind) {
            Ok(v) => owned(Value::Real(v)),
            Err(true) => return Err(super::invalid_text(kind, raw)),
            Err(false) => return Err(super::float_out_of_range(kind, raw)),
        },
        Kind::Bool => match super::parse_bool(raw) {
            Some(b) => owned(Value::Integer(i64::from(b))),
            None => return Err(super::invalid_text(kind, raw)),
        },
        Kind::Numeric => {
            let d = Decimal::parse(raw).map_err(|e| e.to_pg(raw))?;
            if Decimal::is_canonical_text(raw) {
                borrowed_text(raw)
            } else {
                let mut text = Vec::with_capacity(raw.len() + 2);
                d.write_text(&mut text);
                owned(Value::Text(String::from_utf8_lossy(&text).into_owned()))
            }
        }
        Kind::Text | Kind::Jsonb | Kind::Other => borrowed_text(raw),
        Kind::Bytea => owned(Value::Blob(decode_bytea_text(raw)?)),
        Kind::Date | Kind::Time | Kind::Timestamp | Kind::TimestampTz => {
            let dt = kind.datetime().unwrap_or(DateTimeType::Timestamp);
            let text = match dt {
                DateTimeType::Date => datetime::parse_date(raw).map(datetime::format_date),
                DateTimeType::Time => datetime::parse_time(raw).map(datetime::format_time),
                DateTimeType::Timestamp => datetime::parse_timestamp(raw, false)
                    .map(|t| datetime::format_timestamp(t, false)),
                DateTimeType::TimestampTz => datetime::parse_timestamp(raw, true)
                    .map(|t| datetime::format_timestamp(t, true)),
            }
            .map_err(|e| e.to_pg(dt, raw))?;
            canonical_text(raw, text.as_bytes())
        }
        Kind::Uuid => {
            let u = super::parse_uuid(raw).ok_or_else(|| super::invalid_text(kind, raw))?;
            canonical_text(raw, &super::format_uuid(&u))
        }
    })
}

/// Decodes a text-format `bytea`: hex form (`\x` then hex digit pairs, whitespace between
/// pairs allowed) or the escape form (`\\` for a backslash, `\ooo` octal for any byte).
pub fn decode_bytea_text(raw: &[u8]) -> Result<Vec<u8>, PgError> {
    if let Some(hex) = raw.strip_prefix(b"\\x") {
        let mut out = Vec::with_capacity(hex.len() / 2);
        let mut rest = hex;
        while let Some((&c, after)) = rest.split_first() {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                rest = after;
                continue;
            }
            let Some((&c2, after2)) = after.split_first() else {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "invalid hexadecimal data: odd number of digits",
                ));
            };
            let digit = |c: u8| {
                super::hex_value(c).ok_or_else(|| {
                    PgError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("invalid hexadecimal digit: \"{}\"", char::from(c)),
                    )
                })
            };
            out.push((digit(c)? << 4) | digit(c2)?);
            rest = after2;
        }
        return Ok(out);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some((&c, after)) = rest.split_first() {
        if c != b'\\' {
            out.push(c);
            rest = after;
            continue;
        }
        match after {
            [b'\\', tail @ ..] => {
                out.push(b'\\');
                rest = tail;
            }
            [a @ b'0'..=b'3', b @ b'0'..=b'7', c @ b'0'..=b'7', tail @ ..] => {
                out.push(((a - b'0') << 6) | ((b - b'0') << 3) | (c - b'0'));
                rest = tail;
            }
            _ => {
                return Err(PgError::new(
                    SqlState::INVALID_TEXT_REPRESENTATION,
                    "invalid input syntax for type bytea",
                ));
            }
        }
    }
    Ok(out)
}

/// 22P03 for a binary parameter that does not have the type's layout.
fn binary_format_error(kind: Kind, detail: String) -> PgError {
    PgError::new(
        SqlState::INVALID_BINARY_REPRESENTATION,
        BINARY_FORMAT_MESSAGE,
    )
    .with_detail(format!("{}: {detail}", kind.pg_name()))
}

/// The bytes of a fixed-size binary parameter.
fn fixed<const N: usize>(raw: &[u8], kind: Kind) -> Result<[u8; N], PgError> {
    raw.try_into()
        .map_err(|_| binary_format_error(kind, format!("expected {N} bytes, got {}", raw.len())))
}

/// 22008 for a binary date/time outside the supported range.
fn datetime_out_of_range(what: &str) -> PgError {
    PgError::new(
        SqlState::DATETIME_FIELD_OVERFLOW,
        format!("{what} out of range"),
    )
}

fn owned_datetime(text: DateTimeText) -> ToSqlOutput<'static> {
    owned(Value::Text(text.as_str().to_owned()))
}

/// Decodes a binary-format parameter of type `ty`.
pub fn decode_binary(raw: &[u8], ty: Oid) -> Result<ToSqlOutput<'_>, PgError> {
    let kind = Kind::of(ty);
    Ok(match kind {
        Kind::Int2 => owned(Value::Integer(i16::from_be_bytes(fixed(raw, kind)?).into())),
        Kind::Int4 => owned(Value::Integer(i32::from_be_bytes(fixed(raw, kind)?).into())),
        Kind::Int8 => owned(Value::Integer(i64::from_be_bytes(fixed(raw, kind)?))),
        Kind::Oid => owned(Value::Integer(u32::from_be_bytes(fixed(raw, kind)?).into())),
        Kind::Float4 => owned(Value::Real(f32::from_be_bytes(fixed(raw, kind)?).into())),
        Kind::Float8 => owned(Value::Real(f64::from_be_bytes(fixed(raw, kind)?))),
        Kind::Bool => {
            let [b] = fixed::<1>(raw, kind)?;
            owned(Value::Integer(i64::from(b != 0)))
        }
        Kind::Numeric => owned(Value::Text(numeric::binary_to_text(raw)?)),
        Kind::Text => {
            if std::str::from_utf8(raw).is_err() {
                return Err(super::invalid_utf8(raw));
            }
            borrowed_text(raw)
        }
        Kind::Jsonb => match raw.split_first() {
            Some((1, json)) => {
                if std::str::from_utf8(json).is_err() {
                    return Err(super::invalid_utf8(json));
                }
                borrowed_text(json)
            }
            Some((v, _)) => {
                return Err(PgError::new(
                    SqlState::INVALID_BINARY_REPRESENTATION,
                    format!("unsupported jsonb version number {v}"),
                ));
            }
            None => return Err(binary_format_error(kind, "empty value".to_owned())),
        },
        Kind::Other => match crate::protocol::types::element_of(ty) {
            Some(element) => owned(Value::Text(super::array::decode_binary(raw, element)?)),
            None => ToSqlOutput::Borrowed(ValueRef::Blob(raw)),
        },
        Kind::Bytea => ToSqlOutput::Borrowed(ValueRef::Blob(raw)),
        Kind::Date => {
            let days = i32::from_be_bytes(fixed(raw, kind)?);
            if !datetime::date_in_range(days) {
                return Err(datetime_out_of_range("date"));
            }
            owned_datetime(datetime::format_date(days))
        }
        Kind::Time => {
            let usecs = i64::from_be_bytes(fixed(raw, kind)?);
            if !(0..=datetime::USECS_PER_DAY).contains(&usecs) {
                return Err(datetime_out_of_range("time"));
            }
            owned_datetime(datetime::format_time(usecs))
        }
        Kind::Timestamp | Kind::TimestampTz => {
            let ts = i64::from_be_bytes(fixed(raw, kind)?);
            if !datetime::timestamp_in_range(ts) {
                return Err(datetime_out_of_range("timestamp"));
            }
            owned_datetime(datetime::format_timestamp(ts, kind == Kind::TimestampTz))
        }
        Kind::Uuid => {
            let u = fixed::<16>(raw, kind)?;
            let text = super::format_uuid(&u);
            owned(Value::Text(String::from_utf8_lossy(&text).into_owned()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::types::oid;

    fn text(raw: &str, ty: Oid) -> Value {
        match decode_text(raw.as_bytes(), ty).unwrap() {
            ToSqlOutput::Borrowed(v) => Value::try_from(v).unwrap(),
            ToSqlOutput::Owned(v) => v,
            _ => unreachable!(),
        }
    }

    fn is_borrowed(raw: &[u8], ty: Oid, format: bool) -> bool {
        let r = if format {
            decode_binary(raw, ty)
        } else {
            decode_text(raw, ty)
        };
        matches!(r.unwrap(), ToSqlOutput::Borrowed(_))
    }

    fn text_err(raw: &[u8], ty: Oid) -> PgError {
        decode_text(raw, ty).unwrap_err()
    }

    fn bin(raw: &[u8], ty: Oid) -> Value {
        match decode_binary(raw, ty).unwrap() {
            ToSqlOutput::Borrowed(v) => Value::try_from(v).unwrap(),
            ToSqlOutput::Owned(v) => v,
            _ => unreachable!(),
        }
    }

    fn bin_err(raw: &[u8], ty: Oid) -> PgError {
        decode_binary(raw, ty).unwrap_err()
    }

    fn t(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    #[test]
    fn text_integers() {
        assert_eq!(text("42", oid::INT4), Value::Integer(42));
        assert_eq!(text(" -32768 ", oid::INT2), Value::Integer(-32768));
        assert_eq!(
            text("+9223372036854775807", oid::INT8),
            Value::Integer(i64::MAX)
        );
        assert_eq!(text("-1", oid::OID), Value::Integer(4_294_967_295));
        let e = text_err(b"abc", oid::INT4);
        assert_eq!(e.code, SqlState::INVALID_TEXT_REPRESENTATION);
        assert_eq!(e.message, "invalid input syntax for type integer: \"abc\"");
        let e = text_err(b"99999999999", oid::INT4);
        assert_eq!(e.code, SqlState::NUMERIC_VALUE_OUT_OF_RANGE);
        assert_eq!(
            e.message,
            "value \"99999999999\" is out of range for type integer"
        );
        assert_eq!(
            text_err(b"32768", oid::INT2).message,
            "value \"32768\" is out of range for type smallint"
        );
        assert_eq!(
            text_err(b"9223372036854775808", oid::INT8).code,
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE
        );
        assert_eq!(
            text_err(b"", oid::INT8).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        assert_eq!(
            text_err(b"1.5", oid::INT8).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        assert_eq!(
            text_err(&[0xff], oid::INT8).code,
            SqlState::CHARACTER_NOT_IN_REPERTOIRE
        );
    }

    #[test]
    fn text_floats_and_bools() {
        assert_eq!(text("1.5", oid::FLOAT8), Value::Real(1.5));
        assert_eq!(text(" 1e-7 ", oid::FLOAT8), Value::Real(1e-7));
        assert_eq!(
            text("-Infinity", oid::FLOAT8),
            Value::Real(f64::NEG_INFINITY)
        );
        assert_eq!(text("inf", oid::FLOAT8), Value::Real(f64::INFINITY));
        assert!(matches!(text("NaN", oid::FLOAT8), Value::Real(f) if f.is_nan()));
        assert_eq!(text("-0", oid::FLOAT8), Value::Real(-0.0));
        assert_eq!(text("0.1", oid::FLOAT4), Value::Real(f64::from(0.1f32)));
        assert_eq!(
            text_err(b"abc", oid::FLOAT8).message,
            "invalid input syntax for type double precision: \"abc\""
        );
        assert_eq!(
            text_err(b"1e400", oid::FLOAT8).message,
            "\"1e400\" is out of range for type double precision"
        );
        assert_eq!(
            text_err(b"1e-400", oid::FLOAT8).code,
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE
        );
        assert_eq!(
            text_err(b"1e39", oid::FLOAT4).message,
            "\"1e39\" is out of range for type real"
        );
        assert_eq!(
            text_err(b"", oid::FLOAT4).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        assert_eq!(text("t", oid::BOOL), Value::Integer(1));
        assert_eq!(text(" OFF ", oid::BOOL), Value::Integer(0));
        assert_eq!(
            text_err(b"maybe", oid::BOOL).message,
            "invalid input syntax for type boolean: \"maybe\""
        );
    }

    #[test]
    fn text_numerics() {
        assert_eq!(text("123.4500", oid::NUMERIC), t("123.4500"));
        assert!(is_borrowed(b"123.4500", oid::NUMERIC, false));
        assert_eq!(text("0", oid::NUMERIC), t("0"));
        assert_eq!(text("-0.00", oid::NUMERIC), t("0.00"));
        assert_eq!(text(" +1e10 ", oid::NUMERIC), t("10000000000"));
        assert_eq!(text("nan", oid::NUMERIC), t("NaN"));
        assert_eq!(
            text_err(b"1,5", oid::NUMERIC).message,
            "invalid input syntax for type numeric: \"1,5\""
        );
        assert_eq!(
            text_err(b"1e5000", oid::NUMERIC).code,
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE
        );
    }

    #[test]
    fn text_strings_and_bytea() {
        assert_eq!(text("hello", oid::TEXT), t("hello"));
        assert_eq!(text("", oid::VARCHAR), t(""));
        assert!(is_borrowed(b"x", oid::TEXT, false));
        assert!(is_borrowed(b"x", oid::UNSPECIFIED, false));
        assert!(is_borrowed(b"{}", oid::JSONB, false));
        assert_eq!(text("x", 123_456), t("x"));
        assert_eq!(
            text_err(&[b'a', 0xc3], oid::TEXT).message,
            "invalid byte sequence for encoding \"UTF8\": 0xc3"
        );
        assert_eq!(
            text("\\x0a1BfF", oid::BYTEA),
            Value::Blob(vec![0x0a, 0x1b, 0xff])
        );
        assert_eq!(
            text("\\x0a 1b\n", oid::BYTEA),
            Value::Blob(vec![0x0a, 0x1b])
        );
        assert_eq!(text("\\x", oid::BYTEA), Value::Blob(vec![]));
        assert_eq!(text("", oid::BYTEA), Value::Blob(vec![]));
        assert_eq!(
            text("ab\\\\c\\000\\377", oid::BYTEA),
            Value::Blob(b"ab\\c\x00\xff".to_vec())
        );
        let e = text_err(b"\\x0a1", oid::BYTEA);
        assert_eq!(
            (e.code, &*e.message),
            (
                SqlState::INVALID_PARAMETER_VALUE,
                "invalid hexadecimal data: odd number of digits"
            )
        );
        assert_eq!(
            text_err(b"\\x0g", oid::BYTEA).message,
            "invalid hexadecimal digit: \"g\""
        );
        assert_eq!(
            text_err(b"a\\9", oid::BYTEA).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        assert_eq!(
            text_err(b"a\\", oid::BYTEA).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        assert_eq!(
            text_err(b"\\400", oid::BYTEA).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
    }

    #[test]
    fn text_dates_times_uuids() {
        assert_eq!(text("2024-02-29", oid::DATE), t("2024-02-29"));
        assert!(is_borrowed(b"2024-02-29", oid::DATE, false));
        assert_eq!(text("2024-2-9", oid::DATE), t("2024-02-09"));
        assert_eq!(text("9999-12-31", oid::DATE), t("9999-12-31"));
        assert_eq!(text("-infinity", oid::DATE), t("-infinity"));
        assert_eq!(text("13:45", oid::TIME), t("13:45:00"));
        assert_eq!(text("13:45:00.123456789", oid::TIME), t("13:45:00.123457"));
        assert_eq!(
            text("2024-01-02T03:04:05", oid::TIMESTAMP),
            t("2024-01-02 03:04:05")
        );
        assert_eq!(
            text("2024-01-02 03:04:05.100+05", oid::TIMESTAMP),
            t("2024-01-02 03:04:05.1")
        );
        assert_eq!(
            text("2024-01-02 03:04:05+02", oid::TIMESTAMPTZ),
            t("2024-01-02 01:04:05+00")
        );
        assert_eq!(
            text("2024-01-02T03:04:05Z", oid::TIMESTAMPTZ),
            t("2024-01-02 03:04:05+00")
        );
        assert_eq!(
            text("2024-01-01 00:10:00+00:30", oid::TIMESTAMPTZ),
            t("2023-12-31 23:40:00+00")
        );
        assert_eq!(
            text("2024-01-02 03:04:05-0530", oid::TIMESTAMPTZ),
            t("2024-01-02 08:34:05+00")
        );
        assert!(is_borrowed(
            b"2024-01-02 03:04:05+00",
            oid::TIMESTAMPTZ,
            false
        ));
        assert_eq!(text("infinity", oid::TIMESTAMPTZ), t("infinity"));
        let e = text_err(b"xyz", oid::DATE);
        assert_eq!(
            (e.code, &*e.message),
            (
                SqlState::INVALID_DATETIME_FORMAT,
                "invalid input syntax for type date: \"xyz\""
            )
        );
        assert_eq!(
            text_err(b"2024-02-30", oid::DATE).code,
            SqlState::DATETIME_FIELD_OVERFLOW
        );
        assert_eq!(
            text_err(b"25:00", oid::TIME).code,
            SqlState::DATETIME_FIELD_OVERFLOW
        );
        assert_eq!(
            text_err(b"", oid::TIMESTAMP).code,
            SqlState::INVALID_DATETIME_FORMAT
        );
        let canon = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        assert_eq!(
            text("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", oid::UUID),
            t(canon)
        );
        assert_eq!(
            text("{a0eebc999c0b4ef8bb6d6bb9bd380a11}", oid::UUID),
            t(canon)
        );
        assert!(is_borrowed(canon.as_bytes(), oid::UUID, false));
        assert_eq!(
            text_err(b"zzz", oid::UUID).message,
            "invalid input syntax for type uuid: \"zzz\""
        );
    }

    #[test]
    fn binary_fixed_width() {
        assert_eq!(bin(&(-2i16).to_be_bytes(), oid::INT2), Value::Integer(-2));
        assert_eq!(
            bin(&i32::MIN.to_be_bytes(), oid::INT4),
            Value::Integer(i64::from(i32::MIN))
        );
        assert_eq!(
            bin(&i64::MAX.to_be_bytes(), oid::INT8),
            Value::Integer(i64::MAX)
        );
        assert_eq!(
            bin(&u32::MAX.to_be_bytes(), oid::OID),
            Value::Integer(4_294_967_295)
        );
        assert_eq!(bin(&0.5f32.to_be_bytes(), oid::FLOAT4), Value::Real(0.5));
        assert_eq!(
            bin(&(-0.0f64).to_be_bytes(), oid::FLOAT8),
            Value::Real(-0.0)
        );
        assert_eq!(bin(&[1], oid::BOOL), Value::Integer(1));
        assert_eq!(bin(&[0], oid::BOOL), Value::Integer(0));
        for (raw, ty) in [
            (&[0u8; 3][..], oid::INT4),
            (&[0; 4], oid::INT8),
            (&[0; 1], oid::INT2),
            (&[0; 8], oid::FLOAT4),
            (&[0; 4], oid::FLOAT8),
            (&[], oid::BOOL),
            (&[0; 2], oid::BOOL),
            (&[0; 15], oid::UUID),
            (&[0; 8], oid::DATE),
            (&[0; 4], oid::TIME),
            (&[0; 4], oid::TIMESTAMPTZ),
        ] {
            let e = bin_err(raw, ty);
            assert_eq!(e.code, SqlState::INVALID_BINARY_REPRESENTATION, "{ty}");
            assert_eq!(e.message, BINARY_FORMAT_MESSAGE);
        }
    }

    #[test]
    fn binary_variable_width() {
        assert_eq!(bin(b"abc", oid::TEXT), t("abc"));
        assert!(is_borrowed(b"abc", oid::VARCHAR, true));
        assert_eq!(
            bin_err(&[0xff], oid::TEXT).code,
            SqlState::CHARACTER_NOT_IN_REPERTOIRE
        );
        assert_eq!(bin(b"\x01{\"a\":1}", oid::JSONB), t("{\"a\":1}"));
        assert_eq!(
            bin_err(b"\x02{}", oid::JSONB).message,
            "unsupported jsonb version number 2"
        );
        assert_eq!(
            bin_err(b"", oid::JSONB).code,
            SqlState::INVALID_BINARY_REPRESENTATION
        );
        assert_eq!(bin(&[0, 0xff], oid::BYTEA), Value::Blob(vec![0, 0xff]));
        assert!(is_borrowed(&[0, 0xff], oid::BYTEA, true));
        assert_eq!(bin(&[0xff], oid::UNSPECIFIED), Value::Blob(vec![0xff]));
        let num: Vec<u8> = [2i16, 0, 0x4000, 2, 12, 3400]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        assert_eq!(bin(&num, oid::NUMERIC), t("-12.34"));
        assert_eq!(
            bin_err(&num[..9], oid::NUMERIC).code,
            SqlState::INVALID_BINARY_REPRESENTATION
        );
    }

    #[test]
    fn binary_dates_and_times() {
        assert_eq!(bin(&0i32.to_be_bytes(), oid::DATE), t("2000-01-01"));
        assert_eq!(bin(&(-10_957i32).to_be_bytes(), oid::DATE), t("1970-01-01"));
        assert_eq!(
            bin(&datetime::MAX_DATE.to_be_bytes(), oid::DATE),
            t("9999-12-31")
        );
        assert_eq!(bin(&i32::MAX.to_be_bytes(), oid::DATE), t("infinity"));
        assert_eq!(bin(&i32::MIN.to_be_bytes(), oid::DATE), t("-infinity"));
        assert_eq!(
            bin_err(&(datetime::MAX_DATE + 1).to_be_bytes(), oid::DATE).code,
            SqlState::DATETIME_FIELD_OVERFLOW
        );
        assert_eq!(bin(&1_500_000i64.to_be_bytes(), oid::TIME), t("00:00:01.5"));
        assert_eq!(
            bin_err(&(-1i64).to_be_bytes(), oid::TIME).code,
            SqlState::DATETIME_FIELD_OVERFLOW
        );
        assert_eq!(
            bin(&0i64.to_be_bytes(), oid::TIMESTAMP),
            t("2000-01-01 00:00:00")
        );
        assert_eq!(
            bin(&(-1i64).to_be_bytes(), oid::TIMESTAMPTZ),
            t("1999-12-31 23:59:59.999999+00")
        );
        assert_eq!(
            bin(&i64::MAX.to_be_bytes(), oid::TIMESTAMPTZ),
            t("infinity")
        );
        assert_eq!(bin(&i64::MIN.to_be_bytes(), oid::TIMESTAMP), t("-infinity"));
        assert_eq!(
            bin_err(&(i64::MAX - 1).to_be_bytes(), oid::TIMESTAMP).code,
            SqlState::DATETIME_FIELD_OVERFLOW
        );
        let u = [
            0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38,
            0x0a, 0x11,
        ];
        assert_eq!(
            bin(&u, oid::UUID),
            t("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
        );
    }
}
