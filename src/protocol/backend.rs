//! Backend (server to client) messages, encoded straight into the output buffer.
//!
//! Every message is written as its tag, a 4-byte length placeholder and the body; the length is
//! back-patched once the body is complete ([`begin`] / [`finish`]). Nothing here allocates
//! beyond growing the output buffer.

use bytes::{BufMut, BytesMut};

use crate::error::{PgError, SqlState};
use crate::protocol::types::{Format, Oid};

/// Backend message tags.
pub mod tag {
    /// Authentication request or result (`AuthenticationOk`, `...CleartextPassword`, SASL, ...).
    pub const AUTHENTICATION: u8 = b'R';
    /// BackendKeyData: process id and secret key for cancel requests.
    pub const BACKEND_KEY_DATA: u8 = b'K';
    /// BindComplete.
    pub const BIND_COMPLETE: u8 = b'2';
    /// CloseComplete.
    pub const CLOSE_COMPLETE: u8 = b'3';
    /// CommandComplete with the command tag.
    pub const COMMAND_COMPLETE: u8 = b'C';
    /// CopyData.
    pub const COPY_DATA: u8 = b'd';
    /// CopyDone.
    pub const COPY_DONE: u8 = b'c';
    /// CopyInResponse: the server is ready to receive COPY FROM STDIN data.
    pub const COPY_IN_RESPONSE: u8 = b'G';
    /// CopyOutResponse: COPY TO STDOUT data follows.
    pub const COPY_OUT_RESPONSE: u8 = b'H';
    /// DataRow.
    pub const DATA_ROW: u8 = b'D';
    /// EmptyQueryResponse: the query string was empty.
    pub const EMPTY_QUERY_RESPONSE: u8 = b'I';
    /// ErrorResponse.
    pub const ERROR_RESPONSE: u8 = b'E';
    /// FunctionCallResponse.
    pub const FUNCTION_CALL_RESPONSE: u8 = b'V';
    /// NegotiateProtocolVersion.
    pub const NEGOTIATE_PROTOCOL_VERSION: u8 = b'v';
    /// NoData: the statement or portal returns no rows.
    pub const NO_DATA: u8 = b'n';
    /// NoticeResponse.
    pub const NOTICE_RESPONSE: u8 = b'N';
    /// NotificationResponse (LISTEN/NOTIFY).
    pub const NOTIFICATION_RESPONSE: u8 = b'A';
    /// ParameterDescription.
    pub const PARAMETER_DESCRIPTION: u8 = b't';
    /// ParameterStatus: a run-time parameter's value.
    pub const PARAMETER_STATUS: u8 = b'S';
    /// ParseComplete.
    pub const PARSE_COMPLETE: u8 = b'1';
    /// PortalSuspended: Execute's row limit was reached.
    pub const PORTAL_SUSPENDED: u8 = b's';
    /// ReadyForQuery with the transaction status.
    pub const READY_FOR_QUERY: u8 = b'Z';
    /// RowDescription.
    pub const ROW_DESCRIPTION: u8 = b'T';
}

/// The single-byte answer to SSLRequest / GSSENCRequest: encryption is not available.
pub const SSL_NOT_SUPPORTED: u8 = b'N';

/// The single-byte answer to SSLRequest when TLS is configured: the TLS handshake follows.
pub const SSL_SUPPORTED: u8 = b'S';

/// Transaction status reported by ReadyForQuery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionStatus {
    /// Not in a transaction block (`I`).
    Idle,
    /// In a transaction block (`T`).
    InBlock,
    /// In a failed transaction block (`E`): commands are refused until it ends.
    Failed,
}

impl TransactionStatus {
    /// The wire byte.
    pub fn as_byte(self) -> u8 {
        match self {
            TransactionStatus::Idle => b'I',
            TransactionStatus::InBlock => b'T',
            TransactionStatus::Failed => b'E',
        }
    }
}

/// One column of a RowDescription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDescription<'a> {
    /// Column name.
    pub name: &'a str,
    /// OID of the source table, or 0.
    pub table_oid: u32,
    /// Attribute number in the source table, or 0.
    pub column_id: i16,
    /// Type OID.
    pub type_oid: Oid,
    /// `pg_type.typlen` (-1 for variable length).
    pub type_len: i16,
    /// Type modifier (`atttypmod`), -1 if none.
    pub type_modifier: i32,
    /// Format the values will be sent in.
    pub format: Format,
}

// ---------------------------------------------------------------------------------------------
// Framing helpers
// ---------------------------------------------------------------------------------------------

/// Starts a message: writes `tag` and a length placeholder, and returns the offset of the
/// length field, to be passed to [`finish`].
#[inline]
pub fn begin(buf: &mut BytesMut, tag: u8) -> usize {
    buf.put_u8(tag);
    let start = buf.len();
    buf.put_u32(0);
    start
}

/// Ends a message started with [`begin`]: back-patches its length (`buf.len() - start`).
#[inline]
pub fn finish(buf: &mut BytesMut, start: usize) {
    let len = buf.len().saturating_sub(start);
    patch_u32(buf, start, len);
}

/// Writes `value` as a big-endian Int32 at `at` (lengths never exceed `i32::MAX` in practice;
/// the value saturates rather than wrap).
#[inline]
fn patch_u32(buf: &mut BytesMut, at: usize, value: usize) {
    debug_assert!(value <= i32::MAX as usize, "message too long");
    let value = u32::try_from(value).unwrap_or(u32::MAX);
    if let Some(slot) = buf.get_mut(at..at.saturating_add(4)) {
        slot.copy_from_slice(&value.to_be_bytes());
    } else {
        debug_assert!(false, "length placeholder at {at} is outside the buffer");
    }
}

/// Writes `s` without its NUL bytes (a NUL would end a C string early and break framing).
#[inline]
fn put_str(buf: &mut BytesMut, s: &str) {
    for piece in s.split('\0') {
        buf.put_slice(piece.as_bytes());
    }
}

/// Writes `s` as a NUL-terminated string; interior NULs are dropped.
#[inline]
pub fn put_cstr(buf: &mut BytesMut, s: &str) {
    put_str(buf, s);
    buf.put_u8(0);
}

/// Writes a count as Int16 and returns how many items fit it (more than 65535 cannot be sent).
#[inline]
fn put_count(buf: &mut BytesMut, len: usize) -> usize {
    let n = u16::try_from(len).unwrap_or(u16::MAX);
    buf.put_u16(n);
    usize::from(n)
}

/// A message whose body is empty.
#[inline]
fn empty(buf: &mut BytesMut, tag: u8) {
    buf.put_u8(tag);
    buf.put_u32(4);
}

// ---------------------------------------------------------------------------------------------
// DataRow: the one place a DataRow is framed
// ---------------------------------------------------------------------------------------------

/// Bytes a DataRow's length word counts before its first field: the length word itself and
/// the column count.
pub const DATA_ROW_HEAD_LEN: usize = 4 + 2;

/// Bytes of a field's length word (DataRow fields, binary COPY fields, function results).
pub const FIELD_HEAD_LEN: usize = 4;

/// A DataRow being encoded: the one place pgsqlite frames a DataRow.
///
/// The session writes a row's fields through it: [`null`](DataRow::null),
/// [`field`](DataRow::field) for bytes at hand, [`field_with`](DataRow::field_with) for a
/// body a value handler encodes in place, and [`external_field`](DataRow::external_field)
/// for a field whose bytes reach the client by another path (a large or mapped value
/// written straight from where it lies). [`finish`](DataRow::finish) completes the
/// message; [`abort`](DataRow::abort) removes it.
///
/// A row started with [`begin`](DataRow::begin) has its length back-patched by `finish`,
/// so its bytes must stay in the buffer until then. A row with external fields leaves
/// the buffer in pieces, so its length is declared up front:
/// [`begin_sized`](DataRow::begin_sized).
#[derive(Debug)]
#[must_use = "a DataRow must be finished or aborted"]
pub struct DataRow {
    /// Where the message (its tag) starts in the buffer.
    mark: usize,
    /// The offset of the length word to back-patch, or `None` when declared up front.
    length_at: Option<usize>,
}

impl DataRow {
    /// Starts a DataRow with `columns` fields; its length is back-patched by
    /// [`finish`](DataRow::finish).
    #[inline]
    pub fn begin(buf: &mut BytesMut, columns: u16) -> DataRow {
        let mark = buf.len();
        let length_at = begin(buf, tag::DATA_ROW);
        buf.put_u16(columns);
        DataRow {
            mark,
            length_at: Some(length_at),
        }
    }

    /// Starts a DataRow with `columns` fields that take `fields_len` bytes on the wire,
    /// their length words included (see [`field_len`]). Used for rows with
    /// [external fields](DataRow::external_field), whose bytes leave the buffer before the
    /// row is complete. A row longer than an Int32 length can say cannot be sent:
    /// `program_limit_exceeded`.
    pub fn begin_sized(
        buf: &mut BytesMut,
        columns: u16,
        fields_len: usize,
    ) -> Result<DataRow, PgError> {
        let total = fields_len
            .checked_add(DATA_ROW_HEAD_LEN)
            .and_then(|total| i32::try_from(total).ok())
            .ok_or_else(|| {
                PgError::new(
                    SqlState::PROGRAM_LIMIT_EXCEEDED,
                    "row is too large to send (over 2 GB)",
                )
            })?;
        let mark = buf.len();
        buf.put_u8(tag::DATA_ROW);
        buf.put_i32(total);
        buf.put_u16(columns);
        Ok(DataRow {
            mark,
            length_at: None,
        })
    }

    /// A NULL field.
    #[inline]
    pub fn null(&self, buf: &mut BytesMut) {
        put_null_field(buf);
    }

    /// A field holding `value`.
    #[inline]
    pub fn field(&self, buf: &mut BytesMut, value: &[u8]) {
        put_field(buf, value);
    }

    /// A field whose body `encode` appends in place (a value handler's text or binary
    /// form). On error the field's bytes are removed and the error returned; the row can
    /// then only be [aborted](DataRow::abort).
    #[inline]
    pub fn field_with(
        &self,
        buf: &mut BytesMut,
        encode: impl FnOnce(&mut BytesMut) -> Result<(), PgError>,
    ) -> Result<(), PgError> {
        field_with(buf, encode)
    }

    /// The length word of a field whose `len` body bytes follow separately, straight
    /// from where they lie, not through this buffer (only in a row started with
    /// [`begin_sized`](DataRow::begin_sized)).
    #[inline]
    pub fn external_field(&self, buf: &mut BytesMut, len: usize) {
        debug_assert!(
            self.length_at.is_none(),
            "external field in a back-patched row"
        );
        debug_assert!(len <= i32::MAX as usize);
        buf.put_u32(u32::try_from(len).unwrap_or(u32::MAX));
    }

    /// Completes the row: back-patches its length unless it was declared up front.
    #[inline]
    pub fn finish(self, buf: &mut BytesMut) {
        if let Some(at) = self.length_at {
            finish(buf, at);
        }
    }

    /// Removes the row from the buffer (a value failed to encode). Only for rows whose
    /// bytes are all still in the buffer.
    #[inline]
    pub fn abort(self, buf: &mut BytesMut) {
        buf.truncate(self.mark);
    }
}

/// Bytes a field with a body of `body_len` bytes takes in a DataRow (its length word
/// included); what [`DataRow::begin_sized`] adds up.
#[inline]
pub const fn field_len(body_len: usize) -> usize {
    FIELD_HEAD_LEN + body_len
}

/// One length-prefixed field whose body `encode` appends in place: the framing DataRow
/// fields, binary COPY fields and function results share. On error nothing is appended.
/// A body over `i32::MAX` bytes cannot be framed: `program_limit_exceeded`.
#[inline]
pub fn field_with(
    buf: &mut BytesMut,
    encode: impl FnOnce(&mut BytesMut) -> Result<(), PgError>,
) -> Result<(), PgError> {
    let start = begin_field(buf);
    if let Err(e) = encode(buf) {
        buf.truncate(start);
        return Err(e);
    }
    if buf.len() - start - FIELD_HEAD_LEN > i32::MAX as usize {
        buf.truncate(start);
        return Err(PgError::new(
            SqlState::PROGRAM_LIMIT_EXCEEDED,
            "field value too large to send",
        ));
    }
    finish_field(buf, start);
    Ok(())
}

/// Starts a DataRow with `columns` fields; end it with [`finish`]. The
/// [`DataRow`] encoder does the same with its state kept for you.
#[inline]
pub fn begin_data_row(buf: &mut BytesMut, columns: u16) -> usize {
    let start = begin(buf, tag::DATA_ROW);
    buf.put_u16(columns);
    start
}

/// A NULL field (length -1).
#[inline]
pub fn put_null_field(buf: &mut BytesMut) {
    buf.put_i32(-1);
}

/// A field holding `value`.
#[inline]
pub fn put_field(buf: &mut BytesMut, value: &[u8]) {
    debug_assert!(value.len() <= i32::MAX as usize);
    buf.put_u32(u32::try_from(value.len()).unwrap_or(u32::MAX));
    buf.put_slice(value);
}

/// Starts a field whose value is then encoded in place; returns the offset for
/// [`finish_field`].
#[inline]
pub fn begin_field(buf: &mut BytesMut) -> usize {
    let start = buf.len();
    buf.put_u32(0);
    start
}

/// Ends a field started with [`begin_field`]: back-patches its length.
#[inline]
pub fn finish_field(buf: &mut BytesMut, start: usize) {
    let len = buf
        .len()
        .saturating_sub(start.saturating_add(FIELD_HEAD_LEN));
    patch_u32(buf, start, len);
}

// ---------------------------------------------------------------------------------------------
// Whole messages
// ---------------------------------------------------------------------------------------------

fn authentication(buf: &mut BytesMut, code: i32, data: &[u8]) {
    let start = begin(buf, tag::AUTHENTICATION);
    buf.put_i32(code);
    buf.put_slice(data);
    finish(buf, start);
}

/// AuthenticationOk.
pub fn authentication_ok(buf: &mut BytesMut) {
    authentication(buf, 0, &[]);
}

/// AuthenticationCleartextPassword.
pub fn authentication_cleartext_password(buf: &mut BytesMut) {
    authentication(buf, 3, &[]);
}

/// AuthenticationMD5Password with its salt.
pub fn authentication_md5_password(buf: &mut BytesMut, salt: [u8; 4]) {
    authentication(buf, 5, &salt);
}

/// AuthenticationSASL listing the offered mechanisms.
pub fn authentication_sasl(buf: &mut BytesMut, mechanisms: &[&str]) {
    let start = begin(buf, tag::AUTHENTICATION);
    buf.put_i32(10);
    for mechanism in mechanisms {
        put_cstr(buf, mechanism);
    }
    buf.put_u8(0);
    finish(buf, start);
}

/// AuthenticationSASLContinue with the server's challenge.
pub fn authentication_sasl_continue(buf: &mut BytesMut, data: &[u8]) {
    authentication(buf, 11, data);
}

/// AuthenticationSASLFinal with the server's final message.
pub fn authentication_sasl_final(buf: &mut BytesMut, data: &[u8]) {
    authentication(buf, 12, data);
}

/// ParameterStatus.
pub fn parameter_status(buf: &mut BytesMut, name: &str, value: &str) {
    let start = begin(buf, tag::PARAMETER_STATUS);
    put_cstr(buf, name);
    put_cstr(buf, value);
    finish(buf, start);
}

/// BackendKeyData.
pub fn backend_key_data(buf: &mut BytesMut, process_id: i32, secret_key: i32) {
    let start = begin(buf, tag::BACKEND_KEY_DATA);
    buf.put_i32(process_id);
    buf.put_i32(secret_key);
    finish(buf, start);
}

/// ReadyForQuery.
pub fn ready_for_query(buf: &mut BytesMut, status: TransactionStatus) {
    let start = begin(buf, tag::READY_FOR_QUERY);
    buf.put_u8(status.as_byte());
    finish(buf, start);
}

/// RowDescription.
pub fn row_description(buf: &mut BytesMut, fields: &[FieldDescription<'_>]) {
    let start = begin(buf, tag::ROW_DESCRIPTION);
    let n = put_count(buf, fields.len());
    for field in fields.iter().take(n) {
        put_cstr(buf, field.name);
        buf.put_u32(field.table_oid);
        buf.put_i16(field.column_id);
        buf.put_u32(field.type_oid);
        buf.put_i16(field.type_len);
        buf.put_i32(field.type_modifier);
        buf.put_i16(field.format.code());
    }
    finish(buf, start);
}

/// CommandComplete with a ready-made tag (`"BEGIN"`, `"CREATE TABLE"`).
pub fn command_complete(buf: &mut BytesMut, tag: &str) {
    let start = begin(buf, tag::COMMAND_COMPLETE);
    put_cstr(buf, tag);
    finish(buf, start);
}

/// CommandComplete whose tag is `verb` followed by a row count: `("SELECT", 3)` gives
/// `"SELECT 3"`, `("INSERT 0", 5)` gives `"INSERT 0 5"`.
pub fn command_complete_count(buf: &mut BytesMut, verb: &str, count: u64) {
    let start = begin(buf, tag::COMMAND_COMPLETE);
    put_str(buf, verb);
    buf.put_u8(b' ');
    buf.put_slice(itoa::Buffer::new().format(count).as_bytes());
    buf.put_u8(0);
    finish(buf, start);
}

/// EmptyQueryResponse.
pub fn empty_query_response(buf: &mut BytesMut) {
    empty(buf, tag::EMPTY_QUERY_RESPONSE);
}

/// ParseComplete.
pub fn parse_complete(buf: &mut BytesMut) {
    empty(buf, tag::PARSE_COMPLETE);
}

/// BindComplete.
pub fn bind_complete(buf: &mut BytesMut) {
    empty(buf, tag::BIND_COMPLETE);
}

/// CloseComplete.
pub fn close_complete(buf: &mut BytesMut) {
    empty(buf, tag::CLOSE_COMPLETE);
}

/// NoData.
pub fn no_data(buf: &mut BytesMut) {
    empty(buf, tag::NO_DATA);
}

/// PortalSuspended.
pub fn portal_suspended(buf: &mut BytesMut) {
    empty(buf, tag::PORTAL_SUSPENDED);
}

/// ParameterDescription.
pub fn parameter_description(buf: &mut BytesMut, types: &[Oid]) {
    let start = begin(buf, tag::PARAMETER_DESCRIPTION);
    let n = put_count(buf, types.len());
    for &ty in types.iter().take(n) {
        buf.put_u32(ty);
    }
    finish(buf, start);
}

fn error_fields(buf: &mut BytesMut, message_tag: u8, err: &PgError) {
    let start = begin(buf, message_tag);
    let severity = err.severity.as_str();
    buf.put_u8(b'S');
    put_cstr(buf, severity);
    buf.put_u8(b'V');
    put_cstr(buf, severity);
    buf.put_u8(b'C');
    put_cstr(buf, err.code.code());
    buf.put_u8(b'M');
    put_cstr(buf, &err.message);
    if let Some(detail) = &err.detail {
        buf.put_u8(b'D');
        put_cstr(buf, detail);
    }
    if let Some(hint) = &err.hint {
        buf.put_u8(b'H');
        put_cstr(buf, hint);
    }
    if let Some(position) = err.position {
        buf.put_u8(b'P');
        put_cstr(buf, itoa::Buffer::new().format(position));
    }
    if let Some(context) = &err.context {
        buf.put_u8(b'W');
        put_cstr(buf, context);
    }
    buf.put_u8(0);
    finish(buf, start);
}

/// ErrorResponse carrying `err`'s fields (S, V, C, M, then D, H, P, W when present).
pub fn error_response(buf: &mut BytesMut, err: &PgError) {
    error_fields(buf, tag::ERROR_RESPONSE, err);
}

/// NoticeResponse carrying `err`'s fields (for warnings and notices).
pub fn notice_response(buf: &mut BytesMut, err: &PgError) {
    error_fields(buf, tag::NOTICE_RESPONSE, err);
}

/// NegotiateProtocolVersion: the newest minor version supported for the requested major
/// version, and the protocol options (`_pq_.*`) that were not recognized.
pub fn negotiate_protocol_version(
    buf: &mut BytesMut,
    newest_minor: i32,
    unrecognized_options: &[&str],
) {
    let start = begin(buf, tag::NEGOTIATE_PROTOCOL_VERSION);
    buf.put_i32(newest_minor);
    let n = i32::try_from(unrecognized_options.len()).unwrap_or(i32::MAX);
    buf.put_i32(n);
    for option in unrecognized_options {
        put_cstr(buf, option);
    }
    finish(buf, start);
}

fn copy_response(buf: &mut BytesMut, message_tag: u8, format: Format, columns: &[Format]) {
    let start = begin(buf, message_tag);
    // Overall format: Int8 0 (text) or 1 (binary).
    buf.put_u8(u8::from(format == Format::Binary));
    let n = put_count(buf, columns.len());
    for column in columns.iter().take(n) {
        buf.put_i16(column.code());
    }
    finish(buf, start);
}

/// CopyInResponse: overall format and per-column formats.
pub fn copy_in_response(buf: &mut BytesMut, format: Format, columns: &[Format]) {
    copy_response(buf, tag::COPY_IN_RESPONSE, format, columns);
}

/// CopyOutResponse: overall format and per-column formats.
pub fn copy_out_response(buf: &mut BytesMut, format: Format, columns: &[Format]) {
    copy_response(buf, tag::COPY_OUT_RESPONSE, format, columns);
}

/// CopyData.
pub fn copy_data(buf: &mut BytesMut, data: &[u8]) {
    let start = begin(buf, tag::COPY_DATA);
    buf.put_slice(data);
    finish(buf, start);
}

/// CopyDone.
pub fn copy_done(buf: &mut BytesMut) {
    empty(buf, tag::COPY_DONE);
}

/// FunctionCallResponse; `None` is a NULL result.
pub fn function_call_response(buf: &mut BytesMut, value: Option<&[u8]>) {
    let start = begin(buf, tag::FUNCTION_CALL_RESPONSE);
    match value {
        Some(value) => put_field(buf, value),
        None => put_null_field(buf),
    }
    finish(buf, start);
}

/// NotificationResponse.
pub fn notification_response(buf: &mut BytesMut, process_id: i32, channel: &str, payload: &str) {
    let start = begin(buf, tag::NOTIFICATION_RESPONSE);
    buf.put_i32(process_id);
    put_cstr(buf, channel);
    put_cstr(buf, payload);
    finish(buf, start);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SqlState;

    fn encode(f: impl FnOnce(&mut BytesMut)) -> Vec<u8> {
        let mut buf = BytesMut::new();
        f(&mut buf);
        buf.to_vec()
    }

    /// Tag, then the length must equal the rest.
    fn check_frame(bytes: &[u8], tag: u8) -> &[u8] {
        assert_eq!(bytes[0], tag);
        let len = u32::from_be_bytes(bytes[1..5].try_into().unwrap()) as usize;
        assert_eq!(len, bytes.len() - 1, "length field");
        &bytes[5..]
    }

    #[test]
    fn empty_messages() {
        assert_eq!(encode(parse_complete), b"1\0\0\0\x04");
        assert_eq!(encode(bind_complete), b"2\0\0\0\x04");
        assert_eq!(encode(close_complete), b"3\0\0\0\x04");
        assert_eq!(encode(no_data), b"n\0\0\0\x04");
        assert_eq!(encode(portal_suspended), b"s\0\0\0\x04");
        assert_eq!(encode(empty_query_response), b"I\0\0\0\x04");
        assert_eq!(encode(copy_done), b"c\0\0\0\x04");
    }

    #[test]
    fn authentication_messages() {
        assert_eq!(encode(authentication_ok), b"R\0\0\0\x08\0\0\0\0");
        assert_eq!(
            encode(authentication_cleartext_password),
            b"R\0\0\0\x08\0\0\0\x03"
        );
        assert_eq!(
            encode(|b| authentication_md5_password(b, [1, 2, 3, 4])),
            b"R\0\0\0\x0c\0\0\0\x05\x01\x02\x03\x04"
        );
        let m = encode(|b| authentication_sasl(b, &["SCRAM-SHA-256"]));
        assert_eq!(check_frame(&m, b'R'), b"\0\0\0\x0aSCRAM-SHA-256\0\0");
        let m = encode(|b| authentication_sasl_continue(b, b"r=abc"));
        assert_eq!(check_frame(&m, b'R'), b"\0\0\0\x0br=abc");
        let m = encode(|b| authentication_sasl_final(b, b"v=x"));
        assert_eq!(check_frame(&m, b'R'), b"\0\0\0\x0cv=x");
    }

    #[test]
    fn cstr_drops_interior_nul() {
        let m = encode(|b| parameter_status(b, "a\0b", "\0"));
        assert_eq!(check_frame(&m, b'S'), b"ab\0\0");
        let m = encode(|b| command_complete_count(b, "INS\0ERT 0", 5));
        assert_eq!(check_frame(&m, b'C'), b"INSERT 0 5\0");
    }

    #[test]
    fn command_complete_tags() {
        let m = encode(|b| command_complete(b, "BEGIN"));
        assert_eq!(check_frame(&m, b'C'), b"BEGIN\0");
        let m = encode(|b| command_complete_count(b, "SELECT", u64::MAX));
        assert_eq!(check_frame(&m, b'C'), b"SELECT 18446744073709551615\0");
        let m = encode(|b| command_complete_count(b, "UPDATE", 0));
        assert_eq!(check_frame(&m, b'C'), b"UPDATE 0\0");
    }

    #[test]
    fn data_row_in_place() {
        let m = encode(|b| {
            let row = begin_data_row(b, 3);
            put_null_field(b);
            put_field(b, b"ab");
            let field = begin_field(b);
            b.put_slice(b"xyz");
            finish_field(b, field);
            finish(b, row);
        });
        assert_eq!(
            check_frame(&m, b'D'),
            b"\0\x03\xff\xff\xff\xff\0\0\0\x02ab\0\0\0\x03xyz"
        );
        // Empty in-place field.
        let m = encode(|b| {
            let row = begin_data_row(b, 1);
            let field = begin_field(b);
            finish_field(b, field);
            finish(b, row);
        });
        assert_eq!(check_frame(&m, b'D'), b"\0\x01\0\0\0\0");
    }

    #[test]
    fn data_row_encoder_matches_the_free_functions() {
        let by_parts = encode(|b| {
            let row = begin_data_row(b, 3);
            put_null_field(b);
            put_field(b, b"ab");
            put_field(b, b"xyz");
            finish(b, row);
        });
        let by_encoder = encode(|b| {
            let row = DataRow::begin(b, 3);
            row.null(b);
            row.field(b, b"ab");
            row.field_with(b, |b| {
                b.put_slice(b"xyz");
                Ok(())
            })
            .unwrap();
            row.finish(b);
        });
        assert_eq!(by_parts, by_encoder);
    }

    #[test]
    fn data_row_encoder_failed_field_and_abort() {
        let mut buf = BytesMut::from(&b"keep"[..]);
        let row = DataRow::begin(&mut buf, 2);
        row.field(&mut buf, b"a");
        let err = row
            .field_with(&mut buf, |b| {
                b.put_slice(b"half");
                Err(PgError::new(SqlState::INVALID_TEXT_REPRESENTATION, "bad"))
            })
            .unwrap_err();
        assert_eq!(err.message, "bad");
        assert_eq!(
            &buf[4..],
            b"D\0\0\0\0\0\x02\0\0\0\x01a",
            "the failed field is gone"
        );
        row.abort(&mut buf);
        assert_eq!(&buf[..], b"keep");
    }

    #[test]
    fn data_row_sized_with_external_field() {
        // A row whose second field's bytes leave separately: header and length words in
        // the buffer, the body elsewhere; together they equal the back-patched row.
        let whole = encode(|b| {
            let row = DataRow::begin(b, 2);
            row.field(b, b"id");
            row.field(b, b"large value");
            row.finish(b);
        });
        let mut buf = BytesMut::new();
        let row = DataRow::begin_sized(&mut buf, 2, field_len(2) + field_len(b"large value".len()))
            .unwrap();
        row.field(&mut buf, b"id");
        row.external_field(&mut buf, b"large value".len());
        let mut wire = buf.to_vec();
        wire.extend_from_slice(b"large value");
        row.finish(&mut buf);
        assert_eq!(wire, whole);
        let err = DataRow::begin_sized(&mut buf, 1, i32::MAX as usize).unwrap_err();
        assert_eq!(err.code, SqlState::PROGRAM_LIMIT_EXCEEDED);
    }

    #[test]
    fn error_fields_order() {
        let err = PgError::new(SqlState::SYNTAX_ERROR, "bad")
            .with_detail("d")
            .with_hint("h")
            .with_position(12);
        let m = encode(|b| error_response(b, &err));
        assert_eq!(
            check_frame(&m, b'E'),
            b"SERROR\0VERROR\0C42601\0Mbad\0Dd\0Hh\0P12\0\0"
        );
        let warn = PgError::warning(SqlState::WARNING, "careful");
        let m = encode(|b| notice_response(b, &warn));
        assert_eq!(
            check_frame(&m, b'N'),
            b"SWARNING\0VWARNING\0C01000\0Mcareful\0\0"
        );
    }

    #[test]
    fn misc_messages() {
        let m = encode(|b| ready_for_query(b, TransactionStatus::Failed));
        assert_eq!(m, b"Z\0\0\0\x05E");
        assert_eq!(TransactionStatus::Idle.as_byte(), b'I');
        assert_eq!(TransactionStatus::InBlock.as_byte(), b'T');
        let m = encode(|b| backend_key_data(b, 7, -1));
        assert_eq!(check_frame(&m, b'K'), b"\0\0\0\x07\xff\xff\xff\xff");
        let m = encode(|b| parameter_description(b, &[23, 25]));
        assert_eq!(check_frame(&m, b't'), b"\0\x02\0\0\0\x17\0\0\0\x19");
        let m = encode(|b| negotiate_protocol_version(b, 0, &["_pq_.x"]));
        assert_eq!(check_frame(&m, b'v'), b"\0\0\0\0\0\0\0\x01_pq_.x\0");
        let m = encode(|b| copy_in_response(b, Format::Text, &[Format::Text, Format::Text]));
        assert_eq!(check_frame(&m, b'G'), b"\0\0\x02\0\0\0\0");
        let m = encode(|b| copy_out_response(b, Format::Binary, &[Format::Binary]));
        assert_eq!(check_frame(&m, b'H'), b"\x01\0\x01\0\x01");
        let m = encode(|b| copy_data(b, b"1\n"));
        assert_eq!(check_frame(&m, b'd'), b"1\n");
        let m = encode(|b| function_call_response(b, Some(b"\x01")));
        assert_eq!(check_frame(&m, b'V'), b"\0\0\0\x01\x01");
        let m = encode(|b| function_call_response(b, None));
        assert_eq!(check_frame(&m, b'V'), b"\xff\xff\xff\xff");
        let m = encode(|b| notification_response(b, 9, "ch", "hi"));
        assert_eq!(check_frame(&m, b'A'), b"\0\0\0\x09ch\0hi\0");
    }

    #[test]
    fn row_description_layout() {
        let fields = [FieldDescription {
            name: "id",
            table_oid: 0x01020304,
            column_id: 2,
            type_oid: 23,
            type_len: 4,
            type_modifier: -1,
            format: Format::Binary,
        }];
        let m = encode(|b| row_description(b, &fields));
        assert_eq!(
            check_frame(&m, b'T'),
            b"\0\x01id\0\x01\x02\x03\x04\0\x02\0\0\0\x17\0\x04\xff\xff\xff\xff\0\x01"
        );
    }

    #[test]
    fn messages_append() {
        let mut buf = BytesMut::from(&b"xx"[..]);
        parse_complete(&mut buf);
        command_complete(&mut buf, "OK");
        assert_eq!(&buf[..], b"xx1\0\0\0\x04C\0\0\0\x07OK\0");
    }
}
