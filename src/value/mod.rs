//! The value layer: SQLite values out as PostgreSQL DataRow fields (text or binary, written
//! straight into the output buffer) and Bind parameters in as values SQLite can bind.
//!
//! How each PostgreSQL type is stored in SQLite: integers, `oid` and `bool` (0/1) as INTEGER;
//! `float4`/`float8` as REAL; `numeric` as TEXT of the exact decimal; text-like types (`text`,
//! `varchar`, `bpchar`, `name`, `unknown`, `json`, `jsonb`) as TEXT; `bytea` as BLOB;
//! `date`/`time`/`timestamp` as TEXT in canonical ISO form and `timestamptz` as UTC text ending
//! in `+00`; `uuid` as lowercase hyphenated TEXT. [`params`] produces these forms, [`text`] and
//! [`binary`] read them back (and are lenient with values stored by other means).

pub mod array;
pub mod binary;
pub mod datetime;
pub mod interval;
pub mod json;
pub mod large;
#[cfg(feature = "mmap")]
pub mod mapped;
pub mod numeric;
pub mod params;
pub mod text;

use bytes::{BufMut, BytesMut};
use rusqlite::types::{ToSqlOutput, ValueRef};

use crate::error::{PgError, SqlState};
use crate::protocol::backend;
use crate::protocol::types::{Format, Oid, oid};

use self::datetime::{DateTimeError, DateTimeType};
use self::numeric::Decimal;

/// Converts values between SQLite's storage classes and PostgreSQL's wire formats.
pub trait ValueHandler {
    /// Appends the body of the field for `value`, declared as PostgreSQL type `ty`, in
    /// `format`: the value's text or binary form, nothing else. Framing (the length word,
    /// NULL) is the protocol layer's ([`crate::protocol::backend::DataRow`]); `value` is
    /// never NULL when pgsqlite calls this. On error the caller drops what was appended.
    fn encode_value(
        &self,
        value: ValueRef<'_>,
        ty: Oid,
        format: Format,
        out: &mut BytesMut,
    ) -> Result<(), PgError>;

    /// Appends one length-prefixed field for `value` (Int32 length then the body from
    /// [`encode_value`](ValueHandler::encode_value), or Int32 -1 for NULL), framed by
    /// [`backend::field_with`]: a DataRow field or a binary COPY field. On error nothing
    /// is appended.
    fn encode_field(
        &self,
        value: ValueRef<'_>,
        ty: Oid,
        format: Format,
        out: &mut BytesMut,
    ) -> Result<(), PgError> {
        if let ValueRef::Null = value {
            backend::put_null_field(out);
            return Ok(());
        }
        backend::field_with(out, |out| self.encode_value(value, ty, format, out))
    }

    /// Decodes one Bind parameter (None = SQL NULL) of type `ty` in `format` into a value SQLite
    /// binds. Borrows from `raw` whenever the stored form equals the wire form (text, bytea
    /// binary).
    ///
    /// Binary-format length errors say "bind parameter" without a number, since the number is
    /// not known here; [`ValueHandler::decode_bind_param`] adds it.
    fn decode_param<'a>(
        &self,
        raw: Option<&'a [u8]>,
        ty: Oid,
        format: Format,
    ) -> Result<ToSqlOutput<'a>, PgError>;

    /// Whether `value` is a large field (at least `threshold` bytes) that goes on the wire
    /// as its own bytes and can therefore be sent straight from the row, without being
    /// copied into the write buffer. The default follows [`large::large_field`].
    fn large_field<'a>(
        &self,
        value: ValueRef<'a>,
        ty: Oid,
        format: Format,
        threshold: usize,
    ) -> Option<large::LargeField<'a>> {
        large::large_field(value, ty, format, threshold)
    }

    /// [`ValueHandler::decode_param`] for the parameter numbered `number` (1-based), which
    /// PostgreSQL puts in the message of a binary-format error ("incorrect binary data format
    /// in bind parameter 1").
    fn decode_bind_param<'a>(
        &self,
        number: usize,
        raw: Option<&'a [u8]>,
        ty: Oid,
        format: Format,
    ) -> Result<ToSqlOutput<'a>, PgError> {
        self.decode_param(raw, ty, format).map_err(|mut e| {
            if e.code == SqlState::INVALID_BINARY_REPRESENTATION
                && e.message == params::BINARY_FORMAT_MESSAGE
            {
                e.message = format!("{} {number}", params::BINARY_FORMAT_MESSAGE).into();
            }
            e
        })
    }
}

/// The built-in [`ValueHandler`]: the storage conventions described in the module docs.
#[derive(Clone, Copy, Debug, Default)]
pub struct StandardValueHandler;

impl ValueHandler for StandardValueHandler {
    #[inline]
    fn encode_value(
        &self,
        value: ValueRef<'_>,
        ty: Oid,
        format: Format,
        out: &mut BytesMut,
    ) -> Result<(), PgError> {
        match format {
            Format::Text => text::encode_text(value, ty, out),
            Format::Binary => binary::encode_binary(value, ty, out),
        }
    }

    fn decode_param<'a>(
        &self,
        raw: Option<&'a [u8]>,
        ty: Oid,
        format: Format,
    ) -> Result<ToSqlOutput<'a>, PgError> {
        let Some(raw) = raw else {
            return Ok(ToSqlOutput::Borrowed(ValueRef::Null));
        };
        match format {
            Format::Text => params::decode_text(raw, ty),
            Format::Binary => params::decode_binary(raw, ty),
        }
    }
}

/// The type a value has when nothing else tells: Integer->int8, Real->float8, Text->text,
/// Blob->bytea, Null->text.
pub fn oid_for_value(value: ValueRef<'_>) -> Oid {
    match value {
        ValueRef::Integer(_) => oid::INT8,
        ValueRef::Real(_) => oid::FLOAT8,
        ValueRef::Text(_) | ValueRef::Null => oid::TEXT,
        ValueRef::Blob(_) => oid::BYTEA,
    }
}

/// How the value layer treats a type OID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Int2,
    Int4,
    Int8,
    Oid,
    Float4,
    Float8,
    Bool,
    Numeric,
    /// `text`, `varchar`, `bpchar`, `name`, `unknown`, `json`.
    Text,
    Jsonb,
    Bytea,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Uuid,
    /// Unspecified (0) or a type we do not know: text in text format, bytes in binary.
    Other,
}

impl Kind {
    /// Classifies a type OID.
    pub(crate) fn of(ty: Oid) -> Kind {
        match ty {
            oid::INT2 => Kind::Int2,
            oid::INT4 => Kind::Int4,
            oid::INT8 => Kind::Int8,
            oid::OID | oid::XID => Kind::Oid,
            oid::FLOAT4 => Kind::Float4,
            oid::FLOAT8 => Kind::Float8,
            oid::BOOL => Kind::Bool,
            oid::NUMERIC => Kind::Numeric,
            oid::TEXT
            | oid::VARCHAR
            | oid::BPCHAR
            | oid::NAME
            | oid::UNKNOWN
            | oid::JSON
            | oid::CHAR => Kind::Text,
            oid::JSONB => Kind::Jsonb,
            oid::BYTEA => Kind::Bytea,
            oid::DATE => Kind::Date,
            oid::TIME => Kind::Time,
            oid::TIMESTAMP => Kind::Timestamp,
            oid::TIMESTAMPTZ => Kind::TimestampTz,
            oid::UUID => Kind::Uuid,
            _ => Kind::Other,
        }
    }

    /// The type name PostgreSQL uses in input error messages.
    pub(crate) fn pg_name(self) -> &'static str {
        match self {
            Kind::Int2 => "smallint",
            Kind::Int4 => "integer",
            Kind::Int8 => "bigint",
            Kind::Oid => "oid",
            Kind::Float4 => "real",
            Kind::Float8 => "double precision",
            Kind::Bool => "boolean",
            Kind::Numeric => "numeric",
            Kind::Text | Kind::Other => "text",
            Kind::Jsonb => "jsonb",
            Kind::Bytea => "bytea",
            Kind::Date => "date",
            Kind::Time => "time",
            Kind::Timestamp => "timestamp",
            Kind::TimestampTz => "timestamp with time zone",
            Kind::Uuid => "uuid",
        }
    }

    /// The date/time flavour of a date/time kind.
    pub(crate) fn datetime(self) -> Option<DateTimeType> {
        match self {
            Kind::Date => Some(DateTimeType::Date),
            Kind::Time => Some(DateTimeType::Time),
            Kind::Timestamp => Some(DateTimeType::Timestamp),
            Kind::TimestampTz => Some(DateTimeType::TimestampTz),
            _ => None,
        }
    }
}

/// 22P02 `invalid input syntax for type T: "input"`.
pub(crate) fn invalid_text(kind: Kind, input: &[u8]) -> PgError {
    PgError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        format!(
            "invalid input syntax for type {}: \"{}\"",
            kind.pg_name(),
            String::from_utf8_lossy(input)
        ),
    )
}

/// 22P02 for a value of the wrong storage class (formatted as text for the message).
fn invalid_value(kind: Kind, value: ValueRef<'_>) -> PgError {
    match value {
        ValueRef::Integer(i) => invalid_text(kind, itoa::Buffer::new().format(i).as_bytes()),
        ValueRef::Real(f) => {
            let mut b = BytesMut::new();
            text::write_float8(f, &mut b);
            invalid_text(kind, &b)
        }
        ValueRef::Text(t) | ValueRef::Blob(t) => invalid_text(kind, t),
        ValueRef::Null => invalid_text(kind, b"NULL"),
    }
}

/// 22003 `value "input" is out of range for type T`.
pub(crate) fn value_out_of_range(kind: Kind, input: &[u8]) -> PgError {
    PgError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        format!(
            "value \"{}\" is out of range for type {}",
            String::from_utf8_lossy(input),
            kind.pg_name()
        ),
    )
}

/// 22021 for text that is not UTF-8.
pub(crate) fn invalid_utf8(raw: &[u8]) -> PgError {
    let bad = match std::str::from_utf8(raw) {
        Ok(_) => 0,
        Err(e) => raw.get(e.valid_up_to()).copied().unwrap_or(0),
    };
    PgError::new(
        SqlState::CHARACTER_NOT_IN_REPERTOIRE,
        format!("invalid byte sequence for encoding \"UTF8\": 0x{bad:02x}"),
    )
}

/// Why integer text was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntError {
    Syntax,
    Range,
}

/// Parses integer text as PostgreSQL does: surrounding whitespace, optional sign, digits.
pub(crate) fn parse_int(s: &[u8]) -> Result<i64, IntError> {
    let s = s.trim_ascii();
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(IntError::Syntax);
    }
    // Accumulate negatively so that i64::MIN is reachable.
    let mut value: i64 = 0;
    let mut overflow = false;
    for &b in digits {
        if !b.is_ascii_digit() {
            return Err(IntError::Syntax);
        }
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_sub(i64::from(b - b'0')))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if overflow {
        return Err(IntError::Range);
    }
    if negative {
        Ok(value)
    } else {
        value.checked_neg().ok_or(IntError::Range)
    }
}

/// Range-checks an integer for `kind`, returning what is stored (for `oid`, the unsigned value;
/// negative inputs wrap as PostgreSQL's `oidin` does).
pub(crate) fn check_int_range(kind: Kind, v: i64) -> Option<i64> {
    match kind {
        Kind::Int2 => i16::try_from(v).ok().map(i64::from),
        Kind::Int4 => i32::try_from(v).ok().map(i64::from),
        Kind::Oid => {
            if (0..=i64::from(u32::MAX)).contains(&v) {
                Some(v)
            } else {
                i32::try_from(v).ok().map(|v| i64::from(v as u32))
            }
        }
        _ => Some(v),
    }
}

/// The value of `value` as an integer of `kind` (int2/int4/int8/oid), for output.
pub(crate) fn coerce_int(value: ValueRef<'_>, kind: Kind) -> Result<i64, PgError> {
    let v = match value {
        ValueRef::Integer(i) => i,
        ValueRef::Real(f) => {
            // -2^63 <= f < 2^63 and integral.
            if f.fract() == 0.0
                && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f)
            {
                f as i64
            } else {
                return Err(invalid_value(kind, value));
            }
        }
        ValueRef::Text(t) | ValueRef::Blob(t) => match parse_int(t) {
            Ok(v) => v,
            Err(IntError::Syntax) => return Err(invalid_text(kind, t)),
            Err(IntError::Range) => return Err(value_out_of_range(kind, t.trim_ascii())),
        },
        ValueRef::Null => return Err(invalid_value(kind, value)),
    };
    check_int_range(kind, v).ok_or_else(|| {
        let msg = match kind {
            Kind::Int2 => "smallint out of range",
            Kind::Int4 => "integer out of range",
            Kind::Oid => "oid out of range",
            _ => "bigint out of range",
        };
        PgError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, msg)
    })
}

/// Parses float text as PostgreSQL does (whitespace, `NaN`, `Infinity`, `inf`, exponents);
/// `Err(true)` for a syntax error, `Err(false)` for overflow/underflow.
pub(crate) fn parse_float(s: &[u8], kind: Kind) -> Result<f64, bool> {
    let s = std::str::from_utf8(s.trim_ascii()).map_err(|_| true)?;
    let v = if kind == Kind::Float4 {
        s.parse::<f32>().map(f64::from).map_err(|_| true)?
    } else {
        s.parse::<f64>().map_err(|_| true)?
    };
    let mantissa = s.split(['e', 'E']).next().unwrap_or("");
    let named = mantissa.bytes().any(|b| b.is_ascii_alphabetic());
    if v.is_infinite() && !named {
        return Err(false);
    }
    if v == 0.0 && mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        return Err(false);
    }
    Ok(v)
}

/// 22003 for float text beyond the type's range.
pub(crate) fn float_out_of_range(kind: Kind, input: &[u8]) -> PgError {
    PgError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        format!(
            "\"{}\" is out of range for type {}",
            String::from_utf8_lossy(input.trim_ascii()),
            kind.pg_name()
        ),
    )
}

/// The value of `value` as a float of `kind` (float4/float8), for output. A float4 result is
/// representable as `f32`.
pub(crate) fn coerce_float(value: ValueRef<'_>, kind: Kind) -> Result<f64, PgError> {
    let v = match value {
        ValueRef::Integer(i) => i as f64,
        ValueRef::Real(f) => f,
        ValueRef::Text(t) | ValueRef::Blob(t) => match parse_float(t, Kind::Float8) {
            Ok(v) => v,
            Err(true) => return Err(invalid_text(kind, t)),
            Err(false) => return Err(float_out_of_range(kind, t)),
        },
        ValueRef::Null => return Err(invalid_value(kind, value)),
    };
    if kind == Kind::Float4 {
        let narrow = v as f32;
        if narrow.is_infinite() && v.is_finite() {
            return Err(PgError::new(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                "value out of range: overflow",
            ));
        }
        return Ok(f64::from(narrow));
    }
    Ok(v)
}

/// Parses boolean text: `t`/`true`/`yes`/`on`/`1`/`f`/`false`/`no`/`off`/`0` and unique
/// prefixes, any case, surrounding whitespace ignored.
pub(crate) fn parse_bool(s: &[u8]) -> Option<bool> {
    let s = s.trim_ascii();
    let prefix_of = |word: &[u8], min: usize| {
        s.len() >= min && s.len() <= word.len() && s.eq_ignore_ascii_case(&word[..s.len()])
    };
    if s == b"1" || prefix_of(b"true", 1) || prefix_of(b"yes", 1) || prefix_of(b"on", 2) {
        Some(true)
    } else if s == b"0" || prefix_of(b"false", 1) || prefix_of(b"no", 1) || prefix_of(b"off", 2) {
        Some(false)
    } else {
        None
    }
}

/// The value of `value` as a boolean, for output.
pub(crate) fn coerce_bool(value: ValueRef<'_>) -> Result<bool, PgError> {
    match value {
        ValueRef::Integer(i) => Ok(i != 0),
        ValueRef::Real(f) => Ok(f != 0.0),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            parse_bool(t).ok_or_else(|| invalid_text(Kind::Bool, t))
        }
        ValueRef::Null => Err(invalid_value(Kind::Bool, value)),
    }
}

/// Parses a UUID: 32 hex digits (any case), optionally in braces, with optional hyphens after
/// any group of four digits.
pub(crate) fn parse_uuid(s: &[u8]) -> Option<[u8; 16]> {
    let body = match s {
        [b'{', inner @ .., b'}'] => inner,
        _ => s,
    };
    let mut bytes = [0u8; 16];
    let mut n = 0usize;
    let mut prev_hyphen = true;
    for &c in body {
        if c == b'-' {
            if prev_hyphen || n % 4 != 0 || n >= 32 {
                return None;
            }
            prev_hyphen = true;
            continue;
        }
        prev_hyphen = false;
        let d = hex_value(c)?;
        let slot = bytes.get_mut(n / 2)?;
        *slot = (*slot << 4) | d;
        n += 1;
    }
    (n == 32 && !prev_hyphen).then_some(bytes)
}

/// Formats a UUID as lowercase `8-4-4-4-12` hex.
pub(crate) fn format_uuid(bytes: &[u8; 16]) -> [u8; 36] {
    let mut out = [0u8; 36];
    let mut pos = 0;
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out[pos] = b'-';
            pos += 1;
        }
        out[pos] = HEX_DIGITS[usize::from(b >> 4)];
        out[pos + 1] = HEX_DIGITS[usize::from(b & 0xf)];
        pos += 2;
    }
    out
}

/// The value of `value` as a UUID, for output: text in any accepted form, or a 16-byte blob.
pub(crate) fn coerce_uuid(value: ValueRef<'_>) -> Result<[u8; 16], PgError> {
    match value {
        ValueRef::Blob(b) if b.len() == 16 => {
            let mut u = [0u8; 16];
            u.copy_from_slice(b);
            Ok(u)
        }
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            parse_uuid(t).ok_or_else(|| invalid_text(Kind::Uuid, t))
        }
        _ => Err(invalid_value(Kind::Uuid, value)),
    }
}

/// Lowercase hex digits.
pub(crate) const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The value of one hex digit.
pub(crate) fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Appends `bytes` as lowercase hex (no prefix), through a stack buffer.
pub(crate) fn write_hex(bytes: &[u8], out: &mut BytesMut) {
    out.reserve(bytes.len() * 2);
    let mut buf = [0u8; 512];
    for chunk in bytes.chunks(buf.len() / 2) {
        for (pair, b) in buf.chunks_exact_mut(2).zip(chunk) {
            pair[0] = HEX_DIGITS[usize::from(b >> 4)];
            pair[1] = HEX_DIGITS[usize::from(b & 0xf)];
        }
        out.put_slice(&buf[..chunk.len() * 2]);
    }
}

/// Stack buffers that integer and float values are formatted into before being parsed as
/// decimals.
#[derive(Default)]
pub(crate) struct NumberBuffers {
    int: itoa::Buffer,
    float: ryu::Buffer,
}

/// The value of `value` as a decimal, for `numeric` output. Floats use their shortest
/// round-trip digits without trailing fraction zeros.
pub(crate) fn coerce_decimal<'v>(
    value: ValueRef<'v>,
    bufs: &'v mut NumberBuffers,
) -> Result<Decimal<'v>, PgError> {
    use self::numeric::DecimalKind;
    match value {
        ValueRef::Integer(i) => {
            Decimal::parse(bufs.int.format(i).as_bytes()).map_err(|e| e.to_pg(b""))
        }
        ValueRef::Real(f) if f.is_nan() => Ok(Decimal::special(DecimalKind::NaN)),
        ValueRef::Real(f) if f.is_infinite() => Ok(Decimal::special(if f > 0.0 {
            DecimalKind::Infinity
        } else {
            DecimalKind::NegInfinity
        })),
        ValueRef::Real(f) => {
            let s = bufs.float.format_finite(f).as_bytes();
            Decimal::parse(s)
                .map(Decimal::trim_fraction_zeros)
                .map_err(|e| e.to_pg(s))
        }
        ValueRef::Text(t) | ValueRef::Blob(t) => Decimal::parse(t).map_err(|e| e.to_pg(t)),
        ValueRef::Null => Err(invalid_value(Kind::Numeric, value)),
    }
}

/// The value of `value` as a date (days since 2000-01-01), time (µs since midnight) or
/// timestamp (µs since 2000-01-01, UTC for `timestamptz`). INTEGER is Unix epoch seconds and
/// REAL a Julian day number, as SQLite's date functions use them.
pub(crate) fn coerce_datetime(value: ValueRef<'_>, ty: DateTimeType) -> Result<i64, DateTimeError> {
    use self::datetime::*;
    let from_timestamp = |ts: i64| match ty {
        DateTimeType::Date => i64::from(date_of_timestamp(ts)),
        DateTimeType::Time => time_of_timestamp(ts),
        DateTimeType::Timestamp | DateTimeType::TimestampTz => ts,
    };
    match value {
        ValueRef::Integer(secs) => timestamp_from_unix_seconds(secs)
            .map(from_timestamp)
            .ok_or(DateTimeError::OutOfRange),
        ValueRef::Real(jd) => timestamp_from_julian_day(jd)
            .map(from_timestamp)
            .ok_or(DateTimeError::OutOfRange),
        ValueRef::Text(t) | ValueRef::Blob(t) => match ty {
            DateTimeType::Date => parse_date(t).map(i64::from),
            DateTimeType::Time => parse_time(t),
            DateTimeType::Timestamp => parse_timestamp(t, false),
            DateTimeType::TimestampTz => parse_timestamp(t, true),
        },
        ValueRef::Null => Err(DateTimeError::Syntax),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::Value;

    /// Encodes one field and returns (length word, body).
    fn field(value: ValueRef<'_>, ty: Oid, format: Format) -> Result<(i32, Vec<u8>), PgError> {
        let mut out = BytesMut::from(&b"xx"[..]);
        StandardValueHandler.encode_field(value, ty, format, &mut out)?;
        assert_eq!(&out[..2], b"xx");
        let len = i32::from_be_bytes(out[2..6].try_into().unwrap());
        Ok((len, out[6..].to_vec()))
    }

    /// Stores what decode_param produced as SQLite would hand it back.
    fn stored(p: ToSqlOutput<'_>) -> Value {
        match p {
            ToSqlOutput::Borrowed(v) => Value::try_from(v).unwrap(),
            ToSqlOutput::Owned(v) => v,
            _ => panic!("unexpected ToSqlOutput"),
        }
    }

    fn value_ref(v: &Value) -> ValueRef<'_> {
        v.into()
    }

    #[test]
    fn null_and_length_framing() {
        let (len, body) = field(ValueRef::Null, oid::INT4, Format::Binary).unwrap();
        assert_eq!((len, body.len()), (-1, 0));
        let (len, body) = field(ValueRef::Null, oid::TEXT, Format::Text).unwrap();
        assert_eq!((len, body.len()), (-1, 0));
        let (len, body) = field(ValueRef::Text(b""), oid::TEXT, Format::Text).unwrap();
        assert_eq!((len, body.len()), (0, 0));
        let (len, body) = field(ValueRef::Blob(b""), oid::BYTEA, Format::Binary).unwrap();
        assert_eq!((len, body.len()), (0, 0));
        let (len, body) = field(ValueRef::Integer(-42), oid::INT8, Format::Text).unwrap();
        assert_eq!((len, body.as_slice()), (3, &b"-42"[..]));
    }

    #[test]
    fn errors_append_nothing() {
        let mut out = BytesMut::from(&b"keep"[..]);
        let e = StandardValueHandler
            .encode_field(
                ValueRef::Integer(1 << 40),
                oid::INT4,
                Format::Binary,
                &mut out,
            )
            .unwrap_err();
        assert_eq!(e.code, SqlState::NUMERIC_VALUE_OUT_OF_RANGE);
        assert_eq!(e.message, "integer out of range");
        let e = StandardValueHandler
            .encode_field(ValueRef::Text(b"abc"), oid::INT2, Format::Text, &mut out)
            .unwrap_err();
        assert_eq!(e.code, SqlState::INVALID_TEXT_REPRESENTATION);
        assert_eq!(e.message, "invalid input syntax for type smallint: \"abc\"");
        assert_eq!(&out[..], b"keep");
    }

    #[test]
    fn default_oids() {
        assert_eq!(oid_for_value(ValueRef::Integer(1)), oid::INT8);
        assert_eq!(oid_for_value(ValueRef::Real(1.0)), oid::FLOAT8);
        assert_eq!(oid_for_value(ValueRef::Text(b"")), oid::TEXT);
        assert_eq!(oid_for_value(ValueRef::Blob(b"")), oid::BYTEA);
        assert_eq!(oid_for_value(ValueRef::Null), oid::TEXT);
    }

    #[test]
    fn bind_param_number_in_binary_errors() {
        let h = StandardValueHandler;
        let e = h
            .decode_param(Some(&[0, 1, 2]), oid::INT4, Format::Binary)
            .unwrap_err();
        assert_eq!(e.code, SqlState::INVALID_BINARY_REPRESENTATION);
        let e = h
            .decode_bind_param(3, Some(&[0, 1, 2]), oid::INT4, Format::Binary)
            .unwrap_err();
        assert_eq!(
            e.message,
            "incorrect binary data format in bind parameter 3"
        );
        // Other errors are left alone.
        let e = h
            .decode_bind_param(1, Some(b"x"), oid::INT4, Format::Text)
            .unwrap_err();
        assert_eq!(e.message, "invalid input syntax for type integer: \"x\"");
        assert!(matches!(
            h.decode_bind_param(1, None, oid::INT4, Format::Binary),
            Ok(ToSqlOutput::Borrowed(ValueRef::Null))
        ));
    }

    #[test]
    fn parse_helpers() {
        assert_eq!(parse_int(b" -9223372036854775808 "), Ok(i64::MIN));
        assert_eq!(parse_int(b"9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_int(b"9223372036854775808"), Err(IntError::Range));
        assert_eq!(parse_int(b"+0"), Ok(0));
        for bad in [&b""[..], b"-", b"1.0", b"1 2", b"0x1", b"abc"] {
            assert_eq!(parse_int(bad), Err(IntError::Syntax));
        }
        assert_eq!(check_int_range(Kind::Oid, -1), Some(4_294_967_295));
        assert_eq!(check_int_range(Kind::Oid, 1 << 32), None);
        assert_eq!(check_int_range(Kind::Int2, 32768), None);
        for t in ["t", "TRUE", " yes ", "on", "1", "tr", "y"] {
            assert_eq!(parse_bool(t.as_bytes()), Some(true), "{t}");
        }
        for f in ["f", "False", "no", "OFF", "0", "of", "n"] {
            assert_eq!(parse_bool(f.as_bytes()), Some(false), "{f}");
        }
        for bad in ["o", "", "2", "truex", "yes please"] {
            assert_eq!(parse_bool(bad.as_bytes()), None, "{bad}");
        }
        let canon = *b"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        for s in [
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
            "a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
        ] {
            assert_eq!(
                parse_uuid(s.as_bytes()).map(|u| format_uuid(&u)),
                Some(canon),
                "{s}"
            );
        }
        for bad in [
            "",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
            "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
            "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        ] {
            assert_eq!(parse_uuid(bad.as_bytes()), None, "{bad}");
        }
    }

    /// decode_param -> stored SQLite value -> encode_field gives the canonical text back, in
    /// text format and (via the binary decoder) in binary format.
    #[test]
    fn round_trips_through_storage() {
        let h = StandardValueHandler;
        let cases: &[(Oid, &str, &str)] = &[
            (oid::INT2, " -32768", "-32768"),
            (oid::INT4, "2147483647", "2147483647"),
            (oid::INT8, "-9223372036854775808", "-9223372036854775808"),
            (oid::OID, "4294967295", "4294967295"),
            (oid::FLOAT8, "0.1", "0.1"),
            (oid::FLOAT8, "1e300", "1e+300"),
            (oid::FLOAT8, "-0", "-0"),
            (oid::FLOAT8, "-Infinity", "-Infinity"),
            (oid::FLOAT4, "0.1", "0.1"),
            (oid::FLOAT4, "1000000", "1e+06"),
            (oid::BOOL, "yes", "t"),
            (oid::BOOL, "0", "f"),
            (oid::NUMERIC, "123.4500", "123.4500"),
            (oid::NUMERIC, "-0.00", "0.00"),
            (oid::NUMERIC, "1e10", "10000000000"),
            (oid::NUMERIC, "NaN", "NaN"),
            (oid::TEXT, "héllo", "héllo"),
            (oid::VARCHAR, "", ""),
            (oid::JSON, "{\"a\":1}", "{\"a\":1}"),
            (
                oid::JSONB,
                "{\"b\":[1,2],\"a\":1}",
                "{\"a\": 1, \"b\": [1, 2]}",
            ),
            (oid::INT4_ARRAY, "{1,NULL,3}", "{1,NULL,3}"),
            (oid::TEXT_ARRAY, "{\"a b\",c}", "{\"a b\",c}"),
            (oid::BYTEA, "\\x00ff10", "\\x00ff10"),
            (oid::BYTEA, "a\\\\b\\001", "\\x615c6201"),
            (oid::DATE, "2024-02-29", "2024-02-29"),
            (oid::DATE, "infinity", "infinity"),
            (oid::TIME, "23:59:59.999999", "23:59:59.999999"),
            (
                oid::TIMESTAMP,
                "2024-01-02T03:04:05.5",
                "2024-01-02 03:04:05.5",
            ),
            (
                oid::TIMESTAMPTZ,
                "2024-01-02 03:04:05+02",
                "2024-01-02 01:04:05+00",
            ),
            (oid::TIMESTAMPTZ, "-infinity", "-infinity"),
            (
                oid::UUID,
                "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}",
                "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            ),
            (oid::UNSPECIFIED, "whatever", "whatever"),
        ];
        for &(ty, input, expected) in cases {
            let v = stored(
                h.decode_param(Some(input.as_bytes()), ty, Format::Text)
                    .unwrap(),
            );
            let (_, text) = field(value_ref(&v), ty, Format::Text).unwrap();
            assert_eq!(
                String::from_utf8(text).unwrap(),
                expected,
                "text {ty} {input:?}"
            );
            // Binary out, binary back in, stored again: the same text comes out.
            let (_, bin) = field(value_ref(&v), ty, Format::Binary).unwrap();
            let ty_bin = if ty == oid::UNSPECIFIED {
                oid::TEXT
            } else {
                ty
            };
            let v2 = stored(h.decode_param(Some(&bin), ty_bin, Format::Binary).unwrap());
            let (_, text2) = field(value_ref(&v2), ty_bin, Format::Text).unwrap();
            assert_eq!(
                String::from_utf8(text2).unwrap(),
                expected,
                "binary {ty} {input:?}"
            );
        }
    }
}
