//! What the SQL front end costs per uncached statement: `sql::analyze` (one parse on
//! the PostgreSQL dialect, description, rewrite, printing SQLite's SQL) next to SQLite
//! preparing the result, the work every uncached statement does anyway. (Until December
//! 2026 a token translator stood where the parse is now; its figures are in features.md.)
//!
//! Statements that are cached (by text, per session) cost none of this.

use criterion::Criterion;
use pgsqlite::executor::TableColumn;
use pgsqlite::protocol::types::oid;
use std::hint::black_box;
use std::time::Duration;

const STATEMENTS: &[(&str, &str)] = &[
    (
        "point_select",
        "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
    ),
    (
        "update",
        "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
    ),
    (
        "insert",
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
    ),
    (
        "join",
        "SELECT a.aid, b.bbalance, a.abalance / 2 AS half FROM pgbench_accounts a \
         JOIN pgbench_branches b ON a.bid = b.bid WHERE a.aid BETWEEN $1 AND $2 ORDER BY a.aid LIMIT 10",
    ),
];

fn catalog(table: &str) -> Vec<TableColumn> {
    let column = |name: &str, ty| TableColumn {
        name: name.into(),
        ty,
        declared: if ty == oid::INT4 { "int" } else { "text" }.into(),
    };
    match table {
        "pgbench_accounts" => vec![
            column("aid", oid::INT4),
            column("bid", oid::INT4),
            column("abalance", oid::INT4),
            column("filler", oid::TEXT),
        ],
        "pgbench_branches" => vec![column("bid", oid::INT4), column("bbalance", oid::INT4)],
        "pgbench_history" => vec![
            column("tid", oid::INT4),
            column("bid", oid::INT4),
            column("aid", oid::INT4),
            column("delta", oid::INT4),
            column("mtime", oid::TEXT),
        ],
        _ => Vec::new(),
    }
}

fn benchmarks(c: &mut Criterion) {
    let conn = rusqlite_connection();
    for &(name, sql) in STATEMENTS {
        let mut group = c.benchmark_group(format!("parse_{name}"));
        group.bench_function("analyze", |b| {
            b.iter(|| pgsqlite::sql::analyze(black_box(sql), &mut catalog).unwrap())
        });
        let translated = pgsqlite::sql::analyze(sql, &mut catalog).unwrap().sql;
        group.bench_function("sqlite_prepare", |b| {
            b.iter(|| {
                let stmt = conn.prepare(black_box(&translated)).unwrap();
                stmt.parameter_count()
            })
        });
        group.finish();
    }
}

fn rusqlite_connection() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler text);
         CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int);
         CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime text);",
    )
    .unwrap();
    conn
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    benchmarks(&mut criterion);
    criterion.final_summary();
}
