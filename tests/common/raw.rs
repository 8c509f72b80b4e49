//! A raw protocol client for tests that need exact control of the messages sent:
//! startup, then hand-built frontend messages, reading backend messages by tag.

use bytes::BytesMut;
use postgres_protocol::message::frontend;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A backend message: tag and body.
pub type Message = (u8, Vec<u8>);

/// Connects to `server` and completes startup (up to the first ReadyForQuery).
pub fn ready(server: &pgsqlite::ServerHandle) -> TcpStream {
    let mut stream = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = BytesMut::new();
    frontend::startup_message([("user", "test"), ("database", "test")], &mut buf).unwrap();
    stream.write_all(&buf).unwrap();
    let messages = read_until(&mut stream, b'Z');
    assert_eq!(messages.last().map(|m| m.0), Some(b'Z'));
    stream
}

/// Reads messages until one with tag `until` (inclusive) or until the server closes.
pub fn read_until(stream: &mut impl Read, until: u8) -> Vec<Message> {
    let mut messages = Vec::new();
    loop {
        let mut head = [0u8; 5];
        if stream.read_exact(&mut head).is_err() {
            return messages;
        }
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len - 4];
        stream.read_exact(&mut body).unwrap();
        let done = head[0] == until;
        messages.push((head[0], body));
        if done {
            return messages;
        }
    }
}

/// Field `code` (`b'C'`, `b'M'`, `b'W'`, ...) of an ErrorResponse or NoticeResponse.
pub fn error_field(message: &Message, code: u8) -> Option<String> {
    message
        .1
        .split(|b| *b == 0)
        .find(|f| f.first() == Some(&code))
        .map(|f| String::from_utf8_lossy(&f[1..]).into_owned())
}

/// The tags of `messages`, as characters.
pub fn tags(messages: &[Message]) -> String {
    messages.iter().map(|m| m.0 as char).collect()
}

/// Appends a Query message.
pub fn query(buf: &mut BytesMut, sql: &str) {
    frontend::query(sql, buf).unwrap();
}

/// Appends a CopyData message.
pub fn copy_data(buf: &mut BytesMut, data: &[u8]) {
    frontend::CopyData::new(data).unwrap().write(buf);
}
