//! Frontend (client to server) messages, decoded by slicing a complete message body.

use bytes::Bytes;
use smallvec::SmallVec;

use crate::error::{PgError, SqlState};
use crate::protocol::bytestr::ByteStr;
use crate::protocol::codec::{CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE, SSL_REQUEST_CODE};
use crate::protocol::types::{Format, Oid};

/// Smallest secret key a CancelRequest may carry (protocol 3.0 uses exactly 4 bytes).
pub const MIN_CANCEL_KEY_LEN: usize = 4;
/// Largest secret key a CancelRequest may carry (protocol 3.2 allows up to 256 bytes).
pub const MAX_CANCEL_KEY_LEN: usize = 256;

/// An untagged packet of the startup phase.
// Startup is large (inline parameter storage); one packet per connection, so no boxing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartupPacket {
    /// A StartupMessage: protocol version and connection parameters.
    Startup(Startup),
    /// SSLRequest: the client asks for TLS before the startup message.
    SslRequest,
    /// GSSENCRequest: the client asks for GSSAPI encryption.
    GssEncRequest,
    /// CancelRequest for the backend with this process id and secret key.
    Cancel {
        /// Process id from BackendKeyData.
        process_id: i32,
        /// Secret key from BackendKeyData (4 bytes in protocol 3.0, up to 256 in 3.2).
        secret_key: Bytes,
    },
}

/// A StartupMessage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Startup {
    /// Major protocol version (3 for every current client).
    pub major: u16,
    /// Minor protocol version.
    pub minor: u16,
    /// Name/value pairs in the order sent (`user`, `database`, `options`, GUCs, `_pq_.*`).
    pub params: SmallVec<[(ByteStr, ByteStr); 8]>,
}

impl Startup {
    /// The value of the first parameter called `name`, if sent.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a Describe or Close message refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A prepared statement (`'S'`).
    Statement,
    /// A portal (`'P'`).
    Portal,
}

impl Target {
    /// The wire byte: `b'S'` or `b'P'`.
    pub fn as_byte(self) -> u8 {
        match self {
            Target::Statement => b'S',
            Target::Portal => b'P',
        }
    }
}

/// A Bind message: creates a portal from a prepared statement and parameter values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bind {
    /// Destination portal (empty: the unnamed portal).
    pub portal: ByteStr,
    /// Source prepared statement (empty: the unnamed statement).
    pub statement: ByteStr,
    /// Parameter format codes: none (all text), one (applies to all), or one per parameter.
    pub param_formats: SmallVec<[Format; 8]>,
    /// Parameter values; `None` is SQL NULL.
    pub params: SmallVec<[Option<Bytes>; 8]>,
    /// Result column format codes, same convention as `param_formats`.
    pub result_formats: SmallVec<[Format; 8]>,
}

impl Bind {
    /// The format of parameter `index` (0-based).
    pub fn param_format(&self, index: usize) -> Format {
        format_at(&self.param_formats, index)
    }

    /// The format of result column `index` (0-based).
    pub fn result_format(&self, index: usize) -> Format {
        format_at(&self.result_formats, index)
    }
}

/// Resolves the format of item `index` from a format-code list: no codes means all text, one
/// code applies to every item, otherwise one code per item (text past the end).
pub fn format_at(formats: &[Format], index: usize) -> Format {
    match formats {
        [] => Format::Text,
        [only] => *only,
        many => many.get(index).copied().unwrap_or(Format::Text),
    }
}

/// A regular (tagged) message from the client.
// Bind keeps up to 8 parameters inline: moving a few hundred bytes is cheaper than a heap
// allocation per Bind, which boxing the variant would cost.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrontendMessage {
    /// `'Q'` simple query.
    Query {
        /// The query string (may hold several statements).
        sql: ByteStr,
    },
    /// `'P'` Parse.
    Parse {
        /// Statement name (empty: the unnamed statement).
        name: ByteStr,
        /// The query text.
        sql: ByteStr,
        /// Parameter type OIDs given by the client (0: unspecified).
        param_types: SmallVec<[Oid; 8]>,
    },
    /// `'B'` Bind.
    Bind(Bind),
    /// `'D'` Describe.
    Describe {
        /// Statement or portal.
        target: Target,
        /// Its name.
        name: ByteStr,
    },
    /// `'E'` Execute.
    Execute {
        /// Portal name.
        portal: ByteStr,
        /// Row limit; 0 means all rows.
        max_rows: u32,
    },
    /// `'C'` Close.
    Close {
        /// Statement or portal.
        target: Target,
        /// Its name.
        name: ByteStr,
    },
    /// `'S'` Sync.
    Sync,
    /// `'H'` Flush.
    Flush,
    /// `'X'` Terminate.
    Terminate,
    /// `'p'`: PasswordMessage, SASLInitialResponse, SASLResponse or GSSResponse; which one
    /// depends on the authentication exchange, so the body is kept raw (see
    /// [`parse_password`] and [`parse_sasl_initial`]).
    Password(Bytes),
    /// `'d'` CopyData.
    CopyData(Bytes),
    /// `'c'` CopyDone.
    CopyDone,
    /// `'f'` CopyFail.
    CopyFail {
        /// The client's reason.
        message: ByteStr,
    },
    /// `'F'` FunctionCall.
    FunctionCall {
        /// OID of the function.
        function: Oid,
        /// Argument format codes (same convention as Bind).
        arg_formats: SmallVec<[Format; 4]>,
        /// Argument values; `None` is NULL.
        args: SmallVec<[Option<Bytes>; 4]>,
        /// Format of the result.
        result_format: Format,
    },
}

/// The tags of every message a client may send after startup.
pub(crate) const FRONTEND_TAGS: &[u8] = b"QPBDECSHXpdcfF";

impl FrontendMessage {
    /// Decodes the body (everything after the length field) of a message tagged `tag`.
    pub fn parse(tag: u8, body: Bytes) -> Result<FrontendMessage, PgError> {
        let mut r = Reader::new(body);
        let msg = match tag {
            b'Q' => FrontendMessage::Query { sql: r.cstr()? },
            b'P' => {
                let name = r.cstr()?;
                let sql = r.cstr()?;
                let count = r.count(4)?;
                let mut param_types = SmallVec::with_capacity(count);
                for _ in 0..count {
                    param_types.push(r.u32()?);
                }
                FrontendMessage::Parse {
                    name,
                    sql,
                    param_types,
                }
            }
            b'B' => FrontendMessage::Bind(parse_bind(&mut r)?),
            b'D' => {
                let target = r.target("DESCRIBE")?;
                FrontendMessage::Describe {
                    target,
                    name: r.cstr()?,
                }
            }
            b'E' => {
                let portal = r.cstr()?;
                let max_rows = u32::try_from(r.i32()?).unwrap_or(0);
                FrontendMessage::Execute { portal, max_rows }
            }
            b'C' => {
                let target = r.target("CLOSE")?;
                FrontendMessage::Close {
                    target,
                    name: r.cstr()?,
                }
            }
            b'S' => FrontendMessage::Sync,
            b'H' => FrontendMessage::Flush,
            b'X' => FrontendMessage::Terminate,
            b'p' => FrontendMessage::Password(r.rest()),
            b'd' => FrontendMessage::CopyData(r.rest()),
            b'c' => FrontendMessage::CopyDone,
            b'f' => FrontendMessage::CopyFail { message: r.cstr()? },
            b'F' => {
                let function = r.u32()?;
                let arg_formats = r.formats()?;
                let args = r.values()?;
                check_format_count(arg_formats.len(), args.len(), "function call", "argument")?;
                let result_format = r.format()?;
                FrontendMessage::FunctionCall {
                    function,
                    arg_formats,
                    args,
                    result_format,
                }
            }
            other => return Err(invalid_message_type(other)),
        };
        r.finish()?;
        Ok(msg)
    }

    /// The message's wire tag.
    pub fn tag(&self) -> u8 {
        match self {
            FrontendMessage::Query { .. } => b'Q',
            FrontendMessage::Parse { .. } => b'P',
            FrontendMessage::Bind(_) => b'B',
            FrontendMessage::Describe { .. } => b'D',
            FrontendMessage::Execute { .. } => b'E',
            FrontendMessage::Close { .. } => b'C',
            FrontendMessage::Sync => b'S',
            FrontendMessage::Flush => b'H',
            FrontendMessage::Terminate => b'X',
            FrontendMessage::Password(_) => b'p',
            FrontendMessage::CopyData(_) => b'd',
            FrontendMessage::CopyDone => b'c',
            FrontendMessage::CopyFail { .. } => b'f',
            FrontendMessage::FunctionCall { .. } => b'F',
        }
    }
}

impl StartupPacket {
    /// Decodes a startup-phase packet from everything after its length field (request code
    /// first). The protocol version is not judged here.
    pub fn parse(body: Bytes) -> Result<StartupPacket, PgError> {
        let mut r = Reader::new(body);
        let code = r.i32()?;
        match code {
            SSL_REQUEST_CODE | GSSENC_REQUEST_CODE => {
                if r.remaining() != 0 {
                    return Err(PgError::protocol("invalid length of startup packet"));
                }
                Ok(if code == SSL_REQUEST_CODE {
                    StartupPacket::SslRequest
                } else {
                    StartupPacket::GssEncRequest
                })
            }
            CANCEL_REQUEST_CODE => {
                let process_id = r.i32()?;
                let secret_key = r.rest();
                if !(MIN_CANCEL_KEY_LEN..=MAX_CANCEL_KEY_LEN).contains(&secret_key.len()) {
                    return Err(PgError::protocol("invalid length of cancel request packet"));
                }
                Ok(StartupPacket::Cancel {
                    process_id,
                    secret_key,
                })
            }
            version => {
                let version = version as u32;
                let mut params = SmallVec::new();
                loop {
                    let name = r
                        .cstr_bytes()
                        .map_err(|_| PgError::protocol(STARTUP_LAYOUT))?;
                    if name.is_empty() {
                        break;
                    }
                    let value = r
                        .cstr_bytes()
                        .map_err(|_| PgError::protocol(STARTUP_LAYOUT))?;
                    params.push((startup_str(name)?, startup_str(value)?));
                }
                if r.remaining() != 0 {
                    return Err(PgError::protocol(STARTUP_LAYOUT));
                }
                Ok(StartupPacket::Startup(Startup {
                    major: (version >> 16) as u16,
                    minor: (version & 0xffff) as u16,
                    params,
                }))
            }
        }
    }
}

const STARTUP_LAYOUT: &str = "invalid startup packet layout: expected terminator as last byte";

/// Startup parameters are text; invalid UTF-8 there ends the connection.
fn startup_str(bytes: Bytes) -> Result<ByteStr, PgError> {
    ByteStr::from_utf8(bytes.clone()).map_err(|e| {
        let mut err = invalid_utf8(&e, &bytes);
        err.severity = crate::error::Severity::Fatal;
        err
    })
}

/// Decodes a PasswordMessage body: the password as a NUL-terminated string.
pub fn parse_password(body: &Bytes) -> Result<ByteStr, PgError> {
    let mut r = Reader::new(body.clone());
    let password = r.cstr()?;
    r.finish()?;
    Ok(password)
}

/// Decodes a SASLInitialResponse body: the mechanism name and the optional initial response
/// (an Int32 length of -1 means none).
pub fn parse_sasl_initial(body: &Bytes) -> Result<(ByteStr, Option<Bytes>), PgError> {
    let mut r = Reader::new(body.clone());
    let mechanism = r.cstr()?;
    let data = r.value()?;
    r.finish()?;
    Ok((mechanism, data))
}

fn parse_bind(r: &mut Reader) -> Result<Bind, PgError> {
    let portal = r.cstr()?;
    let statement = r.cstr()?;
    let param_formats = r.formats()?;
    let params = r.values()?;
    check_format_count(param_formats.len(), params.len(), "bind", "parameter")?;
    let result_formats = r.formats()?;
    Ok(Bind {
        portal,
        statement,
        param_formats,
        params,
        result_formats,
    })
}

fn check_format_count(
    formats: usize,
    values: usize,
    message: &str,
    item: &str,
) -> Result<(), PgError> {
    if formats > 1 && formats != values {
        let verb = if message == "bind" { "has" } else { "contains" };
        return Err(PgError::protocol(format!(
            "{message} message {verb} {formats} {item} formats but {values} {item}s"
        )));
    }
    Ok(())
}

/// 08P01 "invalid frontend message type N".
pub(crate) fn invalid_message_type(tag: u8) -> PgError {
    PgError::protocol(format!("invalid frontend message type {tag}"))
}

/// 22021 for text that is not UTF-8, naming the offending bytes as PostgreSQL does.
fn invalid_utf8(err: &std::str::Utf8Error, bytes: &[u8]) -> PgError {
    let mut message = String::from("invalid byte sequence for encoding \"UTF8\"");
    let bad = bytes.get(err.valid_up_to()..).unwrap_or(&[]);
    let shown = err.error_len().unwrap_or(bad.len()).min(4);
    for (i, b) in bad.iter().take(shown).enumerate() {
        message.push_str(if i == 0 { ": " } else { " " });
        message.push_str(&format!("0x{b:02x}"));
    }
    PgError::new(SqlState::CHARACTER_NOT_IN_REPERTOIRE, message)
}

fn insufficient() -> PgError {
    PgError::protocol("insufficient data left in message")
}

/// A cursor over a message body; every read is bounds-checked and slices share the buffer.
struct Reader {
    buf: Bytes,
    pos: usize,
}

impl Reader {
    fn new(buf: Bytes) -> Reader {
        Reader { buf, pos: 0 }
    }

    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], PgError> {
        let end = self.pos.checked_add(N).ok_or_else(insufficient)?;
        let bytes: [u8; N] = self
            .buf
            .get(self.pos..end)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(insufficient)?;
        self.pos = end;
        Ok(bytes)
    }

    fn u8(&mut self) -> Result<u8, PgError> {
        Ok(self.take::<1>()?[0])
    }

    fn i16(&mut self) -> Result<i16, PgError> {
        Ok(i16::from_be_bytes(self.take()?))
    }

    fn u16(&mut self) -> Result<u16, PgError> {
        Ok(u16::from_be_bytes(self.take()?))
    }

    fn i32(&mut self) -> Result<i32, PgError> {
        Ok(i32::from_be_bytes(self.take()?))
    }

    fn u32(&mut self) -> Result<u32, PgError> {
        Ok(u32::from_be_bytes(self.take()?))
    }

    /// `n` raw bytes.
    fn bytes(&mut self, n: usize) -> Result<Bytes, PgError> {
        if n > self.remaining() {
            return Err(insufficient());
        }
        let out = self.buf.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(out)
    }

    /// Everything left.
    fn rest(&mut self) -> Bytes {
        let out = self.buf.slice(self.pos.min(self.buf.len())..);
        self.pos = self.buf.len();
        out
    }

    /// The bytes of a NUL-terminated string, without the NUL.
    fn cstr_bytes(&mut self) -> Result<Bytes, PgError> {
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        let nul = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| PgError::protocol("invalid string in message"))?;
        let out = self.buf.slice(self.pos..self.pos + nul);
        self.pos += nul + 1;
        Ok(out)
    }

    /// A NUL-terminated UTF-8 string.
    fn cstr(&mut self) -> Result<ByteStr, PgError> {
        let bytes = self.cstr_bytes()?;
        // The clone is a reference-count bump; it keeps the bytes for the error message.
        ByteStr::from_utf8(bytes.clone()).map_err(|e| invalid_utf8(&e, &bytes))
    }

    /// An Int16 item count, checked against the bytes left (`min_item` bytes per item) so
    /// that a bogus count cannot cause a large allocation.
    fn count(&mut self, min_item: usize) -> Result<usize, PgError> {
        let n = usize::from(self.u16()?);
        if n.saturating_mul(min_item) > self.remaining() {
            return Err(insufficient());
        }
        Ok(n)
    }

    fn format(&mut self) -> Result<Format, PgError> {
        let code = self.i16()?;
        Format::from_code(code).ok_or_else(|| {
            PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("unsupported format code: {code}"),
            )
        })
    }

    fn formats<const N: usize>(&mut self) -> Result<SmallVec<[Format; N]>, PgError> {
        let n = self.count(2)?;
        let mut out = SmallVec::with_capacity(n);
        for _ in 0..n {
            out.push(self.format()?);
        }
        Ok(out)
    }

    /// An Int32-length-prefixed value; -1 is NULL, anything below is an error.
    fn value(&mut self) -> Result<Option<Bytes>, PgError> {
        let len = self.i32()?;
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len).map_err(|_| insufficient())?;
        self.bytes(len).map(Some)
    }

    fn values<const N: usize>(&mut self) -> Result<SmallVec<[Option<Bytes>; N]>, PgError> {
        let n = self.count(4)?;
        let mut out = SmallVec::with_capacity(n);
        for _ in 0..n {
            out.push(self.value()?);
        }
        Ok(out)
    }

    fn target(&mut self, message: &str) -> Result<Target, PgError> {
        match self.u8()? {
            b'S' => Ok(Target::Statement),
            b'P' => Ok(Target::Portal),
            other => Err(PgError::protocol(format!(
                "invalid {message} message subtype {other}"
            ))),
        }
    }

    /// Fails if anything is left after the last field.
    fn finish(&self) -> Result<(), PgError> {
        if self.remaining() != 0 {
            return Err(PgError::protocol("invalid message format"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Severity;

    fn body(parts: &[&[u8]]) -> Bytes {
        Bytes::from(parts.concat())
    }

    fn err(tag: u8, parts: &[&[u8]]) -> PgError {
        FrontendMessage::parse(tag, body(parts)).expect_err("should fail")
    }

    fn protocol_err(tag: u8, parts: &[&[u8]], message: &str) {
        let e = err(tag, parts);
        assert_eq!(e.code, SqlState::PROTOCOL_VIOLATION, "{e}");
        assert_eq!(e.severity, Severity::Fatal);
        assert_eq!(e.message, message);
    }

    /// PostgreSQL's 22023 (an ERROR: the message was read whole).
    fn invalid_value(tag: u8, parts: &[&[u8]], message: &str) {
        let e = err(tag, parts);
        assert_eq!(e.code, SqlState::INVALID_PARAMETER_VALUE, "{e}");
        assert_eq!(e.severity, Severity::Error);
        assert_eq!(e.message, message);
    }

    #[test]
    fn query() {
        let body = body(&[b"SELECT 1\0"]);
        let msg = FrontendMessage::parse(b'Q', body.clone()).unwrap();
        let FrontendMessage::Query { sql } = &msg else {
            panic!("{msg:?}")
        };
        assert_eq!(sql, "SELECT 1");
        assert_eq!(sql.as_bytes().as_ptr(), body.as_ptr(), "sliced, not copied");
        assert_eq!(msg.tag(), b'Q');
        protocol_err(b'Q', &[b"SELECT 1"], "invalid string in message");
        protocol_err(b'Q', &[b"SELECT 1\0x"], "invalid message format");
        protocol_err(b'Q', &[], "invalid string in message");
    }

    #[test]
    fn invalid_utf8_is_22021() {
        let e = err(b'Q', &[b"SELECT '\xc3\x28'\0"]);
        assert_eq!(e.code, SqlState::CHARACTER_NOT_IN_REPERTOIRE);
        assert_eq!(
            e.message,
            "invalid byte sequence for encoding \"UTF8\": 0xc3"
        );
        let e = err(b'P', &[b"s\0SELECT \xff\xfe\0\0\0"]);
        assert_eq!(e.code, SqlState::CHARACTER_NOT_IN_REPERTOIRE);
        assert!(
            e.message
                .starts_with("invalid byte sequence for encoding \"UTF8\"")
        );
        // Truncated multibyte sequence at the end of the string.
        let e = err(b'f', &[b"oops \xe2\x82\0"]);
        assert_eq!(
            e.message,
            "invalid byte sequence for encoding \"UTF8\": 0xe2 0x82"
        );
    }

    #[test]
    fn parse_message() {
        let msg = FrontendMessage::parse(
            b'P',
            body(&[b"st\0SELECT $1\0", &[0, 2, 0, 0, 0, 23, 0, 0, 0, 0]]),
        )
        .unwrap();
        assert_eq!(
            msg,
            FrontendMessage::Parse {
                name: "st".into(),
                sql: "SELECT $1".into(),
                param_types: SmallVec::from_slice(&[23, 0]),
            }
        );
        protocol_err(
            b'P',
            &[b"st\0SELECT\0", &[0, 2, 0, 0, 0, 23]],
            "insufficient data left in message",
        );
        protocol_err(
            b'P',
            &[b"st\0SELECT\0", &[0]],
            "insufficient data left in message",
        );
        protocol_err(
            b'P',
            &[b"st\0SELECT\0", &[0, 0, 9]],
            "invalid message format",
        );
        protocol_err(b'P', &[b"st\0SELECT"], "invalid string in message");
        // A huge count with no data behind it is refused before allocating.
        protocol_err(
            b'P',
            &[b"\0\0", &[0xff, 0xff]],
            "insufficient data left in message",
        );
    }

    fn bind_body(formats: &[i16], params: &[Option<&[u8]>], results: &[i16]) -> Vec<u8> {
        let mut v = b"portal\0stmt\0".to_vec();
        v.extend_from_slice(&(formats.len() as i16).to_be_bytes());
        for f in formats {
            v.extend_from_slice(&f.to_be_bytes());
        }
        v.extend_from_slice(&(params.len() as i16).to_be_bytes());
        for p in params {
            match p {
                None => v.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(p) => {
                    v.extend_from_slice(&(p.len() as i32).to_be_bytes());
                    v.extend_from_slice(p);
                }
            }
        }
        v.extend_from_slice(&(results.len() as i16).to_be_bytes());
        for f in results {
            v.extend_from_slice(&f.to_be_bytes());
        }
        v
    }

    #[test]
    fn bind() {
        let raw = bind_body(&[1, 0], &[Some(b"\0\0\0\x07"), None], &[1]);
        let msg = FrontendMessage::parse(b'B', Bytes::from(raw)).unwrap();
        let FrontendMessage::Bind(b) = msg else {
            panic!()
        };
        assert_eq!(b.portal, "portal");
        assert_eq!(b.statement, "stmt");
        assert_eq!(b.params.len(), 2);
        assert_eq!(b.params[0].as_deref(), Some(&b"\0\0\0\x07"[..]));
        assert_eq!(b.params[1], None);
        assert_eq!(b.param_format(0), Format::Binary);
        assert_eq!(b.param_format(1), Format::Text);
        assert_eq!(b.result_format(7), Format::Binary);

        let raw = bind_body(&[], &[Some(b""), Some(b"x")], &[]);
        let FrontendMessage::Bind(b) = FrontendMessage::parse(b'B', Bytes::from(raw)).unwrap()
        else {
            panic!()
        };
        assert_eq!(b.params[0].as_deref(), Some(&b""[..]), "empty is not NULL");
        assert_eq!(b.param_format(1), Format::Text);
        assert_eq!(b.result_format(0), Format::Text);
    }

    #[test]
    fn bind_errors() {
        let raw = bind_body(&[0, 0, 0], &[None, None], &[]);
        protocol_err(
            b'B',
            &[&raw],
            "bind message has 3 parameter formats but 2 parameters",
        );
        let raw = bind_body(&[2], &[None], &[]);
        invalid_value(b'B', &[&raw], "unsupported format code: 2");
        let raw = bind_body(&[], &[None], &[-1]);
        invalid_value(b'B', &[&raw], "unsupported format code: -1");
        // Parameter length -2.
        let mut raw = bind_body(&[], &[None], &[]);
        raw[14..18].copy_from_slice(&(-2i32).to_be_bytes());
        protocol_err(b'B', &[&raw], "insufficient data left in message");
        // Parameter longer than the message.
        let raw = bind_body(&[], &[Some(b"abc")], &[]);
        let mut cut = raw.clone();
        cut.truncate(raw.len() - 3);
        protocol_err(b'B', &[&cut], "insufficient data left in message");
        // Trailing garbage.
        let mut raw = bind_body(&[], &[], &[]);
        raw.push(0);
        protocol_err(b'B', &[&raw], "invalid message format");
        // Every truncation fails cleanly.
        let raw = bind_body(&[1, 0], &[Some(b"abc"), None], &[1, 0, 1]);
        for n in 0..raw.len() {
            assert!(FrontendMessage::parse(b'B', Bytes::copy_from_slice(&raw[..n])).is_err());
        }
    }

    #[test]
    fn format_rule() {
        assert_eq!(format_at(&[], 5), Format::Text);
        assert_eq!(format_at(&[Format::Binary], 5), Format::Binary);
        assert_eq!(
            format_at(&[Format::Text, Format::Binary], 1),
            Format::Binary
        );
        assert_eq!(format_at(&[Format::Text, Format::Binary], 9), Format::Text);
    }

    #[test]
    fn describe_close_execute() {
        let m = FrontendMessage::parse(b'D', body(&[b"Sname\0"])).unwrap();
        assert_eq!(
            m,
            FrontendMessage::Describe {
                target: Target::Statement,
                name: "name".into()
            }
        );
        let m = FrontendMessage::parse(b'C', body(&[b"P\0"])).unwrap();
        assert_eq!(
            m,
            FrontendMessage::Close {
                target: Target::Portal,
                name: "".into()
            }
        );
        assert_eq!(m.tag(), b'C');
        protocol_err(b'D', &[b"Xname\0"], "invalid DESCRIBE message subtype 88");
        protocol_err(b'C', &[b"x\0"], "invalid CLOSE message subtype 120");
        protocol_err(b'D', &[], "insufficient data left in message");
        protocol_err(b'D', &[b"S"], "invalid string in message");

        let m = FrontendMessage::parse(b'E', body(&[b"p\0", &[0, 0, 0, 10]])).unwrap();
        assert_eq!(
            m,
            FrontendMessage::Execute {
                portal: "p".into(),
                max_rows: 10
            }
        );
        for limit in [0i32, -1, i32::MIN] {
            let m = FrontendMessage::parse(b'E', body(&[b"\0", &limit.to_be_bytes()])).unwrap();
            assert_eq!(
                m,
                FrontendMessage::Execute {
                    portal: "".into(),
                    max_rows: 0
                }
            );
        }
        protocol_err(
            b'E',
            &[b"\0", &[0, 0, 1]],
            "insufficient data left in message",
        );
        protocol_err(b'E', &[b"\0", &[0, 0, 0, 1, 0]], "invalid message format");
    }

    #[test]
    fn bodiless_messages() {
        for (tag, msg) in [
            (b'S', FrontendMessage::Sync),
            (b'H', FrontendMessage::Flush),
            (b'X', FrontendMessage::Terminate),
            (b'c', FrontendMessage::CopyDone),
        ] {
            assert_eq!(FrontendMessage::parse(tag, Bytes::new()).unwrap(), msg);
            assert_eq!(msg.tag(), tag);
            protocol_err(tag, &[b"x"], "invalid message format");
        }
    }

    #[test]
    fn copy_and_password() {
        let m = FrontendMessage::parse(b'd', body(&[b"1\t2\n"])).unwrap();
        assert_eq!(m, FrontendMessage::CopyData(Bytes::from_static(b"1\t2\n")));
        assert_eq!(m.tag(), b'd');
        let m = FrontendMessage::parse(b'd', Bytes::new()).unwrap();
        assert_eq!(m, FrontendMessage::CopyData(Bytes::new()));
        let m = FrontendMessage::parse(b'f', body(&[b"bad\0"])).unwrap();
        assert_eq!(
            m,
            FrontendMessage::CopyFail {
                message: "bad".into()
            }
        );
        protocol_err(b'f', &[b"bad"], "invalid string in message");

        let m = FrontendMessage::parse(b'p', body(&[b"secret\0"])).unwrap();
        let FrontendMessage::Password(raw) = &m else {
            panic!()
        };
        assert_eq!(m.tag(), b'p');
        assert_eq!(parse_password(raw).unwrap(), "secret");
        assert!(parse_password(&body(&[b"secret"])).is_err());
        assert!(parse_password(&body(&[b"secret\0\0"])).is_err());
        assert_eq!(
            parse_password(&body(&[b"\xff\0"])).unwrap_err().code,
            SqlState::CHARACTER_NOT_IN_REPERTOIRE
        );
    }

    #[test]
    fn sasl_initial() {
        let raw = body(&[b"SCRAM-SHA-256\0", &[0, 0, 0, 3], b"n,,"]);
        let (mech, data) = parse_sasl_initial(&raw).unwrap();
        assert_eq!(mech, "SCRAM-SHA-256");
        assert_eq!(data.as_deref(), Some(&b"n,,"[..]));
        let raw = body(&[b"SCRAM-SHA-256\0", &[0xff, 0xff, 0xff, 0xff]]);
        assert_eq!(parse_sasl_initial(&raw).unwrap().1, None);
        for bad in [
            body(&[b"SCRAM-SHA-256\0", &[0, 0, 0, 4], b"n,,"]),
            body(&[b"SCRAM-SHA-256\0", &[0, 0, 0, 2], b"n,,"]),
            body(&[b"SCRAM-SHA-256\0", &[0xff, 0xff, 0xff, 0xfe]]),
            body(&[b"SCRAM-SHA-256\0", &[0, 0]]),
            body(&[b"SCRAM-SHA-256"]),
        ] {
            assert_eq!(
                parse_sasl_initial(&bad).unwrap_err().code,
                SqlState::PROTOCOL_VIOLATION
            );
        }
    }

    #[test]
    fn function_call() {
        let raw = body(&[
            &[0, 0, 0x04, 0xd2], // oid 1234
            &[0, 1, 0, 1],       // one format: binary
            &[0, 2],             // two args
            &[0, 0, 0, 1, 9],
            &[0xff, 0xff, 0xff, 0xff],
            &[0, 0], // text result
        ]);
        let m = FrontendMessage::parse(b'F', raw).unwrap();
        assert_eq!(m.tag(), b'F');
        let FrontendMessage::FunctionCall {
            function,
            arg_formats,
            args,
            result_format,
        } = m
        else {
            panic!()
        };
        assert_eq!(function, 1234);
        assert_eq!(arg_formats.as_slice(), &[Format::Binary]);
        assert_eq!(args.as_slice(), &[Some(Bytes::from_static(&[9])), None]);
        assert_eq!(result_format, Format::Text);
        protocol_err(
            b'F',
            &[
                &[0, 0, 0, 1],
                &[0, 2, 0, 1, 0, 1],
                &[0, 1, 0, 0, 0, 0],
                &[0, 0],
            ],
            "function call message contains 2 argument formats but 1 arguments",
        );
        invalid_value(
            b'F',
            &[&[0, 0, 0, 1], &[0, 0], &[0, 0], &[0, 3]],
            "unsupported format code: 3",
        );
        protocol_err(
            b'F',
            &[&[0, 0, 0, 1], &[0, 0], &[0, 0]],
            "insufficient data left in message",
        );
    }

    #[test]
    fn unknown_tag() {
        protocol_err(b'z', &[], "invalid frontend message type 122");
        protocol_err(0, &[b"x"], "invalid frontend message type 0");
        for &tag in FRONTEND_TAGS {
            // Known tags never report "invalid frontend message type".
            if let Err(e) = FrontendMessage::parse(tag, Bytes::new()) {
                assert!(!e.message.starts_with("invalid frontend message type"));
            }
        }
    }

    fn startup(parts: &[&[u8]]) -> Result<StartupPacket, PgError> {
        StartupPacket::parse(body(parts))
    }

    #[test]
    fn startup_packets() {
        let p = startup(&[&[0, 3, 0, 0], b"user\0bob\0database\0db\0\0"]).unwrap();
        let StartupPacket::Startup(s) = p else {
            panic!()
        };
        assert_eq!((s.major, s.minor), (3, 0));
        assert_eq!(s.param("user"), Some("bob"));
        assert_eq!(s.param("database"), Some("db"));
        assert_eq!(s.param("options"), None);
        assert_eq!(s.params.len(), 2);

        let p = startup(&[&[0, 3, 0, 2], b"\0"]).unwrap();
        let StartupPacket::Startup(s) = p else {
            panic!()
        };
        assert_eq!((s.major, s.minor), (3, 2));
        assert!(s.params.is_empty());
        // Odd versions (here 1234.5681, next to the request codes) are not judged here.
        let p = startup(&[&[0x04, 0xd2, 0x16, 0x31], b"\0"]).unwrap();
        assert!(matches!(
            p,
            StartupPacket::Startup(Startup {
                major: 1234,
                minor: 5681,
                ..
            })
        ));

        for bad in [
            &[&[0, 3, 0, 0][..]][..],            // no terminator
            &[&[0, 3, 0, 0], b"user\0bob\0"],    // no terminator
            &[&[0, 3, 0, 0], b"user\0"],         // odd count
            &[&[0, 3, 0, 0], b"user\0bob"],      // unterminated value
            &[&[0, 3, 0, 0], b"user\0bob\0\0x"], // data after the terminator
            &[&[0, 3, 0, 0], b"user"],           // unterminated name
        ] {
            let e = startup(bad).unwrap_err();
            assert_eq!(e.code, SqlState::PROTOCOL_VIOLATION);
            assert!(
                e.message.starts_with("invalid startup packet layout"),
                "{e}"
            );
        }
        let e = startup(&[&[0, 3, 0, 0], b"user\0b\xffb\0\0"]).unwrap_err();
        assert_eq!(e.code, SqlState::CHARACTER_NOT_IN_REPERTOIRE);
        assert_eq!(e.severity, Severity::Fatal);
        assert!(startup(&[&[0, 3, 0]]).is_err());
        assert!(startup(&[]).is_err());
    }

    #[test]
    fn special_requests() {
        let code = |c: i32| c.to_be_bytes();
        assert_eq!(
            startup(&[&code(SSL_REQUEST_CODE)]).unwrap(),
            StartupPacket::SslRequest
        );
        assert_eq!(
            startup(&[&code(GSSENC_REQUEST_CODE)]).unwrap(),
            StartupPacket::GssEncRequest
        );
        assert!(startup(&[&code(SSL_REQUEST_CODE), b"x"]).is_err());
        assert!(startup(&[&code(GSSENC_REQUEST_CODE), b"x"]).is_err());

        let p = startup(&[&code(CANCEL_REQUEST_CODE), &[0, 0, 0, 42], &[1, 2, 3, 4]]).unwrap();
        assert_eq!(
            p,
            StartupPacket::Cancel {
                process_id: 42,
                secret_key: Bytes::from_static(&[1, 2, 3, 4])
            }
        );
        let long = [7u8; 256];
        let p = startup(&[&code(CANCEL_REQUEST_CODE), &[0, 0, 0, 1], &long]).unwrap();
        assert!(matches!(p, StartupPacket::Cancel { secret_key, .. } if secret_key.len() == 256));
        for key_len in [0usize, 3, 257] {
            let key = vec![0u8; key_len];
            let e = startup(&[&code(CANCEL_REQUEST_CODE), &[0, 0, 0, 1], &key]).unwrap_err();
            assert_eq!(e.code, SqlState::PROTOCOL_VIOLATION);
        }
        assert!(startup(&[&code(CANCEL_REQUEST_CODE), &[0, 0]]).is_err());
    }
}
