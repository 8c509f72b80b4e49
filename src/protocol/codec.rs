//! Message framing: splits complete frontend messages off the front of the read buffer.

use bytes::{Buf, BytesMut};

use crate::error::PgError;
use crate::protocol::frontend::{
    FRONTEND_TAGS, FrontendMessage, StartupPacket, invalid_message_type,
};

/// Largest regular message body accepted by default (PostgreSQL's own limit, `0x3fffffff`).
pub const DEFAULT_MAX_MESSAGE_LEN: usize = 0x3fff_ffff;
/// Largest startup-phase packet body accepted (PostgreSQL's limit for the startup packet).
pub const MAX_STARTUP_PACKET_LEN: usize = 10_000;
/// Largest body of a message that never carries data (Sync, Execute, Describe, ...), as in
/// PostgreSQL; anything longer is a broken or hostile client.
pub const SMALL_MESSAGE_LEN: usize = 10_000;
/// Largest body of a password / SASL / GSS response (PostgreSQL's `PG_MAX_AUTH_TOKEN_LENGTH`).
pub const MAX_AUTH_MESSAGE_LEN: usize = 65_535;
/// Request code of an SSLRequest packet (1234 in the high 16 bits, 5679 in the low).
pub const SSL_REQUEST_CODE: i32 = 80877103;
/// Request code of a GSSENCRequest packet (1234, 5680).
pub const GSSENC_REQUEST_CODE: i32 = 80877104;
/// Request code of a CancelRequest packet (1234, 5678).
pub const CANCEL_REQUEST_CODE: i32 = 80877102;

/// At most this much is reserved ahead for an incomplete message, so that a large declared
/// length is buffered in steps rather than allocated up front.
const MAX_RESERVE: usize = 1 << 20;

/// Splits frontend messages off a read buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoder {
    max_message_len: usize,
}

impl Default for Decoder {
    fn default() -> Decoder {
        Decoder::new(DEFAULT_MAX_MESSAGE_LEN)
    }
}

impl Decoder {
    /// A decoder that refuses message bodies longer than `max_message_len` bytes.
    pub fn new(max_message_len: usize) -> Decoder {
        Decoder { max_message_len }
    }

    /// The largest accepted message body, in bytes.
    pub fn max_message_len(&self) -> usize {
        self.max_message_len
    }

    /// Decodes an untagged startup-phase packet (Int32 length including itself, Int32 request
    /// code or protocol version, body). `Ok(None)` means more bytes are needed.
    pub fn decode_startup(&self, buf: &mut BytesMut) -> Result<Option<StartupPacket>, PgError> {
        let Some(len) = read_len(buf, 0) else {
            return Ok(None);
        };
        if len < 8 {
            return Err(PgError::protocol("invalid message length"));
        }
        check_body_len(len - 4, MAX_STARTUP_PACKET_LEN)?;
        if !ensure_complete(buf, len) {
            return Ok(None);
        }
        let mut packet = buf.split_to(len).freeze();
        packet.advance(4);
        StartupPacket::parse(packet).map(Some)
    }

    /// Decodes a regular message (Byte1 tag, Int32 length including itself, body).
    /// `Ok(None)` means more bytes are needed.
    ///
    /// An unknown tag or a bad length is refused as soon as the header shows it. Once a message
    /// is complete it is consumed even if its body turns out to be malformed, so after an error
    /// that is not FATAL (invalid UTF-8 in a string, 22021) the stream is still in sync; the
    /// failed message's tag is `buf[0]` as seen before the call.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<FrontendMessage>, PgError> {
        let Some(&tag) = buf.first() else {
            return Ok(None);
        };
        if !FRONTEND_TAGS.contains(&tag) {
            return Err(invalid_message_type(tag));
        }
        let Some(len) = read_len(buf, 1) else {
            return Ok(None);
        };
        if len < 4 {
            return Err(PgError::protocol("invalid message length"));
        }
        check_body_len(len - 4, self.max_message_len.min(tag_limit(tag)))?;
        let total = len.saturating_add(1);
        if !ensure_complete(buf, total) {
            return Ok(None);
        }
        let mut message = buf.split_to(total).freeze();
        message.advance(5);
        // The message was framed correctly and is consumed: a malformed body is an ERROR
        // for the command, as in PostgreSQL, and the session goes on (in sync).
        FrontendMessage::parse(tag, message)
            .map(Some)
            .map_err(|err| PgError {
                severity: crate::error::Severity::Error,
                ..err
            })
    }

    /// True if `buf` starts with a complete regular message, i.e. [`Decoder::decode`] can
    /// answer without reading more (an unknown tag or an impossible length also counts, since
    /// decoding fails at once).
    pub fn has_complete_message(buf: &[u8]) -> bool {
        match buf.first() {
            None => return false,
            Some(tag) if !FRONTEND_TAGS.contains(tag) => return true,
            Some(_) => {}
        }
        match read_len(buf, 1) {
            None => false,
            Some(len) if len < 4 => true,
            Some(len) => buf.len() >= len.saturating_add(1),
        }
    }
}

/// The per-type body limit: small for messages that carry no data.
fn tag_limit(tag: u8) -> usize {
    match tag {
        b'S' | b'H' | b'X' | b'c' | b'f' | b'D' | b'C' | b'E' => SMALL_MESSAGE_LEN,
        b'p' => MAX_AUTH_MESSAGE_LEN,
        _ => usize::MAX,
    }
}

/// The big-endian Int32 at `at`, if buffered (read as unsigned: PostgreSQL's lengths are).
fn read_len(buf: &[u8], at: usize) -> Option<usize> {
    let bytes: [u8; 4] = buf.get(at..at.checked_add(4)?)?.try_into().ok()?;
    usize::try_from(u32::from_be_bytes(bytes)).ok()
}

fn check_body_len(body: usize, max: usize) -> Result<(), PgError> {
    if body > max {
        return Err(PgError::protocol(format!(
            "message of {body} bytes exceeds the maximum of {max}"
        )));
    }
    Ok(())
}

/// True if `total` bytes are buffered; otherwise reserves room (capped) for the rest.
fn ensure_complete(buf: &mut BytesMut, total: usize) -> bool {
    let missing = total.saturating_sub(buf.len());
    if missing == 0 {
        return true;
    }
    buf.reserve(missing.min(MAX_RESERVE));
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SqlState;
    use crate::protocol::frontend::Target;

    fn frame(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        v.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    fn startup_frame(body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32 + 4).to_be_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn decodes_back_to_back_messages() {
        let mut raw = frame(b'Q', b"SELECT 1\0");
        raw.extend(frame(b'S', b""));
        raw.extend(frame(b'D', b"Pp\0"));
        let mut buf = BytesMut::from(&raw[..]);
        let d = Decoder::default();
        assert!(Decoder::has_complete_message(&buf));
        assert_eq!(
            d.decode(&mut buf).unwrap(),
            Some(FrontendMessage::Query {
                sql: "SELECT 1".into()
            })
        );
        assert_eq!(d.decode(&mut buf).unwrap(), Some(FrontendMessage::Sync));
        assert_eq!(
            d.decode(&mut buf).unwrap(),
            Some(FrontendMessage::Describe {
                target: Target::Portal,
                name: "p".into()
            })
        );
        assert!(buf.is_empty());
        assert!(!Decoder::has_complete_message(&buf));
        assert_eq!(d.decode(&mut buf).unwrap(), None);
    }

    #[test]
    fn partial_input_waits() {
        let raw = frame(b'Q', b"SELECT 42\0");
        let d = Decoder::default();
        let mut buf = BytesMut::new();
        for (i, &b) in raw.iter().enumerate() {
            assert!(!Decoder::has_complete_message(&buf));
            assert_eq!(d.decode(&mut buf).unwrap(), None, "after {i} bytes");
            buf.extend_from_slice(&[b]);
        }
        assert!(Decoder::has_complete_message(&buf));
        assert!(d.decode(&mut buf).unwrap().is_some());
    }

    #[test]
    fn bad_headers() {
        let d = Decoder::default();
        let mut buf = BytesMut::from(&b"z"[..]);
        assert!(Decoder::has_complete_message(&buf));
        let e = d.decode(&mut buf).unwrap_err();
        assert_eq!(e.message, "invalid frontend message type 122");
        assert_eq!(e.code, SqlState::PROTOCOL_VIOLATION);

        let mut buf = BytesMut::from(&[b'Q', 0, 0, 0, 3][..]);
        assert!(Decoder::has_complete_message(&buf));
        assert_eq!(
            d.decode(&mut buf).unwrap_err().message,
            "invalid message length"
        );

        let d = Decoder::new(100);
        assert_eq!(d.max_message_len(), 100);
        let mut buf = BytesMut::from(&[b'Q', 0, 0, 0, 105][..]);
        assert_eq!(
            d.decode(&mut buf).unwrap_err().message,
            "message of 101 bytes exceeds the maximum of 100"
        );
        let mut buf = BytesMut::from(&[b'Q', 0, 0, 0, 104][..]);
        assert_eq!(d.decode(&mut buf).unwrap(), None);
        // Sync is small whatever the configured maximum.
        let mut buf = BytesMut::from(&[b'S', 0, 1, 0, 0][..]);
        let e = Decoder::default().decode(&mut buf).unwrap_err();
        assert!(
            e.message.starts_with("message of 65532 bytes exceeds"),
            "{e}"
        );
        let mut buf = BytesMut::from(&[b'Q', 0xff, 0xff, 0xff, 0xff][..]);
        assert!(Decoder::default().decode(&mut buf).is_err());
    }

    #[test]
    fn reserve_is_capped() {
        let d = Decoder::default();
        // Declares about 1 GiB: valid, but only 1 MiB may be reserved.
        let mut buf = BytesMut::from(&[b'd', 0x3f, 0xff, 0xff, 0xff][..]);
        assert_eq!(d.decode(&mut buf).unwrap(), None);
        assert!(buf.capacity() <= 2 * MAX_RESERVE, "{}", buf.capacity());
        assert!(buf.capacity() >= MAX_RESERVE);
        // A small message reserves just what is missing.
        let mut buf = BytesMut::with_capacity(5);
        buf.extend_from_slice(&[b'd', 0, 0, 0, 104]);
        assert_eq!(d.decode(&mut buf).unwrap(), None);
        assert!(buf.capacity() >= 105);
        assert!(buf.capacity() < 4096);
    }

    #[test]
    fn malformed_body_is_consumed() {
        let mut raw = frame(b'Q', b"\xff\0");
        raw.extend(frame(b'S', b""));
        let mut buf = BytesMut::from(&raw[..]);
        let d = Decoder::default();
        let e = d.decode(&mut buf).unwrap_err();
        assert_eq!(e.code, SqlState::CHARACTER_NOT_IN_REPERTOIRE);
        assert!(!e.is_fatal());
        assert_eq!(d.decode(&mut buf).unwrap(), Some(FrontendMessage::Sync));
        // A body that breaks the message's own layout is an ERROR too (PostgreSQL's
        // "invalid string in message" etc.): the frame was whole, the stream is in sync.
        let mut raw = frame(b'Q', b"SELECT 1");
        raw.extend(frame(b'D', b"X\0"));
        raw.extend(frame(b'S', b""));
        let mut buf = BytesMut::from(&raw[..]);
        for message in [
            "invalid string in message",
            "invalid DESCRIBE message subtype 88",
        ] {
            let e = d.decode(&mut buf).unwrap_err();
            assert_eq!(
                (e.code, e.is_fatal()),
                (SqlState::PROTOCOL_VIOLATION, false)
            );
            assert_eq!(e.message, message);
        }
        assert_eq!(d.decode(&mut buf).unwrap(), Some(FrontendMessage::Sync));
    }

    #[test]
    fn startup() {
        let d = Decoder::default();
        let mut body = 0x0003_0000i32.to_be_bytes().to_vec();
        body.extend_from_slice(b"user\0u\0\0");
        let mut raw = startup_frame(&body);
        raw.extend(startup_frame(&SSL_REQUEST_CODE.to_be_bytes()));
        let mut buf = BytesMut::new();
        for &b in &raw[..body.len() + 3] {
            assert_eq!(d.decode_startup(&mut buf).unwrap(), None);
            buf.extend_from_slice(&[b]);
        }
        assert_eq!(d.decode_startup(&mut buf).unwrap(), None);
        buf.extend_from_slice(&raw[body.len() + 3..]);
        let Some(StartupPacket::Startup(s)) = d.decode_startup(&mut buf).unwrap() else {
            panic!()
        };
        assert_eq!(s.param("user"), Some("u"));
        assert_eq!(
            d.decode_startup(&mut buf).unwrap(),
            Some(StartupPacket::SslRequest)
        );
        assert!(buf.is_empty());

        let mut buf = BytesMut::from(&[0, 0, 0, 7, 0, 0, 0][..]);
        assert_eq!(
            d.decode_startup(&mut buf).unwrap_err().message,
            "invalid message length"
        );
        let mut buf = BytesMut::from(&(10_005u32).to_be_bytes()[..]);
        assert_eq!(
            d.decode_startup(&mut buf).unwrap_err().message,
            "message of 10001 bytes exceeds the maximum of 10000"
        );
        let mut buf = BytesMut::from(&(10_004u32).to_be_bytes()[..]);
        assert_eq!(d.decode_startup(&mut buf).unwrap(), None);
        let mut buf = BytesMut::from(&[0, 0, 0, 8, 0, 3, 0, 0][..]);
        let e = d.decode_startup(&mut buf).unwrap_err();
        assert!(e.message.starts_with("invalid startup packet layout"));
    }
}
