use pgsqlite::connection::FrameReader;
use pgsqlite::executor::SqliteExecutor;
use pgsqlite::session::Session;
use pgsqlite::value::StandardValueHandler;
use pgsqlite::writer::FramedWriter;
use tokio::io::{DuplexStream, ReadHalf, WriteHalf};

type Pinned = Session<
    FrameReader<ReadHalf<DuplexStream>>,
    FramedWriter<WriteHalf<DuplexStream>>,
    StandardValueHandler,
    SqliteExecutor,
>;

fn assert_send<T: Send>() {}

fn main() {
    assert_send::<Pinned>();
}
