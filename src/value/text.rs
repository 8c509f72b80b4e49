//! Text-format output: writes the PostgreSQL text form of a SQLite value straight into the
//! output buffer (no length word; [`super::StandardValueHandler`] frames the field).
//!
//! Floats follow PostgreSQL's default output (`extra_float_digits` = 1): the shortest digits
//! that round-trip, `NaN`/`Infinity`/`-Infinity`, integral values without a fraction, and
//! exponent form (`1e+15`, `1.5e-07`) when the decimal exponent is below -4 or at least 15 for
//! `float8`, or at least 6 for `float4` (whose digits are the shortest that round-trip as
//! `f32`): the thresholds PostgreSQL uses (`DBL_DIG` and `FLT_DIG`).

use bytes::{BufMut, BytesMut};
use rusqlite::types::ValueRef;

use crate::error::PgError;
use crate::protocol::types::Oid;

use super::datetime::{self, DateTimeType};
use super::{Kind, NumberBuffers};

/// Writes the text form of `value` (not NULL) as type `ty` into `out`.
pub fn encode_text(value: ValueRef<'_>, ty: Oid, out: &mut BytesMut) -> Result<(), PgError> {
    if ty == crate::protocol::types::oid::INTERVAL {
        super::interval::encode_text(value, out);
        return Ok(());
    }
    let kind = Kind::of(ty);
    match kind {
        Kind::Int2 | Kind::Int4 | Kind::Int8 | Kind::Oid => {
            let v = super::coerce_int(value, kind)?;
            out.put_slice(itoa::Buffer::new().format(v).as_bytes());
        }
        Kind::Float4 | Kind::Float8 => match value {
            ValueRef::Integer(i) => out.put_slice(itoa::Buffer::new().format(i).as_bytes()),
            _ => {
                let v = super::coerce_float(value, kind)?;
                if kind == Kind::Float4 {
                    write_float4(v as f32, out);
                } else {
                    write_float8(v, out);
                }
            }
        },
        Kind::Bool => out.put_u8(if super::coerce_bool(value)? {
            b't'
        } else {
            b'f'
        }),
        Kind::Numeric => match value {
            ValueRef::Text(t) if super::numeric::Decimal::is_canonical_text(t) => out.put_slice(t),
            _ => {
                let mut bufs = NumberBuffers::default();
                super::coerce_decimal(value, &mut bufs)?.write_text(out);
            }
        },
        Kind::Jsonb => write_jsonb(value, out),
        Kind::Other if crate::protocol::types::element_of(ty).is_some() => write_array(value, out),
        Kind::Text | Kind::Other => write_as_text(value, out),
        Kind::Bytea => write_bytea(value, out),
        Kind::Date | Kind::Time | Kind::Timestamp | Kind::TimestampTz => {
            let dt = kind.datetime().unwrap_or(DateTimeType::Timestamp);
            write_datetime(value, dt, out);
        }
        Kind::Uuid => out.put_slice(&super::format_uuid(&super::coerce_uuid(value)?)),
    }
    Ok(())
}

/// Text-like output: text as-is, numbers formatted, blobs as their bytes if UTF-8 else in
/// bytea hex form.
/// A jsonb value in PostgreSQL's normal form (stored text that is not JSON as it is).
pub(crate) fn write_jsonb(value: ValueRef<'_>, out: &mut BytesMut) {
    if let ValueRef::Text(t) = value
        && let Ok(text) = std::str::from_utf8(t)
        && let Some(normal) = super::json::normalize_jsonb(text)
    {
        return out.put_slice(normal.as_bytes());
    }
    write_as_text(value, out)
}

/// An array value in PostgreSQL's text form: stored text is already that form unless a
/// client wrote it otherwise (`{ a , "b" }`); such text is written as PostgreSQL would.
fn write_array(value: ValueRef<'_>, out: &mut BytesMut) {
    if let ValueRef::Text(t) = value
        && let Ok(text) = std::str::from_utf8(t)
        && let Ok(array) = super::array::parse(text)
    {
        let canonical = array.to_text();
        if canonical.as_bytes() != t {
            return out.put_slice(canonical.as_bytes());
        }
    }
    write_as_text(value, out)
}

fn write_as_text(value: ValueRef<'_>, out: &mut BytesMut) {
    match value {
        ValueRef::Text(t) => out.put_slice(t),
        ValueRef::Blob(b) if std::str::from_utf8(b).is_ok() => out.put_slice(b),
        ValueRef::Blob(b) => {
            out.put_slice(b"\\x");
            super::write_hex(b, out);
        }
        ValueRef::Integer(i) => out.put_slice(itoa::Buffer::new().format(i).as_bytes()),
        ValueRef::Real(f) => write_float8(f, out),
        ValueRef::Null => {}
    }
}

/// `bytea` output in hex form: `\x` and two lowercase hex digits per byte.
fn write_bytea(value: ValueRef<'_>, out: &mut BytesMut) {
    out.put_slice(b"\\x");
    match value {
        ValueRef::Blob(b) | ValueRef::Text(b) => super::write_hex(b, out),
        ValueRef::Integer(i) => super::write_hex(itoa::Buffer::new().format(i).as_bytes(), out),
        ValueRef::Real(f) => {
            let mut buf = [0u8; 32];
            let n = float8_to_buf(f, &mut buf);
            super::write_hex(buf.get(..n).unwrap_or(&[]), out);
        }
        ValueRef::Null => {}
    }
}

/// Date/time output: canonical text passes through, other text is re-formatted, and text that
/// does not parse is passed through unchanged so that reads of odd legacy data never fail.
fn write_datetime(value: ValueRef<'_>, dt: DateTimeType, out: &mut BytesMut) {
    if let ValueRef::Text(t) = value {
        if datetime::is_canonical(t, dt) {
            return out.put_slice(t);
        }
    }
    match super::coerce_datetime(value, dt) {
        Ok(v) => {
            let text = match dt {
                DateTimeType::Date => datetime::format_date(v as i32),
                DateTimeType::Time => datetime::format_time(v),
                DateTimeType::Timestamp => datetime::format_timestamp(v, false),
                DateTimeType::TimestampTz => datetime::format_timestamp(v, true),
            };
            out.put_slice(text.as_bytes());
        }
        Err(_) => write_as_text(value, out),
    }
}

/// Shortest round-trip digits of a finite float: `digits[..len]` with no leading or trailing
/// zeros (a single "0" for zero), and the decimal exponent of the first digit.
struct Shortest {
    negative: bool,
    digits: [u8; 24],
    len: usize,
    exp: i32,
}

impl Shortest {
    /// Reads ryu's output ("1.5e-7", "1234.5", "0.001", "1e16", "-0.0").
    fn from_ryu(s: &[u8]) -> Shortest {
        let mut sh = Shortest {
            negative: false,
            digits: [0; 24],
            len: 0,
            exp: 0,
        };
        let mut raw = [0u8; 32];
        let mut n = 0;
        let mut int_count = None;
        let mut exp: i32 = 0;
        for (i, &b) in s.iter().enumerate() {
            match b {
                b'-' if i == 0 => sh.negative = true,
                b'.' => int_count = Some(n),
                b'0'..=b'9' => {
                    if let Some(slot) = raw.get_mut(n) {
                        *slot = b;
                        n += 1;
                    }
                }
                b'e' | b'E' => {
                    let rest = s.get(i + 1..).unwrap_or(&[]);
                    let (neg, digits) = match rest.split_first() {
                        Some((b'-', d)) => (true, d),
                        _ => (false, rest),
                    };
                    exp = digits.iter().fold(0i32, |a, d| {
                        a.saturating_mul(10).saturating_add(i32::from(d - b'0'))
                    });
                    if neg {
                        exp = -exp;
                    }
                    break;
                }
                _ => {}
            }
        }
        let int_count = int_count.unwrap_or(n) as i32;
        let mantissa = raw.get(..n).unwrap_or(&[]);
        match mantissa.iter().position(|&d| d != b'0') {
            None => {
                sh.digits[0] = b'0';
                sh.len = 1;
            }
            Some(first) => {
                let last = mantissa.iter().rposition(|&d| d != b'0').unwrap_or(first);
                for &d in mantissa.get(first..=last).unwrap_or(&[]) {
                    if let Some(slot) = sh.digits.get_mut(sh.len) {
                        *slot = d;
                        sh.len += 1;
                    }
                }
                sh.exp = int_count - 1 - first as i32 + exp;
            }
        }
        sh
    }

    /// Writes PostgreSQL's float text for these digits into `out`, returning the length.
    fn write(&self, max_plain_exp: i32, out: &mut [u8; 32]) -> usize {
        let mut n = 0;
        let mut push = |b: u8| {
            if let Some(slot) = out.get_mut(n) {
                *slot = b;
                n += 1;
            }
        };
        if self.negative {
            push(b'-');
        }
        let digits = self.digits.get(..self.len).unwrap_or(&[]);
        if self.exp < -4 || self.exp >= max_plain_exp {
            let (first, rest) = digits.split_first().unwrap_or((&b'0', &[]));
            push(*first);
            if !rest.is_empty() {
                push(b'.');
                rest.iter().for_each(|&d| push(d));
            }
            push(b'e');
            push(if self.exp < 0 { b'-' } else { b'+' });
            let e = self.exp.unsigned_abs();
            if e >= 100 {
                push(b'0' + (e / 100) as u8);
            }
            push(b'0' + (e / 10 % 10) as u8);
            push(b'0' + (e % 10) as u8);
        } else if self.exp >= 0 {
            let int_len = self.exp as usize + 1;
            for i in 0..int_len {
                push(digits.get(i).copied().unwrap_or(b'0'));
            }
            if digits.len() > int_len {
                push(b'.');
                digits[int_len..].iter().for_each(|&d| push(d));
            }
        } else {
            push(b'0');
            push(b'.');
            for _ in 0..(-self.exp - 1) {
                push(b'0');
            }
            digits.iter().for_each(|&d| push(d));
        }
        n
    }
}

/// Formats a `float8` as PostgreSQL does into a stack buffer, returning the length.
fn float8_to_buf(v: f64, buf: &mut [u8; 32]) -> usize {
    if let Some(special) = non_finite(v) {
        buf[..special.len()].copy_from_slice(special);
        return special.len();
    }
    let mut r = ryu::Buffer::new();
    Shortest::from_ryu(r.format_finite(v).as_bytes()).write(15, buf)
}

fn non_finite(v: f64) -> Option<&'static [u8]> {
    if v.is_nan() {
        Some(b"NaN")
    } else if v.is_infinite() {
        Some(if v > 0.0 { b"Infinity" } else { b"-Infinity" })
    } else {
        None
    }
}

/// Writes a `float8` in PostgreSQL's text form.
pub fn write_float8<B: BufMut>(v: f64, out: &mut B) {
    let mut buf = [0u8; 32];
    let n = float8_to_buf(v, &mut buf);
    out.put_slice(buf.get(..n).unwrap_or(&[]));
}

/// Writes a `float4` in PostgreSQL's text form (shortest digits that round-trip as `f32`).
pub fn write_float4<B: BufMut>(v: f32, out: &mut B) {
    if let Some(special) = non_finite(f64::from(v)) {
        return out.put_slice(special);
    }
    let mut buf = [0u8; 32];
    let mut r = ryu::Buffer::new();
    let n = Shortest::from_ryu(r.format_finite(v).as_bytes()).write(6, &mut buf);
    out.put_slice(buf.get(..n).unwrap_or(&[]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SqlState;
    use crate::protocol::types::oid;

    fn enc(value: ValueRef<'_>, ty: Oid) -> String {
        let mut out = BytesMut::new();
        encode_text(value, ty, &mut out).unwrap();
        String::from_utf8(out.to_vec()).unwrap()
    }

    fn err(value: ValueRef<'_>, ty: Oid) -> PgError {
        encode_text(value, ty, &mut BytesMut::new()).unwrap_err()
    }

    fn f8(v: f64) -> String {
        let mut out = Vec::new();
        write_float8(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn f4(v: f32) -> String {
        let mut out = Vec::new();
        write_float4(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn float8_like_postgres() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (100.0, "100"),
            (123456.789, "123456.789"),
            (1e-4, "0.0001"),
            (1.5e-5, "1.5e-05"),
            (1e-7, "1e-07"),
            (1e14, "100000000000000"),
            (123456789012345.0, "123456789012345"),
            (1e15, "1e+15"),
            (1.5e15, "1.5e+15"),
            (1e16, "1e+16"),
            (1e300, "1e+300"),
            (-1.2345e-300, "-1.2345e-300"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for &(v, s) in cases {
            assert_eq!(f8(v), s, "{v:e}");
            // And it reads back to the same value.
            if v.is_finite() {
                assert_eq!(f8(v).parse::<f64>().unwrap().to_bits(), v.to_bits());
            }
        }
    }

    #[test]
    fn float4_like_postgres() {
        assert_eq!(f4(0.1), "0.1");
        assert_eq!(f4(1.0), "1");
        assert_eq!(f4(123456.0), "123456");
        assert_eq!(f4(1234567.0), "1.234567e+06");
        assert_eq!(f4(1e6), "1e+06");
        assert_eq!(f4(-0.0), "-0");
        assert_eq!(f4(1e-5), "1e-05");
        assert_eq!(f4(f32::MAX), "3.4028235e+38");
        assert_eq!(f4(f32::NAN), "NaN");
        assert_eq!(f4(f32::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn integers() {
        assert_eq!(
            enc(ValueRef::Integer(i64::MIN), oid::INT8),
            "-9223372036854775808"
        );
        assert_eq!(enc(ValueRef::Integer(32767), oid::INT2), "32767");
        assert_eq!(
            enc(ValueRef::Integer(-2147483648), oid::INT4),
            "-2147483648"
        );
        assert_eq!(enc(ValueRef::Real(42.0), oid::INT4), "42");
        assert_eq!(enc(ValueRef::Text(b" +7 "), oid::INT8), "7");
        assert_eq!(enc(ValueRef::Integer(4294967295), oid::OID), "4294967295");
        let e = err(ValueRef::Integer(32768), oid::INT2);
        assert_eq!(
            (e.code, &*e.message),
            (
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                "smallint out of range"
            )
        );
        let e = err(ValueRef::Integer(1 << 31), oid::INT4);
        assert_eq!(e.message, "integer out of range");
        let e = err(ValueRef::Real(1.5), oid::INT8);
        assert_eq!(
            (e.code, &*e.message),
            (
                SqlState::INVALID_TEXT_REPRESENTATION,
                "invalid input syntax for type bigint: \"1.5\""
            )
        );
        assert_eq!(
            err(ValueRef::Real(f64::NAN), oid::INT8).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        assert_eq!(
            err(ValueRef::Real(1e19), oid::INT8).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        assert_eq!(
            err(ValueRef::Text(b"abc"), oid::INT4).message,
            "invalid input syntax for type integer: \"abc\""
        );
        assert_eq!(
            err(ValueRef::Text(b""), oid::INT4).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        assert_eq!(
            err(ValueRef::Text(b"99999999999999999999"), oid::INT8).message,
            "value \"99999999999999999999\" is out of range for type bigint"
        );
    }

    #[test]
    fn floats_bools_numerics() {
        assert_eq!(enc(ValueRef::Integer(12), oid::FLOAT8), "12");
        assert_eq!(enc(ValueRef::Real(0.1), oid::FLOAT8), "0.1");
        assert_eq!(enc(ValueRef::Real(f64::from(0.1f32)), oid::FLOAT4), "0.1");
        assert_eq!(enc(ValueRef::Text(b" 1e3 "), oid::FLOAT8), "1000");
        assert_eq!(
            err(ValueRef::Text(b"x"), oid::FLOAT8).message,
            "invalid input syntax for type double precision: \"x\""
        );
        assert_eq!(
            err(ValueRef::Real(1e300), oid::FLOAT4).code,
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE
        );
        assert_eq!(enc(ValueRef::Integer(1), oid::BOOL), "t");
        assert_eq!(enc(ValueRef::Integer(-5), oid::BOOL), "t");
        assert_eq!(enc(ValueRef::Integer(0), oid::BOOL), "f");
        assert_eq!(enc(ValueRef::Text(b"TRUE"), oid::BOOL), "t");
        assert_eq!(enc(ValueRef::Text(b"off"), oid::BOOL), "f");
        assert_eq!(
            err(ValueRef::Text(b"maybe"), oid::BOOL).message,
            "invalid input syntax for type boolean: \"maybe\""
        );
        assert_eq!(enc(ValueRef::Integer(-12), oid::NUMERIC), "-12");
        assert_eq!(enc(ValueRef::Real(0.1), oid::NUMERIC), "0.1");
        assert_eq!(enc(ValueRef::Real(2.0), oid::NUMERIC), "2");
        assert_eq!(enc(ValueRef::Real(1e-7), oid::NUMERIC), "0.0000001");
        assert_eq!(enc(ValueRef::Real(1e16), oid::NUMERIC), "10000000000000000");
        assert_eq!(enc(ValueRef::Real(f64::NAN), oid::NUMERIC), "NaN");
        assert_eq!(
            enc(ValueRef::Real(f64::NEG_INFINITY), oid::NUMERIC),
            "-Infinity"
        );
        assert_eq!(enc(ValueRef::Text(b"123.4500"), oid::NUMERIC), "123.4500");
        assert_eq!(enc(ValueRef::Text(b"0"), oid::NUMERIC), "0");
        assert_eq!(enc(ValueRef::Text(b"-0.00"), oid::NUMERIC), "0.00");
        assert_eq!(enc(ValueRef::Text(b"1e10"), oid::NUMERIC), "10000000000");
        assert_eq!(
            err(ValueRef::Text(b"12abc"), oid::NUMERIC).message,
            "invalid input syntax for type numeric: \"12abc\""
        );
    }

    #[test]
    fn text_like_and_bytea() {
        assert_eq!(enc(ValueRef::Text(b"hi"), oid::TEXT), "hi");
        assert_eq!(enc(ValueRef::Text(b""), oid::VARCHAR), "");
        assert_eq!(enc(ValueRef::Integer(5), oid::TEXT), "5");
        assert_eq!(enc(ValueRef::Real(1.5), oid::NAME), "1.5");
        assert_eq!(enc(ValueRef::Blob(b"ok"), oid::BPCHAR), "ok");
        assert_eq!(enc(ValueRef::Blob(&[0xff, 0]), oid::TEXT), "\\xff00");
        assert_eq!(enc(ValueRef::Text(b"{}"), oid::JSONB), "{}");
        assert_eq!(
            enc(ValueRef::Text(b"{ a , \"b\" ,NULL}"), oid::TEXT_ARRAY),
            "{a,b,NULL}"
        );
        assert_eq!(enc(ValueRef::Text(b"x"), 99999), "x");
        assert_eq!(
            enc(ValueRef::Blob(&[0x0a, 0x1b, 0xff]), oid::BYTEA),
            "\\x0a1bff"
        );
        assert_eq!(enc(ValueRef::Blob(b""), oid::BYTEA), "\\x");
        assert_eq!(enc(ValueRef::Text(b"AB"), oid::BYTEA), "\\x4142");
        assert_eq!(enc(ValueRef::Integer(12), oid::BYTEA), "\\x3132");
        assert_eq!(enc(ValueRef::Real(0.5), oid::BYTEA), "\\x302e35");
        let big: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let hex = enc(ValueRef::Blob(&big), oid::BYTEA);
        assert_eq!(hex.len(), 2002);
        assert!(hex.starts_with("\\x000102") && hex.ends_with("e5e6e7"));
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(enc(ValueRef::Text(b"2024-01-02"), oid::DATE), "2024-01-02");
        assert_eq!(
            enc(ValueRef::Text(b"2024-01-02 03:04:05"), oid::DATE),
            "2024-01-02"
        );
        assert_eq!(enc(ValueRef::Integer(0), oid::DATE), "1970-01-01");
        assert_eq!(enc(ValueRef::Real(2_451_544.5), oid::DATE), "2000-01-01");
        assert_eq!(enc(ValueRef::Text(b"not a date"), oid::DATE), "not a date");
        assert_eq!(enc(ValueRef::Text(b"2023-02-30"), oid::DATE), "2023-02-30");
        assert_eq!(
            enc(ValueRef::Integer(i64::MAX), oid::DATE),
            "9223372036854775807"
        );
        assert_eq!(enc(ValueRef::Text(b"3:04"), oid::TIME), "03:04:00");
        assert_eq!(
            enc(ValueRef::Text(b"03:04:05.120"), oid::TIME),
            "03:04:05.12"
        );
        assert_eq!(enc(ValueRef::Integer(86_399), oid::TIME), "23:59:59");
        assert_eq!(
            enc(ValueRef::Text(b"2024-01-02 03:04:05"), oid::TIMESTAMP),
            "2024-01-02 03:04:05"
        );
        assert_eq!(
            enc(ValueRef::Text(b"2024-01-02T03:04:05.000"), oid::TIMESTAMP),
            "2024-01-02 03:04:05"
        );
        assert_eq!(
            enc(ValueRef::Integer(1_704_164_645), oid::TIMESTAMP),
            "2024-01-02 03:04:05"
        );
        assert_eq!(
            enc(ValueRef::Real(2_451_545.0), oid::TIMESTAMP),
            "2000-01-01 12:00:00"
        );
        // SQLite's CURRENT_TIMESTAMP text is UTC.
        assert_eq!(
            enc(ValueRef::Text(b"2024-01-02 03:04:05"), oid::TIMESTAMPTZ),
            "2024-01-02 03:04:05+00"
        );
        assert_eq!(
            enc(
                ValueRef::Text(b"2024-01-02 03:04:05.25+00"),
                oid::TIMESTAMPTZ
            ),
            "2024-01-02 03:04:05.25+00"
        );
        assert_eq!(
            enc(
                ValueRef::Text(b"2024-01-02 00:30:00-01:30"),
                oid::TIMESTAMPTZ
            ),
            "2024-01-02 02:00:00+00"
        );
        assert_eq!(
            enc(ValueRef::Text(b"infinity"), oid::TIMESTAMPTZ),
            "infinity"
        );
        assert_eq!(enc(ValueRef::Text(b"garbage"), oid::TIMESTAMPTZ), "garbage");
    }

    #[test]
    fn uuids() {
        let canon = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        assert_eq!(enc(ValueRef::Text(canon.as_bytes()), oid::UUID), canon);
        assert_eq!(
            enc(
                ValueRef::Text(b"A0EEBC999C0B4EF8BB6D6BB9BD380A11"),
                oid::UUID
            ),
            canon
        );
        let bytes = [
            0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38,
            0x0a, 0x11,
        ];
        assert_eq!(enc(ValueRef::Blob(&bytes), oid::UUID), canon);
        assert_eq!(
            err(ValueRef::Text(b"nope"), oid::UUID).message,
            "invalid input syntax for type uuid: \"nope\""
        );
        assert_eq!(
            err(ValueRef::Integer(1), oid::UUID).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
    }
}
