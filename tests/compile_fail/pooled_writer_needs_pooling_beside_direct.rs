use pgsqlite::writer::PooledDirectWriter;

fn main() {
    let _writer = PooledDirectWriter::new(Vec::<u8>::new());
}
