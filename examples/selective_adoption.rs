//! Selective adoption: a downstream crate that uses only pgsqlite's wire codec and a
//! writer strategy to serve its own data (no SQLite, no pgsqlite session), built with
//! just `direct-writer`.
//!
//! It listens on a loopback port, answers every simple query with the rows of an
//! in-memory table, and queries itself once with tokio-postgres to show it works.
//!
//! Run: `cargo run --example selective_adoption --no-default-features --features direct-writer`

use pgsqlite::connection::{FrameReader, Incoming, MessageSource};
use pgsqlite::protocol::backend::{self, FieldDescription, TransactionStatus, tag};
use pgsqlite::protocol::frontend::{FrontendMessage, StartupPacket};
use pgsqlite::protocol::types::{Format, oid, type_len};
use pgsqlite::protocol::{DirectWriter, ProtocolWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio_postgres::{NoTls, SimpleQueryMessage};

/// The crate's own data: planets and their moons.
const PLANETS: &[(&str, i64)] = &[("Mercury", 0), ("Venus", 0), ("Earth", 1), ("Mars", 2)];

async fn serve(stream: TcpStream) -> Result<(), pgsqlite::Error> {
    let (read, write) = stream.into_split();
    let mut input = FrameReader::new(read, 1 << 20);
    let mut writer = DirectWriter::new(write);
    while let Some(incoming) = input.next().await? {
        match incoming {
            Incoming::Startup(StartupPacket::SslRequest | StartupPacket::GssEncRequest) => {
                writer
                    .buffer()
                    .extend_from_slice(&[backend::SSL_NOT_SUPPORTED]);
            }
            Incoming::Startup(StartupPacket::Startup(_)) => {
                backend::authentication_ok(writer.buffer());
                writer.message_done(tag::AUTHENTICATION).await?;
                backend::parameter_status(writer.buffer(), "server_version", "15.0");
                writer.message_done(tag::PARAMETER_STATUS).await?;
                backend::ready_for_query(writer.buffer(), TransactionStatus::Idle);
                writer.message_done(tag::READY_FOR_QUERY).await?;
            }
            Incoming::Message(FrontendMessage::Query { .. }) => {
                let fields = [
                    FieldDescription {
                        name: "planet",
                        table_oid: 0,
                        column_id: 0,
                        type_oid: oid::TEXT,
                        type_len: type_len(oid::TEXT),
                        type_modifier: -1,
                        format: Format::Text,
                    },
                    FieldDescription {
                        name: "moons",
                        table_oid: 0,
                        column_id: 0,
                        type_oid: oid::INT8,
                        type_len: type_len(oid::INT8),
                        type_modifier: -1,
                        format: Format::Text,
                    },
                ];
                backend::row_description(writer.buffer(), &fields);
                writer.message_done(tag::ROW_DESCRIPTION).await?;
                let mut digits = itoa::Buffer::new();
                for (name, moons) in PLANETS {
                    let buf = writer.buffer();
                    let row = backend::DataRow::begin(buf, 2);
                    row.field(buf, name.as_bytes());
                    row.field(buf, digits.format(*moons).as_bytes());
                    row.finish(buf);
                    writer.message_done(tag::DATA_ROW).await?;
                }
                backend::command_complete_count(writer.buffer(), "SELECT", PLANETS.len() as u64);
                writer.message_done(tag::COMMAND_COMPLETE).await?;
                backend::ready_for_query(writer.buffer(), TransactionStatus::Idle);
                writer.message_done(tag::READY_FOR_QUERY).await?;
            }
            Incoming::Message(FrontendMessage::Terminate) => break,
            _ => {}
        }
        if !input.has_pending() {
            writer.flush().await?;
        }
    }
    writer.flush().await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await?;
        serve(stream).await.map_err(std::io::Error::other)
    });
    let (client, connection) =
        tokio_postgres::connect(&format!("host=127.0.0.1 port={port} user=demo"), NoTls).await?;
    let connection = tokio::spawn(connection);
    for message in client.simple_query("SELECT * FROM planets").await? {
        if let SimpleQueryMessage::Row(row) = message {
            println!(
                "{:<8} {}",
                row.get(0).unwrap_or(""),
                row.get(1).unwrap_or("")
            );
        }
    }
    drop(client);
    let _ = connection.await;
    server.await??;
    Ok(())
}
