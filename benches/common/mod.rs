//! What the benches share: the writer configurations under test and a raw protocol
//! client that reads responses into a reused buffer (no allocation per row).

#![allow(dead_code)]

use pgsqlite::writer::WriterStrategy;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// One writer configuration under test.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub writer: WriterStrategy,
    pub batched: bool,
}

/// The configurations this build can run, baseline first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "framed",
        writer: WriterStrategy::Framed,
        batched: false,
    },
    #[cfg(feature = "direct-writer")]
    Variant {
        name: "direct",
        writer: WriterStrategy::Direct,
        batched: false,
    },
    #[cfg(feature = "pooling")]
    Variant {
        name: "pooled",
        writer: WriterStrategy::Pooled,
        batched: false,
    },
    #[cfg(all(feature = "pooling", feature = "batching"))]
    Variant {
        name: "pooled+batched",
        writer: WriterStrategy::Pooled,
        batched: true,
    },
];

/// A blocking wire-protocol client that allocates nothing per message once connected.
pub struct RawClient {
    /// The connection.
    pub stream: TcpStream,
    /// The reused read buffer.
    pub buf: Box<[u8]>,
}

impl RawClient {
    /// Connects and completes startup (no authentication: pgsqlite trusts).
    pub fn connect(addr: SocketAddr) -> io::Result<RawClient> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        let mut client = RawClient {
            stream,
            buf: vec![0u8; 64 * 1024].into_boxed_slice(),
        };
        client.send(&startup_message())?;
        client.read_until_ready(1)?;
        Ok(client)
    }

    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Sends `request` and reads replies until `readies` ReadyForQuery arrived; returns
    /// the DataRows seen.
    pub fn round_trip(&mut self, request: &[u8], readies: u64) -> io::Result<u64> {
        self.send(request)?;
        self.read_until_ready(readies)
    }

    /// Runs one simple query; returns its DataRows.
    pub fn simple(&mut self, sql: &str) -> io::Result<u64> {
        self.round_trip(&query_message(sql), 1)
    }

    /// Reads messages until `readies` ReadyForQuery arrived, counting DataRows. An
    /// ErrorResponse becomes an `Err` once its ReadyForQuery is in.
    pub fn read_until_ready(&mut self, readies: u64) -> io::Result<u64> {
        read_until_ready(&mut self.stream, &mut self.buf, readies)
    }
}

/// StartupMessage for protocol 3.0, user and database `bench`.
pub fn startup_message() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&196_608u32.to_be_bytes());
    for s in ["user", "bench", "database", "bench"] {
        body.extend_from_slice(s.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut msg = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    msg.extend_from_slice(&body);
    msg
}

/// Appends a message with `tag` and `body` to `out`.
pub fn put_message(out: &mut Vec<u8>, tag: u8, body: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    out.extend_from_slice(body);
}

/// A Query message.
pub fn query_message(sql: &str) -> Vec<u8> {
    let mut body = sql.as_bytes().to_vec();
    body.push(0);
    let mut out = Vec::new();
    put_message(&mut out, b'Q', &body);
    out
}

/// Parse (unnamed, no parameters), Bind (every result column in binary), Execute (no
/// row limit), Sync: `sql` through the extended protocol with binary results.
pub fn extended_binary_message(sql: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut body = Vec::new();
    body.push(0); // unnamed statement
    body.extend_from_slice(sql.as_bytes());
    body.push(0);
    body.extend_from_slice(&0i16.to_be_bytes()); // no parameter types
    put_message(&mut out, b'P', &body);

    body.clear();
    body.extend_from_slice(&[0, 0]); // unnamed portal, unnamed statement
    body.extend_from_slice(&0i16.to_be_bytes()); // no parameter formats
    body.extend_from_slice(&0i16.to_be_bytes()); // no parameters
    body.extend_from_slice(&1i16.to_be_bytes()); // one result format ...
    body.extend_from_slice(&1i16.to_be_bytes()); // ... binary, for every column
    put_message(&mut out, b'B', &body);

    body.clear();
    body.push(0); // unnamed portal
    body.extend_from_slice(&0i32.to_be_bytes()); // all rows
    put_message(&mut out, b'E', &body);
    put_message(&mut out, b'S', &[]);
    out
}

/// Runs one simple query on a small result and returns the first column of its first
/// DataRow as text (`None` for no row or NULL). Reads message by message: not for large
/// results.
pub fn simple_first_value(stream: &mut TcpStream, sql: &str) -> io::Result<Option<String>> {
    stream.write_all(&query_message(sql))?;
    let mut value = None;
    let mut error = None;
    let mut body = Vec::new();
    loop {
        let mut header = [0u8; 5];
        stream.read_exact(&mut header)?;
        let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
        let len = (len as usize)
            .checked_sub(4)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "message length below 4"))?;
        body.resize(len, 0);
        stream.read_exact(&mut body)?;
        match header[0] {
            // DataRow: column count (2 bytes), then the first column's length and bytes.
            b'D' if value.is_none() && body.len() >= 6 => {
                let n = i32::from_be_bytes([body[2], body[3], body[4], body[5]]);
                if let Some(bytes) = usize::try_from(n).ok().and_then(|n| body[6..].get(..n)) {
                    value = Some(String::from_utf8_lossy(bytes).into_owned());
                }
            }
            b'E' => error = Some(String::from_utf8_lossy(&body).replace('\0', " ")),
            b'Z' => {
                return match error {
                    None => Ok(value),
                    Some(e) => Err(io::Error::other(format!("server error: {e}"))),
                };
            }
            _ => {}
        }
    }
}

/// Reads from `stream` into `buf` until `readies` ReadyForQuery messages arrived, counting
/// DataRows. An ErrorResponse becomes an `Err` once its ReadyForQuery is in.
pub fn read_until_ready(stream: &mut TcpStream, buf: &mut [u8], readies: u64) -> io::Result<u64> {
    read_until_ready_counting(stream, buf, readies).map(|(rows, _)| rows)
}

/// [`read_until_ready`], also returning the bytes of the DataRow messages (headers
/// included): `(rows, bytes)`.
pub fn read_until_ready_counting(
    stream: &mut TcpStream,
    buf: &mut [u8],
    readies: u64,
) -> io::Result<(u64, u64)> {
    let mut header = [0u8; 5];
    let mut have = 0usize;
    let mut body_left = 0usize;
    let mut tag = 0u8;
    let mut rows = 0u64;
    let mut row_bytes = 0u64;
    let mut ready = 0u64;
    let mut error: Option<Vec<u8>> = None;
    loop {
        let n = stream.read(buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed the connection",
            ));
        }
        let mut chunk = &buf[..n];
        while !chunk.is_empty() {
            if body_left > 0 {
                let (body, rest) = chunk.split_at(body_left.min(chunk.len()));
                if tag == b'E' {
                    error.get_or_insert_with(Vec::new).extend_from_slice(body);
                }
                body_left -= body.len();
                chunk = rest;
                continue;
            }
            let take = (5 - have).min(chunk.len());
            let (part, rest) = chunk.split_at(take);
            header[have..have + take].copy_from_slice(part);
            have += take;
            chunk = rest;
            if have == 5 {
                have = 0;
                tag = header[0];
                let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
                body_left = (len as usize).checked_sub(4).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, "message length below 4")
                })?;
                match tag {
                    b'D' => {
                        rows += 1;
                        row_bytes += u64::from(len) + 1;
                    }
                    b'Z' => ready += 1,
                    _ => {}
                }
            }
        }
        if ready >= readies && body_left == 0 && have == 0 {
            return match error {
                None => Ok((rows, row_bytes)),
                Some(body) => Err(io::Error::other(format!(
                    "server error: {}",
                    String::from_utf8_lossy(&body).replace('\0', " ")
                ))),
            };
        }
    }
}
