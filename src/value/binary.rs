//! Binary-format output: writes the PostgreSQL binary (send) form of a SQLite value straight
//! into the output buffer (no length word; [`super::StandardValueHandler`] frames the field).

use bytes::{BufMut, BytesMut};
use rusqlite::types::ValueRef;

use crate::error::PgError;
use crate::protocol::types::{Oid, element_of, subscript_element_of};

use super::datetime::DateTimeType;
use super::{Kind, NumberBuffers};

/// Writes the binary form of `value` (not NULL) as type `ty` into `out`.
pub fn encode_binary(value: ValueRef<'_>, ty: Oid, out: &mut BytesMut) -> Result<(), PgError> {
    if ty == crate::protocol::types::oid::INTERVAL {
        return super::interval::encode_binary(value, out);
    }
    let kind = Kind::of(ty);
    match kind {
        Kind::Int2 => out.put_i16(super::coerce_int(value, kind)? as i16),
        Kind::Int4 => out.put_i32(super::coerce_int(value, kind)? as i32),
        Kind::Int8 => out.put_i64(super::coerce_int(value, kind)?),
        Kind::Oid => out.put_u32(super::coerce_int(value, kind)? as u32),
        Kind::Float4 => out.put_f32(super::coerce_float(value, kind)? as f32),
        Kind::Float8 => out.put_f64(super::coerce_float(value, kind)?),
        Kind::Bool => out.put_u8(u8::from(super::coerce_bool(value)?)),
        Kind::Numeric => {
            let mut bufs = NumberBuffers::default();
            let d = super::coerce_decimal(value, &mut bufs)?;
            let start = out.len();
            if let Err(e) = d.write_binary(out) {
                out.truncate(start);
                let mut text = BytesMut::new();
                d.write_text(&mut text);
                return Err(e.to_pg(&text));
            }
        }
        Kind::Other => match (element_of(ty), subscript_element_of(ty), value) {
            (Some(element), _, ValueRef::Text(text)) => {
                super::array::encode_binary(text, element, out)?
            }
            // int2vector, oidvector (one element reads back as an integer: the column's
            // declared type gives it integer affinity)
            (None, Some(element), ValueRef::Text(text)) => {
                super::array::encode_vector_binary(text, element, out)?
            }
            (None, Some(element), ValueRef::Integer(n)) => {
                super::array::encode_vector_binary(n.to_string().as_bytes(), element, out)?
            }
            _ => write_bytes(value, out),
        },
        Kind::Text | Kind::Bytea => write_bytes(value, out),
        Kind::Jsonb => {
            out.put_u8(1);
            super::text::write_jsonb(value, out);
        }
        Kind::Date | Kind::Time | Kind::Timestamp | Kind::TimestampTz => {
            let dt = kind.datetime().unwrap_or(DateTimeType::Timestamp);
            let v = super::coerce_datetime(value, dt).map_err(|e| {
                let mut text = BytesMut::new();
                write_bytes(value, &mut text);
                e.to_pg(dt, &text)
            })?;
            match dt {
                DateTimeType::Date => out.put_i32(v as i32),
                _ => out.put_i64(v),
            }
        }
        Kind::Uuid => out.put_slice(&super::coerce_uuid(value)?),
    }
    Ok(())
}

/// The raw bytes of text and blobs; numbers as their text form.
fn write_bytes(value: ValueRef<'_>, out: &mut BytesMut) {
    match value {
        ValueRef::Text(b) | ValueRef::Blob(b) => out.put_slice(b),
        ValueRef::Integer(i) => out.put_slice(itoa::Buffer::new().format(i).as_bytes()),
        ValueRef::Real(f) => super::text::write_float8(f, out),
        ValueRef::Null => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SqlState;
    use crate::protocol::types::oid;
    use crate::value::datetime::USECS_PER_DAY;

    fn enc(value: ValueRef<'_>, ty: Oid) -> Vec<u8> {
        let mut out = BytesMut::new();
        encode_binary(value, ty, &mut out).unwrap();
        out.to_vec()
    }

    fn err(value: ValueRef<'_>, ty: Oid) -> PgError {
        let mut out = BytesMut::new();
        let e = encode_binary(value, ty, &mut out).unwrap_err();
        assert!(out.is_empty());
        e
    }

    fn words(w: &[i16]) -> Vec<u8> {
        w.iter().flat_map(|x| x.to_be_bytes()).collect()
    }

    #[test]
    fn integers() {
        assert_eq!(enc(ValueRef::Integer(-2), oid::INT2), (-2i16).to_be_bytes());
        assert_eq!(
            enc(ValueRef::Integer(i64::from(i16::MIN)), oid::INT2),
            i16::MIN.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Integer(i64::from(i32::MAX)), oid::INT4),
            i32::MAX.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Integer(i64::MIN), oid::INT8),
            i64::MIN.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Integer(4_000_000_000), oid::OID),
            4_000_000_000u32.to_be_bytes()
        );
        assert_eq!(enc(ValueRef::Real(-7.0), oid::INT4), (-7i32).to_be_bytes());
        assert_eq!(enc(ValueRef::Text(b" 12 "), oid::INT8), 12i64.to_be_bytes());
        assert_eq!(
            err(ValueRef::Integer(-32769), oid::INT2).message,
            "smallint out of range"
        );
        assert_eq!(
            err(ValueRef::Integer(1 << 31), oid::INT4).code,
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE
        );
        assert_eq!(
            err(ValueRef::Real(0.5), oid::INT4).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        assert_eq!(
            err(ValueRef::Text(b"1x"), oid::INT8).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        assert_eq!(
            err(ValueRef::Blob(&[0xff]), oid::INT8).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
    }

    #[test]
    fn floats_and_bools() {
        assert_eq!(enc(ValueRef::Real(1.5), oid::FLOAT8), 1.5f64.to_be_bytes());
        assert_eq!(
            enc(ValueRef::Real(-0.0), oid::FLOAT8),
            (-0.0f64).to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Real(f64::INFINITY), oid::FLOAT8),
            f64::INFINITY.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Real(f64::NAN), oid::FLOAT8),
            f64::NAN.to_be_bytes()
        );
        assert_eq!(enc(ValueRef::Integer(3), oid::FLOAT8), 3.0f64.to_be_bytes());
        assert_eq!(
            enc(ValueRef::Text(b"NaN"), oid::FLOAT4),
            f32::NAN.to_be_bytes()
        );
        assert_eq!(enc(ValueRef::Real(0.1), oid::FLOAT4), 0.1f32.to_be_bytes());
        assert_eq!(
            err(ValueRef::Real(1e40), oid::FLOAT4).message,
            "value out of range: overflow"
        );
        assert_eq!(
            err(ValueRef::Text(b"1e400"), oid::FLOAT8).code,
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE
        );
        assert_eq!(enc(ValueRef::Integer(1), oid::BOOL), [1]);
        assert_eq!(enc(ValueRef::Integer(0), oid::BOOL), [0]);
        assert_eq!(enc(ValueRef::Text(b"yes"), oid::BOOL), [1]);
        assert_eq!(
            err(ValueRef::Text(b"maybe"), oid::BOOL).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
    }

    #[test]
    fn numerics() {
        assert_eq!(
            enc(ValueRef::Integer(0), oid::NUMERIC),
            words(&[0, 0, 0, 0])
        );
        assert_eq!(
            enc(ValueRef::Integer(-10001), oid::NUMERIC),
            words(&[2, 1, 0x4000, 0, 1, 1])
        );
        assert_eq!(
            enc(ValueRef::Integer(i64::MAX), oid::NUMERIC),
            words(&[5, 4, 0, 0, 922, 3372, 368, 5477, 5807])
        );
        assert_eq!(
            enc(ValueRef::Real(1e-7), oid::NUMERIC),
            words(&[1, -2, 0, 7, 10])
        );
        assert_eq!(
            enc(ValueRef::Real(2.5), oid::NUMERIC),
            words(&[2, 0, 0, 1, 2, 5000])
        );
        assert_eq!(
            enc(ValueRef::Real(1e15), oid::NUMERIC),
            words(&[1, 3, 0, 0, 1000])
        );
        assert_eq!(
            enc(ValueRef::Real(f64::NAN), oid::NUMERIC),
            words(&[0, 0, 0xC000u16 as i16, 0])
        );
        assert_eq!(
            enc(ValueRef::Text(b"-0.00"), oid::NUMERIC),
            words(&[0, 0, 0, 2])
        );
        assert_eq!(
            enc(ValueRef::Text(b"123.4500"), oid::NUMERIC),
            words(&[2, 0, 0, 4, 123, 4500])
        );
        assert_eq!(
            err(ValueRef::Text(b"1.2.3"), oid::NUMERIC).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
    }

    #[test]
    fn text_like_and_bytea() {
        assert_eq!(enc(ValueRef::Text(b"abc"), oid::TEXT), b"abc");
        assert_eq!(enc(ValueRef::Text(b""), oid::VARCHAR), b"");
        assert_eq!(enc(ValueRef::Integer(-5), oid::TEXT), b"-5");
        assert_eq!(enc(ValueRef::Real(0.25), oid::JSON), b"0.25");
        assert_eq!(
            enc(ValueRef::Text(b"{\"a\":1}"), oid::JSONB),
            b"\x01{\"a\": 1}"
        );
        assert_eq!(enc(ValueRef::Blob(&[0, 0xff]), oid::BYTEA), [0, 0xff]);
        assert_eq!(enc(ValueRef::Blob(b""), oid::BYTEA), b"");
        assert_eq!(enc(ValueRef::Text(b"AB"), oid::BYTEA), b"AB");
        assert_eq!(enc(ValueRef::Integer(7), oid::BYTEA), b"7");
        assert_eq!(enc(ValueRef::Blob(&[1, 2]), 0), [1, 2]);
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            enc(ValueRef::Text(b"2000-01-01"), oid::DATE),
            0i32.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Text(b"1970-01-01"), oid::DATE),
            (-10_957i32).to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Text(b"infinity"), oid::DATE),
            i32::MAX.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Text(b"-infinity"), oid::DATE),
            i32::MIN.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Integer(0), oid::DATE),
            (-10_957i32).to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Text(b"00:00:01.5"), oid::TIME),
            1_500_000i64.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Text(b"24:00:00"), oid::TIME),
            USECS_PER_DAY.to_be_bytes()
        );
        assert_eq!(
            enc(
                ValueRef::Text(b"2000-01-01 00:00:00.000001"),
                oid::TIMESTAMP
            ),
            1i64.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Text(b"2000-01-01 01:00:00+01"), oid::TIMESTAMP),
            3_600_000_000i64.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Text(b"2000-01-01 01:00:00+01"), oid::TIMESTAMPTZ),
            0i64.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Text(b"1999-12-31 23:59:59"), oid::TIMESTAMPTZ),
            (-1_000_000i64).to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Integer(946_684_800), oid::TIMESTAMPTZ),
            0i64.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Text(b"infinity"), oid::TIMESTAMPTZ),
            i64::MAX.to_be_bytes()
        );
        assert_eq!(
            enc(ValueRef::Text(b"-infinity"), oid::TIMESTAMP),
            i64::MIN.to_be_bytes()
        );
        let e = err(ValueRef::Text(b"garbage"), oid::TIMESTAMPTZ);
        assert_eq!(e.code, SqlState::INVALID_DATETIME_FORMAT);
        assert_eq!(
            e.message,
            "invalid input syntax for type timestamp with time zone: \"garbage\""
        );
        let e = err(ValueRef::Text(b"2023-02-29"), oid::DATE);
        assert_eq!(e.code, SqlState::DATETIME_FIELD_OVERFLOW);
        let e = err(ValueRef::Integer(i64::MAX), oid::TIMESTAMP);
        assert_eq!(e.code, SqlState::DATETIME_FIELD_OVERFLOW);
    }

    #[test]
    fn uuids() {
        let bytes = [
            0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38,
            0x0a, 0x11,
        ];
        assert_eq!(
            enc(
                ValueRef::Text(b"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                oid::UUID
            ),
            bytes
        );
        assert_eq!(enc(ValueRef::Blob(&bytes), oid::UUID), bytes);
        assert_eq!(
            err(ValueRef::Blob(&[1, 2, 3]), oid::UUID).code,
            SqlState::INVALID_TEXT_REPRESENTATION
        );
    }
}
