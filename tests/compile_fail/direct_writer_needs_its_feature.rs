use pgsqlite::writer::DirectWriter;

fn main() {
    let _writer = DirectWriter::new(Vec::<u8>::new());
}
